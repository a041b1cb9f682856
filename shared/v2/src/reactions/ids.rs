//! v2 reaction ids. Every id Tributary makes is a UUID in the v7 layout whose leading bits
//! are the creation time to the nanosecond (milliseconds, then the rest of the nanoseconds),
//! so ids sort as their reactions' times do and `id_lt`/`id_gt` read as "older"/"newer".
//!
//! A reaction v3 holds by key (a user's reaction of one type to an activity or a comment)
//! has no id in v3; its v2 id is `<uuid>.<key>`: the UUID's tail is a hash of the key, and
//! the key (subject, user, type) follows in URL-safe base64, so the id alone finds the
//! reaction, whichever dialect wrote it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tributary_domain::model::reaction::Reaction;
use tributary_domain::time::Nanos;

/// The namespace of the hashes in ids of reactions v3 holds.
const KEY_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x3b1f_9c2e_4d5a_4f60_8e71_a2b3_c4d5_e6f7);
const TAIL_BITS: u32 = 54;

/// A UUID (v7 layout) carrying `at` to the nanosecond, then `tail`'s low 54 bits.
fn timed_uuid(at: Nanos, tail: u128) -> uuid::Uuid {
    let at = at.max(0) as u128;
    let ms = at / 1_000_000;
    let sub = at % 1_000_000; // < 2^20
    let value = ((ms & 0xFFFF_FFFF_FFFF) << 80)
        | (0x7 << 76)
        | ((sub >> 8) << 64)
        | (0b10 << 62)
        | ((sub & 0xFF) << TAIL_BITS)
        | (tail & ((1u128 << TAIL_BITS) - 1));
    uuid::Uuid::from_u128(value)
}

/// A new id for a reaction created at `at`.
pub fn new_id(at: Nanos) -> String {
    timed_uuid(at, uuid::Uuid::new_v4().as_u128()).to_string()
}

/// What a v3 reaction is keyed by: its subject (`a` activity or `c` comment, and its id),
/// its user and its type.
fn key_of(r: &Reaction) -> [String; 4] {
    let (tag, subject) = match &r.comment_id {
        Some(c) => ("c", c.clone()),
        None => ("a", r.activity_id.clone()),
    };
    [tag.to_string(), subject, r.user_id.clone(), r.kind.clone()]
}

/// The v2 id of a reaction v3 holds by key.
pub fn held_id(r: &Reaction) -> String {
    let key = serde_json::to_string(&key_of(r)).unwrap_or_default();
    let hash = uuid::Uuid::new_v5(&KEY_NAMESPACE, key.as_bytes()).as_u128();
    format!(
        "{}.{}",
        timed_uuid(r.created_at, hash),
        URL_SAFE_NO_PAD.encode(key.as_bytes())
    )
}

/// The key an id of a reaction v3 holds names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldKey {
    /// The comment, for a reaction to a comment; otherwise the reaction is to `subject`, an
    /// activity.
    pub on_comment: bool,
    pub subject: String,
    pub user_id: String,
    pub kind: String,
    /// The reaction's creation time: a later reaction under the same key is another one.
    pub created_at: Nanos,
}

/// Reads an id of a reaction v3 holds; `None` for any other id.
pub fn parse_held(id: &str) -> Option<HeldKey> {
    let (head, key) = id.split_once('.')?;
    let uuid = uuid::Uuid::parse_str(head).ok()?;
    let raw = URL_SAFE_NO_PAD.decode(key).ok()?;
    let [tag, subject, user_id, kind]: [String; 4] = serde_json::from_slice(&raw).ok()?;
    let on_comment = match tag.as_str() {
        "a" => false,
        "c" => true,
        _ => return None,
    };
    Some(HeldKey {
        on_comment,
        subject,
        user_id,
        kind,
        created_at: exact_time(uuid)?,
    })
}

/// The time an id made by [`timed_uuid`] carries.
fn exact_time(uuid: uuid::Uuid) -> Option<Nanos> {
    let v = uuid.as_u128();
    if (v >> 76) & 0xF != 0x7 {
        return None;
    }
    let ms = v >> 80;
    let sub = (((v >> 64) & 0xFFF) << 8) | ((v >> TAIL_BITS) & 0xFF);
    (sub < 1_000_000).then(|| (ms * 1_000_000 + sub) as Nanos)
}

/// The time any time-based UUID id carries (v1, v6, v7; to the millisecond for v7 ids made
/// elsewhere), for ids that name no stored reaction.
pub fn time_of(id: &str) -> Option<Nanos> {
    let head = id.split_once('.').map_or(id, |(h, _)| h);
    let uuid = uuid::Uuid::parse_str(head).ok()?;
    let (secs, nanos) = uuid.get_timestamp()?.to_unix();
    Some(secs as Nanos * 1_000_000_000 + nanos as Nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reaction(at: Nanos, user: &str) -> Reaction {
        Reaction {
            activity_id: "act-1".into(),
            comment_id: None,
            user_id: user.into(),
            kind: "like".into(),
            custom: Default::default(),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn ids_order_by_time_to_the_nanosecond() {
        let base = 1_700_000_000_123_456_789;
        let ids: Vec<String> = [0, 1, 255, 256, 999_999, 1_000_000]
            .iter()
            .map(|d| new_id(base + d))
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, ids);
        let parsed = uuid::Uuid::parse_str(&ids[0]).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        assert_eq!(exact_time(parsed), Some(base));
        // Any v7 reader sees the millisecond.
        assert_eq!(time_of(&ids[0]), Some(base / 1_000_000 * 1_000_000));
    }

    #[test]
    fn held_ids_carry_their_key_and_time() {
        let r = reaction(1_700_000_000_000_000_001, "ann#1");
        let id = held_id(&r);
        assert_eq!(id, held_id(&r), "the same reaction has one id");
        let key = parse_held(&id).unwrap();
        assert_eq!(
            key,
            HeldKey {
                on_comment: false,
                subject: "act-1".into(),
                user_id: "ann#1".into(),
                kind: "like".into(),
                created_at: r.created_at,
            }
        );
        assert!(held_id(&reaction(r.created_at + 1, "ann#1")) > id);
        let mut on_comment = r.clone();
        on_comment.comment_id = Some("c1".into());
        assert!(parse_held(&held_id(&on_comment)).unwrap().on_comment);
        assert_eq!(parse_held(&new_id(5)), None);
        assert_eq!(parse_held("x.y"), None);
        // A v1 UUID from a v2 client names its time.
        assert!(time_of("87a9eec0-fd5f-11e8-8080-80013fed2f5b").is_some());
        assert_eq!(time_of("not-a-uuid"), None);
    }
}
