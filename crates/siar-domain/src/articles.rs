//! Long-form articles for the portal: their slugs and the checks on a form.

use crate::Timestamp;
use crate::org::{OrgId, UserId};
use crate::validate::{FieldError, Problems};
use serde::Serialize;

/// An article as stored. `body` is Markdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    pub id: i64,
    pub org_id: OrgId,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub cover_media_id: Option<i64>,
    pub author_id: Option<UserId>,
    /// `None` while a draft; may be in the future (it goes live then).
    pub published_at: Option<Timestamp>,
    /// Channels to announce it on when it goes live.
    pub announce: Vec<i64>,
    pub announced: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Article {
    /// Whether the public can read it at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.published_at.is_some_and(|t| t.0 <= now.0)
    }
}

/// Longest article body (Markdown characters).
pub const MAX_BODY: usize = 100_000;

/// Every message key this module can return.
pub const ARTICLE_KEYS: [&str; 3] = [
    "err-article-slug",
    "err-article-slug-taken",
    "err-article-slug-reserved",
];

/// Paths under /artikel/ that a slug may not take.
const RESERVED: [&str; 4] = ["feed", "rss", "atom", "baru"];

/// A slug as typed (or made from the title when empty): lower-case letters,
/// digits and hyphens, 3–80 characters.
pub fn slug_for(typed: &str, title: &str) -> Result<String, &'static str> {
    let source = if typed.trim().is_empty() {
        title
    } else {
        typed
    };
    let slug = crate::links::campaign_slug(source);
    if slug.chars().count() < 3 || slug.chars().count() > 80 || !slug.is_ascii() {
        return Err("err-article-slug");
    }
    if RESERVED.contains(&slug.as_str()) || slug.starts_with("feed.") {
        return Err("err-article-slug-reserved");
    }
    Ok(slug)
}

/// The checked fields of an article form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFields {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body: String,
}

pub fn check_article(
    title: &str,
    slug: &str,
    summary: &str,
    body: &str,
) -> Result<ArticleFields, Problems> {
    let mut p = Problems::default();
    p.text("title", title, 200);
    if summary.trim().chars().count() > 300 {
        p.0.push(FieldError {
            field: "summary",
            key: "err-too-long",
            max: Some(300),
        });
    }
    p.text("body", body, MAX_BODY);
    let slug = match slug_for(slug, title) {
        Ok(s) => s,
        Err(k) => {
            if !title.trim().is_empty() || !slug.trim().is_empty() {
                p.push("slug", k);
            }
            String::new()
        }
    };
    p.into_result()?;
    Ok(ArticleFields {
        slug,
        title: title.trim().to_string(),
        summary: summary.trim().to_string(),
        body: body.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_and_checked() {
        assert_eq!(
            slug_for("", "Tips Memilih Buku Anak!").unwrap(),
            "tips-memilih-buku-anak"
        );
        assert_eq!(
            slug_for("Baca Bareng 2026", "x").unwrap(),
            "baca-bareng-2026"
        );
        assert_eq!(slug_for("ab", "x"), Err("err-article-slug"));
        assert_eq!(slug_for("feed", "x"), Err("err-article-slug-reserved"));
        assert_eq!(slug_for("", "Buku ñandú"), Err("err-article-slug"));
    }

    #[test]
    fn a_form_is_checked() {
        let ok = check_article("Judul", "", "Ringkas", "Isi **tebal**").unwrap();
        assert_eq!(ok.slug, "judul");
        let p = check_article(" ", "", &"x".repeat(301), "").unwrap_err();
        assert!(p.for_field("title").is_some());
        assert!(p.for_field("summary").is_some());
        assert!(p.for_field("body").is_some());
        assert!(
            p.for_field("slug").is_none(),
            "no slug problem before a title"
        );
    }
}
