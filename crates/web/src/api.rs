//! JSON API under `/api/v1`. Same store use cases as the pages; errors as
//! `{ "error", "message", "fields" }`. Bodies are parsed by hand from JSON values so a wrongly
//! typed field is a 422 with the field named, never an extractor's plain-text 400.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::Query;
use domain::organization::OrganizationForm;
use serde::Deserialize;
use store::children::{ChildForm, ChildQuery};
use store::consultations::ConsultationQuery;
use store::{Store, StoreError};

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{from_object, invalid, json_body, json_object, query};
use crate::AppState;

type ApiResult = Result<Response, WebError>;

/// GET /api/v1/children
#[utoipa::path(get, path = "/api/v1/children", operation_id = "listChildren",
    summary = "Search children (keyset paginated)",
    params(store::children::ChildQuery), responses((status = 200, description = "A page of children", body = store::children::ChildPage)))]
pub async fn list_children(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<ChildQuery>, axum_extra::extract::QueryRejection>,
) -> ApiResult {
    let q = query(&a, q)?;
    let page = state
        .store
        .search_children(a.actor(), &q, a.now, store::Via::Api)
        .await?;
    Ok(Json(page).into_response())
}

#[derive(utoipa::ToSchema, Deserialize, Default)]
#[serde(default)]
pub(crate) struct CreateChildFlags {
    confirm_duplicate: bool,
}

/// The body of `POST /api/v1/children`: the child's fields and the creation-only flag, both
/// decoded from the one object (`api::create_child`).
#[derive(utoipa::ToSchema)]
#[schema(as = ChildCreate)]
#[allow(dead_code)] // the document's view of the body; decoded as its two parts
pub(crate) struct ChildCreate {
    #[serde(flatten)]
    form: store::children::ChildForm,
    #[serde(flatten)]
    flags: CreateChildFlags,
}

/// POST /api/v1/children — 201 with the record; 409 with candidates for a possible duplicate
/// unless `confirm_duplicate: true`.
#[utoipa::path(post, path = "/api/v1/children", operation_id = "createChild",
    summary = "Register a child",
    request_body = ChildCreate, responses((status = 201, description = "Registered", body = store::children::ChildRecord), (status = 409, description = "Possible duplicate (same kana and birth date); resend with confirm_duplicate", body = crate::api_schema::ApiError)))]
pub async fn create_child(State(state): State<AppState>, a: Authed, body: Bytes) -> ApiResult {
    let m = json_object(&a, &body)?;
    let flags: CreateChildFlags = from_object(&a, m.clone())?;
    let form: ChildForm = from_object(&a, m)?;
    let draft = crate::children::parse_child(&state, &a, &form).await?;
    let now = a.now;
    match state.store.register_child(a.actor(), &draft, flags.confirm_duplicate, now).await {
        Ok(id) => {
            let rec = state.store.view_child(a.actor(), &id, now).await?;
            Ok((StatusCode::CREATED, Json(rec)).into_response())
        }
        Err(StoreError::PossibleDuplicate(d)) => Ok((
            StatusCode::CONFLICT,
            Json(serde_json::json!({
                "error": "possible_duplicate",
                "message": a.lang.pick("同じフリガナと生年月日の児童が登録されています。登録する場合は confirm_duplicate を true にしてください",
                                       "A child with the same kana and birth date exists; send confirm_duplicate: true to register anyway"),
                "fields": {},
                "candidates": d,
            })),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// GET /api/v1/children/{id} (audited view)
#[utoipa::path(get, path = "/api/v1/children/{id}", operation_id = "getChild",
    summary = "A child's record (audited)",
    params(("id" = String, Path)), responses((status = 200, description = "The child", body = store::children::ChildRecord)))]
pub async fn get_child(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult {
    let rec = state.store.view_child(a.actor(), &id, a.now).await?;
    Ok(Json(rec).into_response())
}

/// PATCH /api/v1/children/{id} — send only the fields to change (plus optional `version`).
#[utoipa::path(patch, path = "/api/v1/children/{id}", operation_id = "patchChild",
    summary = "Change some fields of a child",
    params(("id" = String, Path)), request_body = crate::api_schema::ChildPatch, responses((status = 200, description = "Updated", body = store::children::ChildRecord), (status = 409, description = "Changed by someone else since `version`", body = crate::api_schema::ApiError)))]
pub async fn patch_child(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let patch = json_object(&a, &body)?;
    let now = a.now;
    let current = state.store.view_child(a.actor(), &id, now).await?;
    let version = match patch.get("version") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| invalid(&a, domain::messages::api::version_not_integer()))?,
        ),
    };
    let mut merged = match serde_json::to_value(&current.form) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => {
            return Err(WebError::Internal(
                "child form did not serialise to an object".into(),
            ))
        }
    };
    for (k, v) in patch {
        if merged.contains_key(&k) {
            merged.insert(k, v);
        }
    }
    let form: ChildForm = from_object(&a, merged)?;
    let draft = crate::children::parse_child(&state, &a, &form).await?;
    state
        .store
        .update_child(a.actor(), &id, &draft, version, now)
        .await?;
    let rec = state.store.view_child(a.actor(), &id, now).await?;
    Ok(Json(rec).into_response())
}

/// GET /api/v1/consultations
#[utoipa::path(get, path = "/api/v1/consultations", operation_id = "listConsultations",
    summary = "List consultations, newest first",
    params(store::consultations::ConsultationQuery), responses((status = 200, description = "A page of consultations", body = store::consultations::ConsultationPage)))]
pub async fn list_consultations(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<ConsultationQuery>, axum_extra::extract::QueryRejection>,
) -> ApiResult {
    let q = query(&a, q)?;
    let page = state
        .store
        .list_consultations(a.actor(), &q, a.now, store::Via::Api)
        .await?;
    Ok(Json(page).into_response())
}

/// POST /api/v1/consultations — 201 with the stored consultation.
#[utoipa::path(post, path = "/api/v1/consultations", operation_id = "createConsultation",
    summary = "Record a consultation",
    request_body = store::consultations::ConsultationForm, responses((status = 201, description = "Recorded. An unregistered `person` whose normalised name and reading (width, spaces, hiragana/katakana) match an earlier person of the center is linked to that person (`person_linked`: true, `person_id` is theirs) unless `person.distinct` is true", body = crate::api_schema::ConsultationCreated)))]
pub async fn create_consultation(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> ApiResult {
    let m = json_object(&a, &body)?;
    let form: store::consultations::ConsultationForm = from_object(&a, m)?;
    let draft = form.parse(a.now)?;
    let rec = state
        .store
        .record_consultation_linked(a.actor(), &draft, a.now)
        .await?;
    let c = state.store.get_consultation(a.actor(), &rec.id).await?;
    // The record plus whether its unregistered person is an earlier one (same normalised
    // name and reading in the center) rather than one created now: the caller learns that
    // the call was linked without a second request.
    #[derive(serde::Serialize)]
    struct Created {
        #[serde(flatten)]
        consultation: store::consultations::Consultation,
        person_linked: bool,
    }
    let body = Created {
        consultation: c,
        person_linked: rec.person_linked,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// GET /api/v1/consultations/{id} — the record with its follow-up and course (audited view).
#[utoipa::path(get, path = "/api/v1/consultations/{id}", operation_id = "getConsultation",
    summary = "One consultation with its follow-up and course (audited)",
    params(("id" = String, Path)), responses((status = 200, description = "The consultation", body = store::consultations::ConsultationRecord)))]
pub async fn get_consultation(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult {
    let rec = state.store.view_consultation(a.actor(), &id, a.now).await?;
    Ok(Json(rec).into_response())
}

/// PATCH /api/v1/consultations/{id} — send only the fields to change (plus optional
/// `version`: 409 when the record changed since).
#[utoipa::path(patch, path = "/api/v1/consultations/{id}", operation_id = "patchConsultation",
    summary = "Change some fields; `followup_done: true` closes the follow-up",
    params(("id" = String, Path)), request_body = crate::api_schema::ConsultationPatch, responses((status = 200, description = "Updated", body = store::consultations::ConsultationRecord), (status = 409, description = "Changed by someone else since `version`", body = crate::api_schema::ApiError)))]
pub async fn patch_consultation(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let patch = json_object(&a, &body)?;
    let now = a.now;
    let current = state.store.view_consultation(a.actor(), &id, now).await?;
    let version = match patch.get("version") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| invalid(&a, domain::messages::api::version_not_integer()))?,
        ),
    };
    let mut merged = match serde_json::to_value(Store::consultation_form(&current.consultation)) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => {
            return Err(WebError::Internal(
                "consultation form did not serialise to an object".into(),
            ))
        }
    };
    // A mistyped flag must not be ignored: the caller would believe the follow-up closed.
    let done = match patch.get("followup_done") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(
            v.as_bool()
                .ok_or_else(|| invalid(&a, domain::messages::api::followup_done_not_bool()))?,
        ),
    };
    for (k, v) in patch {
        if merged.contains_key(&k) {
            merged.insert(k, v);
        }
    }
    let form: store::consultations::ConsultationForm = from_object(&a, merged)?;
    let draft = form.parse(now)?;
    state
        .store
        .update_consultation(a.actor(), &id, &draft, version, now)
        .await?;
    if done == Some(true) {
        state.store.complete_followup(a.actor(), &id, now).await?;
    }
    let rec = state.store.view_consultation(a.actor(), &id, now).await?;
    Ok(Json(rec).into_response())
}

#[derive(utoipa::IntoParams, Deserialize, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    #[param(schema_with = domain::openapi::date_or_blank)]
    from: String,
    #[param(schema_with = domain::openapi::date_or_blank)]
    to: String,
}

/// GET /api/v1/reports/consultations?from=YYYY-MM-DD&to=YYYY-MM-DD (default: this fiscal year)
#[utoipa::path(get, path = "/api/v1/reports/consultations", operation_id = "consultationReport",
    summary = "延べ件数・実人数 and breakdowns for a period (default: current fiscal year)",
    params(PeriodParams), responses((status = 200, description = "Figures", body = store::reports::ConsultationReport)))]
pub async fn consultation_report(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<PeriodParams>, axum_extra::extract::QueryRejection>,
) -> ApiResult {
    let q = query(&a, q)?;
    let (from, to) = crate::reports::parse_period(&q.from, &q.to, a.today()).map_err(|errors| {
        WebError::Invalid {
            errors,
            lang: a.lang,
        }
    })?;
    let r = state.store.consultation_report(a.actor(), from, to).await?;
    Ok(Json(r).into_response())
}

#[derive(utoipa::IntoParams, Deserialize, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    kind: String,
}

/// GET /api/v1/organizations?kind=
#[utoipa::path(get, path = "/api/v1/organizations", operation_id = "listOrganizations",
    summary = "Organizations of the center",
    params(OrgQuery), responses((status = 200, description = "Organizations", body = crate::api_schema::Items<store::organizations::Organization>)))]
pub async fn list_organizations(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<OrgQuery>, axum_extra::extract::QueryRejection>,
) -> ApiResult {
    let q = query(&a, q)?;
    let kind = (!q.kind.is_empty()).then_some(q.kind.as_str());
    let list = state.store.list_organizations(a.actor(), kind).await?;
    Ok(Json(serde_json::json!({ "items": list })).into_response())
}

/// POST /api/v1/organizations
#[utoipa::path(post, path = "/api/v1/organizations", operation_id = "createOrganization",
    summary = "Register an organization",
    request_body = domain::organization::OrganizationForm, responses((status = 201, description = "Registered", body = crate::api_schema::Created)))]
pub async fn create_organization(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> ApiResult {
    let m = json_object(&a, &body)?;
    let f: OrganizationForm = from_object(&a, m)?;
    let draft = crate::shared::scope_before_errors(
        f.parse().map_err(store::StoreError::Validation),
        state.store.check_organization_writable(a.actor()),
    )
    .await?;
    let id = state
        .store
        .add_organization(a.actor(), &draft, a.now)
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

/// Body of `POST /api/v1/children/{id}/break-glass`.
#[derive(utoipa::ToSchema, Deserialize)]
#[schema(as = BreakGlassInput)]
struct BreakGlassBody {
    #[schema(
        min_length = 10,
        max_length = 500,
        pattern = "^[^\\s\\x00-\\x1f\\x7f][^\\x00-\\x1f\\x7f]{8,}[^\\s\\x00-\\x1f\\x7f]$"
    )]
    reason: String,
}

/// POST /api/v1/children/{id}/break-glass — open a child outside one's scope for three hours,
/// stating why (audited; shown to the center's advisors).
#[utoipa::path(post, path = "/api/v1/children/{id}/break-glass", operation_id = "breakGlass",
    summary = "Open a child outside one's scope for 3 hours, stating why (coordinators; audited, shown to advisors)",
    params(("id" = String, Path)), request_body = BreakGlassBody, responses((status = 201, description = "Granted", body = store::break_glass::BreakGlass)))]
pub async fn break_glass(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let b: BreakGlassBody = json_body(&a, &body)?;
    let grant = state
        .store
        .open_break_glass(a.actor(), &id, &b.reason, a.now)
        .await?;
    Ok((StatusCode::CREATED, Json(grant)).into_response())
}

/// GET /api/v1/break-glass — the center's break-the-glass grants of the last seven days.
#[utoipa::path(get, path = "/api/v1/break-glass", operation_id = "listBreakGlass",
    summary = "Break-the-glass grants of the center in the last 7 days (advisors, admins)",
    responses((status = 200, description = "Grants", body = crate::api_schema::Items<store::break_glass::BreakGlass>)))]
pub async fn recent_break_glass(State(state): State<AppState>, a: Authed) -> ApiResult {
    let items = state
        .store
        .recent_break_glass(a.actor(), a.now, store::Via::Api)
        .await?;
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}
