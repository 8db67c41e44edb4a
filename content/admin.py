"""The editors' side: texts per language with draft, review, publish, preview and revert."""

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.admin import permissions_from

from . import services
from .models import (
    Campaign,
    Exercise,
    ExerciseText,
    Helpline,
    HelplineText,
    Page,
    PageText,
    Pathway,
    PathwayText,
    Revision,
    SelfCheckOption,
    SelfCheckOptionText,
    SelfCheckQuestion,
    SelfCheckQuestionText,
    SelfCheckText,
    Step,
    StepText,
)

EditorsOnly = permissions_from(
    roles.may_edit_content,
    "Content in the admin is for editors and administrators; revisions cannot be added.",
)


class PublishableAdmin(EditorsOnly, admin.ModelAdmin):
    """Saving keeps a draft; publishing and review are the buttons under the form (and the
    list's actions), each a service in content/services.py. The status is read-only: it says
    where the text is, so it is never something an editor chose that then did not happen."""

    preview_kind = ""
    change_form_template = "admin/content/publishable_change_form.html"
    list_filter = ("language", "status")
    readonly_fields = ("status", "live_status", "published_at", "preview_link", "revisions")
    actions = ("submit_for_review", "publish", "unpublish")

    @admin.display(description=_("visitors see"))
    def live_status(self, obj):
        if obj.live is None:
            return _("nothing yet (never published)")
        if obj.has_unpublished_changes():
            return _("an older published version; this draft has unpublished changes")
        return _("this version")

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("preview", args=[self.preview_kind, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview this draft as a visitor"))

    @admin.display(description=_("revisions"))
    def revisions(self, obj):
        if not obj.pk:
            return "-"
        rows = Revision.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        )[:20]
        return (
            format_html_join(
                "",
                '<p><a href="{}">{}</a></p>',
                ((reverse("admin:content_revision_change", args=[r.pk]), str(r)) for r in rows),
            )
            or "-"
        )

    def save_model(self, request, obj, form, change):
        services.text_save(text=obj)
        if "_publish" in request.POST:
            services.text_publish(text=obj, user=request.user)
            messages.success(request, _("Published. Visitors see it within a minute."))
        elif "_submit_for_review" in request.POST:
            services.text_submit_for_review(text=obj, publish_at=obj.publish_at)
            messages.success(request, _("Submitted for review."))

    @admin.action(description=_("Submit for review (published at 'publish at', if set)"))
    def submit_for_review(self, request, queryset):
        for text in queryset:
            services.text_submit_for_review(text=text, publish_at=text.publish_at)
        messages.success(request, _("Submitted for review."))

    @admin.action(description=_("Publish now"))
    def publish(self, request, queryset):
        for text in queryset:
            services.text_publish(text=text, user=request.user)
        messages.success(request, _("Published. Visitors see it within a minute."))

    @admin.action(description=_("Withdraw from visitors"))
    def unpublish(self, request, queryset):
        for text in queryset:
            services.text_unpublish(text=text)
        messages.success(request, _("Withdrawn."))


@admin.register(PathwayText)
class PathwayTextAdmin(PublishableAdmin):
    preview_kind = "pathway"
    list_display = ("__str__", "title", "language", "status", "published_at")
    search_fields = ("title", "pathway__key")


@admin.register(StepText)
class StepTextAdmin(PublishableAdmin):
    preview_kind = "step"
    list_display = ("__str__", "title", "language", "status", "published_at")
    list_filter = ("language", "status", "step__pathway")
    search_fields = ("title", "step__key")


@admin.register(ExerciseText)
class ExerciseTextAdmin(PublishableAdmin):
    """An exercise's words in one language: the question, how to answer, why it helps. Its
    preview is the step it belongs to, with this draft in place."""

    preview_kind = "exercise"
    list_display = ("__str__", "question", "language", "status", "published_at")
    list_filter = ("language", "status", "exercise__step__pathway", "exercise__plan")
    search_fields = ("question", "exercise__key", "exercise__step__key")


@admin.register(Exercise)
class ExerciseAdmin(EditorsOnly, admin.ModelAdmin):
    """Which step an exercise belongs to, its order there and its plan section; its words
    are exercise texts, one per language."""

    list_display = ("__str__", "step", "order", "plan")
    list_filter = ("step__pathway", "plan")
    search_fields = ("key", "step__key")


@admin.register(PageText)
class PageTextAdmin(PublishableAdmin):
    preview_kind = "page"
    list_display = ("__str__", "title", "language", "status", "published_at")
    search_fields = ("title", "page__key")


@admin.register(Revision)
class RevisionAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ("__str__", "content_type", "object_id", "created_at", "created_by")
    list_filter = ("content_type",)
    readonly_fields = ("content_type", "object_id", "data", "created_at", "created_by")
    actions = ("revert",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revert to this revision (publishes it again)"))
    def revert(self, request, queryset):
        for revision in queryset:
            services.text_revert(revision=revision, user=request.user)
        messages.success(request, _("Reverted and published."))


class StepInline(EditorsOnly, admin.TabularInline):
    model = Step
    extra = 0


@admin.register(Pathway)
class PathwayAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ("key", "audience", "order")
    inlines = [StepInline]


@admin.register(Page)
class PageAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ("key", "sensitive")


class HelplineTextInline(EditorsOnly, admin.TabularInline):
    model = HelplineText
    extra = 0


@admin.register(Helpline)
class HelplineAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ("key", "country", "phone", "demo", "status", "last_verified")
    list_filter = ("country", "demo", "status")
    inlines = [HelplineTextInline]


class QuestionTextInline(EditorsOnly, admin.TabularInline):
    model = SelfCheckQuestionText
    extra = 0


class OptionInline(EditorsOnly, admin.TabularInline):
    model = SelfCheckOption
    extra = 0


@admin.register(SelfCheckQuestion)
class SelfCheckQuestionAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ("key", "order", "status")
    inlines = [QuestionTextInline, OptionInline]


class OptionTextInline(EditorsOnly, admin.TabularInline):
    model = SelfCheckOptionText
    extra = 0


@admin.register(SelfCheckOption)
class SelfCheckOptionAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ("__str__", "pathway", "urgent")
    inlines = [OptionTextInline]


@admin.register(SelfCheckText)
class SelfCheckTextAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ("language", "title")


@admin.register(Campaign)
class CampaignAdmin(EditorsOnly, admin.ModelAdmin):
    """Deterrence landing pages (docs/platforms.md); the message is sanitised on save."""

    list_display = ("slug", "language", "name", "title", "active", "address")
    list_filter = ("active", "language")
    search_fields = ("slug", "name", "title")

    @admin.display(description=_("address"))
    def address(self, obj):
        url = reverse("landing", kwargs={"campaign": obj.slug})
        # reverse() gives the current language's prefix; show this text's own language.
        url = f"/{obj.language}/{url.split('/', 2)[2]}"
        return format_html('<a href="{}">{}</a>', url, url)
