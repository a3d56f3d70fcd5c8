//! The sync engine: sends the outbox in order with each item's idempotency key, applies the
//! retry policy to what fails, and pulls the citizen's events after the stored cursor; and the
//! client's calls that run it.

use rand::Rng;
use time::OffsetDateTime;

use super::error::{ClientError, Error, Result};
use super::retry::{self, Next, Outcome};
use super::session::{expire, revoke_pending, token};
use super::stickers::{keys_stale, refresh_keys};
use super::store::outbox::{Payload, Queued};
use super::store::{self, complaints, drafts, kv, outbox};
use super::types::{ComplaintEvent, DraftState, ItemResult, LocalComplaint, OutboxKind, Rejection, SyncProgress, SyncReport};
use super::{parse_code, Client, Inner, Public};
use crate::model::api::{DecisionRequest, FeedbackRequest, FieldError, SubmitResponse, WithdrawRequest};
use crate::model::TrackingCode;

impl Client {
    /// Sends everything queued (at once: call it when the network comes back), then pulls new
    /// events. `Err(Offline)` when the server is unreachable (the work stays queued),
    /// `Err(Unauthorized)` when a login is needed.
    pub async fn sync(&self) -> Public<SyncReport> {
        self.sync_with(false, &|_| {}).await
    }

    /// Like [`sync`](Client::sync); `due_only` sends only items whose backoff has passed (for
    /// background timers), and `progress` hears about each item.
    pub async fn sync_with(&self, due_only: bool, progress: &(dyn Fn(SyncProgress) + Send + Sync)) -> Public<SyncReport> {
        Ok(run(&self.inner, due_only, progress).await?)
    }

    /// Long-polls the server for up to `seconds` (≤ 60) and returns the new events, each once.
    pub async fn wait_for_updates(&self, seconds: u64) -> Public<Vec<ComplaintEvent>> {
        Ok(pull(&self.inner, seconds.min(60), true).await?)
    }

    /// Fetches one complaint (cheaply: `If-None-Match`) and returns it as now known.
    pub async fn refresh(&self, tracking_code: &str) -> Public<LocalComplaint> {
        let code = parse_code(tracking_code)?;
        refresh(&self.inner, code).await?;
        self.complaint(tracking_code).await
    }
}

/// The outcome of one attempt, and what a success returned.
enum Sent {
    Complaint(SubmitResponse),
    Other,
}

fn outcome_of(e: &Error) -> Outcome {
    match e {
        Error::Network(_) => Outcome::Network,
        Error::Http { status: 401, .. } => Outcome::Unauthorized,
        Error::Http { status, code, .. } => Outcome::Status { status: *status, code: code.clone() },
        // A local problem (the photo file vanished, ...) will not fix itself.
        other => Outcome::Status { status: 400, code: ClientError::from(Error::Task(other.to_string())).code().to_owned() },
    }
}

async fn send(inner: &Inner, token: &str, q: &Queued) -> Result<(Sent, u64)> {
    let action_id = Some(q.item.key.clone());
    match &q.payload {
        Payload::Complaint { body, .. } => Ok((Sent::Complaint(inner.http.submit(token, body).await?), 0)),
        Payload::Photo { tracking_code, photo_id, file } => {
            let path = super::photos::resolve(&inner.photos_dir, file);
            let read = tokio::task::spawn_blocking(move || std::fs::read(path)).await.map_err(|e| Error::Task(e.to_string()))?;
            let bytes = match read {
                Ok(bytes) => bytes,
                // The file goes only once the upload is recorded, but an older version of the
                // app removed it first: if the server already has the photo, it is delivered.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && server_has_photo(inner, token, tracking_code, photo_id).await? => {
                    return Ok((Sent::Other, 0));
                }
                Err(e) => return Err(e.into()),
            };
            let n = bytes.len() as u64;
            inner.http.upload_photo(token, tracking_code, photo_id, bytes).await?;
            Ok((Sent::Other, n))
        }
        Payload::Decision { tracking_code, accept, note } => {
            inner.http.decision(token, tracking_code, &DecisionRequest { accept: *accept, note: note.clone(), action_id }).await?;
            Ok((Sent::Other, 0))
        }
        Payload::Withdraw { tracking_code, note } => {
            inner.http.withdraw(token, tracking_code, &WithdrawRequest { note: note.clone(), action_id }).await?;
            Ok((Sent::Other, 0))
        }
        Payload::Feedback { tracking_code, rating, comment, escalate } => {
            let body = FeedbackRequest { rating: *rating, comment: comment.clone(), escalate: *escalate, action_id };
            inner.http.feedback(token, tracking_code, &body).await?;
            Ok((Sent::Other, 0))
        }
    }
}

/// Whether the complaint on the server already holds the photo.
async fn server_has_photo(inner: &Inner, token: &str, tracking_code: &str, photo_id: &str) -> Result<bool> {
    let Ok(code) = TrackingCode::parse(tracking_code) else { return Ok(false) };
    let detail = inner.http.complaint(token, code, None).await?;
    Ok(detail.is_some_and(|(d, _)| d.photos.iter().any(|p| p.photo_id.to_string() == photo_id)))
}

/// Records a delivered item in one local transaction: a filed complaint becomes a local
/// complaint (named as the server named it), its draft goes, and its photos are queued for
/// upload under the tracking code and kept for the complaint's page.
async fn delivered(inner: &Inner, q: Queued, sent: Sent) -> Result<()> {
    let uploaded = match &q.payload {
        Payload::Photo { photo_id, file, .. } => Some((photo_id.clone(), super::photos::resolve(&inner.photos_dir, file))),
        _ => None,
    };
    let photo_id = uploaded.as_ref().map(|(id, _)| id.clone());
    let kept = inner
        .db
        .write(move |conn| {
            let tx = conn.transaction()?;
            outbox::done(&tx, q.item.id)?;
            let mut kept = false;
            if let (Payload::Complaint { body, photos }, Sent::Complaint(resp)) = (&q.payload, sent) {
                let name = resp.business_name.as_deref().or(body.business_name.as_deref());
                complaints::accepted(&tx, &resp, body.category.as_deref(), name)?;
                let drafted = match &q.item.draft_id {
                    Some(d) => drafts::photos_of(&tx, d)?,
                    None => Vec::new(),
                };
                for p in photos {
                    let file = super::photos::file_name(&p.file).to_owned();
                    let photo = Payload::Photo { tracking_code: resp.tracking_code.to_string(), photo_id: p.id.clone(), file: file.clone() };
                    outbox::insert(&tx, &p.id, None, &photo, store::now())?;
                    let d = drafted.iter().find(|d| d.id == p.id);
                    let stored = store::photos::StoredPhoto {
                        photo_id: p.id.clone(),
                        tracking_code: resp.tracking_code.to_string(),
                        file,
                        width: d.map_or(0, |d| d.width),
                        height: d.map_or(0, |d| d.height),
                        size: d.map_or(0, |d| d.size),
                        uploaded: false,
                    };
                    store::photos::insert(&tx, &stored, store::now())?;
                }
                if let Some(d) = &q.item.draft_id {
                    // The files now belong to the photo uploads and the complaint's page.
                    drafts::delete(&tx, d)?;
                }
            }
            if let Some(id) = &photo_id {
                kept = store::photos::mark_uploaded(&tx, id)?;
            }
            tx.commit()?;
            Ok(kept)
        })
        .await?;
    // An uploaded photo nothing shows any more (its complaint was forgotten here) goes, after
    // the commit: were the app killed in between, the retry must still find the file (the
    // server takes the same photo again as a no-op), and a file left behind is swept.
    if let Some((_, file)) = uploaded.filter(|_| !kept) {
        let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(file)).await;
    }
    Ok(())
}

async fn refused(inner: &Inner, q: &Queued, attempts: u32, err: &Error) -> Result<Rejection> {
    let (code, message, fields) = match err {
        Error::Http { code, detail, fields, .. } => (code.clone(), detail.clone(), fields.iter().cloned().map(FieldError::with_persian).collect()),
        other => ("local_error".to_owned(), other.to_string(), Vec::new()),
    };
    let rejection = Rejection { code, message, fields };
    let (id, draft, r) = (q.item.id, q.item.draft_id.clone(), rejection.clone());
    inner
        .db
        .write(move |conn| {
            let tx = conn.transaction()?;
            outbox::failed(&tx, id, attempts, &r)?;
            if let Some(d) = draft {
                drafts::set_state(&tx, &d, DraftState::Rejected, Some(&r), store::now())?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(rejection)
}

/// Sends the queue, then pulls. See [`Client::sync`].
async fn run(inner: &Inner, due_only: bool, progress: &(dyn Fn(SyncProgress) + Send + Sync)) -> Result<SyncReport> {
    revoke_pending(inner).await;
    let mut report = SyncReport::default();
    let Some(token) = token(inner).await? else {
        return Err(ClientError::Unauthorized.into());
    };
    {
        let _sending = inner.send_lock.lock().await;
        let mut attempted = std::collections::HashSet::new();
        'rounds: loop {
            let due = due_only.then(OffsetDateTime::now_utc);
            let batch: Vec<Queued> = inner.db.read(move |c| outbox::queued(c, due)).await?.into_iter().filter(|q| !attempted.contains(&q.item.key)).collect();
            if batch.is_empty() {
                break;
            }
            progress(SyncProgress::Sending { total: batch.len() as u32 });
            for q in batch {
                attempted.insert(q.item.key.clone());
                let attempts = q.item.attempts + 1;
                let kind = q.item.kind;
                let mut item = ItemResult {
                    id: q.item.id,
                    key: q.item.key.clone(),
                    kind,
                    delivered: false,
                    tracking_code: q.payload.tracking_code().map(str::to_owned),
                    error: None,
                };
                let result = send(inner, &token, &q).await;
                let jitter: f64 = rand::thread_rng().gen();
                match result {
                    Ok((sent, bytes)) => {
                        if let Sent::Complaint(r) = &sent {
                            item.tracking_code = Some(r.tracking_code.to_string());
                        }
                        delivered(inner, q, sent).await?;
                        item.delivered = true;
                        report.items.push(item);
                        report.delivered += 1;
                        progress(SyncProgress::Sent { kind, bytes });
                    }
                    Err(err) => {
                        let outcome = outcome_of(&err);
                        match retry::next(&outcome, attempts, jitter) {
                            Next::Done => {}
                            Next::RetryAfter(delay) => {
                                let id = q.item.id;
                                let at = OffsetDateTime::now_utc() + delay;
                                inner.db.write(move |c| outbox::retry(c, id, attempts, at)).await?;
                                // Unreachable or failing server: stop and keep the order.
                                if outcome == Outcome::Network {
                                    return Err(err);
                                }
                                break 'rounds;
                            }
                            Next::Failed { .. } => {
                                item.error = Some(refused(inner, &q, attempts, &err).await?);
                                report.items.push(item);
                                report.failed += 1;
                                progress(SyncProgress::Sent { kind, bytes: 0 });
                                if kind == OutboxKind::Complaint {
                                    tracing::info!(code = err.to_string(), "a queued complaint was refused");
                                }
                            }
                            Next::AwaitLogin => {
                                expire(inner, &token).await?;
                                return Err(ClientError::Unauthorized.into());
                            }
                        }
                    }
                }
            }
        }
    }
    match pull_with(inner, &token, 0, true).await {
        Ok(events) => report.new_events = events,
        Err(Error::Http { status: 401, .. }) => {
            expire(inner, &token).await?;
            return Err(ClientError::Unauthorized.into());
        }
        Err(e) => return Err(e),
    }
    report.pending = inner.db.read(outbox::pending).await?;
    // Keep the sticker keys fresh so scans verify offline; never fails a sync.
    let fetched = inner.db.read(|c| Ok(kv::get(c, kv::KEYS_FETCHED)?.and_then(|v| v.parse::<i64>().ok()))).await?;
    if keys_stale(fetched, OffsetDateTime::now_utc()) {
        if let Err(e) = refresh_keys(inner).await {
            tracing::info!(error = %e, "sticker keys not refreshed");
        }
    }
    Ok(report)
}

/// Pulls events after the cursor (long-polling up to `wait` seconds) and stores them; returns
/// those new to this device. With `report`, what it returns counts as reported to the app (a
/// push handler reports what concerns its complaint itself).
pub(super) async fn pull(inner: &Inner, wait: u64, report: bool) -> Result<Vec<ComplaintEvent>> {
    let Some(token) = token(inner).await? else {
        return Err(ClientError::Unauthorized.into());
    };
    match pull_with(inner, &token, wait, report).await {
        Err(Error::Http { status: 401, .. }) => {
            expire(inner, &token).await?;
            Err(ClientError::Unauthorized.into())
        }
        other => other,
    }
}

async fn pull_with(inner: &Inner, token: &str, mut wait: u64, report: bool) -> Result<Vec<ComplaintEvent>> {
    let mut fresh = Vec::new();
    loop {
        let cursor = inner.db.read(kv::cursor).await?;
        let page = inner.http.sync(token, cursor, wait, 200).await?;
        let more = page.more;
        let session = token.to_owned();
        let new = inner
            .db
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                // Another citizen logged in while this page was on its way: it is not theirs,
                // and its cursor must not skip their feed.
                if kv::get(&tx, kv::TOKEN)?.as_deref() != Some(session.as_str()) {
                    return Ok(None);
                }
                let mut new = Vec::new();
                for e in &page.events {
                    if let Some(ev) = complaints::add_event(&tx, e.tracking_code, &e.event)? {
                        new.push(ev);
                    }
                }
                if report {
                    complaints::mark_notified(&tx, &new)?;
                }
                // The cursor only moves forward, even if two pulls overlap.
                if page.cursor > kv::cursor(&tx)? {
                    kv::set(&tx, kv::CURSOR, &page.cursor.to_string())?;
                }
                tx.commit()?;
                Ok(Some(new))
            })
            .await?;
        let Some(new) = new else { return Ok(fresh) };
        fresh.extend(new);
        if !more {
            break;
        }
        wait = 0;
    }
    // Complaints we learnt of through the feed only (filed for us by an operator): fetch them,
    // best effort — what was pulled is stored and reported whatever happens here.
    let missing = inner.db.read(complaints::missing_detail).await?;
    for code in missing {
        match refresh_with(inner, token, code, report).await {
            Ok(events) => fresh.extend(events),
            // Not ours (any more): forget it rather than ask again on every pull.
            Err(Error::Http { status: 404, .. }) => inner.db.write(move |conn| complaints::forget(conn, Some(code))).await?,
            Err(e @ Error::Http { status: 401, .. }) => return Err(e),
            Err(e) => {
                tracing::info!(error = %e, "a complaint's details were not fetched; next pull tries again");
                break;
            }
        }
    }
    Ok(fresh)
}

/// Refreshes one complaint with `If-None-Match`.
async fn refresh(inner: &Inner, code: TrackingCode) -> Result<Vec<ComplaintEvent>> {
    let Some(token) = token(inner).await? else {
        return Err(ClientError::Unauthorized.into());
    };
    refresh_with(inner, &token, code, true).await
}

async fn refresh_with(inner: &Inner, token: &str, code: TrackingCode, report: bool) -> Result<Vec<ComplaintEvent>> {
    let etag = inner.db.read(move |c| complaints::etag(c, code)).await?;
    match inner.http.complaint(token, code, etag.as_deref()).await? {
        None => Ok(Vec::new()),
        Some((detail, etag)) => {
            inner
                .db
                .write(move |conn| {
                    let tx = conn.transaction()?;
                    let fresh = complaints::store_detail(&tx, &detail, etag.as_deref())?;
                    if report {
                        complaints::mark_notified(&tx, &fresh)?;
                    }
                    tx.commit()?;
                    Ok(fresh)
                })
                .await
        }
    }
}
