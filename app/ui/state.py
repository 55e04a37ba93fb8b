"""The one shared back end of the web app, and who is signed in to this browser session."""

from __future__ import annotations

import json

import streamlit as st

from app.errors import CopilotError
from app.models import Answer, User
from app.records.sessions import COOKIE
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


SESSION, FORGET = "_session", "_forget_session"


def user(ws: Workspace) -> User | None:
    """Who this session acts as: the configured local user, the signed-in user (in password
    mode, also one whose session cookie this page run brought back), or None."""
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
    if isinstance(found, User):
        return found
    if st.session_state.get(FORGET):
        return None  # signed out in this tab: the cookie it came with opens nothing
    resumed = ws.resume_session(_cookie(), None)
    if resumed is None:
        return None
    st.session_state["user"] = resumed.user
    st.session_state[SESSION] = resumed.cookie
    st.session_state.setdefault("conversation", list(resumed.conversation))
    return resumed.user


def signed_in(ws: Workspace, current: User) -> None:
    """Give ``current`` a session that a reload or a link keeps: the one this page run's
    cookie opens (its conversation back on screen), else a new one; and hand the browser
    its cookie."""
    cookie: str | None = st.session_state.get(SESSION) or _cookie()
    mode_signs_in = ws.authenticator.mode == "password"
    found = ws.resume_session(cookie, None if mode_signs_in else current)
    if found is None or found.user.name != current.name:
        kept = ws.open_session(current)
    else:
        kept = found.cookie
        st.session_state.setdefault("conversation", list(found.conversation))
    st.session_state[SESSION] = kept
    st.session_state.pop(FORGET, None)
    if kept != _cookie():
        _set_cookie(kept, int(ws.sessions.lifetime_s))


def keep(ws: Workspace, conversation: list[Answer]) -> None:
    """Keep the conversation with the session, for a reload to show it again."""
    ws.sessions.keep(st.session_state.get(SESSION), conversation)


def sign_out(ws: Workspace) -> None:
    ws.sessions.close(st.session_state.get(SESSION) or _cookie())
    st.session_state.pop("user", None)
    st.session_state.pop("conversation", None)
    st.session_state.pop("citation", None)
    st.session_state.pop("_acting_user", None)
    st.session_state.pop(SESSION, None)
    st.session_state[FORGET] = True
    if ws.authenticator.mode == "oidc":
        st.logout()


def forget_cookie() -> None:
    """Remove the session cookie from the browser after a sign-out (the session is closed
    already: a cookie left behind opens nothing)."""
    if st.session_state.get(FORGET):
        _set_cookie("", 0)


def _cookie() -> str | None:
    """The session cookie the browser sent when this page was opened."""
    try:
        value = st.context.cookies.get(COOKIE)
    except (AttributeError, RuntimeError):  # no browser (bare mode, tests)
        return None
    return value if isinstance(value, str) else None


def _set_cookie(value: str, max_age: int) -> None:
    """Set (or with ``max_age`` 0, remove) the session cookie in this browser: a script
    run by the page, since Streamlit's server sets no cookie of ours. Strict same-site, the
    whole app's path, Secure on HTTPS. The value is made here (letters, digits, ``-_.``)."""
    attributes = f"Path=/; Max-Age={max_age}; SameSite=Strict"
    script = (
        f"document.cookie = {json.dumps(f'{COOKIE}={value}; {attributes}')}"
        ' + (location.protocol === "https:" ? "; Secure" : "");'
    )
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


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
