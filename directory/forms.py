from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership

from . import vocabulary
from .models import REPLY_DAYS_MAX, Service


def _code_list(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class ServiceStatusForm(forms.ModelForm):
    """What a clinician keeps current about their service."""

    languages = forms.CharField(
        label=_("Languages"),
        help_text=_("ISO 639-1 codes separated by commas, for example: fi, sv, en"),
    )
    service_areas = forms.CharField(
        label=_("Areas served"),
        help_text=_("ISO 3166 country or region codes separated by commas, for example: FI, SE-AB"),
    )
    delivery_modes = forms.MultipleChoiceField(
        label=_("Delivery modes"),
        choices=list(vocabulary.DELIVERY_MODES.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Service
        fields = [
            "status",
            "intake",
            "waitlist_weeks",
            "reply_days",
            "languages",
            "delivery_modes",
            "service_areas",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["languages"] = ", ".join(self.instance.languages)
            self.initial["service_areas"] = ", ".join(self.instance.service_areas)
        self.fields["waitlist_weeks"].widget.attrs.update({"min": 1, "max": 104})
        self.fields["reply_days"].widget.attrs.update({"min": 1, "max": REPLY_DAYS_MAX})
        self.fields["reply_days"].error_messages.update({
            "min_value": _("Give at least one working day."),
            "max_value": _("Give at most %(limit_value)s working days."),
        })

    def clean_languages(self):
        values = [code.lower() for code in _code_list(self.cleaned_data["languages"])]
        unknown = [code for code in values if not vocabulary.is_language(code)]
        if unknown:
            raise forms.ValidationError(
                _(
                    "Not a language code: %(codes)s. Use two-letter ISO 639-1 codes such as fi or sv."  # noqa: E501
                ),
                params={"codes": ", ".join(unknown)},
            )
        if not values:
            raise forms.ValidationError(_("Name at least one language."))
        return list(dict.fromkeys(values))

    def clean_service_areas(self):
        values = [code.upper() for code in _code_list(self.cleaned_data["service_areas"])]
        unknown = [code for code in values if not vocabulary.is_area(code)]
        if unknown:
            raise forms.ValidationError(
                _(
                    "Not a country or region code: %(codes)s. Use ISO 3166 codes such as FI or FI-18."  # noqa: E501
                ),
                params={"codes": ", ".join(unknown)},
            )
        if not values:
            raise forms.ValidationError(_("Name at least one country or region."))
        return list(dict.fromkeys(values))

    def clean(self):
        cleaned = super().clean()
        weeks = cleaned.get("waitlist_weeks")
        if cleaned.get("intake") == Service.Intake.WAITLIST:
            if not weeks:
                self.add_error("waitlist_weeks", _("Say roughly how many weeks people wait."))
            elif weeks > 104:
                self.add_error("waitlist_weeks", _("A wait of more than two years: please check."))
        return cleaned


class _TextsForm(forms.Form):
    """Own words in each of the site's languages: the fields of FIELDS for every language,
    named `<language>-<field>`, starting from the `texts` there are. Empty means "not written
    in this language"."""

    FIELDS: dict = {}

    def __init__(self, *args, texts, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {text.language: text for text in texts}
        for code, name in settings.LANGUAGES:
            for field, (label, widget, limit) in self.FIELDS.items():
                key = f"{code}-{field}"
                self.fields[key] = forms.CharField(
                    label=label, required=False, max_length=limit,
                    widget=widget(attrs={"rows": 4} if widget is forms.Textarea else {}),
                    initial=getattr(existing[code], field) if code in existing else "",
                )
                self.fields[key].language = (code, name)

    def languages(self) -> list[tuple[str, str, list]]:
        return [(code, name, [self[f"{code}-{field}"] for field in self.FIELDS])
                for code, name in settings.LANGUAGES]

    def texts(self) -> dict[str, dict[str, str]]:
        return {code: {field: self.cleaned_data[f"{code}-{field}"] for field in self.FIELDS}
                for code, _name in settings.LANGUAGES}


class ServiceTextsForm(_TextsForm):
    """A service's own words in each of the site's languages (ServiceText): its name, what it
    does, who can use it, its fees and its confidentiality statement. Where one is empty,
    visitors read the English text (for the name, its name), or for the statement the site's
    general text."""

    FIELDS = {
        "name": (_("Name"), forms.TextInput, 200),
        "description": (_("What the service does"), forms.Textarea, 4000),
        "eligibility_description": (_("Who can use it"), forms.Textarea, 2000),
        "cost_description": (_("Cost details"), forms.TextInput, 300),
        "confidentiality": (_("Confidentiality statement: what you must report, and to whom"),
                            forms.Textarea, 4000),
    }

    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, texts=service.texts.all(), **kwargs)


class OrganizationTextsForm(_TextsForm):
    """An organisation's own name and description in each of the site's languages
    (OrganizationText); where the name is empty, visitors read its name."""

    FIELDS = {
        "name": (_("Name"), forms.TextInput, 200),
        "description": (_("Description"), forms.Textarea, 4000),
    }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, texts=organization.texts.all(), **kwargs)


class ClinicianAddForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    password = forms.CharField(
        label=_("First password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Give it to them in person; they set up their second factor at first sign-in."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken."))
        return username

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            user = get_user_model()(
                username=cleaned.get("username", ""), email=cleaned.get("email", "")
            )
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned
