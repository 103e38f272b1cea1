"""A chat assistant for news articles: answers cite the outlet and the exact passage.

Public API: :class:`Assistant`, :func:`answer`, :class:`Answer`, :class:`Settings`.
Imports are lazy so that ``import assistant`` stays fast and loads no model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Answer", "Assistant", "Citation", "Settings", "answer", "load_settings"]

if TYPE_CHECKING:
    from .answer_models import Answer, Citation
    from .core import Assistant, answer
    from .settings import Settings, load_settings

_HOMES = {
    "Assistant": "core",
    "answer": "core",
    "Answer": "models",
    "Citation": "models",
    "Settings": "settings",
    "load_settings": "settings",
}


def __getattr__(name: str):
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
