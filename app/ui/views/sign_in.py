"""Sign-in: a password form, or the identity provider's sign-in where OIDC is configured."""

from __future__ import annotations

import streamlit as st

from app.records.auth import SignInError
from app.ui import state
from app.ui.render import md
from app.workspace import Workspace


def render(ws: Workspace) -> None:
    st.title("Underwriting Policy Copilot")
    if ws.authenticator.mode == "oidc":
        st.write("Sign in with your organisation's account to continue.")
        if st.button("Sign in", type="primary"):
            st.login()
        return
    with st.form("sign-in"):
        name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        address = st.context.ip_address  # None on loopback (and not a str in AppTest)
        try:
            state.just_signed_in(
                ws.authenticator.sign_in(
                    name.strip(), password, client=address if isinstance(address, str) else None
                )
            )
        except SignInError as exc:
            st.error(f"Sign-in failed: {md(str(exc))}.")
        else:
            st.rerun()
