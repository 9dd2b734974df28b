//! Link cards: the title, description and image a page declares (Open Graph,
//! then `<title>` and `meta description`), for platforms where a link card is a
//! separate embed (Bluesky).

use crate::Ctx;
use std::net::IpAddr;
use std::time::Duration;

/// What a page says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCard {
    pub uri: String,
    pub title: String,
    pub description: String,
    pub image: Option<String>,
}

/// The largest page read for a card, and the largest card image.
const MAX_PAGE: usize = 512 * 1024;
pub const MAX_IMAGE: usize = 1_000_000;

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            !(v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || v.is_documentation()
                || v.octets()[0] == 100 && (64..128).contains(&v.octets()[1]))
        }
        IpAddr::V6(v) => {
            !(v.is_loopback()
                || v.is_unspecified()
                || (v.segments()[0] & 0xfe00) == 0xfc00
                || (v.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// Refuses addresses inside the library's network unless `allow_private`: the
/// server must not be made to fetch its own intranet for a post.
async fn reachable(url: &url::Url, allow_private: bool) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    if allow_private {
        return true;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let port = url.port_or_known_default().unwrap_or(443);
    match tokio::net::lookup_host((host, port)).await {
        Ok(addrs) => {
            let addrs: Vec<_> = addrs.collect();
            !addrs.is_empty() && addrs.iter().all(|a| is_public(a.ip()))
        }
        Err(_) => false,
    }
}

/// Reads `uri` and returns its card, or `None` when the page cannot be read.
pub async fn fetch(ctx: &Ctx, uri: &str, allow_private: bool) -> Option<LinkCard> {
    let url = url::Url::parse(uri).ok()?;
    if !reachable(&url, allow_private).await {
        return None;
    }
    let rb = ctx
        .http
        .get(uri)
        .timeout(Duration::from_secs(5))
        .header("Accept", "text/html");
    let r = ctx
        .http
        .send(siar_domain::channels::Platform::Bluesky, rb)
        .await
        .ok()?;
    let html_type = r
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html"));
    if !r.is_success() || !html_type {
        return None;
    }
    let body = &r.body[..r.body.len().min(MAX_PAGE)];
    let page = String::from_utf8_lossy(body);
    parse(uri, &page)
}

/// The card a page's HTML declares.
pub fn parse(uri: &str, html: &str) -> Option<LinkCard> {
    let dom = tl::parse(html, tl::ParserOptions::default()).ok()?;
    let parser = dom.parser();
    let mut meta: Vec<(String, String)> = Vec::new();
    if let Some(tags) = dom.query_selector("meta") {
        for h in tags {
            let Some(tag) = h.get(parser).and_then(|n| n.as_tag()) else {
                continue;
            };
            let attrs = tag.attributes();
            let key = attrs
                .get("property")
                .flatten()
                .or_else(|| attrs.get("name").flatten())
                .map(|b| b.as_utf8_str().to_ascii_lowercase());
            let content = attrs
                .get("content")
                .flatten()
                .map(|b| b.as_utf8_str().to_string());
            if let (Some(k), Some(c)) = (key, content) {
                meta.push((k, c));
            }
        }
    }
    let get = |k: &str| {
        meta.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| decode(v))
            .filter(|v| !v.is_empty())
    };
    let title_tag = dom
        .query_selector("title")
        .and_then(|mut it| it.next())
        .and_then(|h| h.get(parser))
        .map(|n| decode(&n.inner_text(parser)));
    let title = get("og:title")
        .or_else(|| get("twitter:title"))
        .or(title_tag)
        .filter(|t| !t.is_empty())?;
    let description = get("og:description")
        .or_else(|| get("description"))
        .unwrap_or_default();
    let image = get("og:image")
        .or_else(|| get("twitter:image"))
        .and_then(|i| url::Url::parse(uri).ok()?.join(&i).ok())
        .map(|u| u.to_string());
    Some(LinkCard {
        uri: uri.to_string(),
        title: clip(&title, 300),
        description: clip(&description, 1000),
        image,
    })
}

fn decode(s: &str) -> String {
    html_escape::decode_html_entities(s)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_open_graph_then_falls_back() {
        let html = r#"<html><head><title>Judul cadangan</title>
            <meta property="og:title" content="Festival Literasi &amp; Dongeng">
            <meta name="description" content="Tiga hari   acara untuk keluarga.">
            <meta property="og:image" content="/img/poster.png"></head><body></body></html>"#;
        let c = parse("https://perpus.palembang.go.id/acara/festival", html).expect("card");
        assert_eq!(c.title, "Festival Literasi & Dongeng");
        assert_eq!(c.description, "Tiga hari acara untuk keluarga.");
        assert_eq!(
            c.image.as_deref(),
            Some("https://perpus.palembang.go.id/img/poster.png")
        );
        let plain = parse("https://x.id/", "<title> Beranda  Perpustakaan </title>").expect("card");
        assert_eq!(plain.title, "Beranda Perpustakaan");
        assert_eq!(plain.image, None);
        assert_eq!(parse("https://x.id/", "<p>tanpa judul</p>"), None);
    }

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
        assert!(is_public("103.28.12.1".parse().expect("ip")));
    }
}
