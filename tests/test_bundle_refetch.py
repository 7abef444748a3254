"""A handler that re-fetches any id an event names finds it in the bundle.

Stripe recommends fetching the object by id instead of trusting an event's payload (the
"retrieve the object" step of https://docs.stripe.com/webhooks#handle-events); dj-stripe does
exactly that, and treats a 404 as a deletion. So a bundle's `objects/` must hold the latest
state of every object its events carry or name, for every flow and every API version on hand.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import SHARED, referenced_ids
from stripe_contracts.export import flow_files
from stripe_contracts.scenarios import FLOWS, run_flow
from stripe_contracts.spec import load_spec

VERSIONS = ("2020-08-27", "2023-08-16", "2026-05-27.dahlia")


def unresolved(files: dict[str, bytes]) -> tuple[list[tuple[str, str]], int]:
    """(event type, id) of every id named by an event but missing from `objects/`, and how
    many ids were named in all."""
    manifest: dict[str, Any] = json.loads(files["manifest.json"])
    held = {entry["id"] for entry in manifest["objects"]}
    missing: list[tuple[str, str]] = []
    named = 0
    for entry in manifest["events"]:
        event = json.loads(files[entry["file"]])
        obj = event["data"]["object"]
        ids = [("id", obj["id"])] if isinstance(obj.get("id"), str) else []
        for key, object_id in [*ids, *referenced_ids(obj)]:
            if key in ("client_secret", "type"):
                continue  # `pi_..._secret_...`, `price_details`: not ids
            if object_id.startswith("upcoming_"):
                continue  # a preview is not an object Stripe can return by id
            named += 1
            if object_id not in held:
                missing.append((event["type"], object_id))
    return missing, named


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", FLOWS)
def test_every_id_an_event_names_is_in_the_bundle(version: str, name: str) -> None:
    spec = load_spec(SHARED / f"spec3.{version}.json")
    if name == "trial-no-payment-method" and version == "2020-08-27":
        with pytest.raises(Exception, match="paused"):
            run_flow(name, spec)
        return
    files = flow_files(run_flow(name, spec, seed=2), params={})
    missing, named = unresolved(files)
    assert named > 0
    assert missing == []
