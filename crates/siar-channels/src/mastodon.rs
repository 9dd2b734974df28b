//! Mastodon: app registration per instance, OAuth, `/api/v2/media` (202 → poll),
//! statuses with `Idempotency-Key` (kept by the server for an hour).

use crate::http::{self, Response, StatusCode};
use crate::{
    Account, BoxFut, Connector, ConnectorError, Credentials, Ctx, Identity, Lookup, Moderation,
    Polled, PublishOutcome, PublishRequest, Published, ReplyTo, Sent,
};
use siar_domain::Timestamp;
use siar_domain::channels::Platform;
use siar_domain::inbox::{Author, ConvKind, InboundItem};
use std::time::Duration;

/// The scopes Siar asks an instance for: posting and reading its own account.
pub const SCOPES: &str = "read write";

/// How long after an attempt a repeat with the same `Idempotency-Key` is still
/// answered with the original status (Mastodon keeps keys for 1 hour).
pub const KEY_WINDOW: Duration = Duration::from_secs(55 * 60);

#[derive(Debug, Clone)]
pub struct Mastodon {
    /// Pause between looks at a processing upload.
    pub media_poll: Duration,
    /// Looks at a processing upload before giving the job back (`MediaNotReady`).
    pub media_polls: u32,
}

impl Default for Mastodon {
    fn default() -> Self {
        Self {
            media_poll: Duration::from_secs(2),
            media_polls: 15,
        }
    }
}

fn base(acct: &Account) -> Result<&str, ConnectorError> {
    acct.base_url
        .as_deref()
        .map(|b| b.trim_end_matches('/'))
        .ok_or_else(|| ConnectorError::invalid("the channel has no instance address"))
}

/// Maps a non-success answer to its class.
pub fn classify(r: &Response, now: Timestamp) -> ConnectorError {
    let detail = r.json()["error"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {}: {}", r.status.as_u16(), r.text()));
    match r.status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ConnectorError::Auth { detail },
        StatusCode::TOO_MANY_REQUESTS => ConnectorError::RateLimited {
            retry_at: http::rate_limited_until(
                http::mastodon_rate(&r.headers),
                &r.headers,
                now,
                Duration::from_secs(300),
            ),
            detail,
        },
        StatusCode::UNPROCESSABLE_ENTITY if detail.to_lowercase().contains("processing") => {
            ConnectorError::MediaNotReady {
                retry_at: now.plus(Duration::from_secs(30)),
                detail,
            }
        }
        s if s.is_server_error() => ConnectorError::Transient { detail, sent: true },
        _ => ConnectorError::invalid(detail),
    }
}

impl Mastodon {
    async fn upload(
        &self,
        ctx: &Ctx,
        acct: &Account,
        m: &crate::MediaFile,
        i: usize,
    ) -> Result<String, ConnectorError> {
        let base = base(acct)?;
        let part = reqwest::multipart::Part::bytes(m.bytes.as_ref().clone())
            .file_name(format!("media{i}"))
            .mime_str(&m.mime)
            .map_err(|e| ConnectorError::invalid(e.to_string()))?;
        let form = reqwest::multipart::Form::new()
            .part("file", part)
            .text("description", m.alt.clone());
        let rb = ctx
            .http
            .post(&format!("{base}/api/v2/media"))
            .bearer_auth(&acct.credentials.access_token)
            .multipart(form);
        let r = ctx.http.send(Platform::Mastodon, rb).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        let id = r.json()["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("the instance returned no media id"))?;
        if r.status == StatusCode::OK {
            return Ok(id);
        }
        // 202: still processing. Poll until 200; 206 means not yet.
        for _ in 0..self.media_polls {
            tokio::time::sleep(self.media_poll).await;
            let rb = ctx
                .http
                .get(&format!("{base}/api/v1/media/{id}"))
                .bearer_auth(&acct.credentials.access_token);
            let p = ctx.http.send(Platform::Mastodon, rb).await?;
            match p.status {
                StatusCode::OK => return Ok(id),
                StatusCode::PARTIAL_CONTENT => continue,
                _ => return Err(classify(&p, ctx.now)),
            }
        }
        Err(ConnectorError::MediaNotReady {
            retry_at: ctx.now.plus(Duration::from_secs(60)),
            detail: format!("media {id} is still processing"),
        })
    }

    async fn do_publish(
        &self,
        ctx: &Ctx,
        acct: &Account,
        req: &PublishRequest,
    ) -> Result<PublishOutcome, ConnectorError> {
        let base = base(acct)?;
        let mut media_ids = Vec::new();
        for (i, m) in req.media.iter().enumerate() {
            media_ids.push(self.upload(ctx, acct, m, i).await?);
        }
        // A thread: each part replies to the one before, with its own
        // Idempotency-Key, so a repeat inside the key window replays every part.
        let parts = siar_domain::richtext::thread_parts(&req.text);
        let mut first: Option<Published> = None;
        let mut prev: Option<String> = None;
        let mut rate = None;
        for (i, part) in parts.iter().enumerate() {
            let mut body = serde_json::json!({
                "status": part,
                "visibility": "public",
            });
            if i == 0 {
                body["media_ids"] = serde_json::json!(media_ids);
            }
            if let Some(p) = &prev {
                body["in_reply_to_id"] = serde_json::json!(p);
            }
            let key = if i == 0 {
                req.marker.clone()
            } else {
                format!("{}-{i}", req.marker)
            };
            let rb = ctx
                .http
                .post(&format!("{base}/api/v1/statuses"))
                .bearer_auth(&acct.credentials.access_token)
                .header("Idempotency-Key", key)
                .json(&body);
            let r = ctx.http.send(Platform::Mastodon, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let v = r.json();
            let id = v["id"]
                .as_str()
                .ok_or_else(|| ConnectorError::invalid("the instance returned no status id"))?
                .to_string();
            rate = http::mastodon_rate(&r.headers);
            first.get_or_insert_with(|| Published {
                remote_id: id.clone(),
                permalink: v["url"].as_str().map(str::to_string),
                at: None,
            });
            prev = Some(id);
        }
        Ok(PublishOutcome {
            published: first.ok_or_else(|| ConnectorError::invalid("nothing to post"))?,
            rate,
        })
    }
}

/// How many pages of notifications one poll reads at most (40 each).
const POLL_PAGES: usize = 5;

/// A status's HTML as plain text: paragraphs and line breaks kept, tags
/// dropped, entities decoded.
pub fn plain_text(html: &str) -> String {
    let html = html
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("</p><p>", "\n\n");
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    html_escape::decode_html_entities(out.trim()).into_owned()
}

/// Which notification is newer: ids are numbers as text (snowflakes).
fn newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

impl Mastodon {
    /// Mentions (replies mention us too) newer than `cursor` (a notification
    /// id), read with `min_id` page after page, oldest first; the cursor is
    /// the newest id read.
    async fn notifications(
        &self,
        ctx: &Ctx,
        acct: &Account,
        cursor: Option<&str>,
    ) -> Result<Polled, ConnectorError> {
        let base = base(acct)?;
        let me = acct.remote_id.as_str();
        let mut items = Vec::new();
        let mut newest = cursor.map(str::to_string);
        for _ in 0..POLL_PAGES {
            let mut q = vec![
                ("types[]", "mention".to_string()),
                ("limit", "40".to_string()),
            ];
            if let Some(c) = &newest {
                q.push(("min_id", c.clone()));
            }
            let rb = ctx
                .http
                .get(&format!("{base}/api/v1/notifications"))
                .bearer_auth(&acct.credentials.access_token)
                .query(&q);
            let r = ctx.http.send(Platform::Mastodon, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let mut list = r.json().as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                break;
            }
            // Pages come newest first; file oldest first.
            list.sort_by(|a, b| {
                let (x, y) = (
                    a["id"].as_str().unwrap_or(""),
                    b["id"].as_str().unwrap_or(""),
                );
                (x.len(), x).cmp(&(y.len(), y))
            });
            for n in &list {
                let id = n["id"].as_str().unwrap_or("");
                if newest.as_deref().is_none_or(|c| newer(id, c)) {
                    newest = Some(id.to_string());
                }
                if let Some(item) = mention_item(me, n) {
                    items.push(item);
                }
            }
        }
        Ok(Polled {
            items,
            cursor: newest,
        })
    }

    /// A reply to the patron's status, mentioning them (so they are told), in
    /// the same visibility when it was a direct message.
    async fn answer(
        &self,
        ctx: &Ctx,
        acct: &Account,
        to: &ReplyTo,
        author: &str,
        text: &str,
    ) -> Result<Sent, ConnectorError> {
        let base = base(acct)?;
        let mention = format!("@{}", author.trim_start_matches('@'));
        let status = if author.is_empty() || text.contains(&mention) {
            text.to_string()
        } else {
            format!("{mention} {text}")
        };
        let body = serde_json::json!({
            "status": status,
            "in_reply_to_id": to.remote_id,
            "visibility": if to.kind == ConvKind::Message { "direct" } else { "public" },
        });
        let rb = ctx
            .http
            .post(&format!("{base}/api/v1/statuses"))
            .bearer_auth(&acct.credentials.access_token)
            .json(&body);
        let r = ctx.http.send(Platform::Mastodon, rb).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        let id = r.json()["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("the instance returned no status id"))?;
        Ok(Sent {
            remote_id: id,
            at: None,
        })
    }

    async fn favourite(
        &self,
        ctx: &Ctx,
        acct: &Account,
        id: &str,
        on: bool,
    ) -> Result<(), ConnectorError> {
        let base = base(acct)?;
        let verb = if on { "favourite" } else { "unfavourite" };
        let rb = ctx
            .http
            .post(&format!("{base}/api/v1/statuses/{id}/{verb}"))
            .bearer_auth(&acct.credentials.access_token);
        let r = ctx.http.send(Platform::Mastodon, rb).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        Ok(())
    }
}

/// A mention notification as an inbox item: a direct message is a private
/// conversation with its author; a reply continues the thread it answers
/// (filing follows `in_reply_to_id`); anything else is a mention.
fn mention_item(me: &str, n: &serde_json::Value) -> Option<InboundItem> {
    let st = &n["status"];
    let id = st["id"].as_str()?.to_string();
    let account = &st["account"];
    let account_id = account["id"].as_str().unwrap_or("").to_string();
    let acct = account["acct"].as_str().unwrap_or("").to_string();
    let parent = st["in_reply_to_id"].as_str().map(str::to_string);
    let (kind, thread_key) = if st["visibility"].as_str() == Some("direct") {
        (ConvKind::Message, format!("dm:{account_id}"))
    } else if let Some(p) = &parent {
        (ConvKind::Comment, format!("{p}#{account_id}"))
    } else {
        (ConvKind::Mention, id.clone())
    };
    let at = st["created_at"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|d| Timestamp(d.timestamp_millis()))?;
    Some(InboundItem {
        kind,
        thread_key,
        remote_id: id,
        parent_remote_id: parent.clone(),
        remote_post_id: parent,
        permalink: st["url"].as_str().map(str::to_string),
        author: Author {
            remote_id: account_id.clone(),
            handle: acct.clone(),
            name: account["display_name"]
                .as_str()
                .filter(|s| !s.is_empty())
                .unwrap_or(&acct)
                .to_string(),
            profile_url: account["url"].as_str().map(str::to_string),
        },
        text: plain_text(st["content"].as_str().unwrap_or("")),
        at,
        from_us: account_id == me,
        removed: false,
    })
}

impl Connector for Mastodon {
    fn platform(&self) -> Platform {
        Platform::Mastodon
    }

    fn post_metrics<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<Vec<crate::PostReading>, ConnectorError>> {
        Box::pin(async move {
            let base = base(acct)?;
            let mut out = Vec::new();
            for id in ids {
                let rb = ctx
                    .http
                    .get(&format!("{base}/api/v1/statuses/{id}"))
                    .bearer_auth(&acct.credentials.access_token);
                let r = ctx.http.send(Platform::Mastodon, rb).await?;
                if r.status == StatusCode::NOT_FOUND {
                    out.push(crate::PostReading {
                        remote_id: id.clone(),
                        metrics: Default::default(),
                        note: Some(r.text()),
                    });
                    continue;
                }
                if !r.is_success() {
                    return Err(classify(&r, ctx.now));
                }
                let v = r.json();
                let n = |k: &str| v[k].as_i64();
                // Boosts and quotes are both shares of the post.
                let shares = crate::sum_known(n("reblogs_count"), n("quotes_count"));
                out.push(crate::PostReading {
                    remote_id: id.clone(),
                    metrics: siar_domain::analytics::PostMetrics {
                        likes: n("favourites_count"),
                        comments: n("replies_count"),
                        shares,
                        ..Default::default()
                    },
                    note: None,
                });
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
            let base = base(acct)?;
            let rb = ctx
                .http
                .get(&format!("{base}/api/v1/accounts/verify_credentials"))
                .bearer_auth(&acct.credentials.access_token);
            let r = ctx.http.send(Platform::Mastodon, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            Ok(crate::AccountStats {
                followers: r.json()["followers_count"].as_i64(),
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
        Box::pin(self.notifications(ctx, acct, cursor))
    }

    fn reply<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        text: &'a str,
    ) -> BoxFut<'a, Result<Sent, ConnectorError>> {
        Box::pin(async move {
            let author = to.author.as_deref().unwrap_or("");
            self.answer(ctx, acct, to, author, text).await
        })
    }

    fn moderate<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        action: Moderation,
    ) -> BoxFut<'a, Result<(), ConnectorError>> {
        Box::pin(async move {
            match action {
                Moderation::Like(on) => self.favourite(ctx, acct, &to.remote_id, on).await,
                _ => Err(crate::unsupported()),
            }
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

    /// Within the key window a repeat is answered with the original status, so
    /// publishing again is safe; after it, Siar cannot tell.
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        _acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<Lookup, ConnectorError>> {
        Box::pin(async move {
            if ctx.now.0 - req.attempt_started_at.0 < KEY_WINDOW.as_millis() as i64 {
                Ok(Lookup::Absent)
            } else {
                Ok(Lookup::Unknown(
                    "the attempt is older than Mastodon's one-hour idempotency window".into(),
                ))
            }
        })
    }

    fn refresh<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
    ) -> BoxFut<'a, Result<Option<Credentials>, ConnectorError>> {
        // Mastodon tokens do not expire; they are only revoked.
        Box::pin(async { Ok(None) })
    }
}

/// An app registered on one instance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppRegistration {
    pub client_id: String,
    pub client_secret: String,
}

/// `POST /api/v1/apps`.
pub async fn register_app(
    ctx: &Ctx,
    base: &str,
    redirect: &str,
) -> Result<AppRegistration, ConnectorError> {
    let base = base.trim_end_matches('/');
    let rb = ctx
        .http
        .post(&format!("{base}/api/v1/apps"))
        .json(&serde_json::json!({
            "client_name": "Siar",
            "redirect_uris": redirect,
            "scopes": SCOPES,
        }));
    let r = ctx.http.send(Platform::Mastodon, rb).await?;
    if !r.is_success() {
        return Err(classify(&r, ctx.now));
    }
    let v = r.json();
    match (v["client_id"].as_str(), v["client_secret"].as_str()) {
        (Some(id), Some(secret)) => Ok(AppRegistration {
            client_id: id.into(),
            client_secret: secret.into(),
        }),
        _ => Err(ConnectorError::invalid(
            "the instance did not return app credentials",
        )),
    }
}

/// Where to send the person to approve Siar on their instance.
pub fn authorize_url(
    base: &str,
    app: &AppRegistration,
    redirect: &str,
    state: &str,
    challenge: &str,
) -> String {
    let mut u = match url::Url::parse(&format!("{}/oauth/authorize", base.trim_end_matches('/'))) {
        Ok(u) => u,
        Err(_) => return String::new(),
    };
    u.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", SCOPES)
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    u.to_string()
}

/// `POST /oauth/token`, then `verify_credentials`.
pub async fn exchange_code(
    ctx: &Ctx,
    base: &str,
    app: &AppRegistration,
    redirect: &str,
    code: &str,
    verifier: &str,
) -> Result<(Credentials, Identity), ConnectorError> {
    let b = base.trim_end_matches('/');
    let rb = ctx.http.post(&format!("{b}/oauth/token")).form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", &app.client_id),
        ("client_secret", &app.client_secret),
        ("redirect_uri", redirect),
        ("code_verifier", verifier),
        ("scope", SCOPES),
    ]);
    let r = ctx.http.send(Platform::Mastodon, rb).await?;
    if !r.is_success() {
        return Err(classify(&r, ctx.now));
    }
    let token = r.json()["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| ConnectorError::invalid("the instance returned no access token"))?;
    let creds = Credentials {
        access_token: token,
        ..Default::default()
    };
    let who = verify(ctx, base, &creds).await?;
    Ok((creds, who))
}

/// `GET /api/v1/accounts/verify_credentials`.
pub async fn verify(
    ctx: &Ctx,
    base: &str,
    creds: &Credentials,
) -> Result<Identity, ConnectorError> {
    let b = base.trim_end_matches('/');
    let rb = ctx
        .http
        .get(&format!("{b}/api/v1/accounts/verify_credentials"))
        .bearer_auth(&creds.access_token);
    let r = ctx.http.send(Platform::Mastodon, rb).await?;
    if !r.is_success() {
        return Err(classify(&r, ctx.now));
    }
    let v = r.json();
    let id = v["id"]
        .as_str()
        .ok_or_else(|| ConnectorError::invalid("the instance returned no account"))?;
    let host = url::Url::parse(b)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let user = v["username"].as_str().unwrap_or(id);
    Ok(Identity {
        id: id.to_string(),
        handle: format!("@{user}@{host}"),
        name: v["display_name"]
            .as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or(user)
            .to_string(),
    })
}

/// The instance's own limits (`GET /api/v2/instance`): characters per status,
/// characters per URL, attachments per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstanceLimits {
    pub max_characters: usize,
    pub characters_reserved_per_url: usize,
    pub max_media_attachments: usize,
}

pub async fn instance_limits(ctx: &Ctx, base: &str) -> Result<InstanceLimits, ConnectorError> {
    let b = base.trim_end_matches('/');
    let r = ctx
        .http
        .send(
            Platform::Mastodon,
            ctx.http.get(&format!("{b}/api/v2/instance")),
        )
        .await?;
    if !r.is_success() {
        return Err(classify(&r, ctx.now));
    }
    let c = &r.json()["configuration"];
    let n = |v: &serde_json::Value, d: usize| v.as_u64().map(|x| x as usize).unwrap_or(d);
    Ok(InstanceLimits {
        max_characters: n(&c["statuses"]["max_characters"], 500),
        characters_reserved_per_url: n(&c["statuses"]["characters_reserved_per_url"], 23),
        max_media_attachments: n(&c["statuses"]["max_media_attachments"], 4),
    })
}
