//! The offline client of the "Samat-e Ma" app.
//!
//! A citizen writes a complaint in a shop basement with no signal and closes the app; the
//! complaint must still reach the server exactly once when the phone is back online, and its
//! progress must show up without the user asking. [`Client`] keeps drafts, photos and queued
//! work in a local SQLite database, sends the queue with idempotency keys in [`Client::sync`],
//! and pulls the complaint's events through the server's sync feed.
//!
//! Every public call is async (tokio), the client is `Send + Sync` and cheap to clone, and
//! errors are [`ClientError`].

pub mod error;
pub mod http;
pub mod photos;
pub mod push;
pub mod retry;
pub mod search;
/// Reading guild codes from scans (kept under its old path for the apps and the CLI).
#[cfg(feature = "scan")]
pub mod scanning {
    pub use crate::scan::identify::*;
}
pub mod store;
mod sync;
pub mod types;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::OffsetDateTime;

pub use self::error::ClientError;
use self::error::{Error, Result};
use self::http::Http;
use self::search::{search_cached, BUSINESS_SEARCH_LIMIT};
use self::store::outbox::{Payload, QueuedPhoto};
use self::store::{complaints, drafts, kv, outbox, LocalDb};
pub use self::types::*;
use crate::model::api::{check_business_query, BusinessView, ComplaintDetail, FieldError, MAX_PHOTOS_PER_COMPLAINT};
use crate::model::clock::today_in_iran;
use crate::model::guild::{normalize_guild_id, GuildKey};
use crate::model::text::search_key;
use crate::model::{PhoneNumber, TrackingCode};

type Public<T> = std::result::Result<T, ClientError>;

struct Inner {
    db: LocalDb,
    http: Http,
    photos_dir: PathBuf,
    /// Serialises sending, so two concurrent `sync()` calls never send the same item twice.
    send_lock: tokio::sync::Mutex<()>,
}

/// The client. Clone it freely: clones share one database and one queue.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// Whether someone is logged in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Session {
    /// The logged-in phone (`+98…`), if any.
    pub phone: Option<String>,
    /// The server refused the stored session: log in again (queued work is kept).
    pub expired: bool,
}

fn parse_code(code: &str) -> Public<TrackingCode> {
    TrackingCode::parse(code).map_err(|e| ClientError::invalid("tracking_code", e.code(), &e.to_string()))
}

fn parse_phone(phone: &str) -> Public<PhoneNumber> {
    PhoneNumber::parse(phone).map_err(|e| ClientError::invalid("phone", e.code(), &e.to_string()))
}

/// Checks a draft and returns every problem at once, per field, each with a stable code:
/// the server's own rules (category, description, business ID, lengths, dates, amounts) plus
/// the phone and the number of photos.
pub fn validate_draft(draft: &Draft) -> Vec<FieldError> {
    let mut problems = match draft.fields.to_new_complaint(None).validate(today_in_iran()) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    if let Some(p) = draft.fields.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        if let Err(e) = PhoneNumber::parse(p) {
            problems.push(FieldError::new("phone", e.code(), e.to_string()));
        }
    }
    if draft.photos.len() > MAX_PHOTOS_PER_COMPLAINT {
        problems.push(FieldError::new("photos", "too_many_photos", format!("at most {MAX_PHOTOS_PER_COMPLAINT} photos")));
    }
    problems
}

/// The app-facing error for a frame or image the scanner refused.
#[cfg(feature = "scan")]
pub fn scan_error(e: crate::scan::ScanError) -> ClientError {
    use crate::scan::ScanError;
    match e {
        ScanError::InvalidFrame(m) => ClientError::invalid("frame", "invalid_frame", &m),
        ScanError::TooLarge(m) => ClientError::invalid("image", "image_too_large", &m),
        ScanError::UnsupportedImage(m) => ClientError::Photo { message: m },
    }
}

/// The draft, if it may still change: not yet frozen into the outbox by `submit`. Called
/// inside the write transaction that changes it, so a concurrent submit cannot slip between.
fn editable(conn: &rusqlite::Connection, id: &str) -> Result<Draft> {
    let draft = drafts::get(conn, id)?.ok_or_else(|| ClientError::NotFound { what: format!("draft {id}") })?;
    still_editable(draft)
}

/// A business from the registry cached on this device.
fn cached_business(conn: &rusqlite::Connection, guild_id: &str) -> Result<Option<BusinessView>> {
    Ok(store::registry::business(conn, guild_id)?.and_then(|(body, _)| serde_json::from_str(&body).ok()))
}

/// Refuses a draft that `submit` froze.
fn still_editable(draft: Draft) -> Result<Draft> {
    if draft.state == DraftState::Submitted {
        return Err(ClientError::invalid("draft", "draft_submitted", "this draft is already queued for sending").into());
    }
    Ok(draft)
}

/// Whether the draft has room for one more photo.
fn photo_room(draft: &Draft) -> Result<()> {
    if draft.photos.len() >= MAX_PHOTOS_PER_COMPLAINT {
        return Err(ClientError::invalid("photos", "too_many_photos", "a complaint has at most 10 photos").into());
    }
    Ok(())
}

impl Client {
    /// Opens the client's storage in `data_dir` (created if needed) for the server at
    /// `server_url`. Safe after a crash at any point: migrations are transactional and
    /// half-written photo files are swept.
    pub async fn open(data_dir: impl AsRef<Path>, server_url: &str) -> Public<Client> {
        let data_dir = data_dir.as_ref().to_owned();
        let photos_dir = data_dir.join("photos");
        let db = tokio::task::spawn_blocking({
            let data_dir = data_dir.clone();
            let photos_dir = photos_dir.clone();
            move || -> Result<LocalDb> {
                std::fs::create_dir_all(&photos_dir)?;
                let db = LocalDb::open(&data_dir.join("samat.db"))?;
                Ok(db)
            }
        })
        .await
        .map_err(|e| ClientError::Storage { message: e.to_string() })??;
        let http = Http::new(server_url)?;
        let client = Client { inner: Arc::new(Inner { db, http, photos_dir, send_lock: tokio::sync::Mutex::new(()) }) };
        client.sweep_photos().await?;
        Ok(client)
    }

    async fn sweep_photos(&self) -> Result<()> {
        let dir = self.inner.photos_dir.clone();
        let referenced = self.inner.db.read(drafts::referenced_files).await?;
        tokio::task::spawn_blocking(move || photos::sweep(&dir, &referenced)).await.map_err(|e| Error::Task(e.to_string()))??;
        Ok(())
    }

    /// The server this client talks to.
    pub fn server_url(&self) -> &str {
        self.inner.http.base_url()
    }

    /// Whether the server answers at all (`GET /healthz`), to tell "offline" from "logged
    /// out" before asking the user to log in.
    pub async fn ping(&self) -> Public<()> {
        Ok(self.inner.http.ping().await?)
    }

    // ---- session ----------------------------------------------------------------------

    /// Asks the server to send a login code by SMS. Persian digits are fine.
    pub async fn request_otp(&self, phone: &str) -> Public<()> {
        let phone = parse_phone(phone)?;
        self.inner.http.request_otp(phone.as_str()).await?;
        Ok(())
    }

    /// Exchanges the SMS code for a session, stored for every later call.
    pub async fn verify_otp(&self, phone: &str, code: &str) -> Public<Session> {
        let phone = parse_phone(phone)?;
        let token = match self.inner.http.verify(phone.as_str(), code.trim()).await {
            Ok(t) => t.token,
            // A refused code is not an expired session: keep the server's reason
            // (`wrong_code`, `code_expired`, `too_many_attempts`).
            Err(Error::Http { status, code, detail, .. }) if status == 401 || status == 429 => {
                return Err(ClientError::Rejected { status, code, message: detail })
            }
            Err(e) => return Err(e.into()),
        };
        let p = phone.as_str().to_owned();
        self.inner
            .db
            .write(move |conn| {
                let tx = conn.transaction()?;
                if kv::get(&tx, kv::PHONE)?.is_some_and(|old| old != p) {
                    // Another citizen on this phone: the previous one's complaints and feed are
                    // not theirs to see (their queued work waits for their next login).
                    kv::remove(&tx, kv::CURSOR)?;
                    complaints::forget(&tx, None)?;
                }
                kv::set(&tx, kv::TOKEN, &token)?;
                kv::set(&tx, kv::PHONE, &p)?;
                kv::remove(&tx, kv::EXPIRED)?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        sync::revoke_pending(&self.inner).await;
        self.session().await
    }

    /// The current session.
    pub async fn session(&self) -> Public<Session> {
        Ok(self.inner.db.read(|conn| Ok(Session { phone: kv::get(conn, kv::PHONE)?, expired: kv::get(conn, kv::EXPIRED)?.is_some() })).await?)
    }

    /// Logs out: the token is revoked on the server, which also forgets this device's push
    /// target, so the account's news stops reaching the phone. Offline, the revocation is kept
    /// and done by the next `sync()` or login. Queued work stays.
    pub async fn logout(&self) -> Public<()> {
        self.inner
            .db
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                if let Some(t) = kv::get(&tx, kv::TOKEN)? {
                    kv::set(&tx, kv::REVOKE_PENDING, &t)?;
                }
                kv::remove(&tx, kv::TOKEN)?;
                kv::remove(&tx, kv::EXPIRED)?;
                kv::remove(&tx, kv::PUSH_DEVICE)?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        sync::revoke_pending(&self.inner).await;
        Ok(())
    }

    // ---- drafts -----------------------------------------------------------------------

    /// Creates a draft with `fields` (any of them may be empty).
    pub async fn create_draft(&self, fields: DraftFields) -> Public<Draft> {
        let id = uuid::Uuid::new_v4().to_string();
        let draft_id = id.clone();
        self.inner
            .db
            .write(move |conn| {
                drafts::insert(conn, &draft_id, &fields, store::now())?;
                Ok(())
            })
            .await?;
        self.draft(&id).await
    }

    /// Replaces a draft's fields (the whole form). A submitted draft is frozen.
    pub async fn update_draft(&self, id: &str, fields: DraftFields) -> Public<Draft> {
        self.change_draft(id, move |tx, d| drafts::update(tx, &d.id, &fields, store::now())).await?;
        self.draft(id).await
    }

    /// A draft.
    pub async fn draft(&self, id: &str) -> Public<Draft> {
        let draft_id = id.to_owned();
        let draft = self.inner.db.read(move |conn| drafts::get(conn, &draft_id)).await?.ok_or_else(|| ClientError::NotFound { what: format!("draft {id}") })?;
        Ok(self.located(draft))
    }

    /// The draft with each photo's path where the file is now (the database keeps names).
    fn located(&self, mut draft: Draft) -> Draft {
        for p in &mut draft.photos {
            p.path = photos::resolve(&self.inner.photos_dir, &p.path).to_string_lossy().into_owned();
        }
        draft
    }

    /// Runs `change` on draft `id` in one IMMEDIATE write transaction, after checking that it
    /// may still change (not frozen by `submit`), and commits: nothing another thread or
    /// process does to the draft can slip between the check and the change.
    async fn change_draft<T, F>(&self, id: &str, change: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction, Draft) -> Result<T> + Send + 'static,
    {
        let id = id.to_owned();
        self.inner
            .db
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let draft = editable(&tx, &id)?;
                let out = change(&tx, draft)?;
                tx.commit()?;
                Ok(out)
            })
            .await
    }

    /// All drafts, newest first.
    pub async fn drafts(&self) -> Public<Vec<Draft>> {
        Ok(self.inner.db.read(drafts::list).await?.into_iter().map(|d| self.located(d)).collect())
    }

    /// Deletes a draft and its photos.
    pub async fn delete_draft(&self, id: &str) -> Public<()> {
        let files = self.change_draft(id, |tx, d| drafts::delete(tx, &d.id)).await?.unwrap_or_default();
        for f in files {
            let _ = std::fs::remove_file(photos::resolve(&self.inner.photos_dir, &f));
        }
        Ok(())
    }

    /// Adds a photo (JPEG, PNG, WebP or GIF bytes) to a draft: the client keeps its own
    /// downscaled JPEG copy, without EXIF or GPS.
    pub async fn add_photo(&self, draft_id: &str, bytes: Vec<u8>) -> Public<DraftPhoto> {
        // Checked before the (slow) re-encoding, and again when the photo is recorded.
        photo_room(&still_editable(self.draft(draft_id).await?)?)?;
        let id = uuid::Uuid::new_v4().to_string();
        let dir = self.inner.photos_dir.clone();
        let photo =
            tokio::task::spawn_blocking(move || photos::import(&dir, &id, &bytes)).await.map_err(|e| ClientError::Storage { message: e.to_string() })??;
        let p = photo.clone();
        let stored = self
            .change_draft(draft_id, move |tx, d| {
                photo_room(&d)?;
                drafts::add_photo(tx, &d.id, &p, store::now())
            })
            .await;
        if let Err(e) = stored {
            let _ = std::fs::remove_file(&photo.path);
            return Err(e.into());
        }
        Ok(photo)
    }

    /// Adds a photo from a file.
    pub async fn add_photo_file(&self, draft_id: &str, path: impl AsRef<Path>) -> Public<DraftPhoto> {
        let path = path.as_ref().to_owned();
        let bytes = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
            let len = std::fs::metadata(&path)?.len();
            if len as usize > photos::MAX_SOURCE_BYTES {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "the photo is too large"));
            }
            std::fs::read(&path)
        })
        .await
        .map_err(|e| ClientError::Storage { message: e.to_string() })?
        .map_err(|e| ClientError::Photo { message: format!("cannot read the photo: {e}") })?;
        self.add_photo(draft_id, bytes).await
    }

    /// Removes a photo from a draft.
    pub async fn remove_photo(&self, draft_id: &str, photo_id: &str) -> Public<()> {
        let p = photo_id.to_owned();
        let file = self.change_draft(draft_id, move |tx, d| drafts::remove_photo(tx, &d.id, &p)).await?;
        let file = file.ok_or_else(|| ClientError::NotFound { what: format!("photo {photo_id}") })?;
        let _ = std::fs::remove_file(photos::resolve(&self.inner.photos_dir, &file));
        Ok(())
    }

    /// Every problem with a draft, per field (empty when it can be submitted).
    pub fn validate(&self, draft: &Draft) -> Vec<FieldError> {
        validate_draft(draft)
    }

    /// Validates the draft and freezes it into the outbox with a fresh `client_id`; returns at
    /// once, online or not. [`sync`](Client::sync) sends it.
    pub async fn submit(&self, draft_id: &str) -> Public<OutboxItem> {
        let session = self.session().await?;
        // One transaction from the check to the freeze: a double tap, or two processes
        // submitting the same draft at once, queue it once.
        let outbox_id = self
            .change_draft(draft_id, move |tx, draft| {
                let id = draft.id.clone();
                let problems = validate_draft(&draft);
                if !problems.is_empty() {
                    return Err(ClientError::Invalid { fields: problems }.into());
                }
                if let (Some(wanted), Some(logged)) = (draft.fields.phone.as_deref().filter(|p| !p.trim().is_empty()), session.phone.as_deref()) {
                    if PhoneNumber::parse(wanted).map(|p| p.as_str() != logged).unwrap_or(true) {
                        return Err(ClientError::invalid("phone", "phone_not_logged_in", "log in with this phone number to file under it").into());
                    }
                }
                // Filed by guild ID alone: the shop is named from the registry cached here, so
                // the queue and the list name it offline (the server does the same at intake).
                let fields = match draft.fields.guild_id.as_deref().and_then(normalize_guild_id) {
                    Some(guild_id) => match cached_business(tx, &guild_id)? {
                        Some(b) => draft.fields.clone().with_business(&b),
                        None => draft.fields.clone(),
                    },
                    None => draft.fields.clone(),
                };
                if fields != draft.fields {
                    drafts::update(tx, &id, &fields, store::now())?;
                }
                let client_id = uuid::Uuid::new_v4().to_string();
                let payload = Payload::Complaint {
                    body: fields.to_new_complaint(Some(client_id.clone())),
                    photos: draft.photos.iter().map(|p| QueuedPhoto { id: p.id.clone(), file: photos::file_name(&p.path).to_owned() }).collect(),
                };
                outbox::clear_failed_for_draft(tx, &id)?;
                let oid = outbox::insert(tx, &client_id, Some(&id), &payload, store::now())?;
                drafts::set_state(tx, &id, DraftState::Submitted, None, store::now())?;
                Ok(oid)
            })
            .await?;
        self.outbox_item(outbox_id).await
    }

    /// One outbox item.
    pub async fn outbox_item(&self, id: i64) -> Public<OutboxItem> {
        let items = self.inner.db.read(outbox::list).await?;
        items.into_iter().find(|i| i.id == id).ok_or_else(|| ClientError::NotFound { what: format!("outbox item {id}") })
    }

    /// Queued and refused work, oldest first.
    pub async fn outbox(&self) -> Public<Vec<OutboxItem>> {
        Ok(self.inner.db.read(outbox::list).await?)
    }

    /// Gives up a refused item. For a refused complaint, its draft stays (state `rejected`) to
    /// be fixed and submitted again.
    pub async fn discard(&self, outbox_id: i64) -> Public<()> {
        let removed = self.inner.db.write(move |conn| outbox::discard_failed(conn, outbox_id)).await?;
        match removed {
            Some(Payload::Photo { file, .. }) => {
                let _ = std::fs::remove_file(photos::resolve(&self.inner.photos_dir, &file));
                Ok(())
            }
            Some(_) => Ok(()),
            None => Err(ClientError::NotFound { what: format!("refused outbox item {outbox_id}") }),
        }
    }

    /// When the next automatic retry is due, if anything is queued (for the app's scheduler).
    pub async fn next_retry_at(&self) -> Public<Option<OffsetDateTime>> {
        Ok(self.inner.db.read(outbox::next_due).await?)
    }

    // ---- citizen actions --------------------------------------------------------------

    async fn queue_action(&self, payload: Payload) -> Public<OutboxItem> {
        let key = uuid::Uuid::new_v4().to_string();
        let id = self.inner.db.write(move |conn| outbox::insert(conn, &key, None, &payload, store::now())).await?;
        self.outbox_item(id).await
    }

    /// Queues the answer to the business's reply in self-regulation: `accept` closes the
    /// complaint, otherwise an inspector is sent.
    pub async fn decide(&self, tracking_code: &str, accept: bool, note: Option<String>) -> Public<OutboxItem> {
        let code = parse_code(tracking_code)?;
        self.queue_action(Payload::Decision { tracking_code: code.to_string(), accept, note }).await
    }

    /// Queues a withdrawal.
    pub async fn withdraw(&self, tracking_code: &str, note: Option<String>) -> Public<OutboxItem> {
        let code = parse_code(tracking_code)?;
        self.queue_action(Payload::Withdraw { tracking_code: code.to_string(), note }).await
    }

    /// Queues feedback about how the complaint was handled; `escalate` sends it to the
    /// ministry's complaints centre (supervisors).
    pub async fn feedback(&self, tracking_code: &str, rating: i64, comment: Option<String>, escalate: bool) -> Public<OutboxItem> {
        let code = parse_code(tracking_code)?;
        if !(1..=5).contains(&rating) {
            return Err(ClientError::invalid("rating", "invalid_rating", "rating is 1 to 5"));
        }
        self.queue_action(Payload::Feedback { tracking_code: code.to_string(), rating, comment, escalate }).await
    }

    /// Public tracking of a complaint filed by phone or at a counter (no login needed).
    pub async fn track(&self, tracking_code: &str, phone: &str) -> Public<ComplaintDetail> {
        let code = parse_code(tracking_code)?;
        let phone = parse_phone(phone)?;
        Ok(self.inner.http.track(code, phone.as_str()).await?)
    }

    // ---- guild barcodes and the business registry ----------------------------------------

    /// Fetches the ministry's sticker-signing keys and caches them, so scans verify offline.
    pub async fn refresh_keys(&self) -> Public<Vec<GuildKey>> {
        Ok(sync::refresh_keys(&self.inner).await?)
    }

    /// The cached sticker-signing keys.
    pub async fn guild_keys(&self) -> Public<Vec<GuildKey>> {
        Ok(self.inner.db.read(store::registry::keys).await?)
    }

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
    /// (the server, else the cache on this device): see [`DraftFields::choose_business`].
    /// Returns the draft and the registry's record; no record when the registry does not know
    /// the ID. `invalid_guild_id` for what is not 1 to 20 digits.
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

    /// Creates a draft for the business a guild code identifies: its ID always; its name from
    /// a verified sticker, else from the registry (cached or fetched) — never an unverified
    /// sticker's name; address, city and province from the registry when known.
    #[cfg(feature = "scan")]
    pub async fn draft_from_scan(&self, code: &scanning::GuildCode) -> Public<Draft> {
        let business = match self.lookup_business(&code.guild_id).await {
            Ok(b) => b,
            Err(ClientError::Offline { .. }) => None,
            Err(e) => return Err(e),
        };
        let fields = DraftFields {
            guild_id: Some(code.guild_id.clone()),
            business_name: if code.verified { code.name.clone() } else { None }.or_else(|| business.as_ref().map(|b| b.name.clone())),
            business_address: business.as_ref().and_then(|b| b.address.clone()),
            city: business.as_ref().and_then(|b| b.city.clone()),
            province: business.as_ref().and_then(|b| b.province.clone()),
            ..Default::default()
        };
        self.create_draft(fields).await
    }

    /// Scans a photo (JPEG, PNG, WebP or GIF) for QR codes and reads each as a guild code
    /// against the cached keys. Never panics on a hostile image; work per image is bounded.
    #[cfg(feature = "scan")]
    pub async fn scan_image(&self, bytes: Vec<u8>) -> Public<Vec<scanning::ScannedCode>> {
        let keys = self.guild_keys().await?;
        let codes: Vec<scanning::ScannedCode> =
            tokio::task::spawn_blocking(move || crate::scan::scan_image(&bytes).map(|codes| codes.iter().map(|c| scanning::identify(c, &keys)).collect()))
                .await
                .map_err(|e| ClientError::Storage { message: e.to_string() })?
                .map_err(scan_error)?;
        self.with_registry_names(codes).await
    }

    /// Names each guild code's shop from the cached registry.
    #[cfg(feature = "scan")]
    async fn with_registry_names(&self, mut codes: Vec<scanning::ScannedCode>) -> Public<Vec<scanning::ScannedCode>> {
        if codes.iter().all(|c| c.guild.is_none()) {
            return Ok(codes);
        }
        let ids: Vec<String> = codes.iter().filter_map(|c| c.guild.as_ref().map(|g| g.guild_id.clone())).collect();
        let names = self
            .inner
            .db
            .read(move |conn| {
                let mut names = std::collections::HashMap::new();
                for id in ids {
                    if let Some((body, _)) = store::registry::business(conn, &id)? {
                        if let Ok(b) = serde_json::from_str::<BusinessView>(&body) {
                            names.insert(id, b.name);
                        }
                    }
                }
                Ok(names)
            })
            .await?;
        scanning::name_from_registry(&mut codes, |id| names.get(id).cloned());
        Ok(codes)
    }

    /// Scans a camera frame's luma (Y) plane, `row_stride` bytes per row, as CameraX and
    /// AVFoundation deliver it (no RGB copy).
    #[cfg(feature = "scan")]
    pub async fn scan_frame(&self, luma: Vec<u8>, width: u32, height: u32, row_stride: u32) -> Public<Vec<scanning::ScannedCode>> {
        let keys = self.guild_keys().await?;
        let codes: Vec<scanning::ScannedCode> = tokio::task::spawn_blocking(move || {
            crate::scan::scan_frame(&luma, width, height, row_stride).map(|codes| codes.iter().map(|c| scanning::identify(c, &keys)).collect())
        })
        .await
        .map_err(|e| ClientError::Storage { message: e.to_string() })?
        .map_err(scan_error)?;
        self.with_registry_names(codes).await
    }

    // ---- push ---------------------------------------------------------------------------

    /// The server's VAPID public key (base64url), to create a UnifiedPush / Web Push
    /// subscription with (`applicationServerKey`).
    pub async fn push_vapid_key(&self) -> Public<String> {
        Ok(self.inner.http.vapid_key().await?)
    }

    /// Registers where this device receives pushes (a UnifiedPush subscription, an FCM token
    /// or an APNs token) and remembers its id; a token another account registered moves here.
    pub async fn register_push(&self, target: crate::model::api::PushTarget) -> Public<crate::model::api::DeviceView> {
        let token = self.session_token().await?;
        let device = self.inner.http.register_device(&token, &target).await?;
        let id = device.id.to_string();
        self.inner.db.write(move |conn| kv::set(conn, kv::PUSH_DEVICE, &id)).await?;
        Ok(device)
    }

    /// Unregisters this device's push target (the one last registered), if any.
    pub async fn unregister_push(&self) -> Public<()> {
        let Some(id) = self.inner.db.read(|conn| kv::get(conn, kv::PUSH_DEVICE)).await? else { return Ok(()) };
        let token = self.session_token().await?;
        match self.inner.http.unregister_device(&token, id.parse().unwrap_or(0)).await {
            Ok(()) | Err(Error::Http { status: 404, .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.inner
            .db
            .write(move |conn| {
                // Only the device this call unregistered (a register_push may have just replaced it).
                if kv::get(conn, kv::PUSH_DEVICE)?.as_deref() == Some(id.as_str()) {
                    kv::remove(conn, kv::PUSH_DEVICE)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    async fn session_token(&self) -> Public<String> {
        self.inner
            .db
            .read(|conn| Ok(if kv::get(conn, kv::EXPIRED)?.is_some() { None } else { kv::get(conn, kv::TOKEN)? }))
            .await?
            .ok_or(ClientError::Unauthorized)
    }

    /// Handles a push payload (Web Push / UnifiedPush message, FCM `data`, APNs payload):
    /// syncs to read the details and returns what to show, or `None` when there is nothing
    /// new (a sync already reported it). Each event is reported once, whichever of the push
    /// and a sync brings it first; the events shown are marked seen. Offline, the push's own
    /// stage is shown and the later sync does not repeat it.
    pub async fn handle_push(&self, payload: &str) -> Public<Option<push::Notification>> {
        let msg = push::PushMessage::parse(payload).ok_or_else(|| ClientError::invalid("payload", "invalid_push", "not a Samat push message"))?;
        if self.inner.db.read(|conn| kv::get(conn, kv::TOKEN)).await?.is_none() {
            // Logged out (the server forgets the device once the logout reaches it): the
            // account's news is no longer this phone's to show.
            return Ok(None);
        }
        let pulled = sync::pull(&self.inner, 0, false).await;
        let code = msg.tracking_code;
        let offline_placeholder = match pulled {
            Ok(_) => false,
            Err(e) => match ClientError::from(e) {
                ClientError::Offline { .. } | ClientError::Unauthorized | ClientError::Server { .. } => {
                    let (stage, seq) = (msg.stage, msg.cursor);
                    self.inner.db.write(move |conn| complaints::add_pushed(conn, code, stage, seq)).await?
                }
                other => return Err(other),
            },
        };
        let shown = self
            .inner
            .db
            .write(move |conn| {
                let tx = conn.transaction()?;
                // What no sync has returned and no push has shown yet, and the app has not seen.
                let unseen = complaints::unreported_of(&tx, code)?;
                complaints::mark_seen(&tx, &unseen.iter().map(|e| e.event.seq).collect::<Vec<_>>())?;
                complaints::mark_notified(&tx, &unseen)?;
                tx.commit()?;
                Ok(unseen)
            })
            .await?;
        let latest = shown.iter().rfind(|e| e.event.kind != crate::model::api::EventKind::Note).or(shown.last());
        let (stage, seq) = match (latest, offline_placeholder) {
            (Some(e), _) => (e.event.stage, e.event.seq),
            (None, true) => (msg.stage, msg.cursor),
            (None, false) => return Ok(None),
        };
        let (title_fa, body_fa) = push::notification_text(code, stage);
        Ok(Some(push::Notification { tracking_code: code, stage, title_fa, body_fa, seq }))
    }

    // ---- status -----------------------------------------------------------------------

    /// The citizen's complaints known locally, newest first, with their events.
    pub async fn complaints(&self) -> Public<Vec<LocalComplaint>> {
        Ok(self.inner.db.read(complaints::list).await?)
    }

    /// One complaint as known locally.
    pub async fn complaint(&self, tracking_code: &str) -> Public<LocalComplaint> {
        let code = parse_code(tracking_code)?;
        self.inner.db.read(move |conn| complaints::get(conn, code)).await?.ok_or_else(|| ClientError::NotFound { what: format!("complaint {code}") })
    }

    /// Events not yet shown to the user, oldest first.
    pub async fn unseen_events(&self) -> Public<Vec<ComplaintEvent>> {
        Ok(self.inner.db.read(complaints::unseen).await?)
    }

    /// Takes the events not yet shown — all, or those of `only` — and marks them shown, in
    /// one transaction, oldest first: what a process prints as it takes it is printed by no
    /// other (`samat watch` beside `samat sync` report each event once between them).
    pub async fn take_unseen(&self, only: Option<Vec<i64>>) -> Public<Vec<ComplaintEvent>> {
        Ok(self.inner.db.write(move |conn| complaints::take_unseen(conn, only.as_deref())).await?)
    }

    /// Whether the server answered the last request (any call, any answer) or could not be
    /// reached: what an offline indicator shows.
    pub fn connection(&self) -> Connection {
        self.inner.http.connection()
    }

    /// The photos of a filed complaint, for its page: those on this device (queued for upload
    /// or uploaded; `path` for a thumbnail), then those only the server holds (filed on the
    /// portal or by an operator), which [`fetch_photo`](Client::fetch_photo) brings here.
    pub async fn complaint_photos(&self, tracking_code: &str) -> Public<Vec<ComplaintPhoto>> {
        let code = parse_code(tracking_code)?;
        let (mut photos, detail) =
            self.inner.db.read(move |conn| Ok((store::photos::of(conn, code)?, complaints::get(conn, code)?.and_then(|c| c.detail)))).await?;
        for p in &mut photos {
            p.path = p.path.as_deref().map(|f| photos::resolve(&self.inner.photos_dir, f).to_string_lossy().into_owned());
        }
        for p in detail.map(|d| d.photos).unwrap_or_default() {
            let id = p.photo_id.to_string();
            if !photos.iter().any(|l| l.photo_id == id) {
                photos.push(ComplaintPhoto {
                    photo_id: id,
                    path: None,
                    width: None,
                    height: None,
                    size: p.size.max(0) as u64,
                    state: PhotoState::OnServer,
                    added_at: None,
                });
            }
        }
        Ok(photos)
    }

    /// Brings a copy of a photo the server holds for one of the citizen's complaints to this
    /// device (checked and re-encoded like any photo), and returns it with its `path`.
    pub async fn fetch_photo(&self, tracking_code: &str, photo_id: &str) -> Public<ComplaintPhoto> {
        let code = parse_code(tracking_code)?;
        let id = uuid::Uuid::parse_str(photo_id.trim()).map_err(|_| ClientError::invalid("photo_id", "invalid_photo_id", "a photo id is a UUID"))?.to_string();
        if let Some(p) = self.complaint_photos(code.as_str()).await?.into_iter().find(|p| p.photo_id == id && p.path.is_some()) {
            return Ok(p);
        }
        let token = self.session_token().await?;
        let bytes = self.inner.http.photo(&token, code, &id).await?;
        let dir = self.inner.photos_dir.clone();
        let file_id = id.clone();
        let photo = tokio::task::spawn_blocking(move || photos::import(&dir, &file_id, &bytes))
            .await
            .map_err(|e| ClientError::Storage { message: e.to_string() })??;
        let stored = store::photos::StoredPhoto {
            photo_id: id.clone(),
            tracking_code: code.to_string(),
            file: photos::file_name(&photo.path).to_owned(),
            width: photo.width,
            height: photo.height,
            size: photo.size,
            uploaded: true,
        };
        self.inner.db.write(move |conn| store::photos::insert(conn, &stored, store::now())).await?;
        self.complaint_photos(code.as_str()).await?.into_iter().find(|p| p.photo_id == id).ok_or_else(|| ClientError::NotFound { what: format!("photo {id}") })
    }

    /// Marks events as shown, so each is notified once.
    pub async fn mark_seen(&self, seqs: Vec<i64>) -> Public<()> {
        Ok(self.inner.db.write(move |conn| complaints::mark_seen(conn, &seqs)).await?)
    }

    /// Sends everything queued (at once: call it when the network comes back), then pulls new
    /// events. `Err(Offline)` when the server is unreachable (the work stays queued),
    /// `Err(Unauthorized)` when a login is needed.
    pub async fn sync(&self) -> Public<SyncReport> {
        self.sync_with(false, &|_| {}).await
    }

    /// Like [`sync`](Client::sync); `due_only` sends only items whose backoff has passed (for
    /// background timers), and `progress` hears about each item.
    pub async fn sync_with(&self, due_only: bool, progress: &(dyn Fn(SyncProgress) + Send + Sync)) -> Public<SyncReport> {
        Ok(sync::run(&self.inner, due_only, progress).await?)
    }

    /// Long-polls the server for up to `seconds` (≤ 60) and returns the new events, each once.
    pub async fn wait_for_updates(&self, seconds: u64) -> Public<Vec<ComplaintEvent>> {
        Ok(sync::pull(&self.inner, seconds.min(60), true).await?)
    }

    /// Fetches one complaint (cheaply: `If-None-Match`) and returns it as now known.
    pub async fn refresh(&self, tracking_code: &str) -> Public<LocalComplaint> {
        let code = parse_code(tracking_code)?;
        sync::refresh(&self.inner, code).await?;
        self.complaint(tracking_code).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<Client>();
    }

    #[tokio::test]
    async fn a_corrupt_database_is_a_storage_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("samat.db"), b"this is not a sqlite database, just bytes that pretend").unwrap();
        match Client::open(dir.path(), "http://127.0.0.1:9").await {
            Err(ClientError::Storage { .. }) => {}
            Err(other) => panic!("expected a storage error, got {other:?}"),
            Ok(_) => panic!("a corrupt database must not open"),
        }
    }

    #[tokio::test]
    async fn drafts_survive_reopening_and_validate_every_field_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), "http://127.0.0.1:9").await.unwrap();
        let d = client
            .create_draft(DraftFields {
                description: Some("".into()),
                incident_date: Some("2999-01-01".into()),
                amount_rials: Some(-3),
                phone: Some("0912".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let mut codes: Vec<String> = client.validate(&d).into_iter().map(|f| f.code).collect();
        codes.sort();
        assert_eq!(codes, ["date_in_future", "description_empty", "invalid_phone", "missing_category", "negative_amount"]);
        match client.submit(&d.id).await {
            Err(ClientError::Invalid { fields }) => assert_eq!(fields.len(), 5),
            other => panic!("{other:?}"),
        }
        drop(client);
        let client = Client::open(dir.path(), "http://127.0.0.1:9").await.unwrap();
        let again = client.draft(&d.id).await.unwrap();
        assert_eq!(again.fields, d.fields);
        assert_eq!(client.drafts().await.unwrap().len(), 1);
        client.delete_draft(&d.id).await.unwrap();
        assert!(matches!(client.draft(&d.id).await, Err(ClientError::NotFound { .. })));
    }
}
