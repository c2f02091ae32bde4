"""The course definition: exercises, points, languages, forbidden routines, the MNIST
recipe, public checks, every text (messages) and the notebook lessons. The one place to
edit when the course changes.
"""
