//! What every page shares: the layout (title, who is logged in, the navigation, a notice
//! after an action, the CSRF token, the assets), rendering a template into a response with
//! the security headers of an HTML page, and the error page that stands in for every failure
//! (never a blank screen, never a 500 without words).

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::labels::error_message_fa;

use super::assets;
use crate::error::ApiError;

/// A link of the navigation bar.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Where it goes.
    pub href: String,
    /// What it says.
    pub label: &'static str,
    /// Whether it is the page shown.
    pub current: bool,
    /// A keyboard shortcut (`data-key`), enhanced by the console's script.
    pub key: Option<&'static str>,
    /// A count shown beside the label (what waits there), in Persian digits.
    pub count: Option<String>,
}

/// A notice shown at the top of a page after an action (post/redirect/get).
#[derive(Debug, Clone)]
pub struct Flash {
    /// `ok` or `warn`.
    pub kind: &'static str,
    /// The words.
    pub text: String,
}

/// What the layout template needs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The page's title (the site name is added).
    pub title: String,
    /// The site's name in the header.
    pub site: &'static str,
    /// Where the header's name links.
    pub home: &'static str,
    /// Who is logged in, as shown in the header.
    pub user: Option<String>,
    /// Whether someone is logged in.
    pub signed_in: bool,
    /// The CSRF token of the session (or the pre-login one).
    pub csrf: String,
    /// The navigation.
    pub nav: Vec<NavItem>,
    /// The logout form's action, when logged in.
    pub logout: Option<&'static str>,
    /// A notice after an action.
    pub flash: Option<Flash>,
    /// The style sheet's URL.
    pub css: String,
    /// The icon's URL.
    pub icon: String,
    /// The page's scripts (the shared one first), if it has any.
    pub scripts: Vec<String>,
    /// Whether this is the citizens' portal (manifest, theme colour).
    pub portal: bool,
    /// `narrow` for forms a person reads top to bottom.
    pub main_class: &'static str,
}

impl Layout {
    /// A layout with nothing but a title, for `site` linking `home`.
    pub fn new(title: impl Into<String>, site: &'static str, home: &'static str, csrf: String) -> Layout {
        Layout {
            title: title.into(),
            site,
            home,
            user: None,
            signed_in: false,
            csrf,
            nav: Vec::new(),
            logout: None,
            flash: None,
            css: assets::url("app.css"),
            icon: assets::url("icons/icon.svg"),
            scripts: Vec::new(),
            portal: false,
            main_class: "",
        }
    }

    /// The same layout with another title.
    pub fn titled(mut self, title: impl Into<String>) -> Layout {
        self.title = title.into();
        self
    }

    /// The same layout for a form read top to bottom.
    pub fn narrow(mut self) -> Layout {
        self.main_class = "narrow";
        self
    }

    /// The same layout with a notice.
    pub fn with_flash(mut self, flash: Option<Flash>) -> Layout {
        self.flash = flash;
        self
    }
}

/// Renders `page` as an HTML response with `status`: the content security policy allows
/// nothing from another host and no inline script; pages are never framed, never cached
/// (they hold personal data) and send no referrer elsewhere.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => html_response(status, html),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            html_response(StatusCode::INTERNAL_SERVER_ERROR, FALLBACK_PAGE.to_owned())
        }
    }
}

/// The security headers of every HTML page.
pub fn html_response(status: StatusCode, html: String) -> Response {
    let mut r = (status, html).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(self), geolocation=(), microphone=()"));
    r
}

/// Everything from this server only; no inline script or style; never in a frame.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; \
     connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// Shown when even the error page cannot be rendered.
const FALLBACK_PAGE: &str = "<!doctype html><html lang=\"fa\" dir=\"rtl\"><meta charset=\"utf-8\"><title>خطا</title>\
    <p>خطای پیش‌بینی‌نشده‌ای رخ داد. لطفاً چند لحظه بعد دوباره تلاش کنید یا با ۱۲۴ تماس بگیرید.</p></html>";

/// A page that explains a failure and where to go next.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub heading: String,
    /// What happened and what to do, in Persian.
    pub message: String,
    /// `warn` or `info`.
    pub tone: &'static str,
    /// Where to go from here.
    pub links: Vec<(String, String)>,
}

impl ErrorPage {
    /// An error page under `layout`.
    pub fn new(layout: Layout, heading: &str, message: impl Into<String>) -> ErrorPage {
        ErrorPage { layout: layout.titled(heading), heading: heading.to_owned(), message: message.into(), tone: "warn", links: Vec::new() }
    }

    /// The same page with a link.
    pub fn link(mut self, href: impl Into<String>, label: impl Into<String>) -> ErrorPage {
        self.links.push((href.into(), label.into()));
        self
    }

    /// The page as a response with `status`.
    pub fn respond(&self, status: StatusCode) -> Response {
        render(status, self)
    }
}

/// The Persian words for an API error: its code's message, or for a refused form the first
/// field's.
pub fn error_words(e: &ApiError) -> String {
    match e.fields.first() {
        Some(f) if e.code == "validation_failed" => error_message_fa(&f.code).to_owned(),
        _ => error_message_fa(e.code).to_owned(),
    }
}

/// The heading of an error page for `status`.
pub fn error_heading(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "درخواست درست نیست",
        401 => "لطفاً دوباره وارد شوید",
        403 => "اجازه این کار را ندارید",
        404 => "پیدا نشد",
        409 => "وضعیت تغییر کرده است",
        413 => "فایل بیش از حد بزرگ است",
        429 => "درخواست‌ها بیش از حد مجاز است",
        503 => "سامانه موقتاً در دسترس نیست",
        _ => "خطای پیش‌بینی‌نشده",
    }
}
