import pytest

from .factories import make_user


@pytest.fixture
def staff(db):
    """A staff member with a password and a confirmed authenticator app."""
    return make_user("clinician")
