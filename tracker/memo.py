"""What pages compute from content that rarely changes, kept per process under a key naming that content.

A key must name everything the value is computed from — a roadmap's `content_stamp`, today's date, the
viewer's rights, the filters — so that a kept value is always the one a fresh computation would give; nothing
is ever invalidated, a changed content simply asks for another key. The oldest values are dropped when full.

A kept part of a page may hold forms: their CSRF token belongs to the viewer's session, so a part is rendered
with a mark where every token goes, and the mark is replaced by the viewer's token as the page is sent.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from flask import Response, g, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

T = TypeVar("T")
# What `Memo._lookup` returns for a key it does not hold (a kept value may be anything).
_MISSING = object()


class Memo(Generic[T]):
    """Values by key, at most `size` of them, the least recently used dropped first."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the value kept under `key`, computing and keeping it when there is none."""
        value = self._lookup(key)
        if value is _MISSING:
            # Computed outside the lock: two threads may compute the same value, and both get a correct one.
            value = compute()
            self.put(key, value)
        return value

    def peek(self, key: Hashable) -> T | None:
        """Return the value kept under `key`, or None."""
        value = self._lookup(key)
        return None if value is _MISSING else value

    def _lookup(self, key: Hashable):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        return _MISSING

    def put(self, key: Hashable, value: T) -> None:
        """Keep `value` under `key`, dropping the least recently used values beyond the size."""
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)


_LINE_BREAKS = re.compile(r"\s*\n\s*")
# Where a kept part has a CSRF token. NUL never comes from input (every route refuses it), so no text a user
# wrote can pass for the mark.
CSRF_MARK = "\x00csrf\x00"
_CSRF_MARK = CSRF_MARK.encode()
# Where Flask-WTF keeps the request's token (`generate_csrf` returns it when set).
_TOKEN_ATTRIBUTE = "csrf_token"
# Where a page's template places its kept part.
_PART_MARK = "\x00part\x00"


def fragment(template: str, **context) -> Markup:
    """Render a part of a page to be kept: each run of white space that breaks a line becomes one line break,
    which the browser shows the same (kept parts have no preformatted text) at a fraction of the size.

    Every CSRF token the part holds (`csrf_token()`, a form's `csrf_token` field) is rendered as `CSRF_MARK`:
    the part is kept as a `Kept` (`keep`) and sent with `send_page`, which writes in the viewer's token.
    """
    with _tokens_marked():
        html = render_template(template, **context)
    return Markup(_LINE_BREAKS.sub("\n", html))


@contextmanager
def _tokens_marked() -> Iterator[None]:
    """Have `generate_csrf` return the mark while a kept part is rendered, then the request's own token."""
    token = g.pop(_TOKEN_ATTRIBUTE, None)
    setattr(g, _TOKEN_ATTRIBUTE, CSRF_MARK)
    try:
        yield
    finally:
        g.pop(_TOKEN_ATTRIBUTE)
        if token is not None:
            setattr(g, _TOKEN_ATTRIBUTE, token)


class Kept:
    """A rendered part of a page, kept as UTF-8 pieces between the places of the viewer's CSRF token."""

    __slots__ = ("pieces",)

    def __init__(self, html: str):
        self.pieces = tuple(html.encode().split(_CSRF_MARK))

    def __html__(self) -> str:
        raise TypeError("a kept part is sent with send_page(), which writes the viewer's CSRF token into it")


def keep(template: str, **context) -> Kept:
    """Render a part of a page to be kept (see `fragment`)."""
    return Kept(fragment(template, **context))


def send_page(template: str, part: Kept, **context) -> Response:
    """Render a page around a kept part and answer with it.

    The template places the part with `{{ part }}`; the part goes in as the bytes it is kept as, with the
    viewer's CSRF token, so a large part is neither copied through the template nor encoded again.
    """
    html = render_template(template, part=Markup(_PART_MARK), **context)
    head, tail = html.encode().split(_PART_MARK.encode())
    pieces = part.pieces
    token = generate_csrf().encode() if len(pieces) > 1 else b""
    return Response(b"".join((head, token.join(pieces), tail)), mimetype="text/html")
