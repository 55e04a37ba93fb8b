"""Errors a user can cause. Each message says what went wrong and what to do.

They are caught at the edge (CLI, web page) and shown as one line.
"""

from __future__ import annotations


class CopilotError(Exception):
    """Base of every error meant to be shown to a user as one line."""


class ConfigError(CopilotError):
    """The configuration is invalid."""


class DocumentError(CopilotError):
    """A file cannot be ingested: unreadable, encrypted, empty, without text..."""


class MetadataError(CopilotError):
    """A document's metadata is missing or invalid; the message names the field."""


class VersionConflictError(CopilotError):
    """The same doc_id and version already hold different content."""


class ConcurrentChangeError(CopilotError):
    """Another process kept changing the same document; nothing of this change was kept."""


class IndexLockedError(CopilotError):
    """Another process holds the local index folder."""


class UnknownDocumentError(CopilotError):
    """No document with that id is in the index."""


class AuditKeyError(CopilotError):
    """The audit trail's key is missing, too short, readable by others, or not the trail's."""
