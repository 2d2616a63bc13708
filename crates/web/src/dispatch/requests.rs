//! Dispatch requests (派遣依頼): the center's list or a coordinator's inbox, the request form
//! with its child search, and creating a request.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::{Form, Query};
use domain::dispatch::{DispatchStatus, RequestDraft, RequestInput, SidesNeeded, Urgency};
use serde::Deserialize;
use store::dispatch::{InboxEntry, RequestSummary};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{page_status, FormErrors, Layout, PageResult};
use crate::AppState;

use super::{area_labels, request_status_label, topic_choices, topic_label, Fields};

#[derive(Template)]
#[template(path = "dispatch_list.html")]
struct DispatchListPage {
    l: Layout,
    status: String,
    requests: Vec<RequestSummary>,
    inbox: Vec<InboxEntry>,
    coordinator: bool,
    can_request: bool,
}

impl DispatchListPage {
    fn urgency_label(&self, code: &str) -> &'static str {
        Urgency::parse(code)
            .map(|u| u.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn sides_label(&self, code: &str) -> &'static str {
        SidesNeeded::parse(code)
            .map(|u| u.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn status_label(&self, code: &str) -> &'static str {
        request_status_label(code, self.l.tr.0)
    }
    fn dispatch_status(&self, s: &DispatchStatus) -> &'static str {
        s.label(self.l.tr.0)
    }
    fn place(&self, code: &str) -> String {
        area_labels(&[code.to_string()])
    }
    fn topic_labels(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| topic_label(c, self.l.tr.0))
            .collect::<Vec<_>>()
            .join("、")
    }
}

#[derive(utoipa::IntoParams, Deserialize, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    pub(super) status: String,
}

/// GET /dispatch — staff: the center's requests; a coordinator: their inbox.
pub async fn dispatch_list(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<StatusQuery>,
) -> PageResult {
    let coordinator = a.actor().assigned_only();
    let (requests, inbox) = if coordinator {
        (Vec::new(), state.store.coordinator_inbox(a.actor()).await?)
    } else {
        (
            state
                .store
                .list_dispatch_requests(a.actor(), &q.status, a.now)
                .await?,
            Vec::new(),
        )
    };
    let t = DispatchListPage {
        l: Layout::for_user(&a, "/dispatch"),
        status: q.status,
        requests,
        inbox,
        coordinator,
        can_request: crate::access::REQUESTERS.contains(&a.actor().role),
    };
    page_status(StatusCode::OK, &t)
}

#[derive(Template)]
#[template(path = "dispatch_new.html")]
struct DispatchNewPage {
    l: Layout,
    form: RequestInput,
    child_name: String,
    errors: FormErrors,
    topics: Vec<(String, String)>,
    sides: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    /// What was typed in the child search, and the children it finds (no id is ever typed).
    q: String,
    results: Vec<ChildHit>,
}

/// A child the request form's search found.
pub struct ChildHit {
    id: String,
    name: String,
    kana: String,
    birth: String,
    municipality: String,
}

/// The request form's search results (htmx fragment; also inside the full form).
#[derive(Template)]
#[template(path = "dispatch_child_results.html")]
struct ChildResults {
    l: Layout,
    results: Vec<ChildHit>,
    q: String,
    /// A child already chosen: no result is preselected over it.
    chosen: bool,
}

async fn child_hits(state: &AppState, a: &Authed, q: &str) -> Result<Vec<ChildHit>, WebError> {
    Ok(state
        .store
        .dispatch_child_search(a.actor(), q, a.today(), a.now)
        .await?
        .into_iter()
        .map(|c| ChildHit {
            municipality: domain::municipality::lookup(&c.municipality_code)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
            id: c.id,
            name: format!("{} {}", c.family_name, c.given_name),
            kana: format!("{} {}", c.family_name_kana, c.given_name_kana),
            birth: c.birth_date,
        })
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChildSearchQuery {
    q: String,
    child_id: String,
}

/// GET /dispatch/child-search?q=… — htmx fragment: children whose name or kana starts with
/// what was typed, as radio buttons of the request form.
pub async fn child_search(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ChildSearchQuery>,
) -> PageResult {
    let results = child_hits(&state, &a, &q.q).await?;
    page_status(
        StatusCode::OK,
        &ChildResults {
            l: Layout::for_user(&a, "/dispatch/new"),
            results,
            q: q.q,
            chosen: !q.child_id.is_empty(),
        },
    )
}

impl DispatchNewPage {
    fn has_topic(&self, code: &str) -> bool {
        self.form.topics.iter().any(|p| p == code)
    }
}

async fn new_request_page(
    state: &AppState,
    a: &Authed,
    form: RequestInput,
    q: String,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let results = child_hits(state, a, &q).await?;
    let child_name = if form.child_id.trim().is_empty() {
        String::new()
    } else {
        state
            .store
            .child_name(a.actor(), form.child_id.trim())
            .await?
            .unwrap_or_default()
    };
    let lang = a.lang;
    let t = DispatchNewPage {
        l: Layout::for_user(a, "/dispatch/new"),
        form,
        child_name,
        errors,
        topics: topic_choices(lang),
        sides: SidesNeeded::all()
            .into_iter()
            .map(|s| (s.code().to_string(), s.label(lang).to_string()))
            .collect(),
        urgencies: Urgency::all()
            .into_iter()
            .map(|s| (s.code().to_string(), s.label(lang).to_string()))
            .collect(),
        q,
        results,
    };
    page_status(status, &t)
}

/// GET /dispatch/new?child=…&consultation=… — the request form, filled from a consultation
/// (child, topics, and its summary as the editable 依頼内容). The child is found by name or
/// kana (`q`); without JavaScript the search button sends the form here with what was typed
/// so far (`urgency` present), which is kept as it is.
pub async fn dispatch_new(
    State(state): State<AppState>,
    a: Authed,
    Query(pairs): Query<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(pairs);
    if f.0.iter().any(|(k, _)| k == "urgency") {
        let form = request_input(&f);
        return new_request_page(
            &state,
            &a,
            form,
            f.get("q"),
            FormErrors::default(),
            StatusCode::OK,
        )
        .await;
    }
    let mut form = RequestInput {
        child_id: f.get("child"),
        consultation_id: f.get("consultation"),
        urgency: "routine".into(),
        ..Default::default()
    };
    if !form.consultation_id.is_empty() {
        if let Some(c) = state
            .store
            .consultation_for_request(a.actor(), &form.consultation_id, a.now)
            .await?
        {
            if form.child_id.is_empty() {
                form.child_id = c.child_id.unwrap_or_default();
            }
            form.topics = c.topics;
            form.note = c.summary;
        }
    }
    new_request_page(
        &state,
        &a,
        form,
        f.get("q"),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

fn request_input(f: &Fields) -> RequestInput {
    RequestInput {
        child_id: f.get("child_id"),
        consultation_id: f.get("consultation_id"),
        topics: f.all("topics"),
        sides: f.get("sides"),
        urgency: f.get("urgency"),
        preferred_dates: f.get("preferred_dates"),
        note: f.get("note"),
    }
}

/// POST /dispatch — create a request.
pub async fn dispatch_create(
    State(state): State<AppState>,
    a: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let fields = Fields(pairs);
    let input = request_input(&fields);
    let created = match RequestDraft::parse(&input) {
        Ok(draft) => {
            state
                .store
                .create_dispatch_request(a.actor(), &draft, a.today(), a.now)
                .await
        }
        Err(errs) => Err(StoreError::Validation(errs)),
    };
    match created {
        Ok(id) => Ok(Redirect::to(&format!("/dispatch/{id}?saved=created")).into_response()),
        Err(StoreError::Validation(errs)) => {
            new_request_page(
                &state,
                &a,
                input,
                fields.get("q"),
                FormErrors::from(&errs, a.lang),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
