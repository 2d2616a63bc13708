//! JSON request bodies and API query strings, decoded so a malformed or wrongly typed field is
//! a 422 naming the field, never an extractor's plain-text 400.

use axum::body::Bytes;
use axum_extra::extract::Query;
use domain::{messages, FieldError, ValidationErrors};
use serde::de::DeserializeOwned;

use crate::auth::Authed;
use crate::error::WebError;

/// A 422 for one field error (from `domain::messages`), in the caller's language.
pub(crate) fn invalid(a: &Authed, e: FieldError) -> WebError {
    WebError::Invalid {
        errors: ValidationErrors(vec![e]),
        lang: a.lang,
    }
}

pub(crate) fn json_object(
    a: &Authed,
    body: &Bytes,
) -> Result<serde_json::Map<String, serde_json::Value>, WebError> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(invalid(a, messages::api::body_not_object())),
    }
}

/// A JSON object body decoded into `T`: [`json_object`] then [`from_object`].
pub(crate) fn json_body<T: DeserializeOwned>(a: &Authed, body: &Bytes) -> Result<T, WebError> {
    from_object(a, json_object(a, body)?)
}

pub(crate) fn from_object<T: DeserializeOwned>(
    a: &Authed,
    m: serde_json::Map<String, serde_json::Value>,
) -> Result<T, WebError> {
    serde_json::from_value(serde_json::Value::Object(m)).map_err(|e| {
        let msg = e.to_string();
        invalid(a, messages::api::body_wrong_type(&msg))
    })
}

/// Parse query strings into a 422 (not axum's plain-text 400) when malformed.
pub(crate) fn query<T: DeserializeOwned + Default>(
    a: &Authed,
    q: Result<Query<T>, axum_extra::extract::QueryRejection>,
) -> Result<T, WebError> {
    q.map(|Query(v)| v).map_err(|e| {
        let msg = e.body_text();
        invalid(a, messages::api::query_malformed(&msg))
    })
}
