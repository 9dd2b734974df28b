//! The unified inbox: webhooks in, polling, filing items into conversations
//! (rules, response clock), replies out exactly once, moderation, notes,
//! assignment, labels, response-time targets, reports and satisfaction.

use crate::jobs::{JobError, JobFuture, JobHandler};
use crate::{Actor, App, AppError, audit};
pub use siar_channels::Moderation;
use siar_channels::webhooks;
pub use siar_channels::webhooks::HookError;
use siar_channels::{ConnectorError, ReplyTo};
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::channels::{Channel, ChannelStatus, Platform};
use siar_domain::inbox::{
    self as dom, BusinessHours, Contact, ConvKind, ConvState, Conversation, Direction, InboundItem,
    InboxSettings, Message, Priority, ReplyState, Rule, SavedReply, SlaView,
};
use siar_domain::jobs::{Job, NewJob};
use siar_domain::org::{OrgId, Permission, UserId};
use siar_store::inbox::{self as store, ConvChange, ConvFilter, NewConversation, NewMessage};
use siar_store::{StoreError, Tx, jobs};
use std::collections::BTreeMap;
use std::time::Duration;

/// Turns stored raw events into conversation messages.
pub const INBOX_EVENTS: &str = "inbox_events";
/// Sends one reply.
pub const INBOX_REPLY: &str = "inbox_reply";
/// Reads platforms without webhooks; checks response targets; purges old events.
pub const INBOX_POLL: &str = "inbox_poll";

/// How often the poll job runs.
pub const POLL_EVERY: Duration = Duration::from_secs(60);

/// Platforms read by polling (no webhooks for a library's account).
pub const POLLED: [Platform; 4] = [
    Platform::Bluesky,
    Platform::Mastodon,
    Platform::YouTube,
    Platform::X,
];

// ---------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------

/// Why a webhook was refused; the web layer answers 401/403/400.
#[derive(Debug, thiserror::Error)]
pub enum HookRefused {
    #[error(transparent)]
    Hook(#[from] HookError),
    #[error(transparent)]
    App(#[from] AppError),
}

/// A signed Meta body: checked, split into events, the new ones stored with
/// one job to file them, then answered. Stores go through [`HookWrites`]: the
/// events of all requests waiting at that moment are written in one
/// transaction, and each request is answered after that commit. Returns how
/// many events the body held.
pub async fn receive_meta(
    app: &App,
    signature: Option<&str>,
    body: &[u8],
) -> Result<usize, HookRefused> {
    webhooks::verify_meta(
        &app.config.platforms.facebook.client_secret,
        signature,
        body,
    )?;
    let events = webhooks::split_meta(body)?;
    let n = events.len();
    if n > 0 {
        app.hook_writes.store(app, events).await?;
    }
    Ok(n)
}

/// A signed X Activity API delivery (`x-twitter-webhooks-signature`, keyed
/// with the consumer secret): checked, split, stored once like Meta's.
pub async fn receive_x(
    app: &App,
    signature: Option<&str>,
    body: &[u8],
) -> Result<usize, HookRefused> {
    webhooks::verify_x(&app.config.platforms.x_consumer_secret, signature, body)?;
    let events = webhooks::split_x(body)?;
    let n = events.len();
    if n > 0 {
        app.hook_writes.store(app, events).await?;
    }
    Ok(n)
}

type HookBatch = (
    Vec<webhooks::HookEvent>,
    tokio::sync::oneshot::Sender<Result<(), String>>,
);

/// The webhook events' writes, grouped: a request that finds no commit
/// running leads one (its own events and everyone else's waiting); requests
/// arriving meanwhile add theirs to the next batch and wait for its commit.
/// No writer task sits between a request and the database, so a lone request
/// commits without a hand-off and a busy moment still commits in batches.
#[derive(Default)]
pub struct HookWrites {
    pending: std::sync::Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    batch: Vec<HookBatch>,
    events: usize,
    /// A leader is committing.
    busy: bool,
}

/// Batches a leader commits before it hands the rest to a task of its own,
/// so its own request is not kept waiting behind a long busy spell.
const BATCHES_PER_LEADER: usize = 2;

impl HookWrites {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Pending>, AppError> {
        self.pending
            .lock()
            .map_err(|_| AppError::Internal("webhook writer lock poisoned".into()))
    }

    async fn store(&self, app: &App, events: Vec<webhooks::HookEvent>) -> Result<(), AppError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let lead = {
            let mut p = self.lock()?;
            p.events += events.len();
            p.batch.push((events, reply));
            !std::mem::replace(&mut p.busy, true)
        };
        if lead {
            // Boxed: only a leader needs the commit's state, and every
            // request's future (moved into boxes by the web layers) would
            // otherwise carry it (9 KB, measured).
            Box::pin(self.lead(app)).await?;
        }
        answer
            .await
            .map_err(|_| AppError::Internal("webhook writer stopped".into()))?
            .map_err(AppError::Internal)
    }

    /// Takes the waiting batch, or ends the leadership when there is none.
    fn take(&self) -> Result<Option<Vec<HookBatch>>, AppError> {
        let mut p = self.lock()?;
        if p.batch.is_empty() {
            p.busy = false;
            return Ok(None);
        }
        p.events = 0;
        Ok(Some(std::mem::take(&mut p.batch)))
    }

    /// Commits up to `BATCHES_PER_LEADER` waiting batches, then hands what is
    /// left to a task. Should this request be dropped half-way (its client
    /// went away), the guard hands on too, so no batch is left waiting.
    async fn lead(&self, app: &App) -> Result<(), AppError> {
        let mut guard = HandOn(Some(app.clone()));
        for _ in 0..BATCHES_PER_LEADER {
            match self.take()? {
                Some(batch) => commit_hooks(&app.store, app.clock.now(), batch).await,
                None => {
                    guard.0 = None;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Commits waiting batches until none is left.
    async fn drain(&self, app: &App) -> Result<(), AppError> {
        while let Some(batch) = self.take()? {
            commit_hooks(&app.store, app.clock.now(), batch).await;
        }
        Ok(())
    }
}

/// Hands the leadership to a task when dropped armed.
struct HandOn(Option<App>);

impl Drop for HandOn {
    fn drop(&mut self) {
        let Some(app) = self.0.take() else {
            return;
        };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        handle.spawn(async move {
            let writes = app.hook_writes.clone();
            if let Err(e) = writes.drain(&app).await {
                tracing::error!("webhook writer: {e}");
            }
        });
    }
}

/// Writes a batch's events in one transaction and answers each request.
async fn commit_hooks(
    store: &siar_store::Store,
    now: siar_domain::Timestamp,
    batch: Vec<HookBatch>,
) {
    let rows: Vec<store::NewEvent<'_>> = batch
        .iter()
        .flat_map(|(evs, _)| evs.iter())
        .map(|e| store::NewEvent {
            platform: e.platform,
            event_id: &e.event_id,
            account: &e.account,
            body: &e.body,
        })
        .collect();
    let result: Result<(), StoreError> = async {
        let mut tx = store.write_autocommit().await?;
        store::store_events(&mut tx, &rows, now, &filing_job(now)).await?;
        tx.commit().await
    }
    .await;
    let result = result.map_err(|e| e.to_string());
    if let Err(e) = &result {
        tracing::error!("webhook events not stored: {e}");
    }
    drop(rows);
    for (_, reply) in batch {
        let _ = reply.send(result.clone());
    }
}

/// The job that files stored events (one queued at a time).
fn filing_job(now: Timestamp) -> NewJob {
    NewJob {
        org_id: None,
        kind: INBOX_EVENTS.into(),
        payload: "{}".into(),
        run_at: now,
        max_attempts: 20,
        dedup_key: Some(INBOX_EVENTS.into()),
    }
}

/// Meta's subscription handshake: the challenge, or `None` (403).
pub fn meta_handshake(
    app: &App,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
) -> Option<String> {
    webhooks::meta_handshake(
        &app.config.platforms.meta_verify_token,
        mode,
        token,
        challenge,
    )
    .map(str::to_string)
}

/// X's CRC answer, or `None` when the consumer secret is not configured.
pub fn x_crc(app: &App, crc_token: &str) -> Option<String> {
    let secret = &app.config.platforms.x_consumer_secret;
    (!secret.is_empty()).then(|| webhooks::x_crc(secret, crc_token))
}

pub struct FileEvents;

impl JobHandler for FileEvents {
    fn kind(&self) -> &'static str {
        INBOX_EVENTS
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            file_pending(app)
                .await
                .map(|_| ())
                .map_err(|e| JobError::Retry(e.to_string()))
        })
    }
}

/// Files every stored event not filed yet; returns how many were read.
pub async fn file_pending(app: &App) -> Result<usize, AppError> {
    let mut total = 0;
    // Bounded: at most 50 rounds of 200 per run; the next run takes the rest.
    for _ in 0..50 {
        let mut tx = app.store.read().await?;
        let batch = store::pending_events(&mut tx, 200).await?;
        tx.commit().await?;
        if batch.is_empty() {
            break;
        }
        total += batch.len();
        for ev in batch {
            let now = app.now();
            let mut tx = app.store.begin().await?;
            let outcome = file_event(&mut tx, &ev, now).await?;
            store::mark_event(&mut tx, ev.id, outcome, now).await?;
            tx.commit().await?;
        }
    }
    Ok(total)
}

async fn file_event(
    tx: &mut Tx,
    ev: &store::RawEvent,
    now: Timestamp,
) -> Result<&'static str, AppError> {
    let Some(platform) = Platform::parse(&ev.platform) else {
        return Ok("ignored");
    };
    let read = match platform {
        Platform::Facebook | Platform::Instagram => webhooks::read_meta(
            &ev.platform,
            &ev.account,
            &ev.body,
            Timestamp(ev.received_at),
        )
        .map(|i| i.into_iter().collect::<Vec<_>>()),
        Platform::X => webhooks::read_x(&ev.account, &ev.body, Timestamp(ev.received_at)),
        _ => return Ok("ignored"),
    };
    let items = match read {
        Ok(items) if items.is_empty() => return Ok("ignored"),
        Ok(items) => items,
        Err(e) => {
            tracing::warn!(event = ev.id, "stored webhook event unreadable: {e}");
            return Ok("malformed");
        }
    };
    let channels = siar_store::channels::by_remote(tx, platform, &ev.account).await?;
    if channels.is_empty() {
        tracing::warn!(
            platform = %ev.platform,
            "webhook event for an account no organisation has connected; dropped"
        );
        return Ok("unknown_channel");
    }
    for ch in &channels {
        for item in &items {
            file_item(tx, ch, item, now).await?;
        }
    }
    Ok("ok")
}

// ---------------------------------------------------------------------------
// Filing
// ---------------------------------------------------------------------------

async fn business_hours(tx: &mut Tx, org: OrgId) -> Result<BusinessHours, AppError> {
    let o = siar_store::org::org_by_id(tx, org)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(BusinessHours::from_settings(&o.settings))
}

async fn rules_of(tx: &mut Tx, org: OrgId) -> Result<Vec<Rule>, AppError> {
    Ok(store::rules(tx, org)
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

/// Files one item into its conversation, in the caller's transaction. A
/// message already stored (same platform id) changes nothing (`None`); a
/// removal marks the stored message deleted. Returns the conversation's id
/// when something changed.
pub async fn file_item(
    tx: &mut Tx,
    ch: &Channel,
    item: &InboundItem,
    now: Timestamp,
) -> Result<Option<i64>, AppError> {
    let org = ch.org_id;
    if item.removed {
        if let Some((o, m)) = store::message_by_remote(tx, ch.id, &item.remote_id).await?
            && o == org
        {
            store::flag_message(tx, org, m.id, store::MessageFlag::Deleted).await?;
            return Ok(Some(m.conversation_id));
        }
        return Ok(None);
    }
    if store::message_by_remote(tx, ch.id, &item.remote_id)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let dir = if item.from_us {
        Direction::Out
    } else {
        Direction::In
    };
    let rules = rules_of(tx, org).await?;
    let outcome = if dir == Direction::In {
        dom::apply_rules(
            &rules,
            &dom::Incoming {
                text: &item.text,
                channel_id: ch.id,
                author: &item.author.handle,
                kind: item.kind,
            },
        )
    } else {
        dom::Outcome::default()
    };
    // A reply to a message we have (ours or the patron's) continues its
    // conversation, whatever key the platform's thread would give it.
    let by_parent = match &item.parent_remote_id {
        Some(p) => match store::message_by_remote(tx, ch.id, p).await? {
            Some((o, m)) if o == org => store::conversation(tx, org, m.conversation_id).await?,
            _ => None,
        },
        None => None,
    };
    let existing = match by_parent {
        Some(c) => Some(c),
        None => store::by_thread(tx, ch.id, &item.thread_key).await?,
    };
    let conv = match existing {
        Some(c) => c,
        None => {
            let contact = if dir == Direction::In && !item.author.remote_id.is_empty() {
                Some(store::upsert_contact(tx, org, ch.id, &item.author, now).await?)
            } else {
                None
            };
            let (post_id, permalink) = match &item.remote_post_id {
                Some(r) => siar_store::publishing::post_of_remote(tx, org, ch.id, r)
                    .await?
                    .map_or((None, None), |(p, l)| (Some(p), l)),
                None => (None, None),
            };
            let permalink = item.permalink.clone().or(permalink);
            let (id, _) = store::insert_conversation(
                tx,
                org,
                &NewConversation {
                    channel_id: ch.id,
                    kind: item.kind,
                    thread_key: &item.thread_key,
                    remote_post_id: item.remote_post_id.as_deref(),
                    post_id,
                    permalink: permalink.as_deref(),
                    contact_id: contact,
                    priority: outcome.priority.unwrap_or(Priority::Normal),
                    assignee_id: outcome.assign_to,
                    at: item.at,
                },
                now,
            )
            .await?;
            store::conversation(tx, org, id)
                .await?
                .ok_or(AppError::NotFound)?
        }
    };
    if dir == Direction::In && !item.author.remote_id.is_empty() && conv.contact_id.is_some() {
        store::upsert_contact(tx, org, ch.id, &item.author, now).await?;
    }
    let inserted = store::insert_message(
        tx,
        org,
        &NewMessage {
            conversation_id: conv.id,
            channel_id: ch.id,
            remote_id: Some(&item.remote_id),
            parent_remote_id: item.parent_remote_id.as_deref(),
            direction: dir,
            author_name: if item.author.name.is_empty() {
                &item.author.handle
            } else {
                &item.author.name
            },
            author_handle: &item.author.handle,
            body: &item.text,
            user_id: None,
            reply_state: None,
            sent_at: item.at,
        },
        now,
    )
    .await?;
    if inserted.is_none() {
        return Ok(None);
    }
    if !outcome.labels.is_empty() {
        store::add_labels(tx, org, conv.id, &outcome.labels).await?;
    }
    if let Some(p) = outcome.priority
        && p > conv.priority
    {
        store::change(tx, org, conv.id, ConvChange::Priority(p), now).await?;
    }
    if conv.assignee_id.is_none()
        && let Some(u) = outcome.assign_to
    {
        store::change(tx, org, conv.id, ConvChange::Assignee(Some(UserId(u))), now).await?;
    }
    advance(tx, &conv, dir, item.at, &item.text, None, now).await?;
    Ok(Some(conv.id))
}

/// Moves a conversation's clock and list fields after a message; an answer
/// to a waiting patron is recorded for the reports.
async fn advance(
    tx: &mut Tx,
    conv: &Conversation,
    dir: Direction,
    at: Timestamp,
    text: &str,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<(), AppError> {
    let org = conv.org_id;
    let before = conv.clock();
    // An event older than what we know (delivered out of order) does not move
    // the clock backwards: a patron's old message only moves the first time.
    let late = at < conv.last_message_at && conv.first_in_at.is_some();
    let (mut clock, mut state) = dom::advance(&before, conv.state, dir, at);
    if late && dir == Direction::In {
        clock = before;
        state = conv.state;
        if before.first_in_at.is_none_or(|f| at < f) {
            clock.first_in_at = Some(at);
        }
    }
    if dir == Direction::Out && !late {
        let asked = match (before.first_out_at, before.waiting_since) {
            (None, _) => before.first_in_at.map(|a| (a, "first")),
            (Some(_), Some(w)) => Some((w, "next")),
            _ => None,
        };
        if let Some((asked_at, kind)) = asked {
            let hours = business_hours(tx, org).await?;
            let policy = store::settings(tx, org).await?.policy;
            let target = if kind == "first" {
                policy.first_response_mins
            } else {
                policy.next_response_mins
            };
            store::insert_response(
                tx,
                org,
                &store::ResponseRow {
                    conversation_id: conv.id,
                    channel_id: conv.channel_id,
                    user_id: by.map(|u| u.0),
                    kind: kind.into(),
                    asked_at: asked_at.0,
                    answered_at: at.0,
                    working_ms: hours.elapsed(asked_at, at),
                    target_ms: target.map(|m| m * 60_000),
                },
            )
            .await?;
        }
    }
    let newest = at >= conv.last_message_at;
    let preview: String = if newest {
        text.chars().take(140).collect()
    } else {
        conv.preview.clone()
    };
    store::progress(
        tx,
        org,
        conv.id,
        &store::ConvProgress {
            state,
            first_in_at: clock.first_in_at,
            first_out_at: clock.first_out_at,
            waiting_since: clock.waiting_since,
            last_message_at: if newest { at } else { conv.last_message_at },
            preview: &preview,
            unread: conv.unread || dir == Direction::In,
        },
        now,
    )
    .await?;
    if dir == Direction::In && conv.breach_flagged_at.is_some() && state == ConvState::Open {
        // A new wait is a new target.
        store::change(tx, org, conv.id, ConvChange::BreachFlagged(None), now).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The practice channel: patrons for training and the demo
// ---------------------------------------------------------------------------

/// What a trainer types as a patron on the practice channel.
#[derive(Debug, Clone, Default)]
pub struct PracticeInput {
    pub channel_id: i64,
    pub name: String,
    pub text: String,
    pub kind: String,
}

/// Files a patron's message on a practice channel, exactly as one from a
/// platform would be (rules, clock, notifications).
pub async fn practice_message(
    app: &App,
    actor: &Actor,
    input: &PracticeInput,
) -> Result<i64, AppError> {
    actor.require(Permission::Inbox)?;
    let mut p = siar_domain::validate::Problems::default();
    let name = input.name.trim();
    let text = input.text.trim();
    if name.is_empty() || name.chars().count() > 80 {
        p.push("name", "err-required");
    }
    if text.is_empty() || text.chars().count() > 2_000 {
        p.push("text", "err-required");
    }
    let kind = ConvKind::parse(&input.kind);
    if kind.is_none() {
        p.push("kind", "err-required");
    }
    let mut tx = app.store.begin().await?;
    let ch = siar_store::channels::get(&mut tx, actor.org, input.channel_id).await?;
    let ch = match ch {
        Some(c) if c.platform == Platform::Practice => Some(c),
        _ => {
            p.push("channel_id", "inbox-err-practice-channel");
            None
        }
    };
    if !p.is_empty() {
        return Err(AppError::Invalid(p));
    }
    let (Some(ch), Some(kind)) = (ch, kind) else {
        return Err(AppError::NotFound);
    };
    let now = app.now();
    let item = practice_item(&ch, kind, name, text, now, None);
    let id = file_item(&mut tx, &ch, &item, now)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(id)
}

/// A practice item; `thread` joins an earlier conversation.
pub(crate) fn practice_item(
    ch: &Channel,
    kind: ConvKind,
    name: &str,
    text: &str,
    at: Timestamp,
    thread: Option<&str>,
) -> InboundItem {
    let handle: String = dom::fold(name).trim().replace(' ', ".");
    let id = format!("practice-in-{}-{}", ch.id, uuid_like(at, text));
    InboundItem {
        kind,
        thread_key: thread.map_or_else(
            || match kind {
                ConvKind::Message => format!("dm:{handle}"),
                _ => id.clone(),
            },
            str::to_string,
        ),
        remote_id: id,
        parent_remote_id: None,
        remote_post_id: None,
        permalink: None,
        author: dom::Author {
            remote_id: format!("practice-{handle}"),
            handle,
            name: name.to_string(),
            profile_url: None,
        },
        text: text.to_string(),
        at,
        from_us: false,
        removed: false,
    }
}

fn uuid_like(at: Timestamp, text: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(at.0.to_le_bytes());
    h.update(text.as_bytes());
    h.update(rand::random::<[u8; 8]>());
    hex::encode(&h.finalize()[..10])
}

/// The demo's lively inbox on its practice channel: questions about opening
/// hours and e-books, a complaint, praise, a direct message; some answered.
pub(crate) async fn seed_demo(app: &App, org: OrgId, channel: i64) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    store::put_settings(
        &mut tx,
        org,
        &InboxSettings {
            catalogue_url: "https://katalog.perpustakaan.example/".into(),
            ..InboxSettings::default()
        },
        now,
    )
    .await?;
    let ch = siar_store::channels::get(&mut tx, org, channel)
        .await?
        .ok_or(AppError::NotFound)?;
    let min = |m: u64| now.minus(Duration::from_secs(m * 60));
    // (minutes ago, kind, name, text, answer: minutes ago and text)
    type DemoItem<'a> = (u64, ConvKind, &'a str, &'a str, Option<(u64, &'a str)>);
    let items: [DemoItem<'_>; 6] = [
        (
            26 * 60,
            ConvKind::Comment,
            "Sari Dewi",
            "Min, hari Minggu perpustakaan buka jam berapa ya?",
            Some((
                25 * 60,
                "Halo Kak Sari, hari Minggu perpustakaan tutup. Senin–Jumat 08.00–16.00 dan Sabtu 08.00–12.00. Sampai jumpa!",
            )),
        ),
        (
            20 * 60,
            ConvKind::Message,
            "Budi Santoso",
            "Saya kecewa, AC di ruang baca lantai 2 mati sejak kemarin dan panas sekali.",
            Some((
                19 * 60,
                "Mohon maaf atas ketidaknyamanannya, Pak Budi. Teknisi sudah kami hubungi dan AC diperbaiki hari ini.",
            )),
        ),
        (
            6 * 60,
            ConvKind::Comment,
            "Rina Marlina",
            "Terima kasih, dongeng Sabtu kemarin seru sekali! Anak saya senang 😍",
            None,
        ),
        (
            90,
            ConvKind::Comment,
            "Ahmad Fauzi",
            "Apakah ada e-book novel Laskar Pelangi yang bisa dipinjam?",
            None,
        ),
        (
            40,
            ConvKind::Mention,
            "SMP Negeri 9 Palembang",
            "Terima kasih @perpuskotaplg atas kunjungan perpustakaan keliling ke sekolah kami! #AyoMembaca",
            None,
        ),
        (
            15,
            ConvKind::Message,
            "Dewi Lestari",
            "Bagaimana cara daftar jadi anggota untuk anak SD?",
            None,
        ),
    ];
    for (ago, kind, name, text, answer) in items {
        let at = min(ago);
        let item = practice_item(&ch, kind, name, text, at, None);
        let Some(conv_id) = file_item(&mut tx, &ch, &item, now).await? else {
            continue;
        };
        if let Some((ago, reply)) = answer {
            let conv = store::conversation(&mut tx, org, conv_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let at = min(ago);
            let id = store::insert_message(
                &mut tx,
                org,
                &NewMessage {
                    conversation_id: conv_id,
                    channel_id: ch.id,
                    remote_id: Some(&format!("practice-out-demo-{conv_id}")),
                    parent_remote_id: None,
                    direction: Direction::Out,
                    author_name: &ch.name,
                    author_handle: &ch.handle,
                    body: reply,
                    user_id: None,
                    reply_state: Some(ReplyState::Sent),
                    sent_at: at,
                },
                now,
            )
            .await?;
            if id.is_some() {
                advance(&mut tx, &conv, Direction::Out, at, reply, None, now).await?;
                store::change(&mut tx, org, conv_id, ConvChange::Read(true), now).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The console: lists and one conversation
// ---------------------------------------------------------------------------

/// The list's filters as chosen in the console.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListQuery {
    /// open (default), waiting, resolved, all
    #[serde(default)]
    pub state: String,
    /// `mine`, `unassigned` or empty.
    #[serde(default)]
    pub who: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub label: String,
    /// `due` (due soon or overdue) or `overdue`.
    #[serde(default)]
    pub due: String,
}

/// One row of the list.
#[derive(Debug, Clone)]
pub struct ConvRow {
    pub conv: Conversation,
    pub channel: Option<Channel>,
    pub contact: Option<Contact>,
    pub sla: Option<SlaView>,
    pub assignee: Option<String>,
}

#[derive(Debug, Clone)]
pub struct InboxList {
    pub rows: Vec<ConvRow>,
    pub channels: Vec<Channel>,
    pub labels: Vec<String>,
    pub unread: i64,
}

pub async fn list(app: &App, actor: &Actor, q: &ListQuery) -> Result<InboxList, AppError> {
    actor.require(Permission::Inbox)?;
    let org = actor.org;
    let now = app.now();
    let mut f = ConvFilter {
        limit: 300,
        ..Default::default()
    };
    f.states = match q.state.as_str() {
        "all" => vec![],
        "" => vec![ConvState::Open, ConvState::Waiting],
        s => ConvState::parse(s).map(|s| vec![s]).unwrap_or_default(),
    };
    f.assignee = match q.who.as_str() {
        "mine" => Some(actor.user),
        "unassigned" => Some(None),
        _ => None,
    };
    f.channel_id = q.channel.parse().ok();
    f.label = (!q.label.trim().is_empty()).then(|| q.label.trim().to_lowercase());
    let mut tx = app.store.read().await?;
    let convs = store::list(&mut tx, org, &f).await?;
    let channels = siar_store::channels::list(&mut tx, org).await?;
    let labels = store::labels_in_use(&mut tx, org).await?;
    let unread = store::unread_count(&mut tx, org).await?;
    let staff = siar_store::org::users(&mut tx, org).await?;
    let hours = business_hours(&mut tx, org).await?;
    let policy = store::settings(&mut tx, org).await?.policy;
    let ids: Vec<i64> = convs.iter().filter_map(|c| c.contact_id).collect();
    let contacts = store::contacts(&mut tx, org, &ids).await?;
    tx.commit().await?;
    let mut rows = Vec::with_capacity(convs.len());
    for c in convs {
        let contact = c
            .contact_id
            .and_then(|id| contacts.iter().find(|k| k.id == id).cloned());
        let sla = policy.view(&c.clock(), &hours, now);
        let keep = match q.due.as_str() {
            "due" => sla.is_some_and(|v| !matches!(v.status, dom::SlaStatus::OnTrack { .. })),
            "overdue" => sla.is_some_and(|v| matches!(v.status, dom::SlaStatus::Breached { .. })),
            _ => true,
        };
        if !keep {
            continue;
        }
        rows.push(ConvRow {
            channel: channels.iter().find(|ch| ch.id == c.channel_id).cloned(),
            assignee: c
                .assignee_id
                .and_then(|a| staff.iter().find(|s| s.id.0 == a).map(|s| s.name.clone())),
            conv: c,
            contact,
            sla,
        });
    }
    Ok(InboxList {
        rows,
        channels,
        labels,
        unread,
    })
}

/// A saved reply suggested for the conversation, filled in.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct ConvDetail {
    pub conv: Conversation,
    pub channel: Channel,
    pub messages: Vec<Message>,
    pub contact: Option<Contact>,
    /// Earlier conversations with the same person.
    pub earlier: Vec<Conversation>,
    pub post: Option<siar_domain::publishing::Post>,
    pub sla: Option<SlaView>,
    pub suggestions: Vec<Suggestion>,
    pub saved: Vec<Suggestion>,
    pub staff: Vec<(i64, String)>,
    pub caps: dom::InboxCaps,
    pub reply_limit: usize,
    /// The user's replies wait for approval.
    pub needs_approval: bool,
    pub can_moderate: bool,
    pub rating: Option<store::Rating>,
}

/// One conversation; opening it marks it read.
pub async fn open(app: &App, actor: &Actor, id: i64) -> Result<ConvDetail, AppError> {
    actor.require(Permission::Inbox)?;
    let org = actor.org;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let conv = store::conversation(&mut tx, org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if conv.unread {
        store::change(&mut tx, org, id, ConvChange::Read(true), now).await?;
    }
    let channel = siar_store::channels::get(&mut tx, org, conv.channel_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let messages = store::messages(&mut tx, org, id).await?;
    let contact = match conv.contact_id {
        Some(c) => store::contact(&mut tx, org, c).await?,
        None => None,
    };
    let earlier = match conv.contact_id {
        Some(c) => store::list(
            &mut tx,
            org,
            &ConvFilter {
                contact_id: Some(c),
                limit: 20,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .filter(|e| e.id != id)
        .collect(),
        None => vec![],
    };
    let post = match conv.post_id {
        Some(p) => siar_store::publishing::get_post(&mut tx, org, p).await?,
        None => None,
    };
    let settings = store::settings(&mut tx, org).await?;
    let o = siar_store::org::org_by_id(&mut tx, org)
        .await?
        .ok_or(AppError::NotFound)?;
    let hours = BusinessHours::from_settings(&o.settings);
    let saved_rows = store::saved_replies(&mut tx, org).await?;
    let staff: Vec<(i64, String)> = siar_store::org::users(&mut tx, org)
        .await?
        .into_iter()
        .filter(|s| s.active && s.role.can(Permission::Inbox))
        .map(|s| (s.id.0, s.name))
        .collect();
    let rating = store::rating_of(&mut tx, org, id).await?;
    tx.commit().await?;
    let last_in = messages
        .iter()
        .rev()
        .find(|m| m.direction == Direction::In)
        .map(|m| m.body.clone())
        .unwrap_or_default();
    let name = contact
        .as_ref()
        .map(|c| first_name(&c.name))
        .unwrap_or_default();
    let hours_text = opening_line(app, &o.settings);
    let fill = |r: &SavedReply| Suggestion {
        title: r.title.clone(),
        text: dom::fill_reply(&r.body, &name, &hours_text, &settings.catalogue_url),
    };
    let topics: Vec<Vec<String>> = saved_rows.iter().map(|r| r.topics.clone()).collect();
    let suggestions = dom::suggest(&last_in, &topics, 3)
        .into_iter()
        .filter_map(|i| saved_rows.get(i).map(fill))
        .collect();
    let saved = saved_rows.iter().map(fill).collect();
    let p = channel.rules_platform();
    let caps = dom::inbox_caps(p);
    Ok(ConvDetail {
        sla: settings.policy.view(&conv.clock(), &hours, now),
        needs_approval: settings.approve_replies && !actor.role.can(Permission::ModerateInbox),
        can_moderate: actor.role.can(Permission::ModerateInbox),
        reply_limit: caps.reply_limit,
        caps,
        conv,
        channel,
        messages,
        contact,
        earlier,
        post,
        suggestions,
        saved,
        staff,
        rating,
    })
}

/// The acting person's name as staff see it (the CLI's label otherwise).
async fn actor_name(tx: &mut Tx, actor: &Actor) -> Result<String, StoreError> {
    Ok(match actor.user {
        Some(u) => siar_store::org::user(tx, actor.org, u)
            .await?
            .map(|s| s.name),
        None => None,
    }
    .unwrap_or_else(|| actor.label.clone()))
}

fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or("").to_string()
}

/// Opening hours as one line in the organisation's language, for `{jam_buka}`.
fn opening_line(app: &App, s: &siar_domain::org::OrgSettings) -> String {
    let lang = s.default_lang;
    let t = |k: &str| match &app.config.translate {
        Some(tr) => tr(lang, k, &[]),
        None => k.to_string(),
    };
    let names = siar_domain::org::OpeningHours::DAY_KEYS.map(t);
    dom::hours_line(&s.opening_hours, &names, &t("inbox-closed"))
}

// ---------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------

/// Answers in a conversation. The reply is checked against the platform's
/// limit before anything is stored; a contributor's reply waits for approval
/// when the organisation asks for it; otherwise a job sends it.
pub async fn reply(app: &App, actor: &Actor, conv_id: i64, text: &str) -> Result<i64, AppError> {
    actor.require(Permission::Inbox)?;
    let org = actor.org;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let conv = store::conversation(&mut tx, org, conv_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ch = siar_store::channels::get(&mut tx, org, conv.channel_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = ch.rules_platform();
    if !dom::inbox_caps(p).reply {
        return Err(AppError::field("text", "inbox-err-no-reply"));
    }
    dom::check_reply(p, text).map_err(|k| AppError::field("text", k))?;
    let settings = store::settings(&mut tx, org).await?;
    let wait = settings.approve_replies && !actor.role.can(Permission::ModerateInbox);
    let me = actor_name(&mut tx, actor).await?;
    let id = store::insert_message(
        &mut tx,
        org,
        &NewMessage {
            conversation_id: conv.id,
            channel_id: ch.id,
            remote_id: None,
            parent_remote_id: None,
            direction: Direction::Out,
            author_name: &me,
            author_handle: &ch.handle,
            body: text.trim(),
            user_id: actor.user,
            reply_state: Some(if wait {
                ReplyState::AwaitingApproval
            } else {
                ReplyState::Sending
            }),
            sent_at: now,
        },
        now,
    )
    .await?
    .ok_or_else(|| AppError::Internal("reply not stored".into()))?;
    if !wait {
        enqueue_reply(&mut tx, org, id, now).await?;
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::InboxReplied,
        "conversation",
        Some(conv.id.to_string()),
        format!("reply {id}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn enqueue_reply(tx: &mut Tx, org: OrgId, id: i64, now: Timestamp) -> Result<(), StoreError> {
    jobs::enqueue(
        tx,
        &NewJob {
            org_id: Some(org),
            kind: INBOX_REPLY.into(),
            payload: serde_json::json!({ "message": id }).to_string(),
            run_at: now,
            max_attempts: 8,
            dedup_key: Some(format!("{INBOX_REPLY}:{id}")),
        },
        now,
    )
    .await?;
    Ok(())
}

/// An editor approves a waiting reply (possibly changed), or sends a failed
/// one again (its text kept, possibly changed).
pub async fn send_again(
    app: &App,
    actor: &Actor,
    msg_id: i64,
    text: &str,
) -> Result<i64, AppError> {
    actor.require(Permission::Inbox)?;
    let org = actor.org;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let m = store::message(&mut tx, org, msg_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let from: &[ReplyState] = match m.reply_state {
        Some(ReplyState::AwaitingApproval) => {
            actor.require(Permission::ModerateInbox)?;
            &[ReplyState::AwaitingApproval]
        }
        Some(ReplyState::Failed) => {
            let settings = store::settings(&mut tx, org).await?;
            if settings.approve_replies && !actor.role.can(Permission::ModerateInbox) {
                return Err(AppError::Forbidden);
            }
            &[ReplyState::Failed]
        }
        _ => return Err(AppError::field("text", "inbox-err-not-resendable")),
    };
    let ch = siar_store::channels::get(&mut tx, org, m.channel_id)
        .await?
        .ok_or(AppError::NotFound)?;
    dom::check_reply(ch.rules_platform(), text).map_err(|k| AppError::field("text", k))?;
    if !store::queue_reply(&mut tx, org, msg_id, from, text.trim()).await? {
        return Err(AppError::field("text", "inbox-err-not-resendable"));
    }
    enqueue_reply(&mut tx, org, msg_id, now).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::InboxReplied,
        "conversation",
        Some(m.conversation_id.to_string()),
        format!("reply {msg_id} sent again"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(m.conversation_id)
}

pub struct SendReply;

#[derive(serde::Deserialize)]
struct ReplyPayload {
    message: i64,
}

impl JobHandler for SendReply {
    fn kind(&self) -> &'static str {
        INBOX_REPLY
    }

    fn run<'a>(&'a self, app: &'a App, job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let p: ReplyPayload = serde_json::from_str(&job.payload)
                .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
            let org = job
                .org_id
                .ok_or_else(|| JobError::Permanent("no organisation".into()))?;
            match send_reply(app, org, p.message).await {
                Ok(r) => r,
                Err(e) => Err(JobError::Retry(e.to_string())),
            }
        })
    }
}

async fn fail_reply(app: &App, org: OrgId, id: i64, why: &str) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    store::settle_reply(&mut tx, org, id, ReplyState::Failed, None, Some(why), None).await?;
    tx.commit().await?;
    Ok(())
}

/// Sends one queued reply, exactly once: the attempt is recorded before the
/// call; an attempt whose outcome is unknown is shown as failed with that
/// reason (the text kept), never sent blindly again.
async fn send_reply(app: &App, org: OrgId, id: i64) -> Result<Result<(), JobError>, AppError> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let Some(m) = store::message(&mut tx, org, id).await? else {
        return Ok(Ok(()));
    };
    if m.reply_state != Some(ReplyState::Sending) {
        return Ok(Ok(()));
    }
    if store::reply_attempted(&mut tx, org, id).await? {
        tx.rollback().await?;
        fail_reply(
            app,
            org,
            id,
            "an earlier attempt stopped before the platform answered; look at the thread on the platform before sending again",
        )
        .await?;
        return Ok(Ok(()));
    }
    let conv = store::conversation(&mut tx, org, m.conversation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ch = siar_store::channels::get(&mut tx, org, conv.channel_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = reply_target(&conv, &m, &mut tx, org).await?;
    if ch.platform == Platform::Practice {
        // The practice channel answers at once, inside Siar.
        store::claim_reply(&mut tx, org, id, now).await?;
        let remote = format!("practice-out-{id}");
        store::settle_reply(
            &mut tx,
            org,
            id,
            ReplyState::Sent,
            Some(&remote),
            None,
            Some(now),
        )
        .await?;
        advance(
            &mut tx,
            &conv,
            Direction::Out,
            now,
            &m.body,
            m.user_id.map(UserId),
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(Ok(()));
    }
    if ch.status != ChannelStatus::Connected {
        tx.commit().await?;
        return Ok(Err(JobError::RetryAt(
            now.plus(Duration::from_secs(600)),
            "the channel is not connected".into(),
        )));
    }
    let Some(conn) = app.channels.connector(ch.platform) else {
        tx.rollback().await?;
        fail_reply(
            app,
            org,
            id,
            "this platform is not configured in this deployment",
        )
        .await?;
        return Ok(Ok(()));
    };
    let acct = crate::channels::account(app, &mut tx, &ch).await?;
    if !store::claim_reply(&mut tx, org, id, now).await? {
        tx.commit().await?;
        return Ok(Ok(()));
    }
    tx.commit().await?;
    let ctx = app.channels.ctx(now);
    match conn.reply(&ctx, &acct, &target, &m.body).await {
        Ok(sent) => {
            let at = sent.at.unwrap_or_else(|| app.now());
            let mut tx = app.store.begin().await?;
            store::settle_reply(
                &mut tx,
                org,
                id,
                ReplyState::Sent,
                Some(&sent.remote_id),
                None,
                Some(at),
            )
            .await?;
            let conv = store::conversation(&mut tx, org, m.conversation_id)
                .await?
                .ok_or(AppError::NotFound)?;
            advance(
                &mut tx,
                &conv,
                Direction::Out,
                at,
                &m.body,
                m.user_id.map(UserId),
                app.now(),
            )
            .await?;
            tx.commit().await?;
            Ok(Ok(()))
        }
        Err(ConnectorError::RateLimited { retry_at, detail }) => {
            let mut tx = app.store.begin().await?;
            store::unclaim_reply(&mut tx, org, id).await?;
            tx.commit().await?;
            Ok(Err(JobError::RetryAt(retry_at, detail)))
        }
        Err(ConnectorError::Transient {
            detail,
            sent: false,
        }) => {
            let mut tx = app.store.begin().await?;
            store::unclaim_reply(&mut tx, org, id).await?;
            tx.commit().await?;
            Ok(Err(JobError::Retry(detail)))
        }
        Err(ConnectorError::Auth { detail }) => {
            crate::channels::needs_reconnect(app, org, ch.id, &detail).await?;
            fail_reply(app, org, id, &detail).await?;
            Ok(Ok(()))
        }
        Err(e) => {
            fail_reply(app, org, id, e.detail()).await?;
            Ok(Ok(()))
        }
    }
}

/// What a reply answers: the newest patron message of the thread.
async fn reply_target(
    conv: &Conversation,
    m: &Message,
    tx: &mut Tx,
    org: OrgId,
) -> Result<ReplyTo, AppError> {
    let msgs = store::messages(tx, org, conv.id).await?;
    let last_in = msgs
        .iter()
        .rev()
        .filter(|x| x.id != m.id && x.direction == Direction::In && x.remote_id.is_some())
        .find_map(|x| Some((x.remote_id.clone()?, x.author_handle.clone())));
    let (remote_id, author) = match last_in {
        Some((r, a)) => (r, Some(a)),
        None => (conv.thread_key.clone(), None),
    };
    Ok(ReplyTo {
        kind: conv.kind,
        thread_key: conv.thread_key.clone(),
        remote_id,
        remote_post_id: conv.remote_post_id.clone(),
        author,
    })
}

// ---------------------------------------------------------------------------
// Notes, assignment, labels, state, moderation
// ---------------------------------------------------------------------------

/// An internal note: stays in Siar.
pub async fn note(app: &App, actor: &Actor, conv_id: i64, text: &str) -> Result<(), AppError> {
    actor.require(Permission::Inbox)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 4_000 {
        return Err(AppError::field("note", "inbox-err-note"));
    }
    let org = actor.org;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let conv = store::conversation(&mut tx, org, conv_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = actor_name(&mut tx, actor).await?;
    store::insert_message(
        &mut tx,
        org,
        &NewMessage {
            conversation_id: conv.id,
            channel_id: conv.channel_id,
            remote_id: None,
            parent_remote_id: None,
            direction: Direction::Note,
            author_name: &me,
            author_handle: "",
            body: text,
            user_id: actor.user,
            reply_state: None,
            sent_at: now,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A staff change of a conversation.
#[derive(Debug, Clone)]
pub enum Change {
    Assign(Option<UserId>),
    Labels(String),
    State(ConvState),
    Priority(Priority),
}

pub async fn change(app: &App, actor: &Actor, conv_id: i64, c: Change) -> Result<(), AppError> {
    match &c {
        Change::Assign(Some(u)) if Some(*u) == actor.user => actor.require(Permission::Inbox)?,
        _ => actor.require(Permission::ModerateInbox)?,
    }
    let org = actor.org;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let conv = store::conversation(&mut tx, org, conv_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = match c {
        Change::Assign(u) => {
            if let Some(u) = u {
                let s = siar_store::org::user(&mut tx, org, u)
                    .await?
                    .filter(|s| s.active && s.role.can(Permission::Inbox))
                    .ok_or_else(|| AppError::field("assignee", "inbox-err-assignee"))?;
                store::change(&mut tx, org, conv_id, ConvChange::Assignee(Some(u)), now).await?;
                format!("assigned to {}", s.name)
            } else {
                store::change(&mut tx, org, conv_id, ConvChange::Assignee(None), now).await?;
                "unassigned".to_string()
            }
        }
        Change::Labels(text) => {
            let mut labels = Vec::new();
            for l in dom::split_phrases(&text.replace(' ', ",")) {
                let l = dom::check_label(&l).map_err(|k| AppError::field("labels", k))?;
                if !labels.contains(&l) {
                    labels.push(l);
                }
            }
            if labels.len() > 10 {
                return Err(AppError::field("labels", "inbox-err-labels-many"));
            }
            store::set_labels(&mut tx, org, conv_id, &labels).await?;
            format!("labels: {}", labels.join(", "))
        }
        Change::State(s) => {
            store::change(&mut tx, org, conv_id, ConvChange::State(s), now).await?;
            if s == ConvState::Resolved && conv.kind == ConvKind::Message {
                let settings = store::settings(&mut tx, org).await?;
                if settings.ask_rating {
                    let token = crate::secrets::random_token();
                    store::offer_rating(&mut tx, org, conv_id, &token, now).await?;
                }
            }
            format!("state: {}", s.as_str())
        }
        Change::Priority(p) => {
            store::change(&mut tx, org, conv_id, ConvChange::Priority(p), now).await?;
            format!("priority: {}", p.as_str())
        }
    };
    audit::record(
        &mut tx,
        actor,
        AuditAction::InboxChanged,
        "conversation",
        Some(conv_id.to_string()),
        summary,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Hides, likes or deletes a patron's message on the platform (where its API
/// allows), then records it.
pub async fn moderate(
    app: &App,
    actor: &Actor,
    msg_id: i64,
    action: Moderation,
) -> Result<i64, AppError> {
    actor.require(Permission::ModerateInbox)?;
    let org = actor.org;
    let now = app.now();
    let mut tx = app.store.read().await?;
    let m = store::message(&mut tx, org, msg_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let conv = store::conversation(&mut tx, org, m.conversation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ch = siar_store::channels::get(&mut tx, org, conv.channel_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let caps = dom::inbox_caps(ch.rules_platform());
    let allowed = match action {
        Moderation::Hide(_) => caps.hide,
        Moderation::Like(_) => caps.like,
        Moderation::Delete => caps.delete,
    };
    if !allowed || m.direction != Direction::In || conv.kind == ConvKind::Message {
        return Err(AppError::field("action", "inbox-err-moderation"));
    }
    let remote = m.remote_id.clone().ok_or(AppError::NotFound)?;
    if ch.platform != Platform::Practice {
        let conn = app
            .channels
            .connector(ch.platform)
            .ok_or_else(|| AppError::field("action", "inbox-err-moderation"))?;
        let acct = crate::channels::account(app, &mut tx, &ch).await?;
        tx.commit().await?;
        let target = ReplyTo {
            kind: conv.kind,
            thread_key: conv.thread_key.clone(),
            remote_id: remote,
            remote_post_id: conv.remote_post_id.clone(),
            author: Some(m.author_handle.clone()),
        };
        conn.moderate(&app.channels.ctx(now), &acct, &target, action)
            .await
            .map_err(|e| {
                tracing::warn!(channel = ch.id, "moderation refused: {e}");
                AppError::field("action", e.key())
            })?;
    } else {
        tx.commit().await?;
    }
    let flag = match action {
        Moderation::Hide(b) => store::MessageFlag::Hidden(b),
        Moderation::Like(b) => store::MessageFlag::Liked(b),
        Moderation::Delete => store::MessageFlag::Deleted,
    };
    let mut tx = app.store.begin().await?;
    store::flag_message(&mut tx, org, msg_id, flag).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::InboxModerated,
        "message",
        Some(msg_id.to_string()),
        format!("{action:?}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(conv.id)
}

/// Unread conversations (the menu's count) and the newest patron message's
/// id (grows when something new arrives, even if someone has already read it).
pub async fn pulse(app: &App, org: OrgId) -> Result<(i64, i64), AppError> {
    let mut tx = app.store.read().await?;
    let n = store::unread_count(&mut tx, org).await?;
    let latest = store::latest_inbound(&mut tx, org).await?;
    tx.commit().await?;
    Ok((n, latest))
}

// ---------------------------------------------------------------------------
// Settings, rules, saved replies
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct InboxAdmin {
    pub settings: InboxSettings,
    pub rules: Vec<(i64, Rule)>,
    pub saved: Vec<SavedReply>,
    pub channels: Vec<Channel>,
    pub staff: Vec<(i64, String)>,
}

pub async fn admin(app: &App, actor: &Actor) -> Result<InboxAdmin, AppError> {
    actor.require(Permission::Inbox)?;
    let org = actor.org;
    let mut tx = app.store.read().await?;
    let r = InboxAdmin {
        settings: store::settings(&mut tx, org).await?,
        rules: store::rules(&mut tx, org).await?,
        saved: store::saved_replies(&mut tx, org).await?,
        channels: siar_store::channels::list(&mut tx, org).await?,
        staff: siar_store::org::users(&mut tx, org)
            .await?
            .into_iter()
            .filter(|s| s.active)
            .map(|s| (s.id.0, s.name))
            .collect(),
    };
    tx.commit().await?;
    Ok(r)
}

/// The settings form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SettingsInput {
    #[serde(default)]
    pub first_response: String,
    #[serde(default)]
    pub next_response: String,
    #[serde(default)]
    pub resolution: String,
    #[serde(default)]
    pub warn: String,
    #[serde(default)]
    pub approve_replies: Option<String>,
    #[serde(default)]
    pub ask_rating: Option<String>,
    #[serde(default)]
    pub catalogue_url: String,
}

pub async fn save_settings(app: &App, actor: &Actor, i: &SettingsInput) -> Result<(), AppError> {
    actor.require(Permission::ManageInbox)?;
    let mut p = siar_domain::validate::Problems::default();
    let mins = |s: &str, field: &'static str, p: &mut siar_domain::validate::Problems| {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        match s.parse::<i64>() {
            Ok(v) if (1..=43_200).contains(&v) => Some(v),
            _ => {
                p.push(field, "inbox-err-sla-range");
                None
            }
        }
    };
    let first = mins(&i.first_response, "first_response", &mut p);
    let next = mins(&i.next_response, "next_response", &mut p);
    let resolution = mins(&i.resolution, "resolution", &mut p);
    let warn = match i.warn.trim() {
        "" => 30,
        w => match w.parse::<i64>() {
            Ok(v) if (0..=1_440).contains(&v) => v,
            _ => {
                p.push("warn", "inbox-err-sla-range");
                30
            }
        },
    };
    let url = i.catalogue_url.trim();
    if !url.is_empty() && siar_domain::links::check_target(url).is_err() {
        p.push("catalogue_url", "err-url");
    }
    if !p.is_empty() {
        return Err(AppError::Invalid(p));
    }
    let s = InboxSettings {
        policy: dom::SlaPolicy {
            first_response_mins: first,
            next_response_mins: next,
            resolution_mins: resolution,
            warn_mins: warn,
        },
        approve_replies: i.approve_replies.is_some(),
        ask_rating: i.ask_rating.is_some(),
        catalogue_url: url.to_string(),
    };
    let now = app.now();
    let mut tx = app.store.begin().await?;
    store::put_settings(&mut tx, actor.org, &s, now).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::InboxSettingsChanged,
        "inbox_settings",
        None,
        "response targets and options".into(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A rule as typed in the form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RuleInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phrases: String,
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub assign_to: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub enabled: Option<String>,
}

impl RuleInput {
    pub fn from_rule(r: &Rule) -> Self {
        Self {
            name: r.name.clone(),
            phrases: r.phrases.join(", "),
            channel_id: r.channel_id.map(|c| c.to_string()).unwrap_or_default(),
            author: r.author.clone().unwrap_or_default(),
            kind: r.kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
            label: r.label.clone().unwrap_or_default(),
            assign_to: r.assign_to.map(|c| c.to_string()).unwrap_or_default(),
            priority: r
                .priority
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            enabled: r.enabled.then(|| "on".to_string()),
        }
    }

    fn rule(&self) -> Rule {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        Rule {
            name: self.name.trim().to_string(),
            phrases: dom::split_phrases(&self.phrases),
            channel_id: self.channel_id.trim().parse().ok(),
            author: opt(&self.author).map(|a| a.trim_start_matches('@').to_string()),
            kind: ConvKind::parse(self.kind.trim()),
            label: opt(&self.label).map(|l| l.to_lowercase()),
            assign_to: self.assign_to.trim().parse().ok(),
            priority: Priority::parse(self.priority.trim()),
            enabled: self.enabled.is_some(),
        }
    }
}

/// Creates (`id` = None) or changes a rule.
pub async fn save_rule(
    app: &App,
    actor: &Actor,
    id: Option<i64>,
    i: &RuleInput,
) -> Result<(), AppError> {
    actor.require(Permission::ManageInbox)?;
    let rule = i.rule();
    rule.check().map_err(|k| {
        let field = match k {
            "inbox-err-rule-name" => "name",
            "inbox-err-label" => "label",
            "inbox-err-rule-phrases" | "inbox-err-rule-condition" => "phrases",
            _ => "label",
        };
        AppError::field(field, k)
    })?;
    let org = actor.org;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    if let Some(c) = rule.channel_id
        && siar_store::channels::get(&mut tx, org, c).await?.is_none()
    {
        return Err(AppError::field("channel_id", "inbox-err-channel"));
    }
    if let Some(u) = rule.assign_to
        && siar_store::org::user(&mut tx, org, UserId(u))
            .await?
            .is_none()
    {
        return Err(AppError::field("assign_to", "inbox-err-assignee"));
    }
    match id {
        Some(id) => {
            if !store::update_rule(&mut tx, org, id, &rule, now).await? {
                return Err(AppError::NotFound);
            }
        }
        None => {
            let n = store::rules(&mut tx, org).await?.len() as i64;
            store::insert_rule(&mut tx, org, &rule, n, now).await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::InboxSettingsChanged,
        "inbox_rule",
        id.map(|i| i.to_string()),
        format!("rule: {}", rule.name),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_rule(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    crate::studio::remove_owned(
        app,
        actor,
        Permission::ManageInbox,
        siar_store::studio::Owned::InboxRule,
        AuditAction::InboxSettingsChanged,
        "inbox_rule",
        id,
    )
    .await
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SavedInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub topics: String,
}

pub async fn save_saved_reply(
    app: &App,
    actor: &Actor,
    id: Option<i64>,
    i: &SavedInput,
) -> Result<(), AppError> {
    actor.require(Permission::ManageInbox)?;
    dom::check_saved_reply(&i.title, &i.body).map_err(|k| {
        let field = if k == "inbox-err-saved-title" {
            "title"
        } else {
            "body"
        };
        AppError::field(field, k)
    })?;
    if i.topics.chars().count() > 1_000 {
        return Err(AppError::field("topics", "inbox-err-rule-phrases"));
    }
    let org = actor.org;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (t, b, topics) = (i.title.trim(), i.body.trim(), i.topics.trim());
    match id {
        Some(id) => {
            if !store::update_saved_reply(&mut tx, org, id, t, b, topics, now).await? {
                return Err(AppError::NotFound);
            }
        }
        None => {
            store::insert_saved_reply(&mut tx, org, t, b, topics, now).await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::InboxSettingsChanged,
        "saved_reply",
        id.map(|i| i.to_string()),
        format!("saved reply: {t}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_saved_reply(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    crate::studio::remove_owned(
        app,
        actor,
        Permission::ManageInbox,
        siar_store::studio::Owned::SavedReply,
        AuditAction::InboxSettingsChanged,
        "saved_reply",
        id,
    )
    .await
}

/// Gives a new organisation the shipped rules and saved replies (once).
pub(crate) async fn seed_defaults(
    tx: &mut Tx,
    org: OrgId,
    now: Timestamp,
) -> Result<(), StoreError> {
    if store::rules(tx, org).await?.is_empty() {
        for (i, r) in dom::default_rules().iter().enumerate() {
            store::insert_rule(tx, org, r, i as i64, now).await?;
        }
    }
    if store::saved_replies(tx, org).await?.is_empty() {
        for (t, b, topics) in dom::default_saved_replies() {
            store::insert_saved_reply(tx, org, t, b, topics, now).await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ReportGroup {
    pub name: String,
    pub stats: dom::ResponseStats,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub from: Timestamp,
    pub to: Timestamp,
    pub first: dom::ResponseStats,
    pub next: dom::ResponseStats,
    pub by_staff: Vec<ReportGroup>,
    pub by_channel: Vec<ReportGroup>,
    /// Week starting date (organisation's zone) → first-response figures.
    pub by_week: Vec<ReportGroup>,
    pub ratings: usize,
    pub rating_mean: Option<f64>,
    pub rating_counts: [usize; 5],
    pub comments: Vec<(i64, String)>,
}

/// Response times and satisfaction for answers given in `[from, to)`.
pub async fn report(
    app: &App,
    actor: &Actor,
    from: Timestamp,
    to: Timestamp,
) -> Result<Report, AppError> {
    actor.require(Permission::ViewReports)?;
    if to <= from {
        return Err(AppError::field("from", "err-range"));
    }
    let org = actor.org;
    let mut tx = app.store.read().await?;
    let rows = store::responses(&mut tx, org, from, to).await?;
    let ratings = store::ratings(&mut tx, org, from, to).await?;
    let staff = siar_store::org::users(&mut tx, org).await?;
    let channels = siar_store::channels::list(&mut tx, org).await?;
    let o = siar_store::org::org_by_id(&mut tx, org)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let target = |kind: &str| {
        rows.iter()
            .filter(|r| r.kind == kind)
            .find_map(|r| r.target_ms)
    };
    let stats = |f: &dyn Fn(&store::ResponseRow) -> bool, kind: &str| {
        let v: Vec<i64> = rows
            .iter()
            .filter(|r| r.kind == kind && f(r))
            .map(|r| r.working_ms)
            .collect();
        dom::response_stats(&v, target(kind))
    };
    let mut by_staff: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut by_channel: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut by_week: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.kind == "first") {
        let who = r
            .user_id
            .and_then(|u| staff.iter().find(|s| s.id.0 == u).map(|s| s.name.clone()))
            .unwrap_or_else(|| "—".into());
        by_staff.entry(who).or_default().push(r.working_ms);
        let ch = channels
            .iter()
            .find(|c| c.id == r.channel_id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| r.channel_id.to_string());
        by_channel.entry(ch).or_default().push(r.working_ms);
        let local = Timestamp(r.answered_at)
            .to_utc()
            .with_timezone(&o.settings.timezone)
            .date_naive();
        use chrono::Datelike;
        let monday =
            local - chrono::Duration::days(i64::from(local.weekday().num_days_from_monday()));
        by_week
            .entry(monday.format("%Y-%m-%d").to_string())
            .or_default()
            .push(r.working_ms);
    }
    let t = target("first");
    let group = |m: BTreeMap<String, Vec<i64>>| {
        m.into_iter()
            .map(|(name, v)| ReportGroup {
                name,
                stats: dom::response_stats(&v, t),
            })
            .collect::<Vec<_>>()
    };
    let scored: Vec<i64> = ratings.iter().filter_map(|r| r.score).collect();
    let mut counts = [0usize; 5];
    for s in &scored {
        if let Ok(i) = usize::try_from(s - 1)
            && i < 5
        {
            counts[i] += 1;
        }
    }
    Ok(Report {
        from,
        to,
        first: stats(&|_| true, "first"),
        next: stats(&|_| true, "next"),
        by_staff: group(by_staff),
        by_channel: group(by_channel),
        by_week: group(by_week),
        ratings: scored.len(),
        rating_mean: (!scored.is_empty())
            .then(|| scored.iter().sum::<i64>() as f64 / scored.len() as f64),
        rating_counts: counts,
        comments: ratings
            .iter()
            .filter(|r| !r.comment.is_empty())
            .filter_map(|r| r.score.map(|s| (s, r.comment.clone())))
            .collect(),
    })
}

/// The report as CSV (formulas neutralised). `header` names the six columns;
/// `groups` names the overall, staff, channel and week groups; `first` and
/// `next` name the two overall rows.
pub fn report_csv(
    rep: &Report,
    header: &[String; 6],
    groups: &[String; 4],
    first: &str,
    next: &str,
) -> Result<String, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record(header.iter().map(|h| crate::audit::neutralise(h)))
        .map_err(err)?;
    let mut line = |group: &str, name: &str, s: &dom::ResponseStats| {
        let mins = |v: Option<i64>| v.map(|ms| (ms / 60_000).to_string()).unwrap_or_default();
        w.write_record([
            crate::audit::neutralise(group),
            crate::audit::neutralise(name),
            s.count.to_string(),
            mins(s.mean_ms),
            mins(s.median_ms),
            s.within.map(|x| format!("{x:.3}")).unwrap_or_default(),
        ])
        .map_err(err)
    };
    line(&groups[0], first, &rep.first)?;
    line(&groups[0], next, &rep.next)?;
    for (g, rows) in [
        (&groups[1], &rep.by_staff),
        (&groups[2], &rep.by_channel),
        (&groups[3], &rep.by_week),
    ] {
        for r in rows {
            line(g, &r.name, &r.stats)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

// ---------------------------------------------------------------------------
// Satisfaction (portal)
// ---------------------------------------------------------------------------

/// The rating form of a token: the library's name, and the score if given.
pub async fn rating_page(app: &App, token: &str) -> Result<(String, Option<i64>), AppError> {
    let mut tx = app.store.read().await?;
    let r = store::rating_by_token(&mut tx, token)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = siar_store::org::org_by_id(&mut tx, OrgId(r.org_id))
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((o.settings.name, r.score))
}

pub async fn rate(app: &App, token: &str, score: i64, comment: &str) -> Result<(), AppError> {
    dom::check_rating(score, comment).map_err(|k| AppError::field("score", k))?;
    let mut tx = app.store.begin().await?;
    if !store::rate(&mut tx, token, score, comment.trim(), app.now()).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// The portal address of a conversation's rating form, when one was offered.
pub fn rating_url(app: &App, token: &str) -> String {
    format!(
        "{}/nilai/{token}",
        app.config.public_url.trim_end_matches('/')
    )
}

// ---------------------------------------------------------------------------
// Polling, targets, retention
// ---------------------------------------------------------------------------

pub struct Poll;

impl JobHandler for Poll {
    fn kind(&self) -> &'static str {
        INBOX_POLL
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let r = poll_round(app).await;
            // The next round, whatever happened in this one.
            if let Err(e) = ensure_poll(app, app.now().plus(POLL_EVERY)).await {
                tracing::warn!("could not plan the next inbox round: {e}");
            }
            r.map_err(|e| JobError::Retry(e.to_string()))
        })
    }
}

/// Plans the poll job (once; the dedup key keeps a single one queued).
pub async fn ensure_poll(app: &App, at: Timestamp) -> Result<(), AppError> {
    crate::jobs::ensure_round(app, INBOX_POLL, at).await
}

/// One round: files events a webhook left behind, reads each polled channel,
/// flags passed targets, deletes raw events past retention. X is read only
/// when its webhooks are not configured (no consumer secret): its deliveries
/// bring the mentions, and X bills every read.
pub async fn poll_round(app: &App) -> Result<(), AppError> {
    file_pending(app).await?;
    let x_hooks = !app.config.platforms.x_consumer_secret.is_empty();
    let polled: Vec<Platform> = POLLED
        .into_iter()
        .filter(|p| !(x_hooks && *p == Platform::X))
        .collect();
    let mut tx = app.store.read().await?;
    let chans = siar_store::channels::connected_of(&mut tx, &polled).await?;
    tx.commit().await?;
    for ch in chans {
        if let Err(e) = poll_channel(app, &ch).await {
            tracing::warn!(channel = ch.id, "inbox poll failed: {e}");
        }
    }
    flag_breaches(app).await?;
    let keep = Duration::from_secs(u64::from(app.config.raw_event_days.max(1)) * 86_400);
    let mut tx = app.store.begin().await?;
    store::purge_events(&mut tx, app.now().minus(keep)).await?;
    tx.commit().await?;
    Ok(())
}

const NOTIFICATIONS: &str = "notifications";

/// The least time between two polls of a channel, within each platform's
/// quota: YouTube's list calls come out of 10,000 units a day shared with
/// publishing (15 minutes: 96 units a day); X bills reads (5 minutes).
fn poll_interval(p: Platform) -> Duration {
    match p {
        Platform::YouTube => Duration::from_secs(15 * 60),
        Platform::X => Duration::from_secs(5 * 60),
        _ => Duration::ZERO,
    }
}

/// Reads one channel from its cursor; items are filed and the new cursor
/// stored in one transaction, so a restart neither misses nor repeats.
/// Returns how many new messages were filed.
pub async fn poll_channel(app: &App, ch: &Channel) -> Result<usize, AppError> {
    let Some(conn) = app.channels.connector(ch.platform) else {
        return Ok(0);
    };
    if ch.throttled_until.is_some_and(|t| t > app.now()) {
        return Ok(0);
    }
    let mut tx = app.store.read().await?;
    let acct = crate::channels::account(app, &mut tx, ch).await?;
    let stored = store::cursor(&mut tx, ch.id, NOTIFICATIONS).await?;
    tx.commit().await?;
    if let Some((_, at)) = &stored
        && at.plus(poll_interval(ch.platform)) > app.now()
    {
        return Ok(0);
    }
    // An empty position: polled before, nothing seen yet.
    let cursor = stored.map(|(c, _)| c).filter(|c| !c.is_empty());
    let ctx = app.channels.ctx(app.now());
    let polled = match conn.poll_inbox(&ctx, &acct, cursor.as_deref()).await {
        Ok(p) => p,
        Err(ConnectorError::Auth { detail }) => {
            crate::channels::needs_reconnect(app, ch.org_id, ch.id, &detail).await?;
            return Ok(0);
        }
        Err(ConnectorError::RateLimited { retry_at, .. }) => {
            let mut tx = app.store.begin().await?;
            siar_store::channels::set_throttled_until(&mut tx, ch.id, Some(retry_at)).await?;
            tx.commit().await?;
            return Ok(0);
        }
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let mut n = 0;
    for item in &polled.items {
        if file_item(&mut tx, ch, item, now).await?.is_some() {
            n += 1;
        }
    }
    // Stored even when nothing was seen: it also records when this poll was.
    let position = polled.cursor.unwrap_or_default();
    store::set_cursor(&mut tx, ch.id, NOTIFICATIONS, &position, now).await?;
    tx.commit().await?;
    Ok(n)
}

/// Flags conversations whose current target has passed, once, and tells the
/// assignee (or the moderators and editors when nobody is assigned).
pub async fn flag_breaches(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let mut tx = app.store.read().await?;
    let open = store::unflagged_open(&mut tx, 1_000).await?;
    tx.commit().await?;
    let mut by_org: BTreeMap<i64, Vec<Conversation>> = BTreeMap::new();
    for c in open {
        by_org.entry(c.org_id.0).or_default().push(c);
    }
    let mut flagged = 0;
    for (org, convs) in by_org {
        let org = OrgId(org);
        let mut tx = app.store.begin().await?;
        let hours = business_hours(&mut tx, org).await?;
        let policy = store::settings(&mut tx, org).await?.policy;
        let staff = siar_store::org::users(&mut tx, org).await?;
        for c in convs {
            let Some(v) = policy.view(&c.clock(), &hours, now) else {
                continue;
            };
            if !matches!(v.status, dom::SlaStatus::Breached { .. }) {
                continue;
            }
            store::change(
                &mut tx,
                org,
                c.id,
                ConvChange::BreachFlagged(Some(now)),
                now,
            )
            .await?;
            let to: Vec<UserId> = match c.assignee_id {
                Some(a) => vec![UserId(a)],
                None => staff
                    .iter()
                    .filter(|s| s.active && s.role.can(Permission::ModerateInbox))
                    .map(|s| s.id)
                    .collect(),
            };
            let preview: String = c.preview.chars().take(80).collect();
            crate::studio::notify_all(
                app,
                &mut tx,
                org,
                &to,
                "notif-inbox-overdue",
                &[("preview", preview)],
                &format!("/app/kotak-masuk/{}", c.id),
                now,
            )
            .await?;
            flagged += 1;
        }
        tx.commit().await?;
    }
    Ok(flagged)
}
