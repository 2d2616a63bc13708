//! Power-outage incidents: the list, opening one, the triage page with its self-refreshing
//! rows, safety check-ins and closing.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum_extra::extract::{Form, Query};
use domain::disaster::IncidentInput;
use domain::power::Estimate;
use serde::Deserialize;
use store::disaster::{
    CheckinStatus, IncidentReport, IncidentSummary, Triage, TriagePage, TriageRow, RESPONDER_ROLES,
};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{page_status, render, FormErrors, Layout, PageResult};
use crate::AppState;

use super::{estimate_text, place, places_line};

#[derive(Template)]
#[template(path = "incidents.html")]
struct IncidentsPage {
    l: Layout,
    items: Vec<IncidentSummary>,
    can_open: bool,
    form: IncidentInput,
    areas: String,
    errors: FormErrors,
}

impl IncidentsPage {
    fn places(&self, codes: &[String]) -> String {
        places_line(codes)
    }
    fn at(&self, utc: &str) -> String {
        crate::ui::jst_time(utc)
    }
}

async fn incidents_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    form: IncidentInput,
    errors: FormErrors,
) -> PageResult {
    let items = state.store.list_incidents(a.actor()).await?;
    let areas = form.municipality_codes.join(" ");
    page_status(
        status,
        &IncidentsPage {
            l: Layout::for_user(a, "/incidents"),
            items,
            can_open: RESPONDER_ROLES.contains(&a.actor().role),
            form,
            areas,
            errors,
        },
    )
}

/// GET /incidents — incidents (open first) and the form to open one.
pub async fn incidents(State(state): State<AppState>, a: Authed) -> PageResult {
    incidents_page(
        &state,
        &a,
        StatusCode::OK,
        IncidentInput::default(),
        FormErrors::default(),
    )
    .await
}

/// The open-incident form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IncidentForm {
    title: String,
    municipality_codes: String,
    started_at: String,
    expected_restoration_at: String,
}

/// POST /incidents — open a power-outage incident.
pub async fn incident_open(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<IncidentForm>,
) -> PageResult {
    let input = IncidentInput {
        title: f.title,
        municipality_codes: vec![f.municipality_codes],
        started_at: f.started_at,
        expected_restoration_at: f.expected_restoration_at,
    };
    let parsed = crate::shared::scope_before_errors(
        input.parse(a.now).map_err(StoreError::Validation),
        std::future::ready(state.store.check_may_open_incident(a.actor())),
    )
    .await;
    let opened = match parsed {
        Ok(incident) => state.store.open_incident(a.actor(), &incident, a.now).await,
        Err(e) => Err(e),
    };
    match opened {
        Ok(id) => Ok(Redirect::to(&format!("/incidents/{id}")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            incidents_page(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, input, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    l: Layout,
    rows: RowsFragment,
    report: Option<IncidentReport>,
    can_close: bool,
}

impl IncidentPage {
    fn status_label(&self, code: &str) -> &'static str {
        CheckinStatus::parse(code)
            .map(|s| s.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn places(&self) -> String {
        places_line(&self.rows.t.incident.municipality_codes)
    }
    fn at(&self, utc: &str) -> String {
        crate::ui::jst_time(utc)
    }
}

/// The self-refreshing part of the incident page.
#[derive(Template)]
#[template(path = "incident_rows.html")]
struct RowsFragment {
    l: Layout,
    t: Triage,
    can_check: bool,
    /// The viewer may open child records (a municipal user sees the list, not the records).
    can_open_child: bool,
    statuses: Vec<(String, String)>,
    error: String,
}

impl RowsFragment {
    fn estimate(&self, r: &TriageRow) -> String {
        estimate_text(&r.estimate, self.l.tr.0)
    }
    fn unknown(&self, r: &TriageRow) -> bool {
        matches!(r.estimate, Estimate::Unknown { .. })
    }
    fn devices(&self, r: &TriageRow) -> String {
        r.devices
            .iter()
            .map(|d| d.label(self.l.tr.0))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn place(&self, code: &str) -> String {
        place(code)
    }
    fn checkin_label(&self, s: &CheckinStatus) -> &'static str {
        s.label(self.l.tr.0)
    }
    fn status_label(&self, code: &str) -> &'static str {
        CheckinStatus::parse(code)
            .map(|s| s.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn at(&self, utc: &str) -> String {
        crate::ui::jst_time(utc)
    }
    fn open(&self) -> bool {
        self.t.incident.status == "open"
    }
    /// Number of the row on the whole list (1-based).
    fn number(&self, index: &usize) -> i64 {
        self.t.offset + i64::try_from(*index).unwrap_or(0)
    }
    /// Where the previous page starts, if there is one.
    fn prev_offset(&self) -> Option<i64> {
        (self.t.offset > 0).then(|| (self.t.offset - self.t.limit).max(0))
    }
    /// Where the next page starts, if there is one.
    fn next_offset(&self) -> Option<i64> {
        let next = self.t.offset + self.t.limit;
        (next < self.t.counts.total).then_some(next)
    }
    /// 「1〜100件目 / 20,000件」.
    fn range(&self) -> String {
        let first = self.t.offset + 1;
        let last = self.t.offset + i64::try_from(self.t.rows.len()).unwrap_or(0);
        self.l.tr.0.pick(
            format!("{first}〜{last}件目 / {}件", self.t.counts.total),
            format!("{first}–{last} of {}", self.t.counts.total),
        )
    }
}

/// `?offset=&limit=` of the triage list, as typed (checked by `TriagePage::parse`).
#[derive(utoipa::IntoParams, Deserialize, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[param(schema_with = crate::api_schema::fields::triage_offset)]
    offset: String,
    #[param(schema_with = crate::api_schema::fields::triage_limit)]
    limit: String,
}

impl PageQuery {
    pub(super) fn page(&self) -> Result<TriagePage, WebError> {
        TriagePage::parse(&self.offset, &self.limit)
            .map_err(|e| WebError::store(StoreError::Validation(e)))
    }
}

async fn rows_fragment(
    state: &AppState,
    a: &Authed,
    id: &str,
    page: TriagePage,
    error: String,
) -> Result<RowsFragment, WebError> {
    let t = state.store.triage(a.actor(), id, page, a.now).await?;
    let lang = a.lang;
    Ok(RowsFragment {
        l: Layout::for_user(a, &format!("/incidents/{id}")),
        t,
        can_check: RESPONDER_ROLES.contains(&a.actor().role)
            || a.actor().role == domain::Role::Coordinator,
        can_open_child: a.actor().reads_children(),
        statuses: CheckinStatus::all()
            .into_iter()
            .map(|s| (s.code().to_string(), s.label(lang).to_string()))
            .collect(),
        error,
    })
}

async fn incident_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    page: TriagePage,
    status: StatusCode,
    error: String,
) -> PageResult {
    let rows = rows_fragment(state, a, id, page, error).await?;
    let report = if rows.t.incident.status == "closed" {
        state.store.incident_report(a.actor(), id).await?
    } else {
        None
    };
    page_status(
        status,
        &IncidentPage {
            l: Layout::for_user(a, &format!("/incidents/{id}")),
            can_close: crate::access::LEADS.contains(&a.actor().role)
                && rows.t.incident.status == "open",
            rows,
            report,
        },
    )
}

/// GET /incidents/{id} — the triage list, refreshing itself.
pub async fn incident(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let page = q.page()?;
    incident_page(&state, &a, &id, page, StatusCode::OK, String::new()).await
}

/// GET /incidents/{id}/rows — the list alone (htmx polling).
pub async fn incident_rows(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let page = q.page()?;
    let f = rows_fragment(&state, &a, &id, page, String::new()).await?;
    Ok(Html(render(&f)?).into_response())
}

/// The check-in form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckinForm {
    child_id: String,
    status: String,
    note: String,
    /// The page of the list the form was on, shown again afterwards.
    offset: String,
    /// Its size.
    limit: String,
}

/// POST /incidents/{id}/checkins — record a check-in; htmx gets the refreshed list back.
pub async fn checkin(
    State(state): State<AppState>,
    a: Authed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CheckinForm>,
) -> PageResult {
    let htmx = headers.contains_key("hx-request");
    // The page only decides what is shown afterwards; a tampered value shows the first.
    let page = TriagePage::parse(&f.offset, &f.limit).unwrap_or_else(|_| TriagePage::first());
    let result = state
        .store
        .check_in(a.actor(), &id, &f.child_id, &f.status, &f.note, a.now)
        .await;
    let error = match result {
        Ok(()) => String::new(),
        Err(StoreError::Validation(errs)) => errs
            .iter()
            .map(|e| e.message(a.lang).to_string())
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => return Err(e.into()),
    };
    match (htmx, error.is_empty()) {
        (true, ok) => {
            let frag = rows_fragment(&state, &a, &id, page, error).await?;
            let status = if ok {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            // htmx swaps 2xx only; a refusal is shown in the list's message line.
            Ok((
                if ok { status } else { StatusCode::OK },
                Html(render(&frag)?),
            )
                .into_response())
        }
        (false, true) => Ok(Redirect::to(&format!(
            "/incidents/{id}?offset={}&limit={}",
            page.offset, page.limit
        ))
        .into_response()),
        (false, false) => {
            incident_page(
                &state,
                &a,
                &id,
                page,
                StatusCode::UNPROCESSABLE_ENTITY,
                error,
            )
            .await
        }
    }
}

/// POST /incidents/{id}/close — close and store the report.
pub async fn incident_close(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> PageResult {
    match state.store.close_incident(a.actor(), &id, a.now).await {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{id}")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let msg = errs
                .iter()
                .map(|e| e.message(a.lang).to_string())
                .collect::<Vec<_>>()
                .join(" ");
            incident_page(
                &state,
                &a,
                &id,
                TriagePage::first(),
                StatusCode::UNPROCESSABLE_ENTITY,
                msg,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
