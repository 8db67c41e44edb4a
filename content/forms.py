import nh3
from django import forms
from django.utils.translation import gettext_lazy as _
from django_prose_editor.widgets import AdminProseEditorWidget

from .sanitize import sanitize_html
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


TEXT_MAX_LENGTH = 20_000  # characters of cleaned HTML in one body


class PublishableTextForm(forms.ModelForm):
    """The editors' form of a text (content/admin.py): its HTML fields are written in a rich
    text editor limited to the tags the sanitiser keeps (content/sanitize.py), so nobody types
    HTML; what is pasted (from Word or a web page) is cleaned by the same sanitiser on save. A
    field that is empty once cleaned, or longer than TEXT_MAX_LENGTH, is refused beside it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self._meta.model.HTML_FIELDS:
            if name in self.fields:
                self.fields[name].widget = rich_text_widget()
        publish_at = self.fields.get("publish_at")
        if publish_at is not None and hasattr(publish_at.widget, "widgets"):
            # The admin's date and time boxes, each named, not only the pair.
            date, time = publish_at.widget.widgets
            date.attrs["aria-label"] = _("Publish at: date")
            time.attrs["aria-label"] = _("Publish at: time")

    def clean(self):
        cleaned = super().clean()
        for name in self._meta.model.HTML_FIELDS:
            if name not in cleaned:
                continue
            value = sanitize_html(cleaned[name])
            if not nh3.clean(value, tags=set()).strip():
                self.add_error(name, _("Write the text: once cleaned of formatting, it is "
                                       "empty."))
            elif len(value) > TEXT_MAX_LENGTH:
                self.add_error(name, _(
                    "This text is too long: at most %(limit)s characters with its "
                    "formatting, and it has %(length)s. Split it, or shorten it."
                ) % {"limit": TEXT_MAX_LENGTH, "length": len(value)})
            else:
                cleaned[name] = value
        return cleaned


# The editor's tools: exactly what content/sanitize.py keeps (paragraphs, line breaks, bold,
# italic, headings 2 and 3, lists, quotes, links to http(s), mailto and tel addresses).
RICH_TEXT_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"protocols": ["http", "https", "mailto", "tel"], "enableTarget": False},
    "History": True,
}


class RichTextWidget(AdminProseEditorWidget):
    """django-prose-editor's admin widget, and static/js/staff-editor.js, which gives the
    editor its field's name."""

    @property
    def media(self):
        return super().media + forms.Media(js=["js/staff-editor.js"])


def rich_text_widget() -> RichTextWidget:
    return RichTextWidget(config={"extensions": RICH_TEXT_EXTENSIONS}, preset="configurable")
