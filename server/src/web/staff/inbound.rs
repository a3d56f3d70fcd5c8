//! The operators' triage list: messages to the 124 line that could not be filed on their own
//! (no category the words point at, unreadable, too long, no mobile to answer), each with its
//! original text, filed from here with one form (the same code path as
//! `POST /v1/staff/inbound/{id}/file`) or set aside with the operator's reason. Nothing inbound
//! leaves the list without a person deciding; the other tabs show how every message ended.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::api::NewComplaint;
use samat_core::model::inbound::classify;
use samat_core::model::labels::error_message_fa;
use samat_core::model::text::ascii_digits;
use samat_core::model::workflow;
use samat_core::model::{Category, Channel, PhoneNumber, Province};
use serde::Deserialize;
use time::OffsetDateTime;

use super::queue::PAGE_ROWS;
use super::StaffSession;
use crate::actions;
use crate::error::ApiError;
use crate::inbound;
use crate::state::AppState;
use crate::store::{InboundRecord, InboundStatus};
use crate::web::form::{parse_rials, Opt, Problems, WebForm};
use crate::web::format;
use crate::web::page::{error_words, render, ErrorPage, Flash, Layout};

/// The tabs of the list, in the order shown: what waits for an operator first.
const TABS: [InboundStatus; 6] =
    [InboundStatus::Triage, InboundStatus::Limited, InboundStatus::Pending, InboundStatus::Filed, InboundStatus::Dismissed, InboundStatus::Answered];

/// A status as the tabs and items name it.
fn status_fa(status: InboundStatus) -> &'static str {
    match status {
        InboundStatus::Triage => "در انتظار بررسی",
        InboundStatus::Limited => "بیش از سقف فرستنده",
        InboundStatus::Pending => "در حال پردازش",
        InboundStatus::Filed => "ثبت‌شده",
        InboundStatus::Dismissed => "کنار گذاشته‌شده",
        InboundStatus::Answered => "پاسخ خودکار",
    }
}

/// Whether a message in `status` waits for an operator (the list's actions apply to it).
fn waits(status: InboundStatus) -> bool {
    matches!(status, InboundStatus::Triage | InboundStatus::Limited)
}

/// Why a message is where it is, in Persian words, from the code the handler recorded.
pub fn reason_fa(reason: &str) -> String {
    let words = match reason {
        "unclassified" => "نوع تخلف از متن معلوم نشد",
        "no_phone" => "شماره همراه فرستنده در دست نیست؛ باید با او تماس گرفت",
        "no_text" => "نامه متنی ندارد",
        "too_large" => "نامه بیش از حد بزرگ است",
        "thread_note" => "پاسخ در رشته نامه‌های یک شکایت؛ یادداشت شد",
        "thread_gone" => "پاسخ به شکایتی که دیگر پیدا نمی‌شود",
        "unreadable" => "متن خوانا نیست (نویسه‌های ناشناخته)",
        "too_long" => "متن بیش از حد طولانی است",
        "rate_limited" => "فرستنده بیش از سقف مجاز پیامک فرستاده است",
        "triage" => "از فهرست بررسی ثبت شد",
        "dismissed" => "کارشناس آن را شکایت ندانست",
        "track" => "پرسش از مرحله شکایت",
        "accept" => "پذیرش پاسخ واحد صنفی",
        "reject" => "نپذیرفتن پاسخ واحد صنفی",
        "withdraw" => "انصراف از شکایت",
        "not_found" => "کد رهگیری از آن فرستنده نبود",
        "complaint_quota" => "سقف روزانه ثبت شکایت فرستنده پر بود",
        "empty" => "پیام خالی",
        "asked" => "درخواست راهنما",
        "bad_code" => "کد رهگیری نادرست",
        "too_short" => "متن برای شکایت بسیار کوتاه است",
        "ambiguous" => "چند فرمان با هم",
        other => {
            // A message filed on its own records its category; a refused filing, the error's code.
            return match Category::from_wire(other) {
                Some(c) => format!("ثبت خودکار: {}", c.label_fa()),
                None => error_message_fa(other).to_owned(),
            };
        }
    };
    words.to_owned()
}

/// One message as the list and its page show it.
pub(super) struct Item {
    id: i64,
    href: String,
    /// The sender as received (a phone number, or whatever the gateway wrote).
    sender: String,
    /// How it came, in Persian (SMS or e-mail).
    channel: &'static str,
    /// An e-mail's subject (empty for a text message).
    subject: String,
    received: String,
    waited: String,
    status: &'static str,
    waiting: bool,
    reason: String,
    /// The original text, exactly as received.
    text: String,
    handled_by: String,
    handled_at: String,
    code: Option<String>,
    note: String,
    /// Whether the item links to its own page (in the list).
    linked: bool,
}

impl Item {
    fn of(r: &InboundRecord, names: &HashMap<i64, String>, now: OffsetDateTime) -> Item {
        Item {
            id: r.id,
            href: format!("/staff/inbound/{}", r.id),
            sender: r.sender.clone(),
            channel: r.channel.label_fa(),
            subject: r.subject.clone().unwrap_or_default(),
            received: format::when(r.received_at),
            waited: format::age((now - r.received_at).whole_seconds()),
            status: status_fa(r.status),
            waiting: waits(r.status),
            reason: r.reason.as_deref().map(reason_fa).unwrap_or_default(),
            text: r.text.clone(),
            handled_by: r.handled_by.and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
            handled_at: r.handled_at.map(format::when).unwrap_or_default(),
            code: r.tracking_code.map(|c| c.as_str().to_owned()),
            note: r.note.clone().unwrap_or_default(),
            linked: false,
        }
    }
}

/// The usernames of the staff who handled `records`.
async fn handlers(state: &AppState, records: &[InboundRecord]) -> HashMap<i64, String> {
    let mut names = HashMap::new();
    for id in records.iter().filter_map(|r| r.handled_by) {
        if names.contains_key(&id) {
            continue;
        }
        if let Ok(Some(s)) = state.store.staff_by_id(id).await {
            names.insert(id, s.username);
        }
    }
    names
}

fn forbidden(staff: &StaffSession) -> Response {
    staff.error(&ApiError::forbidden("role_not_allowed", "operators and supervisors only"), "/staff/queue")
}

#[derive(Template)]
#[template(path = "staff/inbound.html")]
struct ListPage {
    layout: Layout,
    tabs: Vec<(String, &'static str, bool)>,
    status: &'static str,
    items: Vec<Item>,
    total: String,
    page_label: String,
    prev: Option<String>,
    next: Option<String>,
}

/// The query of the list: a status tab and a page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
}

fn list_href(status: InboundStatus, page: i64) -> String {
    match (status, page) {
        (InboundStatus::Triage, 1) => "/staff/inbound".to_owned(),
        (s, 1) => format!("/staff/inbound?status={}", s.as_str()),
        (s, p) => format!("/staff/inbound?status={}&page={p}", s.as_str()),
    }
}

/// `GET /staff/inbound`: the messages of one status (those waiting by default), oldest first.
pub(super) async fn list(State(state): State<AppState>, staff: StaffSession, Query(q): Query<ListQuery>) -> Response {
    if !workflow::may_file_for_others(staff.role) {
        return forbidden(&staff);
    }
    let status = InboundStatus::parse(q.status.trim()).unwrap_or(InboundStatus::Triage);
    let page_no = ascii_digits(q.page.trim()).parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let found = async {
        let total = state.store.inbound_count(status).await?;
        let rows = state.store.inbound_list(status, PAGE_ROWS, (page_no - 1) * PAGE_ROWS).await?;
        Ok::<_, crate::store::StoreError>((total, rows))
    };
    let (total, rows) = match found.await {
        Ok(v) => v,
        Err(e) => return staff.error(&ApiError::from(e), "/staff/queue"),
    };
    let names = handlers(&state, &rows).await;
    let now = OffsetDateTime::now_utc();
    let pages = (total + PAGE_ROWS - 1) / PAGE_ROWS;
    let body = ListPage {
        layout: staff.layout("پیام‌های ورودی", "/staff/inbound"),
        tabs: TABS.iter().map(|&s| (list_href(s, 1), status_fa(s), s == status)).collect(),
        status: status_fa(status),
        items: rows.iter().map(|r| Item { linked: true, ..Item::of(r, &names, now) }).collect(),
        total: format::number(total),
        page_label: format!("صفحه {} از {}", format::number(page_no), format::number(pages.max(1))),
        prev: (page_no > 1).then(|| list_href(status, page_no - 1)),
        next: (page_no < pages).then(|| list_href(status, page_no + 1)),
    };
    render(StatusCode::OK, &body)
}

/// The fields of the filing form as typed (the intake form's, less the channel: it is the
/// message's own).
#[derive(Debug, Default, Deserialize, Clone)]
pub(super) struct FileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    phone: String,
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

/// The dismiss form.
#[derive(Debug, Default, Deserialize, Clone)]
pub(super) struct DismissForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "staff/inbound_message.html")]
struct MessagePage {
    layout: Layout,
    msg: Item,
    /// The sender's mobile number when the message came from one (the tracking code goes there).
    sender_phone: Option<String>,
    f: FileForm,
    reason: String,
    categories: Vec<Opt>,
    provinces: Vec<Opt>,
    problems: Problems,
    /// Which form the problems belong to: `file` or `dismiss`.
    refused: &'static str,
    /// The filed complaint's code, grouped for reading out, and the phone it was texted to.
    filed: Option<(String, String, String)>,
}

/// The filing form as first shown: the message's text as the description, the category the
/// words point at (none when they point nowhere), whether it asks for money back.
fn prefilled(staff: &StaffSession, r: &InboundRecord) -> FileForm {
    let class = classify(&r.text);
    FileForm {
        category: if class.trusted { class.category.wire_name().to_owned() } else { String::new() },
        description: r.text.clone(),
        province: staff.province.map(|p| p.wire_name().to_owned()).unwrap_or_default(),
        compensation: if class.wants_compensation { "yes".to_owned() } else { String::new() },
        ..FileForm::default()
    }
}

/// What a message's page shows for `r`, with the forms as typed.
async fn message_page(
    state: &AppState,
    staff: &StaffSession,
    r: &InboundRecord,
    f: FileForm,
    reason: String,
    problems: Problems,
    refused: &'static str,
) -> MessagePage {
    let names = handlers(state, std::slice::from_ref(r)).await;
    let category = Category::from_wire(f.category.trim());
    let province = Province::from_wire(f.province.trim());
    let sender_phone = (r.channel != Channel::Email).then(|| PhoneNumber::parse(&r.sender).ok()).flatten();
    // An e-mail's text may name the citizen's mobile: offered in the form, to check or change.
    let mut f = f;
    if r.channel == Channel::Email && f.phone.trim().is_empty() {
        if let Some(p) = samat_core::model::inbound::find_phone(&r.text) {
            f.phone = p.national();
        }
    }
    let filed = match (r.status, r.tracking_code) {
        (InboundStatus::Filed, Some(code)) => {
            let to = match state.store.complaint(code).await {
                Ok(Some(c)) => c.phone.national(),
                _ => sender_phone.as_ref().map(PhoneNumber::national).unwrap_or_default(),
            };
            Some((code.as_str().to_owned(), format::spaced_code(code.as_str()), to))
        }
        _ => None,
    };
    MessagePage {
        layout: staff.layout(&format!("پیام ورودی {}", format::number(r.id)), "/staff/inbound"),
        msg: Item::of(r, &names, OffsetDateTime::now_utc()),
        sender_phone: sender_phone.map(|p| p.national()),
        categories: Category::ALL.iter().map(|&c| Opt { value: c.wire_name().into(), label: c.label_fa().into(), selected: Some(c) == category }).collect(),
        provinces: Province::ALL.iter().map(|&p| Opt { value: p.wire_name().into(), label: p.label_fa().into(), selected: Some(p) == province }).collect(),
        f,
        reason,
        problems,
        refused,
        filed,
    }
}

/// The message `raw` names, or the page that says it is not there.
async fn load(state: &AppState, staff: &StaffSession, raw: &str) -> Result<InboundRecord, Response> {
    let found = match ascii_digits(raw.trim()).parse::<i64>() {
        Ok(id) => state.store.inbound_message(id).await.map_err(ApiError::from),
        Err(_) => Ok(None),
    };
    match found {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(ErrorPage::new(staff.layout("پیدا نشد", ""), "پیام پیدا نشد", error_message_fa("inbound_not_found"))
            .link("/staff/inbound", "بازگشت به پیام‌های ورودی")
            .respond(StatusCode::NOT_FOUND)),
        Err(e) => Err(staff.error(&e, "/staff/inbound")),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /staff/inbound/{id}`: the message, and while it waits the form that files it and the
/// one that sets it aside.
pub(super) async fn show(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, Query(q): Query<DoneQuery>) -> Response {
    if !workflow::may_file_for_others(staff.role) {
        return forbidden(&staff);
    }
    let r = match load(&state, &staff, &raw).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let flash = match q.done.as_str() {
        "filed" => Some("شکایت ثبت شد و کد رهگیری برای شهروند پیامک می‌شود."),
        "dismissed" => Some("پیام کنار گذاشته شد."),
        _ => None,
    }
    .map(|text| Flash { kind: "ok", text: text.to_owned() });
    let f = prefilled(&staff, &r);
    let mut page = message_page(&state, &staff, &r, f, String::new(), Problems::none(), "").await;
    page.layout = page.layout.with_flash(flash);
    render(StatusCode::OK, &page)
}

fn see(id: i64, done: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/staff/inbound/{id}?done={done}"))]).into_response()
}

/// The message's page after a refused form (`status`), with what was typed and why, or, when
/// the message was handled meanwhile (a second click, another operator), how it ended.
async fn refused_page(
    state: &AppState,
    staff: &StaffSession,
    id: i64,
    status: StatusCode,
    typed: (FileForm, String),
    problems: Problems,
    which: &'static str,
) -> Response {
    let r = match load(state, staff, &id.to_string()).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let handled = !waits(r.status);
    let (f, reason) = if handled { (prefilled(staff, &r), String::new()) } else { typed };
    let mut page = message_page(state, staff, &r, f, reason, problems, which).await;
    if handled {
        let text = match (r.status, r.tracking_code) {
            (InboundStatus::Filed, Some(code)) => format!("این پیام پیش‌تر ثبت شده است (کد رهگیری {}) و دوباره ثبت نشد.", code.as_str()),
            (InboundStatus::Dismissed, _) => "این پیام پیش‌تر کنار گذاشته شده است؛ کاری دوباره انجام نشد.".to_owned(),
            _ => error_message_fa("inbound_handled").to_owned(),
        };
        page.layout = page.layout.with_flash(Some(Flash { kind: "warn", text }));
        page.problems = Problems::none();
    }
    render(status, &page)
}

/// `POST /staff/inbound/{id}/file`: files the message with what the operator set, through
/// the same function as the API; the citizen gets the tracking code by SMS. A second submit
/// finds the message handled and says so, filing nothing.
pub(super) async fn file(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, WebForm(f): WebForm<FileForm>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    if !workflow::may_file_for_others(staff.role) {
        return forbidden(&staff);
    }
    let r = match load(&state, &staff, &raw).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if !waits(r.status) {
        return refused_page(&state, &staff, r.id, StatusCode::CONFLICT, (f, String::new()), Problems::none(), "file").await;
    }
    let mut problems = Problems::none();
    // The sender's mobile gets the code; a sender that is none was called back for one.
    let phone = if r.channel != Channel::Email && PhoneNumber::parse(&r.sender).is_ok() {
        None
    } else {
        match PhoneNumber::parse(&f.phone) {
            Ok(p) => Some(p),
            Err(e) => {
                problems.add("phone", error_message_fa(e.code()));
                None
            }
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
        client_id: None,
        category: opt(&f.category),
        // Left empty, the message's own text is the description (as in the API).
        description: opt(&f.description).map(|_| f.description.clone()),
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
    let checked = NewComplaint { description: body.description.clone().or_else(|| Some(r.text.clone())), ..body.clone() };
    if let Err(fields) = checked.validate(actions::today_in_iran()) {
        problems.0.extend(Problems::from_fields(&fields, &rename).0);
    }
    if problems.any() {
        return refused_page(&state, &staff, r.id, StatusCode::UNPROCESSABLE_ENTITY, (f, String::new()), problems, "file").await;
    }
    match inbound::file_from_triage(&state, staff.who(), r.id, phone, body).await {
        Ok(_) => see(r.id, "filed"),
        Err(e) => {
            let mut problems = Problems::from_fields(&e.fields, &rename);
            if !problems.any() && e.status != StatusCode::CONFLICT {
                problems.add("description", error_words(&e));
            }
            if e.code == "no_phone" {
                problems.add("phone", error_words(&e));
            }
            refused_page(&state, &staff, r.id, e.status, (f, String::new()), problems, "file").await
        }
    }
}

/// `POST /staff/inbound/{id}/dismiss`: sets the message aside with the operator's reason
/// (required: whoever reads the list later sees why).
pub(super) async fn dismiss(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, WebForm(f): WebForm<DismissForm>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    if !workflow::may_file_for_others(staff.role) {
        return forbidden(&staff);
    }
    let r = match load(&state, &staff, &raw).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let typed = (prefilled(&staff, &r), f.reason.clone());
    let mut problems = Problems::none();
    let note = match actions::note_field("reason", Some(&f.reason)) {
        Ok(Some(n)) => Some(n),
        Ok(None) => {
            problems.add("reason", "بنویسید چرا این پیام شکایت نیست (مثلاً «تبلیغ است»).");
            None
        }
        Err(e) => {
            problems = Problems::from_fields(&e.fields, &|f| f.to_owned());
            None
        }
    };
    if problems.any() && waits(r.status) {
        return refused_page(&state, &staff, r.id, StatusCode::UNPROCESSABLE_ENTITY, typed, problems, "dismiss").await;
    }
    match inbound::dismiss(&state, staff.who(), r.id, note).await {
        Ok(()) => see(r.id, "dismissed"),
        Err(e) => refused_page(&state, &staff, r.id, e.status, typed, Problems::none(), "dismiss").await,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_a_handler_records_reads_in_persian() {
        let recorded = [
            "unclassified",
            "no_phone",
            "unreadable",
            "too_long",
            "rate_limited",
            "triage",
            "dismissed",
            "track",
            "accept",
            "reject",
            "withdraw",
            "not_found",
            "complaint_quota",
            "empty",
            "asked",
            "bad_code",
            "too_short",
            "ambiguous",
            "no_invoice",
            "description_too_long",
        ];
        for code in recorded {
            let words = reason_fa(code);
            assert!(!words.is_empty() && !words.is_ascii(), "{code}: {words:?}");
            assert!(!words.contains(code), "{code} shows its code: {words:?}");
        }
        assert_eq!(reason_fa("no_invoice"), format!("ثبت خودکار: {}", Category::NoInvoice.label_fa()));
    }

    #[test]
    fn waiting_tabs_come_first_and_every_status_has_one() {
        assert_eq!(TABS[0], InboundStatus::Triage);
        for s in <InboundStatus as strum::VariantArray>::VARIANTS {
            assert!(TABS.contains(s), "{s:?}");
        }
        assert_eq!(list_href(InboundStatus::Triage, 1), "/staff/inbound");
        assert_eq!(list_href(InboundStatus::Filed, 2), "/staff/inbound?status=filed&page=2");
    }
}
