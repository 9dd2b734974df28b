//! Engagement programmes hosted by Siar: polls (ballots with their choices)
//! and the conversions that tie a participation to the post that brought it.

use crate::db::{Count, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use siar_domain::Timestamp;
use siar_domain::org::{OrgId, UserId};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Poll {
    pub id: i64,
    pub org_id: i64,
    pub slug: String,
    pub question: String,
    pub description: String,
    pub max_choices: i64,
    pub results: String,
    pub allow_anonymous: bool,
    pub opens_at: i64,
    pub closes_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub link_code: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub address_cap: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PollOption {
    pub id: i64,
    pub position: i64,
    pub label: String,
}

const POLL_COLS: [&str; 15] = [
    "id",
    "org_id",
    "slug",
    "question",
    "description",
    "max_choices",
    "results",
    "allow_anonymous",
    "opens_at",
    "closes_at",
    "closed_at",
    "link_code",
    "created_at",
    "updated_at",
    "address_cap",
];

/// What a poll is made of (options in order).
pub struct NewPoll<'a> {
    pub slug: &'a str,
    pub question: &'a str,
    pub description: &'a str,
    pub max_choices: i64,
    pub results: &'a str,
    pub allow_anonymous: bool,
    pub opens_at: Timestamp,
    pub closes_at: Option<Timestamp>,
    pub options: &'a [String],
    pub address_cap: i64,
}

async fn insert_options(tx: &mut Tx, poll: i64, options: &[String]) -> Result<(), StoreError> {
    for (i, label) in options.iter().enumerate() {
        let q = Query::insert()
            .into_table("poll_options")
            .columns(["poll_id", "position", "label"])
            .values_panic([poll.into(), (i as i64).into(), label.as_str().into()])
            .to_owned();
        tx.exec(&q).await?;
    }
    Ok(())
}

/// A new poll with its options; `Conflict("slug")` when the address is taken.
pub async fn insert_poll(
    tx: &mut Tx,
    org: OrgId,
    p: &NewPoll<'_>,
    by: UserId,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("polls")
        .columns([
            "org_id",
            "slug",
            "question",
            "description",
            "max_choices",
            "results",
            "allow_anonymous",
            "opens_at",
            "closes_at",
            "address_cap",
            "created_by",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            org.0.into(),
            p.slug.into(),
            p.question.into(),
            p.description.into(),
            p.max_choices.into(),
            p.results.into(),
            p.allow_anonymous.into(),
            p.opens_at.0.into(),
            p.closes_at.map(|t| t.0).into(),
            p.address_cap.into(),
            by.0.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    let id = match tx.fetch_ids(&q).await {
        Ok(ids) => ids.first().copied().ok_or(StoreError::NotFound)?,
        Err(StoreError::Db(e)) => return Err(StoreError::from_write(e, "slug")),
        Err(e) => return Err(e),
    };
    insert_options(tx, id, p.options).await?;
    Ok(id)
}

/// Rewrites a poll's settings (the address stays). Options are replaced
/// only when `replace_options` is set (the caller checks nobody has voted).
pub async fn update_poll(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    p: &NewPoll<'_>,
    replace_options: bool,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("polls")
        .value("question", p.question)
        .value("description", p.description)
        .value("max_choices", p.max_choices)
        .value("results", p.results)
        .value("allow_anonymous", p.allow_anonymous)
        .value("opens_at", p.opens_at.0)
        .value("closes_at", p.closes_at.map(|t| t.0))
        .value("address_cap", p.address_cap)
        .value("updated_at", now.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    if tx.exec(&q).await? != 1 {
        return Ok(false);
    }
    if replace_options {
        let q = Query::delete()
            .from_table("poll_options")
            .and_where(Expr::col("poll_id").eq(id))
            .to_owned();
        tx.exec(&q).await?;
        insert_options(tx, id, p.options).await?;
    }
    Ok(true)
}

pub async fn set_link_code(tx: &mut Tx, org: OrgId, id: i64, code: &str) -> Result<(), StoreError> {
    let q = Query::update()
        .table("polls")
        .value("link_code", code)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Closes a poll now (once).
pub async fn close_poll(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("polls")
        .value("closed_at", now.0)
        .value("updated_at", now.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("closed_at").is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

pub async fn poll(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Poll>, StoreError> {
    let q = Query::select()
        .columns(POLL_COLS)
        .from("polls")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn poll_by_slug(tx: &mut Tx, org: OrgId, slug: &str) -> Result<Option<Poll>, StoreError> {
    let q = Query::select()
        .columns(POLL_COLS)
        .from("polls")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("slug").eq(slug))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// The organisation's polls, newest first.
pub async fn polls(tx: &mut Tx, org: OrgId, limit: u64) -> Result<Vec<Poll>, StoreError> {
    let q = Query::select()
        .columns(POLL_COLS)
        .from("polls")
        .and_where(Expr::col("org_id").eq(org.0))
        .order_by("opens_at", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

pub async fn options(tx: &mut Tx, poll: i64) -> Result<Vec<PollOption>, StoreError> {
    let q = Query::select()
        .columns(["id", "position", "label"])
        .from("poll_options")
        .and_where(Expr::col("poll_id").eq(poll))
        .order_by("position", Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// A ballot: who (`p:<profile>` or `a:<browser hash>`), from which network
/// address (keyed hash), and the options ticked.
#[derive(Debug, Clone, Copy)]
pub struct NewBallot<'a> {
    pub poll: i64,
    pub voter: &'a str,
    pub profile: Option<i64>,
    pub address: &'a str,
    pub choices: &'a [i64],
}

/// Records a ballot with its choices; `Conflict("ballot")` when this voter
/// has voted on this poll already (the unique index decides, so two requests
/// at once cannot both count).
pub async fn insert_ballot(
    tx: &mut Tx,
    org: OrgId,
    b: &NewBallot<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let NewBallot {
        poll,
        voter,
        profile,
        address,
        choices,
    } = *b;
    let q = Query::insert()
        .into_table("poll_ballots")
        .columns([
            "org_id",
            "poll_id",
            "voter",
            "profile_id",
            "address",
            "created_at",
        ])
        .values_panic([
            org.0.into(),
            poll.into(),
            voter.into(),
            profile.into(),
            address.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    let id = match tx.fetch_ids(&q).await {
        Ok(ids) => ids.first().copied().ok_or(StoreError::NotFound)?,
        Err(StoreError::Db(e)) => return Err(StoreError::from_write(e, "ballot")),
        Err(e) => return Err(e),
    };
    for c in choices {
        let q = Query::insert()
            .into_table("poll_choices")
            .columns(["ballot_id", "option_id"])
            .values_panic([id.into(), (*c).into()])
            .to_owned();
        tx.exec(&q).await?;
    }
    Ok(id)
}

/// The options this voter chose, or `None` when they have not voted.
pub async fn ballot_of(
    tx: &mut Tx,
    poll: i64,
    voter: &str,
) -> Result<Option<Vec<i64>>, StoreError> {
    let q = Query::select()
        .column("id")
        .from("poll_ballots")
        .and_where(Expr::col("poll_id").eq(poll))
        .and_where(Expr::col("voter").eq(voter))
        .to_owned();
    let Some(ballot) = tx.fetch_ids(&q).await?.first().copied() else {
        return Ok(None);
    };
    let q = Query::select()
        .expr_as(Expr::col("option_id"), "id")
        .from("poll_choices")
        .and_where(Expr::col("ballot_id").eq(ballot))
        .to_owned();
    Ok(Some(tx.fetch_ids(&q).await?))
}

/// Ballots cast on a poll from one network address since a time.
pub async fn ballots_from(
    tx: &mut Tx,
    poll: i64,
    address: &str,
    since: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from("poll_ballots")
        .and_where(Expr::col("poll_id").eq(poll))
        .and_where(Expr::col("address").eq(address))
        .and_where(Expr::col("created_at").gte(since.0))
        .to_owned();
    Ok(tx.fetch_one::<Count, _>(&q).await?.n)
}

/// Ballots per poll of the organisation (one query for the staff list).
pub async fn ballot_counts(tx: &mut Tx, org: OrgId) -> Result<Vec<(i64, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        poll_id: i64,
        n: i64,
    }
    let q = Query::select()
        .column("poll_id")
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .from("poll_ballots")
        .and_where(Expr::col("org_id").eq(org.0))
        .group_by_col("poll_id")
        .to_owned();
    let rows: Vec<Row> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.poll_id, r.n)).collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct Tally {
    /// Ballots cast.
    pub ballots: i64,
    /// Of those, by signed-in patrons.
    pub signed_in: i64,
}

/// Votes per option (every option, zero included) and the ballots.
pub async fn results(tx: &mut Tx, poll: i64) -> Result<(Vec<(i64, i64)>, Tally), StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        n: i64,
    }
    let q = Query::select()
        .expr_as(Expr::col(("poll_options", "id")), "id")
        .expr_as(
            Expr::cust("CAST(COUNT(poll_choices.option_id) AS BIGINT)"),
            "n",
        )
        .from("poll_options")
        .left_join(
            "poll_choices",
            Expr::col(("poll_choices", "option_id")).equals(("poll_options", "id")),
        )
        .and_where(Expr::col(("poll_options", "poll_id")).eq(poll))
        .group_by_col(("poll_options", "id"))
        .group_by_col(("poll_options", "position"))
        .order_by(("poll_options", "position"), Order::Asc)
        .to_owned();
    let rows: Vec<Row> = tx.fetch_all(&q).await?;
    let q = Query::select()
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "ballots")
        .expr_as(Expr::cust("CAST(COUNT(profile_id) AS BIGINT)"), "signed_in")
        .from("poll_ballots")
        .and_where(Expr::col("poll_id").eq(poll))
        .to_owned();
    let tally: Tally = tx.fetch_one(&q).await?;
    Ok((rows.into_iter().map(|r| (r.id, r.n)).collect(), tally))
}

// Conversions ----------------------------------------------------------------

/// What brought a participation (from the short link the patron followed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    pub link_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub post_id: Option<i64>,
    pub campaign: Option<String>,
}

pub async fn insert_conversion(
    tx: &mut Tx,
    org: OrgId,
    kind: &str,
    subject: i64,
    profile: Option<i64>,
    src: &Source,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table("conversions")
        .columns([
            "org_id",
            "kind",
            "subject_id",
            "profile_id",
            "link_id",
            "channel_id",
            "post_id",
            "campaign",
            "at",
        ])
        .values_panic([
            org.0.into(),
            kind.into(),
            subject.into(),
            profile.into(),
            src.link_id.into(),
            src.channel_id.into(),
            src.post_id.into(),
            src.campaign.clone().into(),
            now.0.into(),
        ])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SourceCount {
    pub channel_id: Option<i64>,
    pub post_id: Option<i64>,
    pub campaign: Option<String>,
    pub n: i64,
}

/// Participations in one programme item that came through a short link, by
/// what brought them (most first).
pub async fn sources(
    tx: &mut Tx,
    org: OrgId,
    kind: &str,
    subject: i64,
) -> Result<Vec<SourceCount>, StoreError> {
    let q = Query::select()
        .columns(["channel_id", "post_id", "campaign"])
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .from("conversions")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("kind").eq(kind))
        .and_where(Expr::col("subject_id").eq(subject))
        .group_by_col("channel_id")
        .group_by_col("post_id")
        .group_by_col("campaign")
        .order_by_expr(Expr::cust("COUNT(*)"), Order::Desc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// The ballots of some profiles (for "My data"): (profile, question, the
/// labels chosen, time), newest first.
pub async fn ballots_of_profiles(
    tx: &mut Tx,
    org: OrgId,
    profiles: &[i64],
) -> Result<Vec<(i64, String, Vec<String>, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        profile_id: i64,
        question: String,
        created_at: i64,
    }
    #[derive(sqlx::FromRow)]
    struct Label {
        label: String,
    }
    if profiles.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .expr_as(Expr::col(("poll_ballots", "id")), "id")
        .expr_as(Expr::col(("poll_ballots", "profile_id")), "profile_id")
        .expr_as(Expr::col(("polls", "question")), "question")
        .expr_as(Expr::col(("poll_ballots", "created_at")), "created_at")
        .from("poll_ballots")
        .inner_join(
            "polls",
            Expr::col(("polls", "id")).equals(("poll_ballots", "poll_id")),
        )
        .and_where(Expr::col(("poll_ballots", "org_id")).eq(org.0))
        .and_where(Expr::col(("poll_ballots", "profile_id")).is_in(profiles.iter().copied()))
        .order_by(("poll_ballots", "id"), Order::Desc)
        .to_owned();
    let rows: Vec<Row> = tx.fetch_all(&q).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let q = Query::select()
            .expr_as(Expr::col(("poll_options", "label")), "label")
            .from("poll_choices")
            .inner_join(
                "poll_options",
                Expr::col(("poll_options", "id")).equals(("poll_choices", "option_id")),
            )
            .and_where(Expr::col(("poll_choices", "ballot_id")).eq(r.id))
            .order_by(("poll_options", "position"), Order::Asc)
            .to_owned();
        let labels: Vec<Label> = tx.fetch_all(&q).await?;
        out.push((
            r.profile_id,
            r.question,
            labels.into_iter().map(|l| l.label).collect(),
            r.created_at,
        ));
    }
    Ok(out)
}

/// Participations a post brought (through its short links), by kind.
pub async fn conversions_of_post(
    tx: &mut Tx,
    org: OrgId,
    post: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        kind: String,
        n: i64,
    }
    let q = Query::select()
        .column("kind")
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .from("conversions")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("post_id").eq(post))
        .group_by_col("kind")
        .order_by("kind", Order::Asc)
        .to_owned();
    let rows: Vec<Row> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.kind, r.n)).collect())
}

/// Whether a conversion of this kind and subject exists (a sign-up is
/// credited once).
pub async fn has_conversion(
    tx: &mut Tx,
    org: OrgId,
    kind: &str,
    subject: i64,
) -> Result<bool, StoreError> {
    let q = Query::select()
        .column("id")
        .from("conversions")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("kind").eq(kind))
        .and_where(Expr::col("subject_id").eq(subject))
        .limit(1)
        .to_owned();
    Ok(!tx.fetch_ids(&q).await?.is_empty())
}
