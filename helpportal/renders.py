"""Public pages kept rendered until what they show changes.

A family of pages (content's, the directory's) has a version number in a one-row table that
goes up on every change. Each rendered page is kept under a key carrying that number: in this
process (an LRU) and in the cache, for RENDER_CACHE_SECONDS. The number itself is read through
the cache and remembered in this process for VERSION_MEMO seconds, so that most page views ask
neither Redis nor the database for it: another process sees a change within VERSION_MEMO
seconds (and visitors behind nginx within its 60 s anyway); this process at once.
"""

import time
from collections import OrderedDict

from django.http import HttpResponse
from django.shortcuts import render

from . import cache

VERSION_MEMO = 2.0
VERSION_CACHE_SECONDS = 30
RENDER_CACHE_SECONDS = 300


class LocalRenders(OrderedDict):
    """Rendered public pages kept in this process, the most recent `size`."""

    size = 256

    def remember(self, key, value):
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class RenderedPages:
    """The rendered pages of one family, and the version number their keys carry.

    `version_model` has one row (pk 1) whose `number` goes up on every change; the code that
    changes it calls `forget()` once the change has committed.
    """

    def __init__(self, name: str, version_model):
        self.name = name
        self.version_key = f"{name}-version"
        self.version_model = version_model
        self.local = LocalRenders()
        self._memo: dict[str, float] = {}

    def version(self) -> int:
        now = time.monotonic()
        if self._memo and self._memo["until"] > now:
            return int(self._memo["number"])
        number = cache.get(self.version_key)
        if number is None:
            row = self.version_model.objects.filter(pk=1).first()
            number = row.number if row else 1
            cache.set(self.version_key, number, VERSION_CACHE_SECONDS)
        self._memo.update(number=number, until=now + VERSION_MEMO)
        return number

    def forget(self) -> None:
        """After a change: every process renders afresh (this one at once)."""
        cache.delete(self.version_key)
        self.forget_local()

    def forget_local(self) -> None:
        """Drop what this process remembers of the version and the rendered pages."""
        self._memo.clear()
        self.local.clear()

    def render(self, request, template: str, context_builder, key: str = "") -> HttpResponse:
        """The page for `request.path` (and `key`: whatever else it depends on), rendered or
        reused. `context_builder` runs only when it has to be rendered."""
        key = f"{self.name}-render:{self.version()}:{request.path}:{key}"
        cached = self.local.get(key)
        if cached is None:
            cached = cache.get(key)
            if cached is not None:
                self.local.remember(key, cached)
        if cached is not None:
            return HttpResponse(cached)
        response = render(request, template, context_builder())
        cache.set(key, response.content, RENDER_CACHE_SECONDS)
        self.local.remember(key, response.content)
        return response
