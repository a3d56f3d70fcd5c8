//! Which three finder patterns may be one symbol's corners, most plausible first.
//!
//! rxing's own grouping only accepts corners within 30° of a right angle, which loses steep
//! views zxing-cpp reads (it allows 45°). Here the geometry follows zxing-cpp's test (angle at
//! the corner 45°–135°, the two sides within 2:1, sizes within 2:1, 21–265 modules across,
//! distances weighted by the size ratio to offset foreshortening), with two changes for photos
//! holding many codes: each pattern is only grouped with its nearest neighbours, and sets are
//! ranked by a scale-free score, so the true corners of every symbol come before chance triples
//! and a fixed budget of sets is not spent on one part of the image.

/// A finder-pattern candidate: centre and size (pixels across its 7 modules), in the pixels
/// of the binarised image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Finder {
    pub x: f32,
    pub y: f32,
    pub size: f32,
}

/// Three finders (indices into the slice given to [`plausible_sets`]) as a symbol's
/// bottom-left, top-left and top-right corners, with the score it was ranked by (0 for a
/// perfect isosceles right triangle; lower is more plausible).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct FinderSet {
    pub bl: usize,
    pub tl: usize,
    pub tr: usize,
    pub score: f32,
    /// Distance between the bottom-left and top-right centres (the hypotenuse), in pixels.
    pub span: f32,
}

impl FinderSet {
    /// The three indices.
    pub fn members(&self) -> [usize; 3] {
        [self.bl, self.tl, self.tr]
    }
}

/// Scores closer than this count as equal when ranking.
const SCORE_STEP: f32 = 0.05;
/// Neighbours each pattern is grouped with (the nearest ones of similar size).
const NEIGHBOURS: usize = 12;
/// Largest allowed deviation of the corner angle from 90°.
const MAX_SKEW_DEGREES: f64 = 45.0;
/// Sets scoring above this are too far from a right-angled isosceles triangle to be worth
/// sampling (a 2:1 right triangle scores 1.2, a 45° corner with equal sides 4.8).
const MAX_SCORE: f32 = 4.0;

/// The plausible corner sets among `finders`, best first, at most `limit` of them.
pub(crate) fn plausible_sets(finders: &[Finder], limit: usize) -> Vec<FinderSet> {
    let n = finders.len();
    if n < 3 || limit == 0 {
        return Vec::new();
    }
    // Each set is generated once, from its largest member (ties broken by index).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| finders[b].size.total_cmp(&finders[a].size).then(a.cmp(&b)));
    let mut rank = vec![0; n];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }

    let cos_limit = (90.0 - MAX_SKEW_DEGREES).to_radians().cos();
    let mut sets: Vec<FinderSet> = Vec::new();
    let mut near: Vec<(f32, usize)> = Vec::with_capacity(n);
    for &anchor in &order {
        let a = finders[anchor];
        near.clear();
        near.extend(
            (0..n)
                .filter(|&j| rank[j] > rank[anchor] && finders[j].size * 2.0 >= a.size)
                .map(|j| ((finders[j].x - a.x).powi(2) + (finders[j].y - a.y).powi(2), j)),
        );
        if near.len() > NEIGHBOURS {
            near.select_nth_unstable_by(NEIGHBOURS - 1, |p, q| p.0.total_cmp(&q.0));
            near.truncate(NEIGHBOURS);
        }
        for u in 0..near.len() {
            for v in u + 1..near.len() {
                if let Some(set) = corner_set(finders, [anchor, near[u].1, near[v].1], cos_limit) {
                    sets.push(set);
                }
            }
        }
    }
    // Best score first; among sets scoring about the same, the more compact first (on a sheet
    // of codes in a grid, the corners of neighbouring codes form right triangles too, but
    // larger ones than each code's own).
    let key = |s: &FinderSet| (s.score / SCORE_STEP) as u32;
    sets.sort_by(|p, q| key(p).cmp(&key(q)).then(p.span.total_cmp(&q.span)));
    sets.truncate(limit);
    sets
}

/// Tests whether three finders can be one symbol's corners; if so, names the corners.
fn corner_set(finders: &[Finder], members: [usize; 3], cos_limit: f64) -> Option<FinderSet> {
    // Sorted by size, smallest first (the weighting below assumes it).
    let mut idx = members;
    idx.sort_by(|&p, &q| finders[p].size.total_cmp(&finders[q].size));
    let [mut a, mut b, mut c] = idx;
    let f = |i: usize| finders[i];
    if f(c).size > 2.0 * f(a).size {
        return None;
    }
    // Squared distance, scaled by the size ratio: a pattern twice as far from the camera looks
    // half as big, and so do the distances around it.
    let dist2 = |p: usize, q: usize| {
        let (fp, fq) = (f(p), f(q));
        let ratio = f64::from(fq.size.max(fp.size)) / f64::from(fq.size.min(fp.size).max(1e-3));
        (f64::from(fp.x - fq.x).powi(2) + f64::from(fp.y - fq.y).powi(2)) * ratio * ratio
    };
    let (mut ab, mut bc, mut ac) = (dist2(a, b), dist2(b, c), dist2(a, c));
    // B is the corner opposite the longest side.
    if bc >= ab && bc >= ac {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut bc, &mut ac);
    } else if ab >= ac && ab >= bc {
        std::mem::swap(&mut b, &mut c);
        std::mem::swap(&mut ab, &mut ac);
    }
    let (ab_len, bc_len) = (ab.sqrt(), bc.sqrt());
    if ab_len > 2.0 * bc_len || bc_len > 2.0 * ab_len {
        return None;
    }
    let mean_size = f64::from(f(a).size + f(b).size + f(c).size) / 3.0;
    let modules = (ab_len + bc_len) / (2.0 * mean_size / 7.0) + 7.0;
    if !(21.0 * 0.9..=177.0 * 1.5).contains(&modules) {
        return None;
    }
    let cos = (ab + bc - ac) / (2.0 * ab_len * bc_len);
    if cos.is_nan() || cos.abs() > cos_limit {
        return None;
    }
    // Distance from an isosceles right triangle, relative to its size.
    let score = ((ac - 2.0 * ab).abs() + (ac - 2.0 * bc).abs()) / ac.max(1e-9);
    let score = score as f32;
    if score > MAX_SCORE {
        return None;
    }
    // Orientation: with y pointing down, BC x BA must be positive for A bottom-left.
    let cross = (f(c).x - f(b).x) * (f(a).y - f(b).y) - (f(c).y - f(b).y) * (f(a).x - f(b).x);
    if cross < 0.0 {
        std::mem::swap(&mut a, &mut c);
    }
    Some(FinderSet { bl: a, tl: b, tr: c, score, span: ac.sqrt() as f32 })
}

/// A symbol's three finder-pattern centres guessed from two of them (the third lost to glare or
/// damage), with the module count their distance suggests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Guess {
    pub tl: (f32, f32),
    pub tr: (f32, f32),
    pub bl: (f32, f32),
    pub dimension: usize,
}

/// Pairs of finders (each with its nearest few of similar size) that could be two corners of
/// one symbol, nearest first, at most `limit`; `skip` marks finders already accounted for.
pub(crate) fn plausible_pairs(finders: &[Finder], skip: &[bool], limit: usize) -> Vec<(usize, usize)> {
    const NEAREST: usize = 4;
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for i in 0..finders.len() {
        if skip[i] {
            continue;
        }
        let a = finders[i];
        let mut near: Vec<(f32, usize)> = (0..finders.len())
            .filter(|&j| j != i && !skip[j])
            .filter(|&j| {
                let b = finders[j];
                let ratio = a.size.max(b.size) / a.size.min(b.size).max(1e-3);
                let modules = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt() / ((a.size + b.size) / 14.0);
                // Adjacent corners are 14..170 modules apart, opposite ones up to 240.
                ratio <= 1.5 && (13.0..=245.0).contains(&modules)
            })
            .map(|j| ((a.x - finders[j].x).powi(2) + (a.y - finders[j].y).powi(2), j))
            .collect();
        near.sort_by(|p, q| p.0.total_cmp(&q.0));
        pairs.extend(near.into_iter().take(NEAREST).map(|(d, j)| (d, i.min(j), i.max(j))));
    }
    pairs.sort_by(|p, q| p.0.total_cmp(&q.0).then((p.1, p.2).cmp(&(q.1, q.2))));
    pairs.dedup_by(|p, q| (p.1, p.2) == (q.1, q.2));
    pairs.into_iter().take(limit).map(|(_, i, j)| (i, j)).collect()
}

/// The six ways two finders can be corners of one (unmirrored) symbol: either may be the
/// top-left with the other top-right or bottom-left, or they are the top-right and bottom-left
/// (either way round), each with the two likeliest module counts. Guesses whose module count
/// is impossible are left out.
pub(crate) fn guesses(a: Finder, b: Finder) -> Vec<Guess> {
    // With y pointing down, bottom-left - top-left is top-right - top-left turned by +90°.
    let turn = |(x, y): (f32, f32)| (-y, x);
    let unturn = |(x, y): (f32, f32)| (y, -x);
    let add = |p: (f32, f32), d: (f32, f32)| (p.0 + d.0, p.1 + d.1);
    let sub = |p: (f32, f32), q: (f32, f32)| (p.0 - q.0, p.1 - q.1);
    let (pa, pb) = ((a.x, a.y), (b.x, b.y));
    let module = (a.size + b.size) / 14.0;
    // Each way round, with its estimated version (not yet rounded).
    let mut ways: Vec<(Guess, f32)> = Vec::new();
    let mut push = |tl: (f32, f32), tr: (f32, f32), bl: (f32, f32)| {
        let side = ((tr.0 - tl.0).powi(2) + (tr.1 - tl.1).powi(2)).sqrt();
        // Centres are dimension - 7 modules apart; dimensions are 21, 25, ... 177.
        ways.push((Guess { tl, tr, bl, dimension: 0 }, (side / module + 7.0 - 17.0) / 4.0));
    };
    for (p, q) in [(pa, pb), (pb, pa)] {
        // p top-left, q top-right.
        push(p, q, add(p, turn(sub(q, p))));
        // p top-left, q bottom-left.
        push(p, add(p, unturn(sub(q, p))), q);
        // p top-right, q bottom-left: top-right - bottom-left = e - turn(e), e = top-right - top-left.
        let d = sub(p, q);
        let e = ((d.0 - d.1) / 2.0, (d.0 + d.1) / 2.0);
        push(sub(p, e), p, q);
    }
    // The sizes are whole pixels, so on a large symbol the estimate can be a version off: every
    // way round with the nearest version first, then with the other neighbour.
    let nearest = ways.iter().map(|&(g, v)| (g, v.round()));
    let other = ways.iter().map(|&(g, v)| (g, if v > v.round() { v.round() + 1.0 } else { v.round() - 1.0 }));
    nearest.chain(other).filter(|(_, v)| (1.0..=40.0).contains(v)).map(|(g, v)| Guess { dimension: 17 + 4 * v as usize, ..g }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder(x: f32, y: f32, size: f32) -> Finder {
        Finder { x, y, size }
    }

    /// The corners of an upright symbol `side` px apart (finder centres) at (`x`, `y`).
    fn symbol(x: f32, y: f32, side: f32, size: f32) -> [Finder; 3] {
        [finder(x, y, size), finder(x + side, y, size), finder(x, y + side, size)]
    }

    #[test]
    fn names_the_corners_of_an_upright_symbol() {
        let f = symbol(100.0, 100.0, 140.0, 35.0);
        let sets = plausible_sets(&f, 10);
        assert_eq!(sets.len(), 1);
        assert_eq!((sets[0].tl, sets[0].tr, sets[0].bl), (0, 1, 2));
        assert!(sets[0].score < 1e-3);
    }

    #[test]
    fn corners_follow_the_symbol_when_it_is_turned() {
        // Turned 180°: the top-left finder is at the bottom right.
        let f = [finder(300.0, 300.0, 30.0), finder(160.0, 300.0, 30.0), finder(300.0, 160.0, 30.0)];
        let s = plausible_sets(&f, 10)[0];
        assert_eq!((s.tl, s.tr, s.bl), (0, 1, 2));
    }

    #[test]
    fn geometry_table() {
        // (what, finders, accepted)
        let cases: Vec<(&str, [Finder; 3], bool)> = vec![
            ("right angle", symbol(0.0, 0.0, 200.0, 40.0), true),
            // A steep view: a 124° corner, which rxing's own grouping (60°–120°) refuses.
            ("124° corner", [finder(0.0, 0.0, 40.0), finder(200.0, 0.0, 40.0), finder(-80.0, 120.0, 40.0)], true),
            ("140° corner", [finder(0.0, 0.0, 40.0), finder(200.0, 0.0, 40.0), finder(-120.0, 100.0, 40.0)], false),
            ("sides 2.5:1", [finder(0.0, 0.0, 40.0), finder(250.0, 0.0, 40.0), finder(0.0, 100.0, 40.0)], false),
            ("sizes 3:1", [finder(0.0, 0.0, 15.0), finder(200.0, 0.0, 45.0), finder(0.0, 200.0, 45.0)], false),
            ("too few modules", symbol(0.0, 0.0, 50.0, 40.0), false),
            ("too many modules", symbol(0.0, 0.0, 3000.0, 14.0), false),
            ("collinear", [finder(0.0, 0.0, 30.0), finder(100.0, 0.0, 30.0), finder(200.0, 0.0, 30.0)], false),
        ];
        for (what, f, accepted) in cases {
            assert_eq!(!plausible_sets(&f, 10).is_empty(), accepted, "{what}");
        }
    }

    #[test]
    fn every_symbol_of_a_sheet_ranks_before_chance_triples() {
        // 6x4 symbols of 21 modules (finder centres 14 modules apart) with 10-module gaps.
        let (module, pitch) = (4.0f32, 31.0f32 * 4.0);
        let mut f = Vec::new();
        for row in 0..4 {
            for col in 0..6 {
                f.extend(symbol(50.0 + col as f32 * pitch, 50.0 + row as f32 * pitch, 14.0 * module, 7.0 * module));
            }
        }
        let sets = plausible_sets(&f, 1000);
        let true_sets = sets.iter().take(24).filter(|s| s.tl % 3 == 0 && s.tl / 3 == s.tr / 3 && s.tl / 3 == s.bl / 3).count();
        assert_eq!(true_sets, 24, "{:?}", &sets[..30.min(sets.len())]);
    }

    #[test]
    fn two_corners_give_the_third() {
        // An upright symbol of 25 modules at 4 px per module: centres 72 px apart.
        let (tl, tr, bl) = (finder(100.0, 100.0, 28.0), finder(172.0, 100.0, 28.0), finder(100.0, 172.0, 28.0));
        let close = |p: (f32, f32), f: Finder| (p.0 - f.x).abs() < 0.01 && (p.1 - f.y).abs() < 0.01;
        // (which two are known, the third)
        for (a, b, missing) in [(tl, tr, bl), (tl, bl, tr), (tr, bl, tl)] {
            let found = guesses(a, b).iter().any(|g| close(g.tl, tl) && close(g.tr, tr) && close(g.bl, bl) && g.dimension == 25);
            assert!(found, "missing {missing:?}: {:?}", guesses(a, b));
            let found = guesses(b, a).iter().any(|g| close(g.tl, tl) && close(g.tr, tr) && close(g.bl, bl));
            assert!(found, "reversed, missing {missing:?}");
        }
        // Too close for a symbol: no guess.
        assert!(guesses(finder(0.0, 0.0, 28.0), finder(20.0, 0.0, 28.0)).is_empty());
    }

    #[test]
    fn pairs_are_similar_finders_at_symbol_distances() {
        let f = [finder(0.0, 0.0, 28.0), finder(72.0, 0.0, 28.0), finder(0.0, 10.0, 28.0), finder(72.0, 72.0, 60.0), finder(1500.0, 1500.0, 28.0)];
        assert_eq!(plausible_pairs(&f, &[false; 5], 10), vec![(0, 1), (1, 2)]);
        assert_eq!(plausible_pairs(&f, &[true, false, false, false, false], 10), vec![(1, 2)]);
    }

    #[test]
    fn the_limit_keeps_the_best() {
        let mut f = symbol(0.0, 0.0, 200.0, 40.0).to_vec();
        f.push(finder(230.0, 190.0, 40.0));
        let all = plausible_sets(&f, 100);
        assert!(all.len() > 1);
        assert_eq!(plausible_sets(&f, 1), vec![all[0]]);
        assert!(plausible_sets(&f[..2], 100).is_empty());
    }
}
