"""An editor changes a step, previews it, publishes it, and a visitor sees the change."""

import pytest
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from content.models import StepText
from tests.staff.factories import code_for

pytestmark = pytest.mark.browser


def test_an_edited_step_is_previewed_published_and_then_seen_by_a_visitor(new_context):
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.create_user(
        username="editor", password="a long editor password 42", is_staff=True
    )
    editor.groups.add(Group.objects.get(name="Editors"))
    device = TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    text = StepText.objects.get(step__pathway__key="parents", step__order=2, language="en")
    new_title = "Explore the safety settings together, step by step"

    staff = new_context(javascript=True)
    page = staff.page
    staff.goto("/staff/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a long editor password 42")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(code_for(device))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    # A first sign-in made the editor's key: its recovery key is shown once, then the admin.
    assert "/staff/account/recovery-key/" in page.url
    assert page.locator(".recovery-key code").inner_text().count("-") == 7
    with page.expect_navigation():
        page.get_by_role("link", name="I have written it down: continue").click()
    assert page.url.endswith("/staff/admin/")

    staff.goto(f"/staff/admin/content/steptext/{text.pk}/change/")
    page.fill("#id_title", new_title)
    with page.expect_navigation():
        page.locator("input[name=_continue]").click()

    visitor = new_context(javascript=False)
    visitor.goto("/en/pathways/parents/2/")
    assert new_title not in visitor.page.content()  # a saved draft is not published

    with page.expect_navigation():
        page.get_by_role("link", name="Preview this draft as a visitor").click()
    assert page.get_by_role("heading", level=1).inner_text() == new_title
    assert page.get_by_text("Preview of a draft").is_visible()

    staff.goto("/staff/admin/content/steptext/")
    page.locator(f"input[name=_selected_action][value='{text.pk}']").check()
    page.select_option("select[name=action]", "publish")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    assert page.get_by_text("Published. Visitors see it within a minute.").is_visible()

    visitor.goto("/en/pathways/parents/2/")
    assert visitor.page.get_by_role("heading", level=1).inner_text() == new_title
