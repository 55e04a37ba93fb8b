"""The OpenAI-compatible answer backend: numbered sources and a redacted question -> a
``Generation`` written by a model behind any OpenAI-compatible chat endpoint (vLLM,
llama.cpp server, Ollama, Azure OpenAI's ``/openai/v1``, OpenAI).

The prompt is the versioned file ``app/question/prompts/answer.v2.txt``. Sources are numbered
in the order given, each with the lead-ins of the paragraphs it sits in, and their text is
fenced as data; the model must end every sentence with the marker(s) of its source(s) or
reply exactly ``NOT FOUND``. Its answer is checked downstream (:mod:`app.question.verify`),
never trusted as is.

Retries are ours, not the client's: after the first attempt, up to ``max_retries`` more on
a timeout, a connection error, HTTP 429 or 5xx, waiting ``backoff_s`` then twice as long
each time. Any other failure, or the last one, raises :class:`LlmError`, whose message
says what failed and never quotes the question, the sources or the server's reply.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from importlib import resources
from string import Template
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app.errors import ConfigError
from app.models import Filters, Generation, RetrievedChunk
from app.question.answer import NOT_FOUND
from app.settings import LlmSection
from app.text import lead_ins, may_instruct, neutralise_markers

if TYPE_CHECKING:
    from llama_index.core.llms import ChatMessage

__all__ = ["NOT_FOUND", "PROMPT_VERSION", "LlmError", "OpenAICompatibleBackend", "Prompt"]

log = logging.getLogger(__name__)

PROMPT_VERSION = "answer.v2"
BACKEND_NAME = "openai-compatible"
_NO_KEY = "no-key-configured"
"""The OpenAI client refuses to start without a key; servers that need none ignore it."""
_PARTS = {
    "system": {"count", "not_found"},
    "user": {"sources", "question", "not_found"},
    "source": {"n", "title", "version", "effective_date", "section", "context", "pages", "text"},
}
_MARKER_LINE = re.compile(r"^=== (\w+) ===$", re.MULTILINE)
_FENCE_TAG = re.compile(r"<(\s*/?\s*(?:source|question)\b)", re.IGNORECASE)
_THINKING = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)


class LlmError(RuntimeError):
    """The model server failed to give an answer (after any retries)."""

    def __init__(self, message: str, *, attempts: int = 1, status: int | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.status = status
        """The last HTTP status received, if the failure was one."""


@dataclass(frozen=True)
class Prompt:
    """A versioned prompt: system message, user message and the block for one source."""

    version: str
    system: Template
    user: Template
    source: Template

    @classmethod
    def parse(cls, version: str, text: str) -> Prompt:
        """Split a prompt file on its ``=== part ===`` lines (what precedes the first is
        comment) and check that each part uses only the placeholders it is given."""
        pieces = _MARKER_LINE.split(text)[1:]  # name, body, name, body...
        names, bodies = pieces[::2], pieces[1::2]
        parts = {name: body.strip("\n") for name, body in zip(names, bodies, strict=True)}
        if set(parts) != set(_PARTS) or len(names) != len(_PARTS):
            raise ValueError(f"prompt {version}: needs exactly the parts {sorted(_PARTS)}")
        templates = {name: Template(body) for name, body in parts.items()}
        for name, template in templates.items():
            if not template.is_valid() or set(template.get_identifiers()) - _PARTS[name]:
                raise ValueError(f"prompt {version}: unknown placeholder in the {name} part")
        return cls(version, templates["system"], templates["user"], templates["source"])

    def render(self, question: str, sources: Sequence[RetrievedChunk]) -> tuple[str, str]:
        """The system and user messages for ``question`` over ``sources`` ([1] first)."""
        blocks = [
            self.source.substitute(
                n=str(n),
                title=_one_line(s.title),
                version=_one_line(s.version),
                effective_date=s.effective_date.isoformat(),
                section=_one_line(s.section) or "(untitled)",
                context=_within(s),
                pages=_one_line(_pages(s)),
                text=_fence_safe(neutralise_markers(s.text.strip())),
            )
            for n, s in enumerate(sources, start=1)
        ]
        system = self.system.substitute(count=str(len(sources)), not_found=NOT_FOUND)
        user = self.user.substitute(
            sources="\n\n".join(blocks),
            question=_fence_safe(question.strip()),
            not_found=NOT_FOUND,
        )
        return system, user


@lru_cache(maxsize=8)
def load_prompt(version: str = PROMPT_VERSION) -> Prompt:
    """The packaged prompt ``app/question/prompts/<version>.txt``, read and parsed once."""
    text = (resources.files("app.question") / "prompts" / f"{version}.txt").read_text(
        encoding="utf-8"
    )
    return Prompt.parse(version, text)


class OpenAICompatibleBackend:
    """Writes answers with a model behind an OpenAI-compatible chat endpoint."""

    name = BACKEND_NAME

    def __init__(self, settings: LlmSection) -> None:
        if not settings.base_url:
            raise ConfigError(
                "llm.backend = openai-compatible needs the model server's URL: set "
                "COPILOT_LLM__BASE_URL (e.g. http://127.0.0.1:8000/v1)."
            )
        url = urlsplit(settings.base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                "COPILOT_LLM__BASE_URL must be an http(s) URL such as http://127.0.0.1:8000/v1."
            )
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError as exc:
            raise ConfigError(
                "llm.backend = openai-compatible needs the llm extra: pip install '.[llm]'"
            ) from exc

        self.model = settings.model
        self.prompt_version = PROMPT_VERSION
        self._settings = settings
        self._where = url.hostname + (f":{url.port}" if url.port else "")
        self._prompt = load_prompt(PROMPT_VERSION)
        key = settings.api_key.get_secret_value() if settings.api_key else ""
        self._llm = OpenAILike(
            model=settings.model,
            api_base=settings.base_url,
            api_key=key or _NO_KEY,
            is_chat_model=True,
            is_function_calling_model=False,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            timeout=settings.timeout_s,
            max_retries=0,  # retries are ours (see _chat)
            reuse_client=True,
        )

    def generate(
        self,
        question: str,
        sources: Sequence[RetrievedChunk],
        *,
        filters: Filters | None = None,
    ) -> Generation:
        """Answer the (already redacted) ``question`` from ``sources``, cited ``[1]``..
        ``[n]`` in the order given. No sources: ``NOT FOUND`` without calling the model.
        ``filters`` are accepted for the backend interface and not used: the sources were
        already retrieved under them, and the prompt does not mention them.

        Raises :class:`LlmError` when the model server fails."""
        if not sources:
            text = NOT_FOUND
        else:
            from llama_index.core.llms import ChatMessage, MessageRole

            system, user = self._prompt.render(question, sources)
            text = self._chat(
                [
                    ChatMessage(role=MessageRole.SYSTEM, content=system),
                    ChatMessage(role=MessageRole.USER, content=user),
                ]
            )
        return Generation(
            text=text, backend=self.name, model=self.model, prompt_version=self.prompt_version
        )

    def _chat(self, messages: list[ChatMessage]) -> str:
        attempts = 1 + self._settings.max_retries
        delay = self._settings.backoff_s
        for attempt in range(1, attempts + 1):
            try:
                response = self._llm.chat(messages)
            except Exception as exc:
                failure = self._failure(exc)
                if failure is None:
                    raise
                message, retryable, status = failure
                if not retryable or attempt == attempts:
                    tried = f"{attempt} attempt" + ("s" if attempt > 1 else "")
                    error = LlmError(f"{message} ({tried})", attempts=attempt, status=status)
                    # Transport errors say nothing of the content; keep them as the cause.
                    # Others may quote the server's reply (which may quote the prompt).
                    raise error from (exc if status is None and retryable else None)
                log.warning(
                    "model server attempt %d of %d failed (%s); retrying in %.2f s",
                    attempt,
                    attempts,
                    message,
                    delay,
                )
                time.sleep(delay)
                delay *= 2
                continue
            content = _THINKING.sub("", response.message.content or "").strip()
            if not content:
                raise LlmError("the model returned an empty answer", attempts=attempt)
            return content
        raise AssertionError("unreachable")  # pragma: no cover

    def _failure(self, exc: Exception) -> tuple[str, bool, int | None] | None:
        """(what failed, worth retrying, HTTP status) for a failed call; ``None`` when the
        exception is not a model-server failure (a bug, which is re-raised)."""
        import openai

        where = f"the model server at {self._where}"
        if isinstance(exc, openai.APITimeoutError):
            return f"{where} did not answer within {self._settings.timeout_s:g} s", True, None
        if isinstance(exc, openai.APIConnectionError):
            return f"could not connect to {where}", True, None
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            retryable = status == 429 or status >= 500
            return f"{where} answered HTTP {status}{_hint(status)}", retryable, status
        if isinstance(exc, openai.APIError | ValueError | TypeError | AttributeError | LookupError):
            return f"{where} sent a response that is not a chat completion", False, None
        return None


def _hint(status: int) -> str:
    try:
        phrase = f" {HTTPStatus(status).phrase}"
    except ValueError:
        phrase = ""
    if status in (401, 403):
        return f"{phrase}: check COPILOT_LLM__API_KEY"
    if status == 404:
        return f"{phrase}: check COPILOT_LLM__BASE_URL (often ending in /v1) and COPILOT_LLM__MODEL"
    if status in (400, 413, 422):
        return f"{phrase}: the server rejected the request (too long for the model's context?)"
    return phrase


def _within(source: RetrievedChunk) -> str:
    """The lead-ins of the paragraphs a passage sits in, as the first line of its fenced
    text ("[Within: ... > ...]"); nothing when there are none, or when any of them may be
    addressed to a model (read anywhere in the line, so its number in front hides nothing)."""
    lines = lead_ins(source.context)
    if not lines or any(may_instruct(line) for line in lines):
        return ""
    within = " ".join(" > ".join(lines).split())
    return f"[Within: {_fence_safe(neutralise_markers(within))}]\n"


def _pages(source: RetrievedChunk) -> str:
    first = source.page_label_start or str(source.page_start)
    last = source.page_label_end or str(source.page_end)
    return first if first == last else f"{first} to {last}"


def _one_line(value: str) -> str:
    return _fence_safe(" ".join(value.split()))


def _fence_safe(text: str) -> str:
    """Text that cannot open or close a ``<source>`` or ``<question>`` fence."""
    return _FENCE_TAG.sub(r"&lt;\1", text)
