//! Calendar benchmark: a month holding `BENCH_POSTS` planned posts (default
//! 2,000: drafts, posts in review and scheduled posts with their deliveries),
//! rendered through the router as the month, week and list views. Prints
//! timings and page sizes; asserts nothing.
//!
//! `cargo bench -p siar-web --bench calendar`

use siar_app::studio::{self, DraftInput, SaveKind, Saved};
use siar_domain::org::Role;
use siar_testkit::TestApp;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let posts = env_num("BENCH_POSTS", 2_000);
    let rounds = env_num("BENCH_ROUNDS", 20);
    let t = TestApp::sqlite(true).await;
    let editor = t
        .sign_in("editor@perpustakaan.example", "siar-demo")
        .await
        .expect("sign in");
    let actor = {
        let mut tx = t.app.store.read().await.expect("tx");
        let org = siar_store::org::org_by_slug(&mut tx, siar_app::demo::DEMO_SLUG)
            .await
            .expect("org")
            .expect("demo org");
        let u = siar_store::org::user_by_email(&mut tx, org.id, "editor@perpustakaan.example")
            .await
            .expect("user")
            .expect("editor");
        tx.commit().await.expect("commit");
        siar_app::Actor {
            org: org.id,
            user: Some(u.id),
            label: "bench".into(),
            role: Role::Editor,
            ip: None,
        }
    };
    let channels: Vec<i64> = siar_app::channels::list(&t.app, &actor)
        .await
        .expect("channels")
        .iter()
        // Instagram's rules want an image; the bench's posts are text.
        .filter(|c| c.rules_platform() != siar_domain::channels::Platform::Instagram)
        .map(|c| c.id)
        .collect();
    // Spread over the next 28 days, every 20 minutes from 06:00; a third stay
    // drafts, a sixth wait for review, the rest are scheduled.
    let now = t.app.now();
    let seeded = Instant::now();
    for i in 0..posts {
        let day = (i % 28) as u64;
        let minute = 6 * 60 + (i / 28) as u64 * 20 % (16 * 60);
        let at = now.plus(Duration::from_secs(86_400 * (day + 1) + 60 * minute));
        let input = DraftInput {
            text: format!("Unggahan uji nomor {i} #PalembangBaca"),
            channels: channels.clone(),
            publish_at: Some(at),
            shorten_links: true,
            ..Default::default()
        };
        let Saved::Saved { id, version } =
            studio::save(&t.app, &actor, None, 0, &input, SaveKind::Manual)
                .await
                .expect("save")
        else {
            continue;
        };
        match i % 6 {
            0 | 1 => {}
            2 => studio::submit(&t.app, &actor, id, version)
                .await
                .expect("submit"),
            _ => studio::approve(&t.app, &actor, id, version)
                .await
                .expect("approve"),
        }
    }
    println!(
        "seeded {posts} posts in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    let month = (now.to_utc() + chrono::Duration::days(15))
        .format("%Y-%m-%d")
        .to_string();
    println!("| view | p50 | p95 | max | page size |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for view in ["bulan", "minggu", "daftar"] {
        let path = format!("/app/kalender?tampilan={view}&tanggal={month}");
        let mut times = Vec::with_capacity(rounds);
        let mut size = 0;
        for _ in 0..rounds {
            let start = Instant::now();
            let r = t.get(&path, Some(&editor.cookie)).await;
            times.push(start.elapsed());
            assert_eq!(r.status, 200, "{path}");
            size = r.body.len();
        }
        times.sort();
        let pct = |p: f64| {
            times[((times.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
        };
        println!(
            "| {view} | {:.1} ms | {:.1} ms | {:.1} ms | {} KB |",
            pct(0.5),
            pct(0.95),
            pct(1.0),
            size / 1024
        );
    }
    t.cleanup().await;
}
