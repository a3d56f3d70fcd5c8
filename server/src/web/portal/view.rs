//! A complaint as its citizen reads it on the portal (their own page, or the public tracking
//! answer): where it is among the seven stages, the history with Jalali times, the messages
//! the citizen was sent, the business's answer in self-regulation, and the verdict in words.

use samat_core::model::api::{EventKind, EventView};
use samat_core::model::deadlines::ServiceStandards;
use samat_core::model::journey::{self, NextStep};
use samat_core::model::labels::actor_label_fa;
use samat_core::model::text::persian_digits;

use crate::store::{ComplaintRecord, EventRecord};
use crate::views::{self, Audience};
use crate::web::format;
use crate::web::staff::progress;

/// A line of the citizen's history.
pub struct Line {
    /// When, in Jalali.
    pub when: String,
    /// What happened.
    pub what: String,
    /// Who acted, as the citizen is told («کارشناس», «شما»).
    pub who: &'static str,
    /// A message for the citizen.
    pub note: Option<String>,
}

/// The verdict in words.
pub struct Verdict {
    /// «تخلف محرز شد» or «تخلفی محرز نشد».
    pub outcome: &'static str,
    /// The penalty on the business, in rials.
    pub penalty: Option<String>,
    /// The compensation to the citizen, in rials.
    pub compensation: Option<String>,
    pub when: String,
}

/// A complaint as its citizen reads it.
pub struct CitizenComplaint {
    /// Tracking code.
    pub code: String,
    /// Stage, in Persian.
    pub stage: &'static str,
    /// The seven steps and where it is.
    pub progress: Vec<(&'static str, &'static str)>,
    /// What was filed: (label, value).
    pub facts: Vec<(&'static str, String)>,
    pub description: String,
    /// The history, oldest first.
    pub lines: Vec<Line>,
    /// The business's answer, while the citizen is asked to accept or reject it.
    pub business_answer: Option<String>,
    /// The verdict, once announced.
    pub verdict: Option<Verdict>,
    /// Whether the citizen may still withdraw it.
    pub can_withdraw: bool,
    /// Whether the citizen is asked to accept or reject the business's answer now.
    pub awaiting_decision: bool,
    /// What to do next and how, when the citizen is asked for something (the tracking page
    /// tells those who filed by phone or at a counter how to answer).
    pub next_step: Option<String>,
    /// The day the current stage is expected to end by, in Jalali («۴ آذر ۱۴۰۴»), while open.
    pub expected_by: Option<String>,
}

/// The citizen's view of `c` with its `events` (those hidden from the citizen are dropped);
/// `standards` say when its current stage is expected to end.
pub fn citizen_complaint(c: &ComplaintRecord, events: &[EventRecord], standards: &ServiceStandards) -> CitizenComplaint {
    let visible: Vec<&EventRecord> = events.iter().filter(|e| e.visible).collect();
    let lines = visible
        .iter()
        .map(|e| Line {
            when: format::when(e.at),
            what: match e.kind {
                EventKind::Created => "شکایت ثبت شد".to_owned(),
                EventKind::Note => "پیام تازه".to_owned(),
                _ => e.stage.label_fa().to_owned(),
            },
            who: actor_label_fa(e.actor.wire_name()),
            note: e.note.clone(),
        })
        .collect();
    // What to ask and show is the core's to say (the apps and the CLI read the same).
    let history: Vec<EventView> = events.iter().filter_map(|e| views::event(e, Audience::Citizen)).collect();
    let business_answer = journey::business_answer(c.stage, &history).and_then(|e| e.note.clone());
    let verdict = journey::verdict(&history).map(|v| Verdict {
        outcome: v.details.outcome_fa(),
        penalty: v.details.penalty_fa(),
        compensation: v.details.compensation_fa(),
        when: format::when(v.at),
    });
    let mut facts = vec![("نوع تخلف", c.category.label_fa().to_owned()), ("زمان ثبت", format::when(c.created_at))];
    let mut opt = |label, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            facts.push((label, v));
        }
    };
    opt("واحد صنفی", c.business_name.clone());
    opt("شناسه صنفی", c.guild_id.as_deref().map(persian_digits));
    opt("نشانی", c.business_address.clone());
    opt("شهر", c.city.clone());
    opt("تاریخ رخداد", c.incident_date.map(format::day));
    opt("مبلغ", c.amount_rials.map(format::rials));
    if c.wants_compensation {
        facts.push(("مطالبه خسارت", "بله".to_owned()));
    }
    // What the citizen may do now, as the workflow rules say.
    let choices = journey::citizen_choices(c.stage);
    CitizenComplaint {
        code: c.tracking_code.as_str().to_owned(),
        stage: c.stage.label_fa(),
        progress: progress(c.stage),
        facts,
        description: c.description.clone(),
        lines,
        business_answer,
        verdict,
        can_withdraw: choices.withdraw,
        awaiting_decision: choices.decide,
        next_step: (journey::next_step(c.stage) == NextStep::AnswerBusiness).then(|| journey::next_step(c.stage).text_fa()),
        expected_by: standards.deadline(c.stage, c.stage_since).map(|d| d.expected_by_fa()),
    }
}
