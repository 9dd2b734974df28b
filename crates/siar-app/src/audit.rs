//! Reading and writing the audit log.

use crate::{Actor, App, AppError};
use siar_domain::Timestamp;
use siar_domain::audit::{AuditAction, AuditEntry, AuditFilter, NewAudit};
use siar_domain::org::Permission;
use siar_store::{Tx, audit};

/// Writes one audit row in the caller's transaction.
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: AuditAction,
    record_type: &'static str,
    record_id: Option<String>,
    summary: String,
    now: Timestamp,
) -> Result<(), AppError> {
    audit::insert(
        tx,
        actor.org,
        &NewAudit {
            actor_id: actor.user,
            actor_label: actor.label.clone(),
            action,
            record_type,
            record_id,
            summary,
            ip: actor.ip.clone(),
        },
        now,
    )
    .await?;
    Ok(())
}

/// One page of the audit log.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub page: u64,
    pub per_page: u64,
}

impl AuditPage {
    pub fn pages(&self) -> u64 {
        (u64::try_from(self.total).unwrap_or(0))
            .div_ceil(self.per_page)
            .max(1)
    }
}

pub const PER_PAGE: u64 = 50;
/// The most rows one CSV export holds.
pub const EXPORT_LIMIT: u64 = 100_000;

pub async fn page(
    app: &App,
    actor: &Actor,
    f: &AuditFilter,
    page: u64,
) -> Result<AuditPage, AppError> {
    actor.require(Permission::ViewAudit)?;
    let page = page.max(1);
    let mut tx = app.store.read().await?;
    let total = audit::count(&mut tx, actor.org, f).await?;
    let entries = audit::list(&mut tx, actor.org, f, PER_PAGE, (page - 1) * PER_PAGE).await?;
    tx.rollback().await?;
    Ok(AuditPage {
        entries,
        total,
        page,
        per_page: PER_PAGE,
    })
}

/// The filtered log as CSV (UTF-8 with a header row; times in RFC 3339 UTC and in
/// the organisation's zone).
pub async fn export_csv(
    app: &App,
    actor: &Actor,
    f: &AuditFilter,
    tz: chrono_tz::Tz,
) -> Result<Vec<u8>, AppError> {
    actor.require(Permission::ViewAudit)?;
    let mut tx = app.store.read().await?;
    let rows = audit::list(&mut tx, actor.org, f, EXPORT_LIMIT, 0).await?;
    tx.rollback().await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    w.write_record([
        "id",
        "time_utc",
        "time_local",
        "actor",
        "action",
        "record_type",
        "record_id",
        "summary",
        "ip",
    ])
    .map_err(csv_err)?;
    for e in rows {
        w.write_record([
            e.id.to_string(),
            e.created_at.rfc3339(),
            e.created_at.format_in(tz),
            neutralise(&e.actor_label),
            e.action.clone(),
            e.record_type.clone(),
            e.record_id.clone().unwrap_or_default(),
            neutralise(&e.summary),
            e.ip.clone().unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))
}

/// Spreadsheet programs run cells that start with `=`, `+`, `-` or `@` as formulas;
/// a leading apostrophe keeps them text.
pub(crate) fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(super::neutralise("=HYPERLINK()"), "'=HYPERLINK()");
        assert_eq!(super::neutralise("name: A → B"), "name: A → B");
    }
}
