"""Exercises ("Try this"): a place to write in every step, a personal plan that gathers the
plan exercises, and a page (or file) made from the answers, never stored, logged or cached.

The browser side (answers kept under the opaque key with JavaScript, cleared by quick exit) is
in tests/e2e/test_exercises.py and tests/e2e/test_safest_firefox.py."""

import logging
import tomllib
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client

from content import seed
from content.models import Exercise, ExerciseText, Pathway, Step
from content.services import text_publish
from tests.content.factories import make_staff
from tests.staff.factories import sign_in
from tests.test_no_visitor_data_is_kept import dump_every_table, dump_the_cache

pytestmark = pytest.mark.django_db

SEED = Path(seed.__file__).resolve().parent / "seed"
LANGUAGES = ("en", "fi", "sv")
PLAN_ORDER = ["reasons", "warning-signs", "instead", "people", "professional-help"]
SAME_SITE = {"HTTP_SEC_FETCH_SITE": "same-origin"}


def seed_file(language: str) -> list[dict]:
    with (SEED / f"exercises.{language}.toml").open("rb") as handle:
        return tomllib.load(handle)["exercise"]


class Boxes(HTMLParser):
    """The textareas of a page: name -> (id, data-exercise, text)."""

    def __init__(self):
        super().__init__()
        self.found: dict[str, dict] = {}
        self._open = None

    def handle_starttag(self, tag, attrs):
        if tag == "textarea":
            attributes = dict(attrs)
            self._open = attributes["name"]
            self.found[self._open] = {**attributes, "text": ""}

    def handle_data(self, data):
        if self._open:
            self.found[self._open]["text"] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._open = None


def boxes(html: str) -> dict[str, dict]:
    parser = Boxes()
    parser.feed(html)
    return parser.found


def post(client, key="self", **data):
    return client.post(f"/en/pathways/{key}/answers/", data, **SAME_SITE)


# --- the seed ----------------------------------------------------------------------------


def test_every_step_of_every_pathway_has_an_exercise_in_every_language(client):
    for pathway in Pathway.objects.all():
        for language in LANGUAGES:
            for number, _step in enumerate(pathway.steps.all(), start=1):
                html = client.get(f"/{language}/pathways/{pathway.key}/{number}/").content.decode()
                found = boxes(html)
                assert len(found) >= 1, f"{language} {pathway.key} step {number} has no exercise"
                texts = ExerciseText.objects.filter(
                    exercise__step=_step, language=language).published()
                assert texts.count() == len(found)


def test_the_seed_has_the_same_exercises_and_plan_sections_in_every_language():
    def structure(language):
        return [(e["pathway"], e["step"], e["key"], e["plan"]) for e in seed_file(language)]

    assert structure("fi") == structure("en") == structure("sv")
    for language in LANGUAGES:
        for exercise in seed_file(language):
            assert exercise["question"].strip() and exercise["hint"].strip(), exercise["key"]
            assert "Try this" not in exercise["question"]


def test_the_step_texts_no_longer_carry_their_own_try_this():
    for path in (SEED / "pathways").glob("*.toml"):
        text = path.read_text()
        for label in ("Try this:", "Kokeile:", "Kokeile tätä:", "Pröva det här:",
                      "Prova det här:"):
            assert f"<strong>{label}</strong>" not in text, path.name


def test_the_self_pathway_plan_has_every_section_in_order(client):
    html = client.get("/en/pathways/self/plan/").content.decode()
    headings = [f'id="plan-{section}"' for section in PLAN_ORDER]
    at = [html.index(heading) for heading in headings]
    assert at == sorted(at)
    plan_exercises = Exercise.objects.filter(step__pathway__key="self").exclude(plan="")
    assert set(boxes(html)) == {f"{e.step.key}.{e.key}" for e in plan_exercises}


# --- the step page and the plan page -----------------------------------------------------


def test_a_step_shows_its_exercise_as_a_labelled_box_and_stays_cacheable(client):
    response = client.get("/en/pathways/self/2/")
    html = response.content.decode()
    assert "s-maxage" in response.headers["Cache-Control"]
    assert not response.cookies
    exercise = ExerciseText.objects.get(
        exercise__step__pathway__key="self", exercise__step__order=2, language="en")
    (name, box), = boxes(html).items()
    assert f'<label class="exercise-question" for="{box["id"]}">{exercise.question}</label>' in html
    assert exercise.hint in html and box["aria-describedby"] == f'{box["id"]}-hint'
    assert box["data-exercise"] == f"self/{exercise.exercise.step.key}/{exercise.exercise.key}"
    assert 'action="/en/pathways/self/answers/#errors"' in html  # a refusal shows its message
    assert "Nothing you write here is kept" in html
    assert 'href="/en/pathways/self/plan/"' in html  # its answer is part of the plan


def test_a_step_whose_exercise_is_not_in_the_plan_does_not_point_to_it(client):
    html = client.get("/en/pathways/self/1/").content.decode()
    assert Exercise.objects.get(step__pathway__key="self", step__order=1).plan == ""
    assert "Open your personal plan" not in html


def test_the_plan_page_is_a_cacheable_page_of_its_own_in_every_language(client):
    for language in LANGUAGES:
        response = client.get(f"/{language}/pathways/young-people/plan/")
        assert response.status_code == 200
        assert "s-maxage" in response.headers["Cache-Control"]
        assert len(boxes(response.content.decode())) == 4
    assert 'href="/en/pathways/self/plan/"' in client.get("/en/pathways/self/").content.decode()


def test_a_pathway_without_plan_exercises_has_no_plan_page(client):
    assert client.get("/en/pathways/parents/plan/").status_code == 404
    assert "Open your personal plan" not in client.get("/en/pathways/parents/").content.decode()


# --- the page made from the answers ------------------------------------------------------


def test_the_answers_come_back_as_a_printable_page_escaped_and_never_cached(client):
    response = post(client, part="2", **{"real-not-virtual.real-not-virtual":
                                          "Because <b>they</b> are real\nSecond line"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "Because &lt;b&gt;they&lt;/b&gt; are real<br>Second line" in html
    assert "<b>they</b>" not in html
    assert "<h1>Real, not virtual</h1>" in html
    assert "What is one reason you want to stop?" in html
    assert "Print this page" in html  # shown by the script; the text says what to do without
    assert "print or save command" in html


def test_the_answers_can_be_downloaded_as_a_text_file_with_a_neutral_name(client):
    response = post(client, part="plan", **{"as": "file",
                                            "real-not-virtual.real-not-virtual": "For my kids",
                                            "making-a-plan.making-a-plan": "A helpline"})
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response.headers["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "For my kids" in text and "A helpline" in text
    assert text.index("== My reasons ==") < text.index("For my kids") < text.index(
        "== People I can contact ==") < text.index("A helpline")
    assert text.count("(not answered yet)") == 3


def test_the_plan_page_of_answers_keeps_the_sections_and_leaves_room_to_write(client):
    response = post(client, part="plan", **{"making-a-plan.making-a-plan": "My brother"})
    html = response.content.decode()
    html = html[html.index('<article class="answers">'):]
    assert html.index("My reasons") < html.index("People I can contact") < html.index(
        "My brother")
    assert html.count('class="not-answered"') == 4


def test_the_answers_page_in_another_language_is_in_that_language(client):
    response = client.post("/fi/pathways/self/answers/", {"part": "2", "as": "page"}, **SAME_SITE)
    html = response.content.decode()
    assert '<html lang="fi"' in html
    assert ExerciseText.objects.get(
        exercise__step__pathway__key="self", exercise__step__order=2, language="fi"
    ).question in html


def test_a_too_long_answer_is_sent_back_with_every_word_and_a_message(client):
    long = "word " * 1001
    response = post(client, part="plan", **{"real-not-virtual.real-not-virtual": long,
                                            "making-a-plan.making-a-plan": "keep me too"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please shorten this answer to 5000 characters or fewer" in html
    assert "Your page has not been made yet" in html
    found = boxes(html)
    assert found["real-not-virtual.real-not-virtual"]["text"].strip() == long.strip()
    assert found["making-a-plan.making-a-plan"]["text"] == "keep me too"
    assert found["real-not-virtual.real-not-virtual"]["aria-invalid"] == "true"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("part", ["", "0", "99", "-1", "x", "plan2"])
def test_a_part_that_is_no_step_or_plan_is_not_found(client, part):
    assert post(client, part=part).status_code == 404


def test_answers_only_come_by_post(client):
    assert client.get("/en/pathways/self/answers/?part=2").status_code == 405
    assert post(client, key="no-such-pathway", part="1").status_code == 404
    assert post(client, key="parents", part="plan").status_code == 404


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"HTTP_SEC_FETCH_SITE": "same-origin"}, True),
        ({"HTTP_SEC_FETCH_SITE": "cross-site"}, False),
        ({"HTTP_SEC_FETCH_SITE": "same-site"}, False),
        ({"HTTP_ORIGIN": "http://testserver"}, True),
        ({"HTTP_ORIGIN": "https://evil.example"}, False),
        ({"HTTP_ORIGIN": "null"}, True),
        ({}, True),
        ({"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "http://testserver"}, False),
    ],
)
def test_another_site_cannot_make_this_one_show_words(client, headers, allowed):
    words = f"Call this number now {uuid.uuid4()}"
    response = client.post("/en/pathways/self/answers/",
                           {"part": "2", "real-not-virtual.real-not-virtual": words}, **headers)
    assert (response.status_code == 200) is allowed
    assert (words in response.content.decode()) is allowed
    if not allowed:
        assert response.status_code == 403
        assert "This form came from another website" in response.content.decode()


def test_the_has_this_helped_form_is_refused_from_another_site(client):
    from stats.models import DailyCount

    before = DailyCount.objects.count()
    response = client.post("/en/did-it-help/", {"answer": "yes", "where": "pathway-end"},
                           HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert DailyCount.objects.count() == before


def test_the_forms_need_no_csrf_token_because_their_pages_are_cached():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/en/pathways/self/answers/", {"part": "2"}, **SAME_SITE)
    assert response.status_code == 200


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_answers_leave_no_trace_in_any_table_log_or_cache(client, caplog):
    caplog.set_level(logging.DEBUG)
    secret = f"my-secret-answer-{uuid.uuid4().hex}"
    before = row_counts()
    tables_before = dump_every_table()
    cache_before = set(dump_the_cache().splitlines())
    field = "real-not-virtual.real-not-virtual"
    post(client, part="2", **{field: secret})
    post(client, part="plan", **{field: secret, "as": "file"})
    post(client, part="plan", **{field: secret + "x" * 5000})  # refused: too long
    client.post("/en/pathways/self/answers/", {"part": "2", field: secret},
                HTTP_SEC_FETCH_SITE="cross-site")
    client.post("/fi/pathways/self/answers/", {"part": "99", field: secret}, **SAME_SITE)
    assert row_counts() == before  # not even a count: answers are not counted
    assert secret not in dump_every_table()
    assert dump_every_table() == tables_before
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in repr(record.__dict__)
    added = set(dump_the_cache().splitlines()) - cache_before
    assert not any(secret in line for line in added)


# --- editors -----------------------------------------------------------------------------


@pytest.fixture
def editor_client(client):
    sign_in(client, make_staff(superuser=True))
    return client


def test_an_editor_adds_an_exercise_that_visitors_see_once_published(
    editor_client, django_capture_on_commit_callbacks
):
    step = Step.objects.get(pathway__key="parents", order=3)
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post("/staff/admin/content/exercise/add/", {
            "step": step.pk, "key": "second", "order": 2, "plan": "",
        }, follow=True)
    assert response.status_code == 200
    exercise = Exercise.objects.get(step=step, key="second")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post("/staff/admin/content/exercisetext/add/", {
            "exercise": exercise.pk, "language": "sv", "question": "Vilken fråga vill du ställa?",
            "hint": "Ett ord räcker.", "why": "", "publish_at_0": "", "publish_at_1": "",
            "_save": "Save",
        }, follow=True)
    text = ExerciseText.objects.get(exercise=exercise, language="sv")
    assert "Vilken fråga" not in visitor.get("/sv/pathways/parents/3/").content.decode()
    preview = editor_client.get(f"/staff/preview/exercise/{text.pk}/").content.decode()
    assert "Vilken fråga vill du ställa?" in preview
    assert len(boxes(preview)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        text_publish(text=text)
    html = visitor.get("/sv/pathways/parents/3/").content.decode()
    assert "Vilken fråga vill du ställa?" in html and len(boxes(html)) == 2
    # Other languages are unchanged: no English stand-in was written.
    assert len(boxes(visitor.get("/fi/pathways/parents/3/").content.decode())) == 1


def test_an_exercise_text_missing_in_a_language_falls_back_to_english(client):
    ExerciseText.objects.filter(exercise__step__pathway__key="self", exercise__step__order=2,
                                language="sv").delete()
    html = client.get("/sv/pathways/self/2/").content.decode()
    assert '<div class="exercise" lang="en">' in html
    assert "What is one reason you want to stop?" in html


def test_the_seed_refuses_an_exercise_of_a_step_that_does_not_exist(tmp_path, monkeypatch):
    for path in SEED.rglob("*.toml"):
        target = tmp_path / path.relative_to(SEED)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    broken = tmp_path / "exercises.en.toml"
    broken.write_text(broken.read_text().replace('step = "you-took-a-step"',
                                                 'step = "no-such-step"', 1))
    monkeypatch.setattr(seed, "SEED_DIR", tmp_path)
    with pytest.raises(seed.SeedError, match="no step self/no-such-step"):
        seed.seed_content()
