//! What can go wrong in storage, whatever the backend.

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (username taken, client_id of another citizen, ...).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The complaint moved on since it was read (a concurrent transition).
    #[error("the complaint changed stage concurrently")]
    StageChanged,
    /// Someone took, released or was handed the complaint since it was read.
    #[error("the complaint changed hands concurrently")]
    HolderChanged,
    /// The session the request came with was revoked or expired meanwhile.
    #[error("the session ended")]
    SessionEnded,
    /// An idempotency key (`action_id`) already recorded for another complaint.
    #[error("this action_id was used for another complaint")]
    ActionIdConflict,
    /// The database cannot be reached right now (restarting, network); the request may be
    /// retried.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Something is wrong with the database itself.
    #[error("database error: {0}")]
    Backend(String),
}

/// Result of storage calls.
pub type StoreResult<T> = Result<T, StoreError>;
