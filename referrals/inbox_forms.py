"""Forms of the clinician inbox: filter the list, reply to a referral, move it on."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Referral


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All referrals"))] + list(Referral.State.choices)
        + [("held", _("Held for review"))],
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
    state = forms.ChoiceField(
        label=_("State"),
        choices=Referral.State.choices,
        error_messages={"invalid_choice": _("Choose one of the listed states.")},
    )
