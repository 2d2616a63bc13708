//! One error type for the web layer, mapped to HTTP exactly once. Users get a helpful message
//! in their language; the log gets the cause.
//!
//! How an error becomes a response (JSON under `/api`, a page with the caller's menu
//! elsewhere) is the page kit's part: `ui::error_page`. This module only names the errors and
//! their fields, so every layer may use it without importing the pages.

use domain::error::FieldLabel;
use domain::{Lang, ValidationErrors};
use store::StoreError;

use crate::i18n::Tr;

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
    /// The user holds a temporary password and must change it first (pages go to the account
    /// page, the API answers 403).
    PasswordChangeRequired { api: bool, lang: Lang },
    /// The route belongs to work the caller's center does not run (404 with a page saying so).
    WorkNotRun {
        api: bool,
        lang: Lang,
        work: crate::access::Work,
    },
    /// Anything else: logged, shown as a generic message.
    Internal(String),
}

tokio::task_local! {
    /// The request being served, set by `auth::load_identity` around everything inside it, so
    /// a store error converted with `?` deep in a handler still answers in the caller's
    /// language and form (a page, or JSON under `/api`).
    static REQUEST: RequestScope;
}

/// What an error needs to know of its request.
#[derive(Clone, Copy, Debug)]
pub struct RequestScope {
    /// The caller's language.
    pub lang: Lang,
    /// An `/api/…` request: errors as JSON.
    pub api: bool,
}

impl RequestScope {
    /// Run `f` (the rest of the request) with this scope.
    pub async fn run<F: std::future::Future>(self, f: F) -> F::Output {
        REQUEST.scope(self, f).await
    }

    /// The scope of the request being served; outside one (never for a handler), a page in
    /// Japanese.
    pub fn current() -> RequestScope {
        REQUEST.try_with(|r| *r).unwrap_or(RequestScope {
            lang: Lang::Ja,
            api: false,
        })
    }
}

/// `?` on a store result in a handler: the error answers for the current request.
impl From<StoreError> for WebError {
    fn from(e: StoreError) -> WebError {
        let r = RequestScope::current();
        WebError::from_store(e, r.api, r.lang)
    }
}

/// `?` on a parse in a handler (`form.parse(…)?`): the field errors answer for the current
/// request, as the store's own validation errors do.
impl From<domain::ValidationErrors> for WebError {
    fn from(e: domain::ValidationErrors) -> WebError {
        WebError::from(StoreError::Validation(e))
    }
}

impl WebError {
    /// A store error (or anything that becomes one, such as a `FieldError`) answered in the
    /// current request's language and shape (see [`RequestScope`]).
    pub fn store(e: impl Into<StoreError>) -> WebError {
        WebError::from(e.into())
    }

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

/// What an error response says, left on the response (as an extension) so that a page route
/// can show it as an HTML page with the caller's menu. Messages are in the request's language.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    /// The overall message.
    pub message: String,
    /// Field problems, `(field name, message)`, in the order they were found.
    pub fields: Vec<(String, String)>,
}

/// A field's name as the forms label it: `field.<name>` in the message catalogue, else the
/// domain's label for well-known names; `None` when neither knows it.
pub(crate) fn field_label(tr: Tr, field: &str) -> Option<String> {
    let key = field
        .rsplit(['.', ']', '['])
        .find(|s| !s.is_empty() && !s.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or(field);
    let own = tr.t(&format!("field.{key}"));
    if !own.is_empty() {
        return Some(own.to_string());
    }
    let l = FieldLabel::of(field);
    match tr.0 {
        Lang::Ja => l.ja,
        Lang::En => l.en,
    }
    .map(str::to_string)
}

/// "label: message", or the message alone for a field no form labels.
pub(crate) fn labelled(tr: Tr, field: &str, message: &str) -> String {
    match field_label(tr, field) {
        Some(label) => name_field(&label, message),
        None => message.to_string(),
    }
}

/// A message that names its field as labelled: "label: message", unless the message already
/// begins with the label (「市町村は6桁の数字で…」 needs no 「市町村: 」 in front).
pub(crate) fn name_field(label: &str, message: &str) -> String {
    if label.is_empty() || message.starts_with(label) {
        message.to_string()
    } else {
        format!("{label}: {message}")
    }
}
