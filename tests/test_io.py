"""Saving and loading: bit-exact round trips, atomic saves, and hostile or broken files."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

import ffnn
from ffnn import load as load_model
from ffnn import save_model
from ffnn.io import FORMAT_VERSION, ModelFileError


def _trained(dtype="float32", rmsnorm=True, **kwargs):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 5))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    model = ffnn.FFNN([5, 7, 6, 3], ["tanh", "relu", "softmax"], "cce", seed=1, rmsnorm=rmsnorm,
                      dtype=dtype, **kwargs)
    model.fit(X, y, epochs=3, batch_size=16, learning_rate=0.1, verbose=0, validation_data=(X, y))
    return model, X, y


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rmsnorm", [False, True])
def test_round_trip_is_bit_exact(tmp_path, dtype, rmsnorm):
    model, X, _ = _trained(dtype, rmsnorm)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = ffnn.load(path)
    assert loaded.get_config() == model.get_config()
    before, after = model.get_params(), loaded.get_params()
    assert list(before) == list(after)
    for name in before:
        assert after[name].dtype == before[name].dtype == np.dtype(dtype)
        # bit-exact, not merely close: compare the raw bytes
        assert after[name].tobytes() == before[name].tobytes(), name
    assert model.predict(X).tobytes() == loaded.predict(X).tobytes()
    # the last batch's gradients come back too, so pictures of a saved model can show them
    for name, grad in model.get_grads().items():
        assert grad.any() and loaded.get_grads()[name].tobytes() == grad.tobytes(), name
    if rmsnorm:
        assert "layers.0.norm.scale" in after


def test_history_optimizer_and_rng_survive(tmp_path):
    model, X, y = _trained(regularization="l2", reg_lambda=1e-3)
    path = tmp_path / "m.npz"
    save_model(model, path)
    loaded = ffnn.FFNN.load(path)
    assert loaded.history.to_dict() == model.history.to_dict()
    assert loaded.history.history["val_accuracy"] == model.history.history["val_accuracy"]
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations == 3 * 4
    for key, value in model.optimizer.state_dict().items():
        np.testing.assert_array_equal(loaded.optimizer.state_dict()[key], value)
    # the generator continues where it stopped, so further training is reproducible
    assert loaded.rng.random() == model.rng.random()


def test_continued_training_matches(tmp_path):
    model, X, y = _trained()
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    model.fit(X, y, epochs=1, batch_size=16, learning_rate=0.1, verbose=0)
    loaded.fit(X, y, epochs=1, batch_size=16, learning_rate=0.1, verbose=0)
    for a, b in zip(model.get_params().values(), loaded.get_params().values()):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name", ffnn.optimizers.OPTIMIZERS.names())
def test_every_optimizer_state_round_trips_and_training_continues(tmp_path, name):
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    model = ffnn.FFNN([5, 6, 3], ["relu", "softmax"], "cce", seed=0)
    model.fit(X, y, epochs=2, batch_size=8, learning_rate=0.01, optimizer=name, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = ffnn.load(tmp_path / "m.npz")
    assert type(loaded.optimizer) is type(model.optimizer)
    saved_state, loaded_state = model.optimizer.state_dict(), loaded.optimizer.state_dict()
    assert sorted(saved_state) == sorted(loaded_state)
    for key in saved_state:
        assert saved_state[key].tobytes() == loaded_state[key].tobytes(), key
    for m in (model, loaded):  # momentum / Adam moments carry on exactly where they stopped
        m.fit(X, y, epochs=1, batch_size=8, verbose=0, optimizer=m.optimizer)
    for a, b in zip(model.get_params().values(), loaded.get_params().values()):
        assert a.tobytes() == b.tobytes()


def test_untrained_model_round_trips(tmp_path):
    model = ffnn.FFNN([3, 2], ["sigmoid"], "bce", init="uniform",
                      init_params={"low": -1, "high": 1, "seed": 3, "bias": "zero"})
    model.save(tmp_path / "u.npz")
    loaded = ffnn.load(tmp_path / "u.npz")
    assert loaded.history is None and getattr(loaded, "optimizer", None) is None
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.layers[0].weight, model.layers[0].weight)


def test_file_is_a_plain_npz_with_a_version(tmp_path):
    model, _, _ = _trained()
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        meta = json.loads(z["__ffnn__"].tobytes())
        # a layer_sizes model is written as version 1 (readable by every ffnn); stacks need 2
        assert meta["format"] == "ffnn.model" and meta["format_version"] == 1 <= FORMAT_VERSION
        np.testing.assert_array_equal(z["params/layers.1.weight"], model.layers[1].weight)


# ------------------------------------------------------------------------ atomic saving
def test_interrupted_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    old_model, X, _ = _trained()
    old_model.save(path)
    old_bytes = path.read_bytes()
    other = ffnn.FFNN([5, 3], ["softmax"], "cce", seed=9)

    def explode(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt  # e.g. the user pressed Ctrl-C in the middle of the write

    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(KeyboardInterrupt):
        other.save(path)
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["m.npz"]  # no temporary file left behind
    monkeypatch.undo()
    np.testing.assert_array_equal(ffnn.load(path).predict(X), old_model.predict(X))


def test_save_replaces_and_keeps_permissions(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    path.chmod(0o640)
    ffnn.FFNN([2, 2], ["softmax"], "cce", seed=0).save(path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert ffnn.load(path).layer_sizes == [2, 2]


def test_save_into_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ffnn.FFNN([2, 2], ["softmax"], "cce").save(tmp_path / "nope" / "m.npz")


# ------------------------------------------------------------------------ broken files
def _members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write_members(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _npy(array, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def _with_meta(path, out, edit):
    members = _members(path)
    meta = json.loads(np.load(io.BytesIO(members["__ffnn__.npy"])).tobytes())
    edit(meta)
    members["__ffnn__.npy"] = _npy(np.frombuffer(json.dumps(meta).encode(), np.uint8))
    _write_members(out, members)


@pytest.fixture
def saved(tmp_path):
    model, _, _ = _trained()
    path = tmp_path / "good.npz"
    model.save(path)
    return path


def test_truncated_file(saved, tmp_path):
    data = saved.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="truncated|corrupted"):
            ffnn.load(bad)


def test_corrupted_bytes_fail_the_crc(saved, tmp_path):
    members = _members(saved)
    raw = bytearray(saved.read_bytes())
    offset = raw.index(members["params/layers.0.weight.npy"][-64:])  # inside the weight data
    raw[offset + 10] ^= 0xFF
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="corrupted|CRC"):
        ffnn.load(bad)


@pytest.mark.parametrize("content,match", [
    (b"just some text\n", "not a zip"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "not a zip"),
    (b"", "not a zip"),
])
def test_wrong_type_of_file(tmp_path, content, match):
    bad = tmp_path / "x.npz"
    bad.write_bytes(content)
    with pytest.raises(ModelFileError, match=match):
        ffnn.load(bad)


def test_other_npz_is_not_a_model(tmp_path):
    np.savez(tmp_path / "data.npz", X=np.zeros((3, 2)), y=np.zeros(3))
    with pytest.raises(ModelFileError, match="not an ffnn model file"):
        ffnn.load(tmp_path / "data.npz")


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        ffnn.load(tmp_path / "absent.npz")


def test_newer_version_is_refused(saved, tmp_path):
    out = tmp_path / "newer.npz"
    _with_meta(saved, out, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ModelFileError, match="newer ffnn.*Upgrade"):
        ffnn.load(out)


@pytest.mark.parametrize("edit,match", [
    (lambda m: m.update(format="something.else"), "not an ffnn model file"),
    (lambda m: m.update(format_version="1"), "bad format version"),
    (lambda m: m.pop("config"), "'config' is missing"),
    (lambda m: m["config"].update(layer_sizes=[5, 7, 3]), "does not match|bad config"),
    (lambda m: m["config"].update(activations=[{"name": "no_such"}] * 3), "bad config.*no_such"),
    (lambda m: m["config"].update(dtype="float64"), "float32.*needs float64"),
    (lambda m: m["optimizer"]["config"].update(name="nope"), "optimizer config"),
    (lambda m: m.update(history=[1, 2]), "bad history"),
    (lambda m: m.update(rng_state={"bit_generator": "MT19937"}), "bad rng_state"),
])
def test_inconsistent_metadata(saved, tmp_path, edit, match):
    out = tmp_path / "edited.npz"
    _with_meta(saved, out, edit)
    with pytest.raises(ModelFileError, match=match):
        ffnn.load(out)


def test_bad_json(saved, tmp_path):
    members = _members(saved)
    members["__ffnn__.npy"] = _npy(np.frombuffer(b'{"format": "ffnn.model", ', np.uint8))
    out = tmp_path / "badjson.npz"
    _write_members(out, members)
    with pytest.raises(ModelFileError, match="not valid JSON"):
        ffnn.load(out)


@pytest.mark.parametrize("change,match", [
    (lambda m: m.pop("params/layers.1.bias.npy"), "missing member.*layers.1.bias"),
    (lambda m: m.update({"extra.npy": _npy(np.zeros(2))}), "unexpected member.*extra"),
    (lambda m: m.update({"notes.txt": b"hi"}), "unexpected member.*notes.txt"),
    (lambda m: m.update({"params/layers.0.weight.npy": _npy(np.zeros((5, 7)))}), "float64 \\(5, 7\\).*float32"),
    (lambda m: m.update({"params/layers.0.weight.npy": _npy(np.zeros((7, 5), np.float32))}), "\\(7, 5\\)"),
    (lambda m: m.update({"params/layers.0.bias.npy": _npy(np.full(7, np.nan, np.float32))}), "NaN"),
    (lambda m: m.update({"__ffnn__.npy": _npy(np.zeros(3, np.float32))}), "1-D uint8"),
])
def test_bad_members(saved, tmp_path, change, match):
    members = _members(saved)
    change(members)
    out = tmp_path / "bad.npz"
    _write_members(out, members)
    with pytest.raises(ModelFileError, match=match):
        ffnn.load(out)


def test_huge_declared_shape_is_refused_before_allocation(saved, tmp_path):
    members = _members(saved)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    members["params/layers.0.weight.npy"] = header.getvalue() + b"\x00" * 16
    out = tmp_path / "huge.npz"
    _write_members(out, members)
    with pytest.raises(ModelFileError, match=r"needs float32 \(5, 7\)|declares shape \(1000000000000,\)"):
        ffnn.load(out)


class _Payload:
    """Unpickling this runs ``os.mkdir(marker)``: a stand-in for arbitrary code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("member", ["params/layers.0.weight.npy", "__ffnn__.npy", "optimizer/iterations.npy"])
def test_file_crafted_to_run_code_does_not(saved, tmp_path, member):
    # First prove the payload is real: unpickling it with pickle allowed creates its marker.
    proof = tmp_path / "proof"
    np.load(io.BytesIO(_npy(np.array([_Payload(proof)], dtype=object), allow_pickle=True)), allow_pickle=True)
    assert proof.is_dir()

    marker = tmp_path / "pwned"
    members = _members(saved)
    members[member] = _npy(np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    out = tmp_path / "evil.npz"
    _write_members(out, members)
    with pytest.raises(ModelFileError, match="pickle"):
        ffnn.load(out)
    assert not marker.exists()


def test_error_is_a_value_error_and_exported():
    assert issubclass(ffnn.ModelFileError, ValueError)
    assert ffnn.ModelFileError is ModelFileError


# ------------------------------------------------------------------------ PyTorch state_dict
def _torch_twin(model, torch):
    """nn.Sequential with the same layers in the same order as ``model.network``."""
    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "softmax": lambda: torch.nn.Softmax(dim=1)}
    mods = []
    for layer in model.network:
        kind = type(layer).__name__
        if kind == "Dense":
            mods.append(torch.nn.Linear(layer.n_in, layer.n_out))
        elif kind == "RMSNorm":
            mods.append(torch.nn.RMSNorm(layer.n_features, eps=layer.eps))
        else:
            mods.append(acts[layer.activation.name]())
    return torch.nn.Sequential(*mods).to(getattr(torch, model.dtype.name))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_export_to_and_import_from_pytorch(tmp_path, dtype):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    model, X, _ = _trained(dtype, rmsnorm=True)
    ffnn.io.export_torch(model, tmp_path / "w.safetensors")
    twin = _torch_twin(model, torch)
    twin.load_state_dict(st.load_file(str(tmp_path / "w.safetensors")), strict=True)
    with torch.no_grad():
        theirs = twin(torch.from_numpy(X.astype(dtype))).numpy()
    np.testing.assert_allclose(theirs, model.predict(X), rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-7)

    # and back: perturb the PyTorch weights, save them with safetensors, import into a fresh model
    with torch.no_grad():
        for p in twin.parameters():
            p.mul_(1.5)
    st.save_file(twin.state_dict(), str(tmp_path / "back.safetensors"))
    fresh = ffnn.FFNN.from_config(model.get_config())
    ffnn.io.import_torch(fresh, tmp_path / "back.safetensors")
    np.testing.assert_array_equal(fresh.layers[1].weight, twin[3].weight.detach().numpy().T)  # 3: Linear after norm
    with torch.no_grad():
        theirs = twin(torch.from_numpy(X.astype(dtype))).numpy()
    np.testing.assert_allclose(fresh.predict(X), theirs, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-7)


def test_import_torch_errors(tmp_path):
    model = ffnn.FFNN([3, 2], ["softmax"], "cce", seed=0)
    ffnn.io.export_torch(model, tmp_path / "w.safetensors")
    other = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    with pytest.raises(ModelFileError, match="missing \\['2.bias', '2.weight'\\]"):
        ffnn.io.import_torch(other, tmp_path / "w.safetensors")
    wide = ffnn.FFNN([4, 2], ["softmax"], "cce", seed=0)
    with pytest.raises(ModelFileError, match="0.weight has shape \\(2, 3\\), the model needs \\(2, 4\\)"):
        ffnn.io.import_torch(wide, tmp_path / "w.safetensors")
    raw = (tmp_path / "w.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(raw[:-4])
    with pytest.raises(ModelFileError, match=r"0.bias.*truncated"):
        ffnn.io.import_torch(model, tmp_path / "cut.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\xff" * 16)
    with pytest.raises(ModelFileError, match="not a safetensors file"):
        ffnn.io.import_torch(model, tmp_path / "junk.safetensors")
