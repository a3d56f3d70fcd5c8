//! The one tokio runtime. Every async export runs under uniffi's tokio integration
//! (`async_runtime = "tokio"`), which polls the foreign side's futures inside its runtime's
//! context (one runtime for the whole library, created on first use). `SamatClient::open`
//! takes that runtime's handle from here, and the update subscriptions are spawned on it, so
//! sockets, timers, the blocking pool and our own tasks all belong to the same runtime.
//! Nothing in the crate creates a runtime of its own.

use tokio::runtime::Handle;

use crate::SamatError;

/// The runtime the current async export runs on.
pub(crate) fn current() -> Result<Handle, SamatError> {
    Handle::try_current().map_err(|_| SamatError::Internal { detail: "no tokio runtime: an async export lacks async_runtime = \"tokio\"".into() })
}
