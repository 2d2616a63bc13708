//! An activity on a dispatch (活動記録: visit, call, meeting) as typed or sent to the API, and
//! its one parse into an [`ActivityDraft`]. The store adds the one rule that needs the
//! dispatch: not dated before it was proposed ([`ActivityDraft::check_since`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::messages::{self, dispatch::MINUTES};
use crate::payment::{ActivityKind, Distance};
use crate::{FieldError, ValidationErrors};

/// An activity as typed.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityInput {
    /// `visit`, `call`, `meeting`.
    #[schema(schema_with = crate::payment::activity_kind_schema, required = true)]
    pub kind: String,
    /// YYYY-MM-DD.
    /// YYYY-MM-DD, not before the proposal, not in the future
    #[schema(format = Date, required = true)]
    pub on_date: String,
    /// Minutes spent.
    /// Minutes spent, 0-1440
    #[schema(
        pattern = "^([0-9]{1,3}|1[0-3][0-9]{2}|14[0-3][0-9]|1440)$",
        required = true
    )]
    pub minutes: String,
    /// Travel distance in km ("12.5").
    pub travel_km: String,
    /// Travel minutes.
    #[schema(pattern = "^([0-9]{1,3}|1[0-3][0-9]{2}|14[0-3][0-9]|1440)?$")]
    pub travel_minutes: String,
    /// Notes.
    pub notes: String,
}

/// A parsed activity: built only by [`ActivityInput::parse`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ActivityDraft {
    /// 訪問・電話・会議
    pub kind: ActivityKind,
    /// The day, not after today.
    pub on: NaiveDate,
    /// Minutes spent (1‥1440).
    pub minutes: u32,
    /// Travel distance in tenths of a km (0 = no travel).
    pub travel_tenths_km: u32,
    /// Travel minutes (0‥1440).
    pub travel_minutes: u32,
    /// 備考
    pub notes: Option<String>,
}

/// Minutes in 0‥1440 (one day); empty is 0 unless `required`.
fn minutes_field(field: &str, raw: &str, required: bool) -> Result<u32, FieldError> {
    match crate::text::whole_number(field, raw, 1440, MINUTES.ja, MINUTES.en)? {
        Some(n) => Ok(n),
        None if required => Err(FieldError::required(field)),
        None => Ok(0),
    }
}

/// Travel distance "12.5" (km, one decimal) → tenths of a km; empty = no travel.
fn tenths_km(field: &str, raw: &str) -> Result<u32, FieldError> {
    if raw.trim().is_empty() {
        return Ok(0);
    }
    Distance::parse(field, raw).map(|d| d.tenths())
}

impl ActivityInput {
    /// Parse every field, collecting all errors; the day may not be after `today`.
    pub fn parse(&self, today: NaiveDate) -> Result<ActivityDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = ActivityKind::parse(&self.kind);
        if kind.is_none() {
            errs.push(messages::dispatch::activity_kind_required());
        }
        let on = match crate::dates::parse_date("on_date", &self.on_date) {
            Ok(d) if d > today => {
                errs.push(messages::dispatch::activity_in_future());
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errs.push(e);
                None
            }
        };
        let minutes = errs.check(minutes_field("minutes", &self.minutes, true));
        let travel = errs.check(tenths_km("travel_km", &self.travel_km));
        let travel_minutes =
            errs.check(minutes_field("travel_minutes", &self.travel_minutes, false));
        let notes = errs.check(crate::text::optional_text("notes", &self.notes, 4000));
        errs.into_result()?;
        match (kind, on, minutes, travel, travel_minutes, notes) {
            (
                Some(kind),
                Some(on),
                Some(minutes),
                Some(travel_tenths_km),
                Some(travel_minutes),
                Some(notes),
            ) => Ok(ActivityDraft {
                kind,
                on,
                minutes,
                travel_tenths_km,
                travel_minutes,
                notes,
            }),
            _ => Err(ValidationErrors(vec![FieldError::required("kind")])),
        }
    }
}

impl ActivityDraft {
    /// An activity belongs to its dispatch: it may not be dated before the dispatch was
    /// proposed (`since`).
    pub fn check_since(&self, since: NaiveDate) -> Result<(), FieldError> {
        if self.on < since {
            Err(messages::dispatch::activity_before_dispatch(since))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(on: &str, minutes: &str) -> ActivityInput {
        ActivityInput {
            kind: "visit".into(),
            on_date: on.into(),
            minutes: minutes.into(),
            travel_km: "12.5".into(),
            ..Default::default()
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn distance_parsing() {
        assert_eq!(tenths_km("d", "12.5"), Ok(125));
        assert_eq!(tenths_km("d", "１２"), Ok(120));
        assert_eq!(tenths_km("d", ""), Ok(0));
        assert_eq!(tenths_km("d", "-3").unwrap_err().code, "negative");
        assert_eq!(
            tenths_km("d", "1.25").unwrap_err().code,
            "too_many_decimals"
        );
        assert_eq!(tenths_km("d", "1000.1").unwrap_err().code, "too_large");
        assert_eq!(minutes_field("m", "-5", true).unwrap_err().code, "negative");
        assert_eq!(minutes_field("m", "", true).unwrap_err().code, "required");
    }

    #[test]
    fn parses_a_visit_with_travel() {
        let d = input("2026-11-20", "90").parse(day("2026-12-01")).unwrap();
        assert_eq!(d.kind, ActivityKind::Visit);
        assert_eq!(
            (d.minutes, d.travel_tenths_km, d.travel_minutes),
            (90, 125, 0)
        );
        assert!(d.check_since(day("2026-11-20")).is_ok());
        assert_eq!(
            d.check_since(day("2026-11-21")).unwrap_err().code,
            "before_dispatch"
        );
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let bad = ActivityInput {
            kind: "party".into(),
            on_date: "2026-12-02".into(),
            minutes: "".into(),
            travel_km: "far".into(),
            ..Default::default()
        };
        let errs = bad.parse(day("2026-12-01")).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "on_date", "minutes", "travel_km"]);
    }
}
