//! Organisations, staff, roles and what each role may do.

use crate::validate::{FieldError, Problems};
use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The demo password. It only opens accounts while Siar runs in `demo` mode.
pub const DEMO_PASSWORD: &str = "siar-demo";
/// The shortest password Siar accepts for a staff account.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Editor,
    Contributor,
    Moderator,
    Analyst,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Editor,
        Role::Contributor,
        Role::Moderator,
        Role::Analyst,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Contributor => "contributor",
            Role::Moderator => "moderator",
            Role::Analyst => "analyst",
        }
    }

    /// The i18n key of the role's display name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => "role-admin",
            Role::Editor => "role-editor",
            Role::Contributor => "role-contributor",
            Role::Moderator => "role-moderator",
            Role::Analyst => "role-analyst",
        }
    }

    /// Whether this role holds `perm`. The one place where roles meet permissions.
    pub fn can(self, perm: Permission) -> bool {
        use Permission::*;
        match perm {
            ViewConsole | UseOwnAccount | ViewPosts => true,
            ManageStaff | ManageSettings | ViewAudit | ManageJobs | ManageChannels => {
                self == Role::Admin
            }
            Publish => matches!(self, Role::Admin | Role::Editor),
            MakeLinks | Draft => matches!(self, Role::Admin | Role::Editor | Role::Contributor),
            Inbox => self != Role::Analyst,
            ModerateInbox => matches!(self, Role::Admin | Role::Editor | Role::Moderator),
            ManageInbox => self == Role::Admin,
            ViewReports => true,
            ManagePrograms => matches!(self, Role::Admin | Role::Editor),
            RedeemVouchers => self != Role::Analyst,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (expected one of: admin, editor, contributor, moderator, analyst)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// What a route or use case requires. Roles map to permissions in [`Role::can`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Open the console at all (every active staff member).
    ViewConsole,
    /// Change one's own language, sign out everywhere.
    UseOwnAccount,
    ManageStaff,
    ManageSettings,
    ViewAudit,
    ManageJobs,
    /// See posts, deliveries and channels.
    ViewPosts,
    /// Write, schedule, retry and cancel posts.
    Publish,
    /// Connect, pause and disconnect channels.
    ManageChannels,
    /// Make short links (contributors too: their drafts need them).
    MakeLinks,
    /// Write drafts and submit them for review.
    Draft,
    /// Read the inbox and answer patrons (contributors' answers may wait for
    /// approval).
    Inbox,
    /// Assign, label, resolve, hide or delete, approve contributors' answers.
    ModerateInbox,
    /// Rules, saved replies and response targets.
    ManageInbox,
    /// Read reports (response times, satisfaction).
    ViewReports,
    /// Create, change and close polls and the other patron programmes; give
    /// points; keep the rewards catalogue.
    ManagePrograms,
    /// Redeem patrons' vouchers at the desk.
    RedeemVouchers,
}

/// A language Siar speaks. Indonesian first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "id")]
    Id,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// Opening hours of one weekday: closed, or open from `open` to `close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    pub open: Option<NaiveTime>,
    pub close: Option<NaiveTime>,
}

impl DayHours {
    pub fn closed() -> Self {
        Self {
            open: None,
            close: None,
        }
    }

    pub fn is_open(&self) -> bool {
        self.open.is_some() && self.close.is_some()
    }
}

/// Monday first, as Indonesian calendars are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours(pub [DayHours; 7]);

impl OpeningHours {
    /// The i18n keys of the weekday names, Monday first.
    pub const DAY_KEYS: [&'static str; 7] = [
        "day-mon", "day-tue", "day-wed", "day-thu", "day-fri", "day-sat", "day-sun",
    ];

    /// The form field of each weekday, Monday first (`<field>_open`, `<field>_close`).
    pub const FIELDS: [&'static str; 7] = [
        "hours_mon",
        "hours_tue",
        "hours_wed",
        "hours_thu",
        "hours_fri",
        "hours_sat",
        "hours_sun",
    ];

    /// Typical hours of an Indonesian city library: weekdays 08:00–16:00,
    /// Saturday 08:00–12:00, closed on Sunday.
    pub fn library_default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        let weekday = DayHours {
            open: t(8, 0),
            close: t(16, 0),
        };
        let saturday = DayHours {
            open: t(8, 0),
            close: t(12, 0),
        };
        Self([
            weekday,
            weekday,
            weekday,
            weekday,
            weekday,
            saturday,
            DayHours::closed(),
        ])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

/// The settings an admin edits on the **Pengaturan** page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSettings {
    pub name: String,
    pub timezone: Tz,
    pub default_lang: Lang,
    pub opening_hours: OpeningHours,
    pub holidays: Vec<Holiday>,
    /// Images and videos need alt text before they are published (on by
    /// default; a library may relax it).
    pub require_alt: bool,
}

/// The settings form as typed: every field a string, so nothing typed is lost when
/// the form comes back with a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettingsInput {
    pub name: String,
    pub timezone: String,
    pub default_lang: String,
    /// Monday first; each `(open, close)` as `HH:MM`, both empty for closed.
    pub hours: Vec<(String, String)>,
    /// One holiday a line: `YYYY-MM-DD Name`.
    pub holidays: String,
    /// The "alt text required" checkbox (`true` when ticked).
    pub require_alt: bool,
}

pub const MAX_ORG_NAME: usize = 120;
pub const MAX_HOLIDAYS: usize = 100;
pub const MAX_HOLIDAY_NAME: usize = 80;

impl OrgSettingsInput {
    pub fn from_settings(s: &OrgSettings) -> Self {
        let fmt =
            |t: Option<NaiveTime>| t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
        Self {
            name: s.name.clone(),
            timezone: s.timezone.name().to_string(),
            default_lang: s.default_lang.code().to_string(),
            hours: s
                .opening_hours
                .0
                .iter()
                .map(|d| (fmt(d.open), fmt(d.close)))
                .collect(),
            holidays: s
                .holidays
                .iter()
                .map(|h| format!("{} {}", h.date.format("%Y-%m-%d"), h.name))
                .collect::<Vec<_>>()
                .join("\n"),
            require_alt: s.require_alt,
        }
    }

    /// Turns the typed form into settings, or says what is wrong with each field.
    pub fn validate(&self) -> Result<OrgSettings, Problems> {
        let mut p = Problems::default();
        p.text("name", &self.name, MAX_ORG_NAME);
        let timezone = match self.timezone.trim().parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                p.push("timezone", "err-timezone");
                None
            }
        };
        let default_lang = Lang::parse(&self.default_lang);
        if default_lang.is_none() {
            p.push("default_lang", "err-language");
        }
        let mut days = [DayHours::closed(); 7];
        if self.hours.len() != 7 {
            p.push("hours_mon", "err-hours");
        } else {
            for (i, (open, close)) in self.hours.iter().enumerate() {
                let (open, close) = (open.trim(), close.trim());
                if open.is_empty() && close.is_empty() {
                    continue;
                }
                let o = NaiveTime::parse_from_str(open, "%H:%M").ok();
                let c = NaiveTime::parse_from_str(close, "%H:%M").ok();
                match (o, c) {
                    (Some(o), Some(c)) if o < c => {
                        days[i] = DayHours {
                            open: Some(o),
                            close: Some(c),
                        }
                    }
                    (Some(_), Some(_)) => p.push(OpeningHours::FIELDS[i], "err-hours-order"),
                    _ => p.push(OpeningHours::FIELDS[i], "err-hours"),
                }
            }
        }
        let mut holidays = Vec::new();
        for line in self
            .holidays
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let (date, name) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let name = name.trim();
            match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                Ok(date) if !name.is_empty() && name.chars().count() <= MAX_HOLIDAY_NAME => {
                    holidays.push(Holiday {
                        date,
                        name: name.to_string(),
                    })
                }
                _ => {
                    p.push("holidays", "err-holiday-line");
                    break;
                }
            }
        }
        if holidays.len() > MAX_HOLIDAYS {
            p.0.push(FieldError {
                field: "holidays",
                key: "err-too-many",
                max: Some(MAX_HOLIDAYS),
            });
        }
        holidays.sort_by_key(|h| h.date);
        match (p.is_empty(), timezone, default_lang) {
            (true, Some(timezone), Some(default_lang)) => Ok(OrgSettings {
                name: self.name.trim().to_string(),
                timezone,
                default_lang,
                opening_hours: OpeningHours(days),
                holidays,
                require_alt: self.require_alt,
            }),
            _ => Err(p),
        }
    }
}

/// A new staff account as typed on the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaffInput {
    pub name: String,
    pub email: String,
    pub role: String,
    pub password: String,
}

pub const MAX_STAFF_NAME: usize = 100;

/// A validated new staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub password: String,
}

impl NewStaffInput {
    pub fn validate(&self, demo_mode: bool) -> Result<NewStaff, Problems> {
        let mut p = Problems::default();
        p.text("name", &self.name, MAX_STAFF_NAME);
        p.email("email", &self.email);
        let role = self.role.parse::<Role>().ok();
        if role.is_none() {
            p.push("role", "err-role");
        }
        check_password(&mut p, "password", &self.password, demo_mode);
        match (p.into_result(), role) {
            (Ok(()), Some(role)) => Ok(NewStaff {
                name: self.name.trim().to_string(),
                email: crate::validate::normalise_email(&self.email),
                role,
                password: self.password.clone(),
            }),
            (Err(p), _) => Err(p),
            (Ok(()), None) => Err(Problems(vec![FieldError::new("role", "err-role")])),
        }
    }
}

/// Password rules: long enough, not absurdly long, and not the demo password outside
/// demo mode.
pub fn check_password(p: &mut Problems, field: &'static str, password: &str, demo_mode: bool) {
    let n = password.chars().count();
    if password.is_empty() {
        p.push(field, "err-required");
    } else if password == DEMO_PASSWORD {
        if !demo_mode {
            p.push(field, "err-demo-password");
        }
    } else if n < MIN_PASSWORD_CHARS {
        p.0.push(FieldError {
            field,
            key: "err-password-short",
            max: Some(MIN_PASSWORD_CHARS),
        });
    } else if n > 256 {
        p.0.push(FieldError {
            field,
            key: "err-too-long",
            max: Some(256),
        });
    }
}

/// Edits an admin makes to a staff account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffEditInput {
    pub name: String,
    pub role: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffEdit {
    pub name: String,
    pub role: Role,
    pub active: bool,
}

impl StaffEditInput {
    pub fn validate(&self) -> Result<StaffEdit, Problems> {
        let mut p = Problems::default();
        p.text("name", &self.name, MAX_STAFF_NAME);
        let role = self.role.parse::<Role>().ok();
        if role.is_none() {
            p.push("role", "err-role");
        }
        match (p.into_result(), role) {
            (Ok(()), Some(role)) => Ok(StaffEdit {
                name: self.name.trim().to_string(),
                role,
                active: self.active,
            }),
            (Err(p), _) => Err(p),
            (Ok(()), None) => Err(Problems(vec![FieldError::new("role", "err-role")])),
        }
    }
}

/// An organisation slug: 2–40 characters of `a-z`, `0-9` and `-`, not starting or
/// ending with `-`.
pub fn is_valid_slug(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_input() -> OrgSettingsInput {
        OrgSettingsInput::from_settings(&OrgSettings {
            name: "Perpustakaan Kota Palembang".into(),
            timezone: chrono_tz::Asia::Jakarta,
            default_lang: Lang::Id,
            opening_hours: OpeningHours::library_default(),
            require_alt: true,
            holidays: vec![Holiday {
                date: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
                name: "Natal".into(),
            }],
        })
    }

    #[test]
    fn only_admin_manages() {
        for role in Role::ALL {
            assert!(role.can(Permission::ViewConsole));
            assert_eq!(role.can(Permission::ManageStaff), role == Role::Admin);
            assert_eq!(role.can(Permission::ViewAudit), role == Role::Admin);
        }
        assert_eq!("editor".parse::<Role>().unwrap(), Role::Editor);
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn settings_round_trip() {
        let input = settings_input();
        let s = input.validate().unwrap();
        assert_eq!(OrgSettingsInput::from_settings(&s), input);
        assert!(s.opening_hours.0[0].is_open());
        assert!(!s.opening_hours.0[6].is_open());
    }

    #[test]
    fn settings_problems_are_per_field() {
        let mut input = settings_input();
        input.name = " ".into();
        input.timezone = "Mars/Olympus".into();
        input.hours[1] = ("17:00".into(), "08:00".into());
        input.hours[2] = ("8 pagi".into(), "".into());
        input.holidays = "25-12-2026 Natal".into();
        input.default_lang = "fr".into();
        let p = input.validate().unwrap_err();
        let keys: Vec<_> = p.0.iter().map(|e| (e.field, e.key)).collect();
        assert!(keys.contains(&("name", "err-required")));
        assert!(keys.contains(&("timezone", "err-timezone")));
        assert!(keys.contains(&("hours_tue", "err-hours-order")));
        assert!(keys.contains(&("hours_wed", "err-hours")));
        assert!(keys.contains(&("holidays", "err-holiday-line")));
        assert!(keys.contains(&("default_lang", "err-language")));
    }

    #[test]
    fn passwords() {
        let mut p = Problems::default();
        check_password(&mut p, "password", DEMO_PASSWORD, true);
        assert!(p.is_empty());
        check_password(&mut p, "password", DEMO_PASSWORD, false);
        assert_eq!(p.0[0].key, "err-demo-password");
        let mut p = Problems::default();
        check_password(&mut p, "password", "pendek", false);
        assert_eq!(p.0[0].key, "err-password-short");
    }

    #[test]
    fn new_staff() {
        let ok = NewStaffInput {
            name: " Siti ".into(),
            email: "Siti@Perpustakaan.Example".into(),
            role: "editor".into(),
            password: "panjang-sekali-123".into(),
        }
        .validate(false)
        .unwrap();
        assert_eq!(ok.email, "siti@perpustakaan.example");
        assert_eq!(ok.name, "Siti");
        let bad = NewStaffInput {
            name: "x".repeat(101),
            email: "nope".into(),
            role: "boss".into(),
            password: "".into(),
        }
        .validate(false)
        .unwrap_err();
        assert_eq!(bad.0.len(), 4);
    }

    #[test]
    fn slugs() {
        assert!(is_valid_slug("palembang"));
        assert!(is_valid_slug("kota-2"));
        assert!(!is_valid_slug("-x"));
        assert!(!is_valid_slug("Palembang"));
        assert!(!is_valid_slug("a"));
    }
}

/// An organisation's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(pub i64);

/// A staff account's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// A library (one tenant of the deployment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: OrgId,
    pub slug: String,
    pub settings: OrgSettings,
    /// The logo's content type, when a logo was uploaded.
    pub logo_type: Option<String>,
    /// Bumped on every logo change, so its URL changes and caches refresh.
    pub logo_version: i64,
    pub created_at: crate::Timestamp,
    pub updated_at: crate::Timestamp,
}

/// A staff account (never carries the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// The language this person chose; `None` follows the organisation's default.
    pub lang: Option<Lang>,
    pub created_at: crate::Timestamp,
    pub updated_at: crate::Timestamp,
}
