"""Who may do what: the one module that answers every "may this person ..." question.

Views, admin classes, template tags and selectors ask these predicates; none of them looks at
`is_superuser`, groups or memberships itself. The roles (docs/roles.md):

- administrator: a superuser. Manages staff accounts, organisations, the directory, the audit
  log and the outbox's delivery states; sees aggregate statistics. Reads no referral or
  mailbox message of an organisation they are not a member of: the referral form promises the
  visitor that only the clinicians of the chosen service can read it.
- editor: a staff member in the Editors group. Edits, previews and publishes content; sees
  aggregate statistics. Nothing of the portal.
- clinician or manager: a Membership of an organisation. Keeps its services current, reads
  and answers its referrals; a manager also adds and removes its clinicians. Nothing of the
  content admin, preview or statistics.

Organisations are named by id here, so this module needs nothing from the directory: what
belongs to an organisation carries an `organization_id` (directly or through its service).
"""

from .models import Membership

EDITORS_GROUP = "Editors"


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _remembered(user, name: str, compute):
    """`compute()`, asked once per user object: a request's user is loaded afresh for each
    request, and one admin page asks the same question dozens of times."""
    memo = user.__dict__.setdefault("_roles_memo", {})
    if name not in memo:
        memo[name] = compute()
    return memo[name]


def is_administrator(user) -> bool:
    return _active(user) and user.is_superuser


def is_editor(user) -> bool:
    return (_active(user) and user.is_staff and _remembered(
        user, "editor", lambda: user.groups.filter(name=EDITORS_GROUP).exists()))


def organization_ids_for(user) -> set:
    """The organisations the user works for (any role). Administrators are no exception."""
    if not _active(user):
        return set()
    return _remembered(user, "organizations", lambda: set(
        Membership.objects.filter(user=user).values_list("organization_id", flat=True)))


def managed_organization_ids_for(user) -> set:
    """The organisations whose clinicians the user may add and remove."""
    if not _active(user):
        return set()
    return _remembered(user, "managed", lambda: set(
        Membership.objects.filter(user=user, role=Membership.Role.MANAGER)
        .values_list("organization_id", flat=True)))


# The portal (clinicians and managers).


def may_use_portal(user) -> bool:
    return bool(organization_ids_for(user))


def may_act_for_organization(user, organization_id) -> bool:
    """Keep its services current, read its inbox and answer its referrals."""
    return organization_id in organization_ids_for(user)


def may_manage_organization(user, organization_id) -> bool:
    return organization_id in managed_organization_ids_for(user)


def may_edit_service(user, service) -> bool:
    return may_act_for_organization(user, service.organization_id)


def may_read_referral(user, referral) -> bool:
    """A referral's words, its thread and its state: the clinicians of its organisation only."""
    return may_act_for_organization(user, referral.service.organization_id)


# Content (editors).


def may_edit_content(user) -> bool:
    return is_administrator(user) or is_editor(user)


def may_delete_content(user, *, published: bool) -> bool:
    """Deleting a text: an editor deletes a draft no visitor has seen; a text that was ever
    published, and any revision (`published=True`), only an administrator deletes. Editors
    withdraw a published text instead (docs/content.md)."""
    if published:
        return is_administrator(user)
    return may_edit_content(user)


def may_preview_content(user) -> bool:
    return may_edit_content(user)


# Statistics.


def may_read_statistics(user) -> bool:
    """The aggregate statistics are for editors and administrators (who plan content and
    campaigns from them), not for clinicians, whose work is their organisation's referrals."""
    return is_administrator(user) or is_editor(user)


# Administration.


def may_use_admin(user) -> bool:
    """The admin site (/staff/admin/): editors for content, administrators for the rest."""
    return _active(user) and user.is_staff and (is_administrator(user) or is_editor(user))


def may_manage_directory(user) -> bool:
    """Organisations, services, locations and memberships in the admin."""
    return is_administrator(user)


def may_view_audit_log(user) -> bool:
    return is_administrator(user)


def may_view_deliveries(user) -> bool:
    """The outbox: identifiers, channels and delivery states, never a referral's words."""
    return is_administrator(user)


def may_release_held_referrals(user) -> bool:
    """Referrals held during a flood: their service and day, never a word; released in bulk."""
    return is_administrator(user)


def landing_view_name(user) -> str:
    """Where a fully signed-in staff member goes when nothing else was asked for."""
    if may_use_portal(user):
        return "portal:dashboard"
    if may_use_admin(user):
        return "admin:index"
    return "staff:account"
