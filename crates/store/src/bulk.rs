//! Bulk loading for synthetic benchmark datasets (`tsunagu bench seed`).
//!
//! Use cases in this crate validate and audit one record at a time, which is right for people and
//! far too slow for two million generated rows. This module writes pre-built rows straight into
//! the tables with multi-row `INSERT`s, many per transaction. It is only for fictional data the
//! generator made itself: it checks table and column names against the schema, but not values.

use crate::{Result, Store, StoreError};

/// One column value of a bulk row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// TEXT value.
    Text(String),
    /// INTEGER value (also booleans, 0/1).
    Int(i64),
    /// NULL in a TEXT column.
    Null,
    /// NULL in an INTEGER column (PostgreSQL types its parameters).
    NullInt,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Int(v)
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Cell {
        Cell::Int(i64::from(v))
    }
}
impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Cell {
        v.map_or(Cell::Null, Cell::Text)
    }
}
impl From<Option<&str>> for Cell {
    fn from(v: Option<&str>) -> Cell {
        v.map_or(Cell::Null, Into::into)
    }
}
impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Cell {
        v.map_or(Cell::NullInt, Cell::Int)
    }
}

/// Rows for one table, in column order.
#[derive(Clone, Debug, Default)]
pub struct Rows {
    /// Table name.
    pub table: &'static str,
    /// Column names.
    pub columns: &'static [&'static str],
    /// Values; every row has `columns.len()` cells.
    pub rows: Vec<Vec<Cell>>,
}

impl Rows {
    /// Empty rows for `table`.
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Rows {
        Rows {
            table,
            columns,
            rows: Vec::new(),
        }
    }
    /// Append one row.
    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
    /// Number of rows waiting.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// No rows waiting?
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl Store {
    /// Insert every row of each table in `batches`, in order, in one transaction.
    pub async fn bulk_insert(&self, batches: &[&Rows]) -> Result<u64> {
        let known = self.schema_columns().await?;
        for b in batches {
            for c in b.columns {
                if !known.iter().any(|(t, col)| t == b.table && col == c) {
                    return Err(StoreError::Config(format!(
                        "bulk insert: no column {}.{c}",
                        b.table
                    )));
                }
            }
            if let Some(bad) = b.rows.iter().find(|r| r.len() != b.columns.len()) {
                return Err(StoreError::Config(format!(
                    "bulk insert into {}: row has {} cells for {} columns",
                    b.table,
                    bad.len(),
                    b.columns.len()
                )));
            }
        }
        let mut w = self.begin_write().await?;
        let mut written = 0u64;
        for b in batches {
            if b.rows.is_empty() {
                continue;
            }
            let per_statement =
                (crate::db::dialect::max_binds(self.backend) / b.columns.len()).max(1);
            for chunk in b.rows.chunks(per_statement) {
                let width = b.columns.len();
                let tuples: Vec<String> = (0..chunk.len())
                    .map(|r| format!("({})", crate::placeholders(r * width + 1, width)))
                    .collect();
                let sql = format!(
                    "INSERT INTO {} ({}) VALUES {}",
                    b.table,
                    b.columns.join(", "),
                    tuples.join(",")
                );
                let mut q = crate::db::query(&sql);
                for cell in chunk.iter().flatten() {
                    q = match cell {
                        Cell::Text(s) => q.bind(s.clone()),
                        Cell::Int(v) => q.bind(*v),
                        Cell::Null => q.bind(None::<String>),
                        Cell::NullInt => q.bind(None::<i64>),
                    };
                }
                written += q.execute(&mut w.tx).await?.rows_affected();
            }
        }
        // Loaded rows bypass the use cases that keep derived tables in step.
        if batches
            .iter()
            .any(|b| crate::power_estimates::SOURCE_TABLES.contains(&b.table))
        {
            crate::power_estimates::rebuild(&mut w.tx, self.backend).await?;
        }
        w.commit().await?;
        Ok(written)
    }

    /// Refresh the planner's statistics after a bulk load. On PostgreSQL also VACUUM, which
    /// sets the visibility map: without it, counts that could be answered from an index alone
    /// (実人数 of a fiscal year) visit the table (measured: 12 ms instead of about 1 ms).
    pub async fn analyze(&self) -> Result<()> {
        let sql = crate::db::dialect::analyze(self.backend());
        crate::db::query(sql).execute(self.pool()).await?;
        Ok(())
    }
}
