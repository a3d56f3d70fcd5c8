//! The citizen's complaints as known on this device: the list, one complaint with its events
//! (and which of them the app has shown), its photos, and public tracking of a complaint filed
//! by phone or at a counter.

use super::error::ClientError;
use super::store::{self, complaints};
use super::types::{ComplaintEvent, ComplaintPhoto, LocalComplaint, PhotoState};
use super::{parse_code, parse_phone, photos, Client, Public};
use crate::model::api::ComplaintDetail;

impl Client {
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
        let photo =
            tokio::task::spawn_blocking(move || photos::import(&dir, &file_id, &bytes)).await.map_err(|e| ClientError::Storage { detail: e.to_string() })??;
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

    /// Public tracking of a complaint filed by phone or at a counter (no login needed).
    pub async fn track(&self, tracking_code: &str, phone: &str) -> Public<ComplaintDetail> {
        let code = parse_code(tracking_code)?;
        let phone = parse_phone(phone)?;
        Ok(self.inner.http.track(code, phone.as_str()).await?)
    }
}
