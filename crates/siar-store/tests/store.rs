//! Storage tests. Every test body runs on SQLite and on PostgreSQL.

use siar_domain::Timestamp;
use siar_domain::audit::{AuditAction, AuditFilter, NewAudit};
use siar_domain::jobs::{JobState, NewJob};
use siar_domain::org::{Lang, OpeningHours, OrgId, OrgSettings, Role, StaffEdit};
use siar_store::{Store, StoreError, audit, jobs, migrate, org, sessions, tokens};
use siar_testkit::dual_test;
use std::collections::HashSet;
use std::time::Duration;

const T0: Timestamp = Timestamp(1_795_827_600_000);

fn settings(name: &str) -> OrgSettings {
    OrgSettings {
        name: name.into(),
        timezone: chrono_tz::Asia::Jakarta,
        default_lang: Lang::Id,
        opening_hours: OpeningHours::library_default(),
        holidays: vec![],
        require_alt: true,
    }
}

async fn two_orgs(store: &Store) -> (OrgId, OrgId) {
    let mut tx = store.begin().await.unwrap();
    let a = org::insert_org(
        &mut tx,
        "palembang",
        &settings("Perpustakaan Kota Palembang"),
        T0,
    )
    .await
    .unwrap();
    let b = org::insert_org(&mut tx, "lain", &settings("Perpustakaan Lain"), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (a.id, b.id)
}

/// Queues `n` jobs of `kind` due at `T0`, in one transaction.
async fn enqueue_due(store: &Store, n: usize, kind: &str) {
    let mut tx = store.begin().await.unwrap();
    for _ in 0..n {
        jobs::enqueue(&mut tx, &job(None, kind, T0), T0)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

fn job(org: Option<OrgId>, kind: &str, run_at: Timestamp) -> NewJob {
    NewJob {
        org_id: org,
        kind: kind.into(),
        payload: "{}".into(),
        run_at,
        max_attempts: 3,
        dedup_key: None,
    }
}

dual_test!(migrations_are_idempotent, |store| async move {
    assert!(migrate::is_current(&store).await.unwrap());
    let again = migrate::migrate(&store, 1).await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.current, migrate::latest_version());
});

// Migration 7 fills the organisation-wide rollups from per-channel rollups
// an existing installation already has.
dual_test!(
    org_rollups_migration_sums_existing_rollups,
    |store| async move {
        let mut tx = store.begin().await.unwrap();
        for stmt in [
            "DROP INDEX metric_category_days_channel",
            "DROP INDEX metric_hour_days_channel",
            "DROP TABLE metric_org_category_days",
            "DROP TABLE metric_org_hour_days",
            "DELETE FROM siar_migrations WHERE version = 7",
            "INSERT INTO metric_category_days (org_id, day, category, channel_id, posts, likes, likes_n) \
         VALUES (1, 100, 'artikel', 1, 2, 10, 2), (1, 100, 'artikel', 2, 1, 5, 1), (1, 100, 'video', 1, 1, 0, 0)",
            "INSERT INTO metric_hour_days (org_id, day, hour, channel_id, weekday, posts, eng, rated_eng, rated_base) \
         VALUES (1, 100, 9, 1, 3, 2, 10, 10, 400), (1, 100, 9, 2, 3, 1, 5, 0, 0)",
        ] {
            tx.raw(stmt).await.unwrap();
        }
        tx.commit().await.unwrap();
        let r = migrate::migrate(&store, 2).await.unwrap();
        assert_eq!(r.applied, vec![7]);
        let range = siar_domain::analytics::DayRange { from: 90, to: 110 };
        let mut tx = store.read().await.unwrap();
        let cats = siar_store::analytics::totals(
            &mut tx,
            siar_domain::org::OrgId(1),
            range,
            siar_store::analytics::GroupBy::Category,
            None,
        )
        .await
        .unwrap();
        let heat = siar_store::analytics::heat(&mut tx, siar_domain::org::OrgId(1), range, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cats.len(), 2);
        assert_eq!((cats[0].1.as_str(), cats[0].2.posts), ("artikel", 3));
        assert_eq!(cats[0].2.likes.sum, 15);
        assert_eq!(cats[0].2.likes.n, 3);
        assert_eq!((cats[1].1.as_str(), cats[1].2.posts), ("video", 1));
        assert_eq!(heat.len(), 1);
        assert_eq!((heat[0].0, heat[0].1), (3, 9));
        assert_eq!(
            (heat[0].2.posts, heat[0].2.engagements, heat[0].2.base),
            (3, 10, 400)
        );
    }
);

dual_test!(orgs_and_users_round_trip, |store| async move {
    let (a, _) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    // Duplicate slug is a conflict, not a crash.
    let dup = org::insert_org(&mut tx, "palembang", &settings("X"), T0).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    tx.rollback().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let u = org::insert_user(
        &mut tx,
        a,
        &org::NewUser {
            name: "Siti",
            email: "siti@perpustakaan.example",
            role: Role::Editor,
            password_hash: "h",
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(u.active);

    let mut tx = store.begin().await.unwrap();
    let dup = org::insert_user(
        &mut tx,
        a,
        &org::NewUser {
            name: "Siti 2",
            email: "siti@perpustakaan.example",
            role: Role::Editor,
            password_hash: "h",
        },
        T0,
    )
    .await;
    assert!(matches!(dup, Err(StoreError::Conflict(ref s)) if s == "email"));
    tx.rollback().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    org::update_user(
        &mut tx,
        a,
        u.id,
        &StaffEdit {
            name: "Siti Aminah".into(),
            role: Role::Moderator,
            active: false,
        },
        T0.plus(Duration::from_secs(1)),
    )
    .await
    .unwrap();
    org::set_lang(&mut tx, a, u.id, Lang::En, T0).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let got = org::user(&mut tx, a, u.id).await.unwrap().unwrap();
    assert_eq!(got.name, "Siti Aminah");
    assert_eq!(got.role, Role::Moderator);
    assert!(!got.active);
    assert_eq!(got.lang, Some(Lang::En));
    let (login, hash) = org::user_for_login(&mut tx, "siti@perpustakaan.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(login.id, u.id);
    assert_eq!(hash, "h");

    let mut s = settings("Perpustakaan Kota Palembang (baru)");
    s.holidays = vec![siar_domain::org::Holiday {
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
        name: "Natal".into(),
    }];
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    org::update_settings(&mut tx, a, &s, T0).await.unwrap();
    org::set_logo(&mut tx, a, "image/png", vec![1, 2, 3], T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    let o = org::org_by_slug(&mut tx, "palembang")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.settings, s);
    assert_eq!(o.logo_version, 1);
    assert_eq!(
        org::logo(&mut tx, a).await.unwrap(),
        Some(("image/png".to_string(), vec![1, 2, 3]))
    );
    assert!(
        org::org_by_slug(&mut tx, "tidak-ada")
            .await
            .unwrap()
            .is_none()
    );
});

// No repository returns another organisation's rows.
dual_test!(tenants_never_see_each_other, |store| async move {
    let (a, b) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    let mut ids = Vec::new();
    for (o, email) in [(a, "a@x.example"), (b, "b@x.example")] {
        let u = org::insert_user(
            &mut tx,
            o,
            &org::NewUser {
                name: email,
                email,
                role: Role::Admin,
                password_hash: "h",
            },
            T0,
        )
        .await
        .unwrap();
        ids.push(u.id);
        audit::insert(
            &mut tx,
            o,
            &NewAudit {
                actor_id: Some(u.id),
                actor_label: email.into(),
                action: AuditAction::StaffCreated,
                record_type: "user",
                record_id: Some(u.id.0.to_string()),
                summary: String::new(),
                ip: None,
            },
            T0,
        )
        .await
        .unwrap();
        jobs::enqueue(&mut tx, &job(Some(o), "noop", T0), T0)
            .await
            .unwrap();
        sessions::insert(
            &mut tx,
            &sessions::NewSession {
                org_id: o,
                user_id: u.id,
                token_hash: email,
                csrf_token: "c",
                expires_at: T0.plus(Duration::from_secs(60)),
                ip: None,
                user_agent: None,
            },
            T0,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let users = org::users(&mut tx, a).await.unwrap();
    assert_eq!(users.len(), 1);
    assert!(users.iter().all(|u| u.org_id == a));
    assert!(org::user(&mut tx, a, ids[1]).await.unwrap().is_none());
    assert!(
        org::user_by_email(&mut tx, a, "b@x.example")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        org::password_hash(&mut tx, a, ids[1])
            .await
            .unwrap()
            .is_none()
    );
    let log = audit::list(&mut tx, a, &AuditFilter::default(), 100, 0)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert!(log.iter().all(|e| e.org_id == a));
    assert_eq!(
        audit::count(&mut tx, a, &AuditFilter::default())
            .await
            .unwrap(),
        1
    );
    let js = jobs::list(&mut tx, a, None, 100).await.unwrap();
    assert_eq!(js.len(), 1);
    assert!(js.iter().all(|j| j.org_id == Some(a)));
    let b_job = jobs::list(&mut tx, b, None, 1).await.unwrap()[0].id;
    assert!(jobs::get(&mut tx, a, b_job).await.unwrap().is_none());
    let counts = jobs::counts(&mut tx, Some(a)).await.unwrap();
    assert_eq!(counts.iter().map(|c| c.2).sum::<i64>(), 1);
    assert_eq!(
        sessions::count_for_user(&mut tx, a, ids[1], T0)
            .await
            .unwrap(),
        0
    );
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    // Writes scoped to org A cannot touch org B's rows.
    let edit = StaffEdit {
        name: "x".into(),
        role: Role::Analyst,
        active: false,
    };
    assert!(matches!(
        org::update_user(&mut tx, a, ids[1], &edit, T0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        org::set_password_hash(&mut tx, a, ids[1], "z", T0).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        sessions::delete_for_user(&mut tx, a, ids[1]).await.unwrap(),
        0
    );
    assert!(!jobs::retry(&mut tx, a, b_job, T0).await.unwrap());
    tx.commit().await.unwrap();
});

dual_test!(audit_filters_and_retention, |store| async move {
    let (a, _) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    for (i, action) in [
        AuditAction::SignIn,
        AuditAction::SettingsUpdated,
        AuditAction::SignIn,
    ]
    .into_iter()
    .enumerate()
    {
        audit::insert(
            &mut tx,
            a,
            &NewAudit {
                actor_id: None,
                actor_label: "cli".into(),
                action,
                record_type: if action == AuditAction::SignIn {
                    "session"
                } else {
                    "organisation"
                },
                record_id: None,
                summary: format!("n={i}"),
                ip: None,
            },
            T0.plus(Duration::from_secs(3600 * i as u64)),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    let f = AuditFilter {
        action: Some("sign_in".into()),
        ..Default::default()
    };
    let rows = audit::list(&mut tx, a, &f, 10, 0).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].summary, "n=2", "newest first");
    let f = AuditFilter {
        from: Some(T0.plus(Duration::from_secs(1800))),
        until: Some(T0.plus(Duration::from_secs(5400))),
        ..Default::default()
    };
    assert_eq!(audit::count(&mut tx, a, &f).await.unwrap(), 1);
    let f = AuditFilter {
        record_type: Some("organisation".into()),
        ..Default::default()
    };
    assert_eq!(audit::count(&mut tx, a, &f).await.unwrap(), 1);
    assert_eq!(
        audit::list(&mut tx, a, &AuditFilter::default(), 1, 1)
            .await
            .unwrap()[0]
            .summary,
        "n=1"
    );
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let purged = audit::purge_before(&mut tx, T0.plus(Duration::from_secs(3600)))
        .await
        .unwrap();
    assert_eq!(purged, 1);
    tx.commit().await.unwrap();
});

dual_test!(sessions_expire_and_end_everywhere, |store| async move {
    let (a, _) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    let u = org::insert_user(
        &mut tx,
        a,
        &org::NewUser {
            name: "A",
            email: "a@x.example",
            role: Role::Editor,
            password_hash: "h",
        },
        T0,
    )
    .await
    .unwrap();
    for tok in ["t1", "t2"] {
        sessions::insert(
            &mut tx,
            &sessions::NewSession {
                org_id: a,
                user_id: u.id,
                token_hash: tok,
                csrf_token: "c",
                expires_at: T0.plus(Duration::from_secs(60)),
                ip: Some("127.0.0.1"),
                user_agent: Some("test"),
            },
            T0,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(sessions::find(&mut tx, "t1", T0).await.unwrap().is_some());
    assert!(
        sessions::find(&mut tx, "t1", T0.plus(Duration::from_secs(61)))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        sessions::delete_for_user(&mut tx, a, u.id).await.unwrap(),
        2
    );
    assert!(sessions::find(&mut tx, "t2", T0).await.unwrap().is_none());
    sessions::record_failure(&mut tx, "ip:1.2.3.4", T0)
        .await
        .unwrap();
    sessions::record_failure(&mut tx, "ip:1.2.3.4", T0.plus(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(
        sessions::failures_since(&mut tx, "ip:1.2.3.4", T0)
            .await
            .unwrap(),
        1
    );
    sessions::clear_failures(&mut tx, "ip:1.2.3.4")
        .await
        .unwrap();
    assert_eq!(
        sessions::failures_since(&mut tx, "ip:1.2.3.4", Timestamp(0))
            .await
            .unwrap(),
        0
    );
    tx.commit().await.unwrap();
});

dual_test!(jobs_claim_complete_fail_die, |store| async move {
    let (a, _) = two_orgs(&store).await;
    let lease = Duration::from_secs(60);
    let mut tx = store.begin().await.unwrap();
    let id = jobs::enqueue(
        &mut tx,
        &job(Some(a), "noop", T0.plus(Duration::from_secs(5))),
        T0,
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert!(
        jobs::claim(&mut tx, "w1", T0, lease)
            .await
            .unwrap()
            .is_none(),
        "not due yet"
    );
    let now = T0.plus(Duration::from_secs(5));
    let j = jobs::claim(&mut tx, "w1", now, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((j.id, j.state, j.attempts), (id, JobState::Running, 1));
    assert!(
        jobs::claim(&mut tx, "w2", now, lease)
            .await
            .unwrap()
            .is_none(),
        "leased"
    );
    // A failure with a retry time puts it back; only the lease holder may report.
    assert!(
        !jobs::fail(&mut tx, id, "w2", now, "x", Some(now))
            .await
            .unwrap()
    );
    assert!(
        jobs::fail(&mut tx, id, "w1", now, "timeout", Some(now.plus(lease)))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let j = jobs::get(&mut tx, a, id).await.unwrap().unwrap();
    assert_eq!(j.state, JobState::Queued);
    assert_eq!(j.last_error.as_deref(), Some("timeout"));
    let later = now.plus(lease);
    let j = jobs::claim(&mut tx, "w2", later, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.attempts, 2);
    assert!(
        jobs::fail(&mut tx, id, "w2", later, "gone", None)
            .await
            .unwrap()
    );
    let j = jobs::get(&mut tx, a, id).await.unwrap().unwrap();
    assert_eq!(j.state, JobState::Dead);
    assert!(jobs::retry(&mut tx, a, id, later).await.unwrap());
    let j = jobs::claim(&mut tx, "w3", later, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.attempts, 1, "a retry starts a fresh set of attempts");
    assert!(jobs::complete(&mut tx, id, "w3", later).await.unwrap());
    let j = jobs::get(&mut tx, a, id).await.unwrap().unwrap();
    assert_eq!(j.state, JobState::Succeeded);
    assert_eq!(
        jobs::purge_succeeded(&mut tx, later.plus(lease))
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
});

dual_test!(expired_lease_is_claimed_again, |store| async move {
    let lease = Duration::from_secs(30);
    let mut tx = store.begin().await.unwrap();
    let id = jobs::enqueue(&mut tx, &job(None, "noop", T0), T0)
        .await
        .unwrap()
        .unwrap();
    let j = jobs::claim(&mut tx, "crashed", T0, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.id, id);
    assert!(
        jobs::claim(&mut tx, "w2", T0.plus(Duration::from_secs(29)), lease)
            .await
            .unwrap()
            .is_none()
    );
    let again = jobs::claim(&mut tx, "w2", T0.plus(Duration::from_secs(31)), lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.id, again.attempts, again.locked_by.as_deref()),
        (id, 2, Some("w2"))
    );
    // The crashed worker's late report is ignored.
    assert!(
        !jobs::complete(&mut tx, id, "crashed", T0.plus(Duration::from_secs(32)))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
});

dual_test!(dedup_key_blocks_twins_while_pending, |store| async move {
    let mut j = job(None, "housekeeping", T0);
    j.dedup_key = Some("housekeeping".into());
    let mut tx = store.begin().await.unwrap();
    let first = jobs::enqueue(&mut tx, &j, T0).await.unwrap();
    assert!(first.is_some());
    assert_eq!(jobs::enqueue(&mut tx, &j, T0).await.unwrap(), None);
    let claimed = jobs::claim(&mut tx, "w", T0, Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        jobs::enqueue(&mut tx, &j, T0).await.unwrap(),
        None,
        "running blocks too"
    );
    jobs::complete(&mut tx, claimed.id, "w", T0).await.unwrap();
    assert!(
        jobs::enqueue(&mut tx, &j, T0).await.unwrap().is_some(),
        "finished frees the key"
    );
    tx.commit().await.unwrap();
});

// Two workers claiming at the same time never get the same job.
dual_test!(concurrent_claims_never_share_a_job, |store| async move {
    enqueue_due(&store, 40, "noop").await;
    let mut handles = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            // Bounded: at most 40 claims per worker.
            for _ in 0..40 {
                let mut tx = store.begin().await.unwrap();
                let j = jobs::claim(&mut tx, &format!("w{w}"), T0, Duration::from_secs(60))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                match j {
                    Some(j) => got.push(j.id),
                    None => break,
                }
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), 40);
    assert_eq!(unique.len(), 40);
});

dual_test!(api_tokens_resolve_to_their_org, |store| async move {
    let (a, _) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    tokens::insert(&mut tx, a, Role::Analyst, "cli", "hash1", T0)
        .await
        .unwrap();
    let t = tokens::find(&mut tx, "hash1", T0).await.unwrap().unwrap();
    assert_eq!((t.org_id, t.role), (a, Role::Analyst));
    assert!(tokens::find(&mut tx, "other", T0).await.unwrap().is_none());
    tx.commit().await.unwrap();
});

/// The one migration source yields the same tables and columns on both engines.
#[tokio::test]
async fn schema_is_the_same_on_both_engines() {
    let lite = siar_testkit::TestDb::sqlite().await;
    let Some(pg) = siar_testkit::TestDb::postgres().await else {
        return;
    };
    let mut l = lite.store.read().await.unwrap();
    let mut p = pg.store.read().await.unwrap();
    let mut lt = migrate::table_names(&mut l).await.unwrap();
    lt.retain(|t| t != "sqlite_sequence");
    let pt = migrate::table_names(&mut p).await.unwrap();
    assert_eq!(lt, pt);
    assert!(lt.contains(&"jobs".to_string()));
    for t in &lt {
        assert_eq!(
            migrate::column_names(&mut l, t).await.unwrap(),
            migrate::column_names(&mut p, t).await.unwrap(),
            "columns of {t}"
        );
    }
    drop((l, p));
    lite.cleanup().await;
    pg.cleanup().await;
}

/// On PostgreSQL, a committed enqueue wakes a listening worker; a rolled-back one
/// does not.
#[tokio::test]
async fn enqueue_wakes_listeners_on_commit_only() {
    let Some(db) = siar_testkit::TestDb::postgres().await else {
        return;
    };
    let mut w = db
        .store
        .job_wakeups()
        .await
        .unwrap()
        .expect("postgres listens");
    let mut tx = db.store.begin().await.unwrap();
    jobs::enqueue(&mut tx, &job(None, "noop", T0), T0)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let none = tokio::time::timeout(Duration::from_millis(300), w.wait()).await;
    assert!(none.is_err(), "a rolled-back enqueue wakes nobody");
    let mut tx = db.store.begin().await.unwrap();
    jobs::enqueue(&mut tx, &job(None, "noop", T0), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), w.wait())
        .await
        .expect("woken after commit")
        .unwrap();
    drop(w);
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_has_no_wakeups() {
    let db = siar_testkit::TestDb::sqlite().await;
    assert!(db.store.job_wakeups().await.unwrap().is_none());
    db.cleanup().await;
}

dual_test!(
    queue_first_claims_still_find_expired_leases,
    |store| async move {
        let (a, _) = two_orgs(&store).await;
        let lease = Duration::from_secs(30);
        let mut tx = store.begin().await.unwrap();
        jobs::enqueue(&mut tx, &job(Some(a), "stale", T0), T0)
            .await
            .unwrap();
        let stale = jobs::claim(&mut tx, "dead", T0, lease)
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        let later = T0.plus(Duration::from_secs(60));
        // Nothing queued: queue-first falls back to the lease that ran out.
        let mut tx = store.begin().await.unwrap();
        let got = jobs::claim_queued_first(&mut tx, "w1", later, lease)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.id, stale.id);
        tx.rollback().await.unwrap();
        // With a job due as well, queue-first takes it; expired-first takes the stale.
        let mut tx = store.begin().await.unwrap();
        jobs::enqueue(&mut tx, &job(Some(a), "fresh", T0), T0)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let q = jobs::claim_queued_first(&mut tx, "w1", later, lease)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(q.kind, "fresh");
        tx.rollback().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let e = jobs::claim(&mut tx, "w1", later, lease)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.id, stale.id);
        tx.commit().await.unwrap();
    }
);

dual_test!(claims_and_completions_in_batches, |store| async move {
    let lease = Duration::from_secs(30);
    let mut tx = store.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        // Two due at T0, two a second earlier, one not due yet.
        let at = match i {
            0 | 1 => T0,
            2 | 3 => Timestamp(T0.0 - 1000),
            _ => T0.plus(Duration::from_secs(60)),
        };
        ids.push(
            jobs::enqueue(&mut tx, &job(None, "noop", at), T0)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let got = jobs::claim_many(&mut tx, "w1#1", T0, lease, 3, false, None)
        .await
        .unwrap();
    // Earliest due first, ties by id; no more than asked.
    assert_eq!(
        got.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![ids[2], ids[3], ids[0]]
    );
    assert!(
        got.iter()
            .all(|j| j.state == JobState::Running && j.locked_by.as_deref() == Some("w1#1"))
    );
    let rest = jobs::claim_many(&mut tx, "w1#2", T0, lease, 10, false, None)
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|j| j.id).collect::<Vec<_>>(), vec![ids[1]]);
    // Only the holder's completions count.
    let mut done = jobs::complete_many(
        &mut tx,
        &[(ids[2], "w1#1"), (ids[3], "someone-else"), (ids[1], "w1#2")],
        T0,
    )
    .await
    .unwrap();
    done.sort();
    assert_eq!(done, vec![ids[1], ids[2]]);
    assert_eq!(
        jobs::get_any(&mut tx, ids[3]).await.unwrap().unwrap().state,
        JobState::Running
    );
    // Expired leases come back in a batch too.
    let later = T0.plus(lease).plus(Duration::from_secs(1));
    let again = jobs::claim_many(&mut tx, "w2#1", later, lease, 10, true, None)
        .await
        .unwrap();
    let mut again: Vec<i64> = again.iter().map(|j| j.id).collect();
    again.sort();
    assert_eq!(again, vec![ids[0], ids[3]]);
    tx.commit().await.unwrap();
    // A look past a cursor takes what lies beyond it first, and reads the queue
    // from its start when that is not enough (nothing due earlier is skipped).
    let mut tx = store.begin().await.unwrap();
    let a = jobs::enqueue(&mut tx, &job(None, "noop", T0), T0)
        .await
        .unwrap()
        .unwrap();
    let b = jobs::enqueue(&mut tx, &job(None, "noop", Timestamp(T0.0 - 5000)), T0)
        .await
        .unwrap()
        .unwrap();
    let cursor = Some((Timestamp(T0.0 - 1000), 0));
    let past = jobs::claim_many(&mut tx, "w3#1", T0, lease, 1, false, cursor)
        .await
        .unwrap();
    assert_eq!(past.iter().map(|j| j.id).collect::<Vec<_>>(), vec![a]);
    let behind = jobs::claim_many(&mut tx, "w3#2", T0, lease, 5, false, Some((T0, a)))
        .await
        .unwrap();
    assert_eq!(behind.iter().map(|j| j.id).collect::<Vec<_>>(), vec![b]);
    tx.commit().await.unwrap();
});

fn filing_job() -> NewJob {
    NewJob {
        org_id: None,
        kind: "inbox_events".into(),
        payload: "{}".into(),
        run_at: T0,
        max_attempts: 20,
        dedup_key: Some("inbox_events".into()),
    }
}

fn hook_event(id: &'static str) -> siar_store::inbox::NewEvent<'static> {
    siar_store::inbox::NewEvent {
        platform: "facebook",
        event_id: id,
        account: "104",
        body: "{}",
    }
}

dual_test!(
    webhook_events_are_stored_once_with_one_filing_job,
    |store| async move {
        use siar_store::inbox::{count_events, store_events};
        let job = filing_job();
        let ev = hook_event;
        let queued = |store: Store| async move {
            let mut tx = store.read().await.unwrap();
            let c = jobs::counts(&mut tx, None).await.unwrap();
            tx.commit().await.unwrap();
            c.iter()
                .filter(|(k, s, _)| k == "inbox_events" && *s == JobState::Queued)
                .map(|(_, _, n)| *n)
                .sum::<i64>()
        };
        // Nothing to store: nothing queued.
        let mut tx = store.write_autocommit().await.unwrap();
        assert_eq!(store_events(&mut tx, &[], T0, &job).await.unwrap(), 0);
        tx.commit().await.unwrap();
        assert_eq!(queued(store.clone()).await, 0);
        // A repeat within one call and across calls is stored once; one job.
        let mut tx = store.write_autocommit().await.unwrap();
        let first = [ev("feed:add:1"), ev("feed:add:2"), ev("feed:add:1")];
        assert_eq!(store_events(&mut tx, &first, T0, &job).await.unwrap(), 2);
        assert_eq!(
            store_events(&mut tx, &[ev("feed:add:2"), ev("feed:add:3")], T0, &job)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store_events(&mut tx, &[ev("feed:add:3")], T0, &job)
                .await
                .unwrap(),
            0
        );
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        assert_eq!(count_events(&mut tx).await.unwrap(), 3);
        tx.commit().await.unwrap();
        assert_eq!(queued(store.clone()).await, 1);
        // Inside a transaction too, undone with it.
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            store_events(&mut tx, &[ev("feed:add:4")], T0, &job)
                .await
                .unwrap(),
            1
        );
        tx.rollback().await.unwrap();
        let mut tx = store.read().await.unwrap();
        assert_eq!(count_events(&mut tx).await.unwrap(), 3);
        tx.commit().await.unwrap();
    }
);

/// PostgreSQL only (SQLite has one writer): two writers of webhook events that
/// take the same rows in opposite orders deadlock; PostgreSQL undoes one
/// statement, and an autocommit write runs it again instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_events_are_written_again_after_a_deadlock() {
    use siar_store::inbox::{count_events, store_events};
    let Some(db) = siar_testkit::TestDb::postgres().await else {
        return;
    };
    let store = db.store.clone();
    let job = filing_job();
    let ev = hook_event;
    // Another writer holds "b" (and the filing job) in an open transaction.
    let mut other = store.begin().await.unwrap();
    assert_eq!(
        store_events(&mut other, &[ev("b")], T0, &job)
            .await
            .unwrap(),
        1
    );
    // Ours takes "a", then waits for the other writer.
    let (s2, job2) = (store.clone(), job.clone());
    let ours = tokio::spawn(async move {
        let mut tx = s2.write_autocommit().await.unwrap();
        let n = store_events(&mut tx, &[ev("a"), ev("b")], T0, &job2).await;
        tx.commit().await.unwrap();
        n
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The other writer now wants "a": a cycle, which PostgreSQL breaks by
    // undoing the statement that waited first (ours).
    assert_eq!(
        store_events(&mut other, &[ev("a")], T0, &job)
            .await
            .unwrap(),
        1
    );
    other.commit().await.unwrap();
    // Ours ran again and found both stored.
    assert_eq!(ours.await.unwrap().unwrap(), 0);
    let mut tx = store.read().await.unwrap();
    assert_eq!(count_events(&mut tx).await.unwrap(), 2);
    tx.commit().await.unwrap();
    db.cleanup().await;
}

/// PostgreSQL only: the jobs of a worker whose presence lock is free (its
/// process died and its connection closed) are taken up at once; a present
/// worker's jobs keep their leases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_of_a_gone_worker_are_taken_up_before_their_leases_end() {
    let Some(db) = siar_testkit::TestDb::postgres().await else {
        return;
    };
    let store = db.store.clone();
    let lease = Duration::from_secs(600);
    enqueue_due(&store, 3, "test").await;
    let mut here = store.worker_presence("here").expect("postgres");
    let mut gone = store.worker_presence("gone").expect("postgres");
    assert!(here.keep().await.unwrap());
    assert!(gone.keep().await.unwrap());
    // The same id twice: the second cannot take the lock.
    assert!(!store.worker_presence("here").unwrap().keep().await.unwrap());
    assert!(here.keep().await.unwrap(), "kept on its own connection");
    let mut tx = store.begin().await.unwrap();
    let mine = jobs::claim_many(&mut tx, "here#1", T0, lease, 1, false, None)
        .await
        .unwrap();
    let theirs = jobs::claim_many(&mut tx, "gone#7", T0, lease, 2, false, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((mine.len(), theirs.len()), (1, 2));
    let expire = |at: Timestamp| {
        let store = store.clone();
        async move {
            let mut tx = store.write_autocommit().await.unwrap();
            let n = jobs::expire_absent_workers(&mut tx, at).await.unwrap();
            tx.commit().await.unwrap();
            n
        }
    };
    let t1 = T0.plus(Duration::from_secs(1));
    assert_eq!(expire(t1).await, 0, "both workers are present");
    // "gone" dies: its connection closes and the server frees its lock.
    drop(gone);
    let mut n = 0;
    for _ in 0..100 {
        n = expire(t1).await;
        if n > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(n, 2, "the gone worker's two jobs");
    let mut tx = store.begin().await.unwrap();
    let taken = jobs::claim_many(&mut tx, "other#1", t1, lease, 10, true, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut ids: Vec<i64> = taken.iter().map(|j| j.id).collect();
    ids.sort_unstable();
    let mut want: Vec<i64> = theirs.iter().map(|j| j.id).collect();
    want.sort_unstable();
    assert_eq!(
        ids, want,
        "taken up long before their leases end; not the present worker's"
    );
    drop(here);
    db.cleanup().await;
}
