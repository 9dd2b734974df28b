//! Connecting to SQLite or PostgreSQL and running sea-query statements on either.

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, PgConnection, Postgres, Sqlite, SqliteConnection, Transaction};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A unique constraint refused the write; the string names the constraint's subject.
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("invalid database URL: {0}")]
    BadUrl(String),
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        source: sqlx::Error,
    },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// PostgreSQL chose this statement's transaction to break a deadlock
    /// (SQLSTATE 40P01): nothing of it was written, and it may run again.
    pub fn is_deadlock(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(d)) if d.code().as_deref() == Some("40P01"))
    }

    /// Turns a unique violation into [`StoreError::Conflict`], leaving others alone.
    pub(crate) fn from_write(e: sqlx::Error, subject: &str) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(subject.to_string())
            }
            _ => StoreError::Db(e),
        }
    }
}

/// Which engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database is: chosen once, from `DATABASE_URL` or the data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbUrl {
    /// Parses `postgres://…`, `postgresql://…` or `sqlite://PATH` / `sqlite:PATH`.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
            Ok(DbUrl::Postgres(url.to_string()))
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(StoreError::BadUrl("sqlite URL has no file path".into()));
            }
            Ok(DbUrl::Sqlite(PathBuf::from(path)))
        } else {
            Err(StoreError::BadUrl(
                "expected a URL starting with postgres:// or sqlite://".into(),
            ))
        }
    }

    /// The URL with any password replaced, for logs and `print-config`.
    pub fn redacted(&self) -> String {
        match self {
            DbUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DbUrl::Postgres(u) => redact_url_password(u),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(parts) => parts,
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[derive(Clone)]
enum Pools {
    /// SQLite allows one writer at a time: writes go through a one-connection pool,
    /// so they queue in-process instead of failing with SQLITE_BUSY.
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres(PgPool),
}

/// The database handle. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pools: Pools,
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub busy_timeout: Duration,
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl Store {
    pub async fn open(url: &DbUrl, opts: &StoreOptions) -> Result<Self, StoreError> {
        match url {
            DbUrl::Sqlite(path) => Self::open_sqlite(path, opts).await,
            DbUrl::Postgres(url) => Self::open_postgres(url, opts).await,
        }
    }

    /// Opens (creating if needed) a SQLite file in WAL mode with foreign keys on.
    pub async fn open_sqlite(path: &Path, opts: &StoreOptions) -> Result<Self, StoreError> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(opts.busy_timeout);
        // No ping before each acquire (sqlx's default): it is a round trip
        // (a hop to SQLite's thread) before every transaction, measured on
        // the webhook benchmark. A dead connection fails its statement
        // instead and the pool drops it; callers retry as for any error.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(base.clone())
            .await?;
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(base.read_only(false))
            .await?;
        Ok(Self {
            pools: Pools::Sqlite { writer, reader },
        })
    }

    pub async fn open_postgres(url: &str, opts: &StoreOptions) -> Result<Self, StoreError> {
        let connect =
            PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
        // No ping before each acquire (see `open_sqlite`): one round trip to
        // the server fewer per transaction.
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(opts.max_connections.max(2))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(connect)
            .await?;
        Ok(Self {
            pools: Pools::Postgres(pool),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction that may write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so it never fails half-way on a lock upgrade.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { writer, .. } => Tx::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?),
            Pools::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Starts a transaction for reading (a consistent snapshot; writes are allowed on
    /// PostgreSQL but should go through [`Store::begin`]).
    pub async fn read(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { reader, .. } => Tx::Sqlite(reader.begin().await?),
            Pools::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A connection for reading without a transaction: each statement sees the
    /// data as it is when it runs (no snapshot across statements), and there
    /// is no BEGIN or COMMIT round trip. For hot paths that read once.
    pub async fn autocommit(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { reader, .. } => Tx::SqliteAuto(reader.acquire().await?),
            Pools::Postgres(pool) => Tx::PostgresAuto(pool.acquire().await?),
        })
    }

    /// A writing connection without a transaction: each statement commits on
    /// its own, with no BEGIN or COMMIT round trip. For hot writes that are
    /// one statement, or whose statements stand on their own.
    pub async fn write_autocommit(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { writer, .. } => Tx::SqliteAuto(writer.acquire().await?),
            Pools::Postgres(pool) => Tx::PostgresAuto(pool.acquire().await?),
        })
    }

    /// A cheap round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut tx = self.read().await?;
        tx.raw("SELECT 1").await?;
        tx.rollback().await
    }

    /// Pool figures for `/metrics`: (in use, idle, max) summed over the pools.
    pub fn pool_stats(&self) -> PoolStats {
        match &self.pools {
            Pools::Sqlite { writer, reader } => PoolStats {
                size: writer.size() + reader.size(),
                idle: u32::try_from(writer.num_idle() + reader.num_idle()).unwrap_or(u32::MAX),
                max: writer.options().get_max_connections()
                    + reader.options().get_max_connections(),
            },
            Pools::Postgres(p) => PoolStats {
                size: p.size(),
                idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
                max: p.options().get_max_connections(),
            },
        }
    }

    /// Wake-ups for idle workers when a job is enqueued (PostgreSQL `LISTEN`);
    /// `None` on SQLite, where workers share one machine and poll.
    pub async fn job_wakeups(&self) -> Result<Option<JobWakeups>, StoreError> {
        match &self.pools {
            Pools::Sqlite { .. } => Ok(None),
            Pools::Postgres(pool) => {
                #[derive(sqlx::FromRow)]
                struct Schema {
                    schema: String,
                }
                let s: Schema = sqlx::query_as("SELECT current_schema() AS schema")
                    .fetch_one(pool)
                    .await?;
                let mut l = sqlx::postgres::PgListener::connect_with(pool).await?;
                l.listen(JOBS_CHANNEL).await?;
                Ok(Some(JobWakeups {
                    listener: l,
                    schema: s.schema,
                }))
            }
        }
    }

    /// The presence of worker `worker` (PostgreSQL): a session advisory lock
    /// on a connection of its own, which the server releases the moment the
    /// worker's process dies and its connection closes. Other workers then
    /// take up its jobs without waiting for their leases
    /// ([`crate::jobs::expire_absent_workers`]). Taken by
    /// [`WorkerPresence::keep`]. `None` on SQLite (one process).
    pub fn worker_presence(&self, worker: &str) -> Option<WorkerPresence> {
        match &self.pools {
            Pools::Sqlite { .. } => None,
            Pools::Postgres(pool) => Some(WorkerPresence {
                pool: pool.clone(),
                worker: worker.to_string(),
                conn: None,
            }),
        }
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { writer, reader } => {
                writer.close().await;
                reader.close().await;
            }
            Pools::Postgres(p) => p.close().await,
        }
    }
}

/// The PostgreSQL channel that `jobs::enqueue` notifies.
pub(crate) const JOBS_CHANNEL: &str = "siar_jobs";

/// A listener on the jobs channel, for one schema.
pub struct JobWakeups {
    listener: sqlx::postgres::PgListener,
    schema: String,
}

impl JobWakeups {
    /// Waits until a job is enqueued in this store's schema (after its transaction
    /// commits). The listener reconnects by itself after a lost connection.
    pub async fn wait(&mut self) -> Result<(), StoreError> {
        loop {
            let n = self.listener.recv().await?;
            if n.payload() == self.schema {
                return Ok(());
            }
        }
    }
}

/// The advisory-lock class of worker presence (the bytes of "SIAR").
pub(crate) const PRESENCE_CLASS: i32 = 0x5349_4152;

/// A worker's presence lock (see [`Store::worker_presence`]).
pub struct WorkerPresence {
    pool: PgPool,
    worker: String,
    conn: Option<PgConnection>,
}

impl WorkerPresence {
    /// Takes the lock, or checks that it is still held (one round trip on
    /// its connection) and takes it again on a new connection when the old
    /// one was lost. `false`: not held now (another holder has it: the same
    /// worker id twice); the worker's jobs may then be taken up by others,
    /// so it must not claim any until this turns `true`.
    pub async fn keep(&mut self) -> Result<bool, StoreError> {
        if let Some(c) = self.conn.as_mut() {
            if sqlx::query("SELECT 1").execute(&mut *c).await.is_ok() {
                return Ok(true);
            }
            self.conn = None;
        }
        let mut c = self.pool.acquire().await?.detach();
        let (held,): (bool,) = sqlx::query_as(
            "SELECT pg_try_advisory_lock($1, hashtext(current_schema() || ':' || $2))",
        )
        .bind(PRESENCE_CLASS)
        .bind(&self.worker)
        .fetch_one(&mut c)
        .await?;
        if held {
            self.conn = Some(c);
        }
        Ok(held)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// A transaction on either engine. Every repository function takes one.
/// The `Auto` forms are a plain connection where each statement commits on its
/// own ([`Store::autocommit`]): for a single read, two round trips fewer.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    SqliteAuto(PoolConnection<Sqlite>),
    PostgresAuto(PoolConnection<Postgres>),
}

enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// A row type that decodes on both engines (derive `sqlx::FromRow` on it).
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) | Tx::SqliteAuto(_) => Backend::Sqlite,
            Tx::Postgres(_) | Tx::PostgresAuto(_) => Backend::Postgres,
        }
    }

    fn build<S: SqlxBinder>(&self, stmt: &S) -> (String, sea_query_sqlx::SqlxValues) {
        match self.backend() {
            Backend::Sqlite => stmt.build_sqlx(SqliteQueryBuilder),
            Backend::Postgres => stmt.build_sqlx(PostgresQueryBuilder),
        }
    }

    /// Each statement commits on its own ([`Store::autocommit`],
    /// [`Store::write_autocommit`]): a failed statement may be run again.
    pub(crate) fn is_autocommit(&self) -> bool {
        matches!(self, Tx::SqliteAuto(_) | Tx::PostgresAuto(_))
    }

    /// The PostgreSQL connection, for statements only PostgreSQL has.
    pub(crate) fn postgres(&mut self) -> Option<&mut PgConnection> {
        match self {
            Tx::Postgres(t) => Some(t),
            Tx::PostgresAuto(c) => Some(c),
            Tx::Sqlite(_) | Tx::SqliteAuto(_) => None,
        }
    }

    fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(t),
            Tx::SqliteAuto(c) => Conn::Sqlite(c),
            Tx::Postgres(t) => Conn::Postgres(t),
            Tx::PostgresAuto(c) => Conn::Postgres(c),
        }
    }

    /// Runs a statement; returns the number of rows it touched.
    pub async fn exec<S: SqlxBinder>(&mut self, stmt: &S) -> Result<u64, sqlx::Error> {
        let (sql, values) = self.build(stmt);
        // The SQL text comes from sea-query; every value is a bound parameter.
        Ok(match self.conn() {
            Conn::Sqlite(c) => sqlx::query_with(AssertSqlSafe(sql), values)
                .execute(c)
                .await?
                .rows_affected(),
            Conn::Postgres(c) => sqlx::query_with(AssertSqlSafe(sql), values)
                .execute(c)
                .await?
                .rows_affected(),
        })
    }

    pub async fn fetch_all<T: Row, S: SqlxBinder>(
        &mut self,
        stmt: &S,
    ) -> Result<Vec<T>, sqlx::Error> {
        let (sql, values) = self.build(stmt);
        match self.conn() {
            Conn::Sqlite(c) => {
                sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(c)
                    .await
            }
            Conn::Postgres(c) => {
                sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(c)
                    .await
            }
        }
    }

    pub async fn fetch_optional<T: Row, S: SqlxBinder>(
        &mut self,
        stmt: &S,
    ) -> Result<Option<T>, sqlx::Error> {
        let (sql, values) = self.build(stmt);
        match self.conn() {
            Conn::Sqlite(c) => {
                sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(c)
                    .await
            }
            Conn::Postgres(c) => {
                sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(c)
                    .await
            }
        }
    }

    /// Runs a statement that returns a column `id` (a select, or a change with
    /// `RETURNING id`); the ids.
    pub async fn fetch_ids<S: SqlxBinder>(&mut self, stmt: &S) -> Result<Vec<i64>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Id {
            id: i64,
        }
        Ok(self
            .fetch_all::<Id, _>(stmt)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }

    pub async fn fetch_one<T: Row, S: SqlxBinder>(&mut self, stmt: &S) -> Result<T, StoreError> {
        self.fetch_optional(stmt).await?.ok_or(StoreError::NotFound)
    }

    /// Runs fixed SQL text with no parameters (migrations, pings).
    pub async fn raw(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_string());
        match self.conn() {
            Conn::Sqlite(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            Conn::Postgres(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
        }
    }

    /// This transaction's commit need not wait for the disk (PostgreSQL
    /// `synchronous_commit = off`; nothing on SQLite, which runs WAL with
    /// `synchronous = NORMAL`). Only for bookkeeping whose loss in a crash is
    /// repaired by the next run: never for the record of a publishing attempt.
    pub async fn relaxed_durability(&mut self) -> Result<(), StoreError> {
        if let Tx::Postgres(_) = self {
            self.raw("SET LOCAL synchronous_commit = off").await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
            // Each statement committed on its own; the connection goes back.
            Tx::SqliteAuto(_) | Tx::PostgresAuto(_) => {}
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
            Tx::SqliteAuto(_) | Tx::PostgresAuto(_) => {}
        }
        Ok(())
    }
}

/// A single `COUNT(*)`-style integer column.
#[derive(Debug, sqlx::FromRow)]
pub struct Count {
    pub n: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            DbUrl::parse("sqlite://data/siar.db").unwrap(),
            DbUrl::Sqlite("data/siar.db".into())
        );
        assert!(matches!(
            DbUrl::parse("postgres://postgres@127.0.0.1:5432/test").unwrap(),
            DbUrl::Postgres(_)
        ));
        assert!(DbUrl::parse("mysql://x").is_err());
        assert!(DbUrl::parse("sqlite://").is_err());
        assert!(DbUrl::parse("postgres://:::bad").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url_password("postgres://siar:rahasia@db:5432/siar"),
            "postgres://siar:***@db:5432/siar"
        );
        assert_eq!(
            redact_url_password("postgres://siar@db/siar"),
            "postgres://siar@db/siar"
        );
    }
}
