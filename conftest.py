"""Shared test set-up: Stripe's real specs and example objects, loaded from outside the repo.

They are Stripe's data and are never committed here: they live in `../shared/stripe-openapi/`
beside the checkout, or wherever `STRIPE_CONTRACTS_SHARED` points.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from stripe_contracts.spec import Spec, load_spec

SHARED = Path(
    os.environ.get(
        "STRIPE_CONTRACTS_SHARED", Path(__file__).resolve().parent.parent / "shared/stripe-openapi"
    )
)
VERSIONS = ("2020-08-27", "2023-08-16")
EXCERPT = SHARED / "entitlements.2026-09-30.json"


@cache
def spec_for(version: str) -> Spec:
    """A full spec with the entitlements excerpt layered over it."""
    return load_spec([SHARED / f"spec3.{version}.json", EXCERPT])


@cache
def fixtures_for(version: str) -> dict[str, Any]:
    """Stripe's example object per resource for `version` ('2026' for the newest shapes)."""
    name = "fixtures3.2026.json" if version == "2026" else f"fixtures3.{version}.json"
    resources: dict[str, Any] = json.loads((SHARED / name).read_text())["resources"]
    return resources


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def spec(version: str) -> Spec:
    return spec_for(version)


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsed-spec cache in a per-session temp dir, never the developer's ~/.cache."""
    monkeypatch.setenv("STRIPE_CONTRACTS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
