"""``GET /api/v1/players/{id}``, ``GET /api/v1/actors/{id}`` and ``POST .../restart`` for an id
that never played: 404, and no actor is woken."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.harness import Emu, RunningBot, bot_settings

PASSWORD = "correct horse battery staple"


def test_an_id_that_never_played_is_404_without_an_actor(emu: Emu, tmp_path: Path) -> None:
    settings = bot_settings(
        tmp_path / "data", emu.url, "polling", YABOT_API__BOOTSTRAP_ADMIN_PASSWORD=PASSWORD
    )
    bot = RunningBot(settings).start()
    try:
        api = bot.api_url
        r = httpx.post(api + "/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
        admin = {"Authorization": "Bearer " + str(r.json()["access_token"])}

        missing = httpx.get(f"{api}/api/v1/players/987654", headers=admin, timeout=10)
        assert missing.status_code == 404, missing.text
        assert missing.json()["error"]["code"] == "not_found"
        assert "never played" in missing.json()["error"]["message"]
        # the actor routes too: no phantom actor is woken (nor restarted) for an unknown id
        state = httpx.get(f"{api}/api/v1/actors/987655", headers=admin, timeout=10)
        assert state.status_code == 404, state.text
        assert state.json()["error"]["code"] == "not_found"
        restart = httpx.post(f"{api}/api/v1/actors/987656/restart", headers=admin, timeout=10)
        assert restart.status_code == 404, restart.text
        resident = httpx.get(f"{api}/api/v1/actors", headers=admin, timeout=10).json()
        woken = {987654, 987655, 987656} & {a["user_id"] for a in resident["items"]}
        assert not woken, f"actors woken for ids that never played: {woken}"

        emu.player(4343, "Ana", "en").say("/start")
        known = httpx.get(f"{api}/api/v1/players/4343", headers=admin, timeout=10)
        assert known.status_code == 200, known.text
        assert known.json()["profile"]["first_name"] == "Ana"
        # still found once its actor is passivated (the profile and snapshot remain)
        httpx.post(f"{api}/api/v1/actors/4343/passivate", headers=admin, timeout=10)
        assert httpx.get(f"{api}/api/v1/players/4343", headers=admin, timeout=10).status_code == 200
        assert httpx.get(f"{api}/api/v1/actors/4343", headers=admin, timeout=10).status_code == 200
        restarted = httpx.post(f"{api}/api/v1/actors/4343/restart", headers=admin, timeout=10)
        assert restarted.status_code == 200, restarted.text
    finally:
        bot.stop()
