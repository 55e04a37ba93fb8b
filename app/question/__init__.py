"""The question path: redact -> retrieve -> answer -> verify, wired by one service function.
Imports the shared vocabulary, the index and the records it writes to (audit, users)."""
