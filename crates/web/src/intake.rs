//! The intake (相談受付): the form for a live phone call, its child search and same-person
//! offer as htmx partials, and the submit.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::{Form, Query};
use domain::vocab::VocabKind;
use serde::Deserialize;
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::shared::{child_hits, ChildHit, IntakeHtmlForm};
use crate::ui::{choices, page, page_status, FormErrors, Layout, PageResult};
use crate::AppState;

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    l: Layout,
    f: IntakeHtmlForm,
    errors: FormErrors,
    child_label: String,
    channels: Vec<(String, String)>,
    requesters: Vec<(String, String)>,
    topics: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    results: Vec<ChildHit>,
    q: String,
    /// Every problem, in the order of the form, each naming its field as labelled.
    summary: Vec<(String, String)>,
    /// The earlier unregistered person of the same name offered as "the same person?".
    pm: SamePersonOffer,
}

/// The intake form's fields in the order it shows them: (error field, id of the input to jump
/// to, catalogue key of its label on the form).
const INTAKE_FIELDS: &[(&str, &str, &str)] = &[
    ("subject", "subject-child", "intake.subject"),
    ("child_id", "child-q", "intake.child_search"),
    ("person_id", "child-q", "intake.subject"),
    ("person.name", "person_name", "intake.person_name"),
    ("person.name_kana", "person_kana", "intake.person_kana"),
    ("occurred_at", "occurred_at", "consultation.occurred_at"),
    ("channel", "channel", "consultation.channel"),
    (
        "requester_kind",
        "requester_kind",
        "consultation.requester_kind",
    ),
    (
        "requester_name",
        "requester_name",
        "consultation.requester_name",
    ),
    (
        "requester_org",
        "requester_org",
        "consultation.requester_org",
    ),
    ("topics", "topics", "consultation.topics"),
    ("summary", "summary", "consultation.summary"),
    ("response", "response", "consultation.response"),
    ("staff_id", "staff_id", "consultation.staff"),
    (
        "duration_minutes",
        "duration_minutes",
        "consultation.duration",
    ),
    ("followup_due", "followup_due", "consultation.followup_due"),
    (
        "followup_assignee_id",
        "followup_assignee_id",
        "consultation.followup_assignee",
    ),
];

/// The error summary of the intake form: "label: message" per field in form order (anything
/// else the store reported last), each with the input it is about.
fn intake_summary(errors: &FormErrors, tr: Tr) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = INTAKE_FIELDS
        .iter()
        .filter(|(field, _, _)| errors.has(field))
        .map(|(field, id, label)| {
            (
                (*id).to_string(),
                crate::error::name_field(tr.t(label), errors.get(field)),
            )
        })
        .collect();
    let mut rest: Vec<&String> = errors
        .0
        .keys()
        .filter(|k| !INTAKE_FIELDS.iter().any(|(f, _, _)| f == k))
        .collect();
    rest.sort_unstable();
    out.extend(
        rest.into_iter()
            .map(|k| ("intake-form".to_string(), errors.get(k).to_string())),
    );
    out
}

impl IntakePage {
    fn has_topic(&self, code: &str) -> bool {
        self.f.topics.iter().any(|t| t == code)
    }
}

/// An earlier unregistered person with the name and reading typed on the intake, offered to
/// link (`intake_person_match.html`, included by the page and answered alone to htmx).
#[derive(Default)]
pub struct SamePersonOffer {
    /// The person's id; empty when there is nothing to offer.
    pub(crate) id: String,
    /// 「同じ方ですか？ 〇〇さん（前回 2026-11-02）」
    pub(crate) question: String,
    /// The form chose to link to them.
    pub(crate) linked: bool,
    /// The form said it is a different person.
    pub(crate) distinct: bool,
}

/// The offer for what the intake form holds: only for a new unregistered person with a name.
/// The read is audited (`consultation.same_person`) before anything about the person is shown.
async fn same_person_offer(
    state: &AppState,
    a: &Authed,
    name: &str,
    kana: &str,
    linked: bool,
    distinct: bool,
) -> Result<SamePersonOffer, WebError> {
    let Some(m) = state
        .store
        .same_person(a.actor(), name, kana, a.now)
        .await?
    else {
        return Ok(SamePersonOffer::default());
    };
    let tr = Tr(a.lang);
    let last = m
        .last_on
        .as_deref()
        .map(|d| tr.t("intake.same_person_last").replace("{date}", d))
        .unwrap_or_default();
    Ok(SamePersonOffer {
        question: tr
            .t("intake.same_person_q")
            .replace("{name}", &m.name)
            .replace("{last}", &last),
        id: m.id,
        linked,
        distinct,
    })
}

#[derive(Template)]
#[template(path = "intake_person_match.html")]
struct PersonMatchPartial {
    l: Layout,
    pm: SamePersonOffer,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PersonMatchQuery {
    person_name: String,
    person_kana: String,
}

/// GET /intake/person-match — htmx partial: the earlier person of the name and reading typed
/// so far, if any, offered to link.
pub async fn intake_person_match(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<PersonMatchQuery>,
) -> PageResult {
    let pm = same_person_offer(&state, &a, &q.person_name, &q.person_kana, false, false).await?;
    page(&PersonMatchPartial {
        l: Layout::for_user(&a, "/intake"),
        pm,
    })
}

#[derive(Template)]
#[template(path = "intake_results.html")]
struct IntakeResults {
    l: Layout,
    results: Vec<ChildHit>,
    q: String,
    selected: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IntakeQuery {
    child_id: String,
    q: String,
}

async fn intake_page_for(
    state: &AppState,
    a: &Authed,
    f: IntakeHtmlForm,
    errors: FormErrors,
    q: String,
) -> Result<IntakePage, WebError> {
    let lang = a.lang;
    let child_label = if f.child_id.is_empty() {
        String::new()
    } else {
        state
            .store
            .child_brief(a.actor(), &f.child_id, a.now)
            .await?
            .unwrap_or_default()
    };
    let staff = state
        .store
        .center_users(&a.actor().center_id)
        .await?
        .into_iter()
        .filter(|(_, _, r)| crate::access::WRITERS.contains(r))
        .map(|(id, name, _)| (id, name))
        .collect();
    let results = child_hits(state, a, &q).await?;
    let pm = if matches!(f.subject.as_str(), "person" | "existing") && f.child_id.is_empty() {
        same_person_offer(
            state,
            a,
            &f.person_name,
            &f.person_kana,
            f.subject == "existing",
            f.person_distinct == "1",
        )
        .await?
    } else {
        SamePersonOffer::default()
    };
    Ok(IntakePage {
        l: Layout::for_user(a, "/intake"),
        pm,
        child_label,
        channels: choices(VocabKind::ConsultationChannel, lang),
        requesters: choices(VocabKind::RequesterKind, lang),
        topics: choices(VocabKind::ConsultationTopic, lang),
        staff,
        results,
        q,
        f,
        summary: intake_summary(&errors, Tr(lang)),
        errors,
    })
}

/// GET /intake — the form for a live phone call; defaults to now and to the current user.
pub async fn intake_page(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<IntakeQuery>,
) -> PageResult {
    let now = a.now.with_timezone(&domain::dates::jst());
    let f = IntakeHtmlForm {
        occurred_at: now.format("%Y-%m-%dT%H:%M").to_string(),
        channel: "phone".into(),
        subject: "child".into(),
        child_id: q.child_id.clone(),
        staff_id: a.actor().user_id.clone(),
        ..Default::default()
    };
    page(&intake_page_for(&state, &a, f, FormErrors::default(), q.q).await?)
}

/// GET /intake/child-search — htmx partial: children matching what was typed so far.
pub async fn intake_child_search(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<IntakeQuery>,
) -> PageResult {
    let results = child_hits(&state, &a, &q.q).await?;
    page(&IntakeResults {
        l: Layout::for_user(&a, "/intake"),
        results,
        q: q.q,
        selected: q.child_id,
    })
}

/// POST /intake — save the consultation in one submit.
pub async fn intake_submit(
    State(state): State<AppState>,
    a: Authed,
    Form(h): Form<IntakeHtmlForm>,
) -> PageResult {
    let result = match h.parse(a.now) {
        Ok(draft) => {
            state
                .store
                .record_consultation(a.actor(), &draft, a.now)
                .await
        }
        Err(errs) => Err(StoreError::Validation(errs)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/?saved=1").into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            page_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &intake_page_for(&state, &a, h, errors, String::new()).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}
