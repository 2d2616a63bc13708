//! Pieces two features share, kept out of both so neither imports the other: the consultation
//! form as the browser posts it (the intake and the consultation edit page parse it alike),
//! the child search behind both pages' picker.

use chrono::{DateTime, Utc};
use domain::consultation::{ConsultationDraft, ConsultationForm, PersonForm};
use domain::messages::consultation as msg;
use domain::ValidationErrors;
use serde::Deserialize;
use store::children::ChildQuery;

use crate::auth::Authed;
use crate::error::WebError;
use crate::AppState;

/// One search hit in the intake form.
pub struct ChildHit {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kana: String,
    pub(crate) birth: String,
    pub(crate) municipality: String,
    /// What was typed is this child's whole name or whole reading (not just a prefix or the
    /// given name). Only a hit that is exact and alone may be chosen in advance: with two
    /// namesakes, or a partial name, the person at the phone must pick.
    pub(crate) exact: bool,
}

/// The hit the intake may choose in advance: the only hit, and an exact one.
pub(crate) fn preselect(hits: &[ChildHit]) -> &str {
    match hits {
        [one] if one.exact => &one.id,
        _ => "",
    }
}

pub(crate) async fn child_hits(
    state: &AppState,
    a: &Authed,
    q: &str,
) -> Result<Vec<ChildHit>, WebError> {
    if q.trim().is_empty() {
        return Ok(Vec::new());
    }
    let page = state
        .store
        .search_children(
            a.actor(),
            &ChildQuery {
                q: q.to_string(),
                limit: Some(8),
                ..Default::default()
            },
            a.now,
            store::Via::Intake,
        )
        .await?;
    let key = domain::kana::normalize_for_search(q);
    let norm = domain::kana::normalize_for_search;
    Ok(page
        .items
        .into_iter()
        .map(|c| ChildHit {
            exact: key == norm(&format!("{}{}", c.family_name, c.given_name))
                || key == norm(&format!("{}{}", c.family_name_kana, c.given_name_kana)),
            id: c.id,
            name: format!("{} {}", c.family_name, c.given_name),
            kana: format!("{} {}", c.family_name_kana, c.given_name_kana),
            birth: c.birth_date,
            municipality: domain::municipality::lookup(&c.municipality_code)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
        })
        .collect())
}

/// The intake form as posted by the browser.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct IntakeHtmlForm {
    pub(crate) occurred_at: String,
    pub(crate) channel: String,
    pub(crate) requester_kind: String,
    pub(crate) requester_name: String,
    pub(crate) requester_org: String,
    /// child, person (a new unregistered person), anonymous, or existing (the edit page:
    /// keep the unregistered person `person_id` the consultation is about).
    pub(crate) subject: String,
    pub(crate) child_id: String,
    pub(crate) person_id: String,
    pub(crate) person_name: String,
    pub(crate) person_kana: String,
    /// "1": the person typed is not the earlier one of the same name the form offered
    /// (「別の方です」); a new person is recorded.
    pub(crate) person_distinct: String,
    pub(crate) topics: Vec<String>,
    pub(crate) summary: String,
    pub(crate) response: String,
    pub(crate) staff_id: String,
    pub(crate) duration_minutes: String,
    pub(crate) followup_due: String,
    pub(crate) followup_assignee_id: String,
    /// The edit page: the record's version when the form was loaded (the intake has none).
    pub(crate) version: String,
}

impl IntakeHtmlForm {
    pub(crate) fn to_form(&self) -> ConsultationForm {
        let person = match self.subject.as_str() {
            "anonymous" => Some(PersonForm {
                anonymous: true,
                ..Default::default()
            }),
            "person" => Some(PersonForm {
                name: self.person_name.clone(),
                name_kana: self.person_kana.clone(),
                anonymous: false,
                distinct: self.person_distinct == "1",
            }),
            _ => None,
        };
        ConsultationForm {
            occurred_at: self.occurred_at.clone(),
            channel: self.channel.clone(),
            requester_kind: self.requester_kind.clone(),
            requester_name: self.requester_name.clone(),
            requester_org: self.requester_org.clone(),
            child_id: if self.subject == "child" {
                self.child_id.clone()
            } else {
                String::new()
            },
            person_id: if self.subject == "existing" {
                self.person_id.clone()
            } else {
                String::new()
            },
            person,
            topics: self.topics.clone(),
            summary: self.summary.clone(),
            response: self.response.clone(),
            staff_id: self.staff_id.clone(),
            duration_minutes: None,
            followup_due: self.followup_due.clone(),
            followup_assignee_id: self.followup_assignee_id.clone(),
        }
    }

    /// The browser's fields parsed into a draft: the checks only a browser form needs
    /// (minutes typed as text, a subject chosen but not picked) and then the one parse every
    /// consultation input goes through ([`ConsultationForm::parse`]), all problems reported
    /// together. Shared by the intake and the consultation edit page so both validate alike.
    pub(crate) fn parse(&self, now: DateTime<Utc>) -> Result<ConsultationDraft, ValidationErrors> {
        let mut form = self.to_form();
        let mut errs = ValidationErrors::new();
        let d = self.duration_minutes.trim();
        if !d.is_empty() {
            match d.parse::<i64>() {
                Ok(m) => form.duration_minutes = Some(m),
                Err(_) => errs.push(msg::duration_not_a_number()),
            }
        }
        match self.subject.as_str() {
            "child" if self.child_id.trim().is_empty() => errs.push(msg::child_not_picked()),
            "existing" if self.person_id.trim().is_empty() => errs.push(msg::person_not_picked()),
            // An unregistered person needs at least a name (the parser treats an empty person
            // as "nobody").
            "person" if self.person_name.trim().is_empty() => {
                errs.push(domain::FieldError::required("person.name"))
            }
            "child" | "existing" | "person" | "anonymous" => {}
            _ => errs.push(msg::subject_required()),
        }
        match form.parse(now) {
            Ok(draft) if errs.is_empty() => Ok(draft),
            Ok(_) => Err(errs),
            Err(more) => {
                errs.0.extend(more.0);
                Err(errs)
            }
        }
    }
}

/// A write's form errors, told only to a caller who may write the record: when `parsed`
/// failed validation, `scope` (e.g. [`store::Store::check_child_writable`]) runs first, and
/// its refusal answers instead. A valid form goes on to the write, which checks the scope
/// inside its own transaction, so the check costs nothing on the way to a save.
pub(crate) async fn scope_before_errors<T>(
    parsed: Result<T, store::StoreError>,
    scope: impl std::future::Future<Output = Result<(), store::StoreError>>,
) -> Result<T, store::StoreError> {
    match parsed {
        Err(store::StoreError::Validation(errs)) => {
            scope.await?;
            Err(store::StoreError::Validation(errs))
        }
        other => other,
    }
}
