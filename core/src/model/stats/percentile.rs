//! Percentiles of durations: the median and the 90th percentile of how long a stage took.

/// The `p`th quantile (0.0–1.0) of `sorted` (ascending), interpolated linearly between the two
/// nearest ranks (the definition spreadsheets and R's default use, so a statistician gets the
/// same figure from the CSV of durations); `None` for no values.
pub fn quantile(sorted: &[u32], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p.clamp(0.0, 1.0);
    let below = h.floor() as usize;
    let above = (below + 1).min(last);
    let (a, b) = (f64::from(sorted[below]), f64::from(sorted[above]));
    Some(a + (h - below as f64) * (b - a))
}

/// Minutes in a day.
pub const MINUTES_PER_DAY: f64 = 1440.0;

/// `minutes` as days, to one decimal (what the page and the JSON show).
pub fn days_to_one_decimal(minutes: f64) -> f64 {
    (minutes / MINUTES_PER_DAY * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_ranks() {
        // (values, p, expected)
        let cases: [(&[u32], f64, Option<f64>); 8] = [
            (&[], 0.5, None),
            (&[7], 0.5, Some(7.0)),
            (&[7], 0.9, Some(7.0)),
            (&[1, 3], 0.5, Some(2.0)),
            (&[1, 2, 3, 4, 5], 0.5, Some(3.0)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, Some(9.1)),
            (&[10, 20, 30, 40], 0.0, Some(10.0)),
            (&[10, 20, 30, 40], 1.0, Some(40.0)),
        ];
        for (values, p, expected) in cases {
            let got = quantile(values, p);
            match (got, expected) {
                (Some(g), Some(e)) => assert!((g - e).abs() < 1e-9, "{values:?} p{p}: {g} != {e}"),
                _ => assert_eq!(got, expected, "{values:?} p{p}"),
            }
        }
    }

    #[test]
    fn minutes_are_shown_as_days_to_one_decimal() {
        assert_eq!(days_to_one_decimal(1440.0), 1.0);
        assert_eq!(days_to_one_decimal(2160.0), 1.5);
        assert_eq!(days_to_one_decimal(100.0), 0.1);
        assert_eq!(days_to_one_decimal(0.0), 0.0);
    }
}
