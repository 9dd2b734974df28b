//! The content studio's pages: the composer ("Tulis") with autosave and live
//! counters, review ("Tinjauan"), notifications, campaigns ("Kampanye") and
//! hashtag groups.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::i18n;
use crate::middleware::{RequestId, redirect_with_flash, unprocessable};
use crate::pages::{Me, done, page, problems_ctx, staff_ctx};
use crate::publishing::{MediaRow, issue_text, media_row, parse_local};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use serde::Serialize;
use siar_app::publishing::Report;
use siar_app::studio::{self, DraftInput, DraftView, SaveKind, Saved};
use siar_app::{AppError, channels, media};
use siar_domain::Timestamp;
use siar_domain::channels::{Channel, ChannelStatus};
use siar_domain::org::{Lang, Permission};
use siar_domain::richtext;
use siar_domain::studio::{
    Audience, Campaign, CampaignForm, Category, PostEventKind, PostStatus, inconsistent_hashtags,
};
use siar_domain::validate::Problems;
use std::collections::{BTreeMap, HashMap};

// ---------------------------------------------------------------- the form

/// What the composer's form holds (also sent by its script).
#[derive(Default, Clone)]
pub(crate) struct ComposeForm {
    text: String,
    title: String,
    channels: Vec<i64>,
    variants: BTreeMap<i64, String>,
    when_mode: String,
    when: String,
    media_ids: Vec<i64>,
    alt: String,
    file: Option<(String, Vec<u8>)>,
    category: String,
    campaign: String,
    first_comment: String,
    notes: String,
    shorten: bool,
    version: i64,
    action: String,
    repeat_every: String,
    repeat_unit: String,
    repeat_until: String,
    template: String,
    tpl_judul: String,
    tpl_tautan: String,
    /// Files picked from the media library.
    picked: Vec<i64>,
}

async fn read_form(mp: Multipart) -> Result<ComposeForm, WebError> {
    let mut f = ComposeForm::default();
    let mut shorten_seen = false;
    let parts = crate::pages::read_multipart(mp, "file").await?;
    f.file = parts.file;
    for (name, value) in parts.fields {
        match name.as_str() {
            "text" => f.text = value,
            "title" => f.title = value,
            "channel" => {
                if let Ok(id) = value.parse() {
                    f.channels.push(id);
                }
            }
            "when_mode" => f.when_mode = value,
            "when" => f.when = value,
            "alt" => f.alt = value,
            "category" => f.category = value,
            "campaign" => f.campaign = value,
            "first_comment" => f.first_comment = value,
            "notes" => f.notes = value,
            "shorten" => f.shorten = true,
            "shorten_shown" => shorten_seen = true,
            "version" => f.version = value.trim().parse().unwrap_or(0),
            "repeat_every" => f.repeat_every = value,
            "repeat_unit" => f.repeat_unit = value,
            "repeat_until" => f.repeat_until = value,
            "pick" => {
                if let Ok(id) = value.trim().parse::<i64>()
                    && !f.media_ids.contains(&id)
                {
                    f.picked.push(id);
                }
            }
            "template" => f.template = value,
            "tpl_judul" => f.tpl_judul = value,
            "tpl_tautan" => f.tpl_tautan = value,
            "action" => f.action = value,
            "media_ids" => {
                f.media_ids = value
                    .split(',')
                    .filter_map(|s| s.trim().parse().ok())
                    .collect();
            }
            other => {
                if let Some(id) = other.strip_prefix("text_").and_then(|s| s.parse().ok()) {
                    f.variants.insert(id, value);
                }
            }
        }
    }
    for id in std::mem::take(&mut f.picked) {
        if !f.media_ids.contains(&id) {
            f.media_ids.push(id);
        }
    }
    if !shorten_seen {
        // A client that does not send the box (the API's way) keeps the default.
        f.shorten = true;
    }
    Ok(f)
}

impl ComposeForm {
    fn of(post: &siar_domain::publishing::Post, tz: chrono_tz::Tz) -> Self {
        ComposeForm {
            text: post.text.clone(),
            title: post.title.clone().unwrap_or_default(),
            channels: post.draft.channels.clone(),
            variants: post.draft.variants.clone(),
            when_mode: if post.timed { "later" } else { "now" }.into(),
            when: if post.timed {
                local_input(post.publish_at, tz)
            } else {
                String::new()
            },
            media_ids: post.draft.media.clone(),
            category: post
                .category
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            campaign: post.campaign_id.map(|c| c.to_string()).unwrap_or_default(),
            first_comment: post.draft.first_comment.clone(),
            notes: post.notes.clone(),
            shorten: post.draft.shorten_links,
            version: post.version,
            repeat_every: post
                .draft
                .repeat
                .map(|r| r.every.to_string())
                .unwrap_or_default(),
            repeat_unit: match post.draft.repeat {
                Some(r) if r.weeks => "weeks".into(),
                _ => "days".into(),
            },
            repeat_until: post
                .draft
                .repeat
                .map(|r| r.until.to_string())
                .unwrap_or_default(),
            ..Default::default()
        }
    }

    /// The draft to save; a time that cannot be read is a problem.
    fn input(&self, tz: chrono_tz::Tz, problems: &mut Problems) -> DraftInput {
        let publish_at = if self.when_mode == "later" {
            match parse_local(&self.when, tz) {
                Some(t) => Some(t),
                None => {
                    problems.push("when", "err-datetime");
                    None
                }
            }
        } else {
            None
        };
        let category = match self.category.trim() {
            "" => None,
            c => match Category::parse(c) {
                Some(c) => Some(c),
                None => {
                    problems.push("category", "err-unknown-category");
                    None
                }
            },
        };
        let first_day = publish_at.map(|t| t.to_utc().with_timezone(&tz).date_naive());
        let repeat = match siar_domain::studio::Repeat::parse(
            &self.repeat_every,
            &self.repeat_unit,
            &self.repeat_until,
            first_day,
        ) {
            Ok(r) => r,
            Err((field, key)) => {
                problems.push(field, key);
                None
            }
        };
        DraftInput {
            repeat,
            text: self.text.clone(),
            title: self.title.clone(),
            channels: self.channels.clone(),
            variants: self.variants.clone(),
            media: self.media_ids.clone(),
            publish_at,
            category,
            campaign_id: self.campaign.trim().parse().ok(),
            first_comment: self.first_comment.clone(),
            notes: self.notes.clone(),
            shorten_links: self.shorten,
        }
    }
}

/// `2026-12-01T09:30` for a `datetime-local` field, in the organisation's zone.
pub(crate) fn local_input(t: Timestamp, tz: chrono_tz::Tz) -> String {
    t.to_utc()
        .with_timezone(&tz)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

// ---------------------------------------------------------------- the page

pub struct ChannelChoice {
    pub id: i64,
    pub name: String,
    pub handle: String,
    pub checked: bool,
    pub variant: String,
    pub limit: usize,
    pub counted: Option<String>,
    pub issues: Vec<String>,
    pub preview: Vec<String>,
    pub threads: bool,
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub what: String,
    pub comment: String,
}

pub struct KeptRow {
    pub when: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "tulis.html")]
struct ComposerPage<'a> {
    c: &'a PageCtx,
    action: String,
    id: Option<i64>,
    version: i64,
    status: Option<(String, &'static str)>,
    author: String,
    editable: bool,
    can_submit: bool,
    can_schedule: bool,
    can_review: bool,
    can_withdraw: bool,
    choices: Vec<ChannelChoice>,
    f: ComposeForm,
    media: Vec<MediaRow>,
    media_ids: String,
    zone: String,
    categories: Vec<Opt>,
    campaigns: Vec<Opt>,
    hashtags: Vec<String>,
    hashtag_fixes: Vec<String>,
    others: Vec<String>,
    kept: Vec<KeptRow>,
    last_request: Option<(String, String)>,
    history: Vec<HistoryRow>,
    refused: bool,
    overdue: bool,
    templates: Vec<Opt>,
    /// The media library's newest files not attached yet.
    library: Vec<MediaRow>,
}

fn report_for<'r>(
    report: Option<&'r Report>,
    ch: &Channel,
) -> Option<&'r siar_app::publishing::ChannelReport> {
    report.and_then(|r| r.channels.iter().find(|x| x.channel.id == ch.id))
}

fn counted_text(lang: Lang, counted: usize, limit: usize) -> String {
    i18n::t_args(
        lang,
        "compose-counted",
        &[
            ("counted", counted.to_string()),
            ("limit", limit.to_string()),
        ],
    )
}

/// The text one channel will get, split as the platform will show it.
fn preview_of(f: &ComposeForm, ch: &Channel) -> Vec<String> {
    let base = f
        .variants
        .get(&ch.id)
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(&f.text);
    let caps = ch.rules_platform().capabilities();
    let mut text = base.trim().to_string();
    let first = f.first_comment.trim();
    if !first.is_empty() && caps.threads {
        text = format!("{text}\n{}\n{first}", richtext::THREAD_SEPARATOR);
    }
    if caps.threads {
        richtext::thread_parts(&text)
    } else {
        vec![richtext::without_threads(&text)]
    }
}

fn channel_issues(
    lang: Lang,
    rep: Option<&siar_app::publishing::ChannelReport>,
    ch: &Channel,
) -> Vec<String> {
    let mut issues: Vec<String> = rep
        .map(|r| {
            r.check
                .issues
                .iter()
                .map(|i| issue_text(lang, ch.rules_platform(), i))
                .collect()
        })
        .unwrap_or_default();
    if let Some(k) = rep.and_then(|r| r.channel_problem) {
        issues.insert(
            0,
            i18n::t_args(
                lang,
                k,
                &[("platform", crate::publishing::channel_name(lang, ch))],
            ),
        );
    }
    issues
}

/// "Write #PalembangBaca, not #palembangbaca" for the chosen campaign.
fn hashtag_fixes(lang: Lang, camps: &[Campaign], chosen: Option<i64>, text: &str) -> Vec<String> {
    camps
        .iter()
        .find(|c| Some(c.id) == chosen)
        .map(|camp| {
            inconsistent_hashtags(text, &camp.hashtags)
                .into_iter()
                .map(|(w, should)| {
                    i18n::t_args(
                        lang,
                        "compose-hashtag-fix",
                        &[("written", w), ("canonical", should)],
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

struct PageInput<'a> {
    id: Option<i64>,
    form: ComposeForm,
    view: Option<&'a DraftView>,
    report: Option<&'a Report>,
}

async fn composer_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    p: PageInput<'_>,
) -> Result<String, WebError> {
    let actor = &me.0.actor;
    let lang = c.lang;
    let tz = me.0.org.settings.timezone;
    let f = p.form;
    let list = channels::list(&state.app, actor).await?;
    // Without a report yet (a page just opened), check what is there now so
    // the counters show from the start.
    let fresh;
    let report = match p.report {
        Some(r) => Some(r),
        None if !f.channels.is_empty() => {
            let mut problems = Problems::default();
            let input = f.input(tz, &mut problems);
            fresh = siar_app::publishing::validate(&state.app, actor, &input.post_input()).await?;
            Some(&fresh)
        }
        None => None,
    };
    let choices = list
        .iter()
        .filter(|ch| ch.status != ChannelStatus::Disconnected)
        .map(|ch| {
            let rep = report_for(report, ch);
            let caps = ch.rules_platform().capabilities();
            ChannelChoice {
                id: ch.id,
                name: crate::publishing::channel_name(lang, ch),
                handle: ch.handle.clone(),
                checked: f.channels.contains(&ch.id),
                variant: f.variants.get(&ch.id).cloned().unwrap_or_default(),
                limit: rep.map(|r| r.check.limit).unwrap_or(caps.text_limit),
                counted: rep.map(|r| counted_text(lang, r.check.counted, r.check.limit)),
                issues: if f.channels.contains(&ch.id) {
                    channel_issues(lang, rep, ch)
                } else {
                    vec![]
                },
                preview: preview_of(&f, ch),
                threads: caps.threads,
            }
        })
        .collect();
    let media = if f.media_ids.is_empty() {
        vec![]
    } else {
        media::by_ids(&state.app, actor, &f.media_ids)
            .await?
            .iter()
            .map(media_row)
            .collect()
    };
    let camps = studio::campaigns(&state.app, actor).await?;
    let chosen_campaign: Option<i64> = f.campaign.trim().parse().ok();
    let hashtags = studio::hashtag_suggestions(&state.app, actor, chosen_campaign).await?;
    let hashtag_fixes = hashtag_fixes(lang, &camps, chosen_campaign, &f.text);
    let post = p.view.map(|v| &v.post);
    let status = post.map(|p| p.status);
    let editor = actor.role.can(Permission::Publish);
    let own = post.is_none_or(|p| p.author_id == actor.user);
    let editable = status.is_none_or(|s| match s {
        PostStatus::Draft | PostStatus::ChangesRequested => own || editor,
        PostStatus::InReview => editor,
        PostStatus::Scheduled => false,
    }) && actor.role.can(Permission::Draft);
    let history: Vec<HistoryRow> = p
        .view
        .map(|v| {
            v.events
                .iter()
                .map(|(e, who)| HistoryRow {
                    when: format!(
                        "{} {}",
                        e.at.format_in(tz),
                        siar_domain::time::zone_label(tz)
                    ),
                    who: who.clone(),
                    what: i18n::t(lang, e.kind.label_key()),
                    comment: e.comment.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let last_request = p.view.and_then(|v| {
        (v.post.status == PostStatus::ChangesRequested)
            .then(|| {
                v.events
                    .iter()
                    .rev()
                    .find(|(e, _)| e.kind == PostEventKind::ChangesRequested)
                    .map(|(e, who)| (who.clone(), e.comment.clone()))
            })
            .flatten()
    });
    let now = state.app.now();
    let overdue =
        post.is_some_and(|p| p.status == PostStatus::InReview && p.timed && p.publish_at.0 < now.0);
    let body = ComposerPage {
        c,
        action: match p.id {
            Some(id) => format!("/app/tulis/{id}"),
            None => "/app/tulis".into(),
        },
        id: p.id,
        version: f.version,
        status: status.map(|s| (i18n::t(lang, s.label_key()), s.tone())),
        author: p.view.map(|v| v.author.clone()).unwrap_or_default(),
        editable,
        can_submit: editable
            && !editor
            && status.is_none_or(|s| matches!(s, PostStatus::Draft | PostStatus::ChangesRequested)),
        can_schedule: editable && editor && own && status != Some(PostStatus::InReview),
        can_review: editor && status == Some(PostStatus::InReview),
        can_withdraw: status == Some(PostStatus::InReview) && own && !editor,
        choices,
        media_ids: f
            .media_ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(","),
        media,
        zone: siar_domain::time::zone_label(tz).to_string(),
        categories: Category::ALL
            .iter()
            .map(|k| Opt {
                value: k.as_str().into(),
                label: i18n::t(lang, k.label_key()),
                selected: f.category == k.as_str(),
            })
            .collect(),
        campaigns: camps
            .iter()
            .map(|k| Opt {
                value: k.id.to_string(),
                label: k.name.clone(),
                selected: Some(k.id) == chosen_campaign,
            })
            .collect(),
        hashtags,
        hashtag_fixes,
        others: p.view.map(|v| v.others.clone()).unwrap_or_default(),
        kept: p
            .view
            .map(|v| {
                v.conflicts
                    .iter()
                    .map(|r| KeptRow {
                        when: format!(
                            "{} {}",
                            r.at.format_in(tz),
                            siar_domain::time::zone_label(tz)
                        ),
                        text: r.text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        last_request,
        history,
        refused: p.report.is_some_and(|r| !r.is_ok()),
        overdue,
        library: media::recent(&state.app, actor, 24)
            .await?
            .iter()
            .filter(|m| !f.media_ids.contains(&m.id))
            .map(media_row)
            .collect(),
        templates: studio::templates(&state.app, actor)
            .await?
            .into_iter()
            .map(|t| Opt {
                selected: f.template == t.id.to_string(),
                value: t.id.to_string(),
                label: t.name,
            })
            .collect(),
        f,
    }
    .render()?;
    Ok(body)
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    /// A day picked in the calendar (YYYY-MM-DD).
    tanggal: Option<String>,
    kampanye: Option<i64>,
}

/// `GET /app/tulis`: an empty composer (a day from the calendar pre-filled).
pub async fn new_draft(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Query(q): Query<NewQuery>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "compose-title", "/app/tulis", &headers, &r);
    let mut form = ComposeForm {
        shorten: true,
        when_mode: "now".into(),
        ..Default::default()
    };
    if let Some(day) = q
        .tanggal
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    {
        form.when_mode = "later".into();
        form.when = format!("{}T09:00", day.format("%Y-%m-%d"));
    }
    if let Some(k) = q.kampanye {
        form.campaign = k.to_string();
    }
    let body = composer_page(
        &state,
        &me,
        &c,
        PageInput {
            id: None,
            form,
            view: None,
            report: None,
        },
    )
    .await?;
    Ok(crate::pages::html_page(body, had, &state))
}

/// `GET /app/posts/new`: the composer moved to `/app/tulis`.
pub async fn old_compose() -> impl IntoResponse {
    Redirect::to("/app/tulis")
}

/// `GET /app/tulis/{id}`: a draft in the composer (a scheduled post opens
/// its post page).
pub async fn edit_draft(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
) -> WebResult {
    let view = studio::open(&state.app, &me.0.actor, id).await?;
    if view.post.status == PostStatus::Scheduled {
        return Ok(Redirect::to(&format!("/app/posts/{id}")).into_response());
    }
    let (c, had) = staff_ctx(&me, "compose-title", "/app/tulis", &headers, &r);
    let form = ComposeForm::of(&view.post, me.0.org.settings.timezone);
    let body = composer_page(
        &state,
        &me,
        &c,
        PageInput {
            id: Some(id),
            form,
            view: Some(&view),
            report: None,
        },
    )
    .await?;
    Ok(crate::pages::html_page(body, had, &state))
}

pub async fn create_draft(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    mp: Multipart,
) -> WebResult {
    let form = read_form(mp).await?;
    handle_compose(&state, &me, &r, None, form).await
}

pub async fn update_draft(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
    mp: Multipart,
) -> WebResult {
    let form = read_form(mp).await?;
    handle_compose(&state, &me, &r, Some(id), form).await
}

/// Stores an attached file first (so it is never lost), then saves the draft,
/// then does what the button asked: save, submit or schedule.
async fn handle_compose(
    state: &WebState,
    me: &Me,
    r: &Option<Extension<RequestId>>,
    id: Option<i64>,
    mut form: ComposeForm,
) -> WebResult {
    let actor = &me.0.actor;
    let tz = me.0.org.settings.timezone;
    let mut problems = Problems::default();
    if let Some((name, bytes)) = form.file.take() {
        match media::upload(&state.app, actor, &name, bytes, &form.alt).await {
            Ok(m) => form.media_ids.push(m.id),
            Err(AppError::Invalid(p)) => problems.0.extend(p.0),
            Err(e) => return Err(e.into()),
        }
    } else if !form.alt.trim().is_empty() {
        // Alt text typed after the upload applies to the files already attached.
        for m in &form.media_ids {
            media::set_alt(&state.app, actor, *m, &form.alt).await?;
        }
    }
    if form.action == "template" {
        apply_template(state, me, &mut form).await?;
    }
    if form.action == "queue" {
        match crate::calendar::next_slot_input(state, me, &form.channels).await? {
            Some(when) => {
                form.when_mode = "later".into();
                form.when = when;
            }
            None => problems.push("when", "err-queue-empty"),
        }
    }
    let input = form.input(tz, &mut problems);
    let saved = match studio::save(
        &state.app,
        actor,
        id,
        form.version,
        &input,
        SaveKind::Manual,
    )
    .await
    {
        Ok(s) => s,
        Err(AppError::Invalid(p)) => {
            problems.0.extend(p.0);
            let c = problems_ctx(me, "compose-title", "/app/tulis", r, problems);
            let body = composer_page(
                state,
                me,
                &c,
                PageInput {
                    id,
                    form,
                    view: None,
                    report: None,
                },
            )
            .await?;
            return Ok(unprocessable(body));
        }
        Err(e) => return Err(e.into()),
    };
    let (id, version) = match saved {
        Saved::Saved { id, version } => (id, version),
        Saved::Conflict { id, .. } => {
            return Ok(redirect_with_flash(
                &format!("/app/tulis/{id}"),
                "draft-conflict",
                false,
                state.config.secure_cookies,
            ));
        }
    };
    form.version = version;
    let result = if !problems.is_empty() {
        Err(AppError::Invalid(problems.clone()))
    } else {
        match form.action.as_str() {
            "submit" => studio::submit(&state.app, actor, id, version)
                .await
                .map(|()| (format!("/app/tulis/{id}"), "draft-submitted")),
            "schedule" => studio::approve(&state.app, actor, id, version)
                .await
                .map(|()| (format!("/app/posts/{id}"), "post-scheduled")),
            "queue" => Ok((format!("/app/tulis/{id}"), "draft-queued")),
            "template" if form.text.contains('{') => {
                Ok((format!("/app/tulis/{id}"), "draft-template-missing"))
            }
            "template" => Ok((format!("/app/tulis/{id}"), "draft-template")),
            _ => Ok((format!("/app/tulis/{id}"), "draft-saved")),
        }
    };
    match result {
        Ok((to, key)) => Ok(done(state, &to, key)),
        Err(e) => refused(state, me, r, id, Some(form), e).await,
    }
}

/// The composer again after a refusal, with every problem (and, for a post
/// that broke a platform's rules, each channel's). The draft itself is saved;
/// `form` is what was sent, or `None` to show the post as stored.
async fn refused(
    state: &WebState,
    me: &Me,
    r: &Option<Extension<RequestId>>,
    id: i64,
    form: Option<ComposeForm>,
    err: AppError,
) -> WebResult {
    let (problems, report) = match err {
        AppError::PostRefused(rep) => (rep.problems.clone(), Some(rep)),
        AppError::Invalid(p) => (p, None),
        other => return Err(other.into()),
    };
    let view = studio::open(&state.app, &me.0.actor, id).await?;
    let c = problems_ctx(me, "compose-title", "/app/tulis", r, problems);
    let form = form.unwrap_or_else(|| ComposeForm::of(&view.post, me.0.org.settings.timezone));
    let body = composer_page(
        state,
        me,
        &c,
        PageInput {
            id: Some(id),
            form,
            view: Some(&view),
            report: report.as_deref(),
        },
    )
    .await?;
    Ok(unprocessable(body))
}

/// "Sabtu, 5 Desember 2026" (or "Saturday, 5 December 2026").
pub(crate) fn long_date(lang: Lang, d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let day = siar_domain::org::OpeningHours::DAY_KEYS[d.weekday().num_days_from_monday() as usize];
    format!(
        "{}, {} {} {}",
        i18n::t(lang, day),
        d.day(),
        i18n::t(lang, &format!("month-{}", d.month())),
        d.year()
    )
}

/// Fills the chosen template into the text (replacing an empty text, after
/// a typed one): `{judul}` from its field or the title, `{tanggal}` from the
/// planned time, `{tautan}` from its field.
async fn apply_template(state: &WebState, me: &Me, form: &mut ComposeForm) -> Result<(), WebError> {
    let Some(t) = studio::templates(&state.app, &me.0.actor)
        .await?
        .into_iter()
        .find(|t| t.id.to_string() == form.template)
    else {
        return Ok(());
    };
    let lang = me.0.lang();
    let tz = me.0.org.settings.timezone;
    let date = if form.when_mode == "later" {
        parse_local(&form.when, tz)
            .map(|at| long_date(lang, at.to_utc().with_timezone(&tz).date_naive()))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let judul = if form.tpl_judul.trim().is_empty() {
        form.title.clone()
    } else {
        form.tpl_judul.clone()
    };
    let (filled, _) = siar_domain::studio::fill_template(
        &t.text,
        &[
            ("judul", &judul),
            ("tanggal", &date),
            ("tautan", &form.tpl_tautan),
        ],
    );
    form.text = if form.text.trim().is_empty() {
        filled
    } else {
        format!("{}\n\n{filled}", form.text.trim_end())
    };
    if form.category.is_empty()
        && let Some(c) = t.category
    {
        form.category = c.as_str().to_string();
    }
    Ok(())
}

// ---------------------------------------------------------------- templates page

pub struct TemplateRow {
    pub id: i64,
    pub name: String,
    pub text: String,
    pub category: String,
}

#[derive(Template)]
#[template(path = "templat.html")]
struct TemplatesPage<'a> {
    c: &'a PageCtx,
    rows: Vec<TemplateRow>,
    categories: Vec<Opt>,
    can_edit: bool,
    name: String,
    text: String,
}

async fn templates_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    name: &str,
    text: &str,
) -> Result<String, WebError> {
    let actor = &me.0.actor;
    let rows = studio::templates(&state.app, actor)
        .await?
        .into_iter()
        .map(|t| TemplateRow {
            id: t.id,
            name: t.name,
            text: t.text,
            category: t
                .category
                .map(|k| i18n::t(c.lang, k.label_key()))
                .unwrap_or_default(),
        })
        .collect();
    Ok(TemplatesPage {
        c,
        rows,
        categories: Category::ALL
            .iter()
            .map(|k| Opt {
                value: k.as_str().into(),
                label: i18n::t(c.lang, k.label_key()),
                selected: false,
            })
            .collect(),
        can_edit: actor.role.can(Permission::Publish),
        name: name.to_string(),
        text: text.to_string(),
    }
    .render()?)
}

pub async fn templates(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "templates-title", "/app/templat", &headers, &r);
    let body = templates_page(&state, &me, &c, "", "").await?;
    Ok(crate::pages::html_page(body, had, &state))
}

pub async fn add_template(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let (name, text) = (get("template_name"), get("template_text"));
    match studio::add_template(
        &state.app,
        &me.0.actor,
        &name,
        &text,
        Category::parse(&get("category")),
    )
    .await
    {
        Ok(_) => Ok(done(&state, "/app/templat", "template-saved")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "templates-title", "/app/templat", &r, p);
            Ok(unprocessable(
                templates_page(&state, &me, &c, &name, &text).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_template(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
) -> WebResult {
    studio::remove_template(&state.app, &me.0.actor, id).await?;
    Ok(done(&state, "/app/templat", "template-removed"))
}

// ---------------------------------------------------------------- the script's calls

#[derive(Serialize)]
struct ChannelCheck {
    id: i64,
    counted: String,
    over: bool,
    issues: Vec<String>,
    preview: Vec<String>,
}

#[derive(Serialize)]
struct CheckBody {
    channels: Vec<ChannelCheck>,
    problems: Vec<String>,
    hashtag_fixes: Vec<String>,
}

/// `POST /app/tulis/periksa`: per-channel counters, problems and previews for
/// the composer's script, by the same rules as scheduling. Saves nothing.
pub async fn check(State(state): State<WebState>, me: Me, mp: Multipart) -> WebResult {
    let f = read_form(mp).await?;
    let actor = &me.0.actor;
    let lang = me.0.lang();
    let tz = me.0.org.settings.timezone;
    let mut problems = Problems::default();
    let input = f.input(tz, &mut problems);
    let list = channels::list(&state.app, actor).await?;
    // Every channel gets a counter, chosen or not.
    let mut all = input.post_input();
    all.channels = list
        .iter()
        .filter(|c| c.status != ChannelStatus::Disconnected)
        .map(|c| c.id)
        .collect();
    let report = siar_app::publishing::validate(&state.app, actor, &all).await?;
    let channels = list
        .iter()
        .filter(|c| c.status != ChannelStatus::Disconnected)
        .map(|ch| {
            let rep = report_for(Some(&report), ch);
            let (counted, limit) = rep
                .map(|r| (r.check.counted, r.check.limit))
                .unwrap_or((0, 0));
            ChannelCheck {
                id: ch.id,
                counted: counted_text(lang, counted, limit),
                over: counted > limit,
                issues: if f.channels.contains(&ch.id) {
                    channel_issues(lang, rep, ch)
                } else {
                    vec![]
                },
                preview: preview_of(&f, ch),
            }
        })
        .collect();
    let camps = studio::campaigns(&state.app, actor).await?;
    let hashtag_fixes = hashtag_fixes(lang, &camps, input.campaign_id, &f.text);
    let body = CheckBody {
        channels,
        problems: problems.0.iter().map(|e| i18n::t(lang, e.key)).collect(),
        hashtag_fixes,
    };
    Ok(axum::Json(body).into_response())
}

#[derive(Serialize)]
struct AutosaveBody {
    id: i64,
    version: i64,
    conflict: bool,
    others: Vec<String>,
    message: String,
}

/// `POST /app/tulis/simpan-otomatis` (a new draft) and
/// `/app/tulis/{id}/simpan-otomatis`: the script's save every few seconds.
pub async fn autosave_new(State(state): State<WebState>, me: Me, mp: Multipart) -> WebResult {
    autosave(&state, &me, None, mp).await
}

pub async fn autosave_existing(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    mp: Multipart,
) -> WebResult {
    autosave(&state, &me, Some(id), mp).await
}

async fn autosave(state: &WebState, me: &Me, id: Option<i64>, mp: Multipart) -> WebResult {
    let f = read_form(mp).await?;
    let actor = &me.0.actor;
    let lang = me.0.lang();
    let tz = me.0.org.settings.timezone;
    let mut problems = Problems::default();
    let mut input = f.input(tz, &mut problems);
    if problems.for_field("when").is_some() {
        // A half-typed time is not saved yet; everything else is.
        input.publish_at = None;
    }
    let saved =
        match studio::save(&state.app, actor, id, f.version, &input, SaveKind::Autosave).await {
            Ok(s) => s,
            Err(AppError::Invalid(p)) => {
                let msg =
                    p.0.first()
                        .map(|e| i18n::t(lang, e.key))
                        .unwrap_or_default();
                return Ok((
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    axum::Json(serde_json::json!({ "message": msg })),
                )
                    .into_response());
            }
            Err(e) => return Err(e.into()),
        };
    let (id, version, conflict) = match saved {
        Saved::Saved { id, version } => (id, version, false),
        Saved::Conflict { id, version, .. } => (id, version, true),
    };
    let others = studio::others_editing(&state.app, actor, id).await?;
    let now = state.app.now();
    let message = if conflict {
        i18n::t(lang, "draft-conflict")
    } else {
        i18n::t_args(
            lang,
            "draft-autosaved",
            &[(
                "time",
                now.to_utc().with_timezone(&tz).format("%H:%M").to_string(),
            )],
        )
    };
    Ok(axum::Json(AutosaveBody {
        id,
        version,
        conflict,
        others,
        message,
    })
    .into_response())
}

// ---------------------------------------------------------------- review

/// `POST /app/tulis/{id}/tinjau`: approve, ask for changes, or take back.
pub async fn review(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let actor = &me.0.actor;
    let version = f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let result = match f.get("action").map(String::as_str) {
        Some("approve") => studio::approve(&state.app, actor, id, version)
            .await
            .map(|()| (format!("/app/posts/{id}"), "post-approved")),
        Some("changes") => studio::request_changes(
            &state.app,
            actor,
            id,
            f.get("comment").map(String::as_str).unwrap_or(""),
        )
        .await
        .map(|()| ("/app/tinjauan".to_string(), "post-changes-requested")),
        Some("withdraw") => studio::withdraw(&state.app, actor, id)
            .await
            .map(|()| (format!("/app/tulis/{id}"), "post-withdrawn")),
        _ => return Err(WebError(ErrorKind::NotFound)),
    };
    match result {
        Ok((to, key)) => Ok(done(&state, &to, key)),
        Err(e) => refused(&state, &me, &r, id, None, e).await,
    }
}

pub struct QueueRow {
    pub id: i64,
    pub label: String,
    pub status: (String, &'static str),
    pub when: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "tinjauan.html")]
struct ReviewPage<'a> {
    c: &'a PageCtx,
    waiting: Vec<QueueRow>,
    mine: Vec<QueueRow>,
    can_review: bool,
}

fn queue_row(
    lang: Lang,
    tz: chrono_tz::Tz,
    now: Timestamp,
    p: &siar_domain::publishing::Post,
) -> QueueRow {
    QueueRow {
        id: p.id,
        label: studio::post_label(p),
        status: (i18n::t(lang, p.status.label_key()), p.status.tone()),
        when: if p.timed {
            format!(
                "{} {}",
                p.publish_at.format_in(tz),
                siar_domain::time::zone_label(tz)
            )
        } else {
            i18n::t(lang, "compose-no-time")
        },
        late: p.timed && p.publish_at.0 < now.0,
    }
}

/// `GET /app/tinjauan`: posts waiting for an editor, and my drafts.
pub async fn review_queue(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let actor = &me.0.actor;
    let (c, had) = staff_ctx(&me, "review-title", "/app/tinjauan", &headers, &r);
    let tz = me.0.org.settings.timezone;
    let now = state.app.now();
    let waiting = studio::review_queue(&state.app, actor)
        .await?
        .iter()
        .map(|p| queue_row(c.lang, tz, now, p))
        .collect();
    let mine = studio::my_drafts(&state.app, actor)
        .await?
        .iter()
        .map(|p| queue_row(c.lang, tz, now, p))
        .collect();
    page(
        &ReviewPage {
            c: &c,
            waiting,
            mine,
            can_review: actor.role.can(Permission::Publish),
        },
        had,
        &state,
    )
}

// ---------------------------------------------------------------- notifications

pub struct NoteRow {
    pub id: i64,
    pub text: String,
    pub link: String,
    pub when: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifikasi.html")]
struct NotesPage<'a> {
    c: &'a PageCtx,
    notes: Vec<NoteRow>,
}

pub async fn notifications(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "notes-title", "/app/notifikasi", &headers, &r);
    let tz = me.0.org.settings.timezone;
    let notes = studio::notifications(&state.app, &me.0.actor)
        .await?
        .into_iter()
        .map(|n| {
            let args: Vec<(&str, String)> = n
                .args
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            NoteRow {
                id: n.id,
                text: i18n::t_args(c.lang, &n.kind, &args),
                link: n.link.clone(),
                when: format!(
                    "{} {}",
                    n.created_at.format_in(tz),
                    siar_domain::time::zone_label(tz)
                ),
                unread: n.read_at.is_none(),
            }
        })
        .collect();
    page(&NotesPage { c: &c, notes }, had, &state)
}

/// `POST /app/notifikasi`: mark all read, or open one (marking it read).
pub async fn notifications_read(
    State(state): State<WebState>,
    me: Me,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let one: Option<i64> = f.get("id").and_then(|v| v.parse().ok());
    studio::mark_read(&state.app, &me.0.actor, one).await?;
    match (one, f.get("link")) {
        (Some(_), Some(link)) if link.starts_with("/app/") => {
            Ok(Redirect::to(link).into_response())
        }
        _ => Ok(done(&state, "/app/notifikasi", "notes-all-read")),
    }
}

// ---------------------------------------------------------------- campaigns

pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub dates: String,
    pub hashtags: String,
    pub audiences: String,
    pub budget: String,
    pub active: bool,
}

fn rupiah(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    format!("Rp {out}")
}

fn campaign_row(lang: Lang, today: chrono::NaiveDate, k: &Campaign) -> CampaignRow {
    CampaignRow {
        id: k.id,
        name: k.name.clone(),
        dates: format!(
            "{} – {}",
            k.starts_on.format("%d-%m-%Y"),
            k.ends_on.format("%d-%m-%Y")
        ),
        hashtags: k.hashtags.join(" "),
        audiences: k
            .audiences
            .iter()
            .map(|a| i18n::t(lang, a.label_key()))
            .collect::<Vec<_>>()
            .join(", "),
        budget: rupiah(k.budget),
        active: k.starts_on <= today && today <= k.ends_on,
    }
}

#[derive(Default)]
pub struct CampaignFormView {
    pub name: String,
    pub slug: String,
    pub goal: String,
    pub starts_on: String,
    pub ends_on: String,
    pub hashtags: String,
    pub budget: String,
    pub audiences: Vec<Opt>,
}

fn form_view(lang: Lang, f: &CampaignForm) -> CampaignFormView {
    CampaignFormView {
        name: f.name.clone(),
        slug: f.slug.clone(),
        goal: f.goal.clone(),
        starts_on: f.starts_on.clone(),
        ends_on: f.ends_on.clone(),
        hashtags: f.hashtags.clone(),
        budget: f.budget.clone(),
        audiences: Audience::ALL
            .iter()
            .map(|a| Opt {
                value: a.as_str().into(),
                label: i18n::t(lang, a.label_key()),
                selected: f.audiences.iter().any(|x| x == a.as_str()),
            })
            .collect(),
    }
}

fn form_of_campaign(k: &Campaign) -> CampaignForm {
    CampaignForm {
        name: k.name.clone(),
        slug: k.slug.clone(),
        goal: k.goal.clone(),
        starts_on: k.starts_on.to_string(),
        ends_on: k.ends_on.to_string(),
        hashtags: k.hashtags.join(", "),
        audiences: k.audiences.iter().map(|a| a.as_str().to_string()).collect(),
        budget: if k.budget == 0 {
            String::new()
        } else {
            k.budget.to_string()
        },
    }
}

pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub hashtags: String,
}

#[derive(Template)]
#[template(path = "kampanye.html")]
struct CampaignsPage<'a> {
    c: &'a PageCtx,
    rows: Vec<CampaignRow>,
    form: CampaignFormView,
    groups: Vec<GroupRow>,
    group_name: String,
    group_tags: String,
    can_edit: bool,
}

async fn campaigns_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    form: &CampaignForm,
    group: (&str, &str),
) -> Result<String, WebError> {
    let actor = &me.0.actor;
    let tz = me.0.org.settings.timezone;
    let today = state.app.now().to_utc().with_timezone(&tz).date_naive();
    let rows = studio::campaigns(&state.app, actor)
        .await?
        .iter()
        .map(|k| campaign_row(c.lang, today, k))
        .collect();
    let groups = studio::hashtag_groups(&state.app, actor)
        .await?
        .into_iter()
        .map(|g| GroupRow {
            id: g.id,
            name: g.name,
            hashtags: g.hashtags.join(" "),
        })
        .collect();
    Ok(CampaignsPage {
        c,
        rows,
        form: form_view(c.lang, form),
        groups,
        group_name: group.0.to_string(),
        group_tags: group.1.to_string(),
        can_edit: actor.role.can(Permission::Publish),
    }
    .render()?)
}

pub async fn campaigns(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "campaigns-title", "/app/kampanye", &headers, &r);
    let body = campaigns_page(&state, &me, &c, &CampaignForm::default(), ("", "")).await?;
    Ok(crate::pages::html_page(body, had, &state))
}

fn campaign_form(f: &[(String, String)]) -> CampaignForm {
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    CampaignForm {
        name: get("name"),
        slug: get("slug"),
        goal: get("goal"),
        starts_on: get("starts_on"),
        ends_on: get("ends_on"),
        hashtags: get("hashtags"),
        audiences: f
            .iter()
            .filter(|(n, _)| n == "audience")
            .map(|(_, v)| v.clone())
            .collect(),
        budget: get("budget"),
    }
}

pub async fn create_campaign(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<Vec<(String, String)>>,
) -> WebResult {
    let form = campaign_form(&f);
    match studio::save_campaign(&state.app, &me.0.actor, None, &form).await {
        Ok(id) => Ok(done(
            &state,
            &format!("/app/kampanye/{id}"),
            "campaign-saved",
        )),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "campaigns-title", "/app/kampanye", &r, p);
            Ok(unprocessable(
                campaigns_page(&state, &me, &c, &form, ("", "")).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct DayCell {
    pub day: String,
    pub in_month: bool,
    pub in_campaign: bool,
    pub posts: Vec<(i64, String, &'static str)>,
}

pub struct MonthView {
    pub label: String,
    pub weeks: Vec<Vec<DayCell>>,
}

#[derive(Template)]
#[template(path = "kampanye_detail.html")]
struct CampaignPage<'a> {
    c: &'a PageCtx,
    id: i64,
    row: CampaignRow,
    goal: String,
    months: Vec<MonthView>,
    posts: Vec<QueueRow>,
    weekdays: Vec<String>,
    form: CampaignFormView,
    can_edit: bool,
}

/// The campaign's months as small calendars with its posts on their days.
fn mini_months(
    lang: Lang,
    tz: chrono_tz::Tz,
    k: &Campaign,
    posts: &[siar_domain::publishing::Post],
) -> Vec<MonthView> {
    use chrono::{Datelike, Duration as D, NaiveDate};
    let mut by_day: HashMap<NaiveDate, Vec<(i64, String, &'static str)>> = HashMap::new();
    for p in posts.iter().filter(|p| p.timed) {
        let d = p.publish_at.to_utc().with_timezone(&tz).date_naive();
        by_day
            .entry(d)
            .or_default()
            .push((p.id, studio::post_label(p), p.status.tone()));
    }
    let mut months = Vec::new();
    let mut first = k.starts_on.with_day(1).unwrap_or(k.starts_on);
    // At most a year of months on one page.
    while first <= k.ends_on && months.len() < 12 {
        let next = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        };
        let Some(next) = next else { break };
        let start = first - D::days(i64::from(first.weekday().num_days_from_monday()));
        let mut weeks = Vec::new();
        let mut d = start;
        while d < next {
            let mut week = Vec::new();
            for _ in 0..7 {
                week.push(DayCell {
                    day: d.day().to_string(),
                    in_month: d.month() == first.month(),
                    in_campaign: k.starts_on <= d && d <= k.ends_on,
                    posts: by_day.get(&d).cloned().unwrap_or_default(),
                });
                d += D::days(1);
            }
            weeks.push(week);
        }
        months.push(MonthView {
            label: crate::days::month_label(lang, first),
            weeks,
        });
        first = next;
    }
    months
}

pub(crate) fn weekday_names(lang: Lang) -> Vec<String> {
    (1..=7)
        .map(|i| i18n::t(lang, &format!("weekday-short-{i}")))
        .collect()
}

pub async fn campaign_detail(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "campaign-title", "/app/kampanye", &headers, &r);
    let body = campaign_body(&state, &me, &c, id, None).await?;
    Ok(crate::pages::html_page(body, had, &state))
}

async fn campaign_body(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    id: i64,
    form: Option<&CampaignForm>,
) -> Result<String, WebError> {
    let actor = &me.0.actor;
    let tz = me.0.org.settings.timezone;
    let now = state.app.now();
    let today = now.to_utc().with_timezone(&tz).date_naive();
    let (k, posts) = studio::campaign(&state.app, actor, id).await?;
    let own_form = form_of_campaign(&k);
    Ok(CampaignPage {
        c,
        id,
        row: campaign_row(c.lang, today, &k),
        goal: k.goal.clone(),
        months: mini_months(c.lang, tz, &k, &posts),
        posts: posts
            .iter()
            .map(|p| queue_row(c.lang, tz, now, p))
            .collect(),
        weekdays: weekday_names(c.lang),
        form: form_view(c.lang, form.unwrap_or(&own_form)),
        can_edit: actor.role.can(Permission::Publish),
    }
    .render()?)
}

pub async fn update_campaign(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> WebResult {
    let form = campaign_form(&f);
    match studio::save_campaign(&state.app, &me.0.actor, Some(id), &form).await {
        Ok(id) => Ok(done(
            &state,
            &format!("/app/kampanye/{id}"),
            "campaign-saved",
        )),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "campaign-title", "/app/kampanye", &r, p);
            Ok(unprocessable(
                campaign_body(&state, &me, &c, id, Some(&form)).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_group(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let name = f.get("group_name").cloned().unwrap_or_default();
    let tags = f.get("group_tags").cloned().unwrap_or_default();
    match studio::add_hashtag_group(&state.app, &me.0.actor, &name, &tags).await {
        Ok(_) => Ok(done(&state, "/app/kampanye", "group-saved")),
        Err(AppError::Invalid(p)) => {
            let p = Problems(
                p.0.into_iter()
                    .map(|mut e| {
                        e.field = match e.field {
                            "name" => "group_name",
                            _ => "group_tags",
                        };
                        e
                    })
                    .collect(),
            );
            let c = problems_ctx(&me, "campaigns-title", "/app/kampanye", &r, p);
            Ok(unprocessable(
                campaigns_page(&state, &me, &c, &CampaignForm::default(), (&name, &tags)).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_group(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    studio::remove_hashtag_group(&state.app, &me.0.actor, id).await?;
    Ok(done(&state, "/app/kampanye", "group-removed"))
}
