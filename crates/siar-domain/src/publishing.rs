//! Posts and deliveries: what staff write, what each channel will receive, and
//! every rule a variant must meet before anything is scheduled.

use crate::channels::{Capabilities, Platform, TextCounting};
use crate::richtext;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its time.
    Scheduled,
    /// An attempt is under way (or was, when a worker died).
    Publishing,
    Published,
    /// The platform refused it for a reason a person must fix.
    Failed,
    /// Siar could not tell whether it went out; a person must look.
    NeedsAttention,
    /// The channel needs reconnecting or is paused; it goes out after that.
    Waiting,
    Cancelled,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 7] = [
        DeliveryState::Scheduled,
        DeliveryState::Publishing,
        DeliveryState::Published,
        DeliveryState::Failed,
        DeliveryState::NeedsAttention,
        DeliveryState::Waiting,
        DeliveryState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Scheduled => "scheduled",
            DeliveryState::Publishing => "publishing",
            DeliveryState::Published => "published",
            DeliveryState::Failed => "failed",
            DeliveryState::NeedsAttention => "needs_attention",
            DeliveryState::Waiting => "waiting",
            DeliveryState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            DeliveryState::Scheduled => "delivery-scheduled",
            DeliveryState::Publishing => "delivery-publishing",
            DeliveryState::Published => "delivery-published",
            DeliveryState::Failed => "delivery-failed",
            DeliveryState::NeedsAttention => "delivery-needs-attention",
            DeliveryState::Waiting => "delivery-waiting",
            DeliveryState::Cancelled => "delivery-cancelled",
        }
    }

    pub fn tone(self) -> &'static str {
        match self {
            DeliveryState::Published => "ok",
            DeliveryState::Scheduled | DeliveryState::Publishing | DeliveryState::Cancelled => {
                "info"
            }
            DeliveryState::Waiting => "warn",
            DeliveryState::Failed | DeliveryState::NeedsAttention => "bad",
        }
    }

    /// A person may send it again (a new attempt, after checking the platform).
    pub fn can_retry(self) -> bool {
        matches!(
            self,
            DeliveryState::Failed | DeliveryState::NeedsAttention | DeliveryState::Cancelled
        )
    }

    pub fn can_cancel(self) -> bool {
        matches!(
            self,
            DeliveryState::Scheduled
                | DeliveryState::Waiting
                | DeliveryState::Failed
                | DeliveryState::NeedsAttention
        )
    }
}

/// Every message key a variant check or a schedule check can produce.
pub const ISSUE_KEYS: &[&str] = &[
    "rule-alt-required",
    "rule-alt-too-long",
    "rule-image-aspect",
    "rule-image-too-big",
    "rule-image-too-many-pixels",
    "rule-image-type",
    "rule-needs-media",
    "rule-needs-video",
    "rule-no-angle-brackets",
    "rule-no-images",
    "rule-no-mixing",
    "rule-no-video",
    "rule-text-required",
    "rule-text-too-long",
    "rule-text-too-many-bytes",
    "rule-thread-too-long",
    "rule-time-in-past",
    "rule-time-too-far",
    "rule-title-required",
    "rule-title-too-long",
    "rule-too-many-hashtags",
    "rule-too-many-images",
    "rule-too-many-mentions",
    "rule-too-many-videos",
    "rule-video-too-big",
    "rule-video-too-long",
    "rule-video-too-short",
    "rule-video-type",
    "rule-video-unreadable",
];

/// Every key a delivery's reason can carry (set by the worker or a connector).
pub const REASON_KEYS: &[&str] = &[
    "delivery-reason-paused",
    "delivery-reason-reconnect",
    "delivery-reason-unknown",
    "delivery-reason-disconnected",
    "perr-auth",
    "perr-rate-limited",
    "perr-transient",
    "perr-invalid",
    "perr-media-not-ready",
    "perr-media-too-big",
    "perr-media-rejected",
    "perr-duplicate",
    "perr-permission",
];

/// A post as written: its common text and time. Each channel gets a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Post {
    pub id: i64,
    pub org_id: crate::org::OrgId,
    pub author_id: Option<crate::org::UserId>,
    pub text: String,
    pub title: Option<String>,
    pub publish_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub status: crate::studio::PostStatus,
    /// Channels, per-channel text and media while it has no deliveries.
    pub draft: crate::studio::DraftContent,
    pub category: Option<crate::studio::Category>,
    pub campaign_id: Option<i64>,
    /// Internal notes for the team; never published.
    pub notes: String,
    /// Raised by every save (conflict detection).
    pub version: i64,
    /// False while a draft has no planned time.
    pub timed: bool,
    /// The first post of the recurring rule this one was made from.
    pub series_id: Option<i64>,
}

/// One post on one channel: what it will send, and what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub org_id: crate::org::OrgId,
    pub post_id: i64,
    pub channel_id: i64,
    pub state: DeliveryState,
    pub text: String,
    pub title: Option<String>,
    /// Media ids, in order.
    pub media: Vec<i64>,
    pub publish_at: Timestamp,
    pub marker: String,
    pub attempts: u32,
    pub attempt_started_at: Option<Timestamp>,
    pub remote_id: Option<String>,
    pub permalink: Option<String>,
    /// i18n key of the reason shown to staff.
    pub error_key: Option<String>,
    /// The platform's original words.
    pub error_detail: Option<String>,
    pub published_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A stored file in the media library.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Media {
    pub id: i64,
    pub org_id: crate::org::OrgId,
    pub kind: MediaKind,
    pub mime: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub duration_ms: Option<i64>,
    pub alt: String,
    pub file_name: String,
    pub storage_key: String,
    pub sha256: String,
    pub created_at: Timestamp,
}

impl Media {
    pub fn facts(&self) -> MediaFacts {
        MediaFacts {
            kind: self.kind,
            mime: self.mime.clone(),
            bytes: self.bytes,
            width: self.width,
            height: self.height,
            duration_secs: self.duration_ms.map(|ms| ms as f64 / 1000.0),
            alt: self.alt.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Image,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "image" => Some(MediaKind::Image),
            "video" => Some(MediaKind::Video),
            _ => None,
        }
    }
}

/// What validation needs to know about one attached file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaFacts {
    pub kind: MediaKind,
    pub mime: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub duration_secs: Option<f64>,
    pub alt: String,
}

/// One problem with one channel's variant. `key` is an i18n message id; `n`
/// fills `$n` (a limit), `item` names the attachment (1-based).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub field: &'static str,
    pub key: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    /// The thread part (1-based) the problem is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<usize>,
}

impl Issue {
    fn new(field: &'static str, key: &'static str) -> Self {
        Self {
            field,
            key,
            n: None,
            item: None,
            part: None,
        }
    }
    fn n(mut self, n: u64) -> Self {
        self.n = Some(n);
        self
    }
    fn item(mut self, i: usize) -> Self {
        self.item = Some(i + 1);
        self
    }
    /// The problem is in part `i` of a thread (1-based when shown).
    fn part(mut self, i: usize) -> Self {
        self.part = Some(i + 1);
        self
    }
}

/// The result of checking one channel's variant: the counted length, the
/// limit, and every problem (empty = it can be scheduled).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantCheck {
    pub platform: Platform,
    pub counted: usize,
    pub limit: usize,
    pub issues: Vec<Issue>,
}

/// The text, optional title (YouTube) and media a channel will receive.
#[derive(Debug, Clone, Copy)]
pub struct Variant<'a> {
    pub text: &'a str,
    pub title: Option<&'a str>,
    pub media: &'a [MediaFacts],
}

/// The most posts one thread may have.
pub const MAX_THREAD_PARTS: usize = 25;

/// Images above this many pixels are not converted (memory on small servers).
pub const MAX_CONVERTIBLE_PIXELS: u64 = 40_000_000;

/// Checks one variant against a platform's rules. `require_alt` is the
/// organisation's setting (on by default).
pub fn check_variant(
    platform: Platform,
    caps: &Capabilities,
    v: Variant<'_>,
    require_alt: bool,
) -> VariantCheck {
    let mut issues = Vec::new();
    let text = v.text.trim();
    // On platforms with threads each part is one post and is counted alone;
    // elsewhere the parts become paragraphs of one post.
    let parts = if caps.threads {
        richtext::thread_parts(text)
    } else {
        vec![richtext::without_threads(text)]
    };
    if parts.len() > MAX_THREAD_PARTS {
        issues.push(Issue::new("text", "rule-thread-too-long").n(MAX_THREAD_PARTS as u64));
    }
    let mut counted = 0;
    for (i, part) in parts.iter().enumerate() {
        let n = richtext::count(part, caps.counting);
        counted = counted.max(n);
        let item = |issue: Issue| {
            if parts.len() > 1 {
                issue.part(i)
            } else {
                issue
            }
        };
        if n > caps.text_limit {
            issues.push(item(
                Issue::new("text", "rule-text-too-long").n(caps.text_limit as u64),
            ));
        }
        if caps.counting == TextCounting::BlueskyGraphemes && part.len() > 3_000 {
            issues.push(item(
                Issue::new("text", "rule-text-too-many-bytes").n(3_000),
            ));
        }
    }
    if text.is_empty() && (caps.text_required || v.media.is_empty()) {
        issues.push(Issue::new("text", "rule-text-required"));
    }
    if let Some(max) = caps.max_hashtags
        && richtext::hashtag_count(text) > max
    {
        issues.push(Issue::new("text", "rule-too-many-hashtags").n(max as u64));
    }
    if let Some(max) = caps.max_mentions
        && richtext::mention_count(text) > max
    {
        issues.push(Issue::new("text", "rule-too-many-mentions").n(max as u64));
    }
    if platform == Platform::YouTube && (text.contains('<') || text.contains('>')) {
        issues.push(Issue::new("text", "rule-no-angle-brackets"));
    }
    if let Some(limit) = caps.title_limit {
        let title = v.title.map(str::trim).unwrap_or("");
        if title.is_empty() {
            issues.push(Issue::new("title", "rule-title-required"));
        } else if title.chars().count() > limit {
            issues.push(Issue::new("title", "rule-title-too-long").n(limit as u64));
        } else if title.contains('<') || title.contains('>') {
            issues.push(Issue::new("title", "rule-no-angle-brackets"));
        }
    }
    check_media(caps, v.media, require_alt, &mut issues);
    VariantCheck {
        platform,
        counted,
        limit: caps.text_limit,
        issues,
    }
}

fn check_media(caps: &Capabilities, media: &[MediaFacts], require_alt: bool, out: &mut Vec<Issue>) {
    let images = media.iter().filter(|m| m.kind == MediaKind::Image).count();
    let videos = media.len() - images;
    if caps.needs_video && videos == 0 {
        out.push(Issue::new("media", "rule-needs-video"));
    } else if caps.needs_media && media.is_empty() {
        out.push(Issue::new("media", "rule-needs-media"));
    }
    if images > caps.max_images {
        let key = if caps.max_images == 0 {
            "rule-no-images"
        } else {
            "rule-too-many-images"
        };
        out.push(Issue::new("media", key).n(caps.max_images as u64));
    }
    if videos > caps.max_videos {
        let key = if caps.max_videos == 0 {
            "rule-no-video"
        } else {
            "rule-too-many-videos"
        };
        out.push(Issue::new("media", key).n(caps.max_videos as u64));
    }
    if images > 0 && videos > 0 && !caps.images_and_video {
        out.push(Issue::new("media", "rule-no-mixing"));
    }
    for (i, m) in media.iter().enumerate() {
        match m.kind {
            MediaKind::Image => {
                // Type, file size, width and aspect ratio are fixed by converting
                // the image for each platform when it is published
                // (`siar_app::media::adapt`); only images too large to convert
                // are refused here.
                if u64::from(m.width) * u64::from(m.height) > MAX_CONVERTIBLE_PIXELS {
                    out.push(
                        Issue::new("media", "rule-image-too-many-pixels")
                            .n(MAX_CONVERTIBLE_PIXELS / 1_000_000)
                            .item(i),
                    );
                }
            }
            MediaKind::Video => {
                if !caps.video_types.contains(&m.mime.as_str()) {
                    out.push(Issue::new("media", "rule-video-type").item(i));
                }
                if m.bytes > caps.max_video_bytes && caps.max_video_bytes > 0 {
                    out.push(
                        Issue::new("media", "rule-video-too-big")
                            .n(caps.max_video_bytes)
                            .item(i),
                    );
                }
                let (lo, hi) = caps.video_seconds;
                match m.duration_secs {
                    Some(d) if d > hi => out.push(
                        Issue::new("media", "rule-video-too-long")
                            .n(hi as u64)
                            .item(i),
                    ),
                    Some(d) if d < lo => out.push(
                        Issue::new("media", "rule-video-too-short")
                            .n(lo.ceil() as u64)
                            .item(i),
                    ),
                    Some(_) => {}
                    None => out.push(Issue::new("media", "rule-video-unreadable").item(i)),
                }
            }
        }
        if require_alt && m.alt.trim().is_empty() {
            out.push(Issue::new("media", "rule-alt-required").item(i));
        }
        if m.alt.chars().count() > 1_000 {
            out.push(Issue::new("media", "rule-alt-too-long").n(1_000).item(i));
        }
    }
}

/// A time to publish must be in the future (a minute's grace for slow forms).
pub fn check_publish_at(at: Timestamp, now: Timestamp) -> Result<(), &'static str> {
    if at.millis() < now.millis() - 60_000 {
        Err("rule-time-in-past")
    } else if at.millis() > now.millis() + 2 * 365 * 86_400_000 {
        Err("rule-time-too-far")
    } else {
        Ok(())
    }
}

/// The marker kept with a delivery and placed where a platform lets us find it
/// again (Bluesky rkey, Mastodon Idempotency-Key, the practice channel's id).
/// Only letters and digits, so every platform accepts it.
pub fn delivery_marker(delivery_id: i64, salt: &str) -> String {
    let clean: String = salt
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    format!("siar{delivery_id}x{clean}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(mime: &str, w: u32, h: u32, bytes: u64, alt: &str) -> MediaFacts {
        MediaFacts {
            kind: MediaKind::Image,
            mime: mime.into(),
            bytes,
            width: w,
            height: h,
            duration_secs: None,
            alt: alt.into(),
        }
    }

    fn video(secs: f64) -> MediaFacts {
        MediaFacts {
            kind: MediaKind::Video,
            mime: "video/mp4".into(),
            bytes: 10_000_000,
            width: 1080,
            height: 1920,
            duration_secs: Some(secs),
            alt: "Video kegiatan".into(),
        }
    }

    fn check(p: Platform, text: &str, media: &[MediaFacts]) -> VariantCheck {
        check_variant(
            p,
            &p.capabilities(),
            Variant {
                text,
                title: Some("Judul"),
                media,
            },
            true,
        )
    }

    fn keys(c: &VariantCheck) -> Vec<&'static str> {
        c.issues.iter().map(|i| i.key).collect()
    }

    #[test]
    fn x_limit_is_280_weighted() {
        let ok = "a".repeat(280);
        assert!(check(Platform::X, &ok, &[]).issues.is_empty());
        let emoji = "📚".repeat(141);
        let c = check(Platform::X, &emoji, &[]);
        assert_eq!(c.counted, 282);
        assert_eq!(keys(&c), vec!["rule-text-too-long"]);
        assert_eq!(c.issues[0].n, Some(280));
    }

    #[test]
    fn thread_parts_are_counted_alone_where_threads_exist() {
        let part = "a".repeat(250);
        let thread = format!("{part}\n---\n{part}");
        assert!(check(Platform::X, &thread, &[]).issues.is_empty());
        let c = check(
            Platform::X,
            &format!("{part}\n---\n{}", "b".repeat(300)),
            &[],
        );
        assert_eq!(keys(&c), vec!["rule-text-too-long"]);
        assert_eq!((c.issues[0].part, c.counted), (Some(2), 300));
        // Facebook has no threads: the parts become one post of 502 characters.
        assert_eq!(check(Platform::Facebook, &thread, &[]).counted, 502);
    }

    #[test]
    fn bluesky_limits_graphemes_and_bytes() {
        let ok = "👨‍👩‍👧".repeat(150); // 150 graphemes, 2,700 bytes
        assert!(check(Platform::Bluesky, &ok, &[]).issues.is_empty());
        let c = check(Platform::Bluesky, &"👨‍👩‍👧".repeat(170), &[]);
        assert_eq!(keys(&c), vec!["rule-text-too-many-bytes"]);
        let c = check(Platform::Bluesky, &"a".repeat(301), &[]);
        assert_eq!(keys(&c), vec!["rule-text-too-long"]);
    }

    #[test]
    fn instagram_caption_hashtags_and_media() {
        let tags: String = (0..31).map(|i| format!("#t{i} ")).collect();
        let square = img("image/jpeg", 1080, 1080, 100_000, "Sampul buku");
        let c = check(Platform::Instagram, &tags, std::slice::from_ref(&square));
        assert_eq!(keys(&c), vec!["rule-too-many-hashtags"]);
        let c = check(Platform::Instagram, "Halo", &[]);
        assert_eq!(keys(&c), vec!["rule-needs-media"]);
        // A wide PNG over 8 MiB is converted when published (JPEG, padded to
        // 1.91:1, at most 1440 wide): only the missing alt text is refused.
        let wide = img("image/png", 3000, 1000, 9 * 1024 * 1024, "");
        let c = check(Platform::Instagram, "Halo", &[wide]);
        assert_eq!(keys(&c), vec!["rule-alt-required"]);
        assert_eq!(c.issues[0].item, Some(1));
        let huge = img("image/jpeg", 10_000, 8_000, 30_000_000, "Peta");
        let c = check(Platform::Instagram, "Halo", &[huge]);
        assert_eq!(keys(&c), vec!["rule-image-too-many-pixels"]);
        assert!(
            check(Platform::Instagram, &"x".repeat(2200), &[square])
                .issues
                .is_empty()
        );
    }

    #[test]
    fn media_counts_and_video_duration() {
        let one = img("image/jpeg", 800, 600, 1000, "Foto");
        let five = vec![one.clone(); 5];
        assert_eq!(
            keys(&check(Platform::X, "Foto", &five)),
            vec!["rule-too-many-images"]
        );
        assert_eq!(
            keys(&check(Platform::X, "Video", &[video(21.0 * 60.0)])),
            vec!["rule-video-too-long"]
        );
        assert_eq!(
            keys(&check(Platform::X, "Campur", &[one, video(30.0)])),
            vec!["rule-no-mixing"]
        );
        assert_eq!(
            keys(&check(Platform::YouTube, "Deskripsi", &[])),
            vec!["rule-needs-video"]
        );
    }

    #[test]
    fn youtube_title_and_description_rules() {
        let v = [video(600.0)];
        let c = check_variant(
            Platform::YouTube,
            &Platform::YouTube.capabilities(),
            Variant {
                text: "Deskripsi <b>",
                title: Some(&"J".repeat(101)),
                media: &v,
            },
            true,
        );
        assert_eq!(
            keys(&c),
            vec!["rule-no-angle-brackets", "rule-title-too-long"]
        );
        // The description counts bytes: 2,000 emoji are 8,000 bytes.
        let c = check(Platform::YouTube, &"📚".repeat(2000), &v);
        assert_eq!(c.counted, 8000);
    }

    #[test]
    fn alt_text_can_be_relaxed_per_organisation() {
        let m = [img("image/jpeg", 800, 600, 1000, "")];
        let v = Variant {
            text: "Halo",
            title: None,
            media: &m,
        };
        let caps = Platform::Mastodon.capabilities();
        assert_eq!(
            keys(&check_variant(Platform::Mastodon, &caps, v, true)),
            vec!["rule-alt-required"]
        );
        assert!(
            check_variant(Platform::Mastodon, &caps, v, false)
                .issues
                .is_empty()
        );
    }

    #[test]
    fn empty_posts_and_times() {
        assert_eq!(
            keys(&check(Platform::Mastodon, "   ", &[])),
            vec!["rule-text-required"]
        );
        let now = Timestamp(1_800_000_000_000);
        assert_eq!(
            check_publish_at(Timestamp(now.0 - 3_600_000), now),
            Err("rule-time-in-past")
        );
        assert!(check_publish_at(Timestamp(now.0 - 30_000), now).is_ok());
        assert!(check_publish_at(Timestamp(now.0 + 3_600_000), now).is_ok());
    }

    #[test]
    fn marker_is_alphanumeric() {
        assert_eq!(delivery_marker(42, "a-b_c.d9"), "siar42xabcd9");
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(s.as_str()), Some(s));
        }
    }
}
