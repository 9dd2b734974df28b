//! Page handlers and their templates. Each handler extracts, calls one `siar-app`
//! function, and renders.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::i18n;
use crate::middleware::{
    ClientIp, CurrentSession, LANG_COOKIE, PRE_COOKIE, RequestId, SESSION_COOKIE, clear_flash,
    cookie, redirect_with_flash, set_cookie, take_flash, unprocessable,
};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{Datelike, NaiveDate, TimeZone};
use serde::Deserialize;
use siar_app::auth::Session;
use siar_app::{AppError, audit, jobs, settings, staff};
use siar_domain::Timestamp;
use siar_domain::audit::{AuditAction, AuditFilter};
use siar_domain::jobs::JobState;
use siar_domain::org::{
    Lang, NewStaffInput, OpeningHours, OrgSettingsInput, Organisation, Role, StaffEditInput, UserId,
};
use siar_domain::time::zone_label;
use siar_domain::validate::Problems;
use std::collections::HashMap;
use std::sync::Arc;

/// The signed-in person; present on every staff route (the guard made sure).
pub struct Me(pub Arc<Session>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Me {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, WebError> {
        parts
            .extensions
            .get::<CurrentSession>()
            .and_then(|s| s.0.clone())
            .map(Me)
            .ok_or(WebError(ErrorKind::Forbidden))
    }
}

/// A multipart form read whole: its text fields in order, and the file sent
/// in the file field (its name and bytes) when one was chosen.
pub(crate) struct Parts {
    pub fields: Vec<(String, String)>,
    pub file: Option<(String, Vec<u8>)>,
}

pub(crate) async fn read_multipart(
    mut mp: axum::extract::Multipart,
    file_field: &str,
) -> Result<Parts, WebError> {
    let mut out = Parts {
        fields: Vec::new(),
        file: None,
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(WebError(ErrorKind::TooLarge)),
        };
        let name = field.name().unwrap_or("").to_string();
        if name == file_field {
            let fname = field.file_name().unwrap_or("").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| WebError(ErrorKind::TooLarge))?;
            if !bytes.is_empty() {
                out.file = Some((fname, bytes.to_vec()));
            }
            continue;
        }
        let value = field
            .text()
            .await
            .map_err(|_| WebError(ErrorKind::TooLarge))?;
        out.fields.push((name, value));
    }
    Ok(out)
}

pub(crate) fn rid(r: &Option<Extension<RequestId>>) -> String {
    r.as_ref().map(|r| r.0.0.clone()).unwrap_or_default()
}

fn html(body: String, had_flash: bool, secure: bool) -> Response {
    let mut r = Html(body).into_response();
    if had_flash {
        clear_flash(&mut r, secure);
    }
    r
}

/// A rendered console page as a response, clearing the flash it showed.
pub(crate) fn html_page(body: String, had_flash: bool, state: &WebState) -> Response {
    html(body, had_flash, state.config.secure_cookies)
}

/// A file to download: its type, a private no-store cache rule (exports hold
/// personal or staff data) and the name it is saved under.
pub(crate) fn download(
    body: impl Into<axum::body::Body>,
    ctype: &'static str,
    filename: &str,
) -> Response {
    let mut r = Response::new(body.into());
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Renders a console page, clearing the flash it showed.
pub(crate) fn page<T: Template>(t: &T, had_flash: bool, state: &WebState) -> WebResult {
    Ok(html(t.render()?, had_flash, state.config.secure_cookies))
}

pub(crate) fn staff_ctx(
    me: &Me,
    title: &str,
    path: &str,
    headers: &HeaderMap,
    r: &Option<Extension<RequestId>>,
) -> (PageCtx, bool) {
    let flash = take_flash(headers);
    let had = flash.is_some();
    (PageCtx::staff(&me.0, title, path, flash, rid(r)), had)
}

/// The page context for a form that came back with problems (no flash).
pub(crate) fn problems_ctx(
    me: &Me,
    title: &str,
    path: &str,
    r: &Option<Extension<RequestId>>,
    problems: Problems,
) -> PageCtx {
    let mut c = PageCtx::staff(&me.0, title, path, None, rid(r));
    c.problems = problems;
    c
}

/// A redirect after a successful change, showing `key` once.
pub(crate) fn done(state: &WebState, to: &str, key: &str) -> Response {
    redirect_with_flash(to, key, true, state.config.secure_cookies)
}

// ---------------------------------------------------------------- errors

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub c: &'a PageCtx,
    pub text: String,
    pub status: u16,
}

pub async fn not_found() -> WebError {
    WebError(ErrorKind::NotFound)
}

// ---------------------------------------------------------------- portal

struct DayRow {
    day_key: &'static str,
    hours: Option<String>,
    today: bool,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage<'a> {
    c: &'a PageCtx,
    days: Vec<DayRow>,
    holidays: Vec<(String, String)>,
    /// Open polls: (slug, question).
    polls: Vec<(String, String)>,
    /// Open quizzes and surveys: (path, title).
    forms: Vec<(String, String)>,
    /// Reading challenges not yet over: (slug, title, period).
    challenges: Vec<(String, String, String)>,
    zone: &'static str,
}

#[derive(Template)]
#[template(path = "no_org.html")]
struct NoOrgPage<'a> {
    c: &'a PageCtx,
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    pub(crate) lang: Option<String>,
}

/// Anonymous visitors choose a language with `?lang=`; it sticks in a cookie.
pub(crate) fn public_lang(
    headers: &HeaderMap,
    q: &LangQuery,
    default: Lang,
) -> (Lang, Option<HeaderValue>) {
    if let Some(l) = q.lang.as_deref().and_then(Lang::parse) {
        return (
            l,
            Some(set_cookie(LANG_COOKIE, l.code(), Some(31_536_000), false)),
        );
    }
    let l = cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or(default);
    (l, None)
}

pub async fn portal(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let org = match settings::portal_org(&state.app, state.config.portal_org.as_deref()).await {
        Ok(o) => o,
        Err(AppError::NotFound) => {
            let (lang, _) = public_lang(&headers, &q, Lang::Id);
            let c = PageCtx::public(
                lang,
                "app-name",
                i18n::t(lang, "app-name"),
                String::new(),
                rid(&r),
            );
            return Ok(Html(NoOrgPage { c: &c }.render()?).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let (lang, set) = public_lang(&headers, &q, org.settings.default_lang);
    let mut c = PageCtx::public(
        lang,
        "nav-home",
        org.settings.name.clone(),
        String::new(),
        rid(&r),
    );
    c.logo_url = crate::ctx::logo_url(&org.slug, &org);
    if let Some(t) = cookie(&headers, crate::portal::PATRON_COOKIE) {
        c.patron = siar_app::patrons::session(&state.app, t)
            .await?
            .filter(|s| s.org == org.id)
            .and_then(|s| s.active)
            .map(|p| p.nickname);
    }
    let polls = siar_app::programs::open_polls(&state.app, org.id)
        .await?
        .into_iter()
        .map(|p| (p.slug, p.question))
        .collect();
    let mut forms = Vec::new();
    for kind in [
        siar_domain::forms::FormKind::Quiz,
        siar_domain::forms::FormKind::Survey,
    ] {
        for f in siar_app::forms::open_forms(&state.app, org.id, kind).await? {
            forms.push((format!("/{}/{}", kind.segment(), f.slug), f.title));
        }
    }
    let challenges = siar_app::challenges::current(&state.app, org.id)
        .await?
        .into_iter()
        .map(|c| (c.slug, c.title, format!("{} – {}", c.starts_on, c.ends_on)))
        .collect();
    let tz = org.settings.timezone;
    let local_today = state.app.now().to_utc().with_timezone(&tz).date_naive();
    let weekday = local_today.weekday().num_days_from_monday() as usize;
    let days = org
        .settings
        .opening_hours
        .0
        .iter()
        .enumerate()
        .map(|(i, d)| DayRow {
            day_key: OpeningHours::DAY_KEYS[i],
            hours: d
                .open
                .zip(d.close)
                .map(|(o, c)| format!("{}–{}", o.format("%H:%M"), c.format("%H:%M"))),
            today: i == weekday,
        })
        .collect();
    let holidays = org
        .settings
        .holidays
        .iter()
        .filter(|h| h.date >= local_today)
        .take(5)
        .map(|h| (h.date.format("%d-%m-%Y").to_string(), h.name.clone()))
        .collect();
    let body = PortalPage {
        c: &c,
        days,
        polls,
        forms,
        challenges,
        holidays,
        zone: zone_label(tz),
    }
    .render()?;
    let mut res = Html(body).into_response();
    if let Some(v) = set {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The organisation's logo (public: it shows on the portal).
pub async fn logo(State(state): State<WebState>, Path(slug): Path<String>) -> WebResult {
    let org = settings::by_slug(&state.app, &slug).await?;
    let (ctype, bytes) = settings::logo(&state.app, org.id).await?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ctype)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(r)
}

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    c: &'a PageCtx,
    email: String,
    next: String,
    error: Option<String>,
    /// A form posted on an expired session: where it was going, and what was typed
    /// (URL-encoded, passwords removed).
    resume_action: String,
    resume_form: String,
}

#[derive(Template)]
#[template(path = "resume.html")]
struct ResumePage<'a> {
    c: &'a PageCtx,
    action: String,
    fields: Vec<(String, String)>,
}

/// The sign-in page for a form that arrived after its session ended: it keeps what
/// was typed so nothing is lost.
pub async fn login_to_resume(
    state: &WebState,
    headers: &HeaderMap,
    path: &str,
    kept: Vec<(String, String)>,
) -> Response {
    let lang = cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default();
    let (pre, fresh) = pre_session(headers);
    let org_name = login_org_name(state, lang).await;
    let c = PageCtx::public(lang, "login-title", org_name, pre.clone(), String::new());
    let page = LoginPage {
        c: &c,
        email: String::new(),
        next: "/app".into(),
        error: Some(i18n::t(lang, "login-expired-kept")),
        resume_action: safe_next(Some(path)),
        resume_form: serde_urlencoded::to_string(&kept).unwrap_or_default(),
    };
    let mut res = match page.render() {
        Ok(body) => (StatusCode::UNAUTHORIZED, Html(body)).into_response(),
        Err(e) => return WebError::from(e).into_response(),
    };
    if fresh {
        set_pre_session(&mut res, &pre, state);
    }
    res
}

/// The visitor's pre-session token (CSRF before sign-in), and whether it is
/// new and must be set as a cookie.
pub(crate) fn pre_session(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, PRE_COOKIE).filter(|v| v.len() >= 32 && v.len() <= 64) {
        Some(v) => (v.to_string(), false),
        None => (siar_app::secrets::random_token(), true),
    }
}

pub(crate) fn set_pre_session(res: &mut Response, pre: &str, state: &WebState) {
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(PRE_COOKIE, pre, None, state.config.secure_cookies),
    );
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

/// Only same-site console paths are followed after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/app")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/app/login") =>
        {
            n.to_string()
        }
        _ => "/app".to_string(),
    }
}

async fn login_org_name(state: &WebState, lang: Lang) -> String {
    settings::portal_org(&state.app, state.config.portal_org.as_deref())
        .await
        .map(|o| o.settings.name)
        .unwrap_or_else(|_| i18n::t(lang, "app-name"))
}

pub async fn login_form(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
    Extension(current): Extension<CurrentSession>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    if current.0.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let (lang, set_lang) = public_lang(
        &headers,
        &LangQuery {
            lang: q.lang.clone(),
        },
        Lang::Id,
    );
    // The pre-session CSRF token: kept if the browser has one, else a new one.
    let (pre, fresh) = pre_session(&headers);
    let flash = take_flash(&headers);
    let had = flash.is_some();
    let org_name = login_org_name(&state, lang).await;
    let mut c = PageCtx::public(lang, "login-title", org_name, pre.clone(), rid(&r));
    c.flash = flash;
    let body = LoginPage {
        c: &c,
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
        resume_action: String::new(),
        resume_form: String::new(),
    }
    .render()?;
    let mut res = html(body, had, state.config.secure_cookies);
    if fresh {
        set_pre_session(&mut res, &pre, &state);
    }
    if let Some(v) = set_lang {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    resume_action: String,
    #[serde(default)]
    resume_form: String,
}

pub async fn login_submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    Extension(ip): Extension<ClientIp>,
    r: Option<Extension<RequestId>>,
    Form(f): Form<LoginForm>,
) -> WebResult {
    let old = cookie(&headers, SESSION_COOKIE);
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    match siar_app::auth::sign_in(&state.app, &f.email, &f.password, ip.0.as_deref(), ua, old).await
    {
        Ok(signed) => {
            let secure = state.config.secure_cookies;
            let kept: Vec<(String, String)> =
                serde_urlencoded::from_str(&f.resume_form).unwrap_or_default();
            let mut res = if kept.is_empty() || f.resume_action.is_empty() {
                Redirect::to(&safe_next(f.next.as_deref())).into_response()
            } else {
                // Offer the kept form again, under the new session's token.
                let session = siar_app::auth::session(&state.app, &signed.token, ip.0.as_deref())
                    .await?
                    .ok_or(WebError(ErrorKind::Internal))?;
                let c = PageCtx::staff(&session, "resume-title", "", None, rid(&r));
                let page = ResumePage {
                    c: &c,
                    action: safe_next(Some(&f.resume_action)),
                    fields: kept,
                };
                Html(page.render()?).into_response()
            };
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &signed.token, None, secure),
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(PRE_COOKIE, "", Some(0), secure),
            );
            Ok(res)
        }
        Err(AppError::Unauthenticated { key, minutes }) => {
            let lang = cookie(&headers, LANG_COOKIE)
                .and_then(Lang::parse)
                .unwrap_or_default();
            let msg = match minutes {
                Some(m) => i18n::t_args(lang, key, &[("minutes", m.to_string())]),
                None => i18n::t(lang, key),
            };
            let pre = cookie(&headers, PRE_COOKIE).unwrap_or_default().to_string();
            let org_name = login_org_name(&state, lang).await;
            let c = PageCtx::public(lang, "login-title", org_name, pre, rid(&r));
            let body = LoginPage {
                c: &c,
                email: f.email.chars().take(254).collect(),
                next: safe_next(f.next.as_deref()),
                error: Some(msg),
                resume_action: f.resume_action.clone(),
                resume_form: f.resume_form.clone(),
            }
            .render()?;
            let status = if key == "login-throttled" {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            Ok((status, Html(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(State(state): State<WebState>, headers: HeaderMap) -> WebResult {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        siar_app::auth::sign_out(&state.app, token).await?;
    }
    let mut res = done(&state, "/app/login", "login-signed-out");
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies),
    );
    Ok(res)
}

pub async fn logout_all(State(state): State<WebState>, me: Me) -> WebResult {
    siar_app::auth::sign_out_everywhere(&state.app, &me.0.actor).await?;
    let mut res = done(&state, "/app/login", "login-signed-out");
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    back: Option<String>,
}

pub async fn set_lang(State(state): State<WebState>, me: Me, Form(f): Form<LangForm>) -> WebResult {
    let Some(lang) = Lang::parse(&f.lang) else {
        return Ok(redirect_with_flash(
            "/app/account",
            "err-language",
            false,
            state.config.secure_cookies,
        ));
    };
    siar_app::auth::set_language(&state.app, &me.0.actor, lang).await?;
    let back = safe_next(f.back.as_deref());
    Ok(done(&state, &back, "account-lang-saved"))
}

// ---------------------------------------------------------------- home

struct Step {
    href: &'static str,
    text: String,
    warn: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    c: &'a PageCtx,
    name: String,
    role_label: String,
    role_help: String,
    today: String,
    steps: Vec<Step>,
    staff_count: Option<usize>,
    days: Vec<DayAhead>,
}

/// A day that matters, coming up, with its content idea.
struct DayAhead {
    date: String,
    name: String,
    kind: String,
    prompt: String,
}

fn today_text(c: &PageCtx, org: &Organisation, now: Timestamp) -> String {
    let tz = org.settings.timezone;
    let local = now.to_utc().with_timezone(&tz);
    let date: NaiveDate = local.date_naive();
    if let Some(h) = org.settings.holidays.iter().find(|h| h.date == date) {
        return c.t1("home-holiday-today", "name", &h.name);
    }
    let d = org.settings.opening_hours.0[date.weekday().num_days_from_monday() as usize];
    match (d.open, d.close) {
        (Some(o), Some(cl)) => i18n::t_args(
            c.lang,
            "home-open-today",
            &[
                ("open", o.format("%H:%M").to_string()),
                ("close", cl.format("%H:%M").to_string()),
                ("zone", zone_label(tz).to_string()),
            ],
        ),
        _ => c.t("home-closed-today"),
    }
}

pub async fn home(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "home-title", "/app", &headers, &r);
    let s = &me.0;
    let role = s.staff.role;
    let mut steps = Vec::new();
    let mut staff_count = None;
    if role == Role::Admin {
        let dead = jobs::state_counts(&state.app, &s.actor)
            .await?
            .into_iter()
            .find(|(st, _)| *st == JobState::Dead)
            .map_or(0, |x| x.1);
        let all = staff::list(&state.app, &s.actor).await?;
        staff_count = Some(all.iter().filter(|x| x.active).count());
        steps.push(Step {
            href: "/app/staff",
            text: c.t("home-step-staff"),
            warn: false,
        });
        steps.push(Step {
            href: "/app/settings",
            text: c.t("home-step-settings"),
            warn: false,
        });
        if dead > 0 {
            steps.push(Step {
                href: "/app/jobs?state=dead",
                text: c.t1("home-step-jobs-dead", "count", dead),
                warn: true,
            });
        } else {
            steps.push(Step {
                href: "/app/jobs",
                text: c.t("home-step-jobs-ok"),
                warn: false,
            });
        }
        steps.push(Step {
            href: "/app/audit",
            text: c.t("home-step-audit"),
            warn: false,
        });
    }
    steps.push(Step {
        href: "/app/account",
        text: c.t("home-step-account"),
        warn: false,
    });
    let role_help_key = format!("{}-help", role.label_key());
    // The next three weeks' days that matter, so the team can plan for them.
    let local_today = state
        .app
        .now()
        .to_utc()
        .with_timezone(&s.org.settings.timezone)
        .date_naive();
    let days = siar_app::studio::days_between(
        &state.app,
        &s.actor,
        local_today,
        local_today + chrono::Duration::days(21),
    )
    .await?
    .into_iter()
    .filter(|d| d.kind != siar_domain::days::DayKind::CollectiveLeave)
    .take(5)
    .map(|d| DayAhead {
        date: d.date.format("%d-%m-%Y").to_string(),
        name: match c.lang {
            Lang::Id => d.name_id,
            Lang::En => d.name_en,
        },
        kind: c.t(d.kind.label_key()),
        prompt: d.prompt,
    })
    .collect();
    let t = HomePage {
        days,
        name: s.staff.name.clone(),
        role_label: c.t(role.label_key()),
        role_help: c.t(&role_help_key),
        today: today_text(&c, &s.org, state.app.now()),
        steps,
        staff_count,
        c: &c,
    };
    page(&t, had, &state)
}

// ---------------------------------------------------------------- account

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    c: &'a PageCtx,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn account_password(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Form(f): Form<PasswordForm>,
) -> WebResult {
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let res = siar_app::auth::change_own_password(
        &state.app,
        &me.0.actor,
        token,
        &f.current_password,
        &f.new_password,
    )
    .await;
    match res {
        Ok(()) => Ok(done(&state, "/app/account", "account-password-changed")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "account-title", "/app/account", &r, p);
            Ok(unprocessable(AccountPage { c: &c }.render()?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn account(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "account-title", "/app/account", &headers, &r);
    page(&AccountPage { c: &c }, had, &state)
}

// ---------------------------------------------------------------- staff

struct StaffRow {
    id: i64,
    name: String,
    email: String,
    role_key: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "staff_list.html")]
struct StaffListPage<'a> {
    c: &'a PageCtx,
    staff: Vec<StaffRow>,
    me: i64,
}

fn role_options() -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.label_key()))
        .collect()
}

pub async fn staff_list(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "staff-title", "/app/staff", &headers, &r);
    let all = staff::list(&state.app, &me.0.actor).await?;
    let rows = all
        .into_iter()
        .map(|s| StaffRow {
            id: s.id.0,
            name: s.name,
            email: s.email,
            role_key: s.role.label_key(),
            active: s.active,
        })
        .collect();
    page(
        &StaffListPage {
            c: &c,
            staff: rows,
            me: me.0.staff.id.0,
        },
        had,
        &state,
    )
}

#[derive(Template)]
#[template(path = "staff_new.html")]
struct StaffNewPage<'a> {
    c: &'a PageCtx,
    form: NewStaffInput,
    roles: Vec<(&'static str, &'static str)>,
}

pub async fn staff_new(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "staff-new-title", "/app/staff", &headers, &r);
    let form = NewStaffInput {
        role: Role::Contributor.as_str().into(),
        ..Default::default()
    };
    page(
        &StaffNewPage {
            c: &c,
            form,
            roles: role_options(),
        },
        had,
        &state,
    )
}

pub async fn staff_create(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = NewStaffInput {
        name: get("name"),
        email: get("email"),
        role: get("role"),
        password: get("password"),
    };
    match staff::create(&state.app, &me.0.actor, &input).await {
        Ok(_) => Ok(done(&state, "/app/staff", "staff-created")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "staff-new-title", "/app/staff", &r, p);
            // Everything typed comes back, except the password.
            let form = NewStaffInput {
                password: String::new(),
                ..input
            };
            Ok(unprocessable(
                StaffNewPage {
                    c: &c,
                    form,
                    roles: role_options(),
                }
                .render()?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff_edit.html")]
struct StaffEditPage<'a> {
    c: &'a PageCtx,
    id: i64,
    email: String,
    joined: String,
    form: StaffEditInput,
    roles: Vec<(&'static str, &'static str)>,
}

pub async fn staff_edit(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "staff-edit-title", "/app/staff", &headers, &r);
    let s = staff::get(&state.app, &me.0.actor, UserId(id)).await?;
    let form = StaffEditInput {
        name: s.name.clone(),
        role: s.role.as_str().into(),
        active: s.active,
    };
    let joined = s.created_at.format_in(me.0.org.settings.timezone);
    page(
        &StaffEditPage {
            c: &c,
            id,
            email: s.email,
            joined,
            form,
            roles: role_options(),
        },
        had,
        &state,
    )
}

async fn staff_edit_problems(
    state: &WebState,
    me: &Me,
    id: i64,
    r: &Option<Extension<RequestId>>,
    form: StaffEditInput,
    p: Problems,
) -> WebResult {
    let s = staff::get(&state.app, &me.0.actor, UserId(id)).await?;
    let c = problems_ctx(me, "staff-edit-title", "/app/staff", r, p);
    let joined = s.created_at.format_in(me.0.org.settings.timezone);
    Ok(unprocessable(
        StaffEditPage {
            c: &c,
            id,
            email: s.email,
            joined,
            form,
            roles: role_options(),
        }
        .render()?,
    ))
}

pub async fn staff_update(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = StaffEditInput {
        name: get("name"),
        role: get("role"),
        active: f.get("active").is_some_and(|v| v == "true"),
    };
    match staff::update(&state.app, &me.0.actor, UserId(id), &input).await {
        Ok(_) => Ok(done(&state, "/app/staff", "staff-updated")),
        Err(AppError::Invalid(p)) => staff_edit_problems(&state, &me, id, &r, input, p).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn staff_password(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let pw = f.get("password").cloned().unwrap_or_default();
    match staff::set_password(&state.app, &me.0.actor, UserId(id), &pw).await {
        Ok(()) => Ok(done(
            &state,
            &format!("/app/staff/{id}"),
            "staff-password-reset",
        )),
        Err(AppError::Invalid(p)) => {
            let s = staff::get(&state.app, &me.0.actor, UserId(id)).await?;
            let form = StaffEditInput {
                name: s.name,
                role: s.role.as_str().into(),
                active: s.active,
            };
            staff_edit_problems(&state, &me, id, &r, form, p).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- settings

struct HoursRow {
    field: &'static str,
    day_key: &'static str,
    open: String,
    close: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage<'a> {
    c: &'a PageCtx,
    form: OrgSettingsInput,
    days: Vec<HoursRow>,
}

fn hours_rows(form: &OrgSettingsInput) -> Vec<HoursRow> {
    (0..7)
        .map(|i| {
            let (open, close) = form.hours.get(i).cloned().unwrap_or_default();
            HoursRow {
                field: OpeningHours::FIELDS[i],
                day_key: OpeningHours::DAY_KEYS[i],
                open,
                close,
            }
        })
        .collect()
}

pub async fn settings_form(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "settings-title", "/app/settings", &headers, &r);
    let org = settings::organisation(&state.app, me.0.org.id).await?;
    let form = OrgSettingsInput::from_settings(&org.settings);
    let days = hours_rows(&form);
    page(&SettingsPage { c: &c, form, days }, had, &state)
}

pub async fn settings_save(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = OrgSettingsInput {
        name: get("name"),
        timezone: get("timezone"),
        default_lang: get("default_lang"),
        hours: OpeningHours::FIELDS
            .iter()
            .map(|d| (get(&format!("{d}_open")), get(&format!("{d}_close"))))
            .collect(),
        holidays: get("holidays"),
        require_alt: f.get("require_alt").is_some_and(|v| v == "on"),
    };
    match settings::update(&state.app, &me.0.actor, &input).await {
        Ok(_) => Ok(done(&state, "/app/settings", "settings-saved")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "settings-title", "/app/settings", &r, p);
            let days = hours_rows(&input);
            Ok(unprocessable(
                SettingsPage {
                    c: &c,
                    form: input,
                    days,
                }
                .render()?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn settings_logo(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    mut mp: Multipart,
) -> WebResult {
    let mut bytes = Vec::new();
    loop {
        match mp.next_field().await {
            Ok(Some(field)) if field.name() == Some("logo") => {
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| WebError(ErrorKind::TooLarge))?
                    .to_vec();
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => return Err(WebError(ErrorKind::TooLarge)),
        }
    }
    match settings::set_logo(&state.app, &me.0.actor, bytes).await {
        Ok(()) => Ok(done(&state, "/app/settings", "settings-logo-saved")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "settings-title", "/app/settings", &r, p);
            let form = OrgSettingsInput::from_settings(&me.0.org.settings);
            let days = hours_rows(&form);
            Ok(unprocessable(SettingsPage { c: &c, form, days }.render()?))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- audit

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    page: Option<u64>,
}

struct AuditRowView {
    time: String,
    actor: String,
    action: String,
    record: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPageView<'a> {
    c: &'a PageCtx,
    filter: AuditQuery,
    actors: Vec<(String, String)>,
    actions: Vec<(&'static str, &'static str)>,
    records: Vec<(&'static str, &'static str)>,
    rows: Vec<AuditRowView>,
    total: i64,
    query: String,
    page_label: String,
    prev: Option<String>,
    next: Option<String>,
}

/// Turns the typed filter into a store filter; dates are local days in `tz`.
fn audit_filter(q: &AuditQuery, tz: chrono_tz::Tz) -> Result<AuditFilter, Problems> {
    let mut p = Problems::default();
    let mut day = |field: &'static str, v: &str, plus_one: bool| -> Option<Timestamp> {
        if v.trim().is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
            Ok(d) => {
                let d = if plus_one {
                    d.succ_opt().unwrap_or(d)
                } else {
                    d
                };
                let midnight = d.and_hms_opt(0, 0, 0)?;
                tz.from_local_datetime(&midnight)
                    .earliest()
                    .map(|t| Timestamp::from_utc(t.with_timezone(&chrono::Utc)))
            }
            Err(_) => {
                p.push(field, "err-date");
                None
            }
        }
    };
    let from = day("from", &q.from, false);
    let until = day("until", &q.until, true);
    let f = AuditFilter {
        actor_id: q.actor.trim().parse::<i64>().ok().map(UserId),
        action: AuditAction::parse(q.action.trim()).map(|a| a.as_str().to_string()),
        record_type: RECORD_TYPES
            .iter()
            .find(|(t, _)| *t == q.record.trim())
            .map(|(t, _)| t.to_string()),
        from,
        until,
    };
    if p.is_empty() { Ok(f) } else { Err(p) }
}

/// The kinds of record the audit log names, with their i18n keys.
const RECORD_TYPES: [(&str, &str); 5] = [
    ("user", "record-user"),
    ("organisation", "record-organisation"),
    ("session", "record-session"),
    ("job", "record-job"),
    ("api_token", "record-api_token"),
];

fn audit_query_string(q: &AuditQuery, page: Option<u64>) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("actor", &q.actor),
        ("action", &q.action),
        ("record", &q.record),
        ("from", &q.from),
        ("until", &q.until),
    ] {
        if !v.is_empty() {
            pairs.push((k, v.clone()));
        }
    }
    if let Some(p) = page {
        pairs.push(("page", p.to_string()));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!(
            "?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }
}

pub async fn audit_page(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Query(q): Query<AuditQuery>,
) -> WebResult {
    let (mut c, had) = staff_ctx(&me, "audit-title", "/app/audit", &headers, &r);
    let tz = me.0.org.settings.timezone;
    let filter = match audit_filter(&q, tz) {
        Ok(f) => f,
        Err(p) => {
            c.problems = p;
            AuditFilter::default()
        }
    };
    let result = audit::page(&state.app, &me.0.actor, &filter, q.page.unwrap_or(1)).await?;
    let people = staff::list(&state.app, &me.0.actor).await?;
    let rows = result
        .entries
        .iter()
        .map(|e| AuditRowView {
            time: e.created_at.format_in(tz),
            actor: e.actor_label.clone(),
            action: AuditAction::parse(&e.action)
                .map(|a| c.t(a.label_key()))
                .unwrap_or_else(|| e.action.clone()),
            record: {
                let kind = RECORD_TYPES
                    .iter()
                    .find(|(t, _)| *t == e.record_type)
                    .map_or_else(|| e.record_type.clone(), |(_, k)| c.t(k));
                match &e.record_id {
                    Some(id) => format!("{kind} #{id}"),
                    None => kind,
                }
            },
            summary: e.summary.clone(),
        })
        .collect();
    let pages = result.pages();
    let view = AuditPageView {
        actors: people
            .iter()
            .map(|s| (s.id.0.to_string(), s.name.clone()))
            .collect(),
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.as_str(), a.label_key()))
            .collect(),
        records: RECORD_TYPES.to_vec(),
        rows,
        total: result.total,
        query: audit_query_string(&q, None),
        page_label: i18n::t_args(
            c.lang,
            "audit-page",
            &[
                ("page", result.page.to_string()),
                ("pages", pages.to_string()),
            ],
        ),
        prev: (result.page > 1).then(|| {
            format!(
                "/app/audit{}",
                audit_query_string(&q, Some(result.page - 1))
            )
        }),
        next: (result.page < pages).then(|| {
            format!(
                "/app/audit{}",
                audit_query_string(&q, Some(result.page + 1))
            )
        }),
        filter: q,
        c: &c,
    };
    page(&view, had, &state)
}

pub async fn audit_csv(
    State(state): State<WebState>,
    me: Me,
    Query(q): Query<AuditQuery>,
) -> WebResult {
    let tz = me.0.org.settings.timezone;
    let filter = audit_filter(&q, tz).unwrap_or_default();
    let bytes = audit::export_csv(&state.app, &me.0.actor, &filter, tz).await?;
    let name = format!(
        "audit-{}-{}.csv",
        me.0.org.slug,
        state.app.now().to_utc().format("%Y%m%d")
    );
    let mut r = bytes.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

// ---------------------------------------------------------------- jobs

struct JobRowView {
    id: i64,
    kind: String,
    state_key: &'static str,
    badge: &'static str,
    attempts: String,
    run_at: String,
    error: Option<String>,
    dead: bool,
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage<'a> {
    c: &'a PageCtx,
    state: String,
    tabs: Vec<(&'static str, &'static str, i64)>,
    rows: Vec<JobRowView>,
}

#[derive(Deserialize)]
pub struct JobsQuery {
    #[serde(default)]
    state: String,
}

pub async fn jobs_page(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Query(q): Query<JobsQuery>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "jobs-title", "/app/jobs", &headers, &r);
    let filter = JobState::parse(&q.state);
    let (list, counts) = jobs::list(&state.app, &me.0.actor, filter).await?;
    let tz = me.0.org.settings.timezone;
    let rows = list
        .into_iter()
        .map(|j| JobRowView {
            id: j.id,
            kind: j.kind,
            state_key: j.state.label_key(),
            badge: match j.state {
                JobState::Succeeded => "ok",
                JobState::Dead => "err",
                JobState::Running => "run",
                JobState::Queued => "",
            },
            attempts: format!("{}/{}", j.attempts, j.max_attempts),
            run_at: j.run_at.format_in(tz),
            error: j.last_error,
            dead: j.state == JobState::Dead,
        })
        .collect();
    let tabs = counts
        .into_iter()
        .map(|(s, n)| (s.as_str(), s.label_key(), n))
        .collect();
    let view = JobsPage {
        c: &c,
        state: filter.map(|s| s.as_str().to_string()).unwrap_or_default(),
        tabs,
        rows,
    };
    page(&view, had, &state)
}

pub async fn job_retry(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    match jobs::retry(&state.app, &me.0.actor, id).await {
        Ok(()) => Ok(done(&state, "/app/jobs", "jobs-retried")),
        Err(AppError::Invalid(_)) => Ok(redirect_with_flash(
            "/app/jobs",
            "err-job-not-dead",
            false,
            state.config.secure_cookies,
        )),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- health

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<WebState>) -> Response {
    match state.app.readiness().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!("not ready: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}")).into_response()
        }
    }
}

pub async fn metrics(State(state): State<WebState>) -> Response {
    let jobs = jobs::metrics(&state.app).await.unwrap_or_default();
    let body = state.metrics.render(&jobs, state.app.pool_stats());
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_kept_on_site() {
        assert_eq!(safe_next(Some("/app/staff")), "/app/staff");
        assert_eq!(safe_next(Some("https://evil.example/")), "/app");
        assert_eq!(safe_next(Some("//evil.example")), "/app");
        assert_eq!(safe_next(Some("/app/login")), "/app");
        assert_eq!(safe_next(None), "/app");
    }

    #[test]
    fn audit_dates_are_local_days() {
        let q = AuditQuery {
            from: "2026-11-28".into(),
            until: "2026-11-28".into(),
            ..Default::default()
        };
        let f = audit_filter(&q, chrono_tz::Asia::Jakarta).unwrap();
        // Midnight WIB is 17:00 UTC the day before.
        assert_eq!(f.from.unwrap().rfc3339(), "2026-11-27T17:00:00Z");
        assert_eq!(f.until.unwrap().rfc3339(), "2026-11-28T17:00:00Z");
        let bad = AuditQuery {
            from: "28/11/2026".into(),
            ..Default::default()
        };
        assert_eq!(
            audit_filter(&bad, chrono_tz::Asia::Jakarta).unwrap_err().0[0].key,
            "err-date"
        );
    }
}
