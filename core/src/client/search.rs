//! Searching the registry cached on this device, when the server cannot be asked: the same
//! folding and order as the server's search (`GET /v1/businesses`), over the businesses the
//! app looked up or found before.

use crate::model::api::{check_business_query, BusinessView, LicenceStatus};
use crate::model::text::{search_key, sort_key};

/// Most businesses a search returns.
pub const BUSINESS_SEARCH_LIMIT: u32 = 20;

/// The cached businesses whose name contains `name` and whose city contains `city` (each
/// folded with [`search_key`], either may be absent), active licences first, then in Persian
/// alphabetical order, at most `limit`.
pub fn search_cached(all: &[BusinessView], name: Option<&str>, city: Option<&str>, limit: usize) -> Vec<BusinessView> {
    if check_business_query(name, city).is_err() {
        return Vec::new();
    }
    let name = name.map(search_key).filter(|k| !k.is_empty());
    let city = city.map(search_key).filter(|k| !k.is_empty());
    let mut found: Vec<&BusinessView> = all
        .iter()
        .filter(|b| name.as_deref().is_none_or(|n| search_key(&b.name).contains(n)))
        .filter(|b| city.as_deref().is_none_or(|c| b.city.as_deref().is_some_and(|bc| search_key(bc).contains(c))))
        .collect();
    found.sort_by_key(|b| (b.licence_status != Some(LicenceStatus::Active), sort_key(&b.name), b.guild_id.clone()));
    found.into_iter().take(limit).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn business(id: &str, name: &str, city: &str, status: LicenceStatus) -> BusinessView {
        BusinessView {
            guild_id: id.into(),
            name: name.into(),
            guild: None,
            licence_no: None,
            licence_status: Some(status),
            province: None,
            city: Some(city.into()),
            address: None,
        }
    }

    #[test]
    fn the_cache_is_searched_as_the_server_searches() {
        let all = vec![
            business("3", "سوپرمارکت نمونه", "تهران", LicenceStatus::Expired),
            business("1", "سوپر مارکت برکت", "تهران", LicenceStatus::Active),
            business("2", "نانوایی برکت", "اصفهان", LicenceStatus::Active),
        ];
        let ids = |name: Option<&str>, city: Option<&str>| search_cached(&all, name, city, 10).into_iter().map(|b| b.guild_id).collect::<Vec<_>>();
        // Spaces, ZWNJ and Arabic letter forms do not matter; active licences come first.
        assert_eq!(ids(Some("سوپرمارکت"), None), ["1", "3"]);
        assert_eq!(ids(Some("بركت"), None), ["1", "2"], "Arabic kaf");
        assert_eq!(ids(Some("برکت"), Some("اصفهان")), ["2"]);
        assert_eq!(ids(None, Some("تهران")), ["1", "3"]);
        assert!(ids(Some("س"), None).is_empty(), "one letter is too short");
        assert!(ids(None, None).is_empty());
        assert_eq!(search_cached(&all, None, Some("تهران"), 1).len(), 1);
    }
}
