#![recursion_limit = "512"]
//! The web layer: HTML pages (askama + htmx), the JSON API under `/api/v1`, sessions, CSRF,
//! security headers and the route policy table. Thin by design: extract, authorize, call the
//! store, render.

pub mod api;
pub mod auth;
pub mod clock;
pub mod error;
pub mod i18n;
pub mod openapi;
pub mod pages;
pub mod policy;
pub mod security;

use std::sync::Arc;

use axum::Router;
use store::Store;

pub use clock::{Clock, FixedClock, SystemClock};

/// Settings that change how the server talks to browsers.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Cookies get the `Secure` flag (set when serving TLS or behind a TLS proxy).
    pub secure_cookies: bool,
}

/// Shared state handed to every handler.
#[derive(Clone)]
pub struct AppState {
    /// Database access.
    pub store: Store,
    /// Time source (frozen in tests).
    pub clock: Arc<dyn Clock>,
    /// Browser-facing settings.
    pub config: WebConfig,
    /// Login throttling counters.
    pub throttle: Arc<auth::LoginThrottle>,
}

impl AppState {
    /// Build state with a fresh throttle.
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: WebConfig) -> AppState {
        AppState {
            store,
            clock,
            config,
            throttle: Arc::new(auth::LoginThrottle::default()),
        }
    }
}

/// The complete application router: every route comes from [`policy::routes`], so none can
/// exist without a declared policy.
pub fn app(state: AppState) -> Router {
    policy::router(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::load_identity,
        ))
        .layer(axum::middleware::from_fn(security::origin_check))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(256 * 1024))
        .with_state(state)
}

/// Serve the app on an already-bound listener until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}
