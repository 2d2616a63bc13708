//! Consent records and referrals of a child (同意・紹介): page and JSON API.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Json;
use axum_extra::extract::Form;
use domain::consent::{
    ConsentDraft, ConsentInput, ConsentMethod, RecipientKind, ReferralInput, SharedItem,
};
use serde::Deserialize;
use store::consents::{ConsentOverview, OVERRIDE_ROLES};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{page_status, FormErrors, Layout, PageResult};
use crate::AppState;

#[derive(Template)]
#[template(path = "consents.html")]
struct ConsentsPage {
    l: Layout,
    child_id: String,
    overview: ConsentOverview,
    centers: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    items: Vec<(String, String)>,
    methods: Vec<(String, String)>,
    form: ConsentInput,
    to_center: String,
    errors: FormErrors,
    refer_errors: FormErrors,
    may_override: bool,
    can_write: bool,
    notice: String,
}

impl ConsentsPage {
    fn kind_label(&self, k: &RecipientKind) -> &'static str {
        k.label(self.l.tr.0)
    }
    fn item_labels(&self, items: &[SharedItem]) -> String {
        items
            .iter()
            .map(|i| i.label(self.l.tr.0))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn method_label(&self, m: &ConsentMethod) -> &'static str {
        m.label(self.l.tr.0)
    }
    fn item_checked(&self, code: &str) -> bool {
        self.form.items.iter().any(|i| i == code)
    }
}

struct Extra {
    form: ConsentInput,
    to_center: String,
    errors: FormErrors,
    refer_errors: FormErrors,
    notice: &'static str,
}

impl Default for Extra {
    fn default() -> Self {
        Extra {
            form: ConsentInput {
                method: "written".into(),
                ..Default::default()
            },
            to_center: String::new(),
            errors: FormErrors::default(),
            refer_errors: FormErrors::default(),
            notice: "",
        }
    }
}

async fn render_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    status: StatusCode,
    extra: Extra,
) -> PageResult {
    let now = a.now;
    let overview = state
        .store
        .child_consents(a.actor(), id, a.today(), now)
        .await?;
    let centers = state.store.other_centers(a.actor()).await?;
    let lang = a.lang;
    let t = ConsentsPage {
        l: Layout::for_user(a, &format!("/children/{id}/consents")),
        child_id: id.to_string(),
        overview,
        centers,
        kinds: RecipientKind::all()
            .into_iter()
            .map(|k| (k.code().to_string(), k.label(lang).to_string()))
            .collect(),
        items: SharedItem::all()
            .into_iter()
            .map(|k| (k.code().to_string(), k.label(lang).to_string()))
            .collect(),
        methods: ConsentMethod::all()
            .into_iter()
            .map(|k| (k.code().to_string(), k.label(lang).to_string()))
            .collect(),
        form: extra.form,
        to_center: extra.to_center,
        errors: extra.errors,
        refer_errors: extra.refer_errors,
        may_override: OVERRIDE_ROLES.contains(&a.actor().role),
        can_write: a.actor().writes_records(),
        notice: if extra.notice.is_empty() {
            String::new()
        } else {
            crate::i18n::Tr(lang).t(extra.notice).to_string()
        },
    };
    page_status(status, &t)
}

/// `?saved=…` after a change.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

/// GET /children/{id}/consents — consents in force and past, referrals, and the forms.
pub async fn page(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    axum_extra::extract::Query(q): axum_extra::extract::Query<SavedQuery>,
) -> PageResult {
    let notice = match q.saved.as_str() {
        "consent" => "consent.saved",
        "withdrawn" => "consent.withdrawn_done",
        "referral" => "consent.referred",
        _ => "",
    };
    render_page(
        &state,
        &a,
        &id,
        StatusCode::OK,
        Extra {
            notice,
            ..Extra::default()
        },
    )
    .await
}

/// Form fields of the consent form (checkboxes `items` repeat).
fn consent_input(pairs: &[(String, String)]) -> ConsentInput {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    ConsentInput {
        recipient_kind: get("recipient_kind"),
        recipient_code: get("recipient_code"),
        recipient_name: get("recipient_name"),
        items: pairs
            .iter()
            .filter(|(k, _)| k == "items")
            .map(|(_, v)| v.clone())
            .collect(),
        given_on: get("given_on"),
        given_by: get("given_by"),
        method: get("method"),
        expires_on: get("expires_on"),
    }
}

/// POST /children/{id}/consents — record a consent.
pub async fn create(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let input = consent_input(&pairs);
    let parsed = crate::shared::scope_before_errors(
        ConsentDraft::parse(&input, a.today()).map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await;
    let saved = match parsed {
        Ok(draft) => {
            state
                .store
                .record_consent(a.actor(), &id, &draft, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => {
            Ok(Redirect::to(&format!("/children/{id}/consents?saved=consent")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            let extra = Extra {
                form: input,
                errors: FormErrors::from(&errs, a.lang),
                ..Extra::default()
            };
            render_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /children/{id}/consents/{consent_id}/withdraw — the family withdrew consent (撤回).
pub async fn withdraw(
    State(state): State<AppState>,
    a: Authed,
    Path((id, consent_id)): Path<(String, String)>,
) -> PageResult {
    state
        .store
        .withdraw_consent(a.actor(), &id, &consent_id, a.today(), a.now)
        .await?;
    Ok(Redirect::to(&format!("/children/{id}/consents?saved=withdrawn")).into_response())
}

/// POST /children/{id}/referrals — share the child with another center.
pub async fn refer(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<ReferralInput>,
) -> PageResult {
    let parsed = crate::shared::scope_before_errors(
        f.parse().map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await;
    let referred = match parsed {
        Ok(draft) => {
            state
                .store
                .refer_child(a.actor(), &id, &draft, a.today(), a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match referred {
        Ok(_) => {
            Ok(Redirect::to(&format!("/children/{id}/consents?saved=referral")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            let extra = Extra {
                to_center: f.to_center,
                refer_errors: FormErrors::from(&errs, a.lang),
                ..Extra::default()
            };
            render_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- API

/// GET /api/v1/children/{id}/consents
#[utoipa::path(get, path = "/api/v1/children/{id}/consents", operation_id = "listConsents",
    summary = "Consents and referrals of a child (audited)",
    params(("id" = String, Path)), responses((status = 200, description = "Consents and referrals", body = store::consents::ConsentOverview)))]
pub async fn api_list(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<ConsentOverview>, WebError> {
    Ok(Json(
        state
            .store
            .child_consents(a.actor(), &id, a.today(), a.now)
            .await?,
    ))
}

/// POST /api/v1/children/{id}/consents — 201 with the new consent's id.
#[utoipa::path(post, path = "/api/v1/children/{id}/consents", operation_id = "createConsent",
    summary = "Record a consent to share a child's information",
    params(("id" = String, Path)), request_body = domain::consent::ConsentInput, responses((status = 201, description = "Recorded", body = crate::api_schema::Created)))]
pub async fn api_create(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: ConsentInput = crate::ui::json_body(&a, &body)?;
    let draft = crate::shared::scope_before_errors(
        ConsentDraft::parse(&input, a.today()).map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await?;
    let cid = state
        .store
        .record_consent(a.actor(), &id, &draft, a.now)
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": cid }))))
}

/// POST /api/v1/children/{id}/referrals — 201 with the referral's id; 422 without consent.
#[utoipa::path(post, path = "/api/v1/children/{id}/referrals", operation_id = "referChild",
    summary = "Share a child with another center; needs a consent in force naming it, or an advisor's/admin's override with a reason (audited)",
    params(("id" = String, Path)), request_body = domain::consent::ReferralInput, responses((status = 201, description = "Referred", body = crate::api_schema::Created)))]
pub async fn api_refer(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let f: ReferralInput = crate::ui::json_body(&a, &body)?;
    let draft = crate::shared::scope_before_errors(
        f.parse().map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await?;
    let rid = state
        .store
        .refer_child(a.actor(), &id, &draft, a.today(), a.now)
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": rid }))))
}
