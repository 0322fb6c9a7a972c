"""Fan-out of one announcement to 1,000 subscribed Slack channels through the outbox, against the
local fake Slack Web API: total time, messages per second, duplicates (must be 0), losses (0).

    python -m benchmarks.fanout [--channels N] [--postgres URL]

Runs on SQLite, and on PostgreSQL when a URL is given (or CHATOPS_TEST_POSTGRES_URL is set), there
with two couriers sharing the outbox as two replicas would.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from adapters.slack.deliver import SlackDeliverer
from adapters.slack.testing import FakeSlackAPI
from chatops.channels import Channels
from chatops.councils import Library
from chatops.outbox import Courier, Outbox
from chatops.store import Store, reset_database

DATA = Path(__file__).resolve().parent.parent / "protocol_data"


def revised(folder: Path) -> Library:
    text_ = (
        (DATA / "llangunnor.yaml")
        .read_text(encoding="utf-8")
        .replace('"leadership and direction;"', '"leadership, direction and timely decisions;"')
    )
    (folder / "llangunnor.yaml").write_text(text_, encoding="utf-8")
    return Library((folder,))


async def run(url: str, channels_n: int, replicas: int, label: str) -> None:
    api = await FakeSlackAPI().start()
    stores = [Store(url) for _ in range(replicas)]
    try:
        channels = Channels(stores[0])
        for i in range(channels_n):
            await channels.subscribe("slack", f"C{i:05d}", "llangunnor")
        await channels.publish(Library())
        with tempfile.TemporaryDirectory() as folder:
            queued = await channels.publish(revised(Path(folder)))
        couriers = [
            Courier(
                Outbox(store), {"slack": SlackDeliverer("xoxb-bench", api.url)}, worker=f"replica-{i}", concurrency=16
            )
            for i, store in enumerate(stores)
        ]
        started = time.perf_counter()
        await asyncio.gather(*(courier.drain(timeout=600) for courier in couriers))
        elapsed = time.perf_counter() - started
        posted = Counter(call["channel"] for call in api.made("chat.postMessage"))
        duplicates = sum(n - 1 for n in posted.values() if n > 1)
        losses = channels_n - len(posted)
        print(
            f"{label:<28} queued {queued.get('llangunnor', 0):>5}  delivered {sum(posted.values()):>5} in "
            f"{elapsed:6.2f} s = {sum(posted.values()) / elapsed:7.0f} msg/s  duplicates {duplicates}  losses {losses}"
        )
    finally:
        for store in stores:
            await store.close()
        await api.close()


async def main_async(channels_n: int, postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        await run(f"sqlite:///{folder}/fanout.sqlite3", channels_n, 1, "SQLite, one process")
    if postgres:
        await reset_database(postgres)
        await run(postgres, channels_n, 2, "PostgreSQL, two replicas")
    else:
        print("PostgreSQL: skipped (give --postgres URL or set CHATOPS_TEST_POSTGRES_URL)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CHATOPS_TEST_POSTGRES_URL"),
        help="a PostgreSQL URL whose chatops tables may be dropped",
    )
    args = parser.parse_args()
    asyncio.run(main_async(args.channels, args.postgres))


if __name__ == "__main__":
    main()
