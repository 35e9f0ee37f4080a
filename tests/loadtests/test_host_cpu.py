"""The bench reports how much CPU the hypervisor stole from the host during a level."""

from __future__ import annotations

import time

import pytest

from loadtests import host_cpu
from loadtests.host_cpu import CpuSample, HostCpu, read_proc_stat

TICKS = host_cpu._TICKS_PER_S


def test_busy_and_steal_come_from_the_summed_cpu_line() -> None:
    text = (
        f"cpu  {TICKS * 10} {TICKS} {TICKS * 4} 999 77 {TICKS} {TICKS} {TICKS * 3} 0 0\n"
        "cpu0 1 2 3 4 5 6 7 8 0 0\n"
        "intr 12345\n"
    )
    busy, steal = read_proc_stat(text)
    assert busy == pytest.approx(10 + 1 + 4 + 1 + 1)  # user nice system irq softirq
    assert steal == pytest.approx(3)


def test_a_stat_file_without_the_cpu_line_is_an_error() -> None:
    with pytest.raises(ValueError, match="cpu"):
        read_proc_stat("intr 1\n")


def test_a_window_reads_cores_busy_and_stolen_per_second() -> None:
    host = HostCpu()
    # Two cores busy throughout; the hypervisor steals one core in the second second only.
    host._samples = [
        CpuSample(100.0, 0.0, 0.0),
        CpuSample(101.0, 2.0, 0.0),
        CpuSample(102.0, 3.0, 1.0),
        CpuSample(103.0, 5.0, 1.0),
    ]
    window = host.window(100.0, 103.0)
    assert window.busy_cores == pytest.approx(5 / 3)
    assert window.steal_cores == pytest.approx(1 / 3)
    assert window.steal_by_second == pytest.approx([0.0, 1.0, 0.0])
    assert window.summary()["steal_cores_worst_second"] == 1.0


def test_no_samples_read_as_nothing_stolen() -> None:
    assert HostCpu().window(0.0, 10.0).summary() == {
        "busy_cores": 0.0,
        "steal_cores": 0.0,
        "steal_cores_worst_second": 0.0,
    }


def test_the_sampler_reads_this_host() -> None:
    host = HostCpu().start()
    try:
        time.sleep(0.6)
    finally:
        host.stop()
    assert len(host._samples) >= 2
    assert host._samples[-1].busy_s >= host._samples[0].busy_s
