"""Play the sample story through the emulator from /start past chapter 3, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.harness import Emu, Player, RunningBot, bot_settings

ASKS = {"en": "Write your answer", "es": "Escribe tu respuesta"}
VIP_BUTTON = {"en": "Become VIP", "es": "Hazte VIP"}
ANSWERS = {
    "en": ["I feel curious and a little afraid, but I love this place", "Honestly it makes me sad"],
    "es": [
        "Siento curiosidad y un poco de miedo, pero me encanta este lugar",
        "La verdad me pone triste",
    ],
}


def play_until_vip_gate(player: Player, lang: str, style: int = 0) -> dict[str, list[str]]:
    """Play until the VIP gate; return each passage shown with its buttons' texts.

    ``style`` 0 takes the first choice each time; style k > 0 takes choice ``(presses * k) % n``
    and -1 the last one: styles that build different emotional signatures.
    """
    shown: dict[str, list[str]] = {}
    player.send("/start")
    answers = 0
    for step in range(200):
        got = player.wait_buttons()
        for message in got:
            shown[message["text"]] = [
                b["text"] for row in message.get("buttons") or [] for b in row
            ]
        last = [m for m in got if m.get("buttons")][-1]
        texts = [b["text"] for row in last["buttons"] for b in row]
        if any(VIP_BUTTON[lang] in t for t in texts):
            return shown
        if any(ASKS[lang] in m["text"] for m in got):
            player.send(ANSWERS[lang][answers % 2])
            answers += 1
            continue
        buttons = [b for row in last["buttons"] for b in row if b["callback_data"].startswith("c:")]
        choice = buttons[-1] if style < 0 else buttons[(step * style) % len(buttons)]
        player.press(last["message_id"], choice["callback_data"])
    raise AssertionError("the VIP gate was never reached")


@pytest.fixture
def polling_bot(emu: Emu, tmp_path: Path):  # type: ignore[no-untyped-def]
    running = RunningBot(bot_settings(tmp_path / "data", emu.url, "polling")).start()
    yield running
    running.stop()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_play_through_chapter_3(polling_bot: RunningBot, emu: Emu, lang: str) -> None:
    first = play_until_vip_gate(emu.player(801 if lang == "en" else 802, "Ana", lang), lang)
    chapter = "Chapter" if lang == "en" else "Capítulo"
    for n in (1, 2, 3):
        assert any(text.startswith(f"{chapter} {n}") for text in first), f"{chapter} {n} was shown"
    assert not any(text.startswith(f"{chapter} 4") for text in first), "chapter 4 is VIP"


def test_signature_changes_the_choices(polling_bot: RunningBot, emu: Emu) -> None:
    plays = [
        play_until_vip_gate(emu.player(811 + i, "Bo", "en"), "en", style)
        for i, style in enumerate((0, 1, -1, 2))
    ]
    differing = [
        text
        for a, first in enumerate(plays)
        for second in plays[a + 1 :]
        for text in first
        if text in second and set(first[text]) != set(second[text])
    ]
    assert differing, "some moment offers a choice to one signature and not to the other"
