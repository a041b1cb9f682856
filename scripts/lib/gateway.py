"""The local stand-in for the HTTP API (API Gateway, payload format 2.0) in front of `cargo lambda watch`.

scripts/dev serves the base URL with this, not with cargo lambda watch's own HTTP router, because that
router drops requests:

  * it acknowledges a function's response (`POST /runtime/invocation/{id}/response`) before it has read
    the response body, and afterwards reads only what arrived with the request head: a response larger
    than one read (a feed page, a query result; ~8 KB and up) that reaches it in two pieces, which
    happens under concurrent load, comes out as a 500 `text/plain` problem document
    (`https://httpstatuses.com/500`) although the function answered;
  * it refuses a body that is not UTF-8 sent as `application/json` or `text/*` with the same 500,
    where API Gateway base64-encodes it and the function answers 400;
  * it answers paths no function serves with its own `{"title", "detail"}` document.

Its Lambda invoke API (`POST /2015-03-31/functions/{name}/invocations`) streams the function's response
through and has none of these problems, so this front does what API Gateway does and invokes the
functions through it:

  1. routes the request with the routes of `[workspace.metadata.lambda.watch.router]` in Cargo.toml
     (the same routes as infra/template.yaml, checked by tests/integration/tests/template.rs), most
     specific first; `/{*rest}` stands for the API's `$default` route and takes whatever nothing else
     does;
  2. builds the API Gateway v2 event (headers, cookies, query, path parameters, request context),
     base64-encoding any body that is not UTF-8 text, as API Gateway does with binary bodies;
  3. invokes the function and turns its answer (`statusCode`, `headers`, `multiValueHeaders`,
     `cookies`, `body`, `isBase64Encoded`) into the HTTP response. A function error or an invalid
     answer becomes 500 `{"message":"Internal Server Error"}` and a timeout 503
     `{"message":"Service Unavailable"}`, as from API Gateway. Nothing is ever retried.

A path that matches no route (only possible without a `$default`-style route) gets Stream's error
envelope (404, code 16), so SDKs raise their API error. CORS is answered as the HTTP API's
`CorsConfiguration` in infra/template.yaml says (preflights never reach a function). `/2015-03-31/functions/...` is passed through to
cargo lambda watch unchanged (the queue bridge, the job scheduler and scripts/job invoke functions
there).

With --ws-port, a WebSocket upgrade of `/api/v2/connect` is tunnelled to the WebSocket API stand-in
(scripts/lib/ws_gateway.py) on that port: Stream's clients derive the WebSocket URL from the base URL
and change only a literal `:3030` to `:8800`, so on any other port they connect to this one. The
request head goes on as received and the bytes are then copied both ways until either side closes.
Without --ws-port such an upgrade is routed like any other request. Stdlib only; listens on 127.0.0.1.

With --demo-dir, `GET /demo/...` serves the browser demo (examples/realtime-demo, built by scripts/dev
into that directory) from the API's own origin, so the page's client uses that origin as its base URL
and opens its WebSocket on the same port. `GET /demo/token?user_id=alice` answers
`{"api_key", "user_id", "token"}`: a user token (HS256 JWT, valid one hour) signed with the secret in
TRIBUTARY_API_SECRET. Minting tokens for anyone who asks is a dev convenience of this local stand-in
only: it listens on 127.0.0.1, and nothing like it is deployed (a real app mints user tokens on its
own backend after signing its users in).

    gateway.py --port 3030 --lambda-url http://127.0.0.1:3031 [--timeout 30] [--ws-port 8800] [--demo-dir DIR]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import mimetypes
import os
import re
import select
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional

HOST = "127.0.0.1"
INVOKE_PREFIX = "/2015-03-31/functions/"
MORE_INFO = "https://getstream.io/activity-feeds/docs/api/errors/"
# Paths of the v2 dialect (Stream's Feeds API v2), matched without trailing or repeated slashes.
V2_PREFIXES = ("/api/v1.0/", "/analytics/v1.0/", "/personalization/v1.0/")
# Hop-by-hop headers: never forwarded in either direction.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded")
# The path Stream's clients open their WebSocket on; upgrades there go to the WebSocket API stand-in.
WS_PATH = "/api/v2/connect"
# The browser demo (--demo-dir) and its dev-only token endpoint.
DEMO_PREFIX = "/demo"
DEMO_TOKEN_PATH = "/demo/token"
DEMO_TOKEN_SECONDS = 3600
# The user ids the API accepts (functions/users: letters, digits, @, _ and -).
USER_ID = re.compile(r"[A-Za-z0-9@_-]{1,255}")


@dataclass
class Route:
    path: str
    function: str
    methods: Optional[frozenset[str]]  # None: any method
    pattern: re.Pattern
    names: list[str]
    rank: tuple
    is_default: bool = False  # `/{*rest}`: the API's $default route

    def match(self, method: str, path: str) -> Optional[dict[str, str]]:
        if self.methods is not None and method not in self.methods:
            return None
        found = self.pattern.fullmatch(path)
        if found is None and path.startswith(V2_PREFIXES):
            # The v2 clients end every path with `/` (and some carry `//`); the v2 functions
            # normalize paths themselves, so a route matches the path without them.
            found = self.pattern.fullmatch(re.sub("/+", "/", path).rstrip("/") or "/")
        if found is None:
            return None
        return {name: urllib.parse.unquote(found.group(i + 1)) for i, name in enumerate(self.names)}


def compile_route(path: str, function: str, methods=None) -> Route:
    """`/a/{id}/b/{*rest}` (the watch router's syntax; `{proxy+}` is accepted too)."""
    segments = [s for s in path.strip("/").split("/") if s]
    regex, names, literal, params, greedy = "", [], 0, 0, False
    for i, seg in enumerate(segments):
        m = re.fullmatch(r"\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(\+)?\}", seg)
        if m and (m.group(1) or m.group(3)):
            if i != len(segments) - 1:
                raise ValueError(f"route {path}: a greedy parameter must come last")
            names.append(m.group(2))
            greedy = True
            # `/{*rest}` alone is the $default route: it also takes `/`.
            regex += "(?:/(.*))?" if len(segments) == 1 else "/(.+)"
        elif m:
            names.append(m.group(2))
            params += 1
            regex += "/([^/]+)"
        else:
            literal += 1
            regex += "/" + re.escape(seg)
    if not segments:
        regex = "/"
    elif regex == "(?:/(.*))?":
        regex = "/?(.*)"
    # API Gateway's precedence: the most specific route wins: no greedy parameter before one, then
    # more literal segments, then fewer parameters; a route limited to methods before an ANY route.
    rank = (greedy, -literal, params, methods is None, path)
    upper = frozenset(str(m).upper() for m in methods) if methods else None
    if upper is not None and ("ANY" in upper or "*" in upper):
        upper = None
    return Route(path, function, upper, re.compile(regex), names, rank, is_default=greedy and len(segments) == 1)


def load_routes(cargo_toml: Path) -> list[Route]:
    text = cargo_toml.read_text()
    routes: list[Route] = []
    try:
        import tomllib

        router = tomllib.loads(text).get("workspace", {}).get("metadata", {}).get("lambda", {}).get("watch", {}).get("router", {})
        if isinstance(router, list):  # the list form: [{path, function, methods}]
            for entry in router:
                routes.append(compile_route(entry["path"], entry["function"], entry.get("methods")))
        else:
            for path, target in router.items():
                if isinstance(target, str):
                    routes.append(compile_route(path, target))
                elif isinstance(target, dict):  # {METHOD = function}
                    for method, function in target.items():
                        routes.append(compile_route(path, function, [method]))
    except ModuleNotFoundError:  # Python < 3.11: the simple `"path" = "function"` lines
        section = re.search(r"^\[workspace\.metadata\.lambda\.watch\.router\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
        for path, name in re.findall(r'^\s*"([^"]+)"\s*=\s*"([^"]+)"', section.group(1) if section else "", re.M):
            routes.append(compile_route(path, name))
    routes.sort(key=lambda r: r.rank)
    return routes


def envelope(status: int, code: int, message: str, started: float) -> bytes:
    return json.dumps(
        {
            "code": code,
            "message": message,
            "StatusCode": status,
            "more_info": MORE_INFO,
            "details": [],
            "unrecoverable": False,
            "exception_fields": {},
            "duration": f"{(time.perf_counter() - started) * 1000:.2f}ms",
        },
        separators=(",", ":"),
    ).encode()


def bad_header(value: str) -> bool:
    """Whether a header value holds a control character other than a tab."""
    return any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in value)


def is_text(content_type: Optional[str]) -> bool:
    ct = (content_type or "").lower()
    return ct.startswith(TEXT_TYPES) or "+json" in ct or "+xml" in ct


@dataclass
class Cors:
    """The HTTP API's CorsConfiguration (AllowOrigins, AllowHeaders, AllowMethods, ExposeHeaders,
    MaxAge, AllowCredentials), applied as API Gateway applies it."""

    origins: list[str]
    headers: list[str]
    methods: list[str]
    expose: list[str]
    max_age: Optional[int]
    credentials: bool

    @classmethod
    def from_template(cls, template: Optional[Path]) -> Optional["Cors"]:
        if template is None:
            return None
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import resources  # noqa: E402 - PyYAML with CloudFormation's tags

        doc = resources.load_template(template)
        for resource in (doc.get("Resources") or {}).values():
            if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::HttpApi":
                config = (resource.get("Properties") or {}).get("CorsConfiguration")
                if isinstance(config, dict):
                    as_list = lambda key: [str(v) for v in config.get(key) or []]  # noqa: E731
                    max_age = config.get("MaxAge")
                    return cls(
                        as_list("AllowOrigins"),
                        as_list("AllowHeaders"),
                        as_list("AllowMethods"),
                        as_list("ExposeHeaders"),
                        int(max_age) if isinstance(max_age, int) else None,
                        bool(config.get("AllowCredentials")),
                    )
        return None

    def allow_origin(self, origin: str) -> Optional[str]:
        if "*" in self.origins:
            return "*"
        return origin if origin in self.origins else None

    def preflight(self, origin: str) -> list[tuple[str, str]]:
        allowed = self.allow_origin(origin)
        if allowed is None:
            return []
        out = [("Access-Control-Allow-Origin", allowed)]
        if self.methods:
            out.append(("Access-Control-Allow-Methods", ",".join(self.methods)))
        if self.headers:
            out.append(("Access-Control-Allow-Headers", ",".join(h.lower() for h in self.headers)))
        if self.max_age is not None:
            out.append(("Access-Control-Max-Age", str(self.max_age)))
        if self.credentials:
            out.append(("Access-Control-Allow-Credentials", "true"))
        return out

    def simple(self, origin: str) -> list[tuple[str, str]]:
        allowed = self.allow_origin(origin)
        if allowed is None:
            return []
        out = [("Access-Control-Allow-Origin", allowed)]
        if self.expose:
            out.append(("Access-Control-Expose-Headers", ",".join(self.expose)))
        if self.credentials:
            out.append(("Access-Control-Allow-Credentials", "true"))
        return out


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def user_token(user_id: str, secret: str, seconds: int = DEMO_TOKEN_SECONDS) -> str:
    """A user token as Stream's server SDKs make it: an HS256 JWT of {user_id, iat, exp}."""
    now = int(time.time())
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = b64url(json.dumps({"user_id": user_id, "iat": now, "exp": now + seconds}, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{claims}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64url(signature)}"


@dataclass
class Demo:
    """The browser demo's static files and its dev-only token endpoint (see the module docstring)."""

    root: Path
    api_key: str
    api_secret: str

    def file(self, path: str) -> Optional[Path]:
        """The file under root that `/demo/<rest>` names (`/demo/` is index.html); None when there is
        none or the path would leave root."""
        rest = urllib.parse.unquote(path[len(DEMO_PREFIX):]).lstrip("/") or "index.html"
        root = self.root.resolve()
        target = (root / rest).resolve()
        if root != target and root not in target.parents:
            return None
        return target if target.is_file() else None


class Gateway:
    def __init__(
        self,
        routes: list[Route],
        lambda_url: str,
        timeout: float,
        cors: Optional[Cors] = None,
        ws_port: Optional[int] = None,
        demo: Optional["Demo"] = None,
    ):
        parsed = urllib.parse.urlparse(lambda_url)
        self.cors = cors
        self.ws_port = ws_port
        self.demo = demo
        self.routes = routes
        self.lambda_host = parsed.hostname or HOST
        self.lambda_port = parsed.port or 80
        self.timeout = timeout

    def route(self, method: str, path: str) -> Optional[tuple[Route, dict[str, str]]]:
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None

    def call(
        self, method: str, target: str, body: bytes, headers: dict[str, str], timeout: Optional[float] = None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """One request to cargo lambda watch on a connection of its own: (status, headers, body).
        Head and body go in one write (http.client writes them apart, and the second write then
        waits ~40 ms for a delayed ACK)."""
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.lambda_host}:{self.lambda_port}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        with socket.create_connection((self.lambda_host, self.lambda_port), timeout=timeout or self.timeout) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(request)
            answer = http.client.HTTPResponse(sock, method=method)
            try:
                answer.begin()
                payload = answer.read()
            finally:
                answer.close()
            return answer.status, answer.getheaders(), payload


def build_event(handler: "Handler", route: Route, params: dict[str, str], body: bytes, request_id: str) -> dict:
    split = urllib.parse.urlsplit(handler.path)
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in handler.headers.items():
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    query: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(split.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = time.time()
    route_key = "$default" if route.is_default else f"{'ANY' if route.methods is None else sorted(route.methods)[0]} {route.path}"
    event: dict = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": split.path,
        "rawQueryString": split.query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host", HOST),
            "domainPrefix": "local",
            "http": {
                "method": handler.command,
                "path": split.path,
                "protocol": handler.request_version,
                "sourceIp": handler.client_address[0],
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if params and route_key != "$default":
        event["pathParameters"] = params
    if body:
        text = None
        if is_text(headers.get("content-type")):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
        else:
            event["body"] = text
    return event


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tributary-gateway"
    sys_version = ""
    gateway: Gateway  # set on the subclass made by serve()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's signature
        pass  # the functions log each request themselves

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _read_body(self) -> Optional[bytes]:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            return self.rfile.read(int(length))
        except ValueError:
            return None

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response_only(status)
        sent = set()
        origin = self.headers.get("Origin")
        if origin and self.gateway.cors is not None:
            cors = self.gateway.cors.simple(origin)
            # API Gateway's CORS headers replace a function's own.
            headers = [(n, v) for n, v in headers if not n.lower().startswith("access-control-")] + cors
        for name, value in headers:
            if name.lower() in HOP_BY_HOP:
                continue
            self.send_header(name, value)
            sent.add(name.lower())
        if "date" not in sent:
            self.send_header("Date", self.date_time_string())
        self.send_header("Content-Length", str(len(body)))
        self.send_header("apigw-requestid", getattr(self, "_request_id", ""))
        # Head and body in one write: two small writes would wait for the client's delayed ACK.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.wfile.write(b"".join(self._headers_buffer))
        self._headers_buffer = []

    def _json(self, status: int, body: bytes) -> None:
        self._send(status, [("Content-Type", "application/json")], body)

    def handle_one_request(self) -> None:  # every method goes through _handle
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if len(self.raw_requestline) > 65536:
                self.send_error(414)
                return
            if not self.parse_request():
                return
            self._handle()
            self.wfile.flush()
        except (socket.timeout, ConnectionError):
            self.close_connection = True

    def _is_ws_upgrade(self) -> bool:
        if self.gateway.ws_port is None or self.command != "GET":
            return False
        if (self.headers.get("Upgrade") or "").strip().lower() != "websocket":
            return False
        path = urllib.parse.urlsplit(self.path).path
        return path.rstrip("/") == WS_PATH

    def _tunnel_ws(self) -> None:
        """Hands the connection to the WebSocket API stand-in: the request head as received, then
        the bytes both ways until either side closes. No HTTP answer of ours follows."""
        self.close_connection = True
        try:
            upstream = socket.create_connection((HOST, self.gateway.ws_port), timeout=10)
        except OSError as exc:
            print(f"gateway: WebSocket upgrade {self.path}: the WebSocket stand-in on :{self.gateway.ws_port} "
                  f"is not reachable: {exc}", file=sys.stderr, flush=True)
            self._json(502, b'{"message":"Bad Gateway"}')
            return
        client = self.connection
        try:
            upstream.settimeout(None)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            head = self.raw_requestline + b"".join(
                f"{name}: {value}\r\n".encode("latin-1") for name, value in self.headers.items()
            ) + b"\r\n"
            # Bytes the client sent after the head that the request reader already buffered.
            client.setblocking(False)
            try:
                pending = self.rfile.peek(65536) or b""
            except (BlockingIOError, OSError):
                pending = b""
            finally:
                client.setblocking(True)
            if pending:
                self.rfile.read(len(pending))
            upstream.sendall(head + pending)
            splice(client, upstream)
        except OSError:
            pass
        finally:
            upstream.close()

    def _handle(self) -> None:
        started = time.perf_counter()
        self._request_id = str(uuid.uuid4())
        if self._is_ws_upgrade():
            self._tunnel_ws()
            return
        body = self._read_body()
        if body is None or any(bad_header(v) for v in self.headers.values()):
            # API Gateway refuses header values with control characters (a NUL, say) itself;
            # passed on, they would make the event unreadable to the function's runtime.
            self._json(400, b'{"message":"Bad Request"}')
            return
        path = urllib.parse.urlsplit(self.path).path or "/"
        if path.startswith(INVOKE_PREFIX):
            self._pass_through(body)
            return
        if self.gateway.demo is not None and (path == DEMO_PREFIX or path.startswith(DEMO_PREFIX + "/")):
            self._demo(path)
            return
        origin = self.headers.get("Origin")
        cors = self.gateway.cors
        if cors is not None and origin and self.command == "OPTIONS" and self.headers.get("Access-Control-Request-Method"):
            # A CORS preflight: API Gateway answers it and never invokes a function.
            self.send_response_only(204)
            for name, value in cors.preflight(origin):
                self.send_header(name, value)
            self.send_header("Date", self.date_time_string())
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        found = self.gateway.route(self.command, path)
        if found is None:
            self._json(404, envelope(404, 16, "the requested path does not exist", started))
            return
        route, params = found
        event = build_event(self, route, params, body, self._request_id)
        data = json.dumps(event, separators=(",", ":")).encode()
        try:
            status, _headers, payload = self.gateway.call(
                "POST", f"{INVOKE_PREFIX}{route.function}/invocations", data, {"Content-Type": "application/json"}
            )
        except (socket.timeout, TimeoutError):
            self._json(503, b'{"message":"Service Unavailable"}')
            return
        except (OSError, http.client.HTTPException) as exc:
            print(f"gateway: {self.command} {path} -> {route.function}: invoke failed: {exc}", file=sys.stderr, flush=True)
            self._json(500, b'{"message":"Internal Server Error"}')
            return
        response = None
        if status == 200:
            try:
                response = json.loads(payload)
            except ValueError:
                response = None
        if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
            print(
                f"gateway: {self.command} {path} -> {route.function}: the function failed "
                f"(invoke {status}): {payload[:300].decode('utf-8', 'replace')}",
                file=sys.stderr,
                flush=True,
            )
            self._json(500, b'{"message":"Internal Server Error"}')
            return
        headers: list[tuple[str, str]] = []
        for name, value in (response.get("headers") or {}).items():
            headers.append((name, str(value)))
        for name, values in (response.get("multiValueHeaders") or {}).items():
            if name not in (response.get("headers") or {}):
                headers.extend((name, str(v)) for v in values or [])
        for cookie in response.get("cookies") or []:
            headers.append(("Set-Cookie", cookie))
        raw = response.get("body")
        if raw is None:
            out = b""
        elif response.get("isBase64Encoded"):
            out = base64.b64decode(raw)
        else:
            out = str(raw).encode("utf-8")
        self._send(response["statusCode"], headers, out)

    def _demo(self, path: str) -> None:
        """The browser demo: its files, and user tokens for it (dev only; see the module docstring)."""
        demo = self.gateway.demo
        assert demo is not None
        if self.command not in ("GET", "HEAD"):
            self._send(405, [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")], b"405 Method Not Allowed\n")
            return
        if path == DEMO_PREFIX:
            self._send(308, [("Location", DEMO_PREFIX + "/")], b"")
            return
        no_store = ("Cache-Control", "no-store")
        if path == DEMO_TOKEN_PATH:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            user_id = (query.get("user_id") or [""])[0]
            if not USER_ID.fullmatch(user_id):
                body = {"message": "user_id: 1-255 letters, digits, @, _ or -"}
                self._send(400, [("Content-Type", "application/json"), no_store], json.dumps(body).encode())
                return
            body = {"api_key": demo.api_key, "user_id": user_id, "token": user_token(user_id, demo.api_secret)}
            self._send(200, [("Content-Type", "application/json"), no_store], json.dumps(body).encode())
            return
        target = demo.file(path)
        if target is None:
            self._send(404, [("Content-Type", "text/plain"), no_store], b"404 Not Found\n")
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        self._send(200, [("Content-Type", kind), no_store], target.read_bytes())

    def _pass_through(self, body: bytes) -> None:
        """The Lambda invoke API of cargo lambda watch, unchanged (no timeout of our own)."""
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
            status, answer_headers, payload = self.gateway.call(self.command, self.path, body, headers, timeout=3600)
        except (OSError, http.client.HTTPException) as exc:
            self._json(502, json.dumps({"message": f"cargo lambda watch: {exc}"}).encode())
            return
        self._send(status, answer_headers, payload)

    # BaseHTTPRequestHandler dispatches on do_<METHOD>; handle_one_request above sends every method
    # to _handle instead, so any method reaches the router (and a wrong one gets the function's 405).


def splice(a: socket.socket, b: socket.socket) -> None:
    """Copies bytes between two connected sockets until both sides have closed (an end that closes
    its side is passed on as a half-close) or either fails."""
    peers = {a: b, b: a}
    sending = {a, b}
    while sending:
        readable, _, _ = select.select(list(sending), [], [])
        for sock in readable:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                sending.discard(sock)
                try:
                    peers[sock].shutdown(socket.SHUT_WR)
                except OSError:
                    return
                continue
            try:
                peers[sock].sendall(data)
            except OSError:
                return


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(
    port: int,
    lambda_url: str,
    timeout: float,
    cargo_toml: Path,
    template: Optional[Path] = None,
    ready_file: Optional[Path] = None,
    ws_port: Optional[int] = None,
    demo: Optional[Demo] = None,
) -> None:
    routes = load_routes(cargo_toml)
    gateway = Gateway(routes, lambda_url, timeout, Cors.from_template(template), ws_port, demo)
    handler = type("BoundHandler", (Handler,), {"gateway": gateway})
    server = Server((HOST, port), handler)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if ready_file is not None:
        ready_file.write_text(str(port))
    ws = f"; WebSocket upgrades of {WS_PATH} -> :{ws_port}" if ws_port is not None else ""
    if demo is not None:
        ws += f"; {DEMO_PREFIX}/ serves {demo.root}"
    print(f"gateway: http://{HOST}:{port} -> {lambda_url} ({len(routes)} routes, timeout {timeout:g}s{ws})", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lambda-url", required=True, help="base URL of cargo lambda watch (its invoke API)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds an invocation may take (API Gateway: 30)")
    parser.add_argument("--cargo-toml", type=Path, default=Path(__file__).resolve().parents[2] / "Cargo.toml")
    parser.add_argument("--template", type=Path, help="infra/template.yaml: the HTTP API's CorsConfiguration")
    parser.add_argument("--ready-file", type=Path)
    parser.add_argument("--ws-port", type=int, help=f"tunnel WebSocket upgrades of {WS_PATH} to this port (ws_gateway.py)")
    parser.add_argument(
        "--demo-dir", type=Path,
        help=f"serve the browser demo's files under {DEMO_PREFIX}/ and user tokens at {DEMO_TOKEN_PATH} "
        "(dev only; key and secret from TRIBUTARY_API_KEY and TRIBUTARY_API_SECRET)",
    )
    args = parser.parse_args()
    demo = None
    if args.demo_dir is not None:
        key, secret = os.environ.get("TRIBUTARY_API_KEY", ""), os.environ.get("TRIBUTARY_API_SECRET", "")
        if not key or not secret:
            parser.error("--demo-dir needs TRIBUTARY_API_KEY and TRIBUTARY_API_SECRET in the environment")
        demo = Demo(args.demo_dir, key, secret)
    serve(args.port, args.lambda_url, args.timeout, args.cargo_toml, args.template, args.ready_file, args.ws_port, demo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
