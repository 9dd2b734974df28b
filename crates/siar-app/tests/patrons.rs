//! Patrons and polls (issue 7), on SQLite and PostgreSQL.

use siar_app::patrons::{self, ChildInput, SetupInput};
use siar_app::programs::{self, Voter};
use siar_app::{AppError, jobs};
use siar_domain::org::Lang;
use siar_domain::programs::{PollInput, PollState};
use siar_testkit::dual_test;
use siar_testkit::publishing::Bench;
use std::time::Duration;

fn key(r: Result<impl std::fmt::Debug, AppError>) -> &'static str {
    match r {
        Err(AppError::Invalid(p)) => p.0[0].key,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Signs in by reading the code staff may see (no e-mail server here).
async fn sign_in(b: &Bench, email: &str, nickname: &str) -> (String, patrons::PatronSession) {
    let org = b.admin.org;
    patrons::request_code(&b.app, org, email, Lang::Id, "10.0.0.1")
        .await
        .unwrap();
    let codes = patrons::readable_codes(&b.app, &b.admin).await.unwrap();
    let (_, code, _) = codes.iter().find(|c| c.0 == email).unwrap().clone();
    let token = patrons::verify_code(&b.app, org, email, &code, Lang::Id)
        .await
        .unwrap();
    let s = patrons::session(&b.app, &token).await.unwrap().unwrap();
    patrons::set_up(
        &b.app,
        &s,
        &SetupInput {
            nickname: nickname.into(),
            consent: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let s = patrons::session(&b.app, &token).await.unwrap().unwrap();
    (token, s)
}

fn mailer(app: &siar_app::App) -> jobs::Worker {
    jobs::Worker::new(
        app.clone(),
        "mailer",
        jobs::WorkerConfig {
            poll: Duration::from_millis(50),
            ..Default::default()
        },
    )
}

dual_test!(a_patron_signs_in_with_an_emailed_code, |store| async move {
    let b = Bench::new(store).await;
    let smtp = siar_testkit::smtp::FakeSmtp::start().await;
    let mut app = b.app.clone();
    app.config = std::sync::Arc::new(siar_app::AppConfig {
        mail: Some(siar_app::mail::MailSettings {
            url: format!("smtp://127.0.0.1:{}", smtp.port),
            from: "Perpustakaan <siar@perpustakaan.example>".into(),
        }),
        ..(*b.app.config).clone()
    });
    let org = b.admin.org;
    assert_eq!(
        key(patrons::request_code(&app, org, "bukan alamat", Lang::Id, "10.0.0.1").await),
        "err-email"
    );
    patrons::request_code(&app, org, " Ibu.Siti@Mail.Example ", Lang::Id, "10.0.0.1")
        .await
        .unwrap();
    // With e-mail configured, staff see no codes.
    assert!(
        patrons::readable_codes(&app, &b.admin)
            .await
            .unwrap()
            .is_empty()
    );
    mailer(&app).drain(5).await.unwrap();
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["ibu.siti@mail.example"]);
    let body = &got[0].data;
    let code: String = body
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a six-digit code in the e-mail")
        .to_string();
    assert!(body.contains("10 menit"), "{body}");
    // Wrong, then malformed, then right; a code works once.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        key(patrons::verify_code(&app, org, "ibu.siti@mail.example", wrong, Lang::Id).await),
        "pt-err-code-wrong"
    );
    assert_eq!(
        key(patrons::verify_code(&app, org, "ibu.siti@mail.example", "12", Lang::Id).await),
        "pt-err-code-format"
    );
    let token = patrons::verify_code(&app, org, "IBU.SITI@mail.example", &code, Lang::Id)
        .await
        .unwrap();
    assert_eq!(
        key(patrons::verify_code(&app, org, "ibu.siti@mail.example", &code, Lang::Id).await),
        "pt-err-code-expired"
    );
    let s = patrons::session(&app, &token).await.unwrap().unwrap();
    assert!(s.needs_setup());
    assert_eq!(s.patron.email, "ibu.siti@mail.example");
    // Set-up: a public nickname and the account consent.
    let bad = SetupInput {
        nickname: "wa 081234567890".into(),
        member_no: "x".into(),
        consent: false,
        leaderboard: false,
    };
    let Err(AppError::Invalid(p)) = patrons::set_up(&app, &s, &bad).await else {
        panic!("refused")
    };
    let keys: Vec<_> = p.0.iter().map(|e| e.key).collect();
    assert_eq!(
        keys,
        [
            "pt-err-nickname-contact",
            "pt-err-member-no",
            "pt-err-consent"
        ]
    );
    assert!(
        patrons::session(&app, &token)
            .await
            .unwrap()
            .unwrap()
            .needs_setup()
    );
    patrons::set_up(
        &app,
        &s,
        &SetupInput {
            nickname: "Bunda Kutu Buku".into(),
            member_no: "PLG-0042".into(),
            consent: true,
            leaderboard: true,
        },
    )
    .await
    .unwrap();
    let s = patrons::session(&app, &token).await.unwrap().unwrap();
    assert_eq!(s.active.as_ref().unwrap().nickname, "Bunda Kutu Buku");
    assert_eq!(s.patron.member_no.as_deref(), Some("PLG-0042"));
    let data = patrons::my_data(&app, &s).await.unwrap();
    let purposes: Vec<_> = data.consents.iter().map(|c| c.purpose.as_str()).collect();
    assert_eq!(purposes, ["account", "leaderboard"]);
    assert!(data.consents.iter().all(|c| c.version == "2026-11"));
    // Signing out ends the session.
    patrons::sign_out(&app, &s).await.unwrap();
    assert!(patrons::session(&app, &token).await.unwrap().is_none());
});

dual_test!(codes_are_throttled_and_expire, |store| async move {
    let b = Bench::new(store).await;
    let org = b.admin.org;
    let app = &b.app;
    for _ in 0..3 {
        patrons::request_code(app, org, "budi@mail.example", Lang::Id, "10.0.0.2")
            .await
            .unwrap();
    }
    assert_eq!(
        key(patrons::request_code(app, org, "budi@mail.example", Lang::Id, "10.0.0.3").await),
        "pt-err-slow-down"
    );
    // Only the newest code counts, for ten minutes.
    let codes = patrons::readable_codes(app, &b.admin).await.unwrap();
    assert_eq!(codes.len(), 3);
    let newest = codes[0].1.clone();
    b.clock.advance(Duration::from_secs(11 * 60));
    assert_eq!(
        key(patrons::verify_code(app, org, "budi@mail.example", &newest, Lang::Id).await),
        "pt-err-code-expired"
    );
    assert!(
        patrons::readable_codes(app, &b.admin)
            .await
            .unwrap()
            .is_empty()
    );
    // After the window another code may be asked; five wrong tries spend it.
    b.clock.advance(Duration::from_secs(5 * 60));
    patrons::request_code(app, org, "budi@mail.example", Lang::Id, "10.0.0.2")
        .await
        .unwrap();
    let code = patrons::readable_codes(app, &b.admin).await.unwrap()[0]
        .1
        .clone();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for i in 0..5 {
        let k = key(patrons::verify_code(app, org, "budi@mail.example", wrong, Lang::Id).await);
        assert_eq!(
            k,
            if i < 4 {
                "pt-err-code-wrong"
            } else {
                "pt-err-code-spent"
            }
        );
    }
    assert_eq!(
        key(patrons::verify_code(app, org, "budi@mail.example", &code, Lang::Id).await),
        "pt-err-code-expired"
    );
    // A day later housekeeping forgets every code of the address.
    b.clock.advance(Duration::from_secs(25 * 3600));
    jobs::ensure_housekeeping(app).await.unwrap();
    mailer(app).drain(5).await.unwrap();
    let mut tx = app.store.read().await.unwrap();
    let left = siar_store::patrons::codes_since(
        &mut tx,
        org,
        "email",
        "budi@mail.example",
        siar_domain::Timestamp(0),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(left, 0);
    // Contributors may not read codes out.
    assert!(matches!(
        patrons::readable_codes(app, &b.contributor).await,
        Err(AppError::Forbidden)
    ));
});

fn poll_input(question: &str, anonymous: bool, results: &str) -> PollInput {
    PollInput {
        question: question.into(),
        options: "Komik sains\nDongeng Nusantara\nNovel remaja".into(),
        results: results.into(),
        allow_anonymous: anonymous,
        ..PollInput::default()
    }
}

dual_test!(families_take_part_and_own_their_data, |store| async move {
    let b = Bench::new(store).await;
    let org = b.admin.org;
    let app = &b.app;
    let (token, s) = sign_in(&b, "ayah@mail.example", "Ayah Rajin").await;
    let child = |nick: &str, year: &str, consent: bool| ChildInput {
        nickname: nick.into(),
        first_name: "Dimas".into(),
        birth_year: year.into(),
        guardian_consent: consent,
        leaderboard: false,
    };
    assert_eq!(
        key(patrons::add_child(app, &s, &child("Dimas Kecil", "2016", false)).await),
        "pt-err-guardian-consent"
    );
    assert_eq!(
        key(patrons::add_child(app, &s, &child("Dimas Kecil", "2030", true)).await),
        "pt-err-birth-year-future"
    );
    assert_eq!(
        key(patrons::add_child(app, &s, &child("ayah  rajin", "2016", true)).await),
        "pt-err-nickname-taken"
    );
    let kid = patrons::add_child(app, &s, &child("Dimas Kecil", "2016", true))
        .await
        .unwrap();
    let reload = || async { patrons::session(app, &token).await.unwrap().unwrap() };
    // The poll, voted by the child's profile.
    let poll = programs::create_poll(
        app,
        &b.editor,
        &poll_input("Buku favorit?", false, "after_vote"),
    )
    .await
    .unwrap();
    let s = reload().await;
    assert_eq!(s.children().count(), 1);
    patrons::switch(app, &s, kid).await.unwrap();
    let s = reload().await;
    assert_eq!(s.active.as_ref().unwrap().id, kid);
    let voter = Voter::of(Some(&s), "x");
    let page = programs::poll_page(app, org, "buku-favorit", &voter)
        .await
        .unwrap();
    assert!(page.results.is_none(), "results after voting");
    let first = page.options[0].id;
    programs::vote(app, org, "buku-favorit", &voter, &[first], "10.0.0.9", None)
        .await
        .unwrap();
    let data = patrons::my_data(app, &s).await.unwrap();
    assert_eq!(data.profiles.len(), 2);
    assert_eq!(data.ballots.len(), 1);
    assert_eq!(data.ballots[0].profile, "Dimas Kecil");
    assert_eq!(data.ballots[0].choices, ["Komik sains"]);
    let guardian = data
        .consents
        .iter()
        .find(|c| c.purpose == "guardian")
        .unwrap();
    assert_eq!(guardian.profile_id, Some(kid));
    let json = patrons::my_data_json(&data);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["account"]["email"], "ayah@mail.example");
    assert_eq!(v["profiles"][1]["first_name"], "Dimas");
    assert_eq!(v["poll_votes"][0]["poll"], "Buku favorit?");
    let csv = patrons::my_data_csv(&data).unwrap();
    assert!(
        csv.contains("consent,Dimas Kecil,guardian,version 2026-11"),
        "{csv}"
    );
    // Deleting: only when confirmed; then nothing of the family is left, and
    // the vote still counts without anyone attached.
    assert_eq!(
        key(patrons::delete_account(app, &s, false).await),
        "pt-err-confirm-delete"
    );
    patrons::delete_account(app, &s, true).await.unwrap();
    assert!(patrons::session(app, &token).await.unwrap().is_none());
    let r = programs::poll_results(app, &b.analyst, poll).await.unwrap();
    assert_eq!(r.tally.ballots, 1);
    assert_eq!(r.tally.signed_in, 0);
    assert_eq!(r.options[0].votes, 1);
    // The nickname is free again.
    let (_, again) = sign_in(&b, "ayah@mail.example", "Dimas Kecil").await;
    assert_eq!(again.profiles.len(), 1);
});

dual_test!(polls_count_one_ballot_per_voter, |store| async move {
    let b = Bench::new(store).await;
    let org = b.admin.org;
    let app = &b.app;
    assert!(matches!(
        programs::create_poll(app, &b.contributor, &poll_input("Q?", false, "after_vote")).await,
        Err(AppError::Forbidden)
    ));
    programs::create_poll(
        app,
        &b.editor,
        &poll_input("Jam buka favorit?", true, "after_close"),
    )
    .await
    .unwrap();
    assert_eq!(
        key(programs::create_poll(
            app,
            &b.editor,
            &poll_input("Jam buka favorit?", true, "after_vote")
        )
        .await),
        "pg-err-slug-taken"
    );
    let list = programs::polls(app, &b.analyst).await.unwrap();
    let poll = list[0].poll.clone();
    assert!(poll.link_code.is_some(), "a short link to share");
    let slug = "jam-buka-favorit";
    let (_, s) = sign_in(&b, "siti@mail.example", "Siti Pembaca").await;
    let me = Voter::of(Some(&s), "browser-1");
    let page = programs::poll_page(app, org, slug, &me).await.unwrap();
    let ids: Vec<i64> = page.options.iter().map(|o| o.id).collect();
    assert_eq!(
        key(programs::vote(app, org, slug, &me, &[ids[0], ids[1]], "10.0.0.5", None).await),
        "pg-err-too-many"
    );
    assert_eq!(
        key(programs::vote(app, org, slug, &me, &[], "10.0.0.5", None).await),
        "pg-err-choose"
    );
    // Two requests at once from the same voter: one ballot.
    let (one, two) = ([ids[1]], [ids[2]]);
    let (a, c) = tokio::join!(
        programs::vote(app, org, slug, &me, &one, "10.0.0.5", None),
        programs::vote(app, org, slug, &me, &two, "10.0.0.5", None),
    );
    assert!(a.is_ok() != c.is_ok(), "exactly one counts: {a:?} {c:?}");
    assert_eq!(
        key(programs::vote(app, org, slug, &me, &[ids[0]], "10.0.0.5", None).await),
        "pg-err-voted"
    );
    // An anonymous browser votes once, and came through the poll's short link.
    let anon = Voter::Browser("browser-2".into());
    programs::vote(
        app,
        org,
        slug,
        &anon,
        &[ids[0]],
        "10.0.0.6",
        poll.link_code.as_deref(),
    )
    .await
    .unwrap();
    assert_eq!(
        key(programs::vote(app, org, slug, &anon, &[ids[0]], "10.0.0.6", None).await),
        "pg-err-voted"
    );
    // Results only after closing on this poll.
    let page = programs::poll_page(app, org, slug, &anon).await.unwrap();
    assert_eq!(page.mine, Some(vec![ids[0]]));
    assert!(page.results.is_none());
    programs::close_poll(app, &b.editor, poll.id).await.unwrap();
    let page = programs::poll_page(app, org, slug, &anon).await.unwrap();
    assert_eq!(page.state, PollState::Closed);
    let (res, tally) = page.results.unwrap();
    assert_eq!(tally.ballots, 2);
    assert_eq!(tally.signed_in, 1);
    assert_eq!(res.iter().map(|r| r.votes).sum::<i64>(), 2);
    assert_eq!(res.iter().map(|r| r.percent).sum::<i64>(), 100);
    assert_eq!(
        key(programs::vote(
            app,
            org,
            slug,
            &Voter::Browser("b3".into()),
            &[ids[0]],
            "10.0.0.7",
            None
        )
        .await),
        "pg-err-closed"
    );
    let r = programs::poll_results(app, &b.analyst, poll.id)
        .await
        .unwrap();
    assert_eq!(r.sources.len(), 1, "the short-link ballot is attributed");
    assert_eq!(r.sources[0].n, 1);
    let csv = programs::results_csv(&r).unwrap();
    assert!(csv.starts_with("option,votes,percent\n"), "{csv}");
    assert!(csv.contains("ballots,2,"));
});

dual_test!(
    anonymous_votes_need_the_poll_to_allow_them,
    |store| async move {
        let b = Bench::new(store).await;
        let org = b.admin.org;
        let app = &b.app;
        programs::create_poll(
            app,
            &b.editor,
            &poll_input("Hanya anggota?", false, "after_vote"),
        )
        .await
        .unwrap();
        let anon = Voter::Browser("browser-9".into());
        let page = programs::poll_page(app, org, "hanya-anggota", &anon)
            .await
            .unwrap();
        assert!(page.needs_sign_in);
        let id = page.options[0].id;
        assert_eq!(
            key(programs::vote(app, org, "hanya-anggota", &anon, &[id], "10.0.1.1", None).await),
            "pg-err-sign-in"
        );
        // Per address: at most ten ballots a minute, signed in or not.
        programs::create_poll(app, &b.editor, &poll_input("Terbuka?", true, "after_vote"))
            .await
            .unwrap();
        let page = programs::poll_page(app, org, "terbuka", &anon)
            .await
            .unwrap();
        let id = page.options[0].id;
        for n in 0..10 {
            programs::vote(
                app,
                org,
                "terbuka",
                &Voter::Browser(format!("b{n}")),
                &[id],
                "10.0.1.2",
                None,
            )
            .await
            .unwrap();
        }
        assert_eq!(
            key(programs::vote(
                app,
                org,
                "terbuka",
                &Voter::Browser("b10".into()),
                &[id],
                "10.0.1.2",
                None
            )
            .await),
            "pg-err-slow-down"
        );
        let page = programs::poll_page(app, org, "terbuka", &Voter::Browser("b1".into()))
            .await
            .unwrap();
        let (res, _) = page.results.unwrap();
        assert_eq!(res[0].votes, 10);
        assert_eq!(res[0].percent, 100);
    }
);

dual_test!(
    a_posts_short_link_credits_sign_ups_and_votes_to_it,
    |store| async move {
        let b = Bench::new(store).await;
        let org = b.admin.org;
        let app = &b.app;
        let practice = siar_app::channels::connect_practice(app, &b.admin)
            .await
            .unwrap();
        let post = siar_app::publishing::schedule(
            app,
            &b.editor,
            &siar_app::publishing::PostInput {
                text: "Ikuti jajak pendapat kami!".into(),
                channels: vec![practice],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut tx = app.store.begin().await.unwrap();
        siar_store::links::insert(
            &mut tx,
            org,
            &siar_store::links::NewLink {
                code: "jajak-dongeng",
                target: "http://127.0.0.1:8080/jajak/dongeng",
                label: "Jajak",
                channel_id: Some(practice),
                post_id: Some(post),
                campaign: Some("palembangbaca"),
                created_by: None,
            },
            siar_domain::Clock::now(&b.clock),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        programs::create_poll(
            app,
            &b.editor,
            &PollInput {
                slug: "dongeng".into(),
                ..poll_input("Dongeng favorit?", true, "after_vote")
            },
        )
        .await
        .unwrap();
        let (_, s) = sign_in(&b, "baru@mail.example", "Pembaca Baru").await;
        programs::credit_signup(app, &s, Some("jajak-dongeng"))
            .await
            .unwrap();
        programs::credit_signup(app, &s, Some("jajak-dongeng"))
            .await
            .unwrap();
        // A code of nobody's, or none: nothing credited.
        programs::credit_signup(app, &s, Some("tidak-ada"))
            .await
            .unwrap();
        let voter = Voter::of(Some(&s), "x");
        let page = programs::poll_page(app, org, "dongeng", &voter)
            .await
            .unwrap();
        programs::vote(
            app,
            org,
            "dongeng",
            &voter,
            &[page.options[0].id],
            "10.9.0.1",
            Some("jajak-dongeng"),
        )
        .await
        .unwrap();
        programs::vote(
            app,
            org,
            "dongeng",
            &Voter::Browser("anon".into()),
            &[page.options[1].id],
            "10.9.0.2",
            None,
        )
        .await
        .unwrap();
        let got = programs::participations_of_post(app, &b.analyst, post)
            .await
            .unwrap();
        assert_eq!(
            got,
            vec![("poll".to_string(), 1), ("signup".to_string(), 1)]
        );
        let r = programs::poll_results(app, &b.analyst, page.poll.id)
            .await
            .unwrap();
        assert_eq!(r.tally.ballots, 2);
        assert_eq!(
            r.sources.len(),
            1,
            "only the ballot that came through the link"
        );
        assert_eq!(r.sources[0].post_id, Some(post));
        assert_eq!(r.sources[0].channel_id, Some(practice));
        assert_eq!(r.sources[0].campaign.as_deref(), Some("palembangbaca"));
    }
);

dual_test!(
    a_poll_is_edited_and_keeps_its_votes_and_caps,
    |store| async move {
        let b = Bench::new(store).await;
        let org = b.admin.org;
        let app = &b.app;
        let mut input = poll_input("Buku apa?", true, "after_vote");
        input.address_cap = "2".into();
        let id = programs::create_poll(app, &b.editor, &input).await.unwrap();
        // Before anyone votes, options may change.
        input.options = "Komik\nDongeng".into();
        input.question = "Buku apa yang kamu suka?".into();
        input.slug = "alamat-baru".into();
        programs::update_poll(app, &b.editor, id, &input)
            .await
            .unwrap();
        let r = programs::poll_results(app, &b.editor, id).await.unwrap();
        assert_eq!(r.poll.question, "Buku apa yang kamu suka?");
        assert_eq!(r.poll.slug, "buku-apa", "the address stays");
        assert_eq!(r.options.len(), 2);
        assert!(matches!(
            programs::update_poll(app, &b.analyst, id, &input).await,
            Err(AppError::Forbidden)
        ));
        // The poll's own cap: two anonymous ballots per network address per hour.
        let opt = r.options[0].option.id;
        for n in 0..2 {
            programs::vote(
                app,
                org,
                "buku-apa",
                &Voter::Browser(format!("b{n}")),
                &[opt],
                "10.7.7.7",
                None,
            )
            .await
            .unwrap();
        }
        assert_eq!(
            key(programs::vote(
                app,
                org,
                "buku-apa",
                &Voter::Browser("b3".into()),
                &[opt],
                "10.7.7.7",
                None
            )
            .await),
            "pg-err-slow-down"
        );
        let listed = programs::polls(app, &b.analyst).await.unwrap();
        assert_eq!(listed.iter().find(|p| p.poll.id == id).unwrap().ballots, 2);
        // Once voted, options stay; the rest may change and the votes stay.
        input.options = "Komik\nDongeng\nNovel".into();
        assert_eq!(
            key(programs::update_poll(app, &b.editor, id, &input).await),
            "pg-err-options-locked"
        );
        input.options = "Komik\nDongeng".into();
        input.description = "Pilihan terbanyak dipajang di rak depan.".into();
        input.address_cap = "50".into();
        programs::update_poll(app, &b.editor, id, &input)
            .await
            .unwrap();
        let r = programs::poll_results(app, &b.editor, id).await.unwrap();
        assert_eq!(r.tally.ballots, 2);
        assert_eq!(r.poll.address_cap, 50);
        programs::vote(
            app,
            org,
            "buku-apa",
            &Voter::Browser("b3".into()),
            &[opt],
            "10.7.7.7",
            None,
        )
        .await
        .unwrap();
    }
);
