//! The citizens' portal (the www.124.ir channel): file a complaint from any phone browser
//! (phone number → SMS code → the form; the shop by its ID or by a photo of its guild
//! barcode), follow it without logging in by code and phone, and, logged in, see one's
//! complaints, answer the business in self-regulation, withdraw, complain about the handling,
//! and get notified in the browser (an installable web app with Web Push). Server-rendered,
//! works without JavaScript; `portal.js` keeps what is typed in the browser until it is
//! filed, reads barcodes as soon as the photo is taken, and subscribes to pushes.

mod auth;
mod complaint;
mod file;
mod view;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use samat_core::model::PhoneNumber;

use super::page::{render, ErrorPage, Layout, NavItem};
use super::session::{cookie, csrf_for, csrf_ok, pre_login_secret, CITIZEN_COOKIE};
use super::{assets, page};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Principal;

/// Routes of the portal.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(auth::phone_page_route).post(auth::send_code))
        .route("/login/code", get(auth::code_page_route).post(auth::verify))
        .route("/logout", post(auth::logout))
        .route("/file", get(file::form).post(file::submit).layer(axum::extract::DefaultBodyLimit::max(file::MAX_FORM_BYTES)))
        .route("/filed/{tracking_code}", get(file::filed))
        .route("/track", get(complaint::track_page).post(complaint::track))
        .route("/my", get(complaint::mine))
        .route("/my/complaints/{tracking_code}", get(complaint::page))
        .route("/my/complaints/{tracking_code}/decision", post(complaint::decide))
        .route("/my/complaints/{tracking_code}/withdraw", post(complaint::withdraw))
        .route("/my/complaints/{tracking_code}/feedback", post(complaint::feedback))
        .route("/my/complaints/{tracking_code}/photos/{photo_id}", get(complaint::photo))
}

/// A logged-in citizen of the portal.
#[derive(Debug, Clone)]
pub struct CitizenSession {
    /// The phone they verified.
    pub phone: PhoneNumber,
    /// The session's secret token (from the cookie).
    pub token: String,
}

impl CitizenSession {
    /// Refuses a form whose CSRF token is not this session's.
    #[allow(clippy::result_large_err)]
    pub fn check_csrf(&self, given: &str) -> Result<(), Response> {
        if csrf_ok(&self.token, given) {
            Ok(())
        } else {
            Err(ErrorPage::new(
                layout(Some(self), "فرم نامعتبر", ""),
                "فرم منقضی شده یا نامعتبر است",
                "این فرم نشانه امنیتی معتبری ندارد (شاید صفحه قدیمی بوده). صفحه را تازه کنید و دوباره بفرستید.",
            )
            .link("/my", "شکایت‌های من")
            .respond(StatusCode::FORBIDDEN))
        }
    }
}

/// The portal's layout, for `who` (if logged in), with `current` the navigation entry shown.
pub fn layout(who: Option<&CitizenSession>, title: &str, current: &str) -> Layout {
    let csrf = who.map(|w| csrf_for(&w.token)).unwrap_or_default();
    let mut l = Layout::new(title, "سامانه ۱۲۴", "/", csrf);
    l.portal = true;
    l.main_class = "narrow";
    l.scripts = vec![assets::url("app.js"), assets::url("portal.js")];
    let mut nav = vec![("/file", "ثبت شکایت"), ("/track", "پیگیری"), ("/my", "شکایت‌های من")];
    if who.is_none() {
        nav.push(("/login", "ورود"));
    }
    l.nav = nav.into_iter().map(|(href, label)| NavItem { href: href.to_owned(), label, current: href == current, key: None, count: None }).collect();
    if let Some(w) = who {
        l.user = Some(w.phone.national());
        l.signed_in = true;
        l.logout = Some("/logout");
    }
    l
}

/// A pre-login layout with its own CSRF secret (the cookie to set, when new).
pub fn anonymous_layout(headers: &HeaderMap, title: &str, current: &str) -> (Layout, Option<String>) {
    let (secret, fresh) = pre_login_secret(headers);
    let mut l = layout(None, title, current);
    l.csrf = csrf_for(&secret);
    (l, fresh.then_some(secret))
}

/// Who is logged in on the portal, if anyone (an expired or revoked session counts as nobody).
pub async fn who(state: &AppState, headers: &HeaderMap) -> Option<CitizenSession> {
    let token = cookie(headers, CITIZEN_COOKIE)?;
    match state.sessions.resolve(&*state.store, &token).await {
        Ok(Some(Principal::Citizen { phone })) => Some(CitizenSession { phone, token }),
        _ => None,
    }
}

impl FromRequestParts<AppState> for CitizenSession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(w) = who(state, &parts.headers).await {
            return Ok(w);
        }
        let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/my");
        if parts.method == Method::GET || parts.method == Method::HEAD {
            let target = format!("/login?next={}", percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC));
            return Err((StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response());
        }
        Err(ErrorPage::new(
            layout(None, "ورود لازم است", ""),
            "لطفاً دوباره وارد شوید",
            "ورود شما منقضی شده یا از آن خارج شده‌اید. با شماره همراه و کد پیامکی دوباره وارد شوید؛ چیزی از دست نمی‌رود.",
        )
        .link(format!("/login?next={}", percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)), "ورود دوباره")
        .respond(StatusCode::UNAUTHORIZED))
    }
}

/// An error answered as a portal page.
pub fn error_page(who: Option<&CitizenSession>, e: &ApiError, back: &str) -> Response {
    let heading = page::error_heading(e.status);
    ErrorPage::new(layout(who, heading, ""), heading, page::error_words(e)).link(back, "بازگشت").respond(e.status)
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    layout: Layout,
    categories: Vec<(&'static str, &'static str)>,
}

/// `GET /`: what the service is and the three ways in.
async fn home(axum::extract::State(state): axum::extract::State<AppState>, headers: HeaderMap) -> Response {
    let who = who(&state, &headers).await;
    let categories = samat_core::model::Category::ALL.iter().map(|c| (c.label_fa(), c.explanation_fa())).collect();
    render(StatusCode::OK, &HomePage { layout: layout(who.as_ref(), "ثبت و پیگیری شکایت از تخلفات صنفی", "/"), categories })
}

/// Only the portal's own pages are returned to after login (never another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/login") && !n.starts_with("/staff") => n.to_owned(),
        _ => "/my".to_owned(),
    }
}

/// Whether a CSRF token given with a pre-login form is this browser's.
pub fn pre_login_ok(headers: &HeaderMap, given: &str) -> bool {
    cookie(headers, super::session::PRE_COOKIE).is_some_and(|secret| csrf_ok(&secret, given))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_portal_pages_are_returned_to_after_login() {
        for (next, expected) in [
            (Some("/file?guild_id=10010010011"), "/file?guild_id=10010010011"),
            (Some("/my/complaints/4013016562"), "/my/complaints/4013016562"),
            (Some("https://evil.example/"), "/my"),
            (Some("//evil.example/"), "/my"),
            (Some("/login/code"), "/my"),
            (Some("/staff/queue"), "/my"),
            (None, "/my"),
        ] {
            assert_eq!(super::safe_next(next), expected, "{next:?}");
        }
    }
}
