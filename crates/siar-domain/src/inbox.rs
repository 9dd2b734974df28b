//! The unified inbox: conversations, the library's opening hours as a clock for
//! response-time targets, automatic labels, saved replies and reply limits.

use crate::channels::Platform;
use crate::org::{OpeningHours, OrgSettings};
use crate::richtext;
use crate::time::Timestamp;
use chrono::{Datelike, Duration as CDuration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

const MINUTE: i64 = 60_000;

/// Every message key this module can return (the web layer translates them).
pub const INBOX_KEYS: [&str; 21] = [
    "inbox-reply-awaiting",
    "inbox-reply-sending",
    "inbox-reply-sent",
    "inbox-reply-failed",
    "inbox-err-reply-empty",
    "inbox-err-reply-long",
    "inbox-err-sla-range",
    "inbox-sla-first",
    "inbox-sla-next",
    "inbox-sla-resolution",
    "inbox-err-label",
    "inbox-err-rule-action",
    "inbox-err-rule-phrases",
    "inbox-err-rule-condition",
    "inbox-err-rule-name",
    "inbox-err-saved-title",
    "inbox-err-saved-body",
    "inbox-err-saved-var",
    "inbox-err-rating",
    "inbox-err-rating-comment",
    "perr-unsupported",
];

// ---------------------------------------------------------------------------
// Business hours
// ---------------------------------------------------------------------------

/// The library's working time: its opening hours in its own zone, without its
/// holidays. Response-time targets are counted in this time only.
#[derive(Debug, Clone)]
pub struct BusinessHours {
    tz: Tz,
    hours: OpeningHours,
    holidays: HashSet<NaiveDate>,
}

/// The longest look ahead for the next working minute (a library closed for a
/// whole year has no due times).
const MAX_DAYS: i64 = 400;

impl BusinessHours {
    pub fn new(tz: Tz, hours: OpeningHours, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            tz,
            hours,
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn from_settings(s: &OrgSettings) -> Self {
        Self::new(
            s.timezone,
            s.opening_hours.clone(),
            s.holidays.iter().map(|h| h.date),
        )
    }

    /// The open interval of one local date in UTC milliseconds, if the library is
    /// open that day.
    fn window(&self, date: NaiveDate) -> Option<(i64, i64)> {
        if self.holidays.contains(&date) {
            return None;
        }
        let day = self.hours.0[date.weekday().num_days_from_monday() as usize];
        let (open, close) = (day.open?, day.close?);
        if close <= open {
            return None;
        }
        let at = |t| {
            self.tz
                .from_local_datetime(&NaiveDateTime::new(date, t))
                .earliest()
                .map(|d| d.timestamp_millis())
        };
        Some((at(open)?, at(close)?))
    }

    fn local_date(&self, t: Timestamp) -> NaiveDate {
        t.to_utc().with_timezone(&self.tz).date_naive()
    }

    /// Whether the library is open at `t`.
    pub fn is_open(&self, t: Timestamp) -> bool {
        self.window(self.local_date(t))
            .is_some_and(|(a, b)| a <= t.0 && t.0 < b)
    }

    /// Working milliseconds between `from` and `to` (zero when `to` is not later).
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to.0 <= from.0 {
            return 0;
        }
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        let mut total = 0;
        while date <= last {
            if let Some((a, b)) = self.window(date) {
                let (a, b) = (a.max(from.0), b.min(to.0));
                if b > a {
                    total += b - a;
                }
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        total
    }

    /// The moment when `budget_ms` working milliseconds have passed after `from`;
    /// `None` when the library has no opening hours in the next 400 days.
    pub fn add(&self, from: Timestamp, budget_ms: i64) -> Option<Timestamp> {
        let mut left = budget_ms.max(0);
        let mut date = self.local_date(from);
        for _ in 0..MAX_DAYS {
            if let Some((a, b)) = self.window(date) {
                let start = a.max(from.0);
                if b > start {
                    if left == 0 {
                        return Some(Timestamp(start));
                    }
                    if start + left <= b {
                        return Some(Timestamp(start + left));
                    }
                    left -= b - start;
                }
            }
            date = date.checked_add_signed(CDuration::days(1))?;
        }
        None
    }
}

// ---------------------------------------------------------------------------
// Conversations
// ---------------------------------------------------------------------------

/// What kind of conversation: a public comment thread under one of our posts, a
/// mention of the library elsewhere, or a private message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvKind {
    Comment,
    Mention,
    Message,
}

impl ConvKind {
    pub const ALL: [ConvKind; 3] = [ConvKind::Comment, ConvKind::Mention, ConvKind::Message];

    pub fn as_str(self) -> &'static str {
        match self {
            ConvKind::Comment => "comment",
            ConvKind::Mention => "mention",
            ConvKind::Message => "message",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn key(self) -> &'static str {
        match self {
            ConvKind::Comment => "inbox-kind-comment",
            ConvKind::Mention => "inbox-kind-mention",
            ConvKind::Message => "inbox-kind-message",
        }
    }
}

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvState {
    /// The patron waits for us.
    Open,
    /// We answered and wait for the patron.
    Waiting,
    Resolved,
}

impl ConvState {
    pub const ALL: [ConvState; 3] = [ConvState::Open, ConvState::Waiting, ConvState::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            ConvState::Open => "open",
            ConvState::Waiting => "waiting",
            ConvState::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn key(self) -> &'static str {
        match self {
            ConvState::Open => "inbox-state-open",
            ConvState::Waiting => "inbox-state-waiting",
            ConvState::Resolved => "inbox-state-resolved",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn key(self) -> &'static str {
        match self {
            Priority::Low => "inbox-priority-low",
            Priority::Normal => "inbox-priority-normal",
            Priority::High => "inbox-priority-high",
            Priority::Urgent => "inbox-priority-urgent",
        }
    }
}

/// Who wrote a message in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The patron (or anyone who is not the library).
    In,
    /// The library, from Siar or from the platform's own app.
    Out,
    /// An internal note: never leaves Siar.
    Note,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
            Direction::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Direction::In, Direction::Out, Direction::Note]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The state of a reply written in Siar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyState {
    /// A contributor's reply waiting for an editor.
    AwaitingApproval,
    Sending,
    Sent,
    /// The platform refused it; the text is kept to send again.
    Failed,
}

impl ReplyState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyState::AwaitingApproval => "awaiting_approval",
            ReplyState::Sending => "sending",
            ReplyState::Sent => "sent",
            ReplyState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ReplyState::AwaitingApproval,
            ReplyState::Sending,
            ReplyState::Sent,
            ReplyState::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn key(self) -> &'static str {
        match self {
            ReplyState::AwaitingApproval => "inbox-reply-awaiting",
            ReplyState::Sending => "inbox-reply-sending",
            ReplyState::Sent => "inbox-reply-sent",
            ReplyState::Failed => "inbox-reply-failed",
        }
    }
}

/// What a platform lets us do in its inbox, per the documented APIs
/// (`platform-apis.md`): no DMs on YouTube; on X, replies only where the author
/// addressed the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxCaps {
    pub comments: bool,
    pub mentions: bool,
    pub messages: bool,
    pub reply: bool,
    pub like: bool,
    pub hide: bool,
    pub delete: bool,
    /// The longest reply, counted as the platform counts posts.
    pub reply_limit: usize,
}

pub fn inbox_caps(p: Platform) -> InboxCaps {
    let all = InboxCaps {
        comments: true,
        mentions: true,
        messages: true,
        reply: true,
        like: true,
        hide: true,
        delete: true,
        reply_limit: 8_000,
    };
    match p {
        Platform::Facebook => InboxCaps { like: false, ..all },
        Platform::Instagram => InboxCaps {
            like: false,
            reply_limit: 2_200,
            ..all
        },
        Platform::X => InboxCaps {
            like: true,
            delete: false,
            reply_limit: 280,
            ..all
        },
        Platform::YouTube => InboxCaps {
            mentions: false,
            messages: false,
            like: false,
            delete: false,
            reply_limit: 10_000,
            ..all
        },
        Platform::Bluesky => InboxCaps {
            messages: false,
            hide: false,
            delete: false,
            reply_limit: 300,
            ..all
        },
        Platform::Mastodon => InboxCaps {
            hide: false,
            delete: false,
            reply_limit: 500,
            ..all
        },
        Platform::Practice => all,
    }
}

/// The length of a reply as `platform` counts it, and its limit.
pub fn reply_length(p: Platform, text: &str) -> (usize, usize) {
    let caps = p.capabilities();
    let limit = inbox_caps(p).reply_limit;
    (richtext::count(text, caps.counting), limit)
}

/// Why a reply cannot be sent, as an i18n key.
pub fn check_reply(p: Platform, text: &str) -> Result<(), &'static str> {
    if text.trim().is_empty() {
        return Err("inbox-err-reply-empty");
    }
    let (n, limit) = reply_length(p, text);
    if n > limit {
        return Err("inbox-err-reply-long");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

/// The person who wrote a message, as the platform names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Author {
    pub remote_id: String,
    pub handle: String,
    pub name: String,
    pub profile_url: Option<String>,
}

/// One comment, mention or message as read from a platform (webhook or poll),
/// before it is filed into a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundItem {
    pub kind: ConvKind,
    /// What holds the thread on the platform (top-level comment, mentioning
    /// post, direct-message partner).
    pub thread_key: String,
    /// The message's own id on the platform.
    pub remote_id: String,
    pub parent_remote_id: Option<String>,
    /// The post this comment is under, when known.
    pub remote_post_id: Option<String>,
    pub permalink: Option<String>,
    pub author: Author,
    pub text: String,
    pub at: Timestamp,
    /// Written by the library's own account (in the platform's app, or our
    /// reply echoed back).
    pub from_us: bool,
    /// The platform says it was removed.
    pub removed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversation {
    pub id: i64,
    pub org_id: crate::org::OrgId,
    pub channel_id: i64,
    pub kind: ConvKind,
    pub thread_key: String,
    pub remote_post_id: Option<String>,
    pub post_id: Option<i64>,
    pub permalink: Option<String>,
    pub contact_id: Option<i64>,
    pub state: ConvState,
    pub priority: Priority,
    pub assignee_id: Option<i64>,
    pub first_in_at: Option<Timestamp>,
    pub first_out_at: Option<Timestamp>,
    pub waiting_since: Option<Timestamp>,
    pub last_message_at: Timestamp,
    pub preview: String,
    pub unread: bool,
    pub breach_flagged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub labels: Vec<String>,
}

impl Conversation {
    pub fn clock(&self) -> ConvClock {
        ConvClock {
            first_in_at: self.first_in_at,
            first_out_at: self.first_out_at,
            waiting_since: self.waiting_since,
            resolved: self.state == ConvState::Resolved,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: i64,
    pub conversation_id: i64,
    pub channel_id: i64,
    pub remote_id: Option<String>,
    pub parent_remote_id: Option<String>,
    pub direction: Direction,
    pub author_name: String,
    pub author_handle: String,
    pub body: String,
    pub user_id: Option<i64>,
    pub reply_state: Option<ReplyState>,
    pub reply_error: Option<String>,
    pub hidden: bool,
    pub liked: bool,
    pub deleted: bool,
    pub sent_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub id: i64,
    pub channel_id: i64,
    pub remote_id: String,
    pub handle: String,
    pub name: String,
    pub profile_url: Option<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// An organisation's inbox settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxSettings {
    pub policy: SlaPolicy,
    /// Contributors' replies wait for an editor's approval.
    pub approve_replies: bool,
    /// Offer a satisfaction rating after a resolved direct-message conversation.
    pub ask_rating: bool,
    /// `{tautan_katalog}` in saved replies.
    pub catalogue_url: String,
}

impl Default for InboxSettings {
    fn default() -> Self {
        Self {
            policy: SlaPolicy::default(),
            approve_replies: false,
            ask_rating: true,
            catalogue_url: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedReply {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub topics: Vec<String>,
}

/// A conversation's clock after one more message (the rules of the response
/// targets): a patron's message opens it again and starts the wait; our answer
/// ends the wait.
pub fn advance(
    clock: &ConvClock,
    state: ConvState,
    dir: Direction,
    at: Timestamp,
) -> (ConvClock, ConvState) {
    let mut c = *clock;
    match dir {
        Direction::Note => (c, state),
        Direction::In => {
            if c.first_in_at.is_none() {
                c.first_in_at = Some(at);
            } else if c.first_out_at.is_some() && c.waiting_since.is_none() {
                c.waiting_since = Some(at);
            }
            c.resolved = false;
            (c, ConvState::Open)
        }
        Direction::Out => {
            if c.first_in_at.is_some() && c.first_out_at.is_none() {
                c.first_out_at = Some(at);
            }
            c.waiting_since = None;
            let next = if state == ConvState::Resolved {
                ConvState::Resolved
            } else {
                ConvState::Waiting
            };
            (c, next)
        }
    }
}

// ---------------------------------------------------------------------------
// Response-time targets
// ---------------------------------------------------------------------------

/// An organisation's response-time targets, in working minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub first_response_mins: Option<i64>,
    pub next_response_mins: Option<i64>,
    pub resolution_mins: Option<i64>,
    /// Warn this many working minutes before a target passes.
    pub warn_mins: i64,
}

impl Default for SlaPolicy {
    /// A library's sensible start: first answer within 2 working hours, a
    /// follow-up within 4, settled within 2 working days (8-hour days).
    fn default() -> Self {
        Self {
            first_response_mins: Some(120),
            next_response_mins: Some(240),
            resolution_mins: Some(16 * 60),
            warn_mins: 30,
        }
    }
}

impl SlaPolicy {
    /// Checks typed minutes: each empty (no target) or 1–43,200 (30 days).
    pub fn check(&self) -> Result<(), &'static str> {
        for m in [
            self.first_response_mins,
            self.next_response_mins,
            self.resolution_mins,
        ]
        .into_iter()
        .flatten()
        {
            if !(1..=43_200).contains(&m) {
                return Err("inbox-err-sla-range");
            }
        }
        if !(0..=1_440).contains(&self.warn_mins) {
            return Err("inbox-err-sla-range");
        }
        Ok(())
    }
}

/// The moments in a conversation that the targets are measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConvClock {
    /// The first message from the patron.
    pub first_in_at: Option<Timestamp>,
    /// Our first answer.
    pub first_out_at: Option<Timestamp>,
    /// The patron's oldest message not answered yet (after an answer of ours).
    pub waiting_since: Option<Timestamp>,
    pub resolved: bool,
}

/// Which target applies now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaTarget {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl SlaTarget {
    pub fn key(self) -> &'static str {
        match self {
            SlaTarget::FirstResponse => "inbox-sla-first",
            SlaTarget::NextResponse => "inbox-sla-next",
            SlaTarget::Resolution => "inbox-sla-resolution",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaStatus {
    /// Working milliseconds left.
    OnTrack {
        left_ms: i64,
    },
    DueSoon {
        left_ms: i64,
    },
    /// Working milliseconds past the target.
    Breached {
        over_ms: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaView {
    pub target: SlaTarget,
    pub due_at: Timestamp,
    pub status: SlaStatus,
}

impl SlaPolicy {
    /// The target that applies to a conversation now, when it is due and how
    /// it stands; `None` for a resolved conversation or one without a target.
    pub fn view(
        &self,
        clock: &ConvClock,
        hours: &BusinessHours,
        now: Timestamp,
    ) -> Option<SlaView> {
        if clock.resolved {
            return None;
        }
        let first_in = clock.first_in_at?;
        let (target, since, mins) = match (clock.first_out_at, clock.waiting_since) {
            (None, _) => (SlaTarget::FirstResponse, first_in, self.first_response_mins),
            (Some(_), Some(w)) => (SlaTarget::NextResponse, w, self.next_response_mins),
            (Some(_), None) => (SlaTarget::Resolution, first_in, self.resolution_mins),
        };
        let mins = mins?;
        let due_at = hours.add(since, mins * MINUTE)?;
        let status = if now >= due_at {
            SlaStatus::Breached {
                over_ms: hours.elapsed(due_at, now),
            }
        } else {
            let left_ms = hours.elapsed(now, due_at);
            if left_ms <= self.warn_mins * MINUTE {
                SlaStatus::DueSoon { left_ms }
            } else {
                SlaStatus::OnTrack { left_ms }
            }
        };
        Some(SlaView {
            target,
            due_at,
            status,
        })
    }
}

/// Plain figures of response times in working milliseconds: average, median and
/// the share within a target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseStats {
    pub count: usize,
    pub mean_ms: Option<i64>,
    pub median_ms: Option<i64>,
    /// Share (0–1) answered within the target; `None` without a target or data.
    pub within: Option<f64>,
}

pub fn response_stats(samples: &[i64], target_ms: Option<i64>) -> ResponseStats {
    let count = samples.len();
    if count == 0 {
        return ResponseStats {
            count,
            mean_ms: None,
            median_ms: None,
            within: None,
        };
    }
    let mut v = samples.to_vec();
    v.sort_unstable();
    let sum: i128 = v.iter().map(|&x| i128::from(x)).sum();
    let mean = i64::try_from(sum / count as i128).unwrap_or(i64::MAX);
    let median = if count % 2 == 1 {
        v[count / 2]
    } else {
        (v[count / 2 - 1] + v[count / 2]) / 2
    };
    let within = target_ms.map(|t| v.iter().filter(|&&x| x <= t).count() as f64 / count as f64);
    ResponseStats {
        count,
        mean_ms: Some(mean),
        median_ms: Some(median),
        within,
    }
}

/// Working time as staff read it: "1 j 20 m" / "1 h 20 m" is made by the web layer
/// from these parts (days of 24 working hours are not a thing; hours and minutes).
pub fn hours_minutes(ms: i64) -> (i64, i64) {
    let mins = ms.max(0) / MINUTE;
    (mins / 60, mins % 60)
}

// ---------------------------------------------------------------------------
// Automatic labels
// ---------------------------------------------------------------------------

/// A label name: lower-case letters, digits and hyphens, 1–30 characters.
pub fn check_label(s: &str) -> Result<String, &'static str> {
    let s = s.trim().to_lowercase();
    if s.is_empty()
        || s.chars().count() > 30
        || !s
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return Err("inbox-err-label");
    }
    Ok(s)
}

/// Text folded for matching: lower case, accents removed, every run of
/// non-alphanumeric characters one space, padded with spaces so a phrase matches
/// whole words only (`" jam buka "`).
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut space = true;
    for c in text.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if !space {
        out.push(' ');
    }
    out
}

/// Whether `phrase` occurs in `text` as whole words (both folded by [`fold`]).
/// A phrase without letters or digits (such as `?`) matches as plain text.
pub fn phrase_in(folded_text: &str, raw_text: &str, phrase: &str) -> bool {
    let p = fold(phrase);
    if p.trim().is_empty() {
        let raw = phrase.trim();
        return !raw.is_empty() && raw_text.contains(raw);
    }
    folded_text.contains(&p)
}

/// One rule an admin configures: when an incoming message matches every given
/// condition, apply the actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    /// Any of these words or phrases (Indonesian or English); empty = any text.
    pub phrases: Vec<String>,
    pub channel_id: Option<i64>,
    /// The author's handle, without `@`, case-insensitive.
    pub author: Option<String>,
    pub kind: Option<ConvKind>,
    pub label: Option<String>,
    pub assign_to: Option<i64>,
    pub priority: Option<Priority>,
    pub enabled: bool,
}

/// What an incoming message is matched on.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub text: &'a str,
    pub channel_id: i64,
    pub author: &'a str,
    pub kind: ConvKind,
}

/// What the rules decided for one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub labels: Vec<String>,
    /// The first matching rule's assignee.
    pub assign_to: Option<i64>,
    /// The highest priority any matching rule set.
    pub priority: Option<Priority>,
    pub matched: Vec<String>,
}

impl Rule {
    pub fn matches(&self, m: &Incoming<'_>) -> bool {
        if !self.enabled {
            return false;
        }
        if self.channel_id.is_some_and(|c| c != m.channel_id) {
            return false;
        }
        if self.kind.is_some_and(|k| k != m.kind) {
            return false;
        }
        if let Some(a) = &self.author {
            let want = a.trim().trim_start_matches('@');
            let got = m.author.trim().trim_start_matches('@');
            if !want.eq_ignore_ascii_case(got) {
                return false;
            }
        }
        if self.phrases.is_empty() {
            return true;
        }
        let folded = fold(m.text);
        self.phrases.iter().any(|p| phrase_in(&folded, m.text, p))
    }

    /// Checks a rule typed by an admin; the error is an i18n key.
    pub fn check(&self) -> Result<(), &'static str> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err("inbox-err-rule-name");
        }
        if self.label.is_none() && self.assign_to.is_none() && self.priority.is_none() {
            return Err("inbox-err-rule-action");
        }
        if self.phrases.len() > 200 || self.phrases.iter().any(|p| p.chars().count() > 100) {
            return Err("inbox-err-rule-phrases");
        }
        if self.phrases.is_empty() && self.channel_id.is_none() && self.author.is_none() {
            return Err("inbox-err-rule-condition");
        }
        if let Some(l) = &self.label {
            check_label(l)?;
        }
        Ok(())
    }
}

/// Applies every enabled rule in order.
pub fn apply_rules(rules: &[Rule], m: &Incoming<'_>) -> Outcome {
    let mut out = Outcome::default();
    for r in rules.iter().filter(|r| r.matches(m)) {
        out.matched.push(r.name.clone());
        if let Some(l) = &r.label
            && !out.labels.contains(l)
        {
            out.labels.push(l.clone());
        }
        if out.assign_to.is_none() {
            out.assign_to = r.assign_to;
        }
        if let Some(p) = r.priority {
            out.priority = Some(out.priority.map_or(p, |q| q.max(p)));
        }
    }
    out
}

/// Phrases split from a textarea: one per line or comma-separated.
pub fn split_phrases(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split(['\n', ','])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    v.dedup();
    v
}

/// The rules every new library starts with (Indonesian first, English too).
pub fn default_rules() -> Vec<Rule> {
    let rule = |name: &str, label: &str, priority: Option<Priority>, phrases: &[&str]| Rule {
        name: name.to_string(),
        phrases: phrases.iter().map(|s| s.to_string()).collect(),
        channel_id: None,
        author: None,
        kind: None,
        label: Some(label.to_string()),
        assign_to: None,
        priority,
        enabled: true,
    };
    vec![
        rule(
            "Spam dan promosi",
            "spam",
            Some(Priority::Low),
            &[
                "slot gacor",
                "gacor",
                "judi",
                "judol",
                "togel",
                "pinjol",
                "pinjaman online",
                "investasi",
                "cuan",
                "klik link di bio",
                "cek bio",
                "wa.me",
                "free followers",
                "jasa followers",
                "crypto",
                "airdrop",
                "promo",
                "dm for promo",
            ],
        ),
        rule(
            "Keluhan",
            "keluhan",
            Some(Priority::High),
            &[
                "kecewa",
                "mengecewakan",
                "keluhan",
                "komplain",
                "tidak ramah",
                "kurang ramah",
                "jutek",
                "lambat",
                "lama sekali",
                "rusak",
                "kotor",
                "bau",
                "panas",
                "ac mati",
                "wifi mati",
                "antri lama",
                "parah",
                "tidak bisa",
                "gak bisa",
                "nggak bisa",
                "susah",
                "hilang",
                "denda",
                "complaint",
                "disappointed",
                "rude",
                "broken",
                "dirty",
                "not working",
                "terrible",
            ],
        ),
        rule(
            "Pertanyaan",
            "pertanyaan",
            None,
            &[
                "?",
                "apakah",
                "bagaimana",
                "gimana",
                "kapan",
                "berapa",
                "dimana",
                "di mana",
                "bisakah",
                "boleh",
                "bisa tidak",
                "bisa gak",
                "jam buka",
                "jam berapa",
                "syarat",
                "cara",
                "mohon info",
                "info dong",
                "tanya",
                "how",
                "when",
                "where",
                "what time",
                "can i",
                "is it",
                "opening hours",
            ],
        ),
        rule(
            "Pujian",
            "pujian",
            None,
            &[
                "terima kasih",
                "terimakasih",
                "makasih",
                "mksh",
                "mantap",
                "mantul",
                "keren",
                "bagus",
                "hebat",
                "luar biasa",
                "suka sekali",
                "senang",
                "nyaman",
                "ramah",
                "recommended",
                "thank you",
                "thanks",
                "great",
                "awesome",
                "love",
                "amazing",
            ],
        ),
    ]
}

// ---------------------------------------------------------------------------
// Saved replies
// ---------------------------------------------------------------------------

/// The variables a saved reply may use.
pub const REPLY_VARS: [&str; 3] = ["nama", "jam_buka", "tautan_katalog"];

/// A saved reply checked as typed; the error is an i18n key.
pub fn check_saved_reply(title: &str, body: &str) -> Result<(), &'static str> {
    let (t, b) = (title.trim(), body.trim());
    if t.is_empty() || t.chars().count() > 80 {
        return Err("inbox-err-saved-title");
    }
    if b.is_empty() || b.chars().count() > 2_000 {
        return Err("inbox-err-saved-body");
    }
    let mut rest = b;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            return Err("inbox-err-saved-var");
        };
        if !REPLY_VARS.contains(&&after[..j]) {
            return Err("inbox-err-saved-var");
        }
        rest = &after[j + 1..];
    }
    Ok(())
}

/// Fills `{nama}`, `{jam_buka}` and `{tautan_katalog}`; an unknown `{…}` stays.
pub fn fill_reply(body: &str, name: &str, hours: &str, catalogue: &str) -> String {
    body.replace("{nama}", name)
        .replace("{jam_buka}", hours)
        .replace("{tautan_katalog}", catalogue)
}

/// Saved replies that fit a question: each scored by how many of its topic
/// phrases occur in the text; best first, at most `max`. Returns indexes.
pub fn suggest(text: &str, topics: &[Vec<String>], max: usize) -> Vec<usize> {
    let folded = fold(text);
    let mut scored: Vec<(usize, usize)> = topics
        .iter()
        .enumerate()
        .map(|(i, ps)| (i, ps.iter().filter(|p| phrase_in(&folded, text, p)).count()))
        .filter(|&(_, n)| n > 0)
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().take(max).map(|(i, _)| i).collect()
}

/// The saved replies every new library starts with: title, body, topic phrases.
pub fn default_saved_replies() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "Jam buka",
            "Halo {nama}, terima kasih sudah bertanya. Perpustakaan buka {jam_buka}. Sampai jumpa di perpustakaan!",
            "jam buka, buka jam, jam berapa, buka hari, tutup, libur, opening hours, open",
        ),
        (
            "Menjadi anggota",
            "Halo {nama}, pendaftaran anggota gratis. Silakan datang membawa KTP atau kartu pelajar (anak-anak didampingi orang tua) pada jam buka: {jam_buka}.",
            "anggota, keanggotaan, daftar, mendaftar, kartu anggota, kartu perpustakaan, member, membership",
        ),
        (
            "Meminjam buku",
            "Halo {nama}, anggota dapat meminjam buku selama 7 hari dan memperpanjangnya sekali. Cek ketersediaan buku di katalog kami: {tautan_katalog}",
            "pinjam, meminjam, peminjaman, perpanjang, kembalikan, pengembalian, denda, stok buku, ada buku, borrow, renew",
        ),
        (
            "E-book dan pustaka digital",
            "Halo {nama}, koleksi e-book kami bisa dibaca gratis oleh anggota. Cari judulnya di katalog: {tautan_katalog}",
            "ebook, e book, buku digital, pustaka digital, baca online, aplikasi, database, jurnal, e-book",
        ),
        (
            "Acara dan kegiatan",
            "Halo {nama}, terima kasih atas minatnya! Jadwal kegiatan kami ada di portal perpustakaan, dan kami buka {jam_buka}.",
            "acara, kegiatan, event, lomba, workshop, pelatihan, dongeng, bedah buku, daftar acara, jadwal",
        ),
    ]
}

/// Opening hours as one line for `{jam_buka}`, e.g. "Senin–Jumat 08.00–16.00".
/// `day_names` are the translated weekday names, Monday first; `closed` the word
/// for a closed day.
pub fn hours_line(hours: &OpeningHours, day_names: &[String; 7], closed: &str) -> String {
    let fmt = |d: &crate::org::DayHours| match (d.open, d.close) {
        (Some(o), Some(c)) => format!("{}–{}", o.format("%H.%M"), c.format("%H.%M")),
        _ => closed.to_string(),
    };
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < 7 {
        let mut j = i;
        while j + 1 < 7 && hours.0[j + 1] == hours.0[i] {
            j += 1;
        }
        let days = if i == j {
            day_names[i].clone()
        } else {
            format!("{}–{}", day_names[i], day_names[j])
        };
        parts.push(format!("{days} {}", fmt(&hours.0[i])));
        i = j + 1;
    }
    parts.join(", ")
}

/// A satisfaction rating 1–5 with an optional comment of at most 1,000 characters.
pub fn check_rating(score: i64, comment: &str) -> Result<(), &'static str> {
    if !(1..=5).contains(&score) {
        return Err("inbox-err-rating");
    }
    if comment.chars().count() > 1_000 {
        return Err("inbox-err-rating-comment");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::DayHours;
    use chrono::NaiveTime;

    fn ts(tz: Tz, s: &str) -> Timestamp {
        let dt = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        Timestamp(
            tz.from_local_datetime(&dt)
                .single()
                .expect("local")
                .timestamp_millis(),
        )
    }

    fn lib(tz: Tz) -> BusinessHours {
        // 2026-12-25 (Friday) is a holiday.
        BusinessHours::new(
            tz,
            OpeningHours::library_default(),
            [NaiveDate::from_ymd_opt(2026, 12, 25).expect("date")],
        )
    }

    const WIB: Tz = chrono_tz::Asia::Jakarta;
    const WITA: Tz = chrono_tz::Asia::Makassar;
    const WIT: Tz = chrono_tz::Asia::Jayapura;

    #[test]
    fn within_one_day() {
        let b = lib(WIB);
        let from = ts(WIB, "2026-11-30 09:00"); // Monday
        assert_eq!(b.add(from, 90 * MINUTE), Some(ts(WIB, "2026-11-30 10:30")));
        assert_eq!(b.elapsed(from, ts(WIB, "2026-11-30 10:30")), 90 * MINUTE);
        assert!(b.is_open(from));
    }

    #[test]
    fn across_the_night() {
        let b = lib(WIB);
        // A question at 15:00 with a 2-hour target: 1 h today, 1 h tomorrow.
        let from = ts(WIB, "2026-11-30 15:00");
        assert_eq!(b.add(from, 120 * MINUTE), Some(ts(WIB, "2026-12-01 09:00")));
        // Asked at night: the clock starts at opening.
        let night = ts(WIB, "2026-11-30 22:10");
        assert!(!b.is_open(night));
        assert_eq!(b.add(night, 30 * MINUTE), Some(ts(WIB, "2026-12-01 08:30")));
        assert_eq!(b.elapsed(night, ts(WIB, "2026-12-01 08:30")), 30 * MINUTE);
    }

    #[test]
    fn across_the_weekend() {
        let b = lib(WIB);
        // Saturday 11:00, 3 working hours: 1 h Saturday (closes 12:00), Sunday
        // closed, 2 h on Monday.
        let sat = ts(WIB, "2026-12-05 11:00");
        assert_eq!(b.add(sat, 180 * MINUTE), Some(ts(WIB, "2026-12-07 10:00")));
        assert_eq!(b.elapsed(sat, ts(WIB, "2026-12-07 10:00")), 180 * MINUTE);
        // Sunday counts nothing.
        assert_eq!(
            b.elapsed(ts(WIB, "2026-12-06 00:00"), ts(WIB, "2026-12-06 23:59")),
            0
        );
    }

    #[test]
    fn skips_holidays() {
        let b = lib(WIB);
        // Thursday 24 Dec 15:30, 1 working hour: 30 min Thursday, Friday 25 is a
        // holiday, Saturday 26 08:00 + 30 min.
        let from = ts(WIB, "2026-12-24 15:30");
        assert_eq!(b.add(from, 60 * MINUTE), Some(ts(WIB, "2026-12-26 08:30")));
        assert!(!b.is_open(ts(WIB, "2026-12-25 10:00")));
    }

    #[test]
    fn zones_wib_wita_wit() {
        // The same UTC moment is 09:00 WIB, 10:00 WITA, 11:00 WIT: a 6-hour target
        // ends 15:00 / 16:00 (close) / next morning in each library's own hours.
        let utc = ts(WIB, "2026-11-30 09:00");
        assert_eq!(
            lib(WIB).add(utc, 360 * MINUTE),
            Some(ts(WIB, "2026-11-30 15:00"))
        );
        assert_eq!(
            lib(WITA).add(utc, 360 * MINUTE),
            Some(ts(WITA, "2026-11-30 16:00"))
        );
        assert_eq!(
            lib(WIT).add(utc, 360 * MINUTE),
            Some(ts(WIT, "2026-12-01 09:00"))
        );
        // A library in WIT sees a message at 23:30 WIB as 01:30 the next day.
        let late = ts(WIB, "2026-11-30 23:30");
        assert_eq!(lib(WIT).add(late, 0), Some(ts(WIT, "2026-12-01 08:00")));
    }

    #[test]
    fn closed_all_year_has_no_due_time() {
        let b = BusinessHours::new(WIB, OpeningHours([DayHours::closed(); 7]), []);
        assert_eq!(b.add(ts(WIB, "2026-11-30 09:00"), MINUTE), None);
        let odd = OpeningHours(
            [DayHours {
                open: NaiveTime::from_hms_opt(16, 0, 0),
                close: NaiveTime::from_hms_opt(8, 0, 0),
            }; 7],
        );
        assert_eq!(
            BusinessHours::new(WIB, odd, []).add(ts(WIB, "2026-11-30 09:00"), MINUTE),
            None
        );
    }

    #[test]
    fn sla_views() {
        let b = lib(WIB);
        let p = SlaPolicy::default();
        let asked = ts(WIB, "2026-11-30 15:00");
        let clock = ConvClock {
            first_in_at: Some(asked),
            ..Default::default()
        };
        // Due 09:00 Tuesday (2 working hours).
        let v = p
            .view(&clock, &b, ts(WIB, "2026-11-30 15:30"))
            .expect("view");
        assert_eq!(v.target, SlaTarget::FirstResponse);
        assert_eq!(v.due_at, ts(WIB, "2026-12-01 09:00"));
        assert_eq!(
            v.status,
            SlaStatus::OnTrack {
                left_ms: 90 * MINUTE
            }
        );
        // At night nothing runs: still 60 minutes left at 23:00.
        let v = p
            .view(&clock, &b, ts(WIB, "2026-11-30 23:00"))
            .expect("view");
        assert_eq!(
            v.status,
            SlaStatus::OnTrack {
                left_ms: 60 * MINUTE
            }
        );
        let v = p
            .view(&clock, &b, ts(WIB, "2026-12-01 08:40"))
            .expect("view");
        assert_eq!(
            v.status,
            SlaStatus::DueSoon {
                left_ms: 20 * MINUTE
            }
        );
        let v = p
            .view(&clock, &b, ts(WIB, "2026-12-01 09:45"))
            .expect("view");
        assert_eq!(
            v.status,
            SlaStatus::Breached {
                over_ms: 45 * MINUTE
            }
        );
        // After our answer, a new question starts the next-response clock.
        let clock = ConvClock {
            first_in_at: Some(asked),
            first_out_at: Some(ts(WIB, "2026-11-30 15:10")),
            waiting_since: Some(ts(WIB, "2026-12-01 10:00")),
            resolved: false,
        };
        let v = p
            .view(&clock, &b, ts(WIB, "2026-12-01 10:00"))
            .expect("view");
        assert_eq!(v.target, SlaTarget::NextResponse);
        assert_eq!(v.due_at, ts(WIB, "2026-12-01 14:00"));
        // Answered and quiet: the resolution target.
        let clock = ConvClock {
            waiting_since: None,
            ..clock
        };
        let v = p
            .view(&clock, &b, ts(WIB, "2026-12-01 10:00"))
            .expect("view");
        assert_eq!(v.target, SlaTarget::Resolution);
        assert_eq!(
            p.view(
                &ConvClock {
                    resolved: true,
                    ..clock
                },
                &b,
                ts(WIB, "2026-12-01 10:00")
            ),
            None
        );
        let none = SlaPolicy {
            first_response_mins: None,
            ..p
        };
        assert_eq!(
            none.view(
                &ConvClock {
                    first_in_at: Some(asked),
                    ..Default::default()
                },
                &b,
                asked
            ),
            None
        );
        assert_eq!(
            SlaPolicy {
                first_response_mins: Some(0),
                ..p
            }
            .check(),
            Err("inbox-err-sla-range")
        );
        assert_eq!(p.check(), Ok(()));
    }

    #[test]
    fn stats() {
        let s = response_stats(&[10, 30, 20, 40], Some(25));
        assert_eq!(s.mean_ms, Some(25));
        assert_eq!(s.median_ms, Some(25));
        assert_eq!(s.within, Some(0.5));
        assert_eq!(response_stats(&[5, 1, 9], None).median_ms, Some(5));
        assert_eq!(response_stats(&[], Some(1)).mean_ms, None);
        assert_eq!(hours_minutes(125 * MINUTE + 59_000), (2, 5));
    }

    #[test]
    fn folding_and_phrases() {
        assert_eq!(fold("Jam BUKA, hari Minggu?"), " jam buka hari minggu ");
        assert_eq!(fold("Café—é"), " cafe e ");
        let t = "Kapan jam buka hari Sabtu?";
        let f = fold(t);
        assert!(phrase_in(&f, t, "jam buka"));
        assert!(phrase_in(&f, t, "?"));
        // Whole words only: "buka" is not in "bukan".
        let t2 = "ini bukan masalah";
        assert!(!phrase_in(&fold(t2), t2, "buka"));
    }

    #[test]
    fn default_rules_label_typical_messages() {
        let rules = default_rules();
        let label = |text: &str| {
            apply_rules(
                &rules,
                &Incoming {
                    text,
                    channel_id: 1,
                    author: "budi",
                    kind: ConvKind::Comment,
                },
            )
        };
        assert_eq!(
            label("Jam berapa perpustakaan buka hari Minggu?").labels,
            ["pertanyaan"]
        );
        let k = label("Saya kecewa, AC mati dan wifi lambat sekali");
        assert_eq!(k.labels, ["keluhan"]);
        assert_eq!(k.priority, Some(Priority::High));
        assert_eq!(
            label("Terima kasih, pelayanannya ramah!").labels,
            ["pujian"]
        );
        let s = label("Slot gacor hari ini, cek bio kak");
        assert_eq!(s.labels, ["spam"]);
        assert_eq!(s.priority, Some(Priority::Low));
        assert!(label("Hari ini cerah").labels.is_empty());
        // Two rules: a complaint asked as a question keeps both labels and the
        // higher priority.
        let both = label("Kenapa buku saya hilang dari daftar? Kecewa");
        assert!(both.labels.contains(&"keluhan".to_string()));
        assert!(both.labels.contains(&"pertanyaan".to_string()));
        assert_eq!(both.priority, Some(Priority::High));
        for r in &rules {
            assert_eq!(r.check(), Ok(()), "{}", r.name);
        }
    }

    #[test]
    fn rule_conditions() {
        let mut r = Rule {
            name: "Sekolah".into(),
            phrases: vec![],
            channel_id: Some(7),
            author: Some("@SMAN1".into()),
            kind: Some(ConvKind::Message),
            label: Some("sekolah".into()),
            assign_to: Some(3),
            priority: None,
            enabled: true,
        };
        let m = |channel_id, author, kind| Incoming {
            text: "halo",
            channel_id,
            author,
            kind,
        };
        assert!(r.matches(&m(7, "sman1", ConvKind::Message)));
        assert!(!r.matches(&m(8, "sman1", ConvKind::Message)));
        assert!(!r.matches(&m(7, "sman2", ConvKind::Message)));
        assert!(!r.matches(&m(7, "sman1", ConvKind::Comment)));
        let o = apply_rules(std::slice::from_ref(&r), &m(7, "sman1", ConvKind::Message));
        assert_eq!(o.assign_to, Some(3));
        r.enabled = false;
        assert!(!r.matches(&m(7, "sman1", ConvKind::Message)));
        r.label = None;
        r.assign_to = None;
        assert_eq!(r.check(), Err("inbox-err-rule-action"));
        r.label = Some("Bad label!".into());
        assert_eq!(r.check(), Err("inbox-err-label"));
        assert_eq!(
            split_phrases("jam buka, libur\n\nkapan"),
            ["jam buka", "libur", "kapan"]
        );
    }

    #[test]
    fn saved_replies() {
        assert_eq!(
            check_saved_reply("Jam", "Halo {nama}, buka {jam_buka}"),
            Ok(())
        );
        assert_eq!(
            check_saved_reply("Jam", "Halo {name}"),
            Err("inbox-err-saved-var")
        );
        assert_eq!(
            check_saved_reply("Jam", "Halo {nama"),
            Err("inbox-err-saved-var")
        );
        assert_eq!(check_saved_reply(" ", "x"), Err("inbox-err-saved-title"));
        assert_eq!(
            fill_reply(
                "Halo {nama}, {jam_buka} {tautan_katalog}",
                "Sari",
                "08.00",
                "https://k"
            ),
            "Halo Sari, 08.00 https://k"
        );
        let topics: Vec<Vec<String>> = default_saved_replies()
            .iter()
            .map(|(_, _, t)| split_phrases(t))
            .collect();
        let s = suggest("Min, hari Minggu buka jam berapa ya?", &topics, 3);
        assert_eq!(s.first(), Some(&0));
        let s = suggest("Bagaimana cara daftar jadi anggota?", &topics, 3);
        assert_eq!(s.first(), Some(&1));
        let s = suggest("Ada e-book novel Tere Liye?", &topics, 3);
        assert_eq!(s.first(), Some(&3));
        assert!(suggest("Selamat pagi", &topics, 3).is_empty());
        for (t, b, _) in default_saved_replies() {
            assert_eq!(check_saved_reply(t, b), Ok(()), "{t}");
        }
    }

    #[test]
    fn hours_as_one_line() {
        let names = [
            "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
        ]
        .map(String::from);
        assert_eq!(
            hours_line(&OpeningHours::library_default(), &names, "tutup"),
            "Senin–Jumat 08.00–16.00, Sabtu 08.00–12.00, Minggu tutup"
        );
    }

    #[test]
    fn reply_limits() {
        assert_eq!(check_reply(Platform::X, &"a".repeat(280)), Ok(()));
        assert_eq!(
            check_reply(Platform::X, &"a".repeat(281)),
            Err("inbox-err-reply-long")
        );
        // Emoji count 2 on X.
        assert_eq!(reply_length(Platform::X, "👍"), (2, 280));
        assert_eq!(
            check_reply(Platform::Bluesky, &"é".repeat(301)),
            Err("inbox-err-reply-long")
        );
        assert_eq!(
            check_reply(Platform::Practice, "  "),
            Err("inbox-err-reply-empty")
        );
        assert!(!inbox_caps(Platform::YouTube).messages);
        assert_eq!(check_rating(6, ""), Err("inbox-err-rating"));
        assert_eq!(check_rating(5, "Bagus"), Ok(()));
    }
}
