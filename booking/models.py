"""Venues (场馆), courts (场地), slots (时段), bookings (预约) and the waiting list (候补).

Invariants the database holds even when code forgets:

- a slot never has fewer than 0 or more than ``capacity`` places left (``remaining``);
- a resident holds at most one active booking (confirmed or checked in) per slot;
- a resident waits at most once per slot.

Capacity is taken by a conditional UPDATE in :func:`booking.actions.booking_create`; these
constraints are the backstop.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _new_checkin_secret() -> str:
    return secrets.token_hex(16)


class Sport(models.TextChoices):
    """Canonical Chinese sport names, the same words chat slots use."""

    BADMINTON = "羽毛球", "羽毛球"
    BASKETBALL = "篮球", "篮球"
    FOOTBALL = "足球", "足球"
    TENNIS = "网球", "网球"
    TABLE_TENNIS = "乒乓球", "乒乓球"
    SWIMMING = "游泳", "游泳"
    GYM = "健身", "健身"
    FITNESS_TRAIL = "健身路径", "健身路径"
    RUNNING = "跑步", "跑步"
    TAICHI = "太极拳", "太极拳"
    SQUARE_DANCE = "广场舞", "广场舞"
    YOGA = "瑜伽", "瑜伽"


class Venue(models.Model):
    """A public sports venue (体育场馆) or a free outdoor fitness point (健身苑点, no booking).

    ``opening_hours`` maps ISO weekday ("1" = Monday … "7" = Sunday) and ``"holiday"`` to a list
    of ``["HH:MM", "HH:MM"]`` intervals; an empty list means closed. See
    :func:`booking.schedule.hours_for`. The booking rules below are per venue; their defaults come
    from ``settings.BOOKING_DEFAULTS``.
    """

    class Kind(models.TextChoices):
        SPORTS_CENTRE = "centre", "体育场馆"
        SCHOOL = "school", "学校场地开放"
        FITNESS_POINT = "fitness_point", "健身苑点"

    class Status(models.TextChoices):
        OPEN = "open", "开放"
        CLOSED = "closed", "暂停开放"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.SPORTS_CENTRE)
    district = models.CharField("区", max_length=32, default="浦东新区")
    town = models.CharField("街镇", max_length=32, db_index=True)
    address = models.CharField("地址", max_length=200)
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    sports = models.JSONField("运动项目", default=list, blank=True)
    facilities = models.JSONField("设施", default=list, blank=True)
    opening_hours = models.JSONField("开放时间", default=dict, blank=True)
    is_free = models.BooleanField("免费", default=False)
    phone = models.CharField("电话", max_length=32, blank=True, default="")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    description = models.TextField("简介", blank=True, default="")
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="managed_venues",
                                      verbose_name="管理员")

    # Booking rules (per venue).
    window_days = models.PositiveSmallIntegerField("提前预约天数", default=7)
    release_time = models.TimeField("放号时间", default=dt.time(8, 0))
    max_active_per_resident = models.PositiveSmallIntegerField("每人未完成预约上限", default=3)
    max_per_day_per_resident = models.PositiveSmallIntegerField("每人每天预约上限", default=2)
    max_per_venue_per_day = models.PositiveSmallIntegerField("每人每天本馆预约上限", default=1)
    cancel_deadline_minutes = models.PositiveIntegerField("取消截止（开场前分钟）", default=120)
    checkin_before_minutes = models.PositiveSmallIntegerField("可提前签到分钟", default=15)
    checkin_after_minutes = models.PositiveSmallIntegerField("开场后可签到分钟", default=15)
    offer_minutes = models.PositiveSmallIntegerField("候补确认时限（分钟）", default=10)

    class Meta:
        verbose_name = "场馆"
        verbose_name_plural = "场馆"
        indexes = [models.Index(fields=["lat", "lng"], name="venue_lat_lng")]
        permissions = [("view_utilisation", "查看场馆利用率")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from booking.schedule import validate_opening_hours

        try:
            validate_opening_hours(self.opening_hours)
        except ValueError as exc:
            raise ValidationError({"opening_hours": f"开放时间格式不正确：{exc}"})

    @property
    def bookable(self) -> bool:
        return Venue.bookable_as(kind=self.kind, status=self.status)

    @staticmethod
    def bookable_as(*, kind: str, status: str) -> bool:
        """Whether a venue of this kind and status takes bookings (``bookable``, for a row's values)."""
        return kind != Venue.Kind.FITNESS_POINT and status == Venue.Status.OPEN


class Court(models.Model):
    """A bookable resource of a venue: a court (one party per slot) or a session (N persons)."""

    class Unit(models.TextChoices):
        PARTY = "party", "按场（一组）"
        PERSON = "person", "按人"

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="courts", verbose_name="场馆")
    sport = models.CharField("项目", max_length=16, choices=Sport.choices)
    name = models.CharField("名称", max_length=64)
    unit = models.CharField("计量", max_length=8, choices=Unit.choices, default=Unit.PARTY)
    capacity = models.PositiveIntegerField("每时段容量", default=1,
                                           help_text="按场：每时段可订组数（通常为 1）；按人：每场人数")
    max_party_size = models.PositiveSmallIntegerField("每单最多人数", default=4)
    slot_minutes = models.PositiveSmallIntegerField("时段长度（分钟）", default=60)
    price = models.DecimalField("价格（元）", max_digits=8, decimal_places=2, default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "场地"
        verbose_name_plural = "场地"
        constraints = [
            models.UniqueConstraint(fields=["venue", "name"], name="court_unique_name_per_venue"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="court_capacity_positive"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=15), name="court_slot_minutes_min"),
        ]

    def __str__(self) -> str:
        return f"{self.venue.name} {self.name}"

    def units_for(self, party_size: int) -> int:
        """Places one booking of ``party_size`` people takes."""
        return Court.units_as(unit=self.unit, party_size=party_size)

    @staticmethod
    def units_as(*, unit: str, party_size: int) -> int:
        """``units_for`` for a court counted in ``unit`` (a row's values)."""
        return party_size if unit == Court.Unit.PERSON else 1


class Slot(models.Model):
    """A bookable period of a court. ``remaining`` is taken by conditional UPDATEs only."""

    class State(models.TextChoices):
        OPEN = "open", "可预约"
        BLOCKED = "blocked", "维护停用"

    court = models.ForeignKey(Court, on_delete=models.CASCADE, related_name="slots", verbose_name="场地")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="slots", verbose_name="场馆",
                              help_text="= court.venue, kept here for the availability index")
    sport = models.CharField("项目", max_length=16, choices=Sport.choices)
    start = models.DateTimeField("开始")
    end = models.DateTimeField("结束")
    opens_at = models.DateTimeField("放号时间")
    capacity = models.PositiveIntegerField("容量")
    remaining = models.IntegerField("余量")
    price = models.DecimalField("价格（元）", max_digits=8, decimal_places=2, default=0)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.OPEN)
    blocked_reason = models.CharField("停用原因", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "时段"
        verbose_name_plural = "时段"
        ordering = ["start", "court_id"]
        constraints = [
            models.CheckConstraint(condition=Q(remaining__gte=0), name="slot_remaining_not_negative"),
            models.CheckConstraint(condition=Q(remaining__lte=F("capacity")), name="slot_remaining_within_capacity"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_end_after_start"),
            models.UniqueConstraint(fields=["court", "start"], name="slot_unique_court_start"),
        ]
        indexes = [
            models.Index(fields=["venue", "start"], name="slot_venue_start"),
            models.Index(fields=["sport", "start"], name="slot_sport_start"),
        ]

    def __str__(self) -> str:
        # Local time, as the venue and its residents read it (the database keeps UTC).
        return f"{self.court} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    CHECKED_IN = "checked_in", _("已签到")
    NO_SHOW = "no_show", _("爽约")
    COMPLETED = "completed", _("已完成")


ACTIVE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)


class Booking(models.Model):
    """A resident's booking of a slot. Bound to the resident's real name: not transferable."""

    Status = BookingStatus

    # Every booking writes each of the table's indexes: the resident's and the venue's are found
    # through the (resident, starts_at) and (venue, starts_at) indexes, not single-column ones.
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings",
                                 verbose_name="预约人", db_index=False)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings", verbose_name="时段")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="bookings", verbose_name="场馆",
                              db_index=False)
    party_size = models.PositiveSmallIntegerField("人数", default=1)
    units = models.PositiveSmallIntegerField("占用名额", default=1)
    companions = models.JSONField("同行人", default=list, blank=True)
    status = models.CharField("状态", max_length=16, choices=BookingStatus.choices,
                              default=BookingStatus.CONFIRMED)
    starts_at = models.DateTimeField("开始", help_text="= slot.start")
    ends_at = models.DateTimeField("结束", help_text="= slot.end")
    checkin_closes_at = models.DateTimeField("签到截止")
    checkin_secret = models.CharField(max_length=32, default=_new_checkin_secret, editable=False)
    created_at = models.DateTimeField("预约时间", auto_now_add=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancelled_by_venue = models.BooleanField("场馆取消", default=False)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name="核验人", db_index=False)  # partial index below
    no_show_at = models.DateTimeField("爽约记录时间", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "预约"
        verbose_name_plural = "预约"
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["resident", "slot"], condition=Q(status__in=ACTIVE_STATUSES),
                                    name="booking_one_active_per_resident_slot"),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="booking_party_size_positive"),
            models.CheckConstraint(condition=Q(units__gte=1), name="booking_units_positive"),
        ]
        indexes = [
            models.Index(fields=["resident", "starts_at"], name="booking_resident_start"),
            models.Index(fields=["status", "checkin_closes_at"], name="booking_status_checkin_close"),
            models.Index(fields=["status", "starts_at"], name="booking_status_start"),
            models.Index(fields=["venue", "starts_at"], name="booking_venue_start"),
            # For a staff account's deletion (SET NULL); a new booking has none and adds no entry.
            models.Index(fields=["checked_in_by"], condition=Q(checked_in_by__isnull=False),
                         name="booking_checked_in_by"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.slot}"


class WaitlistEntry(models.Model):
    """A place in a full slot's queue (候补). A freed place is *held* for the first in line
    (``held_units``) until they accept or the offer expires, then passed down the queue."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("排队中")
        OFFERED = "offered", _("待确认")
        ACCEPTED = "accepted", _("已转为预约")
        EXPIRED = "expired", _("已过期")
        LEFT = "left", _("已退出")

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="waitlist", verbose_name="时段")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries",
                                 verbose_name="候补人")
    party_size = models.PositiveSmallIntegerField("人数", default=1)
    units = models.PositiveSmallIntegerField("需要名额", default=1)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.WAITING)
    held_units = models.PositiveSmallIntegerField("保留名额", default=0)
    created_at = models.DateTimeField("加入时间", auto_now_add=True)
    offered_at = models.DateTimeField("通知时间", null=True, blank=True)
    offer_expires_at = models.DateTimeField("确认截止", null=True, blank=True)
    booking = models.OneToOneField(Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "候补"
        verbose_name_plural = "候补"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "resident"], condition=Q(status__in=["waiting", "offered"]),
                                    name="waitlist_one_open_entry_per_resident_slot"),
            models.CheckConstraint(condition=Q(status="offered") | Q(held_units=0), name="waitlist_holds_only_offers"),
        ]
        indexes = [models.Index(fields=["status", "offer_expires_at"], name="waitlist_status_expiry")]

    def __str__(self) -> str:
        return f"候补 {self.slot} #{self.pk}"


class Suspension(models.Model):
    """Booking suspended for a resident after repeated no-shows (爽约)."""

    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_suspensions",
                                 verbose_name="居民")
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    reason = models.CharField("原因", max_length=200)

    class Meta:
        verbose_name = "预约限制"
        verbose_name_plural = "预约限制"
        indexes = [models.Index(fields=["resident", "ends_at"], name="suspension_resident_end")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="suspension_has_length")]

    def __str__(self) -> str:
        return f"{self.resident} 至 {timezone.localtime(self.ends_at):%Y-%m-%d}"
