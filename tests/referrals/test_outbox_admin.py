"""Administrators see failed deliveries in the admin and can send one again; referrals and
mailbox messages are not in the admin at all."""

import pytest
from django.contrib import admin

from accounts.models import AuditEntry
from referrals.models import MailboxMessage, Outbox, Referral
from referrals.services import referral_create
from tests.referrals.factories import (
    login_verified,
    make_member,
    make_service,
    make_user,
)

pytestmark = pytest.mark.django_db

URL = "/staff/admin/referrals/outbox/"
MESSAGE = "Words only the clinicians may read"


@pytest.fixture
def failed():
    referral, _ = referral_create(service=make_service(), message=MESSAGE)
    delivery = Outbox.objects.get(referral=referral)
    Outbox.objects.filter(pk=delivery.pk).update(
        state=Outbox.State.FAILED, attempts=8, last_error="HTTP 503"
    )
    return delivery


def test_referrals_and_mailbox_messages_are_not_in_the_admin():
    assert not admin.site.is_registered(Referral)
    assert not admin.site.is_registered(MailboxMessage)


def test_the_admin_lists_failed_deliveries_without_the_words(client, failed):
    login_verified(client, make_user("admin", superuser=True))
    response = client.get(URL, {"state__exact": "failed"})
    assert response.status_code == 200
    html = response.content.decode()
    assert str(failed.pk) in html
    assert "HTTP 503" in html
    assert MESSAGE not in html
    detail = client.get(f"{URL}{failed.pk}/change/")
    assert detail.status_code == 200
    assert MESSAGE not in detail.content.decode()


def test_try_again_resets_a_failed_delivery_and_queues_it(
    client, failed, django_capture_on_commit_callbacks
):
    admin_user = make_user("admin", superuser=True)
    login_verified(client, admin_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(URL, {"action": "try_again", "_selected_action": [str(failed.pk)]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.last_error) == ("pending", 0, "")
    assert len(callbacks) == 1
    entry = AuditEntry.objects.get(action="admin.outbox.retry")
    assert entry.actor == admin_user and entry.target_id == str(failed.pk)

    callbacks[0]()  # the queued task runs (in-process in tests): the inbox delivery succeeds
    failed.refresh_from_db()
    assert failed.state == Outbox.State.DELIVERED
    assert failed.attempts == 1


def test_try_again_leaves_deliveries_that_have_not_failed_alone(client, failed):
    delivered, _ = referral_create(service=make_service(), message="Another")
    other = Outbox.objects.get(referral=delivered)
    Outbox.objects.filter(pk=other.pk).update(state=Outbox.State.DELIVERED, attempts=1)
    login_verified(client, make_user("admin", superuser=True))
    client.post(URL, {"action": "try_again", "_selected_action": [str(other.pk)]})
    other.refresh_from_db()
    assert (other.state, other.attempts) == ("delivered", 1)


def test_a_clinician_cannot_open_the_deliveries(client, failed):
    clinician = make_member(failed.referral.service.organization, "clin")
    login_verified(client, clinician)
    assert client.get(URL).status_code == 404  # the admin is not a clinician's
