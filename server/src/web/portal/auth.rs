//! Logging in on the portal: a mobile number, then the six-digit code sent to it by SMS (the
//! API's own codes, limits and sessions). The number waits between the two pages in a cookie,
//! never in a URL.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::labels::error_message_fa;
use samat_core::model::PhoneNumber;
use serde::Deserialize;

use super::{anonymous_layout, pre_login_ok, safe_next, CitizenSession};
use crate::extract::ClientIp;
use crate::routes::auth::{send_login_code, verify_login_code};
use crate::state::AppState;
use crate::web::form::{Problems, WebForm};
use crate::web::page::{error_words, render, Layout};
use crate::web::session::{add_cookie, cookie, is_https, set_cookie, CITIZEN_COOKIE, PRE_COOKIE};

/// The cookie that carries the phone from the number page to the code page.
const LOGIN_PHONE: &str = "samat_login_phone";

#[derive(Template)]
#[template(path = "portal/login.html")]
struct PhonePage {
    layout: Layout,
    next: String,
    phone: String,
    problems: Problems,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/code.html")]
struct CodePage {
    layout: Layout,
    next: String,
    phone: String,
    masked: String,
    problems: Problems,
    can_resend: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct NextQuery {
    #[serde(default)]
    next: String,
}

fn with_pre_cookie(state: &AppState, headers: &HeaderMap, mut r: Response, fresh: Option<String>) -> Response {
    if let Some(secret) = fresh {
        add_cookie(r.headers_mut(), set_cookie(PRE_COOKIE, &secret, None, is_https(state, headers)));
    }
    r
}

fn phone_page(state: &AppState, headers: &HeaderMap, status: StatusCode, next: String, phone: String, problems: Problems, notice: Option<String>) -> Response {
    let (layout, fresh) = anonymous_layout(headers, "ورود با شماره همراه", "/login");
    let r = render(status, &PhonePage { layout, next, phone, problems, notice });
    with_pre_cookie(state, headers, r, fresh)
}

/// `GET /login`.
pub(super) async fn phone_page_route(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    phone_page(&state, &headers, StatusCode::OK, safe_next(Some(&q.next)), String::new(), Problems::none(), None)
}

#[derive(Deserialize)]
pub(super) struct PhoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    phone: String,
}

/// `POST /login`: sends the code and goes to the code page.
pub(super) async fn send_code(State(state): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, WebForm(f): WebForm<PhoneForm>) -> Response {
    let next = safe_next(Some(&f.next));
    let mut problems = Problems::none();
    if !pre_login_ok(&headers, &f.csrf) {
        problems.add("phone", "این فرم منقضی شده است (یا کوکی‌های مرورگر خاموش است). دوباره بفرستید.");
        return phone_page(&state, &headers, StatusCode::FORBIDDEN, next, f.phone, problems, None);
    }
    let phone = match PhoneNumber::parse(&f.phone) {
        Ok(p) => p,
        Err(e) => {
            problems.add("phone", error_message_fa(e.code()));
            return phone_page(&state, &headers, StatusCode::UNPROCESSABLE_ENTITY, next, f.phone, problems, None);
        }
    };
    match send_login_code(&state, &phone, ip).await {
        Ok(_) => {
            let target = format!("/login/code?next={}", percent_encoding::utf8_percent_encode(&next, percent_encoding::NON_ALPHANUMERIC));
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
            add_cookie(r.headers_mut(), set_cookie(LOGIN_PHONE, &phone.national(), Some(15 * 60), is_https(&state, &headers)));
            r
        }
        Err(e) => {
            problems.add("phone", error_words(&e));
            phone_page(&state, &headers, e.status, next, f.phone, problems, None)
        }
    }
}

fn code_page(state: &AppState, headers: &HeaderMap, status: StatusCode, next: String, phone: &PhoneNumber, problems: Problems, can_resend: bool) -> Response {
    let (layout, fresh) = anonymous_layout(headers, "کد پیامکی", "/login");
    let masked = samat_core::model::text::persian_digits(&format!("{}***{}", &phone.national()[..4], &phone.national()[8..]));
    let r = render(status, &CodePage { layout, next, phone: phone.national(), masked, problems, can_resend });
    with_pre_cookie(state, headers, r, fresh)
}

/// `GET /login/code`.
pub(super) async fn code_page_route(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(Some(&q.next));
    match cookie(&headers, LOGIN_PHONE).and_then(|p| PhoneNumber::parse(&p).ok()) {
        Some(phone) => code_page(&state, &headers, StatusCode::OK, next, &phone, Problems::none(), false),
        None => phone_page(
            &state,
            &headers,
            StatusCode::OK,
            next,
            String::new(),
            Problems::none(),
            Some("شماره همراه خود را وارد کنید تا کد ورود برایتان پیامک شود.".into()),
        ),
    }
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    code: String,
}

/// `POST /login/code`: checks the code and opens the session.
pub(super) async fn verify(State(state): State<AppState>, headers: HeaderMap, WebForm(f): WebForm<CodeForm>) -> Response {
    let next = safe_next(Some(&f.next));
    let Some(phone) = cookie(&headers, LOGIN_PHONE).and_then(|p| PhoneNumber::parse(&p).ok()) else {
        let notice = Some("زمان این مرحله گذشته است. شماره همراه را دوباره وارد کنید.".to_owned());
        return phone_page(&state, &headers, StatusCode::UNPROCESSABLE_ENTITY, next, String::new(), Problems::none(), notice);
    };
    let mut problems = Problems::none();
    if !pre_login_ok(&headers, &f.csrf) {
        problems.add("code", "این فرم منقضی شده است. دوباره بفرستید.");
        return code_page(&state, &headers, StatusCode::FORBIDDEN, next, &phone, problems, false);
    }
    match verify_login_code(&state, &phone, &f.code).await {
        Ok(token) => {
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
            let https = is_https(&state, &headers);
            add_cookie(r.headers_mut(), set_cookie(CITIZEN_COOKIE, &token, Some(state.settings.session_ttl.as_secs() as i64), https));
            add_cookie(r.headers_mut(), set_cookie(LOGIN_PHONE, "", Some(0), https));
            r
        }
        Err(e) => {
            let message = match e.code {
                "wrong_code" => {
                    let left: String = e.detail.chars().filter(char::is_ascii_digit).collect();
                    format!("کد درست نیست. {} بار دیگر می‌توانید امتحان کنید.", samat_core::model::text::persian_digits(&left))
                }
                "code_expired" => "این کد منقضی شده یا پیش‌تر به کار رفته است. کد تازه بگیرید.".to_owned(),
                "too_many_attempts" => "کد چند بار اشتباه وارد شد و دیگر پذیرفته نمی‌شود. کد تازه بگیرید.".to_owned(),
                _ => error_words(&e),
            };
            let resend = matches!(e.code, "code_expired" | "too_many_attempts");
            problems.add("code", message);
            code_page(&state, &headers, e.status, next, &phone, problems, resend)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`.
pub(super) async fn logout(State(state): State<AppState>, who: CitizenSession, headers: HeaderMap, WebForm(f): WebForm<LogoutForm>) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r;
    }
    if let Err(e) = state.sessions.revoke(&*state.store, &who.token).await {
        return super::error_page(Some(&who), &e, "/my");
    }
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    add_cookie(r.headers_mut(), set_cookie(CITIZEN_COOKIE, "", Some(0), is_https(&state, &headers)));
    r
}
