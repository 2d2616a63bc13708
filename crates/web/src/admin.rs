//! Staff and center administration in the browser and the API (admin only): add a user with a
//! temporary password, change a role, reset a password, edit the center's details and the work
//! it runs. Disable/enable and the other account actions stay in `account.rs`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Json;
use axum_extra::extract::{Form, Query};
use domain::account::{NewAccount, RoleChange};
use domain::center::CenterForm;
use domain::{Lang, Role};
use serde::Deserialize;
use store::accounts::{TemporaryPassword, UserSummary};
use store::centers::CenterProfile;
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{page, page_status, FormErrors, Layout, PageResult};
use crate::AppState;

/// Roles an admin may pick in this center, with their labels as the center shows them.
pub(crate) fn grantable_roles(lang: Lang, runs_dispatch: bool) -> Vec<(Role, String)> {
    Role::all()
        .into_iter()
        .filter(|r| r.grantable_by_admin(runs_dispatch).is_ok())
        .map(|r| (r, r.label_at(lang, runs_dispatch).to_string()))
        .collect()
}

// ---------------------------------------------------------------- add a user

#[derive(Template)]
#[template(path = "admin_user_new.html")]
struct NewUserPage {
    l: Layout,
    roles: Vec<(Role, String)>,
    form: NewAccount,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "admin_temp_password.html")]
struct TempPasswordPage {
    l: Layout,
    created: bool,
    user: UserSummary,
    role_label: String,
    password: String,
}

fn new_user_page(a: &Authed, form: NewAccount, errors: FormErrors) -> NewUserPage {
    NewUserPage {
        l: Layout::for_user(a, "/admin/users/new"),
        roles: grantable_roles(a.lang, a.id.context.runs_dispatch),
        form,
        errors,
    }
}

/// GET /admin/users/new — the form to add a user.
pub async fn user_new(a: Authed) -> PageResult {
    let form = NewAccount {
        role: Role::Consultant.code().into(),
        ..NewAccount::default()
    };
    page(&new_user_page(&a, form, FormErrors::default()))
}

fn temp_password_page(a: &Authed, created: bool, t: TemporaryPassword) -> TempPasswordPage {
    TempPasswordPage {
        l: Layout::for_user(a, "/admin/users"),
        created,
        role_label: t
            .user
            .role
            .label_at(a.lang, a.id.context.runs_dispatch)
            .to_string(),
        user: t.user,
        password: t.temporary_password,
    }
}

/// POST /admin/users — add the user; the page shows the temporary password once.
pub async fn user_create(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<NewAccount>,
) -> PageResult {
    let parsed = crate::shared::scope_before_errors(
        f.parse().map_err(StoreError::Validation),
        state.store.check_accounts_admin(a.actor()),
    )
    .await;
    let created = match parsed {
        Ok(draft) => state.store.create_account(a.actor(), &draft, a.now).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(t) => page_status(StatusCode::CREATED, &temp_password_page(&a, true, t)),
        Err(StoreError::Validation(errs)) => page_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_user_page(&a, f, FormErrors::from(&errs, a.lang)),
        ),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- role and password

/// Role change form body.
type RoleForm = RoleChange;

/// POST /admin/users/{id}/role — change a user's role.
pub async fn user_role(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<RoleForm>,
) -> PageResult {
    let change = crate::shared::scope_before_errors(
        f.parse().map_err(StoreError::Validation),
        state.store.check_user_editable(a.actor(), &id),
    )
    .await?;
    state.store.set_role(a.actor(), &id, &change, a.now).await?;
    Ok(Redirect::to("/admin/users?done=role").into_response())
}

/// POST /admin/users/{id}/reset-password — a new temporary password, shown once.
pub async fn user_reset_password(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> PageResult {
    let t = state.store.reset_password(a.actor(), &id, a.now).await?;
    page(&temp_password_page(&a, false, t))
}

// ---------------------------------------------------------------- center

#[derive(Template)]
#[template(path = "admin_center.html")]
struct CenterPage {
    l: Layout,
    c: CenterProfile,
    errors: FormErrors,
    notice: String,
}

/// `?saved=1` after a change.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

/// GET /admin/center — the center's details and the work it runs.
pub async fn center(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let c = state.store.center_profile(a.actor()).await?;
    page(&CenterPage {
        l: Layout::for_user(&a, "/admin/center"),
        c,
        errors: FormErrors::default(),
        notice: if q.saved.is_empty() {
            String::new()
        } else {
            crate::i18n::Tr(a.lang).t("admin.center_saved").to_string()
        },
    })
}

/// Center form body: checkboxes arrive only when ticked.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CenterFormBody {
    name: String,
    contact_phone: String,
    contact_email: String,
    address: String,
    opening_hours: String,
    runs_dispatch: String,
    runs_payments: String,
}

/// POST /admin/center — save the center's details and work.
pub async fn center_save(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<CenterFormBody>,
) -> PageResult {
    let form = CenterForm {
        name: f.name,
        contact_phone: f.contact_phone,
        contact_email: f.contact_email,
        address: f.address,
        opening_hours: f.opening_hours,
        runs_dispatch: !f.runs_dispatch.is_empty(),
        runs_payments: !f.runs_payments.is_empty(),
    };
    let parsed = crate::shared::scope_before_errors(
        form.parse().map_err(StoreError::Validation),
        state.store.check_center_editable(a.actor()),
    )
    .await;
    let saved = match parsed {
        Ok(draft) => state.store.update_center(a.actor(), &draft, a.now).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(Redirect::to("/admin/center?saved=1").into_response()),
        Err(StoreError::Validation(errs)) => {
            let current = state.store.center_profile(a.actor()).await?;
            // Show what was typed, so the admin corrects it rather than typing it again.
            let c = CenterProfile {
                name: form.name,
                contact_phone: form.contact_phone,
                contact_email: form.contact_email,
                address: form.address,
                opening_hours: form.opening_hours,
                runs_dispatch: form.runs_dispatch,
                runs_payments: form.runs_payments,
                ..current
            };
            page_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CenterPage {
                    l: Layout::for_user(&a, "/admin/center"),
                    c,
                    errors: FormErrors::from(&errs, a.lang),
                    notice: String::new(),
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- API

/// POST /api/v1/users — `{"login", "display_name", "role", "municipalities"?}`; answers 201
/// with the user and `temporary_password` (shown this once; the user must change it at first
/// login).
#[utoipa::path(post, path = "/api/v1/users", operation_id = "createUser",
    summary = "Add a user to the admin's center with a temporary password, shown in this answer only; the user must change it at first login (admin, audited). 422: bad or duplicate login, empty or too long name, unknown role, a role the admin may not grant (auditor) or the center does not use (coordinator without dispatch), missing municipality codes of a municipal officer",
    request_body = domain::account::NewAccount, responses((status = 201, description = "Added; temporary_password is shown once", body = store::accounts::TemporaryPassword)))]
pub async fn api_user_create(
    State(state): State<AppState>,
    a: Authed,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<TemporaryPassword>), WebError> {
    let f: NewAccount = crate::ui::json_body(&a, &body)?;
    let draft = crate::shared::scope_before_errors(
        f.parse().map_err(StoreError::Validation),
        state.store.check_accounts_admin(a.actor()),
    )
    .await?;
    let t = state.store.create_account(a.actor(), &draft, a.now).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Body of `PUT /api/v1/users/{id}/role`.
#[derive(utoipa::ToSchema, Deserialize)]
#[schema(as = RoleInput)]
pub struct RoleBody {
    #[schema(schema_with = domain::openapi::grantable_role)]
    role: String,
    #[serde(default)]
    municipalities: String,
}

/// PUT /api/v1/users/{id}/role — `{"role", "municipalities"?}`; answers the user.
#[utoipa::path(put, path = "/api/v1/users/{id}/role", operation_id = "setUserRole",
    summary = "Change a user's role; the user's sessions end (admin, audited). 422 for one's own role, an auditor's, or a role the admin may not grant; 404 for another center's user",
    params(("id" = String, Path)), request_body = RoleBody, responses((status = 200, description = "The user", body = store::accounts::UserSummary)))]
pub async fn api_user_role(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<UserSummary>, WebError> {
    let b: RoleBody = crate::ui::json_body(&a, &body)?;
    let change = crate::shared::scope_before_errors(
        RoleChange {
            role: b.role,
            municipalities: b.municipalities,
        }
        .parse()
        .map_err(StoreError::Validation),
        state.store.check_user_editable(a.actor(), &id),
    )
    .await?;
    Ok(Json(
        state.store.set_role(a.actor(), &id, &change, a.now).await?,
    ))
}

/// POST /api/v1/users/{id}/password-reset — a new temporary password (shown this once); the
/// user's sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", operation_id = "resetUserPassword",
    summary = "Give a user a new temporary password (shown in this answer only; must be changed at next login); their sessions end (admin, audited). 422 for one's own or an auditor's password",
    params(("id" = String, Path)), responses((status = 200, description = "The user and the temporary password", body = store::accounts::TemporaryPassword)))]
pub async fn api_user_reset_password(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<TemporaryPassword>, WebError> {
    Ok(Json(
        state.store.reset_password(a.actor(), &id, a.now).await?,
    ))
}

/// GET /api/v1/center — the caller's center.
#[utoipa::path(get, path = "/api/v1/center", operation_id = "getCenter",
    summary = "The admin's center: details and the work it runs (admin)",
    responses((status = 200, description = "The center", body = store::centers::CenterProfile)))]
pub async fn api_center(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<CenterProfile>, WebError> {
    Ok(Json(state.store.center_profile(a.actor()).await?))
}

/// Body of `PUT /api/v1/center`: the whole center, so a missing work flag is an error rather
/// than silently switching that work off.
#[derive(utoipa::ToSchema, Deserialize)]
#[schema(as = CenterInput)]
pub struct CenterBody {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    address: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    opening_hours: String,
    runs_dispatch: bool,
    runs_payments: bool,
}

/// PUT /api/v1/center — replace the center's details and work; answers the center.
#[utoipa::path(put, path = "/api/v1/center", operation_id = "replaceCenter",
    summary = "Replace the center's details and work (admin, audited). Centers that do not run coordinator dispatch or prefecture-paid statements do not show those menus and their routes answer 404. 422: empty or too long name, bad phone or email, dispatch switched off while coordinator accounts are active",
    request_body = CenterBody, responses((status = 200, description = "The center", body = store::centers::CenterProfile)))]
pub async fn api_center_save(
    State(state): State<AppState>,
    a: Authed,
    body: axum::body::Bytes,
) -> Result<Json<CenterProfile>, WebError> {
    let b: CenterBody = crate::ui::json_body(&a, &body)?;
    let form = CenterForm {
        name: b.name,
        contact_phone: b.contact_phone,
        contact_email: b.contact_email,
        address: b.address,
        opening_hours: b.opening_hours,
        runs_dispatch: b.runs_dispatch,
        runs_payments: b.runs_payments,
    };
    let draft = crate::shared::scope_before_errors(
        form.parse().map_err(StoreError::Validation),
        state.store.check_center_editable(a.actor()),
    )
    .await?;
    Ok(Json(
        state.store.update_center(a.actor(), &draft, a.now).await?,
    ))
}
