//! Scoped API tokens (the API itself arrives with later issues).

use crate::audit::record;
use crate::secrets::{random_token, token_hash};
use crate::{Actor, App, AppError};
use siar_domain::audit::AuditAction;
use siar_domain::org::{Permission, Role};
use siar_store::tokens;

/// Creates a token for the actor's organisation with `role`'s rights; returns the
/// token text, which is never stored or shown again.
pub async fn create(app: &App, actor: &Actor, role: Role, label: &str) -> Result<String, AppError> {
    actor.require(Permission::ManageStaff)?;
    let token = format!("siar_{}", random_token());
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = tokens::insert(&mut tx, actor.org, role, label, &token_hash(&token), now).await?;
    record(
        &mut tx,
        actor,
        AuditAction::ApiTokenCreated,
        "api_token",
        Some(id.to_string()),
        format!("role: {role}; label: {label}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The actor a bearer token stands for, if it is live.
pub async fn authenticate(app: &App, token: &str) -> Result<Option<Actor>, AppError> {
    if !token.starts_with("siar_") || token.len() > 200 {
        return Ok(None);
    }
    let mut tx = app.store.begin().await?;
    let found = tokens::find(&mut tx, &token_hash(token), app.now()).await?;
    tx.commit().await?;
    Ok(found.map(|t| Actor {
        org: t.org_id,
        user: None,
        label: format!("api:{}", t.label),
        role: t.role,
        ip: None,
    }))
}
