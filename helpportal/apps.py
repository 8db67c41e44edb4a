from django.apps import AppConfig


class HelpportalConfig(AppConfig):
    name = "helpportal"
    verbose_name = "Helpportal"

    def ready(self):
        # Connect the session rules' signal receivers in every process (web, worker, shell),
        # so deactivating an account anywhere ends its sessions.
        from . import sessions  # noqa: F401
