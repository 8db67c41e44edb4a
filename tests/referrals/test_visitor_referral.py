"""A visitor writes to a service anonymously and is shown a codename once."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from directory.models import Service
from proof.public_urls import DEMO_SERVICE
from referrals import services
from referrals.codenames import codename_normalise
from referrals.models import Outbox, Referral
from tests.referrals.factories import make_service, opened
from tests.test_no_visitor_data_is_kept import dump_every_table, dump_the_cache

pytestmark = pytest.mark.django_db

MESSAGE = "I keep looking at things online that frighten me, and I want to stop."
ONCE = re.compile(r'name="once" value="([^"]+)"')
CODENAME = re.compile(r'id="codename"[^>]*>([^<]+)<')


def refer_url(service, language="en") -> str:
    return f"/{language}/find-help/{service.pk}/refer/"


def form_token(client, service) -> str:
    response = client.get(refer_url(service))
    assert response.status_code == 200
    return ONCE.search(response.content.decode()).group(1)


def form_data(client, service, **changes) -> dict:
    """The referral form filled in as a visitor would, confirming the service's ages if it has
    any (ages=None leaves them unconfirmed)."""
    data = {
        "acknowledge": "on",
        "ages": "on" if service.has_age_limits else None,
        "message": MESSAGE,
        "preferred_language": "",
        "contact": "",
        "once": form_token(client, service),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def send(client, service, **changes):
    return client.post(refer_url(service), form_data(client, service, **changes))


def shown_codename(response) -> str:
    return CODENAME.search(response.content.decode()).group(1).strip()


@pytest.fixture
def service():
    return make_service()


def test_a_visitor_sends_a_referral_and_is_shown_a_codename_of_seven_words(client, service):
    response = send(client, service, preferred_language="fi")

    assert response.status_code == 200
    referral = Referral.objects.get(service=service)
    assert referral.message_encrypted != MESSAGE
    assert MESSAGE not in referral.message_encrypted
    assert opened(referral, referral.message_encrypted) == MESSAGE
    assert referral.preferred_language == "fi"
    assert referral.state == Referral.State.NEW
    assert Outbox.objects.filter(referral=referral, channel=Outbox.Channel.INBOX).exists()
    codename = shown_codename(response)
    assert len(codename.split("-")) == 7
    assert services.referral_find(codename) == referral
    html = response.content.decode()
    assert "Nobody can recover it for you, or send it to you later." in html
    assert '<meta name="referrer" content="same-origin">' in html  # its forms keep Origin
    assert 'href="/en/mailbox/"' in html


def test_exactly_one_referral_is_created(client, service):
    before = Referral.objects.count()
    send(client, service)
    assert Referral.objects.count() == before + 1


def test_a_contact_detail_is_stored_encrypted(client, service):
    contact = "Signal: helper-4471"
    send(client, service, contact=contact)
    referral = Referral.objects.get(service=service)
    assert contact not in referral.contact_encrypted
    assert opened(referral, referral.contact_encrypted) == contact


def test_the_form_explains_what_happens_and_where_confidentiality_ends(client, service, settings):
    settings.REFERRAL_RETENTION_DAYS = 45
    html = client.get(refer_url(service)).content.decode()
    assert f"Only the clinicians of {service.organization.name} can read it" in html
    assert "45 more days and then deleted" in html
    assert "may have to act to protect that child" in html
    assert 'href="/en/confidentiality/"' in html
    assert "can identify you" in html
    assert '<meta name="referrer" content="same-origin">' in html
    assert "<legend>" in html
    assert 'name="acknowledge"' in html


def test_the_acknowledgement_is_required(client, service):
    response = send(client, service, acknowledge=None)
    assert response.status_code == 400
    assert not Referral.objects.filter(service=service).exists()
    html = response.content.decode()
    assert "Please confirm that you have read what happens to your message." in html
    assert MESSAGE in html
    assert 'role="alert"' in html
    assert 'href="#id_acknowledge"' in html


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "Please write your message."),
        ("   \n  ", "Please write your message."),
        ("Help me please", "Please write a little more: at least 20 characters"),
        ("x" * 5001, "Your message is too long: it can have at most 5000 characters"),
    ],
    ids=["empty", "blank", "too short", "oversize"],
)
def test_a_message_that_is_empty_too_short_or_too_long_is_refused_and_kept(
    client, service, message, error
):
    before = Referral.objects.count()
    response = send(client, service, message=message)
    assert response.status_code == 400
    assert Referral.objects.count() == before
    html = response.content.decode()
    assert error in html
    assert f"{message}</textarea>" in html or not message.strip()
    assert 'aria-describedby="id_message_helptext id_message_error"' in html
    assert 'aria-invalid="true"' in html


def test_a_message_of_exactly_the_maximum_length_is_accepted(client, service):
    response = send(client, service, message="y" * 5000)
    assert response.status_code == 200
    assert Referral.objects.filter(service=service).count() == 1


def test_the_browser_is_not_told_to_cut_the_message(client, service):
    # A browser silently drops pasted text beyond maxlength: the server says it instead.
    html = client.get(refer_url(service)).content.decode()
    assert "maxlength" not in html


def test_a_contact_detail_over_200_characters_is_refused_and_nothing_is_stored(client, service):
    response = send(client, service, contact="c" * 201)
    assert response.status_code == 400
    assert not Referral.objects.filter(service=service).exists()
    assert MESSAGE in response.content.decode()


def test_an_unknown_preferred_language_is_refused(client, service):
    response = send(client, service, preferred_language="xx")
    assert response.status_code == 400
    assert not Referral.objects.filter(service=service).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"accepts_anonymous_referrals": False},
        {"intake": Service.Intake.CLOSED},
        {"status": Service.Status.TEMPORARILY_CLOSED},
    ],
    ids=["no anonymous referrals", "closed to referrals", "temporarily closed"],
)
def test_a_service_that_does_not_take_anonymous_referrals_explains_and_stores_nothing(
    client, fields
):
    service = make_service(**fields)
    page = client.get(refer_url(service))
    assert page.status_code == 200
    html = page.content.decode()
    assert "This service is not taking messages through this site" in html
    assert 'name="message"' not in html

    response = client.post(refer_url(service), {
        "acknowledge": "on", "message": MESSAGE, "once": "anything",
    })
    assert response.status_code == 409
    assert "This service is not taking messages through this site" in response.content.decode()
    assert MESSAGE in response.content.decode()  # given back, so nothing is lost
    assert not Referral.objects.filter(service=service).exists()


def test_a_service_that_closes_while_the_form_is_open_refuses_the_referral(client, service):
    data = form_data(client, service)
    Service.objects.filter(pk=service.pk).update(intake=Service.Intake.CLOSED)
    response = client.post(refer_url(service), data)
    assert response.status_code == 409
    assert not Referral.objects.filter(service=service).exists()


@pytest.mark.parametrize(
    "fields",
    [{"published": False}, {"status": Service.Status.DEFUNCT}],
    ids=["unpublished", "defunct"],
)
def test_a_service_not_in_the_directory_is_not_found(client, fields):
    service = make_service(**fields)
    assert client.get(refer_url(service)).status_code == 404
    assert client.post(refer_url(service), {"message": MESSAGE}).status_code == 404
    assert not Referral.objects.filter(service=service).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/en/find-help/00000000-0000-4000-8000-000000000000/refer/",
        "/en/find-help/not-a-service/refer/",
        "/en/find-help/1%20OR%201=1/refer/",
    ],
)
def test_a_forged_service_id_is_not_found(client, path):
    before = Referral.objects.count()
    assert client.get(path).status_code == 404
    assert client.post(path, {"acknowledge": "on", "message": MESSAGE}).status_code == 404
    assert Referral.objects.count() == before


def test_a_replayed_form_creates_no_second_referral(client, service):
    data = form_data(client, service)
    first = client.post(refer_url(service), data)
    again = client.post(refer_url(service), data)

    assert first.status_code == again.status_code == 200
    assert Referral.objects.filter(service=service).count() == 1
    assert shown_codename(again) == shown_codename(first)  # not a blank page, not a new one


def test_a_replayed_form_whose_referral_was_forgotten_says_it_was_sent(client, service):
    data = form_data(client, service)
    first = client.post(refer_url(service), data)
    services.referral_forget(referral=services.referral_find(shown_codename(first)))
    again = client.post(refer_url(service), data)
    assert again.status_code == 409
    assert "This message was already sent" in again.content.decode()
    assert "Its codename opens nothing now." in again.content.decode()
    assert shown_codename(first) not in again.content.decode()
    # One referral still: the note of the closed mailbox, with no word in it; no new one.
    assert [referral.message_encrypted for referral in
            Referral.objects.filter(service=service)] == [""]


def test_a_form_with_a_made_up_token_is_refused_with_the_text_kept_and_a_fresh_token(
    client, service
):
    response = send(client, service, once="made-up")
    assert response.status_code == 400
    assert not Referral.objects.filter(service=service).exists()
    html = response.content.decode()
    assert MESSAGE in html
    fresh = ONCE.search(html).group(1)
    assert fresh != "made-up"
    retried = client.post(refer_url(service), form_data(client, service, once=fresh))
    assert retried.status_code == 200
    assert Referral.objects.filter(service=service).count() == 1


def test_two_forms_opened_separately_make_two_referrals(client, service):
    send(client, service)
    send(client, service)
    assert Referral.objects.filter(service=service).count() == 2


def test_a_post_without_the_csrf_token_is_refused(service):
    client = Client(enforce_csrf_checks=True)
    data = form_data(client, service)
    response = client.post(refer_url(service), data)
    assert response.status_code == 403
    assert not Referral.objects.filter(service=service).exists()


def test_a_post_with_the_csrf_token_is_accepted_when_checks_are_enforced(service):
    client = Client(enforce_csrf_checks=True)
    page = client.get(refer_url(service)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = form_data(client, service, csrfmiddlewaretoken=token)
    assert client.post(refer_url(service), data).status_code == 200


def test_the_referral_limit_per_connection_answers_429(client, service, settings):
    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 2
    assert send(client, service).status_code == 200
    assert send(client, service).status_code == 200
    response = send(client, service)

    assert response.status_code == 429
    html = response.content.decode()
    assert "Your message has not been sent yet" in html
    assert "up to 2 messages a day from one connection" in html
    assert MESSAGE in html  # given back in the form, to send again later
    assert 'href="/en/urgent-help/"' in html
    assert "112" in html
    assert Referral.objects.filter(service=service).count() == 2


def test_the_limit_is_per_connection(client, service, settings):
    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 1
    assert send(client, service).status_code == 200
    assert send(client, service).status_code == 429
    other = Client(REMOTE_ADDR="198.51.100.23")
    assert send(other, service).status_code == 200


def test_above_the_hourly_ceiling_a_referral_is_held_not_refused(client, service, settings):
    settings.REFERRAL_HOLD_ABOVE_PER_HOUR = 1
    assert send(client, service).status_code == 200
    other = Client(REMOTE_ADDR="198.51.100.24")
    response = send(other, service)
    assert response.status_code == 200
    assert shown_codename(response)
    assert Referral.objects.filter(service=service).count() == 2
    assert Referral.objects.filter(service=service, held_on__isnull=False).count() == 1


def test_a_form_refused_by_the_limit_can_be_sent_later(client, service, settings):
    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 0
    data = form_data(client, service)
    assert client.post(refer_url(service), data).status_code == 429
    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 5
    cache.clear()  # a new day
    assert client.post(refer_url(service), data).status_code == 200
    assert Referral.objects.filter(service=service).count() == 1


def test_invalid_forms_do_not_count_against_the_limit(client, service, settings):
    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 1
    for _ in range(3):
        assert send(client, service, message="short").status_code == 400
    assert send(client, service).status_code == 200


def test_the_codename_and_the_words_are_in_no_table_cache_entry_or_output(
    client, service, capfd
):
    data = form_data(client, service, contact="call me maybe")
    response = client.post(refer_url(service), data)
    client.post(refer_url(service), data)  # a replay
    codename = shown_codename(response)
    normalised = codename_normalise(codename)
    spaced = codename.replace("-", " ")

    out, err = capfd.readouterr()
    places = {"database": dump_every_table(), "cache": dump_the_cache(), "output": out + err}
    for place, text in places.items():
        for secret in (codename, normalised, spaced, MESSAGE, "call me maybe"):
            assert secret not in text, f"{secret!r} found in the {place}"


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_the_form_sets_only_the_csrf_cookie_and_is_never_cached(client, service, settings,
                                                                 language):
    response = client.get(refer_url(service, language))
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()
    assert set(response.cookies) == {settings.CSRF_COOKIE_NAME}
    assert "no-store" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]


def test_every_answer_to_a_post_is_never_cached_and_sets_no_other_cookie(
    client, service, settings
):
    refused_service = make_service(accepts_anonymous_referrals=False)
    data = form_data(client, service)
    answers = {
        "codename page": client.post(refer_url(service), data),
        "replay": client.post(refer_url(service), data),
        "errors": send(client, service, message=""),
        "refused": client.post(refer_url(refused_service), {"message": MESSAGE}),
        "not found": client.get("/en/find-help/00000000-0000-4000-8000-000000000000/refer/"),
    }
    settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY = 0
    answers["limited"] = send(client, service)
    for name, response in answers.items():
        assert "no-store" in response.headers["Cache-Control"], name
        assert set(response.cookies) <= {settings.CSRF_COOKIE_NAME}, name
        assert "sessionid" not in response.cookies, name


def test_the_pages_name_no_other_host_and_carry_no_inline_script_or_style(
    client, service, settings
):
    pages = [client.get(refer_url(service)), send(client, service), send(client, service,
                                                                         message="")]
    for response in pages:
        html = response.content.decode().replace(settings.QUICK_EXIT_URL, "")
        assert re.findall(r"(?:https?:)?//[a-z0-9.-]+", html, re.I) == []
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert "<style" not in html
        assert " style=" not in html


def test_the_service_page_offers_anonymous_contact_when_the_service_takes_it(client):
    taking = make_service()
    not_taking = make_service(accepts_anonymous_referrals=False)
    closed = make_service(intake=Service.Intake.CLOSED)
    assert refer_url(taking) in client.get(f"/en/find-help/{taking.pk}/").content.decode()
    for other in (not_taking, closed):
        html = client.get(f"/en/find-help/{other.pk}/").content.decode()
        assert refer_url(other) not in html


def test_the_seeded_demo_service_takes_anonymous_referrals(client):
    service = Service.objects.get(pk=DEMO_SERVICE)
    assert send(client, service).status_code == 200


@pytest.mark.parametrize(("ages", "statement", "elsewhere"), [
    ((18, None), "I am 18 or older.", 'href="/en/find-help/?audience=young-people"'),
    ((None, 17), "I am 17 or younger.", 'href="/en/find-help/"'),
    ((13, 17), "I am between 13 and 17 years old.", 'href="/en/find-help/"'),
])
def test_a_service_with_ages_asks_the_visitor_to_confirm_them(client, ages, statement,
                                                             elsewhere):
    service = make_service(minimum_age=ages[0], maximum_age=ages[1])
    form = client.get(refer_url(service)).content.decode()
    assert statement in form
    refused = send(client, service, ages=None, message=MESSAGE + " (unconfirmed)")
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "This service only works with people of these ages." in html
    assert elsewhere in html
    assert MESSAGE + " (unconfirmed)" in html  # the words are given back
    assert not Referral.objects.filter(service=service).exists()
    assert send(client, service).status_code == 200
    assert Referral.objects.filter(service=service).count() == 1


def test_a_service_without_ages_asks_no_age(client, service):
    assert "years old" not in client.get(refer_url(service)).content.decode()
    assert "or older." not in client.get(refer_url(service)).content.decode()
    assert send(client, service).status_code == 200


def test_the_age_question_is_in_finnish_and_swedish(client):
    service = make_service(minimum_age=18)
    assert "Olen vähintään 18-vuotias." in client.get(refer_url(service, "fi")).content.decode()
    assert "Jag är 18 år eller äldre." in client.get(refer_url(service, "sv")).content.decode()


def codename_post(client, codename, service, language="en", **fields):
    return client.post(f"/{language}/mailbox/codename/",
                       {"codename": codename, "service": str(service.pk), **fields})


def test_the_codename_is_in_the_language_of_the_page_the_visitor_wrote_on(client, service):
    from referrals.codenames import codename_language_of

    data = form_data(client, service)
    data["once"] = ONCE.search(client.get(refer_url(service, "fi")).content.decode()).group(1)
    response = client.post(refer_url(service, "fi"), data)
    codename = shown_codename(response)
    assert codename_language_of(codename) == "fi"
    assert 'lang="fi"' in response.content.decode()


def test_sending_the_same_form_again_shows_the_same_codename_and_makes_nothing_new(
    client, service
):
    data = form_data(client, service)
    first = client.post(refer_url(service), data)
    again = client.post(refer_url(service), data)  # a reload of the codename page
    assert again.status_code == 200
    assert shown_codename(again) == shown_codename(first)
    assert Referral.objects.filter(service=service).count() == 1


def test_the_language_links_keep_the_codename_on_screen(client, service):
    response = send(client, service)
    codename = shown_codename(response)
    html = response.content.decode()
    assert 'action="/sv/mailbox/codename/"' in html  # a form, not a link that would lose it
    assert f'href="/sv/find-help/{service.pk}/refer/"' not in html
    swedish = codename_post(client, codename, service, "sv", action="show")
    assert swedish.status_code == 200
    assert shown_codename(swedish) == codename
    assert 'lang="sv"' in swedish.content.decode()
    assert Referral.objects.filter(service=service).count() == 1


def test_save_as_a_text_file_answers_a_download_of_the_words_and_stores_nothing(client, service):
    codename = shown_codename(send(client, service))
    response = codename_post(client, codename, service, action="save")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"] == 'attachment; filename="codename.txt"'
    assert codename in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_written_down_step_needs_the_box_ticked_and_keeps_the_codename_meanwhile(
    client, service
):
    codename = shown_codename(send(client, service))
    unticked = codename_post(client, codename, service, action="done")
    assert unticked.status_code == 400
    assert shown_codename(unticked) == codename
    assert "tick the box" in unticked.content.decode()
    done = codename_post(client, codename, service, action="done", written="yes")
    assert done.status_code == 200
    assert codename not in done.content.decode()
    assert 'href="/en/mailbox/"' in done.content.decode()


@pytest.mark.parametrize("made_up", ["<script>alert(1)</script>", "apple-river-stone",
                                     "seven-words-that-are-not-on-any-list-x", ""])
def test_the_codename_page_shows_only_a_codename_of_the_lists(client, service, made_up):
    response = codename_post(client, made_up, service, action="show")
    assert response.status_code == 400
    assert made_up not in response.content.decode() or not made_up
