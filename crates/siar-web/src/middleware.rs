//! Request-wide layers: request id and metrics, security headers, error pages,
//! session loading, CSRF and the per-route access guard.

use crate::WebState;
use crate::ctx::{Flash, PageCtx};
use crate::error::{ErrorKind, WebError};
use crate::i18n;
use crate::pages::ErrorPage;
use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rand::RngCore;
use siar_app::auth::Session;
use siar_domain::org::{Lang, Permission};
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

pub const SESSION_COOKIE: &str = "siar_session";
pub const PRE_COOKIE: &str = "siar_pre";
pub const LANG_COOKIE: &str = "siar_lang";
pub const FLASH_COOKIE: &str = "siar_flash";
/// The largest form body the CSRF check reads (the logo upload is the largest form).
pub const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The request id, on every request's extensions and every log line.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The signed-in person, if any.
#[derive(Clone, Default)]
pub struct CurrentSession(pub Option<Arc<Session>>);

/// The client's address as the server saw it.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, Secure when asked.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn new_request_id() -> String {
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Outermost layer: request id and tracing span, metrics, security headers.
pub async fn observe(State(state): State<WebState>, mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_string)
        .unwrap_or_else(new_request_id);
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %req.uri().path());
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    state.metrics.observe_http(
        &route,
        method.as_str(),
        status,
        started.elapsed().as_secs_f64(),
    );
    span.in_scope(|| tracing::info!(status, ms = started.elapsed().as_millis() as u64, "served"));
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert("x-request-id", v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The language for a request: the signed-in person's choice, else the `siar_lang`
/// cookie, else Indonesian.
pub fn request_lang(req_headers: &HeaderMap, session: &CurrentSession) -> Lang {
    match &session.0 {
        Some(s) => s.lang(),
        None => cookie(req_headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or_default(),
    }
}

/// Turns error markers (and bare 404/500 responses) into full pages.
pub async fn error_pages(req: Request, next: Next) -> Response {
    let rid = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    // Only the language cookie is needed later (copying every header cost
    // an allocation per request).
    let cookie_lang = cookie(req.headers(), LANG_COOKIE).and_then(Lang::parse);
    let wants_json = req.uri().path().starts_with("/api/")
        || req.uri().path() == "/readyz"
        || req.uri().path() == "/metrics";
    // The session is loaded further in; peek at the cookie's language choice here and
    // let the inner layer hand back the person's language through the response.
    let res = next.run(req).await;
    let kind = match res.extensions().get::<ErrorKind>() {
        Some(k) => *k,
        None => return res,
    };
    if wants_json {
        return res;
    }
    let lang = res
        .extensions()
        .get::<Lang>()
        .copied()
        .or(cookie_lang)
        .unwrap_or_default();
    let (title, text) = match kind {
        ErrorKind::NotFound => ("error-404-title", "error-404-text"),
        ErrorKind::Forbidden => ("error-403-title", "error-403-text"),
        ErrorKind::Csrf => ("error-403-title", "error-403-csrf"),
        ErrorKind::TooLarge => ("error-413-title", "error-413-text"),
        ErrorKind::Internal => ("error-500-title", "error-500-text"),
    };
    let c = PageCtx::public(lang, title, i18n::t(lang, "app-name"), String::new(), rid);
    let page = ErrorPage {
        c: &c,
        text: i18n::t(lang, text),
        status: kind.status().as_u16(),
    };
    let body = page.render().unwrap_or_else(|_| c.title.clone());
    let mut out = (kind.status(), Html(body)).into_response();
    out.extensions_mut().insert(kind);
    out
}

/// Loads the session from its cookie; also hands the page language outward for
/// error pages.
pub async fn load_session(State(state): State<WebState>, mut req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    req.extensions_mut().insert(ClientIp(ip.clone()));
    let mut current = CurrentSession(None);
    // Assets and probes never need to know who is signed in: spare the database.
    let path = req.uri().path();
    let needs_session = !(path.starts_with("/assets/")
        || path.starts_with("/media/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics"));
    let token = needs_session
        .then(|| cookie(req.headers(), SESSION_COOKIE).map(str::to_string))
        .flatten();
    if let Some(token) = token {
        match siar_app::auth::session(&state.app, &token, ip.as_deref()).await {
            Ok(Some(s)) => current = CurrentSession(Some(Arc::new(s))),
            Ok(None) => {}
            Err(e) => {
                tracing::error!("cannot load session: {e}");
                return WebError(ErrorKind::Internal).into_response();
            }
        }
    }
    let lang = request_lang(req.headers(), &current);
    req.extensions_mut().insert(current);
    let mut res = next.run(req).await;
    res.extensions_mut().insert(lang);
    res
}

fn is_state_changing(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn query_field(req: &Request, name: &str) -> Option<String> {
    let q = req.uri().query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    // Compare digests so the time does not depend on where the strings differ.
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
        && !a.is_empty()
}

/// Every state-changing request must carry the CSRF token: the session's token when
/// signed in, else the pre-session cookie's (double submit). It may come as the
/// `_csrf` form field, the `_csrf` query parameter (multipart uploads) or the
/// `X-CSRF-Token` header.
///
/// On public pages a signed-in staff member may also be a patron in the same
/// browser: there either token is accepted (both are this browser's secrets).
async fn csrf(req: Request, next: Next, public: bool) -> Response {
    if !is_state_changing(req.method()) {
        return next.run(req).await;
    }
    let session = req
        .extensions()
        .get::<CurrentSession>()
        .and_then(|s| s.0.clone())
        .map(|s| s.csrf_token.clone());
    let pre = cookie(req.headers(), PRE_COOKIE).map(str::to_string);
    let (expected, other) = match (session, pre) {
        (Some(s), Some(p)) if public => (s, Some(p)),
        (Some(s), _) => (s, None),
        (None, Some(p)) => (p, None),
        (None, None) => return WebError(ErrorKind::Csrf).into_response(),
    };
    let matches = |given: &str| {
        constant_time_eq(given, &expected)
            || other.as_deref().is_some_and(|o| constant_time_eq(given, o))
    };
    let from_header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let given = from_header.or_else(|| query_field(&req, "_csrf"));
    if let Some(given) = given {
        return if matches(&given) {
            next.run(req).await
        } else {
            WebError(ErrorKind::Csrf).into_response()
        };
    }
    if !is_form(&req) {
        return WebError(ErrorKind::Csrf).into_response();
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return WebError(ErrorKind::TooLarge).into_response(),
    };
    match form_field(&bytes, "_csrf") {
        Some(given) if matches(&given) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => WebError(ErrorKind::Csrf).into_response(),
    }
}

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in staff member whose role holds the permission.
    Staff(Permission),
    /// An API call with a bearer token whose role holds the permission (no
    /// cookies, so no CSRF token).
    Api(Permission),
    /// A platform's webhook: anyone may call it; the handler checks the
    /// platform's signature before anything is stored (no cookies, no CSRF).
    Hook,
}

/// The one access check, applied to every route from the route table: sign-in and
/// role first (so an expired session leads back to sign-in), then the CSRF token on
/// every state-changing request.
pub async fn guard(
    State((state, access)): State<(WebState, Access)>,
    req: Request,
    next: Next,
) -> Response {
    let perm = match access {
        Access::Staff(p) => p,
        Access::Api(p) => {
            return crate::api::auth(State((state, p)), req, next).await;
        }
        Access::Public => return csrf(req, next, true).await,
        Access::Hook => return next.run(req).await,
    };
    let session = req
        .extensions()
        .get::<CurrentSession>()
        .and_then(|s| s.0.clone());
    match session {
        None => {
            if req.method() == Method::GET {
                let next_path = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/app".into());
                let q = serde_urlencoded::to_string([("next", next_path)]).unwrap_or_default();
                Redirect::to(&format!("/app/login?{q}")).into_response()
            } else if is_form(&req) {
                // Keep what was typed: the sign-in page carries it, and after signing
                // in the person is offered to send it again.
                let path = req.uri().path().to_string();
                let headers = req.headers().clone();
                let Ok(bytes) = to_bytes(req.into_body(), MAX_FORM_BYTES).await else {
                    return WebError(ErrorKind::TooLarge).into_response();
                };
                let kept = kept_fields(&bytes);
                if kept.is_empty() {
                    expired_redirect()
                } else {
                    crate::pages::login_to_resume(&state, &headers, &path, kept).await
                }
            } else {
                expired_redirect()
            }
        }
        Some(s) if s.staff.role.can(perm) => csrf(req, next, false).await,
        Some(_) => WebError(ErrorKind::Forbidden).into_response(),
    }
}

/// To sign-in, saying the session ended.
fn expired_redirect() -> Response {
    let mut r = Redirect::to("/app/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(FLASH_COOKIE, "login-expired", Some(60), false),
    );
    r
}

fn is_form(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The fields of a form worth keeping across a sign-in: everything but the CSRF
/// token and passwords (which are never echoed into a page).
pub fn kept_fields(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "_csrf" && !k.contains("password"))
        .collect()
}

/// Reads (and the caller clears) the flash cookie: `ok:key` or `err:key`.
pub fn take_flash(headers: &HeaderMap) -> Option<Flash> {
    let raw = cookie(headers, FLASH_COOKIE)?;
    let (kind, key) = raw.split_once(':').unwrap_or(("ok", raw));
    // Only message keys: letters, digits and hyphens.
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    Some(Flash {
        key: key.to_string(),
        ok: kind != "err",
    })
}

/// A redirect that shows `key` once on the next page.
pub fn redirect_with_flash(to: &str, key: &str, ok: bool, secure: bool) -> Response {
    let mut r = Redirect::to(to).into_response();
    let v = format!("{}:{key}", if ok { "ok" } else { "err" });
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(FLASH_COOKIE, &v, Some(60), secure),
    );
    r
}

/// Back to `to` with the first problem as an error message (for small
/// inline forms that keep no per-field messages).
pub fn redirect_with_problem(
    to: &str,
    p: &siar_domain::validate::Problems,
    secure: bool,
) -> Response {
    let key = p.0.first().map_or("form-has-errors", |e| e.key);
    redirect_with_flash(to, key, false, secure)
}

/// Clears the flash cookie on a page that showed it.
pub fn clear_flash(res: &mut Response, secure: bool) {
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(FLASH_COOKIE, "", Some(0), secure),
    );
}

/// Marks a response as 422 (a form came back with problems).
pub fn unprocessable(html: String) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; siar_session=xyz; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let v = set_cookie("x", "y", Some(10), true);
        let s = v.to_str().unwrap();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Secure"));
        assert!(
            !set_cookie("x", "y", None, false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }

    #[test]
    fn compares_tokens() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("", ""));
    }

    #[test]
    fn flash_accepts_only_keys() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("siar_flash=err:staff-created"),
        );
        let f = take_flash(&h).unwrap();
        assert!(!f.ok);
        assert_eq!(f.key, "staff-created");
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("siar_flash=ok:<script>"),
        );
        assert!(take_flash(&h).is_none());
    }
}
