//! How much candidate work one scan may do, as a function of the image's size.
//!
//! What costs time on a hostile frame is sampling and decoding finder-pattern sets that are not
//! symbols. A fixed cap (120 patterns, 600 sets per pass) kept that cheap but also cut short
//! honest photos holding many codes. Here the bounds grow with the image's area — a photo can
//! only hold as many symbols as fit in it — up to a hard ceiling, only sets that fail to decode
//! count, and that budget is shared by all the passes of one scan, so the worst case is fixed
//! whatever the pass list does.

/// Finder patterns considered per pass: about one per 6,000 pixels (a 21-module symbol at
/// 1.5 px per module, with its quiet zone, covers ~2,000 px² and has 3), at least
/// [`MIN_PATTERNS`], at most [`MAX_PATTERNS`].
pub(crate) fn max_finder_patterns(width: usize, height: usize) -> usize {
    (width.saturating_mul(height) / 6_000).clamp(MIN_PATTERNS, MAX_PATTERNS)
}

/// Smallest pattern bound (what a 1280x720 frame gets).
const MIN_PATTERNS: usize = 150;
/// Largest pattern bound (reached at about 5 megapixels).
const MAX_PATTERNS: usize = 800;

/// Row hits the finder search may locate per pass (each costs a few microseconds; a frame
/// tiled with finder-like squares or striped with 1:1:3:1:1 bars has thousands, a sheet of
/// stickers with printed names a couple of thousand): twelve per pattern kept.
pub(crate) fn max_located(width: usize, height: usize) -> usize {
    12 * max_finder_patterns(width, height)
}

/// Finder-pattern sets that may be sampled and fail to decode in one scan, all passes together
/// (decoded sets are free: an image only holds so many symbols): one per 8,000 pixels, at
/// least [`MIN_FAILED_SETS`], at most [`MAX_FAILED_SETS`]. A failed set costs up to ~0.1 ms, so
/// this is what keeps a hostile frame near 0.1 s on a phone-class core.
pub(crate) fn max_failed_sets(width: usize, height: usize) -> usize {
    (width.saturating_mul(height) / 8_000).clamp(MIN_FAILED_SETS, MAX_FAILED_SETS)
}

/// Smallest failed-set budget.
const MIN_FAILED_SETS: usize = 200;
/// Largest failed-set budget (reached at 4 megapixels).
const MAX_FAILED_SETS: usize = 500;

/// Modules read from the gray pixels per scan (re-reading a symbol whose binarised modules
/// did not decode, or reading one guessed from two finder patterns): ~20 ns each, so at most a
/// few milliseconds whatever the frame (a version-40 symbol has 31,329 modules).
pub(crate) const MAX_GRAY_MODULES: usize = 150_000;

/// The failed sets and gray module reads still allowed in one scan.
#[derive(Debug)]
pub(crate) struct SetBudget {
    sets: usize,
    modules: usize,
}

impl SetBudget {
    /// The budget for a `width`x`height` input.
    pub fn for_image(width: usize, height: usize) -> Self {
        SetBudget { sets: max_failed_sets(width, height), modules: MAX_GRAY_MODULES }
    }

    /// Takes one set from the budget before sampling it; false when it is spent.
    pub fn take(&mut self) -> bool {
        take(&mut self.sets)
    }

    /// Gives back the set just taken: it decoded.
    pub fn refund(&mut self) {
        self.sets += 1;
    }

    /// Sets left.
    pub fn left(&self) -> usize {
        self.sets
    }

    /// Takes the modules of a `dimension`-module symbol from the gray-read budget; false (and
    /// nothing taken) when not enough are left.
    pub fn take_modules(&mut self, dimension: usize) -> bool {
        let n = dimension * dimension;
        if n > self.modules {
            return false;
        }
        self.modules -= n;
        true
    }
}

fn take(left: &mut usize) -> bool {
    if *left == 0 {
        return false;
    }
    *left -= 1;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_grow_with_the_image_up_to_a_ceiling() {
        // (width, height, patterns, located hits, failed sets)
        let table = [
            (320, 240, 150, 1800, 200),
            (1280, 720, 153, 1836, 200),
            (1920, 1080, 345, 4140, 259),
            (2000, 1500, 500, 6000, 375),
            (4000, 3000, 800, 9600, 500),
            (7300, 5470, 800, 9600, 500),
            (usize::MAX, usize::MAX, 800, 9600, 500),
        ];
        for (w, h, patterns, located, sets) in table {
            assert_eq!(max_finder_patterns(w, h), patterns, "{w}x{h}");
            assert_eq!(max_located(w, h), located, "{w}x{h}");
            assert_eq!(max_failed_sets(w, h), sets, "{w}x{h}");
        }
    }

    #[test]
    fn the_budget_runs_out() {
        let mut b = SetBudget { sets: 2, modules: 1100 };
        assert!(b.take() && b.take());
        b.refund();
        assert!(b.take());
        assert!(!b.take());
        assert_eq!(b.left(), 0);
        assert!(b.take_modules(25) && b.take_modules(21));
        assert!(!b.take_modules(21), "only 1100 - 625 - 441 = 34 are left");
        assert!(b.take_modules(5) && !b.take_modules(5));
    }
}
