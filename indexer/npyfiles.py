"""Reading and writing the packs' .npy files without numpy's `memmap` subclass where it costs: outputs
allocated on disk before they are mapped and let go of as they are written, inputs mapped as plain
read-only arrays or read a slice at a time."""

from __future__ import annotations

import math
import mmap
import os
import re
from pathlib import Path


def output(path: Path, dtype, count: int):
    """A new .npy file of `count` zeros, memory-mapped for writing, its blocks allocated first: a full
    disk is an OSError here, not a crash on a later write to the mapping."""
    from numpy.lib.format import open_memmap

    arr = open_memmap(path, mode="w+", dtype=dtype, shape=(count,))
    with open(path, "r+b") as handle:
        os.posix_fallocate(handle.fileno(), 0, os.fstat(handle.fileno()).st_size)
    return arr


def unmap_written(*mapped) -> None:
    """Let go of the written pages of memory-mapped outputs: they stay in the page cache (the mappings
    are shared, so nothing is lost) and are written back as usual, but no longer count in this process's
    resident memory, which would otherwise grow to the size of every file written."""
    for arr in mapped:
        handle = getattr(arr, "_mmap", None)
        if handle is not None and hasattr(handle, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            handle.madvise(mmap.MADV_DONTNEED)


# the header numpy writes for a one-dimensional array in C order (format 1.0), read without
# `ast.literal_eval`, which costs about 100 us a file (a first search opens some 150); any other
# header is read by numpy
_HEADER = re.compile(rb"\{'descr': '([<>|=][a-zA-Z]\d+)', 'fortran_order': False, 'shape': \((\d+),\), \} *\n")


def header(fh) -> tuple:
    """(shape, dtype) of the .npy file open at its start; the file is left at the first element."""
    start = fh.read(10)
    if start[:8] == b"\x93NUMPY\x01\x00":
        found = _HEADER.fullmatch(fh.read(int.from_bytes(start[8:10], "little")))
        if found:
            import numpy as np

            return (int(found[2]),), np.dtype(found[1].decode("ascii"))
    fh.seek(0)
    from numpy.lib import format as npy

    read = npy.read_array_header_1_0 if npy.read_magic(fh) == (1, 0) else npy.read_array_header_2_0
    shape, _fortran, dtype = read(fh)
    return shape, dtype


class NpyFile:
    """A one-dimensional .npy file read a slice at a time."""

    def __init__(self, path: Path) -> None:
        import numpy as np

        self.fh = open(path, "rb")
        _shape, self.dtype = header(self.fh)
        self.start = self.fh.tell()
        self.itemsize = np.dtype(self.dtype).itemsize

    def read(self, first: int, count: int):
        import numpy as np

        self.fh.seek(self.start + first * self.itemsize)
        return np.fromfile(self.fh, dtype=self.dtype, count=count)

    def close(self) -> None:
        self.fh.close()


def mapped(path: str, size: int | None = None):
    """A plain array over the file's read-only mapping, and the mapping (it stays alive as the array's
    buffer; its `size()` is the file's size now): not numpy's memmap subclass, which runs Python code
    on every slice and gather (about 10 us each, thousands a query) and costs twice as long to open.
    With `size`, a file of any other size is a ValueError, before anything is mapped."""
    import numpy as np

    with open(path, "rb") as fh:
        actual = os.fstat(fh.fileno()).st_size if size is not None else None
        if actual != size:
            raise ValueError(f"{actual} bytes, not the {size} stamped")
        shape, dtype = header(fh)  # the header is never empty, so neither is the mapping
        mapping = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return np.frombuffer(mapping, dtype, math.prod(shape), fh.tell()).reshape(shape), mapping
