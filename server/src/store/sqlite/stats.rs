//! What the public statistics read: every complaint's stage path, in one statement (one
//! snapshot), walked along the `events_stage_path` index.

use async_trait::async_trait;
use samat_core::model::stats::Area;
use samat_core::model::{Category, Stage};

use super::db::backend;
use super::rows::{bad, from_ms, province_at};
use super::SqliteStore;
use crate::store::{StagePath, StatsStore, StoreResult};

#[async_trait]
impl StatsStore for SqliteStore {
    async fn each_stage_path(&self, mut each: Box<dyn FnMut(StagePath) + Send>) -> StoreResult<()> {
        self.db
            .read(move |conn| {
                let mut stmt = conn
                    .prepare(
                        "SELECT e.complaint_id, c.category, c.province_code, c.created_at, c.stage, e.to_stage, e.at
                         FROM events e JOIN complaints c ON c.id = e.complaint_id
                         WHERE e.kind IN ('created', 'stage')
                         ORDER BY e.complaint_id, e.seq",
                    )
                    .map_err(backend)?;
                let mut rows = stmt.query([]).map_err(backend)?;
                let mut current: Option<(i64, StagePath)> = None;
                while let Some(r) = rows.next().map_err(backend)? {
                    let id: i64 = r.get(0).map_err(backend)?;
                    let stage = stage_at(r, 5).map_err(backend)?;
                    let at = from_ms(r.get(6).map_err(backend)?);
                    match &mut current {
                        Some((cid, path)) if *cid == id => path.entered.push((stage, at)),
                        _ => {
                            if let Some((_, done)) = current.take() {
                                each(done);
                            }
                            let category: String = r.get(1).map_err(backend)?;
                            let path = StagePath {
                                category: Category::from_wire(&category).ok_or_else(|| backend(bad(1, "category")))?,
                                area: Area::of(province_at(r, 2).map_err(backend)?),
                                filed_at: from_ms(r.get(3).map_err(backend)?),
                                stage: stage_at(r, 4).map_err(backend)?,
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
            })
            .await
    }
}

fn stage_at(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Stage> {
    let s: String = r.get(i)?;
    Stage::from_wire(&s).ok_or_else(|| bad(i, "stage"))
}
