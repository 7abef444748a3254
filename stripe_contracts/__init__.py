"""Contract tests and consistent fixtures for Stripe Billing integrations."""

from stripe_contracts.errors import (
    ContractViolation,
    InvalidArgument,
    SpecError,
    StripeContractsError,
    UnknownObjectType,
)
from stripe_contracts.spec import PinnedSpec, Spec, load_spec
from stripe_contracts.validation import Violation, assert_valid, validate

__all__ = [
    # errors
    "ContractViolation",
    "InvalidArgument",
    # spec
    "PinnedSpec",
    "Spec",
    "SpecError",
    "StripeContractsError",
    "UnknownObjectType",
    # validation
    "Violation",
    "assert_valid",
    "load_spec",
    "validate",
]
