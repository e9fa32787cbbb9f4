"""Process setup shared by the scripts: malloc keeps freed memory in its heap (read back from
glibc's own accounting, mallinfo2, in fresh processes)."""
import ctypes
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# a 24 MiB tensor: is it mmapped while alive, and do its bytes become free heap memory (the heap not
# shrinking) when it is deleted? Measured around the `del` itself: free memory already in the heap
# beforehand (argv[2] = "warm": 10 MiB left free at the heap's top, as a CI run found it) can
# hold part of the tensor, so "free after minus free before the tensor" may be less than its size.
_HEAP_ACCOUNTING = """
import ctypes, sys, torch
from common.cli import keep_freed_memory
class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                       "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "keep":
    assert keep_freed_memory()
if sys.argv[2] == "warm":
    torch.ones(10 << 18)
size = 24 << 20
before = libc.mallinfo2()
x = torch.ones(size // 4)
alive = libc.mallinfo2()
del x
after = libc.mallinfo2()
print(alive.hblkhd - before.hblkhd >= size,
      after.fordblks - alive.fordblks >= size and after.arena >= alive.arena)
"""


def _has_mallinfo2():
    try:
        return sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "mallinfo2")
    except OSError:
        return False


@pytest.mark.skipif(not _has_mallinfo2(), reason="needs glibc >= 2.33 (mallopt, mallinfo2)")
@pytest.mark.parametrize("heap", ["fresh", "warm"])
def test_keep_freed_memory_keeps_large_blocks_in_the_heap(heap):
    def accounting(mode):
        out = subprocess.run([sys.executable, "-c", _HEAP_ACCOUNTING, mode, heap], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        return out.stdout.split()
    # glibc's default: a 24 MiB block is its own mapping, handed back to the kernel when freed (and
    # faulted in page by page when the next one is made: ~1,500 faults per shallow-CNN step here)
    assert accounting("default") == ["True", "False"]
    # kept: the block comes from the heap and stays there, free for the next tensor
    assert accounting("keep") == ["False", "True"]


def test_atomic_writes_get_the_permissions_a_plain_write_gets(tmp_path):
    import os

    from common.files import atomic_write_bytes
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"x")
    atomic_write_bytes(str(tmp_path / "atomic.txt"), b"y")
    assert (tmp_path / "atomic.txt").read_bytes() == b"y"
    assert os.stat(tmp_path / "atomic.txt").st_mode & 0o777 == os.stat(plain).st_mode & 0o777
    assert not list(tmp_path.glob(".*.tmp"))
