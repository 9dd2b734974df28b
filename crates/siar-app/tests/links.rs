//! Short links on both engines: making them, following them, counting clicks
//! without keeping addresses, and their QR codes.

use siar_app::AppError;
use siar_app::links;
use siar_domain::links::{Device, LinkRequest};
use siar_domain::org::Role;
use siar_testkit::dual_test;
use siar_testkit::publishing::Bench;
use std::time::Duration;

const PHONE: &str =
    "Mozilla/5.0 (Linux; Android 11; SM-A125F) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
const PREVIEW: &str = "facebookexternalhit/1.1";

fn req(target: &str, code: &str, campaign: &str) -> LinkRequest {
    LinkRequest {
        target: target.into(),
        label: "Katalog daring".into(),
        code: code.into(),
        campaign: campaign.into(),
    }
}

dual_test!(links_carry_utm_tags_and_lead_on, |store| async move {
    let b = Bench::new(store).await;
    let practice = siar_app::channels::connect_practice(&b.app, &b.admin)
        .await
        .unwrap();
    let l = links::create(
        &b.app,
        &b.editor,
        &req(
            "https://perpustakaan.example/katalog?q=anak",
            "",
            "#PalembangBaca",
        ),
        Some(practice),
    )
    .await
    .unwrap();
    assert_eq!(l.code.len(), siar_domain::links::CODE_LEN);
    assert_eq!(
        l.target,
        "https://perpustakaan.example/katalog?q=anak&utm_source=practice&utm_medium=social&utm_campaign=palembangbaca"
    );
    assert_eq!(l.campaign.as_deref(), Some("palembangbaca"));
    assert_eq!(l.channel_id, Some(practice));
    assert_eq!(
        links::public_url(&b.app, &l),
        format!("http://127.0.0.1:9/l/{}", l.code)
    );
    // Following it leads to the target and logs the click.
    let to = links::follow(&b.app, &l.code, "36.68.10.20", PHONE)
        .await
        .unwrap();
    assert_eq!(to.as_deref(), Some(l.target.as_str()));
    assert_eq!(
        links::follow(&b.app, "nope123", "36.68.10.20", PHONE)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        links::follow(&b.app, "../../etc", "36.68.10.20", PHONE)
            .await
            .unwrap(),
        None
    );
    let listed = links::list(&b.app, &b.editor).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1, 1);
});

dual_test!(
    chosen_codes_and_bad_input_change_nothing,
    |store| async move {
        let b = Bench::new(store).await;
        links::create(
            &b.app,
            &b.editor,
            &req("https://perpustakaan.example/acara", "MingguBuku", ""),
            None,
        )
        .await
        .unwrap();
        // Taken (in any organisation), with a clear reason.
        let again = links::create(
            &b.app,
            &b.editor,
            &req("https://perpustakaan.example/lain", "MingguBuku", ""),
            None,
        )
        .await;
        match again {
            Err(AppError::Invalid(p)) => assert_eq!(p.0[0].key, "err-link-code-taken"),
            other => panic!("{other:?}"),
        }
        // Every problem at once; nothing saved.
        match links::create(&b.app, &b.editor, &req("katalog", "a b", ""), None).await {
            Err(AppError::Invalid(p)) => {
                let keys: Vec<_> = p.0.iter().map(|e| (e.field, e.key)).collect();
                assert_eq!(
                    keys,
                    vec![
                        ("target", "err-link-target-invalid"),
                        ("code", "err-link-code-chars")
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        // An unknown channel is named as such.
        match links::create(
            &b.app,
            &b.editor,
            &req("https://perpustakaan.example/", "", ""),
            Some(999_999),
        )
        .await
        {
            Err(AppError::Invalid(p)) => assert_eq!(p.0[0].key, "err-unknown-channel"),
            other => panic!("{other:?}"),
        }
        assert_eq!(links::list(&b.app, &b.editor).await.unwrap().len(), 1);
        // Analysts read numbers; they do not make links.
        assert!(matches!(
            links::create(
                &b.app,
                &b.analyst,
                &req("https://perpustakaan.example/", "", ""),
                None
            )
            .await,
            Err(AppError::Forbidden)
        ));
        let contributor = siar_app::Actor {
            role: Role::Contributor,
            ..b.editor.clone()
        };
        links::create(
            &b.app,
            &contributor,
            &req("https://perpustakaan.example/draf", "", ""),
            None,
        )
        .await
        .unwrap();
        // Another organisation sees none of them.
        let other = siar_app::Actor {
            org: siar_domain::org::OrgId(b.editor.org.0 + 1000),
            ..b.editor.clone()
        };
        assert!(links::list(&b.app, &other).await.unwrap().is_empty());
        let first = links::list(&b.app, &b.editor).await.unwrap()[0].0.id;
        assert!(matches!(
            links::get(&b.app, &other, first).await,
            Err(AppError::NotFound)
        ));
    }
);

dual_test!(clicks_are_counted_without_addresses, |store| async move {
    let b = Bench::new(store).await;
    let l = links::create(
        &b.app,
        &b.editor,
        &req("https://perpustakaan.example/ebook", "", ""),
        None,
    )
    .await
    .unwrap();
    // Day one: the same phone twice, a laptop, and a link preview.
    links::follow(&b.app, &l.code, "36.68.10.20", PHONE)
        .await
        .unwrap();
    links::follow(&b.app, &l.code, "36.68.10.20", PHONE)
        .await
        .unwrap();
    links::follow(
        &b.app,
        &l.code,
        "36.68.10.21",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    )
    .await
    .unwrap();
    links::follow(&b.app, &l.code, "31.13.1.1", PREVIEW)
        .await
        .unwrap();
    // Day two: the same phone again is a visitor of that day.
    b.clock.advance(Duration::from_secs(86_400));
    links::follow(&b.app, &l.code, "36.68.10.20", PHONE)
        .await
        .unwrap();
    let s = links::stats(&b.app, &b.editor, l.id, 28).await.unwrap();
    assert_eq!((s.clicks, s.visitors, s.bots), (4, 3, 1));
    assert_eq!(s.by_device, vec![(Device::Mobile, 3), (Device::Desktop, 1)]);
    assert_eq!(s.by_day.len(), 2);
    assert_eq!(s.by_day[0].1, 3);
    // No address is stored anywhere: the visitor column holds hashes.
    let mut tx = b.app.store.read().await.unwrap();
    let clicks = siar_store::links::clicks(&mut tx, b.editor.org, l.id, siar_domain::Timestamp(0))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(clicks.len(), 5);
    assert!(
        clicks
            .iter()
            .all(|c| !c.visitor.contains("36.68") && c.visitor.len() == 24)
    );
    // The same phone on two days has two unrelated hashes.
    assert_ne!(clicks[0].visitor, clicks[4].visitor);
    assert_eq!(clicks[0].visitor, clicks[1].visitor);
    // Housekeeping forgets the first day's salt.
    assert_eq!(links::forget_old_salts(&b.app).await.unwrap(), 1);
});

dual_test!(qr_codes_for_posters, |store| async move {
    let b = Bench::new(store).await;
    let l = links::create(
        &b.app,
        &b.editor,
        &req("https://perpustakaan.example/", "Poster-Hari-Buku", ""),
        None,
    )
    .await
    .unwrap();
    let png = links::qr_png(&b.app, &b.analyst, l.id).await.unwrap();
    let img = image::load_from_memory(&png).unwrap();
    assert!(img.width() >= 200 && img.width() == img.height());
    let svg = links::qr_svg(&b.app, &b.analyst, l.id).await.unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("<svg"));
    assert!(matches!(
        links::qr_png(&b.app, &b.analyst, l.id + 1).await,
        Err(AppError::NotFound)
    ));
});
