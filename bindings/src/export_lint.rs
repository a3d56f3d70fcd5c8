//! Every async export must name the tokio runtime: without `async_runtime = "tokio"` the call
//! compiles, and then panics at run time on the phone with "no reactor running". This test
//! reads the crate's own sources and fails on any `#[uniffi::export]` item holding an
//! `async fn` without it.

use std::path::Path;

/// The `#[uniffi::export ...]` attributes in `source` whose item contains an `async fn` but
/// which do not name the tokio runtime, as (line, attribute) pairs.
fn missing_runtime(source: &str) -> Vec<(usize, String)> {
    let code = strip_comments_and_strings(source);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = code[from..].find("#[uniffi::export") {
        let start = from + pos;
        let attr_end = start + code[start..].find(']').unwrap_or(code.len() - start);
        let attribute = &code[start..=attr_end.min(code.len() - 1)];
        let item = item_after(&code, attr_end + 1);
        if item.contains("async fn") && !attribute.replace(' ', "").contains("async_runtime=\"tokio\"") {
            let line = code[..start].matches('\n').count() + 1;
            found.push((line, attribute.to_owned()));
        }
        from = attr_end + 1;
    }
    found
}

/// The item starting at `at`: up to the end of its first `{ ... }` block, or to `;`.
fn item_after(code: &str, at: usize) -> &str {
    let rest = &code[at..];
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return &rest[..=i];
                }
            }
            ';' if depth == 0 => return &rest[..=i],
            _ => {}
        }
    }
    rest
}

/// Blanks out comments and string contents (keeping the quotes and the length), so a brace or
/// an `async fn` in a doc comment or a string cannot confuse the scan. Attribute strings such
/// as `"tokio"` are kept.
fn strip_comments_and_strings(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let mut in_attribute = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            continue;
        }
        if c == '#' && chars.get(i + 1) == Some(&'[') {
            in_attribute = true;
        }
        if c == ']' {
            in_attribute = false;
        }
        if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                } else if in_attribute {
                    out.push(chars[i]);
                } else if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            out.push('"');
            i += 1;
            continue;
        }
        if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            // A char literal like '{'.
            out.push_str("' '");
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[test]
fn every_async_export_runs_on_tokio() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    let mut async_exports = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("export_lint.rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            async_exports += strip_comments_and_strings(&source).matches("async_runtime = \"tokio\"").count();
            for (line, attribute) in missing_runtime(&source) {
                problems.push(format!("{}:{line}: {attribute}", path.display()));
            }
        }
    }
    assert!(problems.is_empty(), "async exports without async_runtime = \"tokio\":\n{}", problems.join("\n"));
    assert!(async_exports > 0, "the scan found no async export at all: is it still reading the right folder?");
}

#[test]
fn the_scan_catches_a_missing_runtime() {
    let bad = "/// {\n#[uniffi::export]\nimpl X {\n    pub fn a(&self) { let s = \"}\"; }\n    pub async fn b(&self) {}\n}\n";
    assert_eq!(missing_runtime(bad).len(), 1);
    let bad_fn = "#[uniffi::export]\npub async fn f() -> u8 { 1 }\n";
    assert_eq!(missing_runtime(bad_fn).len(), 1);
    let good = "#[uniffi::export(async_runtime = \"tokio\")]\nimpl X {\n    pub async fn b(&self) {}\n}\n#[uniffi::export]\npub fn sync_only() {}\n";
    assert!(missing_runtime(good).is_empty());
    let trait_def = "#[uniffi::export(foreign)]\npub trait L: Send + Sync {\n    fn on(&self);\n}\n";
    assert!(missing_runtime(trait_def).is_empty());
}
