//! What a post's text holds: links, mentions and hashtags with their UTF-8 byte
//! offsets, and each platform's way of counting its length.
//!
//! Offsets are always byte offsets into the text as given (inclusive start,
//! exclusive end), which is what Bluesky facets need.

use crate::channels::TextCounting;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// What a link counts on X and Mastodon, whatever its real length.
pub const URL_WEIGHT: usize = 23;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum TokenKind {
    /// `uri` is the full address, with a scheme even when the text shows none.
    Link { uri: String, has_scheme: bool },
    /// `handle` without the `@`; `domain` is Mastodon's remote part (`@user@domain`).
    Mention {
        handle: String,
        domain: Option<String>,
    },
    /// The tag without the `#`.
    Tag { tag: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

/// Top-level domains a bare address (no `http://`) is recognised with. Platforms
/// link such text, so it must be counted as a link.
const TLDS: &[&str] = &[
    "id", "com", "org", "net", "edu", "gov", "info", "io", "co", "me", "ly", "app", "dev",
    "social", "xyz", "my", "sg", "uk", "au", "us", "tv", "to", "gl", "gd", "be", "link", "site",
    "online", "web", "news", "blog", "library",
];

const TRAILING: &[char] = &['.', ',', ';', ':', '!', '?', '\'', '"', '’', '”'];

fn boundary_before(text: &str, i: usize) -> bool {
    match text[..i].chars().next_back() {
        None => true,
        Some(c) => !(c.is_alphanumeric() || c == '_' || c == '@' || c == '#' || c == '/'),
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_joiner(c)
}

/// Marks that keep a hashtag going: combining marks (Devanagari, Thai, é as e + ́)
/// and the zero-width joiners.
fn is_joiner(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0900..=0x0DFF | 0x0E31..=0x0E4E | 0x200C | 0x200D)
}

/// Links, mentions and hashtags in `text`, in order, never overlapping.
pub fn scan(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let Some(c) = rest.chars().next() else { break };
        if boundary_before(text, i) {
            if let Some(t) = link_at(text, i) {
                i = t.end;
                out.push(t);
                continue;
            }
            if c == '@'
                && let Some(t) = mention_at(text, i)
            {
                i = t.end;
                out.push(t);
                continue;
            }
            if (c == '#' || c == '＃')
                && let Some(t) = tag_at(text, i)
            {
                i = t.end;
                out.push(t);
                continue;
            }
        }
        i += c.len_utf8();
    }
    out
}

fn strip_trailing(s: &str) -> &str {
    let mut s = s.trim_end_matches(TRAILING);
    // A closing bracket belongs to the link only when the link opened one.
    while s.ends_with(')') && s.matches('(').count() < s.matches(')').count() {
        s = s[..s.len() - 1].trim_end_matches(TRAILING);
    }
    s
}

fn link_at(text: &str, i: usize) -> Option<Token> {
    let rest = &text[i..];
    let run_end = rest
        .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
        .unwrap_or(rest.len());
    let run = strip_trailing(&rest[..run_end]);
    let lower = run.to_ascii_lowercase();
    let (has_scheme, after) = if lower.starts_with("https://") {
        (true, &run[8..])
    } else if lower.starts_with("http://") {
        (true, &run[7..])
    } else {
        (false, run)
    };
    let host_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let host = after[..host_end].split(':').next().unwrap_or("");
    if !valid_host(host, has_scheme) {
        return None;
    }
    if !has_scheme && run.contains('@') {
        return None;
    }
    let uri = if has_scheme {
        run.to_string()
    } else {
        format!("https://{run}")
    };
    Some(Token {
        start: i,
        end: i + run.len(),
        kind: TokenKind::Link { uri, has_scheme },
    })
}

fn valid_host(host: &str, has_scheme: bool) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 && !(has_scheme && host == "localhost") {
        return false;
    }
    if labels.iter().any(|l| {
        l.is_empty()
            || l.starts_with('-')
            || l.ends_with('-')
            || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
    }) {
        return false;
    }
    if has_scheme {
        return true;
    }
    let tld = labels
        .last()
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default();
    TLDS.contains(&tld.as_str())
}

fn mention_at(text: &str, i: usize) -> Option<Token> {
    let rest = &text[i + 1..];
    let end = rest
        .find(|c: char| {
            !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '@')
        })
        .unwrap_or(rest.len());
    let body = rest[..end].trim_end_matches(['.', '-']);
    if body.is_empty() {
        return None;
    }
    let (handle, domain) = match body.split_once('@') {
        Some((h, d)) if !h.is_empty() && d.contains('.') && !d.contains('@') => {
            (h.to_string(), Some(d.to_string()))
        }
        Some(_) => return None,
        None => (body.to_string(), None),
    };
    if !handle
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    Some(Token {
        start: i,
        end: i + 1 + body.len(),
        kind: TokenKind::Mention { handle, domain },
    })
}

fn tag_at(text: &str, i: usize) -> Option<Token> {
    let hash_len = text[i..].chars().next()?.len_utf8();
    let rest = &text[i + hash_len..];
    let end = rest
        .char_indices()
        .find(|(_, c)| !is_word_char(*c))
        .map(|(j, _)| j)
        .unwrap_or(rest.len());
    let tag = &rest[..end];
    if tag.is_empty() || tag.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Token {
        start: i,
        end: i + hash_len + tag.len(),
        kind: TokenKind::Tag {
            tag: tag.to_string(),
        },
    })
}

/// A line holding only this separates the posts of a thread.
pub const THREAD_SEPARATOR: &str = "---";

/// The posts of a thread, in order (one part when there is no separator).
/// Empty parts are dropped.
pub fn thread_parts(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    for line in text.lines() {
        if line.trim() == THREAD_SEPARATOR {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            if !last.is_empty() {
                last.push('\n');
            }
            last.push_str(line);
        }
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        vec![String::new()]
    } else {
        parts
    }
}

/// The text for a platform without threads: the parts as paragraphs.
pub fn without_threads(text: &str) -> String {
    thread_parts(text).join("\n\n")
}

pub fn graphemes(s: &str) -> usize {
    s.graphemes(true).count()
}

/// The length of `text` as `counting` measures it.
pub fn count(text: &str, counting: TextCounting) -> usize {
    match counting {
        TextCounting::Characters => text.chars().count(),
        TextCounting::Bytes => text.len(),
        TextCounting::BlueskyGraphemes => graphemes(text),
        TextCounting::XWeighted => x_weighted(text),
        TextCounting::MastodonGraphemes => mastodon(text),
    }
}

/// X's weighted length (twitter-text v3): text is NFC-normalised, a link counts
/// 23, code points in the light ranges count 1, everything else 2, and an emoji
/// sequence (skin tones, ZWJ families, flags, keycaps) counts 2 in all.
pub fn x_weighted(text: &str) -> usize {
    let text: String = text.nfc().collect();
    let mut total = 0;
    let mut pos = 0;
    for t in scan(&text) {
        if let TokenKind::Link { .. } = t.kind {
            total += x_plain(&text[pos..t.start]) + URL_WEIGHT;
            pos = t.end;
        }
    }
    total + x_plain(&text[pos..])
}

fn x_plain(s: &str) -> usize {
    s.graphemes(true)
        .map(|g| {
            if is_emoji(g) {
                2
            } else {
                g.chars().map(|c| if x_light(c) { 1 } else { 2 }).sum()
            }
        })
        .sum()
}

fn x_light(c: char) -> bool {
    matches!(c as u32, 0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247)
}

fn is_emoji(g: &str) -> bool {
    let mut chars = g.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    g.chars().any(|c| c as u32 >= 0x1F000 || c == '\u{FE0F}')
        || matches!(first as u32,
            0x2190..=0x21FF | 0x2300..=0x23FF | 0x2600..=0x27BF | 0x2B00..=0x2BFF
            | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

/// Mastodon: grapheme clusters; a link with a scheme counts 23; `@user@domain`
/// counts as `@user`.
pub fn mastodon(text: &str) -> usize {
    let mut total = 0;
    let mut pos = 0;
    for t in scan(text) {
        match &t.kind {
            TokenKind::Link {
                has_scheme: true, ..
            } => {
                total += graphemes(&text[pos..t.start]) + URL_WEIGHT;
                pos = t.end;
            }
            TokenKind::Mention {
                handle,
                domain: Some(_),
            } => {
                total += graphemes(&text[pos..t.start]) + 1 + graphemes(handle);
                pos = t.end;
            }
            _ => {}
        }
    }
    total + graphemes(&text[pos..])
}

/// Text as platforms show it back, for matching a post found on the platform
/// with the one sent: links (which platforms rewrite, e.g. to t.co) become one
/// placeholder each, and whitespace is collapsed.
pub fn comparable(text: &str) -> String {
    let mut out = String::new();
    let mut pos = 0;
    for t in scan(text) {
        if let TokenKind::Link { .. } = t.kind {
            out.push_str(&text[pos..t.start]);
            out.push('\u{1}');
            pos = t.end;
        }
    }
    out.push_str(&text[pos..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn hashtag_count(text: &str) -> usize {
    scan(text)
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::Tag { .. }))
        .count()
}

pub fn mention_count(text: &str) -> usize {
    scan(text)
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::Mention { .. }))
        .count()
}

/// A Bluesky facet before mentions are resolved to DIDs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facet {
    pub byte_start: usize,
    pub byte_end: usize,
    pub feature: FacetFeature,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum FacetFeature {
    Link(String),
    /// A handle to resolve; the facet is dropped if it does not resolve.
    Mention(String),
    Tag(String),
}

/// Bluesky facets for `text`: links (full URI), mentions of domain handles
/// (`@perpus.bsky.social`) and tags (≤ 64 graphemes, ≤ 640 bytes).
pub fn bluesky_facets(text: &str) -> Vec<Facet> {
    scan(text)
        .into_iter()
        .filter_map(|t| {
            let feature = match t.kind {
                TokenKind::Link { uri, .. } => FacetFeature::Link(uri),
                TokenKind::Mention {
                    handle,
                    domain: None,
                } if handle.contains('.') => FacetFeature::Mention(handle),
                TokenKind::Tag { tag } if graphemes(&tag) <= 64 && tag.len() <= 640 => {
                    FacetFeature::Tag(tag)
                }
                _ => return None,
            };
            Some(Facet {
                byte_start: t.start,
                byte_end: t.end,
                feature,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_counts_latin_as_one_and_emoji_as_two() {
        assert_eq!(x_weighted("Ayo membaca!"), 12);
        assert_eq!(x_weighted("📚"), 2);
        // A family (ZWJ sequence), a skin tone, a flag and a keycap: 2 each.
        assert_eq!(x_weighted("👨‍👩‍👧"), 2);
        assert_eq!(x_weighted("👍🏽"), 2);
        assert_eq!(x_weighted("🇮🇩"), 2);
        assert_eq!(x_weighted("1️⃣"), 2);
        // CJK counts 2, typographic quotes are light.
        assert_eq!(x_weighted("図書館"), 6);
        assert_eq!(x_weighted("“kutipan”"), 9);
        // Decomposed é (e + U+0301) is normalised to one character.
        assert_eq!(x_weighted("Cafe\u{301}"), 4);
    }

    #[test]
    fn x_counts_every_link_as_23() {
        let long = "https://perpustakaan.palembang.go.id/acara/2026/festival-literasi-anak?utm=x";
        assert_eq!(x_weighted(long), 23);
        assert_eq!(x_weighted(&format!("Daftar: {long} ya")), 8 + 23 + 3);
        // A bare domain is a link too.
        assert_eq!(x_weighted("lihat bit.ly/abc"), 6 + 23);
        // Trailing punctuation is not part of the link.
        assert_eq!(x_weighted("di https://a.id."), 3 + 23 + 1);
        // A decimal number is not a domain.
        assert_eq!(x_weighted("versi 2.5"), 9);
    }

    #[test]
    fn mastodon_counts_links_and_remote_mentions() {
        assert_eq!(mastodon("halo @perpus@mastodon.social"), 5 + 7);
        assert_eq!(mastodon("https://example.com/very/long/path/indeed"), 23);
        // Bare domains count as typed on Mastodon.
        assert_eq!(mastodon("bit.ly/abc"), 10);
        assert_eq!(mastodon("👨‍👩‍👧 baca"), 6);
    }

    #[test]
    fn bluesky_facets_use_utf8_byte_offsets() {
        let text = "Sayang anak 👨‍👩‍👧, baca di https://perpus.id #BacaBersama @perpus.bsky.social";
        let facets = bluesky_facets(text);
        assert_eq!(facets.len(), 3);
        for f in &facets {
            let slice = &text.as_bytes()[f.byte_start..f.byte_end];
            let s = std::str::from_utf8(slice).expect("facet on char boundary");
            match &f.feature {
                FacetFeature::Link(u) => {
                    assert_eq!(s, "https://perpus.id");
                    assert_eq!(u, "https://perpus.id");
                }
                FacetFeature::Tag(t) => {
                    assert_eq!(s, "#BacaBersama");
                    assert_eq!(t, "BacaBersama");
                }
                FacetFeature::Mention(h) => {
                    assert_eq!(s, "@perpus.bsky.social");
                    assert_eq!(h, "perpus.bsky.social");
                }
            }
        }
        // The link starts after the family emoji: 18 bytes, though 1 grapheme.
        let link = &facets[0];
        assert_eq!(link.byte_start, text.find("https").expect("link"));
        assert_eq!(link.byte_start, 12 + 18 + 10);
    }

    #[test]
    fn bluesky_tags_keep_combining_marks_and_bare_links_get_a_scheme() {
        let text = "Cafe\u{301} #Cafe\u{301}Baca perpus.palembang.go.id/acara";
        let facets = bluesky_facets(text);
        assert_eq!(
            facets[0].feature,
            FacetFeature::Tag("Cafe\u{301}Baca".into())
        );
        assert_eq!(
            &text[facets[0].byte_start..facets[0].byte_end],
            "#Cafe\u{301}Baca"
        );
        assert_eq!(
            facets[1].feature,
            FacetFeature::Link("https://perpus.palembang.go.id/acara".into())
        );
        assert_eq!(graphemes("Cafe\u{301}"), 4);
    }

    #[test]
    fn numbers_emails_and_mid_word_marks_are_not_tokens() {
        assert!(bluesky_facets("#2026 adalah tahun baca").is_empty());
        assert!(scan("surat ke info@perpus.id").is_empty());
        assert!(scan("C#sharp").is_empty());
        assert_eq!(hashtag_count("#a #b #c d#e"), 3);
        assert_eq!(mention_count("@a, @b.c dan @d@e.f"), 3);
    }

    #[test]
    fn threads_split_on_separator_lines() {
        let t = "Bagian satu\n---\nBagian dua\nbaris kedua\n  ---  \n\n---\nTiga";
        assert_eq!(
            thread_parts(t),
            vec!["Bagian satu", "Bagian dua\nbaris kedua", "Tiga"]
        );
        assert_eq!(
            thread_parts("Tanpa utas --- di tengah baris"),
            vec!["Tanpa utas --- di tengah baris"]
        );
        assert_eq!(
            without_threads(t),
            "Bagian satu\n\nBagian dua\nbaris kedua\n\nTiga"
        );
    }

    #[test]
    fn link_in_brackets_drops_the_unbalanced_bracket() {
        let t = scan("(lihat https://perpus.id/a)");
        assert_eq!(
            t[0].kind,
            TokenKind::Link {
                uri: "https://perpus.id/a".into(),
                has_scheme: true
            }
        );
        let t = scan("https://id.wikipedia.org/wiki/Palembang_(kota)");
        assert!(matches!(&t[0].kind, TokenKind::Link { uri, .. } if uri.ends_with("(kota)")));
    }
}
