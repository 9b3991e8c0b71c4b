"""Worker processes for large ledgers (parsing in ``load``, rendering in ``build``).

Workers are forked, so they inherit what the parent already computed and nothing but paths and
results crosses between processes. Fork copies only the calling thread: a process that runs
other threads (``kam serve``) never forks, and works in one process instead."""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import threading


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def fork_pool(workers: int) -> multiprocessing.pool.Pool:
    return multiprocessing.get_context("fork").Pool(workers)
