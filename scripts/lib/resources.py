"""Create the DynamoDB table and the SQS queues of infra/template.yaml on local stand-ins.

The SAM template is the single source of truth: the table is created from the `Table` resource's
Properties and the queues from `TaskQueue` / `TaskDeadLetterQueue`, so the local stack cannot drift
from what is deployed. Only names differ: the table name comes from the command line, the queues are
named `<prefix>-tasks` and `<prefix>-tasks-dlq`. Existing tables and queues are kept (and their
TTL / queue attributes brought in line with the template).

    .venv/bin/python scripts/lib/resources.py --table tributary \\
        --dynamodb-endpoint http://127.0.0.1:8100 --sqs-endpoint http://127.0.0.1:8200

Prints `TASK_QUEUE_URL=...` and `TASK_DLQ_URL=...` lines on stdout.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    DUMMY_ACCESS_KEY,
    DUMMY_SECRET_KEY,
    REGION,
    TEMPLATE,
    StackError,
)

TABLE_RESOURCE = "Table"
# logical id -> queue name suffix
QUEUES = {"TaskDeadLetterQueue": "tasks-dlq", "TaskQueue": "tasks"}
# what each queue URL is called in the printed output / environment
QUEUE_ENV = {"TaskQueue": "TASK_QUEUE_URL", "TaskDeadLetterQueue": "TASK_DLQ_URL"}

# ---------------------------------------------------------------------------------------------------
# Template loading: YAML with CloudFormation short-form tags (!Ref, !Sub, !GetAtt, ...)
# ---------------------------------------------------------------------------------------------------


def load_template(path: Path) -> dict:
    import yaml

    class CfnLoader(yaml.SafeLoader):
        pass

    def construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if tag_suffix == "Ref":
            return {"Ref": value}
        if tag_suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{tag_suffix}": value}

    CfnLoader.add_multi_constructor("!", construct_tag)
    if not path.is_file():
        raise StackError(f"{path} not found: the local table and queues are created from the SAM template")
    try:
        doc = yaml.load(path.read_text(), Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise StackError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise StackError(f"{path} has no Resources section")
    return doc


class Resolver:
    """Resolves the few intrinsic functions that can sensibly appear in table/queue properties."""

    def __init__(self, template: dict, region: str, stack_name: str):
        self.template = template
        self.region = region
        self.stack_name = stack_name
        self.attributes: dict[tuple[str, str], str] = {}  # (logical id, attribute) -> value
        self.refs: dict[str, str] = {}  # logical id -> physical id

    def pseudo(self, name: str) -> Optional[str]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": "000000000000",
            "AWS::StackName": self.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }.get(name, "")

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.refs:
            return self.refs[name]
        param = self.template.get("Parameters", {}).get(name)
        if isinstance(param, dict) and "Default" in param:
            return param["Default"]
        raise StackError(f"template: cannot resolve !Ref {name} locally")

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [self.resolve(v, where) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
                found = self.attributes.get((logical, attr))
                if found is None:
                    raise StackError(f"template: {where}: cannot resolve !GetAtt {logical}.{attr} locally")
                return found
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

                def sub(match: re.Match) -> str:
                    name = match.group(1)
                    if name in variables:
                        return str(self.resolve(variables[name], where))
                    if "." in name:
                        return str(self.resolve({"Fn::GetAtt": name.split(".", 1)}, where))
                    return str(self.ref(name))

                return re.sub(r"\$\{([^}!]+)\}", sub, text)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(x) for x in self.resolve(items, where))
            if key.startswith("Fn::"):
                raise StackError(f"template: {where}: {key} is not supported by the local stack")
        return {k: self.resolve(v, where) for k, v in value.items()}


def resource(template: dict, logical_id: str, expected_type: str) -> dict:
    res = template["Resources"].get(logical_id)
    if not isinstance(res, dict):
        raise StackError(f"template: resource {logical_id} ({expected_type}) not found")
    if res.get("Type") != expected_type:
        raise StackError(f"template: resource {logical_id} is {res.get('Type')}, expected {expected_type}")
    return res.get("Properties") or {}


# ---------------------------------------------------------------------------------------------------
# DynamoDB
# ---------------------------------------------------------------------------------------------------

_GSI_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
_LSI_KEYS = ("IndexName", "KeySchema", "Projection")
# Properties that have no local meaning (or that DynamoDB Local does not implement).
_TABLE_IGNORED = {
    "TableName",
    "Tags",
    "SSESpecification",
    "PointInTimeRecoverySpecification",
    "ContributorInsightsSpecification",
    "DeletionProtectionEnabled",
    "KinesisStreamSpecification",
    "ImportSourceSpecification",
    "ResourcePolicy",
    "TableClass",
    "OnDemandThroughput",
    "WarmThroughput",
}


def table_request(props: dict, name: str) -> tuple[dict, Optional[dict]]:
    """CreateTable parameters and the TimeToLiveSpecification (or None) from CloudFormation properties."""
    unknown = set(props) - _TABLE_IGNORED - {
        "AttributeDefinitions",
        "KeySchema",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "BillingMode",
        "ProvisionedThroughput",
        "StreamSpecification",
        "TimeToLiveSpecification",
    }
    if unknown:
        raise StackError(f"template: Table property {', '.join(sorted(unknown))} is not handled by resources.py")
    for required in ("AttributeDefinitions", "KeySchema"):
        if required not in props:
            raise StackError(f"template: Table has no {required}")
    req: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if req["BillingMode"] == "PROVISIONED":
        req["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if props.get("GlobalSecondaryIndexes"):
        req["GlobalSecondaryIndexes"] = [
            {k: v for k, v in gsi.items() if k in _GSI_KEYS} for gsi in props["GlobalSecondaryIndexes"]
        ]
    if props.get("LocalSecondaryIndexes"):
        req["LocalSecondaryIndexes"] = [
            {k: v for k, v in lsi.items() if k in _LSI_KEYS} for lsi in props["LocalSecondaryIndexes"]
        ]
    stream = props.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        req["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    ttl = props.get("TimeToLiveSpecification")
    ttl_spec = None
    if ttl and ttl.get("AttributeName"):
        enabled = ttl.get("Enabled", True)
        if isinstance(enabled, str):
            enabled = enabled.lower() == "true"
        ttl_spec = {"AttributeName": ttl["AttributeName"], "Enabled": bool(enabled)}
    return req, ttl_spec


def ensure_table(dynamodb, req: dict, ttl: Optional[dict]) -> str:
    name = req["TableName"]
    try:
        dynamodb.create_table(**req)
        state = "created"
    except dynamodb.exceptions.ResourceInUseException:
        state = "exists"
    for _ in range(120):
        desc = dynamodb.describe_table(TableName=name)["Table"]
        if desc["TableStatus"] == "ACTIVE" and all(
            g.get("IndexStatus", "ACTIVE") == "ACTIVE" for g in desc.get("GlobalSecondaryIndexes", [])
        ):
            break
        time.sleep(0.25)
    else:
        raise StackError(f"table {name} did not become ACTIVE")
    if state == "exists":
        have = {g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])}
        want = {g["IndexName"] for g in req.get("GlobalSecondaryIndexes", [])}
        if have != want or desc["KeySchema"] != req["KeySchema"]:
            raise StackError(
                f"table {name} already exists with another key schema or indexes than infra/template.yaml; "
                "delete it (or restart DynamoDB Local, which keeps data in memory only)"
            )
    if ttl is not None:
        current = dynamodb.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
        is_on = current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        if is_on != ttl["Enabled"] or (is_on and current.get("AttributeName") != ttl["AttributeName"]):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    indexes = ", ".join(g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])) or "none"
    ttl_text = f"TTL on `{ttl['AttributeName']}`" if ttl and ttl["Enabled"] else "no TTL"
    return f"table {name}: {state} ({desc.get('BillingModeSummary', {}).get('BillingMode', req['BillingMode'])}, " \
        f"GSIs: {indexes}, {ttl_text})"


# ---------------------------------------------------------------------------------------------------
# SQS
# ---------------------------------------------------------------------------------------------------

_QUEUE_ATTRS = {
    "VisibilityTimeout": "VisibilityTimeout",
    "MessageRetentionPeriod": "MessageRetentionPeriod",
    "DelaySeconds": "DelaySeconds",
    "MaximumMessageSize": "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "FifoQueue": "FifoQueue",
    "ContentBasedDeduplication": "ContentBasedDeduplication",
    "DeduplicationScope": "DeduplicationScope",
    "FifoThroughputLimit": "FifoThroughputLimit",
}
_QUEUE_IGNORED = {
    "QueueName",
    "Tags",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "RedriveAllowPolicy",
}


def _attr_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def queue_attributes(logical_id: str, props: dict) -> dict[str, str]:
    unknown = set(props) - set(_QUEUE_ATTRS) - _QUEUE_IGNORED - {"RedrivePolicy"}
    if unknown:
        raise StackError(f"template: {logical_id} property {', '.join(sorted(unknown))} is not handled by resources.py")
    attrs = {_QUEUE_ATTRS[k]: _attr_text(v) for k, v in props.items() if k in _QUEUE_ATTRS}
    redrive = props.get("RedrivePolicy")
    if redrive:
        if isinstance(redrive, str):
            redrive = json.loads(redrive)
        attrs["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": redrive["deadLetterTargetArn"], "maxReceiveCount": int(redrive["maxReceiveCount"])}
        )
    return attrs


def _queue_order(template: dict) -> list[str]:
    """Queues referenced by another queue's RedrivePolicy come first."""
    order: list[str] = []

    def visit(logical: str, path: tuple[str, ...]) -> None:
        if logical in order:
            return
        if logical in path:
            raise StackError(f"template: queues {' -> '.join(path + (logical,))} refer to each other")
        redrive = resource(template, logical, "AWS::SQS::Queue").get("RedrivePolicy")
        target = redrive.get("deadLetterTargetArn") if isinstance(redrive, dict) else None
        if isinstance(target, dict) and target.get("Fn::GetAtt", [None])[0] in QUEUES:
            visit(target["Fn::GetAtt"][0], path + (logical,))
        order.append(logical)

    for logical in QUEUES:
        visit(logical, ())
    return order


def _same(key: str, have: Optional[str], want: str) -> bool:
    if key == "RedrivePolicy" and have:
        a, b = json.loads(have), json.loads(want)
        return a["deadLetterTargetArn"] == b["deadLetterTargetArn"] and int(a["maxReceiveCount"]) == int(
            b["maxReceiveCount"]
        )
    return have == want


def ensure_queues(sqs, template: dict, resolver: Resolver, prefix: str) -> tuple[dict[str, str], list[str]]:
    urls: dict[str, str] = {}
    notes: list[str] = []
    for logical in _queue_order(template):
        props = resolver.resolve(resource(template, logical, "AWS::SQS::Queue"), logical)
        attrs = queue_attributes(logical, props)
        name = f"{prefix}-{QUEUES[logical]}"
        if attrs.get("FifoQueue") == "true":
            name += ".fifo"
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            state = "exists"
        except sqs.exceptions.QueueDoesNotExist:
            url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
            state = "created"
        have = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        settable = {k: v for k, v in attrs.items() if k not in ("FifoQueue",)}
        if state == "exists" and not all(_same(k, have.get(k), v) for k, v in settable.items()):
            sqs.set_queue_attributes(QueueUrl=url, Attributes=settable)
            state = "updated"
            have = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        resolver.attributes[(logical, "Arn")] = have["QueueArn"]
        resolver.attributes[(logical, "QueueName")] = name
        resolver.attributes[(logical, "QueueUrl")] = url
        resolver.refs[logical] = url
        urls[logical] = url
        detail = f"visibility {have.get('VisibilityTimeout')}s"
        if "RedrivePolicy" in have:
            policy = json.loads(have["RedrivePolicy"])
            target = policy["deadLetterTargetArn"].rsplit(":", 1)[-1]
            detail += f", redrive to {target} after {policy['maxReceiveCount']} receives"
        notes.append(f"queue {name}: {state} ({detail})")
    return urls, notes


# ---------------------------------------------------------------------------------------------------


def provision(
    table: str,
    dynamodb_endpoint: str,
    sqs_endpoint: str,
    queue_prefix: Optional[str] = None,
    template_path: Path = TEMPLATE,
    region: str = REGION,
    log=print,
) -> dict[str, str]:
    """Create table and queues; returns {"TASK_QUEUE_URL": ..., "TASK_DLQ_URL": ...}."""
    import boto3
    from botocore.config import Config

    template = load_template(template_path)
    resolver = Resolver(template, region, stack_name=queue_prefix or table)
    session = boto3.session.Session(
        aws_access_key_id=DUMMY_ACCESS_KEY, aws_secret_access_key=DUMMY_SECRET_KEY, region_name=region
    )
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    sqs = session.client("sqs", endpoint_url=sqs_endpoint, config=config)
    dynamodb = session.client("dynamodb", endpoint_url=dynamodb_endpoint, config=config)

    urls, notes = ensure_queues(sqs, template, resolver, queue_prefix or table)
    table_props = resolver.resolve(resource(template, TABLE_RESOURCE, "AWS::DynamoDB::Table"), TABLE_RESOURCE)
    req, ttl = table_request(table_props, table)
    notes.insert(0, ensure_table(dynamodb, req, ttl))
    for note in notes:
        log(note)
    return {env: urls[logical] for logical, env in QUEUE_ENV.items() if logical in urls}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", required=True, help="DynamoDB table name")
    parser.add_argument("--queue-prefix", help="queue names are <prefix>-tasks and <prefix>-tasks-dlq (default: table name)")
    parser.add_argument("--dynamodb-endpoint", required=True)
    parser.add_argument("--sqs-endpoint", required=True)
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--region", default=REGION)
    args = parser.parse_args()
    try:
        values = provision(
            args.table,
            args.dynamodb_endpoint,
            args.sqs_endpoint,
            queue_prefix=args.queue_prefix,
            template_path=args.template,
            region=args.region,
            log=lambda line: print(line, file=sys.stderr),
        )
    except StackError as exc:
        print(f"resources: error: {exc}", file=sys.stderr)
        return 1
    for key, value in values.items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
