from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import SelfCheckView


class SelfCheckForm(forms.Form):
    """One required choice per published question; built from the questions themselves."""

    def __init__(self, *args, selfcheck: SelfCheckView, **kwargs):
        super().__init__(*args, **kwargs)
        self.selfcheck = selfcheck
        for question in selfcheck.questions:
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                help_text=question.hint,
                choices=[(option.key, option.text) for option in question.options],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Please choose one answer to this question."),
                    "invalid_choice": _(
                        "That answer is not one of the choices. Please choose again."
                    ),
                },
            )


NO_HELPLINES = _(
    "We have no helplines listed for that country yet. The emergency numbers above still work."  # noqa: E501
)


class CountryForm(forms.Form):
    country = forms.ChoiceField(label=_("Your country"), required=False)

    def __init__(self, *args, countries: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Choose a country")), *countries]
        self.fields["country"].error_messages["invalid_choice"] = NO_HELPLINES
