"""What editors publish: pathways, their steps and exercises, pages, helplines and the
self-check.

Structure (keys, order, numbers) lives in one row per item; its words live in one row per
language. Pathway, step and page texts go through the publishing workflow: the editable fields
are the draft, and `live` holds what visitors see, copied there on publish and kept as a
revision. A text that has never been published has no `live` and does not exist for visitors.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from helpportal.vocabulary import Audience

from .sanitize import sanitize_html

LANGUAGE_CHOICES = settings.LANGUAGES


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class PublishedQuerySet(models.QuerySet):
    def published(self):
        """What a visitor may see: texts that have been published and not withdrawn."""
        return self.filter(live__isnull=False)


class StatusQuerySet(models.QuerySet):
    """Helplines and self-check questions: rows without a draft copy, shown by status."""

    def published(self):
        """What a visitor may see: rows whose status is Published."""
        return self.filter(status=Status.PUBLISHED)


class Publishable(models.Model):
    """A text with a draft (its fields) and a published copy (`live`)."""

    PUBLISHED_FIELDS: tuple[str, ...] = ()
    HTML_FIELDS: tuple[str, ...] = ()

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to publish by hand. A text in review is published at this time."),
    )
    live = models.JSONField(_("published version"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        for field in self.HTML_FIELDS:
            setattr(self, field, sanitize_html(getattr(self, field)))
        super().save(*args, **kwargs)

    def draft_data(self) -> dict:
        return {field: getattr(self, field) for field in self.PUBLISHED_FIELDS}

    def has_unpublished_changes(self) -> bool:
        return self.live != self.draft_data()


class Pathway(models.Model):
    key = models.SlugField(_("key"), unique=True)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("pathway")
        verbose_name_plural = _("pathways")

    def __str__(self):
        return self.key


class PathwayText(Publishable):
    PUBLISHED_FIELDS = ("title", "summary", "intro")
    HTML_FIELDS = ("intro",)

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    intro = models.TextField(_("introduction"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "language"], name="one_pathway_text_per_language"
            )
        ]
        verbose_name = _("pathway text")
        verbose_name_plural = _("pathway texts")

    def __str__(self):
        return f"{self.pathway.key} [{self.language}]"


class Step(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="steps")
    key = models.SlugField(_("key"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=3)

    class Meta:
        ordering = ["pathway", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "key"], name="unique_step_key_in_pathway")
        ]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self):
        return f"{self.pathway.key}/{self.key}"


class StepText(Publishable):
    PUBLISHED_FIELDS = ("title", "body")
    HTML_FIELDS = ("body",)

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "language"], name="one_step_text_per_language")
        ]
        verbose_name = _("step text")
        verbose_name_plural = _("step texts")

    def __str__(self):
        return f"{self.step} [{self.language}]"


class Exercise(models.Model):
    """A "Try this" of a step: a question with a place to write. What a visitor writes stays
    in their browser (with JavaScript) or goes only into the printable page they asked for;
    it is never stored here. An exercise with a plan section also appears on the pathway's
    personal plan page, in that section."""

    class Plan(models.TextChoices):
        NONE = "", _("Not part of the personal plan")
        REASONS = "reasons", _("My reasons")
        WARNING_SIGNS = "warning-signs", _("Warning signs and high-risk situations")
        INSTEAD = "instead", _("What I do instead")
        PEOPLE = "people", _("People I can contact")
        PROFESSIONAL_HELP = "professional-help", _("Professional help")

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="exercises")
    key = models.SlugField(_("key"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    plan = models.CharField(
        _("plan section"),
        max_length=20,
        choices=Plan.choices,
        blank=True,
        default="",
        help_text=_("The section of the personal plan this answer belongs to, if any."),
    )

    class Meta:
        ordering = ["step", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["step", "key"], name="unique_exercise_key_in_step")
        ]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")

    def __str__(self):
        return f"{self.step}/{self.key}"


class ExerciseText(Publishable):
    PUBLISHED_FIELDS = ("question", "hint", "why")

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    question = models.CharField(_("question"), max_length=300)
    hint = models.TextField(
        _("hint"), blank=True, help_text=_("How to answer, and what not to write (no names).")
    )
    why = models.CharField(
        _("why it helps"), max_length=300, blank=True, help_text=_("One sentence.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "language"], name="one_exercise_text_per_language"
            )
        ]
        verbose_name = _("exercise text")
        verbose_name_plural = _("exercise texts")

    def __str__(self):
        return f"{self.exercise} [{self.language}]"


class Page(models.Model):
    class Key(models.TextChoices):
        ABOUT = "about", _("About")
        PRIVACY = "privacy", _("Privacy")
        CONFIDENTIALITY = "confidentiality", _("Confidentiality")
        BROWSING = "browsing-privately", _("Browsing more privately")
        URGENT = "urgent-help", _("Urgent help")
        PROFESSIONALS = "professionals", _("For professionals")
        REPORTING = "will-you-report-me", _("Will you report me?")

    key = models.SlugField(_("key"), unique=True, choices=Key.choices)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("With neutral titles on, a sensitive page has a neutral browser title."),
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self):
        return self.key


class PageText(Publishable):
    PUBLISHED_FIELDS = ("title", "summary", "body")
    HTML_FIELDS = ("body",)

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "language"], name="one_page_text_per_language")
        ]
        verbose_name = _("page text")
        verbose_name_plural = _("page texts")

    def __str__(self):
        return f"{self.page.key} [{self.language}]"


class Revision(models.Model):
    """A published version of a text, kept at each publish; revert copies one back."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self):
        """Named by its item and language, who published it and the day: "Step
        helping/first-step [fi], by anna, 1 Dec 2026"."""
        model = self.content_type.model_class()
        kind = model._meta.verbose_name.capitalize() if model is not None else ""
        target = self.target
        name = str(target) if target is not None else _("(deleted)")
        by = self.created_by.get_username() if self.created_by else _("the schedule")
        day = formats.date_format(self.created_at, "SHORT_DATE_FORMAT")
        return _("%(kind)s %(name)s, by %(by)s, %(day)s") % {
            "kind": kind, "name": name, "by": by, "day": day}


class Helpline(models.Model):
    key = models.SlugField(_("key"), unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    web = models.URLField(_("web address"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    audiences = models.JSONField(_("audiences"), default=list, blank=True)
    demo = models.BooleanField(
        _("demo"), default=False, help_text=_("Shown as 'Demo service: not a real provider'.")
    )
    last_verified = models.DateField(_("last verified"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )

    objects = StatusQuerySet.as_manager()

    class Meta:
        ordering = ["country", "key"]
        verbose_name = _("helpline")
        verbose_name_plural = _("helplines")

    def __str__(self):
        return self.key


class HelplineText(models.Model):
    helpline = models.ForeignKey(Helpline, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    name = models.CharField(_("name"), max_length=200)
    hours = models.CharField(_("hours"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["helpline", "language"], name="one_helpline_text_per_language"
            )
        ]

    def __str__(self):
        return f"{self.helpline.key} [{self.language}]"


class SelfCheckQuestion(models.Model):
    key = models.SlugField(_("key"), unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )

    objects = StatusQuerySet.as_manager()

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("self-check question")
        verbose_name_plural = _("self-check questions")

    def __str__(self):
        return self.key


class SelfCheckQuestionText(models.Model):
    question = models.ForeignKey(SelfCheckQuestion, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    text = models.CharField(_("question"), max_length=300)
    hint = models.CharField(_("hint"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "language"], name="one_question_text_per_language"
            )
        ]

    def __str__(self):
        return f"{self.question_id} [{self.language}]"


class SelfCheckOption(models.Model):
    question = models.ForeignKey(
        SelfCheckQuestion, on_delete=models.CASCADE, related_name="options"
    )
    key = models.SlugField(_("key"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    pathway = models.ForeignKey(
        Pathway,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("The pathway this answer points to; the first answer with one decides."),
    )
    urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("This answer puts urgent help first.")
    )

    class Meta:
        ordering = ["question", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="unique_option_key")
        ]

    def __str__(self):
        return f"{self.question.key}={self.key}"


class SelfCheckOptionText(models.Model):
    option = models.ForeignKey(SelfCheckOption, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    text = models.CharField(_("answer"), max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["option", "language"], name="one_option_text_per_language"
            )
        ]

    def __str__(self):
        return f"{self.option_id} [{self.language}]"


class SelfCheckText(models.Model):
    """The self-check's own title and introduction, per language."""

    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, unique=True)
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)

    def __str__(self):
        return self.language

    def save(self, *args, **kwargs):
        self.intro = sanitize_html(self.intro)
        super().save(*args, **kwargs)


class ContentVersion(models.Model):
    """One row whose number goes up whenever content a public page shows changes: the key of
    the rendered pages (helpportal/renders.py)."""

    number = models.PositiveBigIntegerField(default=1)

    def __str__(self):
        return str(self.number)


class CampaignQuerySet(models.QuerySet):
    def published(self):
        """What a visitor may see: campaign pages marked active."""
        return self.filter(active=True)


class Campaign(models.Model):
    """A deterrence landing page at /<language>/go/<slug>/ that a platform or search engine
    links or redirects people to. One row per slug and language; the same slug in every
    language is one campaign, counted together (docs/platforms.md)."""

    slug = models.SlugField(
        _("address"),
        max_length=40,
        validators=[
            RegexValidator(r"^[a-z0-9-]{1,40}\Z", _("Use lower-case letters, digits and hyphens."))
        ],
        help_text=_("The last part of the address: /<language>/go/<address>/. Lower-case letters, "
                    "digits and hyphens; the same in every language."),
    )
    name = models.CharField(
        _("name"), max_length=200, help_text=_("For staff only, e.g. the platform and purpose.")
    )
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(
        _("message"),
        help_text=_("Name the harm and the consequences plainly, then offer help. See "
                    "docs/platforms.md for what works."),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["slug", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "language"], name="one_campaign_text_per_language"
            )
        ]
        verbose_name = _("campaign landing page")
        verbose_name_plural = _("campaign landing pages")

    def __str__(self):
        return f"{self.slug} [{self.language}]"

    def save(self, *args, **kwargs):
        self.message = sanitize_html(self.message)
        super().save(*args, **kwargs)
