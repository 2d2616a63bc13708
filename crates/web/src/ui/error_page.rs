//! Errors as responses: under `/api` an error is JSON (`{error, message, fields}`). On every
//! other route it is an HTML page with the caller's menu: [`WebError`] leaves an [`ErrorInfo`]
//! on its response and the [`error_pages`] middleware (inside `auth::load_identity`, so it
//! knows who is asking) renders it. That middleware also turns the plain-text rejections of
//! axum's extractors (a query or form that does not deserialize, an unknown method, a body
//! too large) into pages, so a browser never gets JSON or bare text.

use askama::Template;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::Lang;

use crate::auth::{Identity, ReqLang};
use crate::error::{labelled, ErrorInfo, WebError};
use crate::ui::Layout;

fn pick(lang: Lang, ja: &str, en: &str) -> String {
    match lang {
        Lang::Ja => ja.to_string(),
        Lang::En => en.to_string(),
    }
}

fn with_info(mut res: Response, message: String, fields: Vec<(String, String)>) -> Response {
    res.extensions_mut().insert(ErrorInfo { message, fields });
    res
}

fn json_error(
    status: StatusCode,
    code: &str,
    message: String,
    fields: Vec<(String, String)>,
) -> Response {
    let mut map = serde_json::Map::new();
    for (f, m) in &fields {
        map.entry(f.clone())
            .or_insert_with(|| serde_json::Value::String(m.clone()));
    }
    let res = (
        status,
        Json(serde_json::json!({ "error": code, "message": message, "fields": map })),
    )
        .into_response();
    with_info(res, message, fields)
}

/// A page without the caller's menu, for the few errors raised outside [`error_pages`] (the
/// cross-site check runs before the caller is known); inside it the page is drawn again.
fn html_error(status: StatusCode, lang: Lang, message: String) -> Response {
    let body = render_error_page(
        ErrorContext {
            layout: anonymous_layout(lang, "/"),
            retry: String::new(),
        },
        status,
        &ErrorInfo {
            message: message.clone(),
            fields: Vec::new(),
        },
    );
    with_info(
        (status, axum::response::Html(body)).into_response(),
        message,
        Vec::new(),
    )
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Unauthenticated { api: true } => json_error(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "ログインが必要です / Authentication required".into(),
                Vec::new(),
            ),
            WebError::Unauthenticated { api: false } => {
                axum::response::Redirect::to("/login").into_response()
            }
            WebError::Forbidden { api, lang } => {
                let m = pick(
                    lang,
                    "この操作を行う権限がありません",
                    "You are not allowed to do this",
                );
                if api {
                    json_error(StatusCode::FORBIDDEN, "forbidden", m, Vec::new())
                } else {
                    html_error(StatusCode::FORBIDDEN, lang, m)
                }
            }
            WebError::NotFound { api, lang } => {
                let m = pick(
                    lang,
                    "お探しのページや記録は見つかりません",
                    "The page or record you asked for does not exist",
                );
                if api {
                    json_error(StatusCode::NOT_FOUND, "not_found", m, Vec::new())
                } else {
                    html_error(StatusCode::NOT_FOUND, lang, m)
                }
            }
            WebError::Invalid { errors, lang } => json_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                pick(lang, "入力内容に誤りがあります", "Some input is invalid"),
                errors
                    .iter()
                    .map(|e| (e.field.clone(), e.message(lang).to_string()))
                    .collect(),
            ),
            WebError::Conflict {
                message_ja,
                message_en,
                lang,
            } => json_error(
                StatusCode::CONFLICT,
                "conflict",
                pick(lang, &message_ja, &message_en),
                Vec::new(),
            ),
            WebError::Csrf { api, lang } => {
                let m = pick(
                    lang,
                    "フォームの有効期限が切れたか、不正な送信です。画面を開き直してください",
                    "The form expired or the request was not sent from this site; reload the page",
                );
                if api {
                    json_error(StatusCode::FORBIDDEN, "csrf", m, Vec::new())
                } else {
                    html_error(StatusCode::FORBIDDEN, lang, m)
                }
            }
            WebError::TooMany { lang } => json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                pick(
                    lang,
                    "試行回数が多すぎます。しばらくしてからお試しください",
                    "Too many attempts; try again later",
                ),
                Vec::new(),
            ),
            WebError::PasswordChangeRequired { api: false, .. } => {
                axum::response::Redirect::to("/account?must=1").into_response()
            }
            WebError::PasswordChangeRequired { api: true, lang } => json_error(
                StatusCode::FORBIDDEN,
                "password_change_required",
                pick(
                    lang,
                    "仮パスワードのままです。先に「アカウント」の画面でパスワードを変更してください",
                    "You are using a temporary password; change it on your account page first",
                ),
                Vec::new(),
            ),
            WebError::WorkNotRun { api, lang, work } => {
                let m = match work {
                    crate::access::Work::Dispatch => pick(
                        lang,
                        "このセンターはコーディネーター派遣を行っていません。行う場合は管理者が「センター情報」で設定します",
                        "This center does not dispatch coordinators. An administrator can switch it on under Center details",
                    ),
                    crate::access::Work::Payments => pick(
                        lang,
                        "このセンターは県の支払明細を扱っていません。扱う場合は管理者が「センター情報」で設定します",
                        "This center does not produce the prefecture's payment statements. An administrator can switch it on under Center details",
                    ),
                };
                if api {
                    json_error(StatusCode::NOT_FOUND, "work_not_run", m, Vec::new())
                } else {
                    html_error(StatusCode::NOT_FOUND, lang, m)
                }
            }
            WebError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "内部エラーが発生しました / Internal error".into(),
                    Vec::new(),
                )
            }
        }
    }
}

// ---------------------------------------------------------------- error pages

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    l: Layout,
    status: u16,
    heading: &'static str,
    message: &'a str,
    fields: Vec<String>,
    retry: &'a str,
    retry_label: &'static str,
}

/// Who is asking and where they can go from the error page.
struct ErrorContext {
    layout: Layout,
    /// A page to open again (the same page without its query, or the page the form was on);
    /// empty when there is none worth offering.
    retry: String,
}

fn anonymous_layout(lang: Lang, path: &str) -> Layout {
    Layout::anonymous(lang, String::new(), path)
}

/// The layout (menu) for the caller, as every page of theirs shows it.
fn layout_for(identity: Option<&Identity>, lang: Lang, path: &str) -> Layout {
    match identity {
        Some(id) => Layout::for_identity(id, lang, path),
        None => anonymous_layout(lang, path),
    }
}

/// Catalogue key of the heading for a status.
fn heading_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "error.bad_request",
        403 => "error.forbidden",
        404 => "error.not_found",
        405 => "error.method",
        409 => "error.conflict",
        413 => "error.too_large",
        415 | 422 => "error.invalid",
        429 => "error.too_many",
        500..=599 => "error.internal",
        _ => "error.generic",
    }
}

fn render_error_page(ctx: ErrorContext, status: StatusCode, info: &ErrorInfo) -> String {
    let tr = ctx.layout.tr;
    let mut fields: Vec<String> = Vec::new();
    for (field, message) in &info.fields {
        let line = labelled(tr, field, message);
        if !fields.contains(&line) {
            fields.push(line);
        }
    }
    let retry_label = if status == StatusCode::CONFLICT {
        "error.reload"
    } else {
        "error.retry"
    };
    let heading = tr.t(heading_key(status));
    // The overall message often repeats the heading ("入力内容に誤りがあります"); then say
    // what to do with the list below instead, or nothing.
    let message = if info.message != heading {
        info.message.as_str()
    } else if !fields.is_empty() {
        tr.t("error.fix_below")
    } else {
        ""
    };
    let t = ErrorPage {
        l: ctx.layout,
        status: status.as_u16(),
        heading,
        message,
        fields,
        retry: &ctx.retry,
        retry_label: tr.t(retry_label),
    };
    t.render().unwrap_or_else(|_| info.message.clone())
}

/// The message for a response that carries no [`ErrorInfo`] (an extractor's rejection or a
/// route that does not take this method).
fn plain_info(status: StatusCode, lang: Lang) -> ErrorInfo {
    let (ja, en) = match status.as_u16() {
        404 => (
            "お探しのページや記録は見つかりません",
            "The page or record you asked for does not exist",
        ),
        405 => (
            "この画面はその方法では開けません",
            "This page cannot be opened that way",
        ),
        413 => (
            "送信された内容が大きすぎます",
            "What was sent is too large",
        ),
        500..=599 => ("内部エラーが発生しました", "Internal error"),
        _ => (
            "指定された条件や入力の形式が正しくありません。画面から操作し直してください",
            "The conditions or input were not in the expected form; please use the page's own controls",
        ),
    };
    ErrorInfo {
        message: pick(lang, ja, en),
        fields: Vec::new(),
    }
}

/// The path of a same-site `Referer`, if the request has one.
fn referer_path(req: &Request) -> Option<String> {
    let host = req.headers().get(header::HOST)?.to_str().ok()?;
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))?;
    let path = rest.strip_prefix(host)?;
    let path = crate::ui::safe_next(path);
    Some(path)
}

/// Renders every error of a page route (anything not under `/api/`) as an HTML page with the
/// caller's menu: [`WebError`]s by their [`ErrorInfo`], extractor rejections and other bare
/// 4xx/5xx answers by their status. HTML a handler drew itself (a form shown again with its
/// errors) passes untouched, and so does everything under `/api/`.
pub async fn error_pages(req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let lang = req
        .extensions()
        .get::<ReqLang>()
        .map(|l| l.0)
        .unwrap_or_default();
    let identity = req.extensions().get::<Identity>().cloned();
    let reading = matches!(*req.method(), Method::GET | Method::HEAD);
    let here = if reading {
        req.uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into())
    } else {
        "/".to_string()
    };
    // Where "try again" leads: a GET page without its query (its defaults), or for a form the
    // page it was sent from.
    let bare = req.uri().path().to_string();
    let from = referer_path(&req);
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let info = match res.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        None if is_html(&res) => return res,
        None => plain_info(status, lang),
    };
    let retry = match status.as_u16() {
        400 | 422 if reading && bare != here => bare,
        409 | 422 if !reading => from.unwrap_or_default(),
        _ => String::new(),
    };
    let ctx = ErrorContext {
        layout: layout_for(identity.as_ref(), lang, &here),
        retry,
    };
    let body = render_error_page(ctx, status, &info);
    let (mut parts, _) = res.into_parts();
    // Cookies and security headers the handler set stay; the body is now the page.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, axum::body::Body::from(body))
}

fn is_html(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}
