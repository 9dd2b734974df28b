//! Group commit for the deliver job's two hot writes: the record of an attempt
//! (before the platform is called) and the "published" mark with the job's
//! completion (after). When many deliveries are due at once, each of them would
//! otherwise open its own transaction for each write; here one task gathers the
//! writes waiting at that moment and makes them in one transaction of a few
//! statements, then answers each caller. A caller is answered only after the
//! commit, so an attempt is still on disk before its platform call is made.

use crate::App;
use siar_domain::{Clock, Timestamp};
use siar_store::Store;
use siar_store::publishing::{self as publ, PublishedMark};
use std::sync::Arc;
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};

/// Most writes gathered in one transaction.
const MAX_BATCH: usize = 256;

enum Op {
    /// Record an attempt if nobody did since the caller saw `seen` attempts.
    Attempt {
        delivery: i64,
        seen: u32,
        reply: oneshot::Sender<Result<Option<Timestamp>, String>>,
    },
    Published {
        mark: PublishedMark,
        /// The channel's rate limit is nearly used until then.
        throttle: Option<(i64, Timestamp)>,
        /// The deliver job and the worker holding it, completed in the same commit.
        job: Option<(i64, String)>,
        reply: oneshot::Sender<Result<bool, String>>,
    },
}

/// The writer task's inbox, started on first use in the current runtime (and
/// again if that runtime has gone, as between tests).
///
/// Attempts and "published" marks have writers of their own. A delivery
/// waits for its attempt's record while it holds its slots (the cap on calls
/// at once), so that record is one statement committing on its own, never
/// queued behind a batch of marks and completions, and two batches of
/// records may be in flight at once. Measured on PostgreSQL (publish bench,
/// 96 calls per worker): with one shared writer a delivery waited 55–120 ms
/// for its record while two workers ran and 17–24 ms on the one left after
/// the kill, against a 50 ms call; now 6–8 ms on the one left.
pub struct Writes {
    attempts: Inbox,
    marks: Inbox,
}

impl Default for Writes {
    fn default() -> Self {
        Writes {
            attempts: Inbox(Mutex::default(), ATTEMPT_WRITERS),
            marks: Inbox(Mutex::default(), 1),
        }
    }
}

/// Attempt records in flight at once.
const ATTEMPT_WRITERS: usize = 2;

struct Inbox(Mutex<Option<mpsc::UnboundedSender<Op>>>, usize);

impl Inbox {
    fn sender(&self, app: &App) -> Option<mpsc::UnboundedSender<Op>> {
        let mut inbox = self.0.lock().ok()?;
        if let Some(s) = inbox.as_ref()
            && !s.is_closed()
        {
            return Some(s.clone());
        }
        let handle = tokio::runtime::Handle::try_current().ok()?;
        let (tx, rx) = mpsc::unbounded_channel();
        // One writer per kind of write: measured on PostgreSQL, four writers
        // of the same writes in parallel made smaller batches and ran slower
        // (1,500/s against 1,750–1,950/s). The task holds the store and
        // clock, not the App (which holds this inbox).
        handle.spawn(writer(app.store.clone(), app.clock.clone(), rx, self.1));
        *inbox = Some(tx.clone());
        Some(tx)
    }
}

async fn writer(
    store: Store,
    clock: Arc<dyn Clock>,
    mut rx: mpsc::UnboundedReceiver<Op>,
    parallel: usize,
) {
    let gate = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    while let Some(op) = rx.recv().await {
        // Waiting for a free writer lets the batch grow meanwhile.
        let Ok(permit) = gate.clone().acquire_owned().await else {
            return;
        };
        let mut ops = vec![op];
        while ops.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(o) => ops.push(o),
                Err(_) => break,
            }
        }
        let (store, now) = (store.clone(), clock.now());
        tokio::spawn(async move {
            run_batch(&store, now, ops).await;
            drop(permit);
        });
    }
}

async fn run_batch(store: &Store, now: Timestamp, ops: Vec<Op>) {
    let mut attempts = Vec::new();
    let mut marks = Vec::new();
    let mut throttles = Vec::new();
    let mut jobs = Vec::new();
    for op in &ops {
        match op {
            Op::Attempt { delivery, seen, .. } => attempts.push((*delivery, *seen)),
            Op::Published {
                mark,
                throttle,
                job,
                ..
            } => {
                marks.push(mark.clone());
                throttles.extend(throttle.iter().copied());
                if let Some((id, worker)) = job {
                    jobs.push((*id, worker.as_str()));
                }
            }
        }
    }
    let result: Result<(Vec<i64>, Vec<i64>), siar_store::StoreError> = async {
        if marks.is_empty() && jobs.is_empty() {
            // Only attempts (the attempts' writer): one statement that
            // commits, durably, on its own; no BEGIN or COMMIT round trip.
            let mut tx = store.write_autocommit().await?;
            let recorded = publ::record_attempts(&mut tx, &attempts, now).await?;
            tx.commit().await?;
            return Ok((recorded, Vec::new()));
        }
        let mut tx = store.begin().await?;
        if attempts.is_empty() {
            // Only "published" marks and completions: a loss in a crash is
            // repaired by the next run, which finds the post on the platform.
            tx.relaxed_durability().await?;
        }
        let recorded = publ::record_attempts(&mut tx, &attempts, now).await?;
        publ::mark_published_many(&mut tx, &marks).await?;
        for (channel, until) in &throttles {
            siar_store::channels::set_throttled_until(&mut tx, *channel, Some(*until)).await?;
        }
        let completed = siar_store::jobs::complete_many(&mut tx, &jobs, now).await?;
        tx.commit().await?;
        Ok((recorded, completed))
    }
    .await;
    let mut answered_attempts: Vec<i64> = Vec::new();
    for op in ops {
        match op {
            Op::Attempt {
                delivery, reply, ..
            } => {
                let r = match &result {
                    // The same delivery asked twice in one batch: only the first wins.
                    Ok((recorded, _)) => Ok((recorded.contains(&delivery)
                        && !answered_attempts.contains(&delivery))
                    .then_some(now)),
                    Err(e) => Err(e.to_string()),
                };
                answered_attempts.push(delivery);
                let _ = reply.send(r);
            }
            Op::Published { job, reply, .. } => {
                let r = match &result {
                    Ok((_, completed)) => Ok(job.is_some_and(|(id, _)| completed.contains(&id))),
                    Err(e) => Err(e.to_string()),
                };
                let _ = reply.send(r);
            }
        }
    }
}

/// Records an attempt on `delivery` unless someone recorded one since `seen`
/// attempts. `Some(time recorded)` when this caller owns the attempt; the
/// record is committed, and durable, before this returns.
pub async fn record_attempt(
    app: &App,
    delivery: i64,
    seen: u32,
) -> Result<Option<Timestamp>, crate::AppError> {
    if let Some(s) = app.writes.attempts.sender(app) {
        let (reply, answer) = oneshot::channel();
        if s.send(Op::Attempt {
            delivery,
            seen,
            reply,
        })
        .is_ok()
            && let Ok(r) = answer.await
        {
            return r.map_err(crate::AppError::Internal);
        }
    }
    // No writer task (outside a runtime, or it has gone): write directly.
    let now = app.now();
    let mut w = app.store.begin().await?;
    let mine = publ::record_attempt(&mut w, delivery, seen, now).await?;
    w.commit().await?;
    Ok(mine.then_some(now))
}

/// Marks a delivery published, notes a nearly used rate limit and completes
/// the deliver job, in one commit shared with other writes. `true` when the
/// job was completed (the worker still held it).
pub async fn published(
    app: &App,
    mark: PublishedMark,
    throttle: Option<(i64, Timestamp)>,
    job: Option<(i64, String)>,
) -> Result<bool, crate::AppError> {
    if let Some(s) = app.writes.marks.sender(app) {
        let (reply, answer) = oneshot::channel();
        if s.send(Op::Published {
            mark: mark.clone(),
            throttle,
            job: job.clone(),
            reply,
        })
        .is_ok()
            && let Ok(r) = answer.await
        {
            return r.map_err(crate::AppError::Internal);
        }
    }
    let mut w = app.store.begin().await?;
    w.relaxed_durability().await?;
    publ::mark_published(
        &mut w,
        mark.delivery,
        &mark.remote_id,
        mark.permalink.as_deref(),
        mark.at,
    )
    .await?;
    if let Some((channel, until)) = throttle {
        siar_store::channels::set_throttled_until(&mut w, channel, Some(until)).await?;
    }
    let completed = match &job {
        Some((id, worker)) => siar_store::jobs::complete(&mut w, *id, worker, app.now()).await?,
        None => false,
    };
    w.commit().await?;
    Ok(completed)
}
