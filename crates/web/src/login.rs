//! Logging in and out, and the language switch.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use axum_extra::extract::{Form, Query};
use domain::Lang;
use serde::Deserialize;
use store::login::LoginOutcome;

use crate::auth::{Authed, ClientAddr, Ctx, LANG_COOKIE, SESSION_COOKIE};
use crate::error::WebError;
use crate::i18n::Tr;
use crate::ui::{cookie, pre_token, removal, render, safe_next, Layout, NextQuery, PageResult};
use crate::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    error: String,
    login: String,
    next: String,
}

/// GET /login
pub async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> PageResult {
    let (jar, token) = pre_token(jar, &state);
    let t = LoginPage {
        l: Layout::anonymous(ctx.lang, token, "/login"),
        error: if q.expired.is_empty() {
            String::new()
        } else {
            Tr(ctx.lang).t("login.expired").to_string()
        },
        login: String::new(),
        next: safe_next(&q.next),
    };
    Ok((jar, Html(render(&t)?)).into_response())
}

/// Login form body.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

/// POST /login — same message whether the login exists or not; throttled per account and address.
pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let now = ctx.now;
    let login = f.login.trim().to_string();
    let (jar, token) = pre_token(jar, &state);
    let fail = |jar: CookieJar, status: StatusCode, key: &str| -> PageResult {
        let t = LoginPage {
            l: Layout::anonymous(ctx.lang, token.clone(), "/login"),
            error: Tr(ctx.lang).t(key).to_string(),
            login: login.clone(),
            next: safe_next(&f.next),
        };
        Ok((status, jar, Html(render(&t)?)).into_response())
    };
    let Some(slot) = state.throttle.begin(&addr, now) else {
        return fail(jar, StatusCode::TOO_MANY_REQUESTS, "login.throttled");
    };
    let outcome = state
        .store
        .login(&login, &f.password, now)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let next = safe_next(&f.next);
    let second_step = |jar: CookieJar, challenge: String| -> PageResult {
        let jar = jar.add(cookie(crate::account::MFA_COOKIE, challenge, &state));
        let to = format!(
            "/login/code?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        Ok((jar, Redirect::to(&to)).into_response())
    };
    match outcome {
        LoginOutcome::Session { raw, .. } => {
            state.throttle.succeeded(slot);
            let jar = jar.add(cookie(SESSION_COOKIE, raw, &state));
            Ok((jar, Redirect::to(&next)).into_response())
        }
        LoginOutcome::NeedsCode { challenge } | LoginOutcome::MustEnroll { challenge } => {
            state.throttle.succeeded(slot);
            second_step(jar, challenge)
        }
        // The attempt was counted against the address when it began.
        LoginOutcome::Failed => fail(jar, StatusCode::UNAUTHORIZED, "login.failed"),
    }
}

/// POST /logout — ends the session server-side.
pub async fn logout(State(state): State<AppState>, a: Authed, jar: CookieJar) -> PageResult {
    if let Some(raw) = &a.id.session {
        state.store.logout(raw, a.actor(), a.now).await?;
    }
    let jar = jar.add(removal(SESSION_COOKIE, &state));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BackQuery {
    back: String,
}

/// GET /lang/{lang} — switch the page language and return.
pub async fn set_lang(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    jar: CookieJar,
    Query(q): Query<BackQuery>,
) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let jar = jar.add(cookie(LANG_COOKIE, lang.code().to_string(), &state));
    (jar, Redirect::to(&safe_next(&q.back))).into_response()
}
