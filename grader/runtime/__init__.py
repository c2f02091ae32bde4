"""The worker runtime: the only code that runs beside student code (untrusted side).

This package is copied whole into each worker's private runtime folder. It imports only
the standard library, torch and itself.
"""
