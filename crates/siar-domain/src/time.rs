//! Time as Siar stores it: UTC milliseconds since the Unix epoch.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A moment in UTC, stored as milliseconds since the Unix epoch (the same on SQLite
/// and PostgreSQL, and ordered the same way in SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn plus(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    pub fn minus(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    pub fn to_utc(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    pub fn from_utc(dt: DateTime<Utc>) -> Self {
        Self(dt.timestamp_millis())
    }

    /// Local wall-clock text in `tz`, e.g. `2026-11-28 17:56`.
    pub fn format_in(self, tz: Tz) -> String {
        self.to_utc()
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// Local wall-clock text with the zone's name, e.g. `2026-11-28 17:56 WIB`.
    pub fn format_zoned(self, tz: Tz) -> String {
        format!("{} {}", self.format_in(tz), zone_label(tz))
    }

    /// RFC 3339 in UTC, for exports and machines.
    pub fn rfc3339(self) -> String {
        self.to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// RFC 3339 in UTC with milliseconds (`2026-11-28T10:56:00.000Z`).
    pub fn rfc3339_millis(self) -> String {
        self.to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

/// The source of "now". Production uses the system clock; tests use a manual one.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_utc(Utc::now())
    }
}

/// The short name of a zone as Indonesians say it (WIB, WITA, WIT), else its id.
pub fn zone_label(tz: Tz) -> &'static str {
    match tz.name() {
        "Asia/Jakarta" | "Asia/Pontianak" => "WIB",
        "Asia/Makassar" => "WITA",
        "Asia/Jayapura" => "WIT",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_wib() {
        // 2026-11-28T10:00:00Z is 17:00 in Palembang.
        let t = Timestamp::from_utc(Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap());
        assert_eq!(t.format_in(chrono_tz::Asia::Jakarta), "2026-11-28 17:00");
        assert_eq!(t.rfc3339(), "2026-11-28T10:00:00Z");
        assert_eq!(zone_label(chrono_tz::Asia::Jakarta), "WIB");
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Timestamp(i64::MAX - 1);
        assert_eq!(t.plus(Duration::from_secs(10)), Timestamp(i64::MAX));
        assert_eq!(Timestamp(5).minus(Duration::from_millis(3)), Timestamp(2));
    }
}
