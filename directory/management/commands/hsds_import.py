from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.hsds import HsdsError, directory_import, document_parse


class Command(BaseCommand):
    help = (
        "Read an Open Referral HSDS 3.0 JSON document in the form hsds_export writes (or the "
        "older one, with nulls and the taxonomy object in taxonomy_term.taxonomy) and create "
        "or update its organisations, locations and services by id, in one transaction. Every "
        "record is checked first (required fields, ISO 639-1 languages, ISO 3166 areas, status, "
        "intake, cost, delivery modes, audiences, ages, addresses); the first problem stops the "
        "import, names the record and the field, and nothing is written. Rows the document does "
        "not mention are left as they are. See docs/hsds.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the JSON document (UTF-8)")
        parser.add_argument("--skip-existing", action="store_true",
                            help="leave rows that already exist untouched (for seeding)")

    def handle(self, *args, file, skip_existing=False, **options):
        try:
            raw = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        try:
            report = directory_import(document=document_parse(raw), skip_existing=skip_existing)
        except HsdsError as exc:
            raise CommandError(f"{file}: {exc}; nothing was imported") from exc
        self.stdout.write(f"{file}: {report}")
