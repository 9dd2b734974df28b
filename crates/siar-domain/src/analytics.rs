//! Analytics: what a platform's numbers mean, how Siar combines them, and the
//! advice it derives from them.
//!
//! A number a platform did not give is `None` and stays missing: it is never
//! counted as zero, and a figure built from it says how many posts it rests on.

use std::time::Duration;

use chrono::{Datelike, NaiveDate, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::channels::Platform;

/// One number a platform may report for a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Times the post was shown or played (Meta "views", X impressions,
    /// YouTube views).
    Views,
    /// Distinct accounts that saw it.
    Reach,
    /// Likes, favourites and reactions.
    Likes,
    /// Comments and replies.
    Comments,
    /// Shares, reposts, retweets, boosts and quotes.
    Shares,
    /// Saves and bookmarks.
    Saves,
    /// Clicks on links inside the post, as the platform counts them.
    Clicks,
}

impl Metric {
    pub const ALL: [Metric; 7] = [
        Metric::Views,
        Metric::Reach,
        Metric::Likes,
        Metric::Comments,
        Metric::Shares,
        Metric::Saves,
        Metric::Clicks,
    ];
    /// The interactions an engagement is made of.
    pub const INTERACTIONS: [Metric; 4] = [
        Metric::Likes,
        Metric::Comments,
        Metric::Shares,
        Metric::Saves,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Views => "views",
            Metric::Reach => "reach",
            Metric::Likes => "likes",
            Metric::Comments => "comments",
            Metric::Shares => "shares",
            Metric::Saves => "saves",
            Metric::Clicks => "clicks",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Message key of the metric's name.
    pub fn name_key(self) -> &'static str {
        match self {
            Metric::Views => "an-m-views",
            Metric::Reach => "an-m-reach",
            Metric::Likes => "an-m-likes",
            Metric::Comments => "an-m-comments",
            Metric::Shares => "an-m-shares",
            Metric::Saves => "an-m-saves",
            Metric::Clicks => "an-m-clicks",
        }
    }

    /// Message key of how the metric is counted.
    pub fn help_key(self) -> &'static str {
        match self {
            Metric::Views => "an-h-views",
            Metric::Reach => "an-h-reach",
            Metric::Likes => "an-h-likes",
            Metric::Comments => "an-h-comments",
            Metric::Shares => "an-h-shares",
            Metric::Saves => "an-h-saves",
            Metric::Clicks => "an-h-clicks",
        }
    }
}

/// The metrics each platform's API gives for a post (`platform-apis.md`).
/// Anything else is shown as "not given by this platform", never as 0.
pub fn post_metrics_of(p: Platform) -> &'static [Metric] {
    use Metric::*;
    match p {
        Platform::Facebook => &[Views, Reach, Likes, Comments, Shares, Clicks],
        Platform::Instagram => &[Views, Reach, Likes, Comments, Shares, Saves],
        Platform::X => &[Views, Likes, Comments, Shares, Saves, Clicks],
        Platform::YouTube => &[Views, Likes, Comments],
        Platform::Bluesky => &[Likes, Comments, Shares, Saves],
        Platform::Mastodon => &[Likes, Comments, Shares],
        Platform::Practice => &[Views, Reach, Likes, Comments, Shares, Saves, Clicks],
    }
}

/// Whether the platform tells who the followers are (age, gender, city).
pub fn has_demographics(p: Platform) -> bool {
    matches!(
        p,
        Platform::Instagram | Platform::YouTube | Platform::Practice
    )
}

/// A post's numbers on one channel at one moment. `None`: not given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMetrics {
    pub views: Option<i64>,
    pub reach: Option<i64>,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub shares: Option<i64>,
    pub saves: Option<i64>,
    pub clicks: Option<i64>,
}

impl PostMetrics {
    pub fn get(&self, m: Metric) -> Option<i64> {
        match m {
            Metric::Views => self.views,
            Metric::Reach => self.reach,
            Metric::Likes => self.likes,
            Metric::Comments => self.comments,
            Metric::Shares => self.shares,
            Metric::Saves => self.saves,
            Metric::Clicks => self.clicks,
        }
    }

    pub fn set(&mut self, m: Metric, v: Option<i64>) {
        let slot = match m {
            Metric::Views => &mut self.views,
            Metric::Reach => &mut self.reach,
            Metric::Likes => &mut self.likes,
            Metric::Comments => &mut self.comments,
            Metric::Shares => &mut self.shares,
            Metric::Saves => &mut self.saves,
            Metric::Clicks => &mut self.clicks,
        };
        // Platforms never report negative counts; a negative is a glitch.
        *slot = v.map(|x| x.max(0));
    }

    /// Whether the platform gave nothing at all.
    pub fn is_empty(&self) -> bool {
        Metric::ALL.iter().all(|m| self.get(*m).is_none())
    }

    /// Likes + comments + shares + saves, over the parts that are known;
    /// `None` when none is.
    pub fn engagements(&self) -> Option<i64> {
        let known: Vec<i64> = Metric::INTERACTIONS
            .iter()
            .filter_map(|m| self.get(*m))
            .collect();
        (!known.is_empty()).then(|| known.iter().sum())
    }

    /// The newest reading, keeping an earlier value where the newest reading
    /// lacks one (a platform that stops giving a metric after 30 days, as X
    /// does for clicks, must not erase what it gave before).
    pub fn newer(&self, newer: &PostMetrics) -> PostMetrics {
        let mut out = *self;
        for m in Metric::ALL {
            if let Some(v) = newer.get(m) {
                out.set(m, Some(v));
            }
        }
        out
    }

    /// What an engagement rate is measured against: reach, else views, else the
    /// followers the channel had (Bluesky and Mastodon give neither).
    pub fn base(&self, followers: Option<i64>) -> Option<(i64, RateBasis)> {
        if let Some(r) = self.reach.filter(|r| *r > 0) {
            return Some((r, RateBasis::Reach));
        }
        if let Some(v) = self.views.filter(|v| *v > 0) {
            return Some((v, RateBasis::Views));
        }
        followers
            .filter(|f| *f > 0)
            .map(|f| (f, RateBasis::Followers))
    }
}

/// What an engagement rate was divided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RateBasis {
    Reach,
    Views,
    Followers,
}

impl RateBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            RateBasis::Reach => "reach",
            RateBasis::Views => "views",
            RateBasis::Followers => "followers",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reach" => Some(RateBasis::Reach),
            "views" => Some(RateBasis::Views),
            "followers" => Some(RateBasis::Followers),
            _ => None,
        }
    }
}

/// Engagements ÷ base, as a fraction. `None` when either is unknown or the
/// base is zero.
pub fn rate(engagements: Option<i64>, base: Option<i64>) -> Option<f64> {
    match (engagements, base) {
        (Some(e), Some(b)) if b > 0 => Some(e as f64 / b as f64),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Sums that remember how many posts they rest on
// ---------------------------------------------------------------------------

/// A sum over posts, with the number of posts that had the value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Known {
    pub sum: i64,
    pub n: i64,
}

impl Known {
    /// `None` when no post had the value: missing, not zero.
    pub fn value(&self) -> Option<i64> {
        (self.n > 0).then_some(self.sum)
    }
    pub fn add(&mut self, other: Known) {
        self.sum += other.sum;
        self.n += other.n;
    }
}

/// What a set of posts adds up to. Also the shape of a rollup row, and of the
/// change one new reading makes to it ([`Totals::change`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub posts: i64,
    pub views: Known,
    pub reach: Known,
    pub likes: Known,
    pub comments: Known,
    pub shares: Known,
    pub saves: Known,
    pub clicks: Known,
    pub engagements: Known,
    /// Engagements of the posts that have a rate base, and the sum of those
    /// bases: their quotient is the engagement rate.
    pub rated_engagements: i64,
    pub rated_base: i64,
}

impl Totals {
    pub fn metric(&self, m: Metric) -> Known {
        match m {
            Metric::Views => self.views,
            Metric::Reach => self.reach,
            Metric::Likes => self.likes,
            Metric::Comments => self.comments,
            Metric::Shares => self.shares,
            Metric::Saves => self.saves,
            Metric::Clicks => self.clicks,
        }
    }

    fn metric_mut(&mut self, m: Metric) -> &mut Known {
        match m {
            Metric::Views => &mut self.views,
            Metric::Reach => &mut self.reach,
            Metric::Likes => &mut self.likes,
            Metric::Comments => &mut self.comments,
            Metric::Shares => &mut self.shares,
            Metric::Saves => &mut self.saves,
            Metric::Clicks => &mut self.clicks,
        }
    }

    /// One post's contribution.
    pub fn of_post(m: &PostMetrics, base: Option<i64>) -> Totals {
        let mut t = Totals {
            posts: 1,
            ..Totals::default()
        };
        for k in Metric::ALL {
            if let Some(v) = m.get(k) {
                *t.metric_mut(k) = Known { sum: v, n: 1 };
            }
        }
        if let Some(e) = m.engagements() {
            t.engagements = Known { sum: e, n: 1 };
            if let Some(b) = base.filter(|b| *b > 0) {
                t.rated_engagements = e;
                t.rated_base = b;
            }
        }
        t
    }

    /// What replacing one post's reading `old` (none: first reading) by
    /// `new` changes in any sum that holds it.
    pub fn change(
        old: Option<(&PostMetrics, Option<i64>)>,
        new: (&PostMetrics, Option<i64>),
    ) -> Totals {
        let new = Totals::of_post(new.0, new.1);
        match old {
            None => new,
            Some((m, b)) => new.minus(&Totals::of_post(m, b)),
        }
    }

    pub fn add(&mut self, o: &Totals) {
        self.posts += o.posts;
        for m in Metric::ALL {
            self.metric_mut(m).add(o.metric(m));
        }
        self.engagements.add(o.engagements);
        self.rated_engagements += o.rated_engagements;
        self.rated_base += o.rated_base;
    }

    pub fn minus(&self, o: &Totals) -> Totals {
        let neg = |k: Known| Known {
            sum: -k.sum,
            n: -k.n,
        };
        let mut out = *self;
        out.posts -= o.posts;
        for m in Metric::ALL {
            out.metric_mut(m).add(neg(o.metric(m)));
        }
        out.engagements.add(neg(o.engagements));
        out.rated_engagements -= o.rated_engagements;
        out.rated_base -= o.rated_base;
        out
    }

    pub fn is_zero(&self) -> bool {
        *self == Totals::default()
    }

    /// Engagement rate over the posts that have a base.
    pub fn rate(&self) -> Option<f64> {
        rate(Some(self.rated_engagements), Some(self.rated_base))
    }

    /// Average engagements per post (posts whose engagements are known).
    pub fn per_post(&self) -> Option<f64> {
        (self.engagements.n > 0).then(|| self.engagements.sum as f64 / self.engagements.n as f64)
    }
}

// ---------------------------------------------------------------------------
// Collection schedule
// ---------------------------------------------------------------------------

/// When a delivery's numbers are read after it was published: numbers move
/// fast at first and settle within a month.
pub const COLLECT_AFTER: [Duration; 6] = [
    Duration::from_secs(3_600),
    Duration::from_secs(6 * 3_600),
    Duration::from_secs(24 * 3_600),
    Duration::from_secs(72 * 3_600),
    Duration::from_secs(7 * 86_400),
    Duration::from_secs(30 * 86_400),
];

/// When reading number `stage` (0-based) of a delivery published at `at` is
/// due; `None` once all are done.
pub fn collect_due(published_at: Timestamp, stage: usize) -> Option<Timestamp> {
    COLLECT_AFTER.get(stage).map(|d| published_at.plus(*d))
}

/// The stage a reading at `now` completes: readings that were missed (the
/// server was down for a week) are not made up one by one.
pub fn stage_after(published_at: Timestamp, now: Timestamp) -> usize {
    COLLECT_AFTER
        .iter()
        .take_while(|d| published_at.plus(**d) <= now)
        .count()
        .max(1)
}

// ---------------------------------------------------------------------------
// Days and ranges
// ---------------------------------------------------------------------------

/// A calendar day as a number (days since 1970-01-01), in the organisation's
/// zone. Rollups are keyed by it.
pub fn day_number(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days() as i32
}

pub fn day_date(n: i32) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch + chrono::Duration::days(i64::from(n))
}

/// The local day, weekday (0 = Monday) and hour of a moment in `tz`.
pub fn local_slot(at: Timestamp, tz: Tz) -> (i32, u8, u8) {
    let local = at.to_utc().with_timezone(&tz);
    (
        day_number(local.date_naive()),
        local.weekday().num_days_from_monday() as u8,
        local.hour() as u8,
    )
}

/// The moment a local day starts in `tz`.
pub fn day_start(day: i32, tz: Tz) -> Timestamp {
    let d = day_date(day);
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map(|t| Timestamp::from_utc(t.with_timezone(&chrono::Utc)))
        .unwrap_or(Timestamp(i64::from(day) * 86_400_000))
}

/// An inclusive range of local days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayRange {
    pub from: i32,
    pub to: i32,
}

/// The longest range a page will add up (three years and a bit).
pub const MAX_RANGE_DAYS: i32 = 1_100;

impl DayRange {
    /// The last `days` days up to and including `today`.
    pub fn last(today: i32, days: i32) -> DayRange {
        DayRange {
            from: today - days.max(1) + 1,
            to: today,
        }
    }

    /// A range typed by a person (YYYY-MM-DD). Errors are message keys.
    pub fn parse(from: &str, to: &str) -> Result<DayRange, &'static str> {
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() || to.is_empty() {
            return Err("an-err-range-empty");
        }
        let p = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d");
        let (Ok(f), Ok(t)) = (p(from), p(to)) else {
            return Err("an-err-range-format");
        };
        let r = DayRange {
            from: day_number(f),
            to: day_number(t),
        };
        if r.to < r.from {
            return Err("an-err-range-reversed");
        }
        if r.days() > MAX_RANGE_DAYS {
            return Err("an-err-range-long");
        }
        Ok(r)
    }

    pub fn days(&self) -> i32 {
        self.to - self.from + 1
    }

    /// The range of the same length just before this one.
    pub fn previous(&self) -> DayRange {
        DayRange {
            from: self.from - self.days(),
            to: self.from - 1,
        }
    }

    pub fn contains(&self, day: i32) -> bool {
        (self.from..=self.to).contains(&day)
    }

    /// The calendar month holding `day`.
    pub fn month_of(day: i32) -> DayRange {
        let d = day_date(day);
        let first = d.with_day(1).unwrap_or(d);
        let next = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        }
        .unwrap_or(first);
        DayRange {
            from: day_number(first),
            to: day_number(next) - 1,
        }
    }

    pub fn label(&self) -> String {
        let f = |n: i32| day_date(n).format("%Y-%m-%d").to_string();
        format!("{} – {}", f(self.from), f(self.to))
    }
}

/// A change between two periods, as a fraction of the earlier value.
/// `None` when either is missing or the earlier one is zero.
pub fn change(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    match (now, before) {
        (Some(n), Some(b)) if b != 0.0 => Some((n - b) / b.abs()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Best time to post
// ---------------------------------------------------------------------------

/// One weekday × hour cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HeatCell {
    pub posts: i64,
    pub engagements: i64,
    pub base: i64,
}

impl HeatCell {
    pub fn rate(&self) -> Option<f64> {
        rate(Some(self.engagements), Some(self.base))
    }
}

/// Weekday (0 = Monday) × hour, in the organisation's zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Heatmap {
    pub cells: [[HeatCell; 24]; 7],
}

/// Fewer posts than this in a cell say nothing about the cell.
pub const MIN_POSTS_PER_SLOT: i64 = 3;

impl Heatmap {
    pub fn add(&mut self, weekday: u8, hour: u8, c: HeatCell) {
        if let Some(cell) = self
            .cells
            .get_mut(usize::from(weekday))
            .and_then(|r| r.get_mut(usize::from(hour)))
        {
            cell.posts += c.posts;
            cell.engagements += c.engagements;
            cell.base += c.base;
        }
    }

    pub fn posts(&self) -> i64 {
        self.cells.iter().flatten().map(|c| c.posts).sum()
    }

    /// The best slots (weekday, hour, rate), best first, among cells with
    /// enough posts to mean something.
    pub fn best(&self, n: usize) -> Vec<(u8, u8, f64)> {
        let mut all: Vec<(u8, u8, f64)> = Vec::new();
        for (d, row) in self.cells.iter().enumerate() {
            for (h, c) in row.iter().enumerate() {
                if c.posts >= MIN_POSTS_PER_SLOT
                    && let Some(r) = c.rate()
                {
                    all.push((d as u8, h as u8, r));
                }
            }
        }
        all.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        all.truncate(n);
        all
    }

    /// The shade (0–4) of each cell: quintiles of the rated cells; cells
    /// with too few posts have none.
    pub fn levels(&self) -> [[Option<u8>; 24]; 7] {
        let mut rates: Vec<f64> = self
            .cells
            .iter()
            .flatten()
            .filter(|c| c.posts >= MIN_POSTS_PER_SLOT)
            .filter_map(|c| c.rate())
            .collect();
        rates.sort_by(f64::total_cmp);
        let mut out = [[None; 24]; 7];
        if rates.is_empty() {
            return out;
        }
        for (d, row) in self.cells.iter().enumerate() {
            for (h, c) in row.iter().enumerate() {
                if c.posts < MIN_POSTS_PER_SLOT {
                    continue;
                }
                if let Some(r) = c.rate() {
                    let below = rates.partition_point(|x| *x < r);
                    let level = (below * 5 / rates.len()).min(4);
                    out[d][h] = Some(level as u8);
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Audience
// ---------------------------------------------------------------------------

/// The breakdowns a platform may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Breakdown {
    Age,
    Gender,
    City,
}

impl Breakdown {
    pub const ALL: [Breakdown; 3] = [Breakdown::Age, Breakdown::Gender, Breakdown::City];
    pub fn as_str(self) -> &'static str {
        match self {
            Breakdown::Age => "age",
            Breakdown::Gender => "gender",
            Breakdown::City => "city",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// Age bands as Siar shows them, whatever the platform's spelling
/// (Instagram "18-24", YouTube "age18-24", "age65-").
pub fn normalise_age(raw: &str) -> Option<&'static str> {
    let s = raw.trim().trim_start_matches("age");
    let band = match s {
        "13-17" => "13-17",
        "18-24" => "18-24",
        "25-34" => "25-34",
        "35-44" => "35-44",
        "45-54" => "45-54",
        "55-64" => "55-64",
        "65+" | "65-" => "65+",
        _ => return None,
    };
    Some(band)
}

/// Gender as Siar shows it: Instagram "F"/"M"/"U", YouTube "female"/"male"/
/// "user_specified".
pub fn normalise_gender(raw: &str) -> &'static str {
    match raw.trim().to_ascii_lowercase().as_str() {
        "f" | "female" => "female",
        "m" | "male" => "male",
        _ => "other",
    }
}

/// One bucket of a breakdown: its share of the audience, 0–1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub label: String,
    pub share: f64,
}

/// Turns counts or percentages into shares that sum to 1, largest first.
pub fn shares(raw: &[(String, f64)]) -> Vec<Bucket> {
    let total: f64 = raw.iter().map(|(_, v)| v.max(0.0)).sum();
    if total <= 0.0 {
        return vec![];
    }
    let mut merged: Vec<Bucket> = Vec::new();
    for (label, v) in raw {
        match merged.iter_mut().find(|b| &b.label == label) {
            Some(b) => b.share += v.max(0.0) / total,
            None => merged.push(Bucket {
                label: label.clone(),
                share: v.max(0.0) / total,
            }),
        }
    }
    merged.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.label.cmp(&b.label)));
    merged
}

/// A plain-language hint about an audience: a message key and its values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hint {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

fn pct(x: f64) -> String {
    format!("{:.0}", x * 100.0)
}

/// Hints for a library from its audience: who the followers mostly are and
/// what content suits them. `home_city` is the library's own city.
pub fn audience_hints(
    age: &[Bucket],
    gender: &[Bucket],
    city: &[Bucket],
    home_city: &str,
) -> Vec<Hint> {
    let mut out = Vec::new();
    let share_of = |labels: &[&str]| -> f64 {
        age.iter()
            .filter(|b| labels.contains(&b.label.as_str()))
            .map(|b| b.share)
            .sum()
    };
    if !age.is_empty() {
        let groups: [(&[&str], &'static str); 4] = [
            (&["13-17"], "an-hint-teens"),
            (&["18-24"], "an-hint-students"),
            (&["25-34", "35-44"], "an-hint-parents"),
            (&["45-54", "55-64", "65+"], "an-hint-elders"),
        ];
        let best = groups
            .iter()
            .map(|(labels, key)| (share_of(labels), *key, labels))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((share, key, labels)) = best
            && share >= 0.35
        {
            let band = match labels.len() {
                1 => labels[0].to_string(),
                _ => format!(
                    "{}–{}",
                    labels[0].split('-').next().unwrap_or(""),
                    labels[labels.len() - 1]
                        .rsplit('-')
                        .next()
                        .unwrap_or("")
                        .trim_end_matches('+')
                ),
            };
            out.push(Hint {
                key,
                args: vec![("share", pct(share)), ("band", band)],
            });
        }
        let young = share_of(&["13-17"]);
        if young < 0.05 {
            out.push(Hint {
                key: "an-hint-few-teens",
                args: vec![("share", pct(young))],
            });
        }
    }
    if let Some(top) = gender.first()
        && top.share >= 0.65
        && top.label != "other"
    {
        out.push(Hint {
            key: if top.label == "female" {
                "an-hint-mostly-women"
            } else {
                "an-hint-mostly-men"
            },
            args: vec![("share", pct(top.share))],
        });
    }
    if !city.is_empty() {
        let home = fold_city(home_city);
        let local: f64 = city
            .iter()
            .filter(|b| !home.is_empty() && fold_city(&b.label).contains(&home))
            .map(|b| b.share)
            .sum();
        if home.is_empty() {
        } else if local >= 0.5 {
            out.push(Hint {
                key: "an-hint-local",
                args: vec![("share", pct(local)), ("city", home_city.to_string())],
            });
        } else {
            out.push(Hint {
                key: "an-hint-far",
                args: vec![("share", pct(local)), ("city", home_city.to_string())],
            });
        }
    }
    out
}

fn fold_city(s: &str) -> String {
    s.split(',')
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase()
        .trim_start_matches("kota ")
        .to_string()
}

// ---------------------------------------------------------------------------
// Recommendations
// ---------------------------------------------------------------------------

/// What the data says, in the order a head of library would act on it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings {
    /// Content categories: (category key, posts, engagements per post).
    pub categories: Vec<(String, i64, Option<f64>)>,
    /// Best slots: (weekday, hour, rate).
    pub best_slots: Vec<(u8, u8, f64)>,
    /// Hashtags: (tag, posts, engagements per post).
    pub hashtags: Vec<(String, i64, Option<f64>)>,
    /// Followers now and a period ago (all channels that report them).
    pub followers: (Option<i64>, Option<i64>),
    /// Engagement rate now and a period ago.
    pub rate: (Option<f64>, Option<f64>),
    pub posts: (i64, i64),
    /// Channels without a post in the period (names).
    pub quiet_channels: Vec<String>,
    /// Median first response in minutes, and its target.
    pub first_response: Option<(f64, f64)>,
    /// Link clicks in the period.
    pub link_clicks: (i64, i64),
}

/// A recommendation: a message key with its values.
pub type Advice = Hint;

/// Recommendations derived from the figures; each one says which figure it
/// rests on. Never more than eight.
pub fn recommend(f: &Findings) -> Vec<Advice> {
    let mut out = Vec::new();
    let rated: Vec<&(String, i64, Option<f64>)> = f
        .categories
        .iter()
        .filter(|c| c.1 >= 2 && c.2.is_some())
        .collect();
    if rated.len() >= 2 {
        let best = rated
            .iter()
            .max_by(|a, b| a.2.unwrap_or(0.0).total_cmp(&b.2.unwrap_or(0.0)));
        let worst = rated
            .iter()
            .min_by(|a, b| a.2.unwrap_or(0.0).total_cmp(&b.2.unwrap_or(0.0)));
        if let (Some(b), Some(w)) = (best, worst)
            && b.0 != w.0
        {
            out.push(Advice {
                key: "an-rec-more-category",
                args: vec![
                    ("category", b.0.clone()),
                    ("per", format!("{:.1}", b.2.unwrap_or(0.0))),
                    ("worst", w.0.clone()),
                    ("worstper", format!("{:.1}", w.2.unwrap_or(0.0))),
                ],
            });
        }
    }
    let used: Vec<&String> = f
        .categories
        .iter()
        .filter(|c| c.1 > 0)
        .map(|c| &c.0)
        .collect();
    if !f.categories.is_empty() && used.len() <= 2 && f.posts.0 >= 4 {
        out.push(Advice {
            key: "an-rec-vary",
            args: vec![("n", used.len().to_string())],
        });
    }
    if let Some((d, h, r)) = f.best_slots.first() {
        out.push(Advice {
            key: "an-rec-slot",
            args: vec![
                ("weekday", d.to_string()),
                ("hour", format!("{h:02}.00")),
                ("rate", format!("{:.1}", r * 100.0)),
            ],
        });
    }
    if let Some(t) = f
        .hashtags
        .iter()
        .filter(|t| t.1 >= 2)
        .max_by(|a, b| a.2.unwrap_or(0.0).total_cmp(&b.2.unwrap_or(0.0)))
    {
        out.push(Advice {
            key: "an-rec-hashtag",
            args: vec![
                ("tag", t.0.clone()),
                ("per", format!("{:.1}", t.2.unwrap_or(0.0))),
            ],
        });
    }
    match change(f.rate.0, f.rate.1) {
        Some(c) if c <= -0.15 => out.push(Advice {
            key: "an-rec-rate-down",
            args: vec![("pct", format!("{:.0}", -c * 100.0))],
        }),
        Some(c) if c >= 0.15 => out.push(Advice {
            key: "an-rec-rate-up",
            args: vec![("pct", format!("{:.0}", c * 100.0))],
        }),
        _ => {}
    }
    if let (Some(now), Some(before)) = f.followers
        && now < before
    {
        out.push(Advice {
            key: "an-rec-followers-down",
            args: vec![("n", (before - now).to_string())],
        });
    }
    if f.posts.0 < f.posts.1 / 2 && f.posts.1 >= 4 {
        out.push(Advice {
            key: "an-rec-post-more",
            args: vec![
                ("now", f.posts.0.to_string()),
                ("before", f.posts.1.to_string()),
            ],
        });
    }
    if !f.quiet_channels.is_empty() {
        out.push(Advice {
            key: "an-rec-quiet",
            args: vec![("channels", f.quiet_channels.join(", "))],
        });
    }
    if let Some((median, target)) = f.first_response
        && median > target
    {
        out.push(Advice {
            key: "an-rec-answer-faster",
            args: vec![
                ("median", format!("{median:.0}")),
                ("target", format!("{target:.0}")),
            ],
        });
    }
    if f.link_clicks.0 == 0 && f.posts.0 > 0 {
        out.push(Advice {
            key: "an-rec-links",
            args: vec![],
        });
    }
    if out.is_empty() {
        out.push(Advice {
            key: if f.posts.0 == 0 {
                "an-rec-no-data"
            } else {
                "an-rec-steady"
            },
            args: vec![],
        });
    }
    out.truncate(8);
    out
}

/// Every message key this module hands to the web layer.
pub const ANALYTICS_KEYS: &[&str] = &[
    "an-m-views",
    "an-m-reach",
    "an-m-likes",
    "an-m-comments",
    "an-m-shares",
    "an-m-saves",
    "an-m-clicks",
    "an-h-views",
    "an-h-reach",
    "an-h-likes",
    "an-h-comments",
    "an-h-shares",
    "an-h-saves",
    "an-h-clicks",
    "an-err-range-empty",
    "an-err-range-format",
    "an-err-range-reversed",
    "an-err-range-long",
    "an-hint-teens",
    "an-hint-students",
    "an-hint-parents",
    "an-hint-elders",
    "an-hint-few-teens",
    "an-hint-mostly-women",
    "an-hint-mostly-men",
    "an-hint-local",
    "an-hint-far",
    "an-rec-more-category",
    "an-rec-vary",
    "an-rec-slot",
    "an-rec-hashtag",
    "an-rec-rate-down",
    "an-rec-rate-up",
    "an-rec-followers-down",
    "an-rec-post-more",
    "an-rec-quiet",
    "an-rec-answer-faster",
    "an-rec-links",
    "an-rec-no-data",
    "an-rec-steady",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn m(
        views: Option<i64>,
        reach: Option<i64>,
        likes: Option<i64>,
        comments: Option<i64>,
    ) -> PostMetrics {
        PostMetrics {
            views,
            reach,
            likes,
            comments,
            ..PostMetrics::default()
        }
    }

    #[test]
    fn engagements_add_only_what_is_known() {
        assert_eq!(PostMetrics::default().engagements(), None);
        let p = m(Some(100), None, Some(4), None);
        assert_eq!(p.engagements(), Some(4));
        let p = PostMetrics {
            likes: Some(4),
            comments: Some(2),
            shares: Some(1),
            saves: Some(3),
            clicks: Some(50),
            ..PostMetrics::default()
        };
        // Clicks are counted apart: not every platform gives them.
        assert_eq!(p.engagements(), Some(10));
    }

    #[test]
    fn rate_rests_on_reach_then_views_then_followers() {
        let p = m(Some(200), Some(100), Some(5), Some(5));
        assert_eq!(p.base(Some(1000)), Some((100, RateBasis::Reach)));
        let p = m(Some(200), None, Some(5), Some(5));
        assert_eq!(p.base(Some(1000)), Some((200, RateBasis::Views)));
        let p = m(None, None, Some(5), Some(5));
        assert_eq!(p.base(Some(1000)), Some((1000, RateBasis::Followers)));
        assert_eq!(p.base(None), None);
        // A zero reach is no base: it would divide by zero.
        let p = m(Some(0), Some(0), Some(1), None);
        assert_eq!(p.base(None), None);
        assert_eq!(rate(Some(10), Some(200)), Some(0.05));
        assert_eq!(rate(None, Some(200)), None);
        assert_eq!(rate(Some(3), Some(0)), None);
    }

    #[test]
    fn a_later_reading_never_erases_an_earlier_value() {
        let first = PostMetrics {
            clicks: Some(7),
            likes: Some(3),
            ..PostMetrics::default()
        };
        let later = PostMetrics {
            likes: Some(9),
            ..PostMetrics::default()
        };
        let both = first.newer(&later);
        assert_eq!(both.likes, Some(9));
        assert_eq!(both.clicks, Some(7));
        let mut neg = PostMetrics::default();
        neg.set(Metric::Views, Some(-5));
        assert_eq!(neg.views, Some(0));
    }

    #[test]
    fn totals_keep_missing_apart_from_zero() {
        let mut t = Totals::default();
        t.add(&Totals::of_post(&m(None, None, Some(3), None), None));
        t.add(&Totals::of_post(
            &m(Some(50), None, Some(0), Some(1)),
            Some(50),
        ));
        assert_eq!(t.posts, 2);
        assert_eq!(t.views.value(), Some(50));
        assert_eq!(t.views.n, 1);
        assert_eq!(t.reach.value(), None, "nobody gave reach: missing, not 0");
        assert_eq!(t.engagements.value(), Some(4));
        // Only the post with a base counts in the rate.
        assert_eq!(t.rate(), Some(1.0 / 50.0));
        assert_eq!(t.per_post(), Some(2.0));
    }

    #[test]
    fn changes_replay_to_the_same_totals() {
        let a1 = m(Some(10), None, Some(1), None);
        let a2 = m(Some(40), Some(30), Some(3), Some(2));
        let b1 = m(None, None, Some(5), None);
        let mut t = Totals::default();
        t.add(&Totals::change(None, (&a1, Some(10))));
        t.add(&Totals::change(None, (&b1, Some(100))));
        t.add(&Totals::change(Some((&a1, Some(10))), (&a2, Some(30))));
        let mut direct = Totals::of_post(&a2, Some(30));
        direct.add(&Totals::of_post(&b1, Some(100)));
        assert_eq!(t, direct);
        // Replaying the same reading changes nothing.
        assert!(Totals::change(Some((&a2, Some(30))), (&a2, Some(30))).is_zero());
    }

    #[test]
    fn collection_stages_follow_the_schedule() {
        let p = Timestamp(1_000_000_000_000);
        assert_eq!(collect_due(p, 0), Some(p.plus(Duration::from_secs(3600))));
        assert_eq!(
            collect_due(p, 5),
            Some(p.plus(Duration::from_secs(30 * 86_400)))
        );
        assert_eq!(collect_due(p, 6), None);
        assert_eq!(stage_after(p, p.plus(Duration::from_secs(3600))), 1);
        assert_eq!(stage_after(p, p.plus(Duration::from_secs(7 * 3600))), 2);
        // A week of downtime: the missed readings are one reading.
        assert_eq!(stage_after(p, p.plus(Duration::from_secs(8 * 86_400))), 5);
        assert_eq!(stage_after(p, p.plus(Duration::from_secs(90 * 86_400))), 6);
    }

    #[test]
    fn ranges_are_checked_and_compared() {
        assert_eq!(DayRange::parse("", "2026-11-01"), Err("an-err-range-empty"));
        assert_eq!(
            DayRange::parse("2026-13-01", "2026-11-01"),
            Err("an-err-range-format")
        );
        assert_eq!(
            DayRange::parse("2026-11-10", "2026-11-01"),
            Err("an-err-range-reversed")
        );
        assert_eq!(
            DayRange::parse("2020-01-01", "2026-11-01"),
            Err("an-err-range-long")
        );
        let r = DayRange::parse("2026-11-01", "2026-11-07").unwrap();
        assert_eq!(r.days(), 7);
        let p = r.previous();
        assert_eq!(p.days(), 7);
        assert_eq!(p.to + 1, r.from);
        assert_eq!(day_date(p.from).to_string(), "2026-10-25");
        let single = DayRange::parse("2026-11-01", "2026-11-01").unwrap();
        assert_eq!(single.days(), 1);
        let last = DayRange::last(r.to, 28);
        assert_eq!(last.days(), 28);
        assert_eq!(last.to, r.to);
        let feb = DayRange::month_of(day_number(NaiveDate::from_ymd_opt(2028, 2, 14).unwrap()));
        assert_eq!(feb.days(), 29);
        let dec = DayRange::month_of(day_number(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()));
        assert_eq!(dec.days(), 31);
        assert_eq!(change(Some(120.0), Some(100.0)), Some(0.2));
        assert_eq!(change(Some(120.0), Some(0.0)), None);
        assert_eq!(change(None, Some(3.0)), None);
    }

    #[test]
    fn local_slots_use_the_organisations_zone() {
        // 2026-11-30 01:30 UTC is Monday 08:30 in Palembang (WIB, UTC+7).
        let at = Timestamp::from_utc(
            chrono::DateTime::parse_from_rfc3339("2026-11-30T01:30:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
        );
        let (day, wd, h) = local_slot(at, chrono_tz::Asia::Jakarta);
        assert_eq!(day_date(day).to_string(), "2026-11-30");
        assert_eq!((wd, h), (0, 8));
        // 20:00 UTC Sunday is already Monday 03:00 in WIB.
        let at = Timestamp::from_utc(
            chrono::DateTime::parse_from_rfc3339("2026-11-29T20:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
        );
        let (day, wd, h) = local_slot(at, chrono_tz::Asia::Jakarta);
        assert_eq!(day_date(day).to_string(), "2026-11-30");
        assert_eq!((wd, h), (0, 3));
        assert_eq!(
            day_start(day, chrono_tz::Asia::Jakarta).rfc3339(),
            "2026-11-29T17:00:00Z"
        );
    }

    #[test]
    fn best_slots_need_enough_posts() {
        let mut h = Heatmap::default();
        // One lucky post on Sunday night says little.
        h.add(
            6,
            22,
            HeatCell {
                posts: 1,
                engagements: 90,
                base: 100,
            },
        );
        h.add(
            1,
            9,
            HeatCell {
                posts: 5,
                engagements: 30,
                base: 500,
            },
        );
        h.add(
            3,
            19,
            HeatCell {
                posts: 4,
                engagements: 40,
                base: 400,
            },
        );
        h.add(
            4,
            12,
            HeatCell {
                posts: 3,
                engagements: 6,
                base: 300,
            },
        );
        let best = h.best(2);
        assert_eq!(best.len(), 2);
        assert_eq!((best[0].0, best[0].1), (3, 19));
        assert_eq!((best[1].0, best[1].1), (1, 9));
        let lv = h.levels();
        assert_eq!(lv[6][22], None);
        assert_eq!(lv[3][19], Some(3));
        assert_eq!(lv[4][12], Some(0));
        assert_eq!(h.posts(), 13);
        // Out-of-range cells are ignored, not a panic.
        h.add(
            9,
            40,
            HeatCell {
                posts: 1,
                engagements: 1,
                base: 1,
            },
        );
        assert_eq!(h.posts(), 13);
    }

    #[test]
    fn audience_is_normalised_and_explained() {
        assert_eq!(normalise_age("age18-24"), Some("18-24"));
        assert_eq!(normalise_age("age65-"), Some("65+"));
        assert_eq!(normalise_age("65+"), Some("65+"));
        assert_eq!(normalise_age("5-9"), None);
        assert_eq!(normalise_gender("F"), "female");
        assert_eq!(normalise_gender("user_specified"), "other");
        let age = shares(&[
            ("18-24".into(), 10.0),
            ("25-34".into(), 40.0),
            ("35-44".into(), 30.0),
            ("13-17".into(), 2.0),
            ("45-54".into(), 18.0),
        ]);
        assert_eq!(age[0].label, "25-34");
        assert!((age.iter().map(|b| b.share).sum::<f64>() - 1.0).abs() < 1e-9);
        let gender = shares(&[("female".into(), 70.0), ("male".into(), 30.0)]);
        let city = shares(&[
            ("Palembang, Sumatera Selatan".into(), 60.0),
            ("Jakarta".into(), 40.0),
        ]);
        let hints = audience_hints(&age, &gender, &city, "Kota Palembang");
        let keys: Vec<&str> = hints.iter().map(|h| h.key).collect();
        assert_eq!(
            keys,
            [
                "an-hint-parents",
                "an-hint-few-teens",
                "an-hint-mostly-women",
                "an-hint-local"
            ]
        );
        assert_eq!(
            hints[0].args,
            vec![("share", "70".into()), ("band", "25–44".into())]
        );
        assert!(audience_hints(&[], &[], &[], "Palembang").is_empty());
        assert!(shares(&[("x".into(), 0.0)]).is_empty());
    }

    #[test]
    fn recommendations_rest_on_the_figures() {
        let f = Findings {
            categories: vec![
                ("video-edukasi".into(), 6, Some(42.0)),
                ("pengumuman".into(), 8, Some(6.5)),
                ("artikel".into(), 1, Some(90.0)),
            ],
            best_slots: vec![(2, 19, 0.061)],
            hashtags: vec![
                ("#PalembangBaca".into(), 5, Some(30.0)),
                ("#Sekali".into(), 1, Some(99.0)),
            ],
            followers: (Some(900), Some(950)),
            rate: (Some(0.02), Some(0.03)),
            posts: (15, 14),
            quiet_channels: vec!["YouTube".into()],
            first_response: Some((95.0, 60.0)),
            link_clicks: (0, 3),
        };
        let r = recommend(&f);
        let keys: Vec<&str> = r.iter().map(|a| a.key).collect();
        assert_eq!(
            keys,
            [
                "an-rec-more-category",
                "an-rec-slot",
                "an-rec-hashtag",
                "an-rec-rate-down",
                "an-rec-followers-down",
                "an-rec-quiet",
                "an-rec-answer-faster",
                "an-rec-links"
            ]
        );
        // A category with one post is not a trend.
        assert_eq!(r[0].args[0], ("category", "video-edukasi".into()));
        assert_eq!(r[2].args[0], ("tag", "#PalembangBaca".into()));
        assert_eq!(recommend(&Findings::default())[0].key, "an-rec-no-data");
    }
}
