//! X (API v2): OAuth 2.0 with PKCE and `offline.access`, media upload (simple for
//! images, initialize/append/finalize for video), `POST /2/tweets`, and a look
//! through the account's recent posts to reconcile an unknown outcome.

use crate::http::{self, Response, StatusCode};
use crate::{
    Account, BoxFut, Connector, ConnectorError, Credentials, Ctx, Lookup, Moderation, PlatformApp,
    Polled, PublishOutcome, PublishRequest, Published, ReplyTo, Sent,
};
use siar_domain::Timestamp;
use siar_domain::channels::Platform;
use siar_domain::publishing::MediaKind;
use siar_domain::richtext;
use std::time::Duration;

/// Publishing, media, reading mentions and direct messages, answering them,
/// hiding replies and liking (the inbox), and a refresh token.
pub const SCOPES: &str = "tweet.read tweet.write users.read offline.access media.write dm.read dm.write tweet.moderate.write like.read like.write";

/// Upload chunk size for video (X accepts up to 5 MB per segment).
const CHUNK: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct X {
    pub app: PlatformApp,
    pub media_poll: Duration,
    pub media_polls: u32,
}

impl X {
    pub fn new(app: PlatformApp) -> Self {
        Self {
            app,
            media_poll: Duration::from_secs(2),
            media_polls: 30,
        }
    }

    fn api(&self) -> &str {
        self.app.api_base.trim_end_matches('/')
    }
}

/// Maps an error answer (RFC 7807 problem, sometimes inside `errors`).
pub fn classify(r: &Response, now: Timestamp) -> ConnectorError {
    let v = r.json();
    let first = if v["errors"].is_array() {
        &v["errors"][0]
    } else {
        &v
    };
    let detail = first["detail"]
        .as_str()
        .or_else(|| first["message"].as_str())
        .or_else(|| v["title"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {}: {}", r.status.as_u16(), r.text()));
    match r.status {
        StatusCode::UNAUTHORIZED => ConnectorError::Auth { detail },
        StatusCode::TOO_MANY_REQUESTS => ConnectorError::RateLimited {
            retry_at: http::rate_limited_until(
                http::x_rate(&r.headers),
                &r.headers,
                now,
                Duration::from_secs(15 * 60),
            ),
            detail,
        },
        StatusCode::FORBIDDEN if detail.to_lowercase().contains("duplicate") => {
            ConnectorError::Duplicate { detail }
        }
        s if s.is_server_error() => ConnectorError::Transient { detail, sent: true },
        _ => ConnectorError::invalid(detail),
    }
}

/// Where to send the person to approve Siar on X.
pub fn authorize_url(app: &PlatformApp, state: &str, challenge: &str) -> String {
    let Ok(mut u) = url::Url::parse(&app.auth_url) else {
        return String::new();
    };
    u.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", &app.redirect_url)
        .append_pair("scope", SCOPES)
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    u.to_string()
}

fn token_credentials(v: &serde_json::Value, now: Timestamp) -> Result<Credentials, ConnectorError> {
    let access = v["access_token"]
        .as_str()
        .ok_or_else(|| ConnectorError::invalid("X returned no access token"))?;
    Ok(Credentials {
        access_token: access.to_string(),
        refresh_token: v["refresh_token"].as_str().map(str::to_string),
        expires_at: v["expires_in"]
            .as_u64()
            .map(|s| now.plus(Duration::from_secs(s))),
        extra: serde_json::Value::Null,
    })
}

async fn token_call(
    ctx: &Ctx,
    app: &PlatformApp,
    form: &[(&str, &str)],
) -> Result<Credentials, ConnectorError> {
    let rb = ctx
        .http
        .post(&app.token_url)
        .basic_auth(&app.client_id, Some(&app.client_secret))
        .form(form);
    let r = ctx.http.send(Platform::X, rb).await?;
    if !r.is_success() {
        let v = r.json();
        if v["error"] == "invalid_grant" || v["error"] == "invalid_request" {
            return Err(ConnectorError::Auth {
                detail: format!(
                    "{}: {}",
                    v["error"].as_str().unwrap_or(""),
                    v["error_description"].as_str().unwrap_or("")
                ),
            });
        }
        return Err(classify(&r, ctx.now));
    }
    token_credentials(&r.json(), ctx.now)
}

/// Exchanges the callback's code (within 30 s of approval) and reads who it is.
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
            ("code_verifier", verifier),
            ("client_id", &app.client_id),
        ],
    )
    .await?;
    let rb = ctx
        .http
        .get(&format!(
            "{}/2/users/me",
            app.api_base.trim_end_matches('/')
        ))
        .bearer_auth(&creds.access_token);
    let r = ctx.http.send(Platform::X, rb).await?;
    if !r.is_success() {
        return Err(classify(&r, ctx.now));
    }
    let d = &r.json()["data"];
    let id = d["id"]
        .as_str()
        .ok_or_else(|| ConnectorError::invalid("X returned no user"))?;
    let username = d["username"].as_str().unwrap_or(id);
    Ok((
        creds,
        crate::Identity {
            id: id.into(),
            handle: format!("@{username}"),
            name: d["name"].as_str().unwrap_or(username).into(),
        },
    ))
}

impl X {
    async fn upload(
        &self,
        ctx: &Ctx,
        acct: &Account,
        m: &crate::MediaFile,
    ) -> Result<String, ConnectorError> {
        let token = &acct.credentials.access_token;
        let api = self.api();
        if m.kind == MediaKind::Image {
            let part = reqwest::multipart::Part::bytes(m.bytes.as_ref().clone())
                .file_name("media")
                .mime_str(&m.mime)
                .map_err(|e| ConnectorError::invalid(e.to_string()))?;
            let form = reqwest::multipart::Form::new()
                .part("media", part)
                .text("media_category", "tweet_image");
            let rb = ctx
                .http
                .post(&format!("{api}/2/media/upload"))
                .bearer_auth(token)
                .multipart(form);
            let r = ctx.http.send(Platform::X, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let id = r.json()["data"]["id"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| ConnectorError::invalid("X returned no media id"))?;
            self.alt_text(ctx, token, &id, &m.alt).await;
            return Ok(id);
        }
        let rb = ctx
            .http
            .post(&format!("{api}/2/media/upload/initialize"))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "media_type": m.mime,
                "total_bytes": m.bytes.len(),
                "media_category": "tweet_video",
            }));
        let r = ctx.http.send(Platform::X, rb).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        let id = r.json()["data"]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("X returned no media id"))?;
        for (i, chunk) in m.bytes.chunks(CHUNK).enumerate() {
            let part = reqwest::multipart::Part::bytes(chunk.to_vec()).file_name("chunk");
            let form = reqwest::multipart::Form::new()
                .text("segment_index", i.to_string())
                .part("media", part);
            let rb = ctx
                .http
                .post(&format!("{api}/2/media/upload/{id}/append"))
                .bearer_auth(token)
                .multipart(form);
            let r = ctx.http.send(Platform::X, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
        }
        let rb = ctx
            .http
            .post(&format!("{api}/2/media/upload/{id}/finalize"))
            .bearer_auth(token);
        let r = ctx.http.send(Platform::X, rb).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        let mut info = r.json()["data"]["processing_info"].clone();
        for _ in 0..self.media_polls {
            match info["state"].as_str() {
                None | Some("succeeded") => return Ok(id),
                Some("failed") => {
                    return Err(ConnectorError::Invalid {
                        key: "perr-media-rejected",
                        detail: info["error"]["message"]
                            .as_str()
                            .unwrap_or("X could not process the video")
                            .to_string(),
                    });
                }
                _ => {}
            }
            let wait = info["check_after_secs"]
                .as_u64()
                .map(Duration::from_secs)
                .unwrap_or(self.media_poll)
                .min(self.media_poll);
            tokio::time::sleep(wait).await;
            let rb = ctx
                .http
                .get(&format!("{api}/2/media/upload"))
                .query(&[("command", "STATUS"), ("media_id", id.as_str())])
                .bearer_auth(token);
            let r = ctx.http.send(Platform::X, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            info = r.json()["data"]["processing_info"].clone();
        }
        Err(ConnectorError::MediaNotReady {
            retry_at: ctx.now.plus(Duration::from_secs(60)),
            detail: format!("X is still processing media {id}"),
        })
    }

    /// Publishes each part of a thread as a reply to the one before (media on
    /// the first). A part X refuses as duplicate content is already there (an
    /// earlier attempt): it is looked up and the thread goes on from it.
    /// Sets an image's alt text (`POST /2/media/metadata`; the reference marks
    /// the path unverified). A refusal is logged and the post goes on: the
    /// picture is still worth publishing.
    async fn alt_text(&self, ctx: &Ctx, token: &str, media_id: &str, alt: &str) {
        let alt: String = alt.trim().chars().take(1000).collect();
        if alt.is_empty() {
            return;
        }
        let rb = ctx
            .http
            .post(&format!("{}/2/media/metadata", self.api()))
            .bearer_auth(token)
            .json(&serde_json::json!({"id": media_id, "metadata": {"alt_text": {"text": alt}}}));
        match ctx.http.send(Platform::X, rb).await {
            Ok(r) if r.is_success() => {}
            Ok(r) => tracing::warn!(media = media_id, "X refused the alt text: {}", r.text()),
            Err(e) => tracing::warn!(media = media_id, "X alt text not sent: {e}"),
        }
    }

    async fn do_publish(
        &self,
        ctx: &Ctx,
        acct: &Account,
        req: &PublishRequest,
    ) -> Result<PublishOutcome, ConnectorError> {
        let parts = richtext::thread_parts(&req.text);
        let mut media_ids = Vec::new();
        for m in &req.media {
            media_ids.push(self.upload(ctx, acct, m).await?);
        }
        let mut first: Option<String> = None;
        let mut prev: Option<String> = None;
        let mut rate = None;
        for (i, part) in parts.iter().enumerate() {
            let mut body = serde_json::json!({ "text": part });
            if i == 0 && !media_ids.is_empty() {
                body["media"] = serde_json::json!({ "media_ids": media_ids });
            }
            if let Some(p) = &prev {
                body["reply"] = serde_json::json!({ "in_reply_to_tweet_id": p });
            }
            let rb = ctx
                .http
                .post(&format!("{}/2/tweets", self.api()))
                .bearer_auth(&acct.credentials.access_token)
                .json(&body);
            let r = ctx.http.send(Platform::X, rb).await?;
            let id = if r.is_success() {
                rate = http::x_rate(&r.headers);
                r.json()["data"]["id"]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ConnectorError::invalid("X returned no post id"))?
            } else {
                match classify(&r, ctx.now) {
                    ConnectorError::Duplicate { detail } if parts.len() > 1 => {
                        match self.find_text(ctx, acct, req, part).await? {
                            Some(id) => id,
                            None => return Err(ConnectorError::Duplicate { detail }),
                        }
                    }
                    e => return Err(e),
                }
            };
            first.get_or_insert_with(|| id.clone());
            prev = Some(id);
        }
        let id = first.ok_or_else(|| ConnectorError::invalid("nothing to post"))?;
        Ok(PublishOutcome {
            published: self.published(acct, &id),
            rate,
        })
    }

    /// The account's posts since shortly before the attempt, as (id, comparable
    /// text), and whether that whole window was read (no further page).
    async fn recent(
        &self,
        ctx: &Ctx,
        acct: &Account,
        req: &PublishRequest,
    ) -> Result<(Vec<(String, String, Option<Timestamp>)>, bool), ConnectorError> {
        // From the latest attempt back to the delivery's creation, at most a
        // day: a thread cut short by an earlier attempt (retried within
        // minutes or hours) has its first parts in the window. Beyond a day a
        // missing part meets X's duplicate refusal and goes to a person.
        let since = req
            .marker_time
            .max(req.attempt_started_at.minus(Duration::from_secs(86_400)))
            .min(req.attempt_started_at)
            .minus(Duration::from_secs(60));
        let rb = ctx
            .http
            .get(&format!("{}/2/users/{}/tweets", self.api(), acct.remote_id))
            .query(&[
                ("start_time", since.rfc3339().as_str()),
                ("max_results", "100"),
                ("tweet.fields", "created_at"),
            ])
            .bearer_auth(&acct.credentials.access_token);
        let r = ctx.http.send(Platform::X, rb).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        let v = r.json();
        let posts = v["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                (
                    t["id"].as_str().unwrap_or("").to_string(),
                    richtext::comparable(t["text"].as_str().unwrap_or("")),
                    t["created_at"]
                        .as_str()
                        .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
                        .map(|c| Timestamp(c.timestamp_millis())),
                )
            })
            .collect();
        Ok((posts, !v["meta"]["next_token"].is_string()))
    }

    async fn find_text(
        &self,
        ctx: &Ctx,
        acct: &Account,
        req: &PublishRequest,
        text: &str,
    ) -> Result<Option<String>, ConnectorError> {
        let want = richtext::comparable(text);
        let (posts, _) = self.recent(ctx, acct, req).await?;
        Ok(posts
            .into_iter()
            .find(|(_, t, _)| *t == want)
            .map(|(id, _, _)| id))
    }

    fn published(&self, acct: &Account, id: &str) -> Published {
        let handle = acct.handle.trim_start_matches('@');
        Published {
            remote_id: id.to_string(),
            permalink: Some(format!("https://x.com/{handle}/status/{id}")),
            at: None,
        }
    }
}

/// Pages of mentions one poll reads at most (100 each).
const POLL_PAGES: usize = 5;

impl X {
    /// Mentions newer than `cursor` (a post id, `since_id`), newest first page
    /// by page, given oldest first; the cursor moves to the newest id.
    async fn mentions(
        &self,
        ctx: &Ctx,
        acct: &Account,
        cursor: Option<&str>,
    ) -> Result<Polled, ConnectorError> {
        let mut items = Vec::new();
        let mut newest: Option<String> = None;
        let mut page: Option<String> = None;
        for _ in 0..POLL_PAGES {
            let mut q = vec![
                ("max_results", "100".to_string()),
                (
                    "tweet.fields",
                    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets"
                        .to_string(),
                ),
                ("expansions", "author_id".to_string()),
                ("user.fields", "username,name".to_string()),
            ];
            if let Some(c) = cursor {
                q.push(("since_id", c.to_string()));
            }
            if let Some(p) = &page {
                q.push(("pagination_token", p.clone()));
            }
            let rb = ctx
                .http
                .get(&format!(
                    "{}/2/users/{}/mentions",
                    self.api(),
                    acct.remote_id
                ))
                .bearer_auth(&acct.credentials.access_token)
                .query(&q);
            let r = ctx.http.send(Platform::X, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let v = r.json();
            if newest.is_none() {
                newest = v["meta"]["newest_id"].as_str().map(str::to_string);
            }
            let users = v["includes"]["users"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for t in v["data"].as_array().into_iter().flatten() {
                if let Some(item) = mention_item(&acct.remote_id, t, &users) {
                    items.push(item);
                }
            }
            match v["meta"]["next_token"].as_str() {
                Some(p) => page = Some(p.to_string()),
                None => break,
            }
        }
        items.sort_by_key(|i| i.at);
        Ok(Polled {
            items,
            cursor: newest.or_else(|| cursor.map(str::to_string)),
        })
    }

    async fn call_json(
        &self,
        ctx: &Ctx,
        rb: reqwest::RequestBuilder,
    ) -> Result<Response, ConnectorError> {
        let r = ctx.http.send(Platform::X, rb).await?;
        if r.is_success() {
            Ok(r)
        } else {
            Err(classify(&r, ctx.now))
        }
    }
}

/// A mention as an inbox item: a reply joins the patron's thread in the
/// conversation; a mention on its own is its own conversation. `our_id` is
/// the library's X user id. Polls and webhook deliveries (`post.mention.create`
/// carries the same Post object) read posts here.
pub(crate) fn mention_item(
    our_id: &str,
    t: &serde_json::Value,
    users: &[serde_json::Value],
) -> Option<siar_domain::inbox::InboundItem> {
    use siar_domain::inbox::{Author, ConvKind, InboundItem};
    let id = t["id"].as_str()?.to_string();
    let author_id = t["author_id"].as_str().unwrap_or("").to_string();
    let user = users
        .iter()
        .find(|u| u["id"].as_str() == Some(author_id.as_str()));
    let username = user
        .and_then(|u| u["username"].as_str())
        .unwrap_or("")
        .to_string();
    let parent = t["referenced_tweets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["type"] == "replied_to")
        .and_then(|r| r["id"].as_str())
        .map(str::to_string);
    let conversation = t["conversation_id"].as_str().map(str::to_string);
    let (kind, thread_key) = match (&parent, &conversation) {
        (Some(_), Some(c)) => (ConvKind::Comment, format!("{c}#{author_id}")),
        _ => (ConvKind::Mention, id.clone()),
    };
    let at = t["created_at"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| Timestamp(d.timestamp_millis()))?;
    Some(InboundItem {
        kind,
        thread_key,
        permalink: Some(format!("https://x.com/{username}/status/{id}")),
        remote_id: id,
        parent_remote_id: parent,
        remote_post_id: conversation,
        author: Author {
            remote_id: author_id.clone(),
            handle: username.clone(),
            name: user
                .and_then(|u| u["name"].as_str())
                .unwrap_or(&username)
                .to_string(),
            profile_url: Some(format!("https://x.com/{username}")),
        },
        text: t["text"].as_str().unwrap_or("").to_string(),
        at,
        from_us: author_id == our_id,
        removed: false,
    })
}

impl Connector for X {
    fn platform(&self) -> Platform {
        Platform::X
    }

    /// `GET /2/tweets` with public and non-public metrics (the latter only for
    /// posts under 30 days old: older posts simply come without them).
    fn post_metrics<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<Vec<crate::PostReading>, ConnectorError>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for chunk in ids.chunks(100) {
                let rb = ctx
                    .http
                    .get(&format!("{}/2/tweets", self.api()))
                    .bearer_auth(&acct.credentials.access_token)
                    .query(&[
                        ("ids", chunk.join(",")),
                        (
                            "tweet.fields",
                            "public_metrics,non_public_metrics".to_string(),
                        ),
                    ]);
                let r = ctx.http.send(Platform::X, rb).await?;
                if !r.is_success() {
                    return Err(classify(&r, ctx.now));
                }
                let v = r.json();
                for t in v["data"].as_array().cloned().unwrap_or_default() {
                    let p = &t["public_metrics"];
                    let np = &t["non_public_metrics"];
                    let shares =
                        crate::sum_known(p["retweet_count"].as_i64(), p["quote_count"].as_i64());
                    out.push(crate::PostReading {
                        remote_id: t["id"].as_str().unwrap_or("").to_string(),
                        metrics: siar_domain::analytics::PostMetrics {
                            views: np["impression_count"]
                                .as_i64()
                                .or_else(|| p["impression_count"].as_i64()),
                            reach: None,
                            likes: p["like_count"].as_i64(),
                            comments: p["reply_count"].as_i64(),
                            shares,
                            saves: p["bookmark_count"].as_i64(),
                            clicks: np["url_link_clicks"].as_i64(),
                        },
                        note: None,
                    });
                }
                // Posts X could not find (deleted) come back as errors.
                for e in v["errors"].as_array().cloned().unwrap_or_default() {
                    if let Some(id) = e["value"].as_str().or_else(|| e["resource_id"].as_str()) {
                        out.push(crate::PostReading {
                            remote_id: id.to_string(),
                            metrics: Default::default(),
                            note: e["detail"].as_str().map(str::to_string),
                        });
                    }
                }
            }
            Ok(out)
        })
    }

    fn account_stats<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        _from: Timestamp,
        _to: Timestamp,
    ) -> BoxFut<'a, Result<crate::AccountStats, ConnectorError>> {
        Box::pin(async move {
            let rb = ctx
                .http
                .get(&format!("{}/2/users/me", self.api()))
                .bearer_auth(&acct.credentials.access_token)
                .query(&[("user.fields", "public_metrics")]);
            let r = ctx.http.send(Platform::X, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            Ok(crate::AccountStats {
                followers: r.json()["data"]["public_metrics"]["followers_count"].as_i64(),
                ..Default::default()
            })
        })
    }

    fn poll_inbox<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        cursor: Option<&'a str>,
    ) -> BoxFut<'a, Result<Polled, ConnectorError>> {
        Box::pin(self.mentions(ctx, acct, cursor))
    }

    /// A reply to the post that mentioned us (X allows replies only where
    /// the author addressed the account).
    fn reply<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        text: &'a str,
    ) -> BoxFut<'a, Result<Sent, ConnectorError>> {
        Box::pin(async move {
            // A direct message is answered in the conversation with that
            // person (`dm.write`), everything else as a reply to the post.
            if to.kind == siar_domain::inbox::ConvKind::Message {
                let partner = to.thread_key.strip_prefix("dm:").unwrap_or(&to.thread_key);
                let rb = ctx
                    .http
                    .post(&format!(
                        "{}/2/dm_conversations/with/{partner}/messages",
                        self.api()
                    ))
                    .bearer_auth(&acct.credentials.access_token)
                    .json(&serde_json::json!({ "text": text }));
                let r = self.call_json(ctx, rb).await?;
                let id = r.json()["data"]["dm_event_id"]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ConnectorError::invalid("X returned no message id"))?;
                return Ok(Sent {
                    remote_id: id,
                    at: None,
                });
            }
            let body = serde_json::json!({
                "text": text,
                "reply": { "in_reply_to_tweet_id": to.remote_id },
            });
            let rb = ctx
                .http
                .post(&format!("{}/2/tweets", self.api()))
                .bearer_auth(&acct.credentials.access_token)
                .json(&body);
            let r = self.call_json(ctx, rb).await?;
            let id = r.json()["data"]["id"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| ConnectorError::invalid("X returned no post id"))?;
            Ok(Sent {
                remote_id: id,
                at: None,
            })
        })
    }

    /// Hides a reply (`PUT /2/tweets/{id}/hidden`) or likes a post.
    fn moderate<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        action: Moderation,
    ) -> BoxFut<'a, Result<(), ConnectorError>> {
        Box::pin(async move {
            let api = self.api();
            let token = &acct.credentials.access_token;
            let rb = match action {
                Moderation::Hide(h) => ctx
                    .http
                    .request(
                        reqwest::Method::PUT,
                        &format!("{api}/2/tweets/{}/hidden", to.remote_id),
                    )
                    .bearer_auth(token)
                    .json(&serde_json::json!({ "hidden": h })),
                Moderation::Like(true) => ctx
                    .http
                    .post(&format!("{api}/2/users/{}/likes", acct.remote_id))
                    .bearer_auth(token)
                    .json(&serde_json::json!({ "tweet_id": to.remote_id })),
                Moderation::Like(false) => ctx
                    .http
                    .request(
                        reqwest::Method::DELETE,
                        &format!("{api}/2/users/{}/likes/{}", acct.remote_id, to.remote_id),
                    )
                    .bearer_auth(token),
                Moderation::Delete => return Err(crate::unsupported()),
            };
            self.call_json(ctx, rb).await.map(|_| ())
        })
    }

    fn publish<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<PublishOutcome, ConnectorError>> {
        Box::pin(self.do_publish(ctx, acct, req))
    }

    /// Reads the account's posts since shortly before the attempt and matches
    /// the text (links aside, which X rewrites). Absent only when the whole
    /// window was read.
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<Lookup, ConnectorError>> {
        Box::pin(async move {
            // Parts go out in order: the thread is there when its last part is.
            let parts = richtext::thread_parts(&req.text);
            let (posts, complete) = self.recent(ctx, acct, req).await?;
            let find = |text: &str| {
                let want = richtext::comparable(text);
                posts
                    .iter()
                    .find(|(_, t, _)| *t == want)
                    .map(|(id, _, at)| (id.clone(), *at))
            };
            let last = parts.last().map(String::as_str).unwrap_or("");
            if let Some((_, last_at)) = find(last) {
                let first = find(&parts[0]).map(|f| f.0).unwrap_or_default();
                let mut found = self.published(acct, &first);
                // It went out when X says its last part did.
                found.at = last_at;
                return Ok(Lookup::Found(found));
            }
            if complete || parts.len() > 1 {
                // A thread cut short is completed by publishing again: parts
                // already there come back as duplicates and are skipped.
                Ok(Lookup::Absent)
            } else {
                Ok(Lookup::Unknown(
                    "too many posts since the attempt to be sure".into(),
                ))
            }
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
            let creds = token_call(
                ctx,
                &self.app,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt),
                    ("client_id", &self.app.client_id),
                ],
            )
            .await?;
            Ok(Some(creds))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_ignores_rewritten_links_and_spacing() {
        assert_eq!(
            richtext::comparable("Baca  di https://perpus.id/a ya"),
            richtext::comparable("Baca di https://t.co/xyz ya")
        );
        assert_ne!(
            richtext::comparable("Baca A"),
            richtext::comparable("Baca B")
        );
    }
}
