//! Connected channels, their (already encrypted) credentials, and OAuth flows in
//! progress.

use crate::db::{StoreError, Tx};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};
use siar_domain::Timestamp;
use siar_domain::channels::{Channel, ChannelStatus, Platform};
use siar_domain::org::{OrgId, UserId};

#[derive(Iden, Clone, Copy)]
pub(crate) enum Channels {
    Table,
    Id,
    OrgId,
    Platform,
    RemoteId,
    Name,
    Handle,
    BaseUrl,
    Status,
    StatusReason,
    Credentials,
    TokenExpiresAt,
    ThrottledUntil,
    Limits,
    CreatedAt,
    UpdatedAt,
}

const COLS: [Channels; 13] = [
    Channels::Id,
    Channels::OrgId,
    Channels::Platform,
    Channels::RemoteId,
    Channels::Name,
    Channels::Handle,
    Channels::BaseUrl,
    Channels::Status,
    Channels::StatusReason,
    Channels::TokenExpiresAt,
    Channels::ThrottledUntil,
    Channels::CreatedAt,
    Channels::UpdatedAt,
];

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    org_id: i64,
    platform: String,
    remote_id: String,
    name: String,
    handle: String,
    base_url: Option<String>,
    status: String,
    status_reason: Option<String>,
    token_expires_at: Option<i64>,
    throttled_until: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<Row> for Channel {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("channel {}: {what}", r.id));
        Ok(Channel {
            id: r.id,
            org_id: OrgId(r.org_id),
            platform: Platform::parse(&r.platform).ok_or_else(|| corrupt("platform"))?,
            remote_id: r.remote_id,
            name: r.name,
            handle: r.handle,
            base_url: r.base_url,
            status: ChannelStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            status_reason: r.status_reason,
            token_expires_at: r.token_expires_at.map(Timestamp),
            throttled_until: r.throttled_until.map(Timestamp),
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        })
    }
}

/// A channel to connect (or reconnect: same platform and account).
#[derive(Debug, Clone)]
pub struct NewChannel<'a> {
    pub platform: Platform,
    pub remote_id: &'a str,
    pub name: &'a str,
    pub handle: &'a str,
    pub base_url: Option<&'a str>,
    /// Encrypted credentials.
    pub credentials: Option<&'a str>,
    pub token_expires_at: Option<Timestamp>,
    pub limits: Option<&'a str>,
}

/// Connects a channel. Connecting the same account again updates it, sets it
/// connected, and keeps its id (and so its deliveries). Returns the id and
/// whether it was new.
pub async fn upsert(
    tx: &mut Tx,
    org: OrgId,
    c: &NewChannel<'_>,
    now: Timestamp,
) -> Result<(i64, bool), StoreError> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let existing = Query::select()
        .column(Channels::Id)
        .from(Channels::Table)
        .and_where(Expr::col(Channels::OrgId).eq(org.0))
        .and_where(Expr::col(Channels::Platform).eq(c.platform.as_str()))
        .and_where(Expr::col(Channels::RemoteId).eq(c.remote_id))
        .to_owned();
    if let Some(Id { id }) = tx.fetch_optional::<Id, _>(&existing).await? {
        let mut q = Query::update();
        q.table(Channels::Table)
            .values([
                (Channels::Name, c.name.into()),
                (Channels::Handle, c.handle.into()),
                (Channels::BaseUrl, c.base_url.into()),
                (Channels::Status, ChannelStatus::Connected.as_str().into()),
                (Channels::StatusReason, Option::<String>::None.into()),
                (
                    Channels::TokenExpiresAt,
                    c.token_expires_at.map(|t| t.0).into(),
                ),
                (Channels::UpdatedAt, now.0.into()),
            ])
            .and_where(Expr::col(Channels::Id).eq(id));
        // A reconnect without new credentials (the practice channel) keeps the old.
        if let Some(cred) = c.credentials {
            q.value(Channels::Credentials, cred);
        }
        if let Some(l) = c.limits {
            q.value(Channels::Limits, l);
        }
        tx.exec(&q).await?;
        return Ok((id, false));
    }
    let q = Query::insert()
        .into_table(Channels::Table)
        .columns([
            Channels::OrgId,
            Channels::Platform,
            Channels::RemoteId,
            Channels::Name,
            Channels::Handle,
            Channels::BaseUrl,
            Channels::Status,
            Channels::Credentials,
            Channels::TokenExpiresAt,
            Channels::Limits,
            Channels::CreatedAt,
            Channels::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            c.platform.as_str().into(),
            c.remote_id.into(),
            c.name.into(),
            c.handle.into(),
            c.base_url.into(),
            ChannelStatus::Connected.as_str().into(),
            c.credentials.into(),
            c.token_expires_at.map(|t| t.0).into(),
            c.limits.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col(Channels::Id)
        .to_owned();
    let id: Id = tx
        .fetch_optional(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "channel"))?
        .ok_or(StoreError::NotFound)?;
    Ok((id.id, true))
}

pub async fn list(tx: &mut Tx, org: OrgId) -> Result<Vec<Channel>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(Channels::Table)
        .and_where(Expr::col(Channels::OrgId).eq(org.0))
        .order_by(Channels::Platform, Order::Asc)
        .order_by(Channels::Id, Order::Asc)
        .to_owned();
    tx.fetch_all::<Row, _>(&q)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Channels of any organisation connected to this account on the platform
/// (webhook events name the account, not the organisation).
pub async fn by_remote(
    tx: &mut Tx,
    platform: Platform,
    remote_id: &str,
) -> Result<Vec<Channel>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(Channels::Table)
        .and_where(Expr::col(Channels::Platform).eq(platform.as_str()))
        .and_where(Expr::col(Channels::RemoteId).eq(remote_id))
        .to_owned();
    tx.fetch_all::<Row, _>(&q)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Connected channels of these platforms in every organisation (the inbox
/// polls them).
pub async fn connected_of(tx: &mut Tx, platforms: &[Platform]) -> Result<Vec<Channel>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(Channels::Table)
        .and_where(Expr::col(Channels::Platform).is_in(platforms.iter().map(|p| p.as_str())))
        .and_where(Expr::col(Channels::Status).eq(ChannelStatus::Connected.as_str()))
        .order_by(Channels::Id, Order::Asc)
        .to_owned();
    tx.fetch_all::<Row, _>(&q)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

pub async fn get(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Channel>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(Channels::Table)
        .and_where(Expr::col(Channels::OrgId).eq(org.0))
        .and_where(Expr::col(Channels::Id).eq(id))
        .to_owned();
    tx.fetch_optional::<Row, _>(&q)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// The channel of a delivery with its stored (encrypted) credentials, in one
/// statement (the worker's read before publishing).
pub async fn for_delivery(
    tx: &mut Tx,
    delivery_id: i64,
) -> Result<Option<(Channel, Option<String>)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct WithSecret {
        #[sqlx(flatten)]
        row: Row,
        credentials: Option<String>,
    }
    let mut cols: Vec<Channels> = COLS.to_vec();
    cols.push(Channels::Credentials);
    let q = Query::select()
        .columns(cols)
        .from(Channels::Table)
        .and_where(
            Expr::col(Channels::Id).in_subquery(
                Query::select()
                    .column(sea_query::Alias::new("channel_id"))
                    .from(sea_query::Alias::new("deliveries"))
                    .and_where(Expr::col(sea_query::Alias::new("id")).eq(delivery_id))
                    .to_owned(),
            ),
        )
        .to_owned();
    match tx.fetch_optional::<WithSecret, _>(&q).await? {
        None => Ok(None),
        Some(w) => Ok(Some((w.row.try_into()?, w.credentials))),
    }
}

/// The stored (encrypted) credentials and per-instance limits.
pub async fn secrets(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
) -> Result<(Option<String>, Option<String>), StoreError> {
    #[derive(sqlx::FromRow)]
    struct S {
        credentials: Option<String>,
        limits: Option<String>,
    }
    let q = Query::select()
        .columns([Channels::Credentials, Channels::Limits])
        .from(Channels::Table)
        .and_where(Expr::col(Channels::OrgId).eq(org.0))
        .and_where(Expr::col(Channels::Id).eq(id))
        .to_owned();
    let s: S = tx.fetch_optional(&q).await?.ok_or(StoreError::NotFound)?;
    Ok((s.credentials, s.limits))
}

/// Stores refreshed credentials. The caller has already made sure an empty
/// refresh token did not replace a stored one.
pub async fn set_credentials(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    credentials: &str,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(Channels::Table)
        .values([
            (Channels::Credentials, credentials.into()),
            (Channels::TokenExpiresAt, expires_at.map(|t| t.0).into()),
            (Channels::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Channels::OrgId).eq(org.0))
        .and_where(Expr::col(Channels::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

pub async fn set_status(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    status: ChannelStatus,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let reason: Option<String> = reason.map(|r| r.chars().take(2000).collect());
    let q = Query::update()
        .table(Channels::Table)
        .values([
            (Channels::Status, status.as_str().into()),
            (Channels::StatusReason, reason.into()),
            (Channels::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Channels::OrgId).eq(org.0))
        .and_where(Expr::col(Channels::Id).eq(id))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Holds the channel's deliveries until `until` (its rate limit is used up).
pub async fn set_throttled_until(
    tx: &mut Tx,
    id: i64,
    until: Option<Timestamp>,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(Channels::Table)
        .value(Channels::ThrottledUntil, until.map(|t| t.0))
        .and_where(Expr::col(Channels::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Connected channels whose token expires before `before`, for the refresh job.
pub async fn expiring(tx: &mut Tx, before: Timestamp) -> Result<Vec<Channel>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from(Channels::Table)
        .and_where(Expr::col(Channels::Status).eq(ChannelStatus::Connected.as_str()))
        .and_where(Expr::col(Channels::TokenExpiresAt).lt(before.0))
        .order_by(Channels::TokenExpiresAt, Order::Asc)
        .to_owned();
    tx.fetch_all::<Row, _>(&q)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

#[derive(Iden, Clone, Copy)]
enum OauthFlows {
    Table,
    Id,
    OrgId,
    UserId,
    Platform,
    StateHash,
    Verifier,
    BaseUrl,
    Client,
    CreatedAt,
    ExpiresAt,
}

/// An OAuth flow waiting for its callback.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OauthFlow {
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub platform: String,
    /// Encrypted PKCE verifier (or an empty string where PKCE is not used).
    pub verifier: String,
    pub base_url: Option<String>,
    /// Encrypted per-instance client registration (Mastodon).
    pub client: Option<String>,
    pub expires_at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_flow(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    platform: Platform,
    state_hash: &str,
    verifier: &str,
    base_url: Option<&str>,
    client: Option<&str>,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(OauthFlows::Table)
        .columns([
            OauthFlows::OrgId,
            OauthFlows::UserId,
            OauthFlows::Platform,
            OauthFlows::StateHash,
            OauthFlows::Verifier,
            OauthFlows::BaseUrl,
            OauthFlows::Client,
            OauthFlows::CreatedAt,
            OauthFlows::ExpiresAt,
        ])
        .values_panic([
            org.0.into(),
            user.0.into(),
            platform.as_str().into(),
            state_hash.into(),
            verifier.into(),
            base_url.into(),
            client.into(),
            now.0.into(),
            expires_at.0.into(),
        ])
        .to_owned();
    tx.exec(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "oauth flow"))?;
    Ok(())
}

/// The flow with this state, if it has not expired, without using it up.
pub async fn peek_flow(
    tx: &mut Tx,
    state_hash: &str,
    now: Timestamp,
) -> Result<Option<OauthFlow>, StoreError> {
    let q = Query::select()
        .columns([
            OauthFlows::Id,
            OauthFlows::OrgId,
            OauthFlows::UserId,
            OauthFlows::Platform,
            OauthFlows::Verifier,
            OauthFlows::BaseUrl,
            OauthFlows::Client,
            OauthFlows::ExpiresAt,
        ])
        .from(OauthFlows::Table)
        .and_where(Expr::col(OauthFlows::StateHash).eq(state_hash))
        .and_where(Expr::col(OauthFlows::ExpiresAt).gt(now.0))
        .to_owned();
    Ok(tx.fetch_optional::<OauthFlow, _>(&q).await?)
}

/// Takes (reads and deletes) the flow with this state, if it has not expired.
/// A state works once.
pub async fn take_flow(
    tx: &mut Tx,
    state_hash: &str,
    now: Timestamp,
) -> Result<Option<OauthFlow>, StoreError> {
    let q = Query::select()
        .columns([
            OauthFlows::Id,
            OauthFlows::OrgId,
            OauthFlows::UserId,
            OauthFlows::Platform,
            OauthFlows::Verifier,
            OauthFlows::BaseUrl,
            OauthFlows::Client,
            OauthFlows::ExpiresAt,
        ])
        .from(OauthFlows::Table)
        .and_where(Expr::col(OauthFlows::StateHash).eq(state_hash))
        .to_owned();
    let Some(flow) = tx.fetch_optional::<OauthFlow, _>(&q).await? else {
        return Ok(None);
    };
    let del = Query::delete()
        .from_table(OauthFlows::Table)
        .and_where(Expr::col(OauthFlows::Id).eq(flow.id))
        .to_owned();
    tx.exec(&del).await?;
    Ok((flow.expires_at > now.0).then_some(flow))
}

/// Housekeeping: forgets flows nobody finished.
pub async fn purge_flows(tx: &mut Tx, now: Timestamp) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(OauthFlows::Table)
        .and_where(Expr::col(OauthFlows::ExpiresAt).lt(now.0))
        .to_owned();
    Ok(tx.exec(&q).await?)
}
