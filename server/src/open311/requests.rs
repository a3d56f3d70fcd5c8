//! Service requests: how a complaint reads in GeoReport v2 (what is published of it and how
//! its stage maps to `status`), the filters of a listing, and a POST's fields turned into the
//! same [`NewComplaint`] every other channel files.

use axum::http::StatusCode;
use samat_core::model::api::NewComplaint;
use samat_core::model::deadlines::ServiceStandards;
use samat_core::model::{Category, Province, Stage};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::format::{w3c, Record, Val, IRAN};
use super::services::Lang;
use super::Open311Error;
use crate::store::{ComplaintRecord, PublicFilter};

/// Most requests one listing returns (the spec's suggestion).
pub const MAX_REQUESTS: i64 = 1000;

/// How far back a listing without dates or ids looks (the spec's default window).
pub const DEFAULT_WINDOW: time::Duration = time::Duration::days(90);

/// A stage as Open311 reads it: `open` or `closed` (the spec's two statuses), and the nearest
/// of FixMyStreet's extended statuses. A verdict ends the workflow, so it is `closed` here
/// although the ministry still follows up the penalty.
pub fn status(stage: Stage) -> (&'static str, &'static str) {
    match stage {
        Stage::Received => ("open", "open"),
        Stage::ExpertReview => ("open", "investigating"),
        Stage::SelfRegulation => ("open", "in_progress"),
        Stage::Inspection => ("open", "action_scheduled"),
        Stage::InspectionReported => ("open", "in_progress"),
        Stage::Taazirat => ("open", "in_progress"),
        Stage::Verdict => ("closed", "closed"),
        Stage::Resolved => ("closed", "fixed"),
        Stage::Dismissed => ("closed", "no_further_action"),
        Stage::Withdrawn => ("closed", "closed"),
    }
}

/// The stages a `status` filter value names: `open`, `closed`, or one of the extended
/// statuses. `None` for a value that is neither.
pub fn stages_of_status(value: &str) -> Option<Vec<Stage>> {
    let v = value.trim().to_ascii_lowercase();
    let stages: Vec<Stage> = Stage::ALL.into_iter().filter(|s| status(*s).0 == v || status(*s).1 == v).collect();
    (!stages.is_empty()).then_some(stages)
}

/// Who has the complaint in hand at this stage (`agency_responsible`).
pub fn agency(stage: Stage, province: Option<Province>, lang: Lang) -> String {
    match (stage, lang) {
        (Stage::SelfRegulation, Lang::Fa) => "اتحادیه صنفی (حوزه خودتنظیمی)".into(),
        (Stage::SelfRegulation, Lang::En) => "The guild's self-regulation body".into(),
        (Stage::Taazirat | Stage::Verdict, Lang::Fa) => "سازمان تعزیرات حکومتی".into(),
        (Stage::Taazirat | Stage::Verdict, Lang::En) => "Government Discretionary Punishments Organisation (Ta'zirat)".into(),
        (_, Lang::Fa) => match province {
            Some(p) => format!("سازمان صنعت، معدن و تجارت استان {}", p.label_fa()),
            None => "وزارت صنعت، معدن و تجارت".into(),
        },
        (_, Lang::En) => match province {
            Some(p) => format!("Industry, Mine and Trade Organisation of {}", p.label_en()),
            None => "Ministry of Industry, Mine and Trade".into(),
        },
    }
}

/// A complaint as the public reads it in GeoReport v2. What the citizen wrote (the
/// description), who they are (phone, name) and the shop they named are not published; nor
/// are photos. The place is the city and province only.
pub fn request(c: &ComplaintRecord, standards: &ServiceStandards, now: OffsetDateTime, lang: Lang) -> Record {
    let (open_closed, extended) = status(c.stage);
    let (notes, service_name) = match lang {
        Lang::Fa => (c.stage.label_fa(), c.category.label_fa()),
        Lang::En => (c.stage.label_en(), c.category.label_en()),
    };
    let expected = crate::views::clock(c, standards, now).map(|(d, _)| w3c(d.due_at));
    let province = c.province.map(|p| if lang == Lang::En { p.label_en() } else { p.label_fa() });
    let address = match (c.city.as_deref().filter(|s| !s.is_empty()), province) {
        (Some(city), Some(p)) => Some(format!("{city}، {p}")),
        (Some(city), None) => Some(city.to_owned()),
        (None, p) => p.map(str::to_owned),
    };
    Record::default()
        .with("service_request_id", c.id.to_string())
        .with("status", open_closed)
        .with("extended_status", extended)
        .with("status_notes", notes)
        .with("service_name", service_name)
        .with("service_code", c.category.wire_name())
        .with("description", Val::Null)
        .with("agency_responsible", agency(c.stage, c.province, lang))
        .with("service_notice", Val::Null)
        .with("requested_datetime", w3c(c.created_at))
        .with("updated_datetime", w3c(c.updated_at))
        .with("expected_datetime", expected)
        .with("address", address)
        .with("address_id", Val::Null)
        .with("zipcode", Val::Null)
        .with("lat", Val::Null)
        .with("long", Val::Null)
        .with("media_url", Val::Null)
        .with("jurisdiction_id", c.province.map(Province::wire_name))
}

/// A W3C date-time (`2025-03-01T10:00:00+03:30`, `…Z`) or a bare date (the start of that day
/// in Iran).
pub fn parse_datetime(name: &str, value: &str) -> Result<OffsetDateTime, Open311Error> {
    let v = value.trim();
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Ok(t);
    }
    // A `+` in a query string arrives as a space when the client did not encode it.
    if let Ok(t) = OffsetDateTime::parse(&v.replacen(' ', "+", 1), &Rfc3339) {
        return Ok(t);
    }
    let day = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(v, &day)
        .map(|d| d.midnight().assume_offset(IRAN))
        .map_err(|_| Open311Error::new(StatusCode::BAD_REQUEST, format!("{name} is not a W3C date-time like 2025-03-01T10:00:00+03:30: {value:?}")))
}

/// A province a `jurisdiction_id` names (wire name like `tehran`, ISO code, or Persian name);
/// 404 for one that is not a province.
pub fn jurisdiction(value: &str) -> Result<Province, Open311Error> {
    let v = value.trim();
    Province::from_text(v)
        .or_else(|| Province::from_iso_code(v))
        .ok_or_else(|| Open311Error::new(StatusCode::NOT_FOUND, format!("jurisdiction_id {v:?} is not a province (use a name like tehran or fars)")))
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// The filters of `GET /requests`, from the query's pairs; a malformed one is a 400 (an
/// unknown jurisdiction a 404). Without ids or dates the listing covers the last
/// [`DEFAULT_WINDOW`], as the spec asks.
pub fn parse_filters(pairs: &[(String, String)], now: OffsetDateTime) -> Result<PublicFilter, Open311Error> {
    let bad = |msg: String| Open311Error::new(StatusCode::BAD_REQUEST, msg);
    let mut f = PublicFilter { limit: MAX_REQUESTS, ..PublicFilter::default() };
    for (name, value) in pairs {
        match name.as_str() {
            "service_request_id" => {
                for id in list(value) {
                    f.ids.push(id.parse::<i64>().map_err(|_| bad(format!("service_request_id {id:?} is not a request id")))?);
                }
            }
            "service_code" => {
                for code in list(value) {
                    f.categories.push(Category::from_wire(code).ok_or_else(|| bad(format!("service_code {code:?} is not a service; see services.json")))?);
                }
            }
            "status" => {
                for s in list(value) {
                    f.stages.extend(stages_of_status(s).ok_or_else(|| bad(format!("status {s:?} is neither open nor closed (nor an extended status)")))?);
                }
            }
            "start_date" => f.filed_from = Some(parse_datetime(name, value)?),
            "end_date" => f.filed_to = Some(parse_datetime(name, value)?),
            "updated_after" => f.updated_after = Some(parse_datetime(name, value)?),
            "jurisdiction_id" if !value.trim().is_empty() => f.province = Some(jurisdiction(value)?),
            _ => {}
        }
    }
    // As the spec says, ids override every other filter.
    if !f.ids.is_empty() {
        return Ok(PublicFilter { ids: f.ids, limit: MAX_REQUESTS, ..PublicFilter::default() });
    }
    if let (Some(from), Some(to)) = (f.filed_from, f.filed_to) {
        if from > to {
            return Err(bad("start_date is after end_date".into()));
        }
    }
    if f.ids.is_empty() && f.filed_from.is_none() && f.filed_to.is_none() && f.updated_after.is_none() {
        f.filed_from = Some(now - DEFAULT_WINDOW);
    }
    Ok(f)
}

/// What a POST asks for, parsed from its fields: the complaint to file and who for.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    /// The citizen's phone, as sent (the core parses it).
    pub phone: String,
    /// The key it was filed with.
    pub api_key: Option<String>,
    /// The client's idempotency key, if it sent one (`client_id`).
    pub client_id: Option<uuid::Uuid>,
    /// The complaint as every channel files it.
    pub complaint: NewComplaint,
}

/// Reads a POST's fields. What the spec lets a client send and Samat does not keep (the
/// citizen's name and e-mail, device and account ids, a media URL) is accepted and dropped: the
/// phone identifies the citizen, and photos come through the app, never fetched from a URL.
pub fn parse_post(pairs: &[(String, String)]) -> Result<NewRequest, Open311Error> {
    let bad = |msg: String| Open311Error::new(StatusCode::BAD_REQUEST, msg);
    let mut req = NewRequest { phone: String::new(), api_key: None, client_id: None, complaint: NewComplaint::default() };
    let (mut lat, mut long, mut address) = (None, None, None);
    let c = &mut req.complaint;
    for (name, value) in pairs {
        let v = value.trim();
        let text = || (!v.is_empty()).then(|| v.to_owned());
        match name.as_str() {
            "api_key" => req.api_key = text(),
            "phone" => req.phone = v.to_owned(),
            "service_code" => {
                if Category::from_wire(v).is_none() {
                    return Err(bad(format!("service_code {v:?} is not a service; see services.json")));
                }
                c.category = text();
            }
            "description" => c.description = text(),
            "jurisdiction_id" if !v.is_empty() => c.province = Some(jurisdiction(v)?.wire_name().to_owned()),
            "lat" => lat = text(),
            "long" => long = text(),
            "address_string" => address = text(),
            "client_id" => req.client_id = Some(uuid::Uuid::parse_str(v).map_err(|_| bad(format!("client_id {v:?} is not a UUID")))?),
            "attribute[guild_id]" => c.guild_id = text(),
            "attribute[business_name]" => c.business_name = text(),
            "attribute[city]" => c.city = text(),
            "attribute[incident_date]" if !v.is_empty() => {
                c.incident_date = Some(parse_datetime("attribute[incident_date]", v)?.to_offset(IRAN).date().to_string());
            }
            "attribute[amount_rials]" if !v.is_empty() => {
                c.amount_rials = Some(v.parse().map_err(|_| bad(format!("attribute[amount_rials] {v:?} is not a whole number of rials")))?);
            }
            "attribute[wants_compensation]" if !v.is_empty() => {
                c.wants_compensation = Some(match v {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    _ => return Err(bad(format!("attribute[wants_compensation] is true or false, not {v:?}"))),
                });
            }
            n if n.starts_with("attribute[") => return Err(bad(format!("{n} is not an attribute of this service; see its definition"))),
            _ => {}
        }
    }
    for (name, value) in [("lat", &lat), ("long", &long)] {
        if let Some(v) = value {
            if !v.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(bad(format!("{name} {v:?} is not a number")));
            }
        }
    }
    // No coordinates column: a place given only by coordinates is kept as the shop's address.
    c.business_address = address.or_else(|| lat.zip(long).map(|(la, lo)| format!("{la},{lo}")));
    if c.category.is_none() {
        return Err(bad("service_code is required; see services.json".into()));
    }
    if req.phone.trim().is_empty() {
        return Err(bad("phone is required: the citizen's mobile number, which gets the tracking code by SMS".into()));
    }
    Ok(req)
}

/// The idempotency key of a POST that sent none: the same key, phone, service, text and
/// attributes on the same day in Iran give the same complaint, so a retried POST files once.
pub fn derived_client_id(api_key_id: i64, phone: &str, c: &NewComplaint, today: time::Date) -> uuid::Uuid {
    let facts = serde_json::json!([api_key_id, phone, today.to_string(), c]);
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("samat:open311:{facts}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn every_stage_maps_to_open_or_closed_and_a_fixmystreet_status() {
        let table = [
            (Stage::Received, "open", "open"),
            (Stage::ExpertReview, "open", "investigating"),
            (Stage::SelfRegulation, "open", "in_progress"),
            (Stage::Inspection, "open", "action_scheduled"),
            (Stage::InspectionReported, "open", "in_progress"),
            (Stage::Taazirat, "open", "in_progress"),
            (Stage::Verdict, "closed", "closed"),
            (Stage::Resolved, "closed", "fixed"),
            (Stage::Dismissed, "closed", "no_further_action"),
            (Stage::Withdrawn, "closed", "closed"),
        ];
        for (stage, open, extended) in table {
            assert_eq!(status(stage), (open, extended), "{stage:?}");
            assert_eq!(status(stage).0 == "closed", stage.is_final(), "{stage:?}: closed exactly when nothing can follow");
        }
    }

    #[test]
    fn status_filters_name_stages() {
        assert_eq!(stages_of_status("open").unwrap().len(), 6);
        assert_eq!(stages_of_status("CLOSED").unwrap(), vec![Stage::Verdict, Stage::Resolved, Stage::Dismissed, Stage::Withdrawn]);
        assert_eq!(stages_of_status("fixed").unwrap(), vec![Stage::Resolved]);
        assert_eq!(stages_of_status("in_progress").unwrap(), vec![Stage::SelfRegulation, Stage::InspectionReported, Stage::Taazirat]);
        assert_eq!(stages_of_status("pending"), None);
    }

    #[test]
    fn dates_are_w3c_or_bare_days_in_iran() {
        let ok = [
            ("2025-03-01T10:00:00+03:30", time::macros::datetime!(2025-03-01 06:30 UTC)),
            ("2025-03-01T06:30:00Z", time::macros::datetime!(2025-03-01 06:30 UTC)),
            ("2025-03-01T10:00:00 03:30", time::macros::datetime!(2025-03-01 06:30 UTC)),
            ("2025-03-01", time::macros::datetime!(2025-02-28 20:30 UTC)),
        ];
        for (input, want) in ok {
            assert_eq!(parse_datetime("start_date", input).unwrap(), want, "{input}");
        }
        for bad in ["yesterday", "2025-13-01", "01/03/2025", "2025-03-01T25:00:00Z", ""] {
            assert_eq!(parse_datetime("start_date", bad).unwrap_err().status, StatusCode::BAD_REQUEST, "{bad:?}");
        }
    }

    #[test]
    fn filters_parse_or_say_which_is_wrong() {
        let now = time::macros::datetime!(2025-06-01 00:00 UTC);
        let f = parse_filters(&pairs(&[("service_code", "fraud,no_invoice"), ("status", "open"), ("jurisdiction_id", "tehran")]), now).unwrap();
        assert_eq!(f.categories, vec![Category::Fraud, Category::NoInvoice]);
        assert_eq!(f.province, Some(Province::Tehran));
        assert_eq!(f.filed_from, Some(now - DEFAULT_WINDOW), "no dates: the last 90 days");
        let f = parse_filters(&pairs(&[("service_request_id", "4, 7")]), now).unwrap();
        assert_eq!((f.ids, f.filed_from), (vec![4, 7], None), "ids: no window");
        let f = parse_filters(&pairs(&[("service_request_id", "4"), ("status", "closed"), ("start_date", "2025-01-01")]), now).unwrap();
        assert_eq!(f, PublicFilter { ids: vec![4], limit: MAX_REQUESTS, ..PublicFilter::default() }, "ids override the other filters");
        let cases = [
            (("service_code", "potholes"), StatusCode::BAD_REQUEST),
            (("service_request_id", "12a"), StatusCode::BAD_REQUEST),
            (("status", "pending"), StatusCode::BAD_REQUEST),
            (("start_date", "yesterday"), StatusCode::BAD_REQUEST),
            (("updated_after", "2025-02-30"), StatusCode::BAD_REQUEST),
            (("jurisdiction_id", "narnia"), StatusCode::NOT_FOUND),
        ];
        for ((name, value), status) in cases {
            assert_eq!(parse_filters(&pairs(&[(name, value)]), now).unwrap_err().status, status, "{name}={value}");
        }
        let backwards = pairs(&[("start_date", "2025-03-02"), ("end_date", "2025-03-01")]);
        assert_eq!(parse_filters(&backwards, now).unwrap_err().status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_post_becomes_the_complaint_every_channel_files() {
        let r = parse_post(&pairs(&[
            ("api_key", "k"),
            ("service_code", "no_invoice"),
            ("description", "فاکتور نداد"),
            ("phone", "09121234567"),
            ("first_name", "Ali"),
            ("email", "ali@example.org"),
            ("lat", "35.7"),
            ("long", "51.4"),
            ("jurisdiction_id", "tehran"),
            ("attribute[guild_id]", "10010010011"),
            ("attribute[wants_compensation]", "true"),
            ("attribute[incident_date]", "2025-03-01T10:00:00+03:30"),
        ]))
        .unwrap();
        assert_eq!(r.api_key.as_deref(), Some("k"));
        let c = &r.complaint;
        assert_eq!((c.category.as_deref(), c.guild_id.as_deref(), c.wants_compensation), (Some("no_invoice"), Some("10010010011"), Some(true)));
        assert_eq!((c.province.as_deref(), c.incident_date.as_deref()), (Some("tehran"), Some("2025-03-01")));
        assert_eq!(c.business_address.as_deref(), Some("35.7,51.4"));
        assert!(!format!("{r:?}").contains("Ali") && !format!("{r:?}").contains("example.org"), "names and e-mail are not kept");
    }

    #[test]
    fn a_bad_post_is_a_400_saying_what() {
        let base = [("service_code", "fraud"), ("description", "x"), ("phone", "09121234567")];
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[("service_code", "potholes")], "service_code"),
            (&[("attribute[colour]", "red")], "attribute[colour]"),
            (&[("attribute[amount_rials]", "lots")], "amount_rials"),
            (&[("lat", "north")], "lat"),
            (&[("client_id", "nope")], "client_id"),
            (&[("attribute[wants_compensation]", "maybe")], "wants_compensation"),
        ];
        for (extra, names) in cases {
            let mut all = pairs(&base);
            all.extend(pairs(extra));
            let e = parse_post(&all).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
            assert!(e.description.contains(names), "{}", e.description);
        }
        assert!(parse_post(&pairs(&[("service_code", "fraud")])).unwrap_err().description.contains("phone"));
        assert!(parse_post(&pairs(&[("phone", "0912")])).unwrap_err().description.contains("service_code"));
    }

    #[test]
    fn a_retried_post_derives_the_same_client_id() {
        let c = NewComplaint { category: Some("fraud".into()), description: Some("x".into()), ..NewComplaint::default() };
        let day = time::macros::date!(2025 - 03 - 01);
        let id = derived_client_id(1, "+989121234567", &c, day);
        assert_eq!(id, derived_client_id(1, "+989121234567", &c, day));
        assert_ne!(id, derived_client_id(2, "+989121234567", &c, day), "another app");
        assert_ne!(id, derived_client_id(1, "+989121234567", &c, day.next_day().unwrap()), "another day");
    }
}
