//! Scoped API tokens (stored as hashes; the token itself is shown once).

use crate::db::{StoreError, Tx};
use sea_query::{Expr, ExprTrait, Iden, Query};
use siar_domain::Timestamp;
use siar_domain::org::{OrgId, Role};

#[derive(Iden, Clone, Copy)]
enum ApiTokens {
    Table,
    Id,
    OrgId,
    Role,
    Label,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub org_id: OrgId,
    pub role: Role,
    pub label: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    org_id: i64,
    role: String,
    label: String,
}

pub async fn insert(
    tx: &mut Tx,
    org: OrgId,
    role: Role,
    label: &str,
    token_hash: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let q = Query::insert()
        .into_table(ApiTokens::Table)
        .columns([
            ApiTokens::OrgId,
            ApiTokens::Role,
            ApiTokens::Label,
            ApiTokens::TokenHash,
            ApiTokens::CreatedAt,
        ])
        .values_panic([
            org.0.into(),
            role.as_str().into(),
            label.into(),
            token_hash.into(),
            now.0.into(),
        ])
        .returning_col(ApiTokens::Id)
        .to_owned();
    let id: Id = tx
        .fetch_optional(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "token"))?
        .ok_or(StoreError::NotFound)?;
    Ok(id.id)
}

/// The live (not revoked) token with this hash; marks it used.
pub async fn find(
    tx: &mut Tx,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<ApiToken>, StoreError> {
    let q = Query::select()
        .columns([
            ApiTokens::Id,
            ApiTokens::OrgId,
            ApiTokens::Role,
            ApiTokens::Label,
        ])
        .from(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::TokenHash).eq(token_hash))
        .and_where(Expr::col(ApiTokens::RevokedAt).is_null())
        .to_owned();
    let Some(r) = tx.fetch_optional::<Row, _>(&q).await? else {
        return Ok(None);
    };
    let upd = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::LastUsedAt, now.0)
        .and_where(Expr::col(ApiTokens::Id).eq(r.id))
        .to_owned();
    tx.exec(&upd).await?;
    Ok(Some(ApiToken {
        id: r.id,
        org_id: OrgId(r.org_id),
        role: r
            .role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("api token {}: role", r.id)))?,
        label: r.label,
    }))
}
