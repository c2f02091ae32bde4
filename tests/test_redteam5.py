"""Red team, round 5: attacks on the rewritten guard and its integrity check (tests/redteam5/README.md).

Each ``tests/redteam5/<attack>/`` is a submission folder, graded here with ``convkit
grade``'s own class-run code (``--jobs 2``, outputs written) on the one exercise it
attacks, beside an honest classmate graded on all four (tests/hostile_class.py). Every
test asserts the grade an instructor must get. In every attack file the functions that
are not attacked raise ``NotImplementedError`` (the copies of ``conv_args.py`` and
``output_size.py`` belong to exercises not graded here), so each exercise graded holds
only cheated functions and stubs: its whole score must be 0. Eleven of these tests failed
on the grader this round was written against (main at 093c138; the README says which
defence was missing); ``jit_script`` was already defended.

The tests of the eleven assert scores, not messages: how the guard will stop each attack
(a forbidden routine, an operator, tampering, a thread that cannot start) is for the fix
to decide. jit_script's test also checks the message it gets now.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.class_run import Run
from hostile_class import (HONEST, assert_everyone_graded_and_the_honest_classmate_full, grade_hostile_class,
                           scores_nothing_on, summary)
from hostile_class import sandboxed  # noqa: F401 (an autouse fixture)

ATTACKS = Path(__file__).resolve().parent / "redteam5"
# Reference modules every attack imports (argument checks, output sizes): added, not kept in each folder.
HELPERS = ("conv_args", "output_size")

# attack -> the exercise it attacks (the README's table)
ATTACKED = {
    "schema_rename": "im2col_conv",
    "force_keyguard": "im2col_conv",
    "blind_check_all": "im2col_conv",
    "op_swap": "maxpool",
    "geteuid_thread": "maxpool",
    "jit_script": "maxpool",
    "library_kernel": "loop_conv",
    "module_class_swap": "loop_conv",
    "realpath_library": "loop_conv",
    "import_frame_library": "loop_conv",
    "custom_op_namesake": "backward",
    "notes_post_check": "backward",
}
# student -> the exercises it is graded on: each attack its own, the honest classmate all of them
PLAN = {HONEST: ("loop_conv", "im2col_conv", "maxpool", "backward"),
        **{attack: (exercise,) for attack, exercise in ATTACKED.items()}}


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> Run:
    return grade_hostile_class(tmp_path_factory.mktemp("redteam5"), ATTACKS, PLAN, HELPERS)


def scores_nothing(run: Run, attack: str) -> dict:
    """``attack``'s graded exercise, after asserting it scored 0 of its (nonzero) points."""
    return scores_nothing_on(run, attack, ATTACKED[attack])


def test_every_folder_is_graded_and_the_honest_classmate_gets_full_marks(hostile_class):
    assert_everyone_graded_and_the_honest_classmate_full(hostile_class, PLAN)


# ------------------------------------------------------------------ torch's operator objects and kernel tables

def test_renaming_operator_schemas_lets_no_forbidden_operator_through(hostile_class):
    """schema_rename: at import, every OpOverload of im2col and of the convolution family gets
    a ``_schema`` whose name is ``aten::view`` (allowed); im2col calls F.unfold and
    conv2d_unfold F.conv2d. 14/15 when written (only bad_input lost: no validation). Both
    functions of im2col_conv are cheated: the exercise must score 0."""
    scores_nothing(hostile_class, "schema_rename")


def test_swapping_an_allowed_operators_callable_runs_no_forbidden_routine(hostile_class):
    """op_swap: at import, ``aten.fmax.default._op`` becomes the submission's function, which
    runs F.max_pool2d when maxpool2d_unfold calls torch.fmax inside the ruled call (inside
    ``__torch_dispatch__``, with the mode popped). 12/15 when written, every test of
    maxpool2d_unfold. maxpool2d_backward is a stub: the exercise must score 0."""
    scores_nothing(hostile_class, "op_swap")


def test_replacing_an_allowed_operators_kernel_runs_no_forbidden_routine(hostile_class):
    """library_kernel: at import, ``torch.library.Library("aten", "IMPL")`` replaces the CPU
    kernel of ``fmin`` (allowed) with one that runs F.conv2d, below the Python key;
    conv2d_loop calls torch.fmin. 10/20 when written, all of conv2d_loop's points. The
    module classes are stubs: the exercise must score 0."""
    scores_nothing(hostile_class, "library_kernel")


def test_a_custom_operator_named_like_an_allowed_one_runs_no_forbidden_routine(hostile_class):
    """custom_op_namesake: at import, defines a new operator ``rt5::view`` whose CPU kernel
    runs F.fold; col2im calls it, and the mode, dropping the namespace, took it for the
    allowed ``view``. 5/20 when written (col2im_random 4/4, bad_input 1/1: all of col2im's
    points). conv2d_backward and Conv2dFunction are stubs: the exercise must score 0."""
    scores_nothing(hostile_class, "custom_op_namesake")


def test_forcing_the_dispatch_key_sets_does_not_leave_the_mode(hostile_class):
    """force_keyguard: inside the ruled call, im2col and conv2d_unfold run F.unfold/F.conv2d
    under ``torch._C._ForceDispatchKeyGuard`` with Python and PythonTLSSnapshot excluded
    (it was missing from the sealed names), so the mode never sees them. 15/15 when
    written. Both functions of im2col_conv are cheated: the exercise must score 0."""
    scores_nothing(hostile_class, "force_keyguard")


# ------------------------------------------------------------------ the integrity check and what it trusts

def test_blinding_the_check_through_builtins_all_takes_no_guard_off(hostile_class):
    """blind_check_all: at import, ``builtins.all`` answers True for the check's
    ``map(operator.is_, ...)``, and ``json.loads`` (the wire's request reader) drops every
    request's guard; im2col and conv2d_unfold call F.unfold/F.conv2d. 14/15 when written
    (only bad_input lost: no validation). Both functions of im2col_conv are cheated: the
    exercise must score 0."""
    scores_nothing(hostile_class, "blind_check_all")


def test_swapping_a_watched_modules_class_takes_no_guard_off(hostile_class):
    """module_class_swap: at import, ``json.__class__`` becomes a ModuleType subclass whose
    ``__getattribute__`` hands the wire a ``loads`` that drops each request's guard (the
    module's dict and sys.modules entry are unchanged); conv2d_loop calls F.conv2d. 10/20
    when written, all of conv2d_loop's points. The module classes are stubs: the exercise
    must score 0."""
    scores_nothing(hostile_class, "module_class_swap")


def test_code_run_after_the_check_forges_no_result(hostile_class):
    """notes_post_check: col2im returns zeros and appends to the worker's ``_NOTES`` an object
    whose ``__class__`` property, read while the reply is encoded (after the check), makes
    ``json.JSONEncoder.encode`` a one-shot forger that puts F.fold's answer in the reply and
    restores itself. 4/20 when written (col2im_random 4/4 forged). conv2d_backward and
    Conv2dFunction are stubs: the exercise must score 0."""
    scores_nothing(hostile_class, "notes_post_check")


# ------------------------------------------------------------------ unwatched modules the guard reads at call time

def test_faking_root_through_os_geteuid_runs_no_routine_in_a_thread(hostile_class):
    """geteuid_thread: at import, ``os.geteuid = lambda: 0``, so the ruled call keeps its
    thread limit; maxpool2d_unfold runs F.max_pool2d in a raw thread (no mode, no trace
    hook) and waits until the task count is back. 12/15 when written, with warm and with
    cold workers, every test of maxpool2d_unfold. maxpool2d_backward is a stub: the
    exercise must score 0."""
    scores_nothing(hostile_class, "geteuid_thread")


def test_replacing_os_path_realpath_hides_no_library(hostile_class):
    """realpath_library: at import, ``os.path.realpath`` moves every site-packages path under
    ``/elsewhere``, so the trace hook finds no library code; conv2d_loop is
    scipy.signal.correlate on numpy copies. 10/20 when written, all of conv2d_loop's
    points. The module classes are stubs: the exercise must score 0."""
    scores_nothing(hostile_class, "realpath_library")


def test_a_library_called_from_a_module_body_the_submission_wrote_is_not_forgiven(hostile_class):
    """import_frame_library: at import, writes to ``/tmp`` a module whose body calls
    scipy.signal.correlate; each conv2d_loop runs it again with
    ``spec.loader.exec_module``, so scipy's callers are that body and then importlib's
    frames, which the import exemption forgave. 10/20 when written, all of conv2d_loop's
    points. The module classes are stubs: the exercise must score 0."""
    scores_nothing(hostile_class, "import_frame_library")


# ------------------------------------------------------------------ defended when written

def test_a_torchscript_function_compiled_at_import_is_still_ruled(hostile_class):
    """jit_script: maxpool2d_unfold calls ``max_pool2d_with_indices`` inside a TorchScript
    function compiled at import. 0/15 when written, ``forbidden`` "maxpool2d_unfold called
    F.max_pool2d": the interpreter's operators still reach the Python key. DEFENDED; this
    keeps it so. maxpool2d_backward is a stub: the exercise must score 0, and every test of
    maxpool2d_unfold is ``forbidden`` with the message that names the routine."""
    result = scores_nothing(hostile_class, "jit_script")
    pooling = [test for test in result["tests"] if test["name"].startswith("unfold_")]
    assert pooling and all(test["status"] == "forbidden" for test in pooling), summary(result)
    assert all("maxpool2d_unfold called F.max_pool2d" in test["message"] for test in pooling), pooling
