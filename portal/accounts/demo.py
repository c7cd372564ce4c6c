"""Demo residents and staff: fictitious people with valid-format ID numbers (area 310115, 浦东新区)."""

from __future__ import annotations

import datetime as dt

from portal.accounts import actions, roles
from portal.accounts.idcard import make
from portal.accounts.models import User

ORDER = 10

RESIDENTS = [
    # (name, phone, birth date, sequence)
    ("张伟", "13900000001", dt.date(1985, 3, 7), 123),
    ("李秀英", "13900000002", dt.date(1956, 8, 21), 246),
    ("王芳", "13900000003", dt.date(1992, 11, 2), 318),
    ("刘洋", "13900000004", dt.date(1978, 1, 15), 451),
    ("陈静", "13900000005", dt.date(1990, 6, 30), 562),
]
STAFF = [
    # (username, password, name, role)
    ("admin", "demo-admin-2026", "平台管理员", roles.ADMIN),
    ("editor", "demo-editor-2026", "事项编辑 周敏", roles.CATALOGUE_EDITOR),
    ("venue", "demo-venue-2026", "场馆管理员 孙强", roles.VENUE_MANAGER),
    # Processes the applications of 区公安分局's items only (services/demo.py assigns the department).
    ("clerk", "demo-clerk-2026", "受理人员 吴磊", roles.SERVICE_CLERK),
]


def load() -> None:
    for name, phone, born, seq in RESIDENTS:
        user = actions.resident_for_phone(phone=phone, display_name=name)
        if not user.is_realname_verified:
            actions.realname_bind(user=user, name=name, id_number=make("310115", born, seq))
    for username, password, name, role in STAFF:
        actions.staff_ensure(username=username, password=password, display_name=name, role=role,
                             superuser=(role == roles.ADMIN))


def annotate(data: dict) -> None:
    for name, phone, born, seq in RESIDENTS:
        data["residents"].append(
            {"name": name, "id_number": make("310115", born, seq), "phone": phone, "doctor": None}
        )
    for username, password, name, role in STAFF:
        data["staff"].append({"username": username, "password": password, "name": name, "role": role})


def demo_resident(phone: str) -> User:
    return User.objects.get(phone_index=actions.phone_index(phone))
