"""Receivers of staff sign-in and account changes (connected in AccountsConfig.ready)."""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .keys import grants_revoke
from .middleware import LAST_SEEN, LOGIN_AT
from .models import Membership
from .services import sessions_end_for_user


@receiver(user_logged_in, dispatch_uid="accounts.signals.stamp_login")
def stamp_login(sender, request, user, **kwargs):
    """Record when the session signed in.

    The cookie itself lives SESSION_COOKIE_AGE (12 hours), so that a session which timed out
    still reaches the server and can be told why it was signed out.
    """
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now


@receiver(post_save, sender=settings.AUTH_USER_MODEL,
          dispatch_uid="accounts.signals.end_sessions_of_deactivated")
def end_sessions_of_deactivated(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        sessions_end_for_user(user_id=instance.pk)


@receiver(post_delete, sender=Membership, dispatch_uid="accounts.signals.revoke_grants")
def revoke_grants_of_a_removed_member(sender, instance, **kwargs):
    """However a membership goes (the portal, the admin, a cascade), the member's grants of the
    organisation's keys go with it: they cannot open its threads from then on."""
    grants_revoke(organization_id=instance.organization_id, user_id=instance.user_id)
