//! The guild barcode end to end: the server issues a sticker PNG, the core scans it — as
//! printed, and after what a phone camera does to it — and identifies the business, verified;
//! altered stickers, foreign keys, bare IDs and unsigned URLs are read for what they are.

use image::{DynamicImage, GrayImage, ImageFormat, Luma};
use reqwest::StatusCode;
use samat_core::client::scanning::ScannedCode;
use samat_core::Client;
use samat_tests::Server;

const SHOP: &str = "10010010011";

async fn sticker(srv: &Server) -> DynamicImage {
    let staff = srv.staff("operator").await;
    let resp = staff.http().get(format!("{}/v1/businesses/{SHOP}/qr.png", srv.url)).bearer_auth(staff.token.as_ref().unwrap()).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    image::load_from_memory(&resp.bytes().await.unwrap()).unwrap()
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => {
            let rgb = img.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 55).encode_image(&rgb).unwrap();
        }
        f => img.write_to(&mut out, f).unwrap(),
    }
    out.into_inner()
}

/// Rotates by `degrees` about the centre onto a white canvas (bilinear), as a tilted phone sees it.
fn rotate(img: &GrayImage, degrees: f32) -> GrayImage {
    let (w, h) = img.dimensions();
    let diag = ((w * w + h * h) as f32).sqrt().ceil() as u32;
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (ox, oy) = (diag as f32 / 2.0, diag as f32 / 2.0);
    let (s, c) = degrees.to_radians().sin_cos();
    GrayImage::from_fn(diag, diag, |x, y| {
        let (dx, dy) = (x as f32 - ox, y as f32 - oy);
        let (sx, sy) = (c * dx + s * dy + cx, -s * dx + c * dy + cy);
        if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f32 || sy >= (h - 1) as f32 {
            return Luma([255]);
        }
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
        let p = |x: u32, y: u32| img.get_pixel(x, y)[0] as f32;
        let v = p(x0, y0) * (1.0 - fx) * (1.0 - fy) + p(x0 + 1, y0) * fx * (1.0 - fy) + p(x0, y0 + 1) * (1.0 - fx) * fy + p(x0 + 1, y0 + 1) * fx * fy;
        Luma([v.round() as u8])
    })
}

fn qr_png(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::H).unwrap();
    let n = code.width();
    let colors = code.to_colors();
    let scale = 6;
    let quiet = 4;
    let size = ((n + 2 * quiet) * scale) as u32;
    let img = GrayImage::from_fn(size, size, |x, y| {
        let (mx, my) = ((x as usize / scale).wrapping_sub(quiet), (y as usize / scale).wrapping_sub(quiet));
        let dark = mx < n && my < n && colors[my * n + mx] == qrcode::Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    });
    encode(&DynamicImage::ImageLuma8(img), ImageFormat::Png)
}

fn the_guild(codes: &[ScannedCode]) -> &samat_core::client::scanning::GuildCode {
    assert_eq!(codes.len(), 1, "{codes:?}");
    codes[0].guild.as_ref().expect("a guild code")
}

#[tokio::test]
async fn a_server_issued_sticker_is_identified_and_verified_through_camera_damage() {
    let srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    let keys = client.refresh_keys().await.unwrap();
    assert!(!keys.is_empty());
    let printed = sticker(&srv).await;
    let gray = printed.to_luma8();

    let mut variants: Vec<(String, Vec<u8>)> = vec![
        ("png as issued".into(), encode(&printed, ImageFormat::Png)),
        ("jpeg q55".into(), encode(&printed, ImageFormat::Jpeg)),
        ("scaled 0.5".into(), encode(&printed.resize(printed.width() / 2, printed.height() / 2, image::imageops::FilterType::Triangle), ImageFormat::Png)),
        (
            "scaled 1.7".into(),
            encode(&printed.resize(printed.width() * 17 / 10, printed.height() * 17 / 10, image::imageops::FilterType::Triangle), ImageFormat::Jpeg),
        ),
        ("rotated 90".into(), encode(&printed.rotate90(), ImageFormat::Png)),
        ("rotated 180".into(), encode(&printed.rotate180(), ImageFormat::Jpeg)),
        ("blurred".into(), encode(&DynamicImage::ImageLuma8(image::imageops::blur(&gray, 1.2)), ImageFormat::Jpeg)),
        ("webp".into(), encode(&printed, ImageFormat::WebP)),
    ];
    for angle in [17.0f32, 33.0, -52.0] {
        variants.push((format!("rotated {angle}"), encode(&DynamicImage::ImageLuma8(rotate(&gray, angle)), ImageFormat::Jpeg)));
    }
    let mut expected_text = None;
    for (what, bytes) in &variants {
        let codes = client.scan_image(bytes.clone()).await.unwrap_or_else(|e| panic!("{what}: {e}"));
        let g = the_guild(&codes);
        assert_eq!(g.guild_id, SHOP, "{what}");
        assert!(g.verified, "{what}: {g:?}");
        assert_eq!(g.name.as_deref(), Some("سوپرمارکت نمونه"), "{what}");
        let text = codes[0].text.clone();
        assert_eq!(expected_text.get_or_insert(text.clone()), &text, "{what}: same text every time");
    }
    // As a camera luma plane with row padding (stride > width); corners come back in frame pixels.
    let (w, h) = gray.dimensions();
    let stride = w + 48;
    let mut frame = vec![0u8; (stride * h) as usize];
    for y in 0..h {
        frame[(y * stride) as usize..(y * stride + w) as usize].copy_from_slice(&gray.as_raw()[(y * w) as usize..((y + 1) * w) as usize]);
    }
    let codes = client.scan_frame(frame, w, h, stride).await.unwrap();
    assert!(the_guild(&codes).verified);
    for [x, y] in codes[0].corners {
        assert!(x >= 0.0 && x <= w as f32 && y >= 0.0 && y <= h as f32, "corner ({x}, {y}) outside the {w}x{h} frame");
    }
    // Offline: the cached keys still verify; the draft carries the business.
    drop(srv);
    let codes = client.scan_image(variants[0].1.clone()).await.unwrap();
    let guild = the_guild(&codes).clone();
    assert!(guild.verified);
    let draft = client.draft_from_scan(&guild).await.unwrap();
    assert_eq!(draft.fields.guild_id.as_deref(), Some(SHOP));
    assert_eq!(draft.fields.business_name.as_deref(), Some("سوپرمارکت نمونه"));

    // One character of the ID or of the name changed and re-encoded: unverified, name dropped.
    let text = expected_text.unwrap();
    let other_id = text.replacen(SHOP, "10010010019", 1);
    let other_name = text.replacen("%D9%86%D9%85%D9%88%D9%86%D9%87", "%D9%86%D9%85%D9%88%D9%86%D9%87%D9%87", 1);
    assert_ne!(other_name, text, "the name is percent-encoded in the sticker URL");
    for (what, altered, id) in [("id", other_id, "10010010019"), ("name", other_name, SHOP)] {
        let g = the_guild(&client.scan_image(qr_png(&altered)).await.unwrap()).clone();
        assert!(!g.verified, "altered {what} must not verify");
        assert_eq!((g.guild_id.as_str(), g.reason.as_deref(), g.name.as_deref()), (id, Some("bad_signature"), None), "{what}");
    }
    // A bare ID (Persian digits) and the URL without a signature are unverified guild codes.
    let bare = the_guild(&client.scan_image(qr_png("۱۰۰۱۰۰۱۰۰۱۱")).await.unwrap()).clone();
    assert_eq!((bare.guild_id.as_str(), bare.verified, bare.reason.as_deref()), (SHOP, false, Some("unsigned")));
    let unsigned_url = text.split('?').next().unwrap().to_owned();
    let plain = the_guild(&client.scan_image(qr_png(&unsigned_url)).await.unwrap()).clone();
    assert_eq!((plain.guild_id.as_str(), plain.verified, plain.reason.as_deref()), (SHOP, false, Some("unsigned")));
    // Something that is not a guild code is returned with its text, not as an error.
    let other = client.scan_image(qr_png("WIFI:S:shop;T:WPA;P:secret;;")).await.unwrap();
    assert_eq!(other.len(), 1);
    assert!(other[0].guild.is_none());
    assert_eq!(other[0].text, "WIFI:S:shop;T:WPA;P:secret;;");
}

#[tokio::test]
async fn a_sticker_signed_by_an_unknown_key_is_unverified() {
    // Two ministries' servers: stickers of one are not trusted by clients of the other.
    let issuer = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let other = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &other.url).await.unwrap();
    client.refresh_keys().await.unwrap();
    let png = encode(&sticker(&issuer).await, ImageFormat::Png);
    let g = the_guild(&client.scan_image(png).await.unwrap()).clone();
    assert!(!g.verified);
    assert!(matches!(g.reason.as_deref(), Some("unknown_key") | Some("bad_signature")), "{g:?}");
    assert_eq!(g.name, None);
}

#[tokio::test]
async fn hostile_frames_are_errors_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), "http://127.0.0.1:9").await.unwrap();
    assert_eq!(client.scan_frame(vec![0; 10], 100, 100, 100).await.unwrap_err().code(), "validation_failed");
    assert_eq!(client.scan_frame(vec![0; 100], 10, 10, 5).await.unwrap_err().code(), "validation_failed");
    assert_eq!(client.scan_image(b"definitely not an image".to_vec()).await.unwrap_err().code(), "invalid_photo");
    assert!(client.scan_frame(vec![128; 640 * 480], 640, 480, 640).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_app_that_only_syncs_verifies_stickers_and_names_shops_offline() {
    let mut srv = Server::start(env!("CARGO_BIN_EXE_e2e-server"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &srv.url).await.unwrap();
    assert!(client.guild_keys().await.unwrap().is_empty());
    srv.login_client(&client, "09124440077").await;
    // The app never asks for keys: its sync keeps them fresh.
    client.sync().await.unwrap();
    assert!(!client.guild_keys().await.unwrap().is_empty(), "the first sync fetches the sticker keys");
    assert!(client.lookup_business(SHOP).await.unwrap().is_some());
    let png = encode(&sticker(&srv).await, ImageFormat::Png);
    srv.kill();
    // In the shop, no signal: the sticker verifies and a bare ID is named from the registry.
    let g = the_guild(&client.scan_image(png).await.unwrap()).clone();
    assert!(g.verified, "{g:?}");
    assert_eq!(g.registry_name.as_deref(), Some("سوپرمارکت نمونه"));
    let bare = the_guild(&client.scan_image(qr_png("۱۰۰۱۰۰۱۰۰۱۱")).await.unwrap()).clone();
    assert_eq!((bare.verified, bare.name.as_deref(), bare.registry_name.as_deref()), (false, None, Some("سوپرمارکت نمونه")));
    let unknown = the_guild(&client.scan_image(qr_png("۱۲۳۴۵۶۷")).await.unwrap()).clone();
    assert_eq!((unknown.guild_id.as_str(), unknown.registry_name.as_deref()), ("1234567", None));
    // A sync while offline does not lose the cached keys.
    assert!(client.sync().await.is_err());
    assert!(!client.guild_keys().await.unwrap().is_empty());
}
