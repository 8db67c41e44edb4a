"""Daily aggregate counts, and the record of which Redis batches were added to them.

Nothing here can tell one visitor from another: a row is a day, a metric, its allow-listed
dimensions and a number.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyCount(models.Model):
    day = models.DateField(_("day"))
    metric = models.CharField(_("metric"), max_length=40)
    # The allow-listed dimensions as one sorted text key: "language=fi|pathway=self|urgent=no".
    dims = models.CharField(_("dimensions"), max_length=200, blank=True)
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "metric", "dims"], name="one_count_per_key")
        ]
        indexes = [models.Index(fields=["metric", "day"])]
        ordering = ["day", "metric", "dims"]
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")

    def __str__(self):
        return f"{self.day} {self.metric} {self.dims} = {self.count}"


class RollupBatch(models.Model):
    """A Redis batch already added to DailyCount: a re-run that finds its key only deletes it."""

    batch = models.CharField(_("batch"), max_length=100, unique=True)
    day = models.DateField(_("day counted"))
    applied_on = models.DateField(_("applied on"))

    class Meta:
        verbose_name = _("roll-up batch")
        verbose_name_plural = _("roll-up batches")

    def __str__(self):
        return self.batch
