"""The 填报 form's data (SPEC §11): exported at build time from the checker's own schema and rules.

The form page (``templates/site/fill.md.j2`` + ``templates/assets/fill.js``) holds no list of its
own: the report types, their keys with Chinese labels, forms and choices, the required sections,
the vague words, the grade thresholds, the check-digit tables and every rule's message templates
come from here, that is from ``generator.schema`` and ``generator.rules``, so that a message in
the browser reads exactly as ``shangbao check`` words it. The units' rosters are in it too, so
the page is only built for the internal and restricted audiences, never for the public one.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from .. import periods, schema
from ..config import Org
from ..model import REPORT_TYPES, SEVERITY_GRADES
from .. import newreport, reader
from ..rules import content, safety, times
from ..rules.base import RULES

#: the checks the form makes in the browser (templates/assets/fill.js), with the checker's codes
BROWSER_RULES = ("R201", "R203", "R204", "R205", "R207", "R301", "R302", "R306", "R401", "R402", "R407", "R404", "R405", "R406",
                 "R501", "R502", "R503", "R504", "R505", "R506")
#: the page's own files under templates/assets/ (left out of the public build)
ASSETS = ("fill.js", "fill.css")
#: a web-editor address longer than this is not opened prefilled (servers and proxies cut it)
MAX_URL = 8 * 1024


def _js(pattern: str) -> str:
    """A checker's regular expression as JavaScript reads it: the same matches, without the
    possessive quantifiers (``*+``, ``++``) Python uses against backtracking, which JavaScript lacks."""
    return re.sub(r"(?<!\\)([*+?}])\+", r"\1", pattern)


def _choices(key: schema.Key) -> list[dict[str, str]]:
    if isinstance(key.choices, dict):
        return [{"value": code, "label": label} for code, label in key.choices.items()]
    return [{"value": value, "label": value} for value in key.choices]


def _key(key: schema.Key) -> dict[str, Any]:
    out: dict[str, Any] = {"name": key.name, "label": key.meaning, "form": key.form, "required": key.required}
    if key.choices:
        out["choices"] = _choices(key)
        out["allowed"] = schema._allowed(key.choices)  # R204 lists them exactly so
    return out


def _sections(rtype: str) -> dict[str, Any]:
    """The required sections of a type, by the one enumerated key they depend on (if any).

    Asked of the checker's own ``required_sections`` for every value of the type's enumerated
    keys, so that a new variant there shows up here without a second list.
    """
    enums = [k for k in schema.OWN[rtype] if k.form == "enum"]

    def ask(values: dict[str, str]) -> tuple[tuple[str, ...], str]:
        fake = SimpleNamespace(type=rtype, stage=None, category=None, **{k: None for k in ("kind", "level", "severity")})
        for name, value in values.items():
            setattr(fake, name, value)
        return content.required_sections(fake)

    base = {k.name: _choices(k)[0]["value"] for k in enums}
    depends = [k for k in enums if len({ask(base | {k.name: c["value"]}) for c in _choices(k)}) > 1]
    if not depends:
        sections, variant = ask(base)
        return {"by": None, "cases": {"": {"sections": list(sections), "variant": variant}}}
    if len(depends) > 1:  # the form would need a table by two keys: say so rather than guess
        raise ValueError(f"{rtype}: required sections depend on {[k.name for k in depends]}")
    key = depends[0]
    # the default when the key is left out (an incident's stage is 初报 then)
    cases = {c["value"]: ask(base | {key.name: c["value"]}) for c in _choices(key)}
    default = ask(base | {key.name: None})
    out = {name: {"sections": list(s), "variant": v} for name, (s, v) in cases.items()}
    out[""] = {"sections": list(default[0]), "variant": default[1]}
    return {"by": key.name, "cases": out}


def _rules() -> dict[str, dict[str, Any]]:
    return {code: {"severity": r.severity, "title": r.title, "message": r.message, "details": r.details}
            for code, r in sorted(RULES.items())}


def form_data(org: Org) -> dict[str, Any]:
    """Everything the form needs, as JSON-ready data."""
    types = []
    for code, label in REPORT_TYPES.items():
        own = schema.OWN[code]
        types.append({
            "code": code, "label": label,
            "keys": [_key(k) for k in own],
            "sections": _sections(code),
            "period_example": periods.FORM_EXAMPLES.get(code),
        })
    host = org.git_host
    return {
        "organization": org.organization,
        "timezone": org.timezone_name,
        "common": [_key(k) for k in schema.COMMON],
        "types": types,
        "conditional": [{"type": t, "key": k, "when": w, "values": list(v), "hint": h}
                        for t, k, w, v, h in schema.CONDITIONAL],
        "form_text": schema._FORM_TEXT,
        "period": {
            "forms": {k: _js(rx.pattern) for k, rx in periods._FORMS.items()},
            "examples": periods.FORM_EXAMPLES,
            "any_example": "2026-W48、2026-11、2026-Q4 或 2026",
            "years": [1900, 9998],
            "kind_labels": periods.KIND_LABELS,
            "labels": periods.LABELS,
            "quarter_names": periods.QUARTER_NAMES,
        },
        "rules": _rules(),
        "browser_rules": [c for c in BROWSER_RULES if c in RULES],
        "done_keys": [key for key, _ in times._DONE_KEYS],
        "order_keys": [list(pair) for pair in times.ORDER_KEYS],
        "placeholder": content.PLACEHOLDER,
        "body": {"fence": _js(reader._CODE_FENCE.pattern), "numbering": _js(content._NUMBERING.pattern)},
        "vague_words": list(org.vague_words),
        "count_keys": [list(pair) for pair in content.COUNT_KEYS],
        "grades": {"order": list(SEVERITY_GRADES),
                   "thresholds": [list(g) for g in content._GRADES]},
        "uscc": {"chars": content.USCC_CHARS, "weights": list(content._USCC_WEIGHTS)},
        "id_number": {"pattern": _js(safety._ID_NUMBER.pattern), "weights": list(safety._ID_WEIGHTS),
                      "check": safety._ID_CHECK},
        "mobile": {"pattern": _js(safety._MOBILE.pattern)},
        "active_html": {"tag": _js(safety._ACTIVE_TAG.pattern), "handler": _js(safety._HANDLER.pattern),
                        "link": _js(safety._LINK_TARGET.pattern), "invisible": safety._INVISIBLE.pattern},
        "secret": {"marks": list(safety.SECRET_MARKS), "line": _js(safety._SECRET_LINE.pattern),
                   "any": _js(safety._SECRET_ANY.pattern)},
        "feedback_units": list(org.feedback_units),
        "units": [{"id": u.id, "name": u.name, "leaders": list(u.leaders), "reporters": list(u.reporters)}
                  for u in org.units.values()],
        "file_name": {"unsafe": _js(newreport.UNSAFE_IN_NAME.pattern), "chars": newreport.NAME_CHARS,
                      "fallback": newreport.NAME_FALLBACK},
        "git_host": {"kind": host.kind, "url": host.url, "branch": host.branch} if host else None,
        "max_url": MAX_URL,
    }

