"""Give the examples what a project with stripe-contracts installed has: the plugin's fixtures.

The repository's addopts disable the plugin (`-p no:stripe_contracts`) so the library's own
tests cannot lean on it. The examples are the opposite: they show it in use. Registering the
plugin module here would make its fixtures global again, and `pytest_plugins` is refused in a
non-root conftest, so this file adds just two things, scoped to examples/:

- the plugin's command-line options and ini keys (the fixtures read --stripe-seed), unless the
  plugin is active anyway;
- the plugin's own `stripe_events` and `stripe_webhooks` fixtures, imported unchanged, plus a
  `stripe_spec` that loads the repository's test spec, which lives outside the checkout (see
  the top-level conftest) where a project would pass --stripe-spec instead.
"""

from __future__ import annotations

import pytest

from conftest import spec_for
from stripe_contracts import pytest_plugin
from stripe_contracts.pytest_plugin import stripe_events, stripe_webhooks
from stripe_contracts.spec import Spec

__all__ = ["stripe_events", "stripe_spec", "stripe_webhooks"]


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if not pluginmanager.has_plugin("stripe_contracts"):
        pytest_plugin.pytest_addoption(parser)


@pytest.fixture(params=["2023-08-16", "2026-05-27.dahlia"])
def stripe_spec(request: pytest.FixtureRequest) -> Spec:
    # Function scope (spec_for is cached, so it costs nothing) lets the top-level conftest's
    # autouse fixture point the parsed-spec cache at a temp dir before the spec is loaded.
    # Both a pre-basil version and a basil-era one: the apps read only what both send.
    return spec_for(str(request.param))
