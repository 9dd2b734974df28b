//! Picture cards on the portal: the Open Graph image of each poll, quiz,
//! survey and challenge (and the meta tags that point at it), and the page
//! and card a family shares of a badge or a finished challenge. Cards are in
//! the library's default language (a platform's crawler has no cookie).

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::i18n;
use crate::middleware::RequestId;
use crate::pages::LangQuery;
use crate::portal::portal;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use siar_app::cards::{self, Card};
use siar_app::programs::Voter;
use siar_app::{AppError, challenges, forms, programs, settings};
use siar_domain::forms::FormKind;
use siar_domain::org::{Lang, Organisation};

/// The public address without its trailing slash.
pub(crate) fn base(state: &WebState) -> String {
    state
        .app
        .config
        .public_url
        .trim_end_matches('/')
        .to_string()
}

/// Sets the page's Open Graph and Twitter tags for a shared page with a card.
pub(crate) fn share_meta(
    c: &mut PageCtx,
    state: &WebState,
    path: &str,
    title: &str,
    description: &str,
    image_path: &str,
) {
    let base = base(state);
    let image = format!("{base}{image_path}");
    let description = if description.trim().is_empty() {
        title.to_string()
    } else {
        description.to_string()
    };
    c.meta = vec![
        ("name", "description".into(), description.clone()),
        ("property", "og:type".into(), "website".into()),
        ("property", "og:title".into(), title.to_string()),
        ("property", "og:description".into(), description.clone()),
        ("property", "og:url".into(), format!("{base}{path}")),
        ("property", "og:site_name".into(), c.org_name.clone()),
        ("property", "og:image".into(), image.clone()),
        (
            "property",
            "og:image:width".into(),
            cards::WIDTH.to_string(),
        ),
        (
            "property",
            "og:image:height".into(),
            cards::HEIGHT.to_string(),
        ),
        ("property", "og:image:alt".into(), title.to_string()),
        (
            "property",
            "og:locale".into(),
            if c.lang == Lang::Id {
                "id_ID".into()
            } else {
                "en_US".into()
            },
        ),
        ("name", "twitter:card".into(), "summary_large_image".into()),
        ("name", "twitter:title".into(), title.to_string()),
        ("name", "twitter:description".into(), description),
        ("name", "twitter:image".into(), image),
    ];
}

fn png(bytes: Vec<u8>) -> Response {
    let mut r = Response::new(bytes.into());
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    // Crawlers fetch a card once per share; ten minutes keeps it fresh
    // after the staff change a title.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=600"),
    );
    r
}

async fn org(state: &WebState) -> Result<Organisation, WebError> {
    Ok(settings::portal_org(&state.app, state.config.portal_org.as_deref()).await?)
}

fn not_found(e: AppError) -> WebError {
    match e {
        AppError::NotFound => WebError(ErrorKind::NotFound),
        e => e.into(),
    }
}

/// Cards drawn lately, by their content: a crawler (or anyone) asking for
/// the same card again gets the same bytes without drawing it anew.
type Drawn = std::collections::HashMap<String, (std::time::Instant, std::sync::Arc<Vec<u8>>)>;
static DRAWN: std::sync::OnceLock<std::sync::Mutex<Drawn>> = std::sync::OnceLock::new();
const DRAWN_MAX: usize = 64;

fn render(card: &Card) -> WebResult {
    let key = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{:?}",
        card.label,
        card.title,
        card.lines.join("\u{1e}"),
        card.footer,
        card.emblem
    );
    let cache = DRAWN.get_or_init(Default::default);
    if let Some(bytes) = cache
        .lock()
        .ok()
        .and_then(|c| c.get(&key).map(|(_, b)| b.clone()))
    {
        return Ok(png(bytes.as_ref().clone()));
    }
    let bytes = std::sync::Arc::new(cards::png(card)?);
    if let Ok(mut c) = cache.lock() {
        if c.len() >= DRAWN_MAX
            && let Some(oldest) = c.iter().min_by_key(|(_, v)| v.0).map(|(k, _)| k.clone())
        {
            c.remove(&oldest);
        }
        c.insert(key, (std::time::Instant::now(), bytes.clone()));
    }
    Ok(png(bytes.as_ref().clone()))
}

pub async fn poll_card(State(state): State<WebState>, Path(slug): Path<String>) -> WebResult {
    let org = org(&state).await?;
    let lang = org.settings.default_lang;
    let p = programs::poll_page(&state.app, org.id, &slug, &Voter::Browser(String::new()))
        .await
        .map_err(not_found)?;
    let mut lines = vec![i18n::t_args(
        lang,
        "card-options",
        &[("n", p.options.len().to_string())],
    )];
    if let Some(ms) = p.poll.closes_at {
        lines.push(i18n::t_args(
            lang,
            "pg-closes",
            &[(
                "when",
                siar_domain::Timestamp(ms).format_zoned(org.settings.timezone),
            )],
        ));
    }
    render(&Card {
        label: i18n::t(lang, "pg-title"),
        title: p.poll.question,
        lines,
        footer: org.settings.name.clone(),
        emblem: None,
    })
}

async fn form_card(state: WebState, slug: String, kind: FormKind) -> WebResult {
    let org = org(&state).await?;
    let lang = org.settings.default_lang;
    let p = forms::page(
        &state.app,
        org.id,
        kind,
        &slug,
        &Voter::Browser(String::new()),
    )
    .await
    .map_err(not_found)?;
    let mut facts = vec![i18n::t_args(
        lang,
        "card-questions",
        &[("n", p.total.to_string())],
    )];
    if let Some(s) = p.form.time_limit_secs {
        facts.push(i18n::t_args(
            lang,
            "card-minutes",
            &[("n", (s / 60).to_string())],
        ));
    }
    if p.form.points > 0 {
        facts.push(i18n::t_args(
            lang,
            "card-points",
            &[("n", p.form.points.to_string())],
        ));
    }
    let mut lines = vec![facts.join(" · ")];
    if !p.form.description.is_empty() {
        lines.push(p.form.description.clone());
    }
    render(&Card {
        label: i18n::t(
            lang,
            if kind == FormKind::Quiz {
                "fm-quiz"
            } else {
                "fm-survey"
            },
        ),
        title: p.form.title,
        lines,
        footer: org.settings.name.clone(),
        emblem: None,
    })
}

pub async fn quiz_card(State(state): State<WebState>, Path(slug): Path<String>) -> WebResult {
    form_card(state, slug, FormKind::Quiz).await
}

pub async fn survey_card(State(state): State<WebState>, Path(slug): Path<String>) -> WebResult {
    form_card(state, slug, FormKind::Survey).await
}

fn goal_key(kind: &str) -> &'static str {
    siar_domain::challenges::GoalKind::parse(kind).map_or(
        "ch-goal-books",
        siar_domain::challenges::GoalKind::label_key,
    )
}

pub async fn challenge_card(State(state): State<WebState>, Path(slug): Path<String>) -> WebResult {
    let org = org(&state).await?;
    let lang = org.settings.default_lang;
    let v = challenges::view(&state.app, org.id, &slug, None)
        .await
        .map_err(not_found)?;
    let ch = &v.challenge;
    let goal = format!(
        "{} {}",
        i18n::t_args(lang, "ch-goal", &[("n", ch.goal.to_string())]),
        i18n::t(lang, goal_key(&ch.goal_kind))
    );
    render(&Card {
        label: i18n::t(lang, "ch-title"),
        title: ch.title.clone(),
        lines: vec![format!("{} – {} · {goal}", ch.starts_on, ch.ends_on)],
        footer: org.settings.name.clone(),
        emblem: None,
    })
}

/// What a shared badge says, in a language.
fn badge_text(b: &challenges::SharedBadge, lang: Lang) -> (String, String) {
    let badge = siar_domain::challenges::badges_of(&b.challenge.badges)
        .iter()
        .find(|x| x.percent == b.milestone)
        .map(|x| crate::challenges::badge_name(x, lang))
        .unwrap_or_else(|| format!("{}%", b.milestone));
    let headline = if b.milestone >= 100 {
        i18n::t_args(lang, "card-finished", &[("name", b.nickname.clone())])
    } else {
        i18n::t_args(
            lang,
            "card-earned",
            &[("name", b.nickname.clone()), ("value", badge.clone())],
        )
    };
    (headline, badge)
}

pub async fn badge_card(State(state): State<WebState>, Path(token): Path<String>) -> WebResult {
    let org = org(&state).await?;
    let lang = org.settings.default_lang;
    let b = challenges::shared_badge(&state.app, org.id, &token)
        .await?
        .ok_or(WebError(ErrorKind::NotFound))?;
    let (headline, badge) = badge_text(&b, lang);
    render(&Card {
        label: badge,
        title: headline,
        lines: vec![b.challenge.title.clone()],
        footer: org.settings.name.clone(),
        emblem: Some('★'),
    })
}

#[derive(Template)]
#[template(path = "lencana.html")]
struct BadgePage<'a> {
    c: &'a PageCtx,
    headline: String,
    challenge: String,
    slug: String,
    image: String,
    share_url: String,
    share_text: String,
}

pub async fn badge_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let mut p = portal(&state, &headers, &q, "card-badge-title", &r).await?;
    let b = challenges::shared_badge(&state.app, p.org.id, &token)
        .await?
        .ok_or(WebError(ErrorKind::NotFound))?;
    let (headline, _) = badge_text(&b, p.c.lang);
    let path = format!("/lencana/{token}");
    let image = format!("{path}/kartu.png");
    let description = b.challenge.title.clone();
    share_meta(&mut p.c, &state, &path, &headline, &description, &image);
    p.c.title = headline.clone();
    let share_url = format!("{}{path}", base(&state));
    let page = BadgePage {
        c: &p.c,
        share_text: format!("{headline} — {}", b.challenge.title),
        headline,
        challenge: b.challenge.title.clone(),
        slug: b.challenge.slug.clone(),
        image,
        share_url,
    };
    p.page(&state, &page)
}

/// Percent-encodes a text for a share link's query.
fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl BadgePage<'_> {
    fn whatsapp(&self) -> String {
        format!(
            "https://wa.me/?text={}",
            encode(&format!("{} {}", self.share_text, self.share_url))
        )
    }

    fn facebook(&self) -> String {
        format!(
            "https://www.facebook.com/sharer/sharer.php?u={}",
            encode(&self.share_url)
        )
    }

    fn x(&self) -> String {
        format!(
            "https://x.com/intent/post?text={}&url={}",
            encode(&self.share_text),
            encode(&self.share_url)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_is_drawn_once_and_served_again_from_memory() {
        let card = Card {
            label: "Kuis".into(),
            title: "Kuis untuk uji tembolok".into(),
            lines: vec!["3 pertanyaan".into()],
            footer: "Perpustakaan".into(),
            emblem: None,
        };
        let count = |title: &str| {
            DRAWN
                .get()
                .map(|c| {
                    c.lock()
                        .map(|m| m.keys().filter(|k| k.contains(title)).count())
                        .unwrap_or(0)
                })
                .unwrap_or(0)
        };
        let a = render(&card).unwrap();
        let b = render(&card).unwrap();
        assert_eq!(count("uji tembolok"), 1);
        assert_eq!(a.headers()["content-type"], "image/png");
        assert_eq!(b.headers()["content-type"], "image/png");
        // A changed title is a new card.
        let changed = Card {
            title: "Kuis untuk uji tembolok, diubah".into(),
            ..card
        };
        render(&changed).unwrap();
        assert_eq!(count("uji tembolok"), 2);
    }
}
