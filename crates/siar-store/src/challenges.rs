//! Reading challenges: challenges, entries, reading logs, badges, secret
//! codes and certificates.

use crate::db::{StoreError, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use siar_domain::Timestamp;
use siar_domain::org::{OrgId, UserId};

fn conflict(e: StoreError, subject: &str) -> StoreError {
    match e {
        StoreError::Db(d) => StoreError::from_write(d, subject),
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Challenge {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub starts_on: String,
    pub ends_on: String,
    pub goal_kind: String,
    pub goal: i64,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub points_per_log: i64,
    pub link_code: Option<String>,
    pub closed_at: Option<i64>,
    pub daily_log_cap: i64,
    pub badges: String,
}

const CH_COLS: [&str; 15] = [
    "id",
    "slug",
    "title",
    "description",
    "starts_on",
    "ends_on",
    "goal_kind",
    "goal",
    "min_age",
    "max_age",
    "points_per_log",
    "link_code",
    "closed_at",
    "daily_log_cap",
    "badges",
];

pub struct NewChallenge<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub goal_kind: &'a str,
    pub goal: i64,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub points_per_log: i64,
    pub daily_log_cap: i64,
    pub badges: &'a str,
}

pub async fn insert_challenge(
    tx: &mut Tx,
    org: OrgId,
    c: &NewChallenge<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("challenges")
        .columns([
            "org_id",
            "slug",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "goal_kind",
            "goal",
            "min_age",
            "max_age",
            "points_per_log",
            "daily_log_cap",
            "badges",
            "created_at",
        ])
        .values_panic([
            org.0.into(),
            c.slug.into(),
            c.title.into(),
            c.description.into(),
            c.starts_on.into(),
            c.ends_on.into(),
            c.goal_kind.into(),
            c.goal.into(),
            c.min_age.into(),
            c.max_age.into(),
            c.points_per_log.into(),
            c.daily_log_cap.into(),
            c.badges.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    let ids = tx.fetch_ids(&q).await.map_err(|e| conflict(e, "slug"))?;
    ids.first().copied().ok_or(StoreError::NotFound)
}

/// Rewrites a challenge's settings (the address stays);
/// `false` when there is no such challenge.
pub async fn update_challenge(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    c: &NewChallenge<'_>,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("challenges")
        .value("title", c.title)
        .value("description", c.description)
        .value("starts_on", c.starts_on)
        .value("ends_on", c.ends_on)
        .value("goal_kind", c.goal_kind)
        .value("goal", c.goal)
        .value("min_age", c.min_age)
        .value("max_age", c.max_age)
        .value("points_per_log", c.points_per_log)
        .value("daily_log_cap", c.daily_log_cap)
        .value("badges", c.badges)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Reading logs an entry wrote since a time (rejected ones too: the cap is
/// on writing).
pub async fn logs_since(tx: &mut Tx, entry: i64, since: Timestamp) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .from("reading_logs")
        .and_where(Expr::col("entry_id").eq(entry))
        .and_where(Expr::col("created_at").gte(since.0))
        .to_owned();
    Ok(tx.fetch_one::<crate::db::Count, _>(&q).await?.n)
}

/// Readers per challenge of the organisation (one query for the staff list).
pub async fn entry_counts(tx: &mut Tx, org: OrgId) -> Result<Vec<(i64, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        challenge_id: i64,
        n: i64,
    }
    let q = Query::select()
        .column("challenge_id")
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .from("challenge_entries")
        .and_where(Expr::col("org_id").eq(org.0))
        .group_by_col("challenge_id")
        .to_owned();
    let rows: Vec<Row> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.challenge_id, r.n)).collect())
}

pub async fn set_link_code(tx: &mut Tx, org: OrgId, id: i64, code: &str) -> Result<(), StoreError> {
    let q = Query::update()
        .table("challenges")
        .value("link_code", code)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

pub async fn close(tx: &mut Tx, org: OrgId, id: i64, now: Timestamp) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("challenges")
        .value("closed_at", now.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("closed_at").is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

pub async fn challenges(tx: &mut Tx, org: OrgId) -> Result<Vec<Challenge>, StoreError> {
    let q = Query::select()
        .columns(CH_COLS)
        .from("challenges")
        .and_where(Expr::col("org_id").eq(org.0))
        .order_by("starts_on", Order::Desc)
        .order_by("id", Order::Desc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

pub async fn challenge(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Challenge>, StoreError> {
    let q = Query::select()
        .columns(CH_COLS)
        .from("challenges")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn by_slug(tx: &mut Tx, org: OrgId, slug: &str) -> Result<Option<Challenge>, StoreError> {
    let q = Query::select()
        .columns(CH_COLS)
        .from("challenges")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("slug").eq(slug))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

// Entries ------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub challenge_id: i64,
    pub profile_id: i64,
    pub progress: i64,
    pub joined_at: i64,
    pub completed_at: Option<i64>,
}

const ENTRY_COLS: [&str; 6] = [
    "id",
    "challenge_id",
    "profile_id",
    "progress",
    "joined_at",
    "completed_at",
];

/// Joins; `Conflict("entry")` when the profile is in already.
pub async fn insert_entry(
    tx: &mut Tx,
    org: OrgId,
    challenge: i64,
    profile: i64,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("challenge_entries")
        .columns(["org_id", "challenge_id", "profile_id", "joined_at"])
        .values_panic([org.0.into(), challenge.into(), profile.into(), now.0.into()])
        .returning_col("id")
        .to_owned();
    let ids = tx.fetch_ids(&q).await.map_err(|e| conflict(e, "entry"))?;
    ids.first().copied().ok_or(StoreError::NotFound)
}

pub async fn entry(
    tx: &mut Tx,
    org: OrgId,
    challenge: i64,
    profile: i64,
) -> Result<Option<Entry>, StoreError> {
    let q = Query::select()
        .columns(ENTRY_COLS)
        .from("challenge_entries")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("challenge_id").eq(challenge))
        .and_where(Expr::col("profile_id").eq(profile))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn entry_by_id(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Entry>, StoreError> {
    let q = Query::select()
        .columns(ENTRY_COLS)
        .from("challenge_entries")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EntryLine {
    pub id: i64,
    pub nickname: String,
    pub progress: i64,
    pub joined_at: i64,
    pub completed_at: Option<i64>,
}

/// Everyone in a challenge (nicknames only), most progress first.
pub async fn entries(
    tx: &mut Tx,
    org: OrgId,
    challenge: i64,
) -> Result<Vec<EntryLine>, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(("challenge_entries", "id")), "id")
        .expr_as(Expr::col(("patron_profiles", "nickname")), "nickname")
        .expr_as(Expr::col(("challenge_entries", "progress")), "progress")
        .expr_as(Expr::col(("challenge_entries", "joined_at")), "joined_at")
        .expr_as(
            Expr::col(("challenge_entries", "completed_at")),
            "completed_at",
        )
        .from("challenge_entries")
        .inner_join(
            "patron_profiles",
            Expr::col(("patron_profiles", "id")).equals(("challenge_entries", "profile_id")),
        )
        .and_where(Expr::col(("challenge_entries", "org_id")).eq(org.0))
        .and_where(Expr::col(("challenge_entries", "challenge_id")).eq(challenge))
        .order_by(("challenge_entries", "progress"), Order::Desc)
        .order_by(("challenge_entries", "id"), Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Adds to an entry's progress; returns the new progress.
pub async fn add_progress(tx: &mut Tx, entry: i64, amount: i64) -> Result<i64, StoreError> {
    let q = Query::update()
        .table("challenge_entries")
        .value("progress", Expr::col("progress").add(amount))
        .and_where(Expr::col("id").eq(entry))
        .to_owned();
    tx.exec(&q).await?;
    let q = Query::select()
        .expr_as(Expr::col("progress"), "id")
        .from("challenge_entries")
        .and_where(Expr::col("id").eq(entry))
        .to_owned();
    tx.fetch_ids(&q)
        .await?
        .first()
        .copied()
        .ok_or(StoreError::NotFound)
}

/// Marks an entry complete, once.
pub async fn complete(tx: &mut Tx, entry: i64, now: Timestamp) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("challenge_entries")
        .value("completed_at", now.0)
        .and_where(Expr::col("id").eq(entry))
        .and_where(Expr::col("completed_at").is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

// Logs ---------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Log {
    pub id: i64,
    pub entry_id: i64,
    pub title: String,
    pub author: String,
    pub isbn: Option<String>,
    pub pages: i64,
    pub minutes: i64,
    pub read_on: String,
    pub review: String,
    pub status: String,
    pub created_at: i64,
}

const LOG_COLS: [&str; 11] = [
    "id",
    "entry_id",
    "title",
    "author",
    "isbn",
    "pages",
    "minutes",
    "read_on",
    "review",
    "status",
    "created_at",
];

pub struct NewLog<'a> {
    pub entry: i64,
    pub title: &'a str,
    pub author: &'a str,
    pub isbn: Option<&'a str>,
    pub pages: i64,
    pub minutes: i64,
    pub read_on: &'a str,
    pub review: &'a str,
    pub status: &'a str,
}

pub async fn insert_log(
    tx: &mut Tx,
    org: OrgId,
    l: &NewLog<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("reading_logs")
        .columns([
            "org_id",
            "entry_id",
            "title",
            "author",
            "isbn",
            "pages",
            "minutes",
            "read_on",
            "review",
            "status",
            "created_at",
        ])
        .values_panic([
            org.0.into(),
            l.entry.into(),
            l.title.into(),
            l.author.into(),
            l.isbn.map(str::to_string).into(),
            l.pages.into(),
            l.minutes.into(),
            l.read_on.into(),
            l.review.into(),
            l.status.into(),
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

/// Pages and minutes already logged (and not rejected) on one day.
pub async fn day_totals(tx: &mut Tx, entry: i64, read_on: &str) -> Result<(i64, i64), StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        pages: i64,
        minutes: i64,
    }
    let q = Query::select()
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(pages), 0) AS BIGINT)"),
            "pages",
        )
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(minutes), 0) AS BIGINT)"),
            "minutes",
        )
        .from("reading_logs")
        .and_where(Expr::col("entry_id").eq(entry))
        .and_where(Expr::col("read_on").eq(read_on))
        .and_where(Expr::col("status").ne("rejected"))
        .to_owned();
    let r: Row = tx.fetch_one(&q).await?;
    Ok((r.pages, r.minutes))
}

pub async fn logs_of(tx: &mut Tx, org: OrgId, entry: i64) -> Result<Vec<Log>, StoreError> {
    let q = Query::select()
        .columns(LOG_COLS)
        .from("reading_logs")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("entry_id").eq(entry))
        .order_by("read_on", Order::Desc)
        .order_by("id", Order::Desc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

pub async fn log(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Log>, StoreError> {
    let q = Query::select()
        .columns(LOG_COLS)
        .from("reading_logs")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// Logs waiting for a librarian, oldest first.
pub async fn review_queue(tx: &mut Tx, org: OrgId) -> Result<Vec<Log>, StoreError> {
    let q = Query::select()
        .columns(LOG_COLS)
        .from("reading_logs")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("status").eq("review"))
        .order_by("id", Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Decides a waiting log, once: `false` when someone decided it already.
pub async fn decide(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    status: &str,
    by: UserId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("reading_logs")
        .value("status", status)
        .value("decided_at", now.0)
        .value("decided_by", by.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq("review"))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

// Badges -------------------------------------------------------------------

pub async fn award_badge(
    tx: &mut Tx,
    entry: i64,
    milestone: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::insert()
        .into_table("badge_awards")
        .columns(["entry_id", "milestone", "awarded_at"])
        .values_panic([entry.into(), milestone.into(), now.0.into()])
        .on_conflict(
            OnConflict::columns(["entry_id", "milestone"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

pub async fn badges(tx: &mut Tx, entry: i64) -> Result<Vec<i64>, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col("milestone"), "id")
        .from("badge_awards")
        .and_where(Expr::col("entry_id").eq(entry))
        .order_by("milestone", Order::Asc)
        .to_owned();
    tx.fetch_ids(&q).await
}

// Secret codes -------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Secret {
    pub id: i64,
    pub challenge_id: Option<i64>,
    pub code: String,
    pub points: i64,
    pub max_uses: Option<i64>,
    pub uses: i64,
}

pub async fn insert_secret(
    tx: &mut Tx,
    org: OrgId,
    challenge: Option<i64>,
    code: &str,
    points: i64,
    max_uses: Option<i64>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("secret_codes")
        .columns([
            "org_id",
            "challenge_id",
            "code",
            "points",
            "max_uses",
            "created_at",
        ])
        .values_panic([
            org.0.into(),
            challenge.into(),
            code.into(),
            points.into(),
            max_uses.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    let ids = tx.fetch_ids(&q).await.map_err(|e| conflict(e, "code"))?;
    ids.first().copied().ok_or(StoreError::NotFound)
}

/// Changes a code's points and use limit; `false` when there is no such
/// code or it has been used more often than the new limit.
pub async fn update_secret(
    tx: &mut Tx,
    org: OrgId,
    challenge: i64,
    code: &str,
    points: i64,
    max_uses: Option<i64>,
) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table("secret_codes")
        .value("points", points)
        .value("max_uses", max_uses)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("challenge_id").eq(challenge))
        .and_where(Expr::col("code").eq(code));
    if let Some(m) = max_uses {
        q.and_where(Expr::col("uses").lte(m));
    }
    Ok(tx.exec(&q).await? == 1)
}

pub async fn secret(tx: &mut Tx, org: OrgId, code: &str) -> Result<Option<Secret>, StoreError> {
    let q = Query::select()
        .columns(["id", "challenge_id", "code", "points", "max_uses", "uses"])
        .from("secret_codes")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("code").eq(code))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn secrets(tx: &mut Tx, org: OrgId, challenge: i64) -> Result<Vec<Secret>, StoreError> {
    let q = Query::select()
        .columns(["id", "challenge_id", "code", "points", "max_uses", "uses"])
        .from("secret_codes")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("challenge_id").eq(challenge))
        .order_by("id", Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Records one use by a profile: `Conflict("used")` when it used the code
/// before; `Ok(false)` when the code has no uses left.
pub async fn use_secret(
    tx: &mut Tx,
    secret: i64,
    profile: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::insert()
        .into_table("secret_code_uses")
        .columns(["code_id", "profile_id", "used_at"])
        .values_panic([secret.into(), profile.into(), now.0.into()])
        .to_owned();
    tx.exec(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "used"))?;
    let q = Query::update()
        .table("secret_codes")
        .value("uses", Expr::col("uses").add(1))
        .and_where(Expr::col("id").eq(secret))
        .and_where(
            Expr::col("max_uses")
                .is_null()
                .or(Expr::col("uses").lt(Expr::col("max_uses"))),
        )
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

// Certificates ---------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Certificate {
    pub id: i64,
    pub org_id: i64,
    pub code: String,
    pub entry_id: Option<i64>,
    pub profile_id: i64,
    pub name: String,
    pub achievement: String,
    pub issued_at: i64,
}

const CERT_COLS: [&str; 8] = [
    "id",
    "org_id",
    "code",
    "entry_id",
    "profile_id",
    "name",
    "achievement",
    "issued_at",
];

pub struct NewCertificate<'a> {
    pub code: &'a str,
    pub entry: Option<i64>,
    pub profile: i64,
    pub name: &'a str,
    pub achievement: &'a str,
}

pub async fn insert_certificate(
    tx: &mut Tx,
    org: OrgId,
    c: &NewCertificate<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("certificates")
        .columns([
            "org_id",
            "code",
            "entry_id",
            "profile_id",
            "name",
            "achievement",
            "issued_at",
        ])
        .values_panic([
            org.0.into(),
            c.code.into(),
            c.entry.into(),
            c.profile.into(),
            c.name.into(),
            c.achievement.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    let ids = tx.fetch_ids(&q).await.map_err(|e| conflict(e, "code"))?;
    ids.first().copied().ok_or(StoreError::NotFound)
}

/// A certificate by its public code (any organisation: the code is unique).
pub async fn certificate(tx: &mut Tx, code: &str) -> Result<Option<Certificate>, StoreError> {
    let q = Query::select()
        .columns(CERT_COLS)
        .from("certificates")
        .and_where(Expr::col("code").eq(code))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn certificate_of_entry(
    tx: &mut Tx,
    entry: i64,
) -> Result<Option<Certificate>, StoreError> {
    let q = Query::select()
        .columns(CERT_COLS)
        .from("certificates")
        .and_where(Expr::col("entry_id").eq(entry))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// The challenge's leaderboard: readers whose profile agreed to be shown
/// (a current leaderboard consent), by progress, nicknames only.
pub async fn leaderboard(
    tx: &mut Tx,
    org: OrgId,
    challenge: i64,
    limit: u64,
) -> Result<Vec<(String, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        nickname: String,
        progress: i64,
    }
    let consented = Query::select()
        .expr(Expr::cust("1"))
        .from("patron_consents")
        .and_where(
            Expr::col(("patron_consents", "profile_id"))
                .equals(("challenge_entries", "profile_id")),
        )
        .and_where(Expr::col(("patron_consents", "purpose")).eq("leaderboard"))
        .and_where(Expr::col(("patron_consents", "withdrawn_at")).is_null())
        .to_owned();
    let q = Query::select()
        .expr_as(Expr::col(("patron_profiles", "nickname")), "nickname")
        .expr_as(Expr::col(("challenge_entries", "progress")), "progress")
        .from("challenge_entries")
        .inner_join(
            "patron_profiles",
            Expr::col(("patron_profiles", "id")).equals(("challenge_entries", "profile_id")),
        )
        .and_where(Expr::col(("challenge_entries", "org_id")).eq(org.0))
        .and_where(Expr::col(("challenge_entries", "challenge_id")).eq(challenge))
        .and_where(Expr::col(("challenge_entries", "progress")).gt(0))
        .and_where(Expr::exists(consented))
        .order_by(("challenge_entries", "progress"), Order::Desc)
        .order_by(("challenge_entries", "id"), Order::Asc)
        .limit(limit)
        .to_owned();
    let rows: Vec<Row> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.nickname, r.progress)).collect())
}

/// A reading log in "My data", with its challenge.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MyLog {
    pub profile_id: i64,
    pub challenge: String,
    pub title: String,
    pub author: String,
    pub isbn: Option<String>,
    pub pages: i64,
    pub minutes: i64,
    pub read_on: String,
    pub review: String,
    pub status: String,
}

/// The reading logs of some profiles, newest first.
pub async fn logs_of_profiles(
    tx: &mut Tx,
    org: OrgId,
    profiles: &[i64],
) -> Result<Vec<MyLog>, StoreError> {
    if profiles.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::select();
    q.expr_as(Expr::col(("challenge_entries", "profile_id")), "profile_id")
        .expr_as(Expr::col(("challenges", "title")), "challenge");
    for c in [
        "title", "author", "isbn", "pages", "minutes", "read_on", "review", "status",
    ] {
        q.expr_as(Expr::col(("reading_logs", c)), c);
    }
    q.from("reading_logs")
        .inner_join(
            "challenge_entries",
            Expr::col(("challenge_entries", "id")).equals(("reading_logs", "entry_id")),
        )
        .inner_join(
            "challenges",
            Expr::col(("challenges", "id")).equals(("challenge_entries", "challenge_id")),
        )
        .and_where(Expr::col(("reading_logs", "org_id")).eq(org.0))
        .and_where(Expr::col(("challenge_entries", "profile_id")).is_in(profiles.iter().copied()))
        .order_by(("reading_logs", "id"), Order::Desc);
    Ok(tx.fetch_all(&q).await?)
}
