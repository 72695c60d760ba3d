"""How many CPUs this process may really use, so ``workers: 0`` does not start one worker per host core.

``os.cpu_count()`` is the node's core count, not the container's share: a pod
limited to 2 CPUs on a 64-core node would start 64 workers of ~400 MB each and
be throttled and killed. The limit lives in the cgroup CPU quota:

    cgroup v2   cpu.max              "<quota> <period>" or "max <period>"
    cgroup v1   cpu.cfs_quota_us     -1 for no limit, with cpu.cfs_period_us

The usable count is the smallest of the quota (rounded down, at least 1: a
worker that gets half a CPU still answers, two would only fight), the CPUs this
process may be scheduled on (cpusets), and the host's cores.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")


def cgroup_cpu_quota(root: Path = CGROUP_ROOT, self_cgroup: Path = PROC_SELF_CGROUP) -> float | None:
    """The CPU quota in CPUs (e.g. 1.5), or None when there is none or it cannot be read."""
    for directory in _v2_directories(root, self_cgroup):
        found, quota = _read_v2(directory / "cpu.max")
        if found:
            return quota
    for directory in (root / "cpu", root / "cpu,cpuacct", root / "cpuacct,cpu", root):
        found, quota = _read_v1(directory)
        if found:
            return quota
    return None


def usable_cpus(root: Path = CGROUP_ROOT, self_cgroup: Path = PROC_SELF_CGROUP) -> int:
    cores = _schedulable_cores()
    quota = cgroup_cpu_quota(root, self_cgroup)
    if quota is None:
        return cores
    return max(1, min(cores, math.floor(quota)))


def worker_count(configured: int | None, root: Path = CGROUP_ROOT, self_cgroup: Path = PROC_SELF_CGROUP) -> int:
    """``configured`` when it is set (>0), else one worker per usable CPU."""
    if configured:
        return configured
    return usable_cpus(root, self_cgroup)


# The readers answer (found, quota): found is False when the file is absent or unreadable (look elsewhere);
# a quota of None, when found, means "read: no limit".
_Reading = tuple[bool, float | None]
_UNREAD: _Reading = (False, None)


def _v2_directories(root: Path, self_cgroup: Path) -> list[Path]:
    """This process's own cgroup (from /proc/self/cgroup, "0::/path"), then the root a container usually sees."""
    directories = []
    try:
        for line in self_cgroup.read_text().splitlines():
            if line.startswith("0::"):
                directories.append(root / line[3:].strip().lstrip("/"))
    except OSError:
        pass
    directories.append(root)
    return list(dict.fromkeys(directories))


def _read_v2(path: Path) -> _Reading:
    try:
        quota, period = path.read_text().split()[:2]
    except (OSError, ValueError):
        return _UNREAD
    if quota == "max":
        return True, None
    try:
        return True, (int(quota) / int(period) if int(period) > 0 and int(quota) > 0 else None)
    except ValueError:
        return _UNREAD


def _read_v1(directory: Path) -> _Reading:
    try:
        quota = int((directory / "cpu.cfs_quota_us").read_text().strip())
        period = int((directory / "cpu.cfs_period_us").read_text().strip())
    except (OSError, ValueError):
        return _UNREAD
    if quota <= 0 or period <= 0:
        return True, None
    return True, quota / period


def _schedulable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1
