//! Coordinator roster and dispatch (コーディネーター名簿・派遣): the roster, requests,
//! recommendations (through `domain::dispatch`), proposals and the dispatch workflow,
//! activities, advice and in-app notifications.
//!
//! Who may do what (the route policy admits the roles; these functions check the record):
//! * advisors and admins ([`LEAD_ROLES`]) keep the roster, propose, override a hard rule with a
//!   reason, answer for external coordinators (who have no login) and give advice;
//! * consultants create requests (one click from a consultation);
//! * a coordinator with a login sees their inbox, accepts or declines, records activities and
//!   asks for advice — only on their own dispatches. Accepting assigns them to the child, so
//!   the child's record opens for them from then on.

mod activities;
mod batch;
mod figures;
pub mod home;
mod notifications;
mod proposals;
mod requests;
mod roster;
mod workflow;

use chrono::{DateTime, Utc};
use domain::dispatch::{
    CoordinatorInput, DispatchRequest, DispatchRequestId, DispatchStatus, RawWeights, SidesNeeded,
    TopicCode, Urgency,
};
use domain::ids::ChildId;
use domain::municipality::MunicipalityCode;
use domain::{FieldError, Lang, Role};
use serde::Serialize;

use crate::{new_id, ts, Actor, Result, StoreError};

pub use batch::{BatchLine, BatchPick, BatchView};

/// Roles that run dispatch: keep the roster, propose, override, give advice.
pub const LEAD_ROLES: &[Role] = domain::Action::LeadCenter.roles();

/// Shortest accepted reason for overriding a hard rule, declining or cancelling.
pub const MIN_REASON_CHARS: usize = 10;

/// A message in both languages (reasons, notifications), rendered in the reader's language.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Msg {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Msg {
    fn of(f: impl Fn(Lang) -> String) -> Msg {
        Msg {
            ja: f(Lang::Ja),
            en: f(Lang::En),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// One roster entry as pages and the API show it.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = Coordinator)]
pub struct CoordinatorRecord {
    /// coordinators.id
    pub id: String,
    /// Login of the linked user (None: external, no login).
    pub login: Option<String>,
    /// 氏名.
    pub name: String,
    /// フリガナ.
    pub name_kana: Option<String>,
    /// 所属.
    pub organization: Option<String>,
    /// Municipality code of the organization.
    pub affiliation_code: Option<String>,
    /// 職種 codes.
    pub professions: Vec<String>,
    /// Areas covered.
    pub covers: Vec<String>,
    /// Topics.
    pub topics: Vec<String>,
    /// 養成研修修了年.
    pub training_year: Option<i64>,
    /// フォローアップ研修.
    pub followup_trainings: Option<String>,
    /// 最大担当件数.
    pub max_active_cases: i64,
    /// Cases held now (proposed, accepted or active dispatches).
    pub active_cases: i64,
    /// `active`, `on_leave`, `inactive`.
    pub availability: String,
    /// Last day of leave.
    pub leave_until: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

impl CoordinatorRecord {
    /// The form values of this entry (for editing).
    pub fn to_input(&self) -> CoordinatorInput {
        CoordinatorInput {
            login: self.login.clone().unwrap_or_default(),
            name: self.name.clone(),
            name_kana: self.name_kana.clone().unwrap_or_default(),
            organization: self.organization.clone().unwrap_or_default(),
            affiliation_code: self.affiliation_code.clone().unwrap_or_default(),
            professions: self.professions.clone(),
            covers: vec![self.covers.join(" ")],
            topics: self.topics.clone(),
            training_year: self
                .training_year
                .map(|y| y.to_string())
                .unwrap_or_default(),
            followup_trainings: self.followup_trainings.clone().unwrap_or_default(),
            max_active_cases: self.max_active_cases.to_string(),
            availability: self.availability.clone(),
            leave_until: self.leave_until.clone().unwrap_or_default(),
            phone: self.phone.clone().unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
            notes: self.notes.clone().unwrap_or_default(),
        }
    }
}

/// Filter of the roster list.
#[derive(utoipa::IntoParams, Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct RosterFilter {
    /// Name, kana or organization contains.
    pub q: String,
    /// Covers this municipality.
    pub municipality: String,
    /// Has this profession.
    pub profession: String,
    /// Knows this topic.
    pub topic: String,
    /// `active`, `on_leave`, `inactive`; empty = all.
    pub availability: String,
}

/// A dispatch request in lists.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = DispatchRequestSummary)]
pub struct RequestSummary {
    /// dispatch_requests.id
    pub id: String,
    /// The child.
    pub child_id: String,
    /// Child's name.
    pub child_name: String,
    /// Municipality code.
    pub municipality_code: String,
    /// Topics.
    pub topics: Vec<String>,
    /// `medical`, `welfare`, `both`.
    pub sides: String,
    /// `routine`, `soon`, `urgent`.
    pub urgency: String,
    /// `open`, `proposed`, `active`, `completed`, `cancelled`.
    pub status: String,
    /// Coordinators on it (live ones), comma-separated names.
    pub coordinators: String,
    /// YYYY-MM-DD (JST) of the request.
    pub requested_on: String,
}

/// One coordinator on a request.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct DispatchLine {
    /// dispatches.id
    pub id: String,
    /// Roster id.
    pub coordinator_id: String,
    /// Name.
    pub coordinator_name: String,
    /// True when the coordinator has no login (the advisor answers for them).
    pub external: bool,
    /// `medical` / `welfare` for a pair request.
    pub side: Option<String>,
    /// Status code.
    pub status: DispatchStatus,
    /// Score at proposal.
    pub score: Option<i64>,
    /// Reasons shown at proposal.
    pub reasons: Vec<Msg>,
    /// The override's reason, when a hard rule was overridden.
    pub override_reason: Option<String>,
    /// Decline or cancel reason.
    pub decline_reason: Option<String>,
    /// YYYY-MM-DD (JST) of the proposal.
    pub proposed_on: String,
    /// YYYY-MM-DD (JST) of the answer.
    pub responded_on: Option<String>,
}

/// One timeline entry.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct TimelineEntry {
    /// UTC.
    pub at: String,
    /// Who (display name).
    pub actor: String,
    /// `requested`, `proposed`, `accept`, `decline`, …, `advice_asked`, `advice_given`.
    pub kind: String,
    /// Text (reason, advice).
    pub body: Option<String>,
}

/// One activity (訪問・電話・会議).
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = Activity)]
pub struct ActivityRecord {
    /// dispatch_activities.id
    pub id: String,
    /// The dispatch.
    pub dispatch_id: String,
    /// Coordinator's name.
    pub coordinator_name: String,
    /// `visit`, `call`, `meeting`.
    pub kind: String,
    /// YYYY-MM-DD.
    pub on_date: String,
    /// Minutes.
    pub minutes: i64,
    /// Travel in tenths of a km.
    pub travel_tenths_km: i64,
    /// Travel minutes.
    pub travel_minutes: i64,
    /// Notes.
    pub notes: Option<String>,
    /// Voided (UTC) with the reason.
    pub voided_at: Option<String>,
    /// Why voided.
    pub void_reason: Option<String>,
}

impl ActivityRecord {
    /// Travel distance as "12.5".
    pub fn travel_km(&self) -> String {
        format!(
            "{}.{}",
            self.travel_tenths_km / 10,
            self.travel_tenths_km % 10
        )
    }
}

/// A request with everything on it.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = DispatchRequestDetail)]
pub struct RequestDetail {
    /// The request.
    pub summary: RequestSummary,
    /// Consultation it came from.
    pub consultation_id: Option<String>,
    /// 希望日.
    pub preferred_dates: Option<String>,
    /// 依頼内容.
    pub note: Option<String>,
    /// Coordinators proposed, newest first.
    pub dispatches: Vec<DispatchLine>,
    /// Timeline, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Activities, newest first.
    pub activities: Vec<ActivityRecord>,
    /// True when the reader is a coordinator on it (not a lead).
    pub as_coordinator: bool,
}

/// A candidate for a request, with its reasons.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = Candidate)]
pub struct CandidateView {
    /// Roster id.
    pub coordinator_id: String,
    /// Name.
    pub name: String,
    /// 所属.
    pub organization: Option<String>,
    /// Score (points).
    pub score: u32,
    /// Reasons in display order.
    pub reasons: Vec<Msg>,
}

/// A medical + welfare pair.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct PairView {
    /// Medical member.
    pub medical: CandidateView,
    /// Welfare member.
    pub welfare: CandidateView,
    /// Joint bonus.
    pub bonus: u32,
    /// Why the bonus.
    pub bonus_reasons: Vec<Msg>,
    /// Joint score.
    pub score: u32,
}

/// A coordinator who breaks a hard rule, and which (for an override).
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ExcludedView {
    /// Roster id.
    pub coordinator_id: String,
    /// Name.
    pub name: String,
    /// The rules broken.
    pub rules: Vec<Msg>,
    /// False when an override cannot help (at capacity, no profession on a needed side).
    pub overridable: bool,
}

/// The recommendation for one request.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Recommendation {
    /// Best first (everyone eligible on the needed side; both sides for a pair request).
    pub candidates: Vec<CandidateView>,
    /// For a request needing both sides: the best pairs, best first.
    pub pairs: Vec<PairView>,
    /// Those excluded by a hard rule.
    pub excluded: Vec<ExcludedView>,
    /// The weights used.
    pub weights: RawWeights,
}

pub use domain::dispatch_input::proposal::{ProposalDraft, ProposalInput};

/// An entry of a coordinator's inbox.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct InboxEntry {
    /// dispatches.id
    pub dispatch_id: String,
    /// The request.
    pub request_id: String,
    /// Child's name.
    pub child_name: String,
    /// Municipality code.
    pub municipality_code: String,
    /// Status.
    pub status: DispatchStatus,
    /// Urgency code.
    pub urgency: String,
    /// YYYY-MM-DD.
    pub proposed_on: String,
}

/// A notification.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Notification {
    /// notifications.id
    pub id: String,
    /// UTC.
    pub at: String,
    /// Text.
    pub text: Msg,
    /// Where it leads.
    pub link: String,
    /// Read yet.
    pub read: bool,
    /// What happened, as a code (`request`, `offer`, `action.accepted`, `cancelled`,
    /// `activity.visit`, `advice_asked`, …); `None` on rows older than the codes.
    pub kind: Option<String>,
    /// The detail the text names (a coordinator's name, an activity's date).
    pub detail: Option<String>,
    /// The request's urgency code (`routine`, `soon`, `urgent`), when the reader may see it.
    pub urgency: Option<String>,
    /// The child, when the reader may see them through the request.
    pub child_id: Option<String>,
    /// The child's name, joined when read.
    pub child_name: Option<String>,
}

pub use domain::dispatch_input::activity::ActivityInput;

/// Dispatch figures for one fiscal year.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct DispatchFigures {
    /// Fiscal year (start year).
    pub fiscal_year: i32,
    /// Dispatches proposed in the year (excluding withdrawn).
    pub total: i64,
    /// Per coordinator: (name, count).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub by_coordinator: Vec<(String, i64)>,
    /// Per municipality: (code, count).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub by_municipality: Vec<(String, i64)>,
    /// Per topic: (code, count).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub by_topic: Vec<(String, i64)>,
    /// Median days from request to acceptance (None without acceptances).
    pub median_days_to_accept: Option<f64>,
    /// Declined / answered, in percent (None without answers).
    pub declined_percent: Option<f64>,
    /// Answered (accepted or declined).
    pub answered: i64,
    /// Declined.
    pub declined: i64,
}

fn join(v: &[impl AsRef<str>]) -> String {
    v.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join(",")
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn is_lead(actor: &Actor) -> bool {
    LEAD_ROLES.contains(&actor.role)
}

/// Forbidden unless the actor is an advisor or admin ([`LEAD_ROLES`]).
pub(crate) fn deny_unless_lead(actor: &Actor) -> Result<()> {
    if is_lead(actor) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// `raw` as a reason of at least [`MIN_REASON_CHARS`] characters; `too_short` phrases the
/// refusal (from `domain::messages::dispatch`) for the field and the minimum.
fn checked_reason(
    field: &str,
    raw: &str,
    too_short: impl FnOnce(&str, usize) -> FieldError,
) -> Result<String> {
    let r = domain::text::optional_text(field, raw, 1000)?.unwrap_or_default();
    if r.chars().count() < MIN_REASON_CHARS {
        return Err(too_short(field, MIN_REASON_CHARS).into());
    }
    Ok(r)
}

/// The request as the dispatch rules see it.
fn request_of(
    id: &str,
    child_id: &str,
    municipality: &str,
    topics: &str,
    sides: &str,
    urgency: &str,
) -> Result<DispatchRequest> {
    let bad = || StoreError::Config(format!("dispatch request {id} has unreadable columns"));
    Ok(DispatchRequest {
        id: DispatchRequestId::parse(id).ok_or_else(bad)?,
        child_id: ChildId::parse(child_id).ok_or_else(bad)?,
        municipality: MunicipalityCode::parse("m", municipality).map_err(|_| bad())?,
        topics: split(topics)
            .iter()
            .filter_map(|t| TopicCode::parse("t", t).ok())
            .collect(),
        sides: SidesNeeded::parse(sides).ok_or_else(bad)?,
        urgency: Urgency::parse(urgency).ok_or_else(bad)?,
    })
}

fn live_statuses() -> &'static str {
    "('proposed','accepted','active')"
}

/// What a notification says, as codes: the catalogue key's last part (`kind`, e.g. `offer`,
/// `action.accepted`), the request it is about and one detail (a name, a date). The reader
/// sees it rendered from the message catalogue with the child's name and the urgency joined
/// when it is read (see `Store::notifications`).
pub(crate) struct Notice<'a> {
    pub kind: String,
    pub request_id: &'a str,
    pub detail: Option<String>,
}

/// Adds a notification for `user_id` inside the caller's transaction. `text` is kept as the
/// plain fallback (for a reader without the request in scope, and for the API's `text`).
async fn notify(
    tx: &mut crate::db::Conn,
    user_id: &str,
    now: DateTime<Utc>,
    text: Msg,
    notice: &Notice<'_>,
) -> Result<()> {
    crate::db::query(
        "INSERT INTO notifications (id, user_id, at, text_ja, text_en, link, kind, request_id, detail) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(ts(now))
    .bind(&text.ja)
    .bind(&text.en)
    .bind(format!("/dispatch/{}", notice.request_id))
    .bind(&notice.kind)
    .bind(notice.request_id)
    .bind(notice.detail.as_deref())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn event(
    tx: &mut crate::db::Conn,
    request_id: &str,
    dispatch_id: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: &str,
    body: Option<&str>,
) -> Result<()> {
    crate::db::query(
        "INSERT INTO dispatch_events (id, request_id, dispatch_id, at, actor_id, kind, body) VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(new_id())
    .bind(request_id)
    .bind(dispatch_id)
    .bind(ts(now))
    .bind(&actor.user_id)
    .bind(kind)
    .bind(body)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Recomputes a request's status from its dispatches (cancelled requests stay cancelled).
async fn refresh_request_status(
    tx: &mut crate::db::Conn,
    request_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let statuses: Vec<String> =
        crate::db::query_scalar("SELECT status FROM dispatches WHERE request_id = $1")
            .bind(request_id)
            .fetch_all(&mut *tx)
            .await?;
    let has = |s: &str| statuses.iter().any(|x| x == s);
    let status = if has("accepted") || has("active") {
        "active"
    } else if has("proposed") {
        "proposed"
    } else if has("completed") {
        "completed"
    } else {
        "open"
    };
    crate::db::query(
        "UPDATE dispatch_requests SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'cancelled'",
    )
    .bind(status)
    .bind(ts(now))
    .bind(request_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Lead users of a center (to notify when advice is asked).
async fn lead_users(tx: &mut crate::db::Conn, center_id: &str) -> Result<Vec<String>> {
    Ok(crate::db::query_scalar(
        "SELECT id FROM users WHERE center_id = $1 AND role IN ('admin','advisor') AND disabled = 0",
    )
    .bind(center_id)
    .fetch_all(&mut *tx)
    .await?)
}
