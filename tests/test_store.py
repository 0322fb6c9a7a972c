"""The store on both databases: answers kept with an expiry, upserts, forgetting, migrations."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from chatops.errors import SettingsError, StoreError
from chatops.migrations import MIGRATIONS, migrate
from chatops.store import Store, engine_url, user_key


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_state_round_trip_upsert_and_forget(database_url: str) -> None:
    store = Store(database_url)
    await store.open()
    try:
        key = user_key("slack", "U123")
        assert await store.load_state(key) is None
        await store.save_state(key, "llangunnor", {"reporter": "officer"}, 3600)
        await store.save_state(key, "llangunnor", {"reporter": "councillor"}, 3600)
        assert await store.load_state(key) == {"reporter": "councillor"}
        assert await store.forget(key) is True
        assert await store.load_state(key) is None
        assert await store.forget(key) is False
    finally:
        await store.close()


async def test_answers_expire(database_url: str) -> None:
    clock = Clock()
    store = Store(database_url, now=clock)
    await store.open()
    try:
        await store.save_state("a", "llangunnor", {"x": 1}, 24 * 3600)
        await store.save_state("b", "llangunnor", {"x": 2}, 3600)
        clock.now += 2 * 3600
        assert await store.load_state("b") is None
        assert await store.load_state("a") == {"x": 1}
        clock.now += 24 * 3600
        assert await store.purge_expired() == 1
    finally:
        await store.close()


async def test_survives_a_restart_and_migrations_run_once(database_url: str) -> None:
    first = Store(database_url)
    await first.open()
    await first.save_state("k", "llangunnor", {"phase": "asking"}, 3600)
    await first.close()
    second = Store(database_url)
    await second.open()
    try:
        assert await second.load_state("k") == {"phase": "asking"}
        engine = await second._ready()
        async with engine.begin() as conn:
            assert await migrate(conn, second.dialect) == []
    finally:
        await second.close()


async def test_replicas_starting_together_migrate_once(database_url: str) -> None:
    stores = [Store(database_url) for _ in range(3)]
    if stores[0].dialect == "sqlite":
        pytest.skip("several replicas share state through PostgreSQL")
    await asyncio.gather(*(s.open() for s in stores))
    try:
        async with (await stores[0]._ready()).begin() as conn:
            from sqlalchemy import text

            count = (await conn.execute(text("SELECT count(*) FROM chatops_schema"))).scalar()
        assert count == len(MIGRATIONS)
    finally:
        await asyncio.gather(*(s.close() for s in stores))


def test_user_ids_are_hashed() -> None:
    key = user_key("slack", "U123")
    assert "U123" not in key and len(key) == 64 and key == user_key("slack", "U123") != user_key("teams", "U123")


@pytest.mark.parametrize("url", ["mysql://x", "nonsense"])
def test_bad_database_urls_are_one_clear_line(url: str) -> None:
    with pytest.raises(SettingsError, match="CHATOPS_DATABASE_URL"):
        engine_url(url)


async def test_an_unreachable_database_is_a_store_error_without_the_password() -> None:
    store = Store("postgresql://chatops:s3cret-pw@127.0.0.1:1/nowhere")
    with pytest.raises(StoreError) as caught:
        await store.open()
    assert "s3cret-pw" not in str(caught.value)


async def test_saving_erases_everyone_elses_expired_answers(database_url: str) -> None:
    clock = Clock()
    store = Store(database_url, now=clock)
    await store.open()
    try:
        await store.save_state("gone", "llangunnor", {"x": 1}, 60)
        clock.now += 120
        await store.save_state("new", "llangunnor", {"x": 2}, 60)
        assert await store.purge_expired() == 0  # already erased by the save
    finally:
        await store.close()


async def test_an_event_is_answered_once_and_again_if_its_answerer_died(database_url: str) -> None:
    clock = Clock()
    store = Store(database_url, now=clock)
    await store.open()
    try:
        assert await store.begin_event("Ev123") == "new"
        assert await store.begin_event("Ev123") == "busy"  # a retry while it is being answered
        await store.finish_event("Ev123")
        assert await store.begin_event("Ev123") == "done"
        assert await store.begin_event("Ev456", lease=10) == "new"  # its answerer dies here
        began = clock.now
        clock.now += 5
        assert await store.begin_event("Ev456") == "busy"
        clock.now += 6
        assert await store.begin_event("Ev456") == "taken over"  # the lease ran out: answered, after a look
        assert await store.event_began("Ev456") == began  # when the dead answerer began, not now
        assert await store.event_began("Ev000") is None
        assert await store.begin_event("Ev789") == "new"
        await store.release_event("Ev789")  # answering failed
        assert await store.begin_event("Ev789") == "new"
        clock.now += 2 * 24 * 3600
        assert await store.begin_event("Ev123") == "new"  # long forgotten, and harmless
        # long ids (Teams: conversation id + activity id) are never cut into one key
        base = "teams:" + "19:" + "x" * 300
        assert await store.begin_event(base + ":1") == "new"
        assert await store.begin_event(base + ":2") == "new"
    finally:
        await store.close()


async def test_concurrent_first_queries_on_a_fresh_database_wait_for_the_migrations(database_url: str) -> None:
    """Everything a starting server does at once (publish, deliver, answer events) waits until the
    tables exist: no 'relation does not exist'."""
    from chatops.outbox import Outbox

    stores = [Store(database_url) for _ in range(3)]
    try:
        work = []
        for i, store in enumerate(stores):
            work += [store.begin_event(f"E{i}:{n}") for n in range(5)]
            work += [Outbox(store).counts() for _ in range(5)]
            work += [store.load_state(f"k{i}:{n}") for n in range(5)]
        results = await asyncio.gather(*work)
        assert results[0] == "new"
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_conversation_references_are_kept_and_forgotten(database_url: str) -> None:
    store = Store(database_url)
    try:
        assert await store.load_reference("teams:user:29:abc") is None
        await store.save_reference("teams:user:29:abc", "personal", {"serviceUrl": "https://a"})
        await store.save_reference("teams:user:29:abc", "personal", {"serviceUrl": "https://b"})
        assert await store.load_reference("teams:user:29:abc") == {"serviceUrl": "https://b"}
        assert await store.forget_reference("teams:user:29:abc") is True
        assert await store.load_reference("teams:user:29:abc") is None
    finally:
        await store.close()


async def test_a_deleted_or_replaced_sqlite_file_is_not_written_into_silently(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = Store(f"sqlite:///{path}")
    try:
        await store.open()
        assert await store.check_writable() is None
        path.unlink()  # SQLite would write on into the unlinked file, and all of it would be lost
        assert "is gone" in (await store.check_writable() or "")
        with pytest.raises(StoreError, match="is gone"):
            await store.save_state("k", "llangunnor", {"x": 1}, 60)
        path.write_bytes(b"")  # another file in its place
        assert "was replaced" in (await store.check_writable() or "")
    finally:
        await store.close()


async def test_a_persons_conversation_reference_expires_after_a_silence(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHATOPS_REFERENCE_TTL_DAYS", "30")
    clock = Clock()
    store = Store(database_url, now=clock)
    try:
        await store.save_reference("teams:user:29:a", "personal", {"serviceUrl": "https://a"})
        await store.save_reference("teams:conversation:19:c", "channel", {"serviceUrl": "https://c"})
        clock.now += 20 * 86400
        await store.save_reference("teams:user:29:a", "personal", {"serviceUrl": "https://a"})  # wrote again
        await store.save_reference("teams:user:29:b", "personal", {"serviceUrl": "https://b"})
        clock.now += 25 * 86400  # a: 25 days since it last wrote; b: 25
        assert await store.load_reference("teams:user:29:a") is not None
        clock.now += 6 * 86400  # 31 days of silence
        assert await store.load_reference("teams:user:29:a") is None
        await store.save_reference("teams:user:29:d", "personal", {"serviceUrl": "https://d"})  # erases the silent
        from chatops.migrations import conversation_refs

        keys = {r.key for r in await store.read(conversation_refs.select())}
        assert keys == {"teams:conversation:19:c", "teams:user:29:d"}  # channels are not people: kept
        assert await store.forget_person("teams", "29:d") and not await store.forget_person("teams", "29:d")
    finally:
        await store.close()
