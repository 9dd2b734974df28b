//! Patrons of the portal: sign-in with a one-time code sent by e-mail, the
//! first-time set-up (nickname and consent), families (children's profiles
//! under a guardian's consent), "My data" (see, export, delete).
//!
//! Codes are kept as a keyed hash (to check) and encrypted (to send, or to be
//! read out by staff when the deployment has no e-mail server); the readable
//! copy is forgotten once the code is e-mailed or spent.

use crate::jobs::{JobError, JobFuture, JobHandler};
use crate::{App, AppError};
use lettre::message::Mailbox;
use rand::Rng;
use siar_domain::Timestamp;
use siar_domain::jobs::{Job, NewJob};
use siar_domain::org::{Lang, OrgId};
use siar_domain::patrons::{self as rules, ConsentPurpose};
use siar_domain::validate::{FieldError, Problems};
use siar_store::StoreError;
use siar_store::patrons as store;

pub use siar_store::patrons::{Consent, Patron, Profile};

/// Kind of the job that e-mails a sign-in code.
pub const SEND_PATRON_CODE: &str = "send_patron_code";

/// A signed-in patron, with the profile they act as.
#[derive(Debug, Clone)]
pub struct PatronSession {
    pub org: OrgId,
    pub token_hash: String,
    pub patron: Patron,
    pub profiles: Vec<Profile>,
    pub active: Option<Profile>,
}

impl PatronSession {
    /// The account holder's own profile (none until the first set-up).
    pub fn own(&self) -> Option<&Profile> {
        self.profiles.iter().find(|p| !p.is_child())
    }

    pub fn needs_setup(&self) -> bool {
        self.own().is_none()
    }

    pub fn children(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.iter().filter(|p| p.is_child())
    }
}

fn address_key(app: &App, address: &str) -> String {
    app.secrets.sign(&format!("patron-address:{address}"))
}

fn code_message(org: OrgId, email: &str, code: &str) -> String {
    format!("patron-code:{}:{email}:{code}", org.0)
}

/// Sends a sign-in code to an address (e-mail when configured; otherwise
/// staff can read it out, and in demo mode it is in the server log).
/// Throttled per address and per network address.
pub async fn request_code(
    app: &App,
    org: OrgId,
    email: &str,
    lang: Lang,
    address: &str,
) -> Result<(), AppError> {
    let mut p = Problems::default();
    p.email("email", email);
    p.into_result().map_err(AppError::Invalid)?;
    let email = rules::normalise_email(email);
    let now = app.now();
    let addr = address_key(app, address);
    let mut tx = app.store.begin().await?;
    let by_email = store::codes_since(
        &mut tx,
        org,
        "email",
        &email,
        Timestamp(now.0 - rules::EMAIL_WINDOW_MS),
    )
    .await?;
    let by_addr = store::codes_since(
        &mut tx,
        org,
        "address",
        &addr,
        Timestamp(now.0 - rules::ADDRESS_WINDOW_MS),
    )
    .await?;
    if by_email >= rules::CODES_PER_EMAIL || by_addr >= rules::CODES_PER_ADDRESS {
        tx.rollback().await?;
        return Err(AppError::field("email", "pt-err-slow-down"));
    }
    let code = rules::code_from(rand::rng().random::<u32>());
    let id = store::insert_code(
        &mut tx,
        org,
        &store::NewCode {
            email: &email,
            code_hash: &app.secrets.sign(&code_message(org, &email, &code)),
            code_enc: &app.secrets.encrypt(&code),
            address: &addr,
            lang: lang.code(),
            expires_at: Timestamp(now.0 + rules::CODE_TTL_MS),
        },
        now,
    )
    .await?;
    if app.config.mail.is_some() {
        siar_store::jobs::enqueue(
            &mut tx,
            &NewJob {
                org_id: Some(org),
                kind: SEND_PATRON_CODE.into(),
                payload: serde_json::json!({ "code": id }).to_string(),
                run_at: now,
                max_attempts: 4,
                dedup_key: None,
            },
            now,
        )
        .await?;
    } else if app.config.demo_mode {
        // Demo without e-mail: the code is shown where the trainer looks.
        tracing::info!(email = %email, code = %code, "demo: patron sign-in code");
    }
    tx.commit().await?;
    Ok(())
}

/// Checks a code; on success the patron is signed in (the account is made on
/// the first sign-in) and the session token is returned.
pub async fn verify_code(
    app: &App,
    org: OrgId,
    email: &str,
    code: &str,
    lang: Lang,
) -> Result<String, AppError> {
    let email = rules::normalise_email(email);
    let Some(code) = rules::parse_code(code) else {
        return Err(AppError::field("code", "pt-err-code-format"));
    };
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let Some(row) = store::live_code(&mut tx, org, &email, now, rules::CODE_MAX_TRIES).await?
    else {
        tx.rollback().await?;
        return Err(AppError::field("code", "pt-err-code-expired"));
    };
    if !app
        .secrets
        .verify(&code_message(org, &email, &code), &row.code_hash)
    {
        store::wrong_try(&mut tx, row.id).await?;
        tx.commit().await?;
        let key = if row.tries + 1 >= rules::CODE_MAX_TRIES {
            "pt-err-code-spent"
        } else {
            "pt-err-code-wrong"
        };
        return Err(AppError::field("code", key));
    }
    if !store::spend(&mut tx, row.id, now).await? {
        tx.rollback().await?;
        return Err(AppError::field("code", "pt-err-code-expired"));
    }
    let (patron, _) = store::find_or_create(&mut tx, org, &email, lang.code(), now).await?;
    let own = store::profiles(&mut tx, org, patron.id)
        .await?
        .into_iter()
        .find(|p| !p.is_child())
        .map(|p| p.id);
    let token = crate::secrets::random_token();
    store::insert_session(
        &mut tx,
        org,
        &crate::secrets::token_hash(&token),
        patron.id,
        own,
        now,
        Timestamp(now.0 + rules::SESSION_TTL_MS),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The session of a cookie token, if it is live.
pub async fn session(app: &App, token: &str) -> Result<Option<PatronSession>, AppError> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let hash = crate::secrets::token_hash(token);
    let mut tx = app.store.read().await?;
    let Some(row) = store::session(&mut tx, &hash, app.now()).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    let org = OrgId(row.org_id);
    let Some(patron) = store::patron(&mut tx, org, row.patron_id).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    let profiles = store::profiles(&mut tx, org, patron.id).await?;
    tx.commit().await?;
    let active = row
        .profile_id
        .and_then(|id| profiles.iter().find(|p| p.id == id).cloned())
        .or_else(|| profiles.iter().find(|p| !p.is_child()).cloned());
    Ok(Some(PatronSession {
        org,
        token_hash: hash,
        patron,
        profiles,
        active,
    }))
}

pub async fn sign_out(app: &App, s: &PatronSession) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    store::delete_session(&mut tx, &s.token_hash).await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts a profile; `None` when the nickname is taken.
async fn insert_profile(
    tx: &mut siar_store::Tx,
    s: &PatronSession,
    kind: &str,
    nickname: &str,
    first_name: Option<&str>,
    birth_year: Option<i32>,
    now: Timestamp,
) -> Result<Option<i64>, AppError> {
    match store::insert_profile(
        tx,
        s.org,
        &store::NewProfile {
            patron_id: s.patron.id,
            kind,
            nickname,
            nickname_key: &rules::nickname_key(nickname),
            first_name,
            birth_year,
        },
        now,
    )
    .await
    {
        Ok(id) => Ok(Some(id)),
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Records a consent in the current text's version.
async fn consent(
    tx: &mut siar_store::Tx,
    s: &PatronSession,
    profile: Option<i64>,
    purpose: ConsentPurpose,
    now: Timestamp,
) -> Result<(), AppError> {
    store::insert_consent(
        tx,
        s.org,
        s.patron.id,
        profile,
        purpose.as_str(),
        rules::CONSENT_VERSION,
        now,
    )
    .await?;
    Ok(())
}

/// What the first set-up asks.
#[derive(Debug, Clone, Default)]
pub struct SetupInput {
    pub nickname: String,
    pub member_no: String,
    pub consent: bool,
    pub leaderboard: bool,
}

/// The first set-up: the public nickname, an optional member number, and the
/// account consent (required) with the leaderboard consent (optional).
pub async fn set_up(app: &App, s: &PatronSession, i: &SetupInput) -> Result<(), AppError> {
    if !s.needs_setup() {
        return Ok(());
    }
    let mut p = Problems::default();
    rules::check_nickname(&mut p, "nickname", &i.nickname);
    rules::check_member_no(&mut p, "member_no", &i.member_no);
    if !i.consent {
        p.push("consent", "pt-err-consent");
    }
    p.into_result().map_err(AppError::Invalid)?;
    let now = app.now();
    let nickname = i.nickname.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut tx = app.store.begin().await?;
    let Some(id) = insert_profile(&mut tx, s, "self", &nickname, None, None, now).await? else {
        tx.rollback().await?;
        return Err(AppError::field("nickname", "pt-err-nickname-taken"));
    };
    let member = i.member_no.trim();
    store::set_details(
        &mut tx,
        s.org,
        s.patron.id,
        s.patron.lang.as_deref(),
        (!member.is_empty()).then_some(member),
    )
    .await?;
    consent(&mut tx, s, None, ConsentPurpose::Account, now).await?;
    if i.leaderboard {
        consent(&mut tx, s, Some(id), ConsentPurpose::Leaderboard, now).await?;
    }
    store::set_session_profile(&mut tx, &s.token_hash, Some(id)).await?;
    tx.commit().await?;
    Ok(())
}

/// What a guardian types to add a child.
#[derive(Debug, Clone, Default)]
pub struct ChildInput {
    pub nickname: String,
    pub first_name: String,
    pub birth_year: String,
    pub guardian_consent: bool,
    /// The guardian lets the child's nickname show on leaderboards.
    pub leaderboard: bool,
}

/// Adds a child's profile under the guardian's consent (recorded with the
/// text's version); returns its id.
pub async fn add_child(app: &App, s: &PatronSession, i: &ChildInput) -> Result<i64, AppError> {
    if s.needs_setup() {
        return Err(AppError::Forbidden);
    }
    let now = app.now();
    let this_year = crate::patrons::year_of(app, s.org, now).await?;
    let mut p = Problems::default();
    rules::check_nickname(&mut p, "nickname", &i.nickname);
    if i.first_name.trim().chars().count() > 40 {
        p.0.push(FieldError {
            field: "first_name",
            key: "err-too-long",
            max: Some(40),
        });
    }
    let year = rules::check_birth_year(&mut p, "birth_year", &i.birth_year, this_year);
    if !i.guardian_consent {
        p.push("guardian_consent", "pt-err-guardian-consent");
    }
    if s.children().count() >= rules::MAX_CHILDREN {
        p.push("nickname", "pt-err-children-many");
    }
    p.into_result().map_err(AppError::Invalid)?;
    let nickname = i.nickname.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = i.first_name.trim();
    let mut tx = app.store.begin().await?;
    let first = (!first.is_empty()).then_some(first);
    let Some(id) = insert_profile(&mut tx, s, "child", &nickname, first, Some(year), now).await?
    else {
        tx.rollback().await?;
        return Err(AppError::field("nickname", "pt-err-nickname-taken"));
    };
    consent(&mut tx, s, Some(id), ConsentPurpose::Guardian, now).await?;
    if i.leaderboard {
        consent(&mut tx, s, Some(id), ConsentPurpose::Leaderboard, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The current year in the organisation's zone.
pub(crate) async fn year_of(app: &App, org: OrgId, now: Timestamp) -> Result<i32, AppError> {
    use chrono::Datelike;
    let mut tx = app.store.read().await?;
    let o = siar_store::org::org_by_id(&mut tx, org)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(now.to_utc().with_timezone(&o.settings.timezone).year())
}

/// Acts as another of the account's profiles (a child, or oneself again).
pub async fn switch(app: &App, s: &PatronSession, profile: i64) -> Result<(), AppError> {
    if !s.profiles.iter().any(|p| p.id == profile) {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store.begin().await?;
    store::set_session_profile(&mut tx, &s.token_hash, Some(profile)).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a child's profile (and with it the guardian's consent for it).
pub async fn remove_child(app: &App, s: &PatronSession, profile: i64) -> Result<(), AppError> {
    if !s.children().any(|p| p.id == profile) {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store.begin().await?;
    store::delete_profile(&mut tx, s.org, s.patron.id, profile).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the member number and the leaderboard consent of the account's
/// own profile.
pub async fn update(
    app: &App,
    s: &PatronSession,
    member_no: &str,
    leaderboard: bool,
) -> Result<(), AppError> {
    let Some(own) = s.own() else {
        return Err(AppError::Forbidden);
    };
    let mut p = Problems::default();
    rules::check_member_no(&mut p, "member_no", member_no);
    p.into_result().map_err(AppError::Invalid)?;
    let now = app.now();
    let member = member_no.trim();
    let mut tx = app.store.begin().await?;
    store::set_details(
        &mut tx,
        s.org,
        s.patron.id,
        s.patron.lang.as_deref(),
        (!member.is_empty()).then_some(member),
    )
    .await?;
    let current = store::consents(&mut tx, s.org, s.patron.id)
        .await?
        .into_iter()
        .any(|c| {
            c.profile_id == Some(own.id)
                && c.purpose == ConsentPurpose::Leaderboard.as_str()
                && c.withdrawn_at.is_none()
        });
    if leaderboard && !current {
        consent(&mut tx, s, Some(own.id), ConsentPurpose::Leaderboard, now).await?;
    } else if !leaderboard && current {
        store::withdraw(
            &mut tx,
            s.org,
            s.patron.id,
            Some(own.id),
            ConsentPurpose::Leaderboard.as_str(),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One ballot in "My data".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BallotLine {
    pub profile: String,
    pub poll: String,
    pub choices: Vec<String>,
    pub at: i64,
}

/// A quiz or survey response in "My data".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseLine {
    pub profile: String,
    pub kind: String,
    pub title: String,
    pub score: Option<i64>,
    pub out_of: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// (question, answer)
    pub answers: Vec<(String, String)>,
}

/// Everything Siar keeps about an account and its children.
#[derive(Debug, Clone)]
pub struct MyData {
    pub patron: Patron,
    pub profiles: Vec<Profile>,
    pub consents: Vec<Consent>,
    pub ballots: Vec<BallotLine>,
    pub responses: Vec<ResponseLine>,
    pub points: Vec<siar_store::rewards::LedgerRow>,
    pub reading: Vec<siar_store::challenges::MyLog>,
}

impl MyData {
    /// The nickname of one of the account's profiles.
    pub fn nickname(&self, profile: i64) -> String {
        self.profiles
            .iter()
            .find(|p| p.id == profile)
            .map(|p| p.nickname.clone())
            .unwrap_or_default()
    }
}

pub async fn my_data(app: &App, s: &PatronSession) -> Result<MyData, AppError> {
    let mut tx = app.store.read().await?;
    let consents = store::consents(&mut tx, s.org, s.patron.id).await?;
    let ids: Vec<i64> = s.profiles.iter().map(|p| p.id).collect();
    let rows = siar_store::programs::ballots_of_profiles(&mut tx, s.org, &ids).await?;
    let mut responses = Vec::new();
    for r in siar_store::forms::responses_of_profiles(&mut tx, s.org, &ids).await? {
        let answers = crate::forms::readable_answers(&mut tx, r.form_id, r.id).await?;
        responses.push(ResponseLine {
            profile: s
                .profiles
                .iter()
                .find(|p| p.id == r.profile_id)
                .map(|p| p.nickname.clone())
                .unwrap_or_default(),
            kind: r.kind,
            title: r.title,
            score: r.score,
            out_of: r.out_of,
            started_at: r.started_at,
            finished_at: r.finished_at,
            answers,
        });
    }
    let points = siar_store::rewards::ledger(&mut tx, s.org, &ids, 10_000).await?;
    let reading = siar_store::challenges::logs_of_profiles(&mut tx, s.org, &ids).await?;
    tx.commit().await?;
    let ballots = rows
        .into_iter()
        .map(|(profile, poll, choices, at)| BallotLine {
            profile: s
                .profiles
                .iter()
                .find(|p| p.id == profile)
                .map(|p| p.nickname.clone())
                .unwrap_or_default(),
            poll,
            choices,
            at,
        })
        .collect();
    Ok(MyData {
        patron: s.patron.clone(),
        profiles: s.profiles.clone(),
        consents,
        ballots,
        responses,
        points,
        reading,
    })
}

/// "My data" as JSON (times as UTC milliseconds and ISO 8601).
pub fn my_data_json(d: &MyData) -> String {
    let iso = |ms: i64| Timestamp(ms).rfc3339();
    let v = serde_json::json!({
        "account": {
            "email": d.patron.email,
            "member_no": d.patron.member_no,
            "language": d.patron.lang,
            "created_at": iso(d.patron.created_at),
        },
        "profiles": d.profiles.iter().map(|p| serde_json::json!({
            "id": p.id,
            "kind": p.kind,
            "nickname": p.nickname,
            "first_name": p.first_name,
            "birth_year": p.birth_year,
            "created_at": iso(p.created_at),
        })).collect::<Vec<_>>(),
        "consents": d.consents.iter().map(|c| serde_json::json!({
            "purpose": c.purpose,
            "profile_id": c.profile_id,
            "text_version": c.version,
            "given_at": iso(c.given_at),
            "withdrawn_at": c.withdrawn_at.map(iso),
        })).collect::<Vec<_>>(),
        "poll_votes": d.ballots.iter().map(|b| serde_json::json!({
            "profile": b.profile,
            "poll": b.poll,
            "choices": b.choices,
            "at": iso(b.at),
        })).collect::<Vec<_>>(),
        "quiz_and_survey_responses": d.responses.iter().map(|r| serde_json::json!({
            "profile": r.profile,
            "kind": r.kind,
            "title": r.title,
            "score": r.score,
            "out_of": r.out_of,
            "started_at": iso(r.started_at),
            "finished_at": r.finished_at.map(iso),
            "answers": r.answers.iter().map(|(q, a)| serde_json::json!({
                "question": q,
                "answer": a,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "points": d.points.iter().map(|p| serde_json::json!({
            "profile": d.nickname(p.profile_id),
            "change": p.delta,
            "reason": p.reason,
            "note": p.note,
            "at": iso(p.created_at),
        })).collect::<Vec<_>>(),
        "reading_logs": d.reading.iter().map(|l| serde_json::json!({
            "profile": d.nickname(l.profile_id),
            "challenge": l.challenge,
            "title": l.title,
            "author": l.author,
            "isbn": l.isbn,
            "pages": l.pages,
            "minutes": l.minutes,
            "read_on": l.read_on,
            "review": l.review,
            "status": l.status,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// "My data" as CSV: one line per fact (section, profile, what, value, time).
pub fn my_data_csv(d: &MyData) -> Result<String, AppError> {
    let iso = |ms: i64| Timestamp(ms).rfc3339();
    let mut w = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record(["section", "profile", "item", "value", "time"])
        .map_err(internal)?;
    let mut row = |a: &str, b: &str, c: &str, v: &str, t: String| {
        w.write_record([a, b, c, &crate::audit::neutralise(v), &t])
    };
    row(
        "account",
        "",
        "email",
        &d.patron.email,
        iso(d.patron.created_at),
    )
    .map_err(internal)?;
    if let Some(m) = &d.patron.member_no {
        row("account", "", "member_no", m, String::new()).map_err(internal)?;
    }
    for p in &d.profiles {
        row("profile", &p.nickname, "kind", &p.kind, iso(p.created_at)).map_err(internal)?;
        if let Some(f) = &p.first_name {
            row("profile", &p.nickname, "first_name", f, String::new()).map_err(internal)?;
        }
        if let Some(y) = p.birth_year {
            row(
                "profile",
                &p.nickname,
                "birth_year",
                &y.to_string(),
                String::new(),
            )
            .map_err(internal)?;
        }
    }
    for c in &d.consents {
        let who = c
            .profile_id
            .and_then(|id| d.profiles.iter().find(|p| p.id == id))
            .map(|p| p.nickname.as_str())
            .unwrap_or("");
        row(
            "consent",
            who,
            &c.purpose,
            &format!("version {}", c.version),
            iso(c.given_at),
        )
        .map_err(internal)?;
        if let Some(w) = c.withdrawn_at {
            row("consent", who, &c.purpose, "withdrawn", iso(w)).map_err(internal)?;
        }
    }
    for b in &d.ballots {
        row(
            "poll_vote",
            &b.profile,
            &b.poll,
            &b.choices.join("; "),
            iso(b.at),
        )
        .map_err(internal)?;
    }
    for r in &d.responses {
        let when = r.finished_at.map(iso).unwrap_or_default();
        if let (Some(s), Some(n)) = (r.score, r.out_of) {
            row(
                &r.kind,
                &r.profile,
                &r.title,
                &format!("{s}/{n}"),
                when.clone(),
            )
            .map_err(internal)?;
        }
        for (q, a) in &r.answers {
            row(
                &r.kind,
                &r.profile,
                &format!("{}: {q}", r.title),
                a,
                when.clone(),
            )
            .map_err(internal)?;
        }
    }
    for p in &d.points {
        let what = if p.note.is_empty() {
            p.reason.clone()
        } else {
            format!("{} ({})", p.reason, p.note)
        };
        row(
            "points",
            &d.nickname(p.profile_id),
            &what,
            &p.delta.to_string(),
            iso(p.created_at),
        )
        .map_err(internal)?;
    }
    for l in &d.reading {
        row(
            "reading",
            &d.nickname(l.profile_id),
            &l.challenge,
            &format!(
                "{} / {} / {} pages / {} minutes / {} / {}",
                l.title, l.author, l.pages, l.minutes, l.status, l.review
            ),
            l.read_on.clone(),
        )
        .map_err(internal)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

/// Deletes the account and its children's profiles, consents and sessions.
/// Votes stay counted without anyone attached.
pub async fn delete_account(app: &App, s: &PatronSession, confirm: bool) -> Result<(), AppError> {
    if !confirm {
        return Err(AppError::field("confirm", "pt-err-confirm-delete"));
    }
    let mut tx = app.store.begin().await?;
    store::delete(&mut tx, s.org, s.patron.id).await?;
    tx.commit().await?;
    tracing::info!(
        patron = s.patron.id,
        "patron account deleted at their request"
    );
    Ok(())
}

/// Codes staff may read out (no e-mail server configured), newest first:
/// (address, code, expires at).
pub async fn readable_codes(
    app: &App,
    actor: &crate::Actor,
) -> Result<Vec<(String, String, Timestamp)>, AppError> {
    actor.require(siar_domain::org::Permission::ManagePrograms)?;
    if app.config.mail.is_some() {
        return Ok(Vec::new());
    }
    let mut tx = app.store.read().await?;
    let rows = store::readable_codes(&mut tx, actor.org, app.now()).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let code = app.secrets.decrypt(r.code_enc.as_deref()?).ok()?;
            Some((r.email, code, Timestamp(r.expires_at)))
        })
        .collect())
}

/// Sends a sign-in code by e-mail.
pub struct SendPatronCode;

impl JobHandler for SendPatronCode {
    fn kind(&self) -> &'static str {
        SEND_PATRON_CODE
    }

    fn run<'a>(&'a self, app: &'a App, job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let (Some(settings), Some(translate)) = (&app.config.mail, app.config.translate) else {
                return Err(JobError::Permanent("e-mail is no longer configured".into()));
            };
            let id = serde_json::from_str::<serde_json::Value>(&job.payload)
                .ok()
                .and_then(|v| v["code"].as_i64())
                .ok_or_else(|| JobError::Permanent("bad payload".into()))?;
            let retry = |e: AppError| JobError::Retry(e.to_string());
            let mut tx = app.store.read().await.map_err(|e| retry(e.into()))?;
            let row = store::code(&mut tx, id)
                .await
                .map_err(|e| retry(e.into()))?;
            let org = match &row {
                Some(r) => siar_store::org::org_by_id(&mut tx, OrgId(r.org_id))
                    .await
                    .map_err(|e| retry(e.into()))?,
                None => None,
            };
            tx.commit().await.map_err(|e| retry(e.into()))?;
            let (Some(row), Some(org)) = (row, org) else {
                return Ok(());
            };
            // Spent or expired before it could be sent: nothing to send.
            let Some(sealed) = row.code_enc.as_deref() else {
                return Ok(());
            };
            if row.used_at.is_some() || row.expires_at <= app.now().0 {
                return Ok(());
            }
            let code = app
                .secrets
                .decrypt(sealed)
                .map_err(|e| JobError::Permanent(format!("code: {e}")))?;
            let lang = Lang::parse(&row.lang).unwrap_or(org.settings.default_lang);
            let args = [
                ("code", code),
                ("name", org.settings.name.clone()),
                ("minutes", (rules::CODE_TTL_MS / 60_000).to_string()),
            ];
            let subject = translate(lang, "pt-mail-subject", &args);
            let body = translate(lang, "pt-mail-body", &args);
            let to: Mailbox = row
                .email
                .parse()
                .map_err(|e| JobError::Permanent(format!("recipient address: {e}")))?;
            crate::mail::send_text(settings, to, subject, body).await?;
            let mut tx = app.store.begin().await.map_err(|e| retry(e.into()))?;
            store::forget_code_text(&mut tx, id)
                .await
                .map_err(|e| retry(e.into()))?;
            tx.commit().await.map_err(|e| retry(e.into()))?;
            tracing::info!(job = job.id, "sign-in code e-mailed");
            Ok(())
        })
    }
}

/// A demo family or patron: an account with its own profile and children's
/// profiles, with the consents a real sign-up records. Returns the profile
/// ids (own first).
pub(crate) async fn seed_patron(
    app: &App,
    org: OrgId,
    email: &str,
    nickname: &str,
    member_no: Option<&str>,
    children: &[(&str, &str, i32)],
) -> Result<Vec<i64>, AppError> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (patron, _) = store::find_or_create(&mut tx, org, email, "id", now).await?;
    store::set_details(&mut tx, org, patron.id, Some("id"), member_no).await?;
    let s = PatronSession {
        org,
        token_hash: String::new(),
        patron,
        profiles: Vec::new(),
        active: None,
    };
    let mut ids = Vec::new();
    let own = insert_profile(&mut tx, &s, "self", nickname, None, None, now)
        .await?
        .ok_or_else(|| AppError::Internal(format!("demo nickname {nickname} taken")))?;
    consent(&mut tx, &s, None, ConsentPurpose::Account, now).await?;
    consent(&mut tx, &s, Some(own), ConsentPurpose::Leaderboard, now).await?;
    ids.push(own);
    for (nick, first, year) in children {
        let id = insert_profile(&mut tx, &s, "child", nick, Some(first), Some(*year), now)
            .await?
            .ok_or_else(|| AppError::Internal(format!("demo nickname {nick} taken")))?;
        consent(&mut tx, &s, Some(id), ConsentPurpose::Guardian, now).await?;
        consent(&mut tx, &s, Some(id), ConsentPurpose::Leaderboard, now).await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// A session-like view of one profile, for the demo's seed (no cookie).
pub(crate) async fn as_profile(
    app: &App,
    org: OrgId,
    profile: i64,
) -> Result<PatronSession, AppError> {
    let mut tx = app.store.read().await?;
    let p = store::profile(&mut tx, org, profile)
        .await?
        .ok_or(AppError::NotFound)?;
    let patron = store::patron(&mut tx, org, p.patron_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let profiles = store::profiles(&mut tx, org, patron.id).await?;
    tx.commit().await?;
    Ok(PatronSession {
        org,
        token_hash: String::new(),
        patron,
        profiles,
        active: Some(p),
    })
}
