"""The anonymous visitor's side of a referral: the form, the codename page and the mailbox.

Nothing here is cacheable (the site's no-store default applies) and nothing is kept about the
visitor: the codename lives only in the page it is shown on and in the forms the visitor posts
back (never in a URL, log line, table or cache entry). Every mailbox request carries it again,
because no cookie other than the CSRF one may remember anything.
"""

import contextlib
import hashlib
import secrets
import uuid

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from accounts.alerts import administrators_alert
from directory.models import ADULT_AGE, Service
from directory.selectors import directory_service_get, service_words
from helpportal import sealing
from helpportal.outage import words_given_back
from stats.services import record

from . import crypto, limits, services
from .codenames import codename_generate, codename_language_of, codename_normalise
from .models import MailboxMessage, Referral
from .visitor_forms import CodenameForm, FollowUpForm, ReferralForm

# A form may be sent once. Its one-time token is signed (so it cannot be made up) and, once
# used, remembered by its hash for as long as it is accepted: a replay is recognised, not
# stored twice. A token older than this is refused with the text kept, and a fresh one given.
ONCE_MAX_AGE = 24 * 60 * 60
ONCE_SALT = "referrals.visitor.once"

POST_FIELDS = ("codename", "message", "contact", "body")


# ---------------------------------------------------------------------------------------------
# One-time form tokens


def once_new() -> str:
    return signing.TimestampSigner(salt=ONCE_SALT).sign(secrets.token_urlsafe(24))


def once_valid(token: str) -> str | None:
    """The token's random part, if the token is ours and recent enough."""
    try:
        return signing.TimestampSigner(salt=ONCE_SALT).unsign(token[:200], max_age=ONCE_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None


def _once_key(value: str) -> str:
    return f"form-once:{hashlib.sha256(value.encode()).hexdigest()}"


def once_claim(value: str) -> bool:
    """Mark the token used. False when it was used before: the same form sent again."""
    try:
        return bool(cache.add(_once_key(value), 1, ONCE_MAX_AGE))
    except Exception:  # noqa: BLE001 (a cache outage must not cost a person their message)
        return True


def once_release(value: str) -> None:
    """The form was not acted on after all (refused, limited, failed): it may be sent again."""
    with contextlib.suppress(Exception):  # an outage only means the token stays used
        cache.delete(_once_key(value))


# ---------------------------------------------------------------------------------------------
# Small helpers


def _too_many(request, reason: str, retry_after: int = 3600):
    """The 429 page; on a message in the mailbox, with the words given back to send again."""
    response = render(request, "errors/429.html",
                      {"reason": reason, "sensitive": True,
                       "retry_minutes": max(1, round(retry_after / 60)),
                       **words_given_back(request)},
                      status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _written(data) -> dict:
    """A referral's words, for a page that refuses it: shown read-only to keep or send
    elsewhere."""
    return {"written": data.get("message", ""), "written_contact": data.get("contact", "")}


def _flood_alert(admission, service) -> None:
    """Tell administrators, once an hour per ceiling, that referrals are being held."""
    now = timezone.now()
    hour = now.strftime("%Y%m%d%H")
    if admission.ceiling == "site":
        scope, subject = "site-wide", f"site:{hour}"
    else:
        scope, subject = f'to the service "{service.name}" ({service.pk})', f"{service.pk}:{hour}"
    administrators_alert(
        "referral_flood", subject_key=subject,
        once_per=3600, count=admission.count, since=now.strftime("%Y-%m-%d %H:00 UTC"),
        scope=scope,
    )


# ---------------------------------------------------------------------------------------------
# The referral


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters(*POST_FIELDS)
@sensitive_variables("codename", "form", "data", "written")
@csrf_protect
def refer(request, pk):
    """Write to a service anonymously. The codename is shown in the answer to the POST, once."""
    service = directory_service_get(pk)  # not listed: not found, as on its page
    context = {
        "service": service,
        "words": service_words(service, get_language()),
        "sensitive": True,
        "retention_days": settings.REFERRAL_RETENTION_DAYS,
        # Where the age question's error points: a service from 18 up sends a younger
        # visitor to the search for young people.
        "services_for_you": ("?audience=young-people" if service.minimum_age is not None
                             and service.minimum_age >= ADULT_AGE else ""),
    }
    if not service.accepts_anonymous_referrals_now:
        status = 409 if request.method == "POST" else 200
        written = _written(request.POST) if request.method == "POST" else {}
        return render(
            request, "referrals/refer.html",
            {**context, "unavailable": True, **written}, status=status,
        )

    if request.method != "POST":
        form = ReferralForm(service=service)
        return render(request, "referrals/refer.html", {**context, "form": form,
                                                         "once": once_new()})

    form = ReferralForm(request.POST, service=service)
    once = once_valid(request.POST.get("once", ""))
    valid = form.is_valid()
    if valid and once is None:
        form.add_error(None, _form_expired_message())
        valid = False
    if not valid:
        token = request.POST.get("once", "") if once is not None else once_new()
        return render(request, "referrals/refer.html",
                      {**context, "form": form, "once": token}, status=400)

    if not once_claim(once):
        # The same form again (a reload of the codename page, Back then Forward, a double
        # click): the referral it made is shown again with its codename, never a blank page.
        codename = codename_generate(get_language(), seed=_codename_seed(once))
        if services.referral_find(codename) is not None:
            return _codename_page(request, service, codename)
        return render(request, "referrals/refer.html",
                      {**context, "already_sent": True, **_written(form.cleaned_data)},
                      status=409)
    admission = limits.referral_admission(
        str(request.client_key), service.pk,
        per_client_per_day=settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY,
        hold_above_per_hour=settings.REFERRAL_HOLD_ABOVE_PER_HOUR,
        hold_above_per_service_per_hour=settings.REFERRAL_HOLD_ABOVE_PER_SERVICE_PER_HOUR,
    )
    if admission.admission is limits.Admission.REFUSE:
        # The form comes back as it was sent, with the same token: the same words can be sent
        # once the wait is over.
        once_release(once)
        response = render(
            request, "referrals/refer.html",
            {**context, "form": form, "once": request.POST.get("once", ""),
             "refused_hours": max(1, round(admission.retry_after / 3600)),
             "limit": settings.REFERRAL_LIMIT_PER_CLIENT_PER_DAY},
            status=429,
        )
        response["Retry-After"] = str(admission.retry_after)
        return response
    held = admission.admission is limits.Admission.HOLD
    if held:
        _flood_alert(admission, service)

    data = form.cleaned_data
    try:
        _referral, codename = services.referral_create(
            service=service,
            message=data["message"],
            contact=data["contact"],
            preferred_language=data["preferred_language"],
            codename_language=get_language(),
            codename_seed=_codename_seed(once),
            hold=held,
        )
    except services.ReferralRefused:
        once_release(once)
        return render(
            request, "referrals/refer.html",
            {**context, "unavailable": True, **_written(data)}, status=409,
        )
    except BaseException:
        once_release(once)
        raise
    record("referral_created", country=service.organization.country)
    return _codename_page(request, service, codename)


def _codename_seed(once: str) -> bytes:
    """The seed of a form's codename: its one-time token's random part (which only that
    browser's form holds; the cache keeps its hash), keyed by a key of the site's own."""
    return sealing.secret_key(once, pepper=crypto.site_key("codename-of-form"),
                              purpose="codename-of-form")


def _codename_page(request, service, codename: str, *, status=200, error=""):
    return render(
        request,
        "referrals/codename.html",
        {
            "service": service,
            "codename": codename,
            "codename_language": codename_language_of(codename) or get_language(),
            "words": codename.split("-"),
            "error": error,
            "sensitive": True,
        },
        status=status,
    )


CODENAME_ACTIONS = ("show", "save", "done")


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("codename")
@sensitive_variables("codename")
@csrf_protect
def codename(request):
    """The codename page again, from the words it shows (a POST of them; nothing is looked up
    or stored): in another language, as a text file to save, or the "I have written it down"
    step. The words must be a codename of one of the lists, so no other text is shown here."""
    if request.method != "POST":
        return redirect("mailbox")
    codename = request.POST.get("codename", "")
    if not codename_language_of(codename):
        return render(request, "referrals/mailbox_open.html",
                      {"form": CodenameForm(), "sensitive": True}, status=400)
    service = Service.objects.filter(pk=_uuid_or_none(request.POST.get("service"))).first()
    action = request.POST.get("action")
    if action == "save":
        text = gettext("Your codename: %(codename)s\nYour mailbox: %(address)s\n") % {
            "codename": codename, "address": settings.SITE_URL.rstrip("/") + reverse("mailbox")}
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="codename.txt"'
        return response
    if action == "done":
        if request.POST.get("written") != "yes":
            return _codename_page(request, service, codename, status=400, error=gettext(
                "Please write down your codename, or save it, and tick the box. Without it "
                "you cannot read the replies."))
        return render(request, "referrals/codename_done.html",
                      {"service": service, "sensitive": True})
    return _codename_page(request, service, codename)


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _form_expired_message():
    return gettext(
        "This form was open for a long time, so for your safety it has to be sent again. "
        "Your words are still here: check them and send the form again."
    )


# ---------------------------------------------------------------------------------------------
# The mailbox


ACTIONS = ("open", "write", "delete", "forget", "forget_confirmed")
# Actions from a mailbox this browser has open (its forms carry a signed "opened" token): no
# guess at a codename, so never limited.
UNLIMITED = ("write", "delete", "forget", "forget_confirmed")
OPENED_SALT = "referrals.visitor.opened"


def _attempt_allowed(request) -> tuple[bool, int]:
    return limits.mailbox_attempt_allowed(
        str(request.client_key), per_hour=settings.MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR
    )


def _opened_token(referral: Referral) -> str:
    """Signed proof that this page opened this mailbox (its lookup id), for a day."""
    return signing.TimestampSigner(salt=OPENED_SALT).sign(referral.codename_hash)


def _opened_lookup(token: str) -> str | None:
    try:
        return signing.TimestampSigner(salt=OPENED_SALT).unsign(token[:200], max_age=ONCE_MAX_AGE)
    except signing.BadSignature:
        return None


def _thread(referral: Referral, private: bytes | None) -> list[dict]:
    """The visitor's first message and every message since, opened with the thread's key (from
    their codename), oldest first. A text that does not open is shown as such, never half."""

    def readable(token: str) -> str | None:
        try:
            return crypto.thread_open(private, token)
        except sealing.SealError:
            return None

    thread = [{
        "id": None,
        "sender": MailboxMessage.Sender.VISITOR,
        "first": True,
        "on": referral.created_on,
        "body": readable(referral.message_encrypted),
    }]
    # A reply the visitor deleted is gone from their mailbox (the clinicians see a note).
    for message in referral.messages.filter(deleted_on__isnull=True).order_by("id"):
        thread.append({
            "id": message.pk,
            "sender": message.sender,
            "first": False,
            "on": message.created_on,
            "body": readable(message.body_encrypted),
        })
    return thread


def _mailbox_page(request, referral: Referral, codename: str, *, status=200, form=None,
                  notice="", confirm_forget=False, unsent=""):
    closed = referral.state == Referral.State.CLOSED
    private = services.thread_key_for_visitor(referral=referral, codename=codename)
    context = {
        "referral": referral,
        "service": referral.service,
        "codename": codename,
        "thread": _thread(referral, private),
        # A thread sealed by `manage.py referrals_seal`: readable here once a member opened it
        "waiting_for_key": bool(referral.public_key) and private is None,
        "closed": closed,
        "form": form or (None if closed else FollowUpForm()),
        "once": (request.POST.get("once", "") if form is not None and form.is_bound
                 and once_valid(request.POST.get("once", "")) else once_new()),
        "notice": notice,
        "unsent": unsent,  # the words of a message that was refused (409), to keep
        "confirm_forget": confirm_forget,
        "opened": _opened_token(referral),
        "retention_days": settings.REFERRAL_RETENTION_DAYS,
        "max_age_days": settings.REFERRAL_MAX_AGE_DAYS,
        "sensitive": True,
    }
    return render(request, "referrals/mailbox.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters(*POST_FIELDS)
@sensitive_variables("codename", "form")
@csrf_protect
def mailbox(request):
    """Open a mailbox with its codename (POST only), and act on it with the same codename."""
    if request.method != "POST":
        # A codename in the address would end up in history and logs: it is never read there.
        return render(request, "referrals/mailbox_open.html",
                      {"form": CodenameForm(), "sensitive": True})

    action = request.POST.get("action", "open")
    if action not in ACTIONS:
        action = "open"
    # Writing, deleting and forgetting from a mailbox this browser has open are never
    # limited: the page's forms carry a signed "opened" token naming that mailbox. Anything
    # else, and any token that does not name the mailbox the codename finds, counts as an
    # attempt; a message refused so is given back on the 429 page.
    opened = _opened_lookup(request.POST.get("opened", "")) if action in UNLIMITED else None
    if opened is None:
        allowed, wait = _attempt_allowed(request)
        if not allowed:
            return _too_many(request, "mailbox", wait)

    form = CodenameForm(request.POST)
    form.is_valid()
    codename = codename_normalise(form.cleaned_data.get("codename", ""))
    referral = services.referral_find(codename) if codename else None
    if opened is not None and (referral is None or referral.codename_hash != opened):
        referral = None  # a token of another mailbox: this is a guess like any other
        allowed, wait = _attempt_allowed(request)
        if not allowed:
            return _too_many(request, "mailbox", wait)
    if referral is None:
        # One answer for a malformed and an unknown codename: neither says more than the other.
        return render(request, "referrals/mailbox_open.html",
                      {"form": form, "not_found": True, "sensitive": True}, status=404)

    handler = {
        "open": _mailbox_open,
        "write": _mailbox_write,
        "delete": _mailbox_delete,
        "forget": _mailbox_forget,
        "forget_confirmed": _mailbox_forget_confirmed,
    }[action]
    return handler(request, referral, codename)


def _mailbox_open(request, referral, codename):
    record("mailbox_opened")
    return _mailbox_page(request, referral, codename)


@sensitive_variables("codename", "form")
def _mailbox_write(request, referral, codename):
    if referral.state == Referral.State.CLOSED:
        return _mailbox_page(
            request, referral, codename, status=409, unsent=request.POST.get("body", ""),
            notice=gettext("This conversation is closed, so your message was not sent. Your "
                           "words are below, so that you can keep them."),
        )
    form = FollowUpForm(request.POST)
    once = once_valid(request.POST.get("once", ""))
    valid = form.is_valid()
    if valid and once is None:
        form.add_error(None, _form_expired_message())
        valid = False
    if not valid:
        return _mailbox_page(request, referral, codename, status=400, form=form)
    if not once_claim(once):
        return _mailbox_page(
            request, referral, codename, status=409, unsent=form.cleaned_data["body"],
            notice=gettext("This message was already sent. It has not been sent twice."),
        )
    try:
        services.mailbox_visitor_write(
            referral=referral, codename=codename, body=form.cleaned_data["body"]
        )
    except services.MessageHoldsCodename:
        once_release(once)
        form.add_error(
            "body",
            gettext(
                "Your message contains your codename. Please take it out before you send: "
                "anyone who has your codename can open your mailbox."
            ),
        )
        return _mailbox_page(request, referral, codename, status=400, form=form)
    except BaseException:
        once_release(once)
        raise
    referral.refresh_from_db()
    return _mailbox_page(request, referral, codename,
                         notice=gettext("Your message was sent."))


def _mailbox_delete(request, referral, codename):
    try:
        message_id = int(request.POST.get("message", ""))
    except ValueError:
        message_id = None
    deleted = message_id is not None and services.mailbox_visitor_delete_reply(
        referral=referral, message_id=message_id
    )
    notice = gettext("The reply was deleted.") if deleted else gettext(
        "That reply was already deleted."
    )
    return _mailbox_page(request, referral, codename, notice=notice)


def _mailbox_forget(request, referral, codename):
    return _mailbox_page(request, referral, codename, confirm_forget=True)


def _mailbox_forget_confirmed(request, referral, codename):
    service = referral.service
    services.referral_forget(referral=referral)
    return render(request, "referrals/forgotten.html", {"service": service, "sensitive": True})

