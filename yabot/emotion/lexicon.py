"""The affect lexicon, modifiers and emoji tables, loaded once from ``yabot/emotion/data``.

English also takes vaderSentiment's lexicon, negators, boosters and idioms (MIT, read from the
installed package, offline) under our own entries: ours win where both have a word.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Final, Literal

from yabot.emotion.text import clean, fold

Language = Literal["es", "en"]
LANGUAGES: Final[tuple[Language, Language]] = ("es", "en")
EMOTIONS: Final = (
    "joy", "trust", "curiosity", "surprise", "sadness", "fear", "anger", "disgust", "none"
)  # fmt: skip
MAX_PHRASE_WORDS: Final = 7
# VADER rates -4..4; ours -3..3.
VADER_SCALE: Final = 0.75
# VADER's mildest words (|rating| under this) move a neutral answer off neutral for nothing.
VADER_MIN_RATING: Final = 0.8
VADER_BOOST_UP: Final = 1.3
VADER_BOOST_DOWN: Final = 0.7
_VADER_WORD: Final = re.compile(r"[a-z]+(?:'[a-z]+)*")
# VADER entries that are function words, fillers or acknowledgements in a chat, or whose
# slang sense is the opposite of the dictionary's ("sick", "wicked", "killer", "fire").
_VADER_SKIP: Final = frozenset(
    [
        "no",
        "yes",
        "yeah",
        "yea",
        "ok",
        "okay",
        "like",
        "well",
        "please",
        "kind",
        "pretty",
        "true",
        "want",
        "god",
        "fine",
        "sure",
        "huh",
        "sick",
        "wicked",
        "killer",
        "killing",
        "bomb",
        "fire",
        "insane",
        "crazy",
        "dead",
        "dying",
        "ha",
        "hah",
    ]
)
_VADER_NOT_NEGATORS: Final = frozenset({"despite", "uh-uh", "uhuh"})


class LexiconError(ValueError):
    """A lexicon data file is malformed (duplicate key, bad valence, unknown emotion)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: its valence (-3..3) and primary emotion."""

    valence: float
    emotion: str


@dataclass(frozen=True, slots=True)
class Modifier:
    """A word that changes the words after it: a negator, a booster or a contrast."""

    kind: Literal["negator", "booster", "contrast"]
    factor: float = 1.0


@dataclass(frozen=True, slots=True)
class LanguageTables:
    """Everything the scorer needs for one language.

    Attributes:
        words: Single-word lexicon entries.
        modifiers: Single-word negators, boosters and contrasts.
        phrases: Multi-word entries and modifiers, keyed by their words.
        phrase_heads: First words of ``phrases`` (to skip phrase matching for most words).
        stopwords: Function words distinctive of the language.
        own_entries: The single words of our own lexicon file only (they train the language
            model and give the Spanish stems).
        variants: Multi-word entries keyed by their words' :func:`phrase_form` ("la gota que
            colma el vaso" finds "la gota que colmó el vaso"); forms whose phrases disagree in
            sign are left out.
        variant_heads: First forms of ``variants``.
    """

    words: dict[str, Entry]
    modifiers: dict[str, Modifier]
    phrases: dict[tuple[str, ...], Entry | Modifier]
    phrase_heads: frozenset[str]
    stopwords: frozenset[str]
    own_entries: dict[str, Entry]
    variants: dict[tuple[str, ...], Entry]
    variant_heads: frozenset[str]

    @property
    def own_words(self) -> frozenset[str]:
        """The words of our own lexicon file."""
        return frozenset(self.own_entries)


def _read(name: str) -> dict[str, Any]:
    text = (
        resources.files("yabot.emotion").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    data.pop("_about", None)
    return data


def _key(raw: str) -> tuple[str, ...]:
    return tuple(fold(part) for part in raw.split())


def _load_lexicon(language: Language) -> tuple[dict[str, Entry], dict[tuple[str, ...], Entry]]:
    words: dict[str, Entry] = {}
    phrases: dict[tuple[str, ...], Entry] = {}
    for emotion, entries in _read(f"lexicon_{language}.json").items():
        if emotion not in EMOTIONS:
            raise LexiconError(f"lexicon_{language}.json: unknown emotion group {emotion!r}")
        for raw, valence in entries.items():
            key = _key(raw)
            if not isinstance(valence, int | float) or not -3 <= valence <= 3:
                raise LexiconError(
                    f"lexicon_{language}.json: {raw!r} valence {valence!r} not in -3..3"
                )
            if not 1 <= len(key) <= MAX_PHRASE_WORDS:
                raise LexiconError(
                    f"lexicon_{language}.json: {raw!r} must have 1-{MAX_PHRASE_WORDS} words"
                )
            if key in phrases or (len(key) == 1 and key[0] in words):
                raise LexiconError(f"lexicon_{language}.json: {raw!r} is listed twice")
            if len(key) == 1:
                words[key[0]] = Entry(float(valence), emotion)
            else:
                phrases[key] = Entry(float(valence), emotion)
    return words, phrases


@cache
def tables(language: Language) -> LanguageTables:
    """Return the (cached, immutable) tables of ``language``.

    Raises:
        LexiconError: When a data file is malformed.
    """
    own, lexicon_phrases = _load_lexicon(language)
    data = _read("modifiers.json")[language]
    modifiers: dict[str, Modifier] = {}
    phrases: dict[tuple[str, ...], Entry | Modifier] = {}
    words: dict[str, Entry] = {}
    found: list[tuple[str, Modifier]] = []
    if language == "en":
        vader = vader_english()
        spanish = _load_lexicon("es")[0]
        # VADER lists a few Spanish words ("genial", "perfecto"): ours rate them for Spanish.
        words.update((w, e) for w, e in vader.words.items() if w not in spanish)
        phrases.update(vader.phrases)
        found += vader.modifiers
    words.update(own)
    phrases.update(lexicon_phrases)
    found += [(raw, Modifier("negator")) for raw in data["negators"]]
    found += [(raw, Modifier("contrast")) for raw in data["contrasts"]]
    found += [(raw, Modifier("booster", float(f))) for raw, f in data["boosters"].items()]
    for raw, modifier in found:
        key = _key(raw)
        if len(key) == 1:
            modifiers[key[0]] = modifier
            words.pop(key[0], None)
        else:
            phrases[key] = modifier
    variants = _variants(phrases, language)
    return LanguageTables(
        words=words,
        modifiers=modifiers,
        phrases=phrases,
        phrase_heads=frozenset(key[0] for key in phrases),
        stopwords=distinctive_stopwords()[language],
        own_entries=own,
        variants=variants,
        variant_heads=frozenset(key[0] for key in variants),
    )


def _variants(
    phrases: dict[tuple[str, ...], Entry | Modifier], language: Language
) -> dict[tuple[str, ...], Entry]:
    found: dict[tuple[str, ...], list[Entry]] = {}
    for key, value in phrases.items():
        if isinstance(value, Entry) and value.valence and len(key) >= MIN_VARIANT_WORDS:
            form = tuple(phrase_form(word, language) for word in key)
            if not form[0].startswith("~"):
                found.setdefault(form, []).append(value)
    return {
        form: max(entries, key=lambda entry: abs(entry.valence))
        for form, entries in found.items()
        if len({entry.valence > 0 for entry in entries}) == 1
    }


_POSSESSIVES: Final[dict[Language, frozenset[str]]] = {
    "es": frozenset({"mi", "tu", "su", "mis", "tus", "sus", "nuestro", "nuestra", "vuestro"}),
    "en": frozenset({"my", "your", "his", "her", "their", "our", "its"}),
}
# Loose matching is for idioms: two-word phrases and clitic-led forms would match too much.
MIN_VARIANT_WORDS: Final = 3
_CLITICS: Final = frozenset({"me", "te", "se", "le", "les", "nos", "os"})
_LOOSE_ES: Final = tuple(
    sorted(
        (
            "aremos", "arian", "aria", "aron", "ieron", "ando", "iendo", "ados", "adas", "idos",
            "idas", "ado", "ada", "ido", "ida", "aba", "aban", "aste", "iste", "amos", "emos",
            "imos", "an", "en", "as", "es", "os", "a", "e", "o", "io",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
_LOOSE_EN: Final = ("ing", "ied", "ies", "ed", "es", "s")


@lru_cache(maxsize=16_384)
def phrase_form(word: str, language: Language) -> str:
    """The form a word takes when phrases are matched loosely: possessives and clitics merge,
    tenses and numbers drop ("colmó" / "colma" -> "colm", "dropped" / "drops" -> "drop")."""
    if word in _POSSESSIVES[language]:
        return "~pos"
    if language == "es":
        if word in _CLITICS:
            return "~cl"
        for suffix in _LOOSE_ES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
        return word
    for suffix in _LOOSE_EN:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls":
                stem = stem[:-1]  # "dropped" -> "drop"
            return stem
    return word


@dataclass(frozen=True, slots=True)
class VaderTables:
    """What we take from vaderSentiment: words, multi-word entries and modifiers."""

    words: dict[str, Entry]
    phrases: dict[tuple[str, ...], Entry]
    modifiers: list[tuple[str, Modifier]]
    emoji_descriptions: dict[str, str]


def _vader_text(name: str) -> str:
    return resources.files("vaderSentiment").joinpath(name).read_text(encoding="utf-8")


@cache
def vader_english() -> VaderTables:
    """vaderSentiment's English lexicon, rules' word lists and emoji descriptions, rescaled.

    Read from the installed package's own files (no network): ``vader_lexicon.txt`` and
    ``emoji_utf8_lexicon.txt``, plus the module's ``NEGATE``, ``BOOSTER_DICT``,
    ``SENTIMENT_LADEN_IDIOMS`` and ``SPECIAL_CASES``.
    """
    from vaderSentiment import vaderSentiment as vader  # a heavy import: only when needed

    words: dict[str, Entry] = {}
    for line in _vader_text("vader_lexicon.txt").splitlines():
        token, _, rest = line.partition("\t")
        if not _VADER_WORD.fullmatch(token) or token in _VADER_SKIP:
            continue
        rating = float(rest.split("\t", 1)[0])
        if abs(rating) >= VADER_MIN_RATING:
            words[token] = Entry(max(-3.0, min(3.0, rating * VADER_SCALE)), "none")
    phrases: dict[tuple[str, ...], Entry] = {}
    for raw, rating in (*vader.SENTIMENT_LADEN_IDIOMS.items(), *vader.SPECIAL_CASES.items()):
        key = _key(raw)
        if 1 < len(key) <= MAX_PHRASE_WORDS:
            phrases[key] = Entry(max(-3.0, min(3.0, rating * VADER_SCALE)), "none")
    modifiers = [
        (raw, Modifier("negator")) for raw in vader.NEGATE if raw not in _VADER_NOT_NEGATORS
    ]
    modifiers += [
        (raw.replace("-", " "), Modifier("booster", VADER_BOOST_UP if f > 0 else VADER_BOOST_DOWN))
        for raw, f in vader.BOOSTER_DICT.items()
    ]
    descriptions: dict[str, str] = {}
    for line in _vader_text("emoji_utf8_lexicon.txt").splitlines():
        emoji, _, description = line.partition("\t")
        emoji_key = clean(emoji).lower()
        # Skin-tone variants ("victory hand: dark skin tone") clean to their base emoji.
        if emoji_key and description and emoji_key not in descriptions:
            descriptions[emoji_key] = description.partition(":")[0].lower()
    return VaderTables(words, phrases, modifiers, descriptions)


# Spanish inflectional and derivational endings, longest first, for :func:`spanish_stem`.
_ES_SUFFIXES: Final = tuple(
    sorted(
        [
            "amientos",
            "imientos",
            "amiento",
            "imiento",
            "aciones",
            "iciones",
            "acion",
            "icion",
            "adoras",
            "adores",
            "adora",
            "ador",
            "isimos",
            "isimas",
            "isimo",
            "isima",
            "mente",
            "andose",
            "iendose",
            "ando",
            "iendo",
            "aron",
            "ieron",
            "abais",
            "aban",
            "abas",
            "aba",
            "ados",
            "adas",
            "ado",
            "ada",
            "idos",
            "idas",
            "ido",
            "ida",
            "aste",
            "iste",
            "amos",
            "emos",
            "imos",
            "aremos",
            "are",
            "aras",
            "ara",
            "arian",
            "aria",
            "ian",
            "ia",
            "io",
            "ar",
            "er",
            "ir",
            "an",
            "en",
            "as",
            "es",
            "os",
            "a",
            "e",
            "o",
        ],
        key=len,
        reverse=True,
    )
)
MIN_STEM: Final = 5


def spanish_stem(word: str) -> str:
    """A light Spanish stem: ``word`` without its longest known ending, keeping 5+ letters.

    "aburridísima", "aburrimiento" and "aburrían" all give "aburr"; short words stay as they are.
    """
    for suffix in _ES_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


@cache
def spanish_stems() -> dict[str, Entry]:
    """Stems of our Spanish single-word entries; a stem whose words disagree in sign is left out."""
    found: dict[str, list[Entry]] = {}
    for word, entry in tables("es").own_entries.items():
        if entry.valence:
            found.setdefault(spanish_stem(word), []).append(entry)
    stems: dict[str, Entry] = {}
    for stem, entries in found.items():
        signs = {entry.valence > 0 for entry in entries}
        if len(signs) == 1:
            strongest = max(entries, key=lambda entry: abs(entry.valence))
            stems[stem] = strongest
    return stems


@cache
def distinctive_stopwords() -> dict[Language, frozenset[str]]:
    """Function words of each language, minus those the two languages share."""
    data = _read("stopwords.json")
    es = frozenset(fold(w) for w in data["es"])
    en = frozenset(fold(w) for w in data["en"])
    return {"es": es - en, "en": en - es}


@cache
def emoji_table() -> dict[str, Entry]:
    """Emoji (presentation marks stripped) and lowercased emoticons mapped to entries."""
    table: dict[str, Entry] = {}
    english = tables("en").words
    for emoji, description in vader_english().emoji_descriptions.items():
        # An emoji we do not list is read from its name ("loudly crying face").
        valence = sum(english[w].valence for w in description.split() if w in english)
        if valence:
            table[emoji] = Entry(max(-3.0, min(3.0, valence)), "none")
    for raw, (valence, emotion) in _read("emoji.json").items():
        if emotion not in EMOTIONS:
            raise LexiconError(f"emoji.json: {raw!r} has unknown emotion {emotion!r}")
        table[clean(raw).lower()] = Entry(float(valence), emotion)
    return table
