"""No command executes code from the repository (SPEC §14, issue 12 item 9).

A repository holding ``asyncio.py``, ``pagefind.py`` and other files named like modules the
build's child processes import: building from inside it (the working directory is the
repository, as in CI) must not run any of them. Each file, if imported, leaves a marker.
"""

from __future__ import annotations

import os
import subprocess
import sys

from helpers_org import AS_OF, make_org, write_good

MODULES = ("asyncio", "pagefind", "signal", "tempfile", "shutil", "json", "re", "generator_site_search")


def test_build_and_its_indexer_import_nothing_from_the_repository(tmp_path):
    root = make_org(tmp_path / "repo")
    write_good(root, "info")
    marker = tmp_path / "imported"
    for name in MODULES:
        (root / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-I", "-m", "generator", "build", "--site-dir", str(tmp_path / "site"),
                           "--as-of", AS_OF], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "site" / "sb-index" / "meta.json").is_file()  # the indexer did run
    assert not marker.exists(), marker.read_text()
