"""The one module that knows vcrpy: record and replay Stripe traffic in cassettes.

`open_cassette` wires the plain-function parts into vcrpy - Stripe-way matching (`match`),
scrubbing (`scrub`) and atomic writes (`files`) - and sets up the `stripe` library for
replay. Nothing outside this module imports vcrpy or sees its types except through
`StripeCassette.vcr_cassette`.

Guarantees, whatever the user's config says:

- record mode defaults to "none": replay only, any request not in the cassette fails and
  nothing reaches the network;
- a live-mode key is refused before any request is sent;
- requests and responses are scrubbed before they are kept in memory, and the cassette text
  is scanned for secrets again before it is written;
- the file is written atomically, only if the test passed, and an existing cassette is never
  replaced in "none" or "once" mode.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import vcr
import yaml
from vcr.persisters.filesystem import CassetteNotFoundError, FilesystemPersister
from vcr.serialize import serialize
from vcr.serializers import yamlserializer
from vcr.util import read_body

from stripe_contracts import _yaml
from stripe_contracts.cassettes.files import CassetteError, header, write_atomic
from stripe_contracts.cassettes.match import (
    Explain,
    body_differences,
    describe_differences,
    query_differences,
)
from stripe_contracts.cassettes.origin import scenario_field, scenario_file_of
from stripe_contracts.cassettes.scrub import (
    LiveKeyRefused,
    SecretFound,
    find_secrets,
    is_live_key,
    scrub_body,
    scrub_headers,
    scrub_url,
)
from stripe_contracts.errors import InvalidArgument, StripeContractsError

__all__ = ["MATCH_ON", "RECORD_MODES", "StripeCassette", "open_cassette"]

RECORD_MODES: Final = ("none", "once", "new_episodes", "all")
MATCH_ON: Final = ("method", "host", "path", "query_params", "body_params")
REPLAY_KEY: Final = "sk_test_stripe_contracts_replay"  # only ever used when nothing is written
_FIXED: Final = ("persister", "decode_compressed_response", "cassette_library_dir", "path")


@dataclass
class _State:
    record_mode: str
    discarded: bool = False
    failure: BaseException | None = None  # raised after vcrpy has unpatched everything


class StripeCassette:
    """A cassette in use: where it lives, its record mode, what was recorded and played."""

    def __init__(self, cassette: Any, path: Path, state: _State) -> None:
        self._cassette = cassette
        self._state = state
        self.path = path

    def __repr__(self) -> str:
        return f"<StripeCassette {self.path} record_mode={self.record_mode!r} len={len(self)}>"

    @property
    def record_mode(self) -> str:
        return self._state.record_mode

    def __len__(self) -> int:
        return len(self._cassette)

    @property
    def play_count(self) -> int:
        """How many responses were replayed from the file."""
        return int(self._cassette.play_count)

    @property
    def all_played(self) -> bool:
        """Whether every interaction in the cassette was replayed."""
        return bool(self._cassette.all_played)

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, URL) of each interaction, as stored (scrubbed)."""
        return [(str(r.method), str(r.uri)) for r in self._cassette.requests]

    @property
    def vcr_cassette(self) -> Any:
        """The underlying `vcr.cassette.Cassette`, for anything this wrapper does not offer."""
        return self._cassette

    def discard(self) -> None:
        """Write nothing from this session (the fixture calls this when the test failed)."""
        self._state.discarded = True


@contextlib.contextmanager
def open_cassette(
    path: str | Path,
    *,
    record_mode: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> Iterator[StripeCassette]:
    """Record or replay HTTP traffic in the cassette at `path` while the block runs.

    `record_mode` (vcrpy's: none, once, new_episodes, all) wins over `config["record_mode"]`;
    the default is "none". `config` holds vcrpy `use_cassette` options plus one of ours,
    `scrub_pii` (fake emails, names, phones and addresses consistently). The user's
    `before_record_request` / `before_record_response` run first; scrubbing runs last.
    """
    options = dict(config or {})
    pii = bool(options.pop("scrub_pii", False))
    configured = options.pop("record_mode", None)
    mode = str(record_mode or configured or "none")
    if mode not in RECORD_MODES:
        raise InvalidArgument.choice("record_mode", mode, RECORD_MODES)
    fixed = sorted(key for key in _FIXED if key in options)
    if fixed:
        raise StripeContractsError(
            f"cassette config must not set {', '.join(fixed)}",
            hint="stripe-contracts decides where and how cassettes are written; set the "
            "directory with the stripe_contracts_cassette_dir ini key",
        )
    path = Path(path)
    state = _State(mode)
    recorder = vcr.VCR(
        record_mode=mode,
        match_on=tuple(options.pop("match_on", MATCH_ON)),
        serializer=options.pop("serializer", "json" if path.suffix == ".json" else "yaml"),
        decode_compressed_response=True,
    )
    recorder.register_serializer("yaml", _YamlSerializer)
    origin = scenario_file_of(path)  # a cassette synthesized from a scenario file
    recorder.register_matcher("query_params", _matcher(query_params, origin))
    recorder.register_matcher("body_params", _matcher(body_params, origin))
    recorder.register_persister(_Persister(state))
    user_hooks = options.pop("before_record_request", None) or options.pop("before_record", None)
    before_request = [*_hooks(user_hooks), _scrub_request(mode, pii)]
    before_response = [*_hooks(options.pop("before_record_response", None)), _scrub_response(pii)]
    options["record_on_exception"] = False  # an exception in the block writes nothing
    with (
        _stripe_library(mode),
        recorder.use_cassette(
            str(path),
            before_record_request=before_request,
            before_record_response=before_response,
            **options,
        ) as cassette,
    ):
        yield StripeCassette(cassette, path, state)
    if state.failure is not None:
        raise state.failure


def _hooks(value: Any) -> list[Callable[[Any], Any]]:
    if value is None:
        return []
    if callable(value):
        return [value]
    return list(value)


# -- matching ----------------------------------------------------------------------------------


def query_params(r1: Any, r2: Any, explain: Explain | None = None) -> None:
    """vcrpy matcher: query strings equal as Stripe parameters (r1 live, r2 recorded)."""
    found = query_differences(urlsplit(r1.uri).query, urlsplit(r2.uri).query, explain=explain)
    if found:
        raise AssertionError(describe_differences(found))


def body_params(r1: Any, r2: Any, explain: Explain | None = None) -> None:
    """vcrpy matcher: bodies equal as Stripe form parameters (or JSON, or bytes)."""
    found = body_differences(read_body(r1), read_body(r2), explain=explain)
    if found:
        raise AssertionError(describe_differences(found))


def _matcher(
    match: Callable[[Any, Any, Explain | None], None], scenario_file: str | None
) -> Callable[[Any, Any], None]:
    """`match`, saying for a cassette synthesized from `scenario_file` where in that file each
    differing parameter of the recorded request comes from. (vcrpy names a matcher by its
    function's name in its messages: `body_params differs: ...`.)"""

    def matcher(r1: Any, r2: Any) -> None:
        if scenario_file is None:
            return match(r1, r2, None)
        method, path = str(r2.method), urlsplit(r2.uri).path

        def explain(parameter: str) -> str | None:
            field = scenario_field(method, path, parameter)
            if field is None:
                return None
            return f"set {field} in {scenario_file} to what your code sends, then synthesize again"

        return match(r1, r2, explain)

    matcher.__name__ = matcher.__qualname__ = match.__name__
    return matcher


# -- scrubbing ---------------------------------------------------------------------------------


def _scrub_request(mode: str, pii: bool) -> Callable[[Any], Any]:
    def scrub_request(request: Any) -> Any:
        if request is None:
            return None
        if mode != "none":
            for name, value in request.headers.items():
                if is_live_key(str(value)):
                    where = f"{name} header of {request.method} {urlsplit(request.uri).path}"
                    raise LiveKeyRefused(where)
        headers = dict(request.headers)
        body = read_body(request)
        request.body = scrub_body(
            body, content_type=header(headers, "Content-Type"), pii=pii, url=request.uri
        )
        request.uri = scrub_url(request.uri, pii=pii)
        request.headers = scrub_headers(headers)
        return request

    return scrub_request


def _scrub_response(pii: bool) -> Callable[[Any], Any]:
    def scrub_response(response: Any) -> Any:
        if response is None:
            return None
        headers = response.get("headers") or {}
        encoding = (header(headers, "Content-Encoding") or "identity").lower()
        if encoding not in ("identity", ""):
            raise StripeContractsError(
                f"cannot scrub a response compressed with {encoding!r}, so it is not recorded",
                hint="stripe-contracts decodes gzip and deflate; send Accept-Encoding: gzip",
            )
        response["headers"] = scrub_headers(headers)
        body = response.get("body")
        if isinstance(body, dict):
            body["string"] = scrub_body(
                body.get("string"), content_type=header(headers, "Content-Type"), pii=pii
            )
        return response

    return scrub_response


# -- files -------------------------------------------------------------------------------------


class _YamlSerializer:
    """vcrpy's YAML serializer (its tags, its checks), but without aliases either way: a
    cassette using one is refused (billion laughs, see `_yaml`), and none is written."""

    loader = _yaml.refusing_aliases(getattr(yamlserializer, "_CassetteLoader", _yaml.Loader))
    dumper = _yaml.writing_no_aliases(getattr(yamlserializer, "_CassetteDumper", yaml.SafeDumper))

    @classmethod
    def deserialize(cls, cassette_string: str) -> Any:
        _yaml.check_depth(cassette_string, cls.loader)
        return yaml.load(cassette_string, Loader=cls.loader)  # a SafeLoader subclass

    @classmethod
    def serialize(cls, cassette_dict: Any) -> str:
        return str(yaml.dump(cassette_dict, Dumper=cls.dumper))


class _Persister:
    """vcrpy persister: loads like vcrpy, writes atomically after a last scan for secrets."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def load_cassette(self, cassette_path: str, serializer: Any) -> Any:
        try:
            return FilesystemPersister.load_cassette(cassette_path, serializer)
        except CassetteNotFoundError:
            raise
        except Exception as exc:  # vcrpy would record over a broken cassette; we stop
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CassetteError.unreadable(cassette_path, reason) from None

    def save_cassette(self, cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        # vcrpy skips unpatching when saving raises, leaving every later request bound to
        # this cassette; so nothing is raised here, open_cassette raises it afterwards.
        try:
            self._save(cassette_path, cassette_dict, serializer)
        except Exception as exc:
            self.state.failure = exc

    def _save(self, cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        if self.state.discarded:
            return
        text = serialize(cassette_dict, serializer)
        kinds = find_secrets(text)
        if kinds:
            raise SecretFound(str(cassette_path), kinds)
        mode = self.state.record_mode
        try:
            write_atomic(cassette_path, text, replace=mode in ("new_episodes", "all"))
        except FileExistsError:
            raise CassetteError.exists(cassette_path, mode) from None


# -- the stripe library ------------------------------------------------------------------------


@contextlib.contextmanager
def _stripe_library(mode: str) -> Iterator[None]:
    """No retries while a cassette is in use; a placeholder key for pure replay."""
    stripe = _stripe_module()
    key = getattr(stripe, "api_key", None)
    if mode != "none" and isinstance(key, str) and is_live_key(key):
        raise LiveKeyRefused("stripe.api_key")
    if stripe is None:
        yield
        return
    saved = (stripe.max_network_retries, key)
    stripe.max_network_retries = 0
    if mode == "none" and not key:
        stripe.api_key = REPLAY_KEY
    try:
        yield
    finally:
        stripe.max_network_retries, stripe.api_key = saved


def _stripe_module() -> Any:
    try:
        return importlib.import_module("stripe")
    except ImportError:
        return None
