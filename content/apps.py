from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_editors_group(sender, using="default", **kwargs):
    """The Editors group may add, change, delete and view content, and nothing else."""
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import EDITORS_GROUP

    group, _created = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    permissions = Permission.objects.using(using).filter(content_type__app_label="content")
    group.permissions.set(permissions)


class ContentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "content"
    verbose_name = _("Content")

    def ready(self):
        post_migrate.connect(ensure_editors_group, sender=self)
        from . import models
        from .selectors import PAGES

        # Every model a public page shows, structure and words alike (a step's minutes, a
        # page's `sensitive` flag, a helpline, a campaign); not Revision or ContentVersion.
        PAGES.watch(
            models.Pathway,
            models.PathwayText,
            models.Step,
            models.StepText,
            models.Exercise,
            models.ExerciseText,
            models.Page,
            models.PageText,
            models.Helpline,
            models.HelplineText,
            models.SelfCheckQuestion,
            models.SelfCheckQuestionText,
            models.SelfCheckOption,
            models.SelfCheckOptionText,
            models.SelfCheckText,
            models.Campaign,
        )
