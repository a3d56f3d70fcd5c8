//! Browser sessions for the staff console and the citizens' portal: the same sessions the API
//! hands out as bearer tokens, carried in an `HttpOnly`, `SameSite=Strict` cookie (`Secure`
//! behind https), with a CSRF token on every form.
//!
//! The CSRF token of a session is derived from its secret token (which only the cookie
//! holds), so it needs no storage and cannot be guessed by another site. Forms shown before
//! anyone is logged in (the login pages) use a random `samat_csrf` cookie and the same value
//! in the form instead.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};

use crate::forwarded::last_forwarded_hop;
use crate::state::AppState;

/// The staff console's session cookie.
pub const STAFF_COOKIE: &str = "samat_staff";
/// The portal's session cookie.
pub const CITIZEN_COOKIE: &str = "samat_citizen";
/// The cookie of forms shown before login.
pub const PRE_COOKIE: &str = "samat_csrf";

/// The value of cookie `name` in the request, if any.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| Cookie::parse_encoded(pair.trim().to_owned()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether the request came over https: told by the proxy we trust, or forced by the flag.
pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.secure_cookies
        || (state.settings.trust_forwarded_for
            && last_forwarded_hop(headers).is_some()
            && headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|p| p.trim().eq_ignore_ascii_case("https")))
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, path `/`, `Secure` over https; with
/// `max_age` seconds, or a session cookie; an empty value with `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = Cookie::build((name.to_owned(), value.to_owned())).http_only(true).same_site(SameSite::Strict).path("/").secure(secure);
    if let Some(seconds) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(seconds));
    }
    HeaderValue::from_str(&c.build().encoded().to_string()).unwrap_or_else(|_| HeaderValue::from_static("samat_invalid=; Max-Age=0"))
}

/// Adds a `Set-Cookie` to a response's headers.
pub fn add_cookie(headers: &mut HeaderMap, value: HeaderValue) {
    headers.append(SET_COOKIE, value);
}

/// The CSRF token of a session (or of a pre-login cookie value).
pub fn csrf_for(secret: &str) -> String {
    let digest = Sha256::digest(format!("samat-csrf:{secret}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18])
}

/// Whether `given` is the CSRF token of `secret`, compared in constant time.
pub fn csrf_ok(secret: &str, given: &str) -> bool {
    let expected = csrf_for(secret);
    expected.len() == given.len() && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The pre-login CSRF secret of this browser, and whether it is new (and must be set).
pub fn pre_login_secret(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, PRE_COOKIE).filter(|v| v.len() >= 20) {
        Some(v) => (v, false),
        None => (crate::sessions::new_token(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let a = crate::sessions::new_token();
        let b = crate::sessions::new_token();
        assert!(csrf_ok(&a, &csrf_for(&a)));
        assert!(!csrf_ok(&a, &csrf_for(&b)));
        assert!(!csrf_ok(&a, ""));
        assert!(!csrf_ok(&a, &csrf_for(&a)[1..]));
    }

    #[test]
    fn cookies_are_read_from_every_header_line() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; samat_staff=tok%2Ben"));
        h.append(COOKIE, HeaderValue::from_static("samat_citizen=xyz"));
        assert_eq!(cookie(&h, STAFF_COOKIE).as_deref(), Some("tok+en"));
        assert_eq!(cookie(&h, CITIZEN_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn session_cookies_are_http_only_strict_and_secure_over_https() {
        let v = set_cookie(STAFF_COOKIE, "t", Some(60), true);
        let s = v.to_str().unwrap();
        for part in ["samat_staff=t", "HttpOnly", "SameSite=Strict", "Secure", "Path=/", "Max-Age=60"] {
            assert!(s.contains(part), "{s} lacks {part}");
        }
        assert!(!set_cookie(STAFF_COOKIE, "t", None, false).to_str().unwrap().contains("Secure"));
    }
}
