//! The inbox through the HTTP router: webhooks (handshake, signatures,
//! malformed bodies), the console pages without JavaScript, and the portal's
//! rating form.

use axum::body::Body;
use axum::http::{Method, Request};
use siar_domain::org::Role;
use siar_testkit::TestDb;
use siar_testkit::app::TestApp;

const SECRET: &str = "rahasia-aplikasi-meta";

async fn app() -> TestApp {
    TestApp::configured(TestDb::sqlite().await, true, |c| {
        c.platforms.facebook.client_secret = SECRET.into();
        c.platforms.meta_verify_token = "token-verifikasi".into();
        c.platforms.x_consumer_secret = "x-consumer".into();
    })
    .await
}

/// A webhook POST to `uri`, signed in `header` when `sig` is given.
fn signed(uri: &str, header: &str, body: &str, sig: Option<String>) -> Request<Body> {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", "application/json");
    if let Some(s) = sig {
        b = b.header(header, s);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

fn hook(body: &str, sig: Option<String>) -> Request<Body> {
    signed("/hooks/meta", "x-hub-signature-256", body, sig)
}

fn x_hook(body: &str, sig: Option<String>) -> Request<Body> {
    signed("/hooks/x", "x-twitter-webhooks-signature", body, sig)
}

/// One event stored, and the malformed body counted for `platform`.
async fn one_stored_one_malformed(t: &TestApp, platform: &str) {
    let mut tx = t.app.store.read().await.unwrap();
    assert_eq!(siar_store::inbox::count_events(&mut tx).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let m = t.get("/metrics", None).await;
    let line =
        format!("siar_webhook_requests_total{{platform=\"{platform}\",outcome=\"malformed\"}} 1");
    assert!(m.body.contains(&line), "{}", m.body);
}

#[tokio::test]
async fn webhooks_check_before_storing() {
    let t = app().await;
    // Handshake.
    let ok = t
        .get(
            "/hooks/meta?hub.mode=subscribe&hub.verify_token=token-verifikasi&hub.challenge=4711",
            None,
        )
        .await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "4711"));
    let bad = t
        .get(
            "/hooks/meta?hub.mode=subscribe&hub.verify_token=salah&hub.challenge=4711",
            None,
        )
        .await;
    assert_eq!(bad.status, 403);
    // X CRC.
    let crc = t.get("/hooks/x?crc_token=abc", None).await;
    assert_eq!(crc.status, 200);
    assert!(crc.body.contains("\"response_token\":\"sha256="));
    let body = r#"{"object":"page","entry":[{"id":"1","time":1,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"1_2","post_id":"1_1","parent_id":"1_1","from":{"id":"9","name":"A"},"message":"Halo","created_time":1}}]}]}"#;
    assert_eq!(t.send(hook(body, None)).await.status, 401);
    assert_eq!(
        t.send(hook(body, Some("sha256=00".into()))).await.status,
        403
    );
    let sig = siar_channels::webhooks::sign_meta(SECRET, body.as_bytes());
    assert_eq!(t.send(hook(body, Some(sig.clone()))).await.status, 200);
    // The same delivery again: accepted, stored once.
    assert_eq!(t.send(hook(body, Some(sig))).await.status, 200);
    let malformed = "{\"object\":\"page\"";
    let sig = siar_channels::webhooks::sign_meta(SECRET, malformed.as_bytes());
    assert_eq!(t.send(hook(malformed, Some(sig))).await.status, 400);
    // Stored once; the malformed body is counted.
    one_stored_one_malformed(&t, "meta").await;
    t.cleanup().await;
}

#[tokio::test]
async fn x_deliveries_check_the_signature_before_storing() {
    let t = app().await;
    let body = r#"{"data":{"event_uuid":"5","filter":{"user_id":"77"},"event_type":"post.mention.create","payload":{"id":"900","author_id":"8","text":"@perpus halo","created_at":"2026-11-30T02:00:00.000Z"}}}"#;
    assert_eq!(t.send(x_hook(body, None)).await.status, 401);
    // Signed with Meta's scheme (hex), or with another secret: refused.
    let hex = siar_channels::webhooks::sign_meta("x-consumer", body.as_bytes());
    assert_eq!(t.send(x_hook(body, Some(hex))).await.status, 403);
    let other = siar_channels::webhooks::sign_x("lain", body.as_bytes());
    assert_eq!(t.send(x_hook(body, Some(other))).await.status, 403);
    let sig = siar_channels::webhooks::sign_x("x-consumer", body.as_bytes());
    assert_eq!(t.send(x_hook(body, Some(sig.clone()))).await.status, 200);
    assert_eq!(t.send(x_hook(body, Some(sig))).await.status, 200);
    let malformed = r#"{"data":{"event_type":"post.create"}}"#;
    let sig = siar_channels::webhooks::sign_x("x-consumer", malformed.as_bytes());
    assert_eq!(t.send(x_hook(malformed, Some(sig))).await.status, 400);
    one_stored_one_malformed(&t, "x").await;
    t.cleanup().await;
}

#[tokio::test]
async fn console_pages_work_without_javascript() {
    let t = app().await;
    let admin = t
        .sign_in(
            siar_app::demo::DEMO_STAFF
                .iter()
                .find(|s| s.2 == Role::Admin)
                .unwrap()
                .0,
            "siar-demo",
        )
        .await
        .unwrap();
    let ch = siar_app::channels::list(
        &t.app,
        &siar_app::Actor {
            role: Role::Admin,
            ..siar_app::Actor::cli(
                siar_app::settings::by_slug(&t.app, siar_app::demo::DEMO_SLUG)
                    .await
                    .unwrap()
                    .id,
            )
        },
    )
    .await
    .unwrap()
    .into_iter()
    .find(|c| c.platform == siar_domain::channels::Platform::Practice)
    .expect("demo practice channel");
    // Empty name: refused with the text kept.
    let r = t
        .post_form(
            "/app/kotak-masuk/latihan",
            Some(&admin.cookie),
            &[
                ("_csrf", &admin.csrf),
                ("channel_id", &ch.id.to_string()),
                ("kind", "comment"),
                ("name", ""),
                ("text", "Ada e-book novel anak?"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Ada e-book novel anak?"));
    let r = t
        .post_form(
            "/app/kotak-masuk/latihan",
            Some(&admin.cookie),
            &[
                ("_csrf", &admin.csrf),
                ("channel_id", &ch.id.to_string()),
                ("kind", "comment"),
                ("name", "Putri Ayu"),
                ("text", "Ada e-book novel anak?"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = r.location().unwrap().to_string();
    let conv = t.get(&page, Some(&admin.cookie)).await;
    assert_eq!(conv.status, 200);
    assert!(conv.body.contains("Putri Ayu"));
    assert!(
        conv.body.contains("E-book dan pustaka digital"),
        "suggestion shown"
    );
    // A reply over the limit of a practice channel (8,000) is refused, kept.
    let long = "b".repeat(8_001);
    let r = t
        .post_form(
            &format!("{page}/balas"),
            Some(&admin.cookie),
            &[("_csrf", &admin.csrf), ("text", &long)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains(&long));
    let r = t
        .post_form(
            &format!("{page}/balas"),
            Some(&admin.cookie),
            &[
                ("_csrf", &admin.csrf),
                ("text", "Ada, Kak. Cek katalog kami ya."),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let list = t.get("/app/kotak-masuk", Some(&admin.cookie)).await;
    assert!(list.body.contains("Putri Ayu"));
    assert!(list.body.contains("pertanyaan"));
    for p in [
        "/app/kotak-masuk/atur",
        "/app/kotak-masuk/laporan",
        "/app/kotak-masuk?state=all&due=overdue",
    ] {
        assert_eq!(t.get(p, Some(&admin.cookie)).await.status, 200, "{p}");
    }
    let csv = t
        .get("/app/kotak-masuk/laporan.csv", Some(&admin.cookie))
        .await;
    assert!(csv.body.starts_with("Kelompok,Nama,Jumlah"));
    let bad = t
        .get(
            "/app/kotak-masuk/laporan?dari=2026-12-10&sampai=2026-12-01",
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(bad.status, 422);
    // An unknown rating token is not found.
    assert_eq!(t.get("/nilai/tidak-ada", None).await.status, 404);
    t.cleanup().await;
}
