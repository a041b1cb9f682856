"""The local stand-in for the WebSocket API (API Gateway, Lambda proxy integration) in front of `cargo lambda watch`.

Stream's feeds client opens a WebSocket to `/api/v2/connect?api_key=...&stream-auth-type=jwt&...` and
receives events over it. Deployed, an API Gateway WebSocket API (`WebSocketApi` in infra/template.yaml)
accepts those connections and invokes the `realtime` function for its `$connect`, `$disconnect` and
`$default` routes; functions send frames to a client through the API's management API
(`POST {REALTIME_ENDPOINT}/@connections/{id}`). This server does the same on 127.0.0.1:

  * a WebSocket upgrade on any path gets a new connection id (16 characters ending in `=`, as API
    Gateway's look) and invokes the function with a `$connect` event (eventType CONNECT: headers,
    multiValueHeaders, queryStringParameters, multiValueQueryStringParameters and the request
    context). An answer whose `statusCode` is not 2xx refuses the handshake with that status; a
    failed invocation or an answer without a `statusCode` refuses it with 500. A
    `Sec-WebSocket-Protocol` header in the answer picks the subprotocol, as API Gateway requires;
  * each frame from the client invokes the function with a `$default` event (eventType MESSAGE;
    a text frame's text as `body`, a binary frame base64-encoded with `isBase64Encoded` true), one
    at a time per connection, in order. The function's answer is not sent back (a route without a
    route response); a failed invocation is logged. Messages over 128 KB close the connection
    with 1009, API Gateway's message size limit;
  * a closed connection (the client's close frame, a dropped network, `DELETE @connections/{id}`,
    the idle timeout or the maximum connection age) invokes the function with a `$disconnect`
    event (eventType DISCONNECT, disconnectStatusCode, disconnectReason) after the connection's
    pending messages;
  * the management API on the same port, plain HTTP, with or without a stage prefix
    (`/@connections/{id}` or `/local/@connections/{id}`); authorization (SigV4) is not checked:
      POST   sends the body to the client as one frame (text when it is UTF-8, else binary): 200
      GET    200 {"connectedAt", "lastActiveAt", "identity": {"sourceIp", "userAgent"}}
      DELETE closes the connection (code 1000): 204
    each answering 410 (`x-amzn-ErrorType: GoneException`) for a connection that is not open, and
    POST 413 (PayloadTooLargeException) for more than 128 KB, as API Gateway does.

API Gateway closes a connection after 10 minutes without a message from the client and after 2 hours
in any case; so does this server (--idle-timeout, --max-age). WebSocket pings are answered (and do
not count as messages). Functions are invoked through cargo lambda watch's Lambda invoke API
(`POST /2015-03-31/functions/{name}/invocations`), like scripts/lib/gateway.py does for the HTTP API.
Differences from AWS: the close reasons in `$disconnect` events are this server's own words; the
events carry no `authorizer` and `domainName` is `127.0.0.1:<port>`, stage `local`, apiId `local`.

scripts/dev runs it on TRIBUTARY_WS_PORT (8800 next to the default API port 3030, else the API port
+ 800); the HTTP API stand-in passes WebSocket upgrades of `/api/v2/connect` on to it, so clients
may use either port. Needs aiohttp (scripts/requirements-dev.txt). By hand:

    .venv/bin/python scripts/lib/ws_gateway.py --port 8800 --lambda-url http://127.0.0.1:3031 [--function realtime]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import signal
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

HOST = "127.0.0.1"
STAGE = "local"
API_ID = "local"
INVOKE_PATH = "/2015-03-31/functions/{name}/invocations"
# API Gateway's WebSocket limits: message payload size, idle time and connection age.
MAX_MESSAGE = 128 * 1024
IDLE_TIMEOUT = 600.0
MAX_AGE = 7200.0
# `/@connections/{id}`, optionally after one stage segment (`/live/@connections/{id}`).
MANAGEMENT_PATH = re.compile(r"^(?:/[^/@]+)?/@connections/([^/]+)/?$")


# ---------------------------------------------------------------------------------------------------
# Events (plain functions: no server needed)
# ---------------------------------------------------------------------------------------------------


def new_id() -> str:
    """An id in API Gateway's style (connection, request and message ids): 16 url-safe characters, the
    last one `=` (11 random bytes, base64)."""
    return base64.urlsafe_b64encode(os.urandom(11)).decode("ascii")


def now_ms() -> int:
    return int(time.time() * 1000)


def request_time(ms: int) -> str:
    """`09/Feb/2024:18:23:28 +0000`, requestContext.requestTime's format."""
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    t = time.gmtime(ms / 1000)
    return f"{t.tm_mday:02d}/{month[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def iso_time(ms: int) -> str:
    """`2024-02-09T18:23:28.123Z`, the management API's timestamps."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


@dataclass
class Peer:
    """What the events say about one connection."""

    connection_id: str
    connected_at: int  # ms
    source_ip: str
    user_agent: str
    domain_name: str  # host:port of this server
    stage: str = STAGE
    api_id: str = API_ID


def request_context(peer: Peer, route_key: str, event_type: str, at: int, **extra: Any) -> dict:
    request_id = new_id()
    context = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": request_time(at),
        "messageDirection": "IN",
        "stage": peer.stage,
        "connectedAt": peer.connected_at,
        "requestTimeEpoch": at,
        "identity": {"sourceIp": peer.source_ip, "userAgent": peer.user_agent},
        "requestId": request_id,
        "domainName": peer.domain_name,
        "connectionId": peer.connection_id,
        "apiId": peer.api_id,
    }
    context.update(extra)
    return context


def connect_event(peer: Peer, headers: Iterable[tuple[str, str]], query_string: str, at: Optional[int] = None) -> dict:
    """The `$connect` event: the handshake's headers and query, single- and multi-valued (the single
    form holds a repeated name's last value)."""
    at = peer.connected_at if at is None else at
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    event: dict[str, Any] = {
        "headers": single,
        "multiValueHeaders": multi,
        "requestContext": request_context(peer, "$connect", "CONNECT", at),
        "isBase64Encoded": False,
    }
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in urllib.parse.parse_qsl(query_string, keep_blank_values=True):
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    if query:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = multi_query
    return event


def message_event(peer: Peer, data: "str | bytes", at: Optional[int] = None) -> dict:
    """The `$default` event for one frame: text as it is, binary base64-encoded."""
    at = now_ms() if at is None else at
    binary = isinstance(data, (bytes, bytearray))
    return {
        "requestContext": request_context(peer, "$default", "MESSAGE", at, messageId=new_id()),
        "body": base64.b64encode(data).decode("ascii") if binary else data,
        "isBase64Encoded": binary,
    }


def disconnect_event(peer: Peer, status_code: int, reason: str, at: Optional[int] = None) -> dict:
    at = now_ms() if at is None else at
    return {
        "headers": {"Host": peer.domain_name},
        "multiValueHeaders": {"Host": [peer.domain_name]},
        "requestContext": request_context(
            peer, "$disconnect", "DISCONNECT", at, disconnectStatusCode=status_code, disconnectReason=reason
        ),
        "isBase64Encoded": False,
    }


def close_details(code: Optional[int], reason: str, sent_close: bool) -> tuple[int, str]:
    """disconnectStatusCode and disconnectReason for a connection the client closed (`sent_close`: a
    close frame came; otherwise the connection dropped)."""
    if not sent_close:
        return 1006, "Connection closed abnormally (no close frame)"
    if not code:
        return 1005, "Client-side close frame status not set"
    return code, reason


def connect_verdict(status: int, payload: bytes) -> tuple[Optional[int], Optional[dict], str]:
    """The function's answer to `$connect` -> (status to refuse the handshake with or None to accept,
    the answer, a note for the log)."""
    answer = None
    if status == 200:
        try:
            answer = json.loads(payload)
        except ValueError:
            answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("statusCode"), int) or isinstance(answer.get("statusCode"), bool):
        return 500, None, f"the function failed (invoke {status}): {payload[:300].decode('utf-8', 'replace')}"
    code = answer["statusCode"]
    if 200 <= code < 300:
        return None, answer, str(code)
    return code, answer, f"{code} (refused)"


def answer_header(answer: Optional[dict], name: str) -> Optional[str]:
    if not isinstance(answer, dict):
        return None
    for key, value in (answer.get("headers") or {}).items():
        if key.lower() == name.lower() and value is not None:
            return str(value)
    for key, values in (answer.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower() and values:
            return str(values[0])
    return None


def management_id(path: str) -> Optional[str]:
    """`/@connections/{id}` or `/{stage}/@connections/{id}` (percent-encoded or not) -> id."""
    found = MANAGEMENT_PATH.match(urllib.parse.unquote(path))
    return found.group(1) if found else None


# ---------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"ws-gateway: {message}", flush=True)


@dataclass
class Connection:
    peer: Peer
    ws: Any  # aiohttp.web.WebSocketResponse
    last_active: int
    queue: "asyncio.Queue[Optional[dict]]" = field(default_factory=asyncio.Queue)
    # Set when this server closes the connection (DELETE, idle, age, shutdown): (code, reason).
    server_close: Optional[tuple[int, str]] = None


class WsGateway:
    def __init__(self, port: int, lambda_url: str, function: str, timeout: float, idle_timeout: float, max_age: float):
        self.port = port
        self.domain = f"{HOST}:{port}"
        self.invoke_url = lambda_url.rstrip("/") + INVOKE_PATH.format(name=function)
        self.function = function
        self.timeout = timeout
        self.idle_timeout = idle_timeout
        self.max_age = max_age
        self.connections: dict[str, Connection] = {}
        self.session = None  # aiohttp.ClientSession, made on startup
        self.workers: set[asyncio.Task] = set()

    # -- invoking the function -----------------------------------------------------------------------

    async def invoke(self, event: dict) -> tuple[int, bytes]:
        """(HTTP status of the invoke API, payload); raises on connection failures and timeouts."""
        import aiohttp

        data = json.dumps(event, separators=(",", ":")).encode()
        async with self.session.post(
            self.invoke_url, data=data, headers={"Content-Type": "application/json"}, timeout=aiohttp.ClientTimeout(total=self.timeout)
        ) as resp:
            return resp.status, await resp.read()

    async def invoke_route(self, conn: Connection, event: dict) -> None:
        """A `$default` or `$disconnect` invocation: the answer is dropped; failures are logged."""
        route = event["requestContext"]["routeKey"]
        cid = conn.peer.connection_id
        try:
            status, payload = await self.invoke(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure is reported the same way
            log(f"{route} {cid}: invoke failed: {type(exc).__name__}: {exc}")
            return
        answer = None
        try:
            answer = json.loads(payload) if status == 200 else None
        except ValueError:
            pass
        code = answer.get("statusCode") if isinstance(answer, dict) else None
        if not isinstance(code, int):
            log(f"{route} {cid}: the function failed (invoke {status}): {payload[:300].decode('utf-8', 'replace')}")
        elif not 200 <= code < 300:
            log(f"{route} {cid}: the function answered {code}")

    async def work(self, conn: Connection) -> None:
        """Runs the connection's invocations one after another; None ends it."""
        while True:
            event = await conn.queue.get()
            if event is None:
                return
            await self.invoke_route(conn, event)

    # -- WebSocket connections ------------------------------------------------------------------------

    async def handle(self, request):
        from aiohttp import web

        # Whether this is a valid handshake (the subprotocol is the function's choice, made later).
        offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
        if not web.WebSocketResponse(protocols=offered).can_prepare(request).ok:
            cid = management_id(request.path)
            if cid is not None:
                return await self.manage(request, cid)
            return web.json_response({"message": "Upgrade Required"}, status=426, headers={"Upgrade": "websocket"})
        return await self.accept(request)

    async def accept(self, request):
        from aiohttp import web

        started = now_ms()
        peer = Peer(
            connection_id=new_id(),
            connected_at=started,
            source_ip=request.remote or HOST,
            user_agent=request.headers.get("User-Agent", ""),
            domain_name=self.domain,
        )
        cid = peer.connection_id
        event = connect_event(peer, request.headers.items(), request.query_string)
        try:
            status, payload = await self.invoke(event)
        except Exception as exc:  # noqa: BLE001
            log(f"$connect {cid} {request.path_qs}: invoke failed: {type(exc).__name__}: {exc}; refused with 500")
            return web.json_response({"message": "Internal server error"}, status=500)
        refuse, answer, note = connect_verdict(status, payload)
        if refuse is not None:
            log(f"$connect {cid} from {peer.source_ip}: {note}; handshake refused with {refuse}")
            return web.Response(status=refuse)
        protocol = answer_header(answer, "Sec-WebSocket-Protocol")
        ws = web.WebSocketResponse(
            autoping=True,
            max_msg_size=MAX_MESSAGE,
            protocols=[p.strip() for p in protocol.split(",")] if protocol else (),
        )
        await ws.prepare(request)
        conn = Connection(peer=peer, ws=ws, last_active=now_ms())
        self.connections[cid] = conn
        worker = asyncio.create_task(self.work(conn))
        self.workers.add(worker)
        worker.add_done_callback(self.workers.discard)
        log(f"$connect {cid} from {peer.source_ip} ({len(self.connections)} open)")

        from aiohttp import WSMsgType

        close_code: Optional[int] = None
        close_reason = ""
        sent_close = False
        try:
            while True:
                age = (now_ms() - peer.connected_at) / 1000
                wait = min(self.idle_timeout, max(self.max_age - age, 0.001))
                try:
                    msg = await ws.receive(timeout=wait)
                except asyncio.TimeoutError:
                    if age + wait >= self.max_age:
                        conn.server_close = (1001, "Maximum connection duration reached")
                    else:
                        conn.server_close = (1001, "Idle timeout reached")
                    await ws.close(code=1001, message=b"Going away")
                    break
                if msg.type == WSMsgType.TEXT or msg.type == WSMsgType.BINARY:
                    conn.last_active = now_ms()
                    conn.queue.put_nowait(message_event(peer, msg.data, conn.last_active))
                    continue
                if msg.type == WSMsgType.CLOSE:
                    sent_close = True
                    close_code, close_reason = msg.data, msg.extra or ""
                elif msg.type == WSMsgType.ERROR and conn.server_close is None:
                    error = msg.data
                    code = getattr(error, "code", None)
                    if code == 1009:
                        conn.server_close = (1009, "Message too big")
                    else:
                        conn.server_close = (1002, f"Protocol error: {error}")
                break
        finally:
            self.connections.pop(cid, None)
            if conn.server_close is not None:
                code, reason = conn.server_close
            else:
                code, reason = close_details(close_code, close_reason, sent_close)
            conn.queue.put_nowait(disconnect_event(peer, code, reason))
            conn.queue.put_nowait(None)
            log(f"$disconnect {cid}: {code} {reason} ({len(self.connections)} open)")
        await worker
        return ws

    # -- the management API ---------------------------------------------------------------------------

    async def manage(self, request, cid: str):
        from aiohttp import web

        conn = self.connections.get(cid)
        if conn is None or conn.ws.closed or conn.server_close is not None:
            return gone()
        if request.method == "POST":
            body = await request.read()
            if len(body) > MAX_MESSAGE:
                return error(413, "PayloadTooLargeException")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            try:
                if text is None:
                    await conn.ws.send_bytes(body)
                else:
                    await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return gone()
            return web.Response(status=200)
        if request.method == "GET":
            return web.json_response(
                {
                    "connectedAt": iso_time(conn.peer.connected_at),
                    "lastActiveAt": iso_time(conn.last_active),
                    "identity": {"sourceIp": conn.peer.source_ip, "userAgent": conn.peer.user_agent},
                }
            )
        if request.method == "DELETE":
            conn.server_close = (1000, "Connection deleted through the management API")
            # The connection's handler sees the close and invokes $disconnect.
            task = asyncio.create_task(conn.ws.close(code=1000, message=b""))
            self.workers.add(task)
            task.add_done_callback(self.workers.discard)
            return web.Response(status=204)
        return error(405, "MethodNotAllowed")

    # -- running ---------------------------------------------------------------------------------------

    async def close_all(self) -> None:
        for conn in list(self.connections.values()):
            conn.server_close = (1001, "Going away (server stopping)")
            try:
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"Going away"), 2)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - stopping anyway
                pass


def error(status: int, kind: str):
    from aiohttp import web

    return web.json_response({"message": kind}, status=status, headers={"x-amzn-ErrorType": kind})


def gone():
    return error(410, "GoneException")


async def serve(args: argparse.Namespace) -> None:
    import aiohttp
    from aiohttp import web

    gateway = WsGateway(args.port, args.lambda_url, args.function, args.timeout, args.idle_timeout, args.max_age)
    gateway.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
    app = web.Application(client_max_size=MAX_MESSAGE + 1024)
    app.router.add_route("*", "/{tail:.*}", gateway.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=3)
    await runner.setup()
    site = web.TCPSite(runner, HOST, args.port, reuse_address=True)
    await site.start()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.ready_file is not None:
        args.ready_file.write_text(str(args.port))
    log(
        f"ws://{HOST}:{args.port} -> {gateway.invoke_url} (routes $connect, $default, $disconnect; "
        f"management API http://{HOST}:{args.port}/@connections/{{id}}; timeout {args.timeout:g}s)"
    )
    try:
        await stop.wait()
        log("stopping")
        await gateway.close_all()
        if gateway.workers:
            await asyncio.wait(list(gateway.workers), timeout=5)
    finally:
        await runner.cleanup()
        await gateway.session.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lambda-url", required=True, help="base URL of cargo lambda watch (its invoke API)")
    parser.add_argument("--function", default="realtime", help="the function behind every route (default: realtime)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds an invocation may take (API Gateway: 29)")
    parser.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT, help="seconds without a client message before closing (600)")
    parser.add_argument("--max-age", type=float, default=MAX_AGE, help="seconds a connection may last (7200)")
    parser.add_argument("--ready-file", type=Path)
    args = parser.parse_args()
    try:
        import aiohttp  # noqa: F401
    except ModuleNotFoundError:
        print("ws-gateway: aiohttp is not installed (run scripts/setup; use .venv/bin/python)", file=sys.stderr)
        return 1
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
