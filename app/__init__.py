"""The copilot. At this level: the shared vocabulary (models, settings, errors, text, sentences)
and, on top of the wings index/, question/, records/, the wiring (factory, workspace), cli, ui/."""
