//! Replays every file of `fuzz/corpus/<target>/` through its target: the seeds (real inputs)
//! and what fuzzing found. This is how CI runs the fuzz targets, on stable, without libFuzzer.

use std::path::{Path, PathBuf};

use samat_fuzz_targets::TARGETS;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus").join(target)
}

/// Runs every file of `target`'s corpus; the target panics (fails the test) on a broken
/// invariant, and the file's name is in the message.
fn replay(target: &str) {
    let (_, run) = TARGETS.iter().find(|(name, _)| *name == target).unwrap_or_else(|| panic!("no target {target}"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(target))
        .unwrap_or_else(|e| panic!("corpus of {target}: {e}"))
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the corpus of {target} is empty");
    for file in &files {
        let data = std::fs::read(file).expect("a corpus file reads");
        eprintln!("{target}: {}", file.display());
        run(&data);
    }
}

macro_rules! corpus_tests {
    ($($target:ident),* $(,)?) => {
        $(
            #[test]
            fn $target() {
                replay(stringify!($target));
            }
        )*

        /// Every target has a test above and a corpus folder, and every corpus folder a target.
        #[test]
        fn every_target_has_a_corpus_and_a_test() {
            let tested = [$(stringify!($target)),*];
            let mut targets: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
            targets.sort_unstable();
            assert_eq!(targets, tested, "targets without a test here");
            let mut folders: Vec<String> = std::fs::read_dir(corpus_dir(""))
                .expect("fuzz/corpus")
                .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
                .collect();
            folders.sort_unstable();
            assert_eq!(folders, tested, "corpus folders and targets differ");
        }
    };
}

corpus_tests!(form_fields, guild, phone, photo, registry_csv, request_json, scan_frame, scan_image, text, tracking_code);

/// The cargo-fuzz binaries call the same functions: one `fuzz_targets/<target>.rs` each.
#[test]
fn every_target_has_a_cargo_fuzz_binary() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml")).expect("fuzz/Cargo.toml");
    for (name, _) in TARGETS {
        let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../fuzz_targets/{name}.rs")))
            .unwrap_or_else(|e| panic!("fuzz_targets/{name}.rs: {e}"));
        assert!(source.contains(&format!("samat_fuzz_targets::{name}(")), "fuzz_targets/{name}.rs does not call its target");
        assert!(manifest.contains(&format!("name = \"{name}\"")), "no [[bin]] {name} in fuzz/Cargo.toml");
    }
}
