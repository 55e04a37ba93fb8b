"""The audit key: from the environment, or a key file made on first start, owner-only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.errors import AuditKeyError, ConfigError
from app.records.audit_key import load_key
from app.settings import load_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_key_file_is_made_on_first_start_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = load_settings(app={"data_dir": tmp_path / "data"})
    umask = os.umask(0o022)
    try:
        key = load_key(settings)
    finally:
        os.umask(umask)
    path = tmp_path / "data" / "audit.key"
    assert settings.audit_key_path == path and mode(path) == 0o600
    assert len(key) == 64 and int(key, 16) >= 0 and path.read_bytes() == key + b"\n"
    assert load_key(settings) == key  # read back, not made again
    assert [p.name for p in path.parent.iterdir()] == ["audit.key"]  # no temporary left


def test_the_key_file_can_live_elsewhere(tmp_path: Path) -> None:
    settings = load_settings(
        app={"data_dir": tmp_path / "data"}, audit={"key_file": tmp_path / "secret" / "k"}
    )
    load_key(settings)
    assert mode(tmp_path / "secret" / "k") == 0o600 and not (tmp_path / "data").exists()


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_may_read_is_refused(tmp_path: Path, loose: int) -> None:
    settings = load_settings(app={"data_dir": tmp_path})
    load_key(settings)
    settings.audit_key_path.chmod(loose)
    with pytest.raises(AuditKeyError) as caught:
        load_key(settings)
    message = str(caught.value)
    assert f"may be read or changed by others (mode {loose:o}); run `chmod 600 " in message
    assert "\n" not in message


def test_a_short_or_empty_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "audit.key"
    path.touch(mode=0o600)
    with pytest.raises(AuditKeyError, match="is empty: it needs at least 32 characters"):
        load_key(load_settings(app={"data_dir": tmp_path}))
    monkeypatch.setenv("COPILOT_AUDIT__KEY", "short")
    with pytest.raises(AuditKeyError, match="COPILOT_AUDIT__KEY is too short"):
        load_key(load_settings(app={"data_dir": tmp_path}))


def test_the_key_from_the_environment_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_AUDIT__KEY", "  " + "s" * 40 + "\n")
    assert load_key(load_settings(app={"data_dir": tmp_path})) == b"s" * 40
    assert not (tmp_path / "audit.key").exists()


def test_the_key_is_refused_in_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "copilot.toml"
    config.write_text('[audit]\nkey = "' + "s" * 40 + '"\n')
    monkeypatch.setenv("COPILOT_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"audit\.key must not be written in the config file"):
        load_settings()
