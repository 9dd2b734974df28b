//! Siar's platform connectors behind one trait.
//!
//! Each platform is a module that turns a [`PublishRequest`] into the platform's
//! documented calls and maps every documented error to one [`ConnectorError`]
//! class the worker acts on. All of them share one [`http::Http`] client
//! (timeouts, tracing without secrets, rate-limit headers).

pub mod bluesky;
pub mod card;
pub mod http;
pub mod mastodon;
pub mod meta;
pub mod oauth;
pub mod webhooks;
pub mod x;
pub mod youtube;

use serde::{Deserialize, Serialize};
use siar_domain::Timestamp;
use siar_domain::channels::Platform;
use siar_domain::publishing::MediaKind;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The classes of failure the worker acts on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectorError {
    /// The platform refused the credentials: the channel needs reconnecting.
    #[error("not authorised: {detail}")]
    Auth { detail: String },
    /// Try again at `retry_at` (the platform's reset time).
    #[error("rate limited until {retry_at:?}: {detail}")]
    RateLimited { retry_at: Timestamp, detail: String },
    /// A passing failure. `sent` is true when the request may have reached the
    /// platform (a timeout after sending, a 5xx): the outcome is then unknown.
    #[error("temporary failure: {detail}")]
    Transient { detail: String, sent: bool },
    /// The platform refused the content; a person must change it. `key` is the
    /// i18n key of the explanation shown to staff.
    #[error("refused: {detail}")]
    Invalid { key: &'static str, detail: String },
    /// Uploaded media is still being processed; ask again at `retry_at`.
    #[error("media not ready: {detail}")]
    MediaNotReady { retry_at: Timestamp, detail: String },
    /// The platform says this post already exists.
    #[error("duplicate: {detail}")]
    Duplicate { detail: String },
}

impl ConnectorError {
    /// The i18n key of the explanation staff see (in their language), shown
    /// beside the platform's original words.
    pub fn key(&self) -> &'static str {
        match self {
            ConnectorError::Auth { .. } => "perr-auth",
            ConnectorError::RateLimited { .. } => "perr-rate-limited",
            ConnectorError::Transient { .. } => "perr-transient",
            ConnectorError::Invalid { key, .. } => key,
            ConnectorError::MediaNotReady { .. } => "perr-media-not-ready",
            ConnectorError::Duplicate { .. } => "perr-duplicate",
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            ConnectorError::Auth { detail }
            | ConnectorError::RateLimited { detail, .. }
            | ConnectorError::Transient { detail, .. }
            | ConnectorError::Invalid { detail, .. }
            | ConnectorError::MediaNotReady { detail, .. }
            | ConnectorError::Duplicate { detail } => detail,
        }
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        ConnectorError::Invalid {
            key: "perr-invalid",
            detail: detail.into(),
        }
    }
}

/// A channel's credentials, serialised to JSON and encrypted by the app before
/// they are stored. Never logged (the `Debug` output hides the tokens).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// Platform-specific extras (Bluesky's DID, Mastodon's account id).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub extra: serde_json::Value,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_token", &"[hidden]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[hidden]"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Credentials {
    /// Takes a refresh result, keeping the stored refresh token when the
    /// platform sent none or an empty one (Postiz lost channels this way).
    pub fn merge_refreshed(&self, new: Credentials) -> Credentials {
        let refresh_token = match new.refresh_token {
            Some(t) if !t.trim().is_empty() => Some(t),
            _ => self.refresh_token.clone(),
        };
        let extra = if new.extra.is_null() {
            self.extra.clone()
        } else {
            new.extra
        };
        Credentials {
            access_token: new.access_token,
            refresh_token,
            expires_at: new.expires_at,
            extra,
        }
    }
}

/// The account a call is made for.
#[derive(Debug, Clone)]
pub struct Account {
    pub channel_id: i64,
    /// The platform's id of the account (DID, user id, Page id).
    pub remote_id: String,
    pub handle: String,
    /// Instance or PDS URL where the platform has several.
    pub base_url: Option<String>,
    pub credentials: Credentials,
}

/// One file to attach, already read from the media library.
#[derive(Debug, Clone)]
pub struct MediaFile {
    pub kind: MediaKind,
    pub mime: String,
    pub bytes: Arc<Vec<u8>>,
    pub alt: String,
    pub width: u32,
    pub height: u32,
    pub duration_secs: Option<f64>,
    /// A signed, expiring public URL, for platforms that fetch media (Instagram).
    pub public_url: Option<String>,
}

/// What to publish on one channel.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    pub text: String,
    pub title: Option<String>,
    pub media: Vec<MediaFile>,
    /// The delivery's marker: used as an idempotency key or record name where
    /// the platform allows, and to find the post again.
    pub marker: String,
    /// When the delivery was created: with the marker, it names the record on
    /// platforms where the client chooses the name (Bluesky).
    pub marker_time: Timestamp,
    /// When the current attempt was recorded (reconciliation looks after it).
    pub attempt_started_at: Timestamp,
}

/// The connected account, as the platform describes it after an OAuth flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub id: String,
    pub handle: String,
    pub name: String,
}

/// A published post on the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub remote_id: String,
    pub permalink: Option<String>,
    /// When the platform says the post went out, where a look on the platform
    /// tells (a post found after a crash went out then, not when it was found).
    pub at: Option<Timestamp>,
}

/// What a look on the platform for an earlier attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Published),
    /// Certainly not there: publishing is safe.
    Absent,
    /// Cannot tell; a person must look. The string says why.
    Unknown(String),
}

/// Rate-limit state read from a response's documented headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    pub remaining: u64,
    pub limit: u64,
    pub reset_at: Timestamp,
}

impl RateState {
    /// At least 90 % used: hold further calls until the reset.
    pub fn nearly_used(&self) -> bool {
        self.limit > 0 && self.remaining * 10 <= self.limit
    }
}

/// What a successful publish returns, with the rate state seen on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishOutcome {
    pub published: Published,
    pub rate: Option<RateState>,
}

/// The time and the HTTP client a call runs with.
#[derive(Clone)]
pub struct Ctx {
    pub now: Timestamp,
    pub http: http::Http,
}

/// A post's numbers as the platform gave them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostReading {
    pub remote_id: String,
    pub metrics: siar_domain::analytics::PostMetrics,
    /// The platform's words when it gave nothing for this post (too few
    /// viewers, deleted).
    pub note: Option<String>,
}

/// An account's own numbers for one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountStats {
    pub followers: Option<i64>,
    pub views: Option<i64>,
    pub reach: Option<i64>,
}

/// Who follows an account, as counts or percentages per bucket (normalised
/// labels: age bands "18-24", genders "female"/"male"/"other", city names).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Audience {
    pub age: Vec<(String, f64)>,
    pub gender: Vec<(String, f64)>,
    pub city: Vec<(String, f64)>,
}

/// One platform.
pub trait Connector: Send + Sync {
    fn platform(&self) -> Platform;

    /// Publishes, using `req.marker` as the idempotency key where the platform
    /// honours one.
    fn publish<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<PublishOutcome, ConnectorError>>;

    /// Looks for a post an earlier attempt of `req` may have made.
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<Lookup, ConnectorError>>;

    /// New credentials when the platform's tokens expire (`None`: they do not).
    fn refresh<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
    ) -> BoxFut<'a, Result<Option<Credentials>, ConnectorError>>;

    /// Comments on one of the account's own posts (a post's first comment).
    /// Returns the comment's id. Platforms without comments through their
    /// API refuse.
    fn comment<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
        _post: &'a str,
        _text: &'a str,
    ) -> BoxFut<'a, Result<String, ConnectorError>> {
        Box::pin(async {
            Err(ConnectorError::Invalid {
                key: "perr-invalid",
                detail: "this platform takes no comments through Siar".into(),
            })
        })
    }

    /// Looks for the account's comment with `text` on its post (an earlier
    /// attempt whose outcome is unknown).
    fn find_comment<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
        _post: &'a str,
        _text: &'a str,
    ) -> BoxFut<'a, Result<Option<String>, ConnectorError>> {
        Box::pin(async { Ok(None) })
    }

    /// Answers in a conversation of the inbox: under a comment, to a mention,
    /// or as a direct message.
    fn reply<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
        _to: &'a ReplyTo,
        _text: &'a str,
    ) -> BoxFut<'a, Result<Sent, ConnectorError>> {
        Box::pin(async { Err(unsupported()) })
    }

    /// Reads what arrived since `cursor` (platforms without webhooks). Items
    /// come oldest first; the returned cursor is stored only after they are
    /// filed, so a crash reads them again (filing is idempotent).
    fn poll_inbox<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
        cursor: Option<&'a str>,
    ) -> BoxFut<'a, Result<Polled, ConnectorError>> {
        Box::pin(async move {
            Ok(Polled {
                items: Vec::new(),
                cursor: cursor.map(str::to_string),
            })
        })
    }

    /// The numbers of the account's posts `ids` (the platform's ids). Posts the
    /// platform does not answer for are left out; a platform without numbers
    /// answers with none.
    fn post_metrics<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
        _ids: &'a [String],
    ) -> BoxFut<'a, Result<Vec<PostReading>, ConnectorError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// The account's followers now, and its views and reach over
    /// `[from, to)` where the platform gives them.
    fn account_stats<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
        _from: Timestamp,
        _to: Timestamp,
    ) -> BoxFut<'a, Result<AccountStats, ConnectorError>> {
        Box::pin(async { Ok(AccountStats::default()) })
    }

    /// Who follows the account. `Ok(None)`: the platform does not say.
    /// `Err(Invalid)` carries the platform's words when it refuses (fewer
    /// than 100 followers).
    fn audience<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
    ) -> BoxFut<'a, Result<Option<Audience>, ConnectorError>> {
        Box::pin(async { Ok(None) })
    }

    /// Hides, likes or deletes a comment where the platform allows it.
    fn moderate<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
        _target: &'a ReplyTo,
        _action: Moderation,
    ) -> BoxFut<'a, Result<(), ConnectorError>> {
        Box::pin(async { Err(unsupported()) })
    }
}

/// The sum of two counts where either may be absent (reposts and quotes are
/// both shares); `None` when both are.
pub(crate) fn sum_known(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

pub(crate) fn unsupported() -> ConnectorError {
    ConnectorError::Invalid {
        key: "perr-unsupported",
        detail: "the platform's API does not allow this".into(),
    }
}

/// What an inbox reply or moderation is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTo {
    pub kind: siar_domain::inbox::ConvKind,
    /// The conversation's key (top-level comment, mentioning post, partner).
    pub thread_key: String,
    /// The message answered or moderated (its platform id).
    pub remote_id: String,
    /// The platform's id of the post the thread is under, when known.
    pub remote_post_id: Option<String>,
    /// The handle of the person answered (Mastodon mentions them).
    pub author: Option<String>,
}

/// A reply the platform accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub remote_id: String,
    pub at: Option<Timestamp>,
}

/// New inbox items and where the next read starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Polled {
    pub items: Vec<siar_domain::inbox::InboundItem>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Hide(bool),
    Like(bool),
    Delete,
}

/// A deployment's settings for one platform's API: where it is and the app
/// credentials. Tests point `api_base` at a fake on 127.0.0.1.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformApp {
    pub api_base: String,
    #[serde(default)]
    pub auth_url: String,
    #[serde(default)]
    pub token_url: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub redirect_url: String,
}

impl std::fmt::Debug for PlatformApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformApp")
            .field("api_base", &self.api_base)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[hidden]")
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_refresh_token_never_replaces_a_stored_one() {
        let stored = Credentials {
            access_token: "old".into(),
            refresh_token: Some("keep-me".into()),
            expires_at: None,
            extra: serde_json::json!({"did": "did:plc:x"}),
        };
        for new_rt in [None, Some(String::new()), Some("  ".into())] {
            let merged = stored.merge_refreshed(Credentials {
                access_token: "new".into(),
                refresh_token: new_rt,
                expires_at: Some(Timestamp(5)),
                extra: serde_json::Value::Null,
            });
            assert_eq!(merged.access_token, "new");
            assert_eq!(merged.refresh_token.as_deref(), Some("keep-me"));
            assert_eq!(merged.extra["did"], "did:plc:x");
        }
        let merged = stored.merge_refreshed(Credentials {
            access_token: "new".into(),
            refresh_token: Some("rotated".into()),
            ..Default::default()
        });
        assert_eq!(merged.refresh_token.as_deref(), Some("rotated"));
    }

    #[test]
    fn debug_output_hides_tokens() {
        let c = Credentials {
            access_token: "sekret-akses".into(),
            refresh_token: Some("sekret-refresh".into()),
            ..Default::default()
        };
        let s = format!("{c:?}");
        assert!(!s.contains("sekret"));
        let app = PlatformApp {
            client_secret: "sekret-app".into(),
            ..Default::default()
        };
        assert!(!format!("{app:?}").contains("sekret"));
    }

    #[test]
    fn ninety_percent_used_holds_calls() {
        let r = |remaining| RateState {
            remaining,
            limit: 100,
            reset_at: Timestamp(0),
        };
        assert!(r(10).nearly_used());
        assert!(!r(11).nearly_used());
    }
}
