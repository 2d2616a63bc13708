//! Who is calling: session cookie or bearer token, resolved once per request into an
//! [`Identity`] stored in the request extensions. Also the language choice and login throttling.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Duration, Utc};
use domain::Lang;
use store::centers::UserContext;
use store::Actor;

use crate::error::WebError;
use crate::AppState;

/// Session cookie name.
pub const SESSION_COOKIE: &str = "tsunagu_session";
/// Pre-login CSRF cookie (double-submit for the login form).
pub const PRE_COOKIE: &str = "tsunagu_pre";
/// Language cookie.
pub const LANG_COOKIE: &str = "tsunagu_lang";

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The acting user and scope.
    pub actor: Actor,
    /// CSRF token of the session; `None` when authenticated by bearer token (no cookies, so no CSRF).
    pub csrf: Option<String>,
    /// Raw session id (to end it at logout).
    pub session: Option<String>,
    /// The center's name and work, and whether the password must change first.
    pub context: UserContext,
    /// Unread notifications for the menu, when the session lookup read them already.
    pub unread: Option<i64>,
}

/// The caller's language.
#[derive(Clone, Copy, Debug)]
pub struct ReqLang(pub Lang);

/// The request's instant: read from the clock once, when the identity is loaded, so the
/// session check, the use case and its audit row see the same time.
#[derive(Clone, Copy, Debug)]
pub struct ReqNow(pub DateTime<Utc>);

/// Resolve cookie or bearer token into an [`Identity`] and the language into [`ReqLang`].
pub async fn load_identity(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let lang = jar
        .get(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .unwrap_or(Lang::Ja);
    let now = state.clock.now();
    let bearer = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    // The center's name and work and the temporary-password flag are read per request, in
    // the same query as the session or token, so an admin's change applies to the next page,
    // not the next login.
    let identity = if let Some(token) = bearer {
        match state.store.token_actor(&token, now).await {
            Ok(a) => a.map(|(actor, context)| Identity {
                actor,
                csrf: None,
                session: None,
                context,
                unread: None,
            }),
            Err(e) => {
                return axum::response::IntoResponse::into_response(WebError::Internal(
                    e.to_string(),
                ))
            }
        }
    } else if let Some(raw) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        match state.store.session(&raw, now).await {
            Ok(s) => s.map(|s| Identity {
                actor: s.info.actor,
                csrf: Some(s.info.csrf_token),
                session: Some(raw),
                context: s.context,
                unread: Some(s.unread),
            }),
            Err(e) => {
                return axum::response::IntoResponse::into_response(WebError::Internal(
                    e.to_string(),
                ))
            }
        }
    } else {
        None
    };
    req.extensions_mut().insert(ReqLang(lang));
    req.extensions_mut().insert(ReqNow(now));
    if let Some(id) = identity {
        req.extensions_mut().insert(id);
    }
    let scope = crate::error::RequestScope {
        lang,
        api: req.uri().path().starts_with("/api/"),
    };
    scope.run(next.run(req)).await
}

/// Request context for handlers: language, whether this is an API call, and the caller if any.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The request's instant ([`ReqNow`]).
    pub now: DateTime<Utc>,
    /// Page language.
    pub lang: Lang,
    /// `/api/…` request: errors as JSON.
    pub api: bool,
    /// The caller, when authenticated.
    pub identity: Option<Identity>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            now: parts
                .extensions
                .get::<ReqNow>()
                .map_or_else(|| state.clock.now(), |n| n.0),
            lang: parts
                .extensions
                .get::<ReqLang>()
                .map(|l| l.0)
                .unwrap_or_default(),
            api: parts.uri.path().starts_with("/api/"),
            identity: parts.extensions.get::<Identity>().cloned(),
        })
    }
}

/// The request context of a handler that requires a logged-in caller: who (the policy layer
/// has already checked the role), when, in which language, and whether the answer is a page or
/// JSON (`api`). Handlers take their time from here, not from the clock.
#[derive(Clone, Debug)]
pub struct Authed {
    /// The request's instant ([`ReqNow`]).
    pub now: DateTime<Utc>,
    /// Page language.
    pub lang: Lang,
    /// `/api/…` request.
    pub api: bool,
    /// The caller.
    pub id: Identity,
    /// The caller's unread notifications, for the menu of a page (0 on API and htmx partial
    /// requests, which render no menu, so they cost no query).
    pub unread: i64,
}

impl Authed {
    /// The acting user.
    pub fn actor(&self) -> &Actor {
        &self.id.actor
    }

    /// The request's day in Japan.
    pub fn today(&self) -> chrono::NaiveDate {
        domain::dates::jst_date(self.now)
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let Some(id) = ctx.identity else {
            return Err(WebError::Unauthenticated { api: ctx.api });
        };
        // The menu's unread count: one indexed COUNT, only for a browser page that shows the
        // menu (a session, not the API, not an htmx fragment).
        let fragment =
            parts.headers.contains_key("hx-request") && !parts.headers.contains_key("hx-boosted");
        let unread = if ctx.api || id.csrf.is_none() || fragment {
            0
        } else if let Some(n) = id.unread {
            n
        } else {
            state.store.unread_notifications(&id.actor).await?
        };
        Ok(Authed {
            now: ctx.now,
            lang: ctx.lang,
            api: ctx.api,
            id,
            unread,
        })
    }
}

/// The caller's address, for login throttling: the socket peer's, or — only when the server is
/// told it sits behind a TLS proxy (`--behind-tls-proxy`) — the address that proxy appended to
/// `X-Forwarded-For`. Without that flag the header is ignored: anyone can send it, and trusting
/// it would let one client pose as many addresses.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = if state.behind_tls_proxy {
            forwarded_client(&parts.headers)
        } else {
            None
        };
        Ok(ClientAddr(
            forwarded
                .or(peer)
                .map(|ip| ip.to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// The client address the proxy in front added: the last entry of the last `X-Forwarded-For`
/// line. A proxy appends the peer it saw to whatever the client sent, so only that last entry
/// is the proxy's word; earlier ones are the client's own claims. `None` when it is missing or
/// not an IP address (then the socket peer, the proxy, is used: one shared budget, never none).
pub fn forwarded_client(headers: &HeaderMap) -> Option<IpAddr> {
    let line = headers.get_all("x-forwarded-for").iter().next_back()?;
    let last = line.to_str().ok()?.rsplit(',').next()?.trim();
    last.parse().ok()
}

/// Counts recent failed logins per client address (NIST 800-63B style throttling). The
/// per-account soft lock lives in the database (`store::login`), so it survives restarts and
/// holds across server processes; this in-memory counter slows one address guessing across
/// many accounts. An attempt is counted when it starts ([`LoginThrottle::begin`]) and taken
/// back when it succeeds ([`LoginThrottle::succeeded`]), so a burst of concurrent attempts cannot
/// all pass the check before any failure is recorded.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

/// Failed attempts allowed per address in [`THROTTLE_WINDOW`].
pub const MAX_ADDRESS_FAILURES: usize = 20;
/// Sliding window for the counters.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);

/// A login attempt counted against its address until it is known to have succeeded.
#[derive(Debug)]
pub struct ThrottleSlot {
    addr: String,
    at: DateTime<Utc>,
}

impl LoginThrottle {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<DateTime<Utc>>>> {
        match self.failures.lock() {
            Ok(m) => m,
            Err(e) => e.into_inner(),
        }
    }

    /// Start an attempt from this address: `None` when the address has used up its failures,
    /// otherwise the attempt counts as a failure (check and count under one lock) until
    /// [`LoginThrottle::succeeded`] takes it back.
    pub fn begin(&self, addr: &str, now: DateTime<Utc>) -> Option<ThrottleSlot> {
        let mut map = self.lock();
        // Forget addresses whose failures are all old, so the map cannot grow without bound.
        if map.len() > 10_000 {
            map.retain(|_, v| v.iter().any(|t| now - *t < THROTTLE_WINDOW));
        }
        let v = map.entry(addr.to_string()).or_default();
        v.retain(|t| now - *t < THROTTLE_WINDOW);
        if v.len() >= MAX_ADDRESS_FAILURES {
            return None;
        }
        v.push(now);
        Some(ThrottleSlot {
            addr: addr.to_string(),
            at: now,
        })
    }

    /// The attempt succeeded (the password was right): it is not a failure after all.
    pub fn succeeded(&self, slot: ThrottleSlot) {
        let mut map = self.lock();
        if let Some(v) = map.get_mut(&slot.addr) {
            if let Some(i) = v.iter().position(|t| *t == slot.at) {
                v.swap_remove(i);
            }
        }
    }
}
