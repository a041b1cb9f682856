"""The benchmarks (scripts/bench runs scripts/setup first, then this).

Starts its own DynamoDB Local and SQS stand-in, creates the table and queues from
infra/template.yaml, and runs the Rust benchmarks against them (release build):

  activities   read/write units and round trips of each activities operation
  enrich       a feed page of 25 activities with 100 reactions and 20 comments each,
               enriched and bare
  fanout       fan-out to 1,000 and 10,000 followers and reading pages of 25 from a
               10,000-entry timeline, each beside a bare-SDK baseline
  permissions  read/write units and round trips of the permission work: feed reads with
               the own fields, own_batch, members, counts, and user-token writes beside
               the same calls by the server

Ports (environment): TRIBUTARY_BENCH_DYNAMODB_PORT=18300, TRIBUTARY_BENCH_SQS_PORT=18400.
Pass benchmark names to run only those: scripts/bench fanout
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import LOG_DIR, ROOT, StackError, child_env, error, header, local_aws_env, port_setting, require_free_ports, say, warn  # noqa: E402
from procs import Interrupted, Supervisor, ignore_signals, install_signal_handlers  # noqa: E402
import resources  # noqa: E402
import services  # noqa: E402

P = "bench"
BENCHES = ("activities", "fanout", "enrich", "permissions")


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benches", nargs="*", metavar="BENCH", help=f"which benchmarks: {', '.join(BENCHES)} (default: all)")
    args = parser.parse_args()
    unknown = [b for b in args.benches if b not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    benches = args.benches or list(BENCHES)
    install_signal_handlers()
    sup = Supervisor()
    try:
        ddb_port = port_setting("TRIBUTARY_BENCH_DYNAMODB_PORT", 18300)
        sqs_port = port_setting("TRIBUTARY_BENCH_SQS_PORT", 18400)
        require_free_ports({"TRIBUTARY_BENCH_DYNAMODB_PORT": ddb_port, "TRIBUTARY_BENCH_SQS_PORT": sqs_port})
        aws = local_aws_env(ddb_port, sqs_port)
        header("Stand-ins")
        ddb = services.start_dynamodb(sup, ddb_port, LOG_DIR / "bench-dynamodb.log")
        sqs = services.start_sqs(sup, sqs_port, LOG_DIR / "bench-sqs.log")
        services.wait_ready(sqs, sqs_port)
        services.wait_ready(ddb, ddb_port)
        queues = resources.provision(
            "tributary-bench", aws["AWS_ENDPOINT_URL_DYNAMODB"], aws["AWS_ENDPOINT_URL_SQS"], log=lambda line: say(P, line)
        )
        env = child_env({**aws, "TABLE_NAME": "tributary-bench", **queues})
        status = 0
        for bench in benches:
            header(f"Benchmark: {bench}")
            argv = ["cargo", "bench", "-q", "-p", "tributary-integration-tests", "--bench", bench]
            say(P, "$ " + " ".join(argv))
            child = sup.spawn(bench, argv, env=env, cwd=ROOT)
            code = child.popen.wait()
            sup.stop(child)
            status = status or code
        return status
    except Interrupted as exc:
        warn(P, f"{exc} received: stopped")
        return 130
    except StackError as exc:
        error(P, str(exc))
        return 1
    finally:
        ignore_signals()
        sup.stop_all()


if __name__ == "__main__":
    sys.exit(main())
