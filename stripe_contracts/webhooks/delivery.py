"""Deliver signed webhook events to a handler, as Stripe's webhook POSTs would arrive.

A handler is a plain callable `(payload: bytes, headers: dict) -> status | (status, body)`,
a WSGI app, an ASGI app, or an `http://127.0.0.1:...` URL. Each is reached through a
`Transport`; the delivery logic never imports a web framework or an HTTP client library.
Every POST is signed at the moment it is made (`clock`), as Stripe signs at delivery time,
so handlers verifying with the real clock and the default 300 s tolerance accept it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import io
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from stripe_contracts._json import dump_json
from stripe_contracts.errors import InvalidArgument
from stripe_contracts.webhooks.signing import DEFAULT_TOLERANCE, sign_payload

JSON = Any
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: Headers Stripe sends with every webhook POST besides the signature.
#: https://docs.stripe.com/webhooks#verify-events
STRIPE_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    "Cache-Control": "no-cache",
    "Accept": "*/*; q=0.5, application/xml",
}
VARIANTS = ("normal", "duplicate", "bad_signature", "expired_timestamp", "missing_header")


@dataclass(frozen=True)
class Delivery:
    """The outcome of one POST: the handler's status and body, or what went wrong."""

    event_id: str
    event_type: str
    variant: str
    status: int | None
    body: bytes
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def rejected(self) -> bool:
        return self.status is not None and 400 <= self.status < 500


class Transport(Protocol):
    def post(self, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes]: ...


def event_payload(event: Mapping[str, JSON]) -> bytes:
    """The exact bytes of a webhook POST body for `event` (what the signature covers)."""
    return dump_json(event)


def deliver(
    events: Iterable[Mapping[str, JSON]],
    to: Any,
    *,
    secret: str | Sequence[str],
    variant: str = "normal",
    clock: Callable[[], float] = time.time,
    timeout: float = 10.0,
) -> list[Delivery]:
    """POST each event to `to`, signed with `secret`, and return one `Delivery` each.

    `variant` sends every event in a nasty way: "duplicate" (twice), "bad_signature",
    "expired_timestamp" (older than the 300 s tolerance), or "missing_header".
    A handler that raises or times out is recorded as a failed delivery, never re-raised.
    """
    if variant not in VARIANTS:
        raise InvalidArgument.choice("variant", variant, VARIANTS)
    transport = transport_for(to, timeout=timeout)
    results = []
    for event in events:
        payload = event_payload(event)
        copies = 2 if variant == "duplicate" else 1
        for _ in range(copies):
            headers = dict(STRIPE_HEADERS)
            signed_at = int(clock())
            if variant == "expired_timestamp":
                signed_at -= DEFAULT_TOLERANCE * 2
            if variant != "missing_header":
                headers["Stripe-Signature"] = sign_payload(payload, secret, signed_at)
            if variant == "bad_signature":
                headers["Stripe-Signature"] = sign_payload(payload, "whsec_not_yours", signed_at)
            results.append(_post(transport, event, variant, payload, headers))
    return results


def out_of_order(events: Sequence[Mapping[str, JSON]], *, seed: int = 0) -> list[Any]:
    """The same events in another order, shuffled by `seed` (never the original order).

    Stripe does not guarantee delivery order (https://docs.stripe.com/webhooks#event-ordering).
    """
    shuffled = list(events)[::-1]
    random.Random(seed).shuffle(shuffled)
    if len(shuffled) > 1 and shuffled == list(events):
        shuffled.reverse()
    return shuffled


def _post(
    transport: Transport,
    event: Mapping[str, JSON],
    variant: str,
    payload: bytes,
    headers: dict[str, str],
) -> Delivery:
    started = time.perf_counter()
    try:
        status, body = transport.post(payload, headers)
        error = None
    except Exception as exc:  # the handler's failure is the result, not our crash
        status, body, error = None, b"", f"{type(exc).__name__}: {exc}"
    return Delivery(
        str(event.get("id")),
        str(event.get("type")),
        variant,
        status,
        body,
        time.perf_counter() - started,
        error,
    )


def transport_for(to: Any, *, timeout: float = 10.0) -> Transport:
    """The transport for a URL string, a WSGI or ASGI app, or a plain callable."""
    if isinstance(to, str):
        return HttpTransport(to, timeout=timeout)
    if _is_asgi(to):
        return AsgiTransport(to, timeout=timeout)
    if _is_wsgi(to):
        return WsgiTransport(to)
    if callable(to):
        return CallableTransport(to)
    raise InvalidArgument(
        f"to={to!r} is not a handler",
        hint="pass a callable(payload, headers), a WSGI or ASGI app, or an http://127.0.0.1 URL",
    )


def _call_of(app: Any) -> Any:
    """The function that runs when `app` is called (itself, or its `__call__`)."""
    if inspect.isfunction(app) or inspect.ismethod(app):
        return app
    return getattr(app, "__call__", None)  # noqa: B004


def _is_asgi(app: Any) -> bool:
    call = _call_of(app)
    return inspect.iscoroutinefunction(call) and len(_parameters(call)) == 3


def _is_wsgi(app: Any) -> bool:
    if hasattr(app, "wsgi_app"):  # Flask and friends
        return True
    call = _call_of(app)
    names = _parameters(call) if call else []
    return len(names) == 2 and names[0] == "environ"


def _parameters(call: Any) -> list[str]:
    try:
        return [
            p.name
            for p in inspect.signature(call).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return []


class CallableTransport:
    def __init__(self, handler: Callable[..., Any]) -> None:
        self.handler = handler

    def post(self, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        result = self.handler(payload, headers)
        if result is None:
            return 200, b""
        if isinstance(result, tuple):
            status, body = result
            return int(status), body if isinstance(body, bytes) else str(body).encode()
        return int(result), b""


class WsgiTransport:
    def __init__(self, app: Any, path: str = "/webhooks/stripe") -> None:
        self.app, self.path = app, path

    def post(self, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return self.request("POST", self.path, payload, headers)

    def request(
        self, method: str, target: str, payload: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        path, _, query = target.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(payload)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(payload),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": True,
        }
        for name, value in headers.items():
            if name not in ("Content-Type",):
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        status_line: list[str] = []

        def start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
            status_line.append(status)
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        return int(status_line[0].split()[0]), body


class AsgiTransport:
    def __init__(self, app: Any, *, timeout: float, path: str = "/webhooks/stripe") -> None:
        self.app, self.timeout, self.path = app, timeout, path

    def post(self, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return self.request("POST", self.path, payload, headers)

    def request(
        self, method: str, target: str, payload: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        call = asyncio.wait_for(self._call(method, target, payload, headers), self.timeout)
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop here: the usual case
            return asyncio.run(call)
        # Called from async code (an async test): run the app on a loop of its own.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, call).result()

    async def _call(
        self, method: str, target: str, payload: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        path, _, query = target.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
            + [(b"content-length", str(len(payload)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        sent = False
        status = 500
        body = bytearray()

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": payload, "more_body": False}
            await asyncio.sleep(self.timeout)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, bytes(body)


def check_loopback_url(url: str, *, what: str = "webhook URL") -> None:
    """Refuse a URL that is not plain http:// on this machine (tests never leave it)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http":
        raise InvalidArgument(
            f"{what} {url!r} must be http://",
            hint="serve your handler on http://127.0.0.1:PORT/... for tests",
        )
    if parts.hostname not in LOOPBACK_HOSTS:
        raise InvalidArgument(
            f"{what} {url!r} is not on this machine",
            hint="tests deliver only to loopback: use http://127.0.0.1:PORT/...",
        )


def get_from(to: Any, target: str, *, timeout: float) -> tuple[int, bytes]:
    """GET `target` from the app `deliver` posts to: a path of a WSGI or ASGI app, or a
    loopback URL (a path is taken under `to` when `to` is a URL)."""
    if isinstance(to, str) or not target.startswith("/"):
        if target.startswith("/"):
            parts = urllib.parse.urlsplit(to)
            target = f"{parts.scheme}://{parts.netloc}{target}"
        return loopback_get(target, timeout=timeout)
    transport = transport_for(to, timeout=timeout)
    if not isinstance(transport, WsgiTransport | AsgiTransport):
        raise InvalidArgument(
            f"get: {target!r} is a path, and a plain handler callable has no paths",
            hint="deliver to a WSGI or ASGI app or a URL, or use `call:` with checks=",
        )
    return transport.request("GET", target, b"", {"Accept": "application/json"})


def loopback_get(url: str, *, timeout: float) -> tuple[int, bytes]:
    """GET a loopback URL (checked as webhook URLs are): its status and body, 3xx not followed."""
    check_loopback_url(url, what="check URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json"}, method="GET")
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


class HttpTransport:
    def __init__(self, url: str, *, timeout: float) -> None:
        check_loopback_url(url)
        self.url, self.timeout = url, timeout

    def post(self, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")
        try:
            with _DIRECT.open(request, timeout=self.timeout) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:  # 4xx, 5xx, and every 3xx (never followed)
            return int(exc.code), exc.read()


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is the handler's answer, not a pointer to follow: following it would send the
    signed payload to whatever host the Location names, and count that host's 2xx."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


#: Straight to the loopback URL: no proxy from http_proxy / HTTP_PROXY (which would carry
#: the signed payload off this machine), and no redirects.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), _RefuseRedirects())
