"""Billing flows as timelines of graph states, and the webhook events derived from them."""

from stripe_contracts.scenarios.catalog import FLOWS, run_flow
from stripe_contracts.scenarios.events import EVENT_ORDER, build_events
from stripe_contracts.scenarios.timeline import Scenario, State

__all__ = ["EVENT_ORDER", "FLOWS", "Scenario", "State", "build_events", "run_flow"]
