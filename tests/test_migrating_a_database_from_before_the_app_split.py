"""A database made before the directory and accounts apps existed (when referrals owned every
model) keeps every referral, message, delivery, service, membership and audit row when it is
migrated: the models moved, their tables did not."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The migration state of main before the split (referrals 0001-0003 owned the directory).
BEFORE_THE_SPLIT = [("referrals", "0003_directoryversion"), ("accounts", None), ("directory", None)]
TABLES = ["referrals_organization", "referrals_service", "referrals_location",
          "referrals_location_services", "referrals_membership", "referrals_auditentry",
          "referrals_referral", "referrals_mailboxmessage", "referrals_outbox"]


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (names from above)
            counts[table] = cursor.fetchone()[0]
        return counts


def _fill_the_old_tables(apps) -> None:
    """Rows of every moved model, written through the models as they were before the split."""
    user_model = apps.get_model("auth", "User")
    Organization = apps.get_model("referrals", "Organization")
    Service = apps.get_model("referrals", "Service")
    Location = apps.get_model("referrals", "Location")
    Membership = apps.get_model("referrals", "Membership")
    AuditEntry = apps.get_model("referrals", "AuditEntry")
    Referral = apps.get_model("referrals", "Referral")
    MailboxMessage = apps.get_model("referrals", "MailboxMessage")
    Outbox = apps.get_model("referrals", "Outbox")
    clinician = user_model.objects.create(username="old-clinician", is_staff=True)
    for number in range(3):
        organization = Organization.objects.create(name=f"Old organisation {number}",
                                                   country="FI")
        service = Service.objects.create(organization=organization, name=f"Old service {number}",
                                         webhook_secret="s" * 64)
        location = Location.objects.create(organization=organization, kind="virtual")
        location.services.add(service)
        Membership.objects.create(user=clinician, organization=organization, role="clinician")
        AuditEntry.objects.create(actor=clinician, actor_name="old-clinician",
                                  action="service.update", organization=organization)
        for index in range(2):
            referral = Referral.objects.create(service=service, message_encrypted="sealed",
                                               codename_hash=f"hash-{number}-{index}")
            MailboxMessage.objects.create(referral=referral, sender="visitor",
                                          body_encrypted="sealed")
            Outbox.objects.create(referral=referral, channel="inbox")


@pytest.mark.django_db(transaction=True)
def test_migrating_keeps_every_row_and_the_new_models_read_them():
    from django.contrib.contenttypes.models import ContentType

    service_type = ContentType.objects.get(app_label="directory", model="service").pk
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE_THE_SPLIT)
    # Permissions and admin history hang on content types, which go back and forth too.
    assert ContentType.objects.get(pk=service_type).app_label == "referrals"
    executor.loader.build_graph()
    old_apps = executor.loader.project_state(
        [("referrals", "0003_directoryversion")]).apps
    _fill_the_old_tables(old_apps)
    before = _counts()

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    after = _counts()

    assert before == after
    assert min(before.values()) > 0
    assert ContentType.objects.get(pk=service_type).app_label == "directory"

    from accounts.models import AuditEntry, Membership
    from directory.models import Location, Organization, Service
    from referrals.models import MailboxMessage, Outbox, Referral

    assert Organization.objects.filter(name__startswith="Old organisation").count() == 3
    assert Service.objects.filter(name__startswith="Old service").count() == 3
    assert Location.objects.filter(services__name__startswith="Old service").count() == 3
    assert Membership.objects.filter(user__username="old-clinician").count() == 3
    assert AuditEntry.objects.filter(actor_name="old-clinician").count() == 3
    old_referrals = Referral.objects.filter(codename_hash__startswith="hash-")
    assert old_referrals.count() == 6
    assert {referral.service.organization.name for referral in old_referrals} == {
        f"Old organisation {number}" for number in range(3)}
    assert MailboxMessage.objects.filter(referral__in=old_referrals).count() == 6
    assert Outbox.objects.filter(referral__in=old_referrals).count() == 6
