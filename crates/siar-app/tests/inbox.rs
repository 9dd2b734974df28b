//! The unified inbox on both engines: webhooks stored once and filed, rules,
//! the response clock in opening hours, replies sent exactly once (and kept
//! when refused), approval of contributors' replies, moderation, reports and
//! satisfaction.

use siar_app::AppError;
use siar_app::inbox::{self, Change, ListQuery, PracticeInput};
use siar_channels::webhooks::sign_meta;
use siar_domain::Timestamp;
use siar_domain::inbox::{ConvState, Direction, Priority, ReplyState};
use siar_testkit::dual_test;
use siar_testkit::fakes;
use siar_testkit::publishing::Bench;
use std::time::Duration;

/// Monday 30 November 2026, 09:00 WIB (the library is open 08:00–16:00).
const MONDAY_0900_WIB: i64 = 1_796_004_000_000;

async fn practice(b: &Bench) -> i64 {
    siar_app::channels::connect_practice(&b.app, &b.admin)
        .await
        .unwrap()
}

fn patron(ch: i64, name: &str, text: &str, kind: &str) -> PracticeInput {
    PracticeInput {
        channel_id: ch,
        name: name.into(),
        text: text.into(),
        kind: kind.into(),
    }
}

dual_test!(
    a_patron_question_is_labelled_answered_and_timed_in_opening_hours,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let ch = practice(&b).await;
        let id = inbox::practice_message(
            &b.app,
            &b.editor,
            &patron(
                ch,
                "Sari Dewi",
                "Halo min, hari Minggu buka jam berapa ya?",
                "comment",
            ),
        )
        .await
        .unwrap();
        let list = inbox::list(&b.app, &b.editor, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(list.unread, 1);
        let row = list.rows.iter().find(|r| r.conv.id == id).unwrap();
        assert_eq!(row.conv.labels, ["pertanyaan"]);
        assert_eq!(row.conv.state, ConvState::Open);
        // Due at 11:00 (two working hours).
        let sla = row.sla.unwrap();
        assert_eq!(sla.due_at, Timestamp(MONDAY_0900_WIB + 2 * 3_600_000));
        // The saved reply about opening hours is suggested, filled in.
        let d = inbox::open(&b.app, &b.editor, id).await.unwrap();
        let s = d.suggestions.first().expect("a suggestion");
        assert_eq!(s.title, "Jam buka");
        assert!(s.text.contains("Halo Sari"), "{}", s.text);
        assert!(s.text.contains("08.00–16.00"), "{}", s.text);
        assert_eq!(inbox::pulse(&b.app, b.editor.org).await.unwrap().0, 0);
        // Answered 30 minutes later through the worker.
        b.clock.advance(Duration::from_secs(30 * 60));
        inbox::reply(
            &b.app,
            &b.editor,
            id,
            "Minggu tutup, Kak. Senin–Jumat 08.00–16.00.",
        )
        .await
        .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let d = inbox::open(&b.app, &b.editor, id).await.unwrap();
        assert_eq!(d.conv.state, ConvState::Waiting);
        let out = d
            .messages
            .iter()
            .find(|m| m.direction == Direction::Out)
            .unwrap();
        assert_eq!(out.reply_state, Some(ReplyState::Sent));
        // The report counts 30 working minutes, within the target.
        let r = inbox::report(
            &b.app,
            &b.editor,
            Timestamp(MONDAY_0900_WIB - 86_400_000),
            Timestamp(MONDAY_0900_WIB + 86_400_000),
        )
        .await
        .unwrap();
        assert_eq!(r.first.count, 1);
        assert_eq!(r.first.median_ms, Some(30 * 60_000));
        assert_eq!(r.first.within, Some(1.0));
        assert_eq!(r.by_staff.len(), 1);
        // A question at 15:30 answered next morning at 08:30 took one working hour.
        b.clock
            .set(Timestamp(MONDAY_0900_WIB + 6 * 3_600_000 + 30 * 60_000));
        let late = inbox::practice_message(
            &b.app,
            &b.editor,
            &patron(ch, "Budi", "Saya kecewa, AC ruang baca mati", "message"),
        )
        .await
        .unwrap();
        let d = inbox::open(&b.app, &b.editor, late).await.unwrap();
        assert_eq!(d.conv.priority, Priority::High);
        assert_eq!(d.conv.labels, ["keluhan"]);
        b.clock
            .set(Timestamp(MONDAY_0900_WIB + 23 * 3_600_000 + 30 * 60_000));
        inbox::reply(
            &b.app,
            &b.editor,
            late,
            "Mohon maaf, Kak. Teknisi sedang memperbaiki AC.",
        )
        .await
        .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let r = inbox::report(
            &b.app,
            &b.editor,
            Timestamp(MONDAY_0900_WIB - 86_400_000),
            Timestamp(MONDAY_0900_WIB + 2 * 86_400_000),
        )
        .await
        .unwrap();
        assert_eq!(r.first.count, 2);
        assert_eq!(r.first.mean_ms, Some((30 + 60) * 60_000 / 2));
        // Resolving a direct-message conversation offers a rating on the portal.
        inbox::change(&b.app, &b.editor, late, Change::State(ConvState::Resolved))
            .await
            .unwrap();
        let d = inbox::open(&b.app, &b.editor, late).await.unwrap();
        let token = d.rating.expect("rating offered").token;
        assert!(inbox::rate(&b.app, &token, 9, "").await.is_err());
        inbox::rate(&b.app, &token, 4, "Cepat dibalas")
            .await
            .unwrap();
        let r = inbox::report(
            &b.app,
            &b.editor,
            Timestamp(MONDAY_0900_WIB - 86_400_000),
            Timestamp(MONDAY_0900_WIB + 2 * 86_400_000),
        )
        .await
        .unwrap();
        assert_eq!(r.ratings, 1);
        assert_eq!(r.rating_counts[3], 1);
        // A reversed range is refused.
        assert!(matches!(
            inbox::report(&b.app, &b.editor, Timestamp(10), Timestamp(5)).await,
            Err(AppError::Invalid(_))
        ));
    }
);

dual_test!(
    replies_over_the_limit_are_refused_and_contributors_wait_for_approval,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let x_like = siar_app::channels::connect_practice_like(
            &b.app,
            &b.admin,
            siar_domain::channels::Platform::X,
        )
        .await
        .unwrap();
        let id = inbox::practice_message(
            &b.app,
            &b.editor,
            &patron(x_like, "Rina", "Kapan lomba mewarnai?", "mention"),
        )
        .await
        .unwrap();
        // Over X's 280: refused, nothing stored.
        let long = "a".repeat(281);
        assert!(matches!(
            inbox::reply(&b.app, &b.editor, id, &long).await,
            Err(AppError::Invalid(_))
        ));
        let d = inbox::open(&b.app, &b.editor, id).await.unwrap();
        assert_eq!(d.messages.len(), 1);
        // The organisation asks editors to approve contributors' replies.
        inbox::save_settings(
            &b.app,
            &b.admin,
            &inbox::SettingsInput {
                first_response: "120".into(),
                approve_replies: Some("on".into()),
                ask_rating: Some("on".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let m = inbox::reply(&b.app, &b.contributor, id, "Sabtu depan, Kak!")
            .await
            .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let d = inbox::open(&b.app, &b.editor, id).await.unwrap();
        let out = d.messages.iter().find(|x| x.id == m).unwrap();
        assert_eq!(out.reply_state, Some(ReplyState::AwaitingApproval));
        assert_eq!(d.conv.state, ConvState::Open);
        // A contributor cannot approve; an editor can, with a change.
        assert!(matches!(
            inbox::send_again(&b.app, &b.contributor, m, "x").await,
            Err(AppError::Forbidden)
        ));
        inbox::send_again(&b.app, &b.editor, m, "Sabtu depan pukul 09.00, Kak!")
            .await
            .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let d = inbox::open(&b.app, &b.editor, id).await.unwrap();
        let out = d.messages.iter().find(|x| x.id == m).unwrap();
        assert_eq!(out.reply_state, Some(ReplyState::Sent));
        assert_eq!(out.body, "Sabtu depan pukul 09.00, Kak!");
        assert_eq!(d.conv.state, ConvState::Waiting);
        // Bad settings change nothing.
        assert!(
            inbox::save_settings(
                &b.app,
                &b.admin,
                &inbox::SettingsInput {
                    first_response: "0".into(),
                    ..Default::default()
                },
            )
            .await
            .is_err()
        );
        let a = inbox::admin(&b.app, &b.admin).await.unwrap();
        assert!(a.settings.approve_replies);
        assert_eq!(a.settings.policy.first_response_mins, Some(120));
        // Analysts cannot read the inbox.
        assert!(matches!(
            inbox::list(&b.app, &b.analyst, &ListQuery::default()).await,
            Err(AppError::Forbidden)
        ));
    }
);

fn feed_body(comment: &str, parent: &str, from: &str, text: &str, t: i64) -> String {
    serde_json::json!({
        "object": "page",
        "entry": [{"id": fakes::FB_PAGE_ID, "time": t, "changes": [{
            "field": "feed",
            "value": {
                "item": "comment", "verb": "add",
                "comment_id": comment,
                "post_id": format!("{}_777", fakes::FB_PAGE_ID),
                "parent_id": parent,
                "from": {"id": from, "name": "Dewi Lestari"},
                "message": text,
                "created_time": t
            }
        }]}]
    })
    .to_string()
}

dual_test!(
    meta_webhooks_are_verified_stored_once_and_filed_in_order,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let fb = b.oauth(siar_domain::channels::Platform::Facebook).await;
        let t0 = MONDAY_0900_WIB / 1000;
        let post = format!("{}_777", fakes::FB_PAGE_ID);
        let first = feed_body("777_1", &post, "900", "Apakah ada buku Laskar Pelangi?", t0);
        let reply = feed_body("777_2", "777_1", "900", "Edisi cetak ya min", t0 + 60);
        // A wrong signature: refused, nothing stored.
        assert!(
            inbox::receive_meta(&b.app, Some("sha256=00"), first.as_bytes())
                .await
                .is_err()
        );
        assert!(
            inbox::receive_meta(&b.app, None, first.as_bytes())
                .await
                .is_err()
        );
        // A malformed body, even signed: refused.
        let bad = b"{\"entry\":1}";
        assert!(
            inbox::receive_meta(&b.app, Some(&sign_meta(fakes::META_APP_SECRET, bad)), bad)
                .await
                .is_err()
        );
        let mut tx = b.app.store.read().await.unwrap();
        assert_eq!(siar_store::inbox::count_events(&mut tx).await.unwrap(), 0);
        tx.commit().await.unwrap();
        // The reply arrives before the comment it answers, and twice.
        for body in [&reply, &reply, &first, &first] {
            let sig = sign_meta(fakes::META_APP_SECRET, body.as_bytes());
            inbox::receive_meta(&b.app, Some(&sig), body.as_bytes())
                .await
                .unwrap();
        }
        let mut tx = b.app.store.read().await.unwrap();
        assert_eq!(siar_store::inbox::count_events(&mut tx).await.unwrap(), 2);
        tx.commit().await.unwrap();
        b.worker("w").drain(10).await.unwrap();
        let list = inbox::list(&b.app, &b.editor, &ListQuery::default())
            .await
            .unwrap();
        let rows: Vec<_> = list
            .rows
            .iter()
            .filter(|r| r.conv.channel_id == fb)
            .collect();
        assert_eq!(rows.len(), 1, "one thread");
        let d = inbox::open(&b.app, &b.editor, rows[0].conv.id)
            .await
            .unwrap();
        assert_eq!(d.messages.len(), 2);
        assert_eq!(d.messages[0].body, "Apakah ada buku Laskar Pelangi?");
        assert_eq!(d.conv.first_in_at, Some(Timestamp(MONDAY_0900_WIB)));
        assert_eq!(d.contact.as_ref().unwrap().name, "Dewi Lestari");
        // An event for a Page nobody connected is dropped.
        let other = first.replace(fakes::FB_PAGE_ID, "999");
        let sig = sign_meta(fakes::META_APP_SECRET, other.as_bytes());
        inbox::receive_meta(&b.app, Some(&sig), other.as_bytes())
            .await
            .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let list = inbox::list(&b.app, &b.editor, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(
            list.rows.iter().filter(|r| r.conv.channel_id == fb).count(),
            1
        );
        // The handshake.
        assert_eq!(
            inbox::meta_handshake(&b.app, Some("subscribe"), Some("x"), Some("1")),
            None
        );
    }
);

dual_test!(
    bluesky_replies_are_polled_with_a_cursor_and_answered_in_thread,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let ch = siar_app::channels::connect_bluesky(
            &b.app,
            &b.admin,
            &siar_app::channels::BlueskyInput {
                handle: "perpus.bsky.social".into(),
                app_password: fakes::BLUESKY_APP_PASSWORD.into(),
                pds: b.bluesky.url.clone(),
            },
        )
        .await
        .unwrap();
        let chan = siar_app::channels::get(&b.app, &b.admin, ch).await.unwrap();
        // Our post, a patron's reply to it, and a mention.
        let ours = format!("at://{}/app.bsky.feed.post/ours1", fakes::BLUESKY_DID);
        b.bluesky.know(&ours);
        let q = b.bluesky.bluesky_post_from(
            "did:plc:pemustaka1",
            "andi.bsky.social",
            "Apakah perpustakaan buka saat libur Natal?",
            Some(&ours),
        );
        b.bluesky.bluesky_post_from(
            "did:plc:sekolah",
            "sdn5.bsky.social",
            "Terima kasih @perpus.bsky.social untuk kunjungannya!",
            None,
        );
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 2);
        // A second round reads again from the stored cursor and files nothing new.
        b.clock.advance(Duration::from_secs(60));
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 0);
        let list = inbox::list(&b.app, &b.editor, &ListQuery::default())
            .await
            .unwrap();
        let rows: Vec<_> = list
            .rows
            .iter()
            .filter(|r| r.conv.channel_id == ch)
            .collect();
        assert_eq!(rows.len(), 2);
        let conv = rows
            .iter()
            .find(|r| r.conv.kind == siar_domain::inbox::ConvKind::Comment)
            .unwrap()
            .conv
            .id;
        let d = inbox::open(&b.app, &b.editor, conv).await.unwrap();
        assert_eq!(d.messages.len(), 1);
        assert_eq!(d.contact.as_ref().unwrap().handle, "andi.bsky.social");
        // A newer reply after the cursor arrives in the same conversation.
        b.clock.advance(Duration::from_secs(60));
        b.bluesky.bluesky_post_from(
            "did:plc:pemustaka1",
            "andi.bsky.social",
            "Maksudnya tanggal 25 Desember.",
            Some(&q),
        );
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 1);
        let d = inbox::open(&b.app, &b.editor, conv).await.unwrap();
        assert_eq!(d.messages.len(), 2);
        // Over Bluesky's 300 graphemes: refused before sending.
        assert!(
            inbox::reply(&b.app, &b.editor, conv, &"é".repeat(301))
                .await
                .is_err()
        );
        inbox::reply(
            &b.app,
            &b.editor,
            conv,
            "Tanggal 25 Desember perpustakaan tutup, Kak.",
        )
        .await
        .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let posted = b
            .bluesky
            .posts()
            .into_iter()
            .find(|p| p.text.starts_with("Tanggal 25 Desember"))
            .expect("the answer is on the server");
        assert_eq!(posted.record["reply"]["root"]["uri"], ours);
        assert!(
            posted.record["reply"]["parent"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("at://did:plc:pemustaka1/")
        );
        let d = inbox::open(&b.app, &b.editor, conv).await.unwrap();
        assert_eq!(d.conv.state, ConvState::Waiting);
    }
);

dual_test!(
    mastodon_mentions_are_polled_and_answered_and_liked,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let ch = b.oauth(siar_domain::channels::Platform::Mastodon).await;
        let chan = siar_app::channels::get(&b.app, &b.admin, ch).await.unwrap();
        let q = b.mastodon.mastodon_mention(
            "7",
            "rudi@social.example",
            "<p><span class=\"h-card\">@perpuskotaplg</span> Apakah ada kelas &amp; pelatihan menulis?</p>",
            None,
            "public",
        );
        b.mastodon.mastodon_mention(
            "8",
            "wati@social.example",
            "<p>@perpuskotaplg Halo, saya kehilangan kartu anggota.</p>",
            None,
            "direct",
        );
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 2);
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 0);
        let list = inbox::list(&b.app, &b.editor, &ListQuery::default())
            .await
            .unwrap();
        let rows: Vec<_> = list
            .rows
            .iter()
            .filter(|r| r.conv.channel_id == ch)
            .collect();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .any(|r| r.conv.kind == siar_domain::inbox::ConvKind::Message)
        );
        let conv = rows
            .iter()
            .find(|r| r.conv.kind == siar_domain::inbox::ConvKind::Mention)
            .unwrap()
            .conv
            .id;
        let d = inbox::open(&b.app, &b.editor, conv).await.unwrap();
        assert_eq!(
            d.messages[0].body,
            "@perpuskotaplg Apakah ada kelas & pelatihan menulis?"
        );
        // The answer mentions the patron and replies to their status.
        inbox::reply(&b.app, &b.editor, conv, "Ada, setiap Sabtu pukul 10.00.")
            .await
            .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let sent = b
            .mastodon
            .posts()
            .into_iter()
            .find(|p| p.text.contains("setiap Sabtu"))
            .expect("answered on the instance");
        assert_eq!(
            sent.text,
            "@rudi@social.example Ada, setiap Sabtu pukul 10.00."
        );
        assert_eq!(sent.record["in_reply_to_id"], q);
        // The patron answers our reply: the same conversation.
        let ours = inbox::open(&b.app, &b.editor, conv)
            .await
            .unwrap()
            .messages
            .iter()
            .find(|m| m.direction == Direction::Out)
            .and_then(|m| m.remote_id.clone())
            .unwrap();
        b.mastodon.mastodon_mention(
            "7",
            "rudi@social.example",
            "<p>@perpuskotaplg Terima kasih!</p>",
            Some(&ours),
            "public",
        );
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 1);
        let d = inbox::open(&b.app, &b.editor, conv).await.unwrap();
        assert_eq!(d.messages.len(), 3);
        assert_eq!(d.conv.state, ConvState::Open);
        // A like (favourite) reaches the instance.
        inbox::moderate(
            &b.app,
            &b.editor,
            d.messages[2].id,
            inbox::Moderation::Like(true),
        )
        .await
        .unwrap();
        assert_eq!(b.mastodon.seen_path("/favourite").len(), 1);
        // Hiding is not in Mastodon's API for an account: refused.
        assert!(
            inbox::moderate(
                &b.app,
                &b.editor,
                d.messages[2].id,
                inbox::Moderation::Hide(true)
            )
            .await
            .is_err()
        );
    }
);

dual_test!(
    youtube_comments_are_polled_within_quota_and_answered_in_thread,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let ch = b.oauth(siar_domain::channels::Platform::YouTube).await;
        let chan = siar_app::channels::get(&b.app, &b.admin, ch).await.unwrap();
        let t = b.google.youtube_comment(
            "vid123",
            "UCviewer1",
            "@ibu.ratna",
            "Videonya bagus! Kapan ada dongeng lagi?",
            None,
        );
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 1);
        // Within 15 minutes YouTube is not asked again (its daily quota).
        b.clock.advance(Duration::from_secs(5 * 60));
        b.google.youtube_comment(
            "vid123",
            "UCviewer1",
            "@ibu.ratna",
            "Anak saya suka sekali.",
            Some(&t),
        );
        let calls = b.google.seen_path("/youtube/v3/commentThreads").len();
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 0);
        assert_eq!(
            b.google.seen_path("/youtube/v3/commentThreads").len(),
            calls
        );
        b.clock.advance(Duration::from_secs(11 * 60));
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 1);
        let list = inbox::list(&b.app, &b.editor, &ListQuery::default())
            .await
            .unwrap();
        let conv = list
            .rows
            .iter()
            .find(|r| r.conv.channel_id == ch)
            .unwrap()
            .conv
            .id;
        let d = inbox::open(&b.app, &b.editor, conv).await.unwrap();
        assert_eq!(d.messages.len(), 2);
        assert_eq!(d.conv.labels, ["pertanyaan", "pujian"]);
        inbox::reply(
            &b.app,
            &b.editor,
            conv,
            "Terima kasih, Bu! Dongeng berikutnya Sabtu depan.",
        )
        .await
        .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let sent = b.google.seen_path("/youtube/v3/comments");
        let insert = sent
            .iter()
            .find(|s| s.method == "POST" && s.path == "/youtube/v3/comments")
            .unwrap();
        assert_eq!(insert.body["snippet"]["parentId"], t);
        // Hiding holds the comment for review.
        inbox::moderate(
            &b.app,
            &b.editor,
            d.messages[0].id,
            inbox::Moderation::Hide(true),
        )
        .await
        .unwrap();
        let m = b.google.seen_path("setModerationStatus");
        assert_eq!(m[0].body["moderationStatus"], "heldForReview");
    }
);

dual_test!(
    x_mentions_are_polled_from_since_id_and_answered,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let ch = b.oauth(siar_domain::channels::Platform::X).await;
        let chan = siar_app::channels::get(&b.app, &b.admin, ch).await.unwrap();
        let m = b.x.x_mention(
            "501",
            "fajar_plg",
            "@perpuskotaplg wifi di lantai 2 mati ya?",
            None,
        );
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 1);
        // X bills reads: not asked again within 5 minutes.
        b.x.x_mention("502", "lia", "@perpuskotaplg terima kasih!", None);
        let calls = b.x.seen_path("/mentions").len();
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 0);
        assert_eq!(b.x.seen_path("/mentions").len(), calls);
        b.clock.advance(Duration::from_secs(5 * 60));
        assert_eq!(inbox::poll_channel(&b.app, &chan).await.unwrap(), 1);
        // since_id: only what is newer than the cursor is asked for.
        let last = b.x.seen_path("/mentions").pop().unwrap();
        assert_eq!(last.body["since_id"], m);
        let list = inbox::list(&b.app, &b.editor, &ListQuery::default())
            .await
            .unwrap();
        let conv = list
            .rows
            .iter()
            .find(|r| r.conv.channel_id == ch && r.conv.preview.contains("wifi"))
            .unwrap()
            .conv
            .id;
        inbox::reply(
            &b.app,
            &b.editor,
            conv,
            "Sudah diperbaiki, Kak. Terima kasih infonya!",
        )
        .await
        .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let d = inbox::open(&b.app, &b.editor, conv).await.unwrap();
        let out = d
            .messages
            .iter()
            .find(|x| x.direction == Direction::Out)
            .unwrap();
        assert_eq!(
            out.reply_state,
            Some(ReplyState::Sent),
            "{:?}",
            out.reply_error
        );
        let sent = b.x.seen_path("/2/tweets");
        let reply = sent
            .iter()
            .find(|s| s.body["text"].as_str().unwrap_or("").starts_with("Sudah"))
            .unwrap();
        assert_eq!(reply.body["reply"]["in_reply_to_tweet_id"], m);
        inbox::moderate(
            &b.app,
            &b.editor,
            d.messages[0].id,
            inbox::Moderation::Hide(true),
        )
        .await
        .unwrap();
        assert_eq!(b.x.seen_path("/hidden").len(), 1);
    }
);

/// An X Activity API delivery as X documents it: the envelope under `data`.
fn x_delivery(kind: &str, uuid: &str, payload: serde_json::Value) -> String {
    serde_json::json!({"data": {
        "event_uuid": uuid,
        "filter": {"user_id": fakes::X_USER_ID},
        "event_type": kind,
        "tag": "siar",
        "payload": payload,
        "includes": {"users": [{"id": "601", "username": "nadia_plg", "name": "Nadia Putri"}]}
    }})
    .to_string()
}

fn x_dm(id: &str, sender: &str, recipient: &str, text: &str, at_ms: i64) -> serde_json::Value {
    serde_json::json!({
        "direct_message_events": [{
            "type": "message_create", "id": id, "created_timestamp": at_ms.to_string(),
            "message_create": {"target": {"recipient_id": recipient}, "sender_id": sender,
                "message_data": {"text": text, "entities": {}}}
        }],
        "users": {"602": {"data": {"id": "602", "username": "andi_r", "name": "Andi Rahman"}}}
    })
}

dual_test!(
    x_webhook_mentions_and_direct_messages_are_stored_once_filed_and_answered,
    |store| async move {
        use siar_channels::webhooks::sign_x;
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let ch = b.oauth(siar_domain::channels::Platform::X).await;
        let mention = x_delivery(
            "post.mention.create",
            "-11",
            serde_json::json!({"id": "1960000000000000001", "author_id": "601",
                "text": "@perpuskotaplg ada lomba menulis untuk SMP?",
                "conversation_id": "1960000000000000001", "created_at": "2026-11-30T02:01:00.000Z"}),
        );
        let dm = x_delivery(
            "dm.received",
            "12",
            x_dm(
                "1960000000000000050",
                "602",
                fakes::X_USER_ID,
                "Min, kartu anggota saya hilang. Bagaimana menggantinya?",
                MONDAY_0900_WIB + 120_000,
            ),
        );
        // Wrong or missing signature, a body that is not a delivery: refused.
        assert!(
            inbox::receive_x(&b.app, Some("sha256=AAAA"), mention.as_bytes())
                .await
                .is_err()
        );
        assert!(
            inbox::receive_x(&b.app, None, mention.as_bytes())
                .await
                .is_err()
        );
        let bad = br#"{"data":{"event_type":"dm.received"}}"#;
        assert!(
            inbox::receive_x(&b.app, Some(&sign_x(fakes::X_CONSUMER_SECRET, bad)), bad)
                .await
                .is_err()
        );
        // Mention and message, each delivered twice (X may repeat).
        for body in [&mention, &dm, &mention, &dm] {
            let sig = sign_x(fakes::X_CONSUMER_SECRET, body.as_bytes());
            assert_eq!(
                inbox::receive_x(&b.app, Some(&sig), body.as_bytes())
                    .await
                    .unwrap(),
                1
            );
        }
        let mut tx = b.app.store.read().await.unwrap();
        assert_eq!(siar_store::inbox::count_events(&mut tx).await.unwrap(), 2);
        tx.commit().await.unwrap();
        b.worker("w").drain(10).await.unwrap();
        let list = inbox::list(&b.app, &b.editor, &ListQuery::default())
            .await
            .unwrap();
        let rows: Vec<_> = list
            .rows
            .iter()
            .filter(|r| r.conv.channel_id == ch)
            .collect();
        assert_eq!(rows.len(), 2, "a mention and a direct message");
        let dm_conv = rows
            .iter()
            .find(|r| r.conv.preview.contains("kartu anggota"))
            .unwrap()
            .conv
            .id;
        let d = inbox::open(&b.app, &b.editor, dm_conv).await.unwrap();
        assert_eq!(d.contact.as_ref().unwrap().name, "Andi Rahman");
        assert_eq!(d.messages.len(), 1);
        // The answer goes back as a direct message, not as a public post.
        inbox::reply(
            &b.app,
            &b.editor,
            dm_conv,
            "Silakan datang ke meja layanan dengan KTP, Kak.",
        )
        .await
        .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let sent = b.x.seen_path("/2/dm_conversations/with/602/messages");
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0].body["text"],
            "Silakan datang ke meja layanan dengan KTP, Kak."
        );
        assert!(
            !b.x.seen_path("/2/tweets")
                .iter()
                .any(|s| s.body["text"].as_str().unwrap_or("").contains("KTP"))
        );
        let d = inbox::open(&b.app, &b.editor, dm_conv).await.unwrap();
        let out = d
            .messages
            .iter()
            .find(|m| m.direction == Direction::Out)
            .unwrap();
        assert_eq!(
            out.reply_state,
            Some(ReplyState::Sent),
            "{:?}",
            out.reply_error
        );
        // X then reports the library's own message (dm.sent): it is the
        // reply already shown, not a second one.
        let echo_id = out.remote_id.clone().unwrap();
        let echo = x_delivery(
            "dm.sent",
            "13",
            x_dm(
                &echo_id,
                fakes::X_USER_ID,
                "602",
                "Silakan datang ke meja layanan dengan KTP, Kak.",
                MONDAY_0900_WIB + 300_000,
            ),
        );
        let sig = sign_x(fakes::X_CONSUMER_SECRET, echo.as_bytes());
        inbox::receive_x(&b.app, Some(&sig), echo.as_bytes())
            .await
            .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let d = inbox::open(&b.app, &b.editor, dm_conv).await.unwrap();
        assert_eq!(d.messages.len(), 2);
        // With X's webhooks configured, the inbox round does not read (and
        // pay for) the mentions the deliveries bring.
        inbox::poll_round(&b.app).await.unwrap();
        assert!(b.x.seen_path("/mentions").is_empty());
        // A delivery for an X account nobody connected is dropped.
        let other = mention
            .replace(fakes::X_USER_ID, "42")
            .replace("1960000000000000001", "1960000000000000009");
        let sig = sign_x(fakes::X_CONSUMER_SECRET, other.as_bytes());
        inbox::receive_x(&b.app, Some(&sig), other.as_bytes())
            .await
            .unwrap();
        b.worker("w").drain(10).await.unwrap();
        let list = inbox::list(&b.app, &b.editor, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(
            list.rows.iter().filter(|r| r.conv.channel_id == ch).count(),
            2
        );
    }
);
