//! The patrons' side of the portal: sign-in with an e-mail code, the first
//! set-up, the account (profiles, children, consents), "My data", and polls.
//! Every page works without JavaScript.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::middleware::{ClientIp, RequestId, clear_flash, cookie, set_cookie, take_flash};
use crate::pages::{LangQuery, pre_session, public_lang, rid};
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use siar_app::patrons::{self, ChildInput, PatronSession, SetupInput};
use siar_app::programs::{self, Voter};
use siar_app::{AppError, settings};
use siar_domain::org::{Lang, Organisation};
use siar_domain::patrons::ConsentPurpose;
use siar_domain::programs::PollState;
use std::collections::HashMap;

/// The patron's session cookie.
pub const PATRON_COOKIE: &str = "siar_patron";
/// The short link a visitor came through (for attribution), 7 days.
pub const SOURCE_COOKIE: &str = "siar_src";

/// What every portal page starts from.
pub(crate) struct Portal {
    pub org: Organisation,
    pub c: PageCtx,
    pub session: Option<PatronSession>,
    pub pre: String,
    cookies: Vec<HeaderValue>,
    had_flash: bool,
}

pub(crate) async fn portal(
    state: &WebState,
    headers: &HeaderMap,
    q: &LangQuery,
    title_key: &str,
    r: &Option<Extension<RequestId>>,
) -> Result<Portal, WebError> {
    let org = settings::portal_org(&state.app, state.config.portal_org.as_deref()).await?;
    let session = match cookie(headers, PATRON_COOKIE) {
        Some(t) => patrons::session(&state.app, t)
            .await?
            .filter(|s| s.org == org.id),
        None => None,
    };
    let default = session
        .as_ref()
        .and_then(|s| s.patron.lang.as_deref())
        .and_then(Lang::parse)
        .unwrap_or(org.settings.default_lang);
    let (lang, set_lang) = public_lang(headers, q, default);
    let (pre, fresh) = pre_session(headers);
    let mut c = PageCtx::public(
        lang,
        title_key,
        org.settings.name.clone(),
        pre.clone(),
        rid(r),
    );
    c.logo_url = crate::ctx::logo_url(&org.slug, &org);
    c.patron = session
        .as_ref()
        .and_then(|s| s.active.as_ref())
        .map(|p| p.nickname.clone());
    c.flash = take_flash(headers);
    let had_flash = c.flash.is_some();
    let mut cookies: Vec<HeaderValue> = set_lang.into_iter().collect();
    if fresh {
        cookies.push(set_cookie(
            crate::middleware::PRE_COOKIE,
            &pre,
            None,
            state.config.secure_cookies,
        ));
    }
    Ok(Portal {
        org,
        c,
        session,
        pre,
        cookies,
        had_flash,
    })
}

impl Portal {
    pub(crate) fn respond(&self, state: &WebState, status: StatusCode, body: String) -> Response {
        let mut res = (status, Html(body)).into_response();
        for v in &self.cookies {
            res.headers_mut().append(header::SET_COOKIE, v.clone());
        }
        if self.had_flash {
            clear_flash(&mut res, state.config.secure_cookies);
        }
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }

    pub(crate) fn page<T: Template>(&self, state: &WebState, t: &T) -> WebResult {
        let body = t.render()?;
        Ok(self.respond(state, StatusCode::OK, body))
    }

    pub(crate) fn refused<T: Template>(&self, state: &WebState, t: &T) -> WebResult {
        let body = t.render()?;
        Ok(self.respond(state, StatusCode::UNPROCESSABLE_ENTITY, body))
    }

    pub(crate) fn render<T: Template>(&self, state: &WebState, t: &T, refused: bool) -> WebResult {
        if refused {
            self.refused(state, t)
        } else {
            self.page(state, t)
        }
    }
}

/// Only portal paths are followed after sign-in.
fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/app")
        && !next.contains('\\')
        && next.len() <= 200;
    if ok { next.to_string() } else { "/akun".into() }
}

pub(crate) fn flash_to(state: &WebState, to: &str, key: &str) -> Response {
    crate::middleware::redirect_with_flash(to, key, true, state.config.secure_cookies)
}

pub(crate) fn address(ip: &Option<Extension<ClientIp>>) -> String {
    ip.as_ref()
        .and_then(|Extension(ClientIp(a))| a.clone())
        .unwrap_or_default()
}

fn field(f: &HashMap<String, String>, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

fn ticked(f: &HashMap<String, String>, k: &str) -> bool {
    matches!(f.get(k).map(String::as_str), Some("1" | "on" | "yes"))
}

/// Pages that need a signed-in patron send others to sign in first.
pub(crate) fn sign_in_first(path: &str) -> Response {
    let q = serde_urlencoded::to_string([("next", path)]).unwrap_or_default();
    Redirect::to(&format!("/masuk?{q}")).into_response()
}

// ------------------------------------------------------------------ sign-in

#[derive(Template)]
#[template(path = "masuk.html")]
struct SignInPage<'a> {
    c: &'a PageCtx,
    /// `email` (first step) or `code` (second).
    step: &'static str,
    email: String,
    next: String,
    demo_no_mail: bool,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    lang: Option<String>,
}

fn lang_q(q: &NextQuery) -> LangQuery {
    LangQuery {
        lang: q.lang.clone(),
    }
}

pub async fn sign_in(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &lang_q(&q), "pt-sign-in-title", &r).await?;
    if p.session.is_some() {
        return Ok(Redirect::to("/akun").into_response());
    }
    let page = SignInPage {
        c: &p.c,
        step: "email",
        email: String::new(),
        next: safe_next(q.next.as_deref().unwrap_or("/akun")),
        demo_no_mail: state.app.config.mail.is_none(),
    };
    let body = page.render()?;
    Ok(p.respond(&state, StatusCode::OK, body))
}

/// Step one: send a code.
pub async fn send_code(
    State(state): State<WebState>,
    headers: HeaderMap,
    ip: Option<Extension<ClientIp>>,
    r: Option<Extension<RequestId>>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult {
    let mut p = portal(
        &state,
        &headers,
        &LangQuery::default(),
        "pt-sign-in-title",
        &r,
    )
    .await?;
    let email = field(&f, "email");
    let next = safe_next(&field(&f, "next"));
    let res = patrons::request_code(&state.app, p.org.id, &email, p.c.lang, &address(&ip)).await;
    let step = match res {
        Ok(()) => "code",
        Err(AppError::Invalid(problems)) => {
            p.c.problems = problems;
            "email"
        }
        Err(e) => return Err(e.into()),
    };
    let page = SignInPage {
        c: &p.c,
        step,
        email: email.trim().to_string(),
        next,
        demo_no_mail: state.app.config.mail.is_none(),
    };
    p.render(&state, &page, step == "email")
}

/// Step two: check the code, then sign in.
pub async fn check_code(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult {
    let mut p = portal(
        &state,
        &headers,
        &LangQuery::default(),
        "pt-sign-in-title",
        &r,
    )
    .await?;
    let email = field(&f, "email");
    let next = safe_next(&field(&f, "next"));
    match patrons::verify_code(&state.app, p.org.id, &email, &field(&f, "code"), p.c.lang).await {
        Ok(token) => {
            let s = patrons::session(&state.app, &token).await?;
            // A new account that came through a short link is credited to it.
            if let Some(s) = s.as_ref().filter(|s| s.needs_setup()) {
                let source = cookie(&headers, SOURCE_COOKIE).map(str::to_string);
                programs::credit_signup(&state.app, s, source.as_deref()).await?;
            }
            let to = match s {
                Some(s) if s.needs_setup() => {
                    let q =
                        serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                    format!("/akun/mulai?{q}")
                }
                _ => next,
            };
            let mut res = Redirect::to(&to).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    PATRON_COOKIE,
                    &token,
                    Some(siar_domain::patrons::SESSION_TTL_MS / 1000),
                    state.config.secure_cookies,
                ),
            );
            Ok(res)
        }
        Err(AppError::Invalid(problems)) => {
            p.c.problems = problems;
            let page = SignInPage {
                c: &p.c,
                step: "code",
                email: email.trim().to_string(),
                next,
                demo_no_mail: state.app.config.mail.is_none(),
            };
            p.refused(&state, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(
        &state,
        &headers,
        &LangQuery::default(),
        "pt-account-title",
        &r,
    )
    .await?;
    if let Some(s) = &p.session {
        patrons::sign_out(&state.app, s).await?;
    }
    let mut res = flash_to(&state, "/", "pt-signed-out");
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(PATRON_COOKIE, "", Some(0), state.config.secure_cookies),
    );
    Ok(res)
}

// ------------------------------------------------------------------ set-up

#[derive(Template)]
#[template(path = "akun_mulai.html")]
struct SetupPage<'a> {
    c: &'a PageCtx,
    nickname: String,
    member_no: String,
    consent: bool,
    leaderboard: bool,
    next: String,
}

pub async fn setup_form(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &lang_q(&q), "pt-setup-title", &r).await?;
    let Some(s) = &p.session else {
        return Ok(sign_in_first("/akun/mulai"));
    };
    if !s.needs_setup() {
        return Ok(Redirect::to("/akun").into_response());
    }
    let page = SetupPage {
        c: &p.c,
        nickname: String::new(),
        member_no: String::new(),
        consent: false,
        leaderboard: false,
        next: safe_next(q.next.as_deref().unwrap_or("/akun")),
    };
    p.page(&state, &page)
}

pub async fn setup(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult {
    let mut p = portal(
        &state,
        &headers,
        &LangQuery::default(),
        "pt-setup-title",
        &r,
    )
    .await?;
    let Some(s) = p.session.clone() else {
        return Ok(sign_in_first("/akun/mulai"));
    };
    let input = SetupInput {
        nickname: field(&f, "nickname"),
        member_no: field(&f, "member_no"),
        consent: ticked(&f, "consent"),
        leaderboard: ticked(&f, "leaderboard"),
    };
    let next = safe_next(&field(&f, "next"));
    match patrons::set_up(&state.app, &s, &input).await {
        Ok(()) => Ok(flash_to(&state, &next, "pt-welcome")),
        Err(AppError::Invalid(problems)) => {
            p.c.problems = problems;
            let page = SetupPage {
                c: &p.c,
                nickname: input.nickname,
                member_no: input.member_no,
                consent: input.consent,
                leaderboard: input.leaderboard,
                next,
            };
            p.refused(&state, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ account

pub struct ProfileRow {
    pub id: i64,
    pub nickname: String,
    pub first_name: String,
    pub birth_year: String,
    pub child: bool,
    pub active: bool,
}

impl ProfileRow {
    fn of(pr: &siar_app::patrons::Profile, active: bool) -> Self {
        Self {
            id: pr.id,
            nickname: pr.nickname.clone(),
            first_name: pr.first_name.clone().unwrap_or_default(),
            birth_year: pr.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            child: pr.is_child(),
            active,
        }
    }
}

#[derive(Template)]
#[template(path = "akun.html")]
struct AccountPage<'a> {
    c: &'a PageCtx,
    email: String,
    member_no: String,
    leaderboard: bool,
    profiles: Vec<ProfileRow>,
    child: ChildForm,
}

#[derive(Default)]
pub struct ChildForm {
    pub nickname: String,
    pub first_name: String,
    pub birth_year: String,
    pub consent: bool,
}

async fn account_page(state: &WebState, p: Portal, child: ChildForm, refused: bool) -> WebResult {
    let Some(s) = &p.session else {
        return Ok(sign_in_first("/akun"));
    };
    if s.needs_setup() {
        return Ok(Redirect::to("/akun/mulai").into_response());
    }
    let data = patrons::my_data(&state.app, s).await?;
    let own = s.own().map(|o| o.id);
    let leaderboard = data.consents.iter().any(|c| {
        c.purpose == ConsentPurpose::Leaderboard.as_str()
            && c.profile_id == own
            && c.withdrawn_at.is_none()
    });
    let active = s.active.as_ref().map(|a| a.id);
    let profiles = s
        .profiles
        .iter()
        .map(|pr| ProfileRow::of(pr, Some(pr.id) == active))
        .collect();
    let page = AccountPage {
        c: &p.c,
        email: s.patron.email.clone(),
        member_no: s.patron.member_no.clone().unwrap_or_default(),
        leaderboard,
        profiles,
        child,
    };
    p.render(state, &page, refused)
}

pub async fn account(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &q, "pt-account-title", &r).await?;
    account_page(&state, p, ChildForm::default(), false).await
}

/// Runs an account action for a signed-in patron, then back to the account
/// with a message; refusals come back on the account page.
async fn account_action<F, Fut>(
    state: &WebState,
    headers: &HeaderMap,
    r: &Option<Extension<RequestId>>,
    ok_key: &str,
    child: ChildForm,
    f: F,
) -> WebResult
where
    F: FnOnce(PatronSession) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    let mut p = portal(state, headers, &LangQuery::default(), "pt-account-title", r).await?;
    let Some(s) = p.session.clone() else {
        return Ok(sign_in_first("/akun"));
    };
    match f(s).await {
        Ok(()) => Ok(flash_to(state, "/akun", ok_key)),
        Err(AppError::Invalid(problems)) => {
            p.c.problems = problems;
            account_page(state, p, child, true).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_child(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult {
    let input = ChildInput {
        nickname: field(&f, "nickname"),
        first_name: field(&f, "first_name"),
        birth_year: field(&f, "birth_year"),
        guardian_consent: ticked(&f, "guardian_consent"),
        leaderboard: ticked(&f, "leaderboard"),
    };
    let form = ChildForm {
        nickname: input.nickname.clone(),
        first_name: input.first_name.clone(),
        birth_year: input.birth_year.clone(),
        consent: input.guardian_consent,
    };
    let app = state.app.clone();
    account_action(
        &state,
        &headers,
        &r,
        "pt-child-added",
        form,
        |s| async move { patrons::add_child(&app, &s, &input).await.map(|_| ()) },
    )
    .await
}

pub async fn switch_profile(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult {
    let id: i64 = field(&f, "profile").parse().unwrap_or(0);
    let app = state.app.clone();
    account_action(
        &state,
        &headers,
        &r,
        "pt-profile-switched",
        ChildForm::default(),
        |s| async move { patrons::switch(&app, &s, id).await },
    )
    .await
}

pub async fn remove_child(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let app = state.app.clone();
    account_action(
        &state,
        &headers,
        &r,
        "pt-child-removed",
        ChildForm::default(),
        |s| async move { patrons::remove_child(&app, &s, id).await },
    )
    .await
}

pub async fn update_account(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult {
    let member = field(&f, "member_no");
    let leaderboard = ticked(&f, "leaderboard");
    let app = state.app.clone();
    account_action(
        &state,
        &headers,
        &r,
        "pt-account-saved",
        ChildForm::default(),
        |s| async move { patrons::update(&app, &s, &member, leaderboard).await },
    )
    .await
}

// ------------------------------------------------------------------ my data

pub struct ConsentRow {
    pub purpose_key: &'static str,
    pub text_key: &'static str,
    pub profile: String,
    pub version: String,
    pub given: String,
    pub withdrawn: Option<String>,
}

pub struct BallotRow {
    pub profile: String,
    pub poll: String,
    pub choices: String,
    pub when: String,
}

pub struct ResponseRow {
    pub profile: String,
    pub kind_key: &'static str,
    pub title: String,
    pub score: Option<String>,
    pub when: String,
    pub answers: Vec<(String, String)>,
}

pub struct PointRow {
    pub profile: String,
    pub reason_key: &'static str,
    pub note: String,
    pub delta: i64,
    pub when: String,
}

pub struct ReadingRow {
    pub profile: String,
    pub challenge: String,
    pub title: String,
    pub read_on: String,
}

#[derive(Template)]
#[template(path = "akun_data.html")]
struct DataPage<'a> {
    c: &'a PageCtx,
    email: String,
    member_no: String,
    profiles: Vec<ProfileRow>,
    consents: Vec<ConsentRow>,
    ballots: Vec<BallotRow>,
    responses: Vec<ResponseRow>,
    points: Vec<PointRow>,
    reading: Vec<ReadingRow>,
}

async fn data_page(state: &WebState, p: Portal, refused: bool) -> WebResult {
    let Some(s) = &p.session else {
        return Ok(sign_in_first("/akun/data"));
    };
    let d = patrons::my_data(&state.app, s).await?;
    let tz = p.org.settings.timezone;
    let when = |ms: i64| siar_domain::Timestamp(ms).format_zoned(tz);
    let nick = |id: Option<i64>| {
        id.and_then(|id| d.profiles.iter().find(|p| p.id == id))
            .map(|p| p.nickname.clone())
            .unwrap_or_default()
    };
    let consents = d
        .consents
        .iter()
        .filter_map(|c| {
            let purpose = ConsentPurpose::parse(&c.purpose)?;
            Some(ConsentRow {
                purpose_key: purpose.label_key(),
                text_key: purpose.text_key(),
                profile: nick(c.profile_id),
                version: c.version.clone(),
                given: when(c.given_at),
                withdrawn: c.withdrawn_at.map(when),
            })
        })
        .collect();
    let ballots = d
        .ballots
        .iter()
        .map(|b| BallotRow {
            profile: b.profile.clone(),
            poll: b.poll.clone(),
            choices: b.choices.join(", "),
            when: when(b.at),
        })
        .collect();
    let profiles = d
        .profiles
        .iter()
        .map(|pr| ProfileRow::of(pr, false))
        .collect();
    let responses = d
        .responses
        .iter()
        .map(|r| ResponseRow {
            profile: r.profile.clone(),
            kind_key: if r.kind == "quiz" {
                "fm-quiz"
            } else {
                "fm-survey"
            },
            title: r.title.clone(),
            score: r.score.zip(r.out_of).map(|(s, n)| format!("{s}/{n}")),
            when: when(r.finished_at.unwrap_or(r.started_at)),
            answers: r.answers.clone(),
        })
        .collect();
    let points = d
        .points
        .iter()
        .map(|l| PointRow {
            profile: d.nickname(l.profile_id),
            reason_key: siar_domain::rewards::PointReason::parse(&l.reason)
                .map_or("rw-reason-award", |r| r.label_key()),
            note: l.note.clone(),
            delta: l.delta,
            when: when(l.created_at),
        })
        .collect();
    let reading = d
        .reading
        .iter()
        .map(|l| ReadingRow {
            profile: d.nickname(l.profile_id),
            challenge: l.challenge.clone(),
            title: l.title.clone(),
            read_on: l.read_on.clone(),
        })
        .collect();
    let page = DataPage {
        c: &p.c,
        email: d.patron.email.clone(),
        member_no: d.patron.member_no.clone().unwrap_or_default(),
        profiles,
        consents,
        ballots,
        responses,
        points,
        reading,
    };
    p.render(state, &page, refused)
}

pub async fn my_data(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &q, "pt-data-title", &r).await?;
    data_page(&state, p, false).await
}

/// `/akun/data.json` and `/akun/data.csv`.
async fn export(
    state: &WebState,
    headers: &HeaderMap,
    r: &Option<Extension<RequestId>>,
    json: bool,
) -> WebResult {
    let p = portal(state, headers, &LangQuery::default(), "pt-data-title", r).await?;
    let Some(s) = &p.session else {
        return Ok(sign_in_first("/akun/data"));
    };
    let d = patrons::my_data(&state.app, s).await?;
    Ok(if json {
        crate::pages::download(
            patrons::my_data_json(&d),
            "application/json; charset=utf-8",
            "data-saya.json",
        )
    } else {
        crate::pages::download(
            patrons::my_data_csv(&d)?,
            "text/csv; charset=utf-8",
            "data-saya.csv",
        )
    })
}

pub async fn export_json(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    export(&state, &headers, &r, true).await
}

pub async fn export_csv(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    export(&state, &headers, &r, false).await
}

pub async fn delete_account(
    State(state): State<WebState>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult {
    let mut p = portal(&state, &headers, &LangQuery::default(), "pt-data-title", &r).await?;
    let Some(s) = p.session.clone() else {
        return Ok(sign_in_first("/akun/data"));
    };
    match patrons::delete_account(&state.app, &s, ticked(&f, "confirm")).await {
        Ok(()) => {
            let mut res = flash_to(&state, "/", "pt-deleted");
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(PATRON_COOKIE, "", Some(0), state.config.secure_cookies),
            );
            Ok(res)
        }
        Err(AppError::Invalid(problems)) => {
            p.c.problems = problems;
            data_page(&state, p, true).await
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ polls

pub struct OptionRow {
    pub id: i64,
    pub label: String,
    pub mine: bool,
    pub votes: i64,
    pub percent: i64,
}

#[derive(Template)]
#[template(path = "jajak.html")]
struct PollPortalPage<'a> {
    c: &'a PageCtx,
    slug: String,
    question: String,
    description: String,
    multi: bool,
    max_choices: i64,
    state: &'static str,
    options: Vec<OptionRow>,
    voted: bool,
    results: bool,
    ballots: i64,
    needs_sign_in: bool,
    closes: Option<String>,
}

async fn poll_view(state: &WebState, mut p: Portal, slug: &str, status: StatusCode) -> WebResult {
    let voter = Voter::of(p.session.as_ref(), &p.pre);
    let page = match programs::poll_page(&state.app, p.org.id, slug, &voter).await {
        Ok(x) => x,
        Err(AppError::NotFound) => return Err(WebError(ErrorKind::NotFound)),
        Err(e) => return Err(e.into()),
    };
    let path = format!("/jajak/{}", page.poll.slug);
    crate::cards::share_meta(
        &mut p.c,
        state,
        &path,
        &page.poll.question,
        &page.poll.description,
        &format!("{path}/og.png"),
    );
    let tz = p.org.settings.timezone;
    let mine = page.mine.clone().unwrap_or_default();
    let options = page
        .options
        .iter()
        .map(|o| {
            let r = page
                .results
                .as_ref()
                .and_then(|(rs, _)| rs.iter().find(|r| r.option.id == o.id));
            OptionRow {
                id: o.id,
                label: o.label.clone(),
                mine: mine.contains(&o.id),
                votes: r.map_or(0, |r| r.votes),
                percent: r.map_or(0, |r| r.percent),
            }
        })
        .collect();
    let view = PollPortalPage {
        c: &p.c,
        slug: page.poll.slug.clone(),
        question: page.poll.question.clone(),
        description: page.poll.description.clone(),
        multi: page.poll.max_choices > 1,
        max_choices: page.poll.max_choices,
        state: match page.state {
            PollState::NotYet => "not-yet",
            PollState::Open => "open",
            PollState::Closed => "closed",
        },
        options,
        voted: page.mine.is_some(),
        results: page.results.is_some(),
        ballots: page.results.as_ref().map_or(0, |(_, t)| t.ballots),
        needs_sign_in: page.needs_sign_in,
        closes: page
            .poll
            .closes_at
            .map(|ms| siar_domain::Timestamp(ms).format_zoned(tz)),
    };
    let body = view.render()?;
    Ok(p.respond(state, status, body))
}

pub async fn poll(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let mut p = portal(&state, &headers, &q, "pg-title", &r).await?;
    p.c.title = String::new();
    poll_view(&state, p, &slug, StatusCode::OK).await
}

pub async fn vote(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    ip: Option<Extension<ClientIp>>,
    r: Option<Extension<RequestId>>,
    body: axum::body::Bytes,
) -> WebResult {
    let mut p = portal(&state, &headers, &LangQuery::default(), "pg-title", &r).await?;
    // Checkboxes repeat their name, so read the pairs rather than a map.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let choices: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "choice")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let voter = Voter::of(p.session.as_ref(), &p.pre);
    let source = cookie(&headers, SOURCE_COOKIE).map(str::to_string);
    match programs::vote(
        &state.app,
        p.org.id,
        &slug,
        &voter,
        &choices,
        &address(&ip),
        source.as_deref(),
    )
    .await
    {
        Ok(()) => Ok(flash_to(&state, &format!("/jajak/{slug}"), "pg-thanks")),
        Err(AppError::Invalid(problems)) => {
            p.c.problems = problems;
            poll_view(&state, p, &slug, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::NotFound) => Err(WebError(ErrorKind::NotFound)),
        Err(e) => Err(e.into()),
    }
}
