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
use super::notifications::{notice_views, NoticeView};
use super::requests::StatusQuery;
use super::show::{ActionBody, AdviceBody};

fn created(id: String) -> impl IntoResponse {
    (StatusCode::CREATED, Json(serde_json::json!({ "id": id })))
}

/// GET /api/v1/coordinators
#[utoipa::path(get, path = "/api/v1/coordinators", operation_id = "listCoordinators",
    summary = "The center's coordinator roster (コーディネーター名簿), filtered",
    params(store::dispatch::RosterFilter), responses((status = 200, description = "Roster", body = crate::api_schema::Items<store::dispatch::CoordinatorRecord>)))]
pub async fn api_roster(
    State(state): State<AppState>,
    a: Authed,
    f: Result<Query<RosterFilter>, axum_extra::extract::QueryRejection>,
) -> Result<Json<serde_json::Value>, WebError> {
    let f = crate::ui::query(&a, f)?;
    let items = state.store.list_coordinators(a.actor(), &f).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// POST /api/v1/coordinators
#[utoipa::path(post, path = "/api/v1/coordinators", operation_id = "createCoordinator",
    summary = "Add a coordinator to the roster (advisors, admins; audited)",
    request_body = domain::dispatch::CoordinatorInput, responses((status = 201, description = "Added", body = crate::api_schema::Created)))]
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
#[utoipa::path(put, path = "/api/v1/coordinators/{id}", operation_id = "replaceCoordinator",
    summary = "Replace a roster entry (advisors, admins; audited)",
    params(("id" = String, Path)), request_body = domain::dispatch::CoordinatorInput, responses((status = 200, description = "The entry", body = store::dispatch::CoordinatorRecord)))]
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
#[utoipa::path(get, path = "/api/v1/dispatch-requests", operation_id = "listDispatchRequests",
    summary = "Dispatch requests (派遣依頼) of the center; without status: those in progress",
    params(super::requests::StatusQuery), responses((status = 200, description = "Requests", body = crate::api_schema::Items<store::dispatch::RequestSummary>)))]
pub async fn api_requests(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<StatusQuery>, axum_extra::extract::QueryRejection>,
) -> Result<Json<serde_json::Value>, WebError> {
    let q = crate::ui::query(&a, q)?;
    let items = state
        .store
        .list_dispatch_requests(a.actor(), &q.status, a.now)
        .await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// POST /api/v1/dispatch-requests
#[utoipa::path(post, path = "/api/v1/dispatch-requests", operation_id = "createDispatchRequest",
    summary = "Ask for a coordinator for a child (the municipality comes from the child)",
    request_body = domain::dispatch::RequestInput, responses((status = 201, description = "Created", body = crate::api_schema::Created)))]
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
#[utoipa::path(get, path = "/api/v1/dispatch-requests/{id}", operation_id = "getDispatchRequest",
    summary = "A request with its dispatches, timeline and activities (audited)",
    params(("id" = String, Path)), responses((status = 200, description = "The request", body = store::dispatch::RequestDetail)))]
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
#[utoipa::path(get, path = "/api/v1/dispatch-requests/{id}/recommendation", operation_id = "recommendCoordinators",
    summary = "Ranked candidates with reasons, best pairs for a request needing both sides, and who breaks which rule (advisors, admins)",
    params(("id" = String, Path)), responses((status = 200, description = "Recommendation", body = store::dispatch::Recommendation)))]
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
#[utoipa::path(post, path = "/api/v1/dispatch-requests/{id}/proposals", operation_id = "proposeDispatch",
    summary = "Propose the request to one coordinator (two for a pair); a broken rule needs override_reason (audited)",
    params(("id" = String, Path)), request_body = store::dispatch::ProposalInput, responses((status = 201, description = "Proposed", body = crate::api_schema::ProposalIds)))]
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
#[utoipa::path(post, path = "/api/v1/dispatch-requests/{id}/advice", operation_id = "addAdvice",
    summary = "A coordinator on the request asks for advice; an advisor or admin gives it (助言)",
    params(("id" = String, Path)), request_body = super::show::AdviceBody, responses((status = 204, description = "Added to the timeline")))]
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
#[utoipa::path(post, path = "/api/v1/dispatches/{id}/actions", operation_id = "dispatchAction",
    summary = "Accept, decline (reason), withdraw, start, complete or cancel (reason) one dispatch",
    params(("id" = String, Path)), request_body = super::show::ActionBody, responses((status = 200, description = "Done", body = crate::api_schema::ActionAnswer)))]
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
#[utoipa::path(post, path = "/api/v1/dispatches/{id}/activities", operation_id = "recordActivity",
    summary = "Record a visit, call or meeting on an accepted or active dispatch",
    params(("id" = String, Path)), request_body = store::dispatch::ActivityInput, responses((status = 201, description = "Recorded", body = crate::api_schema::Created)))]
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

/// The caller's notifications (`dispatch::api::api_notifications`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // the document's view of the answer built with `json!`
pub(crate) struct Notifications {
    /// Latest 50.
    pub items: Vec<NoticeView>,
    /// Unread count.
    pub unread: i64,
}

/// GET /api/v1/notifications
#[utoipa::path(get, path = "/api/v1/notifications", operation_id = "listNotifications",
    summary = "The caller's latest 50 notifications (naming the child and the urgency where the caller may see the request; audited then) and the unread count",
    responses((status = 200, description = "Notifications", body = Notifications)))]
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
#[utoipa::path(get, path = "/api/v1/dispatch-inbox", operation_id = "dispatchInbox",
    summary = "A coordinator's dispatch offers awaiting their answer (most urgent first) and running cases (coordinators; audited)",
    responses((status = 200, description = "Offers and cases", body = store::dispatch_home::CoordinatorHome)))]
pub async fn api_inbox(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<CoordinatorHome>, WebError> {
    Ok(Json(state.store.coordinator_home(a.actor(), a.now).await?))
}

/// GET /api/v1/dispatch-pending — requests without a coordinator (未派遣) and urgent ones (至急).
#[utoipa::path(get, path = "/api/v1/dispatch-pending", operation_id = "dispatchPending",
    summary = "Requests of the center without a coordinator (未派遣) and urgent ones (至急) still in progress, at most 20 each (advisors, admins; audited)",
    responses((status = 200, description = "Requests", body = store::dispatch_home::LeadHome)))]
pub async fn api_pending(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<LeadHome>, WebError> {
    Ok(Json(
        state.store.lead_dispatch_home(a.actor(), a.now).await?,
    ))
}

/// GET /api/v1/reports/dispatch?fy=2026
#[utoipa::path(get, path = "/api/v1/reports/dispatch", operation_id = "dispatchFigures",
    summary = "Dispatch figures of a fiscal year: per coordinator, municipality and topic; median days to acceptance; declined share",
    params(super::figures::FyQuery), responses((status = 200, description = "Figures", body = store::dispatch::DispatchFigures)))]
pub async fn api_figures(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<FyQuery>, axum_extra::extract::QueryRejection>,
) -> Result<Json<DispatchFigures>, WebError> {
    let q = crate::ui::query(&a, q)?;
    let fy = fiscal_year(&q, a.today());
    Ok(Json(state.store.dispatch_figures(a.actor(), fy).await?))
}
