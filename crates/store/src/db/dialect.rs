//! Where SQLite and PostgreSQL SQL differ. Everything else is one SQL text for both.

/// `$first,$first+1,…` for `n` binds (an `IN` list).
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}
