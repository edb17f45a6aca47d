"""Benchmarks: is order-agent as quick as a hand-written script, and cheap in batches?

``python -m bench`` (or ``make bench``); see bench/README.md.
"""
