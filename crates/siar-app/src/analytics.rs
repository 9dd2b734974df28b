//! Analytics: reading every channel's numbers on schedule, and the figures the
//! pages and the monthly report show.
//!
//! One round (a job every 15 minutes) starts tracking newly published
//! deliveries, reads the numbers of those due (+1 h, +6 h, +24 h, +72 h, +7 d,
//! +30 d), each channel's numbers once a day and its audience once a week.
//! A platform's refusal follows the error classes of publishing: a rate limit
//! waits for its reset, lost credentials mark the channel for reconnecting,
//! anything else is tried again later. The practice channel's numbers are
//! made up plausibly (more on evenings and with questions), so the demo has
//! living dashboards.

use crate::jobs::{JobError, JobFuture, JobHandler};
use crate::{Actor, App, AppError};
use chrono_tz::Tz;
use siar_channels::{AccountStats, Audience, ConnectorError, PostReading};
use siar_domain::Timestamp;
use siar_domain::analytics::{
    self as dom, Breakdown, Bucket, DayRange, Heatmap, Hint, PostMetrics, Totals,
};
use siar_domain::channels::{Channel, ChannelStatus, Platform};
use siar_domain::jobs::Job;
use siar_domain::org::{OrgId, Permission};
use siar_store::Tx;
use siar_store::analytics::{self as store, GroupBy, NewTracked, Reading};
pub use siar_store::analytics::{LineFilter, PostLine, Tracked};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

pub const ANALYTICS_ROUND: &str = "analytics_round";
const ROUND_EVERY: Duration = Duration::from_secs(15 * 60);
/// Deliveries read per round at most (the rest wait for the next round).
const PER_ROUND: u64 = 2_000;
const AUDIENCE_EVERY: Duration = Duration::from_secs(7 * 86_400);

pub struct Round;

impl JobHandler for Round {
    fn kind(&self) -> &'static str {
        ANALYTICS_ROUND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let r = round(app).await;
            if let Err(e) = ensure_round(app, app.now().plus(ROUND_EVERY)).await {
                tracing::warn!("could not plan the next analytics round: {e}");
            }
            r.map(|_| ()).map_err(|e| JobError::Retry(e.to_string()))
        })
    }
}

/// Plans the round (once; the dedup key keeps a single one queued).
pub async fn ensure_round(app: &App, at: Timestamp) -> Result<(), AppError> {
    crate::jobs::ensure_round(app, ANALYTICS_ROUND, at).await
}

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RoundReport {
    pub tracked: usize,
    pub read: usize,
    pub channel_days: usize,
    pub audiences: usize,
    /// Monthly reports made (on the 1st, for the month before).
    pub reports: usize,
}

async fn zone(tx: &mut Tx, org: OrgId, cache: &mut HashMap<i64, Tz>) -> Result<Tz, AppError> {
    if let Some(tz) = cache.get(&org.0) {
        return Ok(*tz);
    }
    let tz = siar_store::org::org_by_id(tx, org)
        .await?
        .map(|o| o.settings.timezone)
        .unwrap_or(chrono_tz::Asia::Jakarta);
    cache.insert(org.0, tz);
    Ok(tz)
}

/// One round: track, read what is due, channels' days, audiences.
pub async fn round(app: &App) -> Result<RoundReport, AppError> {
    let mut rep = RoundReport {
        tracked: track_new(app).await?,
        ..RoundReport::default()
    };
    rep.read = read_due(app).await?;
    let (days, audiences) = read_channels(app).await?;
    rep.channel_days = days;
    rep.audiences = audiences;
    rep.reports = crate::reports::monthly(app).await?;
    Ok(rep)
}

/// Starts tracking deliveries published in the last 31 days.
async fn track_new(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let mut tx = app.store.read().await?;
    let new = store::untracked(&mut tx, now.minus(Duration::from_secs(31 * 86_400)), 5_000).await?;
    let mut zones = HashMap::new();
    let mut rows = Vec::with_capacity(new.len());
    for u in &new {
        let tz = zone(&mut tx, OrgId(u.org_id), &mut zones).await?;
        let at = Timestamp(u.published_at);
        let (day, weekday, hour) = dom::local_slot(at, tz);
        rows.push(NewTracked {
            delivery_id: u.delivery_id,
            org_id: OrgId(u.org_id),
            channel_id: u.channel_id,
            post_id: u.post_id,
            published_at: at,
            day,
            weekday,
            hour,
            category: u.category.clone().unwrap_or_default(),
            next_at: dom::collect_due(at, 0).unwrap_or(now),
        });
    }
    tx.commit().await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tx = app.store.begin().await?;
    for r in &rows {
        store::track(&mut tx, r).await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// The latest follower count of each channel (the rate base where the
/// platform gives no reach or views).
async fn followers_now(tx: &mut Tx, org: OrgId, today: i32) -> Result<HashMap<i64, i64>, AppError> {
    let mut out = HashMap::new();
    for d in store::channel_days(tx, org, today - 60, today).await? {
        if let Some(f) = d.followers {
            out.insert(d.channel_id, f);
        }
    }
    Ok(out)
}

/// Reads the numbers of every delivery that is due, a call per channel.
async fn read_due(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let mut tx = app.store.read().await?;
    let due = store::due(&mut tx, now, PER_ROUND).await?;
    // The channels once per round, not once per channel read.
    let connected = siar_store::channels::connected_of(&mut tx, &Platform::ALL).await?;
    tx.commit().await?;
    let mut by_channel: BTreeMap<i64, Vec<Tracked>> = BTreeMap::new();
    for t in due {
        by_channel.entry(t.channel_id).or_default().push(t);
    }
    let mut read = 0;
    for (channel_id, items) in by_channel {
        let ch = connected.iter().find(|c| c.id == channel_id);
        match read_channel(app, ch, &items).await {
            Ok(n) => read += n,
            Err(e) => tracing::warn!(channel = channel_id, "reading numbers failed: {e}"),
        }
    }
    Ok(read)
}

async fn postpone_all(app: &App, items: &[Tracked], at: Timestamp) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    for t in items {
        store::postpone(&mut tx, t.delivery_id, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What to do with a platform's refusal: wait for a rate limit's reset, mark
/// the channel when the credentials are gone, else try again in 30 minutes.
/// Returns when the work should be tried again.
async fn refused(app: &App, ch: &Channel, e: &ConnectorError) -> Result<Timestamp, AppError> {
    let now = app.now();
    Ok(match e {
        ConnectorError::RateLimited { retry_at, .. } => {
            let mut tx = app.store.begin().await?;
            siar_store::channels::set_throttled_until(&mut tx, ch.id, Some(*retry_at)).await?;
            tx.commit().await?;
            *retry_at
        }
        ConnectorError::Auth { detail } => {
            crate::channels::needs_reconnect(app, ch.org_id, ch.id, detail).await?;
            now.plus(Duration::from_secs(3_600))
        }
        _ => now.plus(Duration::from_secs(30 * 60)),
    })
}

/// Reads one channel's due deliveries; `None`: the channel is not connected
/// (disconnected or needing reconnection).
async fn read_channel(
    app: &App,
    ch: Option<&Channel>,
    items: &[Tracked],
) -> Result<usize, AppError> {
    let now = app.now();
    let Some(ch) = ch else {
        // Disconnected or needing reconnection: look again in a day.
        postpone_all(app, items, now.plus(Duration::from_secs(86_400))).await?;
        return Ok(0);
    };
    if let Some(t) = ch.throttled_until.filter(|t| *t > now) {
        postpone_all(app, items, t).await?;
        return Ok(0);
    }
    let ids: Vec<String> = items.iter().map(|t| t.remote_id.clone()).collect();
    let readings = if ch.platform == Platform::Practice {
        items
            .iter()
            .map(|t| PostReading {
                remote_id: t.remote_id.clone(),
                metrics: practice_metrics(t.delivery_id, t.published_at, t.hour, now),
                note: None,
            })
            .collect()
    } else {
        let Some(conn) = app.channels.connector(ch.platform) else {
            postpone_all(app, items, now.plus(Duration::from_secs(86_400))).await?;
            return Ok(0);
        };
        let mut tx = app.store.read().await?;
        let acct = crate::channels::account(app, &mut tx, ch).await?;
        tx.commit().await?;
        let ctx = app.channels.ctx(now);
        match conn.post_metrics(&ctx, &acct, &ids).await {
            Ok(r) => r,
            Err(e) => {
                let at = refused(app, ch, &e).await?;
                postpone_all(app, items, at).await?;
                return Err(AppError::Internal(e.to_string()));
            }
        }
    };
    let by_id: HashMap<&str, &PostReading> =
        readings.iter().map(|r| (r.remote_id.as_str(), r)).collect();
    let mut tx = app.store.begin().await?;
    let tz = zone(&mut tx, ch.org_id, &mut HashMap::new()).await?;
    let (today, _, _) = dom::local_slot(now, tz);
    let followers = followers_now(&mut tx, ch.org_id, today + 1).await?;
    for t in items {
        let got = by_id.get(t.remote_id.as_str());
        let metrics = got.map(|r| r.metrics).unwrap_or_default();
        let note = match got {
            Some(r) => r.note.clone(),
            // The platform said nothing of this post: kept as missing.
            None => Some("—".to_string()),
        };
        let merged = t.latest.newer(&metrics);
        let base = merged.base(followers.get(&ch.id).copied());
        let stage = dom::stage_after(t.published_at, now) as i32;
        let next_at = dom::collect_due(t.published_at, stage as usize);
        store::record(
            &mut tx,
            t,
            &Reading {
                metrics,
                base,
                note,
                stage,
                next_at,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(items.len())
}

/// Each connected channel's numbers of yesterday (once a day) and its
/// audience (once a week, where the platform tells).
async fn read_channels(app: &App) -> Result<(usize, usize), AppError> {
    let now = app.now();
    let mut tx = app.store.read().await?;
    let chans = siar_store::channels::connected_of(&mut tx, &Platform::ALL).await?;
    let mut zones = HashMap::new();
    let mut plan = Vec::new();
    for ch in chans {
        let tz = zone(&mut tx, ch.org_id, &mut zones).await?;
        let st = store::state(&mut tx, ch.id).await?;
        plan.push((ch, tz, st));
    }
    tx.commit().await?;
    let (mut days, mut audiences) = (0, 0);
    for (ch, tz, st) in plan {
        if ch.throttled_until.is_some_and(|t| t > now) {
            continue;
        }
        let (today, _, _) = dom::local_slot(now, tz);
        let yesterday = today - 1;
        if st.daily_day.is_none_or(|d| d < yesterday) {
            match channel_day(app, &ch, tz, yesterday).await {
                Ok(()) => days += 1,
                Err(e) => tracing::warn!(channel = ch.id, "daily numbers failed: {e}"),
            }
        }
        let audience_due = st
            .audience_at
            .is_none_or(|t| Timestamp(t).plus(AUDIENCE_EVERY) <= now);
        if dom::has_demographics(ch.platform) && audience_due {
            match channel_audience(app, &ch).await {
                Ok(()) => audiences += 1,
                Err(e) => tracing::warn!(channel = ch.id, "audience failed: {e}"),
            }
        }
    }
    Ok((days, audiences))
}

async fn channel_day(app: &App, ch: &Channel, tz: Tz, day: i32) -> Result<(), AppError> {
    let now = app.now();
    let (from, to) = (dom::day_start(day, tz), dom::day_start(day + 1, tz));
    let stats = if ch.platform == Platform::Practice {
        practice_stats(ch.id, day)
    } else {
        let Some(conn) = app.channels.connector(ch.platform) else {
            return Ok(());
        };
        let mut tx = app.store.read().await?;
        let acct = crate::channels::account(app, &mut tx, ch).await?;
        tx.commit().await?;
        match conn
            .account_stats(&app.channels.ctx(now), &acct, from, to)
            .await
        {
            Ok(s) => s,
            Err(e) => {
                refused(app, ch, &e).await?;
                return Err(AppError::Internal(e.to_string()));
            }
        }
    };
    let mut tx = app.store.begin().await?;
    store::set_channel_day(
        &mut tx,
        ch.org_id,
        &store::ChannelDay {
            channel_id: ch.id,
            day,
            followers: stats.followers,
            views: stats.views,
            reach: stats.reach,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn channel_audience(app: &App, ch: &Channel) -> Result<(), AppError> {
    let now = app.now();
    let got = if ch.platform == Platform::Practice {
        Ok(Some(practice_audience()))
    } else {
        let Some(conn) = app.channels.connector(ch.platform) else {
            return Ok(());
        };
        let mut tx = app.store.read().await?;
        let acct = crate::channels::account(app, &mut tx, ch).await?;
        tx.commit().await?;
        conn.audience(&app.channels.ctx(now), &acct).await
    };
    let (buckets, note) = match got {
        Ok(Some(a)) => (audience_rows(&a), None),
        Ok(None) => return Ok(()),
        // Fewer than 100 followers, a missing permission: the platform's words.
        Err(ConnectorError::Invalid { detail, .. }) => (vec![], Some(detail)),
        Err(e) => {
            refused(app, ch, &e).await?;
            return Err(AppError::Internal(e.to_string()));
        }
    };
    let mut tx = app.store.begin().await?;
    store::set_audience(&mut tx, ch.org_id, ch.id, &buckets, note.as_deref(), now).await?;
    tx.commit().await?;
    Ok(())
}

fn audience_rows(a: &Audience) -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    for (b, raw) in [
        (Breakdown::Age, &a.age),
        (Breakdown::Gender, &a.gender),
        (Breakdown::City, &a.city),
    ] {
        for bucket in dom::shares(raw) {
            out.push((b.as_str().to_string(), bucket.label, bucket.share));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The practice channel's numbers
// ---------------------------------------------------------------------------

fn mix(mut x: u64) -> u64 {
    // splitmix64: a fixed, well-spread sequence from a seed.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn unit(seed: u64, salt: u64) -> f64 {
    (mix(seed ^ salt.wrapping_mul(0x1000_0000_01B3)) % 10_000) as f64 / 10_000.0
}

/// Plausible numbers of a practice post `age` after publication: they grow
/// quickly in the first day and settle; evening posts (19–21 WIB) and
/// lunchtime do better, nights worse.
pub fn practice_metrics(
    seed: i64,
    published_at: Timestamp,
    hour: u8,
    now: Timestamp,
) -> PostMetrics {
    let s = seed as u64;
    let hours = ((now.0 - published_at.0).max(0) as f64) / 3_600_000.0;
    let grown = 1.0 - (-hours / 14.0).exp();
    let slot = match hour {
        19..=21 => 1.6,
        11..=13 => 1.25,
        7..=10 | 14..=18 => 1.0,
        _ => 0.55,
    };
    let reach = (180.0 + 700.0 * unit(s, 1)) * slot * grown;
    let views = reach * (1.2 + 0.6 * unit(s, 2));
    let rate = (0.025 + 0.06 * unit(s, 3)) * slot.min(1.3);
    let eng = reach * rate;
    let r = |x: f64| Some(x.round() as i64);
    PostMetrics {
        views: r(views),
        reach: r(reach),
        likes: r(eng * 0.68),
        comments: r(eng * 0.14),
        shares: r(eng * 0.1),
        saves: r(eng * 0.08),
        clicks: r(reach * 0.012 * (0.5 + unit(s, 4))),
    }
}

/// A practice channel's followers grow by a few a day.
pub fn practice_stats(channel: i64, day: i32) -> AccountStats {
    let base = 1_150 + (mix(channel as u64) % 400) as i64;
    let d = i64::from(day.rem_euclid(100_000));
    let followers = base + d % 3_650 * 3 / 2 + (mix(d as u64) % 7) as i64;
    AccountStats {
        followers: Some(followers),
        views: Some(400 + (mix(d as u64 ^ 9) % 600) as i64),
        reach: Some(250 + (mix(d as u64 ^ 11) % 350) as i64),
    }
}

/// The practice channel's audience: a public library's in Palembang.
pub fn practice_audience() -> Audience {
    let v = |xs: &[(&str, f64)]| xs.iter().map(|(l, x)| (l.to_string(), *x)).collect();
    Audience {
        age: v(&[
            ("13-17", 9.0),
            ("18-24", 24.0),
            ("25-34", 31.0),
            ("35-44", 21.0),
            ("45-54", 10.0),
            ("55-64", 4.0),
            ("65+", 1.0),
        ]),
        gender: v(&[("female", 61.0), ("male", 37.0), ("other", 2.0)]),
        city: v(&[
            ("Palembang", 71.0),
            ("Banyuasin", 8.0),
            ("Prabumulih", 5.0),
            ("Ogan Ilir", 5.0),
            ("Jakarta", 4.0),
            ("Lainnya", 7.0),
        ]),
    }
}

// ---------------------------------------------------------------------------
// Figures for the pages
// ---------------------------------------------------------------------------

/// The organisation's zone and today's local day number.
pub async fn today(app: &App, org: OrgId) -> Result<(Tz, i32), AppError> {
    let mut tx = app.store.read().await?;
    let tz = zone(&mut tx, org, &mut HashMap::new()).await?;
    tx.commit().await?;
    Ok((tz, dom::local_slot(app.now(), tz).0))
}

/// One channel's figures for a period and the one before.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelFigures {
    pub channel: Channel,
    pub now: Totals,
    pub before: Totals,
    /// Followers at the end of the period and at its start (`None`: the
    /// platform gave none).
    pub followers: (Option<i64>, Option<i64>),
    /// Account-level views and reach over the period (summed days).
    pub account_views: Option<i64>,
    pub account_reach: Option<i64>,
    pub link_clicks: (i64, i64),
    /// Portal participations its short links brought (period, before).
    pub participations: (i64, i64),
}

/// The summary page: every channel, the total, and the day-by-day series.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub range: DayRange,
    pub previous: DayRange,
    pub channels: Vec<ChannelFigures>,
    pub total: Totals,
    pub total_before: Totals,
    pub followers: (Option<i64>, Option<i64>),
    pub link_clicks: (i64, i64),
    /// Engagements and posts per day over the range.
    pub series: Vec<(i32, Totals)>,
    /// Followers per day (all channels that report them).
    pub follower_series: Vec<(i32, i64)>,
    /// Portal participations that came through short links, per kind
    /// (sign-up, poll, quiz, survey, challenge): (kind, period, before).
    pub participations: Vec<(String, i64, i64)>,
}

pub async fn overview(app: &App, actor: &Actor, range: DayRange) -> Result<Overview, AppError> {
    actor.require(Permission::ViewReports)?;
    let org = actor.org;
    let (tz, _) = today(app, org).await?;
    let prev = range.previous();
    let mut tx = app.store.read().await?;
    let chans = siar_store::channels::list(&mut tx, org).await?;
    let now_by = store::totals(&mut tx, org, range, GroupBy::Channel, None).await?;
    let before_by = store::totals(&mut tx, org, prev, GroupBy::Channel, None).await?;
    let series = store::totals(&mut tx, org, range, GroupBy::Day, None).await?;
    let days = store::channel_days(&mut tx, org, prev.from - 1, range.to).await?;
    let clicks_now = store::link_clicks(
        &mut tx,
        org,
        dom::day_start(range.from, tz),
        dom::day_start(range.to + 1, tz),
    )
    .await?;
    let clicks_before = store::link_clicks(
        &mut tx,
        org,
        dom::day_start(prev.from, tz),
        dom::day_start(prev.to + 1, tz),
    )
    .await?;
    let window = |r: DayRange| (dom::day_start(r.from, tz), dom::day_start(r.to + 1, tz));
    let (a, b) = window(range);
    let conv_now = store::conversions(&mut tx, org, a, b).await?;
    let (a, b) = window(prev);
    let conv_before = store::conversions(&mut tx, org, a, b).await?;
    tx.commit().await?;
    let conv_of = |v: &[(String, Option<i64>, i64)], ch: i64| {
        v.iter()
            .filter(|(_, c, _)| *c == Some(ch))
            .map(|(_, _, n)| n)
            .sum::<i64>()
    };
    let mut kinds: Vec<String> = conv_now
        .iter()
        .chain(conv_before.iter())
        .map(|(k, _, _)| k.clone())
        .collect();
    kinds.sort();
    kinds.dedup();
    let of_kind = |v: &[(String, Option<i64>, i64)], k: &str| {
        v.iter()
            .filter(|(x, _, _)| x == k)
            .map(|(_, _, n)| n)
            .sum::<i64>()
    };
    let participations = kinds
        .iter()
        .map(|k| (k.clone(), of_kind(&conv_now, k), of_kind(&conv_before, k)))
        .collect();
    let find = |v: &[(i64, String, Totals)], id: i64| {
        v.iter()
            .find(|(k, _, _)| *k == id)
            .map(|(_, _, t)| *t)
            .unwrap_or_default()
    };
    // Followers at a day: the last reading on or before it.
    let followers_at = |ch: i64, day: i32| {
        days.iter()
            .filter(|d| d.channel_id == ch && d.day <= day && d.followers.is_some())
            .max_by_key(|d| d.day)
            .and_then(|d| d.followers)
    };
    let sum_days = |ch: i64, f: fn(&store::ChannelDay) -> Option<i64>| {
        let vals: Vec<i64> = days
            .iter()
            .filter(|d| d.channel_id == ch && range.contains(d.day))
            .filter_map(f)
            .collect();
        (!vals.is_empty()).then(|| vals.iter().sum())
    };
    let clicks = |v: &[(Option<i64>, i64)], ch: i64| {
        v.iter()
            .filter(|(c, _)| *c == Some(ch))
            .map(|(_, n)| n)
            .sum::<i64>()
    };
    let mut out = Overview {
        range,
        previous: prev,
        channels: Vec::new(),
        total: Totals::default(),
        total_before: Totals::default(),
        followers: (None, None),
        link_clicks: (
            clicks_now.iter().map(|c| c.1).sum(),
            clicks_before.iter().map(|c| c.1).sum(),
        ),
        series: series.iter().map(|(d, _, t)| (*d as i32, *t)).collect(),
        follower_series: Vec::new(),
        participations,
    };
    for ch in chans {
        let f = ChannelFigures {
            now: find(&now_by, ch.id),
            before: find(&before_by, ch.id),
            followers: (followers_at(ch.id, range.to), followers_at(ch.id, prev.to)),
            account_views: sum_days(ch.id, |d| d.views),
            account_reach: sum_days(ch.id, |d| d.reach),
            link_clicks: (clicks(&clicks_now, ch.id), clicks(&clicks_before, ch.id)),
            participations: (conv_of(&conv_now, ch.id), conv_of(&conv_before, ch.id)),
            channel: ch,
        };
        // A disconnected channel without numbers in either period is left out.
        if f.channel.status == ChannelStatus::Disconnected
            && f.now.posts == 0
            && f.before.posts == 0
        {
            continue;
        }
        out.total.add(&f.now);
        out.total_before.add(&f.before);
        let add = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (None, None) => None,
            (x, y) => Some(x.unwrap_or(0) + y.unwrap_or(0)),
        };
        // The change compares the same channels: a channel connected during
        // the period has no count at its start and is left out of both.
        if f.followers.1.is_some() || out.followers.1.is_none() {
            out.followers = (
                add(out.followers.0, f.followers.0),
                add(out.followers.1, f.followers.1),
            );
        } else {
            out.followers.0 = add(out.followers.0, f.followers.0);
        }
        out.channels.push(f);
    }
    let mut per_day: BTreeMap<i32, i64> = BTreeMap::new();
    for d in range.from..=range.to {
        let ids: Vec<i64> = out.channels.iter().map(|c| c.channel.id).collect();
        let vals: Vec<i64> = ids.iter().filter_map(|c| followers_at(*c, d)).collect();
        if !vals.is_empty() {
            per_day.insert(d, vals.iter().sum());
        }
    }
    out.follower_series = per_day.into_iter().collect();
    Ok(out)
}

/// Figures per content category (posts without one under "").
pub async fn by_category(
    app: &App,
    actor: &Actor,
    range: DayRange,
    channel: Option<i64>,
) -> Result<Vec<(String, Totals)>, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let rows = store::totals(&mut tx, actor.org, range, GroupBy::Category, channel).await?;
    tx.commit().await?;
    let mut out: Vec<(String, Totals)> = rows.into_iter().map(|(_, k, t)| (k, t)).collect();
    out.sort_by(|a, b| {
        b.1.per_post()
            .unwrap_or(-1.0)
            .total_cmp(&a.1.per_post().unwrap_or(-1.0))
            .then(a.0.cmp(&b.0))
    });
    Ok(out)
}

/// Posts published in the range with their latest numbers (one line per
/// channel), at most 5,000.
pub async fn lines(
    app: &App,
    actor: &Actor,
    range: DayRange,
    f: &LineFilter,
) -> Result<Vec<PostLine>, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let l = store::lines(&mut tx, actor.org, range, f, 5_000).await?;
    tx.commit().await?;
    Ok(l)
}

/// Hashtags of a post's text, as written (first spelling wins), without '#'
/// duplicates differing only in case.
pub fn tags_of(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in siar_domain::richtext::scan(text) {
        if matches!(t.kind, siar_domain::richtext::TokenKind::Tag { .. }) {
            let tag = text[t.start..t.end].to_string();
            if !out.iter().any(|o| o.to_lowercase() == tag.to_lowercase()) {
                out.push(tag);
            }
        }
    }
    out
}

/// Figures per hashtag: each post counts towards every hashtag it carries.
pub fn by_hashtag(lines: &[PostLine]) -> Vec<(String, Totals)> {
    let mut m: BTreeMap<String, (String, Totals)> = BTreeMap::new();
    for l in lines {
        let t = Totals::of_post(&l.tracked.latest, l.tracked.base.map(|b| b.0));
        for tag in tags_of(&l.text) {
            let e = m
                .entry(tag.to_lowercase())
                .or_insert_with(|| (tag.clone(), Totals::default()));
            e.1.add(&t);
        }
    }
    let mut out: Vec<(String, Totals)> = m.into_values().collect();
    out.sort_by(|a, b| {
        b.1.per_post()
            .unwrap_or(-1.0)
            .total_cmp(&a.1.per_post().unwrap_or(-1.0))
            .then(b.1.posts.cmp(&a.1.posts))
            .then(a.0.cmp(&b.0))
    });
    out
}

/// Figures per campaign (posts of the range that belong to one).
pub async fn by_campaign(
    app: &App,
    actor: &Actor,
    range: DayRange,
) -> Result<Vec<(siar_domain::studio::Campaign, Totals)>, AppError> {
    let all = lines(app, actor, range, &LineFilter::default()).await?;
    let mut tx = app.store.read().await?;
    let campaigns = siar_store::studio::campaigns(&mut tx, actor.org).await?;
    tx.commit().await?;
    let mut out = Vec::new();
    for c in campaigns {
        let mut t = Totals::default();
        for l in all.iter().filter(|l| l.campaign_id == Some(c.id)) {
            t.add(&Totals::of_post(
                &l.tracked.latest,
                l.tracked.base.map(|b| b.0),
            ));
        }
        out.push((c, t));
    }
    out.sort_by(|a, b| b.1.posts.cmp(&a.1.posts).then(a.0.name.cmp(&b.0.name)));
    Ok(out)
}

/// Weekday × hour of the organisation's zone, from the posts' engagement rate.
pub async fn heatmap(
    app: &App,
    actor: &Actor,
    range: DayRange,
    channel: Option<i64>,
) -> Result<Heatmap, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let cells = store::heat(&mut tx, actor.org, range, channel).await?;
    tx.commit().await?;
    let mut h = Heatmap::default();
    for (d, hour, c) in cells {
        h.add(d, hour, c);
    }
    Ok(h)
}

/// How to order a list of posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    Engagements,
    Rate,
    Views,
}

impl Rank {
    pub fn parse(s: &str) -> Rank {
        match s {
            "rate" => Rank::Rate,
            "views" => Rank::Views,
            _ => Rank::Engagements,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Rank::Engagements => "engagements",
            Rank::Rate => "rate",
            Rank::Views => "views",
        }
    }
}

/// The best (or worst) posts by `rank`; posts without the number are left
/// out, never ranked as zero.
pub fn ranked(lines: &[PostLine], rank: Rank, best: bool, n: usize) -> Vec<PostLine> {
    let key = |l: &PostLine| -> Option<f64> {
        let m = &l.tracked.latest;
        match rank {
            Rank::Engagements => m.engagements().map(|e| e as f64),
            Rank::Views => m.views.map(|v| v as f64),
            Rank::Rate => dom::rate(m.engagements(), l.tracked.base.map(|b| b.0)),
        }
    };
    let mut with: Vec<(f64, &PostLine)> = lines
        .iter()
        .filter_map(|l| key(l).map(|k| (k, l)))
        .collect();
    with.sort_by(|a, b| {
        let o = a.0.total_cmp(&b.0);
        let o = if best { o.reverse() } else { o };
        o.then(b.1.tracked.published_at.cmp(&a.1.tracked.published_at))
    });
    with.into_iter().take(n).map(|(_, l)| l.clone()).collect()
}

/// One channel's audience as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelAudience {
    pub channel: Channel,
    pub age: Vec<Bucket>,
    pub gender: Vec<Bucket>,
    pub city: Vec<Bucket>,
    /// The platform's words when it gave none (fewer than 100 followers).
    pub note: Option<String>,
    pub read_at: Option<Timestamp>,
    pub hints: Vec<Hint>,
}

/// Audiences of every channel that can have one (the others are listed with
/// nothing, so staff see why).
pub async fn audiences(app: &App, actor: &Actor) -> Result<Vec<ChannelAudience>, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let chans = siar_store::channels::list(&mut tx, actor.org).await?;
    let rows = store::audiences(&mut tx, actor.org).await?;
    let org = siar_store::org::org_by_id(&mut tx, actor.org).await?;
    let mut states = HashMap::new();
    for c in &chans {
        states.insert(c.id, store::state(&mut tx, c.id).await?);
    }
    tx.commit().await?;
    let home = org.map(|o| home_city(&o.settings.name)).unwrap_or_default();
    let mut out = Vec::new();
    for ch in chans {
        if ch.status == ChannelStatus::Disconnected {
            continue;
        }
        let pick = |b: Breakdown| -> Vec<Bucket> {
            rows.iter()
                .filter(|r| r.0 == ch.id && r.1 == b.as_str())
                .map(|r| Bucket {
                    label: r.2.clone(),
                    share: r.3,
                })
                .collect()
        };
        let (age, gender, city) = (
            pick(Breakdown::Age),
            pick(Breakdown::Gender),
            pick(Breakdown::City),
        );
        let hints = dom::audience_hints(&age, &gender, &city, &home);
        let st = states.remove(&ch.id).unwrap_or_default();
        out.push(ChannelAudience {
            age,
            gender,
            city,
            note: st.audience_note,
            read_at: st.audience_at.map(Timestamp),
            hints,
            channel: ch,
        });
    }
    Ok(out)
}

/// The library's city from its name ("Perpustakaan Kota Palembang" →
/// "Palembang").
pub fn home_city(name: &str) -> String {
    let lower = name.to_lowercase();
    for key in ["kota ", "kabupaten ", "city of "] {
        if let Some(i) = lower.find(key) {
            return name[i + key.len()..].trim().to_string();
        }
    }
    name.split_whitespace().last().unwrap_or("").to_string()
}

/// One post's numbers per channel, with every reading.
#[derive(Debug, Clone, PartialEq)]
pub struct PostFigures {
    pub channel: Channel,
    pub tracked: Tracked,
    pub readings: Vec<(Timestamp, PostMetrics)>,
    pub link_clicks: i64,
}

pub async fn post(app: &App, actor: &Actor, post: i64) -> Result<Vec<PostFigures>, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let tracked = store::of_post(&mut tx, actor.org, post).await?;
    let chans = siar_store::channels::list(&mut tx, actor.org).await?;
    let clicks = store::post_link_clicks(&mut tx, actor.org, &[post]).await?;
    let mut out = Vec::new();
    for t in tracked {
        let readings = store::snapshots(&mut tx, actor.org, t.delivery_id).await?;
        let Some(ch) = chans.iter().find(|c| c.id == t.channel_id).cloned() else {
            continue;
        };
        let link_clicks = clicks
            .iter()
            .filter(|(_, c, _)| *c == Some(ch.id) || c.is_none())
            .map(|(_, _, n)| n)
            .sum();
        out.push(PostFigures {
            channel: ch,
            tracked: t,
            readings,
            link_clicks,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// Whether the organisation has any post numbers at all (the pages explain
/// what to do first when not).
pub async fn has_numbers(app: &App, org: OrgId) -> Result<bool, AppError> {
    let mut tx = app.store.read().await?;
    let any = store::has_numbers(&mut tx, org).await?;
    tx.commit().await?;
    Ok(any)
}

/// The findings a report's recommendations rest on, for a range.
pub async fn findings(app: &App, actor: &Actor, ov: &Overview) -> Result<dom::Findings, AppError> {
    let cats = by_category(app, actor, ov.range, None).await?;
    let l = lines(app, actor, ov.range, &LineFilter::default()).await?;
    let tags = by_hashtag(&l);
    let heat = heatmap(
        app,
        actor,
        DayRange {
            from: ov.range.to - 89,
            to: ov.range.to,
        },
        None,
    )
    .await?;
    let quiet: Vec<String> = ov
        .channels
        .iter()
        .filter(|c| c.channel.status == ChannelStatus::Connected && c.now.posts == 0)
        .map(|c| c.channel.name.clone())
        .collect();
    Ok(dom::Findings {
        categories: cats
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, t)| (k.clone(), t.posts, t.per_post()))
            .collect(),
        best_slots: heat.best(3),
        hashtags: tags
            .iter()
            .map(|(k, t)| (k.clone(), t.posts, t.per_post()))
            .collect(),
        followers: ov.followers,
        rate: (ov.total.rate(), ov.total_before.rate()),
        posts: (ov.total.posts, ov.total_before.posts),
        quiet_channels: quiet,
        first_response: None,
        link_clicks: ov.link_clicks,
    })
}

/// Runs one round now and rebuilds the rollups (staff's "read now" and the
/// demo seed).
pub async fn rebuild(app: &App, org: OrgId) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    store::rebuild(&mut tx, org).await?;
    tx.commit().await?;
    Ok(())
}

/// The demo's history: two months of published practice posts in every
/// content category with their readings, the channel's followers for the
/// last 120 days and an audience, so the pages have something to show.
pub async fn seed_demo(app: &App, org: OrgId, channel: i64) -> Result<(), AppError> {
    use siar_domain::studio::Category;
    use siar_store::publishing as publ;
    let now = app.now();
    let (tz, today) = today(app, org).await?;
    const TEXTS: [(&str, Category); 8] = [
        (
            "Rekomendasi buku minggu ini: novel sejarah Palembang. Sudah baca? #AyoMembaca",
            Category::Artikel,
        ),
        (
            "Video: cara mencari e-book di katalog daring perpustakaan. #LiterasiDigital",
            Category::VideoEdukasi,
        ),
        (
            "Bedah buku daring Jumat malam bersama penulis muda Palembang. #BedahBuku",
            Category::AcaraVirtual,
        ),
        (
            "Kuis: tokoh sastra mana yang lahir di Sumatera Selatan? Jawab di komentar! #KuisPerpus",
            Category::KontenInteraktif,
        ),
        (
            "Terima kasih Kak Dina atas foto pojok bacanya! Dibagikan atas izin. #PalembangBaca",
            Category::KontenPengguna,
        ),
        (
            "Tantangan membaca: sudah berapa buku bulan ini? #TantanganMembaca #PalembangBaca",
            Category::ProgramMembaca,
        ),
        (
            "Akses jurnal daring gratis untuk anggota perpustakaan. #LiterasiDigital",
            Category::AksesDigital,
        ),
        (
            "Perpustakaan tutup Senin depan untuk inventarisasi koleksi.",
            Category::Pengumuman,
        ),
    ];
    let hours = [10u32, 19, 15];
    let mut tx = app.store.begin().await?;
    for i in 0..72i64 {
        let (text, cat) = TEXTS[(i as usize * 5) % TEXTS.len()];
        let day = today - 60 + (i as i32 * 60 / 72);
        let hour = hours[(i as usize) % hours.len()];
        let at = dom::day_start(day, tz).plus(Duration::from_secs(u64::from(hour) * 3_600));
        let post = publ::insert_post(&mut tx, org, None, text, None, at, at).await?;
        store::set_post_category(&mut tx, org, post, cat.as_str()).await?;
        let marker = format!("demo-history-{post}");
        let d = publ::insert_delivery(
            &mut tx,
            org,
            &publ::NewDelivery {
                post_id: post,
                channel_id: channel,
                text,
                title: None,
                media: &[],
                publish_at: at,
                marker: &marker,
            },
            at,
        )
        .await?;
        publ::mark_published(&mut tx, d, &format!("practice:{marker}"), None, at).await?;
        let (day, weekday, hour) = dom::local_slot(at, tz);
        let t = NewTracked {
            delivery_id: d,
            org_id: org,
            channel_id: channel,
            post_id: post,
            published_at: at,
            day,
            weekday,
            hour,
            category: cat.as_str().to_string(),
            next_at: now,
        };
        store::track(&mut tx, &t).await?;
        let tracked = Tracked {
            delivery_id: d,
            org_id: org,
            channel_id: channel,
            post_id: post,
            published_at: at,
            day,
            weekday,
            hour,
            category: t.category.clone(),
            stage: 0,
            next_at: Some(now),
            taken_at: None,
            latest: PostMetrics::default(),
            base: None,
            note: None,
            remote_id: format!("practice:{marker}"),
        };
        let metrics = practice_metrics(d, at, hour, now);
        let stage = dom::stage_after(at, now) as i32;
        store::record(
            &mut tx,
            &tracked,
            &Reading {
                metrics,
                base: metrics.base(None),
                note: None,
                stage,
                next_at: dom::collect_due(at, stage as usize),
            },
            now,
        )
        .await?;
    }
    let practice: Vec<i64> = siar_store::channels::list(&mut tx, org)
        .await?
        .iter()
        .filter(|c| c.platform == Platform::Practice)
        .map(|c| c.id)
        .collect();
    for ch in practice {
        for day in today - 120..today {
            let s = practice_stats(ch, day);
            store::set_channel_day(
                &mut tx,
                org,
                &store::ChannelDay {
                    channel_id: ch,
                    day,
                    followers: s.followers,
                    views: s.views,
                    reach: s.reach,
                },
                now,
            )
            .await?;
        }
    }
    store::set_audience(
        &mut tx,
        org,
        channel,
        &audience_rows(&practice_audience()),
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
