"""The publishing workflow: drafts are invisible, publish shows, revert restores, schedule."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from content.models import Revision, Status, StepText
from content.services import text_publish, text_revert, text_submit_for_review, texts_publish_due
from tests.content.factories import make_pathway, make_staff
from tests.staff.factories import sign_in

pytestmark = pytest.mark.django_db


def step_text(pathway_key="test-pathway", number=1, language="en"):
    return StepText.objects.get(
        step__pathway__key=pathway_key, step__order=number, language=language
    )


def test_a_draft_is_invisible_to_visitors(client):
    make_pathway(publish=False)
    assert client.get("/en/pathways/test-pathway/").status_code == 404
    assert client.get("/en/pathways/test-pathway/1/").status_code == 404


def test_publishing_makes_the_text_visible(client, django_capture_on_commit_callbacks):
    make_pathway()
    text = step_text()
    text.title = "A brand new title"
    text.save()
    assert "A brand new title" not in client.get("/en/pathways/test-pathway/1/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        text_publish(text=text)
    assert "A brand new title" in client.get("/en/pathways/test-pathway/1/").content.decode()


def test_editing_a_published_text_leaves_visitors_on_the_published_version(client):
    make_pathway()
    text = step_text()
    text.body = "<p>Unfinished edit.</p>"
    text.save()
    html = client.get("/en/pathways/test-pathway/1/").content.decode()
    assert "Unfinished edit." not in html
    assert "Body 1 en." in html


def test_each_publish_keeps_a_revision_and_revert_restores_it(
    client, django_capture_on_commit_callbacks
):
    make_pathway()
    text = step_text()
    text.title = "Second version"
    text.save()
    with django_capture_on_commit_callbacks(execute=True):
        text_publish(text=text)
    revisions = Revision.objects.filter(
        content_type=ContentType.objects.get_for_model(StepText), object_id=text.pk
    ).order_by("created_at", "id")
    assert [r.data["title"] for r in revisions] == ["Step 1 en", "Second version"]
    with django_capture_on_commit_callbacks(execute=True):
        text_revert(revision=revisions.first())
    html = client.get("/en/pathways/test-pathway/1/").content.decode()
    assert "Step 1 en" in html
    assert "Second version" not in html
    text.refresh_from_db()
    assert text.title == "Step 1 en"


def test_a_scheduled_text_is_published_when_its_time_comes(client):
    make_pathway(publish=False)
    make_pathway(key="other")  # a published neighbour that must stay as it is
    now = timezone.now()
    for text in StepText.objects.filter(step__pathway__key="test-pathway"):
        text_submit_for_review(text=text, publish_at=now + timedelta(minutes=5))
    from content.models import PathwayText

    text_submit_for_review(
        text=PathwayText.objects.get(pathway__key="test-pathway"),
        publish_at=now + timedelta(minutes=5),
    )
    assert texts_publish_due(now=now) == 0
    assert client.get("/en/pathways/test-pathway/1/").status_code == 404
    assert texts_publish_due(now=now + timedelta(minutes=6)) == 3
    assert step_text().status == Status.PUBLISHED
    assert client.get("/en/pathways/test-pathway/1/").status_code == 200


def test_the_scheduling_task_runs_through_celery(client):
    from content.tasks import publish_scheduled

    make_pathway(publish=False)
    for text in StepText.objects.filter(step__pathway__key="test-pathway"):
        text_submit_for_review(text=text, publish_at=timezone.now() - timedelta(seconds=1))
    assert publish_scheduled.delay().get() == 2


def test_preview_is_for_editors_only_and_never_cached(client):
    make_pathway(publish=False)
    text = step_text()
    url = f"/staff/preview/step/{text.pk}/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "login/" in anonymous.headers["Location"]
    sign_in(client, make_staff())
    response = client.get(url)
    assert response.status_code == 200
    assert "Step 1 en" in response.content.decode()
    assert "no-store" in response.headers["Cache-Control"]


def test_a_clinician_finds_no_preview_of_a_draft(client):
    from tests.referrals.factories import make_member, make_organization

    make_pathway(publish=False)
    clinician = make_member(make_organization())
    sign_in(client, clinician)
    assert client.get(f"/staff/preview/step/{step_text().pk}/").status_code == 404
    sign_in(client, make_staff("plain-staff", editor=False))
    assert client.get(f"/staff/preview/step/{step_text().pk}/").status_code == 404


def test_preview_shows_the_draft_not_the_published_text(client):
    make_pathway()
    text = step_text()
    text.title = "Draft title only"
    text.save()
    sign_in(client, make_staff())
    html = client.get(f"/staff/preview/step/{text.pk}/").content.decode()
    assert "Draft title only" in html
    assert "Preview of a draft" in html
    assert "Draft title only" not in client.get("/en/pathways/test-pathway/1/").content.decode()


def test_preview_shows_pathway_and_page_drafts_and_nothing_for_an_unknown_kind(client):
    from content.models import PageText, PathwayText

    make_pathway()
    pathway_text = PathwayText.objects.get(pathway__key="test-pathway", language="en")
    pathway_text.title = "Draft pathway title"
    pathway_text.save()
    page_text = PageText.objects.get(page__key="about", language="en")
    page_text.title = "Draft page title"
    page_text.save()
    sign_in(client, make_staff())
    pathway_html = client.get(f"/staff/preview/pathway/{pathway_text.pk}/").content.decode()
    assert "Draft pathway title" in pathway_html
    assert "Step 1 en" in pathway_html  # the published steps around the draft
    assert "Draft page title" in client.get(f"/staff/preview/page/{page_text.pk}/").content.decode()
    assert client.get(f"/staff/preview/revision/{page_text.pk}/").status_code == 404
    assert client.get("/staff/preview/page/999999/").status_code == 404
