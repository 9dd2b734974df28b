//! Console pages for channels ("Kanal") and posts ("Unggahan"): connect
//! channels, write and schedule a post, follow each channel's delivery, and act
//! on the ones that need a person.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::i18n;
use crate::middleware::{RequestId, redirect_with_flash, unprocessable};
use crate::pages::{Me, done, page, problems_ctx, staff_ctx};
use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::TimeZone;
use siar_app::channels::{self, BlueskyInput};
use siar_app::publishing::{self, DeliveryAction};
use siar_app::{AppError, media};
use siar_domain::Timestamp;
use siar_domain::channels::{Channel, ChannelStatus, Health, Platform};
use siar_domain::org::{Lang, Permission};
use siar_domain::publishing::{Delivery, DeliveryState, MediaKind};
use std::collections::HashMap;

// ---------------------------------------------------------------- views

/// A channel as a row on a page.
pub struct ChannelRow {
    pub id: i64,
    pub platform: String,
    pub handle: String,
    pub health: String,
    pub tone: &'static str,
    pub reason: Option<String>,
    pub can_pause: bool,
    pub can_resume: bool,
    pub can_disconnect: bool,
    pub practice: bool,
}

pub(crate) fn platform_name(lang: Lang, p: Platform) -> String {
    i18n::t(lang, p.name_key())
}

fn health_text(lang: Lang, h: &Health) -> String {
    match h {
        Health::ExpiresSoon(d) => i18n::t_args(lang, h.key(), &[("days", d.to_string())]),
        other => i18n::t(lang, other.key()),
    }
}

fn channel_row(lang: Lang, c: &Channel, now: Timestamp) -> ChannelRow {
    let h = c.health(now);
    ChannelRow {
        id: c.id,
        platform: channel_name(lang, c),
        handle: c.handle.clone(),
        health: health_text(lang, &h),
        tone: h.tone(),
        reason: c.status_reason.clone(),
        can_pause: c.status == ChannelStatus::Connected,
        can_resume: c.status == ChannelStatus::Paused,
        can_disconnect: c.status != ChannelStatus::Disconnected,
        practice: c.platform == Platform::Practice,
    }
}

/// A delivery as a row.
pub struct DeliveryRow {
    pub id: i64,
    pub post_id: i64,
    pub channel: String,
    pub handle: String,
    pub state: String,
    pub tone: &'static str,
    pub when: String,
    pub link: Option<String>,
    pub reason: Option<String>,
    pub original: Option<String>,
    pub text: String,
    pub can_retry: bool,
    pub can_cancel: bool,
    pub can_confirm: bool,
}

fn delivery_row(lang: Lang, tz: chrono_tz::Tz, d: &Delivery, ch: &Channel) -> DeliveryRow {
    let when = match d.state {
        DeliveryState::Published => d.published_at.unwrap_or(d.publish_at),
        _ => d.publish_at,
    };
    DeliveryRow {
        id: d.id,
        post_id: d.post_id,
        channel: channel_name(lang, ch),
        handle: ch.handle.clone(),
        state: i18n::t(lang, d.state.label_key()),
        tone: d.state.tone(),
        when: format!(
            "{} {}",
            when.format_in(tz),
            siar_domain::time::zone_label(tz)
        ),
        link: d.permalink.clone().filter(|l| {
            l.starts_with("https://") || l.starts_with("http://") || l.starts_with("/app/")
        }),
        reason: d.error_key.as_deref().map(|k| i18n::t(lang, k)),
        original: d.error_detail.clone(),
        text: d.text.clone(),
        can_retry: d.state.can_retry(),
        can_cancel: d.state.can_cancel(),
        can_confirm: d.state == DeliveryState::NeedsAttention,
    }
}

// ---------------------------------------------------------------- channels

#[derive(Template)]
#[template(path = "channels.html")]
struct ChannelsPage<'a> {
    c: &'a PageCtx,
    rows: Vec<ChannelRow>,
    admin: bool,
    has_practice: bool,
    /// Platforms a practice channel can imitate: (code, name).
    practice_like: Vec<(&'static str, String)>,
    x_ready: bool,
    fb_ready: bool,
    yt_ready: bool,
    bluesky: BlueskyForm,
    instance: String,
}

#[derive(Default)]
struct BlueskyForm {
    handle: String,
    pds: String,
}

async fn channels_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    bluesky: BlueskyForm,
    instance: String,
) -> Result<String, WebError> {
    let list = channels::list(&state.app, &me.0.actor).await?;
    let now = state.app.now();
    let admin = me.0.actor.role.can(Permission::ManageChannels);
    Ok(ChannelsPage {
        c,
        has_practice: list
            .iter()
            .any(|c| c.platform == Platform::Practice && c.rules_platform() == Platform::Practice),
        practice_like: Platform::ALL
            .iter()
            .filter(|p| **p != Platform::Practice)
            .map(|p| (p.as_str(), platform_name(c.lang, *p)))
            .collect(),
        rows: list.iter().map(|ch| channel_row(c.lang, ch, now)).collect(),
        admin,
        x_ready: state.app.channels.available().contains(&Platform::X),
        fb_ready: state.app.channels.available().contains(&Platform::Facebook),
        yt_ready: state.app.channels.available().contains(&Platform::YouTube),
        bluesky,
        instance,
    }
    .render()?)
}

pub async fn channels_list(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "channels-title", "/app/channels", &headers, &r);
    let body = channels_page(&state, &me, &c, BlueskyForm::default(), String::new()).await?;
    Ok(crate::pages::html_page(body, had, &state))
}

/// `POST /app/channels/practice`: the practice channel, or (with `like`) a
/// practice channel that follows another platform's rules.
pub async fn connect_practice(
    State(state): State<WebState>,
    me: Me,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    match f.get("like").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => channels::connect_practice(&state.app, &me.0.actor).await?,
        Some(like) => {
            let p = Platform::parse(like).ok_or(WebError(ErrorKind::NotFound))?;
            channels::connect_practice_like(&state.app, &me.0.actor, p).await?
        }
    };
    Ok(done(&state, "/app/channels", "channel-connected"))
}

/// How a channel is named to staff: its platform, or for a practice channel
/// that follows another platform's rules, "Kanal Latihan (aturan X)".
pub(crate) fn channel_name(lang: Lang, ch: &Channel) -> String {
    let rules = ch.rules_platform();
    if rules == ch.platform {
        platform_name(lang, ch.platform)
    } else {
        i18n::t_args(
            lang,
            "channel-practice-like",
            &[("platform", platform_name(lang, rules))],
        )
    }
}

pub async fn connect_bluesky(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = BlueskyInput {
        handle: get("handle"),
        app_password: get("app_password"),
        pds: get("pds"),
    };
    match channels::connect_bluesky(&state.app, &me.0.actor, &input).await {
        Ok(_) => Ok(done(&state, "/app/channels", "channel-connected")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "channels-title", "/app/channels", &r, p);
            // What was typed comes back, except the app password.
            let form = BlueskyForm {
                handle: input.handle,
                pds: input.pds,
            };
            Ok(unprocessable(
                channels_page(&state, &me, &c, form, String::new()).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn start_oauth(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let platform = f
        .get("platform")
        .and_then(|p| Platform::parse(p))
        .ok_or(WebError(ErrorKind::NotFound))?;
    let instance = f.get("instance").cloned().unwrap_or_default();
    match channels::start_oauth(&state.app, &me.0.actor, platform, &instance).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "channels-title", "/app/channels", &r, p);
            Ok(unprocessable(
                channels_page(&state, &me, &c, BlueskyForm::default(), instance).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

pub async fn oauth_callback(
    State(state): State<WebState>,
    me: Me,
    Query(q): Query<CallbackQuery>,
) -> WebResult {
    let secure = state.config.secure_cookies;
    if q.error.is_some() {
        return Ok(redirect_with_flash(
            "/app/channels",
            "err-oauth-denied",
            false,
            secure,
        ));
    }
    let (Some(st), Some(code)) = (q.state, q.code) else {
        return Ok(redirect_with_flash(
            "/app/channels",
            "err-oauth-state",
            false,
            secure,
        ));
    };
    match channels::finish_oauth(&state.app, &me.0.actor, &st, &code).await {
        Ok(channels::Connected::Channel(_)) => {
            Ok(done(&state, "/app/channels", "channel-connected"))
        }
        Ok(channels::Connected::PickPages { token, .. }) => Ok(Redirect::to(&format!(
            "/app/channels/facebook/pick?token={}",
            url_encode(&token)
        ))
        .into_response()),
        Err(AppError::Invalid(p)) => {
            let key = p.0.first().map(|e| e.key).unwrap_or("err-connect-failed");
            Ok(redirect_with_flash("/app/channels", key, false, secure))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn channel_status(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let status = f
        .get("status")
        .and_then(|s| ChannelStatus::parse(s))
        .ok_or(WebError(ErrorKind::NotFound))?;
    match channels::set_status(&state.app, &me.0.actor, id, status).await {
        Ok(()) => Ok(done(&state, "/app/channels", "channel-status-saved")),
        Err(AppError::Invalid(p)) => {
            let key = p.0.first().map(|e| e.key).unwrap_or("err-connect-failed");
            Ok(redirect_with_flash(
                "/app/channels",
                key,
                false,
                state.config.secure_cookies,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct TimelineItem {
    pub anchor: String,
    pub text: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "channel.html")]
struct ChannelPage<'a> {
    c: &'a PageCtx,
    ch: ChannelRow,
    timeline: Vec<TimelineItem>,
}

pub async fn channel_detail(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
) -> WebResult {
    let ch = channels::get(&state.app, &me.0.actor, id).await?;
    let (mut c, had) = staff_ctx(&me, "channel-title", "/app/channels", &headers, &r);
    let tz = me.0.org.settings.timezone;
    let timeline = if ch.platform == Platform::Practice {
        channels::practice_timeline(&state.app, &me.0.actor, id)
            .await?
            .into_iter()
            .map(|p| TimelineItem {
                anchor: format!("p{}", p.id),
                text: p.text,
                when: Timestamp(p.created_at).format_in(tz),
            })
            .collect()
    } else {
        vec![]
    };
    c.title = format!("{} · {}", channel_name(c.lang, &ch), ch.handle);
    let row = channel_row(c.lang, &ch, state.app.now());
    page(
        &ChannelPage {
            c: &c,
            ch: row,
            timeline,
        },
        had,
        &state,
    )
}

// ---------------------------------------------------------------- posts

pub struct PostRow {
    pub id: i64,
    pub text: String,
    pub when: String,
    pub deliveries: Vec<DeliveryRow>,
}

#[derive(Template)]
#[template(path = "posts.html")]
struct PostsPage<'a> {
    c: &'a PageCtx,
    posts: Vec<PostRow>,
    attention: Vec<DeliveryRow>,
    can_publish: bool,
    has_channels: bool,
}

fn short(text: &str, n: usize) -> String {
    let mut s: String = text.chars().take(n).collect();
    if text.chars().count() > n {
        s.push('…');
    }
    s
}

pub async fn posts_list(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "posts-title", "/app/posts", &headers, &r);
    let tz = me.0.org.settings.timezone;
    let actor = &me.0.actor;
    let posts = publishing::list(&state.app, actor, 50, None).await?;
    let attention = publishing::needing_attention(&state.app, actor).await?;
    let has_channels = !channels::list(&state.app, actor).await?.is_empty();
    let rows = posts
        .iter()
        .map(|p| PostRow {
            id: p.post.id,
            text: short(&p.post.text, 140),
            when: format!(
                "{} {}",
                p.post.publish_at.format_in(tz),
                siar_domain::time::zone_label(tz)
            ),
            deliveries: p
                .deliveries
                .iter()
                .map(|d| delivery_row(c.lang, tz, &d.delivery, &d.channel))
                .collect(),
        })
        .collect();
    page(
        &PostsPage {
            c: &c,
            posts: rows,
            attention: attention
                .iter()
                .map(|d| delivery_row(c.lang, tz, &d.delivery, &d.channel))
                .collect(),
            can_publish: actor.role.can(Permission::Publish),
            has_channels,
        },
        had,
        &state,
    )
}

#[derive(Template)]
#[template(path = "post.html")]
struct PostPage<'a> {
    c: &'a PageCtx,
    id: i64,
    /// Category and campaign, when set.
    tags: Vec<String>,
    history: Vec<crate::studio::HistoryRow>,
    movable: bool,
    move_date: String,
    move_time: String,
    text: String,
    title: Option<String>,
    when: String,
    deliveries: Vec<DeliveryRow>,
    media: Vec<MediaRow>,
    can_publish: bool,
}

pub struct MediaRow {
    pub id: i64,
    pub image: bool,
    pub alt: String,
    pub info: String,
}

pub(crate) fn media_row(m: &siar_domain::publishing::Media) -> MediaRow {
    let info = match m.duration_ms {
        Some(ms) => format!("{}×{} · {:.1} s", m.width, m.height, ms as f64 / 1000.0),
        None => format!("{}×{}", m.width, m.height),
    };
    MediaRow {
        id: m.id,
        image: m.kind == MediaKind::Image,
        alt: m.alt.clone(),
        info,
    }
}

pub async fn post_detail(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
) -> WebResult {
    let v = publishing::get(&state.app, &me.0.actor, id).await?;
    let (c, had) = staff_ctx(&me, "post-title", "/app/posts", &headers, &r);
    let tz = me.0.org.settings.timezone;
    let local = v.post.publish_at.to_utc().with_timezone(&tz);
    let movable = me.0.actor.role.can(Permission::Publish)
        && !v.deliveries.is_empty()
        && v.deliveries.iter().all(|d| {
            d.delivery.attempts == 0
                && matches!(
                    d.delivery.state,
                    DeliveryState::Scheduled | DeliveryState::Waiting | DeliveryState::Cancelled
                )
        });
    let view = siar_app::studio::open(&state.app, &me.0.actor, id).await?;
    let mut tags = Vec::new();
    if let Some(cat) = v.post.category {
        tags.push(i18n::t(c.lang, cat.label_key()));
    }
    if let Some(k) = v.post.campaign_id
        && let Ok((camp, _)) = siar_app::studio::campaign(&state.app, &me.0.actor, k).await
    {
        tags.push(camp.name);
    }
    let history = view
        .events
        .iter()
        .map(|(e, who)| crate::studio::HistoryRow {
            when: format!(
                "{} {}",
                e.at.format_in(tz),
                siar_domain::time::zone_label(tz)
            ),
            who: who.clone(),
            what: i18n::t(c.lang, e.kind.label_key()),
            comment: e.comment.clone(),
        })
        .collect();
    page(
        &PostPage {
            id,
            tags,
            history,
            movable,
            move_date: local.format("%Y-%m-%d").to_string(),
            move_time: local.format("%H:%M").to_string(),
            text: v.post.text.clone(),
            title: v.post.title.clone(),
            when: format!(
                "{} {}",
                v.post.publish_at.format_in(tz),
                siar_domain::time::zone_label(tz)
            ),
            deliveries: v
                .deliveries
                .iter()
                .map(|d| delivery_row(c.lang, tz, &d.delivery, &d.channel))
                .collect(),
            media: v.media.iter().map(media_row).collect(),
            can_publish: me.0.actor.role.can(Permission::Publish),
            c: &c,
        },
        had,
        &state,
    )
}

pub async fn delivery_action(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let action = match f.get("action").map(String::as_str) {
        Some("retry") => DeliveryAction::Retry,
        Some("cancel") => DeliveryAction::Cancel,
        Some("confirm") => DeliveryAction::ConfirmPublished {
            link: f.get("link").cloned().unwrap_or_default(),
        },
        _ => return Err(WebError(ErrorKind::NotFound)),
    };
    let back = f
        .get("back")
        .filter(|b| b.starts_with("/app/posts"))
        .cloned()
        .unwrap_or_else(|| "/app/posts".into());
    let secure = state.config.secure_cookies;
    match publishing::act_on_delivery(&state.app, &me.0.actor, id, &action).await {
        Ok(()) => Ok(done(&state, &back, "delivery-saved")),
        Err(AppError::Invalid(p)) => {
            let key = p.0.first().map(|e| e.key).unwrap_or("err-required");
            Ok(redirect_with_flash(&back, key, false, secure))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- rules in words

/// A rule broken on one channel, in the person's language, naming the platform.
pub fn issue_text(lang: Lang, p: Platform, i: &siar_domain::publishing::Issue) -> String {
    let mut args = vec![("platform", platform_name(lang, p))];
    if let Some(n) = i.n {
        let shown = if i.key.ends_with("too-big") {
            format!("{:.1} MB", n as f64 / 1_000_000.0)
        } else if i.key == "rule-video-too-long" || i.key == "rule-video-too-short" {
            if n >= 120 {
                i18n::t_args(lang, "unit-minutes", &[("n", (n / 60).to_string())])
            } else {
                i18n::t_args(lang, "unit-seconds", &[("n", n.to_string())])
            }
        } else {
            n.to_string()
        };
        args.push(("n", shown));
    }
    let text = i18n::t_args(lang, i.key, &args);
    let text = match i.item {
        Some(item) => i18n::t_args(
            lang,
            "rule-item",
            &[("item", item.to_string()), ("text", text)],
        ),
        None => text,
    };
    match i.part {
        Some(part) => i18n::t_args(
            lang,
            "rule-part",
            &[("part", part.to_string()), ("text", text)],
        ),
        None => text,
    }
}

/// `2026-12-01T09:30` in the organisation's time zone.
pub(crate) fn parse_local(s: &str, tz: chrono_tz::Tz) -> Option<Timestamp> {
    let naive = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok()?;
    let local = tz.from_local_datetime(&naive).earliest()?;
    Some(Timestamp(local.timestamp_millis()))
}

// ---------------------------------------------------------------- media

pub(crate) fn file_response(mime: String, bytes: Vec<u8>, cache: &'static str) -> Response {
    let mut r = Response::new(Body::from(bytes));
    if let Ok(v) = HeaderValue::from_str(&mime) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

pub async fn media_file(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    let (mime, bytes) = media::open(&state.app, &me.0.actor, id).await?;
    Ok(file_response(mime, bytes, "private, max-age=3600"))
}

/// A signed, expiring public URL (platforms that fetch media themselves).
pub async fn media_signed(
    State(state): State<WebState>,
    Path((id, platform, exp, sig)): Path<(i64, String, i64, String)>,
) -> WebResult {
    let (mime, bytes) = media::open_signed(&state.app, id, &platform, exp, &sig).await?;
    Ok(file_response(mime, bytes, "public, max-age=3600"))
}

fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("t", s)])
        .map(|q| q.trim_start_matches("t=").to_string())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "facebook_pick.html")]
struct PickPage<'a> {
    c: &'a PageCtx,
    token: String,
    pages: Vec<channels::PageChoice>,
}

#[derive(serde::Deserialize)]
pub struct PickQuery {
    token: String,
}

/// Facebook Login found several Pages: the person picks which to connect.
pub async fn facebook_pick(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Query(q): Query<PickQuery>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "facebook-pick-title", "/app/channels", &headers, &r);
    match channels::pending_pages(&state.app, &me.0.actor, &q.token).await {
        Ok(pages) => page(
            &PickPage {
                c: &c,
                token: q.token,
                pages,
            },
            had,
            &state,
        ),
        Err(AppError::Invalid(_)) => Ok(redirect_with_flash(
            "/app/channels",
            "err-oauth-state",
            false,
            state.config.secure_cookies,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn facebook_pick_submit(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<Vec<(String, String)>>,
) -> WebResult {
    let token = f
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let chosen: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "page")
        .map(|(_, v)| v.clone())
        .collect();
    match channels::pick_pages(&state.app, &me.0.actor, &token, &chosen).await {
        Ok(_) => Ok(done(&state, "/app/channels", "channel-connected")),
        Err(AppError::Invalid(p)) if p.for_field("pages").is_some() => {
            let pages = channels::pending_pages(&state.app, &me.0.actor, &token).await?;
            let c = problems_ctx(&me, "facebook-pick-title", "/app/channels", &r, p);
            Ok(unprocessable(
                PickPage {
                    c: &c,
                    token,
                    pages,
                }
                .render()?,
            ))
        }
        Err(AppError::Invalid(_)) => Ok(redirect_with_flash(
            "/app/channels",
            "err-oauth-state",
            false,
            state.config.secure_cookies,
        )),
        Err(e) => Err(e.into()),
    }
}
