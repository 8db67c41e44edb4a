"""The provider directory, aligned with Open Referral HSDS 3.0.

HSDS names are kept where they exist (organization, service, location, service_area,
language, cost_option, eligibility); lists of codes are JSON arrays, validated against the
code lists in directory/vocabulary.py. The tables keep the names they had when these models
lived in the referrals app (`referrals_*`), so that moving them kept every row.
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from helpportal.vocabulary import Audience

# A usual reply time above this is a typo or no service to promise a frightened person.
REPLY_DAYS_MAX = 30

# Under this age, a visitor counts as a young person: a service whose minimum age is 18 or
# more is not one for them, whatever its audiences say.
ADULT_AGE = 18


class NamedInLanguages:
    """A row with its own name in some of the site's languages, in `texts` (ServiceText,
    OrganizationText): which name a visitor reads."""

    def name_in(self, language: str) -> str:
        """Its name for a visitor reading `language`: its own name in that language if it has
        written one, else its name. A name is not a text that wants translating, so no 'shown
        in English' notice goes with it. `own_names` ({language: name}), where a reader set
        it (directory.selectors.SearchIndex knows every name), saves reading the texts."""
        own_names = self.__dict__.get("own_names")
        if own_names is not None:
            return own_names.get(language) or self.name
        for text in self.texts.all():  # prefetched where many are shown
            if text.language == language and text.name.strip():
                return text.name
        return self.name

    @property
    def local_name(self) -> str:
        """name_in() the language of the page being made (remembered per language)."""
        language = get_language() or settings.LANGUAGE_CODE
        names = self.__dict__.setdefault("_local_names", {})
        if language not in names:
            names[language] = self.name_in(language)
        return names[language]


class Organization(NamedInLanguages, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(
        _("notification email"),
        blank=True,
        help_text=_("Where content-free notices of new referrals go."),
    )
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    demo = models.BooleanField(
        _("demo"), default=False, help_text=_("Shown as 'Demo service: not a real provider'.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "referrals_organization"
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class ServiceQuerySet(models.QuerySet):
    def published(self):
        """What the public directory and API show: active or temporarily closed services."""
        return self.filter(
            published=True,
            status__in=[Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED],
        )


class Service(NamedInLanguages, models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Defunct")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    class Intake(models.TextChoices):
        ACCEPTING = "accepting", _("Accepting new referrals")
        WAITLIST = "waitlist", _("Waiting list")
        CLOSED = "closed", _("Closed to new referrals")

    class Cost(models.TextChoices):
        FREE = "free", _("Free")
        LOW = "low", _("Low cost")
        PAID = "paid", _("Paid")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    intake = models.CharField(
        _("new referrals"), max_length=12, choices=Intake.choices, default=Intake.ACCEPTING
    )
    waitlist_weeks = models.PositiveSmallIntegerField(
        _("waiting list (weeks)"), null=True, blank=True
    )
    reply_days = models.PositiveSmallIntegerField(
        _("usual reply time (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(REPLY_DAYS_MAX)],
        help_text=_("How many working days you usually take to answer a new message. Visitors "
                    "are told when to come back for a reply."),
    )
    delivery_modes = models.JSONField(_("delivery modes"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    service_areas = models.JSONField(_("areas served"), default=list, blank=True)
    cost = models.CharField(_("cost"), max_length=8, choices=Cost.choices, default=Cost.FREE)
    cost_description = models.CharField(_("cost details"), max_length=300, blank=True)
    eligibility_description = models.TextField(_("who can use it"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    audiences = models.JSONField(_("audiences"), default=list, blank=True)
    accepts_anonymous_referrals = models.BooleanField(
        _("accepts anonymous referrals"), default=False
    )
    referral_channels = models.JSONField(
        _("referral channels"),
        default=list,
        blank=True,
        help_text=_("Besides the portal inbox (always): 'email' and/or 'webhook'; 'messages' "
                    "also emails a content-free notice when a person writes again."),
    )
    webhook_url = models.URLField(_("webhook address"), blank=True)
    webhook_secret = models.CharField(
        _("webhook signing secret"), max_length=64, blank=True,
        help_text=_("Shared with the provider; signs every webhook body (HMAC-SHA256)."),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    url = models.URLField(_("web address"), blank=True)
    published = models.BooleanField(_("shown in the directory"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        db_table = "referrals_service"
        ordering = ["organization__name", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.webhook_secret:
            self.webhook_secret = secrets.token_hex(32)
        super().save(*args, **kwargs)

    def serves_audience(self, audience: str) -> bool:
        """Whether it is for `audience`: it names that audience, and for young people its
        minimum age (if any) is under 18; for everyone else its maximum age (if any) is not
        under 18 (a service only for children is not one for adults worried about
        themselves)."""
        if audience not in self.audiences:
            return False
        if audience == Audience.YOUNG_PEOPLE:
            return self.minimum_age is None or self.minimum_age < ADULT_AGE
        return self.maximum_age is None or self.maximum_age >= ADULT_AGE

    def search_facets(self) -> set[tuple[str, str]]:
        """What the public search finds it by, as (kind, code) pairs: each country it serves
        (FI for an area FI-18 too), each language, each way of meeting, each audience it
        serves (serves_audience()) and its cost. directory.selectors.SearchIndex keeps them."""
        return (
            {("country", country) for country in self.countries}
            | {("language", code) for code in self.languages}
            | {("mode", code) for code in self.delivery_modes}
            | {("audience", audience) for audience in Audience.values
               if self.serves_audience(audience)}
            | {("cost", self.cost)}
        )

    @property
    def countries(self) -> list[str]:
        return sorted({area.split("-")[0] for area in self.service_areas})

    @property
    def has_age_limits(self) -> bool:
        """Whether it works only with people of some ages: then its referral form asks the
        visitor to confirm they are of them (referrals.visitor_forms.ReferralForm)."""
        return self.minimum_age is not None or self.maximum_age is not None

    @property
    def takes_referrals_now(self) -> bool:
        return self.status == self.Status.ACTIVE and self.intake != self.Intake.CLOSED

    @property
    def accepts_anonymous_referrals_now(self) -> bool:
        """Whether a visitor may send it an anonymous referral through this site today: it
        says it takes them, and its organisation has a key to seal them to."""
        return (self.published and self.accepts_anonymous_referrals and self.takes_referrals_now
                and self.organization.keys.exists())


class OrganizationText(models.Model):
    """An organisation's own name and description in one of the site's languages, written by
    its managers; where there is none, visitors read its name as it is."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    name = models.CharField(
        _("name"), max_length=200, blank=True,
        help_text=_("The organisation's name in this language, if it has one."),
    )
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "language"],
                                    name="one_organization_text_per_language")
        ]
        verbose_name = _("organisation text")
        verbose_name_plural = _("organisation texts")

    def __str__(self):
        return f"{self.organization} [{self.language}]"


class ServiceText(models.Model):
    """A service's own words in one of the site's languages, written by the service: its name
    in that language, what it does, who can use it, its fees and its confidentiality statement
    (what it must report and to whom, in its country). Where a field is empty, visitors read
    the service's own fields (`Service.description`, ...), marked as English (its name: its
    name, unmarked); where the statement is empty, the site's general text."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    name = models.CharField(
        _("name"), max_length=200, blank=True,
        help_text=_("The service's name in this language, if it has one."),
    )
    description = models.TextField(_("description"), blank=True)
    eligibility_description = models.TextField(_("who can use it"), blank=True)
    cost_description = models.CharField(_("cost details"), max_length=300, blank=True)
    confidentiality = models.TextField(
        _("confidentiality statement"),
        blank=True,
        help_text=_("What your service must report, and to whom, under the law of your country, "
                    "in plain words. Shown before a visitor writes to you."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "language"],
                                    name="one_service_text_per_language")
        ]
        verbose_name = _("service text")
        verbose_name_plural = _("service texts")

    def __str__(self):
        return f"{self.service} [{self.language}]"


class Location(models.Model):
    class Kind(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        VIRTUAL = "virtual", _("Virtual")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    services = models.ManyToManyField(
        Service, related_name="locations", blank=True, db_table="referrals_location_services"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    url = models.URLField(_("web address"), blank=True)

    class Meta:
        db_table = "referrals_location"
        ordering = ["organization__name", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self):
        return self.name or self.city or str(self.kind)


class DirectoryVersion(models.Model):
    """One row whose number goes up whenever an organisation, service or location changes:
    the key of the rendered directory pages (content's ContentVersion does the same)."""

    number = models.PositiveBigIntegerField(default=1)

    class Meta:
        db_table = "referrals_directoryversion"

    def __str__(self):
        return str(self.number)
