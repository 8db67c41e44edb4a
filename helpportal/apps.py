from django.apps import AppConfig


class HelpportalConfig(AppConfig):
    name = "helpportal"
    verbose_name = "Helpportal"
