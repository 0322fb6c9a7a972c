"""The floor for the Slack benchmark: a slack-bolt app that only acknowledges ``/protocol``,
served by bolt's own aiohttp adapter. ``python -m benchmarks.minimal_bolt PORT`` (SLACK_SIGNING_SECRET set)."""

from __future__ import annotations

import os
import sys
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult


async def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token="xoxb-floor")


app = AsyncApp(signing_secret=os.environ["SLACK_SIGNING_SECRET"], authorize=authorize)


@app.command("/protocol")
async def ack_only(ack: Any) -> None:
    await ack()


async def events(request: web.Request) -> web.Response:
    return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))


if __name__ == "__main__":
    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    web.run_app(web_app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
