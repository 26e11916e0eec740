"""The README's "Instrument a PyTorch model" section, run as a newcomer
would: its Python block (between the readme-torch markers) from a directory
where datasets/ is the repository's, then `cogscope analyze` and
`cogscope report --format html` on the log it wrote."""
import os
import re
import subprocess
import sys

import h5py

from conftest import ROOT, run_cli


def test_readme_torch_section(tmp_path):
    text = open(os.path.join(ROOT, "README.md")).read()
    m = re.search(r"<!-- readme-torch[^>]*-->\s*```python\n(.*?)```\s*<!-- end readme-torch -->",
                  text, re.S)
    assert m, "README.md: the readme-torch block is missing"
    code = m.group(1)
    assert len(code.strip().splitlines()) <= 15  # the issue: "at most ~15 lines"
    os.symlink(os.path.join(ROOT, "datasets"), tmp_path / "datasets")
    script = tmp_path / "snippet.py"
    script.write_text("import torch; torch.set_num_threads(1)\n" + code)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, check=True)
    log = tmp_path / "torch.h5"
    with h5py.File(log, "r") as f:
        steps = len(f["steps/pi"])
        assert steps == 10 * 57
        assert f["layers/1/activations"].shape == ((steps + 19) // 20, 512, 100)
    run_cli("analyze", log)
    assert (tmp_path / "torch.metrics.h5").exists()
    run_cli("report", log, "--format", "html", "-o", tmp_path / "torch.html")
    html = (tmp_path / "torch.html").read_text()
    assert "<html" in html.lower() and len(html) > 5000
