"""Sources from the web: article URLs and RSS/Atom feeds, kept up to date.

- :mod:`.fetch`: the polite fetcher (httpx; robots.txt, conditional GET, per-host delay,
  retries on 5xx/timeouts, size and redirect limits, a one-line reason per failure).
- :mod:`.feeds`: RSS/Atom parsing (feedparser).
- :mod:`.sources_file`: ``sources.toml`` and ``ASSISTANT_FEEDS``.
- :mod:`.pages`: a page's outlet, date and canonical URL; the cached file the loaders read.
- :mod:`.refresh`: one refresh (new entries indexed, known ones skipped, updated re-embedded).
- :mod:`.wirecopy`: near-duplicate (wire copy) marking.
- :mod:`.service`: what the core, CLI and UI call (refresh, add URLs, watch loops).
"""
