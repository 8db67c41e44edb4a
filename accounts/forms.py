"""Forms of the staff sign-in: password, second-factor code, enrolment code."""

import re

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

SEPARATORS = re.compile(r"[\s-]+")


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    # One message for an unknown username, a wrong password and an inactive account, so the
    # form never tells which usernames exist.
    error_messages = {
        "invalid_login": _("The username or password is not right. Both are case-sensitive."),
    }

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            # Axes' backend runs first: it refuses a locked-out username and counts failures.
            self.user = authenticate(self.request, username=username, password=password)
            if self.user is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_login"], code="invalid_login"
                )
        return self.cleaned_data


def normalise_code(value: str) -> str:
    """A code as typed, without spaces or dashes, in lower case (backup codes are base32)."""
    return SEPARATORS.sub("", value or "").lower()


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self):
        return normalise_code(self.cleaned_data["code"])


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from the app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError(_("Enter the 6 digits the app shows."), code="format")
        return code


class _PasswordAgainForm(forms.Form):
    """The password the user signed in with, asked again: it wraps the key."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="password")
        return password


class KeyRestoreForm(_PasswordAgainForm):
    recovery_key = forms.CharField(
        label=_("Recovery key"),
        max_length=100,
        help_text=_("The key you were shown when your key was made: 8 groups of 5 letters and "
                    "digits."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}),
    )
    field_order = ["recovery_key", "password"]


class KeyNewForm(_PasswordAgainForm):
    understood = forms.BooleanField(
        label=_("I understand that I cannot read my organisation's referrals until a colleague "
                "gives me access again."),
    )
