"""Same code, same grade (issue 9): one-bug variants of the reference get the same score in
every test under 10 student ids, and the stratified cases catch each bug under every id.

Each variant is graded only in the exercises its bug lives in (with stand-ins of the
earlier ones, so the bug is charged there once), in one shared run (session scope).
"""
from __future__ import annotations

import pytest

from grader.authoring.examples import Mutation, mutated
from grade_ids import IDS, copies, grade_ids, per_test_scores

# name -> (mutations, the exercise graded, tests that must catch it under every id)
VARIANTS = {
    "ceil_calculate_out": (
        (Mutation("output_size", "import torch\n", "import math\n\nimport torch\n"),
         Mutation("output_size", "(size + 2 * p - d * (k - 1) - 1) // s + 1",
                  "math.ceil((size + 2 * p - d * (k - 1) - 1) / s) + 1")),
        "output_size", {"floor_formula_2d", "one_and_three_d", "shapes_and_tuples"}),
    "window_local_indices": (
        (Mutation("maxpool", "    indices = offset[within] + corner\n", "    indices = within\n"),),
        "maxpool", {"unfold_random", "unfold_ties", "unfold_overlapping", "unfold_course", "composition"}),
    "dW_last_sample": (
        (Mutation("backward", "dW = torch.bmm(dH, X_col.transpose(1, 2)).sum(0).view_as(weight)",
                  "dW = torch.bmm(dH, X_col.transpose(1, 2))[-1].view_as(weight)"),),
        "backward", {"conv2d_backward_random", "conv2d_function", "composition"}),
    "im2col_swapped_kernel_loops": (
        (Mutation("im2col_conv", "    return windows.permute(0, 1, 4, 5, 2, 3).reshape(N, C * kH * kW, H_out * W_out)",
                  "    return windows.permute(0, 1, 5, 4, 2, 3).reshape(N, C * kH * kW, H_out * W_out)"),),
        "im2col_conv", {"im2col_random", "conv2d_unfold_random", "conv2d_unfold_dtype_bias", "no_mutation"}),
}


@pytest.fixture(scope="session")
def graded_variants(tmp_path_factory):
    results = {}
    for name, (mutations, exercise, _) in VARIANTS.items():
        root = tmp_path_factory.mktemp(name)
        results[name] = grade_ids(copies(mutated(*mutations)(), root / "in"), root / "out", (exercise,))
    return results


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_scores_the_same_in_every_test_under_every_id(graded_variants, variant):
    results = graded_variants[variant]
    assert sorted(results) == sorted(IDS)
    distinct = {}
    for student, result in results.items():
        distinct.setdefault(tuple(sorted(per_test_scores(result).items())), []).append(student)
    assert len(distinct) == 1, f"{variant}: per-test scores differ between ids: {list(distinct.items())}"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_is_caught_by_its_tests_under_every_id(graded_variants, variant):
    _, exercise, catching = VARIANTS[variant]
    for student, result in graded_variants[variant].items():
        failed = {t["name"] for t in result["exercises"][exercise]["tests"] if t["status"] != "passed"}
        assert catching <= failed, f"{variant} under {student}: {sorted(catching - failed)} let it through"
