//! The job queue: enqueue inside the caller's transaction, claim with a lease,
//! finish, fail with a retry time, or die.

use crate::db::{Backend, StoreError, Tx};
use sea_query::{
    Cond, Expr, ExprTrait, Iden, LockBehavior, LockType, OnConflict, Order, Query, SelectStatement,
};
use siar_domain::Timestamp;
use siar_domain::jobs::{Job, JobState, NewJob};
use siar_domain::org::OrgId;
use std::time::Duration;

#[derive(Iden, Clone, Copy)]
enum Jobs {
    Table,
    Id,
    OrgId,
    Kind,
    Payload,
    State,
    Attempts,
    MaxAttempts,
    RunAt,
    LeaseUntil,
    LockedBy,
    LastError,
    DedupKey,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

const COLS: [Jobs; 15] = [
    Jobs::Id,
    Jobs::OrgId,
    Jobs::Kind,
    Jobs::Payload,
    Jobs::State,
    Jobs::Attempts,
    Jobs::MaxAttempts,
    Jobs::RunAt,
    Jobs::LeaseUntil,
    Jobs::LockedBy,
    Jobs::LastError,
    Jobs::DedupKey,
    Jobs::CreatedAt,
    Jobs::UpdatedAt,
    Jobs::FinishedAt,
];

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    org_id: Option<i64>,
    kind: String,
    payload: String,
    state: String,
    attempts: i32,
    max_attempts: i32,
    run_at: i64,
    lease_until: Option<i64>,
    locked_by: Option<String>,
    last_error: Option<String>,
    dedup_key: Option<String>,
    created_at: i64,
    updated_at: i64,
    finished_at: Option<i64>,
}

impl TryFrom<JobRow> for Job {
    type Error = StoreError;
    fn try_from(r: JobRow) -> Result<Self, StoreError> {
        Ok(Job {
            id: r.id,
            org_id: r.org_id.map(OrgId),
            kind: r.kind,
            payload: r.payload,
            state: JobState::parse(&r.state)
                .ok_or_else(|| StoreError::Corrupt(format!("job {}: state {}", r.id, r.state)))?,
            attempts: u32::try_from(r.attempts).unwrap_or(0),
            max_attempts: u32::try_from(r.max_attempts).unwrap_or(1),
            run_at: Timestamp(r.run_at),
            lease_until: r.lease_until.map(Timestamp),
            locked_by: r.locked_by,
            last_error: r.last_error,
            dedup_key: r.dedup_key,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
            finished_at: r.finished_at.map(Timestamp),
        })
    }
}

fn rows(rows: Vec<JobRow>) -> Result<Vec<Job>, StoreError> {
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Enqueues a job in the caller's transaction. Returns its id, or `None` when a job
/// with the same dedup key is already queued or running.
pub async fn enqueue(tx: &mut Tx, job: &NewJob, now: Timestamp) -> Result<Option<i64>, StoreError> {
    let q = Query::insert()
        .into_table(Jobs::Table)
        .columns([
            Jobs::OrgId,
            Jobs::Kind,
            Jobs::Payload,
            Jobs::State,
            Jobs::Attempts,
            Jobs::MaxAttempts,
            Jobs::RunAt,
            Jobs::DedupKey,
            Jobs::CreatedAt,
            Jobs::UpdatedAt,
        ])
        .values_panic([
            job.org_id.map(|o| o.0).into(),
            job.kind.clone().into(),
            job.payload.clone().into(),
            JobState::Queued.as_str().into(),
            0i32.into(),
            i32::try_from(Ord::max(job.max_attempts, 1))
                .unwrap_or(i32::MAX)
                .into(),
            job.run_at.0.into(),
            job.dedup_key.clone().into(),
            now.0.into(),
            now.0.into(),
        ])
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .returning_col(Jobs::Id)
        .to_owned();
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let id = tx.fetch_optional::<Id, _>(&q).await?.map(|r| r.id);
    if id.is_some() && tx.backend() == Backend::Postgres {
        // Delivered when the transaction commits, so no worker wakes for a job it
        // cannot see yet. The payload names the schema: notifications are
        // database-wide, and deployments may share a database in separate schemas.
        tx.raw("SELECT pg_notify('siar_jobs', current_schema())")
            .await?;
    }
    Ok(id)
}

/// Claims the next due job (or one whose lease expired) for `worker`, holding it for
/// `lease`. Two workers never get the same job: PostgreSQL skips rows another
/// transaction has locked; SQLite runs one writing transaction at a time.
pub async fn claim(
    tx: &mut Tx,
    worker: &str,
    now: Timestamp,
    lease: Duration,
) -> Result<Option<Job>, StoreError> {
    claim_ordered(tx, worker, now, lease, true).await
}

/// Like [`claim`], but looks at the queue first and at expired leases only when
/// nothing is due: one statement fewer per claim under load. Workers alternate
/// the two so a job whose worker died is still taken up promptly.
pub async fn claim_queued_first(
    tx: &mut Tx,
    worker: &str,
    now: Timestamp,
    lease: Duration,
) -> Result<Option<Job>, StoreError> {
    claim_ordered(tx, worker, now, lease, false).await
}

/// Where a worker's previous claim ended in the queue: `(run_at, id)` of the
/// last job it took.
pub type QueueCursor = (Timestamp, i64);

/// Claims up to `n` due jobs (and jobs whose lease ran out) for `worker` in one
/// statement pair: under load a worker takes a batch per transaction instead of
/// one. `expired_first` looks at expired leases before the queue.
///
/// `after` starts the look at the queue past the worker's previous claim. On
/// PostgreSQL the index entries of jobs claimed moments ago stay in the index
/// until no transaction can see the old rows; with thousands of jobs due at
/// once a look from the start walks over all of them on every claim (measured:
/// 16 ms a claim, most of a worker's time). When the look past the cursor finds
/// fewer than `n`, the queue is read from its start as well, so a job due
/// earlier than the cursor is never left behind.
pub async fn claim_many(
    tx: &mut Tx,
    worker: &str,
    now: Timestamp,
    lease: Duration,
    n: usize,
    expired_first: bool,
    after: Option<QueueCursor>,
) -> Result<Vec<Job>, StoreError> {
    if n == 0 {
        return Ok(vec![]);
    }
    let limit = u64::try_from(n).unwrap_or(1);
    // Two index-ordered looks instead of one OR: jobs whose lease ran out
    // (index jobs_lease), and the earliest due jobs (index jobs_queue, which
    // also orders ties by id). With thousands of jobs due at once an OR would
    // sort them all on every claim.
    let mut expired = Query::select();
    expired
        .column(Jobs::Id)
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::State).eq(JobState::Running.as_str()))
        .and_where(Expr::col(Jobs::LeaseUntil).lt(now.0))
        .order_by(Jobs::LeaseUntil, Order::Asc)
        .limit(limit);
    let mut queued = Query::select();
    queued
        .column(Jobs::Id)
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::State).eq(JobState::Queued.as_str()))
        .and_where(Expr::col(Jobs::RunAt).lte(now.0))
        .order_by(Jobs::RunAt, Order::Asc)
        .order_by(Jobs::Id, Order::Asc)
        .limit(limit);
    if tx.backend() == Backend::Postgres {
        expired.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        queued.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut looks = Vec::new();
    if expired_first {
        looks.push(expired.clone());
    }
    if let Some((run_at, id)) = after {
        let mut past = queued.clone();
        past.and_where(
            Expr::tuple([Expr::col(Jobs::RunAt), Expr::col(Jobs::Id)])
                .gt(Expr::tuple([Expr::val(run_at.0), Expr::val(id)])),
        );
        looks.push(past);
    }
    looks.push(queued);
    if !expired_first {
        looks.push(expired);
    }
    let mut ids: Vec<i64> = Vec::new();
    for mut look in looks {
        if ids.len() >= n {
            break;
        }
        look.limit(u64::try_from(n - ids.len()).unwrap_or(1));
        for id in tx.fetch_ids(&look).await? {
            // The look from the start may meet what the cursor's look took
            // (PostgreSQL: rows this transaction locked are not skipped).
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    if ids.is_empty() {
        return Ok(vec![]);
    }
    if let Some(pg) = tx.postgres() {
        let mut jobs: Vec<Job> = sqlx::query_as::<_, JobRow>(PG_TAKE)
            .bind(&ids)
            .bind(JobState::Running.as_str())
            .bind(now.plus(lease).0)
            .bind(worker)
            .bind(now.0)
            .fetch_all(pg)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_, _>>()?;
        jobs.sort_by_key(|j| ids.iter().position(|i| *i == j.id));
        return Ok(jobs);
    }
    let q = Query::update()
        .table(Jobs::Table)
        .values([
            (Jobs::State, JobState::Running.as_str().into()),
            (Jobs::LeaseUntil, now.plus(lease).0.into()),
            (Jobs::LockedBy, worker.into()),
            (Jobs::UpdatedAt, now.0.into()),
        ])
        .value(Jobs::Attempts, Expr::col(Jobs::Attempts).add(1))
        .and_where(Expr::col(Jobs::Id).is_in(ids.iter().copied()))
        .returning(Query::returning().columns(COLS))
        .to_owned();
    let mut jobs: Vec<Job> = tx
        .fetch_all::<JobRow, _>(&q)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<_, _>>()?;
    // In the order they were picked (due first, ties by id).
    jobs.sort_by_key(|j| ids.iter().position(|i| *i == j.id));
    Ok(jobs)
}

/// [`claim_many`]'s update on PostgreSQL: the picked ids as one array, so
/// the text is the same whatever their number (prepared once per
/// connection). Returns the columns of [`COLS`].
const PG_TAKE: &str = "UPDATE jobs
    SET state = $2, lease_until = $3, locked_by = $4, updated_at = $5, attempts = attempts + 1
    WHERE id = ANY($1::bigint[])
    RETURNING id, org_id, kind, payload, state, attempts, max_attempts, run_at, lease_until,
        locked_by, last_error, dedup_key, created_at, updated_at, finished_at";

async fn claim_ordered(
    tx: &mut Tx,
    worker: &str,
    now: Timestamp,
    lease: Duration,
    expired_first: bool,
) -> Result<Option<Job>, StoreError> {
    Ok(claim_many(tx, worker, now, lease, 1, expired_first, None)
        .await?
        .into_iter()
        .next())
}

/// PostgreSQL: ends now the leases of running jobs whose worker is gone (its
/// presence lock is free: the server released it when the worker's
/// connection closed; a claim's lock name is the worker id and `#n`), so the
/// next claim takes them up at once instead of when their leases run out.
/// Returns how many. Nothing on SQLite, where the one process's workers end
/// together and leases suffice. The key is the one
/// [`crate::WorkerPresence::keep`] locks.
pub async fn expire_absent_workers(tx: &mut Tx, now: Timestamp) -> Result<u64, StoreError> {
    let Some(pg) = tx.postgres() else {
        return Ok(0);
    };
    // Rows another transaction holds (a heartbeat, a completion) are skipped;
    // a lock taken here on a gone worker's key lasts only this statement's
    // transaction.
    let r = sqlx::query(
        "UPDATE jobs SET lease_until = $1 - 1 WHERE id IN (
            SELECT id FROM jobs
            WHERE state = $2 AND lease_until >= $1 AND locked_by IS NOT NULL
              AND pg_try_advisory_xact_lock($3,
                    hashtext(current_schema() || ':' || regexp_replace(locked_by, '#[0-9]+$', '')))
            FOR UPDATE SKIP LOCKED)",
    )
    .bind(now.0)
    .bind(JobState::Running.as_str())
    .bind(crate::db::PRESENCE_CLASS)
    .execute(pg)
    .await?;
    Ok(r.rows_affected())
}

fn owned_by(id: i64, worker: &str) -> Cond {
    Cond::all()
        .add(Expr::col(Jobs::Id).eq(id))
        .add(Expr::col(Jobs::State).eq(JobState::Running.as_str()))
        .add(Expr::col(Jobs::LockedBy).eq(worker))
}

/// Marks a job done. `false` when the worker no longer held it (its lease expired
/// and another worker claimed it).
pub async fn complete(
    tx: &mut Tx,
    id: i64,
    worker: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Ok(!complete_many(tx, &[(id, worker)], now).await?.is_empty())
}

/// Extends the leases of the running jobs held under these lock names (a
/// worker's heartbeat): a live worker keeps its jobs however long they take,
/// and a dead one's run out after one short lease. Returns the jobs extended.
pub async fn extend_leases(
    tx: &mut Tx,
    locks: &[String],
    until: Timestamp,
    now: Timestamp,
) -> Result<u64, StoreError> {
    if locks.is_empty() {
        return Ok(0);
    }
    let q = Query::update()
        .table(Jobs::Table)
        .values([
            (Jobs::LeaseUntil, until.0.into()),
            (Jobs::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Jobs::State).eq(JobState::Running.as_str()))
        .and_where(Expr::col(Jobs::LockedBy).is_in(locks.iter().map(String::as_str)))
        .to_owned();
    Ok(tx.exec(&q).await?)
}

/// Marks several jobs done in one statement: `(job, worker that holds it)`.
/// Returns the jobs that were still held (the others were taken over).
pub async fn complete_many(
    tx: &mut Tx,
    items: &[(i64, &str)],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    if items.is_empty() {
        return Ok(vec![]);
    }
    if let Some(pg) = tx.postgres() {
        return Ok(sqlx::query_scalar(PG_COMPLETE_MANY)
            .bind(items.iter().map(|i| i.0).collect::<Vec<i64>>())
            .bind(items.iter().map(|i| i.1).collect::<Vec<&str>>())
            .bind(JobState::Succeeded.as_str())
            .bind(now.0)
            .bind(JobState::Running.as_str())
            .fetch_all(pg)
            .await?);
    }
    // `id IN (…)` finds the rows by one index look; the CASE names each row's holder.
    let mut holder = sea_query::CaseStatement::new();
    for (id, worker) in items {
        holder = holder.case(Expr::col(Jobs::Id).eq(*id), Expr::val(*worker));
    }
    let holder: Expr = holder.into();
    let each = Cond::all()
        .add(Expr::col(Jobs::Id).is_in(items.iter().map(|i| i.0)))
        .add(Expr::col(Jobs::LockedBy).eq(holder));
    let q = Query::update()
        .table(Jobs::Table)
        .values([
            (Jobs::State, JobState::Succeeded.as_str().into()),
            (Jobs::LeaseUntil, Option::<i64>::None.into()),
            (Jobs::UpdatedAt, now.0.into()),
            (Jobs::FinishedAt, now.0.into()),
        ])
        .cond_where(
            Cond::all()
                .add(Expr::col(Jobs::State).eq(JobState::Running.as_str()))
                .add(each),
        )
        .returning(Query::returning().column(Jobs::Id))
        .to_owned();
    tx.fetch_ids(&q).await
}

/// [`complete_many`] on PostgreSQL: the items as arrays, so the statement's
/// text is the same whatever their number and it is prepared once per
/// connection, not parsed and planned for every batch size.
const PG_COMPLETE_MANY: &str = "UPDATE jobs AS j
    SET state = $3, lease_until = NULL, updated_at = $4, finished_at = $4
    FROM UNNEST($1::bigint[], $2::text[]) AS t (id, worker)
    WHERE j.id = t.id AND j.locked_by = t.worker AND j.state = $5
    RETURNING j.id";

/// Records a failure: back to the queue at `retry_at`, or dead when `None`.
pub async fn fail(
    tx: &mut Tx,
    id: i64,
    worker: &str,
    now: Timestamp,
    error: &str,
    retry_at: Option<Timestamp>,
) -> Result<bool, StoreError> {
    let error: String = error.chars().take(2000).collect();
    let mut q = Query::update();
    q.table(Jobs::Table)
        .values([
            (Jobs::LastError, error.into()),
            (Jobs::LeaseUntil, Option::<i64>::None.into()),
            (Jobs::UpdatedAt, now.0.into()),
        ])
        .cond_where(owned_by(id, worker));
    match retry_at {
        Some(at) => q.values([
            (Jobs::State, JobState::Queued.as_str().into()),
            (Jobs::RunAt, at.0.into()),
        ]),
        None => q.values([
            (Jobs::State, JobState::Dead.as_str().into()),
            (Jobs::FinishedAt, now.0.into()),
        ]),
    };
    Ok(tx.exec(&q).await? == 1)
}

/// Puts a job back in the queue for `at` without counting the attempt (the
/// handler chose the time: a rate-limit reset, a post's own time).
pub async fn reschedule(
    tx: &mut Tx,
    id: i64,
    worker: &str,
    now: Timestamp,
    at: Timestamp,
    note: &str,
) -> Result<bool, StoreError> {
    let note: String = note.chars().take(2000).collect();
    let q = Query::update()
        .table(Jobs::Table)
        .values([
            (Jobs::State, JobState::Queued.as_str().into()),
            (Jobs::LeaseUntil, Option::<i64>::None.into()),
            (Jobs::LockedBy, Option::<String>::None.into()),
            (Jobs::RunAt, at.0.into()),
            (Jobs::LastError, note.into()),
            (Jobs::UpdatedAt, now.0.into()),
        ])
        .value(Jobs::Attempts, Expr::col(Jobs::Attempts).sub(1))
        .cond_where(owned_by(id, worker))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Moves the queued job with this dedup key to `at`.
pub async fn set_queued_run_at(
    tx: &mut Tx,
    dedup_key: &str,
    at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Jobs::Table)
        .values([(Jobs::RunAt, at.0.into()), (Jobs::UpdatedAt, now.0.into())])
        .and_where(Expr::col(Jobs::DedupKey).eq(dedup_key))
        .and_where(Expr::col(Jobs::State).eq(JobState::Queued.as_str()))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Gives an unfinished job back on shutdown, without counting the attempt.
pub async fn release(
    tx: &mut Tx,
    id: i64,
    worker: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Jobs::Table)
        .values([
            (Jobs::State, JobState::Queued.as_str().into()),
            (Jobs::LeaseUntil, Option::<i64>::None.into()),
            (Jobs::LockedBy, Option::<String>::None.into()),
            (Jobs::RunAt, now.0.into()),
            (Jobs::UpdatedAt, now.0.into()),
        ])
        .value(Jobs::Attempts, Expr::col(Jobs::Attempts).sub(1))
        .cond_where(owned_by(id, worker))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Puts a dead job back in the queue now, with a fresh set of attempts.
pub async fn retry(tx: &mut Tx, org: OrgId, id: i64, now: Timestamp) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Jobs::Table)
        .values([
            (Jobs::State, JobState::Queued.as_str().into()),
            (Jobs::Attempts, 0i32.into()),
            (Jobs::RunAt, now.0.into()),
            (Jobs::LockedBy, Option::<String>::None.into()),
            (Jobs::FinishedAt, Option::<i64>::None.into()),
            (Jobs::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Jobs::OrgId).eq(org.0))
        .and_where(Expr::col(Jobs::Id).eq(id))
        .and_where(Expr::col(Jobs::State).eq(JobState::Dead.as_str()))
        .to_owned();
    tx.exec(&q)
        .await
        .map(|n| n == 1)
        .map_err(|e| StoreError::from_write(e, "dedup_key"))
}

fn select() -> SelectStatement {
    Query::select().columns(COLS).from(Jobs::Table).to_owned()
}

pub async fn get(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Job>, StoreError> {
    let q = select()
        .and_where(Expr::col(Jobs::OrgId).eq(org.0))
        .and_where(Expr::col(Jobs::Id).eq(id))
        .to_owned();
    tx.fetch_optional::<JobRow, _>(&q)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// Any job by id, whatever its organisation (for the worker and tests).
pub async fn get_any(tx: &mut Tx, id: i64) -> Result<Option<Job>, StoreError> {
    let q = select().and_where(Expr::col(Jobs::Id).eq(id)).to_owned();
    tx.fetch_optional::<JobRow, _>(&q)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// The organisation's jobs in one state, most recently changed first.
pub async fn list(
    tx: &mut Tx,
    org: OrgId,
    state: Option<JobState>,
    limit: u64,
) -> Result<Vec<Job>, StoreError> {
    let mut q = select();
    q.and_where(Expr::col(Jobs::OrgId).eq(org.0));
    if let Some(s) = state {
        q.and_where(Expr::col(Jobs::State).eq(s.as_str()));
    }
    q.order_by(Jobs::UpdatedAt, Order::Desc)
        .order_by(Jobs::Id, Order::Desc)
        .limit(limit);
    rows(tx.fetch_all(&q).await?)
}

#[derive(sqlx::FromRow)]
struct StateCount {
    kind: String,
    state: String,
    n: i64,
}

/// Job counts by (kind, state); `org` limits them to one organisation.
pub async fn counts(
    tx: &mut Tx,
    org: Option<OrgId>,
) -> Result<Vec<(String, JobState, i64)>, StoreError> {
    let mut q = Query::select();
    q.columns([Jobs::Kind, Jobs::State])
        .expr_as(Expr::col(Jobs::Id).count(), "n")
        .from(Jobs::Table)
        .group_by_col(Jobs::Kind)
        .group_by_col(Jobs::State);
    if let Some(o) = org {
        q.and_where(Expr::col(Jobs::OrgId).eq(o.0));
    }
    let out: Vec<StateCount> = tx.fetch_all(&q).await?;
    Ok(out
        .into_iter()
        .filter_map(|c| JobState::parse(&c.state).map(|s| (c.kind, s, c.n)))
        .collect())
}

/// When the next queued job is due (the worker sleeps until then, at most).
pub async fn next_run_at(tx: &mut Tx) -> Result<Option<Timestamp>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct At {
        run_at: i64,
    }
    let q = Query::select()
        .column(Jobs::RunAt)
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::State).eq(JobState::Queued.as_str()))
        .order_by(Jobs::RunAt, Order::Asc)
        .limit(1)
        .to_owned();
    Ok(tx
        .fetch_optional::<At, _>(&q)
        .await?
        .map(|a| Timestamp(a.run_at)))
}

/// Deletes succeeded jobs finished before `before` (housekeeping).
pub async fn purge_succeeded(tx: &mut Tx, before: Timestamp) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(Jobs::Table)
        .and_where(Expr::col(Jobs::State).eq(JobState::Succeeded.as_str()))
        .and_where(Expr::col(Jobs::FinishedAt).lt(before.0))
        .to_owned();
    Ok(tx.exec(&q).await?)
}
