"""The Audit page (registered by app/ui/main.py)."""

from app.ui import state
from app.ui.views import audit

ws, user = state.session()
audit.render(ws, user)
