"""R3xx: times — in the future, out of order, late (迟报), concealed (瞒报), backdated, period."""

from __future__ import annotations

import datetime as dt

from .. import periods
from ..config import format_duration
from ..timeparse import format_time
from .base import rule

R301 = rule(
    "R301", "error", "时间在未来",
    "“{key}”是 {value}，晚于现在（{now}）；已经发生的事只能写过去的时间，请核对后改正",
    """
报送时间、发生时间、检查日期、交办日期、决定日期记录的是已经发生的事，不能晚于现在。
（办结期限 `due` 可以在未来。）

**怎么改**：核对时间，注意上午/下午和日期；时间写成 `2026-11-27 09:30`（24 小时制）。
""",
)

R302 = rule(
    "R302", "error", "时间先后矛盾",
    "{detail}",
    """
时间必须前后一致：事件发生时间不能晚于报送时间，检查、决定日期不能晚于报送日期，
交办日期不能晚于办结期限，续报不能早于初报，批示、采用不能早于所针对的报告。

**怎么改**：核对两个时间，改正写错的一个。
""",
    details={
        "after_reported": "{meaning}（{value}）晚于报送时间（{reported}）；请核对两者，改正写错的一个",
        "due_before_assigned": "办结期限（{due}）早于交办日期（{assigned}）；请核对",
        "before_target": "本报告报送于 {reported}，早于它所针对的报告“{target}”（{target_time}）；请核对报送时间或 {key}",
    },
)
#: the times R302 compares with reported_at, and how its message names them
ORDER_KEYS = (("occurred_at", "事件发生时间"), ("inspected_on", "检查日期"),
              ("decided_on", "决定日期"), ("assigned_on", "交办日期"))

R303 = rule(
    "R303", "notice", "迟报",
    "{detail}",
    """
**迟报**：突发事件在发生后超过规定时限（默认 2 小时）才报送；定期报告在应报时间之后才报送
（周报：下周一 12:00；月报：次月 3 日内；季报：次季 5 日内；年报：次年 15 日内，以 `_org.yml` 为准）。

这是一条**提示**（notice），不是错误：报告照常接收、发布和统计，只是在汇总中计为迟报。
不要为了“通过检查”而改动报送时间——报送时间以 git 记录的接收时间为准（见 R305），
改时间只会被记为倒签。

**怎么做**：如实报送；如有正当原因，在正文中写明迟报原因。
""",
)

R304 = rule(
    "R304", "notice", "瞒报",
    "{detail}",
    """
**瞒报**：突发事件在发生后超过规定时限（默认 10 小时）才报送，按瞒报计。

与迟报一样，这是一条**提示**（notice）：报告照常接收、发布和统计，汇总中计为瞒报并扣分。

**怎么做**：如实报送，并在正文中说明延误原因。
""",
)

R305 = rule(
    "R305", "notice", "倒签报送时间",
    "{detail}",
    """
报告写的报送时间（`reported_at`）比它第一次提交到仓库的时间早 30 分钟以上，视为**倒签**。
此时迟报、瞒报按仓库实际接收的时间判断。先提交草稿（`draft: true`）或别的类型的报告、后来才在同一文件中
写成现在的报告的，接收时间按**第一次以现在的样子（非草稿、现在的类型）提交**的时间计：草稿不是报送。
突发事件的发生时间（`occurred_at`）在接收后被改晚的，迟报、瞒报仍按接收时所写的发生时间判断（R303、R304 的提示会写明）。

这是一条**提示**（notice），不阻止发布。`_org.yml` 中 `ledger_since` 之前的报告是从旧台账导入的，
不作此判断。

**怎么做**：报送时间如实填写为实际报送的时间（`shangbao new` 会自动填写当前时间）。
""",
)

R306 = rule(
    "R306", "error", "报告期不对",
    "{detail}",
    """
定期报告的 `period` 必须与类型相符，且报告期开始后才能报送：

| 类型 | 写法 |
|---|---|
| 周报 | `2026-W48`（ISO 周，周一至周日） |
| 月报 | `2026-11` |
| 季报 | `2026-Q4` |
| 年报 | `2026` |

**怎么改**：按表改正 `period`；查本周是第几周可运行 `date +%G-W%V`。
""",
    details={
        "kind": "{type_label}的报告期应写成 {example} 的形式，而“{period}”是{kind_label}的写法；请改正 period 或 type",
        "unknown": "未知",
        "not_begun": "报告期 {period}（{label}）从 {start} 才开始，而报送时间是 {reported}；报告期还没开始不能报送，请核对 period",
    },
)

_DONE_KEYS = (
    ("reported_at", "reported_at"),
    ("occurred_at", "occurred_at"),
    ("inspected_on", "inspected_on"),
    ("assigned_on", "assigned_on"),
    ("decided_on", "decided_on"),
)


def _later(a: dt.datetime | dt.date, b: dt.datetime | dt.date, tz) -> bool:
    """Whether ``a`` is after ``b`` (dates compared with the local date of a time)."""
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a > b
    a_day = a.astimezone(tz).date() if isinstance(a, dt.datetime) else a
    b_day = b.astimezone(tz).date() if isinstance(b, dt.datetime) else b
    return a_day > b_day


def _show(value, tz) -> str:
    return format_time(value, tz) if isinstance(value, dt.datetime) else value.isoformat()


@R301.checks
def _future(report, ctx):
    tz = ctx.org.timezone
    for key, attr in _DONE_KEYS:
        value = getattr(report, attr)
        if value is not None and _later(value, ctx.as_of, tz):
            yield report.line_of(key), 1, {"key": key, "value": _show(value, tz), "now": format_time(ctx.as_of, tz)}


@R302.checks
def _order(report, ctx):
    tz = ctx.org.timezone
    reported = report.reported_at
    pairs = []
    if reported is not None:
        for key, meaning in ORDER_KEYS:
            value = getattr(report, key)
            if value is not None and _later(value, reported, tz):
                pairs.append((key, R302.details["after_reported"].format(
                    meaning=meaning, value=_show(value, tz), reported=format_time(reported, tz))))
    if report.assigned_on and report.due and report.assigned_on > report.due:
        pairs.append(("due", R302.details["due_before_assigned"].format(due=report.due, assigned=report.assigned_on)))
    target_key = "follows" if report.type == "incident" else "on" if report.type == "feedback" else None
    target_id = report.follows if report.type == "incident" else report.on if report.type == "feedback" else None
    if target_key and target_id and reported is not None:
        target = ctx.by_id.get(target_id)
        if target is not None and target.reported_at is not None and target.reported_at > reported:
            pairs.append((target_key, R302.details["before_target"].format(
                reported=format_time(reported, tz), target=target.title or target.id,
                target_time=format_time(target.reported_at, tz), key=target_key)))
    for key, detail in pairs:
        yield report.line_of(key), 1, {"detail": detail}


@R303.checks
def _late(report, ctx):
    from ..timeliness import incident_delay, incident_timeliness, periodic_due, periodic_timeliness

    tz = ctx.org.timezone
    if report.draft:
        return
    if report.type == "incident":
        verdict = incident_timeliness(report, ctx.org)
        if verdict == "late":
            delay = incident_delay(report, ctx.org)
            yield report.line_of("reported_at"), 1, {"detail": (
                f"迟报：{_occurred(report, tz)}，{_basis(report, ctx.org)}，"
                f"相隔 {format_duration(delay)}，超过规定的 {format_duration(ctx.org.deadlines.incident_late)}")}
    elif report.is_periodic:
        if periodic_timeliness(report, ctx.org) == "late":
            due = periodic_due(report, ctx.org)
            period = periods.parse(report.period)
            name = period.label if period else report.period
            yield report.line_of("reported_at"), 1, {"detail": (
                f"迟报：{name}{report.type_label}应于 {format_time(due, tz)} 前报送，{_basis(report, ctx.org)}")}


@R304.checks
def _concealed(report, ctx):
    from ..timeliness import incident_delay, incident_timeliness

    tz = ctx.org.timezone
    if report.type == "incident" and not report.draft and incident_timeliness(report, ctx.org) == "concealed":
        delay = incident_delay(report, ctx.org)
        yield report.line_of("reported_at"), 1, {"detail": (
            f"瞒报：{_occurred(report, tz)}，{_basis(report, ctx.org)}，"
            f"相隔 {format_duration(delay)}，超过规定的 {format_duration(ctx.org.deadlines.incident_concealed)}")}


def _occurred(report, tz) -> str:
    """When the incident occurred, as judged: an occurred_at moved later after receipt is not (history.py)."""
    from ..timeliness import occurred_for_timeliness

    judged = occurred_for_timeliness(report)
    if judged is not None and judged != report.occurred_at:
        return (f"事件发生于 {format_time(judged, tz)}（接收时所写；之后改成了 {format_time(report.occurred_at, tz)}，"
                "接收后改晚发生时间不改变时效判断）")
    return f"事件发生于 {format_time(report.occurred_at, tz)}"


def _basis(report, org) -> str:
    """How the report's time was judged: its reported_at, or its received time when backdated."""
    from ..timeliness import judged_on_received

    tz = org.timezone
    if judged_on_received(report, org):
        return (f"报告写的报送时间是 {format_time(report.reported_at, tz)}，"
                f"仓库实际接收于 {format_time(report.received_at, tz)}（按接收时间计）")
    return f"报送于 {format_time(report.reported_at, tz)}"


@R305.checks
def _backdated(report, ctx):
    from ..timeliness import backdated_by

    delta = backdated_by(report, ctx.org)
    if delta is not None:
        tz = ctx.org.timezone
        if report.received_from is not None:  # the file came earlier, as a draft or another type (history.py)
            first_at, first_commit = report.received_from
            received = (f"此文件 {format_time(first_at, tz)} 首次提交（提交 {str(first_commit)[:10]}）时还是草稿或另一类型的"
                        f"报告，现在的报告 {format_time(report.received_at, tz)} 才提交（提交 "
                        f"{str(report.received_commit)[:10]}），仓库按此时接收")
        else:
            received = (f"仓库首次接收此文件是 {format_time(report.received_at, tz)}"
                        f"（提交 {str(report.received_commit)[:10]}）")
        yield report.line_of("reported_at"), 1, {"detail": (
            f"报送时间写的是 {format_time(report.reported_at, tz)}，但{received}，"
            f"早了 {format_duration(delta)}；时效按接收时间判断")}


@R306.checks
def _period(report, ctx):
    if not report.is_periodic or report.period is None:
        return
    kind = periods.kind_of(report.period)
    line = report.line_of("period")
    words = R306.details
    if kind != report.type:
        yield line, 1, {"detail": words["kind"].format(
            type_label=report.type_label, example=periods.FORM_EXAMPLES[report.type], period=report.period,
            kind_label=periods.KIND_LABELS.get(kind or "", words["unknown"]))}
        return
    period = periods.parse(report.period, kind)
    if period is not None and report.reported_at is not None:
        start = period.start_at(ctx.org.timezone)
        if start > report.reported_at:
            yield line, 1, {"detail": words["not_begun"].format(
                period=report.period, label=period.label, start=period.start,
                reported=format_time(report.reported_at, ctx.org.timezone))}
