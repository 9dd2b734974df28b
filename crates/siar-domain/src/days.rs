//! Days that matter to an Indonesian library (public holidays, cuti bersama,
//! literacy and education days, Palembang's own days), each with a content
//! idea. The data is `data/hari-penting.txt`, kept with the project; the tests
//! check every date by its rule.

use chrono::{Datelike, NaiveDate};

/// What kind of day it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// Public holiday (libur nasional).
    Holiday,
    /// Collective leave (cuti bersama).
    CollectiveLeave,
    /// Literacy and education days.
    Literacy,
    /// National days that are not holidays.
    National,
    /// The city's own days.
    Regional,
    /// Added by the library itself (not in the file).
    Library,
}

impl DayKind {
    pub const ALL: [DayKind; 6] = [
        DayKind::Holiday,
        DayKind::CollectiveLeave,
        DayKind::Literacy,
        DayKind::National,
        DayKind::Regional,
        DayKind::Library,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "libur" => DayKind::Holiday,
            "cuti" => DayKind::CollectiveLeave,
            "literasi" => DayKind::Literacy,
            "nasional" => DayKind::National,
            "daerah" => DayKind::Regional,
            _ => return None,
        })
    }

    pub fn label_key(self) -> &'static str {
        match self {
            DayKind::Holiday => "day-kind-holiday",
            DayKind::CollectiveLeave => "day-kind-leave",
            DayKind::Literacy => "day-kind-literacy",
            DayKind::National => "day-kind-national",
            DayKind::Regional => "day-kind-regional",
            DayKind::Library => "day-kind-library",
        }
    }
}

/// One day that matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name_id: String,
    pub name_en: String,
    /// A content idea for the team (Indonesian).
    pub prompt: String,
}

const DATA: &str = include_str!("../data/hari-penting.txt");

/// A line of the data file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("hari-penting.txt line {line}: {why}")]
pub struct BadLine {
    pub line: usize,
    pub why: String,
}

const WEEKDAYS: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];

/// Reads a data file in the project's format (see the file's header).
pub fn parse(text: &str) -> Result<Vec<Day>, BadLine> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: String| BadLine { line: i + 1, why };
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        if f.len() != 6 {
            return Err(bad(format!("{} fields instead of 6", f.len())));
        }
        let date = NaiveDate::parse_from_str(f[0], "%Y-%m-%d")
            .map_err(|e| bad(format!("date `{}`: {e}", f[0])))?;
        let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
        if f[1] != weekday {
            return Err(bad(format!("{} is a {weekday}, not a {}", f[0], f[1])));
        }
        let kind = DayKind::parse(f[2]).ok_or_else(|| bad(format!("unknown kind `{}`", f[2])))?;
        if f[3].is_empty() || f[4].is_empty() {
            return Err(bad("a name is missing".into()));
        }
        out.push(Day {
            date,
            kind,
            name_id: f[3].to_string(),
            name_en: f[4].to_string(),
            prompt: f[5].to_string(),
        });
    }
    out.sort_by_key(|d| d.date);
    Ok(out)
}

/// Every day the project knows, in date order. The file is checked by the
/// tests, so reading it cannot fail in a build that passed them; a damaged
/// file gives no days rather than a crash.
pub fn all() -> &'static [Day] {
    // Read once: the console home asks on every visit.
    static DAYS: std::sync::OnceLock<Vec<Day>> = std::sync::OnceLock::new();
    DAYS.get_or_init(|| parse(DATA).unwrap_or_default())
}

/// The days between two dates, inclusive.
pub fn between(from: NaiveDate, to: NaiveDate) -> Vec<Day> {
    all()
        .iter()
        .filter(|d| d.date >= from && d.date <= to)
        .cloned()
        .collect()
}

/// Easter Sunday of a Gregorian year (the anonymous Gregorian computus).
pub fn easter(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_file_reads_and_every_weekday_matches() {
        let days = parse(DATA).expect("the data file reads");
        assert!(days.len() > 90);
        let mut seen = HashSet::new();
        for d in &days {
            assert!(seen.insert((d.date, d.name_id.clone())), "twice: {d:?}");
            assert!(!d.prompt.is_empty(), "no content idea: {d:?}");
        }
    }

    #[test]
    fn computus_matches_known_easters() {
        for (y, m, d) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2038, 4, 25),
        ] {
            assert_eq!(easter(y), Some(ymd(y, m, d)), "{y}");
        }
    }

    /// Days fixed by decree fall on their date every year the file covers,
    /// and the Easter days sit where the computus puts them.
    #[test]
    fn every_date_follows_its_rule() {
        let fixed: [(&str, u32, u32); 22] = [
            ("New Year's Day", 1, 1),
            ("International Mother Language Day", 2, 21),
            ("International Children's Book Day", 4, 2),
            ("Kartini Day", 4, 21),
            ("World Book Day", 4, 23),
            ("International Labour Day", 5, 1),
            ("National Education Day", 5, 2),
            ("National Book Day", 5, 17),
            ("National Awakening Day", 5, 20),
            ("Pancasila Day", 6, 1),
            ("Palembang's anniversary", 6, 17),
            ("National Children's Day", 7, 23),
            ("Independence Day", 8, 17),
            ("International Literacy Day", 9, 8),
            ("Library Visit Day", 9, 14),
            ("National Batik Day", 10, 2),
            ("Youth Pledge Day", 10, 28),
            ("Heroes' Day", 11, 10),
            ("National Teachers' Day", 11, 25),
            ("National Storytelling Day", 11, 28),
            ("Mother's Day (Indonesia)", 12, 22),
            ("Christmas Day", 12, 25),
        ];
        let days = all();
        for year in [2026, 2027, 2028] {
            for (name, m, d) in fixed {
                let found: Vec<&Day> = days
                    .iter()
                    .filter(|x| x.name_en == name && x.date.year() == year)
                    .collect();
                assert_eq!(found.len(), 1, "{name} {year}");
                assert_eq!(found[0].date, ymd(year, m, d), "{name} {year}");
            }
            let e = easter(year).unwrap();
            for (name, offset) in [
                ("Good Friday", -2),
                ("Easter Sunday", 0),
                ("Ascension Day", 39),
            ] {
                let d = days
                    .iter()
                    .find(|x| x.name_en == name && x.date.year() == year)
                    .unwrap_or_else(|| panic!("{name} {year}"));
                assert_eq!(d.date, e + chrono::Duration::days(offset), "{name} {year}");
            }
        }
        // Every day in the file is one of these, or comes from the 2026 SKB.
        let ruled: HashSet<&str> = fixed
            .iter()
            .map(|f| f.0)
            .chain(["Good Friday", "Easter Sunday", "Ascension Day"])
            .collect();
        for d in days {
            assert!(
                ruled.contains(d.name_en.as_str()) || d.date.year() == 2026,
                "no rule or source for {d:?}"
            );
        }
    }

    /// The 2026 days set by the moon and the cuti bersama, as the SKB lists them.
    #[test]
    fn the_2026_decree() {
        let days = between(ymd(2026, 1, 1), ymd(2026, 12, 31));
        let on = |kind: DayKind| -> Vec<NaiveDate> {
            days.iter()
                .filter(|d| d.kind == kind)
                .map(|d| d.date)
                .collect()
        };
        assert_eq!(on(DayKind::Holiday).len(), 17, "17 libur nasional");
        assert_eq!(
            on(DayKind::CollectiveLeave),
            vec![
                ymd(2026, 2, 16),
                ymd(2026, 3, 18),
                ymd(2026, 3, 20),
                ymd(2026, 3, 23),
                ymd(2026, 3, 24),
                ymd(2026, 5, 15),
                ymd(2026, 5, 28),
                ymd(2026, 12, 24)
            ],
            "8 hari cuti bersama"
        );
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse("2026-05-17 | Senin | literasi | Hari Buku Nasional | National Book Day | x")
            .unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.why.contains("Minggu"), "{e}");
        assert!(parse("2026-05-17 | Minggu | pesta | A | B | x").is_err());
        assert!(parse("2026-13-01 | Minggu | libur | A | B | x").is_err());
        assert!(parse("# only a comment\n\n").unwrap().is_empty());
    }
}
