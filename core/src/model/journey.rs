//! The citizen's side of a complaint: what they may do with it now, the business's answer
//! they are asked to accept or reject, the verdict as a typed record with its Persian words,
//! and what comes next. Pure functions over the stage and the history, so the apps (through
//! the core client and the bindings), the CLI, the portal, the public tracking answer and the
//! SMS all say the same thing.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use time::OffsetDateTime;

use super::api::{EventKind, EventView, VerdictDetails};
use super::text::{format_rials_fa, group_thousands};
use super::workflow::{available_moves, ComplaintFacts};
use super::{Actor, Stage};

/// How a citizen who filed by phone or at a counter answers too: they log in with the phone
/// the SMS came to, wherever they like. Web addresses stay in Latin letters (they are typed).
pub const ANSWER_WAYS_FA: &str = "با همین شماره همراه در اپلیکیشن صمت ما، درگاه 124.ir یا برنامه samat وارد شوید";

/// The same, in English.
pub const ANSWER_WAYS_EN: &str = "log in with this mobile number in the Samat-e Ma app, on the 124.ir portal, or with `samat`";

/// What the citizen may do with a complaint now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CitizenChoices {
    /// Accept or reject the business's answer (in self-regulation).
    pub decide: bool,
    /// Withdraw the complaint (any time before a verdict).
    pub withdraw: bool,
    /// Complain about the handling itself (a rating, a comment, and the ministry's complaints
    /// centre if they wish): open at every stage, after the verdict too.
    pub feedback: bool,
}

/// What the citizen may do with a complaint in `stage`, as the workflow rules allow the
/// citizen ([`available_moves`] for [`Actor::Citizen`]).
pub fn citizen_choices(stage: Stage) -> CitizenChoices {
    // Whether it is a compensation claim only matters to the expert's referral, never to the
    // citizen's own moves.
    let moves: Vec<Stage> = available_moves(Actor::Citizen, &ComplaintFacts { stage, wants_compensation: true }).into_iter().map(|m| m.to).collect();
    CitizenChoices {
        decide: moves.contains(&Stage::Resolved) && moves.contains(&Stage::Inspection),
        withdraw: moves.contains(&Stage::Withdrawn),
        feedback: true,
    }
}

/// The business's answer the citizen is asked to accept or reject: the newest note for the
/// citizen recorded in self-regulation (the guild body writes it), while the complaint is
/// still there. `None` before the answer is recorded and once the citizen has decided.
pub fn business_answer(stage: Stage, events: &[EventView]) -> Option<&EventView> {
    if stage != Stage::SelfRegulation {
        return None;
    }
    events.iter().rev().find(|e| e.kind == EventKind::Note && e.stage == Stage::SelfRegulation && e.note.as_deref().is_some_and(|n| !n.trim().is_empty()))
}

/// The Ta'zirat verdict as announced: what was decided and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Violation found or not, the penalty and the compensation.
    pub details: VerdictDetails,
    /// When it was announced.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The verdict in a complaint's history: the move to the verdict stage and its details.
/// `None` before the verdict (or when its details cannot be read).
pub fn verdict(events: &[EventView]) -> Option<Verdict> {
    let e = events.iter().rev().find(|e| e.kind == EventKind::Stage && e.stage == Stage::Verdict)?;
    let details: VerdictDetails = serde_json::from_value(e.details.clone()?).ok()?;
    Some(Verdict { details, at: e.at })
}

impl VerdictDetails {
    /// «تخلف محرز شد» or «تخلفی محرز نشد».
    pub fn outcome_fa(&self) -> &'static str {
        if self.violation {
            "تخلف محرز شد"
        } else {
            "تخلفی محرز نشد"
        }
    }

    /// "violation found" or "no violation found".
    pub fn outcome_en(&self) -> &'static str {
        if self.violation {
            "violation found"
        } else {
            "no violation found"
        }
    }

    /// The penalty imposed on the business, when there is one: «۵۰٬۰۰۰٬۰۰۰ ریال».
    pub fn penalty_fa(&self) -> Option<String> {
        self.penalty_rials.filter(|p| *p > 0).map(format_rials_fa)
    }

    /// The compensation awarded to the citizen, when there is one: «۲٬۵۰۰٬۰۰۰ ریال».
    pub fn compensation_fa(&self) -> Option<String> {
        self.compensation_rials.filter(|c| *c > 0).map(format_rials_fa)
    }

    /// The verdict in one Persian sentence, as the SMS says it: «رأی تعزیرات: تخلف محرز شد؛
    /// جریمه واحد صنفی: ۵۰٬۰۰۰٬۰۰۰ ریال؛ غرامت به شما: ۲٬۵۰۰٬۰۰۰ ریال.»
    pub fn summary_fa(&self) -> String {
        let mut parts = vec![format!("رأی تعزیرات: {}", self.outcome_fa())];
        if let Some(p) = self.penalty_fa() {
            parts.push(format!("جریمه واحد صنفی: {p}"));
        }
        if let Some(c) = self.compensation_fa() {
            parts.push(format!("غرامت به شما: {c}"));
        }
        format!("{}.", parts.join("؛ "))
    }

    /// The same in English, with Latin digits: "violation found; penalty 50,000,000 rials;
    /// compensation to you 2,500,000 rials".
    pub fn summary_en(&self) -> String {
        let mut parts = vec![self.outcome_en().to_owned()];
        if let Some(p) = self.penalty_rials.filter(|p| *p > 0) {
            parts.push(format!("penalty {} rials", group_thousands(p, ',')));
        }
        if let Some(c) = self.compensation_rials.filter(|c| *c > 0) {
            parts.push(format!("compensation to you {} rials", group_thousands(c, ',')));
        }
        parts.join("; ")
    }
}

/// What the citizen should expect or do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NextStep {
    /// Staff are working on it; each stage is announced by SMS.
    Wait,
    /// In self-regulation: read the business's answer and say whether it satisfies them.
    AnswerBusiness,
    /// The verdict is announced: read it.
    ReadVerdict,
    /// Closed: resolved, dismissed or withdrawn.
    Closed,
}

impl NextStep {
    /// Wire name.
    pub fn wire_name(self) -> &'static str {
        self.into()
    }

    /// What to tell the citizen, in Persian. Answering the business names every way to do
    /// it, for those who filed by phone or at a counter.
    pub fn text_fa(self) -> String {
        match self {
            NextStep::Wait => "شکایت شما در حال رسیدگی است؛ هر مرحله با پیامک خبر داده می‌شود.".to_owned(),
            NextStep::AnswerBusiness => format!("پاسخ واحد صنفی را ببینید و اعلام کنید راضی هستید یا نه. برای پاسخ، {ANSWER_WAYS_FA}."),
            NextStep::ReadVerdict => "رأی تعزیرات صادر شده است.".to_owned(),
            NextStep::Closed => "رسیدگی به این شکایت پایان یافته است.".to_owned(),
        }
    }

    /// The same, in English.
    pub fn text_en(self) -> String {
        match self {
            NextStep::Wait => "Your complaint is being handled; each stage is announced by SMS.".to_owned(),
            NextStep::AnswerBusiness => format!("Read the business's answer and say whether it satisfies you: {ANSWER_WAYS_EN}."),
            NextStep::ReadVerdict => "The Ta'zirat verdict has been announced.".to_owned(),
            NextStep::Closed => "The handling of this complaint has ended.".to_owned(),
        }
    }
}

/// What comes next for a complaint in `stage`.
pub fn next_step(stage: Stage) -> NextStep {
    match stage {
        Stage::SelfRegulation => NextStep::AnswerBusiness,
        Stage::Verdict => NextStep::ReadVerdict,
        s if s.is_closed() => NextStep::Closed,
        _ => NextStep::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(seq: i64, kind: EventKind, stage: Stage, note: Option<&str>, details: Option<serde_json::Value>) -> EventView {
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000 + seq).unwrap();
        EventView { note: note.map(str::to_owned), details, ..EventView::bare(seq, kind, stage, "guild", at) }
    }

    #[test]
    fn what_the_citizen_may_do_at_each_stage() {
        use Stage::*;
        // (stage, decide, withdraw)
        for (stage, decide, withdraw) in [
            (Received, false, true),
            (ExpertReview, false, true),
            (SelfRegulation, true, true),
            (Inspection, false, true),
            (InspectionReported, false, true),
            (Taazirat, false, true),
            (Verdict, false, false),
            (Resolved, false, false),
            (Dismissed, false, false),
            (Withdrawn, false, false),
        ] {
            assert_eq!(citizen_choices(stage), CitizenChoices { decide, withdraw, feedback: true }, "{stage:?}");
        }
    }

    #[test]
    fn the_business_answer_is_the_newest_note_while_in_self_regulation() {
        let events = vec![
            event(1, EventKind::Created, Stage::Received, None, None),
            event(2, EventKind::Stage, Stage::SelfRegulation, Some("ارجاع به اتحادیه"), None),
            event(3, EventKind::Note, Stage::SelfRegulation, Some("فروشنده مبلغ را پس می‌دهد"), None),
            event(4, EventKind::Note, Stage::SelfRegulation, Some("و فاکتور صادر می‌کند"), None),
        ];
        assert_eq!(business_answer(Stage::SelfRegulation, &events).map(|e| e.seq), Some(4));
        assert_eq!(business_answer(Stage::SelfRegulation, &events[..2]).map(|e| e.seq), None, "the referral note is not an answer");
        assert_eq!(business_answer(Stage::Inspection, &events).map(|e| e.seq), None, "once decided, nothing is asked");
    }

    #[test]
    fn the_verdict_is_read_from_the_history() {
        let details = json!({"violation": true, "penalty_rials": 50_000_000, "compensation_rials": 2_500_000});
        let events = vec![event(1, EventKind::Stage, Stage::Taazirat, Some("پرونده"), None), event(2, EventKind::Stage, Stage::Verdict, None, Some(details))];
        let v = verdict(&events).unwrap();
        assert!(v.details.violation);
        assert_eq!(v.at, events[1].at);
        assert_eq!(v.details.penalty_fa().as_deref(), Some("۵۰٬۰۰۰٬۰۰۰ ریال"));
        assert_eq!(v.details.summary_fa(), "رأی تعزیرات: تخلف محرز شد؛ جریمه واحد صنفی: ۵۰٬۰۰۰٬۰۰۰ ریال؛ غرامت به شما: ۲٬۵۰۰٬۰۰۰ ریال.");
        assert_eq!(v.details.summary_en(), "violation found; penalty 50,000,000 rials; compensation to you 2,500,000 rials");
        assert!(verdict(&events[..1]).is_none());
        let none = VerdictDetails { violation: false, penalty_rials: Some(0), compensation_rials: None };
        assert_eq!(none.summary_fa(), "رأی تعزیرات: تخلفی محرز نشد.");
        assert_eq!(none.penalty_fa(), None, "a zero penalty is no penalty");
        let broken = vec![event(1, EventKind::Stage, Stage::Verdict, None, Some(json!({"violation": "maybe"})))];
        assert!(verdict(&broken).is_none());
    }

    #[test]
    fn what_comes_next_names_every_way_to_answer() {
        assert_eq!(next_step(Stage::SelfRegulation), NextStep::AnswerBusiness);
        assert_eq!(next_step(Stage::Verdict), NextStep::ReadVerdict);
        assert_eq!(next_step(Stage::Withdrawn), NextStep::Closed);
        assert_eq!(next_step(Stage::Inspection), NextStep::Wait);
        let text = NextStep::AnswerBusiness.text_fa();
        for way in ["همین شماره همراه", "اپلیکیشن صمت ما", "124.ir", "samat"] {
            assert!(text.contains(way), "{way} in {text}");
        }
        for &s in NextStep::VARIANTS {
            assert!(!s.text_en().is_empty());
        }
    }
}
