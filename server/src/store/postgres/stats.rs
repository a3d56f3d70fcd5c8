//! What the public statistics read: every complaint's stage path, in one statement (one
//! snapshot), streamed row by row rather than held whole, along the `events_stage_path` index.

use async_trait::async_trait;
use futures::{pin_mut, TryStreamExt};
use samat_core::model::stats::Area;
use samat_core::model::{Category, Stage};
use time::OffsetDateTime;

use super::rows::{bad, get, province_at};
use super::{pg, PgStore};
use crate::store::{StagePath, StatsStore, StoreResult};

fn stage_at(r: &tokio_postgres::Row, i: usize) -> StoreResult<Stage> {
    let s: String = get(r, i)?;
    Stage::from_wire(&s).ok_or_else(|| bad("stage", &s))
}

#[async_trait]
impl StatsStore for PgStore {
    async fn each_stage_path(&self, mut each: Box<dyn FnMut(StagePath) + Send>) -> StoreResult<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare(
                "SELECT e.complaint_id, c.category, c.province_code, c.created_at, c.stage, e.to_stage, e.at
                 FROM events e JOIN complaints c ON c.id = e.complaint_id
                 WHERE e.kind IN ('created', 'stage')
                 ORDER BY e.complaint_id, e.seq",
            )
            .await
            .map_err(pg)?;
        let rows = conn.query_raw(&stmt, std::iter::empty::<&(dyn tokio_postgres::types::ToSql + Sync)>()).await.map_err(pg)?;
        pin_mut!(rows);
        let mut current: Option<(i64, StagePath)> = None;
        while let Some(r) = rows.try_next().await.map_err(pg)? {
            let id: i64 = get(&r, 0)?;
            let stage = stage_at(&r, 5)?;
            let at: OffsetDateTime = get(&r, 6)?;
            match &mut current {
                Some((cid, path)) if *cid == id => path.entered.push((stage, at)),
                _ => {
                    if let Some((_, done)) = current.take() {
                        each(done);
                    }
                    let category: String = get(&r, 1)?;
                    let path = StagePath {
                        category: Category::from_wire(&category).ok_or_else(|| bad("category", &category))?,
                        area: Area::of(province_at(&r, 2)?),
                        filed_at: get(&r, 3)?,
                        stage: stage_at(&r, 4)?,
                        entered: vec![(stage, at)],
                    };
                    current = Some((id, path));
                }
            }
        }
        if let Some((_, done)) = current {
            each(done);
        }
        Ok(())
    }
}
