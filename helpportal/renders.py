"""Public pages kept rendered until what they show changes.

A family of pages (content's, the directory's) has a version number in a one-row table. The
family watches the models its pages show (`watch()`, called from the app's `ready()`): any
save, delete (cascades included) or many-to-many change of one of them bumps the number once
its transaction commits, once per transaction however many rows it wrote. That is the one rule
for when a rendered page goes stale; writes that send no signals (`QuerySet.update()`,
`bulk_create()`, raw SQL) call `bump()` themselves.

Each rendered page is kept under a key carrying that number, in this process (an LRU) and in
the cache, for at most RENDER_CACHE_SECONDS after it was rendered. The number itself is read
through the cache and remembered in this process for VERSION_MEMO seconds, so that most page
views ask neither Redis nor the database for it: another process sees a change within
VERSION_MEMO seconds (and visitors behind nginx within its 60 s anyway); this process at once.
"""

import threading
import time
from collections import OrderedDict

from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.shortcuts import render

from . import cache

VERSION_MEMO = 2.0
VERSION_CACHE_SECONDS = 30
RENDER_CACHE_SECONDS = 300


class LocalRenders(OrderedDict):
    """Rendered public pages kept in this process: the most recent `size`, none served once
    it is `max_age` seconds old (counted from its rendering, as in the cache), so that a page
    whose change sent no signal is not kept here for ever."""

    size = 256
    max_age = RENDER_CACHE_SECONDS

    def remember(self, key, value, *, rendered_at: float | None = None):
        self[key] = (time.time() if rendered_at is None else rendered_at, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)

    def recall(self, key):
        """The page kept under `key`, or None if there is none or it is too old."""
        kept = self.get(key)
        if kept is None:
            return None
        rendered_at, value = kept
        if time.time() - rendered_at >= self.max_age:
            del self[key]
            return None
        return value


class RenderedPages:
    """The rendered pages of one family, and the version number their keys carry.

    `version_model` has one row (pk 1) whose `number` goes up on every change of a watched
    model (see `watch()`).
    """

    def __init__(self, name: str, version_model):
        self.name = name
        self.version_key = f"{name}-version"
        self.version_model = version_model
        self.local = LocalRenders()
        self._memo: dict[str, float] = {}
        self._change = threading.local()

    def watch(self, *models) -> None:
        """Make the pages stale whenever a row of one of `models` (or of one of their
        many-to-many tables) is saved or deleted. Signals rather than calls in each service:
        the admin (forms, inlines, cascading deletes), imports and the seed write these rows
        directly."""
        for model in models:
            uid = f"{self.name}-pages-{model._meta.label}"
            post_save.connect(self.changed, sender=model, weak=False, dispatch_uid=f"{uid}-save")
            post_delete.connect(
                self.changed, sender=model, weak=False, dispatch_uid=f"{uid}-delete"
            )
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    self.changed,
                    sender=field.remote_field.through,
                    weak=False,
                    dispatch_uid=f"{uid}-{field.name}",
                )

    def changed(self, *, using=None, action="", **kwargs) -> None:
        """Receiver of the signals `watch()` connects: bump once the transaction commits."""
        if action.startswith("pre_"):
            return
        # The first on_commit callback of a transaction does the bump, the others find it done
        # (an import saves hundreds of rows).
        self._change.pending = True
        transaction.on_commit(self._bump_once, using=using)

    def _bump_once(self) -> None:
        if getattr(self._change, "pending", False):
            self._change.pending = False
            self.bump()

    def bump(self) -> None:
        """Make every rendered page of the family stale, in every process."""
        updated = self.version_model.objects.filter(pk=1).update(number=F("number") + 1)
        if not updated:
            self.version_model.objects.get_or_create(pk=1, defaults={"number": 2})
        self.forget()

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
        key = f"{self.name}-page:{self.version()}:{request.path}:{key}"
        content = self.local.recall(key)
        if content is None:
            kept = cache.get(key)  # (rendered_at, content)
            if kept is not None:
                self.local.remember(key, kept[1], rendered_at=kept[0])
                content = self.local.recall(key)
        if content is not None:
            return HttpResponse(content)
        response = render(request, template, context_builder())
        rendered_at = time.time()
        cache.set(key, (rendered_at, response.content), RENDER_CACHE_SECONDS)
        self.local.remember(key, response.content, rendered_at=rendered_at)
        return response
