"""The self-check routes to a pathway, puts urgent help first when needed, and keeps nothing."""

import logging

import pytest
from django.apps import apps
from django.test import Client

pytestmark = pytest.mark.django_db

CALM = {
    "who": "me-adult",
    "happened": "few-times",
    "offline-worry": "a-little",
    "feeling": "okay",
    "help-before": "no",
    "want": "read",
}


def answer(client, language="en", **changes):
    return client.post(f"/{language}/self-check/", {**CALM, **changes})


@pytest.mark.parametrize(
    ("who", "pathway"),
    [
        ("me-adult", "self"),
        ("me-young", "young-people"),
        ("someone-close", "someone-else"),
        ("my-child", "parents"),
    ],
)
def test_the_result_names_the_pathway_for_who_the_visitor_is_worried_about(client, who, pathway):
    response = answer(client, who=who)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/en/pathways/{pathway}/1/"' in html
    assert "First, please get urgent help" not in html


@pytest.mark.parametrize("changes", [{"feeling": "desperate"}, {"offline-worry": "might-act-soon"}])
def test_a_crisis_answer_puts_urgent_help_first(client, changes):
    html = answer(client, **changes).content.decode()
    urgent = html.index("First, please get urgent help")
    assert urgent < html.index("A pathway for you")
    assert 'href="/en/urgent-help/"' in html


def test_the_result_is_never_cached_and_links_the_next_steps(client):
    response = answer(client)
    assert "no-store" in response.headers["Cache-Control"]
    assert 'href="/en/confidentiality/"' in response.content.decode()


def test_missing_answers_show_the_form_again_with_a_message_at_each(client):
    response = client.post("/fi/self-check/", {"who": "me-adult"})
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count("Valitse yksi vastaus tähän kysymykseen.") == 5
    assert 'value="me-adult" required id="id_who_0" checked' in html or "checked" in html


def test_a_forged_answer_is_refused_with_a_message(client):
    response = answer(client, who="admin'; DROP TABLE")
    assert response.status_code == 400
    assert "That answer is not one of the choices" in response.content.decode()


def test_answers_in_the_address_do_nothing(client):
    response = client.get("/en/self-check/", CALM)
    assert response.status_code == 200
    assert "A pathway for you" not in response.content.decode()


def test_the_form_needs_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/en/self-check/", CALM).status_code == 403


def row_counts() -> dict[str, int]:
    """Rows of every table but the aggregate counts (the one thing a self-check may leave)."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if model._meta.app_label != "stats"}


def test_answers_leave_no_trace_in_any_table_or_log(client, caplog):
    caplog.set_level(logging.DEBUG)
    before = row_counts()
    distinctive = {**CALM, "who": "someone-close", "feeling": "desperate"}
    for _ in range(3):
        client.post("/en/self-check/", distinctive)
    client.post("/en/self-check/", {"who": "not-a-choice-xyzzy"})
    assert row_counts() == before
    from stats.models import DailyCount

    for row in DailyCount.objects.all():  # only the aggregate: which pathway, urgent or not
        assert "someone-close" not in repr(row.__dict__) and "desperate" not in repr(row.__dict__)
    for record in caplog.records:
        text = record.getMessage()
        assert "someone-close" not in text and "desperate" not in text
        assert "xyzzy" not in text
