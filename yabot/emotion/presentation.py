"""What the signature shows: ink story variables, the player's /profile text, the admin view."""

from __future__ import annotations

from typing import Any, Final

from yabot.emotion.signals import ARCHETYPES
from yabot.emotion.signature import DEFAULT_PARAMS, SCORES, Signature, SignatureParams

BAR_CELLS: Final = 10

ARCHETYPE_TEXT: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "en": {
        "explorer": (
            "The methodical explorer",
            "you read every shadow twice before you step into it.",
        ),
        "direct": (
            "The direct one",
            "you go straight to the heart of things and ask for the truth.",
        ),
        "poet": ("The poet", "you answer in images and feel what others only notice."),
        "empath": ("The empathic analyst", "you understand people before they explain themselves."),
        "persistent": ("The persistent one", "you come back, night after night, until doors open."),
    },
    "es": {
        "explorer": (
            "Mente exploradora",
            "lees cada sombra dos veces antes de adentrarte en ella.",
        ),
        "direct": ("Espíritu directo", "vas al corazón de las cosas y pides la verdad."),
        "poet": ("Alma poeta", "respondes con imágenes y sientes lo que otros solo ven."),
        "empath": ("Corazón analítico", "entiendes a las personas antes de que se expliquen."),
        "persistent": (
            "Voluntad persistente",
            "vuelves, noche tras noche, hasta que las puertas se abren.",
        ),
    },
}
MOOD_TEXT: Final = {
    "en": {"warm": "warm", "neutral": "calm", "guarded": "guarded", "tense": "tense"},
    "es": {"warm": "cálido", "neutral": "sereno", "guarded": "reservado", "tense": "tenso"},
}
LABELS: Final = {
    "en": {
        "title": "Your emotional signature",
        "archetype": "Archetype",
        "forming": "still taking shape; keep playing and answering Diana",
        "mood": "Mood",
        "resonance": "Resonance with Diana's world",
        "confidence": "How sure this reading is",
    },
    "es": {
        "title": "Tu firma emocional",
        "archetype": "Arquetipo",
        "forming": "aún se está formando; sigue jugando y respondiendo a Diana",
        "mood": "Ánimo",
        "resonance": "Resonancia con el mundo de Diana",
        "confidence": "Seguridad de esta lectura",
    },
}


RESONANCE_WORDS: Final = {
    "en": ("faint", "growing", "strong", "profound"),
    "es": ("tenue", "creciente", "intensa", "profunda"),
}
CONFIDENCE_WORDS: Final = {
    "en": ("barely", "somewhat", "fairly", "very"),
    "es": ("baja", "media", "bastante alta", "muy alta"),  # "Seguridad" is feminine
}


def to_story_variables(
    signature: Signature, params: SignatureParams = DEFAULT_PARAMS
) -> dict[str, float | str]:
    """The ink variables written before every turn.

    Returns:
        ``resonance``, ``mood``, ``arch_explorer`` ... ``arch_persistent`` (0..1) and ``dominant``
        (an archetype name or "none" while the confidence is low).
    """
    variables: dict[str, float | str] = {
        "resonance": round(signature.resonance, 4),
        "mood": signature.mood,
    }
    for name, score in signature.scores.items():
        variables[f"arch_{name}"] = round(score, 4)
    variables["dominant"] = signature.dominant(params)
    return variables


LEVEL_THRESHOLDS: Final = (0.25, 0.55, 0.8)


def _level(value: float, words: tuple[str, ...]) -> str:
    return words[sum(value >= threshold for threshold in LEVEL_THRESHOLDS)]


def describe(signature: Signature, language: str, params: SignatureParams = DEFAULT_PARAMS) -> str:
    """A short, readable summary for the player's ``/profile``.

    Args:
        signature: The player's signature.
        language: "es" or "en".
        params: Tunables (for the confidence needed to name an archetype).

    Raises:
        ValueError: ``language`` is neither "es" nor "en".
    """
    if language not in LABELS:
        raise ValueError(f"language must be 'es' or 'en', not {language!r}")
    labels = LABELS[language]
    dominant = signature.dominant(params)
    if dominant == "none":
        archetype = labels["forming"]
    else:
        name, blurb = ARCHETYPE_TEXT[language][dominant]
        archetype = f"{name} — {blurb}"
    resonance = signature.resonance
    filled = round(resonance * BAR_CELLS)
    bar = "●" * filled + "○" * (BAR_CELLS - filled)
    confidence = signature.confidence
    return "\n".join(
        [
            f"✦ {labels['title']}",
            f"{labels['archetype']}: {archetype}",
            f"{labels['mood']}: {MOOD_TEXT[language][signature.mood]}",
            f"{labels['resonance']}: {bar} {_level(resonance, RESONANCE_WORDS[language])}",
            f"{labels['confidence']}: {_level(confidence, CONFIDENCE_WORDS[language])}"
            f" ({round(confidence * 100)}%)",
        ]
    )


def explain(signature: Signature, params: SignatureParams = DEFAULT_PARAMS) -> dict[str, Any]:
    """The admin view: every score with the recent contributions that moved it (JSON-safe)."""
    recent = {
        name: [
            {"kind": c.kind, "delta": c.delta, "at": c.at} for c in signature.contributions(name)
        ]
        for name in SCORES
    }
    scores = signature.scores
    return {
        "archetypes": {
            name: {"score": round(scores[name], 4), "evidence": round(e, 4), "recent": recent[name]}
            for name, e in zip(ARCHETYPES, signature.evidence, strict=True)
        },
        "dominant": signature.dominant(params),
        "resonance": {
            "score": round(signature.resonance, 4),
            "evidence": round(signature.resonance_evidence, 4),
            "recent": recent["resonance"],
        },
        "mood": {
            "value": signature.mood,
            "valence": round(signature.valence, 4),
            "arousal": round(signature.arousal, 4),
            "recent": recent["mood"],
        },
        "confidence": round(signature.confidence, 4),
        "interactions": signature.interactions,
        "sessions": signature.sessions,
        "streak_days": signature.streak,
        "response_median_s": signature.response_median,
        "updated_at": signature.updated_at,
    }
