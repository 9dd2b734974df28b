//! First comments on platforms without threads (Facebook, Instagram,
//! YouTube): posted
//! once the delivery is published, exactly once. The attempt is recorded
//! before the call; an attempt whose outcome is unknown is looked for on the
//! platform before another is made.

use crate::jobs::{JobError, JobFuture, JobHandler};
use crate::{App, AppError};
use siar_channels::ConnectorError;
use siar_domain::Timestamp;
use siar_domain::channels::Platform;
use siar_domain::jobs::{Job, NewJob};
use siar_domain::org::OrgId;
use siar_domain::publishing::DeliveryState;
use siar_store::studio as store;
use siar_store::{StoreError, Tx, jobs};
use std::time::Duration;

/// Kind of the job that posts a delivery's first comment.
pub const FIRST_COMMENT: &str = "first_comment";

/// After this long, a comment not found on the platform was not made (the
/// call is bounded by the HTTP client's timeout, well below this).
pub const LOOK_AFTER: Duration = Duration::from_secs(90);

/// Whether the platform gets the first comment as a comment (not as part of
/// a thread).
pub fn takes_comment(p: Platform) -> bool {
    matches!(
        p,
        Platform::Facebook | Platform::Instagram | Platform::YouTube
    )
}

/// Records a first comment for `delivery` and its job, in the approval's
/// transaction; the job runs shortly after the delivery's time.
pub(crate) async fn plan(
    tx: &mut Tx,
    org: OrgId,
    delivery: i64,
    text: &str,
    at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    store::insert_first_comment(tx, org, delivery, text, now).await?;
    jobs::enqueue(
        tx,
        &NewJob {
            org_id: Some(org),
            kind: FIRST_COMMENT.into(),
            payload: serde_json::json!({ "delivery": delivery }).to_string(),
            run_at: at.plus(Duration::from_secs(30)),
            max_attempts: 10,
            dedup_key: Some(format!("{FIRST_COMMENT}:{delivery}")),
        },
        now,
    )
    .await?;
    Ok(())
}

pub struct FirstComment;

#[derive(serde::Deserialize)]
struct Payload {
    delivery: i64,
}

impl JobHandler for FirstComment {
    fn kind(&self) -> &'static str {
        FIRST_COMMENT
    }

    fn run<'a>(&'a self, app: &'a App, job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let p: Payload = serde_json::from_str(&job.payload)
                .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
            match run(app, p.delivery).await {
                Ok(r) => r,
                Err(e) => Err(JobError::Retry(e.to_string())),
            }
        })
    }
}

async fn set(
    app: &App,
    id: i64,
    state: &str,
    from: &[&str],
    remote: Option<&str>,
    err: Option<&str>,
) -> Result<bool, AppError> {
    let mut tx = app.store.begin().await?;
    let ok = store::set_first_comment(&mut tx, id, state, from, remote, err, app.now()).await?;
    tx.commit().await?;
    Ok(ok)
}

async fn run(app: &App, id: i64) -> Result<Result<(), JobError>, AppError> {
    let now = app.now();
    let mut tx = app.store.read().await?;
    let d = siar_store::publishing::get_delivery_any(&mut tx, id).await?;
    let fc = store::first_comment(&mut tx, id).await?;
    let chan = siar_store::channels::for_delivery(&mut tx, id).await?;
    tx.commit().await?;
    let (Some(d), Some(fc), Some((ch, sealed))) = (d, fc, chan) else {
        return Ok(Ok(()));
    };
    if matches!(fc.state.as_str(), "done" | "skipped" | "failed") {
        return Ok(Ok(()));
    }
    match d.state {
        DeliveryState::Published => {}
        DeliveryState::Cancelled | DeliveryState::Failed => {
            set(app, id, "skipped", &["pending", "attempted"], None, None).await?;
            return Ok(Ok(()));
        }
        DeliveryState::NeedsAttention => {
            return Ok(Err(JobError::RetryAt(
                now.plus(Duration::from_secs(600)),
                "the post waits for a person".into(),
            )));
        }
        _ => {
            let at = Timestamp(d.publish_at.0.max(now.0)).plus(Duration::from_secs(30));
            return Ok(Err(JobError::RetryAt(
                at,
                "the post is not published yet".into(),
            )));
        }
    }
    let Some(post) = d.remote_id.clone().filter(|r| !r.is_empty()) else {
        set(
            app,
            id,
            "failed",
            &["pending", "attempted"],
            None,
            Some("no post id"),
        )
        .await?;
        return Ok(Err(JobError::Permanent(
            "the published post has no id".into(),
        )));
    };
    let Some(conn) = app.channels.connector(ch.platform) else {
        return Ok(Err(JobError::Permanent("no connector".into())));
    };
    let acct = crate::channels::account_from(app, &ch, sealed)?;
    let ctx = app.channels.ctx(now);
    if fc.state == "attempted" {
        match conn.find_comment(&ctx, &acct, &post, &fc.text).await {
            Ok(Some(found)) => {
                set(app, id, "done", &["attempted"], Some(&found), None).await?;
                return Ok(Ok(()));
            }
            Ok(None) => {
                let since = fc.attempt_started_at.unwrap_or(now);
                if now.0 < since.0 + LOOK_AFTER.as_millis() as i64 {
                    return Ok(Err(JobError::RetryAt(
                        since.plus(LOOK_AFTER),
                        "an earlier attempt may still arrive".into(),
                    )));
                }
            }
            Err(e) => return Ok(Err(JobError::Retry(e.to_string()))),
        }
    }
    // Recorded (and committed) before the call.
    set(app, id, "attempted", &["pending", "attempted"], None, None).await?;
    match conn.comment(&ctx, &acct, &post, &fc.text).await {
        Ok(cid) => {
            set(app, id, "done", &["attempted"], Some(&cid), None).await?;
            Ok(Ok(()))
        }
        Err(e @ (ConnectorError::Invalid { .. } | ConnectorError::Auth { .. })) => {
            let detail = e.to_string();
            set(app, id, "failed", &["attempted"], None, Some(&detail)).await?;
            Ok(Err(JobError::Permanent(detail)))
        }
        Err(ConnectorError::RateLimited { retry_at, .. }) => {
            Ok(Err(JobError::RetryAt(retry_at, "rate limited".into())))
        }
        Err(e) => Ok(Err(JobError::Retry(e.to_string()))),
    }
}
