"""Options every spec-reading command shares, so they read the same on every command."""

from __future__ import annotations

import argparse
from pathlib import Path

from stripe_contracts.spec import Spec, VersionSet, load_spec


def add_spec_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec",
        action="append",
        type=Path,
        metavar="PATH",
        help="OpenAPI spec file or directory; repeat to layer documents (default: "
        "$STRIPE_CONTRACTS_SPEC, then ./schemas/, then the pin in "
        "./schemas/stripe-spec.lock.json, then the built-in spec; `stripe-contracts specs` "
        "lists them)",
    )
    parser.add_argument("--api-version", help="Stripe API version to pick from a directory")


def spec_from_args(args: argparse.Namespace) -> Spec:
    return load_spec(args.spec, api_version=args.api_version, front_end="cli")


def add_version_options(parser: argparse.ArgumentParser) -> None:
    """--newer-spec and --strict: how fields of newer API versions are told apart from typos."""
    parser.add_argument(
        "--newer-spec",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="a spec of a later API version than the pinned one; repeatable. A property or "
        "enum value the pinned version lacks but a newer spec on hand defines is a note "
        "('added in <version>': Stripe sends new properties to older versions too), not a "
        "violation; one no version defines is a violation. Newer specs on hand always count: "
        "the built-in spec and the other versions in a --spec directory",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat notes as violations: only the pinned version's schema is accepted",
    )


def versions_from_args(args: argparse.Namespace, spec: Spec) -> VersionSet:
    return VersionSet.on_hand(spec, sources=args.spec, newer=args.newer_spec, front_end="cli")


def add_settings_options(parser: argparse.ArgumentParser) -> None:
    """The account's billing settings (`BillingSettings`), each defaulting to Stripe's."""
    from stripe_contracts.graph.settings import (
        INVOICE_ENDINGS,
        PAYMENT_BEHAVIORS,
        SUBSCRIPTION_ENDINGS,
    )

    group = parser.add_argument_group("account billing settings (default: Stripe's)")
    group.add_argument(
        "--payment-behavior",
        choices=PAYMENT_BEHAVIORS,
        help="how subscriptions are created (default allow_incomplete: paid at once when "
        "the card works; default_incomplete: the client confirms the PaymentIntent)",
    )
    group.add_argument(
        "--retries",
        metavar="smart|DAYS",
        help="'smart' (Smart Retries: 8 tries within 2 weeks, the default) or a custom "
        "schedule: days after the first failure, comma-separated, e.g. 3,5,7",
    )
    group.add_argument(
        "--subscription-after-retries",
        choices=SUBSCRIPTION_ENDINGS,
        help="what becomes of the subscription when every retry failed (default unpaid)",
    )
    group.add_argument(
        "--invoice-after-retries",
        choices=INVOICE_ENDINGS,
        help="what becomes of the invoice when every retry failed (default open)",
    )
    group.add_argument(
        "--finalization-grace-hours",
        type=float,
        metavar="HOURS",
        help="hours a subscription's draft invoice waits before it is finalized (default 1)",
    )
    group.add_argument(
        "--upcoming-days",
        type=int,
        metavar="DAYS",
        help="days before an automatic invoice that invoice.upcoming is sent (default 3)",
    )


#: CLI option -> BillingSettings field, for the options `add_settings_options` adds.
SETTINGS_OPTIONS = {
    "payment_behavior": "--payment-behavior",
    "retries": "--retries",
    "subscription_after_retries": "--subscription-after-retries",
    "invoice_after_retries": "--invoice-after-retries",
    "finalization_grace_hours": "--finalization-grace-hours",
    "upcoming_days": "--upcoming-days",
}


def settings_from_args(args: argparse.Namespace) -> dict[str, object]:
    """The settings the user gave (field -> value), checked; empty when none was given."""
    from stripe_contracts.errors import StripeContractsError
    from stripe_contracts.graph.settings import BillingSettings

    given: dict[str, object] = {
        field: getattr(args, field)
        for field in SETTINGS_OPTIONS
        if getattr(args, field, None) is not None
    }
    retries = given.get("retries")
    if isinstance(retries, str) and retries != "smart":
        try:
            given["retries"] = [int(day) for day in retries.split(",")]
        except ValueError:
            raise StripeContractsError(
                f"--retries {retries!r} is not 'smart' or a list of days",
                hint="e.g. --retries smart or --retries 3,5,7",
            ) from None
    BillingSettings.from_dict(given)  # checked now: a bad value is a usage error (exit 2)
    return given


def webhook_secret(text: str) -> str:
    """argparse `type=` for a webhook signing secret: a clear usage error (exit 2) if malformed."""
    from stripe_contracts.errors import InvalidArgument
    from stripe_contracts.webhooks.signing import check_webhook_secret

    try:
        return check_webhook_secret(text, name="the secret")
    except InvalidArgument as exc:
        raise argparse.ArgumentTypeError(f"{exc.message} ({exc.hint})") from None


def out_directory(text: str) -> Path:
    """argparse `type=` for `--out DIR`: a bundle is a directory of files, never stdout."""
    if text == "-":
        raise argparse.ArgumentTypeError(
            "a bundle is a directory of files and cannot go to stdout ('-'): name a "
            "directory, e.g. --out bundle/"
        )
    return Path(text)
