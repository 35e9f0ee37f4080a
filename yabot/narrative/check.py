"""The story check: static rules over the ink source, then thousands of simulated players.

``check_story(ink_path, compiled_json)`` returns a :class:`CheckResult` (findings + report).
A finding fails the check. Rules:

- ``syntax``: ink syntax in shown text (``- else:``, braces, ``->``, ``~`` ...), or an inline
  conditional written with ``- else:`` in the source (it prints).
- ``empty``: a passage with no text (the bot would show "…"), or a placeholder (TODO, TBD ...).
- ``dead_end``: the story stops without an ``#ending:`` tag, or waits for an answer it cannot take.
- ``unseen_choice``: a choice no persona is ever offered.
- ``gate``: a gate no persona reaches, or one no daily persona gets past within 7 days.
- ``answer_unused``: a question whose answer no later line reads (``answer_*`` before the next
  question or ``<id>_*`` anywhere after it).
- ``language``: a ``t()`` with an empty side, or a shown line identical in both languages that
  is not a name.
- ``branch``: a ``#branch:<id>`` whose ``#consequence:<id>`` passages never read differently
  for personas who took different options (or that has no consequence passage).
- ``scene``: a duplicate ``#scene:`` id.

The simulation plays the story through the engine's own runner (:class:`_Runner`: the same
variables, externals and tag parsing as a player's turn) and folds every turn into a real
:class:`~yabot.emotion.Signature` with :class:`~yabot.player.feelings.EmotionFeelings`, over
simulated days, so resonance grows as it would for a player.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from yabot.emotion import (
    DEFAULT_PARAMS,
    Signature,
    SignatureParams,
    analyze,
    parse_emo_tag,
    response_time,
    to_story_variables,
)
from yabot.emotion import update as update_signature
from yabot.narrative.answers import read_answer
from yabot.narrative.effects import parse_tags
from yabot.narrative.engine import _Played, _Runner
from yabot.narrative.inkscan import (
    SourceLine,
    choice_points,
    choice_source,
    read_sources,
    t_calls,
)
from yabot.narrative.library import CompiledStory
from yabot.narrative.personas import ANSWERS, Persona, answer_text, make_personas

DAY: Final = 86400.0
T0: Final = 1_780_000_000.0  # a fixed start: the simulation is deterministic
GATE_DAYS: Final = 7
SIM_DAYS: Final = 21
MAX_TURNS: Final = 3000
WORDS_PER_MINUTE: Final = 200
SESSION_GAP: Final = 30 * 60.0
_SYNTAX: Final = re.compile(
    r"-\s*else\s*:|[{}]|->|<-|^\s*~|\s~\s|==|\bVAR\b|\bINCLUDE\b|^\s*[*+]\s"
)
_PLACEHOLDER: Final = re.compile(r"\b(?:TODO|TBD|FIXME|XXX|PLACEHOLDER)\b|(?i:lorem ipsum)|\?\?\?")
_INLINE_ELSE: Final = re.compile(r"\{[^{}\n]*:.*-\s*else\s*:")
_LETTER: Final = re.compile(r"[^\W\d_]", re.UNICODE)
_WORDS: Final = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_ANSWER_READ: Final = re.compile(r"\banswer_(?:polarity|emotion|intensity|kind)\b")
_UNSET: Final = object()


@dataclass(frozen=True)
class Finding:
    """One reason the story fails the check."""

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.message}"


@dataclass
class CheckResult:
    """Findings (the check fails when any) and the report's numbers."""

    findings: list[Finding]
    report: dict[str, Any]

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.findings


# ---- static rules --------------------------------------------------------------------------
def _is_name(text: str) -> bool:
    """A line both languages may share: names, numbers, symbols ("Diana", "Lucien", "3", "…")."""
    words = _WORDS.findall(text)
    if not _LETTER.search(text):
        return True
    return len(words) <= 3 and all(w[:1].isupper() or w.isdigit() for w in words)


def static_findings(lines: list[SourceLine]) -> list[Finding]:
    """Rules that need no simulation: ``t()`` sides, inline ``- else:``, questions, scenes."""
    out: list[Finding] = []
    for call in t_calls(lines):
        where = f"{call.line.file}:{call.line.number}"
        if not call.en.strip() or not call.es.strip():
            side = "English" if not call.en.strip() else "Spanish"
            out.append(Finding("language", where, f"t() has an empty {side} side"))
        elif call.en.strip() == call.es.strip() and not _is_name(call.en):
            out.append(Finding("language", where, f"same text in both languages: {call.en[:60]!r}"))
        for side in (call.en, call.es):
            if _PLACEHOLDER.search(side):
                out.append(Finding("empty", where, f"placeholder text: {side[:60]!r}"))
    scenes: dict[str, tuple[str, str]] = {}
    for line in lines:
        code = line.text.split("//", 1)[0]
        where = f"{line.file}:{line.number}"
        if _INLINE_ELSE.search(code):
            out.append(
                Finding("syntax", where, "inline conditional with '- else:' prints it (use '|')")
            )
        for match in re.finditer(r"#\s*scene:\s*([A-Za-z0-9_.-]+)", code):
            scene = match.group(1)
            first = scenes.setdefault(scene, (line.knot, where))
            if first[0] != line.knot:  # alternatives of one passage may share their scene
                out.append(Finding("scene", where, f"scene {scene} also at {first[1]}"))
    out += _unused_answers(lines)
    return out


def _unused_answers(lines: list[SourceLine]) -> list[Finding]:
    out = []
    asks = [
        (i, m.group(1))
        for i, line in enumerate(lines)
        for m in re.finditer(r"#\s*ask:\s*([A-Za-z0-9_.-]+)", line.text.split("//", 1)[0])
    ]
    code = [_reads(line.text) for line in lines]
    for n, (i, ask) in enumerate(asks):
        until = asks[n + 1][0] if n + 1 < len(asks) else len(lines)
        generic = any(_ANSWER_READ.search(text) for text in code[i:until])
        own = re.compile(rf"\b{re.escape(ask)}_(?:polarity|emotion|kind|quote)\b")
        recalled = any(own.search(text) for text in code[i:])
        if not (generic or recalled):
            line = lines[i]
            out.append(
                Finding(
                    "answer_unused",
                    f"{line.file}:{line.number}",
                    f"question {ask}: no answer_* (before the next question) or {ask}_* is read",
                )
            )
    return out


def _reads(text: str) -> str:
    """The part of a source line that may read variables (not a declaration or assignment)."""
    code = text.split("//", 1)[0]
    stripped = code.strip()
    if stripped.startswith("VAR ") or stripped.startswith("CONST "):
        return ""
    return re.sub(r"^\s*~\s*[A-Za-z_][A-Za-z0-9_]*\s*=", "", code)


def words_by_language(lines: list[SourceLine]) -> dict[str, int]:
    """Words in the ``t()`` calls of the source, per language."""
    counts = {"en": 0, "es": 0}
    for call in t_calls(lines):
        counts["en"] += len(_WORDS.findall(call.en))
        counts["es"] += len(_WORDS.findall(call.es))
    return counts


def source_tags(lines: list[SourceLine], key: str) -> dict[str, str]:
    """``{value: "file:line"}`` of every ``#key:value`` tag in the source (first place)."""
    found: dict[str, str] = {}
    pattern = re.compile(rf"#\s*{key}:\s*([A-Za-z0-9_.:-]+)")
    for line in lines:
        for match in pattern.finditer(line.text.split("//", 1)[0]):
            found.setdefault(match.group(1), f"{line.file}:{line.number}")
    return found


# ---- simulation ----------------------------------------------------------------------------
@dataclass
class _Trace:
    """What one persona went through."""

    chapter_day: dict[int, int] = field(default_factory=dict)
    ending: str | None = None
    ending_day: int | None = None
    gates_seen: dict[str, int] = field(default_factory=dict)
    scene_day: dict[str, int] = field(default_factory=dict)
    free_words: int = 0
    free_done: bool = False
    turns: int = 0


@dataclass
class _World:
    """What every persona went through, merged."""

    offered: set[str] = field(default_factory=set)
    shown: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    branch_picks: dict[str, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    consequences: dict[str, dict[int, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    branch_distance: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    reactions: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    gate_chapter: dict[str, int] = field(default_factory=dict)
    gate_scene: dict[str, str] = field(default_factory=dict)
    # (gate, choice index at the gate) -> scenes the next passage showed
    gate_next: dict[tuple[str, int], set[str]] = field(default_factory=lambda: defaultdict(set))
    sig_seen: Counter[str] = field(default_factory=Counter)
    probe_cache: dict[tuple[str, str, str], str] = field(default_factory=dict)
    checked_lines: set[str] = field(default_factory=set)
    params: SignatureParams = DEFAULT_PARAMS

    def fail(self, rule: str, where: str, message: str) -> None:
        self.findings.setdefault((rule, where), Finding(rule, where, message))


class _Player:
    """One persona playing the story, day after day, through the engine's runner."""

    def __init__(self, runner: _Runner, persona: Persona, world: _World) -> None:
        self.runner = runner
        self.persona = persona
        self.world = world
        self.rng = random.Random(persona.pid * 7919 + 1)
        self.signature = Signature()
        self.now = T0 + persona.pid % 17 * 3600.0
        self.last_seen = 0.0
        self.besitos = 0
        self.trace = _Trace()
        self.day = 0
        self.picks: dict[str, tuple[int, int]] = {}  # branch id -> (option, turn)
        self.written: dict[str, Any] = {}

    def prepare(self) -> None:
        """``_Runner.prepare`` writing only the variables that changed since the last turn (the
        simulation never reloads another state, so the story still holds the others)."""
        runner, values = self.runner, self.variables()
        runner.variables, runner.record, runner.effects = values, True, []
        written = self.written
        for name in runner.compiled.variables.intersection(values):
            value = values[name]
            if written.get(name, _UNSET) != value and isinstance(value, (bool, int, float, str)):
                runner.story.set_variable(name, value)
                written[name] = value

    # -- the variables a player's actor writes before every turn
    def variables(self) -> dict[str, Any]:
        values: dict[str, Any] = dict(to_story_variables(self.signature, self.world.params))
        vip_day = self.persona.vip_day
        values.update(
            lang=self.persona.lang,
            address=self.persona.address,
            is_vip=vip_day is not None and self.day >= vip_day,
            besitos=self.besitos,
            inventory=list(self.persona.items),
        )
        return values

    def interact(self, seconds: float) -> None:
        self.now += seconds
        signals = []
        gap = self.now - self.last_seen
        if self.last_seen > 0 and 1.0 <= gap <= SESSION_GAP:
            signals.append(response_time(gap))
        self.signature = update_signature(self.signature, signals, self.now, self.world.params)
        self.last_seen = self.now

    def apply(self, played: _Played) -> None:
        for effect in played.effects:
            if effect.kind == "emo":
                tag = f"emo:{effect.name}{'+' if effect.amount >= 0 else '-'}{abs(effect.amount)}"
                self.signature = update_signature(
                    self.signature,
                    parse_emo_tag(tag),
                    self.now,
                    self.world.params,
                    interaction=False,
                )
            elif effect.kind == "reward":
                self.besitos += effect.amount

    def play(self) -> _Trace:
        runner, story = self.runner, self.runner.story
        story.reset_state()
        self.interact(0.0)
        self.prepare()
        played = runner.play(0, "", [])
        turn = 0
        last_day = SIM_DAYS
        while self.day <= last_day:
            budget = self.persona.session_turns
            tried_gate = False
            while budget > 0:
                turn += 1
                budget -= 1
                self.observe(played, turn)
                self.apply(played)
                if not played.choices or turn >= MAX_TURNS:
                    return self.trace
                if played.gates:
                    if tried_gate:
                        break  # blocked for today: come back tomorrow
                    tried_gate = True
                played = self.step(played, turn)
            self.day += 1 if self.persona.daily else self.rng.randint(2, 4)
            self.now = T0 + self.day * DAY + self.rng.uniform(8, 22) * 3600.0
        return self.trace

    def step(self, played: _Played, turn: int) -> _Played:
        runner = self.runner
        self.interact(self.persona.seconds_per_turn * self.rng.uniform(0.5, 1.5))
        visible = [c for c in played.choices if not c.is_answer]
        answer = next((c for c in played.choices if c.is_answer), None)
        text = answer_text(self.persona, self.rng) if played.ask and answer else None
        if text is None and played.ask and answer and not visible:  # typing is the only way on
            text = self.rng.choice(ANSWERS["short"][self.persona.lang])
        reading_key = None
        if text is not None and answer is not None and played.ask:
            self.signature = update_signature(
                self.signature,
                analyze(text, hint=self.persona.lang),  # type: ignore[arg-type]
                self.now,
                self.world.params,
                interaction=False,
            )
            self.prepare()
            reading = read_answer(text, self.persona.lang)
            for name, value in reading.variables(played.ask).items():
                if name in runner.compiled.variables:
                    runner.story.set_variable(name, value)
            reading_key = f"{reading.polarity}/{reading.emotion}/{reading.kind}"
            choice = answer
        else:
            if not visible:
                return played
            choice = self.pick(visible)
            self.prepare()
        ask = played.ask
        for tag in choice.tags:
            key, _, value = tag.strip().partition(":")
            if key == "branch" and value:
                option = self.world_choice_id(played, choice)
                self.world.branch_picks[value][self.persona.pid] = option
                self.picks[value] = (0, turn)
        runner.story.choose_choice_index(choice.index)
        nxt = runner.play(played.chapter, played.scene, parse_tags(choice.tags))
        for gate in played.gates:
            self.world.gate_next[(gate, choice.index)].add(nxt.scene)
        if ask and reading_key is not None:
            reaction = " ".join(nxt.lines)[:400]
            self.world.reactions[f"{self.persona.lang}:{ask}"][reading_key].add(reaction)
        return nxt

    def world_choice_id(self, played: _Played, choice: Any) -> str:
        """The choice point taken (its target path: the same in both languages)."""
        key = (played.scene, self.persona.lang, f"{choice.index}|{choice.text}")
        return self.world.probe_cache.get(key) or f"{played.scene}|{choice.index}"

    def pick(self, visible: list[Any]) -> Any:
        arch = self.persona.archetype
        weights = []
        for choice in visible:
            weight = 1.0
            tags = [t.strip() for t in choice.tags]
            if arch != "random" and any(t.startswith(f"emo:{arch}+") for t in tags):
                weight = 4.0
            if any(t.startswith("sig:") for t in tags):
                weight = max(weight, 3.0)
            weights.append(weight)
        return self.rng.choices(visible, weights=weights)[0]

    def observe(self, played: _Played, turn: int) -> None:
        world, trace, lang = self.world, self.trace, self.persona.lang
        trace.turns = turn
        where = played.scene or "(start)"
        if played.chapter and played.chapter not in trace.chapter_day:
            trace.chapter_day[played.chapter] = self.day
        if played.scene and played.scene not in trace.scene_day:
            trace.scene_day[played.scene] = self.day
        text = "\n".join(played.lines)
        if self.persona.vip_day is None and not trace.free_done:
            trace.free_words += len(_WORDS.findall(text))
            if "vip" in played.gates:
                trace.free_done = True
        if not played.lines:
            world.fail("empty", where, "a passage with no text (the bot would show '…')")
        elif not _LETTER.search(text):
            world.fail("empty", where, f"a passage with no words: {text[:40]!r}")
        for line in played.lines:
            self._check_line(where, line)
            key = (where, lang)
            if len(world.shown[key]) < 64:
                world.shown[key].add(line)
        answers = [c for c in played.choices if c.is_answer]
        visible = [c for c in played.choices if not c.is_answer]
        for choice in visible:
            self._check_line(where, choice.text, "choice")
        if played.choices and not visible and not played.ask:
            world.fail("dead_end", where, "only a hidden #answer choice and no #ask: question")
        if played.ask and not answers:
            world.fail("dead_end", where, f"question {played.ask} has no #answer choice")
        if not played.choices:
            if played.ending:
                if trace.ending is None:
                    trace.ending, trace.ending_day = played.ending, self.day
            else:
                world.fail("dead_end", where, "the story stops here without an #ending: tag")
        for gate in played.gates:
            world.gate_chapter.setdefault(gate, played.chapter)
            world.gate_scene.setdefault(gate, where)
            trace.gates_seen.setdefault(gate, self.day)
        for tag in played.tags:
            name, _, value = tag.strip().partition(":")
            if name == "consequence" and value:
                world.consequences[value][self.persona.pid].append(f"{lang}|{text}")
                pick = self.picks.get(value)
                if pick is not None:
                    world.branch_distance[value].append(turn - pick[1])
        self._offered(played)

    def _check_line(self, where: str, line: str, what: str = "text") -> None:
        checked = self.world.checked_lines
        if line in checked:
            return
        if len(checked) < 200_000:
            checked.add(line)
        match = _SYNTAX.search(line)
        if match:
            self.world.fail(
                "syntax",
                where,
                f"ink syntax {match.group(0).strip()!r} in shown {what}: {line[:80]!r}",
            )
        if _PLACEHOLDER.search(line):
            self.world.fail("empty", where, f"placeholder in shown {what}: {line[:80]!r}")

    def _offered(self, played: _Played) -> None:
        """Record which choice points are on offer (their target path, probed once per text)."""
        story = self.runner.story
        saved: str | None = None
        for choice in played.choices:
            if any(t.strip().startswith("sig:") for t in choice.tags):
                self.world.sig_seen[f"{played.scene}|{choice.index}"] += 1
            key = (played.scene, self.persona.lang, f"{choice.index}|{choice.text}")
            path = self.world.probe_cache.get(key)
            if path is None:
                if saved is None:
                    saved = story.save_state()
                else:
                    story.load_state(saved)
                story.choose_choice_index(choice.index)
                path = story.get_current_path() or ""
                self.world.probe_cache[key] = path
            self.world.offered.add(path)
        if saved is not None:
            story.load_state(saved)


# ---- the check -----------------------------------------------------------------------------
def check_story(
    ink_path: Path,
    compiled_json: str,
    personas: int = 2000,
    store_items: tuple[str, ...] = (),
    free_chapters: Iterable[int] = (),
    params: SignatureParams = DEFAULT_PARAMS,
) -> CheckResult:
    """Run every rule on a compiled story (and its source) with ``personas`` simulated players
    whose signatures follow ``params`` (the bot's ``[emotion]`` settings)."""
    lines = read_sources(ink_path)
    findings = static_findings(lines)
    compiled = CompiledStory.from_json(ink_path.stem, compiled_json)
    data = json.loads(compiled.json_text)
    runner = _Runner(compiled)
    world = _World(params=params)
    people = make_personas(personas, store_items)
    traces = [(p, _Player(runner, p, world).play()) for p in people]
    findings += list(world.findings.values())
    findings += _unseen_choices(data, world, lines)
    findings += _language(world)
    gates, gate_findings = _gates(lines, world, traces)
    findings += gate_findings
    branches, branch_findings = _branches(lines, world)
    findings += branch_findings
    report = _report(lines, traces, world, gates, branches, set(free_chapters))
    return CheckResult(findings, report)


def _unseen_choices(data: dict[str, Any], world: _World, lines: list[SourceLine]) -> list[Finding]:
    out = []
    offered = world.offered
    for point in choice_points(data):
        if any(path == point.target or path.startswith(point.target + ".") for path in offered):
            continue
        where = choice_source(lines, point.knot, point.index)
        out.append(Finding("unseen_choice", where, f"no persona is ever offered {point.target}"))
    return out


def _language(world: _World) -> list[Finding]:
    out = []
    scenes = {scene for scene, _ in world.shown}
    for scene in sorted(scenes):
        both = world.shown.get((scene, "en"), set()) & world.shown.get((scene, "es"), set())
        for line in sorted(both):
            if not _is_name(line):
                out.append(
                    Finding("language", scene, f"shown the same in both languages: {line[:60]!r}")
                )
    return out


def _gates(
    lines: list[SourceLine], world: _World, traces: list[tuple[Persona, _Trace]]
) -> tuple[list[dict[str, Any]], list[Finding]]:
    findings, rows = [], []
    declared = source_tags(lines, "gate")
    for gate, where in sorted(declared.items()):
        chapter = world.gate_chapter.get(gate)
        if chapter is None:
            findings.append(Finding("gate", where, f"no persona ever reaches the gate {gate}"))
            continue
        behind = _behind(world, gate)
        if gate == "vip":  # what only VIP personas read is behind the VIP gate
            free = {s for p, t in traces if p.vip_day is None for s in t.scene_day}
            behind |= {s for p, t in traces if p.vip_day == 0 for s in t.scene_day} - free
        daily = [
            (p, t)
            for p, t in traces
            if p.daily and (gate != "vip" or p.vip_day == 0) and (chapter in t.chapter_day)
        ]
        past = [
            t
            for _, t in daily
            if any(c > chapter and d < GATE_DAYS for c, d in t.chapter_day.items())
            or any(t.scene_day.get(s, GATE_DAYS) < GATE_DAYS for s in behind)
        ]
        share = len(past) / len(daily) if daily else 0.0
        rows.append(
            {"gate": gate, "scene": world.gate_scene.get(gate, ""), "chapter": chapter,
             "daily_reaching": len(daily), "past_in_7_days": round(share, 3)}
        )  # fmt: skip
        if not past:
            findings.append(
                Finding(
                    "gate",
                    where,
                    f"no daily persona gets past the gate {gate} (chapter {chapter}) within "
                    f"{GATE_DAYS} days",
                )
            )
    return rows, findings


def _behind(world: _World, gate: str) -> set[str]:
    """Scenes a gate opens onto: what its retry choice (the one that can lead back to the gate)
    showed when it did not lead back."""
    scene = world.gate_scene.get(gate, "")
    out: set[str] = set()
    for (name, _index), scenes in world.gate_next.items():
        if name == gate and scene in scenes:
            out |= scenes - {scene}
    return out


def _branches(lines: list[SourceLine], world: _World) -> tuple[list[dict[str, Any]], list[Finding]]:
    findings, rows = [], []
    declared = source_tags(lines, "branch")
    consequence_tags = source_tags(lines, "consequence")
    for branch, where in sorted(declared.items()):
        if branch not in consequence_tags:
            findings.append(
                Finding("branch", where, f"branch {branch} has no #consequence:{branch}")
            )
            continue
        picks = world.branch_picks.get(branch, {})
        seen = world.consequences.get(branch, {})
        texts_by_option: dict[tuple[str, str], set[str]] = defaultdict(set)
        for pid, texts in seen.items():
            option = picks.get(pid)
            if option is None:
                continue
            for text in texts:
                lang = text.split("|", 1)[0]
                texts_by_option[(lang, option)].add(text)
        differs = False
        for lang in ("en", "es"):
            groups = [v for (lg, _), v in texts_by_option.items() if lg == lang]
            for a in range(len(groups)):
                for b in range(a + 1, len(groups)):
                    if groups[a] != groups[b] and groups[a] - groups[b]:
                        differs = True
        options = len({opt for (_, opt) in texts_by_option})
        distances = world.branch_distance.get(branch, [])
        later = statistics.median(distances) if distances else 0
        rows.append(
            {"branch": branch, "options": options, "differs": differs, "turns_later": later}
        )
        if not differs:
            findings.append(
                Finding(
                    "branch",
                    where,
                    f"branch {branch}: personas who chose differently read the same consequence",
                )
            )
    return rows, findings


def _report(
    lines: list[SourceLine],
    traces: list[tuple[Persona, _Trace]],
    world: _World,
    gates: list[dict[str, Any]],
    branches: list[dict[str, Any]],
    free_chapters: set[int],
) -> dict[str, Any]:
    count = len(traces)
    chapters = sorted({c for _, t in traces for c in t.chapter_day} | {
        int(v) for v in source_tags(lines, "chapter") if v.isdigit()
    })  # fmt: skip
    endings = sorted(set(source_tags(lines, "ending")) | {t.ending for _, t in traces if t.ending})
    free_words = [
        t.free_words for p, t in traces if p.lang == "en" and p.vip_day is None and t.free_done
    ]
    reactions = {
        ask: {"classes": len(classes), "distinct_reactions": len(set().union(*classes.values()))}
        for ask, classes in sorted(world.reactions.items())
    }
    return {
        "personas": count,
        "words": words_by_language(lines),
        "chapters": len(chapters),
        "scenes": len(source_tags(lines, "scene")),
        "questions": sorted(source_tags(lines, "ask")),
        "branch_points": len(branches),
        "branch_points_later": sum(1 for b in branches if b["differs"] and b["turns_later"] >= 2),
        "branches": branches,
        "endings": {
            e: round(sum(1 for _, t in traces if t.ending == e) / count, 3) for e in endings
        },
        "chapter_reach": {
            c: round(sum(1 for _, t in traces if c in t.chapter_day) / count, 3) for c in chapters
        },
        "gates": gates,
        "choices_offered": len(world.offered),
        "signature_choices_offered": len(world.sig_seen),
        "free_reading_minutes": round(statistics.median(free_words) / WORDS_PER_MINUTE, 1)
        if free_words
        else None,
        "free_chapters": sorted(free_chapters),
        "reactions": reactions,
        "median_turns": statistics.median(t.turns for _, t in traces) if traces else 0,
    }


# ---- running it and writing the report -----------------------------------------------------
DEFAULT_PERSONAS: Final = 2000
REPORT_BEGIN: Final = "<!-- story-check:begin (generated by scripts/compile-stories) -->"
REPORT_END: Final = "<!-- story-check:end -->"
_CONFIG: Final = Path(__file__).resolve().parents[2] / "config.toml"


def story_settings(
    config: Path = _CONFIG,
) -> tuple[tuple[str, ...], tuple[int, ...], SignatureParams]:
    """Store items (kind ``item``), VIP chapters and signature parameters from ``config.toml``."""
    import tomllib

    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return (), (), DEFAULT_PARAMS
    items = tuple(
        str(item["id"])
        for item in data.get("economy", {}).get("store", [])
        if item.get("kind") == "item"
    )
    vip = tuple(int(c) for c in data.get("subscriptions", {}).get("vip_chapters", []))
    params = SignatureParams(**data.get("emotion", {})) if data.get("emotion") else DEFAULT_PARAMS
    return items, vip, params


def check_compiled(ink: Path, personas: int = DEFAULT_PERSONAS) -> CheckResult:
    """Check the committed compile of story ``ink`` with the bot's store items and VIP chapters."""
    from yabot.narrative.compiler import compiled_json_path

    items, vip, params = story_settings()
    text = compiled_json_path(ink).read_text(encoding="utf-8-sig")
    source_chapters = {int(c) for c in source_tags(read_sources(ink), "chapter") if c.isdigit()}
    free = tuple(sorted(c for c in source_chapters if c not in vip))
    return check_story(
        ink, text, personas=personas, store_items=items, free_chapters=free, params=params
    )


def render_report(story_id: str, report: dict[str, Any], findings: list[Finding]) -> str:
    """The report as a Markdown section (deterministic for a given story and scorer)."""
    words = report["words"]
    out = [
        f"### {story_id}",
        "",
        f"{report['personas']} simulated players (half in each language; archetypes, answer "
        "styles, VIP or not, store items, daily or occasional play over "
        f"{SIM_DAYS} simulated days).",
        "",
        f"- Words: {words['en']:,} in English, {words['es']:,} in Spanish",
        f"- Chapters: {report['chapters']} · scenes: {report['scenes']} · questions: "
        f"{len(report['questions'])}",
        f"- Branch points: {report['branch_points']} "
        f"({report['branch_points_later']} whose consequence differs 2+ turns later)",
        f"- Endings: {len(report['endings'])}",
        f"- Choices offered to some persona: {report['choices_offered']} "
        f"(signature-gated: {report['signature_choices_offered']})",
        f"- Free chapters {report['free_chapters']}: about {report['free_reading_minutes']} "
        "minutes of reading (median English words shown to a never-VIP persona, at "
        f"{WORDS_PER_MINUTE} words a minute)",
        f"- Check: {'passes' if not findings else f'{len(findings)} findings'}",
        "",
        "| Chapter | Personas reaching it |",
        "|---|---|",
        *[f"| {c} | {share:.0%} |" for c, share in report["chapter_reach"].items()],
        "",
        "| Ending | Personas reaching it |",
        "|---|---|",
        *[f"| {e} | {share:.1%} |" for e, share in report["endings"].items()],
        "",
        "| Gate | Chapter | Daily personas at it | Past it within 7 days |",
        "|---|---|---|---|",
        *[
            f"| {g['gate']} | {g['chapter']} | {g['daily_reaching']} | {g['past_in_7_days']:.0%} |"
            for g in report["gates"]
        ],
    ]
    if report["reactions"]:
        out += ["", "| Question (language) | Answer readings seen | Distinct reactions shown |"]
        out += ["|---|---|---|"]
        out += [
            f"| {ask} | {r['classes']} | {r['distinct_reactions']} |"
            for ask, r in report["reactions"].items()
        ]
    if report["branches"]:
        out += ["", "| Branch point | Options taken | Consequence differs | Turns later (median) |"]
        out += ["|---|---|---|---|"]
        out += [
            f"| {b['branch']} | {b['options']} | {'yes' if b['differs'] else 'NO'} | "
            f"{b['turns_later']:g} |"
            for b in report["branches"]
        ]
    if findings:
        out += ["", "Findings:", ""] + [f"- {f}" for f in findings[:60]]
        if len(findings) > 60:
            out.append(f"- … and {len(findings) - 60} more")
    return "\n".join(out) + "\n"


def write_report(readme: Path, sections: list[str]) -> None:
    """Replace the generated section of ``readme`` (appended when missing)."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    body = "\n".join(sections)
    block = f"{REPORT_BEGIN}\n## Story check report\n\n{body}{REPORT_END}\n"
    if REPORT_BEGIN in text and REPORT_END in text:
        head, rest = text.split(REPORT_BEGIN, 1)
        tail = rest.split(REPORT_END, 1)[1].lstrip("\n")
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block
    readme.write_text(text, encoding="utf-8")


def run_checks(stories: list[Path], readme: Path, personas: int = DEFAULT_PERSONAS) -> int:
    """Check each story, print findings, write the report; returns the number of findings."""
    sections, failures = [], 0
    for ink in stories:
        result = check_compiled(ink, personas)
        for finding in result.findings:
            print(f"story check: {ink.stem}: {finding}", file=sys.stderr)
        failures += len(result.findings)
        sections.append(render_report(ink.stem, result.report, result.findings))
        print(f"story check: {ink.stem}: {'ok' if result.ok else 'FAILED'}")
    write_report(readme, sections)
    return failures
