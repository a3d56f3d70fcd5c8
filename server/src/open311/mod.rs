//! Open311 GeoReport v2 (`/open311/v2/…`): the complaint categories as services, public
//! service requests without anything personal, and filing by third-party apps with an API key
//! through the same intake as every other channel. Each path ends in `.json` or `.xml`, which
//! picks the format of the answer and of its errors (`[{"code","description"}]` or
//! `<errors><error>…</error></errors>`).
//!
//! [`format`] writes both formats, [`services`] the catalogue, [`requests`] maps complaints and
//! parses filters and POSTs (pure functions), [`keys`] issues and checks API keys.

pub mod format;
pub mod keys;
pub mod requests;
pub mod services;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use samat_core::model::api::NewComplaint;
use samat_core::model::{Category, Channel, PhoneNumber};

use self::format::{list_body, object_body, respond, split_doc, Format, Record, Val};
use self::services::Lang;
use crate::actions::{self, Who};
use crate::error::ApiError;
use crate::extract::ClientIp;
use crate::limits::Limit;
use crate::state::AppState;
use crate::store::{PublicFilter, StoreError};

/// The routes under `/open311/v2`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{doc}", get(top_get).post(top_post).fallback(wrong_method))
        .route("/open311/v2/services/{doc}", get(service_definition).fallback(wrong_method))
        .route("/open311/v2/requests/{doc}", get(one_request).fallback(wrong_method))
        .route("/open311/v2/tokens/{doc}", get(token).fallback(wrong_method))
}

/// A method the path does not take (PUT, DELETE, a POST to a read-only document): 405 in
/// Open311's error format.
async fn wrong_method(Path(segment): Path<String>) -> Response {
    let format = format::guess_format(&segment);
    Open311Error::new(StatusCode::METHOD_NOT_ALLOWED, "GeoReport v2 reads with GET and files requests with POST to requests.json or requests.xml")
        .in_format(format)
        .into_response()
}

/// An error in Open311's own format, in the format the path asked for.
#[derive(Debug)]
pub struct Open311Error {
    /// HTTP status; also the error's `code`, as the spec's examples have it.
    pub status: StatusCode,
    /// What was wrong and what to do.
    pub description: String,
    /// Seconds to wait (`Retry-After`), for 429.
    pub retry_after: Option<u64>,
    /// The format to answer in.
    pub format: Format,
}

impl Open311Error {
    /// An error (answered as JSON until [`Open311Error::in_format`] says otherwise).
    pub fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Open311Error { status, description: description.into(), retry_after: None, format: Format::Json }
    }

    /// The same error, telling the client when to retry.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// The same error, answered in `format`.
    pub fn in_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    fn not_found(what: impl Into<String>) -> Self {
        Open311Error::new(StatusCode::NOT_FOUND, what)
    }
}

impl From<ApiError> for Open311Error {
    /// The intake's errors: field problems are a 400 naming each field; the rest keep their
    /// status (a 500 only for a real failure, whose cause is logged, not sent).
    fn from(e: ApiError) -> Self {
        let status = match e.status {
            StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
            s => s,
        };
        let description = if e.fields.is_empty() { e.detail } else { format!("{}: {}", e.code, e.detail) };
        Open311Error { status, description, retry_after: e.retry_after, format: Format::Json }
    }
}

impl From<StoreError> for Open311Error {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let error = Record::default().with("code", Val::Int(i64::from(self.status.as_u16()))).with("description", self.description);
        let mut response = respond(self.format, self.status, list_body(self.format, "errors", "error", &[error]));
        if let Some(s) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}

type Answer = Result<Response, Open311Error>;

/// The document and format of a path's last segment, or a 404 in the format it hinted at.
fn doc(segment: &str) -> Result<(&str, Format), Open311Error> {
    split_doc(segment).ok_or_else(|| Open311Error::not_found("no such document: paths end in .json or .xml").in_format(format::guess_format(segment)))
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The optional `jurisdiction_id` of a GET that does not filter by it: an unknown one is a 404.
fn check_jurisdiction(pairs: &[(String, String)]) -> Result<(), Open311Error> {
    match param(pairs, "jurisdiction_id").map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => requests::jurisdiction(v).map(|_| ()),
        None => Ok(()),
    }
}

fn public(format: Format, body: String) -> Response {
    let mut r = respond(format, StatusCode::OK, body);
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    r
}

/// Whether this address may look up more requests this minute (the services are static and
/// not counted): 429 with the wait when not.
async fn read_allowed(state: &AppState, ip: std::net::IpAddr) -> Result<(), Open311Error> {
    state.limits.check(Limit::Open311ReadIp, &ip.to_string()).await?.map_err(|wait| {
        Open311Error::new(StatusCode::TOO_MANY_REQUESTS, "too many look-ups from this network; wait a minute and try again")
            .retry_after(crate::limits::retry_after_secs(wait))
    })
}

/// `GET /open311/v2/services.{fmt}` and `GET /open311/v2/requests.{fmt}`.
async fn top_get(State(state): State<AppState>, ClientIp(ip): ClientIp, Path(segment): Path<String>, RawQuery(query): RawQuery) -> Response {
    let (name, format) = match doc(&segment) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let pairs = query_pairs(query.as_deref());
    let lang = Lang::from_locale(param(&pairs, "locale"));
    let answer: Answer = match name {
        "services" => check_jurisdiction(&pairs).map(|()| {
            let list: Vec<Record> = Category::ALL.into_iter().map(|c| services::service(c, lang)).collect();
            public(format, list_body(format, "services", "service", &list))
        }),
        "requests" => match read_allowed(&state, ip).await {
            Ok(()) => list_requests(&state, &pairs, format, lang).await,
            Err(e) => Err(e),
        },
        _ => Err(Open311Error::not_found(format!("no such document {name:?}: services or requests"))),
    };
    answer.unwrap_or_else(|e| e.in_format(format).into_response())
}

async fn list_requests(state: &AppState, pairs: &[(String, String)], format: Format, lang: Lang) -> Answer {
    let now = time::OffsetDateTime::now_utc();
    let filter = requests::parse_filters(pairs, now)?;
    let found = state.store.public_complaints(filter).await?;
    let list: Vec<Record> = found.iter().map(|c| requests::request(c, &state.settings.standards, now, lang)).collect();
    Ok(respond(format, StatusCode::OK, list_body(format, "service_requests", "request", &list)))
}

/// `GET /open311/v2/services/{code}.{fmt}`: the service's definition.
async fn service_definition(Path(segment): Path<String>, RawQuery(query): RawQuery) -> Response {
    let (code, format) = match doc(&segment) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let pairs = query_pairs(query.as_deref());
    let answer = check_jurisdiction(&pairs).and_then(|()| {
        let c = Category::from_wire(code).ok_or_else(|| Open311Error::not_found(format!("no service has code {code:?}; see services.{}", ext(format))))?;
        Ok(public(format, object_body(format, "service_definition", &services::definition(c, Lang::from_locale(param(&pairs, "locale"))))))
    });
    answer.unwrap_or_else(|e| e.in_format(format).into_response())
}

fn ext(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Xml => "xml",
    }
}

/// `GET /open311/v2/requests/{id}.{fmt}`: one request, as a list of one (as the spec has it).
async fn one_request(State(state): State<AppState>, ClientIp(ip): ClientIp, Path(segment): Path<String>, RawQuery(query): RawQuery) -> Response {
    let (id, format) = match doc(&segment) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let pairs = query_pairs(query.as_deref());
    let lang = Lang::from_locale(param(&pairs, "locale"));
    let answer: Answer = async {
        check_jurisdiction(&pairs)?;
        read_allowed(&state, ip).await?;
        let missing = || Open311Error::not_found(format!("no service request has id {id:?}"));
        let id: i64 = id.parse().map_err(|_| missing())?;
        let found = state.store.public_complaints(PublicFilter { ids: vec![id], limit: 1, ..PublicFilter::default() }).await?;
        let c = found.first().ok_or_else(missing)?;
        let now = time::OffsetDateTime::now_utc();
        Ok(respond(format, StatusCode::OK, list_body(format, "service_requests", "request", &[requests::request(c, &state.settings.standards, now, lang)])))
    }
    .await;
    answer.unwrap_or_else(|e| e.in_format(format).into_response())
}

/// `GET /open311/v2/tokens/{token}.{fmt}`: the request a POST's token (its idempotency key)
/// became.
async fn token(State(state): State<AppState>, ClientIp(ip): ClientIp, Path(segment): Path<String>) -> Response {
    let (token, format) = match doc(&segment) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let answer: Answer = async {
        read_allowed(&state, ip).await?;
        let missing = || Open311Error::not_found(format!("no service request has token {token:?}"));
        let client_id = uuid::Uuid::parse_str(token).map_err(|_| missing())?;
        let found = state.store.public_complaints(PublicFilter { client_id: Some(client_id), limit: 1, ..PublicFilter::default() }).await?;
        let c = found.first().ok_or_else(missing)?;
        let r = Record::default().with("service_request_id", c.id.to_string()).with("token", client_id.to_string());
        Ok(respond(format, StatusCode::OK, list_body(format, "service_requests", "request", &[r])))
    }
    .await;
    answer.unwrap_or_else(|e| e.in_format(format).into_response())
}

/// The fields of a POST: form-encoded as the spec sends them, or a flat JSON object on the
/// `.json` path. Anything else (a JSON body to the `.xml` path, XML, multipart) is a 400.
fn body_pairs(headers: &HeaderMap, body: &Bytes, format: Format) -> Result<Vec<(String, String)>, Open311Error> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let media = content_type.split(';').next().unwrap_or("").trim();
    match (media, format) {
        ("application/x-www-form-urlencoded" | "", _) => Ok(form_urlencoded::parse(body).into_owned().collect()),
        ("application/json", Format::Json) => {
            let value: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| Open311Error::new(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {e}")))?;
            let object = value.as_object().ok_or_else(|| Open311Error::new(StatusCode::BAD_REQUEST, "the JSON body is an object of fields"))?;
            object
                .iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
                    serde_json::Value::Number(n) => Ok((k.clone(), n.to_string())),
                    serde_json::Value::Bool(b) => Ok((k.clone(), b.to_string())),
                    serde_json::Value::Null => Ok((k.clone(), String::new())),
                    _ => Err(Open311Error::new(StatusCode::BAD_REQUEST, format!("field {k} is a text, number or true/false"))),
                })
                .collect()
        }
        _ => Err(Open311Error::new(
            StatusCode::BAD_REQUEST,
            format!("send the fields form-encoded (application/x-www-form-urlencoded), not {media}; JSON bodies only to requests.json"),
        )),
    }
}

/// `POST /open311/v2/requests.{fmt}`: files a complaint for the citizen whose `phone` is given,
/// under an API key. The filing is synchronous, so the answer carries the
/// `service_request_id` at once (and the `token`, the request's idempotency key, which
/// `/tokens/{token}` resolves too). The tracking code goes to the citizen by SMS, not to the app.
async fn top_post(State(state): State<AppState>, Path(segment): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let (name, format) = match doc(&segment) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let answer: Answer = async {
        if name != "requests" {
            return Err(Open311Error::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{name} is read with GET; requests are filed with POST to requests.{}", ext(format)),
            ));
        }
        let pairs = body_pairs(&headers, &body, format)?;
        let req = requests::parse_post(&pairs)?;
        let key = keys::authorize(&state, req.api_key.as_deref()).await?;
        let phone = PhoneNumber::parse(&req.phone).map_err(|e| Open311Error::new(StatusCode::BAD_REQUEST, format!("phone: {e}")))?;
        let client_id = req.client_id.unwrap_or_else(|| requests::derived_client_id(key.id, phone.as_str(), &req.complaint, actions::today_in_iran()));
        let complaint = NewComplaint { client_id: Some(client_id.to_string()), ..req.complaint };
        let (filed, _created) = actions::file_complaint_with_key(&state, phone, Channel::App, &complaint, true, Who::Citizen, Some(key.id)).await?;
        let c = state.store.complaint(filed.tracking_code).await?.ok_or_else(|| ApiError::internal("a filed complaint vanished"))?;
        let notice = "کد رهگیری با پیامک به تلفن همراه شهروند فرستاده شد / the tracking code was sent to the citizen's phone by SMS";
        let r = Record::default()
            .with("service_request_id", c.id.to_string())
            .with("token", client_id.to_string())
            .with("service_notice", notice)
            .with("account_id", Val::Null);
        Ok(respond(format, StatusCode::OK, list_body(format, "service_requests", "request", &[r])))
    }
    .await;
    answer.unwrap_or_else(|e| e.in_format(format).into_response())
}
