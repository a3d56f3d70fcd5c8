//! Filing a complaint on the portal (channel `web`): one form with the category explained, the
//! description, the shop (its ID, the name shown as it is typed, or a photo of its guild
//! barcode read by the core's scanner), photos, the day in the Jalali calendar, the amount,
//! and whether compensation is claimed. The same form sent twice — a retry after a lost
//! answer — files once (its `client_id`), with each photo once.

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::api::{NewComplaint, MAX_PHOTOS_PER_COMPLAINT};
use samat_core::model::guild::normalize_guild_id;
use samat_core::model::jalali::{JalaliDate, MONTHS_FA};
use samat_core::model::text::persian_digits;
use samat_core::model::{Category, Channel, Province, TrackingCode};
use serde::Deserialize;

use super::{error_page, layout, CitizenSession};
use crate::actions::{self, Upload, Who};
use crate::routes::scan::read_codes;
use crate::state::AppState;
use crate::web::form::Opt;
use crate::web::form::{parse_rials, Problems};
use crate::web::format;
use crate::web::page::{error_words, render, Layout};

/// Largest filing form: ten photos straight from a phone's camera, and the barcode photo.
pub const MAX_FORM_BYTES: usize = 80 * 1024 * 1024;
/// Largest photo in the form.
const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Longest text field read from the form (the description's limit is checked after).
const MAX_TEXT_BYTES: usize = 64 * 1024;

/// The form's fields as typed.
#[derive(Debug, Default, Clone)]
pub struct FileForm {
    csrf: String,
    client_id: String,
    category: String,
    description: String,
    guild_id: String,
    business_name: String,
    business_address: String,
    city: String,
    province: String,
    jy: String,
    jm: String,
    jd: String,
    amount: String,
    compensation: bool,
    action: String,
}

impl FileForm {
    fn set(&mut self, name: &str, value: String) {
        match name {
            "csrf" => self.csrf = value,
            "client_id" => self.client_id = value,
            "category" => self.category = value,
            "description" => self.description = value,
            "guild_id" => self.guild_id = value,
            "business_name" => self.business_name = value,
            "business_address" => self.business_address = value,
            "city" => self.city = value,
            "province" => self.province = value,
            "jy" => self.jy = value,
            "jm" => self.jm = value,
            "jd" => self.jd = value,
            "amount" => self.amount = value,
            "compensation" => self.compensation = matches!(value.as_str(), "yes" | "on" | "true"),
            "action" => self.action = value,
            _ => {}
        }
    }
}

/// A category as a choice on the form.
struct Choice {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "portal/file.html")]
struct FilePage {
    layout: Layout,
    f: FileForm,
    categories: Vec<Choice>,
    provinces: Vec<Opt>,
    years: Vec<Opt>,
    months: Vec<Opt>,
    days: Vec<Opt>,
    problems: Problems,
    scan: Option<(&'static str, String)>,
    photos_again: bool,
    max_photos: String,
}

fn file_page(who: &CitizenSession, f: FileForm, problems: Problems, scan: Option<(&'static str, String)>, photos_again: bool) -> FilePage {
    let this_year = JalaliDate::of_instant(time::OffsetDateTime::now_utc()).year;
    let opt = |value: String, label: String, chosen: &str| Opt { selected: value == chosen, value, label };
    FilePage {
        layout: layout(Some(who), "ثبت شکایت", "/file"),
        categories: Category::ALL
            .iter()
            .map(|c| Choice { value: c.wire_name(), label: c.label_fa(), hint: c.explanation_fa(), checked: f.category == c.wire_name() })
            .collect(),
        provinces: Province::ALL.iter().map(|p| opt(p.wire_name().into(), p.label_fa().into(), &f.province)).collect(),
        years: (0..3).map(|i| this_year - i).map(|y| opt(y.to_string(), persian_digits(&y.to_string()), &f.jy)).collect(),
        months: MONTHS_FA.iter().enumerate().map(|(i, m)| opt((i + 1).to_string(), (*m).to_owned(), &f.jm)).collect(),
        days: (1..=31).map(|d: u32| opt(d.to_string(), persian_digits(&d.to_string()), &f.jd)).collect(),
        max_photos: persian_digits(&MAX_PHOTOS_PER_COMPLAINT.to_string()),
        f,
        problems,
        scan,
        photos_again,
    }
}

#[derive(Deserialize, Default)]
pub(super) struct StartQuery {
    #[serde(default)]
    guild_id: String,
}

/// `GET /file`: the form; `?guild_id=` (from a sticker's page) fills the business in.
pub(super) async fn form(State(state): State<AppState>, who: CitizenSession, Query(q): Query<StartQuery>) -> Response {
    let mut f = FileForm { client_id: uuid::Uuid::new_v4().to_string(), ..FileForm::default() };
    if let Some(id) = normalize_guild_id(&q.guild_id) {
        if let Ok(Some(b)) = state.store.business(&id).await {
            f.business_name = b.name;
            f.city = b.city.unwrap_or_default();
            f.province = b.province.as_deref().and_then(Province::from_text).map(|p| p.wire_name().to_owned()).unwrap_or_default();
        }
        f.guild_id = id;
    }
    render(StatusCode::OK, &file_page(&who, f, Problems::none(), None, false))
}

/// What a sticker photo said, in words, and the business it fills in.
async fn read_sticker(state: &AppState, f: &mut FileForm, image: Vec<u8>) -> (&'static str, String) {
    match read_codes(state, image).await {
        Err(e) => ("warn", error_words(&e)),
        Ok(found) => match found.codes.into_iter().find_map(|c| c.guild) {
            None => ("warn", "در این عکس بارکد صنفی پیدا نشد. عکس واضح‌تری از نزدیک بگیرید یا شناسه صنفی را بنویسید.".to_owned()),
            Some(g) => {
                f.guild_id = g.guild_id.clone();
                let name = if g.verified { g.name.clone().or(g.registry_name.clone()) } else { g.registry_name.clone() };
                if let Some(n) = &name {
                    f.business_name = n.clone();
                }
                let shown = name.unwrap_or_else(|| persian_digits(&g.guild_id));
                if g.verified {
                    ("ok", format!("بارکد صنفی معتبر خوانده شد: {shown}"))
                } else {
                    ("warn", format!("شناسه صنفی خوانده شد ({shown})، اما این بارکد امضای معتبر وزارت صمت را ندارد؛ ممکن است برچسب جعلی یا دست‌کاری‌شده باشد."))
                }
            }
        },
    }
}

fn rename(field: &str) -> String {
    match field {
        "amount_rials" => "amount",
        other => other,
    }
    .to_owned()
}

/// The photo ids of a filing: derived from its `client_id`, so a retried form stores each
/// photo once.
fn photo_id(client_id: uuid::Uuid, index: usize) -> uuid::Uuid {
    uuid::Uuid::new_v5(&client_id, format!("photo-{index}").as_bytes())
}

/// `POST /file` (multipart): reads a barcode photo (`action=scan`, or a sticker with no ID
/// typed), or files the complaint with its photos.
pub(super) async fn submit(State(state): State<AppState>, who: CitizenSession, multipart: Result<Multipart, MultipartRejection>) -> Response {
    let mut f = FileForm::default();
    let mut photos: Vec<Vec<u8>> = Vec::new();
    let mut sticker: Option<Vec<u8>> = None;
    let mut problems = Problems::none();
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(e) => return error_page(Some(&who), &crate::error::ApiError::bad_request("invalid_body", e.body_text()), "/file"),
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                let too_large = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
                let e = if too_large {
                    crate::error::ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the form is too large")
                } else {
                    crate::error::ApiError::bad_request("invalid_body", e.body_text())
                };
                return error_page(Some(&who), &e, "/file");
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => return error_page(Some(&who), &crate::error::ApiError::bad_request("invalid_body", e.body_text()), "/file"),
        };
        match (name.as_str(), is_file) {
            ("photos", true) if !bytes.is_empty() => {
                if bytes.len() > MAX_FILE_BYTES {
                    problems.add("photos", format!("هر عکس حداکثر {} مگابایت است.", persian_digits(&(MAX_FILE_BYTES / (1024 * 1024)).to_string())));
                } else {
                    photos.push(bytes.to_vec());
                }
            }
            ("sticker", true) if !bytes.is_empty() => sticker = Some(bytes.to_vec()),
            (_, false) if bytes.len() <= MAX_TEXT_BYTES => f.set(&name, String::from_utf8_lossy(&bytes).into_owned()),
            _ => {}
        }
    }
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r;
    }
    let client_id = uuid::Uuid::parse_str(f.client_id.trim()).unwrap_or_else(|_| uuid::Uuid::new_v4());
    f.client_id = client_id.to_string();
    // A barcode photo: read it first (the button asks for it; without the button, it fills an
    // ID nobody typed).
    let scan = match sticker {
        Some(image) if f.action == "scan" || f.guild_id.trim().is_empty() => Some(read_sticker(&state, &mut f, image).await),
        _ if f.action == "scan" => Some(("warn", "عکسی از بارکد صنفی انتخاب نشده است.".to_owned())),
        _ => None,
    };
    if f.action == "scan" {
        let again = !photos.is_empty();
        return render(StatusCode::OK, &file_page(&who, f, problems, scan, again));
    }
    if photos.len() > MAX_PHOTOS_PER_COMPLAINT {
        problems.add("photos", format!("حداکثر {} عکس می‌توانید پیوست کنید.", persian_digits(&MAX_PHOTOS_PER_COMPLAINT.to_string())));
    }
    let amount = match parse_rials(&f.amount) {
        Ok(a) => a,
        Err(_) => {
            problems.add("amount", "مبلغ را به ریال و فقط با رقم بنویسید (مثلاً ۲٬۵۰۰٬۰۰۰).");
            None
        }
    };
    let date_parts = [f.jy.trim(), f.jm.trim(), f.jd.trim()];
    let incident_date = match date_parts.iter().filter(|p| !p.is_empty()).count() {
        0 => None,
        3 => Some(format!("{}/{}/{}", date_parts[0], date_parts[1], date_parts[2])),
        _ => {
            problems.add("incident_date", "روز، ماه و سال رخداد را کامل انتخاب کنید (یا هر سه را خالی بگذارید).");
            None
        }
    };
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let body = NewComplaint {
        client_id: Some(client_id.to_string()),
        category: opt(&f.category),
        description: Some(f.description.clone()),
        guild_id: opt(&f.guild_id),
        business_name: opt(&f.business_name),
        business_address: opt(&f.business_address),
        province: opt(&f.province),
        city: opt(&f.city),
        incident_date,
        amount_rials: amount,
        wants_compensation: Some(f.compensation),
    };
    if let Err(fields) = body.validate(actions::today_in_iran()) {
        problems.0.extend(Problems::from_fields(&fields, &rename).0);
    }
    // Every photo is read before anything is filed: one that is not a photo is said now.
    let mut uploads: Vec<Upload> = Vec::with_capacity(photos.len());
    if !problems.any() {
        for (i, bytes) in photos.into_iter().enumerate() {
            match actions::normalize_upload(&state, bytes).await {
                Ok(u) => uploads.push(u),
                Err(e) => {
                    problems.add("photos", format!("عکس {}: {}", persian_digits(&(i + 1).to_string()), error_words(&e)));
                    break;
                }
            }
        }
    }
    if problems.any() {
        let again = !uploads.is_empty() || problems.has("photos");
        return render(StatusCode::UNPROCESSABLE_ENTITY, &file_page(&who, f, problems, scan, again));
    }
    let filed = actions::file_complaint(&state, who.phone.clone(), Channel::Web, &body, true, Who::Citizen).await;
    let code = match filed {
        Ok((resp, _)) => resp.tracking_code,
        Err(e) => {
            let mut problems = Problems::from_fields(&e.fields, &rename);
            if !problems.any() {
                problems.add("description", error_words(&e));
            }
            return render(e.status, &file_page(&who, f, problems, scan, !uploads.is_empty()));
        }
    };
    let complaint = match state.store.complaint(code).await {
        Ok(Some(c)) => c,
        Ok(None) => return error_page(Some(&who), &crate::error::ApiError::internal("filed complaint vanished"), "/my"),
        Err(e) => return error_page(Some(&who), &e.into(), "/my"),
    };
    for (i, upload) in uploads.into_iter().enumerate() {
        if let Err(e) = actions::attach_photo(&state, &complaint, photo_id(client_id, i), upload).await {
            let mut problems = Problems::none();
            problems.add(
                "photos",
                format!("شکایت با کد رهگیری {} ثبت شد، اما پیوست عکس‌ها کامل نشد ({}). عکس‌ها را دوباره انتخاب کنید و همین فرم را دوباره بفرستید؛ شکایت دوباره ثبت نمی‌شود.", code.as_str(), error_words(&e)),
            );
            return render(e.status, &file_page(&who, f, problems, scan, true));
        }
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/filed/{}", code.as_str()))]).into_response()
}

#[derive(Template)]
#[template(path = "portal/filed.html")]
struct FiledPage {
    layout: Layout,
    code: String,
    spaced: String,
    phone: String,
    business: String,
}

/// `GET /filed/{code}`: the tracking code, large, to copy.
pub(super) async fn filed(State(state): State<AppState>, who: CitizenSession, Path(raw): Path<String>) -> Response {
    let found = match TrackingCode::parse(&raw) {
        Ok(code) => state.store.complaint(code).await.ok().flatten().filter(|c| c.phone == who.phone),
        Err(_) => None,
    };
    let Some(c) = found else { return error_page(Some(&who), &crate::error::ApiError::complaint_not_found(), "/my") };
    let page = FiledPage {
        layout: layout(Some(&who), "شکایت شما ثبت شد", "/file"),
        code: c.tracking_code.as_str().to_owned(),
        spaced: format::spaced_code(c.tracking_code.as_str()),
        phone: persian_digits(&who.phone.national()),
        business: c.business_name.clone().unwrap_or_default(),
    };
    render(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_filing_names_its_photos_the_same_every_time() {
        let client = uuid::Uuid::new_v4();
        assert_eq!(super::photo_id(client, 0), super::photo_id(client, 0));
        assert_ne!(super::photo_id(client, 0), super::photo_id(client, 1));
        assert_ne!(super::photo_id(client, 0), super::photo_id(uuid::Uuid::new_v4(), 0));
    }
}
