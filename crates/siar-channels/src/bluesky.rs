//! Bluesky (AT Protocol): app-password sessions, `uploadBlob`, `createRecord`
//! with facets at UTF-8 byte offsets, images with alt text and aspect ratio, and
//! a record key derived from the delivery so a retry can look the post up.

use crate::http::{self, Response, StatusCode};
use crate::{
    Account, BoxFut, Connector, ConnectorError, Credentials, Ctx, Lookup, Polled, PublishOutcome,
    PublishRequest, Published, ReplyTo, Sent,
};
use base64::Engine;
use sha2::{Digest, Sha256};
use siar_domain::Timestamp;
use siar_domain::channels::Platform;
use siar_domain::inbox::InboundItem;
use siar_domain::publishing::MediaKind;
use siar_domain::richtext::{self, FacetFeature};
use std::time::Duration;

pub const DEFAULT_PDS: &str = "https://bsky.social";

#[derive(Debug, Clone, Default)]
pub struct Bluesky {
    /// Link cards may read pages on private addresses (tests only).
    pub allow_private_links: bool,
}

fn pds(acct: &Account) -> String {
    acct.base_url
        .as_deref()
        .unwrap_or(DEFAULT_PDS)
        .trim_end_matches('/')
        .to_string()
}

fn did(acct: &Account) -> &str {
    acct.credentials.extra["did"]
        .as_str()
        .unwrap_or(acct.remote_id.as_str())
}

/// Maps an XRPC error answer to its class.
pub fn classify(r: &Response, now: Timestamp) -> ConnectorError {
    let v = r.json();
    let name = v["error"].as_str().unwrap_or("");
    let msg = v["message"].as_str().unwrap_or("");
    let detail = if name.is_empty() {
        format!("HTTP {}: {}", r.status.as_u16(), r.text())
    } else if msg.is_empty() {
        name.to_string()
    } else {
        format!("{name}: {msg}")
    };
    match (r.status, name) {
        (_, "ExpiredToken" | "InvalidToken" | "AccountTakedown" | "AuthFactorTokenRequired")
        | (StatusCode::UNAUTHORIZED, _) => ConnectorError::Auth { detail },
        (StatusCode::TOO_MANY_REQUESTS, _) | (_, "RateLimitExceeded") => {
            ConnectorError::RateLimited {
                retry_at: http::rate_limited_until(
                    http::ietf_rate(&r.headers, now),
                    &r.headers,
                    now,
                    Duration::from_secs(300),
                ),
                detail,
            }
        }
        (s, _) if s.is_server_error() => ConnectorError::Transient { detail, sent: true },
        (_, "BlobTooLarge" | "VideoTooLarge") => ConnectorError::Invalid {
            key: "perr-media-too-big",
            detail,
        },
        _ => ConnectorError::invalid(detail),
    }
}

const S32: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// A record key in the TID format Bluesky's post lexicon asks for, derived from
/// the delivery (its marker and creation time), so every attempt uses the same
/// key: a second create is refused and a lookup finds the first.
pub fn record_key(marker: &str, created_at: Timestamp) -> String {
    let h = Sha256::digest(marker.as_bytes());
    let salt = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    let micros = (created_at.0.max(0) as u64) * 1000 + salt % 1000;
    let clock = (salt >> 20) & 0x3FF;
    let v = ((micros & ((1 << 53) - 1)) << 10) | clock;
    let mut out = [0u8; 13];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 60 - 5 * i as u32;
        *slot = S32[((v >> shift) & 31) as usize];
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The record key of part `i` of the delivery's post (part 0: [`record_key`]).
pub fn part_key(req: &PublishRequest, i: usize) -> String {
    if i == 0 {
        record_key(&req.marker, req.marker_time)
    } else {
        record_key(
            &format!("{}t{i}", req.marker),
            Timestamp(req.marker_time.0 + i as i64),
        )
    }
}

/// When a JWT expires (its `exp` claim), read without checking the signature:
/// only to plan the refresh.
pub fn jwt_expiry(jwt: &str) -> Option<Timestamp> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some(Timestamp(v["exp"].as_i64()? * 1000))
}

fn session_credentials(v: &serde_json::Value) -> Result<Credentials, ConnectorError> {
    let access = v["accessJwt"]
        .as_str()
        .ok_or_else(|| ConnectorError::invalid("the server returned no session"))?;
    Ok(Credentials {
        access_token: access.to_string(),
        refresh_token: v["refreshJwt"].as_str().map(str::to_string),
        expires_at: jwt_expiry(access),
        extra: serde_json::json!({ "did": v["did"], "handle": v["handle"] }),
    })
}

/// `com.atproto.server.createSession` with an app password. The password is
/// not kept: only the session tokens are.
pub async fn create_session(
    ctx: &Ctx,
    pds: &str,
    identifier: &str,
    app_password: &str,
) -> Result<Credentials, ConnectorError> {
    let rb = ctx
        .http
        .post(&format!(
            "{}/xrpc/com.atproto.server.createSession",
            pds.trim_end_matches('/')
        ))
        .json(&serde_json::json!({ "identifier": identifier, "password": app_password }));
    let r = ctx.http.send(Platform::Bluesky, rb).await?;
    if !r.is_success() {
        return Err(classify(&r, ctx.now));
    }
    session_credentials(&r.json())
}

impl Bluesky {
    async fn xrpc_post_json(
        &self,
        ctx: &Ctx,
        acct: &Account,
        nsid: &str,
        body: &serde_json::Value,
    ) -> Result<Response, ConnectorError> {
        let rb = ctx
            .http
            .post(&format!("{}/xrpc/{nsid}", pds(acct)))
            .bearer_auth(&acct.credentials.access_token)
            .json(body);
        let r = ctx.http.send(Platform::Bluesky, rb).await?;
        if r.is_success() {
            Ok(r)
        } else {
            Err(classify(&r, ctx.now))
        }
    }

    async fn upload_blob(
        &self,
        ctx: &Ctx,
        acct: &Account,
        m: &crate::MediaFile,
    ) -> Result<serde_json::Value, ConnectorError> {
        let rb = ctx
            .http
            .post(&format!("{}/xrpc/com.atproto.repo.uploadBlob", pds(acct)))
            .bearer_auth(&acct.credentials.access_token)
            .header("Content-Type", &m.mime)
            .body(m.bytes.as_ref().clone());
        let r = ctx.http.send(Platform::Bluesky, rb).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        let blob = r.json()["blob"].clone();
        if blob.is_null() {
            return Err(ConnectorError::invalid("the server returned no blob"));
        }
        Ok(blob)
    }

    async fn resolve_handle(&self, ctx: &Ctx, acct: &Account, handle: &str) -> Option<String> {
        let rb = ctx
            .http
            .get(&format!(
                "{}/xrpc/com.atproto.identity.resolveHandle",
                pds(acct)
            ))
            .query(&[("handle", handle)])
            .bearer_auth(&acct.credentials.access_token);
        let r = ctx.http.send(Platform::Bluesky, rb).await.ok()?;
        r.is_success()
            .then(|| r.json()["did"].as_str().map(str::to_string))
            .flatten()
    }

    async fn facets(&self, ctx: &Ctx, acct: &Account, text: &str) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for f in richtext::bluesky_facets(text) {
            let feature = match f.feature {
                FacetFeature::Link(uri) => {
                    serde_json::json!({"$type": "app.bsky.richtext.facet#link", "uri": uri})
                }
                FacetFeature::Tag(tag) => {
                    serde_json::json!({"$type": "app.bsky.richtext.facet#tag", "tag": tag})
                }
                // A handle that does not resolve gets no facet (plain text).
                FacetFeature::Mention(handle) => {
                    match self.resolve_handle(ctx, acct, &handle).await {
                        Some(did) => {
                            serde_json::json!({"$type": "app.bsky.richtext.facet#mention", "did": did})
                        }
                        None => continue,
                    }
                }
            };
            out.push(serde_json::json!({
                "index": {"byteStart": f.byte_start, "byteEnd": f.byte_end},
                "features": [feature],
            }));
        }
        out
    }

    /// The first post's embed: a video, images, or a card for the first link.
    async fn embed(
        &self,
        ctx: &Ctx,
        acct: &Account,
        req: &PublishRequest,
        text: &str,
    ) -> Result<Option<serde_json::Value>, ConnectorError> {
        let images: Vec<_> = req
            .media
            .iter()
            .filter(|m| m.kind == MediaKind::Image)
            .collect();
        if let Some(v) = req.media.iter().find(|m| m.kind == MediaKind::Video) {
            let blob = self.upload_blob(ctx, acct, v).await?;
            return Ok(Some(serde_json::json!({
                "$type": "app.bsky.embed.video",
                "video": blob,
                "alt": v.alt,
                "aspectRatio": {"width": v.width.max(1), "height": v.height.max(1)},
            })));
        }
        if !images.is_empty() {
            let mut list = Vec::new();
            for m in images {
                let blob = self.upload_blob(ctx, acct, m).await?;
                list.push(serde_json::json!({
                    "image": blob,
                    "alt": m.alt,
                    "aspectRatio": {"width": m.width.max(1), "height": m.height.max(1)},
                }));
            }
            return Ok(Some(
                serde_json::json!({"$type": "app.bsky.embed.images", "images": list}),
            ));
        }
        let Some(uri) = richtext::bluesky_facets(text)
            .into_iter()
            .find_map(|f| match f.feature {
                FacetFeature::Link(u) => Some(u),
                _ => None,
            })
        else {
            return Ok(None);
        };
        // A link card for the first link, from the page's own title, description
        // and image; just the address when the page cannot be read.
        let mut external = serde_json::json!({"uri": uri, "title": uri, "description": ""});
        if let Some(card) = crate::card::fetch(ctx, &uri, self.allow_private_links).await {
            external["title"] = card.title.into();
            external["description"] = card.description.into();
            if let Some(img) = card.image
                && let Some(thumb) = self.card_thumb(ctx, acct, &img).await
            {
                external["thumb"] = thumb;
            }
        }
        Ok(Some(
            serde_json::json!({"$type": "app.bsky.embed.external", "external": external}),
        ))
    }

    /// A record of the account, by key: `(uri, cid)`, or `None` when the server
    /// says it is not there.
    async fn get_record(
        &self,
        ctx: &Ctx,
        acct: &Account,
        rkey: &str,
    ) -> Result<Option<(String, String)>, ConnectorError> {
        let rb = ctx
            .http
            .get(&format!("{}/xrpc/com.atproto.repo.getRecord", pds(acct)))
            .query(&[
                ("repo", did(acct)),
                ("collection", "app.bsky.feed.post"),
                ("rkey", rkey),
            ])
            .bearer_auth(&acct.credentials.access_token);
        let r = ctx.http.send(Platform::Bluesky, rb).await?;
        if r.is_success() {
            let v = r.json();
            return Ok(Some((
                v["uri"].as_str().unwrap_or("").to_string(),
                v["cid"].as_str().unwrap_or("").to_string(),
            )));
        }
        let v = r.json();
        if v["error"] == "RecordNotFound"
            || (r.status == StatusCode::BAD_REQUEST
                && v["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("Could not locate record")))
        {
            return Ok(None);
        }
        Err(classify(&r, ctx.now))
    }

    /// Publishes the post, or each part of a thread as a reply to the one
    /// before. Every part has its own record key derived from the delivery, so
    /// a part that an earlier attempt created is found and reused.
    async fn do_publish(
        &self,
        ctx: &Ctx,
        acct: &Account,
        req: &PublishRequest,
    ) -> Result<PublishOutcome, ConnectorError> {
        let parts = richtext::thread_parts(req.text.trim());
        let mut root: Option<(String, String)> = None;
        let mut parent: Option<(String, String)> = None;
        let mut rate = None;
        for (i, text) in parts.iter().enumerate() {
            let rkey = part_key(req, i);
            if parts.len() > 1
                && let Some(existing) = self.get_record(ctx, acct, &rkey).await?
            {
                root.get_or_insert_with(|| existing.clone());
                parent = Some(existing);
                continue;
            }
            let mut record = serde_json::json!({
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": ctx.now.rfc3339_millis(),
                "langs": ["id"],
            });
            let facets = self.facets(ctx, acct, text).await;
            if !facets.is_empty() {
                record["facets"] = serde_json::Value::Array(facets);
            }
            if i == 0 {
                if let Some(e) = self.embed(ctx, acct, req, text).await? {
                    record["embed"] = e;
                }
            } else if let (Some(r), Some(p)) = (&root, &parent) {
                record["reply"] = serde_json::json!({
                    "root": {"uri": r.0, "cid": r.1},
                    "parent": {"uri": p.0, "cid": p.1},
                });
            }
            let body = serde_json::json!({
                "repo": did(acct),
                "collection": "app.bsky.feed.post",
                "rkey": rkey,
                "record": record,
            });
            let r = self
                .xrpc_post_json(ctx, acct, "com.atproto.repo.createRecord", &body)
                .await?;
            let v = r.json();
            let made = (
                v["uri"]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ConnectorError::invalid("the server returned no record"))?,
                v["cid"].as_str().unwrap_or("").to_string(),
            );
            rate = http::ietf_rate(&r.headers, ctx.now);
            root.get_or_insert_with(|| made.clone());
            parent = Some(made);
        }
        let (uri, _) = root.ok_or_else(|| ConnectorError::invalid("nothing to post"))?;
        Ok(PublishOutcome {
            published: self.published(acct, &uri),
            rate,
        })
    }

    /// Fetches a card's image (≤ 1 MB, an image type) and uploads it as a blob.
    async fn card_thumb(&self, ctx: &Ctx, acct: &Account, url: &str) -> Option<serde_json::Value> {
        let parsed = url::Url::parse(url).ok()?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return None;
        }
        let r = ctx
            .http
            .send(
                Platform::Bluesky,
                ctx.http.get(url).timeout(std::time::Duration::from_secs(5)),
            )
            .await
            .ok()?;
        let mime = r
            .header("content-type")?
            .split(';')
            .next()?
            .trim()
            .to_string();
        if !r.is_success() || !mime.starts_with("image/") || r.body.len() > crate::card::MAX_IMAGE {
            return None;
        }
        let file = crate::MediaFile {
            kind: MediaKind::Image,
            mime,
            bytes: std::sync::Arc::new(r.body),
            alt: String::new(),
            width: 0,
            height: 0,
            duration_secs: None,
            public_url: None,
        };
        self.upload_blob(ctx, acct, &file).await.ok()
    }

    fn published(&self, acct: &Account, uri: &str) -> Published {
        let rkey = uri.rsplit('/').next().unwrap_or("");
        let handle = acct.handle.trim_start_matches('@');
        Published {
            remote_id: uri.to_string(),
            permalink: Some(format!("https://bsky.app/profile/{handle}/post/{rkey}")),
            at: None,
        }
    }
}

/// How many pages of notifications one poll reads at most (100 each).
const POLL_PAGES: usize = 5;

impl Bluesky {
    /// Replies and mentions since `cursor` (the newest `indexedAt` seen), read
    /// newest first page by page until an older item, then given oldest first.
    /// Items at the cursor's very moment are read again: filing ignores a
    /// message it already has, so nothing is missed and nothing doubled.
    async fn notifications(
        &self,
        ctx: &Ctx,
        acct: &Account,
        cursor: Option<&str>,
    ) -> Result<Polled, ConnectorError> {
        let me = did(acct).to_string();
        let mut items = Vec::new();
        let mut newest: Option<String> = None;
        let mut page: Option<String> = None;
        'pages: for _ in 0..POLL_PAGES {
            let mut q = vec![
                ("limit", "100".to_string()),
                ("reasons", "reply".to_string()),
                ("reasons", "mention".to_string()),
                ("reasons", "quote".to_string()),
            ];
            if let Some(c) = &page {
                q.push(("cursor", c.clone()));
            }
            let rb = ctx
                .http
                .get(&format!(
                    "{}/xrpc/app.bsky.notification.listNotifications",
                    pds(acct)
                ))
                .bearer_auth(&acct.credentials.access_token)
                .query(&q);
            let r = ctx.http.send(Platform::Bluesky, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            let v = r.json();
            let list = v["notifications"].as_array().cloned().unwrap_or_default();
            for n in &list {
                let at = n["indexedAt"].as_str().unwrap_or("").to_string();
                if newest.as_deref().is_none_or(|x| at.as_str() > x) {
                    newest = Some(at.clone());
                }
                if cursor.is_some_and(|c| at.as_str() < c) {
                    break 'pages;
                }
                if let Some(item) = notification_item(&me, n) {
                    items.push(item);
                }
            }
            match v["cursor"].as_str() {
                Some(c) if !list.is_empty() => page = Some(c.to_string()),
                _ => break,
            }
        }
        items.reverse();
        Ok(Polled {
            items,
            cursor: newest.or_else(|| cursor.map(str::to_string)),
        })
    }

    /// A reply under the patron's post: its thread's root and the post itself
    /// are named by URI and CID, read from the patron's repository.
    async fn answer(
        &self,
        ctx: &Ctx,
        acct: &Account,
        to: &ReplyTo,
        text: &str,
    ) -> Result<Sent, ConnectorError> {
        let (repo, rkey) = split_uri(&to.remote_id)
            .ok_or_else(|| ConnectorError::invalid("not a Bluesky post address"))?;
        let rb = ctx
            .http
            .get(&format!("{}/xrpc/com.atproto.repo.getRecord", pds(acct)))
            .bearer_auth(&acct.credentials.access_token)
            .query(&[
                ("repo", repo),
                ("collection", "app.bsky.feed.post"),
                ("rkey", rkey),
            ]);
        let r = ctx.http.send(Platform::Bluesky, rb).await?;
        if !r.is_success() {
            return Err(classify(&r, ctx.now));
        }
        let v = r.json();
        let parent = serde_json::json!({"uri": v["uri"], "cid": v["cid"]});
        let root = match &v["value"]["reply"]["root"] {
            serde_json::Value::Null => parent.clone(),
            root => root.clone(),
        };
        let mut record = serde_json::json!({
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": ctx.now.rfc3339_millis(),
            "langs": ["id"],
            "reply": {"root": root, "parent": parent},
        });
        let facets = self.facets(ctx, acct, text).await;
        if !facets.is_empty() {
            record["facets"] = serde_json::Value::Array(facets);
        }
        let body = serde_json::json!({
            "repo": did(acct),
            "collection": "app.bsky.feed.post",
            "record": record,
        });
        let r = self
            .xrpc_post_json(ctx, acct, "com.atproto.repo.createRecord", &body)
            .await?;
        let uri = r.json()["uri"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("the server returned no record"))?;
        Ok(Sent {
            remote_id: uri,
            at: None,
        })
    }
}

/// `at://{did}/{collection}/{rkey}` → (did, rkey).
fn split_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("at://")?;
    let mut it = rest.split('/');
    let repo = it.next()?;
    let _collection = it.next()?;
    let rkey = it.next()?;
    Some((repo, rkey))
}

/// One notification as an inbox item: a reply joins the patron's thread
/// under the root post; a mention or quote is its own conversation.
fn notification_item(me: &str, n: &serde_json::Value) -> Option<InboundItem> {
    use siar_domain::inbox::{Author, ConvKind};
    let uri = n["uri"].as_str()?.to_string();
    let author_did = n["author"]["did"].as_str().unwrap_or("").to_string();
    let handle = n["author"]["handle"].as_str().unwrap_or("").to_string();
    let rec = &n["record"];
    let at = rec["createdAt"]
        .as_str()
        .or_else(|| n["indexedAt"].as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|d| Timestamp(d.timestamp_millis()))?;
    let root = rec["reply"]["root"]["uri"].as_str().map(str::to_string);
    // A reply (also one that mentions us) joins the patron's thread under
    // its root; a mention or quote outside a thread is its own conversation.
    let (kind, thread_key) = match (n["reason"].as_str()?, &root) {
        ("reply" | "mention", Some(root)) => (ConvKind::Comment, format!("{root}#{author_did}")),
        ("reply" | "mention" | "quote", _) => (ConvKind::Mention, uri.clone()),
        _ => return None,
    };
    let rkey = uri.rsplit('/').next().unwrap_or("");
    Some(InboundItem {
        kind,
        thread_key,
        remote_id: uri.clone(),
        parent_remote_id: rec["reply"]["parent"]["uri"].as_str().map(str::to_string),
        remote_post_id: root,
        permalink: Some(format!("https://bsky.app/profile/{handle}/post/{rkey}")),
        author: Author {
            remote_id: author_did.clone(),
            handle: handle.clone(),
            name: n["author"]["displayName"]
                .as_str()
                .filter(|s| !s.is_empty())
                .unwrap_or(&handle)
                .to_string(),
            profile_url: Some(format!("https://bsky.app/profile/{handle}")),
        },
        text: rec["text"].as_str().unwrap_or("").to_string(),
        at,
        from_us: author_did == me,
        removed: false,
    })
}

impl Connector for Bluesky {
    fn platform(&self) -> Platform {
        Platform::Bluesky
    }

    fn post_metrics<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<Vec<crate::PostReading>, ConnectorError>> {
        Box::pin(async move {
            let mut out = Vec::new();
            // getPosts takes at most 25 URIs a call.
            for chunk in ids.chunks(25) {
                let q: Vec<(&str, &str)> = chunk.iter().map(|u| ("uris", u.as_str())).collect();
                let rb = ctx
                    .http
                    .get(&format!("{}/xrpc/app.bsky.feed.getPosts", pds(acct)))
                    .bearer_auth(&acct.credentials.access_token)
                    .query(&q);
                let r = ctx.http.send(Platform::Bluesky, rb).await?;
                if !r.is_success() {
                    return Err(classify(&r, ctx.now));
                }
                let v = r.json();
                for p in v["posts"].as_array().cloned().unwrap_or_default() {
                    let n = |k: &str| p[k].as_i64();
                    let shares = crate::sum_known(n("repostCount"), n("quoteCount"));
                    out.push(crate::PostReading {
                        remote_id: p["uri"].as_str().unwrap_or("").to_string(),
                        metrics: siar_domain::analytics::PostMetrics {
                            likes: n("likeCount"),
                            comments: n("replyCount"),
                            shares,
                            saves: n("bookmarkCount"),
                            ..Default::default()
                        },
                        note: None,
                    });
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
                .get(&format!("{}/xrpc/app.bsky.actor.getProfile", pds(acct)))
                .bearer_auth(&acct.credentials.access_token)
                .query(&[("actor", did(acct))]);
            let r = ctx.http.send(Platform::Bluesky, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            Ok(crate::AccountStats {
                followers: r.json()["followersCount"].as_i64(),
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
        Box::pin(self.answer(ctx, acct, to, text))
    }

    fn publish<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<PublishOutcome, ConnectorError>> {
        Box::pin(self.do_publish(ctx, acct, req))
    }

    /// `getRecord` with the delivery's record key: certain either way.
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<Lookup, ConnectorError>> {
        Box::pin(async move {
            // Parts go out in order: the post is there when its last part is.
            let parts = richtext::thread_parts(req.text.trim());
            let last = part_key(req, parts.len().saturating_sub(1));
            match self.get_record(ctx, acct, &last).await? {
                Some(_) => {
                    let first = self
                        .get_record(ctx, acct, &part_key(req, 0))
                        .await?
                        .map(|(uri, _)| uri)
                        .unwrap_or_default();
                    Ok(Lookup::Found(self.published(acct, &first)))
                }
                // Publishing again completes a thread cut short: parts already
                // there are found by their keys and reused.
                None => Ok(Lookup::Absent),
            }
        })
    }

    /// `refreshSession` with the refresh JWT.
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
            let rb = ctx
                .http
                .post(&format!(
                    "{}/xrpc/com.atproto.server.refreshSession",
                    pds(acct)
                ))
                .bearer_auth(rt);
            let r = ctx.http.send(Platform::Bluesky, rb).await?;
            if !r.is_success() {
                return Err(classify(&r, ctx.now));
            }
            Ok(Some(session_credentials(&r.json())?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_key_is_a_stable_tid() {
        let t = Timestamp(1_795_827_600_000);
        let k = record_key("siarabc", t);
        assert_eq!(k.len(), 13);
        assert_eq!(k, record_key("siarabc", t));
        assert_ne!(k, record_key("siarabd", t));
        assert!(k.bytes().all(|b| S32.contains(&b)));
        // The first character encodes the top bits, which are 0 in a TID.
        assert!(b"234567abcdefghij".contains(&k.as_bytes()[0]));
        // Later deliveries sort after earlier ones.
        assert!(record_key("x", Timestamp(t.0 + 1000)) > record_key("y", t));
    }

    #[test]
    fn reads_jwt_expiry() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"scope":"com.atproto.access","exp":1800000000}"#);
        let jwt = format!("eyJhbGciOiJIUzI1NiJ9.{payload}.sig");
        assert_eq!(jwt_expiry(&jwt), Some(Timestamp(1_800_000_000_000)));
        assert_eq!(jwt_expiry("not-a-jwt"), None);
    }
}
