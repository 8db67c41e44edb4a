"""The editors' side: texts per language with draft, review, publish, preview and revert."""

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from js_asset import Media

from accounts import roles
from accounts.admin import permissions_from

from . import selectors, services
from .forms import PublishableTextForm
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
    form = PublishableTextForm
    change_form_template = "admin/content/publishable_change_form.html"
    list_filter = ("language", "status")
    readonly_fields = ("status", "live_status", "translation_state", "published_at",
                       "preview_link", "revisions")
    actions = ("submit_for_review", "publish", "unpublish")

    @admin.display(description=_("visitors see"))
    def live_status(self, obj):
        if obj.live is None:
            return _("nothing yet (never published)")
        if obj.has_unpublished_changes():
            return _("an older published version; this draft has unpublished changes")
        return _("this version")

    @admin.display(description=_("translation"))
    def translation_state(self, obj):
        """English is the source; a translation is out of date once the English text it was
        published beside has changed (content.selectors.is_out_of_date)."""
        if obj.language == selectors.SOURCE_LANGUAGE:
            return _("source")
        if obj.live is None:
            return _("not published")
        if selectors.is_out_of_date(obj):
            return format_html('<span class="new-marker">{}</span>', _("out of date"))
        return _("current")

    @staticmethod
    def _translation_context(context, obj):
        """A translation is edited beside its English source (what visitors read in English
        now), and says when it is out of date."""
        if obj is not None and obj.language != selectors.SOURCE_LANGUAGE:
            source = selectors.source_of(obj)
            context["translation_source"] = source
            context["translation_source_fields"] = [
                (type(source)._meta.get_field(name).verbose_name, source.live.get(name, ""),
                 name in source.HTML_FIELDS)
                for name in source.PUBLISHED_FIELDS
            ] if source is not None else []
            context["out_of_date"] = selectors.is_out_of_date(obj, source)
        return context

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

    def has_delete_permission(self, request, obj=None):
        """A draft nobody has seen, by its editor; a published text (or, from the list, any
        text) by an administrator only: an editor withdraws it instead."""
        published = obj is None or obj.live is not None or obj.published_at is not None
        return roles.may_delete_content(request.user, published=published)

    def save_model(self, request, obj, form, change):
        """Each button does what it says, and the message says what happened: Save keeps a
        draft (and says whether visitors still see an older version), Publish now publishes,
        Submit for review waits for review. Django's "changed successfully" is not added."""
        services.text_save(text=obj)
        if "_publish" in request.POST:
            services.text_publish(text=obj, user=request.user)
            message = _("Published. Visitors see it within a minute.")
        elif "_submit_for_review" in request.POST:
            services.text_submit_for_review(text=obj, publish_at=obj.publish_at)
            message = _("Submitted for review.")
        elif obj.live is not None and obj.has_unpublished_changes():
            message = _("Saved as a draft. Visitors still see the published version until you "
                        "publish this one.")
        elif obj.live is not None:
            message = _("Saved. It is the published version, so visitors see no change.")
        else:
            message = _("Saved as a draft. Visitors see nothing of it until it is published.")
        messages.success(request, message)
        request._text_message = True

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if getattr(request, "_text_message", False) and level == messages.SUCCESS:
            return  # save_model said what happened
        super().message_user(request, message, level, *args, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        """The rich text editor loads its modules through an import map, an inline script:
        it gets this response's CSP nonce (NONCE in CONTENT_SECURITY_POLICY), so the admin
        needs no 'unsafe-inline'."""
        context = self._translation_context(context, obj)
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, add, change, form_url, obj)

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
    list_display = ("__str__", "title", "language", "status", "translation_state",
                    "published_at")
    search_fields = ("title", "pathway__key")


@admin.register(StepText)
class StepTextAdmin(PublishableAdmin):
    preview_kind = "step"
    list_display = ("__str__", "title", "language", "status", "translation_state",
                    "published_at")
    list_filter = ("language", "status", "step__pathway")
    search_fields = ("title", "step__key")


@admin.register(ExerciseText)
class ExerciseTextAdmin(PublishableAdmin):
    """An exercise's words in one language: the question, how to answer, why it helps. Its
    preview is the step it belongs to, with this draft in place."""

    preview_kind = "exercise"
    list_display = ("__str__", "question", "language", "status", "translation_state",
                    "published_at")
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
    list_display = ("__str__", "title", "language", "status", "translation_state",
                    "published_at")
    search_fields = ("title", "page__key")


@admin.register(Revision)
class RevisionAdmin(EditorsOnly, admin.ModelAdmin):
    """A published version, named by item, language, author and day; its page shows it side
    by side with the text as it is now, and reverts to it. Revisions are made by publishing
    and never edited; only an administrator deletes one."""

    list_display = ("__str__", "created_at", "created_by")
    list_filter = ("content_type",)
    readonly_fields = ("text_link", "created_at", "created_by", "differences")
    fields = readonly_fields
    actions = ("revert",)
    change_form_template = "admin/content/revision_change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view only: the page shows it and offers to revert

    def has_delete_permission(self, request, obj=None):
        return roles.may_delete_content(request.user, published=True)

    @admin.display(description=_("text"))
    def text_link(self, obj):
        target = obj.target
        if target is None:
            return _("(deleted)")
        url = reverse(f"admin:content_{obj.content_type.model}_change", args=[target.pk])
        return format_html('<a href="{}">{}</a>', url, target)

    @admin.display(description=_("differences"))
    def differences(self, obj):
        target = obj.target
        if target is None:
            return "-"
        fields = selectors.text_differences(type(target), obj.data, target.draft_data())
        return render_to_string("admin/content/_differences.html", {
            "fields": fields, "left": _("This revision"), "right": _("The text now (its draft)"),
        })

    def get_urls(self):
        revert = self.admin_site.admin_view(self.revert_view)
        return [path("<int:pk>/revert/", revert, name="content_revision_revert"),
                *super().get_urls()]

    def revert_view(self, request, pk):
        """Revert from the revision's own page (POST): the text becomes this version again,
        published."""
        revision = get_object_or_404(Revision, pk=pk)
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if revision.target is None:
            messages.error(request, _("The text of this revision was deleted."))
            return redirect("admin:content_revision_change", pk)
        text = services.text_revert(revision=revision, user=request.user)
        messages.success(request, _("Reverted: the text is this revision again, and published."))
        return redirect(f"admin:content_{revision.content_type.model}_change", text.pk)

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
