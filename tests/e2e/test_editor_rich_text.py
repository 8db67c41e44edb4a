"""An editor's journey in chromium, with axe on every staff page visited: format a step in the
rich text editor (no HTML typed), paste from Word, preview, publish, see the difference on
the revision's page, revert from there, and bring a translation flagged out of date up to
date. The editor runs under the admin's CSP without 'unsafe-inline': no console error."""

import pytest
from django.contrib.auth.models import Group

from content.models import StepText
from content.sanitize import ALLOWED_TAGS
from tests.content.test_editing import WORD_PASTE, html_tags
from tests.staff.factories import make_user

pytestmark = pytest.mark.browser

STEP = {"step__pathway__key": "parents", "step__order": 3}


def checked(visit, axe_violations, where: str) -> None:
    """No load the CSP refused so far, then axe (whose own fetches of stylesheets the CSP
    refuses: those are axe's, not the page's, and are forgotten)."""
    refused = [error for error in visit.console_errors if "Content Security Policy" in error]
    assert refused == [], f"{where}: {refused}"
    violations = axe_violations(visit.page)
    assert violations == [], f"{where}: {violations}"
    visit.console_errors.clear()


def change_url(text) -> str:
    return f"/staff/admin/content/steptext/{text.pk}/change/"


def test_an_editor_formats_pastes_publishes_compares_reverts_and_updates_a_translation(
        new_context, axe_violations):
    editor = make_user("rich-editor")
    editor.groups.add(Group.objects.get(name="Editors"))
    english = StepText.objects.get(**STEP, language="en")
    finnish = StepText.objects.get(**STEP, language="fi")
    before = english.live["body"]

    visit = new_context(javascript=True)
    page = visit.page
    visit.sign_in(editor)
    checked(visit, axe_violations, "admin home")

    visit.goto(change_url(english))
    prose = page.locator(".ProseMirror[contenteditable=true]")
    prose.wait_for()
    checked(visit, axe_violations, "step form")
    prose.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+b")
    page.keyboard.type("Ask for help early")
    page.keyboard.press("Control+b")
    with page.expect_navigation():
        page.locator("input[name=_continue]").click()
    english.refresh_from_db()
    assert "<strong>Ask for help early</strong>" in english.body
    assert english.live["body"] == before  # saved, not published

    with page.expect_navigation():
        page.get_by_role("link", name="Preview this draft as a visitor").click()
    assert page.locator("strong", has_text="Ask for help early").is_visible()
    page.go_back()

    with page.expect_navigation():
        page.locator("input[name=_publish]").click()
    assert page.get_by_text("Published. Visitors see it within a minute.").is_visible()
    english.refresh_from_db()
    assert "<strong>Ask for help early</strong>" in english.live["body"]

    # The Finnish text was published beside the English text of before: now out of date.
    visit.goto("/staff/admin/content/steptext/?language__exact=fi")
    row = page.locator("tr", has_text=str(finnish))
    assert row.locator(".new-marker", has_text="out of date").is_visible()
    checked(visit, axe_violations, "list with an out-of-date translation")

    # Updated beside its English source, with words pasted from Word, and published.
    visit.goto(change_url(finnish))
    assert page.get_by_text("Out of date: the English text was changed").is_visible()
    assert page.get_by_role("heading", name="The English source, as visitors read it") \
        .is_visible()
    assert page.locator(".translation-source strong", has_text="Ask for help early").is_visible()
    checked(visit, axe_violations, "translation beside its source")
    prose = page.locator(".ProseMirror[contenteditable=true]")
    prose.click()
    page.keyboard.press("Control+End")
    page.evaluate("""html => {
        const data = new DataTransfer();
        data.setData('text/html', html);
        data.setData('text/plain', 'pasted');
        document.querySelector('.ProseMirror[contenteditable=true]').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", WORD_PASTE)
    # The editor reads the pasted markup in the page, where the CSP refuses its style
    # attributes and its onclick, as it should: nothing of them runs or applies.
    assert all("inline style" in error or "inline event handler" in error
               for error in visit.console_errors), visit.console_errors
    visit.console_errors.clear()
    with page.expect_navigation():
        page.locator("input[name=_publish]").click()
    finnish.refresh_from_db()
    assert "tärkeä" in finnish.live["body"]
    assert html_tags(finnish.live["body"]) <= ALLOWED_TAGS
    assert "mso-" not in finnish.live["body"] and "style=" not in finnish.live["body"]
    visit.goto("/staff/admin/content/steptext/?language__exact=fi")
    assert page.locator("tr", has_text=str(finnish)).locator(".new-marker").count() == 0

    # The English revision before this publish, beside the text now; reverted from its page.
    visit.goto(change_url(english))
    with page.expect_navigation():
        page.locator(".field-revisions a").nth(1).click()
    assert page.locator("tr.diff-added", has_text="Ask for help early").is_visible()
    checked(visit, axe_violations, "revision and its differences")
    with page.expect_navigation():
        page.get_by_role("button", name="Revert to this revision (publishes it again)").click()
    assert page.get_by_text("Reverted: the text is this revision again, and published.") \
        .is_visible()
    english.refresh_from_db()
    assert english.live["body"] == before

    # The English changed again: the Finnish, just updated, is out of date again.
    visit.goto("/staff/translations/")
    checked(visit, axe_violations, "translation report")
    assert str(finnish.step) in page.locator("main").inner_text()
    assert visit.foreign_requests == []
