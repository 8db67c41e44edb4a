from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "directory"
    verbose_name = _("Provider directory")

    def ready(self):
        from .models import Location, Organization, Service
        from .services import directory_changed

        # Signals rather than calls in each service: the admin and the HSDS import write these
        # rows directly (model saves, inlines, cascades), and none of them uses bulk writes.
        for model in (Organization, Service, Location):
            uid = f"directory-{model.__name__}"
            post_save.connect(directory_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(directory_changed, sender=model, dispatch_uid=f"{uid}-delete")
        m2m_changed.connect(directory_changed, sender=Location.services.through,
                            dispatch_uid="directory-locations")
