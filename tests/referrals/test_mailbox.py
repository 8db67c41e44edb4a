"""The codename mailbox: open it, read replies, answer, delete a reply, forget everything."""

import logging
import re

import pytest
from django.test import Client

from referrals import services
from referrals.codenames import codename_normalise
from referrals.models import MailboxMessage, Outbox, Referral
from stats.models import DailyCount
from tests.referrals.factories import make_member, make_service, opened
from tests.referrals.test_visitor_referral import send, shown_codename
from tests.test_no_visitor_data_is_kept import dump_every_table, dump_the_cache

pytestmark = pytest.mark.django_db

URL = "/en/mailbox/"
FIRST_MESSAGE = "I would like to talk to someone about what I have been doing online."
REPLY = "Thank you for writing to us. We can offer you a first conversation next week."
FOLLOW_UP = "Thank you. Next week suits me, any day after four."
NOT_FOUND = "We could not open a mailbox with that codename. Check the words and try again."
ONCE = re.compile(r'name="once" value="([^"]+)"')


@pytest.fixture
def service():
    return make_service()


@pytest.fixture
def sent(service):
    """A referral as the visitor left it, and the codename they wrote down."""
    return services.referral_create(service=service, message=FIRST_MESSAGE)


@pytest.fixture
def clinician(service):
    return make_member(service.organization)


def post(client, codename, action="open", **fields):
    return client.post(URL, {"codename": codename, "action": action, **fields})


def write(client, codename, body):
    page = post(client, codename).content.decode()
    once = ONCE.search(page).group(1)
    return post(client, codename, "write", body=body, once=once)


def test_the_mailbox_asks_for_the_codename_in_a_post_form(client, settings):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="post" action="/en/mailbox/"' in html
    assert 'name="codename"' in html
    assert 'autocomplete="off"' in html
    assert '<meta name="referrer" content="same-origin">' in html
    assert set(response.cookies) == {settings.CSRF_COOKIE_NAME}
    assert "no-store" in response.headers["Cache-Control"]


def test_the_mailbox_opens_with_the_codename_and_shows_the_state_and_first_message(
    client, sent
):
    referral, codename = sent
    response = post(client, codename)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span id="state">New</span>' in html
    assert FIRST_MESSAGE in html
    assert referral.service.name in html


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.upper(),
        lambda c: c.replace("-", " "),
        lambda c: "  " + c.replace("-", "   ").title() + "  ",
        lambda c: c.replace("-", " - "),
        lambda c: c.replace("-", ", ") + ".",
    ],
    ids=["capitals", "spaces", "padded title case", "spaced hyphens", "punctuation"],
)
def test_the_mailbox_opens_whatever_the_case_spacing_or_hyphens(client, sent, typed):
    _referral, codename = sent
    response = post(client, typed(codename))
    assert response.status_code == 200
    assert FIRST_MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    "codename",
    [
        "",
        "apple",
        "apple-river",
        "apple-river-stone-cloud-table-lamp-water",
        "1234 5678",
        "🙂🙂🙂",
        "word-" * 500,
    ],
    ids=["empty", "one word", "two words", "unknown", "digits", "emoji", "very long"],
)
def test_a_wrong_or_malformed_codename_gets_the_one_generic_message(client, sent, codename):
    response = post(client, codename)
    assert response.status_code == 404
    html = response.content.decode()
    assert NOT_FOUND in html
    assert 'role="alert"' in html
    assert FIRST_MESSAGE not in html


def test_malformed_and_unknown_codenames_get_the_same_answer(client, sent):
    malformed = post(client, "apple").content.decode()
    unknown = post(client, "apple-river-stone-cloud-table-lamp-water").content.decode()

    def without_echo_and_token(html):
        html = re.sub(r'name="codename"[^>]*value="[^"]*"', "", html)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)

    assert without_echo_and_token(malformed) == without_echo_and_token(unknown)


def test_a_codename_in_the_address_opens_nothing(client, sent):
    _referral, codename = sent
    response = client.get(URL, {"codename": codename})
    assert response.status_code == 200
    assert FIRST_MESSAGE not in response.content.decode()


def test_the_mailbox_shows_a_provider_reply_and_the_new_state(client, sent, clinician):
    referral, codename = sent
    services.referral_reply(actor=clinician, referral=referral, body=REPLY)
    html = post(client, codename).content.decode()
    assert REPLY in html
    assert '<span id="state">In contact</span>' in html
    assert "replied" in html
    assert clinician.username not in html


def test_replies_are_escaped_not_rendered_as_html(client, sent, clinician):
    referral, codename = sent
    services.referral_reply(actor=clinician, referral=referral, body="<b>bold</b> & more")
    html = post(client, codename).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html


def test_the_visitor_sends_a_follow_up(client, sent):
    referral, codename = sent
    response = write(client, codename, FOLLOW_UP)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your message was sent." in html
    assert FOLLOW_UP in html
    message = MailboxMessage.objects.get(referral=referral)
    assert message.sender == MailboxMessage.Sender.VISITOR
    assert FOLLOW_UP not in message.body_encrypted
    assert opened(message.referral, message.body_encrypted) == FOLLOW_UP


def test_a_replayed_follow_up_is_not_stored_twice(client, sent):
    referral, codename = sent
    once = ONCE.search(post(client, codename).content.decode()).group(1)
    data = {"codename": codename, "action": "write", "body": FOLLOW_UP, "once": once}
    assert client.post(URL, data).status_code == 200
    again = client.post(URL, data)
    assert again.status_code == 409
    assert "already sent" in again.content.decode()
    assert MailboxMessage.objects.filter(referral=referral).count() == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Please write your message."),
        ("Thanks!", "Please write a little more"),
        ("z" * 5001, "Your message is too long"),
    ],
    ids=["empty", "too short", "oversize"],
)
def test_a_follow_up_of_the_wrong_length_is_refused_and_kept(client, sent, body, error):
    referral, codename = sent
    response = write(client, codename, body)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert f"{body}</textarea>" in html
    assert not MailboxMessage.objects.filter(referral=referral).exists()


@pytest.mark.parametrize(
    "disguise",
    [lambda c: c, lambda c: c.upper().replace("-", " "), lambda c: c.replace("-", ", ")],
    ids=["as given", "capitals and spaces", "commas"],
)
def test_a_follow_up_holding_the_codename_is_refused_and_kept_for_editing(
    client, sent, disguise
):
    referral, codename = sent
    body = f"My codename is {disguise(codename)}, please remember it for me."
    response = write(client, codename, body)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your message contains your codename" in html
    assert f"{body}</textarea>" in html
    assert not MailboxMessage.objects.filter(referral=referral).exists()


def test_a_follow_up_can_be_sent_after_taking_the_codename_out(client, sent):
    referral, codename = sent
    page = write(client, codename, f"Here it is: {codename} and more words.").content.decode()
    once = ONCE.search(page).group(1)
    response = post(client, codename, "write", body=FOLLOW_UP, once=once)
    assert response.status_code == 200
    assert MailboxMessage.objects.filter(referral=referral).count() == 1


def test_the_visitor_deletes_a_provider_reply(client, sent, clinician):
    referral, codename = sent
    reply = services.referral_reply(actor=clinician, referral=referral, body=REPLY)
    write(client, codename, FOLLOW_UP)

    response = post(client, codename, "delete", message=str(reply.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The reply was deleted." in html
    assert REPLY not in html
    reply.refresh_from_db()  # its words are gone; the day stays, a note for the clinicians
    assert reply.body_encrypted == "" and reply.deleted_on is not None
    assert MailboxMessage.objects.filter(
        referral=referral, sender=MailboxMessage.Sender.VISITOR
    ).count() == 1


def test_a_visitor_cannot_delete_their_own_message_or_another_mailboxs_reply(
    client, sent, clinician, service
):
    referral, codename = sent
    mine = services.mailbox_visitor_write(referral=referral, codename=codename, body=FOLLOW_UP)
    other_referral, _other_codename = services.referral_create(
        service=service, message=FIRST_MESSAGE
    )
    other_reply = services.referral_reply(actor=clinician, referral=other_referral, body=REPLY)

    for message_id in (mine.pk, other_reply.pk, "not-a-number", ""):
        response = post(client, codename, "delete", message=str(message_id))
        assert response.status_code == 200
        assert "That reply was already deleted." in response.content.decode()
    assert MailboxMessage.objects.filter(pk__in=[mine.pk, other_reply.pk]).count() == 2


def test_forgetting_asks_first_and_deletes_nothing_until_confirmed(client, sent):
    referral, codename = sent
    response = post(client, codename, "forget")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete everything?" in html
    assert 'value="forget_confirmed"' in html
    assert Referral.objects.filter(pk=referral.pk).exists()


def test_forget_me_deletes_every_word_its_messages_and_deliveries(client, sent, clinician):
    referral, codename = sent
    services.referral_reply(actor=clinician, referral=referral, body=REPLY)
    write(client, codename, FOLLOW_UP)

    response = post(client, codename, "forget_confirmed")
    assert response.status_code == 200
    assert "Everything was deleted" in response.content.decode()
    kept = Referral.objects.get(pk=referral.pk)  # a note for the clinicians, nothing more
    assert kept.forgotten_on is not None
    assert (kept.message_encrypted, kept.contact_encrypted, kept.key_for_visitor) == ("", "",
                                                                                      None)
    assert not MailboxMessage.objects.filter(referral_id=referral.pk).exists()
    assert not Outbox.objects.filter(referral_id=referral.pk).exists()
    assert post(client, codename).status_code == 404


def test_a_closed_conversation_can_be_read_but_not_answered(client, sent, clinician):
    referral, codename = sent
    services.referral_set_state(actor=clinician, referral=referral, state=Referral.State.CLOSED,
                                confirmed=True)
    html = post(client, codename).content.decode()
    assert '<span id="state">Closed</span>' in html
    assert 'value="write"' not in html
    response = post(client, codename, "write", body=FOLLOW_UP, once="anything")
    assert response.status_code == 409
    assert not MailboxMessage.objects.filter(referral=referral).exists()


def test_an_unknown_action_just_opens_the_mailbox(client, sent):
    _referral, codename = sent
    response = post(client, codename, "drop-tables")
    assert response.status_code == 200
    assert FIRST_MESSAGE in response.content.decode()


def test_the_mailbox_attempt_limit_answers_429_even_for_the_right_codename(
    client, sent, settings
):
    _referral, codename = sent
    settings.MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR = 3
    for wrong in ("apple", "apple-river-stone-cloud-table-lamp-water"):
        assert post(client, wrong).status_code == 404
    assert post(client, codename).status_code == 200
    response = post(client, codename)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please wait a while" in html
    assert FIRST_MESSAGE not in html
    assert 'href="/en/urgent-help/"' in html
    other = Client(REMOTE_ADDR="198.51.100.41")
    assert post(other, codename).status_code == 200


def test_a_mailbox_post_without_the_csrf_token_is_refused(sent):
    _referral, codename = sent
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"codename": codename, "action": "forget_confirmed"})
    assert response.status_code == 403
    assert Referral.objects.filter(pk=sent[0].pk).exists()


def test_the_codename_travels_only_in_post_bodies(client, sent, clinician):
    referral, codename = sent
    services.referral_reply(actor=clinician, referral=referral, body=REPLY)
    html = post(client, codename).content.decode()
    hrefs = re.findall(r'(?:href|action)="([^"]*)"', html)
    assert hrefs
    assert all(codename not in href for href in hrefs)
    forms = re.findall(r"<form[^>]*>", html)
    assert forms and all('method="post"' in form for form in forms)


def test_every_mailbox_answer_is_never_cached_and_sets_no_other_cookie(
    client, sent, clinician, settings
):
    referral, codename = sent
    reply = services.referral_reply(actor=clinician, referral=referral, body=REPLY)
    answers = {
        "open form": client.get(URL),
        "opened": post(client, codename),
        "not found": post(client, "apple"),
        "written": write(client, codename, FOLLOW_UP),
        "refused": write(client, codename, "short"),
        "deleted": post(client, codename, "delete", message=str(reply.pk)),
        "confirm": post(client, codename, "forget"),
        "forgotten": post(client, codename, "forget_confirmed"),
    }
    settings.MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR = 0
    answers["limited"] = post(client, codename)
    for name, response in answers.items():
        assert "no-store" in response.headers["Cache-Control"], name
        assert "public" not in response.headers["Cache-Control"], name
        assert set(response.cookies) <= {settings.CSRF_COOKIE_NAME}, name


def test_the_mailbox_pages_name_no_other_host_and_carry_no_inline_script_or_style(
    client, sent, clinician, settings
):
    referral, codename = sent
    services.referral_reply(actor=clinician, referral=referral, body=REPLY)
    for response in (client.get(URL), post(client, codename), post(client, "apple"),
                     post(client, codename, "forget")):
        html = response.content.decode().replace(settings.QUICK_EXIT_URL, "")
        assert re.findall(r"(?:https?:)?//[a-z0-9.-]+", html, re.I) == []
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert "<style" not in html
        assert " style=" not in html


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_mailbox_opens_in_every_language(client, sent, language):
    _referral, codename = sent
    assert client.get(f"/{language}/mailbox/").status_code == 200
    response = client.post(f"/{language}/mailbox/", {"codename": codename})
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()
    assert FIRST_MESSAGE in response.content.decode()


@pytest.fixture
def log_lines():
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(f"{self.format(record)} {record.__dict__!r}")

    handler = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("", "django", "django.request", "referrals")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield lines
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_using_the_mailbox_leaves_the_codename_in_no_table_cache_entry_or_log_line(
    client, sent, clinician, log_lines, capfd
):
    referral, codename = sent
    services.referral_reply(actor=clinician, referral=referral, body=REPLY)
    post(client, codename.upper())
    write(client, codename, FOLLOW_UP)
    write(client, codename, f"Here it is: {codename}, in a message.")
    post(client, codename + "-extra")
    post(client, codename, "forget")

    out, err = capfd.readouterr()
    places = {
        "database": dump_every_table(),
        "cache": dump_the_cache(),
        "log": "\n".join(log_lines),
        "output": out + err,
    }
    assert log_lines, "a refused follow-up and a wrong codename should have been logged"
    for place, text in places.items():
        for secret in (codename, codename_normalise(codename), codename.replace("-", " ")):
            assert secret not in text, f"the codename is in the {place}"
        assert FOLLOW_UP not in text, f"the follow-up is readable in the {place}"


def test_a_sent_referral_and_an_opened_mailbox_are_counted_and_nothing_else(
    client, service, settings
):
    settings.STATS_REDIS_URL = ""  # count straight into the database, as the embedded mode does
    codename = shown_codename(send(client, service))
    post(client, codename)
    post(client, "apple-river-stone-cloud-table-lamp-water")

    counts = {(row.metric, row.dims): row.count for row in DailyCount.objects.all()}
    country = service.organization.country
    assert counts[("referral_created", f"country={country}")] == 1
    assert counts[("mailbox_opened", "")] == 1


OPENED = re.compile(r'name="opened" value="([^"]+)"')


def test_deleting_and_forgetting_from_an_open_mailbox_are_never_limited(client, sent, settings):
    referral, codename = sent
    clinician = make_member(referral.service.organization)
    reply = services.referral_reply(actor=clinician, referral=referral, body=REPLY)
    settings.MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR = 1
    page = post(client, codename).content.decode()
    token = OPENED.search(page).group(1)
    assert post(client, codename).status_code == 429  # opening again is limited
    deleted = post(client, codename, "delete", message=reply.pk, opened=token)
    assert deleted.status_code == 200
    assert MailboxMessage.objects.get(pk=reply.pk).deleted_on is not None
    assert post(client, codename, "forget", opened=token).status_code == 200
    gone = post(client, codename, "forget_confirmed", opened=token)
    assert gone.status_code == 200
    assert Referral.objects.get(pk=referral.pk).forgotten_on is not None


def test_an_opened_token_of_another_mailbox_is_a_guess_like_any_other(client, service, settings):
    mine, my_codename = services.referral_create(service=service, message=FIRST_MESSAGE)
    _theirs, their_codename = services.referral_create(service=service, message=FIRST_MESSAGE)
    token = OPENED.search(post(client, my_codename).content.decode()).group(1)
    settings.MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR = 2  # one used by the opening above
    assert post(client, their_codename, "forget_confirmed", opened=token).status_code == 404
    assert post(client, "apple-river-stone-cloud-table-lamp-water", "delete",
                opened=token).status_code == 429
    assert Referral.objects.filter(pk=mine.pk).exists()


def test_the_limit_page_names_what_it_limits_and_what_still_works(client, sent, settings):
    _referral, codename = sent
    settings.MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR = 0
    response = post(client, codename)
    html = response.content.decode()
    assert "opening a mailbox and writing in it are paused for a while" in html
    assert "you can still delete replies there, or delete everything" in html
    # The wait is until the hour's end, said in minutes and in Retry-After.
    wait = int(response.headers["Retry-After"])
    assert 60 <= wait <= 3600
    assert f"try again in about {max(1, round(wait / 60))} minute" in html
