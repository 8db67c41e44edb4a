from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "directory"
    verbose_name = _("Provider directory")

    def ready(self):
        from accounts.models import OrganizationKey

        from .models import Location, Organization, OrganizationText, Service, ServiceText
        from .selectors import DIRECTORY_PAGES

        # The admin and the HSDS import write these rows directly (model saves, inlines,
        # cascades, locations' services), and none of them uses bulk writes. An organisation's
        # first key makes its services' "Contact this service anonymously" appear.
        DIRECTORY_PAGES.watch(Organization, OrganizationText, Service, ServiceText, Location,
                              OrganizationKey)
