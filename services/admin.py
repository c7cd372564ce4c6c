"""Admin for catalogue editors: items with materials, import and export. Admin for service clerks:
applications of their departments' items (services.access), with status changes that go through the
same action as the staff API (timeline event + notification). Which clerks serve a department is the
platform admin's decision (Department → 受理人员)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from portal.accounts import roles
from portal.accounts.models import User
from portal.core.errors import PortalError
from services import access, actions, queries
from services.catalogue_rows import FileError, read_file, write_csv, write_json, write_xlsx
from services.models import (
    FULLY_ONLINE_NOT_ONLINE,
    Application,
    ApplicationEvent,
    Department,
    LicenceType,
    LifeEvent,
    Material,
    ResidentLicence,
    ServiceItem,
    ServiceLocation,
)


class CatalogueTouchMixin:
    """Every admin write to the catalogue bumps its version (the search index follows)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        actions.catalogue_touch()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        actions.catalogue_touch()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        actions.catalogue_touch()


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ("position", "name", "requirement", "condition", "form", "copies", "licence_type", "notes")
    autocomplete_fields = ("licence_type",)


class ImportForm(forms.Form):
    file = forms.FileField(label="事项文件",
                           help_text="CSV、JSON 或 XLSX；表头至少包含 name（事项名称）和 department（办理部门）")
    dry_run = forms.BooleanField(label="只检查，不写入", required=False)


def _records(items) -> list[dict]:
    records = []
    for item in items.select_related("department").prefetch_related("materials__licence_type", "life_events",
                                                                      "locations"):
        records.append({
            "name": item.name, "department": item.department.name, "code": item.code or "", "group": item.group,
            "category": item.category, "audience": item.audience,
            "life_events": [e.name for e in item.life_events.all()], "aliases": item.aliases,
            "keywords": item.keywords, "summary": item.summary, "conditions": item.conditions,
            "legal_limit_days": item.legal_limit_days, "promised_limit_days": item.promised_limit_days,
            "visits_required": item.visits_required, "online": item.online, "online_url": item.online_url,
            "fee": item.fee,
            "materials": [{"name": m.name, "requirement": m.requirement, "condition": m.condition, "form": m.form,
                           "copies": m.copies, "licence": m.licence_type.code if m.licence_type else "",
                           "notes": m.notes} for m in item.materials.all()],
            "steps": item.steps, "locations": [loc.name for loc in item.locations.all()],
            "legal_basis": item.legal_basis, "faq": item.faq, "is_active": item.is_active,
            "frequent": item.frequent,
        })
    return records


class ServiceItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields: list[str] = []  # the admin's fieldsets say which

    def clean(self):
        data = super().clean()
        if data.get("visits_required") == 0 and not data.get("online"):
            # Beside the box to tick, rather than only as the constraint's message above the form.
            self.add_error("online", FULLY_ONLINE_NOT_ONLINE)
        return data


@admin.register(ServiceItem)
class ServiceItemAdmin(CatalogueTouchMixin, admin.ModelAdmin):
    form = ServiceItemForm
    list_display = ("name", "code", "department", "category", "visits_required", "online", "promised_limit_days",
                    "frequent", "is_active", "updated_at")
    list_filter = ("is_active", "frequent", "online", "category", "audience", "visits_required", "life_events",
                   "department")
    search_fields = ("name", "code", "aliases", "keywords")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
    filter_horizontal = ("life_events", "locations")
    # An online-service address typed without its scheme is an https one (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [MaterialInline]
    readonly_fields = ("created_at", "updated_at")
    actions = ["export_csv", "export_xlsx", "export_json", "deactivate", "activate"]
    change_list_template = "admin/services/serviceitem/change_list.html"
    fieldsets = (
        (None, {"fields": ("name", "code", "department", "category", "group", "audience", "life_events",
                           "frequent", "is_active")}),
        ("群众怎么说", {"fields": ("aliases", "keywords", "summary")}),
        ("办理要求", {"fields": ("conditions", "legal_limit_days", "promised_limit_days", "visits_required", "online",
                             "online_url", "fee", "steps", "locations")}),
        ("依据与问答", {"fields": ("legal_basis", "faq", "source", "created_at", "updated_at")}),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        actions.catalogue_touch()  # materials and M2M are saved after the item

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="services_serviceitem_import"),
                *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                try:
                    rows = read_file(handle.name, source=upload.name)
                except FileError as exc:
                    messages.error(request, f"没有导入任何内容：{exc}")
                    rows = None
            if rows is not None:
                report = actions.catalogue_import(rows=rows, dry_run=form.cleaned_data["dry_run"])
                prefix = "（试运行，未写入）" if report.dry_run else ""
                messages.success(request, f"{prefix}新增 {report.created}，更新 {report.updated}，"
                                          f"未变 {report.unchanged}，跳过 {len(report.skipped)}")
                for number, reason in report.skipped[:30]:
                    messages.warning(request, f"跳过 第 {number} 行：{reason}")
                if len(report.skipped) > 30:
                    messages.warning(request, f"…另有 {len(report.skipped) - 30} 行被跳过（命令行导入可看全部）")
                for number, message in report.warnings[:30]:
                    messages.info(request, f"提示 第 {number} 行：{message}")
                if len(report.warnings) > 30:
                    messages.info(request, f"…另有 {len(report.warnings) - 30} 条提示")
                if not report.dry_run:
                    return redirect(reverse("admin:services_serviceitem_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": "导入事项"}
        return TemplateResponse(request, "admin/services/serviceitem/import.html", context)

    def _export(self, queryset, writer, suffix: str, content_type: str) -> HttpResponse:
        response = HttpResponse(writer(_records(queryset)), content_type=content_type)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="service-items-{stamp}.{suffix}"'
        return response

    @admin.action(description="导出所选事项（CSV）", permissions=["view"])
    def export_csv(self, request, queryset):
        return self._export(queryset, write_csv, "csv", "text/csv; charset=utf-8")

    @admin.action(description="导出所选事项（Excel）", permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._export(queryset, write_xlsx, "xlsx",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @admin.action(description="导出所选事项（JSON）", permissions=["view"])
    def export_json(self, request, queryset):
        return self._export(queryset, write_json, "json", "application/json")

    @admin.action(description="停用所选事项", permissions=["change"])
    def deactivate(self, request, queryset):
        with transaction.atomic():
            count = queryset.update(is_active=False, updated_at=timezone.now())
            actions.catalogue_touch()
        messages.success(request, f"已停用 {count} 个事项")

    @admin.action(description="启用所选事项", permissions=["change"])
    def activate(self, request, queryset):
        with transaction.atomic():
            count = queryset.update(is_active=True, updated_at=timezone.now())
            actions.catalogue_touch()
        messages.success(request, f"已启用 {count} 个事项")


@admin.register(Department)
class DepartmentAdmin(CatalogueTouchMixin, admin.ModelAdmin):
    list_display = ("name", "short_name", "phone", "address")
    search_fields = ("name", "short_name")
    fields = ("name", "short_name", "phone", "address", "clerks")
    filter_horizontal = ("clerks",)

    def save_model(self, request, obj, form, change):
        if change and set(form.changed_data) <= {"clerks"}:
            # Who processes the department's applications: nothing residents search or read changed,
            # so no new catalogue version (each one makes every process rebuild its search index).
            admin.ModelAdmin.save_model(self, request, obj, form, change)
            return
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        # Who processes a department's applications is the platform admin's decision, not the editor's.
        if access.clerk_department_ids(request.user) is None:
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), "clerks"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "clerks":
            kwargs["queryset"] = User.objects.filter(groups__name=roles.SERVICE_CLERK, is_active=True).order_by(
                "username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(LifeEvent)
class LifeEventAdmin(CatalogueTouchMixin, admin.ModelAdmin):
    list_display = ("name", "code", "audience", "position")
    search_fields = ("name", "code")


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "issuer")
    search_fields = ("name", "code")


@admin.register(ServiceLocation)
class ServiceLocationAdmin(admin.ModelAdmin):
    list_display = ("name", "town", "address", "phone", "hours")
    search_fields = ("name", "address", "town")


@admin.register(ResidentLicence)
class ResidentLicenceAdmin(admin.ModelAdmin):
    list_display = ("user", "licence_type", "number_masked", "valid_until")
    list_filter = ("licence_type",)
    raw_id_fields = ("user",)


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    fields = ("created_at", "status", "note", "actor")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = "是否超期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "已超期"), ("no", "未超期")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(queries.overdue_q())
        if self.value() == "no":
            return queryset.exclude(queries.overdue_q())
        return queryset


class StatusChangeRefused(Exception):
    """The action refused a change the form had let through: raised out of ``save_model`` so that the
    change view's transaction is rolled back before anything is logged or a success message is shown."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ApplicationStatusForm(forms.ModelForm):
    # The action's refusal of this very submission, when the change view shows the form again with it.
    refusal: str | None = None

    new_status = forms.ChoiceField(label="变更状态为", required=False,
                                   choices=[("", "（不变）"), *Application.Status.choices])
    status_note = forms.CharField(label="说明（需补件、不予受理时必填）", required=False, max_length=500,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Application
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        if self.refusal:
            raise forms.ValidationError(self.refusal)
        status = data.get("new_status")
        if data.get("status_note", "").strip() and (not status or status == self.instance.status):
            # The note is written into the timeline with a status change; alone it would be lost.
            self.add_error("status_note", "说明会随状态变更记入办件进度：请同时选择要变更的状态。")
        if status and status != self.instance.status:
            if status not in actions.application_next_statuses(self.instance):
                if status in actions.TRANSITIONS[self.instance.status]:
                    raise forms.ValidationError(str(actions.NotYetAccepted.message))
                raise forms.ValidationError(
                    f"办件当前为“{self.instance.get_status_display()}”，不能变更为“{Application.Status(status).label}”。")
            if status in (Application.Status.NEEDS_MORE, Application.Status.REJECTED) and not data.get(
                    "status_note", "").strip():
                self.add_error("status_note", "需补件或不予受理时请写明原因。")
            if timezone.now() < self.instance.submitted_at:
                # This server's clock is behind the one that took the submission: said here, in the
                # form, rather than after it was accepted (the action refuses it too).
                raise forms.ValidationError(str(actions.StatusTimeBeforeSubmission.message))
        return data


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    form = ApplicationStatusForm
    list_display = ("receipt_number", "item", "user", "status", "submitted_at", "expected_completion", "is_overdue")
    # The departments in the filter are those of the applications this clerk sees, not every one.
    list_filter = ("status", OverdueFilter, ("item__department", admin.RelatedOnlyFieldListFilter))
    search_fields = ("receipt_number", "item__name")
    list_select_related = ("item", "user")
    readonly_fields = ("receipt_number", "user", "item", "status", "channel", "submitted_at", "accepted_at",
                       "expected_completion", "expected_is_estimate", "completed_at", "paused_on")
    fields = (*readonly_fields, "new_status", "status_note")
    inlines = [ApplicationEventInline]

    @admin.display(boolean=True, description="超期")
    def is_overdue(self, obj: Application) -> bool:
        return queries.application_is_overdue(obj)

    def get_queryset(self, request):
        # A clerk's list and change views hold only their departments' applications: another
        # department's is "not found" there, as in the staff API.
        return access.scope_applications(super().get_queryset(request), request.user)

    def has_add_permission(self, request) -> bool:
        return False  # applications come from residents

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_status_change_refusal", None)
        if refusal is None:
            return form
        return type(form.__name__, (form,), {"refusal": refusal})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StatusChangeRefused as refused:
            # The action refused what the form let through (a rule only it checks under the row lock, or
            # another clerk's change in between). The view's transaction was rolled back, nothing was
            # logged; the same submission is shown again with the refusal as the form's error, so the
            # clerk sees only that (no "changed successfully") and keeps what they typed.
            request._status_change_refusal = refused.message
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        status = form.cleaned_data.get("new_status")
        if not status or status == obj.status:
            return
        try:
            actions.application_status_change(application_id=obj.pk, status=status,
                                              note=form.cleaned_data.get("status_note", ""), actor=request.user)
        except PortalError as exc:
            raise StatusChangeRefused(str(exc.message)) from exc
