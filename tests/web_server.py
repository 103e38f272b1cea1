"""A real HTTP server on 127.0.0.1 serving fixture pages and feeds for the web-source tests.

Routes (``FixtureSite``): the two seed articles as HTML pages, an RSS feed that grows when
a test calls :meth:`FixtureSite.grow` (answering 304 to its ETag while unchanged), an Atom
feed, robots.txt disallowing ``/private/``, a slow page, a 500-then-200 page, a redirect
loop, a huge page, a PDF, a page republished under two outlets, a page that can be made to
answer 410, a paywalled page and an article that can be edited.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from assistant.loaders import load_paths

from .support import serve_in_background

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

NEW_ARTICLES = {
    "/news/bridge.html": {
        "outlet": "Dnipro Daily",
        "title": "Engineers begin repairs on the Antonivskyi bridge near Kherson",
        "published": "2022-11-15T09:30:00+02:00",
        "text": (
            "Engineers began repairs on the damaged Antonivskyi bridge near Kherson on Tuesday,"
            " the regional administration said. The bridge over the Dnipro river was blown up"
            " during the Russian retreat last week.\n\n"
            "Officials said the repair of the Antonivskyi bridge would take at least six months"
            " and would cost about 40 million euros, paid by a reconstruction fund.\n\n"
            "Residents of Kherson have been crossing the river by small boats since the bridge"
            " collapsed, and volunteers deliver bread and water every morning."
        ),
    },
    "/news/grain.html": {
        "outlet": "Odesa Courier",
        "title": "Grain ships leave Odesa under the renewed corridor deal",
        "published": "2022-11-19T18:05:00+02:00",
        "text": (
            "Twelve grain ships left the port of Odesa on Saturday under the renewed Black Sea"
            " corridor deal, the port authority said.\n\n"
            "The ships carried about 400,000 tonnes of wheat and maize bound for Egypt,"
            " Indonesia and Spain, according to the port authority's statement.\n\n"
            "Shipping insurers said premiums for the corridor had fallen by a third since the"
            " deal was extended for another 120 days."
        ),
    },
}
WIRE_TEXT = (
    "GENEVA, November 20. The United Nations nuclear watchdog said on Sunday that powerful"
    " explosions had shaken the Zaporizhzhia nuclear power plant overnight, damaging several"
    " buildings but not the reactors themselves.\n\n"
    "The director general of the agency said the blasts were extremely disturbing and called"
    " on both sides to agree on a protection zone around the plant as soon as possible.\n\n"
    "Inspectors at the site reported more than a dozen explosions between Saturday evening and"
    " Sunday morning, the agency said in a statement, adding that radiation levels remained"
    " normal and that there were no reports of casualties among the staff."
)


def article_page(
    title: str,
    text: str,
    site_name: str | None = None,
    published: str | None = None,
    canonical: str | None = None,
    author: str | None = None,
) -> str:
    """A news page with real-looking markup: head metadata, navigation, the article, footer."""
    head = [f"<title>{html.escape(title)}</title>", '<meta charset="utf-8">']
    if site_name:
        head.append(f'<meta property="og:site_name" content="{html.escape(site_name)}">')
    if published:
        head.append(f'<meta property="article:published_time" content="{published}">')
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if author:
        head.append(f'<meta name="author" content="{html.escape(author)}">')
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return (
        "<!doctype html><html lang='en'><head>" + "".join(head) + "</head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{paragraphs}</article>"
        "<footer>© The publisher. All rights reserved.</footer></body></html>"
    )


def rss(title: str, items: list[dict]) -> str:
    """An RSS 2.0 document."""
    entries = "".join(
        "<item>"
        f"<title>{html.escape(item['title'])}</title><link>{item['link']}</link>"
        f"<guid>{item['link']}</guid>"
        + (f"<pubDate>{item['pubDate']}</pubDate>" if item.get("pubDate") else "")
        + "</item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title><link>http://127.0.0.1/</link>"
        f"<description>fixture</description>{entries}</channel></rss>"
    )


def rfc822(iso: str) -> str:
    """An ISO date as an RSS pubDate, time zone kept."""
    return format_datetime(datetime.fromisoformat(iso))


class FixtureSite:
    """The fixture server's state and routes; ``url(path)`` gives a full URL."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.log: list[tuple[float, str, dict]] = []  # (time, path, headers)
        self.lock = threading.Lock()
        self.feed_items: list[dict] = []
        self.gone = False
        self.edited = False
        self.slow_s = 3.0
        self.server: ThreadingHTTPServer | None = None
        self._seeds = {a.outlet: a for a in load_paths([SEEDS]).articles}

    # ----- lifecycle ----------------------------------------------------------------------

    def start(self) -> FixtureSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                site.handle(self)

            def log_message(self, *args):
                pass

        self.server = serve_in_background(Handler)
        self.feed_items = [self._item("/seeds/tass.html"), self._item("/seeds/fakty.html")]
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def grow(self) -> None:
        """Add the two new articles to the top of the feed."""
        with self.lock:
            self.feed_items = [
                self._item("/news/grain.html"),
                self._item("/news/bridge.html"),
                *self.feed_items,
            ]

    def _item(self, path: str) -> dict:
        if path in NEW_ARTICLES:
            info = NEW_ARTICLES[path]
            return {
                "title": info["title"],
                "link": self.url(path),
                "pubDate": rfc822(info["published"]),
            }
        seed = self._seed_for(path)
        return {"title": seed.title, "link": self.url(path), "pubDate": rfc822(seed.published)}

    def _seed_for(self, path: str):
        return self._seeds["TASS" if "tass" in path else "fakty.com.ua"]

    # ----- routes -------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?")[0]
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            self.log.append((time.monotonic(), path, dict(request.headers)))
            count = self.hits[path]
        if path == "/robots.txt":
            return self._send(request, 200, "User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/feed.xml":
            return self._feed(request)
        if path == "/atom.xml":
            return self._send(request, 200, self._atom(), "application/atom+xml")
        if path.startswith("/seeds/"):
            seed = self._seed_for(path)
            site = "TASS" if seed.outlet == "TASS" else None  # fakty: outlet from the domain
            page = article_page(seed.title, seed.text, site, seed.published, self.url(path))
            return self._send(request, 200, page)
        if path in NEW_ARTICLES:
            info = NEW_ARTICLES[path]
            page = article_page(info["title"], info["text"], info["outlet"], info["published"])
            return self._send(request, 200, page)
        if path == "/private/secret.html":
            return self._send(request, 200, article_page("Secret", WIRE_TEXT, "Private"))
        if path == "/slow.html":
            time.sleep(self.slow_s)
            return self._send(request, 200, article_page("Slow", WIRE_TEXT, "Slow"))
        if path == "/flaky.html":
            if count == 1:
                return self._send(request, 500, "<h1>Internal Server Error</h1>")
            return self._send(request, 200, article_page("Flaky but fine", WIRE_TEXT, "Flaky"))
        if path in ("/loop-a", "/loop-b"):
            target = "/loop-b" if path == "/loop-a" else "/loop-a"
            return self._redirect(request, target)
        if path == "/moved.html":
            return self._redirect(request, "/news/bridge.html")
        if path == "/huge.html":
            filler = "<p>" + "All work and no play makes a huge page. " * 50 + "</p>"
            return self._send(request, 200, article_page("Huge", "x") + filler * 400)
        if path == "/report.pdf":
            return self._send(request, 200, "%PDF-1.4 fake", "application/pdf")
        if path == "/paywall.html":
            page = article_page("Subscribe", "Subscribe to read this article.", "Paywalled")
            return self._send(request, 200, page)
        if path == "/wire/first.html":
            text = "By the agency's correspondent.\n\n" + WIRE_TEXT
            return self._send(
                request,
                200,
                article_page(
                    "Explosions shake nuclear plant",
                    text,
                    "Morning Ledger",
                    "2022-11-20T12:00:00+01:00",
                ),
            )
        if path == "/wire/second.html":
            text = WIRE_TEXT + "\n\nThis story was supplied by a news agency."
            return self._send(
                request,
                200,
                article_page(
                    "Blasts rock Zaporizhzhia plant",
                    text,
                    "Evening Gazette",
                    "2022-11-20T13:30:00+01:00",
                ),
            )
        if path == "/gone.html":
            if self.gone:
                return self._send(request, 410, "<h1>Gone</h1>")
            return self._send(
                request,
                200,
                article_page("Soon removed", WIRE_TEXT, "Vanishing Post", "2022-11-21T08:00:00Z"),
            )
        if path == "/edited.html":
            text = NEW_ARTICLES["/news/bridge.html"]["text"]
            if self.edited:
                text += "\n\nUpdate: the regional administration now says repairs will take a year."
            return self._send(
                request,
                200,
                article_page("Bridge repairs", text, "Edit Weekly", "2022-11-16T10:00:00+02:00"),
            )
        if path == "/undated.html":
            return self._send(
                request,
                200,
                article_page(
                    "Undated story", NEW_ARTICLES["/news/grain.html"]["text"], "Undated Times"
                ),
            )
        return self._send(request, 404, "<h1>Not found</h1>")

    def _feed(self, request) -> None:
        with self.lock:
            body = rss("Fixture Wire", self.feed_items)
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            request.send_response(304)
            request.send_header("ETag", etag)
            request.end_headers()
            return
        self._send(request, 200, body, "application/rss+xml", {"ETag": etag})

    def _atom(self) -> str:
        info = NEW_ARTICLES["/news/bridge.html"]
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Atom Fixture</title><id>urn:fixture</id>"
            "<updated>2022-11-15T09:30:00+02:00</updated>"
            f"<entry><title>{info['title']}</title><link href='{self.url('/undated.html')}'/>"
            "<id>urn:e1</id><updated>2022-11-19T07:00:00-05:00</updated>"
            "<published>2022-11-19T07:00:00-05:00</published></entry></feed>"
        )

    @staticmethod
    def _redirect(request, target: str) -> None:
        request.send_response(302)
        request.send_header("Location", target)
        request.send_header("Content-Length", "0")
        request.end_headers()

    @staticmethod
    def _send(
        request, status: int, body: str, kind: str = "text/html; charset=utf-8", headers=None
    ):
        data = body.encode("utf-8")
        try:
            request.send_response(status)
            request.send_header("Content-Type", kind)
            request.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                request.send_header(key, value)
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)
