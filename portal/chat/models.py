"""Chat data: sessions (dialogue state kept server-side), turns, hand-off tickets, unmatched
questions and the lexicon entries editors add from them."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


def is_session_id(value: str) -> bool:
    """Whether ``value`` could be a session's id (what ``new_session_id`` makes)."""
    return bool(_SESSION_ID.fullmatch(value))


class Channel(models.TextChoices):
    WEB = "web", "网页"
    WECHAT_MINI = "wechat_mini", "微信小程序"
    WECHAT_OA = "wechat_oa", "微信服务号"
    ALIPAY = "alipay", "支付宝生活号"
    API = "api", "接口"


class ChatSession(models.Model):
    """One conversation. ``state`` is the dialogue state (current intent, slots, slot memory, a
    write waiting for confirmation); any channel that presents the id continues it."""

    id = models.CharField(primary_key=True, max_length=32, default=new_session_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="chat_sessions", verbose_name="居民")
    channel = models.CharField("最近渠道", max_length=16, choices=Channel.choices, default=Channel.WEB)
    state = models.JSONField("对话状态", default=dict, blank=True)
    created_at = models.DateTimeField("开始时间", auto_now_add=True)
    updated_at = models.DateTimeField("最近活动", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "会话"
        verbose_name_plural = "会话"
        indexes = [models.Index(fields=["user", "-updated_at"], name="chat_session_user_recent")]

    def __str__(self) -> str:
        return f"{self.id[:8]}… ({self.user or '匿名'})"


class ChatTurn(models.Model):
    """One message of a resident and the bot's reply to it."""

    class Outcome(models.TextChoices):
        ACCEPT = "accept", "理解"
        CLARIFY = "clarify", "澄清"
        FALLBACK = "fallback", "未理解"
        DIALOGUE = "dialogue", "对话流程"  # answers to a question of the bot, confirmations, resets

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="turns")
    text = models.TextField("居民消息")
    normalized = models.TextField("归一化文本", blank=True, default="")
    intent = models.CharField("意图", max_length=64, db_index=True)
    confidence = models.FloatField("置信度", default=0.0)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices, default=Outcome.ACCEPT)
    slots = models.JSONField("槽位", default=dict, blank=True)
    reply = models.JSONField("回复", default=dict, blank=True)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices, default=Channel.WEB)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "对话记录"
        verbose_name_plural = "对话记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.text[:20]} → {self.intent}"


class HandoffTicket(models.Model):
    """A resident asked for a person: staff pick it up in the admin."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        IN_PROGRESS = "in_progress", "处理中"
        CLOSED = "closed", "已结束"

    number = models.CharField("工单号", max_length=20, unique=True)
    session = models.ForeignKey(ChatSession, on_delete=models.PROTECT, related_name="handoffs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="chat_handoffs", verbose_name="居民")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices, default=Channel.WEB)
    reason = models.TextField("最近的问题", blank=True, default="")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="处理人")
    note = models.TextField("处理记录", blank=True, default="")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "转人工工单"
        verbose_name_plural = "转人工工单"
        ordering = ["-created_at"]
        constraints = [
            # One open ticket per conversation: asking twice does not queue twice.
            models.UniqueConstraint(fields=["session"], condition=~Q(status="closed"),
                                    name="handoff_one_open_per_session"),
        ]

    def __str__(self) -> str:
        return self.number


class UnmatchedQuestion(models.Model):
    """A question the bot did not understand (fallback) or was unsure about (clarify), counted by
    its normalised text so editors see the most frequent first."""

    class Status(models.TextChoices):
        NEW = "new", "待处理"
        MAPPED = "mapped", "已映射"
        IGNORED = "ignored", "忽略"

    normalized = models.CharField("归一化问题", max_length=255, unique=True)
    example = models.TextField("原话示例", blank=True, default="")
    count = models.PositiveIntegerField("次数", default=0, db_index=True)
    fallback_count = models.PositiveIntegerField("未理解次数", default=0)
    clarify_count = models.PositiveIntegerField("澄清次数", default=0)
    last_channel = models.CharField("最近渠道", max_length=16, choices=Channel.choices, default=Channel.WEB)
    first_seen = models.DateTimeField("首次出现", auto_now_add=True)
    last_seen = models.DateTimeField("最近出现", db_index=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    mapped_intent = models.CharField("映射到意图", max_length=64, blank=True, default="")
    mapped_item_id = models.CharField("映射到事项 ID", max_length=64, blank=True, default="")
    mapped_item_name = models.CharField("映射到事项名称", max_length=255, blank=True, default="")

    class Meta:
        verbose_name = "未匹配问题"
        verbose_name_plural = "未匹配问题"
        ordering = ["-count", "-last_seen"]

    def __str__(self) -> str:
        return self.normalized


class LexiconEntry(models.Model):
    """An editor's addition to the NLU, live without a deploy: a phrase that means an intent
    (becomes an example of it), or a phrase that names a service item (becomes a synonym of the
    item's name, and an example of ``service.search``)."""

    phrase = models.CharField("说法", max_length=255)
    intent = models.CharField("意图", max_length=64)
    item_id = models.CharField("事项 ID", max_length=64, blank=True, default="")
    item_name = models.CharField("事项名称", max_length=255, blank=True, default="")
    source = models.ForeignKey(UnmatchedQuestion, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="entries", verbose_name="来自未匹配问题")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="编辑")
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "词库条目"
        verbose_name_plural = "词库条目"
        constraints = [models.UniqueConstraint(fields=["phrase", "intent"], name="lexicon_entry_unique")]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.item_name or self.intent}"
