"""一网通办 read side: search and browse the catalogue, the guide of an item, applications.

The REST API and the chat skills call these same functions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from rapidfuzz.distance import Levenshtein

from portal.chat.sentences import Listed, say
from portal.chat.sentences import text as sentence
from portal.core.converters import MAX_ID
from portal.nlu.normalize import normalize as normalize_text
from services import access
from services import search as search_index
from services.actions import RECEIPT_NUMBER, ApplicationNotFound, ItemUnavailable
from services.models import (
    Application,
    Department,
    LifeEvent,
    Material,
    ResidentLicence,
    ServiceItem,
)

SEARCH_CANDIDATES = 200
_FULL_WIDTH_DIGITS = {0xFF10 + n: 0x30 + n for n in range(10)}  # ０–９ → 0–9


@dataclass
class ItemFilters:
    category: str | None = None
    life_event: str | None = None  # code or name
    department: str | int | None = None  # id or name
    audience: str | None = None
    online: bool | None = None
    frequent: bool | None = None  # 高频事项

    def apply(self, items: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
        if self.category:
            items = items.filter(category=self.category)
        if self.life_event:
            items = items.filter(Q(life_events__code=self.life_event) | Q(life_events__name=self.life_event))
        if self.department:
            department = str(self.department)
            # An id typed on a phone's full-width keyboard (１２) is the id (only those digits: ² is not 2).
            digits = department.translate(_FULL_WIDTH_DIGITS)
            if not (digits.isascii() and digits.isdigit()):  # "²".isdigit() too, but int() refuses it
                items = items.filter(department__name=department)
            elif int(digits) <= MAX_ID:
                items = items.filter(department_id=int(digits))
            else:  # no row has that id, and the driver cannot send it
                items = items.none()
        if self.audience:
            # A 个人和法人 item serves both audiences.
            items = items.filter(audience__in=[self.audience, ServiceItem.Audience.BOTH])
        if self.online is not None:
            items = items.filter(online=self.online)
        if self.frequent is not None:
            items = items.filter(frequent=self.frequent)
        return items.distinct() if self.life_event else items


@dataclass
class SearchHit:
    item: ServiceItem
    score: float | None = None
    matched: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # pieces of the name covered in any reading (提取 for 取出来)

    @property
    def highlights(self) -> list[list[int]]:
        """[start, end) spans of the item name the question covered, for the client to emphasise."""
        spans: list[list[int]] = []
        name = self.item.name
        for term in (*self.matched, *self.shown):
            if not term:
                continue
            start = name.find(term)
            while start >= 0:
                spans.append([start, start + len(term)])
                start = name.find(term, start + len(term))
        spans.sort()
        merged: list[list[int]] = []
        for span in spans:
            if merged and span[0] <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], span[1])
            else:
                merged.append(span)
        return merged


class _BrowseHits:
    """Hits over a queryset, fetched page by page (the paginator counts and slices)."""

    def __init__(self, items: QuerySet[ServiceItem]):
        self._items = items

    def count(self) -> int:
        return self._items.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [SearchHit(item) for item in self._items[index]]
        return SearchHit(self._items[index])

    def __iter__(self):
        return (SearchHit(item) for item in self._items.iterator())

    def __bool__(self) -> bool:
        return self._items.exists()


@dataclass
class SearchResult:
    hits: list[SearchHit] | _BrowseHits
    suggestions: list[str]


def _items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(is_active=True).select_related("department")


def items_search(*, query: str = "", filters: ItemFilters | None = None, limit: int | None = None) -> SearchResult:
    """Items for a free-text question, best first, narrowed by the filters.

    Without a query: the filtered catalogue, frequent items (高频事项) first, then in department/name
    order (browsing). With one: the matcher's ranking; when nothing fits, "did you mean" suggestions.
    """
    filters = filters or ItemFilters()
    query = (query or "").strip()
    if not query:
        items = filters.apply(_items()).order_by("-frequent", "department__name", "name", "id")
        if limit is not None:
            return SearchResult([SearchHit(item) for item in items[:limit]], [])
        return SearchResult(_BrowseHits(items), [])
    matches = search_index.search(query, limit=SEARCH_CANDIDATES)
    by_id = {m.id: m for m in matches}
    items = {item.id: item for item in filters.apply(_items().filter(id__in=list(by_id)))}
    hits = [SearchHit(items[m.id], m.score, list(m.matched), list(m.shown)) for m in matches if m.id in items]
    if limit is not None:
        hits = hits[:limit]
    suggestions = [] if hits else search_index.suggest(query)
    return SearchResult(hits, suggestions)


def item_guide(*, item_id: int, user=None) -> tuple[ServiceItem, set[int]]:
    """The item with everything its guide shows, and the ids of the licence types the resident has
    on file (empty for anonymous or not real-name-bound residents)."""
    item = (
        _items().filter(pk=item_id)
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.select_related("licence_type").order_by("position", "id")),
            "locations", "life_events",
        )
        .first()
    )
    if item is None:
        raise ItemUnavailable()
    return item, licences_on_file(user)


def licences_on_file(user, today: dt.date | None = None) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_realname_verified:
        return set()
    today = today or timezone.localdate()
    return set(
        ResidentLicence.objects.filter(user=user)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("licence_type_id", flat=True)
    )


def life_events_with_counts() -> QuerySet[LifeEvent]:
    return LifeEvent.objects.annotate(
        item_count=Count("items", filter=Q(items__is_active=True), distinct=True)
    ).order_by("position", "code")


def departments_with_counts() -> QuerySet[Department]:
    return Department.objects.annotate(
        item_count=Count("items", filter=Q(items__is_active=True))
    ).filter(item_count__gt=0).order_by("name")


# --- applications ---------------------------------------------------------------------------------
def _applications() -> QuerySet[Application]:
    return Application.objects.select_related("item", "item__department").prefetch_related("events")


def applications_of(*, user, status: str | None = None) -> QuerySet[Application]:
    applications = _applications().filter(user=user)
    if status:
        applications = applications.filter(status=status)
    return applications.order_by("-submitted_at", "-id")


@dataclass(frozen=True)
class ExpectedCompletion:
    """What residents and clerks are told about an application's due date."""

    date: dt.date | None
    is_estimate: bool
    clock_paused: bool
    note: str  # a sentence when the date needs one (the clock stopped), else ""


def expected_completion_of(application: Application) -> ExpectedCompletion:
    """需补件 stops the clock: while the resident gathers the documents the application has no due
    date (the stored one is the date before the pause; ``application_status_change`` moves it by the
    working days spent waiting when the application is accepted or reviewed again)."""
    if application.status == Application.Status.NEEDS_MORE:
        if application.accepted_at is None:  # asked for more before acceptance: no clock has run yet
            return ExpectedCompletion(None, False, True, _("补齐材料、受理后按工作日计算预计办结日期。"))
        return ExpectedCompletion(None, False, True, _("补件期间办理时限暂停，补齐材料后重新计算预计办结日期。"))
    due, estimate = application.expected_completion, application.expected_is_estimate
    if due is not None and estimate and not application.is_final:
        # chinesecalendar has no holidays for that year yet (services/workdays.py): say so, do not pretend.
        return ExpectedCompletion(due, True, False, _(
            "{year} 年的法定节假日安排尚未公布，预计办结日期按周一至周五估算，可能顺延。").format(year=due.year))
    return ExpectedCompletion(due, estimate, False, "")


def application_for_receipt(*, user, receipt_number: str) -> Application:
    """The owner's application with that receipt number. Someone else's is "not found", never
    "forbidden": a receipt number must not reveal that it exists. A number as people write it
    (lower case, spaces, hyphens) is found; a mistyped one gets a sentence that says what a receipt
    number looks like, or offers the resident's own number one or two characters away."""
    number = receipt_typed(receipt_number)
    application = _applications().filter(user=user, receipt_number=number).first()
    if application is not None:
        return application
    if not RECEIPT_NUMBER.fullmatch(number):
        raise ApplicationNotFound(_("受理编号是 PD 加 14 位数字（如 PD20261125012345），请核对后再查。"))
    own = Application.objects.filter(user=user).values_list("receipt_number", flat=True)
    close = sorted((Levenshtein.distance(number, mine), mine) for mine in own)
    suggestions = [mine for distance, mine in close if distance <= 2][:3]
    if not suggestions:
        raise ApplicationNotFound()
    # Formatted when read: the API says it in the request's language, the chat in its reply's.
    offer = gettext_lazy("您名下没有受理编号为 {number} 的办件。您要查的是不是 {suggestion}？")
    raise ApplicationNotFound(format_lazy(offer, number=number, suggestion="、".join(suggestions)),
                              extra={"suggestions": suggestions})


def receipt_typed(receipt_number: str) -> str:
    """A receipt number as stored, from the way people type it (ｐｄ 2026-1125…)."""
    # The separators the chat forgives too (services.skills._RECEIPT_GAPS): spaces, hyphens, dashes, dots.
    return re.sub(r"[\s\-_－—–·.]", "", unicodedata.normalize("NFKC", receipt_number)).upper()


def applications_for_staff(*, staff, status: str | None = None, overdue: bool | None = None,
                           receipt: str | None = None, today: dt.date | None = None) -> QuerySet[Application]:
    """Applications ``staff`` may see (a clerk: of their departments' items; an admin: all; anyone
    else: none), the nearest due date first; ``receipt``: the one with that receipt number (as typed
    at the counter, or the start of it)."""
    applications = access.scope_applications(_applications().select_related("user"), staff)
    if receipt:
        applications = applications.filter(receipt_number__startswith=receipt_typed(receipt))
    if status:
        applications = applications.filter(status=status)
    if overdue is True:
        applications = applications.filter(overdue_q(today))
    elif overdue is False:
        applications = applications.exclude(overdue_q(today))
    # The nearest due date first; not yet accepted (no due date) last, on every database.
    return applications.order_by(F("expected_completion").asc(nulls_last=True), "-submitted_at")


def overdue_q(today: dt.date | None = None) -> Q:
    """Past the due date and not finished. 需补件 stops the clock: an application waiting for the
    resident's documents is overdue only if it was already late when it was paused."""
    today = today or timezone.localdate()
    waiting = Q(status=Application.Status.NEEDS_MORE, paused_on__isnull=False)
    return (Q(expected_completion__lt=today) & ~Q(status__in=Application.FINAL)
            & (~waiting | Q(expected_completion__lt=F("paused_on"))))


def applications_overdue(today: dt.date | None = None) -> QuerySet[Application]:
    return Application.objects.filter(overdue_q(today))


def item_open_to_residents_online(item: ServiceItem) -> bool:
    """A resident can apply for it here (``application_submit`` online): handled online, and not for
    businesses only (there is no business account)."""
    return item.online and item.audience != ServiceItem.Audience.BUSINESS


def application_is_overdue(application: Application, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    if application.status == Application.Status.NEEDS_MORE and application.paused_on is not None:
        today = min(today, application.paused_on)  # the clock stopped that day (see overdue_q)
    return (not application.is_final and application.expected_completion is not None
            and application.expected_completion < today)


# --- short answers from a guide (the chat skill's quick replies: 需要什么材料 / 在哪办 / 多久能办好) ------
GUIDE_TOPICS = ("materials", "locations", "time", "fee")


def guide_answer(item: ServiceItem, topic: str, on_file: set[int] | frozenset[int] = frozenset()) -> str:
    """One readable paragraph about an item for a chat reply. ``item`` comes from :func:`item_guide`.

    The paragraph is a ``portal.chat.sentences`` text: the Chinese it reads as, which the chat can say
    again in English (docs/chat.md, "Reply language"); what the catalogue wrote (names, addresses,
    hours, conditions, fees) stays as written."""
    name = item.name
    if topic == "materials":
        lines = []
        for number, material in enumerate(item.materials.all(), start=1):
            form = sentence(material.get_form_display())
            notes = [say("%(form)s %(copies)s 份", form=form, copies=material.copies) if material.copies > 1 else form]
            if material.requirement == Material.Requirement.CONDITIONAL:
                notes.append(say("%(condition)s需要", condition=material.condition))
            if material.licence_type_id and material.licence_type_id in on_file:
                notes.append(sentence(gettext_noop("已有电子证照，免于提交")))
            lines.append(say("%(number)s. %(material)s（%(notes)s）", number=number, material=material.name,
                             notes=Listed(notes, zh="，")))
        if not lines:
            return say("「%(item)s」的申请材料请咨询%(department)s。", item=name,
                       department=_contact(item.department, counter=True))
        return say("办理「%(item)s」需要准备：\n%(lines)s", item=name, lines=Listed.lines(lines))
    if topic == "locations":
        places = []
        for loc in item.locations.all():
            details = [loc.address, loc.hours, say("电话 %(phone)s", phone=loc.phone) if loc.phone else ""]
            places.append(say("%(name)s（%(details)s）", name=loc.name,
                              details=Listed([d for d in details if d], zh="，")))
        # Whether it can be done online is said either way (能网上办吗 is the question half the time).
        online = say("可以网上办理：%(url)s。", url=item.online_url) if item.online and item.online_url else (
            sentence(gettext_noop("可以网上办理。")) if item.online else
            say("「%(item)s」暂不能网上办理，请到窗口办理。", item=name))
        contact = _contact(item.department)
        if item.audience == ServiceItem.Audience.BUSINESS:
            # Only businesses apply for it, and a resident's account here is no business's
            # (services.actions.BusinessOnly): the same words as the refusal.
            online = say("「%(item)s」面向企业和其他组织（法人），个人账号不能在这里申请：", item=name) + (
                say("请单位经办人以法人身份在 %(url)s 网上办理。", url=item.online_url)
                if item.online and item.online_url else gettext_noop("请单位经办人以法人身份网上办理。")
                if item.online else gettext_noop("请单位经办人到窗口办理。"))
            if not places:
                return online + say("详情请咨询%(department)s。", department=contact)
        if not places:
            return online if item.online else say("「%(item)s」暂不能网上办理，请咨询%(department)s。", item=name,
                                                  department=contact)
        if len(places) == 1:
            return online + say("办理地点：%(place)s。", place=places[0])
        return online + say("办理地点：\n%(places)s", places=Listed.lines(say("• %(place)s", place=p) for p in places))
    if topic == "time":
        if item.promised_limit_days == 0:
            limit = sentence(gettext_noop("当场办结（即办）"))
        elif item.promised_limit_days:
            limit = say("承诺 %(days)s 个工作日内办结", days=item.promised_limit_days)
        elif item.legal_limit_days:
            limit = say("法定 %(days)s 个工作日内办结", days=item.legal_limit_days)
        else:
            limit = sentence(gettext_noop("办理时限请咨询办理部门"))
        visits = {None: None, 0: sentence(gettext_noop("全程网办不用跑")), 1: sentence(gettext_noop("最多跑一次"))}.get(
            item.visits_required, say("需到现场 %(visits)s 次", visits=item.visits_required))
        if visits is None:
            return say("「%(item)s」%(limit)s。", item=name, limit=limit)
        return say("「%(item)s」%(limit)s，%(visits)s。", item=name, limit=limit, visits=visits)
    if topic == "fee":
        fee = (item.fee or "").strip()
        if not fee or fee == "不收费":
            return say("「%(item)s」不收费。", item=name)
        return say("「%(item)s」收费：%(fee)s。", item=name, fee=fee)
    raise ValueError(f"unknown topic {topic!r}; one of {GUIDE_TOPICS}")


def _contact(department: Department, *, counter: bool = False):
    """Whom to ask, for a sentence: the department with its phone (区公安分局（021-58880110）), or
    without one its name alone — or, with ``counter``, the name and 窗口 (at its service counter)."""
    if department.phone:
        return say("%(name)s（%(details)s）", name=department.name, details=department.phone)
    return say("%(name)s（窗口）", name=department.name) if counter else department.name


# --- the item's own FAQ, for the follow-up questions no guide field answers (外地人能办吗, 可以代办吗) ---

# One word for each way residents put the questions an FAQ answers, so that 外地人能办吗 meets
# 外地户口能在这里补吗 and 让家里人帮我办行吗 meets 可以请别人代查吗.
FAQ_CONCEPTS = {
    "外地户口": ("外地人", "外地户口", "外地的", "外省", "非本地", "非本市", "不是本地", "不是本市", "不是上海",
                 "不是本地户口", "不是本市户口", "不是上海户口", "没有本地户口", "没有上海户口", "户口不在本地",
                 "户口不在本市", "户口不在上海", "户口不在这里", "户口不在", "户籍不在", "本地户口", "本市户口",
                 "上海户口", "户口在外地", "外来"),
    "代办": ("代办", "代理", "代领", "代查", "代取", "代交", "代签", "委托", "帮我办", "帮忙办", "替我", "替他", "替她",
             "帮他办", "帮她办", "帮老人办", "别人代", "家人代", "让别人", "让家人", "让家里人", "请别人", "找人办",
             "让子女", "让孩子", "让儿子", "让女儿", "让亲戚", "让朋友", "子女帮", "孩子帮", "儿子帮", "女儿帮",
             "家人帮", "家里人帮", "亲戚帮", "朋友帮", "别人帮"),
    "本人": ("本人", "亲自", "自己去", "一定要去", "必须去", "要到场", "到现场"),
    "丢了": ("丢了", "丢失", "遗失", "找不到", "弄丢"),
    "过期": ("过期", "到期", "失效"),
}
_FAQ_FILLER = re.compile(r"[，。？！、,.?!\s~…]|(?:请问|问一下|我想问|那|这个|那个|能不能|可不可以|可以|能否|能|吗|呢|"
                         r"吧|啊|呀|的|了|么|要|是|在|这里|这边|还|就|都|也|我|你|怎么样|怎么办|怎么|行不行|行吗|办理|办)")


# Each concept becomes one character of Unicode's private use area, which no filler word touches.
_CONCEPT_MARKS = {word: chr(0xE000 + n) for n, word in enumerate(FAQ_CONCEPTS)}
_CONCEPT_WAYS = sorted(((way, _CONCEPT_MARKS[word]) for word, ways in FAQ_CONCEPTS.items() for way in ways),
                       key=lambda pair: len(pair[0]), reverse=True)


def _faq_form(text: str) -> str:
    text = normalize_text(text)
    for way, mark in _CONCEPT_WAYS:
        text = text.replace(way, mark)
    return _FAQ_FILLER.sub("", text)


def _grams(form: str) -> set[str]:
    return set(form) | {a + b for a, b in itertools.pairwise(form)}


def _weight(grams: set[str]) -> int:
    return sum(2 if len(gram) == 1 and 0xE000 <= ord(gram) < 0xF900 else 1 for gram in grams)  # a concept: double


def faq_concepts(text: str) -> list[str]:
    """The FAQ concepts a question names (外地户口, 代办, 本人 …)."""
    form = _faq_form(text)
    return [word for word, mark in _CONCEPT_MARKS.items() if mark in form]


FAQ_MATCH = 0.5  # the least share of the question's characters and pairs (a concept as one) an entry covers


def faq_match(faq: list[dict], question: str) -> tuple[dict, float] | None:
    """The FAQ entry asking what ``question`` asks, with its likeness (0–1), or None. Written here
    rather than with a fuzzy-matching library: what makes two such questions the same is the
    concepts above, not their spelling; what is left is the overlap of characters and pairs."""
    asked = _grams(_faq_form(question))
    if not asked:
        return None
    best = None
    for entry in faq:
        if not isinstance(entry, dict) or not entry.get("q") or not entry.get("a"):
            continue
        theirs = _grams(_faq_form(entry["q"]))
        if not theirs:
            continue
        shared = _weight(asked & theirs)
        # How much of the question the entry covers (a resident asks shorter than an FAQ is written),
        # the entry's own length breaking ties.
        likeness = (shared / _weight(asked), shared / _weight(asked | theirs))
        if shared >= 2 and (best is None or likeness > best[1]):
            best = (entry, likeness)
    return (best[0], best[1][0]) if best is not None and best[1][0] >= FAQ_MATCH else None
