"""A seccomp filter that closes the kernel's key store to a worker and everything it starts.

Linux keeps keys (add_key(2), request_key(2), keyctl(2)) per uid, outside every
namespace a worker gets (PID, mount, IPC, network): a key outlives the worker that
stored it. Worker uids are reused within a grading process
(``grader.isolation.bubblewrap.private_uid``), so a key one submission stores is seen by
a later one graded under the same uid, and, if it grants "other" permissions, under
any uid. A worker has no use for keys, so these three calls fail with EPERM, as under
Docker's default seccomp profile.

:func:`deny_keyring` installs the filter, a classic BPF program run by the kernel on
every system call (seccomp(2), SECCOMP_SET_MODE_FILTER), on every thread of the
calling process. Every thread and process started afterwards inherits it, across
execve too, and nothing removes it. The worker installs it first thing
(``grader/runtime/worker.py``), before any student code exists, cold and warm alike.

The program denies, with EPERM:

- add_key, request_key and keyctl of the running architecture;
- on x86_64, every call of the x32 ABI (its numbers carry bit 30: the same calls
  under other numbers);
- every call made through another ABI than the process's own (a 32-bit call on a
  64-bit kernel: ``int 0x80``, or a 32-bit program it executes), whose numbers differ.

Everything else is allowed. Known: x86_64 and aarch64 (:data:`ABIS`), 64-bit
processes. Elsewhere no filter can be built: :func:`unsupported` says why, the run's
start-up line repeats it (``grader.isolation.bubblewrap.announce``) and workers run
without it: the key store then stays a channel between submissions.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys
from typing import NamedTuple


class Abi(NamedTuple):
    """One architecture's system call interface, as the filter sees it."""

    audit_arch: int  # seccomp_data.arch of the process's own calls (AUDIT_ARCH_*)
    denied: tuple[int, ...]  # add_key, request_key, keyctl
    seccomp: int  # the seccomp(2) call itself, to install the filter
    x32: bool  # whether the kernel may also take x32 calls (bit 30 of the number)


# platform.machine() -> its ABI; numbers from the kernel's syscall tables
# (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h).
ABIS: dict[str, Abi] = {
    "x86_64": Abi(audit_arch=0xC000003E, denied=(248, 249, 250), seccomp=317, x32=True),
    "aarch64": Abi(audit_arch=0xC00000B7, denied=(217, 218, 219), seccomp=277, x32=False),
}
X32_BIT = 0x40000000

# struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
NR_OFFSET, ARCH_OFFSET = 0, 4
# Classic BPF opcodes (linux/bpf_common.h): load a 32-bit word at an absolute offset,
# jump if equal / if any bit set (immediate operand), return the immediate.
LD_W_ABS, JEQ_K, JSET_K, RET_K = 0x20, 0x15, 0x45, 0x06
RET_ALLOW = 0x7FFF0000  # SECCOMP_RET_ALLOW
RET_EPERM = 0x00050000 | errno.EPERM  # SECCOMP_RET_ERRNO with its errno

SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1, 1, 4
PR_SET_NO_NEW_PRIVS = 38


class Instruction(NamedTuple):
    """One classic BPF instruction (struct sock_filter)."""

    code: int
    jt: int  # instructions skipped when the jump's test holds
    jf: int  # ... when it does not
    k: int


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def running_abi() -> Abi | None:
    """The ABI of this process, or None when the filter cannot be built for it."""
    if not sys.platform.startswith("linux") or struct.calcsize("P") != 8:
        return None
    return ABIS.get(platform.machine())


def unsupported() -> str | None:
    """Why workers on this machine run without the filter although its kernel has a key
    store, or None (the filter applies, or this is not Linux, which has no such store)."""
    if not sys.platform.startswith("linux") or running_abi() is not None:
        return None
    known = ", ".join(ABIS)
    return f"no seccomp filter for {platform.machine()} ({struct.calcsize('P') * 8}-bit); known: {known}"


def program(abi: Abi) -> list[Instruction]:
    """The filter for ``abi``: EPERM for its key calls, x32 calls and other ABIs' calls; allow the rest."""
    checks = ([Instruction(JSET_K, 0, 0, X32_BIT)] if abi.x32 else []) + [
        Instruction(JEQ_K, 0, 0, number) for number in abi.denied]
    deny = 3 + len(checks) + 1  # index of the final "return EPERM"
    # A jump's offsets count the instructions skipped after it.
    code = [Instruction(LD_W_ABS, 0, 0, ARCH_OFFSET),
            Instruction(JEQ_K, 0, deny - 2, abi.audit_arch),
            Instruction(LD_W_ABS, 0, 0, NR_OFFSET)]
    for check in checks:
        code.append(check._replace(jt=deny - len(code) - 1))
    return [*code, Instruction(RET_K, 0, 0, RET_ALLOW), Instruction(RET_K, 0, 0, RET_EPERM)]


def deny_keyring() -> bool:
    """Install the filter on every thread of this process (see the module's docstring).

    Sets no_new_privs first, which the kernel requires of an unprivileged process (the
    sandbox has set it already; the unsandboxed fallback has not). Returns False, having
    done nothing, where :func:`running_abi` is None; raises OSError if the kernel refuses.
    """
    abi = running_abi()
    if abi is None:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0),
                  ctypes.c_ulong(0)) != 0:
        raise OSError(ctypes.get_errno(), "no_new_privs could not be set")
    instructions = program(abi)
    table = (_SockFilter * len(instructions))(*(_SockFilter(*instruction) for instruction in instructions))
    prog = _SockFprog(len(instructions), table)
    # TSYNC: every thread gets it, not only this one (the worker has one thread here anyway).
    # SPEC_ALLOW: speculation mitigations stay as the machine sets them for any process, as
    # for an unfiltered worker (older kernels' default, spec_store_bypass_disable=seccomp,
    # forces a costly one on every filtered task: Python code up to about 2x slower);
    # kernels before 4.17 do not know the flag (EINVAL) and get the filter without it.
    for flags in (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC):
        result = libc.syscall(ctypes.c_long(abi.seccomp), ctypes.c_ulong(SECCOMP_SET_MODE_FILTER),
                              ctypes.c_ulong(flags), ctypes.byref(prog))
        if result != -1 or ctypes.get_errno() != errno.EINVAL:
            break
    if result > 0:  # TSYNC's own failure: the id of a thread that could not take the filter
        raise OSError(f"seccomp filter refused: thread {result} could not take it")
    if result != 0:
        raise OSError(ctypes.get_errno(), f"seccomp filter refused: {os.strerror(ctypes.get_errno())}")
    return True
