//! The staff console under `/staff/`: the ministry's people work every stage in a browser.
//! Each role gets its queue (filtered to its province), the complaint page with exactly the
//! actions the workflow rules allow it now, operator intake and the triage list of inbound
//! messages, the guild body's answer, the supervisors' escalations, accounts and dashboard,
//! the registry and its stickers, and a printable case file. Every page works without
//! JavaScript; `staff.js` only refreshes the queue live and adds keyboard shortcuts.

mod accounts;
mod auth;
mod complaint;
mod inbound;
mod intake;
mod queue;
mod registry;

pub use complaint::progress;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use samat_core::model::workflow;
use samat_core::model::{Province, Role};

use super::page::{ErrorPage, Layout, NavItem};
use super::session::{cookie, csrf_for, csrf_ok, STAFF_COOKIE};
use super::{assets, format, page};
use crate::actions::StaffWho;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{InboundStatus, Principal};

/// Routes of the console.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(|| async { Redirect::to("/staff/queue") }))
        .route("/staff/", get(|| async { Redirect::to("/staff/queue") }))
        .route("/staff/login", get(auth::login_page).post(auth::login))
        .route("/staff/logout", post(auth::logout))
        .route("/staff/password", get(auth::password_page).post(auth::change_password))
        .route("/staff/queue", get(queue::page))
        .route("/staff/live", get(queue::live))
        .route("/staff/escalations", get(queue::escalations))
        .route("/staff/dashboard", get(queue::dashboard))
        .route("/staff/audit", get(queue::audit))
        .route("/staff/complaints/{tracking_code}", get(complaint::page))
        .route("/staff/complaints/{tracking_code}/move", post(complaint::move_it))
        .route("/staff/complaints/{tracking_code}/note", post(complaint::note))
        .route("/staff/complaints/{tracking_code}/assign", post(complaint::assign))
        .route("/staff/complaints/{tracking_code}/province", post(complaint::province))
        .route("/staff/complaints/{tracking_code}/escalations/{feedback_id}/close", post(complaint::close_escalation))
        .route("/staff/complaints/{tracking_code}/print", get(complaint::print))
        .route("/staff/complaints/{tracking_code}/photos/{photo_id}", get(complaint::photo))
        .route("/staff/intake", get(intake::page).post(intake::file))
        .route("/staff/intake/done/{tracking_code}", get(intake::done))
        .route("/staff/inbound", get(inbound::list))
        .route("/staff/inbound/{id}", get(inbound::show))
        .route("/staff/inbound/{id}/file", post(inbound::file))
        .route("/staff/inbound/{id}/dismiss", post(inbound::dismiss))
        .route("/staff/accounts", get(accounts::list).post(accounts::create))
        .route("/staff/accounts/{id}", get(accounts::edit_page).post(accounts::update))
        .route("/staff/accounts/{id}/password", post(accounts::reset_password))
        .route("/staff/businesses", get(registry::search))
        .route("/staff/businesses/{guild_id}", get(registry::show))
        .route("/staff/businesses/{guild_id}/sticker", get(registry::sticker))
        .route("/staff/businesses/{guild_id}/qr.png", get(registry::qr))
}

/// A logged-in staff member of the console.
#[derive(Debug, Clone)]
pub struct StaffSession {
    /// Staff id.
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// Province (`None`: national).
    pub province: Option<Province>,
    /// The session's secret token (from the cookie).
    pub token: String,
    /// How many inbound messages wait in the triage list, for those who handle it (shown in
    /// the navigation on every page).
    pub waiting: Option<i64>,
}

impl StaffSession {
    /// The staff member as the workflow rules see them.
    pub fn who(&self) -> StaffWho {
        StaffWho { id: self.id, role: self.role, province: self.province }
    }

    /// This session's CSRF token.
    pub fn csrf(&self) -> String {
        csrf_for(&self.token)
    }

    /// Refuses a form whose CSRF token is not this session's (the refusal is the page the
    /// handler answers with, hence a `Response` as the error).
    #[allow(clippy::result_large_err)]
    pub fn check_csrf(&self, given: &str) -> Result<(), Response> {
        if csrf_ok(&self.token, given) {
            Ok(())
        } else {
            Err(ErrorPage::new(
                self.layout("فرم نامعتبر", ""),
                "فرم منقضی شده یا نامعتبر است",
                "این فرم نشانه امنیتی معتبری ندارد (ممکن است صفحه قدیمی باشد یا از جای دیگری فرستاده شده باشد). صفحه را تازه کنید و دوباره بفرستید.",
            )
            .link("/staff/queue", "بازگشت به صف کار")
            .respond(StatusCode::FORBIDDEN))
        }
    }

    /// The layout of a console page titled `title`, with `current` the navigation entry shown.
    pub fn layout(&self, title: &str, current: &str) -> Layout {
        let mut l = Layout::new(title, "کارتابل سامانه ۱۲۴", "/staff/queue", self.csrf());
        let place = self.province.map_or("ستاد", Province::label_fa);
        l.user = Some(format!("{} — {} ({place})", self.username, self.role.label_fa()));
        l.signed_in = true;
        l.logout = Some("/staff/logout");
        l.scripts = vec![assets::url("app.js"), assets::url("staff.js")];
        let mut nav = vec![("/staff/queue", "صف کار", Some("q"))];
        if workflow::may_file_for_others(self.role) {
            nav.push(("/staff/intake", "ثبت شکایت تلفنی", Some("n")));
            nav.push(("/staff/inbound", "پیام‌های ورودی", None));
        }
        if workflow::may_close_escalations(self.role) {
            nav.push(("/staff/escalations", "شکایت از رسیدگی", None));
            nav.push(("/staff/dashboard", "داشبورد", None));
        }
        if workflow::may_manage_staff(self.role) {
            nav.push(("/staff/accounts", "کاربران", None));
            nav.push(("/staff/audit", "دسترسی‌ها", None));
        }
        nav.push(("/staff/businesses", "واحدهای صنفی", Some("b")));
        nav.push(("/staff/password", "تغییر گذرواژه", None));
        let count = |href: &str| match (href, self.waiting) {
            ("/staff/inbound", Some(n)) if n > 0 => Some(format::number(n)),
            _ => None,
        };
        l.nav = nav.into_iter().map(|(href, label, key)| NavItem { href: href.to_owned(), label, current: href == current, key, count: count(href) }).collect();
        l
    }

    /// An error answered as a console page: the Persian message of its code, the right
    /// status, and a way back.
    pub fn error(&self, e: &ApiError, back: &str) -> Response {
        let heading = page::error_heading(e.status);
        ErrorPage::new(self.layout(heading, ""), heading, page::error_words(e)).link(back, "بازگشت").respond(e.status)
    }
}

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, STAFF_COOKIE);
        let principal = match &token {
            Some(t) => state.sessions.resolve(&*state.store, t).await.map_err(|e| e.into_response())?,
            None => None,
        };
        match (principal, token) {
            (Some(Principal::Staff { id, username, role, province }), Some(token)) => {
                // A count the navigation shows is not worth failing a page for.
                let waiting = if workflow::may_file_for_others(role) { state.store.inbound_count(InboundStatus::Triage).await.ok() } else { None };
                Ok(StaffSession { id, username, role, province, token, waiting })
            }
            _ => Err(to_login(parts)),
        }
    }
}

/// Where an anonymous or expired request goes: a page it was reading comes back after login;
/// a form it was posting is explained (what was typed in it cannot be carried over).
fn to_login(parts: &Parts) -> Response {
    let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/staff/queue");
    if parts.method == Method::GET || parts.method == Method::HEAD {
        let target = format!("/staff/login?next={}", percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC));
        return (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
    }
    let layout = Layout::new("نشست پایان یافته", "کارتابل سامانه ۱۲۴", "/staff/queue", String::new());
    ErrorPage::new(layout, "نشست شما پایان یافته است", "برای امنیت، ورود شما منقضی شده یا از آن خارج شده‌اید. دوباره وارد شوید و کار را تکرار کنید.")
        .link("/staff/login", "ورود دوباره")
        .respond(StatusCode::UNAUTHORIZED)
}
