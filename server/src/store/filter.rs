//! The WHERE clause of a staff queue page, written once for every backend: what differs
//! between SQL dialects (how a parameter is written, how "contains" is spelled) is passed in.
//! The public Open311 listing's clause ([`public_where`]) is built the same way.

use samat_core::model::Stage;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Holding, PublicFilter, QueueFilter, QueueSearch};

/// A value the clause binds, for the backend to convert into its own parameter type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterValue {
    Text(String),
    Integer(i64),
    /// A point in time (each backend stores times its own way).
    Time(OffsetDateTime),
    Uuid(Uuid),
}

/// What a backend's SQL spells its own way.
pub struct Dialect {
    /// The placeholder of the `n`th parameter (1-based): `?n` or `$n`.
    pub placeholder: fn(usize) -> String,
    /// An expression true when `column` contains the text of parameter `needle`.
    pub contains: fn(column: &str, needle: &str) -> String,
}

/// Stage names as an SQL list (`'received', 'expert_review'`): the code's own constants,
/// written inline so the planner sees them.
pub fn stage_list(stages: &[Stage]) -> String {
    stages.iter().map(|s| format!("'{}'", s.wire_name())).collect::<Vec<_>>().join(", ")
}

/// Every open stage as an SQL list.
pub fn open_stage_list() -> String {
    stage_list(&Stage::open_stages().collect::<Vec<_>>())
}

/// The clause (on complaints aliased `c`) and its parameters, in order.
pub fn queue_where(f: &QueueFilter, dialect: &Dialect) -> (String, Vec<FilterValue>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<FilterValue> = Vec::new();
    let mut bind = |value: FilterValue| {
        args.push(value);
        (dialect.placeholder)(args.len())
    };
    clauses.push(if f.stages.is_empty() { "1 = 0".to_owned() } else { format!("c.stage IN ({})", stage_list(&f.stages)) });
    if let Some(p) = f.province {
        clauses.push(format!("c.province_code = {}", bind(FilterValue::Text(p.wire_name().into()))));
    }
    if let Some(c) = f.category {
        clauses.push(format!("c.category = {}", bind(FilterValue::Text(c.wire_name().into()))));
    }
    if let Some(c) = f.channel {
        clauses.push(format!("c.channel = {}", bind(FilterValue::Text(c.wire_name().into()))));
    }
    if let Some(city) = &f.city {
        clauses.push(format!("c.search_city = {}", bind(FilterValue::Text(city.clone()))));
    }
    match f.holding {
        Holding::Any => {}
        Holding::Mine(id) => clauses.push(format!("c.assigned_to = {}", bind(FilterValue::Integer(id)))),
        Holding::Unassigned => clauses.push("c.assigned_to IS NULL".into()),
    }
    if let Some(by) = f.due_by {
        clauses.push(format!("c.due_at <= {}", bind(FilterValue::Time(by))));
    }
    match &f.search {
        None => {}
        Some(QueueSearch::TrackingCode(code)) => clauses.push(format!("c.tracking_code = {}", bind(FilterValue::Text(code.as_str().into())))),
        Some(QueueSearch::Phone(phone)) => clauses.push(format!("c.phone = {}", bind(FilterValue::Text(phone.as_str().into())))),
        Some(QueueSearch::GuildId(id)) => clauses.push(format!("c.guild_id = {}", bind(FilterValue::Text(id.clone())))),
        Some(QueueSearch::BusinessName(key)) => {
            let needle = bind(FilterValue::Text(key.clone()));
            clauses.push((dialect.contains)("c.search_business", &needle));
        }
    }
    (clauses.join(" AND "), args)
}

/// The clause (on complaints aliased `c`) of a public Open311 listing, and its parameters.
pub fn public_where(f: &PublicFilter, dialect: &Dialect) -> (String, Vec<FilterValue>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<FilterValue> = Vec::new();
    let mut bind = |value: FilterValue| {
        args.push(value);
        (dialect.placeholder)(args.len())
    };
    // Ids are integers and category and stage names the code's own constants: written inline.
    if !f.ids.is_empty() {
        clauses.push(format!("c.id IN ({})", f.ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")));
    }
    if !f.categories.is_empty() {
        clauses.push(format!("c.category IN ({})", f.categories.iter().map(|c| format!("'{}'", c.wire_name())).collect::<Vec<_>>().join(", ")));
    }
    if !f.stages.is_empty() {
        clauses.push(format!("c.stage IN ({})", stage_list(&f.stages)));
    }
    if let Some(p) = f.province {
        clauses.push(format!("c.province_code = {}", bind(FilterValue::Text(p.wire_name().into()))));
    }
    if let Some(t) = f.filed_from {
        clauses.push(format!("c.created_at >= {}", bind(FilterValue::Time(t))));
    }
    if let Some(t) = f.filed_to {
        clauses.push(format!("c.created_at <= {}", bind(FilterValue::Time(t))));
    }
    if let Some(t) = f.updated_after {
        clauses.push(format!("c.updated_at > {}", bind(FilterValue::Time(t))));
    }
    if let Some(id) = f.client_id {
        clauses.push(format!("c.client_id = {}", bind(FilterValue::Uuid(id))));
    }
    if clauses.is_empty() {
        clauses.push("1 = 1".into());
    }
    (clauses.join(" AND "), args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use samat_core::model::{Category, Province, Stage};

    #[test]
    fn public_clauses_inline_constants_and_bind_the_rest() {
        let at = time::macros::datetime!(2025-03-01 00:00 UTC);
        let filter = PublicFilter {
            ids: vec![3, 5],
            categories: vec![Category::Fraud],
            stages: vec![Stage::Received, Stage::Resolved],
            province: Some(Province::Tehran),
            filed_from: Some(at),
            updated_after: Some(at),
            limit: 10,
            ..PublicFilter::default()
        };
        let (clause, args) = public_where(&filter, &QUESTION);
        assert_eq!(
            clause,
            "c.id IN (3, 5) AND c.category IN ('fraud') AND c.stage IN ('received', 'resolved') AND c.province_code = ?1 AND c.created_at >= ?2 AND c.updated_at > ?3"
        );
        assert_eq!(args, vec![FilterValue::Text("tehran".into()), FilterValue::Time(at), FilterValue::Time(at)]);
        assert_eq!(public_where(&PublicFilter::default(), &QUESTION).0, "1 = 1", "no condition: every complaint");
    }

    const QUESTION: Dialect = Dialect { placeholder: |n| format!("?{n}"), contains: |c, n| format!("instr({c}, {n}) > 0") };

    #[test]
    fn clauses_and_parameters_line_up() {
        let filter = QueueFilter {
            stages: vec![Stage::Received, Stage::ExpertReview],
            province: Some(Province::Tehran),
            category: None,
            channel: None,
            city: None,
            holding: Holding::Mine(7),
            search: Some(QueueSearch::BusinessName("نان".into())),
            due_by: Some(time::macros::datetime!(2025-11-24 00:00 +03:30)),
            limit: 50,
            offset: 0,
        };
        let (clause, args) = queue_where(&filter, &QUESTION);
        assert_eq!(
            clause,
            "c.stage IN ('received', 'expert_review') AND c.province_code = ?1 AND c.assigned_to = ?2 AND c.due_at <= ?3 AND instr(c.search_business, ?4) > 0"
        );
        assert_eq!(
            args,
            vec![
                FilterValue::Text(Province::Tehran.wire_name().into()),
                FilterValue::Integer(7),
                FilterValue::Time(time::macros::datetime!(2025-11-24 00:00 +03:30)),
                FilterValue::Text("نان".into())
            ]
        );
        let (none, _) = queue_where(&QueueFilter { stages: vec![], ..filter }, &QUESTION);
        assert!(none.starts_with("1 = 0 AND "), "no stage, no row: {none}");
    }
}
