from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyKey(models.Model):
    """The first response to a creating write, replayed for a repeat with the same key (pretix's
    semantics): one row per (user, key); ``response_status`` is null while the first is in flight."""

    # Found through the unique (user, key) index: no single-column index to write on every claim.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=128)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="keyed HMAC-SHA256 of the request body")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
        verbose_name = "幂等键"
        verbose_name_plural = "幂等键"

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"
