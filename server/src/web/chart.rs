//! Bar charts drawn on the server as inline SVG: no script, no chart library, nothing from
//! another host. Right to left: each bar's label sits above it at the right, the bar grows
//! leftwards from the right edge, and its figure follows its end. The chart is drawn in a
//! 320-unit-wide box that the style sheet scales to the column (a phone's width or half a
//! desk's), so the words stay readable at both.

use std::fmt::Write;

/// One bar: its label, its length (`None`: withheld, drawn as a dashed outline) and the figure
/// written beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// What it counts, in Persian.
    pub label: String,
    /// Its length, in any unit shared by the chart's bars.
    pub value: Option<f64>,
    /// The figure written at its end, in Persian digits.
    pub figure: String,
}

const WIDTH: f64 = 320.0;
const ROW: f64 = 44.0;
const LONGEST: f64 = 220.0;
const RIGHT: f64 = 316.0;

/// Escapes text for SVG.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A horizontal bar chart titled `title` (its accessible name); `id` makes its title's id unique
/// on the page.
pub fn bars(id: &str, title: &str, bars: &[Bar]) -> String {
    let max = bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::max);
    let height = (bars.len() as f64 * ROW + 8.0).max(ROW);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" direction="rtl"><title id="{id}-title">{}</title>"#,
        escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let top = 4.0 + i as f64 * ROW;
        let _ = write!(svg, r#"<text class="bar-label" x="{RIGHT}" y="{:.1}" text-anchor="start">{}</text>"#, top + 15.0, escape(&b.label));
        let bar_top = top + 22.0;
        let length = match b.value {
            Some(v) if max > 0.0 => (v / max * LONGEST).max(if v > 0.0 { 2.0 } else { 0.0 }),
            _ => 0.0,
        };
        match b.value {
            Some(_) => {
                let _ = write!(svg, r#"<rect class="bar" x="{:.1}" y="{bar_top:.1}" width="{length:.1}" height="14" rx="2"/>"#, RIGHT - length);
            }
            None => {
                let _ = write!(svg, r#"<rect class="bar withheld" x="{:.1}" y="{bar_top:.1}" width="24" height="14" rx="2"/>"#, RIGHT - 24.0);
            }
        }
        let figure_x = RIGHT - if b.value.is_some() { length } else { 24.0 } - 6.0;
        let _ = write!(svg, r#"<text class="bar-figure" x="{figure_x:.1}" y="{:.1}" text-anchor="start">{}</text>"#, bar_top + 12.0, escape(&b.figure));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_accessible_image_with_its_figures() {
        let svg = bars(
            "c",
            "شکایت‌ها <به> تفکیک",
            &[
                Bar { label: "تقلب".into(), value: Some(120.0), figure: "۱۲۰".into() },
                Bar { label: "احتکار".into(), value: None, figure: "منتشر نمی‌شود".into() },
            ],
        );
        assert!(svg.starts_with("<svg class=\"chart\" role=\"img\" aria-labelledby=\"c-title\""), "{svg}");
        assert!(svg.contains("<title id=\"c-title\">شکایت‌ها &lt;به&gt; تفکیک</title>"));
        assert!(svg.contains("۱۲۰") && svg.contains("منتشر نمی‌شود") && svg.contains("withheld"));
        // The longest bar fills the width from the right edge.
        assert!(svg.contains(r#"x="96.0" y="26.0" width="220.0""#), "{svg}");
    }
}
