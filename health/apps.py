from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "惠民云·家庭医生"
