"""cogscope.blas() and the import-time warning about generic OpenBLAS
kernels (docs/install.md, BLAS kernels), each checked in a fresh interpreter:
OpenBLAS chooses its kernels once per process."""
import json
import os
import subprocess
import sys

from conftest import ROOT

AVX2_CLASS = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"}


def _python(code, coretype):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    env.pop("OPENBLAS_CORETYPE", None)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return p.stdout, p.stderr


def _cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def test_blas_names_the_kernels_and_warns_only_when_better_ones_exist():
    out, err = _python("import json, cogscope; print(json.dumps(cogscope.blas()))", None)
    k = json.loads(out)
    assert k["kernel"] and k["kernel"] in k["config"]
    if k["kernel"] in AVX2_CLASS or not {"avx2", "fma"} <= _cpu_flags():
        assert k["better"] is None
    else:  # generic kernels on a CPU with AVX2 and FMA: a better choice, and the warning naming it
        assert k["better"] in ("SkylakeX", "Haswell")
    if k["better"]:
        assert f"OPENBLAS_CORETYPE={k['better']}" in err and "RuntimeWarning" in err
    else:
        assert "RuntimeWarning" not in err


def test_a_kernel_choice_in_the_environment_is_kept_without_warning():
    out, err = _python("import json, cogscope; print(json.dumps(cogscope.blas()))", "Prescott")
    k = json.loads(out)
    assert k["kernel"] == "Prescott"
    assert "RuntimeWarning" not in err
