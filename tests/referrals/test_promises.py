"""Every sentence that promises something on the referral form and the codename page, and the
check that the code keeps it. A promise added to either page without a check here fails
`test_every_promise_on_the_pages_has_a_check`."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import KeyGrant
from referrals import crypto
from referrals.codenames import codename_normalise
from referrals.models import Outbox, Referral
from referrals.retention import referrals_due_for_purge
from referrals.services import MessageHoldsCodename, mailbox_visitor_write, referral_find
from tests.referrals.factories import login_verified, make_member, make_service
from tests.referrals.test_encryption import database_dump
from tests.referrals.test_visitor_referral import CODENAME, form_data, refer_url
from tests.staff.factories import make_user
from tests.test_no_visitor_data_is_kept import dump_the_cache

pytestmark = pytest.mark.django_db

WORDS = "Promise-words-4c7d: I want to stop what I am doing online."
ADDRESS, AGENT = "203.0.113.41", "PromiseBrowser/4.2"


def sent(client, service):
    """The form sent as a visitor sends it; the referral and the page shown."""
    data = form_data(client, service, message=WORDS)
    response = client.post(refer_url(service), data, REMOTE_ADDR=ADDRESS,
                           HTTP_USER_AGENT=AGENT)
    codename = CODENAME.search(response.content.decode()).group(1).strip()
    return referral_find(codename), codename, response


def list_items(html: str, after: str) -> list[str]:
    """The text of each <li> of the first list after `after`, tags and spaces folded."""
    block = html.split(after, 1)[1].split("</ul>", 1)[0]
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", item)).split())
            for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


# ---------------------------------------------------------------------------------------------
# The checks, one per promise


def only_the_clinicians_can_read_it(client, service):
    referral, _codename, _page = sent(client, service)
    clinician = make_member(service.organization)
    other = make_member(make_service().organization)
    administrator = make_user(superuser=True)
    url = f"/staff/portal/referrals/{referral.pk}/"
    login_verified(client, clinician)
    assert WORDS in client.get(url).content.decode()
    for outsider in (other, administrator):
        login_verified(client, outsider)
        assert client.get(url).status_code == 404
    assert not KeyGrant.objects.filter(user=administrator).exists()
    assert WORDS not in database_dump()  # nor whoever runs the site, from what is stored


def it_is_stored_sealed_and_deleted_after_the_retention(client, service, settings):
    referral, _codename, _page = sent(client, service)
    assert crypto.is_sealed(referral.message_encrypted) and WORDS not in database_dump()
    closed = timezone.localdate() - timedelta(days=settings.REFERRAL_RETENTION_DAYS)
    Referral.objects.filter(pk=referral.pk).update(state=Referral.State.CLOSED,
                                                   closed_on=closed)
    assert not referrals_due_for_purge().filter(pk=referral.pk).exists()  # kept N days
    Referral.objects.filter(pk=referral.pk).update(closed_on=closed - timedelta(days=1))
    assert referrals_due_for_purge().filter(pk=referral.pk).exists()  # then deleted


def no_name_and_no_record_of_who_or_where(client, service):
    form = client.get(refer_url(service)).content.decode()
    assert 'name="name"' not in form
    _referral, _codename, _page = sent(client, service)
    stored = database_dump() + dump_the_cache()
    assert ADDRESS not in stored and AGENT not in stored


def where_confidentiality_ends_is_explained(client, service):
    page = client.get(refer_url(service)).content.decode()
    assert 'href="/en/confidentiality/"' in page
    assert client.get("/en/confidentiality/").status_code == 200


def the_codename_is_the_only_way_to_the_replies(client, service):
    _referral, codename, _page = sent(client, service)
    stranger = Client()
    assert stranger.get("/en/mailbox/").status_code == 200  # a form, nothing opened
    assert stranger.post("/en/mailbox/", {"codename": "apple-river-stone-cloud-table-lamp-x",
                                          "action": "open"}).status_code == 404
    assert stranger.post("/en/mailbox/", {"codename": codename, "action": "open"}
                         ).status_code == 200


def the_service_gets_it_and_only_its_clinicians_read_it(client, service):
    referral, _codename, _page = sent(client, service)
    assert Outbox.objects.filter(referral=referral, channel="inbox").exists()
    assert referral.service.organization == service.organization
    only_the_clinicians_can_read_it(Client(), service)


def nobody_can_recover_or_send_the_codename(client, service):
    _referral, codename, _page = sent(client, service)
    stored = database_dump() + dump_the_cache()
    for spelling in (codename, codename_normalise(codename), codename.replace("-", " ")):
        assert spelling not in stored


def nobody_else_has_it_only_a_scrambled_form(client, service):
    referral, codename, _page = sent(client, service)
    normalised = codename_normalise(codename)
    assert referral.codename_hash == crypto.codename_lookup(normalised)
    assert normalised not in referral.codename_hash
    assert codename not in database_dump()


def anyone_with_it_can_read_the_messages(client, service):
    _referral, codename, _page = sent(client, service)
    someone = Client()
    page = someone.post("/en/mailbox/", {"codename": codename, "action": "open"})
    assert WORDS in page.content.decode()


def it_must_not_go_into_a_message(client, service):
    referral, codename, _page = sent(client, service)
    with pytest.raises(MessageHoldsCodename):
        mailbox_visitor_write(referral=referral, codename=codename,
                              body=f"My codename is {codename.upper()}")


REFER_PAGE = {
    "Only the clinicians of {organisation} can read it. Nobody else can: not other services, "
    "and not the people who run this site.": only_the_clinicians_can_read_it,
    "It is stored encrypted. When the service closes your case, it is kept for {days} more "
    "days and then deleted.": it_is_stored_sealed_and_deleted_after_the_retention,
    "You do not need to give your name. This site does not record who you are or where you "
    "are writing from.": no_name_and_no_record_of_who_or_where,
    "Where confidentiality ends: if what you write shows that a child is in danger, the "
    "service may have to act to protect that child, for example by telling child protection "
    "services or the police.": where_confidentiality_ends_is_explained,
}
CODENAME_PAGE = {
    "Nobody can recover it for you, or send it to you later.":
        nobody_can_recover_or_send_the_codename,
    "Nobody else has it: not the service, and not the people who run this site. We keep only "
    "a scrambled form of it that cannot be turned back into the words.":
        nobody_else_has_it_only_a_scrambled_form,
    "Keep it somewhere only you can see, for example on paper or in a password manager. "
    "Anyone who has it can read your messages.": anyone_with_it_can_read_the_messages,
    "Do not put it in your messages to the service.": it_must_not_go_into_a_message,
}
# Promises outside the lists: the sentence, and how the page is found to say it.
OTHERS = {
    "After you send, you get a codename. It is the only way to read the service's replies, "
    "so have a pen or a safe place ready to keep it.": the_codename_is_the_only_way_to_the_replies,
    "{name} will get your message. Only their clinicians can read it.":
        the_service_gets_it_and_only_its_clinicians_read_it,
}


def test_every_promise_on_the_pages_has_a_check(client, settings):
    service = make_service()
    form = client.get(refer_url(service)).content.decode()
    promised = list_items(form, "Before you write: what happens to your message")
    expected = [sentence.format(organisation=service.organization.name,
                                days=settings.REFERRAL_RETENTION_DAYS) for sentence in REFER_PAGE]
    assert promised == expected
    _referral, _codename, page = sent(client, service)
    html = page.content.decode()
    assert list_items(html, "Write it down now") == list(CODENAME_PAGE)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", form + html)).split())
    for sentence in OTHERS:
        assert sentence.format(name=service.name) in text, sentence


@pytest.mark.parametrize("check", [*REFER_PAGE.values(), *CODENAME_PAGE.values(),
                                   *OTHERS.values()], ids=lambda check: check.__name__)
def test_the_promise_is_kept(client, settings, check):
    service = make_service()
    if check is it_is_stored_sealed_and_deleted_after_the_retention:
        check(client, service, settings)
    else:
        check(client, service)
