"""Reads for visitors: only published content, in the visitor's language or else English; and,
at the end, the editors' reads: what a revision changed, and translations in step."""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import nh3
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from helpportal.renders import RenderedPages

from .models import (
    Campaign,
    ContentVersion,
    Exercise,
    ExerciseText,
    Helpline,
    Page,
    PageText,
    Pathway,
    PathwayText,
    SelfCheckQuestion,
    SelfCheckText,
    Step,
    StepText,
)

# Rendered public pages, kept until content they show changes (helpportal/renders.py; the
# models watched are listed in apps.py).
PAGES = RenderedPages("content", ContentVersion)


def forget_local() -> None:
    """Drop what this process remembers of versions and rendered pages."""
    PAGES.forget_local()


@dataclass
class Shown:
    """A text as a visitor sees it, and whether it is the English stand-in."""

    fields: dict
    language: str
    fallback: bool

    def __getattr__(self, name):
        try:
            return self.fields[name]
        except KeyError:
            raise AttributeError(name) from None


def in_language(texts: Iterable, language: str):
    """The one of `texts` (rows with a `language`) in the visitor's language, else the one in
    English (settings.LANGUAGE_CODE), else None. The caller tells a stand-in by its language."""
    by_language = {text.language: text for text in texts}
    return by_language.get(language) or by_language.get(settings.LANGUAGE_CODE)


def _pick(texts, language: str) -> Shown | None:
    """`texts` are published ones (prefetched through `.published()`)."""
    text = in_language(texts, language)
    if text is None:
        return None
    return Shown(fields=dict(text.live), language=text.language, fallback=text.language != language)


@dataclass
class ExerciseView:
    """An exercise as a visitor sees it. `name` is its form field (the step's key and its own:
    unique within a pathway); `store` is what the page's script hashes into the opaque id
    under which, with JavaScript, the answer is kept in the browser."""

    exercise: Exercise
    text: Shown
    step_key: str
    step_number: int
    pathway_key: str

    @property
    def name(self) -> str:
        return f"{self.step_key}.{self.exercise.key}"

    @property
    def store(self) -> str:
        return f"{self.pathway_key}/{self.step_key}/{self.exercise.key}"

    @property
    def in_plan(self) -> bool:
        return bool(self.exercise.plan)


@dataclass
class StepView:
    step: Step
    number: int
    text: Shown
    exercises: list[ExerciseView] = field(default_factory=list)

    @property
    def in_plan(self) -> bool:
        return any(exercise.in_plan for exercise in self.exercises)


@dataclass
class PathwayView:
    pathway: Pathway
    text: Shown
    steps: list[StepView] = field(default_factory=list)

    @property
    def key(self):
        return self.pathway.key

    @property
    def total_minutes(self):
        return sum(step.step.minutes for step in self.steps)

    @property
    def exercises(self) -> list[ExerciseView]:
        return [exercise for step in self.steps for exercise in step.exercises]

    @property
    def has_plan(self) -> bool:
        return any(exercise.in_plan for exercise in self.exercises)


def _published_texts(model):
    return Prefetch("texts", queryset=model.objects.published())


def pathway_list(*, language: str) -> list[PathwayView]:
    views = []
    for pathway in Pathway.objects.prefetch_related(_published_texts(PathwayText)):
        text = _pick(pathway.texts.all(), language)
        if text is not None:
            views.append(PathwayView(pathway=pathway, text=text))
    return views


def pathway_get(*, key: str, language: str) -> PathwayView | None:
    pathway = (
        Pathway.objects.filter(key=key)
        .prefetch_related(
            _published_texts(PathwayText),
            Prefetch(
                "steps",
                queryset=Step.objects.prefetch_related(
                    _published_texts(StepText),
                    Prefetch(
                        "exercises",
                        queryset=Exercise.objects.prefetch_related(
                            _published_texts(ExerciseText)
                        ),
                    ),
                ),
            ),
        )
        .first()
    )
    if pathway is None:
        return None
    text = _pick(pathway.texts.all(), language)
    if text is None:
        return None
    view = PathwayView(pathway=pathway, text=text)
    for step in pathway.steps.all():
        step_text = _pick(step.texts.all(), language)
        if step_text is None:
            continue
        shown = StepView(step=step, number=len(view.steps) + 1, text=step_text)
        for exercise in step.exercises.all():
            exercise_text = _pick(exercise.texts.all(), language)
            if exercise_text is not None:
                shown.exercises.append(ExerciseView(
                    exercise=exercise, text=exercise_text, step_key=step.key,
                    step_number=shown.number, pathway_key=pathway.key))
        view.steps.append(shown)
    return view


@dataclass
class PlanSection:
    key: str
    label: str
    exercises: list[ExerciseView]


def plan_sections(pathway: PathwayView) -> list[PlanSection]:
    """The personal plan of a pathway: its exercises that belong to a plan section, grouped
    in the sections' fixed order (reasons, warning signs, what instead, people, professional
    help); a section no exercise belongs to is left out."""
    sections = []
    for value, label in Exercise.Plan.choices:
        if not value:
            continue
        found = [exercise for exercise in pathway.exercises if exercise.exercise.plan == value]
        if found:
            sections.append(PlanSection(key=value, label=label, exercises=found))
    return sections


def page_get(*, key: str, language: str) -> tuple[Page, Shown] | None:
    page = Page.objects.filter(key=key).prefetch_related(_published_texts(PageText)).first()
    if page is None:
        return None
    text = _pick(page.texts.all(), language)
    return (page, text) if text is not None else None


@dataclass
class HelplineView:
    helpline: Helpline
    name: str
    hours: str


def helpline_countries() -> list[str]:
    return sorted(set(Helpline.objects.published().values_list("country", flat=True)))


# The country whose helplines the urgent-help page suggests before a visitor chooses one:
# the country of the page's language, never guessed from the visitor's address. English is
# read in many countries, so it suggests none. An organisation serving another country adds
# or changes a line here (docs/content.md).
SUGGESTED_COUNTRY = {"fi": "FI", "sv": "SE"}


def helpline_country_suggested(*, language: str) -> str:
    """The language's country if it has published helplines, else ""."""
    country = SUGGESTED_COUNTRY.get(language, "")
    if country and Helpline.objects.published().filter(country=country).exists():
        return country
    return ""


def helpline_list(*, country: str, language: str) -> list[HelplineView]:
    views = []
    for helpline in Helpline.objects.published().filter(country=country).prefetch_related("texts"):
        text = in_language(helpline.texts.all(), language)
        if text is not None:
            views.append(HelplineView(helpline=helpline, name=text.name, hours=text.hours))
    return views


def campaign_get(*, slug: str, language: str) -> Campaign | None:
    """The published campaign text in the language, else in English, else in any language (a
    campaign may exist only in the language of the platform that links to it)."""
    texts = list(Campaign.objects.published().filter(slug=slug))
    return in_language(texts, language) or next(iter(texts), None)


@dataclass
class OptionView:
    key: str
    text: str
    pathway_key: str | None
    urgent: bool


@dataclass
class QuestionView:
    key: str
    text: str
    hint: str
    options: list[OptionView]


@dataclass
class SelfCheckView:
    title: str
    intro: str
    questions: list[QuestionView]
    fallback: bool


def selfcheck_get(*, language: str) -> SelfCheckView | None:
    questions = (
        SelfCheckQuestion.objects.published()
        .prefetch_related("texts", "options__texts", "options__pathway")
        .order_by("order", "key")
    )
    chosen = in_language(SelfCheckText.objects.all(), language)
    if chosen is None:
        return None
    fallback = chosen.language != language
    views = []
    for question in questions:
        text = in_language(question.texts.all(), language)
        if text is None:
            continue
        fallback = fallback or text.language != language
        options = []
        for option in question.options.all():
            option_text = in_language(option.texts.all(), language)
            if option_text is None:
                continue
            options.append(
                OptionView(
                    key=option.key,
                    text=option_text.text,
                    urgent=option.urgent,
                    pathway_key=option.pathway.key if option.pathway else None,
                )
            )
        views.append(
            QuestionView(key=question.key, text=text.text, hint=text.hint, options=options)
        )
    return SelfCheckView(title=chosen.title, intro=chosen.intro, questions=views, fallback=fallback)


# What the self-check's result suggests first (selfcheck_route).
PROFESSIONAL = "professional"
SELF_HELP = "self-help"
BOTH = "both"

# Why, as the end of "Because you said ...": one clause per answer that counts, keyed by
# (question, answer). Written so that any two join with "and" (SELFCHECK_AND).
SELFCHECK_REASONS = {
    ("happened", "never"): _("it has only been thoughts or a worry so far"),
    ("happened", "regularly"): _("this happens regularly"),
    ("offline-worry", "a-lot"): _("you worry a lot that a child could be harmed offline"),
    ("offline-worry", "might-act-soon"): _("you fear a child could be harmed soon"),
    ("feeling", "low"): _("you are feeling low, anxious or ashamed"),
    ("feeling", "desperate"): _("you are feeling desperate right now"),
    ("help-before", "tried"): _("help you had before did not work out for you"),
    ("help-before", "in-treatment"): _("you are getting help now"),
    ("want", "talk"): _("you would like to talk to someone"),
    ("want", "read"): _("you would like to read and try things on your own"),
    ("want", "both"): _("you would like both to talk to someone and to read on your own"),
}
SELFCHECK_AND = _("%(first)s and %(second)s")
SELFCHECK_BECAUSE = {
    PROFESSIONAL: _("Because you said %(reasons)s, we suggest contacting a service first; "
                    "the steps below can help meanwhile."),
    SELF_HELP: _("Because you said %(reasons)s, we suggest starting with the steps below; a "
                 "service is there whenever you would like to talk to someone."),
    BOTH: _("Because you said %(reasons)s, we suggest doing both: talking to a professional "
            "and working through the steps below."),
}
SELFCHECK_BOTH_ANYWAY = _("From your answers, we suggest doing both: talking to a professional "
                          "and working through the steps below, in whatever order suits you.")


@dataclass
class SelfCheckResult:
    pathway_key: str | None
    urgent: bool
    recommendation: str = BOTH  # PROFESSIONAL, SELF_HELP or BOTH
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (question, answer), <= 2

    @property
    def professional_first(self) -> bool:
        return self.recommendation == PROFESSIONAL

    @property
    def why(self) -> str:
        """One translated sentence saying what is suggested first and why."""
        clauses = [str(SELFCHECK_REASONS[reason]) for reason in self.reasons]
        if not clauses:
            return str(SELFCHECK_BOTH_ANYWAY)
        joined = clauses[0] if len(clauses) == 1 else str(SELFCHECK_AND) % {
            "first": clauses[0], "second": clauses[1]}
        return str(SELFCHECK_BECAUSE[self.recommendation]) % {"reasons": joined}


# Answers that point to a professional first, and those that point to the steps first.
_PROFESSIONAL_STRONG = {("happened", "regularly"), ("offline-worry", "a-lot"),
                        ("offline-worry", "might-act-soon"), ("feeling", "desperate"),
                        ("want", "talk")}
_PROFESSIONAL_TOO = {("feeling", "low"), ("help-before", "tried")}
_SELF_HELP = {("happened", "never"), ("want", "read")}
_BOTH = {("want", "both"), ("help-before", "in-treatment")}


def selfcheck_route(*, selfcheck: SelfCheckView, answers: dict[str, str]) -> SelfCheckResult:
    """The one routing rule of the self-check. `answers` holds only the questions answered
    (already validated; "Prefer not to say" and missing questions are absent).

    - Pathway: the first chosen answer, in question order, that names a pathway (the "who"
      question). Urgent help comes first if any chosen answer is marked urgent.
    - What comes first, from every other answer:
      * both, if the visitor wants both (want=both) or already gets help (in-treatment);
      * professional help first, if an answer says this happens regularly, a lot of (or an
        acute) fear of a child being harmed offline, feeling desperate, or wanting to talk to
        someone (want=talk), unless the visitor would rather read on their own (want=read):
        then both, so their wish is respected and a service is still suggested;
      * both, if the only reasons are softer ones (feeling low, earlier help that did not
        work out), alone or with a wish to read;
      * self-help first, if the only reasons are that it has been thoughts so far
        (happened=never) or a wish to read (want=read);
      * both, if no answer gives a reason (only the first question answered, "not sure").
    - Why: at most two reasons, the first in question order that led there and the wish
      (want) if it was given, so the sentence stays short.
    """
    pathway_key = None
    urgent = False
    chosen_pairs = []
    for question in selfcheck.questions:
        chosen = next((o for o in question.options if o.key == answers.get(question.key)), None)
        if chosen is None:
            continue
        if pathway_key is None and chosen.pathway_key:
            pathway_key = chosen.pathway_key
        urgent = urgent or chosen.urgent
        chosen_pairs.append((question.key, chosen.key))

    strong = [p for p in chosen_pairs if p in _PROFESSIONAL_STRONG]
    softer = [p for p in chosen_pairs if p in _PROFESSIONAL_TOO]
    own = [p for p in chosen_pairs if p in _SELF_HELP]
    both = [p for p in chosen_pairs if p in _BOTH]
    wants_to_read = ("want", "read") in own
    if both:
        recommendation, led = BOTH, [*strong, *softer, *both, *own]
    elif strong and not wants_to_read:
        recommendation, led = PROFESSIONAL, strong
    elif strong or softer:
        recommendation, led = BOTH, [*strong, *softer, *own]
    elif own:
        recommendation, led = SELF_HELP, own
    else:
        recommendation, led = BOTH, []
    return SelfCheckResult(
        pathway_key=pathway_key,
        urgent=urgent,
        recommendation=recommendation,
        reasons=_two_reasons([p for p in chosen_pairs if p in led]),
    )


def _two_reasons(led: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The first reason that is not the wish, then the wish if given (else the next one)."""
    wish = [p for p in led if p[0] == "want"]
    others = [p for p in led if p[0] != "want"]
    return (others[:1] + wish[:1]) if wish else others[:2]


PREVIEW_TEXTS = {
    "pathway": PathwayText,
    "step": StepText,
    "page": PageText,
    "exercise": ExerciseText,
}


@dataclass
class Preview:
    template: str
    context: dict
    language: str


def preview_get(*, kind: str, pk: int) -> Preview | None:
    """A draft text (of `kind`: pathway, step, page or exercise) in its page as a visitor would
    see it once published: the draft stands in for the text, the rest is what visitors see
    now. An exercise is shown in its step."""
    model = PREVIEW_TEXTS.get(kind)
    text = model.objects.filter(pk=pk).first() if model is not None else None
    if text is None:
        return None
    draft = Shown(fields=text.draft_data(), language=text.language, fallback=False)
    context = {"preview": True, "sensitive": True}
    if kind == "page":
        context.update(page=text.page, text=draft)
        return Preview("content/page.html", context, text.language)
    if kind == "pathway":
        view = pathway_get(key=text.pathway.key, language=text.language)
        steps = view.steps if view else []
        context["pathway"] = PathwayView(pathway=text.pathway, text=draft, steps=steps)
        return Preview("content/pathway.html", context, text.language)
    step = text.exercise.step if kind == "exercise" else text.step
    view = pathway_get(key=step.pathway.key, language=text.language)
    steps = list(view.steps) if view else []
    number = next((s.number for s in steps if s.step.pk == step.pk), len(steps) + 1)
    current = next((s for s in steps if s.step.pk == step.pk), None)
    if kind == "exercise":
        exercises = [e for e in current.exercises if e.exercise.pk != text.exercise.pk] \
            if current else []
        exercises.append(ExerciseView(exercise=text.exercise, text=draft, step_key=step.key,
                                      step_number=number, pathway_key=step.pathway.key))
        exercises.sort(key=lambda e: (e.exercise.order, e.exercise.key))
        if current is None:
            return None  # an exercise of a step with no published text has no page to show in
        shown = StepView(step=step, number=number, text=current.text, exercises=exercises)
    else:
        shown = StepView(step=step, number=number, text=draft,
                         exercises=current.exercises if current else [])
    steps = [shown if s.step.pk == step.pk else s for s in steps] or [shown]
    context.update(
        pathway=PathwayView(
            pathway=step.pathway, text=view.text if view else draft, steps=steps
        ),
        step=shown,
        previous=steps[number - 2] if number > 1 and number - 2 < len(steps) else None,
        next=steps[number] if number < len(steps) else None,
    )
    return Preview("content/step.html", context, text.language)


# ---------------------------------------------------------------------------------------------
# Reads for editors: what a revision changed, and whether translations keep up with English.

SOURCE_LANGUAGE = "en"  # what every other language translates (docs/content.md)
_BLOCK_END = re.compile(r"(</(?:p|li|h2|h3|blockquote|ul|ol)>|<br\s*/?>)")


def _lines(value) -> list[str]:
    """A field's text as the lines an editor reads: one per paragraph, list item or heading,
    without markup."""
    text = _BLOCK_END.sub(r"\1\n", str(value or ""))
    return [line for line in (nh3.clean(part, tags=set()).strip() for part in text.split("\n"))
            if line]


@dataclass
class DiffRow:
    left: str
    right: str
    change: str  # "same", "changed", "removed" (only on the left), "added" (only on the right)


@dataclass
class FieldDiff:
    name: str
    label: str
    rows: list[DiffRow]
    changed: bool


def text_differences(model, before: dict, after: dict) -> list[FieldDiff]:
    """Each published field of `model` side by side, `before` on the left and `after` on the
    right, line by line (difflib), with what changed marked."""
    differences = []
    for name in model.PUBLISHED_FIELDS:
        left, right = _lines(before.get(name)), _lines(after.get(name))
        rows = []
        matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                rows += [DiffRow(line, line, "same") for line in left[i1:i2]]
                continue
            olds, news = left[i1:i2], right[j1:j2]
            for index in range(max(len(olds), len(news))):
                old = olds[index] if index < len(olds) else ""
                new = news[index] if index < len(news) else ""
                change = "changed" if old and new else ("removed" if old else "added")
                rows.append(DiffRow(old, new, change))
        differences.append(FieldDiff(
            name=name, label=str(model._meta.get_field(name).verbose_name), rows=rows,
            changed=any(row.change != "same" for row in rows),
        ))
    return differences


# Each kind of text with a publishing workflow: the field naming its item, and a label.
TRANSLATED = {
    PathwayText: ("pathway", _("Pathway")),
    StepText: ("step", _("Step")),
    ExerciseText: ("exercise", _("Exercise")),
    PageText: ("page", _("Page")),
}


def source_of(text):
    """The published English text a translation translates, or None (English itself, or no
    English published)."""
    if text.language == SOURCE_LANGUAGE:
        return None
    item_field = TRANSLATED[type(text)][0]
    return (type(text).objects.published()
            .filter(**{item_field: getattr(text, f"{item_field}_id")},
                    language=SOURCE_LANGUAGE).first())


def is_out_of_date(text, source=None) -> bool:
    """A published translation whose English source changed after the translation was last
    published: the English text visitors read now is not the one it was published beside.
    Publishing English again without a change leaves it current."""
    if text.language == SOURCE_LANGUAGE or text.live is None or text.published_at is None:
        return False
    source = source if source is not None else source_of(text)
    if source is None or source.published_at is None or source.published_at <= text.published_at:
        return False
    from .models import Revision

    beside = (Revision.objects.filter(content_type=ContentType.objects.get_for_model(source),
                                      object_id=source.pk,
                                      created_at__lte=text.published_at)
              .order_by("-created_at", "-id").first())
    return beside is None or beside.data != source.live


class Translation:
    MISSING = "missing"
    OUT_OF_DATE = "out_of_date"
    CURRENT = "current"


@dataclass
class TranslationRow:
    kind: str
    item: object
    language: str
    state: str
    text: object = None  # the text in that language, if there is one (published or not)


def translation_status() -> list[TranslationRow]:
    """Every item with a publishing workflow in every language of the site: missing (nothing
    published in that language), out of date (is_out_of_date) or current. English is the
    source: it is missing or current."""
    rows = []
    languages = [code for code, _name in settings.LANGUAGES]
    for model, (item_field, label) in TRANSLATED.items():
        items = model._meta.get_field(item_field).related_model.objects.all()
        if model is StepText:
            items = items.select_related("pathway")
        if model is ExerciseText:
            items = items.select_related("step__pathway")
        texts = {}
        for text in model.objects.select_related(item_field):
            texts[(getattr(text, f"{item_field}_id"), text.language)] = text
        for item in sorted(items, key=str):
            source = texts.get((item.pk, SOURCE_LANGUAGE))
            source = source if source is not None and source.live is not None else None
            for language in languages:
                text = texts.get((item.pk, language))
                if text is None or text.live is None:
                    state = Translation.MISSING
                elif language != SOURCE_LANGUAGE and source is not None and is_out_of_date(
                        text, source):
                    state = Translation.OUT_OF_DATE
                else:
                    state = Translation.CURRENT
                rows.append(TranslationRow(kind=str(label), item=item, language=language,
                                           state=state, text=text))
    return rows


def translation_summary(rows: list[TranslationRow]) -> dict[str, dict[str, int]]:
    """Per language: how many are missing, out of date and current."""
    summary = {code: {Translation.MISSING: 0, Translation.OUT_OF_DATE: 0,
                      Translation.CURRENT: 0} for code, _name in settings.LANGUAGES}
    for row in rows:
        summary[row.language][row.state] += 1
    return summary
