"""How long YABOT takes to stop with many resident players.

Starts the emulator and YABOT as ``scripts/bench`` does (webhook process, Redis), activates
``--resident`` players through ``POST /_bench/activate``, sends SIGTERM and prints the
seconds until the process exits, then the shutdown's log lines. Run:
``python -m loadtests.bench_shutdown --resident 100000``.
"""

from __future__ import annotations

import argparse
import signal
import time

import httpx

from loadtests.stack import Stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resident", type=int, default=100_000)
    parser.add_argument(
        "--timeout", type=float, default=None, help="runtime.shutdown_timeout_s (config's if unset)"
    )
    args = parser.parse_args(argv)
    env = {"YABOT_LOGGING__LEVEL": "INFO"}
    if args.timeout is not None:
        env["YABOT_RUNTIME__SHUTDOWN_TIMEOUT_S"] = str(args.timeout)
    with Stack(mode="webhook", redis=True, webhook_process=True, extra_env=env) as stack:
        stack.start_emulator()
        stack.start_yabot()
        activated = httpx.post(
            stack.yabot_url + "/_bench/activate",
            json={"first": 1, "count": args.resident},
            timeout=900,
        ).json()
        print(f"{activated['resident']:.0f} resident in {activated['seconds']:.1f} s", flush=True)
        proc = stack.procs["yabot"]
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(300)
        print(f"exit code {code} after {time.monotonic() - started:.1f} s from SIGTERM")
        log = (stack.workdir / "yabot.log").read_text(errors="replace")
        stopping = log.find('"yabot.stopping"')
        print(log[log.rfind("\n", 0, stopping) + 1 :] if stopping >= 0 else log[-2000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
