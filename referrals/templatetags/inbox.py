"""The staff pages' navigation (templates/staff/_nav.html): the same on every staff page, the
error pages included, with what is new in each inbox. Shown only to a staff member who has
signed in with both steps; the sign-in pages show none."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import roles
from directory.models import Organization
from referrals import selectors

register = template.Library()


def _item(path: str, url: str, label: str, badge: str = "") -> dict:
    # The current page, or a page under it (a referral is under its inbox only by name, so
    # the inbox is current on its own page; an overview is current only on itself).
    return {"url": url, "label": label, "badge": badge, "current": path == url}


def _new_badge(count: dict) -> str:
    total = count["new"] + count["unread"]
    return str(total) if total else ""


def _signed_in(context):
    """The request's user if they have signed in with both steps, else None."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return None
    return user


@register.inclusion_tag("staff/_nav.html", takes_context=True)
def staff_nav(context) -> dict:
    user = _signed_in(context)
    if user is None:
        return {"show": False}
    path = context["request"].path
    items = []
    ids = roles.organization_ids_for(user)
    if ids:
        organizations = list(Organization.objects.filter(pk__in=ids).order_by("name", "pk"))
        counts = selectors.inbox_counts([organization.pk for organization in organizations])
        managed = roles.managed_organization_ids_for(user)
        several = len(organizations) > 1
        items.append(_item(path, reverse("portal:dashboard"), _("Overview")))
        for organization in organizations:
            def named(label, organization=organization):
                return f"{label}: {organization.name}" if several else label
            items.append(_item(path, reverse("portal:inbox", args=[organization.pk]),
                               named(_("Inbox")), _new_badge(counts[organization.pk])))
            items.append(_item(path, reverse("portal:services", args=[organization.pk]),
                               named(_("Services"))))
            if organization.pk in managed:
                items.append(_item(path, reverse("portal:members", args=[organization.pk]),
                                   named(_("Staff"))))
    if roles.may_use_admin(user):
        items.append(_item(path, reverse("admin:index"), _("Administration")))
    if roles.may_edit_content(user):
        items.append(_item(path, reverse("translation_status"), _("Translations")))
    if roles.may_read_statistics(user):
        items.append(_item(path, reverse("stats:dashboard"), _("Statistics")))
    items.append(_item(path, reverse("staff:account"), _("Your sign-in")))
    return {"show": True, "items": items, "username": user.get_username(),
            "csrf_token": context.get("csrf_token")}


@register.simple_tag(takes_context=True)
def staff_home(context) -> str:
    """Where the staff header's name leads: the user's own landing page, else the sign-in."""
    user = _signed_in(context)
    return reverse(roles.landing_view_name(user) if user else "staff:login")
