"""一网通办: the service catalogue (事项/办事指南), residents' electronic licences, applications (办件).

Invariants live in the database (constraints below); use cases in ``actions.py``; reads in
``queries.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class Department(models.Model):
    """实施主体 / 办理部门."""

    name = models.CharField("部门名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True, default="")
    phone = models.CharField("咨询电话", max_length=50, blank=True, default="")
    address = models.CharField("地址", max_length=200, blank=True, default="")
    # 受理人员 who process this department's applications (services.access); assigned by a platform admin.
    clerks = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="clerk_departments",
                                    verbose_name="受理人员")

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LifeEvent(models.Model):
    """A moment in life (出生, 入学, 就业 …) or of a business (企业开办 …) that groups items."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    audience = models.CharField("面向", max_length=16, default="个人")
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "主题（人生事件）"
        verbose_name_plural = "主题（人生事件）"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class LicenceType(models.Model):
    """A kind of electronic licence (电子证照) that can stand in for a paper material (减证明)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("证照名称", max_length=60, unique=True)
    issuer = models.CharField("签发单位", max_length=100, blank=True, default="")

    class Meta:
        verbose_name = "电子证照类型"
        verbose_name_plural = "电子证照类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ResidentLicence(models.Model):
    """An electronic licence a real-name-bound resident has on file (电子证照库)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="licences")
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="+")
    number_masked = models.CharField("证照编号（脱敏）", max_length=40, blank=True, default="")
    issued_on = models.DateField("签发日期", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "居民电子证照"
        verbose_name_plural = "居民电子证照"
        constraints = [
            models.UniqueConstraint(fields=["user", "licence_type"], name="resident_licence_unique_type"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(issued_on__isnull=True) | Q(valid_until__gte=F("issued_on")),
                name="resident_licence_valid_after_issue",
                violation_error_message="有效期至不能早于签发日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licence_type} ({self.number_masked})"


class ServiceLocation(models.Model):
    """办理地点: a service hall or window."""

    name = models.CharField("名称", max_length=100, unique=True)
    address = models.CharField("地址", max_length=200)
    town = models.CharField("街镇", max_length=50, blank=True, default="")
    phone = models.CharField("电话", max_length=50, blank=True, default="")
    hours = models.CharField("办公时间", max_length=200, blank=True, default="")
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = "办理地点"
        verbose_name_plural = "办理地点"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_range",
                violation_error_message="纬度应在 -90 到 90 之间。",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
                violation_error_message="经度应在 -180 到 180 之间。",
            ),
        ]

    def __str__(self) -> str:
        return self.name


FULLY_ONLINE_NOT_ONLINE = "到现场次数为 0（全程网办）的事项须可网上办理：请勾选“可网上办理”，或填写实际要到现场的次数。"


class ServiceItem(models.Model):
    """政务服务事项 with its 办事指南."""

    class Category(models.TextChoices):
        LICENSING = "行政许可", "行政许可"
        CONFIRMATION = "行政确认", "行政确认"
        BENEFIT = "行政给付", "行政给付"
        AWARD = "行政奖励", "行政奖励"
        RULING = "行政裁决", "行政裁决"
        OTHER_POWER = "其他行政权力", "其他行政权力"
        PUBLIC_SERVICE = "公共服务", "公共服务"

    class Audience(models.TextChoices):
        PERSON = "个人", "个人"
        BUSINESS = "法人", "法人"
        BOTH = "个人和法人", "个人和法人"

    code = models.CharField("事项编码", max_length=120, null=True, blank=True, unique=True)
    name = models.CharField("事项名称", max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="items",
                                   verbose_name="办理部门")
    category = models.CharField("事项类型", max_length=16, choices=Category.choices,
                                default=Category.PUBLIC_SERVICE)
    group = models.CharField("事项分组", max_length=200, blank=True, default="",
                             help_text="数据源中的主题或分组名称")
    audience = models.CharField("服务对象", max_length=8, choices=Audience.choices, default=Audience.PERSON)
    life_events = models.ManyToManyField(LifeEvent, blank=True, related_name="items", verbose_name="主题")
    aliases = models.JSONField("别名", default=list, blank=True, help_text="群众常用叫法，如“办身份证”")
    keywords = models.JSONField("关键词", default=list, blank=True)
    summary = models.TextField("简介", blank=True, default="")
    conditions = models.TextField("受理条件", blank=True, default="")
    legal_limit_days = models.PositiveSmallIntegerField("法定办结时限（工作日）", null=True, blank=True)
    promised_limit_days = models.PositiveSmallIntegerField("承诺办结时限（工作日）", null=True, blank=True)
    visits_required = models.PositiveSmallIntegerField(
        "到现场次数", null=True, blank=True, help_text="0 = 全程网办，1 = 最多跑一次；空 = 未知"
    )
    online = models.BooleanField("可网上办理", default=False)
    online_url = models.URLField("网办地址", blank=True, default="")
    fee = models.CharField("收费", max_length=200, blank=True, default="不收费")
    steps = models.JSONField("办理流程", default=list, blank=True, help_text='[{"title": "…", "description": "…"}]')
    faq = models.JSONField("常见问题", default=list, blank=True, help_text='[{"q": "…", "a": "…"}]')
    legal_basis = models.TextField("设定依据", blank=True, default="")
    locations = models.ManyToManyField(ServiceLocation, blank=True, related_name="items", verbose_name="办理地点")
    source = models.CharField("来源", max_length=100, blank=True, default="")
    is_active = models.BooleanField("在用", default=True)
    frequent = models.BooleanField(
        "高频事项", default=False,
        help_text="群众常办的事项：浏览时排在前面；只说了一件事（“驾照”“户口怎么办”）时，在相近的结果里排在前面")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("最后更新", auto_now=True)

    class Meta:
        verbose_name = "服务事项"
        verbose_name_plural = "服务事项"
        ordering = ["department__name", "name"]
        constraints = [
            # Items without a code are identified by department + name (the importer's upsert key).
            models.UniqueConstraint(fields=["department", "name"], condition=Q(code__isnull=True),
                                    name="item_unique_name_per_department_without_code",
                                    violation_error_message="本部门已有同名且没有事项编码的事项：请改名或填写事项编码。"),
            models.CheckConstraint(
                condition=Q(promised_limit_days__isnull=True) | Q(legal_limit_days__isnull=True)
                | Q(promised_limit_days__lte=F("legal_limit_days")),
                name="item_promised_within_legal_limit",
                violation_error_message="承诺办结时限不能超过法定办结时限。",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="item_name_not_empty",
                                   violation_error_message="请填写事项名称。"),
            models.CheckConstraint(condition=Q(code__isnull=True) | ~Q(code=""), name="item_code_null_not_empty"),
            models.CheckConstraint(condition=Q(online=True) | Q(online_url=""), name="item_online_url_only_if_online",
                                   violation_error_message="填写网办地址时请勾选“可网上办理”。"),
            models.CheckConstraint(condition=Q(visits_required__isnull=True) | Q(visits_required__lte=10),
                                   name="item_visits_plausible", violation_error_message="到现场次数应在 0–10 之间。"),
            # 0 visits is 全程网办: an item nobody has to go anywhere for is handled online.
            models.CheckConstraint(condition=Q(visits_required__isnull=True) | ~Q(visits_required=0) | Q(online=True),
                                   name="item_fully_online_is_online",
                                   violation_error_message=FULLY_ONLINE_NOT_ONLINE),
        ]
        indexes = [models.Index(fields=["is_active", "department"])]

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    """申请材料 of an item."""

    class Requirement(models.TextChoices):
        REQUIRED = "required", "必需"
        CONDITIONAL = "conditional", "视情形提供"

    class Form(models.TextChoices):  # marked: a chat guide in English says them (services.queries.guide_answer)
        ORIGINAL = "original", gettext_noop("原件")
        COPY = "copy", gettext_noop("复印件")
        BOTH = "both", gettext_noop("原件和复印件")
        ELECTRONIC = "electronic", gettext_noop("电子材料")
        FORM = "form", gettext_noop("申请表（现场或网上填写）")

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("材料名称", max_length=200)
    requirement = models.CharField("是否必需", max_length=16, choices=Requirement.choices,
                                   default=Requirement.REQUIRED)
    condition = models.CharField("提供情形", max_length=200, blank=True, default="",
                                 help_text="视情形提供的材料，写明什么情况下需要")
    form = models.CharField("材料形式", max_length=16, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField("份数", default=1)
    licence_type = models.ForeignKey(LicenceType, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="materials", verbose_name="可用电子证照替代",
                                     help_text="居民电子证照库中有此证照时免于提交（减证明）")
    notes = models.CharField("备注", max_length=300, blank=True, default="")

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["item", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "name"], name="material_unique_name_per_item"),
            models.CheckConstraint(condition=Q(copies__gte=1), name="material_copies_at_least_one",
                                   violation_error_message="材料份数至少为 1。"),
            models.CheckConstraint(condition=Q(requirement="required") | ~Q(condition=""),
                                   name="material_conditional_says_when",
                                   violation_error_message="视情形提供的材料请写明提供情形。"),
        ]

    def __str__(self) -> str:
        return self.name


class CatalogueVersion(models.Model):
    """One row: bumped in the transaction of every catalogue change, so every process can tell
    cheaply that its search index is stale (see ``services/search.py``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)
    bundled_digest = models.CharField("内置目录指纹", max_length=64, blank=True, default="",
                                      help_text="已加载的内置目录文件的 SHA-256")

    class Meta:
        verbose_name = "事项目录版本"
        verbose_name_plural = "事项目录版本"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="catalogue_version_single_row")]

    def __str__(self) -> str:
        return f"v{self.version}"


class NameVector(models.Model):
    """An item name's sentence embedding for the semantic reordering (``ITEM_SEMANTIC``), kept so
    that a process does not embed the catalogue again at every start: keyed by the model and the
    name's text, so a renamed item or another model simply has no row yet."""

    digest = models.CharField(max_length=64, primary_key=True)  # SHA-256 of model + name
    vector = models.BinaryField()  # float32, unit length
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "事项名称向量"
        verbose_name_plural = "事项名称向量"

    def __str__(self) -> str:
        return self.digest[:12]


class Application(models.Model):
    """办件: a resident's application for an item, followed through its status timeline."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("已受理")
        REVIEWING = "reviewing", _("审核中")
        NEEDS_MORE = "needs_more", _("需补件")
        COMPLETED = "completed", _("已办结")
        REJECTED = "rejected", _("不予受理")

    FINAL = (Status.COMPLETED, Status.REJECTED)

    receipt_number = models.CharField("受理编号", max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications",
                             verbose_name="申请人")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="applications",
                             verbose_name="事项")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    channel = models.CharField("渠道", max_length=20, blank=True, default="")
    submitted_at = models.DateTimeField("提交时间")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    expected_completion = models.DateField("预计办结日期", null=True, blank=True)
    expected_is_estimate = models.BooleanField(
        "预计日期为估算", default=False, help_text="节假日安排尚未公布的年份按周一至周五估算"
    )
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    paused_on = models.DateField("补件开始日期", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(status__in=["completed", "rejected"]),
                name="application_completed_at_only_when_final",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["completed", "rejected"]) | Q(completed_at__isnull=False),
                name="application_final_has_completed_at",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(accepted_at__gte=F("submitted_at")),
                name="application_accepted_after_submitted",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=F("submitted_at")),
                name="application_completed_after_submitted",
            ),
            models.CheckConstraint(condition=Q(paused_on__isnull=True) | Q(status="needs_more"),
                                   name="application_paused_only_when_needs_more"),
            # A resident's application of an item is not duplicated while one is open (the second
            # attempt, however it races the first, is refused here: actions.AlreadyApplied).
            models.UniqueConstraint(fields=["user", "item"], condition=~Q(status__in=["completed", "rejected"]),
                                    name="application_one_open_per_item",
                                    violation_error_message="这位申请人已有一件正在办理的同一事项办件。"),
        ]
        indexes = [models.Index(fields=["user", "-submitted_at"]),
                   models.Index(fields=["status", "expected_completion"])]

    def __str__(self) -> str:
        return self.receipt_number

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class ApplicationEvent(models.Model):
    """One timestamped step of an application's timeline."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    status = models.CharField("状态", max_length=16, choices=Application.Status.choices)
    note = models.CharField("说明", max_length=500, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name="操作人")
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "办件进度"
        verbose_name_plural = "办件进度"
        ordering = ["application", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.get_status_display()}"
