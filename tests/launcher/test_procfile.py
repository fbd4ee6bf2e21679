"""`make run`'s processes under honcho: the Procfile is valid, and Ctrl-C leaves no process and
no listening port behind, grandchildren included (stand-in servers, so the test stays quick)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from credit_assets import settings
from credit_assets.launcher.ready import answers

HONCHO = str(Path(sys.executable).with_name("honcho"))

STAND_INS = """\
web: exec {python} -m http.server $WEB_PORT --bind 127.0.0.1
tree: exec {python} tree.py $TREE_PORT
"""
# A parent that ignores SIGTERM and serves through a child, as `dagster dev` runs its webserver
# and daemon: honcho must still stop both.
TREE = """\
import signal, subprocess, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
subprocess.run([sys.executable, "-m", "http.server", sys.argv[1], "--bind", "127.0.0.1"])
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_procfile_is_valid_and_starts_every_part() -> None:
    procfile = settings.PROJECT_ROOT / "Procfile"
    checked = subprocess.run(
        [HONCHO, "-f", str(procfile), "check"], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    names = [line.split(":")[0] for line in procfile.read_text().splitlines() if ":" in line[:12]]
    assert names == ["service", "dagster", "mlflow", "addresses"]


def listening_ports() -> set[int]:
    listening = (c for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN)
    return {c.laddr[1] for c in listening if c.laddr}


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_ctrl_c_stops_every_process_and_frees_every_port(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(STAND_INS.format(python=sys.executable))
    (tmp_path / "tree.py").write_text(TREE)
    ports = {"WEB_PORT": free_port(), "TREE_PORT": free_port()}
    env = os.environ | {k: str(v) for k, v in ports.items()}
    # A new session stands for the terminal: Ctrl-C signals its foreground process group.
    honcho = subprocess.Popen(
        [HONCHO, "--no-colour", "-f", str(procfile), "start"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    children: list[psutil.Process] = []
    try:
        urls = [f"http://127.0.0.1:{p}/" for p in ports.values()]
        assert _wait(lambda: all(answers(u) for u in urls), 60), "stand-ins did not start"
        children = psutil.Process(honcho.pid).children(recursive=True)
        assert listening_ports() >= set(ports.values())

        os.killpg(honcho.pid, signal.SIGINT)
        honcho.wait(30)
        _, alive = psutil.wait_procs(children, timeout=5)
        assert alive == [], f"left running: {[c.cmdline() for c in alive]}"
        assert not listening_ports() & set(ports.values())
    finally:
        # Whatever the outcome, nothing started here outlives the test (the stand-ins ignore
        # SIGTERM, so SIGKILL).
        for process in (
            [*children, psutil.Process(honcho.pid)] if honcho.poll() is None else children
        ):
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
