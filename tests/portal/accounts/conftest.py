import pytest

from tests.fakes import alipay as alipay_fake
from tests.fakes.wechat import FakeWeChat


@pytest.fixture
def fake_wechat(settings):
    with FakeWeChat(settings.WECHAT_MINI_APPID, settings.WECHAT_MINI_SECRET) as fake:
        settings.WECHAT_API_BASE = fake.url
        yield fake


@pytest.fixture(scope="session")
def app_key():
    return alipay_fake.new_key()


@pytest.fixture
def fake_alipay(settings, app_key):
    with alipay_fake.FakeAlipay(settings.ALIPAY_APP_ID, alipay_fake.public_pem(app_key)) as fake:
        settings.ALIPAY_GATEWAY = fake.url + "/gateway.do"
        settings.ALIPAY_APP_PRIVATE_KEY = alipay_fake.private_pem_pkcs1(app_key)
        settings.ALIPAY_PUBLIC_KEY = fake.gateway_public_pem
        yield fake


@pytest.fixture
def sms_outbox(settings):
    from portal.connectors.sms import MemorySmsBackend

    settings.SMS_BACKEND = "portal.connectors.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()
