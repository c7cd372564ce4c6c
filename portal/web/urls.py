from django.urls import path

from portal.web import views

urlpatterns = [
    path("", views.demo, name="web-demo"),
]
