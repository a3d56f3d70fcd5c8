//! The README's walk-throughs run as written: the curl block and the `samat` block (between
//! `<!-- walkthrough: ... -->` and `<!-- /walkthrough -->`) are run by bash, one after the other,
//! against a fresh demo server whose SMS go to a file — every step of the seven, with the real
//! login code read from the SMS log. Only `samat` itself is swapped for the binary built here.

use std::path::Path;
use std::process::Command;

use samat_tests::Server;

/// The shell blocks of the README's walk-throughs, in order.
fn walkthroughs(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = readme;
    while let Some(at) = rest.find("<!-- walkthrough: ") {
        rest = &rest[at..];
        let end = rest.find("<!-- /walkthrough -->").expect("a walk-through is closed");
        let section = &rest[..end];
        let body = section.split_once("```sh\n").map(|(_, b)| b).expect("a sh block");
        let code = body.rsplit_once("```").map(|(c, _)| c).expect("the block ends");
        blocks.push(code.to_owned());
        rest = &rest[end..];
    }
    blocks
}

#[test]
fn the_readme_walkthroughs_run_as_written() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let blocks = walkthroughs(&readme);
    assert_eq!(blocks.len(), 2, "the curl and the samat walk-throughs");
    let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let work = tempfile::tempdir().unwrap();
    // The photo the walk-through attaches.
    let receipt = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    receipt.save_with_format(work.path().join("receipt.jpg"), image::ImageFormat::Jpeg).unwrap();
    let mut script = String::from("set -euo pipefail\nsamat() { \"$SAMAT_BIN\" --data-dir \"$SAMAT_DATA\" --server \"$B\" \"$@\"; }\n");
    for block in &blocks {
        for line in block.lines().filter(|l| !l.starts_with("samat() {")) {
            script.push_str(line);
            script.push('\n');
        }
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(work.path())
        .env("B", &srv.url)
        .env("SMS", srv.sms_path())
        .env("SAMAT_BIN", env!("CARGO_BIN_EXE_e2e-samat"))
        .env("SAMAT_DATA", work.path().join("samat-data"))
        .env_remove("SAMAT_SERVER")
        .env_remove("SAMAT_DATA_DIR")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the walk-through failed:\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    for expected in [
        "tracking code: ",
        "سوپرمارکت نمونه",
        "204",
        "samat decide",
        "filed: tracking code",
        "تخلف محرز شد",
        "(violation found; penalty 50,000,000 rials; compensation to you 2,500,000 rials)",
        "+03:30",
    ] {
        assert!(stdout.contains(expected), "{expected} missing from:\n{stdout}\n--- stderr\n{stderr}");
    }
    // The caller was told how to answer the business.
    assert!(stdout.contains("samat") && stdout.contains("همین شماره همراه"), "{stdout}");
}
