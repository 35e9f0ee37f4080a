"""``yabot chat`` at a real (pseudo-)terminal: prompt, numbers, payments, emulator restarts."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.emulator.pty_terminal import PtyTerminal, Screen
from yabot.emulator.chat import chat_command
from yabot.emulator.echo import EchoBot
from yabot.emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "4242:echo"


def test_the_screen_model_follows_carriage_returns_and_erasing() -> None:
    screen = Screen()
    screen.feed(b"> ab\r\x1b[Kbot: hi\n> ab\x1b[?2004l")
    assert screen.lines == ["bot: hi", "> ab"]


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        httpx.post(f"{server.url}/_emulator/bots", json={"token": BOT_TOKEN})
        bot = EchoBot(server.url, BOT_TOKEN).start()
        yield server
        bot.stop()


def chat(url: str, user: int = 77) -> PtyTerminal:
    command = [sys.executable, "-m", "yabot", "chat", "--emulator", url, "--user", str(user)]
    return PtyTerminal([*command, "--name", "Ana"], cwd=str(ROOT))


def last_line(screen: str) -> str:
    return screen.rstrip("\n").splitlines()[-1].rstrip()


def test_bot_messages_appear_above_the_prompt_and_keep_what_was_typed(
    emulator: EmulatorServer,
) -> None:
    terminal = chat(emulator.url)
    try:
        terminal.wait_for("Playing as Ana")
        terminal.wait_for(lambda s: last_line(s) == ">")
        terminal.type("hola\r")
        screen = terminal.wait_for("1) Again   2) Other")
        lines = [line.rstrip() for line in screen.rstrip("\n").splitlines()]
        assert lines[-1] == ">"  # the prompt comes back under the bot's message
        assert "bot: echo: hola" in lines[-3]
        terminal.type("half-typ")  # typing, not sent yet, when the bot speaks
        terminal.wait_for(lambda s: last_line(s) == "> half-typ")
        httpx.post(f"{emulator.url}/_emulator/users/77/messages", json={"text": "from elsewhere"})
        screen = terminal.wait_for("bot: echo: from elsewhere")
        assert last_line(screen) == "> half-typ"  # the message went above what was typed
        assert "> half-typbot" not in screen
        terminal.type("ed\r")
        terminal.wait_for("bot: echo: half-typed")
    finally:
        terminal.close()


def test_digits_at_a_question_are_an_answer_and_at_buttons_a_press(
    emulator: EmulatorServer,
) -> None:
    terminal = chat(emulator.url, user=78)
    try:
        terminal.wait_for("Playing as Ana")
        terminal.type("/ask\r")
        terminal.wait_for("bot: How old?")
        terminal.type("25\r")  # the bot's last message has no buttons: 25 is the answer
        terminal.wait_for("bot: echo: 25")
        terminal.type("2\r")  # now it has buttons: 2 presses "Other"
        terminal.wait_for("bot (edited): pressed: other")
        terminal.type("'7\r")  # a quote sends digits as text whatever is shown
        terminal.wait_for("bot: echo: 7")
        assert "there is no button" not in terminal.text()
    finally:
        terminal.close()
    sent = httpx.get(
        f"{emulator.url}/_emulator/chats/78/messages", params={"include_user": True}
    ).json()["messages"]
    assert [m["text"] for m in sent if not m["from_bot"]] == ["/ask", "25", "7"]


def test_a_number_presses_a_button_when_a_notice_follows_the_buttons(
    emulator: EmulatorServer,
) -> None:
    """The bot's story message with buttons, then a notice (a mission done): 1 still presses.

    Seen in local play: after "Misión cumplida ..." the player's "1" went as text, the bot
    answered "No he entendido eso" and the story's buttons were gone.
    """
    terminal = chat(emulator.url, user=81)
    try:
        terminal.wait_for("Playing as Ana")
        terminal.type("/notice\r")
        terminal.wait_for("bot: A notice without buttons")
        terminal.type("1\r")
        terminal.wait_for("bot (edited): pressed: again")
        assert "echo: 1" not in terminal.text()
    finally:
        terminal.close()


def test_a_number_beyond_the_buttons_at_a_question_is_an_answer(
    emulator: EmulatorServer,
) -> None:
    """Every question of the story has a skip button: typing "1985" there said "! there is no
    button 1985" instead of answering."""
    terminal = chat(emulator.url, user=82)
    try:
        terminal.wait_for("Playing as Ana")
        terminal.type("/askskip\r")
        terminal.wait_for("1) Skip")
        terminal.type("1985\r")
        terminal.wait_for("bot: echo: 1985")
        assert "there is no button" not in terminal.text()
    finally:
        terminal.close()


def test_an_invoice_is_paid_from_the_terminal(emulator: EmulatorServer) -> None:
    terminal = chat(emulator.url, user=79)
    try:
        terminal.wait_for("Playing as Ana")
        terminal.type("/invoice\r")
        terminal.wait_for("1) Pay")
        terminal.type("1\r")
        terminal.wait_for("(you paid 5 XTR)")
        terminal.type("/link\r")  # a url button to an invoice link (a Stars subscription's)
        terminal.wait_for("1) Buy")
        terminal.type("1\r")
        terminal.wait_for("(you paid 7 XTR)")
    finally:
        terminal.close()
    payments = httpx.get(f"{emulator.url}/_emulator/payments").json()
    assert [(p["user_id"], p["total_amount"]) for p in payments] == [(79, 5), (79, 7)]


def test_after_an_emulator_restart_the_player_is_registered_again(tmp_path: Path) -> None:
    """The emulator forgets its users when it starts again: the chat says so and carries on."""
    first = EmulatorServer().__enter__()
    port = int(first.url.rsplit(":", 1)[1])
    httpx.post(f"{first.url}/_emulator/bots", json={"token": BOT_TOKEN})
    bot = EchoBot(first.url, BOT_TOKEN).start()
    terminal = chat(first.url, user=80)
    second: EmulatorServer | None = None
    try:
        terminal.wait_for("Playing as Ana")
        terminal.type("before\r")
        terminal.wait_for("bot: echo: before")
        bot.stop()
        first.__exit__(None, None, None)
        terminal.wait_for("does not answer")
        second = EmulatorServer(port=port).__enter__()
        httpx.post(f"{second.url}/_emulator/bots", json={"token": BOT_TOKEN})
        bot = EchoBot(second.url, BOT_TOKEN).start()
        terminal.wait_for("registered you again as Ana")
        terminal.type("after\r")
        terminal.wait_for("bot: echo: after")
        assert terminal.text().count("does not answer") == 1  # said once, not every 2 s
    finally:
        terminal.close()
        bot.stop()
        if second is not None:
            second.__exit__(None, None, None)


def test_the_chat_command_names_the_emulator_unless_it_is_the_default() -> None:
    assert chat_command("http://127.0.0.1:8081") == ".venv/bin/yabot chat"
    assert chat_command("http://127.0.0.1:18081/") == (
        ".venv/bin/yabot chat --emulator http://127.0.0.1:18081"
    )


def test_chat_reads_the_emulator_port_from_the_same_configuration(
    emulator: EmulatorServer,
) -> None:
    """Without --emulator, `yabot chat` goes where config.toml and YABOT_* put the emulator."""
    port = emulator.url.rsplit(":", 1)[1]
    terminal = PtyTerminal(
        [sys.executable, "-m", "yabot", "chat", "--user", "81", "--name", "Ana"],
        cwd=str(ROOT),
        env={"YABOT_TELEGRAM__EMULATOR_PORT": port},
    )
    try:
        terminal.wait_for("Playing as Ana")
        terminal.type("hi\r")
        terminal.wait_for("bot: echo: hi")
    finally:
        terminal.close()


def test_formatting_shows_in_the_terminal(emulator: EmulatorServer) -> None:
    terminal = chat(emulator.url, user=82)
    try:
        terminal.wait_for("Playing as Ana")
        terminal.type("hi\r")
        terminal.wait_for("bot: echo: hi")
        sent = httpx.post(
            f"{emulator.url}/bot{BOT_TOKEN}/sendMessage",
            json={
                "chat_id": 82,
                "parse_mode": "HTML",
                "text": "😀 <b>Bold</b>, <i>italic</i> and "
                "<a href='https://example.org/'>a link</a>",
            },
        ).json()
        assert sent["ok"], sent
        terminal.wait_for("bot: 😀 Bold, italic and a link (https://example.org/)")
        assert b"\x1b[1mBold\x1b[22m" in terminal.raw and b"\x1b[3mitalic\x1b[23m" in terminal.raw
    finally:
        terminal.close()
