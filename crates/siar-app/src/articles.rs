//! Articles: written in Markdown by the team, published on the portal at
//! `/artikel/{slug}` (rendered to HTML and sanitised: no raw HTML, no script,
//! only safe links), listed in RSS and Atom feeds, and optionally announced
//! on chosen channels when they go live.

use crate::studio::{self, DraftInput, SaveKind, Saved};
use crate::{Actor, App, AppError, audit};
use siar_domain::Timestamp;
use siar_domain::articles::{self as rules, Article};
use siar_domain::audit::AuditAction;
use siar_domain::org::{Organisation, Permission};
use siar_domain::publishing::check_publish_at;
use siar_domain::studio::Category;
use siar_store::StoreError;
use siar_store::articles as store;

/// What the article form sends.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body: String,
    pub cover: Option<i64>,
}

/// Saves a new article (`id` = `None`) or changes one. Contributors write
/// drafts; a live article is changed by editors only.
pub async fn save(
    app: &App,
    actor: &Actor,
    id: Option<i64>,
    input: &ArticleInput,
) -> Result<i64, AppError> {
    actor.require(Permission::Draft)?;
    let fields = rules::check_article(&input.title, &input.slug, &input.summary, &input.body)
        .map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    if let Some(c) = input.cover
        && siar_store::publishing::media_by_ids(&mut tx, actor.org, &[c])
            .await?
            .is_empty()
    {
        return Err(AppError::field("cover", "err-unknown-media"));
    }
    let result = match id {
        None => store::insert(&mut tx, actor.org, &fields, input.cover, actor.user, now).await,
        Some(id) => {
            let a = store::get(&mut tx, actor.org, id)
                .await?
                .ok_or(AppError::NotFound)?;
            if a.published_at.is_some() && !actor.role.can(Permission::Publish) {
                return Err(AppError::Forbidden);
            }
            store::update(&mut tx, actor.org, id, &fields, input.cover, now)
                .await
                .and_then(|ok| {
                    if ok {
                        Ok(id)
                    } else {
                        Err(StoreError::NotFound)
                    }
                })
        }
    };
    let aid = match result {
        Ok(a) => a,
        Err(StoreError::Conflict(_)) => {
            tx.rollback().await?;
            return Err(AppError::field("slug", "err-article-slug-taken"));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        actor,
        AuditAction::ArticleSaved,
        "article",
        Some(aid.to_string()),
        format!("/artikel/{}", fields.slug),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(aid)
}

/// Puts an article live now or at `at`, and (once) schedules an announcement
/// post on `announce` channels for the same moment: its title, summary and
/// address (shortened with UTM tags like every post's links). `None` for
/// `at` with `live` false takes it off the portal.
pub async fn publish(
    app: &App,
    actor: &Actor,
    id: i64,
    live: bool,
    at: Option<Timestamp>,
    announce: &[i64],
) -> Result<(), AppError> {
    actor.require(Permission::Publish)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let a = store::get(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !live {
        store::set_published(&mut tx, actor.org, id, None, &a.announce, a.announced, now).await?;
        audit::record(
            &mut tx,
            actor,
            AuditAction::ArticleSaved,
            "article",
            Some(id.to_string()),
            "unpublished".into(),
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    if let Some(at) = at
        && let Err(key) = check_publish_at(at, now)
    {
        return Err(AppError::field("publish_at", key));
    }
    for c in announce {
        if siar_store::channels::get(&mut tx, actor.org, *c)
            .await?
            .is_none()
        {
            return Err(AppError::field("announce", "err-unknown-channel"));
        }
    }
    let when = at.unwrap_or(now).max(now);
    let announce_now = !a.announced && !announce.is_empty();
    store::set_published(
        &mut tx,
        actor.org,
        id,
        Some(when),
        announce,
        a.announced || announce_now,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::ArticleSaved,
        "article",
        Some(id.to_string()),
        format!("live at {}; announce: {}", when.rfc3339(), announce.len()),
        now,
    )
    .await?;
    tx.commit().await?;
    if announce_now {
        let url = format!(
            "{}/artikel/{}",
            app.config.public_url.trim_end_matches('/'),
            a.slug
        );
        let mut text = a.title.clone();
        if !a.summary.is_empty() {
            text.push_str("\n\n");
            text.push_str(&a.summary);
        }
        text.push_str("\n\n");
        text.push_str(&url);
        let input = DraftInput {
            text,
            channels: announce.to_vec(),
            media: a.cover_media_id.into_iter().collect(),
            publish_at: Some(when),
            category: Some(Category::Artikel),
            shorten_links: true,
            ..Default::default()
        };
        if let Saved::Saved { id: post, version } =
            studio::save(app, actor, None, 0, &input, SaveKind::Manual).await?
        {
            // The announcement follows the channels' rules like any post; a
            // refusal leaves it as a draft for the team to fix.
            match studio::approve(app, actor, post, version).await {
                Ok(()) | Err(AppError::PostRefused(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Article>, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let v = store::all(&mut tx, actor.org, 500).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<Article, AppError> {
    actor.require(Permission::ViewPosts)?;
    let mut tx = app.store.read().await?;
    let a = store::get(&mut tx, actor.org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(a)
}

/// Markdown to safe HTML: raw HTML in the Markdown is shown as text, and the
/// result passes an allow-list sanitiser (no script, no event handlers, only
/// http(s) and mailto links, which get `rel="noopener noreferrer"`).
pub fn render(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, html};
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let events = Parser::new_ext(markdown, opts).map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&out)
        .to_string()
}

/// The portal's live articles, newest first.
pub async fn live(
    app: &App,
    configured: Option<&str>,
) -> Result<(Organisation, Vec<Article>), AppError> {
    let org = crate::settings::portal_org(app, configured).await?;
    let mut tx = app.store.read().await?;
    let v = store::live(&mut tx, org.id, app.now(), 50).await?;
    tx.commit().await?;
    Ok((org, v))
}

/// One live article by its slug.
pub async fn live_one(
    app: &App,
    configured: Option<&str>,
    slug: &str,
) -> Result<(Organisation, Article), AppError> {
    let org = crate::settings::portal_org(app, configured).await?;
    let mut tx = app.store.read().await?;
    let a = store::by_slug(&mut tx, org.id, slug).await?;
    tx.commit().await?;
    match a {
        Some(a) if a.is_live(app.now()) => Ok((org, a)),
        _ => Err(AppError::NotFound),
    }
}

/// The cover image of a live article: (type, bytes).
pub async fn cover(
    app: &App,
    configured: Option<&str>,
    slug: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let (_, a) = live_one(app, configured, slug).await?;
    let id = a.cover_media_id.ok_or(AppError::NotFound)?;
    crate::media::public_bytes(app, a.org_id, id).await
}

fn article_url(app: &App, a: &Article) -> String {
    format!(
        "{}/artikel/{}",
        app.config.public_url.trim_end_matches('/'),
        a.slug
    )
}

/// RSS 2.0 of the live articles.
pub async fn rss(app: &App, configured: Option<&str>) -> Result<String, AppError> {
    let (org, list) = live(app, configured).await?;
    let base = app.config.public_url.trim_end_matches('/');
    let items: Vec<rss::Item> = list
        .iter()
        .map(|a| {
            let url = article_url(app, a);
            rss::ItemBuilder::default()
                .title(Some(a.title.clone()))
                .link(Some(url.clone()))
                .guid(Some(
                    rss::GuidBuilder::default()
                        .value(url)
                        .permalink(true)
                        .build(),
                ))
                .pub_date(a.published_at.map(|t| t.to_utc().to_rfc2822()))
                .description(Some(if a.summary.is_empty() {
                    a.title.clone()
                } else {
                    a.summary.clone()
                }))
                .build()
        })
        .collect();
    let channel = rss::ChannelBuilder::default()
        .title(format!("{} · Artikel", org.settings.name))
        .link(format!("{base}/artikel"))
        .description(format!("Artikel dari {}", org.settings.name))
        .language(Some(org.settings.default_lang.code().to_string()))
        .last_build_date(
            list.first()
                .and_then(|a| a.published_at)
                .map(|t| t.to_utc().to_rfc2822()),
        )
        .items(items)
        .build();
    Ok(channel.to_string())
}

/// Atom 1.0 of the live articles.
pub async fn atom(app: &App, configured: Option<&str>) -> Result<String, AppError> {
    use atom_syndication::{EntryBuilder, FeedBuilder, FixedDateTime, LinkBuilder, PersonBuilder};
    let (org, list) = live(app, configured).await?;
    let base = app.config.public_url.trim_end_matches('/');
    let fixed = |t: Timestamp| -> FixedDateTime { t.to_utc().fixed_offset() };
    let author = PersonBuilder::default()
        .name(org.settings.name.clone())
        .build();
    let entries: Vec<atom_syndication::Entry> = list
        .iter()
        .map(|a| {
            let url = article_url(app, a);
            let published = a.published_at.unwrap_or(a.updated_at);
            EntryBuilder::default()
                .id(url.clone())
                .title(a.title.clone())
                .updated(fixed(a.updated_at.max(published)))
                .published(Some(fixed(published)))
                .authors(vec![author.clone()])
                .links(vec![
                    LinkBuilder::default()
                        .href(url)
                        .rel("alternate")
                        .mime_type(Some("text/html".into()))
                        .build(),
                ])
                .summary(Some(
                    if a.summary.is_empty() {
                        a.title.clone()
                    } else {
                        a.summary.clone()
                    }
                    .into(),
                ))
                .build()
        })
        .collect();
    let updated = list
        .iter()
        .map(|a| a.updated_at.max(a.published_at.unwrap_or(a.updated_at)))
        .max()
        .unwrap_or(Timestamp(0));
    let feed = FeedBuilder::default()
        .id(format!("{base}/artikel"))
        .title(format!("{} · Artikel", org.settings.name))
        .updated(fixed(updated))
        .authors(vec![author])
        .links(vec![
            LinkBuilder::default()
                .href(format!("{base}/artikel/feed.atom"))
                .rel("self")
                .mime_type(Some("application/atom+xml".into()))
                .build(),
            LinkBuilder::default()
                .href(format!("{base}/artikel"))
                .rel("alternate")
                .mime_type(Some("text/html".into()))
                .build(),
        ])
        .lang(Some(org.settings.default_lang.code().to_string()))
        .entries(entries)
        .build();
    Ok(feed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_safely() {
        let html = render(
            "# Judul\n\nTeks **tebal** dan [katalog](https://perpustakaan.example/katalog).\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[klik](javascript:alert(1))",
        );
        assert!(html.contains("<h1>Judul</h1>"), "{html}");
        assert!(html.contains("<strong>tebal</strong>"));
        assert!(html.contains("href=\"https://perpustakaan.example/katalog\""));
        assert!(html.contains("rel=\"noopener noreferrer\""));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(
            html.contains("&lt;script&gt;"),
            "raw HTML is shown as text: {html}"
        );
    }
}
