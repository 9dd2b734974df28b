//! Engagement programmes hosted by Siar (the platforms' APIs cannot publish
//! polls or quizzes): the rules of polls and of who may vote.

use crate::Timestamp;
use crate::validate::{FieldError, Problems};

/// When voters see the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowResults {
    /// Right after voting (and to everyone once closed).
    AfterVote,
    /// Only once the poll has closed.
    AfterClose,
}

impl ShowResults {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AfterVote => "after_vote",
            Self::AfterClose => "after_close",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "after_vote" => Some(Self::AfterVote),
            "after_close" => Some(Self::AfterClose),
            _ => None,
        }
    }
}

pub const MAX_OPTIONS: usize = 10;
/// Anonymous ballots from one network address on one poll per hour, unless
/// the poll sets its own (a school's or the library's own Wi-Fi is shared,
/// so it is not 1).
pub const ANON_PER_ADDRESS_HOUR: i64 = 20;
/// Ballots from one address per minute, signed in or not.
pub const BALLOTS_PER_ADDRESS_MINUTE: i64 = 10;

/// A poll as the staff typed it.
#[derive(Debug, Clone, Default)]
pub struct PollInput {
    pub slug: String,
    pub question: String,
    pub description: String,
    /// One option per line.
    pub options: String,
    pub max_choices: String,
    pub results: String,
    pub allow_anonymous: bool,
    pub opens_at: Option<Timestamp>,
    pub closes_at: Option<Timestamp>,
    /// The closing time was typed but could not be read.
    pub closes_unreadable: bool,
    /// Anonymous ballots from one network address per hour (empty: 20).
    pub address_cap: String,
}

/// The checked poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollFields {
    pub slug: String,
    pub question: String,
    pub description: String,
    pub options: Vec<String>,
    pub max_choices: i64,
    pub results: ShowResults,
    pub allow_anonymous: bool,
    pub opens_at: Timestamp,
    pub closes_at: Option<Timestamp>,
    pub address_cap: i64,
}

/// Checks a poll: a question, 2–10 distinct options, how many may be
/// ticked, when results show, and a closing time after the opening.
pub fn check_poll(i: &PollInput, now: Timestamp) -> Result<PollFields, Problems> {
    let mut p = Problems::default();
    p.text("question", &i.question, 200);
    if i.description.trim().chars().count() > 1000 {
        p.0.push(FieldError {
            field: "description",
            key: "err-too-long",
            max: Some(1000),
        });
    }
    let options: Vec<String> = i
        .options
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    if options.len() < 2 {
        p.push("options", "pg-err-options-few");
    } else if options.len() > MAX_OPTIONS {
        p.push("options", "pg-err-options-many");
    } else if options.iter().any(|o| o.chars().count() > 100) {
        p.push("options", "pg-err-option-long");
    } else {
        let mut seen: Vec<String> = options.iter().map(|o| o.to_lowercase()).collect();
        seen.sort();
        seen.dedup();
        if seen.len() != options.len() {
            p.push("options", "pg-err-options-same");
        }
    }
    let max_choices = match i.max_choices.trim() {
        "" => 1,
        s => match s.parse::<i64>() {
            Ok(n) if n >= 1 && (options.len() < 2 || n <= options.len() as i64) => n,
            _ => {
                p.push("max_choices", "pg-err-max-choices");
                1
            }
        },
    };
    let results = ShowResults::parse(&i.results).unwrap_or_else(|| {
        p.push("results", "err-required");
        ShowResults::AfterVote
    });
    let opens_at = i.opens_at.unwrap_or(now);
    if i.closes_unreadable {
        p.push("closes_at", "pg-err-when");
    } else if let Some(c) = i.closes_at
        && (c <= opens_at || c <= now)
    {
        p.push("closes_at", "pg-err-closes-before");
    }
    let address_cap = match i.address_cap.trim() {
        "" => ANON_PER_ADDRESS_HOUR,
        s => match s.parse::<i64>() {
            Ok(n) if (1..=10_000).contains(&n) => n,
            _ => {
                p.push("address_cap", "fm-err-address-cap");
                ANON_PER_ADDRESS_HOUR
            }
        },
    };
    let slug = match crate::articles::slug_for(&i.slug, &i.question) {
        Ok(s) => s,
        Err(_) => {
            p.push("slug", "pg-err-slug");
            String::new()
        }
    };
    p.into_result()?;
    Ok(PollFields {
        slug,
        question: i.question.trim().to_string(),
        description: i.description.trim().to_string(),
        options,
        max_choices,
        results,
        allow_anonymous: i.allow_anonymous,
        opens_at,
        closes_at: i.closes_at,
        address_cap,
    })
}

/// Where a poll stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollState {
    NotYet,
    Open,
    Closed,
}

pub fn poll_state(
    opens_at: Timestamp,
    closes_at: Option<Timestamp>,
    closed_at: Option<Timestamp>,
    now: Timestamp,
) -> PollState {
    if closed_at.is_some() || closes_at.is_some_and(|c| now >= c) {
        PollState::Closed
    } else if now < opens_at {
        PollState::NotYet
    } else {
        PollState::Open
    }
}

/// Checks the options a voter ticked against the poll's: at least one, at
/// most `max_choices`, each one of the poll's. Returns them sorted, once each.
pub fn check_choices(
    ticked: &[i64],
    options: &[i64],
    max_choices: i64,
) -> Result<Vec<i64>, &'static str> {
    let mut c: Vec<i64> = ticked.to_vec();
    c.sort_unstable();
    c.dedup();
    if c.is_empty() {
        return Err("pg-err-choose");
    }
    if c.iter().any(|x| !options.contains(x)) {
        return Err("pg-err-choose");
    }
    if c.len() as i64 > max_choices {
        return Err("pg-err-too-many");
    }
    Ok(c)
}

/// Whether the results may be shown to a visitor.
pub fn results_visible(show: ShowResults, state: PollState, voted: bool) -> bool {
    match state {
        PollState::Closed => true,
        _ => show == ShowResults::AfterVote && voted,
    }
}

/// Share of each count in whole per cent (largest remainder, so the shown
/// shares add up to 100 when there are votes).
pub fn percents(counts: &[i64]) -> Vec<i64> {
    let total: i64 = counts.iter().sum();
    if total <= 0 {
        return vec![0; counts.len()];
    }
    let mut out: Vec<i64> = counts.iter().map(|c| c * 100 / total).collect();
    let mut rest: Vec<(i64, usize)> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (c * 100 % total, i))
        .collect();
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let missing = 100 - out.iter().sum::<i64>();
    for (_, i) in rest.into_iter().take(missing.max(0) as usize) {
        out[i] += 1;
    }
    out
}

/// Message keys this module uses.
pub const PROGRAM_KEYS: &[&str] = &[
    "pg-err-options-few",
    "pg-err-options-many",
    "pg-err-option-long",
    "pg-err-options-same",
    "pg-err-max-choices",
    "pg-err-when",
    "pg-err-closes-before",
    "pg-err-slug",
    "pg-err-choose",
    "pg-err-too-many",
    "pg-err-options-locked",
];

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_790_000_000_000);

    fn input() -> PollInput {
        PollInput {
            question: "Buku apa yang ingin kamu baca bulan depan?".into(),
            options: "Komik sains\nDongeng Nusantara\n  Novel remaja  \n\n".into(),
            results: "after_vote".into(),
            ..PollInput::default()
        }
    }

    fn keys(r: Result<PollFields, Problems>) -> Vec<&'static str> {
        r.err()
            .map(|p| p.0.iter().map(|e| e.key).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_poll_is_checked_whole() {
        let f = check_poll(&input(), NOW).unwrap();
        assert_eq!(f.slug, "buku-apa-yang-ingin-kamu-baca-bulan-depan");
        assert_eq!(
            f.options,
            ["Komik sains", "Dongeng Nusantara", "Novel remaja"]
        );
        assert_eq!(f.max_choices, 1);
        assert_eq!(f.opens_at, NOW);
        let mut i = input();
        i.options = "Ya".into();
        assert_eq!(keys(check_poll(&i, NOW)), ["pg-err-options-few"]);
        i.options = (0..11).map(|n| format!("Pilihan {n}\n")).collect();
        assert_eq!(keys(check_poll(&i, NOW)), ["pg-err-options-many"]);
        i.options = "Ya\nya".into();
        assert_eq!(keys(check_poll(&i, NOW)), ["pg-err-options-same"]);
        let mut i = input();
        i.max_choices = "4".into();
        assert_eq!(keys(check_poll(&i, NOW)), ["pg-err-max-choices"]);
        i.max_choices = "3".into();
        assert_eq!(check_poll(&i, NOW).unwrap().max_choices, 3);
        let mut i = input();
        i.closes_at = Some(Timestamp(NOW.0 - 1));
        i.results = "kapan-kapan".into();
        i.question = " ".into();
        assert_eq!(
            keys(check_poll(&i, NOW)),
            [
                "err-required",
                "err-required",
                "pg-err-closes-before",
                "pg-err-slug"
            ]
        );
        let mut i = input();
        i.closes_unreadable = true;
        assert_eq!(keys(check_poll(&i, NOW)), ["pg-err-when"]);
        let mut i = input();
        assert_eq!(
            check_poll(&i, NOW).unwrap().address_cap,
            ANON_PER_ADDRESS_HOUR
        );
        i.address_cap = "200".into();
        assert_eq!(check_poll(&i, NOW).unwrap().address_cap, 200);
        i.address_cap = "0".into();
        assert_eq!(keys(check_poll(&i, NOW)), ["fm-err-address-cap"]);
    }

    #[test]
    fn states_and_choices() {
        let t = |ms| Timestamp(NOW.0 + ms);
        assert_eq!(poll_state(t(10), None, None, NOW), PollState::NotYet);
        assert_eq!(poll_state(t(-10), Some(t(10)), None, NOW), PollState::Open);
        assert_eq!(poll_state(t(-10), Some(t(0)), None, NOW), PollState::Closed);
        assert_eq!(
            poll_state(t(-10), None, Some(t(-1)), NOW),
            PollState::Closed
        );
        assert_eq!(check_choices(&[3, 3], &[1, 2, 3], 1), Ok(vec![3]));
        assert_eq!(check_choices(&[], &[1, 2, 3], 1), Err("pg-err-choose"));
        assert_eq!(check_choices(&[9], &[1, 2, 3], 1), Err("pg-err-choose"));
        assert_eq!(
            check_choices(&[1, 2], &[1, 2, 3], 1),
            Err("pg-err-too-many")
        );
        assert_eq!(check_choices(&[2, 1], &[1, 2, 3], 2), Ok(vec![1, 2]));
        assert!(results_visible(
            ShowResults::AfterVote,
            PollState::Open,
            true
        ));
        assert!(!results_visible(
            ShowResults::AfterVote,
            PollState::Open,
            false
        ));
        assert!(!results_visible(
            ShowResults::AfterClose,
            PollState::Open,
            true
        ));
        assert!(results_visible(
            ShowResults::AfterClose,
            PollState::Closed,
            false
        ));
    }

    #[test]
    fn shares_add_up_to_a_hundred() {
        assert_eq!(percents(&[1, 1, 1]), [34, 33, 33]);
        assert_eq!(percents(&[0, 0]), [0, 0]);
        assert_eq!(percents(&[2, 1]), [67, 33]);
        assert_eq!(percents(&[5, 0, 5]), [50, 0, 50]);
        assert_eq!(percents(&[1, 2, 3, 4]).iter().sum::<i64>(), 100);
    }
}
