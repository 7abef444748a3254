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


def test_missing_spec_is_reported_in_the_header_and_by_the_fixture(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STRIPE_CONTRACTS_SPEC", raising=False)
    pytester.makepyfile("def test_v(stripe_spec): pass")
    result = pytester.runpytest("--stripe-spec=missing.json")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "stripe-contracts: no spec loaded (no Stripe OpenAPI spec at missing.json)",
            "*SpecError*",
            "*hint: pass --stripe-spec PATH (or the ini key stripe_contracts_spec)*",
        ]
    )
    assert "--spec PATH" not in result.stdout.str()


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
