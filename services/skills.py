"""Chat skills of 一网通办 (find a service item, follow an application).

``service.search`` searches the catalogue through ``portal.nlu.items.ItemMatcher`` — the same
matcher behind ``GET /api/v1/services/items/?q=``. The catalogue source is
``portal.chat.catalogue.catalogue_matcher()``, which reads the services app's items once they exist
(wiring point there). ``service.progress`` answers what will be possible until the services app's
application queries land on main (wiring point in its handler).
"""

from __future__ import annotations

from portal.chat.registry import Card, QuickReply, Reply, Turn, skill
from portal.nlu.data import read_lines

_SERVICE_WORDS = {
    "办理": 0.45,
    "补办": 0.8,
    "补领": 0.8,
    "申请": 0.35,
    "申领": 0.75,
    "手续": 0.75,
    "材料": 0.55,
    "证明": 0.45,
    "登记": 0.5,
    "许可": 0.55,
    "审批": 0.5,
    "备案": 0.5,
    "证件": 0.6,
    "办证": 0.85,
    "换证": 0.8,
    "去哪办": 0.8,
    "在哪办": 0.8,
    "怎么办理": 0.7,
    "要带什么": 0.55,
    "流程": 0.4,
    "报销": 0.6,
    "提取": 0.5,
    "转移": 0.4,
    "挂失": 0.8,
    "到期": 0.45,
    "过期": 0.45,
    "怎么开": 0.5,
    "怎么领": 0.5,
    "怎么交": 0.5,
    "加名字": 0.6,
    "上户口": 0.9,
    "落户": 0.9,
    "丢了": 0.4,
    "多久": 0.25,
    "条件": 0.35,
    "注册": 0.5,
    "补贴": 0.45,
    "津贴": 0.6,
    "办+证": 0.7, "开+店": 0.55, "店+证": 0.75, "准备+材料": 0.7, "能领": 0.5,
    "要办什么": 0.75, "办什么": 0.65, "要办": 0.5, "怎么弄": 0.3, "要什么材料": 0.8,
}
# Matters residents name (canonical words after the lexicon: 暂住证 → 居住证, 社保卡 → 社会保障卡 …).
_MATTERS = read_lines("service_matters.txt")


@skill(
    "service.search",
    title="办事指南",
    examples=[
        "身份证丢了怎么补办",
        "公积金怎么提取",
        "社保卡怎么办",
        "宝宝刚出生要办哪些手续",
        "办居住证需要什么材料",
        "营业执照怎么办理",
        "退休手续怎么办",
        "开个小饭馆要办什么证",
        "how do I get an ID card",
    ],
    keywords={
        **_SERVICE_WORDS,
        **{m: 0.72 for m in _MATTERS},
        **{
            f"{m}+{w}": 0.9
            for m in (
                "身份证",
                "居住证",
                "社会保障卡",
                "住房公积金",
                "驾驶证",
                "营业执照",
                "户口簿",
                "结婚登记",
                "出生医学证明",
            )
            for w in ("办", "补", "换", "丢", "领", "提取", "材料")
        },
    },
    negative={
        "进度": 0.7,
        "办到哪": 0.9,
        "办好了": 0.85, "办好没": 0.9, "结果出来": 0.7, "批了": 0.6, "状态": 0.5,
        "审核+怎么样": 0.8, "哪一步": 0.8, "我的申请": 0.5,
        "通过没": 0.85, "通过了没": 0.85, "申请+通过": 0.7,
        "好了没": 0.85, "到账": 0.8, "申请的": 0.5,
        "办件进度": 0.95,
        "怎么样了": 0.6,
        "批下来": 0.8,
        "通过了吗": 0.8,
        "天气": 0.9,
        "菜": 0.6,
        "做法": 0.9,
        "歌": 0.8,
        "电影": 0.9,
        "股票": 0.9,
        "游戏": 0.8,
        "qq": 0.8,
        "微信": 0.6,
        "做+材料": 0.9,
        "炒": 0.8,
        "汤": 0.6,
        "小说": 0.9,
        "英语": 0.9,
        "电话": 0.6,
        "怎么走": 0.9,
        "公司在哪": 0.7,
        "手机": 0.5,
        "医生": 0.7,
        "场地": 0.6,
    },
)
def service_search(turn: Turn) -> Reply:
    from portal.chat.catalogue import catalogue_matcher, service_query

    query = service_query(turn.text)
    turn.slots["query"] = query
    matcher = catalogue_matcher()
    matches = matcher.search(query or turn.text, limit=3) if matcher is not None else []
    if matches:
        cards = [Card("service_item", m.id, m.name, {"score": m.score, "matched": m.matched}) for m in matches]
        return Reply(
            f"为您找到这些办事事项，最相关的是「{matches[0].name}」：",
            cards=cards,
            quick_replies=[QuickReply("查办件进度", "查办件进度"), QuickReply("转人工", "转人工")],
        )
    if matcher is not None:
        suggestions = matcher.suggest(query or turn.text)
        if suggestions:
            return Reply("没找到完全对应的事项，您是不是要找：", quick_replies=[QuickReply(s, s) for s in suggestions])
    return Reply(
        f"已收到“{query or turn.text}”。办事指南（需要什么材料、去哪办、多久办好）即将在这里开放查询；"
        "急需的话可以说“转人工”。",
        quick_replies=[QuickReply("转人工", "转人工")],
    )


@skill(
    "service.progress",
    title="办件进度",
    examples=[
        "我的申请办到哪了",
        "查一下办件进度",
        "营业执照办得怎么样了",
        "受理编号查进度",
        "check my application status",
    ],
    keywords={
        "办件进度": 0.95,
        "进度": 0.7,
        "受理编号": 0.85,
        "{number}+查": 0.7,
        "{number}+进度": 0.9,
        "申请+怎么样了": 0.85,
        "怎么样了": 0.45,
        "批下来": 0.8,
        "审核+通过": 0.8,
        "办到哪": 0.9,
        "审批+到哪": 0.85,
        "办件": 0.7,
        "申请+进度": 0.95,
        "我交的": 0.5,
        "办得怎么样": 0.85,
        "什么状态": 0.7, "状态": 0.45, "办好了": 0.85, "办好没": 0.9, "结果出来": 0.75, "批了": 0.7,
        "提交的": 0.5, "我的+办件": 0.9,
        "审核+怎么样": 0.85, "审核得": 0.7, "我的申请": 0.75, "到哪一步": 0.9, "哪一步": 0.8,
        "通过没": 0.85, "通过了没": 0.85, "申请+通过": 0.8, "批了没": 0.9, "下来没": 0.8,
        "好了没": 0.85, "好了吗": 0.7, "到账": 0.8, "到账了吗": 0.9, "申请的": 0.5, "办的+好了": 0.9,
    },
    negative={"快递": 0.9, "物流": 0.9, "外卖": 0.9, "下载": 0.8, "游戏": 0.8},
    personal=True,
)
def service_progress(turn: Turn) -> Reply:
    # Wiring point: services.queries.applications_of(user) / application_by_number(...) once they land.
    return Reply(
        "办件进度查询即将开放：登录后在这里能看到您提交的每一件申请办到了哪一步，有变化会通知您。",
        quick_replies=[QuickReply("转人工", "转人工")],
    )
