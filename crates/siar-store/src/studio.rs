//! The content studio's storage: drafts (rows of `posts`), their history and
//! revisions, who has a draft open, campaigns, hashtag groups and console
//! notifications.

use crate::db::{StoreError, Tx};
use crate::publishing::Posts;
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};
use siar_domain::Timestamp;
use siar_domain::org::{OrgId, UserId};
use siar_domain::studio::{
    Audience, Campaign, CampaignFields, Category, DraftContent, Notification, PostEvent,
    PostEventKind, PostStatus, Revision,
};
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

/// Everything a save of the composer writes.
#[derive(Debug, Clone)]
pub struct DraftRecord<'a> {
    pub text: &'a str,
    pub title: Option<&'a str>,
    /// The planned time, or `None` for "not decided yet".
    pub publish_at: Option<Timestamp>,
    pub draft: &'a DraftContent,
    pub category: Option<Category>,
    pub campaign_id: Option<i64>,
    pub notes: &'a str,
}

/// A new post in `status` (a draft, or scheduled straight away by an editor).
pub async fn insert_draft(
    tx: &mut Tx,
    org: OrgId,
    author: Option<UserId>,
    r: &DraftRecord<'_>,
    status: PostStatus,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(Posts::Table)
        .columns([
            Posts::OrgId,
            Posts::AuthorId,
            Posts::Text,
            Posts::Title,
            Posts::PublishAt,
            Posts::Timed,
            Posts::Status,
            Posts::Draft,
            Posts::Category,
            Posts::CampaignId,
            Posts::Notes,
            Posts::Version,
            Posts::CreatedAt,
            Posts::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            author.map(|a| a.0).into(),
            r.text.into(),
            r.title.into(),
            r.publish_at.unwrap_or(now).0.into(),
            r.publish_at.is_some().into(),
            status.as_str().into(),
            r.draft.to_json().into(),
            r.category.map(Category::as_str).into(),
            r.campaign_id.into(),
            r.notes.into(),
            1i64.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col(Posts::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

/// Saves a draft made from `version`. `false` when the post has moved on to
/// another version (someone else saved) or is no longer editable: nothing is
/// written then.
pub async fn save_draft(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    version: i64,
    r: &DraftRecord<'_>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut values = vec![
        (Posts::Text, r.text.into()),
        (Posts::Title, r.title.into()),
        (Posts::Timed, r.publish_at.is_some().into()),
        (Posts::Draft, r.draft.to_json().into()),
        (Posts::Category, r.category.map(Category::as_str).into()),
        (Posts::CampaignId, r.campaign_id.into()),
        (Posts::Notes, r.notes.into()),
        (Posts::Version, (version + 1).into()),
        (Posts::UpdatedAt, now.0.into()),
    ];
    if let Some(at) = r.publish_at {
        values.push((Posts::PublishAt, at.0.into()));
    }
    let q = Query::update()
        .table(Posts::Table)
        .values(values)
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::Id).eq(id))
        .and_where(Expr::col(Posts::Version).eq(version))
        .and_where(Expr::col(Posts::Status).ne(PostStatus::Scheduled.as_str()))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Moves a post from one of `from` to `to` (raising its version). `false`
/// when it was not in one of them.
pub async fn set_status(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    to: PostStatus,
    from: &[PostStatus],
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Posts::Table)
        .value(Posts::Status, to.as_str())
        .value(Posts::Version, Expr::col(Posts::Version).add(1))
        .value(Posts::UpdatedAt, now.0)
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::Id).eq(id))
        .and_where(Expr::col(Posts::Status).is_in(from.iter().map(|s| s.as_str())))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Sets a post's planned time (and marks it as having one).
pub async fn set_time(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Posts::Table)
        .value(Posts::PublishAt, at.0)
        .value(Posts::Timed, true)
        .value(Posts::Version, Expr::col(Posts::Version).add(1))
        .value(Posts::UpdatedAt, now.0)
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::Id).eq(id))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Ids of posts in `status` whose planned time is before `before`, oldest
/// first (approvals whose time has passed).
pub async fn timed_before(
    tx: &mut Tx,
    status: PostStatus,
    before: Timestamp,
    limit: u64,
) -> Result<Vec<(i64, OrgId)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        id: i64,
        org_id: i64,
    }
    let q = Query::select()
        .columns([Posts::Id, Posts::OrgId])
        .from(Posts::Table)
        .and_where(Expr::col(Posts::Status).eq(status.as_str()))
        .and_where(Expr::col(Posts::Timed).eq(true))
        .and_where(Expr::col(Posts::PublishAt).lt(before.0))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .order_by(Posts::PublishAt, Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .map(|r| (r.id, OrgId(r.org_id)))
        .collect())
}

/// Marks a post as one of a recurring rule's.
pub async fn set_series(tx: &mut Tx, org: OrgId, id: i64, series: i64) -> Result<(), StoreError> {
    let q = Query::update()
        .table(Posts::Table)
        .value(Posts::SeriesId, series)
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

// ---------------------------------------------------------------- queues

#[derive(Iden, Clone, Copy)]
enum QueueSlots {
    Table,
    OrgId,
    ChannelId,
    Weekday,
    Minute,
}

/// A time slot of a channel's queue: weekday 1 = Monday ... 7 = Sunday,
/// minute of the day in the organisation's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSlot {
    pub channel_id: i64,
    pub weekday: u32,
    pub minute: u32,
}

pub async fn queue_slots(tx: &mut Tx, org: OrgId) -> Result<Vec<QueueSlot>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        channel_id: i64,
        weekday: i32,
        minute: i32,
    }
    let q = Query::select()
        .columns([
            QueueSlots::ChannelId,
            QueueSlots::Weekday,
            QueueSlots::Minute,
        ])
        .from(QueueSlots::Table)
        .and_where(Expr::col(QueueSlots::OrgId).eq(org.0))
        .order_by(QueueSlots::ChannelId, Order::Asc)
        .order_by(QueueSlots::Weekday, Order::Asc)
        .order_by(QueueSlots::Minute, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .map(|r| QueueSlot {
            channel_id: r.channel_id,
            weekday: r.weekday.unsigned_abs(),
            minute: r.minute.unsigned_abs(),
        })
        .collect())
}

/// Replaces one channel's slots.
pub async fn set_queue(
    tx: &mut Tx,
    org: OrgId,
    channel: i64,
    slots: &[(u32, u32)],
) -> Result<(), StoreError> {
    let q = Query::delete()
        .from_table(QueueSlots::Table)
        .and_where(Expr::col(QueueSlots::OrgId).eq(org.0))
        .and_where(Expr::col(QueueSlots::ChannelId).eq(channel))
        .to_owned();
    tx.exec(&q).await?;
    for (weekday, minute) in slots {
        let q = Query::insert()
            .into_table(QueueSlots::Table)
            .columns([
                QueueSlots::OrgId,
                QueueSlots::ChannelId,
                QueueSlots::Weekday,
                QueueSlots::Minute,
            ])
            .values_panic([
                org.0.into(),
                channel.into(),
                i64::from(*weekday).into(),
                i64::from(*minute).into(),
            ])
            .to_owned();
        tx.exec(&q).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- history

#[derive(Iden, Clone, Copy)]
enum PostEvents {
    Table,
    Id,
    OrgId,
    PostId,
    UserId,
    Kind,
    Comment,
    At,
}

pub async fn insert_event(
    tx: &mut Tx,
    org: OrgId,
    post: i64,
    user: Option<UserId>,
    kind: PostEventKind,
    comment: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(PostEvents::Table)
        .columns([
            PostEvents::OrgId,
            PostEvents::PostId,
            PostEvents::UserId,
            PostEvents::Kind,
            PostEvents::Comment,
            PostEvents::At,
        ])
        .values_panic([
            org.0.into(),
            post.into(),
            user.map(|u| u.0).into(),
            kind.as_str().into(),
            comment.into(),
            at.0.into(),
        ])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// A post's history, oldest first.
pub async fn events(tx: &mut Tx, org: OrgId, post: i64) -> Result<Vec<PostEvent>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        id: i64,
        post_id: i64,
        user_id: Option<i64>,
        kind: String,
        comment: String,
        at: i64,
    }
    let q = Query::select()
        .columns([
            PostEvents::Id,
            PostEvents::PostId,
            PostEvents::UserId,
            PostEvents::Kind,
            PostEvents::Comment,
            PostEvents::At,
        ])
        .from(PostEvents::Table)
        .and_where(Expr::col(PostEvents::OrgId).eq(org.0))
        .and_where(Expr::col(PostEvents::PostId).eq(post))
        .order_by(PostEvents::At, Order::Asc)
        .order_by(PostEvents::Id, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(PostEvent {
                id: r.id,
                post_id: r.post_id,
                user_id: r.user_id.map(UserId),
                kind: PostEventKind::parse(&r.kind)?,
                comment: r.comment,
                at: Timestamp(r.at),
            })
        })
        .collect())
}

// ---------------------------------------------------------------- revisions

#[derive(Iden, Clone, Copy)]
enum PostRevisions {
    Table,
    Id,
    OrgId,
    PostId,
    UserId,
    Version,
    Reason,
    Text,
    Title,
    Draft,
    At,
}

pub struct NewRevision<'a> {
    pub post_id: i64,
    pub user_id: Option<UserId>,
    pub version: i64,
    pub reason: &'a str,
    pub text: &'a str,
    pub title: Option<&'a str>,
    pub draft: &'a DraftContent,
}

pub async fn insert_revision(
    tx: &mut Tx,
    org: OrgId,
    r: &NewRevision<'_>,
    at: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(PostRevisions::Table)
        .columns([
            PostRevisions::OrgId,
            PostRevisions::PostId,
            PostRevisions::UserId,
            PostRevisions::Version,
            PostRevisions::Reason,
            PostRevisions::Text,
            PostRevisions::Title,
            PostRevisions::Draft,
            PostRevisions::At,
        ])
        .values_panic([
            org.0.into(),
            r.post_id.into(),
            r.user_id.map(|u| u.0).into(),
            r.version.into(),
            r.reason.into(),
            r.text.into(),
            r.title.into(),
            r.draft.to_json().into(),
            at.0.into(),
        ])
        .returning_col(PostRevisions::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

/// A post's revisions, newest first.
pub async fn revisions(
    tx: &mut Tx,
    org: OrgId,
    post: i64,
    limit: u64,
) -> Result<Vec<Revision>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        id: i64,
        post_id: i64,
        user_id: Option<i64>,
        version: i64,
        reason: String,
        text: String,
        title: Option<String>,
        draft: Option<String>,
        at: i64,
    }
    let q = Query::select()
        .columns([
            PostRevisions::Id,
            PostRevisions::PostId,
            PostRevisions::UserId,
            PostRevisions::Version,
            PostRevisions::Reason,
            PostRevisions::Text,
            PostRevisions::Title,
            PostRevisions::Draft,
            PostRevisions::At,
        ])
        .from(PostRevisions::Table)
        .and_where(Expr::col(PostRevisions::OrgId).eq(org.0))
        .and_where(Expr::col(PostRevisions::PostId).eq(post))
        .order_by(PostRevisions::At, Order::Desc)
        .order_by(PostRevisions::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .map(|r| Revision {
            id: r.id,
            post_id: r.post_id,
            user_id: r.user_id.map(UserId),
            version: r.version,
            reason: r.reason,
            text: r.text,
            title: r.title,
            draft: DraftContent::from_json(r.draft.as_deref()),
            at: Timestamp(r.at),
        })
        .collect())
}

// ---------------------------------------------------------------- presence

#[derive(Iden, Clone, Copy)]
enum PostPresence {
    Table,
    PostId,
    UserId,
    SeenAt,
}

/// Notes that `user` has the draft open now.
pub async fn touch_presence(
    tx: &mut Tx,
    post: i64,
    user: UserId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(PostPresence::Table)
        .columns([
            PostPresence::PostId,
            PostPresence::UserId,
            PostPresence::SeenAt,
        ])
        .values_panic([post.into(), user.0.into(), now.0.into()])
        .on_conflict(
            OnConflict::columns([PostPresence::PostId, PostPresence::UserId])
                .update_column(PostPresence::SeenAt)
                .to_owned(),
        )
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Others who had the draft open since `since`.
pub async fn present(
    tx: &mut Tx,
    post: i64,
    except: UserId,
    since: Timestamp,
) -> Result<Vec<UserId>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        user_id: i64,
    }
    let q = Query::select()
        .column(PostPresence::UserId)
        .from(PostPresence::Table)
        .and_where(Expr::col(PostPresence::PostId).eq(post))
        .and_where(Expr::col(PostPresence::UserId).ne(except.0))
        .and_where(Expr::col(PostPresence::SeenAt).gte(since.0))
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .map(|r| UserId(r.user_id))
        .collect())
}

// ---------------------------------------------------------------- campaigns

#[derive(Iden, Clone, Copy)]
enum Campaigns {
    Table,
    Id,
    OrgId,
    Name,
    Slug,
    Goal,
    StartsOn,
    EndsOn,
    Hashtags,
    Audiences,
    Budget,
    CreatedAt,
    UpdatedAt,
}

const CAMPAIGN_COLS: [Campaigns; 12] = [
    Campaigns::Id,
    Campaigns::OrgId,
    Campaigns::Name,
    Campaigns::Slug,
    Campaigns::Goal,
    Campaigns::StartsOn,
    Campaigns::EndsOn,
    Campaigns::Hashtags,
    Campaigns::Audiences,
    Campaigns::Budget,
    Campaigns::CreatedAt,
    Campaigns::UpdatedAt,
];

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: i64,
    org_id: i64,
    name: String,
    slug: String,
    goal: String,
    starts_on: String,
    ends_on: String,
    hashtags: String,
    audiences: String,
    budget: i64,
    created_at: i64,
    updated_at: i64,
}

fn campaign(r: CampaignRow) -> Option<Campaign> {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    Some(Campaign {
        id: r.id,
        org_id: OrgId(r.org_id),
        name: r.name,
        slug: r.slug,
        goal: r.goal,
        starts_on: day(&r.starts_on)?,
        ends_on: day(&r.ends_on)?,
        hashtags: r.hashtags.split_whitespace().map(String::from).collect(),
        audiences: r.audiences.split(',').filter_map(Audience::parse).collect(),
        budget: r.budget,
        created_at: Timestamp(r.created_at),
        updated_at: Timestamp(r.updated_at),
    })
}

fn campaign_values(c: &CampaignFields) -> Vec<(Campaigns, sea_query::SimpleExpr)> {
    vec![
        (Campaigns::Name, c.name.as_str().into()),
        (Campaigns::Slug, c.slug.as_str().into()),
        (Campaigns::Goal, c.goal.as_str().into()),
        (Campaigns::StartsOn, c.starts_on.to_string().into()),
        (Campaigns::EndsOn, c.ends_on.to_string().into()),
        (Campaigns::Hashtags, c.hashtags.join(" ").into()),
        (
            Campaigns::Audiences,
            c.audiences
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(",")
                .into(),
        ),
        (Campaigns::Budget, c.budget.into()),
    ]
}

/// [`StoreError::Conflict`] when the slug is taken in the organisation.
pub async fn insert_campaign(
    tx: &mut Tx,
    org: OrgId,
    c: &CampaignFields,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let vals = campaign_values(c);
    let mut cols: Vec<Campaigns> = vals.iter().map(|(k, _)| *k).collect();
    let mut values: Vec<sea_query::SimpleExpr> = vals.into_iter().map(|(_, v)| v).collect();
    cols.extend([Campaigns::OrgId, Campaigns::CreatedAt, Campaigns::UpdatedAt]);
    values.extend([org.0.into(), now.0.into(), now.0.into()]);
    let q = Query::insert()
        .into_table(Campaigns::Table)
        .columns(cols)
        .values_panic(values)
        .returning_col(Campaigns::Id)
        .to_owned();
    tx.fetch_optional::<Id, _>(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "campaign slug"))?
        .map(|r| r.id)
        .ok_or(StoreError::NotFound)
}

pub async fn update_campaign(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    c: &CampaignFields,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut vals = campaign_values(c);
    vals.push((Campaigns::UpdatedAt, now.0.into()));
    let q = Query::update()
        .table(Campaigns::Table)
        .values(vals)
        .and_where(Expr::col(Campaigns::OrgId).eq(org.0))
        .and_where(Expr::col(Campaigns::Id).eq(id))
        .to_owned();
    Ok(tx
        .exec(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "campaign slug"))?
        == 1)
}

pub async fn campaigns(tx: &mut Tx, org: OrgId) -> Result<Vec<Campaign>, StoreError> {
    let q = Query::select()
        .columns(CAMPAIGN_COLS)
        .from(Campaigns::Table)
        .and_where(Expr::col(Campaigns::OrgId).eq(org.0))
        .order_by(Campaigns::StartsOn, Order::Desc)
        .order_by(Campaigns::Id, Order::Desc)
        .to_owned();
    Ok(tx
        .fetch_all::<CampaignRow, _>(&q)
        .await?
        .into_iter()
        .filter_map(campaign)
        .collect())
}

pub async fn get_campaign(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
) -> Result<Option<Campaign>, StoreError> {
    let q = Query::select()
        .columns(CAMPAIGN_COLS)
        .from(Campaigns::Table)
        .and_where(Expr::col(Campaigns::OrgId).eq(org.0))
        .and_where(Expr::col(Campaigns::Id).eq(id))
        .to_owned();
    Ok(tx
        .fetch_optional::<CampaignRow, _>(&q)
        .await?
        .and_then(campaign))
}

/// Ids of a campaign's posts, by planned time.
pub async fn campaign_posts(
    tx: &mut Tx,
    org: OrgId,
    campaign: i64,
) -> Result<Vec<i64>, StoreError> {
    let q = Query::select()
        .column(Posts::Id)
        .from(Posts::Table)
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::CampaignId).eq(campaign))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .order_by(Posts::PublishAt, Order::Asc)
        .limit(2000)
        .to_owned();
    tx.fetch_ids(&q).await
}

// ---------------------------------------------------------------- owned lists

/// Small lists the library keeps and may delete from: hashtag groups,
/// templates, its own days, the inbox's rules and saved replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owned {
    HashtagGroup,
    Template,
    OrgDay,
    InboxRule,
    SavedReply,
}

impl Owned {
    fn table(self) -> &'static str {
        match self {
            Owned::HashtagGroup => "hashtag_groups",
            Owned::Template => "post_templates",
            Owned::OrgDay => "org_days",
            Owned::InboxRule => "inbox_rules",
            Owned::SavedReply => "saved_replies",
        }
    }
}

/// Deletes one of the organisation's rows; `false` when it has no such row.
pub async fn delete_owned(
    tx: &mut Tx,
    org: OrgId,
    what: Owned,
    id: i64,
) -> Result<bool, StoreError> {
    let q = Query::delete()
        .from_table(sea_query::Alias::new(what.table()))
        .and_where(Expr::col(sea_query::Alias::new("org_id")).eq(org.0))
        .and_where(Expr::col(sea_query::Alias::new("id")).eq(id))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

// ---------------------------------------------------------------- hashtag groups

#[derive(Iden, Clone, Copy)]
enum HashtagGroups {
    Table,
    Id,
    OrgId,
    Name,
    Hashtags,
    CreatedAt,
}

/// A named group of hashtags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashtagGroup {
    pub id: i64,
    pub name: String,
    pub hashtags: Vec<String>,
}

pub async fn insert_hashtag_group(
    tx: &mut Tx,
    org: OrgId,
    name: &str,
    tags: &[String],
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(HashtagGroups::Table)
        .columns([
            HashtagGroups::OrgId,
            HashtagGroups::Name,
            HashtagGroups::Hashtags,
            HashtagGroups::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            name.into(),
            tags.join(" ").into(),
            now.0.into(),
        ])
        .returning_col(HashtagGroups::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

pub async fn hashtag_groups(tx: &mut Tx, org: OrgId) -> Result<Vec<HashtagGroup>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        id: i64,
        name: String,
        hashtags: String,
    }
    let q = Query::select()
        .columns([
            HashtagGroups::Id,
            HashtagGroups::Name,
            HashtagGroups::Hashtags,
        ])
        .from(HashtagGroups::Table)
        .and_where(Expr::col(HashtagGroups::OrgId).eq(org.0))
        .order_by(HashtagGroups::Name, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .map(|r| HashtagGroup {
            id: r.id,
            name: r.name,
            hashtags: r.hashtags.split_whitespace().map(String::from).collect(),
        })
        .collect())
}

// ---------------------------------------------------------------- notifications

#[derive(Iden, Clone, Copy)]
enum Notifications {
    Table,
    Id,
    OrgId,
    UserId,
    Kind,
    Args,
    Link,
    CreatedAt,
    ReadAt,
}

pub async fn notify(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    kind: &str,
    args: &BTreeMap<String, String>,
    link: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(Notifications::Table)
        .columns([
            Notifications::OrgId,
            Notifications::UserId,
            Notifications::Kind,
            Notifications::Args,
            Notifications::Link,
            Notifications::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            user.0.into(),
            kind.into(),
            serde_json::to_string(args)
                .unwrap_or_else(|_| "{}".into())
                .into(),
            link.into(),
            now.0.into(),
        ])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// A person's notifications, newest first.
pub async fn notifications(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    limit: u64,
) -> Result<Vec<Notification>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        id: i64,
        user_id: i64,
        kind: String,
        args: String,
        link: String,
        created_at: i64,
        read_at: Option<i64>,
    }
    let q = Query::select()
        .columns([
            Notifications::Id,
            Notifications::UserId,
            Notifications::Kind,
            Notifications::Args,
            Notifications::Link,
            Notifications::CreatedAt,
            Notifications::ReadAt,
        ])
        .from(Notifications::Table)
        .and_where(Expr::col(Notifications::OrgId).eq(org.0))
        .and_where(Expr::col(Notifications::UserId).eq(user.0))
        .order_by(Notifications::CreatedAt, Order::Desc)
        .order_by(Notifications::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .map(|r| Notification {
            id: r.id,
            user_id: UserId(r.user_id),
            kind: r.kind,
            args: serde_json::from_str(&r.args).unwrap_or_default(),
            link: r.link,
            created_at: Timestamp(r.created_at),
            read_at: r.read_at.map(Timestamp),
        })
        .collect())
}

pub async fn unread_count(tx: &mut Tx, org: OrgId, user: UserId) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct N {
        n: i64,
    }
    let q = Query::select()
        .expr_as(Expr::col(Notifications::Id).count(), "n")
        .from(Notifications::Table)
        .and_where(Expr::col(Notifications::OrgId).eq(org.0))
        .and_where(Expr::col(Notifications::UserId).eq(user.0))
        .and_where(Expr::col(Notifications::ReadAt).is_null())
        .to_owned();
    Ok(tx.fetch_one::<N, _>(&q).await?.n)
}

/// Marks all (or one) of a person's notifications read.
pub async fn mark_read(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    id: Option<i64>,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut q = Query::update();
    q.table(Notifications::Table)
        .value(Notifications::ReadAt, now.0)
        .and_where(Expr::col(Notifications::OrgId).eq(org.0))
        .and_where(Expr::col(Notifications::UserId).eq(user.0))
        .and_where(Expr::col(Notifications::ReadAt).is_null());
    if let Some(id) = id {
        q.and_where(Expr::col(Notifications::Id).eq(id));
    }
    Ok(tx.exec(&q).await?)
}

// ---------------------------------------------------------------- templates

#[derive(Iden, Clone, Copy)]
enum PostTemplates {
    Table,
    Id,
    OrgId,
    Name,
    Text,
    Category,
    CreatedBy,
    CreatedAt,
}

/// A reusable post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub id: i64,
    pub name: String,
    pub text: String,
    pub category: Option<Category>,
}

pub async fn insert_template(
    tx: &mut Tx,
    org: OrgId,
    name: &str,
    text: &str,
    category: Option<Category>,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(PostTemplates::Table)
        .columns([
            PostTemplates::OrgId,
            PostTemplates::Name,
            PostTemplates::Text,
            PostTemplates::Category,
            PostTemplates::CreatedBy,
            PostTemplates::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            name.into(),
            text.into(),
            category.map(Category::as_str).into(),
            by.map(|u| u.0).into(),
            now.0.into(),
        ])
        .returning_col(PostTemplates::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

pub async fn templates(tx: &mut Tx, org: OrgId) -> Result<Vec<Template>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        id: i64,
        name: String,
        text: String,
        category: Option<String>,
    }
    let q = Query::select()
        .columns([
            PostTemplates::Id,
            PostTemplates::Name,
            PostTemplates::Text,
            PostTemplates::Category,
        ])
        .from(PostTemplates::Table)
        .and_where(Expr::col(PostTemplates::OrgId).eq(org.0))
        .order_by(PostTemplates::Name, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .map(|r| Template {
            id: r.id,
            name: r.name,
            text: r.text,
            category: r.category.as_deref().and_then(Category::parse),
        })
        .collect())
}

// ---------------------------------------------------------------- the library's own days

#[derive(Iden, Clone, Copy)]
enum OrgDays {
    Table,
    Id,
    OrgId,
    Day,
    Name,
    Prompt,
    Yearly,
    CreatedAt,
}

/// A day that matters to this library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgDay {
    pub id: i64,
    pub day: chrono::NaiveDate,
    pub name: String,
    pub prompt: String,
    pub yearly: bool,
}

pub async fn insert_org_day(
    tx: &mut Tx,
    org: OrgId,
    d: &OrgDay,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(OrgDays::Table)
        .columns([
            OrgDays::OrgId,
            OrgDays::Day,
            OrgDays::Name,
            OrgDays::Prompt,
            OrgDays::Yearly,
            OrgDays::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            d.day.to_string().into(),
            d.name.as_str().into(),
            d.prompt.as_str().into(),
            d.yearly.into(),
            now.0.into(),
        ])
        .returning_col(OrgDays::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

pub async fn org_days(tx: &mut Tx, org: OrgId) -> Result<Vec<OrgDay>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        id: i64,
        day: String,
        name: String,
        prompt: String,
        yearly: bool,
    }
    let q = Query::select()
        .columns([
            OrgDays::Id,
            OrgDays::Day,
            OrgDays::Name,
            OrgDays::Prompt,
            OrgDays::Yearly,
        ])
        .from(OrgDays::Table)
        .and_where(Expr::col(OrgDays::OrgId).eq(org.0))
        .order_by(OrgDays::Day, Order::Asc)
        .to_owned();
    Ok(tx
        .fetch_all::<Rw, _>(&q)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(OrgDay {
                id: r.id,
                day: chrono::NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").ok()?,
                name: r.name,
                prompt: r.prompt,
                yearly: r.yearly,
            })
        })
        .collect())
}

// ---------------------------------------------------------------- first comments

#[derive(Iden, Clone, Copy)]
enum FirstComments {
    Table,
    DeliveryId,
    OrgId,
    Text,
    State,
    AttemptStartedAt,
    RemoteId,
    Error,
    UpdatedAt,
}

/// A first comment waiting for (or made after) its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstComment {
    pub delivery_id: i64,
    pub text: String,
    pub state: String,
    pub attempt_started_at: Option<Timestamp>,
    pub remote_id: Option<String>,
    pub error: Option<String>,
}

pub async fn insert_first_comment(
    tx: &mut Tx,
    org: OrgId,
    delivery: i64,
    text: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(FirstComments::Table)
        .columns([
            FirstComments::DeliveryId,
            FirstComments::OrgId,
            FirstComments::Text,
            FirstComments::State,
            FirstComments::UpdatedAt,
        ])
        .values_panic([
            delivery.into(),
            org.0.into(),
            text.into(),
            "pending".into(),
            now.0.into(),
        ])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

pub async fn first_comment(tx: &mut Tx, delivery: i64) -> Result<Option<FirstComment>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rw {
        delivery_id: i64,
        text: String,
        state: String,
        attempt_started_at: Option<i64>,
        remote_id: Option<String>,
        error: Option<String>,
    }
    let q = Query::select()
        .columns([
            FirstComments::DeliveryId,
            FirstComments::Text,
            FirstComments::State,
            FirstComments::AttemptStartedAt,
            FirstComments::RemoteId,
            FirstComments::Error,
        ])
        .from(FirstComments::Table)
        .and_where(Expr::col(FirstComments::DeliveryId).eq(delivery))
        .to_owned();
    Ok(tx.fetch_optional::<Rw, _>(&q).await?.map(|r| FirstComment {
        delivery_id: r.delivery_id,
        text: r.text,
        state: r.state,
        attempt_started_at: r.attempt_started_at.map(Timestamp),
        remote_id: r.remote_id,
        error: r.error,
    }))
}

/// Moves a first comment to `state` (with what is known), from one of `from`.
pub async fn set_first_comment(
    tx: &mut Tx,
    delivery: i64,
    state: &str,
    from: &[&str],
    remote_id: Option<&str>,
    error: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table(FirstComments::Table)
        .value(FirstComments::State, state)
        .value(FirstComments::UpdatedAt, now.0)
        .and_where(Expr::col(FirstComments::DeliveryId).eq(delivery))
        .and_where(Expr::col(FirstComments::State).is_in(from.iter().copied()));
    if state == "attempted" {
        q.value(FirstComments::AttemptStartedAt, now.0);
    }
    if let Some(r) = remote_id {
        q.value(FirstComments::RemoteId, r);
    }
    if let Some(e) = error {
        q.value(FirstComments::Error, e);
    }
    Ok(tx.exec(&q).await? == 1)
}
