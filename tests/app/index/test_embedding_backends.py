"""The ONNX embedding backends, on the real packaged model: exported once into a cache
folder, reused from there without PyTorch or the network, and giving torch's vectors
(exactly for ``onnx``, closely for ``onnx-int8``)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from app.errors import ConfigError
from app.index.embedding import ONNX_FILES, LocalEmbedding, default_model_path, model_fingerprint
from tests.conftest import ROOT

# The ONNX backends are optional (the project's ``onnx`` extra, included in ``dev``).
pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
pytest.importorskip("onnx", reason="the onnx extra is not installed")

TEXTS = [
    "What is the maximum debt-to-income ratio for a conventional purchase loan?",
    "Underwriting Guide > Income > Self-employment\nBorrowers who are self-employed must "
    "document two years of income with signed federal tax returns, including all schedules, "
    "and a year-to-date profit and loss statement.",
    "Loan amount | Maximum LTV | Minimum FICO\n$0 - $766,550 | 95% | 620\n"
    "$766,551 - $1,500,000 | 89.99% | 680",
    "",
    "Kreditwürdigkeit – naïve café résumé ✓ 2026-01-01 §4.2(b)",
    "escrow " * 400,  # longer than the model's window: truncated alike
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx_embedding(cache_dir: Path) -> LocalEmbedding:
    return LocalEmbedding(default_model_path(), backend="onnx", cache_dir=cache_dir)


@pytest.fixture(scope="module")
def int8_embedding(cache_dir: Path) -> LocalEmbedding:
    return LocalEmbedding(default_model_path(), backend="onnx-int8", cache_dir=cache_dir)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_onnx_gives_torchs_vectors(
    embedding: LocalEmbedding, onnx_embedding: LocalEmbedding
) -> None:
    expected = embedding.embed(TEXTS)
    got = onnx_embedding.embed(TEXTS)
    assert got.shape == expected.shape == (len(TEXTS), 384)
    assert got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.abs(got - expected).max() < 1e-4
    assert _cosines(got, expected).min() > 0.9999


def test_batches_and_order_do_not_change_vectors(onnx_embedding: LocalEmbedding) -> None:
    together = onnx_embedding.embed(TEXTS)
    one_by_one = np.stack([onnx_embedding.embed([t])[0] for t in TEXTS])
    reversed_order = onnx_embedding.embed(TEXTS[::-1])[::-1]
    assert np.abs(together - one_by_one).max() < 1e-5
    assert np.abs(together - reversed_order).max() < 1e-5


def test_int8_vectors_stay_close_and_rank_alike(
    embedding: LocalEmbedding, int8_embedding: LocalEmbedding
) -> None:
    assert _cosines(int8_embedding.embed(TEXTS), embedding.embed(TEXTS)).min() > 0.97
    passages = [
        "The maximum debt-to-income ratio for a conventional loan is 45 percent.",
        "Flood insurance is required when the property is in a special flood hazard area.",
        "A HELOC draw period lasts ten years, followed by a twenty-year repayment period.",
        "Self-employed borrowers document two years of income with tax returns.",
    ]
    asked = [
        "how high can DTI go on a conventional loan",
        "when is flood insurance needed",
        "how long is the draw period on a home equity line",
        "what income documents does a self-employed borrower need",
    ]
    for model in (embedding, int8_embedding):
        scores = model.embed(asked) @ model.embed(passages).T
        assert list(scores.argmax(axis=1)) == [0, 1, 2, 3]


def test_tokens_window_and_dimension_match_torch(
    embedding: LocalEmbedding, onnx_embedding: LocalEmbedding, int8_embedding: LocalEmbedding
) -> None:
    for model in (onnx_embedding, int8_embedding):
        assert model.count_tokens(TEXTS) == embedding.count_tokens(TEXTS)
        assert (model.window, model.dimension, model.special_tokens) == (
            embedding.window,
            embedding.dimension,
            embedding.special_tokens,
        )
    assert (embedding.backend, onnx_embedding.backend, int8_embedding.backend) == (
        "torch",
        "onnx",
        "onnx-int8",
    )
    assert embedding.onnx_file is None


def test_query_seam_and_empty_input(onnx_embedding: LocalEmbedding) -> None:
    vector = onnx_embedding.get_query_embedding(TEXTS[0])
    assert len(vector) == 384
    assert np.allclose(vector, onnx_embedding.embed(TEXTS[:1])[0], atol=1e-6)
    assert onnx_embedding.embed([]).shape == (0, 384)
    cached = onnx_embedding.embed_cached(TEXTS[:2])
    assert np.allclose(cached, onnx_embedding.embed(TEXTS[:2]), atol=1e-6)


def test_exports_live_in_the_cache_folder_only(
    cache_dir: Path, onnx_embedding: LocalEmbedding, int8_embedding: LocalEmbedding
) -> None:
    folder = onnx_embedding.onnx_file.parent
    assert folder.parent == cache_dir
    assert folder.name == f"{default_model_path().name}-{model_fingerprint(default_model_path())}"
    assert int8_embedding.onnx_file == folder / ONNX_FILES["onnx-int8"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "export.json",
        "model.onnx",
        "model_int8.onnx",
        "tokenizer.json",
    ]  # no half-written or scratch files left
    about = json.loads((folder / "export.json").read_text())
    assert about["files"] == ["model.onnx", "model_int8.onnx", "tokenizer.json"]
    # Nothing is added to the installed model package.
    assert not list(default_model_path().rglob("*.onnx"))


def test_quantizing_leaves_logging_as_it_was(
    onnx_embedding: LocalEmbedding, tmp_path: Path
) -> None:
    """The quantizer logs through the root logger; it neither prints nor leaves a handler."""
    from app.index.embedding import _quantize_int8

    root = logging.getLogger()
    handlers, filters = list(root.handlers), list(root.filters)
    _quantize_int8(onnx_embedding.onnx_file, tmp_path / "model_int8.onnx")
    assert (tmp_path / "model_int8.onnx").is_file()
    assert (root.handlers, root.filters) == (handlers, filters)


def test_cached_export_is_reused_as_it_is(
    cache_dir: Path, onnx_embedding: LocalEmbedding, int8_embedding: LocalEmbedding
) -> None:
    files = [onnx_embedding.onnx_file, int8_embedding.onnx_file]
    before = [(f.stat().st_ino, f.stat().st_mtime_ns) for f in files]
    again = [
        LocalEmbedding(default_model_path(), backend=backend, cache_dir=cache_dir)
        for backend in ("onnx", "onnx-int8")
    ]
    assert [m.onnx_file for m in again] == files
    assert [(f.stat().st_ino, f.stat().st_mtime_ns) for f in files] == before
    assert np.array_equal(again[0].embed(TEXTS), onnx_embedding.embed(TEXTS))


def test_cached_export_loads_without_torch_or_network(
    cache_dir: Path, onnx_embedding: LocalEmbedding, int8_embedding: LocalEmbedding, tmp_path: Path
) -> None:
    """A fresh process with PyTorch and transformers made unimportable and every
    non-loopback socket refused loads both cached models and embeds them as this process
    does: nothing is exported or fetched again."""
    texts = ["flood insurance", "debt-to-income ratio"]
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["torch"] = None  # any import of torch now fails
        sys.modules["transformers"] = None
        sys.modules["sentence_transformers"] = None
        from tests import netguard
        netguard.install()
        from pathlib import Path
        import numpy as np
        from app.index.embedding import LocalEmbedding, default_model_path
        for backend in ("onnx", "onnx-int8"):
            model = LocalEmbedding(
                default_model_path(), backend=backend, cache_dir=Path({str(cache_dir)!r})
            )
            np.save(Path({str(tmp_path)!r}) / f"{{backend}}.npy", model.embed({texts!r}))
            print(backend, model.onnx_file)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for model in (onnx_embedding, int8_embedding):
        assert f"{model.backend} {model.onnx_file}\n" in result.stdout
        vectors = np.load(tmp_path / f"{model.backend}.npy")
        assert np.abs(vectors - model.embed(texts)).max() < 1e-5


def test_other_weights_get_their_own_cache_folder(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(default_model_path(), copy)
    assert model_fingerprint(copy) == model_fingerprint(default_model_path())
    config = json.loads((copy / "config.json").read_text())
    config["layer_norm_eps"] = 1e-6
    (copy / "config.json").write_text(json.dumps(config))
    assert model_fingerprint(copy) != model_fingerprint(default_model_path())


def test_unsupported_models_and_settings_are_refused(tmp_path: Path) -> None:
    model = tmp_path / "with-dense"
    shutil.copytree(default_model_path(), model)
    modules = json.loads((model / "modules.json").read_text())
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "x.models.Dense"})
    (model / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ConfigError, match="Dense"):
        LocalEmbedding(model, backend="onnx", cache_dir=tmp_path / "cache")
    with pytest.raises(ConfigError, match="cache folder"):
        LocalEmbedding(default_model_path(), backend="onnx")
    with pytest.raises(ConfigError, match="CPU"):
        LocalEmbedding(default_model_path(), backend="onnx", device="cuda", cache_dir=tmp_path)
    with pytest.raises(ConfigError, match="unknown embedding backend"):
        LocalEmbedding(default_model_path(), backend="tensorrt", cache_dir=tmp_path)  # type: ignore[arg-type]
    assert not (tmp_path / "cache").exists()


def test_backend_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pydantic import ValidationError

    from app.settings import load_settings

    assert load_settings().embedding.backend == "torch"
    monkeypatch.setenv("COPILOT_EMBEDDING__BACKEND", "onnx-int8")
    monkeypatch.setenv("COPILOT_EMBEDDING__ONNX_DIR", str(tmp_path / "exports"))
    section = load_settings().embedding
    assert (section.backend, section.onnx_dir) == ("onnx-int8", tmp_path / "exports")
    monkeypatch.setenv("COPILOT_EMBEDDING__BACKEND", "openvino")
    with pytest.raises(ValidationError):
        load_settings()
