"""A small in-process cache of the case page's evidence, rendered (thread-safe LRU).

The evidence (timeline, languages, signals, sources and groups, duplicate pairs with their
word diffs, other evidence, items) is what the analysis stages wrote: the same for every
reviewer until the pipeline writes again. Building and rendering it is most of a case page's
cost, so it is kept under a key of everything it depends on (``reservist_review.caseview``).
A changed state is a different key: nothing stale is ever served; old entries age out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 256
MAX_CHARS = 32_000_000  # ~32 MB of markup at most (a "?pairs=all" page can be 2 MB)


class RenderCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], tuple[Any, int]]) -> Any:
        """The cached value of ``key``, else ``build()`` -> (value, size in characters)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[0]
            self.misses += 1
        value, size = build()  # outside the lock: two misses of one key build it twice
        with self._lock:
            if key not in self._entries and size <= self.max_chars:
                self._entries[key] = (value, size)
                self._chars += size
                while len(self._entries) > self.max_entries or self._chars > self.max_chars:
                    _old, (_value, old_size) = self._entries.popitem(last=False)
                    self._chars -= old_size
        return value

    def __len__(self) -> int:
        return len(self._entries)
