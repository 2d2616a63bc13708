//! Messages about the shape of a request rather than its content: JSON bodies, query strings
//! and download options that cannot be read.

use crate::FieldError;

/// JSONオブジェクトを送ってください: a request body that is not a JSON object (field `body`).
pub fn body_not_object() -> FieldError {
    FieldError::new(
        "body",
        "invalid",
        "JSONオブジェクトを送ってください",
        "Send a JSON object",
    )
}

/// 項目の型が正しくありません: a JSON body with a wrongly typed field; `detail` is the decoder's
/// own description (field `body`).
pub fn body_wrong_type(detail: &str) -> FieldError {
    FieldError::new(
        "body",
        "invalid",
        format!("項目の型が正しくありません: {detail}"),
        format!("A field has the wrong type: {detail}"),
    )
}

/// 検索条件が正しくありません: an API query string that does not decode; `detail` is the
/// decoder's own description (field `query`).
pub fn query_malformed(detail: &str) -> FieldError {
    FieldError::new(
        "query",
        "invalid",
        format!("検索条件が正しくありません: {detail}"),
        format!("Invalid query: {detail}"),
    )
}

/// 検索条件が正しくありません: a page's query string that does not even parse (e.g. broken
/// percent-encoding; field `query`).
pub fn query_unreadable() -> FieldError {
    FieldError::new(
        "query",
        "invalid",
        "検索条件が正しくありません",
        "The search conditions are invalid.",
    )
}

/// version は整数です: a PATCH body whose `version` is not an integer.
pub fn version_not_integer() -> FieldError {
    FieldError::new(
        "version",
        "invalid",
        "version は整数です",
        "version must be an integer",
    )
}

/// followup_done は true または false です: a PATCH body whose `followup_done` is not a boolean.
pub fn followup_done_not_bool() -> FieldError {
    FieldError::new(
        "followup_done",
        "invalid",
        "followup_done は true または false です",
        "followup_done must be true or false",
    )
}

/// 文字コードは cp932 または utf8 を指定してください: an unknown CSV encoding (field `encoding`).
pub fn unknown_csv_encoding() -> FieldError {
    FieldError::new(
        "encoding",
        "unknown_code",
        "文字コードは cp932 または utf8 を指定してください",
        "The encoding must be cp932 or utf8.",
    )
}

/// One output of every function above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![
        body_not_object(),
        body_wrong_type("invalid type: string \"x\", expected u32"),
        query_malformed("missing field `from`"),
        query_unreadable(),
        version_not_integer(),
        followup_done_not_bool(),
        unknown_csv_encoding(),
    ]
}
