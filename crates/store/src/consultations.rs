//! Consultations (相談): intake, list, edit, follow-ups.

use chrono::TimeZone as _;
use chrono::{DateTime, NaiveDate, Utc};
use domain::kana::{normalize_for_search, KanaName};
use domain::text::{optional_line, optional_text, required_line};
use domain::vocab::{VocabCode, VocabKind};
use domain::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// The person a consultation is about when no child is registered (lightweight record).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
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
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ConsultationForm {
    /// When it happened: "YYYY-MM-DDTHH:MM" in Japan time or RFC 3339; empty = now.
    pub occurred_at: String,
    /// Channel code (電話, メール, …).
    pub channel: String,
    /// Requester kind code.
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
    pub topics: Vec<String>,
    /// 相談内容.
    pub summary: String,
    /// 対応・支援内容.
    pub response: String,
    /// Staff user id; empty = the current user.
    pub staff_id: String,
    /// 所要時間 (minutes).
    pub duration_minutes: Option<i64>,
    /// Follow-up due date (YYYY-MM-DD).
    pub followup_due: String,
    /// Follow-up assignee user id; empty = the staff member when a due date is set.
    pub followup_assignee_id: String,
}

struct ConsultationDraft {
    occurred_at: DateTime<Utc>,
    channel: VocabCode,
    requester_kind: VocabCode,
    requester_name: Option<String>,
    requester_org: Option<String>,
    child_id: Option<String>,
    person_id: Option<String>,
    person: Option<(Option<String>, Option<String>, bool)>,
    /// See [`PersonForm::distinct`].
    person_distinct: bool,
    topics: Vec<VocabCode>,
    summary: String,
    response: Option<String>,
    staff_id: Option<String>,
    duration_minutes: Option<i64>,
    followup_due: Option<NaiveDate>,
    followup_assignee_id: Option<String>,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl ConsultationForm {
    /// Every problem of the form itself, all at once (nothing is read or written). A form that
    /// also fails checks of its own (e.g. the intake page's "pick a child") reports these in
    /// the same answer instead of one round at a time.
    pub fn check(&self, now: DateTime<Utc>) -> std::result::Result<(), ValidationErrors> {
        self.parse(now).map(|_| ())
    }

    fn parse(
        &self,
        now: DateTime<Utc>,
    ) -> std::result::Result<ConsultationDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let occurred_at = if self.occurred_at.trim().is_empty() {
            Some(now)
        } else {
            e.check(domain::dates::parse_occurred_at(
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
            domain::text::MAX_NAME,
        ));
        let requester_org = e.check(optional_line(
            "requester_org",
            &self.requester_org,
            domain::text::MAX_LINE,
        ));
        let child_id = non_empty(&self.child_id);
        let person_id = non_empty(&self.person_id);
        let person_distinct = self.person.as_ref().is_some_and(|p| p.distinct);
        let person = match &self.person {
            Some(p) if p.anonymous => Some((None, None, true)),
            Some(p)
                if p != &PersonForm::default()
                    && p != &(PersonForm {
                        distinct: true,
                        ..Default::default()
                    }) =>
            {
                let name = e.check(required_line(
                    "person.name",
                    &p.name,
                    domain::text::MAX_NAME,
                ));
                let kana = if p.name_kana.trim().is_empty() {
                    Some(None)
                } else {
                    e.check(KanaName::parse("person.name_kana", &p.name_kana))
                        .map(|k| Some(k.as_str().to_string()))
                };
                match (name, kana) {
                    (Some(n), Some(k)) => Some((Some(n), k, false)),
                    _ => None,
                }
            }
            _ => None,
        };
        let subjects = usize::from(child_id.is_some())
            + usize::from(person_id.is_some())
            + usize::from(person.is_some());
        if subjects > 1 {
            e.push(FieldError::new(
                "child_id",
                "ambiguous_subject",
                "相談の対象は児童か登録外の人のどちらか一方にしてください",
                "Choose either a registered child or an unregistered person, not both",
            ));
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
            e.push(FieldError::new(
                "topics",
                "required",
                "相談内容の分類を1つ以上選んでください",
                "Choose at least one topic",
            ));
        }
        let summary = e.check(required_line_multi("summary", &self.summary));
        let response = e.check(optional_text(
            "response",
            &self.response,
            domain::text::MAX_TEXT,
        ));
        let duration_minutes = match self.duration_minutes {
            Some(m) if !(0..=24 * 60).contains(&m) => {
                e.push(FieldError::new(
                    "duration_minutes",
                    "out_of_range",
                    "所要時間は0〜1440分で入力してください",
                    "Duration must be between 0 and 1440 minutes",
                ));
                None
            }
            m => m,
        };
        let followup_due = if self.followup_due.trim().is_empty() {
            None
        } else {
            e.check(domain::dates::parse_date(
                "followup_due",
                &self.followup_due,
            ))
        };
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
                staff_id: non_empty(&self.staff_id),
                duration_minutes,
                followup_due,
                followup_assignee_id: non_empty(&self.followup_assignee_id),
            }),
            _ => Err(ValidationErrors(vec![FieldError::new(
                "form",
                "invalid",
                "入力内容を確認してください",
                "Please check the form",
            )])),
        }
    }
}

fn required_line_multi(field: &str, raw: &str) -> std::result::Result<String, FieldError> {
    match optional_text(field, raw, domain::text::MAX_TEXT)? {
        Some(s) => Ok(s),
        None => required_line(field, raw, domain::text::MAX_TEXT),
    }
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConsultationQuery {
    /// From date (JST, inclusive).
    pub from: String,
    /// To date (JST, inclusive).
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
    pub limit: Option<i64>,
}

/// A page of consultations, newest first.
#[derive(Clone, Debug, Serialize)]
pub struct ConsultationPage {
    /// Rows.
    pub items: Vec<Consultation>,
    /// Cursor for the next (older) page.
    pub next: Option<String>,
}

const SELECT: &str = "SELECT k.id, k.occurred_at, k.occurred_on, k.channel, k.requester_kind, k.requester_name, k.requester_org, \
    k.child_id, CASE WHEN c.id IS NULL THEN NULL ELSE c.family_name || ' ' || c.given_name END, k.person_id, p.name, COALESCE(p.anonymous, 0), \
    k.summary, k.response, k.staff_id, s.display_name, k.duration_minutes, k.followup_due, k.followup_assignee_id, f.display_name, k.followup_done_at, k.version \
    FROM consultations k LEFT JOIN children c ON c.id = k.child_id LEFT JOIN persons p ON p.id = k.person_id \
    JOIN users s ON s.id = k.staff_id LEFT JOIN users f ON f.id = k.followup_assignee_id";

fn row_to_consultation(r: &sqlx::any::AnyRow) -> Result<Consultation> {
    use sqlx::Row;
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
        person_anonymous: r.try_get::<i64, _>(11)? != 0,
        topics: Vec::new(),
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

/// The stored timestamp of 00:00 Japan time on `day`.
fn jst_day_start(day: chrono::NaiveDate) -> String {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    match domain::dates::jst().from_local_datetime(&midnight).single() {
        Some(t) => ts(t.with_timezone(&Utc)),
        None => ts(midnight.and_utc()),
    }
}

/// The search keys that make two unregistered persons one (name, reading): each normalised
/// ([`normalize_for_search`]: width, spaces, hiragana/katakana, variant kanji), the reading
/// empty when none was given.
fn person_keys(name: &str, kana: Option<&str>) -> (String, String) {
    (
        normalize_for_search(name),
        normalize_for_search(kana.unwrap_or_default()),
    )
}

/// Recomputes every named person's keys ([`person_keys`]) where they differ (start-up, see
/// `Store::ensure_search_keys`).
pub(crate) async fn refresh_person_keys(conn: &mut sqlx::AnyConnection) -> Result<()> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, name_kana, search_name, search_kana FROM persons WHERE anonymous = 0 AND name IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (id, name, kana, search_name, search_kana) in rows {
        let (n, k) = person_keys(&name, kana.as_deref());
        if (Some(&n), Some(&k)) != (search_name.as_ref(), search_kana.as_ref()) {
            sqlx::query("UPDATE persons SET search_name = $1, search_kana = $2 WHERE id = $3")
                .bind(n)
                .bind(k)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// The earliest named person of the center with these keys (one person is one person: a
/// later call about them links to the same record, so 実人数 counts them once).
async fn same_person_in(
    conn: &mut sqlx::AnyConnection,
    center_id: &str,
    keys: &(String, String),
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM persons WHERE center_id = $1 AND anonymous = 0 AND search_name = $2 AND search_kana = $3 \
         ORDER BY created_at, id LIMIT 1",
    )
    .bind(center_id)
    .bind(&keys.0)
    .bind(&keys.1)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The person a consultation is about (and whether an earlier person was linked): the
/// existing one it names; for an inline named person, the center's person with the same
/// normalised name and reading unless the form says it is a different one; otherwise one
/// created now (inside the caller's transaction, so two calls cannot both create it).
async fn subject_person(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &Actor,
    d: &ConsultationDraft,
    now: DateTime<Utc>,
) -> Result<(Option<String>, bool)> {
    Ok(match (&d.person_id, &d.person) {
        (Some(p), _) => (Some(p.clone()), false),
        (None, Some((name, kana, anonymous))) => {
            let keys = match name {
                Some(n) if !*anonymous => Some(person_keys(n, kana.as_deref())),
                _ => None,
            };
            if let Some(k) = keys.as_ref().filter(|_| !d.person_distinct) {
                if let Some(found) = same_person_in(tx, &actor.center_id, k).await? {
                    return Ok((Some(found), true));
                }
            }
            let pid = new_id();
            sqlx::query("INSERT INTO persons (id, center_id, name, name_kana, anonymous, created_at, search_name, search_kana) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)")
                .bind(&pid)
                .bind(&actor.center_id)
                .bind(name)
                .bind(kana)
                .bind(i64::from(*anonymous))
                .bind(ts(now))
                .bind(keys.as_ref().map(|k| k.0.clone()))
                .bind(keys.as_ref().map(|k| k.1.clone()))
                .execute(&mut **tx)
                .await?;
            (Some(pid), false)
        }
        (None, None) => (None, false),
    })
}

/// Version of a consultation the actor may see, by the same rules as the list
/// ([`consultation_scope`]): NotFound when missing or another center's, Forbidden when in the
/// actor's center but outside their scope (a coordinator's unassigned case).
async fn scoped_consultation_version(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    id: &str,
) -> Result<i64> {
    let mut binds = Vec::new();
    let scope = consultation_scope(actor, &mut binds)?;
    binds.push(id.to_string());
    let sql = format!(
        "SELECT k.version FROM consultations k WHERE {scope} AND k.id = ${}",
        binds.len()
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for b in &binds {
        query = query.bind(b);
    }
    if let Some(v) = query.fetch_optional(&mut *conn).await? {
        return Ok(v);
    }
    let in_center: Option<String> =
        sqlx::query_scalar("SELECT id FROM consultations WHERE id = $1 AND center_id = $2")
            .bind(id)
            .bind(&actor.center_id)
            .fetch_optional(&mut *conn)
            .await?;
    Err(if in_center.is_some() {
        StoreError::Forbidden
    } else {
        StoreError::NotFound
    })
}

/// One entry of a consultation's course (経過).
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CourseForm {
    /// YYYY-MM-DD, not after today.
    pub entry_date: String,
    /// What happened.
    pub body: String,
}

impl CourseForm {
    /// Every message names the field: the course form sits on a page full of other dates.
    fn parse(
        &self,
        today: NaiveDate,
    ) -> std::result::Result<(NaiveDate, String), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = if self.entry_date.trim().is_empty() {
            e.push(FieldError::new(
                "entry_date",
                "required",
                "経過の日付を入力してください",
                "Enter the date of the course entry.",
            ));
            None
        } else {
            match domain::dates::parse_date("entry_date", &self.entry_date) {
                Ok(d) if d > today => {
                    e.push(FieldError::new(
                        "entry_date",
                        "future_date",
                        "経過の日付に未来の日付は入力できません",
                        "The date of the course entry cannot be in the future.",
                    ));
                    None
                }
                Ok(d) => Some(d),
                Err(err) => {
                    e.push(FieldError::new(
                        "entry_date",
                        err.code,
                        "経過の日付は「2026-11-20」の形式で、実在する日付を入力してください",
                        "The date of the course entry must be a real date like 2026-11-20.",
                    ));
                    None
                }
            }
        };
        let body = match optional_text("body", &self.body, domain::text::MAX_TEXT) {
            Ok(Some(b)) => Some(b),
            Ok(None) => {
                e.push(FieldError::new(
                    "body",
                    "required",
                    "経過の内容を入力してください",
                    "Enter what happened (course entry).",
                ));
                None
            }
            Err(err) => {
                e.push(FieldError::new(
                    "body",
                    err.code,
                    format!("経過の内容: {}", err.ja),
                    format!("Course entry: {}", err.en),
                ));
                None
            }
        };
        e.into_result()?;
        match (date, body) {
            (Some(d), Some(b)) => Ok((d, b)),
            _ => Err(ValidationErrors(vec![FieldError::new(
                "form",
                "invalid",
                "入力内容を確認してください",
                "Please check the form",
            )])),
        }
    }
}

/// A consultation as opened on its page or through the API: the record (its follow-up
/// included) and its course.
#[derive(Clone, Debug, Serialize)]
pub struct ConsultationRecord {
    /// The consultation's fields, flattened into the JSON object.
    #[serde(flatten)]
    pub consultation: Consultation,
    /// 経過, oldest first.
    pub course: Vec<CourseEntry>,
}

impl Store {
    /// Record a consultation (the intake form's one submit). Creates the lightweight person
    /// record when one is given inline, all in one transaction. Returns the new id.
    pub async fn record_consultation(
        &self,
        actor: &Actor,
        form: &ConsultationForm,
        now: DateTime<Utc>,
    ) -> Result<String> {
        Ok(self.record_consultation_linked(actor, form, now).await?.id)
    }

    /// [`Store::record_consultation`], also saying whether an inline unregistered person was
    /// linked to an earlier record of the same person (same normalised name and reading in
    /// the center) instead of creating a new one.
    pub async fn record_consultation_linked(
        &self,
        actor: &Actor,
        form: &ConsultationForm,
        now: DateTime<Utc>,
    ) -> Result<Recorded> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let d = form.parse(now)?;
        let mut w = self.begin_write().await?;
        let municipality = self.check_consultation_refs(&mut w.tx, actor, &d).await?;
        let (person_id, person_linked) = subject_person(&mut w.tx, actor, &d, now).await?;
        let id = new_id();
        let staff = d.staff_id.clone().unwrap_or_else(|| actor.user_id.clone());
        let assignee = d
            .followup_assignee_id
            .clone()
            .or_else(|| d.followup_due.map(|_| staff.clone()));
        sqlx::query(
            "INSERT INTO consultations (id, center_id, occurred_at, occurred_on, channel, requester_kind, requester_name, requester_org, \
             child_id, person_id, summary, response, staff_id, duration_minutes, followup_due, followup_assignee_id, municipality_code, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$18)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(ts(d.occurred_at))
        .bind(d.occurred_at.with_timezone(&domain::dates::jst()).date_naive().to_string())
        .bind(d.channel.as_str())
        .bind(d.requester_kind.as_str())
        .bind(&d.requester_name)
        .bind(&d.requester_org)
        .bind(&d.child_id)
        .bind(&person_id)
        .bind(&d.summary)
        .bind(&d.response)
        .bind(&staff)
        .bind(d.duration_minutes)
        .bind(d.followup_due.map(|x| x.to_string()))
        .bind(&assignee)
        .bind(&municipality)
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await?;
        for t in &d.topics {
            sqlx::query("INSERT INTO consultation_topics (consultation_id, code) VALUES ($1,$2)")
                .bind(&id)
                .bind(t.as_str())
                .execute(&mut *w.tx)
                .await?;
        }
        crate::stats::apply(&mut w.tx, &id, 1).await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.create",
                entity: "consultation",
                entity_id: Some(&id),
                detail: match (&d.child_id, &person_id) {
                    (Some(c), _) => format!("child={c}"),
                    (None, Some(p)) if person_linked => format!("person={p} linked"),
                    _ => String::new(),
                },
            },
        )
        .await?;
        w.commit().await?;
        Ok(Recorded {
            id,
            person_id,
            person_linked,
        })
    }

    /// Check the child, person and staff a consultation refers to are in the actor's reach;
    /// returns the child's municipality (copied onto the consultation for area figures).
    async fn check_consultation_refs(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        actor: &Actor,
        d: &ConsultationDraft,
    ) -> Result<Option<String>> {
        let mut errs = ValidationErrors::new();
        let mut municipality = None;
        if let Some(child) = &d.child_id {
            let row: Option<(String, String)> =
                sqlx::query_as("SELECT center_id, municipality_code FROM children WHERE id = $1")
                    .bind(child)
                    .fetch_optional(&mut **tx)
                    .await?;
            match row {
                Some((center, m)) if center == actor.center_id => {
                    if actor.assigned_only() {
                        let ok: Option<String> = sqlx::query_scalar("SELECT child_id FROM child_coordinators WHERE child_id = $1 AND user_id = $2")
                            .bind(child)
                            .bind(&actor.user_id)
                            .fetch_optional(&mut **tx)
                            .await?;
                        if ok.is_none() {
                            return Err(StoreError::Forbidden);
                        }
                    }
                    municipality = Some(m);
                }
                _ => errs.push(FieldError::new(
                    "child_id",
                    "unknown_child",
                    "その児童は登録されていません",
                    "No such child",
                )),
            }
        }
        if let Some(p) = &d.person_id {
            let found: Option<String> =
                sqlx::query_scalar("SELECT id FROM persons WHERE id = $1 AND center_id = $2")
                    .bind(p)
                    .bind(&actor.center_id)
                    .fetch_optional(&mut **tx)
                    .await?;
            if found.is_none() {
                errs.push(FieldError::new(
                    "person_id",
                    "unknown_person",
                    "その相談対象者は登録されていません",
                    "No such person",
                ));
            }
        }
        for (field, uid) in [
            ("staff_id", &d.staff_id),
            ("followup_assignee_id", &d.followup_assignee_id),
        ] {
            if let Some(uid) = uid {
                let found: Option<String> =
                    sqlx::query_scalar("SELECT id FROM users WHERE id = $1 AND center_id = $2")
                        .bind(uid)
                        .bind(&actor.center_id)
                        .fetch_optional(&mut **tx)
                        .await?;
                if found.is_none() {
                    errs.push(FieldError::new(
                        field,
                        "unknown_user",
                        "その職員は登録されていません",
                        "No such staff member",
                    ));
                }
            }
        }
        errs.into_result()?;
        Ok(municipality)
    }

    /// List consultations visible to the actor, newest first, keyset-paginated.
    pub async fn list_consultations(
        &self,
        actor: &Actor,
        q: &ConsultationQuery,
    ) -> Result<ConsultationPage> {
        let mut binds = Vec::new();
        let scope = consultation_scope(actor, &mut binds)?;
        let mut sql = format!("{SELECT} WHERE {scope}");
        let mut errs = ValidationErrors::new();
        let cond = |sql: &mut String, binds: &mut Vec<String>, template: &str, v: String| {
            binds.push(v);
            sql.push_str(&template.replace("$?", &format!("${}", binds.len())));
        };
        // Japan-time days become UTC instants, so the (center, occurred_at) index both bounds
        // the period and yields rows newest first: the page stops after `limit` matches
        // instead of sorting the whole period.
        if !q.from.trim().is_empty() {
            if let Some(d) = errs.check(domain::dates::parse_date("from", &q.from)) {
                cond(
                    &mut sql,
                    &mut binds,
                    " AND k.occurred_at >= $?",
                    jst_day_start(d),
                );
            }
        }
        if !q.to.trim().is_empty() {
            if let Some(d) = errs.check(domain::dates::parse_date("to", &q.to)) {
                let next = d.succ_opt().unwrap_or(d);
                cond(
                    &mut sql,
                    &mut binds,
                    " AND k.occurred_at < $?",
                    jst_day_start(next),
                );
            }
        }
        if !q.channel.trim().is_empty() {
            cond(
                &mut sql,
                &mut binds,
                " AND k.channel = $?",
                q.channel.trim().to_string(),
            );
        }
        if !q.requester_kind.trim().is_empty() {
            cond(
                &mut sql,
                &mut binds,
                " AND k.requester_kind = $?",
                q.requester_kind.trim().to_string(),
            );
        }
        if !q.topic.trim().is_empty() {
            cond(&mut sql, &mut binds, " AND EXISTS (SELECT 1 FROM consultation_topics t WHERE t.consultation_id = k.id AND t.code = $?)", q.topic.trim().to_string());
        }
        if !q.staff.trim().is_empty() {
            cond(
                &mut sql,
                &mut binds,
                " AND k.staff_id = $?",
                q.staff.trim().to_string(),
            );
        }
        if !q.child_id.trim().is_empty() {
            cond(
                &mut sql,
                &mut binds,
                " AND k.child_id = $?",
                q.child_id.trim().to_string(),
            );
        }
        if q.open_followups {
            sql.push_str(" AND k.followup_due IS NOT NULL AND k.followup_done_at IS NULL");
        }
        errs.into_result()?;
        if let Some((at, id)) = q.before.split_once('|') {
            binds.push(at.to_string());
            let a = binds.len();
            binds.push(id.to_string());
            let b = binds.len();
            sql.push_str(&format!(
                " AND (k.occurred_at < ${a} OR (k.occurred_at = ${a} AND k.id < ${b}))"
            ));
        }
        let limit = q.limit.unwrap_or(50).clamp(1, 200);
        sql.push_str(&format!(
            " ORDER BY k.occurred_at DESC, k.id DESC LIMIT {}",
            limit + 1
        ));
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mut items = rows
            .iter()
            .map(row_to_consultation)
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|c| format!("{}|{}", c.occurred_at, c.id))
        } else {
            None
        };
        self.attach_topics(&mut items).await?;
        Ok(ConsultationPage { items, next })
    }

    async fn attach_topics(&self, items: &mut [Consultation]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        // One query for the whole page instead of one per row.
        let sql = format!(
            "SELECT consultation_id, code FROM consultation_topics WHERE consultation_id IN ({}) ORDER BY code",
            crate::placeholders(1, items.len())
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for c in items.iter() {
            query = query.bind(&c.id);
        }
        for (cid, code) in query.fetch_all(self.pool()).await? {
            if let Some(c) = items.iter_mut().find(|c| c.id == cid) {
                c.topics.push(code);
            }
        }
        Ok(())
    }

    /// One consultation, if visible to the actor.
    pub async fn get_consultation(&self, actor: &Actor, id: &str) -> Result<Consultation> {
        let mut binds = Vec::new();
        let scope = consultation_scope(actor, &mut binds)?;
        binds.push(id.to_string());
        let sql = format!("{SELECT} WHERE {scope} AND k.id = ${}", binds.len());
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let row = query
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut items = vec![row_to_consultation(&row)?];
        self.attach_topics(&mut items).await?;
        items.pop().ok_or(StoreError::NotFound)
    }

    /// The stored consultation in form shape (for PATCH: overlay changed keys, re-parse).
    pub fn consultation_form(c: &Consultation) -> ConsultationForm {
        ConsultationForm {
            occurred_at: c.occurred_at.clone(),
            channel: c.channel.clone(),
            requester_kind: c.requester_kind.clone(),
            requester_name: c.requester_name.clone().unwrap_or_default(),
            requester_org: c.requester_org.clone().unwrap_or_default(),
            child_id: c.child_id.clone().unwrap_or_default(),
            person_id: c.person_id.clone().unwrap_or_default(),
            person: None,
            topics: c.topics.clone(),
            summary: c.summary.clone(),
            response: c.response.clone().unwrap_or_default(),
            staff_id: c.staff_id.clone(),
            duration_minutes: c.duration_minutes,
            followup_due: c.followup_due.clone().unwrap_or_default(),
            followup_assignee_id: c.followup_assignee_id.clone().unwrap_or_default(),
        }
    }

    /// Replace a consultation's fields (the edit page, and the API's PATCH after merging).
    /// `expected_version` guards against overwriting a change made by someone else since the
    /// form was loaded; the statistics aggregates move with the record (old contribution out,
    /// new one in) in the same transaction.
    pub async fn update_consultation(
        &self,
        actor: &Actor,
        id: &str,
        form: &ConsultationForm,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut w = self.begin_write().await?;
        // Scope before validation: an out-of-scope caller learns nothing about the record.
        let version = scoped_consultation_version(&mut w.tx, actor, id).await?;
        let d = form.parse(now)?;
        if expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::Conflict(
                "the consultation was changed by someone else".into(),
            ));
        }
        let municipality = self.check_consultation_refs(&mut w.tx, actor, &d).await?;
        let (person_id, _) = subject_person(&mut w.tx, actor, &d, now).await?;
        let staff = d.staff_id.clone().unwrap_or_else(|| actor.user_id.clone());
        let assignee = d
            .followup_assignee_id
            .clone()
            .or_else(|| d.followup_due.map(|_| staff.clone()));
        crate::stats::apply(&mut w.tx, id, -1).await?;
        // Guarded by the version read above: on PostgreSQL a concurrent edit that committed
        // meanwhile leaves no row to update, so neither the record nor the aggregates (whose
        // old contribution was read above) can be overwritten from a stale read.
        let updated = sqlx::query(
            "UPDATE consultations SET occurred_at=$1, occurred_on=$2, channel=$3, requester_kind=$4, requester_name=$5, requester_org=$6, \
             child_id=$7, person_id=$8, summary=$9, response=$10, staff_id=$11, duration_minutes=$12, followup_due=$13, followup_assignee_id=$14, \
             municipality_code=$15, updated_at=$16, version=version+1 WHERE id=$17 AND version=$18",
        )
        .bind(ts(d.occurred_at))
        .bind(d.occurred_at.with_timezone(&domain::dates::jst()).date_naive().to_string())
        .bind(d.channel.as_str())
        .bind(d.requester_kind.as_str())
        .bind(&d.requester_name)
        .bind(&d.requester_org)
        .bind(&d.child_id)
        .bind(&person_id)
        .bind(&d.summary)
        .bind(&d.response)
        .bind(&staff)
        .bind(d.duration_minutes)
        .bind(d.followup_due.map(|x| x.to_string()))
        .bind(&assignee)
        .bind(&municipality)
        .bind(ts(now))
        .bind(id)
        .bind(version)
        .execute(&mut *w.tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "the consultation was changed by someone else".into(),
            ));
        }
        sqlx::query("DELETE FROM consultation_topics WHERE consultation_id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        for t in &d.topics {
            sqlx::query("INSERT INTO consultation_topics (consultation_id, code) VALUES ($1,$2)")
                .bind(id)
                .bind(t.as_str())
                .execute(&mut *w.tx)
                .await?;
        }
        crate::stats::apply(&mut w.tx, id, 1).await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.update",
                entity: "consultation",
                entity_id: Some(id),
                detail: format!("version={}", version + 1),
            },
        )
        .await?;
        w.commit().await
    }

    /// Open a consultation: the record, its follow-up and its course. Every view is audited
    /// (`consultation.view`) and the record is released only once that row is durable; a
    /// coordinator opening a consultation of their center outside their scope gets
    /// [`StoreError::Forbidden`] and the attempt is audited (`consultation.view.denied`).
    pub async fn view_consultation(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<ConsultationRecord> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        // Read on the pool (concurrently with other readers), like view_child.
        let mut conn = self.pool().acquire().await?;
        match scoped_consultation_version(&mut conn, actor, id).await {
            Ok(_) => {}
            Err(StoreError::Forbidden) => {
                drop(conn);
                self.audit_event(
                    Some(actor),
                    now,
                    AuditEntry {
                        action: "consultation.view.denied",
                        entity: "consultation",
                        entity_id: Some(id),
                        detail: "outside scope".into(),
                    },
                )
                .await?;
                return Err(StoreError::Forbidden);
            }
            Err(e) => return Err(e),
        }
        let course = course_entries(&mut conn, id).await?;
        drop(conn);
        let consultation = self.get_consultation(actor, id).await?;
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.view",
                entity: "consultation",
                entity_id: Some(id),
                detail: String::new(),
            },
        )
        .await?;
        Ok(ConsultationRecord {
            consultation,
            course,
        })
    }

    /// Add a dated entry to a consultation's course (経過). Entries are never edited: the
    /// course reads as it was written. Returns the entry's id.
    pub async fn add_course_entry(
        &self,
        actor: &Actor,
        id: &str,
        form: &CourseForm,
        now: DateTime<Utc>,
    ) -> Result<String> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let today = domain::dates::jst_date(now);
        let mut w = self.begin_write().await?;
        // Scope before validation: an out-of-scope caller learns nothing about the record.
        scoped_consultation_version(&mut w.tx, actor, id).await?;
        let (date, body) = form.parse(today)?;
        let entry = new_id();
        sqlx::query(
            "INSERT INTO consultation_course_entries (id, consultation_id, entry_date, body, author_id, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(&entry)
        .bind(id)
        .bind(date.to_string())
        .bind(&body)
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.course_add",
                entity: "consultation",
                entity_id: Some(id),
                detail: format!("entry={entry} date={date}"),
            },
        )
        .await?;
        w.commit().await?;
        Ok(entry)
    }

    /// Mark a consultation's follow-up done (idempotent: a second call changes nothing).
    pub async fn complete_followup(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let c = self.get_consultation(actor, id).await?;
        if c.followup_due.is_none() {
            return Err(FieldError::new(
                "followup",
                "no_followup",
                "この相談にはフォローアップがありません",
                "This consultation has no follow-up",
            )
            .into());
        }
        if c.followup_done_at.is_some() {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE consultations SET followup_done_at = $1, updated_at = $1 WHERE id = $2 AND followup_done_at IS NULL")
            .bind(ts(now))
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.followup_done",
                entity: "consultation",
                entity_id: Some(id),
                detail: String::new(),
            },
        )
        .await?;
        w.commit().await
    }

    /// The actor's open follow-ups due on or before `today` (overdue first).
    pub async fn my_due_followups(
        &self,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<Vec<Consultation>> {
        let mut binds = Vec::new();
        let scope = consultation_scope(actor, &mut binds)?;
        binds.push(actor.user_id.clone());
        let me = binds.len();
        binds.push(today.to_string());
        let day = binds.len();
        let sql = format!(
            "{SELECT} WHERE {scope} AND k.followup_assignee_id = ${me} AND k.followup_done_at IS NULL AND k.followup_due <= ${day} \
             ORDER BY k.followup_due, k.id LIMIT 100"
        );
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mut items = rows
            .iter()
            .map(row_to_consultation)
            .collect::<Result<Vec<_>>>()?;
        self.attach_topics(&mut items).await?;
        Ok(items)
    }

    /// The center's earlier unregistered person with the same normalised name and reading, if
    /// any (the intake's 「同じ方ですか？」). The caller audits the read before showing it.
    pub async fn same_person(
        &self,
        actor: &Actor,
        name: &str,
        kana: &str,
    ) -> Result<Option<PersonMatch>> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        if name.trim().is_empty() {
            return Ok(None);
        }
        // A reading that is not kana cannot be stored, so nothing has it.
        let kana = if kana.trim().is_empty() {
            None
        } else {
            match KanaName::parse("person.name_kana", kana) {
                Ok(k) => Some(k.as_str().to_string()),
                Err(_) => return Ok(None),
            }
        };
        let keys = person_keys(name, kana.as_deref());
        let mut conn = self.pool().acquire().await?;
        let Some(id) = same_person_in(&mut conn, &actor.center_id, &keys).await? else {
            return Ok(None);
        };
        let mut binds = vec![id.clone()];
        let scope = consultation_scope(actor, &mut binds)?;
        let sql = format!(
            "SELECT p.name, p.name_kana, (SELECT MAX(k.occurred_on) FROM consultations k WHERE k.person_id = p.id AND {scope}) \
             FROM persons p WHERE p.id = $1"
        );
        let mut q = sqlx::query_as::<_, (Option<String>, Option<String>, Option<String>)>(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let row = q.fetch_optional(&mut *conn).await?;
        Ok(row.map(|(name, name_kana, last_on)| PersonMatch {
            id,
            name: name.unwrap_or_default(),
            name_kana,
            last_on,
        }))
    }

    /// Search unregistered persons by name/kana for the intake form.
    pub async fn search_persons(&self, actor: &Actor, q: &str) -> Result<Vec<(String, String)>> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        let key = q.trim();
        if key.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(
            "SELECT id, name FROM persons WHERE center_id = $1 AND anonymous = 0 AND (name LIKE $2 OR name_kana LIKE $2) ORDER BY name LIMIT 10",
        )
        .bind(&actor.center_id)
        .bind(format!("{key}%"))
        .fetch_all(self.pool())
        .await?)
    }
}

/// A consultation's course entries, oldest first (same day: in the order written).
async fn course_entries(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Vec<CourseEntry>> {
    let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT e.id, e.entry_date, e.body, e.author_id, u.display_name, e.created_at \
         FROM consultation_course_entries e JOIN users u ON u.id = e.author_id \
         WHERE e.consultation_id = $1 ORDER BY e.entry_date, e.created_at, e.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, entry_date, body, author_id, author_name, created_at)| CourseEntry {
                id,
                entry_date,
                body,
                author_id,
                author_name,
                created_at,
            },
        )
        .collect())
}
