"""The widget talks over the WebSocket when the server offers one (Channels' live server runs the
real ASGI application, WebSocket included, in a separate process)."""

import pytest
from channels.testing import ChannelsLiveServerTestCase


@pytest.mark.e2e
class WidgetOverWebSocketTests(ChannelsLiveServerTestCase):
    serve_static = True

    @pytest.fixture(autouse=True)
    def _browser(self, browser):
        # One Playwright instance per run: the session fixture from conftest.
        self.browser = browser

    def test_messages_go_over_the_websocket_and_the_conversation_continues(self):
        page = self.browser.new_page(locale="zh-CN")
        frames = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: frames.append(payload)))
        page.goto(self.live_server_url + "/")
        page.get_by_role("button", name="打开智能问答").click()
        dialog = page.get_by_role("dialog", name="智能问答")
        page.get_by_label("输入消息").fill("订场")
        page.keyboard.press("Enter")
        dialog.locator(".pc-bot").nth(1).wait_for(timeout=10_000)
        page.get_by_label("输入消息").fill("羽毛球")
        page.keyboard.press("Enter")
        dialog.locator(".pc-bot").nth(2).wait_for(timeout=10_000)
        sent = [f if isinstance(f, str) else f.decode() for f in frames]
        assert any("订场" in f for f in sent) and any("羽毛球" in f for f in sent), sent
        assert any('"session"' in f for f in sent), "the second message continues the same session"
        for bubble in dialog.locator(".pc-bot").all():
            assert "pc-error" not in (bubble.get_attribute("class") or "")
        page.close()
