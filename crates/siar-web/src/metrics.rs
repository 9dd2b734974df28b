//! Prometheus metrics: HTTP requests and latency by route, jobs by state and kind,
//! and the database pool.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HookLabels {
    pub platform: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    pub kind: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<HttpLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    jobs: Family<JobLabels, Gauge>,
    pool: Family<PoolLabels, Gauge>,
    hooks: Family<HookLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("siar");
        let requests = Family::<HttpLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.5, 12))
        });
        let jobs = Family::<JobLabels, Gauge>::default();
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to serve a request",
            latency.clone(),
        );
        registry.register("jobs", "Jobs in the queue by kind and state", jobs.clone());
        registry.register(
            "db_pool_connections",
            "Database pool connections",
            pool.clone(),
        );
        let hooks = Family::<HookLabels, Counter>::default();
        registry.register(
            "webhook_requests",
            "Webhook requests by platform and outcome (stored, refused, malformed, error)",
            hooks.clone(),
        );
        Self {
            hooks,
            registry,
            requests,
            latency,
            jobs,
            pool,
        }
    }

    pub fn observe_http(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&HttpLabels {
                route: route.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    /// Counts one webhook request.
    pub fn hook_event(&self, platform: &str, outcome: &str) {
        self.hooks
            .get_or_create(&HookLabels {
                platform: platform.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Renders the text exposition after refreshing the gauges.
    pub fn render(
        &self,
        jobs: &[(String, siar_domain::jobs::JobState, i64)],
        pool: (u32, u32, u32),
    ) -> String {
        self.jobs.clear();
        for (kind, state, n) in jobs {
            self.jobs
                .get_or_create(&JobLabels {
                    kind: kind.clone(),
                    state: state.as_str().to_string(),
                })
                .set(*n);
        }
        for (kind, v) in [("open", pool.0), ("idle", pool.1), ("max", pool.2)] {
            self.pool
                .get_or_create(&PoolLabels { kind: kind.into() })
                .set(i64::from(v));
        }
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
