import pytest

from .factories import make_user


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    # The default hasher takes a quarter of a second by design; these tests sign in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    """A staff member with a password and a confirmed authenticator app."""
    return make_user("clinician")
