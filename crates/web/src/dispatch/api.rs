//! The dispatch JSON API under `/api/v1`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use axum_extra::extract::Query;
use domain::dispatch::{CoordinatorDraft, CoordinatorInput, RequestDraft, RequestInput};
use store::dispatch::{
    ActivityInput, CoordinatorRecord, DispatchFigures, ProposalInput, Recommendation,
    RequestDetail, RosterFilter,
};
use store::dispatch_home::{CoordinatorHome, LeadHome};

use crate::auth::Authed;
use crate::error::WebError;
use crate::AppState;

use super::figures::{fiscal_year, FyQuery};
use super::notifications::notice_views;
use super::requests::StatusQuery;
use super::show::{ActionBody, AdviceBody};

fn created(id: String) -> impl IntoResponse {
    (StatusCode::CREATED, Json(serde_json::json!({ "id": id })))
}

/// GET /api/v1/coordinators
pub async fn api_roster(
    State(state): State<AppState>,
    a: Authed,
    Query(f): Query<RosterFilter>,
) -> Result<Json<serde_json::Value>, WebError> {
    let items = state.store.list_coordinators(a.actor(), &f).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// POST /api/v1/coordinators
pub async fn api_coordinator_create(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: CoordinatorInput = crate::ui::json_body(&a, &body)?;
    let draft = crate::shared::scope_before_errors(
        CoordinatorDraft::parse(&input, a.today()).map_err(store::StoreError::Validation),
        state.store.check_coordinator_editable(a.actor(), None),
    )
    .await?;
    let id = state
        .store
        .save_coordinator(a.actor(), None, &draft, a.now)
        .await?;
    Ok(created(id))
}

/// PUT /api/v1/coordinators/{id}
pub async fn api_coordinator_update(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<CoordinatorRecord>, WebError> {
    let input: CoordinatorInput = crate::ui::json_body(&a, &body)?;
    let draft = crate::shared::scope_before_errors(
        CoordinatorDraft::parse(&input, a.today()).map_err(store::StoreError::Validation),
        state.store.check_coordinator_editable(a.actor(), Some(&id)),
    )
    .await?;
    state
        .store
        .save_coordinator(a.actor(), Some(&id), &draft, a.now)
        .await?;
    Ok(Json(state.store.get_coordinator(a.actor(), &id).await?))
}

/// GET /api/v1/dispatch-requests
pub async fn api_requests(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<StatusQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let items = state
        .store
        .list_dispatch_requests(a.actor(), &q.status, a.now)
        .await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// POST /api/v1/dispatch-requests
pub async fn api_request_create(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: RequestInput = crate::ui::json_body(&a, &body)?;
    let draft = RequestDraft::parse(&input)?;
    let id = state
        .store
        .create_dispatch_request(a.actor(), &draft, a.today(), a.now)
        .await?;
    Ok(created(id))
}

/// GET /api/v1/dispatch-requests/{id}
pub async fn api_request(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<RequestDetail>, WebError> {
    Ok(Json(
        state
            .store
            .dispatch_request_detail(a.actor(), &id, a.now)
            .await?,
    ))
}

/// GET /api/v1/dispatch-requests/{id}/recommendation
pub async fn api_recommendation(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<Recommendation>, WebError> {
    Ok(Json(
        state.store.recommend(a.actor(), &id, a.today()).await?,
    ))
}

/// POST /api/v1/dispatch-requests/{id}/proposals
pub async fn api_propose(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: ProposalInput = crate::ui::json_body(&a, &body)?;
    let draft = input.parse()?;
    let ids = state
        .store
        .propose_dispatch(a.actor(), &id, &draft, a.today(), a.now)
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "ids": ids }))))
}

/// POST /api/v1/dispatch-requests/{id}/advice
pub async fn api_advice(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let f: AdviceBody = crate::ui::json_body(&a, &body)?;
    state
        .store
        .add_advice(a.actor(), &id, &f.text, a.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// POST /api/v1/dispatches/{id}/actions
pub async fn api_action(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let f: ActionBody = crate::ui::json_body(&a, &body)?;
    let request_id = state
        .store
        .dispatch_action(a.actor(), &id, &f.action, &f.reason, a.now)
        .await?;
    Ok(Json(serde_json::json!({ "request_id": request_id })))
}

/// POST /api/v1/dispatches/{id}/activities
pub async fn api_activity(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: ActivityInput = crate::ui::json_body(&a, &body)?;
    let act = crate::shared::scope_before_errors(
        input
            .parse(a.today())
            .map_err(store::StoreError::Validation),
        state.store.check_activity_recordable(a.actor(), &id),
    )
    .await?;
    let aid = state
        .store
        .record_activity(a.actor(), &id, &act, a.now)
        .await?;
    Ok(created(aid))
}

/// GET /api/v1/notifications
pub async fn api_notifications(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<serde_json::Value>, WebError> {
    let (items, unread) = state.store.notifications(a.actor(), a.now).await?;
    Ok(Json(
        serde_json::json!({ "items": notice_views(items, a.lang), "unread": unread }),
    ))
}

/// GET /api/v1/dispatch-inbox — a coordinator's offers awaiting their answer and running
/// cases.
pub async fn api_inbox(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<CoordinatorHome>, WebError> {
    Ok(Json(state.store.coordinator_home(a.actor(), a.now).await?))
}

/// GET /api/v1/dispatch-pending — requests without a coordinator (未派遣) and urgent ones (至急).
pub async fn api_pending(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<LeadHome>, WebError> {
    Ok(Json(
        state.store.lead_dispatch_home(a.actor(), a.now).await?,
    ))
}

/// GET /api/v1/reports/dispatch?fy=2026
pub async fn api_figures(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<FyQuery>,
) -> Result<Json<DispatchFigures>, WebError> {
    let fy = fiscal_year(&q, a.today());
    Ok(Json(state.store.dispatch_figures(a.actor(), fy).await?))
}
