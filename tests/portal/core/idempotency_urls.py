"""A tiny creating endpoint used only to exercise @idempotent through real HTTP requests."""

import threading

from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.core.errors import Conflict
from portal.core.idempotency import idempotent

calls: list[dict] = []
gate = {"entered": threading.Event(), "release": threading.Event(), "block": False}


class ThingIn(serializers.Serializer):
    name = serializers.CharField()


class Things(APIView):
    @idempotent
    def post(self, request):
        data = ThingIn(data=request.data)
        data.is_valid(raise_exception=True)
        if gate["block"]:
            gate["entered"].set()
            gate["release"].wait(10)
        if data.validated_data["name"] == "taken":
            raise Conflict("已经有了", code="taken")
        if data.validated_data["name"] == "boom":
            raise RuntimeError("server bug")
        calls.append({"user": request.user.pk, **data.validated_data})
        return Response({"id": len(calls), "name": data.validated_data["name"]}, status=201)


urlpatterns = [path("api/v1/things/", Things.as_view())]
