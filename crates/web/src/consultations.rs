//! A consultation's own page (相談記録): the record with its follow-up and course (経過), the
//! edit form (the intake's fields and parsing) with its version check, the conflict page shown
//! when someone else saved first, and the API for course entries. Every read goes through
//! `Store::view_consultation`, which audits it before the record is released.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use axum_extra::extract::{Form, Query};
use domain::vocab::VocabKind;
use domain::ValidationErrors;
use serde::Deserialize;
use store::consultations::{Consultation, ConsultationQuery, ConsultationRecord, CourseForm};
use store::{StoreError, Via};

use crate::auth::Authed;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::shared::{child_hits, ChildHit, IntakeHtmlForm};
use crate::ui::{
    choices, page, page_status, query_string, safe_next, FormErrors, Layout, PageResult,
};
use crate::AppState;

/// A stored UTC timestamp as Japan time, "YYYY-MM-DD HH:MM".
fn jst_minutes(at: &str) -> String {
    store::parse_ts(at)
        .map(|t| {
            t.with_timezone(&domain::dates::jst())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn topic_labels(tr: Tr, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| tr.vocab(VocabKind::ConsultationTopic, c))
        .collect::<Vec<_>>()
        .join("、")
}

/// Who a stored consultation is about, as shown to people.
fn saved_subject(tr: Tr, c: &Consultation) -> String {
    if let Some(name) = &c.child_name {
        name.clone()
    } else if c.person_anonymous {
        tr.t("consultation.anonymous").to_string()
    } else if let Some(name) = &c.person_name {
        name.clone()
    } else {
        tr.t("consultation.nobody").to_string()
    }
}

// ---------------------------------------------------------------- the page

#[derive(Template)]
#[template(path = "consultation_show.html")]
struct ShowPage {
    l: Layout,
    r: ConsultationRecord,
    can_write: bool,
    course: CourseForm,
    errors: FormErrors,
    saved: bool,
}

impl ShowPage {
    fn c(&self) -> &Consultation {
        &self.r.consultation
    }
    fn when(&self) -> String {
        jst_minutes(&self.r.consultation.occurred_at)
    }
    fn written_at(&self, at: &str) -> String {
        jst_minutes(at)
    }
    fn channel(&self) -> String {
        self.l
            .tr
            .vocab(VocabKind::ConsultationChannel, &self.c().channel)
    }
    fn requester(&self) -> String {
        self.l
            .tr
            .vocab(VocabKind::RequesterKind, &self.c().requester_kind)
    }
    fn topic(&self, code: &str) -> String {
        self.l.tr.vocab(VocabKind::ConsultationTopic, code)
    }
    fn subject(&self) -> String {
        saved_subject(self.l.tr, self.c())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    saved: String,
}

async fn show_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    course: Option<CourseForm>,
    errors: FormErrors,
    saved: bool,
) -> Result<ShowPage, WebError> {
    let r = state.store.view_consultation(a.actor(), id, a.now).await?;
    let course = course.unwrap_or_else(|| CourseForm {
        entry_date: a.today().to_string(),
        body: String::new(),
    });
    Ok(ShowPage {
        l: Layout::for_user(a, &format!("/consultations/{}", r.consultation.id)),
        r,
        can_write: a.actor().writes_records(),
        course,
        errors,
        saved,
    })
}

/// GET /consultations/{id} — the record, its follow-up and its course (audited view).
pub async fn show(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    page(&show_page(&state, &a, &id, None, FormErrors::default(), q.saved == "1").await?)
}

/// POST /consultations/{id}/course — add a course entry; on bad input the page again with
/// the entry's errors (nothing written).
pub async fn course_add(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<CourseForm>,
) -> PageResult {
    let parsed = crate::shared::scope_before_errors(
        f.parse(a.today()).map_err(StoreError::Validation),
        state.store.check_consultation_writable(a.actor(), &id),
    )
    .await;
    let added = match parsed {
        Ok(entry) => {
            state
                .store
                .add_course_entry(a.actor(), &id, &entry, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(_) => Ok(Redirect::to(&format!("/consultations/{id}#course")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            page_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(&state, &a, &id, Some(f), errors, false).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- edit

#[derive(Template)]
#[template(path = "consultation_edit.html")]
struct EditPage {
    l: Layout,
    id: String,
    f: IntakeHtmlForm,
    errors: FormErrors,
    child_label: String,
    /// The unregistered person the record is about ("" when none): kept unless changed.
    person_label: String,
    channels: Vec<(String, String)>,
    requesters: Vec<(String, String)>,
    topics: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    results: Vec<ChildHit>,
    q: String,
}

impl EditPage {
    fn has_topic(&self, code: &str) -> bool {
        self.f.topics.iter().any(|t| t == code)
    }
}

/// The stored consultation in the intake form's shape, carrying its version.
fn form_of(c: &Consultation) -> IntakeHtmlForm {
    let occurred_at = store::parse_ts(&c.occurred_at)
        .map(|t| {
            t.with_timezone(&domain::dates::jst())
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let subject = if c.child_id.is_some() {
        "child"
    } else if c.person_id.is_some() {
        "existing"
    } else {
        ""
    };
    IntakeHtmlForm {
        occurred_at,
        channel: c.channel.clone(),
        requester_kind: c.requester_kind.clone(),
        requester_name: c.requester_name.clone().unwrap_or_default(),
        requester_org: c.requester_org.clone().unwrap_or_default(),
        subject: subject.into(),
        child_id: c.child_id.clone().unwrap_or_default(),
        person_id: c.person_id.clone().unwrap_or_default(),
        person_name: String::new(),
        person_kana: String::new(),
        person_distinct: String::new(),
        topics: c.topics.clone(),
        summary: c.summary.clone(),
        response: c.response.clone().unwrap_or_default(),
        staff_id: c.staff_id.clone(),
        duration_minutes: c
            .duration_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
        followup_due: c.followup_due.clone().unwrap_or_default(),
        followup_assignee_id: c.followup_assignee_id.clone().unwrap_or_default(),
        version: c.version.to_string(),
    }
}

/// Staff who may be named on a consultation; the record's own staff and assignee stay
/// choosable even if they no longer write records, so saving does not silently change them.
async fn staff_choices(
    state: &AppState,
    a: &Authed,
    saved: &Consultation,
) -> Result<Vec<(String, String)>, WebError> {
    let mut staff: Vec<(String, String)> = state
        .store
        .center_users(&a.actor().center_id)
        .await?
        .into_iter()
        .filter(|(_, _, r)| crate::access::WRITERS.contains(r))
        .map(|(id, name, _)| (id, name))
        .collect();
    let kept = [
        Some((saved.staff_id.clone(), saved.staff_name.clone())),
        saved
            .followup_assignee_id
            .clone()
            .zip(saved.followup_assignee_name.clone()),
    ];
    for (id, name) in kept.into_iter().flatten() {
        if !staff.iter().any(|(s, _)| *s == id) {
            staff.push((id, name));
        }
    }
    Ok(staff)
}

/// Label of the child a form names: the record's own child by its stored name, another one
/// through the scoped look-up the intake uses.
async fn child_label_of(
    state: &AppState,
    a: &Authed,
    child_id: &str,
    saved: &Consultation,
) -> Result<String, WebError> {
    if child_id.is_empty() {
        return Ok(String::new());
    }
    if saved.child_id.as_deref() == Some(child_id) {
        return Ok(saved.child_name.clone().unwrap_or_default());
    }
    Ok(state
        .store
        .child_brief(a.actor(), child_id, a.now)
        .await?
        .unwrap_or_default())
}

async fn edit_page_for(
    state: &AppState,
    a: &Authed,
    saved: &Consultation,
    f: IntakeHtmlForm,
    errors: FormErrors,
    q: String,
) -> Result<EditPage, WebError> {
    let lang = a.lang;
    let tr = Tr(lang);
    let child_label = child_label_of(state, a, &f.child_id, saved).await?;
    let person_label = match &saved.person_id {
        Some(_) if saved.person_anonymous => tr.t("consultation.anonymous").to_string(),
        Some(_) => saved.person_name.clone().unwrap_or_default(),
        None => String::new(),
    };
    let mut f = f;
    // The only person the edit form can keep is the record's own.
    f.person_id = saved.person_id.clone().unwrap_or_default();
    Ok(EditPage {
        l: Layout::for_user(a, &format!("/consultations/{}/edit", saved.id)),
        id: saved.id.clone(),
        child_label,
        person_label,
        channels: choices(VocabKind::ConsultationChannel, lang),
        requesters: choices(VocabKind::RequesterKind, lang),
        topics: choices(VocabKind::ConsultationTopic, lang),
        staff: staff_choices(state, a, saved).await?,
        results: child_hits(state, a, &q).await?,
        q,
        f,
        errors,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditQuery {
    q: String,
}

/// GET /consultations/{id}/edit — the intake's form filled from the record (audited view).
pub async fn edit(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<EditQuery>,
) -> PageResult {
    let r = state.store.view_consultation(a.actor(), &id, a.now).await?;
    let f = form_of(&r.consultation);
    page(&edit_page_for(&state, &a, &r.consultation, f, FormErrors::default(), q.q).await?)
}

/// The version a form says it was loaded at: none when absent (no check, as in the API).
fn form_version(raw: &str) -> Result<Option<i64>, ValidationErrors> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .map(Some)
        .map_err(|_| ValidationErrors(vec![domain::messages::consultation::form_version_invalid()]))
}

/// POST /consultations/{id} — save the edit if the record is still at the form's version;
/// otherwise a 409 page comparing the two, and nothing changes.
pub async fn update(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(h): Form<IntakeHtmlForm>,
) -> PageResult {
    let now = a.now;
    let result = match (form_version(&h.version), h.parse(now)) {
        (Ok(version), Ok(draft)) => {
            state
                .store
                .update_consultation(a.actor(), &id, &draft, version, now)
                .await
        }
        (Err(mut e), Err(more)) => {
            e.0.extend(more.0);
            Err(StoreError::Validation(e))
        }
        (Err(e), _) | (_, Err(e)) => Err(StoreError::Validation(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/consultations/{id}?saved=1")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let saved = state.store.view_consultation(a.actor(), &id, now).await?;
            let mut f = h;
            if form_version(&f.version).is_err() {
                f.version = saved.consultation.version.to_string();
            }
            let errors = FormErrors::from(&errs, a.lang);
            page_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &edit_page_for(&state, &a, &saved.consultation, f, errors, String::new()).await?,
            )
        }
        Err(StoreError::Conflict(_)) => {
            let saved = state.store.view_consultation(a.actor(), &id, now).await?;
            page_status(
                StatusCode::CONFLICT,
                &conflict_page(&state, &a, &saved.consultation, h).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- conflict

/// One field of the conflict page: what the user sent next to what is saved.
struct CompareRow {
    label: &'static str,
    mine: String,
    saved: String,
    differs: bool,
}

#[derive(Template)]
#[template(path = "consultation_conflict.html")]
struct ConflictPage {
    l: Layout,
    id: String,
    rows: Vec<CompareRow>,
    /// What the user sent, re-posted as is (with the saved version) if they choose to
    /// overwrite.
    mine: IntakeHtmlForm,
    saved_version: i64,
}

async fn conflict_page(
    state: &AppState,
    a: &Authed,
    saved: &Consultation,
    mine: IntakeHtmlForm,
) -> Result<ConflictPage, WebError> {
    let tr = Tr(a.lang);
    let staff = staff_choices(state, a, saved).await?;
    let staff_name = |id: &str| {
        staff
            .iter()
            .find(|(s, _)| s == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mine_subject = match mine.subject.as_str() {
        "child" => {
            let label = child_label_of(state, a, &mine.child_id, saved).await?;
            if label.is_empty() {
                mine.child_id.clone()
            } else {
                label
            }
        }
        "existing" if saved.person_id.as_deref() == Some(mine.person_id.as_str()) => {
            saved_subject(tr, saved)
        }
        "person" => format!("{} {}", mine.person_name, mine.person_kana)
            .trim()
            .to_string(),
        "anonymous" => tr.t("consultation.anonymous").to_string(),
        _ => tr.t("consultation.nobody").to_string(),
    };
    let mine_minutes = mine.occurred_at.replace('T', " ");
    let mut pairs: Vec<(&'static str, String, String)> = vec![
        (
            "consultation.occurred_at",
            mine_minutes,
            jst_minutes(&saved.occurred_at),
        ),
        (
            "consultation.channel",
            tr.vocab(VocabKind::ConsultationChannel, &mine.channel),
            tr.vocab(VocabKind::ConsultationChannel, &saved.channel),
        ),
        (
            "consultation.requester_kind",
            tr.vocab(VocabKind::RequesterKind, &mine.requester_kind),
            tr.vocab(VocabKind::RequesterKind, &saved.requester_kind),
        ),
        (
            "consultation.requester_name",
            mine.requester_name.trim().to_string(),
            saved.requester_name.clone().unwrap_or_default(),
        ),
        (
            "consultation.requester_org",
            mine.requester_org.trim().to_string(),
            saved.requester_org.clone().unwrap_or_default(),
        ),
        (
            "consultation.subject",
            mine_subject,
            saved_subject(tr, saved),
        ),
    ];
    let mut mine_topics: Vec<String> = mine
        .topics
        .iter()
        .filter(|t| !t.trim().is_empty())
        .cloned()
        .collect();
    mine_topics.sort();
    mine_topics.dedup();
    pairs.extend([
        (
            "consultation.topics",
            topic_labels(tr, &mine_topics),
            topic_labels(tr, &saved.topics),
        ),
        (
            "consultation.summary",
            mine.summary.trim().to_string(),
            saved.summary.clone(),
        ),
        (
            "consultation.response",
            mine.response.trim().to_string(),
            saved.response.clone().unwrap_or_default(),
        ),
        (
            "consultation.staff",
            staff_name(&mine.staff_id),
            saved.staff_name.clone(),
        ),
        (
            "consultation.duration",
            mine.duration_minutes.trim().to_string(),
            saved
                .duration_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
        ),
        (
            "consultation.followup_due",
            mine.followup_due.trim().to_string(),
            saved.followup_due.clone().unwrap_or_default(),
        ),
        (
            "consultation.followup_assignee",
            if mine.followup_assignee_id.is_empty() {
                String::new()
            } else {
                staff_name(&mine.followup_assignee_id)
            },
            saved.followup_assignee_name.clone().unwrap_or_default(),
        ),
    ]);
    let rows = pairs
        .into_iter()
        .map(|(key, mine, saved)| CompareRow {
            label: tr.t(key),
            differs: mine.replace("\r\n", "\n") != saved,
            mine,
            saved,
        })
        .collect();
    Ok(ConflictPage {
        l: Layout::for_user(a, &format!("/consultations/{}", saved.id)),
        id: saved.id.clone(),
        rows,
        mine,
        saved_version: saved.version,
    })
}

// ---------------------------------------------------------------- API

/// POST /api/v1/consultations/{id}/course — add a course entry; 201 with the record.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/course", operation_id = "addCourseEntry",
    summary = "Add a dated entry to the consultation's course (経過)",
    params(("id" = String, Path)), request_body = store::consultations::CourseForm, responses((status = 201, description = "Added; the consultation with its course", body = store::consultations::ConsultationRecord)))]
pub async fn api_course_add(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let f: CourseForm = crate::ui::json_body(&a, &body)?;
    let now = a.now;
    let entry = crate::shared::scope_before_errors(
        f.parse(a.today()).map_err(StoreError::Validation),
        state.store.check_consultation_writable(a.actor(), &id),
    )
    .await?;
    state
        .store
        .add_course_entry(a.actor(), &id, &entry, now)
        .await?;
    let rec = state.store.view_consultation(a.actor(), &id, now).await?;
    Ok((StatusCode::CREATED, Json(rec)).into_response())
}

// ---------------------------------------------------------------- the list

#[derive(Template)]
#[template(path = "consultations.html")]
struct ConsultationsPage {
    l: Layout,
    q: ConsultationQuery,
    items: Vec<Consultation>,
    next_link: String,
    channels: Vec<(String, String)>,
    requesters: Vec<(String, String)>,
    topics: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    can_write: bool,
}

impl ConsultationsPage {
    fn topic_labels(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| self.l.tr.vocab(VocabKind::ConsultationTopic, c))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn channel(&self, code: &str) -> String {
        self.l.tr.vocab(VocabKind::ConsultationChannel, code)
    }
    fn requester(&self, code: &str) -> String {
        self.l.tr.vocab(VocabKind::RequesterKind, code)
    }
    fn when(&self, at: &str) -> String {
        store::parse_ts(at)
            .map(|t| {
                t.with_timezone(&domain::dates::jst())
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    }
}

/// GET /consultations — filtered list with follow-up actions.
pub async fn consultations_list(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ConsultationQuery>,
) -> PageResult {
    let listed = state
        .store
        .list_consultations(a.actor(), &q, a.now, Via::Page)
        .await;
    let result = match listed {
        Ok(r) => r,
        Err(StoreError::Validation(_)) => store::consultations::ConsultationPage {
            items: Vec::new(),
            next: None,
        },
        Err(e) => return Err(e.into()),
    };
    let next_link = result
        .next
        .as_ref()
        .map(|n| {
            format!(
                "/consultations?{}",
                query_string(&[
                    ("from", q.from.clone()),
                    ("to", q.to.clone()),
                    ("channel", q.channel.clone()),
                    ("requester_kind", q.requester_kind.clone()),
                    ("topic", q.topic.clone()),
                    ("staff", q.staff.clone()),
                    ("child_id", q.child_id.clone()),
                    (
                        "open_followups",
                        if q.open_followups {
                            "true".into()
                        } else {
                            String::new()
                        }
                    ),
                    ("before", n.clone()),
                ])
            )
        })
        .unwrap_or_default();
    let staff = state
        .store
        .center_users(&a.actor().center_id)
        .await?
        .into_iter()
        .map(|(id, n, _)| (id, n))
        .collect();
    page(&ConsultationsPage {
        l: Layout::for_user(&a, "/consultations"),
        channels: choices(VocabKind::ConsultationChannel, a.lang),
        requesters: choices(VocabKind::RequesterKind, a.lang),
        topics: choices(VocabKind::ConsultationTopic, a.lang),
        staff,
        can_write: a.actor().writes_records(),
        q,
        items: result.items,
        next_link,
    })
}

/// POST /consultations/{id}/followup-done — mark done and return to where the user was.
pub async fn followup_done(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    state.store.complete_followup(a.actor(), &id, a.now).await?;
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string()))
        })
        .unwrap_or_else(|| "/".into());
    Ok(Redirect::to(&safe_next(&back)).into_response())
}
