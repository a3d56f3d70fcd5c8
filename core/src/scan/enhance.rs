//! Image filters some retry passes scan instead of the plain luma: sharpening for blur.

/// Calls `emit(y, sums, squares)` for each row `y` with, for every pixel of the row, the sum of
/// the values (and, if `with_squares`, of their squares) over the `(2 * radius + 1)`-pixel
/// square around it, edges replicated. Running sums down the columns and along each row, so the
/// cost does not depend on the radius and only two rows of sums are kept.
pub(crate) fn window_rows(data: &[u8], width: usize, height: usize, radius: usize, with_squares: bool, mut emit: impl FnMut(usize, &[u32], &[u32])) {
    if width == 0 || height == 0 {
        return;
    }
    let r = radius as isize;
    let row = |y: isize| {
        let y = y.clamp(0, height as isize - 1) as usize;
        &data[y * width..(y + 1) * width]
    };
    // Column sums over the window's rows.
    let (mut col, mut col_sq) = (vec![0u32; width], vec![0u32; if with_squares { width } else { 0 }]);
    for dy in -r..=r {
        for (x, &v) in row(dy).iter().enumerate() {
            col[x] += u32::from(v);
            if with_squares {
                col_sq[x] += u32::from(v) * u32::from(v);
            }
        }
    }
    let (mut sums, mut squares) = (vec![0u32; width], vec![0u32; if with_squares { width } else { 0 }]);
    let slide = |col: &[u32], out: &mut [u32]| {
        let at = |x: isize| col[x.clamp(0, width as isize - 1) as usize];
        let mut s: u32 = (-r..=r).map(at).sum();
        // Clamped reads only where the window crosses an edge.
        let (lo, hi) = ((radius).min(width), width.saturating_sub(radius + 1).max(radius.min(width)));
        for (x, o) in out.iter_mut().enumerate().take(lo) {
            *o = s;
            s = s + at(x as isize + r + 1) - at(x as isize - r);
        }
        for x in lo..hi {
            out[x] = s;
            s = s + col[x + radius + 1] - col[x - radius];
        }
        for (x, o) in out.iter_mut().enumerate().skip(hi) {
            *o = s;
            s = s + at(x as isize + r + 1) - at(x as isize - r);
        }
    };
    for y in 0..height {
        slide(&col, &mut sums);
        if with_squares {
            slide(&col_sq, &mut squares);
        }
        emit(y, &sums, &squares);
        let (enter, leave) = (row(y as isize + r + 1), row(y as isize - r));
        for x in 0..width {
            let (e, l) = (u32::from(enter[x]), u32::from(leave[x]));
            col[x] = col[x] + e - l;
            if with_squares {
                col_sq[x] = col_sq[x] + e * e - l * l;
            }
        }
    }
}

/// The mean over a `(2 * radius + 1)`-pixel square around each pixel (edges replicated).
pub(crate) fn box_blur(data: &[u8], width: usize, height: usize, radius: usize) -> Vec<u8> {
    let n = ((2 * radius + 1) * (2 * radius + 1)) as u64;
    // Rounded division by n as a multiplication.
    let inverse = (1u64 << 32) / n + 1;
    let mut out = vec![0u8; data.len()];
    window_rows(data, width, height, radius, false, |y, sums, _| {
        for (o, &s) in out[y * width..(y + 1) * width].iter_mut().zip(sums) {
            *o = (((u64::from(s) + n / 2) * inverse) >> 32).min(255) as u8;
        }
    });
    out
}

/// Unsharp masking: each pixel moved away from its `radius` neighbourhood's mean by `amount`
/// times the difference (1.0 doubles local contrast). Restores the edges of blurred modules
/// enough for the threshold and the finder search to see them.
pub(crate) fn unsharp(data: &[u8], width: usize, height: usize, radius: usize, amount: f32) -> Vec<u8> {
    let mut out = box_blur(data, width, height, radius);
    let gain = (amount * 256.0) as i32;
    for (o, &v) in out.iter_mut().zip(data) {
        let v = i32::from(v);
        *o = (v + (((v - i32::from(*o)) * gain) >> 8)).clamp(0, 255) as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_blur_averages_and_keeps_flat_areas() {
        let flat = vec![77u8; 30 * 20];
        assert_eq!(box_blur(&flat, 30, 20, 3), flat);
        // A single bright pixel spreads over a 3x3 square with radius 1.
        let mut dot = vec![0u8; 9 * 9];
        dot[4 * 9 + 4] = 90;
        let b = box_blur(&dot, 9, 9, 1);
        assert_eq!(b[4 * 9 + 4], 10);
        assert_eq!(b[3 * 9 + 3], 10);
        assert_eq!(b[2 * 9 + 2], 0);
    }

    #[test]
    fn unsharp_steepens_a_soft_edge() {
        // A ramp from 60 to 180 across 8 pixels.
        let (w, h) = (32usize, 4usize);
        let data: Vec<u8> = (0..w * h).map(|i| (60 + ((i % w).saturating_sub(12)).min(8) * 15) as u8).collect();
        let sharp = unsharp(&data, w, h, 3, 1.0);
        let contrast = |d: &[u8]| i32::from(d[2 * w + 17]) - i32::from(d[2 * w + 14]);
        assert!(contrast(&sharp) > contrast(&data), "{:?}", &sharp[2 * w..3 * w]);
        // Flat parts are left alone.
        assert_eq!(sharp[2 * w], data[2 * w]);
        assert_eq!(sharp[2 * w + 31], data[2 * w + 31]);
    }
}
