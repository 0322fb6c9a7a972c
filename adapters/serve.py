"""The composition root of ``chatops serve``: which platforms this process serves, with which
credentials, what delivers announcements to each, and the server's life (start, stop cleanly).

The CLI (in the core) only checks its arguments and calls :func:`serve`; which platforms exist is
:mod:`adapters.platforms`, and each one's settings are read in its own folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Mapping

from aiohttp import web as aiohttp_web

from chatops.bot import Bot
from chatops.outbox import Deliverer
from chatops.settings import Settings

from . import web
from .edges import Connection
from .platforms import connect_all


def serve(bot: Bot, settings: Settings, *, host: str, port: int | None, socket_mode: bool) -> None:
    """Serve every platform whose settings are present until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.keep_logs_private()
    connected = connect_all(bot, settings, socket_mode=socket_mode)
    app = web.create_app(bot, settings, connected)
    web.run_channel_work(app, bot, bot.library, deliverers(connected), settings.publish_on_start)
    asyncio.run(run_server(app, host, port or settings.port))


def deliverers(connected: Mapping[str, Connection]) -> dict[str, Deliverer]:
    """What posts announcements and reminders, for each connected platform that can post."""
    return {name: c.deliverer for name, c in connected.items() if c.deliverer is not None}


async def run_server(app: aiohttp_web.Application, host: str, port: int) -> None:
    """Serve until SIGTERM or Ctrl-C, then close connections and the store cleanly."""
    # no per-request access log: it costs throughput and says nothing a council needs
    runner = aiohttp_web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    site = aiohttp_web.TCPSite(runner, host, port)
    await site.start()
    print(f"chatops: listening on http://{host}:{port}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        print("chatops: stopping", file=sys.stderr, flush=True)
        await runner.cleanup()
