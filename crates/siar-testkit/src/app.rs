//! The whole HTTP router over a test database, driven without a socket.

use crate::{ManualClock, TestDb};
use axum::body::{Body, to_bytes};
use axum::http::{Request, Response, header};
use siar_app::secrets::Keyring;
use siar_app::{App, AppConfig};
use std::sync::Arc;
use tower::ServiceExt;

pub struct TestApp {
    pub db: TestDb,
    pub app: App,
    pub clock: ManualClock,
    pub router: axum::Router,
}

/// A response with its body read.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    /// The body as text (invalid UTF-8 replaced).
    pub body: String,
    /// The body as sent (for images and PDFs).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    /// The value of a cookie this reply sets.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    /// The first hidden `_csrf` value in the page.
    pub fn csrf(&self) -> Option<String> {
        let i = self.body.find("name=\"_csrf\" value=\"")? + 20;
        let rest = &self.body[i..];
        Some(rest[..rest.find('"')?].to_string())
    }
}

/// A signed-in browser: its cookie header and CSRF token.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// Seeds the demo library; `demo_mode` decides whether `siar-demo` opens it.
    pub async fn new(db: TestDb, demo_mode: bool) -> Self {
        Self::configured(db, demo_mode, |_| {}).await
    }

    /// Like [`TestApp::new`], with deployment settings changed by `f`.
    pub async fn configured(db: TestDb, demo_mode: bool, f: impl FnOnce(&mut AppConfig)) -> Self {
        let clock = ManualClock::new();
        let mut config = AppConfig {
            demo_mode,
            translate: Some(siar_web::i18n::t_args),
            ..AppConfig::default()
        };
        f(&mut config);
        let app = App::new(
            db.store.clone(),
            Arc::new(clock.clone()),
            Keyring::from_keys([3; 32], &[]),
            config,
        );
        siar_app::demo::seed(&app).await.expect("seed demo");
        let router = siar_web::router(siar_web::WebState::new(
            app.clone(),
            siar_web::WebConfig::default(),
        ));
        Self {
            db,
            app,
            clock,
            router,
        }
    }

    pub async fn sqlite(demo_mode: bool) -> Self {
        Self::new(TestDb::sqlite().await, demo_mode).await
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res: Response<Body> = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = to_bytes(res.into_body(), 16 * 1024 * 1024)
            .await
            .expect("body");
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// An API call with an optional bearer token and a JSON body.
    pub async fn api(
        &self,
        method: axum::http::Method,
        path: &str,
        token: Option<&str>,
        json: &str,
    ) -> Reply {
        let mut b = Request::builder().method(method.clone()).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = if method == axum::http::Method::GET || method == axum::http::Method::DELETE {
            Body::empty()
        } else {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        };
        self.send(b.body(body).expect("request")).await
    }

    /// A new API token of the demo library with `role`'s rights.
    pub async fn token(&self, role: siar_domain::org::Role) -> String {
        let org = siar_app::settings::by_slug(&self.app, siar_app::demo::DEMO_SLUG)
            .await
            .expect("demo org");
        siar_app::tokens::create(&self.app, &siar_app::Actor::cli(org.id), role, "test")
            .await
            .expect("token")
    }

    /// Signs a patron in through the portal's pages, reading the code from the
    /// staff page (no e-mail server in tests); returns the cookie header, the
    /// form token and where the sign-in led.
    pub async fn patron_sign_in(&self, email: &str, next: &str) -> (String, String, String) {
        let admin = self
            .sign_in("admin@perpustakaan.example", "siar-demo")
            .await
            .expect("admin signs in")
            .cookie;
        let form = self.get("/masuk", None).await;
        let pre = form.set_cookie("siar_pre").expect("pre-session cookie");
        let csrf = form.csrf().expect("csrf field");
        let jar = format!("siar_pre={pre}");
        let r = self
            .post_form(
                "/masuk",
                Some(&jar),
                &[("_csrf", &csrf), ("email", email), ("next", next)],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let codes = self.get("/app/patron/kode", Some(&admin)).await;
        let i = codes.body.find("class=\"code\">").expect("a code") + 13;
        let code = codes.body[i..i + 6].to_string();
        let r = self
            .post_form(
                "/masuk/kode",
                Some(&jar),
                &[
                    ("_csrf", &csrf),
                    ("email", email),
                    ("code", &code),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let session = r.set_cookie("siar_patron").expect("patron cookie");
        let to = r.location().unwrap_or_default().to_string();
        (format!("{jar}; siar_patron={session}"), csrf, to)
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    pub async fn post_form(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> Reply {
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        let body = serde_urlencoded::to_string(form).expect("form");
        self.send(b.body(Body::from(body)).expect("request")).await
    }

    /// Posts one file as `multipart/form-data`, as a browser's file form would.
    pub async fn post_file(
        &self,
        path: &str,
        cookie: &str,
        field: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Reply {
        let boundary = "----siar-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"upload\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Posts text fields as `multipart/form-data` (the composer's form).
    pub async fn post_multipart(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        let boundary = "----siar-test-boundary";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let req = Request::post(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Signs in through the login form, as a browser would.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Browser, Reply> {
        let form = self.get("/app/login", None).await;
        let pre = form.set_cookie("siar_pre").expect("pre-session cookie");
        let csrf = form.csrf().expect("csrf field");
        let cookie = format!("siar_pre={pre}");
        let r = self
            .post_form(
                "/app/login",
                Some(&cookie),
                &[("_csrf", &csrf), ("email", email), ("password", password)],
            )
            .await;
        let Some(session) = r.set_cookie("siar_session") else {
            return Err(r);
        };
        let cookie = format!("siar_session={session}");
        let home = self.get("/app", Some(&cookie)).await;
        let csrf = home.csrf().expect("csrf on home");
        Ok(Browser { cookie, csrf })
    }

    /// Enqueues a job for the demo library, due now (as a later feature would).
    pub async fn enqueue(&self, kind: &str) -> i64 {
        let org = siar_app::settings::by_slug(&self.app, "palembang")
            .await
            .expect("demo org");
        let mut tx = self.app.store.begin().await.expect("begin");
        let job = siar_domain::jobs::NewJob {
            org_id: Some(org.id),
            kind: kind.into(),
            payload: "{}".into(),
            run_at: self.app.now(),
            max_attempts: 3,
            dedup_key: None,
        };
        let id = siar_store::jobs::enqueue(&mut tx, &job, self.app.now())
            .await
            .expect("enqueue")
            .expect("no twin");
        tx.commit().await.expect("commit");
        id
    }

    pub async fn cleanup(self) {
        self.db.cleanup().await;
    }
}
