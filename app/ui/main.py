"""The web app: ``copilot serve`` (or ``streamlit run app/ui/main.py``).

Pages only gather input and render results; the work happens in :mod:`app.workspace`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.ui import state, style
from app.ui.render import md
from app.ui.views import sign_in

# An emoji icon is drawn by the browser itself; a ":material/...:" page icon was fetched
# from a font server on the internet at every page load.
st.set_page_config(page_title="Underwriting Policy Copilot", page_icon="📖", layout="wide")
style.apply()

ws = state.workspace()
signed_in = state.user(ws)
if signed_in is None:
    state.forget_cookie()
    sign_in.render(ws)
    st.stop()
    raise SystemExit  # unreachable: st.stop() ends the run
user = signed_in
state.signed_in(ws, user)

with st.sidebar:
    st.caption(f"Signed in as **{md(user.name)}** ({user.role})")
    if ws.authenticator.mode != "local" and st.button("Sign out"):
        state.sign_out(ws)
        st.rerun()

state.remember(user)
screens = Path(__file__).parent / "screens"


def page(script: str, title: str, icon: str, *, default: bool = False) -> st.Page:  # type: ignore[valid-type]
    return st.Page(screens / script, title=title, icon=f":material/{icon}:", default=default)


pages = [
    page("ask.py", "Ask", "chat", default=True),
    page("policies.py", "Policies", "library_books"),
]
if user.role == "compliance":
    pages.append(page("audit.py", "Audit", "receipt_long"))
pages.append(page("quality.py", "Quality", "monitoring"))
st.navigation(pages).run()
