"""A synthetic organisation for benchmarks: a complete reports repository built to SPEC §2–§4.

    python benchmarks/synth.py OUT_DIR --reports N [--units 50] [--years K] [--seed S] [--git]

Writes ``OUT_DIR/submissions/_org.yml`` (units in a parent hierarchy, leaders, reporters,
periodic duties) and N reports of every type with Chinese text drawn from phrase pools
(1–4 KB bodies with the required sections): incident chains 初报 → 续报 → 终报, periodic
reports for every owed period (a few missing, a few late), inspections, tasks, credit
information, work information and feedback (批示/采用/退回); some restricted, draft and
anonymous. ``shangbao check --as-of <as_of>`` finds no errors and no warnings in it, only
the deliberate notices: late (R303) and concealed (R304) incidents, late periodic reports,
and, with ``--git``, a few backdated reports (R305).

With ``--git`` the files are committed through one ``git fast-import`` stream: reports are
grouped into commits of at most 20 minutes of submissions, each committed within 30
minutes of its ``reported_at`` (so received ≈ reported), a few committed hours later
(backdated), and a few revised by a later commit.

Also copies ``mkdocs.yml`` and ``templates/`` from the project (if present) so that
``shangbao --root OUT_DIR build`` has what the site needs, and writes ``OUT_DIR/synth.json``
(as_of, years, counts) for ``benchmarks/run.py``. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import periods  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = dt.datetime(2026, 11, 27, 12, 0, tzinfo=TZ)
VAGUE = ["听说", "据说", "可能", "或许", "也许", "好像", "好象", "差不多", "大概", "估计"]
FORBIDDEN = VAGUE + ["秘密", "机密", "绝密", "<", "javascript"]
DEADLINES = {"weekly": dt.timedelta(hours=12), "monthly": dt.timedelta(days=3),
             "quarterly": dt.timedelta(days=5), "annual": dt.timedelta(days=15)}
PERIODIC_LABEL = {"weekly": "周报", "monthly": "月报", "quarterly": "季报", "annual": "年报"}
PER_YEAR = {"weekly": 52, "monthly": 12, "quarterly": 4, "annual": 1}

# --------------------------------------------------------------------------- pools

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建国 建华 志强 海燕 晓东 晓峰 玉兰 红梅 "
         "国庆 春燕 文博 子涵 浩然 雨萱 思远 嘉怡 宇航 欣怡 俊杰 梓萱 明轩 诗涵 立新 卫东 振华 秀兰 淑芬 德明").split()

DEPARTMENTS = [
    ("anjianke", "安全生产监督管理股"), ("jiuyuanke", "应急救援股"), ("fangzaike", "防灾减灾股"),
    ("weihuake", "危险化学品监管股"), ("zhifadui", "综合行政执法大队"), ("zhihuizhongxin", "应急指挥中心"),
    ("fanghuoban", "森林防火办公室"), ("fangxunban", "防汛抗旱办公室"), ("kuangshanke", "非煤矿山监管股"),
    ("xinxike", "信息化与宣传股"),
]
TOWNS = [
    ("chengguan", "城关"), ("dongcheng", "东城"), ("xicheng", "西城"), ("nanshan", "南山"), ("beihu", "北湖"),
    ("qinghe", "清河"), ("shuangqiao", "双桥"), ("baishui", "白水"), ("huangtu", "黄土"), ("longquan", "龙泉"),
    ("taiping", "太平"), ("xinglong", "兴隆"), ("changle", "长乐"), ("yongan", "永安"), ("fuxing", "复兴"),
    ("jinshan", "金山"), ("shiqiao", "石桥"), ("hongqi", "红旗"), ("dashan", "大山"), ("xiaohe", "小河"),
    ("qingshui", "清水"), ("songlin", "松林"), ("meihua", "梅花"), ("taoyuan", "桃源"), ("liuzhuang", "柳庄"),
    ("gaoping", "高坪"), ("lianhua", "莲花"), ("wangjia", "王家"), ("zhoujia", "周家"), ("majia", "马家"),
    ("hexi", "河西"), ("hedong", "河东"), ("shanyang", "山阳"), ("pingan", "平安"), ("xinan", "新安"),
    ("guanyin", "观音"), ("tianxin", "天心"), ("yunfeng", "云峰"), ("baiyun", "白云"), ("jiangkou", "江口"),
]
PLACES = ["G205国道{n}公里处", "县城{road}与{road2}交叉口", "{town}镇{village}村", "{town}工业园区{company}厂区",
          "{town}镇农贸市场", "{road}{n}号商住楼", "{town}高速收费站", "{town}镇{village}村后山林地",
          "{company}仓库", "{town}中心小学", "{town}水库大坝", "县城{road}地下车库"]
ROADS = ["人民路", "解放路", "建设路", "胜利路", "迎宾大道", "滨河路", "工业大道", "文化路", "青年路", "新华街"]
VILLAGES = ["李家", "上坪", "下湾", "石门", "杨柳", "枫树", "新屯", "河口", "竹园", "双河", "三合", "马鞍"]
COMPANY_HEAD = ["宏达", "永兴", "鑫源", "华泰", "金鼎", "恒通", "瑞丰", "天成", "博远", "中兴", "顺发", "利民"]
COMPANY_TAIL = ["化工有限公司", "建材有限公司", "物流有限公司", "机械制造有限公司", "食品有限公司",
                "矿业有限公司", "燃气有限公司", "建筑工程有限公司", "纺织有限公司", "商贸有限公司"]
TAGS = ["防汛", "森林防火", "安全生产", "道路交通", "危化品", "消防", "地质灾害", "节日值守", "城镇燃气",
        "校园安全", "有限空间", "非煤矿山", "应急演练", "隐患排查"]
INCIDENT_WHAT = {
    "火灾": ["民房火灾", "厂房火灾", "车辆自燃", "仓库火情", "商铺火灾", "山林火情"],
    "交通": ["交通事故", "货车侧翻", "多车追尾", "客车碰撞事故", "危化品运输车事故"],
    "生产安全": ["高处坠落事故", "机械伤害事故", "有限空间作业事故", "物体打击事故", "触电事故"],
    "自然灾害": ["山体滑坡", "暴雨内涝", "泥石流险情", "冰雹灾害", "大风灾害"],
    "治安": ["聚集事件", "人员走失事件", "商铺纠纷事件"],
    "公共卫生": ["食物中毒事件", "学校聚集性发热事件"],
    "其他": ["燃气泄漏", "电梯困人", "桥梁护栏受损", "窨井盖缺失"],
}

S_BASIC = [
    "{time}，{place}发生{what}，{unit}接报后立即核实情况。",
    "据现场人员报告，事发地点位于{place}，周边有居民区和学校，人员密集。",
    "事件造成{deaths}人死亡、{injuries}人受伤，直接经济损失约{loss}万元，伤者已送县人民医院救治。",
    "事发时天气{weather}，能见度良好，现场道路通行受到一定影响。",
    "涉事单位为{company}，该单位近一年内接受过两次安全检查。",
    "经初步核实，现场已无被困人员，周边群众已疏散至安全区域。",
    "现场共有作业人员{n}名，均已清点到位。",
]
S_PROCESS = [
    "{time}，值班人员接到群众电话报警，随即通知辖区消防救援站和属地乡镇。",
    "第一批救援力量于接警后{m}分钟到达现场，开展侦察和处置。",
    "{leader}同志带领工作组赶赴现场，成立现场指挥部，统一调度救援力量。",
    "交警部门对事发路段实施交通管制，引导车辆绕行{road}。",
    "救援人员采取关阀断料、冷却降温等措施，现场险情于{m}分钟后得到控制。",
    "医疗急救人员在现场设立临时救护点，对伤员进行分类救治。",
    "供电、供水、燃气等部门同步到场，切断相关管线，防止次生事故。",
]
S_MEASURE = [
    "已组织{n}名救援人员、{k}台车辆参与处置，现场秩序良好。",
    "对事发单位下达停产整顿通知，责令立即开展全面隐患排查。",
    "安排专人做好伤员家属安抚工作，及时发布权威信息，回应社会关切。",
    "组织专家对周边建筑和设施进行安全评估，设置警戒区域和警示标志。",
    "要求属地乡镇加强夜间巡查，落实二十四小时值班值守制度。",
    "对全县同类场所开展为期一个月的专项排查整治。",
]
S_CAUSE = [
    "经调查组认定，事故直接原因是作业人员违规操作，未按规定佩戴防护用品。",
    "事故间接原因是企业安全生产主体责任落实不到位，安全教育培训流于形式。",
    "现场电气线路老化，长期超负荷运行，引发短路起火。",
    "驾驶员疲劳驾驶，车辆制动系统维护保养不到位，是事故发生的主要原因。",
    "连续强降雨导致山体土层饱和，坡体失稳下滑。",
    "属地监管部门日常检查频次不足，对隐患整改跟踪不够。",
]
S_RESULT = [
    "对事故责任单位依法处以罚款{loss}万元，相关责任人移交有关部门处理。",
    "对{n}名相关责任人员给予党纪政务处分，并在全县范围内通报。",
    "事发单位已完成整改，经复查验收合格后恢复生产。",
    "伤员已全部出院，善后工作处理完毕，群众情绪稳定。",
    "调查报告已报县人民政府批复，相关整改措施已落实到位。",
]
S_PROGRESS = [
    "本期共检查生产经营单位{n}家，发现一般隐患{k}处，已整改{j}处。",
    "组织开展{what2}专项检查，出动检查人员{n}人次，覆盖全部重点企业。",
    "完成{town}镇应急物资储备库补充工作，新增救援物资{n}件。",
    "开展应急演练{k}次，参演人员{n}人，检验了预案的可操作性。",
    "召开安全生产形势分析会{k}次，传达上级会议精神，部署重点工作。",
    "对辖区{n}处地质灾害隐患点开展巡查，落实群测群防责任人。",
    "完成安全生产宣传进企业、进社区、进学校活动{k}场，发放宣传资料{n}份。",
    "督促{k}家企业完成安全生产标准化建设自评工作。",
]
S_PROBLEM = [
    "部分小微企业安全投入不足，安全管理人员配备不到位。",
    "基层应急队伍装备老化，专业技能培训有待加强。",
    "个别乡镇隐患整改台账不完整，整改销号不及时。",
    "汛期临近，部分水库和山塘的监测设施仍需维护。",
    "信息报送时效性有待提高，个别单位存在迟报现象。",
    "重点时段值班值守人员力量偏紧。",
]
S_PLAN = [
    "下一步将继续深化{what2}专项整治，加大执法检查力度。",
    "计划组织开展{k}次综合应急演练，提升协同处置能力。",
    "加强与气象、水利、自然资源等部门的会商研判，及时发布预警信息。",
    "对本期发现的隐患实行挂牌督办，确保按期整改到位。",
    "完善基层应急管理网格化体系，压实属地责任。",
    "做好节假日期间安全防范和值班值守工作。",
]
S_INSPECT = [
    "检查组一行{n}人对{target}开展安全生产监督检查，重点检查了安全管理制度和现场作业情况。",
    "查阅了安全生产责任制、教育培训记录、隐患排查台账等资料。",
    "现场检查了消防设施、电气线路、特种设备和危险化学品储存场所。",
    "企业主要负责人和安全管理人员陪同检查，并就有关问题作了说明。",
]
S_FOUND = [
    "部分消防器材过期未更换，疏散通道堆放杂物。",
    "特种作业人员持证上岗率不足，个别人员证件过期。",
    "危险化学品仓库通风设施运行不正常，警示标识不全。",
    "有限空间作业未落实审批制度，现场缺少气体检测仪。",
    "安全生产教育培训记录不完整，应急预案未按要求演练。",
]
S_FIX = [
    "责令企业在{k}日内完成整改，并将整改情况书面报告。",
    "对能够立即整改的隐患，督促企业当场整改完毕。",
    "对重大隐患下达整改指令书，实行挂牌督办。",
    "整改期满后由执法大队组织复查，确保整改到位。",
]
S_TASK = [
    "接到交办事项后，本单位立即召开专题会议研究部署，明确分管领导和具体责任人。",
    "已完成现场调查和资料收集工作，形成初步处理意见。",
    "会同{town}镇人民政府和相关部门开展联合督查，推动问题解决。",
    "目前已完成工作量的{progress}%，其余工作正在按计划推进。",
    "将在办结期限前形成书面报告，报交办领导审阅。",
]
S_CREDIT_BASIC = [
    "{subject}在{what2}工作中表现突出，被评为年度安全生产先进单位。",
    "该单位建立健全了安全生产责任体系，连续三年未发生生产安全事故。",
    "经核查，{subject}存在严重违法失信行为，依法列入重大失信名单。",
    "相关信息已按规定推送至信用信息共享平台。",
]
S_VIOLATION = [
    "{subject}未按规定对从业人员进行安全生产教育和培训。",
    "{subject}未如实记录安全生产教育和培训情况，未建立事故隐患排查治理制度。",
    "检查发现该单位特种作业人员未持证上岗。",
]
S_BASIS = [
    "依据《中华人民共和国安全生产法》第九十七条的规定。",
    "依据《安全生产违法行为行政处罚办法》的有关规定。",
    "依据《危险化学品安全管理条例》第八十条的规定。",
]
S_PENALTY = [
    "决定对{subject}处以罚款人民币{n}千元，并责令限期改正。",
    "当事人已在规定期限内缴纳罚款，并提交整改报告。",
    "当事人未在法定期限内申请行政复议或提起行政诉讼。",
]
S_INFO = [
    "为切实做好{what2}工作，{unit}于{date}召开专题会议，研究部署相关工作。",
    "会议传达学习了上级有关文件精神，通报了近期全县安全生产形势。",
    "会议要求各单位提高政治站位，压实工作责任，确保各项措施落到实处。",
    "{unit}组织开展“安全生产月”宣传咨询活动，现场接受群众咨询{n}人次。",
    "本次培训共有{n}名基层应急管理人员参加，考试合格率达到百分之百。",
    "活动取得了良好效果，进一步增强了群众的安全意识和自救互救能力。",
]
S_FEEDBACK = [
    "请{unit}认真核实情况，妥善做好后续处置工作，及时续报进展。",
    "此件信息质量较高，予以采用，请继续做好信息报送工作。",
    "报告内容不够完整，请补充事件经过和处置措施后重新报送。",
    "已阅。请相关部门加强协调配合，确保群众生命财产安全。",
]
WEATHER = ["晴", "多云", "小雨", "阴", "大风"]
TOPICS2 = ["安全生产大检查", "防汛备汛", "森林防火", "危化品专项整治", "燃气安全排查", "消防安全",
           "道路交通安全", "校园周边安全", "有限空间作业", "冬春火灾防控"]
NUM_ZH = "一二三四五六七八九十"


# --------------------------------------------------------------------------- model


@dataclass
class Unit:
    id: str
    name: str
    parent: str | None
    leaders: list[str]
    reporters: list[str]
    periodic: list[str]
    since: dt.date


@dataclass
class Doc:
    unit: Unit
    type: str
    reported_at: dt.datetime
    title: str
    meta: dict  # own keys, in order (already formatted values)
    sections: list[tuple[str, list[str]]]  # heading, sentence pool (empty heading: free text)
    draft: bool = False
    classification: str = "internal"
    anonymous: bool = False
    tags: list[str] = field(default_factory=list)
    commit_at: dt.datetime | None = None  # when it reaches the repository
    revised_at: dt.datetime | None = None
    path: str = ""
    id: str = ""
    text: str = ""
    first_text: str = ""
    author: str = ""


def fmt_time(t: dt.datetime) -> str:
    return t.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def uscc(rng: random.Random) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "MA" + "".join(
        rng.choice(chars) for _ in range(7))
    total = sum(chars.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + chars[(31 - total % 31) % 31]


class Synth:
    def __init__(self, n_reports: int, n_units: int, years: int, seed: int):
        self.rng = random.Random(seed)
        self.n = n_reports
        self.years = years
        self.start = dt.date(AS_OF.year - years, 1, 1)  # whole years before this one, and this one so far
        self.units: list[Unit] = []
        self.docs: list[Doc] = []
        self.titles: set[str] = set()
        self.paths: set[str] = set()
        self.make_units(n_units)
        self.office = self.units[0]

    # ------------------------------------------------------------------ people and units

    def person(self, taken: set[str]) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in taken:
                taken.add(name)
                return name

    def make_units(self, n_units: int) -> None:
        rng, taken = self.rng, set()
        n_units = max(n_units, 3)
        n_dept = min(len(DEPARTMENTS), max(2, n_units // 5))
        specs = [("bangongshi", "办公室", None)]
        specs += [(uid, name, None) for uid, name in DEPARTMENTS[:n_dept]]
        parents = [uid for uid, _, _ in specs[1:]]
        i = 0
        while len(specs) < n_units:
            if i < len(TOWNS):
                pid, pname = TOWNS[i]
                specs.append((f"{pid}-zhan", f"{pname}镇应急管理站", parents[i % len(parents)]))
            else:
                specs.append((f"zhan-{i + 1:03d}", f"第{i + 1}应急服务站", parents[i % len(parents)]))
            i += 1
        for uid, name, parent in specs:
            leaders = [self.person(taken) for _ in range(rng.choice((1, 2, 2, 3)))]
            reporters = [self.person(taken) for _ in range(rng.choice((1, 2, 3)))]
            since = self.start
            if uid != "bangongshi" and rng.random() < 0.08:  # a unit set up during the span
                since = self.start + dt.timedelta(days=rng.randrange(30, 200))
            self.units.append(Unit(uid, name, parent, leaders, reporters, [], since))
        self.assign_periodic()

    def assign_periodic(self) -> None:
        """Periodic duties sized so that owed reports are about 35% of the reports asked for."""
        budget = 0.35 * self.n / (self.years + 0.9)
        ladder = [[], ["annual"], ["quarterly", "annual"], ["monthly", "annual"],
                  ["monthly", "quarterly", "annual"], ["weekly", "monthly"], ["weekly", "monthly", "quarterly", "annual"]]
        cost = [sum(PER_YEAR[k] for k in step) for step in ladder]
        level = {u.id: 0 for u in self.units[1:]}  # the office owes nothing
        level[self.units[1].id] = len(ladder) - 1  # one department owes every periodic type
        changed = True
        while changed:
            changed = False
            for u in self.units[2:]:
                total = sum(cost[v] for v in level.values())
                nxt = level[u.id] + 1
                if nxt < len(ladder) and total - cost[level[u.id]] + cost[nxt] <= budget:
                    level[u.id] = nxt
                    changed = True
        for u in self.units[1:]:
            u.periodic = list(ladder[level[u.id]])

    # ------------------------------------------------------------------ text

    def fill(self, sentence: str, ctx: dict) -> str:
        rng = self.rng
        values = {
            "n": rng.randrange(3, 60), "k": rng.randrange(1, 9), "j": rng.randrange(1, 5), "m": rng.randrange(8, 40),
            "road": rng.choice(ROADS), "road2": rng.choice(ROADS), "town": rng.choice(TOWNS)[1],
            "village": rng.choice(VILLAGES), "company": self.company(), "weather": rng.choice(WEATHER),
            "what2": rng.choice(TOPICS2), "leader": ctx.get("leader", "带班领导"), "progress": ctx.get("progress", 50),
        }
        values.update(ctx)
        return sentence.format(**values)

    def company(self) -> str:
        return self.rng.choice(TOWNS)[1] + self.rng.choice(COMPANY_HEAD) + self.rng.choice(COMPANY_TAIL)

    def body(self, doc: Doc, ctx: dict) -> str:
        rng = self.rng
        target = rng.randrange(1024, 4096)
        numbered = rng.random() < 0.3
        parts, size = [], 0
        paragraphs = [[] for _ in doc.sections]
        # every section gets at least one paragraph, then paragraphs go round until the size is reached
        order = list(range(len(doc.sections)))
        i = 0
        while size < target or i < len(order):
            s = order[i % len(order)]
            pool = doc.sections[s][1]
            para = "".join(self.fill(rng.choice(pool), ctx) for _ in range(rng.randrange(2, 5)))
            paragraphs[s].append(para)
            size += len(para.encode())
            i += 1
        for s, (heading, _) in enumerate(doc.sections):
            if heading:
                title = f"{NUM_ZH[s]}、{heading}" if numbered else heading
                parts.append(f"## {title}\n")
            parts.extend(p + "\n" for p in paragraphs[s])
        text = "\n".join(parts)
        for word in FORBIDDEN:
            assert word not in text, word
        return text

    # ------------------------------------------------------------------ times

    def working_time(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(self.rng.randrange(8, 18), self.rng.randrange(60)), TZ)

    def random_day(self, since: dt.date, last: dt.date | None = None) -> dt.date:
        last = last or (AS_OF.date() - dt.timedelta(days=1))
        span = (last - since).days
        return since + dt.timedelta(days=self.rng.randrange(max(span, 1)))

    def common(self, unit: Unit, rtype: str, at: dt.datetime, title: str, meta: dict,
               sections: list, **kw) -> Doc:
        base = title
        k = 2
        while title in self.titles:
            title = f"{base}（{k}）"
            k += 1
        self.titles.add(title)
        doc = Doc(unit, rtype, at, title, meta, sections, **kw)
        self.docs.append(doc)
        return doc

    def flags(self, allow_draft: bool = True) -> dict:
        r = self.rng.random()
        out = {"classification": "internal"}
        if r < 0.15:
            out["classification"] = "public"
        elif r < 0.20:
            out["classification"] = "restricted"
        if allow_draft and self.rng.random() < 0.01:
            out["draft"] = True
        if self.rng.random() < 0.02:
            out["anonymous"] = True
        if self.rng.random() < 0.5:
            out["tags"] = self.rng.sample(TAGS, self.rng.randrange(1, 4))
        return out

    # ------------------------------------------------------------------ report kinds

    def periodic_reports(self) -> None:
        rng = self.rng
        for unit in self.units:
            for kind in unit.periodic:
                current = periods.period_containing(kind, unit.since)
                if current.start < unit.since:
                    current = current.next()
                while True:
                    due = current.due(DEADLINES[kind], TZ)
                    if due > AS_OF:
                        break
                    period, current = current, current.next()
                    r = rng.random()
                    if r < 0.02:
                        continue  # missing (漏报)
                    end = period.end_at(TZ)
                    if r < 0.05:  # late (迟报)
                        at = due + dt.timedelta(minutes=rng.randrange(60, 3 * 1440))
                    else:
                        window = int(min(DEADLINES[kind].total_seconds() // 60, 2 * 1440) + 600)
                        at = end - dt.timedelta(minutes=600) + dt.timedelta(minutes=rng.randrange(window - 5))
                    if at > AS_OF - dt.timedelta(minutes=10):
                        continue
                    label = PERIODIC_LABEL[kind]
                    metrics = {"检查企业数": rng.randrange(5, 80), "发现隐患": rng.randrange(0, 60),
                               "出动人次": rng.randrange(10, 300)}
                    if rng.random() < 0.5:
                        metrics["应急演练"] = rng.randrange(0, 6)
                    title = f"{unit.name}{period.label}{label}"
                    flags = self.flags(allow_draft=False)
                    self.common(unit, kind, at, title, {"period": period.id, "metrics": metrics},
                                [("工作进展", S_PROGRESS), ("存在问题", S_PROBLEM), ("下一步计划", S_PLAN)], **flags)

    def incident_chain(self) -> int:
        rng = self.rng
        unit = rng.choice(self.units[1:])
        category = rng.choice(list(INCIDENT_WHAT))
        what = rng.choice(INCIDENT_WHAT[category])
        place = self.fill(rng.choice(PLACES), {})
        day = self.random_day(unit.since, AS_OF.date() - dt.timedelta(days=2))
        occurred = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), TZ)
        r = rng.random()
        if r < 0.01:
            delay = dt.timedelta(minutes=rng.randrange(601, 2000))  # concealed (瞒报)
        elif r < 0.05:
            delay = dt.timedelta(minutes=rng.randrange(121, 600))  # late (迟报)
        else:
            delay = dt.timedelta(minutes=rng.randrange(15, 115))
        deaths = rng.choice((0,) * 12 + (1, 1, 2, 3, 4, 11))
        injuries = rng.choice((0,) * 6 + (1, 2, 3, 5, 8, 12, 55))
        loss = rng.choice((0, 0, 1.5, 3, 8.6, 20, 45, 120, 1200, 5600))
        from_figures = "一般"
        for grade, d, i, money in (("特别重大", 30, 100, 10000), ("重大", 10, 50, 5000), ("较大", 3, 10, 1000)):
            if deaths >= d or injuries >= i or loss >= money:
                from_figures = grade
                break
        grades = ["一般", "较大", "重大", "特别重大"]
        severity = grades[max(grades.index(from_figures), rng.choice((0,) * 20 + (1,)))]
        date_zh = f"{occurred.month}月{occurred.day}日"
        base_title = f"{unit.name}关于{place}{what}的"
        leader = rng.choice(unit.leaders)
        ctx = {"time": f"{date_zh}{occurred.hour}时{occurred.minute}分", "place": place, "what": what,
               "unit": unit.name, "deaths": deaths, "injuries": injuries, "loss": loss, "leader": leader}
        own = {"occurred_at": fmt_time(occurred), "location": place, "category": category, "severity": severity,
               "deaths": deaths, "injuries": injuries, "loss": loss}
        flags = self.flags(allow_draft=False)
        flags.pop("draft", None)
        first_at = occurred + delay
        sections = [("基本情况", S_BASIC), ("事件经过", S_PROCESS), ("处置措施", S_MEASURE)]
        first = self.common(unit, "incident", first_at, base_title + f"初报（{date_zh}）",
                            {**own, "stage": "初报"}, sections, **flags)
        first.ctx = ctx
        count, at = 1, first_at
        if rng.random() < 0.5:
            at = at + dt.timedelta(minutes=rng.randrange(60, 2 * 1440))
            if at < AS_OF - dt.timedelta(hours=1):
                doc = self.common(unit, "incident", at, base_title + f"续报（{date_zh}）",
                                  {**own, "stage": "续报", "follows": first}, sections, **flags)
                doc.ctx = ctx
                count += 1
        if rng.random() < 0.6:
            at = at + dt.timedelta(days=rng.randrange(3, 30), minutes=rng.randrange(600))
            if at < AS_OF - dt.timedelta(hours=1):
                doc = self.common(unit, "incident", at, base_title + f"终报（{date_zh}）",
                                  {**own, "stage": "终报", "follows": first},
                                  sections + [("原因分析", S_CAUSE), ("处理结果", S_RESULT)], **flags)
                doc.ctx = ctx
                count += 1
        return count

    def inspection(self) -> None:
        rng = self.rng
        unit = rng.choice(self.units[1:])
        day = self.random_day(unit.since)
        at = self.working_time(day)
        on = day - dt.timedelta(days=rng.randrange(0, 4))
        target = self.company()
        found = rng.randrange(0, 25)
        fixed = rng.randrange(0, found + 1)
        self.common(unit, "inspection", at, f"{unit.name}对{target}的监督检查情况（{on.month}月{on.day}日）",
                    {"inspected_on": on.isoformat(), "target": target, "hazards_found": found, "hazards_fixed": fixed},
                    [("检查情况", S_INSPECT), ("发现问题", S_FOUND), ("整改要求", S_FIX)], **self.flags()).ctx = {
                        "target": target}

    def task(self) -> None:
        rng = self.rng
        unit = rng.choice(self.units[1:])
        day = self.random_day(unit.since)
        at = self.working_time(day)
        assigned = max(unit.since, day - dt.timedelta(days=rng.randrange(1, 40)))
        due = assigned + dt.timedelta(days=rng.randrange(5, 90))
        progress = rng.choice((10, 30, 50, 60, 80, 100))
        chief = rng.choice(self.office.leaders)
        topic = rng.choice(TOPICS2)
        self.common(unit, "task", at, f"{unit.name}关于落实{chief}同志交办{topic}事项的进展（{day.month}月{day.day}日）",
                    {"assigned_by": chief, "assigned_on": assigned.isoformat(), "due": due.isoformat(),
                     "progress": progress},
                    [("落实情况", S_TASK)], **self.flags()).ctx = {"progress": progress}

    def credit(self) -> None:
        rng = self.rng
        unit = rng.choice(self.units[1:])
        day = self.random_day(unit.since)
        at = self.working_time(day)
        subject = self.company()
        category = rng.choice(("表彰奖励", "行政处罚", "行政处罚", "重大失信"))
        decided = day - dt.timedelta(days=rng.randrange(0, 10))
        no = f"县应急{'罚' if category == '行政处罚' else '决'}〔{decided.year}〕{rng.randrange(1, 300)}号"
        sections = ([("违法行为", S_VIOLATION), ("处罚依据", S_BASIS), ("处罚结果", S_PENALTY)]
                    if category == "行政处罚" else [("基本情况", S_CREDIT_BASIC)])
        self.common(unit, "credit", at, f"{subject}{category}信息（{no}）",
                    {"subject": subject, "uscc": uscc(rng), "category": category,
                     "decided_on": decided.isoformat(), "decision_no": no},
                    sections, **self.flags()).ctx = {"subject": subject}

    def info(self) -> None:
        rng = self.rng
        unit = rng.choice(self.units)
        day = self.random_day(unit.since)
        at = self.working_time(day)
        topic = rng.choice(TOPICS2)
        kind = rng.choice(("扎实开展", "全力推进", "部署", "召开会议部署", "组织培训推进", "开展督导检查推动"))
        sections = [("", S_INFO)] if rng.random() < 0.5 else [("工作动态", S_INFO), ("主要做法", S_MEASURE)]
        self.common(unit, "info", at, f"{unit.name}{kind}{topic}工作（{day.month}月{day.day}日）", {}, sections,
                    **self.flags()).ctx = {"unit": unit.name, "date": f"{day.month}月{day.day}日"}

    def feedback(self, targets: list[Doc]) -> None:
        rng = self.rng
        target = rng.choice(targets)
        at = target.reported_at + dt.timedelta(minutes=rng.randrange(60, 10 * 1440))
        if at > AS_OF - dt.timedelta(hours=1):
            at = target.reported_at + dt.timedelta(minutes=30)
            if at > AS_OF - dt.timedelta(minutes=10):
                return
        kind = rng.choice(("批示", "批示", "采用", "采用", "退回"))
        chief = rng.choice(self.office.leaders)
        meta = {"on": target, "kind": kind, "by": f"县应急管理局{chief}" if kind != "采用" else "县委办公室"}
        if kind == "采用":
            meta["level"] = rng.choice(("县", "县", "市", "市", "省", "国家"))
            meta["by"] = {"县": "县委办公室", "市": "市应急管理局", "省": "省应急管理厅", "国家": "应急管理部"}[meta["level"]]
        flags = {"classification": "restricted"} if target.classification == "restricted" else {}
        title = f"{meta['by']}对“{target.title}”的{kind}"
        self.common(self.office, "feedback", at, title, meta, [("", S_FEEDBACK)], **flags).ctx = {
            "unit": target.unit.name}

    # ------------------------------------------------------------------ everything

    def generate(self) -> None:
        rng = self.rng
        self.periodic_reports()
        rest = self.n - len(self.docs)
        shares = {"incident": 0.25, "inspection": 0.2, "task": 0.1, "credit": 0.08, "info": 0.27}
        n_feedback = int(rest * 0.10)
        made = 0
        quotas = {k: int(rest * v) for k, v in shares.items()}
        quotas["info"] += rest - n_feedback - sum(quotas.values())
        for kind, quota in quotas.items():
            done = 0
            while done < quota:
                if kind == "incident":
                    done += self.incident_chain()
                else:
                    getattr(self, kind)()
                    done += 1
            made += done
        targets = [d for d in self.docs if not d.draft and d.type != "feedback"]
        targets.sort(key=lambda d: d.reported_at)
        while len(self.docs) < self.n:
            self.feedback(targets)
        del self.docs[self.n:]  # incident chains may overshoot by one or two
        # a draft or a removed document must not be the target of another report
        present = {id(d) for d in self.docs}
        self.docs = [d for d in self.docs if all(not isinstance(v, Doc) or id(v) in present for v in d.meta.values())]
        while len(self.docs) < self.n:
            self.info()
        self.docs.sort(key=lambda d: (d.reported_at, d.title))
        for doc in self.docs:
            self.place(doc)
        for doc in self.docs:
            doc.text = self.render(doc)
            doc.first_text = doc.text
        # when each report reaches the repository: within 30 minutes, a few hours later (backdated)
        for doc in self.docs:
            r = rng.random()
            if r < 0.005:
                doc.commit_at = doc.reported_at + dt.timedelta(minutes=rng.randrange(120, 3 * 1440))
            else:
                doc.commit_at = doc.reported_at + dt.timedelta(minutes=rng.randrange(0, 8))
            doc.commit_at = min(doc.commit_at, AS_OF - dt.timedelta(minutes=1))
            if rng.random() < 0.02:  # a later correction
                revised = doc.commit_at + dt.timedelta(minutes=rng.randrange(30, 3 * 1440))
                if revised < AS_OF - dt.timedelta(minutes=1):
                    doc.revised_at = revised
                    doc.text = doc.first_text + "\n（此件已根据审核意见补充完善。）\n"

    def place(self, doc: Doc) -> None:
        local = doc.reported_at.astimezone(TZ)
        folder = f"{doc.unit.id}/{local.year}"
        if doc.type in PERIODIC_LABEL:
            stem = f"{doc.meta['period']}-{PERIODIC_LABEL[doc.type]}"
        else:
            short = doc.title.split("（")[0].replace(doc.unit.name, "")[:18].strip("关于的") or doc.type
            for ch in "/\\:*?\"<>|“” ":
                short = short.replace(ch, "")
            stem = f"{local.date().isoformat()}-{short}"
        name, k = stem, 2
        while f"{folder}/{name}" in self.paths:
            name = f"{stem}-{k}"
            k += 1
        doc.id = f"{folder}/{name}"
        doc.path = f"submissions/{doc.id}.md"
        self.paths.add(doc.id)

    def render(self, doc: Doc) -> str:
        rng, unit = self.rng, doc.unit
        if doc.type == "feedback":
            author = rng.choice(unit.reporters)
        else:
            author = rng.choice(unit.reporters + unit.leaders[:1])
        doc.author = author
        lines = ["---", f"title: {doc.title}", f"type: {doc.type}" if rng.random() < 0.8 else
                 f"type: {_TYPE_ZH[doc.type]}", f"unit: {unit.id}", f"author: {author}",
                 f"reported_at: {fmt_time(doc.reported_at)}"]
        for key, value in doc.meta.items():
            if isinstance(value, Doc):
                value = value.id
            if isinstance(value, dict):
                lines.append(f"{key}:")
                lines.extend(f"  {k}: {v}" for k, v in value.items())
            elif key == "period" and doc.type == "annual":
                lines.append(f'{key}: "{value}"')
            else:
                lines.append(f"{key}: {value}")
        if not doc.draft:
            reviewer = rng.choice(unit.leaders)
            approvers = [p for p in unit.leaders if p != author] or unit.leaders
            approver = rng.choice(approvers)
            if approver == author:  # a unit with a single leader who wrote it: the reviewer is that leader
                author = doc.author = rng.choice(unit.reporters)
                lines[4] = f"author: {author}"
            lines += [f"reviewed_by: {reviewer}", f"approved_by: {approver}"]
        if doc.classification != "internal":
            lines.append(f"classification: {doc.classification}")
        if doc.draft:
            lines.append("draft: true")
        if doc.anonymous:
            lines.append("anonymous: true")
        if doc.tags:
            lines.append(f"tags: [{', '.join(doc.tags)}]")
        lines.append("---")
        ctx = dict(getattr(doc, "ctx", {}) or {})
        ctx.setdefault("unit", unit.name)
        ctx.setdefault("leader", unit.leaders[0])
        ctx.setdefault("target", "辖区重点企业")
        ctx.setdefault("subject", "该单位")
        ctx.setdefault("date", f"{doc.reported_at.month}月{doc.reported_at.day}日")
        return "\n".join(lines) + "\n\n" + self.body(doc, ctx)


_TYPE_ZH = {"incident": "突发事件", "weekly": "周报", "monthly": "月报", "quarterly": "季报", "annual": "年报",
            "inspection": "监督检查", "task": "交办事项", "credit": "信用信息", "info": "工作信息", "feedback": "批示/采用"}


# --------------------------------------------------------------------------- output


def org_yaml(s: Synth) -> str:
    out = ["# 合成的组织配置（benchmarks/synth.py 生成，用于性能测试）",
           "organization: 合成县应急管理局", "timezone: Asia/Shanghai", "feedback_units: [bangongshi]", "units:"]
    for u in s.units:
        out += [f"  - id: {u.id}", f"    name: {u.name}", f"    parent: {u.parent or 'null'}",
                f"    leaders: [{', '.join(u.leaders)}]", f"    reporters: [{', '.join(u.reporters)}]",
                f"    periodic: [{', '.join(u.periodic)}]", f"    since: {u.since.isoformat()}"]
    out += ["deadlines:", "  incident: {late: 2h, concealed: 10h}", "  weekly: 12h", "  monthly: 3d",
            "  quarterly: 5d", "  annual: 15d", f"vague_words: [{', '.join(VAGUE)}]"]
    accounts = [f'  {p}: "@leader{i:03d}"' for i, p in enumerate(p for u in s.units for p in u.leaders)]
    out += ["accounts:"] + accounts
    return "\n".join(out) + "\n"


def copy_site_files(out: Path) -> None:
    """mkdocs.yml and templates/ from the project, so ``shangbao --root OUT build`` works."""
    if (ROOT / "mkdocs.yml").is_file():
        shutil.copy2(ROOT / "mkdocs.yml", out / "mkdocs.yml")
    if (ROOT / "templates").is_dir():
        shutil.rmtree(out / "templates", ignore_errors=True)
        shutil.copytree(ROOT / "templates", out / "templates")


def write_tree(s: Synth, out: Path) -> None:
    sub = out / "submissions"
    sub.mkdir(parents=True, exist_ok=True)
    (sub / "_org.yml").write_text(org_yaml(s), encoding="utf-8")
    made_dirs: set[str] = set()
    for doc in s.docs:
        folder = doc.path.rsplit("/", 1)[0]
        if folder not in made_dirs:
            (out / folder).mkdir(parents=True, exist_ok=True)
            made_dirs.add(folder)
        with open(out / doc.path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(doc.text)
    (out / ".gitignore").write_text("site/\nsite-*/\nbuild/\n.shangbao-cache/\n", encoding="utf-8")
    copy_site_files(out)


def _git_time(t: dt.datetime) -> str:
    return f"{int(t.timestamp())} +0800"


def write_git(s: Synth, out: Path) -> int:
    """Commit everything through one ``git fast-import`` stream; return the number of commits."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(var, None)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True, env=env)
    events: list[tuple[dt.datetime, int, Doc, bool]] = []
    for i, doc in enumerate(s.docs):
        events.append((doc.commit_at, i, doc, False))
        if doc.revised_at:
            events.append((doc.revised_at, i, doc, True))
    events.sort(key=lambda e: (e[0], e[1], e[3]))
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=out, stdin=subprocess.PIPE, env=env)
    w = proc.stdin.write
    commits = 0

    def commit(when: dt.datetime, who: str, message: str, files: list[tuple[str, bytes]]) -> None:
        nonlocal commits
        msg = message.encode()
        w(b"commit refs/heads/main\n")
        w(f"committer {who} <{who}@example.invalid> {_git_time(when)}\n".encode())
        w(f"data {len(msg)}\n".encode() + msg + b"\n")
        for path, data in files:
            w(f"M 100644 inline {path}\n".encode())
            w(f"data {len(data)}\n".encode() + data + b"\n")
        commits += 1

    setup = [("submissions/_org.yml", (out / "submissions/_org.yml").read_bytes()),
             (".gitignore", (out / ".gitignore").read_bytes())]
    extras = ["mkdocs.yml"]
    if (out / "templates").is_dir():
        extras += sorted(p.relative_to(out).as_posix() for p in (out / "templates").rglob("*") if p.is_file())
    for extra in extras:
        if (out / extra).is_file():
            setup.append((extra, (out / extra).read_bytes()))
    first = dt.datetime.combine(s.start - dt.timedelta(days=1), dt.time(9), TZ)
    commit(first, "office", "建立信息上报仓库", setup)
    batch: list[tuple[dt.datetime, Doc, bool]] = []

    def flush() -> None:
        if not batch:
            return
        when = batch[-1][0]
        files = [(d.path, (d.text if rev else d.first_text).encode()) for _, d, rev in batch]
        names = "、".join(d.title for _, d, _ in batch[:2]) + ("等" if len(batch) > 2 else "")
        verb = "修改" if all(rev for _, _, rev in batch) else "报送"
        commit(when, batch[0][1].author or "reporter", f"{verb}：{names}"[:200], files)
        batch.clear()

    for when, _, doc, rev in events:
        if batch and (when - batch[0][0] > dt.timedelta(minutes=20) or len(batch) >= 100
                      or any(d is doc for _, d, _ in batch)):
            flush()
        batch.append((when, doc, rev))
    flush()
    w(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "reset", "-q"], cwd=out, check=True, env=env)  # index = HEAD; files are on disk
    return commits


def default_years(n: int) -> int:
    return 1 if n <= 5000 else 2


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--reports", type=int, required=True)
    ap.add_argument("--units", type=int, default=50)
    ap.add_argument("--years", type=int, default=None,
                    help="whole years before the current one (default: 1 up to 5,000 reports, else 2)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--git", action="store_true", help="commit the files with git fast-import")
    args = ap.parse_args(argv)
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} exists and is not empty")
    years = args.years or default_years(args.reports)
    s = Synth(args.reports, args.units, years, args.seed)
    s.generate()
    out.mkdir(parents=True, exist_ok=True)
    write_tree(s, out)
    commits = write_git(s, out) if args.git else 0
    counts: dict[str, int] = {}
    for d in s.docs:
        counts[d.type] = counts.get(d.type, 0) + 1
    meta = {"reports": len(s.docs), "units": len(s.units), "years": years, "seed": args.seed,
            "as_of": AS_OF.isoformat(), "summary_period": str(AS_OF.year - 1),
            "git": args.git, "commits": commits, "types": counts,
            "bytes": sum(len(d.text.encode()) for d in s.docs)}
    (out / "synth.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(meta, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
