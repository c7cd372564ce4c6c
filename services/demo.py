"""The bundled 一网通办 catalogue and demo applications (idempotent).

``services/fixtures/*.yaml`` hold reference data (life events, electronic licence types,
departments, service locations) and the catalogue (``catalogue-*.yaml``), written by the team for a
Pudong-style Shanghai district. Items go through the same import path as
``manage.py import_catalogue`` (upsert by code), so loading twice changes nothing.

Catalogue files are YAML: ``defaults`` (merged into every item of the file) and ``items``. Two
shorthands keep them readable: ``days: [legal, promised]`` and materials written as one line,
``名称 [原件|复印件|原件和复印件|电子材料|申请表] [xN] [@licence-code] [#备注] [?提供情形]``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import yaml
from django.utils import timezone

from services import actions
from services.catalogue_rows import FileError, rows_from_records
from services.models import Application, CatalogueVersion, Department, ServiceItem

ORDER = 20  # after accounts (10)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCE = "本区事项目录（内置）"
_FORMS = ("原件和复印件", "原件", "复印件", "电子材料", "申请表")


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 30× faster


def _yaml(name: str):
    with open(FIXTURES / name, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_Loader)  # noqa: S506 — a safe loader


def fixtures_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(FIXTURES.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def material_from_line(text: str) -> dict:
    """``居民身份证 原件 @id_card ?本人未满16周岁时`` → a material record."""
    condition = ""
    if "?" in text:
        text, condition = text.split("?", 1)
    notes = ""
    if "#" in text:
        text, notes = text.split("#", 1)
    words = text.split()
    record: dict = {"name": "", "form": "original", "copies": 1}
    name_words = []
    for word in words:
        if word in _FORMS:
            record["form"] = word
        elif word.startswith("@"):
            record["licence"] = word[1:]
        elif word[:1] == "x" and word[1:].isdigit():
            record["copies"] = int(word[1:])
        else:
            name_words.append(word)
    record["name"] = " ".join(name_words)
    if condition.strip():
        record["when"] = condition.strip()
    if notes.strip():
        record["notes"] = notes.strip()
    return record


def catalogue_records() -> list[dict]:
    records = []
    for path in sorted(FIXTURES.glob("catalogue-*.yaml")):
        data = _yaml(path.name)
        defaults = data.get("defaults", {})
        for entry in data["items"]:
            record = {**defaults, **entry}
            days = record.pop("days", None)
            if days is not None:
                record["legal_limit_days"], record["promised_limit_days"] = days
            record["materials"] = [material_from_line(m) if isinstance(m, str) else m
                                   for m in record.get("materials", [])]
            records.append(record)
    return records


def load_reference() -> None:
    for position, event in enumerate(_yaml("life_events.yaml"), start=1):
        actions.life_event_upsert(position=position, **event)
    for licence in _yaml("licences.yaml"):
        actions.licence_type_upsert(**licence)
    for department in _yaml("departments.yaml"):
        actions.department_upsert(**department)
    for location in _yaml("locations.yaml"):
        actions.location_upsert(**location)


def load_catalogue(*, force: bool = False) -> actions.ImportReport | None:
    """Load the bundled catalogue; skipped when these very fixture files were loaded already
    (a restart does not re-import 302 items while holding the set-up lock)."""
    digest = fixtures_digest()
    if not force and CatalogueVersion.objects.filter(id=1, bundled_digest=digest).exists():
        return None
    load_reference()
    rows = rows_from_records(catalogue_records(), source=SOURCE)
    report = actions.catalogue_import(rows=rows)
    if report.skipped or report.warnings:
        # The bundled data is ours: a bad row is a bug in the fixtures, not something to skip quietly.
        raise FileError(f"bundled catalogue has problems: skipped={report.skipped[:5]} "
                        f"warnings={report.warnings[:5]}")
    CatalogueVersion.objects.get_or_create(id=1)
    CatalogueVersion.objects.filter(id=1).update(bundled_digest=digest)
    return report


# --- demo residents: licences on file and applications in every state -------------------------------
DEMO_LICENCES = {
    "13900000001": ["id_card", "household_register", "marriage_cert", "driving_licence", "property_cert",
                    "social_security_card"],
    "13900000002": ["id_card", "household_register", "retirement_cert", "social_security_card"],
    "13900000003": ["id_card", "residence_permit", "graduation_cert"],
    "13900000004": ["id_card", "household_register", "veteran_cert", "vehicle_licence", "driving_licence"],
    "13900000005": ["id_card", "household_register", "marriage_cert", "birth_cert"],
}

# (phone, item code, days ago submitted, [(status, note), …] after 已提交)
DEMO_APPLICATIONS = [
    ("13900000001", "PD-GA-004", 3, []),
    ("13900000001", "PD-GJJ-002", 2, [("accepted", ""), ("reviewing", "")]),
    ("13900000001", "PD-JT-001", 30, [("accepted", ""), ("completed", "新驾驶证已寄出，请留意快递。")]),
    ("13900000002", "PD-MZ-010", 20, [("accepted", ""), ("needs_more", "请补充近 6 个月的银行流水。")]),
    ("13900000002", "PD-YB-006", 10, [("accepted", ""), ("reviewing", "")]),
    ("13900000003", "PD-RC-001", 8, [("rejected", "社保缴纳年限未达到积分申请要求。")]),
    ("13900000003", "PD-GA-015", 40, [("accepted", "")]),  # past its due date: flagged overdue
    ("13900000004", "PD-TY-002", 15, [("accepted", ""), ("reviewing", ""), ("completed", "补助已发放。")]),
    ("13900000005", "PD-HY-004", 1, [("accepted", "")]),
]


# The demo clerk ("clerk", see portal/accounts/demo.py) processes these departments' applications:
# 区公安分局 has demo applications at the counter, one of them overdue.
DEMO_CLERK_DEPARTMENTS = {"clerk": ["区公安分局"]}


def load_demo() -> None:
    from portal.accounts.actions import user_by_phone
    from portal.accounts.models import User

    for username, departments in DEMO_CLERK_DEPARTMENTS.items():
        clerk = User.objects.filter(username=username).first()
        if clerk is not None:
            for department in Department.objects.filter(name__in=departments):
                department.clerks.add(clerk)

    for phone, codes in DEMO_LICENCES.items():
        user = user_by_phone(phone=phone)
        if user is None or not user.is_realname_verified:
            continue
        for code in codes:
            actions.resident_licence_add(user=user, licence_code=code, issued_on=dt.date(2020, 1, 1),
                                         number_masked=f"{code[:2].upper()}****{phone[-4:]}")
    for phone, item_code, days_ago, steps in DEMO_APPLICATIONS:
        user = user_by_phone(phone=phone)
        item = ServiceItem.objects.filter(code=item_code).first()
        if user is None or item is None or not user.is_realname_verified:
            continue
        if Application.objects.filter(user=user, item=item).exists():
            continue
        submitted = timezone.now() - dt.timedelta(days=days_ago)
        # An item not handled online was registered at a service hall's window.
        channel = "web" if item.online else actions.COUNTER
        application = actions.application_submit(user=user, item_id=item.id, channel=channel, submitted_at=submitted)
        at = submitted
        for index, (status, note) in enumerate(steps, start=1):
            at = min(submitted + dt.timedelta(days=index), timezone.now())
            actions.application_status_change(application_id=application.id, status=status, note=note, at=at)


def load() -> None:
    load_catalogue()
    load_demo()


def annotate(data: dict) -> None:
    from portal.accounts.actions import phone_index

    for staff in data.get("staff", []):
        if staff.get("username") in DEMO_CLERK_DEPARTMENTS:
            staff["departments"] = DEMO_CLERK_DEPARTMENTS[staff["username"]]
    for resident in data.get("residents", []):
        count = (Application.objects.filter(user__phone_index=phone_index(resident["phone"])).count()
                 if resident.get("phone") else 0)
        if count:
            resident["applications"] = count
