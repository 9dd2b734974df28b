//! Analytics storage: readings of posts' numbers, the latest numbers per
//! delivery with their collection plan, daily rollups kept in step with every
//! reading, channels' daily numbers, audiences and monthly reports.
//!
//! Pages read the rollups (a few hundred rows for a quarter) rather than the
//! readings, so they stay fast as years of readings pile up. A reading changes
//! the rollups by the difference it makes, in the same transaction;
//! [`rebuild`] recomputes them from the latest numbers.

use crate::db::{StoreError, Tx};
use sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use siar_domain::Timestamp;
use siar_domain::analytics::{DayRange, HeatCell, Known, PostMetrics, RateBasis, Totals};
use siar_domain::org::{OrgId, UserId};

const METRIC_COLS: [&str; 7] = [
    "views", "reach", "likes", "comments", "shares", "saves", "clicks",
];

/// A published delivery whose numbers Siar reads, with its latest numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    pub delivery_id: i64,
    pub org_id: OrgId,
    pub channel_id: i64,
    pub post_id: i64,
    pub published_at: Timestamp,
    pub day: i32,
    pub weekday: u8,
    pub hour: u8,
    pub category: String,
    pub stage: i32,
    pub next_at: Option<Timestamp>,
    pub taken_at: Option<Timestamp>,
    pub latest: PostMetrics,
    pub base: Option<(i64, RateBasis)>,
    pub note: Option<String>,
    /// The post's id on the platform.
    pub remote_id: String,
}

#[derive(sqlx::FromRow)]
struct TrackedRow {
    delivery_id: i64,
    org_id: i64,
    channel_id: i64,
    post_id: i64,
    published_at: i64,
    day: i32,
    weekday: i32,
    hour: i32,
    category: String,
    stage: i32,
    next_at: Option<i64>,
    taken_at: Option<i64>,
    views: Option<i64>,
    reach: Option<i64>,
    likes: Option<i64>,
    comments: Option<i64>,
    shares: Option<i64>,
    saves: Option<i64>,
    clicks: Option<i64>,
    base: Option<i64>,
    basis: Option<String>,
    note: Option<String>,
    remote_id: Option<String>,
}

impl From<TrackedRow> for Tracked {
    fn from(r: TrackedRow) -> Self {
        Tracked {
            delivery_id: r.delivery_id,
            org_id: OrgId(r.org_id),
            channel_id: r.channel_id,
            post_id: r.post_id,
            published_at: Timestamp(r.published_at),
            day: r.day,
            weekday: r.weekday.clamp(0, 6) as u8,
            hour: r.hour.clamp(0, 23) as u8,
            category: r.category,
            stage: r.stage,
            next_at: r.next_at.map(Timestamp),
            taken_at: r.taken_at.map(Timestamp),
            latest: PostMetrics {
                views: r.views,
                reach: r.reach,
                likes: r.likes,
                comments: r.comments,
                shares: r.shares,
                saves: r.saves,
                clicks: r.clicks,
            },
            base: r.base.zip(r.basis.as_deref().and_then(RateBasis::parse)),
            note: r.note,
            remote_id: r.remote_id.unwrap_or_default(),
        }
    }
}

fn tracked_select() -> SelectStatement {
    let mut q = Query::select();
    q.from("delivery_metrics");
    for c in [
        "delivery_id",
        "org_id",
        "channel_id",
        "post_id",
        "published_at",
        "day",
        "weekday",
        "hour",
        "category",
        "stage",
        "next_at",
        "taken_at",
        "base",
        "basis",
        "note",
    ]
    .into_iter()
    .chain(METRIC_COLS)
    {
        q.expr_as(Expr::col(("delivery_metrics", c)), c);
    }
    q.expr_as(Expr::col(("deliveries", "remote_id")), "remote_id");
    q.inner_join(
        "deliveries",
        Expr::col(("deliveries", "id")).equals(("delivery_metrics", "delivery_id")),
    );
    q
}

/// A published delivery not yet tracked.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Untracked {
    pub delivery_id: i64,
    pub org_id: i64,
    pub channel_id: i64,
    pub post_id: i64,
    pub published_at: i64,
    pub category: Option<String>,
}

/// Published deliveries (published at or after `since`) whose numbers are not
/// read yet.
pub async fn untracked(
    tx: &mut Tx,
    since: Timestamp,
    limit: u64,
) -> Result<Vec<Untracked>, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(("deliveries", "id")), "delivery_id")
        .expr_as(Expr::col(("deliveries", "org_id")), "org_id")
        .expr_as(Expr::col(("deliveries", "channel_id")), "channel_id")
        .expr_as(Expr::col(("deliveries", "post_id")), "post_id")
        .expr_as(Expr::col(("deliveries", "published_at")), "published_at")
        .expr_as(Expr::col(("posts", "category")), "category")
        .from("deliveries")
        .inner_join(
            "posts",
            Expr::col(("posts", "id")).equals(("deliveries", "post_id")),
        )
        .left_join(
            "delivery_metrics",
            Expr::col(("delivery_metrics", "delivery_id")).equals(("deliveries", "id")),
        )
        .and_where(Expr::col(("deliveries", "published_at")).gte(since.0))
        .and_where(Expr::col(("deliveries", "state")).eq("published"))
        .and_where(Expr::col(("delivery_metrics", "delivery_id")).is_null())
        .order_by(("deliveries", "published_at"), Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// What starts the tracking of a delivery.
#[derive(Debug, Clone)]
pub struct NewTracked {
    pub delivery_id: i64,
    pub org_id: OrgId,
    pub channel_id: i64,
    pub post_id: i64,
    pub published_at: Timestamp,
    pub day: i32,
    pub weekday: u8,
    pub hour: u8,
    pub category: String,
    pub next_at: Timestamp,
}

/// Starts tracking a delivery (once: a second call changes nothing).
pub async fn track(tx: &mut Tx, t: &NewTracked) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table("delivery_metrics")
        .columns([
            "delivery_id",
            "org_id",
            "channel_id",
            "post_id",
            "published_at",
            "day",
            "weekday",
            "hour",
            "category",
            "stage",
            "next_at",
        ])
        .values_panic([
            t.delivery_id.into(),
            t.org_id.0.into(),
            t.channel_id.into(),
            t.post_id.into(),
            t.published_at.0.into(),
            t.day.into(),
            i32::from(t.weekday).into(),
            i32::from(t.hour).into(),
            t.category.clone().into(),
            0i32.into(),
            t.next_at.0.into(),
        ])
        .on_conflict(OnConflict::column("delivery_id").do_nothing().to_owned())
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Deliveries whose next reading is due, oldest due first.
pub async fn due(tx: &mut Tx, now: Timestamp, limit: u64) -> Result<Vec<Tracked>, StoreError> {
    let q = tracked_select()
        .and_where(Expr::col(("delivery_metrics", "next_at")).lte(now.0))
        .order_by(("delivery_metrics", "next_at"), Order::Asc)
        .limit(limit)
        .to_owned();
    let rows: Vec<TrackedRow> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(Tracked::from).collect())
}

/// The tracked deliveries of a post (one per channel).
pub async fn of_post(tx: &mut Tx, org: OrgId, post: i64) -> Result<Vec<Tracked>, StoreError> {
    let q = tracked_select()
        .and_where(Expr::col(("delivery_metrics", "org_id")).eq(org.0))
        .and_where(Expr::col(("delivery_metrics", "post_id")).eq(post))
        .order_by(("delivery_metrics", "channel_id"), Order::Asc)
        .to_owned();
    let rows: Vec<TrackedRow> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(Tracked::from).collect())
}

/// A reading of one delivery.
#[derive(Debug, Clone)]
pub struct Reading {
    pub metrics: PostMetrics,
    /// The base of the engagement rate after this reading.
    pub base: Option<(i64, RateBasis)>,
    pub note: Option<String>,
    pub stage: i32,
    pub next_at: Option<Timestamp>,
}

/// Stores a reading: the raw snapshot (when the platform gave anything), the
/// latest numbers, the next due time, and the change to every rollup.
pub async fn record(
    tx: &mut Tx,
    t: &Tracked,
    r: &Reading,
    now: Timestamp,
) -> Result<(), StoreError> {
    if !r.metrics.is_empty() {
        let mut vals: Vec<Expr> = vec![t.org_id.0.into(), t.delivery_id.into(), now.0.into()];
        for m in siar_domain::analytics::Metric::ALL {
            vals.push(r.metrics.get(m).into());
        }
        let q = Query::insert()
            .into_table("metric_snapshots")
            .columns(
                ["org_id", "delivery_id", "taken_at"]
                    .into_iter()
                    .chain(METRIC_COLS),
            )
            .values_panic(vals)
            .to_owned();
        tx.exec(&q).await?;
    }
    let latest = t.latest.newer(&r.metrics);
    // The base only moves forward with the numbers: a reading without reach
    // keeps the earlier base.
    let base = r.base.or(t.base);
    let mut q = Query::update();
    q.table("delivery_metrics")
        .value("stage", r.stage)
        .value("next_at", r.next_at.map(|t| t.0))
        .value("taken_at", now.0)
        .value("base", base.map(|b| b.0))
        .value("basis", base.map(|b| b.1.as_str()))
        .value("note", r.note.clone());
    for m in siar_domain::analytics::Metric::ALL {
        q.value(m.as_str(), latest.get(m));
    }
    q.and_where(Expr::col("delivery_id").eq(t.delivery_id));
    tx.exec(&q).await?;
    let old = t.taken_at.map(|_| (&t.latest, t.base.map(|b| b.0)));
    let delta = Totals::change(old, (&latest, base.map(|b| b.0)));
    // A post is counted once, on its first reading.
    let delta = if old.is_none() {
        delta
    } else {
        Totals { posts: 0, ..delta }
    };
    apply(tx, t, &delta).await
}

/// Moves a delivery's next reading (the platform was unavailable).
pub async fn postpone(tx: &mut Tx, delivery: i64, next_at: Timestamp) -> Result<(), StoreError> {
    let q = Query::update()
        .table("delivery_metrics")
        .value("next_at", next_at.0)
        .and_where(Expr::col("delivery_id").eq(delivery))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

fn totals_values(d: &Totals) -> Vec<(&'static str, i64)> {
    let mut v = vec![("posts", d.posts)];
    for (c, m) in METRIC_COLS.iter().zip(siar_domain::analytics::Metric::ALL) {
        let k = d.metric(m);
        v.push((c, k.sum));
        v.push((n_col(c), k.n));
    }
    v.push(("eng", d.engagements.sum));
    v.push(("eng_n", d.engagements.n));
    v.push(("rated_eng", d.rated_engagements));
    v.push(("rated_base", d.rated_base));
    v
}

fn n_col(c: &str) -> &'static str {
    match c {
        "views" => "views_n",
        "reach" => "reach_n",
        "likes" => "likes_n",
        "comments" => "comments_n",
        "shares" => "shares_n",
        "saves" => "saves_n",
        _ => "clicks_n",
    }
}

/// Adds `d` to the three rollups of the tracked delivery's day.
async fn apply(tx: &mut Tx, t: &Tracked, d: &Totals) -> Result<(), StoreError> {
    if d.is_zero() {
        return Ok(());
    }
    let all = totals_values(d);
    let keys_day: [(&str, Expr); 3] = [
        ("org_id", t.org_id.0.into()),
        ("day", t.day.into()),
        ("channel_id", t.channel_id.into()),
    ];
    upsert(tx, "metric_days", &keys_day, &[], &all).await?;
    let keys_cat: [(&str, Expr); 4] = [
        ("org_id", t.org_id.0.into()),
        ("day", t.day.into()),
        ("category", t.category.clone().into()),
        ("channel_id", t.channel_id.into()),
    ];
    upsert(tx, "metric_category_days", &keys_cat, &[], &all).await?;
    upsert(tx, "metric_org_category_days", &keys_cat[..3], &[], &all).await?;
    let keys_hour: [(&str, Expr); 4] = [
        ("org_id", t.org_id.0.into()),
        ("day", t.day.into()),
        ("hour", i32::from(t.hour).into()),
        ("channel_id", t.channel_id.into()),
    ];
    let hour_vals: Vec<(&str, i64)> = all
        .iter()
        .filter(|(c, _)| matches!(*c, "posts" | "eng" | "rated_eng" | "rated_base"))
        .copied()
        .collect();
    let weekday: [(&str, Expr); 1] = [("weekday", i32::from(t.weekday).into())];
    upsert(tx, "metric_hour_days", &keys_hour, &weekday, &hour_vals).await?;
    upsert(
        tx,
        "metric_org_hour_days",
        &keys_hour[..3],
        &weekday,
        &hour_vals,
    )
    .await
}

async fn upsert(
    tx: &mut Tx,
    table: &'static str,
    keys: &[(&'static str, Expr)],
    fixed: &[(&'static str, Expr)],
    adds: &[(&'static str, i64)],
) -> Result<(), StoreError> {
    let mut cols: Vec<&str> = keys.iter().map(|k| k.0).collect();
    cols.extend(fixed.iter().map(|k| k.0));
    cols.extend(adds.iter().map(|a| a.0));
    let mut vals: Vec<Expr> = keys.iter().map(|k| k.1.clone()).collect();
    vals.extend(fixed.iter().map(|k| k.1.clone()));
    vals.extend(adds.iter().map(|a| Expr::val(a.1)));
    let mut oc = OnConflict::columns(keys.iter().map(|k| k.0).collect::<Vec<_>>());
    for (c, _) in adds {
        // Column names are ours (constants), never input.
        oc.value(*c, Expr::cust(format!("{table}.{c} + excluded.{c}")));
    }
    let q = Query::insert()
        .into_table(table)
        .columns(cols)
        .values_panic(vals)
        .on_conflict(oc)
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Recomputes an organisation's rollups from the latest numbers (repair, and
/// after a bulk load). Set-based: one statement per rollup.
pub async fn rebuild(tx: &mut Tx, org: OrgId) -> Result<(), StoreError> {
    let o = org.0;
    for t in [
        "metric_days",
        "metric_category_days",
        "metric_hour_days",
        "metric_org_category_days",
        "metric_org_hour_days",
    ] {
        tx.raw(&format!("DELETE FROM {t} WHERE org_id = {o}"))
            .await?;
    }
    let known =
        "(likes IS NOT NULL OR comments IS NOT NULL OR shares IS NOT NULL OR saves IS NOT NULL)";
    let eng =
        "(COALESCE(likes, 0) + COALESCE(comments, 0) + COALESCE(shares, 0) + COALESCE(saves, 0))";
    let mut sums = vec!["COUNT(*)".to_string()];
    for c in METRIC_COLS {
        sums.push(format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)"));
        sums.push(format!("COUNT({c})"));
    }
    sums.push(format!(
        "CAST(COALESCE(SUM(CASE WHEN {known} THEN {eng} END), 0) AS BIGINT)"
    ));
    sums.push(format!("COUNT(CASE WHEN {known} THEN 1 END)"));
    sums.push(format!(
        "CAST(COALESCE(SUM(CASE WHEN {known} AND base > 0 THEN {eng} END), 0) AS BIGINT)"
    ));
    sums.push(format!(
        "CAST(COALESCE(SUM(CASE WHEN {known} AND base > 0 THEN base END), 0) AS BIGINT)"
    ));
    let all_cols = {
        let mut v = vec!["posts".to_string()];
        for c in METRIC_COLS {
            v.push(c.to_string());
            v.push(n_col(c).to_string());
        }
        v.extend(["eng", "eng_n", "rated_eng", "rated_base"].map(String::from));
        v.join(", ")
    };
    let sums_sql = sums.join(", ");
    tx.raw(&format!(
        "INSERT INTO metric_days (org_id, day, channel_id, {all_cols}) \
         SELECT org_id, day, channel_id, {sums_sql} FROM delivery_metrics \
         WHERE org_id = {o} AND taken_at IS NOT NULL GROUP BY org_id, day, channel_id"
    ))
    .await?;
    tx.raw(&format!(
        "INSERT INTO metric_category_days (org_id, day, category, channel_id, {all_cols}) \
         SELECT org_id, day, category, channel_id, {sums_sql} FROM delivery_metrics \
         WHERE org_id = {o} AND taken_at IS NOT NULL GROUP BY org_id, day, category, channel_id"
    ))
    .await?;
    tx.raw(&format!(
        "INSERT INTO metric_hour_days (org_id, day, hour, channel_id, weekday, posts, eng, rated_eng, rated_base) \
         SELECT org_id, day, hour, channel_id, MIN(weekday), COUNT(*), \
         CAST(COALESCE(SUM(CASE WHEN {known} THEN {eng} END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN {known} AND base > 0 THEN {eng} END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN {known} AND base > 0 THEN base END), 0) AS BIGINT) \
         FROM delivery_metrics WHERE org_id = {o} AND taken_at IS NOT NULL \
         GROUP BY org_id, day, hour, channel_id"
    ))
    .await?;
    // The organisation-wide rollups from the per-channel ones (far fewer rows
    // than the latest numbers).
    let summed = all_cols
        .split(", ")
        .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
        .collect::<Vec<_>>()
        .join(", ");
    tx.raw(&format!(
        "INSERT INTO metric_org_category_days (org_id, day, category, {all_cols}) \
         SELECT org_id, day, category, {summed} FROM metric_category_days \
         WHERE org_id = {o} GROUP BY org_id, day, category"
    ))
    .await?;
    tx.raw(&format!(
        "INSERT INTO metric_org_hour_days (org_id, day, hour, weekday, posts, eng, rated_eng, rated_base) \
         SELECT org_id, day, hour, MIN(weekday), CAST(SUM(posts) AS BIGINT), \
         CAST(SUM(eng) AS BIGINT), CAST(SUM(rated_eng) AS BIGINT), CAST(SUM(rated_base) AS BIGINT) \
         FROM metric_hour_days WHERE org_id = {o} GROUP BY org_id, day, hour"
    ))
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading the rollups
// ---------------------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct TotalsRow {
    key_int: i64,
    key_text: String,
    posts: i64,
    views: i64,
    views_n: i64,
    reach: i64,
    reach_n: i64,
    likes: i64,
    likes_n: i64,
    comments: i64,
    comments_n: i64,
    shares: i64,
    shares_n: i64,
    saves: i64,
    saves_n: i64,
    clicks: i64,
    clicks_n: i64,
    eng: i64,
    eng_n: i64,
    rated_eng: i64,
    rated_base: i64,
}

impl TotalsRow {
    fn totals(&self) -> Totals {
        let k = |sum, n| Known { sum, n };
        Totals {
            posts: self.posts,
            views: k(self.views, self.views_n),
            reach: k(self.reach, self.reach_n),
            likes: k(self.likes, self.likes_n),
            comments: k(self.comments, self.comments_n),
            shares: k(self.shares, self.shares_n),
            saves: k(self.saves, self.saves_n),
            clicks: k(self.clicks, self.clicks_n),
            engagements: k(self.eng, self.eng_n),
            rated_engagements: self.rated_eng,
            rated_base: self.rated_base,
        }
    }
}

/// How rollup rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Channel,
    Day,
    Category,
}

/// Sums of the rollups over a range of publication days, grouped; optionally
/// for one channel. Per category reads its own rollup.
pub async fn totals(
    tx: &mut Tx,
    org: OrgId,
    range: DayRange,
    by: GroupBy,
    channel: Option<i64>,
) -> Result<Vec<(i64, String, Totals)>, StoreError> {
    // All channels' categories come from the organisation-wide rollup.
    let table = match (by, channel) {
        (GroupBy::Category, None) => "metric_org_category_days",
        (GroupBy::Category, Some(_)) => "metric_category_days",
        _ => "metric_days",
    };
    let mut q = Query::select();
    q.from(table);
    match by {
        GroupBy::Channel => {
            q.expr_as(Expr::col("channel_id"), "key_int")
                .expr_as(Expr::cust("''"), "key_text")
                .group_by_col("channel_id");
        }
        GroupBy::Day => {
            q.expr_as(Expr::cust("CAST(day AS BIGINT)"), "key_int")
                .expr_as(Expr::cust("''"), "key_text")
                .group_by_col("day");
        }
        GroupBy::Category => {
            q.expr_as(Expr::cust("CAST(0 AS BIGINT)"), "key_int")
                .expr_as(Expr::col("category"), "key_text")
                .group_by_col("category");
        }
    }
    let mut cols = vec!["posts"];
    for c in METRIC_COLS {
        cols.push(c);
        cols.push(n_col(c));
    }
    cols.extend(["eng", "eng_n", "rated_eng", "rated_base"]);
    for c in cols {
        q.expr_as(Expr::cust(format!("CAST(SUM({c}) AS BIGINT)")), c);
    }
    q.and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("day").gte(range.from))
        .and_where(Expr::col("day").lte(range.to));
    if let Some(ch) = channel {
        q.and_where(Expr::col("channel_id").eq(ch));
    }
    let rows: Vec<TotalsRow> = tx.fetch_all(&q).await?;
    let mut out: Vec<(i64, String, Totals)> = rows
        .iter()
        .map(|r| (r.key_int, r.key_text.clone(), r.totals()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    Ok(out)
}

/// Whether the organisation has any post numbers (one index look).
pub async fn has_numbers(tx: &mut Tx, org: OrgId) -> Result<bool, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col("channel_id"), "id")
        .from("metric_days")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("posts").gt(0))
        .limit(1)
        .to_owned();
    Ok(!tx.fetch_ids(&q).await?.is_empty())
}

#[derive(sqlx::FromRow)]
struct HeatRow {
    weekday: i32,
    hour: i32,
    posts: i64,
    eng: i64,
    rated_base: i64,
}

/// Weekday × hour sums over a range of publication days (rated posts only
/// count towards the rate).
pub async fn heat(
    tx: &mut Tx,
    org: OrgId,
    range: DayRange,
    channel: Option<i64>,
) -> Result<Vec<(u8, u8, HeatCell)>, StoreError> {
    let mut q = Query::select();
    q.from(if channel.is_some() {
        "metric_hour_days"
    } else {
        "metric_org_hour_days"
    })
    .column("weekday")
    .column("hour")
    .expr_as(Expr::cust("CAST(SUM(posts) AS BIGINT)"), "posts")
    .expr_as(Expr::cust("CAST(SUM(rated_eng) AS BIGINT)"), "eng")
    .expr_as(Expr::cust("CAST(SUM(rated_base) AS BIGINT)"), "rated_base")
    .and_where(Expr::col("org_id").eq(org.0))
    .and_where(Expr::col("day").gte(range.from))
    .and_where(Expr::col("day").lte(range.to))
    .group_by_col("weekday")
    .group_by_col("hour");
    if let Some(ch) = channel {
        q.and_where(Expr::col("channel_id").eq(ch));
    }
    let rows: Vec<HeatRow> = tx.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.weekday.clamp(0, 6) as u8,
                r.hour.clamp(0, 23) as u8,
                HeatCell {
                    posts: r.posts,
                    engagements: r.eng,
                    base: r.rated_base,
                },
            )
        })
        .collect())
}

/// A post's line in lists: its latest numbers on one channel, with its text.
#[derive(Debug, Clone, PartialEq)]
pub struct PostLine {
    pub tracked: Tracked,
    pub text: String,
    pub title: Option<String>,
    pub permalink: Option<String>,
    pub campaign_id: Option<i64>,
    pub media: String,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    #[sqlx(flatten)]
    t: TrackedRow,
    text: String,
    title: Option<String>,
    permalink: Option<String>,
    campaign_id: Option<i64>,
    media: String,
}

/// Filters for post lists.
#[derive(Debug, Clone, Default)]
pub struct LineFilter {
    pub channel: Option<i64>,
    pub category: Option<String>,
    pub campaign: Option<i64>,
}

/// Posts published in a range with their latest numbers (at most `limit`,
/// newest first).
pub async fn lines(
    tx: &mut Tx,
    org: OrgId,
    range: DayRange,
    f: &LineFilter,
    limit: u64,
) -> Result<Vec<PostLine>, StoreError> {
    let mut q = tracked_select();
    q.expr_as(Expr::col(("deliveries", "text")), "text")
        .expr_as(Expr::col(("deliveries", "title")), "title")
        .expr_as(Expr::col(("deliveries", "permalink")), "permalink")
        .expr_as(Expr::col(("deliveries", "media")), "media")
        .expr_as(Expr::col(("posts", "campaign_id")), "campaign_id")
        .inner_join(
            "posts",
            Expr::col(("posts", "id")).equals(("delivery_metrics", "post_id")),
        )
        .and_where(Expr::col(("delivery_metrics", "org_id")).eq(org.0))
        .and_where(Expr::col(("delivery_metrics", "day")).gte(range.from))
        .and_where(Expr::col(("delivery_metrics", "day")).lte(range.to))
        .and_where(Expr::col(("delivery_metrics", "taken_at")).is_not_null());
    if let Some(ch) = f.channel {
        q.and_where(Expr::col(("delivery_metrics", "channel_id")).eq(ch));
    }
    if let Some(c) = &f.category {
        q.and_where(Expr::col(("delivery_metrics", "category")).eq(c.clone()));
    }
    if let Some(c) = f.campaign {
        q.and_where(Expr::col(("posts", "campaign_id")).eq(c));
    }
    q.order_by(("delivery_metrics", "published_at"), Order::Desc)
        .limit(limit);
    let rows: Vec<LineRow> = tx.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| PostLine {
            tracked: r.t.into(),
            text: r.text,
            title: r.title,
            permalink: r.permalink,
            campaign_id: r.campaign_id,
            media: r.media,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct SnapRow {
    taken_at: i64,
    views: Option<i64>,
    reach: Option<i64>,
    likes: Option<i64>,
    comments: Option<i64>,
    shares: Option<i64>,
    saves: Option<i64>,
    clicks: Option<i64>,
}

/// Every reading of a delivery, oldest first.
pub async fn snapshots(
    tx: &mut Tx,
    org: OrgId,
    delivery: i64,
) -> Result<Vec<(Timestamp, PostMetrics)>, StoreError> {
    let q = Query::select()
        .columns(["taken_at"].into_iter().chain(METRIC_COLS))
        .from("metric_snapshots")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("delivery_id").eq(delivery))
        .order_by("taken_at", Order::Asc)
        .to_owned();
    let rows: Vec<SnapRow> = tx.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                Timestamp(r.taken_at),
                PostMetrics {
                    views: r.views,
                    reach: r.reach,
                    likes: r.likes,
                    comments: r.comments,
                    shares: r.shares,
                    saves: r.saves,
                    clicks: r.clicks,
                },
            )
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Channels' own numbers, audiences, state
// ---------------------------------------------------------------------------

/// A channel's numbers on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ChannelDay {
    pub channel_id: i64,
    pub day: i32,
    pub followers: Option<i64>,
    pub views: Option<i64>,
    pub reach: Option<i64>,
}

pub async fn set_channel_day(
    tx: &mut Tx,
    org: OrgId,
    d: &ChannelDay,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table("channel_days")
        .columns([
            "channel_id",
            "day",
            "org_id",
            "followers",
            "views",
            "reach",
            "taken_at",
        ])
        .values_panic([
            d.channel_id.into(),
            d.day.into(),
            org.0.into(),
            d.followers.into(),
            d.views.into(),
            d.reach.into(),
            now.0.into(),
        ])
        .on_conflict(
            OnConflict::columns(["channel_id", "day"])
                .update_columns(["followers", "views", "reach", "taken_at"])
                .to_owned(),
        )
        .to_owned();
    tx.exec(&q).await?;
    let q = Query::insert()
        .into_table("analytics_state")
        .columns(["channel_id", "org_id", "daily_day"])
        .values_panic([d.channel_id.into(), org.0.into(), d.day.into()])
        .on_conflict(
            OnConflict::column("channel_id")
                .update_column("daily_day")
                .to_owned(),
        )
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Channels' days in a range (and the last day before it, for the starting
/// follower count).
pub async fn channel_days(
    tx: &mut Tx,
    org: OrgId,
    from: i32,
    to: i32,
) -> Result<Vec<ChannelDay>, StoreError> {
    let q = Query::select()
        .columns(["channel_id", "day", "followers", "views", "reach"])
        .from("channel_days")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("day").gte(from))
        .and_where(Expr::col("day").lte(to))
        .order_by("day", Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// When a channel's daily numbers and audience were last read.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct State {
    pub daily_day: Option<i32>,
    pub audience_at: Option<i64>,
    pub audience_note: Option<String>,
}

pub async fn state(tx: &mut Tx, channel: i64) -> Result<State, StoreError> {
    let q = Query::select()
        .columns(["daily_day", "audience_at", "audience_note"])
        .from("analytics_state")
        .and_where(Expr::col("channel_id").eq(channel))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?.unwrap_or_default())
}

/// Replaces a channel's audience (`None`: the platform gave none, with its words).
pub async fn set_audience(
    tx: &mut Tx,
    org: OrgId,
    channel: i64,
    buckets: &[(String, String, f64)],
    note: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    if note.is_none() {
        let q = Query::delete()
            .from_table("audiences")
            .and_where(Expr::col("channel_id").eq(channel))
            .to_owned();
        tx.exec(&q).await?;
        for (breakdown, label, share) in buckets {
            let q = Query::insert()
                .into_table("audiences")
                .columns([
                    "channel_id",
                    "breakdown",
                    "label",
                    "org_id",
                    "share_bp",
                    "taken_at",
                ])
                .values_panic([
                    channel.into(),
                    breakdown.clone().into(),
                    label.clone().into(),
                    org.0.into(),
                    ((share * 10_000.0).round() as i64).into(),
                    now.0.into(),
                ])
                .on_conflict(
                    OnConflict::columns(["channel_id", "breakdown", "label"])
                        .update_column("share_bp")
                        .to_owned(),
                )
                .to_owned();
            tx.exec(&q).await?;
        }
    }
    let q = Query::insert()
        .into_table("analytics_state")
        .columns(["channel_id", "org_id", "audience_at", "audience_note"])
        .values_panic([
            channel.into(),
            org.0.into(),
            now.0.into(),
            note.map(str::to_string).into(),
        ])
        .on_conflict(
            OnConflict::column("channel_id")
                .update_columns(["audience_at", "audience_note"])
                .to_owned(),
        )
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AudienceRow {
    channel_id: i64,
    breakdown: String,
    label: String,
    share_bp: i64,
}

/// Every channel's audience: (channel, breakdown, label, share 0–1).
pub async fn audiences(
    tx: &mut Tx,
    org: OrgId,
) -> Result<Vec<(i64, String, String, f64)>, StoreError> {
    let q = Query::select()
        .columns(["channel_id", "breakdown", "label", "share_bp"])
        .from("audiences")
        .and_where(Expr::col("org_id").eq(org.0))
        .order_by("channel_id", Order::Asc)
        .order_by("breakdown", Order::Asc)
        .order_by("share_bp", Order::Desc)
        .to_owned();
    let rows: Vec<AudienceRow> = tx.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.channel_id,
                r.breakdown,
                r.label,
                r.share_bp as f64 / 10_000.0,
            )
        })
        .collect())
}

/// Clicks on the organisation's short links in `[from, to)`, per channel the
/// link was made for (`None`: links not tied to a channel), without previews
/// and crawlers.
pub async fn link_clicks(
    tx: &mut Tx,
    org: OrgId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<(Option<i64>, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct ClickRow {
        channel_id: Option<i64>,
        n: i64,
    }
    let q = Query::select()
        .expr_as(Expr::col(("short_links", "channel_id")), "channel_id")
        .expr_as(Expr::col(("link_clicks", "id")).count(), "n")
        .from("link_clicks")
        .inner_join(
            "short_links",
            Expr::col(("short_links", "id")).equals(("link_clicks", "link_id")),
        )
        .and_where(Expr::col(("short_links", "org_id")).eq(org.0))
        .and_where(Expr::col(("link_clicks", "at")).gte(from.0))
        .and_where(Expr::col(("link_clicks", "at")).lt(to.0))
        .and_where(Expr::col(("link_clicks", "device")).ne("bot"))
        .group_by_col(("short_links", "channel_id"))
        .to_owned();
    let rows: Vec<ClickRow> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.channel_id, r.n)).collect())
}

/// Portal participations that came through short links in a time window:
/// (kind, channel of the link, count).
pub async fn conversions(
    tx: &mut Tx,
    org: OrgId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<(String, Option<i64>, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        kind: String,
        channel_id: Option<i64>,
        n: i64,
    }
    let q = Query::select()
        .columns(["kind", "channel_id"])
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .from("conversions")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("at").gte(from.0))
        .and_where(Expr::col("at").lt(to.0))
        .group_by_col("kind")
        .group_by_col("channel_id")
        .to_owned();
    let rows: Vec<Row> = tx.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.kind, r.channel_id, r.n))
        .collect())
}

/// Clicks on links made for each post (the posts of a list).
pub async fn post_link_clicks(
    tx: &mut Tx,
    org: OrgId,
    posts: &[i64],
) -> Result<Vec<(i64, Option<i64>, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row3 {
        post_id: i64,
        channel_id: Option<i64>,
        n: i64,
    }
    if posts.is_empty() {
        return Ok(vec![]);
    }
    let q = Query::select()
        .expr_as(Expr::col(("short_links", "post_id")), "post_id")
        .expr_as(Expr::col(("short_links", "channel_id")), "channel_id")
        .expr_as(Expr::col(("link_clicks", "id")).count(), "n")
        .from("link_clicks")
        .inner_join(
            "short_links",
            Expr::col(("short_links", "id")).equals(("link_clicks", "link_id")),
        )
        .and_where(Expr::col(("short_links", "org_id")).eq(org.0))
        .and_where(Expr::col(("short_links", "post_id")).is_in(posts.iter().copied()))
        .and_where(Expr::col(("link_clicks", "device")).ne("bot"))
        .group_by_col(("short_links", "post_id"))
        .group_by_col(("short_links", "channel_id"))
        .to_owned();
    let rows: Vec<Row3> = tx.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.post_id, r.channel_id, r.n))
        .collect())
}

// ---------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportInfo {
    pub id: i64,
    pub month_day: i32,
    pub bytes: i64,
    pub sent_to: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

pub async fn insert_report(
    tx: &mut Tx,
    org: OrgId,
    month_day: i32,
    pdf: &[u8],
    by: Option<UserId>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("reports")
        .columns([
            "org_id",
            "month_day",
            "pdf",
            "bytes",
            "created_by",
            "created_at",
        ])
        .values_panic([
            org.0.into(),
            month_day.into(),
            pdf.to_vec().into(),
            (pdf.len() as i64).into(),
            by.map(|u| u.0).into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    tx.fetch_ids(&q)
        .await?
        .first()
        .copied()
        .ok_or(StoreError::NotFound)
}

pub async fn set_report_sent(tx: &mut Tx, org: OrgId, id: i64, to: &str) -> Result<(), StoreError> {
    let q = Query::update()
        .table("reports")
        .value("sent_to", to)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

pub async fn reports(tx: &mut Tx, org: OrgId, limit: u64) -> Result<Vec<ReportInfo>, StoreError> {
    let q = Query::select()
        .columns([
            "id",
            "month_day",
            "bytes",
            "sent_to",
            "created_by",
            "created_at",
        ])
        .from("reports")
        .and_where(Expr::col("org_id").eq(org.0))
        .order_by("month_day", Order::Desc)
        .order_by("created_at", Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Whether a report for the month exists (the monthly job runs once).
pub async fn has_report(tx: &mut Tx, org: OrgId, month_day: i32) -> Result<bool, StoreError> {
    let q = Query::select()
        .column("id")
        .from("reports")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("month_day").eq(month_day))
        .limit(1)
        .to_owned();
    Ok(!tx.fetch_ids(&q).await?.is_empty())
}

pub async fn report_pdf(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
) -> Result<Option<(i32, Vec<u8>)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Pdf {
        month_day: i32,
        pdf: Vec<u8>,
    }
    let q = Query::select()
        .columns(["month_day", "pdf"])
        .from("reports")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let r: Option<Pdf> = tx.fetch_optional(&q).await?;
    Ok(r.map(|r| (r.month_day, r.pdf)))
}

pub async fn recipients(tx: &mut Tx, org: OrgId) -> Result<String, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rec {
        recipients: String,
    }
    let q = Query::select()
        .column("recipients")
        .from("report_settings")
        .and_where(Expr::col("org_id").eq(org.0))
        .to_owned();
    let r: Option<Rec> = tx.fetch_optional(&q).await?;
    Ok(r.map(|r| r.recipients).unwrap_or_default())
}

pub async fn set_recipients(
    tx: &mut Tx,
    org: OrgId,
    recipients: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table("report_settings")
        .columns(["org_id", "recipients", "updated_at"])
        .values_panic([org.0.into(), recipients.into(), now.0.into()])
        .on_conflict(
            OnConflict::column("org_id")
                .update_columns(["recipients", "updated_at"])
                .to_owned(),
        )
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Organisations with at least one channel (the monthly report's round).
pub async fn orgs_with_channels(tx: &mut Tx) -> Result<Vec<OrgId>, StoreError> {
    let q = Query::select()
        .distinct()
        .expr_as(Expr::col("org_id"), "id")
        .from("channels")
        .cond_where(Cond::all())
        .to_owned();
    Ok(tx.fetch_ids(&q).await?.into_iter().map(OrgId).collect())
}

/// Sets a post's content category (the demo's history).
pub async fn set_post_category(
    tx: &mut Tx,
    org: OrgId,
    post: i64,
    category: &str,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table("posts")
        .value("category", category)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(post))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}
