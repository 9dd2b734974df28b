//! Siar's HTTP layer: the staff console (`/app`), the public portal (`/`), health and
//! metrics endpoints, and embedded assets. Handlers stay thin: extract, call one
//! `siar-app` function, render.

pub mod analytics;
pub mod api;
pub mod articles;
pub mod assets;
pub mod calendar;
pub mod cards;
pub mod challenges;
pub mod ctx;
pub mod days;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod inbox;
pub mod links;
pub mod metrics;
pub mod middleware;
pub mod pages;
pub mod portal;
pub mod programs;
pub mod publishing;
pub mod reports;
pub mod rewards;
pub mod routes;
pub mod studio;

use siar_app::App;
use std::sync::Arc;

/// Web settings.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Add `Secure` to cookies (set when Siar is served over https).
    pub secure_cookies: bool,
    /// The organisation the portal shows at `/` (default: the oldest).
    pub portal_org: Option<String>,
}

/// What every handler can reach. One shared allocation: axum clones the
/// state for every layer of every request, and one reference count costs
/// less than the dozen an `App` carries (measured on the webhook benchmark).
#[derive(Clone)]
pub struct WebState(Arc<Shared>);

/// The state behind a [`WebState`].
pub struct Shared {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<metrics::Metrics>,
}

impl std::ops::Deref for WebState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl WebState {
    pub fn new(app: App, config: WebConfig) -> Self {
        Self(Arc::new(Shared {
            app,
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::new()),
        }))
    }
}

pub use routes::router;
