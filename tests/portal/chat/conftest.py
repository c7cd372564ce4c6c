import pytest
from rest_framework_simplejwt.tokens import RefreshToken


@pytest.fixture(autouse=True)
def _fresh_catalogue_index():
    """The services catalogue index is per process: start every test from this test's database."""
    from services import search

    search.reset()
    yield
    search.reset()


@pytest.fixture
def resident(db):
    from portal.accounts.models import User

    return User.objects.create(username="resident-chat", kind=User.Kind.RESIDENT, display_name="小王")


@pytest.fixture
def other_resident(db):
    from portal.accounts.models import User

    return User.objects.create(username="resident-other", kind=User.Kind.RESIDENT)


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


@pytest.fixture
def signed_in_api(api, resident):
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    return api


@pytest.fixture
def say():
    """Post one message and return (status, body)."""

    def _say(client, text, session=None, **extra):
        body = {"text": text, **extra}
        if session:
            body["session"] = session
        response = client.post("/api/v1/chat/messages/", body, format="json")
        return response.status_code, response.json()

    return _say
