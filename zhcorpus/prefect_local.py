"""A local Prefect stack on 127.0.0.1: server, process work pool, deployments from prefect.yaml, a worker.

Used by `make prefect-up` (python -m zhcorpus.prefect_local up) and by the end-to-end test, so the test runs
the documented path. Every wait is bounded; processes are started in their own process groups.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from jobs.offline import OFFLINE_ENV

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WORK_POOL = "zhcorpus-process"  # the pool named in prefect.yaml
PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalPrefect:
    """Handles on a local server and worker; `stop()` ends both."""

    home: Path
    port: int
    data_dir: Path
    log_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    server_env: dict[str, str] = field(default_factory=dict)  # e.g. PREFECT_SERVER_DATABASE_CONNECTION_URL

    @property
    def api_url(self) -> str:
        """The server's API URL."""
        return f"http://127.0.0.1:{self.port}/api"

    def env(self) -> dict[str, str]:
        """Return the environment for prefect commands, the worker and its flow runs."""
        env = dict(os.environ)
        env.update(OFFLINE_ENV)
        env.update(
            PREFECT_HOME=str(self.home),
            PREFECT_API_URL=self.api_url,
            ZHCORPUS_DATA=str(self.data_dir),
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        )
        return env

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env={**self.env(), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(proc)
        return proc

    def run(self, args: list[str], *, timeout_s: float = 180) -> str:
        """Run a prefect CLI command against this server; raise with its output on failure."""
        proc = subprocess.run(
            [PREFECT, *args],
            cwd=PROJECT_ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"prefect {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc.stdout

    def start_server(self, *, timeout_s: float = 120) -> None:
        """Start `prefect server start` and wait until /api/health answers."""
        server = self._spawn(
            "server", [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)], self.server_env
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited with {server.returncode}; see {self.log_dir}/server.log")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"prefect server not healthy after {timeout_s:g} s; see {self.log_dir}/server.log")

    def create_pool(self) -> None:
        """Create the process work pool named in prefect.yaml (no-op when it exists)."""
        try:
            self.run(["work-pool", "inspect", WORK_POOL])
        except RuntimeError:
            self.run(["work-pool", "create", WORK_POOL, "--type", "process"])

    def deploy_all(self) -> str:
        """Register every deployment in prefect.yaml with a plain `prefect deploy --all` from the checkout."""
        return self.run(["deploy", "--all"], timeout_s=300)

    def start_worker(
        self, name: str = "worker", env: dict[str, str] | None = None, args: list[str] | None = None
    ) -> subprocess.Popen:
        """Start `prefect worker start --pool zhcorpus-process [args]`, logging to `<name>.log` (`env`: added)."""
        return self._spawn(name, [PREFECT, "worker", "start", "--pool", WORK_POOL, *(args or [])], env)

    def stop(self, *, timeout_s: float = 20) -> None:
        """Stop the worker and the server (SIGTERM to their process groups, then SIGKILL)."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for proc in self.processes:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.processes.clear()


def up(
    home: Path,
    data_dir: Path,
    port: int,
    *,
    workers: int = 1,
    worker_env: dict[str, str] | None = None,
    worker_args: list[str] | None = None,
    server_env: dict[str, str] | None = None,
) -> LocalPrefect:
    """Start the server, create the pool, deploy everything and start `workers` workers."""
    stack = LocalPrefect(home=home, port=port, data_dir=data_dir, log_dir=home / "logs", server_env=server_env or {})
    stack.start_server()
    stack.create_pool()
    stack.deploy_all()
    for number in range(1, workers + 1):
        stack.start_worker(f"worker-{number}" if workers > 1 else "worker", worker_env, worker_args)
    return stack


def main(argv: list[str] | None = None) -> int:
    """`up`: bring the local stack up and keep it running until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m zhcorpus.prefect_local", description=__doc__)
    parser.add_argument("action", choices=["up"])
    parser.add_argument("--port", type=int, default=4200)
    parser.add_argument("--home", type=Path, default=None, help="PREFECT_HOME (default: ~/.prefect)")
    parser.add_argument("--data", type=Path, default=None, help="ZHCORPUS_DATA for the flows (default: ./data)")
    parser.add_argument("--workers", type=int, default=1, help="workers polling the pool (default 1)")
    args = parser.parse_args(argv)
    home = (args.home or Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))).resolve()
    data = (args.data or Path(os.environ.get("ZHCORPUS_DATA", PROJECT_ROOT / "data"))).resolve()
    stack = up(home, data, args.port, workers=max(1, args.workers))
    print(
        f"Prefect UI and API on http://127.0.0.1:{args.port} (logs in {stack.log_dir}); "
        f"deployments registered, {max(1, args.workers)} worker(s) polling {WORK_POOL}. Ctrl-C stops them all.",
        file=sys.stderr,
    )
    try:
        while all(p.poll() is None for p in stack.processes):
            time.sleep(1)
        print("a Prefect process exited; see the logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
