"""The baseline a Python user would otherwise run: localstripe driven by the official client.

`localstripe_graphs_per_second(n)` starts localstripe (a fake, stateful Stripe server) on a
loopback port, points the installed `stripe` client at it and times `n` full subscription
graphs, each made of these requests:

1. `customers.create`
2. `payment_methods.attach("pm_card_visa", customer=...)`  (the test card; returns a new pm_)
3. `customers.update(invoice_settings.default_payment_method=pm)`  (so the first invoice is paid)
4. `products.create`
5. `plans.create(interval="month")`  -- localstripe has no `/v1/prices` (404), and its
   subscriptions only take `items[].plan`; a Plan is the Prices API's legacy twin
6. `subscriptions.create(items=[{plan}])`  -- localstripe then makes, finalizes and pays an
   invoice, so the subscription comes back `active`

localstripe runs from its own virtualenv (`bench/localstripe_setup.sh` makes it, by default in
/tmp/localstripe-venv; `LOCALSTRIPE_VENV` overrides), while the `stripe` client runs in this
interpreter. Its source is not patched: a small launcher imports its aiohttp app and serves it
on a socket this process binds to 127.0.0.1, because localstripe's own CLI listens on `::`
(every interface). By default the launcher also turns off localstripe's persistence (it
pickles its whole store to the fixed path /tmp/localstripe.pickle after every write, which
makes each request O(store)); `persist=True` keeps it. Turning it off only makes localstripe
faster, so the comparison stays conservative.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

VENV = Path(os.environ.get("LOCALSTRIPE_VENV", "/tmp/localstripe-venv"))
SETUP_SCRIPT = Path(__file__).resolve().with_name("localstripe_setup.sh")
SETUP_COMMAND = (
    f"LOCALSTRIPE_VENV={VENV} " if "LOCALSTRIPE_VENV" in os.environ else ""
) + f"bash {SETUP_SCRIPT}"

API_KEY = "sk_test_localstripe_bench"
START_TIMEOUT = 30.0  # seconds for the server to answer its first request
REQUEST_TIMEOUT = 10.0  # seconds for any one request
STOP_TIMEOUT = 5.0  # seconds between SIGTERM and SIGKILL
DEFAULT_WARMUP = 10
DEFAULT_DEADLINE = 600.0  # seconds for warm-up plus the timed graphs

# Runs in the venv's python. argv: listening socket's fd, "1" to keep persistence.
_LAUNCHER = """
import socket, sys
from aiohttp import web
from localstripe import server
from localstripe.resources import store
if sys.argv[2] != "1":
    store.dump_to_disk = lambda: None
sock = socket.socket(fileno=int(sys.argv[1]))
web.run_app(server.app, sock=sock, access_log=None, print=None)
"""


class LocalstripeUnavailable(RuntimeError):
    """localstripe's virtualenv is missing or broken; the message says how to make it."""


def venv_python() -> Path:
    """The venv's python, checked to import localstripe; else print the fix and raise."""
    python = VENV / "bin" / "python"
    problem = None
    if not python.exists():
        problem = f"no localstripe virtualenv at {VENV}"
    else:
        try:
            done = subprocess.run(
                [str(python), "-c", "import localstripe.server"],
                capture_output=True,
                text=True,
                timeout=START_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            problem = f"{python} took over {START_TIMEOUT:.0f}s to import localstripe"
        else:
            if done.returncode != 0:
                tail = done.stderr.strip().splitlines()[-1:] or ["?"]
                problem = f"{python} cannot import localstripe: {tail[0]}"
    if problem is not None:
        message = f"{problem}\ncreate it with:\n    {SETUP_COMMAND}"
        print(message, file=sys.stderr)
        raise LocalstripeUnavailable(message)
    return python


@contextlib.contextmanager
def localstripe_server(*, persist: bool = False) -> Iterator[str]:
    """Run localstripe on a free 127.0.0.1 port; yield its base URL; always stop it."""
    python = venv_python()
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(tempfile.TemporaryFile(mode="w+b"))
        sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        port = sock.getsockname()[1]
        proc = subprocess.Popen(
            [str(python), "-c", _LAUNCHER, str(sock.fileno()), "1" if persist else "0"],
            pass_fds=(sock.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tempfile.gettempdir(),
        )
        stack.callback(_stop, proc)
        sock.close()  # the child holds its own copy
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, proc, log)
        yield base


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


def _wait_until_up(base: str, proc: subprocess.Popen[bytes], log: Any) -> None:
    request = urllib.request.Request(
        f"{base}/v1/balance", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"localstripe exited with {proc.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(request, timeout=1.0) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"localstripe did not answer on {base} within {START_TIMEOUT}s")
        time.sleep(0.05)


def make_client(base: str) -> Any:
    """The official client, pointed at `base`, with a per-request timeout and no retries."""
    import stripe

    client = stripe.StripeClient(
        api_key=API_KEY,
        base_addresses={"api": base},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=REQUEST_TIMEOUT),
    )
    return getattr(client, "v1", client)  # stripe >= 12 nests the services under .v1


def create_graph(v1: Any, i: int) -> dict[str, str]:
    """Customer, attached test card, product, monthly plan and an active subscription."""
    customer = v1.customers.create(params={"email": f"bench{i}@example.com", "name": f"Bench {i}"})
    pm = v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    product = v1.products.create(params={"name": f"Plan {i}"})
    plan = v1.plans.create(
        params={"product": product.id, "amount": 1500, "currency": "usd", "interval": "month"}
    )
    sub = v1.subscriptions.create(params={"customer": customer.id, "items": [{"plan": plan.id}]})
    if sub.status != "active":
        raise RuntimeError(f"localstripe left subscription {sub.id} {sub.status!r}")
    return {
        "customer": customer.id,
        "payment_method": pm.id,
        "product": product.id,
        "plan": plan.id,
        "subscription": sub.id,
    }


def localstripe_graphs_per_second(
    n: int,
    *,
    warmup: int = DEFAULT_WARMUP,
    persist: bool = False,
    deadline: float = DEFAULT_DEADLINE,
) -> float:
    """Full subscription graphs per second through localstripe, after `warmup` graphs.

    localstripe scans its whole store when it makes a subscription's invoice, so the rate
    falls slowly as `n` grows; compare at the same `n`.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    with localstripe_server(persist=persist) as base:
        v1 = make_client(base)
        stop_at = time.monotonic() + deadline
        for i in range(warmup):
            create_graph(v1, -1 - i)
        start = time.perf_counter()
        for i in range(n):
            create_graph(v1, i)
            if time.monotonic() > stop_at:
                raise TimeoutError(f"{i + 1} of {n} graphs took over {deadline}s")
        return n / (time.perf_counter() - start)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print(f"{localstripe_graphs_per_second(count):.1f} graphs/s through localstripe (n={count})")
