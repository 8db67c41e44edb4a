"""The purges run at times of the clock, so restarting beat cannot postpone them.

beat counts an interval schedule from its own start: with "every 24 hours", a beat recreated
every day (each deployment) would never purge. A crontab entry is due at its next clock time
whenever beat started.
"""

from datetime import UTC, datetime, timedelta

import pytest
from celery.schedules import maybe_schedule
from django.conf import settings

# Entry name -> the longest a freshly started beat may wait before running it.
PURGES = {
    "purge-referrals": timedelta(hours=1),
    "purge-audit-log": timedelta(hours=23, minutes=59),  # 24 h from start is too late
}


@pytest.mark.parametrize(("entry", "longest_wait"), PURGES.items())
def test_a_freshly_started_beat_runs_the_purge_soon(entry, longest_wait):
    schedule = maybe_schedule(settings.CELERY_BEAT_SCHEDULE[entry]["schedule"])
    for hour in range(0, 24, 5):  # beat (re)started at various times of day
        started = datetime(2026, 11, 28, hour, 59, 30, tzinfo=UTC)
        schedule.nowfun = lambda started=started: started
        wait = schedule.remaining_estimate(started)
        assert timedelta(0) <= wait <= longest_wait, (entry, started, wait)
