"""一网通办 use cases. Each changes state in one transaction and returns the model (or a report).

Catalogue writes bump :class:`~services.models.CatalogueVersion` in their transaction; the search
index refresh is queued after commit (``services/search.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.accounts import actions as accounts
from portal.accounts import idcard
from portal.connectors.notify import notification_queue
from portal.core.errors import Conflict, Forbidden, NotFound, PortalError
from services import access, workdays
from services.catalogue_rows import ItemRow, RowError
from services.models import (
    Application,
    ApplicationEvent,
    CatalogueVersion,
    Department,
    LicenceType,
    LifeEvent,
    Material,
    ResidentLicence,
    ServiceItem,
    ServiceLocation,
)

logger = logging.getLogger(__name__)
Status = Application.Status


# --- errors a resident or an editor reads ---------------------------------------------------------
class ItemUnavailable(NotFound):
    code = "item_not_found"
    message = _("没有找到这个办事事项，它可能已停用。")


class ApplicationNotFound(NotFound):
    code = "application_not_found"
    message = _("没有找到这个受理编号对应的办件，请核对编号。")


class RealnameRequired(Forbidden):
    code = "realname_required"
    message = _("办理事项前请先完成实名认证。")


class StatusChangeNotAllowed(Conflict):
    code = "status_change_not_allowed"
    message = _("办件当前状态不能变更为所选状态。")


class NotYetAccepted(StatusChangeNotAllowed):
    message = _("这件办件还没有受理：补齐材料后请先受理，再审核或办结。")


class StatusTimeBeforeSubmission(Conflict):
    """A status change dated before the application was submitted (a wrong ``at``, or the clock of
    the server that records the change behind the one that took the submission)."""

    code = "status_time_before_submission"
    message = _("办件进度的时间不能早于办件的提交时间，请核对时间后再试。")


class StatusTimeBeforeLatestEvent(Conflict):
    """A status change dated before the application's latest event (an 已办结 before the 已受理 it
    follows): the timeline would go backwards."""

    code = "status_time_before_latest_event"
    message = _("办件进度的时间不能早于上一条进度的时间，请核对时间后再试。")


class AlreadyApplied(Conflict):
    """An open (not finished, not refused) application of the same item by the same resident exists."""

    code = "already_applied"
    message = _("这个事项已有一件正在办理的申请，不用重复申请。")


class BusinessOnly(Forbidden):
    """The item serves businesses and other organisations (法人) only. Accounts here are residents'
    (``User.Kind``: 居民 or staff, no business account), so a resident cannot apply for it online."""

    code = "business_only"
    message = _("这个事项面向企业和其他组织（法人），个人账号不能在这里申请，请由单位经办人以法人身份办理。")


class CounterOnly(Conflict):
    """The item is handled at a service hall only (not online): a resident cannot apply for it here."""

    code = "counter_only"
    message = _("这个事项暂不能网上申请，请带齐材料到办理窗口办理。")


class ResidentNotFound(NotFound):
    code = "resident_not_found"
    message = _("没有找到这个身份证号对应的实名居民：请居民先在小程序或网页完成实名认证。")


class StaffOnly(Forbidden):
    code = "staff_only"
    message = _("只有受理人员或平台管理员可以办理办件。")


class NotDepartmentClerk(Forbidden):
    """A clerk registering at the counter an item of a department not assigned to them."""

    code = "not_department_clerk"
    message = _("您不是这个事项办理部门的受理人员，不能登记它的窗口办件。")


# --- catalogue version (search index freshness) ---------------------------------------------------
def catalogue_touch() -> None:
    """Mark the catalogue changed: call inside the transaction of any catalogue write."""
    CatalogueVersion.objects.get_or_create(id=1)
    CatalogueVersion.objects.filter(id=1).update(version=F("version") + 1, changed_at=timezone.now())
    from services import search

    transaction.on_commit(search.catalogue_changed)


# --- reference data -------------------------------------------------------------------------------
def life_event_upsert(*, code: str, name: str, audience: str = "个人", position: int = 0) -> LifeEvent:
    event, _created = LifeEvent.objects.update_or_create(code=code, defaults={"name": name, "audience": audience,
                                                                       "position": position})
    return event


def licence_type_upsert(*, code: str, name: str, issuer: str = "") -> LicenceType:
    licence, _created = LicenceType.objects.update_or_create(code=code, defaults={"name": name, "issuer": issuer})
    return licence


def department_upsert(*, name: str, short_name: str = "", phone: str = "", address: str = "") -> Department:
    department, _created = Department.objects.update_or_create(
        name=name, defaults={"short_name": short_name, "phone": phone, "address": address}
    )
    return department


def location_upsert(*, name: str, address: str, town: str = "", phone: str = "", hours: str = "",
                    latitude: float | None = None, longitude: float | None = None) -> ServiceLocation:
    location, _created = ServiceLocation.objects.update_or_create(
        name=name, defaults={"address": address, "town": town, "phone": phone, "hours": hours,
                             "latitude": latitude, "longitude": longitude},
    )
    return location


def resident_licence_add(*, user, licence_code: str, number_masked: str = "", issued_on: dt.date | None = None,
                         valid_until: dt.date | None = None) -> ResidentLicence:
    """Record an electronic licence the licence library holds for a real-name-bound resident."""
    if not user.is_realname_verified:
        raise RealnameRequired()
    licence_type = LicenceType.objects.filter(code=licence_code).first()
    if licence_type is None:
        raise PortalError(_("没有这种电子证照类型。"), code="unknown_licence_type")
    licence, _created = ResidentLicence.objects.update_or_create(
        user=user, licence_type=licence_type,
        defaults={"number_masked": number_masked, "issued_on": issued_on, "valid_until": valid_until},
    )
    return licence


# --- catalogue import (the importer, the bundled catalogue and the admin share this) -------------
@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.skipped)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": len(self.skipped), "dry_run": self.dry_run,
                "skips": [{"row": n, "reason": r} for n, r in self.skipped],
                "warnings": [{"row": n, "message": m} for n, m in self.warnings]}


class _DryRunRollback(Exception):
    pass


_SCALARS = ("category", "group", "audience", "summary", "conditions", "legal_limit_days", "promised_limit_days",
            "visits_required", "online", "online_url", "fee", "steps", "faq", "legal_basis", "source",
            "aliases", "keywords", "is_active", "frequent")


def catalogue_import(*, rows: Iterable[ItemRow | RowError], dry_run: bool = False, progress=None) -> ImportReport:
    """Upsert items (by code, else department + name) in one transaction.

    ``rows`` are already parsed (``services/catalogue_rows.py``); a :class:`RowError` is reported as
    a skip. A row the database refuses is skipped too (a savepoint per row), never fatal. A value
    left empty in the source leaves the stored value alone. ``dry_run`` rolls everything back.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            _import_rows(rows, report, progress)
            if report.created or report.updated:
                catalogue_touch()
            if dry_run:
                raise _DryRunRollback()
    except _DryRunRollback:
        pass
    return report


def _import_rows(rows, report: ImportReport, progress) -> None:
    departments = {d.name: d for d in Department.objects.all()}
    by_code: dict[str, ServiceItem] = {}
    by_name: dict[tuple, ServiceItem] = {}  # items without a code
    coded_by_name: dict[tuple, list[ServiceItem]] = {}  # a row without a code may mean one of these
    for item in ServiceItem.objects.only("id", "code", "name", "department_id"):
        if item.code:
            by_code[item.code] = item
            coded_by_name.setdefault((item.department_id, item.name), []).append(item)
        else:
            by_name[(item.department_id, item.name)] = item
    life_events = {e.name: e for e in LifeEvent.objects.all()} | {e.code: e for e in LifeEvent.objects.all()}
    licences = {t.code: t for t in LicenceType.objects.all()} | {t.name: t for t in LicenceType.objects.all()}
    locations = {loc.name: loc for loc in ServiceLocation.objects.all()}
    seen: dict[tuple, int] = {}

    for row in rows:
        if progress is not None:
            progress.update(1)
        if isinstance(row, RowError):
            report.skipped.append((row.number, row.reason))
            continue
        department = departments.get(row.department)
        if department is None:
            department, _created = Department.objects.get_or_create(name=row.department)
            departments[row.department] = department
        key = ("code", row.code) if row.code else ("name", department.id, row.name)
        if key in seen:
            what = "编码" if row.code else "部门和名称"
            report.skipped.append((row.number, f"与第 {seen[key]} 行重复（同一{what}）"))
            continue
        seen[key] = row.number
        if row.code:
            existing = by_code.get(row.code)
        else:
            coded = coded_by_name.get((department.id, row.name), [])
            existing = by_name.get((department.id, row.name)) or (coded[0] if len(coded) == 1 else None)
            if existing is None and coded:
                codes = "、".join(sorted(i.code for i in coded))
                report.skipped.append((row.number, f"本部门有多个同名事项（编码 {codes}），请填写事项编码"))
                continue
        try:
            with transaction.atomic():
                item, outcome = _item_write(existing, row, department)
                warnings = _item_relations(item, row, life_events, licences, locations,
                                           replace=outcome != "created")
        except IntegrityError as exc:
            report.skipped.append((row.number, f"数据库拒绝了这一行：{_integrity_reason(exc)}"))
            continue
        for message in [*row.warnings, *warnings]:
            report.warnings.append((row.number, message))
        if outcome == "created":
            report.created += 1
            if item.code:
                by_code[item.code] = item
                coded_by_name.setdefault((department.id, item.name), []).append(item)
            else:
                by_name[(department.id, item.name)] = item
        elif outcome == "updated" or item._relations_changed:
            if outcome != "updated":
                ServiceItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())
            report.updated += 1
        else:
            report.unchanged += 1


def _integrity_reason(exc: IntegrityError) -> str:
    text = str(exc)
    if "promised_within_legal" in text:
        return "承诺时限超过了法定时限"
    if "item_fully_online_is_online" in text:
        # The row left one of the two alone: 是否网办 = 否 for an item stored as 全程网办.
        return "“是否网办”为否，但事项的到现场次数为 0（全程网办）：请在同一行填写实际到现场次数"
    if "unique" in text.lower():
        return "与已有事项冲突（编码或部门加名称重复）"
    return text.splitlines()[0][:120]


def _item_write(existing: ServiceItem | None, row: ItemRow, department: Department) -> tuple[ServiceItem, str]:
    values = {name: getattr(row, name) for name in _SCALARS if getattr(row, name) is not None}
    if existing is None:
        item = ServiceItem(code=row.code, name=row.name, department=department, **values)
        item.full_clean(exclude=["code", "department", "life_events", "locations"], validate_unique=False,
                        validate_constraints=False)
        item.save()
        return item, "created"
    item = ServiceItem.objects.get(pk=existing.pk)
    values |= {"name": row.name, "department_id": department.id}
    # The source label alone (another file name with the same content) is not a change.
    changed = [name for name, value in values.items() if name != "source" and getattr(item, name) != value]
    if changed:
        if "source" in values and item.source != values["source"]:
            changed.append("source")
        for name in changed:
            setattr(item, name, values[name])
        item.save(update_fields=[*changed, "updated_at"])
        return item, "updated"
    return item, "unchanged"


def _item_relations(item: ServiceItem, row: ItemRow, life_events, licences, locations, *, replace: bool) -> list[str]:
    """Life events, locations and materials given by the row replace the stored ones."""
    warnings: list[str] = []
    item._relations_changed = False
    if row.life_events is not None:
        wanted = []
        for name in row.life_events:
            event = life_events.get(name)
            if event is None:
                warnings.append(f"未知主题“{name}”已忽略")
            else:
                wanted.append(event.id)
        current = set(item.life_events.values_list("id", flat=True)) if replace else set()
        if set(wanted) != current:
            _m2m_replace(item, "life_events", "lifeevent_id", wanted, replace)
            item._relations_changed = True
    if row.locations is not None:
        wanted = []
        for name in row.locations:
            location = locations.get(name)
            if location is None:
                warnings.append(f"未知办理地点“{name}”已忽略")
            else:
                wanted.append(location.id)
        current = set(item.locations.values_list("id", flat=True)) if replace else set()
        if set(wanted) != current:
            _m2m_replace(item, "locations", "servicelocation_id", wanted, replace)
            item._relations_changed = True
    if row.materials is not None:
        wanted_materials = []
        for position, material in enumerate(row.materials, start=1):
            licence = None
            if material.licence:
                licence = licences.get(material.licence)
                if licence is None:
                    warnings.append(f"材料“{material.name}”的电子证照“{material.licence}”未知，已忽略")
            wanted_materials.append((position, material.name, material.requirement, material.condition,
                                     material.form, material.copies, licence.id if licence else None,
                                     material.notes))
        current = list(item.materials.order_by("position", "id").values_list(
            "position", "name", "requirement", "condition", "form", "copies", "licence_type_id", "notes"
        )) if replace else []
        if wanted_materials != current:
            item.materials.all().delete()
            Material.objects.bulk_create([
                Material(item=item, position=p, name=n, requirement=r, condition=c, form=f, copies=k,
                         licence_type_id=lt, notes=no)
                for (p, n, r, c, f, k, lt, no) in wanted_materials
            ])
            item._relations_changed = True
    return warnings


def _m2m_replace(item: ServiceItem, field: str, column: str, ids: list[int], replace: bool) -> None:
    """Set an item's many-to-many rows with two statements (the importer writes thousands)."""
    through = getattr(ServiceItem, field).through
    if replace:
        through.objects.filter(serviceitem_id=item.id).delete()
    through.objects.bulk_create([through(serviceitem_id=item.id, **{column: i}) for i in dict.fromkeys(ids)])


def item_set_active(*, item_id: int, active: bool) -> ServiceItem:
    with transaction.atomic():
        updated = ServiceItem.objects.filter(pk=item_id).update(is_active=active, updated_at=timezone.now())
        if not updated:
            raise ItemUnavailable()
        catalogue_touch()
    return ServiceItem.objects.get(pk=item_id)


# --- applications (办件) ---------------------------------------------------------------------------
# Which status may follow which. 不予受理 is decided at acceptance (or after a failed 补件).
TRANSITIONS: dict[str, set[str]] = {
    Status.SUBMITTED: {Status.ACCEPTED, Status.REJECTED, Status.NEEDS_MORE},
    Status.ACCEPTED: {Status.REVIEWING, Status.NEEDS_MORE, Status.COMPLETED},
    Status.REVIEWING: {Status.NEEDS_MORE, Status.COMPLETED},
    Status.NEEDS_MORE: {Status.ACCEPTED, Status.REVIEWING, Status.REJECTED},
    Status.COMPLETED: set(),
    Status.REJECTED: set(),
}


def application_next_statuses(application: Application) -> set[str]:
    """The statuses an application may move to next. One asked for more before it was accepted goes
    back to 已受理 (or 不予受理), never straight to 审核中: it would have no acceptance date, so no due
    date and never an overdue flag."""
    allowed = TRANSITIONS[application.status]
    if application.accepted_at is None:
        allowed = allowed - {Status.REVIEWING, Status.COMPLETED}
    return allowed


_NOTICE = {
    Status.SUBMITTED: "您的「{item}」申请已提交，受理编号 {receipt}。",
    Status.ACCEPTED: "您的「{item}」申请（{receipt}）已受理{due}。",
    Status.REVIEWING: "您的「{item}」申请（{receipt}）正在审核。",
    Status.NEEDS_MORE: "您的「{item}」申请（{receipt}）需要补充材料：{note}",
    Status.COMPLETED: "您的「{item}」申请（{receipt}）已办结。{note}",
    Status.REJECTED: "您的「{item}」申请（{receipt}）不予受理：{note}",
}


RECEIPT_NUMBER = re.compile(r"PD\d{14}")  # PD, the date of submission, six random digits


def _new_receipt_number(today: dt.date) -> str:
    return f"PD{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def expected_completion_for(item: ServiceItem, accepted_on: dt.date) -> tuple[dt.date | None, bool]:
    """Due date counted in working days from acceptance; (date, is_estimate)."""
    limit = item.promised_limit_days if item.promised_limit_days is not None else item.legal_limit_days
    if limit is None:
        return None, False
    due = workdays.add_workdays(accepted_on, limit)
    return due, not (workdays.calendar_known(accepted_on) and workdays.calendar_known(due))


COUNTER = "counter"  # the channel of an application a clerk registers at a service hall's window


def _check_clerk_of(clerk, item: ServiceItem) -> None:
    """A clerk registers at the counter only items of their own departments (an admin any item)."""
    ids = access.clerk_department_ids(clerk)
    if ids is None or item.department_id in ids:
        return
    department = item.department.name
    if not ids:
        message = _("您还没有分配办理部门，不能登记「{item}」（{department}）的窗口办件，请联系平台管理员。").format(
            item=item.name, department=department)
    else:
        yours = "、".join(Department.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True))
        message = _("「{item}」由{department}办理，您只能登记本部门（{yours}）事项的窗口办件。").format(
            item=item.name, department=department, yours=yours)
    raise NotDepartmentClerk(message, extra={"department": department})


def counter_only_refusal(item: ServiceItem) -> CounterOnly:
    """The refusal of an online application for an item handled at the counter only, saying where to
    go: the item's service locations (else its department)."""
    locations = list(item.locations.all())
    if locations:
        places = "；".join(f"{loc.name}（{loc.address}）" if loc.address else loc.name for loc in locations)
        message = _("「{item}」暂不能网上申请，请带齐材料到以下地点办理：{places}。").format(
            item=item.name, places=places)
    else:
        department = item.department
        where = f"{department.name}（{department.phone}）" if department.phone else department.name
        message = _("「{item}」暂不能网上申请，请带齐材料到办理窗口办理，详情请咨询{department}。").format(
            item=item.name, department=where)
    return CounterOnly(message, extra={"locations": [
        {"id": loc.id, "name": loc.name, "address": loc.address, "hours": loc.hours, "phone": loc.phone}
        for loc in locations]})


def business_only_refusal(item: ServiceItem) -> BusinessOnly:
    """The refusal of a resident's online application for an item that serves 法人 only, saying
    where the business applies instead: the item's online address (as a business, 法人登录), else
    or also its service locations, else its department."""
    locations = list(item.locations.all())
    places = "；".join(f"{loc.name}（{loc.address}）" if loc.address else loc.name for loc in locations)
    department = item.department
    where = f"{department.name}（{department.phone}）" if department.phone else department.name
    if item.online_url and places:
        message = _("「{item}」面向企业和其他组织（法人），个人账号不能在这里申请：请单位经办人以法人身份在 {url} "
                    "网上办理，或带齐材料到以下地点办理：{places}。").format(item=item.name, url=item.online_url,
                                                                 places=places)
    elif item.online_url:
        message = _("「{item}」面向企业和其他组织（法人），个人账号不能在这里申请：请单位经办人以法人身份在 {url} "
                    "网上办理，详情请咨询{department}。").format(item=item.name, url=item.online_url, department=where)
    elif places:
        message = _("「{item}」面向企业和其他组织（法人），个人账号不能在这里申请：请单位经办人带齐材料到以下地点办理："
                    "{places}。").format(item=item.name, places=places)
    else:
        message = _("「{item}」面向企业和其他组织（法人），个人账号不能在这里申请：请单位经办人带齐材料到办理窗口办理，"
                    "详情请咨询{department}。").format(item=item.name, department=where)
    return BusinessOnly(message, extra={"online_url": item.online_url, "locations": [
        {"id": loc.id, "name": loc.name, "address": loc.address, "hours": loc.hours, "phone": loc.phone}
        for loc in locations]})


def application_submit(*, user, item_id: int, channel: str = "web", submitted_at: dt.datetime | None = None,
                       clerk=None) -> Application:
    """A real-name-bound resident applies for an active item: a receipt number and the first event.

    An item that is not handled online (``online`` off: the resident must go to a service hall) is
    refused with :class:`CounterOnly` unless a clerk registers it at the counter (``channel="counter"``,
    ``clerk`` a service clerk of the item's department or an admin, else :class:`StaffOnly` or
    :class:`NotDepartmentClerk`; the bundled demo data registers without one). An item that
    serves businesses only (``audience`` 法人; 个人和法人 items stay open) is refused online with
    :class:`BusinessOnly`: there is no business account here. While the
    resident has an open application of the item (not 已办结 nor 不予受理), another one, online or at
    the counter, is refused with :class:`AlreadyApplied` naming its receipt number — a repeat with
    the same ``Idempotency-Key`` is answered before this, with the first response.
    """
    if not user.is_authenticated or not user.is_realname_verified:
        raise RealnameRequired()
    if channel == COUNTER and clerk is not None and not access.may_process_applications(clerk):
        raise StaffOnly(_("只有工作人员可以登记窗口办件。"))
    item = ServiceItem.objects.filter(pk=item_id, is_active=True).select_related("department").first()
    if item is None:
        raise ItemUnavailable()
    if channel == COUNTER and clerk is not None:
        _check_clerk_of(clerk, item)
    if item.audience == ServiceItem.Audience.BUSINESS and channel != COUNTER:
        # At the window a clerk checks the business's papers and its agent's ID card; online, a
        # resident's account is no business's.
        raise business_only_refusal(item)
    if not item.online and channel != COUNTER:
        raise counter_only_refusal(item)
    now = submitted_at or timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    receipt_number=_new_receipt_number(timezone.localdate(now)), user=user, item=item,
                    channel=channel, submitted_at=now,
                )
                _event_add(application, Status.SUBMITTED, note="", actor=clerk or user, at=now)
                return application
        except IntegrityError:
            # The one open application per resident and item (application_one_open_per_item) is
            # the database's to keep: no check before the insert that a twin request could pass too.
            existing = _open_application(user=user, item=item)
            if existing is not None:
                raise already_applied_refusal(existing)
            continue  # receipt number collision: draw again
    raise Conflict(_("系统繁忙，请稍后再试。"), code="receipt_number_busy")


def _open_application(*, user, item: ServiceItem) -> Application | None:
    return (Application.objects.filter(user=user, item=item).exclude(status__in=Application.FINAL)
            .select_related("item").order_by("-submitted_at").first())


def already_applied_refusal(existing: Application) -> AlreadyApplied:
    """The refusal of a second open application of one item, naming the first one's receipt number."""
    message = _("「{item}」已有一件正在办理的申请（受理编号 {receipt}，{status}），不用重复申请。")
    return AlreadyApplied(
        message.format(item=existing.item.name, receipt=existing.receipt_number, status=existing.get_status_display()),
        extra={"receipt_number": existing.receipt_number, "status": existing.status})


def application_register_at_counter(*, clerk, id_number: str, item_id: int) -> Application:
    """A clerk registers an application at a service hall's window for the real-name-bound resident
    whose ID card they checked: the way in for items not handled online (``channel="counter"``).
    A clerk registers only items of their own departments (:class:`NotDepartmentClerk`, said before
    the ID number is looked up)."""
    if not access.may_process_applications(clerk):
        raise StaffOnly(_("只有工作人员可以登记窗口办件。"))
    if not idcard.is_valid(id_number):
        raise accounts.InvalidIdNumber(fields={"id_number": [str(accounts.InvalidIdNumber.message)]})
    item = ServiceItem.objects.filter(pk=item_id, is_active=True).select_related("department").first()
    if item is not None:  # an unknown item is application_submit's to refuse
        _check_clerk_of(clerk, item)
    resident = accounts.resident_by_id_number(id_number=id_number)
    if resident is None:
        raise ResidentNotFound()
    return application_submit(user=resident, item_id=item_id, channel=COUNTER, clerk=clerk)


def application_status_change(*, application_id: int, status: str, note: str = "", actor=None,
                              at: dt.datetime | None = None) -> Application:
    """Move an application along its timeline (staff). Locks the application row.

    Acceptance sets the expected completion date (working days); 需补件 stops the clock and the
    resumption moves the due date by the working days spent waiting; each change queues a
    notification to the applicant after commit. A change dated before the submission (a wrong
    ``at``, or this server's clock behind the one that took the submission) is refused with
    :class:`StatusTimeBeforeSubmission`, one dated before the application's latest event (the timeline
    would go backwards) with :class:`StatusTimeBeforeLatestEvent`; either way nothing is written.

    A clerk (``actor``) changes only applications of their departments' items: another department's
    application is "not found", like one that does not exist (an id must not reveal that it exists).
    Without an ``actor`` (the bundled demo data) nothing is checked.
    """
    if actor is not None and not access.may_process_applications(actor):
        raise StaffOnly()
    if status not in Status.values:
        raise PortalError(_("没有这种办件状态。"), code="unknown_status", fields={"status": [str(status)]})
    now = at or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        applications = Application.objects.filter(pk=application_id)
        if actor is not None:
            applications = access.scope_applications(applications, actor)
        application = applications.select_for_update().select_related("item", "user").first()
        if application is None:
            raise ApplicationNotFound(_("没有找到这个办件。"))
        if status not in application_next_statuses(application):
            refusal = NotYetAccepted if status in TRANSITIONS[application.status] else StatusChangeNotAllowed
            raise refusal(extra={"from": application.status, "to": status})
        if status in (Status.NEEDS_MORE, Status.REJECTED) and not note.strip():
            raise PortalError(_("需补件或不予受理时请写明原因。"), code="note_required",
                              fields={"note": [str(_("请写明原因。"))]})
        if now < application.submitted_at:
            # The database refuses an acceptance before the submission (a 500); a completion or an
            # event before it would be stored as nonsense. Either way nothing is written.
            raise StatusTimeBeforeSubmission(_(
                "变更时间（{at}）早于办件的提交时间（{submitted}），办件进度不能早于提交：请核对时间后再试。").format(
                at=_local_time(now), submitted=_local_time(application.submitted_at)),
                extra={"submitted_at": timezone.localtime(application.submitted_at).isoformat()})
        latest = application.events.order_by("-created_at", "-id").first()
        if latest is not None and now < latest.created_at:
            # A timeline that goes backwards (已办结 dated before the 已受理 it follows) misleads the
            # resident and the due dates computed from it; the same moment is not before it.
            raise StatusTimeBeforeLatestEvent(_(
                "变更时间（{at}）早于办件上一条进度“{status}”的时间（{latest}），办件进度不能倒退：请核对时间后再试。").format(
                at=_local_time(now), status=latest.get_status_display(), latest=_local_time(latest.created_at)),
                extra={"latest_event_at": timezone.localtime(latest.created_at).isoformat(),
                       "latest_event_status": latest.status})
        previous = application.status
        if previous == Status.NEEDS_MORE:
            if application.paused_on and application.expected_completion:
                application.expected_completion, application.expected_is_estimate = _due_after_pause(
                    application.expected_completion, application.paused_on, today)
            application.paused_on = None
        if status == Status.ACCEPTED and application.accepted_at is None:
            # After the resumption above: a clock that only starts now has nothing to make up.
            application.accepted_at = now
            application.expected_completion, application.expected_is_estimate = expected_completion_for(
                application.item, today)
        if status == Status.NEEDS_MORE:
            application.paused_on = today
        if status in Application.FINAL:
            application.completed_at = now
        application.status = status
        application.save()
        _event_add(application, status, note=note, actor=actor, at=now)
    return application


def _local_time(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"


def _due_after_pause(due: dt.date, paused_on: dt.date, today: dt.date) -> tuple[dt.date, bool]:
    """The due date when the clock starts again ``today``: the working days that were left when it
    stopped, counted from today (so resuming on a Saturday the last day was due gives Monday, not a
    date already past). One that was already late when paused stays late by the working days waited.
    Returns (date, is_estimate)."""
    if paused_on <= due:
        new_due = workdays.add_workdays(today, workdays.workdays_between(paused_on, due))
    else:
        new_due = workdays.add_workdays(due, workdays.workdays_between(paused_on, today))
    return new_due, not all(workdays.calendar_known(day) for day in (due, paused_on, today, new_due))


def _event_add(application: Application, status: str, *, note: str, actor, at: dt.datetime) -> ApplicationEvent:
    event = ApplicationEvent.objects.create(application=application, status=status, note=note[:500],
                                            actor=actor if getattr(actor, "pk", None) else None, created_at=at)
    due = f"，预计 {application.expected_completion.isoformat()} 前办结" if application.expected_completion else ""
    if due and application.expected_is_estimate:
        due += f"（{application.expected_completion.year} 年节假日安排尚未公布，此为估算日期）"
    body = _NOTICE[status].format(item=application.item.name, receipt=application.receipt_number, due=due,
                                  note=note).strip()
    with translation.override(settings.LANGUAGE_CODE):  # the resident reads it, not the clerk who wrote it
        title = f"办件进度：{Application.Status(status).label}"
    notification_queue(
        user=application.user, template=f"application.{status}", title=title, body=body,
        data={"receipt_number": application.receipt_number, "status": status,
              "application_id": application.pk},
        dedupe_key=f"application-event:{event.pk}",
    )
    return event
