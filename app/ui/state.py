"""The one shared back end of the web app, and who is signed in to this browser session."""

from __future__ import annotations

import json
import logging

import streamlit as st

from app.errors import CopilotError
from app.models import Answer, User
from app.records.sessions import COOKIE, Session, SessionError
from app.settings import load_settings
from app.ui.render import md
from app.workspace import Workspace, open_workspace

log = logging.getLogger(__name__)

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


SESSION, FORGET, FRESH, WRITTEN = "_session", "_forget_session", "_fresh_sign_in", "_cookie_set"


def user(ws: Workspace) -> User | None:
    """Who this session acts as: the configured local user, the user the identity provider
    signed in, or in password mode the user of this tab's session, checked at every page
    run (a sign-out in another tab, an expiry, a changed password or a removed user ends it
    here too, and the role is the one configured now), or None."""
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
    if isinstance(found, User) and st.session_state.get(FRESH):
        return found  # just signed in with a password: signed_in() opens the session
    cookie = st.session_state.get(SESSION) or (None if st.session_state.get(FORGET) else _cookie())
    resumed = _resume(ws, cookie, None)
    if resumed is None:
        if isinstance(found, User) or st.session_state.get(SESSION):
            _end_here()  # the session ended elsewhere: this tab is signed out too
        return None
    if isinstance(found, User) and found.name != resumed.user.name:
        _end_here()
        return None
    st.session_state["user"] = resumed.user
    st.session_state[SESSION] = resumed.cookie
    st.session_state.setdefault("conversation", list(resumed.conversation))
    return resumed.user


def just_signed_in(current: User) -> None:
    """Record a password sign-in in this tab (the sign-in page calls it)."""
    st.session_state["user"] = current
    st.session_state[FRESH] = True
    st.session_state.pop(FORGET, None)
    st.session_state.pop(SESSION, None)
    st.session_state.pop("conversation", None)


def signed_in(ws: Workspace, current: User) -> None:
    """Give ``current`` a session that a reload or a link keeps, and hand the browser its
    cookie once. In password mode a session is opened only by a sign-in; with no sign-in
    of ours (local mode, an identity provider) the session only keeps the conversation, and
    one is opened whenever this tab has none of its user's."""
    if ws.authenticator.mode == "password":
        if st.session_state.pop(FRESH, False):
            kept = _open_session(ws, current)
        else:
            kept = st.session_state.get(SESSION)
    else:
        cookie = st.session_state.get(SESSION) or _cookie()
        found = _resume(ws, cookie, current)
        if found is None:
            kept = _open_session(ws, current)
        else:
            kept = found.cookie
            st.session_state.setdefault("conversation", list(found.conversation))
    if not kept:
        return
    st.session_state[SESSION] = kept
    # Written once per tab: the cookie the tab came with is what it had when it opened,
    # so it cannot tell whether the browser has this one already.
    if kept != _cookie() and st.session_state.get(WRITTEN) != kept:
        _set_cookie(kept, int(ws.settings.auth.session_hours * 3600))
        st.session_state[WRITTEN] = kept


def keep(ws: Workspace, conversation: list[Answer]) -> None:
    """Keep the conversation with the session, for a reload to show it again."""
    try:
        ws.sessions.keep(st.session_state.get(SESSION), conversation)
    except SessionError as exc:
        log.warning("conversation not kept: %s", exc)


def sign_out(ws: Workspace) -> None:
    try:
        ws.sessions.close(st.session_state.get(SESSION) or _cookie())
    except SessionError as exc:
        log.warning("session not closed in the store: %s", exc)
    _end_here()
    if ws.authenticator.mode == "oidc":
        st.logout()


def forget_cookie() -> None:
    """Remove the session cookie from the browser after a sign-out (the session is closed
    already: a cookie left behind opens nothing)."""
    if st.session_state.get(FORGET) and st.session_state.get(WRITTEN) != "":
        _set_cookie("", 0)
        st.session_state[WRITTEN] = ""


def _end_here() -> None:
    """Sign this tab out: who it acts as, its conversation and its session."""
    for key in ("user", "conversation", "_acting_user", SESSION, FRESH):
        st.session_state.pop(key, None)
    st.session_state[FORGET] = True
    st.session_state.pop(WRITTEN, None)


def _resume(ws: Workspace, cookie: str | None, current: User | None) -> Session | None:
    """The session ``cookie`` opens (None when the session store cannot be read: the app
    then works without sessions, as before a reload)."""
    try:
        return ws.resume_session(cookie, current)
    except SessionError as exc:
        log.warning("sessions unavailable: %s", exc)
        return None


def _open_session(ws: Workspace, current: User) -> str | None:
    try:
        return ws.open_session(current)
    except SessionError as exc:
        log.warning("sessions unavailable: %s", exc)
        return None


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
    # A JSON string, with "<" escaped so nothing in it can close the script element.
    cookie = json.dumps(f"{COOKIE}={value}; {attributes}").replace("<", "\\u003c")
    script = f'document.cookie = {cookie} + (location.protocol === "https:" ? "; Secure" : "");'
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
