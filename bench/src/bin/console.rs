//! Staff console benchmark: the queue page and the complaint page with 100,000 complaints
//! stored (spread over stages, provinces, categories, channels and holders, each with its
//! history), timed one request at a time over loopback (so the time is the server's, plus
//! well under a millisecond of loopback), and the weight of what each page loads.
//! Targets: p95 ≤ 50 ms each; page weight ≤ 100 KB without the font (the portal's filing
//! page, measured here too: ≤ 150 KB).
//!
//! `cargo run --release -p samat-bench --bin console -- [COMPLAINTS] [REQUESTS]`

use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rusqlite::params;
use samat_bench::start_server;
use samat_core::model::text::search_key;
use samat_core::model::{Category, Channel, Province, Role, Stage, TrackingCode};
use samat_server::sessions::{new_token, token_hash};
use samat_server::store::Principal;

const NAMES: [&str; 8] =
    ["سوپرمارکت نمونه", "لوازم خانگی امید", "نانوایی سنگک برکت", "داروخانه شفا", "فروشگاه موبایل پارس", "قصابی ولیعصر", "پوشاک ستاره", "میوه‌فروشی بهار"];
const CITIES: [&str; 6] = ["تهران", "اصفهان", "مشهد", "شیراز", "تبریز", "کرج"];

/// Writes `n` complaints with their histories straight into the database (one transaction).
fn seed(db: &std::path::Path, n: usize, holders: &[i64]) -> anyhow::Result<Vec<String>> {
    let mut conn = rusqlite::Connection::open(db)?;
    let tx = conn.transaction()?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(124);
    let mut codes = Vec::with_capacity(n);
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let stages: Vec<Stage> = Stage::ALL.to_vec();
    let standards = samat_core::model::deadlines::ServiceStandards::default();
    {
        let mut complaint = tx.prepare(
            "INSERT INTO complaints (tracking_code, client_id, phone, channel, category, description, guild_id, business_known, business_name,
             province, province_code, city, wants_compensation, stage, stage_since, created_at, updated_at, assigned_to, search_business, search_city, due_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?14, ?16, ?17, ?18, ?19)",
        )?;
        let mut event = tx.prepare(
            "INSERT INTO events (complaint_id, phone, kind, from_stage, to_stage, actor, actor_staff_id, at, note, internal_note, visible)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1)",
        )?;
        while codes.len() < n {
            let code = TrackingCode::generate(&mut rng);
            let i = codes.len();
            let stage = *stages.choose(&mut rng).unwrap_or(&Stage::Received);
            let province = Province::ALL[rng.gen_range(0..Province::ALL.len())];
            let name = NAMES[i % NAMES.len()];
            let city = CITIES[rng.gen_range(0..CITIES.len())];
            let created = now - rng.gen_range(0..90 * 86_400_000_i64);
            let since = created + rng.gen_range(0..86_400_000_i64);
            let holder = if rng.gen_bool(0.3) { holders.choose(&mut rng).copied() } else { None };
            let phone = format!("+98912{:07}", rng.gen_range(0..10_000_000));
            let inserted = complaint.execute(params![
                code.as_str(),
                uuid::Uuid::new_v4().to_string(),
                phone,
                Channel::ALL[i % Channel::ALL.len()].wire_name(),
                Category::ALL[i % Category::ALL.len()].wire_name(),
                "فروشنده کالا را گران‌تر از قیمت درج‌شده فروخت و فاکتور هم نداد. ".repeat(3),
                format!("{}", 10_000_000_000u64 + (i % 5000) as u64),
                name,
                province.label_fa(),
                province.wire_name(),
                city,
                i % 3 == 0,
                stage.wire_name(),
                since,
                created,
                holder,
                search_key(name),
                search_key(city),
                // As the server stores it: when the stage is due by the default standards.
                standards
                    .due_at(stage, time::OffsetDateTime::from_unix_timestamp(since / 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH))
                    .map(|d| d.unix_timestamp() * 1000),
            ]);
            if inserted.is_err() {
                continue; // a tracking-code collision: draw again
            }
            let id = tx.last_insert_rowid();
            event.execute(params![id, phone, "created", None::<String>, "received", "citizen", None::<i64>, created, None::<String>, None::<String>])?;
            if stage != Stage::Received {
                event.execute(params![
                    id,
                    phone,
                    "stage",
                    "received",
                    stage.wire_name(),
                    "expert",
                    holders.first(),
                    since,
                    "بررسی شد و به مرحله بعد رفت",
                    "یادداشت داخلی کارشناس"
                ])?;
            }
            codes.push(code.as_str().to_owned());
        }
    }
    tx.commit()?;
    conn.execute_batch("ANALYZE")?;
    Ok(codes)
}

/// p50 and p95 of `n` sequential GETs of `paths` (cycled), in ms, and the last body's size.
async fn time_pages(http: &reqwest::Client, base: &str, cookie: &str, paths: &[String], n: usize) -> anyhow::Result<(f64, f64, usize)> {
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    for i in 0..n {
        let started = Instant::now();
        let r = http.get(format!("{base}{}", paths[i % paths.len()])).header("cookie", cookie).send().await?;
        anyhow::ensure!(r.status().is_success(), "{} answered {}", paths[i % paths.len()], r.status());
        size = r.bytes().await?.len();
        times.push(started.elapsed());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0;
    Ok((pct(0.5), pct(0.95), size))
}

async fn asset_bytes(http: &reqwest::Client, base: &str, html: &str) -> anyhow::Result<usize> {
    let mut total = 0;
    for name in ["app.css", "app.js", "staff.js", "portal.js", "icons/icon.svg"] {
        if html.contains(&format!("/assets/{name}")) {
            total += http.get(format!("{base}/assets/{name}")).send().await?.bytes().await?.len();
        }
    }
    Ok(total)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let requests: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300);
    let server = start_server(None).await?;
    samat_server::demo::seed(&*server.state.store, "demo").await?;
    let staff = server.state.store.list_staff().await?;
    let holders: Vec<i64> = staff.iter().map(|s| s.id).collect();
    let started = Instant::now();
    let codes = seed(&server.dir.path().join("bench.db"), n, &holders)?;
    println!("seeded {} complaints with their histories in {:.1} s", codes.len(), started.elapsed().as_secs_f64());

    let expert = staff.iter().find(|s| s.role == Role::Expert && s.province.is_none()).ok_or_else(|| anyhow::anyhow!("no expert"))?;
    let token = new_token();
    let who = Principal::Staff { id: expert.id, username: expert.username.clone(), role: expert.role, province: None };
    server.state.store.create_session(token_hash(&token), &who, time::OffsetDateTime::now_utc() + Duration::from_secs(3600)).await?;
    let cookie = format!("samat_staff={token}");
    let http = reqwest::Client::new();
    let base = server.url.clone();

    // Warm the caches the way a working console does.
    time_pages(&http, &base, &cookie, &["/staff/queue".to_owned()], 5).await?;

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let complaint_paths: Vec<String> = (0..requests).map(|_| format!("/staff/complaints/{}", codes.choose(&mut rng).map_or("", String::as_str))).collect();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("queue, first page (all of the expert's stages)", vec!["/staff/queue".to_owned()]),
        ("queue, page 40", vec!["/staff/queue?page=40".to_owned()]),
        (
            "queue, filtered (category + city + unassigned)",
            vec!["/staff/queue?holding=unassigned&category=fraud&city=%D8%AA%D9%87%D8%B1%D8%A7%D9%86".to_owned()],
        ),
        ("queue, search by business name", vec![format!("/staff/queue?q={}", percent_encode("داروخانه"))]),
        ("queue, search by tracking code", codes.iter().take(50).map(|c| format!("/staff/queue?q={c}")).collect()),
        ("complaint page (random complaints)", complaint_paths),
    ];
    println!("console benchmark: {} complaints, {requests} sequential requests per case, SQLite, release build", codes.len());
    println!("  {:<50} {:>9} {:>9} {:>10}", "page", "p50 ms", "p95 ms", "HTML KB");
    let mut worst = 0.0f64;
    for (name, paths) in &cases {
        let (p50, p95, size) = time_pages(&http, &base, &cookie, paths, requests).await?;
        worst = worst.max(p95);
        println!("  {name:<50} {p50:>9.2} {p95:>9.2} {:>10.1}", size as f64 / 1024.0);
    }
    for (name, path) in [("queue page", "/staff/queue".to_owned()), ("complaint page", format!("/staff/complaints/{}", codes[0]))] {
        let html = http.get(format!("{base}{path}")).header("cookie", &cookie).send().await?.text().await?;
        let assets = asset_bytes(&http, &base, &html).await?;
        let total = html.len() + assets;
        println!(
            "  weight of the {name} without the font: {:.1} KB (HTML {:.1} + CSS/JS/icon {:.1}); target <= 100 KB: {}",
            total as f64 / 1024.0,
            html.len() as f64 / 1024.0,
            assets as f64 / 1024.0,
            if total <= 100 * 1024 { "MET" } else { "NOT MET" }
        );
    }
    println!("  worst p95 {worst:.2} ms; target <= 50 ms: {}", if worst <= 50.0 { "MET" } else { "NOT MET" });

    // The citizens' filing page, as a phone loads it.
    let citizen = samat_bench::citizen_tokens(&*server.state.store, 1).await?.remove(0);
    let html = http.get(format!("{base}/file")).header("cookie", format!("samat_citizen={citizen}")).send().await?.text().await?;
    anyhow::ensure!(html.contains("file-form"), "the filing page did not render");
    let assets = asset_bytes(&http, &base, &html).await?;
    let total = html.len() + assets;
    println!(
        "  weight of the portal's filing page without the font: {:.1} KB (HTML {:.1} + CSS/JS/icon {:.1}); target <= 150 KB: {}",
        total as f64 / 1024.0,
        html.len() as f64 / 1024.0,
        assets as f64 / 1024.0,
        if total <= 150 * 1024 { "MET" } else { "NOT MET" }
    );
    Ok(())
}

fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
