"""Exception type names and messages that are not valid Unicode, with terminal escapes.

Before: the lone surrogates came back over the wire, the atomic writer's UTF-8 encode
raised, and no grades.json was written for anyone.
"""
from pathlib import Path

from _reference import source, write

CODE = '''

# (A type name must be encodable, so it carries escapes; the message carries surrogates.)
_Bad = type("Bad\\x1b[2J\\u202e", (ValueError,), {})


def calculate_out(*args, **kwargs):
    raise _Bad("caf\\udce9 \\ud800 \\x1b]0;pwned\\x07 \\x00 done")
'''


def build(folder: Path) -> None:
    write(folder, "output_size.py", source("output_size") + CODE)
