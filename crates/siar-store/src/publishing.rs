//! Posts, their deliveries (one per channel), the media library and the practice
//! channel's timeline.

use crate::db::{StoreError, Tx};
use sea_query::{Cond, Expr, ExprTrait, Iden, Order, Query};
use siar_domain::Timestamp;
use siar_domain::org::{OrgId, UserId};
use siar_domain::publishing::{Delivery, DeliveryState, MediaKind, Post};
use siar_domain::studio::{Category, DraftContent, PostStatus};

#[derive(Iden, Clone, Copy)]
pub(crate) enum Posts {
    Table,
    Id,
    OrgId,
    AuthorId,
    Text,
    Title,
    PublishAt,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
    Status,
    Draft,
    Category,
    CampaignId,
    Notes,
    Version,
    Timed,
    SeriesId,
}

const POST_COLS: [Posts; 16] = [
    Posts::Id,
    Posts::OrgId,
    Posts::AuthorId,
    Posts::Text,
    Posts::Title,
    Posts::PublishAt,
    Posts::CreatedAt,
    Posts::UpdatedAt,
    Posts::Status,
    Posts::Draft,
    Posts::Category,
    Posts::CampaignId,
    Posts::Notes,
    Posts::Version,
    Posts::Timed,
    Posts::SeriesId,
];

#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    org_id: i64,
    author_id: Option<i64>,
    text: String,
    title: Option<String>,
    publish_at: i64,
    created_at: i64,
    updated_at: i64,
    status: String,
    draft: Option<String>,
    category: Option<String>,
    campaign_id: Option<i64>,
    notes: String,
    version: i64,
    timed: bool,
    series_id: Option<i64>,
}

impl From<PostRow> for Post {
    fn from(r: PostRow) -> Self {
        Post {
            id: r.id,
            org_id: OrgId(r.org_id),
            author_id: r.author_id.map(UserId),
            text: r.text,
            title: r.title,
            publish_at: Timestamp(r.publish_at),
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
            status: PostStatus::parse(&r.status).unwrap_or(PostStatus::Draft),
            draft: DraftContent::from_json(r.draft.as_deref()),
            category: r.category.as_deref().and_then(Category::parse),
            campaign_id: r.campaign_id,
            notes: r.notes,
            version: r.version,
            timed: r.timed,
            series_id: r.series_id,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

pub async fn insert_post(
    tx: &mut Tx,
    org: OrgId,
    author: Option<UserId>,
    text: &str,
    title: Option<&str>,
    publish_at: Timestamp,
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
            Posts::CreatedAt,
            Posts::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            author.map(|a| a.0).into(),
            text.into(),
            title.into(),
            publish_at.0.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col(Posts::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

pub async fn update_post(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    text: &str,
    title: Option<&str>,
    publish_at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Posts::Table)
        .values([
            (Posts::Text, text.into()),
            (Posts::Title, title.into()),
            (Posts::PublishAt, publish_at.0.into()),
            (Posts::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::Id).eq(id))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

pub async fn delete_post(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Posts::Table)
        .value(Posts::DeletedAt, now.0)
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::Id).eq(id))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

pub async fn get_post(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Post>, StoreError> {
    let q = Query::select()
        .columns(POST_COLS)
        .from(Posts::Table)
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::Id).eq(id))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .to_owned();
    Ok(tx.fetch_optional::<PostRow, _>(&q).await?.map(Into::into))
}

/// Newest first, `limit` at most, before `before_id` when paging.
pub async fn list_posts(
    tx: &mut Tx,
    org: OrgId,
    limit: u64,
    before_id: Option<i64>,
) -> Result<Vec<Post>, StoreError> {
    let mut q = Query::select();
    q.columns(POST_COLS)
        .from(Posts::Table)
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .order_by(Posts::Id, Order::Desc)
        .limit(limit);
    if let Some(b) = before_id {
        q.and_where(Expr::col(Posts::Id).lt(b));
    }
    Ok(tx
        .fetch_all::<PostRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Which posts to list (calendar, review queue): every part is optional.
#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    pub statuses: Vec<PostStatus>,
    pub author: Option<UserId>,
    pub campaign: Option<i64>,
    pub category: Option<Category>,
    /// Planned time in `[from, to)`; only posts with a planned time.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub ids: Option<Vec<i64>>,
    pub limit: u64,
}

/// Posts matching `f`, by planned time.
pub async fn find_posts(tx: &mut Tx, org: OrgId, f: &PostFilter) -> Result<Vec<Post>, StoreError> {
    let mut q = Query::select();
    q.columns(POST_COLS)
        .from(Posts::Table)
        .and_where(Expr::col(Posts::OrgId).eq(org.0))
        .and_where(Expr::col(Posts::DeletedAt).is_null())
        .order_by(Posts::PublishAt, Order::Asc)
        .order_by(Posts::Id, Order::Asc)
        .limit(std::cmp::max(f.limit, 1));
    if !f.statuses.is_empty() {
        q.and_where(Expr::col(Posts::Status).is_in(f.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(a) = f.author {
        q.and_where(Expr::col(Posts::AuthorId).eq(a.0));
    }
    if let Some(c) = f.campaign {
        q.and_where(Expr::col(Posts::CampaignId).eq(c));
    }
    if let Some(c) = f.category {
        q.and_where(Expr::col(Posts::Category).eq(c.as_str()));
    }
    if f.from.is_some() || f.to.is_some() {
        q.and_where(Expr::col(Posts::Timed).eq(true));
    }
    if let Some(t) = f.from {
        q.and_where(Expr::col(Posts::PublishAt).gte(t.0));
    }
    if let Some(t) = f.to {
        q.and_where(Expr::col(Posts::PublishAt).lt(t.0));
    }
    if let Some(ids) = &f.ids {
        q.and_where(Expr::col(Posts::Id).is_in(ids.iter().copied()));
    }
    Ok(tx
        .fetch_all::<PostRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[derive(Iden, Clone, Copy)]
enum Deliveries {
    Table,
    Id,
    OrgId,
    PostId,
    ChannelId,
    State,
    Text,
    Title,
    Media,
    PublishAt,
    Marker,
    Attempts,
    AttemptStartedAt,
    RemoteId,
    Permalink,
    ErrorKey,
    ErrorDetail,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

const DELIVERY_COLS: [Deliveries; 19] = [
    Deliveries::Id,
    Deliveries::OrgId,
    Deliveries::PostId,
    Deliveries::ChannelId,
    Deliveries::State,
    Deliveries::Text,
    Deliveries::Title,
    Deliveries::Media,
    Deliveries::PublishAt,
    Deliveries::Marker,
    Deliveries::Attempts,
    Deliveries::AttemptStartedAt,
    Deliveries::RemoteId,
    Deliveries::Permalink,
    Deliveries::ErrorKey,
    Deliveries::ErrorDetail,
    Deliveries::PublishedAt,
    Deliveries::CreatedAt,
    Deliveries::UpdatedAt,
];

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    org_id: i64,
    post_id: i64,
    channel_id: i64,
    state: String,
    text: String,
    title: Option<String>,
    media: String,
    publish_at: i64,
    marker: String,
    attempts: i32,
    attempt_started_at: Option<i64>,
    remote_id: Option<String>,
    permalink: Option<String>,
    error_key: Option<String>,
    error_detail: Option<String>,
    published_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;
    fn try_from(r: DeliveryRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("delivery {}: {what}", r.id));
        Ok(Delivery {
            id: r.id,
            org_id: OrgId(r.org_id),
            post_id: r.post_id,
            channel_id: r.channel_id,
            state: DeliveryState::parse(&r.state).ok_or_else(|| corrupt("state"))?,
            text: r.text,
            title: r.title,
            media: serde_json::from_str(&r.media).map_err(|_| corrupt("media"))?,
            publish_at: Timestamp(r.publish_at),
            marker: r.marker,
            attempts: u32::try_from(r.attempts).unwrap_or(0),
            attempt_started_at: r.attempt_started_at.map(Timestamp),
            remote_id: r.remote_id,
            permalink: r.permalink,
            error_key: r.error_key,
            error_detail: r.error_detail,
            published_at: r.published_at.map(Timestamp),
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        })
    }
}

/// A delivery to create with its post.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub post_id: i64,
    pub channel_id: i64,
    pub text: &'a str,
    pub title: Option<&'a str>,
    pub media: &'a [i64],
    pub publish_at: Timestamp,
    pub marker: &'a str,
}

pub async fn insert_delivery(
    tx: &mut Tx,
    org: OrgId,
    d: &NewDelivery<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let media = serde_json::to_string(d.media).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let q = Query::insert()
        .into_table(Deliveries::Table)
        .columns([
            Deliveries::OrgId,
            Deliveries::PostId,
            Deliveries::ChannelId,
            Deliveries::State,
            Deliveries::Text,
            Deliveries::Title,
            Deliveries::Media,
            Deliveries::PublishAt,
            Deliveries::Marker,
            Deliveries::CreatedAt,
            Deliveries::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            d.post_id.into(),
            d.channel_id.into(),
            DeliveryState::Scheduled.as_str().into(),
            d.text.into(),
            d.title.into(),
            media.into(),
            d.publish_at.0.into(),
            d.marker.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col(Deliveries::Id)
        .to_owned();
    let id: Id = tx
        .fetch_optional(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "delivery"))?
        .ok_or(StoreError::NotFound)?;
    Ok(id.id)
}

/// What a delivery will send, when editing it.
#[derive(Debug, Clone)]
pub struct DeliveryContent<'a> {
    pub text: &'a str,
    pub title: Option<&'a str>,
    pub media: &'a [i64],
    pub publish_at: Timestamp,
}

/// Changes what a scheduled (not yet attempted) delivery will send.
pub async fn update_delivery_content(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    c: &DeliveryContent<'_>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let media = serde_json::to_string(c.media).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let q = Query::update()
        .table(Deliveries::Table)
        .values([
            (Deliveries::Text, c.text.into()),
            (Deliveries::Title, c.title.into()),
            (Deliveries::Media, media.into()),
            (Deliveries::PublishAt, c.publish_at.0.into()),
            (Deliveries::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Deliveries::OrgId).eq(org.0))
        .and_where(Expr::col(Deliveries::Id).eq(id))
        .and_where(Expr::col(Deliveries::Attempts).eq(0))
        .and_where(Expr::col(Deliveries::State).is_in([
            DeliveryState::Scheduled.as_str(),
            DeliveryState::Waiting.as_str(),
        ]))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

pub async fn get_delivery(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
) -> Result<Option<Delivery>, StoreError> {
    let q = Query::select()
        .columns(DELIVERY_COLS)
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::OrgId).eq(org.0))
        .and_where(Expr::col(Deliveries::Id).eq(id))
        .to_owned();
    tx.fetch_optional::<DeliveryRow, _>(&q)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

pub async fn post_deliveries(
    tx: &mut Tx,
    org: OrgId,
    post_id: i64,
) -> Result<Vec<Delivery>, StoreError> {
    list_deliveries(
        tx,
        Cond::all()
            .add(Expr::col(Deliveries::OrgId).eq(org.0))
            .add(Expr::col(Deliveries::PostId).eq(post_id)),
    )
    .await
}

/// Deliveries of many posts at once (for lists).
pub async fn deliveries_of_posts(
    tx: &mut Tx,
    org: OrgId,
    post_ids: &[i64],
) -> Result<Vec<Delivery>, StoreError> {
    if post_ids.is_empty() {
        return Ok(vec![]);
    }
    list_deliveries(
        tx,
        Cond::all()
            .add(Expr::col(Deliveries::OrgId).eq(org.0))
            .add(Expr::col(Deliveries::PostId).is_in(post_ids.iter().copied())),
    )
    .await
}

/// Deliveries of one channel in one state (e.g. those waiting for a reconnect).
pub async fn channel_deliveries(
    tx: &mut Tx,
    org: OrgId,
    channel_id: i64,
    state: DeliveryState,
) -> Result<Vec<Delivery>, StoreError> {
    list_deliveries(
        tx,
        Cond::all()
            .add(Expr::col(Deliveries::OrgId).eq(org.0))
            .add(Expr::col(Deliveries::ChannelId).eq(channel_id))
            .add(Expr::col(Deliveries::State).eq(state.as_str())),
    )
    .await
}

/// Deliveries in any of `states`, across the organisation (for the console's
/// attention list).
pub async fn deliveries_in(
    tx: &mut Tx,
    org: OrgId,
    states: &[DeliveryState],
) -> Result<Vec<Delivery>, StoreError> {
    list_deliveries(
        tx,
        Cond::all()
            .add(Expr::col(Deliveries::OrgId).eq(org.0))
            .add(Expr::col(Deliveries::State).is_in(states.iter().map(|s| s.as_str()))),
    )
    .await
}

async fn list_deliveries(tx: &mut Tx, cond: Cond) -> Result<Vec<Delivery>, StoreError> {
    let q = Query::select()
        .columns(DELIVERY_COLS)
        .from(Deliveries::Table)
        .cond_where(cond)
        .order_by(Deliveries::PublishAt, Order::Asc)
        .order_by(Deliveries::Id, Order::Asc)
        .to_owned();
    tx.fetch_all::<DeliveryRow, _>(&q)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Records an attempt before the platform is called: state `publishing`,
/// attempts + 1. Only succeeds if nobody recorded one since the caller read the
/// delivery (`seen_attempts`), so two workers can never both go ahead.
pub async fn record_attempt(
    tx: &mut Tx,
    id: i64,
    seen_attempts: u32,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Ok(!record_attempts(tx, &[(id, seen_attempts)], now)
        .await?
        .is_empty())
}

pub async fn mark_published(
    tx: &mut Tx,
    id: i64,
    remote_id: &str,
    permalink: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(Deliveries::Table)
        .values([
            (Deliveries::State, DeliveryState::Published.as_str().into()),
            (Deliveries::RemoteId, remote_id.into()),
            (Deliveries::Permalink, permalink.into()),
            (Deliveries::ErrorKey, Option::<String>::None.into()),
            (Deliveries::ErrorDetail, Option::<String>::None.into()),
            (Deliveries::PublishedAt, now.0.into()),
            (Deliveries::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Deliveries::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Records several attempts in one statement, each under the same rule as
/// [`record_attempt`]: `(delivery, attempts its reader saw)`. Returns the
/// deliveries whose attempt was recorded (the others were taken by someone else).
pub async fn record_attempts(
    tx: &mut Tx,
    items: &[(i64, u32)],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    if items.is_empty() {
        return Ok(vec![]);
    }
    if let Some(pg) = tx.postgres() {
        let ids: Vec<i64> = items.iter().map(|i| i.0).collect();
        let seen: Vec<i32> = items
            .iter()
            .map(|i| i32::try_from(i.1).unwrap_or(i32::MAX))
            .collect();
        return Ok(sqlx::query_scalar(PG_RECORD_ATTEMPTS)
            .bind(ids)
            .bind(seen)
            .bind(now.0)
            .bind(DeliveryState::Publishing.as_str())
            .bind(DeliveryState::Scheduled.as_str())
            .fetch_all(pg)
            .await?);
    }
    // `id IN (…)` finds the rows by one index look; the CASE gives each row
    // the attempt count its reader saw.
    let mut seen = sea_query::CaseStatement::new();
    for (id, n) in items {
        seen = seen.case(Expr::col(Deliveries::Id).eq(*id), Expr::val(*n as i32));
    }
    let seen: Expr = seen.into();
    let each = Cond::all()
        .add(Expr::col(Deliveries::Id).is_in(items.iter().map(|i| i.0)))
        .add(Expr::col(Deliveries::Attempts).eq(seen));
    let q = Query::update()
        .table(Deliveries::Table)
        .values([
            (Deliveries::State, DeliveryState::Publishing.as_str().into()),
            (Deliveries::AttemptStartedAt, now.0.into()),
            (Deliveries::UpdatedAt, now.0.into()),
        ])
        .value(Deliveries::Attempts, Expr::col(Deliveries::Attempts).add(1))
        .cond_where(
            Cond::all()
                .add(each)
                .add(Expr::col(Deliveries::State).is_in([
                    DeliveryState::Scheduled.as_str(),
                    DeliveryState::Publishing.as_str(),
                ])),
        )
        .returning(Query::returning().column(Deliveries::Id))
        .to_owned();
    tx.fetch_ids(&q).await
}

/// [`record_attempts`] on PostgreSQL: the items as two arrays, so the text is
/// the same whatever their number and the statement is prepared once per
/// connection (an `IN` list of each length was parsed and planned afresh,
/// while the batch's deliveries held their slots). A delivery named twice is
/// updated once.
const PG_RECORD_ATTEMPTS: &str = "UPDATE deliveries AS d
    SET state = $4, attempt_started_at = $3, updated_at = $3, attempts = d.attempts + 1
    FROM UNNEST($1::bigint[], $2::int[]) AS t (id, seen)
    WHERE d.id = t.id AND d.attempts = t.seen AND d.state IN ($4, $5)
    RETURNING d.id";

/// [`mark_published_many`] on PostgreSQL: one text whatever the number of
/// marks (see [`PG_RECORD_ATTEMPTS`]).
const PG_MARK_PUBLISHED: &str = "UPDATE deliveries AS d
    SET state = $5, remote_id = t.remote_id, permalink = t.permalink, error_key = NULL,
        error_detail = NULL, published_at = t.at, updated_at = $6
    FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS t (id, remote_id, permalink, at)
    WHERE d.id = t.id";

/// A delivery the platform accepted, for [`mark_published_many`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedMark {
    pub delivery: i64,
    pub remote_id: String,
    pub permalink: Option<String>,
    pub at: Timestamp,
}

/// Marks several deliveries published in one statement (each with its own
/// remote id, link and time).
pub async fn mark_published_many(tx: &mut Tx, marks: &[PublishedMark]) -> Result<(), StoreError> {
    let Some(first) = marks.first() else {
        return Ok(());
    };
    if marks.len() == 1 {
        return mark_published(
            tx,
            first.delivery,
            &first.remote_id,
            first.permalink.as_deref(),
            first.at,
        )
        .await;
    }
    let latest = marks.iter().map(|m| m.at.0).max().unwrap_or(first.at.0);
    if let Some(pg) = tx.postgres() {
        sqlx::query(PG_MARK_PUBLISHED)
            .bind(marks.iter().map(|m| m.delivery).collect::<Vec<i64>>())
            .bind(
                marks
                    .iter()
                    .map(|m| m.remote_id.as_str())
                    .collect::<Vec<&str>>(),
            )
            .bind(
                marks
                    .iter()
                    .map(|m| m.permalink.as_deref())
                    .collect::<Vec<Option<&str>>>(),
            )
            .bind(marks.iter().map(|m| m.at.0).collect::<Vec<i64>>())
            .bind(DeliveryState::Published.as_str())
            .bind(latest)
            .execute(pg)
            .await?;
        return Ok(());
    }
    let per_row = |f: &dyn Fn(&PublishedMark) -> Expr| {
        let mut c = sea_query::CaseStatement::new();
        for m in marks {
            c = c.case(Expr::col(Deliveries::Id).eq(m.delivery), f(m));
        }
        let e: Expr = c.into();
        e
    };
    let q = Query::update()
        .table(Deliveries::Table)
        .values([
            (Deliveries::State, DeliveryState::Published.as_str().into()),
            (
                Deliveries::RemoteId,
                per_row(&|m| Expr::val(m.remote_id.clone())),
            ),
            (
                Deliveries::Permalink,
                per_row(&|m| Expr::val(m.permalink.clone())),
            ),
            (Deliveries::ErrorKey, Option::<String>::None.into()),
            (Deliveries::ErrorDetail, Option::<String>::None.into()),
            (Deliveries::PublishedAt, per_row(&|m| Expr::val(m.at.0))),
            (Deliveries::UpdatedAt, latest.into()),
        ])
        .and_where(Expr::col(Deliveries::Id).is_in(marks.iter().map(|m| m.delivery)))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Moves a delivery to `state` with a reason (key for staff, the platform's
/// original words). `only_from` guards against racing a person's cancel.
pub async fn set_state(
    tx: &mut Tx,
    id: i64,
    state: DeliveryState,
    error_key: Option<&str>,
    error_detail: Option<&str>,
    only_from: &[DeliveryState],
    now: Timestamp,
) -> Result<bool, StoreError> {
    let detail: Option<String> = error_detail.map(|d| d.chars().take(2000).collect());
    let mut q = Query::update();
    q.table(Deliveries::Table)
        .values([
            (Deliveries::State, state.as_str().into()),
            (Deliveries::ErrorKey, error_key.into()),
            (Deliveries::ErrorDetail, detail.into()),
            (Deliveries::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Deliveries::Id).eq(id));
    if !only_from.is_empty() {
        q.and_where(Expr::col(Deliveries::State).is_in(only_from.iter().map(|s| s.as_str())));
    }
    Ok(tx.exec(&q).await? == 1)
}

/// The last attempt's outcome is known (it certainly did not publish, or a
/// person looked): the next run publishes without looking first.
pub async fn settle_attempt(tx: &mut Tx, id: i64) -> Result<(), StoreError> {
    let q = Query::update()
        .table(Deliveries::Table)
        .value(Deliveries::AttemptStartedAt, Option::<i64>::None)
        .and_where(Expr::col(Deliveries::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Moves the delivery's time (a person's retry sends it now).
pub async fn set_publish_at(
    tx: &mut Tx,
    id: i64,
    at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(Deliveries::Table)
        .values([
            (Deliveries::PublishAt, at.0.into()),
            (Deliveries::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Deliveries::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// A delivery by id, whatever its organisation (the worker's view).
pub async fn get_delivery_any(tx: &mut Tx, id: i64) -> Result<Option<Delivery>, StoreError> {
    let q = Query::select()
        .columns(DELIVERY_COLS)
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::Id).eq(id))
        .to_owned();
    tx.fetch_optional::<DeliveryRow, _>(&q)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// Counts of deliveries by state, for one organisation.
pub async fn delivery_counts(
    tx: &mut Tx,
    org: OrgId,
) -> Result<Vec<(DeliveryState, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct C {
        state: String,
        n: i64,
    }
    let q = Query::select()
        .column(Deliveries::State)
        .expr_as(Expr::col(Deliveries::Id).count(), "n")
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::OrgId).eq(org.0))
        .group_by_col(Deliveries::State)
        .to_owned();
    Ok(tx
        .fetch_all::<C, _>(&q)
        .await?
        .into_iter()
        .filter_map(|c| DeliveryState::parse(&c.state).map(|s| (s, c.n)))
        .collect())
}

#[derive(Iden, Clone, Copy)]
enum Media {
    Table,
    Id,
    OrgId,
    Kind,
    Mime,
    Bytes,
    Width,
    Height,
    DurationMs,
    Alt,
    FileName,
    StorageKey,
    Sha256,
    CreatedBy,
    CreatedAt,
}

const MEDIA_COLS: [Media; 13] = [
    Media::Id,
    Media::OrgId,
    Media::Kind,
    Media::Mime,
    Media::Bytes,
    Media::Width,
    Media::Height,
    Media::DurationMs,
    Media::Alt,
    Media::FileName,
    Media::StorageKey,
    Media::Sha256,
    Media::CreatedAt,
];

#[derive(sqlx::FromRow)]
struct MediaRow {
    id: i64,
    org_id: i64,
    kind: String,
    mime: String,
    bytes: i64,
    width: i32,
    height: i32,
    duration_ms: Option<i64>,
    alt: String,
    file_name: String,
    storage_key: String,
    sha256: String,
    created_at: i64,
}

impl TryFrom<MediaRow> for siar_domain::publishing::Media {
    type Error = StoreError;
    fn try_from(r: MediaRow) -> Result<Self, StoreError> {
        Ok(siar_domain::publishing::Media {
            id: r.id,
            org_id: OrgId(r.org_id),
            kind: MediaKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("media {}: kind", r.id)))?,
            mime: r.mime,
            bytes: u64::try_from(r.bytes).unwrap_or(0),
            width: u32::try_from(r.width).unwrap_or(0),
            height: u32::try_from(r.height).unwrap_or(0),
            duration_ms: r.duration_ms,
            alt: r.alt,
            file_name: r.file_name,
            storage_key: r.storage_key,
            sha256: r.sha256,
            created_at: Timestamp(r.created_at),
        })
    }
}

/// A file to record in the media library (its bytes are already on disk).
#[derive(Debug, Clone)]
pub struct NewMedia<'a> {
    pub kind: MediaKind,
    pub mime: &'a str,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub duration_ms: Option<i64>,
    pub alt: &'a str,
    pub file_name: &'a str,
    pub storage_key: &'a str,
    pub sha256: &'a str,
}

pub async fn insert_media(
    tx: &mut Tx,
    org: OrgId,
    by: Option<UserId>,
    m: &NewMedia<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(Media::Table)
        .columns([
            Media::OrgId,
            Media::Kind,
            Media::Mime,
            Media::Bytes,
            Media::Width,
            Media::Height,
            Media::DurationMs,
            Media::Alt,
            Media::FileName,
            Media::StorageKey,
            Media::Sha256,
            Media::CreatedBy,
            Media::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            m.kind.as_str().into(),
            m.mime.into(),
            (m.bytes as i64).into(),
            (m.width as i32).into(),
            (m.height as i32).into(),
            m.duration_ms.into(),
            m.alt.into(),
            m.file_name.into(),
            m.storage_key.into(),
            m.sha256.into(),
            by.map(|u| u.0).into(),
            now.0.into(),
        ])
        .returning_col(Media::Id)
        .to_owned();
    Ok(tx.fetch_one::<Id, _>(&q).await?.id)
}

pub async fn set_media_alt(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    alt: &str,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Media::Table)
        .value(Media::Alt, alt)
        .and_where(Expr::col(Media::OrgId).eq(org.0))
        .and_where(Expr::col(Media::Id).eq(id))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// The organisation's newest media, for the composer's picker.
pub async fn recent_media(
    tx: &mut Tx,
    org: OrgId,
    limit: u64,
) -> Result<Vec<siar_domain::publishing::Media>, StoreError> {
    let q = Query::select()
        .columns(MEDIA_COLS)
        .from(Media::Table)
        .and_where(Expr::col(Media::OrgId).eq(org.0))
        .order_by(Media::CreatedAt, Order::Desc)
        .order_by(Media::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    tx.fetch_all::<MediaRow, _>(&q)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// The organisation's media with these ids (unknown ids are left out).
pub async fn media_by_ids(
    tx: &mut Tx,
    org: OrgId,
    ids: &[i64],
) -> Result<Vec<siar_domain::publishing::Media>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let q = Query::select()
        .columns(MEDIA_COLS)
        .from(Media::Table)
        .and_where(Expr::col(Media::OrgId).eq(org.0))
        .and_where(Expr::col(Media::Id).is_in(ids.iter().copied()))
        .to_owned();
    tx.fetch_all::<MediaRow, _>(&q)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// A media file by id, whatever its organisation (signed public URLs).
pub async fn media_by_id_any(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<siar_domain::publishing::Media>, StoreError> {
    let q = Query::select()
        .columns(MEDIA_COLS)
        .from(Media::Table)
        .and_where(Expr::col(Media::Id).eq(id))
        .to_owned();
    tx.fetch_optional::<MediaRow, _>(&q)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

#[derive(Iden, Clone, Copy)]
enum PracticePosts {
    Table,
    Id,
    OrgId,
    ChannelId,
    Marker,
    Text,
    Media,
    CreatedAt,
}

/// A post on the practice channel's timeline.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PracticePost {
    pub id: i64,
    pub channel_id: i64,
    pub marker: String,
    pub text: String,
    pub media: String,
    pub created_at: i64,
}

/// Publishes on the practice timeline. The marker is unique per channel, so a
/// second attempt with the same marker is refused as a conflict.
pub async fn insert_practice(
    tx: &mut Tx,
    org: OrgId,
    channel_id: i64,
    marker: &str,
    text: &str,
    media: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(PracticePosts::Table)
        .columns([
            PracticePosts::OrgId,
            PracticePosts::ChannelId,
            PracticePosts::Marker,
            PracticePosts::Text,
            PracticePosts::Media,
            PracticePosts::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            channel_id.into(),
            marker.into(),
            text.into(),
            media.into(),
            now.0.into(),
        ])
        .returning_col(PracticePosts::Id)
        .to_owned();
    let id: Id = tx
        .fetch_optional(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "practice post"))?
        .ok_or(StoreError::NotFound)?;
    Ok(id.id)
}

const PRACTICE_COLS: [PracticePosts; 6] = [
    PracticePosts::Id,
    PracticePosts::ChannelId,
    PracticePosts::Marker,
    PracticePosts::Text,
    PracticePosts::Media,
    PracticePosts::CreatedAt,
];

pub async fn find_practice(
    tx: &mut Tx,
    channel_id: i64,
    marker: &str,
) -> Result<Option<PracticePost>, StoreError> {
    let q = Query::select()
        .columns(PRACTICE_COLS)
        .from(PracticePosts::Table)
        .and_where(Expr::col(PracticePosts::ChannelId).eq(channel_id))
        .and_where(Expr::col(PracticePosts::Marker).eq(marker))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn practice_timeline(
    tx: &mut Tx,
    org: OrgId,
    channel_id: i64,
    limit: u64,
) -> Result<Vec<PracticePost>, StoreError> {
    let q = Query::select()
        .columns(PRACTICE_COLS)
        .from(PracticePosts::Table)
        .and_where(Expr::col(PracticePosts::OrgId).eq(org.0))
        .and_where(Expr::col(PracticePosts::ChannelId).eq(channel_id))
        .order_by(PracticePosts::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Our post behind a platform post id on a channel (comments name the post
/// they are under).
pub async fn post_of_remote(
    tx: &mut Tx,
    org: OrgId,
    channel_id: i64,
    remote_id: &str,
) -> Result<Option<(i64, Option<String>)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct P {
        post_id: i64,
        permalink: Option<String>,
    }
    let q = Query::select()
        .columns([Deliveries::PostId, Deliveries::Permalink])
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::OrgId).eq(org.0))
        .and_where(Expr::col(Deliveries::ChannelId).eq(channel_id))
        .and_where(Expr::col(Deliveries::RemoteId).eq(remote_id))
        .limit(1)
        .to_owned();
    Ok(tx
        .fetch_optional::<P, _>(&q)
        .await?
        .map(|p| (p.post_id, p.permalink)))
}
