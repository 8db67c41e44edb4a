import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.hsds import directory_export, document_dumps


class Command(BaseCommand):
    help = (
        "Write the provider directory as one Open Referral HSDS 3.0 JSON document "
        '{"organizations": [...]}, services and locations nested in their organisation, in a '
        "fixed order, UTF-8. By default only published services (active or temporarily closed, "
        "shown in the directory) and the organisations and locations they use; with --all, "
        "every organisation, location and service. See docs/hsds.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", metavar="FILE",
                            help="write to FILE instead of standard output")
        parser.add_argument("--all", action="store_true", dest="include_unpublished",
                            help="include unpublished, inactive and defunct services")

    def handle(self, *args, output=None, include_unpublished=False, **options):
        document = directory_export(include_unpublished=include_unpublished)
        text = document_dumps(document)
        if not output:
            self.stdout.write(text, ending="")
            return
        path = Path(output)
        partial = path.with_name(f".{path.name}.partial")
        try:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)  # a reader never sees half a file
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        services = sum(len(org["services"]) for org in document["organizations"])
        self.stdout.write(
            f"wrote {len(document['organizations'])} organisations and {services} services "
            f"to {output}"
        )
