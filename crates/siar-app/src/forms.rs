//! Quizzes and surveys. Staff write a form question by question (a draft
//! until they publish it, questions fixed once someone has answered), close
//! it and read its results; a patron answers one question per page. A quiz
//! scores each answer as it is given and shows the explanation, counts its
//! time limit on the server, and puts scores on an opt-in leaderboard; a
//! survey follows its skip logic and ends on a thank-you page. Finishing
//! gives the form's points once and writes the conversion of the short link
//! that brought the patron.

use crate::audit::record;
use crate::programs::{Voter, source_of};
use crate::{Actor, App, AppError};
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::forms::{
    self as rules, Answer, FormInput, FormKind, Goto, OptionFields, QuestionInput, QuestionKind,
    RawAnswer, Step,
};
use siar_domain::org::{OrgId, Permission};
use siar_domain::programs::PollState;
use siar_domain::rewards::PointReason;
use siar_store::StoreError;
use siar_store::forms as store;

pub use siar_store::forms::{Form, FormOption, Question, Response, Standing};

/// Where a form stands at a moment: a draft is `NotYet` (only staff see it).
pub fn state(f: &Form, now: Timestamp) -> PollState {
    match f.opens_at {
        None => PollState::NotYet,
        Some(o) => siar_domain::programs::poll_state(
            Timestamp(o),
            f.closes_at.map(Timestamp),
            f.closed_at.map(Timestamp),
            now,
        ),
    }
}

pub fn kind_of(f: &Form) -> FormKind {
    FormKind::parse(&f.kind).unwrap_or(FormKind::Survey)
}

/// Records a change to a form in the audit log.
async fn changed(
    tx: &mut siar_store::Tx,
    actor: &Actor,
    kind: FormKind,
    id: i64,
    what: String,
    now: Timestamp,
) -> Result<(), AppError> {
    record(
        tx,
        actor,
        AuditAction::ProgramChanged,
        kind.as_str(),
        Some(id.to_string()),
        what,
        now,
    )
    .await?;
    Ok(())
}

/// Rolls back and returns the error when a step inside a transaction fails
/// (PostgreSQL aborts the transaction after a refused statement).
async fn or_rollback<T>(
    tx: siar_store::Tx,
    r: Result<T, AppError>,
) -> Result<(siar_store::Tx, T), AppError> {
    match r {
        Ok(v) => Ok((tx, v)),
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// Makes a draft form; returns its id.
pub async fn create(
    app: &App,
    actor: &Actor,
    kind: FormKind,
    input: &FormInput,
) -> Result<i64, AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let f = rules::check_form(kind, input, now).map_err(AppError::Invalid)?;
    let user = actor.user.ok_or(AppError::Forbidden)?;
    let mut tx = app.store.begin().await?;
    let id = match store::insert_form(&mut tx, actor.org, kind.as_str(), &f, user, now).await {
        Ok(id) => id,
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return Err(AppError::field("slug", "fm-err-slug-taken"));
        }
        Err(e) => return Err(e.into()),
    };
    changed(
        &mut tx,
        actor,
        kind,
        id,
        format!("{} /{}/{} created", kind.as_str(), kind.segment(), f.slug),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a form's settings (any time: they do not change past answers).
pub async fn update(app: &App, actor: &Actor, id: i64, input: &FormInput) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let form = store::form(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = kind_of(&form);
    let r = rules::check_form(kind, input, now).map_err(AppError::Invalid);
    let (mut tx, f) = or_rollback(tx, r).await?;
    if form.opens_at.is_some() && f.slug != form.slug {
        // Its short link and posts already point at the published address.
        tx.rollback().await?;
        return Err(AppError::field("slug", "fm-err-slug-published"));
    }
    match store::update_form(&mut tx, actor.org, id, &f, now).await {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return Err(AppError::field("slug", "fm-err-slug-taken"));
        }
        Err(e) => return Err(e.into()),
    }
    changed(
        &mut tx,
        actor,
        kind,
        id,
        format!("{} /{}/{} changed", kind.as_str(), kind.segment(), f.slug),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Loads a form for a change to its questions: refused once anyone has
/// started it (their answers would no longer match).
async fn editable(tx: &mut siar_store::Tx, org: OrgId, id: i64) -> Result<Form, AppError> {
    let form = store::form(tx, org, id).await?.ok_or(AppError::NotFound)?;
    if store::response_count(tx, id).await?.0 > 0 {
        return Err(AppError::field("questions", "fm-err-has-responses"));
    }
    Ok(form)
}

/// Adds a question at the end of a form.
pub async fn add_question(
    app: &App,
    actor: &Actor,
    form: i64,
    input: &QuestionInput,
) -> Result<i64, AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let r = editable(&mut tx, actor.org, form).await;
    let (mut tx, f) = or_rollback(tx, r).await?;
    let count = store::questions(&mut tx, form).await?.len();
    if count >= rules::MAX_QUESTIONS {
        tx.rollback().await?;
        return Err(AppError::field("prompt", "fm-err-too-many-questions"));
    }
    let r = rules::check_question(kind_of(&f), input, count as i64 + 1).map_err(AppError::Invalid);
    let (mut tx, q) = or_rollback(tx, r).await?;
    let id = store::insert_question(&mut tx, form, &q).await?;
    changed(
        &mut tx,
        actor,
        kind_of(&f),
        form,
        format!(
            "question {} added to /{}/{}",
            count + 1,
            kind_of(&f).segment(),
            f.slug
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Rewrites one question.
pub async fn update_question(
    app: &App,
    actor: &Actor,
    form: i64,
    question: i64,
    input: &QuestionInput,
) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let r = editable(&mut tx, actor.org, form).await;
    let (mut tx, f) = or_rollback(tx, r).await?;
    let Some(position) = store::questions(&mut tx, form)
        .await?
        .iter()
        .find(|q| q.id == question)
        .map(|q| q.position)
    else {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    };
    let r = rules::check_question(kind_of(&f), input, position).map_err(AppError::Invalid);
    let (mut tx, q) = or_rollback(tx, r).await?;
    store::update_question(&mut tx, form, question, &q).await?;
    changed(
        &mut tx,
        actor,
        kind_of(&f),
        form,
        format!(
            "question {position} of /{}/{} changed",
            kind_of(&f).segment(),
            f.slug
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_question(
    app: &App,
    actor: &Actor,
    form: i64,
    question: i64,
) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let r = editable(&mut tx, actor.org, form).await;
    let (mut tx, f) = or_rollback(tx, r).await?;
    if !store::delete_question(&mut tx, form, question).await? {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    }
    changed(
        &mut tx,
        actor,
        kind_of(&f),
        form,
        format!(
            "a question of /{}/{} removed",
            kind_of(&f).segment(),
            f.slug
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Opens a draft to patrons and makes its short link for posts. A form needs
/// at least one question.
pub async fn publish(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let form = store::form(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if store::questions(&mut tx, id).await?.is_empty() {
        tx.rollback().await?;
        return Err(AppError::field("questions", "fm-err-no-questions"));
    }
    let kind = kind_of(&form);
    if !store::publish(&mut tx, actor.org, id, now).await? {
        tx.rollback().await?;
        return Ok(());
    }
    changed(
        &mut tx,
        actor,
        kind,
        id,
        format!(
            "{} /{}/{} published",
            kind.as_str(),
            kind.segment(),
            form.slug
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    let path = format!("/{}/{}", kind.segment(), form.slug);
    if let Some(code) = crate::links::share_link(app, actor, &path, &form.title).await {
        let mut tx = app.store.begin().await?;
        store::set_link_code(&mut tx, actor.org, id, &code).await?;
        tx.commit().await?;
    }
    Ok(())
}

pub async fn close(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let form = store::form(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = kind_of(&form);
    if store::close(&mut tx, actor.org, id, now).await? {
        changed(
            &mut tx,
            actor,
            kind,
            id,
            format!("{} /{}/{} closed", kind.as_str(), kind.segment(), form.slug),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A form in the staff's list.
#[derive(Debug, Clone)]
pub struct Summary {
    pub form: Form,
    pub state: PollState,
    pub started: i64,
    pub finished: i64,
}

pub async fn list(app: &App, actor: &Actor, kind: FormKind) -> Result<Vec<Summary>, AppError> {
    actor.require(Permission::ViewReports)?;
    let now = app.now();
    let mut tx = app.store.read().await?;
    let forms = store::forms(&mut tx, actor.org, kind.as_str(), 200).await?;
    let counts = store::response_counts(&mut tx, actor.org, kind.as_str()).await?;
    tx.commit().await?;
    Ok(forms
        .into_iter()
        .map(|form| {
            let (started, finished) = counts
                .iter()
                .find(|c| c.0 == form.id)
                .map_or((0, 0), |c| (c.1, c.2));
            Summary {
                state: state(&form, now),
                form,
                started,
                finished,
            }
        })
        .collect())
}

/// A question with its options, as both staff and patrons see it.
#[derive(Debug, Clone)]
pub struct QuestionView {
    pub question: Question,
    pub kind: QuestionKind,
    pub options: Vec<FormOption>,
}

impl QuestionView {
    /// The options as the staff typed them (for the edit form).
    pub fn options_text(&self) -> String {
        rules::options_text(
            &self
                .options
                .iter()
                .map(|o| OptionFields {
                    label: o.label.clone(),
                    correct: o.correct,
                    goto: Goto::from_db(o.goto),
                })
                .collect::<Vec<_>>(),
        )
    }

    fn correct_ids(&self) -> Vec<i64> {
        self.options
            .iter()
            .filter(|o| o.correct)
            .map(|o| o.id)
            .collect()
    }

    fn step(&self) -> Step {
        Step {
            id: self.question.id,
            gotos: self
                .options
                .iter()
                .filter_map(|o| Goto::from_db(o.goto).map(|g| (o.id, g)))
                .collect(),
        }
    }
}

async fn question_views(tx: &mut siar_store::Tx, form: i64) -> Result<Vec<QuestionView>, AppError> {
    let questions = store::questions(tx, form).await?;
    let mut options = store::options(tx, form).await?;
    Ok(questions
        .into_iter()
        .map(|q| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                options.drain(..).partition(|o| o.question_id == q.id);
            options = rest;
            QuestionView {
                kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Short),
                question: q,
                options: mine,
            }
        })
        .collect())
}

/// A form for its staff page (settings, questions, whether they can change).
#[derive(Debug, Clone)]
pub struct Admin {
    pub form: Form,
    pub kind: FormKind,
    pub state: PollState,
    pub questions: Vec<QuestionView>,
    pub started: i64,
    pub finished: i64,
}

impl Admin {
    pub fn locked(&self) -> bool {
        self.started > 0
    }
}

pub async fn admin(app: &App, actor: &Actor, id: i64) -> Result<Admin, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let form = store::form(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let questions = question_views(&mut tx, id).await?;
    let (started, finished) = store::response_count(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Admin {
        kind: kind_of(&form),
        state: state(&form, app.now()),
        started,
        finished,
        form,
        questions,
    })
}

// ----------------------------------------------------------------- results

/// One question's results.
#[derive(Debug, Clone)]
pub struct QuestionResult {
    pub view: QuestionView,
    /// Responses that answered it (skipped ones not counted).
    pub answered: i64,
    pub skipped: i64,
    /// Per option: votes and whole per cent of those who answered.
    pub options: Vec<(FormOption, i64, i64)>,
    /// Rating 1–5 or NPS 0–10: count per value, lowest first.
    pub scale: Vec<(i64, i64)>,
    /// Average of a rating or NPS answer, one decimal.
    pub average: Option<f64>,
    pub nps: Option<i64>,
    /// Quiz: answers that were right.
    pub correct: i64,
    /// Texts and dates, newest first (at most 100).
    pub texts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Results {
    pub form: Form,
    pub kind: FormKind,
    pub state: PollState,
    pub started: i64,
    pub finished: i64,
    /// Quiz: average score of finished responses, one decimal.
    pub average_score: Option<f64>,
    pub questions: Vec<QuestionResult>,
    pub sources: Vec<siar_store::programs::SourceCount>,
    pub responses: Vec<Response>,
    pub answers: Vec<store::AnswerRow>,
}

/// `n` of `of` in whole per cent, rounded half up (0 when `of` is 0).
pub fn rounded_percent(n: i64, of: i64) -> i64 {
    (n * 200 + of).checked_div(2 * of).unwrap_or(0)
}

fn one_decimal(sum: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| (sum as f64 / n as f64 * 10.0).round() / 10.0)
}

pub async fn results(app: &App, actor: &Actor, id: i64) -> Result<Results, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let form = store::form(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let views = question_views(&mut tx, id).await?;
    let responses = store::responses(&mut tx, id).await?;
    let answers = store::answers_of_form(&mut tx, id).await?;
    let kind = kind_of(&form);
    let sources = siar_store::programs::sources(&mut tx, actor.org, kind.as_str(), id).await?;
    tx.commit().await?;
    let questions = views
        .into_iter()
        .map(|view| {
            let mine: Vec<&store::AnswerRow> = answers
                .iter()
                .filter(|a| a.question_id == view.question.id)
                .collect();
            let parsed: Vec<Answer> = mine
                .iter()
                .map(|a| Answer::from_db(view.kind, &a.value))
                .collect();
            let skipped = parsed.iter().filter(|a| **a == Answer::Skipped).count() as i64;
            let answered = parsed.len() as i64 - skipped;
            let counts: Vec<i64> = view
                .options
                .iter()
                .map(|o| {
                    parsed
                        .iter()
                        .filter(|a| matches!(a, Answer::Choices(c) if c.contains(&o.id)))
                        .count() as i64
                })
                .collect();
            let options = view
                .options
                .iter()
                .cloned()
                .zip(counts)
                .map(|(o, n)| {
                    let pct = rounded_percent(n, answered);
                    (o, n, pct)
                })
                .collect();
            let numbers: Vec<i64> = parsed
                .iter()
                .filter_map(|a| match a {
                    Answer::Number(n) => Some(*n),
                    _ => None,
                })
                .collect();
            let scale = match view.kind {
                QuestionKind::Rating => (1..=5).collect::<Vec<i64>>(),
                QuestionKind::Nps => (0..=10).collect(),
                _ => Vec::new(),
            }
            .into_iter()
            .map(|v| (v, numbers.iter().filter(|n| **n == v).count() as i64))
            .collect();
            let mut texts: Vec<String> = parsed
                .iter()
                .rev()
                .filter_map(|a| match a {
                    Answer::Text(t) => Some(t.clone()),
                    Answer::Date(d) => Some(d.to_string()),
                    _ => None,
                })
                .collect();
            texts.truncate(100);
            QuestionResult {
                answered,
                skipped,
                options,
                scale,
                average: one_decimal(numbers.iter().sum(), numbers.len() as i64),
                nps: (view.kind == QuestionKind::Nps)
                    .then(|| rules::nps(&numbers))
                    .flatten(),
                correct: mine.iter().filter(|a| a.correct == Some(true)).count() as i64,
                texts,
                view,
            }
        })
        .collect();
    let scores: Vec<i64> = responses
        .iter()
        .filter(|r| r.finished_at.is_some())
        .filter_map(|r| r.score)
        .collect();
    Ok(Results {
        state: state(&form, app.now()),
        started: responses.len() as i64,
        finished: responses.iter().filter(|r| r.finished_at.is_some()).count() as i64,
        average_score: match kind {
            FormKind::Quiz => one_decimal(scores.iter().sum(), scores.len() as i64),
            FormKind::Survey => None,
        },
        kind,
        form,
        questions,
        sources,
        responses,
        answers,
    })
}

/// Every response as a CSV row: number, start, finish, score, then one
/// column per question (choices by their labels).
pub fn results_csv(r: &Results) -> Result<String, AppError> {
    let internal = |e: csv::Error| AppError::Internal(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec![
        "response".to_string(),
        "started_at".into(),
        "finished_at".into(),
        "score".into(),
    ];
    for q in &r.questions {
        head.push(crate::audit::neutralise(&format!(
            "{}. {}",
            q.view.question.position, q.view.question.prompt
        )));
    }
    w.write_record(&head).map_err(internal)?;
    for (n, resp) in r.responses.iter().enumerate() {
        let mut row = vec![
            (n + 1).to_string(),
            Timestamp(resp.started_at).rfc3339(),
            resp.finished_at
                .map(|t| Timestamp(t).rfc3339())
                .unwrap_or_default(),
            resp.score.map(|s| s.to_string()).unwrap_or_default(),
        ];
        for q in &r.questions {
            let value = r
                .answers
                .iter()
                .find(|a| a.response_id == resp.id && a.question_id == q.view.question.id)
                .map(|a| match Answer::from_db(q.view.kind, &a.value) {
                    Answer::Choices(c) => q
                        .view
                        .options
                        .iter()
                        .filter(|o| c.contains(&o.id))
                        .map(|o| o.label.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                    other => other.to_db(),
                })
                .unwrap_or_default();
            row.push(crate::audit::neutralise(&value));
        }
        w.write_record(&row).map_err(internal)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

// ----------------------------------------------------------------- portal

/// Published forms open now, for the portal's home page.
pub async fn open_forms(app: &App, org: OrgId, kind: FormKind) -> Result<Vec<Form>, AppError> {
    let now = app.now();
    let mut tx = app.store.read().await?;
    let list = store::forms(&mut tx, org, kind.as_str(), 50).await?;
    tx.commit().await?;
    Ok(list
        .into_iter()
        .filter(|f| state(f, now) == PollState::Open)
        .collect())
}

/// A quiz answer reviewed after the fact (or right after it was given).
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub view: QuestionView,
    /// The labels chosen.
    pub chosen: Vec<String>,
    pub correct: bool,
    /// The right labels.
    pub right: Vec<String>,
}

/// Which page of a form a visitor is on.
#[derive(Debug, Clone)]
pub enum Stage {
    /// Not started: the form's introduction (and, for a draft or a closed
    /// form, why it cannot be started).
    Intro,
    /// Answering question `index` (0-based) of `total`.
    Question {
        index: usize,
        view: Box<QuestionView>,
        /// The answer just given, in a quiz.
        feedback: Option<Box<Reviewed>>,
        /// Seconds left of a quiz's time limit.
        seconds_left: Option<i64>,
    },
    /// Finished: the score (quiz) and the thank-you page.
    Done {
        response: Response,
        review: Vec<Reviewed>,
    },
}

#[derive(Debug, Clone)]
pub struct Page {
    pub form: Form,
    pub kind: FormKind,
    pub state: PollState,
    pub total: usize,
    pub stage: Stage,
    /// Anonymous visitors must sign in to take part.
    pub needs_sign_in: bool,
    pub leaderboard: Vec<Standing>,
}

fn labels(view: &QuestionView, ids: &[i64]) -> Vec<String> {
    view.options
        .iter()
        .filter(|o| ids.contains(&o.id))
        .map(|o| o.label.clone())
        .collect()
}

fn reviewed(view: &QuestionView, a: &store::AnswerRow) -> Reviewed {
    let chosen = match Answer::from_db(view.kind, &a.value) {
        Answer::Choices(c) => c,
        _ => Vec::new(),
    };
    Reviewed {
        chosen: labels(view, &chosen),
        correct: a.correct == Some(true),
        right: labels(view, &view.correct_ids()),
        view: view.clone(),
    }
}

fn next_of(views: &[QuestionView], answers: &[store::AnswerRow]) -> Option<usize> {
    let steps: Vec<Step> = views.iter().map(QuestionView::step).collect();
    rules::next_question(&steps, &|id| {
        let a = answers.iter().find(|a| a.question_id == id)?;
        let v = views.iter().find(|v| v.question.id == id)?;
        Some(Answer::from_db(v.kind, &a.value))
    })
}

async fn load(
    tx: &mut siar_store::Tx,
    org: OrgId,
    kind: FormKind,
    slug: &str,
) -> Result<Form, AppError> {
    store::form_by_slug(tx, org, kind.as_str(), slug)
        .await?
        .filter(|f| f.opens_at.is_some())
        .ok_or(AppError::NotFound)
}

/// The page a visitor sees of a published form. A quiz whose time ran out
/// is finished here with the answers given.
pub async fn page(
    app: &App,
    org: OrgId,
    kind: FormKind,
    slug: &str,
    voter: &Voter,
) -> Result<Page, AppError> {
    let now = app.now();
    let mut tx = app.store.read().await?;
    let form = load(&mut tx, org, kind, slug).await?;
    let mut response = store::response_of(&mut tx, form.id, &voter.key(app)).await?;
    tx.commit().await?;
    if let Some(r) = &response
        && r.finished_at.is_none()
        && rules::timed_out(Timestamp(r.started_at), form.time_limit_secs, now)
    {
        let mut tx = app.store.begin().await?;
        finish(&mut tx, org, &form, r, true, None, now).await?;
        tx.commit().await?;
        let mut tx = app.store.read().await?;
        response = store::response_of(&mut tx, form.id, &voter.key(app)).await?;
        tx.commit().await?;
    }
    let mut tx = app.store.read().await?;
    let views = question_views(&mut tx, form.id).await?;
    let answers = match &response {
        Some(r) => store::answers(&mut tx, r.id).await?,
        None => Vec::new(),
    };
    let leaderboard = if form.leaderboard {
        store::leaderboard(&mut tx, org, form.id, 10).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    let st = state(&form, now);
    let stage = match response {
        None => Stage::Intro,
        Some(r) if r.finished_at.is_some() => Stage::Done {
            review: if kind == FormKind::Quiz {
                views
                    .iter()
                    .filter_map(|v| {
                        answers
                            .iter()
                            .find(|a| a.question_id == v.question.id)
                            .map(|a| reviewed(v, a))
                    })
                    .collect()
            } else {
                Vec::new()
            },
            response: r,
        },
        Some(r) => match next_of(&views, &answers) {
            // Answered all but not yet finished (a lost request): finish
            // on the next answer post; show the last question's state.
            None => Stage::Done {
                response: r,
                review: Vec::new(),
            },
            Some(index) => Stage::Question {
                feedback: if kind == FormKind::Quiz && index > 0 {
                    answers
                        .iter()
                        .find(|a| a.question_id == views[index - 1].question.id)
                        .map(|a| Box::new(reviewed(&views[index - 1], a)))
                } else {
                    None
                },
                seconds_left: form
                    .time_limit_secs
                    .map(|l| ((r.started_at + l * 1000 - now.0) / 1000).max(0)),
                view: Box::new(views[index].clone()),
                index,
            },
        },
    };
    Ok(Page {
        needs_sign_in: !form.allow_anonymous && matches!(voter, Voter::Browser(_)),
        kind,
        state: st,
        total: views.len(),
        stage,
        leaderboard,
        form,
    })
}

/// Starts a form (idempotent: a second start continues the first).
/// Anonymous only where a survey allows it; starts per network address are
/// capped per form.
pub async fn start(
    app: &App,
    org: OrgId,
    kind: FormKind,
    slug: &str,
    voter: &Voter,
    address: &str,
) -> Result<(), AppError> {
    let now = app.now();
    let addr = app.secrets.sign(&format!("form-address:{address}"));
    let mut tx = app.store.begin().await?;
    let r = load(&mut tx, org, kind, slug).await;
    let (mut tx, form) = or_rollback(tx, r).await?;
    let refuse = |key| Err(AppError::field("form", key));
    match state(&form, now) {
        PollState::Closed => {
            tx.rollback().await?;
            return refuse("fm-err-closed");
        }
        PollState::NotYet => {
            tx.rollback().await?;
            return refuse("fm-err-not-yet");
        }
        PollState::Open => {}
    }
    if matches!(voter, Voter::Browser(_)) && !form.allow_anonymous {
        tx.rollback().await?;
        return refuse("fm-err-sign-in");
    }
    let key = voter.key(app);
    if store::response_of(&mut tx, form.id, &key).await?.is_some() {
        tx.rollback().await?;
        return Ok(());
    }
    if store::starts_from(&mut tx, form.id, &addr, Timestamp(now.0 - 3_600_000)).await?
        >= form.address_cap
    {
        tx.rollback().await?;
        return refuse("fm-err-slow-down");
    }
    match store::start_response(&mut tx, org, form.id, &key, voter.profile(), &addr, now).await {
        Ok(_) => {}
        // Two starts at once: the other one counts; this one continues it.
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(())
}

/// What answering did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// On to the next question.
    Next,
    /// The form is finished.
    Finished,
    /// A quiz's time ran out before this answer; it was finished without it.
    TimeUp,
}

/// An answer to one question, as the page sent it.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub question: i64,
    pub answer: RawAnswer,
}

/// Answers the question the visitor is on. `question` must be that one (a
/// page sent twice or an old tab gets a clear message). The last answer
/// finishes the form: score, points and the conversion, once.
pub async fn answer(
    app: &App,
    org: OrgId,
    kind: FormKind,
    slug: &str,
    voter: &Voter,
    reply: &Reply,
    source: Option<&str>,
) -> Result<Answered, AppError> {
    let (question, raw) = (reply.question, &reply.answer);
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let r = load(&mut tx, org, kind, slug).await;
    let (mut tx, form) = or_rollback(tx, r).await?;
    let Some(response) = store::response_of(&mut tx, form.id, &voter.key(app)).await? else {
        tx.rollback().await?;
        return Err(AppError::field("answer", "fm-err-not-started"));
    };
    if response.finished_at.is_some() {
        tx.rollback().await?;
        return Err(AppError::field("answer", "fm-err-finished"));
    }
    if rules::timed_out(Timestamp(response.started_at), form.time_limit_secs, now) {
        finish(&mut tx, org, &form, &response, true, source, now).await?;
        tx.commit().await?;
        return Ok(Answered::TimeUp);
    }
    if state(&form, now) == PollState::Closed {
        tx.rollback().await?;
        return Err(AppError::field("answer", "fm-err-closed"));
    }
    let views = question_views(&mut tx, form.id).await?;
    let mut answers = store::answers(&mut tx, response.id).await?;
    let Some(index) = next_of(&views, &answers) else {
        finish(&mut tx, org, &form, &response, false, source, now).await?;
        tx.commit().await?;
        return Ok(Answered::Finished);
    };
    let view = &views[index];
    if view.question.id != question {
        tx.rollback().await?;
        return Err(AppError::field("answer", "fm-err-stale"));
    }
    let ids: Vec<i64> = view.options.iter().map(|o| o.id).collect();
    let a = match rules::check_answer(view.kind, view.question.required, &ids, raw) {
        Ok(a) => a,
        Err(key) => {
            tx.rollback().await?;
            return Err(AppError::field("answer", key));
        }
    };
    let correct = match (kind, &a) {
        (FormKind::Quiz, Answer::Choices(c)) => Some(rules::is_correct(c, &view.correct_ids())),
        (FormKind::Quiz, _) => Some(false),
        (FormKind::Survey, _) => None,
    };
    match store::insert_answer(&mut tx, response.id, question, &a.to_db(), correct, now).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return Err(AppError::field("answer", "fm-err-stale"));
        }
        Err(e) => return Err(e.into()),
    }
    // The walk goes on from the answers read above plus this one.
    answers.push(store::AnswerRow {
        response_id: response.id,
        question_id: question,
        value: a.to_db(),
        correct,
    });
    if next_of(&views, &answers).is_some() {
        tx.commit().await?;
        return Ok(Answered::Next);
    }
    finish(&mut tx, org, &form, &response, false, source, now).await?;
    tx.commit().await?;
    Ok(Answered::Finished)
}

/// Finishes a response inside the caller's transaction: its score (quiz),
/// its points and its conversion, all only if this call is the one that
/// finished it.
async fn finish(
    tx: &mut siar_store::Tx,
    org: OrgId,
    form: &Form,
    response: &Response,
    timed_out: bool,
    source: Option<&str>,
    now: Timestamp,
) -> Result<(), AppError> {
    let kind = kind_of(form);
    let (score, out_of) = match kind {
        FormKind::Quiz => {
            let answers = store::answers(tx, response.id).await?;
            let total = store::questions(tx, form.id).await?.len() as i64;
            (
                Some(answers.iter().filter(|a| a.correct == Some(true)).count() as i64),
                Some(total),
            )
        }
        FormKind::Survey => (None, None),
    };
    if !store::finish(tx, response.id, score, out_of, timed_out, now).await? {
        return Ok(());
    }
    if let Some(profile) = response.profile_id {
        let (delta, reason, note) = match kind {
            FormKind::Quiz => (
                score.unwrap_or(0) * form.points,
                PointReason::Quiz,
                format!("{}/{}", score.unwrap_or(0), out_of.unwrap_or(0)),
            ),
            FormKind::Survey => (form.points, PointReason::Survey, String::new()),
        };
        crate::rewards::earn(
            tx,
            org,
            &siar_store::rewards::Movement {
                profile,
                delta,
                reason: reason.as_str(),
                ref_id: Some(form.id),
                note: &note,
                by: None,
            },
            now,
        )
        .await?;
    }
    if let Some(src) = source_of(tx, org, source).await? {
        siar_store::programs::insert_conversion(
            tx,
            org,
            kind.as_str(),
            form.id,
            response.profile_id,
            &src,
            now,
        )
        .await?;
    }
    Ok(())
}

/// A response's answers as a person reads them: (question, answer), choices
/// by their labels, in the form's order (for "My data").
pub(crate) async fn readable_answers(
    tx: &mut siar_store::Tx,
    form: i64,
    response: i64,
) -> Result<Vec<(String, String)>, AppError> {
    let views = question_views(tx, form).await?;
    let answers = store::answers(tx, response).await?;
    Ok(views
        .iter()
        .filter_map(|v| {
            let a = answers.iter().find(|a| a.question_id == v.question.id)?;
            let shown = match Answer::from_db(v.kind, &a.value) {
                Answer::Choices(c) => labels(v, &c).join(", "),
                other => other.to_db(),
            };
            Some((v.question.prompt.clone(), shown))
        })
        .collect())
}

/// The demo's quiz and survey, published, with a few answers.
pub(crate) async fn seed_demo(
    app: &App,
    editor: &Actor,
    profiles: &[i64],
    practice: i64,
) -> Result<(), AppError> {
    let quiz = create(
        app,
        editor,
        FormKind::Quiz,
        &FormInput {
            title: "Kuis Wong Kito: Seberapa Kenal Kamu dengan Palembang?".into(),
            description: "Lima pertanyaan tentang kota kita. Setiap jawaban benar bernilai 5 poin.".into(),
            thanks: "Terima kasih sudah ikut kuis! Temukan buku sejarah Palembang di rak lokal lantai 2.".into(),
            time_limit: "5".into(),
            points: "5".into(),
            leaderboard: true,
            slug: "kenal-palembang".into(),
            ..FormInput::default()
        },
    )
    .await?;
    let questions: [(&str, &str, &str); 5] = [
        (
            "Jembatan ikonik yang membentang di atas Sungai Musi bernama…",
            "* Jembatan Ampera\nJembatan Suramadu\nJembatan Barelang",
            "Jembatan Ampera diresmikan pada 1965 dan menjadi lambang Kota Palembang.",
        ),
        (
            "Makanan khas Palembang yang terbuat dari ikan dan sagu adalah…",
            "Rendang\n* Pempek\nGudeg",
            "Pempek dibuat dari ikan giling dan tepung sagu, disajikan dengan cuko.",
        ),
        (
            "Pulau di Sungai Musi yang terkenal dengan pagodanya adalah…",
            "Pulau Seribu\nPulau Penyengat\n* Pulau Kemaro",
            "Pulau Kemaro punya legenda Siti Fatimah dan Tan Bun An; bukunya ada di perpustakaan!",
        ),
        (
            "Kerajaan maritim besar yang berpusat di sekitar Palembang adalah…",
            "* Sriwijaya\nMajapahit\nMataram",
            "Sriwijaya berjaya pada abad ke-7 hingga ke-13.",
        ),
        (
            "Manakah yang termasuk kain tradisional Palembang? (pilih semua yang benar)",
            "* Songket\n* Jumputan\nUlos",
            "Songket dan jumputan adalah kain khas Palembang; ulos berasal dari Sumatra Utara.",
        ),
    ];
    for (i, (prompt, options, explanation)) in questions.iter().enumerate() {
        add_question(
            app,
            editor,
            quiz,
            &QuestionInput {
                kind: if i == 4 { "multiple" } else { "single" }.into(),
                prompt: (*prompt).into(),
                options: (*options).into(),
                explanation: (*explanation).into(),
                required: true,
                ..QuestionInput::default()
            },
        )
        .await?;
    }
    publish(app, editor, quiz).await?;
    let survey = create(
        app,
        editor,
        FormKind::Survey,
        &FormInput {
            title: "Survei Kepuasan Pengunjung 2026".into(),
            description: "Bantu kami memperbaiki layanan. Hanya 2 menit, boleh tanpa akun.".into(),
            thanks: "Terima kasih! Masukanmu kami baca satu per satu setiap bulan.".into(),
            points: "10".into(),
            allow_anonymous: true,
            slug: "kepuasan-2026".into(),
            ..FormInput::default()
        },
    )
    .await?;
    let questions: [(&str, &str, &str, bool); 6] = [
        (
            "single",
            "Dalam tiga bulan terakhir, apakah kamu datang ke perpustakaan?",
            "Ya\nTidak -> 5",
            true,
        ),
        (
            "rating",
            "Seberapa puas kamu dengan layanan petugas kami?",
            "",
            true,
        ),
        (
            "multiple",
            "Layanan apa saja yang kamu pakai?",
            "Peminjaman buku\nRuang baca anak\nInternet dan komputer\nAcara dan kelas",
            false,
        ),
        ("date", "Kapan terakhir kali kamu berkunjung?", "", false),
        (
            "nps",
            "Seberapa besar kemungkinan kamu merekomendasikan perpustakaan kepada teman?",
            "",
            true,
        ),
        ("long", "Ada saran untuk kami?", "", false),
    ];
    for (kind, prompt, options, required) in questions {
        add_question(
            app,
            editor,
            survey,
            &QuestionInput {
                kind: kind.into(),
                prompt: prompt.into(),
                options: options.into(),
                required,
                ..QuestionInput::default()
            },
        )
        .await?;
    }
    publish(app, editor, survey).await?;
    // Short links the practice channel's posts carry, so Analitik shows a
    // line from a post to the patrons it brought.
    let mut codes = Vec::new();
    for (path, label, code) in [
        ("/kuis/kenal-palembang", "Kuis Wong Kito", "KuisWongKito"),
        (
            "/survei/kepuasan-2026",
            "Survei Kepuasan 2026",
            "SurveiKepuasan",
        ),
    ] {
        let link = crate::links::create(
            app,
            editor,
            &siar_domain::links::LinkRequest {
                target: format!("{}{path}", app.config.public_url.trim_end_matches('/')),
                label: label.into(),
                code: code.into(),
                campaign: "#PalembangBaca".into(),
            },
            Some(practice),
        )
        .await?;
        codes.push(link.code);
    }
    // A few answers so the results pages are not empty: the student took
    // the quiz; two visitors answered the survey.
    let org = editor.org;
    if let Some(student) = profiles.first() {
        let v = Voter::Profile(*student);
        start(app, org, FormKind::Quiz, "kenal-palembang", &v, "demo-q").await?;
        let views = {
            let mut tx = app.store.read().await?;
            let v = question_views(&mut tx, quiz).await?;
            tx.commit().await?;
            v
        };
        for (i, q) in views.iter().enumerate() {
            // Right on all but the last.
            let choices = if i == 4 {
                vec![q.options[0].id]
            } else {
                q.correct_ids()
            };
            answer(
                app,
                org,
                FormKind::Quiz,
                "kenal-palembang",
                &v,
                &Reply {
                    question: q.question.id,
                    answer: RawAnswer {
                        choices,
                        text: String::new(),
                    },
                },
                codes.first().map(String::as_str),
            )
            .await?;
        }
    }
    let views = {
        let mut tx = app.store.read().await?;
        let v = question_views(&mut tx, survey).await?;
        tx.commit().await?;
        v
    };
    let visits: [(&str, usize, &str, &str, &str); 2] = [
        (
            "demo-s1",
            0,
            "5",
            "9",
            "Tambah jam buka di hari Minggu, ya.",
        ),
        ("demo-s2", 0, "4", "7", ""),
    ];
    for (browser, came, rating, nps, advice) in visits {
        let v = Voter::Browser(browser.into());
        start(app, org, FormKind::Survey, "kepuasan-2026", &v, browser).await?;
        let raw: [RawAnswer; 6] = [
            RawAnswer {
                choices: vec![views[0].options[came].id],
                text: String::new(),
            },
            RawAnswer {
                choices: Vec::new(),
                text: rating.into(),
            },
            RawAnswer {
                choices: vec![views[2].options[0].id, views[2].options[1].id],
                text: String::new(),
            },
            RawAnswer::default(),
            RawAnswer {
                choices: Vec::new(),
                text: nps.into(),
            },
            RawAnswer {
                choices: Vec::new(),
                text: advice.into(),
            },
        ];
        for (q, raw) in views.iter().zip(raw) {
            answer(
                app,
                org,
                FormKind::Survey,
                "kepuasan-2026",
                &v,
                &Reply {
                    question: q.question.id,
                    answer: raw,
                },
                (browser == "demo-s1")
                    .then(|| codes.get(1).map(String::as_str))
                    .flatten(),
            )
            .await?;
        }
    }
    Ok(())
}

/// Message keys this module uses.
pub const FORM_APP_KEYS: &[&str] = &[
    "fm-err-slug-published",
    "fm-err-has-responses",
    "fm-err-too-many-questions",
    "fm-err-no-questions",
    "fm-err-closed",
    "fm-err-sign-in",
    "fm-err-not-started",
    "fm-err-finished",
    "fm-err-stale",
    "fm-err-slug-taken",
    "fm-err-not-yet",
    "fm-err-slow-down",
];

#[cfg(test)]
mod tests {
    #[test]
    fn per_cents_round_half_up() {
        assert_eq!(super::rounded_percent(2, 3), 67);
        assert_eq!(super::rounded_percent(1, 3), 33);
        assert_eq!(super::rounded_percent(1, 8), 13);
        assert_eq!(super::rounded_percent(5, 0), 0);
        assert_eq!(super::rounded_percent(3, 3), 100);
    }
}
