//! Turning stored records into what the API returns, with the citizen's and the staff's views
//! kept apart (internal notes and the complainant's phone are for staff only).

use samat_core::model::api::{ComplaintDetail, ComplaintSummary, EventView, FeedbackView, PhotoInfo, QueueItem};
use samat_core::model::deadlines::{ServiceStandards, Standing};
use samat_core::model::journey;
use time::OffsetDateTime;

use crate::store::{ComplaintRecord, EventRecord, FeedbackRecord, PhotoRecord, QueueRow};

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The complainant (or the public tracking page).
    Citizen,
    /// Ministry staff.
    Staff,
}

/// An event as `audience` sees it, or `None` if hidden from them.
pub fn event(e: &EventRecord, audience: Audience) -> Option<EventView> {
    if audience == Audience::Citizen && !e.visible {
        return None;
    }
    Some(EventView {
        seq: e.seq,
        kind: e.kind,
        stage: e.stage,
        from_stage: e.from_stage,
        actor: e.actor.wire_name().to_owned(),
        at: e.at,
        note: e.note.clone(),
        details: e.details.clone(),
        internal_note: if audience == Audience::Staff { e.internal_note.clone() } else { None },
    })
}

/// Feedback as shown.
pub fn feedback(f: &FeedbackRecord) -> FeedbackView {
    FeedbackView { id: f.id, rating: f.rating, comment: f.comment.clone(), escalated: f.escalated, at: f.at }
}

/// Photo metadata as shown.
pub fn photo(p: &PhotoRecord) -> PhotoInfo {
    PhotoInfo { photo_id: p.photo_id, content_type: p.content_type.clone(), size: p.size, sha256: p.sha256.clone() }
}

/// A complaint in a list.
pub fn summary(c: &ComplaintRecord) -> ComplaintSummary {
    ComplaintSummary {
        tracking_code: c.tracking_code,
        stage: c.stage,
        category: c.category,
        channel: c.channel,
        business_name: c.business_name.clone(),
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// Where a complaint stands against its stage's clock at `now`: its deadline and standing, or
/// `None` for a stage without a clock.
pub fn clock(c: &ComplaintRecord, standards: &ServiceStandards, now: OffsetDateTime) -> Option<(samat_core::model::deadlines::Deadline, Standing)> {
    let deadline = standards.deadline(c.stage, c.stage_since)?;
    Some((deadline, standards.standing(&deadline, now)))
}

/// A complaint with its history; `standards` and `now` set its clock.
pub fn detail(
    c: &ComplaintRecord,
    events: &[EventRecord],
    fb: &[FeedbackRecord],
    photos: &[PhotoRecord],
    audience: Audience,
    standards: &ServiceStandards,
    now: OffsetDateTime,
) -> ComplaintDetail {
    let clock = clock(c, standards, now);
    let staff = audience == Audience::Staff;
    ComplaintDetail {
        tracking_code: c.tracking_code,
        client_id: c.client_id,
        stage: c.stage,
        category: c.category,
        channel: c.channel,
        description: c.description.clone(),
        guild_id: c.guild_id.clone(),
        business_name: c.business_name.clone(),
        business_address: c.business_address.clone(),
        province: c.province.map(|p| p.label_fa().to_owned()),
        city: c.city.clone(),
        incident_date: c.incident_date,
        amount_rials: c.amount_rials,
        wants_compensation: c.wants_compensation,
        business_known: c.business_known,
        created_at: c.created_at,
        updated_at: c.updated_at,
        events: events.iter().filter_map(|e| event(e, audience)).collect(),
        feedback: fb.iter().map(feedback).collect(),
        photos: photos.iter().map(photo).collect(),
        phone: (audience == Audience::Staff).then(|| c.phone.as_str().to_owned()),
        email_from: None,
        // The citizen (and whoever tracks with their phone) is told what comes next, with the
        // ways to answer the business when that is what is asked.
        next_step: (audience == Audience::Citizen).then(|| journey::next_step(c.stage)),
        next_step_fa: (audience == Audience::Citizen).then(|| journey::next_step(c.stage).text_fa()),
        due_at: clock.filter(|_| staff).map(|(d, _)| d.due_at),
        overdue: clock.filter(|_| staff).map(|(_, s)| s.is_overdue()),
        expected_by: clock.filter(|_| !staff).map(|(d, _)| d.due_day),
        expected_by_fa: clock.filter(|_| !staff).map(|(d, _)| d.expected_by_fa()),
    }
}

/// A queue entry, with its clock.
pub fn queue_item(row: &QueueRow, standards: &ServiceStandards, now: OffsetDateTime) -> QueueItem {
    let c = &row.complaint;
    let clock = clock(c, standards, now);
    QueueItem {
        tracking_code: c.tracking_code,
        stage: c.stage,
        category: c.category,
        channel: c.channel,
        business_name: c.business_name.clone(),
        city: c.city.clone(),
        wants_compensation: c.wants_compensation,
        unknown_business: c.business_known == Some(false),
        stage_since: c.stage_since,
        stage_age_seconds: (now - c.stage_since).whole_seconds().max(0),
        due_at: clock.map(|(d, _)| d.due_at),
        overdue: clock.is_some_and(|(_, s)| s.is_overdue()),
        due_soon: clock.is_some_and(|(_, s)| s == Standing::DueSoon),
        escalation: row.escalation.as_ref().map(feedback),
        province: c.province,
        holder: row.holder.clone(),
    }
}

/// An audit entry as the API returns it.
pub fn audit(a: crate::store::AuditRecord) -> samat_core::model::api::AuditView {
    samat_core::model::api::AuditView {
        id: a.id,
        at: a.at,
        staff_id: a.staff_id,
        username: a.username,
        tracking_code: a.tracking_code,
        what: a.what.as_str().to_owned(),
    }
}

/// The ETag of a complaint as `audience` sees it. Staff see `overdue` turn with time alone, so
/// their tag names the clock's standing too.
pub fn etag(c: &ComplaintRecord, audience: Audience, standards: &ServiceStandards, now: OffsetDateTime) -> String {
    let who = match audience {
        Audience::Citizen => "c",
        Audience::Staff => match clock(c, standards, now) {
            Some((_, standing)) if standing.is_overdue() => "s-late",
            _ => "s",
        },
    };
    format!("\"{}-{}-{who}\"", c.tracking_code.as_str(), c.version)
}
