"""The packs' .npy reading: the fast header path reads what numpy's own reader reads, for every kind of
file numpy writes, and the mapped arrays hold the written values."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib import format as npy

from indexer import npyfiles

ARRAYS = {
    "int32": np.arange(7, dtype=np.int32),
    "int64 empty": np.zeros(0, dtype=np.int64),
    "float": np.linspace(0, 1, 5),
    "bytes": np.array([b"a", b"energy", b"security"]),
    "big-endian": np.arange(4, dtype=">u8"),
    "two-dimensional": np.arange(6, dtype=np.int16).reshape(2, 3),
    "fortran order": np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
    "a scalar": np.array(3.5),
    "a six-digit length": np.zeros(123_456, dtype=np.uint8),
}


@pytest.mark.parametrize("version", [None, (2, 0)])
@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_header_and_mapping_match_numpy(tmp_path, name, version):
    arr = ARRAYS[name]
    path = tmp_path / "a.npy"
    with open(path, "wb") as fh:
        npy.write_array(fh, arr, version=version)
    with open(path, "rb") as fh:
        major, _minor = npy.read_magic(fh)
        read = npy.read_array_header_1_0 if major == 1 else npy.read_array_header_2_0
        shape, fortran, dtype = read(fh)
        start = fh.tell()
    with open(path, "rb") as fh:
        assert npyfiles.header(fh) == (shape, dtype)
        assert fh.tell() == start
    if not fortran:
        mapped, mapping = npyfiles.mapped(str(path), path.stat().st_size)
        assert mapped.dtype == arr.dtype and np.array_equal(mapped, arr)
        assert mapping.size() == path.stat().st_size


def test_a_file_of_another_size_is_refused_before_it_is_mapped(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.arange(100, dtype=np.int64))
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[:-16])
    with pytest.raises(ValueError, match=f"not the {size} stamped"):
        npyfiles.mapped(str(path), size)
