//! A dated period of welfare-service use as typed or sent to the API, and its one parse into
//! a [`ServicePeriodDraft`]. The history decides which coordinator activities the prefecture
//! pays ([`crate::payment::is_payable`]).

use chrono::NaiveDate;
use serde::Deserialize;

use crate::messages;
use crate::vocab::{VocabCode, VocabKind};
use crate::{FieldError, ValidationErrors};

/// A service period as typed: service code, and optional first and last day.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ServicePeriodInput {
    /// Service code of [`VocabKind::WelfareService`].
    pub code: String,
    /// YYYY-MM-DD, or empty: before records began.
    pub started_on: String,
    /// YYYY-MM-DD, or empty: ongoing.
    pub ended_on: String,
}

/// A parsed service period: built only by [`ServicePeriodInput::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServicePeriodDraft {
    /// The service.
    pub code: VocabCode,
    /// First day (None: before records began).
    pub started_on: Option<NaiveDate>,
    /// Last day (None: ongoing); not before the first.
    pub ended_on: Option<NaiveDate>,
}

fn optional_date(field: &str, raw: &str) -> Result<Option<NaiveDate>, FieldError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        crate::dates::parse_date(field, raw).map(Some)
    }
}

impl ServicePeriodInput {
    /// Parse every field, collecting all errors.
    pub fn parse(&self) -> Result<ServicePeriodDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let code = errs.check(VocabCode::parse(
            VocabKind::WelfareService,
            "code",
            &self.code,
        ));
        let start = errs.check(optional_date("started_on", &self.started_on));
        let end = errs.check(optional_date("ended_on", &self.ended_on));
        if let (Some(Some(s)), Some(Some(e))) = (start, end) {
            if e < s {
                errs.push(messages::payments::ends_before_start());
            }
        }
        match (code, start, end) {
            (Some(code), Some(started_on), Some(ended_on)) if errs.is_empty() => {
                Ok(ServicePeriodDraft {
                    code,
                    started_on,
                    ended_on,
                })
            }
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_may_not_end_before_they_start() {
        let i = ServicePeriodInput {
            code: "plan_consultation".into(),
            started_on: "2026-11-10".into(),
            ended_on: String::new(),
        };
        let d = i.parse().unwrap();
        assert_eq!(d.code.as_str(), "plan_consultation");
        assert!(d.ended_on.is_none());
        let bad = ServicePeriodInput {
            ended_on: "2026-11-01".into(),
            ..i
        };
        assert_eq!(bad.parse().unwrap_err().0[0].code, "before_start");
        let unknown = ServicePeriodInput {
            code: "teleport".into(),
            ..Default::default()
        };
        assert_eq!(unknown.parse().unwrap_err().0[0].field, "code");
    }
}
