"""Refusals of the booking domain: HTTP status, a stable ``code`` and a sentence a resident reads."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.core.errors import Conflict, Forbidden, NotFound, PortalError


class SlotFull(Conflict):
    code = "slot_full"
    message = _("该时段已约满，可以选择其他时段或加入候补。")


class WindowNotOpen(Conflict):
    code = "window_not_open"
    message = _("该时段还未开放预约。")


class SlotClosed(Conflict):
    code = "slot_closed"
    message = _("该时段已开始或已结束，不能再预约。")


class SlotUnavailable(Conflict):
    code = "slot_unavailable"
    message = _("该时段场地维护，暂停预约。")


class LimitReached(Conflict):
    code = "limit_reached"
    message = _("您的预约数量已达上限。")


class Suspended(Conflict):
    code = "suspended"
    message = _("您近期多次爽约，预约功能暂停使用。")


class RealnameRequired(Conflict):
    code = "realname_required"
    message = _("预约场馆需要先完成实名认证。")


class AlreadyBooked(Conflict):
    code = "already_booked"
    message = _("您已预约了这个时段，不用重复预约。")


class NotBookable(Conflict):
    code = "not_bookable"
    message = _("这个场馆无需预约，开放时间内直接前往即可。")


class PartyTooLarge(PortalError):
    code = "party_too_large"
    message = _("同行人数超过了该场地每单的上限。")


class CancelDeadlinePassed(Conflict):
    code = "cancel_deadline_passed"
    message = _("已过取消截止时间，不能再取消。")


class NotCancellable(Conflict):
    code = "not_cancellable"
    message = _("这个预约当前不能取消。")


class BookingNotFound(NotFound):
    code = "booking_not_found"
    message = _("没有找到这个预约。")


class SlotNotFound(NotFound):
    code = "slot_not_found"
    message = _("没有找到这个时段。")


class VenueNotFound(NotFound):
    code = "venue_not_found"
    message = _("没有找到这个场馆。")


class Busy(Conflict):
    code = "busy"
    message = _("预约人数较多，请稍后再试。")


class WaitlistNotNeeded(Conflict):
    code = "slot_available"
    message = _("该时段还有空位，可以直接预约。")


class AlreadyWaiting(Conflict):
    code = "already_waiting"
    message = _("您已在这个时段的候补队列中。")


class OfferNotFound(NotFound):
    code = "offer_not_found"
    message = _("没有找到这个候补。")


class OfferExpired(Conflict):
    code = "offer_expired"
    message = _("候补名额的确认时间已过，名额已让给下一位。")


class NotVenueStaff(Forbidden):
    code = "not_venue_staff"
    message = _("您不是这个场馆的管理员。")


class CheckinInvalid(Conflict):
    code = "checkin_invalid"
    message = _("签到码无效，请让预约人刷新签到码后重试。")


class CheckinExpired(Conflict):
    code = "checkin_expired"
    message = _("签到码已过期，请让预约人刷新签到码后重试。")


class CheckinWrongVenue(Conflict):
    code = "checkin_wrong_venue"
    message = _("这个预约不是本场馆的，请核对场馆。")


class CheckinOutsideWindow(Conflict):
    code = "checkin_outside_window"
    message = _("不在签到时间内：请在开场前后 15 分钟内签到。")


class CheckinAlreadyUsed(Conflict):
    code = "checkin_already_used"
    message = _("这个预约已经签到过了，签到码不能重复使用。")


class CheckinNotAllowed(Conflict):
    code = "checkin_not_allowed"
    message = _("这个预约已取消或已结束，不能签到。")


class NoShowTooEarly(Conflict):
    code = "no_show_too_early"
    message = _("签到时间还没结束，暂时不能记为爽约。")


class InvalidInput(PortalError):
    code = "invalid"
    message = _("请检查填写的内容。")
