"""The docker compose deployment: docker-compose.yml, the Dockerfile, .dockerignore and
.env.example, checked as files (no Docker engine is needed) and against the copilot's own
command line and settings, which the containers run."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"

SERVICES = {"qdrant", "app", "ingest", "eval"}
JOBS = ("ingest", "eval")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
SECRET_NAME = re.compile(r"KEY|SECRET|PASSWORD|TOKEN|USERS")


# --- loading ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str | None]:
    """A service's environment as a mapping (list form: NAME=value, or NAME to pass on)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(
            (item.split("=", 1)[0], item.split("=", 1)[1]) if "=" in item else (item, None)
            for item in env
        )
    return {name: None if value is None else str(value) for name, value in env.items()}


def command(service: dict[str, Any]) -> list[str]:
    value = service.get("command")
    assert value, "the service has no command"
    return shlex.split(value) if isinstance(value, str) else [str(part) for part in value]


def mounts(service: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Container path -> (source, mode) for every volume of a service (short or long form)."""
    found: dict[str, tuple[str, str]] = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            mode = "ro" if volume.get("read_only") else "rw"
            found[volume["target"]] = (str(volume.get("source", "")), mode)
            continue
        # The source may hold ${VAR:-default}; split on the colons outside ${...}.
        parts = re.split(r":(?![^{]*\})", volume)
        source, target = parts[0], parts[1]
        found[target] = (source, parts[2] if len(parts) > 2 else "rw")
    return found


def env_example() -> tuple[dict[str, str], set[str]]:
    """(variables set in .env.example with their values, every variable it mentions, set or
    commented out)."""
    active: dict[str, str] = {}
    documented: set[str] = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if not match:
            continue
        documented.add(match[2])
        if not match[1]:
            active[match[2]] = match[3]
    return active, documented


def commented_examples() -> dict[str, str]:
    """The optional settings .env.example shows commented out, with their example values."""
    examples: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^#\s*([A-Z][A-Z0-9_]*)=(.+)$", line.strip()):
            examples[match[1]] = match[2]
    return examples


def dotenv_value(raw: str) -> str:
    """A value as compose reads it from an env file (quotes removed)."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${...} interpolation with the given variables; raises on ${VAR:?}."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match[1], match[2], match[3] or ""
        current = variables.get(name)
        if operator in (":-", ":?") and not current:
            current = None
        if current is not None:
            return current
        if operator and operator.endswith("?"):
            raise AssertionError(f"compose would refuse to start: {name} {argument}")
        return argument if operator else ""

    return VARIABLE.sub(substitute, value)


def container_environment(service: dict[str, Any], variables: dict[str, str]) -> dict[str, str]:
    """What the container's environment holds: values interpolated, pass-through variables
    taken from ``variables`` and dropped when unset there."""
    resolved: dict[str, str] = {}
    for name, value in environment(service).items():
        if value is None:
            if name in variables:
                resolved[name] = variables[name]
        else:
            resolved[name] = interpolate(value, variables)
    return resolved


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a line continuation"
    return instructions


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "ENV":
            for item in shlex.split(arguments):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def cli_accepts(argv: list[str]) -> None:
    """The copilot command line parses ``argv`` (``copilot ...``) as the containers run it."""
    from app.cli import _parser

    assert argv[0] == "copilot"
    _parser().parse_args(argv[1:])


# --- services --------------------------------------------------------------------------------


def test_the_four_services_exist(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) >= SERVICES


def test_qdrant_is_pinned_healthchecked_keyed_and_persistent(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    qdrant = services["qdrant"]
    image = qdrant["image"]
    name, _, tag = image.rpartition(":")
    assert name == "qdrant/qdrant"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", tag), f"{image} is not pinned to a version"

    check = qdrant.get("healthcheck") or {}
    assert check.get("test") and not check.get("disable")

    key = VARIABLE.fullmatch(environment(qdrant)["QDRANT__SERVICE__API_KEY"] or "")
    assert key and key[1] == "QDRANT_API_KEY"
    assert key[2] == ":?", "an empty API key must stop compose"

    source, _ = mounts(qdrant)["/qdrant/storage"]
    assert source in (compose.get("volumes") or {}), "qdrant storage is not a named volume"
    for port in qdrant.get("ports") or []:
        assert str(port).startswith("127.0.0.1:")


def test_app_builds_waits_for_qdrant_and_publishes_on_loopback_only(
    services: dict[str, dict[str, Any]],
) -> None:
    app = services["app"]
    build = app["build"]
    context, dockerfile = (
        (build, "Dockerfile")
        if isinstance(build, str)
        else (build.get("context", "."), build.get("dockerfile", "Dockerfile"))
    )
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE
    assert app.get("image"), "the app's image needs a name the jobs can reuse"

    assert app["depends_on"]["qdrant"]["condition"] == "service_healthy"

    ports = app.get("ports") or []
    assert ports, "the app publishes no port"
    for port in ports:
        host_ip, _, rest = str(port).partition(":")
        assert host_ip == "127.0.0.1", f"{port} is reachable from other hosts"
        assert rest.rsplit(":", 1)[-1] == "8501"
        assert "${COPILOT_PORT" in rest


def test_app_talks_to_the_qdrant_service_with_the_key_from_env(
    services: dict[str, dict[str, Any]],
) -> None:
    env = environment(services["app"])
    assert env["QDRANT_URL"] == "http://qdrant:6333"
    key = VARIABLE.fullmatch(env["QDRANT_API_KEY"] or "")
    assert key and key[1] == "QDRANT_API_KEY"
    assert env["COPILOT_APP__SEED_MANIFEST"] == "", "the ingest job fills the server index"


def test_app_keeps_its_data_in_a_named_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    source, mode = mounts(services["app"])["/data"]
    assert source in (compose.get("volumes") or {})
    assert mode == "rw"
    assert environment(services["app"]).get("COPILOT_APP__DATA_DIR", "/data") == "/data"


@pytest.mark.parametrize("name", SERVICES)
def test_no_secret_is_written_into_the_compose_file(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    for variable, value in environment(services[name]).items():
        if SECRET_NAME.search(variable) and value is not None:
            assert VARIABLE.fullmatch(value), f"{name}: {variable} is not read from the env"


@pytest.mark.parametrize("job", JOBS)
def test_jobs_reuse_the_app_image_in_the_jobs_profile(
    compose: dict[str, Any], services: dict[str, dict[str, Any]], job: str
) -> None:
    service = services[job]
    assert service["image"] == services["app"]["image"]
    assert service.get("profiles") == ["jobs"]
    assert not service.get("ports"), "a job publishes no port"
    assert service.get("restart", "no") == "no"
    source, mode = mounts(service)["/data"]
    assert (source, mode) == mounts(services["app"])["/data"], "the job must share app data"


def test_ingest_reads_the_policy_folder_and_writes_the_server_index(
    services: dict[str, dict[str, Any]],
) -> None:
    ingest = services["ingest"]
    argv = command(ingest)
    assert argv == ["copilot", "ingest", "--manifest", "/policies/manifest.json"]
    cli_accepts(argv)

    source, mode = mounts(ingest)["/policies"]
    assert mode == "ro"
    policy_dir = VARIABLE.fullmatch(source)
    assert policy_dir and policy_dir[1] == "POLICY_DIR"
    default = (policy_dir[3] or "").strip()
    assert (ROOT / default / "manifest.json").is_file(), "the default policy folder"

    env = environment(ingest)
    assert env["QDRANT_URL"] == environment(services["app"])["QDRANT_URL"]
    assert env["QDRANT_API_KEY"] == environment(services["app"])["QDRANT_API_KEY"]
    assert ingest["depends_on"]["qdrant"]["condition"] == "service_healthy"


def test_eval_writes_reports_where_the_quality_page_reads_them(
    services: dict[str, dict[str, Any]],
) -> None:
    evaluation = services["eval"]
    argv = command(evaluation)
    assert argv[:2] == ["copilot", "eval"]
    cli_accepts(argv)
    reports = argv[argv.index("--reports") + 1]
    data_dir = environment(services["app"]).get("COPILOT_APP__DATA_DIR", "/data")
    # The Quality page reads <data_dir>/reports (app.workspace.REPORTS_FOLDER).
    from app.workspace import REPORTS_FOLDER

    assert Path(reports) == Path(data_dir or "/data") / REPORTS_FOLDER
    assert reports == "/data/reports"


def test_the_app_command_in_the_image_is_a_copilot_command() -> None:
    cmd = dict(dockerfile_instructions())["CMD"]
    argv = json.loads(cmd)
    assert argv == ["copilot", "serve"]
    cli_accepts(argv)


# --- variables ---------------------------------------------------------------------------------


def test_every_compose_variable_is_documented_in_env_example(
    services: dict[str, dict[str, Any]],
) -> None:
    used = set(VARIABLE.findall(COMPOSE.read_text(encoding="utf-8")))
    names = {name for name, _, _ in used}
    # Variables passed on without a value come from .env as well.
    for service in services.values():
        names |= {name for name, value in environment(service).items() if value is None}
    _, documented = env_example()
    assert names, "the compose file reads no variables"
    assert names <= documented, f"not in .env.example: {sorted(names - documented)}"


def test_env_example_holds_no_secret() -> None:
    active, _ = env_example()
    for name, value in active.items():
        if SECRET_NAME.search(name):
            assert dotenv_value(value) == "", f"{name} has a value in .env.example"


def test_the_app_container_settings_load(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment the app container gets from .env.example (with a key filled in) is one
    the copilot accepts: server mode on the qdrant service, data in /data, no seeding."""
    active, _ = env_example()
    variables = {name: dotenv_value(value) for name, value in active.items()}
    variables["QDRANT_API_KEY"] = "test-key"
    env = container_environment(services["app"], variables)
    for name, value in {**dockerfile_env(), **env}.items():
        monkeypatch.setenv(name, value)

    from app.settings import load_settings

    settings = load_settings()
    assert settings.store.mode == "server"
    assert settings.store.url == "http://qdrant:6333"
    assert settings.store.api_key and settings.store.api_key.get_secret_value() == "test-key"
    assert settings.app.data_dir == Path("/data")
    assert settings.app.seed_manifest is None
    assert settings.app.host == "0.0.0.0"
    assert settings.auth.mode != "local", "the deployment's default must ask users to sign in"


def test_the_optional_settings_shown_in_env_example_load(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uncommenting the documented examples gives settings the copilot accepts."""
    active, _ = env_example()
    variables = {name: dotenv_value(value) for name, value in active.items()}
    examples = {name: dotenv_value(value) for name, value in commented_examples().items()}
    examples.pop("COPILOT_CONFIG")  # names a file that exists only inside the container
    variables |= examples | {"QDRANT_API_KEY": "test-key"}
    env = container_environment(services["app"], variables)
    assert {"COPILOT_LLM__BACKEND", "COPILOT_AUTH__USERS"} <= set(env)
    for name, value in {**dockerfile_env(), **env}.items():
        monkeypatch.setenv(name, value)

    from app.settings import load_settings

    settings = load_settings()
    assert settings.llm.backend == "openai-compatible"
    assert settings.llm.base_url and settings.llm.model
    assert [(u.name, u.role) for u in settings.auth.users] == [
        ("ana", "compliance"),
        ("ben", "underwriter"),
    ]
    assert all(u.password_hash.startswith("scrypt$") for u in settings.auth.users)


@pytest.mark.parametrize("name", ["app", "ingest", "eval"])
def test_unset_variables_do_not_reach_a_container_as_empty_values(
    services: dict[str, dict[str, Any]], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .env holding only the required key: an optional variable left unset must leave the
    setting unset (so the config file or the default applies), never empty; and the settings
    the container gets must load."""
    minimal = {"QDRANT_API_KEY": "test-key"}
    env = container_environment(services[name], minimal)
    for variable, value in environment(services[name]).items():
        if value is not None and VARIABLE.search(value):
            assert env[variable] != "", f"{name}: {variable} is empty when unset in .env"
    for variable, value in {**dockerfile_env(), **env}.items():
        monkeypatch.setenv(variable, value)

    from app.settings import load_settings

    settings = load_settings()
    if name == "app":
        assert settings.auth.mode != "local", "without a choice, users must sign in"


def test_compose_refuses_to_start_without_a_qdrant_key(
    services: dict[str, dict[str, Any]],
) -> None:
    with pytest.raises(AssertionError, match="QDRANT_API_KEY"):
        container_environment(services["app"], {"QDRANT_API_KEY": ""})
    with pytest.raises(AssertionError, match="QDRANT_API_KEY"):
        container_environment(services["qdrant"], {})


# --- Dockerfile --------------------------------------------------------------------------------


def test_base_image_is_python_311_slim_pinned_by_tag() -> None:
    instructions = dockerfile_instructions()
    froms = [arguments for keyword, arguments in instructions if keyword == "FROM"]
    assert len(froms) == 1
    image = froms[0].split()[0]
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?", image)


def test_torch_cpu_is_installed_before_the_project() -> None:
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    pip_runs = [i for i, run in enumerate(runs) if "pip install" in run]
    torch = runs[pip_runs[0]]
    # The CPU wheel index is a build argument (TORCH_INDEX_URL), not written into the file.
    assert '${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}' in torch
    assert re.search(r"(?<![\w.=-])torch==2\.13\.0(?![\w.])", torch)

    project = [i for i, run in enumerate(runs) if re.search(r"pip install (-e )?\"?\.\[", run)]
    assert project, "the project is not installed"
    assert pip_runs[0] < project[0]
    extras = re.search(r"\.\[([a-z,]+)\]", runs[project[0]])
    assert extras and set(extras[1].split(",")) >= {"ui", "llm", "eval"}

    # The same torch the project pins.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "torch==2.13.0" in pyproject["project"]["dependencies"]


def test_the_dependency_layer_lists_the_projects_requirements() -> None:
    """The RUN that installs the dependencies before the code reads them from pyproject.toml;
    run its Python to see that it still lists them all, extras included."""
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    reader = next(run for run in runs if "tomllib" in run)
    argv = shlex.split(reader)
    code = argv[argv.index("-c") + 1]
    listed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    expected = list(project["dependencies"])
    for extra in ("ui", "llm", "eval"):
        expected += project["optional-dependencies"][extra]
    assert [line.replace(" ", "") for line in listed] == [d.replace(" ", "") for d in expected]


def test_image_is_offline_and_serves_on_all_interfaces_inside() -> None:
    env = dockerfile_env()
    assert env["HF_HUB_OFFLINE"] == "1"
    assert env["TRANSFORMERS_OFFLINE"] == "1"
    assert env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"
    assert env["COPILOT_APP__DATA_DIR"] == "/data"
    assert env["COPILOT_APP__HOST"] == "0.0.0.0"


def test_image_runs_as_non_root_with_a_data_volume() -> None:
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users, "the image runs as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert max(i for i, k in enumerate(keywords) if k == "USER") < keywords.index("CMD")

    values = dict(instructions)
    assert values["WORKDIR"] == "/srv/copilot"
    volumes = [arguments for keyword, arguments in instructions if keyword == "VOLUME"]
    assert any("/data" in (json.loads(v) if v.startswith("[") else v.split()) for v in volumes)
    assert "8501" in values["EXPOSE"].split()


def test_healthcheck_polls_streamlit_with_python() -> None:
    check = dict(dockerfile_instructions())["HEALTHCHECK"]
    _, _, exec_form = check.partition("CMD ")
    argv = json.loads(exec_form)
    assert argv[:2] == ["python", "-c"]
    assert "http://127.0.0.1:8501/_stcore/health" in argv[2]
    compile(argv[2], "HEALTHCHECK", "exec")
    assert "curl" not in check and "wget" not in check


def test_dockerignore_keeps_environments_data_and_secrets_out() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "data", "test-artifacts", ".git", ".env"} <= patterns
    assert {".pytest_cache", ".mypy_cache", ".ruff_cache"} <= patterns
    # What the build needs must not be ignored.
    for needed in ("pyproject.toml", "README.md", "app", "ingest", "evals", "policies_sample"):
        assert needed not in patterns
