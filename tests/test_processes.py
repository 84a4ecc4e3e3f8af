"""Processes and temporary folders of ``check`` and ``build`` (SPEC §14, issue 12 items 6 and 11).

On a synthetic repository of 2,400 reports (enough for the process pool of ``generator.pool``):

- SIGKILL of ``check`` or ``build`` while its workers and its search indexer run leaves no
  process of ours alive after 5 s (every process started by the build carries a marker in its
  environment, so orphans are found even after the kernel re-parented them), and the next build
  succeeds and removes the temporary folders the killed one left;
- two builds with parallel workers and the same ``--as-of`` give a byte-identical site;
- a second build of the same repository waits for the first (the lock file in ``.git/``) and
  says so in Chinese;
- stale temporary folders of dead builds go, those of a living build stay;
- the old site is removed even when it was made read-only.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from generator import pool
from generator.site.build import lock_path, remove_stale, remove_tree

PROJECT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-27 12:00"  # synth.py's as_of


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)  # polling a condition, not waiting a fixed time
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("big") / "repo"
    subprocess.run([sys.executable, str(PROJECT / "benchmarks" / "synth.py"), str(out), "--reports", "2400",
                    "--seed", "11", "--git"], check=True, stdout=subprocess.DEVNULL)
    return out


def _env(marker: str = "") -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "SB_TEST_MARK": marker}
    env.pop("SHANGBAO_WORKERS", None)
    return env


def _start(root: Path, *args: str, marker: str) -> subprocess.Popen:
    # no pipes: a surviving worker would hold them open, and reading them would wait forever
    return subprocess.Popen([sys.executable, "-m", "generator", "--root", str(root), *args],
                            env=_env(marker), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _marked(marker: str) -> dict[int, str]:
    """Living (not zombie) processes whose environment carries ``marker``: pid → command line."""
    found = {}
    needle = f"SB_TEST_MARK={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state in ("Z", "X"):
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    return found


def _leftovers(root: Path) -> list[str]:
    names = [p.name for p in root.iterdir() if p.name.startswith((".site.", ".sb-index-"))]
    return names + [p.name for p in Path("/dev/shm").glob("sb-shadow-*") if p.is_dir()
                    and pool_pid(p.name) is not None and not _alive(pool_pid(p.name))]


def pool_pid(name: str) -> int | None:
    part = name.removeprefix("sb-shadow-").split("-", 1)[0]
    return int(part) if part.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _build(root: Path, *extra: str, marker: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "build", "--audience",
                           "internal", "--as-of", AS_OF, *extra], env=_env(marker), capture_output=True,
                          text=True, timeout=900)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("command", ["check", "build"])
def test_a_killed_command_leaves_no_process_and_the_next_build_succeeds(big_repo, command):
    marker = uuid.uuid4().hex
    args = ["check", "--as-of", AS_OF] if command == "check" else ["build", "--as-of", AS_OF]
    proc = _start(big_repo, *args, marker=marker)
    try:
        if pool.usable_cores() > 1:  # the moment with the most processes: workers (and the indexer)
            def busy() -> bool:
                others = {pid: cmd for pid, cmd in _marked(marker).items() if pid != proc.pid}
                if command == "check":
                    return bool(others)
                return (any("generator.site.indexer" in c for c in others.values())
                        and any(c.startswith(f"{sys.executable} -m generator") for c in others.values()))
            _wait_for(busy, 300, f"{command} running with its workers")
        else:
            _wait_for(lambda: _marked(marker), 60, f"{command} started")
        proc.kill()
        proc.wait()
        _wait_for(lambda: not _marked(marker), 5, "every process of the killed command has ended")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _marked(marker):  # survivors (the test has failed): end them, by id
            os.kill(pid, 9)
    result = _build(big_repo)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "完成" in result.stderr
    assert (big_repo / "site" / "index.html").is_file()
    # the site the build replaced goes on being removed by rm after the build has returned
    _wait_for(lambda: not _leftovers(big_repo), 120, "nothing left of the killed build and of the replaced site")


def test_two_parallel_builds_are_byte_identical(big_repo, tmp_path):
    assert pool.worth_it(2400, 2000) or pool.usable_cores() < 2 or os.environ.get("SHANGBAO_WORKERS") == "1"
    sites = []
    for name in ("one", "two"):
        site = tmp_path / name / "site"
        result = _build(big_repo, "--site-dir", str(site))
        assert result.returncode == 0, result.stderr[-2000:]
        sites.append({p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
                      if p.is_file()})
    first, second = sites
    assert len(first) > 2400 and any(k.startswith("sb-index/") for k in first)
    assert first.keys() == second.keys()
    differ = [k for k in first if first[k] != second[k]]
    assert not differ, differ[:10]


def _small_repo(tmp_path: Path) -> Path:
    from helpers_org import good_report, make_org, write_report

    root = make_org(tmp_path / "small")
    front, body = good_report("info")
    write_report(root, "anjianke", "2026-11-20-宣传", front, body)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm",
                    "x", "--date", "2026-11-20T10:00:00+08:00"], check=True,
                   env={**os.environ, "GIT_COMMITTER_DATE": "2026-11-20T10:00:00+08:00"})
    return root


def test_a_second_build_waits_for_the_first_and_says_so(tmp_path):
    root = _small_repo(tmp_path)
    lock = lock_path(root)
    assert lock.parent == root / ".git"
    holder = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a first build holding the lock
    os.pwrite(holder, b"4242", 0)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(root), "build", "--as-of",
                                 "2026-11-27 18:00"], env=_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        lines: list[str] = []
        _wait_for(lambda: lines.append(proc.stderr.readline()) or "另一个构建正在进行" in "".join(lines), 60,
                  "the second build says it waits")
        assert "4242" in "".join(lines)
        assert proc.poll() is None and not (root / "site").exists()  # it waits: nothing built yet
    finally:
        os.close(holder)  # the first build ends
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    assert "前一个构建已结束" in err and (root / "site" / "index.html").is_file()


def _dead_pid() -> int:
    done = subprocess.run(["true"], check=True)
    assert done.returncode == 0
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_stale_folders_of_dead_builds_are_removed_and_a_living_builds_kept(tmp_path):
    site = tmp_path / "site"
    dead = _dead_pid()
    stale = [tmp_path / f".site.building-{dead}-abc", tmp_path / f".sb-index-{dead}-abc",
             tmp_path / f".site.old-{dead}-123", tmp_path / ".site.building-xyz"]  # no id: an older version's
    living = [tmp_path / f".site.building-{os.getpid()}-abc", tmp_path / f".sb-index-{os.getpid()}-x"]
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        stale.append(shm / f"sb-shadow-{dead}-{uuid.uuid4().hex}")
        living.append(shm / f"sb-shadow-{os.getpid()}-{uuid.uuid4().hex}")
    for folder in stale + living:
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "page.html").write_text("x")
    try:
        removed = remove_stale(site)
        assert sorted(removed) == sorted(stale)
        assert not any(p.exists() for p in stale) and all(p.exists() for p in living)
    finally:
        for folder in stale + living:
            shutil.rmtree(folder, ignore_errors=True)


def _read_only_tree(top: Path) -> None:
    (top / "a" / "b").mkdir(parents=True)
    (top / "a" / "b" / "page.html").write_text("x")
    (top / "index.html").write_text("x")
    (top / "a" / "locked").mkdir()  # not even listable: rmtree fails to open it, not to unlink in it
    (top / "a" / "locked" / "page.html").write_text("x")
    (top / "a" / "locked").chmod(0o000)
    for folder in (top / "a" / "b", top / "a", top):
        folder.chmod(0o555)


def test_a_read_only_old_site_is_removed_entirely(tmp_path):
    """``remove_tree`` (what replaces the old site) as an ordinary user: root ignores the mode bits,
    so as root the check runs in a child that gives up root first."""
    if os.geteuid() == 0:
        work = Path(tempfile.mkdtemp(prefix="sb-read-only-"))  # pytest's folders are root's own (0700)
        os.chmod(work, 0o777)
        top = work / ".site.old-1-2"
        code = (f"import os, sys; from pathlib import Path; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                f"from test_processes import _read_only_tree; from generator.site.build import remove_tree; "
                f"os.setgid(65534); os.setuid(65534); top = Path({str(top)!r}); _read_only_tree(top); "
                f"assert not os.access(top, os.W_OK); remove_tree(top); assert not top.exists()")
        result = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
        shutil.rmtree(work, ignore_errors=True)
    else:
        top = tmp_path / ".site.old-1-2"
        _read_only_tree(top)
        remove_tree(top)
    assert not top.exists()
