//! Background jobs: their states and the retry schedule.

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by a worker that holds a lease.
    Running,
    Succeeded,
    /// Out of attempts (or failed permanently); a person may retry it.
    Dead,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            JobState::Queued => "job-state-queued",
            JobState::Running => "job-state-running",
            JobState::Succeeded => "job-state-succeeded",
            JobState::Dead => "job-state-dead",
        }
    }
}

/// Retry policy: exponential from `base`, capped at `max`, with ±`jitter` spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    /// Fraction of the delay to spread by, in `[0, 1]`.
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(10),
            max: Duration::from_secs(3600),
            jitter: 0.25,
        }
    }
}

impl Backoff {
    /// The delay before the next try after `attempts` failed tries (1 = first failure).
    /// `unit` is a random number in `[0, 1)`; 0.5 gives the un-jittered delay.
    pub fn delay(&self, attempts: u32, unit: f64) -> Duration {
        let exp = attempts.saturating_sub(1).min(30);
        let raw = self.base.as_secs_f64() * 2f64.powi(exp as i32);
        let capped = raw.min(self.max.as_secs_f64());
        let spread = self.jitter.clamp(0.0, 1.0) * (unit.clamp(0.0, 1.0) * 2.0 - 1.0);
        Duration::from_secs_f64((capped * (1.0 + spread)).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_and_capped() {
        let b = Backoff::default();
        assert_eq!(b.delay(1, 0.5), Duration::from_secs(10));
        assert_eq!(b.delay(2, 0.5), Duration::from_secs(20));
        assert_eq!(b.delay(4, 0.5), Duration::from_secs(80));
        assert_eq!(b.delay(40, 0.5), Duration::from_secs(3600));
    }

    #[test]
    fn jitter_stays_in_band() {
        let b = Backoff::default();
        assert_eq!(b.delay(3, 0.0), Duration::from_secs(30));
        assert_eq!(b.delay(3, 1.0), Duration::from_secs(50));
        for i in 0..100 {
            let d = b.delay(3, i as f64 / 100.0).as_secs_f64();
            assert!((30.0..=50.0).contains(&d));
        }
    }

    #[test]
    fn states_round_trip() {
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobState::parse("x"), None);
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    pub id: i64,
    pub org_id: Option<crate::org::OrgId>,
    pub kind: String,
    pub payload: String,
    pub state: JobState,
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: crate::Timestamp,
    pub lease_until: Option<crate::Timestamp>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub dedup_key: Option<String>,
    pub created_at: crate::Timestamp,
    pub updated_at: crate::Timestamp,
    pub finished_at: Option<crate::Timestamp>,
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub org_id: Option<crate::org::OrgId>,
    pub kind: String,
    pub payload: String,
    pub run_at: crate::Timestamp,
    pub max_attempts: u32,
    /// While a job with this key is queued or running, another is not enqueued.
    pub dedup_key: Option<String>,
}
