"""Isolation: per-worker limits, starting a worker process, and the bubblewrap sandbox.
"""
