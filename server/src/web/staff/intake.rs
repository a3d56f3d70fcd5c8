//! Operator intake: a caller on the 124 line or a visitor at a counter, filed in under a
//! minute from the keyboard. The business's name appears as the ID is typed; the tracking code
//! is shown large to read out, and goes to the citizen by SMS as on every channel.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::api::NewComplaint;
use samat_core::model::workflow;
use samat_core::model::{Category, Channel, PhoneNumber, Province, TrackingCode};
use serde::Deserialize;

use super::StaffSession;
use crate::actions::{self, Who};
use crate::error::ApiError;
use crate::routes::staff::intake_channel;
use crate::state::AppState;
use crate::web::form::Opt;
use crate::web::form::{parse_rials, Problems, WebForm};
use crate::web::format;
use crate::web::page::{error_words, render, ErrorPage, Layout};

/// The fields of the intake form as typed.
#[derive(Debug, Default, Deserialize, Clone)]
pub(super) struct IntakeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    guild_id: String,
    #[serde(default)]
    business_name: String,
    #[serde(default)]
    business_address: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    incident_date: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    compensation: String,
}

#[derive(Template)]
#[template(path = "staff/intake.html")]
struct IntakePage {
    layout: Layout,
    f: IntakeForm,
    channels: Vec<Opt>,
    categories: Vec<Opt>,
    provinces: Vec<Opt>,
    problems: Problems,
}

/// The channels an operator files through (never the app or the portal: those file with the
/// citizen's own session).
const INTAKE_CHANNELS: [Channel; 6] = [Channel::Phone, Channel::Counter, Channel::Sms, Channel::Fax, Channel::Email, Channel::Voicemail];

fn intake_page(staff: &StaffSession, f: IntakeForm, problems: Problems) -> IntakePage {
    let channel = Channel::from_wire(f.channel.trim()).or(Some(Channel::Phone));
    let category = Category::from_wire(f.category.trim());
    let province = Province::from_wire(f.province.trim()).or(staff.province);
    IntakePage {
        layout: staff.layout("ثبت شکایت تلفنی یا حضوری", "/staff/intake"),
        channels: INTAKE_CHANNELS.iter().map(|&c| Opt { value: c.wire_name().into(), label: c.label_fa().into(), selected: Some(c) == channel }).collect(),
        categories: Category::ALL.iter().map(|&c| Opt { value: c.wire_name().into(), label: c.label_fa().into(), selected: Some(c) == category }).collect(),
        provinces: Province::ALL.iter().map(|&p| Opt { value: p.wire_name().into(), label: p.label_fa().into(), selected: Some(p) == province }).collect(),
        f,
        problems,
    }
}

fn forbidden(staff: &StaffSession) -> Response {
    staff.error(&ApiError::forbidden("role_not_allowed", "operators and supervisors only"), "/staff/queue")
}

/// `GET /staff/intake`.
pub(super) async fn page(staff: StaffSession) -> Response {
    if !workflow::may_file_for_others(staff.role) {
        return forbidden(&staff);
    }
    let f = IntakeForm { client_id: uuid::Uuid::new_v4().to_string(), ..IntakeForm::default() };
    render(StatusCode::OK, &intake_page(&staff, f, Problems::none()))
}

/// `POST /staff/intake`: files for the caller; the same form sent again (a double click, a
/// retry after a lost answer) files once, by its `client_id`.
pub(super) async fn file(State(state): State<AppState>, staff: StaffSession, WebForm(f): WebForm<IntakeForm>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    if !workflow::may_file_for_others(staff.role) {
        return forbidden(&staff);
    }
    let mut problems = Problems::none();
    let phone = match PhoneNumber::parse(&f.phone) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.add("phone", samat_core::model::labels::error_message_fa(e.code()));
            None
        }
    };
    let channel = match intake_channel(&f.channel) {
        Ok(c) => Some(c),
        Err(e) => {
            problems.add("channel", error_words(&e));
            None
        }
    };
    let amount = match parse_rials(&f.amount) {
        Ok(a) => a,
        Err(_) => {
            problems.add("amount", "مبلغ را به ریال و فقط با رقم بنویسید (مثلاً ۲٬۵۰۰٬۰۰۰).");
            None
        }
    };
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let body = NewComplaint {
        client_id: opt(&f.client_id),
        category: opt(&f.category),
        description: Some(f.description.clone()),
        guild_id: opt(&f.guild_id),
        business_name: opt(&f.business_name),
        business_address: opt(&f.business_address),
        province: opt(&f.province),
        city: opt(&f.city),
        incident_date: opt(&f.incident_date),
        amount_rials: amount,
        wants_compensation: Some(matches!(f.compensation.as_str(), "yes" | "on" | "true")),
    };
    // Every field's problem at once: the core's checks beside the form's own.
    if let Err(fields) = body.validate(actions::today_in_iran()) {
        problems.0.extend(Problems::from_fields(&fields, &rename).0);
    }
    let (Some(phone), Some(channel), false) = (phone, channel, problems.any()) else {
        return render(StatusCode::UNPROCESSABLE_ENTITY, &intake_page(&staff, f, problems));
    };
    match actions::file_complaint(&state, phone, channel, &body, false, Who::Staff(staff.who())).await {
        Ok((resp, _)) => (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/staff/intake/done/{}", resp.tracking_code.as_str()))]).into_response(),
        Err(e) => {
            let mut problems = Problems::from_fields(&e.fields, &rename);
            if !problems.any() {
                problems.add("description", error_words(&e));
            }
            render(e.status, &intake_page(&staff, f, problems))
        }
    }
}

/// The form's names for the API's fields.
fn rename(field: &str) -> String {
    match field {
        "amount_rials" => "amount",
        other => other,
    }
    .to_owned()
}

#[derive(Template)]
#[template(path = "staff/intake_done.html")]
struct DonePage {
    layout: Layout,
    code: String,
    spaced: String,
    phone: String,
    business: String,
}

/// `GET /staff/intake/done/{code}`: the code to read out to the caller.
pub(super) async fn done(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>) -> Response {
    let found = match TrackingCode::parse(&raw) {
        Ok(code) => actions::staff_complaint(&state, staff.who(), code).await,
        Err(_) => Err(ApiError::new(StatusCode::NOT_FOUND, "complaint_not_found", "no such complaint")),
    };
    match found {
        Ok(c) => {
            actions::audit_read(&state, staff.who(), &c, crate::store::ReadKind::View);
            let page = DonePage {
                layout: staff.layout("شکایت ثبت شد", "/staff/intake").narrow(),
                code: c.tracking_code.as_str().to_owned(),
                spaced: format::spaced_code(c.tracking_code.as_str()),
                phone: c.phone.national(),
                business: c.business_name.clone().unwrap_or_default(),
            };
            render(StatusCode::OK, &page)
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            ErrorPage::new(staff.layout("پیدا نشد", ""), "شکایت پیدا نشد", "شکایتی با این کد رهگیری در حوزه شما نیست.")
                .link("/staff/intake", "ثبت شکایت تازه")
                .respond(StatusCode::NOT_FOUND)
        }
        Err(e) => staff.error(&e, "/staff/intake"),
    }
}
