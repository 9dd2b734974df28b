//! The JSON API through the router: tokens and roles, validation without saving,
//! wrong types, refusals with per-channel reports, and the post lifecycle.

use axum::http::Method;
use serde_json::{Value, json};
use siar_domain::org::Role;
use siar_testkit::TestApp;

fn j(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

async fn practice_channel(t: &TestApp, token: &str) -> i64 {
    let r = t
        .api(Method::GET, "/api/v1/channels", Some(token), "")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = j(&r.body);
    v.as_array()
        .unwrap()
        .iter()
        .find(|c| c["platform"] == "practice")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn post_count(t: &TestApp, token: &str) -> usize {
    let r = t
        .api(Method::GET, "/api/v1/posts?limit=100", Some(token), "")
        .await;
    j(&r.body).as_array().unwrap().len()
}

#[tokio::test]
async fn tokens_are_required_and_scoped_by_role() {
    let t = TestApp::sqlite(true).await;
    let r = t.api(Method::GET, "/api/v1/posts", None, "").await;
    assert_eq!(r.status, 401);
    assert_eq!(j(&r.body)["error"]["code"], "unauthorized");
    assert!(r.headers.get("www-authenticate").is_some());
    let r = t
        .api(Method::GET, "/api/v1/posts", Some("siar_bukan-token"), "")
        .await;
    assert_eq!(r.status, 401);
    let analyst = t.token(Role::Analyst).await;
    assert_eq!(
        t.api(Method::GET, "/api/v1/posts", Some(&analyst), "")
            .await
            .status,
        200
    );
    let r = t
        .api(
            Method::POST,
            "/api/v1/posts",
            Some(&analyst),
            r#"{"text":"x","channels":[1]}"#,
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(j(&r.body)["error"]["code"], "forbidden");
    // Only admins connect channels.
    let editor = t.token(Role::Editor).await;
    let r = t
        .api(
            Method::POST,
            "/api/v1/channels",
            Some(&editor),
            r#"{"platform":"practice"}"#,
        )
        .await;
    assert_eq!(r.status, 403);
    t.cleanup().await;
}

#[tokio::test]
async fn validate_counts_per_channel_and_saves_nothing() {
    let t = TestApp::sqlite(true).await;
    let tok = t.token(Role::Editor).await;
    let ch = practice_channel(&t, &tok).await;
    let before = post_count(&t, &tok).await;
    let long = "a".repeat(5001);
    let body = json!({"text": long, "channels": [ch]}).to_string();
    let r = t
        .api(Method::POST, "/api/v1/posts/validate", Some(&tok), &body)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = j(&r.body);
    assert_eq!(v["ok"], false);
    let c = &v["channels"][0];
    assert_eq!(
        (c["counted"].as_u64(), c["limit"].as_u64()),
        (Some(5001), Some(5000))
    );
    assert_eq!(c["issues"][0]["code"], "rule-text-too-long");
    assert_eq!(
        c["issues"][0]["message"],
        "Teks terlalu panjang untuk Kanal Latihan: paling banyak 5000 karakter."
    );
    // In English when asked.
    let r = t
        .send(
            axum::http::Request::post("/api/v1/posts/validate")
                .header("authorization", format!("Bearer {tok}"))
                .header("content-type", "application/json")
                .header("accept-language", "en-GB,en;q=0.9")
                .body(axum::body::Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert!(
        j(&r.body)["channels"][0]["issues"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Text too long for Practice channel")
    );
    let ok = json!({"text": "Halo 📚", "channels": [ch]}).to_string();
    let v = j(&t
        .api(Method::POST, "/api/v1/posts/validate", Some(&tok), &ok)
        .await
        .body);
    assert_eq!(v["ok"], true);
    assert_eq!(v["channels"][0]["counted"], 6);
    assert_eq!(
        post_count(&t, &tok).await,
        before,
        "validation saves nothing"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn bad_bodies_are_refused_with_clear_codes() {
    let t = TestApp::sqlite(true).await;
    let tok = t.token(Role::Editor).await;
    let ch = practice_channel(&t, &tok).await;
    let before = post_count(&t, &tok).await;
    // Wrong types: serde names the field and the type.
    let r = t
        .api(
            Method::POST,
            "/api/v1/posts",
            Some(&tok),
            r#"{"text": 5, "channels": "semua"}"#,
        )
        .await;
    assert_eq!(r.status, 400);
    let v = j(&r.body);
    assert_eq!(v["error"]["code"], "invalid_body");
    assert!(
        v["error"]["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("invalid type")
    );
    // Not JSON at all, and unknown fields.
    assert_eq!(
        t.api(Method::POST, "/api/v1/posts", Some(&tok), "teks")
            .await
            .status,
        400
    );
    let r = t
        .api(
            Method::POST,
            "/api/v1/posts",
            Some(&tok),
            &json!({"text": "x", "channels": [ch], "kanal": 1}).to_string(),
        )
        .await;
    assert_eq!(r.status, 400);
    // An unknown channel, a time in the past, a bad time: refused, nothing saved.
    let r = t
        .api(
            Method::POST,
            "/api/v1/posts",
            Some(&tok),
            &json!({"text": "x", "channels": [999]}).to_string(),
        )
        .await;
    assert_eq!(r.status, 422);
    let v = j(&r.body);
    assert_eq!(v["error"]["code"], "post_refused");
    assert_eq!(v["error"]["problems"][0]["code"], "err-unknown-channel");
    let r = t
        .api(
            Method::POST,
            "/api/v1/posts",
            Some(&tok),
            &json!({"text": "x", "channels": [ch], "publish_at": "2020-01-01T09:00:00+07:00"})
                .to_string(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        j(&r.body)["error"]["problems"][0]["code"],
        "rule-time-in-past"
    );
    let r = t
        .api(
            Method::POST,
            "/api/v1/posts",
            Some(&tok),
            &json!({"text": "x", "channels": [ch], "publish_at": "besok pagi"}).to_string(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(j(&r.body)["error"]["problems"][0]["field"], "publish_at");
    let r = t
        .api(
            Method::POST,
            "/api/v1/channels",
            Some(&t.token(Role::Admin).await),
            r#"{"platform":"myspace"}"#,
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(post_count(&t, &tok).await, before);
    t.cleanup().await;
}

#[tokio::test]
async fn a_post_is_scheduled_read_changed_and_deleted() {
    let t = TestApp::sqlite(true).await;
    let tok = t.token(Role::Editor).await;
    let ch = practice_channel(&t, &tok).await;
    let at = "2027-01-15T09:00:00+07:00";
    let r = t
        .api(
            Method::POST,
            "/api/v1/posts",
            Some(&tok),
            &json!({"text": "Bedah buku bulan Januari", "channels": [ch], "publish_at": at})
                .to_string(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = j(&r.body);
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["publish_at"], "2027-01-15T02:00:00Z");
    assert_eq!(v["deliveries"][0]["state"], "scheduled");
    assert_eq!(v["deliveries"][0]["platform"], "practice");
    let path = format!("/api/v1/posts/{id}");
    let r = t
        .api(
            Method::PATCH,
            &path,
            Some(&tok),
            &json!({"text": "Bedah buku: Laskar Pelangi", "variants": {ch.to_string(): {"text": "Khusus latihan"}}}).to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = j(&r.body);
    assert_eq!(v["text"], "Bedah buku: Laskar Pelangi");
    assert_eq!(v["deliveries"][0]["text"], "Khusus latihan");
    assert_eq!(
        v["publish_at"], "2027-01-15T02:00:00Z",
        "time kept when not sent"
    );
    assert_eq!(t.api(Method::GET, &path, Some(&tok), "").await.status, 200);
    assert_eq!(
        t.api(Method::DELETE, &path, Some(&tok), "").await.status,
        204
    );
    let r = t.api(Method::GET, &path, Some(&tok), "").await;
    assert_eq!(r.status, 404);
    assert_eq!(j(&r.body)["error"]["code"], "not_found");
    // Unknown API paths answer JSON too.
    let r = t
        .api(Method::GET, "/api/v1/tidak-ada", Some(&tok), "")
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(j(&r.body)["error"]["code"], "not_found");
    t.cleanup().await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let t = TestApp::sqlite(true).await;
    let r = t.get("/api/v1/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let v = j(&r.body);
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    for spec in siar_web::routes::specs() {
        if let siar_web::middleware::Access::Api(_) = spec.access {
            let op = spec.method.as_str().to_ascii_lowercase();
            assert!(
                v["paths"][spec.path][&op].is_object(),
                "{} {} missing from openapi.json",
                spec.method,
                spec.path
            );
        }
    }
    assert!(v["components"]["schemas"]["PostIn"].is_object());
    assert!(v["components"]["securitySchemes"]["bearer"].is_object());
    t.cleanup().await;
}
