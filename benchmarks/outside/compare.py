#!/usr/bin/env python3
"""Classify `check --format json` findings against the manifest written by gen.py.

    python benchmarks/outside/compare.py REPO FINDINGS.json

REPO is the directory gen.py wrote (it holds manifest.json); FINDINGS.json is the output of
`python -m generator --root REPO check --as-of "2026-11-27 12:00" --format json`.
Like gen.py, this was written from SPEC alone, without reading the generator's code.
"""
import collections
import json
import re
import sys
from pathlib import Path

CJK = re.compile(r"[\u4e00-\u9fff]")


def compare(manifest: dict, findings: list[dict]) -> dict:
    """Sort findings against the manifest.

    Returns a dict of lists (empty lists mean all is well):
      false_positives  findings on intended-valid files that neither an expected notice nor
                       an allowed code explains (findings on probe files go to probes_hit)
      faults_missed    {"kind", "path", "missing": [codes], "got": [codes]} per injected fault
                       not reported with every expected code
      notices_missing  {"path", "code", "got": [codes]} per expected notice not reported
      non_chinese      findings whose message has no Chinese character
      probes_hit       {"probe", "finding"} per finding on a probe file, not allowed
    and, for information:
      extra_on_faults  {"kind", "path", "extra": [codes]}: codes on a fault file beyond the
                       expected and allowed ones
      probes_not_hit   the probe descriptions with no finding at all on their files
      counts           [[code, severity, n], ...], most frequent first
    """
    faults = {f["path"]: f for f in manifest["faults"]}
    notices = manifest.get("notices", {})
    probes = manifest.get("probes", {})
    allow = manifest.get("allow", {})
    by_path = collections.defaultdict(list)
    for f in findings:
        by_path[f["path"]].append(f)

    def codes_on(path):
        return {x["code"] for x in by_path.get(path, [])}

    out = {"false_positives": [], "faults_missed": [], "notices_missing": [], "non_chinese": [],
           "probes_hit": [], "extra_on_faults": []}
    out["non_chinese"] = [f for f in findings if not CJK.search(f.get("message", ""))]
    r208_pairs = [p for p, codes in allow.items() if "R208" in codes]
    for path, flt in faults.items():
        codes = codes_on(path)
        if "R208" in flt["expect"]:
            # R208 names two files; the tool may report it on either one of the pair
            pairs = [flt["pair"]] if "pair" in flt else r208_pairs
            codes |= {c for p in pairs for c in codes_on(p) if c == "R208"}
        missing = [c for c in flt["expect"] if c not in codes]
        if missing:
            out["faults_missed"].append({"kind": flt["kind"], "path": path, "missing": missing, "got": sorted(codes)})
        extra = codes - set(flt["expect"]) - set(flt["allow"])
        if extra:
            out["extra_on_faults"].append({"kind": flt["kind"], "path": path, "extra": sorted(extra)})
    for path, fs in by_path.items():
        if path in faults:
            continue
        ok = set(notices.get(path, [])) | set(allow.get(path, []))
        for f in fs:
            if f["code"] in ok:
                continue
            if path in probes:
                out["probes_hit"].append({"probe": probes[path], "finding": f})
            else:
                out["false_positives"].append(f)
    for path, codes in notices.items():
        got = codes_on(path)
        for c in codes:
            if c not in got:
                out["notices_missing"].append({"path": path, "code": c, "got": sorted(got)})
    out["probes_not_hit"] = sorted({what for path, what in probes.items() if not by_path.get(path)})
    counts = collections.Counter((f["code"], f["severity"]) for f in findings)
    out["counts"] = [[code, sev, n] for (code, sev), n in counts.most_common()]
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    repo, findings_path = argv
    manifest = json.loads((Path(repo) / "manifest.json").read_text(encoding="utf-8"))
    findings = json.loads(Path(findings_path).read_text(encoding="utf-8"))
    res = compare(manifest, findings)

    print("findings:", len(findings), [(c, s, n) for c, s, n in res["counts"]])
    print("\n== (a) unexpected findings on intended-valid files:", len(res["false_positives"]))
    by_code = collections.defaultdict(list)
    for f in res["false_positives"]:
        by_code[(f["code"], f["severity"])].append(f)
    for k, v in sorted(by_code.items()):
        print(f"  {k}: {len(v)}  e.g. {v[0]['path']}:{v[0]['line']}: {v[0]['message'][:160]}")
    print("\n== probes hit:", len(res["probes_hit"]))
    for hit in res["probes_hit"][:30]:
        f = hit["finding"]
        print(f"  [{hit['probe']}] {f['path']}:{f['line']} {f['code']} {f['message'][:140]}")
    print("\n== (b) injected faults NOT reported:", len(res["faults_missed"]))
    for m in res["faults_missed"]:
        print(f"  {m['kind']}: {m['path']} missing {m['missing']}, got {m['got']}")
    print("\n== extra codes on fault files:")
    extra = collections.defaultdict(list)
    for e in res["extra_on_faults"]:
        extra[tuple(e["extra"])].append(e)
    for k, v in extra.items():
        print(f"  {k}: {len(v)} e.g. {v[0]['kind']}: {v[0]['path']}")
    print("\n== expected notices missing:", len(res["notices_missing"]))
    for m in res["notices_missing"][:8]:
        print(f"  {m['path']} {m['code']} (got {m['got']})")
    print("\n== non-Chinese messages:", len(res["non_chinese"]),
          [(f["code"], f["message"][:80]) for f in res["non_chinese"][:5]])
    print("\nprobes with no finding at all (as intended):", res["probes_not_hit"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
