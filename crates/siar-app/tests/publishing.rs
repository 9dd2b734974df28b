//! Publishing exactly once, on both engines, against the fake platforms.

use siar_app::AppError;
use siar_app::channels::{self, BlueskyInput};
use siar_app::jobs::Outcome;
use siar_app::publishing::{self, DeliveryAction, PostInput};
use siar_domain::Timestamp;
use siar_domain::channels::{ChannelStatus, Platform};
use siar_domain::publishing::DeliveryState;
use siar_testkit::dual_test;
use siar_testkit::fakes::{self, Trick};
use siar_testkit::publishing::Bench;
use std::time::Duration;

/// A PNG header (signature and IHDR) of the given size: enough for the media
/// library to read its dimensions.
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&[0u8; 64]);
    v
}

async fn practice(b: &Bench) -> i64 {
    channels::connect_practice(&b.app, &b.admin).await.unwrap()
}

async fn bluesky(b: &Bench) -> i64 {
    channels::connect_bluesky(
        &b.app,
        &b.admin,
        &BlueskyInput {
            handle: "perpus.bsky.social".into(),
            app_password: fakes::BLUESKY_APP_PASSWORD.into(),
            pds: b.bluesky.url.clone(),
        },
    )
    .await
    .unwrap()
}

/// Connects Mastodon or X through their whole OAuth flow against the fake:
/// start, follow the authorisation page's redirect, finish with the code.
async fn oauth(b: &Bench, platform: Platform) -> i64 {
    b.oauth(platform).await
}

fn post(text: &str, channels: Vec<i64>) -> PostInput {
    PostInput {
        text: text.into(),
        channels,
        ..PostInput::default()
    }
}

async fn delivery_states(b: &Bench, post: i64) -> Vec<DeliveryState> {
    publishing::get(&b.app, &b.admin, post)
        .await
        .unwrap()
        .deliveries
        .iter()
        .map(|d| d.delivery.state)
        .collect()
}

dual_test!(practice_channel_publishes_once, |store| async move {
    let b = Bench::new(store).await;
    let ch = practice(&b).await;
    let id = publishing::schedule(&b.app, &b.editor, &post("Halo pemustaka! 📚", vec![ch]))
        .await
        .unwrap();
    let w = b.worker("w1");
    let out = w.drain(10).await.unwrap();
    assert!(
        out.iter().any(|o| matches!(o, Outcome::Succeeded(_))),
        "{out:?}"
    );
    let v = publishing::get(&b.app, &b.editor, id).await.unwrap();
    let d = &v.deliveries[0].delivery;
    assert_eq!(d.state, DeliveryState::Published);
    assert!(
        d.permalink
            .as_deref()
            .unwrap()
            .starts_with("/app/channels/")
    );
    // Running again finds nothing to do and publishes nothing more.
    assert!(w.drain(10).await.unwrap().is_empty());
    let mut tx = b.app.store.read().await.unwrap();
    let tl = siar_store::publishing::practice_timeline(&mut tx, b.admin.org, ch, 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(tl.len(), 1);
    assert_eq!(tl[0].text, "Halo pemustaka! 📚");
});

dual_test!(
    hundred_posts_sharing_one_timestamp_all_publish,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = practice(&b).await;
        let at = Timestamp(b.clock.now_ts().0 + 3_600_000);
        for i in 0..100 {
            let mut p = post(&format!("Pos nomor {i}"), vec![ch]);
            p.publish_at = Some(at);
            publishing::schedule(&b.app, &b.editor, &p).await.unwrap();
        }
        let w = b.worker("w1");
        // Not due yet: nothing goes out.
        assert!(w.drain(200).await.unwrap().is_empty());
        b.clock.set(at);
        let out = w.drain(300).await.unwrap();
        assert_eq!(
            out.iter()
                .filter(|o| matches!(o, Outcome::Succeeded(_)))
                .count(),
            100
        );
        let mut tx = b.app.store.read().await.unwrap();
        let tl = siar_store::publishing::practice_timeline(&mut tx, b.admin.org, ch, 500)
            .await
            .unwrap();
        let counts = siar_store::publishing::delivery_counts(&mut tx, b.admin.org)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(tl.len(), 100);
        assert_eq!(counts, vec![(DeliveryState::Published, 100)]);
    }
);

dual_test!(bad_input_schedules_nothing, |store| async move {
    let b = Bench::new(store).await;
    let bsky = bluesky(&b).await;
    let prac = practice(&b).await;
    let img = siar_app::media::upload(&b.app, &b.editor, "sampul.png", png(800, 600), "")
        .await
        .unwrap();
    let now = b.clock.now_ts();
    let cases: Vec<(PostInput, &str)> = vec![
        (post(&"a".repeat(301), vec![bsky]), "rule-text-too-long"),
        (
            PostInput {
                publish_at: Some(Timestamp(now.0 - 3_600_000)),
                ..post("Halo", vec![bsky])
            },
            "rule-time-in-past",
        ),
        (post("Halo", vec![9999]), "err-unknown-channel"),
        (post("Halo", vec![]), "err-choose-channel"),
        (
            PostInput {
                media: vec![img.id],
                ..post("Halo", vec![bsky])
            },
            "rule-alt-required",
        ),
        (
            PostInput {
                media: vec![424242],
                ..post("Halo", vec![prac])
            },
            "err-unknown-media",
        ),
    ];
    for (input, key) in cases {
        match publishing::schedule(&b.app, &b.editor, &input).await {
            Err(AppError::PostRefused(r)) => {
                let mut keys: Vec<&str> = r.problems.0.iter().map(|p| p.key).collect();
                for c in &r.channels {
                    keys.extend(c.check.issues.iter().map(|i| i.key));
                }
                assert!(keys.contains(&key), "{key} not in {keys:?}");
            }
            other => panic!("expected refusal with {key}, got {other:?}"),
        }
    }
    // A paused channel refuses new posts.
    channels::set_status(&b.app, &b.admin, prac, ChannelStatus::Paused)
        .await
        .unwrap();
    let r = publishing::schedule(&b.app, &b.editor, &post("Halo", vec![prac])).await;
    assert!(
        matches!(&r, Err(AppError::PostRefused(r)) if r.channels[0].channel_problem == Some("rule-channel-paused"))
    );
    // An analyst may look but not publish.
    assert!(matches!(
        publishing::schedule(&b.app, &b.analyst, &post("Halo", vec![bsky])).await,
        Err(AppError::Forbidden)
    ));
    assert!(
        publishing::list(&b.app, &b.admin, 50, None)
            .await
            .unwrap()
            .is_empty()
    );
    // No delivery job exists: the worker has nothing to publish.
    let ran = b.worker("w").drain(20).await.unwrap();
    assert!(ran.iter().all(|o| matches!(o, Outcome::Idle)), "{ran:?}");
    assert!(b.bluesky.posts().is_empty());
    // Validation alone reports the counted length and limit per channel.
    let r = publishing::validate(
        &b.app,
        &b.analyst,
        &post("Ayo 📚 https://perpus.id", vec![bsky]),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.channels[0].check.counted, r.channels[0].check.limit),
        (23, 300)
    );
});

dual_test!(bluesky_post_with_image_facets_and_alt, |store| async move {
    let b = Bench::new(store).await;
    let ch = bluesky(&b).await;
    let img = siar_app::media::upload(
        &b.app,
        &b.editor,
        "poster.png",
        png(1200, 800),
        "Poster Festival Literasi Anak",
    )
    .await
    .unwrap();
    let text = "Festival literasi 👨‍👩‍👧 di https://perpus.palembang.go.id #BacaBersama bersama @dinas.bsky.social dan @tidakada.bsky.social";
    let id = publishing::schedule(
        &b.app,
        &b.editor,
        &PostInput {
            media: vec![img.id],
            ..post(text, vec![ch])
        },
    )
    .await
    .unwrap();
    b.worker("w").drain(10).await.unwrap();
    assert_eq!(
        delivery_states(&b, id).await,
        vec![DeliveryState::Published]
    );
    let posts = b.bluesky.posts();
    assert_eq!(posts.len(), 1);
    let rec = &posts[0].record;
    let facets = rec["facets"].as_array().unwrap();
    // Link, tag and the mention that resolves; the unknown handle gets none.
    assert_eq!(facets.len(), 3);
    for f in facets {
        let s = f["index"]["byteStart"].as_u64().unwrap() as usize;
        let e = f["index"]["byteEnd"].as_u64().unwrap() as usize;
        let slice = &text.as_bytes()[s..e];
        let feature = &f["features"][0];
        match feature["$type"].as_str().unwrap() {
            "app.bsky.richtext.facet#link" => assert_eq!(slice, b"https://perpus.palembang.go.id"),
            "app.bsky.richtext.facet#tag" => assert_eq!(slice, b"#BacaBersama"),
            "app.bsky.richtext.facet#mention" => {
                assert_eq!(slice, b"@dinas.bsky.social");
                assert_eq!(feature["did"], "did:plc:dinaspendidikan");
            }
            other => panic!("unexpected facet {other}"),
        }
    }
    let image = &rec["embed"]["images"][0];
    assert_eq!(image["alt"], "Poster Festival Literasi Anak");
    assert_eq!(image["aspectRatio"]["width"], 1200);
    // The record key is the delivery's own, so a retry can find it.
    let d = &publishing::get(&b.app, &b.editor, id)
        .await
        .unwrap()
        .deliveries[0]
        .delivery;
    assert_eq!(
        posts[0].key.as_deref().unwrap(),
        siar_channels::bluesky::record_key(&d.marker, d.created_at)
    );
    assert!(
        d.permalink
            .as_deref()
            .unwrap()
            .starts_with("https://bsky.app/profile/perpus.bsky.social/post/")
    );
});

/// The fake stores the post and then answers too late: the worker times out
/// with the outcome unknown. The next run looks first and finds it.
async fn timeout_after_receipt_is_not_duplicated(
    b: &Bench,
    ch: i64,
    fake: &fakes::Fake,
    path: &str,
) {
    fake.trick(path, Trick::Hang(Duration::from_secs(4)));
    let id = publishing::schedule(
        &b.app,
        &b.editor,
        &post("Jam buka baru mulai Senin.", vec![ch]),
    )
    .await
    .unwrap();
    let w = b.worker("w");
    let out = w.run_once(None).await.unwrap();
    assert!(matches!(out, Outcome::Retrying(..)), "{out:?}");
    assert_eq!(
        delivery_states(b, id).await,
        vec![DeliveryState::Publishing]
    );
    assert_eq!(fake.posts().len(), 1);
    // Later, the retry looks on the platform before doing anything.
    b.clock.advance(Duration::from_secs(600));
    w.drain(10).await.unwrap();
    assert_eq!(delivery_states(b, id).await, vec![DeliveryState::Published]);
    assert_eq!(fake.posts().len(), 1, "no duplicate on the platform");
}

dual_test!(timeout_after_receipt_bluesky, |store| async move {
    let b = Bench::new(store).await;
    let ch = bluesky(&b).await;
    timeout_after_receipt_is_not_duplicated(&b, ch, &b.bluesky, "createRecord").await;
    // The retry looked the record up by its key before anything else.
    assert!(!b.bluesky.seen_path("getRecord").is_empty());
    assert_eq!(b.bluesky.seen_path("createRecord").len(), 1);
});

dual_test!(timeout_after_receipt_mastodon, |store| async move {
    let b = Bench::new(store).await;
    let ch = oauth(&b, Platform::Mastodon).await;
    timeout_after_receipt_is_not_duplicated(&b, ch, &b.mastodon, "/api/v1/statuses").await;
    // Both attempts carried the same Idempotency-Key.
    let keys: Vec<_> = b
        .mastodon
        .seen_path("/api/v1/statuses")
        .into_iter()
        .map(|s| s.idempotency_key)
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
});

dual_test!(timeout_after_receipt_x, |store| async move {
    let b = Bench::new(store).await;
    let ch = oauth(&b, Platform::X).await;
    timeout_after_receipt_is_not_duplicated(&b, ch, &b.x, "/2/tweets").await;
    // Found in the timeline: the post was not sent again.
    assert_eq!(b.x.seen_path("/2/tweets").len(), 1);
});

dual_test!(
    unknown_outcome_beyond_the_key_window_needs_a_person,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = oauth(&b, Platform::Mastodon).await;
        b.mastodon
            .trick("/api/v1/statuses", Trick::Hang(Duration::from_secs(4)));
        let id = publishing::schedule(&b.app, &b.editor, &post("Lomba mewarnai", vec![ch]))
            .await
            .unwrap();
        let w = b.worker("w");
        w.run_once(None).await.unwrap();
        b.clock.advance(Duration::from_secs(2 * 3600));
        w.drain(10).await.unwrap();
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::NeedsAttention]
        );
        assert_eq!(b.mastodon.posts().len(), 1);
        // A person checks the platform and confirms it went out.
        let d = publishing::get(&b.app, &b.editor, id)
            .await
            .unwrap()
            .deliveries[0]
            .delivery
            .id;
        publishing::act_on_delivery(
            &b.app,
            &b.editor,
            d,
            &DeliveryAction::ConfirmPublished {
                link: "https://social.example/@perpuskotaplg/1".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published]
        );
    }
);

dual_test!(
    worker_killed_mid_publish_recovers_without_loss_or_duplicate,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = bluesky(&b).await;
        // Crash before the call: the attempt is recorded, nothing reached Bluesky.
        let before = publishing::schedule(&b.app, &b.editor, &post("Sebelum panggilan", vec![ch]))
            .await
            .unwrap();
        // Crash after the call: Bluesky has it, Siar never wrote it down.
        let after = publishing::schedule(&b.app, &b.editor, &post("Sesudah panggilan", vec![ch]))
            .await
            .unwrap();
        for id in [before, after] {
            let d = publishing::get(&b.app, &b.editor, id)
                .await
                .unwrap()
                .deliveries[0]
                .delivery
                .clone();
            let mut tx = b.app.store.begin().await.unwrap();
            let job =
                siar_store::jobs::claim(&mut tx, "dies", b.clock.now_ts(), Duration::from_secs(60))
                    .await
                    .unwrap()
                    .unwrap();
            assert!(job.payload.contains(&d.id.to_string()));
            assert!(
                siar_store::publishing::record_attempt(&mut tx, d.id, 0, b.clock.now_ts())
                    .await
                    .unwrap()
            );
            tx.commit().await.unwrap();
            if id == after {
                // The "dead" worker's request reached the platform.
                let rkey = siar_channels::bluesky::record_key(&d.marker, d.created_at);
                let client = reqwest::Client::new();
                let s: serde_json::Value = client
                .post(format!("{}/xrpc/com.atproto.server.createSession", b.bluesky.url))
                .json(&serde_json::json!({"identifier": "perpus.bsky.social", "password": fakes::BLUESKY_APP_PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
                let r = client
                .post(format!("{}/xrpc/com.atproto.repo.createRecord", b.bluesky.url))
                .bearer_auth(s["accessJwt"].as_str().unwrap())
                .json(&serde_json::json!({"repo": fakes::BLUESKY_DID, "collection": "app.bsky.feed.post", "rkey": rkey, "record": {"$type": "app.bsky.feed.post", "text": d.text, "createdAt": "2026-11-28T00:00:00Z"}}))
                .send()
                .await
                .unwrap();
                assert!(r.status().is_success());
            }
        }
        // The lease runs out; another worker takes over.
        b.clock.advance(Duration::from_secs(120));
        b.worker("survivor").drain(20).await.unwrap();
        assert_eq!(
            delivery_states(&b, before).await,
            vec![DeliveryState::Published]
        );
        assert_eq!(
            delivery_states(&b, after).await,
            vec![DeliveryState::Published]
        );
        let texts: Vec<String> = b.bluesky.posts().into_iter().map(|p| p.text).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
    }
);

dual_test!(
    revoked_token_pauses_then_reconnect_publishes,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = bluesky(&b).await;
        b.bluesky.revoke_all();
        let id = publishing::schedule(&b.app, &b.editor, &post("Buku baru minggu ini", vec![ch]))
            .await
            .unwrap();
        b.worker("w").drain(10).await.unwrap();
        // Refresh was tried and refused: the channel needs reconnecting, the
        // delivery waits (not failed), the platform's words are kept.
        let c = channels::get(&b.app, &b.admin, ch).await.unwrap();
        assert_eq!(c.status, ChannelStatus::NeedsReconnect);
        assert!(c.status_reason.as_deref().unwrap().contains("ExpiredToken"));
        assert_eq!(delivery_states(&b, id).await, vec![DeliveryState::Waiting]);
        assert!(b.bluesky.posts().is_empty());
        assert_eq!(b.bluesky.seen_path("refreshSession").len(), 1);
        // Reconnecting sends it on.
        bluesky(&b).await;
        b.worker("w").drain(10).await.unwrap();
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published]
        );
        assert_eq!(b.bluesky.posts().len(), 1);
    }
);

dual_test!(
    expired_access_token_is_refreshed_and_publishing_goes_on,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = bluesky(&b).await;
        // Only the access token stops working; the refresh token is fine.
        b.bluesky.state.tokens.lock().unwrap().clear();
        let id = publishing::schedule(&b.app, &b.editor, &post("Kelas menulis", vec![ch]))
            .await
            .unwrap();
        b.worker("w").drain(10).await.unwrap();
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published]
        );
        assert_eq!(
            channels::get(&b.app, &b.admin, ch).await.unwrap().status,
            ChannelStatus::Connected
        );
    }
);

dual_test!(
    empty_refresh_token_never_overwrites_the_stored_one,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = oauth(&b, Platform::X).await;
        let c = channels::get(&b.app, &b.admin, ch).await.unwrap();
        let stored_rt = b.x.state.refresh_tokens.lock().unwrap()[0].clone();
        // X answers this refresh without a refresh token.
        *b.x.state.omit_refresh_token.lock().unwrap() = true;
        assert!(channels::refresh_channel(&b.app, &c).await.unwrap());
        // The stored refresh token is still the old one (the fake consumed it, so
        // give it back to prove Siar still sends it).
        b.x.state
            .refresh_tokens
            .lock()
            .unwrap()
            .push(stored_rt.clone());
        *b.x.state.omit_refresh_token.lock().unwrap() = false;
        assert!(channels::refresh_channel(&b.app, &c).await.unwrap());
        let used: Vec<_> = b.x.seen_path("/2/oauth2/token");
        assert_eq!(used.len(), 3, "exchange and two refreshes");
        // Token care refreshes what expires soon: X tokens last 2 hours.
        b.clock.advance(Duration::from_secs(7200 - 600));
        let before = b.x.seen_path("/2/oauth2/token").len();
        channels::ensure_token_care(&b.app).await.unwrap();
        b.worker("w").drain(5).await.unwrap();
        assert_eq!(b.x.seen_path("/2/oauth2/token").len(), before + 1);
    }
);

dual_test!(
    rate_limit_reschedules_at_the_reset_time,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = oauth(&b, Platform::X).await;
        let reset = b.clock.now_ts().0 / 1000 + 900;
        b.x.limit(100, 0, reset);
        let id = publishing::schedule(&b.app, &b.editor, &post("Dongeng Sabtu pagi", vec![ch]))
            .await
            .unwrap();
        let out = b.worker("w").run_once(None).await.unwrap();
        assert_eq!(
            out,
            Outcome::Retrying(
                match out {
                    Outcome::Retrying(j, _) => j,
                    _ => 0,
                },
                Timestamp(reset * 1000)
            )
        );
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Scheduled]
        );
        b.x.unlimit();
        // Nothing happens before the reset.
        assert!(b.worker("w").drain(5).await.unwrap().is_empty());
        b.clock.set(Timestamp(reset * 1000));
        b.worker("w").drain(5).await.unwrap();
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published]
        );
        assert_eq!(b.x.posts().len(), 1);
    }
);

dual_test!(
    platform_refusal_fails_with_its_words_and_can_be_retried,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = oauth(&b, Platform::Mastodon).await;
        b.mastodon.fail_next(
            "/api/v1/statuses",
            422,
            serde_json::json!({"error": "Validation failed: Text character limit of 500 exceeded"}),
        );
        let id = publishing::schedule(&b.app, &b.editor, &post("Halo", vec![ch]))
            .await
            .unwrap();
        b.worker("w").drain(5).await.unwrap();
        let v = publishing::get(&b.app, &b.editor, id).await.unwrap();
        let d = &v.deliveries[0].delivery;
        assert_eq!(d.state, DeliveryState::Failed);
        assert_eq!(d.error_key.as_deref(), Some("perr-invalid"));
        assert!(
            d.error_detail
                .as_deref()
                .unwrap()
                .contains("character limit")
        );
        publishing::act_on_delivery(&b.app, &b.editor, d.id, &DeliveryAction::Retry)
            .await
            .unwrap();
        b.worker("w").drain(5).await.unwrap();
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published]
        );
        assert_eq!(b.mastodon.posts().len(), 1);
    }
);

dual_test!(oauth_state_is_single_use_and_personal, |store| async move {
    let b = Bench::new(store).await;
    let url = channels::start_oauth(&b.app, &b.admin, Platform::X, "")
        .await
        .unwrap();
    let q: std::collections::HashMap<String, String> = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["scope"].contains("offline.access"));
    // Someone else's session cannot finish it; then it is gone.
    let mut other = b.admin.clone();
    other.user = b.editor.user;
    assert!(
        channels::finish_oauth(&b.app, &other, &q["state"], "code")
            .await
            .is_err()
    );
    assert!(matches!(
        channels::finish_oauth(&b.app, &b.admin, &q["state"], "code").await,
        Err(AppError::Invalid(_))
    ));
    // Only admins connect channels.
    assert!(matches!(
        channels::start_oauth(&b.app, &b.editor, Platform::X, "").await,
        Err(AppError::Forbidden)
    ));
});

dual_test!(mastodon_video_waits_for_processing, |store| async move {
    let b = Bench::new(store).await;
    let ch = oauth(&b, Platform::Mastodon).await;
    let mp4 = include_bytes!("../../siar-testkit/fixtures/tiny.mp4").to_vec();
    let m = siar_app::media::upload(&b.app, &b.editor, "klip.mp4", mp4, "Klip kegiatan")
        .await
        .unwrap();
    assert!(m.duration_ms.unwrap() > 0 && m.width > 0);
    let id = publishing::schedule(
        &b.app,
        &b.editor,
        &PostInput {
            media: vec![m.id],
            ..post("Video kegiatan", vec![ch])
        },
    )
    .await
    .unwrap();
    b.worker("w").drain(5).await.unwrap();
    assert_eq!(
        delivery_states(&b, id).await,
        vec![DeliveryState::Published]
    );
    // 202 on upload, then 206, then 200 before the status was posted.
    assert!(b.mastodon.seen_path("/api/v1/media/").len() >= 2);
    assert_eq!(b.mastodon.posts()[0].media.len(), 1);
});

dual_test!(two_workers_never_publish_twice, |store| async move {
    let b = Bench::new(store).await;
    let bsky = bluesky(&b).await;
    let masto = oauth(&b, Platform::Mastodon).await;
    let mut ids = vec![];
    for i in 0..25 {
        ids.push(
            publishing::schedule(
                &b.app,
                &b.editor,
                &post(&format!("Info layanan ke-{i}"), vec![bsky, masto]),
            )
            .await
            .unwrap(),
        );
    }
    let (w1, w2) = (b.worker("w1"), b.worker("w2"));
    let (a, c) = tokio::join!(w1.drain(200), w2.drain(200));
    let (a, c) = (a.unwrap(), c.unwrap());
    let done = |v: &Vec<Outcome>| {
        v.iter()
            .filter(|o| matches!(o, Outcome::Succeeded(_)))
            .count()
    };
    assert_eq!(done(&a) + done(&c), 50);
    assert!(
        done(&a) > 0 && done(&c) > 0,
        "both workers took part: {} / {}",
        done(&a),
        done(&c)
    );
    for id in ids {
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published, DeliveryState::Published]
        );
    }
    let mut texts: Vec<String> = b.bluesky.posts().into_iter().map(|p| p.text).collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 25);
    assert_eq!(b.bluesky.posts().len(), 25);
    assert_eq!(b.mastodon.posts().len(), 25);
});

async fn channel_of(b: &Bench, p: Platform) -> i64 {
    channels::list(&b.app, &b.admin)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.platform == p)
        .unwrap_or_else(|| panic!("no {p:?} channel"))
        .id
}

async fn image(b: &Bench, alt: &str) -> i64 {
    let jpg = include_bytes!("../../siar-testkit/fixtures/poster.jpg").to_vec();
    siar_app::media::upload(&b.app, &b.editor, "poster.jpg", jpg, alt)
        .await
        .unwrap()
        .id
}

async fn video(b: &Bench) -> i64 {
    let mp4 = include_bytes!("../../siar-testkit/fixtures/tiny.mp4").to_vec();
    siar_app::media::upload(&b.app, &b.editor, "klip.mp4", mp4, "Klip kegiatan membaca")
        .await
        .unwrap()
        .id
}

dual_test!(
    facebook_login_connects_pages_with_their_instagram,
    |store| async move {
        let b = Bench::new(store).await;
        oauth(&b, Platform::Facebook).await;
        let list = channels::list(&b.app, &b.admin).await.unwrap();
        // The Page the person may post to, and its Instagram account; not the
        // Page where they are only an analyst.
        let names: Vec<(Platform, String)> = list
            .iter()
            .map(|c| (c.platform, c.remote_id.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                (Platform::Facebook, fakes::FB_PAGE_ID.to_string()),
                (Platform::Instagram, fakes::IG_USER_ID.to_string())
            ]
        );
        assert!(
            list.iter().all(|c| c.token_expires_at.is_none()),
            "Page tokens do not expire"
        );
    }
);

dual_test!(
    facebook_publishes_text_link_photos_and_video,
    |store| async move {
        let b = Bench::new(store).await;
        oauth(&b, Platform::Facebook).await;
        let fb = channel_of(&b, Platform::Facebook).await;
        let (i1, i2, v) = (
            image(&b, "Sampul A").await,
            image(&b, "Sampul B").await,
            video(&b).await,
        );
        let posts = [
            PostInput {
                ..post(
                    "Jadwal baru: https://perpus.palembang.go.id/jadwal",
                    vec![fb],
                )
            },
            PostInput {
                media: vec![i1],
                ..post("Satu foto", vec![fb])
            },
            PostInput {
                media: vec![i1, i2],
                ..post("Dua foto", vec![fb])
            },
            PostInput {
                media: vec![v],
                title: Some("Klip".into()),
                ..post("Video kegiatan", vec![fb])
            },
        ];
        for p in &posts {
            publishing::schedule(&b.app, &b.editor, p).await.unwrap();
        }
        b.worker("w").drain(20).await.unwrap();
        let got = b.meta.posts();
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[0].record,
            serde_json::json!("https://perpus.palembang.go.id/jadwal")
        );
        assert_eq!(
            got[2].media.len(),
            2,
            "two unpublished photos attached to one feed post"
        );
        assert_eq!(b.meta.seen_path("/photos").len(), 3);
        assert_eq!(b.meta.seen_path("/videos").len(), 1);
        let counts = {
            let mut tx = b.app.store.read().await.unwrap();
            siar_store::publishing::delivery_counts(&mut tx, b.admin.org)
                .await
                .unwrap()
        };
        assert_eq!(counts, vec![(DeliveryState::Published, 4)]);
    }
);

dual_test!(
    instagram_image_carousel_and_reel_through_containers,
    |store| async move {
        let b = Bench::new(store).await;
        oauth(&b, Platform::Facebook).await;
        let ig = channel_of(&b, Platform::Instagram).await;
        let (i1, i2, v) = (
            image(&b, "Sampul A").await,
            image(&b, "Sampul B").await,
            video(&b).await,
        );
        // poster.jpg is 1200×800 (1.5:1), inside Instagram's 4:5 to 1.91:1.
        for p in [
            PostInput {
                media: vec![i1],
                ..post("Satu gambar #BacaBuku", vec![ig])
            },
            PostInput {
                media: vec![i1, i2],
                ..post("Karusel", vec![ig])
            },
            PostInput {
                media: vec![v],
                ..post("Reel kegiatan", vec![ig])
            },
        ] {
            publishing::schedule(&b.app, &b.editor, &p).await.unwrap();
        }
        b.worker("w").drain(20).await.unwrap();
        let got = b.meta.posts();
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(
            got[0].record["image_url"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:9/media/"),
            "a signed public URL"
        );
        assert_eq!(got[0].record["alt_text"], "Sampul A");
        assert_eq!(got[1].record["media_type"], "CAROUSEL");
        assert_eq!(got[1].media.len(), 2);
        assert_eq!(got[2].record["media_type"], "REELS");
        // The reel's container was polled until FINISHED; the quota was read first.
        assert!(b.meta.seen_path("content_publishing_limit").len() >= 3);
        // Bad input: Instagram refuses text alone before anything is scheduled.
        let r = publishing::schedule(&b.app, &b.editor, &post("Hanya teks", vec![ig])).await;
        assert!(matches!(r, Err(AppError::PostRefused(_))));
    }
);

dual_test!(
    instagram_full_quota_waits_and_meta_token_loss_pauses,
    |store| async move {
        let b = Bench::new(store).await;
        oauth(&b, Platform::Facebook).await;
        let ig = channel_of(&b, Platform::Instagram).await;
        let fb = channel_of(&b, Platform::Facebook).await;
        let i1 = image(&b, "Sampul").await;
        b.meta.limit(0, 0, 0);
        let id = publishing::schedule(
            &b.app,
            &b.editor,
            &PostInput {
                media: vec![i1],
                ..post("Kuota", vec![ig])
            },
        )
        .await
        .unwrap();
        let out = b.worker("w").run_once(None).await.unwrap();
        assert!(
            matches!(out, Outcome::Retrying(_, at) if at.0 >= b.clock.now_ts().0 + 3_600_000),
            "{out:?}"
        );
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Scheduled]
        );
        b.meta.unlimit();
        // The person changed their Facebook password: every token dies (code 190).
        b.meta.revoke_all();
        b.meta.state.tokens.lock().unwrap().clear();
        let id2 = publishing::schedule(&b.app, &b.editor, &post("Halo Facebook", vec![fb]))
            .await
            .unwrap();
        b.worker("w").drain(5).await.unwrap();
        assert_eq!(delivery_states(&b, id2).await, vec![DeliveryState::Waiting]);
        let c = channels::get(&b.app, &b.admin, fb).await.unwrap();
        assert_eq!(c.status, ChannelStatus::NeedsReconnect);
        assert!(c.status_reason.unwrap().contains("(190/460)"));
    }
);

dual_test!(
    youtube_upload_resumes_after_a_broken_connection,
    |store| async move {
        let b = Bench::new(store).await;
        let yt = oauth(&b, Platform::YouTube).await;
        let v = video(&b).await;
        let thumb = image(&b, "Gambar sampul video").await;
        // The second chunk reaches Google, then the connection breaks.
        b.google
            .trick("bytes 4096-", Trick::Hang(Duration::from_secs(4)));
        let id = publishing::schedule(
            &b.app,
            &b.editor,
            &PostInput {
                media: vec![v, thumb],
                title: Some("Dongeng Sabtu: Si Kancil".into()),
                ..post(
                    "Rekaman dongeng Sabtu pagi. #DongengSabtu #PerpustakaanPalembang",
                    vec![yt],
                )
            },
        )
        .await
        .unwrap();
        b.worker("w").drain(5).await.unwrap();
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published]
        );
        let got = b.google.posts();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].media,
            vec![format!(
                "{} bytes",
                include_bytes!("../../siar-testkit/fixtures/tiny.mp4").len()
            )]
        );
        assert_eq!(
            got[0].record["snippet"]["title"],
            "Dongeng Sabtu: Si Kancil"
        );
        assert_eq!(
            got[0].record["snippet"]["tags"],
            serde_json::json!(["DongengSabtu", "PerpustakaanPalembang"])
        );
        // It asked for the server's offset and went on from there; no byte twice.
        let puts: Vec<String> = b
            .google
            .seen_path("/upload/session/")
            .iter()
            .map(|s| s.body["range"].as_str().unwrap().to_string())
            .collect();
        assert!(
            puts.contains(&format!(
                "bytes */{}",
                include_bytes!("../../siar-testkit/fixtures/tiny.mp4").len()
            )),
            "{puts:?}"
        );
        assert_eq!(
            puts.iter().filter(|r| r.starts_with("bytes 4096-")).count(),
            1,
            "{puts:?}"
        );
        assert_eq!(b.google.seen_path("thumbnails/set").len(), 1);
        // Without a video, YouTube is refused before anything is scheduled.
        let r = publishing::schedule(
            &b.app,
            &b.editor,
            &PostInput {
                title: Some("x".into()),
                ..post("Teks", vec![yt])
            },
        )
        .await;
        assert!(matches!(r, Err(AppError::PostRefused(_))));
    }
);

dual_test!(
    youtube_refresh_keeps_the_stored_refresh_token,
    |store| async move {
        let b = Bench::new(store).await;
        let yt = oauth(&b, Platform::YouTube).await;
        let c = channels::get(&b.app, &b.admin, yt).await.unwrap();
        assert!(c.token_expires_at.is_some());
        // Google answers refreshes without a refresh token; twice in a row works
        // only if the stored one was kept.
        assert!(channels::refresh_channel(&b.app, &c).await.unwrap());
        assert!(channels::refresh_channel(&b.app, &c).await.unwrap());
        assert_eq!(
            channels::get(&b.app, &b.admin, yt).await.unwrap().status,
            ChannelStatus::Connected
        );
    }
);

dual_test!(a_library_may_relax_the_alt_text_rule, |store| async move {
    let b = Bench::new(store).await;
    let ch = practice(&b).await;
    let img = siar_app::media::upload(&b.app, &b.editor, "foto.png", png(800, 600), "")
        .await
        .unwrap();
    let input = PostInput {
        media: vec![img.id],
        ..post("Foto tanpa teks alternatif", vec![ch])
    };
    assert!(matches!(
        publishing::schedule(&b.app, &b.editor, &input).await,
        Err(AppError::PostRefused(_))
    ));
    let org = siar_app::settings::organisation(&b.app, b.admin.org)
        .await
        .unwrap();
    let mut s = org.settings.clone();
    s.require_alt = false;
    let mut tx = b.app.store.begin().await.unwrap();
    siar_store::org::update_settings(&mut tx, b.admin.org, &s, b.clock.now_ts())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    publishing::schedule(&b.app, &b.editor, &input)
        .await
        .unwrap();
});

dual_test!(
    instagram_fetches_an_image_converted_to_its_rules,
    |store| async move {
        let b = Bench::new(store).await;
        oauth(&b, Platform::Facebook).await;
        let ig = channel_of(&b, Platform::Instagram).await;
        // A wide PNG: Instagram takes JPEG only, 4:5 to 1.91:1, at most 1440 wide.
        let img = image::RgbImage::from_fn(3000, 1000, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut png = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let m = siar_app::media::upload(
            &b.app,
            &b.editor,
            "spanduk.png",
            png.into_inner(),
            "Spanduk festival",
        )
        .await
        .unwrap();
        publishing::schedule(
            &b.app,
            &b.editor,
            &PostInput {
                media: vec![m.id],
                ..post("Spanduk", vec![ig])
            },
        )
        .await
        .unwrap();
        b.worker("w").drain(5).await.unwrap();
        let url = b.meta.posts()[0].record["image_url"]
            .as_str()
            .unwrap()
            .to_string();
        let parts: Vec<&str> = url
            .trim_start_matches("http://127.0.0.1:9/media/")
            .split('/')
            .collect();
        let (mime, bytes) = siar_app::media::open_signed(
            &b.app,
            parts[0].parse().unwrap(),
            parts[1],
            parts[2].parse().unwrap(),
            parts[3],
        )
        .await
        .unwrap();
        assert_eq!(mime, "image/jpeg");
        let size = imagesize::blob_size(&bytes).unwrap();
        assert_eq!(size.width, 1440);
        assert!((size.width as f64 / size.height as f64) <= 1.911);
        // A tampered signature or another platform's name opens nothing.
        assert!(
            siar_app::media::open_signed(
                &b.app,
                parts[0].parse().unwrap(),
                "x",
                parts[2].parse().unwrap(),
                parts[3]
            )
            .await
            .is_err()
        );
        assert!(
            siar_app::media::open_signed(
                &b.app,
                parts[0].parse().unwrap(),
                parts[1],
                parts[2].parse().unwrap(),
                "AAAA"
            )
            .await
            .is_err()
        );
    }
);

dual_test!(bluesky_link_card_reads_the_page, |store| async move {
    let b = Bench::new(store).await;
    let ch = bluesky(&b).await;
    let link = format!("{}/acara/festival", b.bluesky.url);
    publishing::schedule(
        &b.app,
        &b.editor,
        &post(&format!("Ayo datang! {link}"), vec![ch]),
    )
    .await
    .unwrap();
    b.worker("w").drain(5).await.unwrap();
    let rec = &b.bluesky.posts()[0].record;
    let ext = &rec["embed"]["external"];
    assert_eq!(rec["embed"]["$type"], "app.bsky.embed.external");
    assert_eq!(ext["uri"], link.as_str());
    assert_eq!(ext["title"], "Festival Literasi Anak 2026");
    assert!(
        ext["description"]
            .as_str()
            .unwrap()
            .starts_with("Tiga hari dongeng")
    );
    assert_eq!(ext["thumb"]["mimeType"], "image/png");
});

dual_test!(
    threads_reply_part_by_part_and_resume_without_duplicates,
    |store| async move {
        let b = Bench::new(store).await;
        let bsky = bluesky(&b).await;
        let x = oauth(&b, Platform::X).await;
        let masto = oauth(&b, Platform::Mastodon).await;
        let prac = practice(&b).await;
        let text = "Utas: tips memilih buku anak 🧵\n---\n1. Sesuaikan dengan usia #BacaAnak\n---\n2. Ajak anak memilih sendiri";
        // The second part fails on Bluesky and X the first time (server errors):
        // the thread is cut short after its first post.
        b.bluesky.trick_after(
            "createRecord",
            1,
            Trick::Fail {
                status: 502,
                body: serde_json::json!({"error": "UpstreamFailure", "message": "bad gateway"}),
                headers: vec![],
            },
        );
        b.x.trick_after(
        "/2/tweets",
        1,
        Trick::Fail { status: 503, body: serde_json::json!({"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank", "status": 503}), headers: vec![] },
    );
        let id = publishing::schedule(&b.app, &b.editor, &post(text, vec![bsky, x, masto, prac]))
            .await
            .unwrap();
        let w = b.worker("w");
        w.drain(10).await.unwrap();
        b.clock.advance(Duration::from_secs(600));
        w.drain(10).await.unwrap();
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published; 4]
        );
        // Bluesky: three posts, each replying to the one before, root = first.
        let bp = b.bluesky.posts();
        assert_eq!(
            bp.iter().map(|p| p.text.as_str()).collect::<Vec<_>>(),
            vec![
                "Utas: tips memilih buku anak 🧵",
                "1. Sesuaikan dengan usia #BacaAnak",
                "2. Ajak anak memilih sendiri"
            ]
        );
        assert_eq!(bp[1].record["reply"]["parent"]["uri"], bp[0].id.as_str());
        assert_eq!(bp[2].record["reply"]["parent"]["uri"], bp[1].id.as_str());
        assert_eq!(bp[2].record["reply"]["root"]["uri"], bp[0].id.as_str());
        // X: three posts; the resumed run met the first as a duplicate and went on.
        let xp = b.x.posts();
        assert_eq!(xp.len(), 3, "{xp:?}");
        assert_eq!(
            xp[1].record["reply"]["in_reply_to_tweet_id"],
            xp[0].id.as_str()
        );
        assert_eq!(
            xp[2].record["reply"]["in_reply_to_tweet_id"],
            xp[1].id.as_str()
        );
        // Mastodon: three statuses chained by in_reply_to_id.
        let mp = b.mastodon.posts();
        assert_eq!(mp.len(), 3);
        assert_eq!(mp[2].record["in_reply_to_id"], mp[1].id.as_str());
        // The practice channel has no threads: one post with three paragraphs.
        let v = publishing::get(&b.app, &b.editor, id).await.unwrap();
        let practice_text = &v
            .deliveries
            .iter()
            .find(|d| d.channel.id == prac)
            .unwrap()
            .delivery
            .text;
        assert_eq!(
            practice_text,
            "Utas: tips memilih buku anak 🧵\n\n1. Sesuaikan dengan usia #BacaAnak\n\n2. Ajak anak memilih sendiri"
        );
    }
);

dual_test!(
    several_facebook_pages_are_picked_by_the_person,
    |store| async move {
        let b = Bench::new(store).await;
        *b.meta.state.naive.lock().unwrap() = true; // the fake offers a second postable Page
        let url = channels::start_oauth(&b.app, &b.admin, Platform::Facebook, "")
            .await
            .unwrap();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let loc = client.get(&url).send().await.unwrap().headers()["location"]
            .to_str()
            .unwrap()
            .to_string();
        let q: std::collections::HashMap<String, String> = url::Url::parse(&loc)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        let channels::Connected::PickPages { token, pages } =
            channels::finish_oauth(&b.app, &b.admin, &q["state"], &q["code"])
                .await
                .unwrap()
        else {
            panic!("expected a choice");
        };
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].instagram.as_deref(), Some("@perpuskotaplg"));
        // Nothing picked: refused, and the choice stays open.
        assert!(matches!(
            channels::pick_pages(&b.app, &b.admin, &token, &[]).await,
            Err(AppError::Invalid(_))
        ));
        assert_eq!(
            channels::pending_pages(&b.app, &b.admin, &token)
                .await
                .unwrap()
                .len(),
            2
        );
        // Someone else cannot use the choice, and their try uses nothing up.
        let mut other = b.admin.clone();
        other.user = b.editor.user;
        assert!(
            channels::pick_pages(&b.app, &other, &token, &[fakes::FB_PAGE_ID.into()])
                .await
                .is_err()
        );
        assert!(channels::list(&b.app, &b.admin).await.unwrap().is_empty());
        // The first Page with its Instagram account, not the second Page.
        channels::pick_pages(&b.app, &b.admin, &token, &[fakes::FB_PAGE_ID.into()])
            .await
            .unwrap();
        let got: Vec<_> = channels::list(&b.app, &b.admin)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.platform, c.remote_id))
            .collect();
        assert_eq!(
            got,
            vec![
                (Platform::Facebook, fakes::FB_PAGE_ID.to_string()),
                (Platform::Instagram, fakes::IG_USER_ID.to_string())
            ]
        );
        // The choice is used up.
        assert!(
            channels::pending_pages(&b.app, &b.admin, &token)
                .await
                .is_err()
        );
    }
);

dual_test!(x_images_carry_their_alt_text, |store| async move {
    let b = Bench::new(store).await;
    let x = oauth(&b, Platform::X).await;
    let img = image(&b, "Anak-anak membaca di taman baca").await;
    publishing::schedule(
        &b.app,
        &b.editor,
        &PostInput {
            media: vec![img],
            ..post("Taman baca", vec![x])
        },
    )
    .await
    .unwrap();
    b.worker("w").drain(5).await.unwrap();
    let meta = b.x.seen_path("/2/media/metadata");
    assert_eq!(meta.len(), 1);
    assert_eq!(
        meta[0].body["metadata"]["alt_text"]["text"],
        "Anak-anak membaca di taman baca"
    );
    assert_eq!(b.x.posts()[0].media.len(), 1);
});

dual_test!(
    a_post_found_after_an_unknown_outcome_keeps_the_platforms_time,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = oauth(&b, Platform::X).await;
        // The fake stores the post, then answers after the worker gave up.
        b.x.trick("/2/tweets", Trick::Hang(Duration::from_secs(4)));
        let id = publishing::schedule(
            &b.app,
            &b.editor,
            &post("Perpustakaan buka sampai pukul 21.00 malam ini.", vec![ch]),
        )
        .await
        .unwrap();
        let sent_at = b.app.now();
        // Retries come back after a second, well inside the window in which
        // the first call might still be in flight (2 s timeout + 5 s).
        let w = quick_retries(&b);
        assert!(matches!(
            w.run_once(None).await.unwrap(),
            Outcome::Retrying(..)
        ));
        b.clock.advance(Duration::from_secs(2));
        // The look comes first and finds it: published now, stamped with the
        // time X gives the post, not the time it was found.
        assert!(matches!(
            w.run_once(None).await.unwrap(),
            Outcome::Succeeded(_)
        ));
        let view = publishing::get(&b.app, &b.editor, id).await.unwrap();
        let d = &view.deliveries[0].delivery;
        assert_eq!(d.state, DeliveryState::Published);
        assert_eq!(d.published_at, Some(sent_at));
        assert_eq!(b.x.posts().len(), 1);
        assert_eq!(b.x.seen_path("/2/tweets").len(), 1, "never sent twice");
    }
);

dual_test!(
    a_look_that_finds_nothing_waits_while_a_call_may_be_in_flight,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = oauth(&b, Platform::X).await;
        // A server error: X may or may not have stored it. It has not (yet).
        b.x.trick(
            "/2/tweets",
            Trick::Fail {
                status: 503,
                body: serde_json::json!({"title": "Service Unavailable"}),
                headers: vec![],
            },
        );
        let id = publishing::schedule(&b.app, &b.editor, &post("Lomba baca puisi", vec![ch]))
            .await
            .unwrap();
        let started = b.app.now();
        let w = quick_retries(&b);
        w.run_once(None).await.unwrap();
        b.clock.advance(Duration::from_secs(2));
        // Nothing found, but the first call may still land: wait for the
        // window (2 s timeout + 5 s) to close before trusting the absence.
        let out = w.run_once(None).await.unwrap();
        assert_eq!(
            out,
            Outcome::Retrying(out_id(&out), started.plus(Duration::from_secs(7)))
        );
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Publishing]
        );
        assert!(b.x.posts().is_empty());
        b.clock.advance(Duration::from_secs(6));
        w.drain(5).await.unwrap();
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published]
        );
        assert_eq!(b.x.posts().len(), 1);
    }
);

fn out_id(o: &Outcome) -> i64 {
    match o {
        Outcome::Retrying(id, _) | Outcome::Succeeded(id) | Outcome::Dead(id) => *id,
        other => panic!("unexpected outcome {other:?}"),
    }
}

/// A worker whose retries come back after one second.
fn quick_retries(b: &Bench) -> siar_app::jobs::Worker {
    siar_app::jobs::Worker::new(
        b.app.clone(),
        "w",
        siar_app::jobs::WorkerConfig {
            backoff: siar_domain::jobs::Backoff {
                base: Duration::from_secs(1),
                max: Duration::from_secs(1),
                jitter: 0.0,
            },
            ..siar_app::jobs::WorkerConfig::default()
        },
    )
}

dual_test!(
    bluesky_need_not_wait_for_a_call_in_flight,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = bluesky(&b).await;
        // A server error: Bluesky may or may not have the record (it does not).
        b.bluesky.trick(
            "createRecord",
            Trick::Fail {
                status: 502,
                body: serde_json::json!({"error": "UpstreamFailure", "message": "bad gateway"}),
                headers: vec![],
            },
        );
        let id = publishing::schedule(&b.app, &b.editor, &post("Lomba baca puisi", vec![ch]))
            .await
            .unwrap();
        let w = quick_retries(&b);
        w.run_once(None).await.unwrap();
        b.clock.advance(Duration::from_secs(2));
        // The record's name is the delivery's: a late first call and this one
        // cannot both create it, so the retry goes ahead at once.
        assert!(matches!(
            w.run_once(None).await.unwrap(),
            Outcome::Succeeded(_)
        ));
        assert_eq!(
            delivery_states(&b, id).await,
            vec![DeliveryState::Published]
        );
        assert_eq!(b.bluesky.posts().len(), 1);
    }
);
