"""All of shangbao's process concurrency: one small layer on the standard library's process pool.

The domain modules (reader, rules, summary, site generation) never fork, pipe or signal; the
two places that use every core — reading and checking a large repository (``parallel.py``) and
writing the report pages (``site/generate.py``) — hand plain functions to ``Pool`` here.

- ``worth_it(n, at_least)``: whether ``n`` items are worth more processes (several usable cores,
  ``fork`` available, ``SHANGBAO_WORKERS`` not ``1``, and no other thread in this process: a
  process is never forked while another thread may hold a lock).
- ``Pool(workers, state)``: a ``concurrent.futures.ProcessPoolExecutor`` of forked workers that
  inherit ``state`` (never pickled; ``worker_state()`` returns it inside a task). Used as a context
  manager: on a normal exit it waits for its workers, on an exception (or Ctrl-C) it kills them.
- ``Pool.map_shared(fn, items)``: ``fn`` over ``items``, results in order; this process takes
  items from the end of the queue itself (cancelling their futures) while the workers take them
  from the front, so the work balances itself without a hand-made counter.
- Workers end with their parent: each asks the kernel for SIGKILL when the process that forked
  it dies (``PR_SET_PDEATHSIG``), and gives up at once if that already happened. Child programs
  (Pagefind) get the same through ``die_with_parent`` as ``preexec_fn``.
- ``WorkerLost``: a worker died (out of memory, killed); the message is Chinese.
- ``threads_map(fn, items)``: ``fn`` over ``items`` on a few threads, for work that waits on the
  network or the file system (members' feeds; linking tens of thousands of cached pages into a
  site). It returns only when every thread is done, so no thread is left when a pool forks later.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_PR_SET_PDEATHSIG = 1
_state: Any = None
_in_worker = False


class WorkerLost(RuntimeError):
    """A worker process ended without finishing its task."""

    def __init__(self) -> None:
        super().__init__("一个工作进程意外退出（多半是内存不足或被系统终止）；"
                         "可设环境变量 SHANGBAO_WORKERS=1 改用单进程重试")


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worth_it(n_items: int, at_least: int, cores: int | None = None) -> bool:
    """More processes for ``n_items``? (``at_least`` items are needed to repay the forks.)"""
    return (n_items >= at_least and (usable_cores() if cores is None else cores) > 1
            and "fork" in multiprocessing.get_all_start_methods()
            and os.environ.get("SHANGBAO_WORKERS", "") != "1"
            and threading.active_count() == 1)  # never fork a process with other threads (serve)


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; elsewhere nothing).

    Usable as ``preexec_fn`` of ``subprocess.Popen``: the kernel ties the signal to the thread
    that forked, so call it for children started from the main thread.
    """
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:  # pragma: no cover - not Linux
        return
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl (not Linux)
        pass


def _start_worker(parent: int, state: Any) -> None:
    global _state, _in_worker
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    # Ctrl-C goes to the whole foreground group: the parent decides, the workers do not unwind
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _state = state
    _in_worker = True


def in_worker() -> bool:
    """Whether this code runs in a worker process (results go back pickled) or in the parent."""
    return _in_worker


def worker_state() -> Any:
    """The ``state`` given to the ``Pool`` this task runs in (in the parent: the same object)."""
    return _state


class Pool:
    """``workers`` forked processes sharing ``state``; see the module docstring."""

    def __init__(self, workers: int, state: Any) -> None:
        global _state
        self.workers = workers
        _state = state  # the parent runs tasks too (map_shared)
        self._executor = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker, initargs=(os.getpid(), state))
        # the first task forks every worker now, from this thread and before the pool's own
        # threads start (a fork context launches all its processes at once)
        self._executor.submit(os.getpid)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        global _state
        try:
            if kind is None:
                self._executor.shutdown(wait=True)
            else:
                self.kill()
        finally:
            _state = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        return self._executor.submit(fn, *args)

    @staticmethod
    def result(future: cf.Future) -> Any:
        """``future.result()``, a dead worker turned into ``WorkerLost``."""
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise WorkerLost() from exc

    def map_shared(self, fn: Callable[[Any], Any], items: Sequence[Any],
                   on_result: Callable[[Any], Any] | None = None,
                   meanwhile: Callable[[], Any] | None = None) -> list[Any]:
        """``[fn(x) for x in items]`` on the workers and this process together, in order.

        ``on_result`` turns a worker's result into the final one in this process (unpacking),
        while the workers go on; results computed here are taken as they are. ``meanwhile()``,
        when given, is this process's own work before it takes items (the workers have started).
        """
        futures = [self._executor.submit(fn, item) for item in items]
        if meanwhile is not None:
            meanwhile()
        results: list[Any] = [None] * len(items)
        local: set[int] = set()
        for index in range(len(items) - 1, -1, -1):  # from the end, while the workers take the front
            if futures[index].cancel():
                results[index] = fn(items[index])
                local.add(index)
            else:
                break
        for index, future in enumerate(futures):
            if index not in local:
                value = self.result(future)
                results[index] = on_result(value) if on_result is not None else value
        return results

    def kill(self) -> None:
        """Stop at once: pending tasks cancelled, workers killed and reaped."""
        processes = list(getattr(self._executor, "_processes", {}).values())  # no public way before 3.14
        self._executor.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.kill()
        for proc in processes:
            proc.join(timeout=5)


def threads_map(fn: Callable[[Any], Any], items: Sequence[Any], threads: int = 8, chunksize: int = 1) -> list[Any]:
    """``[fn(x) for x in items]`` on up to ``threads`` threads, results in order: for work that waits
    (on the network: members' feeds; on the file system and hashing: cached pages linked into a
    site), where processes would add nothing but cost. It returns only when every thread is done,
    so no thread is left when a pool forks later."""
    if len(items) <= 1 or threads < 2:
        return [fn(x) for x in items]
    # the executor's own ``chunksize`` is for processes only: with threads every item would be a
    # future of its own, which costs more than linking a cached page does
    spans = [items[start:end] for start, end in chunks(len(items), max(1, -(-len(items) // chunksize)))]
    with cf.ThreadPoolExecutor(max_workers=min(threads, len(spans))) as executor:
        return [y for ys in executor.map(lambda span: [fn(x) for x in span], spans) for y in ys]


def chunks(n: int, parts: int) -> list[tuple[int, int]]:
    """``[start, end)`` spans cutting ``range(n)`` into about ``parts`` contiguous pieces."""
    if n == 0:
        return []
    size = -(-n // max(1, parts))
    return [(start, min(start + size, n)) for start in range(0, n, size)]
