"""Compare every pair of submissions, exercise by exercise, with copydetect's winnowing.

>>> pair = Pair("ana", "ben", "maxpool", 0.91, 0.88, 412)
>>> pair.similarity
0.91
"""
from __future__ import annotations

import concurrent.futures as futures
import io
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from copydetect import CodeFingerprint
from copydetect.utils import get_copied_slices

from grader.similarity.code import exercise_code, given_code

# copydetect's defaults: k-grams of 25 filtered characters, every k-gram kept (window 1).
NOISE = 25
WINDOW = 1
REFERENCE = "(reference)"


@dataclass(frozen=True)
class Pair:
    """Two submissions' similarity on one exercise.

    ``a_in_b`` is the share of a's own code (boilerplate left out) also found in b's,
    ``b_in_a`` the reverse; ``tokens`` counts the matched filtered tokens of a.
    """

    a: str
    b: str
    exercise: str
    a_in_b: float
    b_in_a: float
    tokens: int
    slices_a: tuple[tuple[int, int], ...] = ()
    slices_b: tuple[tuple[int, int], ...] = ()

    @property
    def similarity(self) -> float:
        """The larger direction: a short copy inside a long submission still shows."""
        return max(self.a_in_b, self.b_in_a)


@dataclass(frozen=True)
class Prints:
    """One code's winnowed fingerprint as arrays, for fast pairwise overlap.

    ``hashes[i]`` is the hash of the k-gram at ``positions[i]`` of the filtered code;
    ``unique`` the sorted distinct hashes; ``coverage`` how many filtered characters
    the kept k-grams cover; ``offsets`` copydetect's map back to the raw code.
    """

    hashes: np.ndarray
    positions: np.ndarray
    unique: np.ndarray
    coverage: float
    offsets: np.ndarray


def fingerprint(code: str, boilerplate: np.ndarray) -> CodeFingerprint | None:
    """copydetect's fingerprint of ``code`` without the boilerplate's k-grams (None when empty)."""
    if not code.strip():
        return None
    print_ = CodeFingerprint("code.py", NOISE, WINDOW, boilerplate, language="python", fp=io.StringIO(code))
    return print_ if print_.hashes else None


def prints(code: str, boilerplate: np.ndarray) -> Prints | None:
    """The arrays of :func:`fingerprint` (None when nothing is left of ``code``)."""
    print_ = fingerprint(code, boilerplate)
    if print_ is None:
        return None
    items = [(h, i) for h, positions in print_.hash_idx.items() for i in positions]
    hashes = np.array([h for h, _ in items], dtype=np.int64)
    return Prints(hashes, np.array([i for _, i in items], dtype=np.int64), np.unique(hashes),
                  float(print_.token_coverage), np.asarray(print_.offsets))


def boilerplate_hashes(exercise: str) -> np.ndarray:
    """The k-gram hashes of everything students were given for ``exercise``."""
    hashes = [h for code in given_code(exercise) if (fp := fingerprint(code, np.array([]))) for h in fp.hashes]
    return np.unique(np.array(hashes, dtype=np.int64))


def _raw(slices: np.ndarray, offsets: np.ndarray) -> tuple[tuple[int, int], ...]:
    """Slices of the filtered code mapped back to the raw code (as copydetect.compare_files does)."""
    if len(offsets) > 0:
        slices = slices + offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], slices), 0, offsets.shape[0] - 1)]
    return tuple((int(start), int(end)) for start, end in zip(*slices))


def overlap(a: Prints, b: Prints) -> tuple[int, float, float, np.ndarray, np.ndarray]:
    """copydetect.compare_files on arrays: matched tokens of a, a-in-b, b-in-a, and both slices.

    The same numbers as ``compare_files`` (tests/test_similarity.py checks it), vectorised:
    the per-hash Python loop there costs milliseconds a pair, too slow for 200 students.
    """
    shared = np.intersect1d(a.unique, b.unique, assume_unique=True)
    if not len(shared):
        empty = np.array([[], []])
        return 0, 0.0, 0.0, empty, empty
    slices_a = get_copied_slices(a.positions[np.isin(a.hashes, shared)], NOISE)
    slices_b = get_copied_slices(b.positions[np.isin(b.hashes, shared)], NOISE)
    tokens_a = int(np.sum(slices_a[1] - slices_a[0]))
    tokens_b = int(np.sum(slices_b[1] - slices_b[0]))
    return tokens_a, tokens_a / a.coverage, tokens_b / b.coverage, slices_a, slices_b


def compare_exercise(exercise: str, codes: Mapping[str, str]) -> list[Pair]:
    """Every pair of ``codes`` (submission -> its code for ``exercise``) that shares any k-gram."""
    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # copydetect warns per file
    boilerplate = boilerplate_hashes(exercise)
    found = {name: p for name, code in codes.items() if (p := prints(code, boilerplate)) is not None}
    pairs = []
    for a, b in itertools.combinations(sorted(found), 2):
        tokens, a_in_b, b_in_a, slices_a, slices_b = overlap(found[a], found[b])
        if tokens:
            pairs.append(Pair(a, b, exercise, a_in_b, b_in_a, tokens,
                              _raw(slices_a, found[a].offsets), _raw(slices_b, found[b].offsets)))
    return pairs


def compare_class(submissions: Mapping[str, Path], exercises: Sequence[str], *,
                  reference: Mapping[str, str] | None = None, jobs: int = 1) -> tuple[list[Pair], dict]:
    """All pairs of all exercises, most similar first, and the code they were computed on.

    Args:
        submissions: student id -> submission folder.
        reference: exercise -> reference code, compared with every submission as ``REFERENCE``.
        jobs: processes comparing exercises in parallel.

    Returns:
        the pairs sorted by similarity (then names), and {exercise: {name: code}}.
    """
    codes = {exercise: {student: exercise_code(folder, exercise) for student, folder in submissions.items()}
             for exercise in exercises}
    for exercise in exercises:
        if reference and reference.get(exercise):
            codes[exercise][REFERENCE] = reference[exercise]
    with futures.ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = pool.map(compare_exercise, exercises, [codes[e] for e in exercises])
        pairs = [pair for result in results for pair in result]
    pairs.sort(key=lambda p: (-p.similarity, p.exercise, p.a, p.b))
    return pairs, codes
