//! Staff accounts: create, find, list, change role and province, disable, set passwords.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use samat_core::model::{Province, Role};
use time::OffsetDateTime;

use super::db::backend;
use super::rows::{bad, from_ms, ms, province_at};
use super::SqliteStore;
use crate::store::{NewStaff, StaffRecord, StaffStore, StaffUpdate, StoreError, StoreResult};

const STAFF_COLUMNS: &str = "id, username, display_name, password_hash, role, province, active, created_at";

fn staff_row(r: &Row) -> rusqlite::Result<StaffRecord> {
    Ok(StaffRecord {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        password_hash: r.get(3)?,
        role: Role::from_wire(&r.get::<_, String>(4)?).ok_or_else(|| bad(4, "role"))?,
        province: province_at(r, 5)?,
        active: r.get(6)?,
        created_at: from_ms(r.get(7)?),
    })
}

fn staff_where(conn: &Connection, clause: &str, value: &dyn rusqlite::ToSql) -> rusqlite::Result<Option<StaffRecord>> {
    conn.prepare_cached(&format!("SELECT {STAFF_COLUMNS} FROM staff WHERE {clause}"))?.query_row([value], staff_row).optional()
}

/// Ends every session of staff member `id` but `keep`.
fn end_sessions(conn: &Connection, id: i64, keep: Option<&[u8]>) -> rusqlite::Result<usize> {
    conn.execute("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1 AND revoked = 0 AND (?2 IS NULL OR token_hash <> ?2)", params![id, keep])
}

#[async_trait]
impl StaffStore for SqliteStore {
    async fn add_staff(&self, staff: NewStaff) -> StoreResult<i64> {
        self.db
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO staff (username, display_name, password_hash, role, province, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        staff.username,
                        staff.display_name,
                        staff.password_hash,
                        staff.role.wire_name(),
                        staff.province.map(Province::wire_name),
                        ms(OffsetDateTime::now_utc())
                    ],
                )
                .map_err(|e| match backend(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!("username {:?} is taken", staff.username)),
                    other => other,
                })?;
                Ok(conn.last_insert_rowid())
            })
            .await
    }

    async fn find_staff(&self, username: &str) -> StoreResult<Option<StaffRecord>> {
        let username = username.to_owned();
        self.db.read(move |conn| staff_where(conn, "username = ?1", &username).map_err(backend)).await
    }

    async fn staff_by_id(&self, id: i64) -> StoreResult<Option<StaffRecord>> {
        self.db.read(move |conn| staff_where(conn, "id = ?1", &id).map_err(backend)).await
    }

    async fn list_staff(&self) -> StoreResult<Vec<StaffRecord>> {
        self.db
            .read(|conn| {
                conn.prepare_cached(&format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY username"))
                    .and_then(|mut s| s.query_map([], staff_row)?.collect())
                    .map_err(backend)
            })
            .await
    }

    async fn update_staff(&self, id: i64, update: StaffUpdate) -> StoreResult<bool> {
        self.db
            .write(move |conn| {
                let Some(old) = staff_where(conn, "id = ?1", &id).map_err(backend)? else { return Ok(false) };
                conn.execute(
                    "UPDATE staff SET role = ?2, province = ?3, active = ?4, display_name = ?5 WHERE id = ?1",
                    params![id, update.role.wire_name(), update.province.map(Province::wire_name), update.active, update.display_name],
                )
                .map_err(backend)?;
                // What a session may do was decided at login: a new role, province or a
                // disabled account starts afresh.
                if !update.active || old.role != update.role || old.province != update.province {
                    end_sessions(conn, id, None).map_err(backend)?;
                }
                Ok(true)
            })
            .await
    }

    async fn set_staff_password(&self, id: i64, password_hash: &str, keep: Option<Vec<u8>>) -> StoreResult<bool> {
        let password_hash = password_hash.to_owned();
        self.db
            .write(move |conn| {
                let n = conn.execute("UPDATE staff SET password_hash = ?2 WHERE id = ?1", params![id, password_hash]).map_err(backend)?;
                if n == 0 {
                    return Ok(false);
                }
                end_sessions(conn, id, keep.as_deref()).map_err(backend)?;
                Ok(true)
            })
            .await
    }
}
