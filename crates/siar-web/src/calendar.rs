//! The calendar ("Kalender"): month, week and list views in the
//! organisation's zone with filters; moving a post (drag and drop, keyboard,
//! or a plain form); CSV export and import; queues ("Antrean").

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::i18n;
use crate::middleware::{RequestId, redirect_with_flash, unprocessable};
use crate::pages::{Me, done, page, problems_ctx, staff_ctx};
use crate::publishing::platform_name;
use crate::studio::{Opt, weekday_names};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use axum::{Extension, Form};
use chrono::{Datelike, Months, NaiveDate, TimeZone, Timelike};
use serde::Deserialize;
use siar_app::AppError;
use siar_app::calendar::{self, CalendarFilter, CalendarItem};
use siar_app::studio;
use siar_domain::Timestamp;
use siar_domain::org::{Lang, Permission, UserId};
use siar_domain::studio::{CalState, Category};
use std::collections::HashMap;

#[derive(Deserialize, Default, Clone)]
pub struct CalQuery {
    tampilan: Option<String>,
    tanggal: Option<String>,
    kanal: Option<String>,
    kampanye: Option<String>,
    kategori: Option<String>,
    status: Option<String>,
    penulis: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Month,
    Week,
    List,
}

impl CalQuery {
    fn view(&self) -> View {
        match self.tampilan.as_deref() {
            Some("minggu") => View::Week,
            Some("daftar") => View::List,
            _ => View::Month,
        }
    }

    fn filter(&self) -> CalendarFilter {
        let num = |s: &Option<String>| s.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
        CalendarFilter {
            channel: num(&self.kanal),
            campaign: num(&self.kampanye),
            category: self.kategori.as_deref().and_then(Category::parse),
            state: self.status.as_deref().and_then(CalState::parse),
            author: num(&self.penulis).map(UserId),
        }
    }

    /// The query string of the filters (for links that keep them).
    fn filters_qs(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (k, v) in [
            ("kanal", &self.kanal),
            ("kampanye", &self.kampanye),
            ("kategori", &self.kategori),
            ("status", &self.status),
            ("penulis", &self.penulis),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                pairs.push((k, v));
            }
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

pub struct ItemView {
    pub id: i64,
    pub time: String,
    pub label: String,
    pub channels: String,
    pub tone: &'static str,
    pub state: String,
    pub movable: bool,
    pub href: String,
}

pub struct DayView {
    pub date: String,
    pub day: String,
    pub in_month: bool,
    pub today: bool,
    /// Today or later: a post can still be planned on it.
    pub open: bool,
    pub special: Vec<String>,
    pub items: Vec<ItemView>,
    pub more: usize,
}

pub struct HourRow {
    pub label: String,
    pub hour: u32,
    pub cells: Vec<(String, Vec<ItemView>)>,
}

#[derive(Template)]
#[template(path = "kalender.html")]
struct CalendarPage<'a> {
    c: &'a PageCtx,
    view: &'static str,
    title: String,
    prev: String,
    next: String,
    today: String,
    anchor: String,
    qs: String,
    weekdays: Vec<String>,
    weeks: Vec<Vec<DayView>>,
    week_days: Vec<DayView>,
    hours: Vec<HourRow>,
    list: Vec<(String, ItemView)>,
    channels: Vec<Opt>,
    campaigns: Vec<Opt>,
    categories: Vec<Opt>,
    states: Vec<Opt>,
    authors: Vec<Opt>,
    can_write: bool,
    count: usize,
    zone: String,
}

/// Most posts listed in one day of the month view (the rest are counted).
const PER_DAY: usize = 6;

fn item_view(lang: Lang, tz: chrono_tz::Tz, i: &CalendarItem) -> ItemView {
    let local = i.post.publish_at.to_utc().with_timezone(&tz);
    ItemView {
        id: i.post.id,
        time: local.format("%H:%M").to_string(),
        label: studio::post_label(&i.post),
        channels: i
            .channels
            .iter()
            .map(|c| crate::publishing::channel_name(lang, c))
            .collect::<Vec<_>>()
            .join(", "),
        tone: i.state.tone(),
        state: i18n::t(lang, i.state.label_key()),
        movable: i.state.movable(),
        href: if i.post.status.is_editable() {
            format!("/app/tulis/{}", i.post.id)
        } else {
            format!("/app/posts/{}", i.post.id)
        },
    }
}

fn opts<T: ToString>(items: Vec<(T, String)>, chosen: &Option<String>) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(v, label)| {
            let value = v.to_string();
            Opt {
                selected: chosen.as_deref() == Some(value.as_str()),
                value,
                label,
            }
        })
        .collect()
}

/// Local midnight of `d` in `tz`.
pub(crate) fn ts(tz: chrono_tz::Tz, d: NaiveDate) -> Timestamp {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map(|t| Timestamp(t.timestamp_millis()))
        .unwrap_or(Timestamp(0))
}

fn special_days(lang: Lang, days: Vec<siar_domain::days::Day>) -> HashMap<NaiveDate, Vec<String>> {
    let mut out: HashMap<NaiveDate, Vec<String>> = HashMap::new();
    for d in days {
        out.entry(d.date).or_default().push(match lang {
            Lang::Id => d.name_id,
            Lang::En => d.name_en,
        });
    }
    out
}

pub async fn calendar(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Query(q): Query<CalQuery>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "cal-title", "/app/kalender", &headers, &r);
    let actor = &me.0.actor;
    let lang = c.lang;
    let tz = me.0.org.settings.timezone;
    let today = state.app.now().to_utc().with_timezone(&tz).date_naive();
    let anchor = q
        .tanggal
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or(today);
    let view = q.view();
    let (from, to, prev, next, title) = match view {
        View::Month | View::List => {
            let first = anchor.with_day(1).unwrap_or(anchor);
            let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
            let prev = first.checked_sub_months(Months::new(1)).unwrap_or(first);
            let grid_from =
                first - chrono::Duration::days(i64::from(first.weekday().num_days_from_monday()));
            let last = next.pred_opt().unwrap_or(first);
            let grid_to =
                last + chrono::Duration::days(i64::from(6 - last.weekday().num_days_from_monday()));
            let (from, to) = if view == View::Month {
                (grid_from, grid_to + chrono::Duration::days(1))
            } else {
                (first, next)
            };
            (from, to, prev, next, crate::days::month_label(lang, first))
        }
        View::Week => {
            let monday =
                anchor - chrono::Duration::days(i64::from(anchor.weekday().num_days_from_monday()));
            let sunday = monday + chrono::Duration::days(6);
            (
                monday,
                monday + chrono::Duration::days(7),
                monday - chrono::Duration::days(7),
                monday + chrono::Duration::days(7),
                format!(
                    "{} – {}",
                    monday.format("%d-%m-%Y"),
                    sunday.format("%d-%m-%Y")
                ),
            )
        }
    };
    let items = calendar::items(&state.app, actor, ts(tz, from), ts(tz, to), &q.filter()).await?;
    let mut by_day: HashMap<NaiveDate, Vec<&CalendarItem>> = HashMap::new();
    for i in &items {
        by_day
            .entry(i.post.publish_at.to_utc().with_timezone(&tz).date_naive())
            .or_default()
            .push(i);
    }
    let special = special_days(
        lang,
        studio::days_between(&state.app, actor, from, to).await?,
    );
    let day_view = |d: NaiveDate, limit: usize| {
        let list = by_day.get(&d).cloned().unwrap_or_default();
        DayView {
            date: d.to_string(),
            day: d.day().to_string(),
            in_month: d.month() == anchor.month(),
            today: d == today,
            open: d >= today,
            special: special.get(&d).cloned().unwrap_or_default(),
            more: list.len().saturating_sub(limit),
            items: list
                .iter()
                .take(limit)
                .map(|i| item_view(lang, tz, i))
                .collect(),
        }
    };
    let mut weeks = Vec::new();
    let mut week_days = Vec::new();
    let mut hours = Vec::new();
    let mut list = Vec::new();
    match view {
        View::Month => {
            let mut d = from;
            while d < to {
                let mut week = Vec::new();
                for _ in 0..7 {
                    week.push(day_view(d, PER_DAY));
                    d += chrono::Duration::days(1);
                }
                weeks.push(week);
            }
        }
        View::Week => {
            let days: Vec<NaiveDate> = (0..7).map(|i| from + chrono::Duration::days(i)).collect();
            week_days = days.iter().map(|d| day_view(*d, 0)).collect();
            // Rows from 05:00 to 23:00; earlier posts go in the first row.
            for hour in 5..=23u32 {
                let cells = days
                    .iter()
                    .map(|d| {
                        let its: Vec<ItemView> = by_day
                            .get(d)
                            .map(|v| {
                                v.iter()
                                    .filter(|i| {
                                        let h =
                                            i.post.publish_at.to_utc().with_timezone(&tz).hour();
                                        h == hour || (hour == 5 && h < 5)
                                    })
                                    .map(|i| item_view(lang, tz, i))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (d.to_string(), its)
                    })
                    .collect();
                hours.push(HourRow {
                    label: format!("{hour:02}:00"),
                    hour,
                    cells,
                });
            }
        }
        View::List => {
            for i in &items {
                let local = i.post.publish_at.to_utc().with_timezone(&tz);
                list.push((local.format("%d-%m-%Y").to_string(), item_view(lang, tz, i)));
            }
        }
    }
    let chans = siar_app::channels::list(&state.app, actor).await?;
    let camps = studio::campaigns(&state.app, actor).await?;
    let staff = studio::authors(&state.app, actor).await?;
    let view_name = match view {
        View::Month => "bulan",
        View::Week => "minggu",
        View::List => "daftar",
    };
    let body = CalendarPage {
        c: &c,
        view: view_name,
        title,
        prev: prev.to_string(),
        next: next.to_string(),
        today: today.to_string(),
        anchor: anchor.to_string(),
        qs: q.filters_qs(),
        weekdays: weekday_names(lang),
        weeks,
        week_days,
        hours,
        list,
        channels: opts(
            chans
                .iter()
                .map(|ch| {
                    (
                        ch.id,
                        format!(
                            "{} ({})",
                            crate::publishing::channel_name(lang, ch),
                            ch.handle
                        ),
                    )
                })
                .collect(),
            &q.kanal,
        ),
        campaigns: opts(
            camps.iter().map(|k| (k.id, k.name.clone())).collect(),
            &q.kampanye,
        ),
        categories: opts(
            Category::ALL
                .iter()
                .map(|k| (k.as_str(), i18n::t(lang, k.label_key())))
                .collect(),
            &q.kategori,
        ),
        states: opts(
            CalState::ALL
                .iter()
                .map(|s| (s.as_str(), i18n::t(lang, s.label_key())))
                .collect(),
            &q.status,
        ),
        authors: opts(
            staff
                .iter()
                .map(|(id, name)| (id.0, name.clone()))
                .collect(),
            &q.penulis,
        ),
        can_write: actor.role.can(Permission::Draft),
        count: items.len(),
        zone: siar_domain::time::zone_label(tz).to_string(),
    }
    .render()?;
    Ok(crate::pages::html_page(body, had, &state))
}

/// `POST /app/kalender/pindah`: moves a post to a day (and time). Answers
/// JSON to the calendar's script, a redirect to a form.
pub async fn move_post(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let actor = &me.0.actor;
    let tz = me.0.org.settings.timezone;
    let lang = me.0.lang();
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let back = f
        .get("back")
        .filter(|b| b.starts_with("/app/"))
        .cloned()
        .unwrap_or_else(|| "/app/kalender".into());
    let id: i64 = f
        .get("post")
        .and_then(|v| v.parse().ok())
        .ok_or(WebError(ErrorKind::NotFound))?;
    let date = f
        .get("date")
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
    let post = siar_app::publishing::get(&state.app, actor, id).await?.post;
    let old_local = post.publish_at.to_utc().with_timezone(&tz);
    let time = match f.get("time").map(|t| t.trim()).filter(|t| !t.is_empty()) {
        Some(t) => chrono::NaiveTime::parse_from_str(&t.replace('.', ":"), "%H:%M").ok(),
        None => Some(if post.timed {
            old_local.time()
        } else {
            chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()
        }),
    };
    let at = match (date, time) {
        (Some(d), Some(t)) => tz
            .from_local_datetime(&d.and_time(t))
            .earliest()
            .map(|t| Timestamp(t.timestamp_millis())),
        _ => None,
    };
    let result = match at {
        Some(at) => studio::reschedule(&state.app, actor, id, at).await,
        None => Err(AppError::field("date", "err-datetime")),
    };
    let secure = state.config.secure_cookies;
    match result {
        Ok(()) => {
            if wants_json {
                Ok(axum::Json(serde_json::json!({
                    "ok": true,
                    "message": i18n::t(lang, "cal-moved"),
                }))
                .into_response())
            } else {
                Ok(done(&state, &back, "cal-moved"))
            }
        }
        Err(AppError::Invalid(p)) => {
            let key = p.0.first().map(|e| e.key).unwrap_or("err-datetime");
            if wants_json {
                Ok((
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    axum::Json(serde_json::json!({ "ok": false, "message": i18n::t(lang, key) })),
                )
                    .into_response())
            } else {
                Ok(redirect_with_flash(&back, key, false, secure))
            }
        }
        Err(AppError::Forbidden) if wants_json => Ok((
            axum::http::StatusCode::FORBIDDEN,
            axum::Json(
                serde_json::json!({ "ok": false, "message": i18n::t(lang, "err-cal-forbidden") }),
            ),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// `GET /app/kalender.csv`: the month (or week) shown, as CSV.
pub async fn export(State(state): State<WebState>, me: Me, Query(q): Query<CalQuery>) -> WebResult {
    let tz = me.0.org.settings.timezone;
    let today = state.app.now().to_utc().with_timezone(&tz).date_naive();
    let anchor = q
        .tanggal
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or(today);
    let (from, to) = if q.view() == View::Week {
        let monday =
            anchor - chrono::Duration::days(i64::from(anchor.weekday().num_days_from_monday()));
        (monday, monday + chrono::Duration::days(7))
    } else {
        let first = anchor.with_day(1).unwrap_or(anchor);
        (
            first,
            first.checked_add_months(Months::new(1)).unwrap_or(first),
        )
    };
    let body = calendar::export_csv(
        &state.app,
        &me.0.actor,
        ts(tz, from),
        ts(tz, to),
        &q.filter(),
    )
    .await?;
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"kalender-{}.csv\"",
        from.format("%Y-%m-%d")
    )) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

// ---------------------------------------------------------------- import

pub struct ProblemRow {
    pub row: usize,
    pub column: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "kalender_impor.html")]
struct ImportPage<'a> {
    c: &'a PageCtx,
    csv: String,
    previewed: bool,
    rows: usize,
    valid: usize,
    problems: Vec<ProblemRow>,
    columns: String,
    channels: Vec<String>,
}

fn problem_text(lang: Lang, p: &calendar::RowProblem) -> String {
    if p.key.starts_with("rule-") {
        // detail = "platform|n"
        let mut parts = p.detail.splitn(2, '|');
        let platform = parts
            .next()
            .and_then(siar_domain::channels::Platform::parse)
            .map(|pl| platform_name(lang, pl))
            .unwrap_or_default();
        let n = parts.next().unwrap_or("").to_string();
        return i18n::t_args(lang, p.key, &[("platform", platform), ("n", n)]);
    }
    i18n::t_args(lang, p.key, &[("value", p.detail.clone())])
}

async fn import_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    csv: String,
    preview: Option<&calendar::ImportPreview>,
) -> Result<String, WebError> {
    let chans = siar_app::channels::list(&state.app, &me.0.actor).await?;
    Ok(ImportPage {
        c,
        csv,
        previewed: preview.is_some(),
        rows: preview.map(|p| p.rows).unwrap_or(0),
        valid: preview.map(|p| p.valid.len()).unwrap_or(0),
        problems: preview
            .map(|p| {
                p.problems
                    .iter()
                    .map(|x| ProblemRow {
                        row: x.row,
                        column: x.column.to_string(),
                        text: problem_text(c.lang, x),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        columns: calendar::CSV_COLUMNS[..7].join(","),
        channels: chans.iter().map(calendar::channel_ref).collect(),
    }
    .render()?)
}

pub async fn import_form(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "import-title", "/app/kalender", &headers, &r);
    let body = import_page(&state, &me, &c, String::new(), None).await?;
    Ok(crate::pages::html_page(body, had, &state))
}

/// `POST /app/kalender/impor`: preview (nothing saved) or confirm (the valid
/// rows become drafts).
pub async fn import(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    mp: Multipart,
) -> WebResult {
    let parts = crate::pages::read_multipart(mp, "file").await?;
    let field = |k: &str| {
        parts
            .fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // A chosen file wins over the pasted text.
    let csv = match &parts.file {
        Some((_, bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        None => field("csv"),
    };
    let action = field("action");
    let actor = &me.0.actor;
    if action == "confirm" {
        match calendar::import(&state.app, actor, &csv).await {
            Ok(n) => {
                let key = if n == 0 { "import-none" } else { "import-done" };
                return Ok(done(&state, "/app/tinjauan", key));
            }
            Err(AppError::Invalid(p)) => {
                let c = problems_ctx(&me, "import-title", "/app/kalender", &r, p);
                return Ok(unprocessable(
                    import_page(&state, &me, &c, csv, None).await?,
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    match calendar::preview_import(&state.app, actor, &csv).await {
        Ok(p) => {
            let c = problems_ctx(&me, "import-title", "/app/kalender", &r, Default::default());
            Ok(import_page(&state, &me, &c, csv, Some(&p))
                .await?
                .into_response_html())
        }
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "import-title", "/app/kalender", &r, p);
            Ok(unprocessable(
                import_page(&state, &me, &c, csv, None).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

trait HtmlBody {
    fn into_response_html(self) -> axum::response::Response;
}

impl HtmlBody for String {
    fn into_response_html(self) -> axum::response::Response {
        axum::response::Html(self).into_response()
    }
}

// ---------------------------------------------------------------- queues

pub struct QueueRow {
    pub id: i64,
    pub name: String,
    pub days: Vec<Opt>,
    pub times: String,
    /// The channel's best slots of the last 90 days (Analitik), if known.
    pub suggested: String,
}

#[derive(Template)]
#[template(path = "antrean.html")]
struct QueuePage<'a> {
    c: &'a PageCtx,
    rows: Vec<QueueRow>,
    can_edit: bool,
    zone: String,
}

pub async fn queues(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "queue-title", "/app/kalender", &headers, &r);
    let actor = &me.0.actor;
    let lang = c.lang;
    let slots = calendar::queues(&state.app, actor).await?;
    let chans = siar_app::channels::list(&state.app, actor).await?;
    let names = weekday_names(lang);
    let (_, today) = siar_app::analytics::today(&state.app, actor.org).await?;
    let mut best = std::collections::HashMap::new();
    for ch in &chans {
        let h = siar_app::analytics::heatmap(
            &state.app,
            actor,
            siar_domain::analytics::DayRange::last(today, 90),
            Some(ch.id),
        )
        .await?;
        let text = h
            .best(3)
            .iter()
            .map(|(d, hr, _)| format!("{} {hr:02}:00", crate::analytics::weekday_name(lang, *d)))
            .collect::<Vec<_>>()
            .join(", ");
        best.insert(ch.id, text);
    }
    let rows = chans
        .iter()
        .map(|ch| {
            let mine: Vec<_> = slots.iter().filter(|s| s.channel_id == ch.id).collect();
            let mut minutes: Vec<u32> = mine.iter().map(|s| s.minute).collect();
            minutes.sort_unstable();
            minutes.dedup();
            QueueRow {
                id: ch.id,
                name: format!(
                    "{} ({})",
                    crate::publishing::channel_name(lang, ch),
                    ch.handle
                ),
                days: (1..=7u32)
                    .map(|d| Opt {
                        value: d.to_string(),
                        label: names[(d - 1) as usize].clone(),
                        selected: mine.iter().any(|s| s.weekday == d),
                    })
                    .collect(),
                times: minutes
                    .iter()
                    .map(|m| format!("{:02}:{:02}", m / 60, m % 60))
                    .collect::<Vec<_>>()
                    .join(", "),
                suggested: best.remove(&ch.id).unwrap_or_default(),
            }
        })
        .collect();
    let tz = me.0.org.settings.timezone;
    page(
        &QueuePage {
            c: &c,
            rows,
            can_edit: actor.role.can(Permission::Publish),
            zone: siar_domain::time::zone_label(tz).to_string(),
        },
        had,
        &state,
    )
}

pub async fn save_queue(
    State(state): State<WebState>,
    me: Me,
    Form(f): Form<Vec<(String, String)>>,
) -> WebResult {
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let channel: i64 = get("channel")
        .and_then(|v| v.parse().ok())
        .ok_or(WebError(ErrorKind::NotFound))?;
    let days: Vec<u32> = f
        .iter()
        .filter(|(n, _)| n == "day")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let times = get("times").unwrap_or_default();
    match calendar::set_queue(&state.app, &me.0.actor, channel, &days, &times).await {
        Ok(()) => Ok(done(&state, "/app/antrean", "queue-saved")),
        Err(AppError::Invalid(p)) => {
            let key = p.0.first().map(|e| e.key).unwrap_or("err-queue-time");
            Ok(redirect_with_flash(
                "/app/antrean",
                key,
                false,
                state.config.secure_cookies,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// The next free queue slot for the composer ("add to queue"), as the
/// `datetime-local` value.
pub(crate) async fn next_slot_input(
    state: &WebState,
    me: &Me,
    channels: &[i64],
) -> Result<Option<String>, WebError> {
    let tz = me.0.org.settings.timezone;
    Ok(calendar::next_slot(&state.app, &me.0.actor, channels)
        .await?
        .map(|t| crate::studio::local_input(t, tz)))
}
