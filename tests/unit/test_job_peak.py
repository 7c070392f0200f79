"""The national bench's memory figure for a job is the job's own, not the bench's."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.national_measure import JobPeak

MB = 2**20


def _job(code: str) -> tuple[float, float]:
    """(peak MB as JobPeak samples it, ru_maxrss MB as wait4 reports it) of ``python -c``."""
    proc = subprocess.Popen([sys.executable, "-c", code])
    memory = JobPeak(proc.pid, every=0.01)
    memory.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0
    return memory.stop(), usage.ru_maxrss / 1024


def test_given_a_big_bench_when_its_jobs_run_then_each_peak_is_the_jobs_own():
    ballast = b"x" * (300 * MB)  # the bench, grown big (written, so resident)
    small, small_maxrss = _job("import time; time.sleep(0.3)")
    big, big_maxrss = _job("import time; b = b'x' * (150 * 2**20); time.sleep(0.3)")
    assert len(ballast) == 300 * MB
    # the kernel's figure carries the bench's 300 MB into both jobs ...
    assert small_maxrss >= 300 and big_maxrss >= 300
    # ... the sampled one is what each job itself held
    assert 0 < small < 50
    assert 150 <= big < 200
