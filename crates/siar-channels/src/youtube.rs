//! YouTube Data API v3: Google OAuth with offline access, resumable
//! `videos.insert` that resumes from the server's offset after a dropped
//! connection, title, description, tags, privacy and thumbnail.

use crate::http::{Response, StatusCode};
use crate::{
    Account, BoxFut, Connector, ConnectorError, Credentials, Ctx, Lookup, Moderation, PlatformApp,
    Polled, PublishOutcome, PublishRequest, Published, ReplyTo, Sent,
};
use siar_domain::Timestamp;
use siar_domain::channels::Platform;
use siar_domain::inbox::InboundItem;
use siar_domain::publishing::MediaKind;
use siar_domain::richtext::{self, TokenKind};
use std::time::Duration;

pub const SCOPES: &str = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/youtube.force-ssl https://www.googleapis.com/auth/yt-analytics.readonly";

/// Chunk size: a multiple of 256 KiB, as the resumable protocol asks.
pub const CHUNK: usize = 4 * 256 * 1024;

#[derive(Debug, Clone)]
pub struct YouTube {
    pub app: PlatformApp,
    /// `https://www.googleapis.com` (uploads under `/upload/youtube/v3`).
    pub upload_base: String,
    /// `private` for unaudited API projects (Google's rule), else `public`.
    pub privacy: String,
    /// How many times one upload may resume after a broken connection.
    pub resumes: u32,
    /// Bytes per PUT (a multiple of 256 KiB for Google; tests use less).
    pub chunk: usize,
    /// `https://youtubeanalytics.googleapis.com` (tests use the fake).
    pub analytics_base: String,
}

impl YouTube {
    pub fn new(app: PlatformApp, upload_base: String) -> Self {
        Self {
            app,
            upload_base,
            privacy: "public".into(),
            resumes: 5,
            chunk: CHUNK,
            analytics_base: "https://youtubeanalytics.googleapis.com".into(),
        }
    }

    fn api(&self) -> String {
        format!("{}/youtube/v3", self.app.api_base.trim_end_matches('/'))
    }

    /// One YouTube Analytics `reports.query` for the channel: its rows.
    async fn report(
        &self,
        ctx: &Ctx,
        acct: &Account,
        q: &[(&str, String)],
    ) -> Result<Vec<Vec<serde_json::Value>>, ConnectorError> {
        let rb = ctx
            .http
            .get(&format!(
                "{}/v2/reports",
                self.analytics_base.trim_end_matches('/')
            ))
            .bearer_auth(&acct.credentials.access_token)
            .query(&[("ids", "channel==MINE")])
            .query(q);
        let r = ctx.http.send(Platform::YouTube, rb).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        Ok(r.json()["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|row| row.as_array().cloned().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Maps a Google error (`{"error":{"code","message","errors":[{"reason"}]}}`).
pub fn classify(r: &Response, now: Timestamp) -> ConnectorError {
    let v = r.json();
    let reason = v["error"]["errors"][0]["reason"].as_str().unwrap_or("");
    let msg = v["error"]["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {}: {}", r.status.as_u16(), r.text()));
    let detail = if reason.is_empty() {
        msg
    } else {
        format!("{reason}: {msg}")
    };
    match (r.status, reason) {
        (StatusCode::UNAUTHORIZED, _) | (_, "authError") => ConnectorError::Auth { detail },
        (_, "quotaExceeded") => ConnectorError::RateLimited {
            retry_at: next_pacific_midnight(now),
            detail,
        },
        (_, "uploadLimitExceeded") => ConnectorError::RateLimited {
            retry_at: now.plus(Duration::from_secs(24 * 3600)),
            detail,
        },
        (_, "rateLimitExceeded" | "userRateLimitExceeded") | (StatusCode::TOO_MANY_REQUESTS, _) => {
            ConnectorError::RateLimited {
                retry_at: now.plus(Duration::from_secs(15 * 60)),
                detail,
            }
        }
        (s, _) if s.is_server_error() => ConnectorError::Transient { detail, sent: true },
        _ => ConnectorError::invalid(detail),
    }
}

/// YouTube quotas reset at midnight Pacific time.
pub fn next_pacific_midnight(now: Timestamp) -> Timestamp {
    use chrono::{Days, TimeZone};
    let tz = chrono_tz::America::Los_Angeles;
    let next = now
        .to_utc()
        .with_timezone(&tz)
        .date_naive()
        .checked_add_days(Days::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|d| tz.from_local_datetime(&d).earliest());
    match next {
        Some(t) => Timestamp(t.timestamp_millis()),
        None => now.plus(Duration::from_secs(24 * 3600)),
    }
}

/// Hashtags in the text become tags (≤ 500 characters in all).
fn tags(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut total = 0;
    for t in richtext::scan(text) {
        if let TokenKind::Tag { tag } = t.kind {
            total += tag.chars().count() + 1;
            if total > 500 {
                break;
            }
            if !out.contains(&tag) {
                out.push(tag);
            }
        }
    }
    out
}

impl YouTube {
    async fn upload(
        &self,
        ctx: &Ctx,
        acct: &Account,
        req: &PublishRequest,
    ) -> Result<PublishOutcome, ConnectorError> {
        let token = acct.credentials.access_token.as_str();
        let video = req
            .media
            .iter()
            .find(|m| m.kind == MediaKind::Video)
            .ok_or_else(|| ConnectorError::invalid("YouTube needs a video"))?;
        let total = video.bytes.len();
        let meta = serde_json::json!({
            "snippet": {
                "title": req.title.clone().unwrap_or_default(),
                "description": req.text.trim(),
                "tags": tags(&req.text),
                "categoryId": "27",
            },
            "status": {"privacyStatus": self.privacy, "selfDeclaredMadeForKids": false},
        });
        let start = ctx
            .http
            .post(&format!(
                "{}/upload/youtube/v3/videos",
                self.upload_base.trim_end_matches('/')
            ))
            .query(&[("uploadType", "resumable"), ("part", "snippet,status")])
            .bearer_auth(token)
            .header("X-Upload-Content-Length", total.to_string())
            .header("X-Upload-Content-Type", video.mime.clone())
            .json(&meta);
        let r = ctx.http.send(Platform::YouTube, start).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        let session = r
            .header("location")
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("YouTube returned no upload session"))?;
        let mut offset = 0usize;
        let mut resumes = 0;
        let done = loop {
            let end = (offset + self.chunk).min(total);
            let put = ctx
                .http
                .request(reqwest::Method::PUT, &session)
                .bearer_auth(token)
                .header("Content-Type", video.mime.clone())
                .header(
                    "Content-Range",
                    format!("bytes {offset}-{}/{total}", end.saturating_sub(1)),
                )
                .body(video.bytes[offset..end].to_vec());
            match ctx.http.send(Platform::YouTube, put).await {
                Ok(r) if r.status.as_u16() == 308 => offset = next_offset(&r),
                Ok(r) if r.is_success() => break r,
                Ok(r) => return Err(classify(&r, ctx.now)),
                Err(ConnectorError::Transient { .. }) if resumes < self.resumes => {
                    // The connection broke: ask the server how much it has.
                    resumes += 1;
                    let ask = ctx
                        .http
                        .request(reqwest::Method::PUT, &session)
                        .bearer_auth(token)
                        .header("Content-Range", format!("bytes */{total}"))
                        .body(Vec::new());
                    let r = ctx.http.send(Platform::YouTube, ask).await?;
                    if r.is_success() {
                        break r;
                    }
                    if r.status.as_u16() != 308 {
                        return Err(classify(&r, ctx.now));
                    }
                    offset = next_offset(&r);
                }
                Err(e) => return Err(e),
            }
        };
        let id = done.json()["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("YouTube returned no video id"))?;
        if let Some(thumb) = req.media.iter().find(|m| m.kind == MediaKind::Image) {
            let rb = ctx
                .http
                .post(&format!(
                    "{}/upload/youtube/v3/thumbnails/set",
                    self.upload_base.trim_end_matches('/')
                ))
                .query(&[("videoId", id.as_str())])
                .bearer_auth(token)
                .header("Content-Type", thumb.mime.clone())
                .body(thumb.bytes.as_ref().clone());
            // A refused thumbnail does not undo the published video.
            if let Ok(r) = ctx.http.send(Platform::YouTube, rb).await
                && !r.is_success()
            {
                tracing::warn!(video = %id, "YouTube refused the thumbnail: {}", r.text());
            }
        }
        Ok(PublishOutcome {
            published: Published {
                permalink: Some(format!("https://www.youtube.com/watch?v={id}")),
                at: None,
                remote_id: id,
            },
            rate: None,
        })
    }
}

/// From a 308's `Range: bytes=0-n`, the next byte to send (0 when absent).
fn next_offset(r: &Response) -> usize {
    r.header("range")
        .and_then(|v| v.rsplit('-').next())
        .and_then(|n| n.trim().parse::<usize>().ok())
        .map(|n| n + 1)
        .unwrap_or(0)
}

/// Pages of comment threads one poll reads at most (100 each, 1 unit each).
const POLL_PAGES: usize = 5;

impl YouTube {
    /// New comments on the channel's videos since `cursor` (the newest
    /// `publishedAt` seen): threads are read newest first until one with no
    /// activity at or after the cursor; items are given oldest first.
    async fn comment_threads(
        &self,
        ctx: &Ctx,
        acct: &Account,
        cursor: Option<&str>,
    ) -> Result<Polled, ConnectorError> {
        let mut items = Vec::new();
        let mut newest = cursor.map(str::to_string);
        let mut page: Option<String> = None;
        'pages: for _ in 0..POLL_PAGES {
            let mut q = vec![
                ("part", "snippet,replies".to_string()),
                ("allThreadsRelatedToChannelId", acct.remote_id.clone()),
                ("maxResults", "100".to_string()),
                ("order", "time".to_string()),
                ("textFormat", "plainText".to_string()),
            ];
            if let Some(p) = &page {
                q.push(("pageToken", p.clone()));
            }
            let rb = ctx
                .http
                .get(&format!("{}/commentThreads", self.api()))
                .query(&q)
                .bearer_auth(&acct.credentials.access_token);
            let r = ctx.http.send(Platform::YouTube, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let v = r.json();
            for t in v["items"].as_array().into_iter().flatten() {
                let thread = t["id"].as_str().unwrap_or("").to_string();
                let video = t["snippet"]["videoId"].as_str().map(str::to_string);
                let mut comments = vec![(t["snippet"]["topLevelComment"].clone(), None)];
                for c in t["replies"]["comments"].as_array().into_iter().flatten() {
                    comments.push((c.clone(), Some(thread.clone())));
                }
                let mut active = false;
                for (c, parent) in comments {
                    let at = c["snippet"]["publishedAt"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    if cursor.is_some_and(|cur| at.as_str() < cur) {
                        continue;
                    }
                    active = true;
                    if newest.as_deref().is_none_or(|n| at.as_str() > n) {
                        newest = Some(at.clone());
                    }
                    if let Some(item) = comment_item(acct, &thread, video.clone(), &c, parent) {
                        items.push(item);
                    }
                }
                if !active && cursor.is_some() {
                    break 'pages;
                }
            }
            match v["nextPageToken"].as_str() {
                Some(p) => page = Some(p.to_string()),
                None => break,
            }
        }
        items.sort_by_key(|i| i.at);
        Ok(Polled {
            items,
            cursor: newest,
        })
    }
}

/// One YouTube comment as an inbox item (a thread is one conversation).
fn comment_item(
    acct: &Account,
    thread: &str,
    video: Option<String>,
    c: &serde_json::Value,
    parent: Option<String>,
) -> Option<InboundItem> {
    use siar_domain::inbox::{Author, ConvKind};
    let s = &c["snippet"];
    let author = s["authorChannelId"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let name = s["authorDisplayName"].as_str().unwrap_or("").to_string();
    let at = s["publishedAt"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|d| Timestamp(d.timestamp_millis()))?;
    Some(InboundItem {
        kind: ConvKind::Comment,
        thread_key: thread.to_string(),
        remote_id: c["id"].as_str()?.to_string(),
        parent_remote_id: parent,
        permalink: video
            .as_ref()
            .map(|v| format!("https://www.youtube.com/watch?v={v}&lc={thread}")),
        remote_post_id: video,
        author: Author {
            remote_id: author.clone(),
            handle: name.trim_start_matches('@').to_string(),
            name: name.trim_start_matches('@').to_string(),
            profile_url: s["authorChannelUrl"].as_str().map(str::to_string),
        },
        text: s["textDisplay"]
            .as_str()
            .or_else(|| s["textOriginal"].as_str())
            .unwrap_or("")
            .to_string(),
        at,
        from_us: author == acct.remote_id,
        removed: false,
    })
}

impl Connector for YouTube {
    /// Public counts from `videos?part=statistics` (1 quota unit per 50 videos).
    fn post_metrics<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<Vec<crate::PostReading>, ConnectorError>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for chunk in ids.chunks(50) {
                let rb = ctx
                    .http
                    .get(&format!("{}/videos", self.api()))
                    .bearer_auth(&acct.credentials.access_token)
                    .query(&[("part", "statistics".to_string()), ("id", chunk.join(","))]);
                let r = ctx.http.send(Platform::YouTube, rb).await?;
                if !r.is_success() {
                    return Err(classify(&r, ctx.now));
                }
                for it in r.json()["items"].as_array().cloned().unwrap_or_default() {
                    let s = &it["statistics"];
                    // Counts come as strings; a hidden count is absent.
                    let n = |k: &str| {
                        s[k].as_str()
                            .and_then(|x| x.parse::<i64>().ok())
                            .or_else(|| s[k].as_i64())
                    };
                    out.push(crate::PostReading {
                        remote_id: it["id"].as_str().unwrap_or("").to_string(),
                        metrics: siar_domain::analytics::PostMetrics {
                            views: n("viewCount"),
                            likes: n("likeCount"),
                            comments: n("commentCount"),
                            ..Default::default()
                        },
                        note: None,
                    });
                }
            }
            Ok(out)
        })
    }

    /// Subscribers from `channels?part=statistics&mine=true` (absent when the
    /// channel hides them); the day's views from the Analytics API.
    fn account_stats<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        from: Timestamp,
        to: Timestamp,
    ) -> BoxFut<'a, Result<crate::AccountStats, ConnectorError>> {
        Box::pin(async move {
            let rb = ctx
                .http
                .get(&format!("{}/channels", self.api()))
                .bearer_auth(&acct.credentials.access_token)
                .query(&[("part", "statistics"), ("mine", "true")]);
            let r = ctx.http.send(Platform::YouTube, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let v = r.json();
            let s = &v["items"][0]["statistics"];
            let followers = if s["hiddenSubscriberCount"].as_bool() == Some(true) {
                None
            } else {
                s["subscriberCount"]
                    .as_str()
                    .and_then(|x| x.parse::<i64>().ok())
            };
            let day = |t: Timestamp| t.to_utc().format("%Y-%m-%d").to_string();
            let rows = self
                .report(
                    ctx,
                    acct,
                    &[
                        ("startDate", day(from)),
                        ("endDate", day(to.minus(std::time::Duration::from_secs(1)))),
                        ("metrics", "views".into()),
                    ],
                )
                .await?;
            let views = rows
                .first()
                .and_then(|r| r.first())
                .and_then(|v| v.as_i64());
            Ok(crate::AccountStats {
                followers,
                views,
                reach: None,
            })
        })
    }

    /// Viewers by age group and gender (`viewerPercentage`) and views by city
    /// over the last 28 days.
    fn audience<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
    ) -> BoxFut<'a, Result<Option<crate::Audience>, ConnectorError>> {
        Box::pin(async move {
            let day = |t: Timestamp| t.to_utc().format("%Y-%m-%d").to_string();
            let span = [
                (
                    "startDate",
                    day(ctx.now.minus(std::time::Duration::from_secs(28 * 86_400))),
                ),
                ("endDate", day(ctx.now)),
            ];
            let mut q = span.to_vec();
            q.push(("dimensions", "ageGroup,gender".into()));
            q.push(("metrics", "viewerPercentage".into()));
            let rows = self.report(ctx, acct, &q).await?;
            let mut a = crate::Audience::default();
            for r in &rows {
                let (Some(age), Some(g), Some(p)) = (r[0].as_str(), r[1].as_str(), r[2].as_f64())
                else {
                    continue;
                };
                if let Some(band) = siar_domain::analytics::normalise_age(age) {
                    a.age.push((band.to_string(), p));
                }
                a.gender
                    .push((siar_domain::analytics::normalise_gender(g).to_string(), p));
            }
            let mut q = span.to_vec();
            q.push(("dimensions", "city".into()));
            q.push(("metrics", "views".into()));
            q.push(("sort", "-views".into()));
            q.push(("maxResults", "25".into()));
            for r in self.report(ctx, acct, &q).await? {
                if let (Some(city), Some(v)) = (r[0].as_str(), r[1].as_f64()) {
                    a.city.push((city.to_string(), v));
                }
            }
            Ok(Some(a))
        })
    }

    fn poll_inbox<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        cursor: Option<&'a str>,
    ) -> BoxFut<'a, Result<Polled, ConnectorError>> {
        Box::pin(self.comment_threads(ctx, acct, cursor))
    }

    /// A reply in the comment's thread (`comments.insert`, 50 units).
    fn reply<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        text: &'a str,
    ) -> BoxFut<'a, Result<Sent, ConnectorError>> {
        Box::pin(async move {
            let body = serde_json::json!({
                "snippet": { "parentId": to.thread_key, "textOriginal": text }
            });
            let rb = ctx
                .http
                .post(&format!("{}/comments", self.api()))
                .query(&[("part", "snippet")])
                .bearer_auth(&acct.credentials.access_token)
                .json(&body);
            let r = ctx.http.send(Platform::YouTube, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let id = r.json()["id"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| ConnectorError::invalid("YouTube returned no comment id"))?;
            Ok(Sent {
                remote_id: id,
                at: None,
            })
        })
    }

    /// Hiding is holding the comment for review (`setModerationStatus`,
    /// `heldForReview`; `published` shows it again).
    fn moderate<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        action: Moderation,
    ) -> BoxFut<'a, Result<(), ConnectorError>> {
        Box::pin(async move {
            let status = match action {
                Moderation::Hide(true) => "heldForReview",
                Moderation::Hide(false) => "published",
                _ => return Err(crate::unsupported()),
            };
            let rb = ctx
                .http
                .post(&format!("{}/comments/setModerationStatus", self.api()))
                .query(&[("id", to.remote_id.as_str()), ("moderationStatus", status)])
                .bearer_auth(&acct.credentials.access_token);
            let r = ctx.http.send(Platform::YouTube, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            Ok(())
        })
    }

    fn platform(&self) -> Platform {
        Platform::YouTube
    }

    fn publish<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<PublishOutcome, ConnectorError>> {
        Box::pin(self.upload(ctx, acct, req))
    }

    /// The channel's uploads playlist (1 quota unit), matched by title.
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<Lookup, ConnectorError>> {
        Box::pin(async move {
            let uploads = match acct.remote_id.strip_prefix("UC") {
                Some(rest) => format!("UU{rest}"),
                None => return Ok(Lookup::Unknown("unknown channel id form".into())),
            };
            let rb = ctx
                .http
                .get(&format!("{}/playlistItems", self.api()))
                .query(&[
                    ("part", "snippet"),
                    ("playlistId", uploads.as_str()),
                    ("maxResults", "50"),
                ])
                .bearer_auth(&acct.credentials.access_token);
            let r = ctx.http.send(Platform::YouTube, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let v = r.json();
            let title = req.title.clone().unwrap_or_default();
            let since = req.attempt_started_at.minus(Duration::from_secs(120));
            let mut older_seen = false;
            for it in v["items"].as_array().into_iter().flatten() {
                let s = &it["snippet"];
                let published = s["publishedAt"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| Timestamp(t.timestamp_millis()));
                if published.is_some_and(|p| p < since) {
                    older_seen = true;
                    continue;
                }
                if s["title"].as_str() == Some(title.as_str()) {
                    let id = s["resourceId"]["videoId"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    return Ok(Lookup::Found(Published {
                        permalink: Some(format!("https://www.youtube.com/watch?v={id}")),
                        at: None,
                        remote_id: id,
                    }));
                }
            }
            if older_seen || !v["nextPageToken"].is_string() {
                Ok(Lookup::Absent)
            } else {
                Ok(Lookup::Unknown(
                    "too many uploads since the attempt to be sure".into(),
                ))
            }
        })
    }

    /// A top-level comment on our own video (`commentThreads.insert`, 50
    /// quota units; needs the `youtube.force-ssl` scope).
    fn comment<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        post: &'a str,
        text: &'a str,
    ) -> BoxFut<'a, Result<String, ConnectorError>> {
        Box::pin(async move {
            let body = serde_json::json!({
                "snippet": {
                    "channelId": acct.remote_id,
                    "videoId": post,
                    "topLevelComment": { "snippet": { "textOriginal": text } }
                }
            });
            let rb = ctx
                .http
                .post(&format!("{}/commentThreads", self.api()))
                .query(&[("part", "snippet")])
                .bearer_auth(&acct.credentials.access_token)
                .json(&body);
            let r = ctx.http.send(Platform::YouTube, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            r.json()["id"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| ConnectorError::invalid("YouTube returned no comment id"))
        })
    }

    /// Our comment with this text on the video (`commentThreads.list`, 1 unit).
    fn find_comment<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        post: &'a str,
        text: &'a str,
    ) -> BoxFut<'a, Result<Option<String>, ConnectorError>> {
        Box::pin(async move {
            let rb = ctx
                .http
                .get(&format!("{}/commentThreads", self.api()))
                .query(&[
                    ("part", "snippet"),
                    ("videoId", post),
                    ("maxResults", "100"),
                    ("order", "time"),
                    ("textFormat", "plainText"),
                ])
                .bearer_auth(&acct.credentials.access_token);
            let r = ctx.http.send(Platform::YouTube, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let want = siar_domain::richtext::comparable(text);
            Ok(r.json()["items"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|it| {
                    let s = &it["snippet"]["topLevelComment"]["snippet"];
                    let ours = s["authorChannelId"]["value"]
                        .as_str()
                        .is_none_or(|a| a == acct.remote_id);
                    ours && siar_domain::richtext::comparable(
                        s["textOriginal"].as_str().unwrap_or(""),
                    ) == want
                })
                .and_then(|it| it["id"].as_str().map(str::to_string)))
        })
    }

    fn refresh<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
    ) -> BoxFut<'a, Result<Option<Credentials>, ConnectorError>> {
        Box::pin(async move {
            let Some(rt) = acct.credentials.refresh_token.as_deref() else {
                return Err(ConnectorError::Auth {
                    detail: "no refresh token is stored".into(),
                });
            };
            token_call(
                ctx,
                &self.app,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt),
                    ("client_id", &self.app.client_id),
                    ("client_secret", &self.app.client_secret),
                ],
            )
            .await
            .map(Some)
        })
    }
}

async fn token_call(
    ctx: &Ctx,
    app: &PlatformApp,
    form: &[(&str, &str)],
) -> Result<Credentials, ConnectorError> {
    let r = ctx
        .http
        .send(Platform::YouTube, ctx.http.post(&app.token_url).form(form))
        .await?;
    let v = r.json();
    if !r.is_success() {
        if v["error"] == "invalid_grant" {
            return Err(ConnectorError::Auth {
                detail: format!(
                    "invalid_grant: {}",
                    v["error_description"].as_str().unwrap_or("")
                ),
            });
        }
        return Err(classify(&r, ctx.now));
    }
    Ok(Credentials {
        access_token: v["access_token"]
            .as_str()
            .ok_or_else(|| ConnectorError::invalid("Google returned no access token"))?
            .to_string(),
        refresh_token: v["refresh_token"].as_str().map(str::to_string),
        expires_at: v["expires_in"]
            .as_u64()
            .map(|s| ctx.now.plus(Duration::from_secs(s))),
        extra: serde_json::Value::Null,
    })
}

/// Where to send the person to approve Siar with their Google account.
pub fn authorize_url(app: &PlatformApp, state: &str, challenge: &str) -> String {
    let Ok(mut u) = url::Url::parse(&app.auth_url) else {
        return String::new();
    };
    u.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", &app.redirect_url)
        .append_pair("response_type", "code")
        .append_pair("scope", SCOPES)
        .append_pair("access_type", "offline")
        .append_pair("prompt", "consent")
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    u.to_string()
}

/// Exchanges the code and reads the channel it is for.
pub async fn exchange_code(
    ctx: &Ctx,
    app: &PlatformApp,
    code: &str,
    verifier: &str,
) -> Result<(Credentials, crate::Identity), ConnectorError> {
    let creds = token_call(
        ctx,
        app,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &app.redirect_url),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("code_verifier", verifier),
        ],
    )
    .await?;
    let rb = ctx
        .http
        .get(&format!(
            "{}/youtube/v3/channels",
            app.api_base.trim_end_matches('/')
        ))
        .query(&[("part", "snippet"), ("mine", "true")])
        .bearer_auth(&creds.access_token);
    let r = ctx.http.send(Platform::YouTube, rb).await?;
    if !r.is_success() {
        return Err(classify(&r, ctx.now));
    }
    let v = r.json();
    let item = &v["items"][0];
    let id = item["id"]
        .as_str()
        .ok_or_else(|| ConnectorError::invalid("this Google account has no YouTube channel"))?;
    let title = item["snippet"]["title"].as_str().unwrap_or(id);
    let handle = item["snippet"]["customUrl"].as_str().unwrap_or(title);
    Ok((
        creds,
        crate::Identity {
            id: id.into(),
            handle: handle.into(),
            name: title.into(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_become_tags_and_quota_resets_at_pacific_midnight() {
        assert_eq!(
            tags("Dongeng #DongengSabtu #anak #DongengSabtu"),
            vec!["DongengSabtu".to_string(), "anak".to_string()]
        );
        // 2026-11-28 10:00 UTC is 02:00 in Los Angeles (PST, UTC−8): the reset
        // is midnight on the 29th there, 08:00 UTC.
        let now = Timestamp(1_795_860_000_000);
        assert_eq!(now.rfc3339(), "2026-11-28T10:00:00Z");
        assert_eq!(next_pacific_midnight(now).rfc3339(), "2026-11-29T08:00:00Z");
    }
}
