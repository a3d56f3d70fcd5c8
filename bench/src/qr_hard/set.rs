//! The hard set: which conditions there are, and the samples of each, generated in memory from
//! the corpus photos and from stickers rendered here, all from one fixed seed.

use std::path::Path;

use super::degrade::{self, CodeBox, Plane};
use super::rng::Rng;
use super::scene;

/// The seed every sample derives from.
pub const SEED: u64 = 0x124_2026;

/// Sticker photos (1280x960) per single-code condition.
pub const STICKER_PHOTOS: usize = 40;
/// Photographed sticker sheets (half at 4000x3000, half at 2000x1500).
pub const STICKER_SHEETS: usize = 16;
/// Walls of corpus photos (2400x1800).
pub const PRODUCT_WALLS: usize = 16;

/// What was done to the photos of one row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Nothing: the photos as they are (corpus) or as rendered (stickers).
    Clean,
    /// A broad glare veil over part of the code (laminated sticker under a lamp).
    Glare,
    /// Small saturated highlights on the code.
    BrightSpots,
    /// Hand shake: linear blur of 0.5–2.2 modules.
    MotionBlur,
    /// Out of focus: disc blur of radius 0.4–1.2 modules.
    Defocus,
    /// A light gradient and a shadow edge across the code, with sensor noise.
    Shadow,
    /// JPEG re-compression at quality 5–20.
    LowJpeg,
    /// A steep view: one edge receding to 40–75 % of its length.
    Perspective,
    /// Wrapped round a bottle or a pipe (20–55° of arc for half the code).
    Cylinder,
    /// Scratches and missing patches.
    Damage,
    /// Two or three of the above at once.
    Combined,
    /// A photographed sheet of up to 80 stickers at two or three sizes.
    StickerSheet,
    /// A wall of up to 40 corpus photos at several sizes.
    ProductWall,
}

impl Condition {
    /// Every condition, in table order.
    pub const ALL: [Condition; 13] = [
        Condition::Clean,
        Condition::Glare,
        Condition::BrightSpots,
        Condition::MotionBlur,
        Condition::Defocus,
        Condition::Shadow,
        Condition::LowJpeg,
        Condition::Perspective,
        Condition::Cylinder,
        Condition::Damage,
        Condition::Combined,
        Condition::StickerSheet,
        Condition::ProductWall,
    ];

    /// Short name (table rows, `--only`, dump folders).
    pub fn name(self) -> &'static str {
        match self {
            Condition::Clean => "clean",
            Condition::Glare => "glare",
            Condition::BrightSpots => "bright-spots",
            Condition::MotionBlur => "motion-blur",
            Condition::Defocus => "defocus",
            Condition::Shadow => "shadow",
            Condition::LowJpeg => "jpeg-q5-20",
            Condition::Perspective => "perspective",
            Condition::Cylinder => "cylinder",
            Condition::Damage => "damage",
            Condition::Combined => "combined",
            Condition::StickerSheet => "many: sticker sheet",
            Condition::ProductWall => "many: product wall",
        }
    }

    /// Whether each sample holds many codes (rather than one corpus photo or one sticker).
    pub fn is_many(self) -> bool {
        matches!(self, Condition::StickerSheet | Condition::ProductWall)
    }

    /// The conditions `Combined` draws from.
    const SINGLE: [Condition; 9] = [
        Condition::Glare,
        Condition::BrightSpots,
        Condition::MotionBlur,
        Condition::Defocus,
        Condition::Shadow,
        Condition::LowJpeg,
        Condition::Perspective,
        Condition::Cylinder,
        Condition::Damage,
    ];
}

/// Where a sample's codes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A photo of the shared corpus.
    Corpus,
    /// Stickers rendered here.
    Sticker,
}

/// One generated image and the texts it holds.
pub struct Sample {
    /// Row of the table.
    pub condition: Condition,
    /// Corpus photos or rendered stickers.
    pub origin: Origin,
    /// A stable name (for `-v` and dumps).
    pub name: String,
    /// The pixels.
    pub image: image::GrayImage,
    /// Every text present (each counted once).
    pub expected: Vec<String>,
}

/// A corpus photo with its expected text.
pub struct CorpusImage {
    /// Path relative to the corpus root.
    pub name: String,
    /// 8-bit luma converted to float.
    pub plane: Plane,
    /// The exact text.
    pub text: String,
}

/// The single-code photos of `zxing/qrcode-1..6` and `zxing-cpp/qrcode-1..6` under `root`.
pub fn load_corpus(root: &Path) -> Vec<CorpusImage> {
    let mut out = Vec::new();
    for set in ["zxing", "zxing-cpp"] {
        for folder in 1..=6 {
            let dir = root.join(set).join(format!("qrcode-{folder}"));
            let mut files: Vec<_> = std::fs::read_dir(&dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
            files.retain(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("png" | "jpg" | "jpeg" | "gif" | "webp")));
            files.sort();
            for path in files {
                let (Ok(text), Ok(bytes)) = (std::fs::read_to_string(path.with_extension("txt")), std::fs::read(&path)) else {
                    continue;
                };
                let Ok(img) = image::load_from_memory(&bytes) else {
                    continue;
                };
                let name = format!("{set}/qrcode-{folder}/{}", path.file_name().and_then(|n| n.to_str()).unwrap_or("?"));
                out.push(CorpusImage { name, plane: Plane::from_gray(&img.into_luma8()), text });
            }
        }
    }
    out
}

/// Calls `each` with every sample of `condition`, generated one at a time.
pub fn for_each_sample(condition: Condition, corpus: &[CorpusImage], mut each: impl FnMut(Sample)) {
    let tag = condition as u64;
    match condition {
        Condition::StickerSheet => {
            for i in 0..STICKER_SHEETS {
                let mut rng = Rng::new(SEED, &[tag, i as u64]);
                let (w, h) = if i % 2 == 0 { (4000, 3000) } else { (2000, 1500) };
                let (plane, expected) = scene::sticker_sheet(w, h, i * 100, &mut rng);
                let name = format!("sheet-{i:02}-{w}x{h}");
                each(Sample { condition, origin: Origin::Sticker, name, image: plane.to_gray(), expected });
            }
        }
        Condition::ProductWall => {
            for i in 0..PRODUCT_WALLS {
                let mut rng = Rng::new(SEED, &[tag, i as u64]);
                // Distinct texts only: the zxing-cpp set re-uses many zxing photos.
                let mut picked: Vec<&CorpusImage> = Vec::new();
                let want = 6 + rng.below(35);
                for _ in 0..want * 4 {
                    let c = &corpus[rng.below(corpus.len())];
                    if picked.len() < want && !picked.iter().any(|p| p.text == c.text) {
                        picked.push(c);
                    }
                }
                let sources: Vec<scene::Source<'_>> = picked.iter().map(|c| scene::Source { image: &c.plane, text: &c.text }).collect();
                let (plane, expected) = scene::corpus_mosaic(&sources, 2400, 1800, &mut rng);
                each(Sample { condition, origin: Origin::Corpus, name: format!("wall-{i:02}"), image: plane.to_gray(), expected });
            }
        }
        _ => {
            for (i, c) in corpus.iter().enumerate() {
                let mut rng = Rng::new(SEED, &[tag, 0, i as u64]);
                let (w, h) = (c.plane.width as f64, c.plane.height as f64);
                let side = 0.6 * w.min(h);
                let code = CodeBox { center: (w / 2.0, h / 2.0), side, module: side / 29.0 };
                let plane = degrade_with(condition, c.plane.clone(), code, &mut rng);
                each(Sample { condition, origin: Origin::Corpus, name: c.name.clone(), image: plane.to_gray(), expected: vec![c.text.clone()] });
            }
            for i in 0..STICKER_PHOTOS {
                // The same sticker photo under every condition.
                let mut base_rng = Rng::new(SEED, &[1000, i as u64]);
                let text = scene::sticker_text(&mut base_rng, i);
                let (photo, code) = scene::sticker_photo(&text, 1280, 960, &mut base_rng);
                let mut rng = Rng::new(SEED, &[tag, 1, i as u64]);
                let plane = degrade_with(condition, photo, code, &mut rng);
                each(Sample { condition, origin: Origin::Sticker, name: format!("sticker-{i:02}"), image: plane.to_gray(), expected: vec![text] });
            }
        }
    }
}

/// Applies `condition` to one photo whose code is at `code`.
pub fn degrade_with(condition: Condition, plane: Plane, code: CodeBox, rng: &mut Rng) -> Plane {
    match condition {
        Condition::Clean | Condition::StickerSheet | Condition::ProductWall => plane,
        Condition::Combined => {
            let mut picks: Vec<Condition> = Vec::new();
            let count = 2 + rng.below(2);
            while picks.len() < count {
                let c = Condition::SINGLE[rng.below(Condition::SINGLE.len())];
                if !picks.contains(&c) {
                    picks.push(c);
                }
            }
            // In the order a photo suffers them: wear, geometry, light, optics, compression.
            picks.sort_by_key(|c| Condition::SINGLE_ORDER.iter().position(|o| o == c));
            let (mut plane, mut code) = (plane, code);
            for c in picks {
                (plane, code) = degrade_one(c, plane, code, rng);
            }
            plane
        }
        single => degrade_one(single, plane, code, rng).0,
    }
}

impl Condition {
    const SINGLE_ORDER: [Condition; 9] = [
        Condition::Damage,
        Condition::Perspective,
        Condition::Cylinder,
        Condition::Shadow,
        Condition::Glare,
        Condition::BrightSpots,
        Condition::MotionBlur,
        Condition::Defocus,
        Condition::LowJpeg,
    ];
}

fn degrade_one(condition: Condition, mut plane: Plane, code: CodeBox, rng: &mut Rng) -> (Plane, CodeBox) {
    match condition {
        Condition::Glare => degrade::glare(&mut plane, code, rng),
        Condition::BrightSpots => degrade::specular(&mut plane, code, rng),
        Condition::MotionBlur => {
            let length = (code.module * rng.range(0.5, 2.2)).max(2.0);
            plane = degrade::motion_blur(&plane, length, rng.range(0.0, 180.0));
        }
        Condition::Defocus => plane = degrade::defocus(&plane, (code.module * rng.range(0.4, 1.2)).max(1.0)),
        Condition::Shadow => degrade::shadow(&mut plane, code, rng),
        Condition::LowJpeg => plane = degrade::jpeg(&plane, 5 + rng.below(16) as u8),
        Condition::Perspective => return degrade::perspective(&plane, code, rng),
        Condition::Cylinder => return degrade::cylinder(&plane, code, rng),
        Condition::Damage => degrade::damage(&mut plane, code, rng),
        Condition::Clean | Condition::Combined | Condition::StickerSheet | Condition::ProductWall => {}
    }
    (plane, code)
}
