"""The clinician inbox: an organisation's referrals, one referral with its thread, a reply and
a change of state. Access is decided in selectors (another organisation's referral is not
found); every page that shows a referral's words is recorded in the audit log."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.decorators import portal_member_required
from accounts.keys import KeyRefused
from accounts.keystore import keystore_lost, keystore_private
from directory import vocabulary
from directory.selectors import organization_get_for_user
from helpportal.sealing import SealError

from . import crypto, selectors, services
from .inbox_forms import InboxFilterForm, ReplyForm, StateForm
from .models import Referral

PER_PAGE = 50


@portal_member_required
@require_safe
def inbox(request, pk):
    organization = organization_get_for_user(request.user, pk)
    form = InboxFilterForm(request.GET)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    referrals = selectors.referrals_for_organization(request.user, organization.pk, state=state)
    page = Paginator(referrals, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/portal/inbox.html",
        {
            "organization": organization,
            "form": form,
            "state": state,
            "state_label": dict(form.fields["state"].choices).get(state, ""),
            "page": page,
            "held_count": selectors.referral_held_count(organization),
        },
    )


def _render_referral(request, referral, *, reply_form=None, state_form=None, confirm=None,
                     status=200):
    """The referral with its words opened by the member's key; recorded as a view by this
    user, and no longer new to the organisation (what was new is marked so on this page). A
    member who cannot open it (no key in this session, or not given the organisation's key
    yet) is told why, with 403, and sees no word of it. A referral whose person closed their
    mailbox has no words left: the page says so. `confirm`: the state a clinician chose that
    asks to be confirmed first (services.state_move)."""
    organization = referral.service.organization
    context = {
        "referral": referral,
        "organization": organization,
        "reply_form": reply_form or ReplyForm(),
        "state_form": state_form or StateForm(initial={"state": referral.state}),
        "confirm": confirm,
        "confirm_label": Referral.State(confirm).label if confirm else "",
        "retention_days": settings.REFERRAL_RETENTION_DAYS,
    }
    if referral.forgotten_on:
        services.referral_open(actor=request.user, referral=referral)
        return render(request, "referrals/portal/referral.html", context, status=status)
    try:
        private = keystore_private(request)
    except KeyRefused:
        private = None
    try:
        thread_key = services.thread_key_for_member(referral=referral, user=request.user,
                                                    private=private)
    except services.ThreadLocked as locked:
        # A password that no longer opens the key (it was reset): the key page, not a new
        # sign-in, is the way back.
        reason = "lost" if locked.reason == "locked" and keystore_lost(request) else locked.reason
        return render(
            request,
            "referrals/portal/referral_locked.html",
            {"referral": referral, "organization": organization, "reason": reason},
            status=403,
        )
    referral_was_new = referral.opened_on is None
    new_messages = services.referral_open(actor=request.user, referral=referral)

    def opened(token: str) -> str | None:
        try:
            return crypto.thread_open(thread_key, token)
        except SealError:
            return None

    thread = [
        {
            "sender": message.sender,
            "sender_display": message.get_sender_display(),
            "author": message.author.username if message.author else "",
            "created_on": message.created_on,
            "deleted_on": message.deleted_on,
            "new": message.pk in new_messages,
            "body": None if message.deleted_on else opened(message.body_encrypted),
        }
        for message in selectors.referral_thread(referral)
    ]
    context.update({
        "referral_was_new": referral_was_new,
        "message": opened(referral.message_encrypted),
        "contact": opened(referral.contact_encrypted),
        "language": (vocabulary.language_name(referral.preferred_language)
                     if referral.preferred_language else ""),
        "thread": thread,
        "new_count": len(new_messages),
    })
    return render(request, "referrals/portal/referral.html", context, status=status)


@portal_member_required
@require_safe
def referral_detail(request, pk):
    referral = selectors.referral_get_for_user(request.user, pk)
    return _render_referral(request, referral)


@portal_member_required
def referral_reply(request, pk):
    referral = selectors.referral_get_for_user(request.user, pk)
    if request.method != "POST":  # after the lookup: someone else's referral stays a 404
        return HttpResponseNotAllowed(["POST"])
    form = ReplyForm(request.POST)
    if referral.forgotten_on:  # the page offers no reply box; an older tab may still
        return _render_referral(request, referral, status=409)
    if not form.is_valid():
        return _render_referral(request, referral, reply_form=form, status=400)
    services.referral_reply(actor=request.user, referral=referral, body=form.cleaned_data["body"])
    messages.success(request, _("Reply sent. The person sees it when they open their mailbox."))
    return redirect("portal:referral", pk=referral.pk)


@portal_member_required
def referral_state(request, pk):
    """Move the referral on as services.state_move allows: at once, or, for closing and for a
    step back, after the page has asked and the clinician confirmed."""
    referral = selectors.referral_get_for_user(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = StateForm(request.POST)
    if not form.is_valid():
        return _render_referral(request, referral, state_form=form, status=400)
    state = form.cleaned_data["state"]
    try:
        referral = services.referral_set_state(actor=request.user, referral=referral,
                                               state=state,
                                               confirmed=form.cleaned_data["confirm"])
    except services.StateMoveRefused as refused:
        if refused.move == services.StateMove.CONFIRM:
            return _render_referral(request, referral, state_form=form, confirm=state)
        form.add_error("state", _("A referral whose person closed their mailbox stays closed.")
                       if referral.forgotten_on else _("Choose one of the listed states."))
        return _render_referral(request, referral, state_form=form, status=400)
    messages.success(
        request, _("State changed to: %(state)s.") % {"state": referral.get_state_display()}
    )
    return redirect("portal:referral", pk=referral.pk)


@portal_member_required
def referral_release(request, pk):
    """Pass a referral held during a flood on to the inbox (and the service's other channels)."""
    referral = selectors.referral_get_for_user(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if services.referrals_release(actor=request.user, referrals=[referral]):
        messages.success(request, _("The referral was moved to the inbox."))
    return redirect("portal:referral", pk=referral.pk)
