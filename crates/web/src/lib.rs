#![recursion_limit = "512"]
//! The web layer: HTML pages (askama + htmx), the JSON API under `/api/v1`, sessions, CSRF,
//! security headers and the route policy table. Thin by design: extract, authorize, call the
//! store, render.

pub mod access;
pub mod account;
pub mod admin;
pub mod api;
pub mod api_schema;
pub mod auditor;
pub mod auth;
pub mod children;
pub mod clock;
pub mod consent;
pub mod consultations;
pub mod disaster;
pub mod dispatch;
pub mod error;
pub mod home;
pub mod i18n;
pub mod intake;
pub mod login;
pub mod openapi;
pub mod organizations;
pub mod payments;
pub mod plans;
pub mod plans_api;
pub mod policy;
pub mod reports;
pub mod security;
pub mod shared;
pub mod ui;

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
    /// A TLS proxy sits in front (`--behind-tls-proxy`): the login throttle takes the client
    /// address from the `X-Forwarded-For` entry that proxy appends (see [`auth::ClientAddr`]).
    pub behind_tls_proxy: bool,
}

impl AppState {
    /// Build state with a fresh throttle.
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: WebConfig) -> AppState {
        AppState {
            store,
            clock,
            config,
            throttle: Arc::new(auth::LoginThrottle::default()),
            behind_tls_proxy: false,
        }
    }

    /// Trust the client address a TLS proxy in front appends to `X-Forwarded-For`. Only for a
    /// server that is reachable through that proxy alone: otherwise a client could name any
    /// address and escape the per-address login throttle.
    pub fn with_tls_proxy(mut self, yes: bool) -> AppState {
        self.behind_tls_proxy = yes;
        self
    }
}

/// The complete application router: every route comes from [`policy::routes`], so none can
/// exist without a declared policy.
pub fn app(state: AppState) -> Router {
    policy::router(state.clone())
        // Inside load_identity: error pages show the caller's menu.
        .layer(axum::middleware::from_fn(ui::error_page::error_pages))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::load_identity,
        ))
        .layer(axum::middleware::from_fn(security::origin_check))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(256 * 1024))
        .with_state(state)
}

/// TLS settings loaded from PEM files (`--tls-cert`, `--tls-key`).
#[derive(Clone)]
pub struct TlsFiles(axum_server::tls_rustls::RustlsConfig);

impl TlsFiles {
    /// Read and check a certificate chain and private key. Fails before the server binds, so a
    /// wrong path or a key that does not match stops start-up with a clear message.
    pub async fn load(cert: &std::path::Path, key: &std::path::Path) -> std::io::Result<TlsFiles> {
        // Several rustls crypto backends can be compiled in (test clients bring ring); name the
        // one the server uses so rustls never has to guess. An error only means one is set.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
            .await
            .map(TlsFiles)
    }
}

/// Serve the app over HTTPS on an already-bound listener until the process is stopped.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    state: AppState,
    tls: TlsFiles,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    axum_server::from_tcp_rustls(listener, tls.0)?
        .serve(app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await
}

/// Serve the app on an already-bound listener until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}
