"""Runnable examples of stripe-contracts with real web frameworks; see README.md."""
