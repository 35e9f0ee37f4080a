"""Play the sample story through the emulator: past chapter 3 and to an ending (en and es)."""

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


def _chapter_3_on(shown: dict[str, list[str]], lang: str) -> list[str]:
    title = "Chapter 3" if lang == "en" else "Capítulo 3"
    texts = list(shown)
    start = next(i for i, text in enumerate(texts) if text.startswith(title))
    return texts[start:]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_players_who_choose_and_answer_differently_read_different_chapter_3(
    polling_bot: RunningBot, emu: Emu, lang: str
) -> None:
    base = 821 if lang == "en" else 831
    first = play_until_vip_gate(emu.player(base, "Ana", lang), lang, style=0)
    ANSWERS[lang].reverse()  # the second player answers the other way round
    try:
        last = play_until_vip_gate(emu.player(base + 1, "Bo", lang), lang, style=-1)
    finally:
        ANSWERS[lang].reverse()
    one, other = _chapter_3_on(first, lang), _chapter_3_on(last, lang)
    assert one[0] == other[0], "both read the chapter 3 title"
    differing = set(one) ^ set(other)
    assert len(differing) >= 4, "chapter 3 reads differently for them"
    music = {"en": "So you are the one who hums", "es": "Así que eres quien tararea"}[lang]
    assert not any(music in text for text in one), "the first player respected the music rule"


ENDS = {"en": "— The end (for now) —", "es": "— Fin (por ahora) —"}
TERSE = {"en": "not sure", "es": "no sé"}  # short answers: resonance grows slower
DOOR_COOL = {"en": "It does not know you well enough yet", "es": "Todavía no te conoce lo bastante"}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_terse_daily_player_with_vip_reaches_an_ending_within_a_week(
    emu: Emu, tmp_path: Path, lang: str
) -> None:
    """/start to an ending through the emulator: VIP bought with Stars at the garden gate, and
    the heartbeat door (resonance) tried once a day until it opens (5 days for these answers)."""
    from tests.integration.test_economy import DAY, Clock, ClockedBot, buy_vip

    clock = Clock()
    bot = ClockedBot(tmp_path / "data", emu, clock).start()
    try:
        player = emu.player(841 if lang == "en" else 842, "Ana", lang)
        player.send("/start")
        shown: list[str] = []
        days = 0
        for step in range(800):
            got = player.wait_buttons()
            shown += [m.get("text") or "" for m in got]
            if any(ENDS[lang] in (m.get("text") or "") for m in got):
                break
            with_story = [
                m
                for m in got
                if any(
                    b["callback_data"].startswith("c:")
                    for row in m.get("buttons") or []
                    for b in row
                )
            ]
            if not with_story:  # e.g. the VIP confirmation came after the story's buttons
                continue
            last = with_story[-1]
            data = [b["callback_data"] for row in last["buttons"] for b in row]
            story = [d for d in data if d.startswith("c:")]
            if "m:vip" in data:
                player.press(last["message_id"], "m:vip")
                player.wait_for(lambda ms: any(m.get("invoice") for m in ms))
                buy_vip(emu, player)
                player.wait_for(
                    lambda ms: any("https://t.me/+" in (m.get("text") or "") for m in ms)
                )
            elif any(ASKS[lang] in (m.get("text") or "") for m in got):
                player.send(TERSE[lang])
                continue
            elif any(DOOR_COOL[lang] in (m.get("text") or "") for m in got):
                days += 1
                assert days <= 7, "the door opens within a week of daily visits"
                clock.offset += DAY
            player.press(last["message_id"], story[step % len(story)] if step % 3 else story[0])
        else:
            raise AssertionError("no ending after 800 steps")
        title = "Chapter 10" if lang == "en" else "Capítulo 10"
        assert any(text.startswith(title) for text in shown)
    finally:
        bot.stop()
