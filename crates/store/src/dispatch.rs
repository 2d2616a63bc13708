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

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use domain::dates::FiscalYear;
use domain::dispatch::{
    self, Availability, CoordinatorDraft, CoordinatorInput, CoordinatorProfile, DispatchAction,
    DispatchRequest, DispatchRequestId, DispatchStatus, Exclusion, PastFamily, RawWeights,
    RequestDraft, RequestInput, Side, SidesNeeded, TopicCode, Urgency, Weights,
};
use domain::ids::{ChildId, CoordinatorId};
use domain::municipality::MunicipalityCode;
use domain::vocab::{VocabCode, VocabKind};
use domain::{FieldError, Lang, Role, ValidationErrors};
use serde::Serialize;

use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// Roles that run dispatch: keep the roster, propose, override, give advice.
pub const LEAD_ROLES: &[Role] = &[Role::Admin, Role::Advisor];

/// Shortest accepted reason for overriding a hard rule, declining or cancelling.
pub const MIN_REASON_CHARS: usize = 10;

/// A message in both languages (reasons, notifications), rendered in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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

/// A proposal: one coordinator, or two for a pair; an override reason when a hard rule is
/// broken.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProposalInput {
    /// Roster ids (one, or two for a pair request).
    pub coordinator_ids: Vec<String>,
    /// Why a hard rule is overridden (advisor/admin, 10+ characters).
    pub override_reason: String,
}

/// An entry of a coordinator's inbox.
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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

/// An activity as typed.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityInput {
    /// `visit`, `call`, `meeting`.
    pub kind: String,
    /// YYYY-MM-DD.
    pub on_date: String,
    /// Minutes spent.
    pub minutes: String,
    /// Travel distance in km ("12.5").
    pub travel_km: String,
    /// Travel minutes.
    pub travel_minutes: String,
    /// Notes.
    pub notes: String,
}

/// Dispatch figures for one fiscal year.
#[derive(Clone, Debug, Serialize)]
pub struct DispatchFigures {
    /// Fiscal year (start year).
    pub fiscal_year: i32,
    /// Dispatches proposed in the year (excluding withdrawn).
    pub total: i64,
    /// Per coordinator: (name, count).
    pub by_coordinator: Vec<(String, i64)>,
    /// Per municipality: (code, count).
    pub by_municipality: Vec<(String, i64)>,
    /// Per topic: (code, count).
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

fn reason_error(field: &str, what_ja: &str, what_en: &str) -> FieldError {
    FieldError::new(
        field,
        "reason_too_short",
        format!("{what_ja}の理由を{MIN_REASON_CHARS}文字以上で具体的に書いてください"),
        format!("Give a specific reason of at least {MIN_REASON_CHARS} characters for {what_en}."),
    )
}

fn checked_reason(field: &str, raw: &str, what_ja: &str, what_en: &str) -> Result<String> {
    let r = domain::text::optional_text(field, raw, 1000)?.unwrap_or_default();
    if r.chars().count() < MIN_REASON_CHARS {
        return Err(reason_error(field, what_ja, what_en).into());
    }
    Ok(r)
}

const COORD_COLS: &str = "c.id, u.login, c.name, c.name_kana, c.organization, c.affiliation_code, c.professions, \
     c.covers, c.topics, c.training_year, c.followup_trainings, c.max_active_cases, c.availability || ':' || COALESCE(c.leave_until, ''), \
     c.phone, c.email, c.notes";

type CoordRow = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn coord_record(r: CoordRow, active: i64) -> CoordinatorRecord {
    // availability and leave_until travel as one column (sqlx reads at most 16 per row).
    let (availability, leave) = r.12.split_once(':').unwrap_or((r.12.as_str(), ""));
    let (availability, leave_until) = (
        availability.to_string(),
        (!leave.is_empty()).then(|| leave.to_string()),
    );
    CoordinatorRecord {
        id: r.0,
        login: r.1,
        name: r.2,
        name_kana: r.3,
        organization: r.4,
        affiliation_code: r.5,
        professions: split(&r.6),
        covers: split(&r.7),
        topics: split(&r.8),
        training_year: r.9,
        followup_trainings: r.10,
        max_active_cases: r.11,
        active_cases: active,
        availability,
        leave_until,
        phone: r.13,
        email: r.14,
        notes: r.15,
    }
}

/// Availability from stored columns.
fn availability_of(status: &str, leave_until: Option<&str>) -> Availability {
    match (
        status,
        leave_until.and_then(|d| d.parse::<NaiveDate>().ok()),
    ) {
        ("on_leave", Some(until)) => Availability::OnLeave { until },
        ("inactive", _) => Availability::Inactive,
        _ => Availability::Active,
    }
}

fn profile_of(
    rec: &CoordinatorRecord,
    recent: u32,
    past: Vec<PastFamily>,
) -> Option<CoordinatorProfile> {
    let id = CoordinatorId::parse(&rec.id)?;
    Some(CoordinatorProfile {
        id,
        professions: rec
            .professions
            .iter()
            .filter_map(|p| VocabCode::parse(VocabKind::Profession, "p", p).ok())
            .collect(),
        covers: rec
            .covers
            .iter()
            .filter_map(|c| MunicipalityCode::parse("c", c).ok())
            .collect(),
        topics: rec
            .topics
            .iter()
            .filter_map(|t| TopicCode::parse("t", t).ok())
            .collect(),
        max_active_cases: u32::try_from(rec.max_active_cases).unwrap_or(0),
        active_cases: u32::try_from(rec.active_cases).unwrap_or(u32::MAX),
        availability: availability_of(&rec.availability, rec.leave_until.as_deref()),
        recent_dispatches: recent,
        affiliation: rec
            .affiliation_code
            .as_deref()
            .and_then(|c| MunicipalityCode::parse("a", c).ok()),
        past_families: past,
    })
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
    tx: &mut sqlx::AnyConnection,
    user_id: &str,
    now: DateTime<Utc>,
    text: Msg,
    notice: &Notice<'_>,
) -> Result<()> {
    sqlx::query(
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
    tx: &mut sqlx::AnyConnection,
    request_id: &str,
    dispatch_id: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: &str,
    body: Option<&str>,
) -> Result<()> {
    sqlx::query(
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
    tx: &mut sqlx::AnyConnection,
    request_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status FROM dispatches WHERE request_id = $1")
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
    sqlx::query(
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
async fn lead_users(tx: &mut sqlx::AnyConnection, center_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM users WHERE center_id = $1 AND role IN ('admin','advisor') AND disabled = 0",
    )
    .bind(center_id)
    .fetch_all(&mut *tx)
    .await?)
}

impl Store {
    // ------------------------------------------------------------------ roster

    /// The roster of the actor's center, filtered, by kana/name.
    pub async fn list_coordinators(
        &self,
        actor: &Actor,
        f: &RosterFilter,
    ) -> Result<Vec<CoordinatorRecord>> {
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<CoordRow> = sqlx::query_as(&format!(
            "SELECT {COORD_COLS} FROM coordinators c LEFT JOIN users u ON u.id = c.user_id \
             WHERE c.center_id = $1 ORDER BY COALESCE(c.name_kana, c.name), c.id"
        ))
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        let active = self.active_case_counts(&actor.center_id).await?;
        let q = domain::kana::normalize_for_search(f.q.trim());
        Ok(rows
            .into_iter()
            .map(|r| {
                let n = active.get(&r.0).copied().unwrap_or(0);
                coord_record(r, n)
            })
            .filter(|c| {
                q.is_empty()
                    || [Some(&c.name), c.name_kana.as_ref(), c.organization.as_ref()]
                        .into_iter()
                        .flatten()
                        .any(|s| domain::kana::normalize_for_search(s).contains(&q))
            })
            .filter(|c| {
                f.municipality.trim().is_empty() || {
                    let m = f.municipality.trim();
                    let pref = domain::municipality::prefecture_code_of(m);
                    c.covers.iter().any(|x| x == m || Some(x) == pref.as_ref())
                }
            })
            .filter(|c| f.profession.is_empty() || c.professions.contains(&f.profession))
            .filter(|c| f.topic.is_empty() || c.topics.contains(&f.topic))
            .filter(|c| f.availability.is_empty() || c.availability == f.availability)
            .collect())
    }

    async fn active_case_counts(&self, center_id: &str) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT coordinator_id, COUNT(*) FROM dispatches WHERE center_id = $1 AND status IN {} GROUP BY coordinator_id",
            live_statuses()
        ))
        .bind(center_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// One roster entry of the actor's center.
    pub async fn get_coordinator(&self, actor: &Actor, id: &str) -> Result<CoordinatorRecord> {
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let row: Option<CoordRow> = sqlx::query_as(&format!(
            "SELECT {COORD_COLS} FROM coordinators c LEFT JOIN users u ON u.id = c.user_id \
             WHERE c.center_id = $1 AND c.id = $2"
        ))
        .bind(&actor.center_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        let active = self
            .active_case_counts(&actor.center_id)
            .await?
            .get(&row.0)
            .copied()
            .unwrap_or(0);
        Ok(coord_record(row, active))
    }

    /// Adds (`id = None`) or replaces a roster entry. Advisors and admins only. The linked
    /// login, when given, must be a user of the center not yet on the roster.
    pub async fn save_coordinator(
        &self,
        actor: &Actor,
        id: Option<&str>,
        input: &CoordinatorInput,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<String> {
        deny_unless_lead(actor)?;
        let mut w = self.begin_write().await?;
        if let Some(id) = id {
            let exists: Option<String> =
                sqlx::query_scalar("SELECT id FROM coordinators WHERE id = $1 AND center_id = $2")
                    .bind(id)
                    .bind(&actor.center_id)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        let draft = CoordinatorDraft::parse(input, today)?;
        let user_id = match &draft.login {
            None => None,
            Some(login) => {
                let uid: Option<String> =
                    sqlx::query_scalar("SELECT id FROM users WHERE login = $1 AND center_id = $2")
                        .bind(login)
                        .bind(&actor.center_id)
                        .fetch_optional(&mut *w.tx)
                        .await?;
                let Some(uid) = uid else {
                    return Err(FieldError::new(
                        "login",
                        "unknown_user",
                        format!("このセンターに「{login}」という利用者はいません"),
                        format!("This center has no user \"{login}\"."),
                    )
                    .into());
                };
                let taken: Option<String> =
                    sqlx::query_scalar("SELECT id FROM coordinators WHERE user_id = $1")
                        .bind(&uid)
                        .fetch_optional(&mut *w.tx)
                        .await?;
                if taken.is_some_and(|t| Some(t.as_str()) != id) {
                    return Err(FieldError::new(
                        "login",
                        "already_on_roster",
                        "この利用者は既に名簿に登録されています",
                        "This user is already on the roster.",
                    )
                    .into());
                }
                Some(uid)
            }
        };
        let (availability, leave_until) = match draft.availability {
            Availability::Active => ("active", None),
            Availability::OnLeave { until } => ("on_leave", Some(until.to_string())),
            Availability::Inactive => ("inactive", None),
        };
        let professions: Vec<&str> = draft.professions.iter().map(|p| p.as_str()).collect();
        let covers: Vec<&str> = draft.covers.iter().map(|c| c.as_str()).collect();
        let topics: Vec<&str> = draft.topics.iter().map(|t| t.as_str()).collect();
        let (sql, new_id_value, action) = match id {
            None => (
                "INSERT INTO coordinators (user_id, name, name_kana, organization, affiliation_code, professions, covers, topics, \
                 training_year, followup_trainings, max_active_cases, availability, leave_until, phone, email, notes, updated_at, \
                 id, center_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$17)",
                new_id(),
                "coordinator.create",
            ),
            Some(id) => (
                "UPDATE coordinators SET user_id=$1, name=$2, name_kana=$3, organization=$4, affiliation_code=$5, professions=$6, \
                 covers=$7, topics=$8, training_year=$9, followup_trainings=$10, max_active_cases=$11, availability=$12, leave_until=$13, \
                 phone=$14, email=$15, notes=$16, updated_at=$17, version = version + 1 WHERE id=$18 AND center_id=$19",
                id.to_string(),
                "coordinator.update",
            ),
        };
        sqlx::query(sql)
            .bind(user_id.as_deref())
            .bind(&draft.name)
            .bind(draft.name_kana.as_deref())
            .bind(draft.organization.as_deref())
            .bind(draft.affiliation.as_ref().map(|a| a.as_str()))
            .bind(join(&professions))
            .bind(join(&covers))
            .bind(join(&topics))
            .bind(draft.training_year.map(i64::from))
            .bind(draft.followup_trainings.as_deref())
            .bind(i64::from(draft.max_active_cases))
            .bind(availability)
            .bind(leave_until)
            .bind(draft.phone.as_deref())
            .bind(draft.email.as_deref())
            .bind(draft.notes.as_deref())
            .bind(ts(now))
            .bind(&new_id_value)
            .bind(&actor.center_id)
            .execute(&mut *w.tx)
            .await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action,
                entity: "coordinator",
                entity_id: Some(&new_id_value),
                detail: format!("availability={availability} max={}", draft.max_active_cases),
            },
        )
        .await?;
        w.commit().await?;
        Ok(new_id_value)
    }

    /// The dispatch profiles of a center's roster on `today` (capacity in use, dispatches of
    /// the last 12 months, families worked with).
    async fn profiles(
        &self,
        center_id: &str,
        today: NaiveDate,
    ) -> Result<(Vec<CoordinatorProfile>, HashMap<String, CoordinatorRecord>)> {
        let rows: Vec<CoordRow> = sqlx::query_as(&format!(
            "SELECT {COORD_COLS} FROM coordinators c LEFT JOIN users u ON u.id = c.user_id WHERE c.center_id = $1"
        ))
        .bind(center_id)
        .fetch_all(self.pool())
        .await?;
        let active = self.active_case_counts(center_id).await?;
        let since = today
            .checked_sub_months(Months::new(12))
            .unwrap_or(today)
            .to_string();
        let recent: Vec<(String, i64)> = sqlx::query_as(
            "SELECT coordinator_id, COUNT(*) FROM dispatches WHERE center_id = $1 AND proposed_on > $2 \
             AND status NOT IN ('declined','withdrawn') GROUP BY coordinator_id",
        )
        .bind(center_id)
        .bind(&since)
        .fetch_all(self.pool())
        .await?;
        let recent: HashMap<String, i64> = recent.into_iter().collect();
        let past: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT d.coordinator_id, r.child_id, MAX(COALESCE(d.responded_on, d.proposed_on)) FROM dispatches d \
             JOIN dispatch_requests r ON r.id = d.request_id WHERE d.center_id = $1 \
             AND d.status IN ('accepted','active','completed') GROUP BY d.coordinator_id, r.child_id",
        )
        .bind(center_id)
        .fetch_all(self.pool())
        .await?;
        let mut past_by: HashMap<String, Vec<PastFamily>> = HashMap::new();
        for (coord, child, on) in past {
            if let (Some(child_id), Ok(d)) = (ChildId::parse(&child), on.parse::<NaiveDate>()) {
                past_by.entry(coord).or_default().push(PastFamily {
                    child_id,
                    year: d.year(),
                });
            }
        }
        let mut profiles = Vec::with_capacity(rows.len());
        let mut records = HashMap::with_capacity(rows.len());
        for r in rows {
            let n = active.get(&r.0).copied().unwrap_or(0);
            let rec = coord_record(r, n);
            let recent_n = u32::try_from(recent.get(&rec.id).copied().unwrap_or(0)).unwrap_or(0);
            if let Some(p) = profile_of(&rec, recent_n, past_by.remove(&rec.id).unwrap_or_default())
            {
                profiles.push(p);
            }
            records.insert(rec.id.clone(), rec);
        }
        Ok((profiles, records))
    }

    /// The center's dispatch weights (defaults when never set).
    pub async fn dispatch_weights(&self, center_id: &str) -> Result<Weights> {
        let raw: Option<String> =
            sqlx::query_scalar("SELECT weights FROM dispatch_settings WHERE center_id = $1")
                .bind(center_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(raw
            .and_then(|j| serde_json::from_str::<RawWeights>(&j).ok())
            .and_then(|r| Weights::parse(r).ok())
            .unwrap_or_default())
    }

    /// Sets the center's dispatch weights (advisors and admins).
    pub async fn set_dispatch_weights(
        &self,
        actor: &Actor,
        raw: RawWeights,
        now: DateTime<Utc>,
    ) -> Result<()> {
        deny_unless_lead(actor)?;
        let w = Weights::parse(raw)?;
        let json = serde_json::to_string(&w.raw())
            .map_err(|e| StoreError::Config(format!("weights: {e}")))?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM dispatch_settings WHERE center_id = $1")
            .bind(&actor.center_id)
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query(
            "INSERT INTO dispatch_settings (center_id, weights, updated_by, updated_at) VALUES ($1,$2,$3,$4)",
        )
        .bind(&actor.center_id)
        .bind(&json)
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut *tx.tx)
        .await?;
        append(
            &mut tx.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.weights",
                entity: "center",
                entity_id: Some(&actor.center_id),
                detail: json,
            },
        )
        .await?;
        tx.commit().await
    }

    // ------------------------------------------------------------------ lookups for forms

    /// A child's name, when the child is in the actor's scope (for the request form).
    pub async fn child_name(&self, actor: &Actor, child_id: &str) -> Result<Option<String>> {
        let mut conn = self.pool().acquire().await?;
        match self.scoped_child_version(&mut conn, actor, child_id).await {
            Ok(_) => {}
            Err(StoreError::NotFound | StoreError::Forbidden) => return Ok(None),
            Err(e) => return Err(e),
        }
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT family_name, given_name FROM children WHERE id = $1")
                .bind(child_id)
                .fetch_optional(&mut *conn)
                .await?;
        Ok(row.map(|(f, g)| format!("{f} {g}")))
    }

    /// The actor's own dispatches on a request (as a coordinator with a login).
    pub async fn my_dispatch_ids(&self, actor: &Actor, request_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT d.id FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
             WHERE d.request_id = $1 AND c.user_id = $2 AND d.center_id = $3",
        )
        .bind(request_id)
        .bind(&actor.user_id)
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The request a dispatch of the actor's center belongs to.
    pub async fn request_of_dispatch(&self, actor: &Actor, dispatch_id: &str) -> Result<String> {
        sqlx::query_scalar("SELECT request_id FROM dispatches WHERE id = $1 AND center_id = $2")
            .bind(dispatch_id)
            .bind(&actor.center_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The request an activity of the actor's center belongs to.
    pub async fn request_of_activity(&self, actor: &Actor, activity_id: &str) -> Result<String> {
        sqlx::query_scalar(
            "SELECT d.request_id FROM dispatch_activities a JOIN dispatches d ON d.id = a.dispatch_id \
             WHERE a.id = $1 AND a.center_id = $2",
        )
        .bind(activity_id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)
    }

    // ------------------------------------------------------------------ requests

    /// Creates a dispatch request (派遣依頼) for a child in the actor's scope; the municipality
    /// comes from the child. Staff who write records, not coordinators.
    pub async fn create_dispatch_request(
        &self,
        actor: &Actor,
        input: &RequestInput,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<String> {
        if !actor.writes_records() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let draft = RequestDraft::parse(input)?;
        let mut w = self.begin_write().await?;
        let child: Option<(String, String)> =
            sqlx::query_as("SELECT center_id, municipality_code FROM children WHERE id = $1")
                .bind(&draft.child_id)
                .fetch_optional(&mut *w.tx)
                .await?;
        let Some((_, municipality)) = child.filter(|(c, _)| *c == actor.center_id) else {
            return Err(FieldError::new(
                "child_id",
                "not_found",
                "対象の児童が見つかりません",
                "The child was not found.",
            )
            .into());
        };
        if let Some(cid) = &draft.consultation_id {
            let ok: Option<String> =
                sqlx::query_scalar("SELECT id FROM consultations WHERE id = $1 AND center_id = $2")
                    .bind(cid)
                    .bind(&actor.center_id)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            if ok.is_none() {
                return Err(FieldError::new(
                    "consultation_id",
                    "not_found",
                    "元の相談記録が見つかりません",
                    "The consultation was not found.",
                )
                .into());
            }
        }
        let id = new_id();
        let topics: Vec<&str> = draft.topics.iter().map(|t| t.as_str()).collect();
        sqlx::query(
            "INSERT INTO dispatch_requests (id, center_id, child_id, consultation_id, municipality_code, topics, sides, urgency, \
             preferred_dates, note, status, created_by, created_at, requested_on, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'open',$11,$12,$13,$12)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(&draft.child_id)
        .bind(draft.consultation_id.as_deref())
        .bind(&municipality)
        .bind(join(&topics))
        .bind(draft.sides.code())
        .bind(draft.urgency.code())
        .bind(draft.preferred_dates.as_deref())
        .bind(draft.note.as_deref())
        .bind(&actor.user_id)
        .bind(ts(now))
        .bind(today.to_string())
        .execute(&mut *w.tx)
        .await?;
        event(
            &mut w.tx,
            &id,
            None,
            actor,
            now,
            "requested",
            draft.note.as_deref(),
        )
        .await?;
        for lead in lead_users(&mut w.tx, &actor.center_id).await? {
            if lead != actor.user_id {
                notify(
                    &mut w.tx,
                    &lead,
                    now,
                    Msg::of(|l| {
                        l.pick(
                            format!("新しい派遣依頼（{}）があります", draft.urgency.label(l)),
                            format!("New dispatch request ({})", draft.urgency.label(l)),
                        )
                    }),
                    &Notice {
                        kind: "request".into(),
                        request_id: &id,
                        detail: None,
                    },
                )
                .await?;
            }
        }
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.request",
                entity: "dispatch_request",
                entity_id: Some(&id),
                detail: format!(
                    "child={} sides={} urgency={}",
                    draft.child_id,
                    draft.sides.code(),
                    draft.urgency.code()
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Requests of the actor's center; `status` filters (`open`, `proposed`, `active`,
    /// `completed`, `cancelled`, or empty for all but completed/cancelled).
    pub async fn list_dispatch_requests(
        &self,
        actor: &Actor,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<RequestSummary>> {
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let cond = match status {
            "open" | "proposed" | "active" | "completed" | "cancelled" => {
                format!("r.status = '{status}'")
            }
            _ => "r.status IN ('open','proposed','active')".to_string(),
        };
        let rows: Vec<(String, String, String, String, String, String, String, String, String, String)> =
            sqlx::query_as(&format!(
                "SELECT r.id, r.child_id, ch.family_name, ch.given_name, r.municipality_code, r.topics, r.sides, r.urgency, r.status, r.requested_on \
                 FROM dispatch_requests r JOIN children ch ON ch.id = r.child_id \
                 WHERE r.center_id = $1 AND {cond} ORDER BY r.created_at DESC, r.id DESC LIMIT 500"
            ))
            .bind(&actor.center_id)
            .fetch_all(self.pool())
            .await?;
        let names: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT d.request_id, c.name FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
             WHERE d.center_id = $1 AND d.status IN {} ORDER BY d.proposed_at",
            live_statuses()
        ))
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        let mut by_req: HashMap<String, Vec<String>> = HashMap::new();
        for (r, n) in names {
            by_req.entry(r).or_default().push(n);
        }
        let out: Vec<RequestSummary> = rows
            .into_iter()
            .map(
                |(id, child_id, f, g, m, topics, sides, urgency, status, on)| RequestSummary {
                    coordinators: by_req.get(&id).map(|v| v.join("、")).unwrap_or_default(),
                    id,
                    child_id,
                    child_name: format!("{f} {g}"),
                    municipality_code: m,
                    topics: split(&topics),
                    sides,
                    urgency,
                    status,
                    requested_on: on,
                },
            )
            .collect();
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.list",
                entity: "dispatch_request",
                entity_id: None,
                detail: format!("status={status} rows={}", out.len()),
            },
        )
        .await?;
        Ok(out)
    }

    /// Loads a request the actor may see: leads and staff of the center, or a coordinator
    /// with a dispatch on it. Returns (summary, consultation, preferred, note, as_coordinator).
    async fn visible_request(
        &self,
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        id: &str,
    ) -> Result<(
        RequestSummary,
        Option<String>,
        Option<String>,
        Option<String>,
        bool,
    )> {
        let row: Option<(String, String, String, String, String, String, String, String, String, String, Option<String>, Option<String>, Option<String>)> =
            sqlx::query_as(
                "SELECT r.id, r.child_id, ch.family_name, ch.given_name, r.municipality_code, r.topics, r.sides, r.urgency, r.status, \
                 r.requested_on, r.consultation_id, r.preferred_dates, r.note \
                 FROM dispatch_requests r JOIN children ch ON ch.id = r.child_id WHERE r.id = $1 AND r.center_id = $2",
            )
            .bind(id)
            .bind(&actor.center_id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some((rid, child_id, f, g, m, topics, sides, urgency, status, on, cons, pref, note)) =
            row
        else {
            return Err(StoreError::NotFound);
        };
        let as_coordinator = actor.assigned_only();
        if as_coordinator {
            let mine: Option<String> = sqlx::query_scalar(
                "SELECT d.id FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
                 WHERE d.request_id = $1 AND c.user_id = $2 LIMIT 1",
            )
            .bind(id)
            .bind(&actor.user_id)
            .fetch_optional(&mut *conn)
            .await?;
            if mine.is_none() {
                return Err(StoreError::Forbidden);
            }
        } else if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        Ok((
            RequestSummary {
                id: rid,
                child_id,
                child_name: format!("{f} {g}"),
                municipality_code: m,
                topics: split(&topics),
                sides,
                urgency,
                status,
                coordinators: String::new(),
                requested_on: on,
            },
            cons,
            pref,
            note,
            as_coordinator,
        ))
    }

    /// A request with its dispatches, timeline and activities (audited as a view).
    pub async fn dispatch_request_detail(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<RequestDetail> {
        let mut conn = self.pool().acquire().await?;
        let (mut summary, consultation_id, preferred_dates, note, as_coordinator) =
            self.visible_request(&mut conn, actor, id).await?;
        let rows: Vec<(String, String, String, Option<String>, Option<String>, String, Option<i64>, String, Option<String>, Option<String>, String, Option<String>)> =
            sqlx::query_as(
                "SELECT d.id, d.coordinator_id, c.name, c.user_id, d.side, d.status, d.score, d.reasons, d.override_reason, \
                 d.decline_reason, d.proposed_on, d.responded_on FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
                 WHERE d.request_id = $1 ORDER BY d.proposed_at DESC, d.id DESC",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
        let dispatches: Vec<DispatchLine> = rows
            .into_iter()
            .filter_map(
                |(did, cid, name, uid, side, status, score, reasons, ov, dec, pon, ron)| {
                    Some(DispatchLine {
                        id: did,
                        coordinator_id: cid,
                        coordinator_name: name,
                        external: uid.is_none(),
                        side,
                        status: DispatchStatus::parse(&status)?,
                        score,
                        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                        override_reason: ov,
                        decline_reason: dec,
                        proposed_on: pon,
                        responded_on: ron,
                    })
                },
            )
            .collect();
        summary.coordinators = dispatches
            .iter()
            .filter(|d| d.status.holds_case())
            .map(|d| d.coordinator_name.as_str())
            .collect::<Vec<_>>()
            .join("、");
        let timeline: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT e.at, u.display_name, e.kind, e.body FROM dispatch_events e JOIN users u ON u.id = e.actor_id \
             WHERE e.request_id = $1 ORDER BY e.at, e.id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let activities = activities_of(
            &mut conn,
            "a.dispatch_id IN (SELECT id FROM dispatches WHERE request_id = $1)",
            id,
        )
        .await?;
        drop(conn);
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.view",
                entity: "dispatch_request",
                entity_id: Some(id),
                detail: format!("child={}", summary.child_id),
            },
        )
        .await?;
        Ok(RequestDetail {
            summary,
            consultation_id,
            preferred_dates,
            note,
            dispatches,
            timeline: timeline
                .into_iter()
                .map(|(at, actor, kind, body)| TimelineEntry {
                    at,
                    actor,
                    kind,
                    body,
                })
                .collect(),
            activities,
            as_coordinator,
        })
    }

    /// Ranked candidates (and pairs for a request needing both sides) with their reasons, and
    /// who is excluded by which hard rule. Coordinators already on the request (live or
    /// declined) are left out. Advisors and admins.
    pub async fn recommend(
        &self,
        actor: &Actor,
        request_id: &str,
        today: NaiveDate,
    ) -> Result<Recommendation> {
        deny_unless_lead(actor)?;
        let row: Option<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT id, child_id, municipality_code, topics, sides, urgency FROM dispatch_requests WHERE id = $1 AND center_id = $2",
        )
        .bind(request_id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?;
        let (id, child, m, topics, sides, urgency) = row.ok_or(StoreError::NotFound)?;
        let req = request_of(&id, &child, &m, &topics, &sides, &urgency)?;
        let on_it: Vec<String> = sqlx::query_scalar(
            "SELECT coordinator_id FROM dispatches WHERE request_id = $1 AND status IN ('proposed','accepted','active','declined')",
        )
        .bind(request_id)
        .fetch_all(self.pool())
        .await?;
        let (mut profiles, records) = self.profiles(&actor.center_id, today).await?;
        profiles.retain(|p| !on_it.contains(&p.id.to_string()));
        let weights = self.dispatch_weights(&actor.center_id).await?;
        let name = |id: &CoordinatorId| {
            records
                .get(&id.to_string())
                .map(|r| (r.name.clone(), r.organization.clone()))
                .unwrap_or_default()
        };
        let view = |c: &dispatch::Candidate<'_>| {
            let (n, o) = name(&c.coordinator.id);
            CandidateView {
                coordinator_id: c.coordinator.id.to_string(),
                name: n,
                organization: o,
                score: c.score,
                reasons: c
                    .reasons
                    .iter()
                    .map(|r| Msg::of(|l| r.message(l)))
                    .collect(),
            }
        };
        // What is still missing on a pair request decides what to recommend.
        let live_sides: Vec<Option<String>> = sqlx::query_scalar(&format!(
            "SELECT side FROM dispatches WHERE request_id = $1 AND status IN {}",
            live_statuses()
        ))
        .bind(request_id)
        .fetch_all(self.pool())
        .await?;
        let mut single_req = req.clone();
        let mut want_pairs = req.sides == SidesNeeded::Both;
        if want_pairs && !live_sides.is_empty() {
            want_pairs = false;
            single_req.sides = if live_sides.iter().any(|s| s.as_deref() == Some("medical")) {
                SidesNeeded::Welfare
            } else {
                SidesNeeded::Medical
            };
        }
        let candidates: Vec<CandidateView> =
            dispatch::rank(&single_req, &profiles, &weights, today)
                .iter()
                .take(50)
                .map(view)
                .collect();
        let pairs = if want_pairs {
            dispatch::rank_pairs(&req, &profiles, &weights, today, 10)
                .iter()
                .map(|p| PairView {
                    medical: view(&p.medical),
                    welfare: view(&p.welfare),
                    bonus: p.bonus,
                    bonus_reasons: p
                        .bonus_reasons
                        .iter()
                        .map(|r| Msg::of(|l| r.message(l)))
                        .collect(),
                    score: p.score,
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut excluded: Vec<ExcludedView> = profiles
            .iter()
            .filter_map(|p| {
                let rules = dispatch::exclusions(&single_req, p, today);
                if rules.is_empty() {
                    return None;
                }
                Some(ExcludedView {
                    coordinator_id: p.id.to_string(),
                    name: name(&p.id).0,
                    overridable: rules.iter().all(overridable),
                    rules: rules.iter().map(|r| Msg::of(|l| r.message(l))).collect(),
                })
            })
            .collect();
        excluded.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Recommendation {
            candidates,
            pairs,
            excluded,
            weights: weights.raw(),
        })
    }

    /// Proposes a request to one coordinator (or two for a pair request). A hard rule that an
    /// override can lift (on leave, inactive, out of area) needs `override_reason`; capacity
    /// and a missing profession side cannot be overridden. Notifies the coordinator.
    pub async fn propose_dispatch(
        &self,
        actor: &Actor,
        request_id: &str,
        input: &ProposalInput,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        deny_unless_lead(actor)?;
        let mut ids: Vec<String> = input
            .coordinator_ids
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        ids.dedup();
        if ids.is_empty() || ids.len() > 2 {
            return Err(FieldError::new(
                "coordinator_ids",
                "required",
                "派遣するコーディネーターを1人（両方必要な依頼は2人まで）選んでください",
                "Choose one coordinator (two at most for a request needing both sides).",
            )
            .into());
        }
        let (profiles, records) = self.profiles(&actor.center_id, today).await?;
        let weights = self.dispatch_weights(&actor.center_id).await?;
        let mut w = self.begin_write().await?;
        let row: Option<(String, String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT id, child_id, municipality_code, topics, sides, urgency, status FROM dispatch_requests WHERE id = $1 AND center_id = $2",
        )
        .bind(request_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let (rid, child, m, topics, sides, urgency, status) = row.ok_or(StoreError::NotFound)?;
        if status == "completed" || status == "cancelled" {
            return Err(FieldError::new(
                "request",
                "closed",
                "完了または中止した依頼には派遣できません",
                "This request is completed or cancelled.",
            )
            .into());
        }
        let req = request_of(&rid, &child, &m, &topics, &sides, &urgency)?;
        let live: Vec<(String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT coordinator_id, side FROM dispatches WHERE request_id = $1 AND status IN {}",
            live_statuses()
        ))
        .bind(request_id)
        .fetch_all(&mut *w.tx)
        .await?;
        // Which sides are still open on this request.
        let open_sides: Vec<Side> = match req.sides {
            SidesNeeded::Medical | SidesNeeded::Welfare if live.is_empty() => {
                req.sides.single().into_iter().collect()
            }
            SidesNeeded::Medical | SidesNeeded::Welfare => Vec::new(),
            SidesNeeded::Both => [Side::Medical, Side::Welfare]
                .into_iter()
                .filter(|s| {
                    !live
                        .iter()
                        .any(|(_, side)| side.as_deref() == Some(s.code()))
                })
                .collect(),
        };
        if open_sides.is_empty() {
            return Err(FieldError::new(
                "coordinator_ids",
                "already_proposed",
                "この依頼には既にコーディネーターが決まっています（打診中を含む）。変更するには先に取り下げてください",
                "This request already has its coordinator(s), including pending offers; withdraw one first.",
            )
            .into());
        }
        if ids.len() > open_sides.len() {
            return Err(FieldError::new(
                "coordinator_ids",
                "too_many",
                format!("あと{}人まで選べます", open_sides.len()),
                format!("You can choose {} more at most.", open_sides.len()),
            )
            .into());
        }
        let mut chosen: Vec<&CoordinatorProfile> = Vec::new();
        for id in &ids {
            if live.iter().any(|(c, _)| c == id) {
                return Err(FieldError::new(
                    "coordinator_ids",
                    "already_on_request",
                    "このコーディネーターは既にこの依頼を担当しています",
                    "This coordinator is already on this request.",
                )
                .into());
            }
            match profiles.iter().find(|p| p.id.to_string() == *id) {
                Some(p) => chosen.push(p),
                None => {
                    return Err(FieldError::new(
                        "coordinator_ids",
                        "unknown_coordinator",
                        "名簿にないコーディネーターです",
                        "No such coordinator on the roster.",
                    )
                    .into())
                }
            }
        }
        // Give each chosen person a side they have; try both orders for two people.
        let sides_for = |order: &[&CoordinatorProfile]| -> Option<Vec<Side>> {
            let mut left = open_sides.clone();
            let mut out = Vec::new();
            for p in order {
                let i = left.iter().position(|s| p.has_side(*s))?;
                out.push(left.remove(i));
            }
            Some(out)
        };
        let assigned = sides_for(&chosen).or_else(|| {
            let mut rev = chosen.clone();
            rev.reverse();
            sides_for(&rev).map(|mut v| {
                v.reverse();
                v
            })
        });
        let Some(assigned) = assigned else {
            let need: Vec<&str> = open_sides.iter().map(|s| s.label(Lang::Ja)).collect();
            let need_en: Vec<&str> = open_sides.iter().map(|s| s.label(Lang::En)).collect();
            return Err(FieldError::new(
                "coordinator_ids",
                "missing_side",
                format!(
                    "選んだ人の職種では必要な側（{}）を担当できません",
                    need.join("・")
                ),
                format!(
                    "The chosen people's professions do not cover the side needed ({}).",
                    need_en.join(", ")
                ),
            )
            .into());
        };
        // Hard rules, per person, on the side they take.
        let mut overrides: Vec<String> = Vec::new();
        let mut refusals = ValidationErrors::new();
        for (p, side) in chosen.iter().zip(&assigned) {
            let mut one = req.clone();
            one.sides = if *side == Side::Medical {
                SidesNeeded::Medical
            } else {
                SidesNeeded::Welfare
            };
            let name = records
                .get(&p.id.to_string())
                .map(|r| r.name.as_str())
                .unwrap_or("");
            for rule in dispatch::exclusions(&one, p, today) {
                if overridable(&rule) {
                    overrides.push(format!("{name}: {}", rule.message(Lang::Ja)));
                } else {
                    refusals.push(FieldError::new(
                        "coordinator_ids",
                        "hard_rule",
                        format!("{name}さんには派遣できません: {}", rule.message(Lang::Ja)),
                        format!("{name} cannot be dispatched: {}", rule.message(Lang::En)),
                    ));
                }
            }
        }
        refusals.into_result()?;
        let override_reason = if overrides.is_empty() {
            None
        } else {
            let reason = input.override_reason.trim();
            if reason.chars().count() < MIN_REASON_CHARS {
                let mut errs = ValidationErrors::new();
                errs.push(FieldError::new(
                    "override_reason",
                    "override_needed",
                    format!(
                        "派遣の条件を満たしていません（{}）。それでも派遣する場合は理由を{MIN_REASON_CHARS}文字以上で書いてください",
                        overrides.join("、")
                    ),
                    format!(
                        "A dispatch rule is not met ({}). To dispatch anyway, give a reason of at least {MIN_REASON_CHARS} characters.",
                        overrides.join("; ")
                    ),
                ));
                // The refusal itself is part of the record of who tried what.
                append(
                    &mut w.tx,
                    self.backend(),
                    Some(actor),
                    now,
                    AuditEntry {
                        action: "dispatch.propose.refused",
                        entity: "dispatch_request",
                        entity_id: Some(request_id),
                        detail: format!(
                            "coordinators={} rules={}",
                            ids.join(","),
                            overrides.join("; ")
                        ),
                    },
                )
                .await?;
                w.commit().await?;
                return Err(StoreError::Validation(errs));
            }
            Some(domain::text::optional_text("override_reason", reason, 1000)?.unwrap_or_default())
        };
        let people: Vec<(&CoordinatorProfile, Side)> = chosen
            .iter()
            .copied()
            .zip(assigned.iter().copied())
            .collect();
        let created = self
            .write_proposals(
                &mut w.tx,
                actor,
                request_id,
                &req,
                &people,
                &records,
                &weights,
                override_reason.as_deref(),
                &overrides,
                today,
                now,
            )
            .await?;
        w.commit().await?;
        Ok(created)
    }

    /// Writes proposals inside the caller's write transaction: one `dispatches` row per
    /// person on their side, with score and reasons, a timeline entry, a notification to the
    /// coordinator and an audit row each; then refreshes the request's status. The caller has
    /// checked every rule.
    #[allow(clippy::too_many_arguments)]
    async fn write_proposals(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        actor: &Actor,
        request_id: &str,
        req: &DispatchRequest,
        people: &[(&CoordinatorProfile, Side)],
        records: &HashMap<String, CoordinatorRecord>,
        weights: &Weights,
        override_reason: Option<&str>,
        overrides: &[String],
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let mut created = Vec::new();
        for (p, side) in people {
            let pid = p.id.to_string();
            let rec = records.get(&pid);
            let mut one = req.clone();
            one.sides = if *side == Side::Medical {
                SidesNeeded::Medical
            } else {
                SidesNeeded::Welfare
            };
            let score = dispatch::score(&one, p, weights, today);
            let ranked = dispatch::rank(&one, std::slice::from_ref(*p), weights, today);
            let reasons: Vec<Msg> = ranked
                .first()
                .map(|c| {
                    c.reasons
                        .iter()
                        .map(|r| Msg::of(|l| r.message(l)))
                        .collect()
                })
                .unwrap_or_default();
            let did = new_id();
            sqlx::query(
                "INSERT INTO dispatches (id, request_id, center_id, coordinator_id, side, status, score, reasons, override_reason, \
                 proposed_by, proposed_at, proposed_on) VALUES ($1,$2,$3,$4,$5,'proposed',$6,$7,$8,$9,$10,$11)",
            )
            .bind(&did)
            .bind(request_id)
            .bind(&actor.center_id)
            .bind(&pid)
            .bind((req.sides == SidesNeeded::Both).then(|| side.code()))
            .bind(score.map(i64::from))
            .bind(serde_json::to_string(&reasons).unwrap_or_else(|_| "[]".into()))
            .bind(override_reason)
            .bind(&actor.user_id)
            .bind(ts(now))
            .bind(today.to_string())
            .execute(&mut **tx)
            .await?;
            let name = rec.map(|r| r.name.as_str()).unwrap_or("");
            event(
                tx,
                request_id,
                Some(&did),
                actor,
                now,
                "proposed",
                Some(name),
            )
            .await?;
            if let Some(uid) = self.user_of_coordinator(tx, &pid).await? {
                notify(
                    tx,
                    &uid,
                    now,
                    Msg::of(|l| {
                        l.pick(
                            "派遣の打診が届きました。内容を確認して受諾または辞退してください"
                                .to_string(),
                            "You have a new dispatch offer: please accept or decline.".to_string(),
                        )
                    }),
                    &Notice {
                        kind: "offer".into(),
                        request_id,
                        detail: None,
                    },
                )
                .await?;
            }
            append(
                tx,
                self.backend(),
                Some(actor),
                now,
                AuditEntry {
                    action: if override_reason.is_some() {
                        "dispatch.propose.override"
                    } else {
                        "dispatch.propose"
                    },
                    entity: "dispatch_request",
                    entity_id: Some(request_id),
                    detail: match override_reason {
                        Some(r) => format!(
                            "dispatch={did} coordinator={pid} rules={} reason={r}",
                            overrides.join("; ")
                        ),
                        None => format!(
                            "dispatch={did} coordinator={pid} score={}",
                            score.unwrap_or(0)
                        ),
                    },
                },
            )
            .await?;
            created.push(did);
        }
        refresh_request_status(tx, request_id, now).await?;
        Ok(created)
    }

    async fn user_of_coordinator(
        &self,
        tx: &mut sqlx::AnyConnection,
        coordinator_id: &str,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar::<_, Option<String>>(
            "SELECT user_id FROM coordinators WHERE id = $1",
        )
        .bind(coordinator_id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten())
    }

    /// Changes a dispatch's state (`action`: a [`DispatchAction`] code): the coordinator
    /// themself, or an advisor/admin (who also answers for an external coordinator). Decline
    /// and cancel need a reason. Accepting assigns the coordinator to the child.
    pub async fn dispatch_action(
        &self,
        actor: &Actor,
        dispatch_id: &str,
        action: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let today = domain::dates::jst_date(now);
        let mut w = self.begin_write().await?;
        let row: Option<(String, String, String, Option<String>, String, String, String)> = sqlx::query_as(
            "SELECT d.request_id, d.status, d.coordinator_id, c.user_id, r.child_id, d.proposed_by, c.name FROM dispatches d \
             JOIN coordinators c ON c.id = d.coordinator_id JOIN dispatch_requests r ON r.id = d.request_id \
             WHERE d.id = $1 AND d.center_id = $2",
        )
        .bind(dispatch_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let (request_id, status, _coord, coord_user, child_id, proposed_by, coord_name) =
            row.ok_or(StoreError::NotFound)?;
        let own = coord_user.as_deref() == Some(actor.user_id.as_str());
        if !(own || is_lead(actor)) {
            return Err(StoreError::Forbidden);
        }
        let action = DispatchAction::parse(action).ok_or_else(|| {
            FieldError::new(
                "action",
                "unknown_code",
                "操作を選んでください",
                "Choose an action.",
            )
        })?;
        if !is_lead(actor) && action == DispatchAction::Withdraw {
            return Err(StoreError::Forbidden);
        }
        let status = DispatchStatus::parse(&status)
            .ok_or_else(|| StoreError::Config(format!("dispatch {dispatch_id} status")))?;
        let Some(next) = status.after(action) else {
            return Err(status.refusal(action).into());
        };
        let reason = if action.needs_reason() {
            Some(checked_reason(
                "reason",
                reason,
                action.label(Lang::Ja),
                action.code(),
            )?)
        } else {
            domain::text::optional_text("reason", reason, 1000)?
        };
        let answered = matches!(action, DispatchAction::Accept | DispatchAction::Decline);
        let closes = matches!(
            next,
            DispatchStatus::Declined
                | DispatchStatus::Withdrawn
                | DispatchStatus::Completed
                | DispatchStatus::Cancelled
        );
        sqlx::query(
            "UPDATE dispatches SET status = $1, responded_at = CASE WHEN $2 = 1 THEN $3 ELSE responded_at END, \
             responded_on = CASE WHEN $2 = 1 THEN $4 ELSE responded_on END, \
             decline_reason = COALESCE($5, decline_reason), closed_at = CASE WHEN $6 = 1 THEN $3 ELSE closed_at END WHERE id = $7",
        )
        .bind(next.code())
        .bind(i64::from(answered))
        .bind(ts(now))
        .bind(today.to_string())
        .bind(if action.needs_reason() { reason.as_deref() } else { None })
        .bind(i64::from(closes))
        .bind(dispatch_id)
        .execute(&mut *w.tx)
        .await?;
        // Accepting gives the coordinator the child (dispatch-origin access); closing their
        // dispatch starts the 30 days after which that access lapses (scope.rs).
        if let Some(uid) = &coord_user {
            if action == DispatchAction::Accept {
                crate::scope::grant_dispatch_access(&mut w.tx, &child_id, uid).await?;
            }
            crate::scope::refresh_dispatch_access(&mut w.tx, &child_id, uid).await?;
        }
        event(
            &mut w.tx,
            &request_id,
            Some(dispatch_id),
            actor,
            now,
            action.code(),
            reason.as_deref(),
        )
        .await?;
        // Tell the other side: the proposer hears the coordinator's answer, the coordinator
        // hears what the advisor did.
        let notice = Notice {
            kind: format!("action.{}", next.code()),
            request_id: &request_id,
            detail: Some(coord_name.clone()),
        };
        let text = Msg::of(|l| {
            l.pick(
                format!("{coord_name}さんの派遣: {}", next.label(l)),
                format!("Dispatch of {coord_name}: {}", next.label(l)),
            )
        });
        if own {
            if proposed_by != actor.user_id {
                notify(&mut w.tx, &proposed_by, now, text, &notice).await?;
            }
        } else if let Some(uid) = &coord_user {
            notify(&mut w.tx, uid, now, text, &notice).await?;
        }
        refresh_request_status(&mut w.tx, &request_id, now).await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: &format!("dispatch.{}", action.code()),
                entity: "dispatch_request",
                entity_id: Some(&request_id),
                detail: format!(
                    "dispatch={dispatch_id} {}→{}{}",
                    status.code(),
                    next.code(),
                    if own { "" } else { " on_behalf" }
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok(request_id)
    }

    /// Cancels a whole request (advisors and admins): every live dispatch on it is cancelled.
    pub async fn cancel_dispatch_request(
        &self,
        actor: &Actor,
        request_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        deny_unless_lead(actor)?;
        let reason = checked_reason("reason", reason, "中止", "cancelling")?;
        let mut w = self.begin_write().await?;
        let status: Option<String> = sqlx::query_scalar(
            "SELECT status FROM dispatch_requests WHERE id = $1 AND center_id = $2",
        )
        .bind(request_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        match status.as_deref() {
            None => return Err(StoreError::NotFound),
            Some("completed" | "cancelled") => {
                return Err(FieldError::new(
                    "request",
                    "closed",
                    "この依頼は既に完了または中止しています",
                    "This request is already completed or cancelled.",
                )
                .into())
            }
            Some(_) => {}
        }
        let users: Vec<Option<String>> = sqlx::query_scalar(&format!(
            "SELECT c.user_id FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
             WHERE d.request_id = $1 AND d.status IN {}",
            live_statuses()
        ))
        .bind(request_id)
        .fetch_all(&mut *w.tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE dispatches SET status = CASE WHEN status = 'proposed' THEN 'withdrawn' ELSE 'cancelled' END, closed_at = $1 \
             WHERE request_id = $2 AND status IN {}",
            live_statuses()
        ))
        .bind(ts(now))
        .bind(request_id)
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "UPDATE dispatch_requests SET status = 'cancelled', updated_at = $1 WHERE id = $2",
        )
        .bind(ts(now))
        .bind(request_id)
        .execute(&mut *w.tx)
        .await?;
        let child_id: String =
            sqlx::query_scalar("SELECT child_id FROM dispatch_requests WHERE id = $1")
                .bind(request_id)
                .fetch_one(&mut *w.tx)
                .await?;
        for uid in users.iter().flatten() {
            crate::scope::refresh_dispatch_access(&mut w.tx, &child_id, uid).await?;
        }
        event(
            &mut w.tx,
            request_id,
            None,
            actor,
            now,
            "request_cancelled",
            Some(&reason),
        )
        .await?;
        for uid in users.into_iter().flatten() {
            notify(
                &mut w.tx,
                &uid,
                now,
                Msg::of(|l| {
                    l.pick(
                        "派遣依頼が中止されました".to_string(),
                        "A dispatch request was cancelled.".to_string(),
                    )
                }),
                &Notice {
                    kind: "cancelled".into(),
                    request_id,
                    detail: None,
                },
            )
            .await?;
        }
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.request.cancel",
                entity: "dispatch_request",
                entity_id: Some(request_id),
                detail: String::new(),
            },
        )
        .await?;
        w.commit().await
    }

    /// Records a visit, call or meeting on a dispatch (the coordinator, or a lead for them).
    /// Dated on or after the proposal, not in the future; the first activity starts an
    /// accepted dispatch.
    pub async fn record_activity(
        &self,
        actor: &Actor,
        dispatch_id: &str,
        input: &ActivityInput,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut w = self.begin_write().await?;
        let row: Option<(String, String, String, Option<String>, String, String, String)> = sqlx::query_as(
            "SELECT d.request_id, d.status, d.coordinator_id, c.user_id, r.child_id, d.proposed_on, d.proposed_by FROM dispatches d \
             JOIN coordinators c ON c.id = d.coordinator_id JOIN dispatch_requests r ON r.id = d.request_id \
             WHERE d.id = $1 AND d.center_id = $2",
        )
        .bind(dispatch_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let (request_id, status, coord, coord_user, child_id, proposed_on, proposed_by) =
            row.ok_or(StoreError::NotFound)?;
        let own = coord_user.as_deref() == Some(actor.user_id.as_str());
        if !(own || is_lead(actor)) {
            return Err(StoreError::Forbidden);
        }
        let since = proposed_on.parse::<NaiveDate>().unwrap_or(today);
        let act = parse_activity(input, since, today)?;
        let status = DispatchStatus::parse(&status).unwrap_or(DispatchStatus::Cancelled);
        if !matches!(status, DispatchStatus::Accepted | DispatchStatus::Active) {
            return Err(FieldError::new(
                "dispatch",
                "not_active",
                format!("「{}」の派遣には活動を記録できません（受諾後に記録します）", status.label(Lang::Ja)),
                format!("Activities can only be recorded on an accepted or active dispatch (this one is {}).", status.label(Lang::En).to_lowercase()),
            )
            .into());
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO dispatch_activities (id, dispatch_id, center_id, coordinator_id, child_id, kind, on_date, minutes, \
             travel_tenths_km, travel_minutes, notes, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        )
        .bind(&id)
        .bind(dispatch_id)
        .bind(&actor.center_id)
        .bind(&coord)
        .bind(&child_id)
        .bind(act.kind)
        .bind(act.on.to_string())
        .bind(i64::from(act.minutes))
        .bind(i64::from(act.travel_tenths_km))
        .bind(i64::from(act.travel_minutes))
        .bind(act.notes.as_deref())
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await?;
        if status == DispatchStatus::Accepted {
            sqlx::query("UPDATE dispatches SET status = 'active' WHERE id = $1")
                .bind(dispatch_id)
                .execute(&mut *w.tx)
                .await?;
            event(
                &mut w.tx,
                &request_id,
                Some(dispatch_id),
                actor,
                now,
                "start",
                None,
            )
            .await?;
            refresh_request_status(&mut w.tx, &request_id, now).await?;
        }
        // The advisor who proposed hears of the coordinator's work; the coordinator hears of
        // an activity an advisor recorded for them.
        let notice_to = if own {
            (proposed_by != actor.user_id).then_some(proposed_by)
        } else {
            coord_user.clone()
        };
        if let Some(uid) = notice_to {
            let (on, kind) = (act.on, act.kind);
            notify(
                &mut w.tx,
                &uid,
                now,
                Msg::of(|l| {
                    let k = domain::payment::ActivityKind::parse(kind)
                        .map(|k| k.label(l))
                        .unwrap_or(kind);
                    l.pick(
                        format!("{}の活動（{k}）が記録されました", on),
                        format!("An activity ({k}) on {on} was recorded"),
                    )
                }),
                &Notice {
                    kind: format!("activity.{kind}"),
                    request_id: &request_id,
                    detail: Some(on.to_string()),
                },
            )
            .await?;
        }
        event(
            &mut w.tx,
            &request_id,
            Some(dispatch_id),
            actor,
            now,
            "activity",
            Some(&format!("{} {} {}分", act.on, act.kind, act.minutes)),
        )
        .await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.activity",
                entity: "dispatch_request",
                entity_id: Some(&request_id),
                detail: format!(
                    "activity={id} dispatch={dispatch_id} on={} kind={}",
                    act.on, act.kind
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Voids an activity entered by mistake (never deleted; an approved month then gets an
    /// amendment line).
    pub async fn void_activity(
        &self,
        actor: &Actor,
        activity_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut w = self.begin_write().await?;
        let row: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT d.request_id, c.user_id, a.voided_at FROM dispatch_activities a JOIN dispatches d ON d.id = a.dispatch_id \
             JOIN coordinators c ON c.id = a.coordinator_id WHERE a.id = $1 AND a.center_id = $2",
        )
        .bind(activity_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let (request_id, coord_user, voided) = row.ok_or(StoreError::NotFound)?;
        if !(coord_user.as_deref() == Some(actor.user_id.as_str()) || is_lead(actor)) {
            return Err(StoreError::Forbidden);
        }
        let reason = checked_reason("reason", reason, "取り消し", "voiding")?;
        if voided.is_some() {
            return Err(FieldError::new(
                "activity",
                "already_voided",
                "この活動は既に取り消されています",
                "This activity is already voided.",
            )
            .into());
        }
        sqlx::query(
            "UPDATE dispatch_activities SET voided_at = $1, void_reason = $2 WHERE id = $3",
        )
        .bind(ts(now))
        .bind(&reason)
        .bind(activity_id)
        .execute(&mut *w.tx)
        .await?;
        event(
            &mut w.tx,
            &request_id,
            None,
            actor,
            now,
            "activity_voided",
            Some(&reason),
        )
        .await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.activity.void",
                entity: "dispatch_request",
                entity_id: Some(&request_id),
                detail: format!("activity={activity_id}"),
            },
        )
        .await?;
        w.commit().await?;
        Ok(request_id)
    }

    /// Advice on a request (助言): a coordinator on it asks, an advisor or admin answers.
    /// Both land on the timeline and notify the other side.
    pub async fn add_advice(
        &self,
        actor: &Actor,
        request_id: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut w = self.begin_write().await?;
        let (_, _, _, _, as_coordinator) =
            self.visible_request(&mut w.tx, actor, request_id).await?;
        let lead = is_lead(actor);
        if !(lead || as_coordinator) {
            return Err(StoreError::Forbidden);
        }
        // Scope before input: an out-of-scope caller learns nothing from field errors.
        let body = domain::text::optional_text("text", text, 4000)?.ok_or_else(|| {
            FieldError::new(
                "text",
                "required",
                "内容を入力してください",
                "Enter the text.",
            )
        })?;
        let kind = if lead { "advice_given" } else { "advice_asked" };
        event(&mut w.tx, request_id, None, actor, now, kind, Some(&body)).await?;
        let notice = Notice {
            kind: kind.to_string(),
            request_id,
            detail: Some(actor.display_name.clone()),
        };
        let recipients: Vec<String> = if lead {
            sqlx::query_scalar::<_, Option<String>>(&format!(
                "SELECT c.user_id FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
                 WHERE d.request_id = $1 AND d.status IN {}",
                live_statuses()
            ))
            .bind(request_id)
            .fetch_all(&mut *w.tx)
            .await?
            .into_iter()
            .flatten()
            .collect()
        } else {
            lead_users(&mut w.tx, &actor.center_id).await?
        };
        let who = actor.display_name.clone();
        for uid in recipients.into_iter().filter(|u| *u != actor.user_id) {
            let text = if lead {
                Msg::of(|l| {
                    l.pick(
                        format!("{who}さんから助言がありました"),
                        format!("Advice from {who}"),
                    )
                })
            } else {
                Msg::of(|l| {
                    l.pick(
                        format!("{who}さんが助言を求めています"),
                        format!("{who} asks for advice"),
                    )
                })
            };
            notify(&mut w.tx, &uid, now, text, &notice).await?;
        }
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: if lead {
                    "dispatch.advice"
                } else {
                    "dispatch.advice.ask"
                },
                entity: "dispatch_request",
                entity_id: Some(request_id),
                detail: String::new(),
            },
        )
        .await?;
        w.commit().await
    }

    /// A coordinator's proposals and running dispatches.
    pub async fn coordinator_inbox(&self, actor: &Actor) -> Result<Vec<InboxEntry>> {
        let rows: Vec<(String, String, String, String, String, String, String, String)> =
            sqlx::query_as(&format!(
                "SELECT d.id, d.request_id, ch.family_name, ch.given_name, r.municipality_code, d.status, r.urgency, d.proposed_on \
                 FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id JOIN dispatch_requests r ON r.id = d.request_id \
                 JOIN children ch ON ch.id = r.child_id WHERE c.user_id = $1 AND d.center_id = $2 AND d.status IN {} \
                 ORDER BY CASE d.status WHEN 'proposed' THEN 0 ELSE 1 END, d.proposed_at DESC",
                live_statuses()
            ))
            .bind(&actor.user_id)
            .bind(&actor.center_id)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(did, rid, f, g, m, status, urgency, on)| {
                Some(InboxEntry {
                    dispatch_id: did,
                    request_id: rid,
                    child_name: format!("{f} {g}"),
                    municipality_code: m,
                    status: DispatchStatus::parse(&status)?,
                    urgency,
                    proposed_on: on,
                })
            })
            .collect())
    }

    /// Marks every notification of the actor read.
    pub async fn mark_notifications_read(&self, actor: &Actor, now: DateTime<Utc>) -> Result<u64> {
        let w = self.begin_write().await?;
        let mut w = w;
        let n = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        )
        .bind(ts(now))
        .bind(&actor.user_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        w.commit().await?;
        Ok(n)
    }

    /// Dispatch figures of a fiscal year for the actor's center.
    pub async fn dispatch_figures(&self, actor: &Actor, fy: FiscalYear) -> Result<DispatchFigures> {
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let (from, to) = (fy.start().to_string(), fy.end().to_string());
        let rows: Vec<(String, String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT c.name, r.municipality_code, r.topics, d.status, r.requested_on, d.responded_on FROM dispatches d \
             JOIN coordinators c ON c.id = d.coordinator_id JOIN dispatch_requests r ON r.id = d.request_id \
             WHERE d.center_id = $1 AND d.proposed_on >= $2 AND d.proposed_on <= $3 AND d.status <> 'withdrawn'",
        )
        .bind(&actor.center_id)
        .bind(&from)
        .bind(&to)
        .fetch_all(self.pool())
        .await?;
        let mut by_c: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_m: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_t: BTreeMap<String, i64> = BTreeMap::new();
        let mut days: Vec<i64> = Vec::new();
        let (mut answered, mut declined) = (0i64, 0i64);
        for (name, m, topics, status, req_on, resp_on) in &rows {
            *by_c.entry(name.clone()).or_default() += 1;
            *by_m.entry(m.clone()).or_default() += 1;
            for t in split(topics) {
                *by_t.entry(t).or_default() += 1;
            }
            if status == "declined" {
                declined += 1;
                answered += 1;
            } else if resp_on.is_some() {
                answered += 1;
                if let (Ok(a), Some(Ok(b))) = (
                    req_on.parse::<NaiveDate>(),
                    resp_on.as_deref().map(str::parse::<NaiveDate>),
                ) {
                    days.push((b - a).num_days());
                }
            }
        }
        days.sort_unstable();
        let median = match days.len() {
            0 => None,
            n if n % 2 == 1 => Some(days[n / 2] as f64),
            n => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
        };
        let sorted = |m: BTreeMap<String, i64>| {
            let mut v: Vec<(String, i64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        Ok(DispatchFigures {
            fiscal_year: fy.0,
            total: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            by_coordinator: sorted(by_c),
            by_municipality: sorted(by_m),
            by_topic: sorted(by_t),
            median_days_to_accept: median,
            declined_percent: (answered > 0).then(|| declined as f64 * 100.0 / answered as f64),
            answered,
            declined,
        })
    }
}

/// Rules an advisor's stated reason can lift. Capacity and a missing profession cannot: the
/// first is raised on the roster, the second is a different person.
fn overridable(rule: &Exclusion) -> bool {
    matches!(
        rule,
        Exclusion::OnLeave { .. } | Exclusion::Inactive | Exclusion::DoesNotCover
    )
}

struct ParsedActivity {
    kind: &'static str,
    on: NaiveDate,
    minutes: u32,
    travel_tenths_km: u32,
    travel_minutes: u32,
    notes: Option<String>,
}

/// Minutes in 0‥1440 (one day); empty is 0 unless `required`.
fn minutes_field(field: &str, raw: &str, required: bool) -> std::result::Result<u32, FieldError> {
    match domain::text::whole_number(field, raw, 1440, "分数", "Minutes")? {
        Some(n) => Ok(n),
        None if required => Err(FieldError::required(field)),
        None => Ok(0),
    }
}

/// Travel distance "12.5" (km, one decimal) → tenths of a km; empty = no travel.
fn tenths_km(field: &str, raw: &str) -> std::result::Result<u32, FieldError> {
    if raw.trim().is_empty() {
        return Ok(0);
    }
    domain::payment::Distance::parse(field, raw).map(|d| d.tenths())
}

fn parse_activity(
    input: &ActivityInput,
    since: NaiveDate,
    today: NaiveDate,
) -> Result<ParsedActivity> {
    let mut errs = ValidationErrors::new();
    let kind = domain::payment::ActivityKind::parse(&input.kind).map(|k| k.code());
    if kind.is_none() {
        errs.push(FieldError::new(
            "kind",
            "required",
            "活動の種類（訪問・電話・会議）を選んでください",
            "Choose the kind of activity (visit, call, meeting).",
        ));
    }
    let on = match domain::dates::parse_date("on_date", &input.on_date) {
        Ok(d) if d > today => {
            errs.push(FieldError::new(
                "on_date",
                "future_date",
                "未来の日付の活動は記録できません",
                "An activity cannot be dated in the future.",
            ));
            None
        }
        Ok(d) if d < since => {
            errs.push(FieldError::new(
                "on_date",
                "before_dispatch",
                format!("派遣の打診日（{since}）より前の日付は記録できません"),
                format!("The date is before the dispatch was proposed ({since})."),
            ));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errs.push(e);
            None
        }
    };
    let minutes = errs.check(minutes_field("minutes", &input.minutes, true));
    let travel = errs.check(tenths_km("travel_km", &input.travel_km));
    let travel_minutes = errs.check(minutes_field(
        "travel_minutes",
        &input.travel_minutes,
        false,
    ));
    let notes = errs.check(domain::text::optional_text("notes", &input.notes, 4000));
    errs.into_result()?;
    match (kind, on, minutes, travel, travel_minutes, notes) {
        (
            Some(kind),
            Some(on),
            Some(minutes),
            Some(travel_tenths_km),
            Some(travel_minutes),
            Some(notes),
        ) => Ok(ParsedActivity {
            kind,
            on,
            minutes,
            travel_tenths_km,
            travel_minutes,
            notes,
        }),
        _ => Err(FieldError::required("kind").into()),
    }
}

async fn activities_of(
    conn: &mut sqlx::AnyConnection,
    cond: &str,
    bind: &str,
) -> Result<Vec<ActivityRecord>> {
    let rows: Vec<(String, String, String, String, String, i64, i64, i64, Option<String>, Option<String>, Option<String>)> =
        sqlx::query_as(&format!(
            "SELECT a.id, a.dispatch_id, c.name, a.kind, a.on_date, a.minutes, a.travel_tenths_km, a.travel_minutes, a.notes, \
             a.voided_at, a.void_reason FROM dispatch_activities a JOIN coordinators c ON c.id = a.coordinator_id \
             WHERE {cond} ORDER BY a.on_date DESC, a.created_at DESC"
        ))
        .bind(bind)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, did, name, kind, on, m, km, tm, notes, v, vr)| ActivityRecord {
                id,
                dispatch_id: did,
                coordinator_name: name,
                kind,
                on_date: on,
                minutes: m,
                travel_tenths_km: km,
                travel_minutes: tm,
                notes,
                voided_at: v,
                void_reason: vr,
            },
        )
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
}

/// One open request in a batch proposal.
#[derive(Clone, Debug, Serialize)]
pub struct BatchLine {
    /// The request.
    pub request_id: String,
    /// Child's name.
    pub child_name: String,
    /// Municipality code.
    pub municipality_code: String,
    /// `medical`, `welfare` or `both`.
    pub sides: String,
    /// Urgency code.
    pub urgency: String,
    /// Proposed: (side, roster id); empty when nobody could be proposed.
    pub proposed: Vec<(String, String)>,
    /// Score of the proposal (the pair's joint score for both sides).
    pub score: u32,
    /// Why nobody, when `proposed` is empty.
    pub unassigned: Option<Msg>,
    /// Eligible people per side for changing the line: (side, [(roster id, name, score)]).
    pub options: Vec<(String, Vec<(String, String, u32)>)>,
}

/// The batch proposal for all open requests of a center.
#[derive(Clone, Debug, Serialize)]
pub struct BatchView {
    /// One line per open request, urgent first.
    pub lines: Vec<BatchLine>,
    /// Σ value of the proposal (scores + urgency bonuses).
    pub total_value: u64,
    /// No assignment can exceed this.
    pub upper_bound: u64,
    /// The proposal reaches the bound.
    pub proven_optimal: bool,
}

/// The advisor's choice for one request of a batch: roster ids per side (`medical`,
/// `welfare`; a single-side request uses its own side). Empty = leave the request open.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchPick {
    /// The request (required).
    pub request_id: String,
    /// Medical member (or the one coordinator of a medical request).
    #[serde(default)]
    pub medical: String,
    /// Welfare member (or the one coordinator of a welfare request).
    #[serde(default)]
    pub welfare: String,
}

fn unassigned_msg(r: dispatch::UnassignedReason) -> Msg {
    use dispatch::UnassignedReason as U;
    Msg::of(|l| {
        match r {
            U::NoEligibleCoordinator => l.pick(
                "条件を満たすコーディネーターがいません",
                "No coordinator meets the rules",
            ),
            U::NoEligiblePair => l.pick(
                "医療と福祉のペアを組める人がいません",
                "No medical + welfare pair is possible",
            ),
            U::CapacityUsedElsewhere => l.pick(
                "候補者の空き件数を他の依頼に使う方が全体の点数が高くなります",
                "The candidates' capacity serves other requests for a higher total",
            ),
        }
        .to_string()
    })
}

impl Store {
    async fn open_requests(
        &self,
        center_id: &str,
    ) -> Result<Vec<(DispatchRequest, String, String)>> {
        let rows: Vec<(String, String, String, String, String, String, String, String)> =
            sqlx::query_as(
                "SELECT r.id, r.child_id, r.municipality_code, r.topics, r.sides, r.urgency, ch.family_name, ch.given_name \
                 FROM dispatch_requests r JOIN children ch ON ch.id = r.child_id \
                 WHERE r.center_id = $1 AND r.status = 'open' ORDER BY r.created_at, r.id LIMIT 2000",
            )
            .bind(center_id)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter()
            .map(|(id, child, m, topics, sides, urgency, f, g)| {
                Ok((
                    request_of(&id, &child, &m, &topics, &sides, &urgency)?,
                    format!("{f} {g}"),
                    id,
                ))
            })
            .collect()
    }

    /// Proposes one assignment for every open request of the center that maximises the total
    /// score under every capacity (`domain::dispatch::assign_batch`), with each request's
    /// eligible people so the advisor can change any line. Nothing is written.
    pub async fn batch_proposal(&self, actor: &Actor, today: NaiveDate) -> Result<BatchView> {
        deny_unless_lead(actor)?;
        let open = self.open_requests(&actor.center_id).await?;
        let (profiles, records) = self.profiles(&actor.center_id, today).await?;
        let weights = self.dispatch_weights(&actor.center_id).await?;
        let reqs: Vec<DispatchRequest> = open.iter().map(|(r, _, _)| r.clone()).collect();
        let a = dispatch::assign_batch(&reqs, &profiles, &weights, today);
        let name = |id: &CoordinatorId| {
            records
                .get(&id.to_string())
                .map(|r| r.name.clone())
                .unwrap_or_default()
        };
        let mut lines: Vec<BatchLine> = open
            .iter()
            .map(|(req, child_name, id)| {
                let line = a.lines.iter().find(|l| l.request == req.id);
                let proposed = match line.map(|l| l.assigned) {
                    Some(dispatch::Assigned::One { coordinator }) => vec![(
                        req.sides
                            .single()
                            .unwrap_or(Side::Medical)
                            .code()
                            .to_string(),
                        coordinator.to_string(),
                    )],
                    Some(dispatch::Assigned::Pair { medical, welfare }) => vec![
                        ("medical".to_string(), medical.to_string()),
                        ("welfare".to_string(), welfare.to_string()),
                    ],
                    None => Vec::new(),
                };
                let sides: Vec<Side> = match req.sides.single() {
                    Some(s) => vec![s],
                    None => vec![Side::Medical, Side::Welfare],
                };
                let options = sides
                    .into_iter()
                    .map(|side| {
                        let mut one = req.clone();
                        one.sides = if side == Side::Medical {
                            SidesNeeded::Medical
                        } else {
                            SidesNeeded::Welfare
                        };
                        let list = dispatch::rank(&one, &profiles, &weights, today)
                            .iter()
                            .take(30)
                            .map(|c| {
                                (
                                    c.coordinator.id.to_string(),
                                    name(&c.coordinator.id),
                                    c.score,
                                )
                            })
                            .collect();
                        (side.code().to_string(), list)
                    })
                    .collect();
                BatchLine {
                    request_id: id.clone(),
                    child_name: child_name.clone(),
                    municipality_code: req.municipality.as_str().to_string(),
                    sides: req.sides.code().to_string(),
                    urgency: req.urgency.code().to_string(),
                    proposed,
                    score: line.map(|l| l.score).unwrap_or(0),
                    unassigned: a
                        .unassigned
                        .iter()
                        .find(|u| u.request == req.id)
                        .map(|u| unassigned_msg(u.reason)),
                    options,
                }
            })
            .collect();
        lines.sort_by(|x, y| {
            let u = |c: &str| Urgency::parse(c).map(Urgency::level).unwrap_or(0);
            u(&y.urgency).cmp(&u(&x.urgency))
        });
        Ok(BatchView {
            lines,
            total_value: a.total_value,
            upper_bound: a.upper_bound,
            proven_optimal: a.proven_optimal,
        })
    }

    /// Confirms a batch as the advisor left it: every line is checked first (request still
    /// open, each person eligible on their side with no override, a pair of two different
    /// people, no one beyond their remaining capacity across the whole batch), then all
    /// proposals are written in one transaction. Returns the number of requests proposed.
    pub async fn confirm_batch(
        &self,
        actor: &Actor,
        picks: &[BatchPick],
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        deny_unless_lead(actor)?;
        let (profiles, records) = self.profiles(&actor.center_id, today).await?;
        let weights = self.dispatch_weights(&actor.center_id).await?;
        let mut w = self.begin_write().await?;
        let open = self.open_requests(&actor.center_id).await?;
        let by_id: HashMap<&str, &DispatchRequest> =
            open.iter().map(|(r, _, id)| (id.as_str(), r)).collect();
        let find = |id: &str| profiles.iter().find(|p| p.id.to_string() == id.trim());
        let mut errs = ValidationErrors::new();
        let mut planned: Vec<(&str, &DispatchRequest, Vec<(&CoordinatorProfile, Side)>)> =
            Vec::new();
        let mut used: HashMap<String, u32> = HashMap::new();
        for pick in picks {
            let field = format!("line.{}", pick.request_id);
            let wanted: Vec<(Side, &str)> = [
                (Side::Medical, pick.medical.as_str()),
                (Side::Welfare, pick.welfare.as_str()),
            ]
            .into_iter()
            .filter(|(_, id)| !id.trim().is_empty())
            .collect();
            if wanted.is_empty() {
                continue;
            }
            let Some(req) = by_id.get(pick.request_id.as_str()).copied() else {
                errs.push(FieldError::new(
                    &field,
                    "not_open",
                    "この依頼は既に打診済みか、見つかりません",
                    "This request is no longer open or was not found.",
                ));
                continue;
            };
            let needed: Vec<Side> = match req.sides.single() {
                Some(s) => vec![s],
                None => vec![Side::Medical, Side::Welfare],
            };
            if wanted.iter().map(|(s, _)| *s).collect::<Vec<_>>() != needed {
                errs.push(FieldError::new(
                    &field,
                    "sides",
                    "必要な職種の人を選んでください（両方必要な依頼は医療と福祉の2人）",
                    "Choose the side(s) the request needs (two people for both).",
                ));
                continue;
            }
            if wanted.len() == 2 && wanted[0].1.trim() == wanted[1].1.trim() {
                errs.push(FieldError::new(
                    &field,
                    "same_person",
                    "医療と福祉には別の人を選んでください",
                    "Choose two different people.",
                ));
                continue;
            }
            let mut people = Vec::new();
            for (side, id) in wanted {
                let Some(p) = find(id) else {
                    errs.push(FieldError::new(
                        &field,
                        "unknown_coordinator",
                        "名簿にないコーディネーターです",
                        "No such coordinator on the roster.",
                    ));
                    continue;
                };
                let mut one = req.clone();
                one.sides = if side == Side::Medical {
                    SidesNeeded::Medical
                } else {
                    SidesNeeded::Welfare
                };
                let rules = dispatch::exclusions(&one, p, today);
                if let Some(rule) = rules.first() {
                    let n = records
                        .get(&p.id.to_string())
                        .map(|r| r.name.as_str())
                        .unwrap_or("");
                    errs.push(FieldError::new(
                        &field,
                        "hard_rule",
                        format!("{n}さんには派遣できません: {}", rule.message(Lang::Ja)),
                        format!("{n} cannot be dispatched: {}", rule.message(Lang::En)),
                    ));
                    continue;
                }
                *used.entry(p.id.to_string()).or_default() += 1;
                people.push((p, side));
            }
            planned.push((pick.request_id.as_str(), req, people));
        }
        for (id, n) in &used {
            if let Some(p) = find(id) {
                if *n > p.remaining_capacity() {
                    let name = records.get(id).map(|r| r.name.as_str()).unwrap_or("");
                    errs.push(FieldError::new(
                        "batch",
                        "capacity",
                        format!(
                            "{name}さんに{n}件割り当てていますが、空きは{}件です",
                            p.remaining_capacity()
                        ),
                        format!(
                            "{name} is given {n} requests but has room for {}.",
                            p.remaining_capacity()
                        ),
                    ));
                }
            }
        }
        errs.into_result()?;
        let mut count = 0;
        for (request_id, req, people) in &planned {
            // Another advisor may have proposed it since the page was built.
            let still_open: Option<String> = sqlx::query_scalar(
                "SELECT id FROM dispatch_requests WHERE id = $1 AND status = 'open'",
            )
            .bind(*request_id)
            .fetch_optional(&mut *w.tx)
            .await?;
            if still_open.is_none() {
                return Err(StoreError::Conflict(format!(
                    "request {request_id} was proposed by someone else meanwhile"
                )));
            }
            self.write_proposals(
                &mut w.tx,
                actor,
                request_id,
                req,
                people,
                &records,
                &weights,
                None,
                &[],
                today,
                now,
            )
            .await?;
            count += 1;
        }
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.batch",
                entity: "center",
                entity_id: Some(&actor.center_id),
                detail: format!("requests={count}"),
            },
        )
        .await?;
        w.commit().await?;
        Ok(count)
    }
}
