//! Small-cell suppression of published counts, as statistical offices do it.
//!
//! Counts are published as cells of linked tables: a cell is either a detail (complaints of
//! one category, province and month) or a total of other cells (all provinces of a category
//! and month, ...). Each total is written as a [`SumConstraint`].
//!
//! - **Primary suppression**: a cell counting 1 to `threshold - 1` complaints is withheld. A
//!   zero is shown: it says that nobody complained, which discloses no one, and hiding zeros
//!   would only make the tables harder to read.
//! - **Complementary suppression**: a withheld cell must not be recoverable from what is shown
//!   beside it. For every sum, the withheld members are never exactly one; when the total is
//!   shown, the withheld parts add up to at least `threshold` (so no part is pinned by the
//!   knowledge that each withheld part is at least 1). Then [`pinned`], an attacker who
//!   narrows every withheld cell to an interval through all sums at once, is run; any cell it
//!   pins gets a partner withheld beside it. Each round withholds more, so it ends.
//!
//! Complementary cells are the smallest non-zero shown member of the sum, so as little as
//! possible is lost.

/// A published total and the cells it adds up: `values[total] == Σ values[parts]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumConstraint {
    /// The index of the total.
    pub total: usize,
    /// The indices of the cells it adds up.
    pub parts: Vec<usize>,
}

/// Whether a count is withheld on its own account: 1 to `threshold - 1` complaints.
pub fn is_small(count: u64, threshold: u64) -> bool {
    count > 0 && count < threshold
}

/// Which cells to withhold (true) so that no cell of 1 to `threshold - 1` is shown, nor can be
/// worked out from the shown cells and the `constraints`.
pub fn suppress(values: &[u64], constraints: &[SumConstraint], threshold: u64) -> Vec<bool> {
    let mut hidden: Vec<bool> = values.iter().map(|&v| is_small(v, threshold)).collect();
    loop {
        let mut changed = false;
        for c in constraints {
            let hidden_parts: u64 = c.parts.iter().filter(|&&i| hidden[i]).map(|&i| values[i]).sum();
            let hidden_count = c.parts.iter().filter(|&&i| hidden[i]).count() + usize::from(hidden[c.total]);
            let exposed = match hidden_count {
                0 => false,
                1 => true,
                _ => !hidden[c.total] && hidden_parts < threshold,
            };
            if exposed {
                if let Some(i) = smallest_shown(values, &hidden, c) {
                    hidden[i] = true;
                    changed = true;
                }
            }
        }
        if changed {
            continue;
        }
        // The simple rules hold; now the attacker who combines every sum.
        for cell in pinned(&published(values, &hidden), constraints) {
            let partner = constraints
                .iter()
                .filter(|c| c.total == cell || c.parts.contains(&cell))
                .filter_map(|c| smallest_shown(values, &hidden, c))
                .min_by_key(|&i| (values[i], i));
            if let Some(i) = partner {
                hidden[i] = true;
                changed = true;
            }
        }
        if !changed {
            return hidden;
        }
    }
}

/// The smallest non-zero member of `c` still shown (a part if any, else the total).
fn smallest_shown(values: &[u64], hidden: &[bool], c: &SumConstraint) -> Option<usize> {
    c.parts.iter().copied().filter(|&i| !hidden[i] && values[i] > 0).min_by_key(|&i| (values[i], i)).or_else(|| {
        let t = c.total;
        (!hidden[t] && values[t] > 0).then_some(t)
    })
}

/// The cells as published: `None` where withheld.
pub fn published(values: &[u64], hidden: &[bool]) -> Vec<Option<u64>> {
    values.iter().zip(hidden).map(|(&v, &h)| (!h).then_some(v)).collect()
}

/// A stand-in for "no upper bound known".
const UNBOUNDED: u64 = u64::MAX / 4;

/// The withheld cells an attacker can work out exactly from what is published: each withheld
/// cell starts between 1 (zeros are never withheld) and unbounded, and every sum narrows its
/// members' intervals (a part is at most its total less the others' least, at least its total's
/// least less the others' most; a total lies between its parts' sums) until nothing moves. A
/// cell whose interval shrinks to one value is disclosed.
pub fn pinned(published: &[Option<u64>], constraints: &[SumConstraint]) -> Vec<usize> {
    let mut lo: Vec<u64> = published.iter().map(|v| v.unwrap_or(1)).collect();
    let mut hi: Vec<u64> = published.iter().map(|v| v.unwrap_or(UNBOUNDED)).collect();
    let add = |a: u64, b: u64| a.saturating_add(b).min(UNBOUNDED);
    for _round in 0..200 {
        let mut moved = false;
        for c in constraints {
            let sum_lo = c.parts.iter().fold(0, |s, &i| add(s, lo[i]));
            let sum_hi = c.parts.iter().fold(0, |s, &i| add(s, hi[i]));
            let t = c.total;
            if sum_lo > lo[t] {
                lo[t] = sum_lo;
                moved = true;
            }
            if sum_hi < hi[t] {
                hi[t] = sum_hi;
                moved = true;
            }
            for &p in &c.parts {
                let others_lo = sum_lo - lo[p];
                let others_hi = if sum_hi >= UNBOUNDED || hi[p] >= UNBOUNDED { UNBOUNDED } else { sum_hi - hi[p] };
                if hi[t] < UNBOUNDED {
                    let upper = hi[t].saturating_sub(others_lo);
                    if upper < hi[p] {
                        hi[p] = upper;
                        moved = true;
                    }
                }
                if others_hi < UNBOUNDED {
                    let lower = lo[t].saturating_sub(others_hi);
                    if lower > lo[p] {
                        lo[p] = lower;
                        moved = true;
                    }
                }
            }
        }
        if !moved {
            break;
        }
    }
    (0..published.len()).filter(|&i| published[i].is_none() && lo[i] >= hi[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table with its row totals (last column), column totals (last row) and grand total,
    /// as cells and sums.
    fn table(rows: &[&[u64]]) -> (Vec<u64>, Vec<SumConstraint>, usize) {
        let (r, c) = (rows.len(), rows[0].len());
        let width = c + 1;
        let mut values = vec![0; (r + 1) * width];
        for (i, row) in rows.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                values[i * width + j] = v;
                values[i * width + c] += v;
                values[r * width + j] += v;
                values[r * width + c] += v;
            }
        }
        let mut constraints = Vec::new();
        for i in 0..=r {
            constraints.push(SumConstraint { total: i * width + c, parts: (0..c).map(|j| i * width + j).collect() });
        }
        for j in 0..=c {
            constraints.push(SumConstraint { total: r * width + j, parts: (0..r).map(|i| i * width + j).collect() });
        }
        (values, constraints, width)
    }

    fn hidden_cells(rows: &[&[u64]]) -> Vec<(usize, usize)> {
        let (values, constraints, width) = table(rows);
        let hidden = suppress(&values, &constraints, 5);
        (0..values.len()).filter(|&i| hidden[i]).map(|i| (i / width, i % width)).collect()
    }

    #[test]
    fn small_counts_are_withheld_and_zeros_shown() {
        for (count, small) in [(0, false), (1, true), (4, true), (5, false), (120, false)] {
            assert_eq!(is_small(count, 5), small, "{count}");
        }
    }

    #[test]
    fn complementary_cells_are_withheld_beside_small_ones() {
        // (table, withheld cells as (row, column); the last row and column are the totals)
        type Case = (Vec<&'static [u64]>, Vec<(usize, usize)>);
        let cases: Vec<Case> = vec![
            // Nothing small: nothing withheld.
            (vec![&[12, 30], &[7, 9]], vec![]),
            // Zeros are shown, and their totals too.
            (vec![&[12, 0], &[0, 9]], vec![]),
            // One 3: its row and its column each need a second withheld cell; the 7 does both.
            (vec![&[12, 3], &[7, 9]], vec![(0, 0), (0, 1), (1, 0), (1, 1)]),
            // Two small cells in a row adding up to under 5 (1 + 2): a third one goes too.
            (vec![&[1, 2, 40], &[30, 30, 30]], vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]),
        ];
        for (rows, expected) in cases {
            assert_eq!(hidden_cells(&rows), expected, "{rows:?}");
        }
    }

    #[test]
    fn a_small_total_is_withheld_with_its_parts() {
        // Row 0 adds up to 3: the cell, its total and the column totals beside it must go.
        let hidden = hidden_cells(&[&[3, 0], &[20, 20]]);
        assert!(hidden.contains(&(0, 0)) && hidden.contains(&(0, 2)), "{hidden:?}");
        let (values, constraints, _) = table(&[&[3, 0], &[20, 20]]);
        assert!(pinned(&published(&values, &suppress(&values, &constraints, 5)), &constraints).is_empty());
    }

    #[test]
    fn the_attacker_finds_what_one_sum_gives_away() {
        // Shown: a row of 12 and a total of 15: the withheld cell is 3.
        let cells = vec![Some(12), None, Some(15)];
        let sums = vec![SumConstraint { total: 2, parts: vec![0, 1] }];
        assert_eq!(pinned(&cells, &sums), vec![1]);
        // Two withheld parts adding up to 2: each is at least 1, so both are 1.
        let cells = vec![Some(12), None, None, Some(14)];
        let sums = vec![SumConstraint { total: 3, parts: vec![0, 1, 2] }];
        assert_eq!(pinned(&cells, &sums), vec![1, 2]);
        // Adding up to 6: anything from 1 to 5 each.
        let cells = vec![Some(12), None, None, Some(18)];
        assert!(pinned(&cells, &sums).is_empty());
    }

    /// A small deterministic generator, so the property test needs no crate and repeats.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % below
        }
    }

    #[test]
    fn no_withheld_cell_can_be_worked_out_from_the_totals() {
        let mut rng = Lcg(14);
        for case in 0..400 {
            let (r, c) = (1 + rng.next(6) as usize, 1 + rng.next(7) as usize);
            // Mostly small counts and zeros, the hard case; some large ones.
            let rows: Vec<Vec<u64>> = (0..r)
                .map(|_| {
                    (0..c)
                        .map(|_| match rng.next(10) {
                            0..=2 => 0,
                            3..=6 => 1 + rng.next(4),
                            _ => 5 + rng.next(60),
                        })
                        .collect()
                })
                .collect();
            let refs: Vec<&[u64]> = rows.iter().map(Vec::as_slice).collect();
            let (values, constraints, _) = table(&refs);
            let hidden = suppress(&values, &constraints, 5);
            let shown = published(&values, &hidden);
            for (i, v) in shown.iter().enumerate() {
                assert!(!matches!(v, Some(n) if is_small(*n, 5)), "case {case}: a small cell is shown: {rows:?}");
                let _ = i;
            }
            assert_eq!(pinned(&shown, &constraints), Vec::<usize>::new(), "case {case}: {rows:?} published as {shown:?}");
        }
    }
}
