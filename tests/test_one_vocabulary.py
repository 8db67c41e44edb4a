"""One audience vocabulary and one way to name a country, for content, the directory,
helplines and statistics (helpportal/vocabulary.py)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from content.models import Helpline, Pathway
from directory import vocabulary as directory_vocabulary
from directory.models import Service
from helpportal.vocabulary import Audience, country_name
from stats.selectors import value_label
from tests.referrals.test_hsds import DEMO


def test_content_and_the_directory_spell_every_audience_the_same_way():
    assert set(directory_vocabulary.AUDIENCES) == set(Audience.values)
    assert {choice for choice, _label in Pathway._meta.get_field("audience").choices} == set(
        Audience.values)


@pytest.mark.django_db
def test_the_seeded_helplines_and_directory_use_only_the_vocabulary():
    stored = set()
    for audiences in Helpline.objects.values_list("audiences", flat=True):
        stored.update(audiences)
    for audiences in Service.objects.values_list("audiences", flat=True):
        stored.update(audiences)
    assert "young-people" in stored and "parents" in stored
    assert stored <= set(Audience.values)


@pytest.mark.parametrize(("language", "name"), [("en", "Finland"), ("fi", "Suomi"),
                                                ("sv", "Finland")])
def test_a_country_has_one_name_in_each_language_everywhere(language, name):
    with translation.override(language):
        assert country_name("FI") == name
        assert directory_vocabulary.area_name("FI") == name
        assert value_label("country", "FI") == name
        assert country_name("XQ") == "XQ"  # unknown: shown as it is


@pytest.mark.django_db
def test_an_export_made_before_the_one_vocabulary_still_imports(tmp_path):
    text = DEMO.read_text(encoding="utf-8")
    old = text.replace('"code": "audience:parents"', '"code": "audience:parent"').replace(
        '"value": "parents",', '"value": "parent",')
    assert old != text
    path = tmp_path / "old.json"
    path.write_text(old, encoding="utf-8")
    Service.objects.all().delete()
    call_command("hsds_import", str(path), verbosity=0)
    assert any("parents" in audiences
               for audiences in Service.objects.values_list("audiences", flat=True))


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_the_old_spellings_and_back():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("content", "0003_demo_campaign"), ("directory", "0001_initial")])
    Helpline.objects.update(audiences=["parents", "young-person"])
    Service.objects.update(audiences=["parent", "self"])
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    assert all(audiences == ["parents", "young-people"]
               for audiences in Helpline.objects.values_list("audiences", flat=True))
    assert all(audiences == ["parents", "self"]
               for audiences in Service.objects.values_list("audiences", flat=True))
