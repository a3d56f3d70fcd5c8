//! Drafts: the complaint form as the citizen fills it in, kept on the device with its
//! photos (re-encoded copies) until `submit` freezes it into the outbox.

use std::path::Path;

use super::error::{ClientError, Result};
use super::store::{self, drafts};
use super::types::{Draft, DraftFields, DraftPhoto, DraftState};
use super::{photos, Client, Public};
use crate::model::api::{FieldError, MAX_PHOTOS_PER_COMPLAINT};
use crate::model::clock::today_in_iran;
use crate::model::PhoneNumber;

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

/// The draft, if it may still change: not yet frozen into the outbox by `submit`. Called
/// inside the write transaction that changes it, so a concurrent submit cannot slip between.
fn editable(conn: &rusqlite::Connection, id: &str) -> Result<Draft> {
    let draft = drafts::get(conn, id)?.ok_or_else(|| ClientError::NotFound { what: format!("draft {id}") })?;
    still_editable(draft)
}

/// Refuses a draft that `submit` froze.
pub(super) fn still_editable(draft: Draft) -> Result<Draft> {
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
    pub(super) async fn change_draft<T, F>(&self, id: &str, change: F) -> Result<T>
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
            tokio::task::spawn_blocking(move || photos::import(&dir, &id, &bytes)).await.map_err(|e| ClientError::Storage { detail: e.to_string() })??;
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
        .map_err(|e| ClientError::Storage { detail: e.to_string() })?
        .map_err(|e| ClientError::Photo { detail: format!("cannot read the photo: {e}") })?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
