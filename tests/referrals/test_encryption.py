"""Encryption at rest: a referral's words are in the database only as ciphertext, readable
with the configured keys only, and the keys can be rotated without losing a word."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from referrals import crypto
from referrals.models import MailboxMessage, Referral
from referrals.services import mailbox_visitor_write, referral_create, referral_reply
from tests.referrals.factories import login_verified, make_member, make_service

pytestmark = pytest.mark.django_db

K1, K2, K3 = (Fernet.generate_key().decode() for _ in range(3))
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


def stored(referral):
    return Referral.objects.values_list("message_encrypted", "contact_encrypted").get(
        pk=referral.pk
    )


def test_the_table_holds_ciphertext_not_the_words():
    Referral.objects.all().delete()
    write_referral(make_service())
    with connection.cursor() as cursor:
        cursor.execute("SELECT message_encrypted, contact_encrypted FROM referrals_referral")
        rows = cursor.fetchall()
        cursor.execute("SELECT body_encrypted FROM referrals_mailboxmessage")
        bodies = [row[0] for row in cursor.fetchall()]
    assert len(rows) == 1 and len(bodies) == 1
    message, contact = rows[0]
    assert MESSAGE not in message and CONTACT not in contact
    assert MAILBOX not in bodies[0]
    assert crypto.decrypt(message) == f"{MESSAGE} 0"
    assert crypto.decrypt(contact) == CONTACT


def test_the_words_decrypt_with_the_right_key_only(settings):
    settings.REFERRAL_KEYS = [K1]
    referral, _ = write_referral(make_service())
    message, contact = stored(referral)
    assert crypto.decrypt(message) == f"{MESSAGE} 0"
    settings.REFERRAL_KEYS = [K2]
    with pytest.raises(InvalidToken):
        crypto.decrypt(message)
    with pytest.raises(InvalidToken):
        crypto.decrypt(contact)
    settings.REFERRAL_KEYS = [K2, K1]  # an older key still decrypts
    assert crypto.decrypt(contact) == CONTACT


def midnight_utc(moment: datetime) -> int:
    return int(datetime(moment.year, moment.month, moment.day, tzinfo=UTC).timestamp())


def test_a_token_tells_the_day_it_was_written_never_the_second(settings):
    """Fernet puts the time a token was made in clear; DESIGN.md allows only the day."""
    settings.REFERRAL_KEYS = [K1]
    before = datetime.now(UTC)
    referral, _ = write_referral(make_service())
    after = datetime.now(UTC)
    tokens = [*stored(referral), *MailboxMessage.objects.filter(referral=referral)
              .values_list("body_encrypted", flat=True)]
    assert len(tokens) == 3 and all(tokens)
    today = {midnight_utc(before), midnight_utc(after)}  # the same day unless run at midnight
    for token in tokens:
        assert Fernet(K1).extract_timestamp(token.encode()) in today
        assert crypto.fernet().extract_timestamp(token.encode()) in today


def test_rotation_keeps_only_the_day_of_a_token_that_told_the_second(settings):
    """A token written before tokens were dated to the day loses its second when rotated."""
    settings.REFERRAL_KEYS = [K1]
    referral, _ = write_referral(make_service())
    written = datetime(2023, 11, 14, 22, 15, 23, tzinfo=UTC)
    old = Fernet(K1).encrypt_at_time(b"written at a telling second", int(written.timestamp()))
    Referral.objects.filter(pk=referral.pk).update(message_encrypted=old.decode())
    settings.REFERRAL_KEYS = [K2, K1]
    assert "referrals: re-encrypted 2 value(s)" in rotate()
    message, contact = stored(referral)
    settings.REFERRAL_KEYS = [K2]
    assert crypto.decrypt(message) == "written at a telling second"
    assert crypto.decrypt(contact) == CONTACT
    assert Fernet(K2).extract_timestamp(message.encode()) == midnight_utc(written)


def rotate(*args) -> str:
    out = StringIO()
    call_command("rotate_referral_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def under_k1(settings):
    """Three referrals, one without a contact detail, each with a message, written under K1."""
    Referral.objects.all().delete()
    settings.REFERRAL_KEYS = [K1]
    service = make_service()
    referrals = [write_referral(service, n, contact="" if n == 2 else CONTACT)[0]
                 for n in range(3)]
    return referrals


def test_after_rotation_the_new_key_alone_decrypts_everything(settings, under_k1):
    settings.REFERRAL_KEYS = [K2, K1]
    output = rotate("--batch-size", "2")
    assert "referrals: re-encrypted 5 value(s), 0 already under the newest key" in output
    assert "mailbox messages: re-encrypted 3 value(s)" in output

    settings.REFERRAL_KEYS = [K2]
    for n, referral in enumerate(under_k1):
        message, contact = stored(referral)
        assert crypto.decrypt(message) == f"{MESSAGE} {n}"
        assert crypto.decrypt(contact) == ("" if n == 2 else CONTACT)
    bodies = sorted(crypto.decrypt(body) for body in
                    MailboxMessage.objects.values_list("body_encrypted", flat=True))
    assert bodies == [f"{MAILBOX} {n}" for n in range(3)]


def test_a_dry_run_counts_and_changes_nothing(settings, under_k1):
    before = [stored(referral) for referral in under_k1]
    settings.REFERRAL_KEYS = [K2, K1]
    assert "referrals: would re-encrypt 5 value(s)" in rotate("--dry-run")
    assert [stored(referral) for referral in under_k1] == before
    settings.REFERRAL_KEYS = [K2]
    with pytest.raises(InvalidToken):
        crypto.decrypt(before[0][0])


def test_a_second_rotation_leaves_everything_as_it_is(settings, under_k1):
    settings.REFERRAL_KEYS = [K2, K1]
    rotate()
    after = [stored(referral) for referral in under_k1]
    output = rotate()
    assert "referrals: re-encrypted 0 value(s), 5 already under the newest key" in output
    assert [stored(referral) for referral in under_k1] == after


def test_rotation_stops_loudly_when_the_old_key_was_removed_too_early(settings, under_k1):
    before = [stored(referral) for referral in under_k1]
    settings.REFERRAL_KEYS = [K3]
    with pytest.raises(CommandError, match="could not be decrypted with any key"):
        rotate()
    assert [stored(referral) for referral in under_k1] == before


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
