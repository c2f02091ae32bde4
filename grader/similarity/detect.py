"""Compare every pair of submissions, exercise by exercise, with copydetect's winnowing.

Each step is done once per file, never once per pair:

1. tokenize: copydetect's Pygments filter of every distinct text, in a process pool (the
   slow step, 15-30 ms a file);
2. fingerprint: copydetect's k-gram hashes of each filtered text, the given code's removed,
   all in this process (Python salts ``hash`` per process, and copydetect hashes with it);
3. compare: an index of which submissions hold each hash gives, for one submission, which of
   its k-grams every other submission shares, and numpy counts the tokens they cover
   (the numbers of ``copydetect.compare_files``, without its Python loop per pair).

The matched regions (copydetect's slices) are computed only for the pairs the HTML shows.

>>> pair = Pair("ana", "ben", "maxpool", 0.91, 0.88, 412)
>>> pair.similarity
0.91
"""
from __future__ import annotations

import concurrent.futures as futures
import dataclasses
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from copydetect.utils import filter_code, get_copied_slices, get_document_fingerprints
from scipy import sparse

from grader.similarity import MAX_SHOWN
from grader.similarity.code import exercise_code, given_code

# copydetect's defaults: k-grams of 25 filtered characters, every k-gram kept (window 1).
NOISE = 25
WINDOW = 1
REFERENCE = "(reference)"
# Rows of one submission's k-grams x submissions compared at once: bounds the memory a
# very long submission takes (4096 x 200 submissions of int64 is 6.5 MB).
ROWS = 4096


@dataclass(frozen=True)
class Pair:
    """Two submissions' similarity on one exercise.

    ``a_in_b`` is the share of a's own code (boilerplate left out) also found in b's,
    ``b_in_a`` the reverse; ``tokens`` counts the matched filtered tokens of a. The slices
    (character ranges of the raw code) are filled only for the pairs the HTML shows.
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
class Tokens:
    """copydetect's filtered code (names -> V, strings -> S, comments and blanks dropped)
    and its ``offsets`` (n x 2: filtered index, characters removed before it), its map back
    to the raw code."""

    code: str
    offsets: np.ndarray


@dataclass(frozen=True)
class Prints:
    """One code's fingerprint: ``hashes[i]`` is the hash of the k-gram starting at
    ``positions[i]`` of the filtered code, ascending positions (n each); ``coverage`` how
    many filtered characters the kept k-grams cover; ``offsets`` as in :class:`Tokens`."""

    hashes: np.ndarray
    positions: np.ndarray
    coverage: float
    offsets: np.ndarray


def tokenize(code: str) -> Tokens:
    """copydetect's Pygments filter of ``code`` as Python."""
    filtered, offsets = filter_code(code, "code.py", language="python")
    return Tokens(filtered, offsets)


def tokenize_all(codes: Sequence[str], jobs: int) -> dict[str, Tokens]:
    """Every distinct text of ``codes`` tokenized once, on ``jobs`` processes."""
    distinct = sorted({code for code in codes if code.strip()}, key=len, reverse=True)
    if jobs <= 1 or len(distinct) < 2:
        return {code: tokenize(code) for code in distinct}
    # Longest first in small chunks, so neither process is left with the long tail.
    chunk = max(1, len(distinct) // (8 * jobs))
    with futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        return dict(zip(distinct, pool.map(tokenize, distinct, chunksize=chunk)))


def covered(starts: np.ndarray, chosen: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many characters the chosen k-grams cover, per column.

    Args:
        starts: ascending k-gram positions (n).
        chosen: which k-grams each column keeps (n x columns, bool).
        last: each column's last chosen position before ``starts`` (columns; -NOISE if none).

    Returns:
        the covered characters per column, and each column's last chosen position (columns
        each). Each chosen k-gram adds the characters past the previous chosen one, at most
        NOISE: what the slices of ``copydetect.utils.get_copied_slices`` add up to.
    """
    # int32 (positions are below MAX_BYTES) and a multiply by the mask: 3x faster than int64
    # and np.where on the class-sized arrays.
    starts = starts.astype(np.int32)[:, None]
    kept = np.where(chosen, starts, np.int32(-NOISE))
    latest = np.maximum.accumulate(np.vstack([last.astype(np.int32), kept]), axis=0)
    added = np.minimum(starts - latest[:-1], NOISE)
    added *= chosen
    return added.sum(axis=0), latest[-1]


def prints(tokens: Tokens | None, boilerplate: np.ndarray) -> Prints | None:
    """copydetect's fingerprint of ``tokens`` without the boilerplate's hashes (None when nothing is left)."""
    if tokens is None:
        return None
    _, where = get_document_fingerprints(tokens.code, NOISE, WINDOW, boilerplate)
    if not where:
        return None
    # The hash -> positions dict as two arrays in bulk (a Python loop over its items cost
    # more than the comparison itself).
    sizes = [len(positions) for positions in where.values()]
    hashes = np.repeat(np.fromiter(where.keys(), np.int64, len(where)), sizes)
    positions = np.fromiter(itertools.chain.from_iterable(where.values()), np.int64, sum(sizes))
    order = np.argsort(positions)
    hashes, positions = hashes[order], positions[order]
    # Every kept k-gram chosen: the characters they cover, copydetect's token_coverage
    # (its get_token_coverage builds an array per hash, 4 ms a file).
    coverage, _ = covered(positions, np.ones((len(positions), 1), dtype=bool), np.array([-NOISE]))
    return Prints(hashes, positions, float(coverage[0]), tokens.offsets)


def boilerplate_hashes(given: Sequence[Tokens | None]) -> np.ndarray:
    """The distinct k-gram hashes of everything students were given for one exercise."""
    found = [p.hashes for p in (prints(tokens, np.array([])) for tokens in given) if p is not None]
    return np.unique(np.concatenate(found)) if found else np.array([], dtype=np.int64)


def matched_tokens(found: Sequence[Prints]) -> np.ndarray:
    """tokens[i, j]: the filtered tokens of i's code inside k-grams j also has (n x n, int).

    The same count as copydetect's ``compare_files(i, j)[0]``.
    """
    hashes, holder = np.unique(np.concatenate([p.hashes for p in found]), return_inverse=True)
    sizes = [len(p.hashes) for p in found]
    owner = np.repeat(np.arange(len(found)), sizes)
    # hash x submission: does this submission have a k-gram with this hash?
    index = sparse.csr_array((np.ones(len(owner), dtype=bool), (holder, owner)), shape=(len(hashes), len(found)))
    tokens = np.zeros((len(found), len(found)), dtype=np.int64)
    for i, rows in enumerate(np.split(holder, np.cumsum(sizes)[:-1])):
        last = np.full(len(found), -NOISE, dtype=np.int64)
        for start in range(0, len(rows), ROWS):
            chosen = index[rows[start:start + ROWS]].toarray()
            added, last = covered(found[i].positions[start:start + ROWS], chosen, last)
            tokens[i] += added
    return tokens


def compare_exercise(exercise: str, found: Mapping[str, Prints]) -> list[Pair]:
    """Every pair of ``found`` (submission -> its fingerprint for ``exercise``) that shares any k-gram."""
    names = sorted(found)
    if len(names) < 2:
        return []
    tokens = matched_tokens([found[name] for name in names])
    coverage = np.array([found[name].coverage for name in names])
    share = tokens / coverage[:, None]
    a, b = np.nonzero(np.triu(tokens, k=1))
    # Plain Python numbers in bulk: indexing numpy element by element costs more than the comparison.
    return [Pair(names[i], names[j], exercise, a_in_b, b_in_a, count) for i, j, a_in_b, b_in_a, count
            in zip(a.tolist(), b.tolist(), share[a, b].tolist(), share[b, a].tolist(), tokens[a, b].tolist())]


def _raw(slices: np.ndarray, offsets: np.ndarray) -> tuple[tuple[int, int], ...]:
    """Slices of the filtered code (2 x n: starts, ends) mapped back to the raw code, as
    copydetect.compare_files does."""
    if len(offsets) > 0:
        slices = slices + offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], slices), 0, offsets.shape[0] - 1)]
    return tuple((int(start), int(end)) for start, end in zip(*slices))


def regions(a: Prints, b: Prints) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """The matched character ranges of a's and b's raw code (copydetect's slices)."""
    shared = np.intersect1d(a.hashes, b.hashes)
    slices_a = get_copied_slices(a.positions[np.isin(a.hashes, shared)], NOISE)
    slices_b = get_copied_slices(b.positions[np.isin(b.hashes, shared)], NOISE)
    return _raw(slices_a, a.offsets), _raw(slices_b, b.offsets)


def with_regions(pair: Pair, found: Mapping[str, Prints]) -> Pair:
    """``pair`` with its matched regions (``found``: the fingerprints of its exercise)."""
    slices_a, slices_b = regions(found[pair.a], found[pair.b])
    return dataclasses.replace(pair, slices_a=slices_a, slices_b=slices_b)


def compare_class(submissions: Mapping[str, Path], exercises: Sequence[str], *,
                  reference: Mapping[str, str] | None = None, jobs: int = 1) -> tuple[list[Pair], dict]:
    """All pairs of all exercises, most similar first, and the code they were computed on.

    Args:
        submissions: student id -> submission folder.
        reference: exercise -> reference code, compared with every submission as ``REFERENCE``.
        jobs: processes tokenizing the code.

    Returns:
        the pairs sorted by similarity (then names), the first MAX_SHOWN with their matched
        regions, and {exercise: {name: code}}.
    """
    codes = {exercise: {student: exercise_code(folder, exercise) for student, folder in submissions.items()}
             for exercise in exercises}
    given = {exercise: given_code(exercise) for exercise in exercises}
    for exercise in exercises:
        if reference and reference.get(exercise):
            codes[exercise][REFERENCE] = reference[exercise]
    tokens = tokenize_all([code for e in exercises for code in [*codes[e].values(), *given[e]]], jobs)
    found, pairs = {}, []
    for exercise in exercises:
        boilerplate = boilerplate_hashes([tokens.get(code) for code in given[exercise]])
        found[exercise] = {name: p for name, code in codes[exercise].items()
                           if (p := prints(tokens.get(code), boilerplate)) is not None}
        pairs += compare_exercise(exercise, found[exercise])
    pairs.sort(key=lambda p: (-p.similarity, p.exercise, p.a, p.b))
    return [with_regions(pair, found[pair.exercise]) for pair in pairs[:MAX_SHOWN]] + pairs[MAX_SHOWN:], codes
