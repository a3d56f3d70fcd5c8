//! Versioned SQLite schemas, one upgrade step per version recorded in `PRAGMA user_version`.
//! Shared by the server's database and the app's, which each keep their own list of steps.
//! Each step runs in its own transaction, so a crash mid-upgrade leaves the previous version
//! intact; a database written by a newer program is refused rather than damaged.

use rusqlite::Connection;

/// Why a schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The database was written by a newer program.
    #[error("the database schema is version {found}, newer than this program knows ({known}); upgrade the program")]
    Newer {
        /// Version in the file.
        found: i64,
        /// Newest version this program writes.
        known: i64,
    },
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Applies `steps[version..target]` (step `i` takes the schema from version `i` to `i + 1`)
/// and returns the version reached.
pub fn migrate_to(conn: &mut Connection, steps: &[&str], target: i64) -> Result<i64, MigrateError> {
    let known = steps.len() as i64;
    let mut version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > known {
        return Err(MigrateError::Newer { found: version, known });
    }
    while version < target.min(known) {
        let tx = conn.transaction()?;
        tx.execute_batch(steps[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        version += 1;
    }
    Ok(version)
}
