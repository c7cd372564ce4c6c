"""The chat's own skills: greeting, thanks, help, human (hand-off to staff), fallback."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from portal.chat.registry import QuickReply, Reply, Turn, skill
from portal.chat.sentences import say

# The skills write Chinese; each sentence is marked for the gettext catalogue, where chat_reply finds
# it when the reply is in English (docs/chat.md, "Reply language").
HELP_TEXT = "\n".join((
    gettext_noop("我是市民服务小助手，可以帮您："),
    gettext_noop("• 办事指南：比如“身份证丢了怎么补办”“公积金怎么提取”；"),
    gettext_noop("• 办件进度：比如“我的申请办到哪了”；"),
    gettext_noop("• 运动场馆：比如“明天下午约个羽毛球场”“附近的游泳馆”；"),
    gettext_noop("• 家庭医生与健康：比如“我的家庭医生是谁”“看看我的体检报告”“我要续方”。"),
    gettext_noop("说“算了”可以重新开始，说“转人工”找工作人员。"),
))
STARTERS = [QuickReply(gettext_noop("办事指南"), "怎么办理居住证"), QuickReply(gettext_noop("预约场地"), "约场"),
            QuickReply(gettext_noop("家庭医生"), "我的家庭医生是谁"), QuickReply(gettext_noop("转人工"), "转人工")]


@skill("greeting", title=gettext_noop("打招呼"), smalltalk=True,
       examples=["你好", "您好", "嗨", "在吗", "早上好", "下午好", "晚上好", "哈喽", "hello"],
       keywords={"你好": 0.9, "您好": 0.9, "嗨": 0.85, "哈喽": 0.9, "哈啰": 0.9, "在吗": 0.85, "在不在": 0.85,
                 "早上好": 0.9, "早": 0.6, "下午好": 0.9, "晚上好": 0.9, "早安": 0.9, "有人吗": 0.8, "hi": 0.8},
       negative={"人工": 0.9, "客服": 0.8, "翻译": 0.95, "英语": 0.9, "怎么说": 0.8})
def greeting(turn: Turn) -> Reply:
    return Reply(gettext_noop("您好！") + gettext_noop("我是市民服务小助手，办事、约场地、找家庭医生都可以问我。"),
                 quick_replies=STARTERS)


@skill("thanks", title=gettext_noop("感谢"), smalltalk=True,
       examples=["谢谢", "谢谢你", "多谢", "感谢", "辛苦了", "谢啦", "thanks"],
       keywords={"谢谢": 0.92, "多谢": 0.92, "感谢": 0.9, "谢啦": 0.92, "谢了": 0.9, "辛苦了": 0.85, "3q": 0.85,
                 "太好了": 0.6, "好的": 0.3},
       negative={"用英语": 0.95, "英语": 0.9, "翻译": 0.95, "怎么说": 0.8})
def thanks(turn: Turn) -> Reply:
    return Reply(gettext_noop("不客气，还有什么可以帮您？"), quick_replies=STARTERS)


@skill("help", title=gettext_noop("使用帮助"),
       examples=["你能做什么", "你会干嘛", "怎么用", "有什么功能", "帮助", "你是谁", "what can you do"],
       keywords={"帮助": 0.9, "能做什么": 0.92, "能干什么": 0.92, "能干嘛": 0.92, "会干嘛": 0.92, "会什么": 0.8,
                 "会做什么": 0.9, "能帮我": 0.6, "帮我干什么": 0.9, "有什么功能": 0.95, "功能": 0.6, "怎么用": 0.85,
                 "怎么使用": 0.85, "使用说明": 0.95, "你是谁": 0.9, "怎么问你": 0.9, "菜单": 0.7,
                 "你+会+什么": 0.85, "你+能+什么": 0.85, "你+可以+什么": 0.85, "你+会+哪些": 0.85, "你+能+哪些": 0.85,
                 "你+可以+哪些": 0.85, "你+会+啥": 0.85, "你+能+啥": 0.85, "怎么+跟你": 0.85, "怎么+和你": 0.85,
                 "怎么+使用": 0.8, "如何+使用": 0.85, "能+帮+什么": 0.8, "能+帮+哪些": 0.8, "可以+帮+哪些": 0.8,
                 "可以+问+什么": 0.85, "能+问+什么": 0.85, "机器人": 0.85, "怎么玩": 0.8, "你是": 0.5,
                 "你叫什么": 0.85},
       negative={"打开": 0.8, "手机": 0.6, "微信": 0.7})
def help_(turn: Turn) -> Reply:
    return Reply(HELP_TEXT, quick_replies=STARTERS)


@skill("human", title=gettext_noop("转人工"), writes=True,
       examples=["转人工", "人工客服", "我要找真人", "找工作人员", "客服在吗", "talk to a human"],
       keywords={"人工": 0.95, "客服": 0.85, "真人": 0.9, "工作人员": 0.85, "找个人": 0.8, "活人": 0.85,
                 "接线员": 0.9, "投诉": 0.5, "跟人说话": 0.9, "和人说话": 0.9,
                 "说人话": 0.6, "找人": 0.7, "领导": 0.6, "叫个人": 0.85,
                 "叫人": 0.7, "你也不懂": 0.6, "听不懂": 0.5})
def human(turn: Turn) -> Reply:
    if not turn.confirmed:
        return Reply(gettext_noop("需要我为您转接人工客服吗？") + gettext_noop("工作人员会在工作时间尽快联系您。"),
                     done=False, quick_replies=[QuickReply(gettext_noop("转人工"), "确认"),
                                                QuickReply(gettext_noop("不用了"), "算了")])
    from portal.chat.actions import handoff_create

    ticket = handoff_create(session_id=turn.session_id, user=turn.user, channel=turn.channel,
                            reason=turn.state.get("handoff_reason", ""))
    return Reply(say("已为您转人工（工单号 %(number)s），工作人员会尽快联系您。", number=ticket.number)
                 + gettext_noop("您也可以继续在这里留言。"))


# What falls outside every skill is often a matter for the city's hotline (路灯坏了, 噪音扰民, 狗咬人了):
# the fallback says where such things go instead of only what the assistant can do.
HOTLINE_TEXT = "\n" + gettext_noop(
    "路灯、噪音、占道、设施损坏等城市管理问题和投诉举报，可拨打 12345 市民服务热线（24 小时）。")


@skill("fallback", title=gettext_noop("其他"))
def fallback(turn: Turn) -> Reply:
    return Reply(gettext_noop("抱歉，这个我还不太明白。") + HELP_TEXT + HOTLINE_TEXT, quick_replies=STARTERS)
