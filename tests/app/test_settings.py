from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import ConfigError
from app.settings import load_settings


def test_defaults_are_embedded_and_offline(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.app.data_dir == tmp_path / "data"
    assert settings.store.mode == "edge"
    assert settings.store_path == tmp_path / "data" / "edge"
    assert load_settings(store={"mode": "local"}).store_path == tmp_path / "data" / "qdrant"
    assert settings.app.host == "127.0.0.1"


def test_config_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "copilot.toml").write_text(
        '[app]\ndata_dir = "/srv/copilot"\n'
        '[chunking]\nmax_tokens = 150\n[store]\ncollection = "a"\n'
    )
    monkeypatch.setenv("COPILOT_STORE__COLLECTION", "from_env")
    settings = load_settings()
    assert settings.app.data_dir == Path("/srv/copilot")
    assert settings.chunking.max_tokens == 150
    assert settings.store.collection == "from_env"


def test_named_config_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="not a file"):
        load_settings()


def test_qdrant_url_selects_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QDRANT_URL", "http://127.0.0.1:6333")
    monkeypatch.setenv("QDRANT_API_KEY", "k3y")
    settings = load_settings()
    assert settings.store.mode == "server"
    assert settings.store.url == "http://127.0.0.1:6333"
    assert settings.store.api_key is not None and settings.store.api_key.get_secret_value() == "k3y"
    assert "k3y" not in repr(settings)


def test_secrets_are_refused_in_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "copilot.toml").write_text('[store]\napi_key = "k3y"\n')
    with pytest.raises(ConfigError, match="QDRANT_API_KEY"):
        load_settings()


def test_unknown_settings_are_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "copilot.toml").write_text("[stroe]\nmode = 'local'\n")
    with pytest.raises(ValueError, match="stroe"):
        load_settings()


def test_the_readme_example_config_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = readme.split("```toml")[1].split("```")[0]
    (tmp_path / "copilot.toml").write_text(example)
    settings = load_settings()
    assert settings.retrieval.top_k == 5 and settings.llm.backend == "extractive"
