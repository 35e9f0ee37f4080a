"""The pure, deterministic story-turn API used by a player's actor.

A player's story position is an opaque JSON string (``Turn.state``) holding the ink save, the
story version it belongs to, the turn number and token, and the previous save plus the choice
taken (so the current moment can be replayed: ``resume`` after ``/lang``, or after the story
was replaced). Calls never mutate anything but the calling thread's private ink runtime, so
the same (state, action, variables) always gives the same Turn.

Story replacement: a state made under an older version is moved to the current one on its next
use. First the last moment is replayed in the new version (previous save + same choice); if that
works and lands on the same ``#scene:``, the player carries on as if nothing happened. Otherwise
the old save's variables (and visit counts) are loaded into the new version and the player
restarts at the knot ``chapter_<N>`` of their current chapter (or the story start). Either way
the returned Turn has ``migrated=True`` and applies no effect twice: a press on a button shown
under the old version re-shows the moment and chooses nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bink.story import Story

from yabot.config import StorySettings
from yabot.narrative.answers import read_answer
from yabot.narrative.effects import Effect, parse_tags
from yabot.narrative.errors import InvalidChoiceError, NarrativeError, StoryLoadError
from yabot.narrative.library import CompiledStory, StoryLibrary
from yabot.narrative.metrics import MIGRATIONS, REJECTED, TURNS
from yabot.narrative.splitting import split_text
from yabot.narrative.tokens import first_token, next_token
from yabot.observability.logging import get_logger

log = get_logger(__name__)

SAVE_FORMAT = 1
ANSWER_TAG = "answer"
TITLE_TAG = "title"
SIG_PREFIX = "sig:"
MAX_LINES_PER_TURN = 2000
_INK_SCALARS = (bool, int, float, str)


class StaleTurnError(NarrativeError):
    """The press belongs to a moment that has passed; nothing changed."""


class NotAskingError(NarrativeError):
    """The story is not waiting for a free-text answer."""


class StoryRuntimeError(NarrativeError):
    """The ink runtime failed during a turn (a story bug); the player's state is unchanged."""


@dataclass(frozen=True)
class Choice:
    """One choice of the current moment.

    Attributes:
        index: The ink choice index (what :meth:`NarrativeEngine.choose` takes).
        text: The choice's text in the player's language.
        tags: Raw ink tags of the choice.
        is_answer: True for the hidden choice a free-text answer takes (tag ``#answer``).
    """

    index: int
    text: str
    tags: tuple[str, ...]
    is_answer: bool = False

    @property
    def sig(self) -> str | None:
        """The trait of a signature-gated choice (tag ``#sig:<trait>``), else None."""
        for tag in self.tags:
            tag = tag.strip()
            if tag.startswith(SIG_PREFIX):
                return tag[len(SIG_PREFIX) :].strip() or None
        return None


@dataclass(frozen=True)
class Turn:
    """What one story action produced.

    Attributes:
        story_id: The story.
        version: The story version the new state belongs to.
        state: The new opaque state to keep in the player's actor and snapshot.
        token: The token of the new moment (goes into every button's callback_data).
        number: The turn number of the new moment (1 after ``begin``).
        passages: The text to show, split into Telegram-sized messages.
        choices: Every choice of the new moment, including hidden answer choices.
        effects: Effects to apply, in story order: ``emo``, ``reward``, ``unlock``,
            ``chapter``, ``scene``, ``ask``, ``gate``. Empty when ``replayed``.
        tags: Raw tags of the passage lines.
        chapter: The chapter the player is in (0 before any ``#chapter:`` marker).
        scene: The latest ``#scene:`` id ("" before any).
        ask: The question id when the story waits for a free-text answer, else None.
        gates: Gates met in this passage (``"vip"``, ``"resonance:0.45"``).
        ended: True when the story has no more choices.
        titles: Lines tagged ``#title`` (rendered bold).
        ending: The ``#ending:<id>`` met in this passage, else None.
        replayed: True for ``resume`` and migrations: the moment was re-shown, not re-applied.
        migrated: True when the state was moved to a newer story version.
    """

    story_id: str
    version: str
    state: str
    token: str
    number: int
    passages: tuple[str, ...]
    choices: tuple[Choice, ...]
    effects: tuple[Effect, ...]
    tags: tuple[str, ...]
    chapter: int
    scene: str
    ask: str | None
    gates: tuple[str, ...]
    ended: bool
    replayed: bool = False
    migrated: bool = False
    titles: tuple[str, ...] = ()
    ending: str | None = None

    @property
    def visible_choices(self) -> tuple[Choice, ...]:
        """The choices shown as buttons (answer choices are taken by typing)."""
        return tuple(c for c in self.choices if not c.is_answer)


@dataclass(frozen=True)
class SaveInfo:
    """What :func:`peek` reads from a state without running the story."""

    story_id: str
    version: str
    number: int
    token: str
    chapter: int
    scene: str
    ask: str | None
    ended: bool


@dataclass
class _Save:
    story: str
    version: str
    number: int
    token: str
    ink: str
    base: str | None
    pick: int | None
    chapter: int
    scene: str
    base_chapter: int
    base_scene: str
    ask: str | None
    ended: bool

    def dumps(self) -> str:
        return json.dumps(
            {
                "f": SAVE_FORMAT,
                "story": self.story,
                "v": self.version,
                "n": self.number,
                "t": self.token,
                "ink": self.ink,
                "base": self.base,
                "pick": self.pick,
                "ch": self.chapter,
                "sc": self.scene,
                "bch": self.base_chapter,
                "bsc": self.base_scene,
                "ask": self.ask,
                "end": self.ended,
            },
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, state: str) -> _Save:
        try:
            d = json.loads(state)
            if d.get("f") != SAVE_FORMAT:
                raise ValueError(f"unknown save format {d.get('f')!r}")
            return cls(
                story=str(d["story"]),
                version=str(d["v"]),
                number=int(d["n"]),
                token=str(d["t"]),
                ink=str(d["ink"]),
                base=None if d["base"] is None else str(d["base"]),
                pick=None if d["pick"] is None else int(d["pick"]),
                chapter=int(d["ch"]),
                scene=str(d["sc"]),
                base_chapter=int(d["bch"]),
                base_scene=str(d["bsc"]),
                ask=None if d["ask"] is None else str(d["ask"]),
                ended=bool(d["end"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NarrativeError(f"not a story state ({exc})") from None


def peek(state: str) -> SaveInfo:
    """Read a state's position (chapter, scene, token ...) without running the story.

    Raises:
        NarrativeError: ``state`` is not a story state.
    """
    s = _Save.loads(state)
    return SaveInfo(s.story, s.version, s.number, s.token, s.chapter, s.scene, s.ask, s.ended)


@dataclass
class _Played:
    lines: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    chapter: int = 0
    scene: str = ""
    ask: str | None = None
    gates: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    ended: bool = False
    titles: list[str] = field(default_factory=list)
    ending: str | None = None


class _Runner:
    """One thread's ink runtime for one story version, with externals bound once."""

    def __init__(self, compiled: CompiledStory) -> None:
        self.compiled = compiled
        self.story = Story(compiled.json_text)
        self.variables: Mapping[str, Any] = {}
        self.effects: list[Effect] = []
        self.record = True
        self.story.set_allow_external_function_fallbacks(True)
        self.story.bind_external_function("vip", self._vip)
        self.story.bind_external_function("has_item", self._has_item)
        self.story.bind_external_function("reward", self._reward)
        self.story.bind_external_function("unlock", self._unlock)

    def _vip(self, _name: str) -> bool:
        return bool(self.variables.get("is_vip", False))

    def _has_item(self, _name: str, item: Any) -> bool:
        return str(item) in set(self.variables.get("inventory", ()) or ())

    def _reward(self, _name: str, amount: Any) -> None:
        if self.record:
            self.effects.append(Effect("reward", "besitos", int(amount)))

    def _unlock(self, _name: str, item: Any) -> None:
        if self.record:
            self.effects.append(Effect("unlock", str(item), 1))

    def prepare(self, variables: Mapping[str, Any], record: bool) -> None:
        """Write ``variables`` into the story (declared ones only) and reset the effect log."""
        self.variables = variables
        self.record = record
        self.effects = []
        for name in self.compiled.variables.intersection(variables):
            value = variables[name]
            if isinstance(value, _INK_SCALARS):
                self.story.set_variable(name, value)

    def choices(self) -> list[Choice]:
        current = self.story.get_current_choices()
        result = []
        for index, text in enumerate(current):
            tags = tuple(current.get_tags(index))
            result.append(Choice(index, text, tags, ANSWER_TAG in (t.strip() for t in tags)))
        return result

    def play(self, chapter: int, scene: str, opening: list[Effect]) -> _Played:
        """Continue to the next choice point, collecting text, tags and effects."""
        out = _Played(chapter=chapter, scene=scene)
        if self.record:
            self.effects.extend(opening)
        count = 0
        while self.story.can_continue():
            count += 1
            if count > MAX_LINES_PER_TURN:
                raise StoryRuntimeError(f"more than {MAX_LINES_PER_TURN} lines without a choice")
            line = self.story.cont().strip()
            tags = list(self.story.get_current_tags())
            if line:
                out.lines.append(line)
                if any(tag.strip() == TITLE_TAG for tag in tags):
                    out.titles.append(line)
            out.tags.extend(tags)
            for effect in parse_tags(tags):
                _apply_marker(out, effect)
                if self.record:
                    self.effects.append(effect)
        out.choices = self.choices()
        out.ended = not out.choices
        out.effects = self.effects
        return out


def _apply_marker(out: _Played, effect: Effect) -> None:
    if effect.kind == "chapter":
        out.chapter = effect.amount
    elif effect.kind == "scene":
        out.scene = effect.name
    elif effect.kind == "ask":
        out.ask = effect.name
    elif effect.kind == "gate":
        out.gates.append(effect.name)
    elif effect.kind == "ending":
        out.ending = effect.name


class NarrativeEngine:
    """Plays turns of the library's stories; safe to call from many worker threads.

    Parsed stories are shared through the library; each thread keeps its own ink runtime per
    story (bink's thread safety is unknown), rebuilt when the story is replaced.

    Args:
        library: Where the current story versions come from.
        max_message_chars: Passages are split into messages of at most this many characters.
    """

    def __init__(self, library: StoryLibrary, max_message_chars: int = 4000) -> None:
        self._library = library
        self._max_chars = max_message_chars
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: StorySettings) -> NarrativeEngine:
        """An engine over every compiled story in ``settings.stories_dir``.

        Raises:
            StoryLoadError: A compiled story is unreadable or invalid, or ``settings.story``
                is not among them.
        """
        library = StoryLibrary(settings.stories_dir)
        if settings.story not in library.load_all():
            raise StoryLoadError(
                f"story {settings.story!r} has no compiled JSON under {settings.stories_dir} "
                "(run scripts/compile-stories)"
            )
        return cls(library, max_message_chars=settings.max_message_chars)

    @property
    def library(self) -> StoryLibrary:
        """The library this engine plays from (``reload``/``replace`` stories through it)."""
        return self._library

    def begin(self, story_id: str, variables: Mapping[str, Any], seed: str = "") -> Turn:
        """Start ``story_id`` from the beginning.

        Args:
            story_id: The story.
            variables: Values for the story's variables (signature, ``lang``, ``is_vip`` ...);
                ``inventory`` (a collection of item names) answers ``has_item``.
            seed: Unique to this start (e.g. the update id), so tokens of an earlier
                play-through do not come back.

        Raises:
            UnknownStoryError: No such story.
            StoryRuntimeError: The story failed to run.
        """
        runner = self._runner(story_id)
        with self._guard(story_id):
            runner.story.reset_state()
            runner.prepare(variables, record=True)
            played = runner.play(0, "", [])
            save = _Save(
                story_id,
                runner.compiled.version,
                1,
                first_token(story_id, seed),
                runner.story.save_state(),
                None,
                None,
                played.chapter,
                played.scene,
                0,
                "",
                played.ask,
                played.ended,
            )
        TURNS.labels(story_id, "begin").inc()
        return self._turn(save, played)

    def begin_chapter(
        self,
        story_id: str,
        state: str,
        chapter: int,
        variables: Mapping[str, Any],
        seed: str = "",
    ) -> Turn:
        """Replay chapter ``chapter`` from its knot ``chapter_<N>``, keeping the story's variables
        (trust, closeness, answers ...) of ``state``.

        The returned Turn's effects are those of a first play: the caller pays rewards once per
        scene (replay-safe), the engine does not know what was paid.

        Raises:
            InvalidChoiceError: The story has no knot ``chapter_<N>``.
            NarrativeError: ``state`` is not a state of ``story_id``.
            StoryRuntimeError: The story failed to run.
        """
        save = self._load(story_id, state)
        runner = self._runner(story_id)
        knot = f"chapter_{chapter}"
        if knot not in runner.compiled.knots:
            REJECTED.labels(story_id, "invalid_chapter").inc()
            raise InvalidChoiceError(f"no chapter {chapter} to replay")
        with self._guard(story_id):
            story = runner.story
            try:
                story.load_state(save.ink)
            except RuntimeError:
                story.reset_state()
                _restore_variables(runner, save.ink)
            story.choose_path_string(knot)
            base = story.save_state()
            runner.prepare(variables, record=True)
            played = runner.play(chapter, "", [])
            number = save.number + 1
            new = _Save(
                story_id, runner.compiled.version, number,
                next_token(save.token, number, f"{knot}|{seed}"), story.save_state(),
                base, None, played.chapter, played.scene, chapter, "", played.ask, played.ended,
            )  # fmt: skip
        TURNS.labels(story_id, "chapter").inc()
        return self._turn(new, played)

    def choose(
        self,
        story_id: str,
        state: str,
        token: str,
        choice_index: int,
        variables: Mapping[str, Any],
    ) -> Turn:
        """Take choice ``choice_index`` of the moment named by ``token``.

        Raises:
            StaleTurnError: ``token`` is not the current moment's (an old button); nothing changed.
            InvalidChoiceError: No visible choice has that index.
            NarrativeError: ``state`` is not a state of ``story_id``.
            StoryRuntimeError: The story failed to run.
        """
        save = self._load(story_id, state)
        if token != save.token:
            REJECTED.labels(story_id, "stale").inc()
            log.info("narrative.stale_press", story=story_id, turn=save.number)
            raise StaleTurnError("this moment has passed")
        runner = self._runner(story_id)
        if save.version != runner.compiled.version:
            return self._migrate(runner, save, variables)
        with self._guard(story_id):
            runner.story.load_state(save.ink)
            runner.prepare(variables, record=True)
            choices = runner.choices()
            if not 0 <= choice_index < len(choices) or choices[choice_index].is_answer:
                REJECTED.labels(story_id, "invalid_choice").inc()
                raise InvalidChoiceError(f"no choice {choice_index} in this moment")
            return self._advance(runner, save, choices[choice_index], f"c{choice_index}")

    def answer(
        self, story_id: str, state: str, variables: Mapping[str, Any], text: str = ""
    ) -> Turn:
        """Go on after the player typed ``text`` to the pending ``#ask:<id>`` question.

        Before the story takes its ``#answer`` choice, how the answer reads is written into the
        ink variables the story declares: ``answer_polarity``, ``answer_emotion``,
        ``answer_intensity``, ``answer_kind`` and ``<id>_polarity``, ``<id>_emotion``,
        ``<id>_kind``, ``<id>_quote`` (see :mod:`yabot.narrative.answers`). They live in the
        story state only (the player's snapshot); nothing logs them.

        Raises:
            NotAskingError: The story is not waiting for an answer.
            StoryRuntimeError: The question has no ``#answer`` choice, or the story failed.
        """
        save = self._load(story_id, state)
        runner = self._runner(story_id)
        if save.version != runner.compiled.version:
            moved = self._migrate(runner, save, variables)
            if moved.ask is None:
                return moved
            save = _Save.loads(moved.state)
        if save.ask is None:
            REJECTED.labels(story_id, "not_asking").inc()
            raise NotAskingError("the story is not waiting for an answer")
        with self._guard(story_id):
            runner.story.load_state(save.ink)
            runner.prepare(variables, record=True)
            answer = next((c for c in runner.choices() if c.is_answer), None)
            if answer is None:
                raise StoryRuntimeError(f"question {save.ask!r} has no #answer choice")
            reading = read_answer(text, str(variables.get("lang") or "") or None)
            declared = runner.compiled.variables
            for name, value in reading.variables(save.ask).items():
                if name in declared:
                    runner.story.set_variable(name, value)
            # The moment after the answer is replayed (``resume``) from this save: it must hold
            # the reading, or a /lang would show the reaction to an empty answer.
            save.ink = runner.story.save_state()
            return self._advance(runner, save, answer, "answer")

    def resume(self, story_id: str, state: str, variables: Mapping[str, Any]) -> Turn:
        """Re-show the current moment with today's variables (e.g. after ``/lang`` or ``/story``).

        The moment is replayed from the previous save, so its text and choices follow the
        current language and signature; effects are not applied again. Buttons sent earlier
        stop working (new token).

        Raises:
            NarrativeError: ``state`` is not a state of ``story_id``.
            StoryRuntimeError: The story failed to run.
        """
        save = self._load(story_id, state)
        runner = self._runner(story_id)
        if save.version != runner.compiled.version:
            return self._migrate(runner, save, variables)
        with self._guard(story_id):
            played = self._replay(runner, save, variables)
        TURNS.labels(story_id, "resume").inc()
        return self._turn(self._successor(runner, save, played, "resume"), played, replayed=True)

    def _advance(self, runner: _Runner, save: _Save, choice: Choice, action: str) -> Turn:
        runner.story.choose_choice_index(choice.index)
        played = runner.play(save.chapter, save.scene, parse_tags(choice.tags))
        new = self._successor(runner, save, played, action)
        new.base, new.pick = save.ink, choice.index
        new.base_chapter, new.base_scene = save.chapter, save.scene
        TURNS.labels(save.story, "answer" if action == "answer" else "choose").inc()
        return self._turn(new, played)

    def _successor(self, runner: _Runner, save: _Save, played: _Played, action: str) -> _Save:
        number = save.number + 1
        return _Save(
            save.story,
            runner.compiled.version,
            number,
            next_token(save.token, number, action),
            runner.story.save_state(),
            save.base,
            save.pick,
            played.chapter,
            played.scene,
            save.base_chapter,
            save.base_scene,
            played.ask,
            played.ended,
        )

    def _replay(self, runner: _Runner, save: _Save, variables: Mapping[str, Any]) -> _Played:
        if save.base is None:
            runner.story.reset_state()
        else:
            runner.story.load_state(save.base)
        runner.prepare(variables, record=False)
        if save.pick is not None:
            runner.story.choose_choice_index(save.pick)
        return runner.play(save.base_chapter, save.base_scene, [])

    def _migrate(self, runner: _Runner, save: _Save, variables: Mapping[str, Any]) -> Turn:
        story_id = save.story
        outcome = "replayed"
        try:
            played = self._replay(runner, save, variables)
            if played.scene != save.scene or played.chapter != save.chapter:
                raise StoryRuntimeError("replay landed elsewhere")
        except (RuntimeError, StoryRuntimeError):
            outcome = "chapter_restart"
            with self._guard(story_id):
                played, restart = self._restart_chapter(runner, save, variables)
        MIGRATIONS.labels(story_id, outcome).inc()
        log.info(
            "narrative.migrated",
            story=story_id,
            old=save.version,
            new=runner.compiled.version,
            outcome=outcome,
            chapter=save.chapter,
        )
        new = self._successor(runner, save, played, "migrate")
        if outcome == "chapter_restart":
            new.base, new.pick = restart.base, None
            new.base_chapter, new.base_scene = restart.base_chapter, restart.base_scene
        return self._turn(new, played, replayed=True, migrated=True)

    def _restart_chapter(
        self, runner: _Runner, save: _Save, variables: Mapping[str, Any]
    ) -> tuple[_Played, _Save]:
        """Restart the current chapter in the new version, keeping the player's variables.

        Returns the played moment and a save whose ``base``/``base_*`` let it be replayed.
        """
        story = runner.story
        try:
            story.load_state(save.ink)
        except RuntimeError:
            story.reset_state()
            _restore_variables(runner, save.ink)
        knot = f"chapter_{save.chapter}"
        chapter, scene = save.chapter, save.scene
        base: str | None = None
        if knot in runner.compiled.knots:
            story.choose_path_string(knot)
            base = story.save_state()
        else:
            story.reset_state()
            chapter, scene = 0, ""
        runner.prepare(variables, record=False)
        played = runner.play(chapter, scene, [])
        restart = _Save(
            save.story, runner.compiled.version, save.number, save.token, "", base, None,
            played.chapter, played.scene, chapter, scene, played.ask, played.ended,
        )  # fmt: skip
        return played, restart

    def _turn(
        self, save: _Save, played: _Played, replayed: bool = False, migrated: bool = False
    ) -> Turn:
        text = "\n\n".join(played.lines)
        return Turn(
            story_id=save.story,
            version=save.version,
            state=save.dumps(),
            token=save.token,
            number=save.number,
            passages=tuple(split_text(text, self._max_chars)),
            choices=tuple(played.choices),
            effects=() if replayed else tuple(played.effects),
            tags=tuple(played.tags),
            chapter=played.chapter,
            scene=played.scene,
            ask=played.ask,
            gates=tuple(played.gates),
            ended=played.ended,
            replayed=replayed,
            migrated=migrated,
            titles=tuple(played.titles),
            ending=played.ending,
        )

    def _load(self, story_id: str, state: str) -> _Save:
        save = _Save.loads(state)
        if save.story != story_id:
            REJECTED.labels(story_id, "wrong_story").inc()
            raise NarrativeError(f"state belongs to story {save.story!r}, not {story_id!r}")
        return save

    def _runner(self, story_id: str) -> _Runner:
        compiled = self._library.get(story_id)
        runners: dict[str, _Runner] | None = getattr(self._local, "runners", None)
        if runners is None:
            runners = self._local.runners = {}
        runner = runners.get(story_id)
        if runner is None or runner.compiled.version != compiled.version:
            runner = runners[story_id] = _Runner(compiled)
        return runner

    def _guard(self, story_id: str) -> _Guard:
        return _Guard(story_id)


class _Guard:
    """Turns ink runtime failures into StoryRuntimeError, counted and logged."""

    def __init__(self, story_id: str) -> None:
        self._story_id = story_id

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, _tb: Any) -> Literal[False]:
        if isinstance(exc, RuntimeError) and not isinstance(exc, NarrativeError):
            REJECTED.labels(self._story_id, "runtime_error").inc()
            log.error("narrative.runtime_error", story=self._story_id, error=str(exc)[:200])
            raise StoryRuntimeError(str(exc)) from exc
        if isinstance(exc, StoryRuntimeError):
            REJECTED.labels(self._story_id, "runtime_error").inc()
            log.error("narrative.runtime_error", story=self._story_id, error=str(exc)[:200])
        return False


def _restore_variables(runner: _Runner, ink_state: str) -> None:
    try:
        saved = json.loads(ink_state).get("variablesState", {})
    except ValueError:
        return
    for name, value in saved.items():
        if name not in runner.compiled.variables:
            continue
        if isinstance(value, dict) and "^" in value:
            value = value["^"]
        if isinstance(value, _INK_SCALARS):
            try:
                runner.story.set_variable(name, value)
            except RuntimeError:
                continue
