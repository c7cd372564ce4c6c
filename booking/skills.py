"""Chat skills of 运动 (venues, bookings, fitness guidance).

Classification is complete now; the handlers answer what will be possible until the booking app's
actions and queries land on main. Wiring them is a change in this file only: replace the body of
each handler with a call to ``booking.queries`` / ``booking.actions`` (same code path as the REST
API) and turn the result into cards (``{"type": "slot" | "venue" | "booking", ...}``).
"""

from __future__ import annotations

from portal.chat.registry import Card, QuickReply, Reply, Turn, skill

SPORT_CHOICES = ("羽毛球", "篮球", "乒乓球", "网球", "足球", "游泳")
_BOOK_VERB = ("预约", "约", "订", "定", "抢", "包场", "包个场")
_COURT = ("场地", "场馆", "球场", "场子", "有空场地", "时段", "场")
# Words of other domains that mention sports or booking (SMP-style out-of-scope sentences).
_NOT_A_VENUE = {
    "比赛": 0.8,
    "比分": 0.9,
    "直播": 0.9,
    "新闻": 0.8,
    "赛程": 0.9,
    "联赛": 0.9,
    "世界杯": 0.9,
    "nba": 0.9,
    "cba": 0.9,
    "球队": 0.8,
    "球星": 0.9,
    "球员": 0.8,
    "电视": 0.8,
    "节目": 0.8,
    "视频": 0.8,
    "游戏": 0.8,
    "彩票": 0.9,
    "机票": 0.95,
    "火车票": 0.95,
    "车票": 0.9,
    "酒店": 0.9,
    "电影": 0.9,
    "餐厅": 0.9,
    "饭店": 0.9,
    "外卖": 0.9,
    "歌": 0.7,
    "小说": 0.9,
    "天气": 0.9,
    "股票": 0.9,
    "闹钟": 0.9,
    "提醒": 0.7,
    "微信": 0.8,
}


_WEEKDAY_NAMES = "一二三四五六日"


def _when(slots: dict) -> str:
    """明天（11月25日 周三）19:00-21:00 — what a resident reads back before confirming."""
    from datetime import date

    from portal.nlu.timeparse import now_shanghai

    parts = []
    if slots.get("date"):
        day = date.fromisoformat(slots["date"])
        relative = {0: "今天", 1: "明天", 2: "后天"}.get((day - now_shanghai().date()).days, "")
        label = f"{day.month}月{day.day}日 周{_WEEKDAY_NAMES[day.weekday()]}"
        parts.append(f"{relative}（{label}）" if relative else label)
    if slots.get("time_from"):
        parts.append(slots["time_from"] + ("-" + slots["time_to"] if slots.get("time_to") else ""))
    return " ".join(parts)


@skill(
    "venue.book",
    title="预约场地",
    examples=[
        "明天下午想约个羽毛球场",
        "帮我订一个篮球场",
        "约场",
        "订场",
        "抢场",
        "预约场地",
        "还有羽毛球场吗 我想订",
        "周六上午订网球场",
        "我想包场踢足球",
        "预约游泳时段",
        "订个乒乓球台",
        "约个球",
        "book a badminton court",
    ],
    keywords={
        "预约场地": 0.92,
        "预约打球": 0.9,
        **{f"{verb}+{{sport}}": 0.85 for verb in _BOOK_VERB},
        **{f"{verb}+{court}": 0.85 for verb in _BOOK_VERB for court in _COURT},
        "有空场地": 0.7,
        "有空场地+{date}": 0.8,
        "有空场地+{sport}": 0.8,
        "有空+{sport}": 0.8, "有空的+场": 0.75, "还剩+{sport}": 0.7, "{sport}+还剩": 0.75, "剩几": 0.5,
        "怎么预订": 0.5, "看看+有没有场": 0.8, "有没有场": 0.7,
        "{sport}+{date}": 0.55,
        "{sport}+{time}": 0.55,
        "打+{sport}+{date}": 0.7,
        "{sport}场+{date}": 0.7,
        "{sport}场+{time}": 0.7,
        "还有+{sport}": 0.5,
        "还能约": 0.6,
        "能约吗": 0.6,
        "能约": 0.5,
        "预约": 0.3,
        "场地": 0.2,
        "打球": 0.3,
        "踢球": 0.3,
        "{sport}": 0.2,
    },
    negative={
        **_NOT_A_VENUE,
        "我的预约": 0.9,
        "取消": 0.9,
        "上次": 0.8,
        "是哪天": 0.8,
        "我约了": 0.8, "我订了": 0.8, "约了几点": 0.9,
        "哪个": 0.4, "人少": 0.5, "记录": 0.7, "上周": 0.6, "约的": 0.5, "订的": 0.5,
        "是几点": 0.8,
        "几号场": 0.7,
        "英语": 0.9,
        "怎么说": 0.8,
        "集": 0.5,
        "就诊": 0.9,
        "体检": 0.9,
        "疫苗": 0.9,
        "医生": 0.9,
        "门诊": 0.9,
        "牙": 0.7,
        "专家号": 0.9,
        "在哪": 0.5,
        "哪里": 0.5,
        "开放时间": 0.6,
    },
    personal=True,
    required=("sport", "date"),
    prompts={"sport": "想约什么项目？羽毛球、篮球还是别的？", "date": "想约哪天？比如 明天、周六。"},
    writes=True,
)
def venue_book(turn: Turn) -> Reply:
    slots = turn.slots
    what = f"{_when(slots)} {slots.get('sport', '')}".strip()
    if not turn.confirmed:
        return Reply(
            f"好的，为您预约 {what} 的场地，确认吗？",
            quick_replies=[QuickReply("确认", "确认"), QuickReply("换个时间", "换个时间"), QuickReply("算了", "算了")],
            done=False,
        )
    # Wiring point: booking.actions.booking_create(...) once the booking app lands.
    return Reply(
        f"已记下您的需求：{what}。场地在线预约即将开放，开放后在这里就能直接选场、预约、取消和签到。",
        quick_replies=[QuickReply("附近的场馆", "附近的场馆"), QuickReply("运动建议", "运动建议")],
    )


@skill(
    "venue.search",
    title="查找场馆",
    examples=[
        "附近有羽毛球馆吗",
        "哪里可以打篮球",
        "游泳馆几点开门",
        "体育中心在哪里",
        "场馆开放时间",
        "离我最近的足球场",
        "有什么免费的运动场所",
        "篮球场收费吗",
        "sports venues near me",
    ],
    keywords={
        "场馆": 0.5,
        "开放时间": 0.85,
        "开放到": 0.8, "开到": 0.6, "开放": 0.5, "晚上还开": 0.8, "还开着": 0.8, "几点关": 0.8,
        "营业时间": 0.8,
        "开门": 0.5,
        "关门": 0.5,
        "开到几点": 0.7,
        "附近+{sport}": 0.85,
        "附近+场馆": 0.9,
        "附近+场地": 0.85,
        "附近+球场": 0.85,
        "最近+{sport}": 0.8,
        "哪里+{sport}": 0.8,
        "在哪+{sport}": 0.8,
        "哪有+{sport}": 0.85,
        "哪个+场馆": 0.7,
        "哪些+场馆": 0.8,
        "哪里+场馆": 0.8,
        "场馆+在哪": 0.85,
        "体育中心": 0.5,
        "运动场所": 0.8,
        "健身圈": 0.85,
        "操场": 0.6,
        "{sport}场+在哪": 0.85,
        "{sport}+收费": 0.75,
        "{sport}+多少钱": 0.75,
        "{sport}+电话": 0.6,
        "{sport}+几楼": 0.7,
        "{sport}+对外开放": 0.8,
        "对外开放": 0.6,
        "停车": 0.5,
        "{sport}": 0.3,
        "哪些+{sport}": 0.8,
        "哪个+{sport}馆": 0.8, "哪家+{sport}": 0.75, "人少": 0.5, "人多不多": 0.6,
        "{district}+{sport}": 0.5,
        "{sport}馆": 0.45,
        "{sport}室": 0.45,
        "{sport}场": 0.3,
    },
    negative={**_NOT_A_VENUE, "预约": 0.5, "取消": 0.9, "我的预约": 0.9, "医生": 0.8, "运动建议": 0.9},
)
def venue_search(turn: Turn) -> Reply:
    sport = turn.slots.get("sport")
    # Wiring point: booking.queries.venues_near(...) once the booking app lands.
    what = f"能打{sport}的" if sport else ""
    return Reply(
        f"场馆查询即将开放：届时可以按位置找{what}公共体育场馆，看开放时间、实时空场和收费。",
        quick_replies=[QuickReply("预约场地", "约场")],
    )


@skill(
    "booking.list",
    title="我的预约",
    examples=["我的预约", "我约了哪些场", "查看预约记录", "我订的场地是几号场", "my bookings"],
    keywords={
        "我的预约": 0.95,
        "预约记录": 0.9,
        "查看+预约": 0.6,
        "我+预约": 0.4,
        "我的订单": 0.85,
        "订了什么": 0.8,
        "约的是": 0.7,
        "几个预约": 0.85,
        "我约了": 0.85, "我订了": 0.85, "约了+几点": 0.85, "订了+哪些": 0.85, "约了+哪些": 0.85,
        "预约信息": 0.85, "查询+预约": 0.7, "我的+场地预约": 0.9,
        "约的+记录": 0.85, "订的+记录": 0.85, "上周+约": 0.7, "场地+记录": 0.8,
        "订的+场": 0.7,
        "约的+场": 0.7,
        "上次+订": 0.6,
        "我订": 0.5,
    },
    negative={"取消": 0.9, "就诊": 0.8, "医生": 0.8, "挂号": 0.8, **_NOT_A_VENUE},
    personal=True,
)
def booking_list(turn: Turn) -> Reply:
    # Wiring point: booking.queries.bookings_of(user) once the booking app lands.
    return Reply("您的场地预约会列在这里（场地预约即将开放）。开放后可以在这里查看、取消和签到。")


@skill(
    "booking.cancel",
    title="取消预约",
    examples=["取消预约", "明天的场不去了", "退订", "把周六的预约取消掉", "cancel my booking"],
    keywords={
        "取消": 0.7,
        "取消+预约": 0.95,
        "取消+场": 0.9,
        "取消+{sport}": 0.9,
        "取消+我的预约": 0.95,
        "能退吗": 0.7,
        "退+场": 0.7,
        "{sport}+退": 0.6,
    },
    negative={
        "签约": 0.9,
        "医生": 0.8,
        "就诊": 0.8,
        "挂号": 0.8,
        "订单": 0.3,
        "机票": 0.95,
        "火车票": 0.95,
        "酒店": 0.9,
        "闹钟": 0.9,
        "提醒": 0.8,
        "外卖": 0.9,
        "会员": 0.9,
    },
    personal=True,
    writes=True,
)
def booking_cancel(turn: Turn) -> Reply:
    if not turn.confirmed:
        what = f"{_when(turn.slots)} {turn.slots.get('sport', '')}".strip() or "这个"
        return Reply(
            f"确认取消 {what} 的预约吗？",
            quick_replies=[QuickReply("确认取消", "确认"), QuickReply("不取消了", "算了")],
            done=False,
        )
    # Wiring point: booking.actions.booking_cancel(...) once the booking app lands.
    return Reply("收到。场地预约开放后，取消会在这里直接完成并通知您。")


@skill(
    "fitness.guide",
    title="运动建议",
    examples=[
        "高血压适合做什么运动",
        "老人每天走多少步合适",
        "想减肥怎么锻炼",
        "膝盖不好能跑步吗",
        "运动建议",
        "给我个健身计划",
        "exercise advice",
    ],
    keywords={
        "运动建议": 0.95,
        "锻炼": 0.7,
        "减肥": 0.75,
        "健身计划": 0.9,
        "运动+注意": 0.8,
        "适合+运动": 0.85,
        "能+跑步": 0.6,
        "能+游泳": 0.5,
        "多少步": 0.85,
        "走路": 0.5,
        "运动+多少": 0.8,
        "运动+多久": 0.8,
        "跑+多久": 0.8,
        "跑步+多久": 0.85,
        "会不会太": 0.6, "公里": 0.5, "{sport}+会不会": 0.7, "运动+合适": 0.85, "锻炼+合适": 0.85,
        "多久+运动": 0.85, "可以运动": 0.7, "怎么运动": 0.85,
        "能做什么运动": 0.9,
        "什么运动": 0.8,
        "久坐": 0.7,
        "拉伸": 0.8,
        "运动量": 0.85,
        "快走": 0.75, "散步": 0.7, "骨质疏松": 0.6, "关节炎": 0.6, "颈椎": 0.6, "腰椎": 0.6,
        "能做哪些运动": 0.9, "做哪些运动": 0.9, "够吗": 0.4, "半小时": 0.4, "每天+走": 0.7,
        "适合+{sport}": 0.8, "运动+适合": 0.85, "关节+运动": 0.8, "膝盖": 0.5,
        "高血压+运动": 0.9,
        "糖尿病+运动": 0.9,
        "孕妇+运动": 0.9,
        "老人+运动": 0.85,
    },
    negative={"预约": 0.6, "场地": 0.6, **_NOT_A_VENUE},
)
def fitness_guide(turn: Turn) -> Reply:
    return Reply(
        "一般建议：成年人每周至少 150 分钟中等强度运动（如快走、游泳、骑车），分 5 天进行，每次 30 分钟；"
        "有慢病或关节问题的，先请家庭医生评估再定强度。更细的运动处方会随健康服务一起上线。",
        quick_replies=[QuickReply("咨询家庭医生", "咨询家庭医生"), QuickReply("附近的场馆", "附近的场馆")],
    )


SPORT_QUICK_REPLIES = [QuickReply(s, s) for s in SPORT_CHOICES]
__all__ = ["SPORT_QUICK_REPLIES", "Card"]
