"""REST transport of the booking domain: parse, call one action or query, render."""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking import actions, errors, fitness, gate, queries
from booking.access import check_manages, check_manages_object
from booking.models import Booking, BookingStatus, Court, Slot, Venue, WaitlistEntry
from portal.core.converters import MAX_ID
from portal.core.idempotency import Receipt, idempotent, idempotently, receipt_of
from portal.core.pagination import Pagination

# --- input -----------------------------------------------------------------------------------------


class LatLngField(serializers.CharField):
    default_error_messages = {"invalid": _("坐标格式应为“纬度,经度”，例如 31.2036,121.5906。")}

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            lat, lng = (float(p) for p in text.replace("，", ",").split(","))
        except ValueError:
            self.fail("invalid")
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            self.fail("invalid")
        return lat, lng


def _check_in_calendar(day: dt.date) -> None:
    if not queries.in_calendar(day):
        raise serializers.ValidationError(_("请选择 2000 年至 2099 年之间的日期。"))


class CalendarDateField(serializers.DateField):
    """A local date (YYYY-MM-DD) in the calendar the API answers about (``queries.in_calendar``)."""

    def to_internal_value(self, value) -> dt.date:
        day = super().to_internal_value(value)
        _check_in_calendar(day)
        return day


class VenueSearchInput(serializers.Serializer):
    sport = serializers.CharField(required=False, max_length=16)
    near = LatLngField(required=False)
    radius_m = serializers.IntegerField(required=False, min_value=50, max_value=queries.MAX_RADIUS_M)
    town = serializers.CharField(required=False, max_length=32)
    open_at = serializers.CharField(required=False, max_length=40)
    free = serializers.BooleanField(required=False, allow_null=True, default=None)
    ordering = serializers.ChoiceField(choices=["distance", "availability"], required=False, default="distance")

    def validate_open_at(self, value: str) -> dt.datetime:
        if value == "now":
            return timezone.now()
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise serializers.ValidationError(_("时间格式应为 ISO 8601，例如 2026-11-25T18:00+08:00，或 now。"))
        _check_in_calendar(moment.date())
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class SlotsInput(serializers.Serializer):
    date = CalendarDateField(required=False)
    sport = serializers.CharField(required=False, max_length=16)


class BookingInput(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1)
    party_size = serializers.IntegerField(required=False, min_value=1, max_value=50, default=1)
    companions = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=49,
                                       default=list)


class WaitlistInput(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1)
    party_size = serializers.IntegerField(required=False, min_value=1, max_value=50, default=1)


class CheckinInput(serializers.Serializer):
    token = serializers.CharField(max_length=128)
    venue = serializers.IntegerField(min_value=1)


class BlockInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class CloseInput(serializers.Serializer):
    date_from = CalendarDateField()
    date_to = CalendarDateField(required=False)
    court = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    time_from = serializers.TimeField(required=False, format="%H:%M", input_formats=["%H:%M"])
    time_to = serializers.TimeField(required=False, format="%H:%M", input_formats=["%H:%M"])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def validate(self, attrs):
        date_to = attrs.setdefault("date_to", attrs["date_from"])
        if date_to < attrs["date_from"] or (date_to - attrs["date_from"]).days >= actions.MAX_CLOSE_DAYS:
            raise serializers.ValidationError({"date_to": [
                _("结束日期不能早于开始日期，一次最多 {n} 天。").format(n=actions.MAX_CLOSE_DAYS)]})
        if attrs.get("time_from") and attrs.get("time_to") and attrs["time_from"] >= attrs["time_to"]:
            raise serializers.ValidationError({"time_to": [_("结束时间应晚于开始时间。")]})
        return attrs


class StaffBookingsInput(serializers.Serializer):
    date = CalendarDateField(required=False)
    status = serializers.ChoiceField(choices=BookingStatus.choices, required=False)


class UtilisationInput(serializers.Serializer):
    date_from = CalendarDateField(required=False)
    date_to = CalendarDateField(required=False)

    def validate(self, attrs):
        today = timezone.localdate()
        attrs.setdefault("date_to", today)
        attrs.setdefault("date_from", attrs["date_to"] - dt.timedelta(days=27))
        if attrs["date_from"] > attrs["date_to"] or (attrs["date_to"] - attrs["date_from"]).days > 366:
            raise serializers.ValidationError({"date_from": [_("日期范围应在一年以内，且开始不晚于结束。")]})
        return attrs


class GuideInput(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    near = LatLngField(required=False)
    radius_m = serializers.IntegerField(required=False, min_value=100, max_value=20_000)


def _parse(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- output ----------------------------------------------------------------------------------------


class CourtOut(serializers.ModelSerializer):
    class Meta:
        model = Court
        fields = ["id", "name", "sport", "unit", "capacity", "max_party_size", "slot_minutes", "price"]


def venue_summary(hit: queries.VenueHit) -> dict:
    v = hit.venue
    return {
        "id": v.pk, "name": v.name, "kind": v.kind, "town": v.town, "district": v.district, "address": v.address,
        "lat": v.lat, "lng": v.lng, "sports": v.sports, "facilities": v.facilities, "is_free": v.is_free,
        "phone": v.phone, "bookable": v.bookable, "open_now": hit.open_now,
        "distance_m": round(hit.distance_m) if hit.distance_m is not None else None,
        "free_slots_today": hit.free_slots_today, "free_places_today": hit.free_places_today,
    }


def _hits_now(venues: list[Venue], now: dt.datetime) -> list[queries.VenueHit]:
    """Venues as the search shows them: open now or not, free places today."""
    from booking import schedule

    hits = [queries.VenueHit(venue=v, open_now=schedule.is_open_at(v.opening_hours, timezone.localtime(now)))
            for v in venues]
    queries.annotate_free_places(hits, now=now)
    return hits


def venue_detail(venue: Venue, now: dt.datetime) -> dict:
    data = venue_summary(_hits_now([venue], now)[0])
    data.update({
        "description": venue.description,
        "courts": CourtOut([c for c in venue.courts.all() if c.is_active], many=True).data,
        "opening_hours": venue.opening_hours,
        "hours_next_7_days": queries.hours_week(venue, start=timezone.localtime(now).date()),
        "rules": {
            "window_days": venue.window_days, "release_time": venue.release_time.strftime("%H:%M"),
            "max_active_per_resident": venue.max_active_per_resident,
            "max_per_day_per_resident": venue.max_per_day_per_resident,
            "max_per_venue_per_day": venue.max_per_venue_per_day,
            "cancel_deadline_minutes": venue.cancel_deadline_minutes,
            "checkin_before_minutes": venue.checkin_before_minutes,
            "checkin_after_minutes": venue.checkin_after_minutes,
            "waitlist_offer_minutes": venue.offer_minutes,
            "realname_required": True, "transferable": False,
        },
    })
    return data


def slot_out(slot: Slot, now: dt.datetime) -> dict:
    return {
        "id": slot.pk, "court": {"id": slot.court_id, "name": slot.court.name}, "sport": slot.sport,
        "start": timezone.localtime(slot.start).isoformat(), "end": timezone.localtime(slot.end).isoformat(),
        "capacity": slot.capacity, "remaining": slot.remaining, "price": str(slot.price), "state": slot.state,
        "opens_at": timezone.localtime(slot.opens_at).isoformat(), "bookable": queries.slot_bookable(slot, now),
        "blocked_reason": slot.blocked_reason,
    }


def booking_out(booking: Booking, now: dt.datetime | None = None) -> dict:
    slot, venue = booking.slot, booking.venue
    return booking_body(
        booking_id=booking.pk, status=booking.status, status_display=booking.get_status_display(),
        party_size=booking.party_size, places=booking.units, companions=booking.companions, slot_id=slot.pk,
        start=slot.start, end=slot.end, sport=slot.sport, price=slot.price, court_id=slot.court_id,
        court_name=slot.court.name, venue_id=venue.pk, venue_name=venue.name, address=venue.address, town=venue.town,
        phone=venue.phone, cancel_deadline_minutes=venue.cancel_deadline_minutes,
        checkin_before_minutes=venue.checkin_before_minutes, starts_at=booking.starts_at,
        checkin_closes_at=booking.checkin_closes_at, checked_in_at=booking.checked_in_at,
        created_at=booking.created_at, cancelled_at=booking.cancelled_at,
        cancelled_by_venue=booking.cancelled_by_venue, now=now or timezone.now(),
        tz=timezone.get_current_timezone())


def booking_body(*, booking_id: int, status: str, status_display: str, party_size: int, places: int,
                 companions: list, slot_id: int, start: dt.datetime, end: dt.datetime, sport: str, price,
                 court_id: int, court_name: str, venue_id: int, venue_name: str, address: str, town: str, phone: str,
                 cancel_deadline_minutes: int, checkin_before_minutes: int, starts_at: dt.datetime,
                 checkin_closes_at: dt.datetime, checked_in_at: dt.datetime | None, created_at: dt.datetime,
                 cancelled_at: dt.datetime | None, cancelled_by_venue: bool, now: dt.datetime, tz) -> dict:
    """A booking as the API shows it, from its values: ``booking_out`` reads them off the models,
    the booking lane (``booking.lane``) off the row it read, so both answers are rendered here."""
    deadline = starts_at - dt.timedelta(minutes=cancel_deadline_minutes)
    window_opens = starts_at - dt.timedelta(minutes=checkin_before_minutes)
    return {
        "id": booking_id, "status": status, "status_display": status_display,
        "party_size": party_size, "places": places, "companions": companions,
        "slot": {
            "id": slot_id, "start": start.astimezone(tz).isoformat(), "end": end.astimezone(tz).isoformat(),
            "sport": sport, "price": str(price), "court": {"id": court_id, "name": court_name},
        },
        "venue": {"id": venue_id, "name": venue_name, "address": address, "town": town, "phone": phone},
        "cancellable": status == BookingStatus.CONFIRMED and now <= deadline,
        "cancel_deadline": deadline.astimezone(tz).isoformat(),
        "checkin": {
            "window_opens_at": window_opens.astimezone(tz).isoformat(),
            "window_closes_at": checkin_closes_at.astimezone(tz).isoformat(),
            "checked_in_at": checked_in_at.astimezone(tz).isoformat() if checked_in_at else None,
            "token_url": f"/api/v1/bookings/{booking_id}/checkin-token/",
        },
        "created_at": created_at.astimezone(tz).isoformat(),
        "cancelled_at": cancelled_at.astimezone(tz).isoformat() if cancelled_at else None,
        "cancelled_by_venue": cancelled_by_venue,
    }


def staff_booking_out(booking: Booking, now: dt.datetime | None = None) -> dict:
    data = booking_out(booking, now)
    data["checkin"].pop("token_url")
    resident = booking.resident
    data["resident"] = {"id": resident.pk, "display_name": resident.display_name,
                        "id_number_masked": resident.id_number_masked}
    return data


def waitlist_out(entry: WaitlistEntry) -> dict:
    slot = entry.slot
    local = timezone.localtime
    return {
        "id": entry.pk, "status": entry.status, "status_display": entry.get_status_display(),
        "party_size": entry.party_size, "position": queries.waitlist_position(entry),
        "offer_expires_at": local(entry.offer_expires_at).isoformat() if entry.offer_expires_at else None,
        "booking": entry.booking_id,
        "slot": {"id": slot.pk, "start": local(slot.start).isoformat(), "end": local(slot.end).isoformat(),
                 "sport": slot.sport, "court": {"id": slot.court_id, "name": slot.court.name},
                 "venue": {"id": slot.venue_id, "name": slot.venue.name}},
        "created_at": local(entry.created_at).isoformat(),
    }


def _paginated(request: Request, view: APIView, items: list, render) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(items, request, view=view)
    return paginator.get_paginated_response([render(x) for x in page])


class SlotPagination(Pagination):
    page_size = 200
    max_page_size = 500


# --- public: venues, slots, guides -------------------------------------------------------------------


class VenueListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[VenueSearchInput], responses={200: dict}, summary="场馆搜索（附近、项目、街镇）",
                   operation_id="venues_list")
    def get(self, request: Request) -> Response:
        args = _parse(VenueSearchInput, request.query_params)
        now = timezone.now()
        hits = queries.venues_search(near=args.get("near"), radius_m=args.get("radius_m"), sport=args.get("sport"),
                                     town=args.get("town"), open_at=args.get("open_at"), free=args.get("free"),
                                     order=args["ordering"], now=now)
        paginator = Pagination()
        page = paginator.paginate_queryset(hits, request, view=self)
        if args["ordering"] != "availability":
            queries.annotate_free_places(page, now=now, sport=queries.normalise_sport(args.get("sport")))
        return paginator.get_paginated_response([venue_summary(h) for h in page])


class VenueDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict}, summary="场馆详情")
    def get(self, request: Request, venue_id: int) -> Response:
        return Response(venue_detail(queries.venue_get(venue_id=venue_id), timezone.now()))


class VenueSlotsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[SlotsInput], responses={200: dict}, summary="场馆某天的时段与余量")
    def get(self, request: Request, venue_id: int) -> Response:
        args = _parse(SlotsInput, request.query_params)
        now = timezone.now()
        date = args.get("date") or timezone.localtime(now).date()
        # One venue-day holds at most a few hundred slots: one query, paginated in memory.
        slots = list(queries.slots_for_venue(venue_id=venue_id, date=date, sport=args.get("sport")))
        venue = None if slots else Venue.objects.filter(pk=venue_id).first()
        if not slots and venue is None:
            raise errors.VenueNotFound()
        paginator = SlotPagination()
        page = paginator.paginate_queryset(slots, request, view=self)
        response = paginator.get_paginated_response([slot_out(s, now) for s in page])
        if venue is not None:  # nothing to show: say why (closed that day, not released yet, …)
            response.data["notice"] = queries.no_slots_reason(venue, date=date, sport=args.get("sport"), now=now)
        return response


class FitnessGuideView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[GuideInput], responses={200: dict}, summary="健身指导（按疾病或目标）")
    def get(self, request: Request) -> Response:
        args = _parse(GuideInput, request.query_params)
        guides = queries.fitness_guides(q=args.get("q"), near=args.get("near"), radius_m=args.get("radius_m"))
        response = _paginated(request, self, guides, lambda g: g)
        if not guides:  # say what there is, not only that nothing matched
            topics = (g["title"].removesuffix("运动建议").removesuffix("人群") for g in fitness.search(""))
            response.data["notice"] = _("没有找到对应的健身指导。可以这样问：{examples}。").format(
                examples="、".join(topics))
        return response


# --- resident: bookings, waiting list ----------------------------------------------------------------


class BookingListView(APIView):
    @extend_schema(parameters=[OpenApiParameter("scope", str, enum=["all", "upcoming", "past"])],
                   responses={200: dict}, summary="我的预约", operation_id="bookings_list")
    def get(self, request: Request) -> Response:
        scope = request.query_params.get("scope", "all")
        if scope not in ("all", "upcoming", "past"):
            raise serializers.ValidationError({"scope": [_("可选值：all、upcoming、past。")]})
        now = timezone.now()
        qs = queries.bookings_of_resident(resident=request.user, scope=scope, now=now)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([booking_out(b, now) for b in page])

    @extend_schema(request=BookingInput, responses={201: dict}, summary="预约时段（支持 Idempotency-Key）")
    def post(self, request: Request) -> Response:
        """Attempts on a slot seen sold out a moment ago never get here: see ``booking_list_entry``."""
        return self._create(request)

    @idempotent(write_claims=True)  # the key is claimed by the booking's own statement
    def _create(self, request: Request) -> Response:
        args = plain_booking_input(request.data) or _parse(BookingInput, request.data)
        return _booking_submit(resident=request.user, args=args, receipt=receipt_of(request))


def _booking_submit(*, resident, args: dict, receipt: Receipt | None) -> Response:
    """A booking attempt with parsed input: the one answer of ``BookingListView.post`` and of the
    WSGI fast path (``booking_post_fast``)."""
    if receipt is not None:
        receipt.answer(status=status.HTTP_201_CREATED, render=booking_out)
    booking = actions.booking_create(resident=resident, slot_id=args["slot"], party_size=args["party_size"],
                                     companions=args["companions"], receipt=receipt)
    body = receipt.body if receipt is not None and receipt.stored else booking_out(booking)
    return Response(body, status=status.HTTP_201_CREATED)


# DRF's handling of what a view raises (the contract's error body, busy → 409 …), and the headers
# its answers carry (``Allow``), for the fast path: taken from the view itself, not restated.
_fast_view = BookingListView()
_fast_view.head = _fast_view.get  # as ``View.setup`` does for a view that has ``get``
FAST_PATH_HEADERS = tuple(_fast_view.default_response_headers.items())


def booking_post_fast(*, resident, data: dict, args: dict, key: str, path: str, claimed: int | None = None) -> Response:
    """``POST bookings/`` for a request the fast path (``booking.fast``) has already authenticated
    (``resident``) and parsed (``data``, the JSON body; ``args``, its plain booking input; ``path``,
    as ``request.path``): the same calls as ``BookingListView.post`` through ``@idempotent`` —
    ``idempotently`` with the request's ``Idempotency-Key``, ``_booking_submit``, and the view's
    own exception handling — without a Django request, the middleware or DRF's dispatch. ``claimed``:
    the key's row the booking lane claimed before a refusal (``booking.lane``)."""
    try:
        if not key:
            return _booking_submit(resident=resident, args=args, receipt=None)
        return idempotently(lambda receipt: _booking_submit(resident=resident, args=args, receipt=receipt),
                            user=resident, key=key, method="POST", path=path, data=data,
                            render_exception=_fast_view.handle_exception, write_claims=True, claimed=claimed)
    except Exception as exc:
        return _fast_view.handle_exception(exc)


def plain_booking_input(data) -> dict | None:
    """``BookingInput``'s result for the input nearly every booking sends (``{"slot": 123}``, maybe
    a ``party_size``), without building the serializer (a tenth of a booking's Python). None for
    anything else, which the serializer then validates with its exact errors."""
    if not isinstance(data, dict):
        return None
    slot, party_size = data.get("slot"), data.get("party_size", 1)
    if (type(slot) is not int or slot < 1 or type(party_size) is not int or not 1 <= party_size <= 50
            or data.get("companions", []) != []):
        return None
    return {"slot": slot, "party_size": party_size, "companions": []}


def _sold_out_refusal(request: HttpRequest) -> HttpResponse | None:
    """The rush gate (``booking.gate``) where the WSGI one is not in front: the ASGI server, tests.
    Same decision; the refusal goes out through the middleware like any answer."""
    if request.META.get(gate.JUDGED):
        return None
    try:
        body = request.body
    except (RawPostDataException, RequestDataTooBig):  # DRF answers a body over the limit (413)
        return None
    if not gate.refuses(body, request.META.get("HTTP_AUTHORIZATION")):
        return None
    refusal = HttpResponse(gate.encoded_refusal(translation.get_language() or settings.LANGUAGE_CODE), status=409,
                           content_type="application/json")
    # An expected answer, a thousand times a second in a rush: not a "Conflict:" warning line each
    # (Django's request logger skips responses marked as logged).
    refusal._has_been_logged = True
    return refusal


_booking_list_view = BookingListView.as_view()


@functools.wraps(_booking_list_view)  # keeps csrf_exempt and the DRF view class for the schema
def booking_list_entry(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    if request.method == "POST":
        refusal = _sold_out_refusal(request)
        if refusal is not None:
            return refusal
    return _booking_list_view(request, *args, **kwargs)


class BookingDetailView(APIView):
    @extend_schema(responses={200: dict}, summary="预约详情")
    def get(self, request: Request, booking_id: int) -> Response:
        return Response(booking_out(queries.booking_of_resident(resident=request.user, booking_id=booking_id)))


class BookingCancelView(APIView):
    @extend_schema(request=None, responses={200: dict}, summary="取消预约")
    def post(self, request: Request, booking_id: int) -> Response:
        booking = actions.booking_cancel(resident=request.user, booking_id=booking_id)
        return Response(booking_out(booking))


class CheckinTokenView(APIView):
    @extend_schema(responses={200: dict}, summary="签到码（约每 30 秒更换）")
    def get(self, request: Request, booking_id: int) -> Response:
        data = actions.checkin_token_issue(resident=request.user, booking_id=booking_id)
        data["expires_at"] = timezone.localtime(data["expires_at"]).isoformat()
        return Response(data, headers={"Cache-Control": "no-store"})


class WaitlistView(APIView):
    @extend_schema(responses={200: dict}, summary="我的候补")
    def get(self, request: Request) -> Response:
        qs = queries.waitlist_of_resident(resident=request.user)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([waitlist_out(e) for e in page])

    @extend_schema(request=WaitlistInput, responses={201: dict}, summary="加入候补")
    @idempotent
    def post(self, request: Request) -> Response:
        args = _parse(WaitlistInput, request.data)
        entry = actions.waitlist_join(resident=request.user, slot_id=args["slot"], party_size=args["party_size"])
        return Response(waitlist_out(entry), status=status.HTTP_201_CREATED)


class WaitlistAcceptView(APIView):
    @extend_schema(request=None, responses={201: dict}, summary="确认候补名额，转为预约")
    @idempotent
    def post(self, request: Request, entry_id: int) -> Response:
        booking = actions.waitlist_accept(resident=request.user, entry_id=entry_id)
        return Response(booking_out(booking), status=status.HTTP_201_CREATED)


class WaitlistLeaveView(APIView):
    @extend_schema(request=None, responses={200: dict}, summary="退出候补或放弃名额")
    def post(self, request: Request, entry_id: int) -> Response:
        entry = actions.waitlist_leave(resident=request.user, entry_id=entry_id)
        return Response(waitlist_out(entry))


# --- staff ------------------------------------------------------------------------------------------


class CheckinView(APIView):
    @extend_schema(request=CheckinInput, responses={200: dict}, summary="场馆核验签到码")
    def post(self, request: Request) -> Response:
        args = _parse(CheckinInput, request.data)
        booking = actions.booking_checkin(staff=request.user, token=args["token"], venue_id=args["venue"])
        return Response(staff_booking_out(booking))


class ManagedVenuesView(APIView):
    @extend_schema(responses={200: dict}, summary="我管理的场馆")
    def get(self, request: Request) -> Response:
        venues = list(queries.venues_managed(staff=request.user))
        paginator = Pagination()
        page = paginator.paginate_queryset(venues, request, view=self)
        return paginator.get_paginated_response([venue_summary(h) for h in _hits_now(page, timezone.now())])


class VenueBookingsView(APIView):
    @extend_schema(parameters=[StaffBookingsInput], responses={200: dict}, summary="场馆的预约（管理员）")
    def get(self, request: Request, venue_id: int) -> Response:
        args = _parse(StaffBookingsInput, request.query_params)
        now = timezone.now()
        qs = queries.bookings_of_venue(staff=request.user, venue_id=venue_id, date=args.get("date"),
                                       status=args.get("status"))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([staff_booking_out(b, now) for b in page])


class SlotBlockView(APIView):
    @extend_schema(request=BlockInput, responses={200: dict}, summary="停用时段（维护）")
    def post(self, request: Request, venue_id: int, slot_id: int) -> Response:
        args = _parse(BlockInput, request.data)
        _slot_of_venue(slot_id, venue_id, request.user)
        slot = actions.slot_block(staff=request.user, slot_id=slot_id, reason=args["reason"])
        data = slot_out(Slot.objects.select_related("court").get(pk=slot.pk), timezone.now())
        # What became of the residents' bookings: cancelled by the venue, each resident told.
        data["cancelled_bookings"] = Booking.objects.filter(slot=slot, cancelled_by_venue=True).count()
        return Response(data)


def _range(args: dict) -> dict:
    return {"date_from": args["date_from"], "date_to": args["date_to"], "court_id": args.get("court"),
            "time_from": args.get("time_from"), "time_to": args.get("time_to")}


class SlotsCloseView(APIView):
    @extend_schema(request=CloseInput, responses={200: dict}, summary="按天/时段停用（整馆或一片场地）",
                   operation_id="venues_slots_block_range")
    def post(self, request: Request, venue_id: int) -> Response:
        args = _parse(CloseInput, request.data)
        done = actions.slots_close(staff=request.user, venue_id=venue_id, reason=args["reason"], **_range(args))
        return Response({**done, "count": len(done["blocked"])})


class SlotsReopenView(APIView):
    @extend_schema(request=CloseInput, responses={200: dict}, summary="按天/时段恢复",
                   operation_id="venues_slots_unblock_range")
    def post(self, request: Request, venue_id: int) -> Response:
        args = _parse(CloseInput, request.data)
        done = actions.slots_reopen(staff=request.user, venue_id=venue_id, **_range(args))
        return Response({**done, "count": len(done["reopened"])})


class SlotUnblockView(APIView):
    @extend_schema(request=None, responses={200: dict}, summary="恢复时段")
    def post(self, request: Request, venue_id: int, slot_id: int) -> Response:
        _slot_of_venue(slot_id, venue_id, request.user)
        slot = actions.slot_unblock(staff=request.user, slot_id=slot_id)
        return Response(slot_out(Slot.objects.select_related("court").get(pk=slot.pk), timezone.now()))


def _slot_of_venue(slot_id: int, venue_id: int, staff: object) -> None:
    """The slot in the URL is the venue's, and one the staff member manages; else 404 ``slot_not_found``
    alike for a missing slot and another venue's (a non-staff caller is 403 either way)."""
    venue_of_slot = Slot.objects.filter(pk=slot_id, venue_id=venue_id).values_list("venue_id", flat=True).first()
    check_manages_object(staff, venue_of_slot, errors.SlotNotFound)


class NoShowView(APIView):
    @extend_schema(request=None, responses={200: dict}, summary="记为爽约（管理员）")
    def post(self, request: Request, booking_id: int) -> Response:
        booking = actions.booking_mark_no_show(staff=request.user, booking_id=booking_id)
        return Response(staff_booking_out(Booking.objects.select_related("slot__court", "venue", "resident")
                                          .get(pk=booking.pk)))


class UtilisationView(APIView):
    @extend_schema(parameters=[UtilisationInput], responses={200: dict}, summary="场馆利用率（按小时）")
    def get(self, request: Request, venue_id: int) -> Response:
        check_manages(request.user, venue_id)
        if not Venue.objects.filter(pk=venue_id).exists():  # an admin may manage any venue, not one that isn't
            raise errors.VenueNotFound()
        args = _parse(UtilisationInput, request.query_params)
        result = queries.utilisation(venue_ids=[venue_id], date_from=args["date_from"], date_to=args["date_to"])
        row = result.rows[0] if result.rows else {"cells": {}, "total": {"taken": 0, "capacity": 0, "rate": 0.0}}
        return Response({
            "venue": venue_id, "date_from": result.date_from.isoformat(), "date_to": result.date_to.isoformat(),
            "hours": [{"hour": h, **row["cells"].get(h, {"taken": 0, "capacity": 0, "rate": 0.0})}
                      for h in result.hours],
            "total": row["total"],
        })
