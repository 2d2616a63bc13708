//! One error type for the web layer, mapped to HTTP exactly once. Users get a helpful message
//! in their language; the log gets the cause.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{Lang, ValidationErrors};
use store::StoreError;

/// What a handler can fail with.
#[derive(Debug)]
pub enum WebError {
    /// Not logged in (pages redirect to the login page, the API answers 401).
    Unauthenticated { api: bool },
    /// Logged in but not allowed.
    Forbidden { api: bool, lang: Lang },
    /// No such record.
    NotFound { api: bool, lang: Lang },
    /// Invalid input (422) with per-field messages.
    Invalid {
        errors: ValidationErrors,
        lang: Lang,
    },
    /// A concurrent change or duplicate (409).
    Conflict {
        message_ja: String,
        message_en: String,
        lang: Lang,
    },
    /// A missing or wrong CSRF token / cross-site request.
    Csrf { api: bool, lang: Lang },
    /// Too many attempts.
    TooMany { lang: Lang },
    /// Anything else: logged, shown as a generic message.
    Internal(String),
}

impl WebError {
    /// Map a store error for an API or page request.
    pub fn from_store(e: StoreError, api: bool, lang: Lang) -> WebError {
        match e {
            StoreError::Validation(errors) => WebError::Invalid { errors, lang },
            StoreError::NotFound => WebError::NotFound { api, lang },
            StoreError::Forbidden => WebError::Forbidden { api, lang },
            StoreError::Conflict(_) => WebError::Conflict {
                message_ja: "他の人がこの記録を更新しました。画面を開き直してください".into(),
                message_en: "Someone else changed this record; reload and try again".into(),
                lang,
            },
            StoreError::PossibleDuplicate(_) => WebError::Conflict {
                message_ja: "同じフリガナと生年月日の児童が登録されています".into(),
                message_en: "A child with the same kana and birth date exists".into(),
                lang,
            },
            other => WebError::Internal(other.to_string()),
        }
    }
}

fn pick(lang: Lang, ja: &str, en: &str) -> String {
    match lang {
        Lang::Ja => ja.to_string(),
        Lang::En => en.to_string(),
    }
}

fn json_error(
    status: StatusCode,
    code: &str,
    message: String,
    fields: serde_json::Value,
) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": code, "message": message, "fields": fields })),
    )
        .into_response()
}

fn html_error(status: StatusCode, lang: Lang, message: String) -> Response {
    let tr = crate::i18n::Tr(lang);
    let body = crate::pages::render_error_page(tr, status, &message);
    (status, axum::response::Html(body)).into_response()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Unauthenticated { api: true } => json_error(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "ログインが必要です / Authentication required".into(),
                serde_json::json!({}),
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
                    json_error(StatusCode::FORBIDDEN, "forbidden", m, serde_json::json!({}))
                } else {
                    html_error(StatusCode::FORBIDDEN, lang, m)
                }
            }
            WebError::NotFound { api, lang } => {
                let m = pick(lang, "見つかりません", "Not found");
                if api {
                    json_error(StatusCode::NOT_FOUND, "not_found", m, serde_json::json!({}))
                } else {
                    html_error(StatusCode::NOT_FOUND, lang, m)
                }
            }
            WebError::Invalid { errors, lang } => {
                let mut fields = serde_json::Map::new();
                for e in errors.iter() {
                    fields
                        .entry(e.field.clone())
                        .or_insert_with(|| serde_json::Value::String(e.message(lang).to_string()));
                }
                json_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    pick(lang, "入力内容に誤りがあります", "Some input is invalid"),
                    serde_json::Value::Object(fields),
                )
            }
            WebError::Conflict {
                message_ja,
                message_en,
                lang,
            } => json_error(
                StatusCode::CONFLICT,
                "conflict",
                pick(lang, &message_ja, &message_en),
                serde_json::json!({}),
            ),
            WebError::Csrf { api, lang } => {
                let m = pick(
                    lang,
                    "フォームの有効期限が切れたか、不正な送信です。画面を開き直してください",
                    "The form expired or the request was not sent from this site; reload the page",
                );
                if api {
                    json_error(StatusCode::FORBIDDEN, "csrf", m, serde_json::json!({}))
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
                serde_json::json!({}),
            ),
            WebError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "内部エラーが発生しました / Internal error".into(),
                    serde_json::json!({}),
                )
            }
        }
    }
}
