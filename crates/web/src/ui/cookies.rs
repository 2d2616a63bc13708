//! Cookies as this server sets them, and the return address a login or a language switch
//! may send the browser to.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use crate::auth::PRE_COOKIE;
use crate::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    pub(crate) next: String,
    /// Set when a two-factor challenge expired and the user starts again.
    pub(crate) expired: String,
}

pub(crate) fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// A cookie that tells the browser to drop `name`, with the same flags as when it was set.
pub(crate) fn removal(name: &'static str, state: &AppState) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), state);
    c.make_removal();
    c
}

pub(crate) fn cookie(name: &'static str, value: String, state: &AppState) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .build()
}

pub(crate) fn pre_token(jar: CookieJar, state: &AppState) -> (CookieJar, String) {
    match jar.get(PRE_COOKIE).map(|c| c.value().to_string()) {
        Some(t) => (jar, t),
        None => {
            let t = store::users::random_token();
            (jar.add(cookie(PRE_COOKIE, t.clone(), state)), t)
        }
    }
}
