//! The WHERE clause of a staff queue page, written once for every backend: what differs
//! between SQL dialects (how a parameter is written, how "contains" is spelled) is passed in.

use super::{Holding, QueueFilter, QueueSearch};

/// A value the clause binds, for the backend to convert into its own parameter type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterValue {
    /// A text.
    Text(String),
    /// An integer.
    Integer(i64),
}

/// What a backend's SQL spells its own way.
pub struct Dialect {
    /// The placeholder of the `n`th parameter (1-based): `?n` or `$n`.
    pub placeholder: fn(usize) -> String,
    /// An expression true when `column` contains the text of parameter `needle`.
    pub contains: fn(column: &str, needle: &str) -> String,
}

/// The clause (on complaints aliased `c`) and its parameters, in order.
pub fn queue_where(f: &QueueFilter, dialect: &Dialect) -> (String, Vec<FilterValue>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<FilterValue> = Vec::new();
    let mut bind = |value: FilterValue| {
        args.push(value);
        (dialect.placeholder)(args.len())
    };
    // Stage names are the code's own constants: written inline, so the planner sees them.
    let stages: Vec<String> = f.stages.iter().map(|s| format!("'{}'", s.wire_name())).collect();
    clauses.push(if stages.is_empty() { "1 = 0".to_owned() } else { format!("c.stage IN ({})", stages.join(", ")) });
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

#[cfg(test)]
mod tests {
    use super::*;
    use samat_core::model::{Province, Stage};

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
            limit: 50,
            offset: 0,
        };
        let (clause, args) = queue_where(&filter, &QUESTION);
        assert_eq!(clause, "c.stage IN ('received', 'expert_review') AND c.province_code = ?1 AND c.assigned_to = ?2 AND instr(c.search_business, ?3) > 0");
        assert_eq!(args, vec![FilterValue::Text(Province::Tehran.wire_name().into()), FilterValue::Integer(7), FilterValue::Text("نان".into())]);
        let (none, _) = queue_where(&QueueFilter { stages: vec![], ..filter }, &QUESTION);
        assert!(none.starts_with("1 = 0 AND "), "no stage, no row: {none}");
    }
}
