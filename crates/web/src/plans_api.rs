//! The disaster plan, drill and emergency sheet API (`/api/v1`): the JSON twins of the pages
//! in [`crate::plans`], parsing the same inputs into the same drafts.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use axum_extra::extract::Query;
use domain::disaster::DrillInput;
use domain::plan::{PlanDraft, PlanInput};
use store::plans::PlanOverview;
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::plans::{DiffQuery, SheetsQuery};
use crate::AppState;

/// GET /api/v1/children/{id}/plan
#[utoipa::path(get, path = "/api/v1/children/{id}/plan", operation_id = "getPlan",
    summary = "A child's disaster plan: latest version in full, every version, drills, municipal consent, overdue flag (audited)",
    params(("id" = String, Path)), responses((status = 200, description = "Plan", body = store::plans::PlanOverview)))]
pub async fn api_plan(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<PlanOverview>, WebError> {
    Ok(Json(
        state
            .store
            .plan_overview(a.actor(), &id, a.today(), a.now)
            .await?,
    ))
}

/// POST /api/v1/children/{id}/plan — a new version; `{version, status, warnings}`.
#[utoipa::path(post, path = "/api/v1/children/{id}/plan", operation_id = "savePlan",
    summary = "Save a new plan version; without a contact or agreement date it is kept as a draft with warnings",
    params(("id" = String, Path)), request_body = domain::plan::PlanInput, responses((status = 201, description = "Saved", body = crate::api_schema::PlanSaved)))]
pub async fn api_plan_save(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: PlanInput = crate::ui::json_body(&a, &body)?;
    let draft = crate::shared::scope_before_errors(
        PlanDraft::parse(&input, a.today()).map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await?;
    let (version, warnings) = state.store.save_plan(a.actor(), &id, &draft, a.now).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "version": version,
            "status": if warnings.is_empty() { "agreed" } else { "draft" },
            "warnings": warnings,
        })),
    ))
}

/// GET /api/v1/children/{id}/plan/diff?a=&b=
#[utoipa::path(get, path = "/api/v1/children/{id}/plan/diff", operation_id = "planDiff",
    summary = "Field-by-field differences between two plan versions",
    params(("id" = String, Path), DiffQuery), responses((status = 200, description = "Changes", body = crate::api_schema::PlanChanges)))]
pub async fn api_plan_diff(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    q: Result<Query<DiffQuery>, axum_extra::extract::QueryRejection>,
) -> Result<Json<serde_json::Value>, WebError> {
    let q = crate::ui::query(&a, q)?;
    let changes = state.store.plan_diff(a.actor(), &id, &q.a, &q.b).await?;
    Ok(Json(serde_json::json!({ "changes": changes })))
}

/// POST /api/v1/children/{id}/drills
#[utoipa::path(post, path = "/api/v1/children/{id}/drills", operation_id = "recordDrill",
    summary = "Record an evacuation drill (避難訓練) for the child",
    params(("id" = String, Path)), request_body = domain::disaster::DrillInput, responses((status = 201, description = "Recorded", body = crate::api_schema::Created)))]
pub async fn api_drill(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: DrillInput = crate::ui::json_body(&a, &body)?;
    let drill = crate::shared::scope_before_errors(
        input.parse(a.today()).map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await?;
    let did = state
        .store
        .record_drill(a.actor(), &id, &drill, a.now)
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": did }))))
}

/// GET /api/v1/emergency-sheets?municipality=
#[utoipa::path(get, path = "/api/v1/emergency-sheets", operation_id = "emergencySheets",
    summary = "Emergency information sheets of every active child in a municipality or prefecture (audited)",
    params(SheetsQuery), responses((status = 200, description = "Sheets", body = crate::api_schema::Items<store::plans::EmergencySheet>)))]
pub async fn api_sheets(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<SheetsQuery>, axum_extra::extract::QueryRejection>,
) -> Result<Json<serde_json::Value>, WebError> {
    let q = crate::ui::query(&a, q)?;
    let items = state
        .store
        .emergency_sheets(a.actor(), None, Some(&q.municipality), a.now)
        .await?;
    Ok(Json(serde_json::json!({ "items": items })))
}
