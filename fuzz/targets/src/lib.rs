//! The fuzz targets of Samat, as plain functions.
//!
//! Each `pub fn <target>(data: &[u8])` feeds arbitrary bytes to one piece of code that takes
//! untrusted input and asserts what must hold for *any* input: it never panics, and what it
//! accepts has the properties the rest of the system relies on (a parsed phone re-parses to
//! itself, normalised text is a fixed point, an accepted photo is a small JPEG, ...). A
//! failed assertion is a panic, which is what a fuzzer reports.
//!
//! `fuzz/fuzz_targets/<target>.rs` wraps each function for libFuzzer (nightly, `cargo fuzz`);
//! `tests/corpus.rs` replays every file of `fuzz/corpus/<target>/` through it as an ordinary
//! test, which is how CI runs them. Every target caps its input so one execution stays cheap.

pub mod form_fields;
pub mod guild;
pub mod phone;
pub mod photo;
pub mod registry_csv;
pub mod request_json;
pub mod scan_frame;
pub mod scan_image;
pub mod text;
pub mod tracking_code;

pub use form_fields::form_fields;
pub use guild::guild;
pub use phone::phone;
pub use photo::photo;
pub use registry_csv::registry_csv;
pub use request_json::request_json;
pub use scan_frame::scan_frame;
pub use scan_image::scan_image;
pub use text::text;
pub use tracking_code::tracking_code;

/// A fuzz target: takes any bytes, panics only on a bug.
pub type Target = fn(&[u8]);

/// Every target by name (the name of its corpus folder and of its cargo-fuzz binary).
pub const TARGETS: &[(&str, Target)] = &[
    ("form_fields", form_fields),
    ("guild", guild),
    ("phone", phone),
    ("photo", photo),
    ("registry_csv", registry_csv),
    ("request_json", request_json),
    ("scan_frame", scan_frame),
    ("scan_image", scan_image),
    ("text", text),
    ("tracking_code", tracking_code),
];

/// Longest text (bytes) the text-parsing targets look at: far past any field's limit, yet
/// cheap to run thousands of times a second.
pub const MAX_TEXT_BYTES: usize = 4096;

/// The bytes as text, invalid UTF-8 replaced (what a lenient client would send), or `None`
/// past `max` bytes.
fn text_of(data: &[u8], max: usize) -> Option<String> {
    (data.len() <= max).then(|| String::from_utf8_lossy(data).into_owned())
}

/// For the libFuzzer binaries of the targets whose code under test runs third-party decoders
/// inside `catch_unwind` (photo intake and the scanner): libFuzzer's panic hook aborts on
/// *every* panic, caught or not, so a decoder panic that the code contains by design would
/// end the run. This hook lets a panic raised inside a dependency (or the standard library)
/// unwind to that `catch_unwind`, reporting each place once on stderr, and hands every other
/// panic to the previous hook, which aborts. A panic that escapes still aborts in libFuzzer's
/// own `catch_unwind` around the target.
pub fn contain_dependency_panics() {
    use std::collections::HashSet;
    use std::sync::Mutex;

    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let place = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        let in_dependency = ["/.cargo/registry/", "/.cargo/git/"].iter().any(|d| place.contains(d)) || place.starts_with("/rustc/");
        if !in_dependency {
            return abort(info);
        }
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if seen.get_or_insert_with(HashSet::new).insert(place.clone()) {
            eprintln!("contained dependency panic at {place}: {info}");
        }
    }));
}
