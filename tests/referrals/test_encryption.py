"""Sealed referrals: a thread's words are in the database only sealed to the thread's key,
whose private half opens with the visitor's codename or through the organisation's key, and
nothing else; and `manage.py referrals_seal` seals the threads written before sealing."""

import base64
import hashlib
import hmac
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from helpportal import sealing
from referrals import crypto
from referrals.codenames import codename_normalise
from referrals.models import MailboxMessage, Referral
from referrals.services import (
    mailbox_visitor_write,
    referral_create,
    referral_find,
    referral_reply,
    thread_key_for_member,
    thread_key_for_visitor,
)
from tests.referrals.factories import (
    ORGANIZATION_RECOVERY,
    login_verified,
    make_member,
    make_service,
    opened,
)

pytestmark = pytest.mark.django_db

MESSAGE = "Plaintext-message-7d1f: I am worried about what I look at"
CONTACT = "plaintext-contact-93ab@example.invalid"
MAILBOX = "Plaintext-mailbox-5c2e: yes, online sessions suit me"
REPLY = "Plaintext-reply-e04a: we have a place for you"


def write_referral(service, n=0, *, contact=CONTACT):
    referral, codename = referral_create(
        service=service, message=f"{MESSAGE} {n}", contact=contact, preferred_language="fi"
    )
    mailbox_visitor_write(referral=referral, codename=codename, body=f"{MAILBOX} {n}")
    return referral, codename


def test_the_table_holds_only_sealed_texts_not_the_words():
    Referral.objects.all().delete()
    write_referral(make_service())
    with connection.cursor() as cursor:
        cursor.execute("SELECT message_encrypted, contact_encrypted FROM referrals_referral")
        rows = cursor.fetchall()
        cursor.execute("SELECT body_encrypted FROM referrals_mailboxmessage")
        bodies = [row[0] for row in cursor.fetchall()]
    assert len(rows) == 1 and len(bodies) == 1
    for token in (*rows[0], *bodies):
        assert token.startswith(crypto.SEALED)
        assert "Plaintext" not in token and "plaintext" not in token


def test_a_thread_opens_with_its_codename_or_the_organisations_key_and_nothing_else():
    service = make_service()
    referral, codename = write_referral(service)
    _other, other_codename = write_referral(service, 1)
    private = thread_key_for_visitor(referral=referral, codename=codename)
    assert crypto.thread_open(private, referral.message_encrypted) == f"{MESSAGE} 0"
    assert thread_key_for_visitor(referral=referral, codename=other_codename) is None
    assert opened(referral, referral.contact_encrypted) == CONTACT  # the organisation's key
    for wrong in (sealing.keypair().private, bytes(32),
                  hashlib.sha256(settings.SECRET_KEY.encode()).digest()):
        with pytest.raises(sealing.SealError):
            crypto.thread_open(wrong, referral.message_encrypted)
    with pytest.raises(sealing.SealError):
        crypto.thread_open(None, referral.message_encrypted)  # no key: REFERRAL_KEYS do not do


@pytest.mark.parametrize("damage", [
    lambda token: token[:-4],
    lambda token: token[:10],
    lambda token: token + "AAAA",
    lambda token: crypto.SEALED + "not base64!",
    lambda token: crypto.SEALED + base64.b64encode(bytes(80)).decode(),
])
def test_a_damaged_sealed_text_is_refused_whole(damage):
    referral, codename = write_referral(make_service())
    private = thread_key_for_visitor(referral=referral, codename=codename)
    with pytest.raises(sealing.SealError):
        crypto.thread_open(private, damage(referral.message_encrypted))


def test_the_lookup_id_is_not_the_legacy_hash_and_tells_nothing_of_the_key():
    referral, codename = write_referral(make_service())
    normalised = codename_normalise(codename)
    legacy = hmac.new(settings.CODENAME_KEY.encode() or crypto._derived("codename-key"),
                      normalised.encode(), hashlib.sha256).hexdigest()
    visitor = crypto.visitor_keypair(normalised)
    assert referral.codename_hash == crypto.codename_lookup(normalised) != legacy
    assert referral.codename_hash not in (visitor.public.hex(), visitor.private.hex())
    assert referral_find(codename.upper().replace("-", " ")) == referral


def database_dump() -> str:
    """Every column of every table, as text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview):
                        value = value.tobytes()
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    parts.append(str(value))
    return "\n".join(parts)


def test_a_database_dump_never_holds_the_words_of_a_referral(client):
    service = make_service()
    referral, codename = write_referral(service)
    clinician = make_member(service.organization, "dump-clinician")
    referral_reply(actor=clinician, referral=referral, body=REPLY)
    login_verified(client, clinician)
    url = f"/staff/portal/referrals/{referral.pk}/"
    assert MESSAGE in client.get(url).content.decode()
    client.post(f"{url}reply/", {"body": f"{REPLY} again"})
    client.post(f"{url}state/", {"state": "closed"})

    dump = database_dump()
    assert str(referral.pk).replace("-", "") in dump.replace("-", "")  # the dump is real
    for words in (MESSAGE, CONTACT, MAILBOX, REPLY, codename):
        assert words not in dump
    assert "plaintext-" not in dump.lower()  # not even a fragment


# ---------------------------------------------------------------------------------------------
# manage.py referrals_seal: threads written before sealing


K1 = Fernet.generate_key().decode()


def legacy_referral(service, n, codename):
    """A referral as the site stored it before sealing: Fernet tokens, the codename's HMAC."""
    referral = Referral.objects.create(
        service=service, codename_hash=crypto.codename_hash(codename_normalise(codename)),
        message_encrypted=crypto.encrypt(f"{MESSAGE} {n}"),
        contact_encrypted=crypto.encrypt(CONTACT),
    )
    MailboxMessage.objects.create(referral=referral, sender=MailboxMessage.Sender.VISITOR,
                                  body_encrypted=crypto.encrypt(f"{MAILBOX} {n}"))
    return referral


def seal(service, tmp_path, *extra) -> str:
    key_file = tmp_path / "recovery.txt"
    key_file.write_text(ORGANIZATION_RECOVERY[service.organization.pk])
    out = StringIO()
    call_command("referrals_seal", "--organization", str(service.organization.pk),
                 "--recovery-key-file", str(key_file), *extra, stdout=out, stderr=StringIO())
    return out.getvalue()


CODENAMES = [f"apple-banana-cherry-delta-echo-fig-grape{letter}" for letter in "xyz"]


def test_sealing_old_referrals_keeps_every_word_and_leaves_no_legacy_token(settings, tmp_path):
    settings.REFERRAL_KEYS = [K1]
    service = make_service()
    old = [legacy_referral(service, n, codename) for n, codename in enumerate(CODENAMES)]
    assert "sealed 3 referral(s)" in seal(service, tmp_path)
    settings.REFERRAL_KEYS = []  # no longer needed
    for n, referral in enumerate(old):
        referral.refresh_from_db()
        texts = [referral.message_encrypted, referral.contact_encrypted,
                 *referral.messages.values_list("body_encrypted", flat=True)]
        assert all(crypto.is_sealed(text) for text in texts)
        assert [opened(referral, text) for text in texts] == [
            f"{MESSAGE} {n}", CONTACT, f"{MAILBOX} {n}"]
    assert "sealed 0 referral(s)" in seal(service, tmp_path)  # a second run changes nothing


def test_a_sealed_old_thread_reopens_for_its_visitor_after_a_member_has_opened_it(
    settings, tmp_path
):
    settings.REFERRAL_KEYS = [K1]
    service = make_service()
    referral = legacy_referral(service, 0, CODENAMES[0])
    seal(service, tmp_path)
    settings.REFERRAL_KEYS = []
    found = referral_find(CODENAMES[0])
    assert found == referral
    assert thread_key_for_visitor(referral=found, codename=CODENAMES[0]) is None  # not yet
    found.refresh_from_db()
    assert found.codename_hash == crypto.codename_lookup(codename_normalise(CODENAMES[0]))
    assert found.visitor_public_key  # learnt at that visit; the legacy hash is gone

    member = make_member(service.organization)
    from accounts import keys
    from tests.staff.factories import PASSWORD

    private = keys.staff_key_open(user=member, password=PASSWORD)
    thread_key_for_member(referral=found, user=member, private=private)
    found.refresh_from_db()
    key = thread_key_for_visitor(referral=found, codename=CODENAMES[0])
    assert crypto.thread_open(key, found.message_encrypted) == f"{MESSAGE} 0"


def test_a_thread_no_key_reads_is_left_as_it_was_and_the_others_are_sealed(settings, tmp_path):
    settings.REFERRAL_KEYS = [K1]
    service = make_service()
    good = legacy_referral(service, 0, CODENAMES[0])
    settings.REFERRAL_KEYS = [Fernet.generate_key().decode()]
    bad = legacy_referral(service, 1, CODENAMES[1])  # written under a key since lost
    before = Referral.objects.values().get(pk=bad.pk)
    settings.REFERRAL_KEYS = [K1]
    with pytest.raises(CommandError, match="could not be sealed"):
        seal(service, tmp_path)
    assert Referral.objects.values().get(pk=bad.pk) == before
    good.refresh_from_db()
    assert crypto.is_sealed(good.message_encrypted)


def test_a_wrong_recovery_key_seals_nothing(settings, tmp_path):
    settings.REFERRAL_KEYS = [K1]
    service = make_service()
    referral = legacy_referral(service, 0, CODENAMES[0])
    ORGANIZATION_RECOVERY[service.organization.pk], right = (
        sealing.recovery_key_new(), ORGANIZATION_RECOVERY[service.organization.pk])
    try:
        with pytest.raises(CommandError, match="does not open"):
            seal(service, tmp_path)
    finally:
        ORGANIZATION_RECOVERY[service.organization.pk] = right
    referral.refresh_from_db()
    assert not referral.public_key and not crypto.is_sealed(referral.message_encrypted)


def test_a_dry_run_counts_the_unsealed_and_changes_nothing(settings):
    settings.REFERRAL_KEYS = [K1]
    service = make_service()
    referral = legacy_referral(service, 0, CODENAMES[0])
    out = StringIO()
    call_command("referrals_seal", "--dry-run", stdout=out)
    assert f"{service.organization.name}: 1 unsealed" in out.getvalue()
    referral.refresh_from_db()
    assert not crypto.is_sealed(referral.message_encrypted)
