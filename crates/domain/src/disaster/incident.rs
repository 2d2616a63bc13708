//! A power-outage incident (停電インシデント) as typed, and its parse.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::messages::disaster as msg;
use crate::municipality::MunicipalityCode;
use crate::{FieldError, ValidationErrors};

/// An incident as typed.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentInput {
    /// 名称 (e.g. 「台風10号による停電」).
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub title: String,
    /// Affected municipality codes (or a prefecture code).
    #[schema(schema_with = crate::openapi::municipality_codes, required = true)]
    pub municipality_codes: Vec<String>,
    /// Start, `YYYY-MM-DDTHH:MM` in JST (empty = now).
    pub started_at: String,
    /// Expected restoration, same format (optional).
    pub expected_restoration_at: String,
}

/// An incident as parsed: built only by [`IncidentInput::parse`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IncidentDraft {
    /// 名称.
    pub title: String,
    /// Affected areas, as typed order, no repeats, at least one.
    pub municipality_codes: Vec<MunicipalityCode>,
    /// Start (not in the future; `now` when left empty).
    pub started_at: DateTime<Utc>,
    /// Expected restoration (not before the start).
    pub expected_restoration_at: Option<DateTime<Utc>>,
}

/// `YYYY-MM-DDTHH:MM` (JST, as `<input type=datetime-local>` sends it) → UTC; empty is none.
fn jst_datetime(field: &str, raw: &str) -> Result<Option<DateTime<Utc>>, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let parsed = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"));
    match parsed {
        Ok(t) => Ok(t
            .and_local_timezone(crate::dates::jst())
            .single()
            .map(|t| t.with_timezone(&Utc))),
        Err(_) => Err(msg::datetime_format(field)),
    }
}

impl IncidentInput {
    /// Every field, all errors at once; `now` is the default start and the limit for it.
    pub fn parse(&self, now: DateTime<Utc>) -> Result<IncidentDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let title = errs.check(crate::text::required_line("title", &self.title, 200));
        let mut codes: Vec<MunicipalityCode> = Vec::new();
        for c in crate::dispatch::roster::split_list(&self.municipality_codes) {
            if let Some(code) = errs.check(MunicipalityCode::parse("municipality_codes", &c)) {
                if !codes.iter().any(|x| x.as_str() == code.as_str()) {
                    codes.push(code);
                }
            }
        }
        if codes.is_empty() && errs.for_field("municipality_codes").is_none() {
            errs.push(msg::affected_municipalities_required());
        }
        let started = errs.check(jst_datetime("started_at", &self.started_at));
        let restore = errs.check(jst_datetime(
            "expected_restoration_at",
            &self.expected_restoration_at,
        ));
        if let (Some(Some(s)), Some(Some(r))) = (started, restore) {
            if r < s {
                errs.push(msg::restoration_before_start());
            }
        }
        if let Some(Some(s)) = started {
            if s > now {
                errs.push(msg::start_in_future());
            }
        }
        errs.into_result()?;
        let (Some(title), Some(started), Some(restore)) = (title, started, restore) else {
            return Err(FieldError::required("title").into());
        };
        Ok(IncidentDraft {
            title,
            municipality_codes: codes,
            started_at: started.unwrap_or(now),
            expected_restoration_at: restore,
        })
    }
}

impl IncidentDraft {
    /// The affected areas' codes.
    pub fn area_codes(&self) -> Vec<String> {
        self.municipality_codes
            .iter()
            .map(|c| c.as_str().to_string())
            .collect()
    }
}
