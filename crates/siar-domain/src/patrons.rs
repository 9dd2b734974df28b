//! Patrons of the portal: sign-in by a one-time e-mail code, public
//! nicknames, library member numbers, families (a guardian and children's
//! profiles) and consent records.
//!
//! Data minimisation (UU PDP 27/2022): an account is an e-mail address; a
//! profile is a public nickname, and for a child a birth year and an optional
//! first name that only the guardian and certificates see.

use crate::validate::Problems;
use serde::{Deserialize, Serialize};

/// How long a sign-in code can be used.
pub const CODE_TTL_MS: i64 = 10 * 60_000;
/// Wrong tries before a code is spent.
pub const CODE_MAX_TRIES: i64 = 5;
/// At most this many codes per e-mail address in [`EMAIL_WINDOW_MS`].
pub const CODES_PER_EMAIL: i64 = 3;
pub const EMAIL_WINDOW_MS: i64 = 15 * 60_000;
/// At most this many codes per network address in [`ADDRESS_WINDOW_MS`]
/// (a school's shared connection sends many, so it is generous).
pub const CODES_PER_ADDRESS: i64 = 30;
pub const ADDRESS_WINDOW_MS: i64 = 60 * 60_000;
/// A patron stays signed in this long without coming back.
pub const SESSION_TTL_MS: i64 = 30 * 86_400_000;
/// Children younger than this take part only through a guardian's consent.
pub const CONSENT_AGE: i32 = 13;
/// The version of the consent texts shown today; a record keeps the version
/// the person agreed to.
pub const CONSENT_VERSION: &str = "2026-11";
/// At most this many children on one account.
pub const MAX_CHILDREN: usize = 8;

/// The canonical form of an address: trimmed, lower case.
pub fn normalise_email(s: &str) -> String {
    s.trim().to_lowercase()
}

/// A code as typed (spaces and dashes allowed) → its six digits.
pub fn parse_code(input: &str) -> Option<String> {
    let digits: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Six digits from a random number (uniform enough for 0..u32::MAX).
pub fn code_from(n: u32) -> String {
    format!("{:06}", n % 1_000_000)
}

/// The key that makes nicknames unique regardless of case and spaces.
pub fn nickname_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Checks a public nickname: 3–24 characters of letters, digits, spaces,
/// `.`, `_` or `-`, at least one letter, and nothing that looks like an
/// e-mail address or a telephone number (it is shown in public).
pub fn check_nickname(p: &mut Problems, field: &'static str, v: &str) {
    let v = v.trim();
    let n = v.chars().count();
    if n == 0 {
        p.push(field, "err-required");
    } else if !(3..=24).contains(&n) {
        p.push(field, "pt-err-nickname-length");
    } else if !v
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-'))
        || !v.chars().any(char::is_alphabetic)
    {
        p.push(field, "pt-err-nickname-chars");
    } else if v.chars().filter(char::is_ascii_digit).count() >= 7 {
        p.push(field, "pt-err-nickname-contact");
    }
}

/// Checks an optional library member number: 4–20 letters, digits or `-`.
pub fn check_member_no(p: &mut Problems, field: &'static str, v: &str) {
    let v = v.trim();
    if v.is_empty() {
        return;
    }
    let n = v.chars().count();
    if !(4..=20).contains(&n) || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        p.push(field, "pt-err-member-no");
    }
}

/// Whether someone born in `birth_year` may be under [`CONSENT_AGE`] in
/// `this_year`. Only the year is kept, so a child counts as young until the
/// year in which they are certainly old enough.
pub fn needs_guardian(birth_year: i32, this_year: i32) -> bool {
    this_year - birth_year - 1 < CONSENT_AGE
}

/// Checks a child's birth year: a number, not in the future, at most 17
/// years ago (older patrons have their own account).
pub fn check_birth_year(p: &mut Problems, field: &'static str, v: &str, this_year: i32) -> i32 {
    match v.trim().parse::<i32>() {
        Ok(y) if y > this_year => {
            p.push(field, "pt-err-birth-year-future");
            0
        }
        Ok(y) if this_year - y > 17 => {
            p.push(field, "pt-err-birth-year-adult");
            0
        }
        Ok(y) => y,
        Err(_) if v.trim().is_empty() => {
            p.push(field, "err-required");
            0
        }
        Err(_) => {
            p.push(field, "pt-err-birth-year");
            0
        }
    }
}

/// What a consent record is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// Keeping an account (the e-mail address and what the patron does).
    Account,
    /// A guardian lets a child take part.
    Guardian,
    /// Showing the nickname on leaderboards.
    Leaderboard,
}

impl ConsentPurpose {
    pub const ALL: [ConsentPurpose; 3] = [Self::Account, Self::Guardian, Self::Leaderboard];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Guardian => "guardian",
            Self::Leaderboard => "leaderboard",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Message key of the text the person agreed to (in this version).
    pub fn text_key(self) -> &'static str {
        match self {
            Self::Account => "pt-consent-account",
            Self::Guardian => "pt-consent-guardian",
            Self::Leaderboard => "pt-consent-leaderboard",
        }
    }

    /// Message key of its short name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Account => "pt-purpose-account",
            Self::Guardian => "pt-purpose-guardian",
            Self::Leaderboard => "pt-purpose-leaderboard",
        }
    }
}

/// Message keys this module uses (checked for translations by the web layer).
pub const PATRON_KEYS: &[&str] = &[
    "pt-err-nickname-length",
    "pt-err-nickname-chars",
    "pt-err-nickname-contact",
    "pt-err-member-no",
    "pt-err-birth-year-future",
    "pt-err-birth-year-adult",
    "pt-err-birth-year",
    "pt-consent-account",
    "pt-consent-guardian",
    "pt-consent-leaderboard",
    "pt-purpose-account",
    "pt-purpose-guardian",
    "pt-purpose-leaderboard",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_as_typed() {
        assert_eq!(parse_code(" 123 456 "), Some("123456".into()));
        assert_eq!(parse_code("123-456"), Some("123456".into()));
        assert_eq!(parse_code("12345"), None);
        assert_eq!(parse_code("1234567"), None);
        assert_eq!(parse_code("12a456"), None);
        assert_eq!(parse_code("١٢٣٤٥٦"), None, "only ASCII digits");
        assert_eq!(code_from(42), "000042");
        assert_eq!(code_from(u32::MAX).len(), 6);
    }

    #[test]
    fn nicknames_are_public_so_they_hide_contacts() {
        let check = |v: &str| {
            let mut p = Problems::default();
            check_nickname(&mut p, "nickname", v);
            p.0.first().map(|e| e.key)
        };
        assert_eq!(check("Kutu Buku 7"), None);
        assert_eq!(check("Siti_Aisyah"), None);
        assert_eq!(check("Ñoño"), None);
        assert_eq!(check(""), Some("err-required"));
        assert_eq!(check("ab"), Some("pt-err-nickname-length"));
        assert_eq!(check(&"a".repeat(25)), Some("pt-err-nickname-length"));
        assert_eq!(check("siti@mail.com"), Some("pt-err-nickname-chars"));
        assert_eq!(check("12345"), Some("pt-err-nickname-chars"));
        assert_eq!(check("wa 0812345678"), Some("pt-err-nickname-contact"));
        assert_eq!(nickname_key("  Kutu   Buku "), "kutu buku");
    }

    #[test]
    fn member_numbers_are_optional() {
        let check = |v: &str| {
            let mut p = Problems::default();
            check_member_no(&mut p, "member_no", v);
            p.is_empty()
        };
        assert!(check(""));
        assert!(check("PLG-2024-0012"));
        assert!(!check("12"));
        assert!(!check("nomor saya 12"));
    }

    #[test]
    fn children_need_a_guardian_until_certainly_thirteen() {
        assert!(needs_guardian(2014, 2026), "12 or 11");
        assert!(needs_guardian(2013, 2026), "13 or 12: may be 12");
        assert!(!needs_guardian(2012, 2026), "14 or 13");
        let mut p = Problems::default();
        assert_eq!(check_birth_year(&mut p, "y", "2016", 2026), 2016);
        assert!(p.is_empty());
        check_birth_year(&mut p, "y", "2027", 2026);
        check_birth_year(&mut p, "y", "2000", 2026);
        check_birth_year(&mut p, "y", "dua ribu", 2026);
        check_birth_year(&mut p, "y", " ", 2026);
        let keys: Vec<_> = p.0.iter().map(|e| e.key).collect();
        assert_eq!(
            keys,
            [
                "pt-err-birth-year-future",
                "pt-err-birth-year-adult",
                "pt-err-birth-year",
                "err-required"
            ]
        );
    }

    #[test]
    fn purposes_round_trip() {
        for p in ConsentPurpose::ALL {
            assert_eq!(ConsentPurpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(ConsentPurpose::parse("iklan"), None);
        assert_eq!(normalise_email("  Siti@Mail.COM "), "siti@mail.com");
    }
}
