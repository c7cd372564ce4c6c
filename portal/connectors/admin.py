from django.contrib import admin

from portal.connectors.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "template", "user", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "template")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
