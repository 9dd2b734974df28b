//! Articles of the portal.

use crate::db::{StoreError, Tx};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};
use siar_domain::Timestamp;
use siar_domain::articles::{Article, ArticleFields};
use siar_domain::org::{OrgId, UserId};

#[derive(Iden, Clone, Copy)]
enum Articles {
    Table,
    Id,
    OrgId,
    Slug,
    Title,
    Summary,
    Body,
    CoverMediaId,
    AuthorId,
    PublishedAt,
    Announce,
    Announced,
    CreatedAt,
    UpdatedAt,
}

const COLS: [Articles; 13] = [
    Articles::Id,
    Articles::OrgId,
    Articles::Slug,
    Articles::Title,
    Articles::Summary,
    Articles::Body,
    Articles::CoverMediaId,
    Articles::AuthorId,
    Articles::PublishedAt,
    Articles::Announce,
    Articles::Announced,
    Articles::CreatedAt,
    Articles::UpdatedAt,
];

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    org_id: i64,
    slug: String,
    title: String,
    summary: String,
    body: String,
    cover_media_id: Option<i64>,
    author_id: Option<i64>,
    published_at: Option<i64>,
    announce: String,
    announced: bool,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for Article {
    fn from(r: Row) -> Self {
        Article {
            id: r.id,
            org_id: OrgId(r.org_id),
            slug: r.slug,
            title: r.title,
            summary: r.summary,
            body: r.body,
            cover_media_id: r.cover_media_id,
            author_id: r.author_id.map(UserId),
            published_at: r.published_at.map(Timestamp),
            announce: serde_json::from_str(&r.announce).unwrap_or_default(),
            announced: r.announced,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

/// [`StoreError::Conflict`] when the slug is taken in the organisation.
pub async fn insert(
    tx: &mut Tx,
    org: OrgId,
    f: &ArticleFields,
    cover: Option<i64>,
    author: Option<UserId>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table(Articles::Table)
        .columns([
            Articles::OrgId,
            Articles::Slug,
            Articles::Title,
            Articles::Summary,
            Articles::Body,
            Articles::CoverMediaId,
            Articles::AuthorId,
            Articles::CreatedAt,
            Articles::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            f.slug.as_str().into(),
            f.title.as_str().into(),
            f.summary.as_str().into(),
            f.body.as_str().into(),
            cover.into(),
            author.map(|a| a.0).into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col(Articles::Id)
        .to_owned();
    tx.fetch_optional::<Id, _>(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "article slug"))?
        .map(|r| r.id)
        .ok_or(StoreError::NotFound)
}

pub async fn update(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    f: &ArticleFields,
    cover: Option<i64>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Articles::Table)
        .values([
            (Articles::Slug, f.slug.as_str().into()),
            (Articles::Title, f.title.as_str().into()),
            (Articles::Summary, f.summary.as_str().into()),
            (Articles::Body, f.body.as_str().into()),
            (Articles::CoverMediaId, cover.into()),
            (Articles::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Articles::OrgId).eq(org.0))
        .and_where(Expr::col(Articles::Id).eq(id))
        .to_owned();
    Ok(tx
        .exec(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "article slug"))?
        == 1)
}

/// Sets (or clears) when it goes live, and the channels to announce it on.
pub async fn set_published(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    at: Option<Timestamp>,
    announce: &[i64],
    announced: bool,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Articles::Table)
        .values([
            (Articles::PublishedAt, at.map(|t| t.0).into()),
            (
                Articles::Announce,
                serde_json::to_string(announce)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
            ),
            (Articles::Announced, announced.into()),
            (Articles::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Articles::OrgId).eq(org.0))
        .and_where(Expr::col(Articles::Id).eq(id))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

pub async fn get(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Article>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(Articles::Table)
        .and_where(Expr::col(Articles::OrgId).eq(org.0))
        .and_where(Expr::col(Articles::Id).eq(id))
        .to_owned();
    Ok(tx.fetch_optional::<Row, _>(&q).await?.map(Into::into))
}

pub async fn by_slug(tx: &mut Tx, org: OrgId, slug: &str) -> Result<Option<Article>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(Articles::Table)
        .and_where(Expr::col(Articles::OrgId).eq(org.0))
        .and_where(Expr::col(Articles::Slug).eq(slug))
        .to_owned();
    Ok(tx.fetch_optional::<Row, _>(&q).await?.map(Into::into))
}

/// All articles (staff), newest first.
pub async fn all(tx: &mut Tx, org: OrgId, limit: u64) -> Result<Vec<Article>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(Articles::Table)
        .and_where(Expr::col(Articles::OrgId).eq(org.0))
        .order_by(Articles::UpdatedAt, Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx
        .fetch_all::<Row, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Articles live at `now`, newest first.
pub async fn live(
    tx: &mut Tx,
    org: OrgId,
    now: Timestamp,
    limit: u64,
) -> Result<Vec<Article>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(Articles::Table)
        .and_where(Expr::col(Articles::OrgId).eq(org.0))
        .and_where(Expr::col(Articles::PublishedAt).lte(now.0))
        .order_by(Articles::PublishedAt, Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx
        .fetch_all::<Row, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
