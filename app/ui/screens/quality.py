"""The Quality page (registered by app/ui/main.py)."""

from app.ui import state
from app.ui.views import quality

ws, user = state.session()
quality.render(ws)
