//! The ministry's business registry as the app sees it: a business looked up by its ID or
//! searched by name and city (from the server when reachable, else from what this device
//! cached), and the business a draft is about.

use super::drafts::still_editable;
use super::error::{ClientError, Error, Result};
use super::search::{search_cached, BUSINESS_SEARCH_LIMIT};
use super::store::{self, drafts};
use super::types::BusinessChoice;
use super::{Client, Public};
use crate::model::api::{check_business_query, BusinessView};
use crate::model::guild::normalize_guild_id;
use crate::model::text::search_key;

/// A business from the registry cached on this device.
pub(super) fn cached_business(conn: &rusqlite::Connection, guild_id: &str) -> Result<Option<BusinessView>> {
    Ok(store::registry::business(conn, guild_id)?.and_then(|(body, _)| serde_json::from_str(&body).ok()))
}

impl Client {
    /// Looks a business up by its ID: from the server when reachable (cheaply, with
    /// `If-None-Match`), else from what was cached before. `Ok(None)` when unknown.
    pub async fn lookup_business(&self, guild_id: &str) -> Public<Option<BusinessView>> {
        let id = normalize_guild_id(guild_id).ok_or_else(|| ClientError::invalid("guild_id", "invalid_guild_id", "a business ID is 1 to 20 digits"))?;
        let key = id.clone();
        let cached = self.inner.db.read(move |conn| store::registry::business(conn, &key)).await?;
        let body = match self.inner.http.business(&id, cached.as_ref().and_then(|c| c.1.as_deref())).await {
            Ok(Some((body, etag))) => {
                let (key, b) = (id.clone(), body.clone());
                self.inner.db.write(move |conn| store::registry::put_business(conn, &key, &b, etag.as_deref())).await?;
                Some(body)
            }
            Ok(None) => cached.map(|c| c.0),
            Err(Error::Http { status: 404, .. }) => None,
            Err(Error::Network(_)) => cached.map(|c| c.0),
            Err(e) => return Err(e.into()),
        };
        Ok(body.map(|b| serde_json::from_str(&b)).transpose().map_err(Error::from)?)
    }

    /// Searches the registry by part of a business's name and/or its city, for the business
    /// picker: from the server when reachable (the matches are cached for offline use), else
    /// among the businesses cached on this device. Persian letter forms, digits of any script,
    /// spaces and ZWNJ do not matter; `query_too_short` without two letters of a name or a city.
    pub async fn search_businesses(&self, query: Option<String>, city: Option<String>) -> Public<Vec<BusinessView>> {
        let query = query.filter(|q| !search_key(q).is_empty());
        let city = city.filter(|c| !search_key(c).is_empty());
        check_business_query(query.as_deref(), city.as_deref()).map_err(|f| ClientError::Invalid { fields: vec![f] })?;
        match self.inner.http.search_businesses(query.as_deref(), city.as_deref(), BUSINESS_SEARCH_LIMIT).await {
            Ok(found) => {
                let cache = found.clone();
                self.inner
                    .db
                    .write(move |conn| {
                        let tx = conn.transaction()?;
                        for b in &cache {
                            // A body with no ETag: the next look-up fetches it whole once.
                            if store::registry::business(&tx, &b.guild_id)?.is_none() {
                                store::registry::put_business(&tx, &b.guild_id, &serde_json::to_string(b)?, None)?;
                            }
                        }
                        tx.commit()?;
                        Ok(())
                    })
                    .await?;
                Ok(found)
            }
            Err(Error::Network(_)) => {
                let cached = self.inner.db.read(store::registry::all_businesses).await?;
                let bodies: Vec<BusinessView> = cached.iter().filter_map(|b| serde_json::from_str(b).ok()).collect();
                Ok(search_cached(&bodies, query.as_deref(), city.as_deref(), BUSINESS_SEARCH_LIMIT as usize))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sets the business a draft is about by its guild ID — typed (in any digits) or picked
    /// from [`search_businesses`](Client::search_businesses) — and names it from the registry
    /// (the server, else the cache on this device): see
    /// [`DraftFields::choose_business`](super::DraftFields::choose_business). Returns the draft
    /// and the registry's record; no record when the registry does not know the ID.
    /// `invalid_guild_id` for what is not 1 to 20 digits.
    pub async fn choose_business(&self, draft_id: &str, guild_id: &str) -> Public<BusinessChoice> {
        let id = normalize_guild_id(guild_id).ok_or_else(|| ClientError::invalid("guild_id", "invalid_guild_id", "a business ID is 1 to 20 digits"))?;
        // Refused before asking the registry when the draft is gone or already submitted.
        let draft = self.draft(draft_id).await?;
        still_editable(draft)?;
        let business = match self.lookup_business(&id).await {
            Ok(b) => b,
            Err(ClientError::Offline { .. }) => None,
            Err(e) => return Err(e),
        };
        let chosen = business.clone();
        self.change_draft(draft_id, move |tx, d| drafts::update(tx, &d.id, &d.fields.clone().choose_business(&id, chosen.as_ref()), store::now())).await?;
        Ok(BusinessChoice { draft: self.draft(draft_id).await?, business })
    }
}
