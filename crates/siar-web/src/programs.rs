//! The console's patron programmes: polls (make, read, close, export) and the
//! sign-in codes staff may read out when no e-mail server is configured.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::WebResult;
use crate::i18n;
use crate::middleware::{RequestId, unprocessable};
use crate::pages::{Me, done, page, problems_ctx, staff_ctx};
use crate::publishing::parse_local;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::{Extension, Form};
use siar_app::programs::{self, PollResults};
use siar_app::{AppError, channels, patrons};
use siar_domain::org::Permission;
use siar_domain::programs::{PollInput, PollState};
use std::collections::HashMap;

pub struct PollRow {
    pub id: i64,
    pub question: String,
    pub state_key: &'static str,
    pub ballots: i64,
    pub opens: String,
}

/// The poll form as typed.
#[derive(Default)]
pub struct PollForm {
    pub question: String,
    pub description: String,
    pub options: String,
    pub max_choices: String,
    pub results: String,
    pub allow_anonymous: bool,
    pub opens_at: String,
    pub closes_at: String,
    pub slug: String,
    pub address_cap: String,
}

impl PollForm {
    fn read(f: &HashMap<String, String>) -> Self {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        PollForm {
            question: get("question"),
            description: get("description"),
            options: get("options"),
            max_choices: get("max_choices"),
            results: get("results"),
            allow_anonymous: get("allow_anonymous") == "1",
            opens_at: get("opens_at"),
            closes_at: get("closes_at"),
            slug: get("slug"),
            address_cap: get("address_cap"),
        }
    }

    fn input(&self, tz: chrono_tz::Tz) -> PollInput {
        let opens = parse_local(&self.opens_at, tz);
        let closes = parse_local(&self.closes_at, tz);
        PollInput {
            slug: self.slug.clone(),
            question: self.question.clone(),
            description: self.description.clone(),
            options: self.options.clone(),
            max_choices: self.max_choices.clone(),
            results: self.results.clone(),
            allow_anonymous: self.allow_anonymous,
            // An opening time that cannot be read opens the poll now.
            opens_at: opens,
            closes_at: closes,
            closes_unreadable: !self.closes_at.trim().is_empty() && closes.is_none(),
            address_cap: self.address_cap.clone(),
        }
    }

    fn of(p: &programs::Poll, options: &[String], tz: chrono_tz::Tz) -> Self {
        let local = |ms: i64| crate::studio::local_input(siar_domain::Timestamp(ms), tz);
        PollForm {
            question: p.question.clone(),
            description: p.description.clone(),
            options: options.join("\n"),
            max_choices: p.max_choices.to_string(),
            results: p.results.clone(),
            allow_anonymous: p.allow_anonymous,
            opens_at: local(p.opens_at),
            closes_at: p.closes_at.map(local).unwrap_or_default(),
            slug: p.slug.clone(),
            address_cap: p.address_cap.to_string(),
        }
    }
}

fn state_key(s: PollState) -> &'static str {
    match s {
        PollState::NotYet => "pg-state-not-yet",
        PollState::Open => "pg-state-open",
        PollState::Closed => "pg-state-closed",
    }
}

#[derive(Template)]
#[template(path = "app_jajak.html")]
struct PollsPage<'a> {
    c: &'a PageCtx,
    rows: Vec<PollRow>,
    can_manage: bool,
    form: PollForm,
}

async fn polls_page(state: &WebState, me: &Me, c: &PageCtx, form: PollForm) -> WebResult<String> {
    let actor = &me.0.actor;
    let tz = me.0.org.settings.timezone;
    let rows = programs::polls(&state.app, actor)
        .await?
        .into_iter()
        .map(|s| PollRow {
            id: s.poll.id,
            question: s.poll.question,
            state_key: state_key(s.state),
            ballots: s.ballots,
            opens: siar_domain::Timestamp(s.poll.opens_at).format_in(tz),
        })
        .collect();
    Ok(PollsPage {
        c,
        rows,
        can_manage: actor.role.can(Permission::ManagePrograms),
        form: PollForm {
            results: if form.results.is_empty() {
                "after_vote".into()
            } else {
                form.results
            },
            ..form
        },
    }
    .render()?)
}

pub async fn list(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "pg-list-title", "/app/jajak", &headers, &r);
    Ok(crate::pages::html_page(
        polls_page(&state, &me, &c, PollForm::default()).await?,
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
    let form = PollForm::read(&f);
    let input = form.input(me.0.org.settings.timezone);
    match programs::create_poll(&state.app, &me.0.actor, &input).await {
        Ok(id) => Ok(done(&state, &format!("/app/jajak/{id}"), "pg-created")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "pg-list-title", "/app/jajak", &r, p);
            Ok(unprocessable(polls_page(&state, &me, &c, form).await?))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct ResultRow {
    pub label: String,
    pub votes: i64,
    pub percent: i64,
}

pub struct SourceRow {
    pub channel: String,
    pub post: Option<i64>,
    pub campaign: String,
    pub n: i64,
}

#[derive(Template)]
#[template(path = "app_jajak_hasil.html")]
struct PollPage<'a> {
    c: &'a PageCtx,
    id: i64,
    question: String,
    state_key: &'static str,
    open: bool,
    can_manage: bool,
    public_url: String,
    short_url: Option<String>,
    rows: Vec<ResultRow>,
    ballots: i64,
    signed_in: i64,
    sources: Vec<SourceRow>,
    visible_key: &'static str,
    form: PollForm,
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
    let form = PollForm::read(&f);
    let input = form.input(me.0.org.settings.timezone);
    match programs::update_poll(&state.app, &me.0.actor, id, &input).await {
        Ok(()) => Ok(done(&state, &format!("/app/jajak/{id}"), "pg-saved")),
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
    refused: Option<(siar_domain::validate::Problems, PollForm)>,
) -> WebResult {
    let (mut c, had) = staff_ctx(me, "pg-list-title", "/app/jajak", headers, r);
    let refused_now = refused.is_some();
    let actor = &me.0.actor;
    let res: PollResults = programs::poll_results(&state.app, actor, id).await?;
    let form = match refused {
        Some((p, form)) => {
            c.problems = p;
            form
        }
        None => {
            let labels: Vec<String> = res.options.iter().map(|o| o.option.label.clone()).collect();
            PollForm::of(&res.poll, &labels, me.0.org.settings.timezone)
        }
    };
    c.title = res.poll.question.clone();
    let names: HashMap<i64, String> = channels::list(&state.app, actor)
        .await?
        .into_iter()
        .map(|ch| {
            (
                ch.id,
                format!(
                    "{} · {}",
                    i18n::t(c.lang, ch.platform.name_key()),
                    ch.handle
                ),
            )
        })
        .collect();
    let base = state
        .app
        .config
        .public_url
        .trim_end_matches('/')
        .to_string();
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
    let p = PollPage {
        c: &c,
        id,
        question: res.poll.question.clone(),
        state_key: state_key(res.state),
        open: res.state != PollState::Closed,
        can_manage: actor.role.can(Permission::ManagePrograms),
        public_url: format!("{base}/jajak/{}", res.poll.slug),
        short_url: res
            .poll
            .link_code
            .as_ref()
            .map(|code| format!("{base}/l/{code}")),
        rows: res
            .options
            .iter()
            .map(|o| ResultRow {
                label: o.option.label.clone(),
                votes: o.votes,
                percent: o.percent,
            })
            .collect(),
        ballots: res.tally.ballots,
        signed_in: res.tally.signed_in,
        sources,
        visible_key: if res.poll.results == "after_close" {
            "pg-results-after-close"
        } else {
            "pg-results-after-vote"
        },
        form,
    };
    if refused_now {
        Ok(unprocessable(p.render()?))
    } else {
        page(&p, had, state)
    }
}

pub async fn close(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    programs::close_poll(&state.app, &me.0.actor, id).await?;
    Ok(done(&state, &format!("/app/jajak/{id}"), "pg-closed"))
}

pub async fn csv(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    let res = programs::poll_results(&state.app, &me.0.actor, id).await?;
    let body = programs::results_csv(&res)?;
    Ok(crate::pages::download(
        body,
        "text/csv; charset=utf-8",
        &format!("jajak-{}.csv", res.poll.slug),
    ))
}

pub struct CodeRow {
    pub email: String,
    pub code: String,
    pub until: String,
}

#[derive(Template)]
#[template(path = "app_patron_kode.html")]
struct CodesPage<'a> {
    c: &'a PageCtx,
    rows: Vec<CodeRow>,
    mail: bool,
}

pub async fn codes(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "pt-codes-title", "/app/jajak", &headers, &r);
    let tz = me.0.org.settings.timezone;
    let rows = patrons::readable_codes(&state.app, &me.0.actor)
        .await?
        .into_iter()
        .map(|(email, code, until)| CodeRow {
            email,
            code,
            until: until.format_in(tz),
        })
        .collect();
    page(
        &CodesPage {
            c: &c,
            rows,
            mail: state.app.config.mail.is_some(),
        },
        had,
        &state,
    )
}
