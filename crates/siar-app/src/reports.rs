//! The monthly report (Laporan bulanan) for the head of the library: a PDF in
//! the organisation's language with its name and logo, key figures against
//! the month before, charts, the best posts with thumbnails, campaigns, inbox
//! response times and recommendations derived from the data. Made on demand
//! and by the analytics round on the 1st of each month, kept to download
//! again, e-mailed to the configured recipients when SMTP is set up.
//!
//! The PDF is drawn with krilla (fonts embedded and subset: DejaVu Sans, which
//! covers Indonesian and English); text is measured with ttf-parser to wrap.

use crate::analytics::{self as an, LineFilter, Rank};
use crate::jobs::{JobError, JobFuture, JobHandler};
use crate::{Actor, App, AppError};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use siar_domain::analytics::{self as dom, DayRange, day_date};
use siar_domain::jobs::{Job, NewJob};
use siar_domain::org::{Lang, OrgId, Permission, Role};
use siar_store::analytics as store;
use std::time::Duration;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

pub const SEND_REPORT: &str = "send_report";

/// What a report says, gathered before drawing.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub lang: Lang,
    pub org_name: String,
    pub logo: Option<(String, Vec<u8>)>,
    pub month: DayRange,
    pub made_at: String,
    pub overview: an::Overview,
    pub categories: Vec<(String, dom::Totals)>,
    pub top: Vec<TopPost>,
    pub campaigns: Vec<(String, dom::Totals)>,
    pub inbox: Option<crate::inbox::Report>,
    pub advice: Vec<dom::Advice>,
}

#[derive(Debug, Clone)]
pub struct TopPost {
    pub text: String,
    pub channel: String,
    pub when: String,
    pub engagements: Option<i64>,
    pub rate: Option<f64>,
    pub thumb: Option<(String, Vec<u8>)>,
}

pub(crate) fn tr(app: &App, lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    match app.config.translate {
        Some(t) => t(lang, key, args),
        None => key.to_string(),
    }
}

/// The month holding `day` (a local day number): its first and last day.
pub fn month_of(day: i32) -> DayRange {
    DayRange::month_of(day)
}

/// Gathers everything the report of `month` shows.
pub async fn gather(app: &App, actor: &Actor, month: DayRange) -> Result<ReportData, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let org = siar_store::org::org_by_id(&mut tx, actor.org)
        .await?
        .ok_or(AppError::NotFound)?;
    let logo = siar_store::org::logo(&mut tx, actor.org).await?;
    tx.commit().await?;
    let tz = org.settings.timezone;
    let lang = org.settings.default_lang;
    let overview = an::overview(app, actor, month).await?;
    let categories = an::by_category(app, actor, month, None).await?;
    let lines = an::lines(app, actor, month, &LineFilter::default()).await?;
    let chans = siar_store::channels::list(&mut app.store.read().await?, actor.org).await?;
    let mut top = Vec::new();
    for l in an::ranked(&lines, Rank::Engagements, true, 5) {
        top.push(TopPost {
            text: l
                .title
                .clone()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| l.text.clone()),
            channel: chans
                .iter()
                .find(|c| c.id == l.tracked.channel_id)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            when: l.tracked.published_at.format_in(tz),
            engagements: l.tracked.latest.engagements(),
            rate: dom::rate(l.tracked.latest.engagements(), l.tracked.base.map(|b| b.0)),
            thumb: thumbnail(app, actor, &l.media).await,
        });
    }
    let campaigns = an::by_campaign(app, actor, month)
        .await?
        .into_iter()
        .filter(|(_, t)| t.posts > 0)
        .map(|(c, t)| (c.name, t))
        .collect();
    let (from, to) = (
        dom::day_start(month.from, tz),
        dom::day_start(month.to + 1, tz),
    );
    let inbox = crate::inbox::report(app, actor, from, to)
        .await
        .ok()
        .filter(|r| r.first.count > 0);
    let mut findings = an::findings(app, actor, &overview).await?;
    if let Some(r) = &inbox {
        let mut tx = app.store.read().await?;
        let target = siar_store::inbox::settings(&mut tx, actor.org)
            .await?
            .policy
            .first_response_mins;
        tx.commit().await?;
        if let (Some(m), Some(t)) = (r.first.median_ms, target) {
            findings.first_response = Some((m as f64 / 60_000.0, t as f64));
        }
    }
    Ok(ReportData {
        lang,
        org_name: org.settings.name.clone(),
        logo,
        month,
        made_at: app.now().format_in(tz),
        overview,
        categories,
        top,
        campaigns,
        inbox,
        advice: dom::recommend(&findings),
    })
}

/// The first JPEG or PNG image of a delivery, for its thumbnail.
async fn thumbnail(app: &App, actor: &Actor, media: &str) -> Option<(String, Vec<u8>)> {
    let ids: Vec<i64> = serde_json::from_str(media).ok()?;
    let list = crate::media::by_ids(app, actor, &ids).await.ok()?;
    let m = list
        .into_iter()
        .find(|m| m.mime == "image/jpeg" || m.mime == "image/png")?;
    let bytes = crate::media::read(app, &m).await.ok()?;
    Some((m.mime, bytes))
}

// ---------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------

pub(crate) const W: f32 = 595.0;
pub(crate) const H: f32 = 842.0;
pub(crate) const MARGIN: f32 = 50.0;
pub(crate) const TEAL: (u8, u8, u8) = (15, 107, 95);
pub(crate) const GREY: (u8, u8, u8) = (90, 90, 90);
pub(crate) const BLACK: (u8, u8, u8) = (20, 20, 20);

pub(crate) struct Fonts {
    regular: Font,
    bold: Font,
    regular_face: ttf_parser::Face<'static>,
    bold_face: ttf_parser::Face<'static>,
}

impl Fonts {
    pub(crate) fn load() -> Result<Fonts, AppError> {
        let bad = || AppError::Internal("the report's font cannot be read".into());
        Ok(Fonts {
            regular: Font::new(REGULAR.into(), 0).ok_or_else(bad)?,
            bold: Font::new(BOLD.into(), 0).ok_or_else(bad)?,
            regular_face: ttf_parser::Face::parse(REGULAR, 0).map_err(|_| bad())?,
            bold_face: ttf_parser::Face::parse(BOLD, 0).map_err(|_| bad())?,
        })
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold {
            &self.bold_face
        } else {
            &self.regular_face
        };
        let upem = f32::from(face.units_per_em());
        let units: u32 = text
            .chars()
            .map(|c| {
                face.glyph_index(c)
                    .and_then(|g| face.glyph_hor_advance(g))
                    .map(u32::from)
                    .unwrap_or(upem as u32 / 2)
            })
            .sum();
        units as f32 * size / upem
    }

    /// Lines of at most `max` points wide, broken between words.
    fn wrap(&self, text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.lines() {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size, bold) > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line = word.to_string();
                } else {
                    line = candidate;
                }
            }
            lines.push(line);
        }
        lines
    }
}

fn fill(c: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// A page being filled from the top; a new page starts when one is full.
pub(crate) struct Writer<'a> {
    doc: Document,
    fonts: &'a Fonts,
    pages: Vec<Vec<Op>>,
    pub(crate) y: f32,
}

/// What is drawn on a page (recorded, then drawn page by page).
pub(crate) enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: (u8, u8, u8),
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: (u8, u8, u8),
    },
    Line {
        points: Vec<(f32, f32)>,
        color: (u8, u8, u8),
        width: f32,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: Image,
    },
}

impl<'a> Writer<'a> {
    pub(crate) fn new(fonts: &'a Fonts) -> Self {
        Writer {
            doc: Document::new(),
            fonts,
            pages: vec![vec![]],
            y: MARGIN,
        }
    }

    pub(crate) fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(vec![]);
        }
        let n = self.pages.len() - 1;
        &mut self.pages[n]
    }

    fn new_page(&mut self) {
        self.pages.push(vec![]);
        self.y = MARGIN;
    }

    /// Starts a new page unless `need` points are left on this one.
    fn room(&mut self, need: f32) {
        if self.y + need > H - MARGIN {
            self.new_page();
        }
    }

    pub(crate) fn text(&mut self, text: &str, size: f32, bold: bool, color: (u8, u8, u8)) {
        let lines = self.fonts.wrap(text, size, bold, W - 2.0 * MARGIN);
        for l in lines {
            self.room(size * 1.45);
            self.y += size * 1.2;
            let y = self.y;
            self.ops().push(Op::Text {
                x: MARGIN,
                y,
                size,
                bold,
                color,
                text: l,
            });
            self.y += size * 0.25;
        }
    }

    fn heading(&mut self, text: &str) {
        self.room(60.0);
        self.y += 14.0;
        self.text(text, 16.0, true, TEAL);
        self.y += 4.0;
    }

    pub(crate) fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// A table with fixed column widths (fractions of the text width).
    fn table(&mut self, head: &[String], rows: &[Vec<String>], widths: &[f32]) {
        let total = W - 2.0 * MARGIN;
        let size = 9.0;
        let draw_row = |w: &mut Writer, cells: &[String], bold: bool| {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(widths)
                .map(|(c, f)| w.fonts.wrap(c, size, bold, f * total - 6.0))
                .collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = lines as f32 * size * 1.3 + 6.0;
            w.room(h);
            if bold {
                let y = w.y;
                w.ops().push(Op::Rect {
                    x: MARGIN,
                    y,
                    w: total,
                    h,
                    color: (232, 242, 240),
                });
            }
            let mut x = MARGIN;
            for (cell, f) in wrapped.iter().zip(widths) {
                for (i, l) in cell.iter().enumerate() {
                    let y = w.y + 3.0 + (i as f32 + 1.0) * size * 1.3 - 2.0;
                    w.ops().push(Op::Text {
                        x: x + 3.0,
                        y,
                        size,
                        bold,
                        color: BLACK,
                        text: l.clone(),
                    });
                }
                x += f * total;
            }
            w.y += h;
            let y = w.y;
            w.ops().push(Op::Line {
                points: vec![(MARGIN, y), (MARGIN + total, y)],
                color: (210, 210, 210),
                width: 0.5,
            });
        };
        draw_row(self, head, true);
        for r in rows {
            draw_row(self, r, false);
        }
        self.gap(6.0);
    }

    /// Horizontal bars, one per label, with the value written after each.
    fn bars(&mut self, items: &[(String, f64, String)]) {
        let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max);
        let label_w = 150.0;
        let bar_w = W - 2.0 * MARGIN - label_w - 150.0;
        for (label, v, text) in items {
            self.room(18.0);
            let y = self.y;
            let l: String = label.chars().take(28).collect();
            self.ops().push(Op::Text {
                x: MARGIN,
                y: y + 10.0,
                size: 9.0,
                bold: false,
                color: BLACK,
                text: l,
            });
            let w = if max > 0.0 {
                (v / max) as f32 * bar_w
            } else {
                0.0
            };
            self.ops().push(Op::Rect {
                x: MARGIN + label_w,
                y: y + 2.0,
                w: w.max(1.0),
                h: 10.0,
                color: TEAL,
            });
            self.ops().push(Op::Text {
                x: MARGIN + label_w + w + 6.0,
                y: y + 10.0,
                size: 9.0,
                bold: false,
                color: GREY,
                text: text.clone(),
            });
            self.y += 16.0;
        }
        self.gap(6.0);
    }

    /// A line chart of one series over days, with its axis values.
    fn line_chart(&mut self, values: &[(String, f64)]) {
        if values.len() < 2 {
            return;
        }
        let h = 120.0;
        self.room(h + 30.0);
        let (x0, y0) = (MARGIN + 30.0, self.y + 8.0);
        let w = W - 2.0 * MARGIN - 40.0;
        let max = values.iter().map(|v| v.1).fold(0.0_f64, f64::max).max(1.0);
        let pts: Vec<(f32, f32)> = values
            .iter()
            .enumerate()
            .map(|(i, (_, v))| {
                (
                    x0 + w * i as f32 / (values.len() - 1) as f32,
                    y0 + h - (v / max) as f32 * h,
                )
            })
            .collect();
        self.ops().push(Op::Line {
            points: vec![(x0, y0 + h), (x0 + w, y0 + h)],
            color: (180, 180, 180),
            width: 0.7,
        });
        self.ops().push(Op::Line {
            points: pts,
            color: TEAL,
            width: 1.6,
        });
        for (y, text) in [(y0 + 8.0, format!("{max:.0}")), (y0 + h, "0".to_string())] {
            self.ops().push(Op::Text {
                x: MARGIN,
                y,
                size: 8.0,
                bold: false,
                color: GREY,
                text,
            });
        }
        let first = values.first().map(|v| v.0.clone()).unwrap_or_default();
        let last = values.last().map(|v| v.0.clone()).unwrap_or_default();
        let lw = self.fonts.width(&last, 8.0, false);
        for (x, text) in [(x0, first), (x0 + w - lw, last)] {
            self.ops().push(Op::Text {
                x,
                y: y0 + h + 12.0,
                size: 8.0,
                bold: false,
                color: GREY,
                text,
            });
        }
        self.y = y0 + h + 22.0;
    }

    pub(crate) fn finish(mut self, title: &str, lang: Lang) -> Result<Vec<u8>, AppError> {
        let pages = std::mem::take(&mut self.pages);
        let n = pages.len();
        for (i, ops) in pages.into_iter().enumerate() {
            let settings = PageSettings::from_wh(W, H)
                .ok_or_else(|| AppError::Internal("page size".into()))?;
            let mut page = self.doc.start_page_with(settings);
            let mut s = page.surface();
            for op in ops {
                draw(&mut s, self.fonts, op);
            }
            draw(
                &mut s,
                self.fonts,
                Op::Text {
                    x: W - MARGIN - 30.0,
                    y: H - 25.0,
                    size: 8.0,
                    bold: false,
                    color: GREY,
                    text: format!("{} / {n}", i + 1),
                },
            );
            s.finish();
            page.finish();
        }
        self.doc.set_metadata(
            Metadata::new()
                .title(title.to_string())
                .language(lang.code().to_string())
                .creator("Siar".to_string()),
        );
        self.doc
            .finish()
            .map_err(|e| AppError::Internal(format!("the PDF could not be made: {e:?}")))
    }
}

fn draw(s: &mut Surface<'_>, fonts: &Fonts, op: Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold,
            color,
            text,
        } => {
            s.set_fill(Some(fill(color)));
            let font = if bold { &fonts.bold } else { &fonts.regular };
            s.draw_text(
                Point::from_xy(x, y),
                font.clone(),
                size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect { x, y, w, h, color } => {
            let mut pb = PathBuilder::new();
            if let Some(r) = krilla::geom::Rect::from_xywh(x, y, w, h) {
                pb.push_rect(r);
            }
            if let Some(p) = pb.finish() {
                s.set_fill(Some(fill(color)));
                s.set_stroke(None);
                s.draw_path(&p);
            }
        }
        Op::Line {
            points,
            color,
            width,
        } => {
            let mut pb = PathBuilder::new();
            for (i, (x, y)) in points.iter().enumerate() {
                if i == 0 {
                    pb.move_to(*x, *y);
                } else {
                    pb.line_to(*x, *y);
                }
            }
            if let Some(p) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(color.0, color.1, color.2).into(),
                    width,
                    ..Default::default()
                }));
                s.draw_path(&p);
                s.set_stroke(None);
            }
        }
        Op::Image { x, y, w, h, image } => {
            if let Some(size) = Size::from_wh(w, h) {
                s.push_transform(&Transform::from_translate(x, y));
                s.draw_image(image, size);
                s.pop();
            }
        }
    }
}

pub(crate) fn image_of(mime: &str, bytes: &[u8]) -> Option<Image> {
    match mime {
        "image/jpeg" => Image::from_jpeg(bytes.to_vec().into(), true).ok(),
        "image/png" => Image::from_png(bytes.to_vec().into(), true).ok(),
        _ => None,
    }
}

/// 12345 → "12.345" (id) or "12,345" (en); missing → "—".
pub fn num(lang: Lang, v: Option<i64>) -> String {
    let Some(v) = v else {
        return "—".into();
    };
    let sep = if lang == Lang::Id { '.' } else { ',' };
    let digits = v.abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// A fraction as a percentage with one decimal ("3,4%" in Indonesian).
pub fn pct(lang: Lang, v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(x) => {
            let s = format!("{:.1}%", x * 100.0);
            if lang == Lang::Id {
                s.replace('.', ",")
            } else {
                s
            }
        }
    }
}

/// A decimal number written the language's way ("4,8" in Indonesian).
pub fn localise(lang: Lang, v: &str) -> String {
    if lang == Lang::Id && v.parse::<f64>().is_ok() {
        v.replace('.', ",")
    } else {
        v.to_string()
    }
}

fn change(lang: Lang, now: Option<f64>, before: Option<f64>) -> String {
    match dom::change(now, before) {
        None => "—".into(),
        Some(c) if c >= 0.0 => format!("+{}", pct(lang, Some(c))),
        Some(c) => format!("−{}", pct(lang, Some(-c))),
    }
}

/// The month's name and year in the report's language ("November 2026").
pub fn month_name(app: &App, lang: Lang, month: DayRange) -> String {
    use chrono::Datelike;
    let d = day_date(month.from);
    format!(
        "{} {}",
        tr(app, lang, &format!("rep-month-{}", d.month()), &[]),
        d.year()
    )
}

/// Draws the report.
pub fn render(app: &App, d: &ReportData) -> Result<Vec<u8>, AppError> {
    let lang = d.lang;
    let t = |k: &str| tr(app, lang, k, &[]);
    let ta = |k: &str, a: &[(&str, String)]| tr(app, lang, k, a);
    let fonts = Fonts::load()?;
    let mut w = Writer::new(&fonts);
    let month = month_name(app, lang, d.month);
    let title = ta("rep-title", &[("month", month.clone())]);
    // Cover.
    w.gap(120.0);
    if let Some(img) = d.logo.as_ref().and_then(|(m, b)| image_of(m, b)) {
        let y = w.y;
        w.ops().push(Op::Image {
            x: MARGIN,
            y,
            w: 90.0,
            h: 90.0,
            image: img,
        });
        w.gap(110.0);
    }
    w.text(&d.org_name, 26.0, true, TEAL);
    w.gap(10.0);
    w.text(&t("rep-cover"), 18.0, false, BLACK);
    w.text(&month, 18.0, true, BLACK);
    w.gap(30.0);
    w.text(
        &ta("rep-made", &[("when", d.made_at.clone())]),
        10.0,
        false,
        GREY,
    );
    w.text(&t("rep-cover-note"), 10.0, false, GREY);
    w.new_page();

    let ov = &d.overview;
    let empty = ov.total.posts == 0 && ov.total_before.posts == 0;
    w.heading(&t("rep-key-figures"));
    if ov.total.posts == 0 {
        w.text(&t("rep-no-data"), 11.0, false, BLACK);
    }
    let (n, b) = (&ov.total, &ov.total_before);
    let f = |k: dom::Known| k.value().map(|v| v as f64);
    let rows = vec![
        vec![
            t("an-followers"),
            num(lang, ov.followers.0),
            num(lang, ov.followers.1),
            change(
                lang,
                ov.followers.0.map(|v| v as f64),
                ov.followers.1.map(|v| v as f64),
            ),
        ],
        vec![
            t("an-posts"),
            num(lang, Some(n.posts)),
            num(lang, Some(b.posts)),
            change(lang, Some(n.posts as f64), Some(b.posts as f64)),
        ],
        vec![
            t("an-m-views"),
            num(lang, n.views.value()),
            num(lang, b.views.value()),
            change(lang, f(n.views), f(b.views)),
        ],
        vec![
            t("an-m-reach"),
            num(lang, n.reach.value()),
            num(lang, b.reach.value()),
            change(lang, f(n.reach), f(b.reach)),
        ],
        vec![
            t("an-engagements"),
            num(lang, n.engagements.value()),
            num(lang, b.engagements.value()),
            change(lang, f(n.engagements), f(b.engagements)),
        ],
        vec![
            t("an-rate"),
            pct(lang, n.rate()),
            pct(lang, b.rate()),
            change(lang, n.rate(), b.rate()),
        ],
        vec![
            t("an-link-clicks"),
            num(lang, Some(ov.link_clicks.0)),
            num(lang, Some(ov.link_clicks.1)),
            change(
                lang,
                Some(ov.link_clicks.0 as f64),
                Some(ov.link_clicks.1 as f64),
            ),
        ],
    ];
    w.table(
        &[
            t("rep-figure"),
            t("rep-this-month"),
            t("rep-last-month"),
            t("rep-change"),
        ],
        &rows,
        &[0.4, 0.2, 0.2, 0.2],
    );
    w.text(&t("an-missing-note"), 8.5, false, GREY);
    if !empty {
        w.heading(&t("an-per-channel"));
        let rows: Vec<Vec<String>> = ov
            .channels
            .iter()
            .map(|c| {
                vec![
                    c.channel.name.clone(),
                    num(lang, c.followers.0),
                    num(lang, Some(c.now.posts)),
                    num(lang, c.now.engagements.value()),
                    pct(lang, c.now.rate()),
                ]
            })
            .collect();
        w.table(
            &[
                t("an-channel"),
                t("an-followers"),
                t("an-posts"),
                t("an-engagements"),
                t("an-rate"),
            ],
            &rows,
            &[0.36, 0.16, 0.16, 0.16, 0.16],
        );
        w.heading(&t("an-chart-daily"));
        let daily: Vec<(String, f64)> = (d.month.from..=d.month.to)
            .map(|day| {
                let v = ov
                    .series
                    .iter()
                    .find(|(x, _)| *x == day)
                    .map(|(_, tt)| tt.engagements.sum as f64)
                    .unwrap_or(0.0);
                (day_date(day).format("%d/%m").to_string(), v)
            })
            .collect();
        w.line_chart(&daily);
        w.heading(&t("an-by-category"));
        let items: Vec<(String, f64, String)> = d
            .categories
            .iter()
            .filter(|(_, x)| x.posts > 0)
            .map(|(k, x)| {
                let label = siar_domain::studio::Category::parse(k)
                    .map(|c| t(c.label_key()))
                    .unwrap_or_else(|| t("an-no-category"));
                (
                    label,
                    x.per_post().unwrap_or(0.0),
                    ta(
                        "rep-per-post",
                        &[
                            (
                                "per",
                                localise(lang, &format!("{:.1}", x.per_post().unwrap_or(0.0))),
                            ),
                            ("posts", x.posts.to_string()),
                        ],
                    ),
                )
            })
            .collect();
        w.bars(&items);
    }
    if !d.top.is_empty() {
        w.heading(&t("rep-top-posts"));
        for p in &d.top {
            w.room(70.0);
            let top = w.y;
            let mut x_text = MARGIN;
            if let Some(img) = p.thumb.as_ref().and_then(|(m, b)| image_of(m, b)) {
                w.ops().push(Op::Image {
                    x: MARGIN,
                    y: top + 4.0,
                    w: 56.0,
                    h: 56.0,
                    image: img,
                });
                x_text = MARGIN + 66.0;
            }
            let text: String = p.text.chars().take(220).collect();
            let lines = fonts.wrap(&text, 9.5, false, W - MARGIN - x_text);
            let mut y = top + 12.0;
            for l in lines.iter().take(4) {
                w.ops().push(Op::Text {
                    x: x_text,
                    y,
                    size: 9.5,
                    bold: false,
                    color: BLACK,
                    text: l.clone(),
                });
                y += 12.0;
            }
            w.ops().push(Op::Text {
                x: x_text,
                y: y + 2.0,
                size: 8.5,
                bold: false,
                color: GREY,
                text: ta(
                    "rep-post-line",
                    &[
                        ("channel", p.channel.clone()),
                        ("when", p.when.clone()),
                        ("eng", num(lang, p.engagements)),
                        ("rate", pct(lang, p.rate)),
                    ],
                ),
            });
            w.y = (y + 10.0).max(top + 66.0);
        }
    }
    if !d.campaigns.is_empty() {
        w.heading(&t("an-by-campaign"));
        let rows: Vec<Vec<String>> = d
            .campaigns
            .iter()
            .map(|(name, x)| {
                vec![
                    name.clone(),
                    num(lang, Some(x.posts)),
                    num(lang, x.engagements.value()),
                    pct(lang, x.rate()),
                ]
            })
            .collect();
        w.table(
            &[
                t("an-campaign"),
                t("an-posts"),
                t("an-engagements"),
                t("an-rate"),
            ],
            &rows,
            &[0.46, 0.18, 0.18, 0.18],
        );
    }
    w.heading(&t("rep-inbox"));
    match &d.inbox {
        None => w.text(&t("rep-inbox-none"), 10.0, false, BLACK),
        Some(r) => {
            let mins = |ms: Option<i64>| {
                ms.map(|m| format!("{:.0}", m as f64 / 60_000.0))
                    .unwrap_or_else(|| "—".into())
            };
            w.table(
                &[
                    t("rep-inbox-kind"),
                    t("rep-inbox-count"),
                    t("rep-inbox-median"),
                    t("rep-inbox-within"),
                ],
                &[
                    vec![
                        t("inbox-sla-first"),
                        r.first.count.to_string(),
                        mins(r.first.median_ms),
                        pct(lang, r.first.within),
                    ],
                    vec![
                        t("inbox-sla-next"),
                        r.next.count.to_string(),
                        mins(r.next.median_ms),
                        pct(lang, r.next.within),
                    ],
                ],
                &[0.4, 0.2, 0.2, 0.2],
            );
            if r.ratings > 0 {
                w.text(
                    &ta(
                        "rep-ratings",
                        &[
                            ("n", r.ratings.to_string()),
                            (
                                "mean",
                                r.rating_mean.map(|m| format!("{m:.1}")).unwrap_or_default(),
                            ),
                        ],
                    ),
                    10.0,
                    false,
                    BLACK,
                );
            }
        }
    }
    w.new_page();
    w.heading(&t("rep-advice"));
    w.text(&t("rep-advice-intro"), 10.0, false, GREY);
    w.gap(6.0);
    for (i, a) in d.advice.iter().enumerate() {
        let args: Vec<(&str, String)> = a
            .args
            .iter()
            .map(|(k, v)| {
                let v = if *k == "category" || *k == "worst" {
                    siar_domain::studio::Category::parse(v)
                        .map(|c| t(c.label_key()))
                        .unwrap_or_else(|| v.clone())
                } else {
                    localise(lang, v)
                };
                (*k, v)
            })
            .collect();
        w.text(
            &format!("{}. {}", i + 1, ta(a.key, &args)),
            11.0,
            false,
            BLACK,
        );
        w.gap(4.0);
    }
    w.finish(&title, lang)
}

// ---------------------------------------------------------------------------
// Making, keeping, sending
// ---------------------------------------------------------------------------

/// Makes and keeps the report of the month holding `day`; returns its id.
/// A month with no data gives a report that says so.
pub async fn generate(app: &App, actor: &Actor, day: i32) -> Result<i64, AppError> {
    actor.require(Permission::ViewReports)?;
    let month = month_of(day);
    let data = gather(app, actor, month).await?;
    let pdf = render(app, &data)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = store::insert_report(&mut tx, actor.org, month.from, &pdf, actor.user, now).await?;
    let recipients = store::recipients(&mut tx, actor.org).await?;
    if app.config.mail.is_some() && !recipients.trim().is_empty() {
        siar_store::jobs::enqueue(
            &mut tx,
            &NewJob {
                org_id: Some(actor.org),
                kind: SEND_REPORT.into(),
                payload: serde_json::json!({"report": id}).to_string(),
                run_at: now,
                max_attempts: 8,
                dedup_key: Some(format!("{SEND_REPORT}:{id}")),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The kept reports, newest month first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<store::ReportInfo>, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let l = store::reports(&mut tx, actor.org, 60).await?;
    tx.commit().await?;
    Ok(l)
}

/// A kept report's PDF: (first day of its month, bytes).
pub async fn pdf(app: &App, actor: &Actor, id: i64) -> Result<(i32, Vec<u8>), AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let r = store::report_pdf(&mut tx, actor.org, id).await?;
    tx.commit().await?;
    r.ok_or(AppError::NotFound)
}

pub async fn recipients(app: &App, actor: &Actor) -> Result<String, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let r = store::recipients(&mut tx, actor.org).await?;
    tx.commit().await?;
    Ok(r)
}

/// Sets who receives the monthly report (admins): addresses separated by
/// commas or new lines, each checked; a bad one changes nothing.
pub async fn set_recipients(app: &App, actor: &Actor, input: &str) -> Result<(), AppError> {
    actor.require(Permission::ManageSettings)?;
    let mut list: Vec<String> = Vec::new();
    for a in input
        .split([',', '\n', ';'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        if a.parse::<lettre::Address>().is_err() {
            return Err(AppError::field("recipients", "rep-err-address"));
        }
        if !list.iter().any(|x| x.eq_ignore_ascii_case(a)) {
            list.push(a.to_string());
        }
    }
    if list.len() > 20 {
        return Err(AppError::field("recipients", "rep-err-too-many"));
    }
    let mut tx = app.store.begin().await?;
    store::set_recipients(&mut tx, actor.org, &list.join(", "), app.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Run by the analytics round: on or after the 1st, each organisation's
/// report of the month before is made once.
pub async fn monthly(app: &App) -> Result<usize, AppError> {
    let mut tx = app.store.read().await?;
    let orgs = store::orgs_with_channels(&mut tx).await?;
    tx.commit().await?;
    let mut made = 0;
    for org in orgs {
        let (_, today) = an::today(app, org).await?;
        let last_month = month_of(month_of(today).from - 1);
        let mut tx = app.store.read().await?;
        let done = store::has_report(&mut tx, org, last_month.from).await?;
        tx.commit().await?;
        if done {
            continue;
        }
        let actor = Actor {
            org,
            user: None,
            label: "siar".into(),
            role: Role::Admin,
            ip: None,
        };
        match generate(app, &actor, last_month.from).await {
            Ok(_) => made += 1,
            Err(e) => tracing::warn!(org = org.0, "monthly report failed: {e}"),
        }
    }
    Ok(made)
}

/// Sends a kept report to the recipients, with the PDF attached.
pub struct SendReport;

impl JobHandler for SendReport {
    fn kind(&self) -> &'static str {
        SEND_REPORT
    }

    fn run<'a>(&'a self, app: &'a App, job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let id = serde_json::from_str::<serde_json::Value>(&job.payload)
                .ok()
                .and_then(|v| v["report"].as_i64())
                .ok_or_else(|| JobError::Permanent("bad payload".into()))?;
            let org = job
                .org_id
                .ok_or_else(|| JobError::Permanent("no organisation".into()))?;
            send(app, org, id)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))
        })
    }
}

async fn send(app: &App, org: OrgId, id: i64) -> Result<(), AppError> {
    use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let Some(settings) = &app.config.mail else {
        return Ok(());
    };
    let mut tx = app.store.read().await?;
    let Some((month_day, pdf)) = store::report_pdf(&mut tx, org, id).await? else {
        return Ok(());
    };
    let recipients = store::recipients(&mut tx, org).await?;
    let o = siar_store::org::org_by_id(&mut tx, org)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let lang = o.settings.default_lang;
    let month = month_name(app, lang, month_of(month_day));
    let subject = tr(
        app,
        lang,
        "rep-mail-subject",
        &[("month", month.clone()), ("name", o.settings.name.clone())],
    );
    let body = tr(
        app,
        lang,
        "rep-mail-body",
        &[("month", month.clone()), ("name", o.settings.name.clone())],
    );
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| AppError::Internal(format!("mail_from: {e}")))?;
    let file = format!("laporan-{}.pdf", day_date(month_day).format("%Y-%m"));
    let mut b = Message::builder().from(from).subject(subject);
    let mut to_list = Vec::new();
    for a in recipients
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        if let Ok(m) = a.parse::<Mailbox>() {
            b = b.to(m);
            to_list.push(a.to_string());
        }
    }
    if to_list.is_empty() {
        return Ok(());
    }
    let pdf_type =
        ContentType::parse("application/pdf").map_err(|e| AppError::Internal(e.to_string()))?;
    let msg = b
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(body))
                .singlepart(Attachment::new(file).body(pdf, pdf_type)),
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
        .map_err(|e| AppError::Internal(e.to_string()))?
        .timeout(Some(Duration::from_secs(30)))
        .build();
    mailer
        .send(msg)
        .await
        .map_err(|e| AppError::Internal(format!("SMTP: {e}")))?;
    let mut tx = app.store.begin().await?;
    store::set_report_sent(&mut tx, org, id, &to_list.join(", ")).await?;
    tx.commit().await?;
    Ok(())
}
