//! The audit log.

use crate::db::{Count, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use siar_domain::Timestamp;
use siar_domain::audit::{AuditEntry, AuditFilter, NewAudit};
use siar_domain::org::{OrgId, UserId};

#[derive(Iden, Clone, Copy)]
enum AuditLog {
    Table,
    Id,
    OrgId,
    ActorId,
    ActorLabel,
    Action,
    RecordType,
    RecordId,
    Summary,
    Ip,
    CreatedAt,
}

const COLS: [AuditLog; 10] = [
    AuditLog::Id,
    AuditLog::OrgId,
    AuditLog::ActorId,
    AuditLog::ActorLabel,
    AuditLog::Action,
    AuditLog::RecordType,
    AuditLog::RecordId,
    AuditLog::Summary,
    AuditLog::Ip,
    AuditLog::CreatedAt,
];

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    org_id: i64,
    actor_id: Option<i64>,
    actor_label: String,
    action: String,
    record_type: String,
    record_id: Option<String>,
    summary: String,
    ip: Option<String>,
    created_at: i64,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            org_id: OrgId(r.org_id),
            actor_id: r.actor_id.map(UserId),
            actor_label: r.actor_label,
            action: r.action,
            record_type: r.record_type,
            record_id: r.record_id,
            summary: r.summary,
            ip: r.ip,
            created_at: Timestamp(r.created_at),
        }
    }
}

pub async fn insert(
    tx: &mut Tx,
    org: OrgId,
    e: &NewAudit,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(AuditLog::Table)
        // Every column but the generated id.
        .columns(COLS[1..].iter().copied())
        .values_panic([
            org.0.into(),
            e.actor_id.map(|u| u.0).into(),
            e.actor_label.clone().into(),
            e.action.as_str().into(),
            e.record_type.into(),
            e.record_id.clone().into(),
            e.summary.clone().into(),
            e.ip.clone().into(),
            now.0.into(),
        ])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

fn filtered(org: OrgId, f: &AuditFilter, q: &mut SelectStatement) {
    q.from(AuditLog::Table)
        .and_where(Expr::col(AuditLog::OrgId).eq(org.0));
    if let Some(a) = f.actor_id {
        q.and_where(Expr::col(AuditLog::ActorId).eq(a.0));
    }
    if let Some(a) = &f.action {
        q.and_where(Expr::col(AuditLog::Action).eq(a.as_str()));
    }
    if let Some(r) = &f.record_type {
        q.and_where(Expr::col(AuditLog::RecordType).eq(r.as_str()));
    }
    if let Some(t) = f.from {
        q.and_where(Expr::col(AuditLog::CreatedAt).gte(t.0));
    }
    if let Some(t) = f.until {
        q.and_where(Expr::col(AuditLog::CreatedAt).lt(t.0));
    }
}

/// Newest first.
pub async fn list(
    tx: &mut Tx,
    org: OrgId,
    f: &AuditFilter,
    limit: u64,
    offset: u64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut q = Query::select();
    q.columns(COLS);
    filtered(org, f, &mut q);
    q.order_by(AuditLog::CreatedAt, Order::Desc)
        .order_by(AuditLog::Id, Order::Desc)
        .limit(limit)
        .offset(offset);
    Ok(tx
        .fetch_all::<AuditRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn count(tx: &mut Tx, org: OrgId, f: &AuditFilter) -> Result<i64, StoreError> {
    let mut q = Query::select();
    q.expr_as(Expr::col(AuditLog::Id).count(), "n");
    filtered(org, f, &mut q);
    Ok(tx.fetch_one::<Count, _>(&q).await?.n)
}

/// Deletes audit rows older than `before`, in every organisation (retention).
pub async fn purge_before(tx: &mut Tx, before: Timestamp) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(AuditLog::Table)
        .and_where(Expr::col(AuditLog::CreatedAt).lt(before.0))
        .to_owned();
    Ok(tx.exec(&q).await?)
}
