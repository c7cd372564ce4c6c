"""一网通办 REST API (thin: parse, call an action or query, render)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.core.idempotency import idempotent
from portal.core.pagination import Pagination
from services import access, actions, queries
from services.models import Application, ApplicationEvent, Material, ServiceItem, ServiceLocation


# --- permissions ----------------------------------------------------------------------------------
class IsApplicationStaff(BasePermission):
    """Service clerks and admins; which applications a clerk sees and acts on is the action's and the
    query's to decide (their departments'). Anyone else signed in is refused with the action's own
    refusal (``staff_only``, saying who may), not DRF's generic one."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # 401 not_authenticated
        if not access.may_process_applications(request.user):
            raise actions.StaffOnly()
        return True


# --- input ----------------------------------------------------------------------------------------
class ItemQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, trim_whitespace=True)
    category = serializers.ChoiceField(choices=ServiceItem.Category.choices, required=False)
    life_event = serializers.CharField(required=False, max_length=40)
    department = serializers.CharField(required=False, max_length=100)
    audience = serializers.ChoiceField(choices=ServiceItem.Audience.choices, required=False,
                                       help_text="选 个人 或 法人 时也包括两者都面向（个人和法人）的事项")
    online = serializers.BooleanField(required=False, allow_null=True, default=None)
    frequent = serializers.BooleanField(required=False, allow_null=True, default=None,
                                        help_text="只看高频事项（true）或非高频事项（false）")


class ApplicationCreateSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    channel = serializers.ChoiceField(choices=["web", "wechat_mini", "wechat_oa", "alipay", "chat"], default="web")


class CounterApplicationSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    id_number = serializers.CharField(max_length=24, help_text=(
        "申请人的身份证号（窗口核验身份证后填写；全角数字、小写 x 均可）"))


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Application.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class StaffApplicationQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Application.Status.choices, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    receipt = serializers.CharField(required=False, max_length=40, min_length=4, help_text=(
        "受理编号（如 PD20261125012345）或它的开头至少 4 位；大小写、全角、空格、连字符不限"))

    def validate_receipt(self, value: str) -> str:
        # Spaces and hyphens are forgiven, so "- - -" is no number at all: as a start it matched every one.
        if len(queries.receipt_typed(value)) < 4:
            raise serializers.ValidationError(_("请输入受理编号或它的开头至少 4 位（如 PD2026）。"))
        return value


# --- output ---------------------------------------------------------------------------------------
class ItemListSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.name")
    department_id = serializers.IntegerField()

    class Meta:
        model = ServiceItem
        fields = ["id", "code", "name", "department", "department_id", "category", "audience", "visits_required",
                  "online", "promised_limit_days", "frequent"]


class ItemSearchSerializer(serializers.Serializer):
    """One search hit: the item's list fields plus relevance and highlights."""

    def to_representation(self, hit: queries.SearchHit) -> dict:
        data = ItemListSerializer(hit.item).data
        data["score"] = round(hit.score, 1) if hit.score is not None else None
        data["matched"] = hit.matched
        data["highlights"] = hit.highlights
        return data


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceLocation
        fields = ["id", "name", "address", "town", "phone", "hours", "latitude", "longitude"]


class MaterialSerializer(serializers.ModelSerializer):
    requirement_label = serializers.CharField(source="get_requirement_display")
    form_label = serializers.CharField(source="get_form_display")
    replaceable_by = serializers.SerializerMethodField()
    on_file = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = ["id", "name", "requirement", "requirement_label", "condition", "form", "form_label", "copies",
                  "notes", "replaceable_by", "on_file"]

    def get_replaceable_by(self, material: Material) -> dict | None:
        licence = material.licence_type
        return {"code": licence.code, "name": licence.name} if licence else None

    def get_on_file(self, material: Material) -> bool:
        return material.licence_type_id is not None and material.licence_type_id in self.context.get("on_file", ())


class ItemDetailSerializer(serializers.ModelSerializer):
    department = serializers.SerializerMethodField()
    category_label = serializers.CharField(source="get_category_display")
    life_events = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()
    locations = LocationSerializer(many=True)
    visits_label = serializers.SerializerMethodField()
    materials_on_file = serializers.SerializerMethodField()
    resident_can_apply_online = serializers.SerializerMethodField()

    class Meta:
        model = ServiceItem
        fields = ["id", "code", "name", "aliases", "department", "category", "category_label", "group", "audience",
                  "life_events", "summary", "conditions", "legal_limit_days", "promised_limit_days",
                  "visits_required", "visits_label", "online", "online_url", "fee", "materials",
                  "materials_on_file", "steps", "locations", "legal_basis", "faq", "source", "frequent", "updated_at",
                  "resident_can_apply_online"]

    @extend_schema_field(serializers.BooleanField(help_text=(
        "居民能否在这里网上申请（POST applications/）：可网上办理，且不是只面向法人（只面向法人的事项为 false，"
        "申请为 403 business_only，由单位经办人以法人身份办理）")))
    def get_resident_can_apply_online(self, item: ServiceItem) -> bool:
        return queries.item_open_to_residents_online(item)

    def get_department(self, item: ServiceItem) -> dict:
        d = item.department
        return {"id": d.id, "name": d.name, "phone": d.phone, "address": d.address}

    def get_life_events(self, item: ServiceItem) -> list[dict]:
        return [{"code": e.code, "name": e.name} for e in item.life_events.all()]

    def get_materials(self, item: ServiceItem) -> list[dict]:
        return MaterialSerializer(item.materials.all(), many=True, context=self.context).data

    def get_materials_on_file(self, item: ServiceItem) -> int:
        on_file = self.context.get("on_file", ())
        return sum(1 for m in item.materials.all() if m.licence_type_id in on_file)

    def get_visits_label(self, item: ServiceItem) -> str:
        visits = item.visits_required
        if visits is None:
            return "请咨询办理部门"
        return {0: "全程网办，不用跑", 1: "最多跑一次"}.get(visits, f"需到现场 {visits} 次")


class EventSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = ApplicationEvent
        fields = ["status", "status_label", "note", "at"]


class ApplicationSerializer(serializers.ModelSerializer):
    item = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    events = EventSerializer(many=True)
    expected_completion = serializers.SerializerMethodField()
    expected_is_estimate = serializers.SerializerMethodField()
    clock_paused = serializers.SerializerMethodField()
    expected_completion_note = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "receipt_number", "item", "status", "status_label", "channel", "submitted_at",
                  "accepted_at", "expected_completion", "expected_is_estimate", "clock_paused",
                  "expected_completion_note", "completed_at", "events"]

    def get_item(self, application: Application) -> dict:
        item = application.item
        return {"id": item.id, "name": item.name, "department": item.department.name}

    @extend_schema_field(serializers.DateField(allow_null=True, help_text=(
        "预计办结日期（工作日计算）；未受理、无办结时限或需补件（时限暂停，见 clock_paused）时为 null")))
    def get_expected_completion(self, application: Application) -> dt.date | None:
        return queries.expected_completion_of(application).date

    @extend_schema_field(serializers.BooleanField(help_text="预计日期为估算（节假日安排尚未公布的年份按周一至周五计算）"))
    def get_expected_is_estimate(self, application: Application) -> bool:
        return queries.expected_completion_of(application).is_estimate

    @extend_schema_field(serializers.BooleanField(help_text="需补件：办理时限暂停，补齐材料后重新计算预计办结日期"))
    def get_clock_paused(self, application: Application) -> bool:
        return queries.expected_completion_of(application).clock_paused

    @extend_schema_field(serializers.CharField(help_text="预计办结日期的说明（时限暂停、日期为估算），没有时为空字符串"))
    def get_expected_completion_note(self, application: Application) -> str:
        return str(queries.expected_completion_of(application).note)


class StaffApplicationSerializer(ApplicationSerializer):
    overdue = serializers.SerializerMethodField()
    applicant = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "overdue", "applicant"]

    def get_overdue(self, application: Application) -> bool:
        return queries.application_is_overdue(application)

    def get_applicant(self, application: Application) -> dict:
        user = application.user
        return {"id": user.id, "name": str(user), "id_number": user.id_number_masked}


def _paginated(request, view, rows, serializer, extra: dict | None = None) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    response = paginator.get_paginated_response(serializer(page, many=True).data)
    if extra:
        response.data.update(extra)
    return response


def _page_schema(name: str, results: serializers.BaseSerializer, **extra: serializers.Field):
    """The schema of one page of ``_paginated``: the list contract around ``results``."""
    return inline_serializer(name, {
        "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True), "results": results, **extra})


# --- views ----------------------------------------------------------------------------------------
class ItemListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="services_items_list", summary="搜索或浏览办事事项",
        parameters=[ItemQuerySerializer],
        responses=_page_schema("ItemPage", ItemListSerializer(many=True),
                               suggestions=serializers.ListField(child=serializers.CharField())),
    )
    def get(self, request):
        params = ItemQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = queries.ItemFilters(category=data.get("category"), life_event=data.get("life_event"),
                                      department=data.get("department"), audience=data.get("audience"),
                                      online=data.get("online"), frequent=data.get("frequent"))
        result = queries.items_search(query=data.get("q", ""), filters=filters)
        return _paginated(request, self, result.hits, ItemSearchSerializer,
                          {"suggestions": result.suggestions})


class ItemDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="services_item_guide",
        summary="办事指南：材料、地点、时限、跑动次数", responses=ItemDetailSerializer)
    def get(self, request, item_id: int):
        item, on_file = queries.item_guide(item_id=item_id, user=request.user)
        return Response(ItemDetailSerializer(item, context={"on_file": on_file}).data)


class LifeEventListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="services_life_events_list",
        summary="按主题（人生事件）浏览", responses=_page_schema("LifeEventPage", inline_serializer("LifeEventRow", {
            "code": serializers.CharField(), "name": serializers.CharField(), "audience": serializers.CharField(),
            "item_count": serializers.IntegerField()}, many=True)))
    def get(self, request):
        rows = [{"code": e.code, "name": e.name, "audience": e.audience, "item_count": e.item_count}
                for e in queries.life_events_with_counts()]
        return _paginated(request, self, rows, _Passthrough)


class DepartmentListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="services_departments_list",
        summary="按部门浏览", responses=_page_schema("DepartmentPage", inline_serializer("DepartmentRow", {
            "id": serializers.IntegerField(), "name": serializers.CharField(), "phone": serializers.CharField(),
            "item_count": serializers.IntegerField()}, many=True)))
    def get(self, request):
        rows = [{"id": d.id, "name": d.name, "phone": d.phone, "item_count": d.item_count}
                for d in queries.departments_with_counts()]
        return _paginated(request, self, rows, _Passthrough)


class _Passthrough(serializers.BaseSerializer):
    def to_representation(self, instance):
        return instance


class ApplicationListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="services_applications_list",
        summary="我的办件", responses=_page_schema("ApplicationPage", ApplicationSerializer(many=True)),
                   parameters=[OpenApiParameter("status", str, required=False)])
    def get(self, request):
        status = request.query_params.get("status") or None
        if status and status not in Application.Status.values:
            raise serializers.ValidationError({"status": [str(_("没有这种办件状态。"))]})
        applications = queries.applications_of(user=request.user, status=status)  # one page is read
        return _paginated(request, self, applications, ApplicationSerializer)

    @extend_schema(
        operation_id="services_applications_create",
        summary="提交办件申请", request=ApplicationCreateSerializer, responses={201: ApplicationSerializer},
        description="需实名认证（403 realname_required）；事项不存在或已停用为 404 item_not_found；事项不能网上办理"
                    "（online 为 false，须到窗口办理）为 409 counter_only，message 写明办理地点，locations 列出各地点"
                    "（id、name、address、hours、phone），不创建办件。只面向法人（audience 为 法人）的事项"
                    "为 403 business_only：这里没有法人账号，message 写明单位经办人去哪里办（事项的网办地址、"
                    "办理地点或部门），online_url、locations 同上，不创建办件；个人和法人 的事项照常可申请。"
                    "同一事项已有正在办理（未办结、未不予受理）的办件时为 409 already_applied，message 写明其"
                    "受理编号，receipt_number、status 为该办件的受理编号和状态，不创建新办件"
                    "（带同一 Idempotency-Key 的重复请求仍返回第一次的 201）。")
    @idempotent
    def post(self, request):
        body = ApplicationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = actions.application_submit(user=request.user, item_id=body.validated_data["item"],
                                                 channel=body.validated_data["channel"])
        application = queries.application_for_receipt(user=request.user,
                                                      receipt_number=application.receipt_number)
        return Response(ApplicationSerializer(application).data, status=201)


class ApplicationDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="services_application_by_receipt",
        summary="按受理编号查询办件进度", responses=ApplicationSerializer)
    def get(self, request, receipt_number: str):
        application = queries.application_for_receipt(user=request.user, receipt_number=receipt_number)
        return Response(ApplicationSerializer(application).data)


class StaffApplicationListView(APIView):
    permission_classes = [IsApplicationStaff]

    @extend_schema(
        operation_id="services_staff_applications_list",
        summary="办件列表（受理人员：本部门事项的办件；平台管理员：全部；含超期标记）",
        parameters=[StaffApplicationQuerySerializer],
                   responses=_page_schema("StaffApplicationPage", StaffApplicationSerializer(many=True)))
    def get(self, request):
        params = StaffApplicationQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        # A queryset, not a list: the paginator counts and reads one page, not every application.
        applications = queries.applications_for_staff(staff=request.user, status=params.validated_data.get("status"),
                                                      overdue=params.validated_data.get("overdue"),
                                                      receipt=params.validated_data.get("receipt"))
        return _paginated(request, self, applications, StaffApplicationSerializer)

    @extend_schema(
        operation_id="services_staff_applications_register",
        summary="窗口登记办件（工作人员）", request=CounterApplicationSerializer,
        responses={201: StaffApplicationSerializer},
        description="为已实名认证的居民登记一件窗口办件（channel 为 counter），不能网上办理的事项也可登记；"
                    "身份证号不正确为 400 invalid_id_number，没有对应的实名居民为 404 resident_not_found，"
                    "事项不属于受理人员所在部门为 403 not_department_clerk（department 为事项的办理部门），"
                    "居民已有同一事项正在办理的办件为 409 already_applied（receipt_number 为该办件的受理编号）。")
    @idempotent
    def post(self, request):
        body = CounterApplicationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = actions.application_register_at_counter(
            clerk=request.user, id_number=body.validated_data["id_number"], item_id=body.validated_data["item"])
        application = queries.applications_for_staff(staff=request.user).get(pk=application.pk)
        return Response(StaffApplicationSerializer(application).data, status=201)


class StaffApplicationStatusView(APIView):
    permission_classes = [IsApplicationStaff]

    @extend_schema(
        operation_id="services_staff_application_status",
        summary="更新办件状态（工作人员）", request=StatusChangeSerializer,
        responses=StaffApplicationSerializer,
        description="受理人员只能办理本部门事项的办件：其他部门的办件和不存在的办件一样为 404 application_not_found。")
    def post(self, request, application_id: int):
        body = StatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = actions.application_status_change(
            application_id=application_id, status=body.validated_data["status"],
            note=body.validated_data["note"], actor=request.user,
        )
        application = queries.applications_for_staff(staff=request.user).get(pk=application.pk)
        return Response(StaffApplicationSerializer(application).data)
