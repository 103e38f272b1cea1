"""The assistant's error types: each carries a one-line message and a hint for the user."""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose.

    ``str(err)`` is a readable one-line message; ``hint`` says what to do about it.
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(AssistantError):
    """A setting is invalid or an optional package is missing."""


class IndexStoreError(AssistantError):
    """The index directory is missing, corrupt, locked or built by another embedder."""


class ChromaServerError(IndexStoreError):
    """The Chroma server (``ASSISTANT_CHROMA_URL``) cannot be reached or refused a request."""


class InputError(AssistantError):
    """A question or request is empty, too long or otherwise unusable."""


class LLMError(AssistantError):
    """The configured chat model cannot be reached or failed to answer."""
