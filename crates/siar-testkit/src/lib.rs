//! Test helpers for Siar (dev-only).
//!
//! - [`TestDb`]: a fresh, migrated database on SQLite (a temp file) or PostgreSQL
//!   (a fresh schema per test on `SIAR_TEST_DATABASE_URL`, default
//!   `postgres://postgres@127.0.0.1:5432/test`).
//! - [`dual_test!`]: writes one async test body once and runs it on both engines.
//! - [`ManualClock`]: time that moves only when a test says so.
//! - [`TestApp`] (module `app`): the whole HTTP router over a test database.

pub mod app;
mod clock;
mod db;
pub mod fakes;
pub mod publishing;
pub mod smtp;

pub use app::TestApp;
pub use clock::ManualClock;
pub use db::{TestDb, pg_url};

/// Runs one async test body on SQLite and on PostgreSQL.
///
/// ```ignore
/// siar_testkit::dual_test!(inserts_org, |store| async move {
///     let mut tx = store.begin().await.unwrap();
///     // …
/// });
/// ```
/// PostgreSQL tests are skipped with a printed notice when the server is unreachable,
/// unless `CI` is set, where they fail.
#[macro_export]
macro_rules! dual_test {
    ($name:ident, |$store:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::TestDb::sqlite().await;
                let $store = db.store.clone();
                $body.await;
                db.cleanup().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::TestDb::postgres().await else {
                    return;
                };
                let $store = db.store.clone();
                $body.await;
                db.cleanup().await;
            }
        }
    };
}
