"""cogscope.RunLog: what it writes (read back with h5py, an independent
reader) and what the C tools read of it; errors as exceptions."""
import json

import h5py
import numpy as np
import pytest

import cogscope
from conftest import run_cli


def test_runlog_roundtrip(tmp_path):
    out = tmp_path / "r.h5"
    rng = np.random.default_rng(0)
    acts = [rng.normal(size=(20, 5)).astype(np.float32) for _ in range(3)]
    with cogscope.RunLog(out, trainer="pytest", dataset="toy", seed=7, lr=0.25,
                         sizes=[3, 5, 2], tags=["a", "b"]) as log:
        assert log.add_layer("enc") == 0
        assert log.add_layer("out.fc") == 1
        log.declare_series("loss")
        log.declare_series("epoch", dtype="int32")
        log.declare_layer_series("enc", "weight_norm")
        log.declare_snapshot("enc", "activations", (20, 5))
        log.declare_snapshot("out.fc", "kernels", (2, 3, 4))
        log.declare_eval("acc")
        log.set_probe(rng.normal(size=(20, 2, 2)), np.arange(20) % 3)
        for step in range(30):
            log.append_step(step, loss=1.0 / (step + 1), epoch=step // 10,
                            layers={("enc", "weight_norm"): step * 0.5})
            if step % 10 == 0:
                entries = {("enc", "activations"): acts[step // 10]}
                if step == 10:
                    entries[("out.fc", "kernels")] = np.ones((2, 3, 4))
                log.append_snapshot(step, entries)
        log.append_eval(29, acc=0.75)
    with h5py.File(out, "r") as f:
        assert np.allclose(f["steps/loss"][:], 1.0 / np.arange(1, 31))
        assert list(f["steps/epoch"][:]) == [s // 10 for s in range(30)]
        assert np.allclose(f["layers/enc/weight_norm"][:], np.arange(30) * 0.5)
        assert np.array_equal(f["layers/enc/activations"][:], np.stack(acts))
        k = f["layers/out.fc/kernels"][:]
        # not put at snapshot 0: NaN there (the writer may leave the extent
        # short after the last put; readers pad with NaN)
        assert k.shape[1:] == (2, 3, 4) and np.isnan(k[0]).all() and (k[1] == 1).all()
        assert list(f["snapshots/step"][:]) == [0, 10, 20]
        assert f["probe/inputs"].shape == (20, 4)
        assert list(f["probe/labels"][:]) == list(np.arange(20) % 3)
        assert list(f["eval/acc"][:]) == [0.75] and list(f["eval/step"][:]) == [29]
        cfg = f["config"].attrs
        assert cfg["seed"] == 7 and cfg["lr"] == 0.25 and list(cfg["sizes"]) == [3, 5, 2]
        s = cfg["trainer"]
        assert (s.decode() if isinstance(s, bytes) else s) == "pytest"
    info = json.loads(run_cli("info", out, "--json").stdout)
    assert info["steps"] == 30


def test_runlog_errors(tmp_path):
    log = cogscope.RunLog(tmp_path / "e.h5")
    log.add_layer("l")
    log.declare_series("loss")
    log.declare_snapshot("l", "activations", (4, 2))
    with pytest.raises(KeyError, match="no layer 'nope'"):
        log.declare_snapshot("nope", "activations", (4, 2))
    with pytest.raises(cogscope.CogscopeError) as e:
        log.add_layer("a/b")
    assert e.value.status == "EINVAL" and "a/b" in str(e.value)
    with pytest.raises(KeyError, match="'acc' was not declared"):
        log.append_step(0, acc=1.0)
    with pytest.raises(ValueError, match=r"shape \(3, 2\), declared \(4, 2\)"):
        log.append_snapshot(0, {("l", "activations"): np.zeros((3, 2))})
    log.append_step(0, loss=0.5)
    with pytest.raises(cogscope.CogscopeError):
        log.declare_series("late")  # after the first append: SWMR forbids new datasets
    log.close()
    log.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        log.append_step(1, loss=0.0)
    with pytest.raises(cogscope.CogscopeError) as e:
        cogscope.RunLog(tmp_path / "missing" / "dir" / "x.h5")
    assert "missing" in str(e.value)
