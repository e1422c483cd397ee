"""A stage's running time, kept across resumes."""

import json
import os
import threading
import time

from keras_sasrnet import atomic


class Stopwatch:
    """Seconds spent on a stage over all its invocations (a resume adds up).

    The running total is saved to ``path`` every ``every`` seconds by a
    background thread, so a killed invocation loses at most that much.
    """

    def __init__(self, path, every=10.0, clock=time.perf_counter):
        self.path, self.every, self.clock = path, every, clock
        self.before = 0.0
        if os.path.exists(path):
            with open(path) as f:
                self.before = float(json.load(f)["seconds"])
        self._stop = threading.Event()

    def total(self):
        return self.before + self.clock() - self.start

    def _save(self):
        atomic.write_json(self.path, {"seconds": round(self.total(), 1)})

    def _tick(self):
        while not self._stop.wait(self.every):
            self._save()

    def __enter__(self):
        self.start = self.clock()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._save()
        return False
