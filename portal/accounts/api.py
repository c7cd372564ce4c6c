"""Login, tokens, profile and real-name binding (DESIGN §6). Views are transport only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django_ratelimit.decorators import ratelimit
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView as _TokenRefreshView

from portal.accounts import actions
from portal.accounts.models import Identity, User
from portal.accounts.tokens import login_tokens, session_of
from portal.connectors import alipay, wechat
from portal.core.errors import PortalError
from portal.masking import mask_name, mask_phone


class InvalidCredentials(PortalError):
    status_code = 401
    code = "invalid_credentials"
    message = _("用户名或密码不正确。")


def _body_value(field: str):
    """Rate-limit key from the JSON body (per phone / per username), alongside the per-IP limit."""

    def key(group, request):
        value = request.data.get(field) if hasattr(request, "data") and isinstance(request.data, dict) else None
        return str(value or "")[:64] or "-"

    return key


def login_limits(*extra_keys: str, group: str = "login"):
    """Per-IP limit shared by the login endpoints, plus per-field limits (per phone, per username).

    django-ratelimit counts with atomic cache increments (Redis when configured); past the limit
    it raises ``Ratelimited``, which the exception handler renders as a 429 error body.
    """
    limit = lambda g, r: settings.RATELIMIT_LOGIN  # noqa: E731 — read at request time (tests override)
    decorators = [ratelimit(key="ip", rate=limit, method="POST", block=True, group=f"{group}:ip")]
    decorators += [
        ratelimit(key=_body_value(field), rate=limit, method="POST", block=True, group=f"{group}:{field}")
        for field in extra_keys
    ]
    return method_decorator(decorators)


class ResidentOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    phone = serializers.SerializerMethodField(help_text="脱敏手机号，如 139****0001")
    realname_verified = serializers.BooleanField(source="is_realname_verified")
    name = serializers.SerializerMethodField(help_text="脱敏姓名，如 张*")
    id_number = serializers.CharField(source="id_number_masked", help_text="脱敏身份证号，如 3101**********1234")
    identities = serializers.SerializerMethodField()
    kind = serializers.CharField()

    def get_phone(self, user: User) -> str:
        return mask_phone(user.phone) if user.phone else ""

    def get_name(self, user: User) -> str:
        return mask_name(user.real_name) if user.real_name else ""

    def get_identities(self, user: User) -> list[str]:
        return sorted({i.provider for i in user.identities.all()})


class StaffOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    roles = serializers.SerializerMethodField()

    def get_roles(self, user: User) -> list[str]:
        return sorted(user.groups.values_list("name", flat=True))


TokenPair = inline_serializer(
    "LoginResult",
    {"access": serializers.CharField(), "refresh": serializers.CharField(), "resident": ResidentOut()},
)


def _resident_login_response(user: User) -> Response:
    return Response({**login_tokens(user), "resident": ResidentOut(user).data})


class WeChatLoginIn(serializers.Serializer):
    code = serializers.CharField(max_length=128, help_text="wx.login() 返回的 code")


class WeChatLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=WeChatLoginIn, responses={200: TokenPair}, tags=["auth"],
                   summary="微信小程序登录（code2Session）")
    @login_limits()
    def post(self, request):
        data = WeChatLoginIn(data=request.data)
        data.is_valid(raise_exception=True)
        session = wechat.code2session(data.validated_data["code"])
        user = actions.resident_for_identity(provider=Identity.Provider.WECHAT_MINI,
                                             app_id=settings.WECHAT_MINI_APPID, subject=session.openid,
                                             union_id=session.unionid)
        return _resident_login_response(user)


class AlipayLoginIn(serializers.Serializer):
    auth_code = serializers.CharField(max_length=128, help_text="my.getAuthCode() 返回的 authCode")


class AlipayLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=AlipayLoginIn, responses={200: TokenPair}, tags=["auth"],
                   summary="支付宝生活号/小程序登录（alipay.system.oauth.token）")
    @login_limits()
    def post(self, request):
        data = AlipayLoginIn(data=request.data)
        data.is_valid(raise_exception=True)
        account = alipay.oauth_token(data.validated_data["auth_code"])
        user = actions.resident_for_identity(
            provider=Identity.Provider.ALIPAY, app_id=settings.ALIPAY_APP_ID, subject=account.subject,
            union_id=account.union_id, extra={"open_id": account.open_id, "user_id": account.user_id},
        )
        return _resident_login_response(user)


class SmsSendIn(serializers.Serializer):
    phone = serializers.CharField(max_length=20)


class SmsSendView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=SmsSendIn, tags=["auth"], summary="发送短信验证码",
                   responses={202: inline_serializer("SmsSent", {"sent": serializers.BooleanField(),
                                                                 "expires_in": serializers.IntegerField()})})
    @login_limits("phone")
    def post(self, request):
        data = SmsSendIn(data=request.data)
        data.is_valid(raise_exception=True)
        ttl = actions.sms_code_send(phone=data.validated_data["phone"])
        return Response({"sent": True, "expires_in": ttl}, status=status.HTTP_202_ACCEPTED)


class SmsLoginIn(serializers.Serializer):
    phone = serializers.CharField(max_length=20)
    code = serializers.CharField(max_length=8)


class SmsLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=SmsLoginIn, responses={200: TokenPair}, tags=["auth"], summary="短信验证码登录")
    @login_limits("phone")
    def post(self, request):
        data = SmsLoginIn(data=request.data)
        data.is_valid(raise_exception=True)
        phone = actions.sms_code_check(phone=data.validated_data["phone"], code=data.validated_data["code"])
        return _resident_login_response(actions.resident_for_phone(phone=phone))


class StaffLoginIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class StaffLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=StaffLoginIn, tags=["auth"], summary="工作人员登录",
                   responses={200: inline_serializer("StaffLoginResult", {
                       "access": serializers.CharField(), "refresh": serializers.CharField(), "staff": StaffOut()})})
    @login_limits("username")
    def post(self, request):
        data = StaffLoginIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if user is None or user.kind != User.Kind.STAFF:
            raise InvalidCredentials()
        return Response({**login_tokens(user), "staff": StaffOut(user).data})


class SessionTokenRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's rotation, refused for a session logout ended (whichever of its refresh tokens)."""

    def validate(self, attrs: dict) -> dict:
        if actions.session_revoked(sid=session_of(RefreshToken(attrs["refresh"]))):
            raise TokenError(_("登录已失效，请重新登录。"))
        return super().validate(attrs)


class TokenRefreshView(_TokenRefreshView):
    """Rotate: a refresh token works once, its successor comes back with the new access token
    (the same session: ``portal.accounts.tokens``)."""

    serializer_class = SessionTokenRefreshSerializer

    @extend_schema(tags=["auth"], summary="刷新令牌（旧 refresh 作废）")
    @login_limits(group="refresh")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutIn(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=LogoutIn, responses={204: None}, tags=["auth"],
                   summary="退出登录（本次登录的 refresh 与 access 令牌立即作废，其他设备不受影响）")
    def post(self, request):
        data = LogoutIn(data=request.data)
        data.is_valid(raise_exception=True)
        actions.session_revoke(refresh=data.validated_data["refresh"])  # an invalid token: done either way
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ResidentOut}, tags=["auth"], summary="当前用户（脱敏）")
    def get(self, request):
        return Response(ResidentOut(request.user).data)


class RealnameIn(serializers.Serializer):
    name = serializers.CharField(max_length=32)
    id_number = serializers.CharField(max_length=24)


class RealnameView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RealnameIn, responses={200: ResidentOut}, tags=["auth"],
                   summary="实名认证（身份证号加密保存，仅返回脱敏值）")
    @login_limits(group="realname")
    def post(self, request):
        data = RealnameIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = actions.realname_bind(user=request.user, name=data.validated_data["name"],
                                     id_number=data.validated_data["id_number"])
        return Response(ResidentOut(user).data)
