//! The client process killed mid-sync, again and again (SIGKILL at random moments, as a phone
//! kills a backgrounded app): afterwards every submitted draft exists on the server exactly
//! once, every photo arrived, and nothing was lost locally.

use std::process::{Command, Stdio};
use std::time::Duration;

use samat_core::client::{DraftFields, PhotoState};
use samat_core::Client;
use samat_tests::Server;
use serde_json::Value;

const DRAFTS: usize = 80;
const WITH_PHOTO: usize = 30;
const KILLS: usize = 40;

fn samat(data: &std::path::Path, server: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_e2e-samat"));
    c.arg("--data-dir").arg(data).args(["--server", server]).args(args).stdin(Stdio::null());
    c
}

fn json_of(out: std::process::Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(900, 700, |x, y| image::Rgb([(x as u8).wrapping_add(seed), (y % 200) as u8, seed]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_killed_mid_sync_many_times_loses_and_doubles_nothing() {
    let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();

    // Log in through the CLI, in two steps as a script would.
    let after = srv.last_sms_id();
    let out = samat(data, &srv.url, &["--json", "login", "09124440001", "--no-wait"]).output().unwrap();
    json_of(out);
    let code = srv.otp_for("09124440001", after).await;
    json_of(samat(data, &srv.url, &["--json", "verify", &code]).output().unwrap());

    // Drafts (some with a photo) submitted while "offline": only queued.
    {
        let client = Client::open(data, "http://127.0.0.1:9").await.unwrap();
        for n in 0..DRAFTS {
            let d = client
                .create_draft(DraftFields {
                    category: Some("no_price_tag".into()),
                    description: Some(format!("قیمت درج نشده بود؛ مورد {n}")),
                    ..Default::default()
                })
                .await
                .unwrap();
            if n < WITH_PHOTO {
                client.add_photo(&d.id, png(n as u8)).await.unwrap();
            }
            client.submit(&d.id).await.unwrap();
        }
    }

    // Kill `samat sync` at random moments, many times in a row.
    let mut killed = 0;
    for round in 0..KILLS {
        let mut child = samat(data, &srv.url, &["sync"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let delay = 6 + (round as u64 * 7) % 30;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        let _ = child.wait();
    }
    eprintln!("{killed} of {KILLS} syncs were killed mid-flight");
    assert!(killed >= 5, "the kills must land on syncs at work ({killed})");

    // One clean sync finishes the job.
    let report = json_of(samat(data, &srv.url, &["--json", "sync"]).output().unwrap());
    assert_eq!(report["pending"], 0, "{report}");
    let list = json_of(samat(data, &srv.url, &["--json", "list"]).output().unwrap());
    assert_eq!(list["outbox"].as_array().unwrap().len(), 0, "{list}");
    assert_eq!(list["drafts"].as_array().unwrap().len(), 0, "every draft became a complaint");
    let local = list["complaints"].as_array().unwrap();
    assert_eq!(local.len(), DRAFTS);
    for c in local {
        assert!(c["tracking_code"].as_str().is_some() && c["stage"] == "received", "{c}");
    }

    // The server holds each exactly once, and every photo.
    let api = srv.citizen("09124440001").await;
    let (_, on_server) = api.get("/v1/complaints").await;
    let on_server = on_server.as_array().unwrap();
    assert_eq!(on_server.len(), DRAFTS, "exactly once each");
    let mut photos = 0;
    for c in on_server {
        let (_, d) = api.get(&format!("/v1/complaints/{}", c["tracking_code"].as_str().unwrap())).await;
        photos += d["photos"].as_array().map_or(0, |p| p.len());
    }
    assert_eq!(photos, WITH_PHOTO, "every photo uploaded once");
    // Each uploaded photo stays on the device once, for its complaint's page; any other file
    // (left by a kill, or a stray) is swept at open once it is an hour old (younger ones may
    // belong to another process about to record them).
    let photos = data.join("photos");
    std::fs::write(photos.join("stray.jpg"), b"not referenced").unwrap();
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3601);
    for entry in std::fs::read_dir(&photos).unwrap() {
        std::fs::File::options().write(true).open(entry.unwrap().path()).unwrap().set_modified(an_hour_ago).unwrap();
    }
    let client = Client::open(data, &srv.url).await.unwrap();
    let mut kept = std::collections::BTreeSet::new();
    for c in local {
        for p in client.complaint_photos(c["tracking_code"].as_str().unwrap()).await.unwrap() {
            assert_eq!(p.state, PhotoState::Uploaded, "{p:?}");
            let path = std::path::PathBuf::from(p.path.expect("on the device"));
            kept.insert(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert_eq!(kept.len(), WITH_PHOTO, "every photo kept once for its complaint's page");
    let left: std::collections::BTreeSet<String> = std::fs::read_dir(&photos).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, kept, "nothing but the complaints' photos is left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_with_refused_work_exits_1_with_one_json_document() {
    let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let after = srv.last_sms_id();
    json_of(samat(data, &srv.url, &["--json", "login", "۰۹۱۲۴۴۴۰۰۰۲", "--no-wait"]).output().unwrap());
    let code = srv.otp_for("09124440002", after).await;
    json_of(samat(data, &srv.url, &["--json", "verify", &code]).output().unwrap());
    {
        let client = Client::open(data, &srv.url).await.unwrap();
        for text in ["این یکی درست است", "این یکی رد می‌شود"] {
            let d =
                client.create_draft(DraftFields { category: Some("no_price_tag".into()), description: Some(text.into()), ..Default::default() }).await.unwrap();
            client.submit(&d.id).await.unwrap();
        }
    }
    // What an older app queued, the server now refuses (an unknown category).
    let conn = rusqlite::Connection::open(data.join("samat.db")).unwrap();
    conn.execute("UPDATE outbox SET payload = replace(payload, 'no_price_tag', 'bribery') WHERE id = (SELECT max(id) FROM outbox)", []).unwrap();
    let out = samat(data, &srv.url, &["--json", "sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "refused work is not a success: {}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("exactly one JSON document");
    assert_eq!((doc["delivered"].as_i64(), doc["failed"].as_i64()), (Some(1), Some(1)), "{doc}");
    assert_eq!(doc["error"]["code"], "refused", "{doc}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused 1 queued item"));
}
