"""Signed ``/protocol`` commands over loopback HTTP at 1, 50 and 200 concurrent clients: chatops
beside a minimal slack-bolt app that only acks, on the same harness in the same run.

    python -m benchmarks.slack_load [--requests N]

Both servers run as separate processes; this process is the load generator. Targets (issue 4):
chatops within 1.3x of the floor at median and p99, zero errors, p99 far inside Slack's 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlencode

import aiohttp

from adapters.slack.testing import signed
from benchmarks.stats import p99

SECRET = "benchmark-signing-secret"
QUESTIONS = [
    "expectations officer",
    "roles councillor",
    "section 4.2",
    "can a councillor ask me to campaign?",
    "procedure employee",
    "help",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(kind: str, port: int, data_dir: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SECRET,
        "PORT": str(port),
        "CHATOPS_DATA_DIR": data_dir,
        "CHATOPS_COUNCIL": "telford-and-wrekin",
    }
    env.pop("SLACK_BOT_TOKEN", None)
    if kind == "chatops":
        command = [sys.executable, "-m", "chatops", "serve", "--host", "127.0.0.1", "--port", str(port)]
    else:
        command = [sys.executable, "-m", "benchmarks.minimal_bolt", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(port: int) -> None:
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.post(f"http://127.0.0.1:{port}/slack/events", data=b"") as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


async def load(port: int, clients: int, total: int) -> tuple[list[float], int, float]:
    bodies = [
        urlencode(
            {
                "token": "t",
                "team_id": "T1",
                "channel_id": "C1",
                "user_id": f"U{i % 97}",
                "user_name": "bench",
                "command": "/protocol",
                "text": QUESTIONS[i % len(QUESTIONS)],
                "response_url": "http://127.0.0.1:9/none",
                "trigger_id": "1",
            }
        )
        for i in range(total)
    ]
    latencies: list[float] = []
    errors = 0
    queue = iter(bodies)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            nonlocal errors
            for body in queue:
                headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(SECRET, body)}
                started = time.perf_counter()
                try:
                    async with session.post(
                        f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers
                    ) as response:
                        await response.read()
                        if response.status != 200:
                            errors += 1
                except aiohttp.ClientError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


async def main_async(requests: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        ports = {"minimal bolt (floor)": free_port(), "chatops": free_port()}
        procs = {
            name: start("chatops" if name == "chatops" else "floor", port, data_dir) for name, port in ports.items()
        }
        try:
            for port in ports.values():
                await wait_ready(port)
                await load(port, 4, 60)  # warm up
            print(f"{'server':<22}{'clients':>8}{'median ms':>11}{'p99 ms':>9}{'req/s':>9}{'errors':>8}")
            results: dict[tuple[str, int], tuple[float, float]] = {}
            for clients in (1, 50, 200):
                for name, port in ports.items():
                    latencies, errors, elapsed = await load(port, clients, requests)
                    med, tail = statistics.median(latencies) * 1000, p99(latencies) * 1000
                    results[(name, clients)] = (med, tail)
                    print(f"{name:<22}{clients:>8}{med:>11.2f}{tail:>9.2f}{len(latencies) / elapsed:>9.0f}{errors:>8}")
            print()
            for clients in (1, 50, 200):
                ours, floor = results[("chatops", clients)], results[("minimal bolt (floor)", clients)]
                print(
                    f"{clients:>3} clients: chatops / floor  median {ours[0] / floor[0]:.2f}x"
                    f"   p99 {ours[1] / floor[1]:.2f}x   (target <= 1.3x)"
                )
        finally:
            for proc in procs.values():
                proc.terminate()
                proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per server per concurrency level")
    args = parser.parse_args()
    asyncio.run(main_async(args.requests))


if __name__ == "__main__":
    main()
