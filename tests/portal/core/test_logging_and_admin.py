import contextlib
import logging

import pytest

from portal.accounts import actions
from portal.core.logging import MaskPersonalDataFilter

VALID_ID = "11010519491231002X"


def test_log_lines_carry_no_id_or_phone_numbers(caplog):
    logger = logging.getLogger("tests.masking")
    logger.addFilter(MaskPersonalDataFilter())
    with caplog.at_level(logging.INFO, logger="tests.masking"):
        logger.info("bind %s for %s", VALID_ID, "13900000001")
        try:
            raise ValueError(f"bad {VALID_ID}")
        except ValueError:
            logger.exception("failed")
    text = caplog.text
    assert VALID_ID not in text and "13900000001" not in text
    assert "1101**********002X" in text and "139****0001" in text


@pytest.mark.django_db
def test_the_admin_user_page_shows_masked_personal_data_only(client):
    resident = actions.resident_for_phone(phone="13900000041")
    actions.realname_bind(user=resident, name="张小三", id_number=VALID_ID)
    admin_user = actions.staff_ensure(username="root", password="x-long-password-1", display_name="管理员",
                                      role="admin", superuser=True)
    client.force_login(admin_user)
    page = client.get(f"/admin/accounts/user/{resident.pk}/change/").content.decode()
    assert "1101**********002X" in page and "139****0041" in page
    assert VALID_ID not in page and "张小三" not in page and "13900000041" not in page


# Loggers that Django, the dev server and the production servers (granian, uvicorn) give handlers
# of their own before the project's LOGGING is applied; a request path or query string they log may
# carry an ID or phone number a resident typed (services/items/?q=…).
SERVER_LOGGERS = ("django", "django.request", "django.server", "granian.access", "_granian", "uvicorn",
                  "uvicorn.error", "uvicorn.access")


@contextlib.contextmanager
def logging_of_a_server_process(settings):
    """Logging as a server process has it: the server's own configuration first, then Django's
    (``django.setup()`` → ``configure_logging``), with DEBUG on as under ``runserver``. Entered in
    the test itself, so that the handlers write to the streams ``capsys`` reads."""
    import logging.config

    import uvicorn.config
    from django.utils.log import configure_logging
    from granian.log import configure_logging as granian_configure_logging

    settings.DEBUG = True  # Django's own console handler only speaks with DEBUG on
    granian_configure_logging("info")
    logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    try:
        yield
    finally:
        for name in SERVER_LOGGERS:  # handlers bound to this test's capture streams
            logging.getLogger(name).handlers.clear()
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.mark.django_db
def test_no_server_or_framework_log_line_carries_an_id_or_phone_number(settings, client, capsys):
    path = f"/api/v1/services/items/?q={VALID_ID}&phone=13900000001"
    with logging_of_a_server_process(settings):
        client.get(f"/api/v1/no-such-thing/{VALID_ID}/13900000001/")  # django.request: "Not Found: <path>"
        logging.getLogger("django.server").warning('"GET %s HTTP/1.1" 404 58', path)  # runserver's line
        logging.getLogger("granian.access").info('%(addr)s - "%(method)s %(path)s" %(status)d',
                                                 {"addr": "10.0.0.1", "method": "GET", "path": path, "status": 200})
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "10.0.0.1", "GET", path, "1.1", 200)
        logging.getLogger("uvicorn.error").error("Exception in ASGI application %s", path)
        out = capsys.readouterr()
    text = out.out + out.err
    assert "1101**********002X" in text and "139****0001" in text
    assert VALID_ID not in text and "13900000001" not in text


def test_a_celery_worker_keeps_the_masking_log_handlers(settings, capfd):
    """``celery worker`` sets up logging at start: by default it throws the root logger's handlers
    away and puts its own, unfiltered, in their place (on ``sys.__stderr__``: hence ``capfd``)."""
    from django.utils.log import configure_logging

    from portal.celery import app

    root = logging.getLogger()
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)  # bound to this test's streams
    app.log.already_setup = False
    try:
        app.log.setup_logging_subsystem(loglevel="INFO")
        logging.getLogger("booking.tasks").warning("reminder for %s, %s", VALID_ID, "13900000001")
        out = capfd.readouterr()
    finally:
        app.log.already_setup = False
        root.handlers.clear()
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    text = out.out + out.err
    assert "1101**********002X" in text and "139****0001" in text
    assert VALID_ID not in text and "13900000001" not in text
