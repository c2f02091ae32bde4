"""MNIST beyond grading: the reference models' results table.
"""
