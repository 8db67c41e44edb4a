"""Writes of the publishing workflow: every change of a text's status is one of these, and
the admin (its form and its actions), the task, the seed and the tests all call them.

None of them makes rendered pages stale by hand: saving a watched model does (apps.py).
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from .models import Publishable, Revision, Status


def content_version_bump() -> None:
    """Make every rendered content page stale now, for writes that send no signals
    (`QuerySet.update()`, `bulk_create()`, raw SQL); saves and deletes do it themselves."""
    from .selectors import PAGES

    PAGES.bump()


@transaction.atomic
def text_save(*, text: Publishable) -> Publishable:
    """An editor's save: the draft changes, what visitors see does not. The status then says
    which of the two they see: Published when the draft is the published version, Draft
    when a published text has unpublished changes, else as it was (Draft, or In review)."""
    text.save()  # sanitises the draft
    if text.live is not None and not text.has_unpublished_changes():
        status = Status.PUBLISHED
    elif text.status == Status.PUBLISHED:
        status = Status.DRAFT
    else:
        status = text.status
    if status != text.status:
        text.status = status
        text.save(update_fields=["status", "updated_at"])
    return text


@transaction.atomic
def text_submit_for_review(*, text: Publishable, publish_at=None) -> Publishable:
    text.status = Status.REVIEW
    text.publish_at = publish_at
    text.save(update_fields=["status", "publish_at", "updated_at"])
    return text


@transaction.atomic
def text_publish(*, text: Publishable, user=None) -> Publishable:
    """Copy the draft to what visitors see and keep it as a revision."""
    text.save()  # sanitise the draft before it goes live
    data = text.draft_data()
    text.live = data
    text.status = Status.PUBLISHED
    text.published_at = timezone.now()
    text.publish_at = None
    text.save(update_fields=["live", "status", "published_at", "publish_at", "updated_at"])
    Revision.objects.create(
        content_type=ContentType.objects.get_for_model(text),
        object_id=text.pk,
        data=data,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    return text


@transaction.atomic
def text_unpublish(*, text: Publishable) -> Publishable:
    text.live = None
    text.status = Status.DRAFT
    text.save(update_fields=["live", "status", "updated_at"])
    return text


@transaction.atomic
def text_revert(*, revision: Revision, user=None) -> Publishable:
    """Make an earlier published version the draft and the live text again."""
    text = revision.target
    for field, value in revision.data.items():
        setattr(text, field, value)
    return text_publish(text=text, user=user)


def texts_publish_due(*, now=None) -> int:
    """Publish every text in review whose publish time has come. Returns how many."""
    from .models import PageText, PathwayText, StepText

    now = now or timezone.now()
    count = 0
    for model in (PathwayText, StepText, PageText):
        due = model.objects.filter(status=Status.REVIEW, publish_at__lte=now)
        for text in due.select_for_update(skip_locked=True):
            text_publish(text=text)
            count += 1
    return count
