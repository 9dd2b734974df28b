//! Meta: Facebook Pages and Instagram professional accounts (Facebook Login
//! flavour, `graph.facebook.com`). Facebook Login gives a user token, made
//! long-lived; each Page has its own Page token (no expiry) and may have a
//! linked Instagram account, which publishes with the same Page token.

use crate::http::{self, Response};
use crate::{
    Account, BoxFut, Connector, ConnectorError, Credentials, Ctx, Lookup, Moderation, PlatformApp,
    PublishOutcome, PublishRequest, Published, RateState, ReplyTo, Sent,
};
use siar_domain::Timestamp;
use siar_domain::channels::Platform;
use siar_domain::publishing::MediaKind;
use siar_domain::richtext::{self, TokenKind};
use std::time::Duration;

pub const SCOPES: &str = "pages_show_list,pages_read_engagement,pages_manage_posts,instagram_basic,instagram_content_publish,business_management";

/// Maps a Graph API error (`{"error":{"code","error_subcode","message",…}}`).
pub fn classify(_platform: Platform, r: &Response, now: Timestamp) -> ConnectorError {
    let v = r.json();
    let e = &v["error"];
    let code = e["code"].as_i64().unwrap_or(0);
    let sub = e["error_subcode"].as_i64().unwrap_or(0);
    let msg = e["error_user_msg"]
        .as_str()
        .or_else(|| e["message"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {}: {}", r.status.as_u16(), r.text()));
    let detail = format!(
        "({code}{}) {msg}",
        if sub > 0 {
            format!("/{sub}")
        } else {
            String::new()
        }
    );
    let regain = http::meta_usage(&r.headers).map(|(_, m)| m).unwrap_or(0);
    let later = |min_minutes: u64| now.plus(Duration::from_secs(60 * regain.max(min_minutes)));
    match code {
        190 | 102 => ConnectorError::Auth { detail },
        4 | 17 | 32 | 613 | 80001 | 80002 | 341 => ConnectorError::RateLimited {
            retry_at: later(15),
            detail,
        },
        9 if sub == 2_207_042 => ConnectorError::RateLimited {
            retry_at: later(60),
            detail,
        },
        9007 | 9 if sub == 2_207_027 => ConnectorError::MediaNotReady {
            retry_at: now.plus(Duration::from_secs(60)),
            detail,
        },
        506 => ConnectorError::Duplicate { detail },
        1 | 2 => ConnectorError::Transient { detail, sent: true },
        10 | 200..=299 => ConnectorError::Invalid {
            key: "perr-permission",
            detail,
        },
        36000 => ConnectorError::Invalid {
            key: "perr-media-too-big",
            detail,
        },
        _ if e["is_transient"] == true || r.status.is_server_error() => {
            ConnectorError::Transient { detail, sent: true }
        }
        _ => ConnectorError::invalid(detail),
    }
}

/// Usage from `X-Business-Use-Case-Usage`: at 90 % or more, hold further calls
/// until Meta says access returns.
fn usage_state(r: &Response, now: Timestamp) -> Option<RateState> {
    let (pct, regain) = http::meta_usage(&r.headers)?;
    Some(RateState {
        limit: 100,
        remaining: 100u64.saturating_sub(pct),
        reset_at: now.plus(Duration::from_secs(60 * regain.max(5))),
    })
}

#[derive(Debug, Clone)]
pub struct Meta {
    pub app: PlatformApp,
    /// Where video bytes go (`graph-video.facebook.com`); tests use the fake.
    pub video_base: String,
    pub container_poll: Duration,
    pub container_polls: u32,
}

impl Meta {
    pub fn new(app: PlatformApp, video_base: String) -> Self {
        Self {
            app,
            video_base,
            container_poll: Duration::from_secs(10),
            container_polls: 30,
        }
    }

    fn api(&self) -> &str {
        self.app.api_base.trim_end_matches('/')
    }

    async fn call(
        &self,
        ctx: &Ctx,
        platform: Platform,
        rb: reqwest::RequestBuilder,
    ) -> Result<Response, ConnectorError> {
        let r = ctx.http.send(platform, rb).await?;
        if r.is_success() {
            Ok(r)
        } else {
            Err(classify(platform, &r, ctx.now))
        }
    }

    async fn facebook(
        &self,
        ctx: &Ctx,
        acct: &Account,
        req: &PublishRequest,
    ) -> Result<PublishOutcome, ConnectorError> {
        let token = acct.credentials.access_token.as_str();
        let page = acct.remote_id.as_str();
        let api = self.api();
        let text = req.text.trim();
        let images: Vec<_> = req
            .media
            .iter()
            .filter(|m| m.kind == MediaKind::Image)
            .collect();
        let video = req.media.iter().find(|m| m.kind == MediaKind::Video);
        let r = if let Some(v) = video {
            let part = reqwest::multipart::Part::bytes(v.bytes.as_ref().clone())
                .file_name("video.mp4")
                .mime_str(&v.mime)
                .map_err(|e| ConnectorError::invalid(e.to_string()))?;
            let form = reqwest::multipart::Form::new()
                .part("source", part)
                .text("description", text.to_string())
                .text("title", req.title.clone().unwrap_or_default())
                .text("access_token", token.to_string());
            let url = format!("{}/{page}/videos", self.video_base.trim_end_matches('/'));
            self.call(ctx, Platform::Facebook, ctx.http.post(&url).multipart(form))
                .await?
        } else if images.len() == 1 {
            let m = images[0];
            let part = reqwest::multipart::Part::bytes(m.bytes.as_ref().clone())
                .file_name("photo")
                .mime_str(&m.mime)
                .map_err(|e| ConnectorError::invalid(e.to_string()))?;
            let form = reqwest::multipart::Form::new()
                .part("source", part)
                .text("message", text.to_string())
                .text("alt_text_custom", m.alt.clone())
                .text("access_token", token.to_string());
            self.call(
                ctx,
                Platform::Facebook,
                ctx.http
                    .post(&format!("{api}/{page}/photos"))
                    .multipart(form),
            )
            .await?
        } else {
            let mut form: Vec<(String, String)> = vec![
                ("message".into(), text.to_string()),
                ("access_token".into(), token.to_string()),
            ];
            if images.is_empty()
                && let Some(link) = richtext::scan(text).into_iter().find_map(|t| match t.kind {
                    TokenKind::Link { uri, .. } => Some(uri),
                    _ => None,
                })
            {
                form.push(("link".into(), link));
            }
            for (i, m) in images.iter().enumerate() {
                let part = reqwest::multipart::Part::bytes(m.bytes.as_ref().clone())
                    .file_name("photo")
                    .mime_str(&m.mime)
                    .map_err(|e| ConnectorError::invalid(e.to_string()))?;
                let up = reqwest::multipart::Form::new()
                    .part("source", part)
                    .text("published", "false")
                    .text("alt_text_custom", m.alt.clone())
                    .text("access_token", token.to_string());
                let r = self
                    .call(
                        ctx,
                        Platform::Facebook,
                        ctx.http.post(&format!("{api}/{page}/photos")).multipart(up),
                    )
                    .await?;
                let id = r.json()["id"].as_str().unwrap_or("").to_string();
                form.push((
                    format!("attached_media[{i}]"),
                    serde_json::json!({ "media_fbid": id }).to_string(),
                ));
            }
            self.call(
                ctx,
                Platform::Facebook,
                ctx.http.post(&format!("{api}/{page}/feed")).form(&form),
            )
            .await?
        };
        let v = r.json();
        let id = v["post_id"]
            .as_str()
            .or_else(|| v["id"].as_str())
            .ok_or_else(|| ConnectorError::invalid("Facebook returned no post id"))?
            .to_string();
        Ok(PublishOutcome {
            published: Published {
                permalink: Some(format!("https://www.facebook.com/{id}")),
                at: None,
                remote_id: id,
            },
            rate: usage_state(&r, ctx.now),
        })
    }

    async fn container(
        &self,
        ctx: &Ctx,
        ig: &str,
        token: &str,
        params: Vec<(&str, String)>,
    ) -> Result<String, ConnectorError> {
        let mut form: Vec<(&str, String)> = params;
        form.push(("access_token", token.to_string()));
        let r = self
            .call(
                ctx,
                Platform::Instagram,
                ctx.http
                    .post(&format!("{}/{ig}/media", self.api()))
                    .form(&form),
            )
            .await?;
        r.json()["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("Instagram returned no container id"))
    }

    /// Polls a container until `FINISHED`.
    async fn wait_finished(&self, ctx: &Ctx, id: &str, token: &str) -> Result<(), ConnectorError> {
        for i in 0..self.container_polls {
            let r = self
                .call(
                    ctx,
                    Platform::Instagram,
                    ctx.http
                        .get(&format!("{}/{id}", self.api()))
                        .query(&[("fields", "status_code,status"), ("access_token", token)]),
                )
                .await?;
            let v = r.json();
            match v["status_code"].as_str().unwrap_or("") {
                "FINISHED" | "PUBLISHED" => return Ok(()),
                "ERROR" | "EXPIRED" => {
                    return Err(ConnectorError::Invalid {
                        key: "perr-media-rejected",
                        detail: v["status"]
                            .as_str()
                            .unwrap_or("container failed")
                            .to_string(),
                    });
                }
                _ => {}
            }
            if i + 1 < self.container_polls {
                tokio::time::sleep(self.container_poll).await;
            }
        }
        Err(ConnectorError::MediaNotReady {
            retry_at: ctx.now.plus(Duration::from_secs(120)),
            detail: format!("container {id} is still IN_PROGRESS"),
        })
    }

    async fn instagram(
        &self,
        ctx: &Ctx,
        acct: &Account,
        req: &PublishRequest,
    ) -> Result<PublishOutcome, ConnectorError> {
        let token = acct.credentials.access_token.as_str();
        let ig = acct.remote_id.as_str();
        let api = self.api();
        // Read the publishing quota first: a full quota waits, it does not fail.
        let q = self
            .call(
                ctx,
                Platform::Instagram,
                ctx.http
                    .get(&format!("{api}/{ig}/content_publishing_limit"))
                    .query(&[("fields", "quota_usage,config"), ("access_token", token)]),
            )
            .await?;
        let qv = &q.json()["data"][0];
        let used = qv["quota_usage"].as_u64().unwrap_or(0);
        let total = qv["config"]["quota_total"].as_u64().unwrap_or(u64::MAX);
        if used >= total {
            return Err(ConnectorError::RateLimited {
                retry_at: ctx.now.plus(Duration::from_secs(3600)),
                detail: format!("Instagram publishing quota used: {used} of {total} in 24 hours"),
            });
        }
        let caption = req.text.trim().to_string();
        let url_of = |m: &crate::MediaFile| {
            m.public_url
                .clone()
                .ok_or_else(|| ConnectorError::invalid("no public URL for the media"))
        };
        let creation = if req.media.len() > 1 {
            let mut children = Vec::new();
            for m in &req.media {
                let mut p = vec![("is_carousel_item", "true".to_string())];
                if m.kind == MediaKind::Video {
                    p.push(("media_type", "VIDEO".into()));
                    p.push(("video_url", url_of(m)?));
                } else {
                    p.push(("image_url", url_of(m)?));
                    p.push(("alt_text", m.alt.clone()));
                }
                let id = self.container(ctx, ig, token, p).await?;
                self.wait_finished(ctx, &id, token).await?;
                children.push(id);
            }
            self.container(
                ctx,
                ig,
                token,
                vec![
                    ("media_type", "CAROUSEL".into()),
                    ("children", children.join(",")),
                    ("caption", caption),
                ],
            )
            .await?
        } else {
            let m = req
                .media
                .first()
                .ok_or_else(|| ConnectorError::invalid("Instagram needs an image or a video"))?;
            let p = if m.kind == MediaKind::Video {
                vec![
                    ("media_type", "REELS".to_string()),
                    ("video_url", url_of(m)?),
                    ("caption", caption),
                    ("share_to_feed", "true".into()),
                ]
            } else {
                vec![
                    ("image_url", url_of(m)?),
                    ("caption", caption),
                    ("alt_text", m.alt.clone()),
                ]
            };
            self.container(ctx, ig, token, p).await?
        };
        self.wait_finished(ctx, &creation, token).await?;
        let r = self
            .call(
                ctx,
                Platform::Instagram,
                ctx.http
                    .post(&format!("{api}/{ig}/media_publish"))
                    .form(&[("creation_id", creation.as_str()), ("access_token", token)]),
            )
            .await?;
        let id = r.json()["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("Instagram returned no media id"))?;
        let link = self
            .call(
                ctx,
                Platform::Instagram,
                ctx.http
                    .get(&format!("{api}/{id}"))
                    .query(&[("fields", "permalink"), ("access_token", token)]),
            )
            .await
            .ok()
            .and_then(|r| r.json()["permalink"].as_str().map(str::to_string));
        Ok(PublishOutcome {
            published: Published {
                remote_id: id,
                permalink: link,
                at: None,
            },
            rate: usage_state(&r, ctx.now),
        })
    }

    /// Comments on one of the account's posts: Facebook takes the message in
    /// the form, Instagram in the query.
    async fn comment_on(
        &self,
        ctx: &Ctx,
        platform: Platform,
        acct: &Account,
        post: &str,
        text: &str,
    ) -> Result<String, ConnectorError> {
        let token = acct.credentials.access_token.as_str();
        let url = format!("{}/{post}/comments", self.api());
        let rb = if platform == Platform::Instagram {
            ctx.http
                .post(&url)
                .query(&[("message", text), ("access_token", token)])
        } else {
            ctx.http
                .post(&url)
                .form(&[("message", text), ("access_token", token)])
        };
        let r = self.call(ctx, platform, rb).await?;
        r.json()["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("the platform returned no comment id"))
    }

    /// Answers in an inbox conversation: a comment's thread (Facebook: a
    /// comment on the comment; Instagram: `/replies`), a mention (Instagram:
    /// `/{ig-user}/mentions`), or a direct message (`/{account}/messages`,
    /// within the platform's 24-hour window).
    async fn inbox_reply(
        &self,
        ctx: &Ctx,
        platform: Platform,
        acct: &Account,
        to: &ReplyTo,
        text: &str,
    ) -> Result<Sent, ConnectorError> {
        use siar_domain::inbox::ConvKind;
        let token = acct.credentials.access_token.as_str();
        let api = self.api();
        let (rb, id_field) = match to.kind {
            ConvKind::Message => {
                let partner = to.thread_key.strip_prefix("dm:").unwrap_or(&to.thread_key);
                let recipient = serde_json::json!({ "id": partner }).to_string();
                let message = serde_json::json!({ "text": text }).to_string();
                (
                    ctx.http
                        .post(&format!("{api}/{}/messages", acct.remote_id))
                        .form(&[
                            ("recipient", recipient.as_str()),
                            ("messaging_type", "RESPONSE"),
                            ("message", message.as_str()),
                            ("access_token", token),
                        ]),
                    "message_id",
                )
            }
            ConvKind::Mention if platform == Platform::Instagram => {
                let media = to.remote_post_id.as_deref().unwrap_or(&to.remote_id);
                let mut q = vec![
                    ("media_id", media),
                    ("message", text),
                    ("access_token", token),
                ];
                if to.remote_id != media {
                    q.push(("comment_id", to.remote_id.as_str()));
                }
                (
                    ctx.http
                        .post(&format!("{api}/{}/mentions", acct.remote_id))
                        .query(&q),
                    "id",
                )
            }
            _ if platform == Platform::Instagram => (
                ctx.http
                    .post(&format!("{api}/{}/replies", to.thread_key))
                    .query(&[("message", text), ("access_token", token)]),
                "id",
            ),
            // Facebook threads are one level deep: answer the top-level
            // comment; a mention is answered under the mentioning post.
            ConvKind::Comment => (
                ctx.http
                    .post(&format!("{api}/{}/comments", to.thread_key))
                    .form(&[("message", text), ("access_token", token)]),
                "id",
            ),
            _ => (
                ctx.http
                    .post(&format!("{api}/{}/comments", to.remote_id))
                    .form(&[("message", text), ("access_token", token)]),
                "id",
            ),
        };
        let r = self.call(ctx, platform, rb).await?;
        let id = r.json()[id_field]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::invalid("the platform returned no message id"))?;
        Ok(Sent {
            remote_id: id,
            at: None,
        })
    }

    /// Hides (or shows) or deletes a comment.
    async fn inbox_moderate(
        &self,
        ctx: &Ctx,
        platform: Platform,
        acct: &Account,
        to: &ReplyTo,
        action: Moderation,
    ) -> Result<(), ConnectorError> {
        let token = acct.credentials.access_token.as_str();
        let url = format!("{}/{}", self.api(), to.remote_id);
        let rb = match action {
            Moderation::Hide(h) => {
                let field = if platform == Platform::Instagram {
                    "hide"
                } else {
                    "is_hidden"
                };
                let v = if h { "true" } else { "false" };
                ctx.http
                    .post(&url)
                    .form(&[(field, v), ("access_token", token)])
            }
            Moderation::Delete => ctx
                .http
                .request(reqwest::Method::DELETE, &url)
                .query(&[("access_token", token)]),
            Moderation::Like(_) => return Err(crate::unsupported()),
        };
        self.call(ctx, platform, rb).await?;
        Ok(())
    }

    /// The account's comment with this text on the post, if there is one.
    async fn comment_look(
        &self,
        ctx: &Ctx,
        platform: Platform,
        acct: &Account,
        post: &str,
        text: &str,
    ) -> Result<Option<String>, ConnectorError> {
        let token = acct.credentials.access_token.as_str();
        let (fields, field) = if platform == Platform::Instagram {
            ("id,text,username,timestamp", "text")
        } else {
            ("id,message,from,created_time", "message")
        };
        let mut q = vec![
            ("fields", fields),
            ("limit", "100"),
            ("access_token", token),
        ];
        if platform == Platform::Facebook {
            q.push(("filter", "toplevel"));
        }
        let r = self
            .call(
                ctx,
                platform,
                ctx.http
                    .get(&format!("{}/{post}/comments", self.api()))
                    .query(&q),
            )
            .await?;
        let want = richtext::comparable(text);
        Ok(r.json()["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| richtext::comparable(c[field].as_str().unwrap_or("")) == want)
            .and_then(|c| c["id"].as_str().map(str::to_string)))
    }

    /// Looks through the account's recent posts for the same text.
    async fn look(
        &self,
        ctx: &Ctx,
        platform: Platform,
        acct: &Account,
        req: &PublishRequest,
    ) -> Result<Lookup, ConnectorError> {
        let token = acct.credentials.access_token.as_str();
        let (path, field, fields) = match platform {
            Platform::Instagram => ("media", "caption", "id,caption,timestamp,permalink"),
            _ => ("feed", "message", "id,message,created_time,permalink_url"),
        };
        let since = req.attempt_started_at.minus(Duration::from_secs(120)).0 / 1000;
        let r = self
            .call(
                ctx,
                platform,
                ctx.http
                    .get(&format!("{}/{}/{path}", self.api(), acct.remote_id))
                    .query(&[
                        ("fields", fields),
                        ("since", &since.to_string()),
                        ("limit", "50"),
                        ("access_token", token),
                    ]),
            )
            .await?;
        let v = r.json();
        let want = richtext::comparable(&req.text);
        for p in v["data"].as_array().into_iter().flatten() {
            if richtext::comparable(p[field].as_str().unwrap_or("")) == want {
                let id = p["id"].as_str().unwrap_or("").to_string();
                let link = p["permalink"]
                    .as_str()
                    .or_else(|| p["permalink_url"].as_str())
                    .map(str::to_string);
                return Ok(Lookup::Found(Published {
                    remote_id: id,
                    permalink: link,
                    at: None,
                }));
            }
        }
        if v["paging"]["next"].is_string() {
            Ok(Lookup::Unknown(
                "too many posts since the attempt to be sure".into(),
            ))
        } else {
            Ok(Lookup::Absent)
        }
    }
}

// ---------------------------------------------------------------- insights

/// `{"data":[{"name":…,"values":[{"value":…}]}]}` → name → last value (or a
/// `total_value` where the API gives one).
fn insight_values(v: &serde_json::Value) -> std::collections::HashMap<String, i64> {
    let mut out = std::collections::HashMap::new();
    for d in v["data"].as_array().cloned().unwrap_or_default() {
        let name = d["name"].as_str().unwrap_or("").to_string();
        let val = d["values"]
            .as_array()
            .and_then(|vals| vals.last())
            .and_then(|x| x["value"].as_i64())
            .or_else(|| d["total_value"]["value"].as_i64());
        if let Some(val) = val {
            out.insert(name, val);
        }
    }
    out
}

impl Meta {
    async fn get_json(
        &self,
        ctx: &Ctx,
        platform: Platform,
        path: &str,
        acct: &Account,
        q: &[(&str, String)],
    ) -> Result<serde_json::Value, ConnectorError> {
        let rb = ctx
            .http
            .get(&format!("{}/{}", self.api(), path.trim_start_matches('/')))
            .query(q)
            .query(&[("access_token", acct.credentials.access_token.as_str())]);
        Ok(self.call(ctx, platform, rb).await?.json())
    }

    /// Facebook: views, reach and clicks from the post's insights (views
    /// replaced impressions in Nov 2025); reactions, comments and shares from
    /// the post's fields.
    async fn fb_metrics(
        &self,
        ctx: &Ctx,
        acct: &Account,
        ids: &[String],
    ) -> Result<Vec<crate::PostReading>, ConnectorError> {
        let mut out = Vec::new();
        for id in ids {
            let mut m = siar_domain::analytics::PostMetrics::default();
            let mut note = None;
            match self
                .get_json(
                    ctx,
                    Platform::Facebook,
                    &format!("{id}/insights"),
                    acct,
                    &[(
                        "metric",
                        "post_media_view,post_total_media_view_unique,post_clicks".into(),
                    )],
                )
                .await
            {
                Ok(v) => {
                    let vals = insight_values(&v);
                    m.views = vals.get("post_media_view").copied();
                    m.reach = vals.get("post_total_media_view_unique").copied();
                    m.clicks = vals.get("post_clicks").copied();
                }
                // Insights refused for this post (a Page under 100 likes,
                // a metric retired): the counts below still come.
                Err(ConnectorError::Invalid { detail, .. }) => note = Some(detail),
                Err(e) => return Err(e),
            }
            match self
                .get_json(
                    ctx,
                    Platform::Facebook,
                    id,
                    acct,
                    &[(
                        "fields",
                        "shares,reactions.summary(total_count),comments.summary(total_count)"
                            .into(),
                    )],
                )
                .await
            {
                Ok(v) => {
                    m.likes = v["reactions"]["summary"]["total_count"].as_i64();
                    m.comments = v["comments"]["summary"]["total_count"].as_i64();
                    // No "shares" field: nobody shared it yet.
                    m.shares = Some(v["shares"]["count"].as_i64().unwrap_or(0));
                }
                Err(ConnectorError::Invalid { detail, .. }) => note = Some(detail),
                Err(e) => return Err(e),
            }
            out.push(crate::PostReading {
                remote_id: id.clone(),
                metrics: m,
                note,
            });
        }
        Ok(out)
    }

    /// Instagram: one insights call per media. Missing data is an empty set,
    /// not zeros; "(#10) Not enough viewers" is kept as the note.
    async fn ig_metrics(
        &self,
        ctx: &Ctx,
        acct: &Account,
        ids: &[String],
    ) -> Result<Vec<crate::PostReading>, ConnectorError> {
        let mut out = Vec::new();
        for id in ids {
            let r = self
                .get_json(
                    ctx,
                    Platform::Instagram,
                    &format!("{id}/insights"),
                    acct,
                    &[("metric", "views,reach,likes,comments,shares,saved".into())],
                )
                .await;
            let (metrics, note) = match r {
                Ok(v) => {
                    let vals = insight_values(&v);
                    let g = |k: &str| vals.get(k).copied();
                    (
                        siar_domain::analytics::PostMetrics {
                            views: g("views"),
                            reach: g("reach"),
                            likes: g("likes"),
                            comments: g("comments"),
                            shares: g("shares"),
                            saves: g("saved"),
                            clicks: None,
                        },
                        None,
                    )
                }
                Err(ConnectorError::Invalid { detail, .. }) => (Default::default(), Some(detail)),
                Err(e) => return Err(e),
            };
            out.push(crate::PostReading {
                remote_id: id.clone(),
                metrics,
                note,
            });
        }
        Ok(out)
    }

    async fn fb_stats(
        &self,
        ctx: &Ctx,
        acct: &Account,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<crate::AccountStats, ConnectorError> {
        let v = self
            .get_json(
                ctx,
                Platform::Facebook,
                &format!("{}/insights", acct.remote_id),
                acct,
                &[
                    (
                        "metric",
                        "page_follows,page_media_view,page_total_media_view_unique".into(),
                    ),
                    ("period", "day".into()),
                    ("since", (from.0 / 1000).to_string()),
                    ("until", (to.0 / 1000).to_string()),
                ],
            )
            .await?;
        let vals = insight_values(&v);
        Ok(crate::AccountStats {
            followers: vals.get("page_follows").copied(),
            views: vals.get("page_media_view").copied(),
            reach: vals.get("page_total_media_view_unique").copied(),
        })
    }

    async fn ig_stats(
        &self,
        ctx: &Ctx,
        acct: &Account,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<crate::AccountStats, ConnectorError> {
        let who = self
            .get_json(
                ctx,
                Platform::Instagram,
                &acct.remote_id,
                acct,
                &[("fields", "followers_count".into())],
            )
            .await?;
        let v = self
            .get_json(
                ctx,
                Platform::Instagram,
                &format!("{}/insights", acct.remote_id),
                acct,
                &[
                    ("metric", "views,reach".into()),
                    ("metric_type", "total_value".into()),
                    ("period", "day".into()),
                    ("since", (from.0 / 1000).to_string()),
                    ("until", (to.0 / 1000).to_string()),
                ],
            )
            .await?;
        let vals = insight_values(&v);
        Ok(crate::AccountStats {
            followers: who["followers_count"].as_i64(),
            views: vals.get("views").copied(),
            reach: vals.get("reach").copied(),
        })
    }

    /// Followers by age, gender and city (one breakdown per call; an account
    /// under 100 followers is refused, and the refusal is passed on).
    async fn ig_audience(
        &self,
        ctx: &Ctx,
        acct: &Account,
    ) -> Result<Option<crate::Audience>, ConnectorError> {
        let mut a = crate::Audience::default();
        for breakdown in ["age", "gender", "city"] {
            let v = self
                .get_json(
                    ctx,
                    Platform::Instagram,
                    &format!("{}/insights", acct.remote_id),
                    acct,
                    &[
                        ("metric", "follower_demographics".into()),
                        ("period", "lifetime".into()),
                        ("metric_type", "total_value".into()),
                        ("timeframe", "this_month".into()),
                        ("breakdown", breakdown.into()),
                    ],
                )
                .await?;
            let results = v["data"][0]["total_value"]["breakdowns"][0]["results"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for r in results {
                let label = r["dimension_values"][0].as_str().unwrap_or("");
                let Some(value) = r["value"].as_f64() else {
                    continue;
                };
                match breakdown {
                    "age" => {
                        if let Some(b) = siar_domain::analytics::normalise_age(label) {
                            a.age.push((b.to_string(), value));
                        }
                    }
                    "gender" => a.gender.push((
                        siar_domain::analytics::normalise_gender(label).to_string(),
                        value,
                    )),
                    _ => a.city.push((label.to_string(), value)),
                }
            }
        }
        Ok(Some(a))
    }
}

/// Facebook Page connector.
#[derive(Debug, Clone)]
pub struct FacebookPage(pub Meta);

/// Instagram professional account connector.
#[derive(Debug, Clone)]
pub struct Instagram(pub Meta);

impl Connector for FacebookPage {
    fn platform(&self) -> Platform {
        Platform::Facebook
    }
    fn post_metrics<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<Vec<crate::PostReading>, ConnectorError>> {
        Box::pin(self.0.fb_metrics(ctx, acct, ids))
    }
    fn account_stats<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        from: Timestamp,
        to: Timestamp,
    ) -> BoxFut<'a, Result<crate::AccountStats, ConnectorError>> {
        Box::pin(self.0.fb_stats(ctx, acct, from, to))
    }
    fn reply<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        text: &'a str,
    ) -> BoxFut<'a, Result<Sent, ConnectorError>> {
        Box::pin(self.0.inbox_reply(ctx, Platform::Facebook, acct, to, text))
    }
    fn moderate<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        action: Moderation,
    ) -> BoxFut<'a, Result<(), ConnectorError>> {
        Box::pin(
            self.0
                .inbox_moderate(ctx, Platform::Facebook, acct, to, action),
        )
    }
    fn comment<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        post: &'a str,
        text: &'a str,
    ) -> BoxFut<'a, Result<String, ConnectorError>> {
        Box::pin(self.0.comment_on(ctx, Platform::Facebook, acct, post, text))
    }
    fn find_comment<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        post: &'a str,
        text: &'a str,
    ) -> BoxFut<'a, Result<Option<String>, ConnectorError>> {
        Box::pin(
            self.0
                .comment_look(ctx, Platform::Facebook, acct, post, text),
        )
    }
    fn publish<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<PublishOutcome, ConnectorError>> {
        Box::pin(self.0.facebook(ctx, acct, req))
    }
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<Lookup, ConnectorError>> {
        Box::pin(self.0.look(ctx, Platform::Facebook, acct, req))
    }
    fn refresh<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
    ) -> BoxFut<'a, Result<Option<Credentials>, ConnectorError>> {
        // Page tokens from a long-lived user token do not expire.
        Box::pin(async { Ok(None) })
    }
}

impl Connector for Instagram {
    fn platform(&self) -> Platform {
        Platform::Instagram
    }
    fn post_metrics<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<Vec<crate::PostReading>, ConnectorError>> {
        Box::pin(self.0.ig_metrics(ctx, acct, ids))
    }
    fn account_stats<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        from: Timestamp,
        to: Timestamp,
    ) -> BoxFut<'a, Result<crate::AccountStats, ConnectorError>> {
        Box::pin(self.0.ig_stats(ctx, acct, from, to))
    }
    fn audience<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
    ) -> BoxFut<'a, Result<Option<crate::Audience>, ConnectorError>> {
        Box::pin(self.0.ig_audience(ctx, acct))
    }
    fn reply<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        text: &'a str,
    ) -> BoxFut<'a, Result<Sent, ConnectorError>> {
        Box::pin(self.0.inbox_reply(ctx, Platform::Instagram, acct, to, text))
    }
    fn moderate<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        to: &'a ReplyTo,
        action: Moderation,
    ) -> BoxFut<'a, Result<(), ConnectorError>> {
        Box::pin(
            self.0
                .inbox_moderate(ctx, Platform::Instagram, acct, to, action),
        )
    }
    fn comment<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        post: &'a str,
        text: &'a str,
    ) -> BoxFut<'a, Result<String, ConnectorError>> {
        Box::pin(
            self.0
                .comment_on(ctx, Platform::Instagram, acct, post, text),
        )
    }
    fn find_comment<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        post: &'a str,
        text: &'a str,
    ) -> BoxFut<'a, Result<Option<String>, ConnectorError>> {
        Box::pin(
            self.0
                .comment_look(ctx, Platform::Instagram, acct, post, text),
        )
    }
    fn publish<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<PublishOutcome, ConnectorError>> {
        Box::pin(self.0.instagram(ctx, acct, req))
    }
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        acct: &'a Account,
        req: &'a PublishRequest,
    ) -> BoxFut<'a, Result<Lookup, ConnectorError>> {
        Box::pin(self.0.look(ctx, Platform::Instagram, acct, req))
    }
    fn refresh<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _acct: &'a Account,
    ) -> BoxFut<'a, Result<Option<Credentials>, ConnectorError>> {
        Box::pin(async { Ok(None) })
    }
}

/// Where to send the person to log in with Facebook.
pub fn authorize_url(app: &PlatformApp, state: &str) -> String {
    let Ok(mut u) = url::Url::parse(&app.auth_url) else {
        return String::new();
    };
    u.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", &app.redirect_url)
        .append_pair("state", state)
        .append_pair("scope", SCOPES)
        .append_pair("response_type", "code");
    u.to_string()
}

/// A Page the person manages, with its Page token and linked Instagram account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageAccess {
    pub id: String,
    pub name: String,
    pub token: String,
    pub can_post: bool,
    pub instagram: Option<(String, String)>,
}

/// Code → short-lived user token → long-lived user token → the Pages (with
/// Page tokens, which then do not expire) and their Instagram accounts.
pub async fn exchange_code(
    ctx: &Ctx,
    app: &PlatformApp,
    code: &str,
) -> Result<Vec<PageAccess>, ConnectorError> {
    let api = app.api_base.trim_end_matches('/');
    let call = |rb| async move {
        let r = ctx.http.send(Platform::Facebook, rb).await?;
        if r.is_success() {
            Ok(r.json())
        } else {
            Err(classify(Platform::Facebook, &r, ctx.now))
        }
    };
    let short = call(ctx.http.get(&app.token_url).query(&[
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("redirect_uri", app.redirect_url.as_str()),
        ("code", code),
    ]))
    .await?;
    let short = short["access_token"].as_str().unwrap_or("").to_string();
    let long = call(ctx.http.get(&app.token_url).query(&[
        ("grant_type", "fb_exchange_token"),
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("fb_exchange_token", short.as_str()),
    ]))
    .await?;
    let user_token = long["access_token"]
        .as_str()
        .ok_or_else(|| ConnectorError::invalid("Facebook returned no user token"))?
        .to_string();
    let pages = call(ctx.http.get(&format!("{api}/me/accounts")).query(&[
        (
            "fields",
            "id,name,access_token,tasks,instagram_business_account{id,username}",
        ),
        ("access_token", user_token.as_str()),
    ]))
    .await?;
    Ok(pages["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| PageAccess {
            id: p["id"].as_str().unwrap_or("").into(),
            name: p["name"].as_str().unwrap_or("").into(),
            token: p["access_token"].as_str().unwrap_or("").into(),
            can_post: p["tasks"]
                .as_array()
                .is_some_and(|t| t.iter().any(|x| x == "CREATE_CONTENT")),
            instagram: p["instagram_business_account"]["id"].as_str().map(|id| {
                (
                    id.to_string(),
                    p["instagram_business_account"]["username"]
                        .as_str()
                        .unwrap_or(id)
                        .to_string(),
                )
            }),
        })
        .filter(|p| !p.id.is_empty() && !p.token.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn resp(status: u16, body: serde_json::Value) -> Response {
        Response {
            status: http::StatusCode::from_u16(status).expect("status"),
            headers: HeaderMap::new(),
            body: body.to_string().into_bytes(),
        }
    }

    #[test]
    fn graph_error_codes_map_to_classes() {
        let now = Timestamp(1_800_000_000_000);
        let e = |code: i64, sub: i64| {
            classify(
                Platform::Instagram,
                &resp(
                    400,
                    serde_json::json!({"error": {"message": "m", "type": "OAuthException", "code": code, "error_subcode": sub, "fbtrace_id": "x"}}),
                ),
                now,
            )
        };
        assert!(matches!(e(190, 463), ConnectorError::Auth { .. }));
        assert!(matches!(e(32, 0), ConnectorError::RateLimited { .. }));
        assert!(matches!(
            e(9, 2_207_042),
            ConnectorError::RateLimited { .. }
        ));
        assert!(matches!(
            e(9007, 2_207_027),
            ConnectorError::MediaNotReady { .. }
        ));
        assert!(matches!(e(506, 0), ConnectorError::Duplicate { .. }));
        assert!(matches!(
            e(2, 0),
            ConnectorError::Transient { sent: true, .. }
        ));
        assert!(matches!(
            e(200, 0),
            ConnectorError::Invalid {
                key: "perr-permission",
                ..
            }
        ));
        assert!(matches!(
            e(100, 0),
            ConnectorError::Invalid {
                key: "perr-invalid",
                ..
            }
        ));
        // The BUC header's regain time decides when to come back.
        let mut r = resp(
            400,
            serde_json::json!({"error": {"code": 80001, "message": "m"}}),
        );
        r.headers.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(r#"{"1":[{"type":"pages","call_count":100,"total_cputime":5,"total_time":5,"estimated_time_to_regain_access":42}]}"#),
        );
        match classify(Platform::Facebook, &r, now) {
            ConnectorError::RateLimited { retry_at, .. } => {
                assert_eq!(retry_at, Timestamp(now.0 + 42 * 60_000))
            }
            other => panic!("{other:?}"),
        }
    }
}
