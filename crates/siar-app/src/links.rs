//! Short links: make one (with UTM tags for a channel and a campaign), follow
//! one (logging the click without the visitor's address), read its clicks, and
//! draw its QR code for posters.

use crate::audit::record;
use crate::{Actor, App, AppError};
use rand::RngCore;
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::links::{self as rules, Device, LinkRequest, LinkStats, ShortLink};
use siar_domain::org::Permission;
use siar_store::StoreError;
use siar_store::links as store;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

/// `utm_medium` of links made for social media.
pub const MEDIUM: &str = "social";

/// Makes a short link. With a channel, `utm_source` is the channel's platform
/// and `utm_medium` is `social`; with a campaign, `utm_campaign` is its slug.
/// A code the person chose that is taken is refused; a generated one is drawn
/// again.
pub async fn create(
    app: &App,
    actor: &Actor,
    req: &LinkRequest,
    channel: Option<i64>,
) -> Result<ShortLink, AppError> {
    actor.require(Permission::MakeLinks)?;
    let (target, campaign) = rules::check_request(req).map_err(AppError::Invalid)?;
    let source = match channel {
        Some(id) => Some(
            crate::channels::get(app, actor, id)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => AppError::field("channel", "err-unknown-channel"),
                    other => other,
                })?
                .platform
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let target = match (&source, &campaign) {
        (Some(s), c) => rules::with_utm(&target, s, MEDIUM, c.as_deref()),
        (None, Some(c)) => rules::with_utm(&target, "siar", "link", Some(c)),
        (None, None) => target,
    };
    let chosen = req.code.trim();
    let label = req.label.trim();
    for _ in 0..5 {
        let code = if chosen.is_empty() {
            let mut b = [0u8; rules::CODE_LEN];
            rand::rng().fill_bytes(&mut b);
            rules::code_from(&b)
        } else {
            chosen.to_string()
        };
        let now = app.now();
        // Each try in its own transaction: PostgreSQL ends one at a refused write.
        let mut tx = app.store.begin().await?;
        let id = match store::insert(
            &mut tx,
            actor.org,
            &store::NewLink {
                code: &code,
                target: &target,
                label,
                channel_id: channel,
                post_id: None,
                campaign: campaign.as_deref(),
                created_by: actor.user,
            },
            now,
        )
        .await
        {
            Ok(id) => id,
            Err(StoreError::Conflict(_)) => {
                tx.rollback().await?;
                if chosen.is_empty() {
                    continue;
                }
                return Err(AppError::field("code", "err-link-code-taken"));
            }
            Err(e) => return Err(e.into()),
        };
        record(
            &mut tx,
            actor,
            AuditAction::LinkCreated,
            "short_link",
            Some(id.to_string()),
            format!("/l/{code} → {target}"),
            now,
        )
        .await?;
        let link = store::get(&mut tx, actor.org, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        return Ok(link);
    }
    Err(AppError::Internal(
        "could not draw a free short-link code".into(),
    ))
}

/// A short link to one of the portal's own pages (`path`, e.g. `/jajak/x`),
/// to share in posts; `None` (logged) when it cannot be made, since what it
/// points to stands without it (staff can make one on the links page).
pub(crate) async fn share_link(
    app: &App,
    actor: &Actor,
    path: &str,
    label: &str,
) -> Option<String> {
    let req = LinkRequest {
        target: format!("{}{path}", app.config.public_url.trim_end_matches('/')),
        label: label.chars().take(80).collect(),
        ..Default::default()
    };
    match create(app, actor, &req, None).await {
        Ok(link) => Some(link.code),
        Err(e) => {
            tracing::warn!(path, "no short link to share: {e}");
            None
        }
    }
}

/// Lists a link on the public link-in-bio page `/tautan`, or takes it off.
/// Editors decide what the public sees.
pub async fn set_in_bio(app: &App, actor: &Actor, id: i64, on: bool) -> Result<(), AppError> {
    actor.require(Permission::Publish)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    if !store::set_in_bio(&mut tx, actor.org, id, on).await? {
        return Err(AppError::NotFound);
    }
    record(
        &mut tx,
        actor,
        AuditAction::LinkBioChanged,
        "short_link",
        Some(id.to_string()),
        if on {
            "listed on /tautan"
        } else {
            "taken off /tautan"
        }
        .into(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The public link-in-bio page of the portal's library: its name and links.
pub async fn bio(
    app: &App,
    configured: Option<&str>,
) -> Result<(siar_domain::org::Organisation, Vec<ShortLink>), AppError> {
    let org = crate::settings::portal_org(app, configured).await?;
    let mut tx = app.store.read().await?;
    let links = store::bio(&mut tx, org.id, 30).await?;
    tx.commit().await?;
    Ok((org, links))
}

/// The organisation's links, newest first, with clicks by people.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<(ShortLink, i64)>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let v = store::list(&mut tx, actor.org, 500).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<ShortLink, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let l = store::get(&mut tx, actor.org, id).await?;
    tx.commit().await?;
    l.ok_or(AppError::NotFound)
}

/// Where a post's links are shortened: one channel of one post.
pub struct ShortenFor<'a> {
    pub org: siar_domain::org::OrgId,
    pub user: Option<siar_domain::org::UserId>,
    pub platform: &'a str,
    pub channel_id: i64,
    pub post_id: i64,
    pub campaign: Option<&'a str>,
    pub label: &'a str,
}

/// Replaces every link in `text` (except Siar's own short links) with a new
/// short link that carries UTM tags for the channel and campaign. Runs inside
/// the caller's transaction.
pub async fn shorten_in(
    app: &App,
    tx: &mut siar_store::Tx,
    text: &str,
    f: &ShortenFor<'_>,
    now: Timestamp,
) -> Result<String, AppError> {
    let own = format!("{}/l/", app.config.public_url.trim_end_matches('/'));
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for t in siar_domain::richtext::scan(text) {
        let siar_domain::richtext::TokenKind::Link { uri, .. } = &t.kind else {
            continue;
        };
        if uri.starts_with(&own) || rules::check_target(uri).is_err() {
            continue;
        }
        let target = rules::with_utm(uri, f.platform, MEDIUM, f.campaign);
        let mut code = None;
        for _ in 0..8 {
            let mut b = [0u8; rules::CODE_LEN];
            rand::rng().fill_bytes(&mut b);
            let c = rules::code_from(&b);
            let made = store::insert_if_free(
                tx,
                f.org,
                &store::NewLink {
                    code: &c,
                    target: &target,
                    label: f.label,
                    channel_id: Some(f.channel_id),
                    post_id: Some(f.post_id),
                    campaign: f.campaign,
                    created_by: f.user,
                },
                now,
            )
            .await?;
            if made.is_some() {
                code = Some(c);
                break;
            }
        }
        let Some(code) = code else {
            return Err(AppError::Internal(
                "could not draw a free short-link code".into(),
            ));
        };
        out.push_str(&text[last..t.start]);
        out.push_str(&own);
        out.push_str(&code);
        last = t.end;
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// Follows `/l/{code}`: the target, after logging the click (device class and
/// a hash of the day's salt, address and User-Agent; never the address). A
/// click that cannot be logged still leads on.
pub async fn follow(
    app: &App,
    code: &str,
    address: &str,
    user_agent: &str,
) -> Result<Option<String>, AppError> {
    // Every code, chosen or drawn, passes this check; anything else is unknown.
    if rules::check_code(code).is_err() {
        return Ok(None);
    }
    let mut tx = app.store.autocommit().await?;
    let link = store::by_code(&mut tx, code).await?;
    tx.commit().await?;
    let Some(link) = link else {
        return Ok(None);
    };
    if let Err(e) = log_click(app, &link, address, user_agent).await {
        tracing::warn!(link = link.id, "could not log a click: {e}");
    }
    Ok(Some(link.target))
}

async fn log_click(
    app: &App,
    link: &ShortLink,
    address: &str,
    user_agent: &str,
) -> Result<(), AppError> {
    let now = app.now();
    let mut fresh = [0u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    let mut tx = app.store.begin().await?;
    // A click lost in a crash is a number one lower, not a broken promise.
    tx.relaxed_durability().await?;
    let salt = store::salt_for(&mut tx, &rules::salt_day(now), &fresh).await?;
    let visitor = rules::visitor_hash(&salt, address, user_agent);
    store::insert_click(
        &mut tx,
        link,
        now,
        Device::from_user_agent(user_agent),
        &visitor,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Clicks on a link over the last `days` days, by device and by day (in the
/// organisation's zone); crawlers and link previews counted apart.
pub async fn stats(app: &App, actor: &Actor, id: i64, days: u32) -> Result<LinkStats, AppError> {
    actor.require(Permission::ViewPosts)?;
    let since = app
        .now()
        .minus(Duration::from_secs(u64::from(days) * 86_400));
    let mut tx = app.store.read().await?;
    store::get(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let clicks = store::clicks(&mut tx, actor.org, id, since).await?;
    let org = siar_store::org::org_by_id(&mut tx, actor.org)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let tz = org.settings.timezone;
    let mut s = LinkStats::default();
    let mut devices: HashMap<Device, i64> = HashMap::new();
    let mut days_seen: BTreeMap<String, i64> = BTreeMap::new();
    let mut visitors: HashSet<(String, String)> = HashSet::new();
    for c in clicks {
        let d = Device::parse(&c.device).unwrap_or(Device::Unknown);
        if d == Device::Bot {
            s.bots += 1;
            continue;
        }
        s.clicks += 1;
        *devices.entry(d).or_default() += 1;
        let day = Timestamp(c.at)
            .to_utc()
            .with_timezone(&tz)
            .format("%Y-%m-%d")
            .to_string();
        *days_seen.entry(day).or_default() += 1;
        visitors.insert((rules::salt_day(Timestamp(c.at)), c.visitor));
    }
    s.visitors = visitors.len() as i64;
    s.by_device = Device::ALL
        .into_iter()
        .filter(|d| *d != Device::Bot)
        .map(|d| (d, devices.get(&d).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    s.by_day = days_seen.into_iter().collect();
    Ok(s)
}

/// The public address of a link.
pub fn public_url(app: &App, link: &ShortLink) -> String {
    format!(
        "{}/l/{}",
        app.config.public_url.trim_end_matches('/'),
        link.code
    )
}

/// The QR code of a link's public address, as PNG (for print: 8 pixels a module
/// and a quiet zone).
pub async fn qr_png(app: &App, actor: &Actor, id: i64) -> Result<Vec<u8>, AppError> {
    let link = get(app, actor, id).await?;
    let code = qr(&public_url(app, &link))?;
    let img = code
        .render::<image::Luma<u8>>()
        .module_dimensions(8, 8)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(out.into_inner())
}

/// The QR code as SVG (scales to any poster size).
pub async fn qr_svg(app: &App, actor: &Actor, id: i64) -> Result<String, AppError> {
    let link = get(app, actor, id).await?;
    let code = qr(&public_url(app, &link))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .build())
}

pub(crate) fn qr(data: &str) -> Result<qrcode::QrCode, AppError> {
    // Level M survives a smudge or a fold in a printed poster.
    qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))
}

/// Housekeeping: forgets the salts of past days.
pub async fn forget_old_salts(app: &App) -> Result<u64, AppError> {
    let today = rules::salt_day(app.now());
    let mut tx = app.store.begin().await?;
    let n = store::purge_salts(&mut tx, &today).await?;
    tx.commit().await?;
    Ok(n)
}
