//! Adapters around the third-party QR decoders. Each returns [`Detection`]s in the pixel
//! coordinates of the buffer it was given; the pipeline maps them back to the input.
//! Every call into a decoder is wrapped in `catch_unwind`: a decoder bug on a hostile frame
//! must cost one missed pass, never the process.

mod finder_search;
pub(crate) mod rqrr_engine;
pub(crate) mod rxing_engine;

use super::{Point, StructuredAppend};

/// One decoded symbol, in the coordinates of the buffer that was scanned.
#[derive(Clone, Debug)]
pub(crate) struct Detection {
    pub text: String,
    /// Symbol corners: top-left, top-right, bottom-right, bottom-left (in symbol orientation).
    pub corners: [Point; 4],
    pub structured_append: Option<StructuredAppend>,
}
