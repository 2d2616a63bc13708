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

/// GET /api/v1/openapi.json
pub async fn openapi() -> Response {
    Json(crate::openapi::document()).into_response()
}

/// GET /api/v1/children
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateChildFlags {
    confirm_duplicate: bool,
}

/// POST /api/v1/children — 201 with the record; 409 with candidates for a possible duplicate
/// unless `confirm_duplicate: true`.
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
pub async fn get_child(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult {
    let rec = state.store.view_child(a.actor(), &id, a.now).await?;
    Ok(Json(rec).into_response())
}

/// PATCH /api/v1/children/{id} — send only the fields to change (plus optional `version`).
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodParams {
    from: String,
    to: String,
}

/// GET /api/v1/reports/consultations?from=YYYY-MM-DD&to=YYYY-MM-DD (default: this fiscal year)
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrgQuery {
    kind: String,
}

/// GET /api/v1/organizations?kind=
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
#[derive(Deserialize)]
struct BreakGlassBody {
    reason: String,
}

/// POST /api/v1/children/{id}/break-glass — open a child outside one's scope for three hours,
/// stating why (audited; shown to the center's advisors).
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
pub async fn recent_break_glass(State(state): State<AppState>, a: Authed) -> ApiResult {
    let items = state
        .store
        .recent_break_glass(a.actor(), a.now, store::Via::Api)
        .await?;
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}
