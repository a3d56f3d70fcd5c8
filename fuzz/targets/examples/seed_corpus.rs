//! Writes the seed files of every corpus under `fuzz/corpus/<target>/seed-*`: real inputs of
//! each kind (Persian and Arabic digits, ZWNJ text, stickers signed by the fuzz test key, the
//! server's own QR renders, registry rows with odd quoting, request bodies). Deterministic;
//! files that fuzzing added are left alone.
//!
//!     cargo run -p samat-fuzz-targets --example seed_corpus

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, GrayImage, ImageFormat, RgbImage};
use rand::SeedableRng;
use samat_core::model::guild;
use samat_core::model::text::persian_digits;
use samat_core::model::TrackingCode;
use samat_fuzz_targets::guild::{key, KEY_ID};
use samat_server::routes::businesses::render_qr;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let mut seeds = Seeds { root, written: 0 };
    phone(&mut seeds);
    tracking_code(&mut seeds);
    text(&mut seeds);
    guild_codes(&mut seeds);
    form_fields(&mut seeds);
    request_json(&mut seeds);
    registry_csv(&mut seeds);
    images(&mut seeds);
    scan_frame(&mut seeds);
    println!("{} seed files written", seeds.written);
}

struct Seeds {
    root: PathBuf,
    written: usize,
}

impl Seeds {
    fn put(&mut self, target: &str, name: &str, bytes: impl AsRef<[u8]>) {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).expect("corpus folder");
        std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("seed file");
        self.written += 1;
    }
}

fn phone(s: &mut Seeds) {
    for (name, text) in [
        ("national", "09121234567"),
        ("persian-digits", "۰۹۱۲۱۲۳۴۵۶۷"),
        ("arabic-digits", "٠٩١٢١٢٣٤٥٦٧"),
        ("international-brackets", "+98 (912) 123-4567"),
        ("double-zero", "00989121234567"),
        ("no-plus", "989121234567"),
        ("no-zero", "9121234567"),
        ("persian-spaced", " ۰۹۱۲ ۱۲۳ ۴۵ ۶۷ "),
        ("zwnj-separated", "۰۹۳۵\u{200C}۱۲۳\u{200C}۴۵۶۷"),
        ("mixed-scripts", "09٣٥۱23٤۵6۷"),
        ("landline", "02188776655"),
        ("trailing-letter", "+989121234567x"),
        ("too-short", "0912123456"),
    ] {
        s.put("phone", name, text);
    }
}

fn tracking_code(s: &mut Seeds) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(124);
    let code = TrackingCode::generate(&mut rng);
    let other = TrackingCode::generate(&mut rng);
    let mut typo = code.as_str().as_bytes().to_vec();
    typo[4] = if typo[4] == b'9' { b'0' } else { typo[4] + 1 };
    s.put("tracking_code", "ascii", code.as_str());
    s.put("tracking_code", "grouped", code.grouped());
    s.put("tracking_code", "persian-grouped", persian_digits(&other.grouped()));
    s.put("tracking_code", "sms-pasted", format!("  {} \u{200F}", persian_digits(other.as_str())));
    s.put("tracking_code", "typo", typo);
    s.put("tracking_code", "eleven-digits", "۱۲۳۴۵۶۷۸۹۰۱");
    s.put("tracking_code", "letters", "12345abcde");
}

fn text(s: &mut Seeds) {
    for (name, text) in [
        ("arabic-yeh-kaf", "سوپرماركت علي در كوچه\u{0649}"),
        ("zwnj-words", "می\u{200C}خواهم  کالا\u{200C}ها را \u{200C}پس بدهم\u{200C}"),
        ("tatweel-crlf", "فروشـــگاه\r\nخط دوم\r\n\r\n"),
        ("nbsp-and-controls", "قیمت\u{00A0}\u{00A0}بالا\u{0007}\u{001B}[0m\t\tتمام"),
        ("digits-three-scripts", "کد ۱۲۳ و ٤٥٦ و 789"),
        ("diacritics-alef", "آرایشگاهِ أحمد إمام ٱلف ة ۀ ؤ ئ"),
        ("latin-mixed-case", "Pars-Mobile ۱۲ İstanbul ß ǅ"),
        ("emoji-rtl-marks", "\u{200F}خیلی گران 😡\u{200E} 🇮🇷"),
        ("leading-newline", "\n\tتوضیحات"),
    ] {
        s.put("text", name, text);
    }
}

fn guild_codes(s: &mut Seeds) {
    let (signing, _) = key();
    let signed = guild::sticker_url("https://www.124.ir", "10010010011", "سوپرمارکت نمونه علی", KEY_ID, signing);
    let long = guild::sticker_url("https://www.124.ir", "12345678901234567890", "داروخانه\u{200C}ی شبانه\u{200C}روزی دکتر ـ احمدی & پسران", KEY_ID, signing);
    let other_key = guild::sticker_url("https://www.124.ir", "10010010011", "نمونه", "other-key", signing);
    let altered = signed.replace("10010010011", "10010010012");
    let scan = [
        ("signed-url", signed.as_str()),
        ("signed-long-name", long.as_str()),
        ("unknown-key", other_key.as_str()),
        ("altered-id", altered.as_str()),
        ("unsigned-persian-id", "https://www.124.ir/g/۱۰۰۱۰۰۱۰۰۱۱"),
        ("unsigned-fragment", "http://124.ir/g/123/?n=%D9%86%D8%A7%D9%85+%D9%81%D8%B1%D9%88%D8%B4%DA%AF%D8%A7%D9%87#x"),
        ("bare-id-grouped", " ۱۰۰-۱۰۰-۱۰۰۱۱ "),
        ("bad-percent", "https://www.124.ir/g/1?n=%FF%FE&k=a&s=!!"),
        ("wifi", "WIFI:S:shop;T:WPA;P:secret;;"),
    ];
    for (name, text) in scan {
        s.put("guild", name, [&[1u8][..], text.as_bytes()].concat());
    }
    for (name, text) in [("sign-name", "سوپرمارکت  نمونه علي"), ("sign-reserved", "a&b=c?d#e+f%g/h"), ("sign-empty", "")] {
        s.put("guild", name, [&[0u8][..], "10010010011".as_bytes(), text.as_bytes()].concat());
    }
}

fn form_fields(s: &mut Seeds) {
    for (name, text) in [
        ("jalali-persian", "۱۴۰۳/۰۵/۱۰"),
        ("jalali-dashes", "1403-5-1"),
        ("jalali-esfand-30", "۱۴۰۳/۱۲/۳۰"),
        ("jalali-arabic-separator", "١٤٠٢\u{060D}٠٧\u{060D}٠١"),
        ("gregorian-leap", "2024-02-29"),
        ("gregorian-dots", "2025.12.31"),
        ("province-fa", "استان خراسان رضوی"),
        ("province-arabic-letters", "كرمانشاه"),
        ("province-iso", "ir-23"),
        ("province-en", "Sistan and Baluchestan"),
        ("rials-persian", "۲٬۵۰۰٬۰۰۰"),
        ("rials-arabic-comma", "٢,٥٠٠,٠٠٠"),
        ("rials-large", "999999999999999999"),
        ("guild-id", "۱۰۰-۱۰۰-۱۰۰۱۱"),
    ] {
        s.put("form_fields", name, text);
    }
}

fn request_json(s: &mut Seeds) {
    for (name, body) in [
        (
            "complaint",
            r#"{"client_id":"3f1b6c1e-8d7a-4b7e-9a35-3f0c2b1d9e11","category":"overpricing","description":"قيمت  رب گوجه فرنگي ۲ برابر است","guild_id":"۱۰۰-۱۰۰-۱۰۰۱۱","business_name":"سوپرماركت نمونه","province":"تهران","city":"تهران","incident_date":"۱۴۰۳/۰۵/۱۰","amount_rials":2500000,"wants_compensation":true}"#,
        ),
        ("complaint-minimal", r#"{"category":"fraud","description":"x"}"#),
        (
            "complaint-bad-fields",
            r#"{"category":"nope","description":" \u200c ","guild_id":"12a","incident_date":"2999-01-01","amount_rials":-1,"province":"atlantis"}"#,
        ),
        ("staff-intake", r#"{"phone":"۰۹۱۲۱۲۳۴۵۶۷","channel":"phone","category":"hoarding","description":"احتکار برنج","amount_rials":1000000000000000}"#),
        ("transition-verdict", r#"{"to":"verdict","note":"رای صادر شد","details":{"violation":true,"penalty_rials":50000000,"compensation_rials":2500000}}"#),
        ("transition-odd-details", r#"{"to":"inspection","internal_note":null,"details":[1.5e300,-0.0,{"a":[]}]}"#),
        ("note", r#"{"note":"تماس گرفته شد","visible_to_citizen":true}"#),
        ("assign", r#"{"action":"hand_to","assignee":9223372036854775807}"#),
        ("province", r#"{"province":"IR-07"}"#),
        ("decision", r#"{"accept":false,"note":"راضی نیستم","action_id":"not-a-uuid"}"#),
        ("withdraw", r#"{"note":"توافق شد","action_id":"6a2f41a3-c54c-fce8-32d2-0324e1c32e22"}"#),
        ("feedback", r#"{"rating":5,"comment":"ممنون","escalate":false}"#),
        ("otp", r#"{"phone":"+98 912 123 4567"}"#),
        ("verify", r#"{"phone":"09121234567","code":"۴۸۳۹۲۰"}"#),
        ("staff-login", r#"{"username":"operator","password":"demo"}"#),
        (
            "push-unifiedpush",
            r#"{"kind":"unifiedpush","endpoint":"https://push.example.org/up/abc?x=1","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"}}"#,
        ),
        ("push-private-endpoint", r#"{"kind":"unifiedpush","endpoint":"https://[::ffff:10.0.0.1]:8443/","keys":{"p256dh":"","auth":"AAAA"}}"#),
        ("push-fcm", r#"{"kind":"fcm","token":"dQw4w9WgXcQ:APA91bH"}"#),
        ("push-apns", r#"{"kind":"apns","token":" 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef "}"#),
    ] {
        s.put("request_json", name, body);
    }
}

fn registry_csv(s: &mut Seeds) {
    let bom = "\u{FEFF}";
    for (name, file) in [
        (
            "bom-crlf-quoted",
            format!(
                "{bom}guild_id,name,guild,licence_no,licence_status,province,city,address\r\n\
                 ۱۰۰۱۰۰۱۰۰۱۱,\"سوپرماركت نمونه, شعبه ۲\",خواربار,۱۲۳۴۵,فعال,تهران,تهران,\"خیابان \"\"آزادی\"\"\r\nپلاک ۱\"\r\n\
                 10010010012,داروخانه\u{200C}ی شبانه\u{200C}روزی,داروخانه,,تعلیق شده,استان فارس,شیراز,\r\n"
            ),
        ),
        ("license-spelling-reordered", "City, Name ,License-Status,GUILD ID,extra\nتبریز,نانوایی,expired,200,x\nمشهد,قصابی,revoked,201,y\n,,,,\n".to_owned()),
        ("bad-rows", "guild_id,name\n12a,x\n123456789012345678901,y\n300,\n301,a,b\n302,\"unterminated\n".to_owned()),
        ("duplicate-columns", "name,guild_id,name\nالف,1,ب\nالف,1,ب\n".to_owned()),
        ("mac-line-endings", "guild_id,name\r1,a\r2,b\r".to_owned()),
        ("no-required-column", "id,title\n1,a\n".to_owned()),
        ("header-only", "guild_id,name".to_owned()),
    ] {
        s.put("registry_csv", name, file);
    }
    s.put("registry_csv", "not-utf8", b"guild_id,name\n1,\xff\xfe\xe9\n2,ok\n");
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    // The GIF encoder takes RGBA only.
    let img = if format == ImageFormat::Gif { &DynamicImage::ImageRgba8(img.to_rgba8()) } else { img };
    img.write_to(&mut Cursor::new(&mut out), format).expect("an image encodes");
    out
}

/// A JPEG with an EXIF block saying "rotate 90°" (orientation 6) and a GPS-like tag.
fn jpeg_with_exif(img: &DynamicImage) -> Vec<u8> {
    let jpeg = encode(&DynamicImage::ImageRgb8(img.to_rgb8()), ImageFormat::Jpeg);
    // TIFF header (little endian), one IFD entry: Orientation (0x0112) SHORT 1 = 6.
    let tiff: [u8; 26] = [b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn images(s: &mut Seeds) {
    let (signing, _) = key();
    let sticker = guild::sticker_url("https://www.124.ir", "10010010011", "نمونه", KEY_ID, signing);
    let qr = image::load_from_memory(&render_qr(&sticker, 2).expect("render")).expect("the render decodes");
    let small_qr = image::load_from_memory(&render_qr("https://www.124.ir/g/1", 3).expect("render")).expect("the render decodes");
    let photo = DynamicImage::ImageRgb8(RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])));
    let wide = DynamicImage::ImageLuma8(GrayImage::from_fn(2000, 60, |x, y| image::Luma([((x + y) % 256) as u8])));
    let mut inverted = small_qr.to_luma8();
    image::imageops::invert(&mut inverted);

    s.put("photo", "gradient.png", encode(&photo, ImageFormat::Png));
    s.put("photo", "exif-rotated.jpg", jpeg_with_exif(&photo));
    s.put("photo", "gradient.gif", encode(&photo, ImageFormat::Gif));
    s.put("photo", "gradient.webp", encode(&photo, ImageFormat::WebP));
    s.put("photo", "wide-downscaled.png", encode(&wide, ImageFormat::Png));
    s.put("photo", "sticker-qr.png", render_qr("https://www.124.ir/g/1", 2).expect("render"));
    s.put("photo", "tiff-header-refused", b"II*\0\x08\0\0\0\x01\0\0\x01\x03\0\x01\0\0\0\x40\0\0\0");

    s.put("scan_image", "sticker-signed.png", encode(&qr, ImageFormat::Png));
    s.put("scan_image", "sticker-signed.jpg", encode(&DynamicImage::ImageRgb8(qr.to_rgb8()), ImageFormat::Jpeg));
    s.put("scan_image", "sticker.gif", encode(&small_qr, ImageFormat::Gif));
    s.put("scan_image", "sticker.webp", encode(&small_qr, ImageFormat::WebP));
    s.put("scan_image", "inverted.png", encode(&DynamicImage::ImageLuma8(inverted), ImageFormat::Png));
    s.put("scan_image", "no-code.png", encode(&photo, ImageFormat::Png));
    s.put("scan_image", "exif-rotated.jpg", jpeg_with_exif(&small_qr));
}

/// The module grid of `text`'s QR code as [`samat_fuzz_targets::scan_frame`]'s module mode
/// reads it (a code of more than 61 modules is not representable and is skipped).
fn module_frame(text: &str, level: qrcode::EcLevel, scale: u8, quiet: u8, inverted: bool) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), level).ok()?;
    let n = code.width();
    if n > 61 {
        return None;
    }
    let mut out = vec![1 | if inverted { 2 } else { 0 }, scale - 1, quiet, ((n - 21) / 4) as u8];
    let mut bits = vec![0u8; (n * n).div_ceil(8)];
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            bits[i / 8] |= 0x80 >> (i % 8);
        }
    }
    out.extend(bits);
    Some(out)
}

fn scan_frame(s: &mut Seeds) {
    let (signing, _) = key();
    let sticker = guild::sticker_url("https://www.124.ir", "10010010011", "نمونه", KEY_ID, signing);
    let frames = [
        ("modules-sticker", module_frame(&sticker, qrcode::EcLevel::L, 3, 4, false)),
        ("modules-bare-id-tight", module_frame("10010010011", qrcode::EcLevel::H, 2, 0, false)),
        ("modules-persian-inverted", module_frame("سلام ۱۲۴", qrcode::EcLevel::M, 4, 2, true)),
        ("modules-url-v2", module_frame("https://www.124.ir/g/1", qrcode::EcLevel::Q, 3, 4, false)),
    ];
    for (name, frame) in frames {
        s.put("scan_frame", name, frame.expect("fits the module mode"));
    }
    // A real render's pixels, rows padded by 3 bytes, as a camera hands them out.
    let render = image::load_from_memory(&render_qr("https://www.124.ir/g/1", 2).expect("render")).expect("decodes").to_luma8();
    let (w, h) = render.dimensions();
    let mut raw = vec![0u8, (w - 1) as u8, 3];
    for y in 0..h {
        raw.extend((0..w).map(|x| render.get_pixel(x, y).0[0]));
        if y + 1 < h {
            raw.extend([128; 3]);
        }
    }
    s.put("scan_frame", "raw-render-padded", raw);
    s.put("scan_frame", "raw-noise", (0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect::<Vec<_>>());
    let declare =
        |w: u16, h: u16, stride: u16, pixels: usize| [&[4u8][..], &w.to_le_bytes(), &h.to_le_bytes(), &stride.to_le_bytes(), &vec![200u8; pixels]].concat();
    s.put("scan_frame", "declared-short-last-row", declare(10, 10, 12, 12 * 9 + 10));
    s.put("scan_frame", "declared-buffer-too-short", declare(10, 10, 12, 12 * 9 + 9));
    s.put("scan_frame", "declared-stride-below-width", declare(10, 10, 9, 100));
    s.put("scan_frame", "declared-huge", declare(u16::MAX, u16::MAX, u16::MAX, 16));
}
