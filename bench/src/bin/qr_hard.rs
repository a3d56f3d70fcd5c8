//! The scanner on the hard set: corpus photos and rendered guild stickers under glare, bright
//! spots, blur, shadows, low-quality JPEG, perspective, curvature and damage, and photos holding
//! many codes (see `samat_bench::qr_hard`). Generated in memory from a fixed seed.
//!
//! Usage: `cargo run --release -p samat-bench --bin qr_hard -- [CORPUS_DIR] [--only NAME] [--dump DIR] [-v]`
//! (default corpus: `../shared/qr-corpus`). `--only` runs the conditions whose name contains
//! NAME; `-v` lists the misses. `--dump DIR` also writes every image as PNG (the exact pixels
//! scanned) and `DIR/manifest.jsonl` (expected texts, what this scanner read), which
//! `bench/zxing_cpp_compare.py DIR` scores zxing-cpp on.
//!
//! Each image is scanned with `scan_frame` on its luma plane. A code counts as read when a found
//! text equals it exactly. "other" counts found texts that are not expected: a misread, or a
//! second code the photo really holds (the corpus's double-QR sample has one inside the other).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use samat_bench::qr_hard::set::{for_each_sample, load_corpus, Condition, Origin, Sample};
use samat_core::scan::scan_frame;

#[derive(Default)]
struct Row {
    images: usize,
    codes: usize,
    read: usize,
    corpus: (usize, usize),
    stickers: (usize, usize),
    misreads: usize,
    times_ms: Vec<f64>,
}

impl Row {
    fn add(&mut self, other: &Row) {
        self.images += other.images;
        self.codes += other.codes;
        self.read += other.read;
        self.corpus = (self.corpus.0 + other.corpus.0, self.corpus.1 + other.corpus.1);
        self.stickers = (self.stickers.0 + other.stickers.0, self.stickers.1 + other.stickers.1);
        self.misreads += other.misreads;
        self.times_ms.extend_from_slice(&other.times_ms);
    }

    fn print(&mut self, name: &str) {
        self.times_ms.sort_by(f64::total_cmp);
        let pct = |p: f64| self.times_ms.get(((self.times_ms.len().max(1) - 1) as f64 * p).round() as usize).copied().unwrap_or(0.0);
        let part = |(ok, all): (usize, usize)| if all == 0 { "-".to_string() } else { format!("{ok}/{all}") };
        println!(
            "{name:<22} {:>6} {:>6} {:>6} {:>6.1}%  {:>9} {:>9} {:>5}  {:>7.2} {:>7.2}",
            self.images,
            self.codes,
            self.read,
            100.0 * self.read as f64 / self.codes.max(1) as f64,
            part(self.corpus),
            part(self.stickers),
            self.misreads,
            pct(0.5),
            pct(0.9),
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let value_of = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let only = value_of("--only");
    let dump = value_of("--dump").map(PathBuf::from);
    let flag_values: Vec<&String> = ["--only", "--dump"].iter().filter_map(|f| args.iter().position(|a| a == f).and_then(|i| args.get(i + 1))).collect();
    let root = args
        .iter()
        .find(|a| !a.starts_with('-') && !flag_values.contains(a))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/qr-corpus")));

    let corpus = load_corpus(&root);
    assert!(!corpus.is_empty(), "no corpus images under {}", root.display());
    let mut manifest = dump.as_ref().map(|dir| {
        std::fs::create_dir_all(dir).expect("create dump dir");
        std::io::BufWriter::new(std::fs::File::create(dir.join("manifest.jsonl")).expect("create manifest"))
    });

    println!("hard set: {} corpus photos, seed {:#x}", corpus.len(), samat_bench::qr_hard::set::SEED);
    println!(
        "{:<22} {:>6} {:>6} {:>6} {:>7}  {:>9} {:>9} {:>5}  {:>7} {:>7}",
        "condition", "images", "codes", "read", "", "corpus", "stickers", "other", "med ms", "p90 ms"
    );
    let mut total = Row::default();
    let started = Instant::now();
    for condition in Condition::ALL {
        if only.as_ref().is_some_and(|o| !condition.name().contains(o.as_str())) {
            continue;
        }
        let mut row = Row::default();
        for_each_sample(condition, &corpus, |sample: Sample| {
            let (w, h) = sample.image.dimensions();
            let start = Instant::now();
            let codes = scan_frame(sample.image.as_raw(), w, h, w).unwrap_or_default();
            row.times_ms.push(start.elapsed().as_secs_f64() * 1e3);
            let mut found: Vec<&str> = codes.iter().map(|c| c.text.as_str()).collect();
            found.sort_unstable();
            found.dedup();
            let read = sample.expected.iter().filter(|t| found.contains(&t.as_str())).count();
            let wrong = found.iter().filter(|t| !sample.expected.iter().any(|e| e == *t)).count();
            row.images += 1;
            row.codes += sample.expected.len();
            row.read += read;
            row.misreads += wrong;
            let part = if sample.origin == Origin::Corpus { &mut row.corpus } else { &mut row.stickers };
            *part = (part.0 + read, part.1 + sample.expected.len());
            if verbose && read < sample.expected.len() {
                println!("  MISS {} {} ({w}x{h}): {read}/{} read", condition.name(), sample.name, sample.expected.len());
            }
            if let (Some(dir), Some(out)) = (&dump, manifest.as_mut()) {
                let folder = condition.name().replace([':', ' '], "");
                let file = format!("{folder}/{}.png", sample.name.replace('/', "_"));
                std::fs::create_dir_all(dir.join(&folder)).expect("create dump folder");
                sample.image.save(dir.join(&file)).expect("write png");
                let line = serde_json::json!({
                    "condition": condition.name(),
                    "origin": if sample.origin == Origin::Corpus { "corpus" } else { "sticker" },
                    "file": file,
                    "expected": sample.expected,
                    "ours": found,
                });
                writeln!(out, "{line}").expect("write manifest");
            }
        });
        row.print(condition.name());
        total.add(&row);
    }
    total.print("== all conditions");
    println!("(generated and scanned in {:.0} s)", started.elapsed().as_secs_f64());
}
