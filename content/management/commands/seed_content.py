from django.core.management.base import BaseCommand, CommandError

from content.seed import SeedError, seed_content


class Command(BaseCommand):
    help = (
        "Load the seed content in content/seed/ (pathways, pages, self-check, helplines in every "
        "language). Idempotent: items that exist are left as editors made them, unless --update "
        "is given, which overwrites texts that differ from the seed files and publishes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--update", action="store_true", help="overwrite differing texts")

    def handle(self, *args, update=False, **options):
        try:
            report = seed_content(update=update)
        except (SeedError, KeyError) as exc:
            raise CommandError(f"seed content is malformed: {exc}") from exc
        self.stdout.write(f"seed content: {report}")
