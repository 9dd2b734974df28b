//! Siar's domain: types and rules shared by every other crate.
//!
//! Nothing here does IO or needs an async runtime. Validation returns
//! [`validate::FieldError`]s carrying message *keys*; the web layer translates them.

pub mod analytics;
pub mod articles;
pub mod audit;
pub mod challenges;
pub mod channels;
pub mod days;
pub mod forms;
pub mod inbox;
pub mod jobs;
pub mod links;
pub mod org;
pub mod patrons;
pub mod programs;
pub mod publishing;
pub mod rewards;
pub mod richtext;
pub mod studio;
pub mod time;
pub mod validate;

pub use time::{Clock, Timestamp};
