//! One complaint as staff see it: what the citizen wrote, photos, the business from the
//! registry, the whole history with who acted, and exactly the actions this account may take
//! now — asked of the core's workflow rules, never decided here. A refused form comes back
//! with what was typed and the problem next to the field; a complaint that moved meanwhile
//! says so.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::api::{EventKind, VerdictDetails};
use samat_core::model::labels::actor_label_fa;
use samat_core::model::text::persian_digits;
use samat_core::model::workflow::{self, available_moves, Carry, ComplaintFacts};
use samat_core::model::{Actor, Province, Stage, TrackingCode};
use serde::Deserialize;
use serde_json::json;

use super::StaffSession;
use crate::actions::{self, Handling, Move, Who};
use crate::error::ApiError;
use crate::registry;
use crate::state::AppState;
use crate::store::{AuditFilter, ComplaintRecord, EventRecord, FeedbackRecord, PhotoRecord, ReadKind, StaffRecord};
use crate::web::form::Opt;
use crate::web::form::{parse_rials, Problems, WebForm};
use crate::web::format;
use crate::web::page::{error_words, render, ErrorPage, Flash, Layout};
use samat_core::model::deadlines::Standing;

/// An action form the page offers: a move to another stage.
pub struct MoveForm {
    /// The stage it moves to (wire name).
    pub to: String,
    /// The button's words.
    pub label: &'static str,
    /// The note's label.
    pub note_label: &'static str,
    /// Whether the note is required.
    pub note_required: bool,
    /// Whether it is the verdict form.
    pub verdict: bool,
    /// Whether it is a way out that ends the complaint (styled as a warning).
    pub ending: bool,
}

/// A line of the history.
pub struct HistoryItem {
    /// When, in Jalali.
    pub when: String,
    /// Who, with their name for staff.
    pub who: String,
    /// What happened.
    pub what: String,
    /// The note the citizen read.
    pub note: Option<String>,
    /// The staff-only note.
    pub internal_note: Option<String>,
    /// The verdict, in words.
    pub verdict: Option<String>,
    /// Whether the citizen does not see this entry.
    pub internal: bool,
}

/// What was typed in a refused form, to show it again.
#[derive(Default)]
pub struct Typed {
    /// Which form: `move:<stage>`, `note`, `assign`, `province`.
    pub form: String,
    pub note: String,
    /// The staff-only note.
    pub internal_note: String,
    /// `yes` / `no` for the verdict.
    pub violation: String,
    /// The penalty as typed.
    pub penalty: String,
    /// The compensation as typed.
    pub compensation: String,
    /// The note's visibility.
    pub visible: bool,
}

#[derive(Template)]
#[template(path = "staff/complaint.html")]
struct ComplaintPage {
    layout: Layout,
    code: String,
    stage: String,
    stage_wire: String,
    /// The stage's deadline: («۱۴۰۴/۰۹/۰۴», standing words, badge class).
    due: Option<(String, &'static str, &'static str)>,
    progress: Vec<(&'static str, &'static str)>,
    facts: Vec<(&'static str, String)>,
    description: String,
    business: Option<BusinessCard>,
    photos: Vec<(String, String)>,
    history: Vec<HistoryItem>,
    feedback: Vec<(String, String, String, bool)>,
    holder: String,
    moves: Vec<MoveForm>,
    note_visible: bool,
    note_internal: bool,
    note_label: &'static str,
    note_default_visible: bool,
    take: bool,
    release: bool,
    hand_to: Vec<Opt>,
    provinces: Vec<Opt>,
    escalations: Vec<(i64, String, String)>,
    typed: Typed,
    problems: Problems,
    alert: Option<String>,
    reads: Vec<(String, String, &'static str)>,
}

struct BusinessCard {
    name: String,
    href: String,
    rows: Vec<(&'static str, String)>,
    warning: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn done_words(done: &str) -> Option<&'static str> {
    Some(match done {
        "moved" => "شکایت به مرحله بعد رفت و پیامک آن برای شهروند فرستاده شد.",
        "noted" => "یادداشت ثبت شد.",
        "taken" => "رسیدگی به این شکایت با شماست.",
        "released" => "این شکایت به صف برگشت.",
        "handed" => "شکایت به همکار سپرده شد.",
        "placed" => "استان شکایت ثبت شد.",
        "closed" => "شکایت از رسیدگی بسته شد.",
        _ => return None,
    })
}

fn parse_code(raw: &str) -> Option<TrackingCode> {
    TrackingCode::parse(raw).ok()
}

async fn load(state: &AppState, staff: &StaffSession, raw: &str) -> Result<ComplaintRecord, Response> {
    let not_found = || {
        ErrorPage::new(staff.layout("پیدا نشد", ""), "شکایت پیدا نشد", "شکایتی با این کد رهگیری در حوزه شما نیست.")
            .link("/staff/queue", "بازگشت به صف کار")
            .respond(StatusCode::NOT_FOUND)
    };
    let code = parse_code(raw).ok_or_else(not_found)?;
    match actions::staff_complaint(state, staff.who(), code).await {
        Ok(c) => Ok(c),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(not_found()),
        Err(e) => Err(staff.error(&e, "/staff/queue")),
    }
}

/// The staff names of a history, by id.
async fn staff_names(state: &AppState) -> HashMap<i64, StaffRecord> {
    state.store.list_staff().await.unwrap_or_default().into_iter().map(|s| (s.id, s)).collect()
}

/// The verdict as staff read it: the core's words for the outcome and the amounts, the
/// compensation named as the complainant's.
fn verdict_words(details: &serde_json::Value) -> Option<String> {
    let v: VerdictDetails = serde_json::from_value(details.clone()).ok()?;
    let mut parts = vec![v.outcome_fa().to_owned()];
    if let Some(p) = v.penalty_fa() {
        parts.push(format!("جریمه: {p}"));
    }
    if let Some(c) = v.compensation_fa() {
        parts.push(format!("غرامت به شاکی: {c}"));
    }
    Some(parts.join("؛ "))
}

/// The history as staff read it.
pub fn history(events: &[EventRecord], names: &HashMap<i64, StaffRecord>) -> Vec<HistoryItem> {
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i)).map(|s| s.shown_name().to_owned());
    events
        .iter()
        .map(|e| {
            let who = match (e.actor, name(e.actor_staff_id)) {
                (Actor::Citizen, _) => "شهروند (شاکی)".to_owned(),
                (actor, Some(n)) => format!("{} — {n}", actor_label_fa(actor.wire_name())),
                (actor, None) => actor_label_fa(actor.wire_name()).to_owned(),
            };
            let what = match e.kind {
                EventKind::Created => "شکایت ثبت شد".to_owned(),
                EventKind::Stage => format!("مرحله: {}", e.stage.label_fa()),
                EventKind::Note if e.visible => "پیام برای شهروند".to_owned(),
                EventKind::Note => "یادداشت داخلی".to_owned(),
                EventKind::Assigned => {
                    let to = e.details.as_ref().and_then(|d| d.get("to")).and_then(|t| t.as_i64());
                    match to.and_then(|t| name(Some(t))) {
                        Some(n) if to == e.actor_staff_id => format!("رسیدگی را به عهده گرفت ({n})"),
                        Some(n) => format!("به {n} سپرده شد"),
                        None => "به صف برگشت (بدون مسئول)".to_owned(),
                    }
                }
                EventKind::Raised => format!("مهلت مرحله «{}» گذشت: ارجاع خودکار به سرپرست", e.stage.label_fa()),
                EventKind::Province => {
                    let to = e.details.as_ref().and_then(|d| d.get("to")).and_then(|t| t.as_str()).and_then(Province::from_wire);
                    format!("استان: {}", to.map_or("نامشخص", Province::label_fa))
                }
            };
            HistoryItem {
                when: format::when(e.at),
                who,
                what,
                note: e.note.clone(),
                internal_note: e.internal_note.clone(),
                verdict: e.details.as_ref().filter(|_| e.stage == Stage::Verdict).and_then(verdict_words),
                internal: !e.visible,
            }
        })
        .collect()
}

/// The facts of a complaint as a list of (label, value).
pub fn facts(c: &ComplaintRecord, with_phone: bool) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("نوع تخلف", c.category.label_fa().to_owned()),
        ("درگاه ثبت", c.channel.label_fa().to_owned()),
        ("زمان ثبت", format::when(c.created_at)),
        ("استان", c.province.map_or("نامشخص".to_owned(), |p| p.label_fa().to_owned())),
    ];
    if with_phone {
        f.push(("همراه شاکی", c.phone.national()));
    }
    let mut opt = |label, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            f.push((label, v));
        }
    };
    opt("واحد صنفی", c.business_name.clone());
    opt("شناسه صنفی", c.guild_id.as_deref().map(persian_digits));
    opt("نشانی", c.business_address.clone());
    opt("شهر", c.city.clone());
    opt("تاریخ رخداد", c.incident_date.map(format::day));
    opt("مبلغ", c.amount_rials.map(format::rials));
    f.push(("مطالبه خسارت", if c.wants_compensation { "بله".to_owned() } else { "خیر".to_owned() }));
    f
}

/// The seven stages and where this complaint is, for the progress strip.
pub fn progress(stage: Stage) -> Vec<(&'static str, &'static str)> {
    let path = [Stage::Received, Stage::ExpertReview, Stage::SelfRegulation, Stage::Inspection, Stage::InspectionReported, Stage::Taazirat, Stage::Verdict];
    let at = path.iter().position(|s| *s == stage);
    path.iter()
        .enumerate()
        .map(|(i, s)| {
            let class = match at {
                Some(a) if i < a => "done",
                Some(a) if i == a => "now",
                _ => "",
            };
            (s.label_fa(), class)
        })
        .collect()
}

async fn build(
    state: &AppState,
    staff: &StaffSession,
    c: &ComplaintRecord,
    flash: Option<Flash>,
    typed: Typed,
    problems: Problems,
    alert: Option<String>,
) -> Result<ComplaintPage, ApiError> {
    let events = state.store.events(c.id).await?;
    let feedback = state.store.feedback(c.id).await?;
    let photos = state.store.photos(c.id).await?;
    let names = staff_names(state).await;
    let business = match &c.guild_id {
        Some(id) => state.store.business(id).await?,
        None => None,
    };
    let facts_ = ComplaintFacts { stage: c.stage, wants_compensation: c.wants_compensation };
    let actor = Actor::Staff(staff.role);
    let moves = available_moves(actor, &facts_)
        .into_iter()
        .map(|m| MoveForm {
            to: m.to.wire_name().to_owned(),
            label: m.to.move_label_fa(),
            note_label: m.carry.note_label_fa(),
            note_required: m.carry.needs_note(),
            verdict: m.carry == Carry::Verdict,
            ending: matches!(m.to, Stage::Dismissed),
        })
        .collect();
    let me = staff.who();
    let hand_to = if workflow::check_reassign(staff.role, c.stage, samat_core::model::Role::Supervisor).is_ok() {
        let mut people: Vec<&StaffRecord> = names
            .values()
            .filter(|s| {
                s.active && Some(s.id) != c.assigned_to && workflow::handles_stage(s.role, c.stage) && workflow::in_jurisdiction(s.province, c.province)
            })
            .collect();
        people.sort_by(|a, b| a.username.cmp(&b.username));
        people.into_iter().map(|s| Opt { value: s.id.to_string(), label: format!("{} ({})", s.shown_name(), s.role.label_fa()), selected: false }).collect()
    } else {
        Vec::new()
    };
    let holder = c.assigned_to.and_then(|id| names.get(&id)).map_or("هیچ‌کس (در صف)".to_owned(), |s| s.shown_name().to_owned());
    let escalations = if workflow::may_close_escalations(staff.role) { open_escalations(state, c, &feedback).await? } else { Vec::new() };
    let reads = if workflow::may_manage_staff(staff.role) {
        let filter = AuditFilter { tracking_code: Some(c.tracking_code), staff_id: None, province: staff.province, before: None, limit: 20 };
        state.store.audit(filter).await?.into_iter().map(|a| (format::when(a.at), a.username, a.what.label_fa())).collect()
    } else {
        Vec::new()
    };
    let mut facts = facts(c, true);
    // A complaint filed from an e-mail: the address staff may write back to.
    if c.channel == samat_core::model::Channel::Email {
        if let Some(m) = state.store.inbound_of_complaint(c.tracking_code).await?.filter(|m| !m.sender.is_empty()) {
            facts.push(("ایمیل فرستنده", m.sender));
        }
    }
    let note_label = if staff.role == samat_core::model::Role::Guild { "پاسخ واحد صنفی (برای شهروند)" } else { "یادداشت" };
    Ok(ComplaintPage {
        layout: staff.layout(&format!("شکایت {}", c.tracking_code.as_str()), "").with_flash(flash),
        code: c.tracking_code.as_str().to_owned(),
        stage: c.stage.label_fa().to_owned(),
        stage_wire: c.stage.wire_name().to_owned(),
        due: crate::views::clock(c, &state.settings.standards, time::OffsetDateTime::now_utc()).map(|(d, s)| {
            let class = match s {
                Standing::OnTime => "ok",
                Standing::DueSoon => "info",
                Standing::Overdue | Standing::RaiseToSupervisors => "warn",
            };
            (format::day(d.due_day), s.label_fa(), class)
        }),
        progress: progress(c.stage),
        facts,
        description: c.description.clone(),
        business: business.map(|b| business_card(&b)),
        photos: photos.iter().map(|p| photo_link(c, p)).collect(),
        history: history(&events, &names),
        feedback: feedback
            .iter()
            .map(|f| (format!("{} از ۵", persian_digits(&f.rating.to_string())), f.comment.clone().unwrap_or_default(), format::when(f.at), f.escalated))
            .collect(),
        holder,
        moves,
        note_visible: workflow::check_note(staff.role, c.stage, true).is_ok(),
        note_internal: workflow::check_note(staff.role, c.stage, false).is_ok(),
        note_label,
        note_default_visible: staff.role == samat_core::model::Role::Guild,
        take: c.assigned_to != Some(staff.id) && workflow::check_take(me.role, c.stage, c.assigned_to, me.id).is_ok(),
        release: workflow::check_release(me.role, c.assigned_to, me.id).is_ok(),
        hand_to,
        provinces: if workflow::may_set_province(staff.role, staff.province, c.stage) {
            Province::ALL
                .into_iter()
                .map(|p| Opt { value: p.wire_name().to_owned(), label: p.label_fa().to_owned(), selected: c.province == Some(p) })
                .collect()
        } else {
            Vec::new()
        },
        escalations,
        typed,
        problems,
        alert,
        reads,
    })
}

/// Open escalations of this complaint: the feedback escalated and not yet handled, as the
/// supervisors' queue has them.
async fn open_escalations(state: &AppState, c: &ComplaintRecord, feedback: &[FeedbackRecord]) -> Result<Vec<(i64, String, String)>, ApiError> {
    if !feedback.iter().any(|f| f.escalated) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = state.store.escalations(c.province, 200, offset).await?;
        for row in &page.rows {
            if let (true, Some(f)) = (row.complaint.id == c.id, &row.escalation) {
                out.push((f.id, format!("{} از ۵", persian_digits(&f.rating.to_string())), f.comment.clone().unwrap_or_default()));
            }
        }
        offset += 200;
        if offset >= page.total || page.rows.is_empty() {
            return Ok(out);
        }
    }
}

fn business_card(b: &crate::store::BusinessRecord) -> BusinessCard {
    let v = registry::view(b);
    let mut rows = vec![("شناسه صنفی", persian_digits(&v.guild_id))];
    for (label, value) in
        [("صنف / اتحادیه", v.guild.clone()), ("شهر", v.city.clone()), ("نشانی", v.address.clone()), ("پروانه کسب", v.licence_no.as_deref().map(persian_digits))]
    {
        if let Some(value) = value {
            rows.push((label, value));
        }
    }
    rows.push(("وضعیت پروانه", v.licence_status.map_or("نامشخص", |s| s.label_fa()).to_owned()));
    let warning = matches!(v.licence_status, Some(samat_core::model::api::LicenceStatus::Suspended | samat_core::model::api::LicenceStatus::Expired))
        .then_some("این واحد صنفی پروانه کسب معتبر ندارد.");
    BusinessCard { name: v.name, href: format!("/staff/businesses/{}", v.guild_id), rows, warning }
}

fn photo_link(c: &ComplaintRecord, p: &PhotoRecord) -> (String, String) {
    (
        format!("/staff/complaints/{}/photos/{}", c.tracking_code.as_str(), p.photo_id),
        format!("عکس پیوست ({} کیلوبایت)", persian_digits(&(p.size / 1024).max(1).to_string())),
    )
}

/// `GET /staff/complaints/{code}`.
pub(super) async fn page(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, Query(q): Query<DoneQuery>) -> Response {
    let c = match load(&state, &staff, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let flash = done_words(&q.done).map(|text| Flash { kind: "ok", text: text.to_owned() });
    actions::audit_read(&state, staff.who(), &c, ReadKind::View);
    match build(&state, &staff, &c, flash, Typed::default(), Problems::none(), None).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => staff.error(&e, "/staff/queue"),
    }
}

/// The page again after a refused action: what was typed, the problems, and the alert.
async fn refused(state: &AppState, staff: &StaffSession, raw: &str, status: StatusCode, typed: Typed, problems: Problems, alert: String) -> Response {
    // With problems to list, the heading says only that nothing was done.
    let alert = if problems.any() && problems.all().iter().all(|p| p.message == alert || alert == "فرم رأی کامل نیست.") {
        "کاری انجام نشد؛ این موارد را اصلاح کنید:".to_owned()
    } else {
        alert
    };
    let c = match load(state, staff, raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match build(state, staff, &c, None, typed, problems, Some(alert)).await {
        Ok(p) => render(status, &p),
        Err(e) => staff.error(&e, "/staff/queue"),
    }
}

fn done(code: &str, what: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/staff/complaints/{code}?done={what}"))]).into_response()
}

/// The alert for a complaint that moved since the form was shown.
fn moved_meanwhile(now: Stage) -> String {
    format!(
        "این شکایت در این فاصله به مرحله «{}» رفته است (شاید همکار دیگری آن را جابه‌جا کرده). کاری انجام نشد؛ آنچه نوشته بودید در فرم مانده است.",
        now.label_fa()
    )
}

/// Maps an action's error to the form: the field problems by the form's field names, and the
/// alert for the top of the page.
fn problems_of(e: &ApiError) -> (Problems, String) {
    let problems = Problems::from_fields(&e.fields, &|f: &str| {
        match f {
            "details.penalty_rials" => "penalty",
            "details.compensation_rials" => "compensation",
            "details" => "violation",
            other => other,
        }
        .to_owned()
    });
    let alert = if e.code == "stage_changed" {
        "این شکایت در این فاصله جابه‌جا شده است (شاید همکار دیگری روی آن کار کرده). کاری انجام نشد؛ آنچه نوشته بودید در فرم مانده است.".to_owned()
    } else {
        error_words(e)
    };
    (problems, alert)
}

#[derive(Deserialize)]
pub(super) struct MoveFormData {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    internal_note: String,
    #[serde(default)]
    violation: String,
    #[serde(default)]
    penalty: String,
    #[serde(default)]
    compensation: String,
}

/// `POST /staff/complaints/{code}/move`.
pub(super) async fn move_it(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, WebForm(f): WebForm<MoveFormData>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    let c = match load(&state, &staff, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let typed = Typed {
        form: format!("move:{}", f.to.trim()),
        note: f.note.clone(),
        internal_note: f.internal_note.clone(),
        violation: f.violation.clone(),
        penalty: f.penalty.clone(),
        compensation: f.compensation.clone(),
        visible: false,
    };
    if f.stage.trim() != c.stage.wire_name() {
        return refused(&state, &staff, &raw, StatusCode::CONFLICT, typed, Problems::none(), moved_meanwhile(c.stage)).await;
    }
    let Some(to) = Stage::from_wire(f.to.trim()) else {
        return refused(&state, &staff, &raw, StatusCode::BAD_REQUEST, typed, Problems::none(), "این اقدام شناخته نیست.".into()).await;
    };
    let mut problems = Problems::none();
    let details = if to == Stage::Verdict {
        let violation = match f.violation.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                problems.add("violation", "روشن کنید تعزیرات تخلف را محرز دانسته یا نه.");
                None
            }
        };
        let mut amount = |field: &str, raw: &str| match parse_rials(raw) {
            Ok(v) => v,
            Err(_) => {
                problems.add(field, "مبلغ را به ریال و فقط با رقم بنویسید (مثلاً ۲٬۵۰۰٬۰۰۰).");
                None
            }
        };
        let penalty = amount("penalty", &f.penalty);
        let compensation = amount("compensation", &f.compensation);
        violation.map(|violation| json!({ "violation": violation, "penalty_rials": penalty, "compensation_rials": compensation }))
    } else {
        None
    };
    if problems.any() {
        return refused(&state, &staff, &raw, StatusCode::UNPROCESSABLE_ENTITY, typed, problems, "فرم رأی کامل نیست.".into()).await;
    }
    let note = match actions::note_field("note", Some(&f.note)).and_then(|n| Ok((n, actions::note_field("internal_note", Some(&f.internal_note))?))) {
        Ok(pair) => pair,
        Err(e) => {
            let (problems, alert) = problems_of(&e);
            return refused(&state, &staff, &raw, e.status, typed, problems, alert).await;
        }
    };
    let mv = Move { to, note: note.0, internal_note: note.1, details, action_id: None };
    match actions::move_complaint(&state, &c, Who::Staff(staff.who()), mv).await {
        Ok(_) => done(c.tracking_code.as_str(), "moved"),
        Err(e) => {
            let (mut problems, alert) = problems_of(&e);
            if matches!(e.code, "reason_required" | "report_required" | "case_file_required") {
                problems.add("note", samat_core::model::labels::error_message_fa(e.code));
            }
            if e.code == "verdict_details_required" {
                problems.add("violation", samat_core::model::labels::error_message_fa(e.code));
            }
            refused(&state, &staff, &raw, e.status, typed, problems, alert).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct NoteFormData {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    visible: String,
}

/// `POST /staff/complaints/{code}/note`: a note for the citizen (announced by SMS) or for staff.
pub(super) async fn note(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, WebForm(f): WebForm<NoteFormData>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    let c = match load(&state, &staff, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let visible = matches!(f.visible.as_str(), "yes" | "on" | "true");
    let typed = Typed { form: "note".into(), note: f.note.clone(), visible, ..Typed::default() };
    if f.stage.trim() != c.stage.wire_name() && visible {
        return refused(&state, &staff, &raw, StatusCode::CONFLICT, typed, Problems::none(), moved_meanwhile(c.stage)).await;
    }
    match actions::add_note(&state, &c, staff.who(), Some(&f.note), visible).await {
        Ok(_) => done(c.tracking_code.as_str(), "noted"),
        Err(e) => {
            let (problems, alert) = problems_of(&e);
            refused(&state, &staff, &raw, e.status, typed, problems, alert).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct AssignFormData {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    assignee: String,
}

/// `POST /staff/complaints/{code}/assign`: take, release or hand over.
pub(super) async fn assign(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, WebForm(f): WebForm<AssignFormData>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    let c = match load(&state, &staff, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (handling, word) = match f.action.as_str() {
        "take" => (Handling::Take, "taken"),
        "release" => (Handling::Release, "released"),
        "hand_to" => match f.assignee.trim().parse() {
            Ok(id) => (Handling::HandTo(id), "handed"),
            Err(_) => {
                let mut problems = Problems::none();
                problems.add("assignee", "همکاری را برای سپردن شکایت انتخاب کنید.");
                let typed = Typed { form: "assign".into(), ..Typed::default() };
                return refused(&state, &staff, &raw, StatusCode::UNPROCESSABLE_ENTITY, typed, problems, "همکاری انتخاب نشده است.".into()).await;
            }
        },
        _ => return refused(&state, &staff, &raw, StatusCode::BAD_REQUEST, Typed::default(), Problems::none(), "این اقدام شناخته نیست.".into()).await,
    };
    match actions::assign(&state, &c, staff.who(), handling).await {
        Ok(_) => done(c.tracking_code.as_str(), word),
        Err(e) => {
            let (problems, alert) = problems_of(&e);
            let alert = match e.code {
                "already_assigned" | "holder_changed" => {
                    "همکار دیگری رسیدگی به این شکایت را به عهده گرفته است. برای سپردن آن به شما، با سرپرست هماهنگ کنید.".to_owned()
                }
                _ => alert,
            };
            refused(&state, &staff, &raw, e.status, Typed { form: "assign".into(), ..Typed::default() }, problems, alert).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ProvinceFormData {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    province: String,
}

/// `POST /staff/complaints/{code}/province`.
pub(super) async fn province(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, WebForm(f): WebForm<ProvinceFormData>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    let c = match load(&state, &staff, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(p) = Province::from_wire(f.province.trim()) else {
        let mut problems = Problems::none();
        problems.add("province", "استان را انتخاب کنید.");
        return refused(
            &state,
            &staff,
            &raw,
            StatusCode::UNPROCESSABLE_ENTITY,
            Typed { form: "province".into(), ..Typed::default() },
            problems,
            "استانی انتخاب نشده است.".into(),
        )
        .await;
    };
    match actions::set_province(&state, &c, staff.who(), p).await {
        Ok(_) => done(c.tracking_code.as_str(), "placed"),
        Err(e) => {
            let (problems, alert) = problems_of(&e);
            refused(&state, &staff, &raw, e.status, Typed { form: "province".into(), ..Typed::default() }, problems, alert).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CloseFormData {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    back: String,
}

/// `POST /staff/complaints/{code}/escalations/{id}/close`.
pub(super) async fn close_escalation(
    State(state): State<AppState>,
    staff: StaffSession,
    Path((raw, id)): Path<(String, String)>,
    WebForm(f): WebForm<CloseFormData>,
) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    let c = match load(&state, &staff, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(id) = id.trim().parse::<i64>() else {
        return staff.error(&ApiError::bad_request("invalid_path", "the escalation id is a number"), "/staff/escalations");
    };
    match actions::close_escalation(&state, staff.who(), id).await {
        Ok(()) if f.back == "escalations" => (StatusCode::SEE_OTHER, [(header::LOCATION, "/staff/escalations")]).into_response(),
        Ok(()) => done(c.tracking_code.as_str(), "closed"),
        Err(e) => {
            let (problems, alert) = problems_of(&e);
            refused(&state, &staff, &raw, e.status, Typed::default(), problems, alert).await
        }
    }
}

#[derive(Template)]
#[template(path = "staff/print.html")]
struct PrintPage {
    layout: Layout,
    code: String,
    stage: String,
    facts: Vec<(&'static str, String)>,
    description: String,
    business: Option<BusinessCard>,
    history: Vec<HistoryItem>,
    photos: usize,
    printed: String,
}

/// `GET /staff/complaints/{code}/print`: the case file on A4 for the Ta'zirat.
pub(super) async fn print(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>) -> Response {
    let c = match load(&state, &staff, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let events = state.store.events(c.id).await?;
        let photos = state.store.photos(c.id).await?;
        let business = match &c.guild_id {
            Some(id) => state.store.business(id).await?,
            None => None,
        };
        Ok::<_, crate::store::StoreError>((events, photos, business))
    }
    .await;
    match result {
        Ok((events, photos, business)) => {
            actions::audit_read(&state, staff.who(), &c, ReadKind::Print);
            let names = staff_names(&state).await;
            let page = PrintPage {
                layout: staff.layout(&format!("پرونده شکایت {}", c.tracking_code.as_str()), ""),
                code: c.tracking_code.as_str().to_owned(),
                stage: c.stage.label_fa().to_owned(),
                facts: facts(&c, true),
                description: c.description.clone(),
                business: business.map(|b| business_card(&b)),
                history: history(&events, &names),
                photos: photos.len(),
                printed: format::when(time::OffsetDateTime::now_utc()),
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => staff.error(&e.into(), "/staff/queue"),
    }
}

/// `GET /staff/complaints/{code}/photos/{id}`: a photo, for staff of the complaint's province.
pub(super) async fn photo(State(state): State<AppState>, staff: StaffSession, Path((raw, id)): Path<(String, String)>) -> Response {
    let c = match load(&state, &staff, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(photo_id) = uuid::Uuid::parse_str(id.trim()) else {
        return staff.error(&ApiError::new(StatusCode::NOT_FOUND, "photo_not_found", "no such photo"), &format!("/staff/complaints/{raw}"));
    };
    match state.store.photo_bytes(c.id, photo_id).await {
        Ok(Some((content_type, bytes))) => {
            actions::audit_read(&state, staff.who(), &c, ReadKind::Photo);
            crate::routes::photos::photo_bytes_response(&content_type, bytes, photo_id)
        }
        Ok(None) => staff.error(&ApiError::new(StatusCode::NOT_FOUND, "photo_not_found", "no such photo"), &format!("/staff/complaints/{raw}")),
        Err(e) => staff.error(&e.into(), &format!("/staff/complaints/{raw}")),
    }
}

impl MoveForm {
    /// The key of this form in [`Typed::form`].
    pub fn key(&self) -> String {
        format!("move:{}", self.to)
    }
}

impl Typed {
    /// Whether the refused form was `key`.
    pub fn is(&self, key: &str) -> bool {
        self.form == key
    }
}

impl HistoryItem {
    /// The class of the timeline entry.
    pub fn class(&self) -> &'static str {
        if self.internal {
            "internal"
        } else {
            ""
        }
    }
}
