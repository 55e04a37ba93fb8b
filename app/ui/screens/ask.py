"""The Ask page (registered by app/ui/main.py)."""

from app.ui import state
from app.ui.views import ask

ws, user = state.session()
ask.render(ws, user)
