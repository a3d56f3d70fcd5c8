//! A harder development set for the QR scanner, generated reproducibly in memory: the corpus
//! photos and rendered guild stickers under glare, bright spots, blur, shadows, low-quality JPEG,
//! steep perspective, curvature and damage, and photos holding many codes at once.
//! `src/bin/qr_hard.rs` scores the scanner on it; `zxing_cpp_compare.py` scores zxing-cpp on
//! the same pixels (dumped with `--dump`).

pub mod degrade;
pub mod geometry;
pub mod rng;
pub mod scene;
pub mod set;
