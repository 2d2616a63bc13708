//! A consultation (相談) as typed or sent to the API, and its one parse into a
//! [`ConsultationDraft`]; the course entry (経過) likewise. The intake page, the edit page and
//! the API all call these parsers, and the store takes only the drafts.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ChildId, PersonId, UserId};
use crate::kana::KanaName;
use crate::messages::consultation as msg;
use crate::text::{optional_line, optional_text, required_line};
use crate::vocab::{VocabCode, VocabKind};
use crate::{FieldError, ValidationErrors};

/// The person a consultation is about when no child is registered (lightweight record).
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
#[schema(as = Person)]
pub struct PersonForm {
    /// 氏名 (may be empty when anonymous).
    pub name: String,
    /// フリガナ.
    pub name_kana: String,
    /// 匿名: the caller did not give a name.
    pub anonymous: bool,
    /// A different person from an earlier one of the same name and reading: record a new
    /// person instead of linking to that one (the intake's 「別の方です」).
    pub distinct: bool,
}

/// A consultation as typed by the user or sent to the API (unparsed).
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
#[schema(as = ConsultationInput)]
pub struct ConsultationForm {
    /// When it happened: "YYYY-MM-DDTHH:MM" in Japan time or RFC 3339; empty = now.
    pub occurred_at: String,
    /// Channel code (電話, メール, …).
    #[schema(schema_with = crate::openapi::channel_code, required = true)]
    pub channel: String,
    /// Requester kind code.
    #[schema(schema_with = crate::openapi::requester_kind_code, required = true)]
    pub requester_kind: String,
    /// 相談者氏名.
    pub requester_name: String,
    /// 相談者の所属.
    pub requester_org: String,
    /// The registered child it is about, if any.
    pub child_id: String,
    /// An existing unregistered person it is about, if any.
    pub person_id: String,
    /// Or a new unregistered person.
    pub person: Option<PersonForm>,
    /// Topic codes (one or more).
    #[schema(schema_with = crate::openapi::topic_codes, required = true)]
    pub topics: Vec<String>,
    /// 相談内容.
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub summary: String,
    /// 対応・支援内容.
    pub response: String,
    /// Staff user id; empty = the current user.
    pub staff_id: String,
    /// 所要時間 (minutes).
    #[schema(minimum = 0, maximum = 1440)]
    pub duration_minutes: Option<i64>,
    /// Follow-up due date (YYYY-MM-DD).
    #[schema(schema_with = crate::openapi::date_or_blank)]
    pub followup_due: String,
    /// Follow-up assignee user id; empty = the staff member when a due date is set.
    pub followup_assignee_id: String,
}

/// A course entry as typed or sent to the API (unparsed).
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize)]
#[serde(default)]
#[schema(as = CourseEntryInput)]
pub struct CourseForm {
    /// YYYY-MM-DD, not after today.
    /// YYYY-MM-DD, not after today (Japan time)
    #[schema(format = Date, required = true)]
    pub entry_date: String,
    /// What happened.
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub body: String,
}

/// The unregistered person a new consultation is about, as parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PersonDraft {
    /// 匿名: the caller gave no name.
    Anonymous,
    /// A named person, with the reading when given.
    Named {
        /// 氏名
        name: String,
        /// フリガナ
        name_kana: Option<String>,
    },
}

/// A parsed, valid consultation ready to store: built only by [`ConsultationForm::parse`].
/// At most one subject is set (child, existing person or new person).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ConsultationDraft {
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// 相談方法
    pub channel: VocabCode,
    /// 相談者の種別
    pub requester_kind: VocabCode,
    /// 相談者氏名
    pub requester_name: Option<String>,
    /// 相談者の所属
    pub requester_org: Option<String>,
    /// The registered child it is about (the store checks it is in the actor's reach).
    pub child_id: Option<ChildId>,
    /// An earlier unregistered person it is about.
    pub person_id: Option<PersonId>,
    /// Or a new unregistered person.
    pub person: Option<PersonDraft>,
    /// See [`PersonForm::distinct`].
    pub person_distinct: bool,
    /// 相談内容の分類 (one or more, no repeats).
    pub topics: Vec<VocabCode>,
    /// 相談内容
    pub summary: String,
    /// 対応・支援内容
    pub response: Option<String>,
    /// Staff member; none = the actor.
    pub staff_id: Option<UserId>,
    /// 所要時間 (0–1440 minutes).
    pub duration_minutes: Option<i64>,
    /// Follow-up due date.
    pub followup_due: Option<NaiveDate>,
    /// Follow-up assignee; none = the staff member when a due date is set.
    pub followup_assignee_id: Option<UserId>,
}

/// A parsed course entry (経過): its date (not after today) and what happened.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CourseDraft {
    /// 経過の日付
    pub entry_date: NaiveDate,
    /// 経過の内容
    pub body: String,
}

/// An optional id: blank is none; a malformed one names nothing, and the error says so as the
/// store's reference check would for a well-formed id it cannot find.
fn opt_id<T>(
    errs: &mut ValidationErrors,
    raw: &str,
    parse: fn(&str) -> Option<T>,
    unknown: impl FnOnce() -> FieldError,
) -> Option<T> {
    if raw.trim().is_empty() {
        return None;
    }
    let id = parse(raw);
    if id.is_none() {
        errs.push(unknown());
    }
    id
}

impl ConsultationForm {
    /// Every problem of the form itself, all at once (nothing is read or written). A form that
    /// also fails checks of its own (e.g. the intake page's "pick a child") reports these in
    /// the same answer instead of one round at a time.
    pub fn check(&self, now: DateTime<Utc>) -> std::result::Result<(), ValidationErrors> {
        self.parse(now).map(|_| ())
    }

    /// Parse every field, collecting all errors; `now` is the default time and the limit for
    /// a time in the future.
    pub fn parse(
        &self,
        now: DateTime<Utc>,
    ) -> std::result::Result<ConsultationDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let occurred_at = if self.occurred_at.trim().is_empty() {
            Some(now)
        } else {
            e.check(crate::dates::parse_occurred_at(
                "occurred_at",
                &self.occurred_at,
                now,
            ))
        };
        let channel = e.check(VocabCode::parse(
            VocabKind::ConsultationChannel,
            "channel",
            &self.channel,
        ));
        let requester_kind = e.check(VocabCode::parse(
            VocabKind::RequesterKind,
            "requester_kind",
            &self.requester_kind,
        ));
        let requester_name = e.check(optional_line(
            "requester_name",
            &self.requester_name,
            crate::text::MAX_NAME,
        ));
        let requester_org = e.check(optional_line(
            "requester_org",
            &self.requester_org,
            crate::text::MAX_LINE,
        ));
        let child_id = opt_id(&mut e, &self.child_id, ChildId::parse, msg::unknown_child);
        let person_id = opt_id(
            &mut e,
            &self.person_id,
            PersonId::parse,
            msg::unknown_person,
        );
        let person_distinct = self.person.as_ref().is_some_and(|p| p.distinct);
        let person = match &self.person {
            Some(p) if p.anonymous => Some(PersonDraft::Anonymous),
            Some(p)
                if p != &PersonForm::default()
                    && p != &(PersonForm {
                        distinct: true,
                        ..Default::default()
                    }) =>
            {
                let name = e.check(required_line("person.name", &p.name, crate::text::MAX_NAME));
                let kana = if p.name_kana.trim().is_empty() {
                    Some(None)
                } else {
                    e.check(KanaName::parse("person.name_kana", &p.name_kana))
                        .map(|k| Some(k.as_str().to_string()))
                };
                match (name, kana) {
                    (Some(name), Some(name_kana)) => Some(PersonDraft::Named { name, name_kana }),
                    _ => None,
                }
            }
            _ => None,
        };
        // Counted on what was typed: a malformed id is still a second subject.
        let subjects = usize::from(!self.child_id.trim().is_empty())
            + usize::from(!self.person_id.trim().is_empty())
            + usize::from(person.is_some());
        if subjects > 1 {
            e.push(msg::ambiguous_subject());
        }
        let mut topics = Vec::new();
        for t in &self.topics {
            if t.trim().is_empty() {
                continue;
            }
            if let Some(c) = e.check(VocabCode::parse(VocabKind::ConsultationTopic, "topics", t)) {
                if !topics.contains(&c) {
                    topics.push(c);
                }
            }
        }
        if topics.is_empty() && !e.iter().any(|x| x.field == "topics") {
            e.push(msg::topics_required());
        }
        let summary = e.check(required_line_multi("summary", &self.summary));
        let response = e.check(optional_text(
            "response",
            &self.response,
            crate::text::MAX_TEXT,
        ));
        let duration_minutes = match self.duration_minutes {
            Some(m) if !(0..=24 * 60).contains(&m) => {
                e.push(msg::duration_out_of_range());
                None
            }
            m => m,
        };
        let followup_due = if self.followup_due.trim().is_empty() {
            None
        } else {
            e.check(crate::dates::parse_date("followup_due", &self.followup_due))
        };
        let staff_id = opt_id(&mut e, &self.staff_id, UserId::parse, || {
            msg::unknown_user("staff_id")
        });
        let followup_assignee_id =
            opt_id(&mut e, &self.followup_assignee_id, UserId::parse, || {
                msg::unknown_user("followup_assignee_id")
            });
        e.into_result()?;
        match (
            occurred_at,
            channel,
            requester_kind,
            requester_name,
            requester_org,
            summary,
            response,
        ) {
            (
                Some(occurred_at),
                Some(channel),
                Some(requester_kind),
                Some(requester_name),
                Some(requester_org),
                Some(summary),
                Some(response),
            ) => Ok(ConsultationDraft {
                occurred_at,
                channel,
                requester_kind,
                requester_name,
                requester_org,
                child_id,
                person_id,
                person,
                person_distinct,
                topics,
                summary,
                response,
                staff_id,
                duration_minutes,
                followup_due,
                followup_assignee_id,
            }),
            _ => Err(ValidationErrors(vec![
                crate::messages::common::check_the_form(),
            ])),
        }
    }
}

fn required_line_multi(field: &str, raw: &str) -> std::result::Result<String, FieldError> {
    match optional_text(field, raw, crate::text::MAX_TEXT)? {
        Some(s) => Ok(s),
        None => required_line(field, raw, crate::text::MAX_TEXT),
    }
}

impl CourseForm {
    /// Parse the entry (its date not after `today`). Every message names the field: the course
    /// form sits on a page full of other dates.
    pub fn parse(&self, today: NaiveDate) -> std::result::Result<CourseDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = if self.entry_date.trim().is_empty() {
            e.push(msg::course_date_required());
            None
        } else {
            match crate::dates::parse_date("entry_date", &self.entry_date) {
                Ok(d) if d > today => {
                    e.push(msg::course_date_in_future());
                    None
                }
                Ok(d) => Some(d),
                Err(err) => {
                    e.push(msg::course_date_invalid(err.code));
                    None
                }
            }
        };
        let body = match optional_text("body", &self.body, crate::text::MAX_TEXT) {
            Ok(Some(b)) => Some(b),
            Ok(None) => {
                e.push(msg::course_body_required());
                None
            }
            Err(err) => {
                e.push(msg::course_body_invalid(&err));
                None
            }
        };
        e.into_result()?;
        match (date, body) {
            (Some(entry_date), Some(body)) => Ok(CourseDraft { entry_date, body }),
            _ => Err(ValidationErrors(vec![
                crate::messages::common::check_the_form(),
            ])),
        }
    }
}
