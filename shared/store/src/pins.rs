//! Pinned activities: per feed, a marker per pinned activity (so an activity is pinned at
//! most once) and a listing entry ordered by the time it was pinned, written together with
//! the feed's `pin_count` in one transaction so the count stays exact.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

use super::batch::Item;
use super::{n, s, Store};
use crate::keys::{self, Key};
use tributary_domain::time::Nanos;
use tributary_domain::{ApiError, ApiResult};

/// One pin: which activity, in which feed, by whom and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Pin {
    pub fid: String,
    pub activity_id: String,
    pub user_id: String,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl Pin {
    fn to_item(&self, key: Key) -> Item {
        let mut item = key.to_item();
        item.insert("fid".into(), s(self.fid.clone()));
        item.insert("activity_id".into(), s(self.activity_id.clone()));
        item.insert("user_id".into(), s(self.user_id.clone()));
        item.insert("created_at".into(), n(self.created_at));
        item.insert("updated_at".into(), n(self.updated_at));
        item
    }

    fn parse(item: &Item) -> Option<Pin> {
        let text = |name: &str| item.get(name)?.as_s().ok().cloned();
        let num = |name: &str| item.get(name)?.as_n().ok()?.parse::<Nanos>().ok();
        let created_at = num("created_at")?;
        Some(Pin {
            fid: text("fid")?,
            activity_id: text("activity_id")?,
            user_id: text("user_id").unwrap_or_default(),
            created_at,
            updated_at: num("updated_at").unwrap_or(created_at),
        })
    }
}

/// A page of a feed's pins and the listing sort key to continue after.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PinPage {
    pub pins: Vec<Pin>,
    pub last: Option<String>,
}

impl Store {
    /// Pins an activity: `Ok(None)` when it already was (nothing changes; the stored pin is
    /// read back by the caller). Marker, listing entry and `pin_count` change atomically.
    pub async fn pin_activity(&self, pin: &Pin) -> ApiResult<Option<Pin>> {
        let marker = Put::builder()
            .table_name(self.table())
            .set_item(Some(pin.to_item(keys::pin(&pin.fid, &pin.activity_id))))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| ApiError::internal("build put", e))?;
        let listing = Put::builder()
            .table_name(self.table())
            .set_item(Some(pin.to_item(keys::pin_listing(
                &pin.fid,
                pin.created_at,
                &pin.activity_id,
            ))))
            .build()
            .map_err(|e| ApiError::internal("build put", e))?;
        let count = self.pin_count_update(&pin.fid, 1)?;
        let items = vec![
            TransactWriteItem::builder().put(marker).build(),
            TransactWriteItem::builder().put(listing).build(),
            TransactWriteItem::builder().update(count).build(),
        ];
        let failed = self.transact("pin activity", items).await?;
        Ok(failed.is_empty().then(|| pin.clone()))
    }

    /// The pin of `activity_id` in `fid`, if any (strongly consistent).
    pub async fn get_pin(&self, fid: &str, activity_id: &str) -> ApiResult<Option<Pin>> {
        let item = self
            .get_raw("get pin", keys::pin(fid, activity_id), true)
            .await?;
        Ok(item.as_ref().and_then(Pin::parse))
    }

    /// Removes `pin` (as read): `false` when it was no longer there (someone else unpinned
    /// it), in which case nothing changed.
    pub async fn unpin_activity(&self, pin: &Pin) -> ApiResult<bool> {
        let marker = Delete::builder()
            .table_name(self.table())
            .set_key(Some(keys::pin(&pin.fid, &pin.activity_id).to_item()))
            .condition_expression("created_at = :c")
            .expression_attribute_values(":c", n(pin.created_at))
            .build()
            .map_err(|e| ApiError::internal("build delete", e))?;
        let listing = Delete::builder()
            .table_name(self.table())
            .set_key(Some(
                keys::pin_listing(&pin.fid, pin.created_at, &pin.activity_id).to_item(),
            ))
            .build()
            .map_err(|e| ApiError::internal("build delete", e))?;
        let count = self.pin_count_update(&pin.fid, -1)?;
        let items = vec![
            TransactWriteItem::builder().delete(marker).build(),
            TransactWriteItem::builder().delete(listing).build(),
            TransactWriteItem::builder().update(count).build(),
        ];
        Ok(self.transact("unpin activity", items).await?.is_empty())
    }

    /// Unpins an activity removed for good from every feed it was pinned in (it can be
    /// pinned only in its own feeds): one BatchGetItem of the markers, then an unpin per pin.
    pub(crate) async fn unpin_everywhere(
        &self,
        activity_id: &str,
        feeds: &[String],
    ) -> ApiResult<()> {
        let markers: Vec<Key> = feeds.iter().map(|f| keys::pin(f, activity_id)).collect();
        if markers.is_empty() {
            return Ok(());
        }
        for pin in self.batch_get(markers).await?.iter().filter_map(Pin::parse) {
            self.unpin_activity(&pin).await?;
        }
        Ok(())
    }

    fn pin_count_update(&self, fid: &str, delta: i64) -> ApiResult<Update> {
        Update::builder()
            .table_name(self.table())
            .set_key(Some(keys::feed_counts(fid).to_item()))
            .update_expression("ADD pin_count :d")
            .expression_attribute_values(":d", n(delta))
            .build()
            .map_err(|e| ApiError::internal("build update", e))
    }

    /// One page of a feed's pins by the time they were pinned (newest first unless
    /// `oldest_first`), continuing after the listing sort key `after`.
    pub async fn pins(
        &self,
        fid: &str,
        limit: usize,
        after: Option<&str>,
        oldest_first: bool,
    ) -> ApiResult<PinPage> {
        let request = self
            .query()
            .key_condition_expression("pk = :pk AND begins_with(sk, :t)")
            .expression_attribute_values(":pk", s(keys::pins_partition(fid)))
            .expression_attribute_values(":t", s(keys::PIN_LISTING_PREFIX))
            .scan_index_forward(oldest_first)
            .consistent_read(true)
            .limit(limit.clamp(1, 1000) as i32);
        let start = after.map(|sk| Key::new(keys::pins_partition(fid), sk).to_item());
        let page = self.query_page("read pins", request, start).await?;
        let last = page.last_key_attr(keys::SK);
        Ok(PinPage {
            pins: page.items.iter().filter_map(Pin::parse).collect(),
            last,
        })
    }
}

/// The listing sort key of a pin (where a page that ends with it continues).
pub fn pin_position(pin: &Pin) -> String {
    keys::pin_listing(&pin.fid, pin.created_at, &pin.activity_id).sk
}
