from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "portal.chat"
    label = "chat"
    verbose_name = "智能问答"
