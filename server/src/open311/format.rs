//! The two wire formats of GeoReport v2, chosen by the path's extension (`services.json`,
//! `services.xml`): answers are built once as [`Record`]s and written as JSON or as XML, with
//! every text escaped and times in W3C (ISO 8601 with offset) form.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use time::{OffsetDateTime, UtcOffset};

/// JSON or XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// The MIME type of answers in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// Splits a path's last segment into the document and its format: `requests.xml` →
/// `("requests", Xml)`. `None` when the extension is neither `json` nor `xml`.
pub fn split_doc(segment: &str) -> Option<(&str, Format)> {
    let (stem, ext) = segment.rsplit_once('.')?;
    let format = match ext.to_ascii_lowercase().as_str() {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    (!stem.is_empty()).then_some((stem, format))
}

/// The format a malformed path most likely wanted its error in: XML when it ends in `.xml`.
pub fn guess_format(segment: &str) -> Format {
    if segment.to_ascii_lowercase().ends_with(".xml") {
        Format::Xml
    } else {
        Format::Json
    }
}

/// One value of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(String),
    /// An integer.
    Int(i64),
    /// A flag (`true`/`false` in both formats).
    Bool(bool),
    /// Nothing known: `null` in JSON, an empty element in XML.
    Null,
    /// Records under this element name each (`<values><value>…</value></values>`, or a JSON
    /// array of objects).
    List(&'static str, Vec<Record>),
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Val::Text(s.to_owned())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Self {
        Val::Text(s)
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

/// One element of an answer: its fields in the order the spec lists them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record(pub Vec<(&'static str, Val)>);

impl Record {
    /// Adds a field.
    pub fn with(mut self, name: &'static str, value: impl Into<Val>) -> Self {
        self.0.push((name, value.into()));
        self
    }

    /// The value of a field, if present.
    pub fn get(&self, name: &str) -> Option<&Val> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn to_json(&self) -> Value {
        let map: Map<String, Value> = self.0.iter().map(|(name, v)| ((*name).to_owned(), val_json(v))).collect();
        Value::Object(map)
    }

    fn write_xml(&self, out: &mut String) {
        for (name, v) in &self.0 {
            match v {
                Val::Null => {
                    out.push('<');
                    out.push_str(name);
                    out.push_str("/>");
                }
                Val::List(item, records) => {
                    out.push('<');
                    out.push_str(name);
                    out.push('>');
                    for r in records {
                        element(out, item, r);
                    }
                    out.push_str("</");
                    out.push_str(name);
                    out.push('>');
                }
                Val::Text(t) => text_element(out, name, t),
                Val::Int(i) => text_element(out, name, &i.to_string()),
                Val::Bool(b) => text_element(out, name, if *b { "true" } else { "false" }),
            }
        }
    }
}

fn val_json(v: &Val) -> Value {
    match v {
        Val::Text(t) => Value::String(t.clone()),
        Val::Int(i) => Value::from(*i),
        Val::Bool(b) => Value::Bool(*b),
        Val::Null => Value::Null,
        Val::List(_, records) => Value::Array(records.iter().map(Record::to_json).collect()),
    }
}

fn element(out: &mut String, name: &str, r: &Record) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    r.write_xml(out);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn text_element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&xml_escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Text made safe inside an XML element: markup characters escaped, and characters XML 1.0
/// cannot carry at all (most control characters) dropped.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A list answer: a JSON array of objects, or `<root><item>…</item>…</root>`.
pub fn list_body(format: Format, root: &str, item: &str, records: &[Record]) -> String {
    match format {
        Format::Json => Value::Array(records.iter().map(Record::to_json).collect()).to_string(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            out.push('<');
            out.push_str(root);
            out.push('>');
            for r in records {
                element(&mut out, item, r);
            }
            out.push_str("</");
            out.push_str(root);
            out.push('>');
            out
        }
    }
}

/// A single-object answer: a JSON object, or `<root>…</root>`.
pub fn object_body(format: Format, root: &str, record: &Record) -> String {
    match format {
        Format::Json => record.to_json().to_string(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            element(&mut out, root, record);
            out
        }
    }
}

/// An answer with the format's content type.
pub fn respond(format: Format, status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()))], body).into_response()
}

/// Iran's offset from UTC (no daylight saving since 2022).
pub const IRAN: UtcOffset = time::macros::offset!(+3:30);

/// A time in W3C form, to the second, in Iran's offset: `2025-03-01T10:15:00+03:30`.
pub fn w3c(t: OffsetDateTime) -> String {
    let t = t.to_offset(IRAN);
    let (h, m) = (IRAN.whole_hours(), IRAN.minutes_past_hour());
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+{h:02}:{m:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_picks_the_format() {
        let cases = [
            ("services.json", Some(("services", Format::Json))),
            ("requests.XML", Some(("requests", Format::Xml))),
            ("fraud.json", Some(("fraud", Format::Json))),
            ("requests", None),
            ("requests.html", None),
            (".json", None),
        ];
        for (segment, want) in cases {
            assert_eq!(split_doc(segment), want, "{segment}");
        }
        assert_eq!(guess_format("x.xml"), Format::Xml);
        assert_eq!(guess_format("x.yaml"), Format::Json);
    }

    #[test]
    fn xml_text_is_escaped_and_stripped_of_what_xml_cannot_hold() {
        let cases = [
            ("<b>&\"'", "&lt;b&gt;&amp;&quot;&apos;"),
            ("کالای قاچاق", "کالای قاچاق"),
            ("a\u{0}b\u{1b}c", "abc"),
            ("line\nnext", "line\nnext"),
            ("]]>", "]]&gt;"),
        ];
        for (input, want) in cases {
            assert_eq!(xml_escape(input), want, "{input:?}");
        }
    }

    #[test]
    fn one_record_reads_the_same_in_both_formats() {
        let r = Record::default()
            .with("service_code", "fraud")
            .with("metadata", Val::Bool(true))
            .with("lat", Val::Null)
            .with("values", Val::List("value", vec![Record::default().with("key", "true")]));
        assert_eq!(
            list_body(Format::Xml, "services", "service", std::slice::from_ref(&r)),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>fraud</service_code><metadata>true</metadata><lat/>\
             <values><value><key>true</key></value></values></service></services>"
        );
        let json: Value = serde_json::from_str(&list_body(Format::Json, "services", "service", &[r])).unwrap();
        assert_eq!(json, serde_json::json!([{"service_code": "fraud", "metadata": true, "lat": null, "values": [{"key": "true"}]}]));
    }

    #[test]
    fn times_are_w3c_in_irans_offset() {
        assert_eq!(w3c(time::macros::datetime!(2025-03-01 06:45:12.5 UTC)), "2025-03-01T10:15:12+03:30");
        assert_eq!(w3c(time::macros::datetime!(2025-03-01 22:00 UTC)), "2025-03-02T01:30:00+03:30");
    }
}
