"""The run seed of graded work: secret unless the instructor names one.

A submission's random test configurations come from the run seed and its student id
(grader/grading/submission.py). The id is a folder name or a platform's user id, and the
kit's source (the hidden suites included) may be in anyone's hands, so with a known run
seed a student can grade a copy of the reference offline under their own id, record
every call the suites make, and hand in torch's answers to exactly those inputs. The
seed of graded work is therefore a secret, kept where only the instructor reads it:

- an output folder of ``convkit grade`` keeps its seed in ``DIR/.convkit-seed`` (mode
  0600): drawn on the folder's first run (or the ``--seed`` that run was given) and used
  by every later run into it, so a re-run reuses the result cache and a regrade gives the
  same grade;
- a Gradescope or PrairieLearn package carries one drawn when it is built.

The seed is never written into grades, feedback or the report, nor printed.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from grader.grading.outputs import OutputError, unusable, write_atomic

SEED_FILE = ".convkit-seed"
_SEED_TEXT = re.compile(r"-?[0-9]{1,40}\n?")


def fresh_seed() -> int:
    """A new secret run seed, uniform in 1 .. 2**63 - 1 (never 0, the kit's own runs' seed)."""
    return secrets.randbelow(2**63 - 1) + 1


def stored_seed(out: Path) -> Optional[int]:
    """The run seed stored in the output folder ``out``; None when it has none yet.

    Raises:
        OutputError: ``out`` is not a folder, or its seed file cannot be read or holds no
            seed (the message never quotes the file).
    """
    path = out / SEED_FILE
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except NotADirectoryError as error:  # out, or a folder above it, is a file
        raise unusable(out, error) from error
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not a decimal number"
        raise OutputError(f"cannot read the run seed of output folder {out} in {path}: {reason}; "
                          "nothing was graded") from error
    if not _SEED_TEXT.fullmatch(text):
        raise OutputError(f"{path} does not hold a run seed (one decimal number): restore it, or delete it to draw "
                          "a new one (every submission in the folder is then graded again); nothing was graded")
    return int(text)


@dataclass(frozen=True)
class FolderSeed:
    """The seed a run into an output folder uses, and how it was chosen."""

    seed: int
    drawn: bool = False  # a fresh secret seed was drawn and stored by this run
    overrides: bool = False  # an explicit seed other than the folder's stored one (which is kept)


def folder_seed(out: Path, explicit: Optional[int] = None) -> FolderSeed:
    """The run seed of a run into the output folder ``out``.

    ``explicit`` (``--seed``) wins when given. Otherwise the folder's stored seed is used;
    a folder without one gets one before any grading: ``explicit`` if given, else a fresh
    secret one, stored atomically in ``out/SEED_FILE``, readable by its owner only. A stored
    seed is never replaced.

    Raises:
        OutputError: ``out`` cannot hold the seed (not a folder, not writable, full) or
            its seed file is unreadable.
    """
    stored = stored_seed(out)
    if stored is not None:
        return FolderSeed(stored if explicit is None else explicit, overrides=explicit not in (None, stored))
    seed = fresh_seed() if explicit is None else explicit
    try:
        write_atomic(out / SEED_FILE, f"{seed}\n", mode=0o600)
    except OSError as error:
        raise unusable(out, error) from error
    return FolderSeed(seed, drawn=explicit is None)
