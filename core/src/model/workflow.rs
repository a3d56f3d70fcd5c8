//! The workflow rules: which actor may move a complaint from which stage to which, and what
//! each move must carry. One pure function, [`check_transition`], decides; the server only
//! applies what it allows.

use super::role::{Actor, Role};
use super::stage::Stage;

/// What the rules need to know about the complaint being moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComplaintFacts {
    /// The stage it is in now.
    pub stage: Stage,
    /// Whether the citizen claims damages or compensation (routes it to self-regulation).
    pub wants_compensation: bool,
}

/// What the actor asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionInput {
    /// The stage to move to.
    pub to: Stage,
    /// Whether a note (reason, report, case-file summary) was given.
    pub has_note: bool,
    /// Whether verdict details (violation yes/no, penalty, compensation) were given.
    pub has_verdict: bool,
}

/// Why the rules refuse a move. Each has a stable [`code`](TransitionDenied::code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionDenied {
    /// No actor may make this move from this stage.
    #[error("a complaint in stage {from:?} cannot move to {to:?}")]
    InvalidTransition {
        /// Current stage.
        from: Stage,
        /// Requested stage.
        to: Stage,
    },
    /// The move exists, but not for this actor.
    #[error("this move is not made by {0:?}")]
    ActorNotAllowed(Actor),
    /// Dismissing needs a reason.
    #[error("a dismissal needs a reason in `note`")]
    ReasonRequired,
    /// Closing an inspection needs the report.
    #[error("the inspection report is required in `note`")]
    ReportRequired,
    /// Sending to the Ta'zirat needs the case-file summary.
    #[error("the case file summary is required in `note`")]
    CaseFileRequired,
    /// Recording a verdict needs its details.
    #[error("a verdict needs `details` with `violation` (and penalty/compensation if any)")]
    VerdictDetailsRequired,
    /// Self-regulation handles compensation claims only.
    #[error("only a compensation claim goes to self-regulation")]
    NotCompensationClaim,
}

impl TransitionDenied {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionDenied::InvalidTransition { .. } => "invalid_transition",
            TransitionDenied::ActorNotAllowed(_) => "role_not_allowed",
            TransitionDenied::ReasonRequired => "reason_required",
            TransitionDenied::ReportRequired => "report_required",
            TransitionDenied::CaseFileRequired => "case_file_required",
            TransitionDenied::VerdictDetailsRequired => "verdict_details_required",
            TransitionDenied::NotCompensationClaim => "not_a_compensation_claim",
        }
    }
}

/// The actors the rules allow for a move, or `None` when the move does not exist at all.
/// Supervisors are added by [`check_transition`] for every staff move.
pub fn movers(from: Stage, to: Stage) -> Option<&'static [Actor]> {
    use Stage::*;
    const EXPERT: &[Actor] = &[Actor::Staff(Role::Expert)];
    const CITIZEN: &[Actor] = &[Actor::Citizen];
    const INSPECTOR: &[Actor] = &[Actor::Staff(Role::Inspector)];
    const CASE_FILE: &[Actor] = &[Actor::Staff(Role::Inspector), Actor::Staff(Role::Expert)];
    const TAAZIRAT: &[Actor] = &[Actor::Staff(Role::Taazirat)];
    match (from, to) {
        (Received, ExpertReview) => Some(EXPERT),
        (ExpertReview, SelfRegulation | Inspection | Dismissed) => Some(EXPERT),
        (SelfRegulation, Resolved | Inspection) => Some(CITIZEN),
        (Inspection, InspectionReported) => Some(INSPECTOR),
        (InspectionReported, Taazirat) => Some(CASE_FILE),
        (InspectionReported, Resolved | Dismissed) => Some(EXPERT),
        (Taazirat, Verdict) => Some(TAAZIRAT),
        (from, Withdrawn) if !from.is_final() => Some(CITIZEN),
        _ => None,
    }
}

/// Decides whether `actor` may move `complaint` as `input` asks.
///
/// A move no one may make is `invalid_transition` (HTTP 409); a move that exists for other
/// actors is `role_not_allowed` (403); a move missing what it must carry names what is missing.
pub fn check_transition(actor: Actor, complaint: &ComplaintFacts, input: &TransitionInput) -> Result<(), TransitionDenied> {
    let from = complaint.stage;
    let to = input.to;
    let allowed = movers(from, to).ok_or(TransitionDenied::InvalidTransition { from, to })?;
    let staff_move = allowed.iter().any(|a| matches!(a, Actor::Staff(_)));
    let permitted = allowed.contains(&actor) || (staff_move && actor == Actor::Staff(Role::Supervisor));
    if !permitted {
        return Err(TransitionDenied::ActorNotAllowed(actor));
    }
    match (from, to) {
        (Stage::ExpertReview, Stage::SelfRegulation) if !complaint.wants_compensation => Err(TransitionDenied::NotCompensationClaim),
        (_, Stage::Dismissed) if !input.has_note => Err(TransitionDenied::ReasonRequired),
        (_, Stage::InspectionReported) if !input.has_note => Err(TransitionDenied::ReportRequired),
        (_, Stage::Taazirat) if !input.has_note => Err(TransitionDenied::CaseFileRequired),
        (_, Stage::Verdict) if !input.has_verdict => Err(TransitionDenied::VerdictDetailsRequired),
        _ => Ok(()),
    }
}

/// Which stages a staff role works on (its queue). Supervisors see every open stage; they
/// also see escalated complaints about handling, which the server adds.
pub fn queue_stages(role: Role) -> &'static [Stage] {
    use Stage::*;
    match role {
        Role::Operator => &[Received],
        Role::Expert => &[Received, ExpertReview, InspectionReported],
        Role::Guild => &[SelfRegulation],
        Role::Inspector => &[Inspection, InspectionReported],
        Role::Taazirat => &[Taazirat],
        Role::Supervisor => &[Received, ExpertReview, SelfRegulation, Inspection, InspectionReported, Taazirat],
    }
}

/// Why a staff note is refused. Each has a stable [`code`](NoteDenied::code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoteDenied {
    /// The complaint is closed; only a supervisor (answering a complaint about the handling)
    /// writes on it.
    #[error("the complaint is closed; only a supervisor adds notes to it")]
    Closed,
    /// This role does not handle the complaint at its stage.
    #[error("this stage is not handled by your role")]
    NotYourStage,
}

impl NoteDenied {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            NoteDenied::Closed => "complaint_closed",
            NoteDenied::NotYourStage => "role_not_allowed",
        }
    }
}

/// Whether `role` may add a note (`visible` to the citizen, and announced by SMS, or internal)
/// to a complaint in `stage`. The staff who handle a stage write on it (the guild body records
/// the business's answer in self-regulation; the Ta'zirat liaison follows its verdict up);
/// experts follow the whole case while it is open; call-centre operators may leave internal
/// notes on an open complaint (a caller asked about it); supervisors write anywhere, closed
/// complaints included.
pub fn check_note(role: Role, stage: Stage, visible: bool) -> Result<(), NoteDenied> {
    // A verdict ends the workflow but is followed up (penalty paid, compensation made);
    // resolved, dismissed and withdrawn complaints are closed.
    let open = !matches!(stage, Stage::Resolved | Stage::Dismissed | Stage::Withdrawn);
    let handles = role == Role::Supervisor
        || queue_stages(role).contains(&stage)
        || (role == Role::Expert && open)
        || (role == Role::Taazirat && stage == Stage::Verdict)
        || (role == Role::Operator && open && !visible);
    match (handles, open) {
        (true, _) => Ok(()),
        (false, false) => Err(NoteDenied::Closed),
        (false, true) => Err(NoteDenied::NotYourStage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    #[test]
    fn who_writes_notes_where() {
        use Role::{Expert as Ex, Guild as Gu, Inspector as In, Operator as Op, Supervisor as Su, Taazirat as Tz};
        // (role, stage, visible, allowed?)
        let cases = [
            (Gu, SelfRegulation, true, Ok(())),
            (Gu, Inspection, true, Err(NoteDenied::NotYourStage)),
            (Gu, Resolved, false, Err(NoteDenied::Closed)),
            (Op, Received, true, Ok(())),
            (Op, Inspection, false, Ok(())),
            (Op, Inspection, true, Err(NoteDenied::NotYourStage)),
            (Op, Dismissed, false, Err(NoteDenied::Closed)),
            (Ex, Stage::Taazirat, true, Ok(())),
            (Ex, Verdict, true, Ok(())),
            (Ex, Withdrawn, false, Err(NoteDenied::Closed)),
            (In, Inspection, true, Ok(())),
            (In, Stage::Taazirat, false, Err(NoteDenied::NotYourStage)),
            (Tz, Stage::Taazirat, true, Ok(())),
            (Tz, Verdict, true, Ok(())),
            (Tz, ExpertReview, false, Err(NoteDenied::NotYourStage)),
            (Su, Resolved, true, Ok(())),
            (Su, Received, false, Ok(())),
        ];
        for (role, stage, visible, expected) in cases {
            assert_eq!(check_note(role, stage, visible), expected, "{role:?} {stage:?} visible={visible}");
        }
        // Every role handles the stages of its own queue.
        for role in Role::ALL {
            for &stage in queue_stages(role) {
                assert_eq!(check_note(role, stage, true), Ok(()), "{role:?} {stage:?}");
            }
        }
    }

    const C: Actor = Actor::Citizen;
    const OP: Actor = Actor::Staff(Role::Operator);
    const EX: Actor = Actor::Staff(Role::Expert);
    const GU: Actor = Actor::Staff(Role::Guild);
    const IN: Actor = Actor::Staff(Role::Inspector);
    const TZ: Actor = Actor::Staff(Role::Taazirat);
    const SU: Actor = Actor::Staff(Role::Supervisor);

    /// The allowed moves, written out from the seed article's seven steps. Every
    /// (from, actor, to) not listed here must be refused.
    const ALLOWED: &[(Stage, Actor, Stage)] = &[
        (Received, EX, ExpertReview),
        (Received, SU, ExpertReview),
        (ExpertReview, EX, SelfRegulation),
        (ExpertReview, SU, SelfRegulation),
        (ExpertReview, EX, Inspection),
        (ExpertReview, SU, Inspection),
        (ExpertReview, EX, Dismissed),
        (ExpertReview, SU, Dismissed),
        (SelfRegulation, C, Resolved),
        (SelfRegulation, C, Inspection),
        (Inspection, IN, InspectionReported),
        (Inspection, SU, InspectionReported),
        (InspectionReported, IN, Taazirat),
        (InspectionReported, EX, Taazirat),
        (InspectionReported, SU, Taazirat),
        (InspectionReported, EX, Resolved),
        (InspectionReported, SU, Resolved),
        (InspectionReported, EX, Dismissed),
        (InspectionReported, SU, Dismissed),
        (Taazirat, TZ, Verdict),
        (Taazirat, SU, Verdict),
        (Received, C, Withdrawn),
        (ExpertReview, C, Withdrawn),
        (SelfRegulation, C, Withdrawn),
        (Inspection, C, Withdrawn),
        (InspectionReported, C, Withdrawn),
        (Taazirat, C, Withdrawn),
    ];

    fn full_input(to: Stage) -> TransitionInput {
        TransitionInput { to, has_note: true, has_verdict: true }
    }

    #[test]
    fn every_stage_actor_target_triple_follows_the_table() {
        let facts = |stage| ComplaintFacts { stage, wants_compensation: true };
        for from in Stage::ALL {
            for actor in Actor::ALL {
                for to in Stage::ALL {
                    let got = check_transition(actor, &facts(from), &full_input(to));
                    let listed = ALLOWED.contains(&(from, actor, to));
                    let anyone = ALLOWED.iter().any(|&(f, _, t)| f == from && t == to);
                    let expected = if listed {
                        Ok(())
                    } else if anyone {
                        Err(TransitionDenied::ActorNotAllowed(actor))
                    } else {
                        Err(TransitionDenied::InvalidTransition { from, to })
                    };
                    assert_eq!(got, expected, "{from:?} --{actor:?}--> {to:?}");
                }
            }
        }
    }

    #[test]
    fn nothing_leaves_a_final_stage() {
        for from in [Verdict, Resolved, Dismissed, Withdrawn] {
            for to in Stage::ALL {
                assert!(movers(from, to).is_none(), "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn moves_that_must_carry_something() {
        let facts = |stage, wants_compensation| ComplaintFacts { stage, wants_compensation };
        let bare = |to| TransitionInput { to, has_note: false, has_verdict: false };
        for (actor, from, comp, to, expected) in [
            (EX, ExpertReview, true, Dismissed, TransitionDenied::ReasonRequired),
            (EX, InspectionReported, true, Dismissed, TransitionDenied::ReasonRequired),
            (IN, Inspection, true, InspectionReported, TransitionDenied::ReportRequired),
            (IN, InspectionReported, true, Taazirat, TransitionDenied::CaseFileRequired),
            (EX, InspectionReported, true, Taazirat, TransitionDenied::CaseFileRequired),
            (TZ, Taazirat, true, Verdict, TransitionDenied::VerdictDetailsRequired),
            (EX, ExpertReview, false, SelfRegulation, TransitionDenied::NotCompensationClaim),
        ] {
            assert_eq!(check_transition(actor, &facts(from, comp), &bare(to)), Err(expected), "{from:?}->{to:?}");
        }
        // Moves that need nothing extra.
        for (actor, from, to) in [(EX, Received, ExpertReview), (EX, ExpertReview, Inspection), (C, SelfRegulation, Resolved), (C, Taazirat, Withdrawn)] {
            assert_eq!(check_transition(actor, &facts(from, false), &bare(to)), Ok(()), "{from:?}->{to:?}");
        }
    }

    #[test]
    fn supervisors_never_answer_for_the_citizen() {
        let facts = ComplaintFacts { stage: SelfRegulation, wants_compensation: true };
        for to in [Resolved, Inspection, Withdrawn] {
            assert_eq!(check_transition(SU, &facts, &full_input(to)), Err(TransitionDenied::ActorNotAllowed(SU)));
        }
    }

    #[test]
    fn every_role_queue_holds_stages_it_can_act_on() {
        for role in Role::ALL {
            for &stage in queue_stages(role) {
                let acts = Stage::ALL.iter().any(|&to| movers(stage, to).is_some_and(|m| m.contains(&Actor::Staff(role)) || role == Role::Supervisor))
                    || (role == Role::Guild && stage == SelfRegulation)
                    || (role == Role::Operator && stage == Received);
                assert!(acts, "{role:?} queue has {stage:?}");
            }
        }
        let _ = (OP, GU);
    }
}
