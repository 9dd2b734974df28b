//! Signed webhook ingestion: how many events per second `/hooks/meta` accepts
//! (signature checked, events split and stored once, a filing job queued,
//! 200) over real HTTP on 127.0.0.1, against a bare handler in the same run
//! that only checks the signature and answers 200. On SQLite, and on
//! PostgreSQL when reachable. One in ten requests repeats an earlier event on
//! purpose; each engine must store every distinct event exactly once.
//!
//! `cargo bench -p siar-web --bench hooks` (`BENCH_EVENTS`, default 20,000;
//! `BENCH_CLIENTS`, default 64 requests at a time; `BENCH_ONLY=sqlite|postgres`
//! measures one engine after the bare handler).

/// The same allocator as the `siar` binary, so the server is measured as shipped.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use siar_testkit::{TestApp, TestDb};
use std::sync::Arc;
use std::time::Instant;

const SECRET: &str = "rahasia-benchmark";
const PAGE: &str = "104000000000001";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The bodies to send: one comment each; every tenth repeats the one before.
fn bodies(n: usize) -> (Vec<(String, String)>, usize) {
    let mut out = Vec::with_capacity(n);
    let mut distinct = 0;
    for i in 0..n {
        let k = if i % 10 == 9 { i - 1 } else { i };
        if k == i {
            distinct += 1;
        }
        let body = serde_json::json!({
            "object": "page",
            "entry": [{"id": PAGE, "time": 1_764_300_000, "changes": [{
                "field": "feed",
                "value": {
                    "item": "comment", "verb": "add",
                    "comment_id": format!("{PAGE}_c{k}"),
                    "post_id": format!("{PAGE}_777"),
                    "parent_id": format!("{PAGE}_777"),
                    "from": {"id": format!("{}", 9_000 + k % 500), "name": "Pemustaka"},
                    "message": "Jam berapa perpustakaan buka hari Sabtu?",
                    "created_time": 1_764_300_000 + k as i64
                }
            }]}]
        })
        .to_string();
        let sig = siar_channels::webhooks::sign_meta(SECRET, body.as_bytes());
        out.push((body, sig));
    }
    (out, distinct)
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}/hooks/meta")
}

/// Sends every body with `clients` at a time; returns events per second.
async fn fire(url: &str, bodies: &Arc<Vec<(String, String)>>, clients: usize) -> f64 {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, bodies, next) =
            (http.clone(), url.to_string(), bodies.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((body, sig)) = bodies.get(i) else {
                    break;
                };
                let r = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", sig)
                    .body(body.clone())
                    .send()
                    .await
                    .expect("send");
                assert_eq!(r.status(), 200, "request {i}");
            }
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    bodies.len() as f64 / started.elapsed().as_secs_f64()
}

async fn bare(headers: HeaderMap, body: Bytes) -> StatusCode {
    let sig = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    match siar_channels::webhooks::verify_meta(SECRET, sig, &body) {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::FORBIDDEN,
    }
}

async fn stored(
    db: TestDb,
    name: &str,
    bodies: &Arc<Vec<(String, String)>>,
    distinct: usize,
    clients: usize,
    bare_rate: f64,
) {
    let t = TestApp::configured(db, false, |c| {
        c.platforms.facebook.client_secret = SECRET.into();
    })
    .await;
    let url = serve(t.router.clone()).await;
    let rate = fire(&url, bodies, clients).await;
    let mut tx = t.app.store.read().await.expect("tx");
    let n = siar_store::inbox::count_events(&mut tx)
        .await
        .expect("count");
    tx.commit().await.expect("commit");
    println!(
        "{name:<11} {rate:>9.0} events/s  ({:.0} % of the bare handler; {n} stored of {distinct} distinct)",
        100.0 * rate / bare_rate
    );
    assert_eq!(
        n as usize, distinct,
        "{name}: every distinct event stored exactly once"
    );
    t.cleanup().await;
}

#[tokio::main]
async fn main() {
    let n = env_num("BENCH_EVENTS", 20_000);
    let clients = env_num("BENCH_CLIENTS", 64);
    let (b, distinct) = bodies(n);
    let b = Arc::new(b);
    println!(
        "Signed webhook ingestion: {n} requests ({distinct} distinct events), {clients} at a time"
    );
    let bare_url = serve(axum::Router::new().route("/hooks/meta", post(bare))).await;
    // A short warm-up of the client and server.
    fire(&bare_url, &Arc::new(b[..200.min(n)].to_vec()), clients).await;
    let bare_rate = fire(&bare_url, &b, clients).await;
    println!("bare        {bare_rate:>9.0} events/s  (signature checked, nothing stored)");
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only != "postgres" {
        stored(
            TestDb::sqlite().await,
            "sqlite",
            &b,
            distinct,
            clients,
            bare_rate,
        )
        .await;
    }
    if only != "sqlite" {
        match TestDb::postgres().await {
            Some(db) => stored(db, "postgresql", &b, distinct, clients, bare_rate).await,
            None => println!("postgresql  skipped (unreachable)"),
        }
    }
}
