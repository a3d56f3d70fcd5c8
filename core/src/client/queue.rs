//! What waits to be sent: a submitted draft frozen into the outbox, the citizen's actions on a
//! filed complaint (decision, withdrawal, feedback), and the outbox itself. [`Client::sync`]
//! sends it.

use time::OffsetDateTime;

use super::businesses::cached_business;
use super::drafts::validate_draft;
use super::error::ClientError;
use super::store::outbox::{Payload, QueuedPhoto};
use super::store::{self, drafts, outbox};
use super::types::{DraftState, OutboxItem};
use super::{parse_code, photos, Client, Public};
use crate::model::guild::normalize_guild_id;
use crate::model::PhoneNumber;

/// Refuses to file under a phone other than the logged-in one: the complaint would be the
/// logged-in citizen's, whatever the form says. No phone on the form, or nobody logged in
/// (the sending waits for a login), is fine.
fn check_filing_phone(on_form: Option<&str>, logged_in: Option<&str>) -> Result<(), ClientError> {
    let (Some(wanted), Some(logged)) = (on_form.filter(|p| !p.trim().is_empty()), logged_in) else { return Ok(()) };
    if PhoneNumber::parse(wanted).map(|p| p.as_str() != logged).unwrap_or(true) {
        return Err(ClientError::invalid("phone", "phone_not_logged_in", "log in with this phone number to file under it"));
    }
    Ok(())
}

impl Client {
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
                check_filing_phone(draft.fields.phone.as_deref(), session.phone.as_deref())?;
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

    /// Queues a citizen's action on a filed complaint, under a fresh idempotency key.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complaint_is_filed_only_under_the_logged_in_phone() {
        let me = Some("+989121234567");
        for (on_form, logged_in, allowed) in [
            (None, me, true),
            (Some(""), me, true),
            (Some("  "), me, true),
            (Some("09121234567"), me, true),
            (Some("۰۹۱۲۱۲۳۴۵۶۷"), me, true),
            (Some("+989121234567"), me, true),
            (Some("09127654321"), me, false),
            (Some("0912"), me, false),
            (Some("09127654321"), None, true),
            (None, None, true),
        ] {
            assert_eq!(check_filing_phone(on_form, logged_in).is_ok(), allowed, "{on_form:?} logged in as {logged_in:?}");
        }
        let refused = check_filing_phone(Some("09127654321"), me).unwrap_err();
        assert_eq!(refused, ClientError::invalid("phone", "phone_not_logged_in", "log in with this phone number to file under it"));
    }
}
