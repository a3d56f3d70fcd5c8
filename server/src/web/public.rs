//! Public pages anyone reaches without logging in: the page a plain phone camera opens from a
//! guild sticker (`/g/{guild_id}`), saying whether the sticker is genuine, the business's
//! licence, and how to complain about it.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use samat_core::model::api::LicenceStatus;
use samat_core::model::guild::{self, normalize_guild_id, Unverified};
use samat_core::model::text::{normalize_text, persian_digits, search_key};

use super::page::{render, Layout};
use crate::registry::view;
use crate::state::AppState;
use crate::store::BusinessRecord;

/// The layout of a public page.
pub fn layout(title: &str) -> Layout {
    let mut l = Layout::new(title, "سامانه ۱۲۴", "/", String::new());
    l.portal = true;
    l.main_class = "narrow";
    l
}

struct Business {
    guild_id: String,
    name: String,
    rows: Vec<(&'static str, String)>,
    status: &'static str,
    status_class: &'static str,
    warning: Option<&'static str>,
}

fn business(b: &BusinessRecord) -> Business {
    let v = view(b);
    let mut rows = vec![("شناسه صنفی", persian_digits(&v.guild_id))];
    let place = match (&v.city, &v.province) {
        (Some(c), Some(p)) if c != p => Some(format!("{c}، {p}")),
        (Some(c), _) => Some(c.clone()),
        (None, p) => p.clone(),
    };
    for (label, value) in
        [("صنف / اتحادیه", v.guild.clone()), ("شهر", place), ("نشانی", v.address.clone()), ("شماره پروانه کسب", v.licence_no.as_deref().map(persian_digits))]
    {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            rows.push((label, value));
        }
    }
    Business {
        guild_id: v.guild_id,
        name: v.name,
        rows,
        status: v.licence_status.map_or("نامشخص", LicenceStatus::label_fa),
        status_class: match v.licence_status {
            Some(LicenceStatus::Active) => "active",
            Some(LicenceStatus::Suspended) => "suspended",
            Some(LicenceStatus::Expired) => "expired",
            None => "",
        },
        warning: matches!(v.licence_status, Some(LicenceStatus::Suspended | LicenceStatus::Expired))
            .then_some("این واحد صنفی پروانه کسب معتبر ندارد. می‌توانید آن را به ۱۲۴ گزارش دهید."),
    }
}

#[derive(Template)]
#[template(path = "public/business.html")]
struct BusinessPage {
    layout: Layout,
    business: Option<Business>,
    sticker: Option<(&'static str, String)>,
    shown: String,
    site: String,
    host: String,
}

/// What the page says about the sticker that led to it: (tone, words), or nothing when the
/// page was opened without a signed sticker URL.
fn sticker_words(state: &AppState, b: &BusinessRecord, query: Option<&str>) -> Option<(&'static str, String)> {
    let query = query.filter(|q| q.contains("s="))?;
    let url = format!("{}/g/{}?{query}", state.settings.public_url, b.guild_id);
    let suspect = ("warn", "هشدار: این برچسب با امضای وزارت صمت مطابقت ندارد و ممکن است جعلی باشد. لطفاً به ۱۲۴ اطلاع دهید.".to_owned());
    let Some(payload) = guild::parse(&url) else { return Some(suspect) };
    if payload.guild_id != b.guild_id {
        return Some(suspect);
    }
    match guild::verify(&payload, &state.settings.guild_keys.published()) {
        Ok(_) => {
            let printed = payload.name.unwrap_or_default();
            if search_key(&printed) == search_key(&b.name) {
                Some(("ok", "این برچسب را وزارت صمت صادر کرده و معتبر است.".to_owned()))
            } else {
                Some(("info", format!("این برچسب معتبر است، اما نام روی آن («{printed}») با نام کنونی در سامانه فرق دارد.")))
            }
        }
        Err(Unverified::UnknownKey) => Some(("info", "اصالت این برچسب قابل بررسی نیست.".to_owned())),
        Err(Unverified::Unsigned) => None,
        Err(Unverified::BadSignature) => Some(suspect),
    }
}

/// The page a phone camera opens from a sticker: the business, its licence status and how to
/// complain, in Persian. No JavaScript.
#[utoipa::path(get, path = "/g/{guild_id}", tag = "businesses",
    params(("guild_id" = String, Path)),
    responses((status = 200, content_type = "text/html"), (status = 404, content_type = "text/html")))]
pub async fn business_page(State(state): State<AppState>, Path(raw): Path<String>, RawQuery(query): RawQuery) -> Response {
    let site = state.settings.public_url.clone();
    let host = site.split("://").nth(1).unwrap_or(&site).to_owned();
    let found = match normalize_guild_id(&raw) {
        Some(id) => state.store.business(&id).await,
        None => Ok(None),
    };
    let (status, page) = match found {
        Ok(Some(b)) => {
            let sticker = sticker_words(&state, &b, query.as_deref());
            (StatusCode::OK, BusinessPage { layout: layout(&b.name), business: Some(business(&b)), sticker, shown: String::new(), site, host })
        }
        Ok(None) => {
            let shown = persian_digits(&normalize_text(&raw));
            (StatusCode::NOT_FOUND, BusinessPage { layout: layout("واحد صنفی پیدا نشد"), business: None, sticker: None, shown, site, host })
        }
        Err(e) => {
            tracing::error!(error = %e, "business page lookup failed");
            return super::page::ErrorPage::new(layout("خطای موقت"), "خطای موقت", "لطفاً چند لحظه بعد دوباره تلاش کنید یا با ۱۲۴ تماس بگیرید.")
                .respond(StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let mut r = render(status, &page);
    // The registry is public: the page may be kept a little while (not the personal pages).
    let cache = if status.is_success() { "public, max-age=300" } else { "public, max-age=60" };
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}
