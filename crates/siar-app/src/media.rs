//! The media library: uploads checked by their content (never their name),
//! stored on disk under the data folder, with dimensions and duration read from
//! the file; signed, expiring URLs for platforms that fetch media themselves.

use crate::{Actor, App, AppError, audit};
use sha2::{Digest, Sha256};
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::channels::Platform;
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
    actor.require(Permission::Draft)?;
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

/// The organisation's files with these ids, in no particular order.
pub async fn by_ids(app: &App, actor: &Actor, ids: &[i64]) -> Result<Vec<Media>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let v = publ::media_by_ids(&mut tx, actor.org, ids).await?;
    tx.commit().await?;
    Ok(v)
}

/// The newest files of the library (the composer's picker).
pub async fn recent(app: &App, actor: &Actor, limit: u64) -> Result<Vec<Media>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let v = publ::recent_media(&mut tx, actor.org, limit.clamp(1, 200)).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn set_alt(app: &App, actor: &Actor, id: i64, alt: &str) -> Result<(), AppError> {
    actor.require(Permission::Draft)?;
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

fn signed_message(id: i64, platform: Platform, exp: i64) -> String {
    format!("media:{id}:{}:{exp}", platform.as_str())
}

/// A public URL to the file, converted for `platform`, that works for
/// [`URL_LIFETIME`] (platforms such as Instagram fetch media themselves).
pub fn signed_url(app: &App, m: &Media, platform: Platform, now: Timestamp) -> String {
    let exp = now.plus(URL_LIFETIME).0 / 1000;
    let sig = app.secrets.sign(&signed_message(m.id, platform, exp));
    format!(
        "{}/media/{}/{}/{exp}/{sig}",
        app.config.public_url.trim_end_matches('/'),
        m.id,
        platform.as_str()
    )
}

/// The file behind a signed URL (images converted for the platform), if the
/// signature is right and not expired.
pub async fn open_signed(
    app: &App,
    id: i64,
    platform: &str,
    exp: i64,
    sig: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let platform = Platform::parse(platform).ok_or(AppError::NotFound)?;
    if exp * 1000 < app.now().0 || !app.secrets.verify(&signed_message(id, platform, exp), sig) {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store.read().await?;
    let m = publ::media_by_id_any(&mut tx, id).await?;
    tx.commit().await?;
    let m = m.ok_or(AppError::NotFound)?;
    let bytes = read(app, &m).await?;
    if m.kind != MediaKind::Image {
        return Ok((m.mime, bytes));
    }
    let caps = platform.capabilities();
    let (mime, w, h) = (m.mime.clone(), m.width, m.height);
    let a = tokio::task::spawn_blocking(move || adapt(&bytes, &mime, w, h, &caps))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("media {id}: {e}")))?;
    Ok((a.mime, a.bytes))
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

/// A file shown publicly (an article's cover): the caller has checked that
/// it may be shown.
pub(crate) async fn public_bytes(
    app: &App,
    org: siar_domain::org::OrgId,
    id: i64,
) -> Result<(String, Vec<u8>), AppError> {
    let mut tx = app.store.read().await?;
    let mut v = publ::media_by_ids(&mut tx, org, &[id]).await?;
    tx.commit().await?;
    let m = v.pop().ok_or(AppError::NotFound)?;
    if m.kind != siar_domain::publishing::MediaKind::Image {
        return Err(AppError::NotFound);
    }
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

/// An image converted for one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapted {
    pub bytes: Vec<u8>,
    pub mime: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum AdaptError {
    #[error("the image cannot be read: {0}")]
    Decode(String),
    #[error("the image cannot be made small enough ({0} bytes at the smallest)")]
    TooBig(usize),
}

/// Makes an image meet a platform's rules: an accepted type (else JPEG), the
/// allowed aspect ratio (padded with white, nothing cut off), the allowed
/// widths, and the size limit (lower JPEG quality, then smaller). An image that
/// already meets them is returned unchanged.
pub fn adapt(
    bytes: &[u8],
    mime: &str,
    width: u32,
    height: u32,
    caps: &siar_domain::channels::Capabilities,
) -> Result<Adapted, AdaptError> {
    use image::imageops::FilterType;
    let ratio = |w: u32, h: u32| f64::from(w) / f64::from(h.max(1));
    let aspect_ok = caps
        .image_aspect
        .is_none_or(|(lo, hi)| (lo - 1e-3..=hi + 1e-3).contains(&ratio(width, height)));
    let width_ok = caps
        .image_widths
        .is_none_or(|(lo, hi)| (lo..=hi).contains(&width));
    let type_ok = caps.image_types.contains(&mime);
    let size_ok = caps.max_image_bytes == 0 || bytes.len() as u64 <= caps.max_image_bytes;
    if aspect_ok && width_ok && type_ok && size_ok {
        return Ok(Adapted {
            bytes: bytes.to_vec(),
            mime: mime.to_string(),
            width,
            height,
        });
    }
    let mut img = image::load_from_memory(bytes)
        .map_err(|e| AdaptError::Decode(e.to_string()))?
        .to_rgb8();
    // Pad to the nearest allowed aspect ratio.
    if let Some((lo, hi)) = caps.image_aspect {
        let (w, h) = img.dimensions();
        let r = ratio(w, h);
        let (nw, nh) = if r < lo {
            ((f64::from(h) * lo).ceil() as u32, h)
        } else if r > hi {
            (w, (f64::from(w) / hi).ceil() as u32)
        } else {
            (w, h)
        };
        if (nw, nh) != (w, h) {
            let mut canvas = image::RgbImage::from_pixel(nw, nh, image::Rgb([255, 255, 255]));
            image::imageops::overlay(
                &mut canvas,
                &img,
                i64::from((nw - w) / 2),
                i64::from((nh - h) / 2),
            );
            img = canvas;
        }
    }
    if let Some((lo, hi)) = caps.image_widths {
        let (w, h) = img.dimensions();
        let target = w.clamp(lo, hi);
        if target != w {
            let nh = (u64::from(h) * u64::from(target) / u64::from(w.max(1))).max(1) as u32;
            img = image::imageops::resize(&img, target, nh, FilterType::Triangle);
        }
    }
    let limit = if caps.max_image_bytes == 0 {
        usize::MAX
    } else {
        usize::try_from(caps.max_image_bytes).unwrap_or(usize::MAX)
    };
    let mut smallest = usize::MAX;
    for _ in 0..6 {
        for quality in [90u8, 80, 70, 60] {
            let mut out = Vec::new();
            let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
            img.write_with_encoder(enc)
                .map_err(|e| AdaptError::Decode(e.to_string()))?;
            if out.len() <= limit {
                let (w, h) = img.dimensions();
                return Ok(Adapted {
                    bytes: out,
                    mime: "image/jpeg".into(),
                    width: w,
                    height: h,
                });
            }
            smallest = smallest.min(out.len());
        }
        let (w, h) = img.dimensions();
        let (nw, nh) = ((w * 3 / 4).max(1), (h * 3 / 4).max(1));
        if caps.image_widths.is_some_and(|(lo, _)| nw < lo) {
            break;
        }
        img = image::imageops::resize(&img, nw, nh, FilterType::Triangle);
    }
    Err(AdaptError::TooBig(smallest))
}

#[cfg(test)]
mod adapt_tests {
    use super::*;
    use siar_domain::channels::Platform;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 7 % 256) as u8,
                (y * 13 % 256) as u8,
                ((x ^ y) % 256) as u8,
            ])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("png");
        out.into_inner()
    }

    #[test]
    fn instagram_gets_a_padded_narrowed_jpeg() {
        let src = png(3000, 1000);
        let caps = Platform::Instagram.capabilities();
        let a = adapt(&src, "image/png", 3000, 1000, &caps).expect("adapt");
        assert_eq!(a.mime, "image/jpeg");
        assert_eq!(a.width, 1440);
        let r = f64::from(a.width) / f64::from(a.height);
        assert!((0.8..=1.91 + 1e-3).contains(&r), "ratio {r}");
        assert!(a.bytes.len() as u64 <= caps.max_image_bytes);
        assert_eq!(imagesize::blob_size(&a.bytes).expect("size").width, 1440);
    }

    #[test]
    fn an_image_that_fits_is_untouched_and_big_ones_shrink() {
        let src = png(400, 300);
        let caps = Platform::Mastodon.capabilities();
        let a = adapt(&src, "image/png", 400, 300, &caps).expect("adapt");
        assert_eq!(a.bytes, src);
        // Bluesky takes at most 2 MB: a noisy 2400×2400 PNG is re-encoded.
        let big = png(2400, 2400);
        assert!(big.len() > 2_000_000, "{}", big.len());
        let a = adapt(
            &big,
            "image/png",
            2400,
            2400,
            &Platform::Bluesky.capabilities(),
        )
        .expect("adapt");
        assert!(a.bytes.len() <= 2_000_000);
        assert_eq!(a.mime, "image/jpeg");
    }

    #[test]
    fn a_broken_image_is_reported() {
        let caps = Platform::Instagram.capabilities();
        assert!(matches!(
            adapt(b"\x89PNG\r\n\x1a\nrest", "image/png", 3000, 1000, &caps),
            Err(AdaptError::Decode(_))
        ));
    }
}
