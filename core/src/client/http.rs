//! The server's HTTP API as typed calls. Every non-2xx answer becomes [`Error::Http`] with
//! the problem document's code; every transport failure becomes [`Error::Network`] (without
//! the URL, which may hold a phone number).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{header, Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{Error, Result};
use super::types::Connection;
use crate::model::api::{
    BusinessSearchResponse, BusinessView, ComplaintDetail, DecisionRequest, EventView, FeedbackRequest, FeedbackView, NewComplaint, OtpRequest, OtpSent,
    PhotoInfo, Problem, SubmitResponse, SyncResponse, TokenResponse, VerifyRequest, WithdrawRequest,
};
use crate::model::TrackingCode;

/// Time allowed for an ordinary call.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed for a photo upload.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(180);

const REACH_UNKNOWN: u8 = 0;
const REACH_ONLINE: u8 = 1;
const REACH_OFFLINE: u8 = 2;

/// A client of one server.
#[derive(Clone)]
pub struct Http {
    base: String,
    client: reqwest::Client,
    /// What the last request learnt about reaching the server (see [`Connection`]).
    reach: Arc<AtomicU8>,
}

impl Http {
    /// A client for `base_url` (`https://124.example.ir`), TLS through rustls.
    pub fn new(base_url: &str) -> Result<Http> {
        let client =
            reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).user_agent(concat!("samat-core/", env!("CARGO_PKG_VERSION"))).build()?;
        Ok(Http { base: base_url.trim_end_matches('/').to_owned(), client, reach: Arc::new(AtomicU8::new(REACH_UNKNOWN)) })
    }

    /// Whether the server answered the last request that was sent (any HTTP answer counts),
    /// or it could not be reached; `Unknown` before the first.
    pub fn connection(&self) -> Connection {
        match self.reach.load(Ordering::Relaxed) {
            REACH_ONLINE => Connection::Online,
            REACH_OFFLINE => Connection::Offline,
            _ => Connection::Unknown,
        }
    }

    /// Sends a request and remembers whether the server could be reached.
    async fn send(&self, r: RequestBuilder) -> Result<reqwest::Response> {
        match r.send().await {
            Ok(resp) => {
                self.reach.store(REACH_ONLINE, Ordering::Relaxed);
                Ok(resp)
            }
            Err(e) => {
                self.reach.store(REACH_OFFLINE, Ordering::Relaxed);
                Err(e.into())
            }
        }
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let mut r = self.client.request(method, format!("{}{path}", self.base)).timeout(CALL_TIMEOUT);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    }

    async fn answer<T: DeserializeOwned>(&self, r: RequestBuilder) -> Result<T> {
        let resp = self.send(r).await?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp.json::<T>().await?);
        }
        let problem = resp.json::<Problem>().await.ok();
        Err(Error::from_problem(status.as_u16(), problem))
    }

    async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, token: Option<&str>, body: &B) -> Result<T> {
        self.answer(self.req(Method::POST, path, token).json(body)).await
    }

    /// `GET /healthz`: any HTTP answer means the server is reachable.
    pub async fn ping(&self) -> Result<()> {
        self.send(self.client.get(format!("{}/healthz", self.base)).timeout(Duration::from_secs(8))).await?;
        Ok(())
    }

    /// `POST /v1/auth/otp`.
    pub async fn request_otp(&self, phone: &str) -> Result<OtpSent> {
        self.post("/v1/auth/otp", None, &OtpRequest { phone: phone.to_owned() }).await
    }

    /// `POST /v1/auth/verify`.
    pub async fn verify(&self, phone: &str, code: &str) -> Result<TokenResponse> {
        self.post("/v1/auth/verify", None, &VerifyRequest { phone: phone.to_owned(), code: code.to_owned() }).await
    }

    /// `POST /v1/auth/logout`.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let resp = self.send(self.req(Method::POST, "/v1/auth/logout", Some(token))).await?;
        match resp.status() {
            s if s.is_success() || s == StatusCode::UNAUTHORIZED => Ok(()),
            s => Err(Error::from_problem(s.as_u16(), resp.json().await.ok())),
        }
    }

    /// `POST /v1/complaints`.
    pub async fn submit(&self, token: &str, body: &NewComplaint) -> Result<SubmitResponse> {
        self.post("/v1/complaints", Some(token), body).await
    }

    /// `PUT /v1/complaints/{code}/photos/{id}`.
    pub async fn upload_photo(&self, token: &str, code: &str, photo_id: &str, jpeg: Vec<u8>) -> Result<PhotoInfo> {
        let r = self
            .req(Method::PUT, &format!("/v1/complaints/{code}/photos/{photo_id}"), Some(token))
            .timeout(UPLOAD_TIMEOUT)
            .header(header::CONTENT_TYPE, "image/jpeg")
            .body(jpeg);
        self.answer(r).await
    }

    /// `POST /v1/complaints/{code}/decision`.
    pub async fn decision(&self, token: &str, code: &str, body: &DecisionRequest) -> Result<EventView> {
        self.post(&format!("/v1/complaints/{code}/decision"), Some(token), body).await
    }

    /// `POST /v1/complaints/{code}/withdraw`.
    pub async fn withdraw(&self, token: &str, code: &str, body: &WithdrawRequest) -> Result<EventView> {
        self.post(&format!("/v1/complaints/{code}/withdraw"), Some(token), body).await
    }

    /// `POST /v1/complaints/{code}/feedback`.
    pub async fn feedback(&self, token: &str, code: &str, body: &FeedbackRequest) -> Result<FeedbackView> {
        self.post(&format!("/v1/complaints/{code}/feedback"), Some(token), body).await
    }

    /// `GET /v1/sync?since=&wait=&limit=`.
    pub async fn sync(&self, token: &str, since: i64, wait: u64, limit: u32) -> Result<SyncResponse> {
        let r =
            self.req(Method::GET, &format!("/v1/sync?since={since}&wait={wait}&limit={limit}"), Some(token)).timeout(CALL_TIMEOUT + Duration::from_secs(wait));
        self.answer(r).await
    }

    /// A conditional GET: `Ok(None)` when the server says the copy with `etag` is current
    /// (304), else the body and its new ETag.
    async fn get_if_changed(&self, path: &str, token: Option<&str>, etag: Option<&str>) -> Result<Option<(String, Option<String>)>> {
        let mut r = self.req(Method::GET, path, token);
        if let Some(e) = etag {
            r = r.header(header::IF_NONE_MATCH, e);
        }
        let resp = self.send(r).await?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(Error::from_problem(status.as_u16(), resp.json().await.ok()));
        }
        let etag = resp.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(Some((resp.text().await?, etag)))
    }

    /// `GET /v1/complaints/{code}` with `If-None-Match`; `None` when unchanged (304).
    pub async fn complaint(&self, token: &str, code: TrackingCode, etag: Option<&str>) -> Result<Option<(ComplaintDetail, Option<String>)>> {
        match self.get_if_changed(&format!("/v1/complaints/{}", code.as_str()), Some(token), etag).await? {
            None => Ok(None),
            Some((body, etag)) => Ok(Some((serde_json::from_str(&body)?, etag))),
        }
    }

    /// `GET /v1/keys`: the sticker-signing keys.
    pub async fn keys(&self) -> Result<Vec<crate::model::guild::GuildKey>> {
        Ok(self.answer::<crate::model::api::GuildKeysResponse>(self.req(Method::GET, "/v1/keys", None)).await?.keys)
    }

    /// `GET /v1/businesses/{guild_id}` with `If-None-Match`: `Ok(None)` when unchanged,
    /// the JSON body and ETag otherwise.
    pub async fn business(&self, guild_id: &str, etag: Option<&str>) -> Result<Option<(String, Option<String>)>> {
        self.get_if_changed(&format!("/v1/businesses/{guild_id}"), None, etag).await
    }

    /// `POST /v1/devices`: registers this device's push target.
    pub async fn register_device(&self, token: &str, target: &crate::model::api::PushTarget) -> Result<crate::model::api::DeviceView> {
        self.post("/v1/devices", Some(token), target).await
    }

    /// `DELETE /v1/devices/{id}`.
    pub async fn unregister_device(&self, token: &str, id: i64) -> Result<()> {
        let resp = self.send(self.req(Method::DELETE, &format!("/v1/devices/{id}"), Some(token))).await?;
        match resp.status() {
            s if s.is_success() => Ok(()),
            s => Err(Error::from_problem(s.as_u16(), resp.json().await.ok())),
        }
    }

    /// `GET /v1/push/vapid`: the key a UnifiedPush/Web Push subscription is made with.
    pub async fn vapid_key(&self) -> Result<String> {
        Ok(self.answer::<crate::model::api::VapidKeyResponse>(self.req(Method::GET, "/v1/push/vapid", None)).await?.public_key)
    }

    /// `GET /v1/track/{code}?phone=` (no session).
    pub async fn track(&self, code: TrackingCode, phone: &str) -> Result<ComplaintDetail> {
        let r = self.req(Method::GET, &format!("/v1/track/{}", code.as_str()), None).query(&[("phone", phone)]);
        self.answer(r).await
    }

    /// `GET /v1/businesses?q=&city=&limit=`: the registry's matches.
    pub async fn search_businesses(&self, q: Option<&str>, city: Option<&str>, limit: u32) -> Result<Vec<BusinessView>> {
        let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(q) = q {
            query.push(("q", q.to_owned()));
        }
        if let Some(c) = city {
            query.push(("city", c.to_owned()));
        }
        let r = self.req(Method::GET, "/v1/businesses", None).query(&query);
        Ok(self.answer::<BusinessSearchResponse>(r).await?.businesses)
    }

    /// `GET /v1/complaints/{code}/photos/{photo_id}`: the server's copy of a photo (JPEG).
    pub async fn photo(&self, token: &str, code: TrackingCode, photo_id: &str) -> Result<Vec<u8>> {
        let r = self.req(Method::GET, &format!("/v1/complaints/{}/photos/{photo_id}", code.as_str()), Some(token)).timeout(UPLOAD_TIMEOUT);
        let resp = self.send(r).await?;
        let status = resp.status();
        if !status.is_success() {
            return Err(Error::from_problem(status.as_u16(), resp.json().await.ok()));
        }
        Ok(resp.bytes().await?.to_vec())
    }
}
