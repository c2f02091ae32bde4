"""Similarity: which submissions share code beyond what every student was given.

Winnowing over Pygments tokens (``copydetect``, as MOSS does), exercise by exercise, with
the stubs' and released notebooks' own code as boilerplate. A high score is a reason to
look at two submissions side by side, never a verdict.
"""

# A pair is worth a look when one side shares at least this share of its own code with
# the other (kept here, light to import, so ``convkit similarity --help`` can show it).
THRESHOLD = 0.5
# The HTML shows at most this many pairs (the most similar): enough to review, bounded for
# a class of hundreds; only these pairs get their matched regions computed.
MAX_SHOWN = 100
