//! The content studio: drafts that are saved as people type and never lost,
//! review by an editor, the post's history, console notifications, campaigns
//! and hashtag groups.
//!
//! A draft is a row of `posts` without deliveries. Approval turns it into one
//! delivery per channel (links shortened with UTM tags, hashtags in the
//! campaign's spelling) in the same transaction that marks it scheduled.

use crate::publishing::{self, PostInput, VariantInput};
use crate::{Actor, App, AppError, audit, links};
use chrono::TimeZone;
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::channels::Platform;
use siar_domain::org::{OrgId, Permission, UserId};
use siar_domain::publishing::{Post, check_publish_at};
use siar_domain::richtext;
use siar_domain::studio::{
    self as rules, Campaign, CampaignFields, CampaignForm, Category, DraftContent, Notification,
    PostEvent, PostEventKind, PostStatus, Revision,
};
use siar_domain::validate::{FieldError, Problems};
use siar_store::publishing::{self as publ, NewDelivery, PostFilter};
use siar_store::studio::{self as store, DraftRecord, HashtagGroup, NewRevision};
use siar_store::{StoreError, Tx};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Longest text a draft may hold (far above every platform's limit; a guard
/// against pasting a book, not a rule).
pub const MAX_DRAFT_CHARS: usize = 50_000;
/// Longest internal note.
pub const MAX_NOTES_CHARS: usize = 5_000;
/// Someone who saved or opened a draft this recently is "also editing".
pub const PRESENCE_WINDOW: Duration = Duration::from_secs(90);
/// Autosaves keep a copy of the text at most this often per person.
pub const AUTOSAVE_COPY_EVERY: Duration = Duration::from_secs(600);

/// What the composer sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftInput {
    pub text: String,
    pub title: String,
    pub channels: Vec<i64>,
    pub variants: BTreeMap<i64, String>,
    pub media: Vec<i64>,
    pub publish_at: Option<Timestamp>,
    pub category: Option<Category>,
    pub campaign_id: Option<i64>,
    pub first_comment: String,
    pub notes: String,
    pub shorten_links: bool,
    /// Repeats made when the post is approved.
    pub repeat: Option<rules::Repeat>,
}

impl DraftInput {
    fn content(&self) -> DraftContent {
        DraftContent {
            channels: self.channels.clone(),
            variants: self
                .variants
                .iter()
                .filter(|(_, t)| !t.trim().is_empty())
                .map(|(k, v)| (*k, v.clone()))
                .collect(),
            media: self.media.clone(),
            first_comment: self.first_comment.trim().to_string(),
            shorten_links: self.shorten_links,
            repeat: self.repeat,
        }
    }

    /// The draft as it stands in a post.
    pub fn of(post: &Post) -> Self {
        DraftInput {
            text: post.text.clone(),
            title: post.title.clone().unwrap_or_default(),
            channels: post.draft.channels.clone(),
            variants: post.draft.variants.clone(),
            media: post.draft.media.clone(),
            publish_at: post.timed.then_some(post.publish_at),
            category: post.category,
            campaign_id: post.campaign_id,
            first_comment: post.draft.first_comment.clone(),
            notes: post.notes.clone(),
            shorten_links: post.draft.shorten_links,
            repeat: post.draft.repeat,
        }
    }

    /// As issue 3's publishing input (for the platforms' rules): the first
    /// comment travels as the last part of a thread where the platform has
    /// threads, so it is counted by the same rules.
    pub fn post_input(&self) -> PostInput {
        PostInput {
            text: self.text.clone(),
            title: Some(self.title.clone()),
            channels: self.channels.clone(),
            variants: self
                .variants
                .iter()
                .map(|(id, t)| {
                    (
                        *id,
                        VariantInput {
                            text: Some(t.clone()),
                            title: None,
                        },
                    )
                })
                .collect(),
            media: self.media.clone(),
            publish_at: self.publish_at,
        }
    }
}

/// How a save ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Saved {
        id: i64,
        version: i64,
    },
    /// Someone saved a newer version first. Nothing was overwritten: this
    /// person's text is kept as revision `revision`, and the page shows both.
    Conflict {
        id: i64,
        version: i64,
        revision: i64,
    },
}

/// Why a save happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveKind {
    /// The person pressed Save (or a form went through without JS).
    Manual,
    /// The composer's script, every few seconds while typing.
    Autosave,
}

fn check_input(input: &DraftInput) -> Result<(), AppError> {
    let mut p = Problems::default();
    let too_long = |p: &mut Problems, field: &'static str, v: &str, max: usize| {
        if v.chars().count() > max {
            p.0.push(FieldError {
                field,
                key: "err-too-long",
                max: Some(max),
            });
        }
    };
    too_long(&mut p, "text", &input.text, MAX_DRAFT_CHARS);
    too_long(&mut p, "title", &input.title, 300);
    too_long(&mut p, "notes", &input.notes, MAX_NOTES_CHARS);
    too_long(&mut p, "first_comment", &input.first_comment, 5_000);
    for v in input.variants.values() {
        too_long(&mut p, "channels", v, MAX_DRAFT_CHARS);
    }
    p.into_result().map_err(AppError::Invalid)
}

/// The record of what is on the page. Ids that are not the organisation's
/// (a forged form) are refused; platform rules are not checked here: a draft
/// with problems can be saved, only not submitted.
async fn checked_record<'a>(
    tx: &mut Tx,
    org: OrgId,
    input: &'a DraftInput,
    content: &'a DraftContent,
) -> Result<DraftRecord<'a>, AppError> {
    check_input(input)?;
    if let Some(c) = input.campaign_id
        && store::get_campaign(tx, org, c).await?.is_none()
    {
        return Err(AppError::field("campaign", "err-unknown-campaign"));
    }
    for id in &input.channels {
        if siar_store::channels::get(tx, org, *id).await?.is_none() {
            return Err(AppError::field("channels", "err-unknown-channel"));
        }
    }
    if !input.media.is_empty()
        && publ::media_by_ids(tx, org, &input.media).await?.len() != {
            let mut m = input.media.clone();
            m.sort_unstable();
            m.dedup();
            m.len()
        }
    {
        return Err(AppError::field("media", "err-unknown-media"));
    }
    let title = input.title.trim();
    Ok(DraftRecord {
        text: &input.text,
        title: (!title.is_empty()).then_some(title),
        publish_at: input.publish_at,
        draft: content,
        category: input.category,
        campaign_id: input.campaign_id,
        notes: input.notes.trim(),
    })
}

/// Whether `actor` may change this post's draft.
fn may_edit(actor: &Actor, post: &Post) -> Result<(), AppError> {
    actor.require(Permission::Draft)?;
    let own = actor.user.is_some() && post.author_id == actor.user;
    let editor = actor.role.can(Permission::Publish);
    match post.status {
        PostStatus::Draft | PostStatus::ChangesRequested if own || editor => Ok(()),
        PostStatus::InReview if editor => Ok(()),
        PostStatus::InReview if own => Err(AppError::field("post", "err-draft-in-review")),
        PostStatus::Scheduled => Err(AppError::field("post", "err-draft-scheduled")),
        _ => Err(AppError::Forbidden),
    }
}

/// Saves the composer: a new draft (`id` = `None`) or a change to one made
/// from `version`. A save that meets a newer version writes nothing over it.
pub async fn save(
    app: &App,
    actor: &Actor,
    id: Option<i64>,
    version: i64,
    input: &DraftInput,
    kind: SaveKind,
) -> Result<Saved, AppError> {
    actor.require(Permission::Draft)?;
    let now = app.now();
    let content = input.content();
    let mut tx = app.store.begin().await?;
    let record = checked_record(&mut tx, actor.org, input, &content).await?;
    let Some(id) = id else {
        let id = store::insert_draft(
            &mut tx,
            actor.org,
            actor.user,
            &record,
            PostStatus::Draft,
            now,
        )
        .await?;
        store::insert_event(
            &mut tx,
            actor.org,
            id,
            actor.user,
            PostEventKind::Created,
            "",
            now,
        )
        .await?;
        if let Some(u) = actor.user {
            store::touch_presence(&mut tx, id, u, now).await?;
        }
        audit::record(
            &mut tx,
            actor,
            AuditAction::DraftSaved,
            "post",
            Some(id.to_string()),
            "created".into(),
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(Saved::Saved { id, version: 1 });
    };
    let post = publ::get_post(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    may_edit(actor, &post)?;
    if post.version != version {
        // Keep this person's text; the newer version stays as it is.
        let revision = store::insert_revision(
            &mut tx,
            actor.org,
            &NewRevision {
                post_id: id,
                user_id: actor.user,
                version,
                reason: "conflict",
                text: &input.text,
                title: record.title,
                draft: &content,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(Saved::Conflict {
            id,
            version: post.version,
            revision,
        });
    }
    if !store::save_draft(&mut tx, actor.org, id, version, &record, now).await? {
        return Err(AppError::field("post", "err-draft-scheduled"));
    }
    // Now and then a copy, so an earlier text can be found again.
    let copy = match kind {
        SaveKind::Manual => post.text != input.text,
        SaveKind::Autosave => {
            post.text != input.text
                && store::revisions(&mut tx, actor.org, id, 1)
                    .await?
                    .first()
                    .is_none_or(|r| now.0 - r.at.0 >= AUTOSAVE_COPY_EVERY.as_millis() as i64)
        }
    };
    if copy {
        store::insert_revision(
            &mut tx,
            actor.org,
            &NewRevision {
                post_id: id,
                user_id: post.author_id,
                version: post.version,
                reason: "earlier",
                text: &post.text,
                title: post.title.as_deref(),
                draft: &post.draft,
            },
            now,
        )
        .await?;
    }
    if let Some(u) = actor.user {
        store::touch_presence(&mut tx, id, u, now).await?;
    }
    if kind == SaveKind::Manual {
        audit::record(
            &mut tx,
            actor,
            AuditAction::DraftSaved,
            "post",
            Some(id.to_string()),
            format!("version {} → {}", version, version + 1),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Saved::Saved {
        id,
        version: version + 1,
    })
}

/// Everything the composer shows about one post.
#[derive(Debug, Clone)]
pub struct DraftView {
    pub post: Post,
    pub events: Vec<(PostEvent, String)>,
    /// Texts kept from saves that met a newer version, newest first.
    pub conflicts: Vec<Revision>,
    /// Names of others who have it open now.
    pub others: Vec<String>,
    pub author: String,
}

/// Opens a post in the composer (noting that this person has it open).
pub async fn open(app: &App, actor: &Actor, id: i64) -> Result<DraftView, AppError> {
    actor.require(Permission::ViewPosts)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let post = publ::get_post(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(u) = actor.user
        && may_edit(actor, &post).is_ok()
    {
        store::touch_presence(&mut tx, id, u, now).await?;
    }
    let staff = siar_store::org::users(&mut tx, actor.org).await?;
    let name = |u: Option<UserId>| {
        u.and_then(|u| staff.iter().find(|s| s.id == u))
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "Siar".into())
    };
    let events = store::events(&mut tx, actor.org, id)
        .await?
        .into_iter()
        .map(|e| {
            let n = name(e.user_id);
            (e, n)
        })
        .collect();
    let conflicts = store::revisions(&mut tx, actor.org, id, 20)
        .await?
        .into_iter()
        .filter(|r| r.reason == "conflict" && r.user_id == actor.user)
        .take(3)
        .collect();
    let others = match actor.user {
        Some(u) => store::present(&mut tx, id, u, now.minus(PRESENCE_WINDOW))
            .await?
            .into_iter()
            .map(|u| name(Some(u)))
            .collect(),
        None => vec![],
    };
    let author = name(post.author_id);
    tx.commit().await?;
    Ok(DraftView {
        post,
        events,
        conflicts,
        others,
        author,
    })
}

/// Who else has the draft open now (for the composer's script).
/// (Called after every autosave, so it reads only presence and names; the
/// save itself has refreshed this person's presence.)
pub async fn others_editing(app: &App, actor: &Actor, id: i64) -> Result<Vec<String>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let Some(me) = actor.user else {
        return Ok(vec![]);
    };
    let mut tx = app.store.read().await?;
    if publ::get_post(&mut tx, actor.org, id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let ids = store::present(&mut tx, id, me, app.now().minus(PRESENCE_WINDOW)).await?;
    let names = if ids.is_empty() {
        vec![]
    } else {
        siar_store::org::users(&mut tx, actor.org)
            .await?
            .into_iter()
            .filter(|s| ids.contains(&s.id))
            .map(|s| s.name)
            .collect()
    };
    tx.commit().await?;
    Ok(names)
}

/// A short name for a post in messages: its title, or the start of its text.
pub fn post_label(post: &Post) -> String {
    if let Some(t) = post.title.as_deref().filter(|t| !t.trim().is_empty()) {
        return t.trim().to_string();
    }
    let first = post
        .text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let mut s: String = first.trim().chars().take(60).collect();
    if first.trim().chars().count() > 60 {
        s.push('…');
    }
    if s.is_empty() {
        format!("#{}", post.id)
    } else {
        s
    }
}

/// A console notification for each person (and an e-mail when SMTP is
/// configured), in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn notify_all(
    app: &App,
    tx: &mut Tx,
    org: OrgId,
    to: &[UserId],
    kind: &str,
    args: &[(&str, String)],
    link: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let args: BTreeMap<String, String> = args
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    for u in to {
        store::notify(tx, org, *u, kind, &args, link, now).await?;
        crate::mail::queue(app, tx, org, *u, kind, &args, link, now).await?;
    }
    Ok(())
}

/// Active editors and admins, except `except`.
async fn editors(
    tx: &mut Tx,
    org: OrgId,
    except: Option<UserId>,
) -> Result<Vec<UserId>, StoreError> {
    Ok(siar_store::org::users(tx, org)
        .await?
        .into_iter()
        .filter(|s| s.active && s.role.can(Permission::Publish) && Some(s.id) != except)
        .map(|s| s.id)
        .collect())
}

async fn user_name(tx: &mut Tx, org: OrgId, u: Option<UserId>) -> Result<String, StoreError> {
    Ok(match u {
        Some(u) => siar_store::org::user(tx, org, u)
            .await?
            .map(|s| s.name)
            .unwrap_or_default(),
        None => "Siar".into(),
    })
}

/// Checks a post against every chosen channel's rules and its time, as for
/// scheduling. Nothing is written.
async fn full_check(
    app: &App,
    tx: &mut Tx,
    org: OrgId,
    input: &DraftInput,
) -> Result<publishing::Report, AppError> {
    let mut report = publishing::validate_in(app, tx, org, &input.post_input()).await?;
    if input.text.trim().is_empty() && input.variants.values().all(|v| v.trim().is_empty()) {
        report.problems.push("text", "err-required");
    }
    Ok(report)
}

/// Submits a draft for review. A draft with problems is refused with every
/// problem, per channel; nothing changes.
pub async fn submit(app: &App, actor: &Actor, id: i64, version: i64) -> Result<(), AppError> {
    actor.require(Permission::Draft)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let post = publ::get_post(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    may_edit(actor, &post)?;
    if post.version != version {
        return Err(AppError::field("post", "err-draft-changed"));
    }
    if !matches!(
        post.status,
        PostStatus::Draft | PostStatus::ChangesRequested
    ) {
        return Err(AppError::field("post", "err-draft-not-submittable"));
    }
    let input = DraftInput::of(&post);
    let report = full_check(app, &mut tx, actor.org, &input).await?;
    if !report.is_ok() {
        tx.rollback().await?;
        return Err(AppError::PostRefused(Box::new(report)));
    }
    store::set_status(
        &mut tx,
        actor.org,
        id,
        PostStatus::InReview,
        &[PostStatus::Draft, PostStatus::ChangesRequested],
        now,
    )
    .await?;
    store::insert_event(
        &mut tx,
        actor.org,
        id,
        actor.user,
        PostEventKind::Submitted,
        "",
        now,
    )
    .await?;
    let to = editors(&mut tx, actor.org, actor.user).await?;
    let who = user_name(&mut tx, actor.org, actor.user).await?;
    notify_all(
        app,
        &mut tx,
        actor.org,
        &to,
        "note-submitted",
        &[("title", post_label(&post)), ("name", who)],
        &format!("/app/tulis/{id}"),
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::PostSubmitted,
        "post",
        Some(id.to_string()),
        format!("status: {} → in_review", post.status.as_str()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The author takes a post back from review to change it.
pub async fn withdraw(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(Permission::Draft)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let post = publ::get_post(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = actor.user.is_some() && post.author_id == actor.user;
    if !own && !actor.role.can(Permission::Publish) {
        return Err(AppError::Forbidden);
    }
    if !store::set_status(
        &mut tx,
        actor.org,
        id,
        PostStatus::Draft,
        &[PostStatus::InReview],
        now,
    )
    .await?
    {
        return Err(AppError::field("post", "err-draft-not-in-review"));
    }
    store::insert_event(
        &mut tx,
        actor.org,
        id,
        actor.user,
        PostEventKind::Withdrawn,
        "",
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::PostWithdrawn,
        "post",
        Some(id.to_string()),
        "status: in_review → draft".into(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An editor asks for changes, with a comment the author sees.
pub async fn request_changes(
    app: &App,
    actor: &Actor,
    id: i64,
    comment: &str,
) -> Result<(), AppError> {
    actor.require(Permission::Publish)?;
    let comment = comment.trim();
    let mut p = Problems::default();
    p.text("comment", comment, 2000);
    p.into_result().map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let post = publ::get_post(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::set_status(
        &mut tx,
        actor.org,
        id,
        PostStatus::ChangesRequested,
        &[PostStatus::InReview],
        now,
    )
    .await?
    {
        return Err(AppError::field("post", "err-draft-not-in-review"));
    }
    store::insert_event(
        &mut tx,
        actor.org,
        id,
        actor.user,
        PostEventKind::ChangesRequested,
        comment,
        now,
    )
    .await?;
    if let Some(author) = post.author_id.filter(|a| Some(*a) != actor.user) {
        let who = user_name(&mut tx, actor.org, actor.user).await?;
        notify_all(
            app,
            &mut tx,
            actor.org,
            &[author],
            "note-changes-requested",
            &[
                ("title", post_label(&post)),
                ("name", who),
                ("comment", comment.to_string()),
            ],
            &format!("/app/tulis/{id}"),
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::PostChangesRequested,
        "post",
        Some(id.to_string()),
        "status: in_review → changes_requested".into(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Approves a post (an editor's own draft is scheduled without a review):
/// one delivery and one job per channel, in one transaction. The planned
/// time must still be ahead; a post without one goes out now.
pub async fn approve(app: &App, actor: &Actor, id: i64, version: i64) -> Result<(), AppError> {
    actor.require(Permission::Publish)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let post = publ::get_post(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if post.version != version {
        return Err(AppError::field("post", "err-draft-changed"));
    }
    let own = actor.user.is_some() && post.author_id == actor.user;
    let allowed = match post.status {
        PostStatus::InReview => true,
        PostStatus::Draft | PostStatus::ChangesRequested => own,
        PostStatus::Scheduled => false,
    };
    if !allowed {
        return Err(AppError::field("post", "err-draft-not-in-review"));
    }
    let input = DraftInput::of(&post);
    let report = full_check(app, &mut tx, actor.org, &input).await?;
    if !report.is_ok() {
        tx.rollback().await?;
        return Err(AppError::PostRefused(Box::new(report)));
    }
    let at = if post.timed { post.publish_at } else { now };
    let campaign = match post.campaign_id {
        Some(c) => store::get_campaign(&mut tx, actor.org, c).await?,
        None => None,
    };
    let channels: Vec<siar_domain::channels::Channel> =
        report.channels.iter().map(|c| c.channel.clone()).collect();
    make_deliveries(app, &mut tx, &post, &channels, at, campaign.as_ref(), now).await?;
    // A recurring post: its repeats are scheduled now, each its own post.
    let mut repeats = 0;
    if let Some(rule) = post.draft.repeat {
        let tz = siar_store::org::org_by_id(&mut tx, actor.org)
            .await?
            .map(|o| o.settings.timezone)
            .unwrap_or(chrono_tz::Asia::Jakarta);
        let local = at.to_utc().with_timezone(&tz);
        let content = DraftContent {
            repeat: None,
            ..post.draft.clone()
        };
        store::set_series(&mut tx, actor.org, id, id).await?;
        for day in rule.dates(local.date_naive()) {
            let Some(when) = tz
                .from_local_datetime(&day.and_time(local.time()))
                .earliest()
                .map(|t| Timestamp(t.timestamp_millis()))
            else {
                continue;
            };
            let copy = store::insert_draft(
                &mut tx,
                actor.org,
                post.author_id,
                &DraftRecord {
                    text: &post.text,
                    title: post.title.as_deref(),
                    publish_at: Some(when),
                    draft: &content,
                    category: post.category,
                    campaign_id: post.campaign_id,
                    notes: &post.notes,
                },
                PostStatus::Scheduled,
                now,
            )
            .await?;
            store::set_series(&mut tx, actor.org, copy, id).await?;
            store::insert_event(
                &mut tx,
                actor.org,
                copy,
                actor.user,
                PostEventKind::Scheduled,
                &format!("#{id}"),
                now,
            )
            .await?;
            let Some(copy_post) = publ::get_post(&mut tx, actor.org, copy).await? else {
                continue;
            };
            make_deliveries(
                app,
                &mut tx,
                &copy_post,
                &channels,
                when,
                campaign.as_ref(),
                now,
            )
            .await?;
            repeats += 1;
        }
    }
    store::set_time(&mut tx, actor.org, id, at, now).await?;
    if !store::set_status(
        &mut tx,
        actor.org,
        id,
        PostStatus::Scheduled,
        &[post.status],
        now,
    )
    .await?
    {
        tx.rollback().await?;
        return Err(AppError::field("post", "err-draft-changed"));
    }
    let kind = if post.status == PostStatus::InReview {
        PostEventKind::Approved
    } else {
        PostEventKind::Scheduled
    };
    store::insert_event(&mut tx, actor.org, id, actor.user, kind, "", now).await?;
    if let Some(author) = post.author_id.filter(|a| Some(*a) != actor.user) {
        let who = user_name(&mut tx, actor.org, actor.user).await?;
        notify_all(
            app,
            &mut tx,
            actor.org,
            &[author],
            "note-approved",
            &[("title", post_label(&post)), ("name", who)],
            &format!("/app/posts/{id}"),
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        AuditAction::PostApproved,
        "post",
        Some(id.to_string()),
        format!(
            "status: {} → scheduled; at: {}; repeats: {repeats}; channels: {}",
            post.status.as_str(),
            at.rfc3339(),
            report
                .channels
                .iter()
                .map(|c| c.channel.platform.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One delivery and one job per channel for `post` at `at`.
async fn make_deliveries(
    app: &App,
    tx: &mut Tx,
    post: &Post,
    channels: &[siar_domain::channels::Channel],
    at: Timestamp,
    campaign: Option<&Campaign>,
    now: Timestamp,
) -> Result<(), AppError> {
    let label = post_label(post);
    for ch in channels {
        let text = post
            .draft
            .variants
            .get(&ch.id)
            .filter(|t| !t.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| post.text.clone());
        let text = delivery_text(
            app,
            tx,
            post,
            &text,
            ch.platform,
            ch.rules_platform(),
            ch.id,
            campaign,
            &label,
            now,
        )
        .await?;
        let marker = publishing::new_marker();
        let d = publ::insert_delivery(
            tx,
            post.org_id,
            &NewDelivery {
                post_id: post.id,
                channel_id: ch.id,
                text: &text,
                title: post.title.as_deref(),
                media: &post.draft.media,
                publish_at: at,
                marker: &marker,
            },
            now,
        )
        .await?;
        publishing::enqueue_delivery(tx, post.org_id, d, at, now).await?;
        let first = post.draft.first_comment.trim();
        if !first.is_empty() && crate::comments::takes_comment(ch.platform) {
            crate::comments::plan(tx, post.org_id, d, first, at, now).await?;
        }
    }
    Ok(())
}

/// One channel's text as it will go out: hashtags in the campaign's spelling,
/// the first comment as the thread's last part where the platform has
/// threads, links shortened with UTM tags when the draft asks for it.
#[allow(clippy::too_many_arguments)]
async fn delivery_text(
    app: &App,
    tx: &mut Tx,
    post: &Post,
    text: &str,
    platform: Platform,
    rules: Platform,
    channel: i64,
    campaign: Option<&Campaign>,
    label: &str,
    now: Timestamp,
) -> Result<String, AppError> {
    let mut text = text.trim().to_string();
    if let Some(c) = campaign {
        text = rules::fix_hashtags(&text, &c.hashtags);
    }
    let first = post.draft.first_comment.trim();
    if !first.is_empty() && rules.capabilities().threads {
        text = format!("{text}\n{}\n{first}", richtext::THREAD_SEPARATOR);
    }
    let text = publishing::for_platform(rules, text);
    if !post.draft.shorten_links {
        return Ok(text);
    }
    links::shorten_in(
        app,
        tx,
        &text,
        &links::ShortenFor {
            org: post.org_id,
            user: post.author_id,
            platform: platform.as_str(),
            channel_id: channel,
            post_id: post.id,
            campaign: campaign.map(|c| c.slug.as_str()),
            label,
        },
        now,
    )
    .await
}

/// Moves a post to another time (the calendar's drag, or its form). A draft
/// just gets the new time; a scheduled post moves every delivery that has not
/// been tried yet. A time in the past is refused.
pub async fn reschedule(app: &App, actor: &Actor, id: i64, at: Timestamp) -> Result<(), AppError> {
    actor.require(Permission::Draft)?;
    let now = app.now();
    if let Err(key) = check_publish_at(at, now) {
        return Err(AppError::field("publish_at", key));
    }
    let mut tx = app.store.begin().await?;
    let post = publ::get_post(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if post.status == PostStatus::Scheduled {
        actor.require(Permission::Publish)?;
        let ds = publ::post_deliveries(&mut tx, actor.org, id).await?;
        use siar_domain::publishing::DeliveryState as S;
        if ds
            .iter()
            .any(|d| d.attempts > 0 || !matches!(d.state, S::Scheduled | S::Waiting | S::Cancelled))
        {
            return Err(AppError::field("post", "err-post-already-sent"));
        }
        for d in &ds {
            if d.state == S::Cancelled {
                continue;
            }
            publ::set_publish_at(&mut tx, d.id, at, now).await?;
            if d.state == S::Scheduled {
                publishing::enqueue_delivery(&mut tx, actor.org, d.id, at, now).await?;
            }
        }
    } else {
        may_edit(actor, &post)?;
    }
    store::set_time(&mut tx, actor.org, id, at, now).await?;
    let from = if post.timed {
        post.publish_at.rfc3339()
    } else {
        "-".into()
    };
    store::insert_event(
        &mut tx,
        actor.org,
        id,
        actor.user,
        PostEventKind::Rescheduled,
        "",
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::PostRescheduled,
        "post",
        Some(id.to_string()),
        format!("at: {from} → {}", at.rfc3339()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Posts waiting for review whose planned time has passed go back to the
/// editors: an event in their history and a notification, once. Run by
/// housekeeping. Returns how many were flagged.
pub async fn flag_overdue_reviews(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let due = store::timed_before(&mut tx, PostStatus::InReview, now, 200).await?;
    let mut flagged = 0;
    for (id, org) in due {
        let events = store::events(&mut tx, org, id).await?;
        let last_submit = events
            .iter()
            .rev()
            .find(|e| e.kind == PostEventKind::Submitted)
            .map(|e| e.at);
        let already = events
            .iter()
            .any(|e| e.kind == PostEventKind::Overdue && Some(e.at) >= last_submit);
        if already {
            continue;
        }
        let Some(post) = publ::get_post(&mut tx, org, id).await? else {
            continue;
        };
        store::insert_event(&mut tx, org, id, None, PostEventKind::Overdue, "", now).await?;
        let to = editors(&mut tx, org, None).await?;
        notify_all(
            app,
            &mut tx,
            org,
            &to,
            "note-overdue",
            &[("title", post_label(&post))],
            &format!("/app/tulis/{id}"),
            now,
        )
        .await?;
        flagged += 1;
    }
    tx.commit().await?;
    Ok(flagged)
}

/// Posts waiting for an editor, oldest planned time first.
pub async fn review_queue(app: &App, actor: &Actor) -> Result<Vec<Post>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let posts = publ::find_posts(
        &mut tx,
        actor.org,
        &PostFilter {
            statuses: vec![PostStatus::InReview],
            limit: 200,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(posts)
}

/// This person's drafts and posts sent back to them.
pub async fn my_drafts(app: &App, actor: &Actor) -> Result<Vec<Post>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let Some(me) = actor.user else {
        return Ok(vec![]);
    };
    let mut tx = app.store.read().await?;
    let posts = publ::find_posts(
        &mut tx,
        actor.org,
        &PostFilter {
            statuses: vec![
                PostStatus::Draft,
                PostStatus::ChangesRequested,
                PostStatus::InReview,
            ],
            author: Some(me),
            limit: 200,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(posts)
}

// ---------------------------------------------------------------- notifications

pub async fn notifications(app: &App, actor: &Actor) -> Result<Vec<Notification>, AppError> {
    actor.require(Permission::ViewConsole)?;
    let Some(me) = actor.user else {
        return Ok(vec![]);
    };
    let mut tx = app.store.read().await?;
    let n = store::notifications(&mut tx, actor.org, me, 100).await?;
    tx.commit().await?;
    Ok(n)
}

pub async fn unread(app: &App, actor: &Actor) -> Result<i64, AppError> {
    let Some(me) = actor.user else {
        return Ok(0);
    };
    let mut tx = app.store.read().await?;
    let n = store::unread_count(&mut tx, actor.org, me).await?;
    tx.commit().await?;
    Ok(n)
}

/// Marks one notification (or all) read.
pub async fn mark_read(app: &App, actor: &Actor, id: Option<i64>) -> Result<u64, AppError> {
    actor.require(Permission::ViewConsole)?;
    let Some(me) = actor.user else {
        return Ok(0);
    };
    let mut tx = app.store.begin().await?;
    let n = store::mark_read(&mut tx, actor.org, me, id, app.now()).await?;
    tx.commit().await?;
    Ok(n)
}

// ---------------------------------------------------------------- campaigns

pub async fn save_campaign(
    app: &App,
    actor: &Actor,
    id: Option<i64>,
    form: &CampaignForm,
) -> Result<i64, AppError> {
    actor.require(Permission::Publish)?;
    let fields: CampaignFields =
        rules::check_campaign(form).map_err(|(p, _)| AppError::Invalid(p))?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let result = match id {
        None => store::insert_campaign(&mut tx, actor.org, &fields, now).await,
        Some(id) => store::update_campaign(&mut tx, actor.org, id, &fields, now)
            .await
            .and_then(|ok| {
                if ok {
                    Ok(id)
                } else {
                    Err(StoreError::NotFound)
                }
            }),
    };
    let cid = match result {
        Ok(c) => c,
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return Err(AppError::field("slug", "err-campaign-slug-taken"));
        }
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        actor,
        if id.is_some() {
            AuditAction::CampaignUpdated
        } else {
            AuditAction::CampaignCreated
        },
        "campaign",
        Some(cid.to_string()),
        format!(
            "{} ({} – {}), {}",
            fields.slug,
            fields.starts_on,
            fields.ends_on,
            fields.hashtags.join(" ")
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(cid)
}

pub async fn campaigns(app: &App, actor: &Actor) -> Result<Vec<Campaign>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let c = store::campaigns(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(c)
}

/// A campaign with its posts.
pub async fn campaign(
    app: &App,
    actor: &Actor,
    id: i64,
) -> Result<(Campaign, Vec<Post>), AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let c = store::get_campaign(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let posts = publ::find_posts(
        &mut tx,
        actor.org,
        &PostFilter {
            campaign: Some(id),
            limit: 2000,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok((c, posts))
}

// ---------------------------------------------------------------- hashtag groups

pub async fn hashtag_groups(app: &App, actor: &Actor) -> Result<Vec<HashtagGroup>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let g = store::hashtag_groups(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(g)
}

pub async fn add_hashtag_group(
    app: &App,
    actor: &Actor,
    name: &str,
    tags: &str,
) -> Result<i64, AppError> {
    actor.require(Permission::Publish)?;
    let mut p = Problems::default();
    p.text("name", name, 80);
    let parsed = match rules::parse_hashtags(tags) {
        Ok(t) if t.is_empty() => {
            p.push("hashtags", "err-required");
            vec![]
        }
        Ok(t) => t,
        Err((key, _)) => {
            p.push("hashtags", key);
            vec![]
        }
    };
    p.into_result().map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = store::insert_hashtag_group(&mut tx, actor.org, name.trim(), &parsed, now).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::HashtagGroupChanged,
        "hashtag_group",
        Some(id.to_string()),
        format!("+ {}: {}", name.trim(), parsed.join(" ")),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_hashtag_group(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    remove_owned(
        app,
        actor,
        Permission::Publish,
        store::Owned::HashtagGroup,
        AuditAction::HashtagGroupChanged,
        "hashtag_group",
        id,
    )
    .await
}

/// Deletes one of the organisation's small lists' rows, with its audit row.
pub(crate) async fn remove_owned(
    app: &App,
    actor: &Actor,
    perm: Permission,
    what: store::Owned,
    action: AuditAction,
    record: &'static str,
    id: i64,
) -> Result<(), AppError> {
    actor.require(perm)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    if !store::delete_owned(&mut tx, actor.org, what, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        action,
        record,
        Some(id.to_string()),
        "deleted".into(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The hashtags to offer while writing: the campaign's first, then every
/// group's, each once.
pub async fn hashtag_suggestions(
    app: &App,
    actor: &Actor,
    campaign: Option<i64>,
) -> Result<Vec<String>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let mut out: Vec<String> = Vec::new();
    if let Some(c) = campaign
        && let Some(c) = store::get_campaign(&mut tx, actor.org, c).await?
    {
        out.extend(c.hashtags);
    }
    for c in store::campaigns(&mut tx, actor.org).await? {
        out.extend(c.hashtags);
    }
    for g in store::hashtag_groups(&mut tx, actor.org).await? {
        out.extend(g.hashtags);
    }
    tx.commit().await?;
    let mut seen = HashMap::new();
    out.retain(|t| seen.insert(t.to_lowercase(), ()).is_none());
    Ok(out)
}

/// The team's names, for the calendar's author filter.
pub async fn authors(app: &App, actor: &Actor) -> Result<Vec<(UserId, String)>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let staff = siar_store::org::users(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(staff
        .into_iter()
        .filter(|s| s.active && s.role.can(Permission::Draft))
        .map(|s| (s.id, s.name))
        .collect())
}

// ---------------------------------------------------------------- templates

pub async fn templates(app: &App, actor: &Actor) -> Result<Vec<store::Template>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let t = store::templates(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(t)
}

/// Adds a template. Its text may hold `{judul}`, `{tanggal}`, `{tautan}`.
pub async fn add_template(
    app: &App,
    actor: &Actor,
    name: &str,
    text: &str,
    category: Option<Category>,
) -> Result<i64, AppError> {
    actor.require(Permission::Publish)?;
    let mut p = Problems::default();
    p.text("template_name", name, 80);
    p.text("template_text", text, MAX_DRAFT_CHARS);
    p.into_result().map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = store::insert_template(
        &mut tx,
        actor.org,
        name.trim(),
        text.trim(),
        category,
        actor.user,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::TemplateChanged,
        "template",
        Some(id.to_string()),
        format!("+ {}", name.trim()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_template(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    remove_owned(
        app,
        actor,
        Permission::Publish,
        store::Owned::Template,
        AuditAction::TemplateChanged,
        "template",
        id,
    )
    .await
}

// ---------------------------------------------------------------- the library's own days

/// Adds a day that matters to this library (once, or every year).
pub async fn add_day(
    app: &App,
    actor: &Actor,
    day: &str,
    name: &str,
    prompt: &str,
    yearly: bool,
) -> Result<i64, AppError> {
    actor.require(Permission::ManageSettings)?;
    let mut p = Problems::default();
    let date = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok();
    if date.is_none() {
        p.push("day", "err-date");
    }
    p.text("day_name", name, 120);
    if prompt.trim().chars().count() > 500 {
        p.0.push(FieldError {
            field: "day_prompt",
            key: "err-too-long",
            max: Some(500),
        });
    }
    p.into_result().map_err(AppError::Invalid)?;
    let Some(date) = date else {
        return Err(AppError::field("day", "err-date"));
    };
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = store::insert_org_day(
        &mut tx,
        actor.org,
        &store::OrgDay {
            id: 0,
            day: date,
            name: name.trim().to_string(),
            prompt: prompt.trim().to_string(),
            yearly,
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::OrgDayChanged,
        "org_day",
        Some(id.to_string()),
        format!("+ {date} {}", name.trim()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_day(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    remove_owned(
        app,
        actor,
        Permission::ManageSettings,
        store::Owned::OrgDay,
        AuditAction::OrgDayChanged,
        "org_day",
        id,
    )
    .await
}

pub async fn own_days(app: &App, actor: &Actor) -> Result<Vec<store::OrgDay>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let d = store::org_days(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(d)
}

/// The days that matter in `[from, to]`: the national list and the
/// library's own (yearly ones on their date in every year), by date.
pub async fn days_between(
    app: &App,
    actor: &Actor,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<siar_domain::days::Day>, AppError> {
    use chrono::Datelike;
    let mut out = siar_domain::days::between(from, to);
    for d in own_days(app, actor).await? {
        let dates: Vec<chrono::NaiveDate> = if d.yearly {
            (from.year()..=to.year())
                .filter_map(|y| d.day.with_year(y))
                .collect()
        } else {
            vec![d.day]
        };
        for date in dates.into_iter().filter(|x| *x >= from && *x <= to) {
            out.push(siar_domain::days::Day {
                date,
                kind: siar_domain::days::DayKind::Library,
                name_id: d.name.clone(),
                name_en: d.name.clone(),
                prompt: d.prompt.clone(),
            });
        }
    }
    out.sort_by_key(|d| d.date);
    Ok(out)
}
