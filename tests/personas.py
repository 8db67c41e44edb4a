"""Named staff personas for access-boundary tests (healthchecks' hc/test.py is the model).

    world = personas.make_world()
    personas.sign_in_as(client, world, "clinician_b")

The world: organisations A and B, each with a service and a referral with one message;
`manager_a` and `clinician_a` work for A, `clinician_b` for B; `editor` is in the Editors
group; `administrator` is a superuser who belongs to no organisation; `visitor` is nobody
signed in. Every staff persona has a password and a confirmed second factor.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from accounts.models import Membership
from accounts.roles import EDITORS_GROUP
from directory.models import Organization, Service
from referrals import services as referral_services
from referrals.models import Referral
from tests.referrals.factories import grant_key, make_organization
from tests.staff.factories import make_user, sign_in

PERSONAS = ("visitor", "clinician_a", "manager_a", "clinician_b", "editor", "administrator")
STAFF_PERSONAS = PERSONAS[1:]


@dataclass
class World:
    org_a: Organization
    org_b: Organization
    service_a: Service
    service_b: Service
    referral_a: Referral
    referral_b: Referral
    users: dict = field(default_factory=dict)

    def membership(self, username: str) -> Membership:
        return Membership.objects.get(user=self.users[username])


def _service(organization: Organization, name: str) -> Service:
    return Service.objects.create(
        organization=organization, name=name, languages=["en"],
        service_areas=[organization.country], delivery_modes=["online"],
        audiences=["self"], accepts_anonymous_referrals=True,
    )


def make_world() -> World:
    org_a = make_organization("Organisation A", country="FI")
    org_b = make_organization("Organisation B", country="SE")
    service_a, service_b = _service(org_a, "Service of A"), _service(org_b, "Service of B")
    referral_a, _ = referral_services.referral_create(service=service_a, message="Words for A")
    referral_b, _ = referral_services.referral_create(service=service_b, message="Words for B")
    users = {
        "clinician_a": make_user("clinician_a"),
        "manager_a": make_user("manager_a"),
        "clinician_b": make_user("clinician_b"),
        "editor": make_user("editor"),
        "administrator": make_user("administrator", superuser=True),
    }
    Membership.objects.create(user=users["clinician_a"], organization=org_a)
    Membership.objects.create(user=users["manager_a"], organization=org_a,
                              role=Membership.Role.MANAGER)
    Membership.objects.create(user=users["clinician_b"], organization=org_b)
    for persona, organization in (("clinician_a", org_a), ("manager_a", org_a),
                                  ("clinician_b", org_b)):
        grant_key(organization, users[persona])
    users["editor"].groups.add(Group.objects.get(name=EDITORS_GROUP))
    return World(org_a=org_a, org_b=org_b, service_a=service_a, service_b=service_b,
                 referral_a=referral_a, referral_b=referral_b, users=users)


def sign_in_as(client, world: World, persona: str) -> None:
    """Sign `client` in as `persona` with both factors; the visitor stays signed out."""
    if persona != "visitor":
        sign_in(client, world.users[persona])
