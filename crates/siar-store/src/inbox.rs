//! The unified inbox's storage: raw webhook events, contacts, conversations with
//! their labels and messages, polling cursors, rules, saved replies, settings,
//! response records and satisfaction ratings.

use crate::db::{Count, StoreError, Tx};
use sea_query::{Cond, Expr, ExprTrait, Iden, OnConflict, Order, Query, SelectStatement};
use siar_domain::Timestamp;
use siar_domain::inbox::{
    Author, Contact, ConvKind, ConvState, Conversation, Direction, InboxSettings, Message,
    Priority, ReplyState, Rule, SavedReply, SlaPolicy,
};
use siar_domain::org::{OrgId, UserId};
use std::collections::BTreeMap;

#[derive(Iden, Clone, Copy)]
enum InboxEvents {
    Table,
    Id,
    Platform,
    EventId,
    Account,
    Body,
    ReceivedAt,
    ProcessedAt,
    Outcome,
}

#[derive(Iden, Clone, Copy)]
enum InboxContacts {
    Table,
    Id,
    OrgId,
    ChannelId,
    RemoteId,
    Handle,
    Name,
    ProfileUrl,
    FirstSeen,
    LastSeen,
}

#[derive(Iden, Clone, Copy)]
enum Conversations {
    Table,
    Id,
    OrgId,
    ChannelId,
    Kind,
    ThreadKey,
    RemotePostId,
    PostId,
    Permalink,
    ContactId,
    State,
    Priority,
    AssigneeId,
    FirstInAt,
    FirstOutAt,
    WaitingSince,
    LastMessageAt,
    Preview,
    Unread,
    BreachFlaggedAt,
    ResolvedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
enum ConversationLabels {
    Table,
    ConversationId,
    OrgId,
    Label,
}

#[derive(Iden, Clone, Copy)]
enum InboxMessages {
    Table,
    Id,
    OrgId,
    ConversationId,
    ChannelId,
    RemoteId,
    ParentRemoteId,
    Direction,
    AuthorName,
    AuthorHandle,
    Body,
    UserId,
    ReplyState,
    ReplyError,
    AttemptAt,
    Hidden,
    Liked,
    Deleted,
    SentAt,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
enum InboxCursors {
    Table,
    ChannelId,
    Stream,
    Position,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
enum InboxRules {
    Table,
    Id,
    OrgId,
    Position,
    Rule,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
enum SavedReplies {
    Table,
    Id,
    OrgId,
    Title,
    Body,
    Topics,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
enum InboxSettingsT {
    #[iden = "inbox_settings"]
    Table,
    OrgId,
    FirstResponseMins,
    NextResponseMins,
    ResolutionMins,
    WarnMins,
    ApproveReplies,
    AskRating,
    CatalogueUrl,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
enum InboxResponses {
    Table,
    OrgId,
    ConversationId,
    ChannelId,
    UserId,
    Kind,
    AskedAt,
    AnsweredAt,
    WorkingMs,
    TargetMs,
}

#[derive(Iden, Clone, Copy)]
enum InboxRatings {
    Table,
    Id,
    OrgId,
    ConversationId,
    Token,
    Score,
    Comment,
    CreatedAt,
    RatedAt,
}

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

// ---------------------------------------------------------------------------
// Raw events
// ---------------------------------------------------------------------------

/// One raw event as received.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub platform: &'a str,
    pub event_id: &'a str,
    pub account: &'a str,
    pub body: &'a str,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RawEvent {
    pub id: i64,
    pub platform: String,
    pub event_id: String,
    pub account: String,
    pub body: String,
    pub received_at: i64,
}

/// Stores events not seen before (unique by platform and event id) in one
/// statement; returns how many were new.
pub async fn insert_events(
    tx: &mut Tx,
    events: &[NewEvent<'_>],
    now: Timestamp,
) -> Result<u64, StoreError> {
    if events.is_empty() {
        return Ok(0);
    }
    let mut q = Query::insert()
        .into_table(InboxEvents::Table)
        .columns([
            InboxEvents::Platform,
            InboxEvents::EventId,
            InboxEvents::Account,
            InboxEvents::Body,
            InboxEvents::ReceivedAt,
        ])
        .to_owned();
    for e in events {
        q.values_panic([
            e.platform.into(),
            e.event_id.into(),
            e.account.into(),
            e.body.into(),
            now.0.into(),
        ]);
    }
    q.on_conflict(
        OnConflict::columns([InboxEvents::Platform, InboxEvents::EventId])
            .do_nothing()
            .to_owned(),
    );
    Ok(tx.exec(&q).await?)
}

/// Stores webhook events not stored before and, when any is new, queues
/// `job` (deduplicated as [`crate::jobs::enqueue`] does) to file them.
/// Returns how many were new.
///
/// Each statement commits on its own (no BEGIN/COMMIT round trips: requests
/// wait on this): on PostgreSQL the events and the job are one statement; on
/// SQLite the events are one statement per 2,000 and the job another, which
/// stands on its own (stored events a lost job leaves are filed by the inbox
/// round every minute).
pub async fn store_events(
    tx: &mut Tx,
    events: &[NewEvent<'_>],
    now: Timestamp,
    job: &siar_domain::jobs::NewJob,
) -> Result<u64, StoreError> {
    if events.is_empty() {
        return Ok(0);
    }
    // These statements take their rows in one order, but a transaction that
    // stored events in earlier statements can still close a cycle with one;
    // PostgreSQL then undoes one statement, which (outside a transaction)
    // simply runs again.
    let retries = if tx.is_autocommit() { 3 } else { 0 };
    if let Some(pg) = tx.postgres() {
        let mut tries = 0;
        loop {
            match store_events_pg(pg, events, now, job).await {
                Err(e) if e.is_deadlock() && tries < retries => tries += 1,
                other => return other,
            }
        }
    }
    let mut new = 0;
    for chunk in events.chunks(2_000) {
        new += insert_events(tx, chunk, now).await?;
    }
    if new > 0 {
        crate::jobs::enqueue(tx, job, now).await?;
    }
    Ok(new)
}

/// One statement: the events from arrays (one prepared statement whatever
/// their number), then the job when any event was new, and the workers'
/// wake-up when the job was queued (delivered at the statement's commit).
/// The job's columns are those [`crate::jobs::enqueue`] writes.
const PG_STORE_EVENTS: &str = "WITH new AS (
    INSERT INTO inbox_events (platform, event_id, account, body, received_at)
    SELECT p, e, a, b, $5 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t (p, e, a, b, n)
    ORDER BY n
    ON CONFLICT (platform, event_id) DO NOTHING
    RETURNING 1
), job AS (
    INSERT INTO jobs (org_id, kind, payload, state, attempts, max_attempts, run_at, dedup_key, created_at, updated_at)
    SELECT $6, $7, $8, $9, 0, $10, $11, $12, $5, $5 WHERE EXISTS (SELECT 1 FROM new)
    ON CONFLICT DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM new) AS stored,
    CASE WHEN EXISTS (SELECT 1 FROM job) THEN pg_notify('siar_jobs', current_schema()) END::text AS woken";

async fn store_events_pg(
    pg: &mut sqlx::PgConnection,
    events: &[NewEvent<'_>],
    now: Timestamp,
    job: &siar_domain::jobs::NewJob,
) -> Result<u64, StoreError> {
    // Rows are taken in key order (then the job's), whoever writes: two
    // statements holding the same repeated events then wait one for the
    // other, never each for the other.
    let mut sorted: Vec<&NewEvent<'_>> = events.iter().collect();
    sorted.sort_unstable_by_key(|e| (e.platform, e.event_id));
    let platforms: Vec<&str> = sorted.iter().map(|e| e.platform).collect();
    let ids: Vec<&str> = sorted.iter().map(|e| e.event_id).collect();
    let accounts: Vec<&str> = sorted.iter().map(|e| e.account).collect();
    let bodies: Vec<&str> = sorted.iter().map(|e| e.body).collect();
    let (stored,): (i64,) = sqlx::query_as(PG_STORE_EVENTS)
        .bind(platforms)
        .bind(ids)
        .bind(accounts)
        .bind(bodies)
        .bind(now.0)
        .bind(job.org_id.map(|o| o.0))
        .bind(&job.kind)
        .bind(&job.payload)
        .bind(siar_domain::jobs::JobState::Queued.as_str())
        .bind(i32::try_from(Ord::max(job.max_attempts, 1)).unwrap_or(i32::MAX))
        .bind(job.run_at.0)
        .bind(&job.dedup_key)
        .fetch_one(pg)
        .await?;
    Ok(u64::try_from(stored).unwrap_or(0))
}

/// Events not yet turned into messages, oldest first.
pub async fn pending_events(tx: &mut Tx, limit: u64) -> Result<Vec<RawEvent>, StoreError> {
    let q = Query::select()
        .columns([
            InboxEvents::Id,
            InboxEvents::Platform,
            InboxEvents::EventId,
            InboxEvents::Account,
            InboxEvents::Body,
            InboxEvents::ReceivedAt,
        ])
        .from(InboxEvents::Table)
        .and_where(Expr::col(InboxEvents::ProcessedAt).is_null())
        .order_by(InboxEvents::Id, Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

pub async fn mark_event(
    tx: &mut Tx,
    id: i64,
    outcome: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(InboxEvents::Table)
        .values([
            (InboxEvents::ProcessedAt, now.0.into()),
            (InboxEvents::Outcome, outcome.into()),
        ])
        .and_where(Expr::col(InboxEvents::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Deletes raw events filed before `before` (read through the pending index).
pub async fn purge_events(tx: &mut Tx, before: Timestamp) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(InboxEvents::Table)
        .and_where(Expr::col(InboxEvents::ProcessedAt).is_not_null())
        .and_where(Expr::col(InboxEvents::ProcessedAt).lt(before.0))
        .to_owned();
    Ok(tx.exec(&q).await?)
}

/// How many raw events are stored (for tests and the benchmark).
pub async fn count_events(tx: &mut Tx) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(InboxEvents::Id).count(), "n")
        .from(InboxEvents::Table)
        .to_owned();
    Ok(tx.fetch_one::<Count, _>(&q).await?.n)
}

// ---------------------------------------------------------------------------
// Contacts
// ---------------------------------------------------------------------------

/// The contact for an author on a channel, created or brought up to date.
pub async fn upsert_contact(
    tx: &mut Tx,
    org: OrgId,
    channel_id: i64,
    a: &Author,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(InboxContacts::Table)
        .columns([
            InboxContacts::OrgId,
            InboxContacts::ChannelId,
            InboxContacts::RemoteId,
            InboxContacts::Handle,
            InboxContacts::Name,
            InboxContacts::ProfileUrl,
            InboxContacts::FirstSeen,
            InboxContacts::LastSeen,
        ])
        .values_panic([
            org.0.into(),
            channel_id.into(),
            a.remote_id.as_str().into(),
            a.handle.as_str().into(),
            a.name.as_str().into(),
            a.profile_url.clone().into(),
            now.0.into(),
            now.0.into(),
        ])
        .on_conflict(
            OnConflict::columns([InboxContacts::ChannelId, InboxContacts::RemoteId])
                .update_columns([
                    InboxContacts::Handle,
                    InboxContacts::Name,
                    InboxContacts::ProfileUrl,
                    InboxContacts::LastSeen,
                ])
                .to_owned(),
        )
        .returning_col(InboxContacts::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

#[derive(sqlx::FromRow)]
struct ContactRw {
    id: i64,
    channel_id: i64,
    remote_id: String,
    handle: String,
    name: String,
    profile_url: Option<String>,
    first_seen: i64,
    last_seen: i64,
}

impl From<ContactRw> for Contact {
    fn from(r: ContactRw) -> Self {
        Contact {
            id: r.id,
            channel_id: r.channel_id,
            remote_id: r.remote_id,
            handle: r.handle,
            name: r.name,
            profile_url: r.profile_url,
            first_seen: Timestamp(r.first_seen),
            last_seen: Timestamp(r.last_seen),
        }
    }
}

const CONTACT_COLS: [InboxContacts; 8] = [
    InboxContacts::Id,
    InboxContacts::ChannelId,
    InboxContacts::RemoteId,
    InboxContacts::Handle,
    InboxContacts::Name,
    InboxContacts::ProfileUrl,
    InboxContacts::FirstSeen,
    InboxContacts::LastSeen,
];

pub async fn contact(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Contact>, StoreError> {
    Ok(contacts(tx, org, &[id]).await?.into_iter().next())
}

/// Several contacts in one read (the inbox list).
pub async fn contacts(tx: &mut Tx, org: OrgId, ids: &[i64]) -> Result<Vec<Contact>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(CONTACT_COLS)
        .from(InboxContacts::Table)
        .and_where(Expr::col(InboxContacts::OrgId).eq(org.0))
        .and_where(Expr::col(InboxContacts::Id).is_in(ids.iter().copied()))
        .to_owned();
    Ok(tx
        .fetch_all::<ContactRw, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

// ---------------------------------------------------------------------------
// Conversations
// ---------------------------------------------------------------------------

const CONV_COLS: [Conversations; 22] = [
    Conversations::Id,
    Conversations::OrgId,
    Conversations::ChannelId,
    Conversations::Kind,
    Conversations::ThreadKey,
    Conversations::RemotePostId,
    Conversations::PostId,
    Conversations::Permalink,
    Conversations::ContactId,
    Conversations::State,
    Conversations::Priority,
    Conversations::AssigneeId,
    Conversations::FirstInAt,
    Conversations::FirstOutAt,
    Conversations::WaitingSince,
    Conversations::LastMessageAt,
    Conversations::Preview,
    Conversations::Unread,
    Conversations::BreachFlaggedAt,
    Conversations::ResolvedAt,
    Conversations::CreatedAt,
    Conversations::UpdatedAt,
];

#[derive(sqlx::FromRow)]
struct ConvRw {
    id: i64,
    org_id: i64,
    channel_id: i64,
    kind: String,
    thread_key: String,
    remote_post_id: Option<String>,
    post_id: Option<i64>,
    permalink: Option<String>,
    contact_id: Option<i64>,
    state: String,
    priority: String,
    assignee_id: Option<i64>,
    first_in_at: Option<i64>,
    first_out_at: Option<i64>,
    waiting_since: Option<i64>,
    last_message_at: i64,
    preview: String,
    unread: bool,
    breach_flagged_at: Option<i64>,
    resolved_at: Option<i64>,
    created_at: i64,
    #[allow(dead_code)]
    updated_at: i64,
}

impl From<ConvRw> for Conversation {
    fn from(r: ConvRw) -> Self {
        Conversation {
            id: r.id,
            org_id: OrgId(r.org_id),
            channel_id: r.channel_id,
            kind: ConvKind::parse(&r.kind).unwrap_or(ConvKind::Comment),
            thread_key: r.thread_key,
            remote_post_id: r.remote_post_id,
            post_id: r.post_id,
            permalink: r.permalink,
            contact_id: r.contact_id,
            state: ConvState::parse(&r.state).unwrap_or(ConvState::Open),
            priority: Priority::parse(&r.priority).unwrap_or(Priority::Normal),
            assignee_id: r.assignee_id,
            first_in_at: r.first_in_at.map(Timestamp),
            first_out_at: r.first_out_at.map(Timestamp),
            waiting_since: r.waiting_since.map(Timestamp),
            last_message_at: Timestamp(r.last_message_at),
            preview: r.preview,
            unread: r.unread,
            breach_flagged_at: r.breach_flagged_at.map(Timestamp),
            resolved_at: r.resolved_at.map(Timestamp),
            created_at: Timestamp(r.created_at),
            labels: Vec::new(),
        }
    }
}

/// A new conversation.
#[derive(Debug, Clone)]
pub struct NewConversation<'a> {
    pub channel_id: i64,
    pub kind: ConvKind,
    pub thread_key: &'a str,
    pub remote_post_id: Option<&'a str>,
    pub post_id: Option<i64>,
    pub permalink: Option<&'a str>,
    pub contact_id: Option<i64>,
    pub priority: Priority,
    pub assignee_id: Option<i64>,
    pub at: Timestamp,
}

/// Creates the conversation of a thread, or finds the one another writer made
/// a moment ago; returns its id and whether it is new.
pub async fn insert_conversation(
    tx: &mut Tx,
    org: OrgId,
    c: &NewConversation<'_>,
    now: Timestamp,
) -> Result<(i64, bool), StoreError> {
    let q = Query::insert()
        .into_table(Conversations::Table)
        .columns([
            Conversations::OrgId,
            Conversations::ChannelId,
            Conversations::Kind,
            Conversations::ThreadKey,
            Conversations::RemotePostId,
            Conversations::PostId,
            Conversations::Permalink,
            Conversations::ContactId,
            Conversations::State,
            Conversations::Priority,
            Conversations::AssigneeId,
            Conversations::LastMessageAt,
            Conversations::Preview,
            Conversations::Unread,
            Conversations::CreatedAt,
            Conversations::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            c.channel_id.into(),
            c.kind.as_str().into(),
            c.thread_key.into(),
            c.remote_post_id.into(),
            c.post_id.into(),
            c.permalink.into(),
            c.contact_id.into(),
            ConvState::Open.as_str().into(),
            c.priority.as_str().into(),
            c.assignee_id.into(),
            c.at.0.into(),
            "".into(),
            true.into(),
            now.0.into(),
            now.0.into(),
        ])
        .on_conflict(
            OnConflict::columns([Conversations::ChannelId, Conversations::ThreadKey])
                .do_nothing()
                .to_owned(),
        )
        .returning_col(Conversations::Id)
        .to_owned();
    if let Some(r) = tx.fetch_optional::<Id, _>(&q).await? {
        return Ok((r.id, true));
    }
    let found = by_thread(tx, c.channel_id, c.thread_key)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((found.id, false))
}

/// The conversation of a thread on a channel (any organisation: the channel
/// decides).
pub async fn by_thread(
    tx: &mut Tx,
    channel_id: i64,
    thread_key: &str,
) -> Result<Option<Conversation>, StoreError> {
    let q = Query::select()
        .columns(CONV_COLS)
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::ChannelId).eq(channel_id))
        .and_where(Expr::col(Conversations::ThreadKey).eq(thread_key))
        .to_owned();
    Ok(tx.fetch_optional::<ConvRw, _>(&q).await?.map(Into::into))
}

pub async fn conversation(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
) -> Result<Option<Conversation>, StoreError> {
    let q = Query::select()
        .columns(CONV_COLS)
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::OrgId).eq(org.0))
        .and_where(Expr::col(Conversations::Id).eq(id))
        .to_owned();
    let Some(c) = tx.fetch_optional::<ConvRw, _>(&q).await? else {
        return Ok(None);
    };
    let mut c: Conversation = c.into();
    c.labels = labels_of(tx, org, &[c.id])
        .await?
        .remove(&c.id)
        .unwrap_or_default();
    Ok(Some(c))
}

/// The clock and list fields after a message.
#[derive(Debug, Clone)]
pub struct ConvProgress<'a> {
    pub state: ConvState,
    pub first_in_at: Option<Timestamp>,
    pub first_out_at: Option<Timestamp>,
    pub waiting_since: Option<Timestamp>,
    pub last_message_at: Timestamp,
    pub preview: &'a str,
    pub unread: bool,
}

pub async fn progress(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    p: &ConvProgress<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let resolved_at: Option<i64> = (p.state == ConvState::Resolved).then_some(now.0);
    let mut q = Query::update()
        .table(Conversations::Table)
        .values([
            (Conversations::State, p.state.as_str().into()),
            (Conversations::FirstInAt, p.first_in_at.map(|t| t.0).into()),
            (
                Conversations::FirstOutAt,
                p.first_out_at.map(|t| t.0).into(),
            ),
            (
                Conversations::WaitingSince,
                p.waiting_since.map(|t| t.0).into(),
            ),
            (Conversations::LastMessageAt, p.last_message_at.0.into()),
            (Conversations::Preview, p.preview.into()),
            (Conversations::Unread, p.unread.into()),
            (Conversations::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Conversations::OrgId).eq(org.0))
        .and_where(Expr::col(Conversations::Id).eq(id))
        .to_owned();
    if p.state != ConvState::Resolved {
        q.value(Conversations::ResolvedAt, resolved_at);
    }
    tx.exec(&q).await?;
    Ok(())
}

/// Changes of a conversation made by staff.
#[derive(Debug, Clone)]
pub enum ConvChange {
    State(ConvState),
    Assignee(Option<UserId>),
    Priority(Priority),
    Read(bool),
    BreachFlagged(Option<Timestamp>),
    PostId(i64),
}

pub async fn change(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    c: ConvChange,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut q = Query::update()
        .table(Conversations::Table)
        .value(Conversations::UpdatedAt, now.0)
        .and_where(Expr::col(Conversations::OrgId).eq(org.0))
        .and_where(Expr::col(Conversations::Id).eq(id))
        .to_owned();
    match c {
        ConvChange::State(s) => {
            q.value(Conversations::State, s.as_str());
            q.value(
                Conversations::ResolvedAt,
                (s == ConvState::Resolved).then_some(now.0),
            );
            if s == ConvState::Resolved {
                q.value(Conversations::WaitingSince, Option::<i64>::None);
            }
        }
        ConvChange::Assignee(u) => {
            q.value(Conversations::AssigneeId, u.map(|u| u.0));
        }
        ConvChange::Priority(p) => {
            q.value(Conversations::Priority, p.as_str());
        }
        ConvChange::Read(read) => {
            q.value(Conversations::Unread, !read);
        }
        ConvChange::BreachFlagged(t) => {
            q.value(Conversations::BreachFlaggedAt, t.map(|t| t.0));
        }
        ConvChange::PostId(p) => {
            q.value(Conversations::PostId, p);
        }
    }
    Ok(tx.exec(&q).await? > 0)
}

pub async fn labels_of(
    tx: &mut Tx,
    org: OrgId,
    ids: &[i64],
) -> Result<BTreeMap<i64, Vec<String>>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct L {
        conversation_id: i64,
        label: String,
    }
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let q = Query::select()
        .columns([
            ConversationLabels::ConversationId,
            ConversationLabels::Label,
        ])
        .from(ConversationLabels::Table)
        .and_where(Expr::col(ConversationLabels::OrgId).eq(org.0))
        .and_where(Expr::col(ConversationLabels::ConversationId).is_in(ids.iter().copied()))
        .order_by(ConversationLabels::Label, Order::Asc)
        .to_owned();
    for l in tx.fetch_all::<L, _>(&q).await? {
        out.entry(l.conversation_id).or_default().push(l.label);
    }
    Ok(out)
}

/// Adds labels a conversation does not have yet.
pub async fn add_labels(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    labels: &[String],
) -> Result<(), StoreError> {
    if labels.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert()
        .into_table(ConversationLabels::Table)
        .columns([
            ConversationLabels::ConversationId,
            ConversationLabels::OrgId,
            ConversationLabels::Label,
        ])
        .to_owned();
    for l in labels {
        q.values_panic([id.into(), org.0.into(), l.as_str().into()]);
    }
    q.on_conflict(
        OnConflict::columns([
            ConversationLabels::ConversationId,
            ConversationLabels::Label,
        ])
        .do_nothing()
        .to_owned(),
    );
    tx.exec(&q).await?;
    Ok(())
}

/// Replaces a conversation's labels.
pub async fn set_labels(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    labels: &[String],
) -> Result<(), StoreError> {
    let q = Query::delete()
        .from_table(ConversationLabels::Table)
        .and_where(Expr::col(ConversationLabels::OrgId).eq(org.0))
        .and_where(Expr::col(ConversationLabels::ConversationId).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    add_labels(tx, org, id, labels).await
}

/// Every label in use in the organisation.
pub async fn labels_in_use(tx: &mut Tx, org: OrgId) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct L {
        label: String,
    }
    let q = Query::select()
        .distinct()
        .column(ConversationLabels::Label)
        .from(ConversationLabels::Table)
        .and_where(Expr::col(ConversationLabels::OrgId).eq(org.0))
        .order_by(ConversationLabels::Label, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<L, _>(&q)
        .await?
        .into_iter()
        .map(|l| l.label)
        .collect())
}

/// Which conversations the list shows.
#[derive(Debug, Clone, Default)]
pub struct ConvFilter {
    pub states: Vec<ConvState>,
    pub channel_id: Option<i64>,
    pub label: Option<String>,
    /// `Some(None)`: nobody assigned.
    pub assignee: Option<Option<UserId>>,
    pub contact_id: Option<i64>,
    pub kind: Option<ConvKind>,
    /// Only conversations whose patron waits (open, not resolved).
    pub awaiting: bool,
    pub limit: u64,
}

fn filtered(org: OrgId, f: &ConvFilter) -> SelectStatement {
    let mut q = Query::select()
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::OrgId).eq(org.0))
        .to_owned();
    if !f.states.is_empty() {
        q.and_where(Expr::col(Conversations::State).is_in(f.states.iter().map(|s| s.as_str())));
    }
    if let Some(c) = f.channel_id {
        q.and_where(Expr::col(Conversations::ChannelId).eq(c));
    }
    if let Some(k) = f.kind {
        q.and_where(Expr::col(Conversations::Kind).eq(k.as_str()));
    }
    if let Some(c) = f.contact_id {
        q.and_where(Expr::col(Conversations::ContactId).eq(c));
    }
    match f.assignee {
        Some(Some(u)) => {
            q.and_where(Expr::col(Conversations::AssigneeId).eq(u.0));
        }
        Some(None) => {
            q.and_where(Expr::col(Conversations::AssigneeId).is_null());
        }
        None => {}
    }
    if let Some(l) = &f.label {
        q.and_where(
            Expr::col((Conversations::Table, Conversations::Id)).in_subquery(
                Query::select()
                    .column(ConversationLabels::ConversationId)
                    .from(ConversationLabels::Table)
                    .and_where(Expr::col(ConversationLabels::OrgId).eq(org.0))
                    .and_where(Expr::col(ConversationLabels::Label).eq(l.as_str()))
                    .to_owned(),
            ),
        );
    }
    if f.awaiting {
        q.and_where(Expr::col(Conversations::State).eq(ConvState::Open.as_str()));
    }
    q
}

/// Conversations, the latest activity first, with their labels.
pub async fn list(
    tx: &mut Tx,
    org: OrgId,
    f: &ConvFilter,
) -> Result<Vec<Conversation>, StoreError> {
    let q = filtered(org, f)
        .columns(CONV_COLS)
        .order_by(Conversations::LastMessageAt, Order::Desc)
        .order_by(Conversations::Id, Order::Desc)
        .limit(if f.limit == 0 { 200 } else { f.limit })
        .to_owned();
    let mut v: Vec<Conversation> = tx
        .fetch_all::<ConvRw, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let ids: Vec<i64> = v.iter().map(|c| c.id).collect();
    let mut labels = labels_of(tx, org, &ids).await?;
    for c in &mut v {
        c.labels = labels.remove(&c.id).unwrap_or_default();
    }
    Ok(v)
}

/// Unread conversations that are not resolved.
pub async fn unread_count(tx: &mut Tx, org: OrgId) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(Conversations::Id).count(), "n")
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::OrgId).eq(org.0))
        .and_where(Expr::col(Conversations::Unread).eq(true))
        .and_where(Expr::col(Conversations::State).ne(ConvState::Resolved.as_str()))
        .to_owned();
    Ok(tx.fetch_one::<Count, _>(&q).await?.n)
}

/// The newest message from a patron (its id; 0 when none): the console's
/// live list compares it to tell that something new arrived.
pub async fn latest_inbound(tx: &mut Tx, org: OrgId) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct M {
        id: Option<i64>,
    }
    let q = Query::select()
        .expr_as(Expr::col(InboxMessages::Id).max(), "id")
        .from(InboxMessages::Table)
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::Direction).eq(Direction::In.as_str()))
        .to_owned();
    Ok(tx.fetch_one::<M, _>(&q).await?.id.unwrap_or(0))
}

/// Open conversations of every organisation whose breach is not flagged yet
/// (housekeeping checks their targets).
pub async fn unflagged_open(tx: &mut Tx, limit: u64) -> Result<Vec<Conversation>, StoreError> {
    let q = Query::select()
        .columns(CONV_COLS)
        .from(Conversations::Table)
        .cond_where(
            Cond::all()
                .add(Expr::col(Conversations::State).ne(ConvState::Resolved.as_str()))
                .add(Expr::col(Conversations::BreachFlaggedAt).is_null()),
        )
        .order_by(Conversations::Id, Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(tx
        .fetch_all::<ConvRw, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

const MSG_COLS: [InboxMessages; 16] = [
    InboxMessages::Id,
    InboxMessages::ConversationId,
    InboxMessages::ChannelId,
    InboxMessages::RemoteId,
    InboxMessages::ParentRemoteId,
    InboxMessages::Direction,
    InboxMessages::AuthorName,
    InboxMessages::AuthorHandle,
    InboxMessages::Body,
    InboxMessages::UserId,
    InboxMessages::ReplyState,
    InboxMessages::ReplyError,
    InboxMessages::Hidden,
    InboxMessages::Liked,
    InboxMessages::Deleted,
    InboxMessages::SentAt,
];

#[derive(sqlx::FromRow)]
struct MsgRw {
    id: i64,
    conversation_id: i64,
    channel_id: i64,
    remote_id: Option<String>,
    parent_remote_id: Option<String>,
    direction: String,
    author_name: String,
    author_handle: String,
    body: String,
    user_id: Option<i64>,
    reply_state: Option<String>,
    reply_error: Option<String>,
    hidden: bool,
    liked: bool,
    deleted: bool,
    sent_at: i64,
}

impl From<MsgRw> for Message {
    fn from(r: MsgRw) -> Self {
        Message {
            id: r.id,
            conversation_id: r.conversation_id,
            channel_id: r.channel_id,
            remote_id: r.remote_id,
            parent_remote_id: r.parent_remote_id,
            direction: Direction::parse(&r.direction).unwrap_or(Direction::In),
            author_name: r.author_name,
            author_handle: r.author_handle,
            body: r.body,
            user_id: r.user_id,
            reply_state: r.reply_state.as_deref().and_then(ReplyState::parse),
            reply_error: r.reply_error,
            hidden: r.hidden,
            liked: r.liked,
            deleted: r.deleted,
            sent_at: Timestamp(r.sent_at),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub conversation_id: i64,
    pub channel_id: i64,
    pub remote_id: Option<&'a str>,
    pub parent_remote_id: Option<&'a str>,
    pub direction: Direction,
    pub author_name: &'a str,
    pub author_handle: &'a str,
    pub body: &'a str,
    pub user_id: Option<UserId>,
    pub reply_state: Option<ReplyState>,
    pub sent_at: Timestamp,
}

/// Stores a message; `None` when a message with the same platform id is
/// already stored (a duplicate delivery).
pub async fn insert_message(
    tx: &mut Tx,
    org: OrgId,
    m: &NewMessage<'_>,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    let q = Query::insert()
        .into_table(InboxMessages::Table)
        .columns([
            InboxMessages::OrgId,
            InboxMessages::ConversationId,
            InboxMessages::ChannelId,
            InboxMessages::RemoteId,
            InboxMessages::ParentRemoteId,
            InboxMessages::Direction,
            InboxMessages::AuthorName,
            InboxMessages::AuthorHandle,
            InboxMessages::Body,
            InboxMessages::UserId,
            InboxMessages::ReplyState,
            InboxMessages::SentAt,
            InboxMessages::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            m.conversation_id.into(),
            m.channel_id.into(),
            m.remote_id.into(),
            m.parent_remote_id.into(),
            m.direction.as_str().into(),
            m.author_name.into(),
            m.author_handle.into(),
            m.body.into(),
            m.user_id.map(|u| u.0).into(),
            m.reply_state.map(|s| s.as_str()).into(),
            m.sent_at.0.into(),
            now.0.into(),
        ])
        .on_conflict(
            OnConflict::columns([InboxMessages::ChannelId, InboxMessages::RemoteId])
                .do_nothing()
                .to_owned(),
        )
        .returning_col(InboxMessages::Id)
        .to_owned();
    Ok(tx.fetch_optional::<Id, _>(&q).await?.map(|r| r.id))
}

/// A conversation's messages in the platform's order.
pub async fn messages(
    tx: &mut Tx,
    org: OrgId,
    conversation_id: i64,
) -> Result<Vec<Message>, StoreError> {
    let q = Query::select()
        .columns(MSG_COLS)
        .from(InboxMessages::Table)
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::ConversationId).eq(conversation_id))
        .order_by(InboxMessages::SentAt, Order::Asc)
        .order_by(InboxMessages::Id, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<MsgRw, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn message(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Message>, StoreError> {
    let q = Query::select()
        .columns(MSG_COLS)
        .from(InboxMessages::Table)
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::Id).eq(id))
        .to_owned();
    Ok(tx.fetch_optional::<MsgRw, _>(&q).await?.map(Into::into))
}

pub async fn message_by_remote(
    tx: &mut Tx,
    channel_id: i64,
    remote_id: &str,
) -> Result<Option<(OrgId, Message)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct WithOrg {
        org_id: i64,
        #[sqlx(flatten)]
        m: MsgRw,
    }
    let q = Query::select()
        .columns(MSG_COLS)
        .column(InboxMessages::OrgId)
        .from(InboxMessages::Table)
        .and_where(Expr::col(InboxMessages::ChannelId).eq(channel_id))
        .and_where(Expr::col(InboxMessages::RemoteId).eq(remote_id))
        .to_owned();
    Ok(tx
        .fetch_optional::<WithOrg, _>(&q)
        .await?
        .map(|w| (OrgId(w.org_id), w.m.into())))
}

/// Puts a reply (in one of `from` states) in line to be sent, with its text.
pub async fn queue_reply(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    from: &[ReplyState],
    body: &str,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(InboxMessages::Table)
        .values([
            (
                InboxMessages::ReplyState,
                ReplyState::Sending.as_str().into(),
            ),
            (InboxMessages::AttemptAt, Option::<i64>::None.into()),
            (InboxMessages::ReplyError, Option::<String>::None.into()),
            (InboxMessages::Body, body.into()),
        ])
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::Id).eq(id))
        .and_where(Expr::col(InboxMessages::ReplyState).is_in(from.iter().map(|s| s.as_str())))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Records the attempt to send a queued reply before the platform is called
/// (compare-and-set: two workers cannot both send it).
pub async fn claim_reply(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(InboxMessages::Table)
        .value(InboxMessages::AttemptAt, now.0)
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::Id).eq(id))
        .and_where(Expr::col(InboxMessages::ReplyState).eq(ReplyState::Sending.as_str()))
        .and_where(Expr::col(InboxMessages::AttemptAt).is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Takes back a claim whose call certainly did not reach the platform.
pub async fn unclaim_reply(tx: &mut Tx, org: OrgId, id: i64) -> Result<(), StoreError> {
    let q = Query::update()
        .table(InboxMessages::Table)
        .value(InboxMessages::AttemptAt, Option::<i64>::None)
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::Id).eq(id))
        .and_where(Expr::col(InboxMessages::ReplyState).eq(ReplyState::Sending.as_str()))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Whether a reply's attempt was already recorded.
pub async fn reply_attempted(tx: &mut Tx, org: OrgId, id: i64) -> Result<bool, StoreError> {
    #[derive(sqlx::FromRow)]
    struct A {
        attempt_at: Option<i64>,
    }
    let q = Query::select()
        .column(InboxMessages::AttemptAt)
        .from(InboxMessages::Table)
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::Id).eq(id))
        .to_owned();
    Ok(tx
        .fetch_optional::<A, _>(&q)
        .await?
        .is_some_and(|a| a.attempt_at.is_some()))
}

/// The outcome of sending a reply.
pub async fn settle_reply(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    state: ReplyState,
    remote_id: Option<&str>,
    error: Option<&str>,
    sent_at: Option<Timestamp>,
) -> Result<(), StoreError> {
    let mut q = Query::update()
        .table(InboxMessages::Table)
        .values([
            (InboxMessages::ReplyState, state.as_str().into()),
            (InboxMessages::ReplyError, error.into()),
        ])
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::Id).eq(id))
        .to_owned();
    if let Some(r) = remote_id {
        q.value(InboxMessages::RemoteId, r);
    }
    if let Some(t) = sent_at {
        q.value(InboxMessages::SentAt, t.0);
    }
    tx.exec(&q).await?;
    Ok(())
}

/// Changes the text of a reply not sent yet (approval flow, sending again).
pub async fn set_reply_body(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    body: &str,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(InboxMessages::Table)
        .value(InboxMessages::Body, body)
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub enum MessageFlag {
    Hidden(bool),
    Liked(bool),
    Deleted,
}

pub async fn flag_message(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    f: MessageFlag,
) -> Result<(), StoreError> {
    let (col, v) = match f {
        MessageFlag::Hidden(b) => (InboxMessages::Hidden, b),
        MessageFlag::Liked(b) => (InboxMessages::Liked, b),
        MessageFlag::Deleted => (InboxMessages::Deleted, true),
    };
    let q = Query::update()
        .table(InboxMessages::Table)
        .value(col, v)
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Replies waiting for an editor's approval, oldest first.
pub async fn awaiting_approval(tx: &mut Tx, org: OrgId) -> Result<Vec<Message>, StoreError> {
    let q = Query::select()
        .columns(MSG_COLS)
        .from(InboxMessages::Table)
        .and_where(Expr::col(InboxMessages::OrgId).eq(org.0))
        .and_where(Expr::col(InboxMessages::ReplyState).eq(ReplyState::AwaitingApproval.as_str()))
        .order_by(InboxMessages::Id, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<MsgRw, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

// ---------------------------------------------------------------------------
// Cursors
// ---------------------------------------------------------------------------

/// Where a stream's last poll stopped, and when that poll was.
pub async fn cursor(
    tx: &mut Tx,
    channel_id: i64,
    stream: &str,
) -> Result<Option<(String, Timestamp)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct P {
        position: String,
        updated_at: i64,
    }
    let q = Query::select()
        .columns([InboxCursors::Position, InboxCursors::UpdatedAt])
        .from(InboxCursors::Table)
        .and_where(Expr::col(InboxCursors::ChannelId).eq(channel_id))
        .and_where(Expr::col(InboxCursors::Stream).eq(stream))
        .to_owned();
    Ok(tx
        .fetch_optional::<P, _>(&q)
        .await?
        .map(|p| (p.position, Timestamp(p.updated_at))))
}

pub async fn set_cursor(
    tx: &mut Tx,
    channel_id: i64,
    stream: &str,
    position: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(InboxCursors::Table)
        .columns([
            InboxCursors::ChannelId,
            InboxCursors::Stream,
            InboxCursors::Position,
            InboxCursors::UpdatedAt,
        ])
        .values_panic([
            channel_id.into(),
            stream.into(),
            position.into(),
            now.0.into(),
        ])
        .on_conflict(
            OnConflict::columns([InboxCursors::ChannelId, InboxCursors::Stream])
                .update_columns([InboxCursors::Position, InboxCursors::UpdatedAt])
                .to_owned(),
        )
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

/// The organisation's rules in order, each with its id.
pub async fn rules(tx: &mut Tx, org: OrgId) -> Result<Vec<(i64, Rule)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        id: i64,
        rule: String,
    }
    let q = Query::select()
        .columns([InboxRules::Id, InboxRules::Rule])
        .from(InboxRules::Table)
        .and_where(Expr::col(InboxRules::OrgId).eq(org.0))
        .order_by(InboxRules::Position, Order::Asc)
        .order_by(InboxRules::Id, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .filter_map(|r| serde_json::from_str(&r.rule).ok().map(|rule| (r.id, rule)))
        .collect())
}

pub async fn insert_rule(
    tx: &mut Tx,
    org: OrgId,
    rule: &Rule,
    position: i64,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let json = serde_json::to_string(rule).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let q = Query::insert()
        .into_table(InboxRules::Table)
        .columns([
            InboxRules::OrgId,
            InboxRules::Position,
            InboxRules::Rule,
            InboxRules::CreatedAt,
            InboxRules::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            position.into(),
            json.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col(InboxRules::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

pub async fn update_rule(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    rule: &Rule,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let json = serde_json::to_string(rule).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let q = Query::update()
        .table(InboxRules::Table)
        .values([
            (InboxRules::Rule, json.into()),
            (InboxRules::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(InboxRules::OrgId).eq(org.0))
        .and_where(Expr::col(InboxRules::Id).eq(id))
        .to_owned();
    Ok(tx.exec(&q).await? > 0)
}

// ---------------------------------------------------------------------------
// Saved replies
// ---------------------------------------------------------------------------

pub async fn saved_replies(tx: &mut Tx, org: OrgId) -> Result<Vec<SavedReply>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        id: i64,
        title: String,
        body: String,
        topics: String,
    }
    let q = Query::select()
        .columns([
            SavedReplies::Id,
            SavedReplies::Title,
            SavedReplies::Body,
            SavedReplies::Topics,
        ])
        .from(SavedReplies::Table)
        .and_where(Expr::col(SavedReplies::OrgId).eq(org.0))
        .order_by(SavedReplies::Title, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .map(|r| SavedReply {
            id: r.id,
            title: r.title,
            body: r.body,
            topics: siar_domain::inbox::split_phrases(&r.topics),
        })
        .collect())
}

pub async fn insert_saved_reply(
    tx: &mut Tx,
    org: OrgId,
    title: &str,
    body: &str,
    topics: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(SavedReplies::Table)
        .columns([
            SavedReplies::OrgId,
            SavedReplies::Title,
            SavedReplies::Body,
            SavedReplies::Topics,
            SavedReplies::CreatedAt,
            SavedReplies::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            title.into(),
            body.into(),
            topics.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col(SavedReplies::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

pub async fn update_saved_reply(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    title: &str,
    body: &str,
    topics: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(SavedReplies::Table)
        .values([
            (SavedReplies::Title, title.into()),
            (SavedReplies::Body, body.into()),
            (SavedReplies::Topics, topics.into()),
            (SavedReplies::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(SavedReplies::OrgId).eq(org.0))
        .and_where(Expr::col(SavedReplies::Id).eq(id))
        .to_owned();
    Ok(tx.exec(&q).await? > 0)
}

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

pub async fn settings(tx: &mut Tx, org: OrgId) -> Result<InboxSettings, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        first_response_mins: Option<i64>,
        next_response_mins: Option<i64>,
        resolution_mins: Option<i64>,
        warn_mins: i64,
        approve_replies: bool,
        ask_rating: bool,
        catalogue_url: String,
    }
    let q = Query::select()
        .columns([
            InboxSettingsT::FirstResponseMins,
            InboxSettingsT::NextResponseMins,
            InboxSettingsT::ResolutionMins,
            InboxSettingsT::WarnMins,
            InboxSettingsT::ApproveReplies,
            InboxSettingsT::AskRating,
            InboxSettingsT::CatalogueUrl,
        ])
        .from(InboxSettingsT::Table)
        .and_where(Expr::col(InboxSettingsT::OrgId).eq(org.0))
        .to_owned();
    Ok(match tx.fetch_optional::<Rw, _>(&q).await? {
        None => InboxSettings::default(),
        Some(r) => InboxSettings {
            policy: SlaPolicy {
                first_response_mins: r.first_response_mins,
                next_response_mins: r.next_response_mins,
                resolution_mins: r.resolution_mins,
                warn_mins: r.warn_mins,
            },
            approve_replies: r.approve_replies,
            ask_rating: r.ask_rating,
            catalogue_url: r.catalogue_url,
        },
    })
}

pub async fn put_settings(
    tx: &mut Tx,
    org: OrgId,
    s: &InboxSettings,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(InboxSettingsT::Table)
        .columns([
            InboxSettingsT::OrgId,
            InboxSettingsT::FirstResponseMins,
            InboxSettingsT::NextResponseMins,
            InboxSettingsT::ResolutionMins,
            InboxSettingsT::WarnMins,
            InboxSettingsT::ApproveReplies,
            InboxSettingsT::AskRating,
            InboxSettingsT::CatalogueUrl,
            InboxSettingsT::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            s.policy.first_response_mins.into(),
            s.policy.next_response_mins.into(),
            s.policy.resolution_mins.into(),
            s.policy.warn_mins.into(),
            s.approve_replies.into(),
            s.ask_rating.into(),
            s.catalogue_url.as_str().into(),
            now.0.into(),
        ])
        .on_conflict(
            OnConflict::column(InboxSettingsT::OrgId)
                .update_columns([
                    InboxSettingsT::FirstResponseMins,
                    InboxSettingsT::NextResponseMins,
                    InboxSettingsT::ResolutionMins,
                    InboxSettingsT::WarnMins,
                    InboxSettingsT::ApproveReplies,
                    InboxSettingsT::AskRating,
                    InboxSettingsT::CatalogueUrl,
                    InboxSettingsT::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Responses (for the reports)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResponseRow {
    pub conversation_id: i64,
    pub channel_id: i64,
    pub user_id: Option<i64>,
    pub kind: String,
    pub asked_at: i64,
    pub answered_at: i64,
    pub working_ms: i64,
    pub target_ms: Option<i64>,
}

pub async fn insert_response(tx: &mut Tx, org: OrgId, r: &ResponseRow) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(InboxResponses::Table)
        .columns([
            InboxResponses::OrgId,
            InboxResponses::ConversationId,
            InboxResponses::ChannelId,
            InboxResponses::UserId,
            InboxResponses::Kind,
            InboxResponses::AskedAt,
            InboxResponses::AnsweredAt,
            InboxResponses::WorkingMs,
            InboxResponses::TargetMs,
        ])
        .values_panic([
            org.0.into(),
            r.conversation_id.into(),
            r.channel_id.into(),
            r.user_id.into(),
            r.kind.as_str().into(),
            r.asked_at.into(),
            r.answered_at.into(),
            r.working_ms.into(),
            r.target_ms.into(),
        ])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Responses answered in `[from, to)`, oldest first.
pub async fn responses(
    tx: &mut Tx,
    org: OrgId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ResponseRow>, StoreError> {
    let q = Query::select()
        .columns([
            InboxResponses::ConversationId,
            InboxResponses::ChannelId,
            InboxResponses::UserId,
            InboxResponses::Kind,
            InboxResponses::AskedAt,
            InboxResponses::AnsweredAt,
            InboxResponses::WorkingMs,
            InboxResponses::TargetMs,
        ])
        .from(InboxResponses::Table)
        .and_where(Expr::col(InboxResponses::OrgId).eq(org.0))
        .and_where(Expr::col(InboxResponses::AnsweredAt).gte(from.0))
        .and_where(Expr::col(InboxResponses::AnsweredAt).lt(to.0))
        .order_by(InboxResponses::AnsweredAt, Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

// ---------------------------------------------------------------------------
// Satisfaction
// ---------------------------------------------------------------------------

/// Offers a rating for a conversation (once); returns whether it is new.
pub async fn offer_rating(
    tx: &mut Tx,
    org: OrgId,
    conversation_id: i64,
    token: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::insert()
        .into_table(InboxRatings::Table)
        .columns([
            InboxRatings::OrgId,
            InboxRatings::ConversationId,
            InboxRatings::Token,
            InboxRatings::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            conversation_id.into(),
            token.into(),
            now.0.into(),
        ])
        .on_conflict(
            OnConflict::column(InboxRatings::ConversationId)
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(tx.exec(&q).await? > 0)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Rating {
    pub id: i64,
    pub org_id: i64,
    pub conversation_id: i64,
    pub token: String,
    pub score: Option<i64>,
    pub comment: String,
    pub created_at: i64,
    pub rated_at: Option<i64>,
}

const RATING_COLS: [InboxRatings; 8] = [
    InboxRatings::Id,
    InboxRatings::OrgId,
    InboxRatings::ConversationId,
    InboxRatings::Token,
    InboxRatings::Score,
    InboxRatings::Comment,
    InboxRatings::CreatedAt,
    InboxRatings::RatedAt,
];

pub async fn rating_by_token(tx: &mut Tx, token: &str) -> Result<Option<Rating>, StoreError> {
    let q = Query::select()
        .columns(RATING_COLS)
        .from(InboxRatings::Table)
        .and_where(Expr::col(InboxRatings::Token).eq(token))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn rating_of(
    tx: &mut Tx,
    org: OrgId,
    conversation_id: i64,
) -> Result<Option<Rating>, StoreError> {
    let q = Query::select()
        .columns(RATING_COLS)
        .from(InboxRatings::Table)
        .and_where(Expr::col(InboxRatings::OrgId).eq(org.0))
        .and_where(Expr::col(InboxRatings::ConversationId).eq(conversation_id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// Records a patron's rating (the latest one counts).
pub async fn rate(
    tx: &mut Tx,
    token: &str,
    score: i64,
    comment: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(InboxRatings::Table)
        .values([
            (InboxRatings::Score, score.into()),
            (InboxRatings::Comment, comment.into()),
            (InboxRatings::RatedAt, now.0.into()),
        ])
        .and_where(Expr::col(InboxRatings::Token).eq(token))
        .to_owned();
    Ok(tx.exec(&q).await? > 0)
}

/// Ratings given in `[from, to)`.
pub async fn ratings(
    tx: &mut Tx,
    org: OrgId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Rating>, StoreError> {
    let q = Query::select()
        .columns(RATING_COLS)
        .from(InboxRatings::Table)
        .and_where(Expr::col(InboxRatings::OrgId).eq(org.0))
        .and_where(Expr::col(InboxRatings::RatedAt).gte(from.0))
        .and_where(Expr::col(InboxRatings::RatedAt).lt(to.0))
        .order_by(InboxRatings::RatedAt, Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}
