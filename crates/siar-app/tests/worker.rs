//! The worker with a manual clock, on both engines.

use siar_app::jobs::{JobError, JobFuture, JobHandler, Outcome, Worker, WorkerConfig};
use siar_app::secrets::Keyring;
use siar_app::{App, AppConfig};
use siar_domain::jobs::{Job, NewJob};
use siar_testkit::{ManualClock, dual_test};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::watch;

struct Flaky(Arc<AtomicU32>);
impl JobHandler for Flaky {
    fn kind(&self) -> &'static str {
        "flaky"
    }
    fn run<'a>(&'a self, _: &'a App, _: &'a Job) -> JobFuture<'a> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(JobError::Retry("platform timed out".into())) })
    }
}

struct Slow;
impl JobHandler for Slow {
    fn kind(&self) -> &'static str {
        "slow"
    }
    fn run<'a>(&'a self, _: &'a App, _: &'a Job) -> JobFuture<'a> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        })
    }
}

fn app(store: siar_app::Store, clock: &ManualClock) -> App {
    App::new(
        store,
        Arc::new(clock.clone()),
        Keyring::from_keys([1; 32], &[]),
        AppConfig::default(),
    )
}

async fn enqueue(app: &App, kind: &str, max: u32) -> i64 {
    let mut tx = app.store.begin().await.unwrap();
    let id = siar_store::jobs::enqueue(
        &mut tx,
        &NewJob {
            org_id: None,
            kind: kind.into(),
            payload: "{}".into(),
            run_at: app.now(),
            max_attempts: max,
            dedup_key: None,
        },
        app.now(),
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    id
}

dual_test!(backoff_follows_the_manual_clock, |store| async move {
    let clock = ManualClock::new();
    let app = app(store, &clock);
    let runs = Arc::new(AtomicU32::new(0));
    let mut w = Worker::new(app.clone(), "w1", WorkerConfig::default());
    w.register(Arc::new(Flaky(runs.clone())));
    let id = enqueue(&app, "flaky", 3).await;

    let t0 = clock.now_ts();
    let Outcome::Retrying(got, at) = w.run_once(None).await.unwrap() else {
        panic!("should retry")
    };
    assert_eq!(got, id);
    // First retry: 10 s ± 25 %.
    let delay = at.0 - t0.0;
    assert!((7_500..=12_500).contains(&delay), "delay {delay} ms");
    clock.advance(Duration::from_millis(7_000));
    assert_eq!(
        w.run_once(None).await.unwrap(),
        Outcome::Idle,
        "not due before the backoff"
    );
    clock.set(at);
    let Outcome::Retrying(_, at2) = w.run_once(None).await.unwrap() else {
        panic!("second retry")
    };
    let delay2 = at2.0 - at.0;
    assert!(
        (15_000..=25_000).contains(&delay2),
        "second delay {delay2} ms doubles"
    );
    clock.set(at2);
    assert_eq!(
        w.run_once(None).await.unwrap(),
        Outcome::Dead(id),
        "third failure is the last"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    let mut tx = app.store.read().await.unwrap();
    let job = siar_store::jobs::get_any(&mut tx, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.last_error.as_deref(), Some("platform timed out"));
});

dual_test!(unknown_kind_dies_with_a_reason, |store| async move {
    let clock = ManualClock::new();
    let app = app(store, &clock);
    let w = Worker::new(app.clone(), "w1", WorkerConfig::default());
    let id = enqueue(&app, "mystery", 5).await;
    assert_eq!(w.drain(10).await.unwrap(), vec![Outcome::Dead(id)]);
});

dual_test!(shutdown_releases_the_job_in_hand, |store| async move {
    let clock = ManualClock::new();
    let app = app(store, &clock);
    let cfg = WorkerConfig {
        grace: Duration::from_millis(50),
        ..WorkerConfig::default()
    };
    let mut w = Worker::new(app.clone(), "w1", cfg);
    w.register(Arc::new(Slow));
    let id = enqueue(&app, "slow", 3).await;
    let (tx, rx) = watch::channel(false);
    let run = tokio::spawn({
        let w = w.clone();
        async move { w.run_once(Some(&rx)).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    tx.send(true).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(out, Outcome::Released(id));
    let mut t = app.store.read().await.unwrap();
    let job = siar_store::jobs::get_any(&mut t, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, siar_domain::jobs::JobState::Queued);
    assert_eq!(job.attempts, 0, "a released attempt is not counted");
});

dual_test!(housekeeping_purges_expired_sessions, |store| async move {
    let clock = ManualClock::new();
    let app = App::new(
        store,
        Arc::new(clock.clone()),
        Keyring::from_keys([1; 32], &[]),
        AppConfig {
            demo_mode: true,
            audit_retention: Duration::from_secs(30 * 86_400),
            ..AppConfig::default()
        },
    );
    siar_app::demo::seed_library(&app, false).await.unwrap();
    // A sign-in writes a session and an audit row.
    let signed = siar_app::auth::sign_in(
        &app,
        "admin@perpustakaan.example",
        "siar-demo",
        None,
        None,
        None,
    )
    .await
    .unwrap();
    let org = siar_app::settings::by_slug(&app, "palembang")
        .await
        .unwrap();
    let audit_rows = || async {
        let mut tx = app.store.read().await.unwrap();
        siar_store::audit::count(&mut tx, org.id, &Default::default())
            .await
            .unwrap()
    };
    assert_eq!(audit_rows().await, 1);
    let w = Worker::new(app.clone(), "w1", WorkerConfig::default());
    assert!(
        siar_app::jobs::ensure_housekeeping(&app)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        siar_app::jobs::ensure_housekeeping(&app)
            .await
            .unwrap()
            .is_none(),
        "one pending at a time"
    );
    assert!(matches!(
        w.drain(5).await.unwrap()[..],
        [Outcome::Succeeded(_)]
    ));
    assert!(
        siar_app::auth::session(&app, &signed.token, None)
            .await
            .unwrap()
            .is_some(),
        "live session kept"
    );
    assert_eq!(audit_rows().await, 1, "recent audit kept");
    // 31 days later: the session expired long ago and the audit row is past retention.
    clock.advance(Duration::from_secs(31 * 86_400));
    assert!(
        siar_app::jobs::ensure_housekeeping(&app)
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        w.drain(5).await.unwrap()[..],
        [Outcome::Succeeded(_)]
    ));
    let mut tx = app.store.read().await.unwrap();
    let user = siar_app::staff::find_by_email(
        &app,
        &siar_app::Actor::cli(org.id),
        "admin@perpustakaan.example",
    )
    .await
    .unwrap();
    assert_eq!(
        siar_store::sessions::count_for_user(&mut tx, org.id, user.id, siar_domain::Timestamp(0))
            .await
            .unwrap(),
        0,
        "expired session deleted"
    );
    drop(tx);
    assert_eq!(audit_rows().await, 0, "audit past retention deleted");
});

// `siar demo` on an existing data folder serves it again: no reseed, nothing lost.
dual_test!(demo_seed_runs_once_and_keeps_changes, |store| async move {
    let clock = ManualClock::new();
    let app = app(store, &clock);
    assert!(siar_app::demo::seed(&app).await.unwrap());
    let org = siar_app::settings::by_slug(&app, "palembang")
        .await
        .unwrap();
    let actor = siar_app::Actor::cli(org.id);
    let mut input = siar_domain::org::OrgSettingsInput::from_settings(&org.settings);
    input.name = "Dinas Perpustakaan Kota Palembang".into();
    siar_app::settings::update(&app, &actor, &input)
        .await
        .unwrap();
    assert!(
        !siar_app::demo::seed(&app).await.unwrap(),
        "second start does not reseed"
    );
    let again = siar_app::settings::by_slug(&app, "palembang")
        .await
        .unwrap();
    assert_eq!(again.settings.name, "Dinas Perpustakaan Kota Palembang");
    assert_eq!(siar_app::staff::list(&app, &actor).await.unwrap().len(), 5);
});

struct Quick;
impl JobHandler for Quick {
    fn kind(&self) -> &'static str {
        "quick"
    }
    fn run<'a>(&'a self, _: &'a App, _: &'a Job) -> JobFuture<'a> {
        Box::pin(async { Ok(()) })
    }
}

/// On PostgreSQL an idle worker wakes when a job is enqueued, long before its next
/// poll (here a minute away).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_worker_wakes_on_enqueue_postgres() {
    let Some(db) = siar_testkit::TestDb::postgres().await else {
        return;
    };
    let clock = ManualClock::new();
    let app = app(db.store.clone(), &clock);
    let cfg = WorkerConfig {
        poll: Duration::from_secs(60),
        ..WorkerConfig::default()
    };
    let mut w = Worker::new(app.clone(), "sleepy", cfg);
    w.register(Arc::new(Quick));
    let (stop_tx, stop_rx) = watch::channel(false);
    let running = tokio::spawn(w.run(stop_rx));
    // Let the worker run housekeeping and fall idle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let id = enqueue(&app, "quick", 3).await;
    let mut done = false;
    for _ in 0..100 {
        let mut tx = app.store.read().await.unwrap();
        let job = siar_store::jobs::get_any(&mut tx, id)
            .await
            .unwrap()
            .unwrap();
        drop(tx);
        if job.state == siar_domain::jobs::JobState::Succeeded {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .unwrap()
        .unwrap();
    assert!(done, "the worker should have woken and run the job");
    db.cleanup().await;
}

struct Long(Arc<tokio::sync::Notify>);
impl JobHandler for Long {
    fn kind(&self) -> &'static str {
        "long"
    }
    fn run<'a>(&'a self, _: &'a App, _: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            self.0.notified().await;
            Ok(())
        })
    }
}

dual_test!(a_running_worker_keeps_its_leases, |store| async move {
    let clock = ManualClock::new();
    let app = app(store, &clock);
    let done = Arc::new(tokio::sync::Notify::new());
    let cfg = WorkerConfig {
        lease: Duration::from_millis(600),
        poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    let mut w1 = Worker::new(app.clone(), "w1", cfg.clone());
    w1.register(Arc::new(Long(done.clone())));
    let mut w2 = Worker::new(app.clone(), "w2", cfg);
    w2.register(Arc::new(Long(done.clone())));
    let id = enqueue(&app, "long", 3).await;
    let (stop_tx, stop) = watch::channel(false);
    let run = tokio::spawn(w1.run(stop));
    let job = async || {
        let mut t = app.store.read().await.unwrap();
        let j = siar_store::jobs::get_any(&mut t, id)
            .await
            .unwrap()
            .unwrap();
        t.rollback().await.unwrap();
        j
    };
    for _ in 0..100 {
        if job().await.state == siar_domain::jobs::JobState::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The job outlives its first lease; the heartbeat (every 200 ms) extends it.
    for _ in 0..3 {
        clock.advance(Duration::from_millis(500));
        tokio::time::sleep(Duration::from_millis(450)).await;
        let j = job().await;
        assert!(
            j.lease_until.unwrap() > app.now(),
            "lease {:?} ran out at {:?}",
            j.lease_until,
            app.now()
        );
        assert_eq!(w2.run_once(None).await.unwrap(), Outcome::Idle);
    }
    done.notify_waiters();
    for _ in 0..100 {
        if job().await.state == siar_domain::jobs::JobState::Succeeded {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(job().await.state, siar_domain::jobs::JobState::Succeeded);
    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .unwrap()
        .unwrap();
});
