//! The media library: uploads checked by their content (never their name),
//! stored on disk under the data folder, with dimensions and duration read from
//! the file; signed, expiring URLs for platforms that fetch media themselves.

use crate::{Actor, App, AppError, audit};
use sha2::{Digest, Sha256};
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::org::{OrgId, Permission};
use siar_domain::publishing::{Media, MediaKind};
use siar_store::publishing::{self as publ, NewMedia};
use std::path::PathBuf;
use std::time::Duration;

/// How long a signed media URL works.
pub const URL_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// What the first bytes say a file is.
pub fn sniff(bytes: &[u8]) -> Option<(MediaKind, &'static str)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some((MediaKind::Image, "image/jpeg"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some((MediaKind::Image, "image/png"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some((MediaKind::Image, "image/gif"))
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some((MediaKind::Image, "image/webp"))
    } else if bytes.len() > 12 && &bytes[4..8] == b"ftyp" {
        if &bytes[8..12] == b"qt  " {
            Some((MediaKind::Video, "video/quicktime"))
        } else {
            Some((MediaKind::Video, "video/mp4"))
        }
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some((MediaKind::Video, "video/webm"))
    } else {
        None
    }
}

/// Width, height and (for video) duration in milliseconds.
pub fn probe(kind: MediaKind, mime: &str, bytes: &[u8]) -> Option<(u32, u32, Option<i64>)> {
    match kind {
        MediaKind::Image => {
            let s = imagesize::blob_size(bytes).ok()?;
            Some((
                u32::try_from(s.width).ok()?,
                u32::try_from(s.height).ok()?,
                None,
            ))
        }
        MediaKind::Video if mime == "video/webm" => None,
        MediaKind::Video => {
            let ctx = mp4parse::read_mp4(&mut std::io::Cursor::new(bytes)).ok()?;
            let mut size = None;
            let mut duration = None;
            for t in &ctx.tracks {
                if t.track_type != mp4parse::TrackType::Video {
                    continue;
                }
                if let Some(tkhd) = &t.tkhd {
                    size = Some((tkhd.width >> 16, tkhd.height >> 16));
                }
                if let (Some(d), Some(ts)) = (t.duration, t.timescale)
                    && ts.0 > 0
                {
                    duration = Some((d.0 as f64 / ts.0 as f64 * 1000.0).round() as i64);
                }
            }
            let (w, h) = size?;
            Some((w, h, duration))
        }
    }
}

/// Stores an upload. Refuses what is too big or not an image or video we can
/// read, before anything is written.
pub async fn upload(
    app: &App,
    actor: &Actor,
    file_name: &str,
    bytes: Vec<u8>,
    alt: &str,
) -> Result<Media, AppError> {
    actor.require(Permission::Publish)?;
    if bytes.is_empty() {
        return Err(AppError::field("file", "err-required"));
    }
    if bytes.len() as u64 > app.config.max_upload {
        return Err(AppError::field("file", "err-file-too-big"));
    }
    let Some((kind, mime)) = sniff(&bytes) else {
        return Err(AppError::field("file", "err-not-media"));
    };
    let (width, height, duration_ms) = match probe(kind, mime, &bytes) {
        Some(p) => p,
        None if kind == MediaKind::Image => return Err(AppError::field("file", "err-not-media")),
        None => (0, 0, None),
    };
    let alt = alt.trim();
    if alt.chars().count() > 1000 {
        return Err(AppError::field("alt", "err-too-long"));
    }
    let sha = hex::encode(Sha256::digest(&bytes));
    let key = storage_key(actor.org, &sha, mime);
    let path = app.config.media_dir.join(&key);
    write_file(&path, &bytes).await?;
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = publ::insert_media(
        &mut tx,
        actor.org,
        actor.user,
        &NewMedia {
            kind,
            mime,
            bytes: bytes.len() as u64,
            width,
            height,
            duration_ms,
            alt,
            file_name: &name,
            storage_key: &key,
            sha256: &sha,
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::MediaUploaded,
        "media",
        Some(id.to_string()),
        format!("{mime}, {} bytes, {width}×{height}", bytes.len()),
        now,
    )
    .await?;
    tx.commit().await?;
    let mut got = {
        let mut tx = app.store.read().await?;
        let v = publ::media_by_ids(&mut tx, actor.org, &[id]).await?;
        tx.commit().await?;
        v
    };
    got.pop().ok_or(AppError::NotFound)
}

fn storage_key(org: OrgId, sha: &str, mime: &str) -> String {
    let ext = match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "video/quicktime" => "mov",
        "video/webm" => "webm",
        _ => "mp4",
    };
    format!("{}/{}/{sha}.{ext}", org.0, &sha[..2])
}

/// Writes through a temporary file and a rename, so a crash never leaves half a
/// file under the final name. The same content is stored once.
async fn write_file(path: &PathBuf, bytes: &[u8]) -> Result<(), AppError> {
    if tokio::fs::try_exists(path).await.unwrap_or(false) {
        return Ok(());
    }
    let io = |e: std::io::Error| AppError::Internal(format!("media folder: {e}"));
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    tokio::fs::write(&tmp, bytes).await.map_err(io)?;
    tokio::fs::rename(&tmp, path).await.map_err(io)?;
    Ok(())
}

/// The stored bytes of a media file.
pub async fn read(app: &App, m: &Media) -> Result<Vec<u8>, AppError> {
    let path = app.config.media_dir.join(&m.storage_key);
    tokio::fs::read(&path)
        .await
        .map_err(|e| AppError::Internal(format!("media {} is missing on disk: {e}", m.id)))
}

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Media>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let v = publ::list_media(&mut tx, actor.org, 60).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn set_alt(app: &App, actor: &Actor, id: i64, alt: &str) -> Result<(), AppError> {
    actor.require(Permission::Publish)?;
    let alt = alt.trim();
    if alt.chars().count() > 1000 {
        return Err(AppError::field("alt", "err-too-long"));
    }
    let mut tx = app.store.begin().await?;
    if !publ::set_media_alt(&mut tx, actor.org, id, alt).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

fn signed_message(id: i64, exp: i64) -> String {
    format!("media:{id}:{exp}")
}

/// A public URL to the file that works for [`URL_LIFETIME`].
pub fn signed_url(app: &App, m: &Media, now: Timestamp) -> String {
    let exp = now.plus(URL_LIFETIME).0 / 1000;
    let sig = app.secrets.sign(&signed_message(m.id, exp));
    format!(
        "{}/media/{}/{exp}/{sig}",
        app.config.public_url.trim_end_matches('/'),
        m.id
    )
}

/// The file behind a signed URL, if the signature is right and not expired.
pub async fn open_signed(
    app: &App,
    id: i64,
    exp: i64,
    sig: &str,
) -> Result<(String, Vec<u8>), AppError> {
    if exp * 1000 < app.now().0 || !app.secrets.verify(&signed_message(id, exp), sig) {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store.read().await?;
    let m = publ::media_by_id_any(&mut tx, id).await?;
    tx.commit().await?;
    let m = m.ok_or(AppError::NotFound)?;
    let bytes = read(app, &m).await?;
    Ok((m.mime, bytes))
}

/// A file of the actor's organisation, for the console's previews.
pub async fn open(app: &App, actor: &Actor, id: i64) -> Result<(String, Vec<u8>), AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let mut v = publ::media_by_ids(&mut tx, actor.org, &[id]).await?;
    tx.commit().await?;
    let m = v.pop().ok_or(AppError::NotFound)?;
    let bytes = read(app, &m).await?;
    Ok((m.mime, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0rest").map(|s| s.1),
            Some("image/jpeg")
        );
        assert_eq!(sniff(b"GIF89a....").map(|s| s.1), Some("image/gif"));
        assert_eq!(
            sniff(b"\x00\x00\x00\x18ftypmp42\x00\x00").map(|s| s.1),
            Some("video/mp4")
        );
        assert_eq!(
            sniff(b"\x00\x00\x00\x14ftypqt  \x00\x00").map(|s| s.1),
            Some("video/quicktime")
        );
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
    }

    #[test]
    fn storage_keys_are_sharded_by_org_and_hash() {
        assert_eq!(
            storage_key(OrgId(3), "abcdef", "image/png"),
            "3/ab/abcdef.png"
        );
    }
}
