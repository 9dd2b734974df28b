//! Storage of channels, posts, deliveries, media and the practice timeline, on
//! SQLite and PostgreSQL.

use siar_domain::Timestamp;
use siar_domain::channels::{ChannelStatus, Platform};
use siar_domain::org::{Lang, OpeningHours, OrgId, OrgSettings, UserId};
use siar_domain::publishing::{DeliveryState, MediaKind};
use siar_store::channels::{self, NewChannel};
use siar_store::publishing::{self as publ, NewDelivery, NewMedia};
use siar_store::{Store, StoreError, org};
use siar_testkit::dual_test;

const T0: Timestamp = Timestamp(1_795_827_600_000);

async fn two_orgs(store: &Store) -> (OrgId, OrgId) {
    let s = |name: &str| OrgSettings {
        name: name.into(),
        timezone: chrono_tz::Asia::Jakarta,
        default_lang: Lang::Id,
        opening_hours: OpeningHours::library_default(),
        holidays: vec![],
        require_alt: true,
    };
    let mut tx = store.begin().await.unwrap();
    let a = org::insert_org(&mut tx, "palembang", &s("Palembang"), T0)
        .await
        .unwrap();
    let b = org::insert_org(&mut tx, "lain", &s("Lain"), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (a.id, b.id)
}

fn bluesky<'a>(cred: Option<&'a str>) -> NewChannel<'a> {
    NewChannel {
        platform: Platform::Bluesky,
        remote_id: "did:plc:abc",
        name: "Perpustakaan Kota Palembang",
        handle: "perpus.bsky.social",
        base_url: Some("https://bsky.social"),
        credentials: cred,
        token_expires_at: Some(Timestamp(T0.0 + 3_600_000)),
        limits: None,
    }
}

dual_test!(
    channels_reconnect_keeps_id_and_credentials,
    |store| async move {
        let (a, b) = two_orgs(&store).await;
        let mut tx = store.begin().await.unwrap();
        let (id, new) = channels::upsert(&mut tx, a, &bluesky(Some("v1:k:secret")), T0)
            .await
            .unwrap();
        assert!(new);
        channels::set_status(
            &mut tx,
            a,
            id,
            ChannelStatus::NeedsReconnect,
            Some("ExpiredToken"),
            T0,
        )
        .await
        .unwrap();
        // Reconnecting the same account without new credentials keeps the old ones.
        let (again, new) = channels::upsert(&mut tx, a, &bluesky(None), T0)
            .await
            .unwrap();
        assert_eq!((again, new), (id, false));
        let c = channels::get(&mut tx, a, id).await.unwrap().unwrap();
        assert_eq!(c.status, ChannelStatus::Connected);
        assert_eq!(c.status_reason, None);
        let (cred, _) = channels::secrets(&mut tx, a, id).await.unwrap();
        assert_eq!(cred.as_deref(), Some("v1:k:secret"));
        // Another organisation sees nothing, and can connect the same account.
        assert!(channels::get(&mut tx, b, id).await.unwrap().is_none());
        assert!(channels::list(&mut tx, b).await.unwrap().is_empty());
        assert!(matches!(
            channels::secrets(&mut tx, b, id).await,
            Err(StoreError::NotFound)
        ));
        let (other, new) = channels::upsert(&mut tx, b, &bluesky(None), T0)
            .await
            .unwrap();
        assert!(new && other != id);
        // Expiring tokens are found for the refresh job.
        let soon = channels::expiring(&mut tx, Timestamp(T0.0 + 7_200_000))
            .await
            .unwrap();
        assert_eq!(soon.len(), 2);
        tx.commit().await.unwrap();
    }
);

dual_test!(oauth_state_works_once_and_expires, |store| async move {
    let (a, _) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    let user = org::insert_user(
        &mut tx,
        a,
        &org::NewUser {
            name: "Admin",
            email: "admin@perpus.id",
            role: siar_domain::org::Role::Admin,
            password_hash: "h",
        },
        T0,
    )
    .await
    .unwrap()
    .id;
    for (state, exp) in [("s1", T0.0 + 600_000), ("s2", T0.0 - 1)] {
        channels::insert_flow(
            &mut tx,
            a,
            user,
            Platform::X,
            state,
            "v1:k:verifier",
            None,
            None,
            T0,
            Timestamp(exp),
        )
        .await
        .unwrap();
    }
    let f = channels::take_flow(&mut tx, "s1", T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f.platform, "x");
    assert!(
        channels::take_flow(&mut tx, "s1", T0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        channels::take_flow(&mut tx, "s2", T0)
            .await
            .unwrap()
            .is_none()
    );
    tx.commit().await.unwrap();
});

dual_test!(deliveries_record_attempts_once, |store| async move {
    let (a, b) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    let (ch, _) = channels::upsert(&mut tx, a, &bluesky(None), T0)
        .await
        .unwrap();
    let post = publ::insert_post(&mut tx, a, None, "Halo", None, T0, T0)
        .await
        .unwrap();
    let d = publ::insert_delivery(
        &mut tx,
        a,
        &NewDelivery {
            post_id: post,
            channel_id: ch,
            text: "Halo 📚",
            title: None,
            media: &[3, 1],
            publish_at: T0,
            marker: "siarabc",
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // The same post cannot have two deliveries on one channel. (A refused write
    // ends a PostgreSQL transaction, so it gets its own.)
    let mut tx = store.begin().await.unwrap();
    let twin = publ::insert_delivery(
        &mut tx,
        a,
        &NewDelivery {
            post_id: post,
            channel_id: ch,
            text: "x",
            title: None,
            media: &[],
            publish_at: T0,
            marker: "siardef",
        },
        T0,
    )
    .await;
    assert!(matches!(twin, Err(StoreError::Conflict(_))));
    tx.rollback().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let got = publ::get_delivery(&mut tx, a, d).await.unwrap().unwrap();
    assert_eq!(got.media, vec![3, 1]);
    assert_eq!(got.state, DeliveryState::Scheduled);
    assert!(publ::get_delivery(&mut tx, b, d).await.unwrap().is_none());
    // Two workers that read attempts = 0: only one may record the attempt.
    assert!(publ::record_attempt(&mut tx, d, 0, T0).await.unwrap());
    assert!(!publ::record_attempt(&mut tx, d, 0, T0).await.unwrap());
    let got = publ::get_delivery(&mut tx, a, d).await.unwrap().unwrap();
    assert_eq!(
        (got.state, got.attempts, got.attempt_started_at),
        (DeliveryState::Publishing, 1, Some(T0))
    );
    // Content can no longer change once attempted.
    assert!(
        !publ::update_delivery_content(
            &mut tx,
            a,
            d,
            &publ::DeliveryContent {
                text: "baru",
                title: None,
                media: &[],
                publish_at: T0
            },
            T0
        )
        .await
        .unwrap()
    );
    publ::mark_published(&mut tx, d, "at://x/1", Some("https://bsky.app/x"), T0)
        .await
        .unwrap();
    // A cancel that races the publish does not undo it.
    assert!(
        !publ::set_state(
            &mut tx,
            d,
            DeliveryState::Cancelled,
            None,
            None,
            &[DeliveryState::Scheduled],
            T0
        )
        .await
        .unwrap()
    );
    let counts = publ::delivery_counts(&mut tx, a).await.unwrap();
    assert_eq!(counts, vec![(DeliveryState::Published, 1)]);
    assert_eq!(
        publ::deliveries_of_posts(&mut tx, a, &[post])
            .await
            .unwrap()
            .len(),
        1
    );
    tx.commit().await.unwrap();
});

dual_test!(posts_page_and_delete, |store| async move {
    let (a, b) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    let mut ids = vec![];
    for i in 0..5 {
        ids.push(
            publ::insert_post(&mut tx, a, None, &format!("Pos {i}"), None, T0, T0)
                .await
                .unwrap(),
        );
    }
    let page = publ::list_posts(&mut tx, a, 2, None).await.unwrap();
    assert_eq!(
        page.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![ids[4], ids[3]]
    );
    let next = publ::list_posts(&mut tx, a, 2, Some(ids[3])).await.unwrap();
    assert_eq!(next[0].id, ids[2]);
    assert!(!publ::delete_post(&mut tx, b, ids[0], T0).await.unwrap());
    assert!(publ::delete_post(&mut tx, a, ids[0], T0).await.unwrap());
    assert!(publ::get_post(&mut tx, a, ids[0]).await.unwrap().is_none());
    assert!(
        publ::update_post(&mut tx, a, ids[1], "Baru", Some("J"), T0, T0)
            .await
            .unwrap()
    );
    assert_eq!(
        publ::get_post(&mut tx, a, ids[1])
            .await
            .unwrap()
            .unwrap()
            .text,
        "Baru"
    );
    tx.commit().await.unwrap();
});

dual_test!(media_and_practice_timeline, |store| async move {
    let (a, b) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    let m = publ::insert_media(
        &mut tx,
        a,
        None::<UserId>,
        &NewMedia {
            kind: MediaKind::Image,
            mime: "image/jpeg",
            bytes: 1234,
            width: 800,
            height: 600,
            duration_ms: None,
            alt: "",
            file_name: "sampul.jpg",
            storage_key: "1/ab/abcdef",
            sha256: "abcdef",
        },
        T0,
    )
    .await
    .unwrap();
    assert!(
        publ::set_media_alt(&mut tx, a, m, "Sampul buku")
            .await
            .unwrap()
    );
    assert!(!publ::set_media_alt(&mut tx, b, m, "x").await.unwrap());
    let got = publ::media_by_ids(&mut tx, a, &[m, 999]).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].alt, "Sampul buku");
    assert!(
        publ::media_by_ids(&mut tx, b, &[m])
            .await
            .unwrap()
            .is_empty()
    );

    let practice = NewChannel {
        platform: Platform::Practice,
        remote_id: "practice",
        name: "Kanal Latihan",
        handle: "latihan",
        base_url: None,
        credentials: None,
        token_expires_at: None,
        limits: None,
    };
    let (ch, _) = channels::upsert(&mut tx, a, &practice, T0).await.unwrap();
    publ::insert_practice(&mut tx, a, ch, "siar1", "Halo", "[]", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let again = publ::insert_practice(&mut tx, a, ch, "siar1", "Halo", "[]", T0).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    tx.rollback().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(
        publ::find_practice(&mut tx, ch, "siar1")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        publ::find_practice(&mut tx, ch, "siar2")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        publ::practice_timeline(&mut tx, a, ch, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    tx.commit().await.unwrap();
});

dual_test!(batched_attempts_and_published_marks, |store| async move {
    let (a, _) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    let (ch, _) = channels::upsert(&mut tx, a, &bluesky(None), T0)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        let post = publ::insert_post(&mut tx, a, None, "Halo", None, T0, T0)
            .await
            .unwrap();
        ids.push(
            publ::insert_delivery(
                &mut tx,
                a,
                &NewDelivery {
                    post_id: post,
                    channel_id: ch,
                    text: &format!("Kabar {i}"),
                    title: None,
                    media: &[],
                    publish_at: T0,
                    marker: &format!("siar{i}"),
                },
                T0,
            )
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    // The third was seen with a stale attempt count: not recorded.
    let mut won = publ::record_attempts(&mut tx, &[(ids[0], 0), (ids[1], 0), (ids[2], 5)], T0)
        .await
        .unwrap();
    won.sort();
    assert_eq!(won, vec![ids[0], ids[1]]);
    // Nobody records the same attempt twice.
    assert!(
        publ::record_attempts(&mut tx, &[(ids[0], 0)], T0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        publ::record_attempts(&mut tx, &[], T0)
            .await
            .unwrap()
            .is_empty()
    );
    let t1 = Timestamp(T0.0 + 1500);
    let t2 = Timestamp(T0.0 + 2500);
    publ::mark_published_many(
        &mut tx,
        &[
            publ::PublishedMark {
                delivery: ids[0],
                remote_id: "r-0".into(),
                permalink: Some("https://x.com/i/web/status/0".into()),
                at: t1,
            },
            publ::PublishedMark {
                delivery: ids[1],
                remote_id: "r-1".into(),
                permalink: None,
                at: t2,
            },
        ],
    )
    .await
    .unwrap();
    let d0 = publ::get_delivery(&mut tx, a, ids[0])
        .await
        .unwrap()
        .unwrap();
    let d1 = publ::get_delivery(&mut tx, a, ids[1])
        .await
        .unwrap()
        .unwrap();
    let d2 = publ::get_delivery(&mut tx, a, ids[2])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            d0.state,
            d0.remote_id.as_deref(),
            d0.permalink.as_deref(),
            d0.published_at
        ),
        (
            DeliveryState::Published,
            Some("r-0"),
            Some("https://x.com/i/web/status/0"),
            Some(t1)
        )
    );
    assert_eq!(
        (
            d1.state,
            d1.remote_id.as_deref(),
            d1.permalink.as_deref(),
            d1.published_at
        ),
        (DeliveryState::Published, Some("r-1"), None, Some(t2))
    );
    assert_eq!((d2.state, d2.remote_id), (DeliveryState::Scheduled, None));
    // A delivery named twice in one batch is recorded once, and named once.
    assert_eq!(
        publ::record_attempts(&mut tx, &[(ids[2], 0), (ids[2], 0)], T0)
            .await
            .unwrap(),
        vec![ids[2]]
    );
    let d2 = publ::get_delivery(&mut tx, a, ids[2])
        .await
        .unwrap()
        .unwrap();
    assert_eq!((d2.state, d2.attempts), (DeliveryState::Publishing, 1));
    tx.commit().await.unwrap();
});

dual_test!(short_links_salts_and_the_bio_page, |store| async move {
    use siar_store::links;
    let (a, b) = two_orgs(&store).await;
    let mut tx = store.begin().await.unwrap();
    let new = |code: &'static str| links::NewLink {
        code,
        target: "https://perpus.example/",
        label: "",
        channel_id: None,
        post_id: None,
        campaign: None,
        created_by: None,
    };
    let one = links::insert(&mut tx, a, &new("Katalog"), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A code is unique across organisations (the address names none).
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        links::insert(&mut tx, b, &new("Katalog"), T0).await,
        Err(StoreError::Conflict(_))
    ));
    tx.rollback().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        links::by_code(&mut tx, "Katalog")
            .await
            .unwrap()
            .unwrap()
            .id,
        one
    );
    assert!(
        !links::set_in_bio(&mut tx, b, one, true).await.unwrap(),
        "not b's"
    );
    assert!(links::bio(&mut tx, a, 10).await.unwrap().is_empty());
    assert!(links::set_in_bio(&mut tx, a, one, true).await.unwrap());
    assert_eq!(links::bio(&mut tx, a, 10).await.unwrap()[0].id, one);
    assert!(links::bio(&mut tx, b, 10).await.unwrap().is_empty());
    // The first salt of a day stays that day's salt.
    let s1 = links::salt_for(&mut tx, "2026-11-28", b"first")
        .await
        .unwrap();
    let s2 = links::salt_for(&mut tx, "2026-11-28", b"second")
        .await
        .unwrap();
    assert_eq!(
        (s1.as_slice(), s2.as_slice()),
        (&b"first"[..], &b"first"[..])
    );
    links::salt_for(&mut tx, "2026-11-29", b"next")
        .await
        .unwrap();
    assert_eq!(links::purge_salts(&mut tx, "2026-11-29").await.unwrap(), 1);
    assert_eq!(
        links::salt_for(&mut tx, "2026-11-29", b"other")
            .await
            .unwrap(),
        b"next".to_vec()
    );
    tx.commit().await.unwrap();
});
