//! Webhooks in: signatures checked before anything is stored, bodies split into
//! events with the platform's own ids, and events read into inbox items.
//!
//! Meta (Facebook Pages, Instagram): `X-Hub-Signature-256: sha256={hex}` is the
//! HMAC-SHA256 of the raw body keyed with the app secret; the subscription
//! handshake echoes `hub.challenge` when `hub.verify_token` matches. X: the CRC
//! answer is `sha256=` + base64(HMAC-SHA256(consumer secret, crc_token)) and
//! each POST carries `x-twitter-webhooks-signature` over the raw body.

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use siar_domain::Timestamp;
use siar_domain::inbox::{Author, ConvKind, InboundItem};

type HmacSha256 = Hmac<Sha256>;

/// Why a webhook body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error("signature missing")]
    MissingSignature,
    #[error("signature does not match")]
    BadSignature,
    #[error("webhook secret is not configured")]
    NotConfigured,
    #[error("malformed body: {0}")]
    Malformed(String),
}

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    match HmacSha256::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable_hmac(),
    }
}

#[cold]
fn unreachable_hmac() -> HmacSha256 {
    // An HMAC key of any length is valid; keep a defined value anyway.
    HmacSha256::new_from_slice(b"-").unwrap_or_else(|_| unreachable!("HMAC accepts any key"))
}

/// Checks Meta's `X-Hub-Signature-256` header (constant-time compare).
pub fn verify_meta(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), HookError> {
    if secret.is_empty() {
        return Err(HookError::NotConfigured);
    }
    let header = header.ok_or(HookError::MissingSignature)?;
    let hex_sig = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(HookError::BadSignature)?;
    let sig = hex::decode(hex_sig).map_err(|_| HookError::BadSignature)?;
    let mut m = mac(secret.as_bytes());
    m.update(body);
    m.verify_slice(&sig).map_err(|_| HookError::BadSignature)
}

/// The header value Meta would send for `body` (for tests, fakes and the
/// benchmark).
pub fn sign_meta(secret: &str, body: &[u8]) -> String {
    let mut m = mac(secret.as_bytes());
    m.update(body);
    format!("sha256={}", hex::encode(m.finalize().into_bytes()))
}

/// The answer to Meta's subscription handshake: the challenge when the mode
/// is `subscribe` and the token matches (constant time), else `None` (403).
pub fn meta_handshake<'a>(
    verify_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
) -> Option<&'a str> {
    use subtle::ConstantTimeEq;
    if verify_token.is_empty() || mode != Some("subscribe") {
        return None;
    }
    let token = token?;
    if bool::from(token.as_bytes().ct_eq(verify_token.as_bytes())) {
        challenge
    } else {
        None
    }
}

/// X's CRC answer for `crc_token`.
pub fn x_crc(consumer_secret: &str, crc_token: &str) -> String {
    sign_x(consumer_secret, crc_token.as_bytes())
}

/// Checks X's `x-twitter-webhooks-signature` header (base64, constant time).
pub fn verify_x(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), HookError> {
    if secret.is_empty() {
        return Err(HookError::NotConfigured);
    }
    let header = header.ok_or(HookError::MissingSignature)?;
    let b64 = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(HookError::BadSignature)?;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| HookError::BadSignature)?;
    let mut m = mac(secret.as_bytes());
    m.update(body);
    m.verify_slice(&sig).map_err(|_| HookError::BadSignature)
}

/// One event cut from a webhook body, ready to be stored once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEvent {
    /// `facebook` or `instagram` (Meta), `x`.
    pub platform: &'static str,
    /// The platform's id of the event, or of what it is about.
    pub event_id: String,
    /// The account it is for (Page id, Instagram user id, X user id).
    pub account: String,
    /// The event's own JSON.
    pub body: String,
}

fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn digest_id(prefix: &str, raw: &str) -> String {
    let h = Sha256::digest(raw.as_bytes());
    format!("{prefix}:{}", hex::encode(&h[..16]))
}

/// A JSON value kept as written (ids may be strings or numbers).
type Raw<'a> = &'a serde_json::value::RawValue;

fn raw_id(r: Option<Raw<'_>>) -> Option<&str> {
    let t = r?.get().trim();
    let t = t
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(t);
    (!t.is_empty() && t != "null").then_some(t)
}

#[derive(serde::Deserialize)]
struct MetaBody<'a> {
    #[serde(borrow)]
    object: Option<&'a str>,
    #[serde(borrow)]
    entry: Option<Vec<MetaEntry<'a>>>,
}

#[derive(serde::Deserialize)]
struct MetaEntry<'a> {
    #[serde(borrow)]
    id: Option<Raw<'a>>,
    #[serde(borrow, default)]
    changes: Vec<Raw<'a>>,
    #[serde(borrow, default)]
    messaging: Vec<Raw<'a>>,
}

#[derive(serde::Deserialize)]
struct ChangeKey<'a> {
    #[serde(borrow, default)]
    field: Option<&'a str>,
    #[serde(borrow, default)]
    value: Option<ValueKey<'a>>,
}

#[derive(serde::Deserialize)]
struct ValueKey<'a> {
    #[serde(borrow, default)]
    comment_id: Option<Raw<'a>>,
    #[serde(borrow, default)]
    id: Option<Raw<'a>>,
    #[serde(borrow, default)]
    post_id: Option<Raw<'a>>,
    #[serde(borrow, default)]
    verb: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct MessagingKey<'a> {
    #[serde(borrow, default)]
    message: Option<MidKey<'a>>,
}

#[derive(serde::Deserialize)]
struct MidKey<'a> {
    #[serde(borrow, default)]
    mid: Option<Raw<'a>>,
}

/// Splits a Meta webhook body into events. An event's id is what the
/// platform names (comment id with its verb, message id); an event without one
/// is named by the hash of its JSON, so a repeated delivery is still the same.
/// The body is read without building a tree: each event's own JSON is kept as
/// it came.
pub fn split_meta(body: &[u8]) -> Result<Vec<HookEvent>, HookError> {
    let bad = |m: &str| HookError::Malformed(m.to_string());
    let v: MetaBody<'_> =
        serde_json::from_slice(body).map_err(|e| HookError::Malformed(e.to_string()))?;
    let platform = match v.object.ok_or_else(|| bad("no `object`"))? {
        "page" => "facebook",
        "instagram" => "instagram",
        other => return Err(HookError::Malformed(format!("unknown object `{other}`"))),
    };
    let entries = v.entry.ok_or_else(|| bad("no `entry` list"))?;
    let mut out = Vec::new();
    for e in entries {
        let account = raw_id(e.id)
            .ok_or_else(|| bad("entry without id"))?
            .to_string();
        for c in e.changes {
            let key: ChangeKey<'_> =
                serde_json::from_str(c.get()).map_err(|e| HookError::Malformed(e.to_string()))?;
            let field = key.field.unwrap_or("");
            let value = key.value.as_ref();
            let id =
                value.and_then(|v| raw_id(v.comment_id).or(raw_id(v.id)).or(raw_id(v.post_id)));
            let verb = value.and_then(|v| v.verb).unwrap_or("add");
            let event_id = match id {
                Some(id) => format!("{field}:{verb}:{id}"),
                None => digest_id(field, c.get()),
            };
            out.push(HookEvent {
                platform,
                event_id,
                account: account.clone(),
                body: format!(r#"{{"kind":"change","change":{}}}"#, c.get()),
            });
        }
        for m in e.messaging {
            let key: MessagingKey<'_> =
                serde_json::from_str(m.get()).map_err(|e| HookError::Malformed(e.to_string()))?;
            let event_id = match key.message.and_then(|x| raw_id(x.mid).map(str::to_string)) {
                Some(mid) => format!("message:{mid}"),
                None => digest_id("messaging", m.get()),
            };
            out.push(HookEvent {
                platform,
                event_id,
                account: account.clone(),
                body: format!(r#"{{"kind":"messaging","messaging":{}}}"#, m.get()),
            });
        }
    }
    Ok(out)
}

fn meta_time(v: &Value) -> Option<Timestamp> {
    match v {
        // Unix seconds (feed `created_time`) or milliseconds (messaging
        // `timestamp`).
        Value::Number(n) => n.as_i64().map(|x| {
            if x > 100_000_000_000 {
                Timestamp(x)
            } else {
                Timestamp(x * 1000)
            }
        }),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
            .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
            .ok()
            .map(|d| Timestamp(d.timestamp_millis())),
        _ => None,
    }
}

/// Reads one stored Meta event as an inbox item. `account` is the Page or
/// Instagram account it came for; `received` stands in for a missing time.
/// `Ok(None)`: an event the inbox does not keep (a like, a post of our own).
pub fn read_meta(
    platform: &str,
    account: &str,
    body: &str,
    received: Timestamp,
) -> Result<Option<InboundItem>, HookError> {
    let v: Value = serde_json::from_str(body).map_err(|e| HookError::Malformed(e.to_string()))?;
    match v["kind"].as_str() {
        Some("change") => Ok(read_change(platform, account, &v["change"], received)),
        Some("messaging") => Ok(read_messaging(account, &v["messaging"], received)),
        _ => Err(HookError::Malformed("unknown stored event".into())),
    }
}

fn read_change(
    platform: &str,
    account: &str,
    c: &Value,
    received: Timestamp,
) -> Option<InboundItem> {
    let field = c["field"].as_str()?;
    let v = &c["value"];
    match (platform, field) {
        ("facebook", "feed") => {
            if v["item"].as_str() != Some("comment") {
                return None;
            }
            let comment = s(&v["comment_id"])?;
            let post = s(&v["post_id"]);
            let parent = s(&v["parent_id"]);
            // A top-level comment's parent is the post; a reply's is a comment.
            let thread = match (&parent, &post) {
                (Some(p), Some(post)) if p != post => p.clone(),
                _ => comment.clone(),
            };
            let from_id = s(&v["from"]["id"]).unwrap_or_default();
            Some(InboundItem {
                kind: ConvKind::Comment,
                thread_key: thread,
                remote_id: comment.clone(),
                parent_remote_id: parent,
                remote_post_id: post,
                permalink: v["permalink_url"].as_str().map(str::to_string),
                author: Author {
                    handle: from_id.clone(),
                    name: v["from"]["name"].as_str().unwrap_or("").to_string(),
                    profile_url: None,
                    remote_id: from_id.clone(),
                },
                text: v["message"].as_str().unwrap_or("").to_string(),
                at: meta_time(&v["created_time"]).unwrap_or(received),
                from_us: from_id == account,
                removed: v["verb"].as_str() == Some("remove"),
            })
        }
        ("facebook", "mention") => {
            let post = s(&v["post_id"])?;
            Some(InboundItem {
                kind: ConvKind::Mention,
                thread_key: post.clone(),
                remote_id: s(&v["comment_id"]).unwrap_or_else(|| post.clone()),
                parent_remote_id: None,
                remote_post_id: Some(post),
                permalink: None,
                author: Author {
                    remote_id: s(&v["sender_id"]).unwrap_or_default(),
                    handle: s(&v["sender_id"]).unwrap_or_default(),
                    name: v["sender_name"].as_str().unwrap_or("").to_string(),
                    profile_url: None,
                },
                text: v["message"].as_str().unwrap_or("").to_string(),
                at: meta_time(&v["created_time"]).unwrap_or(received),
                from_us: false,
                removed: v["verb"].as_str() == Some("remove"),
            })
        }
        ("instagram", "comments") | ("instagram", "live_comments") => {
            let id = s(&v["id"])?;
            let parent = s(&v["parent_id"]);
            let username = v["from"]["username"].as_str().unwrap_or("").to_string();
            let from_id = s(&v["from"]["id"]).unwrap_or_default();
            Some(InboundItem {
                kind: ConvKind::Comment,
                thread_key: parent.clone().unwrap_or_else(|| id.clone()),
                remote_id: id,
                parent_remote_id: parent,
                remote_post_id: s(&v["media"]["id"]),
                permalink: None,
                author: Author {
                    remote_id: from_id.clone(),
                    handle: username.clone(),
                    name: username.clone(),
                    profile_url: (!username.is_empty())
                        .then(|| format!("https://www.instagram.com/{username}/")),
                },
                text: v["text"].as_str().unwrap_or("").to_string(),
                at: meta_time(&v["timestamp"]).unwrap_or(received),
                from_us: from_id == account,
                removed: false,
            })
        }
        ("instagram", "mentions") => {
            let media = s(&v["media_id"])?;
            let id = s(&v["comment_id"]).unwrap_or_else(|| media.clone());
            Some(InboundItem {
                kind: ConvKind::Mention,
                thread_key: id.clone(),
                remote_id: id,
                parent_remote_id: None,
                remote_post_id: Some(media),
                permalink: None,
                author: Author::default(),
                text: v["text"].as_str().unwrap_or("").to_string(),
                at: received,
                from_us: false,
                removed: false,
            })
        }
        _ => None,
    }
}

fn read_messaging(account: &str, m: &Value, received: Timestamp) -> Option<InboundItem> {
    let text = m["message"]["text"].as_str()?;
    let mid = s(&m["message"]["mid"])?;
    let sender = s(&m["sender"]["id"])?;
    let recipient = s(&m["recipient"]["id"]).unwrap_or_default();
    let from_us = sender == account || m["message"]["is_echo"].as_bool() == Some(true);
    let partner = if from_us { recipient } else { sender.clone() };
    Some(InboundItem {
        kind: ConvKind::Message,
        thread_key: format!("dm:{partner}"),
        remote_id: mid,
        parent_remote_id: None,
        remote_post_id: None,
        permalink: None,
        author: Author {
            remote_id: sender.clone(),
            handle: sender,
            name: String::new(),
            profile_url: None,
        },
        text: text.to_string(),
        at: meta_time(&m["timestamp"]).unwrap_or(received),
        from_us,
        removed: false,
    })
}

// ---------------------------------------------------------------------------
// X (X Activity API deliveries)
// ---------------------------------------------------------------------------

#[derive(serde::Deserialize)]
struct XBody<'a> {
    #[serde(borrow)]
    data: Option<Raw<'a>>,
}

#[derive(serde::Deserialize)]
struct XEventKey<'a> {
    #[serde(borrow, default)]
    event_uuid: Option<Raw<'a>>,
    #[serde(borrow, default)]
    event_type: Option<&'a str>,
    #[serde(borrow, default)]
    filter: Option<XFilterKey<'a>>,
    #[serde(borrow, default)]
    payload: Option<XPayloadKey<'a>>,
}

#[derive(serde::Deserialize)]
struct XFilterKey<'a> {
    #[serde(borrow, default)]
    user_id: Option<Raw<'a>>,
}

#[derive(serde::Deserialize)]
struct XPayloadKey<'a> {
    #[serde(borrow, default)]
    id: Option<Raw<'a>>,
    #[serde(borrow, default)]
    direct_message_events: Vec<XDmKey<'a>>,
}

#[derive(serde::Deserialize)]
struct XDmKey<'a> {
    #[serde(borrow, default)]
    id: Option<Raw<'a>>,
}

/// Splits an X Activity API webhook body into events. A delivery is the
/// envelope `{"data": {event_uuid, filter: {user_id}, event_type, payload,
/// includes}}` (a list under `data` is taken too). An event is named by its
/// type and what it is about (the Post id, the direct messages' ids), so a
/// repeated delivery is the same event; the account is the subscription's
/// `filter.user_id`. Each event's own JSON is kept as it came.
pub fn split_x(body: &[u8]) -> Result<Vec<HookEvent>, HookError> {
    let bad = |m: &str| HookError::Malformed(m.to_string());
    let v: XBody<'_> =
        serde_json::from_slice(body).map_err(|e| HookError::Malformed(e.to_string()))?;
    let data = v.data.ok_or_else(|| bad("no `data`"))?;
    let items: Vec<Raw<'_>> = if data.get().trim_start().starts_with('[') {
        serde_json::from_str(data.get()).map_err(|e| HookError::Malformed(e.to_string()))?
    } else {
        vec![data]
    };
    let mut out = Vec::with_capacity(items.len());
    for raw in items {
        let key: XEventKey<'_> =
            serde_json::from_str(raw.get()).map_err(|e| HookError::Malformed(e.to_string()))?;
        let kind = key
            .event_type
            .ok_or_else(|| bad("event without `event_type`"))?;
        let account = key
            .filter
            .and_then(|f| raw_id(f.user_id).map(str::to_string))
            .ok_or_else(|| bad("event without `filter.user_id`"))?;
        let about = key.payload.and_then(|p| {
            let dms: Vec<&str> = p
                .direct_message_events
                .iter()
                .filter_map(|d| raw_id(d.id))
                .collect();
            if dms.is_empty() {
                raw_id(p.id).map(str::to_string)
            } else {
                Some(dms.join(","))
            }
        });
        let event_id = match (about, raw_id(key.event_uuid)) {
            (Some(id), _) => format!("{kind}:{id}"),
            (None, Some(uuid)) => format!("{kind}:uuid:{uuid}"),
            (None, None) => digest_id(kind, raw.get()),
        };
        out.push(HookEvent {
            platform: "x",
            event_id,
            account,
            body: raw.get().to_string(),
        });
    }
    Ok(out)
}

/// Reads one stored X Activity API event as inbox items: a mention (or a
/// reply addressed to the library) is a post as the mentions poll reads it;
/// a direct message received or sent is a message in the conversation with
/// the other person. Other event types give nothing.
pub fn read_x(
    account: &str,
    body: &str,
    received: Timestamp,
) -> Result<Vec<InboundItem>, HookError> {
    let v: Value = serde_json::from_str(body).map_err(|e| HookError::Malformed(e.to_string()))?;
    let payload = &v["payload"];
    match v["event_type"].as_str() {
        Some("post.mention.create") => {
            let users = v["includes"]["users"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let mut post = payload.clone();
            if post["created_at"].is_null() {
                post["created_at"] = Value::String(
                    chrono::DateTime::from_timestamp_millis(received.0)
                        .unwrap_or_default()
                        .to_rfc3339(),
                );
            }
            Ok(crate::x::mention_item(account, &post, users)
                .into_iter()
                .collect())
        }
        Some("dm.received") | Some("dm.sent") => Ok(payload["direct_message_events"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| x_dm_item(account, e, &payload["users"], received))
            .collect()),
        Some(_) => Ok(Vec::new()),
        None => Err(HookError::Malformed("unknown stored event".into())),
    }
}

fn x_dm_item(account: &str, e: &Value, users: &Value, received: Timestamp) -> Option<InboundItem> {
    if e["type"].as_str() != Some("message_create") {
        return None;
    }
    let m = &e["message_create"];
    let id = s(&e["id"])?;
    let sender = s(&m["sender_id"])?;
    let recipient = s(&m["target"]["recipient_id"]).unwrap_or_default();
    let text = m["message_data"]["text"].as_str()?.to_string();
    let from_us = sender == account;
    let partner = if from_us { recipient } else { sender.clone() };
    // The users map holds `{id: {"data": user}}`; a bare user is read too.
    let user = {
        let u = &users[sender.as_str()];
        if u["data"].is_object() { &u["data"] } else { u }
    };
    let username = user["username"].as_str().unwrap_or("").to_string();
    let at = match &e["created_timestamp"] {
        Value::String(t) => t.parse::<i64>().ok().map(Timestamp),
        Value::Number(n) => n.as_i64().map(Timestamp),
        _ => None,
    };
    Some(InboundItem {
        kind: ConvKind::Message,
        thread_key: format!("dm:{partner}"),
        remote_id: id,
        parent_remote_id: None,
        remote_post_id: None,
        permalink: None,
        author: Author {
            remote_id: sender.clone(),
            handle: if username.is_empty() {
                sender
            } else {
                username.clone()
            },
            name: user["name"].as_str().unwrap_or(&username).to_string(),
            profile_url: (!username.is_empty()).then(|| format!("https://x.com/{username}")),
        },
        text,
        at: at.unwrap_or(received),
        from_us,
        removed: false,
    })
}

/// `sha256=` + base64(HMAC-SHA256(consumer secret, bytes)): the CRC answer
/// and the `x-twitter-webhooks-signature` X sends over a delivery's body.
pub fn sign_x(consumer_secret: &str, body: &[u8]) -> String {
    let mut m = mac(consumer_secret.as_bytes());
    m.update(body);
    format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_signature_is_checked_in_constant_time_over_the_raw_body() {
        let body = br#"{"object":"page","entry":[]}"#;
        let sig = sign_meta("rahasia", body);
        assert!(sig.starts_with("sha256="));
        assert_eq!(verify_meta("rahasia", Some(&sig), body), Ok(()));
        assert_eq!(
            verify_meta("lain", Some(&sig), body),
            Err(HookError::BadSignature)
        );
        assert_eq!(
            verify_meta("rahasia", Some(&sig), br#"{"object":"page","entry":[] }"#),
            Err(HookError::BadSignature)
        );
        assert_eq!(
            verify_meta("rahasia", None, body),
            Err(HookError::MissingSignature)
        );
        assert_eq!(
            verify_meta("rahasia", Some("sha1=abc"), body),
            Err(HookError::BadSignature)
        );
        assert_eq!(
            verify_meta("", Some(&sig), body),
            Err(HookError::NotConfigured)
        );
        // A known vector: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        assert_eq!(
            sign_meta("key", b"The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn meta_handshake() {
        assert_eq!(
            super::meta_handshake("tok", Some("subscribe"), Some("tok"), Some("1158201444")),
            Some("1158201444")
        );
        assert_eq!(
            super::meta_handshake("tok", Some("subscribe"), Some("bad"), Some("1")),
            None
        );
        assert_eq!(
            super::meta_handshake("tok", Some("unsubscribe"), Some("tok"), Some("1")),
            None
        );
        assert_eq!(
            super::meta_handshake("", Some("subscribe"), Some(""), Some("1")),
            None
        );
    }

    #[test]
    fn x_crc_and_signature() {
        // base64(HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")).
        assert_eq!(
            x_crc("key", "The quick brown fox jumps over the lazy dog"),
            "sha256=97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="
        );
        let sig = x_crc("key", "{}");
        assert_eq!(verify_x("key", Some(&sig), b"{}"), Ok(()));
        assert_eq!(
            verify_x("key", Some(&sig), b"{ }"),
            Err(HookError::BadSignature)
        );
    }

    const FEED: &str = r#"{"object":"page","entry":[{"id":"111","time":1764300000,"changes":[
      {"field":"feed","value":{"item":"comment","verb":"add","comment_id":"222_900","post_id":"111_222","parent_id":"111_222",
        "from":{"id":"555","name":"Sari Dewi"},"message":"Jam buka hari Minggu?","created_time":1764300000}},
      {"field":"feed","value":{"item":"comment","verb":"add","comment_id":"222_901","post_id":"111_222","parent_id":"222_900",
        "from":{"id":"111","name":"Perpustakaan"},"message":"Minggu tutup, Kak.","created_time":1764300060}},
      {"field":"feed","value":{"item":"reaction","verb":"add","post_id":"111_222","reaction_type":"like","from":{"id":"9"}}}
    ]}]}"#;

    #[test]
    fn facebook_feed_events() {
        let ev = split_meta(FEED.as_bytes()).expect("split");
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[0].platform, "facebook");
        assert_eq!(ev[0].account, "111");
        assert_eq!(ev[0].event_id, "feed:add:222_900");
        // The same body again gives the same ids (stored once).
        assert_eq!(split_meta(FEED.as_bytes()).expect("again"), ev);
        let first = read_meta("facebook", "111", &ev[0].body, Timestamp(0))
            .expect("read")
            .expect("item");
        assert_eq!(first.thread_key, "222_900");
        assert_eq!(first.author.name, "Sari Dewi");
        assert_eq!(first.at, Timestamp(1_764_300_000_000));
        assert!(!first.from_us);
        let ours = read_meta("facebook", "111", &ev[1].body, Timestamp(0))
            .expect("read")
            .expect("item");
        assert_eq!(ours.thread_key, "222_900");
        assert!(ours.from_us);
        assert_eq!(
            read_meta("facebook", "111", &ev[2].body, Timestamp(0)),
            Ok(None)
        );
    }

    #[test]
    fn instagram_and_messenger_events() {
        let body = r#"{"object":"instagram","entry":[{"id":"17841","time":1,"changes":[
          {"field":"comments","value":{"id":"1790","text":"Keren! 😍","from":{"id":"42","username":"budi.baca"},"media":{"id":"1800"}}}],
          "messaging":[{"sender":{"id":"42"},"recipient":{"id":"17841"},"timestamp":1764300000123,"message":{"mid":"m_1","text":"Halo min"}}]}]}"#;
        let ev = split_meta(body.as_bytes()).expect("split");
        assert_eq!(ev.len(), 2);
        let c = read_meta("instagram", "17841", &ev[0].body, Timestamp(5))
            .expect("read")
            .expect("item");
        assert_eq!(c.kind, ConvKind::Comment);
        assert_eq!(c.author.handle, "budi.baca");
        assert_eq!(c.remote_post_id.as_deref(), Some("1800"));
        assert_eq!(c.at, Timestamp(5));
        let m = read_meta("instagram", "17841", &ev[1].body, Timestamp(5))
            .expect("read")
            .expect("item");
        assert_eq!(m.kind, ConvKind::Message);
        assert_eq!(m.thread_key, "dm:42");
        assert_eq!(m.at, Timestamp(1_764_300_000_123));
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for b in [
            "not json",
            r#"{"entry":[]}"#,
            r#"{"object":"page"}"#,
            r#"{"object":"weird","entry":[]}"#,
            r#"{"object":"page","entry":[{"changes":[]}]}"#,
        ] {
            assert!(
                matches!(split_meta(b.as_bytes()), Err(HookError::Malformed(_))),
                "{b}"
            );
        }
    }

    /// A mention delivery shaped as the X Activity API documents it.
    const X_MENTION: &str = r#"{"data":{"event_uuid":"-2080765813578191303","filter":{"user_id":"1500000000000000001"},
      "event_type":"post.mention.create","tag":"sebutan",
      "payload":{"id":"1960000000000000007","text":"@perpuskotaplg Kartu anggota hilang, bagaimana ya?",
        "author_id":"2222","conversation_id":"1960000000000000007","created_at":"2026-11-30T02:05:00.000Z",
        "entities":{"mentions":[{"start":0,"end":14,"username":"perpuskotaplg","id":"1500000000000000001"}]}},
      "includes":{"users":[{"id":"2222","username":"rina_plg","name":"Rina Marlina"},
        {"id":"1500000000000000001","username":"perpuskotaplg","name":"Perpustakaan Kota Palembang"}]}}}"#;

    const X_DM: &str = r#"{"data":{"event_uuid":"6850472171600526495","filter":{"user_id":"1500000000000000001"},
      "event_type":"dm.received","tag":"dm-masuk",
      "payload":{"direct_message_events":[{"type":"message_create","id":"1960000000000000100",
        "created_timestamp":"1796004300000","message_create":{"target":{"recipient_id":"1500000000000000001"},
        "sender_id":"3333","message_data":{"text":"Min, boleh pinjam ruang diskusi Sabtu?","entities":{}}}}],
      "users":{"3333":{"data":{"id":"3333","username":"budi_s","name":"Budi Santoso"}},
        "1500000000000000001":{"data":{"id":"1500000000000000001","username":"perpuskotaplg"}}}}}}"#;

    #[test]
    fn x_deliveries_are_split_by_what_they_are_about() {
        let ev = split_x(X_MENTION.as_bytes()).expect("split");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].platform, "x");
        assert_eq!(ev[0].account, "1500000000000000001");
        assert_eq!(ev[0].event_id, "post.mention.create:1960000000000000007");
        let dm = split_x(X_DM.as_bytes()).expect("split");
        assert_eq!(dm[0].event_id, "dm.received:1960000000000000100");
        // A list under `data`, and an event about nothing named: its uuid.
        let list = r#"{"data":[{"event_uuid":"77","filter":{"user_id":"1"},"event_type":"follow.follow","payload":{"source":{}}}]}"#;
        let ev = split_x(list.as_bytes()).expect("split");
        assert_eq!(ev[0].event_id, "follow.follow:uuid:77");
        for bad in [
            "{}",
            r#"{"data":{"event_type":"dm.received","payload":{}}}"#,
            r#"{"data":{"filter":{"user_id":"1"}}}"#,
            "[1,2",
        ] {
            assert!(
                matches!(split_x(bad.as_bytes()), Err(HookError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn x_mentions_and_direct_messages_are_read_as_inbox_items() {
        let ev = &split_x(X_MENTION.as_bytes()).expect("split")[0];
        let items = read_x(&ev.account, &ev.body, Timestamp(0)).expect("read");
        assert_eq!(items.len(), 1);
        let m = &items[0];
        assert_eq!(m.kind, ConvKind::Mention);
        assert_eq!(m.remote_id, "1960000000000000007");
        assert_eq!(m.author.handle, "rina_plg");
        assert_eq!(m.author.name, "Rina Marlina");
        assert_eq!(m.at, Timestamp(1_796_004_300_000));
        assert!(!m.from_us);
        let ev = &split_x(X_DM.as_bytes()).expect("split")[0];
        let items = read_x(&ev.account, &ev.body, Timestamp(0)).expect("read");
        let d = &items[0];
        assert_eq!(d.kind, ConvKind::Message);
        assert_eq!(d.thread_key, "dm:3333");
        assert_eq!(d.author.name, "Budi Santoso");
        assert_eq!(d.text, "Min, boleh pinjam ruang diskusi Sabtu?");
        assert_eq!(d.at, Timestamp(1_796_004_300_000));
        // The library's own message (dm.sent) belongs to the same thread.
        let sent = ev
            .body
            .replace("dm.received", "dm.sent")
            .replace(
                r#""sender_id":"3333""#,
                r#""sender_id":"1500000000000000001""#,
            )
            .replace(
                r#""recipient_id":"1500000000000000001""#,
                r#""recipient_id":"3333""#,
            );
        let items = read_x(&ev.account, &sent, Timestamp(0)).expect("read");
        assert!(items[0].from_us);
        assert_eq!(items[0].thread_key, "dm:3333");
        // Other event types give nothing; a body that is not JSON is refused.
        let follow = r#"{"event_type":"follow.follow","payload":{}}"#;
        assert!(read_x("1", follow, Timestamp(0)).expect("read").is_empty());
        assert!(read_x("1", "nope", Timestamp(0)).is_err());
    }
}
