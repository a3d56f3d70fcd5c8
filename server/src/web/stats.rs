//! The public statistics page (`/stats`): the figures of the latest rollup as bar charts drawn
//! on the server, each beside a table of the same numbers, in Persian with Jalali months;
//! filtered by province or category through a plain GET form. Withheld cells read «منتشر
//! نمی‌شود», never 0. Public and the same for everyone, so caches may keep it a while.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use samat_core::model::stats::{Area, Outcome, PublicStats, FUNNEL_STAGES};
use samat_core::model::text::{group_thousands, persian_digits};
use samat_core::model::{Category, Stage};
use serde::Deserialize;

use super::chart::{bars, Bar};
use super::page::{render, ErrorPage, Layout};
use crate::state::AppState;

/// What a withheld cell reads.
pub const WITHHELD_FA: &str = "منتشر نمی‌شود";

/// Routes of this page.
pub fn router() -> Router<AppState> {
    Router::new().route("/stats", get(stats_page))
}

/// The filters of the form; anything unknown means "all".
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// A province's wire name, or `unplaced`.
    pub province: Option<String>,
    /// A category's wire name.
    pub category: Option<String>,
}

/// One figure: a chart (if it has one) and the table of its numbers.
pub struct Figure {
    /// Its anchor and the id of its chart's title.
    pub id: &'static str,
    /// Its heading.
    pub title: String,
    /// The chart, as SVG markup (empty for a table alone).
    pub svg: String,
    /// The table's column headings.
    pub columns: Vec<&'static str>,
    /// The table's rows.
    pub rows: Vec<Vec<String>>,
}

/// An option of a filter's menu.
pub struct Choice {
    /// Its wire name.
    pub value: &'static str,
    /// Its Persian name.
    pub label: &'static str,
    /// Whether it is chosen.
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "public/stats.html")]
struct StatsPage {
    layout: Layout,
    generated: String,
    threshold: String,
    heading: String,
    total: String,
    provinces: Vec<Choice>,
    categories: Vec<Choice>,
    figures: Vec<Figure>,
    both_filters: bool,
}

/// A count as people read it: `۱۲٬۳۴۵`, or «منتشر نمی‌شود».
pub fn count_fa(count: Option<u64>) -> String {
    count.map_or_else(|| WITHHELD_FA.to_owned(), |n| persian_digits(&group_thousands(n as i64, '٬')))
}

fn decimal_fa(v: f64) -> String {
    persian_digits(&format!("{v:.1}")).replace('.', "٫")
}

fn percent_fa(part: u64, whole: u64) -> String {
    if whole == 0 {
        return String::new();
    }
    format!("{}٪", decimal_fa((part as f64 * 1000.0 / whole as f64).round() / 10.0))
}

fn bar(label: impl Into<String>, count: Option<u64>, figure: String) -> Bar {
    Bar { label: label.into(), value: count.map(|n| n as f64), figure }
}

/// The figures of one slice of the publication (`None`: all).
fn figures(s: &PublicStats, index: &crate::stats::FiledIndex, category: Option<Category>, area: Option<Area>) -> (Option<u64>, Vec<Figure>) {
    let filed = |c, a, m| index.count(s, c, a, m);
    let total = filed(category, area, None);
    let mut out = Vec::new();

    let months: Vec<(String, Option<u64>)> = s.months.iter().map(|&m| (m.label_fa(), filed(category, area, Some(m)))).collect();
    out.push(Figure {
        id: "months",
        title: "شکایت‌های ثبت‌شده در هر ماه".into(),
        svg: bars("months", "نمودار شکایت‌های ثبت‌شده در هر ماه", &months.iter().map(|(l, c)| bar(l.clone(), *c, count_fa(*c))).collect::<Vec<_>>()),
        columns: vec!["ماه", "شکایت"],
        rows: months.iter().map(|(l, c)| vec![l.clone(), count_fa(*c)]).collect(),
    });
    if category.is_none() {
        let rows: Vec<(&str, Option<u64>)> = Category::ALL.iter().map(|&c| (c.label_fa(), filed(Some(c), area, None))).collect();
        out.push(Figure {
            id: "categories",
            title: "شکایت‌ها به تفکیک موضوع".into(),
            svg: bars("categories", "نمودار شکایت‌ها به تفکیک موضوع", &rows.iter().map(|(l, c)| bar(*l, *c, count_fa(*c))).collect::<Vec<_>>()),
            columns: vec!["موضوع", "شکایت"],
            rows: rows.iter().map(|(l, c)| vec![l.to_string(), count_fa(*c)]).collect(),
        });
    }
    if area.is_none() {
        let rows: Vec<(&str, Option<u64>)> = Area::all().map(|a| (a.label_fa(), filed(category, Some(a), None))).collect();
        out.push(Figure {
            id: "provinces",
            title: "شکایت‌ها به تفکیک استان".into(),
            svg: bars("provinces", "نمودار شکایت‌ها به تفکیک استان", &rows.iter().map(|(l, c)| bar(*l, *c, count_fa(*c))).collect::<Vec<_>>()),
            columns: vec!["استان", "شکایت"],
            rows: rows.iter().map(|(l, c)| vec![l.to_string(), count_fa(*c)]).collect(),
        });
    }
    if category.is_some() && area.is_some() {
        // Outcomes, the funnel and timing are published nationally, by category and by province only.
        return (total, out);
    }

    let share = |n: Option<u64>| match (n, total) {
        (Some(n), Some(t)) => format!("{} ({})", count_fa(Some(n)), percent_fa(n, t)),
        _ => count_fa(n),
    };
    let outcomes: Vec<(&str, Option<u64>)> = Outcome::ALL
        .iter()
        .map(|&o| (o.label_fa(), s.outcomes.iter().find(|c| c.category == category && c.province == area && c.outcome == o).and_then(|c| c.count)))
        .collect();
    out.push(Figure {
        id: "outcomes",
        title: "سرانجام شکایت‌ها".into(),
        svg: bars("outcomes", "نمودار سرانجام شکایت‌ها", &outcomes.iter().map(|(l, c)| bar(*l, *c, share(*c))).collect::<Vec<_>>()),
        columns: vec!["وضعیت", "شکایت", "سهم"],
        rows: outcomes.iter().map(|(l, c)| vec![l.to_string(), count_fa(*c), c.zip(total).map(|(n, t)| percent_fa(n, t)).unwrap_or_default()]).collect(),
    });

    let mut funnel: Vec<(&str, Option<u64>)> = vec![(Stage::Received.label_fa(), total)];
    funnel.extend(
        FUNNEL_STAGES
            .iter()
            .map(|&st| (st.label_fa(), s.funnel.iter().find(|c| c.category == category && c.province == area && c.stage == st).and_then(|c| c.count))),
    );
    out.push(Figure {
        id: "funnel",
        title: "مراحلی که شکایت‌ها به آن رسیدند".into(),
        svg: bars("funnel", "نمودار قیفی مراحل رسیدگی", &funnel.iter().map(|(l, c)| bar(*l, *c, share(*c))).collect::<Vec<_>>()),
        columns: vec!["مرحله", "شکایت", "سهم از کل"],
        rows: funnel.iter().map(|(l, c)| vec![l.to_string(), count_fa(*c), c.zip(total).map(|(n, t)| percent_fa(n, t)).unwrap_or_default()]).collect(),
    });

    let timing: Vec<_> = s.timing.iter().filter(|t| t.category == category && t.province == area).collect();
    let days = |d: Option<f64>| d.map_or_else(|| WITHHELD_FA.to_owned(), |d| format!("{} روز", decimal_fa(d)));
    out.push(Figure {
        id: "on-time",
        title: "سهم مراحلی که در مهلت انجام شد".into(),
        svg: bars(
            "on-time",
            "نمودار سهم مراحلی که در مهلت انجام شد",
            &timing
                .iter()
                .map(|t| Bar {
                    label: t.stage.label_fa().into(),
                    value: t.on_time_percent,
                    figure: t.on_time_percent.map_or_else(|| WITHHELD_FA.to_owned(), |p| format!("{}٪", decimal_fa(p))),
                })
                .collect::<Vec<_>>(),
        ),
        columns: vec!["مرحله", "میانه", "صدک ۹۰", "در مهلت"],
        rows: timing
            .iter()
            .map(|t| {
                vec![
                    t.stage.label_fa().to_owned(),
                    days(t.median_days),
                    days(t.p90_days),
                    t.on_time_percent.map_or_else(|| WITHHELD_FA.to_owned(), |p| format!("{}٪", decimal_fa(p))),
                ]
            })
            .collect(),
    });
    (total, out)
}

/// The public statistics page. No JavaScript; the filters are a GET form.
#[utoipa::path(get, path = "/stats", tag = "statistics",
    params(("province" = Option<String>, Query, description = "a province's wire name, or unplaced"),
        ("category" = Option<String>, Query, description = "a category's wire name")),
    responses((status = 200, content_type = "text/html"), (status = 503, content_type = "text/html")))]
pub async fn stats_page(State(state): State<AppState>, filter: Result<Query<Filter>, axum::extract::rejection::QueryRejection>) -> Response {
    // A malformed query shows everything rather than an error: the filters are only a view.
    let filter = filter.map(|Query(f)| f).unwrap_or_default();
    let layout = super::public::layout("آمار شکایت‌ها");
    let Some(p) = crate::stats::latest(&state) else {
        return ErrorPage::new(layout.titled("آمار در حال آماده شدن است"), "آمار در حال آماده شدن است", "چند دقیقه بعد دوباره سر بزنید.")
            .respond(StatusCode::SERVICE_UNAVAILABLE);
    };
    let area = filter.province.as_deref().and_then(Area::from_wire);
    let category = filter.category.as_deref().and_then(Category::from_wire);
    let (total, figures) = figures(&p.stats, &p.filed_index, category, area);
    let heading = match (category, area) {
        (None, None) => "کل کشور".to_owned(),
        (Some(c), None) => format!("موضوع: {}", c.label_fa()),
        (None, Some(a)) => a.label_fa().to_owned(),
        (Some(c), Some(a)) => format!("{} — موضوع: {}", a.label_fa(), c.label_fa()),
    };
    let page = StatsPage {
        layout: Layout { main_class: "", ..layout },
        generated: super::format::when(p.stats.generated_at),
        threshold: persian_digits(&p.stats.suppression_threshold.to_string()),
        heading,
        total: count_fa(total),
        provinces: Area::all().map(|a| Choice { value: a.wire_name(), label: a.label_fa(), selected: Some(a) == area }).collect(),
        categories: Category::ALL.iter().map(|&c| Choice { value: c.wire_name(), label: c.label_fa(), selected: Some(c) == category }).collect(),
        figures,
        both_filters: category.is_some() && area.is_some(),
    };
    let mut r = render(StatusCode::OK, &page);
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(crate::routes::stats::CACHE_CONTROL));
    r
}
