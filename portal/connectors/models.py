from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Notification(models.Model):
    """An outbox row: a message to a resident (booking reminder, application status, …).

    Rows are written inside the business transaction; delivery happens in a Celery task queued
    on commit, so a rolled-back write never notifies anyone and a retried task sends once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    template = models.CharField(max_length=64)
    title = models.CharField(max_length=128)
    body = models.TextField()
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    dedupe_key = models.CharField(max_length=128, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.title
