//! Siar's use cases. Handlers in `siar-web` call exactly one function here; this
//! crate owns transactions, audit rows and the jobs each change causes.

pub mod analytics;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod calendar;
pub mod cards;
pub mod certificates;
pub mod challenges;
pub mod channels;
pub mod comments;
pub mod demo;
pub mod error;
pub mod forms;
pub mod inbox;
pub mod jobs;
pub mod links;
pub mod mail;
pub mod media;
pub mod patrons;
pub mod programs;
pub mod publishing;
pub mod reports;
pub mod rewards;
pub mod secrets;
pub mod settings;
pub mod staff;
pub mod studio;
pub mod tokens;

pub use error::AppError;
pub use siar_store::db::redact_url_password;
pub use siar_store::{DbUrl, Store};

use siar_domain::{Clock, Timestamp};
use std::sync::Arc;
use std::time::Duration;

/// Deployment settings the use cases need.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// `siar demo`: the demo password works, demo data exists.
    pub demo_mode: bool,
    /// A session ends after this long without use.
    pub session_idle: Duration,
    /// Audit rows older than this are deleted by housekeeping.
    pub audit_retention: Duration,
    /// Failed sign-ins allowed per account, and per address, within `throttle_window`.
    pub throttle_per_account: i64,
    pub throttle_per_address: i64,
    pub throttle_window: Duration,
    /// Where Siar is reached from outside (OAuth callbacks, signed media URLs).
    pub public_url: String,
    /// Uploaded media live here (a folder under the data folder).
    pub media_dir: std::path::PathBuf,
    /// Largest accepted upload, in bytes.
    pub max_upload: u64,
    /// Alt text is required on images and videos (an organisation may relax it).
    pub require_alt: bool,
    pub platforms: channels::PlatformSettings,
    /// SMTP, when the deployment sends e-mail.
    pub mail: Option<mail::MailSettings>,
    /// Message lookup for e-mails (the web layer's Fluent messages).
    pub translate: Option<mail::Translate>,
    /// Raw webhook events are kept this many days after they are filed.
    pub raw_event_days: u32,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            demo_mode: false,
            session_idle: Duration::from_secs(12 * 3600),
            audit_retention: Duration::from_secs(365 * 24 * 3600),
            throttle_per_account: 5,
            throttle_per_address: 20,
            throttle_window: Duration::from_secs(15 * 60),
            public_url: "http://127.0.0.1:8080".into(),
            media_dir: std::path::PathBuf::from("./data/media"),
            max_upload: 200 * 1024 * 1024,
            require_alt: true,
            platforms: channels::PlatformSettings::default(),
            mail: None,
            translate: None,
            raw_event_days: 30,
        }
    }
}

/// Everything a use case needs. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub secrets: Arc<secrets::Keyring>,
    pub config: Arc<AppConfig>,
    pub channels: Arc<channels::ChannelKit>,
    /// Group commit for the deliver job's hot writes.
    pub writes: Arc<batch::Writes>,
    /// Group commit for webhook events.
    pub hook_writes: Arc<inbox::HookWrites>,
}

impl App {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        secrets: secrets::Keyring,
        config: AppConfig,
    ) -> Self {
        let kit = channels::ChannelKit::new(config.platforms.clone()).unwrap_or_else(|e| {
            tracing::error!("{e}; platform calls will use a client with default settings");
            channels::ChannelKit::fallback(config.platforms.clone())
        });
        Self {
            store,
            clock,
            secrets: Arc::new(secrets),
            config: Arc::new(config),
            channels: Arc::new(kit),
            writes: Arc::default(),
            hook_writes: Arc::default(),
        }
    }

    /// Replaces the channel kit (tests point connectors at fakes).
    pub fn with_channels(mut self, kit: channels::ChannelKit) -> Self {
        self.channels = Arc::new(kit);
        self
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Database pool figures for `/metrics`: (open, idle, max).
    pub fn pool_stats(&self) -> (u32, u32, u32) {
        let s = self.store.pool_stats();
        (s.size, s.idle, s.max)
    }

    /// `/readyz`: the database answers and its schema is current.
    pub async fn readiness(&self) -> Result<(), AppError> {
        self.store.ping().await?;
        if !siar_store::migrate::is_current(&self.store).await? {
            return Err(AppError::Internal(
                "database schema is behind this version of Siar: run `siar migrate`".into(),
            ));
        }
        Ok(())
    }
}

/// The acting person, as established by the web layer from a session or token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub org: siar_domain::org::OrgId,
    pub user: Option<siar_domain::org::UserId>,
    pub label: String,
    pub role: siar_domain::org::Role,
    pub ip: Option<String>,
}

impl Actor {
    /// Command-line actions act as `cli` with admin rights in one organisation.
    pub fn cli(org: siar_domain::org::OrgId) -> Self {
        Self {
            org,
            user: None,
            label: "cli".into(),
            role: siar_domain::org::Role::Admin,
            ip: None,
        }
    }

    pub fn require(&self, perm: siar_domain::org::Permission) -> Result<(), AppError> {
        if self.role.can(perm) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
