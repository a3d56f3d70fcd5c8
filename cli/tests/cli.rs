//! Black-box tests of the `samat` binary with a temporary data directory and no server (the
//! server URL points at a port nothing listens on): drafts, photos, local validation, queueing
//! offline, and the error shapes.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Nothing listens here: every network call fails at once with "connection refused".
const NO_SERVER: &str = "http://127.0.0.1:9";

/// A temporary data directory and a way to run `samat` on it.
struct Samat {
    dir: tempfile::TempDir,
}

/// What a run left behind.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }

    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success; stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

impl Samat {
    fn new() -> Samat {
        Samat { dir: tempfile::tempdir().unwrap() }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_samat"))
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(["--server", NO_SERVER])
            .args(args)
            .env_remove("SAMAT_DATA_DIR")
            .env_remove("SAMAT_SERVER")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run samat");
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            let _ = input.write_all(stdin.as_bytes());
        }
        let Output { status, stdout, stderr } = child.wait_with_output().unwrap();
        Run { code: status.code().unwrap_or(-1), stdout: String::from_utf8(stdout).unwrap(), stderr: String::from_utf8(stderr).unwrap() }
    }

    /// `draft new --json ARGS` and the new draft's id.
    fn new_draft(&self, args: &[&str]) -> (String, Value) {
        let mut all = vec!["draft", "new", "--json"];
        all.extend_from_slice(args);
        let draft = self.run(&all).ok().json();
        (draft["id"].as_str().expect("draft id").to_owned(), draft)
    }
}

/// Asserts the `--json` error shape and returns the error object.
fn json_error(run: &Run) -> Value {
    assert_ne!(run.code, 0, "expected failure; stdout:\n{}", run.stdout);
    let doc = run.json();
    let err = doc["error"].clone();
    assert!(err["code"].is_string() && err["message"].is_string(), "error shape: {doc}");
    assert_eq!(run.stderr.lines().count(), 1, "one line on stderr: {:?}", run.stderr);
    assert!(run.stderr.starts_with("samat: "), "{:?}", run.stderr);
    err
}

/// Description with Arabic yeh (ي) and kaf (ك): drafts keep it as typed.
const TYPED: &str = "فروشنده فاكتور نداد و گفت كارت‌خوان خرابه؛ قيمت ۱۵۰٬۰۰۰ تومان";

#[test]
fn draft_new_list_show_edit_delete_round_trip() {
    let s = Samat::new();
    let (id, draft) = s.new_draft(&[
        "--category",
        "no_invoice",
        "--description",
        TYPED,
        "--guild-id",
        "۱۲۳-۴۵۶",
        "--business-name",
        "فروشگاه علي",
        "--business-address",
        "خیابان ولیعصر",
        "--province",
        "تهران",
        "--city",
        "تهران",
        "--amount",
        "1,500,000",
        "--incident-date",
        "2026-11-01",
        "--compensation",
        "--phone",
        "09121234567",
    ]);
    let f = &draft["fields"];
    assert_eq!(f["description"], TYPED);
    assert_eq!(f["business_name"], "فروشگاه علي");
    assert_eq!(f["guild_id"], "۱۲۳-۴۵۶");
    assert_eq!(f["amount_rials"], 1_500_000);
    assert_eq!(f["wants_compensation"], true);
    assert_eq!(f["incident_date"], "2026-11-01");
    assert_eq!(draft["state"], "editing");

    let list = s.run(&["draft", "list", "--json"]).ok().json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0], draft);

    // --json may come anywhere; a unique prefix of the id is enough, in any case.
    let upper = s.run(&["--json", "draft", "show", &id[..8].to_ascii_uppercase()]).ok().json();
    assert_eq!(upper["id"], id.as_str());
    let shown = s.run(&["--json", "draft", "show", &id[..8]]).ok().json();
    assert_eq!(shown, draft);

    // Only the given flags change; an empty value clears a field.
    let edited = s.run(&["draft", "edit", &id, "--city", "کرج", "--province", "", "--no-compensation", "--json"]).ok().json();
    assert_eq!(edited["id"], id.as_str());
    assert_eq!(edited["fields"]["city"], "کرج");
    assert_eq!(edited["fields"]["province"], Value::Null);
    assert_eq!(edited["fields"]["wants_compensation"], false);
    assert_eq!(edited["fields"]["description"], TYPED);
    assert_eq!(edited["fields"]["amount_rials"], 1_500_000);
    assert_eq!(edited["fields"]["category"], "no_invoice");

    // Text output shows the stage-free draft with Persian and English category labels.
    let text = s.run(&["draft", "show", &id]).ok().stdout;
    assert!(text.contains("صادر نکردن فاکتور و صورتحساب (Not issuing an invoice or receipt)"), "{text}");
    assert!(text.contains("ready to submit"), "{text}");

    let deleted = s.run(&["draft", "delete", &id, "--json"]).ok().json();
    assert_eq!(deleted["deleted"], id.as_str());
    assert_eq!(s.run(&["draft", "list", "--json"]).ok().json(), serde_json::json!([]));
    let gone = s.run(&["draft", "show", &id, "--json"]);
    assert_eq!(gone.code, 1);
    assert_eq!(json_error(&gone)["code"], "not_found");
}

fn write_png(path: &Path) {
    let img = image::RgbImage::from_fn(120, 80, |x, y| image::Rgb([(x * 2) as u8, (y * 3) as u8, 90]));
    img.save_with_format(path, image::ImageFormat::Png).unwrap();
}

#[test]
fn draft_attach_keeps_a_photo_copy() {
    let s = Samat::new();
    let (id, _) = s.new_draft(&["--category", "fraud"]);
    let png = s.dir.path().join("receipt.png");
    write_png(&png);
    let draft = s.run(&["draft", "attach", &id, png.to_str().unwrap(), png.to_str().unwrap(), "--json"]).ok().json();
    let photos = draft["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 2);
    assert_eq!(photos[0]["width"], 120);
    assert_eq!(photos[0]["height"], 80);
    assert_ne!(photos[0]["id"], photos[1]["id"]);
    assert!(Path::new(photos[0]["path"].as_str().unwrap()).exists());

    // Not an image: exit 1, nothing attached.
    let junk = s.dir.path().join("junk.png");
    std::fs::write(&junk, b"not a png").unwrap();
    let bad = s.run(&["draft", "attach", &id, junk.to_str().unwrap(), "--json"]);
    assert_eq!(json_error(&bad)["code"], "invalid_photo");
    assert_eq!(s.run(&["draft", "show", &id, "--json"]).ok().json()["photos"].as_array().unwrap().len(), 2);
}

#[test]
fn submit_of_an_invalid_draft_lists_every_field_and_code() {
    let s = Samat::new();
    let (id, _) = s.new_draft(&["--city", "تبریز", "--incident-date", "2999-01-01", "--amount", "-5"]);
    let run = s.run(&["submit", &id]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{:?}", run.stderr);
    for code in ["category: missing_category", "description: description_empty", "incident_date: date_in_future", "amount_rials: negative_amount"] {
        assert!(run.stderr.contains(code), "{code} missing from {:?}", run.stderr);
    }
    let run = s.run(&["submit", &id, "--json"]);
    let err = json_error(&run);
    assert_eq!(err["code"], "validation_failed");
    let codes: Vec<&str> = err["fields"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"missing_category") && codes.contains(&"description_empty"), "{codes:?}");
    // Still an editable draft, nothing queued.
    let list = s.run(&["list", "--json"]).ok().json();
    assert_eq!(list["outbox"], serde_json::json!([]));
    assert_eq!(list["drafts"][0]["state"], "editing");
}

#[test]
fn submit_offline_queues_and_sync_offline_says_the_server_is_unreachable() {
    let s = Samat::new();
    let (id, _) = s.new_draft(&["--category", "no_price_tag", "--description", "قيمت روي كالا نبود"]);
    let item = s.run(&["submit", &id, "--json"]).ok().json();
    assert_eq!(item["kind"], "complaint");
    assert_eq!(item["state"], "queued");
    assert_eq!(item["draft_id"], id.as_str());

    let list = s.run(&["list", "--json"]).ok().json();
    assert_eq!(list["complaints"], serde_json::json!([]));
    let outbox = list["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0]["state"], "queued");
    assert_eq!(outbox[0]["kind"], "complaint");
    assert_eq!(list["drafts"][0]["state"], "submitted");

    // A submitted draft is frozen.
    let again = s.run(&["submit", &id, "--json"]);
    assert_eq!(json_error(&again)["code"], "validation_failed");

    let sync = s.run(&["sync"]);
    assert_eq!(sync.code, 1);
    assert_eq!(sync.stdout, "");
    assert_eq!(sync.stderr, "samat: server unreachable: 1 complaint stays queued\n");
    let sync = s.run(&["sync", "--json"]);
    let err = json_error(&sync);
    assert_eq!(err["code"], "offline");
    assert_eq!(err["message"], "server unreachable: 1 complaint stays queued");

    // The work is still there.
    let list = s.run(&["list", "--json"]).ok().json();
    assert_eq!(list["outbox"][0]["state"], "queued");
    let text = s.run(&["list"]).ok().stdout;
    assert!(text.contains("complaint") && text.contains("queued"), "{text}");
}

#[test]
fn actions_queue_offline_and_say_so() {
    let s = Samat::new();
    // A valid tracking code (Verhoeff check digit) that no server has seen.
    let run = s.run(&["withdraw", "5973453081", "--note", "منصرف شدم", "--json"]).ok();
    let doc = run.json();
    assert_eq!(doc["status"], "queued");
    assert_eq!(doc["reason"], "offline");
    assert_eq!(doc["item"]["kind"], "withdraw");
    assert!(doc["message"].as_str().unwrap().starts_with("server unreachable:"), "{doc}");
    let text = s.run(&["decide", "5973453081", "reject"]).ok().stdout;
    assert!(text.contains("server unreachable") && text.contains("queued; will be sent when online"), "{text}");
    let kinds: Vec<Value> = s.run(&["list", "--json"]).ok().json()["outbox"].as_array().unwrap().iter().map(|i| i["kind"].clone()).collect();
    assert_eq!(kinds, vec![Value::from("withdraw"), Value::from("decision")]);

    // A mistyped code is caught locally; a bad rating too.
    let typo = s.run(&["withdraw", "5973453018", "--json"]);
    assert_eq!(json_error(&typo)["fields"][0]["code"], "invalid_tracking_code");
    let rating = s.run(&["feedback", "5973453081", "--rating", "9", "--json"]);
    assert_eq!(json_error(&rating)["fields"][0]["code"], "invalid_rating");
    // Numbers typed on a Persian keyboard are numbers.
    let persian = s.run(&["feedback", "۵۹۷۳۴۵۳۰۸۱", "--rating", "۱", "--json"]).ok().json();
    assert_eq!(persian["item"]["kind"], "feedback");
    let watch = s.run(&["watch", "--once", "--wait", "۰"]);
    assert_ne!(watch.code, 2, "--wait ۰ parses: {}", watch.stderr);
}

#[test]
fn network_commands_say_the_server_is_unreachable() {
    let s = Samat::new();
    let login = s.run(&["login", "09121234567", "--no-wait", "--json"]);
    let err = json_error(&login);
    assert_eq!(err["code"], "offline");
    assert!(err["message"].as_str().unwrap().starts_with("server unreachable: no login code was sent"), "{err}");

    let verify = s.run(&["verify", "123456", "--json"]);
    assert_eq!(json_error(&verify)["code"], "no_pending_login");

    let track = s.run(&["track", "5973453081", "--phone", "09121234567"]);
    assert_eq!(track.code, 1);
    assert!(track.stderr.starts_with("samat: server unreachable"), "{}", track.stderr);
    assert!(!track.stderr.contains("4567"), "no phone in errors: {}", track.stderr);

    let show = s.run(&["show", "5973453081", "--json"]);
    assert!(json_error(&show)["message"].as_str().unwrap().contains("not on this device"));
}

#[test]
fn usage_errors_exit_2_and_reference_lists_work_offline() {
    let s = Samat::new();
    let run = s.run(&["decide", "5973453081", "maybe"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = s.run(&["draft", "new", "--amount", "lots", "--json"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json()["error"]["code"], "usage");

    let cats = s.run(&["categories", "--json"]).ok().json();
    assert_eq!(cats.as_array().unwrap().len(), 9);
    assert_eq!(cats[7]["name"], "no_invoice");
    let stages = s.run(&["stages"]).ok().stdout;
    assert!(stages.contains("اعزام بازرس (Inspector dispatched)"), "{stages}");

    let status = s.run(&["status", "--json"]).ok().json();
    assert_eq!(status["logged_in"], false);
    assert_eq!(status["outbox"]["queued"], 0);
}

#[test]
fn scan_prints_one_json_object_per_image_and_keeps_going_past_a_bad_file() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/qr-corpus/zxing/qrcode-1");
    let (image, expected) = (corpus.join("1.png"), corpus.join("1.txt"));
    if !image.exists() {
        eprintln!("corpus missing at {}, skipping", image.display());
        return;
    }
    let expected = std::fs::read_to_string(expected).unwrap();
    let s = Samat::new();
    let missing = s.dir.path().join("missing.png");
    let (a, b) = (image.to_str().unwrap(), missing.to_str().unwrap());
    let run = s.run(&["--json", "scan", a, b]);
    assert_eq!(run.code, 1, "one file could not be read: {}", run.stderr);
    let lines: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(lines[0]["file"], a);
    let code = &lines[0]["codes"][0];
    assert_eq!(code["text"], expected.as_str());
    assert_eq!(code["corners"].as_array().unwrap().len(), 4);
    assert!(code["corners"][0].as_array().unwrap().len() == 2);
    assert!(code["guild"].is_null(), "a plain URL is not a guild code");
    assert_eq!(lines[1]["file"], b);
    assert!(lines[1]["error"].as_str().is_some());
    assert!(run.stderr.contains("1 of 2 files could not be scanned"));
}
