from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from portal.core.fields import EncryptedTextField


class User(AbstractUser):
    """A resident (居民) or a staff member (doctor, venue manager, catalogue editor, admin).

    Residents sign in through WeChat, Alipay or an SMS code and have no usable password; staff
    sign in with username and password and get their rights from role groups (see ``roles.py``).
    Real-name data and the phone number are encrypted at rest; the ID number and the phone number
    are found (and kept unique) through keyed blind indexes (``actions.id_number_index``,
    ``actions.phone_index``).
    """

    class Kind(models.TextChoices):
        RESIDENT = "resident", "居民"
        STAFF = "staff", "工作人员"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.RESIDENT)
    display_name = models.CharField("昵称", max_length=64, blank=True)
    phone = EncryptedTextField("手机号（加密）", null=True, blank=True)
    phone_index = models.CharField("手机号索引", max_length=64, null=True, blank=True, unique=True, editable=False)

    real_name = EncryptedTextField("姓名（加密）", blank=True, default="")
    id_number = EncryptedTextField("身份证号（加密）", blank=True, default="")
    id_number_index = models.CharField("身份证号索引", max_length=64, null=True, blank=True, unique=True,
                                       editable=False)
    id_number_masked = models.CharField("身份证号（脱敏）", max_length=32, blank=True, default="")
    realname_verified_at = models.DateTimeField("实名认证时间", null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(realname_verified_at__isnull=True) | Q(id_number_index__isnull=False),
                name="user_realname_has_id_index",
            ),
            # A phone number is only ever stored with its index: a lookup by number cannot miss it.
            models.CheckConstraint(
                condition=(Q(phone_index__isnull=True) & (Q(phone__isnull=True) | Q(phone="")))
                | (Q(phone_index__isnull=False) & Q(phone__isnull=False) & ~Q(phone="")),
                name="user_phone_has_index",
            ),
        ]

    @property
    def is_resident(self) -> bool:
        return self.kind == self.Kind.RESIDENT

    @property
    def is_realname_verified(self) -> bool:
        return self.realname_verified_at is not None

    def has_role(self, role: str) -> bool:
        return self.is_active and (self.is_superuser or self.groups.filter(name=role).exists())

    def __str__(self) -> str:
        return self.display_name or self.username


class Identity(models.Model):
    """A way a person signs in: a WeChat openid (per app), an Alipay user, a phone number."""

    class Provider(models.TextChoices):
        WECHAT_MINI = "wechat_mini", "微信小程序"
        WECHAT_OA = "wechat_oa", "微信服务号"
        ALIPAY = "alipay", "支付宝"
        PHONE = "phone", "手机号"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identities")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    app_id = models.CharField(max_length=64, blank=True, default="")
    # A phone identity's subject is the number's blind index (``actions.phone_index``), never the number.
    subject = models.CharField("openid / open_id / user_id / 手机号索引", max_length=128)
    union_id = models.CharField(max_length=128, blank=True, default="", db_index=True)
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "登录身份"
        verbose_name_plural = "登录身份"
        constraints = [
            models.UniqueConstraint(fields=["provider", "app_id", "subject"], name="identity_unique_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.subject[:6]}…"


class RevokedSession(models.Model):
    """A signed-in session ended by logout: every token carrying its ``sid`` claim is refused.

    A session is the refresh token issued at sign-in, its rotated successors and the access tokens
    minted from any of them; they all carry the same ``sid`` (``portal.accounts.tokens``). The
    bearer authentication reads this table in the same statement as the user
    (``portal.accounts.authentication``). A row is kept until every token of the session has
    expired, then purged (``accounts.tasks.revoked_sessions_purge``).
    """

    sid = models.CharField("会话标识", max_length=32, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    revoked_at = models.DateTimeField("退出时间", auto_now_add=True)
    expires_at = models.DateTimeField("令牌失效时间", db_index=True)

    class Meta:
        verbose_name = "已退出的会话"
        verbose_name_plural = "已退出的会话"

    def __str__(self) -> str:
        return f"{self.sid[:8]}…"
