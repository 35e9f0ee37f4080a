"""The committed story through the emulator, in Spanish and in English: a playthrough from /start
to an ending (buying VIP with Stars at the VIP gate, coming back on later days at a resonance
gate), and two players who choose and answer differently read different text by chapter 3.

The players explore generically (they read buttons and prompts, not the story's text), so the
tests follow whatever story is committed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import Emu, Player
from tests.integration.test_economy import DAY, Clock, ClockedBot, buy_vip
from yabot.i18n import t

ANSWERS = {
    "en": {
        "warm": "I came because I love mysteries and this house already feels like home",
        "dark": "Honestly I am sad and angry, and I do not trust anyone here",
    },
    "es": {
        "warm": "Vine porque me encantan los misterios y esta casa ya me parece un hogar",
        "dark": "La verdad estoy triste y enfadada, y no me fío de nadie aquí",
    },
}
MAX_STEPS = 900
MAX_DAYS = 14


@dataclass
class Playthrough:
    """What one player read."""

    lang: str
    chapters: dict[int, list[str]] = field(default_factory=dict)
    chapter: int = 0
    ended: bool = False
    days: int = 0
    vip: bool = False

    def read(self, text: str) -> None:
        for n in range(1, 30):
            if text.startswith(f"{t('chapter_word', self.lang)} {n} "):
                self.chapter = n
        self.chapters.setdefault(self.chapter, []).append(text)


@pytest.fixture
def clocked(emu: Emu, tmp_path: Path) -> Iterator[tuple[ClockedBot, Clock]]:
    clock = Clock()
    bot = ClockedBot(tmp_path / "data", emu, clock).start()
    yield bot, clock
    bot.stop()


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [b for row in message.get("buttons") or [] for b in row]


def _story_button(button: dict[str, str]) -> bool:
    data = button.get("callback_data", "")
    return data.startswith("c:") or data in ("m:vip", "m:menu")


def play(
    emu: Emu,
    player: Player,
    clock: Clock,
    lang: str,
    pick: int,
    mood: str,
    stop_at_chapter: int | None = None,
) -> Playthrough:
    """Play from /start: take choice ``pick`` (modulo the choices on offer; -1 is the last),
    answer questions in ``mood``; buy VIP at a VIP gate; come back the next day at a gate.
    With ``stop_at_chapter``, stop there or at the VIP gate, whichever comes first."""
    out = Playthrough(lang)
    ask = t("story_ask", lang)
    end = t("story_end", lang)
    player.send("/start")
    for step in range(MAX_STEPS):
        got = player.wait_buttons(timeout=20)
        for message in got:
            out.read(message.get("text") or "")
        if stop_at_chapter is not None and out.chapter >= stop_at_chapter:
            return out
        if any(end in (m.get("text") or "") for m in got):
            out.ended = True
            return out
        playable = [m for m in got if any(_story_button(b) for b in buttons(m))]
        if not playable:  # e.g. the channel invite after a payment: wait for the story
            continue
        last = playable[-1]
        data = [b.get("callback_data", "") for b in buttons(last)]
        if "m:vip" in data and stop_at_chapter is not None:
            return out  # the free chapters are behind us
        if "m:vip" in data and not out.vip:
            player.send("/vip")
            player.wait_for(lambda ms: any(m.get("invoice") for m in ms))
            buy_vip(emu, player)
            player.wait_for(lambda ms: any("VIP" in (m.get("text") or "") for m in ms))
            out.vip = True
            player.send("/story")
            continue
        if any(ask in (m.get("text") or "") for m in got):
            player.send(ANSWERS[lang][mood])
            continue
        choices = [d for d in data if d.startswith("c:")]
        if not choices:
            raise AssertionError(f"no story choice to take: {last!r}")
        gate = any("🔒" in (m.get("text") or "") for m in got)
        if gate:  # a locked door: come back tomorrow and try again
            out.days += 1
            assert out.days <= MAX_DAYS, f"still locked after {MAX_DAYS} days: {last['text']!r}"
            clock.offset += DAY
            player.press(last["message_id"], choices[0])
            continue
        choice = choices[-1] if pick < 0 else choices[(step * pick) % len(choices)]
        player.press(last["message_id"], choice)
    raise AssertionError(f"no ending after {MAX_STEPS} steps (chapter {out.chapter})")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_playthrough_from_start_to_an_ending(
    clocked: tuple[ClockedBot, Clock], emu: Emu, lang: str
) -> None:
    _, clock = clocked
    started = time.monotonic()
    player = emu.player(901 if lang == "en" else 902, "Lucía", lang)
    result = play(emu, player, clock, lang, pick=1, mood="warm")
    print(
        f"{lang}: ended in chapter {result.chapter}, {result.days} days at gates, vip={result.vip}"
    )
    assert result.ended
    assert result.chapter >= 3 and all(n in result.chapters for n in range(1, result.chapter + 1))
    shown = [text for texts in result.chapters.values() for text in texts]
    assert not any("takes note" in s or "toma nota" in s for s in shown)
    assert time.monotonic() - started < 600


@pytest.mark.parametrize("lang", ["es", "en"])
def test_two_players_read_different_text_by_chapter_3(
    clocked: tuple[ClockedBot, Clock], emu: Emu, lang: str
) -> None:
    _, clock = clocked
    base = 920 if lang == "en" else 940
    first = play(emu, emu.player(base, "Ana", lang), clock, lang, 0, "warm", stop_at_chapter=4)
    second = play(emu, emu.player(base + 1, "Bo", lang), clock, lang, -1, "dark", stop_at_chapter=4)
    early = [n for n in (1, 2, 3) if n in first.chapters and n in second.chapters]
    assert 3 in early, "both reached chapter 3"
    read_first = {text for n in early for text in first.chapters[n]}
    read_second = {text for n in early for text in second.chapters[n]}
    only_first, only_second = read_first - read_second, read_second - read_first
    assert only_first and only_second, "each read something the other did not"
    chapter_3 = set(first.chapters[3]) ^ set(second.chapters[3])
    assert chapter_3, "chapter 3 itself reads differently for them"
