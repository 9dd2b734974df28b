//! Staff sessions (server-side, looked up by the hash of the cookie token) and the
//! record of failed sign-ins used for throttling.

use crate::db::{Count, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Iden, Query};
use siar_domain::Timestamp;
use siar_domain::org::{OrgId, UserId};

#[derive(Iden, Clone, Copy)]
enum Sessions {
    Table,
    Id,
    OrgId,
    UserId,
    TokenHash,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub struct NewSession<'a> {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub token_hash: &'a str,
    pub csrf_token: &'a str,
    pub expires_at: Timestamp,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert(tx: &mut Tx, s: &NewSession<'_>, now: Timestamp) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(Sessions::Table)
        .columns([
            Sessions::OrgId,
            Sessions::UserId,
            Sessions::TokenHash,
            Sessions::CsrfToken,
            Sessions::CreatedAt,
            Sessions::LastSeenAt,
            Sessions::ExpiresAt,
            Sessions::Ip,
            Sessions::UserAgent,
        ])
        .values_panic([
            s.org_id.0.into(),
            s.user_id.0.into(),
            s.token_hash.into(),
            s.csrf_token.into(),
            now.0.into(),
            now.0.into(),
            s.expires_at.0.into(),
            s.ip.map(str::to_string).into(),
            s.user_agent
                .map(|u| u.chars().take(300).collect::<String>())
                .into(),
        ])
        .to_owned();
    tx.exec(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "session"))?;
    Ok(())
}

/// The live session with this token hash, if it has not expired.
pub async fn find(
    tx: &mut Tx,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<SessionRow>, StoreError> {
    let q = Query::select()
        .columns([
            Sessions::Id,
            Sessions::OrgId,
            Sessions::UserId,
            Sessions::CsrfToken,
            Sessions::CreatedAt,
            Sessions::LastSeenAt,
            Sessions::ExpiresAt,
        ])
        .from(Sessions::Table)
        .and_where(Expr::col(Sessions::TokenHash).eq(token_hash))
        .and_where(Expr::col(Sessions::ExpiresAt).gt(now.0))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// Slides a session's expiry forward.
pub async fn touch(
    tx: &mut Tx,
    id: i64,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(Sessions::Table)
        .values([
            (Sessions::LastSeenAt, now.0.into()),
            (Sessions::ExpiresAt, expires_at.0.into()),
        ])
        .and_where(Expr::col(Sessions::Id).eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

pub async fn delete_by_token(tx: &mut Tx, token_hash: &str) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::TokenHash).eq(token_hash))
        .to_owned();
    Ok(tx.exec(&q).await?)
}

/// Ends every session of one person ("sign out everywhere", deactivation).
pub async fn delete_for_user(tx: &mut Tx, org: OrgId, user: UserId) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::OrgId).eq(org.0))
        .and_where(Expr::col(Sessions::UserId).eq(user.0))
        .to_owned();
    Ok(tx.exec(&q).await?)
}

/// Ends every session of one person except the one with `keep_hash` (after they
/// change their password on this device).
pub async fn delete_others(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    keep_hash: &str,
) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::OrgId).eq(org.0))
        .and_where(Expr::col(Sessions::UserId).eq(user.0))
        .and_where(Expr::col(Sessions::TokenHash).ne(keep_hash))
        .to_owned();
    Ok(tx.exec(&q).await?)
}

/// How many live sessions one person has.
pub async fn count_for_user(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(Sessions::Id).count(), "n")
        .from(Sessions::Table)
        .and_where(Expr::col(Sessions::OrgId).eq(org.0))
        .and_where(Expr::col(Sessions::UserId).eq(user.0))
        .and_where(Expr::col(Sessions::ExpiresAt).gt(now.0))
        .to_owned();
    Ok(tx.fetch_one::<Count, _>(&q).await?.n)
}

/// Deletes expired sessions across the deployment (housekeeping).
pub async fn purge_expired(tx: &mut Tx, now: Timestamp) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::ExpiresAt).lte(now.0))
        .to_owned();
    Ok(tx.exec(&q).await?)
}

#[derive(Iden, Clone, Copy)]
enum LoginFailures {
    Table,
    Id,
    Scope,
    At,
}

pub async fn record_failure(tx: &mut Tx, scope: &str, now: Timestamp) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(LoginFailures::Table)
        .columns([LoginFailures::Scope, LoginFailures::At])
        .values_panic([scope.into(), now.0.into()])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

pub async fn failures_since(tx: &mut Tx, scope: &str, since: Timestamp) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(LoginFailures::Id).count(), "n")
        .from(LoginFailures::Table)
        .and_where(Expr::col(LoginFailures::Scope).eq(scope))
        .and_where(Expr::col(LoginFailures::At).gt(since.0))
        .to_owned();
    Ok(tx.fetch_one::<Count, _>(&q).await?.n)
}

pub async fn clear_failures(tx: &mut Tx, scope: &str) -> Result<(), StoreError> {
    let q = Query::delete()
        .from_table(LoginFailures::Table)
        .and_where(Expr::col(LoginFailures::Scope).eq(scope))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

pub async fn purge_failures(tx: &mut Tx, before: Timestamp) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(LoginFailures::Table)
        .and_where(Expr::col(LoginFailures::At).lt(before.0))
        .to_owned();
    Ok(tx.exec(&q).await?)
}
