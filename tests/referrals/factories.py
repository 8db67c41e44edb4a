"""Builders for the directory and its staff; tests state only what matters to them."""

import html
import re
from itertools import count

from django.contrib.auth import get_user_model

from accounts import keys
from accounts.models import Membership
from directory.models import Organization, Service
from tests.staff.factories import PASSWORD
from tests.staff.factories import sign_in as login_verified  # noqa: F401 (re-exported)

_numbers = count(1)


# Each organisation's recovery key, as its first manager would keep it offline: tests give
# members access with it (`grant_key`).
ORGANIZATION_RECOVERY = {}


def make_organization(name=None, *, country="FI", demo=True, key=True):
    """An organisation; with `key` (the default) it has a key pair, so its services can take
    referrals, and nobody holds it yet."""
    organization = Organization.objects.create(
        name=name or f"Organisation {next(_numbers)}", country=country, demo=demo
    )
    if key:
        give_organization_key(organization)
    return organization


def give_organization_key(organization):
    organization_key, recovery = keys.organization_key_create(organization=organization)
    ORGANIZATION_RECOVERY[organization.pk] = recovery
    return organization_key


def grant_key(organization, user):
    """Give `user` (a member with a staff key) the organisation's current key."""
    current = keys.organization_key_current(organization)
    private = keys.organization_private_by_recovery(
        organization_key=current, recovery_key=ORGANIZATION_RECOVERY[organization.pk]
    )
    return keys.grant_create(organization_key=current, organization_private_key=private,
                             member=user, granted_by=None)


def make_service(organization=None, **fields):
    organization = organization or make_organization()
    values = {
        "name": f"Service {next(_numbers)}",
        "languages": ["fi", "en"],
        "service_areas": [organization.country],
        "delivery_modes": ["online"],
        "audiences": ["self"],
        "accepts_anonymous_referrals": True,
    }
    values.update(fields)
    return Service.objects.create(organization=organization, **values)


def make_user(username=None, *, staff=True, superuser=False, key=False):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_numbers)}",
        password=PASSWORD,
        is_staff=staff,
        is_superuser=superuser,
    )
    if key:
        keys.staff_key_create(user=user, password=PASSWORD)
    return user


def make_member(organization, username=None, *, role=Membership.Role.CLINICIAN, granted=True):
    """A member with a staff key; `granted` (the default): also given the organisation's key,
    when it has one, as a colleague would."""
    user = make_user(username, key=True)
    Membership.objects.create(user=user, organization=organization, role=role)
    if granted and keys.organization_key_current(organization) is not None:
        grant_key(organization, user)
    return user



def opened(referral, token: str) -> str:
    """A text of a referral's thread, opened as a member would: the organisation's key (here
    through its recovery key), then the thread's."""
    from helpportal import sealing
    from referrals import crypto

    referral.refresh_from_db()
    organization = referral.service.organization
    organization_private = keys.organization_private_by_recovery(
        organization_key=referral.organization_key,
        recovery_key=ORGANIZATION_RECOVERY[organization.pk],
    )
    thread_private = sealing.unseal(organization_private, referral.key_for_organization)
    return crypto.thread_open(thread_private, token)


def result_names(response) -> list[str]:
    """The names of the services on a page of search results, in order."""
    return [html.unescape(name) for name in
            re.findall(r'<li class="card">\s*<h3><a href="[^"]+">([^<]+)</a></h3>',
                       response.content.decode())]
