from __future__ import annotations

import hashlib
import http.server
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import EXCERPT, SHARED, loopback_server
from stripe_contracts.errors import SpecError, UnknownObjectType
from stripe_contracts.spec import ENV_VAR, PinnedSpec, _documents, _sources, load_spec

SPEC_2023 = SHARED / "spec3.2023-08-16.json"


def tiny_spec(version: str = "2099-01-01", **schemas: dict[str, object]) -> dict[str, object]:
    body = schemas or {
        "widget": {
            "type": "object",
            "x-resourceId": "widget",
            "properties": {"object": {"type": "string", "enum": ["widget"]}},
        }
    }
    return {"openapi": "3.0.0", "info": {"version": version}, "components": {"schemas": body}}


def test_file_is_indexed_by_object_type_and_version() -> None:
    spec = load_spec(SPEC_2023)
    assert spec.api_version == "2023-08-16"
    assert spec.schema_name_for("subscription") == "subscription"
    assert spec.schema_name_for("line_item") == "line_item"
    assert spec.schema_name_for("customer", deleted=True) == "deleted_customer"
    latest = spec.expandable_fields("subscription")["latest_invoice"]
    assert latest.targets == ("invoice",) and not latest.is_list
    assert spec.expandable_fields("subscription")["customer"].targets == (
        "customer",
        "deleted_customer",
    )
    assert "items" not in spec.expandable_fields("subscription")  # a sub-hash, not an id


def test_excerpt_layers_over_full_spec_and_keeps_its_own_version() -> None:
    spec = load_spec([SPEC_2023, EXCERPT])
    assert spec.api_version == "2023-08-16"
    assert spec.schema_name_for("entitlements.feature") == "entitlements.feature"
    assert spec.version_of("entitlements.active_entitlement") == "2026-09-30.endive"
    assert spec.version_of("subscription") == "2023-08-16"
    # the excerpt's `error` references `api_errors`, which only the full spec defines
    assert "api_errors" in spec.closure("error")


def test_directory_is_chosen_by_api_version_with_excerpts_layered() -> None:
    old = load_spec(SHARED, api_version="2020-08-27")
    assert [d.api_version for d in old.documents] == ["2020-08-27", "2026-09-30.endive"]
    newest = load_spec(SHARED)
    assert newest.api_version == "2026-05-27.dahlia"


def test_directory_without_the_version_names_what_it_has() -> None:
    with pytest.raises(SpecError, match=r"2019-12-03.*available: 2020-08-27, 2023-08-16"):
        load_spec(SHARED, api_version="2019-12-03")


def test_yaml_spec_loads_like_json(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(tiny_spec()))
    assert load_spec(path).schema_name_for("widget") == "widget"


def test_warm_load_reads_the_disk_cache_not_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(tiny_spec()))
    load_spec(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert list((_documents.cache_dir() / "parsed").glob(f"{digest}.*"))
    _documents._in_process.clear()

    def no_parsing(*args: object) -> None:
        raise AssertionError("the warm load parsed the document again")

    monkeypatch.setattr(_documents, "_parse", no_parsing)
    assert load_spec(path).schema_name_for("widget") == "widget"


def test_resolution_order_env_then_schemas_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "spec.json").write_text(json.dumps(tiny_spec("2001-01-01")))
    (tmp_path / "schemas" / "manifest.schema.json").write_text('{"type": "object"}')
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert load_spec(project_dir=tmp_path).api_version == "2001-01-01"
    monkeypatch.setenv(ENV_VAR, str(SPEC_2023))
    assert load_spec(project_dir=tmp_path).api_version == "2023-08-16"
    assert load_spec(tiny_spec("2002-02-02"), project_dir=tmp_path).api_version == "2002-02-02"


def test_nothing_configured_and_no_builtin_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(_sources, "BUILTIN_SPEC", tmp_path / "not-installed.json.xz")
    with pytest.raises(SpecError, match=ENV_VAR) as info:
        load_spec(project_dir=tmp_path)
    assert "stripe-spec.lock.json" in str(info.value)
    assert "not-installed.json.xz (the built-in spec is not installed)" in str(info.value)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, bytes]]:
    body = json.dumps(tiny_spec("2003-03-03")).encode()
    (tmp_path / "spec.json").write_bytes(body)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    with loopback_server(Quiet) as base:
        yield f"{base}/spec.json", body


def test_pinned_download_is_checked_and_cached(served: tuple[str, bytes]) -> None:
    url, body = served
    pin = PinnedSpec(url=url, sha256=hashlib.sha256(body).hexdigest())
    assert load_spec(pin).api_version == "2003-03-03"
    cached = _documents.cache_dir() / "downloads" / f"{pin.sha256}.json"
    assert cached.read_bytes() == body


def test_pinned_download_with_wrong_checksum_is_an_error(served: tuple[str, bytes]) -> None:
    url, _ = served
    with pytest.raises(SpecError, match="checksum mismatch"):
        load_spec(PinnedSpec(url=url, sha256="0" * 64))
    assert not list((_documents.cache_dir() / "downloads").glob("0000*"))


def test_lock_file_pins_the_download(
    served: tuple[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, body = served
    project = tmp_path / "project"
    (project / "schemas").mkdir(parents=True)
    lock = {"url": url, "sha256": hashlib.sha256(body).hexdigest()}
    (project / "schemas" / "stripe-spec.lock.json").write_text(json.dumps(lock))
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert load_spec(project_dir=project).api_version == "2003-03-03"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "missing.json", "no Stripe OpenAPI spec"),
        (b"", "empty.json", "the file is empty"),
        (SPEC_2023.read_bytes()[:5000], "truncated.json", "invalid JSON"),
        (b"just: [a, yaml, list", "broken.yaml", "invalid YAML"),
        (b"title: not openapi\n", "other.yaml", "is not an OpenAPI document"),
    ],
)
def test_bad_spec_files_raise_one_clear_error(
    tmp_path: Path, content: bytes | None, name: str, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SpecError, match=message) as info:
        load_spec(path)
    assert name in str(info.value)


def test_unknown_object_type_suggests_a_close_one() -> None:
    with pytest.raises(UnknownObjectType, match="did you mean 'subscription'"):
        load_spec(SPEC_2023).schema_name_for("subscriptions")


def test_a_damaged_cache_entry_falls_back_to_the_document(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(tiny_spec()))
    load_spec(path)
    for blob in (_documents.cache_dir() / "parsed").glob("*.blobs.marshal"):
        blob.write_bytes(b"not marshal")
    _documents._in_process.clear()
    spec = load_spec(path)  # the index is fine; the schemas are read when first used
    assert spec.schema("widget")["x-resourceId"] == "widget"


def test_a_changed_document_behind_a_damaged_cache_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(tiny_spec()))
    load_spec(path)
    for blob in (_documents.cache_dir() / "parsed").glob("*.blobs.marshal"):
        blob.unlink()
    _documents._in_process.clear()
    spec = load_spec(path)  # from the cached index; the schemas are not read yet
    path.write_text(json.dumps(tiny_spec("2099-12-31")))  # changed after its index was read
    with pytest.raises(SpecError, match="checksum mismatch"):
        spec.schema("widget")
