//! Articles on both engines: drafts, slugs, going live (now or later), the
//! announcement post, safe rendering and the RSS and Atom feeds.

use siar_app::AppError;
use siar_app::articles::{self, ArticleInput};
use siar_domain::studio::PostStatus;
use siar_testkit::dual_test;
use siar_testkit::publishing::Bench;
use std::time::Duration;

fn input(title: &str, body: &str) -> ArticleInput {
    ArticleInput {
        title: title.into(),
        summary: "Ringkasan singkat untuk pratinjau.".into(),
        body: body.into(),
        ..Default::default()
    }
}

dual_test!(
    articles_go_live_with_feeds_and_an_announcement,
    |store| async move {
        let b = Bench::new(store).await;
        let ch = siar_app::channels::connect_practice(&b.app, &b.admin)
            .await
            .unwrap();
        // A contributor writes a draft; it is not on the portal.
        let id = articles::save(
            &b.app,
            &b.contributor,
            None,
            &input(
                "Tips Memilih Buku Anak",
                "# Mulai dari minat\n\nPilih buku **bergambar**.\n\n<script>x()</script>",
            ),
        )
        .await
        .unwrap();
        let a = articles::get(&b.app, &b.editor, id).await.unwrap();
        assert_eq!(a.slug, "tips-memilih-buku-anak");
        assert!(matches!(
            articles::live_one(&b.app, None, &a.slug).await,
            Err(AppError::NotFound)
        ));
        // The same address again is refused by name; contributors cannot publish.
        match articles::save(
            &b.app,
            &b.contributor,
            None,
            &input("Tips memilih buku anak", "x"),
        )
        .await
        {
            Err(AppError::Invalid(p)) => assert_eq!(p.0[0].key, "err-article-slug-taken"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            articles::publish(&b.app, &b.contributor, id, true, None, &[]).await,
            Err(AppError::Forbidden)
        ));
        // A time in the past is refused.
        let past = siar_domain::Timestamp(b.clock.now_ts().0 - 3_600_000);
        assert!(matches!(
            articles::publish(&b.app, &b.editor, id, true, Some(past), &[ch]).await,
            Err(AppError::Invalid(_))
        ));
        // Live in an hour, announced on the practice channel at the same moment.
        let at = b.clock.now_ts().plus(Duration::from_secs(3600));
        articles::publish(&b.app, &b.editor, id, true, Some(at), &[ch])
            .await
            .unwrap();
        assert!(
            articles::live_one(&b.app, None, "tips-memilih-buku-anak")
                .await
                .is_err()
        );
        let posts = siar_app::publishing::list(&b.app, &b.editor, 10, None)
            .await
            .unwrap();
        let announce = posts
            .iter()
            .find(|p| p.post.text.starts_with("Tips Memilih Buku Anak"))
            .expect("announcement post");
        assert_eq!(announce.post.status, PostStatus::Scheduled);
        assert_eq!(announce.post.publish_at, at);
        assert!(
            announce.deliveries[0]
                .delivery
                .text
                .contains("http://127.0.0.1:9/l/"),
            "the article's address is a short link: {}",
            announce.deliveries[0].delivery.text
        );
        // Publishing again does not announce twice.
        articles::publish(&b.app, &b.editor, id, true, Some(at), &[ch])
            .await
            .unwrap();
        let again = siar_app::publishing::list(&b.app, &b.editor, 10, None)
            .await
            .unwrap();
        assert_eq!(
            again
                .iter()
                .filter(|p| p.post.text.starts_with("Tips Memilih Buku Anak"))
                .count(),
            1
        );
        // At its time it is on the portal, rendered safely, and in both feeds.
        b.clock.advance(Duration::from_secs(3601));
        let (_, live) = articles::live_one(&b.app, None, "tips-memilih-buku-anak")
            .await
            .unwrap();
        let html = articles::render(&live.body);
        assert!(html.contains("<strong>bergambar</strong>"));
        assert!(!html.contains("<script"));
        let rss = articles::rss(&b.app, None).await.unwrap();
        let channel = rss::Channel::read_from(rss.as_bytes()).unwrap();
        assert_eq!(channel.items().len(), 1);
        assert_eq!(
            channel.items()[0].link(),
            Some("http://127.0.0.1:9/artikel/tips-memilih-buku-anak")
        );
        assert!(channel.items()[0].pub_date().is_some());
        let atom = articles::atom(&b.app, None).await.unwrap();
        let feed = atom_syndication::Feed::read_from(atom.as_bytes()).unwrap();
        assert_eq!(feed.entries().len(), 1);
        assert_eq!(
            feed.entries()[0].id(),
            "http://127.0.0.1:9/artikel/tips-memilih-buku-anak"
        );
        assert!(feed.links().iter().any(|l| l.rel() == "self"));
        // A live article is changed by editors only; taken off, it is gone.
        assert!(matches!(
            articles::save(
                &b.app,
                &b.contributor,
                Some(id),
                &input("Tips Memilih Buku Anak", "baru")
            )
            .await,
            Err(AppError::Forbidden)
        ));
        articles::publish(&b.app, &b.editor, id, false, None, &[])
            .await
            .unwrap();
        assert!(
            articles::live_one(&b.app, None, "tips-memilih-buku-anak")
                .await
                .is_err()
        );
        assert!(
            rss::Channel::read_from(articles::rss(&b.app, None).await.unwrap().as_bytes())
                .unwrap()
                .items()
                .is_empty()
        );
    }
);
