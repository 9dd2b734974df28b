//! Analytics on both engines: numbers read on schedule from each platform's
//! fake, gaps kept as gaps, rollups equal to a recomputation, rate limits and
//! refusals, audiences, and the figures the pages show.

use serde_json::json;
use siar_app::analytics::{self, Rank};
use siar_app::publishing::PostInput;
use siar_domain::Timestamp;
use siar_domain::analytics::{DayRange, local_slot};
use siar_domain::channels::Platform;
use siar_store::analytics::{GroupBy, LineFilter};
use siar_testkit::dual_test;
use siar_testkit::fakes;
use siar_testkit::publishing::Bench;
use std::time::Duration;

/// Monday 30 November 2026, 09:00 WIB.
const MONDAY_0900_WIB: i64 = 1_796_004_000_000;
const HOUR: Duration = Duration::from_secs(3_600);

async fn publish(b: &Bench, text: &str, channels: Vec<i64>) -> i64 {
    let id = siar_app::publishing::schedule(
        &b.app,
        &b.editor,
        &PostInput {
            text: text.into(),
            channels,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    b.worker("w").drain(20).await.unwrap();
    id
}

fn today(b: &Bench) -> i32 {
    local_slot(b.clock_now(), chrono_tz::Asia::Jakarta).0
}

trait Now {
    fn clock_now(&self) -> Timestamp;
}
impl Now for Bench {
    fn clock_now(&self) -> Timestamp {
        siar_domain::Clock::now(&self.clock)
    }
}

dual_test!(
    numbers_are_read_on_schedule_and_a_gap_stays_a_gap,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let masto = b.oauth(Platform::Mastodon).await;
        let x = b.oauth(Platform::X).await;
        let practice = siar_app::channels::connect_practice(&b.app, &b.admin)
            .await
            .unwrap();
        let post = publish(
            &b,
            "Dongeng Sabtu pagi di ruang anak #DongengSabtu",
            vec![masto, x, practice],
        )
        .await;
        let m_id = b.mastodon.posts()[0].id.clone();
        let x_id = b.x.posts()[0].id.clone();
        b.mastodon.set_metrics(
            &m_id,
            json!({"favourites_count": 5, "replies_count": 2, "reblogs_count": 1, "quotes_count": 1}),
        );
        b.x.set_metrics(
            &x_id,
            json!({"public_metrics": {"like_count": 7, "reply_count": 1, "retweet_count": 2, "quote_count": 0, "bookmark_count": 3, "impression_count": 350},
                   "non_public_metrics": {"impression_count": 400, "url_link_clicks": 9}}),
        );
        // Nothing is due before an hour has passed.
        let r = analytics::round(&b.app).await.unwrap();
        assert_eq!(r.tracked, 3);
        assert_eq!(r.read, 0);
        b.clock.advance(HOUR);
        let r = analytics::round(&b.app).await.unwrap();
        assert_eq!(r.read, 3);
        let figs = analytics::post(&b.app, &b.analyst, post).await.unwrap();
        assert_eq!(figs.len(), 3);
        let m = figs.iter().find(|f| f.channel.id == masto).unwrap();
        assert_eq!(m.tracked.latest.likes, Some(5));
        assert_eq!(m.tracked.latest.shares, Some(2), "boosts and quotes");
        assert_eq!(
            m.tracked.latest.views, None,
            "Mastodon gives no views: missing, not 0"
        );
        let xf = figs.iter().find(|f| f.channel.id == x).unwrap();
        assert_eq!(
            xf.tracked.latest.views,
            Some(400),
            "the owner's impressions"
        );
        assert_eq!(xf.tracked.latest.clicks, Some(9));
        assert_eq!(xf.tracked.latest.engagements(), Some(13));
        let p = figs.iter().find(|f| f.channel.id == practice).unwrap();
        assert!(p.tracked.latest.reach.unwrap() > 0);
        // Readings at +6 h, +24 h, +72 h, +7 d and +30 d, and no more.
        b.x.set_metrics(
            &x_id,
            json!({"public_metrics": {"like_count": 20, "reply_count": 1, "retweet_count": 2, "quote_count": 0, "bookmark_count": 3, "impression_count": 900},
                   "non_public_metrics": {"impression_count": 1000, "url_link_clicks": 15}}),
        );
        for to in [6, 24, 72, 7 * 24, 30 * 24 + 1] {
            b.clock.set(Timestamp(MONDAY_0900_WIB + to * 3_600_000));
            let r = analytics::round(&b.app).await.unwrap();
            assert_eq!(r.read, 3, "reading at +{to} h");
        }
        b.clock.advance(Duration::from_secs(40 * 86_400));
        assert_eq!(analytics::round(&b.app).await.unwrap().read, 0);
        let figs = analytics::post(&b.app, &b.analyst, post).await.unwrap();
        let xf = figs.iter().find(|f| f.channel.id == x).unwrap();
        assert_eq!(xf.readings.len(), 6);
        assert_eq!(xf.tracked.next_at, None);
        // After 30 days X gives only public numbers: the clicks read before
        // stay, the views fall back to the public count.
        let last = xf.readings.last().unwrap().1;
        assert_eq!(last.clicks, None);
        assert_eq!(xf.tracked.latest.clicks, Some(15));
        assert_eq!(xf.tracked.latest.likes, Some(20));
        // The rollups hold what a recomputation gives.
        let range = DayRange::last(today(&b), 120);
        let mut tx = b.app.store.read().await.unwrap();
        let before =
            siar_store::analytics::totals(&mut tx, b.admin.org, range, GroupBy::Channel, None)
                .await
                .unwrap();
        let heat_before = siar_store::analytics::heat(&mut tx, b.admin.org, range, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        analytics::rebuild(&b.app, b.admin.org).await.unwrap();
        let mut tx = b.app.store.read().await.unwrap();
        let after =
            siar_store::analytics::totals(&mut tx, b.admin.org, range, GroupBy::Channel, None)
                .await
                .unwrap();
        let heat_after = siar_store::analytics::heat(&mut tx, b.admin.org, range, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(before, after);
        assert_eq!(heat_before, heat_after);
        // The organisation-wide rollups (all channels) agree with the sums of
        // the per-channel ones, before and after the rebuild.
        let mut tx = b.app.store.read().await.unwrap();
        let cats =
            siar_store::analytics::totals(&mut tx, b.admin.org, range, GroupBy::Category, None)
                .await
                .unwrap();
        let mut cat_sum =
            std::collections::BTreeMap::<String, siar_domain::analytics::Totals>::new();
        let mut heat_sum = std::collections::BTreeMap::<(u8, u8), (i64, i64, i64)>::new();
        for (ch, _, _) in &after {
            for (_, cat, t) in siar_store::analytics::totals(
                &mut tx,
                b.admin.org,
                range,
                GroupBy::Category,
                Some(*ch),
            )
            .await
            .unwrap()
            {
                cat_sum.entry(cat).or_default().add(&t);
            }
            for (w, h, c) in siar_store::analytics::heat(&mut tx, b.admin.org, range, Some(*ch))
                .await
                .unwrap()
            {
                let e = heat_sum.entry((w, h)).or_default();
                e.0 += c.posts;
                e.1 += c.engagements;
                e.2 += c.base;
            }
        }
        tx.commit().await.unwrap();
        assert!(!cats.is_empty());
        for (_, cat, t) in &cats {
            assert_eq!(cat_sum.get(cat), Some(t), "category {cat}");
        }
        assert_eq!(cat_sum.len(), cats.len());
        assert_eq!(heat_sum.len(), heat_after.len());
        for (w, h, c) in &heat_after {
            assert_eq!(
                heat_sum.get(&(*w, *h)),
                Some(&(c.posts, c.engagements, c.base))
            );
        }
        let xt = after.iter().find(|r| r.0 == x).unwrap().2;
        assert_eq!(xt.posts, 1);
        assert_eq!(xt.likes.value(), Some(20));
        assert_eq!(xt.reach.value(), None);
        // Overview: three posts, views from the two channels that give them.
        let ov = analytics::overview(&b.app, &b.analyst, range)
            .await
            .unwrap();
        assert_eq!(ov.total.posts, 3);
        assert_eq!(ov.total.views.n, 2);
        assert_eq!(ov.previous.days(), 120);
        assert_eq!(ov.total_before.posts, 0);
        // Published Monday 09:00 WIB: the heatmap's cell.
        let heat = analytics::heatmap(&b.app, &b.analyst, range, None)
            .await
            .unwrap();
        assert_eq!(heat.cells[0][9].posts, 3);
        // Ranking leaves out posts without the number.
        let lines = analytics::lines(&b.app, &b.analyst, range, &LineFilter::default())
            .await
            .unwrap();
        assert_eq!(lines.len(), 3);
        let by_views = analytics::ranked(&lines, Rank::Views, true, 10);
        assert_eq!(by_views.len(), 2);
        let tags = analytics::by_hashtag(&lines);
        assert_eq!(tags[0].0, "#DongengSabtu");
        assert_eq!(tags[0].1.posts, 3);
        // Every member of staff reads the numbers (interns learn from them).
        assert!(
            analytics::overview(&b.app, &b.contributor, range)
                .await
                .is_ok()
        );
    }
);

dual_test!(
    a_rate_limit_waits_for_its_reset_and_a_missing_post_is_noted,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let x = b.oauth(Platform::X).await;
        publish(&b, "Kelas literasi digital untuk pelajar", vec![x]).await;
        analytics::round(&b.app).await.unwrap();
        b.clock.advance(HOUR);
        let reset = (MONDAY_0900_WIB / 1000) + 3_600 + 900;
        b.x.trick(
            "/2/tweets?",
            fakes::Trick::Fail {
                status: 429,
                body: json!({"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}),
                headers: vec![("x-rate-limit-reset", reset.to_string()), ("x-rate-limit-remaining", "0".into()), ("x-rate-limit-limit", "15".into())],
            },
        );
        let _ = analytics::round(&b.app).await.unwrap();
        let _ = analytics::round(&b.app).await.unwrap();
        let ch = siar_app::channels::get(&b.app, &b.admin, x).await.unwrap();
        assert!(
            ch.throttled_until.is_some(),
            "the channel waits for the reset"
        );
        let mut tx = b.app.store.read().await.unwrap();
        let due = siar_store::analytics::due(&mut tx, Timestamp(reset * 1000 + 1), 10)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(due.len(), 1);
        assert!(
            due[0].taken_at.is_none(),
            "nothing stored for the refused reading"
        );
        assert!(due[0].next_at.unwrap().0 >= MONDAY_0900_WIB + 3_600_000);
        // After the reset: the post was deleted on X meanwhile.
        b.x.state.posts.lock().unwrap().clear();
        b.clock.set(Timestamp(reset * 1000 + 1_000));
        assert_eq!(analytics::round(&b.app).await.unwrap().read, 1);
        let range = DayRange::last(today(&b), 7);
        let lines = analytics::lines(&b.app, &b.analyst, range, &LineFilter::default())
            .await
            .unwrap();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].tracked.latest.is_empty());
        assert!(
            lines[0]
                .tracked
                .note
                .as_deref()
                .unwrap_or("")
                .contains("Could not find")
        );
    }
);

dual_test!(
    instagram_and_youtube_numbers_and_audiences,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        b.oauth(Platform::Facebook).await;
        let chans = siar_app::channels::list(&b.app, &b.admin).await.unwrap();
        let ig = chans
            .iter()
            .find(|c| c.platform == Platform::Instagram)
            .unwrap()
            .id;
        let fb = chans
            .iter()
            .find(|c| c.platform == Platform::Facebook)
            .unwrap()
            .id;
        let yt = b.oauth(Platform::YouTube).await;
        b.meta.set_metrics(
            fakes::IG_USER_ID,
            json!({"insights": {"views": 5000, "reach": 2100},
                   "fields": {"followers_count": 1834},
                   "demographics": {
                       "age": [["18-24", 120], ["25-34", 410], ["35-44", 300], ["13-17", 20]],
                       "gender": [["F", 600], ["M", 250]],
                       "city": [["Palembang, South Sumatra", 700], ["Jakarta, Jakarta", 90]]}}),
        );
        b.meta.set_metrics(
            fakes::FB_PAGE_ID,
            json!({"insights": {"page_follows": 5230, "page_media_view": 12000, "page_total_media_view_unique": 7000}}),
        );
        b.google
            .set_metrics("account", json!({"subscriberCount": "812"}));
        b.google.set_metrics(
            "reports",
            json!({"total": [[321]],
                   "ageGroup,gender": [["age18-24", "female", 20.0], ["age25-34", "female", 30.0], ["age25-34", "male", 25.0], ["age65-", "male", 25.0]],
                   "city": [["Palembang", 500], ["Prabumulih", 80]]}),
        );
        let r = analytics::round(&b.app).await.unwrap();
        assert_eq!(r.channel_days, 3);
        assert_eq!(r.audiences, 2);
        // Read once a day and once a week.
        let r = analytics::round(&b.app).await.unwrap();
        assert_eq!((r.channel_days, r.audiences), (0, 0));
        let aud = analytics::audiences(&b.app, &b.analyst).await.unwrap();
        let a = aud.iter().find(|a| a.channel.id == ig).unwrap();
        assert_eq!(a.age[0].label, "25-34");
        assert_eq!(a.gender[0].label, "female");
        assert!(a.hints.iter().any(|h| h.key == "an-hint-parents"));
        assert!(
            a.hints.iter().any(|h| h.key == "an-hint-local"),
            "{:?}",
            a.hints
        );
        let y = aud.iter().find(|a| a.channel.id == yt).unwrap();
        assert_eq!(
            y.age
                .iter()
                .find(|b| b.label == "65+")
                .map(|b| (b.share * 100.0).round()),
            Some(25.0)
        );
        assert!(
            aud.iter()
                .find(|a| a.channel.id == fb)
                .unwrap()
                .age
                .is_empty()
        );
        let range = DayRange::last(today(&b), 7);
        let ov = analytics::overview(&b.app, &b.analyst, range)
            .await
            .unwrap();
        let f = |id: i64| ov.channels.iter().find(|c| c.channel.id == id).unwrap();
        assert_eq!(f(ig).followers.0, Some(1834));
        assert_eq!(f(ig).account_reach, Some(2100));
        assert_eq!(f(fb).followers.0, Some(5230));
        assert_eq!(f(yt).followers.0, Some(812));
        assert_eq!(f(yt).account_views, Some(321));
        assert_eq!(ov.followers.0, Some(1834 + 5230 + 812));
        // A week later the account has too few followers for demographics:
        // the platform's words are kept, the last audience stays.
        b.meta.set_metrics(
            fakes::IG_USER_ID,
            json!({"error": [10, 2108006, "(#10) Not enough viewers for the media to show insights"]}),
        );
        b.clock.advance(Duration::from_secs(8 * 86_400));
        analytics::round(&b.app).await.unwrap();
        let aud = analytics::audiences(&b.app, &b.analyst).await.unwrap();
        let a = aud.iter().find(|a| a.channel.id == ig).unwrap();
        assert!(
            a.note
                .as_deref()
                .unwrap_or("")
                .contains("Not enough viewers")
        );
        assert_eq!(a.age[0].label, "25-34");
        // Instagram post insights: "(#10)" means no numbers, shown as missing.
        let post = siar_app::publishing::schedule(
            &b.app,
            &b.editor,
            &PostInput {
                text: "Pojok baca baru di lantai dua".into(),
                channels: vec![fb],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        b.worker("w").drain(20).await.unwrap();
        let fb_post = b.meta.posts().last().unwrap().id.clone();
        b.meta.set_metrics(
            &fb_post,
            json!({"insights": {"post_media_view": 800, "post_total_media_view_unique": 500, "post_clicks": 12},
                   "fields": {"reactions": {"summary": {"total_count": 40}}, "comments": {"summary": {"total_count": 6}}}}),
        );
        analytics::round(&b.app).await.unwrap();
        b.clock.advance(HOUR);
        analytics::round(&b.app).await.unwrap();
        let figs = analytics::post(&b.app, &b.analyst, post).await.unwrap();
        let m = figs[0].tracked.latest;
        assert_eq!(
            (m.views, m.reach, m.clicks),
            (Some(800), Some(500), Some(12))
        );
        assert_eq!(
            (m.likes, m.comments, m.shares),
            (Some(40), Some(6), Some(0))
        );
        assert_eq!(figs[0].tracked.base.map(|b| b.0), Some(500));
    }
);

/// The text of a PDF's page content is compressed; its metadata title and the
/// embedded font names are not. Enough to tell what was made.
fn pdf_ok(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let s = String::from_utf8_lossy(pdf);
    assert!(s.contains("DejaVuSans"), "the font is embedded");
    assert!(s.contains("/FontFile2"), "as a TrueType font file");
}

dual_test!(
    the_monthly_report_is_made_kept_and_sent,
    |store| async move {
        let b = Bench::new(store).await;
        // December 2026: the report of November is due.
        b.clock.set(Timestamp(MONDAY_0900_WIB + 2 * 86_400_000));
        let practice = siar_app::channels::connect_practice(&b.app, &b.admin)
            .await
            .unwrap();
        b.clock.set(Timestamp(MONDAY_0900_WIB - 10 * 86_400_000));
        publish(&b, "Dongeng Sabtu pagi #DongengSabtu", vec![practice]).await;
        analytics::round(&b.app).await.unwrap();
        b.clock.advance(Duration::from_secs(2 * 86_400));
        analytics::round(&b.app).await.unwrap();
        // A month with no data gives a report that says so, not an error.
        let empty = siar_app::reports::generate(&b.app, &b.analyst, today(&b) - 120)
            .await
            .unwrap();
        let (_, pdf) = siar_app::reports::pdf(&b.app, &b.analyst, empty)
            .await
            .unwrap();
        pdf_ok(&pdf);
        let data = siar_app::reports::gather(
            &b.app,
            &b.analyst,
            siar_app::reports::month_of(today(&b) - 120),
        )
        .await
        .unwrap();
        assert_eq!(data.overview.total.posts, 0);
        assert!(
            data.advice.iter().any(|a| a.key == "an-rec-quiet"),
            "a month without posts: post on every channel"
        );
        // November's report: the post is in it.
        let data =
            siar_app::reports::gather(&b.app, &b.analyst, siar_app::reports::month_of(today(&b)))
                .await
                .unwrap();
        assert_eq!(data.overview.total.posts, 1);
        assert_eq!(data.top.len(), 1);
        assert!(data.top[0].text.contains("Dongeng"));
        assert_eq!(
            siar_app::reports::month_name(&b.app, siar_domain::org::Lang::Id, data.month),
            "November 2026"
        );
        // Recipients: a bad address changes nothing; only admins set them.
        assert!(
            siar_app::reports::set_recipients(
                &b.app,
                &b.admin,
                "kepala@perpustakaan.example, bukan-alamat"
            )
            .await
            .is_err()
        );
        assert_eq!(
            siar_app::reports::recipients(&b.app, &b.admin)
                .await
                .unwrap(),
            ""
        );
        assert!(matches!(
            siar_app::reports::set_recipients(&b.app, &b.editor, "a@b.example").await,
            Err(siar_app::AppError::Forbidden)
        ));
        siar_app::reports::set_recipients(
            &b.app,
            &b.admin,
            "kepala@perpustakaan.example\ndinas@palembang.example, kepala@perpustakaan.example",
        )
        .await
        .unwrap();
        assert_eq!(
            siar_app::reports::recipients(&b.app, &b.admin)
                .await
                .unwrap(),
            "kepala@perpustakaan.example, dinas@palembang.example"
        );
        // On the 1st of December the round makes November's report once and
        // e-mails it with the PDF attached.
        let smtp = siar_testkit::smtp::FakeSmtp::start().await;
        let mut app = b.app.clone();
        app.config = std::sync::Arc::new(siar_app::AppConfig {
            mail: Some(siar_app::mail::MailSettings {
                url: format!("smtp://127.0.0.1:{}", smtp.port),
                from: "Siar Perpustakaan <siar@perpustakaan.example>".into(),
            }),
            ..(*b.app.config).clone()
        });
        // 1 December 2026, 06:00 WIB.
        b.clock.set(Timestamp(1_796_079_600_000));
        let r = analytics::round(&app).await.unwrap();
        assert_eq!(r.reports, 1);
        assert_eq!(
            analytics::round(&app).await.unwrap().reports,
            0,
            "once a month"
        );
        let w =
            siar_app::jobs::Worker::new(app.clone(), "w", siar_app::jobs::WorkerConfig::default());
        w.drain(20).await.unwrap();
        let got = smtp.received();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].to.len(), 2);
        assert!(got[0].data.contains("application/pdf"));
        assert!(got[0].data.contains("laporan-2026-11.pdf"));
        let list = siar_app::reports::list(&app, &b.analyst).await.unwrap();
        // October's (made by the rounds in November), the empty one, November's.
        assert_eq!(list.len(), 3);
        assert!(
            list.iter()
                .any(|r| r.sent_to.contains("dinas@palembang.example"))
        );
        let newest = list.iter().find(|r| !r.sent_to.is_empty()).unwrap();
        let (_, pdf) = siar_app::reports::pdf(&app, &b.analyst, newest.id)
            .await
            .unwrap();
        pdf_ok(&pdf);
        assert!(
            String::from_utf8_lossy(&pdf).contains("November 2026"),
            "the title names the month"
        );
    }
);

dual_test!(
    the_overview_counts_what_posts_brought_to_the_portal,
    |store| async move {
        let b = Bench::new(store).await;
        b.clock.set(Timestamp(MONDAY_0900_WIB));
        let practice = siar_app::channels::connect_practice(&b.app, &b.admin)
            .await
            .unwrap();
        let org = b.admin.org;
        let src = siar_store::programs::Source {
            channel_id: Some(practice),
            ..Default::default()
        };
        let now = b.clock_now();
        let earlier = Timestamp(now.0 - 10 * 86_400_000);
        let mut tx = b.app.store.begin().await.unwrap();
        for (kind, at, s) in [
            ("quiz", now, src.clone()),
            ("quiz", now, src.clone()),
            ("survey", now, siar_store::programs::Source::default()),
            ("poll", earlier, src.clone()),
        ] {
            siar_store::programs::insert_conversion(&mut tx, org, kind, 1, None, &s, at)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let ov = analytics::overview(&b.app, &b.analyst, DayRange::last(today(&b), 7))
            .await
            .unwrap();
        assert_eq!(
            ov.participations,
            [
                ("poll".to_string(), 0, 1),
                ("quiz".to_string(), 2, 0),
                ("survey".to_string(), 1, 0)
            ]
        );
        let p = ov
            .channels
            .iter()
            .find(|c| c.channel.id == practice)
            .unwrap();
        assert_eq!(p.participations, (2, 1), "the survey's link had no channel");
    }
);
