"""The Policies page (registered by app/ui/main.py)."""

from app.ui import state
from app.ui.views import policies

ws, user = state.session()
policies.render(ws, user)
