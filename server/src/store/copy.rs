//! `samat-server migrate --from sqlite://… --to postgres://…`: moves a province's pilot from
//! its SQLite file to PostgreSQL without losing a complaint.
//!
//! Both databases are first brought to their newest schema (the tables carry the same names
//! and columns on both). Every table is then read from one consistent snapshot of the SQLite
//! file (a read transaction: the pilot may keep running, and what it writes afterwards is not
//! copied) and written to PostgreSQL in one transaction, each value converted to the column's
//! PostgreSQL type; the identity counters are moved past the copied ids, and the row count of
//! every table is compared before the transaction commits. The target must hold no complaints
//! yet, so running the tool twice cannot double anything.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use rusqlite::types::Value as Lite;
use time::OffsetDateTime;
use tokio_postgres::types::{ToSql, Type};

use super::postgres::PgStore;
use super::sqlite::SqliteStore;

/// The tables, in an order that satisfies their foreign keys.
pub const TABLES: &[&str] = &[
    "settings",
    "staff",
    "sessions",
    "otps",
    "businesses",
    "api_keys",
    "complaints",
    "events",
    "outbox",
    "feedback",
    "photos",
    "devices",
    "push_outbox",
    "audit",
    "inbound_sms",
];

/// Columns that hold work in progress of one process, not data: left empty in the copy.
const TRANSIENT: &[&str] = &["claimed_until", "claimed_by"];

/// What was copied: per table, the rows read and the rows now in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// `(table, rows in the source, rows in the target)`, in [`TABLES`] order.
    pub tables: Vec<(String, i64, i64)>,
}

/// Copies everything from the SQLite database at `from` into the empty PostgreSQL database at
/// `to` (both as database URLs).
pub async fn sqlite_to_postgres(from: &str, to: &str) -> anyhow::Result<Copied> {
    let path =
        from.strip_prefix("sqlite://").or_else(|| from.strip_prefix("sqlite:")).ok_or_else(|| anyhow!("--from must be a sqlite:// URL, not {from:?}"))?;
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        bail!("--to must be a postgres:// URL, not {to:?}");
    }
    if !Path::new(path).exists() {
        bail!("{path}: no such SQLite database");
    }
    // Brings the source up to date (as the server would at start) and creates the target's
    // schema.
    drop(SqliteStore::open(path).await.with_context(|| format!("opening {path}"))?);
    let target = PgStore::open(to).await.context("opening the PostgreSQL database")?;
    let mut conn = target.pool().get().await.map_err(|e| anyhow!("cannot connect to the PostgreSQL database: {e}"))?;
    let tx = conn.transaction().await?;
    let present: i64 = tx.query_one("SELECT count(*) FROM complaints", &[]).await?.get(0);
    if present > 0 {
        bail!("the PostgreSQL database already holds {present} complaints: migrate into an empty database");
    }
    // What a fresh target made on its own (demo keys from a start with --demo) gives way to
    // the source's.
    tx.batch_execute(&format!("TRUNCATE {} RESTART IDENTITY CASCADE", TABLES.join(", "))).await?;

    let source = path.to_owned();
    let snapshot = tokio::task::spawn_blocking(move || read_all(&source)).await??;
    let mut tables = Vec::new();
    for (table, (columns, rows)) in TABLES.iter().zip(snapshot) {
        let types = target_columns(&tx, table).await?;
        for c in &columns {
            if !types.contains_key(c.as_str()) && !TRANSIENT.contains(&c.as_str()) {
                bail!("{table}.{c} has no column in the PostgreSQL schema: its data would be lost");
            }
        }
        let kept: Vec<(usize, &String)> = columns.iter().enumerate().filter(|(_, c)| !TRANSIENT.contains(&c.as_str())).collect();
        let names: Vec<&str> = kept.iter().map(|(_, c)| c.as_str()).collect();
        let placeholders: Vec<String> = (1..=kept.len()).map(|i| format!("${i}")).collect();
        let insert = tx
            .prepare(&format!("INSERT INTO {table} ({}) OVERRIDING SYSTEM VALUE VALUES ({})", names.join(", "), placeholders.join(", ")))
            .await
            .with_context(|| format!("preparing the copy of {table}"))?;
        for (n, row) in rows.iter().enumerate() {
            let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::with_capacity(kept.len());
            for (i, name) in &kept {
                let ty = &types[name.as_str()];
                params.push(convert(&row[*i], ty).with_context(|| format!("{table} row {} column {name}", n + 1))?);
            }
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
            tx.execute(&insert, &refs).await.with_context(|| format!("copying {table} row {}", n + 1))?;
        }
        // Ids drawn after the move continue after the copied ones.
        for (column, _) in types.iter().filter(|(_, t)| t.identity) {
            tx.execute(
                &format!("SELECT setval(pg_get_serial_sequence('{table}', '{column}'), coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"),
                &[],
            )
            .await?;
        }
        let copied: i64 = tx.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await?.get(0);
        if copied != rows.len() as i64 {
            bail!("{table}: {} rows read but {copied} in PostgreSQL; nothing was committed", rows.len());
        }
        tables.push((table.to_string(), rows.len() as i64, copied));
    }
    tx.commit().await?;
    Ok(Copied { tables })
}

/// Every table's column names and rows, read in one transaction.
#[allow(clippy::type_complexity)]
fn read_all(path: &str) -> anyhow::Result<Vec<(Vec<String>, Vec<Vec<Lite>>)>> {
    let mut conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let tx = conn.transaction()?;
    let mut out = Vec::new();
    for table in TABLES {
        let mut stmt = tx.prepare(&format!("SELECT * FROM {table}"))?;
        let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
        let width = columns.len();
        let rows = stmt.query_map([], |r| (0..width).map(|i| r.get::<_, Lite>(i)).collect::<Result<Vec<_>, _>>())?.collect::<Result<Vec<_>, _>>()?;
        drop(stmt);
        out.push((columns, rows));
    }
    Ok(out)
}

/// A PostgreSQL column's type, and whether it is an identity.
struct Column {
    ty: Type,
    identity: bool,
}

async fn target_columns(tx: &tokio_postgres::Transaction<'_>, table: &str) -> anyhow::Result<HashMap<String, Column>> {
    let rows = tx
        .query(
            "SELECT a.attname, a.atttypid, a.attidentity <> '' FROM pg_attribute a
             WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            &[&table],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let oid: u32 = r.get(1);
            let ty = Type::from_oid(oid).ok_or_else(|| anyhow!("{table}.{}: unknown type {oid}", r.get::<_, String>(0)))?;
            Ok((r.get(0), Column { ty, identity: r.get(2) }))
        })
        .collect()
}

/// One SQLite value as the PostgreSQL column's type wants it. SQLite keeps times as
/// milliseconds since the epoch, flags as 0/1, idempotency keys as text, JSON as text.
fn convert(value: &Lite, column: &Column) -> anyhow::Result<Box<dyn ToSql + Sync + Send>> {
    let ty = &column.ty;
    if matches!(value, Lite::Null) {
        return Ok(match *ty {
            Type::INT8 => Box::new(None::<i64>),
            Type::INT4 => Box::new(None::<i32>),
            Type::BOOL => Box::new(None::<bool>),
            Type::TIMESTAMPTZ => Box::new(None::<OffsetDateTime>),
            Type::DATE => Box::new(None::<time::Date>),
            Type::UUID => Box::new(None::<uuid::Uuid>),
            Type::JSONB | Type::JSON => Box::new(None::<serde_json::Value>),
            Type::BYTEA => Box::new(None::<Vec<u8>>),
            _ => Box::new(None::<String>),
        });
    }
    Ok(match (*ty == Type::INT8, *ty == Type::INT4, value) {
        (true, _, Lite::Integer(i)) => Box::new(*i),
        (_, true, Lite::Integer(i)) => Box::new(i32::try_from(*i)?),
        _ => match (ty, value) {
            (&Type::BOOL, Lite::Integer(i)) => Box::new(*i != 0),
            (&Type::TIMESTAMPTZ, Lite::Integer(ms)) => Box::new(OffsetDateTime::from_unix_timestamp_nanos(*ms as i128 * 1_000_000)?),
            (&Type::DATE, Lite::Text(s)) => Box::new(time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))?),
            (&Type::UUID, Lite::Text(s)) => Box::new(uuid::Uuid::parse_str(s)?),
            (&Type::UUID, Lite::Blob(b)) => Box::new(uuid::Uuid::from_slice(b)?),
            // Text that is not JSON is kept as a JSON string rather than lost; readers treat
            // details they cannot read as they do on SQLite.
            (&Type::JSONB | &Type::JSON, Lite::Text(s)) => {
                Box::new(serde_json::from_str::<serde_json::Value>(s).unwrap_or_else(|_| serde_json::Value::String(s.clone())))
            }
            (&Type::BYTEA, Lite::Blob(b)) => Box::new(b.clone()),
            (&Type::TEXT | &Type::VARCHAR, Lite::Text(s)) => Box::new(s.clone()),
            (&Type::TEXT | &Type::VARCHAR, Lite::Integer(i)) => Box::new(i.to_string()),
            (ty, v) => bail!("cannot store SQLite {v:?} as PostgreSQL {ty}"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(ty: Type) -> Column {
        Column { ty, identity: false }
    }

    #[test]
    fn sqlite_values_become_the_target_types_or_say_why_not() {
        assert!(convert(&Lite::Integer(1_700_000_000_000), &col(Type::TIMESTAMPTZ)).is_ok());
        assert!(convert(&Lite::Text("1403-01-01".into()), &col(Type::DATE)).is_ok(), "a Gregorian-shaped date parses");
        assert!(convert(&Lite::Text("not-a-uuid".into()), &col(Type::UUID)).is_err());
        assert!(convert(&Lite::Text("{\"violation\": true}".into()), &col(Type::JSONB)).is_ok());
        assert!(convert(&Lite::Text("{broken".into()), &col(Type::JSONB)).is_ok(), "kept as a string");
        assert!(convert(&Lite::Integer(1 << 40), &col(Type::INT4)).is_err(), "too big for integer");
        assert!(convert(&Lite::Null, &col(Type::UUID)).is_ok());
        assert!(convert(&Lite::Real(1.5), &col(Type::BOOL)).is_err());
    }
}
