"""The records: the audit trail, users and roles, and the policy library (ingest, retire, purge).
Imports the shared vocabulary, the index and ingestion; never the question path."""
