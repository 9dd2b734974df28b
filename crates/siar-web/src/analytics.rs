//! Analitik: the summary against the previous period, content (categories,
//! hashtags, campaigns, best and weakest posts), the best time to post, the
//! audience, one post's numbers, and CSV of every table. Charts are SVG made
//! on the server (charts-rs) with a title for screen readers and the same
//! numbers in a table beside them.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{WebError, WebResult};
use crate::i18n;
use crate::middleware::{RequestId, unprocessable};
use crate::pages::{Me, html_page, staff_ctx};
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use siar_app::AppError;
use siar_app::analytics::{self as an, LineFilter, PostLine, Rank};
use siar_domain::analytics::{self as dom, DayRange, Metric, Totals, day_date};
use siar_domain::org::Lang;
use siar_domain::studio::Category;

// ---------------------------------------------------------------- formatting

pub(crate) use siar_app::reports::{num, pct};

fn dec(lang: Lang, v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(x) => {
            let s = format!("{x:.1}");
            if lang == Lang::Id {
                s.replace('.', ",")
            } else {
                s
            }
        }
    }
}

/// The change against the previous period: text and tone (up, down, flat).
fn delta(lang: Lang, now: Option<f64>, before: Option<f64>) -> (String, &'static str) {
    match dom::change(now, before) {
        None => (String::new(), ""),
        Some(c) if c.abs() < 0.005 => ("±0%".into(), "flat"),
        Some(c) => {
            let s = pct(lang, Some(c.abs()));
            if c > 0.0 {
                (format!("▲ {s}"), "up")
            } else {
                (format!("▼ {s}"), "down")
            }
        }
    }
}

fn category_label(lang: Lang, key: &str) -> String {
    match Category::parse(key) {
        Some(c) => i18n::t(lang, c.label_key()),
        None => i18n::t(lang, "an-no-category"),
    }
}

fn day_label(d: i32) -> String {
    day_date(d).format("%d/%m").to_string()
}

// ---------------------------------------------------------------- charts

/// An accessible SVG: `role="img"`, a title and a description.
fn accessible<E: std::fmt::Display>(svg: Result<String, E>, title: &str, desc: &str) -> String {
    match svg {
        Ok(s) => charts_rs::svg_with_accessibility(&s, title, desc),
        Err(e) => {
            tracing::warn!("chart not drawn: {e}");
            String::new()
        }
    }
}

fn line_chart(
    title: &str,
    desc: &str,
    labels: Vec<String>,
    series: Vec<(String, Vec<f32>)>,
) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let mut c = charts_rs::LineChart::new(
        series
            .into_iter()
            .map(|(n, v)| (n.as_str(), v).into())
            .collect(),
        labels,
    );
    c.width = 640.0;
    c.height = 260.0;
    accessible(c.svg(), title, desc)
}

fn bar_chart(title: &str, desc: &str, labels: Vec<String>, name: &str, values: Vec<f32>) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let rows = labels.len();
    let mut c = charts_rs::HorizontalBarChart::new(vec![(name, values).into()], labels);
    c.width = 640.0;
    c.height = 80.0 + 28.0 * rows as f32;
    accessible(c.svg(), title, desc)
}

// ---------------------------------------------------------------- range

#[derive(serde::Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    pub hari: String,
    #[serde(default)]
    pub dari: String,
    #[serde(default)]
    pub sampai: String,
    #[serde(default)]
    pub kanal: String,
    #[serde(default)]
    pub kategori: String,
    #[serde(default)]
    pub urut: String,
}

/// The range asked for: typed dates, else the last 7/28/90 days (28 by
/// default). A bad range is a message key for the `dari` field.
fn range_of(today: i32, q: &RangeQuery) -> Result<DayRange, &'static str> {
    if !q.dari.trim().is_empty() || !q.sampai.trim().is_empty() {
        return DayRange::parse(&q.dari, &q.sampai);
    }
    let days = match q.hari.trim() {
        "7" => 7,
        "90" => 90,
        _ => 28,
    };
    Ok(DayRange::last(today, days))
}

/// The range form's state, shared by every page.
pub struct RangeView {
    pub dari: String,
    pub sampai: String,
    pub label: String,
    pub previous: String,
    /// Query string to keep the range in links (`dari=…&sampai=…`).
    pub qs: String,
    pub presets: Vec<(String, String, bool)>,
}

fn range_view(lang: Lang, r: &DayRange, q: &RangeQuery, base: &str) -> RangeView {
    let f = |d: i32| day_date(d).format("%Y-%m-%d").to_string();
    let custom = !q.dari.trim().is_empty() || !q.sampai.trim().is_empty();
    RangeView {
        dari: if custom {
            q.dari.trim().into()
        } else {
            f(r.from)
        },
        sampai: if custom {
            q.sampai.trim().into()
        } else {
            f(r.to)
        },
        label: r.label(),
        previous: r.previous().label(),
        qs: format!("dari={}&sampai={}", f(r.from), f(r.to)),
        presets: [7, 28, 90]
            .into_iter()
            .map(|n| {
                (
                    format!("{base}?hari={n}"),
                    i18n::t_args(lang, "an-last-days", &[("n", n.to_string())]),
                    !custom && r.days() == n,
                )
            })
            .collect(),
    }
}

async fn resolve(
    state: &WebState,
    me: &Me,
    q: &RangeQuery,
) -> Result<(DayRange, Option<&'static str>), WebError> {
    let (_, today) = an::today(&state.app, me.0.actor.org).await?;
    Ok(match range_of(today, q) {
        Ok(r) => (r, None),
        Err(k) => (DayRange::last(today, 28), Some(k)),
    })
}

fn tabs(lang: Lang, active: &str, qs: &str) -> Vec<(String, String, bool)> {
    [
        ("/app/analitik", "an-tab-summary"),
        ("/app/analitik/konten", "an-tab-content"),
        ("/app/analitik/waktu", "an-tab-time"),
        ("/app/analitik/audiens", "an-tab-audience"),
        ("/app/analitik/laporan", "an-tab-reports"),
    ]
    .into_iter()
    .map(|(href, key)| {
        let link = if href.ends_with("audiens") || href.ends_with("laporan") {
            href.to_string()
        } else {
            format!("{href}?{qs}")
        };
        (link, i18n::t(lang, key), href == active)
    })
    .collect()
}

// ---------------------------------------------------------------- summary

pub struct Card {
    pub label: String,
    pub value: String,
    pub change: String,
    pub tone: &'static str,
    pub help: String,
}

pub struct ChannelRow {
    pub name: String,
    pub platform: String,
    pub followers: String,
    pub followers_change: String,
    pub views: String,
    pub reach: String,
    pub engagements: String,
    pub rate: String,
    pub clicks: String,
    pub posts: String,
    pub rate_change: String,
    pub tone: &'static str,
    pub participations: String,
}

#[derive(Template)]
#[template(path = "analitik.html")]
struct SummaryPage<'a> {
    c: &'a PageCtx,
    tabs: Vec<(String, String, bool)>,
    range: RangeView,
    action: &'static str,
    empty: bool,
    cards: Vec<Card>,
    channels: Vec<ChannelRow>,
    daily_svg: String,
    daily_rows: Vec<(String, String, String)>,
    follower_svg: String,
    follower_rows: Vec<(String, String)>,
    help: Vec<(String, String)>,
    advice: Vec<String>,
    /// (kind label, period, change)
    participations: Vec<(String, String, String)>,
}

fn known_f(k: dom::Known) -> Option<f64> {
    k.value().map(|v| v as f64)
}

fn cards(lang: Lang, ov: &an::Overview) -> Vec<Card> {
    let t = |k: &str| i18n::t(lang, k);
    let mk = |label: String, value: String, now: Option<f64>, before: Option<f64>, help: String| {
        let (change, tone) = delta(lang, now, before);
        Card {
            label,
            value,
            change,
            tone,
            help,
        }
    };
    let (n, b) = (&ov.total, &ov.total_before);
    vec![
        mk(
            t("an-followers"),
            num(lang, ov.followers.0),
            ov.followers.0.map(|v| v as f64),
            ov.followers.1.map(|v| v as f64),
            t("an-h-followers"),
        ),
        mk(
            t("an-m-views"),
            num(lang, n.views.value()),
            known_f(n.views),
            known_f(b.views),
            t("an-h-views"),
        ),
        mk(
            t("an-m-reach"),
            num(lang, n.reach.value()),
            known_f(n.reach),
            known_f(b.reach),
            t("an-h-reach"),
        ),
        mk(
            t("an-engagements"),
            num(lang, n.engagements.value()),
            known_f(n.engagements),
            known_f(b.engagements),
            t("an-h-engagements"),
        ),
        mk(
            t("an-rate"),
            pct(lang, n.rate()),
            n.rate(),
            b.rate(),
            t("an-h-rate"),
        ),
        mk(
            t("an-link-clicks"),
            num(lang, Some(ov.link_clicks.0)),
            Some(ov.link_clicks.0 as f64),
            Some(ov.link_clicks.1 as f64),
            t("an-h-link-clicks"),
        ),
        mk(
            t("an-posts"),
            num(lang, Some(n.posts)),
            Some(n.posts as f64),
            Some(b.posts as f64),
            t("an-h-posts"),
        ),
        {
            let now: i64 = ov.participations.iter().map(|p| p.1).sum();
            let before: i64 = ov.participations.iter().map(|p| p.2).sum();
            mk(
                t("an-participations"),
                num(lang, Some(now)),
                Some(now as f64),
                Some(before as f64),
                t("an-h-participations"),
            )
        },
    ]
}

/// The label of a kind of portal participation.
pub(crate) fn conversion_key(kind: &str) -> &'static str {
    match kind {
        "signup" => "an-conv-signup",
        "poll" => "an-conv-poll",
        "challenge" => "an-conv-challenge",
        "quiz" => "an-conv-quiz",
        "survey" => "an-conv-survey",
        _ => "an-conv-other",
    }
}

pub async fn summary(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (mut c, had) = staff_ctx(&me, "an-title", "/app/analitik", &headers, &r);
    let lang = c.lang;
    let (range, bad) = resolve(&state, &me, &q).await?;
    if let Some(k) = bad {
        c.problems = field_problem(k);
    }
    let ov = an::overview(&state.app, &me.0.actor, range).await?;
    let empty = !an::has_numbers(&state.app, me.0.actor.org).await?;
    let t = |k: &str| i18n::t(lang, k);
    let channels = ov
        .channels
        .iter()
        .map(|f| {
            let (rate_change, tone) = delta(lang, f.now.rate(), f.before.rate());
            let (fc, _) = delta(
                lang,
                f.followers.0.map(|v| v as f64),
                f.followers.1.map(|v| v as f64),
            );
            ChannelRow {
                name: f.channel.name.clone(),
                platform: Some(t(f.channel.platform.name_key()))
                    .filter(|p| *p != f.channel.name)
                    .unwrap_or_default(),
                followers: num(lang, f.followers.0),
                followers_change: fc,
                views: num(lang, f.now.views.value().or(f.account_views)),
                reach: num(lang, f.now.reach.value().or(f.account_reach)),
                engagements: num(lang, f.now.engagements.value()),
                rate: pct(lang, f.now.rate()),
                clicks: num(lang, Some(f.link_clicks.0)),
                posts: num(lang, Some(f.now.posts)),
                rate_change,
                tone,
                participations: num(lang, Some(f.participations.0)),
            }
        })
        .collect();
    let daily: Vec<(i32, Totals)> = ov.series.clone();
    let daily_rows = daily
        .iter()
        .map(|(d, tt)| {
            (
                day_date(*d).format("%Y-%m-%d").to_string(),
                num(lang, Some(tt.posts)),
                num(lang, tt.engagements.value()),
            )
        })
        .collect();
    let daily_svg = line_chart(
        &t("an-chart-daily"),
        &t("an-chart-daily-desc"),
        daily.iter().map(|(d, _)| day_label(*d)).collect(),
        vec![(
            t("an-engagements"),
            daily
                .iter()
                .map(|(_, tt)| tt.engagements.sum as f32)
                .collect(),
        )],
    );
    let follower_svg = line_chart(
        &t("an-chart-followers"),
        &t("an-chart-followers-desc"),
        ov.follower_series
            .iter()
            .map(|(d, _)| day_label(*d))
            .collect(),
        vec![(
            t("an-followers"),
            ov.follower_series.iter().map(|(_, v)| *v as f32).collect(),
        )],
    );
    let follower_rows = ov
        .follower_series
        .iter()
        .map(|(d, v)| {
            (
                day_date(*d).format("%Y-%m-%d").to_string(),
                num(lang, Some(*v)),
            )
        })
        .collect();
    let help = Metric::ALL
        .iter()
        .map(|m| (t(m.name_key()), t(m.help_key())))
        .collect();
    let findings = an::findings(&state.app, &me.0.actor, &ov).await?;
    let advice = dom::recommend(&findings)
        .iter()
        .map(|a| {
            let args: Vec<(&str, String)> = a
                .args
                .iter()
                .map(|(k, v)| {
                    let v = match *k {
                        "category" | "worst" => category_label(lang, v),
                        _ => siar_app::reports::localise(lang, v),
                    };
                    (*k, v)
                })
                .collect();
            i18n::t_args(lang, a.key, &args)
        })
        .collect();
    let range_v = range_view(lang, &range, &q, "/app/analitik");
    let page = SummaryPage {
        advice,
        c: &c,
        tabs: tabs(lang, "/app/analitik", &range_v.qs),
        range: range_v,
        action: "/app/analitik",
        empty,
        cards: cards(lang, &ov),
        channels,
        daily_svg,
        daily_rows,
        follower_svg,
        follower_rows,
        help,
        participations: ov
            .participations
            .iter()
            .map(|(k, now, before)| {
                (
                    t(conversion_key(k)),
                    num(lang, Some(*now)),
                    delta(lang, Some(*now as f64), Some(*before as f64)).0,
                )
            })
            .collect(),
    };
    let body = page.render()?;
    if bad.is_some() {
        return Ok(unprocessable(body));
    }
    Ok(html_page(body, had, &state))
}

fn field_problem(key: &'static str) -> siar_domain::validate::Problems {
    match AppError::field("dari", key) {
        AppError::Invalid(p) => p,
        _ => Default::default(),
    }
}

// ---------------------------------------------------------------- content

pub struct GroupRow {
    pub name: String,
    pub posts: String,
    pub engagements: String,
    pub per_post: String,
    pub rate: String,
    pub views: String,
}

fn group_row(lang: Lang, name: String, t: &Totals) -> GroupRow {
    GroupRow {
        name,
        posts: num(lang, Some(t.posts)),
        engagements: num(lang, t.engagements.value()),
        per_post: dec(lang, t.per_post()),
        rate: pct(lang, t.rate()),
        views: num(lang, t.views.value()),
    }
}

pub struct PostRow {
    pub href: String,
    pub text: String,
    pub channel: String,
    pub when: String,
    pub engagements: String,
    pub rate: String,
    pub views: String,
    pub note: String,
}

fn post_row(
    lang: Lang,
    l: &PostLine,
    chans: &[siar_domain::channels::Channel],
    tz: chrono_tz::Tz,
) -> PostRow {
    let text = l
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| l.text.clone());
    let short: String = text.chars().take(90).collect();
    PostRow {
        href: format!("/app/analitik/pos/{}", l.tracked.post_id),
        text: if text.chars().count() > 90 {
            format!("{short}…")
        } else {
            short
        },
        channel: chans
            .iter()
            .find(|c| c.id == l.tracked.channel_id)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        when: l.tracked.published_at.format_in(tz),
        engagements: num(lang, l.tracked.latest.engagements()),
        rate: pct(
            lang,
            dom::rate(l.tracked.latest.engagements(), l.tracked.base.map(|b| b.0)),
        ),
        views: num(lang, l.tracked.latest.views),
        note: l
            .tracked
            .note
            .clone()
            .filter(|n| n != "—")
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "analitik-konten.html")]
struct ContentPage<'a> {
    c: &'a PageCtx,
    tabs: Vec<(String, String, bool)>,
    range: RangeView,
    action: &'static str,
    categories: Vec<GroupRow>,
    category_svg: String,
    hashtags: Vec<GroupRow>,
    campaigns: Vec<GroupRow>,
    lists: Vec<(String, Vec<PostRow>)>,
    channel_opts: Vec<(String, String, bool)>,
    category_opts: Vec<(String, String, bool)>,
    rank_opts: Vec<(String, String, bool)>,
}

fn filter_of(q: &RangeQuery) -> LineFilter {
    LineFilter {
        channel: q.kanal.trim().parse().ok(),
        category: Category::parse(&q.kategori).map(|c| c.as_str().to_string()),
        campaign: None,
    }
}

pub async fn content(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (mut c, had) = staff_ctx(&me, "an-content-title", "/app/analitik", &headers, &r);
    let lang = c.lang;
    let (range, bad) = resolve(&state, &me, &q).await?;
    if let Some(k) = bad {
        c.problems = field_problem(k);
    }
    let actor = &me.0.actor;
    let t = |k: &str| i18n::t(lang, k);
    let tz = me.0.org.settings.timezone;
    let f = filter_of(&q);
    let cats = an::by_category(&state.app, actor, range, f.channel).await?;
    let all = an::lines(
        &state.app,
        actor,
        range,
        &LineFilter {
            channel: f.channel,
            ..Default::default()
        },
    )
    .await?;
    let filtered: Vec<PostLine> = all
        .iter()
        .filter(|l| f.category.as_ref().is_none_or(|c| &l.tracked.category == c))
        .cloned()
        .collect();
    let tags = an::by_hashtag(&filtered);
    let camps = an::by_campaign(&state.app, actor, range).await?;
    let chans = siar_app::channels::list(&state.app, actor).await?;
    let rank = Rank::parse(&q.urut);
    let category_svg = bar_chart(
        &t("an-chart-categories"),
        &t("an-chart-categories-desc"),
        cats.iter().map(|(k, _)| category_label(lang, k)).collect(),
        &t("an-per-post"),
        cats.iter()
            .map(|(_, x)| x.per_post().unwrap_or(0.0) as f32)
            .collect(),
    );
    let range_v = range_view(lang, &range, &q, "/app/analitik/konten");
    let page = ContentPage {
        c: &c,
        tabs: tabs(lang, "/app/analitik/konten", &range_v.qs),
        range: range_v,
        action: "/app/analitik/konten",
        categories: cats
            .iter()
            .map(|(k, x)| group_row(lang, category_label(lang, k), x))
            .collect(),
        category_svg,
        hashtags: tags
            .iter()
            .take(30)
            .map(|(k, x)| group_row(lang, k.clone(), x))
            .collect(),
        campaigns: camps
            .iter()
            .map(|(cp, x)| group_row(lang, cp.name.clone(), x))
            .collect(),
        lists: [(t("an-top"), true), (t("an-bottom"), false)]
            .into_iter()
            .map(|(title, best)| {
                (
                    title,
                    an::ranked(&filtered, rank, best, 10)
                        .iter()
                        .map(|l| post_row(lang, l, &chans, tz))
                        .collect(),
                )
            })
            .collect(),
        channel_opts: std::iter::once((String::new(), t("an-all-channels"), f.channel.is_none()))
            .chain(
                chans
                    .iter()
                    .map(|ch| (ch.id.to_string(), ch.name.clone(), f.channel == Some(ch.id))),
            )
            .collect(),
        category_opts: std::iter::once((
            String::new(),
            t("an-all-categories"),
            f.category.is_none(),
        ))
        .chain(Category::ALL.iter().map(|k| {
            (
                k.as_str().to_string(),
                t(k.label_key()),
                f.category.as_deref() == Some(k.as_str()),
            )
        }))
        .collect(),
        rank_opts: [Rank::Engagements, Rank::Rate, Rank::Views]
            .into_iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    t(&format!("an-rank-{}", k.as_str())),
                    k == rank,
                )
            })
            .collect(),
    };
    let body = page.render()?;
    if bad.is_some() {
        return Ok(unprocessable(body));
    }
    Ok(html_page(body, had, &state))
}

// ---------------------------------------------------------------- best time

pub struct HeatRowView {
    pub day: String,
    pub cells: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "analitik-waktu.html")]
struct TimePage<'a> {
    c: &'a PageCtx,
    tabs: Vec<(String, String, bool)>,
    range: RangeView,
    action: &'static str,
    hours: Vec<String>,
    rows: Vec<HeatRowView>,
    best: Vec<String>,
    posts: String,
}

pub(crate) fn weekday_name(lang: Lang, d: u8) -> String {
    i18n::t(lang, &format!("an-wd-{d}"))
}

pub async fn time(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (mut c, had) = staff_ctx(&me, "an-time-title", "/app/analitik", &headers, &r);
    let lang = c.lang;
    let (mut range, bad) = resolve(&state, &me, &q).await?;
    if let Some(k) = bad {
        c.problems = field_problem(k);
    }
    // The best time needs a longer look than a week by default.
    if q.dari.is_empty() && q.sampai.is_empty() && q.hari.is_empty() {
        range = DayRange::last(range.to, 90);
    }
    let h = an::heatmap(&state.app, &me.0.actor, range, q.kanal.trim().parse().ok()).await?;
    let levels = h.levels();
    let rows = (0..7u8)
        .map(|d| HeatRowView {
            day: weekday_name(lang, d),
            cells: (0..24usize)
                .map(|hr| {
                    let cell = h.cells[usize::from(d)][hr];
                    let class = match levels[usize::from(d)][hr] {
                        Some(l) => format!("heat l{l}"),
                        None if cell.posts > 0 => "heat few".into(),
                        None => "heat none".into(),
                    };
                    let text = if cell.posts == 0 {
                        String::new()
                    } else {
                        pct(lang, cell.rate())
                    };
                    let title = i18n::t_args(
                        lang,
                        "an-heat-cell",
                        &[
                            ("day", weekday_name(lang, d)),
                            ("hour", format!("{hr:02}.00")),
                            ("posts", cell.posts.to_string()),
                            ("rate", pct(lang, cell.rate())),
                        ],
                    );
                    (class, text, title)
                })
                .collect(),
        })
        .collect();
    let best = h
        .best(3)
        .iter()
        .map(|(d, hr, rt)| {
            i18n::t_args(
                lang,
                "an-best-slot",
                &[
                    ("day", weekday_name(lang, *d)),
                    ("hour", format!("{hr:02}.00")),
                    ("rate", pct(lang, Some(*rt))),
                ],
            )
        })
        .collect();
    let range_v = range_view(lang, &range, &q, "/app/analitik/waktu");
    let page = TimePage {
        c: &c,
        tabs: tabs(lang, "/app/analitik/waktu", &range_v.qs),
        range: range_v,
        action: "/app/analitik/waktu",
        hours: (0..24).map(|h| format!("{h:02}")).collect(),
        rows,
        best,
        posts: num(lang, Some(h.posts())),
    };
    let body = page.render()?;
    if bad.is_some() {
        return Ok(unprocessable(body));
    }
    Ok(html_page(body, had, &state))
}

// ---------------------------------------------------------------- audience

/// A breakdown's title and its rows: (label, share as text, share 0–100).
pub type AudienceGroup = (String, Vec<(String, String, u32)>);

pub struct AudienceView {
    pub name: String,
    pub platform: String,
    pub can: bool,
    pub note: String,
    pub read_at: String,
    pub groups: Vec<AudienceGroup>,
    pub hints: Vec<String>,
}

#[derive(Template)]
#[template(path = "analitik-audiens.html")]
struct AudiencePage<'a> {
    c: &'a PageCtx,
    tabs: Vec<(String, String, bool)>,
    channels: Vec<AudienceView>,
}

pub async fn audience(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "an-audience-title", "/app/analitik", &headers, &r);
    let lang = c.lang;
    let tz = me.0.org.settings.timezone;
    let t = |k: &str| i18n::t(lang, k);
    let list = an::audiences(&state.app, &me.0.actor).await?;
    let label = |b: dom::Breakdown, l: &str| match b {
        dom::Breakdown::Gender => t(&format!("an-gender-{l}")),
        _ => l.to_string(),
    };
    let channels = list
        .iter()
        .map(|a| {
            let group = |b: dom::Breakdown, v: &[dom::Bucket]| {
                (
                    t(&format!("an-breakdown-{}", b.as_str())),
                    v.iter()
                        .take(10)
                        .map(|x| {
                            (
                                label(b, &x.label),
                                pct(lang, Some(x.share)),
                                (x.share * 100.0).round() as u32,
                            )
                        })
                        .collect::<Vec<_>>(),
                )
            };
            AudienceView {
                name: a.channel.name.clone(),
                platform: t(a.channel.platform.name_key()),
                can: dom::has_demographics(a.channel.platform),
                note: a.note.clone().unwrap_or_default(),
                read_at: a.read_at.map(|x| x.format_in(tz)).unwrap_or_default(),
                groups: [
                    group(dom::Breakdown::Age, &a.age),
                    group(dom::Breakdown::Gender, &a.gender),
                    group(dom::Breakdown::City, &a.city),
                ]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .collect(),
                hints: a
                    .hints
                    .iter()
                    .map(|h| i18n::t_args(lang, h.key, &h.args))
                    .collect(),
            }
        })
        .collect();
    let page = AudiencePage {
        c: &c,
        tabs: tabs(lang, "/app/analitik/audiens", ""),
        channels,
    };
    Ok(html_page(page.render()?, had, &state))
}

// ---------------------------------------------------------------- one post

pub struct PostChannelView {
    pub name: String,
    pub permalink: String,
    pub numbers: Vec<(String, String)>,
    pub rate: String,
    pub basis: String,
    pub note: String,
    pub svg: String,
    pub readings: Vec<(String, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "analitik-pos.html")]
struct PostPage<'a> {
    c: &'a PageCtx,
    text: String,
    when: String,
    heads: Vec<String>,
    channels: Vec<PostChannelView>,
    /// Portal participations the post brought: (label key, count).
    participations: Vec<(&'static str, i64)>,
}

pub async fn post(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    Path(id): Path<i64>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "an-post-title", "/app/analitik", &headers, &r);
    let lang = c.lang;
    let tz = me.0.org.settings.timezone;
    let t = |k: &str| i18n::t(lang, k);
    let figs = an::post(&state.app, &me.0.actor, id).await?;
    let p = siar_app::publishing::get(&state.app, &me.0.actor, id).await?;
    let channels = figs
        .iter()
        .map(|f| {
            let m = f.tracked.latest;
            let mut numbers: Vec<(String, String)> = Metric::ALL
                .iter()
                .map(|k| (t(k.name_key()), num(lang, m.get(*k))))
                .collect();
            numbers.push((t("an-link-clicks"), num(lang, Some(f.link_clicks))));
            let labels: Vec<String> = f.readings.iter().map(|(at, _)| at.format_in(tz)).collect();
            let svg = line_chart(
                &t("an-chart-post"),
                &t("an-chart-post-desc"),
                labels.clone(),
                vec![(
                    t("an-engagements"),
                    f.readings
                        .iter()
                        .map(|(_, r)| r.engagements().unwrap_or(0) as f32)
                        .collect(),
                )],
            );
            PostChannelView {
                name: f.channel.name.clone(),
                permalink: f.tracked.remote_id.clone(),
                numbers,
                rate: pct(
                    lang,
                    dom::rate(m.engagements(), f.tracked.base.map(|b| b.0)),
                ),
                basis: f
                    .tracked
                    .base
                    .map(|b| t(&format!("an-basis-{}", b.1.as_str())))
                    .unwrap_or_default(),
                note: f
                    .tracked
                    .note
                    .clone()
                    .filter(|n| n != "—")
                    .unwrap_or_default(),
                svg,
                readings: f
                    .readings
                    .iter()
                    .map(|(at, r)| {
                        (
                            at.format_in(tz),
                            Metric::ALL.iter().map(|k| num(lang, r.get(*k))).collect(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let participations = siar_app::programs::participations_of_post(&state.app, &me.0.actor, id)
        .await?
        .into_iter()
        .map(|(kind, n)| (conversion_key(&kind), n))
        .collect();
    let page = PostPage {
        c: &c,
        text: p.post.text.clone(),
        when: p.post.publish_at.format_in(tz),
        heads: Metric::ALL.iter().map(|k| t(k.name_key())).collect(),
        channels,
        participations,
    };
    Ok(html_page(page.render()?, had, &state))
}

// ---------------------------------------------------------------- CSV

fn csv_response(name: &str, rows: Vec<Vec<String>>) -> WebResult {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        // Cells starting like a formula are neutralised for spreadsheets.
        let r: Vec<String> = r
            .into_iter()
            .map(|c| {
                if c.starts_with(['=', '+', '-', '@']) && c.parse::<f64>().is_err() {
                    format!("'{c}")
                } else {
                    c
                }
            })
            .collect();
        w.write_record(&r)
            .map_err(|e| WebError::from(AppError::Internal(e.to_string())))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| WebError::from(AppError::Internal(e.to_string())))?;
    let mut r = bytes.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

fn opt(v: Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn optf(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

fn totals_cells(x: &Totals) -> Vec<String> {
    vec![
        x.posts.to_string(),
        opt(x.views.value()),
        opt(x.reach.value()),
        opt(x.engagements.value()),
        optf(x.per_post()),
        optf(x.rate()),
    ]
}

/// `GET /app/analitik/{table}.csv`: kanal, kategori, tagar, kampanye, pos,
/// waktu. Missing numbers are empty cells, never 0.
pub async fn csv_table(
    State(state): State<WebState>,
    me: Me,
    Path(table): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Response, WebError> {
    let lang = me.0.lang();
    let t = |k: &str| i18n::t(lang, k);
    let (range, bad) = resolve(&state, &me, &q).await?;
    if let Some(k) = bad {
        return Err(AppError::field("dari", k).into());
    }
    let actor = &me.0.actor;
    let group_head = |first: &str| {
        vec![
            t(first),
            t("an-posts"),
            t("an-m-views"),
            t("an-m-reach"),
            t("an-engagements"),
            t("an-per-post"),
            t("an-rate"),
        ]
    };
    let name = table.trim_end_matches(".csv").to_string();
    let f = filter_of(&q);
    let rows: Vec<Vec<String>> = match name.as_str() {
        "kanal" => {
            let ov = an::overview(&state.app, actor, range).await?;
            let mut rows = vec![{
                let mut h = group_head("an-channel");
                h.insert(1, t("an-followers"));
                h.push(t("an-link-clicks"));
                h
            }];
            for c in &ov.channels {
                let mut r = vec![c.channel.name.clone(), opt(c.followers.0)];
                r.extend(totals_cells(&c.now));
                r.push(c.link_clicks.0.to_string());
                rows.push(r);
            }
            rows
        }
        "kategori" => {
            let mut rows = vec![group_head("an-category")];
            for (k, x) in an::by_category(&state.app, actor, range, f.channel).await? {
                let mut r = vec![category_label(lang, &k)];
                r.extend(totals_cells(&x));
                rows.push(r);
            }
            rows
        }
        "tagar" => {
            let lines = an::lines(&state.app, actor, range, &f).await?;
            let mut rows = vec![group_head("an-hashtag")];
            for (k, x) in an::by_hashtag(&lines) {
                let mut r = vec![k];
                r.extend(totals_cells(&x));
                rows.push(r);
            }
            rows
        }
        "kampanye" => {
            let mut rows = vec![group_head("an-campaign")];
            for (cp, x) in an::by_campaign(&state.app, actor, range).await? {
                let mut r = vec![cp.name];
                r.extend(totals_cells(&x));
                rows.push(r);
            }
            rows
        }
        "pos" => {
            let tz = me.0.org.settings.timezone;
            let chans = siar_app::channels::list(&state.app, actor).await?;
            let mut head = vec![t("an-published"), t("an-channel"), t("an-text")];
            head.extend(Metric::ALL.iter().map(|m| t(m.name_key())));
            head.extend([t("an-engagements"), t("an-rate"), t("an-note")]);
            let mut rows = vec![head];
            for l in an::lines(&state.app, actor, range, &f).await? {
                let m = l.tracked.latest;
                let mut r = vec![
                    l.tracked.published_at.format_in(tz),
                    chans
                        .iter()
                        .find(|c| c.id == l.tracked.channel_id)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    l.text.clone(),
                ];
                r.extend(Metric::ALL.iter().map(|k| opt(m.get(*k))));
                r.push(opt(m.engagements()));
                r.push(optf(dom::rate(
                    m.engagements(),
                    l.tracked.base.map(|b| b.0),
                )));
                r.push(
                    l.tracked
                        .note
                        .clone()
                        .filter(|n| n != "—")
                        .unwrap_or_default(),
                );
                rows.push(r);
            }
            rows
        }
        "waktu" => {
            let h = an::heatmap(&state.app, actor, range, f.channel).await?;
            let mut rows = vec![vec![
                t("an-weekday"),
                t("an-hour"),
                t("an-posts"),
                t("an-rate"),
            ]];
            for d in 0..7u8 {
                for hr in 0..24usize {
                    let cell = h.cells[usize::from(d)][hr];
                    if cell.posts > 0 {
                        rows.push(vec![
                            weekday_name(lang, d),
                            format!("{hr:02}.00"),
                            cell.posts.to_string(),
                            optf(cell.rate()),
                        ]);
                    }
                }
            }
            rows
        }
        _ => return Err(AppError::NotFound.into()),
    };
    let f = |d: i32| day_date(d).format("%Y-%m-%d").to_string();
    csv_response(
        &format!("analitik-{name}-{}-{}", f(range.from), f(range.to)),
        rows,
    )
}
