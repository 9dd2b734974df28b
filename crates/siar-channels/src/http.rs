//! The one HTTP client every connector uses: timeouts, a trace line per call
//! (method, host, path, status, time; never query strings, headers or bodies,
//! which can carry tokens), transport errors mapped to error classes, and the
//! platforms' rate-limit headers.

use crate::{ConnectorError, RateState};
use siar_domain::Timestamp;
use siar_domain::channels::Platform;
use std::time::{Duration, Instant};

pub use reqwest::header::HeaderMap;
pub use reqwest::{Method, RequestBuilder, StatusCode};

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    /// The whole request, upload included. Keep it well under the job lease.
    pub timeout: Duration,
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            user_agent: format!("Siar/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct BuildError(#[from] reqwest::Error);

#[derive(Clone, Debug)]
pub struct Http {
    client: reqwest::Client,
    timeout: Duration,
}

/// A response read in full.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(2000)
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}

impl Http {
    pub fn new(cfg: &HttpConfig) -> Result<Self, BuildError> {
        let client = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .user_agent(cfg.user_agent.clone())
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()?;
        Ok(Self {
            client,
            timeout: cfg.timeout,
        })
    }

    /// A client with reqwest's defaults, for when [`Http::new`] cannot build one.
    pub fn fallback(cfg: &HttpConfig) -> Self {
        Self {
            client: reqwest::Client::new(),
            timeout: cfg.timeout,
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.client.request(method, url)
    }

    pub fn get(&self, url: &str) -> RequestBuilder {
        self.client.get(url)
    }

    pub fn post(&self, url: &str) -> RequestBuilder {
        self.client.post(url)
    }

    /// Sends and reads the whole response. Transport failures become
    /// `Transient`: `sent = false` only when the connection was never made.
    pub async fn send(
        &self,
        platform: Platform,
        rb: RequestBuilder,
    ) -> Result<Response, ConnectorError> {
        let req = rb.build().map_err(|e| ConnectorError::Transient {
            detail: format!("cannot build request: {e}"),
            sent: false,
        })?;
        let method = req.method().clone();
        let host = req.url().host_str().unwrap_or("").to_string();
        let path = req.url().path().to_string();
        let started = Instant::now();
        let result = async {
            let resp = self.client.execute(req).await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>(Response {
                status,
                headers,
                body,
            })
        }
        .await;
        let ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(r) => {
                tracing::debug!(platform = platform.as_str(), %method, %host, %path, status = r.status.as_u16(), ms, "platform call");
                Ok(r)
            }
            Err(e) => {
                let sent = !e.is_connect();
                // reqwest's Display includes the URL; keep only the kind.
                let kind = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else if e.is_body() || e.is_decode() {
                    "connection broke while reading the answer"
                } else {
                    "request failed"
                };
                tracing::warn!(platform = platform.as_str(), %method, %host, %path, ms, "platform call {kind}");
                Err(ConnectorError::Transient {
                    detail: format!("{} {}: {kind}", platform.brand(), host),
                    sent,
                })
            }
        }
    }
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// X: `x-rate-limit-limit`, `x-rate-limit-remaining`, `x-rate-limit-reset`
/// (Unix seconds).
pub fn x_rate(h: &HeaderMap) -> Option<RateState> {
    Some(RateState {
        limit: header_u64(h, "x-rate-limit-limit")?,
        remaining: header_u64(h, "x-rate-limit-remaining")?,
        reset_at: Timestamp(header_u64(h, "x-rate-limit-reset")? as i64 * 1000),
    })
}

/// Mastodon: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`
/// (an ISO 8601 time).
pub fn mastodon_rate(h: &HeaderMap) -> Option<RateState> {
    let reset = h.get("x-ratelimit-reset")?.to_str().ok()?;
    let reset = chrono::DateTime::parse_from_rfc3339(reset.trim()).ok()?;
    Some(RateState {
        limit: header_u64(h, "x-ratelimit-limit")?,
        remaining: header_u64(h, "x-ratelimit-remaining")?,
        reset_at: Timestamp(reset.timestamp_millis()),
    })
}

/// Bluesky (IETF draft): `RateLimit-Limit`, `RateLimit-Remaining`,
/// `RateLimit-Reset`, which the reference PDS sends as Unix seconds and the
/// draft as seconds from now; both are read.
pub fn ietf_rate(h: &HeaderMap, now: Timestamp) -> Option<RateState> {
    let reset = header_u64(h, "ratelimit-reset")?;
    let reset_at = if reset > 1_000_000_000 {
        Timestamp(reset as i64 * 1000)
    } else {
        now.plus(Duration::from_secs(reset))
    };
    Some(RateState {
        limit: header_u64(h, "ratelimit-limit")?,
        remaining: header_u64(h, "ratelimit-remaining")?,
        reset_at,
    })
}

/// `Retry-After` in seconds, if present.
pub fn retry_after(h: &HeaderMap) -> Option<Duration> {
    header_u64(h, "retry-after").map(Duration::from_secs)
}

/// Meta's `X-Business-Use-Case-Usage`: the highest percentage used over every
/// business entry, and the longest `estimated_time_to_regain_access` (minutes).
pub fn meta_usage(h: &HeaderMap) -> Option<(u64, u64)> {
    let raw = h.get("x-business-use-case-usage")?.to_str().ok()?;
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    let mut pct = 0u64;
    let mut regain = 0u64;
    for entries in v.as_object()?.values() {
        for e in entries.as_array().into_iter().flatten() {
            for k in ["call_count", "total_cputime", "total_time"] {
                pct = pct.max(e[k].as_u64().unwrap_or(0));
            }
            regain = regain.max(e["estimated_time_to_regain_access"].as_u64().unwrap_or(0));
        }
    }
    Some((pct, regain))
}

/// The time to try again after a 429, from whatever the platform said.
pub fn rate_limited_until(
    rate: Option<RateState>,
    h: &HeaderMap,
    now: Timestamp,
    fallback: Duration,
) -> Timestamp {
    if let Some(r) = rate
        && r.reset_at > now
    {
        return r.reset_at;
    }
    now.plus(retry_after(h).unwrap_or(fallback))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn reads_each_platforms_rate_headers() {
        let now = Timestamp(1_800_000_000_000);
        let x = x_rate(&headers(&[
            ("x-rate-limit-limit", "100"),
            ("x-rate-limit-remaining", "9"),
            ("x-rate-limit-reset", "1800000900"),
        ]))
        .expect("x");
        assert_eq!(x.reset_at, Timestamp(1_800_000_900_000));
        assert!(x.nearly_used());
        let m = mastodon_rate(&headers(&[
            ("x-ratelimit-limit", "300"),
            ("x-ratelimit-remaining", "299"),
            ("x-ratelimit-reset", "2027-01-15T03:05:00.000Z"),
        ]))
        .expect("mastodon");
        assert_eq!(m.reset_at.rfc3339(), "2027-01-15T03:05:00Z");
        let b = ietf_rate(
            &headers(&[
                ("ratelimit-limit", "5000"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", "30"),
            ]),
            now,
        )
        .expect("bluesky");
        assert_eq!(b.reset_at, Timestamp(now.0 + 30_000));
        let (pct, regain) = meta_usage(&headers(&[(
            "x-business-use-case-usage",
            r#"{"123":[{"type":"pages","call_count":91,"total_cputime":10,"total_time":20,"estimated_time_to_regain_access":7}]}"#,
        )]))
        .expect("meta");
        assert_eq!((pct, regain), (91, 7));
        assert_eq!(
            rate_limited_until(
                None,
                &headers(&[("retry-after", "35")]),
                now,
                Duration::from_secs(60)
            ),
            Timestamp(now.0 + 35_000)
        );
    }
}
