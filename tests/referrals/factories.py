"""Builders for the directory and its staff; tests state only what matters to them."""

from itertools import count

from django.contrib.auth import get_user_model

from accounts.models import Membership
from directory.models import Organization, Service
from tests.staff.factories import sign_in as login_verified  # noqa: F401 (re-exported)

_numbers = count(1)


def make_organization(name=None, *, country="FI", demo=True):
    return Organization.objects.create(
        name=name or f"Organisation {next(_numbers)}", country=country, demo=demo
    )


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


def make_user(username=None, *, staff=True, superuser=False):
    return get_user_model().objects.create_user(
        username=username or f"user{next(_numbers)}",
        password="a long enough password 123",
        is_staff=staff,
        is_superuser=superuser,
    )


def make_member(organization, username=None, *, role=Membership.Role.CLINICIAN):
    user = make_user(username)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user

