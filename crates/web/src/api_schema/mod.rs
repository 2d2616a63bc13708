//! Schemas of the answers and bodies the API handlers build in place (`json!({ "items": … })`,
//! the error body) rather than as a named type, for the OpenAPI document (`crate::openapi`).
//! Each names the real types of its parts, so only the wrapper's field names are written here.
//! A leaf module: the handlers name these in their `#[utoipa::path]` attributes.

pub mod fields;

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// `{ "id" }` of a created record (201).
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// The new record's id.
    pub id: String,
}

/// `{ "items": [...] }`, the answer of the list operations without paging.
#[derive(Serialize, ToSchema)]
pub struct Items<T: ToSchema> {
    /// The records.
    pub items: Vec<T>,
}

/// The error body of every API error (`ui::error_page::json_error`).
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ApiError {
    /// Machine-readable code, e.g. `invalid`, `forbidden`, `possible_duplicate`.
    pub error: String,
    /// Human-readable message in the caller's language.
    pub message: String,
    /// Bad fields: name → message (422).
    pub fields: BTreeMap<String, String>,
    /// Possible duplicates (409 of `createChild` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<serde_json::Value>>,
}

/// A PATCH of a child takes any `ChildInput` field (the handler merges it over the stored
/// form), so `openapi::PatchSchemas` adds those properties here, none required.
#[derive(ToSchema)]
#[schema(as = ChildPatch)]
pub struct ChildPatch {
    /// The version the change is based on: 409 when the child changed since; null or absent
    /// skips the check.
    pub version: Option<i64>,
}

/// A PATCH of a consultation: any `ConsultationInput` field (added by
/// `openapi::PatchSchemas`), plus these.
#[derive(ToSchema)]
#[schema(as = ConsultationPatch)]
pub struct ConsultationPatch {
    /// true closes the follow-up; false or null leaves it.
    pub followup_done: Option<bool>,
    /// The version the change is based on: 409 when the consultation changed since; null or
    /// absent skips the check.
    pub version: Option<i64>,
}

/// 201 of `POST /api/v1/consultations` (`api::create_consultation`): the record plus whether
/// its unregistered person is an earlier one.
#[derive(Serialize, ToSchema)]
#[schema(as = ConsultationCreated)]
pub struct ConsultationCreated {
    #[serde(flatten)]
    pub consultation: store::consultations::Consultation,
    /// The unregistered person was linked to an earlier person of the center.
    pub person_linked: bool,
}

/// `{ "ids" }` of `POST /api/v1/dispatch-requests/{id}/proposals`.
#[derive(Serialize, ToSchema)]
pub struct ProposalIds {
    /// The new dispatches' ids.
    pub ids: Vec<String>,
}

/// `{ "request_id" }` of `POST /api/v1/dispatches/{id}/actions`.
#[derive(Serialize, ToSchema)]
pub struct ActionAnswer {
    /// The request of the dispatch.
    pub request_id: String,
}

/// `{ "proposed" }` of `POST /api/v1/dispatch-batch`.
#[derive(Serialize, ToSchema)]
pub struct BatchProposed {
    /// Dispatches proposed.
    pub proposed: i64,
}

/// 201 of `POST /api/v1/children/{id}/plan` (`plans_api::api_plan_save`).
#[derive(Serialize, ToSchema)]
pub struct PlanSaved {
    /// The new version's number.
    pub version: i64,
    /// `agreed`, or `draft` when there are warnings.
    #[schema(schema_with = plan_status)]
    pub status: String,
    /// What keeps it a draft.
    pub warnings: Vec<String>,
}

fn plan_status() -> utoipa::openapi::schema::ObjectBuilder {
    domain::openapi::one_of(["agreed", "draft"])
}

/// `{ "changes" }` of `GET /api/v1/children/{id}/plan/diff`.
#[derive(Serialize, ToSchema)]
pub struct PlanChanges {
    /// Field-by-field differences.
    pub changes: Vec<domain::plan::Change>,
}
