//! Logging in and out of the console, and changing one's password. The login is the API's
//! (Argon2, the same rate limits); the session is a cookie that lasts a working day.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::StaffSession;
use crate::extract::ClientIp;
use crate::passwords;
use crate::routes::auth::{authenticate_staff, principal_of};
use crate::state::AppState;
use crate::web::form::{Problems, WebForm};
use crate::web::page::{error_words, render, Flash, Layout};
use crate::web::session::{add_cookie, csrf_for, csrf_ok, is_https, pre_login_secret, set_cookie, PRE_COOKIE, STAFF_COOKIE};

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    username: String,
    message: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

/// Only the console's own pages are returned to after login (never another site).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/staff/") && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/staff/login") => n.to_owned(),
        _ => "/staff/queue".to_owned(),
    }
}

fn show_login(state: &AppState, headers: &HeaderMap, status: StatusCode, next: String, username: String, message: Option<String>) -> Response {
    let (secret, fresh) = pre_login_secret(headers);
    let layout = Layout::new("ورود کارکنان", "کارتابل سامانه ۱۲۴", "/staff/queue", csrf_for(&secret)).narrow();
    let mut r = render(status, &LoginPage { layout, next, username, message });
    if fresh {
        add_cookie(r.headers_mut(), set_cookie(PRE_COOKIE, &secret, None, is_https(state, headers)));
    }
    r
}

/// `GET /staff/login`.
pub(super) async fn login_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    show_login(&state, &headers, StatusCode::OK, safe_next(q.next.as_deref()), String::new(), None)
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /staff/login`.
pub(super) async fn login(State(state): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, WebForm(f): WebForm<LoginForm>) -> Response {
    let next = safe_next(Some(&f.next));
    let secret = crate::web::session::cookie(&headers, PRE_COOKIE).unwrap_or_default();
    if secret.is_empty() || !csrf_ok(&secret, &f.csrf) {
        let msg = "این فرم منقضی شده است (یا کوکی‌های مرورگر خاموش است). دوباره وارد شوید.".to_owned();
        return show_login(&state, &headers, StatusCode::FORBIDDEN, next, f.username, Some(msg));
    }
    match authenticate_staff(&state, &f.username, f.password, ip).await {
        Ok(account) => match state.sessions.create_for(&*state.store, principal_of(&account), state.settings.staff_session_ttl).await {
            Ok(token) => {
                let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
                let max_age = state.settings.staff_session_ttl.as_secs() as i64;
                add_cookie(r.headers_mut(), set_cookie(STAFF_COOKIE, &token, Some(max_age), is_https(&state, &headers)));
                r
            }
            Err(e) => show_login(&state, &headers, e.status, next, f.username, Some(error_words(&e))),
        },
        Err(e) => show_login(&state, &headers, e.status, next, f.username, Some(error_words(&e))),
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /staff/logout`.
pub(super) async fn logout(State(state): State<AppState>, staff: StaffSession, headers: HeaderMap, WebForm(f): WebForm<CsrfOnly>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    if let Err(e) = state.sessions.revoke(&*state.store, &staff.token).await {
        return staff.error(&e, "/staff/queue");
    }
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/staff/login")]).into_response();
    add_cookie(r.headers_mut(), set_cookie(STAFF_COOKIE, "", Some(0), is_https(&state, &headers)));
    r
}

#[derive(Template)]
#[template(path = "staff/password.html")]
struct PasswordPage {
    layout: Layout,
    problems: Problems,
    min_chars: usize,
}

/// `GET /staff/password`.
pub(super) async fn password_page(staff: StaffSession) -> Response {
    let layout = staff.layout("تغییر گذرواژه", "/staff/password").narrow();
    render(StatusCode::OK, &PasswordPage { layout, problems: Problems::none(), min_chars: passwords::MIN_PASSWORD_CHARS })
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// `POST /staff/password`: the current password, then the new one twice.
pub(super) async fn change_password(State(state): State<AppState>, staff: StaffSession, ClientIp(ip): ClientIp, WebForm(f): WebForm<PasswordForm>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    let mut problems = Problems::none();
    if let Some(p) = password_problem(&f.new) {
        problems.add("new", p);
    } else if f.new != f.repeat {
        problems.add("repeat", "تکرار گذرواژه با خودِ آن یکی نیست.");
    }
    if !problems.any() {
        match authenticate_staff(&state, &staff.username, f.current, ip).await {
            Ok(_) => {}
            Err(e) if e.code == "invalid_credentials" => problems.add("current", "گذرواژه کنونی درست نیست."),
            Err(e) => return staff.error(&e, "/staff/password"),
        }
    }
    if problems.any() {
        let layout = staff.layout("تغییر گذرواژه", "/staff/password").narrow();
        return render(StatusCode::UNPROCESSABLE_ENTITY, &PasswordPage { layout, problems, min_chars: passwords::MIN_PASSWORD_CHARS });
    }
    let result = match passwords::hash(&f.new) {
        Ok(hash) => state.store.set_staff_password(staff.id, &hash, Some(crate::sessions::token_hash(&staff.token))).await.map_err(Into::into),
        Err(e) => Err(crate::error::ApiError::internal(e)),
    };
    match result {
        Ok(_) => {
            state.sessions.forget_staff(staff.id);
            let layout = staff
                .layout("تغییر گذرواژه", "/staff/password")
                .narrow()
                .with_flash(Some(Flash { kind: "ok", text: "گذرواژه شما تغییر کرد.".into() }));
            render(StatusCode::OK, &PasswordPage { layout, problems: Problems::none(), min_chars: passwords::MIN_PASSWORD_CHARS })
        }
        Err(e) => staff.error(&e, "/staff/password"),
    }
}

/// What is wrong with a new password, in Persian, if anything.
pub(super) fn password_problem(password: &str) -> Option<String> {
    if password.chars().count() < passwords::MIN_PASSWORD_CHARS {
        return Some(format!("گذرواژه دست‌کم {} نویسه است.", samat_core::model::text::persian_digits(&passwords::MIN_PASSWORD_CHARS.to_string())));
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_console_pages_are_returned_to_after_login() {
        for (next, expected) in [
            (Some("/staff/complaints/4013016562"), "/staff/complaints/4013016562"),
            (Some("/staff/queue?holding=mine"), "/staff/queue?holding=mine"),
            (Some("https://evil.example/staff/"), "/staff/queue"),
            (Some("//evil.example/staff/"), "/staff/queue"),
            (Some("/staff/login?next=/x"), "/staff/queue"),
            (Some("/v1/staff/queue"), "/staff/queue"),
            (None, "/staff/queue"),
        ] {
            assert_eq!(super::safe_next(next), expected, "{next:?}");
        }
    }
}
