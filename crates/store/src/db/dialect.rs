//! Where SQLite and PostgreSQL SQL differ. Everything else is one SQL text for both.

use crate::Backend;

/// The statement that serialises writers for the rest of the transaction, if the engine needs
/// one: on PostgreSQL a transaction-scoped advisory lock (key 7470001, "audit chain"); SQLite
/// has one writer at a time already, kept in order by the store's writer mutex.
pub fn writer_lock(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some("SELECT CAST(pg_advisory_xact_lock(7470001) AS TEXT)"),
    }
}

/// `$first,$first+1,…` for `n` binds (an `IN` list).
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `SELECT {json_rows(…)} FROM …` answers one row holding every matching row as a JSON array of
/// arrays. The drivers hand each result row from the database thread to the async task on its
/// own (on SQLite a thread switch per row), which dominated the triage of a large center: one
/// row per query instead of one per child, device or guardian made the 20,000-children list
/// about ten times faster. The order of the array is not relied on.
pub fn json_rows(backend: Backend, columns: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_group_array(json_array({columns}))"),
        Backend::Postgres => {
            format!("COALESCE(json_agg(json_build_array({columns}))::text, '[]')")
        }
    }
}

/// Bind parameters to put in one statement. PostgreSQL: below its limit of 65,535. SQLite: far
/// below its limit of 32,766, because sqlx's SQLite driver looks up every parameter's name
/// (`sqlite3_bind_parameter_name`, a linear walk of the statement's name list), which makes
/// binding quadratic in the count: at 30,000 binds a statement the national bench seed spent
/// three quarters of its time there and ran 8× slower.
pub fn max_binds(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 1_000,
        Backend::Postgres => 30_000,
    }
}

/// The fiscal year (April to March) of a `YYYY-MM-DD` text column, as an integer expression.
pub fn fiscal_year(backend: Backend, column: &str) -> String {
    let int = match backend {
        Backend::Sqlite => "INTEGER",
        Backend::Postgres => "BIGINT",
    };
    format!(
        "CASE WHEN CAST(SUBSTR({column}, 6, 2) AS {int}) >= 4 \
         THEN CAST(SUBSTR({column}, 1, 4) AS {int}) \
         ELSE CAST(SUBSTR({column}, 1, 4) AS {int}) - 1 END"
    )
}

/// Text values of a group joined by `separator` (a SQL string literal, e.g. `','`).
pub fn string_agg(backend: Backend, expr: &str, separator: &str) -> String {
    match backend {
        Backend::Sqlite => format!("group_concat({expr}, {separator})"),
        Backend::Postgres => format!("string_agg({expr}, {separator})"),
    }
}

/// The `>=` and `<` operators that compare text byte by byte, for a half-open prefix range
/// that an index can answer: SQLite compares BINARY already; on PostgreSQL the
/// text_pattern_ops operators do, which a `LIKE $n` pattern in a generic plan does not use.
pub fn byte_range_operators(backend: Backend) -> (&'static str, &'static str) {
    match backend {
        Backend::Sqlite => (">=", "<"),
        Backend::Postgres => ("~>=~", "~<~"),
    }
}

/// Refresh the planner's statistics after a bulk load. On PostgreSQL also VACUUM, which sets
/// the visibility map: without it, counts that an index alone could answer visit the table.
pub fn analyze(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "VACUUM (ANALYZE)",
    }
}

/// Like [`json_rows`], with the array in `order_by` order (an aggregate `ORDER BY`, which
/// SQLite has since 3.44; the bundled SQLite is newer).
pub fn json_rows_ordered(backend: Backend, columns: &str, order_by: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_group_array(json_array({columns}) ORDER BY {order_by})"),
        Backend::Postgres => format!(
            "COALESCE(json_agg(json_build_array({columns}) ORDER BY {order_by})::text, '[]')"
        ),
    }
}

/// Like [`string_agg`], joined in `order_by` order.
pub fn string_agg_ordered(backend: Backend, expr: &str, separator: &str, order_by: &str) -> String {
    match backend {
        Backend::Sqlite => format!("group_concat({expr}, {separator} ORDER BY {order_by})"),
        Backend::Postgres => format!("string_agg({expr}, {separator} ORDER BY {order_by})"),
    }
}
