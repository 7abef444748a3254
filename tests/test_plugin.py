from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXCERPT, SHARED

pytest_plugins = ["pytester"]
SPEC = SHARED / "spec3.2023-08-16.json"


@pytest.fixture(autouse=True)
def _plain_inner_runs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs see only this plugin: not xdist, nor a benchmark plugin the machine has."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:xdist -p no:benchmark -p no:cacheprovider")


def test_help_lists_the_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "stripe-contracts (Stripe contract testing):",
            "*--stripe-spec=PATH*",
            "*--stripe-api-version=VERSION*",
            "*stripe_contracts_spec*",
        ]
    )


def test_fixtures_validate_with_the_configured_spec(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_good(stripe_spec, assert_stripe_valid):
            assert stripe_spec.api_version == "2023-08-16"
            assert_stripe_valid({"id": "cus_1", "object": "customer", "deleted": True})

        def test_bad(assert_stripe_valid):
            assert_stripe_valid({"id": "cus_1", "object": "customer", "deleted": True, "extra": 1})
        """
    )
    result = pytester.runpytest(f"--stripe-spec={SPEC}", f"--stripe-spec={EXCERPT}")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "stripe-contracts: Stripe API 2023-08-16 (*) + 2026-09-30.endive (*)",
            "*customer cus_1 at /extra: property 'extra' is not defined*(Stripe API 2023-08-16)*",
        ]
    )


def test_ini_picks_the_version_from_a_directory(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        f"""
        [pytest]
        stripe_contracts_spec = {SHARED}
        stripe_contracts_api_version = 2020-08-27
        """
    )
    pytester.makepyfile("def test_v(stripe_spec): assert stripe_spec.api_version == '2020-08-27'")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


FIFTY_TESTS = "\n".join(f"def test_{n}(stripe_graph): pass" for n in range(50))


@pytest.mark.parametrize(
    ("how", "problem"),
    [
        ("option", "no Stripe OpenAPI spec at missing.json"),
        ("ini", "no Stripe OpenAPI spec at"),
        ("option-broken", "cannot parse spec broken.json: invalid JSON"),
        ("env-broken", "cannot parse spec broken.json: invalid JSON"),
    ],
)
def test_a_missing_or_broken_spec_is_one_error_at_session_start(
    how: str, problem: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STRIPE_CONTRACTS_SPEC", raising=False)
    pytester.makepyfile(test_many=FIFTY_TESTS)
    (pytester.path / "broken.json").write_text('{"openapi": "3.0.0", "components": {')
    args = []
    if how == "option":
        args = ["--stripe-spec=missing.json"]
    elif how == "option-broken":
        args = ["--stripe-spec=broken.json"]
    elif how == "ini":
        pytester.makeini("[pytest]\nstripe_contracts_spec = missing.json\n")
    else:
        monkeypatch.setenv("STRIPE_CONTRACTS_SPEC", "broken.json")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert output.count(problem) == 1, output
    assert "--stripe-spec=PATH" in output and "stripe_contracts_spec" in output
    assert "Traceback" not in output and "test_many" not in output
    assert len(output.splitlines()) < 8, output


def test_a_missing_spec_under_xdist_is_one_error_too(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))  # this checkout
    pytester.makepyfile(test_many=FIFTY_TESTS)
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "--stripe-spec=missing.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert output.count("no Stripe OpenAPI spec at missing.json") == 1, output
    assert "Traceback" not in output


def test_a_broken_spec_does_not_break_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--stripe-spec=missing.json", "--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*--stripe-spec=PATH*"])


def test_with_no_spec_configured_the_builtin_spec_is_used(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stripe_contracts.spec import BUILTIN_SPEC

    monkeypatch.delenv("STRIPE_CONTRACTS_SPEC", raising=False)
    pytester.makepyfile(
        """
        def test_builtin(stripe_spec, stripe_graph, assert_stripe_valid):
            assert stripe_spec.api_version == "2026-05-27.dahlia"
            assert_stripe_valid(stripe_graph.subscription(status="active").customer)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [f"stripe-contracts: Stripe API 2026-05-27.dahlia ({BUILTIN_SPEC})"]
    )


def test_stripe_graph_fixture_builds_valid_graphs_seeded_per_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        from pathlib import Path

        def test_past_due(stripe_graph, assert_stripe_valid):
            items = [{"price": {"unit_amount": 1500}}]
            g = stripe_graph.subscription(status="past_due", items=items)
            assert g.invoice["status"] == "open" and g.invoice["amount_due"] == 1500
            for obj in g.objects.values():
                assert_stripe_valid(obj)
            Path("past_due.id").write_text(g.customer["id"])

        def test_other(stripe_graph):
            Path("other.id").write_text(stripe_graph.subscription().customer["id"])
        """
    )
    args = (f"--stripe-spec={SPEC}", f"--stripe-spec={EXCERPT}", "--stripe-seed=5")
    pytester.runpytest(*args).assert_outcomes(passed=2)
    first = {name: (pytester.path / f"{name}.id").read_text() for name in ("past_due", "other")}
    assert first["past_due"] != first["other"]
    pytester.runpytest(*args).assert_outcomes(passed=2)
    again = {name: (pytester.path / f"{name}.id").read_text() for name in ("past_due", "other")}
    assert again == first
    pytester.runpytest(*args[:2], "--stripe-seed=6").assert_outcomes(passed=2)
    assert (pytester.path / "other.id").read_text() != first["other"]


def test_stripe_graph_ids_are_distinct_per_test_under_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:benchmark -p no:cacheprovider")
    monkeypatch.setenv("IDS_DIR", str(tmp_path))  # xdist workers inherit the environment
    tests = "\n".join(
        f"def test_{n}(stripe_graph):\n"
        f"    ids = ' '.join(sorted(stripe_graph.subscription().objects))\n"
        f"    (Path(os.environ['IDS_DIR']) / '{n}.txt').write_text(ids)\n"
        for n in range(6)
    )
    pytester.makepyfile("import os\nfrom pathlib import Path\n\n" + tests)
    args = (f"--stripe-spec={SPEC}", f"--stripe-spec={EXCERPT}", "-n", "2")
    pytester.runpytest(*args).assert_outcomes(passed=6)
    id_sets = [set(p.read_text().split()) for p in tmp_path.glob("*.txt")]
    assert len(id_sets) == 6
    every = [i for ids in id_sets for i in ids]
    assert len(every) == len(set(every))  # no id shared between any two tests


@pytest.mark.parametrize("form", ["space", "equals", "ini"])
def test_a_spec_path_that_moves_rootdir_is_warned_about(
    form: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, specs = pytester.path / "project", pytester.path / "specs"
    project.mkdir()
    specs.mkdir()
    (specs / "spec3.json").symlink_to(SHARED / "spec3.2020-08-27.json")
    (project / "pytest.ini").write_text(
        "[pytest]\n" + ("stripe_contracts_spec = ../specs/spec3.json\n" if form == "ini" else "")
    )
    (project / "test_root.py").write_text(
        "def test_root(pytestconfig, stripe_spec):\n"
        "    assert stripe_spec.api_version == '2020-08-27'\n"
        "    print('ROOTDIR', pytestconfig.rootpath)\n"
    )
    monkeypatch.chdir(project)
    args = {
        "space": ["--stripe-spec", "../specs/spec3.json"],
        "equals": ["--stripe-spec=../specs/spec3.json"],
        "ini": [],
    }[form]
    result = pytester.runpytest("-s", *args)
    result.assert_outcomes(passed=1, warnings=1 if form == "space" else 0)
    rootdir = pytester.path if form == "space" else project  # pytest's choice, as it prints it
    result.stdout.fnmatch_lines([f"*ROOTDIR {rootdir}"])
    if form == "space":
        result.stdout.fnmatch_lines(
            [
                "*PytestConfigWarning: --stripe-spec ../specs/spec3.json (with a space) was also "
                f"read as a test path, which made {pytester.path} pytest's rootdir instead of "
                f"{project}*Write --stripe-spec=../specs/spec3.json, or set the ini key "
                "stripe_contracts_spec"
            ]
        )


def test_the_validator_and_the_webhook_tester_work_in_given_tests(
    pytester: pytest.Pytester,
) -> None:
    """Hypothesis refuses function-scoped fixtures in @given tests (its health check)."""
    pytester.makepyfile(
        """
        from hypothesis import given, settings, strategies as st

        @settings(max_examples=5)
        @given(amount=st.integers(0, 10**6))
        def test_prices(amount, stripe_graph_factory, assert_stripe_valid, stripe_webhooks):
            graph = stripe_graph_factory(items=[{"price": {"unit_amount": amount}}])
            assert_stripe_valid(graph.prices[0])
            hooks = stripe_webhooks(to=lambda payload, headers: 200, secret="whsec_x")
            assert hooks.secret == "whsec_x"
        """
    )
    pytester.makeconftest(
        """
        import pytest
        from stripe_contracts.graph.builder import GraphBuilder

        @pytest.fixture(scope="session")
        def stripe_graph_factory(stripe_spec):
            return GraphBuilder(spec=stripe_spec, seed=1).subscription
        """
    )
    result = pytester.runpytest(f"--stripe-spec={SPEC}")
    result.assert_outcomes(passed=1)
