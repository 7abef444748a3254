"""The spec built into the package: the last source, cached like any file, never decompressed
on a warm load; and errors that name the option of the front end that asked."""

from __future__ import annotations

import hashlib
import json
import lzma
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SHARED
from stripe_contracts.cli import main
from stripe_contracts.errors import SpecError
from stripe_contracts.spec import BUILTIN_SPEC, ENV_VAR, _documents, load_spec

BUILTIN_VERSION = "2026-05-27.dahlia"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory with no spec configured, and a parse cache of its own."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("STRIPE_CONTRACTS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(_documents, "_in_process", {})
    return work


def test_the_builtin_spec_is_the_shared_dahlia_spec_compressed_as_it_is() -> None:
    assert BUILTIN_SPEC.name == f"spec3.{BUILTIN_VERSION}.json.xz"
    shared = SHARED / f"spec3.{BUILTIN_VERSION}.json"
    assert lzma.decompress(BUILTIN_SPEC.read_bytes()) == shared.read_bytes()
    assert (BUILTIN_SPEC.parent / "LICENSE").read_bytes() == (SHARED / "LICENSE").read_bytes()
    assert (
        hashlib.sha256(shared.read_bytes()).hexdigest()
        in (BUILTIN_SPEC.parent / "README.md").read_text()
    )


def test_the_builtin_spec_is_the_only_spec_in_the_repository() -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    specs = [p for p in tracked if Path(p).name.startswith(("spec3", "fixtures3", "openapi"))]
    assert specs == [str(BUILTIN_SPEC.relative_to(REPO))]


def test_with_nothing_configured_the_builtin_spec_is_loaded(empty_dir: Path) -> None:
    spec = load_spec()
    assert spec.api_version == BUILTIN_VERSION
    assert [d.source for d in spec.documents] == [str(BUILTIN_SPEC)]
    assert spec.schema_name_for("invoice_payment") == "invoice_payment"


def test_every_configured_source_comes_before_the_builtin(
    empty_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = empty_dir / "schemas"
    schemas.mkdir()
    (schemas / "spec3.json").symlink_to(SHARED / "spec3.2020-08-27.json")
    assert load_spec().api_version == "2020-08-27"
    monkeypatch.setenv(ENV_VAR, str(SHARED / "spec3.2023-08-16.json"))
    assert load_spec().api_version == "2023-08-16"


def test_the_builtin_spec_goes_through_the_disk_cache_keyed_by_its_compressed_bytes(
    empty_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load_spec()
    digest = hashlib.sha256(BUILTIN_SPEC.read_bytes()).hexdigest()
    assert cold.documents[0].sha256 == digest
    assert list((_documents.cache_dir() / "parsed").glob(f"{digest}.*.index.marshal"))
    _documents._in_process.clear()

    def no_decompressing(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the warm load decompressed the built-in spec")

    monkeypatch.setattr(lzma, "decompress", no_decompressing)
    warm = load_spec()
    assert warm.api_version == BUILTIN_VERSION
    assert warm.schema("invoice_payment") == cold.schema("invoice_payment")


def test_a_compressed_spec_in_schemas_is_found(empty_dir: Path) -> None:
    schemas = empty_dir / "schemas"
    schemas.mkdir()
    raw = (SHARED / "spec3.2020-08-27.json").read_bytes()
    (schemas / "spec3.json.xz").write_bytes(lzma.compress(raw, preset=0))
    assert load_spec().api_version == "2020-08-27"


def test_a_damaged_compressed_spec_is_one_clear_error(empty_dir: Path) -> None:
    path = empty_dir / "spec3.json.xz"
    path.write_bytes(lzma.compress(b'{"openapi": "3.0.0"}')[:-10])
    with pytest.raises(SpecError, match=r"cannot parse spec .*spec3\.json\.xz: invalid xz data"):
        load_spec(path)


def test_generate_works_offline_in_an_empty_directory_with_the_builtin_spec(
    empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "signup", "--out", "b"]) == 0
    manifest = json.loads((empty_dir / "b" / "manifest.json").read_text())
    assert manifest["api_version"] == BUILTIN_VERSION
    assert f"(Stripe API {BUILTIN_VERSION})" in capsys.readouterr().out


# -- errors name the option of the front end that asked ----------------------------------------

FRONT_ENDS = {
    "library": ("load_spec(PATH)", "api_version=VERSION"),
    "cli": ("--spec PATH", "--api-version VERSION"),
    "pytest": ("--stripe-spec=PATH", "--stripe-api-version=VERSION"),
}


@pytest.mark.parametrize("front_end", list(FRONT_ENDS))
def test_a_missing_spec_names_the_option_of_the_front_end(front_end: str, empty_dir: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(empty_dir / "missing.json", front_end=front_end)  # type: ignore[arg-type]
    spec_option, _ = FRONT_ENDS[front_end]
    assert info.value.hint is not None and f"pass {spec_option}" in info.value.hint
    others = [o for f, (o, _) in FRONT_ENDS.items() if f != front_end]
    assert not any(f"pass {o}" in info.value.hint for o in others)


@pytest.mark.parametrize("front_end", list(FRONT_ENDS))
def test_a_missing_version_names_the_version_option_of_the_front_end(front_end: str) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(SHARED, api_version="2019-12-03", front_end=front_end)  # type: ignore[arg-type]
    _, version_option = FRONT_ENDS[front_end]
    assert info.value.hint is not None and version_option in info.value.hint


@pytest.mark.parametrize("front_end", list(FRONT_ENDS))
def test_an_unusable_spec_names_the_option_of_the_front_end(
    front_end: str, empty_dir: Path
) -> None:
    path = empty_dir / "spec3.json"
    path.write_text('{"title": "not openapi"}')
    with pytest.raises(SpecError, match="not an OpenAPI document") as info:
        load_spec(path, front_end=front_end)  # type: ignore[arg-type]
    spec_option, _ = FRONT_ENDS[front_end]
    assert info.value.hint is not None and spec_option in info.value.hint


def test_the_cli_names_its_own_flag_for_a_missing_spec(
    empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (empty_dir / "obj.json").write_text('{"object": "customer", "id": "cus_1"}')
    assert main(["validate", "--spec", "missing.json", "obj.json"]) == 2
    err = capsys.readouterr().err
    assert "no Stripe OpenAPI spec at missing.json" in err
    assert "hint: pass --spec PATH" in err and "--stripe-spec" not in err


def test_the_cli_names_its_own_flag_for_a_missing_version(
    empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", "signup", "--spec", str(SHARED), "--api-version", "2019-12-03"]
    assert main([*argv, "--out", "b"]) == 2
    err = capsys.readouterr().err
    assert "--api-version VERSION" in err and "--stripe-api-version" not in err
