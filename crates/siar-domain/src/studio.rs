//! The content studio's rules: a post's way from draft to schedule, content
//! categories from the library's strategy, campaigns and their hashtags.

use crate::Timestamp;
use crate::org::{OrgId, UserId};
use crate::richtext::{self, TokenKind};
use crate::validate::{FieldError, Problems};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a post is on its way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    /// Being written; only its author and editors see it in the composer.
    Draft,
    /// Submitted: waits for an editor.
    InReview,
    /// An editor asked for changes (with a comment).
    ChangesRequested,
    /// Approved (or written by an editor): it has a delivery per channel.
    Scheduled,
}

impl PostStatus {
    pub const ALL: [PostStatus; 4] = [
        PostStatus::Draft,
        PostStatus::InReview,
        PostStatus::ChangesRequested,
        PostStatus::Scheduled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::InReview => "in_review",
            PostStatus::ChangesRequested => "changes_requested",
            PostStatus::Scheduled => "scheduled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            PostStatus::Draft => "status-draft",
            PostStatus::InReview => "status-in-review",
            PostStatus::ChangesRequested => "status-changes-requested",
            PostStatus::Scheduled => "status-approved",
        }
    }

    /// The badge colour class.
    pub fn tone(self) -> &'static str {
        match self {
            PostStatus::Draft => "muted",
            PostStatus::InReview => "warn",
            PostStatus::ChangesRequested => "err",
            PostStatus::Scheduled => "ok",
        }
    }

    /// Whether the text can still be changed in the composer (a scheduled
    /// post is changed through its post page, delivery by delivery).
    pub fn is_editable(self) -> bool {
        self != PostStatus::Scheduled
    }
}

/// The content categories of the library's strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Artikel,
    VideoEdukasi,
    AcaraVirtual,
    KontenInteraktif,
    KontenPengguna,
    ProgramMembaca,
    AksesDigital,
    Pengumuman,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Artikel,
        Category::VideoEdukasi,
        Category::AcaraVirtual,
        Category::KontenInteraktif,
        Category::KontenPengguna,
        Category::ProgramMembaca,
        Category::AksesDigital,
        Category::Pengumuman,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Artikel => "artikel",
            Category::VideoEdukasi => "video_edukasi",
            Category::AcaraVirtual => "acara_virtual",
            Category::KontenInteraktif => "konten_interaktif",
            Category::KontenPengguna => "konten_pengguna",
            Category::ProgramMembaca => "program_membaca",
            Category::AksesDigital => "akses_digital",
            Category::Pengumuman => "pengumuman",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Category::Artikel => "cat-artikel",
            Category::VideoEdukasi => "cat-video-edukasi",
            Category::AcaraVirtual => "cat-acara-virtual",
            Category::KontenInteraktif => "cat-konten-interaktif",
            Category::KontenPengguna => "cat-konten-pengguna",
            Category::ProgramMembaca => "cat-program-membaca",
            Category::AksesDigital => "cat-akses-digital",
            Category::Pengumuman => "cat-pengumuman",
        }
    }
}

/// Whom a campaign is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Anak,
    Pelajar,
    Mahasiswa,
    OrangTua,
    Umum,
}

impl Audience {
    pub const ALL: [Audience; 5] = [
        Audience::Anak,
        Audience::Pelajar,
        Audience::Mahasiswa,
        Audience::OrangTua,
        Audience::Umum,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Anak => "anak",
            Audience::Pelajar => "pelajar",
            Audience::Mahasiswa => "mahasiswa",
            Audience::OrangTua => "orang_tua",
            Audience::Umum => "umum",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Audience::Anak => "aud-anak",
            Audience::Pelajar => "aud-pelajar",
            Audience::Mahasiswa => "aud-mahasiswa",
            Audience::OrangTua => "aud-orang-tua",
            Audience::Umum => "aud-umum",
        }
    }
}

/// What a draft holds before it has deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftContent {
    #[serde(default)]
    pub channels: Vec<i64>,
    /// Per-channel text replacing the common text (empty = inherit).
    #[serde(default)]
    pub variants: BTreeMap<i64, String>,
    #[serde(default)]
    pub media: Vec<i64>,
    /// Posted as the first reply / comment where the platform has them.
    #[serde(default)]
    pub first_comment: String,
    /// Links in the text become short links with UTM tags when scheduled.
    #[serde(default = "yes")]
    pub shorten_links: bool,
    /// Repeats of the post (made when it is approved).
    #[serde(default)]
    pub repeat: Option<Repeat>,
}

/// "Every N days (or weeks) until a date".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    pub every: u32,
    pub weeks: bool,
    pub until: NaiveDate,
}

/// Most posts one recurring rule may make.
pub const MAX_REPEATS: usize = 100;

impl Repeat {
    /// Checks a rule typed as text: every 1–365, a unit, an end date on or
    /// after `first` and within a year of it, at most [`MAX_REPEATS`] posts.
    pub fn parse(
        every: &str,
        unit: &str,
        until: &str,
        first: Option<NaiveDate>,
    ) -> Result<Option<Repeat>, (&'static str, &'static str)> {
        let every = every.trim();
        if every.is_empty() || every == "0" {
            return Ok(None);
        }
        let n: u32 = every
            .parse()
            .ok()
            .filter(|n| (1..=365).contains(n))
            .ok_or(("repeat_every", "err-repeat-every"))?;
        let weeks = match unit.trim() {
            "weeks" => true,
            "days" | "" => false,
            _ => return Err(("repeat_unit", "err-repeat-every")),
        };
        if until.trim().is_empty() {
            return Err(("repeat_until", "err-repeat-no-end"));
        }
        let until = NaiveDate::parse_from_str(until.trim(), "%Y-%m-%d")
            .map_err(|_| ("repeat_until", "err-date"))?;
        let Some(first) = first else {
            return Err(("when", "err-repeat-needs-time"));
        };
        if until < first {
            return Err(("repeat_until", "err-repeat-until-before"));
        }
        if until > first + chrono::Duration::days(366) {
            return Err(("repeat_until", "err-repeat-too-long"));
        }
        let r = Repeat {
            every: n,
            weeks,
            until,
        };
        if r.dates(first).len() > MAX_REPEATS {
            return Err(("repeat_until", "err-repeat-too-many"));
        }
        Ok(Some(r))
    }

    /// The days of the repeats after `first` (not `first` itself).
    pub fn dates(&self, first: NaiveDate) -> Vec<NaiveDate> {
        let step = i64::from(self.every) * if self.weeks { 7 } else { 1 };
        let mut out = Vec::new();
        let mut d = first;
        while out.len() <= MAX_REPEATS {
            d += chrono::Duration::days(step);
            if d > self.until {
                break;
            }
            out.push(d);
        }
        out
    }
}

/// What the calendar shows for a post: its review state, or for a scheduled
/// one, how its deliveries went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CalState {
    Draft,
    InReview,
    ChangesRequested,
    Scheduled,
    Published,
    Failed,
}

impl CalState {
    pub const ALL: [CalState; 6] = [
        CalState::Draft,
        CalState::InReview,
        CalState::ChangesRequested,
        CalState::Scheduled,
        CalState::Published,
        CalState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CalState::Draft => "draft",
            CalState::InReview => "in_review",
            CalState::ChangesRequested => "changes_requested",
            CalState::Scheduled => "scheduled",
            CalState::Published => "published",
            CalState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            CalState::Draft => "status-draft",
            CalState::InReview => "status-in-review",
            CalState::ChangesRequested => "status-changes-requested",
            CalState::Scheduled => "cal-scheduled",
            CalState::Published => "cal-published",
            CalState::Failed => "cal-failed",
        }
    }

    pub fn tone(self) -> &'static str {
        match self {
            CalState::Draft => "muted",
            CalState::InReview => "warn",
            CalState::ChangesRequested | CalState::Failed => "err",
            CalState::Scheduled => "run",
            CalState::Published => "ok",
        }
    }

    /// Whether the post can still be moved to another time.
    pub fn movable(self) -> bool {
        !matches!(self, CalState::Published | CalState::Failed)
    }
}

fn yes() -> bool {
    true
}

impl DraftContent {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// A stored draft; an unreadable one is an empty draft (its text is in
    /// the post itself, so nothing a person wrote is lost).
    pub fn from_json(s: Option<&str>) -> Self {
        s.and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_else(|| DraftContent {
                shorten_links: true,
                ..Default::default()
            })
    }
}

/// A step in a post's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostEventKind {
    Created,
    Submitted,
    ChangesRequested,
    Approved,
    /// An editor scheduled their own post without a review.
    Scheduled,
    Rescheduled,
    /// The author took it back to change it.
    Withdrawn,
    /// Its planned time passed while it waited for review.
    Overdue,
}

impl PostEventKind {
    pub const ALL: [PostEventKind; 8] = [
        PostEventKind::Created,
        PostEventKind::Submitted,
        PostEventKind::ChangesRequested,
        PostEventKind::Approved,
        PostEventKind::Scheduled,
        PostEventKind::Rescheduled,
        PostEventKind::Withdrawn,
        PostEventKind::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostEventKind::Created => "created",
            PostEventKind::Submitted => "submitted",
            PostEventKind::ChangesRequested => "changes_requested",
            PostEventKind::Approved => "approved",
            PostEventKind::Scheduled => "scheduled",
            PostEventKind::Rescheduled => "rescheduled",
            PostEventKind::Withdrawn => "withdrawn",
            PostEventKind::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            PostEventKind::Created => "event-created",
            PostEventKind::Submitted => "event-submitted",
            PostEventKind::ChangesRequested => "event-changes-requested",
            PostEventKind::Approved => "event-approved",
            PostEventKind::Scheduled => "event-scheduled",
            PostEventKind::Rescheduled => "event-rescheduled",
            PostEventKind::Withdrawn => "event-withdrawn",
            PostEventKind::Overdue => "event-overdue",
        }
    }
}

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub org_id: OrgId,
    pub name: String,
    pub slug: String,
    pub goal: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub hashtags: Vec<String>,
    pub audiences: Vec<Audience>,
    pub budget: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A step in one post's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostEvent {
    pub id: i64,
    pub post_id: i64,
    pub user_id: Option<UserId>,
    pub kind: PostEventKind,
    pub comment: String,
    pub at: Timestamp,
}

/// An earlier text of a post, kept so nothing typed is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub id: i64,
    pub post_id: i64,
    pub user_id: Option<UserId>,
    pub version: i64,
    /// `conflict` (a save that met a newer version), `autosave`, `submit`.
    pub reason: String,
    pub text: String,
    pub title: Option<String>,
    pub draft: DraftContent,
    pub at: Timestamp,
}

/// A message in a staff member's console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: i64,
    pub user_id: UserId,
    /// The message key (`note-submitted`, ...).
    pub kind: String,
    /// Values for the message's variables.
    pub args: BTreeMap<String, String>,
    pub link: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

/// The placeholders a template may hold, filled in the composer.
pub const PLACEHOLDERS: [&str; 3] = ["judul", "tanggal", "tautan"];

/// Fills `{judul}`, `{tanggal}` and `{tautan}` in a template. Placeholders
/// without a value stay as they are (so the writer sees what is missing) and
/// are returned.
pub fn fill_template(text: &str, values: &[(&str, &str)]) -> (String, Vec<&'static str>) {
    let mut out = text.to_string();
    let mut missing = Vec::new();
    for p in PLACEHOLDERS {
        let token = format!("{{{p}}}");
        if !out.contains(&token) {
            continue;
        }
        match values.iter().find(|(k, _)| *k == p).map(|(_, v)| v.trim()) {
            Some(v) if !v.is_empty() => out = out.replace(&token, v),
            _ => missing.push(p),
        }
    }
    (out, missing)
}

/// Longest hashtag accepted (Instagram drops longer ones from search).
pub const MAX_HASHTAG_CHARS: usize = 60;

/// Every message key this module can return (each must be translated).
pub const STUDIO_KEYS: [&str; 15] = [
    "err-repeat-every",
    "err-repeat-no-end",
    "err-repeat-needs-time",
    "err-repeat-until-before",
    "err-repeat-too-long",
    "err-repeat-too-many",
    "err-hashtag-space",
    "err-hashtag-chars",
    "err-hashtag-digits",
    "err-hashtag-long",
    "err-hashtag-too-many",
    "err-campaign-dates",
    "err-campaign-audience",
    "err-campaign-budget",
    "err-campaign-slug",
];

/// Hashtags as a person types them: separated by commas or new lines, `#`
/// optional. A tag with a space inside ("#Palembang Baca") is refused, not
/// split. The same tag twice (in any case) is kept once, as first written.
pub fn parse_hashtags(input: &str) -> Result<Vec<String>, (&'static str, String)> {
    let mut out: Vec<String> = Vec::new();
    for raw in input.split([',', '\n', ';']) {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        let body = t.trim_start_matches('#');
        if body.chars().any(char::is_whitespace) {
            // "#a #b" on one line is two tags typed with a space between.
            let parts: Vec<&str> = t.split_whitespace().collect();
            if parts.iter().all(|p| p.starts_with('#')) && parts.len() > 1 {
                for p in parts {
                    push_tag(&mut out, p.trim_start_matches('#'))?;
                }
                continue;
            }
            return Err(("err-hashtag-space", t.to_string()));
        }
        push_tag(&mut out, body)?;
    }
    if out.len() > 30 {
        return Err(("err-hashtag-too-many", String::new()));
    }
    Ok(out)
}

fn push_tag(out: &mut Vec<String>, body: &str) -> Result<(), (&'static str, String)> {
    let shown = format!("#{body}");
    if body.is_empty() || !body.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(("err-hashtag-chars", shown));
    }
    if body.chars().all(|c| c.is_ascii_digit()) {
        return Err(("err-hashtag-digits", shown));
    }
    if body.chars().count() > MAX_HASHTAG_CHARS {
        return Err(("err-hashtag-long", shown));
    }
    if !out
        .iter()
        .any(|t| t[1..].to_lowercase() == body.to_lowercase())
    {
        out.push(shown);
    }
    Ok(())
}

/// Hashtags in `text` written differently from the campaign's spelling
/// (`#palembangbaca` for `#PalembangBaca`): (as written, as it should be).
pub fn inconsistent_hashtags(text: &str, canonical: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for t in richtext::scan(text) {
        if let TokenKind::Tag { tag } = t.kind {
            let written = format!("#{tag}");
            if let Some(c) = canonical
                .iter()
                .find(|c| c[1..].to_lowercase() == tag.to_lowercase() && c[1..] != tag)
                && !out.iter().any(|(w, _)| *w == written)
            {
                out.push((written, c.clone()));
            }
        }
    }
    out
}

/// Rewrites hashtags to the campaign's spelling.
pub fn fix_hashtags(text: &str, canonical: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for t in richtext::scan(text) {
        if let TokenKind::Tag { tag } = &t.kind
            && let Some(c) = canonical
                .iter()
                .find(|c| c[1..].to_lowercase() == tag.to_lowercase())
        {
            out.push_str(&text[last..t.start]);
            out.push_str(c);
            last = t.end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// A campaign as typed into its form.
#[derive(Debug, Clone, Default)]
pub struct CampaignForm {
    pub name: String,
    pub slug: String,
    pub goal: String,
    pub starts_on: String,
    pub ends_on: String,
    pub hashtags: String,
    pub audiences: Vec<String>,
    pub budget: String,
}

/// A checked campaign, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFields {
    pub name: String,
    pub slug: String,
    pub goal: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub hashtags: Vec<String>,
    pub audiences: Vec<Audience>,
    pub budget: i64,
}

/// A budget in rupiah as people write it: "Rp 1.500.000", "1500000", "1,5 juta".
pub fn parse_rupiah(s: &str) -> Option<i64> {
    let t = s.trim().to_lowercase();
    let t = t
        .trim_start_matches("rp")
        .trim()
        .trim_end_matches(",-")
        .trim();
    if t.is_empty() {
        return Some(0);
    }
    for (word, factor) in [
        ("juta", 1_000_000_f64),
        ("ribu", 1_000_f64),
        ("rb", 1_000_f64),
    ] {
        if let Some(n) = t.strip_suffix(word) {
            let n: f64 = n.trim().replace(',', ".").parse().ok()?;
            if !(0.0..1e9).contains(&n) {
                return None;
            }
            return Some((n * factor).round() as i64);
        }
    }
    // Dots (and commas) group thousands in Indonesian.
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' '))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 15 {
        return None;
    }
    digits.parse().ok()
}

/// Checks a campaign form. Problems name the field; the hashtag at fault is
/// returned too, to show in the message.
pub fn check_campaign(f: &CampaignForm) -> Result<CampaignFields, (Problems, Option<String>)> {
    let mut p = Problems::default();
    let mut bad_tag = None;
    p.text("name", &f.name, 120);
    if f.goal.trim().chars().count() > 2000 {
        p.0.push(FieldError {
            field: "goal",
            key: "err-too-long",
            max: Some(2000),
        });
    }
    let slug = if f.slug.trim().is_empty() {
        crate::links::campaign_slug(&f.name)
    } else {
        crate::links::campaign_slug(&f.slug)
    };
    if !f.name.trim().is_empty() && (slug.is_empty() || slug.chars().count() > 60) {
        p.push("slug", "err-campaign-slug");
    }
    let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let starts = day(&f.starts_on);
    let ends = day(&f.ends_on);
    if starts.is_none() {
        p.push("starts_on", "err-date");
    }
    if ends.is_none() {
        p.push("ends_on", "err-date");
    }
    if let (Some(s), Some(e)) = (starts, ends)
        && e < s
    {
        p.push("ends_on", "err-campaign-dates");
    }
    let hashtags = match parse_hashtags(&f.hashtags) {
        Ok(h) => h,
        Err((key, tag)) => {
            p.push("hashtags", key);
            bad_tag = Some(tag);
            vec![]
        }
    };
    let mut audiences = Vec::new();
    for a in &f.audiences {
        match Audience::parse(a) {
            Some(a) if !audiences.contains(&a) => audiences.push(a),
            Some(_) => {}
            None => {
                p.push("audiences", "err-campaign-audience");
                break;
            }
        }
    }
    let budget = parse_rupiah(&f.budget);
    if budget.is_none() {
        p.push("budget", "err-campaign-budget");
    }
    match (p.is_empty(), starts, ends, budget) {
        (true, Some(starts_on), Some(ends_on), Some(budget)) => Ok(CampaignFields {
            name: f.name.trim().to_string(),
            slug,
            goal: f.goal.trim().to_string(),
            starts_on,
            ends_on,
            hashtags,
            audiences,
            budget,
        }),
        _ => Err((p, bad_tag)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_categories_audiences_round_trip() {
        for s in PostStatus::ALL {
            assert_eq!(PostStatus::parse(s.as_str()), Some(s));
        }
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        for a in Audience::ALL {
            assert_eq!(Audience::parse(a.as_str()), Some(a));
        }
        for e in PostEventKind::ALL {
            assert_eq!(PostEventKind::parse(e.as_str()), Some(e));
        }
        assert_eq!(Category::parse("berita"), None);
        assert!(!PostStatus::Scheduled.is_editable());
        assert!(PostStatus::ChangesRequested.is_editable());
    }

    #[test]
    fn hashtags_are_parsed_and_checked() {
        assert_eq!(
            parse_hashtags("#PalembangBaca, MingguBukuPalembang\n#palembangbaca").unwrap(),
            vec!["#PalembangBaca", "#MingguBukuPalembang"]
        );
        assert_eq!(
            parse_hashtags("#PalembangBaca #BacaBuku").unwrap(),
            vec!["#PalembangBaca", "#BacaBuku"]
        );
        assert_eq!(
            parse_hashtags("#Palembang Baca"),
            Err(("err-hashtag-space", "#Palembang Baca".into()))
        );
        assert_eq!(
            parse_hashtags("#baca-buku"),
            Err(("err-hashtag-chars", "#baca-buku".into()))
        );
        assert_eq!(
            parse_hashtags("#2026"),
            Err(("err-hashtag-digits", "#2026".into()))
        );
        assert_eq!(parse_hashtags("#Baca_2026").unwrap(), vec!["#Baca_2026"]);
        assert_eq!(
            parse_hashtags("#").map_err(|e| e.0),
            Err("err-hashtag-chars")
        );
        assert!(parse_hashtags(&"x".repeat(61)).is_err());
        assert_eq!(parse_hashtags(" , ").unwrap(), Vec::<String>::new());
        let many: Vec<String> = (0..31).map(|i| format!("#tag{i}")).collect();
        assert_eq!(
            parse_hashtags(&many.join(",")).map_err(|e| e.0),
            Err("err-hashtag-too-many")
        );
    }

    #[test]
    fn hashtags_are_kept_consistent() {
        let canon = vec!["#PalembangBaca".to_string()];
        let text = "Ayo ikut #palembangbaca dan #PalembangBaca! #lain";
        assert_eq!(
            inconsistent_hashtags(text, &canon),
            vec![("#palembangbaca".to_string(), "#PalembangBaca".to_string())]
        );
        assert_eq!(
            fix_hashtags(text, &canon),
            "Ayo ikut #PalembangBaca dan #PalembangBaca! #lain"
        );
        assert!(inconsistent_hashtags("tanpa tagar", &canon).is_empty());
    }

    #[test]
    fn rupiah_as_people_write_it() {
        assert_eq!(parse_rupiah("Rp 1.500.000"), Some(1_500_000));
        assert_eq!(parse_rupiah("1500000"), Some(1_500_000));
        assert_eq!(parse_rupiah("1,5 juta"), Some(1_500_000));
        assert_eq!(parse_rupiah("250 ribu"), Some(250_000));
        assert_eq!(parse_rupiah("Rp 750.000,-"), Some(750_000));
        assert_eq!(parse_rupiah(""), Some(0));
        assert_eq!(parse_rupiah("banyak"), None);
        assert_eq!(parse_rupiah("-5"), None);
    }

    fn form() -> CampaignForm {
        CampaignForm {
            name: "#PalembangBaca 2026".into(),
            goal: "Mengajak warga membaca".into(),
            starts_on: "2026-12-01".into(),
            ends_on: "2026-12-31".into(),
            hashtags: "#PalembangBaca".into(),
            audiences: vec!["anak".into(), "orang_tua".into(), "anak".into()],
            budget: "Rp 2.000.000".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_campaign_is_checked() {
        let c = check_campaign(&form()).unwrap();
        assert_eq!(c.slug, "palembangbaca-2026");
        assert_eq!(c.audiences, vec![Audience::Anak, Audience::OrangTua]);
        assert_eq!(c.budget, 2_000_000);
        let mut f = form();
        f.ends_on = "2026-11-01".into();
        f.hashtags = "#Palembang Baca".into();
        f.audiences = vec!["alien".into()];
        f.budget = "mahal".into();
        let (p, tag) = check_campaign(&f).unwrap_err();
        let keys: Vec<_> = p.0.iter().map(|e| (e.field, e.key)).collect();
        assert!(keys.contains(&("ends_on", "err-campaign-dates")));
        assert!(keys.contains(&("hashtags", "err-hashtag-space")));
        assert!(keys.contains(&("audiences", "err-campaign-audience")));
        assert!(keys.contains(&("budget", "err-campaign-budget")));
        assert_eq!(tag.as_deref(), Some("#Palembang Baca"));
        let mut f = form();
        f.name = " ".into();
        f.starts_on = "31-12-2026".into();
        let (p, _) = check_campaign(&f).unwrap_err();
        assert!(p.for_field("name").is_some());
        assert!(p.for_field("starts_on").is_some());
    }

    #[test]
    fn recurring_rules_need_an_end() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let first = d("2026-12-01");
        assert_eq!(Repeat::parse("", "days", "", first), Ok(None));
        assert_eq!(
            Repeat::parse("2", "weeks", "", first),
            Err(("repeat_until", "err-repeat-no-end"))
        );
        assert_eq!(
            Repeat::parse("x", "weeks", "2026-12-31", first),
            Err(("repeat_every", "err-repeat-every"))
        );
        assert_eq!(
            Repeat::parse("1", "days", "2026-11-30", first),
            Err(("repeat_until", "err-repeat-until-before"))
        );
        assert_eq!(
            Repeat::parse("1", "days", "2027-12-31", first),
            Err(("repeat_until", "err-repeat-too-long"))
        );
        assert_eq!(
            Repeat::parse("1", "days", "2027-11-30", first),
            Err(("repeat_until", "err-repeat-too-many"))
        );
        assert_eq!(
            Repeat::parse("1", "weeks", "2026-12-31", None),
            Err(("when", "err-repeat-needs-time"))
        );
        let r = Repeat::parse("1", "weeks", "2026-12-29", first)
            .unwrap()
            .unwrap();
        assert_eq!(
            r.dates(first.unwrap()),
            vec![
                d("2026-12-08").unwrap(),
                d("2026-12-15").unwrap(),
                d("2026-12-22").unwrap(),
                d("2026-12-29").unwrap()
            ]
        );
        let r = Repeat::parse("3", "days", "2026-12-07", first)
            .unwrap()
            .unwrap();
        assert_eq!(r.dates(first.unwrap()).len(), 2);
    }

    #[test]
    fn templates_are_filled() {
        let t = "Bedah buku {judul} pada {tanggal}. Daftar: {tautan} {lain}";
        let (out, missing) = fill_template(
            t,
            &[
                ("judul", "Laskar Pelangi"),
                ("tanggal", "Sabtu, 5 Desember 2026"),
                ("tautan", " "),
            ],
        );
        assert_eq!(
            out,
            "Bedah buku Laskar Pelangi pada Sabtu, 5 Desember 2026. Daftar: {tautan} {lain}"
        );
        assert_eq!(missing, vec!["tautan"]);
        assert_eq!(
            fill_template("tanpa isian", &[]),
            ("tanpa isian".into(), vec![])
        );
    }

    #[test]
    fn calendar_states_round_trip() {
        for s in CalState::ALL {
            assert_eq!(CalState::parse(s.as_str()), Some(s));
        }
        assert!(!CalState::Published.movable());
        assert!(CalState::InReview.movable());
    }

    #[test]
    fn drafts_survive_json() {
        let mut d = DraftContent::from_json(None);
        assert!(d.shorten_links);
        d.channels = vec![3, 1];
        d.variants.insert(3, "khusus X".into());
        d.first_comment = "Tautan di komentar".into();
        assert_eq!(DraftContent::from_json(Some(&d.to_json())), d);
        assert_eq!(
            DraftContent::from_json(Some("rusak")).channels,
            Vec::<i64>::new()
        );
    }
}
