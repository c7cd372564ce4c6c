from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from django.urls import register_converter

        from portal.core.converters import KeyConverter, ReceiptConverter, RowIdConverter

        register_converter(RowIdConverter, "id")
        register_converter(KeyConverter, "key")
        register_converter(ReceiptConverter, "receipt")
