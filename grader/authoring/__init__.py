"""Authoring: the student stubs, notebooks and example submissions generated from the
reference solutions, and the demo that grades the examples.
"""
