"""Demo venues across Pudong towns (fictitious names, plausible coordinates), their courts, and
bookable slots for the coming days. Idempotent: venues and courts by natural key, slots by
(court, start); running it again only adds the slots of newly reached days.

For the staff heat map to show something on a fresh install, the venues the demo venue manager
runs get 14 days of *past* slots whose taken places follow a plausible daily pattern. These are
demo history only: they have no booking rows behind them (no resident booked them).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from booking import actions
from booking.models import Court, Slot, Venue
from portal.accounts.models import User

ORDER = 50

WEEK_CENTRE = {**{str(d): [["09:00", "21:00"]] for d in range(1, 6)}, "6": [["08:00", "21:00"]],
               "7": [["08:00", "21:00"]], "holiday": [["09:00", "18:00"]]}
WEEK_POOL = {**{str(d): [["10:00", "21:00"]] for d in range(1, 6)}, "6": [["08:30", "21:00"]],
             "7": [["08:30", "21:00"]], "holiday": [["09:00", "18:00"]]}
WEEK_SCHOOL = {**{str(d): [["18:00", "21:00"]] for d in range(1, 6)}, "6": [["08:00", "12:00"], ["13:00", "17:00"]],
               "7": [["08:00", "12:00"], ["13:00", "17:00"]], "holiday": []}
ALL_DAY = {**{str(d): [["05:30", "21:30"]] for d in range(1, 8)}, "holiday": [["05:30", "21:30"]]}

# Court templates: (sport, name prefix, count, unit, capacity, max party, minutes, price)
BADMINTON = ("羽毛球", "羽毛球{n}号场", 1, "party", 1, 4, 60, "40")
POOL = ("游泳", "游泳池", 1, "person", 60, 4, 90, "25")
BASKETBALL = ("篮球", "篮球{n}号场", 1, "party", 1, 10, 60, "80")
TENNIS = ("网球", "网球{n}号场", 1, "party", 1, 4, 60, "60")
TABLE_TENNIS = ("乒乓球", "乒乓球{n}号台", 1, "party", 1, 4, 60, "15")
GYM = ("健身", "健身房", 1, "person", 30, 1, 120, "15")
FOOTBALL = ("足球", "五人制足球{n}号场", 1, "party", 1, 14, 90, "200")

# (name, town, address, lat, lng, kind, hours, is_free, phone, [(template, count), ...], extra sports)
VENUES: list[tuple] = [
    ("张江镇市民健身中心", "张江镇", "张江镇祖冲之路 1500 号", 31.2036, 121.5906, "centre", WEEK_CENTRE, False,
     "021-5080 0101", [(BADMINTON, 6), (TABLE_TENNIS, 4), (GYM, 1)], []),
    ("张江科学城游泳馆", "张江镇", "张江镇科苑路 399 号", 31.2071, 121.5985, "centre", WEEK_POOL, False,
     "021-5080 0102", [(POOL, 1)], []),
    ("张江中区社区篮球场", "张江镇", "张江镇晨晖路 88 号", 31.1998, 121.5861, "centre", WEEK_CENTRE, True,
     "021-5080 0103", [(BASKETBALL, 2)], []),
    ("张江高科健身苑", "张江镇", "张江镇郭守敬路旁绿地", 31.2058, 121.5833, "fitness_point", ALL_DAY, True, "",
     [], ["健身路径", "太极拳", "广场舞"]),
    ("陆家嘴金融城体育中心", "陆家嘴街道", "陆家嘴街道东昌路 500 号", 31.2352, 121.5078, "centre", WEEK_CENTRE, False,
     "021-5887 0201", [(BADMINTON, 8), (TENNIS, 2), (GYM, 1)], []),
    ("陆家嘴滨江健身步道", "陆家嘴街道", "滨江大道沿线", 31.2401, 121.4990, "fitness_point", ALL_DAY, True, "",
     [], ["跑步", "健身路径"]),
    ("花木市民体育中心", "花木街道", "花木街道锦绣路 2000 号", 31.2133, 121.5464, "centre", WEEK_CENTRE, False,
     "021-5833 0301", [(BADMINTON, 6), (BASKETBALL, 2), (TABLE_TENNIS, 4)], []),
    ("花木社区游泳池", "花木街道", "花木街道梅花路 700 号", 31.2096, 121.5532, "centre", WEEK_POOL, False,
     "021-5833 0302", [(POOL, 1)], []),
    ("世纪公园健身苑", "花木街道", "花木街道芳甸路旁", 31.2168, 121.5510, "fitness_point", ALL_DAY, True, "",
     [], ["跑步", "太极拳", "健身路径"]),
    ("川沙新镇全民健身中心", "川沙新镇", "川沙新镇华夏东路 3000 号", 31.1942, 121.7039, "centre", WEEK_CENTRE, False,
     "021-5869 0401", [(BADMINTON, 6), (POOL, 1), (BASKETBALL, 1)], []),
    ("川沙古城公园健身苑", "川沙新镇", "川沙新镇南市街旁", 31.1917, 121.6998, "fitness_point", ALL_DAY, True, "",
     [], ["太极拳", "广场舞", "健身路径"]),
    ("周浦镇体育馆", "周浦镇", "周浦镇年家浜路 180 号", 31.1127, 121.5725, "centre", WEEK_CENTRE, False,
     "021-5812 0501", [(BADMINTON, 5), (TABLE_TENNIS, 6)], []),
    ("周浦镇游泳馆", "周浦镇", "周浦镇沪南公路 3800 号", 31.1169, 121.5768, "centre", WEEK_POOL, False,
     "021-5812 0502", [(POOL, 1)], []),
    ("惠南镇市民健身中心", "惠南镇", "惠南镇人民东路 2000 号", 31.0529, 121.7601, "centre", WEEK_CENTRE, False,
     "021-5800 0601", [(BADMINTON, 6), (BASKETBALL, 2), (GYM, 1)], []),
    ("惠南镇游泳池", "惠南镇", "惠南镇城南路 200 号", 31.0488, 121.7552, "centre", WEEK_POOL, False,
     "021-5800 0602", [(POOL, 1)], []),
    ("金桥镇体育活动中心", "金桥镇", "金桥镇金皖路 600 号", 31.2566, 121.6027, "centre", WEEK_CENTRE, False,
     "021-5030 0701", [(BADMINTON, 4), (TENNIS, 2), (FOOTBALL, 1)], []),
    ("碧云社区网球场", "金桥镇", "金桥镇黄杨路 120 号", 31.2491, 121.5955, "centre", WEEK_CENTRE, False,
     "021-5030 0702", [(TENNIS, 3)], []),
    ("高桥镇文体中心", "高桥镇", "高桥镇季景路 500 号", 31.3531, 121.5760, "centre", WEEK_CENTRE, False,
     "021-5861 0801", [(BADMINTON, 4), (TABLE_TENNIS, 4), (POOL, 1)], []),
    ("高桥老街健身苑", "高桥镇", "高桥镇西街旁", 31.3498, 121.5712, "fitness_point", ALL_DAY, True, "",
     [], ["太极拳", "健身路径"]),
    ("三林镇体育中心", "三林镇", "三林镇三林路 1200 号", 31.1468, 121.4952, "centre", WEEK_CENTRE, False,
     "021-6841 0901", [(BADMINTON, 6), (BASKETBALL, 2), (FOOTBALL, 1)], []),
    ("三林滨江健身苑", "三林镇", "三林镇滨江绿地", 31.1520, 121.4870, "fitness_point", ALL_DAY, True, "",
     [], ["跑步", "健身路径"]),
    ("北蔡镇社区体育馆", "北蔡镇", "北蔡镇莲园路 300 号", 31.1878, 121.5447, "centre", WEEK_CENTRE, False,
     "021-5891 1001", [(BADMINTON, 4), (TABLE_TENNIS, 4)], []),
    ("唐镇市民运动中心", "唐镇", "唐镇创新中路 100 号", 31.2128, 121.6541, "centre", WEEK_CENTRE, False,
     "021-5897 1101", [(BADMINTON, 4), (POOL, 1), (GYM, 1)], []),
    ("曹路镇体育馆", "曹路镇", "曹路镇民冬路 800 号", 31.2748, 121.6692, "centre", WEEK_CENTRE, False,
     "021-5876 1201", [(BADMINTON, 4), (BASKETBALL, 1)], []),
    ("曹路镇健身苑", "曹路镇", "曹路镇金海路旁", 31.2785, 121.6650, "fitness_point", ALL_DAY, True, "",
     [], ["健身路径", "广场舞"]),
    ("洋泾街道文体中心", "洋泾街道", "洋泾街道羽山路 300 号", 31.2447, 121.5336, "centre", WEEK_CENTRE, False,
     "021-5885 1301", [(BADMINTON, 3), (TABLE_TENNIS, 4)], []),
    ("塘桥社区游泳池", "塘桥街道", "塘桥街道南泉路 1100 号", 31.2171, 121.5188, "centre", WEEK_POOL, False,
     "021-5882 1401", [(POOL, 1)], []),
    ("潍坊新村街道健身苑", "潍坊新村街道", "潍坊新村街道潍坊路旁", 31.2281, 121.5291, "fitness_point", ALL_DAY, True,
     "", [], ["健身路径", "太极拳"]),
    ("康桥镇体育中心", "康桥镇", "康桥镇秀沿路 1500 号", 31.1490, 121.5818, "centre", WEEK_CENTRE, False,
     "021-5813 1501", [(BADMINTON, 5), (TENNIS, 2)], []),
    ("周家渡街道市民球场", "周家渡街道", "周家渡街道云台路 900 号", 31.1843, 121.4987, "centre", WEEK_CENTRE, True,
     "021-5883 1601", [(BASKETBALL, 2), (FOOTBALL, 1)], []),
    ("高行镇文体活动中心", "高行镇", "高行镇东靖路 2000 号", 31.2958, 121.6121, "centre", WEEK_CENTRE, False,
     "021-5864 1701", [(BADMINTON, 4), (TABLE_TENNIS, 3)], []),
    ("祝桥镇全民健身中心", "祝桥镇", "祝桥镇亭中路 300 号", 31.1563, 121.7555, "centre", WEEK_CENTRE, False,
     "021-5810 1801", [(BADMINTON, 4), (BASKETBALL, 1)], []),
    ("航头镇市民运动场", "航头镇", "航头镇航都路 100 号", 31.0431, 121.6049, "centre", WEEK_CENTRE, True,
     "021-5822 1901", [(BASKETBALL, 2), (TABLE_TENNIS, 2)], []),
    ("建平中学体育场（学校开放）", "洋泾街道", "洋泾街道崮山路 517 号", 31.2399, 121.5386, "school", WEEK_SCHOOL, True,
     "021-5885 2001", [(BASKETBALL, 2), (FOOTBALL, 1)], ["跑步"]),
    ("张江实验小学操场（学校开放）", "张江镇", "张江镇松涛路 200 号", 31.2012, 121.5952, "school", WEEK_SCHOOL, True,
     "021-5080 2101", [(BASKETBALL, 1)], ["跑步"]),
    ("惠南东城区健身苑", "惠南镇", "惠南镇东门大街旁", 31.0561, 121.7660, "fitness_point", ALL_DAY, True, "",
     [], ["健身路径", "广场舞", "太极拳"]),
]

# The demo venue manager ("venue", see portal/accounts/demo.py) runs these.
MANAGED_BY_DEMO_MANAGER = ["张江镇市民健身中心", "张江科学城游泳馆", "花木市民体育中心"]
FACILITIES = {
    "centre": ["更衣室", "淋浴", "饮水点", "停车场"], "school": ["饮水点"], "fitness_point": ["健身器材", "座椅"],
}


def load() -> None:
    with transaction.atomic():
        for name, town, address, lat, lng, kind, hours, is_free, phone, courts, extra in VENUES:
            sports = list(dict.fromkeys([t[0] for t, _ in courts] + extra))
            venue, _ = Venue.objects.get_or_create(name=name, defaults={
                "town": town, "address": address, "lat": lat, "lng": lng, "kind": kind, "opening_hours": hours,
                "is_free": is_free, "phone": phone, "sports": sports, "facilities": FACILITIES[kind],
                "description": f"{town}的公共体育设施，实名预约，不可转让。" if kind != "fitness_point"
                else f"{town}的室外健身苑点，免费开放，无需预约。",
            })
            for template, count in courts:
                sport, pattern, _, unit, capacity, max_party, minutes, price = template
                for n in range(1, count + 1):
                    Court.objects.get_or_create(venue=venue, name=pattern.format(n=n), defaults={
                        "sport": sport, "unit": unit, "capacity": capacity, "max_party_size": max_party,
                        "slot_minutes": minutes, "price": Decimal("0") if is_free else Decimal(price)})
        manager = User.objects.filter(username="venue").first()
        if manager is not None:
            manager.managed_venues.add(*Venue.objects.filter(name__in=MANAGED_BY_DEMO_MANAGER))
    actions.slots_generate()
    _demo_history(days=14)


def _demo_history(*, days: int) -> None:
    """Past slots with a plausible share of places taken, for the managed venues' heat map."""
    from django.db import connection

    ops = connection.ops
    today = timezone.localdate()
    for venue in Venue.objects.filter(name__in=MANAGED_BY_DEMO_MANAGER).prefetch_related("courts"):
        if Slot.objects.filter(venue=venue, start__lt=timezone.now() - dt.timedelta(days=1)).exists():
            continue
        rng = random.Random(venue.pk)
        rows = []
        for offset in range(days, 0, -1):
            date = today - dt.timedelta(days=offset)
            weekend = date.isoweekday() >= 6
            opens = ops.adapt_datetimefield_value(actions._opens_at(venue, date))
            for court in venue.courts.all():
                for start, end in actions._slot_times(court=court, venue=venue, date=date):
                    hour = timezone.localtime(start).hour
                    busy = (0.85 if 18 <= hour < 21 else 0.7 if weekend and 9 <= hour < 18
                            else 0.35 if 12 <= hour < 14 else 0.2)
                    taken = sum(rng.random() < busy for _ in range(court.capacity))
                    rows.append((court.pk, venue.pk, court.sport, ops.adapt_datetimefield_value(start),
                                 ops.adapt_datetimefield_value(end), opens, court.capacity, court.capacity - taken,
                                 ops.adapt_decimalfield_value(court.price, 8, 2), Slot.State.OPEN.value, ""))
        actions._insert_slot_rows(rows)


def annotate(data: dict) -> None:
    for staff in data.get("staff", []):
        if staff.get("username") == "venue":
            staff["venues"] = MANAGED_BY_DEMO_MANAGER
