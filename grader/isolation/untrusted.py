"""Text that came from a submission or its worker, made safe to store and show.

Everything a student controls (exception messages and type names, notes, file and folder
names, notebook content, nbgrader's ``timestamp.txt``) reaches the grading side as
arbitrary data: lone surrogates (an undecodable file name, ``"\\udce9"`` sent back by the
worker), control characters that rewrite an instructor's terminal, megabytes of text.
:func:`untrusted_text` is the one boundary: what it returns is valid Unicode (encodes as
UTF-8 without error), holds no control character but newline and tab, and is at most
``limit`` characters long (:func:`untrusted_name`: one line). Escaping for a format
(Markdown, HTML, CSV) is the writer's job.
"""
from __future__ import annotations

import os
import re
from typing import Any

# Lengths of the texts a grade can carry: each field of a student error, one whole test
# message, one note, a student id or file name. Generous for honest code, small enough
# that a class of hundreds keeps its feedback in megabytes.
FIELD_CHARS = 2_000
MESSAGE_CHARS = 8_000
NOTE_CHARS = 1_000
NAME_CHARS = 200
ELLIPSIS = "…"

# C0 and C1 controls (ESC sequences, NUL, carriage returns) but newline and tab; the
# line separators U+2028/9; the bidirectional overrides that reorder displayed text.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def untrusted_text(value: Any, limit: int) -> str:
    """``value`` as bounded, valid text: decoded with replacement, controls replaced, capped.

    Args:
        value: a ``str`` (possibly with lone surrogates), ``bytes``, a path, or anything
            else (then its ``type(value).__name__`` stands in: its ``__str__`` is not called,
            as it could be student code).
        limit: the most characters returned; longer text ends with "…".
    """
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if type(value) is bytes:
        text = value[: 4 * limit + 4].decode("utf-8", "replace")
    elif type(value) is str:
        # Cut before re-encoding, so a huge string costs nothing more than its prefix.
        text = _SURROGATE.sub("\ufffd", value[: limit + 1])
    elif type(value) in (int, float, bool) or value is None:
        text = str(value) if type(value) is not int or abs(value) < 10 ** 100 else "<a very large integer>"
    else:
        text = f"<{type(value).__name__}>"
    text = _CONTROL.sub("\ufffd", text)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def untrusted_name(name: str | bytes) -> str:
    r"""A file or folder name (``os.listdir`` keeps undecodable bytes as surrogates) as one
    line of text: a name is shown on one line (a progress bar, a table row), where a line
    break would let it print a line of its own.

    >>> untrusted_name(b"ana\nconvkit grade: graded 2\t\xe9") == "ana\ufffdconvkit grade: graded 2\ufffd\ufffd"
    True
    """
    raw = os.fsencode(name) if isinstance(name, str) else name
    return untrusted_text(raw, NAME_CHARS).replace("\n", "\ufffd").replace("\t", "\ufffd")
