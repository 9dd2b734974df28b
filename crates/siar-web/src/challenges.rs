//! Reading challenges on both sides: the portal's list and challenge page
//! (join, log reading, progress, badges, certificate, secret codes), the
//! public verification page; the console's challenges, review queue and
//! secret codes.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::middleware::{RequestId, cookie, unprocessable};
use crate::pages::{LangQuery, Me, done, problems_ctx, staff_ctx};
use crate::portal::{SOURCE_COOKIE, flash_to, portal, sign_in_first};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Form};
use siar_app::{AppError, challenges};
use siar_domain::Timestamp;
use siar_domain::challenges::{Badge, BadgeName, ChallengeInput, GoalKind, LogInput, badges_of};
use siar_domain::org::Permission;
use siar_domain::validate::Problems;
use std::collections::HashMap;

fn field(f: &HashMap<String, String>, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

/// A badge's name as shown: a standard one translated, or the staff's own
/// with its per cent.
pub(crate) fn badge_name(b: &Badge, lang: siar_domain::org::Lang) -> String {
    match &b.name {
        BadgeName::Key(k) => crate::i18n::t(lang, k),
        BadgeName::Text(t) => format!("{t} ({}%)", b.percent),
    }
}

fn goal_key(kind: &str) -> &'static str {
    GoalKind::parse(kind).map_or("ch-goal-books", GoalKind::label_key)
}

pub struct ChallengeRow {
    pub slug: String,
    pub id: i64,
    pub title: String,
    pub period: String,
    pub goal: i64,
    pub goal_key: &'static str,
    pub entries: usize,
    pub closed: bool,
}

fn row(c: &challenges::Challenge, entries: usize) -> ChallengeRow {
    ChallengeRow {
        slug: c.slug.clone(),
        id: c.id,
        title: c.title.clone(),
        period: format!("{} – {}", c.starts_on, c.ends_on),
        goal: c.goal,
        goal_key: goal_key(&c.goal_kind),
        entries,
        closed: c.closed_at.is_some(),
    }
}

// ------------------------------------------------------------------ portal

#[derive(Template)]
#[template(path = "tantangan_list.html")]
struct ListPage<'a> {
    c: &'a PageCtx,
    rows: Vec<ChallengeRow>,
}

pub async fn list(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &q, "ch-title", &r).await?;
    let rows = challenges::current(&state.app, p.org.id)
        .await?
        .iter()
        .map(|c| row(c, 0))
        .collect();
    p.page(&state, &ListPage { c: &p.c, rows })
}

pub struct LogRow {
    pub title: String,
    pub author: String,
    pub amount: String,
    pub read_on: String,
    pub status_key: &'static str,
}

pub struct BadgeRow {
    pub name: String,
    pub earned: bool,
    /// The share page of an earned badge.
    pub share: Option<String>,
}

#[derive(Default)]
pub struct LogForm {
    pub title: String,
    pub author: String,
    pub isbn: String,
    pub pages: String,
    pub minutes: String,
    pub read_on: String,
    pub review: String,
}

#[derive(Template)]
#[template(path = "tantangan.html")]
struct ChallengePage<'a> {
    c: &'a PageCtx,
    slug: String,
    title: String,
    description: String,
    period: String,
    goal: i64,
    goal_key: &'static str,
    ages: String,
    signed_in: bool,
    joined: bool,
    open: bool,
    cannot_join: Option<&'static str>,
    progress: i64,
    percent: i64,
    badges: Vec<BadgeRow>,
    logs: Vec<LogRow>,
    certificate: Option<String>,
    form: LogForm,
    pages_needed: bool,
    minutes_needed: bool,
    today: String,
    leaderboard: Vec<(String, i64)>,
}

async fn challenge_page(
    state: &WebState,
    headers: &HeaderMap,
    q: &LangQuery,
    r: &Option<Extension<RequestId>>,
    slug: &str,
    problems: Option<Problems>,
    form: LogForm,
) -> WebResult {
    let mut p = portal(state, headers, q, "ch-title", r).await?;
    let v = match challenges::view(&state.app, p.org.id, slug, p.session.as_ref()).await {
        Ok(v) => v,
        Err(AppError::NotFound) => return Err(WebError(ErrorKind::NotFound)),
        Err(e) => return Err(e.into()),
    };
    let refused = problems.is_some();
    if let Some(pr) = problems {
        p.c.problems = pr;
    }
    let ch = &v.challenge;
    let path = format!("/tantangan/{}", ch.slug);
    crate::cards::share_meta(
        &mut p.c,
        state,
        &path,
        &ch.title,
        &ch.description,
        &format!("{path}/og.png"),
    );
    p.c.title = ch.title.clone();
    let kind = GoalKind::parse(&ch.goal_kind).unwrap_or(GoalKind::Books);
    let ages = match (ch.min_age, ch.max_age) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        (Some(a), None) => format!("{a}+"),
        (None, Some(b)) => format!("≤ {b}"),
        (None, None) => String::new(),
    };
    let logs = v
        .logs
        .iter()
        .map(|l| LogRow {
            title: l.title.clone(),
            author: l.author.clone(),
            amount: match kind {
                GoalKind::Books => String::new(),
                GoalKind::Pages => l.pages.to_string(),
                GoalKind::Minutes => l.minutes.to_string(),
            },
            read_on: l.read_on.clone(),
            status_key: match l.status.as_str() {
                "counted" => "ch-status-counted",
                "review" => "ch-status-review",
                _ => "ch-status-rejected",
            },
        })
        .collect();
    let badges = badges_of(&ch.badges)
        .iter()
        .map(|b| BadgeRow {
            name: badge_name(b, p.c.lang),
            earned: v.badges.contains(&b.percent),
            share: v
                .entry
                .as_ref()
                .filter(|_| v.badges.contains(&b.percent))
                .map(|e| {
                    format!(
                        "/lencana/{}",
                        challenges::badge_token(&state.app, e.id, b.percent)
                    )
                }),
        })
        .collect();
    let today = v.today.to_string();
    let page = ChallengePage {
        c: &p.c,
        slug: ch.slug.clone(),
        title: ch.title.clone(),
        description: ch.description.clone(),
        period: format!("{} – {}", ch.starts_on, ch.ends_on),
        goal: ch.goal,
        goal_key: goal_key(&ch.goal_kind),
        ages,
        signed_in: p.session.as_ref().is_some_and(|s| s.active.is_some()),
        joined: v.entry.is_some(),
        open: v.open,
        cannot_join: v.cannot_join,
        progress: v.entry.as_ref().map_or(0, |e| e.progress),
        percent: v.percent,
        badges,
        logs,
        certificate: v.certificate.clone(),
        form: LogForm {
            read_on: if form.read_on.is_empty() {
                today.clone()
            } else {
                form.read_on.clone()
            },
            ..form
        },
        pages_needed: kind == GoalKind::Pages,
        minutes_needed: kind == GoalKind::Minutes,
        today,
        leaderboard: v.leaderboard.clone(),
    };
    p.render(state, &page, refused)
}

pub async fn show(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    challenge_page(&state, &headers, &q, &r, &slug, None, LogForm::default()).await
}

pub async fn join(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &LangQuery::default(), "ch-title", &r).await?;
    let Some(s) = &p.session else {
        return Ok(sign_in_first(&format!("/tantangan/{slug}")));
    };
    let source = cookie(&headers, SOURCE_COOKIE).map(str::to_string);
    match challenges::join(&state.app, s, &slug, source.as_deref()).await {
        Ok(()) => Ok(flash_to(&state, &format!("/tantangan/{slug}"), "ch-joined")),
        Err(AppError::Invalid(pr)) => {
            challenge_page(
                &state,
                &headers,
                &LangQuery::default(),
                &r,
                &slug,
                Some(pr),
                LogForm::default(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn log(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let p = portal(&state, &headers, &LangQuery::default(), "ch-title", &r).await?;
    let Some(s) = &p.session else {
        return Ok(sign_in_first(&format!("/tantangan/{slug}")));
    };
    let form = LogForm {
        title: field(&f, "title"),
        author: field(&f, "author"),
        isbn: field(&f, "isbn"),
        pages: field(&f, "pages"),
        minutes: field(&f, "minutes"),
        read_on: field(&f, "read_on"),
        review: field(&f, "review"),
    };
    let input = LogInput {
        title: form.title.clone(),
        author: form.author.clone(),
        isbn: form.isbn.clone(),
        pages: form.pages.clone(),
        minutes: form.minutes.clone(),
        read_on: form.read_on.clone(),
        review: form.review.clone(),
    };
    match challenges::log_reading(&state.app, s, &slug, &input).await {
        Ok(l) => {
            let key = if l.certificate.is_some() {
                "ch-logged-done"
            } else if !l.badges.is_empty() {
                "ch-logged-badge"
            } else if l.status == "review" {
                "ch-logged-review"
            } else {
                "ch-logged"
            };
            Ok(flash_to(&state, &format!("/tantangan/{slug}"), key))
        }
        Err(AppError::Invalid(pr)) => {
            challenge_page(
                &state,
                &headers,
                &LangQuery::default(),
                &r,
                &slug,
                Some(pr),
                form,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A secret code typed anywhere on the portal; back to where it was typed.
pub async fn secret(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let p = portal(&state, &headers, &LangQuery::default(), "ch-title", &r).await?;
    let back = field(&f, "back");
    let back = if back.starts_with("/tantangan/") && !back.contains("//") {
        back
    } else {
        "/akun/poin".to_string()
    };
    let Some(s) = &p.session else {
        return Ok(sign_in_first(&back));
    };
    match challenges::enter_code(&state.app, s, &field(&f, "secret")).await {
        Ok(_) => Ok(flash_to(&state, &back, "ch-secret-ok")),
        Err(AppError::Invalid(pr)) => Ok(crate::middleware::redirect_with_problem(
            &back,
            &pr,
            state.config.secure_cookies,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn certificate(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &LangQuery::default(), "ch-title", &r).await?;
    let Some(s) = &p.session else {
        return Ok(sign_in_first("/akun"));
    };
    let pdf = challenges::certificate_pdf(&state.app, s, &code).await?;
    Ok(crate::pages::download(
        pdf,
        "application/pdf",
        &format!("sertifikat-{code}.pdf"),
    ))
}

#[derive(Template)]
#[template(path = "verifikasi.html")]
struct VerifyPage<'a> {
    c: &'a PageCtx,
    code: String,
    found: Option<(String, String, String, String)>,
}

pub async fn verify(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &q, "ch-verify-title", &r).await?;
    let tz = p.org.settings.timezone;
    let found = challenges::verify(&state.app, &code).await?.map(|v| {
        (
            v.org_name,
            v.nickname,
            v.achievement,
            v.issued_at
                .to_utc()
                .with_timezone(&tz)
                .date_naive()
                .to_string(),
        )
    });
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let code = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(20)
        .collect();
    let body = VerifyPage {
        c: &p.c,
        code,
        found,
    }
    .render()?;
    Ok(p.respond(&state, status, body))
}

// ------------------------------------------------------------------ console

#[derive(Default)]
pub struct ChallengeForm {
    pub title: String,
    pub description: String,
    pub starts_on: String,
    pub ends_on: String,
    pub goal_kind: String,
    pub goal: String,
    pub min_age: String,
    pub max_age: String,
    pub points_per_log: String,
    pub slug: String,
    pub daily_log_cap: String,
    pub badges: String,
}

impl ChallengeForm {
    fn read(f: &HashMap<String, String>) -> Self {
        ChallengeForm {
            title: field(f, "title"),
            description: field(f, "description"),
            starts_on: field(f, "starts_on"),
            ends_on: field(f, "ends_on"),
            goal_kind: field(f, "goal_kind"),
            goal: field(f, "goal"),
            min_age: field(f, "min_age"),
            max_age: field(f, "max_age"),
            points_per_log: field(f, "points_per_log"),
            slug: field(f, "slug"),
            daily_log_cap: field(f, "daily_log_cap"),
            badges: field(f, "badges"),
        }
    }

    fn input(&self) -> ChallengeInput {
        ChallengeInput {
            slug: self.slug.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            goal_kind: self.goal_kind.clone(),
            goal: self.goal.clone(),
            min_age: self.min_age.clone(),
            max_age: self.max_age.clone(),
            points_per_log: self.points_per_log.clone(),
            daily_log_cap: self.daily_log_cap.clone(),
            badges: self.badges.clone(),
        }
    }

    fn of(c: &challenges::Challenge) -> Self {
        let opt = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
        ChallengeForm {
            title: c.title.clone(),
            description: c.description.clone(),
            starts_on: c.starts_on.clone(),
            ends_on: c.ends_on.clone(),
            goal_kind: c.goal_kind.clone(),
            goal: c.goal.to_string(),
            min_age: opt(c.min_age),
            max_age: opt(c.max_age),
            points_per_log: c.points_per_log.to_string(),
            slug: c.slug.clone(),
            daily_log_cap: c.daily_log_cap.to_string(),
            badges: c.badges.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "app_tantangan.html")]
struct AdminList<'a> {
    c: &'a PageCtx,
    rows: Vec<ChallengeRow>,
    can_manage: bool,
    waiting: usize,
    form: ChallengeForm,
}

async fn admin_list(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    form: ChallengeForm,
) -> WebResult<String> {
    let actor = &me.0.actor;
    let rows = challenges::list(&state.app, actor)
        .await?
        .iter()
        .map(|(ch, n)| row(ch, *n))
        .collect();
    let can_manage = actor.role.can(Permission::ManagePrograms);
    let waiting = if can_manage {
        challenges::review_queue(&state.app, actor).await?.len()
    } else {
        0
    };
    Ok(AdminList {
        c,
        rows,
        can_manage,
        waiting,
        form: ChallengeForm {
            goal_kind: if form.goal_kind.is_empty() {
                "books".into()
            } else {
                form.goal_kind
            },
            ..form
        },
    }
    .render()?)
}

pub async fn admin(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "ch-admin-title", "/app/tantangan", &headers, &r);
    Ok(crate::pages::html_page(
        admin_list(&state, &me, &c, ChallengeForm::default()).await?,
        had,
        &state,
    ))
}

pub async fn create(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let form = ChallengeForm::read(&f);
    let input = form.input();
    match challenges::create(&state.app, &me.0.actor, &input).await {
        Ok(id) => Ok(done(&state, &format!("/app/tantangan/{id}"), "ch-created")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "ch-admin-title", "/app/tantangan", &r, p);
            Ok(unprocessable(admin_list(&state, &me, &c, form).await?))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct EntryRow {
    pub nickname: String,
    pub progress: i64,
    pub percent: i64,
    pub done: bool,
}

pub struct SecretRow {
    pub code: String,
    pub points: i64,
    pub uses: String,
    pub max_uses: String,
    pub spent: bool,
}

#[derive(Template)]
#[template(path = "app_tantangan_detail.html")]
struct AdminDetail<'a> {
    c: &'a PageCtx,
    id: i64,
    row: ChallengeRow,
    public_url: String,
    short_url: Option<String>,
    entries: Vec<EntryRow>,
    secrets: Vec<SecretRow>,
    can_manage: bool,
    form: ChallengeForm,
}

pub async fn detail(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    detail_page(&state, &me, id, &headers, &r, None).await
}

pub async fn update(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let form = ChallengeForm::read(&f);
    match challenges::update(&state.app, &me.0.actor, id, &form.input()).await {
        Ok(()) => Ok(done(&state, &format!("/app/tantangan/{id}"), "ch-saved")),
        Err(AppError::Invalid(p)) => {
            detail_page(&state, &me, id, &headers, &r, Some((p, form))).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn detail_page(
    state: &WebState,
    me: &Me,
    id: i64,
    headers: &HeaderMap,
    r: &Option<Extension<RequestId>>,
    refused: Option<(Problems, ChallengeForm)>,
) -> WebResult {
    let (mut c, had) = staff_ctx(me, "ch-admin-title", "/app/tantangan", headers, r);
    let a = challenges::admin(&state.app, &me.0.actor, id).await?;
    let refused_now = refused.is_some();
    let form = match refused {
        Some((p, form)) => {
            c.problems = p;
            form
        }
        None => ChallengeForm::of(&a.challenge),
    };
    c.title = a.challenge.title.clone();
    let base = state
        .app
        .config
        .public_url
        .trim_end_matches('/')
        .to_string();
    let goal = a.challenge.goal;
    let page = AdminDetail {
        c: &c,
        id,
        public_url: format!("{base}/tantangan/{}", a.challenge.slug),
        short_url: a
            .challenge
            .link_code
            .as_ref()
            .map(|code| format!("{base}/l/{code}")),
        row: row(&a.challenge, a.entries.len()),
        entries: a
            .entries
            .iter()
            .map(|e| EntryRow {
                nickname: e.nickname.clone(),
                progress: e.progress,
                percent: siar_domain::challenges::percent(e.progress, goal),
                done: e.completed_at.is_some(),
            })
            .collect(),
        secrets: a
            .secrets
            .iter()
            .map(|s| SecretRow {
                code: s.code.clone(),
                points: s.points,
                uses: match s.max_uses {
                    Some(m) => format!("{} / {m}", s.uses),
                    None => s.uses.to_string(),
                },
                max_uses: s.max_uses.map(|m| m.to_string()).unwrap_or_default(),
                spent: s.max_uses.is_some_and(|m| s.uses >= m),
            })
            .collect(),
        can_manage: me.0.actor.role.can(Permission::ManagePrograms),
        form,
    };
    if refused_now {
        Ok(unprocessable(page.render()?))
    } else {
        crate::pages::page(&page, had, state)
    }
}

pub async fn add_secret(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let to = format!("/app/tantangan/{id}");
    match challenges::add_secret(
        &state.app,
        &me.0.actor,
        id,
        &field(&f, "code"),
        &field(&f, "points"),
        &field(&f, "max_uses"),
    )
    .await
    {
        Ok(()) => Ok(done(&state, &to, "ch-secret-added")),
        Err(AppError::Invalid(p)) => Ok(crate::middleware::redirect_with_problem(
            &to,
            &p,
            state.config.secure_cookies,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn update_secret(
    State(state): State<WebState>,
    me: Me,
    Path((id, code)): Path<(i64, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let to = format!("/app/tantangan/{id}");
    let (points, max_uses) = (field(&f, "points"), field(&f, "max_uses"));
    let change = challenges::SecretChange {
        points: &points,
        max_uses: &max_uses,
        stop: field(&f, "stop") == "1",
    };
    match challenges::update_secret(&state.app, &me.0.actor, id, &code, &change).await {
        Ok(()) => Ok(done(&state, &to, "ch-secret-saved")),
        Err(AppError::Invalid(p)) => Ok(crate::middleware::redirect_with_problem(
            &to,
            &p,
            state.config.secure_cookies,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn close(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    challenges::close(&state.app, &me.0.actor, id).await?;
    Ok(done(
        &state,
        &format!("/app/tantangan/{id}"),
        "ch-closed-ok",
    ))
}

pub struct WaitingRow {
    pub id: i64,
    pub nickname: String,
    pub challenge: String,
    pub title: String,
    pub amount: String,
    pub read_on: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "app_tantangan_tinjauan.html")]
struct ReviewPage<'a> {
    c: &'a PageCtx,
    rows: Vec<WaitingRow>,
}

pub async fn review(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "ch-review-title", "/app/tantangan", &headers, &r);
    let tz = me.0.org.settings.timezone;
    let rows = challenges::review_queue(&state.app, &me.0.actor)
        .await?
        .into_iter()
        .map(|w| WaitingRow {
            id: w.log.id,
            nickname: w.nickname,
            challenge: w.challenge,
            title: w.log.title,
            amount: match w.goal_kind {
                GoalKind::Minutes => format!("{} min", w.log.minutes),
                _ => format!("{} hlm", w.log.pages),
            },
            read_on: w.log.read_on,
            when: Timestamp(w.log.created_at).format_in(tz),
        })
        .collect();
    crate::pages::page(&ReviewPage { c: &c, rows }, had, &state)
}

pub async fn decide(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let accept = field(&f, "accept") == "1";
    match challenges::decide(&state.app, &me.0.actor, id, accept).await {
        Ok(()) => Ok(done(
            &state,
            "/app/tantangan/tinjauan",
            if accept { "ch-accepted" } else { "ch-rejected" },
        )),
        Err(AppError::Invalid(p)) => Ok(crate::middleware::redirect_with_problem(
            "/app/tantangan/tinjauan",
            &p,
            state.config.secure_cookies,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn csv(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    let a = challenges::admin(&state.app, &me.0.actor, id).await?;
    let body = challenges::entries_csv(&a)?;
    Ok(crate::pages::download(
        body,
        "text/csv; charset=utf-8",
        &format!("tantangan-{}.csv", a.challenge.slug),
    ))
}
