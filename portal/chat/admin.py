"""Chat in the admin: conversations, hand-off tickets for staff, the most frequent unmatched
questions (with their trend as a chart) and the mapping that teaches the bot without a deploy."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from portal.chat import registry
from portal.chat.actions import unmatched_map
from portal.chat.catalogue import catalogue_matcher
from portal.chat.models import ChatSession, ChatTurn, HandoffTicket, LexiconEntry, UnmatchedQuestion
from portal.chat.queries import unmatched_trend


class ChatTurnInline(admin.TabularInline):
    model = ChatTurn
    extra = 0
    can_delete = False
    fields = ["created_at", "channel", "text", "intent", "confidence", "outcome", "slots"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "channel", "created_at", "updated_at"]
    list_filter = ["channel"]
    search_fields = ["id", "user__username", "user__display_name"]
    readonly_fields = ["id", "user", "channel", "state", "created_at", "updated_at"]
    inlines = [ChatTurnInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(HandoffTicket)
class HandoffTicketAdmin(admin.ModelAdmin):
    list_display = ["number", "status", "user", "channel", "short_reason", "assignee", "created_at"]
    list_filter = ["status", "channel"]
    search_fields = ["number", "reason", "user__username"]
    readonly_fields = ["number", "session", "user", "channel", "reason", "created_at", "updated_at", "conversation"]
    fields = ["number", "status", "assignee", "note", "user", "channel", "reason", "conversation", "created_at"]
    actions = ["take", "close"]

    @admin.display(description="问题")
    def short_reason(self, ticket: HandoffTicket) -> str:
        return ticket.reason[:40]

    @admin.display(description="对话")
    def conversation(self, ticket: HandoffTicket) -> str:
        rows = ticket.session.turns.order_by("created_at")[:50]
        return format_html_join(mark_safe("<br>"), "居民：{}<br>小助手：{}",
                                ((t.text, t.reply.get("text", "")) for t in rows)) or "—"

    @admin.action(description="由我处理")
    def take(self, request, queryset):
        queryset.filter(status=HandoffTicket.Status.OPEN).update(status=HandoffTicket.Status.IN_PROGRESS,
                                                                 assignee=request.user)

    @admin.action(description="结束工单")
    def close(self, request, queryset):
        queryset.update(status=HandoffTicket.Status.CLOSED)

    def has_add_permission(self, request) -> bool:
        return False


def _intent_choices() -> list[tuple[str, str]]:
    skills = registry.skills()
    return [("", "—")] + [(name, f"{s.title}（{name}）") for name, s in sorted(skills.items()) if name != "fallback"]


class UnmatchedMapForm(forms.ModelForm):
    mapped_intent = forms.ChoiceField(label="映射到意图", required=False)

    class Meta:
        model = UnmatchedQuestion
        fields = ["status", "mapped_intent", "mapped_item_id", "mapped_item_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapped_intent"].choices = _intent_choices()
        matcher = catalogue_matcher()
        if matcher is not None and self.instance.pk:
            found = matcher.search(self.instance.normalized, limit=5, min_score=0)
            if found:
                self.fields["mapped_item_name"].help_text = "可能的事项：" + "；".join(
                    f"{m.name}（ID {m.id}）" for m in found)

    def clean(self):
        data = super().clean()
        if bool(data.get("mapped_item_id")) != bool(data.get("mapped_item_name")):
            raise forms.ValidationError("映射到事项时，请同时填写事项 ID 和事项名称。")
        return data


def trend_svg(points: list[tuple], width: int = 720, height: int = 180) -> str:
    """A small stacked bar chart (fallbacks + clarifications per day) as inline SVG."""
    pad_left, pad_bottom, pad_top = 32, 22, 10
    top = max([f + c for _, f, c in points] + [1])
    bar = (width - pad_left) / max(1, len(points))
    plot = height - pad_bottom - pad_top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="未匹配问题趋势">',
             f'<text x="0" y="{pad_top + 8}" font-size="11">{top}</text>',
             f'<text x="0" y="{height - pad_bottom}" font-size="11">0</text>',
             f'<line x1="{pad_left}" y1="{height - pad_bottom}" x2="{width}" y2="{height - pad_bottom}" '
             f'stroke="#999"/>']
    for i, (day, fallbacks, clarifications) in enumerate(points):
        x = pad_left + i * bar + 1
        h_f = plot * fallbacks / top
        h_c = plot * clarifications / top
        y_f = height - pad_bottom - h_f
        parts.append(f'<rect x="{x:.1f}" y="{y_f:.1f}" width="{bar - 2:.1f}" height="{h_f:.1f}" fill="#c0392b">'
                     f'<title>{day:%m-%d} 未理解 {fallbacks}</title></rect>')
        parts.append(f'<rect x="{x:.1f}" y="{y_f - h_c:.1f}" width="{bar - 2:.1f}" height="{h_c:.1f}" '
                     f'fill="#f39c12"><title>{day:%m-%d} 澄清 {clarifications}</title></rect>')
        if i == len(points) - 1:
            parts.append(f'<text x="{x + bar - 2:.1f}" y="{height - 6}" font-size="10" text-anchor="end">'
                         f'{day:%m-%d}</text>')
        elif i % 5 == 0 and i < len(points) - 3:
            parts.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="10">{day:%m-%d}</text>')
    parts.append("</svg>")
    return "".join(parts)


@admin.register(UnmatchedQuestion)
class UnmatchedQuestionAdmin(admin.ModelAdmin):
    form = UnmatchedMapForm
    change_list_template = "admin/chat/unmatchedquestion/change_list.html"
    list_display = ["normalized", "count", "fallback_count", "clarify_count", "last_channel", "last_seen", "status",
                    "mapping"]
    list_filter = ["status", "last_channel"]
    search_fields = ["normalized", "example"]
    ordering = ["-count", "-last_seen"]
    readonly_fields = ["normalized", "example", "count", "fallback_count", "clarify_count", "last_channel",
                       "first_seen", "last_seen"]
    fieldsets = [
        (None, {"fields": ["normalized", "example", "count", "fallback_count", "clarify_count", "last_channel",
                           "first_seen", "last_seen"]}),
        ("告诉小助手这句话的意思（保存后立即生效，无需发布）",
         {"fields": ["status", "mapped_intent", "mapped_item_id", "mapped_item_name"]}),
    ]
    actions = ["ignore"]

    @admin.display(description="映射")
    def mapping(self, question: UnmatchedQuestion) -> str:
        return question.mapped_item_name or question.mapped_intent or "—"

    @admin.action(description="忽略所选问题")
    def ignore(self, request, queryset):
        queryset.update(status=UnmatchedQuestion.Status.IGNORED)

    def save_model(self, request, obj, form, change):
        intent = form.cleaned_data.get("mapped_intent") or ""
        item_name = form.cleaned_data.get("mapped_item_name") or ""
        if intent or item_name:
            unmatched_map(question=obj, intent=intent, item_id=form.cleaned_data.get("mapped_item_id") or "",
                          item_name=item_name, editor=request.user)
            messages.success(request, "已加入词库，小助手现在就能理解这句话了。")
        else:
            obj.save()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "trend_svg": mark_safe(trend_svg(unmatched_trend(days=30)))}  # noqa: S308
        return super().changelist_view(request, extra_context=extra_context)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(LexiconEntry)
class LexiconEntryAdmin(admin.ModelAdmin):
    list_display = ["phrase", "intent", "item_name", "active", "created_by", "created_at"]
    list_filter = ["intent", "active"]
    search_fields = ["phrase", "item_name"]

    def save_model(self, request, obj, form, change):
        from django.db import transaction

        from portal.chat.understanding import bump_version

        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        transaction.on_commit(bump_version)

    def delete_model(self, request, obj):
        from django.db import transaction

        from portal.chat.understanding import bump_version

        super().delete_model(request, obj)
        transaction.on_commit(bump_version)
