//! Channels: the platforms Siar publishes to, what each can do (as data), and a
//! channel's health as staff see it.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Facebook,
    Instagram,
    X,
    YouTube,
    Bluesky,
    Mastodon,
    /// The built-in practice channel: publishes to a timeline inside Siar.
    Practice,
}

impl Platform {
    pub const ALL: [Platform; 7] = [
        Platform::Facebook,
        Platform::Instagram,
        Platform::X,
        Platform::YouTube,
        Platform::Bluesky,
        Platform::Mastodon,
        Platform::Practice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::X => "x",
            Platform::YouTube => "youtube",
            Platform::Bluesky => "bluesky",
            Platform::Mastodon => "mastodon",
            Platform::Practice => "practice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The platform's proper name. Brand names are not translated, except the
    /// practice channel, whose name is an i18n key (see [`Platform::name_key`]).
    pub fn brand(self) -> &'static str {
        match self {
            Platform::Facebook => "Facebook",
            Platform::Instagram => "Instagram",
            Platform::X => "X",
            Platform::YouTube => "YouTube",
            Platform::Bluesky => "Bluesky",
            Platform::Mastodon => "Mastodon",
            Platform::Practice => "Practice",
        }
    }

    /// i18n key of the platform's display name.
    pub fn name_key(self) -> &'static str {
        match self {
            Platform::Facebook => "platform-facebook",
            Platform::Instagram => "platform-instagram",
            Platform::X => "platform-x",
            Platform::YouTube => "platform-youtube",
            Platform::Bluesky => "platform-bluesky",
            Platform::Mastodon => "platform-mastodon",
            Platform::Practice => "platform-practice",
        }
    }

    /// How a channel of this platform is connected.
    pub fn connect_kind(self) -> ConnectKind {
        match self {
            Platform::Bluesky => ConnectKind::AppPassword,
            Platform::Practice => ConnectKind::Builtin,
            Platform::Mastodon => ConnectKind::OAuthPerInstance,
            _ => ConnectKind::OAuth,
        }
    }

    /// The platform's rules, with the documented default limits. Deployment
    /// configuration and per-instance settings (Mastodon) may override numbers.
    pub fn capabilities(self) -> Capabilities {
        use TextCounting::*;
        const MB: u64 = 1_000_000;
        const MIB: u64 = 1 << 20;
        let base = Capabilities {
            text_limit: 0,
            counting: Characters,
            text_required: false,
            max_hashtags: None,
            max_mentions: None,
            max_images: 0,
            image_types: &["image/jpeg", "image/png"],
            max_image_bytes: 0,
            image_aspect: None,
            image_widths: None,
            max_videos: 0,
            video_types: &["video/mp4"],
            max_video_bytes: 0,
            video_seconds: (0.0, 0.0),
            images_and_video: false,
            needs_media: false,
            needs_video: false,
            title_limit: None,
            threads: false,
            idempotency: Idempotency::None,
            media_by_url: false,
        };
        match self {
            Platform::Facebook => Capabilities {
                text_limit: 63_206,
                max_images: 10,
                image_types: &["image/jpeg", "image/png", "image/gif"],
                max_image_bytes: 10 * MB,
                max_videos: 1,
                max_video_bytes: 1_000 * MB,
                video_seconds: (1.0, 4.0 * 3600.0),
                ..base
            },
            Platform::Instagram => Capabilities {
                text_limit: 2_200,
                max_hashtags: Some(30),
                max_mentions: Some(20),
                max_images: 10,
                image_types: &["image/jpeg"],
                max_image_bytes: 8 * MIB,
                image_aspect: Some((0.8, 1.91)),
                image_widths: Some((320, 1440)),
                max_videos: 10,
                video_types: &["video/mp4", "video/quicktime"],
                max_video_bytes: 300 * MB,
                video_seconds: (3.0, 15.0 * 60.0),
                images_and_video: true,
                needs_media: true,
                idempotency: Idempotency::None,
                media_by_url: true,
                ..base
            },
            Platform::X => Capabilities {
                text_limit: 280,
                counting: XWeighted,
                max_images: 4,
                image_types: &["image/jpeg", "image/png", "image/gif", "image/webp"],
                max_image_bytes: 5 * MB,
                max_videos: 1,
                max_video_bytes: 8_000 * MB,
                video_seconds: (0.5, 20.0 * 60.0),
                threads: true,
                idempotency: Idempotency::RecentPosts,
                ..base
            },
            Platform::YouTube => Capabilities {
                text_limit: 5_000,
                counting: Bytes,
                // One video, and optionally one image as its thumbnail.
                max_images: 1,
                image_types: &["image/jpeg", "image/png"],
                max_image_bytes: 2 * MB,
                images_and_video: true,
                max_videos: 1,
                video_types: &["video/mp4", "video/quicktime", "video/webm"],
                max_video_bytes: 256_000 * MB,
                video_seconds: (1.0, 12.0 * 3600.0),
                needs_video: true,
                title_limit: Some(100),
                idempotency: Idempotency::RecentPosts,
                ..base
            },
            Platform::Bluesky => Capabilities {
                text_limit: 300,
                counting: BlueskyGraphemes,
                max_images: 4,
                image_types: &["image/jpeg", "image/png", "image/webp", "image/gif"],
                max_image_bytes: 2 * MB,
                max_videos: 1,
                max_video_bytes: 52_428_800,
                video_seconds: (0.5, 180.0),
                threads: true,
                idempotency: Idempotency::ClientChosenId,
                ..base
            },
            Platform::Mastodon => Capabilities {
                text_limit: 500,
                counting: MastodonGraphemes,
                max_images: 4,
                image_types: &["image/jpeg", "image/png", "image/gif", "image/webp"],
                max_image_bytes: 16 * MIB,
                max_videos: 1,
                video_types: &["video/mp4", "video/webm", "video/quicktime"],
                max_video_bytes: 99 * MIB,
                video_seconds: (0.1, 3.0 * 3600.0),
                text_required: true,
                threads: true,
                idempotency: Idempotency::Header,
                ..base
            },
            Platform::Practice => Capabilities {
                text_limit: 5_000,
                max_images: 10,
                image_types: &["image/jpeg", "image/png", "image/gif", "image/webp"],
                max_image_bytes: 10 * MB,
                max_videos: 1,
                video_types: &["video/mp4", "video/webm", "video/quicktime"],
                max_video_bytes: 1_000 * MB,
                video_seconds: (0.1, 3.0 * 3600.0),
                text_required: true,
                idempotency: Idempotency::ClientChosenId,
                ..base
            },
        }
    }
}

/// A connected account, as stored (credentials are kept apart, encrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Channel {
    pub id: i64,
    pub org_id: crate::org::OrgId,
    pub platform: Platform,
    /// The account on the platform: a DID, a user id, a Page id.
    pub remote_id: String,
    pub name: String,
    pub handle: String,
    pub base_url: Option<String>,
    pub status: ChannelStatus,
    /// The platform's own words when it refused us.
    pub status_reason: Option<String>,
    pub token_expires_at: Option<Timestamp>,
    /// Nothing is sent before this (the platform's rate limit is used up).
    pub throttled_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Channel {
    /// Whose rules a post for this channel follows: its platform's, or for a
    /// practice channel that imitates a platform (`practice-x`, …), that
    /// platform's, so staff can practise its limits without posting.
    pub fn rules_platform(&self) -> Platform {
        if self.platform == Platform::Practice
            && let Some(p) = self
                .remote_id
                .strip_prefix("practice-")
                .and_then(Platform::parse)
            && p != Platform::Practice
        {
            return p;
        }
        self.platform
    }

    pub fn health(&self, now: Timestamp) -> Health {
        Health::of(self.status, self.token_expires_at, now)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectKind {
    /// Authorisation-code flow at the platform (state, PKCE where supported).
    OAuth,
    /// Mastodon: register an app on the instance, then OAuth there.
    OAuthPerInstance,
    /// Bluesky: handle + app password + PDS URL.
    AppPassword,
    /// The practice channel: nothing to connect.
    Builtin,
}

/// How a platform counts the length of a post's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextCounting {
    /// Unicode scalar values.
    Characters,
    /// UTF-8 bytes (YouTube descriptions).
    Bytes,
    /// X's weighted count: URLs 23, light ranges 1, everything else (emoji) 2.
    XWeighted,
    /// Bluesky: grapheme clusters, and also at most 3,000 UTF-8 bytes.
    BlueskyGraphemes,
    /// Mastodon: grapheme clusters, URLs 23, remote mentions without the domain.
    MastodonGraphemes,
}

/// How a retry can tell whether an earlier attempt already published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// No way to ask: publishing is only retried when an attempt certainly failed.
    None,
    /// The platform honours an idempotency header (Mastodon `Idempotency-Key`).
    Header,
    /// The client names the record (Bluesky `rkey`); a second create fails.
    ClientChosenId,
    /// Look through the account's recent posts for the delivery's marker.
    RecentPosts,
}

/// A platform's rules as data. Sizes in bytes, durations in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capabilities {
    pub text_limit: usize,
    pub counting: TextCounting,
    pub text_required: bool,
    pub max_hashtags: Option<usize>,
    pub max_mentions: Option<usize>,
    pub max_images: usize,
    pub image_types: &'static [&'static str],
    pub max_image_bytes: u64,
    /// Allowed width/height ratio range, inclusive.
    pub image_aspect: Option<(f64, f64)>,
    /// Allowed image widths in pixels (Instagram: 320–1440).
    pub image_widths: Option<(u32, u32)>,
    pub max_videos: usize,
    pub video_types: &'static [&'static str],
    pub max_video_bytes: u64,
    pub video_seconds: (f64, f64),
    /// Images and video may be mixed in one post (Instagram carousels).
    pub images_and_video: bool,
    /// The platform refuses text-only posts (Instagram).
    pub needs_media: bool,
    /// The platform publishes videos only (YouTube).
    pub needs_video: bool,
    pub title_limit: Option<usize>,
    pub threads: bool,
    pub idempotency: Idempotency,
    /// The platform downloads media from a public URL (Instagram).
    pub media_by_url: bool,
}

/// Whether a channel can publish, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelStatus {
    Connected,
    /// The platform refused the credentials; deliveries wait for a reconnect.
    NeedsReconnect,
    /// Paused by staff; deliveries wait.
    Paused,
    /// Disconnected by staff; kept for history, cannot publish.
    Disconnected,
}

impl ChannelStatus {
    pub const ALL: [ChannelStatus; 4] = [
        ChannelStatus::Connected,
        ChannelStatus::NeedsReconnect,
        ChannelStatus::Paused,
        ChannelStatus::Disconnected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelStatus::Connected => "connected",
            ChannelStatus::NeedsReconnect => "needs_reconnect",
            ChannelStatus::Paused => "paused",
            ChannelStatus::Disconnected => "disconnected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Deliveries may go out now.
    pub fn can_publish(self) -> bool {
        self == ChannelStatus::Connected
    }
}

/// What staff see on the channel list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Connected,
    /// Connected, and the token expires in this many whole days (≤ 14 shown).
    ExpiresSoon(i64),
    NeedsReconnect,
    Paused,
    Disconnected,
}

impl Health {
    pub fn of(status: ChannelStatus, token_expires_at: Option<Timestamp>, now: Timestamp) -> Self {
        match status {
            ChannelStatus::NeedsReconnect => Health::NeedsReconnect,
            ChannelStatus::Paused => Health::Paused,
            ChannelStatus::Disconnected => Health::Disconnected,
            ChannelStatus::Connected => match token_expires_at {
                Some(t) => {
                    let days = (t.millis() - now.millis()).div_euclid(86_400_000);
                    if days <= 14 {
                        Health::ExpiresSoon(days.max(0))
                    } else {
                        Health::Connected
                    }
                }
                None => Health::Connected,
            },
        }
    }

    pub fn key(&self) -> &'static str {
        match self {
            Health::Connected => "health-connected",
            Health::ExpiresSoon(_) => "health-expires",
            Health::NeedsReconnect => "health-reconnect",
            Health::Paused => "health-paused",
            Health::Disconnected => "health-disconnected",
        }
    }

    /// CSS modifier for the badge.
    pub fn tone(&self) -> &'static str {
        match self {
            Health::Connected => "ok",
            Health::ExpiresSoon(_) | Health::Paused => "warn",
            Health::NeedsReconnect | Health::Disconnected => "bad",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_round_trip() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.as_str()), Some(p));
            assert!(p.capabilities().text_limit > 0);
        }
        assert_eq!(Platform::parse("myspace"), None);
    }

    #[test]
    fn health_counts_days_and_states() {
        let now = Timestamp(1_000_000_000_000);
        let day = 86_400_000;
        assert_eq!(
            Health::of(ChannelStatus::Connected, None, now),
            Health::Connected
        );
        assert_eq!(
            Health::of(
                ChannelStatus::Connected,
                Some(Timestamp(now.0 + 3 * day + 5)),
                now
            ),
            Health::ExpiresSoon(3)
        );
        assert_eq!(
            Health::of(
                ChannelStatus::Connected,
                Some(Timestamp(now.0 + 60 * day)),
                now
            ),
            Health::Connected
        );
        assert_eq!(
            Health::of(ChannelStatus::Connected, Some(Timestamp(now.0 - day)), now),
            Health::ExpiresSoon(0)
        );
        assert_eq!(
            Health::of(ChannelStatus::NeedsReconnect, None, now).tone(),
            "bad"
        );
        for s in ChannelStatus::ALL {
            assert_eq!(ChannelStatus::parse(s.as_str()), Some(s));
        }
    }
}
