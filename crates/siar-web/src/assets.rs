//! Static files embedded in the binary: nothing is fetched from a CDN.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ErrorKind, WebError};

const FILES: [(&str, &str, &[u8]); 5] = [
    (
        "calendar.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/calendar.js"),
    ),
    (
        "compose.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/compose.js"),
    ),
    (
        "inbox.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/inbox.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/favicon.svg"),
    ),
];

/// A short version string that changes when any asset changes (cache busting).
pub fn version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for (_, _, b) in FILES {
            h.update(b);
        }
        hex::encode(&h.finalize()[..4])
    })
}

pub async fn serve(Path(name): Path<String>) -> Result<Response, WebError> {
    let Some((_, ctype, bytes)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return Err(WebError(ErrorKind::NotFound));
    };
    let mut r = bytes.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(r)
}
