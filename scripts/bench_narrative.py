"""Story-turn benchmark: generate an 800-scene ink story, compile it with inkjs, time turns.

A turn is what the player's actor does on a button press: restore the saved state, write the
signature variables, choose, continue to the next choice, save. Measured two ways in one run:
through NarrativeEngine.choose (the product path) and as the bare bink calls (the floor).

``--story diana`` times the committed story instead: whole playthroughs (restarted at each
ending), every button press through ``NarrativeEngine.choose`` and every typed answer through
``NarrativeEngine.answer`` (which reads the answer with yabot.emotion), in both languages.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bink.story import Story

from yabot.narrative import NarrativeEngine, StoryLibrary, Turn
from yabot.narrative.compiler import REPO_ROOT, compile_ink
from yabot.narrative.library import compiled_path

STORY_ID = "bench"


def generate_ink(scenes: int, per_chapter: int = 100) -> str:
    """An ink story of ``scenes`` knots, each a passage with tags and 3-4 choices."""
    rng = random.Random(7)
    out = [
        'VAR lang = "en"',
        "VAR resonance = 0.0",
        'VAR mood = "neutral"',
        "VAR arch_poet = 0.0",
        "VAR arch_direct = 0.0",
        "VAR is_vip = false",
        "VAR trust = 0",
        "EXTERNAL reward(n)",
        "-> s0",
        "=== function reward(n)",
        "~ return",
        "=== function t(en, es)",
        '{ lang == "es":',
        "~ return es",
        "- else:",
        "~ return en",
        "}",
    ]
    for i in range(scenes):
        chapter = i // per_chapter + 1
        targets = [(i + 1) % scenes, (i + 2) % scenes, (i + rng.randint(3, 40)) % scenes]
        out.append(f"=== s{i} ===")
        marker = f" #chapter:{chapter}" if i % per_chapter == 0 else ""
        out.append(
            f'{{t("Scene {i}: the mirrors hum and the corridor bends.", '
            f'"Escena {i}: los espejos zumban y el pasillo se curva.")}} #scene:{i}{marker}'
        )
        out.append('{resonance > 0.5: {t("Diana is near.", "Diana está cerca.")}} Trust {trust}.')
        out.append(f'{{s{i} > 1: {{t("You have been here before.", "Ya estuviste aquí.")}}}}')
        out.append("~ trust += 1")
        if i % 10 == 0:
            out.append("~ reward(1)")
        out.append(f'+ [{{t("Forward", "Adelante")}} #emo:direct+1] -> s{targets[0]}')
        out.append(f'+ [{{t("Skip ahead", "Saltar")}} #emo:explorer+1] -> s{targets[1]}')
        out.append(f'+ [{{t("Wander", "Vagar")}}] -> s{targets[2]}')
        out.append(
            f'+ {{arch_poet > 0.5}} [{{t("Listen", "Escuchar")}} #emo:poet+2] -> s{targets[0]}'
        )
    return "\n".join(out) + "\n"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenes", type=int, default=800)
    parser.add_argument("--warmup", type=int, default=1000, help="turns played before timing")
    parser.add_argument("--turns", type=int, default=5000, help="timed turns")
    parser.add_argument("--story", default="", help="time this committed story instead")
    args = parser.parse_args(argv)
    if args.story:
        return bench_story(args.story, args.warmup, args.turns)

    with tempfile.TemporaryDirectory() as tmp:
        stories = Path(tmp) / "stories"
        ink = stories / STORY_ID / f"{STORY_ID}.ink"
        ink.parent.mkdir(parents=True)
        ink.write_text(generate_ink(args.scenes), encoding="utf-8")
        started = time.perf_counter()
        compile_ink(ink, compiled_path(stories, STORY_ID))
        compile_s = time.perf_counter() - started
        library = StoryLibrary(stories)
        library.load_all()
        json_text = library.get(STORY_ID).json_text

    engine = NarrativeEngine(library)
    rng = random.Random(1)
    variables = {
        "lang": "en",
        "resonance": 0.6,
        "mood": "warm",
        "arch_poet": 0.7,
        "arch_direct": 0.2,
        "is_vip": False,
    }
    started = time.perf_counter()
    turn: Turn = engine.begin(STORY_ID, variables, seed="bench")
    parse_s = time.perf_counter() - started
    for _ in range(args.warmup):
        turn = engine.choose(STORY_ID, turn.state, turn.token, rng.randrange(4), variables)

    engine_ms: list[float] = []
    for n in range(args.turns):
        variables["resonance"] = (n % 10) / 10
        choice = rng.randrange(len(turn.visible_choices))
        t0 = time.perf_counter_ns()
        turn = engine.choose(STORY_ID, turn.state, turn.token, choice, variables)
        engine_ms.append((time.perf_counter_ns() - t0) / 1e6)

    story = Story(json_text)
    story.bind_external_function("reward", lambda _name, _n: None)
    ink_state = _warm_state(story, rng, args.warmup)
    bare_ms: list[float] = []
    for n in range(args.turns):
        t0 = time.perf_counter_ns()
        story.load_state(ink_state)
        story.set_variable("resonance", (n % 10) / 10)
        story.set_variable("arch_poet", 0.7)
        story.choose_choice_index(rng.randrange(len(story.get_current_choices())))
        while story.can_continue():
            story.cont()
            story.get_current_tags()
        ink_state = story.save_state()
        bare_ms.append((time.perf_counter_ns() - t0) / 1e6)

    print(
        f"story: {args.scenes} scenes; inkjs compile {compile_s:.1f} s; "
        f"first begin (parse) {parse_s * 1000:.0f} ms; "
        f"saved state {len(turn.state) / 1024:.1f} KiB (engine), "
        f"{len(ink_state) / 1024:.1f} KiB (ink)"
    )
    for name, samples in (("engine.choose", engine_ms), ("bare bink turn", bare_ms)):
        print(
            f"{name:15s} n={len(samples)} p50={statistics.median(samples):.3f} ms "
            f"p99={percentile(samples, 0.99):.3f} ms max={max(samples):.3f} ms"
        )
    ratio = percentile(engine_ms, 0.99) / percentile(bare_ms, 0.99)
    print(f"engine/bare p99 ratio {ratio:.2f}")
    return 0 if percentile(engine_ms, 0.99) < 2.0 else 1


ANSWERS = (
    "I came because I love mysteries and this house feels like home",
    "La verdad estoy triste y no me fío de nadie aquí",
    "¿Y tú quién eres?",
    "42",
)


def bench_story(story_id: str, warmup: int, turns: int) -> int:
    """Time turns of the committed story ``story_id``; exit 1 when p99 is 2 ms or more."""
    library = StoryLibrary(REPO_ROOT / "stories")
    library.load_all()
    engine = NarrativeEngine(library)
    rng = random.Random(1)
    variables: dict[str, object] = {
        "lang": "en", "address": "n", "is_vip": True, "besitos": 40, "resonance": 0.6,
        "mood": "warm", "dominant": "explorer", "arch_explorer": 0.6, "arch_direct": 0.3,
        "arch_poet": 0.5, "arch_empath": 0.5, "arch_persistent": 0.4, "inventory": ["rose_pin"],
    }  # fmt: skip
    turn = engine.begin(story_id, variables, seed="bench")
    choose_ms: list[float] = []
    answer_ms: list[float] = []
    cpu_ms: list[float] = []  # the thread's CPU time per turn: what the turn costs, minus waits
    endings = 0
    for n in range(warmup + turns):
        if turn.ended:
            endings += 1
            variables["lang"] = "es" if variables["lang"] == "en" else "en"
            turn = engine.begin(story_id, variables, seed=f"bench{n}")
            continue
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        if turn.ask is not None and rng.random() < 0.8:
            text = ANSWERS[rng.randrange(len(ANSWERS))]
            turn = engine.answer(story_id, turn.state, variables, text)
            samples = answer_ms
        else:
            choice = turn.visible_choices[rng.randrange(len(turn.visible_choices))]
            turn = engine.choose(story_id, turn.state, turn.token, choice.index, variables)
            samples = choose_ms
        if n >= warmup:
            samples.append((time.perf_counter_ns() - t0) / 1e6)
            cpu_ms.append((time.thread_time_ns() - c0) / 1e6)
    print(
        f"story {story_id}: version {library.get(story_id).version}, {endings} endings reached, "
        f"saved state {len(turn.state) / 1024:.1f} KiB"
    )
    every = choose_ms + answer_ms
    bare = _bare_turns(library.get(story_id).json_text, rng, turns)
    named = (
        ("choose", choose_ms),
        ("answer", answer_ms),
        ("every turn", every),
        ("turn CPU", cpu_ms),
        ("bare bink", bare),
    )
    for name, samples in named:
        if samples:
            print(
                f"{name:10s} n={len(samples)} p50={statistics.median(samples):.3f} ms "
                f"p99={percentile(samples, 0.99):.3f} ms max={max(samples):.3f} ms"
            )
    print(f"engine/bare p99 ratio {percentile(every, 0.99) / percentile(bare, 0.99):.2f}")
    return 0 if percentile(every, 0.99) < 2.0 else 1


def _bare_turns(json_text: str, rng: random.Random, turns: int) -> list[float]:
    """The floor: the same kind of turn as bare bink calls (load, write variables, choose,
    continue, save), restarting at each ending."""
    story = Story(json_text)
    story.set_allow_external_function_fallbacks(True)
    story.set_variable("is_vip", True)
    while story.can_continue():
        story.cont()
    state = story.save_state()
    samples: list[float] = []
    while len(samples) < turns:
        t0 = time.perf_counter_ns()
        story.load_state(state)
        story.set_variable("resonance", 0.6)
        story.set_variable("arch_poet", 0.5)
        choices = story.get_current_choices()
        if not choices:
            story.reset_state()
            story.set_variable("is_vip", True)
            while story.can_continue():
                story.cont()
            state = story.save_state()
            continue
        story.choose_choice_index(rng.randrange(len(choices)))
        while story.can_continue():
            story.cont()
            story.get_current_tags()
        state = story.save_state()
        samples.append((time.perf_counter_ns() - t0) / 1e6)
    return samples


def _warm_state(story: Story, rng: random.Random, turns: int) -> str:
    story.set_variable("arch_poet", 0.7)
    while story.can_continue():
        story.cont()
    for _ in range(turns):
        story.choose_choice_index(rng.randrange(len(story.get_current_choices())))
        while story.can_continue():
            story.cont()
    state: str = story.save_state()
    return state


if __name__ == "__main__":
    sys.exit(main())
