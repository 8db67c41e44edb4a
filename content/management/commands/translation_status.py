"""Translations in step: per language, how many texts are missing, out of date or current.

    manage.py translation_status                      the table
    manage.py translation_status --list               and each text that is not current
    manage.py translation_status --fail-on-missing    exit 1 if any language misses a text
    manage.py translation_status --fail-on-out-of-date   exit 1 if any is out of date

The same report as the staff page /staff/translations/ (content.selectors.translation_status):
a text is missing when nothing is published in that language, out of date when its English
source changed after it was last published (docs/content.md, "Translations in step").
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from content.selectors import Translation, translation_status, translation_summary


class Command(BaseCommand):
    help = "Print how many texts each language misses or has out of date."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true",
                            help="also list each text that is missing or out of date")
        parser.add_argument("--fail-on-missing", action="store_true",
                            help="exit with status 1 if any language misses a text")
        parser.add_argument("--fail-on-out-of-date", action="store_true",
                            help="exit with status 1 if any text is out of date")

    def handle(self, *args, list=False, fail_on_missing=False, fail_on_out_of_date=False,
               **options):
        rows = translation_status()
        summary = translation_summary(rows)
        self.stdout.write(f"{'language':10} {'missing':>8} {'out of date':>12} {'current':>8}")
        for code, _name in settings.LANGUAGES:
            counts = summary[code]
            self.stdout.write(f"{code:10} {counts[Translation.MISSING]:>8} "
                              f"{counts[Translation.OUT_OF_DATE]:>12} "
                              f"{counts[Translation.CURRENT]:>8}")
        if list:
            for row in rows:
                if row.state != Translation.CURRENT:
                    self.stdout.write(f"{row.language}  {row.state:12} {row.kind}: {row.item}")
        missing = sum(counts[Translation.MISSING] for counts in summary.values())
        stale = sum(counts[Translation.OUT_OF_DATE] for counts in summary.values())
        failed = (fail_on_missing and missing) or (fail_on_out_of_date and stale)
        if failed:
            self.stderr.write(f"translation_status: {missing} missing, {stale} out of date")
            raise SystemExit(1)
