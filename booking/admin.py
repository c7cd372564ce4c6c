"""Admin for venue staff: venues, courts, slots, bookings — each manager sees only their venues —
and the utilisation heat map (venue × hour of day), which a manager reads faster than a table."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from booking import actions as booking_actions
from booking import queries
from booking.access import managed_venue_ids
from booking.models import Booking, Court, Slot, Suspension, Venue, WaitlistEntry


class ManagedVenuesMixin:
    """Least privilege: a venue manager's querysets hold only the venues assigned to them."""

    venue_lookup = "venue_id"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = managed_venue_ids(request.user)
        return qs if ids is None else qs.filter(**{f"{self.venue_lookup}__in": ids})


class CourtInline(admin.TabularInline):
    model = Court
    extra = 0
    fields = ["name", "sport", "unit", "capacity", "max_party_size", "slot_minutes", "price", "is_active"]


@admin.register(Venue)
class VenueAdmin(ManagedVenuesMixin, admin.ModelAdmin):
    venue_lookup = "pk"
    list_display = ["name", "town", "kind", "is_free", "status"]
    list_filter = ["kind", "town", "is_free", "status"]
    search_fields = ["name", "address", "town"]
    filter_horizontal = ["managers"]
    inlines = [CourtInline]
    change_list_template = "admin/booking/venue_change_list.html"
    fieldsets = [
        (None, {"fields": ["name", "kind", "status", "district", "town", "address", ("lat", "lng"), "phone",
                           "is_free", "sports", "facilities", "description"]}),
        ("开放时间", {"fields": ["opening_hours"],
                      "description": "键 1–7 为周一至周日，holiday 为法定节假日；值为 [[\"开门\", \"关门\"], …]，"
                                     "空列表表示闭馆。调休上班的周末按周一时间开放。"}),
        ("预约规则", {"fields": ["window_days", "release_time", "max_active_per_resident",
                                 "max_per_day_per_resident", "max_per_venue_per_day", "cancel_deadline_minutes",
                                 "checkin_before_minutes", "checkin_after_minutes", "offer_minutes"]}),
        ("管理员", {"fields": ["managers"]}),
    ]

    def save_related(self, request, form, formsets, change):
        """After the venue and its courts are saved, its future slots follow the new hours, window,
        release time and slot lengths (``actions.venue_slots_follow``); the manager is told what moved."""
        super().save_related(request, form, formsets, change)
        done = booking_actions.venue_slots_follow(staff=request.user, venue_id=form.instance.pk)
        parts = [f"{label} {done[key]} 个" for key, label in (
            ("created", "新增时段"), ("removed", "删除不再开放的空时段"), ("blocked", "停用已有人预约或候补的时段"),
            ("cancelled_bookings", "取消预约（已通知居民）"), ("release_moved", "改为新的放号时间")) if done[key]]
        if parts:
            self.message_user(request, "时段已按新的设置更新：" + "，".join(parts) + "。",
                              messages.WARNING if done["cancelled_bookings"] else messages.INFO)

    def get_readonly_fields(self, request, obj=None):
        # Who runs a venue is the platform admin's decision, not the venue manager's.
        if managed_venue_ids(request.user) is None:
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), "managers"]

    def get_urls(self):
        return [path("heatmap/", self.admin_site.admin_view(self.heatmap_view), name="booking_venue_heatmap"),
                *super().get_urls()]

    def heatmap_view(self, request):
        if not request.user.has_perm("booking.view_utilisation"):
            raise PermissionDenied
        today = timezone.localdate()
        try:
            date_to = dt.date.fromisoformat(request.GET.get("to", "")) if request.GET.get("to") else today
            date_from = (dt.date.fromisoformat(request.GET["from"]) if request.GET.get("from")
                         else date_to - dt.timedelta(days=13))
        except ValueError:
            date_to, date_from = today, today - dt.timedelta(days=13)
        if date_from > date_to or (date_to - date_from).days > 366:
            date_from = date_to - dt.timedelta(days=13)
        result = queries.utilisation(venue_ids=managed_venue_ids(request.user), date_from=date_from, date_to=date_to)
        rows = []
        for row in result.rows:
            cells = []
            for hour in result.hours:
                cell = row["cells"].get(hour)
                cells.append(_cell(cell))
            rows.append({"venue": row["venue"], "cells": cells, "total": _cell(row["total"])})
        context = {
            **self.admin_site.each_context(request),
            "title": "场馆利用率热力图",
            "hours": result.hours, "rows": rows, "date_from": date_from, "date_to": date_to,
            "legend": [_cell({"rate": r / 10, "taken": 0, "capacity": 1}) for r in range(0, 11, 2)],
            "opts": self.model._meta,
            "changelist_url": reverse("admin:booking_venue_changelist"),
        }
        return TemplateResponse(request, "admin/booking/heatmap.html", context)


def _cell(cell: dict | None) -> dict:
    """Colour from pale (idle) to deep red (full) so the busy hours jump out."""
    if not cell or not cell.get("capacity"):
        return {"empty": True, "style": "background:#f4f4f4;color:#999", "label": "–", "title": "无时段"}
    rate = cell["rate"]
    # Interpolate #fff5eb → #d7301f (a sequential colour scale).
    lo, hi = (255, 245, 235), (215, 48, 31)
    rgb = tuple(round(a + (b - a) * rate) for a, b in zip(lo, hi, strict=True))
    ink = "#fff" if rate > 0.55 else "#222"
    return {"empty": False, "style": f"background:rgb{rgb};color:{ink}", "label": f"{round(rate * 100)}",
            "title": f"已约 {cell['taken']} / {cell['capacity']}（{rate:.0%}）"}


@admin.register(Court)
class CourtAdmin(ManagedVenuesMixin, admin.ModelAdmin):
    list_display = ["name", "venue", "sport", "unit", "capacity", "price", "is_active"]
    list_filter = ["sport", "unit", "is_active"]
    search_fields = ["name", "venue__name"]


@admin.register(Slot)
class SlotAdmin(ManagedVenuesMixin, admin.ModelAdmin):
    list_display = ["court", "start", "end", "capacity", "remaining", "state", "opens_at"]
    list_filter = ["state", "sport", "venue__town"]
    date_hierarchy = "start"
    search_fields = ["venue__name", "court__name"]
    list_select_related = ["court__venue"]
    # Places are taken through the booking actions only; the admin shows them.
    readonly_fields = ["court", "venue", "sport", "start", "end", "opens_at", "capacity", "remaining", "state",
                       "blocked_reason", "price"]
    actions = ["block_selected", "unblock_selected"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="停用所选时段（场地维护：已有预约取消并通知居民，候补结束）")
    def block_selected(self, request, queryset):
        self._each(request, queryset, lambda slot: booking_actions.slot_block(
            staff=request.user, slot_id=slot.pk, reason=""), done="已停用")

    @admin.action(description="恢复所选时段")
    def unblock_selected(self, request, queryset):
        self._each(request, queryset, lambda slot: booking_actions.slot_unblock(
            staff=request.user, slot_id=slot.pk), done="已恢复")

    def _each(self, request, queryset, act, *, done: str) -> None:
        """The action on each slot (the booking actions' own rules and locks); what could not be done
        is named with the reason, never a 500."""
        from portal.core.errors import PortalError

        ok, refused = 0, []
        for slot in queryset.select_related("court__venue").order_by("start"):
            try:
                act(slot)
                ok += 1
            except PortalError as exc:
                refused.append(f"{slot}：{exc.message}")
        if ok:
            self.message_user(request, f"{done} {ok} 个时段。", messages.SUCCESS)
        for line in refused[:10]:
            self.message_user(request, line, messages.WARNING)


@admin.register(Booking)
class BookingAdmin(ManagedVenuesMixin, admin.ModelAdmin):
    list_display = ["id", "venue", "slot", "resident", "party_size", "status", "created_at"]
    list_filter = ["status", "venue__town"]
    search_fields = ["venue__name", "resident__display_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["venue", "slot__court", "resident"]
    readonly_fields = [f.name for f in Booking._meta.fields if f.name != "checkin_secret"]
    exclude = ["checkin_secret"]

    def has_add_permission(self, request):
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ManagedVenuesMixin, admin.ModelAdmin):
    venue_lookup = "slot__venue_id"
    list_display = ["slot", "resident", "party_size", "status", "offer_expires_at", "created_at"]
    list_filter = ["status"]
    list_select_related = ["slot__court__venue", "resident"]
    readonly_fields = [f.name for f in WaitlistEntry._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    list_display = ["resident", "starts_at", "ends_at", "reason"]
    search_fields = ["resident__display_name"]
