"""What pages compute from content that rarely changes, kept per process under a key naming that content.

A key must name everything the value is computed from — a roadmap's `content_stamp`, today's date, the
viewer's rights, the filters — so that a kept value is always the one a fresh computation would give; nothing
is ever invalidated, a changed content simply asks for another key. The oldest values are dropped when full.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import render_template
from markupsafe import Markup

T = TypeVar("T")


class Memo(Generic[T]):
    """Values by key, at most `size` of them, the least recently used dropped first."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the value kept under `key`, computing and keeping it when there is none."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        # Computed outside the lock: two threads may compute the same value, and both get a correct one.
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._values)


_LINE_BREAKS = re.compile(r"\s*\n\s*")


def fragment(template: str, **context) -> Markup:
    """Render a part of a page to be kept: each run of white space that breaks a line becomes one line break,
    which the browser shows the same (kept parts have no preformatted text) at a fraction of the size."""
    return Markup(_LINE_BREAKS.sub("\n", render_template(template, **context)))
