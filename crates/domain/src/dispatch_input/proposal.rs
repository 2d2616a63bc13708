//! A proposal (打診) of a request to one coordinator, or two for a pair, as typed or sent to
//! the API, and its one parse into a [`ProposalDraft`]. Whether an override reason is needed
//! depends on the rules the chosen people break, which the store evaluates.

use serde::Deserialize;

use crate::ids::CoordinatorId;
use crate::messages;
use crate::ValidationErrors;

/// A proposal: one coordinator, or two for a pair; an override reason when a hard rule is
/// broken.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProposalInput {
    /// Roster ids (one, or two for a pair request).
    #[schema(min_items = 1, max_items = 2, required = true)]
    pub coordinator_ids: Vec<String>,
    /// Why a hard rule is overridden (advisor/admin, 10+ characters).
    pub override_reason: String,
}

/// A parsed proposal: built only by [`ProposalInput::parse`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ProposalDraft {
    /// One or two roster entries, without repeats, in the order given.
    pub coordinator_ids: Vec<CoordinatorId>,
    /// The override reason as typed (trimmed), if any; how long it must be is the store's
    /// call, once it knows which rules are overridden.
    pub override_reason: Option<String>,
}

impl ProposalInput {
    /// One or two well-formed roster ids and a reason of at most 1,000 characters.
    pub fn parse(&self) -> Result<ProposalDraft, ValidationErrors> {
        let mut raw: Vec<&str> = self
            .coordinator_ids
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        raw.dedup();
        if raw.is_empty() || raw.len() > 2 {
            return Err(ValidationErrors(vec![
                messages::dispatch::coordinators_required(),
            ]));
        }
        let mut errs = ValidationErrors::new();
        let mut coordinator_ids = Vec::new();
        for s in raw {
            match CoordinatorId::parse(s) {
                Some(id) => coordinator_ids.push(id),
                None => errs.push(messages::dispatch::unknown_coordinator("coordinator_ids")),
            }
        }
        let override_reason = errs
            .check(crate::text::optional_text(
                "override_reason",
                &self.override_reason,
                1000,
            ))
            .flatten();
        errs.into_result()?;
        Ok(ProposalDraft {
            coordinator_ids,
            override_reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0190b6f0-1c2d-7e3f-8a4b-5c6d7e8f9a0b";
    const B: &str = "0190b6f0-1c2d-7e3f-8a4b-5c6d7e8f9a0c";

    fn input(ids: &[&str]) -> ProposalInput {
        ProposalInput {
            coordinator_ids: ids.iter().map(|s| s.to_string()).collect(),
            override_reason: String::new(),
        }
    }

    #[test]
    fn one_or_two_coordinators() {
        assert_eq!(input(&[A]).parse().unwrap().coordinator_ids.len(), 1);
        assert_eq!(
            input(&[A, " ", B]).parse().unwrap().coordinator_ids.len(),
            2
        );
        assert_eq!(input(&[A, A]).parse().unwrap().coordinator_ids.len(), 1);
        for bad in [
            &[][..],
            &[" "],
            &[A, B, "0190b6f0-1c2d-7e3f-8a4b-5c6d7e8f9a0d"],
        ] {
            let e = input(bad).parse().unwrap_err();
            assert_eq!(e.0[0].code, "required", "{bad:?}");
        }
        let e = input(&["nobody"]).parse().unwrap_err();
        assert_eq!(e.0[0].code, "unknown_coordinator");
    }
}
