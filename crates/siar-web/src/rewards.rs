//! Points and rewards on both sides: the portal's catalogue, vouchers and
//! points history; the console's catalogue, points given by staff, and the
//! desk page where a voucher is typed or scanned and used once.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::middleware::{RequestId, unprocessable};
use crate::pages::{LangQuery, Me, done, problems_ctx, staff_ctx};
use crate::portal::{flash_to, portal, sign_in_first};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Form};
use serde::Deserialize;
use siar_app::{AppError, rewards};
use siar_domain::Timestamp;
use siar_domain::org::Permission;
use siar_domain::rewards::{PointReason, RewardInput};
use std::collections::HashMap;

pub struct RewardRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub cost: i64,
    /// Left in stock; `None`: no limit.
    pub stock: Option<i64>,
    pub active: bool,
    pub affordable: bool,
}

fn rows(list: Vec<rewards::Reward>, balance: i64) -> Vec<RewardRow> {
    list.into_iter()
        .map(|r| RewardRow {
            affordable: balance >= r.cost && r.stock != Some(0),
            id: r.id,
            name: r.name,
            description: r.description,
            cost: r.cost,
            stock: r.stock,
            active: r.active,
        })
        .collect()
}

// ------------------------------------------------------------------ portal

#[derive(Template)]
#[template(path = "hadiah.html")]
struct CataloguePage<'a> {
    c: &'a PageCtx,
    rows: Vec<RewardRow>,
    signed_in: bool,
    nickname: String,
    balance: i64,
}

async fn catalogue_page(
    state: &WebState,
    headers: &HeaderMap,
    q: &LangQuery,
    r: &Option<Extension<RequestId>>,
    problems: Option<siar_domain::validate::Problems>,
) -> WebResult {
    let mut p = portal(state, headers, q, "rw-title", r).await?;
    let (nickname, balance) = match p.session.as_ref().and_then(|s| s.active.clone()) {
        Some(active) => {
            let s = p.session.as_ref().ok_or(WebError(ErrorKind::Internal))?;
            let pts = rewards::points(&state.app, s).await?;
            let b = pts
                .balances
                .iter()
                .find(|x| x.0 == active.id)
                .map_or(0, |x| x.2);
            (active.nickname, b)
        }
        None => (String::new(), 0),
    };
    let list = rewards::catalogue(&state.app, p.org.id).await?;
    let refused = problems.is_some();
    if let Some(pr) = problems {
        p.c.problems = pr;
    }
    let page = CataloguePage {
        c: &p.c,
        rows: rows(list, balance),
        signed_in: !nickname.is_empty(),
        nickname,
        balance,
    };
    p.render(state, &page, refused)
}

pub async fn catalogue(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    catalogue_page(&state, &headers, &q, &r, None).await
}

pub async fn take(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &LangQuery::default(), "rw-title", &r).await?;
    let Some(s) = &p.session else {
        return Ok(sign_in_first("/hadiah"));
    };
    match rewards::take(&state.app, s, id).await {
        Ok(code) => Ok(flash_to(&state, &format!("/voucher/{code}"), "rw-taken")),
        Err(AppError::Invalid(pr)) => {
            catalogue_page(&state, &headers, &LangQuery::default(), &r, Some(pr)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "voucher.html")]
struct VoucherPage<'a> {
    c: &'a PageCtx,
    code: String,
    reward: String,
    until: String,
    used: Option<String>,
    expired: bool,
}

fn when(ms: i64, tz: chrono_tz::Tz) -> String {
    Timestamp(ms).format_zoned(tz)
}

pub async fn voucher(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &q, "rw-voucher-title", &r).await?;
    let Some(s) = &p.session else {
        return Ok(sign_in_first(&format!("/voucher/{code}")));
    };
    let v = rewards::voucher(&state.app, s, &code).await?;
    let tz = p.org.settings.timezone;
    let page = VoucherPage {
        c: &p.c,
        code: v.code.clone(),
        reward: v.reward.clone(),
        until: when(v.expires_at, tz),
        used: v.redeemed_at.map(|t| when(t, tz)),
        expired: v.expires_at <= state.app.now().0,
    };
    p.page(&state, &page)
}

pub async fn voucher_qr(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(
        &state,
        &headers,
        &LangQuery::default(),
        "rw-voucher-title",
        &r,
    )
    .await?;
    let Some(s) = &p.session else {
        return Err(WebError(ErrorKind::NotFound));
    };
    let svg = rewards::voucher_qr(&state.app, s, &code).await?;
    let mut res = svg.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

pub struct BalanceRow {
    pub nickname: String,
    pub balance: i64,
}

pub struct MoveRow {
    pub nickname: String,
    pub delta: String,
    pub plus: bool,
    pub reason_key: &'static str,
    pub note: String,
    pub when: String,
}

pub struct VoucherRow {
    pub code: String,
    pub reward: String,
    pub state_key: &'static str,
}

#[derive(Template)]
#[template(path = "akun_poin.html")]
struct PointsPage<'a> {
    c: &'a PageCtx,
    balances: Vec<BalanceRow>,
    moves: Vec<MoveRow>,
    vouchers: Vec<VoucherRow>,
}

pub async fn my_points(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let p = portal(&state, &headers, &q, "rw-points-title", &r).await?;
    let Some(s) = &p.session else {
        return Ok(sign_in_first("/akun/poin"));
    };
    let pts = rewards::points(&state.app, s).await?;
    let tz = p.org.settings.timezone;
    let nick = |id: i64| {
        s.profiles
            .iter()
            .find(|x| x.id == id)
            .map(|x| x.nickname.clone())
            .unwrap_or_default()
    };
    let now = state.app.now().0;
    let page = PointsPage {
        c: &p.c,
        balances: pts
            .balances
            .iter()
            .map(|(_, n, b)| BalanceRow {
                nickname: n.clone(),
                balance: *b,
            })
            .collect(),
        moves: pts
            .ledger
            .iter()
            .map(|m| MoveRow {
                nickname: nick(m.profile_id),
                delta: if m.delta > 0 {
                    format!("+{}", m.delta)
                } else {
                    m.delta.to_string()
                },
                plus: m.delta > 0,
                reason_key: PointReason::parse(&m.reason)
                    .map_or("rw-reason-award", PointReason::label_key),
                note: m.note.clone(),
                when: when(m.created_at, tz),
            })
            .collect(),
        vouchers: pts
            .vouchers
            .iter()
            .map(|v| VoucherRow {
                code: v.code.clone(),
                reward: v.reward.clone(),
                state_key: if v.redeemed_at.is_some() {
                    "rw-state-used"
                } else if v.expires_at <= now {
                    "rw-state-expired"
                } else {
                    "rw-state-ready"
                },
            })
            .collect(),
    };
    p.page(&state, &page)
}

// ------------------------------------------------------------------ console

#[derive(Default)]
pub struct RewardForm {
    pub name: String,
    pub description: String,
    pub cost: String,
    pub stock: String,
}

#[derive(Default)]
pub struct AwardForm {
    pub nickname: String,
    pub points: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "app_hadiah.html")]
struct AdminPage<'a> {
    c: &'a PageCtx,
    rows: Vec<RewardRow>,
    can_manage: bool,
    form: RewardForm,
    award: AwardForm,
    /// Which form the problems belong to.
    failed: &'static str,
}

async fn admin_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    form: RewardForm,
    award: AwardForm,
    failed: &'static str,
) -> WebResult<String> {
    let actor = &me.0.actor;
    let list = rewards::all_rewards(&state.app, actor).await?;
    Ok(AdminPage {
        c,
        rows: rows(list, 0),
        can_manage: actor.role.can(Permission::ManagePrograms),
        form,
        award,
        failed,
    }
    .render()?)
}

pub async fn admin(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "rw-admin-title", "/app/hadiah", &headers, &r);
    Ok(crate::pages::html_page(
        admin_page(
            &state,
            &me,
            &c,
            RewardForm::default(),
            AwardForm::default(),
            "",
        )
        .await?,
        had,
        &state,
    ))
}

fn reward_input(f: &HashMap<String, String>) -> (RewardForm, RewardInput) {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let form = RewardForm {
        name: get("name"),
        description: get("description"),
        cost: get("cost"),
        stock: get("stock"),
    };
    let input = RewardInput {
        name: form.name.clone(),
        description: form.description.clone(),
        cost: form.cost.clone(),
        stock: form.stock.clone(),
    };
    (form, input)
}

pub async fn create(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let (form, input) = reward_input(&f);
    match rewards::create_reward(&state.app, &me.0.actor, &input).await {
        Ok(_) => Ok(done(&state, "/app/hadiah", "rw-created")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "rw-admin-title", "/app/hadiah", &r, p);
            Ok(unprocessable(
                admin_page(&state, &me, &c, form, AwardForm::default(), "new").await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn update(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let (_, input) = reward_input(&f);
    let active = f.get("active").map(String::as_str) == Some("1");
    match rewards::update_reward(&state.app, &me.0.actor, id, &input, active).await {
        Ok(()) => Ok(done(&state, "/app/hadiah", "rw-saved")),
        // The inline row keeps no per-field messages: say which rule failed.
        Err(AppError::Invalid(p)) => Ok(crate::middleware::redirect_with_problem(
            "/app/hadiah",
            &p,
            state.config.secure_cookies,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn award(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let form = AwardForm {
        nickname: get("nickname"),
        points: get("points"),
        reason: get("reason"),
    };
    match rewards::award(
        &state.app,
        &me.0.actor,
        &form.nickname,
        &form.points,
        &form.reason,
    )
    .await
    {
        Ok(_) => Ok(done(&state, "/app/hadiah", "rw-awarded")),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "rw-admin-title", "/app/hadiah", &r, p);
            Ok(unprocessable(
                admin_page(&state, &me, &c, RewardForm::default(), form, "award").await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct DeskQuery {
    kode: Option<String>,
}

pub struct DeskVoucher {
    pub code: String,
    pub reward: String,
    pub until: String,
    pub used: Option<String>,
    pub expired: bool,
}

pub struct UsedRow {
    pub code: String,
    pub reward: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "app_hadiah_tukar.html")]
struct DeskPage<'a> {
    c: &'a PageCtx,
    typed: String,
    found: Option<DeskVoucher>,
    done: bool,
    recent: Vec<UsedRow>,
}

async fn desk_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    typed: String,
    found: Option<rewards::Voucher>,
    done: bool,
) -> WebResult<String> {
    let tz = me.0.org.settings.timezone;
    let now = state.app.now().0;
    let recent = rewards::recently_redeemed(&state.app, &me.0.actor)
        .await?
        .into_iter()
        .map(|v| UsedRow {
            when: v.redeemed_at.map(|t| when(t, tz)).unwrap_or_default(),
            code: v.code,
            reward: v.reward,
        })
        .collect();
    Ok(DeskPage {
        c,
        typed,
        found: found.map(|v| DeskVoucher {
            until: when(v.expires_at, tz),
            used: v.redeemed_at.map(|t| when(t, tz)),
            expired: v.expires_at <= now,
            code: v.code,
            reward: v.reward,
        }),
        done,
        recent,
    }
    .render()?)
}

/// The desk: type a code (or arrive from a scanned QR code with `?kode=`),
/// see the voucher, use it.
pub async fn desk(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    Query(q): Query<DeskQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (mut c, had) = staff_ctx(&me, "rw-desk-title", "/app/hadiah", &headers, &r);
    let typed = q.kode.unwrap_or_default();
    let mut found = None;
    let mut status = StatusCode::OK;
    if !typed.trim().is_empty() {
        match rewards::look_up(&state.app, &me.0.actor, &typed).await {
            Ok(v) => found = Some(v),
            Err(AppError::Invalid(p)) => {
                c.problems = p;
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let body = desk_page(&state, &me, &c, typed, found, false).await?;
    let mut res = crate::pages::html_page(body, had, &state);
    *res.status_mut() = status;
    Ok(res)
}

pub async fn redeem(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let typed = f.get("code").cloned().unwrap_or_default();
    match rewards::redeem(&state.app, &me.0.actor, &typed).await {
        Ok(v) => {
            let c = PageCtx::staff(
                &me.0,
                "rw-desk-title",
                "/app/hadiah",
                Some(crate::ctx::Flash {
                    key: "rw-redeemed".into(),
                    ok: true,
                }),
                crate::pages::rid(&r),
            );
            let body = desk_page(&state, &me, &c, String::new(), Some(v), true).await?;
            Ok(axum::response::Html(body).into_response())
        }
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "rw-desk-title", "/app/hadiah", &r, p);
            // Show the voucher as it stands (used when, by whom) if it exists.
            let found = rewards::look_up(&state.app, &me.0.actor, &typed).await.ok();
            Ok(unprocessable(
                desk_page(&state, &me, &c, typed, found, false).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
