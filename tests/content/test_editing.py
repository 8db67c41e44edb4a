"""The editors' admin: each button does what it says (a test per status change), a body is
refused beside its field when empty or too long, pasted HTML comes out as the allowed tags,
revisions are named and compared side by side and reverted from their page, only
administrators delete what was published, and the admin is grouped by task."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from content.forms import TEXT_MAX_LENGTH
from content.models import Revision, Status, StepText
from content.services import text_publish
from tests.content.factories import make_pathway, make_staff
from tests.staff.factories import sign_in

pytestmark = pytest.mark.django_db

WORD_PASTE = """<!--StartFragment--><p class="MsoNormal" style="margin:0cm;font-family:Calibri">
<span lang="FI" style="font-size:12.0pt;mso-ansi-language:FI">Ensimmäinen
<b style="mso-bidi-font-weight:normal">tärkeä</b> <i>asia</i></span><o:p></o:p></p>
<p class="MsoListParagraphCxSpFirst" style="mso-list:l0 level1 lfo1">
<span style="font-family:Symbol">·</span><span>kohta</span></p>
<h1 style="color:red">Otsikko</h1><img src="file:///C:/Users/x/clip_image001.png">
<script>alert(1)</script><a href="javascript:alert(1)">linkki</a>
<a href="https://example.org/" target="_blank" onclick="x()">hyvä linkki</a>
<table><tr><td>solu</td></tr></table><iframe src="https://example.org"></iframe>
<!--EndFragment-->"""
ALLOWED = {"p", "br", "ul", "ol", "li", "strong", "em", "h2", "h3", "a", "blockquote"}


@pytest.fixture
def editor(client):
    sign_in(client, make_staff())
    return client


@pytest.fixture
def texts():
    make_pathway(languages=("en", "fi"))
    step = StepText.objects.get(step__pathway__key="test-pathway", step__order=1,
                                language="en").step
    return {"en": StepText.objects.get(step=step, language="en"),
            "fi": StepText.objects.get(step=step, language="fi")}


def url(text, action="change") -> str:
    return f"/staff/admin/content/steptext/{text.pk}/{action}/"


def form(text, **changes) -> dict:
    return {"step": text.step_id, "language": text.language, "title": text.title,
            "body": text.body, "publish_at_0": "", "publish_at_1": "", **changes}


def send(client, text, capture, **changes):
    with capture(execute=True):
        return client.post(url(text), form(text, **changes), follow=True)


def html_tags(html: str) -> set[str]:
    import re

    return {tag.lower() for tag in re.findall(r"<\s*([a-zA-Z0-9]+)", html)}


# Each status change: the button pressed, what the text is then, and what the page says.

def test_saving_a_new_draft_keeps_it_a_draft_and_says_visitors_see_nothing(
        editor, django_capture_on_commit_callbacks):
    make_pathway(publish=False)
    text = StepText.objects.get(step__pathway__key="test-pathway", step__order=1)
    html = send(editor, text, django_capture_on_commit_callbacks, title="New words",
                _save="Save").content.decode()
    text.refresh_from_db()
    assert (text.status, text.live) == (Status.DRAFT, None)
    assert "Saved as a draft. Visitors see nothing of it until it is published." in html
    assert "was changed successfully" not in html


def test_publish_now_publishes(editor, texts, django_capture_on_commit_callbacks):
    html = send(editor, texts["en"], django_capture_on_commit_callbacks, title="Now live",
                _publish="Publish now").content.decode()
    texts["en"].refresh_from_db()
    assert texts["en"].status == Status.PUBLISHED and texts["en"].live["title"] == "Now live"
    assert "Published. Visitors see it within a minute." in html


def test_saving_an_edit_of_a_published_text_says_visitors_keep_the_published_one(
        editor, texts, django_capture_on_commit_callbacks):
    html = send(editor, texts["en"], django_capture_on_commit_callbacks, title="Edited",
                status="published", _save="Save").content.decode()
    texts["en"].refresh_from_db()
    assert texts["en"].status == Status.DRAFT  # a posted status is not the editor's to set
    assert texts["en"].live["title"] == "Step 1 en"
    assert "Visitors still see the published version until you publish this one." in html
    assert "was changed successfully" not in html


def test_saving_the_published_version_unchanged_says_nothing_changed_for_visitors(
        editor, texts, django_capture_on_commit_callbacks):
    html = send(editor, texts["en"], django_capture_on_commit_callbacks,
                _save="Save").content.decode()
    texts["en"].refresh_from_db()
    assert texts["en"].status == Status.PUBLISHED
    assert "Saved. It is the published version, so visitors see no change." in html


def test_submit_for_review_waits_for_review(editor, texts, django_capture_on_commit_callbacks):
    html = send(editor, texts["en"], django_capture_on_commit_callbacks, title="Please check",
                _submit_for_review="Submit").content.decode()
    texts["en"].refresh_from_db()
    assert texts["en"].status == Status.REVIEW and texts["en"].live["title"] == "Step 1 en"
    assert "Submitted for review." in html


def test_withdrawing_from_the_list_takes_it_from_visitors(editor, texts,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post("/staff/admin/content/steptext/", {
            "action": "unpublish", "_selected_action": [texts["en"].pk]}, follow=True)
    assert "Withdrawn." in response.content.decode()
    texts["en"].refresh_from_db()
    assert (texts["en"].status, texts["en"].live) == (Status.DRAFT, None)


# Bad input: refused beside the field, nothing saved.

@pytest.mark.parametrize("body", ["", "<p></p>", "<p> <br> </p>", "<img src=x><script>1</script>"])
def test_an_empty_body_is_refused_beside_the_field(editor, texts,
                                                   django_capture_on_commit_callbacks, body):
    response = send(editor, texts["en"], django_capture_on_commit_callbacks, body=body,
                    _publish="Publish now")
    html = response.content.decode()
    assert response.status_code == 200
    assert "errorlist" in html and ("This field is required." in html
                                    or "once cleaned of formatting, it is empty" in html)
    texts["en"].refresh_from_db()
    assert texts["en"].body == "<p>Body 1 en.</p>"


def test_an_over_long_body_is_refused_with_its_length(editor, texts,
                                                       django_capture_on_commit_callbacks):
    body = "<p>" + "a" * TEXT_MAX_LENGTH + "</p>"
    html = send(editor, texts["en"], django_capture_on_commit_callbacks, body=body,
                _publish="Publish now").content.decode()
    assert f"at most {TEXT_MAX_LENGTH:,} characters".replace(",", "") in html.replace(",", "")
    texts["en"].refresh_from_db()
    assert texts["en"].live["body"] == "<p>Body 1 en.</p>"


def test_pasted_word_and_web_html_is_stored_as_the_allowed_tags(
        editor, texts, django_capture_on_commit_callbacks):
    send(editor, texts["fi"], django_capture_on_commit_callbacks, body=WORD_PASTE,
         _publish="Publish now")
    texts["fi"].refresh_from_db()
    body = texts["fi"].live["body"]
    assert html_tags(body) <= ALLOWED
    for gone in ("style=", "class=", "mso-", "javascript:", "onclick", "<!--", "o:p",
                 "file:///", "alert"):
        assert gone not in body
    assert "<strong>tärkeä</strong>" in body and "<em>asia</em>" in body
    assert 'href="https://example.org/"' in body and 'rel="noopener noreferrer"' in body


def test_the_body_is_written_in_the_rich_text_editor_not_as_html(editor, texts):
    html = editor.get(url(texts["en"])).content.decode()
    assert "data-django-prose-editor-configurable" in html
    assert '<script type="importmap" nonce="' in html


# Revisions.

def revisions_of(text):
    return Revision.objects.filter(content_type=ContentType.objects.get_for_model(text),
                                   object_id=text.pk)


def test_a_revision_is_named_by_item_language_author_and_day(texts):
    author = make_staff("anna", editor=True)
    text_publish(text=texts["fi"], user=author)
    name = str(revisions_of(texts["fi"]).first())
    today = timezone.localdate()
    assert name == f"Step text test-pathway/step-1 [fi], by anna, {today.day} {today:%b %Y}"


def test_a_revisions_page_shows_it_beside_the_text_now_and_reverts_from_there(
        editor, texts, django_capture_on_commit_callbacks):
    old = revisions_of(texts["en"]).first()
    send(editor, texts["en"], django_capture_on_commit_callbacks,
         body="<p>Body 1 en.</p><p>A new second paragraph.</p>", _publish="Publish now")
    page = editor.get(f"/staff/admin/content/revision/{old.pk}/change/").content.decode()
    assert "This revision" in page and "The text now (its draft)" in page
    added = page[page.index('class="diff-added"'):]
    assert "A new second paragraph." in added[:400]
    assert 'name="data"' not in page and "&quot;body&quot;" not in page  # no raw JSON
    assert editor.get(f"/staff/admin/content/revision/{old.pk}/revert/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(f"/staff/admin/content/revision/{old.pk}/revert/", follow=True)
    assert "Reverted: the text is this revision again, and published." in (
        response.content.decode())
    texts["en"].refresh_from_db()
    assert texts["en"].live["body"] == "<p>Body 1 en.</p>"
    assert texts["en"].status == Status.PUBLISHED


def test_only_an_administrator_deletes_a_revision_or_a_published_text(client, texts):
    revision = revisions_of(texts["en"]).first()
    sign_in(client, make_staff())
    assert client.get(f"/staff/admin/content/revision/{revision.pk}/delete/").status_code == 403
    assert client.post(url(texts["en"], "delete"), {"post": "yes"}).status_code == 403
    assert StepText.objects.filter(pk=texts["en"].pk).exists()
    listing = client.get("/staff/admin/content/steptext/").content.decode()
    assert 'value="delete_selected"' not in listing
    client.logout()
    sign_in(client, make_staff("root", superuser=True, editor=False))
    assert client.get(f"/staff/admin/content/revision/{revision.pk}/delete/").status_code == 200
    assert client.post(url(texts["en"], "delete"), {"post": "yes"}).status_code == 302
    assert not StepText.objects.filter(pk=texts["en"].pk).exists()


def test_an_editor_deletes_a_draft_nobody_has_seen(editor):
    make_pathway(publish=False)
    draft = StepText.objects.get(step__pathway__key="test-pathway", step__order=1)
    assert editor.post(url(draft, "delete"), {"post": "yes"}).status_code == 302
    assert not StepText.objects.filter(pk=draft.pk).exists()


# Translations in step.

def publish_later(text, minutes, **changes):
    for field, value in changes.items():
        setattr(text, field, value)
    text_publish(text=text)
    later = timezone.now() + timedelta(minutes=minutes)
    type(text).objects.filter(pk=text.pk).update(published_at=later)
    newest = revisions_of(text).order_by("-id").first()
    Revision.objects.filter(pk=newest.pk).update(created_at=later)
    text.refresh_from_db()


def status(*args) -> str:
    out = StringIO()
    call_command("translation_status", "--list", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_translation_is_out_of_date_once_its_english_changes_and_current_when_republished(
        editor, texts):
    assert "out_of_date" not in status()
    publish_later(texts["en"], 5, body="<p>New English words.</p>")
    listing = editor.get("/staff/admin/content/steptext/?language__exact=fi").content.decode()
    assert "out of date" in listing
    page = editor.get(url(texts["fi"])).content.decode()
    assert "Out of date: the English text was changed and published on" in page
    assert "The English source, as visitors read it" in page and "New English words." in page
    report = editor.get("/staff/translations/").content.decode()
    assert "test-pathway/step-1" in report and "Out of date" in report
    assert "fi  out_of_date  Step: test-pathway/step-1" in status()

    publish_later(texts["fi"], 10, body="<p>Uudet sanat.</p>")
    assert "out_of_date" not in status()
    assert "out of date" not in editor.get(
        "/staff/admin/content/steptext/?language__exact=fi").content.decode()


def test_publishing_english_again_unchanged_leaves_translations_current(texts):
    publish_later(texts["en"], 5)
    assert "out_of_date" not in status()


def test_a_missing_translation_is_reported_and_fails_the_check_when_asked(texts):
    texts["fi"].delete()
    printed = status()
    assert "fi  missing" in printed
    with pytest.raises(SystemExit) as exit_:
        call_command("translation_status", "--fail-on-missing", stdout=StringIO(),
                     stderr=StringIO())
    assert exit_.value.code == 1
    call_command("translation_status", "--fail-on-out-of-date", stdout=StringIO())  # passes


# The admin's home.

def test_the_admin_is_grouped_by_task_and_links_to_statistics(client):
    sign_in(client, make_staff("root", superuser=True, editor=False))
    html = client.get("/staff/admin/").content.decode()
    groups = ["Content: what visitors read", "Directory: organisations and services",
              "Staff: accounts and groups", "Audit log, deliveries and counts"]
    positions = [html.index(group) for group in groups]
    assert positions == sorted(positions)
    assert html.index("Step texts") < html.index("Revisions") < html.index("Organisations")
    assert 'href="/staff/stats/"' in html


def test_an_editor_sees_only_the_content_group(editor):
    html = editor.get("/staff/admin/").content.decode()
    assert "Content: what visitors read" in html
    assert "Directory: organisations and services" not in html
