"""健身指导: exercise guidance per condition or goal (plain data, no Django).

Written for this project as general, conservative advice for healthy adults and people whose
condition is stable; every guide says to ask one's family doctor first when in doubt. Intensity
uses the talk test (能说话但不能唱歌 = moderate) and the 0–10 perceived-exertion scale, which need no
equipment. ``venue_sports`` are the canonical sport names used to suggest nearby venues.
"""

from __future__ import annotations

import re
import unicodedata

GENERAL_NOTE = "以上为一般性运动建议，不能代替医生的诊疗意见；身体不适或病情不稳定时，请先咨询您的家庭医生。"

GUIDES: list[dict] = [
    {
        "key": "hypertension",
        "title": "高血压人群运动建议",
        "aliases": ["高血压", "血压高", "血压偏高", "降血压", "降压", "三高", "hypertension", "blood pressure"],
        "patterns": [r"血压.{0,4}(?:高|超标)", r"高压.{0,3}1[4-9]\d"],
        "excludes": ["低血压", "血压低", "血压偏低", "血压有点低", "low blood pressure"],
        "summary": ("规律的中等强度有氧运动有助于平稳血压。"
                    "以快走、游泳、骑车、太极拳这类节奏均匀的运动为主，避免憋气发力。"),
        "activities": [
            {"name": "快走或慢跑", "sport": "跑步", "how": "每次 30–40 分钟，步子稍快、微微出汗即可。"},
            {"name": "游泳", "sport": "游泳", "how": "以蛙泳、仰泳匀速游为主，中途可以停下休息。"},
            {"name": "太极拳、八段锦", "sport": "太极拳", "how": "动作缓慢连贯，配合自然呼吸，每次 20–30 分钟。"},
            {"name": "轻器械力量练习", "sport": "健身", "how": "小重量、多次数，每周 2 次，用力时呼气，不要憋气。"},
        ],
        "intensity": "中等强度：运动中能说完整的话但唱不了歌，自觉用力程度约 4–6 分（满分 10 分）。",
        "frequency": "每周至少 5 天，每天累计 30 分钟以上；力量练习每周 2 次。",
        "cautions": [
            "运动前测一次血压，收缩压高于 160 mmHg 或有头晕、胸闷时当天不要运动。",
            "避免举重、倒立、长时间低头等让血压骤升的动作，用力时不要屏气。",
            "服降压药的人运动后不要马上洗热水澡或突然起身，防止头晕跌倒。",
            "清晨血压高峰时段不宜剧烈运动，傍晚更合适。",
        ],
        "venue_sports": ["游泳", "健身路径", "太极拳"],
    },
    {
        "key": "diabetes",
        "title": "糖尿病人群运动建议",
        "aliases": ["糖尿病", "血糖高", "血糖", "控糖", "降糖", "二型糖尿病", "2型糖尿病", "三高", "糖尿", "diabetes",
                    "blood sugar"],
        "excludes": ["低血糖"],
        "summary": ("运动能帮助肌肉利用血糖、改善胰岛素敏感性。"
                    "有氧运动和力量练习结合效果最好，最好在饭后半小时到一小时开始。"),
        "activities": [
            {"name": "饭后快走", "sport": "跑步", "how": "三餐后 30–60 分钟开始，每次 20–30 分钟。"},
            {"name": "游泳或水中行走", "sport": "游泳", "how": "对关节友好，适合体重较大的人。"},
            {"name": "羽毛球、乒乓球", "sport": "羽毛球", "how": "以娱乐对打为主，每次 30–45 分钟，注意补水。"},
            {"name": "力量练习", "sport": "健身", "how": "弹力带或器械，大肌群为主，每周 2–3 次。"},
        ],
        "intensity": "中等强度为主，自觉用力程度 4–6 分；血糖控制稳定后可以逐步加一些较高强度的间歇。",
        "frequency": "每周至少 150 分钟，分散到 5 天以上，不要连续两天不运动。",
        "cautions": [
            "使用胰岛素或促泌剂的人，运动前后测血糖；低于 5.6 mmol/L 先吃点东西，高于 16.7 mmol/L 暂停运动。",
            "随身带糖块或饼干，出现心慌、出冷汗、手抖时立即停下并补糖。",
            "穿合脚的运动鞋和袜子，运动后检查双脚有没有磨破。",
            "有眼底病变或周围神经病变的人，避免剧烈跳跃和头低位动作，先咨询医生。",
        ],
        "venue_sports": ["游泳", "羽毛球", "健身路径"],
    },
    {
        "key": "weight_loss",
        "title": "减重运动建议",
        "aliases": ["减重", "减肥", "瘦身", "减脂", "肥胖", "超重", "体重", "掉秤", "肚子大", "大肚子", "啤酒肚",
                    "小肚子", "太胖", "有点胖", "发胖", "lose weight", "weight loss"],
        "patterns": [r"(?:想|要|能|变|怎么|如何)瘦", r"瘦(?:下来|肚子|腿|腰)"],
        "excludes": ["太瘦", "偏瘦", "增重", "增肥", "长肉", "想长胖", "怎么长胖"],
        "summary": ("减重靠饮食和运动一起用力。"
                    "运动上以能坚持的有氧运动为基础，加上力量练习保住肌肉；体重较大时先选对膝盖压力小的项目。"),
        "activities": [
            {"name": "游泳", "sport": "游泳", "how": "水的浮力减轻关节负担，适合体重较大时起步。"},
            {"name": "快走、慢跑", "sport": "跑步", "how": "从快走开始，能连续走 45 分钟后再加入慢跑。"},
            {"name": "羽毛球、篮球等球类", "sport": "羽毛球", "how": "和朋友约场更容易坚持，注意热身。"},
            {"name": "力量练习", "sport": "健身", "how": "深蹲、俯卧撑、划船等，每周 2–3 次。"},
        ],
        "intensity": "中等到较高强度，自觉用力程度 5–7 分；体能提高后可以加入间歇训练。",
        "frequency": "每周 200–300 分钟有氧运动，外加 2–3 次力量练习。",
        "cautions": [
            "体重指数（BMI）在 28 以上时，先不要大量跑跳，从游泳、快走、骑车开始。",
            "每周减重以 0.5–1 公斤为宜，过快减重容易反弹并损失肌肉。",
            "运动后不用“奖励”自己高热量食物，注意补水。",
        ],
        "venue_sports": ["游泳", "羽毛球", "健身"],
    },
    {
        "key": "older_adults",
        "title": "老年人运动建议",
        "aliases": ["老年人", "老人", "老年", "爷爷", "奶奶", "退休", "上了年纪", "年纪大", "岁数大", "老伴", "防跌倒",
                    "elderly", "older adults", "senior"],
        "ages": (60, 130),
        "summary": "年纪大了更要动：把有氧、力量和平衡练习结合起来，可以保持行动能力、减少跌倒。量力而行，贵在坚持。",
        "activities": [
            {"name": "散步、快走", "sport": "跑步", "how": "每天 30 分钟左右，可以分两三次完成。"},
            {"name": "太极拳、八段锦、广场舞", "sport": "太极拳", "how": "练平衡、练协调，结伴练习更容易坚持。"},
            {"name": "健身苑点器械", "sport": "健身路径", "how": "选择坐姿或扶握类器械，动作放慢，不追求幅度。"},
            {"name": "游泳或水中行走", "sport": "游泳", "how": "关节不好时的好选择，注意防滑。"},
        ],
        "intensity": "中等强度为主，自觉用力程度 3–5 分；身体状况好的可以适当提高。",
        "frequency": "每周 150 分钟左右的活动，平衡和力量练习每周至少 3 次。",
        "cautions": [
            "运动前做 5–10 分钟热身，穿防滑鞋，避开湿滑地面和高温时段。",
            "有心脑血管病、骨质疏松或刚做过手术的，先请家庭医生评估。",
            "避免快速转头、弯腰低头和突然起身；出现胸闷、头晕立即停下休息。",
            "尽量结伴锻炼，随身带手机和常用药。",
        ],
        "venue_sports": ["健身路径", "太极拳", "游泳"],
    },
    {
        "key": "knee",
        "title": "膝关节不适（膝骨关节炎等）运动建议",
        "aliases": ["膝关节", "膝盖", "膝盖疼", "膝盖痛", "关节炎", "骨关节炎", "半月板", "膝", "knee", "arthritis"],
        "summary": "膝盖不舒服并不等于不能动。加强大腿肌肉、选择膝盖受冲击小的运动，反而能减轻疼痛、保护关节。",
        "activities": [
            {"name": "游泳、水中行走", "sport": "游泳", "how": "首选项目；蛙泳蹬腿如果引起不适，可改自由泳或仰泳。"},
            {"name": "平地快走", "sport": "跑步", "how": "选平坦路面，穿有缓冲的鞋，疼痛加重就缩短时间。"},
            {"name": "大腿力量练习", "sport": "健身", "how": "坐姿伸膝、靠墙浅蹲（膝盖不超过脚尖），每组 10–15 次。"},
        ],
        "intensity": "低到中等强度，以运动时和运动后 24 小时内疼痛不明显加重为准。",
        "frequency": "有氧运动每周 3–5 次，力量练习每周 2–3 次。",
        "cautions": [
            "少做爬山、爬楼梯、深蹲、跳跃和长时间跪坐。",
            "关节红肿、发热或疼痛明显加重时先停止运动，及时就医。",
            "体重超标会加重膝盖负担，减重本身就是保护膝关节。",
        ],
        "venue_sports": ["游泳", "健身"],
    },
    {
        "key": "children",
        "title": "儿童青少年运动建议",
        "aliases": ["儿童", "孩子", "小孩", "青少年", "学生", "小朋友", "长个子", "近视", "kids", "children", "teen"],
        "ages": (3, 17),
        "summary": ("孩子每天都需要足够的户外活动。"
                    "多样的运动能帮助骨骼发育、保护视力、提高专注力，关键是让孩子觉得好玩。"),
        "activities": [
            {"name": "球类运动", "sport": "篮球", "how": "篮球、足球、羽毛球、乒乓球都很好，锻炼协调和反应。"},
            {"name": "游泳", "sport": "游泳", "how": "在有救生员的泳池、由大人陪同，循序学习。"},
            {"name": "跳绳、跑跳游戏", "sport": "跑步", "how": "每天课间和放学后的户外活动就很有价值。"},
        ],
        "intensity": "以中等到较高强度为主，玩到出汗、有点喘为好。",
        "frequency": "每天累计至少 60 分钟，其中每周至少 3 天有较剧烈的运动；每天户外活动 2 小时有助于预防近视。",
        "cautions": [
            "不建议过早进行大重量的负重训练，以自身体重练习为主。",
            "运动前热身，夏季注意防暑补水。",
            "游泳必须有成人看护，不去野外水域。",
        ],
        "venue_sports": ["篮球", "足球", "游泳", "羽毛球"],
    },
    {
        "key": "back_neck",
        "title": "颈肩腰不适（久坐人群）运动建议",
        "aliases": ["颈椎", "腰椎", "腰痛", "腰疼", "肩颈", "颈肩", "久坐", "上班族", "腰肌劳损", "back pain", "neck"],
        "summary": ("长时间坐着不动是颈肩腰不舒服的常见原因。"
                    "每小时站起来活动几分钟，再加上游泳和核心力量练习，往往比一味休息更有效。"),
        "activities": [
            {"name": "游泳（自由泳、仰泳）", "sport": "游泳", "how": "舒展肩背，每次 30 分钟左右。"},
            {"name": "核心与背部力量", "sport": "健身", "how": "平板支撑、臀桥、鸟狗式，每周 2–3 次。"},
            {"name": "羽毛球、乒乓球", "sport": "乒乓球", "how": "活动肩颈、放松心情，注意先热身。"},
            {"name": "瑜伽、拉伸", "sport": "瑜伽", "how": "缓慢拉伸胸、肩、髋部，不追求幅度。"},
        ],
        "intensity": "低到中等强度，运动中不应出现放射到手臂或腿的疼痛、麻木。",
        "frequency": "工作时每坐 1 小时起身活动 3–5 分钟；有氧和力量练习每周 3 次以上。",
        "cautions": [
            "出现手脚麻木、无力或夜间疼痛加重，先就医检查。",
            "避免突然扭转、弯腰搬重物和快速转头。",
        ],
        "venue_sports": ["游泳", "乒乓球", "健身"],
    },
    {
        "key": "osteoporosis",
        "title": "骨质疏松人群运动建议",
        "aliases": ["骨质疏松", "骨密度低", "骨密度", "疏松", "补钙", "缺钙", "骨折", "osteoporosis", "bone"],
        "summary": "适度负重和力量练习能帮助维持骨量，平衡练习能减少跌倒骨折。选择安全、稳定的动作，循序渐进。",
        "activities": [
            {"name": "快走", "sport": "跑步", "how": "脚踏实地的负重运动，每天 30 分钟。"},
            {"name": "太极拳", "sport": "太极拳", "how": "练平衡和下肢力量，降低跌倒风险。"},
            {"name": "轻负重力量练习", "sport": "健身", "how": "弹力带、小哑铃，在指导下进行。"},
        ],
        "intensity": "低到中等强度；力量练习以能完成 10–15 次为宜。",
        "frequency": "负重有氧每周 3–5 次，力量和平衡练习每周 2–3 次。",
        "cautions": [
            "避免弯腰扭转、仰卧起坐、跳跃和有碰撞风险的运动。",
            "已经发生过骨折的，先请医生评估后再制定运动计划。",
        ],
        "venue_sports": ["太极拳", "健身路径", "健身"],
    },
    {
        "key": "lipids",
        "title": "血脂异常（高血脂）人群运动建议",
        "aliases": ["高血脂", "血脂高", "血脂偏高", "血脂", "降血脂", "降脂", "胆固醇", "甘油三酯", "三高", "脂肪肝",
                    "cholesterol", "lipids"],
        "patterns": [r"血脂.{0,4}(?:高|超标)"],
        "summary": ("规律的有氧运动能降低甘油三酯、提高“好胆固醇”（高密度脂蛋白），"
                    "和饮食控制、医生开的药一起，效果比单靠哪一样都好。"),
        "activities": [
            {"name": "快走、慢跑", "sport": "跑步", "how": "每次 30–60 分钟，微微出汗、呼吸加快为宜。"},
            {"name": "游泳", "sport": "游泳", "how": "全身有氧，体重较大或膝盖不好时的好选择。"},
            {"name": "羽毛球、乒乓球", "sport": "羽毛球", "how": "约上朋友更容易坚持，先热身。"},
            {"name": "力量练习", "sport": "健身", "how": "大肌群为主，每周 2 次，和有氧运动搭配。"},
        ],
        "intensity": "中等强度：能说完整的话但唱不了歌，自觉用力程度约 4–6 分（满分 10 分）。",
        "frequency": "每周 150–300 分钟有氧运动，分到 5 天以上；力量练习每周 2 次。",
        "cautions": [
            "服降脂药（如他汀）期间出现说不清原因的肌肉酸痛、无力，先停练并告诉医生。",
            "同时有高血压、糖尿病或心脏病的，按其中要求更严的一项安排运动，先请家庭医生评估。",
            "运动不能代替饮食控制和医生开的药，不要自行停药。",
        ],
        "venue_sports": ["游泳", "羽毛球", "健身路径"],
    },
    {
        "key": "heart",
        "title": "心脏病（病情稳定）人群运动建议",
        "aliases": ["心脏病", "心脏不好", "心脏", "冠心病", "心梗", "心肌梗死", "心绞痛", "放支架", "支架", "搭桥",
                    "心衰", "心功能不全", "心律不齐", "早搏", "房颤", "heart disease", "heart problem"],
        "summary": ("病情稳定的心脏病人适度运动有益（心脏康复），但能练多少因人而异："
                    "先请医生评估（最好做一次运动负荷试验）再开始，从低强度起步，慢慢加量。"),
        "activities": [
            {"name": "散步、快走", "sport": "跑步", "how": "从每次 10–15 分钟开始，逐步加到 30–40 分钟。"},
            {"name": "太极拳、八段锦", "sport": "太极拳", "how": "动作缓慢、呼吸自然，不要憋气。"},
            {"name": "健身苑点器械", "sport": "健身路径", "how": "选坐姿、轻阻力的器械，动作放慢。"},
        ],
        "intensity": "低到中等强度：运动中能正常说话，自觉用力程度约 3–5 分；医生给了心率范围的按医生说的来。",
        "frequency": "每周 3–5 天，每次 20–40 分钟，前后各留 5–10 分钟热身和放松。",
        "cautions": [
            "出现胸痛、胸闷、气短、心慌、头晕或出冷汗，立即停下休息；几分钟不缓解，马上拨打 120。",
            "近期心梗、放支架或搭桥术后，心衰、心律失常没控制住的，只在医院心脏康复的指导下运动。",
            "不做憋气发力、举重物的动作；冬天清晨、饭后马上和闷热天不要剧烈运动。",
            "随身带医生开的急救药（如硝酸甘油），不要独自到偏僻处锻炼。",
        ],
        "venue_sports": ["太极拳", "健身路径"],
    },
    {
        "key": "pregnancy",
        "title": "孕期运动建议",
        "aliases": ["孕妇", "怀孕", "孕期", "怀宝宝", "准妈妈", "孕早期", "孕中期", "孕晚期", "pregnant", "pregnancy"],
        "patterns": [r"怀孕?了?\s*\d{1,2}\s*(?:周|个月)", r"孕\s*\d{1,2}\s*周"],
        "summary": ("没有医学禁忌的孕妇适度运动有益：能减少孕期体重增长过多和妊娠糖尿病，也有助于顺利分娩。"
                    "开始或改变运动前，先问一下产科医生。"),
        "activities": [
            {"name": "散步", "sport": "跑步", "how": "每天 20–30 分钟，平坦路面，穿舒适的鞋。"},
            {"name": "游泳、水中行走", "sport": "游泳", "how": "水的浮力减轻腰背负担，注意池边防滑。"},
            {"name": "孕妇操、拉伸", "sport": "瑜伽", "how": "动作轻柔，不做过度扭转和压腹的动作。"},
        ],
        "intensity": "中等强度：运动中能正常说话；以前没有运动习惯的，从低强度开始。",
        "frequency": "每周约 150 分钟，分散到多数日子，每次 20–30 分钟。",
        "cautions": [
            "不做有碰撞、摔倒风险的运动（篮球、足球、骑马、滑雪等），不潜水。",
            "孕中晚期避免长时间平躺做运动，也不要久站不动。",
            "出现阴道流血或流液、规律宫缩、头晕、胸痛、小腿肿痛时立即停止并就医。",
            "不在高温闷热的地方运动，多补水。",
        ],
        "venue_sports": ["游泳", "健身路径"],
    },
]


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower()


_AGE = re.compile(r"(\d{1,3})\s*(?:周岁|岁)|([一二三四五六七八九])十(?:[一二三四五六七八九]|多|几)?(?:周岁|岁)")


def _ages(query: str) -> list[int]:
    """Ages the question states (我70岁了, 孩子7岁, 奶奶八十多岁 → 70, 7, 80)."""
    out = []
    for digits, tens in _AGE.findall(query):
        out.append(int(digits) if digits else 10 * ("一二三四五六七八九".index(tens) + 1))
    return out


def _score(guide: dict, query: str, ages: list[int]) -> int:
    """How well a guide fits the question: the longest of its words (or patterns) the question has,
    or the question as part of one of its words; 0 when the question says something that rules it
    out (低血压 is no question about high blood pressure)."""
    if any(_normalise(word) in query for word in guide.get("excludes", ())):
        return 0
    words = [_normalise(a) for a in guide["aliases"]] + [_normalise(guide["title"])]
    score = max((len(w) for w in words if w and (w in query or query in w)), default=0)
    for pattern in guide.get("patterns", ()):
        found = re.search(pattern, query)
        if found:
            score = max(score, len(found.group(0)))
    low, high = guide.get("ages", (None, None))
    if low is not None and any(low <= age <= high for age in ages):
        score = max(score, 3)
    return score


def search(q: str | None) -> list[dict]:
    """Guides whose title or everyday words match ``q`` (all guides when ``q`` is empty), best
    first. Each result is a copy with ``general_note`` added and ``aliases``, ``patterns``,
    ``excludes`` and ``ages`` (how it is found) left out."""
    query = _normalise(q or "")
    ages = _ages(query)
    scored: list[tuple[int, int, dict]] = []
    for order, guide in enumerate(GUIDES):
        score = _score(guide, query, ages) if query else 1
        if score:
            scored.append((score, order, guide))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [_public(guide) for _, _, guide in scored]


_FINDING = ("aliases", "patterns", "excludes", "ages")


def _public(guide: dict) -> dict:
    return {k: v for k, v in guide.items() if k not in _FINDING} | {"general_note": GENERAL_NOTE}


def guide(key: str) -> dict | None:
    for item in GUIDES:
        if item["key"] == key:
            return _public(item)
    return None
