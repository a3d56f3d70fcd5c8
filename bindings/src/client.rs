//! [`SamatClient`]: the core's `Client` behind the FFI. Each method converts its arguments,
//! calls the core, and converts the answer; nothing is decided here.

use std::sync::Arc;

use samat_core::Client;

use crate::records::{
    all, Business, BusinessChoice, ComplaintDetail, ComplaintEvent, ComplaintPhoto, Connection, Draft, DraftFields, DraftPhoto, FieldProblem, GuildCode,
    GuildKey, LocalComplaint, OutboxItem, PushDevice, PushNotification, PushTarget, Result, ScannedCode, Session, SyncReport,
};
use crate::runtime;
use crate::updates::{self, ComplaintUpdatesListener, SubscriptionHandle};

/// The app's client: drafts and photos kept on the phone, a queue that reaches the server
/// exactly once when it is back online, and the complaints' progress. Open one per app.
#[derive(uniffi::Object)]
pub struct SamatClient {
    inner: Client,
    /// The runtime `open` ran on (see [`runtime`]): subscriptions are spawned there.
    runtime: tokio::runtime::Handle,
}

#[uniffi::export(async_runtime = "tokio")]
impl SamatClient {
    /// Opens the client's storage in `data_dir` (created if needed; the app's private files
    /// folder) for the server at `server_url`. A corrupt database is `SamatError.Storage`.
    #[uniffi::constructor]
    pub async fn open(data_dir: String, server_url: String) -> Result<Arc<Self>> {
        let runtime = runtime::current()?;
        let inner = Client::open(data_dir, &server_url).await?;
        Ok(Arc::new(SamatClient { inner, runtime }))
    }

    /// The server this client talks to.
    pub fn server_url(&self) -> String {
        self.inner.server_url().to_owned()
    }

    /// Whether the server answers at all (to tell "offline" from "logged out").
    pub async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }

    // ---- login ----------------------------------------------------------------------------

    /// Asks the server to send a login code by SMS. Persian digits are fine.
    pub async fn request_otp(&self, phone: String) -> Result<()> {
        self.inner.request_otp(&phone).await
    }

    /// Exchanges the SMS code for a session. A wrong code is `Rejected` with `wrong_code`.
    pub async fn verify_otp(&self, phone: String, code: String) -> Result<Session> {
        self.inner.verify_otp(&phone, &code).await
    }

    /// Who is logged in.
    pub async fn session(&self) -> Result<Session> {
        self.inner.session().await
    }

    /// Logs out: the token is revoked (offline: on the next sync or login), this device stops
    /// receiving the account's pushes, and pushes already on their way are not shown. Queued
    /// work stays and goes out when this account logs in again.
    pub async fn logout(&self) -> Result<()> {
        self.inner.logout().await
    }

    // ---- drafts ---------------------------------------------------------------------------

    /// Creates a draft with `fields` (any may be empty).
    pub async fn create_draft(&self, fields: DraftFields) -> Result<Draft> {
        Ok(self.inner.create_draft(fields).await?.into())
    }

    /// Replaces a draft's fields (the whole form). A submitted draft is frozen.
    pub async fn update_draft(&self, id: String, fields: DraftFields) -> Result<Draft> {
        Ok(self.inner.update_draft(&id, fields).await?.into())
    }

    /// One draft.
    pub async fn draft(&self, id: String) -> Result<Draft> {
        Ok(self.inner.draft(&id).await?.into())
    }

    /// All drafts, newest first.
    pub async fn drafts(&self) -> Result<Vec<Draft>> {
        Ok(all(self.inner.drafts().await?))
    }

    /// Deletes a draft and its photos.
    pub async fn delete_draft(&self, id: String) -> Result<()> {
        self.inner.delete_draft(&id).await
    }

    /// Adds a photo (JPEG, PNG, WebP or GIF bytes); the client keeps a downscaled JPEG copy
    /// without EXIF or GPS.
    pub async fn add_photo(&self, draft_id: String, bytes: Vec<u8>) -> Result<DraftPhoto> {
        self.inner.add_photo(&draft_id, bytes).await
    }

    /// Adds a photo from a file the app can read (e.g. the camera's output file).
    pub async fn add_photo_file(&self, draft_id: String, path: String) -> Result<DraftPhoto> {
        self.inner.add_photo_file(&draft_id, path).await
    }

    /// Removes a photo from a draft.
    pub async fn remove_photo(&self, draft_id: String, photo_id: String) -> Result<()> {
        self.inner.remove_photo(&draft_id, &photo_id).await
    }

    /// Every problem with a draft, per field, each with a Persian message (empty: it can be
    /// submitted). Runs on the phone, no network.
    pub fn validate(&self, draft: Draft) -> Vec<FieldProblem> {
        self.inner.validate(&draft.into())
    }

    /// Validates the draft and queues it; returns at once, online or not. `sync` sends it.
    pub async fn submit(&self, draft_id: String) -> Result<OutboxItem> {
        Ok(self.inner.submit(&draft_id).await?.into())
    }

    // ---- the queue ------------------------------------------------------------------------

    /// Sends everything queued, then pulls new events. `Offline` when the server is
    /// unreachable (the work stays queued), `Unauthorized` when a login is needed.
    pub async fn sync(&self) -> Result<SyncReport> {
        Ok(self.inner.sync().await?.into())
    }

    /// Queued and refused work, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>> {
        Ok(all(self.inner.outbox().await?))
    }

    /// One queued or refused item.
    pub async fn outbox_item(&self, id: i64) -> Result<OutboxItem> {
        Ok(self.inner.outbox_item(id).await?.into())
    }

    /// Gives up a refused item (a refused complaint's draft stays, to be fixed).
    pub async fn discard(&self, outbox_id: i64) -> Result<()> {
        self.inner.discard(outbox_id).await
    }

    /// When the next automatic retry is due (ms since the epoch), if anything is queued: for
    /// the app's background scheduler (WorkManager, BGTaskScheduler).
    pub async fn next_retry_at_ms(&self) -> Result<Option<i64>> {
        Ok(self.inner.next_retry_at().await?.map(samat_core::model::jalali::millis))
    }

    // ---- complaints -----------------------------------------------------------------------

    /// The citizen's complaints known on the phone, newest first, with their history.
    pub async fn complaints(&self) -> Result<Vec<LocalComplaint>> {
        Ok(all(self.inner.complaints().await?))
    }

    /// One complaint as known on the phone.
    pub async fn complaint(&self, tracking_code: String) -> Result<LocalComplaint> {
        Ok(self.inner.complaint(&tracking_code).await?.into())
    }

    /// Fetches one complaint from the server (cheaply) and returns it as now known.
    pub async fn refresh(&self, tracking_code: String) -> Result<LocalComplaint> {
        Ok(self.inner.refresh(&tracking_code).await?.into())
    }

    /// Events not yet shown to the user, oldest first.
    pub async fn unseen_events(&self) -> Result<Vec<ComplaintEvent>> {
        Ok(all(self.inner.unseen_events().await?))
    }

    /// Marks events (by `seq`) as shown, so each is notified once.
    pub async fn mark_seen(&self, seqs: Vec<i64>) -> Result<()> {
        self.inner.mark_seen(seqs).await
    }

    /// The photos of a filed complaint, for its page: those on the phone first (`path` for a
    /// thumbnail; queued or uploaded), then those only the server holds (`fetch_photo`).
    pub async fn complaint_photos(&self, tracking_code: String) -> Result<Vec<ComplaintPhoto>> {
        Ok(all(self.inner.complaint_photos(&tracking_code).await?))
    }

    /// Brings a copy of a photo the server holds for one of the citizen's complaints to the
    /// phone, and returns it with its `path`.
    pub async fn fetch_photo(&self, tracking_code: String, photo_id: String) -> Result<ComplaintPhoto> {
        Ok(self.inner.fetch_photo(&tracking_code, &photo_id).await?.into())
    }

    /// Whether the server answered the last request or could not be reached: the offline
    /// indicator (a subscription's listener also hears each change).
    pub fn connection(&self) -> Connection {
        self.inner.connection()
    }

    /// Long-polls the server for up to `seconds` (≤ 60) and returns the new events, each
    /// once. Prefer `subscribe_updates`, which keeps doing this.
    pub async fn wait_for_updates(&self, seconds: u64) -> Result<Vec<ComplaintEvent>> {
        Ok(all(self.inner.wait_for_updates(seconds).await?))
    }

    /// Starts following the citizen's complaints: `listener` hears each batch of new events
    /// (and errors, while polling goes on with backoff) until the handle is cancelled or
    /// dropped.
    pub fn subscribe_updates(&self, listener: Arc<dyn ComplaintUpdatesListener>) -> Arc<SubscriptionHandle> {
        Arc::new(updates::subscribe(&self.runtime, self.inner.clone(), listener))
    }

    /// The server's VAPID public key (base64url), the `applicationServerKey` a UnifiedPush /
    /// Web Push subscription is made with.
    pub async fn push_vapid_key(&self) -> Result<String> {
        self.inner.push_vapid_key().await
    }

    /// Registers where this device receives pushes (UnifiedPush when a distributor is
    /// installed, else FCM; APNs on iOS). A target another account registered moves here.
    pub async fn register_push(&self, target: PushTarget) -> Result<PushDevice> {
        Ok(self.inner.register_push(target.into()).await?.into())
    }

    /// Stops pushes to this device.
    pub async fn unregister_push(&self) -> Result<()> {
        self.inner.unregister_push().await
    }

    /// Handles a push payload (FCM `data` as JSON, an APNs payload, a Web Push message):
    /// syncs, and returns the notification to show, or none when a sync already reported
    /// the news. Offline, the push's own stage is shown. Each event is shown once.
    pub async fn handle_push(&self, payload: String) -> Result<Option<PushNotification>> {
        self.inner.handle_push(&payload).await
    }

    // ---- citizen actions (queued; `sync` sends them) --------------------------------------

    /// Answers the business's offer in self-regulation: `accept` closes the complaint,
    /// otherwise an inspector is sent.
    pub async fn decide(&self, tracking_code: String, accept: bool, note: Option<String>) -> Result<OutboxItem> {
        Ok(self.inner.decide(&tracking_code, accept, note).await?.into())
    }

    /// Withdraws a complaint (any time before the verdict).
    pub async fn withdraw(&self, tracking_code: String, note: Option<String>) -> Result<OutboxItem> {
        Ok(self.inner.withdraw(&tracking_code, note).await?.into())
    }

    /// Feedback on the handling (`rating` 1–5); `escalate` sends it to the supervisors.
    pub async fn feedback(&self, tracking_code: String, rating: i64, comment: Option<String>, escalate: bool) -> Result<OutboxItem> {
        Ok(self.inner.feedback(&tracking_code, rating, comment, escalate).await?.into())
    }

    /// Public tracking of a complaint filed by phone or at a counter (no login needed).
    pub async fn track(&self, tracking_code: String, phone: String) -> Result<ComplaintDetail> {
        Ok(self.inner.track(&tracking_code, &phone).await?.into())
    }

    // ---- guild barcodes -------------------------------------------------------------------

    /// Fetches and caches the ministry's sticker keys, so scans verify offline.
    pub async fn refresh_keys(&self) -> Result<Vec<GuildKey>> {
        self.inner.refresh_keys().await
    }

    /// The cached sticker keys.
    pub async fn guild_keys(&self) -> Result<Vec<GuildKey>> {
        self.inner.guild_keys().await
    }

    /// Searches the registry by part of a business's name and/or its city (the business
    /// picker): from the server when reachable, else among the businesses cached on the phone.
    /// `Invalid` with `query_too_short` without two letters of a name or a city.
    pub async fn search_businesses(&self, query: Option<String>, city: Option<String>) -> Result<Vec<Business>> {
        self.inner.search_businesses(query, city).await
    }

    /// Sets the business a draft is about by its guild ID, typed (any digits) or picked from
    /// `search_businesses`: the registry (server, else the phone's cache) names it — name,
    /// address, city, province — and another shop's name and address never stay beside it.
    /// The answer's `business` is none when the registry does not know the ID.
    pub async fn choose_business(&self, draft_id: String, guild_id: String) -> Result<BusinessChoice> {
        Ok(self.inner.choose_business(&draft_id, &guild_id).await?.into())
    }

    /// A business by its ID: from the server when reachable, else from the cache; none when
    /// unknown.
    pub async fn lookup_business(&self, guild_id: String) -> Result<Option<Business>> {
        self.inner.lookup_business(&guild_id).await
    }

    /// Scans a photo (JPEG, PNG, WebP or GIF bytes) for QR codes and reads each as a guild
    /// code against the cached keys. A corrupt image is an error, never a crash.
    pub async fn scan_image(&self, bytes: Vec<u8>) -> Result<Vec<ScannedCode>> {
        Ok(all(self.inner.scan_image(bytes).await?))
    }

    /// Scans a camera frame's luma (Y) plane: `height` rows of `row_stride` bytes, of which
    /// the first `width` are pixels (CameraX `ImageProxy.planes[0]`, AVFoundation's
    /// biplanar Y plane). An impossible geometry is `Invalid` (`invalid_frame`).
    pub async fn scan_frame(&self, luma: Vec<u8>, width: u32, height: u32, row_stride: u32) -> Result<Vec<ScannedCode>> {
        Ok(all(self.inner.scan_frame(luma, width, height, row_stride).await?))
    }

    /// Creates a draft for the business a scanned guild code names (name from a verified
    /// sticker or the registry, never from an unverified sticker).
    pub async fn draft_from_scan(&self, code: GuildCode) -> Result<Draft> {
        Ok(self.inner.draft_from_scan(&code).await?.into())
    }
}
