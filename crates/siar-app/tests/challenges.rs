//! Reading challenges (issue 7), on SQLite and PostgreSQL: a child's profile
//! joins through a guardian, logs three books, earns badges and a certificate
//! whose public verification shows only the nickname; implausible logs wait
//! for a librarian; secret codes give points once.

use siar_app::patrons::{self, ChildInput, PatronSession, SetupInput};
use siar_app::{AppError, challenges, rewards};
use siar_domain::challenges::{ChallengeInput, LogInput};
use siar_domain::org::Lang;
use siar_testkit::dual_test;
use siar_testkit::publishing::Bench;

fn key<T: std::fmt::Debug>(r: Result<T, AppError>) -> &'static str {
    match r {
        Err(AppError::Invalid(p)) => p.0[0].key,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn today(b: &Bench) -> chrono::NaiveDate {
    use siar_domain::Clock;
    b.clock
        .now()
        .to_utc()
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .date_naive()
}

fn ymd(d: chrono::NaiveDate, days: i64) -> String {
    (d + chrono::Duration::days(days)).to_string()
}

async fn family(
    b: &Bench,
    email: &str,
    nick: &str,
    child: Option<(&str, i32)>,
) -> (String, PatronSession) {
    let org = b.admin.org;
    patrons::request_code(&b.app, org, email, Lang::Id, "10.2.0.1")
        .await
        .unwrap();
    let codes = patrons::readable_codes(&b.app, &b.admin).await.unwrap();
    let code = codes.iter().find(|c| c.0 == email).unwrap().1.clone();
    let token = patrons::verify_code(&b.app, org, email, &code, Lang::Id)
        .await
        .unwrap();
    let s = patrons::session(&b.app, &token).await.unwrap().unwrap();
    patrons::set_up(
        &b.app,
        &s,
        &SetupInput {
            nickname: nick.into(),
            consent: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let s = patrons::session(&b.app, &token).await.unwrap().unwrap();
    if let Some((kid, year)) = child {
        let id = patrons::add_child(
            &b.app,
            &s,
            &ChildInput {
                nickname: kid.into(),
                first_name: "Putri".into(),
                birth_year: year.to_string(),
                guardian_consent: true,
                leaderboard: true,
            },
        )
        .await
        .unwrap();
        let s = patrons::session(&b.app, &token).await.unwrap().unwrap();
        patrons::switch(&b.app, &s, id).await.unwrap();
    }
    let s = patrons::session(&b.app, &token).await.unwrap().unwrap();
    (token, s)
}

fn book(title: &str, day: String) -> LogInput {
    LogInput {
        title: title.into(),
        author: "Penulis".into(),
        read_on: day,
        ..Default::default()
    }
}

dual_test!(
    a_child_reads_three_books_and_gets_a_certificate,
    |store| async move {
        let b = Bench::new(store).await;
        let app = &b.app;
        let t = today(&b);
        use chrono::Datelike;
        let year = t.year();
        let input = ChallengeInput {
            title: "Tantangan Tiga Buku".into(),
            starts_on: ymd(t, -10),
            ends_on: ymd(t, 20),
            goal_kind: "books".into(),
            goal: "3".into(),
            min_age: "6".into(),
            max_age: "12".into(),
            points_per_log: "10".into(),
            ..Default::default()
        };
        assert!(matches!(
            challenges::create(app, &b.contributor, &input).await,
            Err(AppError::Forbidden)
        ));
        let id = challenges::create(app, &b.editor, &input).await.unwrap();
        // The guardian's own profile is not in the age group; the child's is.
        let (token, s) = family(&b, "ibu.putri@mail.example", "Ibu Putri", None).await;
        assert_eq!(
            key(challenges::join(app, &s, "tantangan-tiga-buku", None).await),
            "ch-err-age-group"
        );
        let kid = patrons::add_child(
            app,
            &s,
            &ChildInput {
                nickname: "Putri Kecil".into(),
                first_name: "Putri".into(),
                birth_year: (year - 8).to_string(),
                guardian_consent: true,
                leaderboard: true,
            },
        )
        .await
        .unwrap();
        let s = patrons::session(app, &token).await.unwrap().unwrap();
        patrons::switch(app, &s, kid).await.unwrap();
        let s = patrons::session(app, &token).await.unwrap().unwrap();
        // Logging before joining is refused.
        assert_eq!(
            key(
                challenges::log_reading(app, &s, "tantangan-tiga-buku", &book("A", ymd(t, 0)))
                    .await
            ),
            "ch-err-join-first"
        );
        challenges::join(app, &s, "tantangan-tiga-buku", None)
            .await
            .unwrap();
        challenges::join(app, &s, "tantangan-tiga-buku", None)
            .await
            .unwrap();
        // Bad logs change nothing.
        let mut bad = book("Laskar Pelangi", ymd(t, 1));
        bad.isbn = "978-602-03-3295-7".into();
        let Err(AppError::Invalid(p)) =
            challenges::log_reading(app, &s, "tantangan-tiga-buku", &bad).await
        else {
            panic!()
        };
        let keys: Vec<_> = p.0.iter().map(|e| e.key).collect();
        assert_eq!(keys, ["ch-err-isbn", "ch-err-future"]);
        let mut neg = book("X", ymd(t, 0));
        neg.pages = "-3".into();
        assert_eq!(
            key(challenges::log_reading(app, &s, "tantangan-tiga-buku", &neg).await),
            "ch-err-number"
        );
        // Three books: badges at 25/50 % and 100 %, then the certificate.
        let one = challenges::log_reading(
            app,
            &s,
            "tantangan-tiga-buku",
            &book("Si Kancil", ymd(t, -2)),
        )
        .await
        .unwrap();
        assert_eq!((one.status, one.badges.clone()), ("counted", vec![25]));
        let two = challenges::log_reading(
            app,
            &s,
            "tantangan-tiga-buku",
            &book("Malin Kundang", ymd(t, -1)),
        )
        .await
        .unwrap();
        assert_eq!(two.badges, vec![50]);
        assert!(two.certificate.is_none());
        let mut third = book("Laskar Pelangi", ymd(t, 0));
        third.isbn = "978-602-03-3295-6".into();
        third.review = "Seru sekali!".into();
        let three = challenges::log_reading(app, &s, "tantangan-tiga-buku", &third)
            .await
            .unwrap();
        assert_eq!(three.badges, vec![100]);
        let code = three.certificate.clone().expect("a certificate");
        let v = challenges::view(app, s.org, "tantangan-tiga-buku", Some(&s))
            .await
            .unwrap();
        assert_eq!(v.percent, 100);
        assert_eq!(v.logs.len(), 3);
        assert_eq!(v.badges, vec![25, 50, 100]);
        assert_eq!(v.certificate.as_deref(), Some(code.as_str()));
        // The guardian let the child show on the leaderboard, by nickname.
        assert_eq!(v.leaderboard, vec![("Putri Kecil".to_string(), 3)]);
        // Reading progress and points are kept apart: 3 logs × 10 points.
        let pts = rewards::points(app, &s).await.unwrap();
        assert_eq!(pts.balances.iter().find(|x| x.0 == kid).unwrap().2, 30);
        // The public page never shows the child's real name.
        let ver = challenges::verify(app, &code.to_lowercase())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ver.nickname, "Putri Kecil");
        assert_eq!(ver.achievement, "Tantangan Tiga Buku");
        assert!(
            challenges::verify(app, "ACDE-FGHJ")
                .await
                .unwrap()
                .is_none()
        );
        // The PDF (for the family only) prints the first name.
        let pdf = challenges::certificate_pdf(app, &s, &code).await.unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let (_, other) = family(&b, "lain@mail.example", "Orang Lain", None).await;
        assert!(matches!(
            challenges::certificate_pdf(app, &other, &code).await,
            Err(AppError::NotFound)
        ));
        // Staff see the entry by nickname.
        let admin = challenges::admin(app, &b.analyst, id).await.unwrap();
        assert_eq!(admin.entries[0].nickname, "Putri Kecil");
        assert_eq!(admin.entries[0].progress, 3);
        // Deleting the account withdraws the certificate.
        patrons::delete_account(app, &s, true).await.unwrap();
        assert!(challenges::verify(app, &code).await.unwrap().is_none());
    }
);

dual_test!(
    implausible_logs_wait_and_secret_codes_count_once,
    |store| async move {
        let b = Bench::new(store).await;
        let app = &b.app;
        let t = today(&b);
        let id = challenges::create(
            app,
            &b.editor,
            &ChallengeInput {
                title: "Seribu Halaman".into(),
                starts_on: ymd(t, -5),
                ends_on: ymd(t, 5),
                goal_kind: "pages".into(),
                goal: "1000".into(),
                points_per_log: "5".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let (_, s) = family(&b, "remaja@mail.example", "Remaja Rajin", None).await;
        challenges::join(app, &s, "seribu-halaman", None)
            .await
            .unwrap();
        let mut huge = book("Ensiklopedia", ymd(t, 0));
        huge.pages = "5000".into();
        let r = challenges::log_reading(app, &s, "seribu-halaman", &huge)
            .await
            .unwrap();
        assert_eq!(r.status, "review");
        let v = challenges::view(app, s.org, "seribu-halaman", Some(&s))
            .await
            .unwrap();
        assert_eq!(v.entry.as_ref().unwrap().progress, 0, "not counted yet");
        let mut fair = book("Novel", ymd(t, -1));
        fair.pages = "200".into();
        let r = challenges::log_reading(app, &s, "seribu-halaman", &fair)
            .await
            .unwrap();
        assert_eq!(r.status, "counted");
        // A second log the same day as a big one also waits.
        let mut more = book("Komik", ymd(t, -1));
        more.pages = "450".into();
        assert_eq!(
            challenges::log_reading(app, &s, "seribu-halaman", &more)
                .await
                .unwrap()
                .status,
            "review"
        );
        // The librarian's queue; two decide at once: one counts.
        let q = challenges::review_queue(app, &b.editor).await.unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].nickname, "Remaja Rajin");
        let (x, y) = tokio::join!(
            challenges::decide(app, &b.editor, q[0].log.id, true),
            challenges::decide(app, &b.admin, q[0].log.id, true)
        );
        assert!(x.is_ok() != y.is_ok(), "{x:?} {y:?}");
        challenges::decide(app, &b.editor, q[1].log.id, false)
            .await
            .unwrap();
        let v = challenges::view(app, s.org, "seribu-halaman", Some(&s))
            .await
            .unwrap();
        assert_eq!(v.entry.as_ref().unwrap().progress, 5200);
        assert!(v.certificate.is_some(), "accepted log completed it");
        assert!(
            v.leaderboard.is_empty(),
            "no leaderboard consent, not shown"
        );
        assert!(
            challenges::review_queue(app, &b.editor)
                .await
                .unwrap()
                .is_empty()
        );
        // Secret codes: once per profile, and a limited one runs out.
        challenges::add_secret(app, &b.editor, id, "Ampera 2026", "15", "")
            .await
            .unwrap();
        challenges::add_secret(app, &b.editor, id, "SATUKALI", "7", "1")
            .await
            .unwrap();
        assert_eq!(
            key(challenges::add_secret(app, &b.editor, id, "ampera2026", "5", "").await),
            "ch-err-secret-taken"
        );
        assert_eq!(
            challenges::enter_code(app, &s, " ampera 2026 ")
                .await
                .unwrap(),
            15
        );
        assert_eq!(
            key(challenges::enter_code(app, &s, "AMPERA2026").await),
            "ch-err-secret-used"
        );
        assert_eq!(
            key(challenges::enter_code(app, &s, "TIDAKADA").await),
            "ch-err-secret-unknown"
        );
        challenges::enter_code(app, &s, "satukali").await.unwrap();
        let (_, late) = family(&b, "telat@mail.example", "Datang Telat", None).await;
        assert_eq!(
            key(challenges::enter_code(app, &late, "satukali").await),
            "ch-err-secret-spent"
        );
        let pts = rewards::points(app, &s).await.unwrap();
        let own = s.active.as_ref().unwrap().id;
        // Two counted logs × 5 points + 15 + 7.
        assert_eq!(pts.balances.iter().find(|x| x.0 == own).unwrap().2, 32);
        // After the end, no more logs.
        challenges::close(app, &b.editor, id).await.unwrap();
        assert_eq!(
            key(challenges::log_reading(app, &s, "seribu-halaman", &fair).await),
            "ch-err-closed"
        );
    }
);

dual_test!(
    a_challenge_is_edited_fairly_and_caps_logs_per_day,
    |store| async move {
        let b = Bench::new(store).await;
        let app = &b.app;
        let t = today(&b);
        let input = ChallengeInput {
            title: "Tantangan Halaman".into(),
            starts_on: ymd(t, -3),
            ends_on: ymd(t, 20),
            goal_kind: "books".into(),
            goal: "50".into(),
            points_per_log: "1".into(),
            daily_log_cap: "2".into(),
            ..Default::default()
        };
        let id = challenges::create(app, &b.editor, &input).await.unwrap();
        // Before anyone joins, everything but the address may change.
        challenges::update(
            app,
            &b.editor,
            id,
            &ChallengeInput {
                goal: "40".into(),
                slug: "alamat-lain".into(),
                ..input.clone()
            },
        )
        .await
        .unwrap();
        let a = challenges::admin(app, &b.editor, id).await.unwrap();
        assert_eq!(a.challenge.goal, 40);
        assert_eq!(a.challenge.slug, "tantangan-halaman", "the address stays");
        assert!(matches!(
            challenges::update(app, &b.analyst, id, &input).await,
            Err(AppError::Forbidden)
        ));
        let (_, s) = family(&b, "rajin@mail.example", "Si Rajin", None).await;
        challenges::join(app, &s, "tantangan-halaman", None)
            .await
            .unwrap();
        let listed = challenges::list(app, &b.analyst).await.unwrap();
        assert_eq!(listed.iter().find(|(c, _)| c.id == id).unwrap().1, 1);
        // Now the goal and the start stay; the title and the end may change.
        let locked = ChallengeInput {
            goal: "10".into(),
            ..input.clone()
        };
        assert_eq!(
            key(challenges::update(app, &b.editor, id, &locked).await),
            "ch-err-locked"
        );
        challenges::update(
            app,
            &b.editor,
            id,
            &ChallengeInput {
                title: "Tantangan Halaman Desember".into(),
                goal: "40".into(),
                ends_on: ymd(t, 30),
                ..input.clone()
            },
        )
        .await
        .unwrap();
        let a = challenges::admin(app, &b.editor, id).await.unwrap();
        assert_eq!(a.challenge.title, "Tantangan Halaman Desember");
        assert_eq!(a.challenge.goal, 40);
        // Two logs a day, then a friendly refusal that saves nothing.
        for n in 0..2 {
            challenges::log_reading(
                app,
                &s,
                "tantangan-halaman",
                &book(&format!("Buku {n}"), ymd(t, 0)),
            )
            .await
            .unwrap();
        }
        assert_eq!(
            key(
                challenges::log_reading(app, &s, "tantangan-halaman", &book("Buku 3", ymd(t, 0)))
                    .await
            ),
            "ch-err-too-many-logs"
        );
        let v = challenges::view(app, s.org, "tantangan-halaman", Some(&s))
            .await
            .unwrap();
        assert_eq!(v.logs.len(), 2);
        assert_eq!(rewards::points(app, &s).await.unwrap().balances[0].2, 2);
        // A day later the reader may go on.
        b.clock.advance(std::time::Duration::from_secs(86_401));
        challenges::log_reading(app, &s, "tantangan-halaman", &book("Buku 3", ymd(t, 1)))
            .await
            .unwrap();
    }
);

dual_test!(
    staff_name_their_own_badges_and_readers_earn_them,
    |store| async move {
        let b = Bench::new(store).await;
        let app = &b.app;
        let t = today(&b);
        let input = ChallengeInput {
            title: "Tantangan Dua Buku".into(),
            starts_on: ymd(t, -3),
            ends_on: ymd(t, 20),
            goal_kind: "books".into(),
            goal: "2".into(),
            badges: "100 Tamat Dua Buku\n50 Setengah Jalan Cilik".into(),
            ..Default::default()
        };
        assert_eq!(
            key(challenges::create(
                app,
                &b.editor,
                &ChallengeInput {
                    badges: "Tanpa persen".into(),
                    ..input.clone()
                }
            )
            .await),
            "ch-err-badges"
        );
        let id = challenges::create(app, &b.editor, &input).await.unwrap();
        let (_, s) = family(&b, "dua@mail.example", "Pembaca Dua", None).await;
        challenges::join(app, &s, "tantangan-dua-buku", None)
            .await
            .unwrap();
        let logged =
            challenges::log_reading(app, &s, "tantangan-dua-buku", &book("Satu", ymd(t, 0)))
                .await
                .unwrap();
        assert_eq!(logged.badges, [50], "the staff's own badge at 50 %");
        // Once readers have badges, the per cents stay; the names may change.
        let moved = ChallengeInput {
            badges: "60 Setengah Jalan Cilik\n100 Tamat Dua Buku".into(),
            ..input.clone()
        };
        assert_eq!(
            key(challenges::update(app, &b.editor, id, &moved).await),
            "ch-err-locked"
        );
        challenges::update(
            app,
            &b.editor,
            id,
            &ChallengeInput {
                badges: "50 Separuh Perjalanan\n100 Tamat Dua Buku".into(),
                ..input.clone()
            },
        )
        .await
        .unwrap();
        let a = challenges::admin(app, &b.editor, id).await.unwrap();
        assert_eq!(
            a.challenge.badges,
            "50 Separuh Perjalanan\n100 Tamat Dua Buku"
        );
        let logged =
            challenges::log_reading(app, &s, "tantangan-dua-buku", &book("Dua", ymd(t, 0)))
                .await
                .unwrap();
        assert_eq!(logged.badges, [100]);
        assert!(logged.certificate.is_some());
    }
);

dual_test!(staff_change_and_stop_secret_codes, |store| async move {
    let b = Bench::new(store).await;
    let app = &b.app;
    let t = today(&b);
    let id = challenges::create(
        app,
        &b.editor,
        &ChallengeInput {
            title: "Tantangan Kode".into(),
            starts_on: ymd(t, -3),
            ends_on: ymd(t, 20),
            goal_kind: "books".into(),
            goal: "5".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    challenges::add_secret(app, &b.editor, id, "musi", "5", "3")
        .await
        .unwrap();
    let (_, a) = family(&b, "kode.a@mail.example", "Pemburu Kode", None).await;
    assert_eq!(challenges::enter_code(app, &a, "MUSI").await.unwrap(), 5);
    let change = |points: &'static str, max: &'static str| challenges::SecretChange {
        points,
        max_uses: max,
        stop: false,
    };
    // A limit below the uses so far is refused; bad numbers too.
    assert_eq!(
        key(challenges::update_secret(app, &b.editor, id, "musi", &change("5", "0")).await),
        "ch-err-max-uses"
    );
    challenges::update_secret(app, &b.editor, id, "musi", &change("9", "2"))
        .await
        .unwrap();
    let (_, c) = family(&b, "kode.c@mail.example", "Pemburu Kedua", None).await;
    assert_eq!(challenges::enter_code(app, &c, "musi").await.unwrap(), 9);
    let (_, d) = family(&b, "kode.d@mail.example", "Pemburu Ketiga", None).await;
    assert_eq!(
        key(challenges::enter_code(app, &d, "musi").await),
        "ch-err-secret-spent"
    );
    assert_eq!(
        key(challenges::update_secret(app, &b.editor, id, "musi", &change("9", "1")).await),
        "ch-err-max-below-uses"
    );
    // Stopping a code without a limit ends it at its uses.
    challenges::add_secret(app, &b.editor, id, "AMPERA", "3", "")
        .await
        .unwrap();
    challenges::update_secret(
        app,
        &b.editor,
        id,
        "ampera",
        &challenges::SecretChange {
            stop: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        key(challenges::enter_code(app, &d, "AMPERA").await),
        "ch-err-secret-spent"
    );
    assert!(matches!(
        challenges::update_secret(app, &b.analyst, id, "ampera", &change("1", "")).await,
        Err(AppError::Forbidden)
    ));
});
