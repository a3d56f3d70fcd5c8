//! Prometheus metrics (`GET /metrics`): requests by route and status with latency, complaints
//! filed by channel, SMS results, inbound SMS by outcome, push attempts by provider and result, and gauges read at
//! scrape time.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabels {
    channel: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PushLabels {
    provider: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<HttpLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    complaints: Family<ChannelLabels, Counter>,
    transitions: Counter,
    sms: Family<ResultLabels, Counter>,
    inbound: Family<ResultLabels, Counter>,
    pushes: Family<PushLabels, Counter>,
    outbox_pending: Gauge<i64, AtomicI64>,
    push_pending: Gauge<i64, AtomicI64>,
    sync_waiters: Gauge<i64, AtomicI64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("samat");
        let requests = Family::<HttpLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0])
        });
        let complaints = Family::<ChannelLabels, Counter>::default();
        let transitions = Counter::default();
        let sms = Family::<ResultLabels, Counter>::default();
        let inbound = Family::<ResultLabels, Counter>::default();
        let pushes = Family::<PushLabels, Counter>::default();
        let outbox_pending = Gauge::<i64, AtomicI64>::default();
        let push_pending = Gauge::<i64, AtomicI64>::default();
        let sync_waiters = Gauge::<i64, AtomicI64>::default();
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route", latency.clone());
        registry.register("complaints_filed", "Complaints filed, by channel", complaints.clone());
        registry.register("stage_transitions", "Stage changes recorded", transitions.clone());
        registry.register("sms_attempts", "SMS send attempts by result", sms.clone());
        registry.register("inbound_sms", "Text messages to the 124 line handled, by outcome", inbound.clone());
        registry.register("push_attempts", "Push delivery attempts by provider (unifiedpush, fcm, apns) and result", pushes.clone());
        registry.register("outbox_pending", "SMS waiting in the outbox", outbox_pending.clone());
        registry.register("push_outbox_pending", "Pushes waiting in the outbox", push_pending.clone());
        registry.register("sync_waiters", "Long-poll requests waiting", sync_waiters.clone());
        Metrics { registry, requests, latency, complaints, transitions, sms, inbound, pushes, outbox_pending, push_pending, sync_waiters }
    }

    /// A complaint was filed through `channel`.
    pub fn complaint_filed(&self, channel: &str) {
        self.complaints.get_or_create(&ChannelLabels { channel: channel.to_owned() }).inc();
    }

    /// A stage changed.
    pub fn transition(&self) {
        self.transitions.inc();
    }

    /// An SMS attempt finished.
    pub fn sms_sent(&self, ok: bool) {
        self.sms.get_or_create(&ResultLabels { result: if ok { "sent" } else { "failed" }.into() }).inc();
    }

    /// An inbound SMS was handled, ending in `result` (`filed`, `answered`, `triage`, `limited`).
    pub fn inbound_sms(&self, result: &str) {
        self.inbound.get_or_create(&ResultLabels { result: result.to_owned() }).inc();
    }

    /// A push attempt through `provider` ended with `result` (`sent`, `device_gone`,
    /// `rejected`, `throttled`, `failed`, `skipped`).
    pub fn push_attempt(&self, provider: &str, result: &str) {
        self.pushes.get_or_create(&PushLabels { provider: provider.to_owned(), result: result.to_owned() }).inc();
    }

    /// The text exposition, with gauges set from the given readings.
    pub fn render(&self, outbox_pending: i64, push_pending: i64, sync_waiters: i64) -> String {
        self.outbox_pending.set(outbox_pending);
        self.push_pending.set(push_pending);
        self.sync_waiters.set(sync_waiters);
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Middleware recording each request.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    // Only the methods the API serves: anyone can send made-up ones, and each would become a
    // label of its own.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m.to_owned(),
        _ => "other".to_owned(),
    };
    let response = next.run(req).await;
    let m = &metrics;
    m.requests.get_or_create(&HttpLabels { method, route: route.clone(), status: response.status().as_u16() }).inc();
    m.latency.get_or_create(&RouteLabels { route }).observe(started.elapsed().as_secs_f64());
    response
}
