"""The bundled catalogue: at least 300 complete items over every area the district serves; demo
applications in every state; loading twice changes nothing."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q

from portal.accounts.actions import phone_index
from services import demo
from services.models import Application, LifeEvent, Material, ResidentLicence, ServiceItem

pytestmark = pytest.mark.django_db

AREAS = {
    "identity and household": ["居民身份证首次申领", "居民身份证到期换领", "居民身份证丢失补领", "临时居民身份证申领",
                               "户口迁入本市（投靠亲属）", "户口迁出", "死亡人员户口注销", "上海市居住证办理",
                               "上海市居住证积分申请", "往来港澳通行证及签注办理", "普通护照首次申领"],
    "marriage and birth": ["结婚登记（内地居民）", "离婚登记", "补领结婚证或离婚证", "生育登记", "出生医学证明首次签发",
                           "新生儿出生户口登记", "新生儿医保参保", "社会保障卡申领", "预防接种证办理与补办"],
    "education": ["幼儿园新生入园报名", "小学一年级新生入学报名", "初中预备年级入学", "来沪人员随迁子女义务教育入学",
                  "学籍信息变更和学籍证明开具"],
    "employment and social insurance": ["就业登记", "失业登记", "失业保险金申领", "灵活就业人员社会保险登记及缴费",
                                        "社会保障卡补换", "社会保障卡挂失", "社会保障卡密码重置",
                                        "社会保险缴费证明（参保证明）打印", "职工退休（养老金）申领", "工伤认定申请",
                                        "劳动人事争议仲裁申请", "人才引进落户"],
    "medical insurance": ["城乡居民基本医疗保险参保登记", "医疗费用零星报销（门急诊）", "住院医疗费用报销",
                          "异地就医备案", "门诊大病（特殊病种）登记", "长期护理保险需求评估申请", "医疗救助申请",
                          "生育医疗费用及生育津贴申领"],
    "housing": ["住房公积金购房提取", "住房公积金贷款申请", "住房公积金异地转移接续", "公共租赁住房申请",
                "二手房买卖转移登记（过户）", "住房租赁合同网签备案", "住宅专项维修资金使用申请", "居民用水新装和过户",
                "居民用电新装、增容和过户", "居民燃气开通和过户"],
    "civil affairs": ["最低生活保障申请（低保）", "特困人员救助供养申请", "临时救助申请", "老年综合津贴申领",
                      "残疾人证办理（新办）", "困难残疾人生活补贴和重度残疾人护理补贴", "收养登记",
                      "惠民殡葬服务补贴（基本殡葬服务费减免）"],
    "transport": ["驾驶证有效期满换证", "驾驶证遗失补证", "机动车检验合格标志核发（年检）", "交通违法处理和罚款缴纳",
                  "电动自行车登记上牌"],
    "legal": ["法律援助申请", "出生、亲属关系等涉外公证", "无犯罪记录证明开具", "亲属关系证明开具"],
    "business": ["有限责任公司设立登记", "个体工商户注册登记", "企业变更登记（名称、地址、法定代表人、经营范围等）",
                 "企业注销登记（含简易注销）", "营业执照遗失补领和换领", "食品经营许可证核发",
                 "新办纳税人涉税事项套餐（税务信息确认）", "发票领用和数电发票开通", "个人所得税综合所得年度汇算"],
    "dogs": ["犬只登记（办狗证）"],
    "foreigners": ["外国人来华工作许可", "境外人员住宿登记"],
    "veterans": ["退役军人安置和报到", "退役军人优待证申领"],
}


@pytest.fixture
def loaded():
    demo.load_catalogue()


def test_the_bundled_catalogue_has_at_least_300_complete_items(loaded):
    items = ServiceItem.objects.annotate(materials_count=Count("materials"), locations_count=Count("locations",
                                                                                                   distinct=True))
    assert items.count() >= 300
    incomplete = items.filter(Q(materials_count=0) | Q(locations_count=0) | Q(promised_limit_days=None)
                              | Q(legal_limit_days=None) | Q(visits_required=None) | Q(legal_basis="")
                              | Q(steps=[]) | Q(faq=[]) | Q(aliases=[]) | Q(fee=""))
    assert list(incomplete.values_list("code", flat=True)) == []
    assert not ServiceItem.objects.filter(life_events=None).exists()


def test_every_area_the_issue_lists_is_covered_and_materials_say_what_to_bring(loaded):
    names = set(ServiceItem.objects.values_list("name", flat=True))
    missing = {area: [n for n in wanted if n not in names] for area, wanted in AREAS.items()}
    assert {area: gaps for area, gaps in missing.items() if gaps} == {}
    assert Material.objects.filter(requirement="conditional").exclude(condition="").count() > 50
    assert Material.objects.exclude(licence_type=None).count() > 200
    assert Material.objects.filter(copies__gt=1).exists()
    assert set(Material.objects.values_list("form", flat=True)) >= {"original", "copy", "electronic", "form"}
    assert ServiceItem.objects.filter(online=True).exclude(online_url="").count() > 100
    assert ServiceItem.objects.filter(visits_required=0).count() > 50
    assert not ServiceItem.objects.filter(visits_required=0, online=False).exists()  # 全程网办 is online
    assert LifeEvent.objects.filter(items__isnull=False).distinct().count() >= 20


def test_demo_loading_is_idempotent_and_gives_applications_in_every_state():
    from portal.accounts import demo as accounts_demo

    accounts_demo.load()
    demo.load()
    counts = (ServiceItem.objects.count(), Material.objects.count(), Application.objects.count(),
              ResidentLicence.objects.count())
    demo.load()
    assert (ServiceItem.objects.count(), Material.objects.count(), Application.objects.count(),
            ResidentLicence.objects.count()) == counts
    assert set(Application.objects.values_list("status", flat=True)) == set(Application.Status.values)
    assert Application.objects.filter(user__phone_index=phone_index("13900000001")).count() >= 2
    # An item not handled online (身份证补领, 居住证办理) was registered at a service hall's window.
    counter = Application.objects.filter(item__online=False)
    assert counter.exists() and set(counter.values_list("channel", flat=True)) == {"counter"}


def test_the_demo_clerk_processes_only_the_applications_of_their_department():
    from portal.accounts import demo as accounts_demo
    from portal.accounts import roles
    from portal.accounts.models import User
    from portal.core import demo as all_demos
    from services import queries

    accounts_demo.load()
    demo.load()
    clerk = User.objects.get(username="clerk")
    assert clerk.has_role(roles.SERVICE_CLERK) and not clerk.is_superuser
    assert list(clerk.clerk_departments.values_list("name", flat=True)) == ["区公安分局"]
    seen = queries.applications_for_staff(staff=clerk)
    assert seen.exists() and set(seen.values_list("item__department__name", flat=True)) == {"区公安分局"}
    assert seen.count() < Application.objects.count()
    assert not queries.applications_for_staff(staff=User.objects.get(username="editor")).exists()
    listed = next(s for s in all_demos.accounts()["staff"] if s["username"] == "clerk")
    assert listed["departments"] == ["区公安分局"] and listed["password"] == "demo-clerk-2026"



# What a file's defaults say about where and how to apply belongs to one department.
_DEPARTMENT_BOUND = ("steps", "faq", "locations", "online_url")


@pytest.mark.parametrize("path", sorted(demo.FIXTURES.glob("catalogue-*.yaml")), ids=lambda p: p.name)
def test_an_item_of_another_department_does_not_inherit_a_files_steps_places_or_links(path):
    """A file whose defaults name a department's steps, places, FAQ or web address: an item of
    another department in it says its own (犬只登记 once told residents to go to the veterans'
    service centre and linked to their site)."""
    data = demo._yaml(path.name)
    defaults = data.get("defaults", {})
    bound = [key for key in _DEPARTMENT_BOUND if defaults.get(key)]
    wrong = [(entry["code"], key) for entry in data["items"]
             if entry.get("department", defaults.get("department")) != defaults.get("department")
             for key in bound if key not in entry]
    assert not wrong, wrong
