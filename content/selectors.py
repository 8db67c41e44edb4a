"""Reads for visitors: only published content, in the visitor's language or else English."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch

from helpportal.renders import RenderedPages

from .models import (
    Campaign,
    ContentVersion,
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
class StepView:
    step: Step
    number: int
    text: Shown


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
            Prefetch("steps", queryset=Step.objects.prefetch_related(_published_texts(StepText))),
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
        if step_text is not None:
            view.steps.append(StepView(step=step, number=len(view.steps) + 1, text=step_text))
    return view


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


@dataclass
class SelfCheckResult:
    pathway_key: str | None
    urgent: bool


def selfcheck_route(*, selfcheck: SelfCheckView, answers: dict[str, str]) -> SelfCheckResult:
    """The first chosen answer (in question order) with a pathway names it; any urgent answer
    puts urgent help first. Answers are already validated against the questions."""
    pathway_key = None
    urgent = False
    for question in selfcheck.questions:
        chosen = next((o for o in question.options if o.key == answers.get(question.key)), None)
        if chosen is None:
            continue
        if pathway_key is None and chosen.pathway_key:
            pathway_key = chosen.pathway_key
        urgent = urgent or chosen.urgent
    return SelfCheckResult(pathway_key=pathway_key, urgent=urgent)


PREVIEW_TEXTS = {"pathway": PathwayText, "step": StepText, "page": PageText}


@dataclass
class Preview:
    template: str
    context: dict
    language: str


def preview_get(*, kind: str, pk: int) -> Preview | None:
    """A draft text (of `kind`: pathway, step or page) in its page as a visitor would see it
    once published: the draft stands in for the text, the rest is what visitors see now."""
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
    view = pathway_get(key=text.step.pathway.key, language=text.language)
    steps = list(view.steps) if view else []
    number = next((s.number for s in steps if s.step.pk == text.step.pk), len(steps) + 1)
    shown = StepView(step=text.step, number=number, text=draft)
    steps = [shown if s.step.pk == text.step.pk else s for s in steps] or [shown]
    context.update(
        pathway=PathwayView(
            pathway=text.step.pathway, text=view.text if view else draft, steps=steps
        ),
        step=shown,
        previous=steps[number - 2] if number > 1 and number - 2 < len(steps) else None,
        next=steps[number] if number < len(steps) else None,
    )
    return Preview("content/step.html", context, text.language)
