"""Acceptance: ``yabot backup`` of a serving cluster brings every player's progress back.

Two members on a throwaway PostgreSQL; a player plays through the emulator (ids near 9e8);
``yabot backup`` runs while another player keeps playing; the members stop; ``yabot restore``
into a fresh PostgreSQL server; two new members start there; ``GET /api/v1/players/{id}``
shows the same story, signature and balance, the player plays on (the restored shard epochs
let the new owners write) and every shard's epoch is above any epoch of before the backup.
Once with the snapshots in PostgreSQL, once in MongoDB (where each snapshot carries its
epoch, so restored epochs lower than the snapshots' would fence every write).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.cluster.cluster_harness import Member
from tests.integration.black_box import backup_while_serving, play, start_ids_near_9e8, yabot
from tests.integration.harness import Emu
from yabot.cluster.local_postgres import LocalPostgres


@pytest.fixture
def emu() -> Iterator[Emu]:
    e = Emu().start()
    yield e
    e.stop()


def _view(member: Member, user_id: int) -> dict[str, Any]:
    r = httpx.get(f"{member.url}/api/v1/players/{user_id}", headers=member.admin(), timeout=30)
    r.raise_for_status()
    body = r.json()
    return {k: body[k] for k in ("story", "signature", "balance")}


def _cluster(dsn: str, emu: Emu, base: Path, extra: dict[str, str]) -> list[Member]:
    base.mkdir(parents=True, exist_ok=True)
    members = [Member(name, dsn, emu.url, base, **extra) for name in ("a", "b")]
    for member in members:
        member.start()
    _wait_all_shards_owned(dsn)
    return members


def _wait_all_shards_owned(dsn: str, timeout: float = 60.0) -> None:
    """Healthy members acquire their shards in the next rounds; a request before that is
    answered 503 ``shard_unowned`` (try again), which is not what these checks are about."""
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(dsn) as conn:
            row = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE owner IS NOT NULL AND expires_at > now())"
                " FROM shard_leases"
            ).fetchone()
        assert row is not None
        if row[0] and row[0] == row[1]:
            return
        assert time.monotonic() < deadline, f"{row[1]} of {row[0]} shards owned"
        time.sleep(0.2)


def _max_epoch(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT max(epoch) FROM shard_leases").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("snapshots", ["postgres", "mongo"])
def test_backup_of_a_serving_cluster_restores_into_a_fresh_postgres(
    emu: Emu, pg_dsn: str, tmp_path: Path, snapshots: str, request: pytest.FixtureRequest
) -> None:
    extra: dict[str, str] = {}
    restored_extra: dict[str, str] = {}
    if snapshots == "mongo":
        uri = request.getfixturevalue("mongodb_uri")
        database = f"yabot_cb_{uuid.uuid4().hex[:8]}"
        extra = {"YABOT_STORAGE__MONGODB_URI": uri, "YABOT_STORAGE__MONGODB_DATABASE": database}
        restored_extra = extra | {"YABOT_STORAGE__MONGODB_DATABASE": database + "_restored"}
    start_ids_near_9e8(emu)
    members = _cluster(pg_dsn, emu, tmp_path / "old", extra)
    try:
        player = emu.player(5301, "Ana", "en")
        answered = play(player, 9)
        assert answered >= 1, "the story asked a free-text question and the player answered"
        before = _view(members[0], 5301)
        assert before["story"]["turn"] >= 9
        assert _view(members[1], 5301) == before, "any member answers for the player"

        backup_while_serving(emu, members[0].env, tmp_path / "backup")
        assert _view(members[0], 5301) == before, "the backup changed nothing"
        old_epoch = _max_epoch(pg_dsn)
    finally:
        for member in members:
            member.kill() if not member.alive else member.stop()

    manifest: dict[str, Any] = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["backend"] == "postgres"
    stores = {e["store"] for e in manifest["postgres"]}
    expected = {"inbox", "records", "admin", "operations", "broadcasts", "cluster_leases"}
    assert stores == expected | ({"snapshots"} if snapshots == "postgres" else set())
    if snapshots == "mongo":
        assert any(f["name"] == "snapshots.bson" for f in manifest["files"])

    with LocalPostgres(durable=False) as fresh:
        new_members_env = Member("probe", fresh.dsn, emu.url, tmp_path, **restored_extra).env
        restored = yabot(new_members_env, "restore", str(tmp_path / "backup"))
        assert restored.returncode == 0, restored.stderr
        assert _max_epoch(fresh.dsn) > old_epoch, "every shard's epoch went up on restore"
        again = yabot(new_members_env, "restore", str(tmp_path / "backup"))
        assert again.returncode == 2 and "restore needs an empty" in again.stderr, again.stderr
        assert len(again.stderr.strip().splitlines()) == 1, again.stderr

        members = _cluster(fresh.dsn, emu, tmp_path / "new", restored_extra)
        try:
            assert _view(members[0], 5301) == before
            assert _view(members[1], 5301) == before
            # The player goes on: the reply is written in the records transaction, which is
            # fenced, so it reaches the chat only if the new owner's epoch is the shard's.
            assert player.say("/story", timeout=30), "the restored cluster answers"
            restored_version = _snapshot_version(fresh.dsn, restored_extra, "user:5301")
        finally:
            for member in members:
                member.kill() if not member.alive else member.stop()
        # ... and its state is stored again (flushed at the graceful stop): a snapshot write
        # at an epoch below the stored snapshot's would be fenced (MongoDB keeps the epoch).
        assert _snapshot_version(fresh.dsn, restored_extra, "user:5301") > restored_version


def _snapshot_version(dsn: str, extra: dict[str, str], key: str) -> int:
    if "YABOT_STORAGE__MONGODB_URI" in extra:
        import pymongo

        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            extra["YABOT_STORAGE__MONGODB_URI"]
        )
        try:
            doc = client[extra["YABOT_STORAGE__MONGODB_DATABASE"]]["snapshots"].find_one(
                {"_id": key}
            )
        finally:
            client.close()
        assert doc is not None
        return int(doc["v"])
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT version FROM snapshots WHERE key = %s", (key,)).fetchone()
    assert row is not None
    return int(row[0])
