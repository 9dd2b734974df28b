//! Quizzes (Kuis) and surveys (Survei): programmes made of questions that a
//! patron answers one page at a time (light on a cheap phone, no JavaScript).
//! The rules here are pure: what a form and a question may be, which
//! question comes next (skip logic), whether an answer is acceptable, and how
//! a quiz is scored.

use crate::Timestamp;
use crate::validate::{FieldError, Problems};

/// Which programme a form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormKind {
    Quiz,
    Survey,
}

impl FormKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quiz => "quiz",
            Self::Survey => "survey",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "quiz" => Some(Self::Quiz),
            "survey" => Some(Self::Survey),
            _ => None,
        }
    }

    /// The portal's path segment (`/kuis/{slug}`, `/survei/{slug}`).
    pub fn segment(self) -> &'static str {
        match self {
            Self::Quiz => "kuis",
            Self::Survey => "survei",
        }
    }
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuestionKind {
    /// One option.
    Single,
    /// Any number of options (at least one when required).
    Multiple,
    /// 1 to 5.
    Rating,
    /// Net Promoter Score, 0 to 10.
    Nps,
    /// A line of text.
    Short,
    /// A paragraph.
    Long,
    /// A calendar date.
    Date,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 7] = [
        Self::Single,
        Self::Multiple,
        Self::Rating,
        Self::Nps,
        Self::Short,
        Self::Long,
        Self::Date,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::Rating => "rating",
            Self::Nps => "nps",
            Self::Short => "short",
            Self::Long => "long",
            Self::Date => "date",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kinds a form of this kind may hold (a quiz scores choices only).
    pub fn allowed(form: FormKind) -> &'static [QuestionKind] {
        match form {
            FormKind::Quiz => &[Self::Single, Self::Multiple],
            FormKind::Survey => &Self::ALL,
        }
    }

    pub fn has_options(self) -> bool {
        matches!(self, Self::Single | Self::Multiple)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Single => "fm-kind-single",
            Self::Multiple => "fm-kind-multiple",
            Self::Rating => "fm-kind-rating",
            Self::Nps => "fm-kind-nps",
            Self::Short => "fm-kind-short",
            Self::Long => "fm-kind-long",
            Self::Date => "fm-kind-date",
        }
    }
}

pub const MAX_QUESTIONS: usize = 40;
pub const MAX_OPTIONS: usize = 10;
pub const SHORT_MAX: usize = 200;
pub const LONG_MAX: usize = 2000;
/// Default for how many times one network address may start a form per hour
/// (a school's Wi-Fi is shared, so it is not 1); each form can change it.
pub const DEFAULT_ADDRESS_CAP: i64 = 30;
/// Seconds of grace after a quiz's time limit, for the page to travel.
pub const GRACE_SECS: i64 = 5;

/// A form's settings as the staff typed them.
#[derive(Debug, Clone, Default)]
pub struct FormInput {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Shown when the patron has finished.
    pub thanks: String,
    /// Minutes (quizzes only; empty for none).
    pub time_limit: String,
    /// Quiz: points per correct answer. Survey: points for completing it.
    pub points: String,
    pub leaderboard: bool,
    pub allow_anonymous: bool,
    /// Starts per network address per hour.
    pub address_cap: String,
    pub closes_at: Option<Timestamp>,
    pub closes_unreadable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormFields {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub thanks: String,
    pub time_limit_secs: Option<i64>,
    pub points: i64,
    pub leaderboard: bool,
    pub allow_anonymous: bool,
    pub address_cap: i64,
    pub closes_at: Option<Timestamp>,
}

fn long_text(p: &mut Problems, field: &'static str, v: &str, max: usize) {
    if v.trim().chars().count() > max {
        p.0.push(FieldError {
            field,
            key: "err-too-long",
            max: Some(max),
        });
    }
}

/// Reads a whole number in a range; empty gives `default`.
fn number(
    p: &mut Problems,
    field: &'static str,
    v: &str,
    range: std::ops::RangeInclusive<i64>,
    default: Option<i64>,
    key: &'static str,
) -> Option<i64> {
    match v.trim() {
        "" => default,
        s => match s.parse::<i64>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                p.push(field, key);
                default
            }
        },
    }
}

/// Checks a quiz's or survey's settings. Anonymous answers are for surveys
/// only (a quiz gives points and a leaderboard, so it needs a profile).
pub fn check_form(kind: FormKind, i: &FormInput, now: Timestamp) -> Result<FormFields, Problems> {
    let mut p = Problems::default();
    p.text("title", &i.title, 200);
    long_text(&mut p, "description", &i.description, 1000);
    long_text(&mut p, "thanks", &i.thanks, 1000);
    let time_limit_secs = match kind {
        FormKind::Quiz => number(
            &mut p,
            "time_limit",
            &i.time_limit,
            1..=120,
            None,
            "fm-err-time-limit",
        )
        .map(|m| m * 60),
        FormKind::Survey => None,
    };
    let points = number(
        &mut p,
        "points",
        &i.points,
        0..=1000,
        Some(0),
        "fm-err-points",
    )
    .unwrap_or(0);
    let address_cap = number(
        &mut p,
        "address_cap",
        &i.address_cap,
        1..=10_000,
        Some(DEFAULT_ADDRESS_CAP),
        "fm-err-address-cap",
    )
    .unwrap_or(DEFAULT_ADDRESS_CAP);
    if i.closes_unreadable {
        p.push("closes_at", "pg-err-when");
    } else if let Some(c) = i.closes_at
        && c <= now
    {
        p.push("closes_at", "pg-err-closes-before");
    }
    let slug = match crate::articles::slug_for(&i.slug, &i.title) {
        Ok(s) => s,
        Err(_) => {
            p.push("slug", "pg-err-slug");
            String::new()
        }
    };
    p.into_result()?;
    Ok(FormFields {
        slug,
        title: i.title.trim().to_string(),
        description: i.description.trim().to_string(),
        thanks: i.thanks.trim().to_string(),
        time_limit_secs,
        points,
        leaderboard: kind == FormKind::Quiz && i.leaderboard,
        allow_anonymous: kind == FormKind::Survey && i.allow_anonymous,
        address_cap,
        closes_at: i.closes_at,
    })
}

/// Where a choice sends the patron next (skip logic, surveys only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goto {
    /// The question at this position (1-based, after the current one).
    Question(i64),
    /// Straight to the end.
    End,
}

impl Goto {
    /// Stored as the position, 0 for the end.
    pub fn to_db(self) -> i64 {
        match self {
            Self::Question(n) => n,
            Self::End => 0,
        }
    }

    pub fn from_db(v: Option<i64>) -> Option<Self> {
        match v {
            None => None,
            Some(0) => Some(Self::End),
            Some(n) => Some(Self::Question(n)),
        }
    }
}

/// A question as the staff typed it. Options go one per line; in a quiz a
/// line starting with `*` is a correct answer; in a survey a line may end
/// with `-> 5` (go to question 5) or `-> selesai`/`-> end` (finish).
#[derive(Debug, Clone, Default)]
pub struct QuestionInput {
    pub kind: String,
    pub prompt: String,
    pub help: String,
    pub options: String,
    pub explanation: String,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionFields {
    pub label: String,
    pub correct: bool,
    pub goto: Option<Goto>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionFields {
    pub kind: QuestionKind,
    pub prompt: String,
    pub help: String,
    pub options: Vec<OptionFields>,
    pub explanation: String,
    pub required: bool,
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads one option line: (label, correct mark, skip target). `Err` when
/// the skip target cannot be read.
fn option_line(line: &str) -> Result<(String, bool, Option<Goto>), ()> {
    let mut text = line.trim();
    let correct = text.starts_with('*');
    if correct {
        text = text[1..].trim_start();
    }
    let mut goto = None;
    if let Some(at) = text.rfind("->") {
        let target = text[at + 2..].trim().to_lowercase();
        goto = Some(match target.as_str() {
            "selesai" | "end" | "akhir" => Goto::End,
            t => Goto::Question(t.parse::<i64>().map_err(|_| ())?),
        });
        text = text[..at].trim_end();
    }
    Ok((squash(text), correct, goto))
}

/// Checks a question at 1-based `position` of a form. Choice questions need
/// 2–10 distinct options; a quiz's need at least one correct one (exactly one
/// for single choice); skip targets must lie ahead (no loops). Every quiz
/// question is required.
pub fn check_question(
    form: FormKind,
    i: &QuestionInput,
    position: i64,
) -> Result<QuestionFields, Problems> {
    let mut p = Problems::default();
    let kind = QuestionKind::parse(&i.kind).filter(|k| QuestionKind::allowed(form).contains(k));
    if kind.is_none() {
        p.push("kind", "fm-err-kind");
    }
    p.text("prompt", &i.prompt, 500);
    long_text(&mut p, "help", &i.help, 500);
    long_text(&mut p, "explanation", &i.explanation, 1000);
    let mut options = Vec::new();
    if let Some(k) = kind.filter(|k| k.has_options()) {
        let mut bad_target = false;
        for line in i.options.lines().filter(|l| !l.trim().is_empty()) {
            match option_line(line) {
                Ok((label, correct, goto)) => options.push(OptionFields {
                    label,
                    correct,
                    goto,
                }),
                Err(()) => bad_target = true,
            }
        }
        if bad_target {
            p.push("options", "fm-err-goto");
        } else if options.len() < 2 {
            p.push("options", "pg-err-options-few");
        } else if options.len() > MAX_OPTIONS {
            p.push("options", "pg-err-options-many");
        } else if options
            .iter()
            .any(|o| o.label.is_empty() || o.label.chars().count() > 100)
        {
            p.push("options", "pg-err-option-long");
        } else {
            let mut seen: Vec<String> = options.iter().map(|o| o.label.to_lowercase()).collect();
            seen.sort();
            seen.dedup();
            if seen.len() != options.len() {
                p.push("options", "pg-err-options-same");
            }
        }
        let correct = options.iter().filter(|o| o.correct).count();
        match form {
            FormKind::Quiz => {
                if correct == 0 {
                    p.push("options", "fm-err-no-correct");
                } else if k == QuestionKind::Single && correct > 1 {
                    p.push("options", "fm-err-one-correct");
                } else if options.iter().any(|o| o.goto.is_some()) {
                    p.push("options", "fm-err-goto-quiz");
                }
            }
            FormKind::Survey => {
                if correct > 0 {
                    p.push("options", "fm-err-correct-survey");
                } else if options.iter().any(|o| o.goto.is_some()) && k != QuestionKind::Single {
                    p.push("options", "fm-err-goto-single");
                } else if options
                    .iter()
                    .any(|o| matches!(o.goto, Some(Goto::Question(n)) if n <= position))
                {
                    p.push("options", "fm-err-goto-back");
                }
            }
        }
    }
    p.into_result()?;
    let kind = kind.unwrap_or(QuestionKind::Short);
    Ok(QuestionFields {
        kind,
        prompt: i.prompt.trim().to_string(),
        help: i.help.trim().to_string(),
        options,
        explanation: i.explanation.trim().to_string(),
        required: form == FormKind::Quiz || i.required,
    })
}

/// The options as the staff would type them again (for the edit form).
pub fn options_text(options: &[OptionFields]) -> String {
    options
        .iter()
        .map(|o| {
            let mut line = String::new();
            if o.correct {
                line.push_str("* ");
            }
            line.push_str(&o.label);
            match o.goto {
                Some(Goto::Question(n)) => line.push_str(&format!(" -> {n}")),
                Some(Goto::End) => line.push_str(" -> selesai"),
                None => {}
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the patron typed or ticked for one question.
#[derive(Debug, Clone, Default)]
pub struct RawAnswer {
    pub choices: Vec<i64>,
    pub text: String,
}

/// A checked answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Choices(Vec<i64>),
    Number(i64),
    Text(String),
    Date(chrono::NaiveDate),
    /// An optional question left empty.
    Skipped,
}

impl Answer {
    /// How it is stored: choices as `1,2`, numbers and dates as text, a
    /// skipped question as an empty string.
    pub fn to_db(&self) -> String {
        match self {
            Self::Choices(c) => c
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(","),
            Self::Number(n) => n.to_string(),
            Self::Text(t) => t.clone(),
            Self::Date(d) => d.to_string(),
            Self::Skipped => String::new(),
        }
    }

    /// Reads a stored answer back for a question of this kind.
    pub fn from_db(kind: QuestionKind, v: &str) -> Self {
        if v.is_empty() {
            return Self::Skipped;
        }
        match kind {
            QuestionKind::Single | QuestionKind::Multiple => Self::Choices(
                v.split(',')
                    .filter_map(|x| x.trim().parse::<i64>().ok())
                    .collect(),
            ),
            QuestionKind::Rating | QuestionKind::Nps => {
                v.parse::<i64>().map(Self::Number).unwrap_or(Self::Skipped)
            }
            QuestionKind::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Self::Date)
                .unwrap_or(Self::Skipped),
            QuestionKind::Short | QuestionKind::Long => Self::Text(v.to_string()),
        }
    }
}

/// Checks an answer to a question of `kind` whose options have `option_ids`.
/// Returns the message key of the problem.
pub fn check_answer(
    kind: QuestionKind,
    required: bool,
    option_ids: &[i64],
    raw: &RawAnswer,
) -> Result<Answer, &'static str> {
    let text = raw.text.trim();
    let empty = match kind {
        QuestionKind::Single | QuestionKind::Multiple => raw.choices.is_empty(),
        _ => text.is_empty(),
    };
    if empty {
        return if required {
            Err("fm-err-required")
        } else {
            Ok(Answer::Skipped)
        };
    }
    match kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            let mut c = raw.choices.clone();
            c.sort_unstable();
            c.dedup();
            if c.iter().any(|x| !option_ids.contains(x)) {
                return Err("pg-err-choose");
            }
            if kind == QuestionKind::Single && c.len() > 1 {
                return Err("fm-err-one");
            }
            Ok(Answer::Choices(c))
        }
        QuestionKind::Rating | QuestionKind::Nps => {
            let range = if kind == QuestionKind::Rating {
                1..=5
            } else {
                0..=10
            };
            match text.parse::<i64>() {
                Ok(n) if range.contains(&n) => Ok(Answer::Number(n)),
                _ => Err("fm-err-scale"),
            }
        }
        QuestionKind::Short | QuestionKind::Long => {
            let max = if kind == QuestionKind::Short {
                SHORT_MAX
            } else {
                LONG_MAX
            };
            if text.chars().count() > max {
                Err("fm-err-answer-long")
            } else {
                Ok(Answer::Text(text.to_string()))
            }
        }
        QuestionKind::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Answer::Date)
            .map_err(|_| "fm-err-date"),
    }
}

/// What the walk needs to know of one question.
#[derive(Debug, Clone)]
pub struct Step {
    pub id: i64,
    /// Option id → where choosing it leads.
    pub gotos: Vec<(i64, Goto)>,
}

/// The index of the next question to answer, following skip logic from the
/// first question through the answers given; `None` when the form is done.
/// A jump only ever goes forward (a target at or before the current
/// question is read as "the next one"), so the walk always ends.
pub fn next_question(steps: &[Step], answered: &dyn Fn(i64) -> Option<Answer>) -> Option<usize> {
    let mut at = 0usize;
    while at < steps.len() {
        let step = &steps[at];
        let Some(answer) = answered(step.id) else {
            return Some(at);
        };
        let mut next = at + 1;
        if let Answer::Choices(c) = &answer
            && let [one] = c.as_slice()
            && let Some((_, goto)) = step.gotos.iter().find(|(o, _)| o == one)
        {
            match goto {
                Goto::End => return None,
                Goto::Question(n) => {
                    let target = (*n as usize).saturating_sub(1);
                    if target > at {
                        next = target;
                    }
                }
            }
        }
        at = next;
    }
    None
}

/// Whether a quiz answer is right: exactly the correct options.
pub fn is_correct(chosen: &[i64], correct: &[i64]) -> bool {
    let mut a = chosen.to_vec();
    let mut b = correct.to_vec();
    a.sort_unstable();
    a.dedup();
    b.sort_unstable();
    b.dedup();
    !b.is_empty() && a == b
}

/// Whether a quiz's time has run out (with a little grace).
pub fn timed_out(started_at: Timestamp, limit_secs: Option<i64>, now: Timestamp) -> bool {
    limit_secs.is_some_and(|l| now.0 > started_at.0 + (l + GRACE_SECS) * 1000)
}

/// Net Promoter Score of 0–10 answers: per cent promoters (9–10) minus per
/// cent detractors (0–6), rounded; `None` without answers.
pub fn nps(scores: &[i64]) -> Option<i64> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as f64;
    let promoters = scores.iter().filter(|s| **s >= 9).count() as f64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as f64;
    Some(((promoters - detractors) * 100.0 / n).round() as i64)
}

/// Message keys this module uses.
pub const FORM_KEYS: &[&str] = &[
    "fm-err-time-limit",
    "fm-err-points",
    "fm-err-address-cap",
    "fm-err-kind",
    "fm-err-goto",
    "fm-err-no-correct",
    "fm-err-one-correct",
    "fm-err-goto-quiz",
    "fm-err-correct-survey",
    "fm-err-goto-single",
    "fm-err-goto-back",
    "fm-err-required",
    "fm-err-scale",
    "fm-err-answer-long",
    "fm-err-date",
    "fm-err-one",
    "fm-kind-single",
    "fm-kind-multiple",
    "fm-kind-rating",
    "fm-kind-nps",
    "fm-kind-short",
    "fm-kind-long",
    "fm-kind-date",
];

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_790_000_000_000);

    fn keys<T>(r: Result<T, Problems>) -> Vec<&'static str> {
        r.err()
            .map(|p| p.0.iter().map(|e| e.key).collect())
            .unwrap_or_default()
    }

    fn form() -> FormInput {
        FormInput {
            title: "Kuis Sejarah Palembang".into(),
            ..FormInput::default()
        }
    }

    #[test]
    fn form_settings_are_checked() {
        let f = check_form(FormKind::Quiz, &form(), NOW).unwrap();
        assert_eq!(f.slug, "kuis-sejarah-palembang");
        assert_eq!(f.time_limit_secs, None);
        assert_eq!(f.address_cap, DEFAULT_ADDRESS_CAP);
        let mut i = form();
        i.time_limit = "5".into();
        i.points = "10".into();
        i.leaderboard = true;
        i.allow_anonymous = true;
        let f = check_form(FormKind::Quiz, &i, NOW).unwrap();
        assert_eq!(f.time_limit_secs, Some(300));
        assert!(f.leaderboard);
        assert!(!f.allow_anonymous, "a quiz needs a profile");
        let f = check_form(FormKind::Survey, &i, NOW).unwrap();
        assert_eq!(f.time_limit_secs, None, "surveys have no time limit");
        assert!(!f.leaderboard);
        assert!(f.allow_anonymous);
        let mut i = form();
        i.time_limit = "0".into();
        i.points = "-3".into();
        i.address_cap = "banyak".into();
        i.closes_at = Some(NOW);
        assert_eq!(
            keys(check_form(FormKind::Quiz, &i, NOW)),
            [
                "fm-err-time-limit",
                "fm-err-points",
                "fm-err-address-cap",
                "pg-err-closes-before"
            ]
        );
        let mut i = form();
        i.title = String::new();
        i.thanks = "x".repeat(1001);
        assert_eq!(
            keys(check_form(FormKind::Survey, &i, NOW)),
            ["err-required", "err-too-long", "pg-err-slug"]
        );
    }

    fn q(kind: &str, options: &str) -> QuestionInput {
        QuestionInput {
            kind: kind.into(),
            prompt: "Siapa penulis Laskar Pelangi?".into(),
            options: options.into(),
            ..QuestionInput::default()
        }
    }

    #[test]
    fn quiz_questions_need_right_answers() {
        let f = check_question(
            FormKind::Quiz,
            &q(
                "single",
                "* Andrea Hirata\nTere Liye\n  Pramoedya   Ananta Toer ",
            ),
            1,
        )
        .unwrap();
        assert!(f.required, "quiz questions are always required");
        assert_eq!(f.options.len(), 3);
        assert!(f.options[0].correct);
        assert_eq!(f.options[0].label, "Andrea Hirata");
        assert_eq!(f.options[2].label, "Pramoedya Ananta Toer");
        assert_eq!(
            options_text(&f.options),
            "* Andrea Hirata\nTere Liye\nPramoedya Ananta Toer"
        );
        let bad = |kind: &str, opts: &str| keys(check_question(FormKind::Quiz, &q(kind, opts), 1));
        assert_eq!(bad("single", "A\nB"), ["fm-err-no-correct"]);
        assert_eq!(bad("single", "*A\n*B"), ["fm-err-one-correct"]);
        assert!(bad("multiple", "*A\n*B\nC").is_empty());
        assert_eq!(bad("single", "*A -> 3\nB"), ["fm-err-goto-quiz"]);
        assert_eq!(bad("rating", ""), ["fm-err-kind"]);
        assert_eq!(bad("single", "*A"), ["pg-err-options-few"]);
        assert_eq!(bad("single", "*A\na"), ["pg-err-options-same"]);
    }

    #[test]
    fn survey_questions_and_skip_targets() {
        let f = check_question(
            FormKind::Survey,
            &q("single", "Ya -> 4\nTidak -> selesai\nMungkin"),
            2,
        )
        .unwrap();
        assert_eq!(f.options[0].goto, Some(Goto::Question(4)));
        assert_eq!(f.options[1].goto, Some(Goto::End));
        assert_eq!(f.options[2].goto, None);
        assert_eq!(
            options_text(&f.options),
            "Ya -> 4\nTidak -> selesai\nMungkin"
        );
        let bad = |kind: &str, opts: &str, at: i64| {
            keys(check_question(FormKind::Survey, &q(kind, opts), at))
        };
        assert_eq!(bad("single", "Ya -> 2\nTidak", 2), ["fm-err-goto-back"]);
        assert_eq!(bad("single", "Ya -> dua\nTidak", 1), ["fm-err-goto"]);
        assert_eq!(bad("multiple", "Ya -> 3\nTidak", 1), ["fm-err-goto-single"]);
        assert_eq!(bad("single", "*Ya\nTidak", 1), ["fm-err-correct-survey"]);
        assert_eq!(bad("telepati", "", 1), ["fm-err-kind"]);
        for k in ["rating", "nps", "short", "long", "date"] {
            let f = check_question(FormKind::Survey, &q(k, "ignored"), 1).unwrap();
            assert!(f.options.is_empty(), "{k} has no options");
            assert!(!f.required);
        }
    }

    #[test]
    fn answers_are_checked_by_kind() {
        let raw = |choices: &[i64], text: &str| RawAnswer {
            choices: choices.to_vec(),
            text: text.into(),
        };
        use QuestionKind as K;
        let opts = [10, 11, 12];
        assert_eq!(
            check_answer(K::Single, true, &opts, &raw(&[11], "")),
            Ok(Answer::Choices(vec![11]))
        );
        assert_eq!(
            check_answer(K::Single, true, &opts, &raw(&[10, 11], "")),
            Err("fm-err-one")
        );
        assert_eq!(
            check_answer(K::Multiple, true, &opts, &raw(&[12, 10, 12], "")),
            Ok(Answer::Choices(vec![10, 12]))
        );
        assert_eq!(
            check_answer(K::Multiple, true, &opts, &raw(&[99], "")),
            Err("pg-err-choose")
        );
        assert_eq!(
            check_answer(K::Single, true, &opts, &raw(&[], "")),
            Err("fm-err-required")
        );
        assert_eq!(
            check_answer(K::Single, false, &opts, &raw(&[], "")),
            Ok(Answer::Skipped)
        );
        assert_eq!(
            check_answer(K::Rating, true, &[], &raw(&[], " 5 ")),
            Ok(Answer::Number(5))
        );
        assert_eq!(
            check_answer(K::Rating, true, &[], &raw(&[], "6")),
            Err("fm-err-scale")
        );
        assert_eq!(
            check_answer(K::Nps, true, &[], &raw(&[], "0")),
            Ok(Answer::Number(0))
        );
        assert_eq!(
            check_answer(K::Nps, true, &[], &raw(&[], "11")),
            Err("fm-err-scale")
        );
        assert_eq!(
            check_answer(K::Short, true, &[], &raw(&[], &"a".repeat(201))),
            Err("fm-err-answer-long")
        );
        assert_eq!(
            check_answer(
                K::Long,
                true,
                &[],
                &raw(&[], "Ruang baca anak perlu kipas.")
            ),
            Ok(Answer::Text("Ruang baca anak perlu kipas.".into()))
        );
        assert_eq!(
            check_answer(K::Date, true, &[], &raw(&[], "2026-02-30")),
            Err("fm-err-date")
        );
        let d = check_answer(K::Date, true, &[], &raw(&[], "2026-12-01")).unwrap();
        assert_eq!(d.to_db(), "2026-12-01");
        assert_eq!(Answer::from_db(K::Date, "2026-12-01"), d);
        assert_eq!(
            Answer::from_db(K::Multiple, "10,12"),
            Answer::Choices(vec![10, 12])
        );
        assert_eq!(Answer::from_db(K::Nps, ""), Answer::Skipped);
    }

    #[test]
    fn skip_logic_walks_forward_only() {
        // Q1: "Pernah ikut acara?" Ya (1) -> 2, Tidak (2) -> 4; Q2, Q3, Q4 plain;
        // Q4's option 7 ends the survey; Q5 after it.
        let steps = vec![
            Step {
                id: 100,
                gotos: vec![(2, Goto::Question(4))],
            },
            Step {
                id: 101,
                gotos: vec![],
            },
            Step {
                id: 102,
                gotos: vec![],
            },
            Step {
                id: 103,
                gotos: vec![(7, Goto::End), (8, Goto::Question(1))],
            },
            Step {
                id: 104,
                gotos: vec![],
            },
        ];
        let walk = |given: &[(i64, Answer)]| {
            let given = given.to_vec();
            next_question(&steps, &move |id| {
                given.iter().find(|(q, _)| *q == id).map(|(_, a)| a.clone())
            })
        };
        assert_eq!(walk(&[]), Some(0));
        assert_eq!(walk(&[(100, Answer::Choices(vec![1]))]), Some(1));
        assert_eq!(walk(&[(100, Answer::Choices(vec![2]))]), Some(3));
        assert_eq!(
            walk(&[
                (100, Answer::Choices(vec![2])),
                (103, Answer::Choices(vec![7]))
            ]),
            None
        );
        // A jump backwards is read as "next": no loop.
        assert_eq!(
            walk(&[
                (100, Answer::Choices(vec![2])),
                (103, Answer::Choices(vec![8]))
            ]),
            Some(4)
        );
        assert_eq!(
            walk(&[
                (100, Answer::Choices(vec![2])),
                (103, Answer::Skipped),
                (104, Answer::Text("ok".into()))
            ]),
            None
        );
    }

    #[test]
    fn scoring_time_and_nps() {
        assert!(is_correct(&[3, 1], &[1, 3]));
        assert!(!is_correct(&[1], &[1, 3]));
        assert!(!is_correct(&[1, 2, 3], &[1, 3]));
        assert!(!is_correct(&[], &[]));
        let start = Timestamp(NOW.0);
        assert!(!timed_out(start, None, Timestamp(NOW.0 + 86_400_000)));
        assert!(!timed_out(start, Some(60), Timestamp(NOW.0 + 65_000)));
        assert!(timed_out(start, Some(60), Timestamp(NOW.0 + 65_001)));
        assert_eq!(nps(&[]), None);
        assert_eq!(nps(&[10, 9, 8, 7, 6]), Some(20));
        assert_eq!(nps(&[0, 0, 10]), Some(-33));
    }
}
