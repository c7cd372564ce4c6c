from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from portal.accounts.actions import InvalidPhone, phone_index
from portal.accounts.models import Identity, User
from portal.masking import mask_name, mask_phone


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    fields = ("provider", "app_id", "subject_masked", "created_at", "last_login_at")
    readonly_fields = fields
    can_delete = False

    @admin.display(description="标识")
    def subject_masked(self, obj: Identity) -> str:
        if obj.provider == Identity.Provider.PHONE:
            return mask_phone(obj.user.phone) if obj.user.phone else "****"  # the subject is an index
        return obj.subject[:4] + "…" + obj.subject[-4:] if len(obj.subject) > 10 else "****"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Staff see masked personal data only; the encrypted columns are never rendered."""

    list_display = ("username", "display_name", "kind", "phone_masked", "realname", "is_staff", "is_active")
    list_filter = ("kind", "is_staff", "is_active", "groups")
    search_fields = ("username", "display_name")
    search_help_text = "用户名、昵称，或完整的 11 位手机号"
    inlines = [IdentityInline]
    fieldsets = (
        (None, {"fields": ("username", "password", "kind", "display_name")}),
        ("实名信息（脱敏）", {"fields": ("phone_masked", "name_masked", "id_number_masked", "realname_verified_at")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("phone_masked", "name_masked", "id_number_masked", "realname_verified_at", "last_login",
                       "date_joined")

    def get_search_results(self, request, queryset, search_term):
        """A whole mobile number finds its owner through the blind index (the column is encrypted)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            index = phone_index(search_term.strip())
        except InvalidPhone:
            return found, may_have_duplicates
        return found | queryset.filter(phone_index=index), may_have_duplicates

    @admin.display(description="手机号")
    def phone_masked(self, obj: User) -> str:
        return mask_phone(obj.phone) if obj.phone else "—"

    @admin.display(description="姓名")
    def name_masked(self, obj: User) -> str:
        return mask_name(obj.real_name) if obj.real_name else "—"

    @admin.display(description="实名", boolean=True)
    def realname(self, obj: User) -> bool:
        return obj.is_realname_verified
