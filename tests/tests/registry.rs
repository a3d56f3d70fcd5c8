//! The guild registry end to end with the real binary: `businesses import` on a CSV file
//! (bad lines named, counts right, a second run changes nothing), and the sticker keys given
//! on the command line or kept by a `--demo` server across restarts.

use std::path::Path;
use std::process::Command;

use reqwest::StatusCode;
use samat_core::model::guild::{self, GuildKey};
use samat_tests::{Api, Server};

const BIN: &str = env!("CARGO_BIN_EXE_e2e-server");

/// Runs `e2e-server --database DB businesses import FILE`; returns (success, stdout + stderr).
fn import(db: &str, file: &Path) -> (bool, String) {
    let out = Command::new(BIN).args(["--database", db, "businesses", "import"]).arg(file).env("SAMAT_LOG", "warn").output().expect("run the import");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

async fn keys_of(api: &Api) -> Vec<GuildKey> {
    let (st, body) = api.get("/v1/keys").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    serde_json::from_value(body["keys"].clone()).expect("keys")
}

const CSV: &str = "\u{feff}guild_id,name,guild,licence_no,licence_status,province,city,address
۵۰۰۱۰۰۱۰۰۱۱,قنادی گلستان,اتحادیه قنادان,1402-11-7,active,تهران,تهران,خیابان ولیعصر
50010010012,پوشاک بهار,اتحادیه پوشاک,,expired,فارس,شیراز,
5001001x013,شناسه خراب,,,active,,,
50010010014,   ,,,active,,,
50010010012,پوشاک بهار,اتحادیه پوشاک,,expired,فارس,شیراز,
50010010015,کفش ملی,اتحادیه کفاشان,1399-2-1,suspended,اصفهان,اصفهان,بازار
";

#[tokio::test]
async fn import_names_bad_lines_counts_right_and_a_second_run_changes_nothing() {
    let srv = Server::start(BIN, &[]);
    let file = srv.dir().join("registry.csv");
    std::fs::write(&file, CSV).unwrap();
    let db = srv.database().to_owned();

    let (ok, out) = import(&db, &file);
    assert!(ok, "{out}");
    assert!(out.contains("line 4") && out.contains("bad guild_id"), "{out}");
    assert!(out.contains("line 5") && out.contains("empty name"), "{out}");
    assert!(out.contains("line 6") && out.contains("line 3"), "the duplicate is pointed out: {out}");
    assert!(out.contains("imported 3, updated 0, skipped 2"), "{out}");

    // The running server sees the import.
    let public = Api::new(&srv.url, None);
    let (st, b) = public.get("/v1/businesses/50010010011").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!((b["name"].as_str(), b["licence_status"].as_str()), (Some("قنادی گلستان"), Some("active")));
    let (_, before) = public.get("/v1/businesses/50010010015").await;

    let (ok, again) = import(&db, &file);
    assert!(ok, "{again}");
    assert!(again.contains("imported 0, updated 0, skipped 2, unchanged 4"), "{again}");
    let (_, after) = public.get("/v1/businesses/50010010015").await;
    assert_eq!(before, after);

    // Only a file that cannot be read at all fails the command.
    let (ok, out) = import(&db, &srv.dir().join("missing.csv"));
    assert!(!ok, "{out}");
    assert!(out.contains("missing.csv"), "{out}");
}

#[tokio::test]
async fn the_command_line_signing_key_signs_and_retired_keys_are_published() {
    let (signing, seed) = guild::generate_signing_key();
    let retired = guild::public_key("m2025", &guild::generate_signing_key().0);
    let srv = Server::start(
        BIN,
        &["--signing-key", &format!("m2026:{seed}"), "--verify-key", &format!("m2025:{}", retired.public_key), "--public-url", "https://stickers.example/"],
    );
    let keys = keys_of(&Api::new(&srv.url, None)).await;
    let expected = guild::public_key("m2026", &signing);
    assert_eq!(keys, [expected, retired]);

    let expert = srv.staff("expert").await;
    let resp = expert.http().get(format!("{}/v1/businesses/10010010011/qr.png", srv.url)).bearer_auth(expert.token.as_deref().unwrap()).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let png = resp.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let page = reqwest::get(format!("{}/g/10010010011", srv.url)).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("stickers.example"), "the public URL is the one given");
}

#[tokio::test]
async fn a_demo_server_keeps_its_generated_key_across_restarts() {
    let mut srv = Server::start(BIN, &[]);
    let api = Api::new(&srv.url, None);
    let first = keys_of(&api).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].key_id.starts_with("demo-"), "{first:?}");
    srv.restart();
    // A new client: the old one's kept-alive connection died with the process.
    assert_eq!(keys_of(&Api::new(&srv.url, None)).await, first);
    assert!(srv.terminate());
}
