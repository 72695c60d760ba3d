"""Worker count from the cgroup CPU quota, on fake cgroup trees (v2 and v1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxy import cpu


@pytest.fixture(autouse=True)
def many_cores(monkeypatch):
    monkeypatch.setattr(cpu, "_schedulable_cores", lambda: 64)


def tree(tmp_path: Path, files: dict[str, str], self_cgroup: str = "0::/\n") -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    root.mkdir(exist_ok=True)
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(self_cgroup)
    return root, proc


@pytest.mark.parametrize(
    ("cpu_max", "workers"),
    [
        ("200000 100000\n", 2),
        ("150000 100000\n", 1),
        ("50000 100000\n", 1),
        ("400000 50000\n", 8),
        ("max 100000\n", 64),
    ],
)
def test_cgroup_v2_quota(tmp_path, cpu_max, workers):
    root, proc = tree(tmp_path, {"cpu.max": cpu_max})
    assert cpu.worker_count(0, root, proc) == workers


def test_cgroup_v2_reads_this_process_s_own_cgroup(tmp_path):
    root, proc = tree(
        tmp_path, {"cpu.max": "max 100000", "kubepods/pod1/cpu.max": "300000 100000"}, self_cgroup="0::/kubepods/pod1\n"
    )
    assert cpu.worker_count(0, root, proc) == 3


@pytest.mark.parametrize(("quota", "workers"), [("300000", 3), ("-1", 64), ("100000", 1)])
def test_cgroup_v1_quota(tmp_path, quota, workers):
    root, proc = tree(
        tmp_path,
        {"cpu,cpuacct/cpu.cfs_quota_us": quota + "\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"},
        self_cgroup="",
    )
    assert cpu.worker_count(0, root, proc) == workers


def test_no_cgroup_files_means_every_core(tmp_path):
    root, proc = tree(tmp_path, {})
    assert cpu.cgroup_cpu_quota(root, proc) is None
    assert cpu.worker_count(0, root, proc) == 64


def test_a_configured_count_wins_over_the_quota(tmp_path):
    root, proc = tree(tmp_path, {"cpu.max": "100000 100000"})
    assert cpu.worker_count(5, root, proc) == 5


def test_a_quota_above_the_schedulable_cores_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu, "_schedulable_cores", lambda: 2)
    root, proc = tree(tmp_path, {"cpu.max": "800000 100000"})
    assert cpu.worker_count(0, root, proc) == 2


def test_garbage_in_cpu_max_is_ignored(tmp_path):
    root, proc = tree(tmp_path, {"cpu.max": "not a quota"})
    assert cpu.worker_count(0, root, proc) == 64
