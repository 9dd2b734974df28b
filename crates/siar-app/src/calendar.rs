//! The calendar: planned posts in a range with filters, queues of time slots
//! per channel ("add to queue" takes the next free one), and CSV export and
//! import of planned posts (a preview lists every row's problems; nothing is
//! imported until the person confirms the valid rows).

use crate::studio::{self, DraftInput, SaveKind, Saved};
use crate::{Actor, App, AppError};
use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone};
use siar_domain::Timestamp;
use siar_domain::channels::Channel;
use siar_domain::org::{OrgId, Permission, UserId};
use siar_domain::publishing::{DeliveryState, Post};
use siar_domain::studio::{CalState, Category, PostStatus};
use siar_store::publishing::{self as publ, PostFilter};
use siar_store::studio::{self as store, QueueSlot};
use std::collections::HashMap;

/// What the calendar is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct CalendarFilter {
    pub channel: Option<i64>,
    pub campaign: Option<i64>,
    pub category: Option<Category>,
    pub state: Option<CalState>,
    pub author: Option<UserId>,
}

/// A post on the calendar, with the channels it goes to.
#[derive(Debug, Clone)]
pub struct CalendarItem {
    pub post: Post,
    pub channels: Vec<Channel>,
    pub state: CalState,
}

/// The most posts one calendar page shows.
pub const MAX_ITEMS: u64 = 5_000;

fn state_of(post: &Post, deliveries: &[&siar_domain::publishing::Delivery]) -> CalState {
    match post.status {
        PostStatus::Draft => CalState::Draft,
        PostStatus::InReview => CalState::InReview,
        PostStatus::ChangesRequested => CalState::ChangesRequested,
        PostStatus::Scheduled => {
            if deliveries.iter().any(|d| {
                matches!(
                    d.state,
                    DeliveryState::Failed | DeliveryState::NeedsAttention
                )
            }) {
                CalState::Failed
            } else if !deliveries.is_empty()
                && deliveries
                    .iter()
                    .all(|d| matches!(d.state, DeliveryState::Published | DeliveryState::Cancelled))
            {
                CalState::Published
            } else {
                CalState::Scheduled
            }
        }
    }
}

/// Posts planned in `[from, to)`, by time, filtered.
pub async fn items(
    app: &App,
    actor: &Actor,
    from: Timestamp,
    to: Timestamp,
    f: &CalendarFilter,
) -> Result<Vec<CalendarItem>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let posts = publ::find_posts(
        &mut tx,
        actor.org,
        &PostFilter {
            author: f.author,
            campaign: f.campaign,
            category: f.category,
            from: Some(from),
            to: Some(to),
            limit: MAX_ITEMS,
            ..Default::default()
        },
    )
    .await?;
    let scheduled: Vec<i64> = posts
        .iter()
        .filter(|p| p.status == PostStatus::Scheduled)
        .map(|p| p.id)
        .collect();
    let mut ds = Vec::new();
    for chunk in scheduled.chunks(500) {
        ds.extend(publ::deliveries_of_posts(&mut tx, actor.org, chunk).await?);
    }
    let chans = siar_store::channels::list(&mut tx, actor.org).await?;
    tx.commit().await?;
    let mut by_post: HashMap<i64, Vec<&siar_domain::publishing::Delivery>> = HashMap::new();
    for d in &ds {
        by_post.entry(d.post_id).or_default().push(d);
    }
    let by_id: HashMap<i64, &Channel> = chans.iter().map(|c| (c.id, c)).collect();
    Ok(posts
        .into_iter()
        .filter_map(|post| {
            let mine = by_post.remove(&post.id).unwrap_or_default();
            let ids: Vec<i64> = if post.status == PostStatus::Scheduled {
                mine.iter().map(|d| d.channel_id).collect()
            } else {
                post.draft.channels.clone()
            };
            if f.channel.is_some_and(|c| !ids.contains(&c)) {
                return None;
            }
            let state = state_of(&post, &mine);
            if f.state.is_some_and(|s| s != state) {
                return None;
            }
            let channels = ids
                .iter()
                .filter_map(|i| by_id.get(i).map(|c| (*c).clone()))
                .collect();
            Some(CalendarItem {
                post,
                channels,
                state,
            })
        })
        .collect())
}

// ---------------------------------------------------------------- queues

/// Every channel's queue slots.
pub async fn queues(app: &App, actor: &Actor) -> Result<Vec<QueueSlot>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let q = store::queue_slots(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(q)
}

/// "09:00, 19:00" → minutes of the day. `None` when a time cannot be read.
pub fn parse_times(s: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in s.split([',', ' ', ';']).filter(|p| !p.trim().is_empty()) {
        let t = NaiveTime::parse_from_str(&part.trim().replace('.', ":"), "%H:%M").ok()?;
        let m = t.hour_minute();
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out.sort_unstable();
    Some(out)
}

trait HourMinute {
    fn hour_minute(&self) -> u32;
}

impl HourMinute for NaiveTime {
    fn hour_minute(&self) -> u32 {
        use chrono::Timelike;
        self.hour() * 60 + self.minute()
    }
}

/// Sets one channel's queue: the weekdays (1 = Monday) and the times.
pub async fn set_queue(
    app: &App,
    actor: &Actor,
    channel: i64,
    weekdays: &[u32],
    times: &str,
) -> Result<(), AppError> {
    actor.require(Permission::Publish)?;
    let Some(minutes) = parse_times(times) else {
        return Err(AppError::field("times", "err-queue-time"));
    };
    if minutes.len() > 24 {
        return Err(AppError::field("times", "err-queue-time"));
    }
    if weekdays.iter().any(|d| !(1..=7).contains(d)) {
        return Err(AppError::field("weekdays", "err-queue-day"));
    }
    let now = app.now();
    let mut tx = app.store.begin().await?;
    if siar_store::channels::get(&mut tx, actor.org, channel)
        .await?
        .is_none()
    {
        return Err(AppError::field("channel", "err-unknown-channel"));
    }
    let mut slots = Vec::new();
    for d in weekdays {
        for m in &minutes {
            if !slots.contains(&(*d, *m)) {
                slots.push((*d, *m));
            }
        }
    }
    store::set_queue(&mut tx, actor.org, channel, &slots).await?;
    crate::audit::record(
        &mut tx,
        actor,
        siar_domain::audit::AuditAction::QueueChanged,
        "channel",
        Some(channel.to_string()),
        format!("slots: {}", slots.len()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The next slot of the channels' queues, after `now` (with five minutes to
/// spare), where none of them has a post planned yet. Looks eight weeks ahead.
pub async fn next_slot(
    app: &App,
    actor: &Actor,
    channels: &[i64],
) -> Result<Option<Timestamp>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let now = app.now();
    let mut tx = app.store.read().await?;
    let tz = org_zone(&mut tx, actor.org).await?;
    let slots: Vec<QueueSlot> = store::queue_slots(&mut tx, actor.org)
        .await?
        .into_iter()
        .filter(|s| channels.contains(&s.channel_id))
        .collect();
    tx.commit().await?;
    if slots.is_empty() {
        return Ok(None);
    }
    let horizon = now.plus(std::time::Duration::from_secs(56 * 86_400));
    let taken: Vec<(Timestamp, Vec<i64>)> =
        items(app, actor, now, horizon, &CalendarFilter::default())
            .await?
            .into_iter()
            .map(|i| (i.post.publish_at, i.channels.iter().map(|c| c.id).collect()))
            .collect();
    let today = now.to_utc().with_timezone(&tz).date_naive();
    for offset in 0..56 {
        let Some(day) = today.checked_add_days(chrono::Days::new(offset)) else {
            break;
        };
        let wd = day.weekday().number_from_monday();
        let mut todays: Vec<&QueueSlot> = slots.iter().filter(|s| s.weekday == wd).collect();
        todays.sort_by_key(|s| s.minute);
        for s in todays {
            let Some(t) = NaiveTime::from_hms_opt(s.minute / 60, s.minute % 60, 0)
                .and_then(|t| tz.from_local_datetime(&day.and_time(t)).earliest())
                .map(|t| Timestamp(t.timestamp_millis()))
            else {
                continue;
            };
            if t.0 < now.0 + 5 * 60_000 {
                continue;
            }
            let busy = taken
                .iter()
                .any(|(at, chs)| *at == t && chs.iter().any(|c| channels.contains(c)));
            if !busy {
                return Ok(Some(t));
            }
        }
    }
    Ok(None)
}

async fn org_zone(tx: &mut siar_store::Tx, org: OrgId) -> Result<chrono_tz::Tz, AppError> {
    Ok(siar_store::org::org_by_id(tx, org)
        .await?
        .map(|o| o.settings.timezone)
        .unwrap_or(chrono_tz::Asia::Jakarta))
}

// ---------------------------------------------------------------- CSV

/// The columns of the CSV, in order (Indonesian, as librarians read them).
pub const CSV_COLUMNS: [&str; 8] = [
    "tanggal", "jam", "kanal", "teks", "judul", "kategori", "kampanye", "status",
];

/// Planned posts in `[from, to)` as CSV (UTF-8 with a BOM, so spreadsheet
/// programs read Indonesian text right). Cells that a spreadsheet would run
/// as a formula are neutralised.
pub async fn export_csv(
    app: &App,
    actor: &Actor,
    from: Timestamp,
    to: Timestamp,
    f: &CalendarFilter,
) -> Result<String, AppError> {
    let list = items(app, actor, from, to, f).await?;
    let mut tx = app.store.read().await?;
    let tz = org_zone(&mut tx, actor.org).await?;
    let camps: HashMap<i64, String> = store::campaigns(&mut tx, actor.org)
        .await?
        .into_iter()
        .map(|c| (c.id, c.slug))
        .collect();
    tx.commit().await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    w.write_record(CSV_COLUMNS).map_err(fail)?;
    for i in list {
        let local = i.post.publish_at.to_utc().with_timezone(&tz);
        let channels: Vec<String> = i.channels.iter().map(channel_ref).collect();
        w.write_record([
            local.format("%Y-%m-%d").to_string(),
            local.format("%H:%M").to_string(),
            channels.join("; "),
            crate::audit::neutralise(&i.post.text),
            crate::audit::neutralise(i.post.title.as_deref().unwrap_or("")),
            i.post
                .category
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            i.post
                .campaign_id
                .and_then(|c| camps.get(&c).cloned())
                .unwrap_or_default(),
            i.state.as_str().to_string(),
        ])
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

/// How a channel is named in the CSV: `platform:handle`.
pub fn channel_ref(c: &Channel) -> String {
    format!("{}:{}", c.platform.as_str(), c.handle)
}

/// One problem of one CSV row: row number (1 = the first row after the
/// header), column name, message key, and a value for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: usize,
    pub column: &'static str,
    pub key: &'static str,
    pub detail: String,
}

/// A row that can be imported.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub row: usize,
    pub input: DraftInput,
}

/// What an import would do.
#[derive(Debug, Clone, Default)]
pub struct ImportPreview {
    pub valid: Vec<ImportRow>,
    pub problems: Vec<RowProblem>,
    /// Rows read (without the header).
    pub rows: usize,
}

/// Most rows one import takes.
pub const MAX_IMPORT_ROWS: usize = 2_000;

/// Reads a CSV of planned posts and checks every row against the channels'
/// rules, saving nothing.
pub async fn preview_import(
    app: &App,
    actor: &Actor,
    csv_text: &str,
) -> Result<ImportPreview, AppError> {
    actor.require(Permission::Draft)?;
    let now = app.now();
    let mut tx = app.store.read().await?;
    let tz = org_zone(&mut tx, actor.org).await?;
    let chans = siar_store::channels::list(&mut tx, actor.org).await?;
    let camps = store::campaigns(&mut tx, actor.org).await?;
    tx.commit().await?;
    let text = csv_text.trim_start_matches('\u{feff}');
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(_) => return Err(AppError::field("csv", "err-csv-unreadable")),
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(c_date), Some(c_time), Some(c_chan), Some(c_text)) =
        (col("tanggal"), col("jam"), col("kanal"), col("teks"))
    else {
        return Err(AppError::field("csv", "err-csv-columns"));
    };
    let (c_title, c_cat, c_camp) = (col("judul"), col("kategori"), col("kampanye"));
    let mut out = ImportPreview::default();
    for (i, rec) in r.records().enumerate() {
        let row = i + 1;
        if row > MAX_IMPORT_ROWS {
            out.problems.push(RowProblem {
                row,
                column: "",
                key: "err-csv-too-many",
                detail: MAX_IMPORT_ROWS.to_string(),
            });
            break;
        }
        out.rows = row;
        let Ok(rec) = rec else {
            out.problems.push(RowProblem {
                row,
                column: "",
                key: "err-csv-unreadable",
                detail: String::new(),
            });
            continue;
        };
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").to_string();
        let before = out.problems.len();
        let mut problem = |column: &'static str, key: &'static str, detail: String| {
            out.problems.push(RowProblem {
                row,
                column,
                key,
                detail,
            })
        };
        let date = NaiveDate::parse_from_str(&get(Some(c_date)), "%Y-%m-%d").ok();
        if date.is_none() {
            problem("tanggal", "err-csv-date", get(Some(c_date)));
        }
        let time = NaiveTime::parse_from_str(&get(Some(c_time)).replace('.', ":"), "%H:%M").ok();
        if time.is_none() {
            problem("jam", "err-csv-time", get(Some(c_time)));
        }
        let at = match (date, time) {
            (Some(d), Some(t)) => tz
                .from_local_datetime(&d.and_time(t))
                .earliest()
                .map(|t| Timestamp(t.timestamp_millis())),
            _ => None,
        };
        if let Some(at) = at
            && siar_domain::publishing::check_publish_at(at, now).is_err()
        {
            problem("tanggal", "err-csv-past", get(Some(c_date)));
        }
        let mut channel_ids = Vec::new();
        for name in get(Some(c_chan))
            .split([';', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let found = chans.iter().find(|c| {
                channel_ref(c).eq_ignore_ascii_case(name)
                    || c.handle.eq_ignore_ascii_case(name)
                    || c.id.to_string() == name
            });
            match found {
                Some(c) if !channel_ids.contains(&c.id) => channel_ids.push(c.id),
                Some(_) => {}
                None => problem("kanal", "err-csv-channel", name.to_string()),
            }
        }
        if channel_ids.is_empty() && get(Some(c_chan)).trim().is_empty() {
            problem("kanal", "err-csv-no-channel", String::new());
        }
        let category = match get(c_cat).trim() {
            "" => None,
            c => {
                let found = Category::parse(c);
                if found.is_none() {
                    problem("kategori", "err-csv-category", c.to_string());
                }
                found
            }
        };
        let campaign = match get(c_camp).trim() {
            "" => None,
            c => {
                let slug = siar_domain::links::campaign_slug(c);
                let found = camps.iter().find(|k| k.slug == slug).map(|k| k.id);
                if found.is_none() {
                    problem("kampanye", "err-csv-campaign", c.to_string());
                }
                found
            }
        };
        let input = DraftInput {
            text: get(Some(c_text)),
            title: get(c_title),
            channels: channel_ids,
            publish_at: at,
            category,
            campaign_id: campaign,
            shorten_links: true,
            ..Default::default()
        };
        if input.text.trim().is_empty() {
            problem("teks", "err-csv-no-text", String::new());
        }
        // The platforms' rules, per channel, as for any post.
        if !input.channels.is_empty() {
            let report = crate::publishing::validate(app, actor, &input.post_input()).await?;
            for c in &report.channels {
                for issue in &c.check.issues {
                    problem(
                        "teks",
                        issue.key,
                        format!(
                            "{}|{}",
                            c.channel.platform.as_str(),
                            issue.n.map(|n| n.to_string()).unwrap_or_default()
                        ),
                    );
                }
            }
        }
        if out.problems.len() == before {
            out.valid.push(ImportRow { row, input });
        }
    }
    Ok(out)
}

/// Imports the valid rows of a CSV as drafts (they go through review like
/// any draft). Returns how many were made.
pub async fn import(app: &App, actor: &Actor, csv_text: &str) -> Result<usize, AppError> {
    let preview = preview_import(app, actor, csv_text).await?;
    let mut made = 0;
    for r in &preview.valid {
        if let Saved::Saved { .. } =
            studio::save(app, actor, None, 0, &r.input, SaveKind::Manual).await?
        {
            made += 1;
        }
    }
    Ok(made)
}
