"""Recorded Stripe traffic: form bodies, scrubbing, contract checks on cassettes.

Import the submodules you need (`stripe_contracts.cassettes.form`); this package exports
nothing so that importing it stays free of vcrpy and every other optional dependency.
"""
