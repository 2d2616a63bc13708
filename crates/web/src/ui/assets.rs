//! Static assets, the health check and the fallback for unknown paths.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::auth::Ctx;
use crate::error::WebError;

/// Liveness probe and benchmark baseline: a constant answer.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Vendored assets, compiled into the binary (no CDN: municipal networks are closed).
pub async fn static_file(Path(file): Path<String>) -> Response {
    let (body, ctype): (&'static [u8], &str) = match file.as_str() {
        "htmx.min.js" => (
            include_bytes!("../../static/htmx.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "app.js" => (
            include_bytes!("../../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "app.css" => (
            include_bytes!("../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    ([(header::CONTENT_TYPE, ctype)], body).into_response()
}

/// Unknown paths: 404 (JSON under /api; a page with the menu elsewhere, see
/// [`crate::ui::error_page::error_pages`]).
pub async fn not_found(ctx: Ctx) -> Response {
    WebError::NotFound {
        api: ctx.api,
        lang: ctx.lang,
    }
    .into_response()
}
