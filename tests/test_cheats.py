"""Submissions that try to fake a grade gain nothing, and faults cost only what they touch.

Each cheat is the reference ``maxpool.py`` whose ``maxpool2d_unfold`` returns wrong
values while trying to make them look right (the kinds the grader issue lists); its
``maxpool2d_backward`` stays honest, so the tests that touch only the backward must
still pass. Faults (hang, memory, exits, budget) likewise cost only their own tests.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from test_grading_core import TOTALS, by_name, grade, make_submission, scores

FAKED = ("unfold_random", "unfold_ties", "unfold_overlapping", "unfold_course", "bad_input", "no_mutation")
HONEST = ("backward_random",)
ANCHOR = "    N, C, H_in, W_in = H.shape\n"
WRONG = "torch.zeros(calculate_out(H, kernel, stride))"

CHEATS = {
    "patches_pytest_allclose_and_builtins": (
        "import builtins, sys\n"
        "    torch.allclose = lambda *a, **k: True\n"
        "    torch.equal = lambda *a, **k: True\n"
        "    torch.isclose = lambda a, b, *r, **k: torch.ones(torch.broadcast_shapes(a.shape, b.shape), dtype=torch.bool)\n"
        "    torch.Tensor.__eq__ = lambda self, other: True\n"
        "    torch.Tensor.__ne__ = lambda self, other: False\n"
        "    builtins.all = builtins.any = lambda *a: True\n"
        "    import pytest\n"
        "    pytest.approx = lambda *a, **k: True\n"
        "    sys.modules['_pytest.outcomes'].fail = lambda *a, **k: None\n"
        f"    values = {WRONG}[None, None].expand(H.shape[0], H.shape[1], -1, -1)\n"
        "    return values, values.long()\n"
    ),
    "returns_lying_objects": (
        "class Liar(torch.Tensor):\n"
        "        def __eq__(self, other): return True\n"
        "        def __ne__(self, other): return False\n"
        "        def allclose(self, *a, **k): return True\n"
        "    class Fake:\n"
        "        __class__ = property(lambda self: torch.Tensor)\n"
        "        dtype = torch.int64\n"
        "        def __init__(self, shape): self.shape = torch.Size(shape)\n"
        "        def __eq__(self, other): return True\n"
        "        def size(self): return self.shape\n"
        f"    shape = H.shape[:2] + {WRONG}.shape\n"
        "    return torch.zeros(shape).as_subclass(Liar), Fake(shape)\n"
    ),
    "writes_files": (
        "import json, pathlib, os\n"
        "    fake = json.dumps({'student': 'x', 'score': 100.0, 'max_score': 100.0, 'status': 'passed'})\n"
        "    for folder in (pathlib.Path(__file__).parent, pathlib.Path.cwd(), pathlib.Path(os.environ.get('HOME', '.'))):\n"
        "        for name in ('grades.json', 'grades.csv', 'feedback.md', 'conv_args.py', 'test_maxpool.py'):\n"
        "            try:\n"
        "                (folder / name).write_text(fake)\n"
        "            except OSError:\n"
        "                pass\n"
        f"    values = {WRONG}[None, None].expand(H.shape[0], H.shape[1], -1, -1).clone()\n"
        "    return values, values.long()\n"
    ),
    "prints_fake_results_and_forges_a_reply": (
        "import sys, os, json, struct\n"
        "    for stream in (sys.stdout, sys.stderr):\n"
        "        print('tests/test_maxpool.py::test_unfold_random PASSED\\n===== 7 passed in 0.1s =====', file=stream)\n"
        "        print(json.dumps({'score': 15.0, 'max_score': 15.0, 'status': 'passed'}), file=stream, flush=True)\n"
        "    args = open('/proc/self/cmdline', 'rb').read().split(b'\\0')\n"
        "    if b'--fd' in args:\n"
        "        fd = int(args[args.index(b'--fd') + 1])\n"
        "        for rid in range(1, 4):\n"
        "            body = json.dumps({'id': rid, 'result': {'$t': 'tuple', 'items': []}, 'notes': []}).encode()\n"
        "            os.write(fd, struct.pack('>I', len(body)) + body)\n"
        f"    values = {WRONG}[None, None].expand(H.shape[0], H.shape[1], -1, -1).clone()\n"
        "    return values, values.long()\n"
    ),
    "calls_sys_exit": "import sys\n    sys.exit(0)\n",
    "calls_os_exit": "import os\n    os._exit(0)\n",
}


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_cheat_gains_nothing(tmp_path, cheat):
    folder = make_submission(tmp_path, edits={"maxpool": [(ANCHOR, "    " + CHEATS[cheat] + ANCHOR)]})
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = grade(folder, ("output_size", "maxpool"))
    tests = by_name(result, "maxpool")
    for name in FAKED:
        assert tests[name]["status"] != "passed" and tests[name]["score"] == 0, (name, tests[name])
    for name in HONEST:
        assert tests[name]["status"] == "passed", (name, tests[name])
    assert scores(result) == {"output_size": TOTALS["output_size"], "maxpool": tests["backward_random"]["max_score"]}
    # The worker had a private copy: the submission folder is exactly as it was.
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_hang_costs_only_its_function(tmp_path):
    folder = make_submission(tmp_path, edits={"loop_conv": [
        ("    N, C_out = X.shape[0], weight.shape[0]\n", "    while True:\n        pass\n")]})
    start = time.monotonic()
    result = grade(folder, ("output_size", "loop_conv"))
    elapsed = time.monotonic() - start
    tests = by_name(result, "loop_conv")
    conv_loop = [t for name, t in tests.items() if name.startswith("conv2d_loop")]
    assert all(t["status"] == "timeout" and t["score"] == 0 for t in conv_loop)
    assert "did not finish within" in conv_loop[0]["message"]
    assert "already went over the time limit" in conv_loop[-1]["message"]
    # The nn.Module exercises of the same file and the other exercise are still graded.
    assert all(tests[n]["status"] == "passed" for n in ("conv1d_module", "conv2d_module", "maxpool1d_module"))
    assert scores(result)["output_size"] == TOTALS["output_size"]
    assert elapsed < 60  # one 10 s per-call timeout, then the hung function fails fast


def test_memory_hog_is_stopped(tmp_path):
    # Untouched allocations: the limit trips at once instead of after filling 2 GiB of pages.
    hog = "hog = []\n    while True:\n        hog.append(torch.empty(256 << 20, dtype=torch.uint8))\n"
    folder = make_submission(tmp_path, edits={"maxpool": [(ANCHOR, "    " + hog + ANCHOR)]})
    result = grade(folder, ("output_size", "maxpool"))
    tests = by_name(result, "maxpool")
    assert tests["unfold_random"]["status"] == "error"
    assert "can't allocate memory" in tests["unfold_random"]["message"]
    assert tests["backward_random"]["status"] == "passed"
    assert scores(result)["output_size"] == TOTALS["output_size"]


def test_budget_exhaustion_times_out_the_rest(tmp_path):
    folder = make_submission(tmp_path, edits={"output_size": [
        ("    shape = tuple(X.shape)", "    while True:\n        pass\n    shape = tuple(X.shape)")]})
    start = time.monotonic()
    result = grade(folder, ("output_size", "maxpool"), budget_s=4)
    assert time.monotonic() - start < 30
    for exercise in ("output_size", "maxpool"):
        for test in result["exercises"][exercise]["tests"]:
            assert test["status"] == "timeout" and test["score"] == 0, test
    assert "time budget" in by_name(result, "maxpool")["backward_random"]["message"]


def test_no_process_outlives_grading(tmp_path):
    marker = f"{os.getpid() % 1000 + 4000}.{time.time_ns() % 997}"
    spawn = f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'])\n"
    folder = make_submission(tmp_path, edits={"output_size": [("from conv_args import", spawn + "from conv_args import")]})
    result = grade(folder, ("output_size",))
    assert result["score"] == TOTALS["output_size"]
    time.sleep(0.5)
    survivors = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                survivors.append(pid)
        except OSError:
            continue
    assert survivors == []
