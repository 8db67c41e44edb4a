"""A service's own words in the visitor's language (issue 15, items 3 and 4): its description,
who can use it, its fees and its confidentiality statement, shown before the visitor writes;
English where a language has none, marked as such; the site's general text where there is no
statement. Clinicians keep them in the portal."""

import pytest
from django.test import Client

from accounts.models import AuditEntry
from directory.models import OrganizationText, ServiceText
from tests.referrals.factories import make_member, make_organization, make_service, result_names
from tests.staff.factories import sign_in

pytestmark = pytest.mark.django_db

FI_STATEMENT = "Meidän on kerrottava lastensuojeluun, jos lapsi on vaarassa."
EN_STATEMENT = "We must tell child protection services if a child is in danger now."


@pytest.fixture
def service():
    service = make_service(make_organization("Words org"), name="Words service",
                           description="Own English description.",
                           eligibility_description="Adults in Finland.")
    ServiceText.objects.create(service=service, language="fi",
                               description="Suomenkielinen kuvaus.", confidentiality=FI_STATEMENT)
    ServiceText.objects.create(service=service, language="en", confidentiality=EN_STATEMENT)
    return service


def test_the_service_page_shows_its_words_in_the_visitors_language(client, service):
    html = client.get(f"/fi/find-help/{service.pk}/").content.decode()
    assert "Suomenkielinen kuvaus." in html and "Own English description." not in html
    assert FI_STATEMENT in html
    # Who can use it exists only in English: shown, marked as English.
    assert '<dd lang="en">Adults in Finland.</dd>' in html


def test_a_language_without_its_own_words_reads_the_english_ones_marked_english(client, service):
    html = client.get(f"/sv/find-help/{service.pk}/").content.decode()
    assert '<div class="prose" lang="en"><p>Own English description.</p></div>' in html
    assert EN_STATEMENT in html


def test_the_statement_stands_before_the_text_box_of_the_referral_form(client, service):
    html = client.get(f"/fi/find-help/{service.pk}/refer/").content.decode()
    assert FI_STATEMENT in html
    assert html.index(FI_STATEMENT) < html.index('name="message"')
    html = client.get(f"/sv/find-help/{service.pk}/refer/").content.decode()
    assert '<div class="service-statement" lang="en">' in html
    assert EN_STATEMENT in html


def test_without_a_statement_the_form_says_so_and_keeps_the_general_text(client):
    bare = make_service(make_organization("Bare org"), name="Bare service")
    html = client.get(f"/en/find-help/{bare.pk}/refer/").content.decode()
    assert "has not written its own confidentiality statement here yet" in html
    assert "the service may have to act to protect that child" in html


def test_a_clinician_writes_the_statement_per_language_in_the_portal(client, service):
    member = make_member(service.organization, "writer")
    sign_in(client, member)
    url = f"/staff/portal/services/{service.pk}/"
    page = client.get(url).content.decode()
    assert FI_STATEMENT in page  # the form starts with what is there
    form = {"status": "active", "intake": "accepting", "waitlist_weeks": "", "reply_days": "",
            "languages": ["fi", "en"], "service_areas": ["FI"], "delivery_modes": ["online"],
            "fi-confidentiality": "Uusi lausunto.", "fi-description": "Suomenkielinen kuvaus.",
            "en-confidentiality": EN_STATEMENT,
            "sv-confidentiality": "Vi måste berätta för socialtjänsten om ett barn är i fara."}
    response = client.post(url, form)
    assert response.status_code == 302
    visitor = Client()
    assert "Uusi lausunto." in visitor.get(f"/fi/find-help/{service.pk}/refer/").content.decode()
    html = visitor.get(f"/sv/find-help/{service.pk}/").content.decode()
    assert "Vi måste berätta för socialtjänsten" in html  # the cached page went stale
    entry = AuditEntry.objects.filter(action="service.texts").latest("pk")
    assert "sv: " in str(entry.detail) and "fi: confidentiality" in str(entry.detail)

    # Emptying every box of a language removes its text; visitors then read English.
    client.post(url, {**form, "sv-confidentiality": ""})
    assert not ServiceText.objects.filter(service=service, language="sv").exists()
    assert EN_STATEMENT in visitor.get(f"/sv/find-help/{service.pk}/refer/").content.decode()


def test_a_too_long_statement_is_refused_with_the_words_kept(client, service):
    member = make_member(service.organization, "longwriter")
    sign_in(client, member)
    long = "x" * 4001
    response = client.post(f"/staff/portal/services/{service.pk}/", {
        "status": "active", "intake": "accepting", "languages": "fi", "service_areas": "FI",
        "delivery_modes": ["online"], "fi-confidentiality": long})
    assert response.status_code == 400
    assert long in response.content.decode()
    assert ServiceText.objects.get(service=service, language="fi").confidentiality == (
        FI_STATEMENT)


FI_NAME = "Luottamuksellinen chat"


def test_a_service_is_named_in_the_visitors_language_where_it_has_a_name_in_it(
    client, service
):
    ServiceText.objects.filter(service=service, language="fi").update(name=FI_NAME)
    finnish = {
        "search": client.get("/fi/find-help/", {"country": "FI"}),
        "page": client.get(f"/fi/find-help/{service.pk}/"),
        "form": client.get(f"/fi/find-help/{service.pk}/refer/"),
    }
    assert FI_NAME in result_names(finnish["search"])
    assert f"<h1>{FI_NAME}</h1>" in finnish["page"].content.decode()
    heading = finnish["form"].content.decode().split("<h1>")[1].split("</h1>")[0]
    assert FI_NAME in heading
    # Without a name of its own in a language: its name, with no "shown in English" notice.
    swedish = client.get(f"/sv/find-help/{service.pk}/").content.decode()
    assert "<h1>Words service</h1>" in swedish
    assert FI_NAME not in swedish
    assert "Words service" in result_names(client.get("/en/find-help/", {"country": "FI"}))


def test_a_clinician_names_the_service_per_language_in_the_portal(client, service):
    member = make_member(service.organization, "namer")
    sign_in(client, member)
    url = f"/staff/portal/services/{service.pk}/"
    form = {"status": "active", "intake": "accepting", "waitlist_weeks": "", "reply_days": "",
            "languages": ["fi", "en"], "service_areas": ["FI"], "delivery_modes": ["online"],
            "fi-name": FI_NAME, "fi-confidentiality": FI_STATEMENT,
            "fi-description": "Suomenkielinen kuvaus.", "en-confidentiality": EN_STATEMENT,
            "sv-name": "Konfidentiell chatt"}
    assert client.post(url, form).status_code == 302
    visitor = Client()
    assert FI_NAME in result_names(visitor.get("/fi/find-help/", {"country": "FI"}))
    assert "<h1>Konfidentiell chatt</h1>" in visitor.get(
        f"/sv/find-help/{service.pk}/").content.decode()
    assert ServiceText.objects.get(service=service, language="sv").name == "Konfidentiell chatt"
    too_long = client.post(url, {**form, "fi-name": "x" * 201})
    assert too_long.status_code == 400  # the form again, with the reason, nothing saved
    assert ServiceText.objects.get(service=service, language="fi").name == FI_NAME


def test_a_name_per_language_goes_out_and_comes_back_in_hsds(service):
    from directory.hsds import directory_export, directory_import

    ServiceText.objects.filter(service=service, language="fi").update(name=FI_NAME)
    document = directory_export()
    exported = next(item for organization in document["organizations"]
                    for item in organization["services"] if item["id"] == str(service.pk))
    names = {attribute["taxonomy_term"]["code"]: attribute["value"]
             for attribute in exported["attributes"]
             if attribute["taxonomy_term"]["code"].endswith(":name")}
    assert names == {"text:fi:name": FI_NAME}
    ServiceText.objects.filter(service=service, language="fi").update(name="")
    directory_import(document=document)
    assert ServiceText.objects.get(service=service, language="fi").name == FI_NAME
    service.refresh_from_db()
    assert service.name == "Words service"  # its own name stays as it was


FI_ORGANISATION = "Sanojen järjestö"


def test_an_organisation_is_named_in_the_visitors_language(client, service):
    OrganizationText.objects.create(organization=service.organization, language="fi",
                                    name=FI_ORGANISATION)
    search = client.get("/fi/find-help/", {"country": "FI"}).content.decode()
    assert f'<p class="small">{FI_ORGANISATION}</p>' in search
    page = client.get(f"/fi/find-help/{service.pk}/").content.decode()
    assert f"<p>{FI_ORGANISATION}</p>" in page
    form = client.get(f"/fi/find-help/{service.pk}/refer/").content.decode()
    assert form.count(FI_ORGANISATION) >= 2  # under the heading, and in who reads the message
    assert FI_ORGANISATION not in client.get(f"/sv/find-help/{service.pk}/").content.decode()


def test_a_manager_names_the_organisation_per_language_in_the_portal(
    client, service, django_capture_on_commit_callbacks
):
    manager = make_member(service.organization, "manager", role="manager")
    sign_in(client, manager)
    url = f"/staff/portal/organisations/{service.organization.pk}/words/"
    assert client.get(url).status_code == 200
    visitor = Client()
    assert FI_ORGANISATION not in visitor.get(f"/fi/find-help/{service.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"fi-name": FI_ORGANISATION, "fi-description": "Kuvaus.",
                                     "sv-name": "", "en-name": ""})
    assert response.status_code == 302
    assert OrganizationText.objects.get(organization=service.organization,
                                        language="fi").name == FI_ORGANISATION
    assert AuditEntry.objects.filter(action="organization.texts").exists()
    # The page rendered before the change went stale with it.
    assert FI_ORGANISATION in visitor.get(f"/fi/find-help/{service.pk}/").content.decode()
    assert client.post(url, {"fi-name": "x" * 201}).status_code == 400
    clinician = make_member(service.organization, "clinician")
    other = Client()
    sign_in(other, clinician)
    assert other.get(url).status_code == 404  # only managers


def test_an_organisations_names_go_out_and_come_back_in_hsds(service):
    from directory.hsds import directory_export, directory_import

    OrganizationText.objects.create(organization=service.organization, language="sv",
                                    name="Ordens organisation", description="Beskrivning.")
    document = directory_export()
    exported = next(item for item in document["organizations"]
                    if item["id"] == str(service.organization.pk))
    codes = {attribute["taxonomy_term"]["code"]: attribute["value"]
             for attribute in exported["attributes"]}
    assert codes["org-text:sv:name"] == "Ordens organisation"
    assert codes["org-text:sv:description"] == "Beskrivning."
    OrganizationText.objects.all().delete()
    directory_import(document=document)
    text = OrganizationText.objects.get(organization=service.organization, language="sv")
    assert (text.name, text.description) == ("Ordens organisation", "Beskrivning.")
