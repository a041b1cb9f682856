// Over 400 lines by design: every key of the table is built here, beside its unit tests.
//! Key builders for the single table. Every item's keys are made here and nowhere else;
//! `keys.md` beside this file lists the access patterns they serve.
//!
//! Sort keys that order by time embed a zero-padded nanosecond timestamp so that string
//! order is time order.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use tributary_domain::model::feed_group::BUILT_IN;
use tributary_domain::model::reaction::Subject;
use tributary_domain::time::Nanos;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI2_SK: &str = "gsi2sk";
pub const GSI3: &str = "gsi3";
pub const GSI3_PK: &str = "gsi3pk";
pub const GSI3_SK: &str = "gsi3sk";
/// DynamoDB's TTL attribute (epoch seconds). Storage clean-up only, never correctness.
pub const TTL: &str = "ttl";

/// A primary key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: String, sk: impl Into<String>) -> Self {
        Key { pk, sk: sk.into() }
    }

    pub fn to_item(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (PK.to_string(), AttributeValue::S(self.pk.clone())),
            (SK.to_string(), AttributeValue::S(self.sk.clone())),
        ])
    }

    /// Where a page of an index query that continues after this item starts: the item's
    /// table key and its key on the index (`(name, value)` of the index's pk and sk).
    pub fn on_index(
        &self,
        index_pk: (&str, &str),
        index_sk: (&str, &str),
    ) -> HashMap<String, AttributeValue> {
        let mut start = self.to_item();
        for (name, value) in [index_pk, index_sk] {
            start.insert(name.to_string(), AttributeValue::S(value.to_string()));
        }
        start
    }
}

/// Zero-padded so that lexical order is numeric order for every non-negative timestamp.
pub fn time_part(t: Nanos) -> String {
    format!("{:020}", t.max(0))
}

// ---- activities ----------------------------------------------------------------------

/// The activity itself.
pub fn activity(id: &str) -> Key {
    Key::new(format!("ACT#{id}"), "ACT")
}

/// The partition of a user's activities on gsi1.
pub fn activities_of_user(user_id: &str) -> String {
    format!("UACT#{user_id}")
}

/// An activity's place in a user's history (gsi1): all activities by a user, newest first.
pub fn activity_by_user(user_id: &str, created_at: Nanos, id: &str) -> (String, String) {
    (
        activities_of_user(user_id),
        format!("{}#{id}", time_part(created_at)),
    )
}

/// How much time one bucket of the all-activities index (gsi3) spans: a year, so a query
/// walks a handful of partitions, while each partition stays a range of time.
pub const ACTIVITY_BUCKET_SPAN: Nanos = 365 * 86_400 * 1_000_000_000;

/// The bucket of the all-activities index holding activities created at `created_at`.
pub fn activity_bucket(created_at: Nanos) -> i64 {
    created_at.max(0) / ACTIVITY_BUCKET_SPAN
}

/// An activity's place among all activities (gsi3), by time: `query_activities` reads it
/// when no filter names users, feeds or ids.
pub fn activity_by_time(created_at: Nanos, id: &str) -> (String, String) {
    (
        activity_bucket_partition(activity_bucket(created_at)),
        format!("{}#{id}", time_part(created_at)),
    )
}

pub fn activity_bucket_partition(bucket: i64) -> String {
    format!("ATIME#{bucket}")
}

/// The registry of the all-activities index's buckets that hold anything (a number set), so
/// a query visits only those.
pub fn activity_buckets() -> Key {
    Key::new("META".into(), "ACTIVITY_BUCKETS")
}

/// Activities that expire, bucketed by UTC day of expiry (gsi2), so the expiry job reads
/// each day's bucket in order instead of scanning.
pub fn activity_expiry(expires_at: Nanos, id: &str) -> (String, String) {
    (
        expiry_partition(expiry_day(expires_at)),
        format!("{}#{id}", time_part(expires_at)),
    )
}

/// The UTC day (days since the epoch) of a time.
pub fn expiry_day(t: Nanos) -> i64 {
    t.max(0) / (86_400 * 1_000_000_000)
}

pub fn expiry_partition(day: i64) -> String {
    format!("EXP#{day}")
}

/// The registry of expiry days that may still hold activities to remove.
pub fn expiry_days() -> Key {
    Key::new("META".into(), "EXPIRY_DAYS")
}

/// Where a scheduled job keeps its progress (`position`).
pub fn job_progress(job: &str) -> Key {
    Key::new("META".into(), format!("JOB#{job}"))
}

/// A feed visibility level's grants, once `update_feed_visibility` changed them (until
/// then the defaults in code apply).
pub fn feed_visibility(name: &str) -> Key {
    Key::new("META".into(), format!("VISIBILITY#{name}"))
}

/// The app's settings that `update_app` changes (`activity_metrics_config`): one item,
/// absent until the first change (until then the defaults in code apply).
pub fn app_settings() -> Key {
    Key::new("META".into(), "APP")
}

// ---- reactions ------------------------------------------------------------------------

/// Prefix of the reactions in an activity's partition.
pub const REACTION_PREFIX: &str = "R#";

/// A user's reaction of one type to an activity: at most one each, in the activity's
/// partition (so a user's reactions to it are one Query).
pub fn reaction(activity_id: &str, user_id: &str, kind: &str) -> Key {
    Key::new(
        format!("ACT#{activity_id}"),
        format!("{REACTION_PREFIX}{user_id}#{kind}"),
    )
}

/// A user's reactions by time (gsi2): `<created>#<type>#<a|c>:<subject id>`, from which the
/// reaction's own key is rebuilt. Deleting or exporting a user's data reads it.
pub fn reaction_by_user(
    user_id: &str,
    created_at: Nanos,
    kind: &str,
    subject: &str,
) -> (String, String) {
    (
        reactions_of_user(user_id),
        format!("{}#{kind}#{subject}", time_part(created_at)),
    )
}

pub fn reactions_of_user(user_id: &str) -> String {
    format!("UREACT#{user_id}")
}

/// A background task's record (`status`, `result`); export parts sort under it.
pub fn task(id: &str) -> Key {
    Key::new(format!("TASK#{id}"), "TASK")
}

pub fn task_part(id: &str, seq: u64) -> Key {
    Key::new(format!("TASK#{id}"), format!("PART#{seq:010}"))
}

/// An activity's reactions by time (gsi1), for listing them newest first.
pub fn reaction_by_time(
    activity_id: &str,
    created_at: Nanos,
    user_id: &str,
    kind: &str,
) -> (String, String) {
    (
        format!("AREACT#{activity_id}"),
        format!("{}#{user_id}#{kind}", time_part(created_at)),
    )
}

// ---- comments -------------------------------------------------------------------------

/// A comment itself.
pub fn comment(id: &str) -> Key {
    Key::new(format!("CMT#{id}"), "CMT")
}

/// A comment's place among its author's comments (gsi1), newest first.
pub fn comment_by_user(user_id: &str, created_at: Nanos, id: &str) -> (String, String) {
    (
        comments_of_user(user_id),
        format!("{}#{id}", time_part(created_at)),
    )
}

/// A comment's place among every comment on its object, replies included (gsi2), by time.
pub fn comment_by_object(
    object_type: &str,
    object_id: &str,
    created_at: Nanos,
    id: &str,
) -> (String, String) {
    (
        comment_by_object_partition(object_type, object_id),
        format!("{}#{id}", time_part(created_at)),
    )
}

pub fn comment_by_object_partition(object_type: &str, object_id: &str) -> String {
    format!("OCMT#{object_type}:{object_id}")
}

/// The partition of a user's comments on gsi1.
pub fn comments_of_user(user_id: &str) -> String {
    format!("UCMT#{user_id}")
}

/// The partition listing the comments on an object (an activity, or any object type).
pub fn comment_thread(object_type: &str, object_id: &str) -> String {
    format!("THREAD#{object_type}:{object_id}")
}

/// Where a comment's thread entries are listed: top-level comments under `-`, replies under
/// their parent's id.
pub fn thread_prefix(parent_id: Option<&str>) -> String {
    format!("C#{}#", parent_id.unwrap_or("-"))
}

/// A comment's entry in its object's thread, ordered by time under its parent.
pub fn thread_entry(
    object_type: &str,
    object_id: &str,
    parent_id: Option<&str>,
    created_at: Nanos,
    id: &str,
) -> Key {
    Key::new(
        comment_thread(object_type, object_id),
        format!("{}{}#{id}", thread_prefix(parent_id), time_part(created_at)),
    )
}

// ---- aggregated and notification feeds -------------------------------------------------

/// Prefix of the activity groups in an aggregated feed's partition.
pub const GROUP_PREFIX: &str = "AGG#";

/// An activity group of an aggregated (or notification) feed, keyed by its rendered
/// aggregation format.
pub fn activity_group(fid: &str, group: &str) -> Key {
    Key::new(feed_partition(fid), format!("{GROUP_PREFIX}{group}"))
}

/// An activity group's place among its feed's groups by last update (gsi1), newest first.
pub fn activity_group_by_update(fid: &str, updated_at: Nanos, group: &str) -> (String, String) {
    (
        activity_groups_of(fid),
        format!("{}#{group}", time_part(updated_at)),
    )
}

pub fn activity_groups_of(fid: &str) -> String {
    format!("AGGF#{fid}")
}

/// A notification feed's read and seen marks for everything (`last_read_at`, `last_seen_at`).
pub fn notification_state(fid: &str) -> Key {
    Key::new(feed_partition(fid), "NSTATE")
}

// ---- feeds ----------------------------------------------------------------------------

/// Partition of one feed: its metadata item and its entries live together.
pub fn feed_partition(fid: &str) -> String {
    format!("FEED#{fid}")
}

/// Prefix of every entry in a feed partition; entries sort newest-last by time.
pub const FEED_ENTRY_PREFIX: &str = "E#";

/// An activity's entry in a feed: a small reference, ordered by the activity's time.
pub fn feed_entry(fid: &str, created_at: Nanos, activity_id: &str) -> Key {
    Key::new(
        feed_partition(fid),
        format!("{FEED_ENTRY_PREFIX}{}#{activity_id}", time_part(created_at)),
    )
}

/// The feed's own metadata item (on the query indexes; changes rarely).
pub fn feed(fid: &str) -> Key {
    Key::new(feed_partition(fid), "FEED")
}

/// The feed's counters, kept apart from the metadata so that bumping a count never rewrites
/// an index entry. `begins_with(sk, "FEED")` reads both in one Query.
pub fn feed_counts(fid: &str) -> Key {
    Key::new(feed_partition(fid), "FEED#COUNTS")
}

/// The large feeds a feed pulls at read time (hybrid push/pull): a string set `sources`.
/// Its sort key begins with `FEED`, so the Query that reads the feed reads it too.
pub fn pulled_sources(fid: &str) -> Key {
    Key::new(feed_partition(fid), "FEED#PULLED")
}

/// The follow items of `target` whose source is in feed group `group`: the range that
/// fan-out to one group's followers walks.
pub fn followers_in_group(group: &str) -> String {
    format!("{FOLLOWER_PREFIX}{group}:")
}

/// Feeds of a group, oldest first (gsi1), for `query_feeds`.
pub fn feed_by_group(group: &str, created_at: Nanos, fid: &str) -> (String, String) {
    (
        format!("FGRP#{group}"),
        format!("{}#{fid}", time_part(created_at)),
    )
}

/// Feeds a user created, oldest first (gsi2), for `query_feeds` by `created_by_id`.
pub fn feed_by_creator(user_id: &str, created_at: Nanos, fid: &str) -> (String, String) {
    (
        format!("FCRT#{user_id}"),
        format!("{}#{fid}", time_part(created_at)),
    )
}

// ---- follows --------------------------------------------------------------------------

/// Prefix of the follow items in a target feed's partition.
pub const FOLLOWER_PREFIX: &str = "FOLLOWER#";

/// A follow lives in its target's partition (so followers are one Query, which fan-out
/// pages through) and is indexed by its source in gsi1 (what a feed follows).
pub fn follow(source: &str, target: &str) -> Key {
    Key::new(feed_partition(target), format!("{FOLLOWER_PREFIX}{source}"))
}

pub fn follow_by_source(source: &str, target: &str) -> (String, String) {
    (format!("FOLLOWING#{source}"), target.to_string())
}

/// The follows from a user's own feeds (`timeline:<me>`, `user:<me>`, ... one per built-in
/// group) to `fid`: what makes the user a follower of it.
pub fn follows_from_user(me: &str, fid: &str) -> Vec<Key> {
    BUILT_IN
        .iter()
        .map(|g| format!("{g}:{me}"))
        .filter(|source| source != fid)
        .map(|source| follow(&source, fid))
        .collect()
}

/// A follow's place among all follows (gsi3), by creation time, in the same yearly buckets
/// as activities: `query_follows` reads it when no filter names a feed.
pub fn follow_by_time(created_at: Nanos, source: &str, target: &str) -> (String, String) {
    (
        follow_bucket_partition(activity_bucket(created_at)),
        format!("{}#{source}#{target}", time_part(created_at)),
    )
}

pub fn follow_bucket_partition(bucket: i64) -> String {
    format!("FTIME#{bucket}")
}

// ---- feed members and membership levels -----------------------------------------------

/// Prefix of the member items in a feed's partition.
pub const MEMBER_PREFIX: &str = "MEMBER#";

/// A user's membership of a feed, in the feed's partition (so a feed's members are one
/// Query) and indexed by the user in gsi1 (the feeds a user is a member of).
pub fn member(fid: &str, user_id: &str) -> Key {
    Key::new(feed_partition(fid), format!("{MEMBER_PREFIX}{user_id}"))
}

/// A membership's place among the user's memberships (gsi1), by feed id.
pub fn member_by_user(user_id: &str, fid: &str) -> (String, String) {
    (format!("UMEMBER#{user_id}"), fid.to_string())
}

/// All membership levels share one small partition, so listing them is one Query.
pub const MEMBERSHIP_LEVELS_PARTITION: &str = "LEVELS";

pub fn membership_level(id: &str) -> Key {
    Key::new(
        MEMBERSHIP_LEVELS_PARTITION.to_string(),
        format!("LEVEL#{id}"),
    )
}

// ---- feed groups and users ------------------------------------------------------------

/// All feed groups share one small partition, so listing them is one Query.
pub const FEED_GROUPS_PARTITION: &str = "GROUPS";

pub fn feed_group(id: &str) -> Key {
    Key::new(FEED_GROUPS_PARTITION.to_string(), format!("GROUP#{id}"))
}

/// A user's marks on activities: `hidden` (by feedback) and `watched` (stories), as string
/// sets, read with the user's other per-read data.
pub fn user_marks(id: &str) -> Key {
    Key::new(format!("USER#{id}"), "MARKS")
}

/// A user's feedback on an activity (hide, show_less, show_more), beside the activity.
pub fn activity_feedback(activity_id: &str, user_id: &str) -> Key {
    Key::new(format!("ACT#{activity_id}"), format!("FB#{user_id}"))
}

pub fn user(id: &str) -> Key {
    Key::new(format!("USER#{id}"), "USER")
}

/// Where a reaction subject's items live.
pub trait SubjectKeys {
    fn key(&self) -> Key;
    fn reaction_key(&self, user_id: &str, kind: &str) -> Key;
    fn by_time(&self, created_at: Nanos, user_id: &str, kind: &str) -> (String, String);
}

impl SubjectKeys for Subject<'_> {
    /// The item whose counters a reaction changes.
    fn key(&self) -> Key {
        match self {
            Subject::Activity(id) => activity(id),
            Subject::Comment(id) => comment(id),
        }
    }

    /// A user's reaction of a type, beside its subject.
    fn reaction_key(&self, user_id: &str, kind: &str) -> Key {
        Key {
            pk: self.key().pk,
            sk: format!("{}{user_id}#{kind}", REACTION_PREFIX),
        }
    }

    /// The index partition listing the subject's reactions by time, and an entry's sort key.
    fn by_time(&self, created_at: Nanos, user_id: &str, kind: &str) -> (String, String) {
        match self {
            Subject::Activity(id) => reaction_by_time(id, created_at, user_id, kind),
            Subject::Comment(id) => {
                let (_, sk) = reaction_by_time(id, created_at, user_id, kind);
                (format!("CREACT#{id}"), sk)
            }
        }
    }
}

// ---- bookmarks ------------------------------------------------------------------------

/// What a bookmark marks, as its keys name it: `a:<activity id>` or `c:<comment id>`.
pub fn bookmark_object(subject: Subject<'_>) -> String {
    match subject {
        Subject::Activity(id) => format!("a:{id}"),
        Subject::Comment(id) => format!("c:{id}"),
    }
}

/// A user's bookmark of an activity or a comment: at most one each, in the user's own
/// partition, so a page's `own_bookmarks` are one BatchGetItem of known keys.
pub fn bookmark(user_id: &str, object: &str) -> Key {
    Key::new(format!("UBM#{user_id}"), format!("BM#{object}"))
}

/// A user's bookmarks by time (gsi1), for `query_bookmarks` and the user's data.
pub fn bookmark_by_user(user_id: &str, created_at: Nanos, object: &str) -> (String, String) {
    (
        bookmarks_of_user(user_id),
        format!("{}#{object}", time_part(created_at)),
    )
}

pub fn bookmarks_of_user(user_id: &str) -> String {
    format!("UBMT#{user_id}")
}

/// A folder's bookmarks by time (gsi2): `folder_id` filters and folder deletion.
pub fn bookmark_by_folder(folder_id: &str, created_at: Nanos, object: &str) -> (String, String) {
    (
        bookmarks_in_folder(folder_id),
        format!("{}#{object}", time_part(created_at)),
    )
}

pub fn bookmarks_in_folder(folder_id: &str) -> String {
    format!("BMF#{folder_id}")
}

/// A bookmark folder, by its id alone (the folder routes name no user).
pub fn bookmark_folder(id: &str) -> Key {
    Key::new(format!("BMFOLDER#{id}"), "BMFOLDER")
}

/// A user's folders by time (gsi1), for `query_bookmark_folders` and the user's data.
pub fn bookmark_folder_by_user(user_id: &str, created_at: Nanos, id: &str) -> (String, String) {
    (
        bookmark_folders_of_user(user_id),
        format!("{}#{id}", time_part(created_at)),
    )
}

pub fn bookmark_folders_of_user(user_id: &str) -> String {
    format!("UBMFOLDERS#{user_id}")
}

/// A user's claim on a folder name, naming the folder: names are unique per user, and a
/// `new_folder` with a name the user has finds that folder.
pub fn bookmark_folder_name(user_id: &str, name: &str) -> Key {
    Key::new(format!("UBM#{user_id}"), format!("FN#{name}"))
}

// ---- v2 foreign ids -------------------------------------------------------------------

/// The start of the sort keys noting a feed's activities with `foreign_id`. The length comes
/// first, so one foreign id is never a prefix match of another.
pub fn foreign_id_ref_prefix(foreign_id: &str) -> String {
    format!("FID#{}:{foreign_id}#", foreign_id.len())
}

/// The note that `activity_id`, which has `foreign_id`, is in `fid`.
pub fn foreign_id_ref(fid: &str, foreign_id: &str, activity_id: &str) -> Key {
    Key::new(
        feed_partition(fid),
        format!("{}{activity_id}", foreign_id_ref_prefix(foreign_id)),
    )
}

// ---- collections (v2 collections, v3 collections) -------------------------------------

/// A collection object, one item per `<name>:<id>`: the form both dialects name it by (v2's
/// `foreign_id` and `SO:<name>:<id>` references, v3's collection refs). Names never hold
/// `:` or `#`, so the key is unambiguous.
pub fn collection_object(name: &str, id: &str) -> Key {
    Key::new(format!("COLL#{name}:{id}"), "COLL")
}

/// A collection's objects by creation time (gsi1), for listing one collection.
pub fn collection_object_by_name(name: &str, created_at: Nanos, id: &str) -> (String, String) {
    (
        collection_objects_named(name),
        format!("{}#{id}", time_part(created_at)),
    )
}

pub fn collection_objects_named(name: &str) -> String {
    format!("COLLN#{name}")
}

/// A user's collection objects by creation time (gsi2), for objects with a `user_id`.
pub fn collection_object_by_user(
    user_id: &str,
    created_at: Nanos,
    name: &str,
    id: &str,
) -> (String, String) {
    (
        collection_objects_of_user(user_id),
        format!("{}#{name}:{id}", time_part(created_at)),
    )
}

pub fn collection_objects_of_user(user_id: &str) -> String {
    format!("UCOLL#{user_id}")
}

// ---- rate limits ----------------------------------------------------------------------

/// The partition of a user's request counts in one rate-limit window: every count of the
/// window is one Query (`get_feeds_rate_limits`), and the partition expires with its window.
pub fn rate_counts(user_id: &str, window: i64) -> String {
    format!("RATE#{user_id}#{window}")
}

/// A user's request count for one endpoint on one platform in one window.
pub fn rate_count(user_id: &str, window: i64, platform: &str, endpoint: &str) -> Key {
    Key::new(
        rate_counts(user_id, window),
        format!("{platform}#{endpoint}"),
    )
}

/// A realtime connection's partition: its record (`CONN`) and one item per feed it watches
/// (`WATCH#<fid>`), so a disconnect finds every watch to remove with one Query.
pub fn connection_partition(connection_id: &str) -> String {
    format!("CONN#{connection_id}")
}

/// A realtime connection: who it signed in as. Expires by TTL (API Gateway closes every
/// connection within two hours).
pub fn connection(connection_id: &str) -> Key {
    Key::new(connection_partition(connection_id), "CONN")
}

/// The connection's note that it watches `fid` (for clean-up on disconnect).
pub fn connection_watch(connection_id: &str, fid: &str) -> Key {
    Key::new(connection_partition(connection_id), format!("WATCH#{fid}"))
}

/// The partition of the connections watching a feed: an event about the feed is one Query.
pub fn watchers_partition(fid: &str) -> String {
    format!("WATCHERS#{fid}")
}

/// A connection watching `fid`.
pub fn watcher(fid: &str, connection_id: &str) -> Key {
    Key::new(watchers_partition(fid), connection_id.to_string())
}

/// The partition of a feed's pins: a marker per pinned activity and a time-ordered listing.
pub fn pins_partition(fid: &str) -> String {
    format!("PINS#{fid}")
}

/// Prefix of a feed's pin listing entries (`T#<pinned>#<activity_id>`).
pub const PIN_LISTING_PREFIX: &str = "T#";

/// The marker saying `activity_id` is pinned in `fid` (one per activity: pinning is unique).
pub fn pin(fid: &str, activity_id: &str) -> Key {
    Key::new(pins_partition(fid), format!("A#{activity_id}"))
}

/// A pin's place in its feed's listing, by the time it was pinned.
pub fn pin_listing(fid: &str, pinned_at: Nanos, activity_id: &str) -> Key {
    Key::new(
        pins_partition(fid),
        format!("{PIN_LISTING_PREFIX}{}#{activity_id}", time_part(pinned_at)),
    )
}

/// The partition listing the activities that share `parent_id`, by time.
pub fn shares_partition(parent_id: &str) -> String {
    format!("SHARES#{parent_id}")
}

/// A share's entry under the activity it shares.
pub fn share_entry(parent_id: &str, created_at: Nanos, share_id: &str) -> Key {
    Key::new(
        shares_partition(parent_id),
        format!("{}#{share_id}", time_part(created_at)),
    )
}

/// The partition of an object's revision history (`object_type` is `activity` or
/// `comment`).
pub fn revisions_partition(object_type: &str, object_id: &str) -> String {
    format!("REVS#{object_type}#{object_id}")
}

/// One revision of an object, in its history by time.
pub fn revision(object_type: &str, object_id: &str, at: Nanos, revision_id: &str) -> Key {
    Key::new(
        revisions_partition(object_type, object_id),
        format!("{}#{revision_id}", time_part(at)),
    )
}

/// The partition of the app's daily usage counters (`query_feeds_usage_stats`).
pub const USAGE_PARTITION: &str = "USAGE";

/// How many counter items each day's usage is spread over: each function instance adds its
/// counts to one of them, so busy days are not one hot item.
pub const USAGE_SHARDS: u32 = 8;

/// One shard of a day's usage counters (`date` is `YYYY-MM-DD`): one attribute per counter,
/// bumped with `ADD`. A range of days is one Query on the partition.
pub fn usage_day(date: &str, shard: u32) -> Key {
    Key::new(USAGE_PARTITION.to_string(), format!("{date}#{shard:02}"))
}

/// How many counter shards an activity's metrics are spread over: tracking writes one shard
/// chosen at random, so a popular activity's counts are spread over this many partitions.
pub const METRIC_SHARDS: u32 = 10;

/// One shard of an activity's metric counters: one attribute per metric (`m_<metric>`),
/// bumped with `ADD`; an activity's count is the sum over its shards.
pub fn activity_metric_shard(activity_id: &str, shard: u32) -> Key {
    Key::new(format!("METRICS#{activity_id}#{shard}"), "METRICS")
}

/// A user's tracked amount of one metric on one activity within one hour (Stream's per-user
/// hourly metric limits), in the user's partition for that hour.
pub fn metric_rate(user_id: &str, hour: i64, activity_id: &str, metric: &str) -> Key {
    Key::new(
        format!("MRATE#{user_id}#{hour}"),
        format!("{activity_id}#{metric}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_settings_is_one_item_apart_from_the_other_meta_items() {
        let k = app_settings();
        assert_eq!(k, Key::new("META".into(), "APP"));
        for other in [
            activity_buckets(),
            expiry_days(),
            job_progress("APP"),
            feed_visibility("APP"),
        ] {
            assert_ne!(k, other);
        }
    }

    #[test]
    fn revisions_sort_by_time_per_object() {
        let a = revision("activity", "x", 9, "r2");
        let b = revision("activity", "x", 10, "r1");
        assert_eq!(a.pk, "REVS#activity#x");
        assert_eq!(a.pk, b.pk);
        assert!(a.sk < b.sk);
        assert_ne!(a.pk, revision("comment", "x", 9, "r2").pk);
    }

    #[test]
    fn usage_days_sort_by_date_within_one_partition() {
        let a = usage_day("2026-01-09", 7);
        let b = usage_day("2026-01-10", 0);
        assert_eq!(a.pk, b.pk);
        assert!(a.sk < b.sk);
        assert!(a.sk.starts_with("2026-01-09#"));
        assert!(b.sk.as_str() <= "2026-01-10#~");
    }

    #[test]
    fn bookmark_keys_sort_by_time_and_stay_apart() {
        let a = bookmark_object(Subject::Activity("x"));
        let c = bookmark_object(Subject::Comment("x"));
        assert_ne!(bookmark("amy", &a), bookmark("amy", &c));
        assert_eq!(bookmark("amy", &a).pk, bookmark_folder_name("amy", "n").pk);
        assert_ne!(
            bookmark("amy", &a).sk,
            bookmark_folder_name("amy", "a:x").sk
        );
        let (p1, s1) = bookmark_by_user("amy", 9, &a);
        let (p2, s2) = bookmark_by_user("amy", 10, &c);
        assert_eq!(p1, p2);
        assert!(s1 < s2);
        assert_eq!(bookmark_by_folder("f", 9, &a).0, bookmarks_in_folder("f"));
        let (fp, fs1) = bookmark_folder_by_user("amy", 9, "f1");
        let (_, fs2) = bookmark_folder_by_user("amy", 11, "f0");
        assert_eq!(fp, bookmark_folders_of_user("amy"));
        assert!(fs1 < fs2);
        assert_ne!(bookmark_folder("f").pk, bookmarks_in_folder("f"));
    }

    #[test]
    fn pin_and_share_keys() {
        assert_eq!(pin("user:a", "x"), Key::new("PINS#user:a".into(), "A#x"));
        let listing = pin_listing("user:a", 5, "x");
        assert_eq!(listing.pk, "PINS#user:a");
        assert_eq!(listing.sk, "T#00000000000000000005#x");
        // Markers never fall among the listing entries.
        assert!(!pin("user:a", "T#1").sk.starts_with(PIN_LISTING_PREFIX));
        assert!(pin_listing("user:a", 5, "x").sk < pin_listing("user:a", 6, "a").sk);
        let share = share_entry("p", 7, "s");
        assert_eq!(share.pk, "SHARES#p");
        assert_eq!(share.sk, "00000000000000000007#s");
        assert_ne!(share.pk, activity("p").pk);
        assert_ne!(pins_partition("user:a"), feed_partition("user:a"));
    }

    #[test]
    fn realtime_keys() {
        assert_eq!(connection("c1").pk, "CONN#c1");
        assert_eq!(connection("c1").sk, "CONN");
        assert_eq!(connection_watch("c1", "user:a").sk, "WATCH#user:a");
        assert_eq!(watcher("user:a", "c1").pk, "WATCHERS#user:a");
        assert_eq!(watcher("user:a", "c1").sk, "c1");
    }

    #[test]
    fn foreign_id_refs_never_prefix_another_foreign_id() {
        let a = foreign_id_ref("user:1", "a", "x");
        let ab = foreign_id_ref("user:1", "a#b", "x");
        assert!(a.sk.starts_with(&foreign_id_ref_prefix("a")));
        assert!(!ab.sk.starts_with(&foreign_id_ref_prefix("a")));
        assert!(!a.sk.starts_with(FEED_ENTRY_PREFIX));
    }

    #[test]
    fn metric_shards_spread_an_activity_over_partitions() {
        let a = activity_metric_shard("act1", 0);
        let b = activity_metric_shard("act1", METRIC_SHARDS - 1);
        assert_eq!(a.pk, "METRICS#act1#0");
        assert_ne!(a.pk, b.pk);
        assert_eq!(a.sk, b.sk);
        let r = metric_rate("ann", 490_000, "act1", "views");
        assert_eq!(r.pk, "MRATE#ann#490000");
        assert_eq!(r.sk, "act1#views");
    }

    #[test]
    fn rate_counts_share_their_window_partition() {
        let key = rate_count("ann", 29_000_000, "web", "AddActivity");
        assert_eq!(key.pk, "RATE#ann#29000000");
        assert_eq!(key.sk, "web#AddActivity");
        assert_eq!(key.pk, rate_counts("ann", 29_000_000));
    }

    #[test]
    fn follows_from_a_users_own_feeds() {
        let keys = follows_from_user("al", "user:al");
        assert_eq!(keys.len(), BUILT_IN.len() - 1);
        assert!(keys.contains(&follow("timeline:al", "user:al")));
        assert!(!keys.contains(&follow("user:al", "user:al")));
    }

    #[test]
    fn follows_by_time() {
        let (pk, sk) = follow_by_time(5, "timeline:a", "user:b");
        assert_eq!(pk, "FTIME#0");
        assert_eq!(sk, format!("{}#timeline:a#user:b", time_part(5)));
    }

    #[test]
    fn feed_visibility_key() {
        assert_eq!(
            feed_visibility("followers"),
            Key::new("META".into(), "VISIBILITY#followers")
        );
    }

    #[test]
    fn activity_keys() {
        assert_eq!(
            activity("a1"),
            Key {
                pk: "ACT#a1".into(),
                sk: "ACT".into()
            }
        );
        assert_eq!(
            activity_by_user("john", 42, "a1"),
            ("UACT#john".into(), "00000000000000000042#a1".into())
        );
    }

    #[test]
    fn feed_entries_sort_by_time() {
        let early = feed_entry("user:john", 9_000_000_000_000_000_000 - 1, "z");
        let late = feed_entry("user:john", 9_000_000_000_000_000_000, "a");
        assert_eq!(early.pk, "FEED#user:john");
        assert!(early.sk < late.sk);
        assert!(early.sk.starts_with(FEED_ENTRY_PREFIX));
        // The metadata item sorts after every entry, so entry queries never see it.
        assert!(feed("user:john").sk.as_str() > late.sk.as_str());
        assert!(feed_counts("user:john")
            .sk
            .starts_with(&feed("user:john").sk));
    }

    #[test]
    fn activity_time_buckets() {
        let (pk_a, sk_a) = activity_by_time(ACTIVITY_BUCKET_SPAN - 1, "a");
        let (pk_b, sk_b) = activity_by_time(ACTIVITY_BUCKET_SPAN, "b");
        assert_eq!(pk_a, "ATIME#0");
        assert_eq!(pk_b, "ATIME#1");
        assert!(sk_a < sk_b);
        assert_eq!(activity_bucket(-5), 0);
        assert_eq!(
            comment_by_user("amy", 7, "c1"),
            ("UCMT#amy".into(), "00000000000000000007#c1".into())
        );
    }

    #[test]
    fn activity_group_keys() {
        let g = activity_group("notification:amy", "like_2026-11-23");
        assert_eq!(g.pk, feed_partition("notification:amy"));
        assert_eq!(g.sk, "AGG#like_2026-11-23");
        // Groups sort apart from entries and the feed's own items.
        assert!(!g.sk.starts_with(FEED_ENTRY_PREFIX));
        assert!(!g.sk.starts_with(&feed("notification:amy").sk));
        let (pk, sk) = activity_group_by_update("notification:amy", 5, "a#b");
        assert_eq!(pk, "AGGF#notification:amy");
        assert_eq!(sk, "00000000000000000005#a#b");
    }

    #[test]
    fn expiry_buckets_are_days() {
        let day_ns = 86_400 * 1_000_000_000_i64;
        let (pk_a, _) = activity_expiry(day_ns * 3 + 5, "a");
        let (pk_b, _) = activity_expiry(day_ns * 4 - 1, "b");
        let (pk_c, _) = activity_expiry(day_ns * 4, "c");
        assert_eq!(pk_a, "EXP#3");
        assert_eq!(pk_a, pk_b);
        assert_eq!(pk_c, "EXP#4");
    }

    #[test]
    fn reaction_keys() {
        let k = reaction("a1", "bob", "like");
        assert_eq!(
            k.pk,
            activity("a1").pk,
            "reactions live beside their activity"
        );
        assert_eq!(k.sk, "R#bob#like");
        assert_ne!(k.sk, activity("a1").sk);
        assert_eq!(
            reaction_by_time("a1", 5, "bob", "like"),
            ("AREACT#a1".into(), "00000000000000000005#bob#like".into())
        );
    }

    #[test]
    fn comment_keys() {
        assert_eq!(
            comment("c1"),
            Key {
                pk: "CMT#c1".into(),
                sk: "CMT".into()
            }
        );
        let root = thread_entry("activity", "a1", None, 5, "c1");
        let reply = thread_entry("activity", "a1", Some("c1"), 6, "c2");
        assert_eq!(root.pk, "THREAD#activity:a1");
        assert_eq!(root.pk, reply.pk);
        assert!(root.sk.starts_with(&thread_prefix(None)));
        assert!(reply.sk.starts_with(&thread_prefix(Some("c1"))));
        assert!(!reply.sk.starts_with(&thread_prefix(None)));
    }

    #[test]
    fn pulled_sources_read_with_the_feed() {
        let k = pulled_sources("timeline:a");
        assert_eq!(k.pk, "FEED#timeline:a");
        assert!(k.sk.starts_with("FEED"));
        assert!(follow("timeline:bob", "user:c")
            .sk
            .starts_with(&followers_in_group("timeline")));
        assert!(!follow("timelines:bob", "user:c")
            .sk
            .starts_with(&followers_in_group("timeline")));
    }

    #[test]
    fn follow_keys() {
        let k = follow("timeline:charlie", "user:john");
        assert_eq!(k.pk, "FEED#user:john");
        assert_eq!(k.sk, "FOLLOWER#timeline:charlie");
        // Followers sort apart from feed entries and the metadata item.
        assert!(!k.sk.starts_with(FEED_ENTRY_PREFIX));
        assert_ne!(k.sk, feed("user:john").sk);
        assert_eq!(
            follow_by_source("timeline:charlie", "user:john"),
            ("FOLLOWING#timeline:charlie".into(), "user:john".into())
        );
        assert_eq!(feed_by_group("user", 7, "user:a").0, "FGRP#user");
        assert_eq!(feed_by_creator("a", 7, "user:a").0, "FCRT#a");
    }

    #[test]
    fn member_keys() {
        let k = member("user:amy", "bob");
        assert_eq!(k.pk, "FEED#user:amy");
        assert_eq!(k.sk, "MEMBER#bob");
        assert!(k.sk.starts_with(MEMBER_PREFIX));
        // Members sort apart from entries, followers and the feed's own items.
        assert!(!k.sk.starts_with(FEED_ENTRY_PREFIX));
        assert!(!k.sk.starts_with(FOLLOWER_PREFIX));
        assert!(!k.sk.starts_with(&feed("user:amy").sk));
        assert!(!k.sk.starts_with(GROUP_PREFIX));
        assert_eq!(
            member_by_user("bob", "user:amy"),
            ("UMEMBER#bob".into(), "user:amy".into())
        );
    }

    #[test]
    fn membership_level_keys() {
        assert_eq!(
            membership_level("gold"),
            Key {
                pk: "LEVELS".into(),
                sk: "LEVEL#gold".into()
            }
        );
        assert_ne!(membership_level("gold").pk, feed_group("gold").pk);
    }

    #[test]
    fn other_keys() {
        assert_eq!(user("u").pk, "USER#u");
        assert_eq!(
            feed_group("user"),
            Key {
                pk: "GROUPS".into(),
                sk: "GROUP#user".into()
            }
        );
        assert_eq!(time_part(-5), "00000000000000000000");
    }
}

#[cfg(test)]
mod collection_key_tests {
    use super::*;

    #[test]
    fn collection_objects_are_keyed_by_name_and_id() {
        let k = collection_object("food", "pizza-1");
        assert_eq!(k.pk, "COLL#food:pizza-1");
        assert_eq!(k.sk, "COLL");
        assert_ne!(k, collection_object("food", "pizza-2"));
        assert_ne!(k.pk, user("food:pizza-1").pk);
        assert_eq!(
            collection_object_by_name("food", 5, "pizza-1"),
            ("COLLN#food".into(), "00000000000000000005#pizza-1".into())
        );
        let (pk, sk) = collection_object_by_user("amy", 5, "food", "pizza-1");
        assert_eq!(pk, collection_objects_of_user("amy"));
        assert_eq!(sk, "00000000000000000005#food:pizza-1");
        let (_, later) = collection_object_by_name("food", 6, "a");
        assert!(later > collection_object_by_name("food", 5, "z").1);
    }
}

// ---- v2 reactions (reactions the v3 records cannot hold; see `v2_reactions.rs`) --------

/// A v2-only reaction's record.
pub fn v2_reaction(id: &str) -> Key {
    Key::new(format!("V2R#{id}"), "V2R")
}

/// The scope listing the top-level v2-only reactions to an activity.
pub fn v2_scope_activity(activity_id: &str) -> String {
    format!("a:{activity_id}")
}

/// The scope listing the v2-only children of a reaction (whatever holds the parent).
pub fn v2_scope_parent(parent_id: &str) -> String {
    format!("r:{parent_id}")
}

/// The scope listing a user's top-level v2-only reactions.
pub fn v2_scope_user(user_id: &str) -> String {
    format!("u:{user_id}")
}

/// The partition of one scope's listing entries (strongly consistent Query, by time).
pub fn v2_reaction_list(scope: &str) -> String {
    format!("V2RL#{scope}")
}

/// A v2-only reaction's entry in a scope's listing, ordered by creation time.
pub fn v2_reaction_entry(scope: &str, created_at: Nanos, id: &str) -> Key {
    Key::new(
        v2_reaction_list(scope),
        format!("{}#{id}", time_part(created_at)),
    )
}

/// The per-kind counts (`k:<kind>`) of a scope's live v2-only reactions. `#` sorts before
/// every digit, so a time-range read of the entries never meets it.
pub fn v2_reaction_counts(scope: &str) -> Key {
    Key::new(v2_reaction_list(scope), "#COUNTS")
}

#[cfg(test)]
mod v2_reaction_key_tests {
    use super::*;

    #[test]
    fn v2_reaction_keys() {
        assert_eq!(v2_reaction("r1"), Key::new("V2R#r1".into(), "V2R"));
        let scope = v2_scope_activity("a1");
        assert_eq!(scope, "a:a1");
        let entry = v2_reaction_entry(&scope, 5, "r1");
        assert_eq!(entry.pk, "V2RL#a:a1");
        assert_eq!(entry.sk, "00000000000000000005#r1");
        // The counts item sits outside every time range of entries.
        let counts = v2_reaction_counts(&scope);
        assert_eq!(counts.pk, entry.pk);
        assert!(counts.sk < time_part(0));
        // Scopes of different kinds never share a partition.
        assert_ne!(
            v2_reaction_list(&v2_scope_parent("x")),
            v2_reaction_list(&v2_scope_user("x"))
        );
        assert_ne!(v2_reaction("x").pk, activity("x").pk);
    }
}

// ---- polls --------------------------------------------------------------------------------

/// A poll: its settings, options and exact vote counters (`vote_count`, `answers_count`,
/// `vote_counts_by_option`), updated in the same transaction as each vote.
pub fn poll(id: &str) -> Key {
    Key::new(format!("POLL#{id}"), "POLL")
}

/// A user's vote for one option of a poll: one item per (poll, user, option), so a second
/// vote for the same option cannot be written.
pub fn poll_vote(poll_id: &str, user_id: &str, option_id: &str) -> Key {
    Key::new(
        format!("POLL#{poll_id}"),
        format!("VOTE#{user_id}#{option_id}"),
    )
}

/// A user's answer (free text) to a poll: at most one, a new one replaces it.
pub fn poll_answer(poll_id: &str, user_id: &str) -> Key {
    Key::new(format!("POLL#{poll_id}"), format!("ANSWER#{user_id}"))
}

/// How many option votes a user holds on a poll (`n`), conditioned on for
/// `max_votes_allowed`.
pub fn poll_voter(poll_id: &str, user_id: &str) -> Key {
    Key::new(format!("POLL#{poll_id}"), format!("VOTER#{user_id}"))
}

/// A poll's votes and answers by time (gsi1), for `query_poll_votes`.
pub fn poll_vote_by_time(poll_id: &str, created_at: Nanos, vote_id: &str) -> (String, String) {
    (
        poll_votes_by_time(poll_id),
        format!("{}#{vote_id}", time_part(created_at)),
    )
}

/// Every poll by creation time (gsi2), for `query_polls`.
pub fn poll_by_time(created_at: Nanos, poll_id: &str) -> (String, String) {
    (
        POLLS_BY_TIME.to_string(),
        format!("{}#{poll_id}", time_part(created_at)),
    )
}

pub const POLLS_BY_TIME: &str = "POLLS";

pub fn poll_votes_by_time(poll_id: &str) -> String {
    format!("POLLV#{poll_id}")
}

#[cfg(test)]
mod poll_key_tests {
    use super::*;

    #[test]
    fn poll_keys() {
        assert_eq!(poll("p1"), Key::new("POLL#p1".into(), "POLL"));
        let v = poll_vote("p1", "u1", "o1");
        assert_eq!(v.pk, "POLL#p1");
        assert_eq!(v.sk, "VOTE#u1#o1");
        assert_eq!(poll_answer("p1", "u1").sk, "ANSWER#u1");
        assert_eq!(poll_voter("p1", "u1").sk, "VOTER#u1");
        // Votes, answers and tallies share the poll's partition but never its key.
        assert_ne!(poll_voter("p1", "u1"), poll("p1"));
        assert_ne!(poll("p1").pk, activity("p1").pk);
        let (g1pk, g1sk) = poll_vote_by_time("p1", 5, "v1");
        assert_eq!(g1pk, "POLLV#p1");
        assert_eq!(g1sk, format!("{}#v1", time_part(5)));
        assert_eq!(
            poll_by_time(5, "p1"),
            ("POLLS".to_string(), format!("{}#p1", time_part(5)))
        );
    }
}
