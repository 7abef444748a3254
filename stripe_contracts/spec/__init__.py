"""Stripe OpenAPI specs: loading, layering, indexing (and skeletons, in `skeleton`)."""

from stripe_contracts.spec._documents import cache_dir
from stripe_contracts.spec._model import Expandable, Spec
from stripe_contracts.spec._sources import ENV_VAR, PinnedSpec, download, is_excerpt, load_spec

__all__ = [
    "ENV_VAR",
    "Expandable",
    "PinnedSpec",
    "Spec",
    "cache_dir",
    "download",
    "is_excerpt",
    "load_spec",
]
