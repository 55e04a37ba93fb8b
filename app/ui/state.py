"""The one shared back end of the web app, and who is signed in to this browser session."""

from __future__ import annotations

import streamlit as st

from app.errors import CopilotError
from app.models import User
from app.settings import load_settings
from app.ui.render import md
from app.workspace import Workspace, open_workspace

_provided: Workspace | None = None


def provide(workspace: Workspace | None) -> None:
    """Serve this already-open workspace instead of opening one from settings (used where
    the models are loaded already, such as tests)."""
    global _provided
    _provided = workspace


@st.cache_resource(show_spinner="Loading the policy index and models…")
def _open() -> Workspace:
    settings = load_settings()
    return open_workspace(settings, seed=settings.app.seed_manifest)


def workspace() -> Workspace:
    """The workspace, or a stopped page explaining why it could not open."""
    if _provided is not None:
        return _provided
    try:
        return _open()
    except CopilotError as exc:
        st.error(f"The copilot could not start: {md(str(exc))}")
        st.stop()
        raise  # unreachable; st.stop() raises


def user(ws: Workspace) -> User | None:
    """Who this session acts as: the configured local user, the signed-in user, or None."""
    local = ws.authenticator.local_user()
    if local is not None:
        return local
    if ws.authenticator.mode == "oidc":
        if not getattr(st.user, "is_logged_in", False):
            return None
        email, name = st.user.get("email"), st.user.get("name")
        return ws.authenticator.oidc_user(
            email if isinstance(email, str) else None, name if isinstance(name, str) else None
        )
    found = st.session_state.get("user")
    return found if isinstance(found, User) else None


def sign_out(ws: Workspace) -> None:
    st.session_state.pop("user", None)
    st.session_state.pop("conversation", None)
    st.session_state.pop("citation", None)
    st.session_state.pop("_acting_user", None)
    if ws.authenticator.mode == "oidc":
        st.logout()


def remember(current: User) -> None:
    """Record who this run acts as, for the page scripts (set by the main script)."""
    st.session_state["_acting_user"] = current


def session() -> tuple[Workspace, User]:
    """The workspace and the user the main script signed in, for a page script."""
    current = st.session_state.get("_acting_user")
    if not isinstance(current, User):
        st.error("Not signed in.")
        st.stop()
        raise SystemExit  # unreachable: st.stop() ends the run
    return workspace(), current
