//! Text messages to the 124 line: what a citizen's SMS asks for ([`parse`]) and which
//! category a complaint sent by SMS belongs to ([`classify`]). Pure functions over the text,
//! after Persian normalisation (Persian and Arabic digits, Arabic yeh and kaf, ZWNJ, spaces),
//! so the server only carries out what they decide.

use super::text::{ascii_digits, digits_only, normalize_text, search_key};
use super::{Category, PhoneNumber, TrackingCode};

/// The longest text read as a complaint, in characters (a concatenated SMS of ten parts is
/// about 670 Persian characters; anything much longer is not a person typing on a phone).
pub const MAX_INBOUND_CHARS: usize = 1000;

/// Fewest words a text needs to be filed as a complaint by itself («سلام» is not one).
pub const MIN_COMPLAINT_WORDS: usize = 3;

/// What an inbound SMS asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundCommand {
    /// The tracking code alone: "what stage is it in?".
    Track(TrackingCode),
    /// «۱» / «بله»: the citizen accepts the business's answer (of this complaint, or of the
    /// one waiting for their answer).
    Accept(Option<TrackingCode>),
    /// «۲» / «خیر»: the citizen rejects the business's answer; an inspector is sent.
    Reject(Option<TrackingCode>),
    /// «انصراف» and the code: withdraw the complaint.
    Withdraw(Option<TrackingCode>),
    /// A complaint's description, normalised.
    Complaint(String),
    /// Anything else: the sender gets the help text.
    Help(HelpReason),
}

/// Why a text gets the help text instead of being acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpReason {
    /// Nothing readable: empty, only spaces, punctuation or emoji.
    Empty,
    /// Binary or garbled (control characters, replacement characters): kept for an operator.
    Unreadable,
    /// Longer than [`MAX_INBOUND_CHARS`]: kept for an operator.
    TooLong,
    /// The citizen asked for help («راهنما»).
    Asked,
    /// Digits that are not a tracking code (wrong length or check digit).
    BadCode,
    /// Too few words to be a complaint, and no command.
    TooShort,
    /// Words of several commands at once («بله خیر»).
    Ambiguous,
}

impl HelpReason {
    /// Whether an operator should read the original text (it may be a complaint the parser
    /// could not read): such messages go to the triage list.
    pub fn needs_operator(self) -> bool {
        matches!(self, HelpReason::Unreadable | HelpReason::TooLong)
    }

    /// A stable code for logs and the triage list.
    pub fn code(self) -> &'static str {
        match self {
            HelpReason::Empty => "empty",
            HelpReason::Unreadable => "unreadable",
            HelpReason::TooLong => "too_long",
            HelpReason::Asked => "asked",
            HelpReason::BadCode => "bad_code",
            HelpReason::TooShort => "too_short",
            HelpReason::Ambiguous => "ambiguous",
        }
    }
}

/// The command words a text may consist of (besides a tracking code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    Accept,
    Reject,
    Withdraw,
    Track,
    Help,
}

/// The command a word stands for, compared after [`search_key`] folding (so «بلی»,
/// «آره» and «اره» are one, and ZWNJ or diacritics never matter).
fn command_word(word: &str) -> Option<Word> {
    Some(match search_key(word).as_str() {
        "1" | "بله" | "بلی" | "اره" | "اری" | "قبول" | "راضی" | "راضیم" | "راضیام" | "yes" | "ok" => Word::Accept,
        "2" | "خیر" | "نه" | "ناراضی" | "ناراضیم" | "ناراضیام" | "no" => Word::Reject,
        "انصراف" | "لغو" | "ابطال" | "cancel" => Word::Withdraw,
        "پیگیری" | "وضعیت" | "رهگیری" | "کد" | "track" => Word::Track,
        "راهنما" | "کمک" | "help" => Word::Help,
        _ => return None,
    })
}

/// Whether `raw` looks like binary or mangled text rather than something a person typed.
fn garbled(raw: &str) -> bool {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in raw.chars() {
        total += 1;
        if c == '\u{FFFD}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || ('\u{E000}'..='\u{F8FF}').contains(&c) {
            bad += 1;
        }
    }
    // One replacement character is a decoding failure; a few controls in a long text are not.
    raw.contains('\u{FFFD}') || bad * 20 > total
}

/// Whether a message's text is binary or mangled (control characters, a character set that
/// did not decode) rather than something a person wrote: it waits for an operator.
pub fn unreadable(raw: &str) -> bool {
    garbled(raw)
}

/// Reads an inbound SMS: a command (a tracking code, «۱»/«۲», «انصراف» with a code), a
/// complaint, or something that gets the help text.
pub fn parse(raw: &str) -> InboundCommand {
    if garbled(raw) {
        return InboundCommand::Help(HelpReason::Unreadable);
    }
    let text = normalize_text(raw);
    if !text.chars().any(char::is_alphanumeric) {
        return InboundCommand::Help(HelpReason::Empty);
    }
    if text.chars().count() > MAX_INBOUND_CHARS {
        return InboundCommand::Help(HelpReason::TooLong);
    }
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '،' | ',' | '؛' | ';' | ':' | '!' | '؟' | '?' | '«' | '»' | '"' | '(' | ')'))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '\u{200C}' | '\'' | '*' | '#')))
        .filter(|w| !w.is_empty())
        .collect();
    let mut commands: Vec<Word> = Vec::new();
    let mut rest: Vec<&str> = Vec::new();
    for w in &words {
        match command_word(w) {
            Some(c) => commands.push(c),
            None => rest.push(w),
        }
    }
    // What is left besides the command words: a tracking code (digits and separators only),
    // nothing, or words (then the whole text is a complaint).
    let code_digits = digits_only(&rest.join(" "));
    let Some(digits) = code_digits else {
        return complaint_or_short(&text, &words);
    };
    let code = match digits.len() {
        0 => None,
        _ => match TrackingCode::parse(&digits) {
            Ok(code) => Some(code),
            Err(_) => return InboundCommand::Help(HelpReason::BadCode),
        },
    };
    commands.dedup();
    // A track or help word beside another command adds nothing.
    let acting: Vec<Word> = commands.iter().copied().filter(|w| !matches!(w, Word::Track | Word::Help)).collect();
    match (acting.as_slice(), code) {
        ([], Some(code)) if !commands.contains(&Word::Help) => InboundCommand::Track(code),
        ([], _) => InboundCommand::Help(HelpReason::Asked),
        ([Word::Accept], code) => InboundCommand::Accept(code),
        ([Word::Reject], code) => InboundCommand::Reject(code),
        ([Word::Withdraw], code) => InboundCommand::Withdraw(code),
        _ => InboundCommand::Help(HelpReason::Ambiguous),
    }
}

fn complaint_or_short(text: &str, words: &[&str]) -> InboundCommand {
    let wordy = words.iter().filter(|w| w.chars().any(char::is_alphabetic)).count();
    if wordy >= MIN_COMPLAINT_WORDS {
        InboundCommand::Complaint(text.to_owned())
    } else {
        InboundCommand::Help(HelpReason::TooShort)
    }
}

/// Words that point at `category`, written as [`search_key`] folds them (no spaces, no ZWNJ,
/// plain alef; tested, so they are not folded again per message), matched anywhere in the
/// folded text: «گران» finds «گران‌فروشی» and «گرانتر». Every category but
/// [`Category::Other`] has some (tested); the match has no catch-all arm, so a new category does
/// not compile until it says its words.
pub fn keywords(category: Category) -> &'static [&'static str] {
    match category {
        Category::NoInvoice => &["فاکتور", "صورتحساب", "رسیدنداد", "رسیدخرید", "قبضنداد"],
        Category::PricingViolation => &["گران", "گرون", "بالاترازقیمت", "بیشترازقیمت", "قیمتمصوب", "اضافهگرفت", "اضافهحساب"],
        Category::Hoarding => &["احتکار", "انبارکرده", "دپوکرده", "انبارمیکند", "احتکاری"],
        Category::SmuggledGoods => &["قاچاق"],
        Category::Fraud => &["تقلب", "جعلی", "کمفروشی", "کمفروخت", "بدلی", "غیراصل", "کمتروزن"],
        Category::OffNetworkSupply => &["خارجازشبکه", "بازارسیاه", "سهمیهای", "یارانهای"],
        Category::ForcedSelling => &["اجباری", "بهشرطخرید", "بااجبار", "مجبورکرد", "مجبورمان"],
        Category::NoPriceTag => &["برچسبقیمت", "بدونقیمت", "قیمتنداشت", "قیمتندارد", "اتیکت", "درجقیمت", "قیمتنزده"],
        // What no keyword points at: the classifier's answer when none does.
        Category::Other => &[],
    }
}

/// Words that ask for money back or damages: the complaint is a compensation claim (it goes to
/// the guild's self-regulation, where the citizen answers the business's offer).
const COMPENSATION: &[&str] = &["خسارت", "پسنداد", "پسنمیدهد", "پسبدهد", "پسبده", "استرداد", "پولمرابرگرداند", "جبران"];

/// What the classifier made of a complaint's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// The category the words point at, or [`Category::Other`].
    pub category: Category,
    /// Whether the words point at that one category alone: a complaint with no keyword, or
    /// with keywords of two categories equally, waits for an operator to set the category.
    pub trusted: bool,
    /// Whether the citizen asks for money back or damages.
    pub wants_compensation: bool,
}

/// The category of a complaint from its words: the category with the most keyword hits,
/// trusted when it has at least one and no other category has as many.
pub fn classify(text: &str) -> Classification {
    let folded = search_key(&ascii_digits(text));
    let mut scores: Vec<(Category, usize)> =
        Category::ALL.iter().map(|&category| (category, keywords(category).iter().filter(|w| folded.contains(*w)).count())).collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.1));
    let wants_compensation = COMPENSATION.iter().any(|w| folded.contains(w));
    match scores.as_slice() {
        [(best, n), (_, m), ..] if *n > 0 && n > m => Classification { category: *best, trusted: true, wants_compensation },
        _ => Classification { category: Category::Other, trusted: false, wants_compensation },
    }
}

/// The first Iranian mobile number written in `text` (an e-mail's body or signature), in
/// Latin, Persian or Arabic digits, with the separators people type (`0912 123 4567`,
/// `+98-912-123-4567`, `۰۹۱۲۱۲۳۴۵۶۷`), normalised as [`PhoneNumber::parse`] does. Landlines,
/// tracking codes and amounts are not mobile numbers and are passed over.
pub fn find_phone(text: &str) -> Option<PhoneNumber> {
    let text = ascii_digits(text);
    let phone_char = |c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | ' ' | '\u{200C}');
    // Maximal runs of what a written number is made of; within a run, one to three
    // consecutive space-separated groups (`0912 123 4567`), longest first.
    for run in text.split(|c: char| !phone_char(c)) {
        let groups: Vec<&str> = run.split([' ', '\u{200C}']).filter(|g| g.chars().any(|c| c.is_ascii_digit())).collect();
        for start in 0..groups.len() {
            for len in (1..=3.min(groups.len() - start)).rev() {
                let candidate = groups[start..start + len].join(" ");
                let digits = candidate.chars().filter(char::is_ascii_digit).count();
                // A mobile number has 10 to 14 digits in any of its forms; more is something else run together.
                if (10..=14).contains(&digits) {
                    if let Ok(phone) = PhoneNumber::parse(&candidate) {
                        return Some(phone);
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> TrackingCode {
        TrackingCode::generate(&mut rand::thread_rng())
    }

    fn persian(s: &str) -> String {
        super::super::text::persian_digits(s)
    }

    #[test]
    fn commands_are_read_in_any_digits_and_spelling() {
        let c = code();
        let s = c.as_str();
        let grouped = c.grouped();
        let fa = persian(s);
        let arabic: String = s.chars().map(|d| char::from_u32(0x0660 + (d as u32 - '0' as u32)).unwrap()).collect();
        let table: Vec<(String, InboundCommand)> = vec![
            (s.to_owned(), InboundCommand::Track(c)),
            (fa.clone(), InboundCommand::Track(c)),
            (arabic.clone(), InboundCommand::Track(c)),
            (grouped.clone(), InboundCommand::Track(c)),
            (format!("  {s}  "), InboundCommand::Track(c)),
            (format!("پیگیری {fa}"), InboundCommand::Track(c)),
            (format!("وضعيت {s}"), InboundCommand::Track(c)),
            (format!("کد رهگیری: {fa}"), InboundCommand::Track(c)),
            ("1".into(), InboundCommand::Accept(None)),
            ("۱".into(), InboundCommand::Accept(None)),
            ("١".into(), InboundCommand::Accept(None)),
            ("بله".into(), InboundCommand::Accept(None)),
            ("بلي".into(), InboundCommand::Accept(None)),
            ("آره".into(), InboundCommand::Accept(None)),
            ("راضی‌ام".into(), InboundCommand::Accept(None)),
            ("راضیم".into(), InboundCommand::Accept(None)),
            ("بله.".into(), InboundCommand::Accept(None)),
            (format!("۱ {fa}"), InboundCommand::Accept(Some(c))),
            (format!("{s} بله"), InboundCommand::Accept(Some(c))),
            ("2".into(), InboundCommand::Reject(None)),
            ("۲".into(), InboundCommand::Reject(None)),
            ("خیر".into(), InboundCommand::Reject(None)),
            ("نه!".into(), InboundCommand::Reject(None)),
            ("ناراضی".into(), InboundCommand::Reject(None)),
            (format!("۲ {grouped}"), InboundCommand::Reject(Some(c))),
            (format!("خير {arabic}"), InboundCommand::Reject(Some(c))),
            (format!("انصراف {fa}"), InboundCommand::Withdraw(Some(c))),
            (format!("{s} انصراف"), InboundCommand::Withdraw(Some(c))),
            (format!("لغو، {s}"), InboundCommand::Withdraw(Some(c))),
            ("انصراف".into(), InboundCommand::Withdraw(None)),
            ("بله خیر".into(), InboundCommand::Help(HelpReason::Ambiguous)),
            ("۱ ۲".into(), InboundCommand::Help(HelpReason::Ambiguous)),
            ("راهنما".into(), InboundCommand::Help(HelpReason::Asked)),
            ("help".into(), InboundCommand::Help(HelpReason::Asked)),
            ("؟".into(), InboundCommand::Help(HelpReason::Empty)),
            ("".into(), InboundCommand::Help(HelpReason::Empty)),
            ("   \n ".into(), InboundCommand::Help(HelpReason::Empty)),
            ("😡😡".into(), InboundCommand::Help(HelpReason::Empty)),
            ("سلام".into(), InboundCommand::Help(HelpReason::TooShort)),
            ("سلام آقا".into(), InboundCommand::Help(HelpReason::TooShort)),
            ("12345".into(), InboundCommand::Help(HelpReason::BadCode)),
            ("۰۹۱۲۱۲۳۴۵۶۷".into(), InboundCommand::Help(HelpReason::BadCode)),
            ("bin\u{0}\u{1}\u{2}ary".into(), InboundCommand::Help(HelpReason::Unreadable)),
            ("متن \u{FFFD} خراب".into(), InboundCommand::Help(HelpReason::Unreadable)),
            ("گران ".repeat(300), InboundCommand::Help(HelpReason::TooLong)),
        ];
        for (text, expected) in table {
            assert_eq!(parse(&text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_check_digit_typo_is_not_taken_for_another_complaint() {
        let c = code();
        let mut typo = c.as_str().as_bytes().to_vec();
        typo[3] = if typo[3] == b'9' { b'0' } else { typo[3] + 1 };
        let typo = String::from_utf8(typo).unwrap();
        assert_eq!(parse(&typo), InboundCommand::Help(HelpReason::BadCode));
        assert_eq!(parse(&format!("۲ {typo}")), InboundCommand::Help(HelpReason::BadCode));
    }

    #[test]
    fn texts_with_words_are_complaints_normalised() {
        let c = code();
        for (text, expected) in [
            ("نانوایی سر کوچه فاکتور نداد", "نانوایی سر کوچه فاکتور نداد"),
            ("  سوپرماركت  علي   گران فروخت  ", "سوپرمارکت علی گران فروخت"),
            ("نه، این فروشگاه پول اضافه گرفت", "نه، این فروشگاه پول اضافه گرفت"),
            ("قیمت برنج ۲۰۰ هزار تومان بود", "قیمت برنج ۲۰۰ هزار تومان بود"),
        ] {
            assert_eq!(parse(text), InboundCommand::Complaint(expected.into()), "{text}");
        }
        // A code inside a sentence is part of the complaint, not a command.
        let text = format!("شکایت {} هنوز رسیدگی نشده است", c.as_str());
        assert!(matches!(parse(&text), InboundCommand::Complaint(_)), "{text}");
    }

    #[test]
    fn only_binary_and_overlong_texts_need_an_operator() {
        let to_operator: Vec<&str> = [HelpReason::Unreadable, HelpReason::TooLong].iter().filter(|r| r.needs_operator()).map(|r| r.code()).collect();
        assert_eq!(to_operator, ["unreadable", "too_long"]);
        for r in [HelpReason::Empty, HelpReason::Asked, HelpReason::BadCode, HelpReason::TooShort, HelpReason::Ambiguous] {
            assert!(!r.needs_operator(), "{r:?}");
        }
    }

    #[test]
    fn every_category_but_other_has_words_that_find_it_alone() {
        for category in Category::ALL {
            let words = keywords(category);
            if category == Category::Other {
                assert!(words.is_empty(), "other is what no keyword points at");
                continue;
            }
            assert!(!words.is_empty(), "{category:?} has no SMS keywords: the classifier would never pick it");
            for word in words {
                assert_eq!(search_key(word), *word, "{category:?}: {word} is not written folded");
                let got = classify(&format!("سلام {word} بود"));
                assert_eq!((got.category, got.trusted), (category, true), "{word}");
            }
        }
    }

    #[test]
    fn the_classifier_reads_the_category_from_the_words() {
        use Category::*;
        let table: &[(&str, Category, bool)] = &[
            ("نانوایی سر کوچه فاکتور نداد", NoInvoice, true),
            ("فروشنده صورت‌حساب خرید را نداد", NoInvoice, true),
            ("سوپرمارکت علی شیر را گران فروخت", PricingViolation, true),
            ("گرانفروشی میوه فروشی میدان", PricingViolation, true),
            ("قیمت گوشت بالاتر از قیمت مصوب بود", PricingViolation, true),
            ("خیلی گرون حساب کرد", PricingViolation, true),
            ("انبار روغن نباتی احتکار شده در خیابان آزادی", Hoarding, true),
            ("عمده‌فروش برنج را انبار کرده و نمی‌فروشد", Hoarding, true),
            ("فروش سیگار قاچاق در دکه", SmuggledGoods, true),
            ("موبایل قاچاق و بدون گارانتی فروخت", SmuggledGoods, true),
            ("تقلب در وزن گوشت", Fraud, true),
            ("عطر جعلی به جای اصل فروخت", Fraud, true),
            ("کم‌فروشی قصابی محل", Fraud, true),
            ("كم فروشي نانوايي", Fraud, true),
            ("روغن یارانه‌ای را آزاد فروختند", OffNetworkSupply, true),
            ("کالای خارج از شبکه در بازار سیاه", OffNetworkSupply, true),
            ("شیر را به شرط خرید پنیر می‌فروشد", ForcedSelling, true),
            ("فروش اجباری کالا همراه با برنج", ForcedSelling, true),
            ("اجناس مغازه برچسب قیمت ندارد", NoPriceTag, true),
            ("هیچ کالایی قیمت نداشت", NoPriceTag, true),
            // No keyword, or two categories as strongly: an operator sets it.
            ("برخورد بد فروشنده با مشتری", Other, false),
            ("سلام لطفا رسیدگی کنید", Other, false),
            ("فاکتور نداد و گران هم فروخت", Other, false),
            ("", Other, false),
        ];
        for (text, category, trusted) in table {
            let got = classify(text);
            assert_eq!((got.category, got.trusted), (*category, *trusted), "{text}");
        }
        for (text, wants) in [
            ("فاکتور نداد و پولم را پس نداد", true),
            ("کالای معیوب فروخت؛ خسارت می‌خواهم", true),
            ("تقاضای استرداد وجه دارم", true),
            ("گران فروخت", false),
            ("فاکتور نداد", false),
        ] {
            assert_eq!(classify(text).wants_compensation, wants, "{text}");
        }
    }

    #[test]
    fn a_mobile_number_is_found_in_any_digits_and_spacing() {
        let table: &[(&str, Option<&str>)] = &[
            ("شماره من ۰۹۱۲۱۲۳۴۵۶۷ است", Some("+989121234567")),
            ("تماس: ٠٩١٢١٢٣٤٥٦٧", Some("+989121234567")),
            ("call me at 0912 123 4567 please", Some("+989121234567")),
            ("+98-912-123-4567", Some("+989121234567")),
            ("(0912) 1234567", Some("+989121234567")),
            ("موبایل:09351234567، تلفن ثابت 02188776655", Some("+989351234567")),
            ("تلفن ثابت 021-88776655 و کد 4013016562", None),
            ("مبلغ ۵۰۰۰۰۰۰۰۰۰۰ ریال", None),
            ("بدون شماره", None),
            ("", None),
        ];
        for (text, expected) in table {
            assert_eq!(find_phone(text).as_ref().map(PhoneNumber::as_str), *expected, "{text}");
        }
    }
}
