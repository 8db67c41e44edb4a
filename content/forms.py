from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import ExerciseView, SelfCheckView


class SelfCheckForm(forms.Form):
    """One choice per published question, built from the questions themselves.

    The first question needs an answer. Every other one also offers "Prefer not to say"
    (`NO_ANSWER`), checked from the start, so a browser that would otherwise send its first
    option (text browsers such as lynx show it as chosen) sends "no answer" instead; a question
    left out of the post altogether counts the same. The routing treats it as not answered.
    An answer that puts urgent help first makes every question optional: a visitor in crisis
    can send the form from that question on and reach urgent help without answering the rest.
    """

    NO_ANSWER = "no-answer"

    def __init__(self, *args, selfcheck: SelfCheckView, **kwargs):
        super().__init__(*args, **kwargs)
        self.selfcheck = selfcheck
        urgent_chosen = self.is_bound and any(
            option.urgent and self.data.get(question.key) == option.key
            for question in selfcheck.questions
            for option in question.options
        )
        for index, question in enumerate(selfcheck.questions):
            choices = [(option.key, option.text) for option in question.options]
            optional = index > 0
            if optional:
                choices.append((self.NO_ANSWER, _("Prefer not to say")))
            field = forms.ChoiceField(
                label=question.text,
                help_text=question.hint,
                choices=choices,
                widget=forms.RadioSelect,
                required=not (optional or urgent_chosen),
                initial=self.NO_ANSWER if optional else None,
                error_messages={
                    "required": _("Please choose one answer to this question."),
                    "invalid_choice": _(
                        "That answer is not one of the choices. Please choose again."
                    ),
                },
            )
            # The answers after which the page offers "Go to urgent help now".
            field.urgent_keys = frozenset(o.key for o in question.options if o.urgent)
            self.fields[question.key] = field

    def answers(self) -> dict[str, str]:
        """The chosen answers, without the questions left unanswered or "Prefer not to say"."""
        return {key: value for key, value in self.cleaned_data.items()
                if value and value != self.NO_ANSWER}


NO_HELPLINES = _(
    "We have no helplines listed for that country yet. The emergency numbers above still work."  # noqa: E501
)


class CountryForm(forms.Form):
    country = forms.ChoiceField(label=_("Your country"), required=False)

    def __init__(self, *args, countries: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Choose a country")), *countries]
        self.fields["country"].error_messages["invalid_choice"] = NO_HELPLINES


class AnswersForm(forms.Form):
    """What a visitor wrote in the exercises of one step, or of a pathway's personal plan, for
    the page (or file) made from it at once. Never saved: the view only renders it back."""

    MAX_LENGTH = 5000
    FORMATS = ("page", "file")

    def __init__(self, *args, exercises: list[ExerciseView], **kwargs):
        super().__init__(*args, **kwargs)
        self.exercises = exercises
        for exercise in exercises:
            self.fields[exercise.name] = forms.CharField(
                label=exercise.text.question,
                help_text=exercise.text.hint,
                required=False,
                max_length=self.MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 5}),
                error_messages={
                    "max_length": _(
                        "Please shorten this answer to %(limit_value)d characters or fewer (it "
                        "has %(show_value)d). Your words are still here, and nothing was kept."
                    ),
                },
            )

    def rows(self) -> list[tuple[ExerciseView, forms.BoundField]]:
        return [(exercise, self[exercise.name]) for exercise in self.exercises]

    def answers(self) -> list[tuple[ExerciseView, str]]:
        return [(exercise, self.cleaned_data.get(exercise.name, "")) for exercise in self.exercises]
