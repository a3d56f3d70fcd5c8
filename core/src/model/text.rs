//! Normalisation of Persian text and digits as citizens actually type them.
//!
//! Phones send Persian (U+06F0..) or Arabic-Indic (U+0660..) digits, Arabic yeh (ي) and kaf (ك)
//! instead of the Persian forms (ی, ک), tatweel (ـ) for stretching, and ZWNJ (U+200C) inside
//! words. We store one canonical form so search, comparison and display agree.

/// Maximum length, in characters, of a complaint description.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// Maximum length, in characters, of short fields (business name, city, province, ...).
pub const MAX_SHORT_CHARS: usize = 200;
/// Maximum length, in characters, of an address.
pub const MAX_ADDRESS_CHARS: usize = 500;
/// Maximum length, in characters, of a staff or citizen note.
pub const MAX_NOTE_CHARS: usize = 4000;

const ZWNJ: char = '\u{200C}';

/// Maps a Persian or Arabic-Indic digit to its ASCII form; other characters are returned as is.
pub fn ascii_digit(c: char) -> char {
    match c {
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        _ => c,
    }
}

/// Replaces every Persian and Arabic-Indic digit in `s` with its ASCII digit.
pub fn ascii_digits(s: &str) -> String {
    s.chars().map(ascii_digit).collect()
}

/// Keeps only the digits of `s` (any script, converted to ASCII) if every other character is a
/// separator people type between digit groups (space, dash, dot, slash, NBSP, ZWNJ, LRM/RLM);
/// returns `None` if anything else is there.
pub fn digits_only(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let d = ascii_digit(c);
        if d.is_ascii_digit() {
            out.push(d);
        } else if matches!(c, ' ' | '-' | '.' | '/' | '_' | '\u{00A0}' | '\u{200C}' | '\u{200E}' | '\u{200F}' | '\u{2009}' | '\u{202F}' | '\t') {
            continue;
        } else {
            return None;
        }
    }
    Some(out)
}

/// Normalises free text: Arabic yeh/alef maksura and kaf become Persian ی and ک, tatweel is
/// removed, ZWNJ is kept (but not doubled or left at a word edge), control characters other
/// than newline and tab are dropped, runs of spaces collapse, and the ends are trimmed.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    for c in s.chars() {
        let c = match c {
            '\u{064A}' | '\u{0649}' => '\u{06CC}', // Arabic yeh, alef maksura -> Persian yeh
            '\u{0643}' => '\u{06A9}',              // Arabic kaf -> Persian keheh
            '\u{0640}' => continue,                // tatweel
            '\r' => continue,
            c => c,
        };
        if c == ZWNJ {
            // a ZWNJ only makes sense between two letters
            if out.is_empty() || last_space || out.ends_with(ZWNJ) {
                continue;
            }
            out.push(c);
            continue;
        }
        if c == ' ' || c == '\u{00A0}' {
            if out.ends_with(ZWNJ) {
                out.pop();
            }
            if !last_space && !out.is_empty() {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        if c.is_control() && c != '\n' && c != '\t' {
            continue;
        }
        if c == '\n' && out.ends_with(' ') {
            out.pop();
        }
        last_space = c == '\n';
        out.push(c);
    }
    while out.ends_with(|c: char| c.is_whitespace() || c == ZWNJ) {
        out.pop();
    }
    out
}

/// Normalises an optional field: normalised text, or `None` when nothing is left.
pub fn normalize_optional(s: Option<&str>) -> Option<String> {
    s.map(normalize_text).filter(|t| !t.is_empty())
}

/// The number of characters in `s` (what the length limits count).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// An amount of rials as people read it: Persian digits in groups of three with the Arabic
/// thousands separator, and the unit: «۲٬۵۰۰٬۰۰۰ ریال».
pub fn format_rials_fa(amount: i64) -> String {
    format!("{} ریال", persian_digits(&group_thousands(amount, '\u{066C}')))
}

/// What was typed as an amount is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnAmount;

/// Reads an amount of rials as people type it: Persian or Arabic digits, with thousands
/// separators (`,` `٬` `.` `،` space) or not. `None` for an empty field; `Err` for anything
/// that is not a whole number.
pub fn parse_rials(raw: &str) -> Result<Option<i64>, NotAnAmount> {
    let digits = ascii_digits(raw.trim());
    let cleaned: String = digits.chars().filter(|c| !matches!(c, ',' | '٬' | '.' | '،' | ' ' | '\u{200c}' | '\u{00a0}' | '\u{202f}' | '_')).collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    if !cleaned.chars().all(|c| c.is_ascii_digit()) || cleaned.len() > 18 {
        return Err(NotAnAmount);
    }
    cleaned.parse().map(Some).map_err(|_| NotAnAmount)
}

/// `amount` with its digits grouped by three with `separator` (ASCII digits): `2,500,000`.
pub fn group_thousands(amount: i64, separator: char) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// Writes `s` with Persian digits, for text shown to people (SMS bodies keep ASCII codes).
pub fn persian_digits(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_digit() { char::from_u32(0x06F0 + (c as u32 - '0' as u32)).unwrap_or(c) } else { c }).collect()
}

/// Folds text for the business search: normalised Persian (Arabic yeh and kaf as Persian),
/// ASCII digits, lower case, alef and heh variants as the plain letter, no diacritics, and
/// nothing but letters and digits (so "سوپر مارکت" finds "سوپرمارکت" and a ZWNJ never matters).
pub fn search_key(s: &str) -> String {
    let t = normalize_text(s);
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        let c = match ascii_digit(c) {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' | 'ۀ' | 'ە' => 'ه',
            'ؤ' => 'و',
            'ئ' => 'ی',
            '\u{064B}'..='\u{065F}' | '\u{0670}' => continue,
            c if c.is_alphanumeric() => c,
            _ => continue,
        };
        // Lower case can add a combining mark (İ becomes i + U+0307): keep only what is a
        // letter or digit, so a key is its own key.
        out.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
    }
    out
}

/// The Persian alphabet in dictionary order (after [`search_key`] folding).
const PERSIAN_ORDER: &str = "ءابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی";

/// A key whose byte order is Persian alphabetical order: each Persian letter of the
/// [`search_key`] becomes a private-use character in dictionary order (after digits and
/// Latin letters). A database compares it with its plain binary collation.
pub fn sort_key(s: &str) -> String {
    search_key(s)
        .chars()
        .map(|c| match PERSIAN_ORDER.chars().position(|p| p == c) {
            Some(i) => char::from_u32(0xE000 + i as u32).unwrap_or(c),
            None => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_people_type_them() {
        for (raw, expected) in [
            ("", Ok(None)),
            ("  ", Ok(None)),
            ("2500000", Ok(Some(2_500_000))),
            ("۲٬۵۰۰٬۰۰۰", Ok(Some(2_500_000))),
            ("٢,٥٠٠,٠٠٠", Ok(Some(2_500_000))),
            ("2.500.000", Ok(Some(2_500_000))),
            ("۵۰ ۰۰۰", Ok(Some(50_000))),
            ("-5", Err(NotAnAmount)),
            ("12a", Err(NotAnAmount)),
            ("9999999999999999999", Err(NotAnAmount)),
        ] {
            assert_eq!(parse_rials(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn digits_of_every_script_become_ascii() {
        for (input, expected) in [("۰۱۲۳۴۵۶۷۸۹", "0123456789"), ("٠١٢٣٤٥٦٧٨٩", "0123456789"), ("12۳٤", "1234"), ("abc", "abc")] {
            assert_eq!(ascii_digits(input), expected, "{input}");
        }
    }

    #[test]
    fn digits_only_accepts_separators_and_rejects_letters() {
        for (input, expected) in [("۱۲۳ ۴۵۶-۷۸۹۰", Some("1234567890")), ("12.34/56", Some("123456")), ("", Some("")), ("12a4", None), ("+98", None)] {
            assert_eq!(digits_only(input).as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn arabic_letters_become_persian_and_tatweel_goes() {
        for (input, expected) in [
            ("كيك", "کیک"),
            ("فروشـــگاه", "فروشگاه"),
            ("  می\u{200C}خواهم   بروم  ", "می\u{200C}خواهم بروم"),
            ("\u{200C}سلام\u{200C}\u{200C}دنیا\u{200C}", "سلام\u{200C}دنیا"),
            ("خط اول  \r\nخط دوم", "خط اول\nخط دوم"),
            ("a\u{0007}b", "ab"),
            ("   ", ""),
        ] {
            assert_eq!(normalize_text(input), expected, "{input:?}");
        }
    }

    /// Random strings over the characters that matter: digits of three scripts, separators,
    /// Arabic and Persian letters, ZWNJ, tatweel, spaces and control characters.
    fn random_strings(seed: u64, n: usize) -> Vec<String> {
        use rand::{Rng, SeedableRng};
        let alphabet: Vec<char> = "0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩ -./_\u{a0}\u{200c}\u{200e}يكیکـابپ \n\r\t\u{7}x".chars().collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..n).map(|_| (0..rng.gen_range(0..40)).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect()).collect()
    }

    #[test]
    fn digit_normalisation_properties() {
        for s in random_strings(1, 5000) {
            let ascii = ascii_digits(&s);
            assert_eq!(ascii_digits(&ascii), ascii, "idempotent: {s:?}");
            assert_eq!(ascii.chars().count(), s.chars().count(), "one char for one char: {s:?}");
            let digits: String = ascii.chars().filter(char::is_ascii_digit).collect();
            match digits_only(&s) {
                Some(d) => assert_eq!(d, digits, "{s:?}"),
                None => assert!(ascii.chars().any(|c| !c.is_ascii_digit() && !" -./_\u{a0}\u{200c}\u{200e}\u{200f}\u{2009}\u{202f}\t".contains(c)), "{s:?}"),
            }
        }
    }

    #[test]
    fn text_normalisation_is_idempotent_and_clean() {
        for s in random_strings(2, 5000) {
            let once = normalize_text(&s);
            assert_eq!(normalize_text(&once), once, "idempotent: {s:?}");
            assert!(!once.contains(['ي', 'ك', 'ـ', '\r', '\u{7}']), "{once:?}");
            assert!(!once.starts_with([' ', '\u{200c}']) && !once.ends_with([' ', '\u{200c}', '\n']), "{once:?}");
            assert!(!once.contains("  ") && !once.contains("\u{200c}\u{200c}"), "{once:?}");
        }
    }

    #[test]
    fn persian_digits_for_display() {
        assert_eq!(persian_digits("کد 1234"), "کد ۱۲۳۴");
    }

    #[test]
    fn amounts_in_rials_read_in_groups_of_three() {
        for (amount, grouped, fa) in [
            (0, "0", "۰ ریال"),
            (999, "999", "۹۹۹ ریال"),
            (1000, "1,000", "۱٬۰۰۰ ریال"),
            (2_500_000, "2,500,000", "۲٬۵۰۰٬۰۰۰ ریال"),
            (-45_000, "-45,000", "-۴۵٬۰۰۰ ریال"),
            (i64::MAX, "9,223,372,036,854,775,807", "۹٬۲۲۳٬۳۷۲٬۰۳۶٬۸۵۴٬۷۷۵٬۸۰۷ ریال"),
        ] {
            assert_eq!(group_thousands(amount, ','), grouped);
            assert_eq!(format_rials_fa(amount), fa);
        }
    }

    #[test]
    fn search_keys_fold_what_people_type_differently() {
        assert_eq!(search_key("سوپرماركت  علي"), search_key("سوپرمارکت علی"));
        assert_eq!(search_key("داروخانه\u{200C}ها"), search_key("داروخانه ها"));
        assert_eq!(search_key("داروخانه‌ها"), "داروخانهها");
        assert_eq!(search_key("آرایشگاه"), search_key("ارایشگاه"));
        assert_eq!(search_key("Pars-Mobile ۱۲"), "parsmobile12");
        assert_eq!(search_key(" - "), "");
    }

    #[test]
    fn search_keys_hold_only_letters_and_digits_even_after_lower_casing() {
        // Found by the fuzz corpus (fuzz/corpus/text): "İ" lower-cases to "i" and a combining dot.
        assert_eq!(search_key("İstanbul"), "istanbul");
        for s in ["İ", "Pars-Mobile ۱۲ İstanbul ß ǅ", "ΣΑΣ"] {
            let key = search_key(s);
            assert!(key.chars().all(char::is_alphanumeric), "{key:?}");
            assert_eq!(search_key(&key), key, "{s:?}");
        }
    }

    #[test]
    fn sort_keys_follow_the_persian_alphabet() {
        let mut names = vec!["یاس", "گلستان", "پارس", "بهار", "چمن", "کوثر", "ژاله", "آفتاب", "Zeta", "12 فروردین"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, ["12 فروردین", "Zeta", "آفتاب", "بهار", "پارس", "چمن", "ژاله", "کوثر", "گلستان", "یاس"]);
    }
}
