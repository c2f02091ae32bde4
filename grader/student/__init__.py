"""What students run themselves: ``convkit check``, the public checks with hints.
"""
