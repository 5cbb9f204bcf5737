"""MemoryDenyWriteExecute=yes is safe for a Python bot: measured, not assumed.

systemd's MemoryDenyWriteExecute= refuses mappings that are writable and
executable, or become executable later. Linux >= 6.3 has the same switch per
process (prctl PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN), which systemd >= 254
uses itself; we turn it on in a child Python and run a bot's stack under it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.host

PRELUDE = textwrap.dedent(
    """
    import ctypes, sys
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(65, 1, 0, 0, 0) != 0:   # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
        sys.exit(77)
    """
)


def run_under_wx(body: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if proc.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux < 6.3)")
    return proc


def test_switch_is_really_on() -> None:
    proc = run_under_wx(
        """
        import mmap
        try:
            mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        except OSError:
            print("refused")
        """
    )
    assert proc.stdout.strip() == "refused"


def test_bot_stack_and_ctypes_callbacks_work_under_wx() -> None:
    proc = run_under_wx(
        """
        import asyncio, ssl, hashlib, hmac
        import aiohttp, ccxt.async_support
        from cryptography.hazmat.primitives.asymmetric import ed25519
        ed25519.Ed25519PrivateKey.generate().sign(b"order")
        ssl.create_default_context()
        P = ctypes.POINTER(ctypes.c_int)
        CMP = ctypes.CFUNCTYPE(ctypes.c_int, P, P)
        arr = (ctypes.c_int * 3)(3, 1, 2)
        libc.qsort(arr, 3, ctypes.sizeof(ctypes.c_int), CMP(lambda a, b: a[0] - b[0]))
        print(list(arr))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[1, 2, 3]"


def test_cffi_callbacks_need_wx_which_is_why_the_switch_is_configurable() -> None:
    pytest.importorskip("cffi")
    proc = run_under_wx(
        """
        import cffi
        ffi = cffi.FFI()
        try:
            ffi.callback("int(int)")(lambda x: x)
        except MemoryError:
            print("refused")
        """
    )
    assert proc.stdout.strip() == "refused"
