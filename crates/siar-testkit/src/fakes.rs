//! Fake platform servers on 127.0.0.1 that reproduce the documented requests,
//! responses, error bodies and rate-limit headers of `../shared/platform-apis.md`,
//! and record what they received.
//!
//! Each fake keeps its posts, honours the platform's own idempotency rule
//! (Mastodon's `Idempotency-Key`, Bluesky's record key, X's duplicate-content
//! refusal), and can be told to fail the next matching call, to hang after
//! storing a post (a timeout after the request arrived), or to revoke tokens.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub auth: Option<String>,
    pub idempotency_key: Option<String>,
    pub body: Value,
}

/// A post the fake holds.
#[derive(Debug, Clone, PartialEq)]
pub struct FakePost {
    pub id: String,
    pub text: String,
    /// Idempotency key (Mastodon) or record key (Bluesky).
    pub key: Option<String>,
    pub media: Vec<String>,
    pub record: Value,
    /// The access token that created it ("" where the fake does not track it).
    pub author: String,
    /// When the fake created it (Unix milliseconds).
    pub created: i64,
}

/// What the fake does with the next request whose path contains `path`.
#[derive(Debug, Clone)]
pub enum Trick {
    /// Answer with this status, JSON body and headers instead.
    Fail {
        status: u16,
        body: Value,
        headers: Vec<(&'static str, String)>,
    },
    /// Do the work (store the post), then wait this long before answering.
    Hang(Duration),
}

/// A resumable upload: expected size, bytes so far, metadata.
type Upload = (usize, Vec<u8>, Value);

#[derive(Default)]
pub struct FakeState {
    pub seen: Mutex<Vec<Seen>>,
    /// Meta: comments as (post or media id, comment id, message).
    pub comments: Mutex<Vec<(String, String, String)>>,
    /// Ids of things patrons wrote that the fake accepts replies to (comments
    /// delivered by a test's webhook, conversation partners).
    pub known: Mutex<std::collections::HashSet<String>>,
    /// Bluesky: notifications, oldest first.
    pub notifications: Mutex<Vec<Value>>,
    /// Meta: direct messages sent, as (account, recipient, text).
    pub messages: Mutex<Vec<(String, String, String)>>,
    pub posts: Mutex<Vec<FakePost>>,
    /// Path fragment, matching calls to let through first, trick.
    tricks: Mutex<VecDeque<(String, u32, Trick)>>,
    /// Access tokens the fake accepts.
    pub tokens: Mutex<std::collections::HashSet<String>>,
    /// Refresh tokens the fake accepts.
    pub refresh_tokens: Mutex<Vec<String>>,
    /// X: answer refreshes without a refresh token (the Postiz bug's trigger).
    pub omit_refresh_token: Mutex<bool>,
    /// Remaining calls before the rate limit (None: unlimited); reset time.
    pub rate: Mutex<Option<(u64, u64, i64)>>,
    /// PKCE challenges by authorisation code.
    challenges: Mutex<HashMap<String, String>>,
    media_polls: Mutex<HashMap<String, u32>>,
    /// Added to each publishing call (benchmarks: 50 ms).
    pub latency: Mutex<Duration>,
    /// Accept identical texts (a platform without duplicate detection), so a
    /// double publish shows up as two posts.
    pub naive: Mutex<bool>,
    /// The clock the fake stamps posts with (tests share their manual clock;
    /// otherwise the system's).
    pub clock: Mutex<Option<std::sync::Arc<dyn siar_domain::Clock>>>,
    /// Per-account limit on publishing calls (per access token) and calls so far.
    pub per_account_limit: Mutex<Option<u64>>,
    per_account_used: Mutex<HashMap<String, u64>>,
    /// Resumable upload sessions: expected size, bytes so far, metadata.
    uploads: Mutex<HashMap<String, Upload>>,
    counter: Mutex<u64>,
    /// Numbers the fake reports, by post or account id (see `Fake::set_metrics`).
    pub metrics: Mutex<HashMap<String, Value>>,
}

impl FakeState {
    fn next(&self) -> u64 {
        let mut c = self.counter.lock().expect("lock");
        *c += 1;
        *c
    }

    fn record(&self, method: &str, path: &str, h: &HeaderMap, body: Value) {
        self.seen.lock().expect("lock").push(Seen {
            method: method.into(),
            path: path.into(),
            auth: h
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            idempotency_key: h
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body,
        });
    }

    fn take_trick(&self, path: &str) -> Option<Trick> {
        let mut t = self.tricks.lock().expect("lock");
        let i = t.iter().position(|(p, _, _)| path.contains(p.as_str()))?;
        if t[i].1 > 0 {
            t[i].1 -= 1;
            return None;
        }
        t.remove(i).map(|(_, _, trick)| trick)
    }

    /// Now, by the fake's clock (Unix milliseconds).
    pub fn now_ms(&self) -> i64 {
        match self.clock.lock().expect("lock").as_ref() {
            Some(c) => c.now().0,
            None => chrono::Utc::now().timestamp_millis(),
        }
    }

    fn authorised(&self, h: &HeaderMap) -> bool {
        let Some(a) = h.get("authorization").and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let tok = a.trim_start_matches("Bearer ").trim();
        self.tokens.lock().expect("lock").contains(tok)
    }

    /// Counts a call against the rate limit; `Err(reset)` when used up.
    fn spend(&self) -> Result<Option<(u64, u64, i64)>, i64> {
        let mut r = self.rate.lock().expect("lock");
        match r.as_mut() {
            None => Ok(None),
            Some((_, 0, reset)) => Err(*reset),
            Some((limit, remaining, reset)) => {
                *remaining -= 1;
                Ok(Some((*limit, *remaining, *reset)))
            }
        }
    }
}

/// A running fake.
#[derive(Clone)]
pub struct Fake {
    pub url: String,
    pub state: Arc<FakeState>,
}

impl Fake {
    async fn start(router: Router<Arc<FakeState>>, state: Arc<FakeState>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake");
        let addr = listener.local_addr().expect("addr");
        let app = router.with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}"),
            state,
        }
    }

    /// Bluesky: another account replies to `parent` (a post URI) or, without
    /// one, mentions the library; returns the new post's URI.
    pub fn bluesky_post_from(
        &self,
        did: &str,
        handle: &str,
        text: &str,
        parent: Option<&str>,
    ) -> String {
        let st = &self.state;
        let rkey = format!("3p{}", st.next());
        let uri = format!("at://{did}/app.bsky.feed.post/{rkey}");
        let now = st.now_ms();
        let at = chrono::DateTime::from_timestamp_millis(now)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut record = json!({"$type": "app.bsky.feed.post", "text": text, "createdAt": at});
        if let Some(p) = parent {
            let root = st
                .posts
                .lock()
                .expect("lock")
                .iter()
                .find(|x| x.id == p)
                .map(|x| x.record["reply"]["root"].clone())
                .filter(|r| !r.is_null())
                .unwrap_or_else(|| json!({"uri": p, "cid": "bafyrei"}));
            record["reply"] = json!({"root": root, "parent": {"uri": p, "cid": "bafyrei"}});
        }
        st.posts.lock().expect("lock").push(FakePost {
            id: uri.clone(),
            text: text.into(),
            key: Some(rkey),
            media: vec![],
            record: record.clone(),
            author: did.into(),
            created: now,
        });
        st.notifications.lock().expect("lock").push(json!({
            "uri": uri, "cid": "bafyrei",
            "author": {"did": did, "handle": handle, "displayName": ""},
            "reason": if parent.is_some() { "reply" } else { "mention" },
            "record": record, "isRead": false, "indexedAt": at,
        }));
        uri
    }

    /// Mastodon: another account mentions the library (a reply when
    /// `in_reply_to` is set; `visibility` "direct" for a private message);
    /// returns the status id.
    pub fn mastodon_mention(
        &self,
        account_id: &str,
        acct: &str,
        html: &str,
        in_reply_to: Option<&str>,
        visibility: &str,
    ) -> String {
        let st = &self.state;
        let n = st.next();
        let id = format!("{}", 120_000 + n);
        let at = chrono::DateTime::from_timestamp_millis(st.now_ms())
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let status = json!({
            "id": id, "created_at": at, "content": html, "visibility": visibility,
            "in_reply_to_id": in_reply_to, "url": format!("https://social.example/@{acct}/{id}"),
            "account": {"id": account_id, "acct": acct, "display_name": "", "url": format!("https://social.example/@{acct}")},
        });
        st.notifications.lock().expect("lock").push(json!({
            "id": format!("{}", 500_000 + n), "type": "mention", "created_at": at,
            "account": status["account"].clone(), "status": status,
        }));
        self.know(&id);
        id
    }

    /// YouTube: a viewer comments on `video` (a new thread) or replies in
    /// `thread`; returns the comment's id.
    pub fn youtube_comment(
        &self,
        video: &str,
        channel: &str,
        name: &str,
        text: &str,
        thread: Option<&str>,
    ) -> String {
        let st = &self.state;
        let id = format!("Ugv{}", st.next());
        let at = chrono::DateTime::from_timestamp_millis(st.now_ms())
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let comment = json!({"id": id, "snippet": {
            "videoId": video, "textDisplay": text, "textOriginal": text,
            "authorDisplayName": name, "authorChannelId": {"value": channel},
            "authorChannelUrl": format!("https://www.youtube.com/channel/{channel}"),
            "publishedAt": at, "updatedAt": at,
        }});
        let mut threads = st.notifications.lock().expect("lock");
        match thread.and_then(|t| threads.iter().position(|x| x["id"] == t)) {
            Some(i) => {
                let mut t = threads.remove(i);
                if t["replies"]["comments"].is_null() {
                    t["replies"] = json!({"comments": []});
                }
                if let Some(a) = t["replies"]["comments"].as_array_mut() {
                    a.push(comment);
                }
                // The thread moves to the front: latest activity.
                threads.push(t);
            }
            None => threads
                .push(json!({"id": id, "snippet": {"videoId": video, "topLevelComment": comment}})),
        }
        drop(threads);
        self.know(&id);
        id
    }

    /// X: another account mentions the library (replying to `in_reply_to`
    /// when set, in that post's conversation); returns the post id.
    pub fn x_mention(
        &self,
        author_id: &str,
        username: &str,
        text: &str,
        in_reply_to: Option<&str>,
    ) -> String {
        let st = &self.state;
        let id = format!("{}", 1_950_000_000_000_000_000u64 + st.next());
        let at = chrono::DateTime::from_timestamp_millis(st.now_ms())
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut t = json!({"id": id, "text": text, "author_id": author_id, "created_at": at,
            "conversation_id": in_reply_to.unwrap_or(&id), "username": username});
        if let Some(p) = in_reply_to {
            t["referenced_tweets"] = json!([{"type": "replied_to", "id": p}]);
        }
        st.notifications.lock().expect("lock").push(t);
        self.know(&id);
        id
    }

    /// Sets the numbers the fake reports for a post or an account, in the
    /// platform's own field names: Mastodon status counts, Bluesky post view
    /// counts, X `public_metrics`/`non_public_metrics`, YouTube `statistics`,
    /// Meta `{"insights": {metric: value}, "fields": {...}, "error": [code,
    /// subcode, message], "demographics": {breakdown: [[label, value]]}}`.
    /// Accounts: Mastodon/Bluesky/X/YouTube "account"; Meta the Page or
    /// Instagram user id; YouTube Analytics "reports".
    pub fn set_metrics(&self, id: &str, v: Value) {
        self.state
            .metrics
            .lock()
            .expect("lock")
            .insert(id.to_string(), v);
    }

    /// Makes the fake know a patron's comment, post or conversation partner.
    pub fn know(&self, id: &str) {
        self.state
            .known
            .lock()
            .expect("lock")
            .insert(id.to_string());
    }

    pub fn posts(&self) -> Vec<FakePost> {
        self.state.posts.lock().expect("lock").clone()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("lock").clone()
    }

    pub fn seen_path(&self, fragment: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path.contains(fragment))
            .collect()
    }

    /// The next request whose path contains `path` gets `trick`.
    pub fn trick(&self, path: &str, trick: Trick) {
        self.trick_after(path, 0, trick);
    }

    /// Lets `skip` matching calls through, then plays `trick` on the next.
    pub fn trick_after(&self, path: &str, skip: u32, trick: Trick) {
        self.state
            .tricks
            .lock()
            .expect("lock")
            .push_back((path.into(), skip, trick));
    }

    pub fn fail_next(&self, path: &str, status: u16, body: Value) {
        self.trick(
            path,
            Trick::Fail {
                status,
                body,
                headers: vec![],
            },
        );
    }

    /// Every token stops working (the person revoked Siar's access).
    pub fn revoke_all(&self) {
        self.state.tokens.lock().expect("lock").clear();
        self.state.refresh_tokens.lock().expect("lock").clear();
    }

    /// Limits calls: `remaining` more, then 429 until `reset` (Unix seconds).
    pub fn limit(&self, limit: u64, remaining: u64, reset: i64) {
        *self.state.rate.lock().expect("lock") = Some((limit, remaining, reset));
    }

    pub fn unlimit(&self) {
        *self.state.rate.lock().expect("lock") = None;
    }
}

fn json_reply(status: u16, body: Value, headers: &[(&str, String)]) -> Response {
    let mut r = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response();
    for (k, v) in headers {
        if let (Ok(name), Ok(val)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            r.headers_mut().insert(name, val);
        }
    }
    r
}

/// Applies a pending trick for `path`: `Some(response)` to answer with it;
/// a hang is returned as its duration for the caller to wait after working.
fn trick_for(st: &FakeState, path: &str) -> (Option<Response>, Option<Duration>) {
    match st.take_trick(path) {
        Some(Trick::Fail {
            status,
            body,
            headers,
        }) => (Some(json_reply(status, body, &headers)), None),
        Some(Trick::Hang(d)) => (None, Some(d)),
        None => (None, None),
    }
}

async fn multipart_fields(mut m: Multipart) -> (HashMap<String, String>, Option<(String, usize)>) {
    let mut fields = HashMap::new();
    let mut file = None;
    while let Ok(Some(f)) = m.next_field().await {
        let name = f.name().unwrap_or("").to_string();
        let ct = f.content_type().map(str::to_string);
        let is_file = f.file_name().is_some();
        let data = f.bytes().await.unwrap_or_default();
        if is_file {
            file = Some((ct.unwrap_or_default(), data.len()));
        } else {
            fields.insert(name, String::from_utf8_lossy(&data).into_owned());
        }
    }
    (fields, file)
}

// ---------------------------------------------------------------- metrics

fn metrics_of(st: &FakeState, id: &str) -> Option<Value> {
    st.metrics.lock().expect("lock").get(id).cloned()
}

fn has_post(st: &FakeState, id: &str) -> bool {
    st.posts.lock().expect("lock").iter().any(|p| p.id == id)
}

/// Copies `extra`'s fields over `base`.
fn merged(mut base: Value, extra: Option<Value>) -> Value {
    if let (Some(b), Some(Value::Object(e))) = (base.as_object_mut(), extra) {
        for (k, v) in e {
            b.insert(k, v);
        }
    }
    base
}

/// Repeated query parameters (`uris=a&uris=b`).
fn query_all(raw: &Option<String>, key: &str) -> Vec<String> {
    url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

async fn m_status_get(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    st.record("GET", &format!("/api/v1/statuses/{id}"), &h, Value::Null);
    if !st.authorised(&h) {
        return m_unauthorised();
    }
    if let (Some(r), _) = trick_for(&st, "/api/v1/statuses/") {
        return r;
    }
    let m = metrics_of(&st, &id);
    if !has_post(&st, &id) && m.is_none() {
        return json_reply(404, json!({"error": "Record not found"}), &[]);
    }
    let base = json!({"id": id, "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "quotes_count": 0});
    json_reply(200, merged(base, m), &[])
}

async fn b_get_posts(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    let uris = query_all(&raw, "uris");
    st.record("GET", "/xrpc/app.bsky.feed.getPosts", &h, json!(uris));
    if !st.authorised(&h) {
        return b_err(401, "AuthenticationRequired", "Authentication Required");
    }
    if let (Some(r), _) = trick_for(&st, "getPosts") {
        return r;
    }
    if uris.len() > 25 {
        return b_err(
            400,
            "InvalidRequest",
            "uris must not have more than 25 elements",
        );
    }
    let posts: Vec<Value> = uris
        .iter()
        .filter(|u| has_post(&st, u) || metrics_of(&st, u).is_some())
        .map(|u| {
            merged(
                json!({"uri": u, "cid": "bafyfake", "likeCount": 0, "repostCount": 0, "replyCount": 0, "quoteCount": 0, "bookmarkCount": 0}),
                metrics_of(&st, u),
            )
        })
        .collect();
    json_reply(200, json!({"posts": posts}), &[])
}

async fn b_profile(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record(
        "GET",
        "/xrpc/app.bsky.actor.getProfile",
        &h,
        json!(q.get("actor")),
    );
    if !st.authorised(&h) {
        return b_err(401, "AuthenticationRequired", "Authentication Required");
    }
    let base =
        json!({"did": q.get("actor"), "handle": "perpuskotaplg.bsky.social", "followersCount": 0});
    json_reply(200, merged(base, metrics_of(&st, "account")), &[])
}

async fn x_tweets(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "/2/tweets", &h, json!(q));
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    if let (Some(r), _) = trick_for(&st, "/2/tweets?") {
        return r;
    }
    let now = st.now_ms();
    let mut data = Vec::new();
    let mut errors = Vec::new();
    for id in q.get("ids").map(String::as_str).unwrap_or("").split(',') {
        if id.is_empty() {
            continue;
        }
        let created = st
            .posts
            .lock()
            .expect("lock")
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.created);
        let m = metrics_of(&st, id);
        let Some(created) = created.or(m.as_ref().map(|_| now)) else {
            errors.push(json!({"value": id, "detail": format!("Could not find tweet with ids: [{id}]."), "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids", "resource_id": id, "type": "https://api.twitter.com/2/problems/resource-not-found"}));
            continue;
        };
        let m = m.unwrap_or_else(|| json!({}));
        let mut t = json!({"id": id, "text": "",
            "public_metrics": merged(json!({"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0, "bookmark_count": 0, "impression_count": 0}), m.get("public_metrics").cloned())});
        // Non-public metrics only for posts under 30 days old.
        if now - created < 30 * 86_400_000 {
            t["non_public_metrics"] = merged(
                json!({"impression_count": 0, "url_link_clicks": 0, "user_profile_clicks": 0}),
                m.get("non_public_metrics").cloned(),
            );
        }
        data.push(t);
    }
    let mut body = json!({"data": data});
    if !errors.is_empty() {
        body["errors"] = json!(errors);
    }
    json_reply(200, body, &[])
}

async fn yt_videos(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "/youtube/v3/videos", &h, json!(q));
    if !st.authorised(&h) {
        return g_err(401, "authError", "Invalid Credentials");
    }
    if let (Some(r), _) = trick_for(&st, "/youtube/v3/videos") {
        return r;
    }
    let items: Vec<Value> = q
        .get("id")
        .map(String::as_str)
        .unwrap_or("")
        .split(',')
        .filter(|id| !id.is_empty() && (has_post(&st, id) || metrics_of(&st, id).is_some()))
        .map(|id| {
            json!({"kind": "youtube#video", "id": id, "statistics": merged(
                json!({"viewCount": "0", "likeCount": "0", "favoriteCount": "0", "commentCount": "0"}),
                metrics_of(&st, id))})
        })
        .collect();
    json_reply(
        200,
        json!({"kind": "youtube#videoListResponse", "items": items}),
        &[],
    )
}

async fn yt_reports(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "/v2/reports", &h, json!(q));
    if !st.authorised(&h) {
        return g_err(401, "authError", "Invalid Credentials");
    }
    if q.get("ids").map(String::as_str) != Some("channel==MINE") {
        return g_err(400, "badRequest", "Required parameter: ids");
    }
    let m = metrics_of(&st, "reports").unwrap_or_else(|| json!({}));
    let dims = q.get("dimensions").cloned().unwrap_or_default();
    let rows = match dims.as_str() {
        "ageGroup,gender" => m["ageGroup,gender"].clone(),
        "city" => m["city"].clone(),
        _ => m["total"].clone(),
    };
    let rows = if rows.is_null() { json!([]) } else { rows };
    json_reply(
        200,
        json!({"kind": "youtubeAnalytics#resultTable", "rows": rows}),
        &[],
    )
}

async fn meta_insights(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", &format!("/{node}/insights"), &h, json!(q));
    if let Some(r) = meta_check(&st, q.get("access_token").map(String::as_str), "/insights") {
        return r;
    }
    let Some(metric) = q.get("metric") else {
        return meta_err(3001, 1_504_028, "The metric parameter is required");
    };
    let m = metrics_of(&st, &node).unwrap_or_else(|| json!({}));
    if let Some(e) = m["error"].as_array() {
        return meta_err(
            e.first().and_then(Value::as_i64).unwrap_or(100),
            e.get(1).and_then(Value::as_i64).unwrap_or(0),
            e.get(2).and_then(Value::as_str).unwrap_or("error"),
        );
    }
    if metric == "follower_demographics" {
        let b = q.get("breakdown").cloned().unwrap_or_default();
        let results: Vec<Value> = m["demographics"][&b]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|r| json!({"dimension_values": [r[0].clone()], "value": r[1].clone()}))
            .collect();
        return json_reply(
            200,
            json!({"data": [{"name": "follower_demographics", "period": "lifetime",
            "total_value": {"breakdowns": [{"dimension_keys": [b], "results": results}]}, "id": format!("{node}/insights/follower_demographics/lifetime")}]}),
            &[],
        );
    }
    let total = q.get("metric_type").is_some_and(|t| t == "total_value");
    let data: Vec<Value> = metric
        .split(',')
        .filter_map(|name| {
            let v = m["insights"].get(name)?.clone();
            Some(if total {
                json!({"name": name, "period": q.get("period"), "total_value": {"value": v}})
            } else {
                json!({"name": name, "period": q.get("period").cloned().unwrap_or("lifetime".into()), "values": [{"value": v}]})
            })
        })
        .collect();
    json_reply(200, json!({"data": data}), &[])
}

// ---------------------------------------------------------------- Mastodon

pub async fn mastodon() -> Fake {
    let st = Arc::new(FakeState::default());
    let r = Router::new()
        .route("/api/v1/apps", post(m_apps))
        .route("/oauth/authorize", get(m_authorize))
        .route("/oauth/token", post(m_token))
        .route("/api/v1/accounts/verify_credentials", get(m_verify))
        .route("/api/v2/instance", get(m_instance))
        .route("/api/v2/media", post(m_media))
        .route("/api/v1/media/{id}", get(m_media_get))
        .route("/api/v1/statuses", post(m_status))
        .route("/api/v1/notifications", get(m_notifications))
        .route("/api/v1/statuses/{id}/{verb}", post(m_favourite))
        .route("/api/v1/statuses/{id}", get(m_status_get));
    Fake::start(r, st).await
}

fn m_unauthorised() -> Response {
    json_reply(401, json!({"error": "The access token is invalid"}), &[])
}

fn m_rate_headers(r: Option<(u64, u64, i64)>) -> Vec<(&'static str, String)> {
    match r {
        None => vec![],
        Some((limit, remaining, reset)) => vec![
            ("X-RateLimit-Limit", limit.to_string()),
            ("X-RateLimit-Remaining", remaining.to_string()),
            (
                "X-RateLimit-Reset",
                chrono::DateTime::from_timestamp(reset, 0)
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                    .unwrap_or_default(),
            ),
        ],
    }
}

async fn m_apps(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    st.record("POST", "/api/v1/apps", &h, body.0.clone());
    if let (Some(r), _) = trick_for(&st, "/api/v1/apps") {
        return r;
    }
    let n = st.next();
    json_reply(
        200,
        json!({"id": n.to_string(), "name": body.0["client_name"], "client_id": format!("cid{n}"), "client_secret": format!("csecret{n}"), "redirect_uri": body.0["redirect_uris"]}),
        &[],
    )
}

/// Approves at once and sends the browser back with a code (as a person
/// pressing "Authorise" would).
async fn m_authorize(
    State(st): State<Arc<FakeState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let code = format!("code{}", st.next());
    if let Some(ch) = q.get("code_challenge") {
        st.challenges
            .lock()
            .expect("lock")
            .insert(code.clone(), ch.clone());
    }
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    Redirect::to(&format!("{redirect}?code={code}&state={state}")).into_response()
}

fn pkce_ok(st: &FakeState, code: &str, verifier: Option<&String>) -> bool {
    let Some(ch) = st.challenges.lock().expect("lock").remove(code) else {
        return false;
    };
    let Some(v) = verifier else { return false };
    let want = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(v.as_bytes()));
    want == ch
}

async fn m_token(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    st.record(
        "POST",
        "/oauth/token",
        &h,
        json!(f.keys().collect::<Vec<_>>()),
    );
    let code = f.get("code").cloned().unwrap_or_default();
    if !pkce_ok(&st, &code, f.get("code_verifier")) {
        return json_reply(
            400,
            json!({"error": "invalid_grant", "error_description": "The provided authorization grant is invalid"}),
            &[],
        );
    }
    let tok = format!("mtok{}", st.next());
    st.tokens.lock().expect("lock").insert(tok.clone());
    json_reply(
        200,
        json!({"access_token": tok, "token_type": "Bearer", "scope": "read write", "created_at": 1_795_827_600}),
        &[],
    )
}

/// `GET /api/v1/notifications`: newest first; `min_id` gives the ones right
/// after it (oldest of them first in the page, as Mastodon pages), `limit`.
async fn m_notifications(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    st.record("GET", "/api/v1/notifications", &h, json!(q));
    if let (Some(r), _) = trick_for(&st, "/api/v1/notifications") {
        return r;
    }
    if !st.authorised(&h) {
        return m_unauthorised();
    }
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let limit: usize = get("limit").and_then(|l| l.parse().ok()).unwrap_or(15);
    let num = |v: &Value| {
        v["id"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let all = st.notifications.lock().expect("lock").clone();
    let page: Vec<Value> = match get("min_id").and_then(|m| m.parse::<u64>().ok()) {
        Some(min) => {
            let mut v: Vec<Value> = all
                .into_iter()
                .filter(|n| num(n) > min)
                .take(limit)
                .collect();
            v.reverse();
            v
        }
        None => all.into_iter().rev().take(limit).collect(),
    };
    json_reply(200, json!(page), &[])
}

/// `POST /api/v1/statuses/{id}/favourite` (or `unfavourite`).
async fn m_favourite(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path((id, verb)): Path<(String, String)>,
) -> Response {
    st.record(
        "POST",
        &format!("/api/v1/statuses/{id}/{verb}"),
        &h,
        Value::Null,
    );
    if !st.authorised(&h) {
        return m_unauthorised();
    }
    if !st.known.lock().expect("lock").contains(&id) {
        return json_reply(404, json!({"error": "Record not found"}), &[]);
    }
    json_reply(
        200,
        json!({"id": id, "favourited": verb == "favourite"}),
        &[],
    )
}

async fn m_verify(State(st): State<Arc<FakeState>>, h: HeaderMap) -> Response {
    st.record(
        "GET",
        "/api/v1/accounts/verify_credentials",
        &h,
        Value::Null,
    );
    if !st.authorised(&h) {
        return m_unauthorised();
    }
    json_reply(
        200,
        merged(
            json!({"id": "109", "username": "perpuskotaplg", "acct": "perpuskotaplg", "display_name": "Perpustakaan Kota Palembang", "followers_count": 0}),
            metrics_of(&st, "account"),
        ),
        &[],
    )
}

async fn m_instance(State(st): State<Arc<FakeState>>, h: HeaderMap) -> Response {
    st.record("GET", "/api/v2/instance", &h, Value::Null);
    json_reply(
        200,
        json!({"domain": "127.0.0.1", "configuration": {"statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23}}}),
        &[],
    )
}

async fn m_media(State(st): State<Arc<FakeState>>, h: HeaderMap, m: Multipart) -> Response {
    if !st.authorised(&h) {
        return m_unauthorised();
    }
    let (fields, file) = multipart_fields(m).await;
    st.record(
        "POST",
        "/api/v2/media",
        &h,
        json!({"description": fields.get("description"), "file": file.as_ref().map(|f| json!({"type": f.0, "size": f.1}))}),
    );
    if let (Some(r), _) = trick_for(&st, "/api/v2/media") {
        return r;
    }
    let Some((ct, _)) = file else {
        return json_reply(
            422,
            json!({"error": "Validation failed: File can't be blank"}),
            &[],
        );
    };
    let id = format!("{}", 1000 + st.next());
    if ct.starts_with("video/") {
        st.media_polls.lock().expect("lock").insert(id.clone(), 1);
        return json_reply(202, json!({"id": id, "type": "video", "url": null}), &[]);
    }
    json_reply(
        200,
        json!({"id": id, "type": "image", "url": format!("/media/{id}"), "description": fields.get("description")}),
        &[],
    )
}

async fn m_media_get(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    st.record("GET", &format!("/api/v1/media/{id}"), &h, Value::Null);
    let mut polls = st.media_polls.lock().expect("lock");
    match polls.get_mut(&id) {
        Some(n) if *n > 0 => {
            *n -= 1;
            json_reply(206, json!({"id": id, "url": null}), &[])
        }
        _ => json_reply(200, json!({"id": id, "url": format!("/media/{id}")}), &[]),
    }
}

async fn m_status(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    let key = h
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    st.record("POST", "/api/v1/statuses", &h, body.0.clone());
    let (early, hang) = trick_for(&st, "/api/v1/statuses");
    if let Some(r) = early {
        return r;
    }
    if !st.authorised(&h) {
        return m_unauthorised();
    }
    let rate = match st.spend() {
        Ok(r) => r,
        Err(reset) => {
            return json_reply(
                429,
                json!({"error": "Too many requests"}),
                &m_rate_headers(Some((300, 0, reset))),
            );
        }
    };
    let text = body.0["status"].as_str().unwrap_or("").to_string();
    let media: Vec<String> = body.0["media_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    if text.trim().is_empty() && media.is_empty() {
        return json_reply(
            422,
            json!({"error": "Validation failed: Text can't be blank"}),
            &[],
        );
    }
    // A repeated Idempotency-Key returns the original status.
    let existing = key.as_ref().and_then(|k| {
        st.posts
            .lock()
            .expect("lock")
            .iter()
            .find(|p| p.key.as_deref() == Some(k))
            .cloned()
    });
    let p = match existing {
        Some(p) => p,
        None => {
            let p = FakePost {
                author: String::new(),
                created: st.now_ms(),
                id: format!("{}", 110_000 + st.next()),
                text,
                key,
                media,
                record: body.0.clone(),
            };
            st.posts.lock().expect("lock").push(p.clone());
            p
        }
    };
    if let Some(d) = hang {
        tokio::time::sleep(d).await;
    }
    json_reply(
        200,
        json!({"id": p.id, "url": format!("https://social.example/@perpuskotaplg/{}", p.id), "content": format!("<p>{}</p>", p.text)}),
        &m_rate_headers(rate),
    )
}

// ---------------------------------------------------------------- Bluesky

/// The app password the fake Bluesky accepts for any handle.
pub const BLUESKY_APP_PASSWORD: &str = "abcd-efgh-ijkl-mnop";
pub const BLUESKY_DID: &str = "did:plc:perpuskotaplg";

pub async fn bluesky() -> Fake {
    let st = Arc::new(FakeState::default());
    let r = Router::new()
        .route(
            "/xrpc/com.atproto.server.createSession",
            post(b_create_session),
        )
        .route("/xrpc/com.atproto.server.refreshSession", post(b_refresh))
        .route("/xrpc/com.atproto.repo.uploadBlob", post(b_upload))
        .route("/xrpc/com.atproto.repo.createRecord", post(b_create))
        .route("/xrpc/com.atproto.repo.getRecord", get(b_get))
        .route("/xrpc/app.bsky.feed.getPosts", get(b_get_posts))
        .route("/xrpc/app.bsky.actor.getProfile", get(b_profile))
        .route(
            "/xrpc/app.bsky.notification.listNotifications",
            get(b_notifications),
        )
        .route("/xrpc/com.atproto.identity.resolveHandle", get(b_resolve))
        // A library web page with Open Graph tags, for link cards.
        .route("/acara/festival", get(page_festival))
        .route("/img/poster.png", get(page_image));
    Fake::start(r, st).await
}

fn b_err(status: u16, name: &str, msg: &str) -> Response {
    json_reply(status, json!({"error": name, "message": msg}), &[])
}

/// A JWT-shaped token with an `exp` claim (unsigned: the fake only reads it).
fn fake_jwt(kind: &str, n: u64, exp: i64) -> String {
    let e = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.sig{n}",
        e(&json!({"alg": "HS256", "typ": "at+jwt"})),
        e(&json!({"scope": kind, "sub": BLUESKY_DID, "exp": exp, "n": n}))
    )
}

fn b_session(st: &FakeState, handle: &str) -> Value {
    let n = st.next();
    let now = chrono::Utc::now().timestamp();
    let access = fake_jwt("com.atproto.access", n, now + 7200);
    let refresh = fake_jwt("com.atproto.refresh", n, now + 90 * 86400);
    st.tokens.lock().expect("lock").insert(access.clone());
    st.refresh_tokens
        .lock()
        .expect("lock")
        .push(refresh.clone());
    json!({"did": BLUESKY_DID, "handle": handle, "accessJwt": access, "refreshJwt": refresh, "active": true})
}

async fn b_create_session(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    st.record(
        "POST",
        "createSession",
        &h,
        json!({"identifier": body.0["identifier"]}),
    );
    if let (Some(r), _) = trick_for(&st, "createSession") {
        return r;
    }
    if body.0["password"] != BLUESKY_APP_PASSWORD {
        return b_err(
            401,
            "AuthenticationRequired",
            "Invalid identifier or password",
        );
    }
    let handle = body.0["identifier"].as_str().unwrap_or("").to_string();
    json_reply(200, b_session(&st, &handle), &[])
}

async fn b_refresh(State(st): State<Arc<FakeState>>, h: HeaderMap) -> Response {
    st.record("POST", "refreshSession", &h, Value::Null);
    let tok = h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_string();
    let ok = {
        let mut r = st.refresh_tokens.lock().expect("lock");
        let found = r.iter().position(|t| *t == tok);
        found.map(|i| r.remove(i)).is_some()
    };
    if !ok {
        return b_err(400, "ExpiredToken", "Token has been revoked");
    }
    json_reply(200, b_session(&st, "perpus.bsky.social"), &[])
}

fn b_rate_headers(r: Option<(u64, u64, i64)>) -> Vec<(&'static str, String)> {
    match r {
        None => vec![],
        Some((limit, remaining, reset)) => vec![
            ("RateLimit-Limit", limit.to_string()),
            ("RateLimit-Remaining", remaining.to_string()),
            ("RateLimit-Reset", reset.to_string()),
            ("RateLimit-Policy", format!("{limit};w=3600")),
        ],
    }
}

async fn b_upload(State(st): State<Arc<FakeState>>, h: HeaderMap, body: Bytes) -> Response {
    let ct = h
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    st.record(
        "POST",
        "uploadBlob",
        &h,
        json!({"type": ct, "size": body.len()}),
    );
    if let (Some(r), _) = trick_for(&st, "uploadBlob") {
        return r;
    }
    if !st.authorised(&h) {
        return b_err(400, "ExpiredToken", "Token has expired");
    }
    if body.len() > 2_000_000 && ct.starts_with("image/") {
        return b_err(400, "BlobTooLarge", "This file is too large");
    }
    let cid = format!("bafkrei{:020}", st.next());
    json_reply(
        200,
        json!({"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": ct, "size": body.len()}}),
        &[],
    )
}

/// Checks what the real PDS would: the record's shape, text limits and that
/// every facet's byte range sits on character boundaries of the text.
fn b_check_record(rec: &Value) -> Result<(), String> {
    let text = rec["text"].as_str().ok_or("Record/text must be a string")?;
    if text.len() > 3000 {
        return Err("Record/text must not be longer than 3000 bytes".into());
    }
    if unicode_segmentation::UnicodeSegmentation::graphemes(text, true).count() > 300 {
        return Err("Record/text must not be longer than 300 graphemes".into());
    }
    for f in rec["facets"].as_array().into_iter().flatten() {
        let s = f["index"]["byteStart"]
            .as_u64()
            .ok_or("facet without byteStart")? as usize;
        let e = f["index"]["byteEnd"]
            .as_u64()
            .ok_or("facet without byteEnd")? as usize;
        if s >= e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            return Err(format!("facet {s}..{e} is not on character boundaries"));
        }
    }
    if let Some(imgs) = rec["embed"]["images"].as_array() {
        if imgs.len() > 4 {
            return Err("Record/embed/images must not have more than 4 elements".into());
        }
        for i in imgs {
            if !i["alt"].is_string() {
                return Err("Record/embed/images/0 must have the property \"alt\"".into());
            }
        }
    }
    Ok(())
}

async fn b_create(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    st.record("POST", "createRecord", &h, body.0.clone());
    let (early, hang) = trick_for(&st, "createRecord");
    if let Some(r) = early {
        return r;
    }
    if !st.authorised(&h) {
        return b_err(400, "ExpiredToken", "Token has expired");
    }
    let rate = match st.spend() {
        Ok(r) => r,
        Err(reset) => {
            let mut r = b_err(429, "RateLimitExceeded", "Rate Limit Exceeded");
            for (k, v) in b_rate_headers(Some((5000, 0, reset))) {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    r.headers_mut().insert(k, v);
                }
            }
            return r;
        }
    };
    let rec = &body.0["record"];
    if let Err(m) = b_check_record(rec) {
        return b_err(400, "InvalidRecord", &m);
    }
    let rkey = body.0["rkey"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("auto{}", st.next()));
    let exists = st
        .posts
        .lock()
        .expect("lock")
        .iter()
        .any(|p| p.key.as_deref() == Some(&rkey));
    if exists {
        return b_err(400, "InvalidRequest", "Record already exists at this rkey");
    }
    let uri = format!("at://{BLUESKY_DID}/app.bsky.feed.post/{rkey}");
    st.posts.lock().expect("lock").push(FakePost {
        author: String::new(),
        created: st.now_ms(),
        id: uri.clone(),
        text: rec["text"].as_str().unwrap_or("").into(),
        key: Some(rkey),
        media: vec![],
        record: rec.clone(),
    });
    if let Some(d) = hang {
        tokio::time::sleep(d).await;
    }
    json_reply(
        200,
        json!({"uri": uri, "cid": format!("bafyrei{:020}", st.next())}),
        &b_rate_headers(rate),
    )
}

async fn b_get(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "getRecord", &h, json!(q));
    if let (Some(r), _) = trick_for(&st, "getRecord") {
        return r;
    }
    let rkey = q.get("rkey").cloned().unwrap_or_default();
    let found = st
        .posts
        .lock()
        .expect("lock")
        .iter()
        .find(|p| p.key.as_deref() == Some(&rkey))
        .cloned();
    match found {
        Some(p) => json_reply(
            200,
            json!({"uri": p.id, "cid": "bafyrei", "value": p.record}),
            &[],
        ),
        None => b_err(
            400,
            "RecordNotFound",
            &format!("Could not locate record: at://{BLUESKY_DID}/app.bsky.feed.post/{rkey}"),
        ),
    }
}

/// `listNotifications`: newest first, `limit` per page, `cursor` = how many
/// were already given (opaque to the client).
async fn b_notifications(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    st.record("GET", "listNotifications", &h, json!(q));
    if let (Some(r), _) = trick_for(&st, "listNotifications") {
        return r;
    }
    if !st.authorised(&h) {
        return b_err(400, "ExpiredToken", "Token has expired");
    }
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let limit: usize = get("limit").and_then(|l| l.parse().ok()).unwrap_or(50);
    let skip: usize = get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let all: Vec<Value> = st
        .notifications
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .cloned()
        .collect();
    let page: Vec<Value> = all.iter().skip(skip).take(limit).cloned().collect();
    let mut body = json!({"notifications": page});
    if skip + limit < all.len() {
        body["cursor"] = json!((skip + limit).to_string());
    }
    json_reply(200, body, &[])
}

async fn b_resolve(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "resolveHandle", &h, json!(q));
    match q.get("handle").map(String::as_str) {
        Some("dinas.bsky.social") => {
            json_reply(200, json!({"did": "did:plc:dinaspendidikan"}), &[])
        }
        _ => b_err(400, "InvalidRequest", "Unable to resolve handle"),
    }
}

// ---------------------------------------------------------------- X

pub const X_CLIENT_ID: &str = "x-client-id";
pub const X_CLIENT_SECRET: &str = "x-client-secret";
/// The app's consumer (API) secret: X signs webhook deliveries with it.
pub const X_CONSUMER_SECRET: &str = "x-consumer-secret";
/// The library's X user id (what `/2/users/me` answers).
pub const X_USER_ID: &str = "1500000000000000001";

pub async fn x() -> Fake {
    let st = Arc::new(FakeState::default());
    let r = Router::new()
        .route("/i/oauth2/authorize", get(m_authorize))
        .route("/2/oauth2/token", post(x_token))
        .route("/2/users/me", get(x_me))
        .route("/2/users/{id}/tweets", get(x_timeline))
        .route("/2/media/upload", post(x_upload).get(x_status))
        .route("/2/media/upload/initialize", post(x_init))
        .route("/2/media/metadata", post(x_metadata))
        .route("/2/media/upload/{id}/append", post(x_append))
        .route("/2/media/upload/{id}/finalize", post(x_finalize))
        .route("/2/tweets", post(x_tweet).get(x_tweets))
        .route("/2/users/{id}/mentions", get(x_mentions))
        .route("/2/tweets/{id}/hidden", axum::routing::put(x_hide))
        .route("/2/users/{id}/likes", post(x_like))
        .route("/2/dm_conversations/with/{id}/messages", post(x_dm));
    Fake::start(r, st).await
}

fn x_problem(status: u16, title: &str, detail: &str, kind: &str) -> Response {
    json_reply(
        status,
        json!({"title": title, "detail": detail, "type": format!("https://api.twitter.com/2/problems/{kind}"), "status": status}),
        &[],
    )
}

fn x_rate_headers(r: Option<(u64, u64, i64)>) -> Vec<(&'static str, String)> {
    match r {
        None => vec![],
        Some((limit, remaining, reset)) => vec![
            ("x-rate-limit-limit", limit.to_string()),
            ("x-rate-limit-remaining", remaining.to_string()),
            ("x-rate-limit-reset", reset.to_string()),
        ],
    }
}

fn x_tokens(st: &FakeState) -> Value {
    let n = st.next();
    let access = format!("xat{n}");
    let refresh = format!("xrt{n}");
    st.tokens.lock().expect("lock").insert(access.clone());
    st.refresh_tokens
        .lock()
        .expect("lock")
        .push(refresh.clone());
    let mut v = json!({"token_type": "bearer", "expires_in": 7200, "access_token": access, "scope": "tweet.read tweet.write users.read offline.access media.write"});
    if !*st.omit_refresh_token.lock().expect("lock") {
        v["refresh_token"] = json!(refresh);
    }
    v
}

async fn x_token(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    st.record("POST", "/2/oauth2/token", &h, json!(f.get("grant_type")));
    if let (Some(r), _) = trick_for(&st, "/2/oauth2/token") {
        return r;
    }
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{X_CLIENT_ID}:{X_CLIENT_SECRET}"))
    );
    if h.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return json_reply(
            401,
            json!({"error": "unauthorized_client", "error_description": "Missing valid authorization header"}),
            &[],
        );
    }
    let invalid = || {
        json_reply(
            400,
            json!({"error": "invalid_request", "error_description": "Value passed for the token was invalid."}),
            &[],
        )
    };
    match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = f.get("code").cloned().unwrap_or_default();
            if !pkce_ok(&st, &code, f.get("code_verifier")) {
                return invalid();
            }
            json_reply(200, x_tokens(&st), &[])
        }
        Some("refresh_token") => {
            let rt = f.get("refresh_token").cloned().unwrap_or_default();
            let ok = {
                let mut r = st.refresh_tokens.lock().expect("lock");
                let i = r.iter().position(|t| *t == rt);
                i.map(|i| r.remove(i)).is_some()
            };
            if !ok {
                return invalid();
            }
            json_reply(200, x_tokens(&st), &[])
        }
        _ => invalid(),
    }
}

async fn x_me(State(st): State<Arc<FakeState>>, h: HeaderMap) -> Response {
    st.record("GET", "/2/users/me", &h, Value::Null);
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    json_reply(
        200,
        json!({"data": {"id": X_USER_ID, "name": "Perpustakaan Kota Palembang", "username": "perpuskotaplg",
            "public_metrics": merged(json!({"followers_count": 0, "following_count": 0, "tweet_count": 0}), metrics_of(&st, "account"))}}),
        &[],
    )
}

/// The bearer token of a request ("" when there is none).
fn bearer(h: &HeaderMap) -> String {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string()
}

async fn x_timeline(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", &format!("/2/users/{id}/tweets"), &h, json!(q));
    if let (Some(r), _) = trick_for(&st, "/tweets?") {
        return r;
    }
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    // The account's own posts (this fake knows accounts by their token), newest
    // first, since `start_time`, `max_results` a page (5–100) with `next_token`.
    let author = bearer(&h);
    let since = q
        .get("start_time")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or(i64::MIN, |t| t.timestamp_millis());
    let max = q
        .get("max_results")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(5, 100);
    let skip = q
        .get("pagination_token")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(0);
    let mine: Vec<Value> = st
        .posts
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .filter(|p| (p.author == author || p.author.is_empty()) && p.created >= since)
        .map(|p| {
            json!({"id": p.id, "text": p.text, "edit_history_tweet_ids": [p.id],
                "created_at": chrono::DateTime::from_timestamp_millis(p.created)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))})
        })
        .collect();
    let data: Vec<Value> = mine.iter().skip(skip).take(max).cloned().collect();
    let mut meta = json!({"result_count": data.len()});
    if skip + max < mine.len() {
        meta["next_token"] = json!((skip + max).to_string());
    }
    json_reply(200, json!({"data": data, "meta": meta}), &[])
}

async fn x_upload(State(st): State<Arc<FakeState>>, h: HeaderMap, m: Multipart) -> Response {
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    let (fields, file) = multipart_fields(m).await;
    st.record(
        "POST",
        "/2/media/upload",
        &h,
        json!({"media_category": fields.get("media_category"), "size": file.map(|f| f.1)}),
    );
    let id = format!("{}", 1_700_000 + st.next());
    json_reply(
        200,
        json!({"data": {"id": id, "media_key": format!("3_{id}")}}),
        &[],
    )
}

async fn x_init(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    st.record("POST", "/2/media/upload/initialize", &h, body.0.clone());
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    let id = format!("{}", 1_800_000 + st.next());
    st.media_polls.lock().expect("lock").insert(id.clone(), 1);
    json_reply(
        200,
        json!({"data": {"id": id, "expires_after_secs": 86400}}),
        &[],
    )
}

async fn x_append(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
    m: Multipart,
) -> Response {
    let (fields, file) = multipart_fields(m).await;
    st.record(
        "POST",
        &format!("/2/media/upload/{id}/append"),
        &h,
        json!({"segment_index": fields.get("segment_index"), "size": file.map(|f| f.1)}),
    );
    (StatusCode::OK, axum::Json(json!({}))).into_response()
}

async fn x_finalize(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    st.record(
        "POST",
        &format!("/2/media/upload/{id}/finalize"),
        &h,
        Value::Null,
    );
    json_reply(
        200,
        json!({"data": {"id": id, "processing_info": {"state": "pending", "check_after_secs": 1}}}),
        &[],
    )
}

async fn x_status(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "/2/media/upload?STATUS", &h, json!(q));
    let id = q.get("media_id").cloned().unwrap_or_default();
    let mut polls = st.media_polls.lock().expect("lock");
    let state = match polls.get_mut(&id) {
        Some(n) if *n > 0 => {
            *n -= 1;
            json!({"state": "in_progress", "check_after_secs": 1, "progress_percent": 50})
        }
        _ => json!({"state": "succeeded", "progress_percent": 100}),
    };
    json_reply(
        200,
        json!({"data": {"id": id, "processing_info": state}}),
        &[],
    )
}

/// `GET /2/users/{id}/mentions`: newest first, `since_id`, pages of
/// `max_results` with `pagination_token`, authors under `includes.users`.
async fn x_mentions(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", &format!("/2/users/{id}/mentions"), &h, json!(q));
    if let (Some(r), _) = trick_for(&st, "/mentions") {
        return r;
    }
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    let num = |v: &Value| {
        v["id"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let since = q
        .get("since_id")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    let max: usize = q
        .get("max_results")
        .and_then(|m| m.parse().ok())
        .unwrap_or(10);
    let skip: usize = q
        .get("pagination_token")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let all: Vec<Value> = st
        .notifications
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .filter(|t| num(t) > since)
        .cloned()
        .collect();
    let page: Vec<Value> = all.iter().skip(skip).take(max).cloned().collect();
    let users: Vec<Value> = page
        .iter()
        .map(|t| json!({"id": t["author_id"], "username": t["username"], "name": t["username"]}))
        .collect();
    let mut meta = json!({"result_count": page.len()});
    if let Some(first) = all.first() {
        meta["newest_id"] = first["id"].clone();
    }
    if skip + max < all.len() {
        meta["next_token"] = json!((skip + max).to_string());
    }
    let mut body = json!({"meta": meta});
    if !page.is_empty() {
        body["data"] = json!(page);
        body["includes"] = json!({"users": users});
    }
    json_reply(200, body, &[])
}

/// `PUT /2/tweets/{id}/hidden`.
async fn x_hide(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
    body: axum::Json<Value>,
) -> Response {
    st.record("PUT", &format!("/2/tweets/{id}/hidden"), &h, body.0.clone());
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    json_reply(200, json!({"data": {"hidden": body.0["hidden"]}}), &[])
}

/// `POST /2/dm_conversations/with/{participant_id}/messages` (`dm.write`).
async fn x_dm(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
    body: axum::Json<Value>,
) -> Response {
    let path = format!("/2/dm_conversations/with/{id}/messages");
    st.record("POST", &path, &h, body.0.clone());
    if let (Some(r), _) = trick_for(&st, &path) {
        return r;
    }
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    if body.0["text"].as_str().unwrap_or("").is_empty() {
        return x_problem(
            400,
            "Invalid Request",
            "text is required",
            "invalid-request",
        );
    }
    let event = format!("{}", 1_970_000_000_000_000_000u64 + st.next());
    json_reply(
        201,
        json!({"data": {"dm_conversation_id": format!("{id}-1500000000000000001"), "dm_event_id": event}}),
        &[],
    )
}

/// `POST /2/users/{id}/likes`.
async fn x_like(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
    body: axum::Json<Value>,
) -> Response {
    st.record("POST", &format!("/2/users/{id}/likes"), &h, body.0.clone());
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    json_reply(200, json!({"data": {"liked": true}}), &[])
}

async fn x_tweet(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    st.record("POST", "/2/tweets", &h, body.0.clone());
    let latency = *st.latency.lock().expect("lock");
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(limit) = *st.per_account_limit.lock().expect("lock") {
        let tok = h
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let over = {
            let mut used = st.per_account_used.lock().expect("lock");
            let n = used.entry(tok).or_insert(0);
            *n += 1;
            *n > limit
        };
        if over {
            let reset = chrono::Utc::now().timestamp() + 2;
            let mut r = x_problem(
                429,
                "Too Many Requests",
                "Too Many Requests",
                "rate-limit-exceeded",
            );
            for (k, v) in x_rate_headers(Some((limit, 0, reset))) {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    r.headers_mut().insert(k, v);
                }
            }
            return r;
        }
    }
    let (early, hang) = trick_for(&st, "/2/tweets");
    if let Some(r) = early {
        return r;
    }
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    let rate = match st.spend() {
        Ok(r) => r,
        Err(reset) => {
            let mut r = x_problem(
                429,
                "Too Many Requests",
                "Too Many Requests",
                "rate-limit-exceeded",
            );
            for (k, v) in x_rate_headers(Some((100, 0, reset))) {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    r.headers_mut().insert(k, v);
                }
            }
            return r;
        }
    };
    let text = body.0["text"].as_str().unwrap_or("").to_string();
    // Self-serve access: a reply only where the author addressed the account.
    if let Some(to) = body.0["reply"]["in_reply_to_tweet_id"].as_str()
        && !st.known.lock().expect("lock").contains(to)
        && !st.posts.lock().expect("lock").iter().any(|p| p.id == to)
    {
        return x_problem(
            403,
            "Forbidden",
            "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.",
            "about:blank",
        );
    }
    let author = bearer(&h);
    // X refuses the same text twice from one account (unless this fake is naive).
    let dup = !*st.naive.lock().expect("lock")
        && st
            .posts
            .lock()
            .expect("lock")
            .iter()
            .any(|p| p.author == author && p.text == text);
    if dup {
        return x_problem(
            403,
            "Forbidden",
            "You are not allowed to create a Tweet with duplicate content.",
            "about:blank",
        );
    }
    let id = format!("{}", 1_900_000_000_000_000_000u64 + st.next());
    let media = body.0["media"]["media_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    st.posts.lock().expect("lock").push(FakePost {
        author: author.clone(),
        created: st.now_ms(),
        id: id.clone(),
        text: text.clone(),
        key: None,
        media,
        record: body.0.clone(),
    });
    if let Some(d) = hang {
        tokio::time::sleep(d).await;
    }
    json_reply(
        201,
        json!({"data": {"id": id, "text": text, "edit_history_tweet_ids": [id]}}),
        &x_rate_headers(rate),
    )
}

// ---------------------------------------------------------------- Meta (Facebook Pages, Instagram)

pub const META_APP_ID: &str = "meta-app-id";
pub const META_APP_SECRET: &str = "meta-app-secret";
pub const FB_PAGE_ID: &str = "104000000000001";
pub const FB_PAGE_TOKEN: &str = "EAAPageTokenPerpus";
pub const IG_USER_ID: &str = "17841400000000001";

/// One fake Graph API host for Facebook Pages and Instagram (and its video host).
pub async fn meta() -> Fake {
    let st = Arc::new(FakeState::default());
    st.tokens.lock().expect("lock").insert(FB_PAGE_TOKEN.into());
    let r = Router::new()
        .route("/dialog/oauth", get(meta_dialog))
        .route("/oauth/access_token", get(meta_token))
        .route("/me/accounts", get(meta_accounts))
        .route(
            "/{node}",
            get(meta_get_node).post(meta_moderate).delete(meta_delete),
        )
        .route("/{node}/replies", post(ig_reply))
        .route("/{node}/messages", post(meta_message))
        .route("/{node}/mentions", post(ig_mention_reply))
        .route("/{node}/feed", post(fb_feed).get(meta_list))
        .route("/{node}/photos", post(fb_photos))
        .route("/{node}/videos", post(fb_videos))
        .route("/{node}/media", post(ig_media).get(meta_list))
        .route("/{node}/media_publish", post(ig_publish))
        .route("/{node}/comments", post(meta_comment).get(meta_comments))
        .route("/{node}/content_publishing_limit", get(ig_quota))
        .route("/{node}/insights", get(meta_insights));
    Fake::start(r, st).await
}

fn meta_err(code: i64, sub: i64, msg: &str) -> Response {
    json_reply(
        400,
        json!({"error": {"message": msg, "type": "OAuthException", "code": code, "error_subcode": sub, "fbtrace_id": "AbCdEf"}}),
        &[],
    )
}

fn meta_token_ok(st: &FakeState, token: Option<&str>) -> bool {
    token.is_some_and(|t| st.tokens.lock().expect("lock").contains(t))
}

async fn meta_dialog(
    State(st): State<Arc<FakeState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "/dialog/oauth", &HeaderMap::new(), json!(q));
    let code = format!("fbcode{}", st.next());
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    Redirect::to(&format!("{redirect}?code={code}&state={state}")).into_response()
}

async fn meta_token(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "/oauth/access_token", &h, json!(q.get("grant_type")));
    if q.get("client_secret").map(String::as_str) != Some(META_APP_SECRET) {
        return meta_err(1, 0, "Error validating client secret.");
    }
    if q.get("grant_type").map(String::as_str) == Some("fb_exchange_token") {
        let t = format!("EAALongUser{}", st.next());
        st.tokens.lock().expect("lock").insert(t.clone());
        return json_reply(
            200,
            json!({"access_token": t, "token_type": "bearer", "expires_in": 5_184_000}),
            &[],
        );
    }
    if !q.get("code").is_some_and(|c| c.starts_with("fbcode")) {
        return meta_err(100, 36009, "This authorization code has been used.");
    }
    json_reply(
        200,
        json!({"access_token": format!("EAAShort{}", st.next()), "token_type": "bearer", "expires_in": 5400}),
        &[],
    )
}

async fn meta_accounts(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "/me/accounts", &h, Value::Null);
    if !meta_token_ok(&st, q.get("access_token").map(String::as_str)) {
        return meta_err(190, 467, "Invalid OAuth access token.");
    }
    let mut pages = json!({"data": [
        {"id": FB_PAGE_ID, "name": "Perpustakaan Kota Palembang", "access_token": FB_PAGE_TOKEN,
         "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
         "instagram_business_account": {"id": IG_USER_ID, "username": "perpuskotaplg"}},
        {"id": "104000000000002", "name": "Halaman Lain (hanya analis)", "access_token": "EAAOther",
         "tasks": ["ANALYZE"]}
    ]});
    if *st.naive.lock().expect("lock") {
        // A second Page the person may post to (the "naive" switch on this fake).
        if let Some(list) = pages["data"].as_array_mut() {
            list.push(json!({"id": "104000000000003", "name": "Perpustakaan Keliling", "access_token": "EAAMobile",
                "tasks": ["CREATE_CONTENT"]}));
        }
    }
    json_reply(200, pages, &[])
}

fn meta_check(st: &FakeState, token: Option<&str>, path: &str) -> Option<Response> {
    if let (Some(r), _) = trick_for(st, path) {
        return Some(r);
    }
    if !meta_token_ok(st, token) {
        return Some(meta_err(
            190,
            460,
            "Error validating access token: The session has been invalidated because the user changed their password.",
        ));
    }
    None
}

/// `POST /{post-id}/comments` (Facebook, form `message`) and
/// `POST /{ig-media-id}/comments?message=` (Instagram).
async fn meta_comment(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let get = |k: &str| form.get(k).or_else(|| q.get(k)).cloned();
    st.record(
        "POST",
        &format!("/{node}/comments"),
        &h,
        json!({"message": get("message")}),
    );
    if let Some(r) = meta_check(&st, get("access_token").as_deref(), "/comments") {
        return r;
    }
    if !meta_exists(&st, &node) {
        return meta_err(100, 33, "Unsupported post request. Object does not exist");
    }
    let Some(message) = get("message").filter(|m| !m.trim().is_empty()) else {
        return meta_err(100, 0, "(#100) The parameter message is required");
    };
    let id = format!("{node}_c{}", st.next());
    st.comments
        .lock()
        .expect("lock")
        .push((node, id.clone(), message));
    json_reply(200, json!({"id": id}), &[])
}

/// A post, a comment made here, or something a test delivered by webhook.
fn meta_exists(st: &FakeState, node: &str) -> bool {
    st.posts.lock().expect("lock").iter().any(|p| p.id == node)
        || st
            .comments
            .lock()
            .expect("lock")
            .iter()
            .any(|c| c.1 == node)
        || st.known.lock().expect("lock").contains(node)
}

/// `POST /{ig-comment-id}/replies?message=`: Instagram's reply to a comment.
async fn ig_reply(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record(
        "POST",
        &format!("/{node}/replies"),
        &h,
        json!({"message": q.get("message")}),
    );
    if let Some(r) = meta_check(&st, q.get("access_token").map(String::as_str), "/replies") {
        return r;
    }
    if !meta_exists(&st, &node) {
        return meta_err(100, 33, "Unsupported post request. Object does not exist");
    }
    let Some(message) = q.get("message").filter(|m| !m.trim().is_empty()).cloned() else {
        return meta_err(100, 0, "(#100) The parameter message is required");
    };
    let id = format!("{node}_r{}", st.next());
    st.comments
        .lock()
        .expect("lock")
        .push((node, id.clone(), message));
    json_reply(200, json!({"id": id}), &[])
}

/// `POST /{ig-user}/mentions`: a reply where the library was mentioned.
async fn ig_mention_reply(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("POST", &format!("/{node}/mentions"), &h, json!(q));
    if let Some(r) = meta_check(&st, q.get("access_token").map(String::as_str), "/mentions") {
        return r;
    }
    let (Some(media), Some(message)) = (q.get("media_id"), q.get("message")) else {
        return meta_err(100, 0, "(#100) media_id and message are required");
    };
    let id = format!("m{}", st.next());
    st.comments
        .lock()
        .expect("lock")
        .push((media.clone(), id.clone(), message.clone()));
    json_reply(200, json!({"id": id}), &[])
}

/// `POST /{account}/messages`: a direct message to a person who wrote first.
async fn meta_message(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    body: String,
) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    st.record(
        "POST",
        &format!("/{node}/messages"),
        &h,
        json!(form.get("message")),
    );
    if let Some(r) = meta_check(
        &st,
        form.get("access_token").map(String::as_str),
        "/messages",
    ) {
        return r;
    }
    let recipient: Value = form
        .get("recipient")
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    let message: Value = form
        .get("message")
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    let (Some(to), Some(text)) = (recipient["id"].as_str(), message["text"].as_str()) else {
        return meta_err(100, 0, "(#100) recipient and message are required");
    };
    if !st.known.lock().expect("lock").contains(to) {
        // Documented: outside the 24-hour window, or a person who never wrote.
        return meta_err(
            10,
            2_018_278,
            "(#10) This message is sent outside of allowed window.",
        );
    }
    let id = format!("m_{}", st.next());
    st.messages
        .lock()
        .expect("lock")
        .push((node, to.to_string(), text.to_string()));
    json_reply(200, json!({"recipient_id": to, "message_id": id}), &[])
}

/// `POST /{comment-id}` with `is_hidden` (Facebook) or `hide` (Instagram).
async fn meta_moderate(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    body: String,
) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    st.record(
        "POST",
        &format!("/{node}"),
        &h,
        json!(
            form.iter()
                .filter(|(k, _)| *k != "access_token")
                .collect::<HashMap<_, _>>()
        ),
    );
    if let Some(r) = meta_check(&st, form.get("access_token").map(String::as_str), "/hide") {
        return r;
    }
    if !meta_exists(&st, &node) {
        return meta_err(100, 33, "Unsupported post request. Object does not exist");
    }
    json_reply(200, json!({"success": true}), &[])
}

/// `DELETE /{comment-id}`.
async fn meta_delete(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("DELETE", &format!("/{node}"), &h, Value::Null);
    if let Some(r) = meta_check(&st, q.get("access_token").map(String::as_str), "/delete") {
        return r;
    }
    if !meta_exists(&st, &node) {
        return meta_err(100, 33, "Unsupported delete request. Object does not exist");
    }
    st.known.lock().expect("lock").remove(&node);
    json_reply(200, json!({"success": true}), &[])
}

/// `GET /{id}/comments`: the comments of a post or media, newest first.
async fn meta_comments(
    State(st): State<Arc<FakeState>>,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = meta_check(&st, q.get("access_token").map(String::as_str), "/comments") {
        return r;
    }
    let data: Vec<Value> = st
        .comments
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .filter(|(n, _, _)| *n == node)
        .map(|(_, id, m)| json!({"id": id, "message": m, "text": m}))
        .collect();
    json_reply(200, json!({"data": data}), &[])
}

async fn fb_feed(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    st.record(
        "POST",
        &format!("/{node}/feed"),
        &h,
        json!(
            f.iter()
                .filter(|(k, _)| *k != "access_token")
                .collect::<HashMap<_, _>>()
        ),
    );
    if let Some(r) = meta_check(&st, f.get("access_token").map(String::as_str), "/feed") {
        return r;
    }
    let id = format!("{node}_{}", 900_000 + st.next());
    let media = f
        .iter()
        .filter(|(k, _)| k.starts_with("attached_media"))
        .map(|(_, v)| v.clone())
        .collect();
    st.posts.lock().expect("lock").push(FakePost {
        author: String::new(),
        created: st.now_ms(),
        id: id.clone(),
        text: f.get("message").cloned().unwrap_or_default(),
        key: None,
        media,
        record: json!(f.get("link")),
    });
    json_reply(
        200,
        json!({"id": id}),
        &[(
            "x-business-use-case-usage",
            format!(
                r#"{{"{node}":[{{"type":"pages","call_count":3,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":0}}]}}"#
            ),
        )],
    )
}

async fn fb_photos(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    m: Multipart,
) -> Response {
    let (f, file) = multipart_fields(m).await;
    st.record("POST", &format!("/{node}/photos"), &h, json!({"published": f.get("published"), "alt": f.get("alt_text_custom"), "size": file.as_ref().map(|x| x.1)}));
    if let Some(r) = meta_check(&st, f.get("access_token").map(String::as_str), "/photos") {
        return r;
    }
    let photo = format!("{}", 500_000 + st.next());
    if f.get("published").map(String::as_str) == Some("false") {
        return json_reply(200, json!({"id": photo}), &[]);
    }
    let post = format!("{node}_{}", 900_000 + st.next());
    st.posts.lock().expect("lock").push(FakePost {
        author: String::new(),
        created: st.now_ms(),
        id: post.clone(),
        text: f.get("message").cloned().unwrap_or_default(),
        key: None,
        media: vec![photo.clone()],
        record: Value::Null,
    });
    json_reply(200, json!({"id": photo, "post_id": post}), &[])
}

async fn fb_videos(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    m: Multipart,
) -> Response {
    let (f, file) = multipart_fields(m).await;
    st.record(
        "POST",
        &format!("/{node}/videos"),
        &h,
        json!({"title": f.get("title"), "size": file.as_ref().map(|x| x.1)}),
    );
    if let Some(r) = meta_check(&st, f.get("access_token").map(String::as_str), "/videos") {
        return r;
    }
    let id = format!("{}", 700_000 + st.next());
    st.posts.lock().expect("lock").push(FakePost {
        author: String::new(),
        created: st.now_ms(),
        id: id.clone(),
        text: f.get("description").cloned().unwrap_or_default(),
        key: None,
        media: vec!["video".into()],
        record: Value::Null,
    });
    json_reply(200, json!({"id": id}), &[])
}

async fn ig_quota(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record(
        "GET",
        &format!("/{node}/content_publishing_limit"),
        &h,
        Value::Null,
    );
    if let Some(r) = meta_check(
        &st,
        q.get("access_token").map(String::as_str),
        "content_publishing_limit",
    ) {
        return r;
    }
    let used = st.posts.lock().expect("lock").len();
    let total = st
        .rate
        .lock()
        .expect("lock")
        .map(|(l, _, _)| l)
        .unwrap_or(50);
    json_reply(
        200,
        json!({"data": [{"quota_usage": used, "config": {"quota_total": total, "quota_duration": 86400}}]}),
        &[],
    )
}

async fn ig_media(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    st.record(
        "POST",
        &format!("/{node}/media"),
        &h,
        json!(
            f.iter()
                .filter(|(k, _)| *k != "access_token")
                .collect::<HashMap<_, _>>()
        ),
    );
    if let Some(r) = meta_check(&st, f.get("access_token").map(String::as_str), "/media") {
        return r;
    }
    if !f.contains_key("image_url") && !f.contains_key("video_url") && !f.contains_key("children") {
        return meta_err(
            100,
            2_207_018,
            "The media type is not supported or the URL is missing.",
        );
    }
    let id = format!("{}", 18_000_000 + st.next());
    // Videos take one poll to finish processing.
    let polls = u32::from(f.contains_key("video_url"));
    st.media_polls
        .lock()
        .expect("lock")
        .insert(id.clone(), polls);
    st.seen.lock().expect("lock").push(Seen {
        method: "CONTAINER".into(),
        path: id.clone(),
        auth: None,
        idempotency_key: None,
        body: json!(
            f.iter()
                .filter(|(k, _)| *k != "access_token")
                .collect::<HashMap<_, _>>()
        ),
    });
    json_reply(200, json!({"id": id}), &[])
}

async fn meta_get_node(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", &format!("/{node}"), &h, json!(q.get("fields")));
    if let Some(r) = meta_check(&st, q.get("access_token").map(String::as_str), "/status") {
        return r;
    }
    if q.get("fields").is_some_and(|f| f.contains("status_code")) {
        let mut polls = st.media_polls.lock().expect("lock");
        return match polls.get_mut(&node) {
            Some(n) if *n > 0 => {
                *n -= 1;
                json_reply(200, json!({"id": node, "status_code": "IN_PROGRESS"}), &[])
            }
            Some(_) => json_reply(200, json!({"id": node, "status_code": "FINISHED"}), &[]),
            None => meta_err(100, 33, "Unsupported get request."),
        };
    }
    let m = metrics_of(&st, &node);
    if let Some(e) = m.as_ref().and_then(|m| m["error"].as_array().cloned())
        && q.get("fields").is_some_and(|f| f.contains("shares"))
    {
        return meta_err(
            e.first().and_then(Value::as_i64).unwrap_or(100),
            e.get(1).and_then(Value::as_i64).unwrap_or(0),
            e.get(2).and_then(Value::as_str).unwrap_or("error"),
        );
    }
    json_reply(
        200,
        merged(
            json!({"id": node, "permalink": format!("https://www.instagram.com/p/{node}/")}),
            m.map(|m| m["fields"].clone()),
        ),
        &[],
    )
}

async fn ig_publish(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    st.record(
        "POST",
        &format!("/{node}/media_publish"),
        &h,
        json!(f.get("creation_id")),
    );
    if let Some(r) = meta_check(
        &st,
        f.get("access_token").map(String::as_str),
        "media_publish",
    ) {
        return r;
    }
    let creation = f.get("creation_id").cloned().unwrap_or_default();
    match st.media_polls.lock().expect("lock").get(&creation) {
        None => return meta_err(100, 2_207_020, "The media container has expired."),
        Some(n) if *n > 0 => return meta_err(9007, 2_207_027, "Media ID is not available"),
        Some(_) => {}
    }
    let container = st
        .seen
        .lock()
        .expect("lock")
        .iter()
        .find(|s| s.method == "CONTAINER" && s.path == creation)
        .map(|s| s.body.clone())
        .unwrap_or(Value::Null);
    let id = format!("{}", 17_900_000 + st.next());
    st.posts.lock().expect("lock").push(FakePost {
        author: String::new(),
        created: st.now_ms(),
        id: id.clone(),
        text: container["caption"].as_str().unwrap_or("").into(),
        key: Some(creation),
        media: container["children"]
            .as_str()
            .map(|c| c.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        record: container,
    });
    json_reply(200, json!({"id": id}), &[])
}

async fn meta_list(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", &format!("/{node}/list"), &h, Value::Null);
    if let Some(r) = meta_check(&st, q.get("access_token").map(String::as_str), "/list") {
        return r;
    }
    let data: Vec<Value> = st
        .posts
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .map(|p| json!({"id": p.id, "message": p.text, "caption": p.text}))
        .collect();
    json_reply(200, json!({"data": data}), &[])
}

// ---------------------------------------------------------------- Google / YouTube

pub const GOOGLE_CLIENT_ID: &str = "google-client-id.apps.googleusercontent.com";
pub const GOOGLE_CLIENT_SECRET: &str = "google-client-secret";
pub const YT_CHANNEL_ID: &str = "UCperpuskotapalembang01";

/// Google's OAuth endpoints and the YouTube Data API, resumable uploads included.
pub async fn google() -> Fake {
    let st = Arc::new(FakeState::default());
    let r = Router::new()
        .route("/o/oauth2/v2/auth", get(m_authorize))
        .route("/token", post(g_token))
        .route("/youtube/v3/channels", get(yt_channels))
        .route("/youtube/v3/playlistItems", get(yt_playlist))
        .route("/youtube/v3/videos", get(yt_videos))
        .route("/v2/reports", get(yt_reports))
        .route(
            "/youtube/v3/commentThreads",
            post(yt_comment).get(yt_comments),
        )
        .route("/youtube/v3/comments", post(yt_reply))
        .route(
            "/youtube/v3/comments/setModerationStatus",
            post(yt_moderate),
        )
        .route("/upload/youtube/v3/videos", post(yt_start))
        .route("/upload/session/{id}", axum::routing::put(yt_put))
        .route("/upload/youtube/v3/thumbnails/set", post(yt_thumb));
    Fake::start(r, st).await
}

fn g_err(status: u16, reason: &str, msg: &str) -> Response {
    json_reply(
        status,
        json!({"error": {"code": status, "message": msg, "errors": [{"domain": "youtube", "reason": reason, "message": msg}], "status": "ERROR"}}),
        &[],
    )
}

async fn g_token(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    st.record("POST", "/token", &h, json!(f.get("grant_type")));
    if f.get("client_secret").map(String::as_str) != Some(GOOGLE_CLIENT_SECRET) {
        return json_reply(
            401,
            json!({"error": "invalid_client", "error_description": "Unauthorized"}),
            &[],
        );
    }
    let n = st.next();
    let access = format!("ya29.access{n}");
    match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = f.get("code").cloned().unwrap_or_default();
            if !pkce_ok(&st, &code, f.get("code_verifier")) {
                return json_reply(
                    400,
                    json!({"error": "invalid_grant", "error_description": "Bad Request"}),
                    &[],
                );
            }
            let refresh = format!("1//refresh{n}");
            st.tokens.lock().expect("lock").insert(access.clone());
            st.refresh_tokens
                .lock()
                .expect("lock")
                .push(refresh.clone());
            json_reply(
                200,
                json!({"access_token": access, "expires_in": 3599, "refresh_token": refresh, "scope": "https://www.googleapis.com/auth/youtube.upload", "token_type": "Bearer"}),
                &[],
            )
        }
        Some("refresh_token") => {
            let rt = f.get("refresh_token").cloned().unwrap_or_default();
            if !st.refresh_tokens.lock().expect("lock").contains(&rt) {
                return json_reply(
                    400,
                    json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
                    &[],
                );
            }
            st.tokens.lock().expect("lock").insert(access.clone());
            // Google does not send the refresh token again.
            json_reply(
                200,
                json!({"access_token": access, "expires_in": 3599, "token_type": "Bearer"}),
                &[],
            )
        }
        _ => json_reply(400, json!({"error": "unsupported_grant_type"}), &[]),
    }
}

async fn yt_channels(State(st): State<Arc<FakeState>>, h: HeaderMap) -> Response {
    st.record("GET", "/youtube/v3/channels", &h, Value::Null);
    if !st.authorised(&h) {
        return g_err(401, "authError", "Invalid Credentials");
    }
    json_reply(
        200,
        json!({"items": [{"id": YT_CHANNEL_ID, "snippet": {"title": "Perpustakaan Kota Palembang", "customUrl": "@perpuskotaplg"},
            "statistics": merged(json!({"viewCount": "0", "subscriberCount": "0", "hiddenSubscriberCount": false, "videoCount": "0"}), metrics_of(&st, "account"))}]}),
        &[],
    )
}

/// `commentThreads.insert`: a top-level comment on one of the fake's videos.
async fn yt_comment(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    st.record("POST", "/youtube/v3/commentThreads", &h, body.0.clone());
    if let (Some(r), _) = trick_for(&st, "/youtube/v3/commentThreads") {
        return r;
    }
    if !st.authorised(&h) {
        return g_err(401, "authError", "Invalid Credentials");
    }
    let video = body.0["snippet"]["videoId"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let text = body.0["snippet"]["topLevelComment"]["snippet"]["textOriginal"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if !st.posts.lock().expect("lock").iter().any(|p| p.id == video) {
        return g_err(
            404,
            "videoNotFound",
            "The video identified by the videoId parameter could not be found.",
        );
    }
    if text.trim().is_empty() {
        return g_err(400, "commentTextRequired", "The comment text is required.");
    }
    let id = format!("Ug{}", st.next());
    st.comments
        .lock()
        .expect("lock")
        .push((video, id.clone(), text));
    json_reply(200, json!({"id": id, "kind": "youtube#commentThread"}), &[])
}

/// `comments.insert`: a reply in a thread.
async fn yt_reply(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    st.record("POST", "/youtube/v3/comments", &h, body.0.clone());
    if let (Some(r), _) = trick_for(&st, "/youtube/v3/comments") {
        return r;
    }
    if !st.authorised(&h) {
        return g_err(401, "authError", "Invalid Credentials");
    }
    let parent = body.0["snippet"]["parentId"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let text = body.0["snippet"]["textOriginal"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if !st.known.lock().expect("lock").contains(&parent) {
        return g_err(
            404,
            "commentNotFound",
            "The specified parent comment could not be found.",
        );
    }
    let id = format!("{parent}.r{}", st.next());
    st.comments
        .lock()
        .expect("lock")
        .push((parent, id.clone(), text));
    json_reply(200, json!({"id": id, "kind": "youtube#comment"}), &[])
}

/// `comments.setModerationStatus?id=&moderationStatus=`.
async fn yt_moderate(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record(
        "POST",
        "/youtube/v3/comments/setModerationStatus",
        &h,
        json!(q),
    );
    if !st.authorised(&h) {
        return g_err(401, "authError", "Invalid Credentials");
    }
    let id = q.get("id").cloned().unwrap_or_default();
    if !st.known.lock().expect("lock").contains(&id) {
        return g_err(404, "commentNotFound", "The comment could not be found.");
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `commentThreads.list?videoId=`: the video's comments, newest first;
/// `allThreadsRelatedToChannelId=`: viewers' threads by latest activity.
async fn yt_comments(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    st.record("GET", "/youtube/v3/commentThreads", &h, json!(q));
    if !st.authorised(&h) {
        return g_err(401, "authError", "Invalid Credentials");
    }
    if q.contains_key("allThreadsRelatedToChannelId") {
        let items: Vec<Value> = st
            .notifications
            .lock()
            .expect("lock")
            .iter()
            .rev()
            .cloned()
            .collect();
        return json_reply(200, json!({"items": items}), &[]);
    }
    let video = q.get("videoId").cloned().unwrap_or_default();
    let items: Vec<Value> = st
        .comments
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .filter(|(v, _, _)| *v == video)
        .map(|(_, id, t)| json!({"id": id, "snippet": {"videoId": video, "topLevelComment": {"snippet": {"textOriginal": t}}}}))
        .collect();
    json_reply(200, json!({"items": items}), &[])
}

async fn yt_playlist(State(st): State<Arc<FakeState>>, h: HeaderMap) -> Response {
    st.record("GET", "/youtube/v3/playlistItems", &h, Value::Null);
    if !st.authorised(&h) {
        return g_err(401, "authError", "Invalid Credentials");
    }
    let items: Vec<Value> = st
        .posts
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .map(|p| json!({"snippet": {"title": p.record["snippet"]["title"], "publishedAt": chrono::Utc::now().to_rfc3339(), "resourceId": {"videoId": p.id}}}))
        .collect();
    json_reply(200, json!({"items": items}), &[])
}

async fn yt_start(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    st.record("POST", "/upload/youtube/v3/videos", &h, body.0.clone());
    if let (Some(r), _) = trick_for(&st, "/upload/youtube/v3/videos") {
        return r;
    }
    if !st.authorised(&h) {
        return g_err(401, "authError", "Invalid Credentials");
    }
    let total: usize = h
        .get("x-upload-content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let id = format!("s{}", st.next());
    st.uploads
        .lock()
        .expect("lock")
        .insert(id.clone(), (total, Vec::new(), body.0.clone()));
    let mut r = (StatusCode::OK, "").into_response();
    if let Ok(host) = HeaderValue::from_str(&format!(
        "http://{}/upload/session/{id}",
        h.get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1")
    )) {
        r.headers_mut().insert("location", host);
    }
    r
}

async fn yt_put(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let range = h
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    st.record(
        "PUT",
        &format!("/upload/session/{id}"),
        &h,
        json!({"range": range, "size": body.len()}),
    );
    // Tricks may name the chunk: "/upload/session bytes 4096-".
    let (_, hang) = trick_for(&st, &format!("/upload/session {range}"));
    let state = {
        let mut uploads = st.uploads.lock().expect("lock");
        match uploads.get_mut(&id) {
            None => None,
            Some((total, got, meta)) => {
                // `bytes a-b/total` appends at a; `bytes */total` asks for the offset.
                let start = range
                    .strip_prefix("bytes ")
                    .and_then(|spec| spec.split_once('/'))
                    .and_then(|(span, _)| span.split_once('-'))
                    .and_then(|(a, _)| a.parse::<usize>().ok());
                if start == Some(got.len()) {
                    got.extend_from_slice(&body);
                }
                Some((*total, got.len(), meta.clone()))
            }
        }
    };
    let Some((total, have, meta)) = state else {
        return g_err(404, "notFound", "Upload session not found");
    };
    if let Some(d) = hang {
        // The bytes arrived, then the connection "breaks" before the answer.
        tokio::time::sleep(d).await;
    }
    if have < total || total == 0 {
        let mut r = (StatusCode::PERMANENT_REDIRECT, "").into_response();
        if have > 0
            && let Ok(v) = HeaderValue::from_str(&format!("bytes=0-{}", have - 1))
        {
            r.headers_mut().insert("range", v);
        }
        return r;
    }
    let vid = format!("vid{}", st.next());
    let exists = st
        .posts
        .lock()
        .expect("lock")
        .iter()
        .any(|p| p.key.as_deref() == Some(&id));
    if !exists {
        st.posts.lock().expect("lock").push(FakePost {
            author: String::new(),
            created: st.now_ms(),
            id: vid.clone(),
            text: meta["snippet"]["description"].as_str().unwrap_or("").into(),
            key: Some(id),
            media: vec![format!("{have} bytes")],
            record: meta.clone(),
        });
    }
    json_reply(
        201,
        json!({"id": vid, "snippet": meta["snippet"], "status": {"uploadStatus": "uploaded"}}),
        &[],
    )
}

async fn yt_thumb(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    st.record(
        "POST",
        "/upload/youtube/v3/thumbnails/set",
        &h,
        json!({"videoId": q.get("videoId"), "size": body.len()}),
    );
    json_reply(
        200,
        json!({"items": [{"default": {"url": "https://i.ytimg.com/x.jpg"}}]}),
        &[],
    )
}

async fn page_festival() -> Response {
    let html = r#"<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>Festival Literasi</title>
<meta property="og:title" content="Festival Literasi Anak 2026">
<meta property="og:description" content="Tiga hari dongeng, lomba mewarnai dan bedah buku di Perpustakaan Kota Palembang.">
<meta property="og:image" content="/img/poster.png">
</head><body><h1>Festival Literasi Anak</h1></body></html>"#;
    ([("content-type", "text/html; charset=utf-8")], html).into_response()
}

async fn page_image() -> Response {
    // A 1×1 PNG.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8,
        0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
    ([("content-type", "image/png")], PNG).into_response()
}

async fn x_metadata(
    State(st): State<Arc<FakeState>>,
    h: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    st.record("POST", "/2/media/metadata", &h, body.0.clone());
    if !st.authorised(&h) {
        return x_problem(401, "Unauthorized", "Unauthorized", "not-authorized");
    }
    json_reply(
        200,
        json!({"data": {"associated_metadata": true, "id": body.0["id"]}}),
        &[],
    )
}
