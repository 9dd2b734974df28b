//! Organisation settings: name, logo, time zone, opening hours, holidays, language.

use crate::audit::record;
use crate::{Actor, App, AppError};
use siar_domain::audit::{AuditAction, diff_summary};
use siar_domain::org::{OrgId, OrgSettingsInput, Organisation, Permission, is_valid_slug};
use siar_store::org;

/// The largest logo accepted.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

pub async fn organisation(app: &App, id: OrgId) -> Result<Organisation, AppError> {
    let mut tx = app.store.read().await?;
    let o = org::org_by_id(&mut tx, id).await?;
    tx.rollback().await?;
    o.ok_or(AppError::NotFound)
}

pub async fn by_slug(app: &App, slug: &str) -> Result<Organisation, AppError> {
    if !is_valid_slug(slug) {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store.read().await?;
    let o = org::org_by_slug(&mut tx, slug).await?;
    tx.rollback().await?;
    o.ok_or(AppError::NotFound)
}

/// The organisation the public portal shows at `/`: the one named in the
/// configuration, else the oldest.
pub async fn portal_org(app: &App, configured: Option<&str>) -> Result<Organisation, AppError> {
    if let Some(slug) = configured {
        return by_slug(app, slug).await;
    }
    let mut tx = app.store.read().await?;
    let all = org::all_orgs(&mut tx).await?;
    tx.rollback().await?;
    all.into_iter().next().ok_or(AppError::NotFound)
}

pub async fn update(
    app: &App,
    actor: &Actor,
    input: &OrgSettingsInput,
) -> Result<Organisation, AppError> {
    actor.require(Permission::ManageSettings)?;
    let new = input.validate().map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let before = org::org_by_id(&mut tx, actor.org)
        .await?
        .ok_or(AppError::NotFound)?;
    org::update_settings(&mut tx, actor.org, &new, now).await?;
    let b = OrgSettingsInput::from_settings(&before.settings);
    let a = OrgSettingsInput::from_settings(&new);
    let hours = |i: &OrgSettingsInput| {
        i.hours
            .iter()
            .map(|(o, c)| {
                if o.is_empty() {
                    "-".to_string()
                } else {
                    format!("{o}-{c}")
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let summary = diff_summary(&[
        ("name", b.name.clone(), a.name.clone()),
        ("timezone", b.timezone.clone(), a.timezone.clone()),
        (
            "default_lang",
            b.default_lang.clone(),
            a.default_lang.clone(),
        ),
        ("opening_hours", hours(&b), hours(&a)),
        (
            "holidays",
            b.holidays.replace('\n', ", "),
            a.holidays.replace('\n', ", "),
        ),
    ]);
    if !summary.is_empty() {
        record(
            &mut tx,
            actor,
            AuditAction::SettingsUpdated,
            "organisation",
            Some(actor.org.0.to_string()),
            summary,
            now,
        )
        .await?;
    }
    let after = org::org_by_id(&mut tx, actor.org)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(after)
}

/// Recognises PNG, JPEG and WebP by their first bytes. SVG is refused (it can carry
/// scripts).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

pub async fn set_logo(app: &App, actor: &Actor, bytes: Vec<u8>) -> Result<(), AppError> {
    actor.require(Permission::ManageSettings)?;
    if bytes.is_empty() {
        return Err(AppError::field("logo", "err-logo-missing"));
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(AppError::field("logo", "err-logo-too-big"));
    }
    let Some(kind) = sniff_image(&bytes) else {
        return Err(AppError::field("logo", "err-logo-type"));
    };
    let now = app.now();
    let size = bytes.len();
    let mut tx = app.store.begin().await?;
    org::set_logo(&mut tx, actor.org, kind, bytes, now).await?;
    record(
        &mut tx,
        actor,
        AuditAction::LogoUpdated,
        "organisation",
        Some(actor.org.0.to_string()),
        format!("logo: {kind}, {size} bytes"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn logo(app: &App, id: OrgId) -> Result<(String, Vec<u8>), AppError> {
    let mut tx = app.store.read().await?;
    let l = org::logo(&mut tx, id).await?;
    tx.rollback().await?;
    l.ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sniffs_images() {
        assert_eq!(
            super::sniff_image(b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(
            super::sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(
            super::sniff_image(b"RIFF\0\0\0\0WEBPVP8 "),
            Some("image/webp")
        );
        assert_eq!(super::sniff_image(b"<svg onload=alert(1)>"), None);
    }
}
