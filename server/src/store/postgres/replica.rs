//! What the replicas share through the database besides the data: the change feed and the
//! rate limits (the generic cell rate algorithm over a table of theoretical arrival times,
//! decided in one statement by the database's clock, so every replica counts the same).

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::rows::get;
use super::rows::Cached;
use super::{pg, PgStore};
use crate::store::{Change, ReplicaStore, StoreResult};

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

#[async_trait]
impl ReplicaStore for PgStore {
    fn changes(&self) -> Option<broadcast::Receiver<Change>> {
        Some(self.changes.subscribe())
    }

    fn shares_rate_limits(&self) -> bool {
        true
    }

    async fn take_rate(&self, key: &str, interval: Duration, tolerance: Duration) -> StoreResult<Result<(), Duration>> {
        let conn = self.conn().await?;
        let (interval, tolerance) = (micros(interval), micros(tolerance));
        // The arrival time moves one interval on, unless it already runs more than the
        // tolerance ahead of now: then nothing is written and no row comes back.
        let taken = conn
            .query_opt_c(
                "INSERT INTO rate_limits AS r (key, tat) VALUES ($1, now() + $2::bigint * interval '1 microsecond')
                 ON CONFLICT (key) DO UPDATE SET tat = greatest(r.tat, now()) + $2::bigint * interval '1 microsecond'
                 WHERE greatest(r.tat, now()) - now() <= $3::bigint * interval '1 microsecond'
                 RETURNING 1",
                &[&key, &interval, &tolerance],
            )
            .await
            .map_err(pg)?;
        if taken.is_some() {
            return Ok(Ok(()));
        }
        let row = conn.query_opt_c("SELECT (extract(epoch FROM tat - now()) * 1000000)::bigint FROM rate_limits WHERE key = $1", &[&key]).await.map_err(pg)?;
        let ahead = match row {
            Some(r) => get::<i64>(&r, 0)?,
            None => 0,
        };
        let wait = (ahead - tolerance).max(1);
        Ok(Err(Duration::from_micros(wait as u64)))
    }

    async fn prune_rates(&self) -> StoreResult<u64> {
        let conn = self.conn().await?;
        conn.execute_c("DELETE FROM rate_limits WHERE tat < now()", &[]).await.map_err(pg)
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}
