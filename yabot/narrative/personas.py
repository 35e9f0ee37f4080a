"""Simulated players for the story check: who they are, what they pick and what they type."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

ARCHETYPES: Final = ("explorer", "direct", "poet", "empath", "persistent", "random")
STYLES: Final = (
    "warm",
    "sad",
    "angry",
    "afraid",
    "question",
    "short",
    "offtopic",
    "mixed",
    "poetic",
    "skip",
)
SCHEDULES: Final = ("daily", "occasional")

# What simulated players type, by style and language (never a real player's words).
ANSWERS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "warm": {
        "en": (
            "I came because I love mysteries and this house feels like home to me",
            "Curiosity, and a strange happiness I cannot explain",
            "I trust her, and I am glad to be here tonight",
            "Because the invitation made me smile for the first time in weeks",
        ),
        "es": (
            "Vine porque me encantan los misterios y esta casa me hace sentir en casa",
            "La curiosidad, y una alegría extraña que no sé explicar",
            "Confío en ella y me alegra mucho estar aquí esta noche",
            "Porque la invitación me hizo sonreír por primera vez en semanas",
        ),
    },
    "sad": {
        "en": (
            "I have been lonely for a long time and I miss someone terribly",
            "Honestly I feel sad and lost, I had nowhere else to go",
            "Because everything at home is broken and it hurts",
        ),
        "es": (
            "Hace mucho que me siento sola y echo muchísimo de menos a alguien",
            "La verdad estoy triste y perdido, no tenía otro lugar adonde ir",
            "Porque en casa todo está roto y me duele",
        ),
    },
    "angry": {
        "en": (
            "I am furious, stop playing games with me",
            "This is ridiculous and I hate being tested",
        ),
        "es": (
            "Estoy harta, deja de jugar conmigo",
            "Esto es ridículo y odio que me pongan a prueba",
        ),
    },
    "afraid": {
        "en": (
            "I am scared of what I will find, but I could not stay away",
            "Fear, mostly. I am afraid of the dark and of myself",
        ),
        "es": (
            "Tengo miedo de lo que voy a encontrar, pero no podía quedarme lejos",
            "Miedo, sobre todo. Me asusta la oscuridad y me asusto yo",
        ),
    },
    "question": {
        "en": ("Why do you want to know?", "Who is asking, you or her?", "What would you answer?"),
        "es": (
            "¿Por qué quieres saberlo?",
            "¿Quién pregunta, tú o ella?",
            "¿Y tú qué responderías?",
        ),
    },
    "short": {
        "en": ("Curiosity", "No idea", "Her", "Love"),
        "es": ("Curiosidad", "Ni idea", "Ella", "Amor"),
    },
    "offtopic": {
        "en": ("42", "asdfgh qwrtp", "12345", "..."),
        "es": ("42", "asdfgh qwrtp", "12345", "..."),
    },
    "mixed": {
        "en": (
            "I was afraid at first but now I am happy to be here",
            "I love this place but it also makes me sad",
        ),
        "es": (
            "Al principio tenía miedo, pero ahora me alegra estar aquí",
            "Me encanta este lugar, pero también me pone triste",
        ),
    },
    "poetic": {
        "en": (
            "Like a moth to a candle I followed the silver wax, and every step "
            "felt like a line of a poem I had forgotten I knew 🌙",
            "The night called my name softly, the way the sea calls a stone back to the shore",
        ),
        "es": (
            "Como una polilla hacia la vela seguí el lacre plateado, y cada paso era "
            "el verso de un poema que había olvidado que sabía 🌙",
            "La noche dijo mi nombre en voz baja, como el mar llama a una piedra "
            "de vuelta a la orilla",
        ),
    },
}


@dataclass(frozen=True)
class Persona:
    """One simulated player.

    Attributes:
        pid: Its number (also its random seed).
        lang: ``en`` or ``es``.
        address: ``f``, ``m`` or ``n`` (how Spanish addresses it).
        archetype: The choices it prefers (``#emo:<archetype>+`` tags), or ``random``.
        style: How it usually answers questions (see :data:`STYLES`).
        vip_day: The day it becomes VIP (0: from the start; None: never).
        items: Store items it owns.
        schedule: ``daily`` (a session every day) or ``occasional`` (every 2-4 days).
        session_turns: Turns it plays per session.
        seconds_per_turn: How long it takes over a turn (reading and choosing).
    """

    pid: int
    lang: str
    address: str
    archetype: str
    style: str
    vip_day: int | None
    items: tuple[str, ...]
    schedule: str
    session_turns: int
    seconds_per_turn: float

    @property
    def daily(self) -> bool:
        """Plays every day."""
        return self.schedule == "daily"


def make_personas(count: int, store_items: tuple[str, ...], seed: int = 21) -> list[Persona]:
    """``count`` personas covering every archetype, style, schedule and VIP status, half of
    them in each language (deterministic for a given seed)."""
    rng = random.Random(seed)
    personas = []
    for pid in range(count):
        vip_roll = rng.random()
        vip_day = 0 if vip_roll < 0.45 else (rng.randint(1, 5) if vip_roll < 0.6 else None)
        owned = tuple(item for item in store_items if rng.random() < 0.3)
        personas.append(
            Persona(
                pid=pid,
                lang=("en", "es")[pid % 2],
                address=("n", "f", "m")[(pid // 2) % 3],
                archetype=ARCHETYPES[(pid // 2) % len(ARCHETYPES)],
                style=STYLES[(pid // 3) % len(STYLES)],
                vip_day=vip_day,
                items=owned,
                schedule="daily" if rng.random() < 0.7 else "occasional",
                session_turns=rng.randint(20, 60),
                seconds_per_turn=rng.uniform(8.0, 45.0),
            )
        )
    return personas


def answer_text(persona: Persona, rng: random.Random) -> str | None:
    """What ``persona`` types to a question now (None: it takes a visible choice instead)."""
    style = persona.style if rng.random() < 0.7 else rng.choice(STYLES)
    if style == "skip":
        return None
    return rng.choice(ANSWERS[style][persona.lang])
