//! The guild registry in the console: search it, read a business, and print its sticker (the
//! signed QR a phone camera opens, with the name and ID beneath).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::api::LicenceStatus;
use samat_core::model::guild::{self, normalize_guild_id};
use samat_core::model::text::{persian_digits, search_key};
use serde::Deserialize;

use super::StaffSession;
use crate::error::ApiError;
use crate::registry::view;
use crate::routes::businesses::{render_qr, MIN_QUERY_CHARS};
use crate::state::AppState;
use crate::store::BusinessRecord;
use crate::web::page::{render, ErrorPage, Layout};

/// A business as a row or a card.
struct Card {
    id: String,
    id_fa: String,
    name: String,
    place: String,
    rows: Vec<(&'static str, String)>,
    status: &'static str,
    status_class: &'static str,
}

fn card(b: &BusinessRecord) -> Card {
    let v = view(b);
    let mut rows = Vec::new();
    for (label, value) in [
        ("صنف / اتحادیه", v.guild.clone()),
        ("استان", v.province.clone()),
        ("شهر", v.city.clone()),
        ("نشانی", v.address.clone()),
        ("شماره پروانه کسب", v.licence_no.as_deref().map(persian_digits)),
    ] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            rows.push((label, value));
        }
    }
    let place = [v.city.clone(), v.address.clone()].into_iter().flatten().collect::<Vec<_>>().join("، ");
    Card {
        place,
        id_fa: persian_digits(&v.guild_id),
        id: v.guild_id,
        name: v.name,
        rows,
        status: v.licence_status.map_or("نامشخص", LicenceStatus::label_fa),
        status_class: match v.licence_status {
            Some(LicenceStatus::Active) => "ok",
            Some(_) => "warn",
            None => "",
        },
    }
}

#[derive(Template)]
#[template(path = "staff/businesses.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    city: String,
    results: Vec<Card>,
    searched: bool,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    city: String,
}

/// `GET /staff/businesses?q=&city=`: by name, city or ID.
pub(super) async fn search(State(state): State<AppState>, staff: StaffSession, Query(q): Query<SearchQuery>) -> Response {
    let layout = staff.layout("واحدهای صنفی", "/staff/businesses");
    let (name, city) = (q.q.trim().to_owned(), q.city.trim().to_owned());
    let mut page = SearchPage { layout, q: name.clone(), city: city.clone(), results: Vec::new(), searched: false, message: None };
    if name.is_empty() && city.is_empty() {
        return render(StatusCode::OK, &page);
    }
    page.searched = true;
    // A business ID goes straight to its record.
    if let Some(id) = normalize_guild_id(&name) {
        match state.store.business(&id).await {
            Ok(found) => page.results = found.iter().map(card).collect(),
            Err(e) => return staff.error(&e.into(), "/staff/businesses"),
        }
        return render(StatusCode::OK, &page);
    }
    if search_key(&name).chars().count() < MIN_QUERY_CHARS && search_key(&city).is_empty() {
        page.message = Some("دست‌کم دو حرف از نام واحد صنفی یا نام شهر را بنویسید.".into());
        return render(StatusCode::OK, &page);
    }
    let name = Some(name).filter(|n| !search_key(n).is_empty());
    let city = Some(city).filter(|c| !search_key(c).is_empty());
    match state.store.search_businesses(name, city, 50).await {
        Ok(found) => {
            page.results = found.iter().map(card).collect();
            render(StatusCode::OK, &page)
        }
        Err(e) => staff.error(&e.into(), "/staff/businesses"),
    }
}

#[derive(Template)]
#[template(path = "staff/business.html")]
struct BusinessPage {
    layout: Layout,
    b: Card,
    can_sign: bool,
}

async fn load(state: &AppState, staff: &StaffSession, raw: &str) -> Result<BusinessRecord, Response> {
    let not_found = |staff: &StaffSession| {
        ErrorPage::new(staff.layout("پیدا نشد", ""), "واحد صنفی پیدا نشد", "واحد صنفی با این شناسه در سامانه نیست.")
            .link("/staff/businesses", "جستجوی واحدهای صنفی")
            .respond(StatusCode::NOT_FOUND)
    };
    let Some(id) = normalize_guild_id(raw) else { return Err(not_found(staff)) };
    match state.store.business(&id).await {
        Ok(Some(b)) => Ok(b),
        Ok(None) => Err(not_found(staff)),
        Err(e) => Err(staff.error(&e.into(), "/staff/businesses")),
    }
}

/// `GET /staff/businesses/{id}`.
pub(super) async fn show(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>) -> Response {
    match load(&state, &staff, &raw).await {
        Ok(b) => {
            let layout = staff.layout(&b.name, "/staff/businesses");
            render(StatusCode::OK, &BusinessPage { layout, b: card(&b), can_sign: state.settings.guild_keys.signing().is_some() })
        }
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "staff/sticker.html")]
struct StickerPage {
    layout: Layout,
    b: Card,
    url: String,
}

/// `GET /staff/businesses/{id}/sticker`: the printable sticker.
pub(super) async fn sticker(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>) -> Response {
    let b = match load(&state, &staff, &raw).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some((key_id, key)) = state.settings.guild_keys.signing() else {
        return staff.error(&ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_signing_key", "no signing key"), &format!("/staff/businesses/{}", b.guild_id));
    };
    let url = guild::sticker_url(&state.settings.public_url, &b.guild_id, &b.name, key_id, key);
    let layout = staff.layout(&format!("برچسب {}", b.name), "/staff/businesses");
    render(StatusCode::OK, &StickerPage { layout, b: card(&b), url })
}

/// `GET /staff/businesses/{id}/qr.png`: the sticker's QR code for the console's print page.
pub(super) async fn qr(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>) -> Response {
    let b = match load(&state, &staff, &raw).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some((key_id, key)) = state.settings.guild_keys.signing() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no signing key").into_response();
    };
    let url = guild::sticker_url(&state.settings.public_url, &b.guild_id, &b.name, key_id, key);
    match tokio::task::spawn_blocking(move || render_qr(&url, 10)).await {
        Ok(Ok(png)) => ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "private, max-age=300")], png).into_response(),
        Ok(Err(e)) => staff.error(&e, "/staff/businesses"),
        Err(e) => staff.error(&ApiError::internal(e), "/staff/businesses"),
    }
}
