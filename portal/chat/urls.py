from django.urls import path

from portal.chat.api import ChatMessageView, SessionMessagesView, WsTicketView

urlpatterns = [
    path("chat/messages/", ChatMessageView.as_view(), name="chat-messages"),
    path("chat/sessions/<key:session_id>/messages/", SessionMessagesView.as_view(), name="chat-session-messages"),
    path("chat/ws-ticket/", WsTicketView.as_view(), name="chat-ws-ticket"),
]
