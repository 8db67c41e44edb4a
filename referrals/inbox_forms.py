"""Forms of the clinician inbox: filter the list, reply to a referral, move it on."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Referral
from .services import STATES_A_CLINICIAN_CHOOSES


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All referrals")), ("unread", _("New and unread"))]
        + list(Referral.State.choices) + [("held", _("Held for review"))],
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=settings.REFERRAL_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write a reply before sending it.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = gettext(
            "The person who wrote in reads it in their mailbox with their codename. "
            "Up to %(limit)s characters."
        ) % {"limit": settings.REFERRAL_MESSAGE_MAX_LENGTH}


class StateForm(forms.Form):
    """The states a clinician moves a referral to (referrals.services.state_move decides which
    move is allowed or asks first); `confirm` is the answer to that question."""

    state = forms.ChoiceField(
        label=_("State"),
        choices=[(state, Referral.State(state).label)
                 for state in STATES_A_CLINICIAN_CHOOSES],
        error_messages={"invalid_choice": _("Choose one of the listed states."),
                        "required": _("Choose one of the listed states.")},
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
