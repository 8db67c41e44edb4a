"""Forms of the anonymous visitor: the referral, the mailbox's codename and a follow-up.

Texts are checked on the server only. The browser is not told the length limits
(no maxlength attribute): a browser cuts pasted text at maxlength without a word, and a
person's words must never be lost. The server says what is wrong and gives the text back.
"""

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

MESSAGE_MIN_LENGTH = 20
CONTACT_MAX_LENGTH = 200
CODENAME_MAX_LENGTH = 300


class _PlainTextField(forms.CharField):
    """A text field whose limits are checked by the server alone; line ends count once."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        attrs.pop("minlength", None)
        return attrs

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class MessageField(_PlainTextField):
    def __init__(self, **kwargs):
        max_length = settings.REFERRAL_MESSAGE_MAX_LENGTH
        kwargs.setdefault("min_length", MESSAGE_MIN_LENGTH)
        kwargs.setdefault("max_length", max_length)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 10, "cols": 30}))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Please write your message."),
                "min_length": ngettext_lazy(
                    "Please write a little more: at least %(limit_value)d character, so the "
                    "service knows how it can help. You have written %(show_value)d.",
                    "Please write a little more: at least %(limit_value)d characters, so the "
                    "service knows how it can help. You have written %(show_value)d.",
                    "limit_value",
                ),
                "max_length": ngettext_lazy(
                    "Your message is too long: it can have at most %(limit_value)d character, "
                    "and it has %(show_value)d. Please shorten it; you can say more later.",
                    "Your message is too long: it can have at most %(limit_value)d characters, "
                    "and it has %(show_value)d. Please shorten it; you can say more later.",
                    "limit_value",
                ),
            },
        )
        super().__init__(**kwargs)


def _language_choices():
    return [("", _("No preference")), *settings.LANGUAGES]


class ReferralForm(forms.Form):
    acknowledge = forms.BooleanField(
        label=_("I have read this. I understand who reads my message and where "
                "confidentiality ends."),
        error_messages={
            "required": _("Please confirm that you have read what happens to your message."),
        },
    )
    message = forms.CharField()  # replaced in __init__, where the settings are read
    preferred_language = forms.ChoiceField(
        label=_("Language you would like an answer in (optional)"),
        choices=_language_choices,
        required=False,
    )
    contact = _PlainTextField(
        label=_("A way to contact you (optional)"),
        help_text=_(
            "Only if you want the service to reach you outside this site. Anything you give "
            "here, such as a phone number or an email address, can identify you. You can "
            "leave it empty and read replies in your mailbox instead."
        ),
        max_length=CONTACT_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"size": 25, "autocomplete": "off"}),
        error_messages={
            "max_length": _(
                "Please keep this to %(limit_value)d characters or fewer (it has %(show_value)d)."
            ),
        },
    )

    def __init__(self, *args, service=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["message"] = MessageField(
            label=_("Your message"),
            help_text=format_lazy(
                _("Say what you would like help with. You do not need to give your name. "
                  "Between {min} and {max} characters."),
                min=MESSAGE_MIN_LENGTH, max=settings.REFERRAL_MESSAGE_MAX_LENGTH,
            ),
        )
        if service is not None and service.has_age_limits:
            # The service's ages decide whether its form is for this visitor: they say so.
            self.fields["ages"] = forms.BooleanField(
                label=ages_statement(service.minimum_age, service.maximum_age),
                error_messages={"required": _(
                    "This service only works with people of these ages. Nothing has been "
                    "sent, and what you wrote is still here. If these are not your ages, you "
                    "can choose a service that is for you."
                )},
            )
            self.order_fields(["ages"])


def ages_statement(minimum: int | None, maximum: int | None) -> str:
    """What a visitor confirms to write to a service with ages: 'I am 18 or older.', ..."""
    if minimum is not None and maximum is not None:
        return gettext("I am between %(minimum)d and %(maximum)d years old.") % {
            "minimum": minimum, "maximum": maximum}
    if minimum is not None:
        return gettext("I am %(minimum)d or older.") % {"minimum": minimum}
    return gettext("I am %(maximum)d or younger.") % {"maximum": maximum}


class CodenameForm(forms.Form):
    """The codename that opens a mailbox. Any malformed value is simply 'not found'."""

    codename = forms.CharField(label=_("Your codename"), required=False)

    def clean_codename(self):
        return self.cleaned_data["codename"][:CODENAME_MAX_LENGTH]


class FollowUpForm(forms.Form):
    body = forms.CharField()  # replaced in __init__, where the settings are read

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"] = MessageField(
            label=_("Your message"),
            help_text=format_lazy(
                _("Between {min} and {max} characters. Do not write your codename here."),
                min=MESSAGE_MIN_LENGTH, max=settings.REFERRAL_MESSAGE_MAX_LENGTH,
            ),
        )
