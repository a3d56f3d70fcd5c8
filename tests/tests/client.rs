//! The client core against the real server: drafting offline with the server down, syncing
//! when it comes up, following a complaint through all seven stages, and the failure paths
//! (server killed mid-sync, concurrent syncs, rejections, an expired session).

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use samat_core::client::{DraftFields, DraftState, OutboxKind, OutboxState};
use samat_core::{Client, ClientError};
use samat_tests::{Api, Server};
use serde_json::json;

fn server() -> Server {
    Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[])
}

fn fields(description: &str) -> DraftFields {
    DraftFields {
        category: Some("pricing_violation".into()),
        description: Some(description.into()),
        guild_id: Some("10010010011".into()),
        business_name: Some("سوپرمارکت نمونه".into()),
        wants_compensation: Some(true),
        amount_rials: Some(1_200_000),
        ..Default::default()
    }
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(2400, 1800, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, 90]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

async fn staff_move(staff: &Api, code: &str, body: serde_json::Value) {
    let (st, b) = staff.post(&format!("/v1/staff/complaints/{code}/transition"), body).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

#[tokio::test]
async fn drafted_offline_synced_when_the_server_is_back_and_followed_to_the_verdict() {
    let mut srv = server();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    srv.login_client(&client, "۰۹۱۲ ۳۳۳ ۰۰۰۱").await;

    // The shop basement: no server.
    srv.kill();
    let draft = client.create_draft(fields("قیمت روی کالا نبود و گران‌تر حساب کرد")).await.unwrap();
    let photo = client.add_photo(&draft.id, png()).await.unwrap();
    assert!(photo.width <= 1600 && photo.height <= 1600);
    let queued = client.submit(&draft.id).await.unwrap();
    assert_eq!(queued.state, OutboxState::Queued);
    match client.sync().await {
        Err(ClientError::Offline { .. }) => {}
        other => panic!("expected offline, got {other:?}"),
    }
    // The app is closed and opened again: nothing is lost.
    drop(client);
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    let outbox = client.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].attempts, 1);
    assert_eq!(client.draft(&draft.id).await.unwrap().state, DraftState::Submitted);

    // Back online.
    srv.restart();
    let report = client.sync().await.unwrap();
    assert_eq!(report.delivered, 2, "the complaint, then its photo: {report:?} {:?}", client.outbox().await);
    assert_eq!(report.pending, 0);
    let complaints = client.complaints().await.unwrap();
    assert_eq!(complaints.len(), 1);
    let code = complaints[0].tracking_code.to_string();
    assert!(client.draft(&draft.id).await.is_err(), "the draft became the complaint");
    assert_eq!(report.new_events.len(), 1);
    assert_eq!(report.new_events[0].event.stage, samat_core::model::Stage::Received);

    // Staff move it through every stage; the client sees each event once, in order.
    let expert = srv.staff("expert").await;
    let guild = srv.staff("guild").await;
    let inspector = srv.staff("inspector").await;
    let taazirat = srv.staff("taazirat").await;
    let (_, detail) = expert.get(&format!("/v1/staff/complaints/{code}")).await;
    assert_eq!(detail["photos"].as_array().unwrap().len(), 1, "the photo reached the server");
    staff_move(&expert, &code, json!({"to": "expert_review"})).await;
    staff_move(&expert, &code, json!({"to": "self_regulation"})).await;
    guild.post(&format!("/v1/staff/complaints/{code}/notes"), json!({"note": "فروشنده پاسخی نداد", "visible_to_citizen": true})).await;
    let events = client.wait_for_updates(5).await.unwrap();
    assert_eq!(events.iter().map(|e| e.event.stage.wire_name()).collect::<Vec<_>>(), ["expert_review", "self_regulation", "self_regulation"]);
    // The citizen is not satisfied: queued and sent like a submission.
    let item = client.decide(&code, false, Some("راضی نیستم".into())).await.unwrap();
    assert_eq!(item.kind, OutboxKind::Decision);
    let report = client.sync().await.unwrap();
    assert_eq!(report.delivered, 1);
    assert_eq!(report.new_events.len(), 1);
    assert_eq!(report.new_events[0].event.stage.wire_name(), "inspection");
    staff_move(&inspector, &code, json!({"to": "inspection_reported", "note": "تخلف تأیید شد"})).await;
    staff_move(&inspector, &code, json!({"to": "taazirat", "note": "پرونده ارسال شد"})).await;
    staff_move(&taazirat, &code, json!({"to": "verdict", "details": {"violation": true, "penalty_rials": 30_000_000}})).await;
    let mut seen_stages = Vec::new();
    while seen_stages.len() < 3 {
        for e in client.wait_for_updates(5).await.unwrap() {
            seen_stages.push(e.event.stage.wire_name().to_owned());
        }
    }
    assert_eq!(seen_stages, ["inspection_reported", "taazirat", "verdict"]);

    // Every event once, in order; the app clears the unseen flags and nothing repeats.
    let unseen = client.unseen_events().await.unwrap();
    let stages: Vec<_> = unseen.iter().map(|e| e.event.stage.wire_name()).collect();
    assert_eq!(stages, ["received", "expert_review", "self_regulation", "self_regulation", "inspection", "inspection_reported", "taazirat", "verdict"]);
    let seqs: Vec<i64> = unseen.iter().map(|e| e.event.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    client.mark_seen(seqs).await.unwrap();
    assert!(client.unseen_events().await.unwrap().is_empty());
    let again = client.sync().await.unwrap();
    assert!(again.new_events.is_empty(), "a second sync reports nothing twice");
    // A refresh brings the same events again without re-reporting them.
    let c = client.refresh(&code).await.unwrap();
    assert_eq!(c.stage.wire_name(), "verdict");
    assert_eq!(c.events.len(), 8);
    assert!(c.events.iter().all(|e| e.seen));
    assert_eq!(c.detail.unwrap().events.last().unwrap().details.as_ref().unwrap()["penalty_rials"], 30_000_000);
    assert!(client.unseen_events().await.unwrap().is_empty());
}

const DRAFTS: usize = 120;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_syncs_and_a_server_killed_mid_sync_never_double_a_complaint() {
    let mut srv = server();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    srv.login_client(&client, "09123330002").await;
    for n in 0..DRAFTS {
        let d = client.create_draft(fields(&format!("شکایت شماره {n}"))).await.unwrap();
        client.submit(&d.id).await.unwrap();
    }
    // Kill the server while four syncs race each other.
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.sync().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(30)).await;
    tokio::task::block_in_place(|| srv.kill());
    for r in racers {
        let _ = r.await.unwrap();
    }
    eprintln!("{} of {DRAFTS} still queued after the kill", client.outbox().await.unwrap().len());
    tokio::task::block_in_place(|| srv.restart());
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.sync().await })
        })
        .collect();
    for r in racers {
        r.await.unwrap().unwrap();
    }
    assert_eq!(client.outbox().await.unwrap().len(), 0);
    let api = srv.citizen("09123330002").await;
    let (_, list) = api.get("/v1/complaints").await;
    let on_server: Vec<String> = list.as_array().unwrap().iter().map(|c| c["tracking_code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(on_server.len(), DRAFTS, "every submitted draft exactly once");
    let local: HashSet<String> = client.complaints().await.unwrap().iter().map(|c| c.tracking_code.to_string()).collect();
    assert_eq!(local, on_server.into_iter().collect::<HashSet<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_draft_submitted_many_times_at_once_is_filed_once_and_then_frozen() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    srv.login_client(&client, "09123330007").await;
    // A second handle on the same storage, as a second process (the CLI beside the app) has.
    let other = Client::open(dir.path(), &srv.url).await.unwrap();
    for round in 0..10 {
        let d = client.create_draft(fields(&format!("دو بار زدم {round}"))).await.unwrap();
        let taps: Vec<_> = (0..8)
            .map(|n| {
                let c = if n % 2 == 0 { client.clone() } else { other.clone() };
                let id = d.id.clone();
                tokio::spawn(async move { c.submit(&id).await })
            })
            .collect();
        let mut queued = 0;
        for t in taps {
            match t.await.unwrap() {
                Ok(_) => queued += 1,
                Err(ClientError::Invalid { fields }) => assert_eq!(fields[0].code, "draft_submitted"),
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(queued, 1, "round {round}");
    }
    assert_eq!(client.outbox().await.unwrap().len(), 10);
    // Frozen once queued: no edit, photo or deletion can change what will be sent.
    let d = &client.drafts().await.unwrap()[0];
    let frozen = |r: Result<(), ClientError>| match r {
        Err(ClientError::Invalid { fields }) => assert_eq!(fields[0].code, "draft_submitted"),
        other => panic!("{other:?}"),
    };
    frozen(client.update_draft(&d.id, fields("تغییر")).await.map(|_| ()));
    frozen(client.add_photo(&d.id, png()).await.map(|_| ()));
    frozen(client.delete_draft(&d.id).await);
    assert_eq!(client.sync().await.unwrap().delivered, 10);
    let (_, list) = srv.citizen("09123330007").await.get("/v1/complaints").await;
    assert_eq!(list.as_array().unwrap().len(), 10, "each draft filed once");
}

#[tokio::test]
async fn a_rejection_leaves_the_draft_recoverable() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    srv.login_client(&client, "09123330003").await;
    let d = client.create_draft(fields("کم‌فروشی")).await.unwrap();
    client.submit(&d.id).await.unwrap();
    // What an older app version queued, the server now refuses (an unknown category).
    {
        let conn = rusqlite::Connection::open(dir.path().join("samat.db")).unwrap();
        conn.execute("UPDATE outbox SET payload = replace(payload, 'pricing_violation', 'bribery')", []).unwrap();
    }
    let report = client.sync().await.unwrap();
    assert_eq!((report.delivered, report.failed, report.pending), (0, 1, 0));
    let item = &client.outbox().await.unwrap()[0];
    assert_eq!(item.state, OutboxState::Failed);
    assert_eq!(item.last_error.as_ref().unwrap().code, "validation_failed");
    let draft = client.draft(&d.id).await.unwrap();
    assert_eq!(draft.state, DraftState::Rejected);
    let err = draft.last_error.unwrap();
    assert_eq!((err.fields[0].field.as_str(), err.fields[0].code.as_str()), ("category", "unknown_category"));
    // The user fixes it and submits again: one complaint on the server.
    let mut f = draft.fields.clone();
    f.category = Some("no_price_tag".into());
    client.update_draft(&d.id, f).await.unwrap();
    client.submit(&d.id).await.unwrap();
    let report = client.sync().await.unwrap();
    assert_eq!(report.delivered, 1);
    assert!(client.outbox().await.unwrap().is_empty(), "the refused attempt is replaced by the new one");
    assert_eq!(client.complaints().await.unwrap().len(), 1);
    // A refused action keeps the server's code.
    let code = client.complaints().await.unwrap()[0].tracking_code.to_string();
    client.decide(&code, true, None).await.unwrap();
    let report = client.sync().await.unwrap();
    assert_eq!(report.failed, 1);
    let failed = client.outbox().await.unwrap().into_iter().find(|i| i.kind == OutboxKind::Decision).unwrap();
    assert_eq!(failed.last_error.unwrap().code, "invalid_transition");
    client.discard(failed.id).await.unwrap();
    assert!(client.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_photo_upload_whose_file_is_gone_is_delivered_only_if_the_server_has_it() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    srv.login_client(&client, "09123330006").await;
    let d = client.create_draft(fields("بدون فاکتور")).await.unwrap();
    let photo = client.add_photo(&d.id, png()).await.unwrap();
    client.submit(&d.id).await.unwrap();
    assert_eq!(client.sync().await.unwrap().delivered, 2, "the complaint and its photo");
    let code = client.complaints().await.unwrap()[0].tracking_code.to_string();
    // The state an app killed between removing an uploaded file and recording the upload
    // left behind: the upload still queued, its file gone. And one the server never got.
    let unknown = uuid::Uuid::new_v4().to_string();
    {
        let conn = rusqlite::Connection::open(dir.path().join("samat.db")).unwrap();
        for id in [&photo.id, &unknown] {
            let payload = json!({"type": "photo", "tracking_code": code, "photo_id": id, "file": dir.path().join("photos/gone.jpg")});
            conn.execute(
                "INSERT INTO outbox (kind, key, tracking_code, payload, next_attempt_at, created_at, updated_at) VALUES ('photo', ?1, ?2, ?3, 0, 0, 0)",
                rusqlite::params![id, code, payload.to_string()],
            )
            .unwrap();
        }
    }
    let report = client.sync().await.unwrap();
    assert_eq!((report.delivered, report.failed, report.pending), (1, 1, 0), "{report:?}");
    let left = client.outbox().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].key.as_str(), left[0].state), (unknown.as_str(), OutboxState::Failed));
    assert_eq!(left[0].last_error.as_ref().unwrap().code, "local_error");
}

#[tokio::test]
async fn photos_survive_the_data_folder_moving() {
    // iOS moves an app's container when the app is updated; the CLI takes relative paths.
    let srv = server();
    let parent = tempfile::tempdir().unwrap();
    let (old, new) = (parent.path().join("before-update"), parent.path().join("after-update"));
    let (draft_id, photo_id) = {
        let client = Client::open(&old, &srv.url).await.unwrap();
        srv.login_client(&client, "09123330008").await;
        let d = client.create_draft(fields("جابجایی")).await.unwrap();
        let p = client.add_photo(&d.id, png()).await.unwrap();
        let queued = client.create_draft(fields("در صف")).await.unwrap();
        client.add_photo(&queued.id, png()).await.unwrap();
        client.submit(&queued.id).await.unwrap();
        (d.id, p.id)
    };
    std::fs::rename(&old, &new).unwrap();
    let client = Client::open(&new, &srv.url).await.unwrap();
    let draft = client.draft(&draft_id).await.unwrap();
    let path = std::path::Path::new(&draft.photos[0].path);
    assert!(path.starts_with(&new) && path.exists(), "{path:?}");
    assert_eq!(draft.photos[0].id, photo_id);
    // The queued complaint's photo is found and uploaded from the new place.
    let report = client.sync().await.unwrap();
    assert_eq!((report.delivered, report.failed), (2, 0), "{report:?}");
    let code = client.complaints().await.unwrap()[0].tracking_code.to_string();
    let (_, detail) = srv.citizen("09123330008").await.get(&format!("/v1/complaints/{code}")).await;
    assert_eq!(detail["photos"].as_array().unwrap().len(), 1);
    // And the draft's photo is still there after another open (nothing swept).
    drop(client);
    let client = Client::open(&new, &srv.url).await.unwrap();
    assert!(std::path::Path::new(&client.draft(&draft_id).await.unwrap().photos[0].path).exists());
}

#[tokio::test]
async fn an_expired_session_waits_for_a_new_login_without_losing_work() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    srv.login_client(&client, "09123330004").await;
    // The server revokes the session (the token is taken from the client's storage).
    let token: String = rusqlite::Connection::open(dir.path().join("samat.db"))
        .unwrap()
        .query_row("SELECT value FROM kv WHERE key = 'session.token'", [], |r| r.get(0))
        .unwrap();
    let (st, _) = Api::new(&srv.url, Some(token)).post("/v1/auth/logout", json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let d = client.create_draft(fields("فروش اجباری")).await.unwrap();
    client.submit(&d.id).await.unwrap();
    assert_eq!(client.sync().await.unwrap_err(), ClientError::Unauthorized);
    assert!(client.session().await.unwrap().expired);
    assert_eq!(client.outbox().await.unwrap()[0].state, OutboxState::Queued);
    // Errors never carry the phone or the token.
    let text = format!("{:?} {}", ClientError::Unauthorized, ClientError::Unauthorized);
    assert!(!text.contains("09123330004") && !text.contains("+989123330004"));
    srv.login_client(&client, "09123330004").await;
    assert!(!client.session().await.unwrap().expired);
    assert_eq!(client.sync().await.unwrap().delivered, 1);
}

#[tokio::test]
async fn complaints_filed_by_an_operator_reach_the_app_and_public_tracking() {
    let srv = server();
    let operator = srv.staff("operator").await;
    let (st, body) = operator
        .post("/v1/staff/intake", json!({"phone": "09123330005", "channel": "counter", "category": "smuggled_goods", "description": "کالای قاچاق در ویترین"}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let code = body["tracking_code"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    // Public tracking needs no login; a typo is caught locally.
    let tracked = client.track(&code, "09123330005").await.unwrap();
    assert_eq!(tracked.tracking_code.as_str(), code);
    assert_eq!(client.track("1234", "09123330005").await.unwrap_err().code(), "validation_failed");
    match client.track(&code, "09123339999").await {
        Err(ClientError::Rejected { status: 404, server_code, .. }) => assert_eq!(server_code, "complaint_not_found"),
        other => panic!("{other:?}"),
    }
    srv.login_client(&client, "09123330005").await;
    let report = client.sync().await.unwrap();
    assert_eq!(report.new_events.len(), 1);
    let local = client.complaint(&code).await.unwrap();
    assert_eq!(local.category, Some(samat_core::model::Category::SmuggledGoods), "the detail was fetched");
    assert_eq!(local.detail.unwrap().channel, samat_core::model::Channel::Counter);
}

#[tokio::test]
async fn a_push_and_a_sync_report_each_event_once_even_offline() {
    let mut srv = server();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    srv.login_client(&client, "09123330006").await;
    let d = client.create_draft(fields("تقلب در وزن")).await.unwrap();
    client.submit(&d.id).await.unwrap();
    client.sync().await.unwrap();
    let code = client.complaints().await.unwrap()[0].tracking_code.to_string();
    client.mark_seen(client.unseen_events().await.unwrap().iter().map(|e| e.event.seq).collect()).await.unwrap();

    let expert = srv.staff("expert").await;
    let (_, ev) = expert.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "expert_review"})).await;
    let payload = json!({"tracking_code": code, "stage": "expert_review", "cursor": ev["seq"]}).to_string();
    let n = client.handle_push(&payload).await.unwrap().expect("something to show");
    assert_eq!(n.stage.wire_name(), "expert_review");
    assert!(n.title_fa.contains("شکایت") && !n.body_fa.is_empty());
    assert!(client.handle_push(&payload).await.unwrap().is_none(), "the same push twice shows nothing new");
    assert!(client.sync().await.unwrap().new_events.is_empty(), "the sync does not report it again");

    // Offline: the push's own stage is shown, and the sync later does not repeat it.
    let (_, ev) = expert.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "inspection"})).await;
    let payload = json!({"tracking_code": code, "stage": "inspection", "cursor": ev["seq"].to_string()}).to_string();
    srv.kill();
    let n = client.handle_push(&payload).await.unwrap().expect("shown offline");
    assert_eq!(n.stage.wire_name(), "inspection");
    srv.restart();
    let report = client.sync().await.unwrap();
    assert!(report.new_events.is_empty(), "{:?}", report.new_events);
    let local = client.complaint(&code).await.unwrap();
    assert_eq!(local.stage.wire_name(), "inspection");
    assert_eq!(local.events.last().unwrap().event.actor, "expert", "the placeholder got the server's details");
    assert_eq!(client.handle_push("{}").await.unwrap_err().code(), "validation_failed");

    // The other order: a sync reports the change first, and the push that follows (before the
    // app cleared the unseen flag) shows nothing again.
    let inspector = srv.staff("inspector").await;
    let (_, ev) = inspector.post(&format!("/v1/staff/complaints/{code}/transition"), json!({"to": "inspection_reported", "note": "فاکتور صادر نمی‌شد"})).await;
    let reported = client.sync().await.unwrap().new_events;
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert!(!client.unseen_events().await.unwrap().is_empty(), "the app has not cleared it yet");
    let payload = json!({"tracking_code": code, "stage": "inspection_reported", "cursor": ev["seq"]}).to_string();
    assert!(client.handle_push(&payload).await.unwrap().is_none(), "already reported by the sync");
}

#[tokio::test]
async fn another_citizen_on_the_same_phone_sees_and_sends_nothing_of_the_first() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    srv.login_client(&client, "09123330021").await;
    let filed = client.create_draft(fields("از آن نفر اول")).await.unwrap();
    client.submit(&filed.id).await.unwrap();
    client.sync().await.unwrap();
    // Queued but not sent before the phone changes hands.
    let queued = client.create_draft(fields("در صف نفر اول")).await.unwrap();
    client.submit(&queued.id).await.unwrap();
    client.logout().await.unwrap();

    srv.login_client(&client, "09123330022").await;
    assert!(client.complaints().await.unwrap().is_empty(), "the first citizen's complaints are not the second's to see");
    let report = client.sync().await.unwrap();
    assert_eq!((report.delivered, report.pending), (0, 0), "{report:?}");
    assert_eq!(client.outbox().await.unwrap().len(), 1, "it waits for its own account");
    let (_, second) = srv.citizen("09123330022").await.get("/v1/complaints").await;
    assert!(second.as_array().unwrap().is_empty(), "nothing was filed under the wrong citizen: {second}");

    // The first citizen logs in again: their queued complaint goes out under their name.
    client.logout().await.unwrap();
    srv.login_client(&client, "09123330021").await;
    assert_eq!(client.sync().await.unwrap().delivered, 1);
    let (_, first) = srv.citizen("09123330021").await.get("/v1/complaints").await;
    assert_eq!(first.as_array().unwrap().len(), 2);
    assert_eq!(client.complaints().await.unwrap().len(), 2, "their history is pulled back");
}
