"""One exception tree for everything stripe-contracts raises on purpose.

Each error says what failed, where, and how to fix it. Named constructors keep those three
parts together so messages stay uniform across the package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from stripe_contracts.validation import Violation


def one_line(text: str) -> str:
    """`text` with every run of white space (new lines too) made one space: a command's error
    is one line, whatever the parser or the OS put in the reason it quotes."""
    return " ".join(text.split())


class StripeContractsError(Exception):
    """Base class: a user mistake or bad input, reported in one precise message."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message}\n  hint: {hint}" if hint else message)


#: Which front end asked for a spec: its hints name the options the user can type there.
FrontEnd = Literal["library", "cli", "pytest"]

#: How each front end spells "use this spec" and "use this API version".
SPEC_OPTIONS: dict[FrontEnd, tuple[str, str]] = {
    "library": ("load_spec(PATH)", "load_spec(..., api_version=VERSION)"),
    "cli": ("--spec PATH", "--api-version VERSION"),
    "pytest": (
        "--stripe-spec=PATH (or the ini key stripe_contracts_spec)",
        "--stripe-api-version=VERSION (or the ini key stripe_contracts_api_version)",
    ),
}
assert set(SPEC_OPTIONS) == set(get_args(FrontEnd))


class SpecError(StripeContractsError):
    """A spec could not be found, read, parsed or trusted.

    Constructors take `front_end` so the hint names the option of the front end in use:
    `--spec` on the command line, `--stripe-spec` under pytest, `load_spec(PATH)` in code.
    """

    @classmethod
    def missing(cls, source: str, *, front_end: FrontEnd = "library") -> SpecError:
        spec_option, _ = SPEC_OPTIONS[front_end]
        return cls(
            f"no Stripe OpenAPI spec at {source}",
            hint=f"pass {spec_option}, or set STRIPE_CONTRACTS_SPEC to a spec file or a "
            "directory of specs (with none configured, the spec built into the package is used)",
        )

    @classmethod
    def unreadable(cls, source: str, reason: str, *, front_end: FrontEnd = "library") -> SpecError:
        spec_option, _ = SPEC_OPTIONS[front_end]
        return cls(
            f"cannot parse spec {source}: {reason}",
            hint="the file must be a complete OpenAPI 3.0 document in JSON or YAML (optionally "
            f"xz-compressed); download it again if it was truncated, or pass another with "
            f"{spec_option}",
        )

    @classmethod
    def not_openapi(cls, source: str, *, front_end: FrontEnd = "library") -> SpecError:
        spec_option, _ = SPEC_OPTIONS[front_end]
        return cls(
            f"{source} is not an OpenAPI document (no 'openapi' version and 'components.schemas')",
            hint="use Stripe's spec3.json / spec3.yaml from github.com/stripe/openapi, passed "
            f"with {spec_option}",
        )

    @classmethod
    def malformed(
        cls, source: str, pointer: str, problem: str, *, front_end: FrontEnd = "library"
    ) -> SpecError:
        spec_option, _ = SPEC_OPTIONS[front_end]
        return cls(
            f"spec {source} at {pointer}: {problem}",
            hint="the document is not a Stripe spec as published (edited, or damaged); "
            f"download it again from github.com/stripe/openapi, or pass another with {spec_option}",
        )

    @classmethod
    def checksum(cls, source: str, expected: str, actual: str) -> SpecError:
        return cls(
            f"checksum mismatch for {source}: expected sha256 {expected}, got {actual}",
            hint="the download is not the pinned spec; update the pinned sha256 only if you "
            "meant to change the spec version",
        )

    @classmethod
    def no_version(
        cls,
        source: str,
        wanted: str,
        available: Sequence[str],
        *,
        front_end: FrontEnd = "library",
    ) -> SpecError:
        listed = ", ".join(sorted(available)) or "none"
        spec_option, version_option = SPEC_OPTIONS[front_end]
        return cls(
            f"no spec for Stripe API version {wanted!r} in {source} (available: {listed})",
            hint=f"pick one of the available versions with {version_option}, or pass that "
            f"version's spec3.json with {spec_option}",
        )


class UnknownObjectType(StripeContractsError):
    """The object's `object` field names no resource in the loaded spec."""


class ContractViolation(StripeContractsError, AssertionError):
    """An object does not satisfy Stripe's spec; raised by `assert_valid`."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        lines = [v.message for v in self.violations]
        count = len(lines)
        head = f"{count} contract violation{'s' if count != 1 else ''}:"
        super().__init__("\n  ".join([head, *lines]))


class InvalidArgument(StripeContractsError):
    """A builder or CLI argument is outside what is allowed."""

    @classmethod
    def choice(cls, name: str, value: object, allowed: Sequence[object]) -> InvalidArgument:
        import difflib

        options = ", ".join(repr(a) for a in allowed)
        texts = [a for a in allowed if isinstance(a, str)]
        close = difflib.get_close_matches(value, texts, n=1) if isinstance(value, str) else []
        guess = f"did you mean {close[0]!r}? " if close else ""
        return cls(f"{name}={value!r} is not allowed", hint=f"{guess}use one of: {options}")
