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
