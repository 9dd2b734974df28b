//! Points and rewards: the rules of the append-only points ledger, the
//! rewards catalogue, and voucher codes that staff type or scan at the desk.

use crate::validate::{FieldError, Problems};

/// Why points moved (the ledger's `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointReason {
    /// Staff gave them (e.g. "komentator aktif").
    Award,
    /// Spent on a voucher.
    Redeem,
    /// Reading logged in a challenge.
    Reading,
    /// A quiz's score.
    Quiz,
    /// A survey completed.
    Survey,
    /// A secret code from a poster, event or post.
    Code,
}

impl PointReason {
    pub const ALL: [PointReason; 6] = [
        Self::Award,
        Self::Redeem,
        Self::Reading,
        Self::Quiz,
        Self::Survey,
        Self::Code,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Award => "award",
            Self::Redeem => "redeem",
            Self::Reading => "reading",
            Self::Quiz => "quiz",
            Self::Survey => "survey",
            Self::Code => "code",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Award => "rw-reason-award",
            Self::Redeem => "rw-reason-redeem",
            Self::Reading => "rw-reason-reading",
            Self::Quiz => "rw-reason-quiz",
            Self::Survey => "rw-reason-survey",
            Self::Code => "rw-reason-code",
        }
    }
}

/// A voucher can be used this long after it was taken.
pub const VOUCHER_TTL_MS: i64 = 90 * 86_400_000;
/// Letters and digits that cannot be mistaken for one another when read
/// aloud or typed from a phone (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
pub const VOUCHER_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";
pub const VOUCHER_LEN: usize = 8;
/// Most points staff give at once.
pub const MAX_AWARD: i64 = 1_000;

/// A voucher code from random bytes: `XXXX-XXXX`.
pub fn voucher_code(random: &[u8; VOUCHER_LEN]) -> String {
    let n = VOUCHER_ALPHABET.len();
    let chars: String = random
        .iter()
        .map(|b| VOUCHER_ALPHABET[usize::from(*b) % n] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// A code as typed or scanned (any case, spaces, with or without the dash,
/// or the whole desk URL) → its canonical form, if it can be one.
pub fn normalise_voucher(input: &str) -> Option<String> {
    let tail = input.trim().rsplit(['/', '=']).next().unwrap_or("");
    let chars: String = tail
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    let ok = chars.len() == VOUCHER_LEN && chars.bytes().all(|b| VOUCHER_ALPHABET.contains(&b));
    ok.then(|| format!("{}-{}", &chars[..4], &chars[4..]))
}

/// A reward as staff typed it.
#[derive(Debug, Clone, Default)]
pub struct RewardInput {
    pub name: String,
    pub description: String,
    pub cost: String,
    /// Empty: no limit.
    pub stock: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardFields {
    pub name: String,
    pub description: String,
    pub cost: i64,
    pub stock: Option<i64>,
}

pub fn check_reward(i: &RewardInput) -> Result<RewardFields, Problems> {
    let mut p = Problems::default();
    p.text("name", &i.name, 80);
    if i.description.trim().chars().count() > 500 {
        p.0.push(FieldError {
            field: "description",
            key: "err-too-long",
            max: Some(500),
        });
    }
    let cost = match i.cost.trim().parse::<i64>() {
        Ok(c) if (1..=100_000).contains(&c) => c,
        _ => {
            p.push("cost", "rw-err-cost");
            0
        }
    };
    let stock = match i.stock.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if (0..=100_000).contains(&n) => Some(n),
            _ => {
                p.push("stock", "rw-err-stock");
                None
            }
        },
    };
    p.into_result()?;
    Ok(RewardFields {
        name: i.name.trim().to_string(),
        description: i.description.trim().to_string(),
        cost,
        stock,
    })
}

/// Checks points staff give: a whole number from 1 to [`MAX_AWARD`] and a
/// reason the patron will read.
pub fn check_award(points: &str, reason: &str) -> Result<(i64, String), Problems> {
    let mut p = Problems::default();
    let n = match points.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_AWARD).contains(&n) => n,
        _ => {
            p.push("points", "rw-err-points");
            0
        }
    };
    p.text("reason", reason, 120);
    p.into_result()?;
    Ok((n, reason.trim().to_string()))
}

/// Message keys this module uses.
pub const REWARD_KEYS: &[&str] = &[
    "rw-reason-award",
    "rw-reason-redeem",
    "rw-reason-reading",
    "rw-reason-quiz",
    "rw-reason-survey",
    "rw-reason-code",
    "rw-err-cost",
    "rw-err-stock",
    "rw-err-points",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voucher_codes_read_aloud_and_typed_back() {
        let code = voucher_code(&[0, 1, 2, 3, 24, 25, 49, 255]);
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert_eq!(normalise_voucher(&code), Some(code.clone()));
        assert_eq!(
            normalise_voucher(&code.to_lowercase().replace('-', " ")),
            Some(code.clone())
        );
        assert_eq!(
            normalise_voucher(&format!(
                "https://siar.example/app/hadiah/tukar?kode={code}"
            )),
            Some(code.clone())
        );
        assert_eq!(normalise_voucher("ACDE-FGH"), None, "too short");
        assert_eq!(normalise_voucher("ACDE-FGH0"), None, "0 is never used");
        assert_eq!(normalise_voucher(""), None);
        // Every byte maps into the alphabet.
        for b in 0..=255u8 {
            let c = voucher_code(&[b; VOUCHER_LEN]);
            assert!(normalise_voucher(&c).is_some(), "{c}");
        }
    }

    #[test]
    fn rewards_and_awards_are_checked() {
        let ok = RewardInput {
            name: "Bebas denda sekali".into(),
            cost: "50".into(),
            ..Default::default()
        };
        let f = check_reward(&ok).unwrap();
        assert_eq!((f.cost, f.stock), (50, None));
        let bad = RewardInput {
            name: " ".into(),
            cost: "-3".into(),
            stock: "banyak".into(),
            ..Default::default()
        };
        let keys: Vec<_> = check_reward(&bad)
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, ["err-required", "rw-err-cost", "rw-err-stock"]);
        assert_eq!(
            check_award("25", " komentator aktif ").unwrap(),
            (25, "komentator aktif".into())
        );
        let keys: Vec<_> = check_award("0", "")
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, ["rw-err-points", "err-required"]);
        assert!(check_award("1001", "x").is_err());
        for r in PointReason::ALL {
            assert_eq!(PointReason::parse(r.as_str()), Some(r));
        }
    }
}
