//! A drill (避難訓練) of a child's individual plan, as typed, and its parse.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{FieldError, ValidationErrors};

/// A drill as typed.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DrillInput {
    /// YYYY-MM-DD.
    /// YYYY-MM-DD, not in the future
    #[schema(format = Date, required = true)]
    pub held_on: String,
    /// 参加者.
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub participants: String,
    /// 想定.
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub scenario: String,
    /// うまくいったこと.
    pub worked: String,
    /// 課題.
    pub problems: String,
}

/// A drill as parsed: built only by [`DrillInput::parse`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DrillDraft {
    /// 実施日 (not after today).
    pub held_on: NaiveDate,
    /// 参加者.
    pub participants: String,
    /// 想定.
    pub scenario: String,
    /// うまくいったこと.
    pub worked: Option<String>,
    /// 課題.
    pub problems: Option<String>,
}

impl DrillInput {
    /// Every field, all errors at once: date not after `today`, participants and scenario
    /// required.
    pub fn parse(&self, today: NaiveDate) -> Result<DrillDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let held_on = errs.check(crate::dates::parse_past_date(
            "held_on",
            &self.held_on,
            today,
        ));
        let participants = errs.check(crate::text::required_line(
            "participants",
            &self.participants,
            500,
        ));
        let scenario = errs
            .check(crate::text::optional_text("scenario", &self.scenario, 2000))
            .flatten();
        if scenario.is_none() && errs.for_field("scenario").is_none() {
            errs.push(FieldError::required("scenario"));
        }
        let worked = errs
            .check(crate::text::optional_text("worked", &self.worked, 4000))
            .flatten();
        let problems = errs
            .check(crate::text::optional_text("problems", &self.problems, 4000))
            .flatten();
        errs.into_result()?;
        let (Some(held_on), Some(participants), Some(scenario)) = (held_on, participants, scenario)
        else {
            return Err(FieldError::required("held_on").into());
        };
        Ok(DrillDraft {
            held_on,
            participants,
            scenario,
            worked,
            problems,
        })
    }
}
