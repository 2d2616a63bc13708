//! Two-factor login pages, the user's own account page (password, authenticator, recovery
//! codes) and the admin's account administration (利用者管理), plus their JSON API.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::Json;
use axum_extra::extract::cookie::CookieJar;
use axum_extra::extract::{Form, Query};
use domain::totp::TotpSecret;
use domain::{Lang, Role};
use serde::Deserialize;
use store::accounts::{AccountAction, UserSummary};
use store::login::{MfaStatus, SecondStep};
use store::StoreError;

use crate::auth::{Authed, Ctx, SESSION_COOKIE};
use crate::error::WebError;
use crate::i18n::Tr;
use crate::ui::{
    cookie, page, page_status, pre_token, removal, render, safe_next, FormErrors, Layout,
    NextQuery, PageResult,
};
use crate::AppState;

/// Cookie holding the pending second-step challenge (between password and code).
pub const MFA_COOKIE: &str = "tsunagu_mfa";

/// The QR code an authenticator app scans, as inline SVG (no image request, no script).
pub fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .build();
            // Drop the XML declaration: the SVG goes inside an HTML page.
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

/// Base32 in groups of four, easier to type by hand.
fn grouped(secret: &TotpSecret) -> String {
    let b = secret.to_base32();
    b.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- second step at login

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    l: Layout,
    enroll: bool,
    qr: String,
    secret: String,
    error: String,
    next: String,
    action: String,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    l: Layout,
    codes: Vec<String>,
    next: String,
}

fn anon_layout(lang: Lang, csrf: String, path: &str) -> Layout {
    Layout::anonymous(lang, csrf, path)
}

/// GET /login/code — type the authenticator's code (or set the authenticator up first).
pub async fn code_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> PageResult {
    let (jar, token) = pre_token(jar, &state);
    let Some(raw) = jar.get(MFA_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let ch = state.store.challenge(&raw, ctx.now).await?;
    let Some(ch) = ch else {
        return Ok(Redirect::to("/login?expired=1").into_response());
    };
    let t = mfa_page(&ch, ctx.lang, token, String::new(), safe_next(&q.next));
    Ok((jar, Html(render(&t)?)).into_response())
}

fn mfa_page(
    ch: &store::login::Challenge,
    lang: Lang,
    csrf: String,
    error: String,
    next: String,
) -> MfaPage {
    let (qr, secret) = match &ch.pending_secret {
        Some(s) => (
            qr_svg(&s.otpauth_uri(&format!("tsunagu {}", ch.center_name), &ch.actor.login)),
            grouped(s),
        ),
        None => (String::new(), String::new()),
    };
    MfaPage {
        l: anon_layout(lang, csrf, "/login/code"),
        enroll: ch.purpose == "enroll",
        qr,
        secret,
        error,
        next,
        action: "/login/code".into(),
    }
}

/// Second-step form body.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    next: String,
}

/// POST /login/code — check the code; on success the session starts (a new session id).
pub async fn code_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(f): Form<CodeForm>,
) -> PageResult {
    let now = ctx.now;
    let (jar, token) = pre_token(jar, &state);
    let Some(raw) = jar.get(MFA_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(Redirect::to("/login?expired=1").into_response());
    };
    let next = safe_next(&f.next);
    let outcome = state.store.complete_challenge(&raw, &f.code, now).await?;
    match outcome {
        SecondStep::Session {
            raw,
            info,
            recovery_codes,
        } => {
            let jar = jar
                .add(removal(MFA_COOKIE, &state))
                .add(cookie(SESSION_COOKIE, raw, &state));
            if recovery_codes.is_empty() {
                return Ok((jar, Redirect::to(&next)).into_response());
            }
            let mut l = anon_layout(ctx.lang, info.csrf_token, "/login/code");
            l.user = Some((
                info.actor.display_name.clone(),
                info.actor.role.label(ctx.lang).to_string(),
            ));
            l.role = Some(info.actor.role);
            let t = RecoveryCodesPage {
                l,
                codes: recovery_codes,
                next,
            };
            Ok((jar, Html(render(&t)?)).into_response())
        }
        SecondStep::WrongCode => {
            let ch = state.store.challenge(&raw, now).await?;
            match ch {
                Some(ch) => {
                    let msg = Tr(ctx.lang).t("mfa.wrong").to_string();
                    let t = mfa_page(&ch, ctx.lang, token, msg, next);
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, Html(render(&t)?)).into_response())
                }
                None => Ok((jar, Redirect::to("/login?expired=1")).into_response()),
            }
        }
        SecondStep::Expired => Ok((jar, Redirect::to("/login?expired=1")).into_response()),
    }
}

// ---------------------------------------------------------------- own account

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    login: String,
    mfa: MfaStatus,
    setup_qr: String,
    setup_secret: String,
    errors: FormErrors,
    notice: String,
    /// Logged in with a temporary password: only the password form matters now.
    must_change: bool,
}

async fn account_page(
    state: &AppState,
    a: &Authed,
    setup: bool,
    errors: FormErrors,
    notice: &str,
) -> Result<AccountPage, WebError> {
    let mfa = state.store.mfa_status(a.actor()).await?;
    let (setup_qr, setup_secret) = if setup {
        let center = state
            .store
            .center(&a.actor().center_id)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        let s = state.store.start_mfa_setup(a.actor()).await?;
        (
            qr_svg(&s.otpauth_uri(&format!("tsunagu {center}"), &a.actor().login)),
            grouped(&s),
        )
    } else {
        (String::new(), String::new())
    };
    Ok(AccountPage {
        l: Layout::for_user(a, "/account"),
        login: a.actor().login.clone(),
        mfa,
        setup_qr,
        setup_secret,
        errors,
        notice: if notice.is_empty() {
            String::new()
        } else {
            Tr(a.lang).t(notice).to_string()
        },
        must_change: a.id.context.must_change_password,
    })
}

/// `?setup=1` shows the authenticator set-up section.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountQuery {
    setup: String,
    changed: String,
}

/// GET /account — my account: password, two-factor login, recovery codes.
pub async fn account(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<AccountQuery>,
) -> PageResult {
    let notice = if q.changed.is_empty() {
        ""
    } else {
        "account.changed"
    };
    let t = account_page(
        &state,
        &a,
        !q.setup.is_empty(),
        FormErrors::default(),
        notice,
    )
    .await?;
    page(&t)
}

/// Password change form body.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// POST /account/password — every session of the user ends; this browser gets a new one.
pub async fn change_password(
    State(state): State<AppState>,
    a: Authed,
    jar: CookieJar,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    if f.new_password != f.confirm_password {
        let errs = domain::ValidationErrors(vec![domain::messages::accounts::passwords_differ()]);
        let t = account_page(&state, &a, false, FormErrors::from(&errs, a.lang), "").await?;
        return page_status(StatusCode::UNPROCESSABLE_ENTITY, &t);
    }
    let now = a.now;
    let actor = a.actor();
    let changed =
        match domain::account::new_password(&f.new_password, &actor.login, &actor.display_name) {
            Ok(new) => {
                state
                    .store
                    .change_password(actor, &f.current_password, &new, now)
                    .await
            }
            Err(errs) => Err(StoreError::Validation(errs)),
        };
    match changed {
        Ok((raw, _)) => {
            let jar = jar.add(cookie(SESSION_COOKIE, raw, &state));
            Ok((jar, Redirect::to("/account?changed=1")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            let t = account_page(&state, &a, false, FormErrors::from(&errs, a.lang), "").await?;
            page_status(StatusCode::UNPROCESSABLE_ENTITY, &t)
        }
        Err(e) => Err(e.into()),
    }
}

/// Form with one code.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OneCode {
    code: String,
}

/// POST /account/mfa — confirm the authenticator set up on the account page.
pub async fn confirm_mfa(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<OneCode>,
) -> PageResult {
    codes_or_errors(
        &state,
        &a,
        true,
        state
            .store
            .confirm_mfa_setup(a.actor(), &f.code, a.now)
            .await,
    )
    .await
}

/// POST /account/recovery-codes — new recovery codes (a current code is required).
pub async fn regenerate_codes(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<OneCode>,
) -> PageResult {
    codes_or_errors(
        &state,
        &a,
        false,
        state
            .store
            .regenerate_recovery_codes(a.actor(), &f.code, a.now)
            .await,
    )
    .await
}

async fn codes_or_errors(
    state: &AppState,
    a: &Authed,
    setup: bool,
    r: Result<Vec<String>, StoreError>,
) -> PageResult {
    match r {
        Ok(codes) => page(&RecoveryCodesPage {
            l: Layout::for_user(a, "/account"),
            codes,
            next: "/account".into(),
        }),
        Err(StoreError::Validation(errs)) => {
            let t = account_page(state, a, setup, FormErrors::from(&errs, a.lang), "").await?;
            page_status(StatusCode::UNPROCESSABLE_ENTITY, &t)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- administration

#[derive(Template)]
#[template(path = "admin_users.html")]
struct AdminUsersPage {
    l: Layout,
    users: Vec<(UserSummary, String)>,
    roles: Vec<(Role, String)>,
    mfa_roles: Vec<(Role, String, bool)>,
    me: String,
    notice: String,
}

/// `?done=action` after a change.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

/// GET /admin/users — the center's users with their security state and actions.
pub async fn admin_users(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let now = a.now;
    let users = state.store.list_accounts(a.actor(), now).await?;
    let required = state.store.center_mfa_roles(&a.actor().center_id).await?;
    let mfa_roles = Role::all()
        .into_iter()
        .map(|r| {
            let label = r.label_at(a.lang, a.id.context.runs_dispatch).to_string();
            (r, label, required.contains(&r))
        })
        .collect();
    let notice = match AccountAction::parse(&q.done) {
        Some(_) => Tr(a.lang).t("admin.done").to_string(),
        None if q.done == "mfa_roles" || q.done == "role" => Tr(a.lang).t("admin.done").to_string(),
        None => String::new(),
    };
    let users = users
        .into_iter()
        .map(|u| {
            let label = u
                .role
                .label_at(a.lang, a.id.context.runs_dispatch)
                .to_string();
            (u, label)
        })
        .collect();
    page(&AdminUsersPage {
        l: Layout::for_user(&a, "/admin/users"),
        users,
        roles: crate::admin::grantable_roles(a.lang, a.id.context.runs_dispatch),
        mfa_roles,
        me: a.actor().user_id.clone(),
        notice,
    })
}

/// POST /admin/users/{id}/{action} — disable, enable, end-sessions, unlock, reset-mfa.
pub async fn admin_user_action(
    State(state): State<AppState>,
    a: Authed,
    Path((id, action)): Path<(String, String)>,
) -> PageResult {
    let Some(action) = AccountAction::parse(&action) else {
        return Err(WebError::store(StoreError::NotFound));
    };
    state
        .store
        .account_action(a.actor(), &id, action, a.now)
        .await?;
    Ok(Redirect::to(&format!("/admin/users?done={}", action_code(action))).into_response())
}

fn action_code(a: AccountAction) -> &'static str {
    match a {
        AccountAction::Disable => "disable",
        AccountAction::Enable => "enable",
        AccountAction::EndSessions => "end_sessions",
        AccountAction::Unlock => "unlock",
        AccountAction::ResetMfa => "reset_mfa",
    }
}

/// POST /admin/mfa-roles — which roles must use two-factor login (checkboxes `role`).
pub async fn admin_mfa_roles(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let roles: Vec<Role> = f
        .iter()
        .filter(|(k, _)| k == "role")
        .filter_map(|(_, v)| Role::parse(v))
        .collect();
    state
        .store
        .set_center_mfa_roles(a.actor(), &roles, a.now)
        .await?;
    Ok(Redirect::to("/admin/users?done=mfa_roles").into_response())
}

// ---------------------------------------------------------------- API

/// GET /api/v1/users — the center's users and their security state (admin).
#[utoipa::path(get, path = "/api/v1/users", operation_id = "listUsers",
    summary = "Users of the admin's center with their security state (admin)",
    responses((status = 200, description = "Users", body = Vec<store::accounts::UserSummary>)))]
pub async fn api_users(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<Vec<UserSummary>>, WebError> {
    Ok(Json(state.store.list_accounts(a.actor(), a.now).await?))
}

/// Body of `POST /api/v1/users/{id}/actions`.
#[derive(utoipa::ToSchema, Deserialize)]
#[schema(as = UserAction)]
pub struct ActionBody {
    #[schema(schema_with = crate::api_schema::fields::user_action)]
    action: String,
}

/// POST /api/v1/users/{id}/actions — `{"action": "disable" | "enable" | "end_sessions" |
/// "unlock" | "reset_mfa"}`; answers the user's new state.
#[utoipa::path(post, path = "/api/v1/users/{id}/actions", operation_id = "userAction",
    summary = "Disable, enable, end sessions, unlock or reset two-factor login of a user (admin, audited)",
    params(("id" = String, Path)), request_body = ActionBody, responses((status = 200, description = "The user's new state", body = store::accounts::UserSummary)))]
pub async fn api_user_action(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<UserSummary>, WebError> {
    let body: ActionBody = crate::ui::json_body(&a, &body)?;
    let Some(action) = AccountAction::parse(&body.action) else {
        return Err(WebError::store(
            domain::messages::accounts::unknown_account_action(),
        ));
    };
    let now = a.now;
    state
        .store
        .account_action(a.actor(), &id, action, now)
        .await?;
    let users = state.store.list_accounts(a.actor(), now).await?;
    users
        .into_iter()
        .find(|u| u.id == id)
        .map(Json)
        .ok_or_else(|| WebError::from(StoreError::NotFound))
}
