//! Reading challenges (Tantangan Membaca): goals, reading logs, ISBNs,
//! milestones and what makes a log worth a librarian's look before it counts.
//! Reading progress is kept apart from engagement points.

use crate::validate::{FieldError, Problems};
use chrono::NaiveDate;

/// What a challenge counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalKind {
    Books,
    Pages,
    Minutes,
}

impl GoalKind {
    pub const ALL: [GoalKind; 3] = [Self::Books, Self::Pages, Self::Minutes];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Books => "books",
            Self::Pages => "pages",
            Self::Minutes => "minutes",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Books => "ch-goal-books",
            Self::Pages => "ch-goal-pages",
            Self::Minutes => "ch-goal-minutes",
        }
    }

    /// How much one log adds towards the goal.
    pub fn amount(self, pages: i64, minutes: i64) -> i64 {
        match self {
            Self::Books => 1,
            Self::Pages => pages,
            Self::Minutes => minutes,
        }
    }
}

/// Milestones (per cent of the goal) that earn a badge, with the badge's
/// message key.
pub const MILESTONES: [(i64, &str); 3] = [
    (25, "ch-badge-start"),
    (50, "ch-badge-half"),
    (100, "ch-badge-done"),
];

/// A badge's name: one of the standard ones (a message key) or the staff's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadgeName {
    Key(&'static str),
    Text(String),
}

/// A badge of a challenge, earned at `percent` of the goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub percent: i64,
    pub name: BadgeName,
}

pub const MAX_BADGES: usize = 6;

/// Reads the badges staff typed: one per line, the per cent then the name
/// ("30 Kutu Buku Cilik", "100% Juara"). Empty means the standard badges.
/// Returns them in order, one line each, as they are stored.
pub fn check_badges(text: &str) -> Result<String, &'static str> {
    let mut out: Vec<(i64, String)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let digits: String = line.chars().take_while(char::is_ascii_digit).collect();
        let rest = line[digits.len()..].trim_start_matches('%').trim();
        let name = rest.split_whitespace().collect::<Vec<_>>().join(" ");
        let percent = digits.parse::<i64>().map_err(|_| "ch-err-badges")?;
        if !(1..=100).contains(&percent) || name.is_empty() || name.chars().count() > 40 {
            return Err("ch-err-badges");
        }
        if out.iter().any(|(p, _)| *p == percent) {
            return Err("ch-err-badges-same");
        }
        out.push((percent, name));
    }
    if out.len() > MAX_BADGES {
        return Err("ch-err-badges-many");
    }
    out.sort_by_key(|(p, _)| *p);
    Ok(out
        .iter()
        .map(|(p, n)| format!("{p} {n}"))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// A challenge's badges from what is stored (empty: the standard three).
pub fn badges_of(stored: &str) -> Vec<Badge> {
    if stored.trim().is_empty() {
        return MILESTONES
            .iter()
            .map(|(p, k)| Badge {
                percent: *p,
                name: BadgeName::Key(k),
            })
            .collect();
    }
    stored
        .lines()
        .filter_map(|l| {
            let (p, n) = l.trim().split_once(' ')?;
            Some(Badge {
                percent: p.parse().ok()?,
                name: BadgeName::Text(n.trim().to_string()),
            })
        })
        .collect()
}

/// Pages or minutes in one day above which a log waits for a librarian.
pub const REVIEW_PAGES_PER_DAY: i64 = 600;
pub const REVIEW_MINUTES_PER_DAY: i64 = 600;
/// Largest numbers a single log may carry at all.
pub const MAX_PAGES: i64 = 5_000;
pub const MAX_MINUTES: i64 = 1_440;

/// Checks an ISBN-10 or ISBN-13 (hyphens and spaces allowed) by its check
/// digit; returns the digits (X kept for ISBN-10).
pub fn check_isbn(s: &str) -> Option<String> {
    let d: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    let b = d.as_bytes();
    match b.len() {
        10 => {
            let mut sum = 0u32;
            for (i, c) in b.iter().enumerate() {
                let v = match c {
                    b'0'..=b'9' => u32::from(c - b'0'),
                    b'X' if i == 9 => 10,
                    _ => return None,
                };
                sum += v * (10 - i as u32);
            }
            sum.is_multiple_of(11).then_some(d)
        }
        13 => {
            if !b.iter().all(u8::is_ascii_digit) || !(d.starts_with("978") || d.starts_with("979"))
            {
                return None;
            }
            let sum: u32 = b
                .iter()
                .enumerate()
                .map(|(i, c)| u32::from(c - b'0') * if i % 2 == 0 { 1 } else { 3 })
                .sum();
            sum.is_multiple_of(10).then_some(d)
        }
        _ => None,
    }
}

/// A challenge as staff typed it.
#[derive(Debug, Clone, Default)]
pub struct ChallengeInput {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub starts_on: String,
    pub ends_on: String,
    pub goal_kind: String,
    pub goal: String,
    pub min_age: String,
    pub max_age: String,
    /// Points for each counted log.
    pub points_per_log: String,
    /// Logs one reader may write in a day (empty: 10).
    pub daily_log_cap: String,
    /// The badges, one per line ("30 Kutu Buku Cilik"); empty: standard.
    pub badges: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeFields {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub goal_kind: GoalKind,
    pub goal: i64,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub points_per_log: i64,
    pub daily_log_cap: i64,
    /// The badges as stored (empty: the standard ones).
    pub badges: String,
}

/// Reading logs one reader may write in 24 hours, unless the challenge sets
/// its own: enough for a keen reader, not for a script.
pub const DEFAULT_DAILY_LOGS: i64 = 10;

fn date(p: &mut Problems, field: &'static str, v: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) if v.trim().is_empty() => {
            p.push(field, "err-required");
            None
        }
        Err(_) => {
            p.push(field, "ch-err-date");
            None
        }
    }
}

fn small(
    p: &mut Problems,
    field: &'static str,
    v: &str,
    max: i64,
    key: &'static str,
) -> Option<i64> {
    match v.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if (0..=max).contains(&n) => Some(n),
            _ => {
                p.push(field, key);
                None
            }
        },
    }
}

pub fn check_challenge(i: &ChallengeInput) -> Result<ChallengeFields, Problems> {
    let mut p = Problems::default();
    p.text("title", &i.title, 120);
    if i.description.trim().chars().count() > 2000 {
        p.0.push(FieldError {
            field: "description",
            key: "err-too-long",
            max: Some(2000),
        });
    }
    let starts = date(&mut p, "starts_on", &i.starts_on);
    let ends = date(&mut p, "ends_on", &i.ends_on);
    if let (Some(s), Some(e)) = (starts, ends)
        && e < s
    {
        p.push("ends_on", "ch-err-ends-before");
    }
    let kind = GoalKind::parse(&i.goal_kind).unwrap_or_else(|| {
        p.push("goal_kind", "err-required");
        GoalKind::Books
    });
    let goal = match i.goal.trim().parse::<i64>() {
        Ok(n) if (1..=1_000_000).contains(&n) => n,
        _ => {
            p.push("goal", "ch-err-goal");
            0
        }
    };
    let min_age = small(&mut p, "min_age", &i.min_age, 120, "ch-err-age").map(|n| n as i32);
    let max_age = small(&mut p, "max_age", &i.max_age, 120, "ch-err-age").map(|n| n as i32);
    if let (Some(a), Some(b)) = (min_age, max_age)
        && b < a
    {
        p.push("max_age", "ch-err-age");
    }
    let points = small(
        &mut p,
        "points_per_log",
        &i.points_per_log,
        100,
        "ch-err-points",
    )
    .unwrap_or(0);
    let daily_log_cap = match small(
        &mut p,
        "daily_log_cap",
        &i.daily_log_cap,
        100,
        "ch-err-log-cap",
    ) {
        Some(0) => {
            p.push("daily_log_cap", "ch-err-log-cap");
            DEFAULT_DAILY_LOGS
        }
        Some(n) => n,
        None => DEFAULT_DAILY_LOGS,
    };
    let badges = check_badges(&i.badges).unwrap_or_else(|k| {
        p.push("badges", k);
        String::new()
    });
    let slug = match crate::articles::slug_for(&i.slug, &i.title) {
        Ok(s) => s,
        Err(_) => {
            p.push("slug", "pg-err-slug");
            String::new()
        }
    };
    p.into_result()?;
    Ok(ChallengeFields {
        slug,
        title: i.title.trim().to_string(),
        description: i.description.trim().to_string(),
        starts_on: starts.unwrap_or_default(),
        ends_on: ends.unwrap_or_default(),
        goal_kind: kind,
        goal,
        min_age,
        max_age,
        points_per_log: points,
        daily_log_cap,
        badges,
    })
}

/// Whether someone born in `birth_year` fits the challenge's ages in
/// `this_year` (a year of birth alone gives two possible ages: either fits).
pub fn age_fits(
    birth_year: Option<i32>,
    this_year: i32,
    min: Option<i32>,
    max: Option<i32>,
) -> bool {
    let Some(by) = birth_year else {
        // An adult's own profile: only a maximum age can exclude it.
        return max.is_none_or(|m| m >= 18);
    };
    let (young, old) = (this_year - by - 1, this_year - by);
    min.is_none_or(|m| old >= m) && max.is_none_or(|m| young <= m)
}

/// A reading log as typed.
#[derive(Debug, Clone, Default)]
pub struct LogInput {
    pub title: String,
    pub author: String,
    pub isbn: String,
    pub pages: String,
    pub minutes: String,
    pub read_on: String,
    pub review: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFields {
    pub title: String,
    pub author: String,
    pub isbn: Option<String>,
    pub pages: i64,
    pub minutes: i64,
    pub read_on: NaiveDate,
    pub review: String,
}

/// Checks a log against the challenge's period and goal: a title, a valid
/// ISBN when given, the number the goal counts, a day within the period and
/// not after today, no negative or absurd numbers.
pub fn check_log(
    i: &LogInput,
    kind: GoalKind,
    starts: NaiveDate,
    ends: NaiveDate,
    today: NaiveDate,
) -> Result<LogFields, Problems> {
    let mut p = Problems::default();
    p.text("title", &i.title, 200);
    if i.author.trim().chars().count() > 120 {
        p.0.push(FieldError {
            field: "author",
            key: "err-too-long",
            max: Some(120),
        });
    }
    let isbn = match i.isbn.trim() {
        "" => None,
        s => match check_isbn(s) {
            Some(d) => Some(d),
            None => {
                p.push("isbn", "ch-err-isbn");
                None
            }
        },
    };
    let num = |p: &mut Problems, field: &'static str, v: &str, max: i64, needed: bool| -> i64 {
        match v.trim() {
            "" if needed => {
                p.push(field, "err-required");
                0
            }
            "" => 0,
            s => match s.parse::<i64>() {
                Ok(n) if n >= 1 && n <= max => n,
                Ok(n) if n > max => {
                    p.push(field, "ch-err-absurd");
                    0
                }
                _ => {
                    p.push(field, "ch-err-number");
                    0
                }
            },
        }
    };
    let pages = num(
        &mut p,
        "pages",
        &i.pages,
        MAX_PAGES,
        kind == GoalKind::Pages,
    );
    let minutes = num(
        &mut p,
        "minutes",
        &i.minutes,
        MAX_MINUTES,
        kind == GoalKind::Minutes,
    );
    let read_on = match date(&mut p, "read_on", &i.read_on) {
        Some(d) if d > today => {
            p.push("read_on", "ch-err-future");
            d
        }
        Some(d) if d < starts || d > ends => {
            p.push("read_on", "ch-err-outside");
            d
        }
        Some(d) => d,
        None => today,
    };
    if i.review.trim().chars().count() > 1000 {
        p.0.push(FieldError {
            field: "review",
            key: "err-too-long",
            max: Some(1000),
        });
    }
    p.into_result()?;
    Ok(LogFields {
        title: i.title.trim().to_string(),
        author: i.author.trim().to_string(),
        isbn,
        pages,
        minutes,
        read_on,
        review: i.review.trim().to_string(),
    })
}

/// Whether a log needs a librarian's look before it counts: more pages or
/// minutes in one day (with what was already logged that day) than a reader
/// plausibly manages.
pub fn needs_review(pages_that_day: i64, minutes_that_day: i64) -> bool {
    pages_that_day > REVIEW_PAGES_PER_DAY || minutes_that_day > REVIEW_MINUTES_PER_DAY
}

/// Progress in whole per cent (capped at 100).
pub fn percent(done: i64, goal: i64) -> i64 {
    if goal <= 0 {
        return 0;
    }
    (done.max(0) * 100 / goal).min(100)
}

/// Badges crossed by going from `before` to `after` (per cent).
pub fn crossed(badges: &[Badge], before: i64, after: i64) -> Vec<i64> {
    badges
        .iter()
        .map(|b| b.percent)
        .filter(|m| before < *m && after >= *m)
        .collect()
}

/// A secret code as typed → its canonical form (upper case, no spaces).
pub fn normalise_secret(s: &str) -> Option<String> {
    let c: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    ((3..=24).contains(&c.chars().count())
        && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'))
    .then_some(c)
}

/// Message keys this module uses.
pub const CHALLENGE_KEYS: &[&str] = &[
    "ch-err-max-below-uses",
    "ch-err-badges",
    "ch-err-badges-same",
    "ch-err-badges-many",
    "ch-err-log-cap",
    "ch-err-too-many-logs",
    "ch-err-locked",
    "ch-goal-books",
    "ch-goal-pages",
    "ch-goal-minutes",
    "ch-badge-start",
    "ch-badge-half",
    "ch-badge-done",
    "ch-err-date",
    "ch-err-ends-before",
    "ch-err-goal",
    "ch-err-age",
    "ch-err-points",
    "ch-err-isbn",
    "ch-err-absurd",
    "ch-err-number",
    "ch-err-future",
    "ch-err-outside",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn isbns_are_checked_by_their_digit() {
        assert_eq!(
            check_isbn("978-602-03-3295-6").as_deref(),
            Some("9786020332956")
        );
        assert_eq!(check_isbn("0-306-40615-2").as_deref(), Some("0306406152"));
        assert_eq!(check_isbn("0 8044 2957 x").as_deref(), Some("080442957X"));
        assert_eq!(check_isbn("978-602-03-3295-7"), None, "wrong check digit");
        assert_eq!(check_isbn("123-456-789-012-3"), None, "not a book prefix");
        assert_eq!(check_isbn("12345"), None);
        assert_eq!(check_isbn("X306406152"), None, "X only last");
    }

    #[test]
    fn logs_are_checked_against_the_period() {
        let (s, e, today) = (d("2026-11-01"), d("2026-12-31"), d("2026-11-29"));
        let ok = LogInput {
            title: "Laskar Pelangi".into(),
            author: "Andrea Hirata".into(),
            isbn: "978-602-03-3295-6".into(),
            pages: "120".into(),
            read_on: "2026-11-28".into(),
            ..Default::default()
        };
        let f = check_log(&ok, GoalKind::Pages, s, e, today).unwrap();
        assert_eq!((f.pages, f.minutes), (120, 0));
        let keys = |i: LogInput, k| {
            check_log(&i, k, s, e, today)
                .unwrap_err()
                .0
                .iter()
                .map(|e| e.key)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(
                LogInput {
                    pages: "-5".into(),
                    isbn: "978-0".into(),
                    read_on: "2026-12-01".into(),
                    ..ok.clone()
                },
                GoalKind::Pages
            ),
            ["ch-err-isbn", "ch-err-number", "ch-err-future"]
        );
        assert_eq!(
            keys(
                LogInput {
                    pages: "99999".into(),
                    read_on: "2026-10-30".into(),
                    ..ok.clone()
                },
                GoalKind::Pages
            ),
            ["ch-err-absurd", "ch-err-outside"]
        );
        assert_eq!(
            keys(
                LogInput {
                    pages: String::new(),
                    minutes: String::new(),
                    ..ok.clone()
                },
                GoalKind::Minutes
            ),
            ["err-required"]
        );
        // Books need neither pages nor minutes.
        let books = LogInput {
            pages: String::new(),
            ..ok
        };
        assert!(check_log(&books, GoalKind::Books, s, e, today).is_ok());
    }

    #[test]
    fn milestones_badges_and_review() {
        assert_eq!(percent(3, 10), 30);
        assert_eq!(percent(12, 10), 100);
        let standard = badges_of("");
        assert_eq!(crossed(&standard, 20, 60), [25, 50]);
        assert_eq!(crossed(&standard, 60, 100), [100]);
        assert!(crossed(&standard, 100, 120).is_empty());
        assert_eq!(standard[0].name, BadgeName::Key("ch-badge-start"));
        // Staff's own badges: read, sorted and stored one per line.
        let typed =
            check_badges("100% Juara Membaca Liburan\n  30   Kutu Buku  Cilik \n\n").unwrap();
        assert_eq!(typed, "30 Kutu Buku Cilik\n100 Juara Membaca Liburan");
        let own = badges_of(&typed);
        assert_eq!(own.len(), 2);
        assert_eq!(own[0].name, BadgeName::Text("Kutu Buku Cilik".into()));
        assert_eq!(crossed(&own, 0, 40), [30]);
        assert_eq!(check_badges(""), Ok(String::new()));
        assert_eq!(check_badges("Kutu Buku"), Err("ch-err-badges"));
        assert_eq!(check_badges("0 Nol"), Err("ch-err-badges"));
        assert_eq!(check_badges("101 Lebih"), Err("ch-err-badges"));
        assert_eq!(check_badges("50"), Err("ch-err-badges"));
        assert_eq!(check_badges("50 A\n50 B"), Err("ch-err-badges-same"));
        let many: String = (1..=7).map(|n| format!("{n}0 Lencana {n}\n")).collect();
        assert_eq!(check_badges(&many), Err("ch-err-badges-many"));
        assert!(!needs_review(300, 60));
        assert!(needs_review(5_000, 0));
        assert!(needs_review(0, 700));
        assert_eq!(GoalKind::Pages.amount(30, 10), 30);
        assert_eq!(GoalKind::Books.amount(30, 10), 1);
    }

    #[test]
    fn ages_and_challenges() {
        assert!(age_fits(Some(2016), 2026, Some(6), Some(12)));
        assert!(!age_fits(Some(2010), 2026, Some(6), Some(12)), "15 or 16");
        assert!(age_fits(Some(2014), 2026, Some(6), Some(12)), "11 or 12");
        assert!(!age_fits(None, 2026, None, Some(12)), "adults are not 12");
        assert!(age_fits(None, 2026, Some(6), None));
        let i = ChallengeInput {
            title: "Tantangan Membaca Liburan".into(),
            starts_on: "2026-12-01".into(),
            ends_on: "2026-12-31".into(),
            goal_kind: "books".into(),
            goal: "5".into(),
            min_age: "6".into(),
            max_age: "12".into(),
            points_per_log: "10".into(),
            ..Default::default()
        };
        let f = check_challenge(&i).unwrap();
        assert_eq!(f.slug, "tantangan-membaca-liburan");
        assert_eq!((f.goal, f.points_per_log), (5, 10));
        assert_eq!(f.daily_log_cap, DEFAULT_DAILY_LOGS);
        for (typed, ok) in [("25", true), ("0", false), ("101", false), ("x", false)] {
            let r = check_challenge(&ChallengeInput {
                daily_log_cap: typed.into(),
                ..i.clone()
            });
            assert_eq!(r.is_ok(), ok, "{typed}");
        }
        let bad = ChallengeInput {
            ends_on: "2026-11-30".into(),
            goal: "0".into(),
            max_age: "3".into(),
            ..i
        };
        let keys: Vec<_> = check_challenge(&bad)
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, ["ch-err-ends-before", "ch-err-goal", "ch-err-age"]);
        assert_eq!(normalise_secret(" ampera 2026 "), Some("AMPERA2026".into()));
        assert_eq!(normalise_secret("ab"), None);
        assert_eq!(normalise_secret("kode!"), None);
    }
}
