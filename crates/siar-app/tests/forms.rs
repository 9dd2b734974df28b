//! Quizzes and surveys (issue 7), on SQLite and PostgreSQL: writing and
//! publishing, one question per page, scoring, explanations, the time limit
//! counted on the server, skip logic, anonymous answers, throttles, points
//! once, and concurrent answers that cannot count twice.

use siar_app::forms::{self, Answered, Reply, Stage};
use siar_app::patrons::{self, PatronSession, SetupInput};
use siar_app::programs::Voter;
use siar_app::{AppError, rewards};
use siar_domain::forms::{FormInput, FormKind, QuestionInput, RawAnswer};
use siar_domain::org::Lang;
use siar_testkit::dual_test;
use siar_testkit::publishing::Bench;
use std::time::Duration;

fn key<T: std::fmt::Debug>(r: Result<T, AppError>) -> &'static str {
    match r {
        Err(AppError::Invalid(p)) => p.0[0].key,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn patron(b: &Bench, email: &str, nickname: &str, leaderboard: bool) -> PatronSession {
    let org = b.admin.org;
    patrons::request_code(&b.app, org, email, Lang::Id, "10.1.0.1")
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
            nickname: nickname.into(),
            consent: true,
            leaderboard,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    patrons::session(&b.app, &token).await.unwrap().unwrap()
}

fn q(kind: &str, prompt: &str, options: &str, required: bool) -> QuestionInput {
    QuestionInput {
        kind: kind.into(),
        prompt: prompt.into(),
        options: options.into(),
        explanation: format!("Penjelasan: {prompt}"),
        required,
        ..QuestionInput::default()
    }
}

fn choose(question: i64, choices: Vec<i64>) -> Reply {
    Reply {
        question,
        answer: RawAnswer {
            choices,
            text: String::new(),
        },
    }
}

fn typed(question: i64, text: &str) -> Reply {
    Reply {
        question,
        answer: RawAnswer {
            choices: Vec::new(),
            text: text.into(),
        },
    }
}

async fn points(b: &Bench, s: &PatronSession) -> i64 {
    let p = rewards::points(&b.app, s).await.unwrap();
    let own = s.active.as_ref().unwrap().id;
    p.balances.iter().find(|x| x.0 == own).unwrap().2
}

/// The question the voter is on: (id, option ids, correct option ids).
async fn current(
    b: &Bench,
    kind: FormKind,
    slug: &str,
    v: &Voter,
) -> Option<(i64, Vec<i64>, Vec<i64>)> {
    let p = forms::page(&b.app, b.admin.org, kind, slug, v)
        .await
        .unwrap();
    match p.stage {
        Stage::Question { view, .. } => Some((
            view.question.id,
            view.options.iter().map(|o| o.id).collect(),
            view.options
                .iter()
                .filter(|o| o.correct)
                .map(|o| o.id)
                .collect(),
        )),
        _ => None,
    }
}

dual_test!(
    a_quiz_is_written_published_answered_and_scored_once,
    |store| async move {
        let b = Bench::new(store).await;
        let app = &b.app;
        let org = b.admin.org;
        // The analyst may read but not write.
        assert!(matches!(
            forms::create(app, &b.analyst, FormKind::Quiz, &FormInput::default()).await,
            Err(AppError::Forbidden)
        ));
        let id = forms::create(
            app,
            &b.editor,
            FormKind::Quiz,
            &FormInput {
                title: "Kuis Palembang".into(),
                points: "5".into(),
                leaderboard: true,
                ..FormInput::default()
            },
        )
        .await
        .unwrap();
        // Publishing an empty quiz is refused; a question without a right
        // answer is refused and nothing is added.
        assert_eq!(
            key(forms::publish(app, &b.editor, id).await),
            "fm-err-no-questions"
        );
        assert_eq!(
            key(forms::add_question(
                app,
                &b.editor,
                id,
                &q("single", "Jembatan?", "Ampera\nSuramadu", true)
            )
            .await),
            "fm-err-no-correct"
        );
        assert!(
            forms::admin(app, &b.editor, id)
                .await
                .unwrap()
                .questions
                .is_empty()
        );
        forms::add_question(
            app,
            &b.editor,
            id,
            &q("single", "Jembatan?", "* Ampera\nSuramadu", true),
        )
        .await
        .unwrap();
        forms::add_question(
            app,
            &b.editor,
            id,
            &q("single", "Makanan?", "Rendang\n* Pempek", true),
        )
        .await
        .unwrap();
        forms::add_question(
            app,
            &b.editor,
            id,
            &q("multiple", "Kain?", "* Songket\n* Jumputan\nUlos", true),
        )
        .await
        .unwrap();
        // A draft is not on the portal.
        let rina = patron(&b, "rina@mail.example", "Rina Rajin", true).await;
        let v = Voter::of(Some(&rina), "pre");
        assert!(matches!(
            forms::page(app, org, FormKind::Quiz, "kuis-palembang", &v).await,
            Err(AppError::NotFound)
        ));
        forms::publish(app, &b.editor, id).await.unwrap();
        assert!(
            forms::admin(app, &b.editor, id)
                .await
                .unwrap()
                .form
                .link_code
                .is_some(),
            "a short link for posts"
        );
        // A quiz needs a profile.
        let anon = Voter::Browser("browser-1".into());
        assert_eq!(
            key(forms::start(
                app,
                org,
                FormKind::Quiz,
                "kuis-palembang",
                &anon,
                "10.0.0.9"
            )
            .await),
            "fm-err-sign-in"
        );
        // Answering before starting is refused.
        assert_eq!(
            key(forms::answer(
                app,
                org,
                FormKind::Quiz,
                "kuis-palembang",
                &v,
                &choose(1, vec![]),
                None
            )
            .await),
            "fm-err-not-started"
        );
        forms::start(app, org, FormKind::Quiz, "kuis-palembang", &v, "10.0.0.1")
            .await
            .unwrap();
        // Starting again continues the same response.
        forms::start(app, org, FormKind::Quiz, "kuis-palembang", &v, "10.0.0.1")
            .await
            .unwrap();
        let (q1, _, right1) = current(&b, FormKind::Quiz, "kuis-palembang", &v)
            .await
            .unwrap();
        // An empty answer is refused; nothing is stored.
        assert_eq!(
            key(forms::answer(
                app,
                org,
                FormKind::Quiz,
                "kuis-palembang",
                &v,
                &choose(q1, vec![]),
                None
            )
            .await),
            "fm-err-required"
        );
        assert_eq!(
            forms::answer(
                app,
                org,
                FormKind::Quiz,
                "kuis-palembang",
                &v,
                &choose(q1, right1.clone()),
                None
            )
            .await
            .unwrap(),
            Answered::Next
        );
        // The same question again (a page sent twice) is refused.
        assert_eq!(
            key(forms::answer(
                app,
                org,
                FormKind::Quiz,
                "kuis-palembang",
                &v,
                &choose(q1, right1),
                None
            )
            .await),
            "fm-err-stale"
        );
        // The next page shows whether the last answer was right, with its explanation.
        let p = forms::page(app, org, FormKind::Quiz, "kuis-palembang", &v)
            .await
            .unwrap();
        let Stage::Question {
            index,
            feedback,
            view,
            ..
        } = p.stage
        else {
            panic!("on a question")
        };
        assert_eq!(index, 1);
        let f = feedback.expect("feedback on the first answer");
        assert!(f.correct);
        assert_eq!(f.view.question.explanation, "Penjelasan: Jembatan?");
        // Wrong on the second.
        let wrong = view.options.iter().find(|o| !o.correct).unwrap().id;
        forms::answer(
            app,
            org,
            FormKind::Quiz,
            "kuis-palembang",
            &v,
            &choose(view.question.id, vec![wrong]),
            None,
        )
        .await
        .unwrap();
        // Right on the third (both right options, no more).
        let (q3, _, right3) = current(&b, FormKind::Quiz, "kuis-palembang", &v)
            .await
            .unwrap();
        assert_eq!(
            forms::answer(
                app,
                org,
                FormKind::Quiz,
                "kuis-palembang",
                &v,
                &choose(q3, right3),
                None
            )
            .await
            .unwrap(),
            Answered::Finished
        );
        let p = forms::page(app, org, FormKind::Quiz, "kuis-palembang", &v)
            .await
            .unwrap();
        let Stage::Done { response, review } = p.stage else {
            panic!("finished")
        };
        assert_eq!((response.score, response.out_of), (Some(2), Some(3)));
        assert_eq!(review.len(), 3);
        assert!(!review[1].correct);
        assert_eq!(review[1].right, ["Pempek"]);
        // Points once: 2 right × 5.
        assert_eq!(points(&b, &rina).await, 10);
        assert_eq!(
            key(forms::answer(
                app,
                org,
                FormKind::Quiz,
                "kuis-palembang",
                &v,
                &choose(q3, vec![]),
                None
            )
            .await),
            "fm-err-finished"
        );
        assert_eq!(points(&b, &rina).await, 10);
        // The leaderboard shows the nickname that agreed, not one that did not.
        let dedi = patron(&b, "dedi@mail.example", "Dedi Diam", false).await;
        let vd = Voter::of(Some(&dedi), "pre2");
        forms::start(app, org, FormKind::Quiz, "kuis-palembang", &vd, "10.0.0.2")
            .await
            .unwrap();
        while let Some((qid, _, right)) = current(&b, FormKind::Quiz, "kuis-palembang", &vd).await {
            forms::answer(
                app,
                org,
                FormKind::Quiz,
                "kuis-palembang",
                &vd,
                &choose(qid, right),
                None,
            )
            .await
            .unwrap();
        }
        let p = forms::page(app, org, FormKind::Quiz, "kuis-palembang", &vd)
            .await
            .unwrap();
        let names: Vec<&str> = p.leaderboard.iter().map(|s| s.nickname.as_str()).collect();
        assert_eq!(names, ["Rina Rajin"]);
        // Questions are fixed once answered; settings are not.
        assert_eq!(
            key(forms::add_question(
                app,
                &b.editor,
                id,
                &q("single", "Lagi?", "* Ya\nTidak", true)
            )
            .await),
            "fm-err-has-responses"
        );
        // The address is fixed once published.
        let mut input = FormInput {
            title: "Kuis Palembang".into(),
            points: "5".into(),
            slug: "kuis-lain".into(),
            ..FormInput::default()
        };
        assert_eq!(
            key(forms::update(app, &b.editor, id, &input).await),
            "fm-err-slug-published"
        );
        input.slug = "kuis-palembang".into();
        input.thanks = "Sampai jumpa di perpustakaan!".into();
        forms::update(app, &b.editor, id, &input).await.unwrap();
        // Results: per-question right answers and the average score.
        let r = forms::results(app, &b.analyst, id).await.unwrap();
        assert_eq!((r.started, r.finished), (2, 2));
        assert_eq!(r.average_score, Some(2.5));
        assert_eq!(r.questions[1].correct, 1);
        assert_eq!(
            r.questions[2]
                .options
                .iter()
                .map(|o| o.1)
                .collect::<Vec<_>>(),
            [2, 2, 0]
        );
        let csv = forms::results_csv(&r).unwrap();
        assert!(csv.lines().next().unwrap().contains("1. Jembatan?"));
        assert!(csv.contains("Songket; Jumputan"));
        // Closing stops new starts.
        forms::close(app, &b.editor, id).await.unwrap();
        let tia = patron(&b, "tia@mail.example", "Tia", false).await;
        assert_eq!(
            key(forms::start(
                app,
                org,
                FormKind::Quiz,
                "kuis-palembang",
                &Voter::of(Some(&tia), "p3"),
                "10.0.0.3"
            )
            .await),
            "fm-err-closed"
        );
    }
);

dual_test!(
    a_quiz_time_limit_is_kept_by_the_server,
    |store| async move {
        let b = Bench::new(store).await;
        let app = &b.app;
        let org = b.admin.org;
        let id = forms::create(
            app,
            &b.editor,
            FormKind::Quiz,
            &FormInput {
                title: "Kuis Kilat".into(),
                time_limit: "2".into(),
                points: "3".into(),
                ..FormInput::default()
            },
        )
        .await
        .unwrap();
        for n in 0..3 {
            forms::add_question(
                app,
                &b.editor,
                id,
                &q("single", &format!("Soal {n}"), "* Ya\nTidak", true),
            )
            .await
            .unwrap();
        }
        forms::publish(app, &b.editor, id).await.unwrap();
        let s = patron(&b, "kilat@mail.example", "Si Kilat", false).await;
        let v = Voter::of(Some(&s), "pre");
        forms::start(app, org, FormKind::Quiz, "kuis-kilat", &v, "10.0.0.1")
            .await
            .unwrap();
        let (q1, _, right) = current(&b, FormKind::Quiz, "kuis-kilat", &v).await.unwrap();
        forms::answer(
            app,
            org,
            FormKind::Quiz,
            "kuis-kilat",
            &v,
            &choose(q1, right),
            None,
        )
        .await
        .unwrap();
        let p = forms::page(app, org, FormKind::Quiz, "kuis-kilat", &v)
            .await
            .unwrap();
        let Stage::Question { seconds_left, .. } = p.stage else {
            panic!("on a question")
        };
        assert_eq!(seconds_left, Some(120));
        // Three minutes later the next answer is too late: the quiz is finished
        // with the one answer given, and counts once.
        b.clock.advance(Duration::from_secs(180));
        let (q2, _, right) = current(&b, FormKind::Quiz, "kuis-kilat", &v)
            .await
            .unwrap_or((0, vec![], vec![]));
        // (The page itself already finished it, so the answer sees it finished.)
        let r = forms::answer(
            app,
            org,
            FormKind::Quiz,
            "kuis-kilat",
            &v,
            &choose(q2, right),
            None,
        )
        .await;
        assert!(matches!(
            r,
            Err(AppError::Invalid(_)) | Ok(Answered::TimeUp)
        ));
        let p = forms::page(app, org, FormKind::Quiz, "kuis-kilat", &v)
            .await
            .unwrap();
        let Stage::Done { response, .. } = p.stage else {
            panic!("finished")
        };
        assert!(response.timed_out);
        assert_eq!((response.score, response.out_of), (Some(1), Some(3)));
        assert_eq!(points(&b, &s).await, 3);
        // Without looking at the page first, the late answer itself finishes it.
        let s2 = patron(&b, "lambat@mail.example", "Si Lambat", false).await;
        let v2 = Voter::of(Some(&s2), "pre2");
        forms::start(app, org, FormKind::Quiz, "kuis-kilat", &v2, "10.0.0.2")
            .await
            .unwrap();
        let (q1, _, right) = current(&b, FormKind::Quiz, "kuis-kilat", &v2)
            .await
            .unwrap();
        b.clock.advance(Duration::from_secs(126));
        assert_eq!(
            forms::answer(
                app,
                org,
                FormKind::Quiz,
                "kuis-kilat",
                &v2,
                &choose(q1, right),
                None
            )
            .await
            .unwrap(),
            Answered::TimeUp
        );
        assert_eq!(points(&b, &s2).await, 0);
    }
);

dual_test!(
    a_survey_follows_its_skip_logic_and_keeps_anonymous_answers,
    |store| async move {
        let b = Bench::new(store).await;
        let app = &b.app;
        let org = b.admin.org;
        let id = forms::create(
            app,
            &b.editor,
            FormKind::Survey,
            &FormInput {
                title: "Survei Layanan".into(),
                points: "10".into(),
                allow_anonymous: true,
                address_cap: "3".into(),
                ..FormInput::default()
            },
        )
        .await
        .unwrap();
        // A skip backwards is refused.
        assert_eq!(
            key(forms::add_question(
                app,
                &b.editor,
                id,
                &q("single", "Datang?", "Ya -> 1\nTidak", true)
            )
            .await),
            "fm-err-goto-back"
        );
        forms::add_question(
            app,
            &b.editor,
            id,
            &q("single", "Pernah datang?", "Ya\nTidak -> 4", true),
        )
        .await
        .unwrap();
        forms::add_question(app, &b.editor, id, &q("rating", "Puas?", "", true))
            .await
            .unwrap();
        forms::add_question(app, &b.editor, id, &q("short", "Ruang favorit?", "", false))
            .await
            .unwrap();
        forms::add_question(app, &b.editor, id, &q("nps", "Rekomendasi?", "", true))
            .await
            .unwrap();
        forms::add_question(
            app,
            &b.editor,
            id,
            &q("date", "Kapan ulang tahunmu?", "", false),
        )
        .await
        .unwrap();
        forms::publish(app, &b.editor, id).await.unwrap();
        let slug = "survei-layanan";
        // An anonymous visitor who never came skips straight to question 4.
        let a = Voter::Browser("browser-a".into());
        forms::start(app, org, FormKind::Survey, slug, &a, "10.9.9.9")
            .await
            .unwrap();
        let (q1, opts, _) = current(&b, FormKind::Survey, slug, &a).await.unwrap();
        forms::answer(
            app,
            org,
            FormKind::Survey,
            slug,
            &a,
            &choose(q1, vec![opts[1]]),
            None,
        )
        .await
        .unwrap();
        let p = forms::page(app, org, FormKind::Survey, slug, &a)
            .await
            .unwrap();
        let Stage::Question {
            index,
            view,
            feedback,
            ..
        } = p.stage
        else {
            panic!("on a question")
        };
        assert_eq!(index, 3, "questions 2 and 3 skipped");
        assert!(feedback.is_none(), "surveys have no right answers");
        // Bad numbers are refused; what was typed changes nothing.
        assert_eq!(
            key(forms::answer(
                app,
                org,
                FormKind::Survey,
                slug,
                &a,
                &typed(view.question.id, "11"),
                None
            )
            .await),
            "fm-err-scale"
        );
        forms::answer(
            app,
            org,
            FormKind::Survey,
            slug,
            &a,
            &typed(view.question.id, "9"),
            None,
        )
        .await
        .unwrap();
        let (q5, _, _) = current(&b, FormKind::Survey, slug, &a).await.unwrap();
        assert_eq!(
            key(forms::answer(
                app,
                org,
                FormKind::Survey,
                slug,
                &a,
                &typed(q5, "2026-02-30"),
                None
            )
            .await),
            "fm-err-date"
        );
        // The optional date is skipped: finished.
        assert_eq!(
            forms::answer(app, org, FormKind::Survey, slug, &a, &typed(q5, ""), None)
                .await
                .unwrap(),
            Answered::Finished
        );
        // A signed-in patron answers every question and earns the points once.
        let s = patron(&b, "sari@mail.example", "Sari", false).await;
        let v = Voter::of(Some(&s), "pre-s");
        forms::start(app, org, FormKind::Survey, slug, &v, "10.9.9.9")
            .await
            .unwrap();
        let (q1, opts, _) = current(&b, FormKind::Survey, slug, &v).await.unwrap();
        forms::answer(
            app,
            org,
            FormKind::Survey,
            slug,
            &v,
            &choose(q1, vec![opts[0]]),
            None,
        )
        .await
        .unwrap();
        let (q2, _, _) = current(&b, FormKind::Survey, slug, &v).await.unwrap();
        assert_eq!(
            key(forms::answer(app, org, FormKind::Survey, slug, &v, &typed(q2, ""), None).await),
            "fm-err-required"
        );
        forms::answer(app, org, FormKind::Survey, slug, &v, &typed(q2, "4"), None)
            .await
            .unwrap();
        let (q3, _, _) = current(&b, FormKind::Survey, slug, &v).await.unwrap();
        forms::answer(
            app,
            org,
            FormKind::Survey,
            slug,
            &v,
            &typed(q3, "Ruang anak"),
            None,
        )
        .await
        .unwrap();
        let (q4, _, _) = current(&b, FormKind::Survey, slug, &v).await.unwrap();
        forms::answer(app, org, FormKind::Survey, slug, &v, &typed(q4, "6"), None)
            .await
            .unwrap();
        let (q5, _, _) = current(&b, FormKind::Survey, slug, &v).await.unwrap();
        forms::answer(
            app,
            org,
            FormKind::Survey,
            slug,
            &v,
            &typed(q5, "2015-06-01"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(points(&b, &s).await, 10);
        // The cap of starts per network address (3 per hour) holds.
        forms::start(
            app,
            org,
            FormKind::Survey,
            slug,
            &Voter::Browser("b-2".into()),
            "10.9.9.9",
        )
        .await
        .unwrap();
        assert_eq!(
            key(forms::start(
                app,
                org,
                FormKind::Survey,
                slug,
                &Voter::Browser("b-3".into()),
                "10.9.9.9"
            )
            .await),
            "fm-err-slow-down"
        );
        b.clock.advance(Duration::from_secs(3601));
        forms::start(
            app,
            org,
            FormKind::Survey,
            slug,
            &Voter::Browser("b-3".into()),
            "10.9.9.9",
        )
        .await
        .unwrap();
        // Results: the skipped questions are not counted as answers.
        let r = forms::results(app, &b.editor, id).await.unwrap();
        assert_eq!(r.finished, 2);
        assert_eq!(r.questions[1].answered, 1);
        assert_eq!(r.questions[1].scale.iter().find(|x| x.0 == 4).unwrap().1, 1);
        assert_eq!(r.questions[3].nps, Some(0), "one promoter, one detractor");
        assert_eq!(r.questions[2].texts, ["Ruang anak"]);
        assert_eq!(r.questions[4].skipped, 1);
    }
);

dual_test!(
    two_answers_at_once_finish_and_pay_once,
    |store| async move {
        let b = Bench::new(store).await;
        let app = b.app.clone();
        let org = b.admin.org;
        let id = forms::create(
            &app,
            &b.editor,
            FormKind::Quiz,
            &FormInput {
                title: "Kuis Serentak".into(),
                points: "7".into(),
                ..FormInput::default()
            },
        )
        .await
        .unwrap();
        forms::add_question(
            &app,
            &b.editor,
            id,
            &q("single", "Satu?", "* Ya\nTidak", true),
        )
        .await
        .unwrap();
        forms::publish(&app, &b.editor, id).await.unwrap();
        let s = patron(&b, "serentak@mail.example", "Serentak", false).await;
        let v = Voter::of(Some(&s), "pre");
        forms::start(&app, org, FormKind::Quiz, "kuis-serentak", &v, "10.0.0.1")
            .await
            .unwrap();
        let (q1, _, right) = current(&b, FormKind::Quiz, "kuis-serentak", &v)
            .await
            .unwrap();
        let reply = choose(q1, right);
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (app, v, reply) = (app.clone(), v.clone(), reply.clone());
                tokio::spawn(async move {
                    forms::answer(&app, org, FormKind::Quiz, "kuis-serentak", &v, &reply, None)
                        .await
                })
            })
            .collect();
        let mut finished = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(Answered::Finished) => finished += 1,
                Err(AppError::Invalid(_)) => {}
                Err(AppError::Store(e)) => {
                    // SQLite may report a busy writer instead; it changed nothing.
                    assert!(
                        e.to_string().contains("lock") || e.to_string().contains("busy"),
                        "{e}"
                    );
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        // Every request that saw the quiz complete says so (a late one finds
        // it finished by the first); the answer is stored and paid once.
        assert!(finished >= 1);
        assert_eq!(points(&b, &s).await, 7);
        let r = forms::results(&app, &b.editor, id).await.unwrap();
        assert_eq!(r.answers.len(), 1);
        assert_eq!(r.finished, 1);
    }
);

dual_test!(
    removing_a_question_moves_skip_targets_with_it,
    |store| async move {
        let b = Bench::new(store).await;
        let app = &b.app;
        let id = forms::create(
            app,
            &b.editor,
            FormKind::Survey,
            &FormInput {
                title: "Survei Geser".into(),
                ..FormInput::default()
            },
        )
        .await
        .unwrap();
        forms::add_question(
            app,
            &b.editor,
            id,
            &q("single", "A?", "Ya -> 4\nTidak -> selesai", true),
        )
        .await
        .unwrap();
        let q2 = forms::add_question(app, &b.editor, id, &q("short", "B?", "", false))
            .await
            .unwrap();
        forms::add_question(app, &b.editor, id, &q("short", "C?", "", false))
            .await
            .unwrap();
        forms::add_question(app, &b.editor, id, &q("short", "D?", "", false))
            .await
            .unwrap();
        forms::delete_question(app, &b.editor, id, q2)
            .await
            .unwrap();
        let a = forms::admin(app, &b.editor, id).await.unwrap();
        let prompts: Vec<(i64, &str)> = a
            .questions
            .iter()
            .map(|v| (v.question.position, v.question.prompt.as_str()))
            .collect();
        assert_eq!(prompts, [(1, "A?"), (2, "C?"), (3, "D?")]);
        assert_eq!(a.questions[0].options_text(), "Ya -> 3\nTidak -> selesai");
        // Editing keeps the position and checks again.
        let first = a.questions[0].question.id;
        assert_eq!(
            key(forms::update_question(
                app,
                &b.editor,
                id,
                first,
                &q("single", "A?", "Ya -> 1\nTidak", true)
            )
            .await),
            "fm-err-goto-back"
        );
        forms::update_question(
            app,
            &b.editor,
            id,
            first,
            &q("single", "A lagi?", "Ya\nTidak -> 3", true),
        )
        .await
        .unwrap();
        let a = forms::admin(app, &b.editor, id).await.unwrap();
        assert_eq!(a.questions[0].question.prompt, "A lagi?");
        assert_eq!(a.questions[0].options_text(), "Ya\nTidak -> 3");
    }
);
