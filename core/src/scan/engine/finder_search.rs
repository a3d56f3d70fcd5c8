//! Finding finder-pattern candidates (the 1:1:3:1:1 squares) with bounded work.
//!
//! The same search as rxing's `FindFinderPatterns` (every third row scanned for the 1:1:3:1:1
//! run pattern, each hit located as a concentric square), built from rxing's public pieces, with
//! two changes that matter on hostile frames: whether a hit falls inside a pattern already found
//! is looked up in a grid instead of a list (rxing's check is quadratic: a frame tiled with
//! thousands of finder-like squares took 70 ms per pass in it alone), and the number of hits
//! located is capped.

use rxing::common::cpp_essentials::{
    ConcentricPattern, FindLeftGuardBy, FixedPattern, GetPatternRowTP, IsPattern, LocateConcentricPattern, PatternRow, PatternType, PatternView,
};
use rxing::common::BitMatrix;
use rxing::Point;

const PATTERN: FixedPattern<5, 7, false> = FixedPattern::new([1, 1, 3, 1, 1]);

/// Side of the lookup grid's cells, in pixels.
const CELL: usize = 32;

/// The finder-pattern candidates of `image`, locating at most `max_located` row hits, and
/// whether that cap was reached (the image is cluttered: noise, texture or a hostile frame).
pub(crate) fn find_finder_patterns(image: &BitMatrix, max_located: usize) -> (Vec<ConcentricPattern>, bool) {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let (gw, gh) = (width.div_ceil(CELL).max(1), height.div_ceil(CELL).max(1));
    // Indices of the patterns whose area touches each cell.
    let mut grid: Vec<Vec<u32>> = vec![Vec::new(); gw * gh];
    let mut found: Vec<ConcentricPattern> = Vec::new();
    let mut located = 0;
    let mut row = PatternRow::default();
    // One module per pixel at least, and the 3-module centre seen on every third row.
    let mut y = 2;
    while y < height {
        GetPatternRowTP(image, y as u32, &mut row, false);
        let mut view = PatternView::new(&row);
        while let Ok(next) = find_pattern(view) {
            if !next.isValid() {
                break;
            }
            view = next;
            let x = f32::from(view.pixelsInFront()) + f32::from(view[0]) + f32::from(view[1]) + f32::from(view[2]) / 2.0;
            let p = Point { x, y: y as f32 + 0.5 };
            let cell = (p.x.max(0.0) as usize / CELL).min(gw - 1) + (y / CELL).min(gh - 1) * gw;
            let inside = grid[cell].iter().any(|&i| {
                let old = &found[i as usize];
                Point::distance(p, old.p) < old.size as f32 / 2.0
            });
            if !inside {
                if located >= max_located {
                    return (found, true);
                }
                located += 1;
                let span = view.iter().map(i32::from).sum::<i32>() * 3; // 3 for very skewed samples
                if let Some(pattern) = LocateConcentricPattern::<true, 5, 7>(image, &PATTERN.into(), p, span) {
                    let r = pattern.size as f32 / 2.0;
                    let cells = |lo: f32, hi: f32, n: usize| (lo.max(0.0) as usize / CELL).min(n - 1)..=(hi.max(0.0) as usize / CELL).min(n - 1);
                    for cy in cells(pattern.p.y - r, pattern.p.y + r, gh) {
                        for cx in cells(pattern.p.x - r, pattern.p.x + r, gw) {
                            grid[cy * gw + cx].push(found.len() as u32);
                        }
                    }
                    found.push(pattern);
                }
            }
            view.skipPair();
            view.skipPair();
            view.extend();
        }
        y += 3;
    }
    (found, false)
}

/// The next 1:1:3:1:1 run in `view` (rxing's `FindPattern`).
fn find_pattern(view: PatternView<'_>) -> rxing::common::Result<PatternView<'_>> {
    FindLeftGuardBy::<5, _>(view, 5, |view: &PatternView, space_in_pixel: Option<f32>| {
        // A fast plausibility test before the exact one.
        let centre: PatternType = view[2usize];
        let (v0, v1, v3, v4): (PatternType, PatternType, PatternType, PatternType) = (view[0usize], view[1usize], view[3usize], view[4usize]);
        if centre < 3 || centre < 2 * v0.max(v4) || centre < v1.max(v3) {
            return false;
        }
        IsPattern::<true, 5, 7, false>(view, &PATTERN, space_in_pixel, 0.1, 0.0, 0.0) != 0.0
    })
}
