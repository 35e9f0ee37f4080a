"""The story check: it fails on today's broken story and on each broken rule, and passes on a
small good story and on every committed story."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from narrative_helpers import STORIES_DIR

from yabot.narrative.check import CheckResult, check_compiled, check_story, render_report
from yabot.narrative.compiler import CompileError, compile_ink, ink_sources

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = (FIXTURES / "good" / "good.ink").read_text(encoding="utf-8")
PERSONAS = 240
Compile = Callable[[str, Path], str]


def run(inkjs: Compile, source: str, tmp_path: Path, personas: int = PERSONAS) -> CheckResult:
    text = inkjs(source, tmp_path)
    return check_story(tmp_path / "story.ink", text, personas=personas, store_items=("rose_pin",))


def rules(result: CheckResult) -> set[str]:
    return {f.rule for f in result.findings}


def test_the_good_fixture_passes(inkjs: Compile, tmp_path: Path) -> None:
    result = run(inkjs, GOOD, tmp_path)
    assert result.ok, "\n".join(map(str, result.findings))
    report = result.report
    assert report["chapters"] == 3 and set(report["endings"]) == {"leave", "secret", "vip"}
    assert report["branch_points_later"] == 1
    assert all(share > 0 for share in report["endings"].values())
    assert {g["gate"] for g in report["gates"]} == {"vip", "resonance:0.3"}
    assert "| 1 | 100% |" in render_report("good", report, result.findings)


def test_todays_story_fails_on_the_3_08_line(inkjs: Compile, tmp_path: Path) -> None:
    source = (FIXTURES / "today" / "today.ink").read_text(encoding="utf-8")
    result = run(inkjs, source, tmp_path, personas=300)
    found = {(f.rule, f.where) for f in result.findings}
    assert ("syntax", "3_08") in found, "the literal '- else:' shown to a trusted player"
    assert ("empty", "3_08") in found, "the bubble with only '…' for the others"
    assert any(f.rule == "syntax" and f.where.endswith(":221") for f in result.findings)
    assert {"unseen_choice", "answer_unused", "gate", "dead_end"} <= rules(result)


def test_an_unreachable_choice_fails(inkjs: Compile, tmp_path: Path) -> None:
    source = GOOD.replace(
        '+ [{t("Sit by the fountain"',
        '+ {arch_poet >= 2} [{t("Recite to the roses", "Recitar a las rosas")}] -> vip_gate\n'
        '+ [{t("Sit by the fountain"',
    )
    result = run(inkjs, source, tmp_path)
    unseen = [f for f in result.findings if f.rule == "unseen_choice"]
    assert len(unseen) == 1 and "Recite to the roses" in unseen[0].where, result.findings


BROKEN: list[tuple[str, list[tuple[str, str]]]] = [
    # a passage that stops without an #ending: tag
    ("dead_end", [(" #scene:end_leave #ending:leave", " #scene:end_leave")]),
    # the question's answer is never read
    (
        "answer_unused",
        [
            ("{answer_kind:", "{mood:"),
            ("{answer_polarity:", "{mood:"),
            ('why_kind == "normal" && why_quote != ""', "trust > 0"),
            ("{why_quote}", "{trust}"),
            ("{why_quote}", "{trust}"),
        ],
    ),
    # a line missing in one language
    ("language", [('"Esperar")}] -> question', '"")}] -> question')]),
    # the same (non-name) text in both languages
    ("language", [('"Escuchar primero"', '"Listen first"')]),
    # a gate nobody passes within a week
    ("gate", [("resonance >= 0.3: -> chapter_3", "resonance >= 0.99: -> chapter_3")]),
    # a branch whose consequence reads the same whatever was chosen
    ("branch", [("{trust > 0: {t(", "{trust > 99: {t(")]),
    # a placeholder
    ("empty", [("someone is humming.", "TODO humming.")]),
    # a passage that prints nothing
    (
        "empty",
        [
            (
                '{t("Behind the wood, someone is humming.", "Detrás de la madera, alguien '
                'tararea.")} #scene:1_03',
                "#scene:1_03",
            )
        ],
    ),
    # ink syntax in shown text (today's 3_08 mistake)
    (
        "syntax",
        [
            (
                '{t("The sound runs down the hall and comes back changed.", "El golpe recorre el '
                'pasillo y vuelve cambiado.")}',
                '{ trust >= 0: {t("The sound runs.", "El golpe corre.")} - else: '
                '{t("Nothing.", "Nada.")} }',
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("rule", "edits"), BROKEN, ids=[f"{r}{i}" for i, (r, _) in enumerate(BROKEN)]
)
def test_each_rule_fails_a_story_that_breaks_it(
    rule: str, edits: list[tuple[str, str]], inkjs: Compile, tmp_path: Path
) -> None:
    source = GOOD
    for old, new in edits:
        assert old in source
        source = source.replace(old, new, 1)
    result = run(inkjs, source, tmp_path)
    assert rule in rules(result), "\n".join(map(str, result.findings))


def test_inkjs_warnings_and_notes_fail_the_compile(tmp_path: Path, inkjs: Compile) -> None:
    ink = tmp_path / "warned.ink"
    ink.write_text("Hello.\nTODO: write the rest\n-> END\n", encoding="utf-8")
    with pytest.raises(CompileError, match="write the rest"):
        compile_ink(ink, tmp_path / "warned.json")


@pytest.mark.parametrize("ink", ink_sources(STORIES_DIR), ids=lambda p: p.stem)
def test_committed_story_passes_the_check(ink: Path) -> None:
    personas = int(os.environ.get("YABOT_STORY_CHECK_PERSONAS", "2000"))
    result = check_compiled(ink, personas)
    assert result.ok, f"{len(result.findings)} findings:\n" + "\n".join(
        map(str, result.findings[:40])
    )


def test_compile_stories_fails_on_findings_and_writes_the_report(
    tmp_path: Path, inkjs: Compile
) -> None:
    from yabot.narrative.compiler import main

    stories = tmp_path / "stories"
    (stories / "good").mkdir(parents=True)
    readme = stories / "README.md"
    readme.write_text("# Stories\n\nHand-written part.\n", encoding="utf-8")
    ink = stories / "good" / "good.ink"
    ink.write_text(GOOD, encoding="utf-8")
    assert main(["--stories-dir", str(stories), "--personas", "200"]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Stories\n\nHand-written part.\n")
    assert "### good" in text and "- Check: passes" in text
    ink.write_text(GOOD.replace(" #scene:end_leave #ending:leave", " #scene:end_leave"), "utf-8")
    assert main(["--stories-dir", str(stories), "--personas", "200"]) == 1
    text = readme.read_text(encoding="utf-8")
    assert text.count("### good") == 1, "the generated section is replaced, not appended"
    assert "[dead_end] end_leave" in text


def test_the_simulated_signature_is_the_players(inkjs: Compile, tmp_path: Path) -> None:
    """The simulation folds visits, choices and answers exactly as the player's logic does."""
    from yabot.narrative.check import _Player, _World
    from yabot.narrative.effects import Effect
    from yabot.narrative.engine import _Played, _Runner
    from yabot.narrative.library import CompiledStory
    from yabot.narrative.personas import make_personas
    from yabot.player.feelings import EmotionFeelings

    compiled = CompiledStory.from_json("good", inkjs(GOOD, tmp_path))
    player = _Player(_Runner(compiled), make_personas(1, ())[0], _World())
    feelings = EmotionFeelings()
    signature, last_seen = feelings.new(), 0.0
    for step, seconds in enumerate([0.0, 12.0, 40.0, 7200.0, 86_400.0, 5.0, 0.5]):
        player.interact(seconds)
        signature = feelings.on_interaction(signature, player.now, last_seen)
        last_seen = player.now
        if step % 2:
            player.apply(_Played(effects=[Effect("emo", "poet", 2), Effect("emo", "direct", -1)]))
            signature = feelings.on_choice(signature, "emo:poet+2", player.now)
            signature = feelings.on_choice(signature, "emo:direct-1", player.now)
        assert player.signature.to_dict() == signature.to_dict()
        assert player.variables()["resonance"] == feelings.variables(signature)["resonance"]
