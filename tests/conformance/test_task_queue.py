"""The task queue end to end: activities reach followers' timelines through the SQS queue and the
SQS-triggered `worker` function, a message that can never succeed ends in the dead-letter queue
without holding back the rest of its batch, and a task delivered more than once leaves one entry.

The API is driven through the official SDK; the queues themselves are reached with boto3. On the local
stack (scripts/dev, scripts/test) the queue is moto and Lambda's SQS event source mapping is emulated by
scripts/lib/queue_bridge.py with the template's settings (batch size, batching window, partial batch
responses, the queue's redrive policy); failed messages are retried after TRIBUTARY_TASK_RETRY_SECONDS
(2 s) instead of the queue's 180 s visibility timeout, so a poisoned message reaches the dead-letter
queue in well under a minute.

Needs, besides the SDK settings of conftest.py (missing ones are a failure, never a skip):

    TRIBUTARY_SQS_ENDPOINT      e.g. http://127.0.0.1:8200
    TRIBUTARY_TASK_QUEUE_URL  the task queue
    TRIBUTARY_TASK_DLQ_URL    its dead-letter queue

scripts/dev writes all of them to .local/<instance>.env.
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Callable, Dict, List

import pytest

from conformance_support import uid

QUEUE_ENV_VARS = ("TRIBUTARY_SQS_ENDPOINT", "TRIBUTARY_TASK_QUEUE_URL", "TRIBUTARY_TASK_DLQ_URL")
# The local stack's region and dummy credentials (scripts/lib/common.py); moto keeps queues per region.
LOCAL_REGION = "us-east-1"
LOCAL_ACCESS_KEY = "tributarylocal"
LOCAL_SECRET_KEY = "tributarylocalsecret"

DELIVERY_TIMEOUT = 30.0  # a valid task: seconds until its effect shows
DEAD_LETTER_TIMEOUT = 60.0  # a poisoned message: seconds until it is in the dead-letter queue
DRAIN_TIMEOUT = 60.0  # seconds until the task queue has nothing left in flight


@pytest.fixture(scope="module")
def queues() -> Dict[str, Any]:
    missing = [name for name in QUEUE_ENV_VARS if not os.environ.get(name)]
    if missing:
        pytest.fail(
            "The task queue tests need the local stack's queues. Set "
            + ", ".join(missing)
            + " (scripts/dev writes them to .local/<instance>.env; scripts/test passes them on).",
            pytrace=False,
        )
    import boto3
    from botocore.config import Config

    sqs = boto3.client(
        "sqs",
        endpoint_url=os.environ["TRIBUTARY_SQS_ENDPOINT"],
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_ACCESS_KEY,
        aws_secret_access_key=LOCAL_SECRET_KEY,
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )
    queue_url = os.environ["TRIBUTARY_TASK_QUEUE_URL"]
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert "RedrivePolicy" in attrs, f"the task queue has no redrive policy: {attrs}"
    policy = json.loads(attrs["RedrivePolicy"])
    dlq_url = os.environ["TRIBUTARY_TASK_DLQ_URL"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert policy["deadLetterTargetArn"] == dlq_arn, f"the redrive policy {policy} does not point at {dlq_url}"
    return {
        "sqs": sqs,
        "queue": queue_url,
        "dlq": dlq_url,
        "max_receive_count": int(policy["maxReceiveCount"]),
    }


@contextmanager
def scaffolding():
    """Set-up calls whose responses are not what these tests check (their completeness is checked by
    the tests of their own endpoints)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s", pytrace=False)
        time.sleep(interval)


def timeline_ids(client, user_id: str) -> List[str]:
    with scaffolding():
        resp = client.feeds.get_or_create_feed(feed_group_id="timeline", feed_id=user_id, user_id=user_id, limit=100)
    return [a.id for a in resp.data.activities or []]


def follow(client, source: str, target: str, **kwargs) -> None:
    with scaffolding():
        client.feeds.follow(source=source, target=target, **kwargs)


def post(client, user_id: str, text: str) -> str:
    with scaffolding():
        resp = client.feeds.add_activity(type="post", feeds=[f"user:{user_id}"], text=text, user_id=user_id)
    return resp.data.activity.id


def exact_created_at(client, activity_id: str) -> int:
    """The activity's created_at in nanoseconds, exactly as stored (the SDK's datetimes keep microseconds
    only): the same `get_activity` endpoint, read as plain JSON through the SDK's own request method."""
    resp = client.feeds.get("/api/v2/feeds/activities/{id}", Dict[str, Any], path_params={"id": activity_id})
    value = resp.data["activity"]["created_at"]
    if isinstance(value, int):
        return value
    # An RFC 3339 string: keep every fractional digit (a datetime would round them to microseconds).
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)?", str(value))
    assert match, f"created_at of {activity_id} is neither nanoseconds nor RFC 3339: {value!r}"
    zone = (match.group(3) or "Z").replace("Z", "+00:00")
    seconds = int(datetime.fromisoformat(match.group(1) + zone).timestamp())
    return seconds * 1_000_000_000 + int((match.group(2) or "0").ljust(9, "0"))


def take_from_dead_letter_queue(queues: Dict[str, Any], bodies: List[str], timeout: float) -> Dict[str, dict]:
    """Waits until every body is in the dead-letter queue; deletes and returns those messages by body.
    Other messages are left there, visible at once."""
    sqs, found = queues["sqs"], {}

    def check() -> bool:
        resp = sqs.receive_message(
            QueueUrl=queues["dlq"],
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            VisibilityTimeout=0,
            MessageSystemAttributeNames=["All"],
        )
        for msg in resp.get("Messages", []):
            if msg["Body"] in bodies and msg["Body"] not in found:
                found[msg["Body"]] = msg
                sqs.delete_message(QueueUrl=queues["dlq"], ReceiptHandle=msg["ReceiptHandle"])
        return len(found) == len(bodies)

    wait_for(
        f"{len(bodies)} poisoned message(s) in the dead-letter queue {queues['dlq']}",
        check,
        timeout,
        interval=0,
    )
    return found


def queue_drained(queues: Dict[str, Any]) -> bool:
    attrs = queues["sqs"].get_queue_attributes(
        QueueUrl=queues["queue"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    return all(int(v) == 0 for v in attrs.values())


def test_poisoned_messages_go_to_the_dead_letter_queue_and_the_rest_of_the_batch_is_delivered(client, make_user, queues):
    sqs = queues["sqs"]
    reader, author = make_user(), make_user()
    follow(client, f"timeline:{reader}", f"user:{author}")

    marker = uid("poison")
    poisoned = [
        json.dumps({"kind": "explode", "marker": marker}),  # JSON, but no task kind the worker knows
        f"not json at all ({marker})",
    ]
    started = time.monotonic()
    # The poisoned messages and the activity's delivery task enter the queue in the same moment, so they
    # share batches: the failures must not take the valid task down with them.
    for body in poisoned:
        sqs.send_message(QueueUrl=queues["queue"], MessageBody=body)
    activity_id = post(client, author, "delivered next to poisoned messages")

    wait_for(
        f"activity {activity_id} in timeline:{reader} (delivered through the task queue)",
        lambda: activity_id in timeline_ids(client, reader),
        DELIVERY_TIMEOUT,
    )
    delivered_after = time.monotonic() - started

    dead = take_from_dead_letter_queue(queues, poisoned, max(DEAD_LETTER_TIMEOUT - (time.monotonic() - started), 1.0))
    for body, msg in dead.items():
        receives = int(msg["Attributes"]["ApproximateReceiveCount"])
        # Every receive from the task queue counts (maxReceiveCount of them), plus ours from the DLQ.
        assert receives >= queues["max_receive_count"], (
            f"{body!r} reached the dead-letter queue after {receives} receives; the redrive policy allows "
            f"{queues['max_receive_count']}"
        )
    assert timeline_ids(client, reader).count(activity_id) == 1
    print(f"delivered after {delivered_after:.1f} s, dead-lettered after {time.monotonic() - started:.1f} s")


def test_a_duplicated_deliver_task_leaves_one_entry_per_follower(client, make_user, queues):
    sqs = queues["sqs"]
    early, late, author = make_user(), make_user(), make_user()
    follow(client, f"timeline:{early}", f"user:{author}")

    activity_id = post(client, author, "delivered more than once")
    wait_for(
        f"activity {activity_id} in timeline:{early}",
        lambda: activity_id in timeline_ids(client, early),
        DELIVERY_TIMEOUT,
    )
    # A follower whose timeline gets the activity only from the duplicated tasks below (no history copy).
    follow(client, f"timeline:{late}", f"user:{author}", activity_copy_limit=0)
    assert activity_id not in timeline_ids(client, late)

    # The same deliver task the activities function queued for this activity, sent twice at once
    # (so both copies are likely handled in one batch, concurrently).
    task = {
        "kind": "deliver",
        "activity_id": activity_id,
        "created_at": exact_created_at(client, activity_id),
        "origin": f"user:{author}",
    }
    body = json.dumps(task)
    resp = sqs.send_message_batch(
        QueueUrl=queues["queue"],
        Entries=[{"Id": "first", "MessageBody": body}, {"Id": "second", "MessageBody": body}],
    )
    assert not resp.get("Failed"), resp.get("Failed")

    wait_for(
        f"activity {activity_id} in timeline:{late} (from the duplicated task)",
        lambda: activity_id in timeline_ids(client, late),
        DELIVERY_TIMEOUT,
    )
    wait_for("the task queue to have nothing left in flight", lambda: queue_drained(queues), DRAIN_TIMEOUT)

    for reader in (early, late):
        ids = timeline_ids(client, reader)
        assert ids.count(activity_id) == 1, f"timeline:{reader} holds {activity_id} {ids.count(activity_id)} times: {ids}"
