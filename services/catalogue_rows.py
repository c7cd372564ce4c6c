"""Catalogue files ⇄ rows: read CSV, JSON, XLSX (and the bundled YAML) into validated item rows, and
write items back out in the same columns so an export re-imports unchanged.

Columns are found by header (English or Chinese names, see ``HEADERS``); only ``name`` and
``department`` are required. A file that cannot be read at all raises :class:`FileError` before
anything is written; a row that cannot be used becomes a :class:`RowError` with a reason.
Pure Python apart from Django's URL validator.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

CATEGORIES = ("行政许可", "行政确认", "行政给付", "行政奖励", "行政裁决", "其他行政权力", "公共服务")
AUDIENCES = {"个人": "个人", "自然人": "个人", "居民": "个人", "法人": "法人", "企业": "法人",
             "法人或其他组织": "法人", "个人和法人": "个人和法人",
             "个人、法人": "个人和法人", "自然人、法人": "个人和法人", "个人,法人": "个人和法人",
             "person": "个人", "business": "法人", "both": "个人和法人"}
REQUIREMENTS = {"required": "required", "必需": "required", "必须": "required", "必要": "required", "是": "required",
                "conditional": "conditional", "视情形": "conditional", "视情形提供": "conditional",
                "容缺": "conditional", "否": "conditional"}
FORMS = {"original": "original", "原件": "original", "copy": "copy", "复印件": "copy", "both": "both",
         "原件和复印件": "both", "原件及复印件": "both", "electronic": "electronic", "电子": "electronic",
         "电子材料": "electronic", "form": "form", "申请表": "form", "表格": "form"}

# canonical column → accepted headers (compared after normalising case, spaces and punctuation)
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "事项名称", "名称", "item_name", "title", "事项"),
    "department": ("department", "部门", "办理部门", "部门名称", "实施主体", "实施部门", "dept"),
    "code": ("code", "事项编码", "编码", "item_code", "实施编码"),
    "group": ("group", "分组", "事项分组", "主题分类"),
    "category": ("category", "事项类型", "类型", "事项类别"),
    "audience": ("audience", "服务对象"),
    "life_events": ("life_events", "life_event", "主题", "人生事件", "生活事件"),
    "aliases": ("aliases", "alias", "别名", "俗称", "又称"),
    "keywords": ("keywords", "关键词", "关键字"),
    "summary": ("summary", "简介", "事项简介", "description"),
    "conditions": ("conditions", "受理条件", "申请条件"),
    "legal_limit_days": ("legal_limit_days", "legal_limit", "法定时限", "法定办结时限", "法定办结时限（工作日）"),
    "promised_limit_days": ("promised_limit_days", "promised_limit", "承诺时限", "承诺办结时限",
                            "承诺办结时限（工作日）", "time_limit"),
    "visits_required": ("visits_required", "visits", "到现场次数", "跑动次数"),
    "online": ("online", "网上办理", "是否网办", "可网办", "可网上办理"),
    "online_url": ("online_url", "url", "网办地址", "办理网址"),
    "fee": ("fee", "收费", "收费标准", "是否收费"),
    "materials": ("materials", "申请材料", "材料"),
    "steps": ("steps", "办理流程", "流程"),
    "locations": ("locations", "办理地点", "地点"),
    "legal_basis": ("legal_basis", "设定依据", "法律依据"),
    "faq": ("faq", "常见问题"),
    "is_active": ("is_active", "active", "在用", "状态"),
    "frequent": ("frequent", "高频事项", "高频", "热门事项"),
}
_LOOKUP = {re.sub(r"[\s_\-（）()]", "", h.lower()): canon for canon, names in HEADERS.items() for h in names}
EXPORT_COLUMNS = list(HEADERS)
LIST_COLUMNS = ("aliases", "keywords", "life_events", "locations", "materials", "steps", "faq")

_SPLIT = re.compile(r"[、,，;；|\n]+")
_URL = URLValidator(schemes=["http", "https"])


class FileError(Exception):
    """The file cannot be read as a catalogue: nothing is imported."""


@dataclass
class RowError:
    number: int
    reason: str


@dataclass
class MaterialRow:
    name: str
    requirement: str = "required"
    condition: str = ""
    form: str = "original"
    copies: int = 1
    licence: str = ""
    notes: str = ""


@dataclass
class ItemRow:
    number: int
    name: str
    department: str
    code: str | None = None
    group: str | None = None
    category: str | None = None
    audience: str | None = None
    aliases: list[str] | None = None
    keywords: list[str] | None = None
    summary: str | None = None
    conditions: str | None = None
    legal_limit_days: int | None = None
    promised_limit_days: int | None = None
    visits_required: int | None = None
    online: bool | None = None
    online_url: str | None = None
    fee: str | None = None
    steps: list[dict] | None = None
    faq: list[dict] | None = None
    legal_basis: str | None = None
    source: str | None = None
    is_active: bool | None = None
    frequent: bool | None = None
    life_events: list[str] | None = None
    locations: list[str] | None = None
    materials: list[MaterialRow] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def has_relations(self) -> bool:
        return any(v is not None for v in (self.life_events, self.locations, self.materials))


class _Bad(Exception):
    pass


# --- reading files --------------------------------------------------------------------------------
def read_file(path: str | Path, *, source: str | None = None) -> list[ItemRow | RowError]:
    """All rows of a catalogue file, validated. Raises FileError when the file is unusable."""
    path = Path(path)
    if not path.is_file():
        raise FileError(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    data = path.read_bytes()
    ignored: list[str] = []
    if suffix == ".csv":
        records, first, ignored = _csv_records(data)
    elif suffix == ".json":
        records, first = _json_records(data), 1
    elif suffix in (".xlsx", ".xlsm"):
        records, first, ignored = _xlsx_records(data)
    else:
        raise FileError(f"不支持的文件类型“{suffix or '无扩展名'}”：请用 CSV、JSON 或 XLSX。")
    rows = rows_from_records(records, first_number=first, source=source if source is not None else path.name)
    if ignored:  # said once, on the first usable row: an editor's column that nothing reads
        first_row = next((row for row in rows if isinstance(row, ItemRow)), None)
        if first_row is not None:
            first_row.warnings.append(f"表头中这些列没有读取（没有对应的字段，或与前面的列重复）：{'、'.join(ignored)}")
    return rows


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError("文件编码无法识别：请保存为 UTF-8（或 GBK）编码的 CSV。")


def _csv_records(data: bytes) -> tuple[list[dict | None], int, list[str]]:
    text = _decode(data)
    if not text.strip():
        raise FileError("文件是空的。")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        table = list(reader)
    except csv.Error as exc:
        raise FileError(f"CSV 格式错误（第 {reader.line_num} 行）：{exc}")
    return _table_records(table)


HEADER_SEARCH_ROWS = 10  # a title or a note may stand above the header in an exported spreadsheet


def _table_records(table: list[list[Any]]) -> tuple[list[dict | None], int, list[str]]:
    """The records under the header, the row number of the first of them (as the editor's
    spreadsheet numbers it: blank lines and title rows above the header count) and the header's
    titles that no column reads."""
    filled = [index for index, cells in enumerate(table) if any(str(c or "").strip() for c in cells)]
    if not filled:
        raise FileError("文件里没有表头和数据。")
    found = None
    for index in filled[:HEADER_SEARCH_ROWS]:
        try:
            found = index, _map_header([str(c or "").strip() for c in table[index]])
            break
        except FileError:
            continue
    if found is None:
        _map_header([str(c or "").strip() for c in table[filled[0]]])  # raises, naming the first row
    header_index, columns = found
    header = table[header_index]
    ignored = [str(title).strip() for index, title in enumerate(header)
               if str(title or "").strip() and index not in columns]
    records: list[dict | None] = []
    for cells in table[header_index + 1:]:
        if not any(str(c if c is not None else "").strip() for c in cells):
            records.append(None)  # blank line: keeps row numbers right, ignored later
            continue
        record: dict[str, Any] = {}
        for index, value in enumerate(cells):
            if index >= len(header):
                if str(value if value is not None else "").strip():
                    record["__extra__"] = True
                continue
            canon = columns.get(index)
            if canon:
                record[canon] = value
        records.append(record)
    return records, header_index + 2, ignored


def _map_header(header: list[str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        canon = _LOOKUP.get(re.sub(r"[\s_\-（）()]", "", title.lower().lstrip("\ufeff")))
        if canon and canon not in columns.values():
            columns[index] = canon
    missing = [c for c in ("name", "department") if c not in columns.values()]
    if missing:
        raise FileError(
            f"缺少必需的列：{', '.join(missing)}。表头是：{', '.join(h for h in header if h) or '（空）'}；"
            f"事项名称可写 name/事项名称，部门可写 department/办理部门/实施主体。"
        )
    return columns


def _json_records(data: bytes) -> list[dict]:
    try:
        payload = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise FileError(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}")
    if isinstance(payload, dict) and isinstance(payload.get("items"), list):
        payload = payload["items"]
    if not isinstance(payload, list):
        raise FileError("JSON 文件应为事项列表，或形如 {\"items\": [...]} 的对象。")
    if not payload:
        raise FileError("文件里没有事项。")
    return [_canonical_keys(entry) if isinstance(entry, dict) else {"__not_object__": True} for entry in payload]


def _canonical_keys(entry: dict) -> dict:
    out: dict[str, Any] = {}
    for key, value in entry.items():
        canon = _LOOKUP.get(re.sub(r"[\s_\-（）()]", "", str(key).lower()))
        if canon and canon not in out:
            out[canon] = value
    return out


def _xlsx_records(data: bytes) -> tuple[list[dict | None], int, list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileError(f"无法读取 Excel 文件（{exc.__class__.__name__}）：请确认是 .xlsx 格式且未损坏。")
    try:
        tables = [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets]
    finally:
        workbook.close()
    # The first sheet with a header: a template often opens with a sheet of instructions.
    refusal = None
    for table in tables:
        try:
            return _table_records(table)
        except FileError as exc:
            refusal = refusal or exc
    raise refusal or FileError("文件里没有表头和数据。")


# --- validating records ---------------------------------------------------------------------------
def rows_from_records(records: Iterable[dict | None], *, first_number: int = 1, source: str | None = None
                      ) -> list[ItemRow | RowError]:
    rows: list[ItemRow | RowError] = []
    for number, record in enumerate(records, start=first_number):
        if record is None:
            continue
        try:
            rows.append(_row(number, record, source))
        except _Bad as exc:
            rows.append(RowError(number, str(exc)))
    if not rows:
        raise FileError("文件里没有数据行。")
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _row(number: int, record: dict, source: str | None) -> ItemRow:
    if record.get("__not_object__"):
        raise _Bad("这一项不是对象（应为 {\"name\": …, \"department\": …}）")
    if record.get("__extra__"):
        raise _Bad("这一行的列数比表头多（可能有未加引号的逗号）")
    nested = [key for key, value in record.items()
              if key in HEADERS and key not in LIST_COLUMNS and isinstance(value, (list, dict))]
    if nested:  # a JSON feed's list or object where one value belongs: its text would be "['…']"
        raise _Bad(f"“{nested[0]}”应为文字或数字，不能是列表或对象")
    name = _text(record.get("name"))
    department = _text(record.get("department"))
    if not name:
        raise _Bad("缺少事项名称（name）")
    if not department:
        raise _Bad("缺少办理部门（department）")
    if len(name) > 200:
        raise _Bad(f"事项名称超过 200 个字（{len(name)} 个字）")
    if len(department) > 100:
        raise _Bad("部门名称超过 100 个字")
    code = _text(record.get("code")) or None
    if code and len(code) > 120:
        raise _Bad("事项编码超过 120 个字符")
    row = ItemRow(number=number, name=name, department=department, code=code, source=source)

    row.group = _short(record, "group", 200)
    category = _text(record.get("category"))
    if category:
        if category in CATEGORIES:
            row.category = category
        else:
            row.warnings.append(f"事项类型“{category}”不在标准类型中，已记入分组")
            row.group = row.group or category[:200]
    audience = _text(record.get("audience"))
    if audience:
        if audience not in AUDIENCES:
            raise _Bad(f"服务对象“{audience}”应为 个人、法人 或 个人和法人")
        row.audience = AUDIENCES[audience]
    row.aliases = _list(record.get("aliases"))
    row.keywords = _list(record.get("keywords"))
    row.life_events = _list(record.get("life_events"))
    row.locations = _list(record.get("locations"))
    row.summary = _long(record, "summary")
    row.conditions = _long(record, "conditions")
    row.legal_basis = _long(record, "legal_basis")
    row.legal_limit_days = _days(record.get("legal_limit_days"), "法定时限")
    row.promised_limit_days = _days(record.get("promised_limit_days"), "承诺时限")
    if (row.legal_limit_days is not None and row.promised_limit_days is not None
            and row.promised_limit_days > row.legal_limit_days):
        raise _Bad(f"承诺时限（{row.promised_limit_days} 个工作日）超过法定时限（{row.legal_limit_days} 个工作日）")
    row.visits_required = _visits(record.get("visits_required"))
    row.online = _bool(record.get("online"), "是否网办")
    row.is_active = _bool(record.get("is_active"), "在用")
    row.frequent = _bool(record.get("frequent"), "高频事项")
    url = _text(record.get("online_url"))
    if url:
        try:
            _URL(url)
        except ValidationError:
            raise _Bad(f"网办地址“{url[:60]}”不是有效的网址")
        if row.online is False:
            raise _Bad("填写了网办地址，但“是否网办”为否")
        row.online_url, row.online = url, True
    elif row.online is False:
        row.online_url = ""  # not online any more: a stored address no longer applies
    if row.visits_required == 0:
        # 0 visits is 全程网办, handled online by its very name: said so with 是否网办 = 否, the row
        # contradicts itself; said without it, the item is online (as an online address makes it).
        if row.online is False:
            raise _Bad("到现场次数为 0（全程网办），但“是否网办”为否：两者矛盾，请核对后填写实际到现场次数或改为可网办")
        row.online = True
    row.fee = _short(record, "fee", 200)
    row.steps = _steps(record.get("steps"))
    row.faq = _faq(record.get("faq"))
    row.materials = _materials(record.get("materials"))
    return row


def _short(record: dict, key: str, limit: int) -> str | None:
    value = _text(record.get(key))
    if not value:
        return None
    if len(value) > limit:
        raise _Bad(f"“{key}”超过 {limit} 个字")
    return value


def _long(record: dict, key: str) -> str | None:
    value = _text(record.get(key))
    return value or None


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise _Bad("单元格中的 JSON 格式有误")
    return value


def _list(value: Any) -> list[str] | None:
    value = _maybe_json(value)
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple)):
        items = [_text(v) for v in value]
    else:
        items = _SPLIT.split(_text(value))
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item[:100])
    return out or None


_DAYS = re.compile(r"^(\d{1,4})\s*(个)?\s*(工作日|日|天)?$")


def _days(value: Any, label: str) -> int | None:
    text = _text(value)
    if not text:
        return None
    if text in ("即办", "当场办结", "立即办结", "即时办结"):
        return 0
    match = _DAYS.match(text)
    if not match or int(match.group(1)) > 3650:
        raise _Bad(f"{label}“{text[:30]}”不是工作日天数（如 5、5个工作日、即办）")
    return int(match.group(1))


def _visits(value: Any) -> int | None:
    text = _text(value)
    if not text:
        return None
    named = {"全程网办": 0, "零跑动": 0, "不见面": 0, "最多跑一次": 1, "最多跑两次": 2}
    if text in named:
        return named[text]
    match = re.match(r"^(\d{1,2})\s*次?$", text)
    if not match or int(match.group(1)) > 10:
        raise _Bad(f"到现场次数“{text[:30]}”应为 0–10 的数字")
    return int(match.group(1))


def _bool(value: Any, label: str) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if not text:
        return None
    if text in ("1", "是", "true", "yes", "y", "可", "可以", "支持", "在用"):
        return True
    if text in ("0", "否", "false", "no", "n", "不可", "不支持", "停用"):
        return False
    raise _Bad(f"{label}“{text[:20]}”应为 是 或 否")


def _steps(value: Any) -> list[dict] | None:
    value = _maybe_json(value)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = [v for v in re.split(r"[;；\n]+", value) if v.strip()]
    if not isinstance(value, list):
        raise _Bad("办理流程应为列表")
    steps = []
    for step in value:
        if isinstance(step, dict):
            title = _text(step.get("title"))
            if not title:
                raise _Bad("办理流程中有一步缺少标题（title）")
            steps.append({"title": title, "description": _text(step.get("description"))})
        else:
            title, _, description = _text(step).partition("：")
            steps.append({"title": title, "description": description})
    return steps


def _faq(value: Any) -> list[dict] | None:
    value = _maybe_json(value)
    if value is None or value == "":
        return None
    if not isinstance(value, list) or not all(isinstance(v, dict) and v.get("q") and v.get("a") for v in value):
        raise _Bad("常见问题应为 [{\"q\": 问题, \"a\": 回答}] 列表")
    return [{"q": _text(v["q"]), "a": _text(v["a"])} for v in value]


def _materials(value: Any) -> list[MaterialRow] | None:
    value = _maybe_json(value)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = [v for v in re.split(r"[;；\n]+", value) if v.strip()]
    if not isinstance(value, list):
        raise _Bad("申请材料应为列表")
    materials: list[MaterialRow] = []
    names: set[str] = set()
    for entry in value:
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict) or not _text(entry.get("name")):
            raise _Bad("申请材料中有一项缺少名称")
        name = _text(entry["name"])[:200]
        if name in names:
            raise _Bad(f"申请材料“{name}”重复")
        names.add(name)
        condition = _text(entry.get("when") or entry.get("condition"))[:200]
        requirement = REQUIREMENTS.get(_text(entry.get("requirement")) or ("conditional" if condition else "required"))
        if requirement is None:
            raise _Bad(f"材料“{name}”的是否必需“{entry.get('requirement')}”无法识别")
        if requirement == "conditional" and not condition:
            condition = "视具体情况提供"
        form = FORMS.get(_text(entry.get("form")) or "original")
        if form is None:
            raise _Bad(f"材料“{name}”的形式“{entry.get('form')}”应为 原件/复印件/原件和复印件/电子材料/申请表")
        copies_text = _text(entry.get("copies")) or "1"
        if not (copies_text.isascii() and copies_text.isdigit()) or not 1 <= int(copies_text) <= 20:  # "²".isdigit()
            raise _Bad(f"材料“{name}”的份数“{copies_text}”应为 1–20")
        materials.append(MaterialRow(name=name, requirement=requirement, condition=condition, form=form,
                                     copies=int(copies_text), licence=_text(entry.get("licence")),
                                     notes=_text(entry.get("notes"))[:300]))
    return materials


# --- writing files (export) -----------------------------------------------------------------------
def write_csv(records: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow({k: _cell(v) for k, v in record.items()})
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(records: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("事项")
    sheet.append(EXPORT_COLUMNS)
    for record in records:
        sheet.append([_cell(record.get(column)) for column in EXPORT_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_json(records: list[dict]) -> bytes:
    return json.dumps({"items": records}, ensure_ascii=False, indent=1).encode("utf-8")


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return "、".join(value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else value
