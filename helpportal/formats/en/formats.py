"""Dates in the site's English, which is British: "1 December 2026", "1 Dec 2026", never the
American "12/01/2026" that Django's own English formats give. Finnish and Swedish use
Django's formats for those languages ("1.12.2026", "2026-12-01")."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
