//! Disaster preparedness pages and API: a child's power (devices, sources, handed-out units)
//! and power-outage incidents — the triage list that refreshes itself (htmx polling, paused
//! while someone is typing in it), safety check-ins and the closing report.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::Json;
use axum_extra::extract::{Form, Query};
use domain::power::{format_minutes, DeviceInput, DeviceKind, Estimate};
use domain::Lang;
use serde::Deserialize;
use store::disaster::{
    CheckinStatus, ChildPower, IncidentInput, IncidentReport, IncidentSummary, PowerInput,
    PowerUnitInput, Triage, TriagePage, TriageRow, UnitReturnInput, RESPONDER_ROLES,
};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{page_status, render, FormErrors, Layout, PageResult};
use crate::AppState;

fn place(code: &str) -> String {
    crate::ui::place_name(code)
}

/// An incident's areas as one line: 「世田谷区、目黒区」.
fn places_line(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| place(c))
        .collect::<Vec<_>>()
        .join("、")
}

/// The estimate as staff read it: 「3時間20分」, 「不明 — 先に電話」 with what is missing.
fn estimate_text(e: &Estimate, lang: Lang) -> String {
    match e {
        Estimate::Known { minutes, limiting } => lang.pick(
            format!(
                "{}（{}）",
                format_minutes(*minutes, lang),
                limiting.label(lang)
            ),
            format!(
                "{} ({})",
                format_minutes(*minutes, lang),
                limiting.label(lang)
            ),
        ),
        Estimate::Unknown { missing } => {
            let gaps: Vec<String> = missing.iter().map(|m| m.message(lang)).collect();
            lang.pick(
                format!("不明 — 先に電話（{}）", gaps.join("、")),
                format!("Unknown — call first ({})", gaps.join("; ")),
            )
        }
        Estimate::NotDependent => lang.pick("電源不要", "Not power-dependent").to_string(),
    }
}

// ---------------------------------------------------------------- a child's power

#[derive(Template)]
#[template(path = "child_power.html")]
struct PowerPage {
    l: Layout,
    child_id: String,
    p: ChildPower,
    device_rows: Vec<DeviceInput>,
    form: PowerInput,
    kinds: Vec<(String, String)>,
    errors: FormErrors,
    unit: PowerUnitInput,
    unit_errors: FormErrors,
    can_write: bool,
    notice: String,
    /// Default date of the return forms (today, JST).
    today: String,
}

impl PowerPage {
    fn estimate(&self) -> String {
        estimate_text(&self.p.estimate, self.l.tr.0)
    }
    fn err(&self, i: &usize, field: &str) -> &str {
        self.errors.get(&format!("devices.{i}.{field}"))
    }
}

#[derive(Default)]
struct PowerExtra {
    form: Option<PowerInput>,
    errors: FormErrors,
    unit: PowerUnitInput,
    unit_errors: FormErrors,
    notice: &'static str,
}

async fn power_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    status: StatusCode,
    extra: PowerExtra,
) -> PageResult {
    let p = state
        .store
        .child_power(a.actor(), id, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    let form = extra.form.unwrap_or_else(|| PowerInput {
        devices: p.devices.iter().map(|d| d.to_input()).collect(),
        portable_wh: if p.portable_wh == 0 {
            String::new()
        } else {
            p.portable_wh.to_string()
        },
        car_inverter: p.car_inverter,
        generator: p.generator,
        oxygen_cylinder_hours: if p.oxygen_cylinder_hours == 0 {
            String::new()
        } else {
            p.oxygen_cylinder_hours.to_string()
        },
        notes: p.notes.clone().unwrap_or_default(),
    });
    let device_rows = device_rows(&form.devices);
    let lang = a.lang;
    let t = PowerPage {
        l: Layout::for_user(a, &format!("/children/{id}/power")),
        child_id: id.to_string(),
        p,
        device_rows,
        form,
        kinds: device_kinds(lang),
        errors: extra.errors,
        unit: extra.unit,
        unit_errors: extra.unit_errors,
        can_write: a.actor().writes_records(),
        today: state.clock.today_jst().to_string(),
        notice: if extra.notice.is_empty() {
            String::new()
        } else {
            crate::i18n::Tr(lang).t(extra.notice).to_string()
        },
    };
    page_status(status, &t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

/// GET /children/{id}/power — devices, batteries, other sources and the estimate.
pub async fn power(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    axum_extra::extract::Query(q): axum_extra::extract::Query<SavedQuery>,
) -> PageResult {
    let notice = match q.saved.as_str() {
        "power" => "disaster.power_saved",
        "unit" => "disaster.unit_saved",
        "unit_return" => "disaster.unit_returned",
        _ => "",
    };
    power_page(
        &state,
        &a,
        &id,
        StatusCode::OK,
        PowerExtra {
            notice,
            ..Default::default()
        },
    )
    .await
}

/// The rows of a child's equipment list as posted (`devices.N.field`), by the power page and
/// the child form alike. A row's 電気を使う box posts `true` only when ticked.
pub(crate) fn device_inputs(pairs: &[(String, String)]) -> Vec<DeviceInput> {
    let unticked = || DeviceInput {
        uses_electricity: false,
        ..Default::default()
    };
    crate::ui::indexed_rows(pairs, "devices.", 40, unticked, |d, field, v| {
        let v = v.to_string();
        match field {
            "kind" => d.kind = v,
            "name" => d.name = v,
            "uses_electricity" => d.uses_electricity = v == "true",
            "watts" => d.watts = v,
            "internal_minutes" => d.internal_minutes = v,
            "spare_count" => d.spare_count = v,
            "spare_minutes" => d.spare_minutes = v,
            "minutes_per_hour" => d.minutes_per_hour = v,
            "settings" => d.settings = v,
            _ => {}
        }
    })
}

/// The rows the equipment form shows: the list, then two empty rows for new devices (their
/// 電気を使う box ticked, as most listed devices are electric).
pub(crate) fn device_rows(devices: &[DeviceInput]) -> Vec<DeviceInput> {
    let mut rows = devices.to_vec();
    rows.push(DeviceInput::default());
    rows.push(DeviceInput::default());
    rows
}

/// Device kinds for the form's select, in display order.
pub(crate) fn device_kinds(lang: Lang) -> Vec<(String, String)> {
    DeviceKind::all()
        .into_iter()
        .map(|k| (k.code().to_string(), k.label(lang).to_string()))
        .collect()
}

/// The power form's fields: `devices.N.field` rows, then the sources.
fn power_input(pairs: &[(String, String)]) -> PowerInput {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    PowerInput {
        devices: device_inputs(pairs),
        portable_wh: get("portable_wh"),
        car_inverter: get("car_inverter") == "true",
        generator: get("generator") == "true",
        oxygen_cylinder_hours: get("oxygen_cylinder_hours"),
        notes: get("notes"),
    }
}

/// POST /children/{id}/power — save devices and sources.
pub async fn power_save(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let input = power_input(&pairs);
    match state
        .store
        .save_child_power(a.actor(), &id, &input, state.clock.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/children/{id}/power?saved=power")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let extra = PowerExtra {
                form: Some(input),
                errors: FormErrors::from(&errs, a.lang),
                ..Default::default()
            };
            power_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(a.err(e)),
    }
}

/// POST /children/{id}/power-units — record a unit the center handed out.
pub async fn unit_create(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<UnitForm>,
) -> PageResult {
    let input = PowerUnitInput {
        handed_on: f.handed_on,
        model: f.model,
        capacity_wh: f.capacity_wh,
        serial: f.serial,
    };
    match state
        .store
        .add_power_unit(
            a.actor(),
            &id,
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/children/{id}/power?saved=unit")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let extra = PowerExtra {
                unit: input,
                unit_errors: FormErrors::from(&errs, a.lang),
                ..Default::default()
            };
            power_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(a.err(e)),
    }
}

/// POST /children/{id}/power-units/{unit_id}/return — the unit came back.
pub async fn unit_return(
    State(state): State<AppState>,
    a: Authed,
    Path((id, unit_id)): Path<(String, String)>,
    Form(input): Form<UnitReturnForm>,
) -> PageResult {
    let input = UnitReturnInput {
        returned_on: input.returned_on,
    };
    match state
        .store
        .return_power_unit(
            a.actor(),
            &id,
            &unit_id,
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/children/{id}/power?saved=unit_return")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            let extra = PowerExtra {
                unit_errors: FormErrors::from(&errs, a.lang),
                ..Default::default()
            };
            power_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(a.err(e)),
    }
}

/// The return form (also carries `_csrf`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitReturnForm {
    returned_on: String,
}

/// The unit form (the page's form also carries `_csrf`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitForm {
    handed_on: String,
    model: String,
    capacity_wh: String,
    serial: String,
}

// ---------------------------------------------------------------- incidents

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
        crate::auditor::jst_time(utc)
    }
}

async fn incidents_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    form: IncidentInput,
    errors: FormErrors,
) -> PageResult {
    let items = state
        .store
        .list_incidents(a.actor())
        .await
        .map_err(|e| a.err(e))?;
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
    match state
        .store
        .open_incident(a.actor(), &input, state.clock.now())
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/incidents/{id}")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            incidents_page(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, input, errors).await
        }
        Err(e) => Err(a.err(e)),
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
        crate::auditor::jst_time(utc)
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
        crate::auditor::jst_time(utc)
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
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    offset: String,
    limit: String,
}

impl PageQuery {
    fn page(&self, a: &Authed) -> Result<TriagePage, WebError> {
        TriagePage::parse(&self.offset, &self.limit).map_err(|e| a.err(StoreError::Validation(e)))
    }
}

async fn rows_fragment(
    state: &AppState,
    a: &Authed,
    id: &str,
    page: TriagePage,
    error: String,
) -> Result<RowsFragment, WebError> {
    let t = state
        .store
        .triage(a.actor(), id, page, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
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
        state
            .store
            .incident_report(a.actor(), id)
            .await
            .map_err(|e| a.err(e))?
    } else {
        None
    };
    page_status(
        status,
        &IncidentPage {
            l: Layout::for_user(a, &format!("/incidents/{id}")),
            can_close: crate::policy::LEADS.contains(&a.actor().role)
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
    let page = q.page(&a)?;
    incident_page(&state, &a, &id, page, StatusCode::OK, String::new()).await
}

/// GET /incidents/{id}/rows — the list alone (htmx polling).
pub async fn incident_rows(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let page = q.page(&a)?;
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
        .check_in(
            a.actor(),
            &id,
            &f.child_id,
            &f.status,
            &f.note,
            state.clock.now(),
        )
        .await;
    let error = match result {
        Ok(()) => String::new(),
        Err(StoreError::Validation(errs)) => errs
            .iter()
            .map(|e| e.message(a.lang).to_string())
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => return Err(a.err(e)),
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
    match state
        .store
        .close_incident(a.actor(), &id, state.clock.now())
        .await
    {
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
        Err(e) => Err(a.err(e)),
    }
}

// ---------------------------------------------------------------- API

/// GET /api/v1/children/{id}/power
pub async fn api_power(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<ChildPower>, WebError> {
    Ok(Json(
        state
            .store
            .child_power(a.actor(), &id, state.clock.now())
            .await
            .map_err(|e| a.err(e))?,
    ))
}

/// PUT /api/v1/children/{id}/power — replace devices and sources.
pub async fn api_power_save(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ChildPower>, WebError> {
    let input: PowerInput = crate::api::json_body(&a, &body)?;
    state
        .store
        .save_child_power(a.actor(), &id, &input, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(
        state
            .store
            .child_power(a.actor(), &id, state.clock.now())
            .await
            .map_err(|e| a.err(e))?,
    ))
}

/// POST /api/v1/children/{id}/power-units
pub async fn api_unit(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: PowerUnitInput = crate::api::json_body(&a, &body)?;
    let uid = state
        .store
        .add_power_unit(
            a.actor(),
            &id,
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": uid }))))
}

/// POST /api/v1/children/{id}/power-units/{unit_id}/return
pub async fn api_unit_return(
    State(state): State<AppState>,
    a: Authed,
    Path((id, unit_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, WebError> {
    let input: UnitReturnInput = crate::api::json_body(&a, &body)?;
    state
        .store
        .return_power_unit(
            a.actor(),
            &id,
            &unit_id,
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/v1/incidents
pub async fn api_incidents(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<serde_json::Value>, WebError> {
    let items = state
        .store
        .list_incidents(a.actor())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// POST /api/v1/incidents
pub async fn api_incident_open(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: IncidentInput = crate::api::json_body(&a, &body)?;
    let id = state
        .store
        .open_incident(a.actor(), &input, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// GET /api/v1/incidents/{id}/triage
pub async fn api_triage(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    q: Result<Query<PageQuery>, axum_extra::extract::QueryRejection>,
) -> Result<Json<Triage>, WebError> {
    let page = crate::api::query(&a, q)?.page(&a)?;
    Ok(Json(
        state
            .store
            .triage(a.actor(), &id, page, state.clock.now())
            .await
            .map_err(|e| a.err(e))?,
    ))
}

/// Check-in body of the API.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CheckinBody {
    child_id: String,
    status: String,
    note: String,
}

/// POST /api/v1/incidents/{id}/checkins
pub async fn api_checkin(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let f: CheckinBody = crate::api::json_body(&a, &body)?;
    state
        .store
        .check_in(
            a.actor(),
            &id,
            &f.child_id,
            &f.status,
            &f.note,
            state.clock.now(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// POST /api/v1/incidents/{id}/close — returns the report.
pub async fn api_close(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<IncidentReport>, WebError> {
    Ok(Json(
        state
            .store
            .close_incident(a.actor(), &id, state.clock.now())
            .await
            .map_err(|e| a.err(e))?,
    ))
}
