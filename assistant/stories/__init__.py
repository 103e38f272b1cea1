"""Stories: the same event across outlets, who covered it and how it developed.

See ``docs/stories.md``. :class:`Stories` (``service``) is the entry point; the pieces are
``terms`` (names in an article's lead), ``clustering`` (incremental grouping), ``state``
(the story table beside the index), ``coverage`` (outlets and "not covered by"),
``timeline`` (order, first reports, changed claims) and ``text`` (plain-text rendering).
"""

from .clustering import StoryConfig
from .models import Story, StoryView
from .service import Stories

__all__ = ["Stories", "Story", "StoryConfig", "StoryView"]
