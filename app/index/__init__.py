"""The index: everything that reads and writes Qdrant (Edge, local folder, server) and the
embedding model. Imports the shared vocabulary (app.models, settings, errors, text) only."""
