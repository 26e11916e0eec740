"""The cffi declarations (cogscope/_lib.py) against the real headers: a C
program compiled against include/ prints the size and every field offset of
each struct the package declares, and the value of every enum constant; they
must equal what cffi computed from its copy of the declarations. A header
change that the copy misses fails here instead of corrupting memory."""
import glob
import os
import shutil
import subprocess

import pytest

from cogscope._lib import ffi, lib
from conftest import ROOT

HEADERS = ["core.h", "info.h", "multivariate.h", "pid.h", "phiid.h", "spectral.h",
           "multitaper.h", "aperiodic.h", "sigmapi.h", "runlog.h", "observer.h", "blas.h"]


def _structs():
    typedefs, _, _ = ffi.list_types()
    for name in typedefs:
        t = ffi.typeof(name)
        if t.kind == "struct" and t.fields:
            yield name, t


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_struct_layouts_and_enums_match_headers(tmp_path):
    lines = ['#include <stddef.h>', '#include <stdio.h>']
    lines += [f'#include "cogscope/{h}"' for h in HEADERS]
    lines.append("int main(void) {")
    expected = []
    for name, t in _structs():
        lines.append(f'printf("{name} %zu\\n", sizeof({name}));')
        expected.append(f"{name} {ffi.sizeof(name)}")
        for field, _ in t.fields:
            lines.append(f'printf("{name}.{field} %zu\\n", offsetof({name}, {field}));')
            expected.append(f"{name}.{field} {ffi.offsetof(name, field)}")
    for const in sorted(n for n in dir(lib) if n.startswith("CS_")):
        lines.append(f'printf("{const} %lld\\n", (long long){const});')
        expected.append(f"{const} {getattr(lib, const)}")
    lines.append("return 0; }")
    src = tmp_path / "abi.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "abi"
    # the public headers, one folder per module (include/<module>/cogscope/)
    incs = [f"-I{d}" for d in sorted(glob.glob(os.path.join(ROOT, "include", "*")))]
    subprocess.run(["cc", "-std=c11", *incs, str(src), "-o", str(exe)], check=True)
    got = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split("\n")
    assert [g for g in got if g] == expected
    assert len(expected) > 100  # the structs and enums were found
