"""The staff sign-in page: one message for every wrong pair, same-site `next` only."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from .factories import make_user, password_step

# Most of these tests are about the page and its redirects, not the hash: they use the tests'
# fast hasher. The ones marked `real_password_hashing` sign in, or fail to, against the hasher
# production uses.
pytestmark = pytest.mark.django_db


def test_the_login_page_is_a_form_page_that_is_never_cached(client):
    response = client.get("/staff/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta name="referrer" content="same-origin">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'autocomplete="current-password"' in html
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.real_password_hashing
def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(client, staff):
    unknown = password_step(client, "nobody-here", "whatever it is 123")
    wrong = password_step(client, "clinician", "whatever it is 123")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors
    assert "The username or password is not right." in unknown.content.decode()


def test_an_inactive_account_gets_the_same_answer_as_a_wrong_password(client, staff):
    staff.is_active = False
    staff.save()
    response = password_step(client, "clinician")
    assert response.status_code == 200
    assert "The username or password is not right." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_page_speaks_the_visitors_language(client):
    html = client.get("/staff/login/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert 'lang="sv"' in html
    assert "Användarnamn" in html


def test_a_new_session_key_is_issued_at_sign_in(client, staff):
    session = client.session
    session["before"] = "sign-in"
    session.save()
    before = session.session_key
    password_step(client, "clinician")
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(staff.pk)


@pytest.mark.parametrize(
    "next_value",
    ["https://evil.example/", "//evil.example/path", "/\\evil.example", "javascript:alert(1)"],
)
def test_a_next_address_on_another_site_is_ignored(client, staff, next_value):
    response = client.post(
        "/staff/login/", {"username": "clinician", "password": "a long enough staff password 42",
                          "next": next_value}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/verify/"


def test_a_next_path_on_this_site_is_carried_through_the_sign_in(client, staff):
    response = client.post(
        "/staff/login/?next=/staff/admin/auth/user/",
        {"username": "clinician", "password": "a long enough staff password 42"},
    )
    assert response.headers["Location"] == "/staff/verify/?next=%2Fstaff%2Fadmin%2Fauth%2Fuser%2F"


def test_the_admin_login_address_leads_to_the_staff_sign_in(client):
    response = client.get("/staff/admin/")
    assert response.status_code == 302
    admin_login = client.get(response.headers["Location"])
    assert admin_login.status_code == 302
    assert admin_login.headers["Location"] == "/staff/login/?next=%2Fstaff%2Fadmin%2F"


def test_a_form_posted_to_the_admin_login_address_is_checked_the_same_way(client, staff):
    response = client.post(
        "/staff/admin/login/", {"username": "clinician", "password": "wrong password here"}
    )
    assert response.status_code == 200
    assert "The username or password is not right." in response.content.decode()


def test_someone_without_an_authenticator_app_is_sent_to_set_one_up(client):
    make_user("newcomer", enrolled=False)
    response = password_step(client, "newcomer")
    assert response.headers["Location"] == "/staff/enrol/"


@pytest.mark.real_password_hashing
def test_someone_with_an_authenticator_app_is_asked_for_a_code(client, staff):
    response = password_step(client, "clinician")
    assert response.headers["Location"] == "/staff/verify/"
