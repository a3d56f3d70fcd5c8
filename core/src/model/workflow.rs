//! The workflow rules: which actor may move a complaint from which stage to which, and what
//! each move must carry. One pure function, [`check_transition`], decides; the server only
//! applies what it allows.

use super::api::{FieldError, VerdictDetails};
use super::province::Province;
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
    #[error("a complaint in stage {} cannot move to {}", .from.wire_name(), .to.wire_name())]
    InvalidTransition {
        /// Current stage.
        from: Stage,
        /// Requested stage.
        to: Stage,
    },
    /// The move exists, but not for this actor.
    #[error("this move is not made by the {} role", .0.wire_name())]
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

/// What a move must carry besides its target: the reason for a dismissal, the inspector's
/// report, the case-file summary for the Ta'zirat, or the verdict itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carry {
    /// Nothing more (a note is welcome but optional).
    Nothing,
    /// The reason, in the note.
    Reason,
    /// The inspection report, in the note.
    Report,
    /// The case-file summary, in the note.
    CaseFile,
    /// The verdict: violation yes/no, penalty and compensation.
    Verdict,
}

impl Carry {
    /// Whether the note must be given.
    pub fn needs_note(self) -> bool {
        matches!(self, Carry::Reason | Carry::Report | Carry::CaseFile)
    }

    /// What the note is called on the form, in Persian.
    pub fn note_label_fa(self) -> &'static str {
        match self {
            Carry::Nothing | Carry::Verdict => "توضیح برای شهروند (اختیاری)",
            Carry::Reason => "دلیل رد شکایت (برای شهروند)",
            Carry::Report => "گزارش بازرسی",
            Carry::CaseFile => "خلاصه پرونده برای تعزیرات",
        }
    }
}

/// What a move from `from` to `to` must carry.
pub fn carry(from: Stage, to: Stage) -> Carry {
    let _ = from;
    match to {
        Stage::Dismissed => Carry::Reason,
        Stage::InspectionReported => Carry::Report,
        Stage::Taazirat => Carry::CaseFile,
        Stage::Verdict => Carry::Verdict,
        _ => Carry::Nothing,
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
    if from == Stage::ExpertReview && to == Stage::SelfRegulation && !complaint.wants_compensation {
        return Err(TransitionDenied::NotCompensationClaim);
    }
    match carry(from, to) {
        Carry::Reason if !input.has_note => Err(TransitionDenied::ReasonRequired),
        Carry::Report if !input.has_note => Err(TransitionDenied::ReportRequired),
        Carry::CaseFile if !input.has_note => Err(TransitionDenied::CaseFileRequired),
        Carry::Verdict if !input.has_verdict => Err(TransitionDenied::VerdictDetailsRequired),
        _ => Ok(()),
    }
}

/// A move's structured `details`, checked before the move is decided: a verdict's are its
/// [`VerdictDetails`], parsed and within bounds (problems named `details.…`). Any other move's
/// details are left to [`check_no_details`], which runs after [`check_transition`] so that a
/// move refused by the workflow says so rather than complaining about its details.
pub fn verdict_details(to: Stage, details: Option<&serde_json::Value>) -> Result<Option<VerdictDetails>, Vec<FieldError>> {
    let Some(given) = details.filter(|d| to == Stage::Verdict && !d.is_null()) else { return Ok(None) };
    let verdict: VerdictDetails = serde_json::from_value(given.clone()).map_err(|e| {
        vec![FieldError::new("details", "invalid_details", format!("a verdict's details are {{violation: bool, penalty_rials?, compensation_rials?}}: {e}"))]
    })?;
    verdict.validate().map_err(|fields| fields.into_iter().map(|f| FieldError { field: format!("details.{}", f.field), ..f }).collect::<Vec<_>>())?;
    Ok(Some(verdict))
}

/// Only a verdict carries structured details (the citizen and the public tracking answer show
/// them); every other move says what it has to say in its note. `null` and `{}` count as none.
pub fn check_no_details(details: Option<&serde_json::Value>) -> Result<(), FieldError> {
    match details {
        Some(d) if !(d.is_null() || d.as_object().is_some_and(|o| o.is_empty())) => {
            Err(FieldError::new("details", "details_not_allowed", "only a verdict carries details; write the rest in the note"))
        }
        _ => Ok(()),
    }
}

/// A move an actor may make now, and what it must carry: what the console offers as a button
/// with its form, and what the apps offer the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MoveOption {
    /// The stage it moves to.
    pub to: Stage,
    /// What the move must carry.
    pub carry: Carry,
}

/// Every move `actor` may make on `complaint` now, in stage order. Exactly the moves
/// [`check_transition`] allows when the move carries what [`carry`] names.
pub fn available_moves(actor: Actor, complaint: &ComplaintFacts) -> Vec<MoveOption> {
    Stage::ALL
        .into_iter()
        .filter(|&to| check_transition(actor, complaint, &TransitionInput { to, has_note: true, has_verdict: true }).is_ok())
        .map(|to| MoveOption { to, carry: carry(complaint.stage, to) })
        .collect()
}

/// The move the citizen's answer in self-regulation makes: satisfied with the business's
/// answer → resolved; not satisfied → an inspector is sent (seed step 4). Refused outside
/// self-regulation.
pub fn decision_move(stage: Stage, accept: bool) -> Result<Stage, TransitionDenied> {
    let to = if accept { Stage::Resolved } else { Stage::Inspection };
    if stage != Stage::SelfRegulation {
        return Err(TransitionDenied::InvalidTransition { from: stage, to });
    }
    Ok(to)
}

/// Whether `role` files complaints for a caller or a counter visitor (the citizen's own
/// session files everything else).
pub fn may_file_for_others(role: Role) -> bool {
    matches!(role, Role::Operator | Role::Supervisor)
}

/// Whether `role` handles the escalated complaints about the handling (the ministry's
/// complaints centre) and closes them.
pub fn may_close_escalations(role: Role) -> bool {
    role == Role::Supervisor
}

/// Whether `role` manages staff accounts (create, disable, reset passwords, set roles and
/// provinces).
pub fn may_manage_staff(role: Role) -> bool {
    role == Role::Supervisor
}

/// Whether a staff account of `staff_province` (`None`: national) may see and act on a
/// complaint of `complaint_province` (`None`: not yet known). Provincial accounts see their
/// own province only; national accounts see everything, and are the ones who place a
/// complaint whose province is not known.
pub fn in_jurisdiction(staff_province: Option<Province>, complaint_province: Option<Province>) -> bool {
    match staff_province {
        None => true,
        Some(p) => complaint_province == Some(p),
    }
}

/// Whether a staff account of `role` and `staff_province` may set or change a complaint's
/// province: national experts, operators and supervisors (a provincial account would hand
/// the complaint out of its own sight).
pub fn may_set_province(role: Role, staff_province: Option<Province>, stage: Stage) -> bool {
    staff_province.is_none() && !stage.is_closed() && matches!(role, Role::Supervisor | Role::Expert | Role::Operator)
}

/// Which stages a staff role works on (its queue). Supervisors see every open stage
/// ([`Stage::OPEN`]); they also see escalated complaints about handling, which the server adds.
pub fn queue_stages(role: Role) -> &'static [Stage] {
    use Stage::*;
    match role {
        Role::Operator => &[Received],
        Role::Expert => &[Received, ExpertReview, InspectionReported],
        Role::Guild => &[SelfRegulation],
        Role::Inspector => &[Inspection, InspectionReported],
        Role::Taazirat => &[Taazirat],
        Role::Supervisor => &Stage::OPEN,
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
    let open = !stage.is_closed();
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

/// Whether a staff member of `role` may read a complaint in `stage` — its history, the
/// complainant's phone, internal notes, photos. Supervisors, experts (who follow the whole
/// case) and call-centre operators (who answer callers about any complaint) read every stage;
/// the guild body reads what is in self-regulation and how it ended there; inspectors the
/// inspection and what became of its report; the Ta'zirat liaison its case files and verdicts.
pub fn may_read(role: Role, stage: Stage) -> bool {
    use Stage::*;
    match role {
        Role::Supervisor | Role::Expert | Role::Operator => true,
        Role::Guild => matches!(stage, SelfRegulation | Resolved),
        Role::Inspector => matches!(stage, Inspection | InspectionReported | Taazirat | Verdict),
        Role::Taazirat => matches!(stage, Taazirat | Verdict),
    }
}

/// Whether `role` works on complaints in `stage` (its queue holds the stage).
pub fn handles_stage(role: Role, stage: Stage) -> bool {
    queue_stages(role).contains(&stage)
}

/// Why taking, releasing or handing over a complaint is refused. Each has a stable
/// [`code`](AssignDenied::code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssignDenied {
    /// Nobody handles a complaint that reached the end of the workflow.
    #[error("the complaint has reached the end of the workflow; there is nothing to take")]
    Final,
    /// This role does not work on the complaint's stage.
    #[error("this stage is not handled by your role")]
    NotYourStage,
    /// Someone else is handling it.
    #[error("someone else is handling this complaint; a supervisor can hand it over")]
    HeldByOther,
    /// Only the one who holds it (or a supervisor) lets it go.
    #[error("you are not handling this complaint")]
    NotHolder,
    /// Handing a complaint to someone else is a supervisor's decision.
    #[error("only supervisors hand a complaint to someone else")]
    SupervisorsOnly,
    /// The chosen person's role does not work on this stage.
    #[error("the chosen staff member's role does not work on this stage")]
    AssigneeCannotHandle,
}

impl AssignDenied {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            AssignDenied::Final => "complaint_closed",
            AssignDenied::NotYourStage | AssignDenied::SupervisorsOnly => "role_not_allowed",
            AssignDenied::HeldByOther => "already_assigned",
            AssignDenied::NotHolder => "not_assigned_to_you",
            AssignDenied::AssigneeCannotHandle => "assignee_cannot_handle",
        }
    }
}

/// Whether staff member `me` (of `role`) may take a complaint in `stage` now held by `holder`
/// ("I'm handling it"). Taking what one already holds is fine.
pub fn check_take(role: Role, stage: Stage, holder: Option<i64>, me: i64) -> Result<(), AssignDenied> {
    if stage.is_final() {
        return Err(AssignDenied::Final);
    }
    if !handles_stage(role, stage) {
        return Err(AssignDenied::NotYourStage);
    }
    match holder {
        Some(h) if h != me => Err(AssignDenied::HeldByOther),
        _ => Ok(()),
    }
}

/// Whether staff member `me` (of `role`) may release a complaint held by `holder`: the holder
/// lets go of their own; a supervisor may free anyone's.
pub fn check_release(role: Role, holder: Option<i64>, me: i64) -> Result<(), AssignDenied> {
    match holder {
        Some(h) if h == me || role == Role::Supervisor => Ok(()),
        _ => Err(AssignDenied::NotHolder),
    }
}

/// Whether a staff member of `role` may hand a complaint in `stage` to someone of
/// `assignee_role`: supervisors only, to someone whose role works on the stage.
pub fn check_reassign(role: Role, stage: Stage, assignee_role: Role) -> Result<(), AssignDenied> {
    if role != Role::Supervisor {
        return Err(AssignDenied::SupervisorsOnly);
    }
    if stage.is_final() {
        return Err(AssignDenied::Final);
    }
    if !handles_stage(assignee_role, stage) {
        return Err(AssignDenied::AssigneeCannotHandle);
    }
    Ok(())
}

/// Who holds a complaint after a move to `to` by `mover` (staff id and role; `None` for the
/// citizen): the holder keeps it when they made the move themselves and their role works on
/// the new stage too (the expert who opens the review goes on reviewing); otherwise the new
/// stage waits, unassigned, in the queue of whoever handles it.
pub fn holder_after_move(holder: Option<i64>, mover: Option<(i64, Role)>, to: Stage) -> Option<i64> {
    match (holder, mover) {
        (Some(h), Some((id, role))) if h == id && !to.is_final() && handles_stage(role, to) => Some(h),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn only_a_verdict_carries_details_and_they_are_checked() {
        /// (to, details, verdict parsed?, the field verdict_details refuses, check_no_details' code)
        type Case = (Stage, Option<serde_json::Value>, bool, Option<&'static str>, Option<&'static str>);
        let cases: [Case; 9] = [
            (Stage::Verdict, Some(json!({"violation": true, "penalty_rials": 5_000_000})), true, None, Some("details_not_allowed")),
            (Stage::Verdict, Some(json!({"violation": false})), true, None, Some("details_not_allowed")),
            (Stage::Verdict, None, false, None, None),
            (Stage::Verdict, Some(json!(null)), false, None, None),
            (Stage::Verdict, Some(json!({"penalty": "high"})), false, Some("details"), Some("details_not_allowed")),
            (Stage::Verdict, Some(json!({"violation": true, "penalty_rials": -1})), false, Some("details.penalty_rials"), Some("details_not_allowed")),
            (Stage::Inspection, Some(json!({"violation": false})), false, None, Some("details_not_allowed")),
            (Stage::Inspection, Some(json!({})), false, None, None),
            (Stage::Dismissed, None, false, None, None),
        ];
        for (to, details, parsed, refused_field, stray) in cases {
            let got = verdict_details(to, details.as_ref());
            match refused_field {
                Some(field) => assert_eq!(got.as_ref().map_err(|f| f[0].field.as_str()).err(), Some(field), "{to:?} {details:?}: {got:?}"),
                None => assert_eq!(got.as_ref().map(Option::is_some).ok(), Some(parsed), "{to:?} {details:?}: {got:?}"),
            }
            assert_eq!(check_no_details(details.as_ref()).err().map(|f| f.code), stray.map(str::to_owned), "{to:?} {details:?}");
        }
    }

    use super::*;
    use crate::model::deadlines::StageDeadlines;
    use crate::model::journey::{next_step, NextStep};
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

    #[test]
    fn available_moves_are_exactly_the_allowed_table() {
        for from in Stage::ALL {
            for actor in Actor::ALL {
                let facts = ComplaintFacts { stage: from, wants_compensation: true };
                let got: Vec<Stage> = available_moves(actor, &facts).iter().map(|m| m.to).collect();
                let expected: Vec<Stage> = Stage::ALL.into_iter().filter(|&to| ALLOWED.contains(&(from, actor, to))).collect();
                assert_eq!(got, expected, "{from:?} by {actor:?}");
            }
        }
        // Without a compensation claim, the expert is not offered self-regulation.
        let facts = ComplaintFacts { stage: ExpertReview, wants_compensation: false };
        let offered: Vec<Stage> = available_moves(EX, &facts).iter().map(|m| m.to).collect();
        assert_eq!(offered, vec![Inspection, Dismissed]);
    }

    #[test]
    fn each_move_says_what_it_carries() {
        for (from, to, expected) in [
            (ExpertReview, Dismissed, Carry::Reason),
            (InspectionReported, Dismissed, Carry::Reason),
            (Inspection, InspectionReported, Carry::Report),
            (InspectionReported, Taazirat, Carry::CaseFile),
            (Taazirat, Verdict, Carry::Verdict),
            (Received, ExpertReview, Carry::Nothing),
            (SelfRegulation, Resolved, Carry::Nothing),
            (Taazirat, Withdrawn, Carry::Nothing),
        ] {
            assert_eq!(carry(from, to), expected, "{from:?}->{to:?}");
        }
        assert!(Carry::Report.needs_note() && !Carry::Verdict.needs_note() && !Carry::Nothing.needs_note());
    }

    #[test]
    fn the_citizens_decision_is_taken_in_self_regulation_only() {
        assert_eq!(decision_move(SelfRegulation, true), Ok(Resolved));
        assert_eq!(decision_move(SelfRegulation, false), Ok(Inspection));
        for stage in Stage::ALL.into_iter().filter(|&s| s != SelfRegulation) {
            assert!(matches!(decision_move(stage, false), Err(TransitionDenied::InvalidTransition { .. })), "{stage:?}");
        }
    }

    #[test]
    fn who_files_for_others_closes_escalations_and_manages_staff() {
        use Role::*;
        let table = [
            (Operator, true, false, false),
            (Expert, false, false, false),
            (Guild, false, false, false),
            (Inspector, false, false, false),
            (Role::Taazirat, false, false, false),
            (Supervisor, true, true, true),
        ];
        for (role, files, closes, manages) in table {
            assert_eq!(may_file_for_others(role), files, "{role:?}");
            assert_eq!(may_close_escalations(role), closes, "{role:?}");
            assert_eq!(may_manage_staff(role), manages, "{role:?}");
        }
    }

    #[test]
    fn provincial_accounts_see_their_province_only() {
        use Province::{Fars, Tehran};
        for (staff, complaint, expected) in
            [(None, None, true), (None, Some(Tehran), true), (Some(Tehran), Some(Tehran), true), (Some(Tehran), Some(Fars), false), (Some(Tehran), None, false)]
        {
            assert_eq!(in_jurisdiction(staff, complaint), expected, "{staff:?} {complaint:?}");
        }
        assert!(may_set_province(Role::Expert, None, Received));
        assert!(!may_set_province(Role::Expert, Some(Province::Tehran), Received));
        assert!(!may_set_province(Role::Guild, None, SelfRegulation));
        assert!(!may_set_province(Role::Supervisor, None, Resolved));
    }

    #[test]
    fn taking_releasing_and_handing_over() {
        use Role::{Expert as Ex, Guild as Gu, Inspector as In, Supervisor as Su};
        const ME: i64 = 1;
        const OTHER: i64 = 2;
        for (role, stage, holder, expected) in [
            (Ex, Received, None, Ok(())),
            (Ex, ExpertReview, Some(ME), Ok(())),
            (Ex, ExpertReview, Some(OTHER), Err(AssignDenied::HeldByOther)),
            (Gu, ExpertReview, None, Err(AssignDenied::NotYourStage)),
            (In, Inspection, None, Ok(())),
            (Su, SelfRegulation, None, Ok(())),
            (Su, Inspection, Some(OTHER), Err(AssignDenied::HeldByOther)),
            (Ex, Verdict, None, Err(AssignDenied::Final)),
            (Su, Resolved, None, Err(AssignDenied::Final)),
        ] {
            assert_eq!(check_take(role, stage, holder, ME), expected, "take {role:?} {stage:?} {holder:?}");
        }
        for (role, holder, expected) in [
            (Ex, Some(ME), Ok(())),
            (Ex, Some(OTHER), Err(AssignDenied::NotHolder)),
            (Ex, None, Err(AssignDenied::NotHolder)),
            (Su, Some(OTHER), Ok(())),
            (Su, None, Err(AssignDenied::NotHolder)),
        ] {
            assert_eq!(check_release(role, holder, ME), expected, "release {role:?} {holder:?}");
        }
        for (role, stage, assignee, expected) in [
            (Su, ExpertReview, Ex, Ok(())),
            (Su, Inspection, In, Ok(())),
            (Su, Inspection, Ex, Err(AssignDenied::AssigneeCannotHandle)),
            (Su, Verdict, Ex, Err(AssignDenied::Final)),
            (Ex, ExpertReview, Ex, Err(AssignDenied::SupervisorsOnly)),
        ] {
            assert_eq!(check_reassign(role, stage, assignee), expected, "reassign {role:?} {stage:?} {assignee:?}");
        }
    }

    #[test]
    fn the_holder_keeps_a_complaint_only_when_their_role_goes_on_with_it() {
        const ME: i64 = 1;
        for (holder, mover, to, expected) in [
            (Some(ME), Some((ME, Role::Expert)), ExpertReview, Some(ME)),
            (Some(ME), Some((ME, Role::Expert)), SelfRegulation, None),
            (Some(ME), Some((ME, Role::Inspector)), InspectionReported, Some(ME)),
            (Some(ME), Some((ME, Role::Inspector)), Stage::Taazirat, None),
            (Some(ME), Some((2, Role::Supervisor)), ExpertReview, None),
            (Some(ME), None, Inspection, None),
            (None, Some((ME, Role::Expert)), ExpertReview, None),
            (Some(ME), Some((ME, Role::Supervisor)), Verdict, None),
        ] {
            assert_eq!(holder_after_move(holder, mover, to), expected, "{holder:?} {mover:?} {to:?}");
        }
    }

    #[test]
    fn each_role_reads_what_it_handles() {
        use Role::*;
        for (role, stage, expected) in [
            (Guild, ExpertReview, false),
            (Guild, SelfRegulation, true),
            (Guild, Resolved, true),
            (Guild, Inspection, false),
            (Inspector, Received, false),
            (Inspector, Stage::Taazirat, true),
            (Role::Taazirat, Verdict, true),
            (Role::Taazirat, InspectionReported, false),
            (Operator, Dismissed, true),
            (Expert, Withdrawn, true),
            (Supervisor, Received, true),
        ] {
            assert_eq!(may_read(role, stage), expected, "{role:?} {stage:?}");
        }
        // Whatever a role works on, it may read; and what it moves a complaint to from there.
        for role in Role::ALL {
            for &stage in queue_stages(role) {
                assert!(may_read(role, stage), "{role:?} reads its queue's {stage:?}");
                for to in Stage::ALL {
                    if movers(stage, to).is_some_and(|m| m.contains(&Actor::Staff(role))) {
                        assert!(may_read(role, to), "{role:?} reads {to:?} after moving it there");
                    }
                }
            }
        }
    }

    /// The stages the transition table moves a complaint in `from` to, by anyone.
    fn exits(from: Stage) -> Vec<Stage> {
        Stage::ALL.into_iter().filter(|&to| movers(from, to).is_some()).collect()
    }

    /// The open stages as the transition table says them: those with a move out.
    fn open_by_the_table() -> Vec<Stage> {
        Stage::ALL.into_iter().filter(|&s| !exits(s).is_empty()).collect()
    }

    #[test]
    fn every_stage_is_reachable_from_received() {
        let mut reached = vec![Received];
        let mut frontier = vec![Received];
        while let Some(from) = frontier.pop() {
            for to in exits(from) {
                if !reached.contains(&to) {
                    reached.push(to);
                    frontier.push(to);
                }
            }
        }
        for stage in Stage::ALL {
            assert!(reached.contains(&stage), "{stage:?} cannot be reached from received");
        }
    }

    #[test]
    fn open_stages_have_a_way_on_and_final_ones_none() {
        // (stage, closed, final): a verdict is final (nothing moves it on) but not closed (the
        // penalty and the compensation are followed up).
        let table = [
            (Received, false, false),
            (ExpertReview, false, false),
            (SelfRegulation, false, false),
            (Inspection, false, false),
            (InspectionReported, false, false),
            (Taazirat, false, false),
            (Verdict, false, true),
            (Resolved, true, true),
            (Dismissed, true, true),
            (Withdrawn, true, true),
        ];
        assert_eq!(table.map(|(stage, ..)| stage), Stage::ALL, "one row per stage");
        for (stage, closed, final_) in table {
            assert_eq!(stage.is_closed(), closed, "{stage:?} closed");
            assert_eq!(stage.is_final(), final_, "{stage:?} final");
            // Final is what the table says: no move out.
            assert_eq!(exits(stage).is_empty(), final_, "{stage:?} exits {:?}", exits(stage));
            // An open stage has a way on besides the citizen's withdrawal.
            assert_eq!(exits(stage).iter().any(|&to| to != Withdrawn), !final_, "{stage:?}");
            // Every other reading of "final" and "closed" agrees: no actor is offered a move,
            // no clock runs, and the citizen is told the handling ended exactly when closed.
            if final_ {
                for actor in Actor::ALL {
                    assert!(available_moves(actor, &ComplaintFacts { stage, wants_compensation: true }).is_empty(), "{stage:?} {actor:?}");
                }
            }
            assert_eq!(StageDeadlines::default().working_days(stage).is_none(), final_, "{stage:?} clock");
            assert_eq!(next_step(stage) == NextStep::Closed, closed, "{stage:?} next step");
        }
    }

    #[test]
    fn the_supervisors_queue_is_every_open_stage_of_the_table() {
        let open = open_by_the_table();
        assert_eq!(queue_stages(Role::Supervisor), open);
        assert_eq!(Stage::OPEN.to_vec(), open);
        assert_eq!(Stage::open_stages().collect::<Vec<_>>(), open);
        // No role's queue holds a stage nothing can move on from.
        for role in Role::ALL {
            for stage in queue_stages(role) {
                assert!(open.contains(stage), "{role:?} queues {stage:?}");
            }
        }
    }
}
