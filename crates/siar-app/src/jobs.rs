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
    pub lease: Duration,
    pub backoff: Backoff,
    /// The longest sleep between looks at the queue.
    pub poll: Duration,
    /// How long a job may keep running after shutdown was asked for.
    pub grace: Duration,
    /// Jobs run at the same time by this worker (each claims on its own).
    pub concurrency: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(300),
            backoff: Backoff::default(),
            poll: Duration::from_secs(2),
            grace: Duration::from_secs(20),
            concurrency: 8,
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
}

impl Worker {
    pub fn new(app: App, id: impl Into<String>, config: WorkerConfig) -> Self {
        let mut w = Self {
            app,
            id: id.into(),
            handlers: Arc::new(HashMap::new()),
            config,
            claims: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        };
        w.register(Arc::new(Housekeeping));
        w.register(Arc::new(crate::publishing::Deliver));
        w.register(Arc::new(crate::channels::TokenCare));
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
        let now = self.app.now();
        let mut tx = self.app.store.begin().await?;
        // A claim lost in a crash is claimed again; no need to wait for the disk.
        tx.relaxed_durability().await?;
        // Every eighth claim looks for expired leases first; the others look at
        // the queue first (one statement fewer while jobs are due).
        let n = self
            .claims
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let claimed = if n.is_multiple_of(8) {
            jobs::claim(&mut tx, &self.id, now, self.config.lease).await?
        } else {
            jobs::claim_queued_first(&mut tx, &self.id, now, self.config.lease).await?
        };
        tx.commit().await?;
        let Some(job) = claimed else {
            return Ok(Outcome::Idle);
        };
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
                                            let ok = jobs::release(&mut tx, id, &self.id, self.app.now()).await?;
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
        let now = self.app.now();
        let mut tx = self.app.store.begin().await?;
        // A lost completion only runs the job again, and handlers are idempotent
        // (a delivery already published is left alone).
        tx.relaxed_durability().await?;
        let outcome = match result {
            Err(JobError::CompletedByHandler) => Outcome::Succeeded(id),
            Ok(()) => {
                if jobs::complete(&mut tx, id, &self.id, now).await? {
                    Outcome::Succeeded(id)
                } else {
                    Outcome::Lost(id)
                }
            }
            Err(JobError::RetryAt(at, msg)) => {
                tracing::info!(job = id, kind = %job.kind, "job rescheduled: {msg}");
                if jobs::reschedule(&mut tx, id, &self.id, now, at, &msg).await? {
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
                if jobs::fail(&mut tx, id, &self.id, now, &msg, Some(at)).await? {
                    Outcome::Retrying(id, at)
                } else {
                    Outcome::Lost(id)
                }
            }
            Err(JobError::Retry(msg)) | Err(JobError::Permanent(msg)) => {
                tracing::error!(job = id, kind = %job.kind, "job is dead: {msg}");
                if jobs::fail(&mut tx, id, &self.id, now, &msg, None).await? {
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
        let mut slots = Vec::new();
        for i in 1..self.config.concurrency.max(1) {
            let mut w = self.clone();
            w.id = format!("{}#{i}", self.id);
            slots.push(tokio::spawn(w.run_slot(stop.clone(), false, wake.clone())));
        }
        self.clone().run_slot(stop, true, wake).await;
        for s in slots {
            let _ = s.await;
        }
        if let Some(l) = listener {
            l.abort();
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }

    async fn next_due(&self) -> Option<Timestamp> {
        let mut tx = self.app.store.read().await.ok()?;
        let at = jobs::next_run_at(&mut tx).await.ok()?;
        let _ = tx.commit().await;
        at
    }

    /// One slot of the worker: claims and runs jobs one at a time. The first
    /// slot also keeps the periodic jobs scheduled.
    async fn run_slot(
        self,
        stop: watch::Receiver<bool>,
        periodic: bool,
        wake: Arc<tokio::sync::Notify>,
    ) {
        let mut last_housekeeping: Option<Timestamp> = None;
        loop {
            if *stop.borrow() {
                break;
            }
            let now = self.app.now();
            if periodic && last_housekeeping.is_none_or(|t| now.0 - t.0 >= 600_000) {
                if let Err(e) = ensure_housekeeping(&self.app).await {
                    tracing::error!("cannot schedule housekeeping: {e}");
                }
                if let Err(e) = crate::channels::ensure_token_care(&self.app).await {
                    tracing::error!("cannot schedule token care: {e}");
                }
                last_housekeeping = Some(now);
            }
            match self.run_once(Some(&stop)).await {
                Ok(Outcome::Idle) => {
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
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(worker = %self.id, "worker could not reach the queue: {e}");
                    let mut s = stop.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.poll * 5) => {}
                        _ = wait_true(&mut s) => {}
                    }
                }
            }
        }
    }
}

async fn wait_true(rx: &mut watch::Receiver<bool>) {
    // A dropped sender counts as stop.
    let _ = rx.wait_for(|v| *v).await;
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

/// Deletes expired sessions, old sign-in failures, audit rows past retention and
/// finished jobs older than a week.
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
            tx.commit().await.map_err(err)?;
            tracing::info!(
                sessions = s,
                failures = f,
                audit = a,
                jobs = j,
                "housekeeping done"
            );
            Ok(())
        })
    }
}
