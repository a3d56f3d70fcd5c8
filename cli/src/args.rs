//! The command line: global options and every command, as clap derive types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `samat`: file and follow consumer complaints with the 124 service, online or offline.
///
/// Drafts and queued work live in the data directory; `samat sync` sends the queue when the
/// server is reachable. Stages and verdicts are shown as "Persian (English)", dates in the
/// Solar Hijri calendar with Persian digits (`--gregorian` for ISO 8601), tracking codes as
/// their ten digits.
#[derive(Debug, Parser)]
#[command(name = "samat", version, arg_required_else_help = true)]
pub struct Cli {
    /// Where drafts, photos, queued work and the session are kept
    /// [default: $XDG_DATA_HOME/samat or ~/.local/share/samat].
    #[arg(long, env = "SAMAT_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The 124 server.
    #[arg(long, env = "SAMAT_SERVER", global = true, value_name = "URL", default_value = "http://127.0.0.1:8124", value_parser = parse_server_url)]
    pub server: String,

    /// Print exactly one JSON document on stdout (`watch`: one per event, and `scan`: one per
    /// image, each on its own line); errors as `{"error": {"code", "message"}}`.
    #[arg(long, global = true)]
    pub json: bool,

    /// Dates as ISO 8601 (Gregorian, Iran time: `2026-11-28T14:05:00+03:30`), for scripts,
    /// instead of the Solar Hijri calendar with Persian digits.
    #[arg(long, global = true)]
    pub gregorian: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
// Parsed once per run: the size of the draft variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask for a login code by SMS, then type it (prompted on stderr, read from stdin).
    Login {
        /// Your mobile number (09…, +989…, Persian digits fine).
        phone: String,
        /// Only request the code; finish later with `samat verify CODE`.
        #[arg(long)]
        no_wait: bool,
    },
    /// Finish a login started with `samat login PHONE --no-wait`.
    Verify {
        /// The six-digit code from the SMS.
        code: String,
    },
    /// Log out: the token is revoked (offline: on the next sync or login) and this device gets no
    /// more pushes for the account; queued work stays.
    Logout,
    /// Who is logged in, and what is stored locally.
    Status,
    /// Write, edit and attach photos to draft complaints.
    #[command(subcommand)]
    Draft(DraftCommand),
    /// Queue a draft for sending (works offline; `samat sync` sends it).
    Submit {
        /// The draft's id (a unique prefix is enough).
        id: String,
    },
    /// Send everything queued and fetch what changed.
    Sync,
    /// Your complaints, queued work and drafts.
    List,
    /// One complaint with its history (refreshed from the server when reachable).
    Show {
        /// The tracking code (کد رهگیری).
        tracking_code: String,
    },
    /// Print new events as they arrive, until Ctrl-C.
    Watch {
        /// Return after the first batch of events, or after one wait.
        #[arg(long)]
        once: bool,
        /// Seconds each long poll waits for news (at most 60).
        #[arg(long, default_value_t = 30, value_parser = parse_wait)]
        wait: u64,
    },
    /// Answer the business's reply in self-regulation: accept closes the complaint, reject
    /// sends an inspector.
    Decide {
        /// The tracking code.
        tracking_code: String,
        /// Your answer.
        answer: Decision,
        /// Words for the record.
        #[arg(long)]
        note: Option<String>,
    },
    /// Withdraw a complaint (any time before a verdict).
    Withdraw {
        /// The tracking code.
        tracking_code: String,
        /// Why.
        #[arg(long)]
        note: Option<String>,
    },
    /// Rate how your complaint was handled; `--escalate` sends it to the supervisors.
    Feedback {
        /// The tracking code.
        tracking_code: String,
        /// 1 (very unhappy) to 5 (very happy).
        #[arg(long, value_parser = parse_number)]
        rating: i64,
        /// What you want to say.
        #[arg(long)]
        comment: Option<String>,
        /// Put it in front of the ministry's complaints centre.
        #[arg(long)]
        escalate: bool,
    },
    /// Read guild barcodes (and other QR codes) in photos: each code's text, corners and
    /// whether the sticker is verified; with --json one object per image per line.
    Scan {
        /// Image files (JPEG, PNG, WebP, GIF).
        #[arg(required = true)]
        images: Vec<std::path::PathBuf>,
        /// Also start a draft for the first business found.
        #[arg(long)]
        draft: bool,
    },
    /// Fetch the ministry's sticker-signing keys (cached for offline scans) and list them.
    Keys,
    /// Track a complaint filed by phone or at a counter, without logging in.
    Track {
        /// The tracking code from the SMS.
        tracking_code: String,
        /// The mobile number the complaint was filed under.
        #[arg(long)]
        phone: String,
    },
    /// Events not yet shown.
    Events {
        /// Also mark them as seen.
        #[arg(long)]
        mark_seen: bool,
    },
    /// Mark events as seen, by their sequence numbers.
    Seen {
        /// Event sequence numbers (`seq`).
        #[arg(required = true, value_parser = parse_number)]
        seqs: Vec<i64>,
    },
    /// Give up an item the server refused (a refused complaint's draft stays, to fix and
    /// submit again).
    Discard {
        /// The outbox item's number (from `samat list`).
        #[arg(value_parser = parse_number)]
        id: i64,
    },
    /// The complaint categories, for `--category`.
    Categories,
    /// The stages a complaint goes through.
    Stages,
}

/// The draft commands.
#[derive(Debug, Subcommand)]
pub enum DraftCommand {
    /// Start a draft; every field is optional until you submit.
    New(DraftFieldArgs),
    /// All drafts, newest first.
    List,
    /// One draft, with what still keeps it from being submitted.
    Show {
        /// The draft's id (a unique prefix is enough).
        id: String,
    },
    /// Change the given fields only (an empty value clears a field).
    Edit {
        /// The draft's id (a unique prefix is enough).
        id: String,
        /// The fields to change.
        #[command(flatten)]
        fields: DraftFieldArgs,
    },
    /// Attach photos (JPEG, PNG, WebP, GIF); the draft keeps a downscaled copy without EXIF/GPS.
    Attach {
        /// The draft's id (a unique prefix is enough).
        id: String,
        /// Image files.
        #[arg(required = true)]
        photos: Vec<PathBuf>,
    },
    /// Delete a draft and its photos.
    Delete {
        /// The draft's id (a unique prefix is enough).
        id: String,
    },
}

/// The fields of a draft complaint. Text is stored as typed; an empty value clears a field.
#[derive(Debug, Clone, Default, Args)]
pub struct DraftFieldArgs {
    /// Category wire name (see `samat categories`), e.g. `no_invoice`.
    #[arg(long)]
    pub category: Option<String>,
    /// What happened (`-` reads it from stdin).
    #[arg(long)]
    pub description: Option<String>,
    /// The business identification code (from the guild barcode).
    #[arg(long)]
    pub guild_id: Option<String>,
    /// The business's name.
    #[arg(long)]
    pub business_name: Option<String>,
    /// The business's address.
    #[arg(long)]
    pub business_address: Option<String>,
    /// Province.
    #[arg(long)]
    pub province: Option<String>,
    /// City.
    #[arg(long)]
    pub city: Option<String>,
    /// The amount involved, in rials (separators and Persian digits fine).
    #[arg(long, value_parser = parse_amount, allow_hyphen_values = true)]
    pub amount: Option<Amount>,
    /// When it happened: YYYY-MM-DD (Gregorian) or 1403/05/10 (Jalali), Persian digits fine.
    #[arg(long)]
    pub incident_date: Option<String>,
    /// Claim compensation (the complaint goes to guild self-regulation first).
    #[arg(long, conflicts_with = "no_compensation")]
    pub compensation: bool,
    /// Do not claim compensation.
    #[arg(long)]
    pub no_compensation: bool,
    /// The mobile number to file under (must be the one you log in with).
    #[arg(long)]
    pub phone: Option<String>,
}

/// An `--amount` value: a number of rials, or nothing (an empty value clears the amount).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub Option<i64>);

/// Parses `--amount`: digits in any script, with `,` `٬` `_` or spaces between groups.
pub fn parse_amount(s: &str) -> Result<Amount, String> {
    let not_whole = || format!("{s:?} is not a whole number of rials");
    let ascii = samat_core::model::text::ascii_digits(s.trim());
    // Grouping separators and the invisible marks a pasted Persian number carries. A dot
    // groups thousands only as such (2.500.000); "2.5" is not a number of rials.
    let groups: Vec<&str> = ascii.split('.').collect();
    if groups.len() > 1 && groups[1..].iter().any(|g| g.chars().filter(char::is_ascii_digit).count() != 3) {
        return Err(not_whole());
    }
    let cleaned: String = ascii
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | '\u{066C}' | '_' | ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}' | '\u{200C}' | '\u{200E}' | '\u{200F}'))
        .collect();
    if cleaned.is_empty() {
        return Ok(Amount(None));
    }
    cleaned.parse::<i64>().map(|a| Amount(Some(a))).map_err(|_| not_whole())
}

/// A whole number as a person types it: Persian or Arabic-Indic digits are fine.
pub fn parse_number(s: &str) -> Result<i64, String> {
    samat_core::model::text::ascii_digits(s.trim()).parse::<i64>().map_err(|_| format!("{s:?} is not a whole number"))
}

/// `watch --wait`: 0 to 60 seconds, Persian digits fine.
pub fn parse_wait(s: &str) -> Result<u64, String> {
    match parse_number(s)? {
        n @ 0..=60 => Ok(n as u64),
        _ => Err(format!("{s:?} is not between 0 and 60 seconds")),
    }
}

/// Checks that `--server` is an http(s) URL.
pub fn parse_server_url(s: &str) -> Result<String, String> {
    let s = s.trim();
    let rest = s.strip_prefix("http://").or_else(|| s.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(s.to_owned()),
        _ => Err(format!("{s:?} is not an http:// or https:// URL")),
    }
}

/// The answer to the business's reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Decision {
    /// Satisfied: the complaint is resolved.
    Accept,
    /// Not satisfied: an inspector is sent.
    Reject,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn amounts_accept_separators_and_persian_digits() {
        assert_eq!(parse_amount("1,500,000"), Ok(Amount(Some(1_500_000))));
        assert_eq!(parse_amount("۲۵۰٬۰۰۰"), Ok(Amount(Some(250_000))));
        assert_eq!(parse_amount("-5"), Ok(Amount(Some(-5))));
        assert_eq!(parse_amount(" "), Ok(Amount(None)));
        assert!(parse_amount("ten").is_err());
        assert_eq!(parse_amount("۲٬۵۰۰٬۰۰۰\u{200F}"), Ok(Amount(Some(2_500_000))), "pasted with a right-to-left mark");
        assert_eq!(parse_amount("2.500.000"), Ok(Amount(Some(2_500_000))));
        assert!(parse_amount("2.5").is_err(), "not a whole number of rials");
        assert_eq!(parse_number("۵"), Ok(5));
        assert_eq!(parse_number(" ١٢ "), Ok(12));
        assert!(parse_number("five").is_err());
        assert_eq!(parse_wait("۶۰"), Ok(60));
        assert!(parse_wait("61").is_err());
        assert!(parse_wait("-1").is_err());
    }

    #[test]
    fn server_urls_must_be_http() {
        assert!(parse_server_url("http://127.0.0.1:9").is_ok());
        assert!(parse_server_url("https://124.example.ir/").is_ok());
        assert!(parse_server_url("127.0.0.1:8124").is_err());
        assert!(parse_server_url("http://").is_err());
    }
}
