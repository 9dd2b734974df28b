//! Siar's storage.
//!
//! One query path for both engines: statements are built with sea-query, rendered for
//! the engine chosen once at start-up ([`Backend`]), and run through sqlx. Every
//! repository function takes a [`Tx`], so a change and the jobs it causes commit
//! together.

pub mod analytics;
pub mod articles;
pub mod audit;
pub mod challenges;
pub mod channels;
pub mod db;
pub mod forms;
pub mod inbox;
pub mod jobs;
pub mod links;
pub mod migrate;
pub mod org;
pub mod patrons;
pub mod programs;
pub mod publishing;
pub mod rewards;
pub mod sessions;
pub mod studio;
pub mod tokens;

pub use db::{Backend, DbUrl, JobWakeups, Store, StoreError, Tx, WorkerPresence};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
