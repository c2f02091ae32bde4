"""The worker guard's layers, each on its own (grader/runtime/guard.py).

The red teams' attacks are graded end to end in tests/test_redteam*.py; here each way
around a layer is tried directly, in one fresh interpreter (tests/guard_probe.py: a
guard changes its process for good), under the real rule of ``maxpool2d_unfold``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from grader.runtime import guard

ROOT = Path(__file__).resolve().parents[1]

# torch._C's names that touch dispatch keys, modes or kernels and are NOT sealed, each
# with the reason it cannot take a ruled call around the guard. A torch upgrade that adds
# such a name fails test_every_dispatch_function_of_torch_is_sealed_or_reviewed until
# it is sealed (guard.SEALED_C) or reviewed here.
REVIEWED = {
    "DispatchKey": "an enum", "DispatchKeySet": "a value", "_TorchDispatchModeKey": "an enum",
    "_DispatchModule": "the type _dispatch_library returns (sealed for aten)",
    "_DispatchOperatorHandle": "its redispatch_boxed is sealed by build",
    "_InferenceMode": "turns autograd off; the Python key stays on",
    "_PreserveDispatchKeyGuard": "restores the key sets on exit; changes none",
    "_DisableFuncTorch": "turns functorch transforms off (tensor printing uses it); the Python key stays on",
    "_disabled_torch_dispatch_impl": "is torch.Tensor.__torch_dispatch__ too, so it cannot be sealed: the "
                                     "routines' kernels check the allowlist below it",
    "_dispatch_library": "sealed for aten at all times by build",
    "_dispatch_pystub": "records where a Python stub lives",
    "_dispatch_set_report_error_callback": "runs when an operator fails, not instead of it",
    "_dispatch_clear_leaked_python_filenames": "bookkeeping",
    "_dynamo_save_local_dispatch_key_set": "saves; its restore is sealed",
    "_fake_dispatch_register_decomp": "fake tensors only", "_fake_dispatch_register_meta": "fake tensors only",
    "_fake_dispatch_register_op_impl": "fake tensors only", "_fake_dispatch_register_prim_meta": "fake tensors only",
    "_fake_dispatch_deregister_op_impl": "fake tensors only",
    "_get_dispatch_mode": "reads", "_get_dispatch_stack_at": "reads (the mode and its class hold no state)",
    "_set_autograd_fallback_mode": "autograd of custom operators, which trip as operators anyway",
    "_stash_obj_in_tls": "a Python object store", "_remove_obj_from_tls": "a Python object store",
    "_dispatch_make_pyobj_dispatch_fns": "builds dispatch functions for Python objects; running one is an operator call",
    "_functorch": "a module: transforms run their operators through the Python key below them",
    "_functionalization": "a module: functionalization runs its operators through the Python key below it",
    "_reinit_DTensor_dispatch_logger": "logging",
}
# Names that only read (a query answers, changes nothing).
READS = re.compile(r"^_?(dispatch_)?(has_|is_|get_|len_|dump|check|find_dangling|keys|key_|keyset|num_|print_|"
                   r"autogradother|isTensorSubclass|tls_is_|tls_local_|meta_in_tls|are_|parse_|kernel_for_dispatch_key_is)|"
                   r"_dump_local_tls_set|_is_key_in_tls|_get_obj_in_tls|^_dispatch_get_|_enabled$|^is_inference")
# CUDA, MTIA and TorchScript settings: no kernel of a CPU tensor's changes.
ELSEWHERE = re.compile(r"^_(cuda|mtia|jit)_")
TOUCHES = re.compile(r"(?i)dispatch|tls|torchdispatch|python_mode|functorch|_mode$|_modes|keyguard|snapshot|"
                     r"autodispatch|vmapmode|functionalization")


@pytest.fixture(scope="module")
def probe() -> dict:
    """tests/guard_probe.py's report, from a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "guard_probe.py")], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_guard_functions_read_no_namespace_student_code_can_write(probe):
    """After build() nothing the guard runs reads builtins', its module's or another
    module's namespace: each name was bound before any student code ran (red team 5
    blinded the check with builtins.all and took the thread limit off with os.geteuid);
    the functions it hands out read no global at all."""
    assert probe["shared reads"] == []


def test_nothing_a_submission_reaches_leads_to_the_guards_state(probe):
    """From run_guarded, check, the mode and its class, the trace function, every sealed
    function, gc.set_debug and torch's rule finder, through closures, globals, defaults,
    bound methods and classes: no function of the hook's, no original, no token (red
    team 8 switched the guard off from each of them, 2 Dec)."""
    assert probe["reachable state"] == []
    assert probe["refused while probing"] == []


def test_the_hook_refuses_what_would_reach_its_state_and_lets_honest_frames_through(probe):
    """gc's walks, the collector keeping collected frames, ctypes' symbols in a ruled call,
    a function made of run_guarded's code, a profile hook: each reported; a trace hook
    changed in a ruled call trips; clearing one outside, as doctest does, is honest. A
    kernel wrapper's frames, read from its trip, hold no kernel (torch's errors come
    through them to honest code). A signal handler is given no frame and waits while the hook
    runs (a 50 µs timer's never sees the hook below it); a namedtuple and a traceback in a
    ruled call are honest uses of frames."""
    assert probe["refusals"] == {
        "a timer's handler while the hook runs": "allowed",
        "gc.get_objects": "tampering:gc.get_objects", "gc.get_referrers": "tampering:gc.get_referrers",
        "gc.DEBUG_SAVEALL": "tampering:gc.DEBUG_SAVEALL",
        "a ctypes symbol in a ruled call": "tampering:ctypes.dlsym",
        "sys.settrace(None) outside a ruled call (doctest does)": "allowed",
        "a profile hook outside a ruled call": "tampering:sys.settrace or sys.setprofile",
        "sys.settrace(None) in a ruled call": "tampering:sys.settrace or sys.setprofile during a ruled call",
        "a function of run_guarded's code": "tampering:a function made of the guard's code",
        "a kernel wrapper's frames from its trip (they hold no kernel)": "allowed",
        "a signal handler's frame": "allowed", "honest: a namedtuple and a traceback in a ruled call": "allowed"}


def test_every_way_around_the_dispatch_mode_is_forbidden(probe):
    """F.max_pool2d's kernel reached below the mode, through a borrowed schema or entry
    point, a Python kernel or a custom operator, and convolutions under other names
    (a dilated one, a weight gradient, oneDNN's, conv_tbc) reached around it, and max
    pooling by a C finalizer that the collector runs inside an allowed operator: each
    call is forbidden."""
    ways = probe["ways around"]
    assert len(ways) == 15
    assert {name: status for name, (status, _) in ways.items() if status != "forbidden"} == {}
    assert ways["a Python kernel over an allowed operator"][1] == \
        "tampering:a Python kernel registered for torch's aten.fmax"
    assert ways["a custom operator named view"][1] == "operator:convkit_probe::view"


def test_no_module_holds_an_original_the_guard_replaced(probe):
    """A submission imports what it likes: no module, nor a list, dict or class in one,
    hands it a sealed function's original or a wrapped kernel's (the guard's own tables
    did: their max pooling kernel ran with nothing watching; torch.jit's table of
    builtins still holds ExcludeDispatchKeyGuard)."""
    assert probe["reachable originals"] == []


def test_a_rule_registered_for_the_guards_mode_never_runs(probe):
    """torch runs a torch_dispatch rule registered for a mode's class instead of the
    mode, with the mode off; none ever stands in for the guard's."""
    assert probe["rule for the guard's mode"] == ["ok", [0, None]]


def test_honest_pooling_passes_under_the_same_rule(probe):
    assert probe["honest"] == ["ok", True]


def test_kernels_for_torchs_operators_cannot_be_registered_after_the_guard(probe):
    assert probe["aten registration"].startswith("refused: convkit: a submission may not register kernels")
    assert probe["other registration"] == "Library"  # torchvision's own operators, a custom op: allowed


def test_the_check_sees_through_a_blinding_builtin_a_module_class_and_a_profile_hook(probe):
    """...and a function's code replaced and put back before the check: the audit hook saw
    it set (reading code in the check would have been too late, and costly); and an audit
    hook of the submission's, which is kept out (it would run untraced)."""
    assert probe["check"] == {"all and json.loads": "tampering:json", "json's class": "tampering:json",
                              "profile hook": "tampering:sys.settrace or sys.setprofile",
                              "code swapped back": "tampering:the grader's functions",
                              "audit hook added": "tampering:an audit hook added"}


def test_libraries_are_found_whatever_os_reports_and_whoever_imports_them(probe):
    """os.geteuid and os.path.realpath replaced change nothing; scipy run by a module the
    submission wrote and executed through importlib is not an import of torch's."""
    assert probe["geteuid replaced"] == "ok"
    assert probe["realpath replaced"] == ["forbidden", "library:scipy.signal._signaltools"]
    assert probe["written module"] == ["forbidden", "library:scipy.signal._signaltools"]


def test_every_dispatch_function_of_torch_is_sealed_or_reviewed():
    touching = {name for name in dir(torch._C)
                if TOUCHES.search(name) and not READS.search(name) and not ELSEWHERE.search(name)}
    unknown = touching - set(guard.SEALED_C) - set(REVIEWED)
    assert not unknown, f"seal these in guard.SEALED_C or review them here: {sorted(unknown)}"
    assert set(guard.SEALED_C) <= set(dir(torch._C)) | {"ExcludeDispatchKeyGuard"}
