//! The store contract: one set of tests over `Arc<dyn Store>` that every backend passes.
//! Each test runs on a fresh SQLite file and, when `SAMAT_TEST_POSTGRES` names a cluster
//! (`scripts/with-postgres` sets it), on a fresh PostgreSQL database too; a backend that fails
//! one names itself in the message.

use std::sync::Arc;
use std::time::Duration;

use samat_core::model::api::{ComplaintFields, EventKind};
use samat_core::model::{Actor, Category, Channel, PhoneNumber, Role, Stage, TrackingCode};
use samat_server::store::{
    self, Allowance, BusinessRecord, ChangeRecord, DeviceTarget, Filed, InboundClaim, InboundOutcome, InboundStatus, NewComplaintRecord, NewInbound, NewSms,
    NewStaff, OtpCheck, PhotoLimits, PhotoRecord, Principal, PushRecord, PutPhoto, QueueFilter, Registration, SmsKind, StaffUpdate, StageClock, Store,
    StoreError,
};
use time::OffsetDateTime;
use uuid::Uuid;

/// A fresh store of each backend available here, with its name.
async fn backends() -> Vec<(&'static str, Arc<dyn Store>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = store::open(&format!("sqlite://{}", dir.path().join("contract.db").display())).await.unwrap();
    let mut out = vec![("sqlite", sqlite, Some(dir))];
    if let Some(url) = fresh_postgres() {
        out.push(("postgres", store::open(&url).await.unwrap(), None));
    }
    out
}

/// A new empty database on the cluster of `SAMAT_TEST_POSTGRES`, if one is named.
fn fresh_postgres() -> Option<String> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let admin = std::env::var("SAMAT_TEST_POSTGRES").ok()?;
    let name = format!("contract_{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let out =
        std::process::Command::new("psql").args([admin.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", &format!("CREATE DATABASE {name}")]).output().unwrap();
    assert!(out.status.success(), "CREATE DATABASE: {}", String::from_utf8_lossy(&out.stderr));
    Some(format!("{}/{name}", admin.rsplit_once('/').unwrap().0))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn phone(n: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("0912{n:07}")).unwrap()
}

fn sms(to: &PhoneNumber, text: &str) -> NewSms {
    NewSms { to: to.clone(), text: text.to_owned(), kind: SmsKind::Notice, token: None }
}

fn complaint(code: &str, client_id: Uuid, who: &PhoneNumber) -> NewComplaintRecord {
    NewComplaintRecord {
        tracking_code: TrackingCode::parse(code).unwrap(),
        client_id,
        phone: who.clone(),
        channel: Channel::App,
        fields: ComplaintFields {
            category: Category::NoInvoice,
            description: "فروشنده فاکتور نداد".into(),
            guild_id: None,
            business_name: None,
            business_address: None,
            province: None,
            city: None,
            incident_date: None,
            amount_rials: Some(1_500_000),
            wants_compensation: false,
        },
        business_known: None,
        actor: Actor::Citizen,
        filed_by_staff: None,
        filed_by_api_key: None,
        quota: None,
        due_at: None,
        at: now(),
    }
}

/// A valid tracking code derived from `n` (the check digit made right by the parser's rule).
fn code(n: u64) -> String {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(n);
    TrackingCode::generate(&mut rng).as_str().to_owned()
}

async fn file(store: &dyn Store, n: u64, who: &PhoneNumber) -> samat_server::store::ComplaintRecord {
    match store.insert_complaint(complaint(&code(n), Uuid::new_v4(), who), sms(who, "ثبت شد")).await.unwrap() {
        Filed::New(c, _) => c,
        other => panic!("not filed: {other:?}"),
    }
}

fn change(code: &TrackingCode, from: Stage, to: Stage) -> ChangeRecord {
    ChangeRecord {
        tracking_code: *code,
        expected_stage: from,
        to,
        kind: EventKind::Stage,
        actor: Actor::Staff(Role::Expert),
        actor_staff_id: None,
        note: Some("بررسی شد".into()),
        internal_note: None,
        details: None,
        visible: true,
        sms: None,
        push: true,
        action_id: None,
        holder_after: None,
        due_at: None,
        at: now(),
    }
}

#[tokio::test]
async fn intake_is_idempotent_per_client_id_and_a_client_id_is_one_citizens() {
    for (backend, store, _dir) in backends().await {
        let (a, b) = (phone(1), phone(2));
        let id = Uuid::new_v4();
        let first = store.insert_complaint(complaint(&code(1), id, &a), sms(&a, "کد رهگیری")).await.unwrap();
        let Filed::New(filed, _) = first else { panic!("{backend}: {first:?}") };
        assert_eq!(filed.stage, Stage::Received, "{backend}");
        assert_eq!(filed.amount_rials, Some(1_500_000), "{backend}");
        // The same client_id again (a retry after a lost answer), even under a new code.
        let again = store.insert_complaint(complaint(&code(2), id, &a), sms(&a, "کد رهگیری")).await.unwrap();
        assert!(matches!(&again, Filed::Existing(c) if c.id == filed.id), "{backend}: {again:?}");
        // Another citizen's client_id is not theirs to reuse.
        let other = store.insert_complaint(complaint(&code(3), id, &b), sms(&b, "کد")).await;
        assert!(matches!(other, Err(StoreError::Conflict(_))), "{backend}: {other:?}");
        // A drawn code already used is reported, for the caller to draw again.
        let taken = store.insert_complaint(complaint(&code(1), Uuid::new_v4(), &b), sms(&b, "کد")).await.unwrap();
        assert!(matches!(taken, Filed::CodeTaken), "{backend}: {taken:?}");
        assert_eq!(store.pending_sms().await.unwrap(), 1, "{backend}: one SMS for one complaint");
        assert_eq!(store.complaints_of(&a).await.unwrap().len(), 1, "{backend}");
        assert_eq!(store.events(filed.id).await.unwrap().len(), 1, "{backend}: the created event");
    }
}

#[tokio::test]
async fn twelve_concurrent_resubmissions_file_one_complaint_with_one_sms() {
    for (backend, store, _dir) in backends().await {
        let who = phone(3);
        let id = Uuid::new_v4();
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let (store, who) = (store.clone(), who.clone());
                tokio::spawn(async move { store.insert_complaint(complaint(&code(100 + i), id, &who), sms(&who, "کد رهگیری")).await })
            })
            .collect();
        let mut new = 0;
        let mut codes = std::collections::HashSet::new();
        for t in tasks {
            match t.await.unwrap().unwrap() {
                Filed::New(c, _) => {
                    new += 1;
                    codes.insert(c.tracking_code);
                }
                Filed::Existing(c) => {
                    codes.insert(c.tracking_code);
                }
                other => panic!("{backend}: {other:?}"),
            }
        }
        assert_eq!((new, codes.len()), (1, 1), "{backend}: one complaint, every answer naming it");
        assert_eq!(store.pending_sms().await.unwrap(), 1, "{backend}");
    }
}

#[tokio::test]
async fn a_daily_quota_is_counted_per_citizen_in_the_same_write() {
    for (backend, store, _dir) in backends().await {
        let who = phone(4);
        let quota = Some(Allowance { since: now() - time::Duration::days(1), max: 2 });
        let mut outcomes = Vec::new();
        for n in 0..3 {
            let mut c = complaint(&code(200 + n), Uuid::new_v4(), &who);
            c.quota = quota;
            outcomes.push(store.insert_complaint(c, sms(&who, "کد")).await.unwrap());
        }
        assert!(matches!(outcomes[0], Filed::New(..)) && matches!(outcomes[1], Filed::New(..)), "{backend}: {outcomes:?}");
        assert!(matches!(outcomes[2], Filed::QuotaExceeded(_)), "{backend}: {:?}", outcomes[2]);
        // Staff intake for the caller is not counted against them.
        let mut staff = complaint(&code(299), Uuid::new_v4(), &who);
        staff.actor = Actor::Staff(Role::Operator);
        staff.channel = Channel::Phone;
        assert!(matches!(store.insert_complaint(staff, sms(&who, "کد")).await.unwrap(), Filed::New(..)), "{backend}");
    }
}

#[tokio::test]
async fn a_stage_change_checks_the_stage_it_read_and_feeds_the_citizen() {
    for (backend, store, _dir) in backends().await {
        let who = phone(5);
        let c = file(&*store, 300, &who).await;
        let seq0 = store.latest_seq(&who).await.unwrap();
        let moved = store.record_change(change(&c.tracking_code, Stage::Received, Stage::ExpertReview)).await.unwrap();
        assert_eq!((moved.from_stage, moved.stage), (Some(Stage::Received), Stage::ExpertReview), "{backend}");
        assert!(moved.seq > seq0, "{backend}");
        // A second change that read the old stage loses.
        let stale = store.record_change(change(&c.tracking_code, Stage::Received, Stage::Dismissed)).await;
        assert!(matches!(stale, Err(StoreError::StageChanged)), "{backend}: {stale:?}");
        let now_c = store.complaint(c.tracking_code).await.unwrap().unwrap();
        assert_eq!((now_c.stage, now_c.version > c.version), (Stage::ExpertReview, true), "{backend}");
        // Internal notes stay out of the citizen's feed.
        let mut note = change(&c.tracking_code, Stage::ExpertReview, Stage::ExpertReview);
        note.kind = EventKind::Note;
        note.visible = false;
        note.note = None;
        note.internal_note = Some("فقط کارکنان".into());
        store.record_change(note).await.unwrap();
        let feed = store.events_since(&who, seq0, 100).await.unwrap();
        assert_eq!(feed.iter().map(|e| e.stage).collect::<Vec<_>>(), vec![Stage::ExpertReview], "{backend}");
        assert_eq!(store.latest_seq(&who).await.unwrap(), moved.seq, "{backend}");
        assert_eq!(store.events(c.id).await.unwrap().len(), 3, "{backend}");
        assert!(store.latest_event_seq().await.unwrap() > moved.seq, "{backend}: the note counts for staff");
        // A citizen action's key finds the event it produced, once.
        let key = Uuid::new_v4();
        let mut withdraw = change(&c.tracking_code, Stage::ExpertReview, Stage::Withdrawn);
        withdraw.actor = Actor::Citizen;
        withdraw.action_id = Some(key);
        let w = store.record_change(withdraw).await.unwrap();
        assert_eq!(store.event_by_action(key).await.unwrap().map(|e| e.seq), Some(w.seq), "{backend}");
    }
}

#[tokio::test]
async fn an_outbox_row_is_handed_to_one_worker_until_it_reports() {
    for (backend, store, _dir) in backends().await {
        let who = phone(6);
        for n in 0..20 {
            file(&*store, 400 + n, &who).await;
        }
        // Four workers at once share the rows without overlap.
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.due_sms(now(), 8).await.unwrap() })
            })
            .collect();
        let mut seen = Vec::new();
        for w in workers {
            seen.extend(w.await.unwrap().into_iter().map(|s| s.id));
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (20, 20), "{backend}: every row once");
        assert!(store.due_sms(now(), 100).await.unwrap().is_empty(), "{backend}: claimed rows are not handed out again");
        // A failure with a retry time releases the row until then; giving up ends it.
        store.sms_failed(unique[0], "gateway 502".into(), Some(now())).await.unwrap();
        store.sms_failed(unique[1], "bad number".into(), None).await.unwrap();
        store.sms_sent(unique[2..10].to_vec(), now()).await.unwrap();
        let again = store.due_sms(now() + time::Duration::seconds(1), 100).await.unwrap();
        assert_eq!(again.iter().map(|s| s.id).collect::<Vec<_>>(), vec![unique[0]], "{backend}");
        assert_eq!(again[0].attempts, 1, "{backend}");
        // A claim whose lease ran out is handed out again (the worker died).
        let later = now() + samat_server::store::CLAIM_LEASE + Duration::from_secs(1);
        assert_eq!(store.due_sms(later, 100).await.unwrap().len(), 11, "{backend}: the 10 unreported and the retried");
        assert_eq!(store.pending_sms().await.unwrap(), 11, "{backend}");
    }
}

#[tokio::test]
async fn pushes_are_claimed_once_and_finished_in_one_write() {
    for (backend, store, _dir) in backends().await {
        let who = phone(7);
        let token = vec![7u8; 32];
        store.create_session(token.clone(), &Principal::Citizen { phone: who.clone() }, now() + time::Duration::hours(1)).await.unwrap();
        let (device, how) = store.register_device(&who, token.clone(), DeviceTarget::Fcm { token: "fcm-token-1".into() }, now(), 5).await.unwrap();
        assert_eq!(how, Registration::New, "{backend}");
        let (_, how) = store.register_device(&who, token.clone(), DeviceTarget::Fcm { token: "fcm-token-1".into() }, now(), 5).await.unwrap();
        assert_eq!(how, Registration::Refreshed, "{backend}");
        let c = file(&*store, 500, &who).await;
        store.record_change(change(&c.tracking_code, Stage::Received, Stage::ExpertReview)).await.unwrap();
        let due = store.due_pushes(now(), 100).await.unwrap();
        assert_eq!(due.len(), 2, "{backend}: filed and moved");
        assert!(due.iter().all(|p| p.device.id == device.id), "{backend}");
        assert!(store.due_pushes(now(), 100).await.unwrap().is_empty(), "{backend}: claimed");
        store.pushes_finished(vec![(due[0].id, PushRecord::Sent), (due[1].id, PushRecord::Skipped { reason: "test".into() })], now()).await.unwrap();
        assert_eq!(store.pending_pushes().await.unwrap(), 0, "{backend}");
        // Logging out forgets the device registered under that session.
        assert!(store.revoke_session(token.clone()).await.unwrap(), "{backend}");
        assert!(!store.revoke_session(token).await.unwrap(), "{backend}: twice is not live");
        assert!(store.devices_of(&who).await.unwrap().is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn sessions_end_by_revocation_expiry_or_a_disabled_account() {
    for (backend, store, _dir) in backends().await {
        let hash = |b: u8| vec![b; 32];
        let who = Principal::Citizen { phone: phone(8) };
        store.create_session(hash(1), &who, now() + time::Duration::hours(1)).await.unwrap();
        store.create_session(hash(2), &who, now() - time::Duration::seconds(1)).await.unwrap();
        assert_eq!(store.find_session(hash(1), now()).await.unwrap(), Some(who.clone()), "{backend}");
        assert_eq!(store.find_session(hash(2), now()).await.unwrap(), None, "{backend}: expired");
        let id = store
            .add_staff(NewStaff {
                username: "maryam".into(),
                display_name: Some("مریم".into()),
                password_hash: "x".into(),
                role: Role::Inspector,
                province: None,
            })
            .await
            .unwrap();
        let dup =
            store.add_staff(NewStaff { username: "maryam".into(), display_name: None, password_hash: "y".into(), role: Role::Expert, province: None }).await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{backend}: {dup:?}");
        let staff = store.staff_by_id(id).await.unwrap().unwrap();
        let principal = Principal::Staff { id, username: staff.username.clone(), role: staff.role, province: None };
        store.create_session(hash(3), &principal, now() + time::Duration::hours(1)).await.unwrap();
        assert!(store.find_session(hash(3), now()).await.unwrap().is_some(), "{backend}");
        assert!(store.update_staff(id, StaffUpdate { role: Role::Inspector, province: None, active: false, display_name: None }).await.unwrap(), "{backend}");
        assert_eq!(store.find_session(hash(3), now()).await.unwrap(), None, "{backend}: disabled");
        assert!(
            !store.update_staff(id + 1000, StaffUpdate { role: Role::Expert, province: None, active: true, display_name: None }).await.unwrap(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn login_codes_are_consumed_once_and_count_wrong_guesses() {
    for (backend, store, _dir) in backends().await {
        let who = phone(9);
        let otp = NewSms { to: who.clone(), text: "کد ورود: ۱۲۳۴۵۶".into(), kind: SmsKind::Otp, token: Some("123456".into()) };
        store.put_otp(&who, vec![1; 32], now() + time::Duration::minutes(5), otp).await.unwrap();
        assert_eq!(store.check_otp(&who, vec![2; 32], now(), 3).await.unwrap(), OtpCheck::Wrong { remaining: 2 }, "{backend}");
        assert_eq!(store.check_otp(&who, vec![1; 32], now(), 3).await.unwrap(), OtpCheck::Valid, "{backend}");
        assert_eq!(store.check_otp(&who, vec![1; 32], now(), 3).await.unwrap(), OtpCheck::Expired, "{backend}: used up");
    }
}

#[tokio::test]
async fn feedback_and_photos_are_idempotent_and_bounded() {
    for (backend, store, _dir) in backends().await {
        let who = phone(10);
        let c = file(&*store, 600, &who).await;
        let key = Uuid::new_v4();
        let first = store.add_feedback(c.tracking_code, 1, Some("کسی جواب نداد".into()), true, Some(key), now()).await.unwrap();
        let again = store.add_feedback(c.tracking_code, 1, Some("کسی جواب نداد".into()), true, Some(key), now()).await.unwrap();
        assert_eq!(format!("{first:?}"), format!("{again:?}"), "{backend}: a retried feedback is the same feedback");
        let second = store.add_feedback(c.tracking_code, 2, None, true, Some(Uuid::new_v4()), now()).await.unwrap();
        assert!(matches!(second, samat_server::store::FeedbackOutcome::EscalationOpen), "{backend}: {second:?}");
        assert_eq!(store.feedback(c.id).await.unwrap().len(), 1, "{backend}");
        let page = store.escalations(None, 10, 0).await.unwrap();
        assert_eq!(page.total, 1, "{backend}");

        let limits = PhotoLimits { max_photos: 2, max_bytes_per_complaint: 1_000, daily: None };
        let photo = |id: Uuid, size: i64| PhotoRecord { photo_id: id, content_type: "image/jpeg".into(), size, sha256: format!("{size:064x}") };
        let (p1, p2, p3) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        assert!(matches!(store.put_photo(c.id, photo(p1, 3), vec![1, 2, 3], limits, now()).await.unwrap(), PutPhoto::Created(_)), "{backend}");
        assert!(matches!(store.put_photo(c.id, photo(p1, 3), vec![1, 2, 3], limits, now()).await.unwrap(), PutPhoto::Exists(_)), "{backend}");
        assert!(
            matches!(
                store.put_photo(c.id, PhotoRecord { sha256: "f".repeat(64), ..photo(p1, 3) }, vec![9, 9, 9], limits, now()).await.unwrap(),
                PutPhoto::IdConflict
            ),
            "{backend}"
        );
        assert!(matches!(store.put_photo(c.id, photo(p2, 4), vec![4; 4], limits, now()).await.unwrap(), PutPhoto::Created(_)), "{backend}");
        assert!(matches!(store.put_photo(c.id, photo(p3, 4), vec![5; 4], limits, now()).await.unwrap(), PutPhoto::TooMany), "{backend}");
        assert_eq!(store.photo_bytes(c.id, p2).await.unwrap(), Some(("image/jpeg".into(), vec![4; 4])), "{backend}");
        assert_eq!(store.photos(c.id).await.unwrap().len(), 2, "{backend}");
    }
}

#[tokio::test]
async fn registry_search_folds_persian_spellings_and_lists_active_licences_first() {
    for (backend, store, _dir) in backends().await {
        let business = |id: &str, name: &str, city: &str, status: Option<samat_core::model::api::LicenceStatus>| BusinessRecord {
            guild_id: id.into(),
            name: name.into(),
            guild: None,
            licence_no: None,
            licence_status: status,
            province: None,
            city: Some(city.into()),
            address: None,
        };
        use samat_core::model::api::LicenceStatus::{Active, Suspended};
        // Arabic yeh and kaf in the stored name; Persian ones in the query.
        store.upsert_business(business("10010010011", "نانوايي كريمي", "تهران", Some(Suspended)), now()).await.unwrap();
        store.upsert_business(business("10010010012", "نانوایی کریمی شعبه ۲", "تهران", Some(Active)), now()).await.unwrap();
        store.upsert_business(business("10010010013", "نانوایی کریمی", "شیراز", Some(Active)), now()).await.unwrap();
        let found = store.search_businesses(Some("نانوایی کریمی".into()), Some("تهران".into()), 10).await.unwrap();
        assert_eq!(found.iter().map(|b| b.guild_id.as_str()).collect::<Vec<_>>(), ["10010010012", "10010010011"], "{backend}");
        let again = store.upsert_business(business("10010010013", "نانوایی کریمی", "شیراز", Some(Active)), now()).await.unwrap();
        assert_eq!(again, samat_server::store::Upserted::Unchanged, "{backend}");
        assert_eq!(store.business("10010010013").await.unwrap().map(|b| b.city), Some(Some("شیراز".into())), "{backend}");
    }
}

#[tokio::test]
async fn racing_writers_of_a_setting_agree_on_the_first() {
    for (backend, store, _dir) in backends().await {
        let tasks: Vec<_> = (0..8u8)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { store.setting_or_insert("demo.key", vec![i]).await.unwrap() })
            })
            .collect();
        let mut values = Vec::new();
        for t in tasks {
            values.push(t.await.unwrap());
        }
        values.dedup();
        assert_eq!(values.len(), 1, "{backend}: {values:?}");
        assert_eq!(store.setting("demo.key").await.unwrap(), Some(values[0].clone()), "{backend}");
    }
}

#[tokio::test]
async fn a_store_opened_twice_migrates_once_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![format!("sqlite://{}", dir.path().join("twice.db").display())];
    urls.extend(fresh_postgres());
    for url in urls {
        let who = phone(11);
        {
            let store = store::open(&url).await.unwrap();
            file(&*store, 700, &who).await;
        }
        let store = store::open(&url).await.unwrap();
        assert_eq!(store.complaints_of(&who).await.unwrap().len(), 1, "{url}");
    }
}

// ── what replicas on one PostgreSQL database share ─────────────────────────────────────────

/// Two stores on one fresh PostgreSQL database, as two replicas see it.
async fn replicas() -> Option<(Arc<dyn Store>, Arc<dyn Store>)> {
    let url = fresh_postgres()?;
    Some((store::open(&url).await.unwrap(), store::open(&url).await.unwrap()))
}

#[tokio::test]
async fn a_change_committed_by_one_replica_is_heard_by_the_other() {
    let Some((a, b)) = replicas().await else { return };
    let mut heard = b.changes().expect("postgres has a change feed");
    let who = phone(12);
    let c = file(&*a, 800, &who).await;
    let moved = a.record_change(change(&c.tracking_code, Stage::Received, Stage::ExpertReview)).await.unwrap();
    let mut events = Vec::new();
    while events.len() < 2 {
        if let store::Change::Event { phone, seq, visible } = tokio::time::timeout(Duration::from_secs(10), heard.recv()).await.expect("heard in time").unwrap()
        {
            events.push((phone, seq, visible));
        }
    }
    assert_eq!(events[1], (who.to_string(), moved.seq, true));
    assert!(a.revoke_session(vec![5; 32]).await.is_ok());
    b.create_session(vec![6; 32], &Principal::Citizen { phone: who.clone() }, now() + time::Duration::hours(1)).await.unwrap();
    assert!(a.revoke_session(vec![6; 32]).await.unwrap());
    loop {
        if let store::Change::SessionRevoked(hash) = tokio::time::timeout(Duration::from_secs(10), heard.recv()).await.expect("heard in time").unwrap() {
            assert_eq!(hash, vec![6; 32]);
            break;
        }
    }
}

#[tokio::test]
async fn replicas_share_rate_limits() {
    let Some((a, b)) = replicas().await else { return };
    assert!(a.shares_rate_limits() && b.shares_rate_limits());
    let (interval, burst) = (Duration::from_secs(60), Duration::from_secs(120));
    // A burst of three (the cell and two ahead), whichever replica is asked.
    assert!(a.take_rate("otp:09120000001", interval, burst).await.unwrap().is_ok());
    assert!(b.take_rate("otp:09120000001", interval, burst).await.unwrap().is_ok());
    assert!(a.take_rate("otp:09120000001", interval, burst).await.unwrap().is_ok());
    let wait = b.take_rate("otp:09120000001", interval, burst).await.unwrap().expect_err("the fourth waits");
    assert!(wait > Duration::from_secs(50) && wait <= interval, "{wait:?}");
    assert!(a.take_rate("otp:09120000002", interval, burst).await.unwrap().is_ok(), "keys are apart");
    assert_eq!(a.prune_rates().await.unwrap(), 0, "nothing is full again yet");
}

#[tokio::test]
async fn a_dead_replicas_claims_pass_to_the_living_at_once() {
    let Some(url) = fresh_postgres() else { return };
    let who = phone(13);
    let survivor = store::open(&url).await.unwrap();
    {
        let doomed = store::open(&url).await.unwrap();
        file(&*doomed, 900, &who).await;
        assert_eq!(doomed.due_sms(now(), 10).await.unwrap().len(), 1);
        assert!(survivor.due_sms(now(), 10).await.unwrap().is_empty(), "a living replica's claim holds");
        // The replica goes away without reporting (its connections close, as on a kill).
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if survivor.due_sms(now(), 10).await.unwrap().len() == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the dead replica's claim was never freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_postgres_database_of_an_older_version_is_upgraded_at_start_keeping_its_data() {
    use samat_server::store::postgres::migrations::{migrate_to, LATEST};
    let Some(url) = fresh_postgres() else { return };
    let config: tokio_postgres::Config = url.parse().unwrap();
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    let pool = deadpool_postgres::Pool::builder(manager).max_size(1).build().unwrap();
    {
        let mut conn = pool.get().await.unwrap();
        assert_eq!(migrate_to(&mut conn, 1).await.unwrap(), 1);
        conn.execute("INSERT INTO settings (key, value) VALUES ('kept', '\\x01')", &[]).await.unwrap();
        let missing = conn.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'rate_limits'", &[]).await.unwrap();
        assert!(missing.is_empty(), "version 1 has no shared rate limits yet");
    }
    let store = store::open(&url).await.unwrap();
    assert_eq!(store.setting("kept").await.unwrap(), Some(vec![1]));
    assert!(store.take_rate("k", Duration::from_secs(1), Duration::ZERO).await.unwrap().is_ok(), "version 2's table is there");
    let conn = pool.get().await.unwrap();
    let version: i64 = conn.query_one("SELECT version FROM samat_schema", &[]).await.unwrap().get(0);
    assert_eq!(version, LATEST);
}

#[tokio::test]
async fn a_raise_written_by_two_replicas_at_once_is_kept_once() {
    for (backend, store, _dir) in backends().await {
        let who = phone(14);
        let c = file(&*store, 1400, &who).await;
        let key = Uuid::new_v4();
        let raise = || {
            let mut r = change(&c.tracking_code, Stage::Received, Stage::Received);
            r.kind = EventKind::Raised;
            r.actor = Actor::Staff(Role::Supervisor);
            r.visible = false;
            r.note = None;
            r.internal_note = Some("مهلت گذشت".into());
            r.push = false;
            r.action_id = Some(key);
            r
        };
        let (a, b) = tokio::join!(store.record_change(raise()), store.record_change(raise()));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.seq, b.seq, "{backend}: one event for one key");
        let events = store.events(c.id).await.unwrap();
        assert_eq!(events.iter().filter(|e| e.kind == EventKind::Raised).count(), 1, "{backend}");
        assert!(store.events_since(&who, 0, 100).await.unwrap().iter().all(|e| e.kind != EventKind::Raised), "{backend}: not in the citizen's feed");
    }
}

#[tokio::test]
async fn api_keys_are_found_by_hash_listed_and_revoked_once() {
    for (backend, store, _dir) in backends().await {
        let at = now();
        let a = store.add_api_key("Shahr app", vec![1; 32], at).await.unwrap();
        let b = store.add_api_key("Civic lab", vec![2; 32], at).await.unwrap();
        assert!(store.add_api_key("dup", vec![1; 32], at).await.is_err(), "{backend}: one key per hash");
        let found = store.api_key(vec![1; 32]).await.unwrap().unwrap_or_else(|| panic!("{backend}: key not found"));
        assert_eq!((found.id, found.name.as_str(), found.revoked_at), (a, "Shahr app", None), "{backend}");
        assert_eq!(store.api_key(vec![3; 32]).await.unwrap(), None, "{backend}");
        assert!(store.revoke_api_key(a, at).await.unwrap(), "{backend}");
        assert!(!store.revoke_api_key(a, at).await.unwrap(), "{backend}: revoked once");
        assert!(!store.revoke_api_key(999, at).await.unwrap(), "{backend}: no such key");
        assert!(store.api_key(vec![1; 32]).await.unwrap().unwrap().revoked_at.is_some(), "{backend}");
        let all = store.api_keys().await.unwrap();
        assert_eq!(all.iter().map(|k| (k.id, k.revoked_at.is_some())).collect::<Vec<_>>(), vec![(a, true), (b, false)], "{backend}");
    }
}

fn inbound(id: &str, text: &str) -> NewInbound {
    NewInbound {
        message_id: id.to_owned(),
        sender: "09121234567".into(),
        line: "10004346".into(),
        text: text.to_owned(),
        received_at: now(),
        channel: Channel::Sms,
        subject: None,
        raw: None,
    }
}

fn email(id: &str, raw: &[u8]) -> NewInbound {
    NewInbound {
        sender: "ali@example.com".into(),
        line: "INBOX".into(),
        channel: Channel::Email,
        subject: Some("شکایت".into()),
        raw: Some(raw.to_vec()),
        ..inbound(id, "متن")
    }
}

#[tokio::test]
async fn an_email_keeps_its_sender_subject_and_bytes_and_its_thread_finds_the_complaint() {
    let lease = Duration::from_secs(60);
    for (backend, store, _dir) in backends().await {
        let who = phone(16);
        let complaint = file(&*store, 1600, &who).await;
        let raw = b"Message-ID: <a@x>\r\n\r\n\x00\xffbinary".to_vec();
        let InboundClaim::Mine(r) = store.claim_inbound(email("email:a@x", &raw), now(), lease).await.unwrap() else { panic!("{backend}") };
        assert_eq!((r.channel, r.subject.as_deref(), r.sender.as_str()), (Channel::Email, Some("شکایت"), "ali@example.com"), "{backend}");
        assert_eq!(store.inbound_raw(r.id).await.unwrap(), Some(raw), "{backend}: the bytes as received");
        let InboundClaim::Mine(sms) = store.claim_inbound(inbound("kavenegar:16", "متن"), now(), lease).await.unwrap() else { panic!("{backend}") };
        assert_eq!((sms.channel, store.inbound_raw(sms.id).await.unwrap()), (Channel::Sms, None), "{backend}");
        assert_eq!(store.inbound_raw(r.id + 1000).await.unwrap(), None, "{backend}");

        // Until it filed something, it is no thread; then a reply naming it finds the complaint.
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(store.inbound_thread(ids(&["email:a@x"])).await.unwrap(), None, "{backend}");
        assert_eq!(store.inbound_of_complaint(complaint.tracking_code).await.unwrap(), None, "{backend}");
        let filed = InboundOutcome {
            status: InboundStatus::Filed,
            reason: Some("no_invoice".into()),
            tracking_code: Some(complaint.tracking_code),
            handled_by: None,
            note: None,
        };
        assert!(store.finish_inbound(r.id, InboundStatus::Pending, filed, None, now()).await.unwrap(), "{backend}");
        assert_eq!(store.inbound_raw(r.id).await.unwrap(), None, "{backend}: handled, its raw bytes are not kept (the photos are)");
        assert_eq!(store.inbound_thread(ids(&["email:unknown", "email:a@x"])).await.unwrap(), Some(complaint.tracking_code), "{backend}");
        assert_eq!(store.inbound_thread(ids(&["email:unknown"])).await.unwrap(), None, "{backend}");
        assert_eq!(store.inbound_thread(Vec::new()).await.unwrap(), None, "{backend}");
        let origin = store.inbound_of_complaint(complaint.tracking_code).await.unwrap().expect("the message that filed it");
        assert_eq!((origin.id, origin.sender.as_str(), origin.channel), (r.id, "ali@example.com", Channel::Email), "{backend}");
        // A note added to it (a reply) is not what filed it.
        let InboundClaim::Mine(reply) = store.claim_inbound(email("email:b@x", b"reply"), now(), lease).await.unwrap() else { panic!("{backend}") };
        let noted = InboundOutcome {
            status: InboundStatus::Answered,
            reason: Some("thread_note".into()),
            tracking_code: Some(complaint.tracking_code),
            handled_by: None,
            note: None,
        };
        assert!(store.finish_inbound(reply.id, InboundStatus::Pending, noted, None, now()).await.unwrap(), "{backend}");
        assert_eq!(store.inbound_thread(ids(&["email:b@x"])).await.unwrap(), Some(complaint.tracking_code), "{backend}: a reply to the reply");
        assert_eq!(store.inbound_of_complaint(complaint.tracking_code).await.unwrap().map(|m| m.id), Some(r.id), "{backend}");
    }
}

fn answered(code: Option<TrackingCode>) -> InboundOutcome {
    InboundOutcome { status: InboundStatus::Answered, reason: Some("track".into()), tracking_code: code, handled_by: None, note: None }
}

#[tokio::test]
async fn an_inbound_message_is_handled_once_and_its_reply_queued_once() {
    let lease = Duration::from_secs(60);
    for (backend, store, _dir) in backends().await {
        let who = phone(15);
        let before = store.pending_sms().await.unwrap();
        // Two deliveries at once: one handler.
        let (a, b) =
            tokio::join!(store.claim_inbound(inbound("kavenegar:1", "۱۲۳"), now(), lease), store.claim_inbound(inbound("kavenegar:1", "۱۲۳"), now(), lease));
        let claims = [a.unwrap(), b.unwrap()];
        let mine: Vec<_> = claims.iter().filter_map(|c| if let InboundClaim::Mine(r) = c { Some(r.clone()) } else { None }).collect();
        assert_eq!(mine.len(), 1, "{backend}: {claims:?}");
        assert!(claims.contains(&InboundClaim::Busy), "{backend}: the other sees it being handled");
        let record = &mine[0];
        assert_eq!((record.status, record.text.as_str(), record.sender.as_str()), (InboundStatus::Pending, "۱۲۳", "09121234567"), "{backend}");
        // Finishing twice (a racing handler): one reply.
        let code = TrackingCode::parse(&code(1500)).unwrap();
        assert!(store.finish_inbound(record.id, InboundStatus::Pending, answered(Some(code)), Some(sms(&who, "پاسخ")), now()).await.unwrap(), "{backend}");
        assert!(!store.finish_inbound(record.id, InboundStatus::Pending, answered(None), Some(sms(&who, "دوباره")), now()).await.unwrap(), "{backend}");
        assert_eq!(store.pending_sms().await.unwrap(), before + 1, "{backend}: one reply");
        // A redelivery finds it done.
        match store.claim_inbound(inbound("kavenegar:1", "۱۲۳"), now(), lease).await.unwrap() {
            InboundClaim::Done(r) => {
                assert_eq!((r.status, r.tracking_code, r.reason.as_deref()), (InboundStatus::Answered, Some(code), Some("track")), "{backend}");
                assert!(r.handled_at.is_some(), "{backend}");
            }
            other => panic!("{backend}: {other:?}"),
        }
        assert_eq!(store.inbound_message(record.id).await.unwrap().map(|r| r.status), Some(InboundStatus::Answered), "{backend}");
        assert_eq!(store.inbound_message(record.id + 1000).await.unwrap(), None, "{backend}");
    }
}

#[tokio::test]
async fn the_public_listing_filters_by_id_category_stage_province_time_and_client_id() {
    use samat_core::model::Province;
    use samat_server::store::PublicFilter;
    for (backend, store, _dir) in backends().await {
        let key = store.add_api_key("k", vec![9; 32], now()).await.unwrap();
        let who = phone(1);
        let before = now() - time::Duration::seconds(1);
        let mut with_key = complaint(&code(1), Uuid::new_v4(), &who);
        with_key.filed_by_api_key = Some(key);
        with_key.fields.province = Some(Province::Fars);
        let Filed::New(first, _) = store.insert_complaint(with_key.clone(), sms(&who, "ثبت")).await.unwrap() else { panic!("{backend}") };
        let second = file(&*store, 2, &who).await;
        store.record_change(change(&second.tracking_code, Stage::Received, Stage::ExpertReview)).await.unwrap();
        let list = |f: PublicFilter| {
            let store = store.clone();
            async move { store.public_complaints(PublicFilter { limit: 100, ..f }).await.unwrap().iter().map(|c| c.id).collect::<Vec<_>>() }
        };
        assert_eq!(list(PublicFilter::default()).await, vec![second.id, first.id], "{backend}: newest first");
        assert_eq!(store.public_complaints(PublicFilter { limit: 1, ..PublicFilter::default() }).await.unwrap().len(), 1, "{backend}");
        assert_eq!(list(PublicFilter { ids: vec![first.id], ..PublicFilter::default() }).await, vec![first.id], "{backend}");
        assert_eq!(list(PublicFilter { stages: vec![Stage::ExpertReview], ..PublicFilter::default() }).await, vec![second.id], "{backend}");
        assert_eq!(list(PublicFilter { province: Some(Province::Fars), ..PublicFilter::default() }).await, vec![first.id], "{backend}");
        assert!(list(PublicFilter { categories: vec![Category::Hoarding], ..PublicFilter::default() }).await.is_empty(), "{backend}");
        assert_eq!(list(PublicFilter { filed_from: Some(before), filed_to: Some(now()), ..PublicFilter::default() }).await.len(), 2, "{backend}");
        assert!(list(PublicFilter { filed_from: Some(now() + time::Duration::hours(1)), ..PublicFilter::default() }).await.is_empty(), "{backend}");
        let updated = list(PublicFilter { updated_after: Some(first.updated_at), ..PublicFilter::default() }).await;
        assert_eq!(updated, vec![second.id], "{backend}: only what changed after");
        assert_eq!(list(PublicFilter { client_id: Some(with_key.client_id), ..PublicFilter::default() }).await, vec![first.id], "{backend}");
        assert!(list(PublicFilter { client_id: Some(Uuid::new_v4()), ..PublicFilter::default() }).await.is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn an_inbound_message_whose_handler_died_is_handed_out_again_after_its_lease() {
    let lease = Duration::from_secs(60);
    for (backend, store, _dir) in backends().await {
        let t0 = now();
        let InboundClaim::Mine(first) = store.claim_inbound(inbound("kavenegar:2", "متن"), t0, lease).await.unwrap() else { panic!("{backend}") };
        assert!(store.lapsed_inbound(t0 + Duration::from_secs(30), lease, 10).await.unwrap().is_empty(), "{backend}: still claimed");
        assert_eq!(store.claim_inbound(inbound("kavenegar:2", "متن"), t0 + Duration::from_secs(30), lease).await.unwrap(), InboundClaim::Busy, "{backend}");
        let lapsed = store.lapsed_inbound(t0 + Duration::from_secs(61), lease, 10).await.unwrap();
        assert_eq!(lapsed.iter().map(|r| r.id).collect::<Vec<_>>(), [first.id], "{backend}");
        assert!(store.lapsed_inbound(t0 + Duration::from_secs(62), lease, 10).await.unwrap().is_empty(), "{backend}: claimed again by the sweep");
        // A redelivery after the sweep's lease lapsed takes it over too.
        assert!(
            matches!(store.claim_inbound(inbound("kavenegar:2", "متن"), t0 + Duration::from_secs(200), lease).await.unwrap(), InboundClaim::Mine(_)),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn the_triage_list_holds_what_waits_for_an_operator_oldest_first() {
    let lease = Duration::from_secs(60);
    for (backend, store, _dir) in backends().await {
        let mut ids = Vec::new();
        for n in 0..3 {
            let InboundClaim::Mine(r) = store.claim_inbound(inbound(&format!("cli:{n}"), "پیام"), now(), lease).await.unwrap() else { panic!("{backend}") };
            let status = if n == 1 { InboundStatus::Answered } else { InboundStatus::Triage };
            let outcome = InboundOutcome { status, reason: Some("unclassified".into()), tracking_code: None, handled_by: None, note: None };
            assert!(store.finish_inbound(r.id, InboundStatus::Pending, outcome, None, now()).await.unwrap());
            ids.push(r.id);
        }
        let triage = store.inbound_list(InboundStatus::Triage, 10, 0).await.unwrap();
        assert_eq!(triage.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[0], ids[2]], "{backend}");
        assert_eq!(store.inbound_list(InboundStatus::Triage, 1, 1).await.unwrap()[0].id, ids[2], "{backend}: paged");
        assert_eq!(store.inbound_count(InboundStatus::Triage).await.unwrap(), 2, "{backend}");
        assert_eq!(store.inbound_count(InboundStatus::Answered).await.unwrap(), 1, "{backend}");
        let staff = store
            .add_staff(NewStaff { username: "op".into(), display_name: None, password_hash: "x".into(), role: Role::Operator, province: None })
            .await
            .unwrap();
        let filed = InboundOutcome { status: InboundStatus::Filed, reason: Some("triage".into()), tracking_code: None, handled_by: Some(staff), note: None };
        assert!(store.finish_inbound(ids[0], InboundStatus::Triage, filed.clone(), None, now()).await.unwrap(), "{backend}");
        assert!(!store.finish_inbound(ids[0], InboundStatus::Triage, filed, None, now()).await.unwrap(), "{backend}: filed once");
        assert_eq!(store.inbound_message(ids[0]).await.unwrap().unwrap().handled_by, Some(staff), "{backend}");
        assert_eq!(store.inbound_list(InboundStatus::Triage, 10, 0).await.unwrap().len(), 1, "{backend}");
        assert_eq!(store.inbound_count(InboundStatus::Triage).await.unwrap(), 1, "{backend}");
        // Set aside with the operator's words, kept with it.
        let note = Some("تبلیغ است، شکایت نیست".to_owned());
        let dismissed =
            InboundOutcome { status: InboundStatus::Dismissed, reason: Some("dismissed".into()), tracking_code: None, handled_by: Some(staff), note };
        assert!(store.finish_inbound(ids[2], InboundStatus::Triage, dismissed.clone(), None, now()).await.unwrap(), "{backend}");
        let kept = store.inbound_message(ids[2]).await.unwrap().unwrap();
        assert_eq!((kept.status, kept.note), (InboundStatus::Dismissed, dismissed.note), "{backend}");
        assert_eq!(store.inbound_message(ids[0]).await.unwrap().unwrap().note, None, "{backend}");
        assert_eq!(store.inbound_count(InboundStatus::Triage).await.unwrap(), 0, "{backend}");
    }
}

#[tokio::test]
async fn stage_paths_list_each_complaints_stages_in_order_without_notes_or_raises() {
    for (backend, store, _dir) in backends().await {
        let who = phone(15);
        let moved = file(&*store, 1500, &who).await;
        let waiting = file(&*store, 1501, &who).await;
        store.record_change(change(&moved.tracking_code, Stage::Received, Stage::ExpertReview)).await.unwrap();
        let mut note = change(&moved.tracking_code, Stage::ExpertReview, Stage::ExpertReview);
        note.kind = EventKind::Note;
        store.record_change(note).await.unwrap();
        store.record_change(change(&moved.tracking_code, Stage::ExpertReview, Stage::Dismissed)).await.unwrap();
        let paths = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = paths.clone();
        store.each_stage_path(Box::new(move |p| sink.lock().unwrap().push(p))).await.unwrap();
        let mut paths = std::mem::take(&mut *paths.lock().unwrap());
        paths.sort_by_key(|p| p.entered.len());
        assert_eq!(paths.len(), 2, "{backend}");
        let (w, m) = (&paths[0], &paths[1]);
        assert_eq!(w.entered.iter().map(|e| e.0).collect::<Vec<_>>(), [Stage::Received], "{backend}");
        assert_eq!((w.stage, w.category, w.filed_at), (Stage::Received, Category::NoInvoice, waiting.created_at), "{backend}");
        assert_eq!(m.entered.iter().map(|e| e.0).collect::<Vec<_>>(), [Stage::Received, Stage::ExpertReview, Stage::Dismissed], "{backend}");
        assert_eq!(m.stage, Stage::Dismissed, "{backend}");
        assert_eq!(m.area, samat_core::model::stats::Area::Unplaced, "{backend}");
        assert!(m.entered.windows(2).all(|w| w[0].1 <= w[1].1), "{backend}: in time order");
        assert_eq!(m.entered[0].1, moved.created_at, "{backend}: received when filed");
    }
}

fn open_queue(due_by: Option<OffsetDateTime>, limit: i64, offset: i64) -> QueueFilter {
    QueueFilter {
        stages: Stage::open_stages().collect(),
        province: None,
        category: None,
        channel: None,
        city: None,
        holding: store::Holding::Any,
        search: None,
        due_by,
        limit,
        offset,
    }
}

#[tokio::test]
async fn queues_walk_the_soonest_due_first_across_stages_and_filter_by_due() {
    let day = time::Duration::DAY;
    for (backend, store, _dir) in backends().await {
        let t = now();
        let who = phone(40);
        // Filed in this order, due in another: a long stage entered long ago can be less late
        // than a short one entered since.
        let mut codes = Vec::new();
        for (n, due) in [(401, t + day * 5_i32), (402, t - day * 2_i32), (403, t - time::Duration::HOUR), (404, t + day)] {
            let new = NewComplaintRecord { due_at: Some(due), ..complaint(&code(n), Uuid::new_v4(), &who) };
            let Filed::New(c, _) = store.insert_complaint(new, sms(&who, "ثبت شد")).await.unwrap() else { panic!("{backend}: not filed") };
            codes.push(c.tracking_code);
        }
        // The first moves to a stage that is already three days late; a note keeps its time.
        let moved = ChangeRecord { due_at: Some(t - day * 3_i32), ..change(&codes[0], Stage::Received, Stage::ExpertReview) };
        store.record_change(moved).await.unwrap();
        let note = ChangeRecord { kind: EventKind::Note, due_at: None, ..change(&codes[0], Stage::ExpertReview, Stage::ExpertReview) };
        store.record_change(note).await.unwrap();
        let order = |page: samat_server::store::QueuePage| page.rows.iter().map(|r| r.complaint.tracking_code).collect::<Vec<_>>();
        let all = store.queue(open_queue(None, 10, 0)).await.unwrap();
        assert_eq!(all.total, 4, "{backend}");
        assert_eq!(order(all), vec![codes[0], codes[1], codes[2], codes[3]], "{backend}: soonest due first, whatever the stage");
        let overdue = store.queue(open_queue(Some(t), 2, 0)).await.unwrap();
        assert_eq!(overdue.total, 3, "{backend}: only the overdue are counted");
        assert_eq!(order(overdue), vec![codes[0], codes[1]], "{backend}");
        let second = store.queue(open_queue(Some(t), 2, 2)).await.unwrap();
        assert_eq!(order(second), vec![codes[2]], "{backend}: the overdue page on from where the first stopped");

        // The clocks as stored, and putting one right: only while it is still in the stage
        // it was computed for, and only when it differs.
        let clocks = store.stage_clocks(0, 10).await.unwrap();
        assert_eq!(clocks.len(), 4, "{backend}");
        let first = clocks.iter().find(|c| c.stage == Stage::ExpertReview).copied().unwrap();
        assert_eq!(first.due_at.map(|d| d.unix_timestamp()), Some((t - day * 3_i32).unix_timestamp()), "{backend}");
        let later = StageClock { due_at: Some(t + day * 9_i32), ..first };
        let stale = StageClock { stage_since: first.stage_since - day, ..later };
        assert_eq!(store.set_due(vec![stale]).await.unwrap(), 0, "{backend}: moved since: left alone");
        assert_eq!(store.set_due(vec![later]).await.unwrap(), 1, "{backend}");
        assert_eq!(store.set_due(vec![later]).await.unwrap(), 0, "{backend}: already so");
        assert_eq!(store.set_due(vec![]).await.unwrap(), 0, "{backend}");
        let all = store.queue(open_queue(None, 10, 0)).await.unwrap();
        assert_eq!(order(all), vec![codes[1], codes[2], codes[3], codes[0]], "{backend}: now due last");
        let after = store.stage_clocks(clocks[1].id, 10).await.unwrap();
        assert_eq!(after.len(), 2, "{backend}: paged by id");
    }
}
