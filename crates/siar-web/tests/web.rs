//! The HTTP router end to end, on a seeded demo library.

use axum::http::Method;
use siar_domain::org::Role;
use siar_testkit::TestApp;
use siar_testkit::app::Browser;
use siar_web::middleware::Access;
use std::time::Duration;

const PW: &str = "siar-demo";

fn email(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin@perpustakaan.example",
        Role::Editor => "editor@perpustakaan.example",
        Role::Contributor => "kontributor@perpustakaan.example",
        Role::Moderator => "moderator@perpustakaan.example",
        Role::Analyst => "analis@perpustakaan.example",
    }
}

async fn call(
    t: &TestApp,
    method: &Method,
    path: &str,
    b: Option<&Browser>,
) -> siar_testkit::app::Reply {
    let cookie = b.map(|b| b.cookie.as_str());
    if *method == Method::GET {
        t.get(path, cookie).await
    } else {
        let csrf = b.map(|b| b.csrf.clone()).unwrap_or_default();
        t.post_form(path, cookie, &[("_csrf", &csrf)]).await
    }
}

/// Every route, for every role and for an anonymous visitor: refused exactly when
/// the route table says so.
#[tokio::test]
async fn every_route_for_every_role() {
    let t = TestApp::sqlite(true).await;
    for spec in siar_web::routes::specs() {
        // Anonymous.
        let r = call(&t, &spec.method, spec.example, None).await;
        match spec.access {
            // A public form without a token is refused by the CSRF check, not by role.
            Access::Public if spec.method == Method::POST => assert_eq!(r.status, 403),
            Access::Public => assert_ne!(r.status, 403, "{} {} anonymous", spec.method, spec.path),
            // Webhooks: without the platform's signature or token, refused
            // (401 unsigned, 403 handshake without the verify token).
            Access::Hook => {
                assert!(
                    matches!(r.status, 401 | 403),
                    "{} {} unsigned: {}",
                    spec.method,
                    spec.path,
                    r.status
                );
                continue;
            }
            Access::Api(_) => {
                let r = t.api(spec.method.clone(), spec.example, None, "{}").await;
                assert_eq!(r.status, 401, "{} {} anonymous", spec.method, spec.path);
                assert!(r.body.contains("\"code\":\"unauthorized\""));
            }
            Access::Staff(_) => {
                assert_eq!(
                    r.status, 303,
                    "{} {} anonymous should go to sign-in",
                    spec.method, spec.path
                );
                assert!(r.location().unwrap_or("").starts_with("/app/login"));
            }
        }
        for role in Role::ALL {
            let b = t
                .sign_in(email(role), PW)
                .await
                .unwrap_or_else(|_| panic!("sign in {role}"));
            if let Access::Api(p) = spec.access {
                // A console session does not open the API; a token of the role does.
                let r = call(&t, &spec.method, spec.example, Some(&b)).await;
                assert!(
                    matches!(r.status, 401 | 405),
                    "{} {} with a cookie",
                    spec.method,
                    spec.path
                );
                let token = t.token(role).await;
                let r = t
                    .api(spec.method.clone(), spec.example, Some(&token), "{}")
                    .await;
                if role.can(p) {
                    assert!(
                        !matches!(r.status, 401 | 403),
                        "{} {} as {role} token: {}",
                        spec.method,
                        spec.path,
                        r.status
                    );
                } else {
                    assert_eq!(
                        r.status, 403,
                        "{} {} as {role} token",
                        spec.method, spec.path
                    );
                    assert!(r.body.contains("\"code\":\"forbidden\""));
                }
                continue;
            }
            let r = call(&t, &spec.method, spec.example, Some(&b)).await;
            let allowed = match spec.access {
                Access::Public | Access::Api(_) | Access::Hook => true,
                Access::Staff(p) => role.can(p),
            };
            if allowed {
                assert_ne!(
                    r.status, 403,
                    "{} {} as {role} should be allowed",
                    spec.method, spec.path
                );
                assert!(
                    !r.location().unwrap_or("").starts_with("/app/login?"),
                    "{} {} as {role}",
                    spec.method,
                    spec.path
                );
            } else {
                assert_eq!(
                    r.status, 403,
                    "{} {} as {role} should be refused",
                    spec.method, spec.path
                );
                assert!(r.body.contains("Akses tidak diizinkan"));
            }
        }
    }
    t.cleanup().await;
}

/// Every state-changing route refuses a request without the CSRF token, and nothing
/// changes.
#[tokio::test]
async fn every_form_needs_the_csrf_token() {
    let t = TestApp::sqlite(true).await;
    let admin = t.sign_in(email(Role::Admin), PW).await.unwrap();
    let audit_before = t.get("/app/audit.csv", Some(&admin.cookie)).await.body;
    for spec in siar_web::routes::specs()
        .into_iter()
        .filter(|s| s.method == Method::POST && !matches!(s.access, Access::Api(_) | Access::Hook))
    {
        let form = [
            ("name", "Diubah tanpa token"),
            ("email", "x@y.example"),
            ("role", "admin"),
            ("password", "panjang-sekali-1"),
            ("lang", "en"),
        ];
        let r = t.post_form(spec.example, Some(&admin.cookie), &form).await;
        assert_eq!(r.status, 403, "{} without token", spec.path);
        let r = t
            .post_form(
                spec.example,
                Some(&admin.cookie),
                &[("_csrf", "wrong"), ("name", "x")],
            )
            .await;
        assert_eq!(r.status, 403, "{} with a wrong token", spec.path);
    }
    // Still signed in (logout was refused), nothing changed.
    let home = t.get("/app", Some(&admin.cookie)).await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Selamat datang"), "language unchanged");
    let settings = t.get("/app/settings", Some(&admin.cookie)).await;
    assert!(
        settings
            .body
            .contains("value=\"Perpustakaan Kota Palembang\"")
    );
    let staff = t.get("/app/staff", Some(&admin.cookie)).await;
    assert!(!staff.body.contains("x@y.example"));
    assert_eq!(
        t.get("/app/audit.csv", Some(&admin.cookie)).await.body,
        audit_before
    );
    // The login form too: without the pre-session cookie it is refused.
    let r = t
        .post_form(
            "/app/login",
            None,
            &[("email", email(Role::Admin)), ("password", PW)],
        )
        .await;
    assert_eq!(r.status, 403);
    t.cleanup().await;
}

#[tokio::test]
async fn sign_in_failures_speak_indonesian_and_throttle() {
    let t = TestApp::sqlite(true).await;
    let r = t
        .sign_in(email(Role::Editor), "salah-sekali")
        .await
        .unwrap_err();
    assert_eq!(r.status, 401);
    assert!(r.body.contains("E-mail atau kata sandi tidak cocok"));
    assert!(
        r.body.contains("value=\"editor@perpustakaan.example\""),
        "the e-mail typed is kept"
    );
    let r = t
        .sign_in("tidak-ada@perpustakaan.example", PW)
        .await
        .unwrap_err();
    assert!(
        r.body.contains("E-mail atau kata sandi tidak cocok"),
        "unknown e-mail: same message"
    );
    for _ in 0..4 {
        let _ = t.sign_in(email(Role::Editor), "salah-sekali").await;
    }
    // Five failures: even the right password is refused for a while.
    let r = t.sign_in(email(Role::Editor), PW).await.unwrap_err();
    assert_eq!(r.status, 429);
    assert!(r.body.contains("Terlalu banyak percobaan"), "{}", r.body);
    t.clock.advance(Duration::from_secs(16 * 60));
    assert!(t.sign_in(email(Role::Editor), PW).await.is_ok());
    t.cleanup().await;
}

#[tokio::test]
async fn demo_password_is_refused_outside_demo_mode() {
    let t = TestApp::sqlite(false).await;
    let r = t.sign_in(email(Role::Admin), PW).await.unwrap_err();
    assert!(
        r.body
            .contains("Kata sandi demo hanya berlaku di mode demo")
    );
    t.cleanup().await;
}

#[tokio::test]
async fn sessions_rotate_expire_and_end_everywhere() {
    let t = TestApp::sqlite(true).await;
    let a = t.sign_in(email(Role::Editor), PW).await.unwrap();
    let b = t.sign_in(email(Role::Editor), PW).await.unwrap();
    assert_ne!(
        a.cookie, b.cookie,
        "each sign-in gets a fresh session token"
    );
    // Expired after 12 idle hours.
    t.clock.advance(Duration::from_secs(13 * 3600));
    let r = t.get("/app", Some(&a.cookie)).await;
    assert_eq!(r.status, 303);
    let c = t.sign_in(email(Role::Editor), PW).await.unwrap();
    let d = t.sign_in(email(Role::Editor), PW).await.unwrap();
    let r = t
        .post_form("/app/logout-all", Some(&c.cookie), &[("_csrf", &c.csrf)])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.get("/app", Some(&d.cookie)).await.status,
        303,
        "the other device is signed out"
    );
    // A form posted after the session ended leads to sign-in with a clear message
    // (and keeps what was typed, see `nothing_typed_is_lost_when_the_session_ends`).
    let r = t
        .post_form(
            "/app/lang",
            Some(&d.cookie),
            &[("_csrf", &d.csrf), ("lang", "en")],
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Sesi Anda telah berakhir"));
    // With nothing typed to keep, it is a plain redirect with the same message.
    let r = t
        .post_form("/app/logout-all", Some(&d.cookie), &[("_csrf", &d.csrf)])
        .await;
    assert_eq!(r.location(), Some("/app/login"));
    assert_eq!(r.set_cookie("siar_flash").as_deref(), Some("login-expired"));
    t.cleanup().await;
}

#[tokio::test]
async fn admin_manages_staff_with_clear_messages() {
    let t = TestApp::sqlite(true).await;
    let admin = t.sign_in(email(Role::Admin), PW).await.unwrap();
    let c = Some(admin.cookie.as_str());
    // A duplicate e-mail and a short password: 422, typed values kept, nothing saved.
    let r = t
        .post_form(
            "/app/staff/new",
            c,
            &[
                ("_csrf", &admin.csrf),
                ("name", "Ayu"),
                ("email", "editor@perpustakaan.example"),
                ("role", "editor"),
                ("password", "pendek"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Kata sandi minimal 10 karakter"));
    assert!(r.body.contains("value=\"Ayu\""));
    let long = "x".repeat(101);
    let r = t
        .post_form(
            "/app/staff/new",
            c,
            &[
                ("_csrf", &admin.csrf),
                ("name", &long),
                ("email", "ayu@perpustakaan.example"),
                ("role", "editor"),
                ("password", "panjang-sekali-1"),
            ],
        )
        .await;
    assert!(r.body.contains("paling banyak 100 karakter"));
    let r = t
        .post_form(
            "/app/staff/new",
            c,
            &[
                ("_csrf", &admin.csrf),
                ("name", "Ayu"),
                ("email", "editor@perpustakaan.example"),
                ("role", "editor"),
                ("password", "panjang-sekali-1"),
            ],
        )
        .await;
    assert!(r.body.contains("sudah dipakai oleh akun lain"));
    assert_eq!(
        t.get("/app/staff", c).await.body.matches("<tr>").count(),
        6,
        "header + 5 demo staff"
    );
    let r = t
        .post_form(
            "/app/staff/new",
            c,
            &[
                ("_csrf", &admin.csrf),
                ("name", "Ayu Lestari"),
                ("email", "Ayu@Perpustakaan.example"),
                ("role", "moderator"),
                ("password", "panjang-sekali-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let list = t.get("/app/staff", c).await;
    assert!(list.body.contains("ayu@perpustakaan.example"));
    // The new person can sign in; once deactivated they cannot.
    let ayu = t
        .sign_in("ayu@perpustakaan.example", "panjang-sekali-1")
        .await
        .unwrap();
    let id = list
        .body
        .split("/app/staff/")
        .filter_map(|s| s.split('"').next())
        .filter_map(|s| s.parse::<i64>().ok())
        .max()
        .unwrap();
    let r = t
        .post_form(
            &format!("/app/staff/{id}"),
            c,
            &[
                ("_csrf", &admin.csrf),
                ("name", "Ayu Lestari"),
                ("role", "moderator"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.get("/app", Some(&ayu.cookie)).await.status,
        303,
        "deactivation ends sessions"
    );
    let r = t
        .sign_in("ayu@perpustakaan.example", "panjang-sekali-1")
        .await
        .unwrap_err();
    assert!(r.body.contains("sudah dinonaktifkan"));
    // The last admin cannot be demoted.
    let me = t.get("/app/staff", c).await;
    let admin_id = me
        .body
        .split("/app/staff/")
        .filter_map(|s| s.split('"').next())
        .filter_map(|s| s.parse::<i64>().ok())
        .min()
        .unwrap();
    let r = t
        .post_form(
            &format!("/app/staff/{admin_id}"),
            c,
            &[
                ("_csrf", &admin.csrf),
                ("name", "Rina Admin"),
                ("role", "editor"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("setidaknya satu admin aktif"));
    // The audit log shows who did what, and exports as CSV.
    let csv = t.get("/app/audit.csv", c).await;
    assert!(csv.body.starts_with("id,time_utc,time_local,actor,action"));
    assert!(csv.body.contains("staff_created") && csv.body.contains("active: true → false"));
    let page = t.get("/app/audit?action=staff_updated", c).await;
    assert!(page.body.contains("Mengubah akun staf"));
    assert!(!page.body.contains("Membuat akun staf</td>"));
    let users = t.get("/app/audit?record=user", c).await;
    assert!(users.body.contains("Akun staf #") && !users.body.contains("Masuk ke konsol</td>"));
    let sessions = t.get("/app/audit?record=session", c).await;
    assert!(sessions.body.contains("Masuk ke konsol") && !sessions.body.contains("Akun staf #"));
    let bad = t.get("/app/audit?from=28-11-2026", c).await;
    assert!(bad.body.contains("Tanggal tidak valid"));
    t.cleanup().await;
}

#[tokio::test]
async fn settings_validate_and_save() {
    let t = TestApp::sqlite(true).await;
    let admin = t.sign_in(email(Role::Admin), PW).await.unwrap();
    let c = Some(admin.cookie.as_str());
    let mut form = vec![
        ("_csrf", admin.csrf.clone()),
        ("name", "Perpustakaan Kota Palembang".to_string()),
        ("timezone", "Mars/Olympus".to_string()),
        ("default_lang", "id".to_string()),
        ("holidays", "2026-12-25 Natal".to_string()),
    ];
    for d in ["mon", "tue", "wed", "thu", "fri"] {
        form.push((
            Box::leak(format!("hours_{d}_open").into_boxed_str()),
            "08:00".into(),
        ));
        form.push((
            Box::leak(format!("hours_{d}_close").into_boxed_str()),
            "16:00".into(),
        ));
    }
    form.push(("hours_sat_open", "13:00".into()));
    form.push(("hours_sat_close", "09:00".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.post_form("/app/settings", c, &pairs).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Zona waktu tidak dikenal"));
    assert!(r.body.contains("Jam tutup harus lebih lambat"));
    assert!(
        r.body.contains("value=\"Mars/Olympus\""),
        "typed values are kept"
    );
    let mut fixed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| {
            if *k == "timezone" {
                (*k, "Asia/Jakarta")
            } else {
                (*k, *v)
            }
        })
        .collect();
    fixed.retain(|(k, _)| !k.starts_with("hours_sat"));
    let r = t.post_form("/app/settings", c, &fixed).await;
    assert_eq!(r.status, 303);
    let portal = t.get("/", None).await;
    assert!(portal.body.contains("Natal"));
    t.cleanup().await;
}

#[tokio::test]
async fn error_pages_health_and_headers() {
    let t = TestApp::sqlite(true).await;
    let r = t.get("/tidak-ada", None).await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("Halaman tidak ditemukan") && r.body.contains("Kode permintaan"));
    let rid = r
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(r.body.contains(&rid));
    let csp = r
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(r.headers.get("x-frame-options").unwrap(), "DENY");
    let en = t.get("/tidak-ada", Some("siar_lang=en")).await;
    assert!(en.body.contains("Page not found"));
    assert_eq!(t.get("/healthz", None).await.body, "ok");
    assert_eq!(t.get("/readyz", None).await.status, 200);
    let m = t.get("/metrics", None).await;
    assert!(m.body.contains("siar_http_requests_total"), "{}", m.body);
    assert!(m.body.contains("siar_db_pool_connections"));
    let portal = t.get("/", None).await;
    assert!(portal.body.contains("<html lang=\"id\">") && portal.body.contains("Masuk untuk staf"));
    assert!(portal.body.contains("Jam buka"));
    t.cleanup().await;
}

#[tokio::test]
async fn logo_upload_checks_type_size_and_token() {
    let t = TestApp::sqlite(true).await;
    let admin = t.sign_in(email(Role::Admin), PW).await.unwrap();
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-test-image".to_vec();
    let url = format!("/app/settings/logo?_csrf={}", admin.csrf);
    // Without the token: refused, nothing stored.
    let r = t
        .post_file(
            "/app/settings/logo",
            &admin.cookie,
            "logo",
            "image/png",
            &png,
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(t.get("/media/palembang/logo", None).await.status, 404);
    // An SVG (could carry script) and an oversized file are refused with a message.
    let r = t
        .post_file(
            &url,
            &admin.cookie,
            "logo",
            "image/svg+xml",
            b"<svg onload=alert(1)></svg>",
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Logo harus berupa gambar PNG, JPEG atau WebP")
    );
    let mut big = png.clone();
    big.resize(600 * 1024, 0);
    let r = t
        .post_file(&url, &admin.cookie, "logo", "image/png", &big)
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("paling besar 512 KB"));
    assert_eq!(t.get("/media/palembang/logo", None).await.status, 404);
    // A PNG is stored, served with its type, and shown in the console and portal.
    let r = t
        .post_file(&url, &admin.cookie, "logo", "image/png", &png)
        .await;
    assert_eq!(r.status, 303);
    let logo = t.get("/media/palembang/logo", None).await;
    assert_eq!(logo.status, 200);
    assert_eq!(logo.headers.get("content-type").unwrap(), "image/png");
    assert!(
        t.get("/", None)
            .await
            .body
            .contains("/media/palembang/logo?v=1")
    );
    assert!(
        t.get("/app", Some(&admin.cookie))
            .await
            .body
            .contains("/media/palembang/logo?v=1")
    );
    let csv = t.get("/app/audit.csv", Some(&admin.cookie)).await;
    assert!(csv.body.contains("logo_updated"));
    t.cleanup().await;
}

#[tokio::test]
async fn staff_change_their_own_password() {
    let t = TestApp::sqlite(true).await;
    let here = t.sign_in(email(Role::Analyst), PW).await.unwrap();
    let other = t.sign_in(email(Role::Analyst), PW).await.unwrap();
    let c = Some(here.cookie.as_str());
    let r = t
        .post_form(
            "/app/account/password",
            c,
            &[
                ("_csrf", &here.csrf),
                ("current_password", "salah-salah"),
                ("new_password", "buku-adalah-jendela-dunia"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Kata sandi saat ini tidak cocok"));
    let r = t
        .post_form(
            "/app/account/password",
            c,
            &[
                ("_csrf", &here.csrf),
                ("current_password", PW),
                ("new_password", "pendek"),
            ],
        )
        .await;
    assert!(r.body.contains("Kata sandi minimal 10 karakter"));
    assert!(
        t.sign_in(email(Role::Analyst), PW).await.is_ok(),
        "nothing changed yet"
    );
    let r = t
        .post_form(
            "/app/account/password",
            c,
            &[
                ("_csrf", &here.csrf),
                ("current_password", PW),
                ("new_password", "buku-adalah-jendela-dunia"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.get("/app", c).await.status,
        200,
        "this device stays signed in"
    );
    assert_eq!(
        t.get("/app", Some(&other.cookie)).await.status,
        303,
        "other devices are signed out"
    );
    assert!(t.sign_in(email(Role::Analyst), PW).await.is_err());
    assert!(
        t.sign_in(email(Role::Analyst), "buku-adalah-jendela-dunia")
            .await
            .is_ok()
    );
    t.cleanup().await;
}

/// A form sent after its session ended keeps what was typed: sign in again, send it
/// again, and it is saved. Passwords are never echoed back.
#[tokio::test]
async fn nothing_typed_is_lost_when_the_session_ends() {
    let t = TestApp::sqlite(true).await;
    let admin = t.sign_in(email(Role::Admin), PW).await.unwrap();
    t.clock.advance(Duration::from_secs(13 * 3600));
    let typed = [
        ("_csrf", admin.csrf.as_str()),
        ("name", "Putri Ramadhani"),
        ("email", "putri@perpustakaan.example"),
        ("role", "editor"),
        ("password", "rahasia-sekali-99"),
    ];
    let r = t
        .post_form("/app/staff/new", Some(&admin.cookie), &typed)
        .await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("isian Anda masih kami simpan"));
    assert!(
        !r.body.contains("rahasia-sekali-99"),
        "passwords are never echoed"
    );
    let resume_form = "name=Putri+Ramadhani&email=putri%40perpustakaan.example&role=editor";
    assert!(
        r.body
            .contains("name=\"resume_action\" value=\"/app/staff/new\"")
    );
    assert!(r.body.contains("name=\"resume_form\""));
    let pre = r.set_cookie("siar_pre").unwrap();
    let csrf = r.csrf().unwrap();
    let again = t
        .post_form(
            "/app/login",
            Some(&format!("siar_pre={pre}")),
            &[
                ("_csrf", csrf.as_str()),
                ("email", email(Role::Admin)),
                ("password", PW),
                ("resume_action", "/app/staff/new"),
                ("resume_form", resume_form),
            ],
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("Kirim ulang isian saya"));
    assert!(again.body.contains("value=\"Putri Ramadhani\""));
    assert!(again.body.contains("action=\"/app/staff/new\""));
    let session = format!("siar_session={}", again.set_cookie("siar_session").unwrap());
    let list = t.get("/app/staff", Some(&session)).await;
    assert!(
        !list.body.contains("putri@"),
        "nothing is saved until the person sends it"
    );
    let sent = t
        .post_form(
            "/app/staff/new",
            Some(&session),
            &[
                ("_csrf", again.csrf().unwrap().as_str()),
                ("name", "Putri Ramadhani"),
                ("email", "putri@perpustakaan.example"),
                ("role", "editor"),
            ],
        )
        .await;
    // The password was not kept, so the form comes back asking only for it.
    assert_eq!(sent.status, 422);
    assert!(sent.body.contains("value=\"Putri Ramadhani\""));
    assert!(sent.body.contains("Kolom ini wajib diisi"));
    t.cleanup().await;
}

#[tokio::test]
async fn jobs_page_retries_dead_jobs_and_metrics_count_them() {
    let t = TestApp::sqlite(true).await;
    let admin = t.sign_in(email(Role::Admin), PW).await.unwrap();
    let c = Some(admin.cookie.as_str());
    // A job of an unknown kind dies at once with a reason.
    let id = t.enqueue("kirim-ulang").await;
    let worker = siar_app::jobs::Worker::new(t.app.clone(), "w", Default::default());
    worker.drain(5).await.unwrap();
    let m = t.get("/metrics", None).await;
    assert!(
        m.body
            .contains("siar_jobs{kind=\"kirim-ulang\",state=\"dead\"} 1"),
        "{}",
        m.body
    );
    let home = t.get("/app", c).await;
    assert!(home.body.contains("1 tugas latar yang gagal"));
    let page = t.get("/app/jobs?state=dead", c).await;
    assert!(page.body.contains("no handler for job kind"));
    assert!(page.body.contains(&format!("/app/jobs/{id}/retry")));
    let r = t
        .post_form(
            &format!("/app/jobs/{id}/retry"),
            c,
            &[("_csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.set_cookie("siar_flash").as_deref(),
        Some("ok:jobs-retried")
    );
    let queued = t.get("/app/jobs?state=queued", c).await;
    assert!(queued.body.contains("kirim-ulang"));
    // Retrying a job that is not dead says so and changes nothing.
    let r = t
        .post_form(
            &format!("/app/jobs/{id}/retry"),
            c,
            &[("_csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(
        r.set_cookie("siar_flash").as_deref(),
        Some("err:err-job-not-dead")
    );
    let csv = t.get("/app/audit.csv", c).await;
    assert_eq!(csv.body.matches("job_retried").count(), 1);
    t.cleanup().await;
}

#[tokio::test]
async fn a_panic_or_a_lost_database_shows_the_500_page() {
    let mut t = TestApp::sqlite(true).await;
    let admin = t.sign_in(email(Role::Admin), PW).await.unwrap();
    // A handler that panics is answered with the 500 page, in the person's language.
    let state = siar_web::WebState::new(t.app.clone(), siar_web::WebConfig::default());
    let boom: axum::Router<siar_web::WebState> = axum::Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            panic!("boom");
            #[allow(unreachable_code)]
            ""
        }),
    );
    let normal = std::mem::replace(&mut t.router, siar_web::routes::layers(boom, state));
    let r = t.get("/boom", Some("siar_lang=en")).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("Something went wrong") && r.body.contains("Request code"));
    let rid = r
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(r.body.contains(&rid));
    t.router = normal;
    // The database goes away: pages say so politely; /readyz says not ready.
    t.app.store.close().await;
    let r = t.get("/app", Some(&admin.cookie)).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("Terjadi kesalahan") && r.body.contains("Kode permintaan"));
    assert_eq!(t.get("/readyz", None).await.status, 503);
    assert_eq!(
        t.get("/healthz", None).await.status,
        200,
        "the process is still alive"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn short_links_from_the_form_to_the_redirect() {
    let t = TestApp::sqlite(true).await;
    let k = t.sign_in(email(Role::Contributor), PW).await.unwrap();
    let c = Some(k.cookie.as_str());
    // Every problem named in Indonesian, what was typed kept, nothing made.
    let r = t
        .post_form(
            "/app/links",
            c,
            &[
                ("_csrf", &k.csrf),
                ("target", "katalog perpustakaan"),
                ("label", "Katalog"),
                ("code", "baca buku"),
                ("campaign", ""),
                ("channel", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Alamat tujuan harus alamat web lengkap"));
    assert!(r.body.contains("Kode hanya boleh berisi huruf"));
    assert!(r.body.contains("value=\"katalog perpustakaan\""));
    assert!(
        r.body.contains("/l/KatalogPalembang"),
        "the demo's links are listed"
    );
    let r = t
        .post_form(
            "/app/links",
            c,
            &[
                ("_csrf", &k.csrf),
                ("target", "https://perpustakaan.example/ebook?x=1"),
                ("label", "E-book anak"),
                ("code", "EbookRemaja"),
                ("campaign", "#PalembangBaca"),
                ("channel", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = r.location().unwrap().to_string();
    assert!(page.starts_with("/app/links/"));
    // The public address leads on, uncached, and the click is counted.
    let go = t.get("/l/EbookRemaja", None).await;
    assert_eq!(go.status, 302);
    assert_eq!(
        go.location(),
        Some(
            "https://perpustakaan.example/ebook?x=1&utm_source=siar&utm_medium=link&utm_campaign=palembangbaca"
        )
    );
    assert_eq!(
        go.headers.get("cache-control").unwrap().to_str().unwrap(),
        "no-store"
    );
    assert_eq!(t.get("/l/TidakAda", None).await.status, 404);
    assert_eq!(t.get("/l/%2E%2E", None).await.status, 404);
    let detail = t.get(&page, c).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("/l/EbookRemaja"));
    assert!(detail.body.contains("Klik oleh pengunjung"));
    assert!(detail.body.contains("<dd>1</dd>"), "{}", detail.body);
    let png = t.get(&format!("{page}/qr.png"), c).await;
    assert_eq!(png.status, 200);
    assert_eq!(png.headers.get("content-type").unwrap(), "image/png");
    let svg = t.get(&format!("{page}/qr.svg"), c).await;
    assert_eq!(svg.headers.get("content-type").unwrap(), "image/svg+xml");
    // The list shows it with its click.
    let list = t.get("/app/links", c).await;
    assert!(list.body.contains("E-book anak") && list.body.contains("palembangbaca"));
    // Only editors put it on the public link-in-bio page.
    let id = page.trim_start_matches("/app/links/");
    let bio = format!("/app/links/{id}/bio");
    assert_eq!(
        t.post_form(&bio, c, &[("_csrf", &k.csrf), ("on", "1")])
            .await
            .status,
        403
    );
    let before = t.get("/tautan", None).await;
    assert_eq!(before.status, 200);
    assert!(
        before.body.contains("href=\"/l/KatalogPalembang\""),
        "the demo's"
    );
    assert!(!before.body.contains("/l/EbookRemaja"));
    let e = t.sign_in(email(Role::Editor), PW).await.unwrap();
    let r = t
        .post_form(
            &bio,
            Some(e.cookie.as_str()),
            &[("_csrf", &e.csrf), ("on", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    let after = t.get("/tautan", None).await;
    assert!(after.body.contains("href=\"/l/EbookRemaja\""));
    assert!(after.body.contains("E-book anak"));
    t.cleanup().await;
}

#[tokio::test]
async fn home_suggests_the_days_that_matter() {
    // The test clock stands on 2026-11-28, Hari Dongeng Nasional.
    let t = TestApp::sqlite(true).await;
    let e = t.sign_in(email(Role::Editor), PW).await.unwrap();
    let home = t.get("/app", Some(&e.cookie)).await;
    assert!(home.body.contains("Hari penting tiga minggu ke depan"));
    assert!(home.body.contains("28-11-2026") && home.body.contains("Hari Dongeng Nasional"));
    assert!(home.body.contains("Ide konten:"));
    // Three weeks later the year's end is in view, and the storytelling day is past.
    t.clock.advance(Duration::from_secs(21 * 86_400));
    let e = t.sign_in(email(Role::Editor), PW).await.unwrap();
    let later = t.get("/app", Some(&e.cookie)).await;
    assert!(later.body.contains("Hari Ibu") && later.body.contains("Kelahiran Yesus Kristus"));
    assert!(!later.body.contains("Hari Dongeng Nasional"));
    t.cleanup().await;
}

#[tokio::test]
async fn days_that_matter_a_month_at_a_time() {
    let t = TestApp::sqlite(true).await;
    let a = t.sign_in(email(Role::Analyst), PW).await.unwrap();
    let c = Some(a.cookie.as_str());
    let now = t.get("/app/hari-penting", c).await;
    assert_eq!(now.status, 200);
    assert!(now.body.contains("November 2026") && now.body.contains("Hari Guru Nasional"));
    let may = t.get("/app/hari-penting?bulan=2027-05", c).await;
    assert!(may.body.contains("Mei 2027") && may.body.contains("Hari Buku Nasional"));
    assert!(may.body.contains("bulan=2027-04") && may.body.contains("bulan=2027-06"));
    // A month that is not one falls back to this month; none recorded is said so.
    let bad = t.get("/app/hari-penting?bulan=2026-13", c).await;
    assert!(bad.body.contains("November 2026"));
    let empty = t.get("/app/hari-penting?bulan=2030-01", c).await;
    assert!(empty.body.contains("Tidak ada hari penting"));
    t.cleanup().await;
}

fn first_number_after(body: &str, marker: &str) -> i64 {
    let at = body.find(marker).expect(marker) + marker.len();
    body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("number")
}

#[tokio::test]
async fn composer_review_and_campaigns_over_http() {
    let t = TestApp::sqlite(true).await;
    let sari = t.sign_in(email(Role::Contributor), PW).await.unwrap();
    let dedi = t.sign_in(email(Role::Editor), PW).await.unwrap();
    let page = t.get("/app/tulis", Some(&sari.cookie)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ajukan untuk ditinjau"));
    assert!(
        !page.body.contains("value=\"schedule\""),
        "contributors cannot schedule"
    );
    let ch = first_number_after(&page.body, "name=\"channel\" value=\"").to_string();
    // The old address leads to the composer.
    let old = t.get("/app/posts/new", Some(&sari.cookie)).await;
    assert_eq!(old.location(), Some("/app/tulis"));

    // Saving needs the token; with it, a draft is made.
    let fields = [
        ("text", "Pojok baca anak buka setiap Sabtu! #PalembangBaca"),
        ("channel", ch.as_str()),
        ("when_mode", "now"),
        ("shorten_shown", "1"),
        ("shorten", "1"),
        ("version", "0"),
        ("action", "save"),
    ];
    assert_eq!(
        t.post_multipart("/app/tulis", &sari.cookie, &fields)
            .await
            .status,
        403
    );
    let url = format!("/app/tulis?_csrf={}", sari.csrf);
    let r = t.post_multipart(&url, &sari.cookie, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location().unwrap().to_string();
    let id: i64 = to.trim_start_matches("/app/tulis/").parse().unwrap();

    // Live counters: per channel, by the platform's rules, saving nothing.
    let chk = t
        .post_multipart(
            &format!("/app/tulis/periksa?_csrf={}", sari.csrf),
            &sari.cookie,
            &[("text", "Halo 📚"), ("channel", ch.as_str())],
        )
        .await;
    assert_eq!(chk.status, 200);
    let v: serde_json::Value = serde_json::from_str(&chk.body).unwrap();
    assert!(
        v["channels"][0]["counted"]
            .as_str()
            .unwrap()
            .contains("dari")
    );
    assert_eq!(v["channels"][0]["preview"][0], "Halo 📚");

    // Autosave raises the version; a save from the old version keeps both texts.
    let auto = format!("/app/tulis/{id}/simpan-otomatis?_csrf={}", sari.csrf);
    let mut a = fields.to_vec();
    a[0] = (
        "text",
        "Pojok baca anak buka setiap Sabtu pukul 09.00! #PalembangBaca",
    );
    a[5] = ("version", "1");
    let r = t.post_multipart(&auto, &sari.cookie, &a).await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["version"], 2, "{}", r.body);
    assert_eq!(v["conflict"], false);
    a[0] = ("text", "Teks dari tab lain");
    let r = t.post_multipart(&auto, &sari.cookie, &a).await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["conflict"], true);
    let page = t.get(&to, Some(&sari.cookie)).await;
    assert!(
        page.body.contains("Teks dari tab lain"),
        "the late text is shown"
    );
    assert!(page.body.contains("pukul 09.00"), "the saved text stands");

    // Submit; the editor is told and sees it waiting.
    let mut s = fields.to_vec();
    s[0] = (
        "text",
        "Pojok baca anak buka setiap Sabtu pukul 09.00! #PalembangBaca",
    );
    s[5] = ("version", "2");
    s[6] = ("action", "submit");
    let r = t
        .post_multipart(
            &format!("/app/tulis/{id}?_csrf={}", sari.csrf),
            &sari.cookie,
            &s,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let home = t.get("/app/tinjauan", Some(&dedi.cookie)).await;
    assert!(home.body.contains("Pojok baca anak"));
    let notes = t.get("/app/notifikasi", Some(&dedi.cookie)).await;
    assert!(notes.body.contains("mengajukan"), "{}", notes.body);
    assert!(
        notes.body.contains("<span class=\"sr\"> belum dibaca"),
        "unread count in the menu"
    );

    // Asking for changes needs a comment.
    let review = format!("/app/tulis/{id}/tinjau");
    let page = t.get(&to, Some(&dedi.cookie)).await;
    let version = first_number_after(&page.body, "name=\"version\" value=\"").to_string();
    let r = t
        .post_form(
            &review,
            Some(&dedi.cookie),
            &[
                ("_csrf", &dedi.csrf),
                ("action", "changes"),
                ("comment", ""),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("wajib diisi"), "{}", r.body);
    let r = t
        .post_form(
            &review,
            Some(&dedi.cookie),
            &[
                ("_csrf", &dedi.csrf),
                ("action", "changes"),
                ("comment", "Sebutkan lantai pojok bacanya."),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = t.get(&to, Some(&sari.cookie)).await;
    assert!(page.body.contains("Sebutkan lantai pojok bacanya."));
    assert!(page.body.contains("Perlu diubah"));

    // Campaigns: a hashtag with a space is refused with a clear message.
    let bad = t
        .post_form(
            "/app/kampanye",
            Some(&dedi.cookie),
            &[
                ("_csrf", &dedi.csrf),
                ("name", "Pekan Dongeng Desember"),
                ("starts_on", "2026-12-01"),
                ("ends_on", "2026-12-07"),
                ("hashtags", "#Minggu Buku"),
                ("audience", "anak"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Tagar tidak boleh berisi spasi"));
    assert!(
        bad.body.contains("Minggu Buku Palembang"),
        "what was typed stays"
    );
    let ok = t
        .post_form(
            "/app/kampanye",
            Some(&dedi.cookie),
            &[
                ("_csrf", &dedi.csrf),
                ("name", "Pekan Dongeng Desember"),
                ("starts_on", "2026-12-01"),
                ("ends_on", "2026-12-07"),
                ("hashtags", "#MingguBukuPalembang"),
                ("audience", "anak"),
                ("budget", "Rp 500.000"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    let detail = t.get(ok.location().unwrap(), Some(&sari.cookie)).await;
    assert!(detail.body.contains("Rp 500.000"));
    assert!(detail.body.contains("Desember 2026"));
    // A contributor cannot create campaigns.
    let r = t
        .post_form(
            "/app/kampanye",
            Some(&sari.cookie),
            &[("_csrf", &sari.csrf), ("name", "x")],
        )
        .await;
    assert_eq!(r.status, 403);
    t.cleanup().await;
}

#[tokio::test]
async fn calendar_moves_exports_and_imports() {
    let t = TestApp::sqlite(true).await;
    let dedi = t.sign_in(email(Role::Editor), PW).await.unwrap();
    let sari = t.sign_in(email(Role::Contributor), PW).await.unwrap();
    // The demo's month of posts is on the calendar, in every view.
    let month = t.get("/app/kalender", Some(&dedi.cookie)).await;
    assert_eq!(month.status, 200);
    assert!(month.body.contains("cal-item"), "{}", month.body);
    for v in ["minggu", "daftar"] {
        let r = t
            .get(&format!("/app/kalender?tampilan={v}"), Some(&dedi.cookie))
            .await;
        assert_eq!(r.status, 200);
    }
    let filtered = t
        .get(
            "/app/kalender?tampilan=daftar&status=draft",
            Some(&dedi.cookie),
        )
        .await;
    assert!(!filtered.body.contains("class=\"badge run\""));
    assert!(!filtered.body.contains("class=\"badge ok\""));
    // Moving a post to a past day is refused with a message, nothing changes.
    let id = first_number_after(&month.body, "data-post=\"");
    let r = t
        .post_form(
            "/app/kalender/pindah",
            Some(&dedi.cookie),
            &[
                ("_csrf", &dedi.csrf),
                ("post", &id.to_string()),
                ("date", "2020-01-01"),
                ("back", "/app/kalender"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/app/kalender"));
    let flash = r.set_cookie("siar_flash").unwrap_or_default();
    assert!(flash.contains("rule-time-in-past"), "{flash}");
    // CSV out.
    let csv = t.get("/app/kalender.csv", Some(&dedi.cookie)).await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.body.contains("tanggal,jam,kanal,teks"));
    // CSV in: the preview names the bad row; nothing is saved until confirmed.
    let drafts_before = t.get("/app/tinjauan", Some(&sari.cookie)).await.body;
    let soon = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d");
    let csv_in = format!(
        "tanggal,jam,kanal,teks\n{soon},09:00,practice:latihan,Baris baik\nbesok,09:00,practice:latihan,Baris buruk\n"
    );
    let csv_in = csv_in.as_str();
    let url = format!("/app/kalender/impor?_csrf={}", sari.csrf);
    let p = t
        .post_multipart(
            &url,
            &sari.cookie,
            &[("csv", csv_in), ("action", "preview")],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("Tanggal “besok” tidak valid"), "{}", p.body);
    assert!(p.body.contains("Impor 1 baris yang benar"));
    assert_eq!(
        t.get("/app/tinjauan", Some(&sari.cookie))
            .await
            .body
            .matches("Baris baik")
            .count(),
        drafts_before.matches("Baris baik").count()
    );
    let c = t
        .post_multipart(
            &url,
            &sari.cookie,
            &[("csv", csv_in), ("action", "confirm")],
        )
        .await;
    assert_eq!(c.status, 303);
    assert!(
        t.get("/app/tinjauan", Some(&sari.cookie))
            .await
            .body
            .contains("Baris baik")
    );
    // A scheduled post's page shows its category, campaign and history.
    let next_month = (chrono::Utc::now() + chrono::Duration::days(20)).format("%Y-%m-%d");
    let list = t
        .get(
            &format!("/app/kalender?tampilan=daftar&status=scheduled&tanggal={next_month}"),
            Some(&dedi.cookie),
        )
        .await;
    let pid = first_number_after(&list.body, "href=\"/app/posts/");
    let post = t
        .get(&format!("/app/posts/{pid}"), Some(&dedi.cookie))
        .await;
    assert!(
        post.body.contains("Dijadwalkan oleh editor"),
        "{}",
        post.body
    );
    assert!(post.body.contains("Riwayat"));
    // The demo's practice channel has a weekday queue.
    let q = t.get("/app/antrean", Some(&dedi.cookie)).await;
    assert!(q.body.contains("value=\"09:00, 19:00\""), "{}", q.body);
    // Queues: only editors set them.
    let r = t
        .post_form(
            "/app/antrean",
            Some(&sari.cookie),
            &[("_csrf", &sari.csrf), ("channel", "1"), ("times", "09:00")],
        )
        .await;
    assert_eq!(r.status, 403);
    t.cleanup().await;
}

#[tokio::test]
async fn templates_fill_the_composer() {
    let t = TestApp::sqlite(true).await;
    let dedi = t.sign_in(email(Role::Editor), PW).await.unwrap();
    let page = t.get("/app/templat", Some(&dedi.cookie)).await;
    assert!(page.body.contains("Bedah buku"), "the demo's templates");
    let compose = t.get("/app/tulis", Some(&dedi.cookie)).await;
    let select = &compose.body[compose.body.find("id=\"template\"").unwrap()..];
    let tpl = first_number_after(
        &select[select.find("</option>").unwrap()..],
        "<option value=\"",
    )
    .to_string();
    let ch = first_number_after(&compose.body, "name=\"channel\" value=\"").to_string();
    let when = (chrono::Utc::now() + chrono::Duration::days(10))
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .format("%Y-%m-%dT10:00")
        .to_string();
    let r = t
        .post_multipart(
            &format!("/app/tulis?_csrf={}", dedi.csrf),
            &dedi.cookie,
            &[
                ("text", ""),
                ("channel", &ch),
                ("when_mode", "later"),
                ("when", &when),
                ("template", &tpl),
                ("tpl_judul", "Laskar Pelangi"),
                ("tpl_tautan", "https://perpustakaan.palembang.go.id/daftar"),
                ("version", "0"),
                ("action", "template"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = t.get(r.location().unwrap(), Some(&dedi.cookie)).await;
    assert!(
        draft.body.contains("Bedah buku Laskar Pelangi"),
        "{}",
        draft.body
    );
    assert!(
        draft
            .body
            .contains("https://perpustakaan.palembang.go.id/daftar")
    );
    assert!(!draft.body.contains("{tanggal}"), "the date is filled in");
    t.cleanup().await;
}

#[tokio::test]
async fn articles_on_the_portal_with_feeds() {
    let t = TestApp::sqlite(true).await;
    let list = t.get("/artikel", None).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Tips Memilih Buku untuk Anak Usia Dini"));
    assert!(
        list.body.contains("application/rss+xml"),
        "feeds are announced"
    );
    let page = t
        .get("/artikel/tips-memilih-buku-untuk-anak-usia-dini", None)
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("<strong>Pilih buku bergambar besar</strong>")
    );
    assert!(
        page.body
            .contains("property=\"og:title\" content=\"Tips Memilih Buku untuk Anak Usia Dini\"")
    );
    assert!(page.body.contains("name=\"twitter:card\""));
    assert!(page.body.contains("rel=\"noopener noreferrer\""));
    assert_eq!(t.get("/artikel/tidak-ada", None).await.status, 404);
    let rss = t.get("/artikel/feed.rss", None).await;
    assert_eq!(rss.status, 200);
    assert!(
        rss.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/rss+xml")
    );
    assert!(rss.body.contains("<rss") && rss.body.contains("<item>"));
    let atom = t.get("/artikel/feed.atom", None).await;
    assert!(atom.body.contains("http://www.w3.org/2005/Atom"));
    // A contributor's article with script stays safe and off the portal
    // until an editor publishes it.
    let sari = t.sign_in(email(Role::Contributor), PW).await.unwrap();
    let r = t
        .post_multipart(
            &format!("/app/artikel/baru?_csrf={}", sari.csrf),
            &sari.cookie,
            &[
                ("title", "Uji keamanan"),
                ("body", "Halo\n\n<img src=x onerror=alert(1)>"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let edit = t.get(r.location().unwrap(), Some(&sari.cookie)).await;
    assert!(
        !edit.body.contains("<img src=x"),
        "the preview is sanitised"
    );
    assert!(
        !edit.body.contains("value=\"publish\""),
        "contributors do not publish"
    );
    assert_eq!(t.get("/artikel/uji-keamanan", None).await.status, 404);
    t.cleanup().await;
}
