"""The admin API over a running bot: live actor state, roles, and nothing readable at rest."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from tests.integration.harness import Emu, RunningBot, bot_settings

PASSWORD = "correct horse battery staple"
SECRET_ANSWER = "Mi abuela me enseñó a bailar bajo la lluvia"


def _token(api: str, username: str, password: str) -> str:
    r = httpx.post(api + "/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def test_admin_sees_consistent_live_state_and_roles_hold(emu: Emu, tmp_path: Path) -> None:
    settings = bot_settings(
        tmp_path / "data",
        emu.url,
        "polling",
        YABOT_API__BOOTSTRAP_ADMIN_PASSWORD=PASSWORD,
        YABOT_SECURITY__ENCRYPTION_KEYS="x2VnH0rC2O3u8xRk5i8gqJ2s0yRkq3b8T2v3M6G8f9E=",
    )
    bot = RunningBot(settings).start()
    try:
        api = bot.api_url
        admin = {"Authorization": "Bearer " + _token(api, "admin", PASSWORD)}
        player = emu.player(4242, "Ana", "es")
        player.send("/start")
        got = player.wait_buttons()

        views: list[dict] = []
        errors: list[str] = []
        playing = threading.Event()

        def watch() -> None:
            with httpx.Client(timeout=10) as http:
                while not playing.is_set():
                    r = http.get(f"{api}/api/v1/actors/4242", headers=admin)
                    if r.status_code != 200:
                        errors.append(r.text)
                        return
                    views.append(r.json()["state"])

        watcher = threading.Thread(target=watch)
        watcher.start()
        first_update = None
        answered = False
        for _ in range(12):
            if any("Escribe tu respuesta" in m["text"] for m in got):
                player.send(SECRET_ANSWER)
                answered = True
            else:
                scene = [m for m in got if m.get("buttons")][-1]
                pressed = player.press(scene["message_id"], scene["buttons"][0][0]["callback_data"])
                first_update = first_update or pressed["update_id"]
            got = player.wait_buttons()
        playing.set()
        watcher.join()
        assert answered, "the story asked a free-text question and the player answered it"
        assert not errors, errors[:3]
        assert len(views) > 3
        for view in views:  # each view is between two transitions of this one player
            assert (
                view["transitions"]
                == view["last_update_id"] - views[0]["last_update_id"] + views[0]["transitions"]
            )

        listed = httpx.get(f"{api}/api/v1/actors", headers=admin).json()
        assert 4242 in [a["user_id"] for a in listed["items"]]
        profile = httpx.get(f"{api}/api/v1/players/4242", headers=admin).json()
        assert profile["story"]["chapter"] >= 1
        assert "archetypes" in profile["signature"]

        created = httpx.post(
            f"{api}/api/v1/admin/accounts",
            headers=admin,
            json={"username": "vera", "password": PASSWORD, "role": "viewer"},
        )
        assert created.status_code == 201, created.text
        viewer = {"Authorization": "Bearer " + _token(api, "vera", PASSWORD)}
        assert httpx.get(f"{api}/api/v1/actors/4242", headers=viewer).status_code == 200
        assert httpx.post(f"{api}/api/v1/actors/4242/passivate", headers=viewer).status_code == 403
        assert httpx.post(f"{api}/api/v1/stories/diana/reload", headers=viewer).status_code == 403
        assert httpx.post(f"{api}/api/v1/actors/4242/passivate", headers=admin).json()["requested"]
    finally:
        bot.stop()

    # Read every database file directly: no free text, no emotional data in clear.
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert SECRET_ANSWER.encode() not in raw, path
            for marker in (b"resonance", b"arousal", b"valence", b"evidence"):
                assert marker not in raw, (path, marker)
