from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership

from . import vocabulary
from .models import REPLY_DAYS_MAX, Service


def _sorted_by_name(codes, name) -> list[tuple[str, str]]:
    return sorted(((code, name(code)) for code in codes),
                  key=lambda pair: (pair[1].casefold(), pair[0]))


def language_choices(chosen=()) -> list[tuple[str, str]]:
    """Every ISO 639-1 language, named in the staff member's language: the chosen ones first,
    then the site's languages, then all by name."""
    site = [code for code, _name in settings.LANGUAGES]
    first = list(dict.fromkeys([*chosen, *site]))
    rest = vocabulary.language_codes() - set(first)
    return ([(code, vocabulary.language_name(code)) for code in first if
             vocabulary.is_language(code)] + _sorted_by_name(rest, vocabulary.language_name))


def area_choices(country: str, chosen=()) -> list[tuple[str, str]]:
    """Every country, named in the staff member's language, and the regions of the
    organisation's own country (and any region already chosen): the chosen ones first, then
    the organisation's country and its regions, then every country by name."""
    regions = sorted(vocabulary.region_codes_of(country)) if country else []
    first = list(dict.fromkeys([*chosen, *([country] if country else []), *regions]))
    rest = vocabulary.country_codes() - set(first)
    return ([(code, vocabulary.area_name(code)) for code in first if vocabulary.is_area(code)]
            + _sorted_by_name(rest, vocabulary.area_name))


class ServiceStatusForm(forms.ModelForm):
    """What a clinician keeps current about their service. Languages and areas are chosen from
    lists named in the staff member's language, never typed as codes."""

    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        help_text=_("The languages people can be helped in. Those chosen are listed first."),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language."),
                        "invalid_choice": _("Choose languages from the list.")},
    )
    service_areas = forms.MultipleChoiceField(
        label=_("Areas served"),
        help_text=_("Countries, or regions of your organisation's country. Those chosen are "
                    "listed first."),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one country or region."),
                        "invalid_choice": _("Choose countries and regions from the list.")},
    )
    delivery_modes = forms.MultipleChoiceField(
        label=_("Delivery modes"),
        choices=list(vocabulary.DELIVERY_MODES.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    notify_messages = forms.BooleanField(
        label=_("Email a notice when a person you are in contact with writes again"),
        help_text=_("To your organisation's notification address; it says only that a "
                    "message is waiting, never who wrote or what."),
        required=False,
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
        service = self.instance
        self.fields["languages"].choices = language_choices(service.languages)
        self.fields["service_areas"].choices = area_choices(service.organization.country,
                                                            service.service_areas)
        if not self.is_bound:
            self.initial["notify_messages"] = "messages" in service.referral_channels
        self.fields["waitlist_weeks"].widget.attrs.update({"min": 1, "max": 104})
        self.fields["reply_days"].widget.attrs.update({"min": 1, "max": REPLY_DAYS_MAX})
        self.fields["reply_days"].error_messages.update({
            "min_value": _("Give at least one working day."),
            "max_value": _("Give at most %(limit_value)s working days."),
        })

    def referral_channels(self) -> list[str]:
        """The service's channels with the message notice on or off as chosen."""
        channels = [channel for channel in self.instance.referral_channels
                    if channel != "messages"]
        return channels + (["messages"] if self.cleaned_data["notify_messages"] else [])

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
