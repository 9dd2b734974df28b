//! Sign-in throttling per address, and readiness, on both engines.

use siar_app::secrets::Keyring;
use siar_app::{App, AppConfig, AppError};
use siar_testkit::{ManualClock, dual_test};
use std::sync::Arc;
use std::time::Duration;

dual_test!(
    too_many_failures_from_one_address_are_throttled,
    |store| async move {
        let clock = ManualClock::new();
        let app = App::new(
            store,
            Arc::new(clock.clone()),
            Keyring::from_keys([2; 32], &[]),
            AppConfig {
                demo_mode: true,
                ..AppConfig::default()
            },
        );
        siar_app::demo::seed(&app).await.unwrap();
        let ip = Some("192.0.2.7");
        // 20 failures spread over many e-mails (no single account reaches its limit).
        for i in 0..20 {
            let r = siar_app::auth::sign_in(
                &app,
                &format!("coba{i}@perpustakaan.example"),
                "salah",
                ip,
                None,
                None,
            )
            .await;
            assert!(matches!(
                r,
                Err(AppError::Unauthenticated {
                    key: "login-invalid",
                    ..
                })
            ));
        }
        let r = siar_app::auth::sign_in(
            &app,
            "editor@perpustakaan.example",
            "siar-demo",
            ip,
            None,
            None,
        )
        .await;
        assert!(
            matches!(
                r,
                Err(AppError::Unauthenticated {
                    key: "login-throttled",
                    minutes: Some(15)
                })
            ),
            "{r:?}"
        );
        // Another address is not affected; the first one may try again after the window.
        assert!(
            siar_app::auth::sign_in(
                &app,
                "editor@perpustakaan.example",
                "siar-demo",
                Some("192.0.2.8"),
                None,
                None
            )
            .await
            .is_ok()
        );
        clock.advance(Duration::from_secs(16 * 60));
        assert!(
            siar_app::auth::sign_in(
                &app,
                "editor@perpustakaan.example",
                "siar-demo",
                ip,
                None,
                None
            )
            .await
            .is_ok()
        );
    }
);

/// A database whose schema is behind this binary is not ready, and says what to do.
#[tokio::test]
async fn readiness_wants_current_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let store = siar_app::Store::open_sqlite(&dir.path().join("siar.db"), &Default::default())
        .await
        .unwrap();
    let app = App::new(
        store.clone(),
        Arc::new(ManualClock::new()),
        Keyring::from_keys([2; 32], &[]),
        AppConfig::default(),
    );
    let e = app.readiness().await.unwrap_err();
    assert!(e.to_string().contains("siar migrate"), "{e}");
    siar_store::migrate::migrate(&store, 0).await.unwrap();
    assert!(app.readiness().await.is_ok());
}
