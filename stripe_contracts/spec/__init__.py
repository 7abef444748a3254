"""Stripe OpenAPI specs: loading, layering, indexing (and skeletons, in `skeleton`)."""

from stripe_contracts.spec._documents import cache_dir
from stripe_contracts.spec._model import Expandable, Spec
from stripe_contracts.spec._sources import (
    BUILTIN_SPEC,
    ENV_VAR,
    PinnedSpec,
    SpecOnHand,
    download,
    is_excerpt,
    load_spec,
    specs_on_hand,
)
from stripe_contracts.spec.versions import VersionSet, version_date

__all__ = [
    "BUILTIN_SPEC",
    "ENV_VAR",
    "Expandable",
    "PinnedSpec",
    "Spec",
    "SpecOnHand",
    "VersionSet",
    "cache_dir",
    "download",
    "is_excerpt",
    "load_spec",
    "specs_on_hand",
    "version_date",
]
