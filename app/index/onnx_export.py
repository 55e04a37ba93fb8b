"""ONNX exports of a sentence-transformers model, made offline from its local folder for the
``onnx`` and ``onnx-int8`` embedding backends (:mod:`app.index.embedding`), and kept in a cache
folder named after a fingerprint of the model's files. Nothing is ever downloaded."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from app.errors import ConfigError

log = logging.getLogger(__name__)

EXPORT_RECIPE = 1
"""Part of the cache key: raise it when the export below changes, so that old files are
not reused."""
ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model_int8.onnx"}
TOKENIZER_FILE = "tokenizer.json"
"""Saved beside the exports: the tokenizer exactly as sentence-transformers sets it up."""
_OPSET = 17
MISSING = (
    "the {backend} embedding backend needs the {package} package: install the project's "
    "onnx extra (pip install '.[onnx]') or set embedding.backend = \"torch\""
)


class Layout:
    """What the ONNX backend needs from a sentence-transformers folder: the transformer's
    folder, its window, and the pooling. Only Transformer -> Pooling (-> Normalize) models
    are supported; anything else runs on the torch backend."""

    def __init__(
        self, transformer: Path, max_seq_length: int, pooling: str, dimension: int
    ) -> None:
        self.transformer = transformer
        self.max_seq_length = max_seq_length
        self.pooling = pooling
        self.dimension = dimension

    @classmethod
    def read(cls, model_path: Path) -> Layout:
        modules = json.loads((model_path / "modules.json").read_text(encoding="utf-8"))
        kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            raise ConfigError(
                f"{model_path.name}: the ONNX embedding backends support Transformer, Pooling "
                f"and Normalize modules only (this model has {', '.join(kinds)}); use torch"
            )
        transformer = model_path / modules[0].get("path", "")
        pooling_config = json.loads(
            (model_path / modules[1]["path"] / "config.json").read_text(encoding="utf-8")
        )
        mode = pooling_config.get("pooling_mode") or next(
            (
                name
                for name, flag in (
                    ("mean", "pooling_mode_mean_tokens"),
                    ("cls", "pooling_mode_cls_token"),
                    ("max", "pooling_mode_max_tokens"),
                    ("mean_sqrt_len_tokens", "pooling_mode_mean_sqrt_len_tokens"),
                )
                if pooling_config.get(flag)
            ),
            None,
        )
        if mode not in ("mean", "cls"):
            raise ConfigError(
                f"{model_path.name}: the ONNX embedding backends support mean or CLS pooling "
                f"only (this model pools by {mode}); use torch"
            )
        dimension = pooling_config.get("word_embedding_dimension") or pooling_config.get(
            "embedding_dimension"
        )
        st_config = transformer / "sentence_bert_config.json"
        model_config = json.loads((transformer / "config.json").read_text(encoding="utf-8"))
        st_settings = (
            json.loads(st_config.read_text(encoding="utf-8")) if st_config.is_file() else {}
        )
        window = st_settings.get("max_seq_length") or model_config.get(
            "max_position_embeddings", 512
        )
        dimension = dimension or model_config["hidden_size"]
        return cls(transformer, int(window), mode, int(dimension))

    def tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(self.transformer), local_files_only=True)


def model_fingerprint(model_path: Path) -> str:
    """A hash of the export recipe and of the model's files, which names the cache folder:
    other weights, another model or another recipe never reuse an export."""
    digest = hashlib.sha256(f"recipe {EXPORT_RECIPE}\n".encode())
    folders = [model_path, *sorted(p for p in model_path.iterdir() if p.is_dir())]
    for folder in folders:
        for file in sorted(p for p in folder.iterdir() if p.is_file()):
            if file.name in ("README.md", ".gitattributes"):
                continue
            digest.update(f"{file.relative_to(model_path).as_posix()}\n".encode())
            with file.open("rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def onnx_model_file(model_path: Path, backend: str, cache_dir: Path) -> Path:
    """The exported model for ``backend`` (``onnx`` or ``onnx-int8``), made on first use.

    Files are written under a temporary name and renamed into place, so a process that
    stops half way leaves nothing that a later start would load; two processes exporting
    at once both end with a complete file.
    """
    folder = Path(cache_dir) / f"{model_path.name}-{model_fingerprint(model_path)}"
    target = folder / ONNX_FILES[backend]
    tokenizer = folder / TOKENIZER_FILE
    if target.is_file() and tokenizer.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / ONNX_FILES["onnx"]
    if importlib.util.find_spec("onnx") is None:
        raise ConfigError(MISSING.format(backend=backend, package="onnx"))
    if not (fp32.is_file() and tokenizer.is_file()):
        log.info("exporting %s to ONNX in %s (once)", model_path.name, folder)
        layout = Layout.read(model_path)
        _atomic(tokenizer, lambda tmp: _save_tokenizer(layout, tmp))
        _atomic(fp32, lambda tmp: _export_fp32(layout, tmp))
    if backend == "onnx-int8" and not target.is_file():
        log.info("quantizing the ONNX export of %s to int8 (once)", model_path.name)
        _atomic(target, lambda tmp: _quantize_int8(fp32, tmp))
    _write_provenance(folder, model_path)
    return target


def _atomic(target: Path, make: Any) -> None:
    scratch = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        make(scratch / target.name)
        os.replace(scratch / target.name, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _save_tokenizer(layout: Layout, target: Path) -> None:
    """The fast tokenizer as transformers configures it from the model folder (the
    tokenizer config can change what ``tokenizer.json`` alone would do)."""
    target.write_text(layout.tokenizer().backend_tokenizer.to_str(), encoding="utf-8")


def _export_fp32(layout: Layout, target: Path) -> None:
    """The transformer to ONNX (token embeddings out), through PyTorch's exporter, then
    ONNX Runtime's transformer fusions where the architecture is one it knows."""
    import torch
    from transformers import AutoModel

    tokenizer = layout.tokenizer()
    # Eager attention exports as plain operators that ONNX Runtime fuses into its own.
    model = AutoModel.from_pretrained(
        str(layout.transformer), local_files_only=True, attn_implementation="eager"
    ).eval()
    sample = tokenizer(
        ["An example passage.", "A second, longer example passage for the export."],
        padding=True,
        return_tensors="pt",
    )
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: Any) -> Any:
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    raw = target.with_name("raw.onnx")
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden().eval(),
            tuple(sample[n] for n in names),
            str(raw),
            dynamo=False,
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=_OPSET,
        )
    config = model.config
    if config.model_type == "bert":
        from onnxruntime.transformers import optimizer

        optimized = optimizer.optimize_model(
            str(raw),
            model_type="bert",
            num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size),
        )
        optimized.save_model_to_file(str(target))
        raw.unlink()
    else:
        raw.rename(target)


def _quantize_int8(source: Path, target: Path) -> None:
    """Dynamic quantization: int8 weights per channel for the matrix products and the fused
    attention, activations quantized on the fly; embeddings and norms stay float."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantizer logs through the root logger (advice to pre-process, which does not
    # apply here); keep that quiet and keep it from configuring logging for the process.
    root = logging.getLogger()
    guard = logging.NullHandler()
    root.addHandler(guard)
    root.addFilter(_not_from_onnxruntime)
    try:
        quantize_dynamic(
            source,
            target,
            op_types_to_quantize=["MatMul", "Attention"],
            per_channel=True,
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.removeFilter(_not_from_onnxruntime)
        root.removeHandler(guard)


def _not_from_onnxruntime(record: logging.LogRecord) -> bool:
    return "onnxruntime" not in Path(record.pathname).parts


def _write_provenance(folder: Path, model_path: Path) -> None:
    """What made the files, for people reading the cache folder."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    about_file = folder / "export.json"
    about = {
        "model": model_path.name,
        "recipe": EXPORT_RECIPE,
        "opset": _OPSET,
        "files": sorted(p.name for p in folder.iterdir() if p.is_file() and p != about_file),
        "versions": {n: installed(n) for n in ("torch", "transformers", "onnxruntime", "onnx")},
    }
    try:
        about_file.write_text(json.dumps(about, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning("could not write %s: %s", about_file, exc)
