"""The web app under ``streamlit.testing.v1.AppTest``, over its own copy of the sample
library (pages upload and retire documents), with the session's models."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

MAIN = ROOT / "app" / "ui" / "main.py"


@pytest.fixture
def open_workspace(sample_data: Path, service_parts, embedding, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Opens a workspace over a private copy of the sample library, with settings overrides,
    and serves it to the app; everything is closed afterwards."""
    from app.factory import build_service, open_store
    from app.records.library import PolicyLibrary
    from app.settings import load_settings
    from app.ui import state
    from app.workspace import Workspace

    _, redactor = service_parts
    opened: list[Workspace] = []

    def make(**overrides: Any) -> Workspace:
        data = tmp_path / f"data-{len(opened)}"
        shutil.copytree(sample_data, data)
        settings = load_settings(app={"data_dir": data, **overrides.pop("app", {})}, **overrides)
        store = open_store(settings, embedding.dimension)
        service = build_service(settings, embedding=embedding, store=store, redactor=redactor)
        ws = Workspace(
            settings,
            service=service,
            library=PolicyLibrary(settings, store, embedding),
            close=store.close,
        )
        opened.append(ws)
        state.provide(ws)
        return ws

    yield make
    state.provide(None)
    for ws in opened:
        ws.close()


@pytest.fixture
def app(open_workspace) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    """Starts the app (first run done) over a fresh workspace; returns ``(AppTest, ws)``."""
    from streamlit.testing.v1 import AppTest

    def start(**overrides: Any) -> tuple[AppTest, Any]:
        ws = open_workspace(**overrides)
        at = AppTest.from_file(str(MAIN), default_timeout=120)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at, ws

    return start


def plain(markdown: str) -> str:
    """What a reader sees of text made literal by ``app.ui.render.md``: its backslash escapes
    and invisible word joiners removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def labels(at: Any) -> list[str]:
    """The expanders' labels, as the reader sees them."""
    return [plain(e.label) for e in at.expander]


def frames(at: Any) -> list[str]:
    """The HTML inside each ``st.iframe`` on the page (where files are handed to the session)."""
    return [str(e.proto.srcdoc) for e in at.get("iframe")]


def answers(at: Any) -> list[list[Any]]:
    """Each answer as its markers component receives it: text pieces, and a marker as
    ``{"n": 1, "label": ...}``."""
    import json

    return [
        json.loads(e.proto.json)["parts"]
        for e in at.get("bidi_component")
        if e.proto.component_name == "copilot_answer_markers"
    ]


def choose(at: Any, answer: int, marker: int) -> Any:
    """What a click on marker ``[marker]`` of answer ``answer`` (0 first) records."""
    at.session_state["citation"] = (answer, marker)
    return rerun(at)


def page_images(at: Any) -> list[dict[str, Any]]:
    """What each page image drawn (in the citation panel) is given: ``src``, ``alt``,
    ``page``, its size and where the highlight starts (``top``)."""
    import json

    return [
        json.loads(e.proto.json)
        for e in at.get("bidi_component")
        if e.proto.component_name == "copilot_page_image"
    ]


def texts(at: Any, kind: str = "markdown") -> list[str]:
    return [plain(str(e.value)) for e in getattr(at, kind)]


def joined(at: Any, kind: str = "markdown") -> str:
    return "\n".join(texts(at, kind))


def rerun(at: Any) -> Any:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: Any, question: str) -> Any:
    at.chat_input[0].set_value(question)
    return rerun(at)
