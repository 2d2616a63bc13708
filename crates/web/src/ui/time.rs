//! Instants as people read them.

/// An instant shown in Japan time.
pub(crate) fn jst_time(at: &str) -> String {
    store::parse_ts(at)
        .map(|t| {
            t.with_timezone(&domain::dates::jst())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| at.to_string())
}
