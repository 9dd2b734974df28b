//! The console's list of days that matter, a month at a time ("Hari penting"),
//! for planning posts before the calendar exists.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::WebResult;
use crate::middleware::RequestId;
use crate::pages::{Me, page, staff_ctx};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::{Extension, Form};
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;
use siar_domain::org::Lang;

#[derive(Deserialize)]
pub struct MonthQuery {
    /// `YYYY-MM`; this month when absent or not a month.
    bulan: Option<String>,
}

pub struct DayItem {
    pub date: String,
    pub name: String,
    pub kind: String,
    pub tone: &'static str,
    pub prompt: String,
}

#[derive(Template)]
#[template(path = "days.html")]
struct DaysPage<'a> {
    c: &'a PageCtx,
    own: Vec<OwnDay>,
    can_add: bool,
    month: String,
    prev: String,
    next: String,
    days: Vec<DayItem>,
}

const MONTH_KEYS: [&str; 12] = [
    "month-1", "month-2", "month-3", "month-4", "month-5", "month-6", "month-7", "month-8",
    "month-9", "month-10", "month-11", "month-12",
];

/// "Desember 2026".
pub(crate) fn month_label(lang: Lang, first: NaiveDate) -> String {
    format!(
        "{} {}",
        crate::i18n::t(lang, MONTH_KEYS[first.month0() as usize]),
        first.year()
    )
}

pub struct OwnDay {
    pub id: i64,
    pub date: String,
    pub name: String,
    pub prompt: String,
    pub yearly: bool,
}

async fn own_rows(state: &WebState, me: &Me) -> Result<Vec<OwnDay>, crate::error::WebError> {
    Ok(siar_app::studio::own_days(&state.app, &me.0.actor)
        .await?
        .into_iter()
        .map(|d| OwnDay {
            id: d.id,
            date: d.day.format("%d-%m-%Y").to_string(),
            name: d.name,
            prompt: d.prompt,
            yearly: d.yearly,
        })
        .collect())
}

/// `POST /app/hari-penting`: adds one of the library's own days.
pub async fn add(
    State(state): State<WebState>,
    me: Me,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    match siar_app::studio::add_day(
        &state.app,
        &me.0.actor,
        &get("day"),
        &get("day_name"),
        &get("day_prompt"),
        f.contains_key("yearly"),
    )
    .await
    {
        Ok(_) => Ok(crate::pages::done(
            &state,
            "/app/hari-penting",
            "days-added",
        )),
        Err(siar_app::AppError::Invalid(p)) => {
            let key = p.0.first().map(|e| e.key).unwrap_or("err-required");
            Ok(crate::middleware::redirect_with_flash(
                "/app/hari-penting",
                key,
                false,
                state.config.secure_cookies,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove(
    State(state): State<WebState>,
    me: Me,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> WebResult {
    siar_app::studio::remove_day(&state.app, &me.0.actor, id).await?;
    Ok(crate::pages::done(
        &state,
        "/app/hari-penting",
        "days-removed",
    ))
}

pub async fn list(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Query(q): Query<MonthQuery>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "days-title", "/app/hari-penting", &headers, &r);
    let today = state
        .app
        .now()
        .to_utc()
        .with_timezone(&me.0.org.settings.timezone)
        .date_naive();
    let first = q
        .bulan
        .as_deref()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let prev = first.checked_sub_months(Months::new(1)).unwrap_or(first);
    let last = next.pred_opt().unwrap_or(first);
    let days = siar_app::studio::days_between(&state.app, &me.0.actor, first, last)
        .await?
        .into_iter()
        .map(|d| DayItem {
            date: d.date.format("%d-%m-%Y").to_string(),
            name: match c.lang {
                Lang::Id => d.name_id,
                Lang::En => d.name_en,
            },
            kind: c.t(d.kind.label_key()),
            tone: match d.kind {
                siar_domain::days::DayKind::Holiday => "warn",
                siar_domain::days::DayKind::CollectiveLeave => "muted",
                siar_domain::days::DayKind::Library => "run",
                _ => "ok",
            },
            prompt: d.prompt,
        })
        .collect();
    let month = month_label(c.lang, first);
    let own = own_rows(&state, &me).await?;
    page(
        &DaysPage {
            own,
            can_add: me
                .0
                .actor
                .role
                .can(siar_domain::org::Permission::ManageSettings),
            c: &c,
            month,
            prev: prev.format("%Y-%m").to_string(),
            next: next.format("%Y-%m").to_string(),
            days,
        },
        had,
        &state,
    )
}
