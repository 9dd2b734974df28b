//! Writing, scheduling and delivering posts, exactly once per channel.
//!
//! A post has one delivery per channel and each delivery one job. Before the
//! platform is called the attempt is recorded (its own committed transaction).
//! An attempt whose outcome is unknown (a timeout after sending, a crash) is
//! never repeated blindly: the next run first looks on the platform, and when it
//! cannot tell, the delivery waits for a person (*needs attention*).

use crate::channels;
use crate::jobs::{JobError, JobFuture, JobHandler};
use crate::media;
use crate::{Actor, App, AppError, audit};
use siar_channels::{
    BoxFut, Connector, ConnectorError, Credentials, Ctx, Lookup, MediaFile, PublishOutcome,
    PublishRequest, Published,
};
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::channels::{Channel, ChannelStatus, Platform};
use siar_domain::jobs::{Job, NewJob};
use siar_domain::org::{OrgId, Permission};
use siar_domain::publishing::{
    Delivery, DeliveryState, Media, MediaKind, Post, Variant, VariantCheck, check_publish_at,
    check_variant,
};
use siar_domain::validate::Problems;
use siar_store::publishing::{self as publ, DeliveryContent, NewDelivery};
use siar_store::{Store, StoreError, Tx, jobs};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Kind of the job that delivers one post to one channel.
pub const DELIVER: &str = "deliver";

/// Per-channel changes to the common text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantInput {
    pub text: Option<String>,
    pub title: Option<String>,
}

/// A post as staff (or the API) submit it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostInput {
    pub text: String,
    pub title: Option<String>,
    pub channels: Vec<i64>,
    pub variants: HashMap<i64, VariantInput>,
    pub media: Vec<i64>,
    /// `None`: publish now.
    pub publish_at: Option<Timestamp>,
}

/// One channel's part of a validation.
#[derive(Debug, Clone)]
pub struct ChannelReport {
    pub channel: Channel,
    pub check: VariantCheck,
    /// Why the channel cannot take posts now (paused, needs reconnecting).
    pub channel_problem: Option<&'static str>,
}

/// Everything wrong with a post (empty = it can be scheduled).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub problems: Problems,
    pub channels: Vec<ChannelReport>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
            && self
                .channels
                .iter()
                .all(|c| c.check.issues.is_empty() && c.channel_problem.is_none())
    }
}

impl PostInput {
    fn variant(&self, channel: i64) -> (String, Option<String>) {
        let v = self.variants.get(&channel);
        let text = v
            .and_then(|v| v.text.clone())
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| self.text.clone());
        let title = v
            .and_then(|v| v.title.clone())
            .filter(|t| !t.trim().is_empty())
            .or_else(|| self.title.clone().filter(|t| !t.trim().is_empty()));
        (text.trim().to_string(), title.map(|t| t.trim().to_string()))
    }
}

/// Checks a post against every chosen channel's rules. Saves nothing.
pub async fn validate(app: &App, actor: &Actor, input: &PostInput) -> Result<Report, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let r = validate_in(app, &mut tx, actor.org, input).await?;
    tx.commit().await?;
    Ok(r)
}

pub(crate) async fn validate_in(
    app: &App,
    tx: &mut Tx,
    org: OrgId,
    input: &PostInput,
) -> Result<Report, AppError> {
    let now = app.now();
    let mut report = Report::default();
    if input.channels.is_empty() {
        report.problems.push("channels", "err-choose-channel");
    }
    let mut seen = std::collections::HashSet::new();
    if input.channels.iter().any(|c| !seen.insert(*c)) {
        report.problems.push("channels", "err-channel-twice");
    }
    if let Some(at) = input.publish_at
        && let Err(key) = check_publish_at(at, now)
    {
        report.problems.push("publish_at", key);
    }
    let media = publ::media_by_ids(tx, org, &input.media).await?;
    if media.len()
        != input
            .media
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
    {
        report.problems.push("media", "err-unknown-media");
    }
    let by_id: HashMap<i64, &Media> = media.iter().map(|m| (m.id, m)).collect();
    let facts: Vec<_> = input
        .media
        .iter()
        .filter_map(|id| by_id.get(id).map(|m| m.facts()))
        .collect();
    // The organisation may relax the rule; the deployment may not require it.
    let require_alt = app.config.require_alt
        && siar_store::org::org_by_id(tx, org)
            .await?
            .is_none_or(|o| o.settings.require_alt);
    for id in &input.channels {
        let Some(ch) = siar_store::channels::get(tx, org, *id).await? else {
            if report.problems.for_field("channels").is_none() {
                report.problems.push("channels", "err-unknown-channel");
            }
            continue;
        };
        let rules = ch.rules_platform();
        let mut caps = rules.capabilities();
        // Only Mastodon servers set their own limits (read at connect time).
        if ch.platform == Platform::Mastodon
            && let Some(l) = channels::instance_limits(tx, &ch).await?
        {
            caps.text_limit = l.max_characters;
            caps.max_images = l.max_media_attachments.min(caps.max_images.max(1));
        }
        let (text, title) = input.variant(ch.id);
        let check = check_variant(
            rules,
            &caps,
            Variant {
                text: &text,
                title: title.as_deref(),
                media: &facts,
            },
            require_alt,
        );
        let channel_problem = match ch.status {
            ChannelStatus::Connected => None,
            ChannelStatus::Paused => Some("rule-channel-paused"),
            ChannelStatus::NeedsReconnect => Some("rule-channel-reconnect"),
            ChannelStatus::Disconnected => Some("rule-channel-disconnected"),
        };
        report.channels.push(ChannelReport {
            channel: ch,
            check,
            channel_problem,
        });
    }
    Ok(report)
}

/// Schedules a post: one transaction writes the post, a delivery per channel
/// and a job per delivery. Nothing is written when anything is wrong.
pub async fn schedule(app: &App, actor: &Actor, input: &PostInput) -> Result<i64, AppError> {
    actor.require(Permission::Publish)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let report = validate_in(app, &mut tx, actor.org, input).await?;
    if !report.is_ok() {
        tx.rollback().await?;
        return Err(AppError::PostRefused(Box::new(report)));
    }
    let at = input.publish_at.unwrap_or(now).max(now);
    let title = input
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let post = publ::insert_post(
        &mut tx,
        actor.org,
        actor.user,
        input.text.trim(),
        title,
        at,
        now,
    )
    .await?;
    for c in &report.channels {
        let (text, title) = input.variant(c.channel.id);
        let text = for_platform(c.channel.rules_platform(), text);
        let marker = new_marker();
        let d = publ::insert_delivery(
            &mut tx,
            actor.org,
            &NewDelivery {
                post_id: post,
                channel_id: c.channel.id,
                text: &text,
                title: title.as_deref(),
                media: &input.media,
                publish_at: at,
                marker: &marker,
            },
            now,
        )
        .await?;
        enqueue_delivery(&mut tx, actor.org, d, at, now).await?;
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::PostScheduled,
        "post",
        Some(post.to_string()),
        format!(
            "channels: {}; at: {}",
            report
                .channels
                .iter()
                .map(|c| c.channel.platform.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            at.rfc3339()
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(post)
}

/// A thread stays a thread where the platform has them; elsewhere its parts
/// become paragraphs of one post.
pub(crate) fn for_platform(p: Platform, text: String) -> String {
    if p.capabilities().threads {
        text
    } else {
        siar_domain::richtext::without_threads(&text)
    }
}

/// A marker: letters and digits only, unique per delivery.
pub(crate) fn new_marker() -> String {
    let t = crate::secrets::random_token();
    let clean: String = t
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(20)
        .collect();
    format!("siar{clean}")
}

/// Queues (or re-times) the job that delivers `delivery` at `at`.
pub(crate) async fn enqueue_delivery(
    tx: &mut Tx,
    org: OrgId,
    delivery: i64,
    at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    let key = format!("{DELIVER}:{delivery}");
    let id = jobs::enqueue(
        tx,
        &NewJob {
            org_id: Some(org),
            kind: DELIVER.into(),
            payload: serde_json::json!({ "delivery": delivery }).to_string(),
            run_at: at,
            max_attempts: 8,
            dedup_key: Some(key.clone()),
        },
        now,
    )
    .await?;
    if id.is_none() {
        // One is queued already: make it run at the new time.
        jobs::set_queued_run_at(tx, &key, at, now).await?;
    }
    Ok(())
}

/// A delivery with its channel, for pages and the API.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    pub delivery: Delivery,
    pub channel: Channel,
}

#[derive(Debug, Clone)]
pub struct PostView {
    pub post: Post,
    pub deliveries: Vec<DeliveryView>,
    pub media: Vec<Media>,
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<PostView, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let post = publ::get_post(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ds = publ::post_deliveries(&mut tx, actor.org, id).await?;
    let chans = siar_store::channels::list(&mut tx, actor.org).await?;
    let media_ids: Vec<i64> = ds.first().map(|d| d.media.clone()).unwrap_or_default();
    let media = publ::media_by_ids(&mut tx, actor.org, &media_ids).await?;
    tx.commit().await?;
    Ok(PostView {
        deliveries: with_channels(ds, &chans),
        post,
        media,
    })
}

fn with_channels(ds: Vec<Delivery>, chans: &[Channel]) -> Vec<DeliveryView> {
    ds.into_iter()
        .filter_map(|d| {
            chans
                .iter()
                .find(|c| c.id == d.channel_id)
                .map(|c| DeliveryView {
                    channel: c.clone(),
                    delivery: d,
                })
        })
        .collect()
}

/// Newest posts first, with their deliveries.
pub async fn list(
    app: &App,
    actor: &Actor,
    limit: u64,
    before: Option<i64>,
) -> Result<Vec<PostView>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let posts = publ::list_posts(&mut tx, actor.org, limit.clamp(1, 100), before).await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let mut ds = publ::deliveries_of_posts(&mut tx, actor.org, &ids).await?;
    let chans = siar_store::channels::list(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(posts
        .into_iter()
        .map(|post| {
            let mine: Vec<Delivery>;
            (mine, ds) = ds.drain(..).partition(|d| d.post_id == post.id);
            PostView {
                deliveries: with_channels(mine, &chans),
                post,
                media: vec![],
            }
        })
        .collect())
}

/// Deliveries a person must look at (failed, needs attention, waiting).
pub async fn needing_attention(app: &App, actor: &Actor) -> Result<Vec<DeliveryView>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let ds = publ::deliveries_in(
        &mut tx,
        actor.org,
        &[
            DeliveryState::Failed,
            DeliveryState::NeedsAttention,
            DeliveryState::Waiting,
        ],
    )
    .await?;
    let chans = siar_store::channels::list(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(with_channels(ds, &chans))
}

/// Changes a post that has not gone out anywhere yet: its text, title, media
/// and time apply to every delivery not yet attempted.
pub async fn update(app: &App, actor: &Actor, id: i64, input: &PostInput) -> Result<(), AppError> {
    actor.require(Permission::Publish)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let post = publ::get_post(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ds = publ::post_deliveries(&mut tx, actor.org, id).await?;
    if ds.iter().any(|d| {
        d.attempts > 0
            || !matches!(
                d.state,
                DeliveryState::Scheduled | DeliveryState::Waiting | DeliveryState::Cancelled
            )
    }) {
        tx.rollback().await?;
        return Err(AppError::field("post", "err-post-already-sent"));
    }
    // The channels stay those of the post.
    let mut input = input.clone();
    input.channels = ds.iter().map(|d| d.channel_id).collect();
    let report = validate_in(app, &mut tx, actor.org, &input).await?;
    if !report.is_ok() {
        tx.rollback().await?;
        return Err(AppError::PostRefused(Box::new(report)));
    }
    let at = input.publish_at.unwrap_or(post.publish_at).max(now);
    let title = input
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    publ::update_post(&mut tx, actor.org, id, input.text.trim(), title, at, now).await?;
    for d in &ds {
        if d.state == DeliveryState::Cancelled {
            continue;
        }
        let (text, title) = input.variant(d.channel_id);
        let platform = report
            .channels
            .iter()
            .find(|c| c.channel.id == d.channel_id)
            .map(|c| c.channel.rules_platform())
            .unwrap_or(Platform::Practice);
        let text = for_platform(platform, text);
        publ::update_delivery_content(
            &mut tx,
            actor.org,
            d.id,
            &DeliveryContent {
                text: &text,
                title: title.as_deref(),
                media: &input.media,
                publish_at: at,
            },
            now,
        )
        .await?;
        if d.state == DeliveryState::Scheduled {
            enqueue_delivery(&mut tx, actor.org, d.id, at, now).await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::PostUpdated,
        "post",
        Some(id.to_string()),
        format!("at: {} → {}", post.publish_at.rfc3339(), at.rfc3339()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a post from Siar and cancels what has not gone out. Posts already
/// published stay on the platforms.
pub async fn delete(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(Permission::Publish)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ds = publ::post_deliveries(&mut tx, actor.org, id).await?;
    if !publ::delete_post(&mut tx, actor.org, id, now).await? {
        return Err(AppError::NotFound);
    }
    let mut cancelled = 0;
    for d in ds {
        if publ::set_state(
            &mut tx,
            d.id,
            DeliveryState::Cancelled,
            None,
            None,
            &[DeliveryState::Scheduled, DeliveryState::Waiting],
            now,
        )
        .await?
        {
            cancelled += 1;
        }
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::PostDeleted,
        "post",
        Some(id.to_string()),
        format!("deliveries cancelled: {cancelled}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a person decides about one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryAction {
    /// Send again now (after a failure, a cancel, or after looking and finding
    /// it is not on the platform).
    Retry,
    Cancel,
    /// A person saw it on the platform: record it as published.
    ConfirmPublished {
        link: String,
    },
}

pub async fn act_on_delivery(
    app: &App,
    actor: &Actor,
    id: i64,
    action: &DeliveryAction,
) -> Result<(), AppError> {
    actor.require(Permission::Publish)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let d = publ::get_delivery(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (audit_action, summary) = match action {
        DeliveryAction::Retry => {
            if !d.state.can_retry() {
                return Err(AppError::field("delivery", "err-delivery-cannot-retry"));
            }
            let ch = siar_store::channels::get(&mut tx, actor.org, d.channel_id)
                .await?
                .ok_or(AppError::NotFound)?;
            if ch.status == ChannelStatus::Disconnected {
                return Err(AppError::field("delivery", "rule-channel-disconnected"));
            }
            // The person has looked: the earlier attempt's outcome is settled.
            publ::settle_attempt(&mut tx, d.id).await?;
            publ::set_state(
                &mut tx,
                d.id,
                DeliveryState::Scheduled,
                None,
                None,
                &[d.state],
                now,
            )
            .await?;
            publ::set_publish_at(&mut tx, d.id, now, now).await?;
            enqueue_delivery(&mut tx, actor.org, d.id, now, now).await?;
            (
                AuditAction::DeliveryRetried,
                format!("state: {} → scheduled", d.state.as_str()),
            )
        }
        DeliveryAction::Cancel => {
            if !d.state.can_cancel() {
                return Err(AppError::field("delivery", "err-delivery-cannot-cancel"));
            }
            publ::set_state(
                &mut tx,
                d.id,
                DeliveryState::Cancelled,
                None,
                None,
                &[d.state],
                now,
            )
            .await?;
            (
                AuditAction::DeliveryCancelled,
                format!("state: {} → cancelled", d.state.as_str()),
            )
        }
        DeliveryAction::ConfirmPublished { link } => {
            if d.state != DeliveryState::NeedsAttention {
                return Err(AppError::field("delivery", "err-delivery-cannot-confirm"));
            }
            let link = link.trim();
            if !(link.is_empty() || link.starts_with("https://") || link.starts_with("http://")) {
                return Err(AppError::field("link", "err-url"));
            }
            let link = (!link.is_empty()).then_some(link);
            publ::mark_published(&mut tx, d.id, link.unwrap_or("confirmed"), link, now).await?;
            (
                AuditAction::DeliveryConfirmed,
                "state: needs_attention → published".into(),
            )
        }
    };
    audit::record(
        &mut tx,
        actor,
        audit_action,
        "delivery",
        Some(id.to_string()),
        summary,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The practice channel: "publishes" to a timeline inside Siar. The marker is
/// unique per channel, so it is exactly-once like the real ones.
pub struct Practice {
    pub store: Store,
}

impl Practice {
    async fn publish_now(
        &self,
        ctx: &Ctx,
        acct: &siar_channels::Account,
        req: &PublishRequest,
    ) -> Result<PublishOutcome, ConnectorError> {
        let transient = |e: StoreError| ConnectorError::Transient {
            detail: e.to_string(),
            sent: false,
        };
        let mut tx = self.store.begin().await.map_err(transient)?;
        let existing = publ::find_practice(&mut tx, acct.channel_id, &req.marker)
            .await
            .map_err(transient)?;
        let id = match existing {
            Some(p) => p.id,
            None => {
                let media: Vec<_> = req
                    .media
                    .iter()
                    .map(|m| serde_json::json!({"mime": m.mime, "alt": m.alt}))
                    .collect();
                let org = OrgId(
                    acct.credentials.extra["org"]
                        .as_i64()
                        .ok_or_else(|| ConnectorError::invalid("practice channel without org"))?,
                );
                publ::insert_practice(
                    &mut tx,
                    org,
                    acct.channel_id,
                    &req.marker,
                    req.text.trim(),
                    &serde_json::Value::Array(media).to_string(),
                    ctx.now,
                )
                .await
                .map_err(transient)?
            }
        };
        tx.commit().await.map_err(transient)?;
        Ok(PublishOutcome {
            published: practice_published(acct.channel_id, id),
            rate: None,
        })
    }
}

fn practice_published(channel: i64, id: i64) -> Published {
    Published {
        remote_id: format!("practice:{id}"),
        permalink: Some(format!("/app/channels/{channel}#p{id}")),
        at: None,
    }
}

impl Connector for Practice {
    fn platform(&self) -> Platform {
        Platform::Practice
    }

    fn publish<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a siar_channels::Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<PublishOutcome, ConnectorError>> {
        Box::pin(self.publish_now(ctx, acct, req))
    }

    fn find<'a>(
        &'a self,
        _ctx: &'a Ctx,
        acct: &'a siar_channels::Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<Lookup, ConnectorError>> {
        Box::pin(async move {
            let transient = |e: StoreError| ConnectorError::Transient {
                detail: e.to_string(),
                sent: false,
            };
            let mut tx = self.store.read().await.map_err(transient)?;
            let found = publ::find_practice(&mut tx, acct.channel_id, &req.marker)
                .await
                .map_err(transient)?;
            tx.commit().await.map_err(transient)?;
            Ok(match found {
                Some(p) => Lookup::Found(practice_published(acct.channel_id, p.id)),
                None => Lookup::Absent,
            })
        })
    }

    fn refresh<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a siar_channels::Account,
    ) -> BoxFut<'a, Result<Option<Credentials>, ConnectorError>> {
        Box::pin(async { Ok(None) })
    }
}

/// Delivers one post to one channel. Registered with every worker.
pub struct Deliver;

#[derive(serde::Deserialize)]
struct DeliverPayload {
    delivery: i64,
}

/// What the handler decided, before it is written down.
enum Step {
    Done,
    /// Done, and the job was completed in the same transaction.
    Completed,
    RetryAt(Timestamp, String),
    Retry(String),
}

impl JobHandler for Deliver {
    fn kind(&self) -> &'static str {
        DELIVER
    }

    fn run<'a>(&'a self, app: &'a App, job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let p: DeliverPayload = serde_json::from_str(&job.payload)
                .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
            let last_try = job.attempts >= job.max_attempts;
            match deliver(app, p.delivery, last_try, job).await {
                Ok(Step::Done) => Ok(()),
                Ok(Step::Completed) => Err(JobError::CompletedByHandler),
                Ok(Step::RetryAt(at, why)) => Err(JobError::RetryAt(at, why)),
                Ok(Step::Retry(why)) => Err(JobError::Retry(why)),
                Err(e) => Err(JobError::Retry(e.to_string())),
            }
        })
    }
}

fn connector_for(app: &App, p: Platform) -> Option<Arc<dyn Connector>> {
    match p {
        Platform::Practice => Some(Arc::new(Practice {
            store: app.store.clone(),
        })),
        other => app.channels.connector(other),
    }
}

async fn deliver(app: &App, id: i64, last_try: bool, job: &Job) -> Result<Step, AppError> {
    let now = app.now();
    // Two single reads; no snapshot needed (every write below is guarded).
    let mut tx = app.store.autocommit().await?;
    let Some(d) = publ::get_delivery_any(&mut tx, id).await? else {
        tx.commit().await?;
        return Ok(Step::Done);
    };
    // The channel and its sealed credentials in one statement.
    let (ch, sealed) = siar_store::channels::for_delivery(&mut tx, d.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !matches!(
        d.state,
        DeliveryState::Scheduled | DeliveryState::Publishing
    ) {
        tx.commit().await?;
        return Ok(Step::Done);
    }
    if d.publish_at.0 > now.0 + 1000 {
        tx.commit().await?;
        return Ok(Step::RetryAt(d.publish_at, "not due yet".into()));
    }
    if !ch.status.can_publish() {
        tx.commit().await?;
        let mut w = app.store.begin().await?;
        publ::set_state(
            &mut w,
            d.id,
            DeliveryState::Waiting,
            Some(match ch.status {
                ChannelStatus::Paused => "delivery-reason-paused",
                _ => "delivery-reason-reconnect",
            }),
            ch.status_reason.as_deref(),
            &[DeliveryState::Scheduled, DeliveryState::Publishing],
            now,
        )
        .await?;
        w.commit().await?;
        return Ok(Step::Done);
    }
    if let Some(until) = ch.throttled_until
        && until > now
    {
        tx.commit().await?;
        return Ok(Step::RetryAt(
            until,
            "the channel's rate limit is nearly used".into(),
        ));
    }
    let Some(conn) = connector_for(app, ch.platform) else {
        tx.commit().await?;
        return Ok(Step::RetryAt(
            now.plus(Duration::from_secs(3600)),
            format!(
                "no connector for {} in this deployment",
                ch.platform.as_str()
            ),
        ));
    };
    let mut acct = channels::account_from(app, &ch, sealed)?;
    if ch.platform == Platform::Practice {
        acct.credentials.extra = serde_json::json!({ "org": d.org_id.0 });
    }
    let media_rows = publ::media_by_ids(&mut tx, d.org_id, &d.media).await?;
    tx.commit().await?;
    let mut files = Vec::new();
    for mid in &d.media {
        let Some(m) = media_rows.iter().find(|m| m.id == *mid) else {
            continue;
        };
        let raw = media::read(app, m).await?;
        let (bytes, mime, width, height) = if m.kind == MediaKind::Image {
            // Converted to this platform's rules (type, aspect, width, size).
            let caps = ch.platform.capabilities();
            let (mime, w, h) = (m.mime.clone(), m.width, m.height);
            let adapted =
                tokio::task::spawn_blocking(move || media::adapt(&raw, &mime, w, h, &caps))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            match adapted {
                Ok(a) => (a.bytes, a.mime, a.width, a.height),
                Err(e) => {
                    let mut w = app.store.begin().await?;
                    publ::set_state(
                        &mut w,
                        d.id,
                        DeliveryState::Failed,
                        Some("perr-media-rejected"),
                        Some(&e.to_string()),
                        &[DeliveryState::Scheduled, DeliveryState::Publishing],
                        now,
                    )
                    .await?;
                    w.commit().await?;
                    return Ok(Step::Done);
                }
            }
        } else {
            (raw, m.mime.clone(), m.width, m.height)
        };
        files.push(MediaFile {
            kind: m.kind,
            mime,
            bytes: Arc::new(bytes),
            alt: m.alt.clone(),
            width,
            height,
            duration_secs: m.duration_ms.map(|ms| ms as f64 / 1000.0),
            public_url: Some(media::signed_url(app, m, ch.platform, now)),
        });
    }
    let mut req = PublishRequest {
        text: d.text.clone(),
        title: d.title.clone(),
        media: files,
        marker: d.marker.clone(),
        marker_time: d.created_at,
        attempt_started_at: d.attempt_started_at.unwrap_or(now),
    };
    let ctx = app.channels.ctx(now);

    // An earlier attempt whose outcome is unknown: look before publishing.
    if let Some(started) = d.attempt_started_at {
        let in_flight_until = started
            .plus(app.channels.http.timeout())
            .plus(Duration::from_secs(5));
        // Look first: a post already there is marked at once, with the time the
        // platform gives it (a worker killed mid-call often got it out).
        // Absence only counts once no earlier call can still be in flight (its
        // worker may be waiting for the answer, or dead with the request sent).
        // Where the client names the record (Bluesky, the practice channel) a
        // second create with the same name is refused, so nothing need wait.
        let in_flight = in_flight_until > now
            && ch.platform.capabilities().idempotency
                != siar_domain::channels::Idempotency::ClientChosenId;
        let wait = || {
            Ok(Step::RetryAt(
                in_flight_until,
                "an earlier attempt may still be in flight".into(),
            ))
        };
        match conn.find(&ctx, &acct, &req).await {
            Ok(Lookup::Found(p)) => {
                let mut w = app.store.begin().await?;
                publ::mark_published(
                    &mut w,
                    d.id,
                    &p.remote_id,
                    p.permalink.as_deref(),
                    went_out(&p, now),
                )
                .await?;
                w.commit().await?;
                return Ok(Step::Done);
            }
            _ if in_flight => return wait(),
            Ok(Lookup::Absent) => {}
            Ok(Lookup::Unknown(why)) => {
                return needs_person(app, &d, "delivery-reason-unknown", &why).await;
            }
            Err(e) => return on_error(app, &ch, &d, e, true, last_try).await,
        }
    }

    // Respect the per-platform and per-account caps before recording the attempt.
    let slot = app.channels.slot(ch.platform, ch.id).await;
    // Recorded (and on disk) before the call; shared with other deliveries'
    // records made at the same moment.
    let Some(started) = crate::batch::record_attempt(app, d.id, d.attempts).await? else {
        // Another worker recorded an attempt first; it owns this one.
        return Ok(Step::Done);
    };
    req.attempt_started_at = started;
    match conn.publish(&ctx, &acct, &req).await {
        Ok(out) => {
            // The slot caps calls to the platform; it is not held while the
            // outcome is written (other deliveries can call meanwhile).
            drop(slot);
            // If this commit were lost in a crash, the attempt stays unsettled
            // and the next run finds the post on the platform: it need not
            // wait for the disk.
            let completed = crate::batch::published(
                app,
                publ::PublishedMark {
                    delivery: d.id,
                    remote_id: out.published.remote_id.clone(),
                    permalink: out.published.permalink.clone(),
                    at: app.now(),
                },
                out.rate
                    .filter(|r| r.nearly_used())
                    .map(|r| (ch.id, r.reset_at)),
                job.locked_by.clone().map(|w| (job.id, w)),
            )
            .await?;
            tracing::info!(
                delivery = d.id,
                channel = ch.id,
                platform = ch.platform.as_str(),
                "published"
            );
            Ok(if completed {
                Step::Completed
            } else {
                Step::Done
            })
        }
        Err(ConnectorError::Duplicate { detail }) => {
            // The platform says it is there: find it to link it.
            match conn.find(&ctx, &acct, &req).await {
                Ok(Lookup::Found(p)) => {
                    let mut w = app.store.begin().await?;
                    publ::mark_published(
                        &mut w,
                        d.id,
                        &p.remote_id,
                        p.permalink.as_deref(),
                        went_out(&p, app.now()),
                    )
                    .await?;
                    w.commit().await?;
                    Ok(Step::Done)
                }
                _ => needs_person(app, &d, "perr-duplicate", &detail).await,
            }
        }
        Err(e) => on_error(app, &ch, &d, e, false, last_try).await,
    }
}

/// When a post found on the platform went out: the platform's time where it
/// gives one (never later than now, whatever the clocks say), else now.
fn went_out(p: &Published, now: Timestamp) -> Timestamp {
    p.at.map_or(now, |at| Timestamp(at.0.min(now.0)))
}

async fn needs_person(app: &App, d: &Delivery, key: &str, detail: &str) -> Result<Step, AppError> {
    let mut w = app.store.begin().await?;
    publ::set_state(
        &mut w,
        d.id,
        DeliveryState::NeedsAttention,
        Some(key),
        Some(detail),
        &[DeliveryState::Scheduled, DeliveryState::Publishing],
        app.now(),
    )
    .await?;
    w.commit().await?;
    tracing::warn!(delivery = d.id, "delivery needs attention: {detail}");
    Ok(Step::Done)
}

/// Acts on a failed call. `looking` is true when the failure came from the
/// look for an earlier attempt (nothing new was sent).
async fn on_error(
    app: &App,
    ch: &Channel,
    d: &Delivery,
    e: ConnectorError,
    looking: bool,
    last_try: bool,
) -> Result<Step, AppError> {
    let now = app.now();
    let certain_not_sent = match &e {
        ConnectorError::Transient { sent, .. } => !sent,
        _ => true,
    };
    // Settle this attempt when it certainly did not publish (so the next run
    // publishes without looking); otherwise the next run looks first.
    let mut w = app.store.begin().await?;
    if !looking && certain_not_sent {
        publ::settle_attempt(&mut w, d.id).await?;
        publ::set_state(
            &mut w,
            d.id,
            DeliveryState::Scheduled,
            None,
            None,
            &[DeliveryState::Publishing],
            now,
        )
        .await?;
    }
    w.commit().await?;
    match e {
        ConnectorError::Auth { detail } => {
            // Try a refresh once; if it works, go again at once.
            if let Ok(true) = channels::refresh_channel(app, ch).await {
                return Ok(Step::RetryAt(now, "credentials refreshed".into()));
            }
            channels::needs_reconnect(app, ch.org_id, ch.id, &detail).await?;
            let mut w = app.store.begin().await?;
            publ::set_state(
                &mut w,
                d.id,
                DeliveryState::Waiting,
                Some("delivery-reason-reconnect"),
                Some(&detail),
                &[DeliveryState::Scheduled, DeliveryState::Publishing],
                now,
            )
            .await?;
            w.commit().await?;
            Ok(Step::Done)
        }
        ConnectorError::RateLimited { retry_at, detail } => {
            let mut w = app.store.begin().await?;
            siar_store::channels::set_throttled_until(&mut w, ch.id, Some(retry_at)).await?;
            w.commit().await?;
            Ok(Step::RetryAt(retry_at.max(now), detail))
        }
        ConnectorError::MediaNotReady { retry_at, detail } => {
            Ok(Step::RetryAt(retry_at.max(now), detail))
        }
        ConnectorError::Invalid { key, detail } => {
            let mut w = app.store.begin().await?;
            publ::set_state(
                &mut w,
                d.id,
                DeliveryState::Failed,
                Some(key),
                Some(&detail),
                &[DeliveryState::Scheduled, DeliveryState::Publishing],
                now,
            )
            .await?;
            w.commit().await?;
            Ok(Step::Done)
        }
        ConnectorError::Duplicate { detail } => {
            needs_person(app, d, "perr-duplicate", &detail).await
        }
        ConnectorError::Transient { detail, .. } => {
            if last_try {
                if certain_not_sent && !looking {
                    let mut w = app.store.begin().await?;
                    publ::set_state(
                        &mut w,
                        d.id,
                        DeliveryState::Failed,
                        Some("perr-transient"),
                        Some(&detail),
                        &[DeliveryState::Scheduled, DeliveryState::Publishing],
                        now,
                    )
                    .await?;
                    w.commit().await?;
                    return Ok(Step::Done);
                }
                return needs_person(app, d, "delivery-reason-unknown", &detail).await;
            }
            Ok(Step::Retry(detail))
        }
    }
}
