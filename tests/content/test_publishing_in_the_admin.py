"""The admin's text form: saving keeps a draft, the buttons under it publish or submit for
review (through content/services.py), and the status is shown, never chosen."""

import pytest
from django.contrib.contenttypes.models import ContentType

from content.models import Revision, Status, StepText
from tests.content.factories import make_pathway, make_staff
from tests.staff.factories import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    sign_in(client, make_staff(superuser=True))
    return client


@pytest.fixture
def text():
    make_pathway()
    return StepText.objects.get(step__pathway__key="test-pathway", step__order=1, language="en")


def change_url(text) -> str:
    return f"/staff/admin/content/steptext/{text.pk}/change/"


def form(text, **changes) -> dict:
    return {
        "step": text.step_id,
        "language": text.language,
        "title": text.title,
        "body": text.body,
        "publish_at_0": "",
        "publish_at_1": "",
        **changes,
    }


def post(client, capture, text, data):
    with capture(execute=True):  # the test's transaction never commits: run on_commit now
        return client.post(change_url(text), data, follow=True)


def visitor_sees(client, words: str) -> bool:
    return words in client.get("/en/pathways/test-pathway/1/").content.decode()


def test_the_status_is_shown_not_chosen_and_the_form_has_publish_and_review_buttons(
    editor_client, text
):
    html = editor_client.get(change_url(text)).content.decode()
    assert 'name="status"' not in html
    assert 'name="_publish"' in html
    assert 'name="_submit_for_review"' in html


def test_publish_now_under_the_form_publishes_the_edit_and_says_so(
    editor_client, text, django_capture_on_commit_callbacks
):
    assert not visitor_sees(editor_client, "A title published from the form")
    response = post(editor_client, django_capture_on_commit_callbacks, text,
                    form(text, title="A title published from the form", _publish="Publish now"))
    assert "Published. Visitors see it within a minute." in response.content.decode()
    text.refresh_from_db()
    assert text.status == Status.PUBLISHED
    assert text.live["title"] == "A title published from the form"
    revisions = Revision.objects.filter(
        content_type=ContentType.objects.get_for_model(StepText), object_id=text.pk
    )
    assert revisions.first().data["title"] == "A title published from the form"
    assert visitor_sees(editor_client, "A title published from the form")


def test_saving_an_edit_of_a_published_text_keeps_a_draft_that_visitors_do_not_see(
    editor_client, text, django_capture_on_commit_callbacks
):
    post(editor_client, django_capture_on_commit_callbacks, text,
         form(text, title="Only a draft", status=Status.PUBLISHED, _save="Save"))
    text.refresh_from_db()
    assert text.title == "Only a draft"
    assert text.status == Status.DRAFT
    assert not visitor_sees(editor_client, "Only a draft")
    assert visitor_sees(editor_client, "Step 1 en")


def test_saving_the_published_version_unchanged_leaves_it_published(
    editor_client, text, django_capture_on_commit_callbacks
):
    post(editor_client, django_capture_on_commit_callbacks, text, form(text, _save="Save"))
    text.refresh_from_db()
    assert text.status == Status.PUBLISHED


def test_submit_for_review_under_the_form_keeps_the_edit_for_review_and_says_so(
    editor_client, text, django_capture_on_commit_callbacks
):
    response = post(
        editor_client, django_capture_on_commit_callbacks, text,
        form(text, title="For review", publish_at_0="2030-01-02", publish_at_1="10:00:00",
             _submit_for_review="Submit for review"),
    )
    assert "Submitted for review." in response.content.decode()
    text.refresh_from_db()
    assert text.status == Status.REVIEW
    assert text.title == "For review"
    assert text.publish_at is not None
    assert not visitor_sees(editor_client, "For review")
