//! Consultations (相談): intake, list, edit, follow-ups.

mod edit;
mod intake;
mod list;
mod persons;
pub mod stats;

use serde::{Deserialize, Serialize};

use crate::{Actor, Result, StoreError};

pub use domain::consultation::{
    ConsultationDraft, ConsultationForm, CourseDraft, CourseForm, PersonDraft, PersonForm,
};
pub(crate) use persons::refresh_person_keys;

/// What [`Store::record_consultation_linked`] wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Recorded {
    /// The new consultation's id.
    pub id: String,
    /// The unregistered person it is about, if any.
    pub person_id: Option<String>,
    /// True when that person is an earlier record of the same person (same normalised name
    /// and reading in the center), not one created now.
    pub person_linked: bool,
}

/// An earlier unregistered person the intake offers as "the same person?".
#[derive(Clone, Debug, Serialize)]
pub struct PersonMatch {
    /// Person id.
    pub id: String,
    /// 氏名 as first recorded.
    pub name: String,
    /// フリガナ as first recorded.
    pub name_kana: Option<String>,
    /// Day (JST, YYYY-MM-DD) of the latest consultation about them in the actor's reach.
    pub last_on: Option<String>,
}

/// One consultation as listed and returned by the API.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Consultation {
    /// consultations.id
    pub id: String,
    /// UTC RFC 3339.
    pub occurred_at: String,
    /// Japan-time calendar date.
    pub occurred_on: String,
    /// Channel code.
    pub channel: String,
    /// Requester kind code.
    pub requester_kind: String,
    /// 相談者氏名.
    pub requester_name: Option<String>,
    /// 相談者の所属.
    pub requester_org: Option<String>,
    /// Child id, if about a registered child.
    pub child_id: Option<String>,
    /// Child's display name.
    pub child_name: Option<String>,
    /// Person id, if about an unregistered person.
    pub person_id: Option<String>,
    /// Person's display name ("匿名" rendered by the page when anonymous).
    pub person_name: Option<String>,
    /// Person is anonymous.
    pub person_anonymous: bool,
    /// Topic codes.
    pub topics: Vec<String>,
    /// 相談内容.
    pub summary: String,
    /// 対応.
    pub response: Option<String>,
    /// Staff user id.
    pub staff_id: String,
    /// Staff display name.
    pub staff_name: String,
    /// Minutes.
    pub duration_minutes: Option<i64>,
    /// Follow-up due date.
    pub followup_due: Option<String>,
    /// Follow-up assignee id.
    pub followup_assignee_id: Option<String>,
    /// Follow-up assignee name.
    pub followup_assignee_name: Option<String>,
    /// Follow-up completed at (UTC).
    pub followup_done_at: Option<String>,
    /// Optimistic-concurrency version: an edit names the version it was loaded at.
    pub version: i64,
}

/// Filters for the consultation list.
#[derive(utoipa::IntoParams, Clone, Debug, Default, Deserialize)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ConsultationQuery {
    /// From date (JST, inclusive).
    #[param(schema_with = domain::openapi::date_or_blank)]
    pub from: String,
    /// To date (JST, inclusive).
    #[param(schema_with = domain::openapi::date_or_blank)]
    pub to: String,
    /// Channel code.
    pub channel: String,
    /// Requester kind code.
    pub requester_kind: String,
    /// Topic code.
    pub topic: String,
    /// Staff user id.
    pub staff: String,
    /// Only consultations with an open follow-up.
    pub open_followups: bool,
    /// Only about this child.
    pub child_id: String,
    /// Keyset cursor ("occurred_at|id") of the last row of the previous page.
    pub before: String,
    /// Page size (default 50, max 200).
    #[param(schema_with = domain::openapi::limit)]
    pub limit: Option<i64>,
}

/// A page of consultations, newest first.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ConsultationPage {
    /// Rows.
    pub items: Vec<Consultation>,
    /// Cursor for the next (older) page.
    pub next: Option<String>,
}

/// `SELECT … FROM consultations k …` as [`ConsultationRow`]s; each row carries its topic
/// codes joined by commas, so a page of consultations is one query.
pub(super) fn select_sql(backend: crate::Backend) -> String {
    select_from_sql(backend, "consultations k")
}

/// [`select_sql`] reading `from`, a table expression that names the consultations `k`.
fn select_from_sql(backend: crate::Backend, from: &str) -> String {
    format!(
        "SELECT k.id, k.occurred_at, k.occurred_on, k.channel, k.requester_kind, k.requester_name, k.requester_org, \
         k.child_id, CASE WHEN c.id IS NULL THEN NULL ELSE c.family_name || ' ' || c.given_name END AS child_name, \
         k.person_id, p.name AS person_name, COALESCE(p.anonymous, 0) AS person_anonymous, \
         k.summary, k.response, k.staff_id, s.display_name AS staff_name, k.duration_minutes, k.followup_due, \
         k.followup_assignee_id, f.display_name AS followup_assignee_name, k.followup_done_at, k.version, \
         (SELECT {topics} FROM consultation_topics t WHERE t.consultation_id = k.id) AS topics \
         FROM {from} LEFT JOIN children c ON c.id = k.child_id LEFT JOIN persons p ON p.id = k.person_id \
         JOIN users s ON s.id = k.staff_id LEFT JOIN users f ON f.id = k.followup_assignee_id",
        topics = crate::db::dialect::string_agg_ordered(backend, "t.code", "','", "t.code"),
    )
}

/// One row of [`select_sql`], by column name.
#[derive(sqlx::FromRow)]
struct ConsultationRow {
    id: String,
    occurred_at: String,
    occurred_on: String,
    channel: String,
    requester_kind: String,
    requester_name: Option<String>,
    requester_org: Option<String>,
    child_id: Option<String>,
    child_name: Option<String>,
    person_id: Option<String>,
    person_name: Option<String>,
    person_anonymous: i64,
    summary: String,
    response: Option<String>,
    staff_id: String,
    staff_name: String,
    duration_minutes: Option<i64>,
    followup_due: Option<String>,
    followup_assignee_id: Option<String>,
    followup_assignee_name: Option<String>,
    followup_done_at: Option<String>,
    version: i64,
    /// Topic codes joined by commas.
    topics: Option<String>,
}

impl From<ConsultationRow> for Consultation {
    fn from(r: ConsultationRow) -> Consultation {
        Consultation {
            id: r.id,
            occurred_at: r.occurred_at,
            occurred_on: r.occurred_on,
            channel: r.channel,
            requester_kind: r.requester_kind,
            requester_name: r.requester_name,
            requester_org: r.requester_org,
            child_id: r.child_id,
            child_name: r.child_name,
            person_id: r.person_id,
            person_name: r.person_name,
            person_anonymous: r.person_anonymous != 0,
            topics: r
                .topics
                .map(|t| t.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            summary: r.summary,
            response: r.response,
            staff_id: r.staff_id,
            staff_name: r.staff_name,
            duration_minutes: r.duration_minutes,
            followup_due: r.followup_due,
            followup_assignee_id: r.followup_assignee_id,
            followup_assignee_name: r.followup_assignee_name,
            followup_done_at: r.followup_done_at,
            version: r.version,
        }
    }
}

/// Runs `{select_sql} {rest}` over `from` (see [`select_from_sql`]; `rest` is a
/// `WHERE … ORDER BY … LIMIT …` over the `$n` in `binds`) on the pool.
async fn fetch_consultations(
    store: &crate::Store,
    from: &str,
    rest: &str,
    binds: &[String],
) -> Result<Vec<Consultation>> {
    let sql = format!("{} {rest}", select_from_sql(store.backend(), from));
    let mut query = crate::db::query_as::<ConsultationRow>(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(store.pool()).await?;
    Ok(rows.into_iter().map(Consultation::from).collect())
}

/// Replace a consultation's topic rows with `topics`. Runs after the consultation row is
/// written in the same transaction: each topic row copies the consultation's center and time
/// (the columns of the list's topic index, migration 0024) from that row, so they cannot differ.
pub(super) async fn write_topics(
    tx: &mut crate::db::Conn,
    consultation_id: &str,
    topics: &[domain::vocab::VocabCode],
) -> Result<()> {
    crate::db::query("DELETE FROM consultation_topics WHERE consultation_id = $1")
        .bind(consultation_id)
        .execute(&mut *tx)
        .await?;
    for t in topics {
        crate::db::query(
            "INSERT INTO consultation_topics (consultation_id, code, center_id, occurred_at) \
             SELECT id, $2, center_id, occurred_at FROM consultations WHERE id = $1",
        )
        .bind(consultation_id)
        .bind(t.as_str())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// SQL restricting consultations (alias k, children alias c) to the actor's scope.
fn consultation_scope(actor: &Actor, binds: &mut Vec<String>) -> Result<String> {
    if !actor.reads_children() {
        return Err(StoreError::Forbidden);
    }
    binds.push(actor.center_id.clone());
    let center = binds.len();
    if actor.assigned_only() {
        binds.push(actor.user_id.clone());
        let me = binds.len();
        Ok(format!(
            "k.center_id = ${center} AND (k.staff_id = ${me} OR k.followup_assignee_id = ${me} OR EXISTS \
             (SELECT 1 FROM child_coordinators cc WHERE cc.child_id = k.child_id AND cc.user_id = ${me}))"
        ))
    } else {
        Ok(format!("k.center_id = ${center}"))
    }
}

/// One entry of a consultation's course (経過).
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct CourseEntry {
    /// consultation_course_entries.id
    pub id: String,
    /// The day it happened (YYYY-MM-DD, Japan time).
    pub entry_date: String,
    /// What happened.
    pub body: String,
    /// Author's user id.
    pub author_id: String,
    /// Author's display name.
    pub author_name: String,
    /// When it was written (UTC RFC 3339).
    pub created_at: String,
}

/// A consultation as opened on its page or through the API: the record (its follow-up
/// included) and its course.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ConsultationRecord {
    /// The consultation's fields, flattened into the JSON object.
    #[serde(flatten)]
    pub consultation: Consultation,
    /// 経過, oldest first.
    pub course: Vec<CourseEntry>,
}

/// The staff member a consultation is recorded for (the actor unless named) and its follow-up
/// assignee (the staff member when a due date is set and nobody is named).
fn staff_and_assignee(actor: &Actor, d: &ConsultationDraft) -> (String, Option<String>) {
    let staff = d
        .staff_id
        .map_or_else(|| actor.user_id.clone(), |s| s.to_string());
    let assignee = d
        .followup_assignee_id
        .map(|a| a.to_string())
        .or_else(|| d.followup_due.map(|_| staff.clone()));
    (staff, assignee)
}
