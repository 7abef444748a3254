"""pytest plugin: options, ini keys and fixtures. Nothing else lives here.

Heavy imports happen inside the fixtures, so projects that install the plugin but do not use
it pay nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from stripe_contracts.cassettes._vcr import StripeCassette
    from stripe_contracts.graph.builder import GraphBuilder
    from stripe_contracts.scenarios.steps import ScenarioSteps
    from stripe_contracts.spec import Spec, VersionSet
    from stripe_contracts.webhooks.tester import WebhookTester

_spec_key = pytest.StashKey["Spec | Exception"]()
_versions_key = pytest.StashKey["VersionSet"]()
_passed_key = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stripe-contracts", "stripe-contracts (Stripe contract testing)")
    group.addoption(
        "--stripe-spec",
        action="append",
        default=None,
        metavar="PATH",
        help="Stripe OpenAPI spec file or directory; repeat to layer an excerpt over a full spec",
    )
    group.addoption(
        "--stripe-api-version",
        default=None,
        metavar="VERSION",
        help="Stripe API version to pick when a spec directory holds several",
    )
    group.addoption(
        "--stripe-newer-spec",
        action="append",
        default=[],
        metavar="PATH",
        help="a spec of a later API version; repeatable. Fields only a newer spec on hand "
        "(this, the built-in spec, other versions in a --stripe-spec directory) defines are "
        "notes for assert_stripe_valid, not failures, unless strict=True",
    )
    group.addoption(
        "--stripe-seed",
        type=int,
        default=None,
        metavar="N",
        help="base seed for stripe_graph (each test derives its own seed from it)",
    )
    group.addoption(
        "--stripe-record-mode",
        choices=("none", "once", "new_episodes", "all"),
        default=None,
        help="stripe_cassette record mode (vcrpy's); default none: replay only, no network",
    )
    parser.addini("stripe_contracts_seed", default="0", help="base seed for stripe_graph")
    parser.addini(
        "stripe_contracts_cassette_dir",
        default="cassettes",
        help="directory of stripe_cassette cassettes, relative to rootdir",
    )
    parser.addini(
        "stripe_contracts_spec",
        type="paths",
        default=[],
        help="Stripe OpenAPI spec files or directories, layered in order",
    )
    parser.addini(
        "stripe_contracts_catalog",
        type="paths",
        default=[],
        help="your catalog file (YAML or JSON) for stripe_scenario, the named flows of "
        "stripe_events and scenario files without a catalog: key",
    )
    parser.addini(
        "stripe_contracts_api_version",
        default="",
        help="Stripe API version to pick from a spec directory",
    )


def _load(config: pytest.Config) -> Spec:
    cached = config.stash.get(_spec_key, None)
    if cached is None:
        from stripe_contracts.spec import load_spec

        sources = config.getoption("stripe_spec") or config.getini("stripe_contracts_spec") or None
        version = config.getoption("stripe_api_version") or config.getini(
            "stripe_contracts_api_version"
        )
        try:
            cached = load_spec(
                sources,
                api_version=version or None,
                project_dir=config.rootpath,
                front_end="pytest",
            )
        except Exception as exc:  # reported once, at session start (pytest_sessionstart)
            cached = exc
        config.stash[_spec_key] = cached
    if isinstance(cached, Exception):
        raise cached
    return cached


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A missing or broken spec stops the run here, in one message, before any test runs."""
    from stripe_contracts.errors import StripeContractsError

    try:
        _load(session.config)
    except StripeContractsError as exc:
        raise pytest.UsageError(f"stripe-contracts: {exc}") from None
    except Exception as exc:
        raise pytest.UsageError(
            f"stripe-contracts: cannot load the Stripe spec: {type(exc).__name__}: {exc}\n"
            f"  hint: {_SPEC_FIX}"
        ) from None


_SPEC_FIX = (
    "pass --stripe-spec=PATH (or set the ini key stripe_contracts_spec) to a spec file or "
    "a directory of specs; with none configured the built-in spec is used"
)


def pytest_report_header(config: pytest.Config) -> str:
    spec = _load(config)  # pytest_sessionstart has reported a spec that cannot load
    versions = " + ".join(f"{d.api_version} ({d.source})" for d in spec.documents)
    return f"stripe-contracts: Stripe API {versions}"


@pytest.fixture(scope="session")
def stripe_spec(pytestconfig: pytest.Config) -> Spec:
    """The Stripe OpenAPI spec chosen by --stripe-spec / ini / STRIPE_CONTRACTS_SPEC /
    schemas/, else the one built into the package."""
    return _load(pytestconfig)


def _versions(config: pytest.Config, spec: Spec) -> VersionSet:
    """The pinned spec and every newer one on hand, built once per session."""
    versions = config.stash.get(_versions_key, None)
    if versions is None:
        from stripe_contracts.spec import VersionSet

        sources = config.getoption("stripe_spec") or config.getini("stripe_contracts_spec") or None
        versions = VersionSet.on_hand(
            spec,
            sources=sources,
            newer=config.getoption("stripe_newer_spec"),
            project_dir=config.rootpath,
            front_end="pytest",
        )
        config.stash[_versions_key] = versions
    return versions


@pytest.fixture(scope="session")
def assert_stripe_valid(stripe_spec: Spec, pytestconfig: pytest.Config) -> Callable[..., None]:
    """`assert_stripe_valid(obj, strict=False)`: fail the test with every violation of `obj`
    (events checked through). A field only a newer spec on hand defines passes as a note
    unless `strict=True`; a field no version defines always fails.

    Session-scoped (it holds nothing but the specs), so Hypothesis `@given` tests can use it."""
    from stripe_contracts.validation import assert_valid

    versions = _versions(pytestconfig, stripe_spec)

    def check(obj: Any, *, strict: bool = False) -> None:
        __tracebackhide__ = True
        assert_valid(obj, versions, strict=strict)

    return check


@pytest.fixture
def stripe_graph(stripe_spec: Spec, request: pytest.FixtureRequest) -> GraphBuilder:
    """A `GraphBuilder` for the configured spec, seeded per test.

    The seed is derived from --stripe-seed and the test's node id: the same test always gets
    the same ids, and two tests (or two xdist workers) never share them.
    """
    from stripe_contracts.graph.builder import GraphBuilder

    return GraphBuilder(spec=stripe_spec, seed=_test_seed(request))


def _test_seed(request: pytest.FixtureRequest) -> int:
    """A seed of this test's own, from --stripe-seed (or the ini) and the test's node id."""
    import hashlib

    base = request.config.getoption("stripe_seed")
    if base is None:
        base = int(request.config.getini("stripe_contracts_seed") or 0)
    digest = hashlib.sha256(f"{base}:{request.node.nodeid}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def pytest_configure(config: pytest.Config) -> None:
    _warn_if_the_spec_chose_rootdir(config)
    config.addinivalue_line(
        "markers",
        "stripe_cassette(name=None, **vcr_options): replay (or record) the test's Stripe "
        "traffic in <stripe_contracts_cassette_dir>/<name>.yaml",
    )


def _warn_if_the_spec_chose_rootdir(config: pytest.Config) -> None:
    """`--stripe-spec ../x.json` (a space, not `=`) is also read as a test path while pytest
    picks its rootdir, before this plugin's options exist; say so when that moved rootdir."""
    spaced, rest = [], []
    args = iter(config.invocation_params.args)
    for arg in args:
        if arg == "--stripe-spec":
            spaced.append(next(args, ""))
        else:
            rest.append(arg)
    if not spaced:
        return
    try:  # pytest's own rule, asked again without the spec paths
        from _pytest.config.findpaths import determine_setup

        options = config.known_args_namespace
        without = determine_setup(
            inifile=options.inifilename,
            override_ini=options.override_ini,
            args=rest,
            rootdir_cmd_arg=options.rootdir or None,
            invocation_dir=config.invocation_params.dir,
        )[0]
    except Exception:  # another pytest: its private helper differs; say nothing
        return
    if without != config.rootpath:
        config.issue_config_time_warning(
            pytest.PytestConfigWarning(
                f"--stripe-spec {spaced[0]} (with a space) was also read as a test path, which "
                f"made {config.rootpath} pytest's rootdir instead of {without}: cassettes "
                "(stripe_contracts_cassette_dir) and schemas/ are looked up from there. Write "
                f"--stripe-spec={spaced[0]}, or set the ini key stripe_contracts_spec"
            ),
            stacklevel=2,
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:  # the marker alone activates the fixture
        names = getattr(item, "fixturenames", None)
        marked = item.get_closest_marker("stripe_cassette") is not None
        if marked and names is not None and "stripe_cassette" not in names:
            names.append("stripe_cassette")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_passed_key] = report.passed  # a cassette is written only if this holds
        if report.failed and "CannotOverwriteExistingCassetteException" in report.longreprtext:
            fix = "record it with --stripe-record-mode=new_episodes (or =all to re-record)"
            report.sections.append(("stripe-contracts", f"a request is not in the cassette: {fix}"))
    return report


@pytest.fixture
def stripe_vcr_config() -> dict[str, Any]:
    """vcrpy `use_cassette` options for stripe_cassette, plus `scrub_pii`; override it."""
    return {}


@pytest.fixture
def stripe_cassette(
    request: pytest.FixtureRequest, stripe_vcr_config: dict[str, Any]
) -> Iterator[StripeCassette]:
    """Replay this test's HTTP traffic from a cassette (record it with --stripe-record-mode)."""
    from stripe_contracts.cassettes._vcr import open_cassette
    from stripe_contracts.cassettes.files import cassette_path

    marker = request.node.get_closest_marker("stripe_cassette")
    name = marker.args[0] if marker and marker.args else None
    directory = request.config.rootpath / request.config.getini("stripe_contracts_cassette_dir")
    path = cassette_path(directory, name, nodeid=request.node.nodeid)
    config = {**stripe_vcr_config, **(marker.kwargs if marker else {})}
    mode = request.config.getoption("stripe_record_mode")
    with open_cassette(path, record_mode=mode, config=config) as cassette:
        yield cassette
        if not request.node.stash.get(_passed_key, False):
            cassette.discard()


@pytest.fixture
def stripe_events(stripe_spec: Spec, request: pytest.FixtureRequest) -> Callable[..., list[Any]]:
    """`stripe_events("renewal-failed-unpaid", **options)`: the flow's events, in order; also
    a scenario file's path, a `stripe_scenario` or a `Scenario`."""
    from stripe_contracts.scenarios.steps import scenario_events

    seed, catalog = _test_seed(request), _catalog(request.config)

    def events(source: Any, **options: Any) -> list[Any]:
        return scenario_events(source, stripe_spec, seed=seed, catalog=catalog, **options)

    return events


@pytest.fixture
def stripe_scenario(stripe_spec: Spec, request: pytest.FixtureRequest) -> ScenarioSteps:
    """A new `ScenarioSteps` on the stripe_contracts_catalog catalog: scenario-file verbs as
    calls (`.customer(...).subscribe(items=[...]).advance(days=30)`), then `.events`,
    `.objects`, `.graph`."""
    from stripe_contracts.scenarios.steps import ScenarioSteps

    catalog = _catalog(request.config)
    seed = _test_seed(request)
    return ScenarioSteps(stripe_spec, catalog=catalog, seed=seed, name=request.node.name)


def _catalog(config: pytest.Config) -> Any:
    paths = config.getini("stripe_contracts_catalog")
    return paths[0] if paths else None


@pytest.fixture(scope="session")
def stripe_webhooks(pytestconfig: pytest.Config) -> Callable[..., WebhookTester]:
    """`stripe_webhooks(to=app, secret="whsec_...")`: a new `WebhookTester` for your handler;
    every event it sends is first checked through against the configured spec (or the newer
    one on hand that rendered it: the event's `api_version`).

    Session-scoped (a factory holding no state), so Hypothesis `@given` tests can use it."""
    from stripe_contracts.webhooks.tester import WebhookTester

    versions = _versions(pytestconfig, _load(pytestconfig))

    def tester(to: Any, *, secret: str = "whsec_test_secret", timeout: float = 10.0) -> Any:
        return WebhookTester(to, secret=secret, timeout=timeout, spec=versions)

    return tester
