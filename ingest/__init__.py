"""Ingestion: parse -> clean -> sections -> chunk -> embed and store, with the manifest reader.
Imports the shared vocabulary and the index only; never the question path or the records."""
