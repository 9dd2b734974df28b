//! Patron programmes hosted by Siar. Polls: staff make, close and read them;
//! patrons (and, where a poll allows it, anonymous visitors) vote once; every
//! ballot that came through a short link is written as a conversion with the
//! channel, post and campaign of that link.

use crate::audit::record;
use crate::patrons::PatronSession;
use crate::{Actor, App, AppError};
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::org::{OrgId, Permission};
use siar_domain::programs::{self as rules, PollInput, PollState, ShowResults};
use siar_store::StoreError;
use siar_store::programs as store;

pub use siar_store::programs::{Poll, PollOption, SourceCount, Tally};

/// Kind of a poll's conversions.
pub const POLL: &str = "poll";

/// Who is voting.
#[derive(Debug, Clone)]
pub enum Voter {
    /// A signed-in patron's active profile.
    Profile(i64),
    /// A browser without an account (its pre-session token).
    Browser(String),
}

impl Voter {
    pub fn of(session: Option<&PatronSession>, browser: &str) -> Self {
        match session.and_then(|s| s.active.as_ref()) {
            Some(p) => Voter::Profile(p.id),
            None => Voter::Browser(browser.to_string()),
        }
    }

    pub(crate) fn key(&self, app: &App) -> String {
        match self {
            Voter::Profile(id) => format!("p:{id}"),
            Voter::Browser(t) => format!("a:{}", app.secrets.sign(&format!("voter:{t}"))),
        }
    }

    pub(crate) fn profile(&self) -> Option<i64> {
        match self {
            Voter::Profile(id) => Some(*id),
            Voter::Browser(_) => None,
        }
    }
}

fn state(p: &Poll, now: Timestamp) -> PollState {
    rules::poll_state(
        Timestamp(p.opens_at),
        p.closes_at.map(Timestamp),
        p.closed_at.map(Timestamp),
        now,
    )
}

fn show(p: &Poll) -> ShowResults {
    ShowResults::parse(&p.results).unwrap_or(ShowResults::AfterClose)
}

fn new_poll<'a>(f: &'a rules::PollFields, slug: &'a str) -> store::NewPoll<'a> {
    store::NewPoll {
        slug,
        question: &f.question,
        description: &f.description,
        max_choices: f.max_choices,
        results: f.results.as_str(),
        allow_anonymous: f.allow_anonymous,
        opens_at: f.opens_at,
        closes_at: f.closes_at,
        options: &f.options,
        address_cap: f.address_cap,
    }
}

/// Makes a poll (and its short link for posts); returns its id.
pub async fn create_poll(app: &App, actor: &Actor, input: &PollInput) -> Result<i64, AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let f = rules::check_poll(input, now).map_err(AppError::Invalid)?;
    let user = actor.user.ok_or(AppError::Forbidden)?;
    let mut tx = app.store.begin().await?;
    let id = match store::insert_poll(&mut tx, actor.org, &new_poll(&f, &f.slug), user, now).await {
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
        "poll",
        Some(id.to_string()),
        format!("poll /jajak/{} created", f.slug),
        now,
    )
    .await?;
    tx.commit().await?;
    if let Some(code) =
        crate::links::share_link(app, actor, &format!("/jajak/{}", f.slug), &f.question).await
    {
        let mut tx = app.store.begin().await?;
        store::set_link_code(&mut tx, actor.org, id, &code).await?;
        tx.commit().await?;
    }
    Ok(id)
}

/// Changes a poll. Its address stays (posts link to it); its options change
/// only while nobody has voted.
pub async fn update_poll(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &PollInput,
) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let Some(old) = store::poll(&mut tx, actor.org, id).await? else {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    };
    // An opening time already passed is not "before now" for the check.
    let check_at = Timestamp(now.0.min(old.opens_at));
    let f = match rules::check_poll(
        &PollInput {
            slug: old.slug.clone(),
            opens_at: input.opens_at.or(Some(Timestamp(old.opens_at))),
            ..input.clone()
        },
        check_at,
    ) {
        Ok(f) => f,
        Err(p) => {
            tx.rollback().await?;
            return Err(AppError::Invalid(p));
        }
    };
    if let Some(c) = f.closes_at
        && c <= now
    {
        tx.rollback().await?;
        return Err(AppError::field("closes_at", "pg-err-closes-before"));
    }
    let labels: Vec<String> = store::options(&mut tx, id)
        .await?
        .into_iter()
        .map(|o| o.label)
        .collect();
    let changed = labels != f.options;
    let (_, tally) = store::results(&mut tx, id).await?;
    if changed && tally.ballots > 0 {
        tx.rollback().await?;
        return Err(AppError::field("options", "pg-err-options-locked"));
    }
    store::update_poll(
        &mut tx,
        actor.org,
        id,
        &new_poll(&f, &old.slug),
        changed,
        now,
    )
    .await?;
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "poll",
        Some(id.to_string()),
        format!("poll /jajak/{} changed", old.slug),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn close_poll(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let poll = store::poll(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if store::close_poll(&mut tx, actor.org, id, now).await? {
        record(
            &mut tx,
            actor,
            AuditAction::ProgramChanged,
            "poll",
            Some(id.to_string()),
            format!("poll /jajak/{} closed", poll.slug),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A poll in a list, with where it stands and its ballots.
#[derive(Debug, Clone)]
pub struct PollSummary {
    pub poll: Poll,
    pub state: PollState,
    pub ballots: i64,
}

pub async fn polls(app: &App, actor: &Actor) -> Result<Vec<PollSummary>, AppError> {
    actor.require(Permission::ViewReports)?;
    let now = app.now();
    let mut tx = app.store.read().await?;
    let list = store::polls(&mut tx, actor.org, 200).await?;
    let counts = store::ballot_counts(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(list
        .into_iter()
        .map(|poll| PollSummary {
            state: state(&poll, now),
            ballots: counts.iter().find(|c| c.0 == poll.id).map_or(0, |c| c.1),
            poll,
        })
        .collect())
}

/// One option's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionResult {
    pub option: PollOption,
    pub votes: i64,
    pub percent: i64,
}

/// A poll's results with what brought its voters.
#[derive(Debug, Clone)]
pub struct PollResults {
    pub poll: Poll,
    pub state: PollState,
    pub options: Vec<OptionResult>,
    pub tally: Tally,
    pub sources: Vec<SourceCount>,
}

async fn results_of(
    tx: &mut siar_store::Tx,
    poll: &Poll,
) -> Result<(Vec<OptionResult>, Tally), AppError> {
    let options = store::options(tx, poll.id).await?;
    let (counts, tally) = store::results(tx, poll.id).await?;
    let votes: Vec<i64> = options
        .iter()
        .map(|o| counts.iter().find(|(id, _)| *id == o.id).map_or(0, |c| c.1))
        .collect();
    let pct = rules::percents(&votes);
    Ok((
        options
            .into_iter()
            .zip(votes.into_iter().zip(pct))
            .map(|(option, (votes, percent))| OptionResult {
                option,
                votes,
                percent,
            })
            .collect(),
        tally,
    ))
}

pub async fn poll_results(app: &App, actor: &Actor, id: i64) -> Result<PollResults, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let poll = store::poll(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (options, tally) = results_of(&mut tx, &poll).await?;
    let sources = store::sources(&mut tx, actor.org, POLL, id).await?;
    tx.commit().await?;
    Ok(PollResults {
        state: state(&poll, app.now()),
        poll,
        options,
        tally,
        sources,
    })
}

/// The results as CSV (option, votes, share).
pub fn results_csv(r: &PollResults) -> Result<String, AppError> {
    let internal = |e: csv::Error| AppError::Internal(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["option", "votes", "percent"])
        .map_err(internal)?;
    for o in &r.options {
        w.write_record([
            crate::audit::neutralise(&o.option.label),
            o.votes.to_string(),
            o.percent.to_string(),
        ])
        .map_err(internal)?;
    }
    w.write_record([
        "ballots".to_string(),
        r.tally.ballots.to_string(),
        String::new(),
    ])
    .map_err(internal)?;
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

/// Polls open now, for the portal's home page.
pub async fn open_polls(app: &App, org: OrgId) -> Result<Vec<Poll>, AppError> {
    let now = app.now();
    let mut tx = app.store.read().await?;
    let list = store::polls(&mut tx, org, 50).await?;
    tx.commit().await?;
    Ok(list
        .into_iter()
        .filter(|p| state(p, now) == PollState::Open)
        .collect())
}

/// What the portal shows of a poll to one visitor.
#[derive(Debug, Clone)]
pub struct PollPage {
    pub poll: Poll,
    pub state: PollState,
    pub options: Vec<PollOption>,
    /// What this visitor chose, if they voted.
    pub mine: Option<Vec<i64>>,
    /// Results, when they may be shown.
    pub results: Option<(Vec<OptionResult>, Tally)>,
    /// Anonymous visitors must sign in to vote here.
    pub needs_sign_in: bool,
}

pub async fn poll_page(
    app: &App,
    org: OrgId,
    slug: &str,
    voter: &Voter,
) -> Result<PollPage, AppError> {
    let mut tx = app.store.read().await?;
    let poll = store::poll_by_slug(&mut tx, org, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let st = state(&poll, app.now());
    let options = store::options(&mut tx, poll.id).await?;
    let mine = store::ballot_of(&mut tx, poll.id, &voter.key(app)).await?;
    let results = if rules::results_visible(show(&poll), st, mine.is_some()) {
        Some(results_of(&mut tx, &poll).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(PollPage {
        needs_sign_in: !poll.allow_anonymous && matches!(voter, Voter::Browser(_)),
        poll,
        state: st,
        options,
        mine,
        results,
    })
}

/// Casts a ballot. Once per voter; anonymous only where the poll allows it;
/// throttled per network address. `source` is the short-link code the
/// visitor came through, if any.
pub async fn vote(
    app: &App,
    org: OrgId,
    slug: &str,
    voter: &Voter,
    ticked: &[i64],
    address: &str,
    source: Option<&str>,
) -> Result<(), AppError> {
    let now = app.now();
    let addr = app.secrets.sign(&format!("poll-address:{address}"));
    let mut tx = app.store.begin().await?;
    let poll = store::poll_by_slug(&mut tx, org, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let refuse = |key| Err(AppError::field("choices", key));
    match state(&poll, now) {
        PollState::Closed => {
            tx.rollback().await?;
            return refuse("pg-err-closed");
        }
        PollState::NotYet => {
            tx.rollback().await?;
            return refuse("pg-err-not-yet");
        }
        PollState::Open => {}
    }
    if matches!(voter, Voter::Browser(_)) && !poll.allow_anonymous {
        tx.rollback().await?;
        return refuse("pg-err-sign-in");
    }
    let minute = store::ballots_from(&mut tx, poll.id, &addr, Timestamp(now.0 - 60_000)).await?;
    let hour = if voter.profile().is_none() {
        store::ballots_from(&mut tx, poll.id, &addr, Timestamp(now.0 - 3_600_000)).await?
    } else {
        0
    };
    if minute >= rules::BALLOTS_PER_ADDRESS_MINUTE || hour >= poll.address_cap {
        tx.rollback().await?;
        return refuse("pg-err-slow-down");
    }
    let option_ids: Vec<i64> = store::options(&mut tx, poll.id)
        .await?
        .iter()
        .map(|o| o.id)
        .collect();
    let choices = match rules::check_choices(ticked, &option_ids, poll.max_choices) {
        Ok(c) => c,
        Err(key) => {
            tx.rollback().await?;
            return refuse(key);
        }
    };
    match store::insert_ballot(
        &mut tx,
        org,
        &store::NewBallot {
            poll: poll.id,
            voter: &voter.key(app),
            profile: voter.profile(),
            address: &addr,
            choices: &choices,
        },
        now,
    )
    .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return refuse("pg-err-voted");
        }
        Err(e) => return Err(e.into()),
    }
    let src = source_of(&mut tx, org, source).await?;
    if let Some(src) = src {
        store::insert_conversion(&mut tx, org, POLL, poll.id, voter.profile(), &src, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The source of a short-link code, if it is one of this organisation's.
pub(crate) async fn source_of(
    tx: &mut siar_store::Tx,
    org: OrgId,
    code: Option<&str>,
) -> Result<Option<store::Source>, AppError> {
    let Some(code) = code.filter(|c| siar_domain::links::check_code(c).is_ok()) else {
        return Ok(None);
    };
    let Some(link) = siar_store::links::by_code(tx, code).await? else {
        return Ok(None);
    };
    if link.org_id != org {
        return Ok(None);
    }
    Ok(Some(store::Source {
        link_id: Some(link.id),
        channel_id: link.channel_id,
        post_id: link.post_id,
        campaign: link.campaign,
    }))
}

/// The demo's programmes: a family with a child and a student as patrons, an
/// open poll with their votes (and anonymous ones), and a closed poll.
pub(crate) async fn seed_demo(app: &App, editor: &Actor, practice: i64) -> Result<(), AppError> {
    use crate::patrons::seed_patron;
    let org = editor.org;
    let family = seed_patron(
        app,
        org,
        "keluarga.ani@contoh.example",
        "Bunda Literasi",
        Some("PLG-2024-0107"),
        &[("Rafi Kecil", "Rafi", 2016)],
    )
    .await?;
    let student = seed_patron(
        app,
        org,
        "pelajar.dimas@contoh.example",
        "Kutu Buku SMA",
        None,
        &[],
    )
    .await?;
    let open = PollInput {
        question: "Buku apa yang ingin kamu baca di Minggu Buku Palembang?".into(),
        description: "Pilihan terbanyak kami sediakan di rak depan selama sepekan.".into(),
        options: "Komik sains\nDongeng Nusantara\nNovel remaja\nBuku resep masakan Palembang"
            .into(),
        results: "after_vote".into(),
        allow_anonymous: true,
        slug: "buku-minggu-buku".into(),
        ..PollInput::default()
    };
    create_poll(app, editor, &open).await?;
    let mut tx = app.store.read().await?;
    let options: Vec<i64> = match store::poll_by_slug(&mut tx, org, "buku-minggu-buku").await? {
        Some(p) => store::options(&mut tx, p.id)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect(),
        None => Vec::new(),
    };
    tx.commit().await?;
    if options.len() == 4 {
        let ballots: [(Voter, i64); 6] = [
            (Voter::Profile(family[0]), options[3]),
            (Voter::Profile(family[1]), options[0]),
            (Voter::Profile(student[0]), options[2]),
            (Voter::Browser("demo-1".into()), options[1]),
            (Voter::Browser("demo-2".into()), options[0]),
            (Voter::Browser("demo-3".into()), options[1]),
        ];
        for (i, (voter, choice)) in ballots.iter().enumerate() {
            vote(
                app,
                org,
                "buku-minggu-buku",
                voter,
                &[*choice],
                &format!("demo-{i}"),
                None,
            )
            .await?;
        }
    }
    let closed = PollInput {
        question: "Kapan waktu favoritmu berkunjung ke perpustakaan?".into(),
        options: "Pagi sebelum sekolah\nSiang sepulang sekolah\nSore\nAkhir pekan".into(),
        results: "after_close".into(),
        slug: "waktu-berkunjung".into(),
        ..PollInput::default()
    };
    let id = create_poll(app, editor, &closed).await?;
    let mut tx = app.store.read().await?;
    let options: Vec<i64> = store::options(&mut tx, id)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    tx.commit().await?;
    if let (Some(weekend), Some(afternoon)) = (options.get(3), options.get(1)) {
        vote(
            app,
            org,
            "waktu-berkunjung",
            &Voter::Profile(family[0]),
            &[*weekend],
            "demo-a",
            None,
        )
        .await?;
        vote(
            app,
            org,
            "waktu-berkunjung",
            &Voter::Profile(student[0]),
            &[*afternoon],
            "demo-b",
            None,
        )
        .await?;
    }
    close_poll(app, editor, id).await?;
    crate::rewards::seed_demo(
        app,
        editor,
        &[(family[0], 80), (family[1], 140), (student[0], 60)],
    )
    .await?;
    crate::forms::seed_demo(app, editor, &[student[0]], practice).await?;
    seed_challenge(app, editor, family[1]).await
}

/// The demo's running reading challenge: the family's child is in it with two
/// books logged, and a secret code from the library's poster.
async fn seed_challenge(app: &App, editor: &Actor, child: i64) -> Result<(), AppError> {
    use chrono::Duration as D;
    let mut tx = app.store.read().await?;
    let tz = siar_store::org::org_by_id(&mut tx, editor.org)
        .await?
        .map(|o| o.settings.timezone)
        .unwrap_or(chrono_tz::Asia::Jakarta);
    tx.commit().await?;
    let today = app.now().to_utc().with_timezone(&tz).date_naive();
    let id = crate::challenges::create(
        app,
        editor,
        &siar_domain::challenges::ChallengeInput {
            title: "Tantangan Membaca Liburan Akhir Tahun".into(),
            description: "Baca 3 buku selama liburan, kumpulkan lencana, dan dapatkan sertifikat dari Perpustakaan Kota Palembang!".into(),
            starts_on: (today - D::days(14)).to_string(),
            ends_on: (today + D::days(30)).to_string(),
            goal_kind: "books".into(),
            goal: "3".into(),
            min_age: "6".into(),
            max_age: "12".into(),
            points_per_log: "10".into(),
            slug: "liburan-akhir-tahun".into(),
            daily_log_cap: String::new(),
            badges: String::new(),
        },
    )
    .await?;
    crate::challenges::add_secret(app, editor, id, "AMPERA", "20", "").await?;
    let s = crate::patrons::as_profile(app, editor.org, child).await?;
    crate::challenges::join(app, &s, "liburan-akhir-tahun", None).await?;
    for (title, author, ago) in [
        ("Si Kancil dan Buaya", "Cerita rakyat", 5),
        ("Legenda Pulau Kemaro", "Cerita rakyat Palembang", 2),
    ] {
        crate::challenges::log_reading(
            app,
            &s,
            "liburan-akhir-tahun",
            &siar_domain::challenges::LogInput {
                title: title.into(),
                author: author.into(),
                read_on: (today - D::days(ago)).to_string(),
                review: "Seru!".into(),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(())
}

/// Kind of a sign-up's conversion.
pub const SIGNUP: &str = "signup";

/// Credits a new account to the short link that brought its visitor (once).
pub async fn credit_signup(
    app: &App,
    s: &PatronSession,
    source: Option<&str>,
) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let Some(src) = source_of(&mut tx, s.org, source).await? else {
        tx.rollback().await?;
        return Ok(());
    };
    if store::has_conversion(&mut tx, s.org, SIGNUP, s.patron.id).await? {
        tx.rollback().await?;
        return Ok(());
    }
    store::insert_conversion(&mut tx, s.org, SIGNUP, s.patron.id, None, &src, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What a post brought to the portal: (kind, count) of sign-ups, votes and
/// challenge entries that came through its short links.
pub async fn participations_of_post(
    app: &App,
    actor: &Actor,
    post: i64,
) -> Result<Vec<(String, i64)>, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let rows = store::conversions_of_post(&mut tx, actor.org, post).await?;
    tx.commit().await?;
    Ok(rows)
}
