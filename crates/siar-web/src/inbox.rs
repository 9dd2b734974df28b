//! The inbox's pages: Kotak Masuk (list, one conversation, settings, report),
//! the server-sent events that tell open consoles about new messages, the
//! platforms' webhooks and the portal's satisfaction form.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{WebError, WebResult};
use crate::i18n;
use crate::middleware::{RequestId, unprocessable};
use crate::pages::{LangQuery, Me, done, html_page, problems_ctx, public_lang, staff_ctx};
use crate::studio::Opt;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form};
use siar_app::AppError;
use siar_app::inbox::{self, Change, ListQuery, PracticeInput};
use siar_app::inbox::{HookError, Moderation};
use siar_domain::Timestamp;
use siar_domain::channels::Platform;
use siar_domain::inbox::{ConvKind, ConvState, Direction, Priority, ReplyState, SlaStatus};
use siar_domain::org::{Lang, Permission, UserId};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

// ---------------------------------------------------------------- helpers

fn sla_text(lang: Lang, s: &Option<siar_domain::inbox::SlaView>) -> (String, &'static str) {
    let Some(v) = s else {
        return (String::new(), "");
    };
    let (key, ms, tone) = match v.status {
        SlaStatus::OnTrack { left_ms } => ("inbox-sla-left", left_ms, "ok"),
        SlaStatus::DueSoon { left_ms } => ("inbox-sla-soon", left_ms, "warn"),
        SlaStatus::Breached { over_ms } => ("inbox-sla-over", over_ms, "err"),
    };
    let args = [
        ("target", i18n::t(lang, v.target.key())),
        ("time", working_time(lang, ms)),
    ];
    (i18n::t_args(lang, key, &args), tone)
}

/// Working time as "1 j 20 m" / "1 h 20 m".
fn working_time(lang: Lang, ms: i64) -> String {
    let (h, m) = siar_domain::inbox::hours_minutes(ms);
    i18n::t_args(
        lang,
        "inbox-hm",
        &[("hours", h.to_string()), ("minutes", m.to_string())],
    )
}

/// "Facebook · Perpustakaan Kota Palembang", or the name alone when it already
/// says the platform (the practice channel).
fn channel_label(lang: Lang, ch: &siar_domain::channels::Channel) -> String {
    let platform = i18n::t(lang, ch.platform.name_key());
    if ch.name.starts_with(&platform) {
        ch.name.clone()
    } else {
        format!("{platform} · {}", ch.name)
    }
}

fn opts(items: Vec<(String, String)>, chosen: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == chosen,
            value,
            label,
        })
        .collect()
}

// ---------------------------------------------------------------- the list

pub struct Row {
    pub id: i64,
    pub who: String,
    pub channel: String,
    pub kind: String,
    pub preview: String,
    pub when: String,
    pub labels: Vec<String>,
    pub assignee: String,
    pub state: String,
    pub sla: String,
    pub sla_tone: &'static str,
    pub unread: bool,
    pub priority: String,
    pub urgent: bool,
}

#[derive(Template)]
#[template(path = "kotak-masuk.html")]
struct ListPage<'a> {
    c: &'a PageCtx,
    rows: Vec<Row>,
    states: Vec<Opt>,
    whos: Vec<Opt>,
    channels: Vec<Opt>,
    labels: Vec<Opt>,
    dues: Vec<Opt>,
    practice: Vec<Opt>,
    kinds: Vec<Opt>,
    filtered: bool,
    name: String,
    text: String,
}

async fn list_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    q: &ListQuery,
    name: &str,
    text: &str,
) -> Result<String, WebError> {
    let lang = c.lang;
    let tz = me.0.org.settings.timezone;
    let l = inbox::list(&state.app, &me.0.actor, q).await?;
    let rows = l
        .rows
        .iter()
        .map(|r| {
            let (sla, tone) = sla_text(lang, &r.sla);
            Row {
                id: r.conv.id,
                who: r
                    .contact
                    .as_ref()
                    .map(|c| c.name.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| i18n::t(lang, "inbox-someone")),
                channel: r
                    .channel
                    .as_ref()
                    .map(|ch| channel_label(lang, ch))
                    .unwrap_or_default(),
                kind: i18n::t(lang, r.conv.kind.key()),
                preview: r.conv.preview.clone(),
                when: r.conv.last_message_at.format_in(tz),
                labels: r.conv.labels.clone(),
                assignee: r.assignee.clone().unwrap_or_default(),
                state: i18n::t(lang, r.conv.state.key()),
                sla,
                sla_tone: tone,
                unread: r.conv.unread,
                priority: i18n::t(lang, r.conv.priority.key()),
                urgent: r.conv.priority >= Priority::High,
            }
        })
        .collect();
    let t = |k: &str| i18n::t(lang, k);
    let practice: Vec<Opt> = l
        .channels
        .iter()
        .filter(|ch| ch.platform == Platform::Practice)
        .map(|ch| Opt {
            value: ch.id.to_string(),
            label: ch.name.clone(),
            selected: false,
        })
        .collect();
    let page = ListPage {
        c,
        rows,
        states: opts(
            vec![
                (String::new(), t("inbox-filter-active")),
                ("open".into(), t("inbox-state-open")),
                ("waiting".into(), t("inbox-state-waiting")),
                ("resolved".into(), t("inbox-state-resolved")),
                ("all".into(), t("inbox-filter-all")),
            ],
            &q.state,
        ),
        whos: opts(
            vec![
                (String::new(), t("inbox-filter-everyone")),
                ("mine".into(), t("inbox-filter-mine")),
                ("unassigned".into(), t("inbox-filter-unassigned")),
            ],
            &q.who,
        ),
        channels: opts(
            std::iter::once((String::new(), t("inbox-filter-all-channels")))
                .chain(
                    l.channels
                        .iter()
                        .map(|ch| (ch.id.to_string(), channel_label(lang, ch))),
                )
                .collect(),
            &q.channel,
        ),
        labels: opts(
            std::iter::once((String::new(), t("inbox-filter-all-labels")))
                .chain(l.labels.iter().map(|x| (x.clone(), x.clone())))
                .collect(),
            &q.label,
        ),
        dues: opts(
            vec![
                (String::new(), t("inbox-filter-any-time")),
                ("due".into(), t("inbox-filter-due")),
                ("overdue".into(), t("inbox-filter-overdue")),
            ],
            &q.due,
        ),
        kinds: ConvKind::ALL
            .iter()
            .map(|k| Opt {
                value: k.as_str().into(),
                label: t(k.key()),
                selected: false,
            })
            .collect(),
        practice,
        filtered: !(q.state.is_empty()
            && q.who.is_empty()
            && q.channel.is_empty()
            && q.label.is_empty()
            && q.due.is_empty()),
        name: name.to_string(),
        text: text.to_string(),
    };
    Ok(page.render()?)
}

pub async fn list(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "inbox-title", "/app/kotak-masuk", &headers, &r);
    let body = list_page(&state, &me, &c, &q, "", "").await?;
    Ok(html_page(body, had, &state))
}

/// A trainer writes as a patron on a practice channel.
pub async fn practice(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = PracticeInput {
        channel_id: get("channel_id").parse().unwrap_or(0),
        name: get("name"),
        text: get("text"),
        kind: get("kind"),
    };
    match inbox::practice_message(&state.app, &me.0.actor, &input).await {
        Ok(id) => Ok(done(
            &state,
            &format!("/app/kotak-masuk/{id}"),
            "inbox-practice-sent",
        )),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "inbox-title", "/app/kotak-masuk", &r, p);
            Ok(unprocessable(
                list_page(
                    &state,
                    &me,
                    &c,
                    &ListQuery::default(),
                    &input.name,
                    &input.text,
                )
                .await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- one conversation

pub struct MsgRow {
    pub id: i64,
    pub who: String,
    pub body: String,
    pub when: String,
    pub dir: &'static str,
    pub state: String,
    pub state_tone: &'static str,
    pub error: String,
    pub failed: bool,
    pub awaiting: bool,
    pub hidden: bool,
    pub liked: bool,
    pub deleted: bool,
    pub can_hide: bool,
    pub can_like: bool,
    pub can_delete: bool,
}

pub struct Earlier {
    pub id: i64,
    pub when: String,
    pub preview: String,
    pub state: String,
}

pub struct Sugg {
    pub title: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "percakapan.html")]
struct ConvPage<'a> {
    c: &'a PageCtx,
    id: i64,
    who: String,
    handle: String,
    profile_url: String,
    channel: String,
    kind: String,
    state: String,
    resolved: bool,
    sla: String,
    sla_tone: &'static str,
    permalink: String,
    post_id: i64,
    post_text: String,
    messages: Vec<MsgRow>,
    earlier: Vec<Earlier>,
    suggestions: Vec<Sugg>,
    saved: Vec<Sugg>,
    staff: Vec<Opt>,
    priorities: Vec<Opt>,
    labels: String,
    reply: String,
    reply_help: String,
    can_reply: bool,
    needs_approval: bool,
    can_moderate: bool,
    rating: String,
    rating_url: String,
}

#[derive(serde::Deserialize, Default)]
pub struct ConvQuery {
    /// Fill the reply box with saved reply number N (works without JS).
    #[serde(default)]
    pakai: Option<usize>,
}

async fn conv_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    id: i64,
    reply: Option<String>,
    pick: Option<usize>,
) -> Result<String, WebError> {
    let lang = c.lang;
    let tz = me.0.org.settings.timezone;
    let d = inbox::open(&state.app, &me.0.actor, id).await?;
    let (sla, sla_tone) = sla_text(lang, &d.sla);
    let t = |k: &str| i18n::t(lang, k);
    let messages = d
        .messages
        .iter()
        .map(|m| {
            let (st, tone) = match m.reply_state {
                Some(ReplyState::Sent) => (t(ReplyState::Sent.key()), "ok"),
                Some(ReplyState::Failed) => (t(ReplyState::Failed.key()), "err"),
                Some(s) => (t(s.key()), "warn"),
                None => (String::new(), ""),
            };
            let patron = m.direction == Direction::In && d.conv.kind != ConvKind::Message;
            MsgRow {
                id: m.id,
                who: if m.author_name.is_empty() {
                    m.author_handle.clone()
                } else {
                    m.author_name.clone()
                },
                body: m.body.clone(),
                when: m.sent_at.format_in(tz),
                dir: m.direction.as_str(),
                state: st,
                state_tone: tone,
                error: m.reply_error.clone().unwrap_or_default(),
                failed: m.reply_state == Some(ReplyState::Failed),
                awaiting: m.reply_state == Some(ReplyState::AwaitingApproval),
                hidden: m.hidden,
                liked: m.liked,
                deleted: m.deleted,
                can_hide: patron && d.caps.hide && d.can_moderate && !m.deleted,
                can_like: patron && d.caps.like && d.can_moderate && !m.deleted,
                can_delete: patron && d.caps.delete && d.can_moderate && !m.deleted,
            }
        })
        .collect();
    let reply = match (reply, pick) {
        (Some(r), _) => r,
        (None, Some(i)) => d.saved.get(i).map(|s| s.text.clone()).unwrap_or_default(),
        _ => String::new(),
    };
    let page = ConvPage {
        c,
        id,
        who: d
            .contact
            .as_ref()
            .map(|c| c.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| t("inbox-someone")),
        handle: d
            .contact
            .as_ref()
            .map(|c| c.handle.clone())
            .unwrap_or_default(),
        profile_url: d
            .contact
            .as_ref()
            .and_then(|c| c.profile_url.clone())
            .unwrap_or_default(),
        channel: channel_label(lang, &d.channel),
        kind: t(d.conv.kind.key()),
        state: t(d.conv.state.key()),
        resolved: d.conv.state == ConvState::Resolved,
        sla,
        sla_tone,
        permalink: d.conv.permalink.clone().unwrap_or_default(),
        post_id: d.post.as_ref().map(|p| p.id).unwrap_or(0),
        post_text: d
            .post
            .as_ref()
            .map(|p| p.text.chars().take(140).collect())
            .unwrap_or_default(),
        messages,
        earlier: d
            .earlier
            .iter()
            .map(|e| Earlier {
                id: e.id,
                when: e.last_message_at.format_in(tz),
                preview: e.preview.clone(),
                state: t(e.state.key()),
            })
            .collect(),
        suggestions: d
            .suggestions
            .iter()
            .map(|s| Sugg {
                title: s.title.clone(),
                text: s.text.clone(),
            })
            .collect(),
        saved: d
            .saved
            .iter()
            .map(|s| Sugg {
                title: s.title.clone(),
                text: s.text.clone(),
            })
            .collect(),
        staff: std::iter::once(Opt {
            value: String::new(),
            label: t("inbox-nobody"),
            selected: d.conv.assignee_id.is_none(),
        })
        .chain(d.staff.iter().map(|(uid, name)| Opt {
            value: uid.to_string(),
            label: name.clone(),
            selected: d.conv.assignee_id == Some(*uid),
        }))
        .collect(),
        priorities: Priority::ALL
            .iter()
            .map(|p| Opt {
                value: p.as_str().into(),
                label: t(p.key()),
                selected: *p == d.conv.priority,
            })
            .collect(),
        labels: d.conv.labels.join(", "),
        reply,
        reply_help: i18n::t_args(
            lang,
            "inbox-reply-help",
            &[("limit", d.reply_limit.to_string())],
        ),
        can_reply: d.caps.reply,
        needs_approval: d.needs_approval,
        can_moderate: d.can_moderate,
        rating: d
            .rating
            .as_ref()
            .and_then(|r| r.score)
            .map(|s| format!("{s}/5"))
            .unwrap_or_default(),
        rating_url: d
            .rating
            .as_ref()
            .filter(|r| r.score.is_none())
            .map(|r| inbox::rating_url(&state.app, &r.token))
            .unwrap_or_default(),
    };
    Ok(page.render()?)
}

pub async fn conversation(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<ConvQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let path = format!("/app/kotak-masuk/{id}");
    let (c, had) = staff_ctx(&me, "inbox-conversation", &path, &headers, &r);
    let body = conv_page(&state, &me, &c, id, None, q.pakai).await?;
    Ok(html_page(body, had, &state))
}

async fn refused(
    state: &WebState,
    me: &Me,
    r: &Option<Extension<RequestId>>,
    id: i64,
    p: siar_domain::validate::Problems,
    reply: String,
) -> WebResult {
    let path = format!("/app/kotak-masuk/{id}");
    let c = problems_ctx(me, "inbox-conversation", &path, r, p);
    Ok(unprocessable(
        conv_page(state, me, &c, id, Some(reply), None).await?,
    ))
}

pub async fn reply(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let text = f.get("text").cloned().unwrap_or_default();
    match inbox::reply(&state.app, &me.0.actor, id, &text).await {
        Ok(_) => Ok(done(
            &state,
            &format!("/app/kotak-masuk/{id}"),
            "inbox-reply-queued",
        )),
        Err(AppError::Invalid(p)) => refused(&state, &me, &r, id, p, text).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn send_again(
    State(state): State<WebState>,
    me: Me,
    Path(mid): Path<i64>,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let text = f.get("text").cloned().unwrap_or_default();
    let conv: i64 = f.get("conv").and_then(|c| c.parse().ok()).unwrap_or(0);
    match inbox::send_again(&state.app, &me.0.actor, mid, &text).await {
        Ok(conv) => Ok(done(
            &state,
            &format!("/app/kotak-masuk/{conv}"),
            "inbox-reply-queued",
        )),
        Err(AppError::Invalid(p)) if conv > 0 => refused(&state, &me, &r, conv, p, text).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn note(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let text = f.get("note").cloned().unwrap_or_default();
    match inbox::note(&state.app, &me.0.actor, id, &text).await {
        Ok(()) => Ok(done(
            &state,
            &format!("/app/kotak-masuk/{id}"),
            "inbox-note-saved",
        )),
        Err(AppError::Invalid(p)) => refused(&state, &me, &r, id, p, String::new()).await,
        Err(e) => Err(e.into()),
    }
}

/// Assign, labels, priority, resolve or reopen: one form field names what.
pub async fn change(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let c = match get("what").as_str() {
        "assign" => Change::Assign(get("assignee").parse().ok().map(UserId)),
        "take" => Change::Assign(me.0.actor.user),
        "labels" => Change::Labels(get("labels")),
        "priority" => match Priority::parse(&get("priority")) {
            Some(p) => Change::Priority(p),
            None => return Err(AppError::field("priority", "err-required").into()),
        },
        "resolve" => Change::State(ConvState::Resolved),
        "reopen" => Change::State(ConvState::Open),
        _ => return Err(AppError::NotFound.into()),
    };
    match inbox::change(&state.app, &me.0.actor, id, c).await {
        Ok(()) => Ok(done(
            &state,
            &format!("/app/kotak-masuk/{id}"),
            "inbox-changed",
        )),
        Err(AppError::Invalid(p)) => refused(&state, &me, &r, id, p, String::new()).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn moderate(
    State(state): State<WebState>,
    me: Me,
    Path(mid): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let action = match f.get("action").map(String::as_str) {
        Some("hide") => Moderation::Hide(true),
        Some("unhide") => Moderation::Hide(false),
        Some("like") => Moderation::Like(true),
        Some("unlike") => Moderation::Like(false),
        Some("delete") => Moderation::Delete,
        _ => return Err(AppError::NotFound.into()),
    };
    let conv = inbox::moderate(&state.app, &me.0.actor, mid, action).await?;
    Ok(done(
        &state,
        &format!("/app/kotak-masuk/{conv}"),
        "inbox-moderated",
    ))
}

#[derive(serde::Deserialize, Default)]
pub struct StreamQuery {
    /// Send the current count once and end (a client that polls).
    #[serde(default)]
    sekali: Option<String>,
}

/// Server-sent events: every few seconds the unread count and the newest
/// patron message; something new makes the page offer a reload (it reads the
/// database, so it works with several processes).
pub async fn events(
    State(state): State<WebState>,
    me: Me,
    Query(q): Query<StreamQuery>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let org = me.0.actor.org;
    let app = state.app.clone();
    let rounds: u32 = if q.sekali.is_some() { 1 } else { 1_200 };
    // Bounded: after an hour the stream ends and the browser reconnects.
    let stream = futures_util::stream::unfold(
        (app, None::<(i64, i64)>, 0u32),
        move |(app, last, round)| async move {
            if round >= rounds {
                return None;
            }
            if round > 0 {
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            let now = inbox::pulse(&app, org).await.ok();
            // `unread latest`: the count for the menu, the newest message's id.
            let ev = match now {
                Some(p) if last != Some(p) => Event::default()
                    .event("inbox")
                    .data(format!("{} {}", p.0, p.1)),
                _ => Event::default().comment(""),
            };
            Some((Ok(ev), (app, now.or(last), round + 1)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

// ---------------------------------------------------------------- settings

pub struct RuleRow {
    pub id: i64,
    pub name: String,
    pub phrases: String,
    pub label: String,
    pub channel: String,
    pub author: String,
    pub priority: String,
    pub enabled: bool,
}

pub struct SavedRow {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub topics: String,
}

#[derive(Template)]
#[template(path = "kotak-masuk-atur.html")]
struct AdminPage<'a> {
    c: &'a PageCtx,
    first: String,
    next: String,
    resolution: String,
    warn: String,
    approve: bool,
    ask_rating: bool,
    catalogue: String,
    rules: Vec<RuleRow>,
    saved: Vec<SavedRow>,
    channels: Vec<Opt>,
    staff: Vec<Opt>,
    priorities: Vec<Opt>,
    kinds: Vec<Opt>,
    can_manage: bool,
    form: HashMap<String, String>,
}

async fn admin_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    form: HashMap<String, String>,
) -> Result<String, WebError> {
    let lang = c.lang;
    let t = |k: &str| i18n::t(lang, k);
    let a = inbox::admin(&state.app, &me.0.actor).await?;
    let m = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let none = (String::new(), t("inbox-rule-any"));
    Ok(AdminPage {
        c,
        first: m(a.settings.policy.first_response_mins),
        next: m(a.settings.policy.next_response_mins),
        resolution: m(a.settings.policy.resolution_mins),
        warn: a.settings.policy.warn_mins.to_string(),
        approve: a.settings.approve_replies,
        ask_rating: a.settings.ask_rating,
        catalogue: a.settings.catalogue_url.clone(),
        rules: a
            .rules
            .iter()
            .map(|(id, r)| RuleRow {
                id: *id,
                name: r.name.clone(),
                phrases: r.phrases.join(", "),
                label: r.label.clone().unwrap_or_default(),
                channel: r
                    .channel_id
                    .and_then(|c| a.channels.iter().find(|ch| ch.id == c))
                    .map(|ch| channel_label(lang, ch))
                    .unwrap_or_default(),
                author: r.author.clone().unwrap_or_default(),
                priority: r.priority.map(|p| t(p.key())).unwrap_or_default(),
                enabled: r.enabled,
            })
            .collect(),
        saved: a
            .saved
            .iter()
            .map(|s| SavedRow {
                id: s.id,
                title: s.title.clone(),
                body: s.body.clone(),
                topics: s.topics.join(", "),
            })
            .collect(),
        channels: opts(
            std::iter::once(none.clone())
                .chain(
                    a.channels
                        .iter()
                        .map(|ch| (ch.id.to_string(), channel_label(lang, ch))),
                )
                .collect(),
            form.get("channel_id").map(String::as_str).unwrap_or(""),
        ),
        staff: opts(
            std::iter::once((String::new(), t("inbox-nobody")))
                .chain(a.staff.iter().map(|(id, n)| (id.to_string(), n.clone())))
                .collect(),
            form.get("assign_to").map(String::as_str).unwrap_or(""),
        ),
        priorities: opts(
            std::iter::once(none.clone())
                .chain(
                    Priority::ALL
                        .iter()
                        .map(|p| (p.as_str().to_string(), t(p.key()))),
                )
                .collect(),
            form.get("priority").map(String::as_str).unwrap_or(""),
        ),
        kinds: opts(
            std::iter::once(none)
                .chain(
                    ConvKind::ALL
                        .iter()
                        .map(|k| (k.as_str().to_string(), t(k.key()))),
                )
                .collect(),
            form.get("kind").map(String::as_str).unwrap_or(""),
        ),
        can_manage: me.0.actor.role.can(Permission::ManageInbox),
        form,
    }
    .render()?)
}

const ADMIN_PATH: &str = "/app/kotak-masuk/atur";

pub async fn admin(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "inbox-admin-title", ADMIN_PATH, &headers, &r);
    let body = admin_page(&state, &me, &c, HashMap::new()).await?;
    Ok(html_page(body, had, &state))
}

async fn admin_refused(
    state: &WebState,
    me: &Me,
    r: &Option<Extension<RequestId>>,
    p: siar_domain::validate::Problems,
    form: HashMap<String, String>,
) -> WebResult {
    let c = problems_ctx(me, "inbox-admin-title", ADMIN_PATH, r, p);
    Ok(unprocessable(admin_page(state, me, &c, form).await?))
}

pub async fn save_settings(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = inbox::SettingsInput {
        first_response: get("first_response"),
        next_response: get("next_response"),
        resolution: get("resolution"),
        warn: get("warn"),
        approve_replies: f.get("approve_replies").cloned(),
        ask_rating: f.get("ask_rating").cloned(),
        catalogue_url: get("catalogue_url"),
    };
    match inbox::save_settings(&state.app, &me.0.actor, &input).await {
        Ok(()) => Ok(done(&state, ADMIN_PATH, "inbox-settings-saved")),
        Err(AppError::Invalid(p)) => admin_refused(&state, &me, &r, p, f).await,
        Err(e) => Err(e.into()),
    }
}

fn rule_input(f: &HashMap<String, String>) -> inbox::RuleInput {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    inbox::RuleInput {
        name: get("name"),
        phrases: get("phrases"),
        channel_id: get("channel_id"),
        author: get("author"),
        kind: get("kind"),
        label: get("label"),
        assign_to: get("assign_to"),
        priority: get("priority"),
        enabled: f.get("enabled").cloned(),
    }
}

pub async fn add_rule(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    match inbox::save_rule(&state.app, &me.0.actor, None, &rule_input(&f)).await {
        Ok(()) => Ok(done(&state, ADMIN_PATH, "inbox-rule-saved")),
        Err(AppError::Invalid(p)) => admin_refused(&state, &me, &r, p, f).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn toggle_rule(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    let a = inbox::admin(&state.app, &me.0.actor).await?;
    let (_, rule) = a
        .rules
        .iter()
        .find(|(rid, _)| *rid == id)
        .ok_or(AppError::NotFound)?;
    let mut i = inbox::RuleInput::from_rule(rule);
    i.enabled = if rule.enabled {
        None
    } else {
        Some("on".into())
    };
    inbox::save_rule(&state.app, &me.0.actor, Some(id), &i).await?;
    Ok(done(&state, ADMIN_PATH, "inbox-rule-saved"))
}

pub async fn delete_rule(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    inbox::delete_rule(&state.app, &me.0.actor, id).await?;
    Ok(done(&state, ADMIN_PATH, "inbox-rule-deleted"))
}

pub async fn add_saved(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let i = inbox::SavedInput {
        title: get("title"),
        body: get("body"),
        topics: get("topics"),
    };
    match inbox::save_saved_reply(&state.app, &me.0.actor, None, &i).await {
        Ok(()) => Ok(done(&state, ADMIN_PATH, "inbox-saved-saved")),
        Err(AppError::Invalid(p)) => admin_refused(&state, &me, &r, p, f).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_saved(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    inbox::delete_saved_reply(&state.app, &me.0.actor, id).await?;
    Ok(done(&state, ADMIN_PATH, "inbox-saved-deleted"))
}

// ---------------------------------------------------------------- report

#[derive(serde::Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    dari: String,
    #[serde(default)]
    sampai: String,
}

pub struct StatRow {
    pub name: String,
    pub count: usize,
    pub mean: String,
    pub median: String,
    pub within: String,
}

#[derive(Template)]
#[template(path = "kotak-masuk-laporan.html")]
struct ReportPage<'a> {
    c: &'a PageCtx,
    dari: String,
    sampai: String,
    sections: Vec<(String, Vec<StatRow>)>,
    ratings: usize,
    rating_mean: String,
    rating_counts: Vec<(usize, usize)>,
    comments: Vec<(i64, String)>,
}

fn stat_row(lang: Lang, name: String, s: &siar_domain::inbox::ResponseStats) -> StatRow {
    let hm = |ms: Option<i64>| {
        ms.map(|ms| working_time(lang, ms))
            .unwrap_or_else(|| "—".into())
    };
    StatRow {
        name,
        count: s.count,
        mean: hm(s.mean_ms),
        median: hm(s.median_ms),
        within: s
            .within
            .map(|w| format!("{:.0}%", w * 100.0))
            .unwrap_or_else(|| "—".into()),
    }
}

fn range(
    me: &Me,
    now: Timestamp,
    q: &RangeQuery,
) -> Result<(String, String, Timestamp, Timestamp), WebError> {
    use chrono::NaiveDate;
    let tz = me.0.org.settings.timezone;
    let today = now.to_utc().with_timezone(&tz).date_naive();
    let parse = |s: &str, d: NaiveDate| {
        if s.trim().is_empty() {
            Ok(d)
        } else {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| WebError::from(AppError::field("dari", "err-date")))
        }
    };
    let from = parse(&q.dari, today - chrono::Duration::days(27))?;
    let to = parse(&q.sampai, today)?;
    let at = |d: NaiveDate| crate::calendar::ts(tz, d);
    Ok((
        from.format("%Y-%m-%d").to_string(),
        to.format("%Y-%m-%d").to_string(),
        at(from),
        at(to + chrono::Duration::days(1)),
    ))
}

pub async fn report(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (mut c, had) = staff_ctx(
        &me,
        "inbox-report-title",
        "/app/kotak-masuk/laporan",
        &headers,
        &r,
    );
    let lang = c.lang;
    let (dari, sampai, from, to) = range(&me, state.app.now(), &q)?;
    let rep = match inbox::report(&state.app, &me.0.actor, from, to).await {
        Ok(r) => Some(r),
        Err(AppError::Invalid(p)) => {
            c.problems = p;
            None
        }
        Err(e) => return Err(e.into()),
    };
    let t = |k: &str| i18n::t(lang, k);
    let page = match &rep {
        Some(rep) => ReportPage {
            c: &c,
            dari,
            sampai,
            sections: {
                let rows = |v: &[inbox::ReportGroup]| {
                    v.iter()
                        .map(|g| stat_row(lang, g.name.clone(), &g.stats))
                        .collect::<Vec<_>>()
                };
                vec![
                    (
                        t("inbox-report-overall"),
                        vec![
                            stat_row(lang, t("inbox-sla-first"), &rep.first),
                            stat_row(lang, t("inbox-sla-next"), &rep.next),
                        ],
                    ),
                    (t("inbox-report-by-staff"), rows(&rep.by_staff)),
                    (t("inbox-report-by-channel"), rows(&rep.by_channel)),
                    (t("inbox-report-by-week"), rows(&rep.by_week)),
                ]
            },
            ratings: rep.ratings,
            rating_mean: rep
                .rating_mean
                .map(|m| format!("{m:.1}"))
                .unwrap_or_else(|| "—".into()),
            rating_counts: (1..=5).map(|s| (s, rep.rating_counts[s - 1])).collect(),
            comments: rep.comments.clone(),
        },
        None => ReportPage {
            c: &c,
            dari,
            sampai,
            sections: vec![],
            ratings: 0,
            rating_mean: "—".into(),
            rating_counts: vec![],
            comments: vec![],
        },
    };
    let body = page.render()?;
    if rep.is_none() {
        return Ok(unprocessable(body));
    }
    Ok(html_page(body, had, &state))
}

pub async fn report_csv(
    State(state): State<WebState>,
    me: Me,
    Query(q): Query<RangeQuery>,
) -> WebResult {
    let lang = me.0.lang();
    let (dari, sampai, from, to) = range(&me, state.app.now(), &q)?;
    let rep = inbox::report(&state.app, &me.0.actor, from, to).await?;
    let t = |k: &str| i18n::t(lang, k);
    let out = inbox::report_csv(
        &rep,
        &[
            t("inbox-csv-group"),
            t("inbox-csv-name"),
            t("inbox-csv-count"),
            t("inbox-csv-mean-min"),
            t("inbox-csv-median-min"),
            t("inbox-csv-within"),
        ],
        &[
            t("inbox-report-overall"),
            t("inbox-report-by-staff"),
            t("inbox-report-by-channel"),
            t("inbox-report-by-week"),
        ],
        &t("inbox-sla-first"),
        &t("inbox-sla-next"),
    )?;
    let mut r = out.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"waktu-respons-{dari}-{sampai}.csv\""
    )) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

// ---------------------------------------------------------------- webhooks

#[derive(serde::Deserialize, Default)]
pub struct MetaHandshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

pub async fn meta_verify(
    State(state): State<WebState>,
    Query(q): Query<MetaHandshake>,
) -> Response {
    match inbox::meta_handshake(
        &state.app,
        q.mode.as_deref(),
        q.token.as_deref(),
        q.challenge.as_deref(),
    ) {
        Some(c) => (StatusCode::OK, c).into_response(),
        None => StatusCode::FORBIDDEN.into_response(),
    }
}

fn hook_status(e: &inbox::HookRefused) -> StatusCode {
    match e {
        inbox::HookRefused::Hook(HookError::MissingSignature) => StatusCode::UNAUTHORIZED,
        inbox::HookRefused::Hook(HookError::BadSignature | HookError::NotConfigured) => {
            StatusCode::FORBIDDEN
        }
        inbox::HookRefused::Hook(HookError::Malformed(_)) => StatusCode::BAD_REQUEST,
        inbox::HookRefused::App(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

pub async fn meta_event(
    State(state): State<WebState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sig = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    let result = inbox::receive_meta(&state.app, sig, &body).await;
    hook_answer(&state, "meta", result)
}

/// An X Activity API delivery (`x-twitter-webhooks-signature`).
pub async fn x_event(State(state): State<WebState>, headers: HeaderMap, body: Bytes) -> Response {
    let sig = headers
        .get("x-twitter-webhooks-signature")
        .and_then(|v| v.to_str().ok());
    let result = inbox::receive_x(&state.app, sig, &body).await;
    hook_answer(&state, "x", result)
}

/// 200 once stored; 401/403/400/503 otherwise, each counted by outcome.
fn hook_answer(
    state: &WebState,
    platform: &'static str,
    result: Result<usize, inbox::HookRefused>,
) -> Response {
    match result {
        Ok(_) => {
            state.metrics.hook_event(platform, "stored");
            StatusCode::OK.into_response()
        }
        Err(e) => {
            let code = hook_status(&e);
            state.metrics.hook_event(
                platform,
                match code {
                    StatusCode::BAD_REQUEST => "malformed",
                    StatusCode::SERVICE_UNAVAILABLE => "error",
                    _ => "refused",
                },
            );
            if code == StatusCode::SERVICE_UNAVAILABLE {
                tracing::error!("webhook not stored: {e}");
            }
            code.into_response()
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Crc {
    crc_token: Option<String>,
}

/// X's CRC: `{"response_token":"sha256=…"}`.
pub async fn x_crc(State(state): State<WebState>, Query(q): Query<Crc>) -> Response {
    match q
        .crc_token
        .as_deref()
        .and_then(|t| inbox::x_crc(&state.app, t))
    {
        Some(r) => axum::Json(serde_json::json!({ "response_token": r })).into_response(),
        None => StatusCode::FORBIDDEN.into_response(),
    }
}

// ---------------------------------------------------------------- satisfaction (portal)

#[derive(Template)]
#[template(path = "nilai.html")]
struct RatingPage<'a> {
    c: &'a PageCtx,
    token: String,
    done: bool,
    score: i64,
}

async fn rating_response(
    state: &WebState,
    headers: &HeaderMap,
    lang_q: &LangQuery,
    token: &str,
    p: Option<siar_domain::validate::Problems>,
) -> WebResult {
    let (org_name, score) = inbox::rating_page(&state.app, token).await?;
    let (lang, _) = public_lang(headers, lang_q, Lang::Id);
    let (pre, fresh) = crate::pages::pre_session(headers);
    let mut c = PageCtx::public(lang, "rating-title", org_name, pre.clone(), String::new());
    let bad = p.is_some();
    if let Some(p) = p {
        c.problems = p;
    }
    let body = RatingPage {
        c: &c,
        token: token.to_string(),
        done: score.is_some(),
        score: score.unwrap_or(0),
    }
    .render()?;
    let mut res = if bad {
        (StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response()
    } else {
        Html(body).into_response()
    };
    if fresh {
        crate::pages::set_pre_session(&mut res, &pre, state);
    }
    Ok(res)
}

pub async fn rating(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> WebResult {
    rating_response(&state, &headers, &q, &token, None).await
}

pub async fn rate(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let score = f.get("score").and_then(|s| s.parse().ok()).unwrap_or(0);
    let comment = f.get("comment").cloned().unwrap_or_default();
    match inbox::rate(&state.app, &token, score, &comment).await {
        Ok(()) => rating_response(&state, &headers, &LangQuery::default(), &token, None).await,
        Err(AppError::Invalid(p)) => {
            rating_response(&state, &headers, &LangQuery::default(), &token, Some(p)).await
        }
        Err(e) => Err(e.into()),
    }
}
