//! CSV downloads: the encoding a caller asks for and the response that carries the file.

use axum::response::{IntoResponse, Response};

use crate::error::WebError;

/// The `encoding` of a CSV download: empty = CP932 (for Excel), else `cp932` or `utf8`.
pub(crate) fn csv_encoding(raw: &str) -> Result<domain::export::CsvEncoding, WebError> {
    if raw.trim().is_empty() {
        return Ok(domain::export::CsvEncoding::Cp932);
    }
    domain::export::CsvEncoding::parse(raw).ok_or_else(|| {
        WebError::from(store::StoreError::from(
            domain::messages::api::unknown_csv_encoding(),
        ))
    })
}

/// A CSV file as a download named `filename`.
pub(crate) fn csv_download(
    bytes: Vec<u8>,
    encoding: domain::export::CsvEncoding,
    filename: &str,
) -> Result<Response, WebError> {
    use axum::http::{header, HeaderValue};
    let mut res = bytes.into_response();
    let headers = res.headers_mut();
    let value = |s: String| {
        HeaderValue::from_str(&s).map_err(|e| WebError::Internal(format!("header: {e}")))
    };
    headers.insert(
        header::CONTENT_TYPE,
        value(format!("text/csv; charset={}", encoding.charset()))?,
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(format!("attachment; filename=\"{filename}\""))?,
    );
    Ok(res)
}
