//! Short links, their clicks and the daily salts of visitor hashes.

use crate::db::{StoreError, Tx};
use sea_query::{Expr, ExprTrait, Func, Iden, OnConflict, Order, Query};
use siar_domain::Timestamp;
use siar_domain::links::{Device, ShortLink};
use siar_domain::org::{OrgId, UserId};

#[derive(Iden, Clone, Copy)]
enum ShortLinks {
    Table,
    Id,
    OrgId,
    Code,
    Target,
    Label,
    ChannelId,
    PostId,
    Campaign,
    InBio,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
enum LinkClicks {
    Table,
    Id,
    LinkId,
    OrgId,
    At,
    Device,
    Visitor,
}

#[derive(Iden, Clone, Copy)]
enum LinkSalts {
    Table,
    Day,
    Salt,
}

const COLS: [ShortLinks; 11] = [
    ShortLinks::Id,
    ShortLinks::OrgId,
    ShortLinks::Code,
    ShortLinks::Target,
    ShortLinks::Label,
    ShortLinks::ChannelId,
    ShortLinks::PostId,
    ShortLinks::Campaign,
    ShortLinks::InBio,
    ShortLinks::CreatedBy,
    ShortLinks::CreatedAt,
];

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    org_id: i64,
    code: String,
    target: String,
    label: String,
    channel_id: Option<i64>,
    post_id: Option<i64>,
    campaign: Option<String>,
    in_bio: bool,
    created_by: Option<i64>,
    created_at: i64,
}

impl From<Row> for ShortLink {
    fn from(r: Row) -> Self {
        ShortLink {
            id: r.id,
            org_id: OrgId(r.org_id),
            code: r.code,
            target: r.target,
            label: r.label,
            channel_id: r.channel_id,
            post_id: r.post_id,
            campaign: r.campaign,
            in_bio: r.in_bio,
            created_by: r.created_by.map(UserId),
            created_at: Timestamp(r.created_at),
        }
    }
}

/// A link to insert.
pub struct NewLink<'a> {
    pub code: &'a str,
    pub target: &'a str,
    pub label: &'a str,
    pub channel_id: Option<i64>,
    pub post_id: Option<i64>,
    pub campaign: Option<&'a str>,
    pub created_by: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct NewId {
    id: i64,
}

fn insert_query(org: OrgId, l: &NewLink<'_>, now: Timestamp) -> sea_query::InsertStatement {
    Query::insert()
        .into_table(ShortLinks::Table)
        .columns([
            ShortLinks::OrgId,
            ShortLinks::Code,
            ShortLinks::Target,
            ShortLinks::Label,
            ShortLinks::ChannelId,
            ShortLinks::PostId,
            ShortLinks::Campaign,
            ShortLinks::CreatedBy,
            ShortLinks::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            l.code.into(),
            l.target.into(),
            l.label.into(),
            l.channel_id.into(),
            l.post_id.into(),
            l.campaign.into(),
            l.created_by.map(|u| u.0).into(),
            now.0.into(),
        ])
        .returning_col(ShortLinks::Id)
        .to_owned()
}

/// Inserts a link. [`StoreError::Conflict`] when the code is taken (anywhere in
/// the deployment).
pub async fn insert(
    tx: &mut Tx,
    org: OrgId,
    l: &NewLink<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    tx.fetch_optional::<NewId, _>(&insert_query(org, l, now))
        .await
        .map_err(|e| StoreError::from_write(e, "short link code"))?
        .map(|r| r.id)
        .ok_or(StoreError::NotFound)
}

/// Inserts a link unless its code is taken (`None`, and the transaction
/// stays usable: for links made inside a larger change).
pub async fn insert_if_free(
    tx: &mut Tx,
    org: OrgId,
    l: &NewLink<'_>,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    let mut q = insert_query(org, l, now);
    q.on_conflict(OnConflict::column(ShortLinks::Code).do_nothing().to_owned());
    Ok(tx.fetch_optional::<NewId, _>(&q).await?.map(|r| r.id))
}

/// A link by its code, whatever its organisation (the public redirect).
pub async fn by_code(tx: &mut Tx, code: &str) -> Result<Option<ShortLink>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(ShortLinks::Table)
        .and_where(Expr::col(ShortLinks::Code).eq(code))
        .to_owned();
    Ok(tx.fetch_optional::<Row, _>(&q).await?.map(Into::into))
}

pub async fn get(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<ShortLink>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(ShortLinks::Table)
        .and_where(Expr::col(ShortLinks::OrgId).eq(org.0))
        .and_where(Expr::col(ShortLinks::Id).eq(id))
        .to_owned();
    Ok(tx.fetch_optional::<Row, _>(&q).await?.map(Into::into))
}

/// The organisation's links, newest first, each with its clicks by people.
pub async fn list(
    tx: &mut Tx,
    org: OrgId,
    limit: u64,
) -> Result<Vec<(ShortLink, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct WithClicks {
        #[sqlx(flatten)]
        row: Row,
        clicks: i64,
    }
    let clicks = Query::select()
        .expr(Func::count(Expr::col(LinkClicks::Id)))
        .from(LinkClicks::Table)
        .and_where(
            Expr::col((LinkClicks::Table, LinkClicks::LinkId))
                .equals((ShortLinks::Table, ShortLinks::Id)),
        )
        .and_where(Expr::col(LinkClicks::Device).ne(Device::Bot.as_str()))
        .to_owned();
    let q = Query::select()
        .columns(COLS.map(|c| (ShortLinks::Table, c)))
        .expr_as(Expr::SubQuery(None, Box::new(clicks.into())), "clicks")
        .from(ShortLinks::Table)
        .and_where(Expr::col((ShortLinks::Table, ShortLinks::OrgId)).eq(org.0))
        .order_by((ShortLinks::Table, ShortLinks::CreatedAt), Order::Desc)
        .order_by((ShortLinks::Table, ShortLinks::Id), Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx
        .fetch_all::<WithClicks, _>(&q)
        .await?
        .into_iter()
        .map(|w| (w.row.into(), w.clicks))
        .collect())
}

/// Lists a link on the link-in-bio page, or takes it off. `false` when the
/// organisation has no such link.
pub async fn set_in_bio(tx: &mut Tx, org: OrgId, id: i64, on: bool) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(ShortLinks::Table)
        .value(ShortLinks::InBio, on)
        .and_where(Expr::col(ShortLinks::OrgId).eq(org.0))
        .and_where(Expr::col(ShortLinks::Id).eq(id))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// The links on the organisation's link-in-bio page, newest first.
pub async fn bio(tx: &mut Tx, org: OrgId, limit: u64) -> Result<Vec<ShortLink>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(ShortLinks::Table)
        .and_where(Expr::col(ShortLinks::OrgId).eq(org.0))
        .and_where(Expr::col(ShortLinks::InBio).eq(true))
        .order_by(ShortLinks::CreatedAt, Order::Desc)
        .order_by(ShortLinks::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx
        .fetch_all::<Row, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Records one click.
pub async fn insert_click(
    tx: &mut Tx,
    link: &ShortLink,
    at: Timestamp,
    device: Device,
    visitor: &str,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(LinkClicks::Table)
        .columns([
            LinkClicks::LinkId,
            LinkClicks::OrgId,
            LinkClicks::At,
            LinkClicks::Device,
            LinkClicks::Visitor,
        ])
        .values_panic([
            link.id.into(),
            link.org_id.0.into(),
            at.0.into(),
            device.as_str().into(),
            visitor.into(),
        ])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// One click as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Click {
    pub at: i64,
    pub device: String,
    pub visitor: String,
}

/// A link's clicks since `since`, oldest first (for its statistics).
pub async fn clicks(
    tx: &mut Tx,
    org: OrgId,
    link: i64,
    since: Timestamp,
) -> Result<Vec<Click>, StoreError> {
    let q = Query::select()
        .columns([LinkClicks::At, LinkClicks::Device, LinkClicks::Visitor])
        .from(LinkClicks::Table)
        .and_where(Expr::col(LinkClicks::OrgId).eq(org.0))
        .and_where(Expr::col(LinkClicks::LinkId).eq(link))
        .and_where(Expr::col(LinkClicks::At).gte(since.0))
        .order_by(LinkClicks::At, Order::Asc)
        .to_owned();
    Ok(tx.fetch_all::<Click, _>(&q).await?)
}

/// The salt of `day`: `fresh` becomes it unless the day already has one.
pub async fn salt_for(tx: &mut Tx, day: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Salt {
        salt: Vec<u8>,
    }
    let ins = Query::insert()
        .into_table(LinkSalts::Table)
        .columns([LinkSalts::Day, LinkSalts::Salt])
        .values_panic([day.into(), fresh.to_vec().into()])
        .on_conflict(OnConflict::column(LinkSalts::Day).do_nothing().to_owned())
        .to_owned();
    tx.exec(&ins).await?;
    let q = Query::select()
        .column(LinkSalts::Salt)
        .from(LinkSalts::Table)
        .and_where(Expr::col(LinkSalts::Day).eq(day))
        .to_owned();
    Ok(tx.fetch_one::<Salt, _>(&q).await?.salt)
}

/// Deletes the salts of days before `day` (their hashes can no longer be
/// linked to an address by anyone).
pub async fn purge_salts(tx: &mut Tx, day: &str) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(LinkSalts::Table)
        .and_where(Expr::col(LinkSalts::Day).lt(day))
        .to_owned();
    Ok(tx.exec(&q).await?)
}
