//! Staff accounts: create, find, list, change role and province, disable, set passwords. A
//! change that ends an account's sessions is announced to every replica.

use async_trait::async_trait;
use samat_core::model::{Province, Role};
use time::OffsetDateTime;
use tokio_postgres::Row;

use super::rows::{bad, get, ms, province_at, Cached};
use super::{feed, pg, PgStore};
use crate::store::{Change, NewStaff, StaffRecord, StaffStore, StaffUpdate, StoreError, StoreResult};

const STAFF_COLUMNS: &str = "id, username, display_name, password_hash, role, province, active, created_at";

fn staff_row(r: &Row) -> StoreResult<StaffRecord> {
    let role: String = get(r, 4)?;
    Ok(StaffRecord {
        id: get(r, 0)?,
        username: get(r, 1)?,
        display_name: get(r, 2)?,
        password_hash: get(r, 3)?,
        role: Role::from_wire(&role).ok_or_else(|| bad("role", &role))?,
        province: province_at(r, 5)?,
        active: get(r, 6)?,
        created_at: get(r, 7)?,
    })
}

async fn staff_where(c: &impl Cached, clause: &str, value: &(dyn tokio_postgres::types::ToSql + Sync), lock: bool) -> StoreResult<Option<StaffRecord>> {
    let sql = format!("SELECT {STAFF_COLUMNS} FROM staff WHERE {clause}{}", if lock { " FOR UPDATE" } else { "" });
    c.query_opt_c(&sql, &[value]).await.map_err(pg)?.as_ref().map(staff_row).transpose()
}

/// Ends every session of staff member `id` but `keep`, and tells the replicas.
async fn end_sessions(c: &impl Cached, id: i64, keep: Option<&[u8]>) -> StoreResult<()> {
    c.execute_c("UPDATE sessions SET revoked = true WHERE staff_id = $1 AND NOT revoked AND ($2::bytea IS NULL OR token_hash <> $2)", &[&id, &keep])
        .await
        .map_err(pg)?;
    feed::notify(c, &Change::StaffAccount(id)).await
}

#[async_trait]
impl StaffStore for PgStore {
    async fn add_staff(&self, staff: NewStaff) -> StoreResult<i64> {
        let conn = self.conn().await?;
        let row = conn
            .query_one_c(
                "INSERT INTO staff (username, display_name, password_hash, role, province, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &staff.username,
                    &staff.display_name,
                    &staff.password_hash,
                    &staff.role.wire_name(),
                    &staff.province.map(Province::wire_name),
                    &ms(OffsetDateTime::now_utc()),
                ],
            )
            .await
            .map_err(|e| match pg(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("username {:?} is taken", staff.username)),
                other => other,
            })?;
        get(&row, 0)
    }

    async fn find_staff(&self, username: &str) -> StoreResult<Option<StaffRecord>> {
        staff_where(&self.conn().await?, "username = $1", &username, false).await
    }

    async fn staff_by_id(&self, id: i64) -> StoreResult<Option<StaffRecord>> {
        staff_where(&self.conn().await?, "id = $1", &id, false).await
    }

    async fn list_staff(&self) -> StoreResult<Vec<StaffRecord>> {
        let conn = self.conn().await?;
        let rows = conn.query_c(&format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY username COLLATE \"C\""), &[]).await.map_err(pg)?;
        rows.iter().map(staff_row).collect()
    }

    async fn update_staff(&self, id: i64, update: StaffUpdate) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let Some(old) = staff_where(&tx, "id = $1", &id, true).await? else { return Ok(false) };
        tx.execute_c(
            "UPDATE staff SET role = $2, province = $3, active = $4, display_name = $5 WHERE id = $1",
            &[&id, &update.role.wire_name(), &update.province.map(Province::wire_name), &update.active, &update.display_name],
        )
        .await
        .map_err(pg)?;
        // What a session may do was decided at login: a new role, province or a disabled
        // account starts afresh.
        if !update.active || old.role != update.role || old.province != update.province {
            end_sessions(&tx, id, None).await?;
        }
        tx.commit().await.map_err(pg)?;
        Ok(true)
    }

    async fn set_staff_password(&self, id: i64, password_hash: &str, keep: Option<Vec<u8>>) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let n = tx.execute_c("UPDATE staff SET password_hash = $2 WHERE id = $1", &[&id, &password_hash]).await.map_err(pg)?;
        if n == 0 {
            return Ok(false);
        }
        end_sessions(&tx, id, keep.as_deref()).await?;
        tx.commit().await.map_err(pg)?;
        Ok(true)
    }
}
