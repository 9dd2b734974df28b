//! Connecting channels and caring for their tokens.
//!
//! Credentials are encrypted with the deployment key before they are stored and
//! decrypted only to make a call. A refresh that brings no refresh token keeps
//! the stored one. A refresh failure or a refused token pauses the channel's
//! deliveries (they wait); a reconnect sends them on.

use crate::jobs::{JobError, JobFuture, JobHandler};
use crate::{Actor, App, AppError, audit};
use siar_channels::http::{Http, HttpConfig};
use siar_channels::mastodon::{self, AppRegistration, Mastodon};
use siar_channels::{
    Account, Connector, ConnectorError, Credentials, Ctx, PlatformApp, bluesky, oauth, x,
};
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::channels::{Channel, ChannelStatus, ConnectKind, Platform};
use siar_domain::jobs::{Job, NewJob};
use siar_domain::org::{OrgId, Permission};
use siar_domain::publishing::DeliveryState;
use siar_domain::validate::Problems;
use siar_store::channels::{self as store, NewChannel};
use siar_store::{Tx, jobs, publishing as publ};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Deployment settings of the platforms: API locations and app credentials.
#[derive(Debug, Clone)]
pub struct PlatformSettings {
    pub x: PlatformApp,
    /// Facebook Login app (Facebook Pages and their Instagram accounts).
    pub facebook: PlatformApp,
    /// Where Facebook video bytes go (`graph-video.facebook.com`).
    pub facebook_video_base: String,
    /// Google OAuth app with the YouTube Data API enabled.
    pub youtube: PlatformApp,
    /// `https://www.googleapis.com`: resumable uploads live under it.
    pub youtube_upload_base: String,
    /// `private` until Google has audited the API project.
    pub youtube_privacy: String,
    /// `https://youtubeanalytics.googleapis.com` (audience and daily views).
    pub youtube_analytics_base: String,
    pub http: HttpConfig,
    /// Tokens expiring within this are refreshed by the token-care job.
    pub refresh_ahead: Duration,
    /// Publishing calls at the same time per platform, in one worker process.
    pub per_platform_concurrency: usize,
    /// Publishing calls at the same time per account (channel).
    pub per_account_concurrency: usize,
    /// Meta's webhook subscription check (`hub.verify_token`); the body
    /// signatures use `facebook.client_secret` (the app secret).
    pub meta_verify_token: String,
    /// X's consumer (API) secret: the key of its CRC and webhook signatures.
    pub x_consumer_secret: String,
}

impl Default for PlatformSettings {
    fn default() -> Self {
        Self {
            x: PlatformApp {
                api_base: "https://api.x.com".into(),
                auth_url: "https://x.com/i/oauth2/authorize".into(),
                token_url: "https://api.x.com/2/oauth2/token".into(),
                ..Default::default()
            },
            facebook: PlatformApp {
                api_base: "https://graph.facebook.com/v25.0".into(),
                auth_url: "https://www.facebook.com/v25.0/dialog/oauth".into(),
                token_url: "https://graph.facebook.com/v25.0/oauth/access_token".into(),
                ..Default::default()
            },
            facebook_video_base: "https://graph-video.facebook.com/v25.0".into(),
            youtube: PlatformApp {
                api_base: "https://www.googleapis.com".into(),
                auth_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
                token_url: "https://oauth2.googleapis.com/token".into(),
                ..Default::default()
            },
            youtube_upload_base: "https://www.googleapis.com".into(),
            youtube_privacy: "public".into(),
            youtube_analytics_base: "https://youtubeanalytics.googleapis.com".into(),
            http: HttpConfig::default(),
            refresh_ahead: Duration::from_secs(30 * 60),
            per_platform_concurrency: 32,
            per_account_concurrency: 2,
            meta_verify_token: String::new(),
            x_consumer_secret: String::new(),
        }
    }
}

/// The connectors and the HTTP client they share.
pub struct ChannelKit {
    pub http: Http,
    pub settings: PlatformSettings,
    connectors: HashMap<Platform, Arc<dyn Connector>>,
    platform_slots: HashMap<Platform, Arc<tokio::sync::Semaphore>>,
    account_slots: std::sync::Mutex<HashMap<i64, Arc<tokio::sync::Semaphore>>>,
}

/// Permission to make one publishing call (held for its duration).
pub struct Slot {
    _platform: tokio::sync::OwnedSemaphorePermit,
    _account: tokio::sync::OwnedSemaphorePermit,
}

impl ChannelKit {
    pub fn new(settings: PlatformSettings) -> Result<Self, AppError> {
        let http = Http::new(&settings.http).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut kit = Self::fallback(settings);
        kit.http = http;
        Ok(kit)
    }

    /// The same connectors over a default HTTP client.
    pub fn fallback(settings: PlatformSettings) -> Self {
        let http = Http::fallback(&settings.http);
        let platform_slots = Platform::ALL
            .into_iter()
            .map(|p| {
                (
                    p,
                    Arc::new(tokio::sync::Semaphore::new(
                        settings.per_platform_concurrency.max(1),
                    )),
                )
            })
            .collect();
        let mut kit = Self {
            http,
            settings,
            connectors: HashMap::new(),
            platform_slots,
            account_slots: std::sync::Mutex::new(HashMap::new()),
        };
        kit.connectors
            .insert(Platform::Bluesky, Arc::new(bluesky::Bluesky::default()));
        kit.connectors
            .insert(Platform::Mastodon, Arc::new(Mastodon::default()));
        kit.connectors
            .insert(Platform::X, Arc::new(x::X::new(kit.settings.x.clone())));
        let meta = siar_channels::meta::Meta::new(
            kit.settings.facebook.clone(),
            kit.settings.facebook_video_base.clone(),
        );
        kit.connectors.insert(
            Platform::Facebook,
            Arc::new(siar_channels::meta::FacebookPage(meta.clone())),
        );
        kit.connectors.insert(
            Platform::Instagram,
            Arc::new(siar_channels::meta::Instagram(meta)),
        );
        let mut yt = siar_channels::youtube::YouTube::new(
            kit.settings.youtube.clone(),
            kit.settings.youtube_upload_base.clone(),
        );
        yt.privacy = kit.settings.youtube_privacy.clone();
        yt.analytics_base = kit.settings.youtube_analytics_base.clone();
        kit.connectors.insert(Platform::YouTube, Arc::new(yt));
        kit
    }

    /// Replaces a platform's connector (tests shorten polling intervals).
    pub fn set_connector(&mut self, p: Platform, c: Arc<dyn Connector>) {
        self.connectors.insert(p, c);
    }

    /// Waits for a free publishing slot on the account, then on the platform
    /// (the caps in [`PlatformSettings`]). In that order: a delivery waiting
    /// for its account (busy with its own calls) does not hold one of the
    /// platform's slots that deliveries for other accounts could call with.
    pub async fn slot(&self, p: Platform, channel: i64) -> Option<Slot> {
        let platform = self.platform_slots.get(&p)?.clone();
        let account = {
            let mut m = self.account_slots.lock().ok()?;
            m.entry(channel)
                .or_insert_with(|| {
                    Arc::new(tokio::sync::Semaphore::new(
                        self.settings.per_account_concurrency.max(1),
                    ))
                })
                .clone()
        };
        let account = account.acquire_owned().await.ok()?;
        let platform = platform.acquire_owned().await.ok()?;
        Some(Slot {
            _platform: platform,
            _account: account,
        })
    }

    pub fn connector(&self, p: Platform) -> Option<Arc<dyn Connector>> {
        self.connectors.get(&p).cloned()
    }

    /// Platforms a person can connect in this deployment.
    pub fn available(&self) -> Vec<Platform> {
        let mut v: Vec<Platform> = Platform::ALL
            .into_iter()
            .filter(|p| match p {
                Platform::Practice => true,
                Platform::X => !self.settings.x.client_id.is_empty(),
                Platform::Facebook | Platform::Instagram => {
                    !self.settings.facebook.client_id.is_empty()
                }
                Platform::YouTube => !self.settings.youtube.client_id.is_empty(),
                other => self.connectors.contains_key(other),
            })
            .collect();
        v.sort_by_key(|p| p.as_str());
        v
    }

    pub fn ctx(&self, now: Timestamp) -> Ctx {
        Ctx {
            now,
            http: self.http.clone(),
        }
    }
}

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Channel>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let v = store::list(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<Channel, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let c = store::get(&mut tx, actor.org, id).await?;
    tx.commit().await?;
    c.ok_or(AppError::NotFound)
}

/// What the practice channel has "published", newest first.
pub async fn practice_timeline(
    app: &App,
    actor: &Actor,
    channel: i64,
) -> Result<Vec<publ::PracticePost>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let v = publ::practice_timeline(&mut tx, actor.org, channel, 100).await?;
    tx.commit().await?;
    Ok(v)
}

/// The practice channel: nothing to connect; one per organisation.
pub async fn connect_practice(app: &App, actor: &Actor) -> Result<i64, AppError> {
    practice_channel(app, actor, "practice", "latihan").await
}

/// A practice channel that follows another platform's rules (its limits,
/// media and alt-text rules, threads), for training: posts go to Siar's own
/// timeline like the plain practice channel's.
pub async fn connect_practice_like(
    app: &App,
    actor: &Actor,
    like: Platform,
) -> Result<i64, AppError> {
    if like == Platform::Practice {
        return connect_practice(app, actor).await;
    }
    let remote = format!("practice-{}", like.as_str());
    let handle = format!("latihan-{}", like.as_str());
    practice_channel(app, actor, &remote, &handle).await
}

async fn practice_channel(
    app: &App,
    actor: &Actor,
    remote_id: &str,
    handle: &str,
) -> Result<i64, AppError> {
    actor.require(Permission::ManageChannels)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = save_channel(
        &mut tx,
        actor,
        &NewChannel {
            platform: Platform::Practice,
            remote_id,
            name: "Kanal Latihan",
            handle,
            base_url: None,
            credentials: None,
            token_expires_at: None,
            limits: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What a person typed to connect Bluesky.
#[derive(Debug, Clone, Default)]
pub struct BlueskyInput {
    pub handle: String,
    pub app_password: String,
    pub pds: String,
}

impl BlueskyInput {
    fn validate(&self) -> Result<(String, String), Problems> {
        let mut p = Problems::default();
        let handle = self.handle.trim().trim_start_matches('@').to_string();
        if handle.is_empty() {
            p.push("handle", "err-required");
        } else if !handle.contains('.') || handle.contains(' ') {
            p.push("handle", "err-bluesky-handle");
        }
        if self.app_password.trim().is_empty() {
            p.push("app_password", "err-required");
        }
        let pds = match self.pds.trim() {
            "" => bluesky::DEFAULT_PDS.to_string(),
            s => s.trim_end_matches('/').to_string(),
        };
        if !valid_base_url(&pds) {
            p.push("pds", "err-url");
        }
        p.into_result().map(|_| (handle, pds))
    }
}

/// An `http(s)://host[:port]` address without path, query or credentials.
fn valid_base_url(s: &str) -> bool {
    match url::Url::parse(s) {
        Ok(u) => {
            matches!(u.scheme(), "https" | "http")
                && u.host_str().is_some()
                && u.username().is_empty()
                && u.password().is_none()
                && u.query().is_none()
                && matches!(u.path(), "" | "/")
        }
        Err(_) => false,
    }
}

/// Bluesky with a handle and an app password. Only the session is kept.
pub async fn connect_bluesky(
    app: &App,
    actor: &Actor,
    input: &BlueskyInput,
) -> Result<i64, AppError> {
    actor.require(Permission::ManageChannels)?;
    let (handle, pds) = input.validate().map_err(AppError::Invalid)?;
    let now = app.now();
    let ctx = app.channels.ctx(now);
    let creds = bluesky::create_session(&ctx, &pds, &handle, input.app_password.trim())
        .await
        .map_err(|e| connect_error("app_password", &e))?;
    let did = creds.extra["did"].as_str().unwrap_or("").to_string();
    let shown = creds.extra["handle"]
        .as_str()
        .unwrap_or(&handle)
        .to_string();
    if did.is_empty() {
        return Err(AppError::field("handle", "err-connect-failed"));
    }
    let sealed = seal(app, &creds)?;
    let mut tx = app.store.begin().await?;
    let id = save_channel(
        &mut tx,
        actor,
        &NewChannel {
            platform: Platform::Bluesky,
            remote_id: &did,
            name: &shown,
            handle: &shown,
            base_url: Some(&pds),
            credentials: Some(&sealed),
            token_expires_at: creds.expires_at,
            limits: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn connect_error(field: &'static str, e: &ConnectorError) -> AppError {
    tracing::warn!("connecting a channel failed: {e}");
    match e {
        ConnectorError::Auth { .. } | ConnectorError::Invalid { .. } => {
            AppError::field(field, "err-connect-refused")
        }
        ConnectorError::RateLimited { .. } => AppError::field(field, "err-connect-rate-limited"),
        _ => AppError::field(field, "err-connect-failed"),
    }
}

/// Starts an OAuth flow; returns the platform's authorisation URL. Mastodon
/// first registers Siar on the instance.
pub async fn start_oauth(
    app: &App,
    actor: &Actor,
    platform: Platform,
    instance: &str,
) -> Result<String, AppError> {
    actor.require(Permission::ManageChannels)?;
    let user = actor.user.ok_or(AppError::Forbidden)?;
    let now = app.now();
    let state = oauth::new_state();
    let (verifier, challenge) = oauth::pkce_pair();
    let redirect = callback_url(app);
    let (url, base, client) = match platform {
        Platform::X => {
            if app.channels.settings.x.client_id.is_empty() {
                return Err(AppError::field("platform", "err-platform-not-configured"));
            }
            let mut xapp = app.channels.settings.x.clone();
            xapp.redirect_url = redirect;
            (x::authorize_url(&xapp, &state, &challenge), None, None)
        }
        Platform::Facebook | Platform::Instagram => {
            if app.channels.settings.facebook.client_id.is_empty() {
                return Err(AppError::field("platform", "err-platform-not-configured"));
            }
            let mut fb = app.channels.settings.facebook.clone();
            fb.redirect_url = redirect;
            (siar_channels::meta::authorize_url(&fb, &state), None, None)
        }
        Platform::YouTube => {
            if app.channels.settings.youtube.client_id.is_empty() {
                return Err(AppError::field("platform", "err-platform-not-configured"));
            }
            let mut yt = app.channels.settings.youtube.clone();
            yt.redirect_url = redirect;
            (
                siar_channels::youtube::authorize_url(&yt, &state, &challenge),
                None,
                None,
            )
        }
        Platform::Mastodon => {
            let base = normalise_instance(instance)
                .ok_or_else(|| AppError::field("instance", "err-url"))?;
            let ctx = app.channels.ctx(now);
            let reg = mastodon::register_app(&ctx, &base, &redirect)
                .await
                .map_err(|e| connect_error("instance", &e))?;
            let url = mastodon::authorize_url(&base, &reg, &redirect, &state, &challenge);
            let client =
                serde_json::to_string(&reg).map_err(|e| AppError::Internal(e.to_string()))?;
            (url, Some(base), Some(app.secrets.encrypt(&client)))
        }
        _ => return Err(AppError::field("platform", "err-platform-not-configured")),
    };
    let mut tx = app.store.begin().await?;
    let platform = if platform == Platform::Instagram {
        Platform::Facebook
    } else {
        platform
    };
    store::insert_flow(
        &mut tx,
        actor.org,
        user,
        platform,
        &crate::secrets::token_hash(&state),
        &app.secrets.encrypt(&verifier),
        base.as_deref(),
        client.as_deref(),
        now,
        now.plus(Duration::from_secs(15 * 60)),
    )
    .await?;
    tx.commit().await?;
    Ok(url)
}

fn normalise_instance(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('/');
    let full = if s.contains("://") {
        s.to_string()
    } else {
        format!("https://{s}")
    };
    valid_base_url(&full).then_some(full)
}

/// Where platforms send the person back after approval.
pub fn callback_url(app: &App) -> String {
    format!(
        "{}/app/channels/callback",
        app.config.public_url.trim_end_matches('/')
    )
}

/// Finishes an OAuth flow from the callback. The state works once, for the
/// person who started it, within 15 minutes.
pub async fn finish_oauth(
    app: &App,
    actor: &Actor,
    state: &str,
    code: &str,
) -> Result<Connected, AppError> {
    actor.require(Permission::ManageChannels)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let flow = store::take_flow(&mut tx, &crate::secrets::token_hash(state), now).await?;
    tx.commit().await?;
    let flow = flow.ok_or_else(|| AppError::field("state", "err-oauth-state"))?;
    if flow.org_id != actor.org.0 || Some(flow.user_id) != actor.user.map(|u| u.0) {
        return Err(AppError::field("state", "err-oauth-state"));
    }
    if code.trim().is_empty() {
        return Err(AppError::field("code", "err-oauth-denied"));
    }
    let verifier = app
        .secrets
        .decrypt(&flow.verifier)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let ctx = app.channels.ctx(now);
    let redirect = callback_url(app);
    let platform = Platform::parse(&flow.platform).ok_or(AppError::NotFound)?;
    if platform == Platform::Facebook {
        let mut fb = app.channels.settings.facebook.clone();
        fb.redirect_url = redirect;
        let pages = siar_channels::meta::exchange_code(&ctx, &fb, code)
            .await
            .map_err(|e| connect_error("code", &e))?;
        let usable: Vec<_> = pages.into_iter().filter(|p| p.can_post).collect();
        if usable.len() <= 1 {
            return save_pages(app, actor, &usable, now)
                .await
                .map(Connected::Channel);
        }
        // Several Pages: the person picks which to connect.
        let token = crate::secrets::random_token();
        let json = serde_json::to_string(&usable).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = app.store.begin().await?;
        store::insert_flow(
            &mut tx,
            actor.org,
            actor.user.ok_or(AppError::Forbidden)?,
            Platform::Facebook,
            &crate::secrets::token_hash(&token),
            "",
            Some(PICK_PAGES),
            Some(&app.secrets.encrypt(&json)),
            now,
            now.plus(Duration::from_secs(15 * 60)),
        )
        .await?;
        tx.commit().await?;
        return Ok(Connected::PickPages {
            token,
            pages: usable.iter().map(PageChoice::from).collect(),
        });
    }
    let (creds, who, base, limits) = match platform {
        Platform::YouTube => {
            let mut yt = app.channels.settings.youtube.clone();
            yt.redirect_url = redirect;
            let (c, w) = siar_channels::youtube::exchange_code(&ctx, &yt, code, &verifier)
                .await
                .map_err(|e| connect_error("code", &e))?;
            (c, w, None, None)
        }
        Platform::X => {
            let mut xapp = app.channels.settings.x.clone();
            xapp.redirect_url = redirect;
            let (c, w) = x::exchange_code(&ctx, &xapp, code, &verifier)
                .await
                .map_err(|e| connect_error("code", &e))?;
            (c, w, None, None)
        }
        Platform::Mastodon => {
            let base = flow.base_url.clone().ok_or(AppError::NotFound)?;
            let client = flow.client.as_deref().ok_or(AppError::NotFound)?;
            let client = app
                .secrets
                .decrypt(client)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let reg: AppRegistration =
                serde_json::from_str(&client).map_err(|e| AppError::Internal(e.to_string()))?;
            let (mut c, w) = mastodon::exchange_code(&ctx, &base, &reg, &redirect, code, &verifier)
                .await
                .map_err(|e| connect_error("code", &e))?;
            c.extra = serde_json::json!({ "client_id": reg.client_id });
            let limits = mastodon::instance_limits(&ctx, &base)
                .await
                .ok()
                .and_then(|l| serde_json::to_string(&l).ok());
            (c, w, Some(base), limits)
        }
        _ => return Err(AppError::NotFound),
    };
    let sealed = seal(app, &creds)?;
    let mut tx = app.store.begin().await?;
    let id = save_channel(
        &mut tx,
        actor,
        &NewChannel {
            platform,
            remote_id: &who.id,
            name: &who.name,
            handle: &who.handle,
            base_url: base.as_deref(),
            credentials: Some(&sealed),
            token_expires_at: creds.expires_at,
            limits: limits.as_deref(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Connected::Channel(id))
}

/// The outcome of an OAuth callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connected {
    Channel(i64),
    /// Facebook Login found several Pages: the person picks (within 15 minutes)
    /// with [`pick_pages`] and this token.
    PickPages {
        token: String,
        pages: Vec<PageChoice>,
    },
}

/// A Page offered for connecting, with its linked Instagram account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageChoice {
    pub id: String,
    pub name: String,
    pub instagram: Option<String>,
}

impl From<&siar_channels::meta::PageAccess> for PageChoice {
    fn from(p: &siar_channels::meta::PageAccess) -> Self {
        PageChoice {
            id: p.id.clone(),
            name: p.name.clone(),
            instagram: p.instagram.as_ref().map(|(_, u)| format!("@{u}")),
        }
    }
}

/// Marks a pending Page choice in `oauth_flows.base_url`.
const PICK_PAGES: &str = "pick-pages";

/// The pending Page choice behind `token`, if it is this person's.
async fn page_choice(
    app: &App,
    actor: &Actor,
    token: &str,
) -> Result<Vec<siar_channels::meta::PageAccess>, AppError> {
    let mut tx = app.store.read().await?;
    let flow = store::peek_flow(&mut tx, &crate::secrets::token_hash(token), app.now()).await?;
    tx.commit().await?;
    let flow = flow
        .filter(|f| f.base_url.as_deref() == Some(PICK_PAGES))
        .filter(|f| f.org_id == actor.org.0 && Some(f.user_id) == actor.user.map(|u| u.0))
        .ok_or_else(|| AppError::field("state", "err-oauth-state"))?;
    let json = app
        .secrets
        .decrypt(flow.client.as_deref().unwrap_or(""))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))
}

/// Connects the Pages the person picked (and their Instagram accounts). The
/// choice is used up only when at least one Page is picked.
pub async fn pick_pages(
    app: &App,
    actor: &Actor,
    token: &str,
    chosen: &[String],
) -> Result<i64, AppError> {
    actor.require(Permission::ManageChannels)?;
    let pages = page_choice(app, actor, token).await?;
    let picked: Vec<_> = pages
        .into_iter()
        .filter(|p| chosen.contains(&p.id))
        .collect();
    if picked.is_empty() {
        return Err(AppError::field("pages", "err-choose-page"));
    }
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let taken = store::take_flow(&mut tx, &crate::secrets::token_hash(token), now).await?;
    tx.commit().await?;
    if taken.is_none() {
        // Used a moment ago (a double submit): nothing more to do.
        return Err(AppError::field("state", "err-oauth-state"));
    }
    save_pages(app, actor, &picked, now).await
}

/// The Pages of a pending choice, to show the picker.
pub async fn pending_pages(
    app: &App,
    actor: &Actor,
    token: &str,
) -> Result<Vec<PageChoice>, AppError> {
    actor.require(Permission::ManageChannels)?;
    Ok(page_choice(app, actor, token)
        .await?
        .iter()
        .map(PageChoice::from)
        .collect())
}

/// Connects every Page the person may post to (the permissions check: the
/// Page's tasks include CREATE_CONTENT), and each Page's linked Instagram
/// account. Page tokens from a long-lived user token do not expire.
async fn save_pages(
    app: &App,
    actor: &Actor,
    pages: &[siar_channels::meta::PageAccess],
    now: Timestamp,
) -> Result<i64, AppError> {
    let usable: Vec<_> = pages.iter().filter(|p| p.can_post).collect();
    if usable.is_empty() {
        return Err(AppError::field("code", "err-facebook-no-pages"));
    }
    let mut first = None;
    let mut tx = app.store.begin().await?;
    for p in usable {
        let creds = seal(
            app,
            &Credentials {
                access_token: p.token.clone(),
                ..Default::default()
            },
        )?;
        let id = save_channel(
            &mut tx,
            actor,
            &NewChannel {
                platform: Platform::Facebook,
                remote_id: &p.id,
                name: &p.name,
                handle: &p.name,
                base_url: None,
                credentials: Some(&creds),
                token_expires_at: None,
                limits: None,
            },
            now,
        )
        .await?;
        first.get_or_insert(id);
        if let Some((ig, username)) = &p.instagram {
            save_channel(
                &mut tx,
                actor,
                &NewChannel {
                    platform: Platform::Instagram,
                    remote_id: ig,
                    name: username,
                    handle: &format!("@{username}"),
                    base_url: None,
                    credentials: Some(&creds),
                    token_expires_at: None,
                    limits: None,
                },
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    first.ok_or(AppError::NotFound)
}

/// Connects a token-based channel from the API (Bluesky; the practice channel).
pub async fn connect_by_api(
    app: &App,
    actor: &Actor,
    platform: Platform,
    input: &BlueskyInput,
) -> Result<i64, AppError> {
    match platform.connect_kind() {
        ConnectKind::AppPassword => connect_bluesky(app, actor, input).await,
        ConnectKind::Builtin => connect_practice(app, actor).await,
        _ => Err(AppError::field("platform", "err-platform-oauth-only")),
    }
}

fn seal(app: &App, creds: &Credentials) -> Result<String, AppError> {
    let json = serde_json::to_string(creds).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(app.secrets.encrypt(&json))
}

/// Stores a connected channel, audits it and sends on deliveries that waited
/// for it.
async fn save_channel(
    tx: &mut Tx,
    actor: &Actor,
    c: &NewChannel<'_>,
    now: Timestamp,
) -> Result<i64, AppError> {
    let (id, new) = store::upsert(tx, actor.org, c, now).await?;
    let woken = wake_waiting(tx, actor.org, id, now).await?;
    audit::record(
        tx,
        actor,
        AuditAction::ChannelConnected,
        "channel",
        Some(id.to_string()),
        format!(
            "platform: {}; account: {}; {}; deliveries resumed: {woken}",
            c.platform.as_str(),
            c.handle,
            if new { "new" } else { "reconnected" }
        ),
        now,
    )
    .await?;
    Ok(id)
}

/// Deliveries of a channel that waited (paused, needed reconnecting) go back
/// to the queue, due now or at their own time.
async fn wake_waiting(
    tx: &mut Tx,
    org: OrgId,
    channel: i64,
    now: Timestamp,
) -> Result<usize, AppError> {
    let waiting = publ::channel_deliveries(tx, org, channel, DeliveryState::Waiting).await?;
    for d in &waiting {
        publ::set_state(
            tx,
            d.id,
            DeliveryState::Scheduled,
            None,
            None,
            &[DeliveryState::Waiting],
            now,
        )
        .await?;
        crate::publishing::enqueue_delivery(tx, org, d.id, d.publish_at.max(now), now).await?;
    }
    Ok(waiting.len())
}

/// Staff pause, resume or disconnect a channel.
pub async fn set_status(
    app: &App,
    actor: &Actor,
    id: i64,
    status: ChannelStatus,
) -> Result<(), AppError> {
    actor.require(Permission::ManageChannels)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ch = store::get(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let action = match status {
        ChannelStatus::Paused => AuditAction::ChannelPaused,
        ChannelStatus::Connected => {
            if ch.status == ChannelStatus::NeedsReconnect
                || ch.status == ChannelStatus::Disconnected
            {
                // Only a reconnect (new credentials) can bring these back.
                return Err(AppError::field("status", "err-channel-needs-reconnect"));
            }
            AuditAction::ChannelResumed
        }
        ChannelStatus::Disconnected => AuditAction::ChannelDisconnected,
        ChannelStatus::NeedsReconnect => return Err(AppError::NotFound),
    };
    store::set_status(&mut tx, actor.org, id, status, None, now).await?;
    let mut woken = 0;
    if status == ChannelStatus::Connected {
        woken = wake_waiting(&mut tx, actor.org, id, now).await?;
    }
    if status == ChannelStatus::Disconnected {
        // Nothing more goes out on a disconnected channel: its queue is cancelled.
        for st in [DeliveryState::Scheduled, DeliveryState::Waiting] {
            for d in publ::channel_deliveries(&mut tx, actor.org, id, st).await? {
                publ::set_state(
                    &mut tx,
                    d.id,
                    DeliveryState::Cancelled,
                    Some("delivery-reason-disconnected"),
                    None,
                    &[st],
                    now,
                )
                .await?;
            }
        }
    }
    audit::record(
        &mut tx,
        actor,
        action,
        "channel",
        Some(id.to_string()),
        format!(
            "status: {} → {}; deliveries resumed: {woken}",
            ch.status.as_str(),
            status.as_str()
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A channel's account with decrypted credentials, for a call.
pub(crate) async fn account(app: &App, tx: &mut Tx, ch: &Channel) -> Result<Account, AppError> {
    let (sealed, _) = store::secrets(tx, ch.org_id, ch.id).await?;
    account_from(app, ch, sealed)
}

/// A channel's account from its already-read sealed credentials.
pub(crate) fn account_from(
    app: &App,
    ch: &Channel,
    sealed: Option<String>,
) -> Result<Account, AppError> {
    let credentials = match sealed {
        Some(s) => {
            let json = app
                .secrets
                .decrypt(&s)
                .map_err(|e| AppError::Internal(format!("channel {}: {e}", ch.id)))?;
            serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))?
        }
        None => Credentials::default(),
    };
    Ok(Account {
        channel_id: ch.id,
        remote_id: ch.remote_id.clone(),
        handle: ch.handle.clone(),
        base_url: ch.base_url.clone(),
        credentials,
    })
}

/// Per-instance limits stored at connect time (Mastodon).
pub(crate) async fn instance_limits(
    tx: &mut Tx,
    ch: &Channel,
) -> Result<Option<mastodon::InstanceLimits>, AppError> {
    let (_, limits) = store::secrets(tx, ch.org_id, ch.id).await?;
    Ok(limits.and_then(|l| serde_json::from_str(&l).ok()))
}

/// Refreshes a channel's credentials. On success the new ones are stored (the
/// old refresh token kept when none came back). On an `Auth` failure the channel
/// needs reconnecting, with the platform's words kept for staff.
pub async fn refresh_channel(app: &App, ch: &Channel) -> Result<bool, AppError> {
    let Some(conn) = app.channels.connector(ch.platform) else {
        return Ok(false);
    };
    let now = app.now();
    let mut tx = app.store.read().await?;
    let acct = account(app, &mut tx, ch).await?;
    tx.commit().await?;
    let ctx = app.channels.ctx(now);
    match conn.refresh(&ctx, &acct).await {
        Ok(None) => Ok(false),
        Ok(Some(new)) => {
            let merged = acct.credentials.merge_refreshed(new);
            let sealed = seal(app, &merged)?;
            let mut tx = app.store.begin().await?;
            store::set_credentials(&mut tx, ch.org_id, ch.id, &sealed, merged.expires_at, now)
                .await?;
            tx.commit().await?;
            Ok(true)
        }
        Err(ConnectorError::Auth { detail }) => {
            needs_reconnect(app, ch.org_id, ch.id, &detail).await?;
            Ok(false)
        }
        Err(e) => Err(AppError::Internal(format!(
            "refreshing channel {} failed: {e}",
            ch.id
        ))),
    }
}

/// Marks a channel as needing a reconnect; its deliveries will wait.
pub(crate) async fn needs_reconnect(
    app: &App,
    org: OrgId,
    channel: i64,
    reason: &str,
) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    store::set_status(
        &mut tx,
        org,
        channel,
        ChannelStatus::NeedsReconnect,
        Some(reason),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(channel, "channel needs reconnecting: {reason}");
    Ok(())
}

/// Kind of the periodic token-care job.
pub const TOKEN_CARE: &str = "token_care";

/// Schedules token care unless it is pending (the worker calls this every ten
/// minutes).
pub async fn ensure_token_care(app: &App) -> Result<Option<i64>, AppError> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = jobs::enqueue(
        &mut tx,
        &NewJob {
            org_id: None,
            kind: TOKEN_CARE.into(),
            payload: "{}".into(),
            run_at: now,
            max_attempts: 3,
            dedup_key: Some(TOKEN_CARE.into()),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Refreshes every connected channel whose token expires soon.
pub struct TokenCare;

impl JobHandler for TokenCare {
    fn kind(&self) -> &'static str {
        TOKEN_CARE
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let now = app.now();
            let err = |e: AppError| JobError::Retry(e.to_string());
            let mut tx = app.store.read().await.map_err(|e| err(e.into()))?;
            let due = store::expiring(&mut tx, now.plus(app.channels.settings.refresh_ahead))
                .await
                .map_err(|e| err(e.into()))?;
            tx.commit().await.map_err(|e| err(e.into()))?;
            let mut failed = 0;
            for ch in &due {
                if let Err(e) = refresh_channel(app, ch).await {
                    tracing::warn!(channel = ch.id, "token refresh failed: {e}");
                    failed += 1;
                }
            }
            if failed > 0 {
                return Err(JobError::Retry(format!(
                    "{failed} of {} token refreshes failed",
                    due.len()
                )));
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A delivery waiting for its busy account holds none of the platform's
    /// slots: another account's delivery calls meanwhile.
    #[tokio::test]
    async fn a_busy_account_does_not_hold_the_platforms_slots() {
        let kit = Arc::new(ChannelKit::fallback(PlatformSettings {
            per_platform_concurrency: 2,
            per_account_concurrency: 1,
            ..PlatformSettings::default()
        }));
        let first = kit.slot(Platform::X, 1).await.expect("slot");
        let k = kit.clone();
        let waiting = tokio::spawn(async move { k.slot(Platform::X, 1).await.map(|_| ()) });
        tokio::task::yield_now().await;
        let other = tokio::time::timeout(Duration::from_secs(5), kit.slot(Platform::X, 2))
            .await
            .expect("account 2 gets the platform's second slot")
            .expect("slot");
        assert!(!waiting.is_finished(), "account 1 is busy");
        drop(first);
        drop(other);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("account 1 goes on")
            .expect("task")
            .expect("slot");
    }

    #[test]
    fn base_urls_are_plain_origins() {
        assert!(valid_base_url("https://bsky.social"));
        assert!(valid_base_url("http://127.0.0.1:2583"));
        assert!(!valid_base_url("ftp://x.id"));
        assert!(!valid_base_url("https://user:pw@x.id"));
        assert!(!valid_base_url("https://x.id/path?q=1"));
        assert_eq!(
            normalise_instance("mastodon.social/").as_deref(),
            Some("https://mastodon.social")
        );
        assert_eq!(normalise_instance("bukan url"), None);
    }

    #[test]
    fn bluesky_input_is_checked_before_any_call() {
        let bad = BlueskyInput {
            handle: "perpus".into(),
            app_password: " ".into(),
            pds: "nope".into(),
        };
        let p = bad.validate().expect_err("invalid");
        let keys: Vec<_> = p.0.iter().map(|e| (e.field, e.key)).collect();
        assert_eq!(
            keys,
            vec![
                ("handle", "err-bluesky-handle"),
                ("app_password", "err-required"),
                ("pds", "err-url")
            ]
        );
        let ok = BlueskyInput {
            handle: "@perpus.bsky.social".into(),
            app_password: "abcd-efgh".into(),
            pds: String::new(),
        };
        assert_eq!(
            ok.validate().expect("valid"),
            ("perpus.bsky.social".into(), "https://bsky.social".into())
        );
    }
}
