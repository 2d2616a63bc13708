//! 関係機関: the organizations a center works with.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::{Form, Query};
use domain::vocab::VocabKind;
use serde::Deserialize;
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{
    center_municipalities, choices, page, page_status, FormErrors, Layout, PageResult,
};
use crate::AppState;

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    l: Layout,
    kind: String,
    items: Vec<store::organizations::Organization>,
    kinds: Vec<(String, String)>,
    municipalities: Vec<(String, String)>,
    form: domain::organization::OrganizationForm,
    errors: FormErrors,
    saved: bool,
}

impl OrganizationsPage {
    fn kind_label(&self, code: &str) -> String {
        self.l.tr.vocab(VocabKind::OrganizationKind, code)
    }
    fn muni_name(&self, code: &Option<String>) -> String {
        code.as_deref()
            .and_then(domain::municipality::full_name)
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrganizationsQuery {
    kind: String,
    saved: String,
}

async fn organizations_page(
    state: &AppState,
    a: &Authed,
    kind: String,
    form: domain::organization::OrganizationForm,
    errors: FormErrors,
    saved: bool,
) -> Result<OrganizationsPage, WebError> {
    let items = state
        .store
        .list_organizations(a.actor(), (!kind.is_empty()).then_some(kind.as_str()))
        .await?;
    Ok(OrganizationsPage {
        l: Layout::for_user(a, "/organizations"),
        kind,
        items,
        kinds: choices(VocabKind::OrganizationKind, a.lang),
        municipalities: center_municipalities(state, a).await?,
        form,
        errors,
        saved,
    })
}

/// GET /organizations — 関係機関: the hospitals, providers, schools and offices the center
/// works with, filtered by kind, with a form to add one.
pub async fn organizations_list(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<OrganizationsQuery>,
) -> PageResult {
    let form = domain::organization::OrganizationForm {
        kind: if q.kind.is_empty() {
            "hospital".into()
        } else {
            q.kind.clone()
        },
        ..Default::default()
    };
    page(
        &organizations_page(
            &state,
            &a,
            q.kind,
            form,
            FormErrors::default(),
            q.saved == "1",
        )
        .await?,
    )
}

/// POST /organizations — add one; re-renders with inline errors on bad input.
pub async fn organization_create(
    State(state): State<AppState>,
    a: Authed,
    Form(form): Form<domain::organization::OrganizationForm>,
) -> PageResult {
    let parsed = crate::shared::scope_before_errors(
        form.parse().map_err(StoreError::Validation),
        state.store.check_organization_writable(a.actor()),
    )
    .await;
    let saved = match parsed {
        Ok(draft) => state.store.add_organization(a.actor(), &draft, a.now).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(Redirect::to("/organizations?saved=1").into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            page_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &organizations_page(&state, &a, String::new(), form, errors, false).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}
