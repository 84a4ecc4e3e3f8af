"""The floor for ``shangbao check``: read every report and parse its front matter with libyaml.

    python benchmarks/baseline_parse.py ROOT

Nothing else: no positions, no schema, no rules, no git. SPEC §8 asks ``check`` to stay
within a small multiple of this (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import os
import sys

import yaml


def main(root: str) -> int:
    loader = yaml.CSafeLoader
    count = keys = broken = 0
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, "submissions")):
        dirnames[:] = [d for d in dirnames if not d.startswith(("_", "."))]
        for name in filenames:
            if name.startswith(("_", ".")) or not name.endswith(".md"):
                continue
            with open(os.path.join(dirpath, name), "rb") as fh:
                # a broken file (another encoding, a BOM, CRLF) still costs its parse: read it anyway
                text = fh.read().decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
            if not text.startswith("---\n"):
                continue
            end = text.find("\n---\n", 3)
            if end < 0:
                continue
            try:
                data = yaml.load(text[4:end], Loader=loader)
            except yaml.YAMLError:
                broken += 1
                continue
            count += 1
            keys += len(data) if isinstance(data, dict) else 0
    print(f"{count} front matters, {keys} keys, {broken} not YAML")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
