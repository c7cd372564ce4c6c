from django.urls import path

from portal.accounts import api

urlpatterns = [
    path("auth/wechat/", api.WeChatLoginView.as_view(), name="auth-wechat"),
    path("auth/alipay/", api.AlipayLoginView.as_view(), name="auth-alipay"),
    path("auth/sms/send/", api.SmsSendView.as_view(), name="auth-sms-send"),
    path("auth/sms/", api.SmsLoginView.as_view(), name="auth-sms"),
    path("auth/staff/", api.StaffLoginView.as_view(), name="auth-staff"),
    path("auth/refresh/", api.TokenRefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/me/", api.MeView.as_view(), name="auth-me"),
    path("auth/realname/", api.RealnameView.as_view(), name="auth-realname"),
]
