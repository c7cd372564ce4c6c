"""``manage.py import_catalogue``: CSV, JSON, XLSX; upsert; dry run; bad rows reported; bad files refused."""

from __future__ import annotations

import json
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from services.models import Department, Material, ServiceItem
from tests.eval.external import CATALOGUE_CSV, catalogue_rows, require

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = StringIO()
    call_command("import_catalogue", *map(str, args), "--json", "--no-progress", stdout=out)
    return json.loads(out.getvalue())


def run_text(path: Path, text: str) -> dict:
    """Write ``text`` (UTF-8) to ``path`` and import it."""
    path.write_text(text, encoding="utf-8")
    return run(path)


def test_the_external_catalogue_imports_as_it_is_all_rows_in_under_a_minute():
    require(CATALOGUE_CSV)
    started = time.perf_counter()
    report = run(CATALOGUE_CSV)
    elapsed = time.perf_counter() - started
    print(f"external catalogue import: {report['created']} created in {elapsed:.1f} s")
    assert report["created"] == 1135 and report["skipped"] == 0
    assert ServiceItem.objects.count() == 1135
    assert Department.objects.count() == 34
    assert elapsed < 60
    row = catalogue_rows()[0]
    item = ServiceItem.objects.get(code=row["code"])
    assert (item.name, item.department.name, item.group) == (row["name"], row["department"], row["group"])


def test_importing_the_same_file_again_creates_no_duplicates():
    require(CATALOGUE_CSV)
    run(CATALOGUE_CSV)
    again = run(CATALOGUE_CSV)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1135)
    assert ServiceItem.objects.count() == 1135


def test_dry_run_counts_but_writes_nothing():
    require(CATALOGUE_CSV)
    report = run(CATALOGUE_CSV, "--dry-run")
    assert report["created"] == 1135 and report["dry_run"] is True
    assert ServiceItem.objects.count() == 0


def test_rows_are_matched_by_code_else_by_department_and_name(tmp_path: Path):
    path = tmp_path / "items.csv"
    path.write_text("事项名称,办理部门,事项编码,承诺时限\n居住证办理,区公安分局,C-1,10\n户籍证明,区公安分局,,3\n",
                    encoding="utf-8")
    assert run(path)["created"] == 2
    path.write_text("name,department,code,promised_limit\n居住证申领,区公安分局,C-1,8个工作日\n"
                    "户籍证明,区公安分局,,即办\n", encoding="utf-8")
    report = run(path)
    assert (report["created"], report["updated"]) == (0, 2)
    assert ServiceItem.objects.get(code="C-1").name == "居住证申领"
    assert ServiceItem.objects.get(code=None, name="户籍证明").promised_limit_days == 0


def test_a_row_without_a_code_updates_the_item_of_that_department_and_name_that_has_one(tmp_path: Path):
    path = tmp_path / "items.csv"
    assert run_text(path, "事项名称,办理部门,事项编码,承诺时限\n居民身份证丢失补领,区公安分局,GA-4,15\n"
                          "犬只登记,区公安分局,QZ-1,10\n犬只登记,区公安分局,QZ-2,10\n")["created"] == 3
    # An editor's own sheet without the code column: the same item, not a second one beside it.
    report = run_text(path, "name,department,promised_limit\n居民身份证丢失补领,区公安分局,10\n犬只登记,区公安分局,5\n")
    assert (report["created"], report["updated"]) == (0, 1)
    assert ServiceItem.objects.get(code="GA-4").promised_limit_days == 10
    assert ServiceItem.objects.filter(name="居民身份证丢失补领").count() == 1
    # Two coded items share that name: which one is meant is not guessed.
    assert [s["row"] for s in report["skips"]] == [3] and "QZ-1" in report["skips"][0]["reason"]
    assert ServiceItem.objects.filter(name="犬只登记").count() == 2


def test_the_frequent_flag_is_read_from_its_column_and_an_empty_cell_leaves_it_alone(tmp_path: Path):
    path = tmp_path / "items.csv"
    path.write_text("事项名称,办理部门,事项编码,高频事项\n居住证办理,区公安分局,F-1,是\n户籍证明,区公安分局,F-2,否\n"
                    "犬只登记,区公安分局,F-3,\n写错了,区公安分局,F-4,常常\n", encoding="utf-8")
    report = run(path)
    assert report["created"] == 3 and [s["row"] for s in report["skips"]] == [5]
    assert "高频事项" in report["skips"][0]["reason"] and "是 或 否" in report["skips"][0]["reason"]
    assert dict(ServiceItem.objects.values_list("code", "frequent")) == {"F-1": True, "F-2": False, "F-3": False}
    ServiceItem.objects.filter(code="F-3").update(frequent=True)  # an editor marks it in the admin
    path.write_text("name,department,code,frequent\n犬只登记,区公安分局,F-3,\n户籍证明,区公安分局,F-2,true\n",
                    encoding="utf-8")
    assert run(path)["updated"] == 1
    assert dict(ServiceItem.objects.values_list("code", "frequent")) == {"F-1": True, "F-2": True, "F-3": True}


def test_a_row_saying_an_online_item_is_no_longer_online_takes_it_offline_and_drops_its_url(tmp_path: Path):
    path = tmp_path / "items.csv"
    assert run_text(path, "事项名称,办理部门,事项编码,是否网办,网办地址\n不动产登记查询,区不动产登记事务中心,O-1,是,"
                          "https://zwdt.example.gov.cn/query\n")["created"] == 1
    report = run_text(path, "事项名称,办理部门,事项编码,是否网办\n不动产登记查询,区不动产登记事务中心,O-1,否\n")
    assert (report["updated"], report["skipped"]) == (1, 0), report["skips"]
    assert ServiceItem.objects.filter(code="O-1").values_list("online", "online_url").get() == (False, "")


def test_a_row_saying_fully_online_but_not_online_is_skipped_and_fully_online_alone_makes_it_online(tmp_path: Path):
    path = tmp_path / "items.csv"
    report = run_text(path, "事项名称,办理部门,事项编码,到现场次数,是否网办\n"
                            "犬只登记,区农业农村委,V-1,全程网办,否\n"
                            "犬只年检,区农业农村委,V-2,0,\n"
                            "犬只注销,区农业农村委,V-3,1,否\n")
    assert (report["created"], report["skipped"]) == (2, 1), report["skips"]
    assert report["skips"][0]["row"] == 2 and "全程网办" in report["skips"][0]["reason"]
    assert "两者矛盾" in report["skips"][0]["reason"]
    # 全程网办 said alone is handled online by its name, as an online address alone makes an item online.
    assert dict(ServiceItem.objects.values_list("code", "online")) == {"V-2": True, "V-3": False}


def test_a_row_taking_a_fully_online_item_offline_without_its_visits_is_skipped_with_a_reason(tmp_path: Path):
    path = tmp_path / "items.csv"
    assert run_text(path, "事项名称,办理部门,事项编码,到现场次数\n犬只年检,区农业农村委,V-2,全程网办\n")["created"] == 1
    report = run_text(path, "事项名称,办理部门,事项编码,是否网办\n犬只年检,区农业农村委,V-2,否\n")
    assert (report["updated"], report["skipped"]) == (0, 1)
    assert "请在同一行填写实际到现场次数" in report["skips"][0]["reason"]  # not the database's own words
    assert ServiceItem.objects.values_list("visits_required", "online").get() == (0, True)
    fixed = run_text(path, "事项名称,办理部门,事项编码,是否网办,到现场次数\n犬只年检,区农业农村委,V-2,否,1\n")
    assert (fixed["updated"], fixed["skipped"]) == (1, 0)
    assert ServiceItem.objects.values_list("visits_required", "online").get() == (1, False)


def test_bad_rows_are_skipped_with_a_reason_and_the_rest_are_imported(tmp_path: Path):
    path = tmp_path / "items.csv"
    path.write_text(
        "name,department,code,promised_limit_days,legal_limit_days,online\n"
        "好的事项,区民政局,G-1,5,20,是\n"
        ",区民政局,G-2,,,\n"  # no name
        "没有部门,,G-3,,,\n"
        "时限写错,区民政局,G-4,五天,,\n"
        "承诺超过法定,区民政局,G-5,30,20,\n"
        "网办写错,区民政局,G-6,,,也许\n"
        "重复编码,区民政局,G-1,,,\n",
        encoding="utf-8",
    )
    report = run(path)
    assert report["created"] == 1
    reasons = {skip["row"]: skip["reason"] for skip in report["skips"]}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "事项名称" in reasons[3]
    assert "部门" in reasons[4]
    assert "五天" in reasons[5]
    assert "超过法定时限" in reasons[6]
    assert "是 或 否" in reasons[7]
    assert "第 2 行重复" in reasons[8]
    assert list(ServiceItem.objects.values_list("code", flat=True)) == ["G-1"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.json", b'[{"name": "a", "department": "b"', "JSON 格式错误"),
        ("object.json", b'{"name": "a"}', "事项列表"),
        ("no-columns.csv", "标题,单位\n甲,乙\n".encode(), "缺少必需的列"),
        ("empty.csv", b"", "空"),
        ("bad.xlsx", b"this is not a zip file", "Excel"),
        ("items.txt", b"name,department\n", "不支持的文件类型"),
        ("latin.csv", b"name,department\n\xff\xfe\xfa\xfb,\x81\n", "编码"),
    ],
)
def test_a_malformed_file_is_refused_with_a_clear_error_and_nothing_is_written(tmp_path, name, content, message):
    Department.objects.create(name="既有部门")
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        run(path)
    assert message in str(refused.value)
    assert "没有导入任何内容" in str(refused.value)
    assert ServiceItem.objects.count() == 0 and Department.objects.count() == 1


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run(tmp_path / "nope.csv")


def test_gbk_encoded_csv_from_excel_is_read(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("事项名称,实施主体\n低保申请,区民政局\n".encode("gb18030"))
    assert run(path)["created"] == 1
    assert ServiceItem.objects.get().department.name == "区民政局"


def test_xlsx_import_reads_columns_by_header_in_any_order(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["别名", "办理部门", "事项名称", "到现场次数", "是否网办", "网办地址"])
    sheet.append(["办狗证、养狗登记", "区公安分局", "犬只登记", 1, "是", "https://example.gov.cn/dog"])
    sheet.append([None, None, None, None, None, None])
    sheet.append([None, "区公安分局", "公章刻制备案", "最多跑一次", "否", None])
    path = tmp_path / "items.xlsx"
    workbook.save(path)
    report = run(path)
    assert report["created"] == 2
    dog = ServiceItem.objects.get(name="犬只登记")
    assert (dog.aliases, dog.visits_required, dog.online, dog.online_url) == (
        ["办狗证", "养狗登记"], 1, True, "https://example.gov.cn/dog")
    assert ServiceItem.objects.get(name="公章刻制备案").visits_required == 1


def test_a_title_row_above_the_header_is_passed_over_and_skips_name_the_sheets_own_row(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["浦东新区政务服务事项目录（2026 年版）"])  # row 1: a title, as exported spreadsheets have
    sheet.append([])
    sheet.append(["事项名称", "办理部门", "承诺时限"])  # row 3: the header
    sheet.append(["犬只登记", "区公安分局", 5])
    sheet.append(["公章刻制备案", "区公安分局", "很快"])  # row 5
    path = tmp_path / "items.xlsx"
    workbook.save(path)
    report = run(path)
    assert report["created"] == 1 and [s["row"] for s in report["skips"]] == [5]
    blank_first = tmp_path / "items.csv"  # blank lines above the header count too
    blank_first.write_text("\n\nname,department,promised_limit\n户籍证明,区公安分局,abc\n", encoding="utf-8")
    assert [s["row"] for s in run(blank_first)["skips"]] == [4]


def test_a_workbook_whose_first_sheet_is_instructions_is_read_from_the_sheet_with_the_header(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "填表说明"
    workbook.active.append(["请在“事项清单”表中填写，每行一个事项。"])
    sheet = workbook.create_sheet("事项清单")
    sheet.append(["事项名称", "办理部门"])
    sheet.append(["犬只登记", "区公安分局"])
    path = tmp_path / "items.xlsx"
    workbook.save(path)
    assert run(path)["created"] == 1
    assert ServiceItem.objects.get().name == "犬只登记"


def test_the_admins_own_field_labels_are_read_and_a_column_nobody_reads_is_reported(tmp_path):
    path = tmp_path / "items.csv"
    report = run_text(path, "事项名称,办理部门,可网上办理,承诺办结时限（工作日）,法定办结时限（工作日）,备注\n"
                            "犬只登记,区公安分局,是,5,20,周末也可办\n")
    assert report["created"] == 1
    dog = ServiceItem.objects.get()
    assert (dog.online, dog.promised_limit_days, dog.legal_limit_days) == (True, 5, 20)  # were silently dropped
    assert [w["message"] for w in report["warnings"]] == [
        "表头中这些列没有读取（没有对应的字段，或与前面的列重复）：备注"]


def test_json_import_carries_materials_and_replaces_them_on_update(tmp_path, licence_types):
    path = tmp_path / "items.json"
    items = [{"name": "结婚登记", "department": "区婚姻登记中心", "code": "J-1", "materials": [
        {"name": "居民身份证", "licence": "id_card"},
        {"name": "合影照片", "copies": 3, "form": "原件"},
        {"name": "户口簿", "when": "非全国通办试点时"},
    ]}]
    path.write_text(json.dumps({"items": items}, ensure_ascii=False), encoding="utf-8")
    assert run(path)["created"] == 1
    materials = list(Material.objects.order_by("position").values_list("name", "requirement", "copies",
                                                                       "licence_type__code"))
    assert materials == [("居民身份证", "required", 1, "id_card"), ("合影照片", "required", 3, None),
                         ("户口簿", "conditional", 1, None)]
    assert run(path)["unchanged"] == 1
    items[0]["materials"] = items[0]["materials"][:1]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    assert run(path)["updated"] == 1
    assert Material.objects.count() == 1


def test_a_json_row_with_a_list_or_object_where_text_belongs_is_skipped_not_stored_as_text(tmp_path):
    path = tmp_path / "items.json"
    items = [{"name": ["结婚登记"], "department": "区婚姻登记中心"}, {"name": "离婚登记", "department": {"id": 3}},
             {"name": "补领结婚证", "department": "区婚姻登记中心", "fee": {"amount": 9}},
             {"name": "婚姻状况证明", "department": "区婚姻登记中心", "aliases": ["单身证明"]}]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    report = run(path)
    assert report["created"] == 1 and [s["row"] for s in report["skips"]] == [1, 2, 3]
    assert "不能是列表或对象" in report["skips"][0]["reason"]
    assert list(ServiceItem.objects.values_list("name", flat=True)) == ["婚姻状况证明"]
    assert not Department.objects.filter(name__startswith="{").exists()


def test_a_material_count_written_with_a_superscript_digit_skips_its_item_with_a_reason(tmp_path):
    path = tmp_path / "items.json"
    items = [{"name": "结婚登记", "department": "区婚姻登记中心", "materials": [{"name": "合影照片", "copies": "²"}]},
             {"name": "离婚登记", "department": "区婚姻登记中心"}]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    report = run(path)
    assert report["created"] == 1
    assert "份数" in report["skips"][0]["reason"]


def test_the_command_prints_a_summary_and_each_skip_reason(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("name,department\n甲事项,区民政局\n,区民政局\n", encoding="utf-8")
    out = StringIO()
    call_command("import_catalogue", str(path), "--no-progress", stdout=out)
    text = out.getvalue()
    assert "跳过 第 3 行：缺少事项名称" in text
    assert "新增 1，更新 0，未变 0，跳过 1" in text
