//! E-mail to the 124 mailbox, end to end: a real Dovecot on loopback (tests/src/dovecot.rs),
//! messages delivered into it by IMAP APPEND, and the real server reading it over TLS with
//! the test CA. A message naming a phone (Persian digits) is filed and the phone gets the
//! tracking code by SMS; HTML is read as text; an image becomes a re-encoded photo; a reply
//! in the thread becomes a note for staff; a message without a phone waits in triage until an
//! operator files it; the same message seen twice, or again after a restart, is handled once.

use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::StatusCode;
use samat_tests::dovecot::Dovecot;
use samat_tests::{Api, Server, Sms};
use serde_json::{json, Value};

fn b64(bytes: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    text.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\r\n")
}

fn subject(s: &str) -> String {
    format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(s.as_bytes()))
}

/// A single-part message with `extra` headers (each ending in CRLF).
fn message(id: &str, from: &str, subj: &str, extra: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    format!(
        "Message-ID: <{id}>\r\nFrom: {from}\r\nTo: 124@samat.ir\r\nSubject: {}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0330\r\n{extra}MIME-Version: 1.0\r\n\
         Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        subject(subj),
        b64(body)
    )
    .into_bytes()
}

fn plain(id: &str, from: &str, subj: &str, text: &str) -> Vec<u8> {
    message(id, from, subj, "", "text/plain; charset=utf-8", text.as_bytes())
}

fn server(mailbox: &Dovecot) -> Server {
    let flags = mailbox.server_flags();
    Server::start(env!("CARGO_BIN_EXE_e2e-server"), &flags.iter().map(String::as_str).collect::<Vec<_>>())
}

fn sms_to(srv: &Server, phone: &str) -> Vec<Sms> {
    srv.sms().into_iter().filter(|s| s.to == phone).collect()
}

fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 10).expect("a tracking code").to_owned()
}

/// Waits for `n` SMS to `phone` matching `pred`; then until the mailbox holds nothing unseen
/// (every message handled: the server flags or moves one only after recording it) and the
/// outbox is empty. An SMS that should not exist would be there by then: no sleep.
async fn exactly(srv: &Server, mailbox: &Dovecot, phone: &str, n: usize, pred: impl Fn(&Sms) -> bool) -> Vec<Sms> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got: Vec<Sms> = sms_to(srv, phone).into_iter().filter(&pred).collect();
        if got.len() >= n {
            wait_unseen(mailbox, 0).await;
            srv.settled().await;
            let got: Vec<Sms> = sms_to(srv, phone).into_iter().filter(&pred).collect();
            assert_eq!(got.len(), n, "{got:?}");
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} SMS to {phone}; got {:?}\nserver log:\n{}\ndovecot:\n{}",
            sms_to(srv, phone),
            std::fs::read_to_string(srv.log_path()).unwrap_or_default(),
            mailbox.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the triage list holds an item matching `pred`.
async fn in_triage(srv: &Server, operator: &Api, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (st, list) = operator.get("/v1/staff/inbound").await;
        assert_eq!(st, StatusCode::OK, "{list}");
        if let Some(item) = list.as_array().unwrap().iter().find(|i| pred(i)) {
            return item.clone();
        }
        assert!(Instant::now() < deadline, "not in triage: {list}\n{}", std::fs::read_to_string(srv.log_path()).unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn complaint(staff: &Api, code: &str) -> Value {
    let (st, c) = staff.get(&format!("/v1/staff/complaints/{code}")).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    c
}

async fn wait_unseen(mailbox: &Dovecot, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while mailbox.unseen().await != n {
        assert!(Instant::now() < deadline, "messages left unseen: {}", mailbox.unseen().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn mail_naming_a_phone_is_filed_html_and_images_included_and_a_reply_is_a_note() {
    let mailbox = Dovecot::start();
    let srv = server(&mailbox);
    let supervisor = srv.staff("supervisor").await;

    // Plain text, the phone in Persian digits: filed, the tracking code goes by SMS.
    let first = plain("first@example.com", "Ali Rezaei <Ali.Rezaei@Example.com>", "شکایت از نانوایی", "نانوایی سر کوچه فاکتور نداد.\nشماره من ۰۹۱۲۱۱۸۸۰۰۱ است");
    mailbox.deliver(&first).await;
    let filed = exactly(&srv, &mailbox, "+989121188001", 1, |s| s.text.contains("شکایت شما")).await;
    let code = code_in(&filed[0].text);
    let c = complaint(&supervisor, &code).await;
    assert_eq!((c["channel"].as_str(), c["category"].as_str()), (Some("email"), Some("no_invoice")), "{c}");
    assert_eq!(c["email_from"], "ali.rezaei@example.com", "{c}");
    assert!(c["description"].as_str().unwrap().contains("فاکتور نداد"), "{c}");
    wait_unseen(&mailbox, 0).await;

    // HTML only: read as text.
    let html = "<html><body><p>فروشگاه <b>میوه</b> را خیلی گران فروخت</p><p>تماس: 09121188002</p></body></html>";
    mailbox.deliver(&message("html@example.com", "reza@example.com", "گرانفروشی", "", "text/html; charset=utf-8", html.as_bytes())).await;
    let filed = exactly(&srv, &mailbox, "+989121188002", 1, |s| s.text.contains("شکایت شما")).await;
    let c = complaint(&supervisor, &code_in(&filed[0].text)).await;
    let description = c["description"].as_str().unwrap();
    assert!(description.contains("گران فروخت") && !description.contains('<'), "{c}");
    assert_eq!(c["category"], "pricing_violation");

    // An image attachment: kept as the complaint's photo, re-encoded as a JPEG.
    let original = png(64, 48);
    let boundary = "b0undary";
    let body = format!(
        "--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Type: image/png; name=\"shelf.png\"\r\nContent-Disposition: attachment; filename=\"shelf.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}--\r\n",
        b64("اجناس این مغازه برچسب قیمت ندارد. عکس پیوست است. ۰۹۱۲۱۱۸۸۰۰۳".as_bytes()),
        b64(&original)
    );
    let with_image = format!(
        "Message-ID: <photo@example.com>\r\nFrom: sara@example.com\r\nTo: 124@samat.ir\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n{body}",
        subject("بدون برچسب قیمت")
    );
    mailbox.deliver(with_image.as_bytes()).await;
    let filed = exactly(&srv, &mailbox, "+989121188003", 1, |s| s.text.contains("شکایت شما")).await;
    let photo_code = code_in(&filed[0].text);
    let deadline = Instant::now() + Duration::from_secs(10);
    let photos = loop {
        let c = complaint(&supervisor, &photo_code).await;
        if c["photos"].as_array().is_some_and(|p| !p.is_empty()) || Instant::now() > deadline {
            break c["photos"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(photos.as_array().map(Vec::len), Some(1), "{photos}");
    assert_eq!(photos[0]["content_type"], "image/jpeg");
    let resp = supervisor
        .http()
        .get(format!("{}/v1/staff/complaints/{photo_code}/photos/{}", srv.url, photos[0]["photo_id"].as_str().unwrap()))
        .bearer_auth(supervisor.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let stored = resp.bytes().await.unwrap();
    assert!(stored.starts_with(&[0xFF, 0xD8]), "re-encoded as JPEG, not the PNG sent");
    assert_eq!(image::load_from_memory(&stored).unwrap().width(), 64);

    // A reply in the first message's thread: a note for staff, not a new complaint.
    let reply = plain(
        "reply@example.com",
        "ali.rezaei@example.com",
        "Re: شکایت از نانوایی",
        "فاکتور را هنوز نداده‌اند، لطفا پیگیری کنید.\n> نانوایی سر کوچه فاکتور نداد.",
    );
    let reply =
        String::from_utf8(reply).unwrap().replace("MIME-Version", "In-Reply-To: <first@example.com>\r\nReferences: <first@example.com>\r\nMIME-Version");
    mailbox.deliver(reply.as_bytes()).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let note = loop {
        let c = complaint(&supervisor, &code).await;
        if let Some(e) = c["events"].as_array().unwrap().iter().find(|e| e["internal_note"].as_str().is_some_and(|n| n.contains("هنوز نداده"))) {
            break e.clone();
        }
        assert!(Instant::now() < deadline, "no note from the reply: {c}\n{}", std::fs::read_to_string(srv.log_path()).unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(note["kind"], "note", "{note}");
    let text = note["internal_note"].as_str().unwrap();
    assert!(text.contains("ali.rezaei@example.com") && !text.contains("> نانوایی"), "{text}");
    // The citizen does not see it, and nothing new was filed or texted.
    let citizen = srv.citizen("09121188001").await;
    let (_, mine) = citizen.get("/v1/complaints").await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let (_, seen) = citizen.get(&format!("/v1/complaints/{code}")).await;
    assert!(!seen.to_string().contains("هنوز نداده"), "{seen}");
    exactly(&srv, &mailbox, "+989121188001", 1, |s| s.text.contains("شکایت")).await;

    // The tracking code in a subject threads a message too, from the address that filed it;
    // a stranger naming the code writes a message of its own (it waits for an operator).
    mailbox.deliver(&plain("stranger@example.com", "other@example.com", &format!("درباره {code}"), "متن یک غریبه درباره این شکایت")).await;
    mailbox.deliver(&plain("bycode@example.com", "ali.rezaei@example.com", &format!("درباره {code}"), "یک مدرک دیگر هم دارم")).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !complaint(&supervisor, &code).await.to_string().contains("یک مدرک دیگر") {
        assert!(Instant::now() < deadline, "no note from the subject's code");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_unseen(&mailbox, 0).await;
    assert!(!complaint(&supervisor, &code).await.to_string().contains("غریبه"), "a stranger's mail is no note on it");
    let (_, waiting) = srv.staff("operator").await.get("/v1/staff/inbound").await;
    assert!(waiting.as_array().unwrap().iter().any(|m| m["text"].as_str().is_some_and(|t| t.contains("غریبه"))), "{waiting}");
}

#[tokio::test]
async fn mail_without_a_phone_waits_in_triage_and_an_operator_files_it() {
    let mailbox = Dovecot::start();
    let srv = server(&mailbox);
    let operator = srv.staff("operator").await;
    mailbox.deliver(&plain("nophone@example.com", "Maryam <maryam@example.com>", "احتکار", "عمده‌فروش محله روغن را احتکار کرده است")).await;
    let item = in_triage(&srv, &operator, |i| i["from"] == "maryam@example.com").await;
    assert_eq!((item["channel"].as_str(), item["reason"].as_str(), item["subject"].as_str()), (Some("email"), Some("no_phone"), Some("احتکار")), "{item}");
    assert!(item["text"].as_str().unwrap().contains("احتکار کرده"), "{item}");

    // Junk: no text at all, binary only.
    let junk = message("junk@example.com", "bot@example.com", "x", "", "application/octet-stream", &[0u8, 1, 2, 3, 255, 254, 0, 7]);
    mailbox.deliver(&junk).await;
    let junk = in_triage(&srv, &operator, |i| i["from"] == "bot@example.com").await;
    assert_eq!(junk["reason"], "no_text", "{junk}");

    // Filed by the operator, who called the sender back for a phone.
    let id = item["id"].as_i64().unwrap();
    let (st, refused) = operator.post(&format!("/v1/staff/inbound/{id}/file"), json!({"category": "hoarding"})).await;
    assert_eq!((st, refused["code"].as_str()), (StatusCode::CONFLICT, Some("no_phone")), "{refused}");
    let (st, bad) = operator.post(&format!("/v1/staff/inbound/{id}/file"), json!({"category": "hoarding", "phone": "021-555"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (st, filed) = operator.post(&format!("/v1/staff/inbound/{id}/file"), json!({"category": "hoarding", "phone": "۰۹۱۲۱۱۸۸۰۰۴"})).await;
    assert_eq!(st, StatusCode::CREATED, "{filed}");
    let code = filed["tracking_code"].as_str().unwrap();
    srv.wait_sms("+989121188004", |s| s.text.contains(code)).await;
    let c = complaint(&operator, code).await;
    assert_eq!((c["channel"].as_str(), c["email_from"].as_str()), (Some("email"), Some("maryam@example.com")), "{c}");
    assert!(c["description"].as_str().unwrap().contains("احتکار کرده"), "{c}");
    let (st, again) = operator.post(&format!("/v1/staff/inbound/{id}/file"), json!({"category": "hoarding", "phone": "09121188004"})).await;
    assert_eq!((st, again["code"].as_str()), (StatusCode::CONFLICT, Some("inbound_handled")), "{again}");
}

#[tokio::test]
async fn a_message_seen_twice_or_again_after_a_restart_is_handled_once() {
    let mailbox = Dovecot::start();
    let mut srv = server(&mailbox);
    let phone = "+989121188005";
    let text = "سیگار قاچاق در دکه روزنامه فروشی. تلفن ۰۹۱۲۱۱۸۸۰۰۵";
    // The same message delivered twice (a client that sent it twice, a forward).
    mailbox.deliver(&plain("twice@example.com", "hamid@example.com", "قاچاق", text)).await;
    mailbox.deliver(&plain("twice@example.com", "hamid@example.com", "قاچاق", text)).await;
    exactly(&srv, &mailbox, phone, 1, |s| s.text.contains("شکایت شما")).await;
    wait_unseen(&mailbox, 0).await;

    // The reader died before flagging them: after a restart they are read again, and a
    // message without a Message-ID (known by its UID) arrives too.
    mailbox.mark_all_unseen().await;
    srv.restart();
    let no_id = String::from_utf8(plain("x", "hamid@example.com", "تقلب", "تقلب در وزن گوشت قصابی. ۰۹۱۲۱۱۸۸۰۰۶")).unwrap().replace("Message-ID: <x>\r\n", "");
    mailbox.deliver(no_id.as_bytes()).await;
    exactly(&srv, &mailbox, "+989121188006", 1, |s| s.text.contains("شکایت شما")).await;
    wait_unseen(&mailbox, 0).await;
    mailbox.mark_all_unseen().await;
    srv.restart();
    wait_unseen(&mailbox, 0).await;
    exactly(&srv, &mailbox, phone, 1, |s| s.text.contains("شکایت شما")).await;
    exactly(&srv, &mailbox, "+989121188006", 1, |s| s.text.contains("شکایت شما")).await;
    let citizen = srv.citizen("09121188005").await;
    let (_, list) = citizen.get("/v1/complaints").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn a_mailbox_that_refuses_the_login_is_retried_and_the_server_keeps_serving() {
    let mailbox = Dovecot::start();
    let flags: Vec<String> =
        mailbox.server_flags().into_iter().map(|f| if f == samat_tests::dovecot::PASSWORD { "pw-not-this-one-93".into() } else { f }).collect();
    let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &flags.iter().map(String::as_str).collect::<Vec<_>>());
    mailbox.deliver(&plain("waiting@example.com", "a@example.com", "x", "فاکتور نداد ۰۹۱۲۱۱۸۸۰۰۷")).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(srv.log_path()).unwrap_or_default().contains("could not read the IMAP mailbox") {
        assert!(Instant::now() < deadline, "no log line about the mailbox");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(srv.log_path()).unwrap();
    assert!(log.contains("login refused") && !log.contains("pw-not-this-one-93"), "the reason, never the password: {log}");
    assert_eq!(Api::new(&srv.url, None).get("/healthz").await.0, StatusCode::OK);
    assert_eq!(mailbox.unseen().await, 1, "nothing read");
    assert!(sms_to(&srv, "+989121188007").is_empty());
}

#[tokio::test]
async fn handled_mail_is_moved_to_the_done_folder_when_one_is_set() {
    let mailbox = Dovecot::start();
    {
        let mut session = mailbox.session().await;
        session.create("Handled").await.unwrap_or_else(|e| panic!("CREATE: {e}\n{}", mailbox.logs()));
        session.logout().await.ok();
    }
    let mut flags = mailbox.server_flags();
    flags.extend(["--imap-done-folder".to_owned(), "Handled".to_owned()]);
    let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &flags.iter().map(String::as_str).collect::<Vec<_>>());
    mailbox.deliver(&plain("moved@example.com", "reza@example.com", "گران‌فروشی", "میوه‌فروشی گران فروخت. شماره من ۰۹۱۲۱۱۸۸۰۷۰")).await;
    exactly(&srv, &mailbox, "+989121188070", 1, |s| s.text.contains("شکایت شما")).await;
    // Gone from the inbox, kept in the folder, flagged as read.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut session = mailbox.session().await;
        let inbox = session.select("INBOX").await.expect("select INBOX").exists;
        let done = session.select("Handled").await.expect("select Handled");
        let seen = session.uid_search("SEEN").await.expect("search").len();
        session.logout().await.ok();
        if inbox == 0 && done.exists == 1 {
            assert_eq!(seen, 1, "moved and flagged \\Seen");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not moved: INBOX {inbox}, Handled {}\n{}",
            done.exists,
            std::fs::read_to_string(srv.log_path()).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
