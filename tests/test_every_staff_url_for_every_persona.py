"""Every staff URL, for every persona, answers what accounts/roles.py allows, and nothing else.

The URLs are read from the URL configuration itself (everything under /staff/, the admin of
every registered model included), so a new staff URL without a row in the tables below fails
`test_every_staff_url_has_a_rule`. Statuses for a GET: 200 shown; 302 sent to sign in; 403 the
admin's or the statistics' "not for you"; 404 not found (someone else's object, or a page of a
role the persona does not have); 405 exists but takes only POST.
"""

import uuid

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from content.models import PageText, PathwayText, StepText
from tests import personas

pytestmark = pytest.mark.django_db

V, CA, MA, CB, ED, AD = personas.PERSONAS  # visitor, clinicians, manager, editor, administrator


def expect(visitor=302, clinician_a=404, manager_a=404, clinician_b=404, editor=404,
           administrator=404) -> dict:
    return {V: visitor, CA: clinician_a, MA: manager_a, CB: clinician_b, ED: editor,
            AD: administrator}


def everyone(status) -> dict:
    return dict.fromkeys(personas.PERSONAS, status)


def staff_only(status, *, visitor=302) -> dict:
    return {**dict.fromkeys(personas.STAFF_PERSONAS, status), V: visitor}


OF_A = {"clinician_a": 200, "manager_a": 200}
POST_ONLY_OF_A = {"clinician_a": 405, "manager_a": 405}
STATISTICS = {"clinician_a": 403, "manager_a": 403, "clinician_b": 403, "editor": 200,
              "administrator": 200}

# Named staff URLs (not the admin's), each filled with organisation A's objects.
NAMED = {
    "staff:login": staff_only(302, visitor=200),  # the signed-in go on to their pages
    "staff:logout": staff_only(405, visitor=405),
    "staff:verify": staff_only(302),
    "staff:enrol": staff_only(302),
    "staff:account": staff_only(200),
    "staff:backup_codes": staff_only(405),
    "staff:passkey_rename": staff_only(405),
    "staff:passkey_remove": staff_only(405),
    # django-otp-webauthn's ceremonies take POST only (JSON), and none without a sign-in
    # (403: no passwordless sign-in, no registration); its script catalogue is public.
    "otp_webauthn:credential-registration-begin": staff_only(405, visitor=403),
    "otp_webauthn:credential-registration-complete": staff_only(405, visitor=403),
    "otp_webauthn:credential-authentication-begin": staff_only(405, visitor=403),
    "otp_webauthn:credential-authentication-complete": staff_only(405, visitor=403),
    "otp_webauthn:js-i18n-catalog": everyone(200),
    "staff:recovery_key": staff_only(302),  # shown once, right after the sign-in that made it
    "staff:key": staff_only(302),  # only when the password no longer opens the key
    "portal:dashboard": expect(**OF_A, clinician_b=200),
    "portal:service_edit": expect(**OF_A),
    "portal:services": expect(**OF_A),
    "portal:members": expect(manager_a=200),
    "portal:organization_texts": expect(manager_a=200),
    "portal:member_remove": expect(manager_a=405),
    "portal:organization_key": expect(manager_a=405),  # POST only, and managers only
    "portal:grant": expect(**POST_ONLY_OF_A),  # any member who holds the key may give it
    "portal:inbox": expect(**OF_A),
    "portal:referral": expect(**OF_A),
    "portal:referral_reply": expect(**POST_ONLY_OF_A),
    "portal:referral_state": expect(**POST_ONLY_OF_A),
    "portal:referral_release": expect(**POST_ONLY_OF_A),
    "preview": expect(editor=200, administrator=200),
    "translation_status": expect(editor=200, administrator=200),
    "admin:content_revision_revert": expect(editor=405, administrator=405),  # POST only
    "stats:dashboard": expect(**STATISTICS),
    "stats:export": expect(**STATISTICS),
}

# The admin: who may see each registered model (editors: content and statistics; the rest is
# the administrators'), and which models are read-only for everyone.
EDITORS_AND_ADMINISTRATORS = frozenset({ED, AD})
ADMINISTRATORS = frozenset({AD})
ADMIN_MODELS = {
    "content": EDITORS_AND_ADMINISTRATORS,
    "stats.dailycount": EDITORS_AND_ADMINISTRATORS,
    "directory": ADMINISTRATORS,
    "accounts.auditentry": ADMINISTRATORS,
    "referrals.outbox": ADMINISTRATORS,
    "referrals.heldreferral": ADMINISTRATORS,
    "auth": ADMINISTRATORS,
    "axes": ADMINISTRATORS,
    "otp_totp": ADMINISTRATORS,
    "otp_static": ADMINISTRATORS,
    "django_otp_webauthn": ADMINISTRATORS,  # an administrator removes a lost passkey
}
READ_ONLY = {"accounts.auditentry", "referrals.outbox", "referrals.heldreferral",
             "stats.dailycount"}
# Revisions are made by publishing; axes' rows by sign-ins (deleting one unlocks an account).
NO_ADD = {"content.revision", "axes.accesslog", "axes.accessfailurelog", "axes.accessattempt",
          "django_otp_webauthn.webauthncredential"}  # a passkey is made by its owner's device
# A published text (the world's are the seed's, all published) and a revision: deleted by
# administrators only; editors withdraw (accounts.roles.may_delete_content).
DELETED_BY_ADMINISTRATORS = {"content.pathwaytext", "content.steptext", "content.exercisetext",
                             "content.pagetext", "content.revision"}
ADMIN_SITE = {
    "admin:index": expect(editor=200, administrator=200),
    "admin:login": staff_only(302),
    "admin:logout": expect(editor=405, administrator=405),
    "admin:password_change": expect(editor=200, administrator=200),
    "admin:password_change_done": expect(editor=200, administrator=200),
    "admin:jsi18n": expect(editor=200, administrator=200),
    "admin:autocomplete": expect(editor=403, administrator=403),
    "admin:view_on_site": expect(editor=404, administrator=404),
    "admin:catch_all": expect(editor=404, administrator=404),
    # django-otp hides an authenticator's secret from everyone (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "admin:otp_totp_totpdevice_config": expect(editor=403, administrator=403),
    "admin:otp_totp_totpdevice_qrcode": expect(editor=403, administrator=403),
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or ''}", entry


def _named(route: str, name: str) -> str:
    """The admin leaves two kinds of URL unnamed: an object's bare address (it redirects to
    its change page) and the catch-all; they get names here so that they have rules too."""
    if name != "admin:":
        return name
    parts = route.split("/")
    if route.endswith("<path:object_id>/") and len(parts) == 6:
        return f"admin:{parts[2]}_{parts[3]}_object"
    return "admin:catch_all"


def staff_patterns():
    """(route, name) of every URL under staff/, the admin's included."""
    return [(route, _named(route, name)) for route, name, _entry
            in _walk(get_resolver().url_patterns) if route.startswith("staff/")]


def _admin_model(name: str):
    """The admin URL name's model and view kind, e.g. ('content.steptext', 'change')."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model, name[len(prefix):]
    return None, ""


def _admin_viewers(label: str):
    return ADMIN_MODELS.get(label, ADMIN_MODELS.get(label.split(".")[0]))


def admin_rule(name: str) -> dict | None:
    """The expected statuses of an admin URL, or None when the tables have no rule for it."""
    if name in ADMIN_SITE:
        return ADMIN_SITE[name]
    if name == "admin:app_list":
        return None  # per app, see test_each_admin_app_index_answers_its_viewers
    model, kind = _admin_model(name)
    if model is None:
        return None
    viewers = _admin_viewers(model._meta.label_lower)
    if viewers is None:
        return None
    if kind == "object":  # the bare address redirects to the change page
        return expect(**{persona: 302 for persona in (ED, AD)})
    label = model._meta.label_lower
    writable = label not in READ_ONLY and not (kind == "add" and label in NO_ADD)
    allowed = viewers if kind in ("changelist", "change", "history") or writable else set()
    if kind == "delete" and label in DELETED_BY_ADMINISTRATORS:
        allowed = allowed & {AD}
    return expect(**{persona: 200 if persona in allowed else 403 for persona in (ED, AD)})


def rule_for(name: str) -> dict | None:
    return NAMED.get(name) or (admin_rule(name) if name.startswith("admin:") else None)


def test_every_staff_url_has_a_rule():
    missing = [f"{route} ({name or 'unnamed'})" for route, name in staff_patterns()
               if name != "admin:app_list" and rule_for(name) is None]
    assert missing == []


@pytest.fixture
def world():
    return personas.make_world()


def _admin_object(model, world):
    """One object of `model` that the admin can show (a persona's own rows where it matters)."""
    label = model._meta.label_lower
    specific = {
        "directory.organization": world.org_a,
        "directory.service": world.service_a,
        "accounts.membership": world.membership("clinician_a"),
        "auth.user": world.users["clinician_a"],
        "referrals.outbox": world.referral_a.outbox.first(),
    }
    if label == "otp_static.staticdevice" and not model._default_manager.exists():
        from accounts.services import backup_codes_create

        backup_codes_create(user=world.users["clinician_a"])
    if label == "stats.dailycount" and not model._default_manager.exists():
        import datetime

        model._default_manager.create(day=datetime.date(2026, 1, 1), metric="page_view",
                                      dims={}, count=1)
    if label == "referrals.heldreferral":
        # Organisation A's referral, held during a flood (the admin lists held ones only).
        import datetime

        model._base_manager.filter(pk=world.referral_a.pk).update(held_on=datetime.date.today())
        return model._default_manager.get(pk=world.referral_a.pk)
    if label in specific:
        return specific[label]
    obj = model._default_manager.first()
    if obj is None:
        if label == "accounts.auditentry":
            from accounts.services import audit_record

            return audit_record(actor=world.users["administrator"], action="test")
        if label.startswith("axes."):
            # What axes keeps of a failed sign-in: a username and the connection's daily key
            # as an fd00:: address (accounts.lockout.axes_client_ip).
            from accounts.lockout import client_address

            extra = {"failures_since_start": 1} if label == "axes.accessattempt" else {}
            return model._default_manager.create(username="someone",
                                                 ip_address=client_address("ab" * 16),
                                                 user_agent="", path_info="/staff/login/",
                                                 **extra)
        if label == "django_otp_webauthn.webauthncredential":  # a passkey of the administrator's
            import os

            return model._default_manager.create(
                user=world.users["administrator"], name="Phone", confirmed=True,
                credential_id=os.urandom(32), public_key=os.urandom(77), sign_count=0,
                aaguid="00000000-0000-0000-0000-000000000000")
        raise AssertionError(f"no {label} to open in the admin")
    return obj


def url_for(route: str, name: str, world, *, unknown: bool = False) -> str | None:
    """`route` with its parameters filled from organisation A's objects (or unknown ids)."""
    step_text = StepText.objects.first()
    fills = {
        "<uuid:pk>": str(uuid.uuid4()) if unknown else None,
        "<int:membership_pk>": "999999" if unknown else str(world.membership("clinician_a").pk),
        "<slug:kind>": "step",
        "<int:pk>": "999999" if unknown else str(step_text.pk),
    }
    if "<uuid:pk>" in route and not unknown:
        by_name = {
            "portal:service_edit": world.service_a.pk,
            "portal:services": world.org_a.pk,
            "portal:members": world.org_a.pk,
            "portal:organization_texts": world.org_a.pk,
            "portal:member_remove": world.org_a.pk,
            "portal:organization_key": world.org_a.pk,
            "portal:grant": world.org_a.pk,
            "portal:inbox": world.org_a.pk,
            "portal:referral": world.referral_a.pk,
            "portal:referral_reply": world.referral_a.pk,
            "portal:referral_state": world.referral_a.pk,
            "portal:referral_release": world.referral_a.pk,
        }
        fills["<uuid:pk>"] = str(by_name[name])
    if "<path:object_id>" in route and "<path:content_type_id>" not in route:
        model, _kind = _admin_model(name)
        obj = None if unknown else _admin_object(model, world)
        if obj is None and not unknown:
            return None
        fills["<path:object_id>"] = "999999" if unknown else str(obj.pk)
    if "<path:content_type_id>" in route:
        fills["<path:content_type_id>"] = "999999"
        fills["<path:object_id>"] = "999999"
    if "<id>" in route:  # a user's password change
        fills["<id>"] = "999999" if unknown else str(world.users["clinician_a"].pk)
    if "<app_label>" in route:
        return None
    if "(?P<url>" in route:
        return "/staff/admin/no-such-page/"
    url = "/" + route
    for placeholder, value in fills.items():
        url = url.replace(placeholder, value or "")
    assert "<" not in url, url
    return url


def _has_an_object(route: str) -> bool:
    return any(part in route for part in
               ("<uuid:pk>", "<int:pk>", "<int:membership_pk>", "<path:object_id>", "<id>"))


@pytest.mark.parametrize("persona", personas.PERSONAS)
def test_each_persona_gets_what_the_roles_allow(client, world, persona):
    """One walk of every staff URL per persona; every URL whose answer differs is listed."""
    personas.sign_in_as(client, world, persona)
    wrong = {}
    for route, name in staff_patterns():
        if name == "admin:app_list":
            continue
        url = url_for(route, name, world)
        status = client.get(url).status_code
        if status != rule_for(name)[persona]:
            wrong[url] = f"{status}, expected {rule_for(name)[persona]}"
    assert wrong == {}


@pytest.mark.parametrize("persona", personas.STAFF_PERSONAS)
def test_an_unknown_object_is_not_found_for_every_persona(client, world, persona):
    personas.sign_in_as(client, world, persona)
    wrong = {}
    for route, name in staff_patterns():
        if name == "admin:app_list" or not _has_an_object(route):
            continue
        url = url_for(route, name, world, unknown=True)
        status = client.get(url).status_code
        # The admin answers an unknown object with a redirect to its index and a "does not
        # exist" message (302), or 403 when the model is not the persona's at all.
        allowed = {302, 403, 404} if name.startswith("admin:") else {404}
        if status not in allowed:
            wrong[url] = status
    assert wrong == {}


def test_organisation_b_finds_none_of_organisation_as_objects(client, world):
    personas.sign_in_as(client, world, CB)
    for route, name in staff_patterns():
        if name.startswith("portal:") and NAMED[name][CA] in (200, 405) \
                and name != "portal:dashboard":
            assert client.get(url_for(route, name, world)).status_code == 404, name


@pytest.mark.parametrize("app_label", sorted({model._meta.app_label
                                              for model in admin.site._registry}))
def test_each_admin_app_index_answers_its_viewers(client, world, app_label):
    viewers = {persona for model in admin.site._registry
               if model._meta.app_label == app_label
               for persona in (_admin_viewers(model._meta.label_lower) or ())}
    got = {}
    for persona in personas.PERSONAS:
        client.logout()
        personas.sign_in_as(client, world, persona)
        got[persona] = client.get(f"/staff/admin/{app_label}/").status_code
    assert got == expect(**{persona: 200 if persona in viewers else 404 for persona in (ED, AD)})


def test_texts_of_every_kind_can_be_previewed_by_an_editor_only(client, world):
    for model, kind in ((StepText, "step"), (PathwayText, "pathway"), (PageText, "page")):
        url = f"/staff/preview/{kind}/{model.objects.first().pk}/"
        for persona, status in expect(editor=200, administrator=200).items():
            client.logout()
            personas.sign_in_as(client, world, persona)
            assert client.get(url).status_code == status, (persona, url)
