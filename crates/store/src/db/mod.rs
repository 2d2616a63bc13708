//! The storage seam: the native SQLite and PostgreSQL drivers behind one small query API.
//!
//! Use cases write one SQL text (`$1, $2, …` placeholders, which both engines accept) and call
//! [`query`], [`query_as`] or [`query_scalar`] much as they would sqlx's own functions; the
//! binds are collected as [`Arg`]s and handed to the native driver of the connection the query
//! runs on. Rows decode straight from the native row into tuples or `FromRow` structs.
//!
//! Why not sqlx's `Any` driver (used until stop 17): it converts every bound value and every
//! row cell into its own `AnyValue` first (each value copied twice) and forgives integer widths
//! the native drivers would refuse. Why not one implementation per backend (atuin's way):
//! the two dialects agree on almost all of our SQL, so two copies of 350 queries would drift.
//! The dialect differences that remain live in [`dialect`].

pub mod dialect;

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Decode, FromRow, Postgres, Sqlite, Transaction, Type};

use crate::Backend;

/// A connection pool on one of the two engines. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Pool {
    engine: Engine,
    stats: Arc<Stats>,
}

#[derive(Clone, Debug)]
enum Engine {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How much a pool has been asked to do, for tests and the benchmark: the cost of a use
/// case in round trips, which no timing can show reliably.
#[derive(Debug, Default)]
pub struct Stats {
    reads: AtomicU64,
    write_commits: AtomicU64,
}

/// A reading of a pool's [`Stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsReading {
    /// Statements run outside transactions (each one round trip).
    pub reads: u64,
    /// Write transactions committed (each its statements plus one commit).
    pub write_commits: u64,
}

impl Pool {
    /// A pool over a native SQLite pool.
    pub fn sqlite(pool: SqlitePool) -> Pool {
        Pool {
            engine: Engine::Sqlite(pool),
            stats: Arc::default(),
        }
    }

    /// A pool over a native PostgreSQL pool.
    pub fn postgres(pool: PgPool) -> Pool {
        Pool {
            engine: Engine::Postgres(pool),
            stats: Arc::default(),
        }
    }

    /// Which engine this pool talks to.
    pub fn backend(&self) -> Backend {
        match self.engine {
            Engine::Sqlite(_) => Backend::Sqlite,
            Engine::Postgres(_) => Backend::Postgres,
        }
    }

    /// What this pool (and every clone of it) has done so far.
    pub fn stats(&self) -> StatsReading {
        StatsReading {
            reads: self.stats.reads.load(Ordering::Relaxed),
            write_commits: self.stats.write_commits.load(Ordering::Relaxed),
        }
    }

    /// Take a connection from the pool (no transaction).
    pub async fn acquire(&self) -> Result<Conn, sqlx::Error> {
        let inner = match &self.engine {
            Engine::Sqlite(p) => ConnInner::Sqlite(p.acquire().await?),
            Engine::Postgres(p) => ConnInner::Postgres(p.acquire().await?),
        };
        Ok(Conn {
            inner,
            write_locked: false,
            stats: self.stats.clone(),
        })
    }

    /// Open a transaction on a connection of its own; dropped without [`Conn::commit`], it
    /// rolls back. Writes go through [`crate::Store::begin_write`], which also takes the
    /// writers' lock.
    pub(crate) async fn begin(&self) -> Result<Conn, sqlx::Error> {
        let inner = match &self.engine {
            Engine::Sqlite(p) => ConnInner::SqliteTx(p.begin().await?),
            Engine::Postgres(p) => ConnInner::PostgresTx(p.begin().await?),
        };
        Ok(Conn {
            inner,
            write_locked: false,
            stats: self.stats.clone(),
        })
    }

    /// A pool on `url` (`sqlite://…` or `postgres://…`) that runs no migrations: for tools and
    /// tests that must see a database as it is (e.g. one left at an older schema).
    pub async fn connect_unmigrated(url: &str, max_connections: u32) -> Result<Pool, sqlx::Error> {
        use std::str::FromStr;
        if url.starts_with("sqlite:") {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?.foreign_keys(true);
            Ok(Pool::sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .connect_with(options)
                    .await?,
            ))
        } else {
            Ok(Pool::postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(max_connections)
                    .connect(url)
                    .await?,
            ))
        }
    }

    /// Apply `migrator`'s migrations that are not applied yet.
    pub async fn run_migrator(
        &self,
        migrator: &sqlx::migrate::Migrator,
    ) -> Result<(), sqlx::migrate::MigrateError> {
        match &self.engine {
            Engine::Sqlite(p) => migrator.run(p).await,
            Engine::Postgres(p) => migrator.run(p).await,
        }
    }

    /// Close every connection.
    pub async fn close(&self) {
        match &self.engine {
            Engine::Sqlite(p) => p.close().await,
            Engine::Postgres(p) => p.close().await,
        }
    }
}

/// One connection taken from a [`Pool`]: either plain (a run of reads) or inside a transaction.
/// Use cases pass `&mut Conn` to their helpers whichever it is.
#[derive(Debug)]
pub struct Conn {
    inner: ConnInner,
    /// Set by the write-transaction opener ([`crate::Store::begin_write`]) once it holds the
    /// writers' lock; the audit chain and the kept counts refuse to write without it.
    write_locked: bool,
    stats: Arc<Stats>,
}

#[derive(Debug)]
enum ConnInner {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
    SqliteTx(Transaction<'static, Sqlite>),
    PostgresTx(Transaction<'static, Postgres>),
}

impl Conn {
    /// Which engine this connection talks to.
    pub fn backend(&self) -> Backend {
        match self.inner {
            ConnInner::Sqlite(_) | ConnInner::SqliteTx(_) => Backend::Sqlite,
            ConnInner::Postgres(_) | ConnInner::PostgresTx(_) => Backend::Postgres,
        }
    }

    /// Commit the transaction (a plain connection has nothing to commit).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        if self.write_locked {
            self.stats.write_commits.fetch_add(1, Ordering::Relaxed);
        }
        match self.inner {
            ConnInner::SqliteTx(tx) => tx.commit().await,
            ConnInner::PostgresTx(tx) => tx.commit().await,
            ConnInner::Sqlite(_) | ConnInner::Postgres(_) => Ok(()),
        }
    }

    /// Whether this is a write transaction holding the writers' lock.
    pub fn write_locked(&self) -> bool {
        self.write_locked
    }

    pub(crate) fn set_write_locked(&mut self) {
        self.write_locked = true;
    }
}

/// Decodes the single value of a [`dialect::json_rows`] query: an array of row arrays.
pub(crate) fn decode_rows<T: serde::de::DeserializeOwned>(raw: &str) -> crate::Result<Vec<T>> {
    serde_json::from_str(raw).map_err(|e| crate::StoreError::Config(format!("JSON rows: {e}")))
}

/// Refuse to go on unless `conn` is a write transaction from [`crate::Store::begin_write`]:
/// for code whose correctness depends on the writers' lock (the audit chain, kept counts).
pub(crate) fn require_write_lock(conn: &Conn) -> crate::Result<()> {
    if conn.write_locked() {
        Ok(())
    } else {
        Err(crate::StoreError::Config(
            "a write ran outside a write transaction (Store::begin_write)".into(),
        ))
    }
}

/// Where a query runs: a pool (any free connection) or one connection.
pub struct Target<'c> {
    on: On<'c>,
    /// Counts the statement as a read (`None` inside a transaction).
    reads: Option<&'c AtomicU64>,
}

impl<'c> Target<'c> {
    fn counted(self) -> On<'c> {
        if let Some(reads) = self.reads {
            reads.fetch_add(1, Ordering::Relaxed);
        }
        self.on
    }
}

enum On<'c> {
    /// Any connection of a SQLite pool.
    SqlitePool(&'c SqlitePool),
    /// Any connection of a PostgreSQL pool.
    PostgresPool(&'c PgPool),
    /// One SQLite connection.
    Sqlite(&'c mut SqliteConnection),
    /// One PostgreSQL connection.
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c Pool> for Target<'c> {
    fn from(pool: &'c Pool) -> Self {
        let on = match &pool.engine {
            Engine::Sqlite(p) => On::SqlitePool(p),
            Engine::Postgres(p) => On::PostgresPool(p),
        };
        Target {
            on,
            reads: Some(&pool.stats.reads),
        }
    }
}

impl<'c> From<&'c mut Conn> for Target<'c> {
    fn from(conn: &'c mut Conn) -> Self {
        let in_transaction = matches!(
            conn.inner,
            ConnInner::SqliteTx(_) | ConnInner::PostgresTx(_)
        );
        let reads = (!in_transaction).then_some(&conn.stats.reads);
        let on = match &mut conn.inner {
            ConnInner::Sqlite(c) => On::Sqlite(c),
            ConnInner::Postgres(c) => On::Postgres(c),
            ConnInner::SqliteTx(c) => On::Sqlite(c),
            ConnInner::PostgresTx(c) => On::Postgres(c),
        };
        Target { on, reads }
    }
}

/// A bound value, kept until the query runs on a known engine.
#[derive(Clone, Debug)]
pub enum Arg<'q> {
    /// TEXT (or NULL).
    Text(Option<Cow<'q, str>>),
    /// BIGINT / INTEGER (or NULL).
    Int(Option<i64>),
    /// DOUBLE PRECISION / REAL (or NULL).
    Real(Option<f64>),
    /// BOOLEAN (or NULL); stored columns are integers, so only literals compare with it.
    Bool(Option<bool>),
}

/// A value that can be bound to a `$n` placeholder.
pub trait Bind<'q> {
    /// The value as an [`Arg`].
    fn into_arg(self) -> Arg<'q>;
}

macro_rules! bind_as {
    ($variant:ident, $($t:ty => |$v:ident| $e:expr),+ $(,)?) => {
        $(impl<'q> Bind<'q> for $t {
            fn into_arg(self) -> Arg<'q> {
                let $v = self;
                Arg::$variant($e)
            }
        })+
    };
}

bind_as!(Text,
    &'q str => |v| Some(Cow::Borrowed(v)),
    &'q String => |v| Some(Cow::Borrowed(v.as_str())),
    String => |v| Some(Cow::Owned(v)),
    Cow<'q, str> => |v| Some(v),
    Option<&'q str> => |v| v.map(Cow::Borrowed),
    Option<String> => |v| v.map(Cow::Owned),
    &'q Option<String> => |v| v.as_deref().map(Cow::Borrowed),
);
bind_as!(Int,
    i64 => |v| Some(v),
    i32 => |v| Some(i64::from(v)),
    u32 => |v| Some(i64::from(v)),
    Option<i64> => |v| v,
    Option<i32> => |v| v.map(i64::from),
    &'q i64 => |v| Some(*v),
);
bind_as!(Real,
    f64 => |v| Some(v),
    Option<f64> => |v| v,
);
bind_as!(Bool,
    bool => |v| Some(v),
);

impl<'q> Bind<'q> for Arg<'q> {
    fn into_arg(self) -> Arg<'q> {
        self
    }
}

/// The outcome of a statement that returns no rows.
#[derive(Clone, Copy, Debug)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    /// Rows inserted, updated or deleted.
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A row read by [`query`], for code that reads cells by position.
pub enum Row {
    /// Row from SQLite.
    Sqlite(SqliteRow),
    /// Row from PostgreSQL.
    Postgres(PgRow),
}

impl Row {
    /// The cell at `index` (0-based), decoded as `T`.
    pub fn try_get<T: Decodes>(&self, index: usize) -> Result<T, sqlx::Error> {
        use sqlx::Row as _;
        match self {
            Row::Sqlite(r) => r.try_get(index),
            Row::Postgres(r) => r.try_get(index),
        }
    }
}

/// A Rust type both engines can decode a cell into.
pub trait Decodes:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}
impl<T> Decodes for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

/// A row type (tuple or `#[derive(sqlx::FromRow)]` struct) both engines can build.
pub trait FromRows:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> FromRows for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A statement with its binds, not yet tied to an engine.
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query<'q> {
    sql: &'q str,
    args: Vec<Arg<'q>>,
}

/// `sql` with `$1, $2, …` placeholders; bind values in order with [`Query::bind`].
pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        args: Vec::new(),
    }
}

/// Like [`query`], decoding each row into `O`.
pub fn query_as<'q, O: FromRows>(sql: &'q str) -> QueryAs<'q, O> {
    QueryAs {
        inner: query(sql),
        _row: PhantomData,
    }
}

/// Like [`query`], decoding the first column of each row into `O`.
pub fn query_scalar<'q, O>(sql: &'q str) -> QueryScalar<'q, O>
where
    (O,): FromRows,
{
    QueryScalar {
        inner: query_as(sql),
    }
}

/// `$q`'s SQL as a native query built by `$make`, with every bind applied in order.
macro_rules! native {
    ($q:expr, $make:expr) => {{
        let mut native = $make($q.sql);
        for arg in $q.args {
            native = match arg {
                Arg::Text(v) => native.bind(v),
                Arg::Int(v) => native.bind(v),
                Arg::Real(v) => native.bind(v),
                Arg::Bool(v) => native.bind(v),
            };
        }
        native
    }};
}

/// Build `$q` with `$sqlite` or `$postgres` (the native constructors) for whichever engine
/// `$target` names, and evaluate `$body` with the query as `$n` and the executor as `$e`.
macro_rules! on_target {
    ($q:expr, $target:expr, $sqlite:expr, $postgres:expr, |$n:ident, $e:ident| $body:expr) => {{
        match $target {
            On::SqlitePool($e) => {
                let $n = native!($q, $sqlite);
                $body
            }
            On::Sqlite($e) => {
                let $n = native!($q, $sqlite);
                $body
            }
            On::PostgresPool($e) => {
                let $n = native!($q, $postgres);
                $body
            }
            On::Postgres($e) => {
                let $n = native!($q, $postgres);
                $body
            }
        }
    }};
}

impl<'q> Query<'q> {
    /// Bind the next `$n`.
    pub fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.args.push(value.into_arg());
        self
    }

    /// Run the statement; returns how many rows it changed.
    pub async fn execute<'c>(self, on: impl Into<Target<'c>>) -> Result<Done, sqlx::Error> {
        let rows_affected = on_target!(
            self,
            on.into().counted(),
            sqlx::query::<Sqlite>,
            sqlx::query::<Postgres>,
            |n, e| n.execute(e).await?.rows_affected()
        );
        Ok(Done { rows_affected })
    }

    /// All rows.
    pub async fn fetch_all<'c>(self, on: impl Into<Target<'c>>) -> Result<Vec<Row>, sqlx::Error> {
        Ok(on_target!(
            self,
            on.into().counted(),
            sqlx::query::<Sqlite>,
            sqlx::query::<Postgres>,
            |n, e| n.fetch_all(e).await?.into_iter().map(Row::from).collect()
        ))
    }

    /// The first row, if any.
    pub async fn fetch_optional<'c>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<Option<Row>, sqlx::Error> {
        Ok(on_target!(
            self,
            on.into().counted(),
            sqlx::query::<Sqlite>,
            sqlx::query::<Postgres>,
            |n, e| n.fetch_optional(e).await?.map(Row::from)
        ))
    }

    /// The first row; [`sqlx::Error::RowNotFound`] if there is none.
    pub async fn fetch_one<'c>(self, on: impl Into<Target<'c>>) -> Result<Row, sqlx::Error> {
        self.fetch_optional(on)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

impl From<SqliteRow> for Row {
    fn from(row: SqliteRow) -> Row {
        Row::Sqlite(row)
    }
}

impl From<PgRow> for Row {
    fn from(row: PgRow) -> Row {
        Row::Postgres(row)
    }
}

/// A statement whose rows decode into `O` (see [`query_as`]).
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryAs<'q, O> {
    inner: Query<'q>,
    _row: PhantomData<fn() -> O>,
}

impl<'q, O: FromRows> QueryAs<'q, O> {
    /// Bind the next `$n`.
    pub fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.inner.args.push(value.into_arg());
        self
    }

    /// All rows.
    pub async fn fetch_all<'c>(self, on: impl Into<Target<'c>>) -> Result<Vec<O>, sqlx::Error> {
        let q = self.inner;
        on_target!(
            q,
            on.into().counted(),
            sqlx::query_as::<Sqlite, _>,
            sqlx::query_as::<Postgres, _>,
            |n, e| n.fetch_all(e).await
        )
    }

    /// The first row, if any.
    pub async fn fetch_optional<'c>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<Option<O>, sqlx::Error> {
        let q = self.inner;
        on_target!(
            q,
            on.into().counted(),
            sqlx::query_as::<Sqlite, _>,
            sqlx::query_as::<Postgres, _>,
            |n, e| n.fetch_optional(e).await
        )
    }

    /// The first row; [`sqlx::Error::RowNotFound`] if there is none.
    pub async fn fetch_one<'c>(self, on: impl Into<Target<'c>>) -> Result<O, sqlx::Error> {
        let q = self.inner;
        on_target!(
            q,
            on.into().counted(),
            sqlx::query_as::<Sqlite, _>,
            sqlx::query_as::<Postgres, _>,
            |n, e| n.fetch_one(e).await
        )
    }
}

/// A statement whose first column decodes into `O` (see [`query_scalar`]): a [`QueryAs`] of
/// one-column rows.
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryScalar<'q, O> {
    inner: QueryAs<'q, (O,)>,
}

impl<'q, O> QueryScalar<'q, O>
where
    (O,): FromRows,
{
    /// Bind the next `$n`.
    pub fn bind(self, value: impl Bind<'q>) -> Self {
        QueryScalar {
            inner: self.inner.bind(value),
        }
    }

    /// The first column of every row.
    pub async fn fetch_all<'c>(self, on: impl Into<Target<'c>>) -> Result<Vec<O>, sqlx::Error> {
        let rows = self.inner.fetch_all(on).await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    /// The first column of the first row, if any.
    pub async fn fetch_optional<'c>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<Option<O>, sqlx::Error> {
        Ok(self.inner.fetch_optional(on).await?.map(|(v,)| v))
    }

    /// The first column of the first row; [`sqlx::Error::RowNotFound`] if there is none.
    pub async fn fetch_one<'c>(self, on: impl Into<Target<'c>>) -> Result<O, sqlx::Error> {
        Ok(self.inner.fetch_one(on).await?.0)
    }
}
