//! Laporan bulanan: make a month's PDF report now, download kept ones, and
//! say who receives it by e-mail each month.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::WebResult;
use crate::i18n;
use crate::middleware::{RequestId, unprocessable};
use crate::pages::{Me, done, html_page, staff_ctx};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use axum::{Extension, Form};
use siar_app::AppError;
use siar_app::reports;
use siar_domain::analytics::{DayRange, day_date, day_number};
use siar_domain::org::Permission;
use siar_domain::validate::Problems;
use std::collections::HashMap;

const PATH: &str = "/app/analitik/laporan";

#[derive(Template)]
#[template(path = "analitik-laporan.html")]
struct ReportsPage<'a> {
    c: &'a PageCtx,
    tabs: Vec<(String, String, bool)>,
    months: Vec<(String, String, bool)>,
    reports: Vec<(String, String, String, String, String)>,
    recipients: String,
    can_edit: bool,
    mail_ready: bool,
}

async fn render(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    chosen: Option<String>,
    recipients: Option<String>,
) -> Result<String, crate::error::WebError> {
    let lang = c.lang;
    let tz = me.0.org.settings.timezone;
    let actor = &me.0.actor;
    let (_, today) = siar_app::analytics::today(&state.app, actor.org).await?;
    let this_month = DayRange::month_of(today);
    // The last twelve months, the one just ended first.
    let mut months = Vec::new();
    let mut m = DayRange::month_of(this_month.from - 1);
    for _ in 0..12 {
        let v = day_date(m.from).format("%Y-%m").to_string();
        let on = chosen.as_deref().map_or(months.is_empty(), |c| c == v);
        months.push((v, reports::month_name(&state.app, lang, m), on));
        m = DayRange::month_of(m.from - 1);
    }
    months.insert(
        0,
        (
            day_date(this_month.from).format("%Y-%m").to_string(),
            i18n::t_args(
                lang,
                "rep-so-far",
                &[("month", reports::month_name(&state.app, lang, this_month))],
            ),
            chosen.as_deref()
                == Some(
                    day_date(this_month.from)
                        .format("%Y-%m")
                        .to_string()
                        .as_str(),
                ),
        ),
    );
    let list = reports::list(&state.app, actor).await?;
    let kept = list
        .iter()
        .map(|r| {
            (
                format!("{PATH}/{}", r.id),
                reports::month_name(&state.app, lang, DayRange::month_of(r.month_day)),
                siar_domain::Timestamp(r.created_at).format_in(tz),
                format!("{} KB", (r.bytes + 1023) / 1024),
                if r.sent_to.is_empty() {
                    "—".to_string()
                } else {
                    r.sent_to.clone()
                },
            )
        })
        .collect();
    let recipients = match recipients {
        Some(r) => r,
        None => reports::recipients(&state.app, actor).await?,
    };
    let tabs = [
        ("/app/analitik", "an-tab-summary"),
        ("/app/analitik/konten", "an-tab-content"),
        ("/app/analitik/waktu", "an-tab-time"),
        ("/app/analitik/audiens", "an-tab-audience"),
        (PATH, "an-tab-reports"),
    ]
    .into_iter()
    .map(|(h, k)| (h.to_string(), i18n::t(lang, k), h == PATH))
    .collect();
    Ok(ReportsPage {
        c,
        tabs,
        months,
        reports: kept,
        recipients,
        can_edit: actor.role.can(Permission::ManageSettings),
        mail_ready: state.app.config.mail.is_some(),
    }
    .render()?)
}

pub async fn page(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "rep-page-title", "/app/analitik", &headers, &r);
    let body = render(&state, &me, &c, None, None).await?;
    Ok(html_page(body, had, &state))
}

fn refused(me: &Me, r: &Option<Extension<RequestId>>, p: Problems) -> PageCtx {
    crate::pages::problems_ctx(me, "rep-page-title", "/app/analitik", r, p)
}

/// `POST /app/analitik/laporan`: makes the chosen month's report now.
pub async fn make(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let raw = f.get("bulan").cloned().unwrap_or_default();
    let day = chrono::NaiveDate::parse_from_str(&format!("{}-01", raw.trim()), "%Y-%m-%d")
        .ok()
        .map(day_number);
    let Some(day) = day else {
        let p = match AppError::field("bulan", "rep-err-month") {
            AppError::Invalid(p) => p,
            _ => Problems::default(),
        };
        let c = refused(&me, &r, p);
        return Ok(unprocessable(
            render(&state, &me, &c, Some(raw), None).await?,
        ));
    };
    reports::generate(&state.app, &me.0.actor, day).await?;
    Ok(done(&state, PATH, "rep-made-flash"))
}

/// `GET /app/analitik/laporan/{id}`: the PDF.
pub async fn download(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    let (month_day, pdf) = reports::pdf(&state.app, &me.0.actor, id).await?;
    let mut resp = pdf.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    let name = format!("laporan-{}.pdf", day_date(month_day).format("%Y-%m"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// `POST /app/analitik/laporan/penerima`: who receives the monthly e-mail.
pub async fn save_recipients(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let input = f.get("recipients").cloned().unwrap_or_default();
    match reports::set_recipients(&state.app, &me.0.actor, &input).await {
        Ok(()) => Ok(done(&state, PATH, "rep-recipients-saved")),
        Err(AppError::Invalid(p)) => {
            let c = refused(&me, &r, p);
            Ok(unprocessable(
                render(&state, &me, &c, None, Some(input)).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
