//! Short links: codes, targets, UTM tags, the device class of a click and the
//! hashed visitor (never a raw address).

use crate::Timestamp;
use crate::org::{OrgId, UserId};
use crate::validate::Problems;
use sha2::{Digest, Sha256};

/// Characters of generated codes: letters and digits without the ones that are
/// confused on a poster (0/O, 1/l/I).
pub const CODE_ALPHABET: &[u8] = b"23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";

/// Length of a generated code: 56^7 ≈ 1.7 × 10^12 codes.
pub const CODE_LEN: usize = 7;

/// Longest target address accepted.
pub const MAX_TARGET: usize = 2000;

/// Every message key this module can return (each must be translated).
pub const LINK_KEYS: [&str; 10] = [
    "err-link-code-length",
    "err-link-code-chars",
    "err-link-code-reserved",
    "err-link-code-taken",
    "err-link-target-empty",
    "err-link-target-long",
    "err-link-target-invalid",
    "err-link-target-credentials",
    "err-link-label-long",
    "err-link-campaign-long",
];

/// Codes a person may not choose (paths a short link could be mistaken for).
const RESERVED: [&str; 8] = [
    "app", "api", "admin", "login", "tautan", "artikel", "static", "assets",
];

/// A generated code from random bytes (one byte per character; the caller
/// supplies at least [`CODE_LEN`] of them).
pub fn code_from(random: &[u8]) -> String {
    random
        .iter()
        .take(CODE_LEN)
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// A code a person chose: 3–40 letters, digits or hyphens, not starting or
/// ending with a hyphen, and not a reserved word. Returns the problem's key.
pub fn check_code(code: &str) -> Result<(), &'static str> {
    let n = code.chars().count();
    if !(3..=40).contains(&n) {
        return Err("err-link-code-length");
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || code.starts_with('-')
        || code.ends_with('-')
    {
        return Err("err-link-code-chars");
    }
    if RESERVED.contains(&code.to_ascii_lowercase().as_str()) {
        return Err("err-link-code-reserved");
    }
    Ok(())
}

/// The address a short link leads to: an absolute `http`/`https` address with a
/// host, no longer than [`MAX_TARGET`], without user name or password. Returns
/// the normalised address.
pub fn check_target(target: &str) -> Result<String, &'static str> {
    let t = target.trim();
    if t.is_empty() {
        return Err("err-link-target-empty");
    }
    if t.len() > MAX_TARGET {
        return Err("err-link-target-long");
    }
    let u = url::Url::parse(t).map_err(|_| "err-link-target-invalid")?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return Err("err-link-target-invalid");
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("err-link-target-credentials");
    }
    Ok(u.to_string())
}

/// A campaign's slug as it goes into `utm_campaign`: lower case, letters and
/// digits, words joined by hyphens ("#PalembangBaca 2026" → "palembangbaca-2026").
pub fn campaign_slug(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// The target with `utm_source` (the channel), `utm_medium` and
/// `utm_campaign` set (ours replace the same keys already there; every other
/// query parameter and the fragment are kept).
pub fn with_utm(target: &str, source: &str, medium: &str, campaign: Option<&str>) -> String {
    let Ok(mut u) = url::Url::parse(target) else {
        return target.to_string();
    };
    let keep: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !matches!(k.as_ref(), "utm_source" | "utm_medium" | "utm_campaign"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = u.query_pairs_mut();
        q.clear();
        for (k, v) in &keep {
            q.append_pair(k, v);
        }
        q.append_pair("utm_source", source);
        q.append_pair("utm_medium", medium);
        if let Some(c) = campaign.filter(|c| !c.is_empty()) {
            q.append_pair("utm_campaign", c);
        }
    }
    u.to_string()
}

/// What kind of device followed a link, from its User-Agent (coarse on
/// purpose: nothing that singles a person out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Device {
    Mobile,
    Tablet,
    Desktop,
    /// Link previews and crawlers (not counted as people).
    Bot,
    Unknown,
}

impl Device {
    pub const ALL: [Device; 5] = [
        Device::Mobile,
        Device::Tablet,
        Device::Desktop,
        Device::Bot,
        Device::Unknown,
    ];

    pub fn from_user_agent(ua: &str) -> Self {
        let l = ua.to_ascii_lowercase();
        if l.trim().is_empty() {
            return Device::Unknown;
        }
        const BOTS: [&str; 10] = [
            "bot",
            "crawler",
            "spider",
            "facebookexternalhit",
            "whatsapp",
            "telegram",
            "slurp",
            "preview",
            "curl/",
            "python-requests",
        ];
        if BOTS.iter().any(|b| l.contains(b)) {
            return Device::Bot;
        }
        if l.contains("ipad")
            || l.contains("tablet")
            || (l.contains("android") && !l.contains("mobile"))
        {
            return Device::Tablet;
        }
        if l.contains("mobi") || l.contains("iphone") || l.contains("android") {
            return Device::Mobile;
        }
        Device::Desktop
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
            Device::Bot => "bot",
            Device::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Device::Mobile => "device-mobile",
            Device::Tablet => "device-tablet",
            Device::Desktop => "device-desktop",
            Device::Bot => "device-bot",
            Device::Unknown => "device-unknown",
        }
    }
}

/// The visitor of a click, as a hash of the day's random salt, the address and
/// the User-Agent. The salt is thrown away after its day, so a hash cannot be
/// traced back to an address; within a day it counts unique visitors.
pub fn visitor_hash(salt: &[u8], address: &str, user_agent: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update([0]);
    h.update(address.as_bytes());
    h.update([0]);
    h.update(user_agent.as_bytes());
    h.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The day a salt belongs to (UTC), as `YYYY-MM-DD`.
pub fn salt_day(at: Timestamp) -> String {
    at.to_utc().format("%Y-%m-%d").to_string()
}

/// A short link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortLink {
    pub id: i64,
    pub org_id: OrgId,
    pub code: String,
    /// Where it leads, UTM tags included.
    pub target: String,
    pub label: String,
    pub channel_id: Option<i64>,
    pub post_id: Option<i64>,
    pub campaign: Option<String>,
    /// Listed on the public link-in-bio page.
    pub in_bio: bool,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
}

/// What a person asks for when making a link.
#[derive(Debug, Clone, Default)]
pub struct LinkRequest {
    pub target: String,
    pub label: String,
    /// A code of their choosing; generated when empty.
    pub code: String,
    pub campaign: String,
}

/// Checks a request; returns the normalised target and the campaign slug.
pub fn check_request(r: &LinkRequest) -> Result<(String, Option<String>), Problems> {
    let mut p = Problems::default();
    let target = match check_target(&r.target) {
        Ok(t) => Some(t),
        Err(k) => {
            p.push("target", k);
            None
        }
    };
    if r.label.chars().count() > 120 {
        p.push("label", "err-link-label-long");
    }
    if !r.code.trim().is_empty()
        && let Err(k) = check_code(r.code.trim())
    {
        p.push("code", k);
    }
    let campaign = campaign_slug(&r.campaign);
    if campaign.chars().count() > 80 {
        p.push("campaign", "err-link-campaign-long");
    }
    match target {
        Some(t) if p.is_empty() => Ok((t, Some(campaign).filter(|c| !c.is_empty()))),
        _ => Err(p),
    }
}

/// Clicks on one link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Every click by a person (previews and crawlers left out).
    pub clicks: i64,
    /// Distinct visitors per day, summed over days.
    pub visitors: i64,
    /// Crawlers and link previews.
    pub bots: i64,
    pub by_device: Vec<(Device, i64)>,
    /// Clicks by person per day (`YYYY-MM-DD` in the organisation's zone).
    pub by_day: Vec<(String, i64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_use_the_plain_alphabet() {
        let c = code_from(&[0, 1, 2, 255, 128, 55, 56, 99]);
        assert_eq!(c.len(), CODE_LEN);
        assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        for bad in ['0', 'O', '1', 'l', 'I'] {
            assert!(!CODE_ALPHABET.contains(&(bad as u8)), "{bad}");
        }
        assert_eq!(code_from(&[0; 7]), "2222222");
    }

    #[test]
    fn chosen_codes() {
        assert_eq!(check_code("PalembangBaca"), Ok(()));
        assert_eq!(check_code("hari-buku-2027"), Ok(()));
        assert_eq!(check_code("ab"), Err("err-link-code-length"));
        assert_eq!(check_code("baca buku"), Err("err-link-code-chars"));
        assert_eq!(check_code("-baca"), Err("err-link-code-chars"));
        assert_eq!(check_code("bacá"), Err("err-link-code-chars"));
        assert_eq!(check_code("Admin"), Err("err-link-code-reserved"));
    }

    #[test]
    fn targets() {
        assert_eq!(
            check_target(" https://perpustakaan.palembang.go.id/katalog "),
            Ok("https://perpustakaan.palembang.go.id/katalog".into())
        );
        assert_eq!(check_target(""), Err("err-link-target-empty"));
        assert_eq!(
            check_target("perpustakaan.go.id"),
            Err("err-link-target-invalid")
        );
        assert_eq!(
            check_target("javascript:alert(1)"),
            Err("err-link-target-invalid")
        );
        assert_eq!(
            check_target("ftp://example.org/a"),
            Err("err-link-target-invalid")
        );
        assert_eq!(
            check_target("https://user:pw@example.org/"),
            Err("err-link-target-credentials")
        );
        let long = format!("https://example.org/{}", "a".repeat(MAX_TARGET));
        assert_eq!(check_target(&long), Err("err-link-target-long"));
    }

    #[test]
    fn utm_tags_replace_ours_and_keep_the_rest() {
        assert_eq!(
            with_utm(
                "https://perpus.example/acara?id=5&utm_source=lama#daftar",
                "instagram",
                "social",
                Some("palembangbaca")
            ),
            "https://perpus.example/acara?id=5&utm_source=instagram&utm_medium=social&utm_campaign=palembangbaca#daftar"
        );
        assert_eq!(
            with_utm("https://perpus.example/", "x", "social", None),
            "https://perpus.example/?utm_source=x&utm_medium=social"
        );
    }

    #[test]
    fn campaign_slugs() {
        assert_eq!(campaign_slug("#PalembangBaca 2026"), "palembangbaca-2026");
        assert_eq!(
            campaign_slug("Minggu Buku  Palembang!"),
            "minggu-buku-palembang"
        );
        assert_eq!(campaign_slug("  "), "");
    }

    #[test]
    fn devices_from_user_agents() {
        let cases = [
            (
                "Mozilla/5.0 (Linux; Android 11; SM-A125F) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36",
                Device::Mobile,
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
                Device::Mobile,
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X)",
                Device::Tablet,
            ),
            (
                "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 Chrome/120 Safari/537.36",
                Device::Tablet,
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120 Safari/537.36",
                Device::Desktop,
            ),
            (
                "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
                Device::Bot,
            ),
            ("Twitterbot/1.0", Device::Bot),
            ("WhatsApp/2.23.20.0 A", Device::Bot),
            ("", Device::Unknown),
        ];
        for (ua, want) in cases {
            assert_eq!(Device::from_user_agent(ua), want, "{ua}");
        }
        for d in Device::ALL {
            assert_eq!(Device::parse(d.as_str()), Some(d));
        }
    }

    #[test]
    fn visitor_hashes_hide_the_address() {
        let a = visitor_hash(b"salt-1", "36.68.1.2", "UA");
        assert_eq!(a.len(), 24);
        assert!(!a.contains("36.68"));
        assert_eq!(a, visitor_hash(b"salt-1", "36.68.1.2", "UA"));
        assert_ne!(
            a,
            visitor_hash(b"salt-2", "36.68.1.2", "UA"),
            "a new day, a new hash"
        );
        assert_ne!(a, visitor_hash(b"salt-1", "36.68.1.3", "UA"));
        assert_eq!(salt_day(Timestamp(1_795_827_600_000)), "2026-11-28");
    }

    #[test]
    fn requests_list_every_problem() {
        let bad = LinkRequest {
            target: "katalog".into(),
            label: "x".repeat(121),
            code: "a b".into(),
            campaign: String::new(),
        };
        let p = check_request(&bad).unwrap_err();
        let fields: Vec<&str> = p.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["target", "label", "code"]);
        let ok = LinkRequest {
            target: "https://perpus.example/katalog".into(),
            label: "Katalog".into(),
            code: String::new(),
            campaign: "#PalembangBaca".into(),
        };
        assert_eq!(
            check_request(&ok).unwrap(),
            (
                "https://perpus.example/katalog".into(),
                Some("palembangbaca".into())
            )
        );
    }
}
