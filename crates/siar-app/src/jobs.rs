//! The job queue's use cases and the worker that runs jobs.

use crate::audit::record;
use crate::{Actor, App, AppError};
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::jobs::{Backoff, Job, JobState, NewJob};
use siar_domain::org::Permission;
use siar_store::jobs;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

fn per_state(raw: &[(String, JobState, i64)]) -> Vec<(JobState, i64)> {
    JobState::ALL
        .into_iter()
        .map(|s| (s, raw.iter().filter(|c| c.1 == s).map(|c| c.2).sum()))
        .collect()
}

/// The jobs page: jobs in one state (or all), and counts per state.
pub async fn list(
    app: &App,
    actor: &Actor,
    state: Option<JobState>,
) -> Result<(Vec<Job>, Vec<(JobState, i64)>), AppError> {
    actor.require(Permission::ManageJobs)?;
    let mut tx = app.store.read().await?;
    let list = jobs::list(&mut tx, actor.org, state, 200).await?;
    let raw = jobs::counts(&mut tx, Some(actor.org)).await?;
    tx.rollback().await?;
    Ok((list, per_state(&raw)))
}

/// How many of the organisation's jobs are in each state.
pub async fn state_counts(app: &App, actor: &Actor) -> Result<Vec<(JobState, i64)>, AppError> {
    actor.require(Permission::ManageJobs)?;
    let mut tx = app.store.read().await?;
    let raw = jobs::counts(&mut tx, Some(actor.org)).await?;
    tx.rollback().await?;
    Ok(per_state(&raw))
}

/// Puts a dead job back in the queue.
pub async fn retry(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(Permission::ManageJobs)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let job = jobs::get(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if job.state != JobState::Dead {
        return Err(AppError::field("job", "err-job-not-dead"));
    }
    if !jobs::retry(&mut tx, actor.org, id, now).await? {
        return Err(AppError::field("job", "err-job-not-dead"));
    }
    record(
        &mut tx,
        actor,
        AuditAction::JobRetried,
        "job",
        Some(id.to_string()),
        format!("kind: {}", job.kind),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Job counts by (kind, state) across the deployment, for `/metrics`.
pub async fn metrics(app: &App) -> Result<Vec<(String, JobState, i64)>, AppError> {
    let mut tx = app.store.read().await?;
    let c = jobs::counts(&mut tx, None).await?;
    tx.rollback().await?;
    Ok(c)
}

/// How a job ended when it did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// Try again later (with backoff), until attempts run out.
    Retry(String),
    /// Never try again; a person must look.
    Permanent(String),
    /// Run again at this time, without counting this run as a failed attempt
    /// (a rate-limit reset, a post that is not due yet).
    RetryAt(Timestamp, String),
    /// Not a failure: the handler marked the job succeeded itself, in the same
    /// transaction as its last change (one write instead of two).
    CompletedByHandler,
}

pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;

/// Runs one kind of job.
pub trait JobHandler: Send + Sync + 'static {
    fn kind(&self) -> &'static str;
    fn run<'a>(&'a self, app: &'a App, job: &'a Job) -> JobFuture<'a>;
}

/// What one `run_once` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Idle,
    Succeeded(i64),
    Retrying(i64, Timestamp),
    Dead(i64),
    /// Shutdown came first; the job went back to the queue.
    Released(i64),
    /// Another worker took it over after this one's lease ran out.
    Lost(i64),
}

/// Worker settings.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How long a claim holds a job. The running worker extends it every third
    /// of a lease, so it bounds only how soon a dead worker's jobs run again.
    pub lease: Duration,
    pub backoff: Backoff,
    /// The longest sleep between looks at the queue.
    pub poll: Duration,
    /// How long a job may keep running after shutdown was asked for.
    pub grace: Duration,
    /// Jobs run at the same time by this worker.
    pub concurrency: usize,
    /// The most jobs one claim takes (one transaction for all of them).
    pub claim_batch: usize,
    /// When fewer slots than `claim_batch` are free, how long the worker waits
    /// for more to free up before it claims (fewer, larger claims under load).
    pub gather: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(30),
            backoff: Backoff::default(),
            poll: Duration::from_secs(2),
            grace: Duration::from_secs(20),
            concurrency: 8,
            claim_batch: 64,
            gather: Duration::from_millis(3),
        }
    }
}

/// Claims due jobs and runs them with their handlers.
#[derive(Clone)]
pub struct Worker {
    app: App,
    id: String,
    handlers: Arc<HashMap<&'static str, Arc<dyn JobHandler>>>,
    config: WorkerConfig,
    claims: Arc<std::sync::atomic::AtomicU64>,
    /// Lock names of this worker's claims with jobs still running, and how many
    /// (the heartbeat extends their leases).
    held: Arc<std::sync::Mutex<HashMap<String, usize>>>,
}

impl Worker {
    pub fn new(app: App, id: impl Into<String>, config: WorkerConfig) -> Self {
        let mut w = Self {
            app,
            id: id.into(),
            handlers: Arc::new(HashMap::new()),
            config,
            claims: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            held: Arc::default(),
        };
        w.register(Arc::new(Housekeeping));
        w.register(Arc::new(crate::publishing::Deliver));
        w.register(Arc::new(crate::channels::TokenCare));
        w.register(Arc::new(crate::mail::SendEmail));
        w.register(Arc::new(crate::patrons::SendPatronCode));
        w.register(Arc::new(crate::comments::FirstComment));
        w.register(Arc::new(crate::inbox::FileEvents));
        w.register(Arc::new(crate::inbox::SendReply));
        w.register(Arc::new(crate::inbox::Poll));
        w.register(Arc::new(crate::analytics::Round));
        w.register(Arc::new(crate::reports::SendReport));
        w
    }

    pub fn register(&mut self, h: Arc<dyn JobHandler>) {
        Arc::make_mut(&mut self.handlers).insert(h.kind(), h);
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims one due job and runs it to an outcome. Shutdown (`stop` turning true)
    /// gives the job `grace` to finish, then releases it.
    pub async fn run_once(
        &self,
        stop: Option<&watch::Receiver<bool>>,
    ) -> Result<Outcome, AppError> {
        let Some(job) = self.claim(&self.id, 1).await?.into_iter().next() else {
            return Ok(Outcome::Idle);
        };
        self.run_claimed(job, stop).await
    }

    /// Claims up to `n` due jobs for `lock` (the worker's name for this claim)
    /// in one transaction.
    async fn claim(&self, lock: &str, n: usize) -> Result<Vec<Job>, AppError> {
        self.claim_after(lock, n, &mut None).await
    }

    /// Like [`Worker::claim`], starting the look at the queue past `cursor` (the
    /// end of this worker's previous claim), which it moves on. Every eighth
    /// claim reads the queue from its start.
    async fn claim_after(
        &self,
        lock: &str,
        n: usize,
        cursor: &mut Option<jobs::QueueCursor>,
    ) -> Result<Vec<Job>, AppError> {
        let now = self.app.now();
        let mut tx = self.app.store.begin().await?;
        // A claim lost in a crash is claimed again; no need to wait for the disk.
        tx.relaxed_durability().await?;
        // Every eighth claim looks for expired leases first; the others look at
        // the queue first (one statement fewer while jobs are due).
        let k = self
            .claims
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let full = k.is_multiple_of(8);
        let claimed = jobs::claim_many(
            &mut tx,
            lock,
            now,
            self.config.lease,
            n,
            full,
            if full { None } else { *cursor },
        )
        .await?;
        tx.commit().await?;
        if let Some(last) = claimed.iter().map(|j| (j.run_at, j.id)).max() {
            *cursor = Some(cursor.map_or(last, |c| c.max(last)));
        }
        Ok(claimed)
    }

    /// Runs a claimed job to an outcome.
    async fn run_claimed(
        &self,
        job: Job,
        stop: Option<&watch::Receiver<bool>>,
    ) -> Result<Outcome, AppError> {
        let lock = job.locked_by.clone().unwrap_or_else(|| self.id.clone());
        let id = job.id;
        let result = if job.attempts > job.max_attempts {
            Err(JobError::Permanent(
                "the job's worker stopped responding too many times".into(),
            ))
        } else {
            match self.handlers.get(job.kind.as_str()) {
                None => Err(JobError::Permanent(format!(
                    "no handler for job kind `{}`",
                    job.kind
                ))),
                Some(h) => {
                    let run = h.run(&self.app, &job);
                    match stop {
                        None => run.await,
                        Some(stop) => {
                            let mut stop = stop.clone();
                            tokio::pin!(run);
                            tokio::select! {
                                r = &mut run => r,
                                _ = wait_true(&mut stop) => {
                                    match tokio::time::timeout(self.config.grace, &mut run).await {
                                        Ok(r) => r,
                                        Err(_) => {
                                            let mut tx = self.app.store.begin().await?;
                                            let ok = jobs::release(&mut tx, id, &lock, self.app.now()).await?;
                                            tx.commit().await?;
                                            return Ok(if ok { Outcome::Released(id) } else { Outcome::Lost(id) });
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        };
        // The handler completed its job in its own write: nothing to write
        // here (an empty transaction is three round trips per job).
        if let Err(JobError::CompletedByHandler) = result {
            return Ok(Outcome::Succeeded(id));
        }
        let now = self.app.now();
        let mut tx = self.app.store.begin().await?;
        // A lost completion only runs the job again, and handlers are idempotent
        // (a delivery already published is left alone).
        tx.relaxed_durability().await?;
        let outcome = match result {
            // Answered above, before any transaction.
            Err(JobError::CompletedByHandler) => Outcome::Succeeded(id),
            Ok(()) => {
                if jobs::complete(&mut tx, id, &lock, now).await? {
                    Outcome::Succeeded(id)
                } else {
                    Outcome::Lost(id)
                }
            }
            Err(JobError::RetryAt(at, msg)) => {
                tracing::info!(job = id, kind = %job.kind, "job rescheduled: {msg}");
                if jobs::reschedule(&mut tx, id, &lock, now, at, &msg).await? {
                    Outcome::Retrying(id, at)
                } else {
                    Outcome::Lost(id)
                }
            }
            Err(JobError::Retry(msg)) if job.attempts < job.max_attempts => {
                let delay = self
                    .config
                    .backoff
                    .delay(job.attempts, rand::random::<f64>());
                let at = now.plus(delay);
                tracing::warn!(job = id, kind = %job.kind, attempt = job.attempts, "job failed, retrying: {msg}");
                if jobs::fail(&mut tx, id, &lock, now, &msg, Some(at)).await? {
                    Outcome::Retrying(id, at)
                } else {
                    Outcome::Lost(id)
                }
            }
            Err(JobError::Retry(msg)) | Err(JobError::Permanent(msg)) => {
                tracing::error!(job = id, kind = %job.kind, "job is dead: {msg}");
                if jobs::fail(&mut tx, id, &lock, now, &msg, None).await? {
                    Outcome::Dead(id)
                } else {
                    Outcome::Lost(id)
                }
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Runs due jobs until none is left (tests drain the queue this way). Bounded by
    /// `max` jobs.
    pub async fn drain(&self, max: usize) -> Result<Vec<Outcome>, AppError> {
        let mut out = Vec::new();
        for _ in 0..max {
            match self.run_once(None).await? {
                Outcome::Idle => break,
                o => out.push(o),
            }
        }
        Ok(out)
    }

    /// The worker loop: runs jobs until `stop` turns true, then finishes or releases
    /// the job in hand and returns.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, slots = self.config.concurrency, "worker started");
        // On PostgreSQL an enqueue anywhere wakes the idle slots at once (one
        // LISTEN connection for all of them); polling stays as the fallback (and
        // is all there is on SQLite).
        let wake = Arc::new(tokio::sync::Notify::new());
        let listener = match self.app.store.job_wakeups().await {
            Ok(Some(mut w)) => {
                let wake = wake.clone();
                let mut s = stop.clone();
                Some(tokio::spawn(async move {
                    loop {
                        tokio::select! {
                            r = w.wait() => match r {
                                Ok(()) => wake.notify_waiters(),
                                Err(e) => {
                                    tracing::warn!("job wake-up listener failed, polling only: {e}");
                                    break;
                                }
                            },
                            _ = wait_true(&mut s) => break,
                        }
                    }
                }))
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!("no job wake-ups, polling only: {e}");
                None
            }
        };
        // PostgreSQL: the worker's presence (a lock its connection holds),
        // so that should this process die, the others take up its jobs at
        // once instead of when their leases run out. It claims only while
        // the lock is held.
        let mut presence = self.app.store.worker_presence(&self.id);
        let present = Arc::new(std::sync::atomic::AtomicBool::new(true));
        if let Some(p) = presence.as_mut() {
            let held = p.keep().await.unwrap_or_else(|e| {
                tracing::warn!(worker = %self.id, "cannot take the worker's presence lock: {e}");
                false
            });
            if !held {
                tracing::warn!(worker = %self.id, "another worker runs under this id; waiting for it to end");
            }
            present.store(held, std::sync::atomic::Ordering::Relaxed);
        }
        let heartbeat = tokio::spawn(self.clone().heartbeat(
            stop.clone(),
            presence,
            present.clone(),
        ));
        self.claim_loop(stop, wake, present).await;
        heartbeat.abort();
        if let Some(l) = listener {
            l.abort();
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }

    /// Every third of a lease, extends the leases of the jobs this worker
    /// runs; on PostgreSQL also keeps its presence lock and ends the leases
    /// of workers that are gone.
    async fn heartbeat(
        self,
        stop: watch::Receiver<bool>,
        mut presence: Option<siar_store::WorkerPresence>,
        present: Arc<std::sync::atomic::AtomicBool>,
    ) {
        let every = (self.config.lease / 3).max(Duration::from_millis(100));
        loop {
            let mut s = stop.clone();
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = wait_true(&mut s) => break,
            }
            if let Some(p) = presence.as_mut() {
                let held = match p.keep().await {
                    Ok(held) => held,
                    Err(e) => {
                        tracing::warn!(worker = %self.id, "worker presence lost: {e}");
                        false
                    }
                };
                present.store(held, std::sync::atomic::Ordering::Relaxed);
                if held {
                    self.take_up_absent().await;
                }
            }
            let locks: Vec<String> = match self.held.lock() {
                Ok(h) => h.keys().cloned().collect(),
                Err(_) => break,
            };
            if locks.is_empty() {
                continue;
            }
            let now = self.app.now();
            let extended = async {
                let mut tx = self.app.store.begin().await?;
                // A lost extension only lets the lease run out sooner.
                tx.relaxed_durability().await?;
                let n =
                    jobs::extend_leases(&mut tx, &locks, now.plus(self.config.lease), now).await?;
                tx.commit().await?;
                Ok::<u64, siar_store::StoreError>(n)
            }
            .await;
            if let Err(e) = extended {
                tracing::warn!(worker = %self.id, "could not extend leases: {e}");
            }
        }
    }

    /// Ends the leases of jobs whose worker is gone (PostgreSQL), and wakes
    /// nothing: the next claim looks at expired leases.
    async fn take_up_absent(&self) {
        let now = self.app.now();
        let r = async {
            let mut tx = self.app.store.write_autocommit().await?;
            let n = jobs::expire_absent_workers(&mut tx, now).await?;
            tx.commit().await?;
            Ok::<u64, siar_store::StoreError>(n)
        }
        .await;
        match r {
            Ok(0) => {}
            Ok(n) => {
                tracing::warn!(worker = %self.id, jobs = n, "jobs of a worker that is gone are taken up")
            }
            Err(e) => tracing::warn!(worker = %self.id, "cannot look for gone workers: {e}"),
        }
    }

    async fn next_due(&self) -> Option<Timestamp> {
        let mut tx = self.app.store.read().await.ok()?;
        let at = jobs::next_run_at(&mut tx).await.ok()?;
        let _ = tx.commit().await;
        at
    }

    /// Keeps `concurrency` jobs running: whenever slots are free it claims as
    /// many due jobs as there are free slots (up to `claim_batch`, in one
    /// transaction) and runs each in its own task. Also keeps the periodic jobs
    /// scheduled. On stop, waits for the running jobs (each finishes within
    /// `grace` or is released).
    async fn claim_loop(
        &self,
        stop: watch::Receiver<bool>,
        wake: Arc<tokio::sync::Notify>,
        present: Arc<std::sync::atomic::AtomicBool>,
    ) {
        let slots = Arc::new(tokio::sync::Semaphore::new(self.config.concurrency.max(1)));
        let batch = self
            .config
            .claim_batch
            .clamp(1, self.config.concurrency.max(1));
        let mut running = tokio::task::JoinSet::new();
        let mut last_housekeeping: Option<Timestamp> = None;
        let mut claim_no: u64 = 0;
        let mut cursor = None;
        loop {
            if *stop.borrow() {
                break;
            }
            while running.try_join_next().is_some() {}
            let now = self.app.now();
            if last_housekeeping.is_none_or(|t| now.0 - t.0 >= 600_000) {
                if let Err(e) = ensure_housekeeping(&self.app).await {
                    tracing::error!("cannot schedule housekeeping: {e}");
                }
                if let Err(e) = crate::channels::ensure_token_care(&self.app).await {
                    tracing::error!("cannot schedule token care: {e}");
                }
                if let Err(e) = crate::inbox::ensure_poll(&self.app, now).await {
                    tracing::error!("cannot schedule the inbox round: {e}");
                }
                if let Err(e) = crate::analytics::ensure_round(&self.app, now).await {
                    tracing::error!("cannot schedule the analytics round: {e}");
                }
                last_housekeeping = Some(now);
            }
            if !present.load(std::sync::atomic::Ordering::Relaxed) {
                // Without its presence lock others may take its jobs: wait.
                let mut s = stop.clone();
                tokio::select! {
                    _ = tokio::time::sleep(self.config.poll) => {}
                    _ = wait_true(&mut s) => {}
                }
                continue;
            }
            // One free slot at least, then as many more as free up shortly.
            let mut s = stop.clone();
            let first = tokio::select! {
                p = slots.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                _ = wait_true(&mut s) => break,
            };
            let mut held = vec![first];
            let until = tokio::time::Instant::now() + self.config.gather;
            while held.len() < batch {
                match slots.clone().try_acquire_owned() {
                    Ok(p) => held.push(p),
                    Err(_)
                        if tokio::time::Instant::now() < until && running.len() >= held.len() =>
                    {
                        // Jobs are finishing: wait a moment for their slots.
                        match tokio::time::timeout_at(until, slots.clone().acquire_owned()).await {
                            Ok(Ok(p)) => held.push(p),
                            _ => break,
                        }
                    }
                    Err(_) => break,
                }
            }
            claim_no += 1;
            // Each claim has its own lock name, so a job this worker claims
            // again after its lease ran out is never mistaken for the old run.
            let lock = format!("{}#{claim_no}", self.id);
            match self.claim_after(&lock, held.len(), &mut cursor).await {
                Ok(jobs) if jobs.is_empty() => {
                    drop(held);
                    let mut s = stop.clone();
                    // Sleep until the next job is due, at most `poll`.
                    let nap = match self.next_due().await {
                        Some(at) => Duration::from_millis(
                            u64::try_from((at.0 - self.app.now().0).max(0)).unwrap_or(0),
                        )
                        .clamp(
                            Duration::from_millis(10),
                            self.config.poll.max(Duration::from_millis(10)),
                        ),
                        None => self.config.poll,
                    };
                    tokio::select! {
                        _ = tokio::time::sleep(nap) => {}
                        _ = wake.notified() => {}
                        _ = wait_true(&mut s) => {}
                    }
                }
                Ok(jobs) => {
                    if let Ok(mut h) = self.held.lock() {
                        h.insert(lock.clone(), jobs.len());
                    }
                    for (job, slot) in jobs.into_iter().zip(held.drain(..)) {
                        let w = self.clone();
                        let stop = stop.clone();
                        let lock = lock.clone();
                        running.spawn(async move {
                            let _slot = slot;
                            if let Err(e) = w.run_claimed(job, Some(&stop)).await {
                                tracing::error!(worker = %w.id, "worker could not finish a job: {e}");
                            }
                            if let Ok(mut h) = w.held.lock()
                                && let Some(n) = h.get_mut(&lock)
                            {
                                *n -= 1;
                                if *n == 0 {
                                    h.remove(&lock);
                                }
                            }
                        });
                    }
                }
                Err(e) => {
                    drop(held);
                    tracing::error!(worker = %self.id, "worker could not reach the queue: {e}");
                    let mut s = stop.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.poll * 5) => {}
                        _ = wait_true(&mut s) => {}
                    }
                }
            }
        }
        while running.join_next().await.is_some() {}
    }
}

async fn wait_true(rx: &mut watch::Receiver<bool>) {
    // A dropped sender counts as stop.
    let _ = rx.wait_for(|v| *v).await;
}

/// Plans a deployment-wide round job of `kind` at `at`, once: its dedup key
/// keeps a single one queued.
pub async fn ensure_round(app: &App, kind: &str, at: Timestamp) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    jobs::enqueue(
        &mut tx,
        &NewJob {
            org_id: None,
            kind: kind.into(),
            payload: "{}".into(),
            run_at: at,
            max_attempts: 3,
            dedup_key: Some(kind.into()),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Kind name of the housekeeping job.
pub const HOUSEKEEPING: &str = "housekeeping";

/// Schedules the next hourly housekeeping run unless one is pending.
pub async fn ensure_housekeeping(app: &App) -> Result<Option<i64>, AppError> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = jobs::enqueue(
        &mut tx,
        &NewJob {
            org_id: None,
            kind: HOUSEKEEPING.into(),
            payload: "{}".into(),
            run_at: now,
            max_attempts: 3,
            dedup_key: Some(HOUSEKEEPING.into()),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes expired sessions, old sign-in failures, audit rows past retention,
/// finished jobs older than a week and the salts of past days' visitor hashes;
/// flags reviews whose planned time has passed.
pub struct Housekeeping;

impl JobHandler for Housekeeping {
    fn kind(&self) -> &'static str {
        HOUSEKEEPING
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let now = app.now();
            let err = |e: siar_store::StoreError| JobError::Retry(e.to_string());
            let mut tx = app.store.begin().await.map_err(err)?;
            let s = siar_store::sessions::purge_expired(&mut tx, now)
                .await
                .map_err(err)?;
            let f = siar_store::sessions::purge_failures(
                &mut tx,
                now.minus(Duration::from_secs(86_400)),
            )
            .await
            .map_err(err)?;
            let a = siar_store::audit::purge_before(&mut tx, now.minus(app.config.audit_retention))
                .await
                .map_err(err)?;
            let j = jobs::purge_succeeded(&mut tx, now.minus(Duration::from_secs(7 * 86_400)))
                .await
                .map_err(err)?;
            // Patrons' codes are of no use after a day; their sessions end.
            let pc =
                siar_store::patrons::purge_codes(&mut tx, now.minus(Duration::from_secs(86_400)))
                    .await
                    .map_err(err)?;
            let ps = siar_store::patrons::purge_sessions(&mut tx, now)
                .await
                .map_err(err)?;
            tx.commit().await.map_err(err)?;
            let salts = crate::links::forget_old_salts(app)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            let overdue = crate::studio::flag_overdue_reviews(app)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            tracing::info!(
                salts,
                overdue,
                sessions = s,
                failures = f,
                audit = a,
                jobs = j,
                patron_codes = pc,
                patron_sessions = ps,
                "housekeeping done"
            );
            Ok(())
        })
    }
}
