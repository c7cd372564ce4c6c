"""Chat skills of 惠民云 (family doctor, health record, appointments, renewals).

Classification is complete now; the handlers answer what will be possible until the health app's
actions and queries land on main. Wiring them is a change in this file only: call
``health.queries`` / ``health.actions`` (the same code path as the REST API) in each handler.
All of these are personal: the engine asks an anonymous resident to sign in first.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from portal.chat.registry import QuickReply, Reply, Turn, skill

_SYMPTOMS = (
    "胸口",
    "胸闷",
    "闷",
    "喘",
    "恶心",
    "呕吐",
    "心慌",
    "心悸",
    "乏力",
    "没力气",
    "皮疹",
    "痒",
    "肿",
    "便秘",
    "出血",
    "发炎",
    "咽喉",
    "嗓子",
    "鼻塞",
    "流鼻涕",
    "抽筋",
    "麻木",
    "饮食+注意",
    "能不能吃",
    "发烧",
    "咳嗽",
    "头疼",
    "头痛",
    "头晕",
    "失眠",
    "不舒服",
    "拉肚子",
    "腹泻",
    "感冒",
    "过敏",
    "胃疼",
    "胃痛",
    "血压高",
    "血压有点高",
    "血糖高",
    "疼",
    "痛",
    "吃什么药",
    "饭前吃",
    "饭后吃",
    "副作用",
    "能吃吗",
    "正常吗",
    "要不要去医院",
    "怎么回事",
)
_NOT_HEALTH = {
    "天气": 0.9,
    "股票": 0.9,
    "机票": 0.9,
    "火车": 0.9,
    "电影": 0.9,
    "歌": 0.7,
    "视频": 0.8,
    "游戏": 0.8,
    "菜": 0.6,
    "做法": 0.8,
    "怎么做": 0.6,
    "电视": 0.8,
    "小说": 0.9,
}


def _coming(what: str) -> Reply:
    return Reply(
        f"{what}功能即将开放：开放后在这里就能直接办理。需要帮助可以说“转人工”。",
        quick_replies=[QuickReply("转人工", "转人工")],
    )


@skill(
    "doctor.info",
    title=gettext_noop("我的家庭医生"),
    examples=[
        "我的家庭医生是谁",
        "家庭医生电话多少",
        "怎么联系我的家庭医生",
        "家庭医生在哪上班",
        "who is my family doctor",
    ],
    keywords={
        "家庭医生": 0.45,
        "家庭医生+是谁": 0.95,
        "我的家庭医生": 0.85,
        "家庭医生+电话": 0.95,
        "医生+电话": 0.8,
        "家庭医生+联系": 0.95,
        "联系+医生": 0.85,
        "家庭医生+在哪": 0.9,
        "家庭医生+哪个": 0.85,
        "医生+坐诊": 0.9,
        "家庭医生+什么时候": 0.8,
        "家庭医生+名字": 0.95,
        "医生+叫什么": 0.9,
        "家庭医生+哪位": 0.95,
        "医生+上班": 0.85,
        "哪个医生": 0.8,
        "哪位医生": 0.85,
        "家庭医生+上班": 0.85,
        "家庭医生+手机": 0.9,
        "家庭医生+号码": 0.9,
    },
    negative={
        "问题": 0.7, "签约+怎么": 0.8, "咨询医生": 0.9, "就诊": 0.8, "续方": 0.8, "想签": 0.9, "换": 0.6, "续签": 0.9,
    },
    personal=True,
)
def doctor_info(turn: Turn) -> Reply:
    return _coming("查看您的家庭医生（姓名、联系方式、坐诊时间）")


@skill(
    "doctor.sign",
    title=gettext_noop("签约家庭医生"),
    examples=[
        "我想签约家庭医生",
        "怎么签家庭医生",
        "家庭医生签约到期了要续签",
        "我想换个家庭医生",
        "sign up with a family doctor",
    ],
    keywords={
        "签约": 0.8,
        "签约+家庭医生": 0.95,
        "签+家庭医生": 0.9,
        "签个+家庭医生": 0.95,
        "签约+医生": 0.9,
        "家庭医生+怎么签": 0.95,
        "家庭医生+签": 0.9,
        "家庭医生+办理": 0.9,
        "家庭医生+怎么办": 0.85,
        "换+家庭医生": 0.9,
        "家庭医生+要钱": 0.8,
        "家庭医生+收费": 0.8,
    },
    negative={
        "是哪个": 0.9,
        "是谁": 0.9,
        "哪个医生": 0.8,
        "哪位": 0.8,
        "电话": 0.7,
        "合同": 0.7,
        "签证": 0.9,
        "签名": 0.9,
        "签收": 0.9,
        "快递": 0.9,
        "歌手": 0.9,
        "公司": 0.5,
    },
    personal=True,
    writes=True,
)
def doctor_sign(turn: Turn) -> Reply:
    if not turn.confirmed:
        return Reply(
            "要为您申请签约（或续约、更换）家庭医生吗？",
            done=False,
            quick_replies=[QuickReply("确认", "确认"), QuickReply("算了", "算了")],
        )
    return _coming("在线签约家庭医生")


@skill(
    "doctor.consult",
    title=gettext_noop("咨询医生"),
    examples=[
        "我想问问医生",
        "咨询一下家庭医生",
        "给医生留个言",
        "在线问诊",
        "孩子发烧要不要去医院",
        "这个药饭后吃吗",
        "ask my doctor a question",
    ],
    keywords={
        "咨询医生": 0.95,
        "问+医生": 0.85,
        "医生+咨询": 0.9,
        "留言+医生": 0.9,
        "医生+留": 0.7,
        "咨询+家庭医生": 0.95,
        "问一下+医生": 0.9,
        "问下+医生": 0.9,
        **{s: 0.6 for s in _SYMPTOMS},
        "药+吃": 0.5,
        "降压药": 0.5,
        "孩子+发烧": 0.8,
        "咨询一下": 0.45,
        "发消息+医生": 0.9,
        "消息+家庭医生": 0.9,
        "给+家庭医生+发": 0.9,
        "问问+家庭医生": 0.9,
        "问题+医生": 0.8, "问题+家庭医生": 0.85, "偏高": 0.6, "偏低": 0.6, "加药": 0.6, "减药": 0.7,
        "需要吃药": 0.8, "要吃药吗": 0.8, "吃药吗": 0.7, "要不要吃药": 0.85,
        "停药": 0.7, "要不要+药": 0.6,
        "问+家庭医生": 0.85,
        "医生": 0.25,
    },
    negative={
        **_NOT_HEALTH,
        "续方": 0.6,
        "就诊": 0.6,
        "是谁": 0.7,
        "电话": 0.6,
        "运动": 0.6,
        "锻炼": 0.6,
        "体检报告": 0.7,
        "健康档案": 0.8,
        "签约": 0.6,
    },
    personal=True,
)
def doctor_consult(turn: Turn) -> Reply:
    return _coming("在线咨询您的家庭医生（图文留言，医生回复后通知您）")


@skill(
    "health.record",
    title=gettext_noop("健康档案"),
    examples=[
        "看看我的健康档案",
        "查体检报告",
        "我的化验单出来了吗",
        "我打过哪些疫苗",
        "查一下我的血压记录",
        "show my health records",
    ],
    keywords={
        "健康档案": 0.95,
        "体检报告": 0.9,
        "化验单": 0.9,
        "疫苗接种记录": 0.95,
        "病历": 0.85,
        "就诊记录": 0.9,
        "血压记录": 0.9,
        "血糖记录": 0.9,
        "打过+疫苗": 0.9,
        "哪些疫苗": 0.85,
        "体检+结果": 0.85,
        "查看+体检": 0.7,
        "记录+在哪查": 0.6,
        "检查结果": 0.85,
        "化验": 0.7, "验血": 0.7, "健康状况": 0.6, "单子+体检": 0.7, "体检+单子": 0.7, "查+化验": 0.85,
        "疫苗+打了": 0.85,
        "疫苗+记录": 0.9, "疫苗+查": 0.7,
        "打了+疫苗": 0.85,
        "几针": 0.7,
        "测量记录": 0.85,
        "血压+记录": 0.85,
        "血糖+记录": 0.85,
        "我的+血压": 0.7,
        "我的+血糖": 0.7,
        "看+报告": 0.7,
        "查+报告": 0.7,
        "就诊+记录": 0.85,
        "档案": 0.6,
        "体检": 0.45,
        "报告": 0.4,
    },
    negative={"预约": 0.8, "约": 0.5},
    personal=True,
)
def health_record(turn: Turn) -> Reply:
    return _coming("查看您的健康档案（体检、化验、测量、就诊、疫苗）")


@skill(
    "appointment.book",
    title=gettext_noop("预约就诊"),
    examples=[
        "我想挂个号",
        "预约明天上午看门诊",
        "约个体检",
        "挂专家号",
        "预约打疫苗",
        "make an appointment with a doctor",
    ],
    keywords={
        "就诊": 0.85,
        "预约+就诊": 0.95,
        "预约+体检": 0.95,
        "约+体检": 0.9,
        "预约+门诊": 0.95,
        "门诊": 0.6,
        "专家号": 0.9,
        "预约+疫苗": 0.9,
        "约+疫苗": 0.85,
        "预约+医生": 0.8,
        "约+医生": 0.7,
        "约+家庭医生": 0.85,
        "牙科": 0.8,
        "看牙": 0.85,
        "预约+牙": 0.9,
        "医院+预约": 0.85,
        "预约+看": 0.6,
        "挂+号": 0.85,
        "b超": 0.75, "彩超": 0.75, "ct": 0.6, "核磁": 0.75, "胃镜": 0.75, "拍片": 0.7, "抽血": 0.6,
        "约+社区医院": 0.8, "网上+挂号": 0.9, "帮我约": 0.4,
        "先约": 0.6,
        "要约吗": 0.7,
        "约+门诊": 0.9,
        "预约+接种": 0.9,
    },
    # 签约 holds the 约 of 约+家庭医生; 报销 is a claim (a service matter), not a visit.
    negative={"记录": 0.7, "报告": 0.7, "结果": 0.6, "是谁": 0.8, "签约": 0.9, "报销": 0.8},
    personal=True,
    writes=True,
)
def appointment_book(turn: Turn) -> Reply:
    if not turn.confirmed:
        when = " ".join(v for k, v in turn.slots.items() if k in ("date", "time_from"))
        return Reply(
            f"要为您预约{(' ' + when) if when else ''}社区门诊就诊吗？",
            done=False,
            quick_replies=[QuickReply("确认", "确认"), QuickReply("算了", "算了")],
        )
    return _coming("在线预约社区门诊和体检")


@skill(
    "prescription.renew",
    title=gettext_noop("续方配药"),
    examples=["我要续方", "降压药吃完了想再开点", "长处方怎么办理", "配药", "帮我续一下处方", "renew my prescription"],
    keywords={
        "续方": 0.95,
        "处方": 0.7,
        "药+吃完": 0.9,
        "药+快吃完": 0.9,
        "再开点": 0.8,
        "开点+药": 0.8,
        "续+药": 0.8,
        "续开": 0.85,
        "配+药": 0.85, "再开+药": 0.85, "再配": 0.8, "一个月的药": 0.8, "加药": 0.3,
        "常吃的药": 0.8,
        "降压药+开": 0.8,
        "药+没了": 0.85,
        "快用完": 0.85, "用完了": 0.7, "开一个月": 0.8, "开+药": 0.8, "胰岛素+完": 0.9,
        "药+快没": 0.9,
        "药+不够": 0.85,
        "降糖药": 0.6,
        "降压药": 0.55,
        "胰岛素": 0.6,
        "二甲双胍": 0.7,
        "长期+药": 0.7,
    },
    negative={"怎么做": 0.6, "药店+在哪": 0.6},
    personal=True,
    writes=True,
)
def prescription_renew(turn: Turn) -> Reply:
    if not turn.confirmed:
        return Reply(
            "要为您申请续方（长处方 / 延伸处方）吗？",
            done=False,
            quick_replies=[QuickReply("确认", "确认"), QuickReply("算了", "算了")],
        )
    return _coming("长处方在线续方")
