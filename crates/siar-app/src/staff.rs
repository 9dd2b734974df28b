//! Managing staff accounts (admin).

use crate::audit::record;
use crate::auth::hash_password;
use crate::{Actor, App, AppError};
use siar_domain::audit::{AuditAction, diff_summary};
use siar_domain::org::{NewStaffInput, Permission, Role, Staff, StaffEditInput, UserId};
use siar_store::{StoreError, org, sessions};

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Staff>, AppError> {
    actor.require(Permission::ManageStaff)?;
    let mut tx = app.store.read().await?;
    let all = org::users(&mut tx, actor.org).await?;
    tx.rollback().await?;
    Ok(all)
}

pub async fn get(app: &App, actor: &Actor, id: UserId) -> Result<Staff, AppError> {
    actor.require(Permission::ManageStaff)?;
    let mut tx = app.store.read().await?;
    let s = org::user(&mut tx, actor.org, id).await?;
    tx.rollback().await?;
    s.ok_or(AppError::NotFound)
}

/// Creates a staff account. A duplicate e-mail is a field error; nothing is saved.
pub async fn create(app: &App, actor: &Actor, input: &NewStaffInput) -> Result<Staff, AppError> {
    actor.require(Permission::ManageStaff)?;
    let new = input
        .validate(app.config.demo_mode)
        .map_err(AppError::Invalid)?;
    let hash = hash_password(&new.password).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let staff = match org::insert_user(
        &mut tx,
        actor.org,
        &org::NewUser {
            name: &new.name,
            email: &new.email,
            role: new.role,
            password_hash: &hash,
        },
        now,
    )
    .await
    {
        Ok(s) => s,
        Err(StoreError::Conflict(_)) => return Err(AppError::field("email", "err-email-taken")),
        Err(e) => return Err(e.into()),
    };
    record(
        &mut tx,
        actor,
        AuditAction::StaffCreated,
        "user",
        Some(staff.id.0.to_string()),
        format!("email: {}; role: {}", staff.email, staff.role),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(staff)
}

/// Changes a staff member's name, role or active flag. The organisation always keeps
/// one active admin; deactivating someone ends their sessions.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: UserId,
    input: &StaffEditInput,
) -> Result<Staff, AppError> {
    actor.require(Permission::ManageStaff)?;
    let edit = input.validate().map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let before = org::user(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let loses_admin =
        before.role == Role::Admin && before.active && (edit.role != Role::Admin || !edit.active);
    if loses_admin && org::active_admins(&mut tx, actor.org).await? <= 1 {
        let field = if edit.active { "role" } else { "active" };
        return Err(AppError::field(field, "err-last-admin"));
    }
    org::update_user(&mut tx, actor.org, id, &edit, now).await?;
    if !edit.active {
        sessions::delete_for_user(&mut tx, actor.org, id).await?;
    }
    let summary = diff_summary(&[
        ("name", before.name.clone(), edit.name.clone()),
        ("role", before.role.to_string(), edit.role.to_string()),
        ("active", before.active.to_string(), edit.active.to_string()),
    ]);
    if !summary.is_empty() {
        record(
            &mut tx,
            actor,
            AuditAction::StaffUpdated,
            "user",
            Some(id.0.to_string()),
            summary,
            now,
        )
        .await?;
    }
    let after = org::user(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(after)
}

/// Sets a new password for a staff member (admin, or the command line) and ends
/// their sessions.
pub async fn set_password(
    app: &App,
    actor: &Actor,
    id: UserId,
    password: &str,
) -> Result<(), AppError> {
    actor.require(Permission::ManageStaff)?;
    let mut p = siar_domain::validate::Problems::default();
    siar_domain::org::check_password(&mut p, "password", password, app.config.demo_mode);
    if !p.is_empty() {
        return Err(AppError::Invalid(p));
    }
    let hash = hash_password(password).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    org::set_password_hash(&mut tx, actor.org, id, &hash, now)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            e => e.into(),
        })?;
    sessions::delete_for_user(&mut tx, actor.org, id).await?;
    record(
        &mut tx,
        actor,
        AuditAction::PasswordChanged,
        "user",
        Some(id.0.to_string()),
        String::new(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Finds a staff member by e-mail in the actor's organisation (command line).
pub async fn find_by_email(app: &App, actor: &Actor, email: &str) -> Result<Staff, AppError> {
    actor.require(Permission::ManageStaff)?;
    let mut tx = app.store.read().await?;
    let s = org::user_by_email(
        &mut tx,
        actor.org,
        &siar_domain::validate::normalise_email(email),
    )
    .await?;
    tx.rollback().await?;
    s.ok_or(AppError::NotFound)
}
