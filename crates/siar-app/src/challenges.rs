//! Reading challenges (Tantangan Membaca). A profile joins, logs reading,
//! progresses towards the goal (kept apart from points), earns badges at
//! milestones and a certificate on completion. A log with an implausible day
//! (e.g. 5,000 pages) waits for a librarian before it counts. Secret codes
//! from posters, events or posts give bonus points once per profile.

use crate::audit::record;
use crate::patrons::PatronSession;
use crate::{Actor, App, AppError};
use chrono::{Datelike, NaiveDate};
use rand::RngCore;
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::challenges::{self as rules, ChallengeInput, GoalKind, LogInput};
use siar_domain::org::{OrgId, Permission};
use siar_domain::rewards::PointReason;
use siar_store::StoreError;
use siar_store::challenges as store;
use siar_store::rewards::Movement;

pub use siar_store::challenges::{Certificate, Challenge, Entry, EntryLine, Log, Secret};

/// Kind of a challenge's conversions.
pub const CHALLENGE: &str = "challenge";

fn kind(c: &Challenge) -> GoalKind {
    GoalKind::parse(&c.goal_kind).unwrap_or(GoalKind::Books)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

async fn org_today(app: &App, org: OrgId) -> Result<(NaiveDate, String), AppError> {
    let mut tx = app.store.read().await?;
    let o = siar_store::org::org_by_id(&mut tx, org)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((
        app.now()
            .to_utc()
            .with_timezone(&o.settings.timezone)
            .date_naive(),
        o.settings.name,
    ))
}

/// Whether a challenge takes part now (open, within its dates).
pub fn is_open(c: &Challenge, today: NaiveDate) -> bool {
    c.closed_at.is_none() && today >= day(&c.starts_on) && today <= day(&c.ends_on)
}

fn new_challenge<'a>(
    f: &'a rules::ChallengeFields,
    starts: &'a str,
    ends: &'a str,
) -> store::NewChallenge<'a> {
    store::NewChallenge {
        slug: &f.slug,
        title: &f.title,
        description: &f.description,
        starts_on: starts,
        ends_on: ends,
        goal_kind: f.goal_kind.as_str(),
        goal: f.goal,
        min_age: f.min_age,
        max_age: f.max_age,
        points_per_log: f.points_per_log,
        daily_log_cap: f.daily_log_cap,
        badges: &f.badges,
    }
}

/// Changes a challenge. Its address stays (posts link to it); once someone
/// has joined, its start, goal and kind of goal stay too (progress and
/// badges were counted against them).
pub async fn update(app: &App, actor: &Actor, id: i64, i: &ChallengeInput) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let mut f = rules::check_challenge(i).map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let Some(old) = store::challenge(&mut tx, actor.org, id).await? else {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    };
    f.slug = old.slug.clone();
    let (starts, ends) = (f.starts_on.to_string(), f.ends_on.to_string());
    let joined = !store::entries(&mut tx, actor.org, id).await?.is_empty();
    let percents =
        |b: &str| -> Vec<i64> { rules::badges_of(b).iter().map(|x| x.percent).collect() };
    if joined
        && (starts != old.starts_on
            || f.goal != old.goal
            || f.goal_kind.as_str() != old.goal_kind
            || percents(&f.badges) != percents(&old.badges))
    {
        tx.rollback().await?;
        return Err(AppError::field("goal", "ch-err-locked"));
    }
    store::update_challenge(&mut tx, actor.org, id, &new_challenge(&f, &starts, &ends)).await?;
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "challenge",
        Some(id.to_string()),
        format!("challenge /tantangan/{} changed", old.slug),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create(app: &App, actor: &Actor, i: &ChallengeInput) -> Result<i64, AppError> {
    actor.require(Permission::ManagePrograms)?;
    let f = rules::check_challenge(i).map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (starts, ends) = (f.starts_on.to_string(), f.ends_on.to_string());
    let id =
        match store::insert_challenge(&mut tx, actor.org, &new_challenge(&f, &starts, &ends), now)
            .await
        {
            Ok(id) => id,
            Err(StoreError::Conflict(_)) => {
                tx.rollback().await?;
                return Err(AppError::field("slug", "pg-err-slug-taken"));
            }
            Err(e) => return Err(e.into()),
        };
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "challenge",
        Some(id.to_string()),
        format!("challenge /tantangan/{} created", f.slug),
        now,
    )
    .await?;
    tx.commit().await?;
    if let Some(code) =
        crate::links::share_link(app, actor, &format!("/tantangan/{}", f.slug), &f.title).await
    {
        let mut tx = app.store.begin().await?;
        store::set_link_code(&mut tx, actor.org, id, &code).await?;
        tx.commit().await?;
    }
    Ok(id)
}

pub async fn close(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    if store::close(&mut tx, actor.org, id, now).await? {
        record(
            &mut tx,
            actor,
            AuditAction::ProgramChanged,
            "challenge",
            Some(id.to_string()),
            "challenge closed".into(),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Adds a secret code worth bonus points (once per profile, optionally a
/// limited number of uses in all).
pub async fn add_secret(
    app: &App,
    actor: &Actor,
    challenge: i64,
    code: &str,
    points: &str,
    max_uses: &str,
) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let mut p = siar_domain::validate::Problems::default();
    let code = rules::normalise_secret(code);
    if code.is_none() {
        p.push("code", "ch-err-secret");
    }
    let (pts, max) = secret_terms(&mut p, points, max_uses);
    p.into_result().map_err(AppError::Invalid)?;
    let code = code.unwrap_or_default();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    store::challenge(&mut tx, actor.org, challenge)
        .await?
        .ok_or(AppError::NotFound)?;
    match store::insert_secret(&mut tx, actor.org, Some(challenge), &code, pts, max, now).await {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return Err(AppError::field("code", "ch-err-secret-taken"));
        }
        Err(e) => return Err(e.into()),
    }
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "secret_code",
        Some(challenge.to_string()),
        format!("secret code for {pts} points"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads a secret code's points and use limit (empty: no limit).
fn secret_terms(
    p: &mut siar_domain::validate::Problems,
    points: &str,
    max_uses: &str,
) -> (i64, Option<i64>) {
    let pts = match points.trim().parse::<i64>() {
        Ok(n) if (1..=siar_domain::rewards::MAX_AWARD).contains(&n) => n,
        _ => {
            p.push("points", "rw-err-points");
            0
        }
    };
    let max = match max_uses.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                p.push("max_uses", "ch-err-max-uses");
                None
            }
        },
    };
    (pts, max)
}

/// Changes a secret code's points or use limit; `stop` ends it now (its
/// limit becomes the uses it has had). Points already given stay.
pub async fn update_secret(
    app: &App,
    actor: &Actor,
    challenge: i64,
    code: &str,
    change: &SecretChange<'_>,
) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let code = rules::normalise_secret(code).ok_or(AppError::NotFound)?;
    let mut tx = app.store.begin().await?;
    let Some(old) = store::secret(&mut tx, actor.org, &code)
        .await?
        .filter(|s| s.challenge_id == Some(challenge))
    else {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    };
    let (pts, max) = if change.stop {
        (old.points, Some(old.uses))
    } else {
        let mut p = siar_domain::validate::Problems::default();
        let terms = secret_terms(&mut p, change.points, change.max_uses);
        if let Err(p) = p.into_result() {
            tx.rollback().await?;
            return Err(AppError::Invalid(p));
        }
        terms
    };
    if !store::update_secret(&mut tx, actor.org, challenge, &code, pts, max).await? {
        tx.rollback().await?;
        return Err(AppError::field("max_uses", "ch-err-max-below-uses"));
    }
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "secret_code",
        Some(challenge.to_string()),
        if change.stop {
            format!("secret code stopped after {} uses", old.uses)
        } else {
            format!("secret code now {pts} points")
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What staff change of a secret code.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecretChange<'a> {
    pub points: &'a str,
    pub max_uses: &'a str,
    /// End the code now.
    pub stop: bool,
}

/// A challenge for staff: who is in it, the secret codes.
pub struct Admin {
    pub challenge: Challenge,
    pub entries: Vec<EntryLine>,
    pub secrets: Vec<Secret>,
}

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<(Challenge, usize)>, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let all = store::challenges(&mut tx, actor.org).await?;
    let counts = store::entry_counts(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(all
        .into_iter()
        .map(|c| {
            let n = counts.iter().find(|x| x.0 == c.id).map_or(0, |x| x.1);
            (c, n as usize)
        })
        .collect())
}

pub async fn admin(app: &App, actor: &Actor, id: i64) -> Result<Admin, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let challenge = store::challenge(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let entries = store::entries(&mut tx, actor.org, id).await?;
    let secrets = if actor.role.can(Permission::ManagePrograms) {
        store::secrets(&mut tx, actor.org, id).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(Admin {
        challenge,
        entries,
        secrets,
    })
}

/// Challenges the portal lists (open now or coming).
pub async fn current(app: &App, org: OrgId) -> Result<Vec<Challenge>, AppError> {
    let (today, _) = org_today(app, org).await?;
    let mut tx = app.store.read().await?;
    let all = store::challenges(&mut tx, org).await?;
    tx.commit().await?;
    Ok(all
        .into_iter()
        .filter(|c| c.closed_at.is_none() && day(&c.ends_on) >= today)
        .collect())
}

/// What the portal shows of a challenge to the active profile.
pub struct View {
    pub challenge: Challenge,
    pub open: bool,
    pub entry: Option<Entry>,
    pub percent: i64,
    pub logs: Vec<Log>,
    pub badges: Vec<i64>,
    pub certificate: Option<String>,
    /// Why the active profile cannot join (a message key), if it cannot.
    pub cannot_join: Option<&'static str>,
    pub today: NaiveDate,
    /// Readers who agreed to be shown, by progress (nickname, progress).
    pub leaderboard: Vec<(String, i64)>,
}

pub async fn view(
    app: &App,
    org: OrgId,
    slug: &str,
    s: Option<&PatronSession>,
) -> Result<View, AppError> {
    let (today, _) = org_today(app, org).await?;
    let mut tx = app.store.read().await?;
    let challenge = store::by_slug(&mut tx, org, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let active = s.and_then(|s| s.active.clone());
    let entry = match &active {
        Some(p) => store::entry(&mut tx, org, challenge.id, p.id).await?,
        None => None,
    };
    let (logs, badges, certificate) = match &entry {
        Some(e) => (
            store::logs_of(&mut tx, org, e.id).await?,
            store::badges(&mut tx, e.id).await?,
            store::certificate_of_entry(&mut tx, e.id)
                .await?
                .map(|c| c.code),
        ),
        None => (Vec::new(), Vec::new(), None),
    };
    let leaderboard = store::leaderboard(&mut tx, org, challenge.id, 10).await?;
    tx.commit().await?;
    let open = is_open(&challenge, today);
    let cannot_join = match &active {
        _ if !open => Some(if today < day(&challenge.starts_on) {
            "ch-err-not-yet"
        } else {
            "ch-err-closed"
        }),
        Some(p)
            if !rules::age_fits(
                p.birth_year,
                today.year(),
                challenge.min_age,
                challenge.max_age,
            ) =>
        {
            Some("ch-err-age-group")
        }
        _ => None,
    };
    Ok(View {
        percent: entry
            .as_ref()
            .map_or(0, |e| rules::percent(e.progress, challenge.goal)),
        open,
        entry,
        logs,
        badges,
        certificate,
        cannot_join,
        challenge,
        today,
        leaderboard,
    })
}

/// Joins the active profile to a challenge.
pub async fn join(
    app: &App,
    s: &PatronSession,
    slug: &str,
    source: Option<&str>,
) -> Result<(), AppError> {
    let Some(p) = s.active.clone() else {
        return Err(AppError::Forbidden);
    };
    let v = view(app, s.org, slug, Some(s)).await?;
    if let Some(key) = v.cannot_join {
        return Err(AppError::field("join", key));
    }
    let now = app.now();
    let mut tx = app.store.begin().await?;
    match store::insert_entry(&mut tx, s.org, v.challenge.id, p.id, now).await {
        Ok(_) => {}
        // Joined already (a second tap): nothing to do.
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    if let Some(src) = crate::programs::source_of(&mut tx, s.org, source).await? {
        siar_store::programs::insert_conversion(
            &mut tx,
            s.org,
            CHALLENGE,
            v.challenge.id,
            Some(p.id),
            &src,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What logging did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// `counted` or `review`.
    pub status: &'static str,
    /// Milestones reached by this log.
    pub badges: Vec<i64>,
    /// The certificate's code, when this log completed the challenge.
    pub certificate: Option<String>,
}

/// Counts a log: progress, points, badges, completion (in the caller's
/// transaction).
async fn count(
    tx: &mut siar_store::Tx,
    org: OrgId,
    c: &Challenge,
    entry: &Entry,
    log: i64,
    amount: i64,
    now: Timestamp,
) -> Result<(Vec<i64>, Option<String>), AppError> {
    let before = rules::percent(entry.progress, c.goal);
    let progress = store::add_progress(tx, entry.id, amount).await?;
    let after = rules::percent(progress, c.goal);
    crate::rewards::earn(
        tx,
        org,
        &Movement {
            profile: entry.profile_id,
            delta: c.points_per_log,
            reason: PointReason::Reading.as_str(),
            ref_id: Some(log),
            note: &c.title,
            by: None,
        },
        now,
    )
    .await?;
    let mut badges = Vec::new();
    for m in rules::crossed(&rules::badges_of(&c.badges), before, after) {
        if store::award_badge(tx, entry.id, m, now).await? {
            badges.push(m);
        }
    }
    let mut certificate = None;
    if progress >= c.goal && store::complete(tx, entry.id, now).await? {
        // A child's first name (for the family's certificate), else the nickname.
        let p = siar_store::patrons::profile(tx, org, entry.profile_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let name = p.first_name.clone().unwrap_or(p.nickname);
        let mut bytes = [0u8; siar_domain::rewards::VOUCHER_LEN];
        rand::rng().fill_bytes(&mut bytes);
        let code = siar_domain::rewards::voucher_code(&bytes);
        store::insert_certificate(
            tx,
            org,
            &store::NewCertificate {
                code: &code,
                entry: Some(entry.id),
                profile: entry.profile_id,
                name: &name,
                achievement: &c.title,
            },
            now,
        )
        .await?;
        certificate = Some(code);
    }
    Ok((badges, certificate))
}

/// Logs reading for the active profile.
pub async fn log_reading(
    app: &App,
    s: &PatronSession,
    slug: &str,
    i: &LogInput,
) -> Result<Logged, AppError> {
    let Some(p) = s.active.clone() else {
        return Err(AppError::Forbidden);
    };
    let (today, _) = org_today(app, s.org).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let c = store::by_slug(&mut tx, s.org, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let refuse = |key| Err(AppError::field("title", key));
    if !is_open(&c, today) {
        tx.rollback().await?;
        return refuse("ch-err-closed");
    }
    let Some(entry) = store::entry(&mut tx, s.org, c.id, p.id).await? else {
        tx.rollback().await?;
        return refuse("ch-err-join-first");
    };
    if store::logs_since(&mut tx, entry.id, Timestamp(now.0 - 86_400_000)).await? >= c.daily_log_cap
    {
        tx.rollback().await?;
        return refuse("ch-err-too-many-logs");
    }
    let f = match rules::check_log(i, kind(&c), day(&c.starts_on), day(&c.ends_on), today) {
        Ok(f) => f,
        Err(problems) => {
            tx.rollback().await?;
            return Err(AppError::Invalid(problems));
        }
    };
    let read_on = f.read_on.to_string();
    let (pages, minutes) = store::day_totals(&mut tx, entry.id, &read_on).await?;
    let status = if rules::needs_review(pages + f.pages, minutes + f.minutes) {
        "review"
    } else {
        "counted"
    };
    let log = store::insert_log(
        &mut tx,
        s.org,
        &store::NewLog {
            entry: entry.id,
            title: &f.title,
            author: &f.author,
            isbn: f.isbn.as_deref(),
            pages: f.pages,
            minutes: f.minutes,
            read_on: &read_on,
            review: &f.review,
            status,
        },
        now,
    )
    .await?;
    let (badges, certificate) = if status == "counted" {
        count(
            &mut tx,
            s.org,
            &c,
            &entry,
            log,
            kind(&c).amount(f.pages, f.minutes),
            now,
        )
        .await?
    } else {
        (Vec::new(), None)
    };
    tx.commit().await?;
    Ok(Logged {
        status,
        badges,
        certificate,
    })
}

/// A log waiting for a librarian, with who and where.
pub struct Waiting {
    pub log: Log,
    pub nickname: String,
    pub challenge: String,
    pub goal_kind: GoalKind,
}

pub async fn review_queue(app: &App, actor: &Actor) -> Result<Vec<Waiting>, AppError> {
    actor.require(Permission::ManagePrograms)?;
    let mut tx = app.store.read().await?;
    let logs = store::review_queue(&mut tx, actor.org).await?;
    let mut out = Vec::new();
    for log in logs {
        let Some(e) = store::entry_by_id(&mut tx, actor.org, log.entry_id).await? else {
            continue;
        };
        let Some(c) = store::challenge(&mut tx, actor.org, e.challenge_id).await? else {
            continue;
        };
        let nickname = siar_store::patrons::profile(&mut tx, actor.org, e.profile_id)
            .await?
            .map(|p| p.nickname)
            .unwrap_or_default();
        out.push(Waiting {
            goal_kind: kind(&c),
            challenge: c.title,
            nickname,
            log,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// A librarian counts a waiting log or rejects it (once; two librarians at
/// once cannot both count it).
pub async fn decide(app: &App, actor: &Actor, log: i64, accept: bool) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let user = actor.user.ok_or(AppError::Forbidden)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let l = store::log(&mut tx, actor.org, log)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = if accept { "counted" } else { "rejected" };
    if !store::decide(&mut tx, actor.org, log, status, user, now).await? {
        tx.rollback().await?;
        return Err(AppError::field("log", "ch-err-decided"));
    }
    if accept {
        let entry = store::entry_by_id(&mut tx, actor.org, l.entry_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let c = store::challenge(&mut tx, actor.org, entry.challenge_id)
            .await?
            .ok_or(AppError::NotFound)?;
        count(
            &mut tx,
            actor.org,
            &c,
            &entry,
            log,
            kind(&c).amount(l.pages, l.minutes),
            now,
        )
        .await?;
    }
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "reading_log",
        Some(log.to_string()),
        format!("reading log {status}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A secret code typed by the active profile: its bonus points, once.
/// Returns the points given.
pub async fn enter_code(app: &App, s: &PatronSession, code: &str) -> Result<i64, AppError> {
    let Some(p) = s.active.clone() else {
        return Err(AppError::Forbidden);
    };
    let Some(code) = rules::normalise_secret(code) else {
        return Err(AppError::field("secret", "ch-err-secret-unknown"));
    };
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let Some(secret) = store::secret(&mut tx, s.org, &code).await? else {
        tx.rollback().await?;
        return Err(AppError::field("secret", "ch-err-secret-unknown"));
    };
    match store::use_secret(&mut tx, secret.id, p.id, now).await {
        Ok(true) => {}
        Ok(false) => {
            tx.rollback().await?;
            return Err(AppError::field("secret", "ch-err-secret-spent"));
        }
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return Err(AppError::field("secret", "ch-err-secret-used"));
        }
        Err(e) => return Err(e.into()),
    }
    crate::rewards::earn(
        &mut tx,
        s.org,
        &Movement {
            profile: p.id,
            delta: secret.points,
            reason: PointReason::Code.as_str(),
            ref_id: Some(secret.id),
            note: &secret.code,
            by: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(secret.points)
}

/// What the public verification page shows: never a child's real name.
#[derive(Debug, Clone)]
pub struct Verified {
    pub org_name: String,
    pub nickname: String,
    pub achievement: String,
    pub issued_at: Timestamp,
}

pub async fn verify(app: &App, code: &str) -> Result<Option<Verified>, AppError> {
    let Some(code) = siar_domain::rewards::normalise_voucher(code) else {
        return Ok(None);
    };
    let mut tx = app.store.read().await?;
    let Some(c) = store::certificate(&mut tx, &code).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    let org = OrgId(c.org_id);
    let nickname = siar_store::patrons::profile(&mut tx, org, c.profile_id)
        .await?
        .map(|p| p.nickname)
        .unwrap_or_default();
    let org_name = siar_store::org::org_by_id(&mut tx, org)
        .await?
        .map(|o| o.settings.name)
        .unwrap_or_default();
    tx.commit().await?;
    Ok(Some(Verified {
        org_name,
        nickname,
        achievement: c.achievement,
        issued_at: Timestamp(c.issued_at),
    }))
}

/// The certificate as PDF, for its family only.
pub async fn certificate_pdf(
    app: &App,
    s: &PatronSession,
    code: &str,
) -> Result<Vec<u8>, AppError> {
    let code = siar_domain::rewards::normalise_voucher(code).ok_or(AppError::NotFound)?;
    let mut tx = app.store.read().await?;
    let c = store::certificate(&mut tx, &code)
        .await?
        .filter(|c| s.profiles.iter().any(|p| p.id == c.profile_id))
        .ok_or(AppError::NotFound)?;
    let org = siar_store::org::org_by_id(&mut tx, s.org)
        .await?
        .ok_or(AppError::NotFound)?;
    let logo = siar_store::org::logo(&mut tx, s.org).await.ok().flatten();
    tx.commit().await?;
    let lang = s
        .patron
        .lang
        .as_deref()
        .and_then(siar_domain::org::Lang::parse)
        .unwrap_or(org.settings.default_lang);
    let url = format!(
        "{}/verifikasi/{}",
        app.config.public_url.trim_end_matches('/'),
        c.code
    );
    let issued = Timestamp(c.issued_at)
        .to_utc()
        .with_timezone(&org.settings.timezone)
        .date_naive();
    crate::certificates::render(
        app,
        &crate::certificates::Content {
            lang,
            org_name: org.settings.name,
            logo,
            name: c.name,
            achievement: c.achievement,
            issued,
            code: c.code,
            url,
        },
    )
}

/// A challenge's readers as CSV (nickname, progress, per cent, joined,
/// completed; times in UTC).
pub fn entries_csv(a: &Admin) -> Result<String, AppError> {
    let internal = |e: csv::Error| AppError::Internal(e.to_string());
    let iso = |ms: i64| Timestamp(ms).rfc3339();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["nickname", "progress", "percent", "joined", "completed"])
        .map_err(internal)?;
    for e in &a.entries {
        w.write_record([
            crate::audit::neutralise(&e.nickname),
            e.progress.to_string(),
            rules::percent(e.progress, a.challenge.goal).to_string(),
            iso(e.joined_at),
            e.completed_at.map(iso).unwrap_or_default(),
        ])
        .map_err(internal)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

/// The public address part of a badge a profile earned: entry, milestone and
/// a signature, so only the family (who sees the challenge page) can hand it
/// out, and nobody can make one up.
pub fn badge_token(app: &App, entry: i64, milestone: i64) -> String {
    let sig = app.secrets.sign(&format!("badge:{entry}:{milestone}"));
    format!("{entry}-{milestone}-{sig}")
}

/// A shared badge as the public sees it: the nickname only.
#[derive(Debug, Clone)]
pub struct SharedBadge {
    pub nickname: String,
    pub challenge: Challenge,
    pub milestone: i64,
}

/// Reads a badge token: `None` when it is not ours, was made up, or the
/// badge (or the account) is gone.
pub async fn shared_badge(
    app: &App,
    org: OrgId,
    token: &str,
) -> Result<Option<SharedBadge>, AppError> {
    let mut parts = token.splitn(3, '-');
    let (Some(entry), Some(milestone), Some(sig)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    let (Ok(entry), Ok(milestone)) = (entry.parse::<i64>(), milestone.parse::<i64>()) else {
        return Ok(None);
    };
    if !app
        .secrets
        .verify(&format!("badge:{entry}:{milestone}"), sig)
    {
        return Ok(None);
    }
    let mut tx = app.store.read().await?;
    let Some(e) = store::entry_by_id(&mut tx, org, entry).await? else {
        tx.commit().await?;
        return Ok(None);
    };
    if !store::badges(&mut tx, e.id).await?.contains(&milestone) {
        tx.commit().await?;
        return Ok(None);
    }
    let challenge = store::challenge(&mut tx, org, e.challenge_id).await?;
    let nickname = siar_store::patrons::profile(&mut tx, org, e.profile_id)
        .await?
        .map(|p| p.nickname);
    tx.commit().await?;
    Ok(challenge
        .zip(nickname)
        .map(|(challenge, nickname)| SharedBadge {
            nickname,
            challenge,
            milestone,
        }))
}
