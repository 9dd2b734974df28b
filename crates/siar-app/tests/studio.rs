//! The content studio on both engines: drafts that are never lost, review and
//! approval, rescheduling, overdue reviews, campaigns and hashtag groups.

use siar_app::AppError;
use siar_app::studio::{self, DraftInput, SaveKind, Saved};
use siar_domain::Timestamp;
use siar_domain::publishing::DeliveryState;
use siar_domain::studio::{CampaignForm, Category, PostEventKind, PostStatus};
use siar_testkit::dual_test;
use siar_testkit::publishing::Bench;
use std::time::Duration;

async fn practice(b: &Bench) -> i64 {
    siar_app::channels::connect_practice(&b.app, &b.admin)
        .await
        .unwrap()
}

fn draft(text: &str, channels: Vec<i64>) -> DraftInput {
    DraftInput {
        text: text.into(),
        channels,
        shorten_links: true,
        ..Default::default()
    }
}

fn saved_id(s: Saved) -> (i64, i64) {
    match s {
        Saved::Saved { id, version } => (id, version),
        other => panic!("not saved: {other:?}"),
    }
}

async fn campaign(b: &Bench) -> i64 {
    studio::save_campaign(
        &b.app,
        &b.editor,
        None,
        &CampaignForm {
            name: "#PalembangBaca 2026".into(),
            goal: "Mengajak warga membaca setiap hari".into(),
            starts_on: "2026-01-01".into(),
            ends_on: "2030-12-31".into(),
            hashtags: "#PalembangBaca, #MingguBukuPalembang".into(),
            audiences: vec!["anak".into(), "orang_tua".into()],
            budget: "Rp 1.500.000".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

dual_test!(
    a_draft_goes_through_review_to_the_channel,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = practice(&b).await;
        let camp = campaign(&b).await;
        let at = b.clock.now_ts().plus(Duration::from_secs(3600));

        // A draft with problems (no channel yet) can be saved ...
        let mut input = draft(
            "Ayo baca bersama! #palembangbaca https://perpustakaan.example/katalog",
            vec![],
        );
        input.publish_at = Some(at);
        input.category = Some(Category::ProgramMembaca);
        input.campaign_id = Some(camp);
        input.notes = "Cek dulu jam buka".into();
        let (id, v1) = saved_id(
            studio::save(&b.app, &b.contributor, None, 0, &input, SaveKind::Manual)
                .await
                .unwrap(),
        );
        assert_eq!(v1, 1);
        // ... but not submitted: every problem is named.
        match studio::submit(&b.app, &b.contributor, id, v1).await {
            Err(AppError::PostRefused(r)) => {
                assert!(r.problems.for_field("channels").is_some(), "{r:?}")
            }
            other => panic!("{other:?}"),
        }
        input.channels = vec![ch];
        let (_, v2) = saved_id(
            studio::save(
                &b.app,
                &b.contributor,
                Some(id),
                v1,
                &input,
                SaveKind::Autosave,
            )
            .await
            .unwrap(),
        );
        assert_eq!(v2, 2);
        // A contributor cannot approve their own post.
        assert!(matches!(
            studio::approve(&b.app, &b.contributor, id, v2).await,
            Err(AppError::Forbidden)
        ));
        studio::submit(&b.app, &b.contributor, id, v2)
            .await
            .unwrap();

        // The editor is told, and asks for a change (a comment is required).
        let notes = studio::notifications(&b.app, &b.editor).await.unwrap();
        assert_eq!(notes[0].kind, "note-submitted");
        assert_eq!(notes[0].link, format!("/app/tulis/{id}"));
        assert_eq!(studio::unread(&b.app, &b.editor).await.unwrap(), 1);
        assert!(matches!(
            studio::request_changes(&b.app, &b.editor, id, "  ").await,
            Err(AppError::Invalid(_))
        ));
        // While it is in review its author cannot change it.
        let v = studio::open(&b.app, &b.contributor, id).await.unwrap();
        assert_eq!(v.post.status, PostStatus::InReview);
        assert!(matches!(
            studio::save(
                &b.app,
                &b.contributor,
                Some(id),
                v.post.version,
                &input,
                SaveKind::Manual
            )
            .await,
            Err(AppError::Invalid(_))
        ));
        studio::request_changes(&b.app, &b.editor, id, "Tambahkan jam buka, ya.")
            .await
            .unwrap();
        let notes = studio::notifications(&b.app, &b.contributor).await.unwrap();
        assert_eq!(notes[0].kind, "note-changes-requested");
        assert_eq!(notes[0].args["comment"], "Tambahkan jam buka, ya.");

        // The contributor fixes it and submits again; the editor approves.
        let v = studio::open(&b.app, &b.contributor, id).await.unwrap();
        assert_eq!(v.post.status, PostStatus::ChangesRequested);
        input.text.push_str("\nBuka pukul 08.00–16.00.");
        let (_, v3) = saved_id(
            studio::save(
                &b.app,
                &b.contributor,
                Some(id),
                v.post.version,
                &input,
                SaveKind::Manual,
            )
            .await
            .unwrap(),
        );
        studio::submit(&b.app, &b.contributor, id, v3)
            .await
            .unwrap();
        let v = studio::open(&b.app, &b.editor, id).await.unwrap();
        // An approval from a stale page is refused.
        assert!(
            studio::approve(&b.app, &b.editor, id, v.post.version - 1)
                .await
                .is_err()
        );
        studio::approve(&b.app, &b.editor, id, v.post.version)
            .await
            .unwrap();
        let notes = studio::notifications(&b.app, &b.contributor).await.unwrap();
        assert_eq!(notes[0].kind, "note-approved");

        let view = siar_app::publishing::get(&b.app, &b.editor, id)
            .await
            .unwrap();
        assert_eq!(view.post.status, PostStatus::Scheduled);
        assert_eq!(view.post.publish_at, at);
        let d = &view.deliveries[0].delivery;
        assert_eq!(d.state, DeliveryState::Scheduled);
        // The hashtag takes the campaign's spelling; the link became a short link.
        assert!(d.text.contains("#PalembangBaca"), "{}", d.text);
        assert!(
            !d.text.contains("perpustakaan.example/katalog"),
            "{}",
            d.text
        );
        assert!(d.text.contains("http://127.0.0.1:9/l/"), "{}", d.text);
        let links = siar_app::links::list(&b.app, &b.editor).await.unwrap();
        let l = &links[0].0;
        assert_eq!(
            l.target,
            "https://perpustakaan.example/katalog?utm_source=practice&utm_medium=social&utm_campaign=palembangbaca-2026"
        );
        assert_eq!(l.post_id, Some(id));
        assert_eq!(l.channel_id, Some(ch));

        // The history tells the whole story.
        let kinds: Vec<_> = studio::open(&b.app, &b.editor, id)
            .await
            .unwrap()
            .events
            .iter()
            .map(|(e, _)| e.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![
                PostEventKind::Created,
                PostEventKind::Submitted,
                PostEventKind::ChangesRequested,
                PostEventKind::Submitted,
                PostEventKind::Approved
            ]
        );

        // At its time it goes out, once.
        b.clock.advance(Duration::from_secs(3601));
        b.worker("w").drain(10).await.unwrap();
        let view = siar_app::publishing::get(&b.app, &b.editor, id)
            .await
            .unwrap();
        assert_eq!(view.deliveries[0].delivery.state, DeliveryState::Published);
    }
);

dual_test!(
    two_people_saving_at_once_both_keep_their_text,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = practice(&b).await;
        let (id, v1) = saved_id(
            studio::save(
                &b.app,
                &b.contributor,
                None,
                0,
                &draft("Versi pertama", vec![ch]),
                SaveKind::Manual,
            )
            .await
            .unwrap(),
        );
        // Both opened version 1; the editor sees the contributor is there.
        let seen = studio::open(&b.app, &b.editor, id).await.unwrap();
        assert_eq!(seen.others, vec!["Sari Kontributor".to_string()]);
        let (_, v2) = saved_id(
            studio::save(
                &b.app,
                &b.editor,
                Some(id),
                v1,
                &draft("Teks dari editor", vec![ch]),
                SaveKind::Autosave,
            )
            .await
            .unwrap(),
        );
        let late = studio::save(
            &b.app,
            &b.contributor,
            Some(id),
            v1,
            &draft("Teks dari kontributor", vec![ch]),
            SaveKind::Autosave,
        )
        .await
        .unwrap();
        let Saved::Conflict { version, .. } = late else {
            panic!("{late:?}")
        };
        assert_eq!(version, v2);
        // The newer text stands; the late one is kept for its writer to merge.
        let v = studio::open(&b.app, &b.contributor, id).await.unwrap();
        assert_eq!(v.post.text, "Teks dari editor");
        assert_eq!(v.conflicts.len(), 1);
        assert_eq!(v.conflicts[0].text, "Teks dari kontributor");
        // The editor's view does not show the contributor's kept copy as theirs.
        assert!(
            studio::open(&b.app, &b.editor, id)
                .await
                .unwrap()
                .conflicts
                .is_empty()
        );
        // People who cannot write drafts cannot save one.
        assert!(matches!(
            studio::save(
                &b.app,
                &b.analyst,
                None,
                0,
                &draft("x", vec![]),
                SaveKind::Manual
            )
            .await,
            Err(AppError::Forbidden)
        ));
        // Ids from another organisation's world are refused, nothing saved.
        assert!(matches!(
            studio::save(
                &b.app,
                &b.contributor,
                None,
                0,
                &draft("x", vec![987_654]),
                SaveKind::Manual
            )
            .await,
            Err(AppError::Invalid(_))
        ));
    }
);

dual_test!(moving_posts_and_overdue_reviews, |store| async move {
    let b = Bench::new(store).await;
    let ch = practice(&b).await;
    let now = b.clock.now_ts();
    let mut input = draft("Jadwal dipindah", vec![ch]);
    input.publish_at = Some(now.plus(Duration::from_secs(7200)));
    let (id, v) = saved_id(
        studio::save(&b.app, &b.editor, None, 0, &input, SaveKind::Manual)
            .await
            .unwrap(),
    );
    // An editor's own draft is scheduled without review.
    studio::approve(&b.app, &b.editor, id, v).await.unwrap();
    // A move to the past is refused and changes nothing.
    let past = Timestamp(now.0 - 300_000);
    assert!(matches!(
        studio::reschedule(&b.app, &b.editor, id, past).await,
        Err(AppError::Invalid(_))
    ));
    let later = now.plus(Duration::from_secs(86_400));
    studio::reschedule(&b.app, &b.editor, id, later)
        .await
        .unwrap();
    let view = siar_app::publishing::get(&b.app, &b.editor, id)
        .await
        .unwrap();
    assert_eq!(view.post.publish_at, later);
    assert_eq!(view.deliveries[0].delivery.publish_at, later);
    // Nothing goes out at the old time ...
    b.clock.advance(Duration::from_secs(7300));
    b.worker("w").drain(10).await.unwrap();
    let view = siar_app::publishing::get(&b.app, &b.editor, id)
        .await
        .unwrap();
    assert_eq!(view.deliveries[0].delivery.state, DeliveryState::Scheduled);
    // ... it does at the new one.
    b.clock.set(later.plus(Duration::from_secs(1)));
    b.worker("w").drain(10).await.unwrap();
    let view = siar_app::publishing::get(&b.app, &b.editor, id)
        .await
        .unwrap();
    assert_eq!(view.deliveries[0].delivery.state, DeliveryState::Published);
    // A contributor cannot move a scheduled post.
    assert!(matches!(
        studio::reschedule(
            &b.app,
            &b.contributor,
            id,
            later.plus(Duration::from_secs(86_400))
        )
        .await,
        Err(AppError::Forbidden)
    ));

    // A post waiting for review past its time goes back to the editors, once.
    let now = b.clock.now_ts();
    let mut input = draft("Menunggu tinjauan", vec![ch]);
    input.publish_at = Some(now.plus(Duration::from_secs(600)));
    let (rid, rv) = saved_id(
        studio::save(&b.app, &b.contributor, None, 0, &input, SaveKind::Manual)
            .await
            .unwrap(),
    );
    studio::submit(&b.app, &b.contributor, rid, rv)
        .await
        .unwrap();
    assert_eq!(studio::flag_overdue_reviews(&b.app).await.unwrap(), 0);
    b.clock.advance(Duration::from_secs(900));
    assert_eq!(studio::flag_overdue_reviews(&b.app).await.unwrap(), 1);
    assert_eq!(studio::flag_overdue_reviews(&b.app).await.unwrap(), 0);
    let notes = studio::notifications(&b.app, &b.editor).await.unwrap();
    assert_eq!(notes[0].kind, "note-overdue");
    // Approving it now is refused: its time has passed.
    let v = studio::open(&b.app, &b.editor, rid).await.unwrap();
    match studio::approve(&b.app, &b.editor, rid, v.post.version).await {
        Err(AppError::PostRefused(r)) => {
            assert!(r.problems.for_field("publish_at").is_some(), "{r:?}")
        }
        other => panic!("{other:?}"),
    }
    // The editor picks a new time, then approves.
    studio::reschedule(
        &b.app,
        &b.editor,
        rid,
        b.clock.now_ts().plus(Duration::from_secs(600)),
    )
    .await
    .unwrap();
    let v = studio::open(&b.app, &b.editor, rid).await.unwrap();
    studio::approve(&b.app, &b.editor, rid, v.post.version)
        .await
        .unwrap();
    assert!(studio::mark_read(&b.app, &b.editor, None).await.unwrap() >= 2);
    assert_eq!(studio::unread(&b.app, &b.editor).await.unwrap(), 0);
});

dual_test!(campaigns_and_hashtag_groups, |store| async move {
    let b = Bench::new(store).await;
    let id = campaign(&b).await;
    let (c, posts) = studio::campaign(&b.app, &b.analyst, id).await.unwrap();
    assert_eq!(c.slug, "palembangbaca-2026");
    assert_eq!(c.hashtags, vec!["#PalembangBaca", "#MingguBukuPalembang"]);
    assert_eq!(c.budget, 1_500_000);
    assert!(posts.is_empty());
    // The same slug again is refused by name.
    let again = studio::save_campaign(
        &b.app,
        &b.editor,
        None,
        &CampaignForm {
            name: "#PalembangBaca 2026".into(),
            starts_on: "2026-01-01".into(),
            ends_on: "2026-02-01".into(),
            ..Default::default()
        },
    )
    .await;
    match again {
        Err(AppError::Invalid(p)) => assert_eq!(p.0[0].key, "err-campaign-slug-taken"),
        other => panic!("{other:?}"),
    }
    // A hashtag with a space is refused; nothing changes.
    let bad = studio::save_campaign(
        &b.app,
        &b.editor,
        Some(id),
        &CampaignForm {
            name: "#PalembangBaca 2026".into(),
            starts_on: "2026-01-01".into(),
            ends_on: "2026-02-01".into(),
            hashtags: "#Palembang Baca".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(bad, Err(AppError::Invalid(_))));
    assert_eq!(studio::campaign(&b.app, &b.editor, id).await.unwrap().0, c);
    // Only editors and admins plan campaigns.
    assert!(matches!(
        studio::save_campaign(&b.app, &b.contributor, None, &CampaignForm::default()).await,
        Err(AppError::Forbidden)
    ));
    studio::add_hashtag_group(&b.app, &b.editor, "Literasi", "#LiterasiAnak #BacaBuku")
        .await
        .unwrap();
    assert!(
        studio::add_hashtag_group(&b.app, &b.editor, "Salah", "#baca buku")
            .await
            .is_err()
    );
    let s = studio::hashtag_suggestions(&b.app, &b.contributor, Some(id))
        .await
        .unwrap();
    assert_eq!(
        s,
        vec![
            "#PalembangBaca",
            "#MingguBukuPalembang",
            "#LiterasiAnak",
            "#BacaBuku"
        ]
    );
    let g = studio::hashtag_groups(&b.app, &b.editor).await.unwrap();
    studio::remove_hashtag_group(&b.app, &b.editor, g[0].id)
        .await
        .unwrap();
    assert!(
        studio::hashtag_groups(&b.app, &b.editor)
            .await
            .unwrap()
            .is_empty()
    );
});

dual_test!(calendar_queues_repeats_and_csv, |store| async move {
    use siar_app::calendar::{self, CalendarFilter};
    use siar_domain::studio::{CalState, Repeat};
    let b = Bench::new(store).await;
    let ch = practice(&b).await;
    let now = b.clock.now_ts();
    let week = Duration::from_secs(7 * 86_400);

    // A queue: every day at 09:00 and 19:00 WIB; "add to queue" takes the
    // next free slot, and a taken slot is skipped.
    assert_eq!(
        calendar::next_slot(&b.app, &b.editor, &[ch]).await.unwrap(),
        None
    );
    assert!(matches!(
        calendar::set_queue(
            &b.app,
            &b.editor,
            ch,
            &[1, 2, 3, 4, 5, 6, 7],
            "09:00, 25:00"
        )
        .await,
        Err(AppError::Invalid(_))
    ));
    calendar::set_queue(
        &b.app,
        &b.editor,
        ch,
        &[1, 2, 3, 4, 5, 6, 7],
        "19.00, 09:00",
    )
    .await
    .unwrap();
    let first = calendar::next_slot(&b.app, &b.editor, &[ch])
        .await
        .unwrap()
        .unwrap();
    let mut input = draft("Slot pertama", vec![ch]);
    input.publish_at = Some(first);
    let (id, v) = saved_id(
        studio::save(&b.app, &b.editor, None, 0, &input, SaveKind::Manual)
            .await
            .unwrap(),
    );
    studio::approve(&b.app, &b.editor, id, v).await.unwrap();
    let second = calendar::next_slot(&b.app, &b.editor, &[ch])
        .await
        .unwrap()
        .unwrap();
    assert!(second.0 > first.0);
    assert_eq!((second.0 - first.0) % 3_600_000, 0, "on the hour");

    // A recurring post: every week for three more weeks.
    let mut weekly = draft("Dongeng Sabtu", vec![ch]);
    let start = now.plus(Duration::from_secs(86_400));
    weekly.publish_at = Some(start);
    let first_day = start
        .to_utc()
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .date_naive();
    weekly.repeat = Repeat::parse(
        "1",
        "weeks",
        &(first_day + chrono::Duration::days(21)).to_string(),
        Some(first_day),
    )
    .unwrap();
    let (wid, wv) = saved_id(
        studio::save(&b.app, &b.editor, None, 0, &weekly, SaveKind::Manual)
            .await
            .unwrap(),
    );
    studio::approve(&b.app, &b.editor, wid, wv).await.unwrap();
    let items = calendar::items(
        &b.app,
        &b.editor,
        now,
        now.plus(week * 5),
        &CalendarFilter::default(),
    )
    .await
    .unwrap();
    let series: Vec<_> = items
        .iter()
        .filter(|i| i.post.text == "Dongeng Sabtu")
        .collect();
    assert_eq!(series.len(), 4);
    assert!(series.iter().all(|i| i.post.series_id == Some(wid)));
    assert_eq!(series[1].post.publish_at, start.plus(week));
    assert!(series.iter().all(|i| i.state == CalState::Scheduled));
    // Filters: by state and channel.
    let drafts = calendar::items(
        &b.app,
        &b.editor,
        now,
        now.plus(week * 5),
        &CalendarFilter {
            state: Some(CalState::Draft),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(drafts.is_empty());
    let none = calendar::items(
        &b.app,
        &b.editor,
        now,
        now.plus(week * 5),
        &CalendarFilter {
            channel: Some(ch + 1000),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(none.is_empty());

    // CSV out and in: bad rows are named by row and column; nothing is
    // imported until the valid rows are confirmed.
    let csv = calendar::export_csv(
        &b.app,
        &b.editor,
        now,
        now.plus(week * 5),
        &CalendarFilter::default(),
    )
    .await
    .unwrap();
    assert!(csv.starts_with("\u{feff}tanggal,jam,kanal,teks"));
    assert!(csv.contains("practice:"));
    let tomorrow = (now
        .to_utc()
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .date_naive()
        + chrono::Duration::days(2))
    .to_string();
    let long = "a".repeat(5001);
    let input = format!(
        "tanggal,jam,kanal,teks,kategori\n\
         {tomorrow},09:00,practice:latihan,Baca bareng di taman,program_membaca\n\
         31-12-2026,09:00,practice:latihan,Tanggal salah,\n\
         {tomorrow},10:00,facebook:tidakada,Kanal tak dikenal,\n\
         {tomorrow},11:00,practice:latihan,{long},\n\
         {tomorrow},12:00,practice:latihan,Kategori aneh,berita\n"
    );
    let p = calendar::preview_import(&b.app, &b.contributor, &input)
        .await
        .unwrap();
    assert_eq!(p.rows, 5);
    assert_eq!(p.valid.len(), 1, "{:?}", p.problems);
    let at: Vec<_> = p
        .problems
        .iter()
        .map(|x| (x.row, x.column, x.key))
        .collect();
    assert!(at.contains(&(2, "tanggal", "err-csv-date")), "{at:?}");
    assert!(at.contains(&(3, "kanal", "err-csv-channel")), "{at:?}");
    assert!(at.contains(&(4, "teks", "rule-text-too-long")), "{at:?}");
    assert!(at.contains(&(5, "kategori", "err-csv-category")), "{at:?}");
    assert_eq!(
        studio::my_drafts(&b.app, &b.contributor)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        calendar::import(&b.app, &b.contributor, &input)
            .await
            .unwrap(),
        1
    );
    let mine = studio::my_drafts(&b.app, &b.contributor).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].text, "Baca bareng di taman");
    assert!(matches!(
        calendar::preview_import(&b.app, &b.contributor, "a,b\n1,2\n").await,
        Err(AppError::Invalid(_))
    ));
});

dual_test!(templates_and_the_librarys_own_days, |store| async move {
    let b = Bench::new(store).await;
    studio::add_template(
        &b.app,
        &b.editor,
        "Bedah buku",
        "Bedah buku {judul} pada {tanggal}. Daftar: {tautan}",
        Some(Category::AcaraVirtual),
    )
    .await
    .unwrap();
    assert!(matches!(
        studio::add_template(&b.app, &b.editor, " ", "x", None).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        studio::add_template(&b.app, &b.contributor, "x", "y", None).await,
        Err(AppError::Forbidden)
    ));
    let t = studio::templates(&b.app, &b.contributor).await.unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].category, Some(Category::AcaraVirtual));
    studio::remove_template(&b.app, &b.editor, t[0].id)
        .await
        .unwrap();
    assert!(
        studio::templates(&b.app, &b.editor)
            .await
            .unwrap()
            .is_empty()
    );

    // A yearly day shows in every year's range; a one-off only once.
    studio::add_day(
        &b.app,
        &b.admin,
        "2026-03-20",
        "Hari jadi perpustakaan",
        "Ceritakan sejarahnya",
        true,
    )
    .await
    .unwrap();
    studio::add_day(&b.app, &b.admin, "2026-12-05", "Kunjungan SD 12", "", false)
        .await
        .unwrap();
    assert!(matches!(
        studio::add_day(&b.app, &b.admin, "20-03-2026", "x", "", true).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        studio::add_day(&b.app, &b.editor, "2026-03-20", "x", "", true).await,
        Err(AppError::Forbidden)
    ));
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let days = studio::days_between(&b.app, &b.editor, d("2027-03-01"), d("2027-03-31"))
        .await
        .unwrap();
    assert!(
        days.iter()
            .any(|x| x.name_id == "Hari jadi perpustakaan" && x.date == d("2027-03-20"))
    );
    let days = studio::days_between(&b.app, &b.editor, d("2027-12-01"), d("2027-12-31"))
        .await
        .unwrap();
    assert!(!days.iter().any(|x| x.name_id == "Kunjungan SD 12"));
    let days = studio::days_between(&b.app, &b.editor, d("2026-12-01"), d("2026-12-31"))
        .await
        .unwrap();
    assert!(days.iter().any(|x| x.name_id == "Kunjungan SD 12"));
    // National days are still there, in date order.
    assert!(days.iter().any(|x| x.date == d("2026-12-25")));
    assert!(days.windows(2).all(|w| w[0].date <= w[1].date));
});

fn words(lang: siar_domain::org::Lang, key: &str, args: &[(&str, String)]) -> String {
    let a: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("[{}] {key} {}", lang.code(), a.join(" "))
}

dual_test!(
    review_steps_are_emailed_when_smtp_is_set,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = practice(&b).await;
        let smtp = siar_testkit::smtp::FakeSmtp::start().await;
        let mut app = b.app.clone();
        app.config = std::sync::Arc::new(siar_app::AppConfig {
            mail: Some(siar_app::mail::MailSettings {
                url: format!("smtp://127.0.0.1:{}", smtp.port),
                from: "Siar Perpustakaan <siar@perpustakaan.example>".into(),
            }),
            translate: Some(words),
            ..(*b.app.config).clone()
        });
        let (id, v) = saved_id(
            studio::save(
                &app,
                &b.contributor,
                None,
                0,
                &draft("Kelas menulis cerpen", vec![ch]),
                SaveKind::Manual,
            )
            .await
            .unwrap(),
        );
        studio::submit(&app, &b.contributor, id, v).await.unwrap();
        // Nothing is sent before the worker runs the outbox jobs.
        assert!(smtp.received().is_empty());
        let w = siar_app::jobs::Worker::new(
            app.clone(),
            "mailer",
            siar_app::jobs::WorkerConfig {
                poll: Duration::from_millis(50),
                ..Default::default()
            },
        );
        w.drain(10).await.unwrap();
        let got = smtp.received();
        let mut to: Vec<String> = got.iter().flat_map(|m| m.to.clone()).collect();
        to.sort();
        assert_eq!(
            to,
            vec!["admin@perpustakaan.example", "editor@perpustakaan.example"],
            "every editor and admin, not the author"
        );
        let m = &got[0];
        assert_eq!(m.from, "siar@perpustakaan.example");
        assert!(m.data.contains("mail-subject"), "{}", m.data);
        assert!(m.data.contains("note-submitted"), "{}", m.data);
        assert!(m.data.contains(&format!("/app/tulis/{id}")), "{}", m.data);
        // Without SMTP, no e-mail job is made.
        let (id2, v2) = saved_id(
            studio::save(
                &b.app,
                &b.contributor,
                None,
                0,
                &draft("Tanpa surel", vec![ch]),
                SaveKind::Manual,
            )
            .await
            .unwrap(),
        );
        studio::submit(&b.app, &b.contributor, id2, v2)
            .await
            .unwrap();
        w.drain(10).await.unwrap();
        assert_eq!(smtp.received().len(), 2);
    }
);

dual_test!(
    a_first_comment_goes_to_facebook_and_youtube_once,
    |store| async move {
        let b = Bench::new(store).await;
        let fb = b.oauth(siar_domain::channels::Platform::Facebook).await;
        let w = b.worker("w");
        let mut input = draft("Jadwal pameran buku minggu ini", vec![fb]);
        input.first_comment = "Daftar lengkap bukunya ada di katalog.".into();
        let (id, v) = saved_id(
            studio::save(&b.app, &b.editor, None, 0, &input, SaveKind::Manual)
                .await
                .unwrap(),
        );
        studio::approve(&b.app, &b.editor, id, v).await.unwrap();
        w.drain(10).await.unwrap();
        let view = siar_app::publishing::get(&b.app, &b.editor, id)
            .await
            .unwrap();
        let d = &view.deliveries[0].delivery;
        assert_eq!(d.state, DeliveryState::Published);
        // The comment is not part of the post's text on Facebook ...
        assert!(!d.text.contains("katalog"), "{}", d.text);
        assert!(b.meta.state.comments.lock().unwrap().is_empty());
        // ... it follows as a comment, once.
        b.clock.advance(Duration::from_secs(31));
        w.drain(10).await.unwrap();
        b.clock.advance(Duration::from_secs(120));
        w.drain(10).await.unwrap();
        let comments = b.meta.state.comments.lock().unwrap().clone();
        assert_eq!(comments.len(), 1, "{comments:?}");
        assert_eq!(comments[0].0, d.remote_id.clone().unwrap());
        assert_eq!(comments[0].2, "Daftar lengkap bukunya ada di katalog.");

        // An attempt whose answer was lost: the comment is on Facebook already,
        // so the next run finds it and does not comment again.
        let mut input = draft("Kelas menulis Sabtu ini", vec![fb]);
        input.first_comment = "Pendaftaran di meja layanan.".into();
        let (id2, v2) = saved_id(
            studio::save(&b.app, &b.editor, None, 0, &input, SaveKind::Manual)
                .await
                .unwrap(),
        );
        studio::approve(&b.app, &b.editor, id2, v2).await.unwrap();
        w.drain(10).await.unwrap();
        let d2 = siar_app::publishing::get(&b.app, &b.editor, id2)
            .await
            .unwrap()
            .deliveries[0]
            .delivery
            .clone();
        let post = d2.remote_id.clone().unwrap();
        {
            let mut tx = b.app.store.begin().await.unwrap();
            siar_store::studio::set_first_comment(
                &mut tx,
                d2.id,
                "attempted",
                &["pending"],
                None,
                None,
                b.clock.now_ts(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        b.meta.state.comments.lock().unwrap().push((
            post.clone(),
            format!("{post}_c1"),
            "Pendaftaran di meja layanan.".into(),
        ));
        b.clock.advance(Duration::from_secs(31));
        w.drain(10).await.unwrap();
        let on_post: Vec<_> = b
            .meta
            .state
            .comments
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.0 == post)
            .cloned()
            .collect();
        assert_eq!(on_post.len(), 1, "no second comment: {on_post:?}");
        let mut tx = b.app.store.read().await.unwrap();
        let fc = siar_store::studio::first_comment(&mut tx, d2.id)
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(fc.state, "done");
        assert_eq!(fc.remote_id.as_deref(), Some(format!("{post}_c1").as_str()));

        // YouTube: a top-level comment on the video.
        let yt = b.oauth(siar_domain::channels::Platform::YouTube).await;
        let mp4 = include_bytes!("../../siar-testkit/fixtures/tiny.mp4").to_vec();
        let video =
            siar_app::media::upload(&b.app, &b.editor, "klip.mp4", mp4, "Klip kelas menulis")
                .await
                .unwrap()
                .id;
        let mut input = draft("Rekaman kelas menulis cerpen", vec![yt]);
        input.title = "Kelas menulis cerpen".into();
        input.media = vec![video];
        input.first_comment = "Materi kelasnya ada di situs perpustakaan.".into();
        let (id3, v3) = saved_id(
            studio::save(&b.app, &b.editor, None, 0, &input, SaveKind::Manual)
                .await
                .unwrap(),
        );
        studio::approve(&b.app, &b.editor, id3, v3).await.unwrap();
        w.drain(20).await.unwrap();
        let d3 = siar_app::publishing::get(&b.app, &b.editor, id3)
            .await
            .unwrap()
            .deliveries[0]
            .delivery
            .clone();
        assert_eq!(d3.state, DeliveryState::Published, "{:?}", d3.error_detail);
        b.clock.advance(Duration::from_secs(31));
        w.drain(10).await.unwrap();
        let on_video: Vec<_> = b
            .google
            .state
            .comments
            .lock()
            .unwrap()
            .iter()
            .filter(|c| Some(&c.0) == d3.remote_id.as_ref())
            .cloned()
            .collect();
        assert_eq!(on_video.len(), 1, "{on_video:?}");
        assert_eq!(on_video[0].2, "Materi kelasnya ada di situs perpustakaan.");
    }
);

dual_test!(
    practice_channels_follow_the_rules_they_imitate,
    |store| async move {
        use siar_domain::channels::Platform;
        let b = Bench::new(store).await;
        let x = siar_app::channels::connect_practice_like(&b.app, &b.admin, Platform::X)
            .await
            .unwrap();
        let ig = siar_app::channels::connect_practice_like(&b.app, &b.admin, Platform::Instagram)
            .await
            .unwrap();
        // Connecting the same imitation again keeps one channel.
        assert_eq!(
            siar_app::channels::connect_practice_like(&b.app, &b.admin, Platform::X)
                .await
                .unwrap(),
            x
        );
        let long = "Baca buku setiap hari! ".repeat(15);
        let (id, v) = saved_id(
            studio::save(
                &b.app,
                &b.editor,
                None,
                0,
                &draft(&long, vec![x, ig]),
                SaveKind::Manual,
            )
            .await
            .unwrap(),
        );
        match studio::approve(&b.app, &b.editor, id, v).await {
            Err(AppError::PostRefused(r)) => {
                let keys: Vec<_> = r
                    .channels
                    .iter()
                    .flat_map(|c| c.check.issues.iter().map(|i| i.key))
                    .collect();
                assert!(keys.contains(&"rule-text-too-long"), "X's 280: {keys:?}");
                assert!(
                    keys.iter()
                        .any(|k| k.contains("media") || k.contains("image")),
                    "Instagram wants an image: {keys:?}"
                );
                assert_eq!(r.channels[0].check.limit, 280);
            }
            other => panic!("{other:?}"),
        }
        // A short text goes out on the X-like channel, to Siar's own timeline.
        let (id, v) = saved_id(
            studio::save(
                &b.app,
                &b.editor,
                None,
                0,
                &draft("Ayo ke perpustakaan!", vec![x]),
                SaveKind::Manual,
            )
            .await
            .unwrap(),
        );
        studio::approve(&b.app, &b.editor, id, v).await.unwrap();
        b.worker("w").drain(10).await.unwrap();
        let view = siar_app::publishing::get(&b.app, &b.editor, id)
            .await
            .unwrap();
        assert_eq!(view.deliveries[0].delivery.state, DeliveryState::Published);
        assert_eq!(view.deliveries[0].channel.rules_platform(), Platform::X);
    }
);
