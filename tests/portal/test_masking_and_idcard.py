import datetime as dt

import pytest

from portal.accounts import idcard
from portal.masking import mask_id_number, mask_name, mask_phone, mask_text


def test_check_digit_matches_the_published_gb11643_example():
    # The standard's worked example: 11010519491231002X.
    assert idcard.check_digit("11010519491231002") == "X"
    assert idcard.is_valid("11010519491231002X")
    assert idcard.is_valid("11010519491231002x")  # residents type a lower-case x


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check digit
        "11010519491331002X",  # month 13
        "1101051949123100",  # too short
        "11010520991231002X",  # born in the future
        "",
    ],
)
def test_invalid_numbers_are_refused(number):
    assert not idcard.is_valid(number, today=dt.date(2026, 11, 24))


def test_full_width_digits_are_accepted():
    assert idcard.is_valid("１１０１０５１９４９１２３１００２Ｘ")


def test_digits_of_other_scripts_are_refused():
    arabic_indic = "11010519491231002X".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert not idcard.is_valid(arabic_indic)  # a regex \d matches them and int() reads them


def test_make_builds_valid_numbers_with_birth_date_and_gender():
    number = idcard.make("310115", dt.date(1990, 6, 30), 562)
    assert idcard.is_valid(number)
    assert idcard.birth_date(number) == dt.date(1990, 6, 30)
    assert idcard.gender(number) == "F"


def test_masks_keep_only_what_is_needed_to_recognise_ones_own_data():
    assert mask_id_number("310115198503071230") == "3101**********1230"
    assert mask_phone("13900000001") == "139****0001"
    assert mask_name("张伟") == "张*"
    assert mask_name("李秀英") == "李*英"


def test_mask_text_hides_id_and_phone_numbers_inside_a_log_line():
    line = "realname bind 310115198503071230 phone 13900000001 order 20261124000001234"
    masked = mask_text(line)
    assert "310115198503071230" not in masked
    assert "3101**********1230" in masked
    assert "139****0001" in masked
    assert "20261124000001234" in masked  # a 17-digit order number is not an ID number


@pytest.mark.parametrize("typed", [
    "110105 19491231 002X", "110105-19491231-002X", "1101 0519 4912 3100 2x", "１１０１０５ １９４９１２３１ ００２Ｘ",
])
def test_mask_text_hides_an_id_number_typed_in_groups(typed):
    masked = mask_text(f"我的身份证 {typed} 查办件")
    assert "**********" in masked, masked
    assert "19491231" not in idcard.normalize("".join(c for c in masked if c.isalnum())), masked  # the birth date


@pytest.mark.parametrize("typed", ["139 0000 0001", "139-0000-0001", "+86 13900000001", "+8613900000001",
                                   "8613900000001"])
def test_mask_text_hides_a_mobile_number_typed_in_groups_or_with_the_country_code(typed):
    masked = mask_text(f"电话 {typed} 联系我")
    assert "139****0001" in masked, masked
    assert "0000" not in masked.replace("139****0001", "")


@pytest.mark.parametrize("text", ["PD 2026 1123 649860", "PD-20261123-649860", "2026-11-25 14:47:46,147",
                                  "时段 12:00-13:00 还有 3 片", "slot 1234 5678", "order 20261124000001234"])
def test_mask_text_leaves_receipt_numbers_dates_and_times_alone(text):
    assert mask_text(text) == text
