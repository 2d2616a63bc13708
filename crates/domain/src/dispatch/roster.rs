//! Entering the roster and requests: the forms as typed ([`CoordinatorInput`],
//! [`RequestInput`]) and their validated forms ([`CoordinatorDraft`], [`RequestDraft`]), and the
//! states of one dispatch ([`DispatchStatus`]).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Availability, SidesNeeded, TopicCode, Urgency};
use crate::dates::parse_date;
use crate::municipality::MunicipalityCode;
use crate::text::{optional_email, optional_line, optional_phone, optional_text, required_line};
use crate::vocab::{VocabCode, VocabKind};
use crate::{FieldError, Lang, ValidationErrors};

/// Most cases one coordinator may be set to hold.
pub const MAX_CASES_LIMIT: u32 = 200;

/// A roster entry as typed in the form or sent to the API. Lists may also be given as one
/// string separated by commas, spaces or 、 (see [`split_list`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CoordinatorInput {
    /// Login of the center user this coordinator is, or empty for an external person.
    pub login: String,
    /// 氏名.
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub name: String,
    /// フリガナ.
    pub name_kana: String,
    /// 所属 (organization name).
    pub organization: String,
    /// Municipality code of the organization.
    pub affiliation_code: String,
    /// 職種 codes.
    #[schema(schema_with = crate::openapi::profession_codes, required = true)]
    pub professions: Vec<String>,
    /// Areas covered: municipality codes, or a prefecture code for the whole prefecture.
    #[schema(schema_with = crate::openapi::municipality_codes, required = true)]
    pub covers: Vec<String>,
    /// Topic codes (相談内容 or 医療的ケア).
    #[schema(schema_with = crate::openapi::dispatch_topic_codes)]
    pub topics: Vec<String>,
    /// 養成研修 completed in (fiscal) year, e.g. "2021".
    pub training_year: String,
    /// Follow-up trainings (フォローアップ研修), free text, one per line.
    pub followup_trainings: String,
    /// 最大担当件数.
    /// 最大担当件数, 1-200
    #[schema(pattern = "^([1-9][0-9]?|1[0-9]{2}|200)$", required = true)]
    pub max_active_cases: String,
    /// `active`, `on_leave` or `inactive`.
    #[schema(schema_with = availability_schema)]
    pub availability: String,
    /// Last day of leave (for `on_leave`).
    pub leave_until: String,
    /// Phone.
    pub phone: String,
    /// Email.
    pub email: String,
    /// Notes.
    pub notes: String,
}

/// A validated roster entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoordinatorDraft {
    /// Login of the linked user, if any (the store resolves it).
    pub login: Option<String>,
    /// 氏名.
    pub name: String,
    /// フリガナ.
    pub name_kana: Option<String>,
    /// 所属.
    pub organization: Option<String>,
    /// Municipality of the organization.
    pub affiliation: Option<MunicipalityCode>,
    /// 職種 (at least one, no duplicates).
    pub professions: Vec<VocabCode>,
    /// Areas covered (at least one).
    pub covers: Vec<MunicipalityCode>,
    /// Topics of expertise.
    pub topics: Vec<TopicCode>,
    /// 養成研修修了年.
    pub training_year: Option<i32>,
    /// フォローアップ研修.
    pub followup_trainings: Option<String>,
    /// 最大担当件数 (1‥[`MAX_CASES_LIMIT`]).
    pub max_active_cases: u32,
    /// Availability.
    pub availability: Availability,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// Splits list items typed in one box: commas, 、, ，, whitespace and newlines separate.
pub fn split_list(items: &[String]) -> Vec<String> {
    items
        .iter()
        .flat_map(|s| {
            s.split(|c: char| c == ',' || c == '、' || c == '，' || c.is_whitespace())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

fn small_number(field: &str, raw: &str, min: u32, max: u32) -> Result<u32, FieldError> {
    let s = crate::text::number_input(raw);
    if s.is_empty() {
        return Err(FieldError::required(field));
    }
    match s.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(FieldError::new(
            field,
            "number_range",
            format!("{min}から{max}までの整数で入力してください"),
            format!("Enter a whole number from {min} to {max}."),
        )),
    }
}

impl CoordinatorDraft {
    /// Validates a roster entry, collecting every error. `today` bounds the training year
    /// (not in the future) and the leave date (not in the past).
    pub fn parse(input: &CoordinatorInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let name = errs.check(required_line("name", &input.name, 100));
        let name_kana = errs.check(optional_line("name_kana", &input.name_kana, 100));
        let organization = errs.check(optional_line("organization", &input.organization, 200));
        let affiliation = if input.affiliation_code.trim().is_empty() {
            Some(None)
        } else {
            errs.check(MunicipalityCode::parse(
                "affiliation_code",
                &input.affiliation_code,
            ))
            .map(Some)
        };
        let mut professions = Vec::new();
        for p in split_list(&input.professions) {
            if let Some(c) = errs.check(VocabCode::parse(VocabKind::Profession, "professions", &p))
            {
                push_unique(&mut professions, c);
            }
        }
        if professions.is_empty() && errs.for_field("professions").is_none() {
            errs.push(FieldError::new(
                "professions",
                "required",
                "職種を1つ以上選んでください",
                "Choose at least one profession.",
            ));
        }
        let mut covers = Vec::new();
        for c in split_list(&input.covers) {
            if let Some(code) = errs.check(MunicipalityCode::parse("covers", &c)) {
                push_unique(&mut covers, code);
            }
        }
        if covers.is_empty() && errs.for_field("covers").is_none() {
            errs.push(FieldError::new(
                "covers",
                "required",
                "担当する市町村（または県全域）を1つ以上入力してください",
                "Enter at least one municipality covered (or the prefecture for all of it).",
            ));
        }
        let mut topics = Vec::new();
        for t in split_list(&input.topics) {
            if let Some(code) = errs.check(TopicCode::parse("topics", &t)) {
                push_unique(&mut topics, code);
            }
        }
        let training_year = if input.training_year.trim().is_empty() {
            Some(None)
        } else {
            let max = u32::try_from(today.year()).unwrap_or(2100);
            errs.check(small_number(
                "training_year",
                &input.training_year,
                2000,
                max,
            ))
            .map(|y| Some(i32::try_from(y).unwrap_or_default()))
        };
        let followup_trainings = errs.check(optional_text(
            "followup_trainings",
            &input.followup_trainings,
            2000,
        ));
        let max_active_cases = errs.check(small_number(
            "max_active_cases",
            &input.max_active_cases,
            1,
            MAX_CASES_LIMIT,
        ));
        let availability = match input.availability.trim() {
            "" | "active" => Some(Availability::Active),
            "inactive" => Some(Availability::Inactive),
            "on_leave" => match parse_date("leave_until", &input.leave_until) {
                Ok(until) if until < today => {
                    errs.push(FieldError::new(
                        "leave_until",
                        "past_date",
                        "休暇の終了日が過ぎています。復帰済みなら「稼働中」にしてください",
                        "The leave has already ended; set the coordinator to active.",
                    ));
                    None
                }
                Ok(until) => Some(Availability::OnLeave { until }),
                Err(e) => {
                    errs.push(e);
                    None
                }
            },
            _ => {
                errs.push(FieldError::new(
                    "availability",
                    "unknown_code",
                    "稼働状況を選んでください",
                    "Choose an availability.",
                ));
                None
            }
        };
        let phone = errs.check(optional_phone("phone", &input.phone));
        let email = errs.check(optional_email("email", &input.email));
        let notes = errs.check(optional_text("notes", &input.notes, 2000));
        let login = input.login.trim();
        errs.into_result()?;
        match (
            name,
            name_kana,
            organization,
            affiliation,
            training_year,
            followup_trainings,
            max_active_cases,
            availability,
            phone,
            email,
            notes,
        ) {
            (
                Some(name),
                Some(name_kana),
                Some(organization),
                Some(affiliation),
                Some(training_year),
                Some(followup_trainings),
                Some(max_active_cases),
                Some(availability),
                Some(phone),
                Some(email),
                Some(notes),
            ) => Ok(CoordinatorDraft {
                login: (!login.is_empty()).then(|| login.to_string()),
                name,
                name_kana,
                organization,
                affiliation,
                professions,
                covers,
                topics,
                training_year,
                followup_trainings,
                max_active_cases,
                availability,
                phone,
                email,
                notes,
            }),
            _ => Err(ValidationErrors(vec![FieldError::required("name")])),
        }
    }
}

/// A dispatch request (派遣依頼) as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = DispatchRequestInput)]
pub struct RequestInput {
    /// The child (required).
    #[schema(required = true)]
    pub child_id: String,
    /// The consultation it comes from, if any.
    pub consultation_id: String,
    /// Topic codes (相談内容 or 医療的ケア).
    #[schema(schema_with = crate::openapi::dispatch_topic_codes)]
    pub topics: Vec<String>,
    /// `medical`, `welfare` or `both`.
    #[schema(schema_with = sides_schema, required = true)]
    pub sides: String,
    /// `routine`, `soon` or `urgent`.
    #[schema(schema_with = urgency_schema)]
    pub urgency: String,
    /// 希望日 (free text: "12月の平日午前" etc.).
    pub preferred_dates: String,
    /// 依頼内容・備考.
    pub note: String,
}

/// A validated request; the store adds the child's municipality.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestDraft {
    /// Child id as given (the store checks it exists and is in scope).
    pub child_id: String,
    /// Consultation id, if any.
    pub consultation_id: Option<String>,
    /// Topics (may be empty).
    pub topics: Vec<TopicCode>,
    /// Sides.
    pub sides: SidesNeeded,
    /// Urgency.
    pub urgency: Urgency,
    /// 希望日.
    pub preferred_dates: Option<String>,
    /// 依頼内容.
    pub note: Option<String>,
}

impl SidesNeeded {
    /// Code: `medical`, `welfare`, `both`.
    pub fn code(self) -> &'static str {
        match self {
            SidesNeeded::Medical => "medical",
            SidesNeeded::Welfare => "welfare",
            SidesNeeded::Both => "both",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "medical" => Some(SidesNeeded::Medical),
            "welfare" => Some(SidesNeeded::Welfare),
            "both" => Some(SidesNeeded::Both),
            _ => None,
        }
    }

    /// Label: 医療 / 福祉 / 医療と福祉の両方.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            SidesNeeded::Medical => lang.pick("医療（看護師など）", "Medical"),
            SidesNeeded::Welfare => lang.pick("福祉（相談支援専門員など）", "Welfare"),
            SidesNeeded::Both => lang.pick("医療と福祉の両方（2人）", "Both (a pair)"),
        }
    }

    /// Every value in display order.
    pub fn all() -> [SidesNeeded; 3] {
        [
            SidesNeeded::Medical,
            SidesNeeded::Welfare,
            SidesNeeded::Both,
        ]
    }
}

impl Urgency {
    /// Code: `routine`, `soon`, `urgent`.
    pub fn code(self) -> &'static str {
        match self {
            Urgency::Routine => "routine",
            Urgency::Soon => "soon",
            Urgency::Urgent => "urgent",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "routine" => Some(Urgency::Routine),
            "soon" => Some(Urgency::Soon),
            "urgent" => Some(Urgency::Urgent),
            _ => None,
        }
    }

    /// Label: 通常 / 早めに / 至急.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Urgency::Routine => lang.pick("通常", "Routine"),
            Urgency::Soon => lang.pick("早めに", "Soon"),
            Urgency::Urgent => lang.pick("至急", "Urgent"),
        }
    }

    /// Every value in display order.
    pub fn all() -> [Urgency; 3] {
        [Urgency::Routine, Urgency::Soon, Urgency::Urgent]
    }
}

impl RequestDraft {
    /// Validates a request, collecting every error.
    pub fn parse(input: &RequestInput) -> Result<Self, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let child_id = input.child_id.trim();
        if crate::ids::ChildId::parse(child_id).is_none() {
            errs.push(FieldError::new(
                "child_id",
                "required",
                "対象の児童を選んでください",
                "Choose the child.",
            ));
        }
        let consultation_id = input.consultation_id.trim();
        if !consultation_id.is_empty()
            && crate::ids::ConsultationId::parse(consultation_id).is_none()
        {
            errs.push(FieldError::new(
                "consultation_id",
                "not_found",
                "元の相談記録が見つかりません",
                "The consultation was not found.",
            ));
        }
        let mut topics = Vec::new();
        for t in split_list(&input.topics) {
            if let Some(code) = errs.check(TopicCode::parse("topics", &t)) {
                push_unique(&mut topics, code);
            }
        }
        let sides = SidesNeeded::parse(&input.sides);
        if sides.is_none() {
            errs.push(FieldError::new(
                "sides",
                "required",
                "必要な職種（医療・福祉・両方）を選んでください",
                "Choose which side is needed (medical, welfare or both).",
            ));
        }
        let urgency = if input.urgency.trim().is_empty() {
            Some(Urgency::Routine)
        } else {
            Urgency::parse(&input.urgency)
        };
        if urgency.is_none() {
            errs.push(FieldError::new(
                "urgency",
                "unknown_code",
                "緊急度を選んでください",
                "Choose an urgency.",
            ));
        }
        let preferred_dates = errs.check(optional_line(
            "preferred_dates",
            &input.preferred_dates,
            200,
        ));
        let note = errs.check(optional_text("note", &input.note, 2000));
        errs.into_result()?;
        match (sides, urgency, preferred_dates, note) {
            (Some(sides), Some(urgency), Some(preferred_dates), Some(note)) => Ok(RequestDraft {
                child_id: child_id.to_string(),
                consultation_id: (!consultation_id.is_empty()).then(|| consultation_id.to_string()),
                topics,
                sides,
                urgency,
                preferred_dates,
                note,
            }),
            _ => Err(ValidationErrors(vec![FieldError::required("sides")])),
        }
    }
}

/// Where one dispatch (one coordinator on one request) stands.
///
/// ```text
/// proposed ─accept→ accepted ─start/first activity→ active ─complete→ completed
///     └─decline→ declined         └──────────── cancel ───────────→ cancelled
/// ```
/// `proposed` can also be withdrawn by the advisor (re-proposing to someone else).
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispatchStatus {
    /// 打診中: offered, awaiting the coordinator's answer.
    Proposed,
    /// 受諾: the coordinator took it.
    Accepted,
    /// 辞退 (with a reason).
    Declined,
    /// 取り下げ: the advisor withdrew the offer before an answer.
    Withdrawn,
    /// 対応中: work has started.
    Active,
    /// 完了.
    Completed,
    /// 中止.
    Cancelled,
}

/// A change to a dispatch's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispatchAction {
    /// 受諾する.
    Accept,
    /// 辞退する (reason required).
    Decline,
    /// 取り下げる (advisor).
    Withdraw,
    /// 対応開始.
    Start,
    /// 完了にする.
    Complete,
    /// 中止する (reason required).
    Cancel,
}

impl DispatchAction {
    /// Parses a code (`accept`, `decline`, `withdraw`, `start`, `complete`, `cancel`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "accept" => DispatchAction::Accept,
            "decline" => DispatchAction::Decline,
            "withdraw" => DispatchAction::Withdraw,
            "start" => DispatchAction::Start,
            "complete" => DispatchAction::Complete,
            "cancel" => DispatchAction::Cancel,
            _ => return None,
        })
    }

    /// Code.
    pub fn code(self) -> &'static str {
        match self {
            DispatchAction::Accept => "accept",
            DispatchAction::Decline => "decline",
            DispatchAction::Withdraw => "withdraw",
            DispatchAction::Start => "start",
            DispatchAction::Complete => "complete",
            DispatchAction::Cancel => "cancel",
        }
    }

    /// Label of the button.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DispatchAction::Accept => lang.pick("受諾する", "Accept"),
            DispatchAction::Decline => lang.pick("辞退する", "Decline"),
            DispatchAction::Withdraw => lang.pick("打診を取り下げる", "Withdraw the offer"),
            DispatchAction::Start => lang.pick("対応を開始する", "Start"),
            DispatchAction::Complete => lang.pick("完了にする", "Complete"),
            DispatchAction::Cancel => lang.pick("中止する", "Cancel"),
        }
    }

    /// True when the action needs a stated reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, DispatchAction::Decline | DispatchAction::Cancel)
    }
}

impl DispatchStatus {
    /// Code.
    pub fn code(self) -> &'static str {
        match self {
            DispatchStatus::Proposed => "proposed",
            DispatchStatus::Accepted => "accepted",
            DispatchStatus::Declined => "declined",
            DispatchStatus::Withdrawn => "withdrawn",
            DispatchStatus::Active => "active",
            DispatchStatus::Completed => "completed",
            DispatchStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Option<Self> {
        [
            DispatchStatus::Proposed,
            DispatchStatus::Accepted,
            DispatchStatus::Declined,
            DispatchStatus::Withdrawn,
            DispatchStatus::Active,
            DispatchStatus::Completed,
            DispatchStatus::Cancelled,
        ]
        .into_iter()
        .find(|x| x.code() == s.trim())
    }

    /// Label.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DispatchStatus::Proposed => lang.pick("打診中", "Proposed"),
            DispatchStatus::Accepted => lang.pick("受諾", "Accepted"),
            DispatchStatus::Declined => lang.pick("辞退", "Declined"),
            DispatchStatus::Withdrawn => lang.pick("取り下げ", "Withdrawn"),
            DispatchStatus::Active => lang.pick("対応中", "Active"),
            DispatchStatus::Completed => lang.pick("完了", "Completed"),
            DispatchStatus::Cancelled => lang.pick("中止", "Cancelled"),
        }
    }

    /// True while the dispatch holds one of the coordinator's cases (offered, accepted or
    /// active): these count against the coordinator's capacity.
    pub fn holds_case(self) -> bool {
        matches!(
            self,
            DispatchStatus::Proposed | DispatchStatus::Accepted | DispatchStatus::Active
        )
    }

    /// The state after `action`, or `None` when the action is not allowed from this state.
    pub fn after(self, action: DispatchAction) -> Option<DispatchStatus> {
        use DispatchAction as A;
        use DispatchStatus as S;
        match (self, action) {
            (S::Proposed, A::Accept) => Some(S::Accepted),
            (S::Proposed, A::Decline) => Some(S::Declined),
            (S::Proposed, A::Withdraw) => Some(S::Withdrawn),
            (S::Accepted, A::Start) => Some(S::Active),
            (S::Accepted | S::Active, A::Complete) => Some(S::Completed),
            (S::Accepted | S::Active, A::Cancel) => Some(S::Cancelled),
            _ => None,
        }
    }

    /// The actions a coordinator (`by_coordinator`) or an advisor may take from this state.
    pub fn actions(self, by_coordinator: bool) -> Vec<DispatchAction> {
        use DispatchAction as A;
        let all = [
            A::Accept,
            A::Decline,
            A::Withdraw,
            A::Start,
            A::Complete,
            A::Cancel,
        ];
        all.into_iter()
            .filter(|a| self.after(*a).is_some())
            .filter(|a| !(by_coordinator && *a == A::Withdraw))
            .collect()
    }

    /// The error shown when `action` is not allowed from this state.
    pub fn refusal(self, action: DispatchAction) -> FieldError {
        FieldError::new(
            "action",
            "invalid_transition",
            format!(
                "「{}」の派遣は「{}」できません",
                self.label(Lang::Ja),
                action.label(Lang::Ja)
            ),
            format!(
                "A dispatch that is {} cannot be changed with \"{}\".",
                self.label(Lang::En).to_lowercase(),
                action.label(Lang::En)
            ),
        )
    }
}

/// A coordinator's availability.
pub fn availability_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::openapi::one_of(["active", "on_leave", "inactive"])
}

/// The sides a dispatch request needs.
pub fn sides_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::openapi::one_of(
        crate::dispatch::SidesNeeded::all()
            .into_iter()
            .map(|s| s.code()),
    )
}

/// A dispatch request's urgency.
pub fn urgency_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::openapi::one_of(
        crate::dispatch::Urgency::all()
            .into_iter()
            .map(|s| s.code()),
    )
}

/// An action on a dispatch.
pub fn dispatch_action_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::openapi::one_of([
        "accept", "decline", "withdraw", "start", "complete", "cancel",
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    #[test]
    fn roster_entry_collects_every_error() {
        let input = CoordinatorInput {
            name: " ".into(),
            professions: vec!["astronaut".into()],
            covers: vec!["123456".into()],
            max_active_cases: "0".into(),
            availability: "on_leave".into(),
            leave_until: "2026-11-01".into(),
            ..Default::default()
        };
        let errs = CoordinatorDraft::parse(&input, today()).unwrap_err();
        for f in [
            "name",
            "professions",
            "covers",
            "max_active_cases",
            "leave_until",
        ] {
            assert!(errs.for_field(f).is_some(), "{f}: {errs:?}");
        }
    }

    #[test]
    fn roster_entry_parses_lists_typed_in_one_box() {
        let input = CoordinatorInput {
            name: "山田 花子".into(),
            professions: vec!["nurse, social_worker".into()],
            covers: vec!["392014、３９２０４９".into()],
            topics: vec!["tube_feeding_gastric school".into()],
            max_active_cases: "５".into(),
            training_year: "2021".into(),
            ..Default::default()
        };
        let d = CoordinatorDraft::parse(&input, today()).unwrap();
        assert_eq!(d.professions.len(), 2);
        assert_eq!(d.covers.len(), 2);
        assert_eq!(d.topics.len(), 2);
        assert_eq!(d.max_active_cases, 5);
        assert_eq!(d.availability, Availability::Active);
    }

    #[test]
    fn transitions() {
        use DispatchAction as A;
        use DispatchStatus as S;
        assert_eq!(S::Proposed.after(A::Accept), Some(S::Accepted));
        assert_eq!(S::Declined.after(A::Accept), None);
        assert_eq!(S::Completed.after(A::Cancel), None);
        assert!(!S::Proposed.actions(true).contains(&A::Withdraw));
        assert!(S::Proposed.actions(false).contains(&A::Withdraw));
        assert!(S::Active.holds_case() && !S::Declined.holds_case());
    }

    #[test]
    fn request_needs_child_and_side() {
        let errs = RequestDraft::parse(&RequestInput::default()).unwrap_err();
        assert!(errs.for_field("child_id").is_some());
        assert!(errs.for_field("sides").is_some());
    }
}
