//! Which activities of a feed carry a v2 `foreign_id`, so that v2's "remove by foreign_id"
//! is one Query of the feed's partition instead of a search.

use tributary_domain::ApiResult;

use crate::keys;
use crate::{s, Store, WriteOp};

impl Store {
    /// Notes that `activity_id`, with `foreign_id`, is in each of `fids`.
    pub async fn put_foreign_id_refs(
        &self,
        fids: &[String],
        foreign_id: &str,
        activity_id: &str,
    ) -> ApiResult<()> {
        let ops = fids
            .iter()
            .map(|fid| {
                let mut item = keys::foreign_id_ref(fid, foreign_id, activity_id).to_item();
                item.insert("activity_id".into(), s(activity_id));
                WriteOp::Put(item)
            })
            .collect();
        self.batch_write(ops).await
    }

    /// Forgets those notes.
    pub async fn delete_foreign_id_refs(
        &self,
        fids: &[String],
        foreign_id: &str,
        activity_id: &str,
    ) -> ApiResult<()> {
        let ops = fids
            .iter()
            .map(|fid| WriteOp::Delete(keys::foreign_id_ref(fid, foreign_id, activity_id)))
            .collect();
        self.batch_write(ops).await
    }

    /// The activities of `fid` with `foreign_id` (one Query; a handful at most).
    pub async fn activities_with_foreign_id(
        &self,
        fid: &str,
        foreign_id: &str,
    ) -> ApiResult<Vec<String>> {
        let items = self
            .query_all(
                "activities with foreign_id",
                self.query()
                    .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
                    .expression_attribute_values(":pk", s(keys::feed_partition(fid)))
                    .expression_attribute_values(":p", s(keys::foreign_id_ref_prefix(foreign_id))),
            )
            .await?;
        Ok(items
            .iter()
            .filter_map(|i| i.get("activity_id")?.as_s().ok().cloned())
            .collect())
    }
}
