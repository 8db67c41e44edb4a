"""Passkeys on the staff pages: the sign-in's completion (after the password, as the second
step), and naming and removing one's own passkeys on the account page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django_otp_webauthn.views import CompleteCredentialAuthenticationView

from .services import passkey_remove, passkey_rename
from .views import destination, next_path


class PasskeySignInComplete(CompleteCredentialAuthenticationView):
    """django-otp-webauthn's completion, as the second step of a staff sign-in: a new session
    key once verified (as after a code), and on to where the code step would lead (the
    recovery key, the key page, `next`, else the user's start page). Passwordless sign-in is
    off, so a request without the password step is refused by the library."""

    def complete_auth(self, device):
        super().complete_auth(device)
        self.request.session.cycle_key()

    def get_success_url(self):
        return destination(self.request.user, next_path(self.request.GET.get("next")),
                           self.request)


def _pk(request):
    try:
        return int(request.POST.get("passkey", ""))
    except ValueError:
        return None


@login_required
@require_POST
@csrf_protect
@never_cache
def passkey_rename_view(request):
    pk = _pk(request)
    if pk is not None and passkey_rename(user=request.user, pk=pk,
                                         name=request.POST.get("name", "")):
        messages.success(request, _("The passkey's name was changed."))
    else:
        messages.error(request, _("Give the passkey a name of up to 64 characters."))
    return redirect("staff:account")


@login_required
@require_POST
@csrf_protect
@never_cache
def passkey_remove_view(request):
    pk = _pk(request)
    if pk is not None and passkey_remove(user=request.user, pk=pk):
        messages.success(request, _("The passkey was removed. It no longer signs you in."))
    else:
        messages.info(request, _("That passkey was already removed."))
    return redirect("staff:account")
