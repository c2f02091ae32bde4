"""convkit's engine: stub generation, grading, the nbgrader course and MNIST data."""
