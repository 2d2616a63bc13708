//! Consultations (相談): intake, list, edit, follow-ups.

mod edit;
mod intake;
mod list;
mod persons;
pub mod stats;

use serde::{Deserialize, Serialize};

use crate::{Actor, Result, StoreError};

pub(crate) use persons::refresh_person_keys;

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
    #[schema(schema_with = domain::openapi::channel_code, required = true)]
    pub channel: String,
    /// Requester kind code.
    #[schema(schema_with = domain::openapi::requester_kind_code, required = true)]
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
    #[schema(schema_with = domain::openapi::topic_codes, required = true)]
    pub topics: Vec<String>,
    /// 相談内容.
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
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
    #[schema(schema_with = domain::openapi::date_or_blank)]
    pub followup_due: String,
    /// Follow-up assignee user id; empty = the staff member when a due date is set.
    pub followup_assignee_id: String,
}

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

/// `SELECT … FROM consultations k …` for [`row_to_consultation`]; each row carries its topic
/// codes joined by commas, so a page of consultations is one query.
pub(super) fn select_sql(backend: crate::Backend) -> String {
    select_from_sql(backend, "consultations k")
}

/// [`select_sql`] reading `from`, a table expression that names the consultations `k`.
fn select_from_sql(backend: crate::Backend, from: &str) -> String {
    format!(
        "SELECT k.id, k.occurred_at, k.occurred_on, k.channel, k.requester_kind, k.requester_name, k.requester_org, \
         k.child_id, CASE WHEN c.id IS NULL THEN NULL ELSE c.family_name || ' ' || c.given_name END, k.person_id, p.name, COALESCE(p.anonymous, 0), \
         k.summary, k.response, k.staff_id, s.display_name, k.duration_minutes, k.followup_due, k.followup_assignee_id, f.display_name, k.followup_done_at, k.version, \
         (SELECT {topics} FROM consultation_topics t WHERE t.consultation_id = k.id) \
         FROM {from} LEFT JOIN children c ON c.id = k.child_id LEFT JOIN persons p ON p.id = k.person_id \
         JOIN users s ON s.id = k.staff_id LEFT JOIN users f ON f.id = k.followup_assignee_id",
        topics = crate::db::dialect::string_agg_ordered(backend, "t.code", "','", "t.code"),
    )
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
    let mut query = crate::db::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(store.pool()).await?;
    rows.iter().map(row_to_consultation).collect()
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

fn row_to_consultation(r: &crate::db::Row) -> Result<Consultation> {
    Ok(Consultation {
        id: r.try_get(0)?,
        occurred_at: r.try_get(1)?,
        occurred_on: r.try_get(2)?,
        channel: r.try_get(3)?,
        requester_kind: r.try_get(4)?,
        requester_name: r.try_get(5)?,
        requester_org: r.try_get(6)?,
        child_id: r.try_get(7)?,
        child_name: r.try_get(8)?,
        person_id: r.try_get(9)?,
        person_name: r.try_get(10)?,
        person_anonymous: r.try_get::<i64>(11)? != 0,
        topics: r
            .try_get::<Option<String>>(22)?
            .map(|t| t.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        summary: r.try_get(12)?,
        response: r.try_get(13)?,
        staff_id: r.try_get(14)?,
        staff_name: r.try_get(15)?,
        duration_minutes: r.try_get(16)?,
        followup_due: r.try_get(17)?,
        followup_assignee_id: r.try_get(18)?,
        followup_assignee_name: r.try_get(19)?,
        followup_done_at: r.try_get(20)?,
        version: r.try_get(21)?,
    })
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
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub body: String,
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
