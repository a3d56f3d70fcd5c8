//! `samat-server migrate`: a province's pilot on SQLite moves to PostgreSQL and carries on —
//! the same complaints under the same codes with their histories and photos, the same
//! sessions, devices, registry and signing key; new ids continue after the copied ones.
//! Runs when a PostgreSQL cluster is at hand (`SAMAT_TEST_POSTGRES`), in the SQLite pass.

use reqwest::StatusCode;
use samat_tests::{fresh_postgres_database, on_postgres, Api, Server};
use serde_json::{json, Value};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_e2e-server");

fn migrate(from: &str, to: &str) -> (bool, String) {
    let out = std::process::Command::new(BIN).args(["migrate", "--from", from, "--to", to]).env("SAMAT_LOG", "warn").output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn jpeg(api: &Api, base: &str, code: &str) -> (String, Vec<u8>) {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let r = api
        .http()
        .put(format!("{base}/v1/complaints/{code}/photos/{}", Uuid::new_v4()))
        .bearer_auth(api.token.clone().unwrap())
        .header("content-type", "image/png")
        .body(png)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["photo_id"].as_str().unwrap().to_owned();
    let bytes = api.http().get(format!("{base}/v1/complaints/{code}/photos/{id}")).bearer_auth(api.token.clone().unwrap()).send().await.unwrap();
    (id, bytes.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_sqlite_pilot_moves_to_postgres_and_carries_on() {
    if on_postgres() || std::env::var_os("SAMAT_TEST_POSTGRES").is_none() {
        return;
    }
    let mut pilot = Server::start(BIN, &[]);
    let citizen = pilot.citizen("09125550001").await;
    let mut codes = Vec::new();
    for text in ["گران‌فروشی نان", "کم‌فروشی برنج", "نداشتن برچسب قیمت"] {
        let (st, b) = citizen
            .post("/v1/complaints", json!({"client_id": Uuid::new_v4(), "category": "pricing_violation", "description": text, "guild_id": "10010010011"}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        codes.push(b["tracking_code"].as_str().unwrap().to_owned());
    }
    let expert = pilot.staff("expert").await;
    let (st, b) = expert.post(&format!("/v1/staff/complaints/{}/transition", codes[0]), json!({"to": "expert_review", "note": "در حال بررسی"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (photo_id, photo) = jpeg(&citizen, &pilot.url, &codes[1]).await;
    let (_, keys_before) = Api::new(&pilot.url, None).get("/v1/keys").await;
    let (_, history_before) = citizen.get(&format!("/v1/complaints/{}", codes[0])).await;
    assert!(pilot.terminate(), "the pilot stops cleanly");

    let target = fresh_postgres_database();
    let (ok, out) = migrate(pilot.database(), &target);
    assert!(ok, "{out}");
    for table in ["complaints", "events", "photos", "outbox", "sessions", "businesses", "settings"] {
        let line = out.lines().find(|l| l.split_whitespace().next() == Some(table)).unwrap_or_else(|| panic!("{table} in {out}"));
        let n: Vec<i64> = line.split_whitespace().skip(1).map(|n| n.parse().unwrap()).collect();
        assert!(n[0] > 0 && n[0] == n[1], "{line}");
    }
    let (ok, again) = migrate(pilot.database(), &target);
    assert!(!ok && again.contains("already holds 3 complaints"), "a second run is refused: {again}");

    let national = Server::start_on(BIN, &target, &[]);
    // The citizen's session goes on; everything is where it was.
    let same = Api::new(&national.url, citizen.token.clone());
    let (st, list) = same.get("/v1/complaints").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let mut moved: Vec<String> = list.as_array().unwrap().iter().map(|c| c["tracking_code"].as_str().unwrap().to_owned()).collect();
    moved.sort();
    let mut expected = codes.clone();
    expected.sort();
    assert_eq!(moved, expected);
    let (_, history_after) = same.get(&format!("/v1/complaints/{}", codes[0])).await;
    assert_eq!(history_after, history_before, "the same complaint, history and all");
    let bytes = same
        .http()
        .get(format!("{}/v1/complaints/{}/photos/{photo_id}", national.url, codes[1]))
        .bearer_auth(same.token.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(bytes.bytes().await.unwrap().to_vec(), photo, "the photo, byte for byte");
    let (_, keys_after) = Api::new(&national.url, None).get("/v1/keys").await;
    assert_eq!(keys_after, keys_before, "stickers printed for the pilot still verify");
    // New work continues after the copied ids.
    let (st, b) = same.post("/v1/complaints", json!({"client_id": Uuid::new_v4(), "category": "no_invoice", "description": "فاکتور نداد"})).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = national.staff("expert").await.post(&format!("/v1/staff/complaints/{}/transition", codes[1]), json!({"to": "expert_review"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}
