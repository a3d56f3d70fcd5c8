//! Following a complaint: the public tracking page (code and phone, no login; a wrong phone
//! and an unknown code get the same answer), the citizen's list, and each complaint's page
//! with what they may do now — answer the business in self-regulation, withdraw, complain
//! about the handling.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::{PhoneNumber, TrackingCode};
use serde::Deserialize;

use super::view::{citizen_complaint, CitizenComplaint};
use super::{error_page, layout, who, CitizenSession};
use crate::actions;
use crate::error::ApiError;
use crate::extract::ClientIp;
use crate::state::AppState;
use crate::store::{ComplaintRecord, PhotoRecord};
use crate::web::form::{Problems, WebForm};
use crate::web::format;
use crate::web::page::{error_words, render, Flash, Layout};

#[derive(Template)]
#[template(path = "portal/track.html")]
struct TrackPage {
    layout: Layout,
    code: String,
    phone: String,
    problems: Problems,
    found: Option<CitizenComplaint>,
}

/// `GET /track`.
pub(super) async fn track_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let who = who(&state, &headers).await;
    let page = TrackPage {
        layout: layout(who.as_ref(), "پیگیری شکایت", "/track"),
        code: String::new(),
        phone: String::new(),
        problems: Problems::none(),
        found: None,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(super) struct TrackForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone: String,
}

/// `POST /track`: the complaint's timeline, only with the phone it was filed with (the phone
/// is posted, never put in a URL).
pub(super) async fn track(State(state): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, WebForm(f): WebForm<TrackForm>) -> Response {
    let who = who(&state, &headers).await;
    let mut page = TrackPage {
        layout: layout(who.as_ref(), "پیگیری شکایت", "/track"),
        code: f.code.clone(),
        phone: f.phone.clone(),
        problems: Problems::none(),
        found: None,
    };
    match state.limits.check(crate::limits::Limit::TrackIp, &ip.to_string()).await {
        Ok(Ok(())) => {}
        Ok(Err(_)) => {
            page.problems.add("code", "از این شبکه درخواست‌های زیادی رسیده است. یک دقیقه صبر کنید و دوباره تلاش کنید.");
            return render(StatusCode::TOO_MANY_REQUESTS, &page);
        }
        Err(e) => {
            let e = crate::error::ApiError::from(e);
            page.problems.add("code", error_words(&e));
            return render(e.status, &page);
        }
    }
    let code = TrackingCode::parse(&f.code);
    let phone = PhoneNumber::parse(&f.phone);
    if let Err(e) = &code {
        page.problems.add("code", samat_core::model::labels::error_message_fa(e.code()));
    }
    if let Err(e) = &phone {
        page.problems.add("phone", samat_core::model::labels::error_message_fa(e.code()));
    }
    let (Ok(code), Ok(phone)) = (code, phone) else {
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let found = match state.store.complaint(code).await {
        Ok(found) => found,
        Err(e) => return error_page(who.as_ref(), &e.into(), "/track"),
    };
    match found {
        Some(c) if c.phone == phone => match state.store.events(c.id).await {
            Ok(events) => {
                page.found = Some(citizen_complaint(&c, &events, &state.settings.standards));
                render(StatusCode::OK, &page)
            }
            Err(e) => error_page(who.as_ref(), &e.into(), "/track"),
        },
        _ => {
            page.problems.add("code", "شکایتی با این کد رهگیری و این شماره همراه پیدا نشد. هر دو را دوباره بررسی کنید.");
            render(StatusCode::NOT_FOUND, &page)
        }
    }
}

struct Row {
    code: String,
    category: &'static str,
    business: String,
    stage: &'static str,
    updated: String,
}

#[derive(Template)]
#[template(path = "portal/mine.html")]
struct MinePage {
    layout: Layout,
    rows: Vec<Row>,
}

/// `GET /my`: the citizen's complaints, newest first.
pub(super) async fn mine(State(state): State<AppState>, who: CitizenSession) -> Response {
    match state.store.complaints_of(&who.phone).await {
        Ok(list) => {
            let rows = list
                .iter()
                .map(|c| Row {
                    code: c.tracking_code.as_str().to_owned(),
                    category: c.category.label_fa(),
                    business: c.business_name.clone().unwrap_or_default(),
                    stage: c.stage.label_fa(),
                    updated: format::when(c.updated_at),
                })
                .collect();
            render(StatusCode::OK, &MinePage { layout: layout(Some(&who), "شکایت‌های من", "/my"), rows })
        }
        Err(e) => error_page(Some(&who), &e.into(), "/"),
    }
}

/// A refused form: what was typed, its problems, and the words at the top of the page.
#[derive(Default)]
pub struct Refused {
    /// What was typed.
    pub typed: Typed,
    /// The problems, by field.
    pub problems: Problems,
    /// The words at the top.
    pub alert: Option<String>,
}

/// What was typed in a refused form.
#[derive(Default)]
pub struct Typed {
    /// Which form: `decision`, `withdraw`, `feedback`.
    pub form: String,
    /// The note or comment.
    pub note: String,
    /// The rating, as sent.
    pub rating: String,
    /// Whether it was to be escalated.
    pub escalate: bool,
}

impl Typed {
    /// Whether the refused form was `key`.
    pub fn is(&self, key: &str) -> bool {
        self.form == key
    }
}

#[derive(Template)]
#[template(path = "portal/complaint.html")]
struct ComplaintPage {
    layout: Layout,
    c: CitizenComplaint,
    photos: Vec<String>,
    action_id: String,
    typed: Typed,
    problems: Problems,
    alert: Option<String>,
}

async fn own(state: &AppState, who: &CitizenSession, raw: &str) -> Result<ComplaintRecord, Response> {
    let not_found = || error_page(Some(who), &ApiError::complaint_not_found(), "/my");
    let code = TrackingCode::parse(raw).map_err(|_| not_found())?;
    match state.store.complaint(code).await {
        Ok(Some(c)) if c.phone == who.phone => Ok(c),
        Ok(_) => Err(not_found()),
        Err(e) => Err(error_page(Some(who), &e.into(), "/my")),
    }
}

fn photo_url(c: &ComplaintRecord, p: &PhotoRecord) -> String {
    format!("/my/complaints/{}/photos/{}", c.tracking_code.as_str(), p.photo_id)
}

async fn show(state: &AppState, who: &CitizenSession, c: &ComplaintRecord, status: StatusCode, flash: Option<Flash>, refused: Refused) -> Response {
    let Refused { typed, problems, alert } = refused;
    let (events, photos) = match (state.store.events(c.id).await, state.store.photos(c.id).await) {
        (Ok(e), Ok(p)) => (e, p),
        (Err(e), _) | (_, Err(e)) => return error_page(Some(who), &e.into(), "/my"),
    };
    let page = ComplaintPage {
        layout: layout(Some(who), &format!("شکایت {}", c.tracking_code.as_str()), "/my").with_flash(flash),
        c: citizen_complaint(c, &events, &state.settings.standards),
        photos: photos.iter().map(|p| photo_url(c, p)).collect(),
        action_id: uuid::Uuid::new_v4().to_string(),
        typed,
        problems,
        alert,
    };
    render(status, &page)
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /my/complaints/{code}`.
pub(super) async fn page(State(state): State<AppState>, who: CitizenSession, Path(raw): Path<String>, Query(q): Query<DoneQuery>) -> Response {
    let c = match own(&state, &who, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let flash = match q.done.as_str() {
        "accepted" => Some("پاسخ واحد صنفی را پذیرفتید؛ شکایت مختومه شد."),
        "rejected" => Some("پاسخ واحد صنفی را نپذیرفتید؛ بازرس به محل اعزام می‌شود."),
        "withdrawn" => Some("از شکایت انصراف دادید."),
        "feedback" => Some("نظر شما درباره رسیدگی ثبت شد. سپاس."),
        _ => None,
    }
    .map(|text| Flash { kind: "ok", text: text.to_owned() });
    show(&state, &who, &c, StatusCode::OK, flash, Refused::default()).await
}

fn done(code: &str, what: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/my/complaints/{code}?done={what}"))]).into_response()
}

async fn refused(state: &AppState, who: &CitizenSession, c: &ComplaintRecord, e: &ApiError, typed: Typed) -> Response {
    let problems = Problems::from_fields(&e.fields, &|f: &str| f.to_owned());
    let alert = match e.code {
        "invalid_transition" | "stage_changed" => "وضعیت شکایت در این فاصله تغییر کرده است؛ صفحه تازه شد. کاری انجام نشد.".to_owned(),
        _ => error_words(e),
    };
    // The complaint as it is now.
    let c = state.store.complaint(c.tracking_code).await.ok().flatten().unwrap_or_else(|| c.clone());
    show(state, who, &c, e.status, None, Refused { typed, problems, alert: Some(alert) }).await
}

#[derive(Deserialize)]
pub(super) struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    accept: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    action_id: String,
}

/// `POST /my/complaints/{code}/decision`: accept or reject the business's answer.
pub(super) async fn decide(State(state): State<AppState>, who: CitizenSession, Path(raw): Path<String>, WebForm(f): WebForm<DecisionForm>) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r;
    }
    let c = match own(&state, &who, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let typed = Typed { form: "decision".into(), note: f.note.clone(), ..Typed::default() };
    let accept = match f.accept.as_str() {
        "yes" => true,
        "no" => false,
        _ => return refused(&state, &who, &c, &ApiError::bad_request("invalid_body", "accept is yes or no"), typed).await,
    };
    let result = match actions::action_id(Some(&f.action_id)) {
        Ok(action_id) => actions::decide(&state, &c, accept, Some(&f.note), action_id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => done(c.tracking_code.as_str(), if accept { "accepted" } else { "rejected" }),
        Err(e) => refused(&state, &who, &c, &e, typed).await,
    }
}

#[derive(Deserialize)]
pub(super) struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default, rename = "withdraw-note")]
    note: String,
    #[serde(default)]
    action_id: String,
}

/// `POST /my/complaints/{code}/withdraw`.
pub(super) async fn withdraw(State(state): State<AppState>, who: CitizenSession, Path(raw): Path<String>, WebForm(f): WebForm<WithdrawForm>) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r;
    }
    let c = match own(&state, &who, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let typed = Typed { form: "withdraw".into(), note: f.note.clone(), ..Typed::default() };
    let result = match actions::action_id(Some(&f.action_id)) {
        Ok(action_id) => actions::withdraw(&state, &c, Some(&f.note), action_id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => done(c.tracking_code.as_str(), "withdrawn"),
        Err(e) => refused(&state, &who, &c, &e, typed).await,
    }
}

#[derive(Deserialize)]
pub(super) struct FeedbackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    escalate: String,
    #[serde(default)]
    action_id: String,
}

/// `POST /my/complaints/{code}/feedback`: how the complaint was handled; to the ministry's
/// complaints centre when escalated.
pub(super) async fn feedback(State(state): State<AppState>, who: CitizenSession, Path(raw): Path<String>, WebForm(f): WebForm<FeedbackForm>) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r;
    }
    let c = match own(&state, &who, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let escalate = matches!(f.escalate.as_str(), "yes" | "on" | "true");
    let typed = Typed { form: "feedback".into(), note: f.comment.clone(), rating: f.rating.clone(), escalate };
    let rating = samat_core::model::text::ascii_digits(f.rating.trim()).parse::<i64>().unwrap_or(0);
    let result = match actions::action_id(Some(&f.action_id)) {
        Ok(action_id) => actions::feedback(&state, &c, rating, Some(&f.comment), escalate, action_id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => done(c.tracking_code.as_str(), "feedback"),
        Err(e) => refused(&state, &who, &c, &e, typed).await,
    }
}

/// `GET /my/complaints/{code}/photos/{id}`: one of the citizen's own photos.
pub(super) async fn photo(State(state): State<AppState>, who: CitizenSession, Path((raw, id)): Path<(String, String)>) -> Response {
    let c = match own(&state, &who, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let missing = || error_page(Some(&who), &ApiError::new(StatusCode::NOT_FOUND, "photo_not_found", "no such photo"), &format!("/my/complaints/{raw}"));
    let Ok(photo_id) = uuid::Uuid::parse_str(id.trim()) else { return missing() };
    match state.store.photo_bytes(c.id, photo_id).await {
        Ok(Some((content_type, bytes))) => crate::routes::photos::photo_bytes_response(&content_type, bytes, photo_id),
        Ok(None) => missing(),
        Err(e) => error_page(Some(&who), &e.into(), "/my"),
    }
}
