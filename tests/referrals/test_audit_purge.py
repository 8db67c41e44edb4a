from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import audit_purge, audit_record
from accounts.tasks import purge_audit_log

pytestmark = pytest.mark.django_db


def entry(age_days):
    record = audit_record(actor=None, action="test")
    AuditEntry.objects.filter(pk=record.pk).update(at=timezone.now() - timedelta(days=age_days))
    return record


def test_entries_older_than_a_year_are_purged_and_younger_ones_kept():
    AuditEntry.objects.all().delete()
    old, edge, young = entry(400), entry(366), entry(364)
    assert audit_purge(dry_run=True) == 2
    assert AuditEntry.objects.count() == 3  # a dry run deletes nothing
    assert purge_audit_log.delay().get() == 2
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [young.pk]
    assert not AuditEntry.objects.filter(pk__in=[old.pk, edge.pk]).exists()
