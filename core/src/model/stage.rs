//! The seven-stage life of a complaint, and its endings.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::names::wire_names;

/// Where a complaint stands. Wire names are the snake_case variant names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Stage {
    /// Filed; the tracking code was sent by SMS (seed steps 1–2).
    Received,
    /// An expert is evaluating it (step 3).
    ExpertReview,
    /// A compensation claim, with the guild's self-regulation body (step 3).
    SelfRegulation,
    /// An inspector is dispatched (step 4).
    Inspection,
    /// The inspector recorded the inspection report (step 5).
    InspectionReported,
    /// A case file was sent to the Ta'zirat (step 6).
    Taazirat,
    /// The Ta'zirat verdict was announced (step 7).
    Verdict,
    /// Closed to the citizen's satisfaction.
    Resolved,
    /// Closed without action, with a reason.
    Dismissed,
    /// Withdrawn by the citizen.
    Withdrawn,
}

/// How many stages are not final.
const OPEN_COUNT: usize = {
    let (mut i, mut n) = (0, 0);
    while i < Stage::ALL.len() {
        if !Stage::ALL[i].is_final() {
            n += 1;
        }
        i += 1;
    }
    n
};

wire_names!(Stage, "Every stage, in workflow order.");

impl Stage {
    /// Whether the complaint is closed: resolved, dismissed or withdrawn. A verdict ends the
    /// workflow but is still followed up (the penalty paid, the compensation made), so a
    /// complaint with a verdict is final but not closed.
    pub const fn is_closed(self) -> bool {
        matches!(self, Stage::Resolved | Stage::Dismissed | Stage::Withdrawn)
    }

    /// Whether nothing can follow this stage: a closed complaint, or a verdict (the last of the
    /// seven steps).
    pub const fn is_final(self) -> bool {
        self.is_closed() || matches!(self, Stage::Verdict)
    }

    /// The stages a complaint waits in for someone to act (every stage that is not final), in
    /// workflow order: the supervisors' queue, and what the deadline clocks run on.
    pub const OPEN: [Stage; OPEN_COUNT] = {
        let mut open = [Stage::Received; OPEN_COUNT];
        let (mut i, mut n) = (0, 0);
        while i < Stage::ALL.len() {
            if !Stage::ALL[i].is_final() {
                open[n] = Stage::ALL[i];
                n += 1;
            }
            i += 1;
        }
        open
    };

    /// [`Stage::OPEN`], one by one.
    pub fn open_stages() -> impl Iterator<Item = Stage> {
        Stage::OPEN.into_iter()
    }

    /// The Persian label shown to citizens and used in SMS.
    pub fn label_fa(self) -> &'static str {
        match self {
            Stage::Received => "ثبت شد",
            Stage::ExpertReview => "در حال بررسی کارشناس",
            Stage::SelfRegulation => "ارجاع به حوزه خودتنظیمی",
            Stage::Inspection => "اعزام بازرس",
            Stage::InspectionReported => "ثبت گزارش بازرسی",
            Stage::Taazirat => "ارسال پرونده به تعزیرات",
            Stage::Verdict => "اعلام رأی تعزیرات",
            Stage::Resolved => "رسیدگی و مختومه شد",
            Stage::Dismissed => "رد شد",
            Stage::Withdrawn => "انصراف شاکی",
        }
    }

    /// The Persian name of the action that moves a complaint to this stage, as a button says
    /// it («اعزام بازرس»).
    pub fn move_label_fa(self) -> &'static str {
        match self {
            Stage::Received => "ثبت شکایت",
            Stage::ExpertReview => "شروع بررسی کارشناسی",
            Stage::SelfRegulation => "ارجاع به حوزه خودتنظیمی (مطالبه خسارت)",
            Stage::Inspection => "اعزام بازرس",
            Stage::InspectionReported => "ثبت گزارش بازرسی",
            Stage::Taazirat => "تشکیل پرونده و ارسال به تعزیرات",
            Stage::Verdict => "ثبت رأی تعزیرات",
            Stage::Resolved => "مختومه: رسیدگی شد",
            Stage::Dismissed => "رد شکایت",
            Stage::Withdrawn => "انصراف از شکایت",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Stage::Received => "Received",
            Stage::ExpertReview => "Under expert review",
            Stage::SelfRegulation => "Referred to guild self-regulation",
            Stage::Inspection => "Inspector dispatched",
            Stage::InspectionReported => "Inspection report recorded",
            Stage::Taazirat => "Case file sent to the Ta'zirat",
            Stage::Verdict => "Ta'zirat verdict announced",
            Stage::Resolved => "Resolved",
            Stage::Dismissed => "Dismissed",
            Stage::Withdrawn => "Withdrawn",
        }
    }
}
