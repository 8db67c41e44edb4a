"""Staff sign-in: password (locked out by django-axes), then a second factor (django-otp).

Every step answers no-store. The rules themselves (which device a code matches, enrolment,
backup codes) are in accounts/services.py, the lockout hooks in accounts/lockout.py; the
views parse and render.
"""

from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from . import keys, roles
from .forms import EnrolForm, KeyNewForm, KeyRestoreForm, LoginForm, VerifyForm
from .keystore import (
    keystore_lost,
    keystore_mark_lost,
    keystore_put,
    keystore_recovery_key_take,
    keystore_recovery_key_waiting,
)
from .passkeys import has_passkey, passkeys_of
from .services import (
    backup_codes_create,
    backup_codes_left,
    second_factor_match,
    second_factor_throttled,
    totp_device_confirm,
    totp_device_confirmed,
    totp_device_for_enrolment,
)


def display_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


# Helpers for the views.

SIGN_IN_VIEWS = ("staff:login", "staff:logout", "staff:verify", "staff:enrol")


def next_path(value: str | None) -> str:
    """`value` if it is a path on this site (not a sign-in step), else ''."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return ""
    if value.split("?")[0] in {reverse(name) for name in (*SIGN_IN_VIEWS, "admin:login")}:
        return ""
    return value


def with_next(name: str, next_value: str) -> str:
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_value})}" if next_value else url


def destination(user, next_value: str, request=None) -> str:
    """Where a fully signed-in user goes: the recovery key made at this sign-in if it is still
    to be shown, else `next`, else where their role works."""
    if request is not None and keystore_recovery_key_waiting(request):
        return with_next("staff:recovery_key", next_value)
    if request is not None and keystore_lost(request):
        return with_next("staff:key", next_value)
    return next_value or reverse(roles.landing_view_name(user))


def staff_key_at_sign_in(request, user, password: str) -> None:
    """Unwrap the user's key with the password just checked and keep it for the session; make
    one at a first sign-in. A password that no longer opens the key (it was reset) leaves the
    session without one: the key page offers the recovery key or a new key."""
    try:
        keystore_put(request, keys.staff_key_open(user=user, password=password))
    except keys.KeyRefused as refused:
        if refused.reason != "no-key":
            keystore_mark_lost(request)
            return
        private, recovery = keys.staff_key_first(user=user, password=password)
        keystore_put(request, private, recovery_key=recovery)


def qr_svg(text: str, label: str) -> str:
    """A QR code as inline SVG, drawn here: no image is fetched from anywhere."""
    svg = segno.make(text, error="m").svg_inline(
        scale=5, border=4, dark="#000000", light="#ffffff"
    )
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


# Views.


@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@never_cache
def login_view(request):
    next_value = next_path(request.POST.get("next") or request.GET.get("next"))
    user = request.user
    if user.is_authenticated:
        if user.is_verified():
            return redirect(destination(user, next_value))
        return redirect(with_next("staff:verify", next_value))
    if request.method == "POST":
        # The privacy middleware removed the user agent; axes would store "<unknown>" in its
        # place. Empty values keep its rows free of anything but the username and the time.
        request.META["HTTP_USER_AGENT"] = ""
        request.META["HTTP_ACCEPT"] = ""
        form = LoginForm(request, data=request.POST)
        if form.is_valid():
            auth_login(request, form.user)  # a new session key; the old session is gone
            staff_key_at_sign_in(request, form.user, form.cleaned_data["password"])
            if totp_device_confirmed(form.user) is None:
                return redirect(with_next("staff:enrol", next_value))
            return redirect(with_next("staff:verify", next_value))
    else:
        form = LoginForm(request)
    return render(
        request,
        "staff/login.html",
        {"form": form, "next": next_value, "title": _("Staff sign-in")},
    )


def admin_login(request, extra_context=None):
    """The admin's login URL: a GET goes to the staff sign-in, a POST is handled as one."""
    user = request.user
    if user.is_authenticated and user.is_verified():
        # Fully signed in and still sent here: the admin is not for this account.
        messages.warning(request, _("Your account has no access to the administration."))
        return redirect("staff:account")
    if request.method in ("GET", "HEAD"):
        return redirect(with_next("staff:login", next_path(request.GET.get("next"))))
    return login_view(request)


@require_POST
@csrf_protect
@never_cache
def logout_view(request):
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("staff:login")


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@never_cache
def verify_view(request):
    user = request.user
    next_value = next_path(request.POST.get("next") or request.GET.get("next"))
    if not user.is_authenticated:
        return redirect(with_next("staff:login", next_value))
    if user.is_verified():
        return redirect(destination(user, next_value))
    if totp_device_confirmed(user) is None:
        return redirect(with_next("staff:enrol", next_value))
    passkey_only = settings.STAFF_PASSKEY_REQUIRED and has_passkey(user)
    form = VerifyForm(data=request.POST if request.method == "POST" else None)
    if passkey_only and form.is_bound:
        # Administrators require a passkey: a code no longer completes this sign-in.
        form.is_valid()
        form.add_error("code", _("A passkey is required for this account: sign in with it."))
    elif form.is_valid():
        device = second_factor_match(user=user, code=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            request.session.cycle_key()  # a new key for the fully signed-in session
            if isinstance(device, StaticDevice):
                left = backup_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a backup code. %(count)s backup code is left.",
                        "You used a backup code. %(count)s backup codes are left.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(destination(user, next_value, request))
        if second_factor_throttled(user):
            message = _("Too many wrong codes. Wait a minute, then try the newest code.")
        else:
            message = _("That code did not work. Try the newest code from the app, "
                        "or an unused backup code.")
        form.add_error("code", message)
    return render(
        request,
        "staff/verify.html",
        {"form": form, "next": next_value, "title": _("Second step: enter your code"),
         "passkeys": has_passkey(user), "passkey_only": passkey_only},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@never_cache
def enrol_view(request):
    user = request.user
    next_value = next_path(request.POST.get("next") or request.GET.get("next"))
    if not user.is_authenticated:
        return redirect(with_next("staff:login", next_value))
    # Someone who already has an app proves it first; a password alone never adds a device.
    if totp_device_confirmed(user) is not None:
        if user.is_verified():
            return redirect(destination(user, next_value))
        return redirect(with_next("staff:verify", next_value))
    device = totp_device_for_enrolment(user=user)
    form = EnrolForm(data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        if totp_device_confirm(device=device, code=form.cleaned_data["code"]):
            device.refresh_from_db()
            django_otp.login(request, device)
            request.session.cycle_key()
            codes = backup_codes_create(user=user)
            return render(
                request,
                "staff/backup_codes.html",
                {
                    "codes": [display_code(code) for code in codes],
                    "continue_to": destination(user, next_value, request),
                    "enrolled": True,
                    "title": _("Your backup codes"),
                },
            )
        form.add_error("code", _("That code did not work. Check that the time on your phone "
                                 "is right, then try the newest code."))
    return render(
        request,
        "staff/enrol.html",
        {
            "form": form,
            "next": next_value,
            "title": _("Set up two-step sign-in"),
            "qr": qr_svg(device.config_url, _("QR code for your authenticator app")),
            "secret": grouped(b32encode(device.bin_key).decode()),
            "issuer": settings.OTP_TOTP_ISSUER,
            "account": user.get_username(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
@never_cache
def recovery_key_view(request):
    """The recovery key made at this sign-in, shown once (reading it removes it)."""
    next_value = next_path(request.GET.get("next"))
    try:
        recovery = keystore_recovery_key_take(request)
    except keys.KeyRefused:  # the key cookie is missing or not this session's
        recovery = ""
    if not recovery:
        return redirect(destination(request.user, next_value))
    return render(
        request,
        "staff/recovery_key.html",
        {
            "recovery_key": recovery,
            "continue_to": destination(request.user, next_value),
            "title": _("Your recovery key"),
        },
    )


@login_required
@sensitive_post_parameters("password", "recovery_key")
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@never_cache
def key_view(request):
    """A password that no longer opens the user's key (it was reset): restore the key with the
    recovery key, or make a new one, which colleagues grant access to again."""
    user = request.user
    next_value = next_path(request.POST.get("next") or request.GET.get("next"))
    if not keystore_lost(request):  # nothing to restore: a click here must not drop a key
        return redirect(destination(user, next_value, request))
    action = request.POST.get("action") if request.method == "POST" else None
    restore = KeyRestoreForm(user, data=request.POST if action == "restore" else None)
    new = KeyNewForm(user, data=request.POST if action == "new" else None)
    if action == "restore" and restore.is_valid():
        try:
            private = keys.staff_key_recover(user=user,
                                             recovery_key=restore.cleaned_data["recovery_key"],
                                             password=restore.cleaned_data["password"])
        except keys.KeyRefused:
            restore.add_error("recovery_key", _("This recovery key does not open your key. "
                                                "Check it, or make a new key below."))
        else:
            keystore_put(request, private)
            messages.success(request, _("Your key is open again."))
            return redirect(destination(user, next_value, request))
    if action == "new" and new.is_valid():
        private, recovery = keys.staff_key_create(user=user, password=new.cleaned_data["password"])
        keystore_put(request, private, recovery_key=recovery)
        return redirect(destination(user, next_value, request))
    status = 400 if action in ("restore", "new") else 200
    return render(
        request,
        "staff/key.html",
        {"restore": restore, "new": new, "next": next_value, "title": _("Your key")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
@never_cache
def account_view(request):
    user = request.user
    return render(
        request,
        "staff/account.html",
        {
            "title": _("Your sign-in"),
            "device": totp_device_confirmed(user),
            "codes_left": backup_codes_left(user),
            "may_use_admin": roles.may_use_admin(user),
            "passkeys": list(passkeys_of(user)),
            "passkey_required": settings.STAFF_PASSKEY_REQUIRED,
        },
    )


@login_required
@require_POST
@csrf_protect
@never_cache
def backup_codes_view(request):
    codes = backup_codes_create(user=request.user)
    return render(
        request,
        "staff/backup_codes.html",
        {
            "codes": [display_code(code) for code in codes],
            "continue_to": reverse("staff:account"),
            "enrolled": False,
            "title": _("Your new backup codes"),
        },
    )

