"""Chat skills of 一网通办 (find a service item, follow an application).

Both call the services app's read side, the same functions as its REST API:
``service.search`` → ``services.queries.items_search`` (the shared ``ItemMatcher``) and, for
"what to bring / where / how long", ``item_guide`` + ``guide_answer``; ``service.progress`` →
``applications_of`` / ``application_for_receipt`` (owner only).
"""

from __future__ import annotations

import functools
import re

from django.utils.translation import gettext_noop

from portal.chat.registry import Card, QuickReply, Reply, Turn, skill
from portal.chat.sentences import Day, Listed, say
from portal.chat.sentences import text as sentence
from portal.nlu.data import read_lines
from portal.nlu.normalize import normalize, without_emoji

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
    "办+证": 0.7, "开店": 0.55, "开个+店": 0.55, "开家+店": 0.55, "开一家+店": 0.55,
    # Opening a business, said plainly (开个小饭馆); 开 alone is also 开门, 开饭.
    "开饭馆": 0.75, "开餐馆": 0.75, "开饭店": 0.7, "开超市": 0.6, "开公司": 0.7, "开一家": 0.5,
    "开个+饭馆": 0.75, "开个+餐馆": 0.75, "开个+饭店": 0.7, "开个+小吃": 0.6, "开个+超市": 0.6, "开个+公司": 0.7,
    "开家+饭": 0.7,
    "店+证": 0.75, "准备+材料": 0.7, "能领": 0.5,
    "要办什么": 0.75, "办什么": 0.65, "要办": 0.5, "怎么弄": 0.3, "要什么材料": 0.8,
}
# Matters residents name (canonical words after the lexicon: 暂住证 → 居住证, 社保卡 → 社会保障卡 …).
_MATTERS = read_lines("service_matters.txt")


_TOPIC_WORDS = {
    "materials": ("材料", "带什么", "准备什么", "要带", "证件", "资料", "要啥", "带啥", "需要什么", "要什么",
                  "bring", "documents", "papers", "materials"),
    "locations": ("在哪", "去哪", "哪里办", "地址", "窗口", "网上", "线上", "哪儿", "哪里", "电话", "where", "online",
                  # when the office is open: the places' hours answer it (那个地方几点关门, 周末开门吗)
                  "地方", "关门", "开门", "下班", "上班时间", "几点上班", "办公时间", "工作时间", "营业时间", "周末",
                  "周六", "周日", "星期六", "星期天", "星期日", "opening hours"),
    "time": ("多久", "几天", "多长时间", "时限", "什么时候能", "几个工作日", "跑几次", "跑几趟", "how long",
             "how many days"),
    "fee": ("收费", "要钱", "多少钱", "费用", "免费", "花钱", "交钱", "cost", "fee", "how much", "free"),
}
# English words around a guide question that name no matter ("what do I need to bring").
_ENGLISH_FILLER = re.compile(r"\b(?:what|which|do|does|did|i|we|you|need|needed|to|it|is|are|the|a|an|go|should|"
                             r"can|could|will|take|takes|there|for|this|that|me|my|of|with|about|and|then)\b")
# Words left of a guide question once its topic words are gone that still name no matter
# (多久能办好 → 能办好): such a question is about the item already on the screen.
_NO_MATTER = re.compile(r"(?:能|可以|才能|要|需要|得|在|去|到|来|带|办好|办完|办下来|拿到|下来|办理|办|弄"
                        r"|这个|那个|它|吗|呢|啊|呀|的|了|么|是多少|多少|号码|咨询|是|几点|几点钟|还)+")
_TOPIC_WORDS_LONGEST_FIRST = sorted((w for words in _TOPIC_WORDS.values() for w in words), key=len, reverse=True)
CONTEXT_ITEM = "service_item"  # the session-state key of the item the last answer was about


def _guide_topic(text: str) -> str | None:
    text = normalize(text)  # 要帶什麼, 在哪裡辦, full-width forms
    for topic, words in _TOPIC_WORDS.items():
        if any(w in text for w in words):
            return topic
    return None


@functools.cache
def _words_set_aside() -> tuple[str, ...]:
    """The topic words, then the ways of asking an FAQ, each list longest first (sorted once)."""
    from services.queries import FAQ_CONCEPTS

    ways = sorted((way for ways in FAQ_CONCEPTS.values() for way in ways), key=len, reverse=True)
    return (*_TOPIC_WORDS_LONGEST_FIRST, *ways)


def _matter_words(text: str) -> str:
    """What a guide question says besides its topic words, the ways of asking an FAQ (外地人, 代办,
    本人 …) and a pointer back (刚才那个): the words of a matter, or nothing."""
    from portal.chat.catalogue import service_query

    rest = _BACK.sub(" ", normalize(text))
    for word in _words_set_aside():
        rest = rest.replace(word, " ")
    rest = _ENGLISH_FILLER.sub(" ", rest)
    return _NO_MATTER.sub("", service_query(rest)).strip()


def _names_no_matter(text: str) -> bool:
    """A guide question that names no matter ("需要带什么", "外地人能办吗")."""
    return not _matter_words(text)


def _names_the_item(text: str, name: str) -> bool:
    """A guide question whose matter is the item's own (那个公积金在哪办 after 住房公积金租房提取):
    two characters or more, each in the item's name."""
    words = _matter_words(text)
    return len(words) >= 2 and all(char in name for char in words)


# Pointing back at an item shown before the last one (刚才那个, 上一个).
_BACK = re.compile(r"刚才|刚刚|之前|前面|上一个|上1个|上个")  # normalize writes 上一个 as 上1个
SEEN_ITEMS = "service_items_seen"  # the last items shown, oldest first (at most 3)


def _shown(state: dict, item) -> None:
    """Remember the item the answer was about (the follow-ups' context) and the few before it."""
    state[CONTEXT_ITEM] = {"id": item.id, "name": item.name}
    seen = [s for s in state.get(SEEN_ITEMS) or [] if s.get("id") != item.id]
    state[SEEN_ITEMS] = [*seen, {"id": item.id, "name": item.name}][-3:]


def _pointed_back(text: str, state: dict) -> dict | None:
    """The item before the last one, when the question points back to it (刚才那个在哪办) and names
    no other matter; else None."""
    seen = state.get(SEEN_ITEMS) or []
    if len(seen) < 2 or not _BACK.search(normalize(text)):
        return None
    earlier = seen[-2]
    return earlier if _names_no_matter(text) or _names_the_item(text, earlier.get("name", "")) else None


# A follow-up with none of the ways of asking an FAQ (外地人, 代办, 本人 …) is taken for one of the
# item's FAQ questions only when it is this much of that question (办好了怎么拿, 要先登报吗).
FAQ_SURE = 0.75


def about_item_in_context(text: str, state: dict) -> bool:
    """Right after an item was shown, a question of what to bring, where, how long or how much
    that names no other matter is about that item ("需要带什么", "多久能办好"); so is one its FAQ
    answers (要先登报吗) or one of the questions FAQs answer (外地人能办吗, 可以代办吗, 要本人去吗)."""
    context = state.get(CONTEXT_ITEM) or {}
    item_id = context.get("id")
    if not item_id or text.startswith("#"):
        return False
    if _pointed_back(text, state) is not None:
        return True
    if _guide_topic(text) is not None:
        return _names_no_matter(text) or _names_the_item(text, context.get("name", ""))
    from services.models import ServiceItem
    from services.queries import faq_concepts, faq_match

    found = faq_match(ServiceItem.objects.filter(pk=item_id).values_list("faq", flat=True).first() or [], text)
    if found is not None and found[1] >= FAQ_SURE:
        return True
    return bool(faq_concepts(text)) and _names_no_matter(text)


_TOPIC_NAMES = {"materials": gettext_noop("所需材料"), "locations": gettext_noop("办理地点"),
                "time": gettext_noop("办理时限"), "fee": gettext_noop("收费标准")}


@skill(
    "service.search",
    follow_up=about_item_in_context,
    title=gettext_noop("办事指南"),
    preview=True,
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
    """The catalogue search of ``GET /api/v1/services/items/?q=`` (``items_search``), then, when the
    resident asks about materials, place or time, that part of the best item's guide."""
    from portal.chat.catalogue import service_query
    from services.queries import guide_answer, item_guide, items_search

    item_id = turn.slots.pop("item", None)
    # A tap ("#intent:service.search?topic=…") names no matter: its words are code, not a question.
    text = "" if turn.text.startswith("#") else without_emoji(turn.text).strip()
    topic = turn.slots.pop("topic", None) or _guide_topic(text)
    if topic not in _TOPIC_NAMES:
        topic = None
    if not item_id and about_item_in_context(text, turn.state):
        earlier = _pointed_back(text, turn.state)
        item_id = str((earlier or turn.state[CONTEXT_ITEM])["id"])
        if earlier is not None and topic is None:  # 刚才那个呢: back to it
            return _back_to(turn, int(item_id))
        if topic is None:  # 外地人能办吗, 要先登报吗: the item's FAQ, else what its guide can say
            return _faq_reply(turn, int(item_id))
    elif not item_id and topic and _names_no_matter(text):
        # "需要带什么" with nothing on the screen: which matter, rather than a guess.
        return Reply(say("您想了解哪件事的%(topic)s？", topic=sentence(_TOPIC_NAMES[topic]))
                     + gettext_noop("说说要办的事，比如“身份证丢了”“办居住证”。"), done=False)
    query = turn.slots.get("query") or service_query(text)
    if query:
        turn.slots["query"] = query
    # A quick reply: "#intent:service.search?item=12&topic=materials" ("²".isdigit() too: ASCII only).
    if item_id and str(item_id).isascii() and str(item_id).isdigit():
        return _guide_reply(turn, int(item_id), topic or "materials", guide_answer, item_guide)
    # The matcher reads the whole question (its own question-word removal keeps 找不到了, 到期 … for
    # the colloquial expansions); ``query`` is what the reply shows.
    if not text and not query:
        return Reply(gettext_noop("您想办什么事？")
                     + gettext_noop("说说看，比如“身份证丢了”“宝宝刚出生要办什么”“公积金怎么提取”。"), done=False)
    result = items_search(query=text or query, limit=3)
    hits = list(result.hits)
    if not hits:
        if result.suggestions:
            return Reply(gettext_noop("没找到完全对应的事项，您是不是要找："),
                         quick_replies=[QuickReply(s, s) for s in result.suggestions])
        return Reply(say("暂时没有找到和“%(query)s”对应的办事事项，换个说法试试，或者说“转人工”。",
                         query=query or text),
                     quick_replies=[QuickReply(gettext_noop("转人工"), "转人工")])
    cards = [Card("service_item", hit.item.id, hit.item.name,
                  {"score": hit.score, "matched": hit.matched, "highlights": hit.highlights,
                   "department": hit.item.department.name}) for hit in hits]
    best = hits[0].item
    _shown(turn.state, best)
    if topic:
        reply = _guide_reply(turn, best.id, topic, guide_answer, item_guide)
        reply.cards = cards
        return reply
    return Reply(_lead_in(text or query, best, len(hits)), cards=cards, quick_replies=_topic_replies(best.id))


def _lead_in(text: str, best, count: int) -> str:
    """How the reply introduces the first card: the best fit, or — when the message named one matter
    only (驾照, 残疾) and several items fit it — the frequent one among them (高频事项)."""
    from services import search as search_index

    matter = search_index.matcher().frequent_answer(text, best.id, best.name) if count > 1 else None
    if matter:
        return say("“%(matter)s”相关的事项有好几项，常办的是「%(item)s」（%(department)s），其他的在下面的卡片里。",
                   matter=matter, item=best.name, department=best.department.name) + say(
            "关于「%(item)s」，您想了解：", item=best.name)
    if best.audience == "法人":  # ServiceItem.Audience.BUSINESS: no business account here
        return say("最相关的是「%(item)s」（%(department)s），它面向企业和其他组织（法人），个人账号不能在这里申请。",
                   item=best.name, department=best.department.name) + gettext_noop("您想了解：")
    return say("最相关的是「%(item)s」（%(department)s），您想了解：", item=best.name, department=best.department.name)


def _topic_replies(item_id) -> list[QuickReply]:
    return [QuickReply(gettext_noop("需要什么材料"), f"#intent:service.search?item={item_id}&topic=materials"),
            QuickReply(gettext_noop("在哪办"), f"#intent:service.search?item={item_id}&topic=locations"),
            QuickReply(gettext_noop("多久能办好"), f"#intent:service.search?item={item_id}&topic=time"),
            QuickReply(gettext_noop("收费吗"), f"#intent:service.search?item={item_id}&topic=fee")]


_ITEM_GONE = gettext_noop("这个事项暂时不能办理了，换个说法再问问我吧。")


def _item_card(item) -> Card:
    """The card of the one item an answer is about."""
    return Card("service_item", item.id, item.name, {"department": item.department.name})


def _guide_reply(turn: Turn, item_id: int, topic: str, guide_answer, item_guide) -> Reply:
    from portal.core.errors import NotFound

    try:
        item, on_file = item_guide(item_id=item_id, user=turn.user if getattr(turn.user, "is_authenticated", False)
                                   else None)
    except NotFound:
        return Reply(_ITEM_GONE)
    text = guide_answer(item, topic if topic in _TOPIC_WORDS else "materials", on_file)
    _shown(turn.state, item)
    return Reply(text, cards=[_item_card(item)],
                 quick_replies=[q for q in _topic_replies(item.id) if f"topic={topic}" not in q.payload])


def _back_to(turn: Turn, item_id: int) -> Reply:
    """刚才那个呢: the item shown before, again, with what can be asked about it."""
    from portal.core.errors import NotFound
    from services.queries import item_guide

    try:
        item, _ = item_guide(item_id=item_id, user=None)
    except NotFound:
        return Reply(_ITEM_GONE)
    _shown(turn.state, item)
    return Reply(say("好的，回到「%(item)s」（%(department)s），您想了解：", item=item.name,
                     department=item.department.name),
                 cards=[_item_card(item)],
                 quick_replies=_topic_replies(item.id))


def _faq_reply(turn: Turn, item_id: int) -> Reply:
    """The item's FAQ answer to the question; without one, what its guide says to it (代办 needs a
    委托书, a 全程网办 item needs nobody to go) or whom to ask — never a guess."""
    from portal.core.errors import NotFound
    from services.queries import faq_concepts, faq_match, item_guide

    try:
        item, _ = item_guide(item_id=item_id, user=None)
    except NotFound:
        return Reply(_ITEM_GONE)
    _shown(turn.state, item)
    card = _item_card(item)
    found = faq_match(item.faq or [], turn.text)
    if found is not None:
        entry = found[0]
        return Reply(say("关于「%(item)s」——%(question)s\n%(answer)s", item=item.name, question=entry["q"],
                         answer=entry["a"]), cards=[card],
                     quick_replies=_topic_replies(item.id))
    concepts = faq_concepts(turn.text)
    proxies = [m.name for m in item.materials.all() if "委托" in m.name or "代理" in m.name]
    if "代办" in concepts and proxies:
        text = say("「%(item)s」可以委托他人办理，代办时要带：%(materials)s。", item=item.name,
                   materials=Listed(proxies))
    elif "本人" in concepts and item.visits_required == 0:
        text = say("「%(item)s」全程网上办理，不用到现场。", item=item.name)
    else:
        phones = [f"{loc.name} {loc.phone}" for loc in item.locations.all() if loc.phone]
        if not phones and item.department.phone:
            phones = [f"{item.department.name} {item.department.phone}"]
        ask = say("建议先打电话问一下：%(phones)s。", phones=Listed(phones[:3], zh="；")) if phones else say(
            "建议先问一下%(department)s。", department=item.department.name)
        text = say("「%(item)s」的办事指南里没有写明这一点，%(ask)s", item=item.name, ask=ask)
    return Reply(text, cards=[card], quick_replies=_topic_replies(item.id))


_RECEIPT_RE = re.compile(r"[A-Z]{1,4}\d{8,}")
# Alone, a receipt number is recognised by the shape this site gives it (PD + date + serial,
# services.actions._new_receipt_number), a typo in the digits included — not a phone number, a
# passport, a parcel's tracking number (SF…) nor a hand-off ticket (RG…).
_RECEIPT_ALONE_RE = re.compile(r"(?<![A-Z0-9])PD\d{8,}(?![A-Z0-9])")
# Typed in groups or with hyphens: PD 2026 1123 …, PD-20261123-649860. Only gaps before a digit,
# after a digit or the PD, are closed: the words of "status of PD2026…" stay apart from the number.
_RECEIPT_GAPS = re.compile(r"(?:(?<=\d)|(?<=PD))[\s\-_—–·.]+(?=\d)")


def _receipt_text(text: str) -> str:
    return _RECEIPT_GAPS.sub("", normalize(text).upper())  # normalize: full-width ＰＤ２０２６ → pd2026


def _receipt_in(text: str) -> str | None:
    match = _RECEIPT_RE.search(_receipt_text(text))
    return match.group(0) if match else None


def mentions_receipt(text: str) -> bool:
    """A receipt number, however typed, is a question about that application."""
    return not text.startswith("#") and _RECEIPT_ALONE_RE.search(_receipt_text(text)) is not None


@skill(
    "service.progress",
    title=gettext_noop("办件进度"),
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
    # 约好了没, 订好了没有: a court booked (booking.list), not an application
    negative={"快递": 0.9, "物流": 0.9, "外卖": 0.9, "下载": 0.8, "游戏": 0.8,
              "约好": 0.8, "订好": 0.8, "定好": 0.8, "抢到": 0.8},
    personal=True,
    recognises=mentions_receipt,
)
def service_progress(turn: Turn) -> Reply:
    """The resident's applications (``applications_of``), or the one whose receipt number they gave
    (``application_for_receipt``: someone else's number is "not found")."""
    from services.actions import ApplicationNotFound
    from services.queries import application_for_receipt, applications_of

    # A quick reply names it ("#intent:service.progress?receipt=PD…"); a message has it among its words.
    tapped = str(turn.slots.pop("receipt", "") or "")
    number = _receipt_in(tapped) if tapped else _receipt_in(turn.text)
    if number:
        try:
            application = application_for_receipt(user=turn.user, receipt_number=number)
        except ApplicationNotFound as missing:
            close = missing.extra.get("suggestions") or []  # the resident's own numbers a typo away
            if close:
                return Reply(sentence(missing.message), quick_replies=[
                    QuickReply(receipt, f"#intent:service.progress?receipt={receipt}") for receipt in close])
            return Reply(say("没有找到您名下受理编号为 %(number)s 的办件，请核对编号。", number=number))
        return Reply(_progress_line(application), cards=[_application_card(application)])
    applications = list(applications_of(user=turn.user)[:50])
    if not applications:
        return Reply(gettext_noop("您还没有在线提交的办件。")
                     + gettext_noop("办理事项可以问我“怎么办理居住证”这样的问题。"))
    named = _named_applications(turn.text, applications)
    if named:  # 我那个公积金提取的办好了没: that one, not every application
        lines = Listed.lines(_progress_line(a) for a in named[:3])
        return Reply(sentence(lines), cards=[_application_card(a) for a in named[:5]])
    applications = applications[:5]
    lines = Listed.lines(_progress_line(a) for a in applications[:3])
    return Reply(say("您最近的办件：\n%(lines)s", lines=lines), cards=[_application_card(a) for a in applications])


# Words every application or progress question has: sharing one of them names no application.
_PROGRESS_WORDS = re.compile(r"办件进度|进度|办好没|办好了没|办好了|办到哪|到哪|审核|怎么样|申请|申领|办理|登记|我的|"
                             r"我那个|那个|查一下|查询|结果|材料|证明")


def _named_applications(text: str, applications: list) -> list:
    """The resident's applications whose item the question names (公积金 → 住房公积金购房提取),
    best first: the longest run of characters the question and the item's name share, two at least,
    progress words aside."""
    from difflib import SequenceMatcher

    from portal.chat.catalogue import service_query

    asked = _PROGRESS_WORDS.sub("\x00", service_query(text) or "")  # two marks that never match each other
    scored = []
    for application in applications:
        name = _PROGRESS_WORDS.sub("\x01", application.item.name)
        run = SequenceMatcher(None, asked, name, autojunk=False).find_longest_match(0, len(asked), 0, len(name))
        if run.size >= 2:
            scored.append((run.size, application))
    if not scored:
        return []
    best = max(size for size, _ in scored)
    return [application for size, application in scored if size == best]


def _progress_line(application) -> str:
    """One application in a sentence: its status, and what the resident can act on — what to add
    (需补件, the clock stopped: no due date), why it was refused, or when it is due."""
    Status = type(application).Status
    # The status's lazy name: said in the reply's language (get_status_display() is the skills' Chinese).
    head = say("「%(item)s」（%(receipt)s）：%(status)s", item=application.item.name,
               receipt=application.receipt_number, status=Status(application.status).label)
    if application.status in (Status.NEEDS_MORE, Status.REJECTED):
        note = next((e.note.strip() for e in reversed(application.events.all())
                     if e.status == application.status and e.note.strip()), "")  # the clerk's words, as written
        if application.status == Status.NEEDS_MORE:
            return (say("%(application)s，%(note)s。补齐后继续办理。", application=head, note=note.rstrip("。."))
                    if note else say("%(application)s，补齐材料后继续办理。", application=head))
        return say("%(application)s，原因：%(note)s", application=head, note=note) if note else head
    due = application.expected_completion
    if due and not application.is_final:
        if application.expected_is_estimate:  # that year's holidays are not published yet
            return say("%(application)s，预计%(due)s前办结（估算：当年节假日安排尚未公布）", application=head,
                       due=Day(due, short=True, year=True))
        return say("%(application)s，预计%(due)s前办结", application=head, due=Day(due, short=True))
    return head


def _application_card(application) -> Card:
    from services.queries import expected_completion_of

    due = expected_completion_of(application)  # the REST API's rule: none while the clock is stopped
    return Card("application", application.receipt_number, application.item.name, {
        "status": application.status, "status_display": application.get_status_display(),
        "expected_completion": due.date.isoformat() if due.date else None,
        "expected_is_estimate": due.is_estimate, "clock_paused": due.clock_paused})
