"""/api/stats/: the open-data feed (outside the language prefixes: it is data)."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^(?P<period>daily|weekly)\.json$", views.feed, name="stats_feed"),
]
