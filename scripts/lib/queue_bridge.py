"""Local stand-in for Lambda's SQS event source mapping: feeds the task queue to the `worker` function.

In AWS, Lambda polls the task queue and invokes the function with batches of messages (the
`TaskWorkerFunction`'s SQS event in infra/template.yaml). Locally nothing would consume the queue, so
scripts/dev runs this bridge next to `cargo lambda watch`. It behaves like the event source mapping:

  * long-polls the queue (moto) and gathers up to `BatchSize` messages, waiting at most
    `MaximumBatchingWindowInSeconds` after the first one for the batch to fill;
  * invokes the function through cargo lambda watch's Lambda invoke API
    (POST /2015-03-31/functions/<binary>/invocations) with an SQS event shaped exactly like Lambda's;
  * with `ReportBatchItemFailures`, deletes every message the `SqsBatchResponse` does not list as failed
    and leaves the failed ones on the queue; a failed invocation (non-200, function error, invalid
    response, unknown itemIdentifier) fails the whole batch. Messages left on the queue come back after
    the queue's visibility timeout, and the queue's redrive policy (enforced by moto) moves them to the
    dead-letter queue after `maxReceiveCount` receives.

All of these settings are read from infra/template.yaml (the function's SQS event and the queue resource),
never hard-coded. One local-only speed-up: a failed message's remaining invisibility is shortened to
TRIBUTARY_TASK_RETRY_SECONDS (scripts/dev's default: 2 s instead of the queue's 180 s) with
ChangeMessageVisibility. Set it to the queue's VisibilityTimeout (or more) to wait exactly as deployed.

Run by scripts/dev (log: .local/logs/<instance>-queue-bridge.log). By hand, against a running stack:

    .venv/bin/python scripts/lib/queue_bridge.py --queue-url URL --sqs-endpoint URL --invoke-url URL
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import math
import signal
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, REGION, TEMPLATE, StackError  # noqa: E402

# Lambda's limit on an invocation's payload; the mapping stops adding records before it.
MAX_PAYLOAD = 6 * 1024 * 1024
# SQS limits: messages per ReceiveMessage / batch call, and the longest long poll.
SQS_MAX_RECEIVE = 10
SQS_MAX_WAIT = 20
# Lambda's defaults when the template leaves a setting out.
DEFAULT_BATCH_SIZE = 10
DEFAULT_VISIBILITY_TIMEOUT = 30
DEFAULT_FUNCTION_TIMEOUT = 3

_EVENT_PROPERTIES = {"Queue", "BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "Enabled"}
# Properties with no local meaning (scaling and metrics of the pollers).
_EVENT_IGNORED = {"ScalingConfig", "MetricsConfig", "ProvisionedPollerConfig"}

log = logging.getLogger("queue-bridge")


# ---------------------------------------------------------------------------------------------------
# Settings from infra/template.yaml
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """One SQS event source mapping of the template, with the settings of its function and queue."""

    function_id: str  # logical id, e.g. TaskWorkerFunction
    event_name: str  # e.g. TaskQueueEvent
    binary: str  # the cargo binary cargo lambda watch runs, e.g. worker
    queue_id: str  # logical id of the queue, e.g. TaskQueue
    batch_size: int
    batching_window: int  # seconds
    report_failures: bool  # FunctionResponseTypes has ReportBatchItemFailures
    function_timeout: int  # seconds
    visibility_timeout: int  # seconds, the queue's
    max_receive_count: Optional[int]  # the queue's redrive policy, None without one
    dlq_id: Optional[str]

    def describe(self) -> str:
        text = (
            f"{self.function_id}.{self.event_name}: BatchSize {self.batch_size}, "
            f"MaximumBatchingWindowInSeconds {self.batching_window}, "
            f"ReportBatchItemFailures {'on' if self.report_failures else 'off'}; "
            f"{self.queue_id}: VisibilityTimeout {self.visibility_timeout}"
        )
        if self.max_receive_count is not None:
            text += f", redrive to {self.dlq_id} after {self.max_receive_count} receives"
        return text


def _int_setting(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise StackError(f"template: {where} must be a plain number (the local stack reads it as is), got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise StackError(f"template: {where} must be a plain number, got {value!r}") from None
    if not low <= number <= high:
        raise StackError(f"template: {where}={number} is outside {low}-{high}")
    return number


def _getatt_target(value: Any, attribute: str) -> Optional[str]:
    """`!GetAtt X.<attribute>` -> X (None for anything else)."""
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        arg = value["Fn::GetAtt"]
        parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
        if len(parts) == 2 and parts[1] == attribute:
            return str(parts[0])
    return None


def sqs_mappings(template: dict) -> list[Mapping]:
    """Every enabled SQS event of every AWS::Serverless::Function in the template."""
    resources = template.get("Resources", {})
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    found: list[Mapping] = []
    for function_id, res in resources.items():
        if not isinstance(res, dict) or res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties") or {}
        for event_name, event in (props.get("Events") or {}).items():
            if not isinstance(event, dict) or event.get("Type") != "SQS":
                continue
            where = f"{function_id}.Events.{event_name}"
            ev = event.get("Properties") or {}
            unknown = set(ev) - _EVENT_PROPERTIES - _EVENT_IGNORED
            if unknown:
                raise StackError(
                    f"template: {where} property {', '.join(sorted(unknown))} is not handled by the local "
                    "event source mapping (scripts/lib/queue_bridge.py)"
                )
            enabled = ev.get("Enabled", True)
            if enabled is False or str(enabled).lower() == "false":
                continue
            binary = ((res.get("Metadata") or {}).get("BuildProperties") or {}).get("Binary")
            if not binary:
                raise StackError(f"template: {function_id} has no Metadata.BuildProperties.Binary")
            queue_id = _getatt_target(ev.get("Queue"), "Arn")
            if queue_id is None:
                raise StackError(f"template: {where}.Queue must be !GetAtt <queue>.Arn, got {ev.get('Queue')!r}")
            queue = resources.get(queue_id)
            if not isinstance(queue, dict) or queue.get("Type") != "AWS::SQS::Queue":
                raise StackError(f"template: {where}.Queue refers to {queue_id}, which is not an AWS::SQS::Queue")
            qprops = queue.get("Properties") or {}
            if str(qprops.get("FifoQueue", "false")).lower() == "true":
                raise StackError(f"template: {queue_id} is a FIFO queue; the local event source mapping handles standard queues only")
            redrive = qprops.get("RedrivePolicy")
            if isinstance(redrive, str):
                redrive = json.loads(redrive)
            max_receive = dlq_id = None
            if isinstance(redrive, dict):
                max_receive = _int_setting(redrive.get("maxReceiveCount"), f"{queue_id}.RedrivePolicy.maxReceiveCount", 1, 1000)
                dlq_id = _getatt_target(redrive.get("deadLetterTargetArn"), "Arn")
            window = _int_setting(ev.get("MaximumBatchingWindowInSeconds", 0), f"{where}.MaximumBatchingWindowInSeconds", 0, 300)
            batch_size = _int_setting(ev.get("BatchSize", DEFAULT_BATCH_SIZE), f"{where}.BatchSize", 1, 10000)
            if batch_size > SQS_MAX_RECEIVE and window < 1:
                raise StackError(f"template: {where}: a BatchSize above 10 needs MaximumBatchingWindowInSeconds >= 1 (as in AWS)")
            timeout = props.get("Timeout", globals_fn.get("Timeout", DEFAULT_FUNCTION_TIMEOUT))
            found.append(
                Mapping(
                    function_id=function_id,
                    event_name=event_name,
                    binary=str(binary),
                    queue_id=queue_id,
                    batch_size=batch_size,
                    batching_window=window,
                    report_failures="ReportBatchItemFailures" in (ev.get("FunctionResponseTypes") or []),
                    function_timeout=_int_setting(timeout, f"{function_id}.Timeout", 1, 900),
                    visibility_timeout=_int_setting(
                        qprops.get("VisibilityTimeout", DEFAULT_VISIBILITY_TIMEOUT), f"{queue_id}.VisibilityTimeout", 0, 43200
                    ),
                    max_receive_count=max_receive,
                    dlq_id=dlq_id,
                )
            )
    return found


def find_mapping(template: dict, function_id: Optional[str] = None) -> Mapping:
    mappings = sqs_mappings(template)
    if function_id is not None:
        mappings = [m for m in mappings if m.function_id == function_id]
    if len(mappings) != 1:
        names = ", ".join(f"{m.function_id}.{m.event_name}" for m in mappings) or "none"
        raise StackError(f"template: expected one SQS-triggered function{f' named {function_id}' if function_id else ''}, found {names}")
    return mappings[0]


# ---------------------------------------------------------------------------------------------------
# Invoking the function through cargo lambda watch
# ---------------------------------------------------------------------------------------------------


class InvokeResult:
    def __init__(self, status: Optional[int], body: bytes, error: Optional[str] = None):
        self.status = status  # None: no HTTP answer (connection refused, timeout)
        self.body = body
        self.error = error

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _NOT_JSON

    def short(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        text = self.body.decode("utf-8", "replace").strip().replace("\n", " ")
        return f"HTTP {self.status} {text[:300]}"


_NOT_JSON = object()


def invoke_url(base_url: str, function: str) -> str:
    return f"{base_url.rstrip('/')}/2015-03-31/functions/{function}/invocations"


def invoke(url: str, event: dict, timeout: float) -> InvokeResult:
    """POST the event to the Lambda invoke API; every outcome comes back as an InvokeResult."""
    data = json.dumps(event, separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return InvokeResult(resp.status, resp.read())
    except urllib.error.HTTPError as exc:
        return InvokeResult(exc.code, exc.read() or b"")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return InvokeResult(None, b"", str(reason) or type(reason).__name__)


def empty_batch_answer(result: InvokeResult) -> Optional[str]:
    """None when the function answered an empty batch the way a working SQS handler does (200 + JSON),
    otherwise why not."""
    if result.status is None:
        return result.short()
    body = result.json()
    if result.status != 200 or body is _NOT_JSON:
        return result.short()
    return None


# ---------------------------------------------------------------------------------------------------
# The event and the response
# ---------------------------------------------------------------------------------------------------


def _lambda_message_attributes(attrs: dict) -> dict:
    """SQS API message attributes -> the camelCase form Lambda puts in SQS events."""
    out = {}
    for name, value in (attrs or {}).items():
        item: dict[str, Any] = {
            "stringListValues": list(value.get("StringListValues") or []),
            "binaryListValues": [base64.b64encode(b).decode("ascii") for b in value.get("BinaryListValues") or []],
            "dataType": value.get("DataType", "String"),
        }
        if "StringValue" in value:
            item["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            item["binaryValue"] = base64.b64encode(raw if isinstance(raw, bytes) else str(raw).encode()).decode("ascii")
        out[name] = item
    return out


def sqs_record(message: dict, queue_arn: str, region: str) -> dict:
    """One ReceiveMessage message -> one record of Lambda's SQS event."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": _lambda_message_attributes(message.get("MessageAttributes") or {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_ids(result: InvokeResult, message_ids: list[str], report_failures: bool) -> tuple[set[str], Optional[str]]:
    """The messages to leave on the queue, and why the whole batch failed (None when it did not).

    As Lambda: a function error fails the batch. With ReportBatchItemFailures, a null/empty response or an
    empty/null `batchItemFailures` is complete success; a response that is not JSON, or a failure entry
    whose itemIdentifier is missing, empty or not a message of the batch, fails the whole batch."""
    everything = set(message_ids)
    if result.status is None:
        return everything, f"invoke failed: {result.short()}"
    if result.status != 200:
        return everything, f"function error: {result.short()}"
    if not report_failures:
        return set(), None
    if not result.body.strip():
        return set(), None
    body = result.json()
    if body is _NOT_JSON:
        return everything, f"the response is not JSON: {result.short()}"
    if body is None:
        return set(), None
    if not isinstance(body, dict):
        return everything, f"the response is not an SqsBatchResponse: {result.short()}"
    failures = body.get("batchItemFailures")
    if failures is None:
        return set(), None
    if not isinstance(failures, list):
        return everything, f"batchItemFailures is not a list: {result.short()}"
    failed: set[str] = set()
    for entry in failures:
        ident = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(ident, str) or ident not in everything:
            return everything, f"invalid itemIdentifier {ident!r} in batchItemFailures: {result.short()}"
        failed.add(ident)
    return failed, None


# ---------------------------------------------------------------------------------------------------
# The polling loop
# ---------------------------------------------------------------------------------------------------


class Stop(BaseException):
    """Raised by the signal handlers; a BaseException so that no `except Exception` swallows it."""


class Bridge:
    def __init__(
        self,
        mapping: Mapping,
        sqs,
        queue_url: str,
        invoke_url: str,
        retry_seconds: int,
        region: str = REGION,
    ):
        self.mapping = mapping
        self.sqs = sqs
        self.queue_url = queue_url
        self.invoke_url = invoke_url
        self.retry_seconds = retry_seconds
        self.region = region
        self.queue_arn = ""
        self.dlq_name = mapping.dlq_id or "the dead-letter queue"
        # Waiting longer than the visibility timeout is pointless: by then the batch is visible again.
        self.invoke_timeout = float(max(mapping.visibility_timeout, mapping.function_timeout))

    def check_queue(self) -> None:
        """Reads the queue's ARN (for eventSourceARN) and warns when the live queue differs from the template."""
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["All"])["Attributes"]
        self.queue_arn = attrs["QueueArn"]
        live_visibility = int(attrs.get("VisibilityTimeout", DEFAULT_VISIBILITY_TIMEOUT))
        if live_visibility != self.mapping.visibility_timeout:
            log.warning(
                "queue %s has VisibilityTimeout %s, the template says %s", self.queue_url, live_visibility, self.mapping.visibility_timeout
            )
        if self.mapping.max_receive_count is not None:
            policy = json.loads(attrs.get("RedrivePolicy") or "{}")
            if int(policy.get("maxReceiveCount", -1)) != self.mapping.max_receive_count:
                log.warning("queue %s has redrive policy %s, the template says maxReceiveCount %s",
                            self.queue_url, policy or "none", self.mapping.max_receive_count)
            else:
                self.dlq_name = policy["deadLetterTargetArn"].rsplit(":", 1)[-1]

    def _receive(self, count: int, wait: int) -> list[dict]:
        resp = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(count, SQS_MAX_RECEIVE),
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return resp.get("Messages", [])

    def gather(self) -> list[dict]:
        """Long-polls for the first messages, then keeps collecting until the batch is full, the batching
        window (counted from the first message) has passed, or the next message could exceed the payload
        limit. Empty when a long poll ended with nothing."""
        m = self.mapping
        batch = self._receive(m.batch_size, SQS_MAX_WAIT)
        if not batch or m.batching_window == 0:
            return batch
        deadline = time.monotonic() + m.batching_window
        size = sum(len(json.dumps(msg)) for msg in batch)
        while len(batch) < m.batch_size and size < MAX_PAYLOAD - 1024 * 1024:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            # Short polls: WaitTimeSeconds counts whole seconds, the window is kept to ~0.1 s.
            more = self._receive(m.batch_size - len(batch), 0)
            if more:
                batch.extend(more)
                size += sum(len(json.dumps(msg)) for msg in more)
            else:
                time.sleep(min(0.1, remaining))
        return batch

    def run_batch(self, messages: list[dict]) -> None:
        m = self.mapping
        received_at = time.monotonic()
        event = {"Records": [sqs_record(msg, self.queue_arn, self.region) for msg in messages]}
        ids = [msg["MessageId"] for msg in messages]
        started = time.monotonic()
        result = invoke(self.invoke_url, event, timeout=self.invoke_timeout)
        took = time.monotonic() - started
        failed, batch_error = failed_ids(result, ids, m.report_failures)
        if batch_error:
            log.warning("batch of %d failed as a whole: %s", len(ids), batch_error)
        if took > m.function_timeout:
            log.warning(
                "invocation took %.1f s, more than the function's Timeout (%d s): in AWS it would time out "
                "(locally this also happens while cargo lambda watch rebuilds the function)",
                took, m.function_timeout,
            )

        done = [msg for msg in messages if msg["MessageId"] not in failed]
        retry = [msg for msg in messages if msg["MessageId"] in failed]
        self._delete(done)
        retry_note = self._retry_later(retry, received_at)
        for msg in retry:
            count = int((msg.get("Attributes") or {}).get("ApproximateReceiveCount", "0") or 0)
            if m.max_receive_count is not None and count >= m.max_receive_count:
                log.info(
                    "message %s failed on receive %d of %d: the queue's redrive policy moves it to %s",
                    msg["MessageId"], count, m.max_receive_count, self.dlq_name,
                )
        if log.isEnabledFor(logging.DEBUG):
            receives = ",".join((msg.get("Attributes") or {}).get("ApproximateReceiveCount", "?") for msg in messages)
            status = result.status if result.status is not None else "no answer"
            log.debug(
                "batch of %d (receives %s) -> %s %s in %d ms: %d done, %d failed%s",
                len(messages), receives, m.binary, status, int(took * 1000), len(done), len(retry), retry_note,
            )

    def _delete(self, messages: list[dict]) -> None:
        for start in range(0, len(messages), SQS_MAX_RECEIVE):
            chunk = messages[start : start + SQS_MAX_RECEIVE]
            resp = self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": msg["ReceiptHandle"]} for i, msg in enumerate(chunk)],
            )
            for failure in resp.get("Failed", []):
                msg = chunk[int(failure["Id"])]
                log.warning("could not delete message %s: %s %s", msg["MessageId"], failure.get("Code"), failure.get("Message"))

    def _retry_later(self, messages: list[dict], received_at: float) -> str:
        """Shortens the failed messages' remaining invisibility to retry_seconds (local-only speed-up)."""
        if not messages:
            return ""
        remaining = self.mapping.visibility_timeout - (time.monotonic() - received_at)
        if self.retry_seconds >= remaining:
            return f" (retry after the visibility timeout, {max(0, math.ceil(remaining))} s)"
        for start in range(0, len(messages), SQS_MAX_RECEIVE):
            chunk = messages[start : start + SQS_MAX_RECEIVE]
            resp = self.sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": msg["ReceiptHandle"], "VisibilityTimeout": self.retry_seconds}
                    for i, msg in enumerate(chunk)
                ],
            )
            for failure in resp.get("Failed", []):
                msg = chunk[int(failure["Id"])]
                log.warning("could not shorten the visibility of %s: %s %s", msg["MessageId"], failure.get("Code"), failure.get("Message"))
        return f" (retry in {self.retry_seconds} s)"

    def loop(self) -> None:
        sqs_errors = 0
        while True:
            try:
                messages = self.gather()
                sqs_errors = 0
            except Exception as exc:  # noqa: BLE001 - SQS unreachable or erroring: log, back off, go on
                sqs_errors += 1
                delay = min(2 ** min(sqs_errors, 5), 30)
                log.warning("receiving from %s failed (%s); retrying in %d s", self.queue_url, exc, delay)
                time.sleep(delay)
                continue
            if not messages:
                continue
            try:
                self.run_batch(messages)
            except Exception as exc:  # noqa: BLE001 - messages stay on the queue and come back
                log.warning("handling a batch of %d failed (%s); its messages come back after the visibility timeout", len(messages), exc)
                time.sleep(1)


def sqs_client(endpoint: str, region: str = REGION):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=DUMMY_ACCESS_KEY, aws_secret_access_key=DUMMY_SECRET_KEY, region_name=region
    )
    # read_timeout above the longest long poll.
    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=SQS_MAX_WAIT + 10)
    return session.client("sqs", endpoint_url=endpoint, config=config)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queue-url", required=True, help="URL of the queue the function is triggered by")
    parser.add_argument("--sqs-endpoint", required=True, help="the SQS stand-in, e.g. http://127.0.0.1:8200")
    parser.add_argument("--invoke-url", required=True, help="cargo lambda watch's base URL, e.g. http://127.0.0.1:3030")
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--function", help="logical id of the SQS-triggered function (default: the only one)")
    parser.add_argument(
        "--retry-seconds", type=int, default=None,
        help="visibility left to a failed message (local-only speed-up; default: the queue's VisibilityTimeout)",
    )
    parser.add_argument("--ready-file", type=Path, help="created once the bridge polls the queue")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    args = parser.parse_args()

    # Only the bridge's own logger follows --log-level; the libraries' debug output would drown it.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    log.setLevel(getattr(logging, args.log_level.upper()))

    def stop(signum, _frame):
        raise Stop(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)

    try:
        import resources

        mapping = find_mapping(resources.load_template(args.template), args.function)
        retry = mapping.visibility_timeout if args.retry_seconds is None else args.retry_seconds
        if not 0 <= retry <= 43200:
            raise StackError(f"--retry-seconds={retry} is outside 0-43200")
        bridge = Bridge(mapping, sqs_client(args.sqs_endpoint), args.queue_url, invoke_url(args.invoke_url, mapping.binary), retry)
        bridge.check_queue()
        log.info("%s", mapping.describe())
        retry_text = (
            f"retry failed messages after {retry} s (TRIBUTARY_TASK_RETRY_SECONDS, local only)"
            if retry < mapping.visibility_timeout
            else "failed messages come back after the queue's visibility timeout"
        )
        log.info("polling %s -> %s; %s", args.queue_url, bridge.invoke_url, retry_text)
        if args.ready_file:
            args.ready_file.parent.mkdir(parents=True, exist_ok=True)
            args.ready_file.write_text(f"{bridge.queue_arn}\n")
        bridge.loop()
    except Stop as exc:
        log.info("%s received, stopping", exc)
        return 0
    except StackError as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
