//! Persian text as typed on phones: [`normalize_text`], [`search_key`], [`sort_key`] and the
//! digit helpers.

use samat_core::model::text::{ascii_digits, digits_only, normalize_text, persian_digits, search_key, sort_key};

const ZWNJ: char = '\u{200C}';
/// What [`digits_only`] lets stand between digit groups.
const SEPARATORS: &[char] = &[' ', '-', '.', '/', '_', '\u{00A0}', ZWNJ, '\u{200E}', '\u{200F}', '\u{2009}', '\u{202F}', '\t'];

/// Runs the bytes through every text helper and checks their promises.
pub fn text(data: &[u8]) {
    let Some(input) = crate::text_of(data, crate::MAX_TEXT_BYTES) else { return };
    normalised(&input);
    digits(&input);
    keys(&input);
}

/// [`normalize_text`] gives one canonical form: a fixed point with Persian yeh and kaf, no
/// tatweel, no control characters but newline and tab, single spaces, ZWNJ only inside words,
/// and trimmed ends.
fn normalised(input: &str) {
    let once = normalize_text(input);
    assert_eq!(normalize_text(&once), once, "not idempotent on {input:?}");
    assert!(!once.contains(['\u{064A}', '\u{0649}', '\u{0643}', '\u{0640}', '\r', '\u{00A0}']), "{once:?}");
    assert!(!once.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{once:?}");
    assert!(!once.starts_with([' ', ZWNJ]) && !once.ends_with(|c: char| c.is_whitespace() || c == ZWNJ), "{once:?}");
    for pair in ["  ", "\u{200C}\u{200C}", " \u{200C}", "\u{200C} ", " \n"] {
        assert!(!once.contains(pair), "{pair:?} in {once:?}");
    }
    assert!(once.chars().count() <= input.chars().count());
}

/// The digit helpers map one character to one, only digits change, and `digits_only` keeps
/// exactly the digits when everything else is a separator.
fn digits(input: &str) {
    let ascii = ascii_digits(input);
    assert_eq!(ascii.chars().count(), input.chars().count());
    assert_eq!(ascii_digits(&ascii), ascii);
    assert!(!ascii.chars().any(|c| matches!(c, '\u{06F0}'..='\u{06F9}' | '\u{0660}'..='\u{0669}')), "{ascii:?}");
    let persian = persian_digits(&ascii);
    assert!(!persian.chars().any(|c| c.is_ascii_digit()));
    assert_eq!(ascii_digits(&persian), ascii);
    let typed: String = ascii.chars().filter(char::is_ascii_digit).collect();
    match digits_only(input) {
        Some(d) => assert_eq!(d, typed, "{input:?}"),
        None => assert!(ascii.chars().any(|c| !c.is_ascii_digit() && !SEPARATORS.contains(&c)), "{input:?} is digits and separators"),
    }
}

/// The search key folds away everything but letters and digits, so it is its own key, and
/// normalising, ZWNJ and spaces never change it; the sort key has one character per letter.
fn keys(input: &str) {
    let key = search_key(input);
    assert!(key.chars().all(char::is_alphanumeric), "{key:?} from {input:?}");
    assert_eq!(search_key(&key), key, "the key of {input:?} is not its own key");
    assert_eq!(search_key(&normalize_text(input)), key);
    assert_eq!(search_key(&input.replace([ZWNJ, ' '], "")), key, "spaces or ZWNJ change the key of {input:?}");
    assert_eq!(sort_key(input).chars().count(), key.chars().count());
}
