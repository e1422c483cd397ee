"""Running a per-file function over many files on all cores, with progress."""

import concurrent.futures
import ctypes
import multiprocessing
import os
import signal
import sys

from tqdm import tqdm


def default_workers():
    return (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else (os.cpu_count() or 1)
    )


def _die_with_parent(parent):
    """Worker initializer: end with the parent, even on its kill -9 (Linux).

    Without it, workers of a killed ``sasrnet_embed`` kept embedding and
    writing into a folder that a rerun was already using.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: workers end on their own
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def map_files(fn, items, workers=None, desc="", chunksize=4):
    """Yields ``fn(item)`` for every item (in order), on ``workers`` processes.

    Workers are forked: they inherit the imported modules (conseal, numpy)
    instead of re-importing them, and re-running ``__main__`` (which spawn
    and forkserver do) would import TensorFlow in every worker. The workers
    only use numpy, Pillow, jpegio and conseal, never TensorFlow, so a
    parent that imported it is safe to fork. ``fn`` must be picklable.

    Args:
        fn: picklable function of one item.
        items: list of arguments.
        workers: processes (default: all cores); 1 runs in this process.
        desc: progress bar label (on stderr).
        chunksize: items sent to a worker at once.
    """
    workers = workers or default_workers()
    if workers < 1:
        raise ValueError(f"workers must be >= 1; received {workers}")
    bar = tqdm(
        total=len(items),
        desc=desc,
        file=sys.stderr,
        disable=not desc,
        smoothing=0.1,
        mininterval=1.0,
    )
    try:
        if workers == 1 or len(items) <= 1:
            for item in items:
                yield fn(item)
                bar.update()
            return
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            for result in pool.map(fn, items, chunksize=chunksize):
                yield result
                bar.update()
    finally:
        bar.close()
