use siar_store::db::StoreOptions;
use siar_store::{Store, migrate};
use std::sync::atomic::{AtomicU64, Ordering};

/// The PostgreSQL server tests use.
pub fn pg_url() -> String {
    std::env::var("SIAR_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub store: Store,
    kind: Kind,
}

enum Kind {
    Sqlite(tempfile::TempDir),
    Postgres { schema: String, url: String },
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite(&dir.path().join("siar.db"), &StoreOptions::default())
            .await
            .expect("open sqlite");
        migrate::migrate(&store, 0).await.expect("migrate sqlite");
        Self {
            store,
            kind: Kind::Sqlite(dir),
        }
    }

    /// A fresh schema on the test PostgreSQL server, or `None` (with a notice) when
    /// it is unreachable outside CI. In CI an unreachable server fails the test.
    pub async fn postgres() -> Option<Self> {
        let base = pg_url();
        let admin = match Store::open_postgres(&base, &StoreOptions::default()).await {
            Ok(s) => s,
            Err(e) => {
                if in_ci() {
                    panic!("PostgreSQL at {base} is unreachable and CI is set: {e}");
                }
                eprintln!(
                    "NOTICE: PostgreSQL at {base} is unreachable ({e}); skipping this PostgreSQL test"
                );
                return None;
            }
        };
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let schema = format!(
            "siar_t_{}_{}_{}",
            std::process::id(),
            n,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let mut tx = admin.begin().await.expect("begin");
        tx.raw(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        tx.commit().await.expect("commit");
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let store = Store::open_postgres(&url, &StoreOptions::default())
            .await
            .expect("open postgres schema");
        migrate::migrate(&store, 0).await.expect("migrate postgres");
        Some(Self {
            store,
            kind: Kind::Postgres { schema, url },
        })
    }

    /// The database URL another process can open (PostgreSQL: with the schema
    /// on its search path; SQLite: the file).
    pub fn url(&self) -> String {
        match &self.kind {
            Kind::Postgres { url, .. } => url.clone(),
            Kind::Sqlite(dir) => format!("sqlite://{}", dir.path().join("siar.db").display()),
        }
    }

    /// Drops what the test made (the PostgreSQL schema; the SQLite temp dir goes
    /// with `self`).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Kind::Postgres { schema, .. } = &self.kind
            && let Ok(admin) = Store::open_postgres(&pg_url(), &StoreOptions::default()).await
        {
            if let Ok(mut tx) = admin.begin().await {
                let _ = tx.raw(&format!("DROP SCHEMA {schema} CASCADE")).await;
                let _ = tx.commit().await;
            }
            admin.close().await;
        }
    }
}
