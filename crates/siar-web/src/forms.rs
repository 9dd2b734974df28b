//! Quizzes and surveys on both sides: the console writes them question by
//! question (with a preview), publishes, closes and reads their results;
//! the portal shows one question per page, works without JavaScript, and
//! ends with the score (quiz) or the thank-you page (survey).

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::middleware::{ClientIp, RequestId, cookie, unprocessable};
use crate::pages::{LangQuery, Me, done, page, problems_ctx, staff_ctx};
use crate::portal::{Portal, SOURCE_COOKIE, address, flash_to, portal};
use crate::publishing::parse_local;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use siar_app::AppError;
use siar_app::forms::{self, Answered, QuestionView, Reply, Stage};
use siar_domain::Timestamp;
use siar_domain::forms::{FormInput, FormKind, Goto, QuestionInput, QuestionKind, RawAnswer};
use siar_domain::org::Permission;
use siar_domain::programs::PollState;
use siar_domain::validate::Problems;
use std::collections::HashMap;

/// The form's fields as posted. Checkboxes repeat their name, so the pairs
/// are kept rather than a map.
struct Posted(Vec<(String, String)>);

impl Posted {
    fn parse(body: &[u8]) -> Self {
        Posted(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }

    fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn ticked(&self, k: &str) -> bool {
        matches!(self.get(k).as_str(), "1" | "on" | "yes")
    }

    fn all(&self, k: &str) -> Vec<i64> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    }
}

fn kind_key(kind: FormKind) -> &'static str {
    match kind {
        FormKind::Quiz => "fm-quiz",
        FormKind::Survey => "fm-survey",
    }
}

fn list_path(kind: FormKind) -> &'static str {
    match kind {
        FormKind::Quiz => "/app/kuis",
        FormKind::Survey => "/app/survei",
    }
}

fn state_key(s: PollState, draft: bool) -> &'static str {
    match s {
        PollState::NotYet if draft => "fm-state-draft",
        PollState::NotYet => "pg-state-not-yet",
        PollState::Open => "pg-state-open",
        PollState::Closed => "pg-state-closed",
    }
}

// --------------------------------------------------------------- staff: list

/// The settings form as typed.
#[derive(Default, Clone)]
pub struct SettingsForm {
    pub title: String,
    pub description: String,
    pub thanks: String,
    pub slug: String,
    pub time_limit: String,
    pub points: String,
    pub leaderboard: bool,
    pub allow_anonymous: bool,
    pub address_cap: String,
    pub closes_at: String,
}

impl SettingsForm {
    fn read(f: &Posted) -> Self {
        SettingsForm {
            title: f.get("title"),
            description: f.get("description"),
            thanks: f.get("thanks"),
            slug: f.get("slug"),
            time_limit: f.get("time_limit"),
            points: f.get("points"),
            leaderboard: f.ticked("leaderboard"),
            allow_anonymous: f.ticked("allow_anonymous"),
            address_cap: f.get("address_cap"),
            closes_at: f.get("closes_at"),
        }
    }

    fn input(&self, tz: chrono_tz::Tz) -> FormInput {
        let closes = parse_local(&self.closes_at, tz);
        FormInput {
            slug: self.slug.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            thanks: self.thanks.clone(),
            time_limit: self.time_limit.clone(),
            points: self.points.clone(),
            leaderboard: self.leaderboard,
            allow_anonymous: self.allow_anonymous,
            address_cap: self.address_cap.clone(),
            closes_at: closes,
            closes_unreadable: !self.closes_at.trim().is_empty() && closes.is_none(),
        }
    }

    fn of(f: &forms::Form, tz: chrono_tz::Tz) -> Self {
        SettingsForm {
            title: f.title.clone(),
            description: f.description.clone(),
            thanks: f.thanks.clone(),
            slug: f.slug.clone(),
            time_limit: f
                .time_limit_secs
                .map(|s| (s / 60).to_string())
                .unwrap_or_default(),
            points: f.points.to_string(),
            leaderboard: f.leaderboard,
            allow_anonymous: f.allow_anonymous,
            address_cap: f.address_cap.to_string(),
            closes_at: f
                .closes_at
                .map(|t| crate::studio::local_input(Timestamp(t), tz))
                .unwrap_or_default(),
        }
    }
}

pub struct FormRow {
    pub id: i64,
    pub title: String,
    pub state_key: &'static str,
    pub started: i64,
    pub finished: i64,
}

#[derive(Template)]
#[template(path = "app_formulir.html")]
struct ListPage<'a> {
    c: &'a PageCtx,
    quiz: bool,
    list_path: &'static str,
    rows: Vec<FormRow>,
    can_manage: bool,
    form: SettingsForm,
}

async fn list_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    kind: FormKind,
    form: SettingsForm,
) -> WebResult<String> {
    let actor = &me.0.actor;
    let rows = forms::list(&state.app, actor, kind)
        .await?
        .into_iter()
        .map(|s| FormRow {
            id: s.form.id,
            state_key: state_key(s.state, s.form.opens_at.is_none()),
            title: s.form.title,
            started: s.started,
            finished: s.finished,
        })
        .collect();
    Ok(ListPage {
        c,
        quiz: kind == FormKind::Quiz,
        list_path: list_path(kind),
        rows,
        can_manage: actor.role.can(Permission::ManagePrograms),
        form,
    }
    .render()?)
}

fn title_key(kind: FormKind) -> &'static str {
    match kind {
        FormKind::Quiz => "fm-quiz-list-title",
        FormKind::Survey => "fm-survey-list-title",
    }
}

async fn list(
    state: WebState,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    kind: FormKind,
) -> WebResult {
    let (c, had) = staff_ctx(&me, title_key(kind), list_path(kind), &headers, &r);
    let form = SettingsForm {
        points: if kind == FormKind::Quiz { "5" } else { "10" }.into(),
        ..SettingsForm::default()
    };
    Ok(crate::pages::html_page(
        list_page(&state, &me, &c, kind, form).await?,
        had,
        &state,
    ))
}

pub async fn quizzes(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    list(state, me, headers, r, FormKind::Quiz).await
}

pub async fn surveys(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    list(state, me, headers, r, FormKind::Survey).await
}

async fn create(
    state: WebState,
    me: Me,
    r: Option<Extension<RequestId>>,
    body: &[u8],
    kind: FormKind,
) -> WebResult {
    let form = SettingsForm::read(&Posted::parse(body));
    let input = form.input(me.0.org.settings.timezone);
    match forms::create(&state.app, &me.0.actor, kind, &input).await {
        Ok(id) => Ok(done(&state, &format!("/app/formulir/{id}"), "fm-created")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, title_key(kind), list_path(kind), &r, p);
            Ok(unprocessable(list_page(&state, &me, &c, kind, form).await?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create_quiz(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    body: axum::body::Bytes,
) -> WebResult {
    create(state, me, r, &body, FormKind::Quiz).await
}

pub async fn create_survey(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    body: axum::body::Bytes,
) -> WebResult {
    create(state, me, r, &body, FormKind::Survey).await
}

// ------------------------------------------------------------- staff: detail

/// The question form as typed.
#[derive(Default, Clone)]
pub struct QuestionForm {
    pub kind: String,
    pub prompt: String,
    pub help: String,
    pub options: String,
    pub explanation: String,
    pub required: bool,
}

impl QuestionForm {
    fn read(f: &Posted) -> Self {
        QuestionForm {
            kind: f.get("kind"),
            prompt: f.get("prompt"),
            help: f.get("help"),
            options: f.get("options"),
            explanation: f.get("explanation"),
            required: f.ticked("required"),
        }
    }

    fn input(&self) -> QuestionInput {
        QuestionInput {
            kind: self.kind.clone(),
            prompt: self.prompt.clone(),
            help: self.help.clone(),
            options: self.options.clone(),
            explanation: self.explanation.clone(),
            required: self.required,
        }
    }

    fn of(v: &QuestionView) -> Self {
        QuestionForm {
            kind: v.kind.as_str().into(),
            prompt: v.question.prompt.clone(),
            help: v.question.help.clone(),
            options: v.options_text(),
            explanation: v.question.explanation.clone(),
            required: v.question.required,
        }
    }
}

/// A question as listed on the staff page and in the preview.
pub struct QuestionRow {
    pub id: i64,
    pub position: i64,
    pub kind: &'static str,
    pub kind_key: &'static str,
    pub prompt: String,
    pub help: String,
    pub required: bool,
    pub explanation: String,
    /// (id, label, correct, where it leads)
    pub options: Vec<(i64, String, bool, String)>,
}

fn question_row(v: &QuestionView, lang: siar_domain::org::Lang) -> QuestionRow {
    QuestionRow {
        id: v.question.id,
        position: v.question.position,
        kind: v.kind.as_str(),
        kind_key: v.kind.label_key(),
        prompt: v.question.prompt.clone(),
        help: v.question.help.clone(),
        required: v.question.required,
        explanation: v.question.explanation.clone(),
        options: v
            .options
            .iter()
            .map(|o| {
                (
                    o.id,
                    o.label.clone(),
                    o.correct,
                    match Goto::from_db(o.goto) {
                        Some(Goto::End) => crate::i18n::t(lang, "fm-goto-end"),
                        Some(Goto::Question(n)) => {
                            crate::i18n::t_args(lang, "fm-goto-question", &[("n", n.to_string())])
                        }
                        None => String::new(),
                    },
                )
            })
            .collect(),
    }
}

/// Kinds offered in the question form: (value, label key).
fn kinds(kind: FormKind) -> Vec<(&'static str, &'static str)> {
    QuestionKind::allowed(kind)
        .iter()
        .map(|k| (k.as_str(), k.label_key()))
        .collect()
}

#[derive(Template)]
#[template(path = "app_formulir_detail.html")]
struct DetailPage<'a> {
    c: &'a PageCtx,
    id: i64,
    quiz: bool,
    list_path: &'static str,
    kind_key: &'static str,
    state_key: &'static str,
    draft: bool,
    open: bool,
    locked: bool,
    can_manage: bool,
    started: i64,
    finished: i64,
    public_url: String,
    short_url: Option<String>,
    questions: Vec<QuestionRow>,
    kinds: Vec<(&'static str, &'static str)>,
    form: SettingsForm,
    question: QuestionForm,
}

/// Which form on the detail page came back with problems.
enum Refused {
    None,
    Settings(SettingsForm),
    Question(QuestionForm),
}

async fn detail_page(
    state: &WebState,
    me: &Me,
    id: i64,
    headers: &HeaderMap,
    r: &Option<Extension<RequestId>>,
    problems: Option<Problems>,
    refused: Refused,
) -> WebResult {
    let actor = &me.0.actor;
    let a = forms::admin(&state.app, actor, id).await?;
    let (mut c, had) = match problems {
        Some(p) => (
            problems_ctx(me, title_key(a.kind), list_path(a.kind), r, p),
            false,
        ),
        None => staff_ctx(me, title_key(a.kind), list_path(a.kind), headers, r),
    };
    c.title = a.form.title.clone();
    let tz = me.0.org.settings.timezone;
    let base = crate::cards::base(state);
    let status = if matches!(refused, Refused::None) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (form, question) = match refused {
        Refused::None => (SettingsForm::of(&a.form, tz), QuestionForm::default()),
        Refused::Settings(f) => (f, QuestionForm::default()),
        Refused::Question(q) => (SettingsForm::of(&a.form, tz), q),
    };
    let question = QuestionForm {
        kind: if question.kind.is_empty() {
            "single".into()
        } else {
            question.kind
        },
        required: question.required || question.prompt.is_empty(),
        ..question
    };
    let p = DetailPage {
        c: &c,
        id,
        quiz: a.kind == FormKind::Quiz,
        list_path: list_path(a.kind),
        kind_key: kind_key(a.kind),
        state_key: state_key(a.state, a.form.opens_at.is_none()),
        draft: a.form.opens_at.is_none(),
        open: a.state != PollState::Closed,
        locked: a.locked(),
        can_manage: actor.role.can(Permission::ManagePrograms),
        started: a.started,
        finished: a.finished,
        public_url: format!("{base}/{}/{}", a.kind.segment(), a.form.slug),
        short_url: a
            .form
            .link_code
            .as_ref()
            .map(|code| format!("{base}/l/{code}")),
        questions: a
            .questions
            .iter()
            .map(|v| question_row(v, c.lang))
            .collect(),
        kinds: kinds(a.kind),
        form,
        question,
    };
    let body = p.render()?;
    if status == StatusCode::OK {
        Ok(crate::pages::html_page(body, had, state))
    } else {
        Ok(unprocessable(body))
    }
}

pub async fn detail(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    detail_page(&state, &me, id, &headers, &r, None, Refused::None).await
}

pub async fn update(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    body: axum::body::Bytes,
) -> WebResult {
    let form = SettingsForm::read(&Posted::parse(&body));
    let input = form.input(me.0.org.settings.timezone);
    match forms::update(&state.app, &me.0.actor, id, &input).await {
        Ok(()) => Ok(done(&state, &format!("/app/formulir/{id}"), "fm-saved")),
        Err(AppError::Invalid(p)) => {
            detail_page(
                &state,
                &me,
                id,
                &headers,
                &r,
                Some(p),
                Refused::Settings(form),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_question(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    body: axum::body::Bytes,
) -> WebResult {
    let q = QuestionForm::read(&Posted::parse(&body));
    match forms::add_question(&state.app, &me.0.actor, id, &q.input()).await {
        Ok(_) => Ok(done(
            &state,
            &format!("/app/formulir/{id}#soal-baru"),
            "fm-question-added",
        )),
        Err(AppError::Invalid(p)) => {
            detail_page(&state, &me, id, &headers, &r, Some(p), Refused::Question(q)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "app_formulir_soal.html")]
struct QuestionPage<'a> {
    c: &'a PageCtx,
    id: i64,
    qid: i64,
    position: i64,
    quiz: bool,
    locked: bool,
    kinds: Vec<(&'static str, &'static str)>,
    question: QuestionForm,
}

async fn question_page(
    state: &WebState,
    me: &Me,
    id: i64,
    qid: i64,
    r: &Option<Extension<RequestId>>,
    refused: Option<(Problems, QuestionForm)>,
) -> WebResult {
    let a = forms::admin(&state.app, &me.0.actor, id).await?;
    let view = a
        .questions
        .iter()
        .find(|v| v.question.id == qid)
        .ok_or(WebError(ErrorKind::NotFound))?;
    let is_refused = refused.is_some();
    let (c, question) = match refused {
        Some((p, q)) => (
            problems_ctx(me, "fm-edit-question", list_path(a.kind), r, p),
            q,
        ),
        None => (
            PageCtx::staff(
                &me.0,
                "fm-edit-question",
                list_path(a.kind),
                None,
                crate::pages::rid(r),
            ),
            QuestionForm::of(view),
        ),
    };
    let p = QuestionPage {
        c: &c,
        id,
        qid,
        position: view.question.position,
        quiz: a.kind == FormKind::Quiz,
        locked: a.locked(),
        kinds: kinds(a.kind),
        question,
    };
    let body = p.render()?;
    if is_refused {
        Ok(unprocessable(body))
    } else {
        Ok(crate::pages::html_page(body, false, state))
    }
}

pub async fn edit_question(
    State(state): State<WebState>,
    me: Me,
    Path((id, qid)): Path<(i64, i64)>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    question_page(&state, &me, id, qid, &r, None).await
}

pub async fn update_question(
    State(state): State<WebState>,
    me: Me,
    Path((id, qid)): Path<(i64, i64)>,
    r: Option<Extension<RequestId>>,
    body: axum::body::Bytes,
) -> WebResult {
    let q = QuestionForm::read(&Posted::parse(&body));
    match forms::update_question(&state.app, &me.0.actor, id, qid, &q.input()).await {
        Ok(()) => Ok(done(
            &state,
            &format!("/app/formulir/{id}"),
            "fm-question-saved",
        )),
        Err(AppError::Invalid(p)) => question_page(&state, &me, id, qid, &r, Some((p, q))).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_question(
    State(state): State<WebState>,
    me: Me,
    Path((id, qid)): Path<(i64, i64)>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    match forms::delete_question(&state.app, &me.0.actor, id, qid).await {
        Ok(()) => Ok(done(
            &state,
            &format!("/app/formulir/{id}"),
            "fm-question-deleted",
        )),
        Err(AppError::Invalid(p)) => {
            detail_page(
                &state,
                &me,
                id,
                &headers,
                &r,
                Some(p),
                Refused::Question(QuestionForm::default()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn publish(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    match forms::publish(&state.app, &me.0.actor, id).await {
        Ok(()) => Ok(done(&state, &format!("/app/formulir/{id}"), "fm-published")),
        Err(AppError::Invalid(p)) => {
            detail_page(
                &state,
                &me,
                id,
                &headers,
                &r,
                Some(p),
                Refused::Question(QuestionForm::default()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn close(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    forms::close(&state.app, &me.0.actor, id).await?;
    Ok(done(&state, &format!("/app/formulir/{id}"), "fm-closed"))
}

#[derive(Template)]
#[template(path = "app_formulir_pratinjau.html")]
struct PreviewPage<'a> {
    c: &'a PageCtx,
    id: i64,
    quiz: bool,
    title: String,
    description: String,
    thanks: String,
    minutes: Option<i64>,
    questions: Vec<QuestionRow>,
}

pub async fn preview(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let a = forms::admin(&state.app, &me.0.actor, id).await?;
    let (mut c, had) = staff_ctx(&me, "fm-preview", list_path(a.kind), &headers, &r);
    c.title = a.form.title.clone();
    let p = PreviewPage {
        c: &c,
        id,
        quiz: a.kind == FormKind::Quiz,
        title: a.form.title.clone(),
        description: a.form.description.clone(),
        thanks: a.form.thanks.clone(),
        minutes: a.form.time_limit_secs.map(|s| s / 60),
        questions: a
            .questions
            .iter()
            .map(|v| question_row(v, c.lang))
            .collect(),
    };
    page(&p, had, &state)
}

// ------------------------------------------------------------ staff: results

pub struct ResultRow {
    pub position: i64,
    pub prompt: String,
    pub kind: &'static str,
    pub kind_key: &'static str,
    pub answered: i64,
    pub skipped: i64,
    pub correct: i64,
    pub correct_pct: i64,
    /// (label, count, per cent, right answer)
    pub bars: Vec<(String, i64, i64, bool)>,
    pub average: Option<String>,
    pub nps: Option<i64>,
    pub texts: Vec<String>,
}

pub struct SourceRow {
    pub channel: String,
    pub post: Option<i64>,
    pub campaign: String,
    pub n: i64,
}

#[derive(Template)]
#[template(path = "app_formulir_hasil.html")]
struct ResultsPage<'a> {
    c: &'a PageCtx,
    id: i64,
    quiz: bool,
    state_key: &'static str,
    started: i64,
    finished: i64,
    average_score: Option<String>,
    out_of: usize,
    rows: Vec<ResultRow>,
    sources: Vec<SourceRow>,
}

pub async fn results(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let actor = &me.0.actor;
    let res = forms::results(&state.app, actor, id).await?;
    let (mut c, had) = staff_ctx(&me, "fm-results", list_path(res.kind), &headers, &r);
    c.title = res.form.title.clone();
    let names: HashMap<i64, String> = siar_app::channels::list(&state.app, actor)
        .await?
        .into_iter()
        .map(|ch| {
            (
                ch.id,
                format!(
                    "{} · {}",
                    crate::i18n::t(c.lang, ch.platform.name_key()),
                    ch.handle
                ),
            )
        })
        .collect();
    let decimal = |v: f64| {
        let s = format!("{v:.1}");
        if c.lang == siar_domain::org::Lang::Id {
            s.replace('.', ",")
        } else {
            s
        }
    };
    let rows = res
        .questions
        .iter()
        .map(|q| {
            let answered = q.answered.max(0);
            let pct = |n: i64| forms::rounded_percent(n, answered);
            let mut bars: Vec<(String, i64, i64, bool)> = q
                .options
                .iter()
                .map(|(o, n, p)| (o.label.clone(), *n, *p, o.correct))
                .collect();
            if bars.is_empty() {
                bars = q
                    .scale
                    .iter()
                    .map(|(v, n)| (v.to_string(), *n, pct(*n), false))
                    .collect();
            }
            ResultRow {
                position: q.view.question.position,
                prompt: q.view.question.prompt.clone(),
                kind: q.view.kind.as_str(),
                kind_key: q.view.kind.label_key(),
                answered: q.answered,
                skipped: q.skipped,
                correct: q.correct,
                correct_pct: pct(q.correct),
                bars,
                average: q.average.map(decimal),
                nps: q.nps,
                texts: q.texts.clone(),
            }
        })
        .collect();
    let sources = res
        .sources
        .iter()
        .map(|s| SourceRow {
            channel: s
                .channel_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_default(),
            post: s.post_id,
            campaign: s.campaign.clone().unwrap_or_default(),
            n: s.n,
        })
        .collect();
    let p = ResultsPage {
        c: &c,
        id,
        quiz: res.kind == FormKind::Quiz,
        state_key: state_key(res.state, res.form.opens_at.is_none()),
        started: res.started,
        finished: res.finished,
        average_score: res.average_score.map(decimal),
        out_of: res.questions.len(),
        rows,
        sources,
    };
    page(&p, had, &state)
}

pub async fn csv(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    let res = forms::results(&state.app, &me.0.actor, id).await?;
    let body = forms::results_csv(&res)?;
    Ok(crate::pages::download(
        body,
        "text/csv; charset=utf-8",
        &format!("{}-{}.csv", res.kind.segment(), res.form.slug),
    ))
}

// ------------------------------------------------------------------ portal

pub struct ReviewRow {
    pub prompt: String,
    pub chosen: String,
    pub right: String,
    pub correct: bool,
    pub explanation: String,
}

fn review_row(r: &forms::Reviewed) -> ReviewRow {
    ReviewRow {
        prompt: r.view.question.prompt.clone(),
        chosen: r.chosen.join(", "),
        right: r.right.join(", "),
        correct: r.correct,
        explanation: r.view.question.explanation.clone(),
    }
}

pub struct StandingRow {
    pub rank: usize,
    pub nickname: String,
    pub score: i64,
    pub took: String,
}

#[derive(Template)]
#[template(path = "formulir.html")]
struct PortalPage<'a> {
    c: &'a PageCtx,
    quiz: bool,
    path: String,
    kind_key: &'static str,
    title: String,
    description: String,
    thanks: String,
    /// intro, question or done
    stage: &'static str,
    open: bool,
    closed: bool,
    needs_sign_in: bool,
    total: usize,
    minutes: Option<i64>,
    points: i64,
    leaderboard_on: bool,
    // question
    index: usize,
    percent: usize,
    question: Option<QuestionRow>,
    seconds_left: Option<String>,
    feedback: Option<ReviewRow>,
    /// What was typed, kept after a refused answer.
    typed: String,
    ticked: Vec<i64>,
    // done
    score: Option<i64>,
    out_of: Option<i64>,
    earned: i64,
    timed_out: bool,
    review: Vec<ReviewRow>,
    standings: Vec<StandingRow>,
}

fn duration(ms: i64, lang: siar_domain::org::Lang) -> String {
    let secs = (ms / 1000).max(0);
    if secs < 60 {
        return crate::i18n::t_args(lang, "fm-duration-short", &[("seconds", secs.to_string())]);
    }
    crate::i18n::t_args(
        lang,
        "fm-duration",
        &[
            ("minutes", (secs / 60).to_string()),
            ("seconds", (secs % 60).to_string()),
        ],
    )
}

async fn portal_view(
    state: &WebState,
    mut p: Portal,
    kind: FormKind,
    slug: &str,
    kept: Option<(Vec<i64>, String)>,
    status: StatusCode,
) -> WebResult {
    let voter = siar_app::programs::Voter::of(p.session.as_ref(), &p.pre);
    let pg = match forms::page(&state.app, p.org.id, kind, slug, &voter).await {
        Ok(x) => x,
        Err(AppError::NotFound) => return Err(WebError(ErrorKind::NotFound)),
        Err(e) => return Err(e.into()),
    };
    let path = format!("/{}/{}", kind.segment(), pg.form.slug);
    crate::cards::share_meta(
        &mut p.c,
        state,
        &path,
        &pg.form.title,
        &pg.form.description,
        &format!("{path}/og.png"),
    );
    let lang = p.c.lang;
    let (ticked, typed) = kept.unwrap_or_default();
    let mut view = PortalPage {
        c: &p.c,
        quiz: kind == FormKind::Quiz,
        path: format!("/{}/{}", kind.segment(), pg.form.slug),
        kind_key: kind_key(kind),
        title: pg.form.title.clone(),
        description: pg.form.description.clone(),
        thanks: pg.form.thanks.clone(),
        stage: "intro",
        open: pg.state == PollState::Open,
        closed: pg.state == PollState::Closed,
        needs_sign_in: pg.needs_sign_in,
        total: pg.total,
        minutes: pg.form.time_limit_secs.map(|s| s / 60),
        points: pg.form.points,
        leaderboard_on: pg.form.leaderboard,
        index: 0,
        percent: 0,
        question: None,
        seconds_left: None,
        feedback: None,
        typed,
        ticked,
        score: None,
        out_of: None,
        earned: 0,
        timed_out: false,
        review: Vec::new(),
        standings: pg
            .leaderboard
            .iter()
            .enumerate()
            .map(|(i, s)| StandingRow {
                rank: i + 1,
                nickname: s.nickname.clone(),
                score: s.score,
                took: duration(s.took, lang),
            })
            .collect(),
    };
    match &pg.stage {
        Stage::Intro => {}
        Stage::Question {
            index,
            view: q,
            feedback,
            seconds_left,
        } => {
            view.stage = "question";
            view.index = index + 1;
            view.percent = (index * 100).checked_div(pg.total).unwrap_or(0);
            view.question = Some(question_row(q, lang));
            view.seconds_left = seconds_left.map(|s| duration(s * 1000, lang));
            view.feedback = feedback.as_deref().map(review_row);
        }
        Stage::Done { response, review } => {
            view.stage = "done";
            view.score = response.score;
            view.out_of = response.out_of;
            view.timed_out = response.timed_out;
            view.earned = match (kind, response.profile_id) {
                (_, None) => 0,
                (FormKind::Quiz, Some(_)) => response.score.unwrap_or(0) * pg.form.points,
                (FormKind::Survey, Some(_)) => pg.form.points,
            };
            view.review = review.iter().map(review_row).collect();
        }
    }
    let body = view.render()?;
    Ok(p.respond(state, status, body))
}

async fn show(
    state: WebState,
    headers: HeaderMap,
    slug: String,
    q: LangQuery,
    r: Option<Extension<RequestId>>,
    kind: FormKind,
) -> WebResult {
    let mut p = portal(&state, &headers, &q, kind_key(kind), &r).await?;
    p.c.title = String::new();
    portal_view(&state, p, kind, &slug, None, StatusCode::OK).await
}

pub async fn quiz(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    show(state, headers, slug, q, r, FormKind::Quiz).await
}

pub async fn survey(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    show(state, headers, slug, q, r, FormKind::Survey).await
}

async fn start(
    state: WebState,
    headers: HeaderMap,
    slug: String,
    ip: Option<Extension<ClientIp>>,
    r: Option<Extension<RequestId>>,
    kind: FormKind,
) -> WebResult {
    let mut p = portal(&state, &headers, &LangQuery::default(), kind_key(kind), &r).await?;
    let voter = siar_app::programs::Voter::of(p.session.as_ref(), &p.pre);
    let to = format!("/{}/{}", kind.segment(), slug);
    match forms::start(&state.app, p.org.id, kind, &slug, &voter, &address(&ip)).await {
        Ok(()) => Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to(&to),
        )),
        Err(AppError::Invalid(problems)) => {
            p.c.problems = problems;
            p.c.title = String::new();
            portal_view(
                &state,
                p,
                kind,
                &slug,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::NotFound) => Err(WebError(ErrorKind::NotFound)),
        Err(e) => Err(e.into()),
    }
}

pub async fn start_quiz(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    ip: Option<Extension<ClientIp>>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    start(state, headers, slug, ip, r, FormKind::Quiz).await
}

pub async fn start_survey(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    ip: Option<Extension<ClientIp>>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    start(state, headers, slug, ip, r, FormKind::Survey).await
}

async fn answer(
    state: WebState,
    headers: HeaderMap,
    slug: String,
    r: Option<Extension<RequestId>>,
    body: &[u8],
    kind: FormKind,
) -> WebResult {
    let mut p = portal(&state, &headers, &LangQuery::default(), kind_key(kind), &r).await?;
    let f = Posted::parse(body);
    let skip = f.ticked("skip");
    let reply = Reply {
        question: f.get("question").parse().unwrap_or(0),
        answer: if skip {
            RawAnswer::default()
        } else {
            RawAnswer {
                choices: f.all("choice"),
                text: f.get("text"),
            }
        },
    };
    let voter = siar_app::programs::Voter::of(p.session.as_ref(), &p.pre);
    let source = cookie(&headers, SOURCE_COOKIE).map(str::to_string);
    let to = format!("/{}/{}", kind.segment(), slug);
    match forms::answer(
        &state.app,
        p.org.id,
        kind,
        &slug,
        &voter,
        &reply,
        source.as_deref(),
    )
    .await
    {
        Ok(Answered::Next) => Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to(&to),
        )),
        Ok(Answered::Finished) => Ok(flash_to(&state, &to, "fm-finished")),
        Ok(Answered::TimeUp) => Ok(flash_to(&state, &to, "fm-time-up")),
        Err(AppError::Invalid(problems)) => {
            p.c.problems = problems;
            p.c.title = String::new();
            let kept = (reply.answer.choices.clone(), reply.answer.text.clone());
            portal_view(
                &state,
                p,
                kind,
                &slug,
                Some(kept),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::NotFound) => Err(WebError(ErrorKind::NotFound)),
        Err(e) => Err(e.into()),
    }
}

pub async fn answer_quiz(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    r: Option<Extension<RequestId>>,
    body: axum::body::Bytes,
) -> WebResult {
    answer(state, headers, slug, r, &body, FormKind::Quiz).await
}

pub async fn answer_survey(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    r: Option<Extension<RequestId>>,
    body: axum::body::Bytes,
) -> WebResult {
    answer(state, headers, slug, r, &body, FormKind::Survey).await
}
