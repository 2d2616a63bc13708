//! The disaster JSON API under `/api/v1`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use axum_extra::extract::Query;
use domain::disaster::{IncidentInput, PowerInput, PowerUnitInput, UnitReturnInput};
use serde::Deserialize;
use store::disaster::{ChildPower, IncidentReport, Triage};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::AppState;

use super::incidents::PageQuery;

/// GET /api/v1/children/{id}/power
#[utoipa::path(get, path = "/api/v1/children/{id}/power", operation_id = "getChildPower",
    summary = "A child's power-dependent devices, other sources, handed-out units and the outage estimate (audited)",
    params(("id" = String, Path)), responses((status = 200, description = "Power", body = store::disaster::ChildPower)))]
pub async fn api_power(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<ChildPower>, WebError> {
    Ok(Json(state.store.child_power(a.actor(), &id, a.now).await?))
}

/// PUT /api/v1/children/{id}/power — replace devices and sources.
#[utoipa::path(put, path = "/api/v1/children/{id}/power", operation_id = "saveChildPower",
    summary = "Replace a child's devices and sources; battery figures above 72 h are refused",
    params(("id" = String, Path)), request_body = domain::disaster::PowerInput, responses((status = 200, description = "Power", body = store::disaster::ChildPower)))]
pub async fn api_power_save(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ChildPower>, WebError> {
    let input: PowerInput = crate::ui::json_body(&a, &body)?;
    let draft = crate::shared::scope_before_errors(
        input.parse().map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await?;
    state
        .store
        .save_child_power(a.actor(), &id, &draft, a.now)
        .await?;
    Ok(Json(state.store.child_power(a.actor(), &id, a.now).await?))
}

/// POST /api/v1/children/{id}/power-units
#[utoipa::path(post, path = "/api/v1/children/{id}/power-units", operation_id = "addPowerUnit",
    summary = "Record a portable power unit the center handed out (counts in the estimate)",
    params(("id" = String, Path)), request_body = domain::disaster::PowerUnitInput, responses((status = 201, description = "Recorded", body = crate::api_schema::Created)))]
pub async fn api_unit(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: PowerUnitInput = crate::ui::json_body(&a, &body)?;
    let unit = crate::shared::scope_before_errors(
        input.parse(a.today()).map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await?;
    let uid = state
        .store
        .add_power_unit(a.actor(), &id, &unit, a.now)
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": uid }))))
}

/// POST /api/v1/children/{id}/power-units/{unit_id}/return
#[utoipa::path(post, path = "/api/v1/children/{id}/power-units/{unit_id}/return", operation_id = "returnPowerUnit",
    summary = "Record that a handed-out unit came back (it stops counting in the estimate); refused when already returned, in the future or before it was handed out",
    params(("id" = String, Path), ("unit_id" = String, Path)), request_body = domain::disaster::UnitReturnInput, responses((status = 204, description = "Recorded")))]
pub async fn api_unit_return(
    State(state): State<AppState>,
    a: Authed,
    Path((id, unit_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, WebError> {
    let input: UnitReturnInput = crate::ui::json_body(&a, &body)?;
    let draft = crate::shared::scope_before_errors(
        input.parse(a.today()).map_err(StoreError::Validation),
        state
            .store
            .check_power_unit_returnable(a.actor(), &id, &unit_id),
    )
    .await?;
    state
        .store
        .return_power_unit(a.actor(), &id, &unit_id, &draft, a.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/v1/incidents
#[utoipa::path(get, path = "/api/v1/incidents", operation_id = "listIncidents",
    summary = "Power-outage incidents of the center (municipal users: those touching their area)",
    responses((status = 200, description = "Incidents", body = crate::api_schema::Items<store::disaster::IncidentSummary>)))]
pub async fn api_incidents(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<serde_json::Value>, WebError> {
    let items = state.store.list_incidents(a.actor()).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// POST /api/v1/incidents
#[utoipa::path(post, path = "/api/v1/incidents", operation_id = "openIncident",
    summary = "Open a power-outage incident for municipality codes (unknown codes are refused)",
    request_body = domain::disaster::IncidentInput, responses((status = 201, description = "Opened", body = crate::api_schema::Created)))]
pub async fn api_incident_open(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: IncidentInput = crate::ui::json_body(&a, &body)?;
    let incident = crate::shared::scope_before_errors(
        input.parse(a.now).map_err(StoreError::Validation),
        std::future::ready(state.store.check_may_open_incident(a.actor())),
    )
    .await?;
    let id = state
        .store
        .open_incident(a.actor(), &incident, a.now)
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// GET /api/v1/incidents/{id}/triage
#[utoipa::path(get, path = "/api/v1/incidents/{id}/triage", operation_id = "incidentTriage",
    summary = "Every power-dependent child in the area: unknown estimates first, then fewest minutes of power left; phones and latest check-in (audited). Counts cover the whole list; rows are one page of it",
    params(("id" = String, Path), super::incidents::PageQuery), responses((status = 200, description = "Triage", body = store::disaster::Triage)))]
pub async fn api_triage(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    q: Result<Query<PageQuery>, axum_extra::extract::QueryRejection>,
) -> Result<Json<Triage>, WebError> {
    let page = crate::ui::query(&a, q)?.page()?;
    Ok(Json(state.store.triage(a.actor(), &id, page, a.now).await?))
}

/// Check-in body of the API.
#[derive(utoipa::ToSchema, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(as = CheckinInput)]
pub struct CheckinBody {
    #[schema(required = true)]
    child_id: String,
    #[schema(schema_with = crate::api_schema::fields::checkin_status, required = true)]
    status: String,
    note: String,
}

/// POST /api/v1/incidents/{id}/checkins
#[utoipa::path(post, path = "/api/v1/incidents/{id}/checkins", operation_id = "checkIn",
    summary = "Record a safety check-in (append-only); refused on a closed incident",
    params(("id" = String, Path)), request_body = CheckinBody, responses((status = 204, description = "Recorded")))]
pub async fn api_checkin(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let f: CheckinBody = crate::ui::json_body(&a, &body)?;
    state
        .store
        .check_in(a.actor(), &id, &f.child_id, &f.status, &f.note, a.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// POST /api/v1/incidents/{id}/close — returns the report.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/close", operation_id = "closeIncident",
    summary = "Close an incident and store its report (advisors, admins)",
    params(("id" = String, Path)), responses((status = 200, description = "Report", body = store::disaster::IncidentReport)))]
pub async fn api_close(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<IncidentReport>, WebError> {
    Ok(Json(
        state.store.close_incident(a.actor(), &id, a.now).await?,
    ))
}
