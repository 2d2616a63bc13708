//! The batch proposal (一括提案): one proposal for every open request, reviewed and confirmed
//! at once.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Json;
use axum_extra::extract::Form;
use domain::dispatch::{SidesNeeded, Urgency};
use serde::Deserialize;
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{page_status, FormErrors, Layout, PageResult};
use crate::AppState;

use super::area_labels;

#[derive(Template)]
#[template(path = "dispatch_batch.html")]
struct BatchPage {
    l: Layout,
    b: store::dispatch::BatchView,
    errors: FormErrors,
    /// The advisor's edited choices after a refused confirmation: (request, side) → roster id.
    edited: Vec<EditedPick>,
}

impl BatchPage {
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
    fn side_label(&self, code: &str) -> &'static str {
        match code {
            "medical" => self.l.tr.0.pick("医療", "Medical"),
            _ => self.l.tr.0.pick("福祉", "Welfare"),
        }
    }
    fn place(&self, code: &str) -> String {
        area_labels(&[code.to_string()])
    }
    fn msg<'a>(&self, m: &'a store::dispatch::Msg) -> &'a str {
        m.get(self.l.tr.0)
    }
    /// The roster id selected for a request's side: the edited value, else the proposal.
    fn selected(&self, line: &store::dispatch::BatchLine, side: &str) -> String {
        if let Some((_, v)) = self
            .edited
            .iter()
            .find(|((r, s), _)| *r == line.request_id && s == side)
        {
            return v.clone();
        }
        line.proposed
            .iter()
            .find(|(s, _)| s == side)
            .map(|(_, id)| id.clone())
            .unwrap_or_default()
    }
    fn line_error(&self, line: &store::dispatch::BatchLine) -> &str {
        self.errors.get(&format!("line.{}", line.request_id))
    }
}

async fn batch_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    errors: FormErrors,
    edited: Vec<EditedPick>,
) -> PageResult {
    let b = state.store.batch_proposal(a.actor(), a.today()).await?;
    page_status(
        status,
        &BatchPage {
            l: Layout::for_user(a, "/dispatch/batch"),
            b,
            errors,
            edited,
        },
    )
}

/// GET /dispatch/batch — one proposal for every open request (total score maximised under
/// every capacity), for the advisor to review and change.
pub async fn batch(State(state): State<AppState>, a: Authed) -> PageResult {
    batch_page(
        &state,
        &a,
        StatusCode::OK,
        FormErrors::default(),
        Vec::new(),
    )
    .await
}

/// (request, side) → roster id as the advisor left it in the batch form.
type EditedPick = ((String, String), String);

/// The picks of the batch form: fields `medical:{request}` and `welfare:{request}`.
fn batch_picks(pairs: &[(String, String)]) -> (Vec<store::dispatch::BatchPick>, Vec<EditedPick>) {
    let mut picks: Vec<store::dispatch::BatchPick> = Vec::new();
    let mut edited = Vec::new();
    for (k, v) in pairs {
        let Some((side, rid)) = k.split_once(':') else {
            continue;
        };
        if side != "medical" && side != "welfare" {
            continue;
        }
        edited.push(((rid.to_string(), side.to_string()), v.clone()));
        let i = match picks.iter().position(|p| p.request_id == rid) {
            Some(i) => i,
            None => {
                picks.push(store::dispatch::BatchPick {
                    request_id: rid.to_string(),
                    ..Default::default()
                });
                picks.len() - 1
            }
        };
        if side == "medical" {
            picks[i].medical = v.clone();
        } else {
            picks[i].welfare = v.clone();
        }
    }
    (picks, edited)
}

/// POST /dispatch/batch — confirm the (possibly changed) proposal in one transaction.
pub async fn batch_confirm(
    State(state): State<AppState>,
    a: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let (picks, edited) = batch_picks(&pairs);
    match state
        .store
        .confirm_batch(a.actor(), &picks, a.today(), a.now)
        .await
    {
        Ok(n) => Ok(Redirect::to(&format!("/dispatch?status=proposed&batch={n}")).into_response()),
        Err(StoreError::Validation(errs)) => {
            batch_page(
                &state,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                FormErrors::from(&errs, a.lang),
                edited,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /api/v1/dispatch-batch — the proposal as JSON.
#[utoipa::path(get, path = "/api/v1/dispatch-batch", operation_id = "batchProposal",
    summary = "One proposal for every open request maximising the total score under every capacity, with each request's eligible people (advisors, admins; nothing is written)",
    responses((status = 200, description = "Proposal", body = store::dispatch::BatchView)))]
pub async fn api_batch(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<store::dispatch::BatchView>, WebError> {
    Ok(Json(
        state.store.batch_proposal(a.actor(), a.today()).await?,
    ))
}

/// Body of `POST /api/v1/dispatch-batch`.
#[derive(utoipa::ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[schema(as = BatchInput)]
pub struct BatchBody {
    lines: Vec<store::dispatch::BatchPick>,
}

/// POST /api/v1/dispatch-batch — confirm lines `{ lines: [{request_id, medical, welfare}] }`.
#[utoipa::path(post, path = "/api/v1/dispatch-batch", operation_id = "confirmBatch",
    summary = "Confirm lines of a batch in one transaction; every line is checked first (open, eligible, capacity across the batch)",
    request_body = BatchBody, responses((status = 200, description = "Proposed", body = crate::api_schema::BatchProposed)))]
pub async fn api_batch_confirm(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let b: BatchBody = crate::ui::json_body(&a, &body)?;
    let n = state
        .store
        .confirm_batch(a.actor(), &b.lines, a.today(), a.now)
        .await?;
    Ok(Json(serde_json::json!({ "proposed": n })))
}
