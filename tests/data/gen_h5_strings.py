#!/usr/bin/python3
"""Write an HDF5 file whose root attributes hold the same texts in every
string form h5py (3.x) and HDF5's own API produce, for tests/test_runlog_v2.c
(h5_attr_get_string / h5_attr_get_strings must read each back
exactly). usage: gen_h5_strings.py OUT.h5

Forms (attribute name: how it is written):
  vlen_str      Python str                  -> variable-length UTF-8 scalar
  vlen_ascii    bytes, string_dtype('ascii') -> variable-length ASCII scalar
  np_bytes      numpy.bytes_ (exact fit)    -> fixed-length ASCII, NUL-padded, no NUL at all
  fixed_utf8    string_dtype('utf-8', 12)   -> fixed-length UTF-8, NUL-padded with room
  nullterm      low-level, STR_NULLTERM     -> fixed-length, NUL-terminated
  spacepad      low-level, STR_SPACEPAD     -> fixed-length, space-padded (Fortran style)
  nonascii      str with non-ASCII letters  -> variable-length UTF-8
  nonascii_fix  the same, fixed-length UTF-8 exact fit
  one_elem      [str]                       -> 1-element array of vlen UTF-8
  arr_vlen      [str, str, str]             -> array of vlen UTF-8
  arr_fixed     numpy 'S' array             -> array of fixed-length NUL-padded
  arr_bytes     [bytes...], vlen ASCII      -> array of vlen ASCII
  arr_spacepad  low-level array, SPACEPAD   -> array of fixed-length space-padded
  empty         ''                          -> vlen empty string
The text of every scalar form is "torchbp" (7 bytes: the bug that dropped
the last character turned it into "torchb"); nonascii ones "ΣPI-ε";
arrays hold "relu", "tanh", "x".
"""
import sys

import h5py
import numpy as np

TEXT = "torchbp"
UTEXT = "ΣPI-ε"
ARR = ["relu", "tanh", "x"]


def lowlevel(f, name, values, pad, size):
    """Fixed-length ASCII strings of `size` bytes with padding `pad`,
    scalar when values is a str."""
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(size)
    tid.set_strpad(pad)
    scalar = isinstance(values, str)
    vals = [values] if scalar else values
    raw = []
    for v in vals:
        b = v.encode()
        fill = b" " if pad == h5py.h5t.STR_SPACEPAD else b"\0"
        raw.append(b + fill * (size - len(b)))
    data = np.array(raw, dtype="S%d" % size)
    space = h5py.h5s.create(h5py.h5s.SCALAR) if scalar else h5py.h5s.create_simple((len(vals),))
    aid = h5py.h5a.create(f.id, name.encode(), tid, space)
    aid.write(data.reshape(()) if scalar else data, mtype=tid)


def main(out):
    with h5py.File(out, "w") as f:
        a = f.attrs
        a["vlen_str"] = TEXT
        a.create("vlen_ascii", TEXT.encode(), dtype=h5py.string_dtype("ascii"))
        a["np_bytes"] = np.bytes_(TEXT)
        a.create("fixed_utf8", TEXT.encode(), dtype=h5py.string_dtype("utf-8", 12))
        lowlevel(f, "nullterm", TEXT, h5py.h5t.STR_NULLTERM, len(TEXT) + 1)
        lowlevel(f, "spacepad", TEXT, h5py.h5t.STR_SPACEPAD, 12)
        a["nonascii"] = UTEXT
        a.create("nonascii_fix", UTEXT.encode(), dtype=h5py.string_dtype("utf-8", len(UTEXT.encode())))
        a["one_elem"] = [TEXT]
        a["arr_vlen"] = ARR
        a["arr_fixed"] = np.array([s.encode() for s in ARR])
        a.create("arr_bytes", [s.encode() for s in ARR], dtype=h5py.string_dtype("ascii"))
        lowlevel(f, "arr_spacepad", ARR, h5py.h5t.STR_SPACEPAD, 6)
        a["empty"] = ""
    # Check the file says what the docstring claims, so the C test tests
    # the forms it names.
    with h5py.File(out, "r") as f:
        def tid(n):
            return f.attrs.get_id(n).get_type()
        assert tid("vlen_str").is_variable_str() and tid("vlen_str").get_cset() == h5py.h5t.CSET_UTF8
        assert tid("vlen_ascii").is_variable_str() and tid("vlen_ascii").get_cset() == h5py.h5t.CSET_ASCII
        assert not tid("np_bytes").is_variable_str() and tid("np_bytes").get_size() == len(TEXT)
        assert tid("np_bytes").get_strpad() == h5py.h5t.STR_NULLPAD
        assert tid("fixed_utf8").get_size() == 12 and tid("fixed_utf8").get_cset() == h5py.h5t.CSET_UTF8
        assert tid("nullterm").get_strpad() == h5py.h5t.STR_NULLTERM
        assert tid("spacepad").get_strpad() == h5py.h5t.STR_SPACEPAD
        assert f.attrs.get_id("one_elem").shape == (1,)
        assert tid("arr_fixed").get_size() == 4 and not tid("arr_fixed").is_variable_str()
        assert tid("arr_bytes").is_variable_str() and tid("arr_bytes").get_cset() == h5py.h5t.CSET_ASCII


if __name__ == "__main__":
    main(sys.argv[1])
