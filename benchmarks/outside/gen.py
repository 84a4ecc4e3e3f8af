#!/usr/bin/env python3
"""An outside synthetic organisation for shangbao, written from SPEC alone.

This generator was written by a separate author, playing an outside tester, from
shared/SPEC.md (sections 2-5a) alone. That author never saw benchmarks/synth.py or the
generator's code, and neither has anyone who tidied it since. Its purpose is to try the
project on data shaped differently from the project's own synthetic data: other unit ids,
other names and file names, other front-matter styles (labels or codes, flow or block
lists, quoted or ISO times, CRLF), other body shapes, and faults injected independently.

    python benchmarks/outside/gen.py OUT_DIR --reports N [--seed S] [--git]

Writes OUT_DIR/submissions/_org.yml and the reports, plus OUT_DIR/manifest.json:

    {"faults": [{"path", "kind", "expect": [codes], "allow": [codes], "pair"?: path}],
     "notices": {path: [codes]},   # notices an intended-valid file must get (R303/R304)
     "valid": [paths],             # every report meant to be valid (probes included)
     "probes": {path: what},       # valid files shaped to tempt a false positive
     "allow": {path: [codes]},     # codes a valid file may get (the other half of an R208 pair)
     "missing": [[unit, type, period]]}   # periodic reports deliberately left out

With --git the reports are committed through `git fast-import` at their reported times
(R305 is only injected then, since it needs history). Compare a `check --format json`
run against the manifest with benchmarks/outside/compare.py.
"""
import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import zlib
from datetime import UTC, date, datetime, timedelta, timezone

TZ = timezone(timedelta(hours=8))
START = datetime(2023, 12, 1, tzinfo=TZ)
ASOF = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)
LAST = datetime(2026, 11, 27, 11, 20, tzinfo=TZ)
LEDGER_SINCE = date(2024, 3, 1)
IMPORT_AT = datetime(2024, 3, 1, 9, 30, tzinfo=TZ)
VAGUE = ["听说", "据说", "可能", "或许", "也许", "好像", "好象", "差不多", "大概", "估计"]

SURN = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIV = ("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 晓峰 志强 海燕 国庆 建国 红梅 小红 文斌 春燕 玉兰 德明 永刚 宏伟 晓东 雪梅 立新 建军 "
       "卫东 秋菊 丽华 振华 光明 少华 婷婷 浩然 子涵 一鸣 嘉怡 欣怡 思远 宇航 梓萱 俊杰 佳琪 晨曦 志刚 国栋 亚楠 文静 慧敏 学军 红霞").split()

BUREAUS = [
    ("yingjiju", "县应急管理局"), ("gonganju", "县公安局"), ("xiaofang-dadui", "县消防救援大队"),
    ("jiaotongju", "县交通运输局"), ("zhujianju", "县住房和城乡建设局"), ("ziranziyuan", "县自然资源局"),
    ("shuiliju", "县水利局"), ("nongyenongcun", "县农业农村局"), ("shichangjianguan", "县市场监督管理局"),
    ("weijianju", "县卫生健康局"), ("jiaoyuju", "县教育局"), ("shengtaihuanjing", "市生态环境局青石分局"),
    ("qixiangju", "县气象局"), ("linyeju", "县林业局"), ("shangwuju", "县商务局"), ("wenlvju", "县文化广电旅游体育局"),
]
TOWNS = ("城关 城东 城西 河口 双溪 青石岭 白沙 桃源 龙潭 石门 新塘 黄土岗 柳林 马鞍山 三江 凤凰 金鸡 大坪 "
         "牛角湾 清水 高桥 杨家 梅岭 竹园 下河 上庄 东岳 西坑 南岸 北坪 红岩 花桥 官庄 长乐 永安 "
         "太平 兴隆 安和 塔下 岭头 溪口 坪上 洪山 枫树 茶园 水口 沙坝 云台 鹤鸣 铁山 "
         "平溪 横路 乌石 铜锣 白马 金竹 古楼 麻田 仙洞 芦溪 九龙 五星 六合").split()
PINY = ("chengguan chengdong chengxi hekou shuangxi qingshiling baisha taoyuan longtan shimen xintang huangtugang "
        "liulin maanshan sanjiang fenghuang jinji daping niujiaowan qingshui gaoqiao yangjia meiling zhuyuan xiahe "
        "shangzhuang dongyue xikeng nanan beiping hongyan huaqiao guanzhuang changle yongan taiping xinglong anhe "
        "taxia lingtou xikou pingshang hongshan fengshu chayuan shuikou shaba yuntai heming tieshan pingxi henglu "
        "wushi tongluo baima jinzhu gulou matian xiandong luxi jiulong wuxing liuhe").split()

COMPANY_A = "宏达 顺通 金石 恒源 鑫盛 华丰 永兴 瑞祥 东升 天成 利民 兴业 福泰 新城 佳和 安泰 昌盛 三江 明珠 青山".split()
COMPANY_B = "建材有限公司 物流有限公司 矿业有限公司 化工有限公司 建筑工程有限公司 食品有限公司 汽车修理厂 加油站 烟花爆竹批发有限公司 木业有限公司 纺织有限公司 采石场".split()
EVENTS = {
    "火灾": ["民房火灾", "厂房起火", "仓库火情", "配电房火情", "车辆自燃", "山林火情"],
    "交通": ["货车侧翻", "两车相撞", "客车追尾", "三轮车翻覆"],
    "生产安全": ["工人高处坠落", "机械伤害事故", "有限空间中毒", "脚手架坍塌", "粉尘燃爆"],
    "自然灾害": ["山体滑坡", "强降雨内涝", "山洪", "冰雹灾害", "大风倒树"],
    "治安": ["群体聚集", "斗殴事件"],
    "公共卫生": ["食物中毒", "学校聚集性发热"],
    "其他": ["燃气泄漏", "电梯困人", "溺水", "危化品车辆泄漏"],
}

S_PROGRESS = [
    "本周按“四不两直”方式抽查{co}等企业{n}家，发现隐患{m}处，已整改{k}处。",
    "组织{place}辖区重点行业企业安全管理人员培训，参训{n}人次，考试合格率100%。",
    "联合{org}开展{topic}专项整治，出动检查人员{n}人次，检查场所{m}处。",
    "完成{place}片区{m}处地质灾害隐患点汛前巡查，落实群测群防员{n}名。",
    "召开{topic}工作推进会，传达上级会议精神，部署下阶段重点工作。",
    "更新应急预案{n}份，组织{topic}应急演练{m}场，参演{k}人次。",
    "督促{co}落实主体责任，签订安全生产责任书{n}份。",
    "开展{topic}宣传进企业、进社区、进学校活动，发放宣传资料{n}份。",
]
S_PROBLEM = [
    "部分企业对{topic}重视不够，隐患整改进度偏慢。",
    "基层执法力量不足，{place}片区检查覆盖面有待提高。",
    "个别单位应急值守不规范，交接班记录不完整。",
    "执法文书制作不够规范，个别检查记录缺少企业负责人签字。",
    "{co}等{n}家企业对上次检查指出的问题整改不到位。",
]
S_PLAN = [
    "对未整改完毕的{n}处隐患逐一复查，逾期未改的依法立案。",
    "继续抓好{topic}工作，确保不发生较大以上事故。",
    "配合上级做好{topic}督导检查的迎检准备工作。",
    "组织开展{place}片区{topic}“回头看”，巩固整治成果。",
]
S_INC_BASIC = [
    "{t}，{loc}发生{ev}。现场{d}人死亡、{i}人受伤，直接经济损失约{l}万元。",
    "接{place}报告，{t}{loc}发生{ev}，事件已得到初步控制。",
]
S_INC_PROC = [
    "{t2}，县消防救援大队接警后出动消防车{n}辆、指战员{m}名赶赴现场。",
    "{t2}，明火被扑灭，现场无复燃迹象，周边群众已疏散至安全区域。",
    "伤员已送县人民医院救治，生命体征平稳。",
    "现场设置警戒区，交警部门实施交通管制，车辆有序绕行。",
]
S_INC_MEAS = [
    "局主要负责同志第一时间赶赴现场指挥处置，成立现场工作组。",
    "协调供电、燃气等部门切断相关设施，防止次生灾害。",
    "组织对周边{n}家同类企业开展隐患排查，举一反三。",
    "做好伤员家属安抚和舆情引导工作，及时发布权威信息。",
]
S_CAUSE = ["经调查，事故直接原因是{topic}管理不到位，作业人员违规操作。",
           "间接原因是企业安全生产责任制不落实，安全培训教育流于形式。"]
S_RESULT = ["依法对{co}作出行政处罚，责令停产整顿。", "对相关责任人移交有关部门处理，事故调查报告已报县政府批复结案。"]
S_INSP = ["{t}，执法人员{n}名对{co}开展{topic}专项检查，查阅台账资料{m}份，现场检查作业场所{k}处。",
          "检查采取“双随机、一公开”方式进行，企业负责人全程陪同。"]
S_FOUND = ["{n}号作业区安全警示标志缺失。", "消防通道堆放杂物，应急照明损坏。", "特种作业人员证件过期。",
           "有限空间作业审批记录不全。", "危险化学品储存场所通风设施损坏。"]
S_RECT = ["责令企业于{date}前完成整改，并报送整改报告。", "对无法立即整改的隐患落实管控措施，明确责任人和时限。"]
S_TASK = ["按照{who}的部署，牵头组织{topic}工作。截至目前，已完成{n}项，正在推进{m}项。",
          "已召开专题会议研究落实措施，明确责任分工和时间节点。",
          "下一步将加快推进剩余工作，确保按期办结并报送结果。"]
S_CREDIT = ["经查，{co}存在{topic}方面的违法行为，事实清楚，证据确凿。",
            "《中华人民共和国安全生产法》第{n}条。", "责令限期改正，并处罚款人民币{m}元。",
            "{co}在{topic}工作中表现突出，经研究决定予以通报表扬。"]
S_INFO = ["近日，{org}召开{topic}工作会议，对下阶段工作作出部署。",
          "会议要求各单位提高政治站位，压紧压实责任，确保各项措施落地见效。",
          "{place}结合实际，创新开展{topic}工作，取得良好成效。",
          "截至{date}，全县累计完成{topic}任务{n}项，完成率{p}%。"]
TOPICS = "安全生产 森林防火 防汛抗旱 燃气安全 消防安全 道路交通安全 危险化学品 有限空间作业 地质灾害防治 自建房安全 烟花爆竹 冬春火灾防控 校园安全 食品安全 防灾减灾".split()


class Gen:
    def __init__(self, out, n, seed, git):
        self.out, self.n, self.git = out, n, git
        self.rng = random.Random(seed)
        self.reports = []  # dicts
        self.used_names = set()
        self.manifest = {"faults": [], "notices": {}, "probes": {}, "allow": {}, "missing": [], "valid": []}

    # ---------- people / org ----------
    def person(self):
        r = self.rng
        return r.choice(SURN) + r.choice(GIV)

    def build_org(self):
        r = self.rng
        units = []
        units.append(dict(id="xian-ban", name="青石县人民政府办公室", parent=None, level=0, periodic=[]))
        for bid, bname in BUREAUS:
            units.append(dict(id=bid, name=bname, parent="xian-ban", level=1,
                              periodic=r.choice([["weekly", "monthly"], ["weekly", "monthly", "annual"],
                                                 ["monthly", "quarterly"], ["monthly", "quarterly", "annual"], ["weekly"]])))
        parents = ["yingjiju"] * 5 + ["ziranziyuan", "shuiliju", "nongyenongcun", "linyeju"]
        for zh, py in zip(TOWNS, PINY, strict=True):
            kind = r.random()
            suffix, idsfx = ("镇", "-zhen") if kind < 0.6 else ("乡", "-xiang")
            if kind > 0.9:
                suffix, idsfx = ("街道", "-jiedao")
            units.append(dict(id=py + idsfx, name=f"{zh}{suffix}应急管理办公室", parent=r.choice(parents), level=2,
                              periodic=r.choice([["monthly"], ["monthly", "quarterly"], ["weekly", "monthly"], [],
                                                 ["quarterly", "annual"], ["monthly", "annual"]])))
        for u in units:
            nl = r.choice([1, 1, 2, 2, 3]) if u["level"] else 2
            u["leaders"] = [self.person() for _ in range(nl)]
            u["reporters"] = [self.person() for _ in range(r.choice([1, 2, 2, 3, 4]))]
            # dedupe within unit
            u["leaders"] = list(dict.fromkeys(u["leaders"]))
            u["reporters"] = [p for p in dict.fromkeys(u["reporters"]) if p not in u["leaders"]] or [self.person() + "子"]
        self.units = units
        self.uidx = {u["id"]: u for u in units}
        self.feedback_units = ["xian-ban", "yingjiju"]
        self.choose_since()

    def slots_for(self, u, since):
        out = []
        for t in u["periodic"]:
            for p in periods(t, since, ASOF):
                out.append((u["id"], t, p))
        return out

    def choose_since(self):
        r = self.rng
        target = 0.35 * self.n
        jit = {u["id"]: r.uniform(0.5, 1.3) for u in self.units}
        full = (ASOF - START).days

        def total(f):
            s = 0
            for u in self.units:
                days = min(full, full * f * jit[u["id"]])
                since = (ASOF - timedelta(days=days)).date()
                s += len(self.slots_for(u, since))
            return s
        lo, hi = 0.0, 1.0
        if total(1.0) <= target:
            f = 1.0
        else:
            for _ in range(18):
                mid = (lo + hi) / 2
                if total(mid) < target:
                    lo = mid
                else:
                    hi = mid
            f = hi
        for u in self.units:
            days = min(full, full * f * jit[u["id"]])
            since = (ASOF - timedelta(days=days)).date()
            m = r.random()
            if m < 0.4:
                since = since.replace(day=1)
            elif m < 0.7:
                since = since - timedelta(days=since.weekday())
            if since < START.date():
                since = START.date()
            u["since"] = since

    def org_yaml(self):
        L = ["# 青石县 信息上报 组织配置（由县政府办公室维护）", "organization: 青石县突发事件与政务信息报送平台",
             "timezone: Asia/Shanghai", "feedback_units: [xian-ban, yingjiju]   # 县政府办、应急局登记批示采用", "", "units:"]
        for u in self.units:
            L.append(f"  - id: {u['id']}")
            L.append(f"    name: {u['name']}")
            L.append(f"    parent: {u['parent'] or 'null'}")
            if self.rng.random() < 0.5:
                L.append(f"    leaders: [{', '.join(u['leaders'])}]")
            else:
                L.append("    leaders:")
                L += [f"      - {p}" for p in u["leaders"]]
            L.append(f"    reporters: [{', '.join(u['reporters'])}]")
            L.append(f"    periodic: [{', '.join(u['periodic'])}]")
            L.append(f"    since: {u['since'].isoformat()}")
        L += ["", "deadlines:", "  incident: {late: 2h, concealed: 10h}", "  weekly: 12h", "  monthly: 3d",
              "  quarterly: 5d", "  annual: 15d", "",
              "vague_words: [听说, 据说, 可能, 或许, 也许, 好像, 好象, 差不多, 大概, 估计]",
              f"ledger_since: {LEDGER_SINCE.isoformat()}   # 此前的报告由纸质台账导入", "", "accounts:"]
        seen = set()  # a person leading two units has one account: a YAML key is written once
        for u in self.units[:20]:
            for i, p in enumerate(u["leaders"]):
                if p not in seen:
                    seen.add(p)
                    L.append(f'  {p}: "@{u["id"]}-leader{i}"')
        return "\n".join(L) + "\n"

    # ---------- text ----------
    def fill(self, s):
        r = self.rng
        return s.format(co=self.company(), n=r.randint(2, 30), m=r.randint(2, 40), k=r.randint(1, 20),
                        place=r.choice(TOWNS) + r.choice(["镇", "乡", "村", "社区"]), org=r.choice(BUREAUS)[1],
                        topic=r.choice(TOPICS), t=f"{r.randint(1, 12)}月{r.randint(1, 28)}日{r.randint(6, 22)}时{r.randint(0, 59)}分",
                        t2=f"{r.randint(6, 22)}时{r.randint(10, 59)}分", loc=r.choice(TOWNS) + r.choice(["村", "工业园区", "集镇"]),
                        ev="事件", d=0, i=0, l=0, date=f"{r.randint(1, 12)}月{r.randint(1, 28)}日", who="县政府分管领导",
                        p=r.randint(60, 100))

    def company(self):
        return "县" + self.rng.choice(COMPANY_A) + self.rng.choice(COMPANY_B)

    def para(self, pool, k=None):
        r = self.rng
        k = k or r.randint(1, 3)
        return "".join(self.fill(r.choice(pool)) for _ in range(k))

    def section_body(self, pool, budget):
        """Markdown content of roughly `budget` bytes."""
        r = self.rng
        parts = []
        size = 0
        while size < budget:
            c = r.random()
            if c < 0.35:
                s = self.para(pool)
            elif c < 0.6:
                s = "\n".join(f"{i}. {self.para(pool, 1)}" for i in range(1, r.randint(2, 6)))
            elif c < 0.7:
                s = "\n".join(f"- **{r.choice(TOPICS)}**：{self.para(pool, 1)}" for _ in range(r.randint(2, 4)))
            elif c < 0.78:
                rows = ["| 乡镇 | 检查单位数 | 发现隐患 | 已整改 |", "|---|---:|---:|---:|"]
                for _ in range(r.randint(3, 12)):
                    a = r.randint(1, 40)
                    rows.append(f"| {r.choice(TOWNS)} | {r.randint(1, 30)} | {a} | {r.randint(0, a)} |")
                s = "\n".join(rows)
            elif c < 0.84:
                s = f"### {r.choice(TOPICS)}\n\n{self.para(pool)}"
            elif c < 0.9:
                s = f"> {self.para(pool, 1)}"
            elif c < 0.95:
                s = f"详见[{r.choice(TOPICS)}工作方案](http://oa.qingshi.gov.cn/doc/{r.randint(1000, 9999)}.html)。{self.para(pool, 1)}"
            else:
                s = f"**{self.fill(r.choice(pool))}**"
            parts.append(s)
            size += len(s.encode())
        return "\n\n".join(parts)

    def body(self, sections, pools, total):
        per = max(60, total // max(1, len(sections)))
        out = []
        for sec, pool in zip(sections, pools[:len(sections)], strict=True):
            out.append(f"## {sec}\n\n{self.section_body(pool, per)}")
        return "\n\n".join(out) + "\n"

    def size(self):
        r = self.rng
        return int(min(20000, max(250, r.lognormvariate(math.log(1400), 0.8))))

    # ---------- time format ----------
    def fmt_time(self, dt):
        r = self.rng.random()
        if r < 0.78:
            return dt.strftime("%Y-%m-%d %H:%M")
        if r < 0.90:
            return dt.strftime("%Y-%m-%dT%H:%M:00+08:00")
        if r < 0.95:
            return '"' + dt.strftime("%Y-%m-%d %H:%M") + '"'
        if 9 <= dt.hour <= 23:
            return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:00Z")
        return dt.strftime("%Y-%m-%dT%H:%M:00+08:00")

    def fmt_date(self, d):
        return d.isoformat() if self.rng.random() < 0.93 else f'"{d.isoformat()}"'

    def label(self, code, zh):
        return zh if self.rng.random() < 0.5 else code

    # ---------- reports ----------
    def rand_time(self, a=START, b=LAST):
        r = self.rng
        while True:
            t = a + timedelta(seconds=r.uniform(0, (b - a).total_seconds()))
            # office hours bias
            if t.weekday() < 5 and 8 <= t.hour < 19 or r.random() < 0.15:
                return t.replace(second=0, microsecond=0)

    def common(self, u, typ_code, typ_zh, title, rt, draft=False, allow_leader_author=True):
        r = self.rng
        if allow_leader_author and len(u["leaders"]) >= 2 and r.random() < 0.15:
            author = r.choice(u["leaders"])
        else:
            author = r.choice(u["reporters"])
        others = [p for p in u["leaders"] if p != author]
        fm = [("title", title), ("type", self.label(typ_code, typ_zh)), ("unit", u["id"]), ("author", author),
              ("reported_at", self.fmt_time(rt))]
        if not draft or r.random() < 0.5:
            fm.append(("reviewed_by", r.choice(u["leaders"])))
            fm.append(("approved_by", r.choice(others)))
        cr = r.random()
        if cr < 0.05:
            fm.append(("classification", self.label("public", "公开")))
        elif cr < 0.10:
            fm.append(("classification", self.label("internal", "内部")))
        elif cr < 0.113:
            fm.append(("classification", self.label("restricted", "限定")))
        if draft:
            fm.append(("draft", "true"))
        if r.random() < 0.01:
            fm.append(("anonymous", "true"))
        return fm

    def add_tags(self, fm):
        r = self.rng
        if r.random() < 0.5:
            tags = r.sample(TOPICS, r.randint(1, 3))
            if r.random() < 0.6:
                fm.append(("tags", "[" + ", ".join(tags) + "]"))
            else:
                fm.append(("tags", "\n" + "\n".join(f"  - {t}" for t in tags)))

    def file_name(self, u, rt, stem):
        y = rt.year
        base = stem
        k = 2
        while (u["id"], y, base) in self.used_names:
            base = f"{stem}-{k}"
            k += 1
        self.used_names.add((u["id"], y, base))
        return f"{u['id']}/{y}/{base}"

    def add(self, u, rt, stem, fm, body, **kw):
        rid = self.file_name(u, rt, stem)
        rep = dict(id=rid, unit=u["id"], rt=rt, fm=fm, body=body, referenced=False, **kw)
        self.reports.append(rep)
        return rep

    def gen_periodic(self):
        r = self.rng
        deadline = {"weekly": timedelta(hours=12), "monthly": timedelta(days=3), "quarterly": timedelta(days=5),
                    "annual": timedelta(days=15)}
        zh = {"weekly": "周报", "monthly": "月报", "quarterly": "季报", "annual": "年报"}
        for u in self.units:
            for t, p in [(t, p) for (_, t, p) in self.slots_for(u, u["since"])]:
                pstart, pend = period_bounds(t, p)
                if pend > ASOF:
                    continue
                due = pend + deadline[t]
                x = r.random()
                if x < 0.025:
                    self.manifest["missing"].append([u["id"], t, p])
                    continue
                late = x > 0.95
                if late:
                    rt = due + timedelta(hours=r.uniform(1, 120))
                else:
                    span = {"weekly": (-56, 10), "monthly": (-72, 60), "quarterly": (-120, 100), "annual": (-240, 300)}[t]
                    rt = pend + timedelta(hours=r.uniform(*span))
                    if rt < pstart + timedelta(hours=1):
                        rt = pstart + timedelta(hours=30)
                    if rt > due - timedelta(minutes=10):
                        rt = due - timedelta(minutes=r.randint(15, 300))
                rt = rt.replace(second=0, microsecond=0)
                if r.random() < 0.004 and not late:  # exactly at due: on time per SPEC ("after its due time")
                    rt = due
                    probe = "reported exactly at due time (not late)"
                else:
                    probe = None
                if rt > LAST:
                    self.manifest["missing"].append([u["id"], t, p])
                    continue
                title = {"weekly": f"{u['name']}{p[:4]}年第{int(p[6:])}周工作周报" if t == "weekly" else "",
                         }.get(t) or f"{u['name']}{period_title(t, p)}{zh[t]}"
                fm = self.common(u, t, zh[t], title, rt)
                pv = p
                if t == "annual" and r.random() < 0.5:
                    pv = f'"{p}"'
                fm.append(("period", pv))
                if r.random() < 0.8:
                    ms = r.sample(["检查企业数", "发现隐患", "整改隐患", "培训人次", "演练场次", "宣传资料份数", "出动人次", "值班天数"], r.randint(2, 5))
                    fm.append(("metrics", "\n" + "\n".join(
                        f"  {m}: {r.randint(0, 300) if r.random() < 0.85 else round(r.uniform(0, 100), 1)}" for m in ms)))
                self.add_tags(fm)
                sz = self.size() * (3 if t in ("annual", "quarterly") else 1)
                body = self.body(["工作进展", "存在问题", "下一步计划"], [S_PROGRESS, S_PROBLEM, S_PLAN], min(sz, 20000))
                stem = r.choice([f"{p}-{zh[t]}", f"{p}{zh[t]}", f"{period_title(t, p)}{zh[t]}"])
                rep = self.add(u, rt, stem, fm, body, kind="periodic", ptype=t, period=p)
                if late:
                    rep["notices"] = ["R303"]
                if probe:
                    self.manifest["probes"][rep["id"]] = probe

    def grade(self, d, i, loss):
        g = 0
        for k, (dd, ii, ll) in enumerate([(3, 10, 1000), (10, 50, 5000), (30, 100, 10000)], 1):
            if d >= dd or i >= ii or loss >= ll:
                g = k
        return ["一般", "较大", "重大", "特别重大"][g]

    def gen_incident(self, u):
        r = self.rng
        cat = r.choice(list(EVENTS))
        ev = r.choice(EVENTS[cat])
        place = r.choice(TOWNS) + r.choice(["村", "工业园区", "集镇", "高速收费站", "中学"])
        occ = self.rand_time(START, LAST - timedelta(hours=3))
        x = r.random()
        notices = []
        if x < 0.88:
            delay = timedelta(minutes=r.uniform(15, 110))
        elif x < 0.96:
            delay = timedelta(hours=r.uniform(2.2, 9.7))
            notices = ["R303"]
        else:
            delay = timedelta(hours=r.uniform(10.5, 40))
            notices = ["R304"]
        rt = (occ + delay).replace(second=0, microsecond=0)
        if rt > LAST:
            return
        d = 0 if r.random() < 0.9 else r.choice([1, 1, 2, 3, 4, 11])
        inj = r.choice([0, 0, 0, 1, 2, 3, 5, 12])
        loss = r.choice([0, 0.5, 3, 12.6, 45, 120, 300, 1500])
        stage_n = 1 + (r.random() < 0.4) + (r.random() < 0.3)
        prev = None
        base_title = f"{place}{ev}"
        stem0 = r.choice([f"{occ:%Y-%m-%d}-{base_title}", f"{occ:%Y-%m-%d} {base_title}", f"{base_title}", f"{occ:%m%d}{base_title}"])
        t_rep = rt
        for s in range(stage_n):
            stage = ["初报", "续报", "终报"][s]
            if s > 0:
                t_rep = t_rep + (timedelta(hours=r.uniform(3, 40)) if s == 1 else timedelta(days=r.uniform(3, 25)))
                t_rep = t_rep.replace(second=0, microsecond=0)
                if t_rep > LAST:
                    break
                if r.random() < 0.4:
                    inj += r.choice([0, 1])
                    loss = round(loss * r.uniform(1, 1.4), 1)
            sev = self.grade(d, inj, loss)
            if sev == "一般" and r.random() < 0.05:
                sev = "较大"  # over-graded is allowed
            title = base_title + ("" if s == 0 else f"（{stage}）")
            fm = self.common(u, "incident", "突发事件", title, t_rep)
            fm += [("occurred_at", self.fmt_time(occ)), ("location", place), ("category", cat), ("severity", sev)]
            if d or r.random() < 0.7:
                fm.append(("deaths", str(d)))
            if inj or r.random() < 0.7:
                fm.append(("injuries", str(inj)))
            if loss or r.random() < 0.7:
                fm.append(("loss", str(loss)))
            if s or r.random() < 0.6:
                fm.append(("stage", stage))
            if s:
                fm.append(("follows", prev["id"]))
                prev["referenced"] = True
            self.add_tags(fm)
            secs = ["基本情况", "事件经过", "处置措施"] + (["原因分析", "处理结果"] if s == 2 else [])
            pools = [S_INC_BASIC, S_INC_PROC, S_INC_MEAS, S_CAUSE, S_RESULT]
            body = self.body(secs, pools, self.size())
            stem = stem0 + ("" if s == 0 else r.choice([f"-{stage}", f"（{stage}）", f"{stage}"]))
            rep = self.add(u, t_rep, stem, fm, body, kind="incident", stage=stage)
            if s == 0:
                rep["notices"] = notices
                prev = rep

    def gen_inspection(self, u):
        r = self.rng
        rt = self.rand_time()
        d = (rt - timedelta(days=r.choice([0, 0, 0, 1, 2, 5]))).date()
        co = self.company()
        topic = r.choice(TOPICS)
        fm = self.common(u, "inspection", "监督检查", f"{co}{topic}专项检查", rt, draft=r.random() < 0.01)
        hf = r.randint(0, 25)
        fm += [("inspected_on", self.fmt_date(d)), ("target", co), ("hazards_found", str(hf)), ("hazards_fixed", str(r.randint(0, hf)))]
        self.add_tags(fm)
        body = self.body(["检查情况", "发现问题", "整改要求"], [S_INSP, S_FOUND, S_RECT], self.size())
        self.add(u, rt, r.choice([f"{rt:%Y-%m-%d}-{co[1:5]}{topic}检查", f"{co}检查", f"{rt:%Y%m%d}{topic}检查"]), fm, body, kind="inspection")

    def gen_task(self, u):
        r = self.rng
        rt = self.rand_time()
        a = (rt - timedelta(days=r.randint(1, 60))).date()
        due = a + timedelta(days=r.randint(5, 120))
        topic = r.choice(TOPICS)
        fm = self.common(u, "task", "交办事项", f"{topic}交办事项落实情况", rt)
        fm += [("assigned_by", r.choice(self.uidx["xian-ban"]["leaders"] + u["leaders"])), ("assigned_on", self.fmt_date(a)),
               ("due", self.fmt_date(due)), ("progress", str(r.choice([0, 10, 30, 50, 70, 80, 90, 100])))]
        self.add_tags(fm)
        body = self.body(["落实情况"], [S_TASK], self.size())
        self.add(u, rt, f"{rt:%Y-%m-%d}-{topic}交办落实", fm, body, kind="task")

    def gen_credit(self, u):
        r = self.rng
        rt = self.rand_time()
        co = self.company()
        cat = r.choices(["表彰奖励", "行政处罚", "重大失信"], [2, 6, 1])[0]
        fm = self.common(u, "credit", "信用信息", f"{co}{cat}信息", rt)
        fm += [("subject", co), ("uscc", uscc(r)), ("category", cat),
               ("decided_on", self.fmt_date((rt - timedelta(days=r.randint(0, 10))).date())),
               ("decision_no", f"青{u['name'][1:3]}罚〔{rt.year}〕{r.randint(1, 200)}号")]
        self.add_tags(fm)
        if cat == "行政处罚":
            body = self.body(["违法行为", "处罚依据", "处罚结果"], [S_CREDIT] * 3, self.size())
        else:
            body = self.body(["基本情况"], [S_CREDIT], self.size())
        self.add(u, rt, f"{rt:%Y-%m-%d}-{co[1:5]}{cat}", fm, body, kind="credit")

    def gen_info(self, u):
        r = self.rng
        rt = self.rand_time()
        topic = r.choice(TOPICS)
        title = r.choice([f"{u['name']}扎实开展{topic}工作", f"{topic}工作动态", f"关于{topic}工作情况的报告"])
        probe = None
        if r.random() < 0.01:
            title = f"{u['name']}：{topic}工作动态"
            probe = "full-width colon inside a title value (not where YAML needs ASCII)"
        fm = self.common(u, "info", "工作信息", title, rt, draft=r.random() < 0.01)
        self.add_tags(fm)
        body = self.section_body(S_INFO, self.size()) + "\n"
        if r.random() < 0.3:
            body = f"### {topic}\n\n" + body
        x = r.random()
        if x < 0.004:
            body += "\n联系人：办公室，电话 0797-6612345，传真 0797-6612346。\n"
            probe = "landline phone number (not mobile)"
        elif x < 0.008:
            body += f"\n缴款账号：{bad_id18(r)}（非身份证号）。\n"
            probe = "18-digit number failing GB 11643 check digit"
        elif x < 0.012:
            body += "\n会议强调，要依法保护企业商业秘密，严守工作纪律。\n"
            probe = "mentions 商业秘密 (not a classification marking)"
        rep = self.add(u, rt, r.choice([f"{rt:%Y-%m-%d}-{topic}工作", f"{topic}工作动态{rt:%m%d}", f"{rt:%Y-%m-%d}-{topic}工作信息"]), fm, body, kind="info")
        if probe:
            self.manifest["probes"][rep["id"]] = probe
        if 0.012 <= x < 0.016:
            # restricted report legitimately carrying personal data
            fm_del(fm, "classification")
            fm.append(("classification", self.label("restricted", "限定")))
            rep["body"] += f"\n当事人联系方式：{mobile(r)}，身份证号 {id18(r)}。\n"
            self.manifest["probes"][rep["id"]] = "restricted report with mobile + ID number (allowed)"

    def gen_feedback(self):
        r = self.rng
        cands = [x for x in self.reports if x["kind"] not in ("feedback",) and not fm_get(x["fm"], "draft")]
        tgt = r.choice(cands)
        rt = (tgt["rt"] + timedelta(hours=r.uniform(2, 240))).replace(second=0, microsecond=0)
        if rt > LAST:
            return
        fu = self.uidx[r.choice(self.feedback_units)]
        kind = r.choices(["批示", "采用", "退回"], [5, 5, 1])[0]
        title = f"关于《{fm_get(tgt['fm'], 'title')[:30]}》的{kind}"
        fm = self.common(fu, "feedback", "批示/采用", title, rt)
        fm = [kv for kv in fm if kv[0] != "classification"]
        fm += [("on", tgt["id"]), ("kind", kind), ("by", r.choice(["县委办公室", "县政府办公室", "市应急管理局", r.choice(fu["leaders"]) + "同志"]))]
        if kind == "采用":
            fm.append(("level", r.choices(["县", "市", "省", "国家"], [60, 30, 8, 2])[0]))
        tgt["referenced"] = True
        body = self.para(S_INFO) + "\n"
        self.add(fu, rt, f"{rt:%Y-%m-%d}-{kind}-{fm_get(tgt['fm'], 'title')[:12]}", fm, body, kind="feedback")

    def generate(self):
        self.build_org()
        r = self.rng
        self.gen_periodic()
        n_per = len(self.reports)
        rest = self.n - n_per
        mix = [("incident", 0.17), ("inspection", 0.25), ("info", 0.33), ("task", 0.08), ("credit", 0.07), ("feedback", 0.10)]
        nonfb = [u for u in self.units]
        weights = [3 if u["id"] in ("yingjiju", "xiaofang-dadui", "gonganju") else (2 if u["level"] == 1 else 1) for u in nonfb]
        fb_n = 0
        target_fb = int(rest * 0.10)
        while len(self.reports) < self.n - target_fb + fb_n:
            k = r.choices([m[0] for m in mix[:-1]], [m[1] for m in mix[:-1]])[0]
            u = r.choices(nonfb, weights)[0]
            getattr(self, "gen_" + k)(u)
        while len(self.reports) < self.n:
            self.gen_feedback()
        # drafts of periodic duplicates (allowed)
        per = [x for x in self.reports if x["kind"] == "periodic"]
        for x in r.sample(per, min(len(per), max(1, self.n // 2000))):
            fm = [kv for kv in x["fm"] if kv[0] not in ("reviewed_by", "approved_by")] + [("draft", "true")]
            rep = self.add(self.uidx[x["unit"]], x["rt"] - timedelta(hours=2), fm_get(x["fm"], "period") + "-草稿", fm, x["body"], kind="draftdup")
            self.manifest["probes"][rep["id"]] = "draft duplicate of a periodic report (R208 only counts non-draft)"
        self.inject_faults()

    # ---------- faults ----------
    def inject_faults(self):
        """Turn some leaf reports into faulty ones, one of each kind at least, 1 % overall."""
        r = self.rng
        # R305 needs git history: without --git there is nothing to backdate against.
        kinds = [k for k in FAULTS if self.git or "R305" not in k[1]]
        n_f = max(len(kinds), self.n // 100)
        leaf = [x for x in self.reports if not x["referenced"] and x["kind"] != "draftdup"
                and x["id"] not in self.manifest["probes"]]
        used = set()

        def pick(pred):
            for _ in range(10000):
                x = r.choice(leaf)
                if x["id"] not in used and pred(self, x) and not fm_get(x["fm"], "draft"):
                    used.add(x["id"])
                    return x
            raise RuntimeError("no candidate")
        # repeats are drawn from every kind except the 1 MiB files (they would bloat the tree)
        repeatable = [k for k in kinds if "R107" not in k[1]]
        seq = list(kinds) + [r.choice(repeatable) for _ in range(n_f - len(kinds))]
        for name, codes, allow, pred, fn in seq:
            x = pick(pred)
            # a notice the report earned before the fault (late, concealed) may still be reported
            earned = x.get("notices") or []
            fault = {"kind": name, "expect": codes, "allow": sorted(set(allow) | set(earned))}
            res = fn(self, x)
            if isinstance(res, tuple):
                res, fault["pair"] = res[0], "submissions/" + res[1] + ".md"
            fault["path"] = "submissions/" + (res or x["id"]) + ".md"
            self.manifest["faults"].append(fault)

    # ---------- output ----------
    def render(self, x):
        lines = ["---"]
        for k, v in x["fm"]:
            if v.startswith("\n"):
                lines.append(f"{k}:{v}")
            else:
                lines.append(f"{k}: {v}")
        if x.get("no_close"):
            text = "\n".join(lines) + "\n\n" + x["body"]
        else:
            text = "\n".join(lines) + "\n---\n\n" + x["body"]
        if x.get("fw_colon"):
            text = text.replace("\nauthor: ", "\nauthor：", 1)
        if x.get("fm_override"):
            text = x["fm_override"] + x["body"]
        if "crlf" not in x:
            x["crlf"] = self.rng.random() < 0.1
        if x["crlf"]:
            text = text.replace("\n", "\r\n")
        data = text.encode(x.get("encoding", "utf-8"))
        if x.get("bom"):
            data = b"\xef\xbb\xbf" + data
        return data

    def write(self):
        os.makedirs(self.out, exist_ok=True)
        sub = os.path.join(self.out, "submissions")
        os.makedirs(sub, exist_ok=True)
        org = self.org_yaml()
        with open(os.path.join(sub, "_org.yml"), "w", encoding="utf-8") as f:
            f.write(org)
        for x in self.reports:
            x["path"] = x.get("path") or "submissions/" + x["id"] + ".md"
            x["data"] = self.render(x)
            p = os.path.join(self.out, x["path"])
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(x["data"])
        # things that are not reports (must be ignored)
        for u in self.units[:3]:
            p = os.path.join(sub, u["id"], "_模板.md")
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w", encoding="utf-8") as f:
                f.write("---\ntitle：（请填写标题）\ntype: \n---\n")
        faults = {f["path"] for f in self.manifest["faults"]}
        mob = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
        for x in self.reports:
            if x["path"] in faults:
                continue
            t = x["data"].decode("utf-8")
            for w in VAGUE:
                assert w not in t, (x["path"], w)
            if mob.search(t) and "限定" not in t and "restricted" not in t:
                raise AssertionError(("mobile-like", x["path"], mob.search(t).group()))
        for x in self.reports:
            if x["path"] in faults:
                continue
            self.manifest["valid"].append(x["path"])
            if x.get("notices"):
                self.manifest["notices"][x["path"]] = x["notices"]
        self.manifest["probes"] = {"submissions/" + k + ".md": v for k, v in self.manifest["probes"].items()}
        self.manifest["allow"] = {"submissions/" + k + ".md": v for k, v in self.manifest["allow"].items()}
        with open(os.path.join(self.out, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(self.manifest, f, ensure_ascii=False, indent=1)
        if self.git:
            self.write_git(org)

    def write_git(self, org):
        r = self.rng
        events = []  # (time, author, msg, ops)
        events.append((START - timedelta(days=3), "系统管理员", "初始化信息上报仓库", [("M", "submissions/_org.yml", org.encode())]))
        imported = []
        renamed = revised = 0
        # faults and probes keep their own meaning: never rename them
        keep = {f["path"] for f in self.manifest["faults"]} | set(self.manifest["probes"])
        for x in self.reports:
            author = fm_get(x["fm"], "author") or "报送员"
            if x["rt"].date() < LEDGER_SINCE:
                imported.append(("M", x["path"], x["data"]))
                continue
            ct = x["rt"] + timedelta(minutes=r.uniform(1, 20))
            if x.get("backdate"):
                ct = x["rt"] + timedelta(hours=r.uniform(3, 30))
            msg = f"{self.uidx[x['unit']]['name']}：{fm_get(x['fm'], 'title')}"
            qq = r.random()
            if qq < 0.01 and not x["referenced"] and x["kind"] != "periodic" and x["path"] not in keep:
                old = x["path"][:-3] + "（草）.md"
                events.append((ct, author, msg, [("M", old, x["data"])]))
                events.append((ct + timedelta(days=r.uniform(0.1, 3)), author, "更正文件名", [("R", old, x["path"])]))
                self.manifest["probes"][x["path"]] = "renamed after first commit (first added under another name)"
                renamed += 1
            elif qq < 0.04:
                first = x["data"].replace("。".encode(), "，".encode(), 1)
                events.append((ct, author, msg, [("M", x["path"], first)]))
                events.append((ct + timedelta(days=r.uniform(0.05, 20)), author, "修改：" + msg, [("M", x["path"], x["data"])]))
                revised += 1
            else:
                events.append((ct, author, msg, [("M", x["path"], x["data"])]))
        events.append((IMPORT_AT, "系统管理员", f"导入纸质台账（{len(imported)}份）", imported))
        events.sort(key=lambda e: e[0])
        repo = self.out
        subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
        p = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet", "--done"], stdin=subprocess.PIPE)
        w = p.stdin
        mark = 0
        for t, author, msg, ops in events:
            mark += 1
            ts = int(t.timestamp())
            ident = f"{author} <u{zlib.crc32(author.encode()) % 100000}@qingshi.gov.cn> {ts} +0800".encode()
            m = msg.encode()
            w.write(b"commit refs/heads/main\n")
            w.write(b"author " + ident + b"\ncommitter " + ident + b"\n")
            w.write(b"data %d\n" % len(m) + m + b"\n")
            for op in ops:
                if op[0] == "M":
                    w.write(b"M 100644 inline " + q(op[1]) + b"\n")
                    w.write(b"data %d\n" % len(op[2]) + op[2] + b"\n")
                else:
                    w.write(b"R " + q(op[1]) + b" " + q(op[2]) + b"\n")
        w.write(b"done\n")
        w.close()
        if p.wait():
            raise SystemExit("fast-import failed")
        subprocess.run(["git", "-C", repo, "checkout", "-q", "-f", "main"], check=True)
        with open(os.path.join(self.out, "manifest.json"), "w", encoding="utf-8") as f:
            self.manifest["probes"] = {k: v for k, v in self.manifest["probes"].items()}
            json.dump(self.manifest, f, ensure_ascii=False, indent=1)
        print(f"git: {len(events)} commits, {renamed} renamed, {revised} revised, {len(imported)} imported", file=sys.stderr)


def q(path):
    s = path.replace("\\", "\\\\").replace('"', '\\"')
    return ('"' + s + '"').encode()


def fm_get(fm, key):
    for k, v in fm:
        if k == key:
            return v.strip('"')
    return None


def fm_set(fm, key, val):
    for i, (k, _) in enumerate(fm):
        if k == key:
            fm[i] = (key, val)
            return
    fm.append((key, val))


def fm_del(fm, key):
    fm[:] = [(k, v) for k, v in fm if k != key]


# ---------- codes ----------
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check(s17):
    tot = sum(USCC_CHARS.index(c) * w for c, w in zip(s17, USCC_W, strict=True))
    return USCC_CHARS[(31 - tot % 31) % 31]


def orgcode_check(s8):
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    tot = sum((int(c) if c.isdigit() else ord(c) - 55) * wi for c, wi in zip(s8, w, strict=True))
    c = 11 - tot % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def uscc(r):
    while True:
        head = r.choice(["91", "92", "93", "12", "52"])
        div = r.choice(["360782", "360730", "360702"])
        if r.random() < 0.6:
            body = "MA" + "".join(r.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
        else:
            body = "".join(r.choice("0123456789") for _ in range(8))
        oc = orgcode_check(body)
        if oc not in USCC_CHARS:
            continue
        s17 = head + div + body + oc
        return s17 + uscc_check(s17)


def id18_check(s17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * wi for c, wi in zip(s17, w, strict=True)) % 11]


def id18(r):
    s = "360782" + f"{r.randint(1960, 2005)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}" + f"{r.randint(0, 999):03d}"
    return s + id18_check(s)


def bad_id18(r):
    s = id18(r)
    good = s[-1]
    return s[:-1] + next(c for c in "0123456789" if c != good)


def mobile(r):
    return "1" + r.choice("3456789") + "".join(r.choice("0123456789") for _ in range(9))


# ---------- periods ----------
def periods(t, since, asof):
    out = []
    if t == "weekly":
        d = since + timedelta(days=(7 - since.weekday()) % 7)
        while d <= asof.date():
            y, w, _ = d.isocalendar()
            out.append(f"{y}-W{w:02d}")
            d += timedelta(days=7)
    elif t == "monthly":
        y, m = since.year, since.month
        if since.day != 1:
            y, m = (y + (m == 12), m % 12 + 1)
        while date(y, m, 1) <= asof.date():
            out.append(f"{y}-{m:02d}")
            y, m = (y + (m == 12), m % 12 + 1)
    elif t == "quarterly":
        y, qq = since.year, (since.month - 1) // 3 + 1
        if not (since.day == 1 and since.month in (1, 4, 7, 10)):
            y, qq = (y + (qq == 4), qq % 4 + 1)
        while date(y, 3 * qq - 2, 1) <= asof.date():
            out.append(f"{y}-Q{qq}")
            y, qq = (y + (qq == 4), qq % 4 + 1)
    else:
        y = since.year + (since != date(since.year, 1, 1))
        while date(y, 1, 1) <= asof.date():
            out.append(str(y))
            y += 1
    return out


def period_bounds(t, p):
    if t == "weekly":
        y, w = int(p[:4]), int(p[6:])
        s = date.fromisocalendar(y, w, 1)
        e = s + timedelta(days=7)
    elif t == "monthly":
        y, m = int(p[:4]), int(p[5:])
        s = date(y, m, 1)
        e = date(y + (m == 12), m % 12 + 1, 1)
    elif t == "quarterly":
        y, qq = int(p[:4]), int(p[6])
        s = date(y, 3 * qq - 2, 1)
        e = date(y + (qq == 4), (3 * qq) % 12 + 1, 1)
    else:
        s, e = date(int(p), 1, 1), date(int(p) + 1, 1, 1)
    return midnight(s), midnight(e)


def midnight(d):
    return datetime(d.year, d.month, d.day, tzinfo=TZ)


def period_title(t, p):
    if t == "weekly":
        return f"{p[:4]}年第{int(p[6:])}周"
    if t == "monthly":
        return f"{p[:4]}年{int(p[5:])}月"
    if t == "quarterly":
        return f"{p[:4]}年第{'一二三四'[int(p[6]) - 1]}季度"
    return f"{p}年度"


# ---------- fault implementations ----------
def f_missing_key(g, x):
    key = {"incident": "location", "inspection": "target", "credit": "subject", "task": "due"}.get(x["kind"], "title")
    fm_del(x["fm"], key)


def f_fw_colon(g, x):
    x["fw_colon"] = True


def f_tab(g, x):
    fm_set(x["fm"], "metrics", "\n\t检查企业数: 8\n\t发现隐患: 12")


def f_bom(g, x):
    x["bom"] = True


def f_gbk(g, x):
    x["encoding"] = "gbk"


def f_bad_uscc(g, x):
    s = fm_get(x["fm"], "uscc")
    good = s[-1]
    fm_set(x["fm"], "uscc", s[:-1] + next(c for c in "0123456789ABCDEFGH" if c != good))


def f_vague(g, x):
    x["body"] += "\n据说现场还有一名工人受伤，正在核实。\n"


def f_mobile(g, x):
    fm_del(x["fm"], "classification")
    x["body"] += f"\n现场联系人：王师傅，手机{mobile(g.rng)}。\n"


def f_idno(g, x):
    fm_del(x["fm"], "classification")
    x["body"] += f"\n伤者张某某，身份证号码{id18(g.rng)}，已送医。\n"


def f_no_section(g, x):
    sec = {"incident": "处置措施", "periodic": "存在问题", "inspection": "发现问题", "task": "落实情况"}[x["kind"]]
    parts = re.split(r"(?m)^(?=## (?!#))", x["body"])
    x["body"] = "".join(p for p in parts if not p.startswith("## " + sec))
    if x["kind"] == "task":
        x["body"] = "## 工作情况\n\n" + x["body"]


def f_wrong_unit(g, x):
    # a periodic report moved to a unit that owes the same type could collide with that
    # unit's own report of the period (R208 on a valid file): move it where it cannot
    others = [u for u in g.units if u["id"] != x["unit"] and x.get("ptype") not in u["periodic"]]
    other = g.rng.choice(others or [u for u in g.units if u["id"] != x["unit"]])
    fm_set(x["fm"], "unit", other["id"])


def f_wrong_year(g, x):
    y = x["rt"].year - 1
    stem = base = x["id"].split("/")[-1]
    k = 2
    while (x["unit"], y, base) in g.used_names:  # never overwrite a report of the year before
        base = f"{stem}-{k}"
        k += 1
    g.used_names.add((x["unit"], y, base))
    x["path"] = f"submissions/{x['unit']}/{y}/{base}.md"
    return x["path"][len("submissions/"):-3]


def f_unknown_key(g, x):
    fm_del(x["fm"], "tags")
    x["fm"].append(("tag", "[安全生产]"))


def f_bad_time(g, x):
    fm_set(x["fm"], "reported_at", x["rt"].strftime("%Y年%m月%d日 %H时%M分"))


def f_bad_enum(g, x):
    fm_set(x["fm"], "severity", "一般性")


def f_bad_author(g, x):
    fm_set(x["fm"], "author", "路人甲")


def f_dup(g, x):
    u = g.uidx[x["unit"]]
    rt = x["rt"] + timedelta(hours=1)
    fm = list(x["fm"])
    fm_set(fm, "reported_at", rt.strftime("%Y-%m-%d %H:%M"))
    rep = g.add(u, rt, fm_get(x["fm"], "period") + "-重复报送", fm, x["body"], kind="dup")
    g.manifest["allow"][x["id"]] = ["R208"]
    return rep["id"], x["id"]  # the original stays valid, but is the other half of the pair


def f_future(g, x):
    t = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
    fm_set(x["fm"], "reported_at", t.strftime("%Y-%m-%d %H:%M"))


def f_order(g, x):
    fm_set(x["fm"], "occurred_at", (x["rt"] + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"))


def f_period_form(g, x):
    fm_set(x["fm"], "period", x["rt"].strftime("%Y-%m") if x["ptype"] == "weekly" else x["rt"].strftime("%G-W%V"))


def f_follows(g, x):
    fm_set(x["fm"], "stage", "续报")
    fm_set(x["fm"], "follows", f"{x['unit']}/{x['rt'].year}/不存在的初报")


def f_severity(g, x):
    fm_set(x["fm"], "deaths", "4")
    fm_set(x["fm"], "severity", "一般")


def f_hazards(g, x):
    hf = int(fm_get(x["fm"], "hazards_found"))
    fm_set(x["fm"], "hazards_fixed", str(hf + 3))


def f_no_approver(g, x):
    fm_del(x["fm"], "approved_by")


def f_self_approve(g, x):
    u = g.uidx[x["unit"]]
    fm_set(x["fm"], "author", u["leaders"][0])
    fm_set(x["fm"], "approved_by", u["leaders"][0])


def f_secret(g, x):
    x["body"] = "**机密★1年**\n\n" + x["body"]


def f_script(g, x):
    x["body"] += '\n<script>alert("x")</script>\n'


def f_fb_unit(g, x):
    u = g.rng.choice([u for u in g.units if u["level"] == 2])
    fm = list(x["fm"])
    fm_set(fm, "unit", u["id"])
    fm_set(fm, "author", u["reporters"][0])
    fm_set(fm, "reviewed_by", u["leaders"][0])
    fm_set(fm, "approved_by", u["leaders"][-1] if len(u["leaders"]) > 1 else u["leaders"][0])
    g.reports.remove(x)
    rep = g.add(u, x["rt"], x["id"].split("/")[-1], fm, x["body"], kind="feedback")
    return rep["id"]


def f_yaml(g, x):
    fm_set(x["fm"], "tags", "[消防, 交通")


def f_noclose(g, x):
    x["no_close"] = True


def f_big(g, x):
    x["body"] += ("安全生产工作情况说明。" * 40 + "\n\n") * 900


def f_list(g, x):
    x["fm_override"] = "---\n- title: 列表形式的元数据\n- type: info\n---\n\n"


def f_progress(g, x):
    fm_set(x["fm"], "progress", fm_get(x["fm"], "progress") + "%")


def f_backdate(g, x):
    x["backdate"] = True


TIMED_KINDS = ("info", "inspection", "task", "credit", "incident", "periodic")


def K(*kinds):
    """Predicate: a report of one of `kinds`, dated on or after ledger_since."""
    def pred(g, x):
        return x["kind"] in kinds and x["rt"].date() >= LEDGER_SINCE
    return pred


ANY = K(*TIMED_KINDS)


def in_2026(*kinds):
    def pred(g, x):
        return x["kind"] in kinds and x["rt"].year == 2026
    return pred


def has_two_leaders(g, x):
    return ANY(g, x) and len(g.uidx[x["unit"]]["leaders"]) >= 2


FAULTS = [
    ("missing required key", ["R201"], [], K("incident", "inspection", "credit", "task"), f_missing_key),
    ("full-width colon after key", ["R105"], ["R104", "R201", "R106"], ANY, f_fw_colon),
    ("tab indentation in metrics", ["R105"], ["R104"], K("periodic"), f_tab),
    ("UTF-8 BOM", ["R102"], [], ANY, f_bom),
    ("GBK encoded", ["R101"], [], ANY, f_gbk),
    ("bad USCC check char", ["R405"], [], K("credit"), f_bad_uscc),
    ("vague word 据说", ["R402"], [], ANY, f_vague),
    ("mobile number in internal report", ["R504"], [], K("info", "inspection", "incident"), f_mobile),
    ("ID number in internal report", ["R504"], [], K("info", "incident"), f_idno),
    ("missing required section", ["R401"], [], K("incident", "periodic", "inspection", "task"), f_no_section),
    ("unit differs from folder", ["R206"], ["R207", "R403", "R502"], ANY, f_wrong_unit),
    ("year folder != reported_at year", ["R108"], [], K("info", "inspection"), f_wrong_year),
    ("unknown key tag", ["R202"], [], ANY, f_unknown_key),
    ("bad time form", ["R203"], ["R108"], ANY, f_bad_time),
    ("severity not allowed", ["R204"], [], K("incident"), f_bad_enum),
    ("author not of unit", ["R207"], [], ANY, f_bad_author),
    ("duplicate periodic", ["R208"], ["R303"], K("periodic"), f_dup),
    ("future reported_at", ["R301"], [], in_2026("info", "inspection"), f_future),
    ("occurred after reported", ["R302"], ["R303", "R304"], K("incident"), f_order),
    ("period of wrong form", ["R306"], ["R203"], K("periodic"), f_period_form),
    ("follows nothing", ["R403"], [], K("incident"), f_follows),
    ("severity below grade", ["R404"], [], K("incident"), f_severity),
    ("hazards_fixed > found", ["R406"], [], K("inspection"), f_hazards),
    ("approved_by missing", ["R501"], ["R201"], ANY, f_no_approver),
    ("author approves own report", ["R502"], [], has_two_leaders, f_self_approve),
    ("marked 机密", ["R503"], [], ANY, f_secret),
    ("script tag", ["R505"], [], ANY, f_script),
    ("feedback by non-feedback unit", ["R506"], [], K("feedback"), f_fb_unit),
    ("YAML syntax error", ["R104"], [], ANY, f_yaml),
    ("closing --- missing", ["R103"], [], ANY, f_noclose),
    ("file > 1 MiB", ["R107"], [], K("info"), f_big),
    ("front matter is a list", ["R106"], [], ANY, f_list),
    ("progress written as 70%", ["R203"], [], K("task"), f_progress),
    ("backdated (committed hours after reported_at)", ["R305"], ["R303", "R304"], K("info", "inspection"), f_backdate),
]
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--reports", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--git", action="store_true")
    a = ap.parse_args()
    g = Gen(a.out, a.reports, a.seed, a.git)
    g.generate()
    # sanity: no vague words / mobiles in intended-valid bodies
    g.write()
    m = g.manifest
    print(f"{len(g.reports)} reports, {len(m['faults'])} faults, {len(m['missing'])} missing periodic, "
          f"{len(m['notices'])} with expected notices, {len(m['probes'])} probes", file=sys.stderr)


if __name__ == "__main__":
    main()
