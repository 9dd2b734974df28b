//! Articles: the team writes them in the console ("Artikel"); patrons read
//! them on the portal at `/artikel/{slug}`, with Open Graph tags, and follow
//! them by RSS or Atom.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{WebError, WebResult};
use crate::middleware::{RequestId, unprocessable};
use crate::pages::{Me, done, problems_ctx, staff_ctx};
use crate::publishing::{file_response, parse_local};
use crate::studio::{Opt, local_input};
use askama::Template;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use siar_app::articles::{self, ArticleInput};
use siar_app::{AppError, media};
use siar_domain::articles::Article;
use siar_domain::org::Permission;

pub struct ArticleRow {
    pub id: i64,
    pub title: String,
    pub path: String,
    pub state: (String, &'static str),
    pub when: String,
}

#[derive(Template)]
#[template(path = "artikel_list.html")]
struct ListPage<'a> {
    c: &'a PageCtx,
    rows: Vec<ArticleRow>,
}

pub async fn list(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "articles-title", "/app/artikel", &headers, &r);
    let tz = me.0.org.settings.timezone;
    let now = state.app.now();
    let rows = articles::list(&state.app, &me.0.actor)
        .await?
        .iter()
        .map(|a| ArticleRow {
            id: a.id,
            title: a.title.clone(),
            path: format!("/artikel/{}", a.slug),
            state: match a.published_at {
                None => (c.t("article-draft"), "muted"),
                Some(t) if t.0 > now.0 => (c.t("article-scheduled"), "run"),
                Some(_) => (c.t("article-live"), "ok"),
            },
            when: a
                .published_at
                .map(|t| format!("{} {}", t.format_in(tz), siar_domain::time::zone_label(tz)))
                .unwrap_or_default(),
        })
        .collect();
    crate::pages::page(&ListPage { c: &c, rows }, had, &state)
}

#[derive(Default)]
struct Form {
    title: String,
    slug: String,
    summary: String,
    body: String,
    cover: Option<i64>,
    cover_alt: String,
    file: Option<(String, Vec<u8>)>,
    action: String,
    when: String,
    announce: Vec<i64>,
}

async fn read_form(mp: Multipart) -> Result<Form, WebError> {
    let mut f = Form::default();
    let parts = crate::pages::read_multipart(mp, "file").await?;
    f.file = parts.file;
    for (name, v) in parts.fields {
        match name.as_str() {
            "title" => f.title = v,
            "slug" => f.slug = v,
            "summary" => f.summary = v,
            "body" => f.body = v,
            "cover" => f.cover = v.trim().parse().ok(),
            "cover_alt" => f.cover_alt = v,
            "action" => f.action = v,
            "when" => f.when = v,
            "announce" => {
                if let Ok(id) = v.parse() {
                    f.announce.push(id);
                }
            }
            _ => {}
        }
    }
    Ok(f)
}

#[derive(Template)]
#[template(path = "artikel_edit.html")]
struct EditPage<'a> {
    c: &'a PageCtx,
    id: Option<i64>,
    title: String,
    slug: String,
    summary: String,
    body: String,
    cover: Option<i64>,
    preview: String,
    public_url: Option<String>,
    live: bool,
    when: String,
    zone: String,
    channels: Vec<Opt>,
    can_publish: bool,
    announced: bool,
}

async fn edit_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    id: Option<i64>,
    f: &Form,
    saved: Option<&Article>,
) -> Result<String, WebError> {
    let tz = me.0.org.settings.timezone;
    let chans = siar_app::channels::list(&state.app, &me.0.actor).await?;
    let announce = saved.map(|a| a.announce.clone()).unwrap_or_default();
    Ok(EditPage {
        c,
        id,
        title: f.title.clone(),
        slug: f.slug.clone(),
        summary: f.summary.clone(),
        body: f.body.clone(),
        cover: f.cover,
        preview: articles::render(&f.body),
        public_url: saved
            .filter(|a| a.is_live(state.app.now()))
            .map(|a| format!("/artikel/{}", a.slug)),
        live: saved.is_some_and(|a| a.published_at.is_some()),
        when: saved
            .and_then(|a| a.published_at)
            .map(|t| local_input(t, tz))
            .unwrap_or_default(),
        zone: siar_domain::time::zone_label(tz).to_string(),
        channels: chans
            .iter()
            .map(|ch| Opt {
                value: ch.id.to_string(),
                label: format!(
                    "{} ({})",
                    crate::publishing::channel_name(c.lang, ch),
                    ch.handle
                ),
                selected: announce.contains(&ch.id),
            })
            .collect(),
        can_publish: me.0.actor.role.can(Permission::Publish),
        announced: saved.is_some_and(|a| a.announced),
    }
    .render()?)
}

pub async fn new_form(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "article-title", "/app/artikel", &headers, &r);
    let body = edit_page(&state, &me, &c, None, &Form::default(), None).await?;
    Ok(crate::pages::html_page(body, had, &state))
}

pub async fn edit_form(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
) -> WebResult {
    let a = articles::get(&state.app, &me.0.actor, id).await?;
    let (c, had) = staff_ctx(&me, "article-title", "/app/artikel", &headers, &r);
    let f = Form {
        title: a.title.clone(),
        slug: a.slug.clone(),
        summary: a.summary.clone(),
        body: a.body.clone(),
        cover: a.cover_media_id,
        ..Default::default()
    };
    let body = edit_page(&state, &me, &c, Some(id), &f, Some(&a)).await?;
    Ok(crate::pages::html_page(body, had, &state))
}

pub async fn create(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    mp: Multipart,
) -> WebResult {
    let f = read_form(mp).await?;
    submit(&state, &me, &r, None, f).await
}

pub async fn update(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
    mp: Multipart,
) -> WebResult {
    let f = read_form(mp).await?;
    submit(&state, &me, &r, Some(id), f).await
}

/// Saves the article (a cover file is stored first), then publishes or takes
/// it off the portal when the button asked for it.
async fn submit(
    state: &WebState,
    me: &Me,
    r: &Option<Extension<RequestId>>,
    id: Option<i64>,
    mut f: Form,
) -> WebResult {
    let actor = &me.0.actor;
    let tz = me.0.org.settings.timezone;
    let mut problems = siar_domain::validate::Problems::default();
    if let Some((name, bytes)) = f.file.take() {
        match media::upload(&state.app, actor, &name, bytes, &f.cover_alt).await {
            Ok(m) => f.cover = Some(m.id),
            Err(AppError::Invalid(p)) => problems.0.extend(p.0),
            Err(e) => return Err(e.into()),
        }
    }
    let input = ArticleInput {
        title: f.title.clone(),
        slug: f.slug.clone(),
        summary: f.summary.clone(),
        body: f.body.clone(),
        cover: f.cover,
    };
    let saved = if problems.is_empty() {
        articles::save(&state.app, actor, id, &input).await
    } else {
        Err(AppError::Invalid(problems))
    };
    let aid = match saved {
        Ok(a) => a,
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(me, "article-title", "/app/artikel", r, p);
            return Ok(unprocessable(edit_page(state, me, &c, id, &f, None).await?));
        }
        Err(e) => return Err(e.into()),
    };
    let result = match f.action.as_str() {
        "publish" => {
            let at = if f.when.trim().is_empty() {
                Ok(None)
            } else {
                parse_local(&f.when, tz)
                    .map(Some)
                    .ok_or_else(|| AppError::field("when", "err-datetime"))
            };
            match at {
                Ok(at) => articles::publish(&state.app, actor, aid, true, at, &f.announce)
                    .await
                    .map(|()| "article-published"),
                Err(e) => Err(e),
            }
        }
        "unpublish" => articles::publish(&state.app, actor, aid, false, None, &[])
            .await
            .map(|()| "article-unpublished"),
        _ => Ok("article-saved"),
    };
    match result {
        Ok(key) => Ok(done(state, &format!("/app/artikel/{aid}"), key)),
        Err(AppError::Invalid(p)) => {
            let saved = articles::get(&state.app, actor, aid).await?;
            let c = problems_ctx(me, "article-title", "/app/artikel", r, p);
            Ok(unprocessable(
                edit_page(state, me, &c, Some(aid), &f, Some(&saved)).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- portal

pub struct PublicRow {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub date: String,
    pub cover: bool,
}

#[derive(Template)]
#[template(path = "artikel_public_list.html")]
struct PublicList<'a> {
    c: &'a PageCtx,
    rows: Vec<PublicRow>,
}

#[derive(Template)]
#[template(path = "artikel_public.html")]
struct PublicArticle<'a> {
    c: &'a PageCtx,
    title: String,
    date: String,
    html: String,
    cover: Option<String>,
}

fn public_ctx(
    state: &WebState,
    headers: &HeaderMap,
    q: &crate::pages::LangQuery,
    r: &Option<Extension<RequestId>>,
    org: &siar_domain::org::Organisation,
    title_key: &str,
) -> (PageCtx, Option<HeaderValue>) {
    let (lang, set) = crate::pages::public_lang(headers, q, org.settings.default_lang);
    let mut c = PageCtx::public(
        lang,
        title_key,
        org.settings.name.clone(),
        String::new(),
        crate::pages::rid(r),
    );
    c.logo_url = crate::ctx::logo_url(&org.slug, org);
    let base = state
        .app
        .config
        .public_url
        .trim_end_matches('/')
        .to_string();
    c.alternates = vec![
        (
            "application/rss+xml",
            format!("{} · RSS", org.settings.name),
            format!("{base}/artikel/feed.rss"),
        ),
        (
            "application/atom+xml",
            format!("{} · Atom", org.settings.name),
            format!("{base}/artikel/feed.atom"),
        ),
    ];
    (c, set)
}

fn with_lang_cookie(
    mut res: axum::response::Response,
    set: Option<HeaderValue>,
    _state: &WebState,
) -> axum::response::Response {
    if let Some(v) = set {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub async fn public_list(
    State(state): State<WebState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<crate::pages::LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (org, list) = articles::live(&state.app, state.config.portal_org.as_deref()).await?;
    let (c, set) = public_ctx(&state, &headers, &q, &r, &org, "articles-public-title");
    let tz = org.settings.timezone;
    let rows = list
        .iter()
        .map(|a| PublicRow {
            slug: a.slug.clone(),
            title: a.title.clone(),
            summary: a.summary.clone(),
            date: a
                .published_at
                .map(|t| {
                    crate::studio::long_date(c.lang, t.to_utc().with_timezone(&tz).date_naive())
                })
                .unwrap_or_default(),
            cover: a.cover_media_id.is_some(),
        })
        .collect();
    let res = axum::response::Html(PublicList { c: &c, rows }.render()?).into_response();
    Ok(with_lang_cookie(res, set, &state))
}

pub async fn public_article(
    State(state): State<WebState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<crate::pages::LangQuery>,
    r: Option<Extension<RequestId>>,
    Path(slug): Path<String>,
) -> WebResult {
    match slug.as_str() {
        "feed.rss" => return feed(&state, true).await,
        "feed.atom" => return feed(&state, false).await,
        _ => {}
    }
    let (org, a) =
        articles::live_one(&state.app, state.config.portal_org.as_deref(), &slug).await?;
    let (mut c, set) = public_ctx(&state, &headers, &q, &r, &org, "articles-public-title");
    c.title = a.title.clone();
    let base = state
        .app
        .config
        .public_url
        .trim_end_matches('/')
        .to_string();
    let url = format!("{base}/artikel/{}", a.slug);
    let cover = a
        .cover_media_id
        .map(|_| format!("/artikel/{}/sampul", a.slug));
    let description = if a.summary.is_empty() {
        a.title.clone()
    } else {
        a.summary.clone()
    };
    c.meta = vec![
        ("name", "description".into(), description.clone()),
        ("property", "og:type".into(), "article".into()),
        ("property", "og:title".into(), a.title.clone()),
        ("property", "og:description".into(), description.clone()),
        ("property", "og:url".into(), url),
        ("property", "og:site_name".into(), org.settings.name.clone()),
        (
            "property",
            "og:locale".into(),
            if c.lang == siar_domain::org::Lang::Id {
                "id_ID".into()
            } else {
                "en_US".into()
            },
        ),
        (
            "name",
            "twitter:card".into(),
            if cover.is_some() {
                "summary_large_image".into()
            } else {
                "summary".into()
            },
        ),
        ("name", "twitter:title".into(), a.title.clone()),
        ("name", "twitter:description".into(), description),
    ];
    if let Some(cv) = &cover {
        c.meta
            .push(("property", "og:image".into(), format!("{base}{cv}")));
        c.meta
            .push(("name", "twitter:image".into(), format!("{base}{cv}")));
    }
    if let Some(t) = a.published_at {
        c.meta
            .push(("property", "article:published_time".into(), t.rfc3339()));
    }
    let tz = org.settings.timezone;
    let page = PublicArticle {
        title: a.title.clone(),
        date: a
            .published_at
            .map(|t| crate::studio::long_date(c.lang, t.to_utc().with_timezone(&tz).date_naive()))
            .unwrap_or_default(),
        html: articles::render(&a.body),
        cover,
        c: &c,
    };
    let res = axum::response::Html(page.render()?).into_response();
    Ok(with_lang_cookie(res, set, &state))
}

async fn feed(state: &WebState, rss: bool) -> WebResult {
    let org = state.config.portal_org.as_deref();
    let (body, ctype) = if rss {
        (
            articles::rss(&state.app, org).await?,
            "application/rss+xml; charset=utf-8",
        )
    } else {
        (
            articles::atom(&state.app, org).await?,
            "application/atom+xml; charset=utf-8",
        )
    };
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(r)
}

pub async fn public_cover(State(state): State<WebState>, Path(slug): Path<String>) -> WebResult {
    let (mime, bytes) =
        articles::cover(&state.app, state.config.portal_org.as_deref(), &slug).await?;
    Ok(file_response(mime, bytes, "public, max-age=3600"))
}
