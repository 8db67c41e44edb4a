"""The self-check routes to a pathway, says whether a professional or the steps come first and
why, puts urgent help first when needed (letting the visitor skip the rest), and keeps nothing."""

import logging
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.test import Client

from tests.test_no_visitor_data_is_kept import dump_the_cache

pytestmark = pytest.mark.django_db

CALM = {
    "who": "me-adult",
    "happened": "few-times",
    "offline-worry": "a-little",
    "feeling": "okay",
    "help-before": "no",
    "want": "not-sure",
}
QUESTIONS = list(CALM)
SKIP = "no-answer"


def answer(client, language="en", **changes):
    return client.post(f"/{language}/self-check/", {**CALM, **changes})


class Radios(HTMLParser):
    """Every radio button of a page, per group, in page order: (value, checked)."""

    def __init__(self):
        super().__init__()
        self.groups: dict[str, list[tuple[str, bool]]] = {}

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "input" and found.get("type") == "radio":
            self.groups.setdefault(found["name"], []).append(
                (found["value"], "checked" in found))


def radios(html: str) -> dict[str, list[tuple[str, bool]]]:
    parser = Radios()
    parser.feed(html)
    return parser.groups


def sections(html: str) -> list[str]:
    """The result page's section headings, in order."""
    headings = []
    for text in ("First, please get urgent help", "Talk to a professional", "A pathway for you",
                 "Steps you can take on your own"):
        if text in html:
            headings.append((html.index(text), text))
    return [text for _at, text in sorted(headings)]


@pytest.mark.parametrize(
    ("who", "pathway"),
    [
        ("me-adult", "self"),
        ("me-young", "young-people"),
        ("someone-close", "someone-else"),
        ("my-child", "parents"),
        ("my-child-behaviour", "my-child"),
    ],
)
def test_the_result_names_the_pathway_for_who_the_visitor_is_worried_about(client, who, pathway):
    response = answer(client, who=who)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/en/pathways/{pathway}/1/"' in html
    assert "First, please get urgent help" not in html


PROFESSIONAL = "we suggest contacting a service first; the steps below can help meanwhile."
SELF_HELP = ("we suggest starting with the steps below; a service is there whenever you would "
             "like to talk to someone.")
BOTH = "we suggest doing both: talking to a professional and working through the steps below."
BOTH_ANYWAY = ("From your answers, we suggest doing both: talking to a professional and working "
               "through the steps below, in whatever order suits you.")


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        # The example of issue 14: regular viewing and a wish to talk.
        ({"happened": "regularly", "want": "talk"},
         "Because you said this happens regularly and you would like to talk to someone, "
         + PROFESSIONAL),
        ({"offline-worry": "a-lot"},
         "Because you said you worry a lot that a child could be harmed offline, " + PROFESSIONAL),
        ({"want": "talk"}, "Because you said you would like to talk to someone, " + PROFESSIONAL),
        ({"happened": "never", "want": "read"},
         "Because you said it has only been thoughts or a worry so far and you would like to "
         "read and try things on your own, " + SELF_HELP),
        ({"want": "read"},
         "Because you said you would like to read and try things on your own, " + SELF_HELP),
        # A wish to read is respected, but regular viewing still suggests a service too.
        ({"happened": "regularly", "want": "read"},
         "Because you said this happens regularly and you would like to read and try things on "
         "your own, " + BOTH),
        ({"want": "both"},
         "Because you said you would like both to talk to someone and to read on your own, "
         + BOTH),
        ({"help-before": "in-treatment"}, "Because you said you are getting help now, " + BOTH),
        ({"help-before": "tried"},
         "Because you said help you had before did not work out for you, " + BOTH),
        ({"feeling": "low", "want": "read"},
         "Because you said you are feeling low, anxious or ashamed and you would like to read "
         "and try things on your own, " + BOTH),
        ({}, BOTH_ANYWAY),
    ],
)
def test_the_result_says_what_comes_first_and_why_from_the_answers(client, changes, sentence):
    html = answer(client, **changes).content.decode()
    assert f'<p class="why" id="why">{sentence}</p>' in html
    assert 'href="/en/find-help/?language=en"' in html
    assert 'href="/en/pathways/self/1/"' in html
    if sentence.endswith(PROFESSIONAL):
        assert sections(html) == ["Talk to a professional", "A pathway for you"]
    else:
        assert sections(html) == ["A pathway for you", "Talk to a professional"]


@pytest.mark.parametrize("question", QUESTIONS[1:])
def test_every_question_after_the_first_can_change_the_result(client, question):
    """Answered on its own (the others "Prefer not to say"), some answer of each question moves
    the result away from the one it gives with no answers at all."""
    alone = {q: SKIP for q in QUESTIONS[1:]}
    neutral = client.post("/en/self-check/", {**alone, "who": "me-adult"}).content.decode()
    assert BOTH_ANYWAY in neutral
    html = client.get("/en/self-check/").content.decode()
    moved = [
        value for value, _checked in radios(html)[question] if value != SKIP
        and BOTH_ANYWAY not in client.post(
            "/en/self-check/", {**alone, "who": "me-adult", question: value}).content.decode()
    ]
    assert moved, question


def test_a_crisis_answer_puts_urgent_help_first(client):
    for changes in ({"feeling": "desperate"}, {"offline-worry": "might-act-soon"}):
        html = answer(client, **changes).content.decode()
        assert sections(html)[0] == "First, please get urgent help"
        assert html.index("First, please get urgent help") < html.index('class="why"')
        assert 'href="/en/urgent-help/"' in html
        assert PROFESSIONAL in html  # and a service before the steps


def test_every_question_but_the_first_has_prefer_not_to_say_checked_from_the_start(client):
    html = client.get("/en/self-check/").content.decode()
    groups = radios(html)
    assert list(groups) == QUESTIONS
    assert not any(checked for _value, checked in groups["who"])  # the first: no default
    assert SKIP not in [value for value, _checked in groups["who"]]
    for question in QUESTIONS[1:]:
        assert [value for value, checked in groups[question] if checked] == [SKIP], question
        assert groups[question][-1] == (SKIP, True)  # the last choice, after the real ones
    assert html.count(">Prefer not to say</label>") == len(QUESTIONS) - 1


def test_prefer_not_to_say_is_accepted_and_counts_as_no_answer(client):
    skipped = {q: SKIP for q in QUESTIONS[1:]}
    response = client.post("/en/self-check/", {"who": "my-child", **skipped})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/en/pathways/parents/1/"' in html
    assert BOTH_ANYWAY in html
    assert "First, please get urgent help" not in html


def test_questions_left_out_of_the_post_count_as_no_answer(client):
    response = client.post("/en/self-check/", {"who": "me-young", "want": "talk"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/en/pathways/young-people/1/"' in html
    assert "Because you said you would like to talk to someone, " + PROFESSIONAL in html


def test_what_a_text_browser_sends_gives_a_sane_result(client):
    """lynx shows every group's checked choice as chosen, and for a group with none checked it
    shows and sends the first. Sent as it is, that is the first "who" and no other answer."""
    html = client.get("/en/self-check/").content.decode()
    sent = {}
    for name, choices in radios(html).items():
        checked = [value for value, is_checked in choices if is_checked]
        sent[name] = checked[0] if checked else choices[0][0]
    assert sent == {"who": "me-adult", **{q: SKIP for q in QUESTIONS[1:]}}
    response = client.post("/en/self-check/", sent)
    result = response.content.decode()
    assert response.status_code == 200
    assert 'href="/en/pathways/self/1/"' in result
    assert BOTH_ANYWAY in result
    assert "First, please get urgent help" not in result


def test_only_the_checked_defaults_ask_again_for_the_first_question_alone(client):
    response = client.post("/en/self-check/", {q: SKIP for q in QUESTIONS[1:]})
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count("Please choose one answer to this question.") == 1
    assert html.index('id="e-who"') < html.index('id="q-happened"')
    assert [checked for _v, checked in radios(html)["happened"]][-1]  # the defaults are kept


@pytest.mark.parametrize(
    "sent",
    [
        {"feeling": "desperate"},  # not even the first question
        {"who": "me-adult", "happened": "regularly", "offline-worry": "might-act-soon"},
        {"feeling": "desperate", **{q: SKIP for q in ("happened", "offline-worry", "want")}},
    ],
)
def test_a_crisis_answer_is_accepted_with_the_rest_unanswered(client, sent):
    response = client.post("/en/self-check/", sent)
    html = response.content.decode()
    assert response.status_code == 200
    assert sections(html)[0] == "First, please get urgent help"
    if "who" not in sent:
        assert "Steps you can take on your own" in html
        assert 'href="/en/"' in html


def test_a_crisis_answer_does_not_let_a_forged_answer_through(client):
    response = client.post("/en/self-check/", {"feeling": "desperate", "who": "admin'; --"})
    assert response.status_code == 400
    assert "That answer is not one of the choices" in response.content.decode()


def test_go_to_urgent_help_now_stands_right_after_each_crisis_answer(client):
    html = client.get("/en/self-check/").content.decode()
    assert html.count("Go to urgent help now") == 2
    for crisis, following in (('value="might-act-soon"', 'name="offline-worry" value="no-answer"'),
                              ('value="desperate"', 'name="feeling" value="no-answer"')):
        at = html.index(crisis)
        link = html.index('href="/en/urgent-help/">Go to urgent help now', at)
        assert at < link < html.index(following, at)


def test_the_result_is_never_cached_and_links_the_next_steps(client):
    response = answer(client)
    assert "no-store" in response.headers["Cache-Control"]
    assert 'href="/en/confidentiality/"' in response.content.decode()


def test_the_provider_search_starts_in_the_visitors_language(client):
    html = answer(client, "sv", want="talk").content.decode()
    assert 'href="/sv/find-help/?language=sv"' in html


def test_a_forged_answer_is_refused_with_a_message(client):
    response = answer(client, who="admin'; DROP TABLE")
    assert response.status_code == 400
    assert "That answer is not one of the choices" in response.content.decode()
    response = answer(client, want="admin")
    assert response.status_code == 400


def test_answers_in_the_address_do_nothing(client):
    response = client.get("/en/self-check/", CALM)
    assert response.status_code == 200
    assert "A pathway for you" not in response.content.decode()


def test_the_form_needs_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/en/self-check/", CALM).status_code == 403


def test_the_seed_has_the_same_questions_and_answers_in_every_language(client):
    groups = {lang: radios(client.get(f"/{lang}/self-check/").content.decode())
              for lang in ("en", "fi", "sv")}
    assert groups["fi"] == groups["en"] == groups["sv"]
    assert 5 <= len(groups["en"]) <= 7
    assert [v for v, _c in groups["en"]["want"]] == ["talk", "read", "both", "not-sure", SKIP]


def row_counts() -> dict[str, int]:
    """Rows of every table but the aggregate counts (the one thing a self-check may leave)."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if model._meta.app_label != "stats"}


def test_answers_leave_no_trace_in_any_table_log_or_cache(client, caplog):
    caplog.set_level(logging.DEBUG)
    before = row_counts()
    cache_before = set(dump_the_cache().splitlines())
    distinctive = {**CALM, "who": "someone-close", "feeling": "desperate",
                   "help-before": "in-treatment", "want": "both", "offline-worry": SKIP}
    for _ in range(3):
        client.post("/en/self-check/", distinctive)
    client.post("/en/self-check/", {"feeling": "desperate", "help-before": "tried"})
    client.post("/en/self-check/", {"who": "not-a-choice-xyzzy"})
    assert row_counts() == before
    from stats.models import DailyCount

    secrets = ("someone-close", "desperate", "in-treatment", "tried", "want", "no-answer",
               "xyzzy")
    for row in DailyCount.objects.all():  # only the aggregate: which pathway, urgent or not
        assert not any(secret in repr(row.__dict__) for secret in secrets)
    for record in caplog.records:
        text = record.getMessage()
        assert not any(secret in text for secret in secrets), text
    added = set(dump_the_cache().splitlines()) - cache_before
    assert not any(secret in line for line in added for secret in secrets)
