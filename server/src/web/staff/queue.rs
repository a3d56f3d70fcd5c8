//! The queue of each role (its stages, its province), with "mine / unassigned / all",
//! filters, one search box (tracking code, phone, business ID or name), pages, and a live
//! refresh; the supervisors' escalations and dashboard.

use std::time::Duration;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use samat_core::model::deadlines::{ServiceStandards, Standing};
use samat_core::model::guild::normalize_guild_id;
use samat_core::model::text::{ascii_digits, persian_digits, search_key};
use samat_core::model::workflow::{self, queue_stages};
use samat_core::model::{Category, Channel, PhoneNumber, Province, Stage, TrackingCode};
use serde::Deserialize;
use time::OffsetDateTime;

use super::StaffSession;
use crate::error::ApiError;
use crate::routes::staff::due_filter;
use crate::state::AppState;
use crate::store::{Holding, QueueFilter, QueueRow, QueueSearch};
use crate::web::form::Opt;
use crate::web::format;
use crate::web::page::{render, Layout};

/// Rows per page.
pub const PAGE_ROWS: i64 = 50;

fn options<T: Copy + PartialEq>(
    all: impl IntoIterator<Item = T>,
    chosen: Option<T>,
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<Opt> {
    all.into_iter().map(|t| Opt { value: value(t).to_owned(), label: label(t).to_owned(), selected: chosen == Some(t) }).collect()
}

/// A row of the queue as shown.
pub struct Row {
    /// Tracking code.
    pub code: String,
    /// The complaint's page.
    pub href: String,
    /// Category, in Persian.
    pub category: String,
    /// The business's name (or its ID).
    pub business: String,
    pub city: String,
    /// Channel, in Persian.
    pub channel: String,
    /// Stage, in Persian.
    pub stage: String,
    /// Time in stage: «۳ روز».
    pub age: String,
    /// Who holds it.
    pub holder: String,
    /// Province, in Persian.
    pub province: String,
    /// The stage's last working day: «۱۴۰۴/۰۹/۰۴» (empty for a stage without a clock).
    pub due: String,
    /// Badges: (class, words).
    pub badges: Vec<(&'static str, String)>,
}

impl Row {
    /// A queue row as the console shows it, flagged when its stage is overdue or due soon.
    pub fn of(r: &QueueRow, standards: &ServiceStandards, now: OffsetDateTime) -> Row {
        let c = &r.complaint;
        let clock = crate::views::clock(c, standards, now);
        let mut badges = Vec::new();
        match clock.map(|(_, s)| s) {
            Some(s @ (Standing::Overdue | Standing::RaiseToSupervisors)) => badges.push(("warn", s.label_fa().to_owned())),
            Some(Standing::DueSoon) => badges.push(("info", Standing::DueSoon.label_fa().to_owned())),
            _ => {}
        }
        if c.wants_compensation {
            badges.push(("info", "مطالبه خسارت".to_owned()));
        }
        if c.business_known == Some(false) {
            badges.push(("warn", "شناسه صنفی در سامانه نیست".to_owned()));
        }
        if let Some(e) = &r.escalation {
            badges.push(("warn", format!("شکایت از رسیدگی، امتیاز {}", persian_digits(&e.rating.to_string()))));
        }
        Row {
            code: c.tracking_code.as_str().to_owned(),
            href: format!("/staff/complaints/{}", c.tracking_code.as_str()),
            category: c.category.label_fa().to_owned(),
            business: c.business_name.clone().or_else(|| c.guild_id.as_deref().map(persian_digits)).unwrap_or_else(|| "—".into()),
            city: c.city.clone().unwrap_or_else(|| "—".into()),
            channel: c.channel.label_fa().to_owned(),
            stage: c.stage.label_fa().to_owned(),
            age: format::age((now - c.stage_since).whole_seconds()),
            holder: r.holder.clone().unwrap_or_else(|| "—".into()),
            province: c.province.map_or("نامشخص", Province::label_fa).to_owned(),
            due: clock.map(|(d, _)| format::day(d.due_day)).unwrap_or_default(),
            badges,
        }
    }
}

/// The deadline filters of the queue: (value, label).
const DUE_FILTERS: [(&str, &str); 2] = [("overdue", "گذشته از مهلت"), ("soon", "گذشته یا نزدیک به پایان مهلت")];

/// The query of the queue page (every filter optional; empty means "any").
#[derive(Debug, Default, Deserialize)]
pub(super) struct QueueQuery {
    #[serde(default)]
    holding: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

/// Tells apart what was typed in the one search box: a tracking code, a phone number, a
/// business ID, or part of a business's name.
pub fn parse_search(q: &str) -> Option<QueueSearch> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    if let Ok(code) = TrackingCode::parse(q) {
        return Some(QueueSearch::TrackingCode(code));
    }
    if let Ok(phone) = PhoneNumber::parse(q) {
        return Some(QueueSearch::Phone(phone));
    }
    if let Some(id) = normalize_guild_id(q) {
        return Some(QueueSearch::GuildId(id));
    }
    let key = search_key(q);
    (!key.is_empty()).then_some(QueueSearch::BusinessName(key))
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    layout: Layout,
    tabs: Vec<(String, &'static str, bool)>,
    stages: Vec<Opt>,
    categories: Vec<Opt>,
    channels: Vec<Opt>,
    provinces: Vec<Opt>,
    dues: Vec<Opt>,
    national: bool,
    holding: String,
    city: String,
    q: String,
    rows: Vec<Row>,
    total: String,
    page_label: String,
    prev: Option<String>,
    next: Option<String>,
    seen: i64,
    searched: Option<String>,
    filtered: bool,
}

fn query_string(q: &QueueQuery, holding: &str, page: i64) -> String {
    let pairs = [
        ("holding", holding),
        ("stage", q.stage.as_str()),
        ("category", q.category.as_str()),
        ("channel", q.channel.as_str()),
        ("city", q.city.as_str()),
        ("province", q.province.as_str()),
        ("due", q.due.as_str()),
        ("q", q.q.as_str()),
    ];
    let mut out: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v.trim(), percent_encoding::NON_ALPHANUMERIC)))
        .collect();
    if page > 1 {
        out.push(format!("page={page}"));
    }
    if out.is_empty() {
        "/staff/queue".to_owned()
    } else {
        format!("/staff/queue?{}", out.join("&"))
    }
}

/// `GET /staff/queue`.
pub(super) async fn page(State(state): State<AppState>, staff: StaffSession, Query(q): Query<QueueQuery>) -> Response {
    let role_stages = queue_stages(staff.role);
    let stage = Stage::from_wire(q.stage.trim()).filter(|s| role_stages.contains(s));
    let category = Category::from_wire(q.category.trim());
    let channel = Channel::from_wire(q.channel.trim());
    let asked_province = Province::from_wire(q.province.trim());
    let holding = match q.holding.trim() {
        "mine" => Holding::Mine(staff.id),
        "unassigned" => Holding::Unassigned,
        _ => Holding::Any,
    };
    let holding_name = match holding {
        Holding::Mine(_) => "mine",
        Holding::Unassigned => "unassigned",
        Holding::Any => "all",
    };
    let page_no = ascii_digits(q.page.trim()).parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let now = OffsetDateTime::now_utc();
    let due = DUE_FILTERS.iter().map(|(name, _)| *name).find(|name| *name == q.due.trim());
    let due_by = due.and_then(|d| due_filter(d, &state.settings.standards, now));
    let search = parse_search(&q.q);
    let filter = QueueFilter {
        stages: stage.map_or_else(|| role_stages.to_vec(), |s| vec![s]),
        province: staff.province.or(asked_province),
        category,
        channel,
        city: Some(search_key(&q.city)).filter(|c| !c.is_empty()),
        holding,
        search: search.clone(),
        due_by,
        limit: PAGE_ROWS,
        offset: (page_no - 1) * PAGE_ROWS,
    };
    let seen = state.hub.staff_changes();
    let result = state.store.queue(filter).await;
    let page = match result {
        Ok(p) => p,
        Err(e) => return staff.error(&ApiError::from(e), "/staff/queue"),
    };
    let pages = (page.total + PAGE_ROWS - 1) / PAGE_ROWS;
    let tabs = [("mine", "کارهای من"), ("unassigned", "بدون مسئول"), ("all", "همه")]
        .into_iter()
        .map(|(h, label)| (query_string(&q, h, 1), label, h == holding_name))
        .collect();
    let searched = search.map(|s| match s {
        QueueSearch::TrackingCode(c) => format!("کد رهگیری {}", c.as_str()),
        QueueSearch::Phone(p) => format!("شماره همراه {}", p.masked()),
        QueueSearch::GuildId(g) => format!("شناسه صنفی {}", persian_digits(&g)),
        QueueSearch::BusinessName(_) => format!("نام واحد صنفی «{}»", q.q.trim()),
    });
    let body = QueuePage {
        layout: staff.layout("صف کار", "/staff/queue"),
        tabs,
        stages: options(role_stages.iter().copied(), stage, Stage::wire_name, Stage::label_fa),
        categories: options(Category::ALL, category, Category::wire_name, Category::label_fa),
        channels: options(Channel::ALL, channel, Channel::wire_name, Channel::label_fa),
        provinces: options(Province::ALL, asked_province, Province::wire_name, Province::label_fa),
        dues: DUE_FILTERS.iter().map(|(v, l)| Opt { value: (*v).to_owned(), label: (*l).to_owned(), selected: due == Some(*v) }).collect(),
        national: staff.province.is_none(),
        holding: holding_name.to_owned(),
        city: q.city.trim().to_owned(),
        q: q.q.trim().to_owned(),
        // The store's order: the soonest due first, so the overdue lead on every page.
        rows: page.rows.iter().map(|r| Row::of(r, &state.settings.standards, now)).collect(),
        total: format::number(page.total),
        page_label: format!("صفحه {} از {}", format::number(page_no), format::number(pages.max(1))),
        prev: (page_no > 1).then(|| query_string(&q, holding_name, page_no - 1)),
        next: (page_no < pages).then(|| query_string(&q, holding_name, page_no + 1)),
        seen,
        searched,
        filtered: stage.is_some() || category.is_some() || channel.is_some() || asked_province.is_some() || due.is_some() || !q.city.trim().is_empty(),
    };
    render(StatusCode::OK, &body)
}

#[derive(Deserialize)]
pub(super) struct LiveQuery {
    seen: Option<i64>,
}

/// `GET /staff/live?seen=N`: answers `{"changes": M}` as soon as anything a queue shows
/// changed since `N` (or after 25 seconds), for the page's script to refresh the queue.
pub(super) async fn live(State(state): State<AppState>, _staff: StaffSession, Query(q): Query<LiveQuery>) -> Response {
    let seen = q.seen.unwrap_or(0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
    let changes = state.hub.wait_staff(seen, deadline).await;
    Json(serde_json::json!({ "changes": changes })).into_response()
}

#[derive(Template)]
#[template(path = "staff/escalations.html")]
struct EscalationsPage {
    layout: Layout,
    items: Vec<Escalation>,
    total: String,
    prev: Option<String>,
    next: Option<String>,
}

struct Escalation {
    row: Row,
    feedback_id: i64,
    rating: String,
    comment: String,
    at: String,
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    #[serde(default)]
    page: String,
}

/// `GET /staff/escalations`: the complaints about the handling still open (supervisors).
pub(super) async fn escalations(State(state): State<AppState>, staff: StaffSession, Query(q): Query<PageQuery>) -> Response {
    if !workflow::may_close_escalations(staff.role) {
        return staff.error(&ApiError::forbidden("role_not_allowed", "supervisors only"), "/staff/queue");
    }
    let page_no = ascii_digits(q.page.trim()).parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let page = match state.store.escalations(staff.province, PAGE_ROWS, (page_no - 1) * PAGE_ROWS).await {
        Ok(p) => p,
        Err(e) => return staff.error(&ApiError::from(e), "/staff/queue"),
    };
    let now = OffsetDateTime::now_utc();
    let items = page
        .rows
        .iter()
        .filter_map(|r| {
            let f = r.escalation.as_ref()?;
            Some(Escalation {
                row: Row::of(r, &state.settings.standards, now),
                feedback_id: f.id,
                rating: format!("{} از ۵", persian_digits(&f.rating.to_string())),
                comment: f.comment.clone().unwrap_or_default(),
                at: format::when(f.at),
            })
        })
        .collect();
    let pages = (page.total + PAGE_ROWS - 1) / PAGE_ROWS;
    let body = EscalationsPage {
        layout: staff.layout("شکایت از رسیدگی", "/staff/escalations"),
        items,
        total: format::number(page.total),
        prev: (page_no > 1).then(|| format!("/staff/escalations?page={}", page_no - 1)),
        next: (page_no < pages).then(|| format!("/staff/escalations?page={}", page_no + 1)),
    };
    render(StatusCode::OK, &body)
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    stages: Vec<&'static str>,
    rows: Vec<(String, Vec<String>, String)>,
    totals: Vec<String>,
    total: String,
    /// When the overdue digest was made, if it was.
    digest_made: Option<String>,
    /// The digest: (province, overdue, raised, [(code, href, «مرحله، مهلت ۱۴۰۴/۰۹/۰۴»)]).
    digest: Vec<DigestRow>,
    /// Inbound messages waiting in the triage list (shown to those who handle it).
    inbound_waiting: Option<String>,
}

/// One province of the overdue digest: its name, counts, and its most overdue complaints.
type DigestRow = (String, String, String, Vec<(String, String, String)>);

/// `GET /staff/dashboard`: open complaints per stage and province (supervisors; a provincial
/// supervisor sees their province).
pub(super) async fn dashboard(State(state): State<AppState>, staff: StaffSession) -> Response {
    if !workflow::may_close_escalations(staff.role) {
        return staff.error(&ApiError::forbidden("role_not_allowed", "supervisors only"), "/staff/queue");
    }
    let stages: Vec<Stage> = Stage::open_stages().collect();
    let counts = match state.store.stage_counts(&stages).await {
        Ok(c) => c,
        Err(e) => return staff.error(&ApiError::from(e), "/staff/queue"),
    };
    let provinces: Vec<Option<Province>> = match staff.province {
        Some(p) => vec![Some(p)],
        None => Province::ALL.into_iter().map(Some).chain([None]).collect(),
    };
    let count = |stage: Stage, province: Option<Province>| counts.iter().filter(|c| c.stage == stage && c.province == province).map(|c| c.count).sum::<i64>();
    let rows = provinces
        .iter()
        .map(|&p| {
            let cells: Vec<i64> = stages.iter().map(|&s| count(s, p)).collect();
            let sum: i64 = cells.iter().sum();
            (p.map_or("نامشخص", Province::label_fa).to_owned(), cells.into_iter().map(format::number).collect(), format::number(sum))
        })
        .collect();
    let totals: Vec<i64> = stages.iter().map(|&s| provinces.iter().map(|&p| count(s, p)).sum()).collect();
    let (digest_made, digest) = {
        let latest = state.overdue.read().unwrap_or_else(|e| e.into_inner());
        match latest.as_ref() {
            Some(d) => (
                Some(format::when(d.made_at)),
                d.for_supervisor(staff.province)
                    .into_iter()
                    .map(|(p, pd)| {
                        let items = pd
                            .items
                            .iter()
                            .map(|i| {
                                let code = i.tracking_code.as_str().to_owned();
                                (code.clone(), format!("/staff/complaints/{code}"), format!("{}، مهلت {}", i.stage.label_fa(), format::day(i.due_day)))
                            })
                            .collect();
                        (p.map_or("نامشخص", Province::label_fa).to_owned(), format::number(pd.overdue), format::number(pd.raised), items)
                    })
                    .collect(),
            ),
            None => (None, Vec::new()),
        }
    };
    let body = DashboardPage {
        inbound_waiting: staff.waiting.filter(|_| workflow::may_file_for_others(staff.role)).map(format::number),
        digest_made,
        digest,
        layout: staff.layout("داشبورد", "/staff/dashboard"),
        stages: stages.iter().map(|s| s.label_fa()).collect(),
        rows,
        total: format::number(totals.iter().sum()),
        totals: totals.into_iter().map(format::number).collect(),
    };
    render(StatusCode::OK, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_search_box_tells_codes_phones_ids_and_names_apart() {
        let code = TrackingCode::generate(&mut rand::thread_rng());
        assert_eq!(parse_search(code.as_str()), Some(QueueSearch::TrackingCode(code)));
        assert_eq!(parse_search("۰۹۱۲ ۱۲۳ ۴۵۶۷"), Some(QueueSearch::Phone(PhoneNumber::parse("09121234567").unwrap())));
        assert_eq!(parse_search("۱۰۰۱۰۰۱۰۰۱۱"), Some(QueueSearch::GuildId("10010010011".into())));
        assert_eq!(parse_search("سوپرماركت  نمونه"), Some(QueueSearch::BusinessName(search_key("سوپرمارکت نمونه"))));
        assert_eq!(parse_search("  "), None);
        assert_eq!(parse_search("--"), None);
    }
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    layout: Layout,
    code: String,
    username: String,
    rows: Vec<(String, String, String, &'static str)>,
    next: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct AuditQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    before: String,
}

/// `GET /staff/audit`: who read which complaint's personal data (supervisors).
pub(super) async fn audit(State(state): State<AppState>, staff: StaffSession, Query(q): Query<AuditQuery>) -> Response {
    if !workflow::may_manage_staff(staff.role) {
        return staff.error(&ApiError::forbidden("role_not_allowed", "supervisors only"), "/staff/queue");
    }
    let mut message = None;
    let tracking_code = match q.code.trim() {
        "" => None,
        raw => match TrackingCode::parse(raw) {
            Ok(c) => Some(c),
            Err(_) => {
                message = Some("کد رهگیری درست نیست.".to_owned());
                None
            }
        },
    };
    let staff_id = match q.username.trim() {
        "" => None,
        name => match state.store.find_staff(&name.to_lowercase()).await {
            Ok(Some(s)) => Some(s.id),
            Ok(None) => {
                message = Some("کاربری با این نام نیست.".to_owned());
                Some(-1)
            }
            Err(e) => return staff.error(&e.into(), "/staff/audit"),
        },
    };
    let before = ascii_digits(q.before.trim()).parse::<i64>().ok();
    let filter = crate::store::AuditFilter { tracking_code, staff_id, province: staff.province, before, limit: PAGE_ROWS * 2 };
    let entries = match state.store.audit(filter).await {
        Ok(e) => e,
        Err(e) => return staff.error(&e.into(), "/staff/audit"),
    };
    let next = (entries.len() as i64 == PAGE_ROWS * 2).then(|| {
        let last = entries.last().map_or(0, |e| e.id);
        format!("/staff/audit?code={}&username={}&before={last}", q.code.trim(), q.username.trim())
    });
    let rows = entries.into_iter().map(|a| (format::when(a.at), a.username, a.tracking_code.as_str().to_owned(), a.what.label_fa())).collect();
    let page = AuditPage {
        layout: staff.layout("دسترسی به پرونده‌ها", "/staff/audit"),
        code: q.code.trim().to_owned(),
        username: q.username.trim().to_owned(),
        rows,
        next,
        message,
    };
    render(StatusCode::OK, &page)
}
