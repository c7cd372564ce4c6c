"""REST transport of the chat (thin: parse, call one action or query, render)."""

from __future__ import annotations

from django.conf import settings
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts.tokens import session_of
from portal.chat.actions import chat_reply, ws_ticket_issue
from portal.chat.models import Channel, ChatTurn
from portal.chat.queries import session_turns


class MessageIn(serializers.Serializer):
    text = serializers.CharField(max_length=500, trim_whitespace=True)
    session = serializers.CharField(max_length=32, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.WEB)


ReplyOut = inline_serializer("ChatReply", {
    "session": serializers.CharField(),
    "intent": inline_serializer("ChatIntent", {"name": serializers.CharField(),
                                               "confidence": serializers.FloatField()}),
    "slots": serializers.DictField(child=serializers.CharField()),
    "reply": inline_serializer("ChatReplyBody", {
        "text": serializers.CharField(),
        "cards": serializers.ListField(child=serializers.DictField()),
        "quick_replies": serializers.ListField(child=serializers.DictField()),
    }),
})


def _chat_rate(group, request) -> str:
    return settings.CHAT_RATELIMIT  # read per request (tests override it)


class ChatMessageView(APIView):
    """Send a message to the assistant. Anonymous allowed; a bearer token attaches the resident."""

    permission_classes = [AllowAny]

    # Per client address (django-ratelimit, atomic cache counters): past it, 429 with the error body.
    @method_decorator(ratelimit(key="ip", rate=_chat_rate, method="POST", block=True, group="chat:messages"))
    @extend_schema(request=MessageIn, responses={200: ReplyOut}, tags=["chat"])
    def post(self, request):
        data = MessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        payload = chat_reply(text=data.validated_data["text"], user=request.user,
                             session_id=data.validated_data.get("session") or None,
                             channel=data.validated_data["channel"],
                             language=getattr(request, "LANGUAGE_CODE", None))
        return Response(payload)


class TurnOut(serializers.ModelSerializer):
    intent = serializers.SerializerMethodField()

    class Meta:
        model = ChatTurn
        fields = ["id", "text", "intent", "slots", "reply", "channel", "created_at"]

    def get_intent(self, turn: ChatTurn) -> dict:
        return {"name": turn.intent, "confidence": round(turn.confidence, 2)}


class SessionMessagesView(ListAPIView):
    """History of one conversation, oldest first (only its owner sees it)."""

    permission_classes = [AllowAny]
    serializer_class = TurnOut

    def get_queryset(self):
        return session_turns(session_id=self.kwargs["session_id"], user=self.request.user)

    @extend_schema(tags=["chat"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WsTicketView(APIView):
    """A short-lived, single-use ticket to open ``/ws/chat/?ticket=…`` as the signed-in resident."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, tags=["chat"], responses={201: OpenApiResponse(inline_serializer(
        "WsTicket", {"ticket": serializers.CharField(), "expires_in": serializers.IntegerField()}))})
    def post(self, request):
        return Response(ws_ticket_issue(user=request.user, session=session_of(request.auth)), status=201)
