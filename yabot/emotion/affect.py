"""Free-text affect: polarity, intensity and dominant emotion from our own es/en lexicon."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Final

from yabot.emotion.language import (
    WORD_CACHE_SIZE,
    decide,
    spanish_minus_english,
    trigram_log_ratios,
)
from yabot.emotion.lexicon import (
    LANGUAGES,
    MAX_PHRASE_WORDS,
    MIN_VARIANT_WORDS,
    Entry,
    Language,
    LanguageTables,
    Modifier,
    emoji_table,
    phrase_form,
    spanish_stem,
    spanish_stems,
    tables,
)
from yabot.emotion.metrics import TEXT_TRUNCATED
from yabot.emotion.text import TOKEN_PATTERN, clean, collapse_elongation, fold, is_elongated
from yabot.observability.logging import get_logger

log = get_logger(__name__)

MAX_TEXT_CHARS: Final = 1000
NEGATION_SCOPE: Final = 4
NEGATION_FACTOR: Final = -0.75
BOOSTER_REACH: Final = 2
CONTRAST_BEFORE: Final = 0.5
CONTRAST_AFTER: Final = 1.5
ELONGATION_BOOST: Final = 1.3
SHOUT_BOOST: Final = 1.25
SUPERLATIVE_BOOST: Final = 1.4
EXCLAMATION_STEP: Final = 0.1
POLARITY_ALPHA: Final = 8.0
INTENSITY_HALF: Final = 4.0
SCOPE_BREAKERS: Final = frozenset(".,;:?!¿¡…")
# "never so lovely" / "nunca tan hermoso" praise rather than deny: the negation is lifted.
NEVER_WORDS: Final = frozenset({"never", "nunca", "jamas"})
SO_WORDS: Final = frozenset(
    {"so", "such", "this", "that", "as", "tan", "tanto", "tanta", "tantos", "tantas"}
)
NOT: Final = Modifier("negator")
# A second negation after "que" / "that" (Spanish) or anywhere (English) cancels the first.
RELATIVES: Final = frozenset({"que", "that"})
# A modal before a negated comparative praises: "couldn't be better", "no podría ser mejor".
MODALS: Final = frozenset(
    {"could", "couldn't", "can't", "cannot", "can", "podria", "puede", "podia", "pudo", "podra"}
)
COMPARATIVES: Final = frozenset({"better", "mejor", "happier", "feliz"})
CANT_BE_BETTER: Final = 1.5
# Words a negation reaches over without using up its scope ("no ME lo HA dicho", "not TO BE").
TRANSPARENT: Final = frozenset(
    [
        "me",
        "te",
        "se",
        "lo",
        "la",
        "le",
        "les",
        "nos",
        "os",
        "el",
        "los",
        "las",
        "un",
        "una",
        "unos",
        "unas",
        "de",
        "del",
        "a",
        "al",
        "ha",
        "he",
        "has",
        "han",
        "hemos",
        "habia",
        "haber",
        "es",
        "esta",
        "estoy",
        "era",
        "fue",
        "sido",
        "ser",
        "estar",
        "i",
        "you",
        "it",
        "the",
        "an",
        "to",
        "be",
        "is",
        "am",
        "are",
        "was",
        "were",
        "been",
        "do",
        "does",
        "did",
        "that",
        "this",
        "my",
        "your",
        "have",
        "has",
        "had",
    ]
)
# Sarcasm. A short opening of praise followed by a complaint or a repetition ("Genial, otra
# vez muerta", "Oh great, another locked door") is the complaint; so is praise with an eye
# roll, or ending in "... not". An affect verb with a clause of the opposite polarity
# ("me encanta que me ignores", "I hate how much I love him") takes the clause's side.
OPENING_MAX_WORDS: Final = 5
CLOSING_MAX_WORDS: Final = 3
CONTRAST_WORDS: Final = frozenset({"pero", "but", "aunque", "though", "although", "yet"})
# "se ha vuelto a colgar", "volvió a pasar": a return verb before "a" is a repetition.
RETURN_VERBS: Final = frozenset({"vuelto", "volvio", "vuelve", "volver", "volvemos"})
REPETITION: Final = frozenset(
    [
        "tampoco",
        "either",
        "otra",
        "otro",
        "otras",
        "otros",
        "again",
        "another",
        "nuevo",
        "repite",
        "repetir",
        "same",
        "mismo",
        "misma",
    ]
)
SARCASM_EMOJI: Final = frozenset({"🙄", "😒", "😑", "🥱", "🙃", "-_-", "¬¬", "¬_¬"})
# A bare word of praise trailing off ("Genial...", "Great…") is resignation, not praise.
TRAILING_OFF: Final = re.compile(r"(?:\.\.+|…)\s*$")
TRAILING_OFF_MAX_WORDS: Final = 3
PRAISE: Final = frozenset(
    {
        "genial", "perfecto", "perfecta", "estupendo", "fantastico", "maravilloso", "maravilla",
        "fenomenal", "ideal", "excelente", "bien", "great", "perfect", "wonderful", "lovely",
        "fantastic", "brilliant", "awesome", "fabulous", "nice", "cool", "super", "amazing",
    }
)  # fmt: skip
# Praise in scare quotes ("muy 'divertido'", "so “helpful”") is irony.
SCARE_QUOTED: Final = re.compile(r"(?<!\w)[\"“«'‘]([^\"”»'’]{2,30})[\"”»'’](?!\w)")
TRAILING_NOT: Final = re.compile(r"(?:\.\.+|…|,)\s*(?:not|no)\W*$", re.IGNORECASE)
COMPLEMENT: Final = frozenset(
    ["que", "como", "cuando", "lo", "de", "that", "how", "when", "being", "to"]
)
OBJECT_PRONOUNS: Final = frozenset({"it", "lo"})
DEGREE: Final = frozenset(
    {"muy", "mucho", "muchisimo", "tanto", "so", "really", "very", "much", "totally", "super"}
)
LOVE_VERBS: Final = frozenset(
    {
        "encanta", "encantan", "encantaba", "encantada", "encantado", "adoro", "alegro",
        "alegra", "love", "loved", "loving", "adore", "glad", "thrilled", "delighted",
    }
)  # fmt: skip
HATE_VERBS: Final = frozenset(["odio", "odia", "hate", "hated"])
# "bien padre", "bien feo" (Latin America): "bien" before a rated word is a degree, not praise.
DEGREE_BIEN: Final = Modifier("booster", 1.3)
LAUGHTER: Final = re.compile(r"(?:j+[aeiou]+){2,}j*|(?:h+[aeiu]+){2,}h*|(?:l+o+)+l+")
LAUGH: Final = Entry(2.0, "joy")

_SPANISH_SUPERLATIVES: Final = ("isimos", "isimas", "isimo", "isima")
NEGATING_PREFIXES: Final[dict[Language, tuple[str, ...]]] = {
    "es": ("des", "in", "im"),
    "en": ("un", "dis", "in", "im", "non"),
}
MIN_NEGATED_STEM: Final = 5
# Pronouns written onto an infinitive or gerund, longest first.
_ENCLITICS: Final = (
    "selo", "sela", "melo", "mela", "telo", "tela", "los", "las", "les", "nos",
    "lo", "la", "le", "me", "te", "se",
)  # fmt: skip
# Words spelt alike in both languages with another meaning in the other one ("sin", "ha",
# "po"): a message in one language never takes them from the other's lexicon.
_NOT_BORROWED: Final = frozenset(
    [
        "sin",
        "ha",
        "hago",
        "po",
        "once",
        "red",
        "pie",
        "dice",
        "come",
        "sale",
        "son",
        "solo",
        "fin",
        "mar",
        "ten",
        "van",
        "regular",
        "real",
        "actual",
        "embarazada",
        "molesto",
        "molesta",
        "sensible",
        "largo",
    ]
)


@dataclass(frozen=True, slots=True)
class Affect:
    """The affect of one message.

    Attributes:
        polarity: -1 (very negative) .. 1 (very positive).
        intensity: 0 (flat) .. 1 (very intense).
        emotion: Dominant emotion ("joy", "trust", "curiosity", "surprise", "sadness", "fear",
            "anger", "disgust") or "none".
        language: "es" or "en".
        word_count: Number of words.
        is_question: The message asks something.
        emoji_count: Number of emoji and emoticons.
    """

    polarity: float
    intensity: float
    emotion: str
    language: Language
    word_count: int
    is_question: bool
    emoji_count: int

    @property
    def label(self) -> str:
        """ "positive", "negative" or "neutral" (|polarity| under 0.1)."""
        if self.polarity >= 0.1:
            return "positive"
        if self.polarity <= -0.1:
            return "negative"
        return "neutral"


def _morphology(word: str, language: Language) -> list[tuple[str, float]]:
    """Candidate lemmas for an inflected ``word`` with the boost its form implies."""
    out: list[tuple[str, float]] = []
    if language == "es":
        for suffix in _SPANISH_SUPERLATIVES:
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                stem = word[: -len(suffix)]
                out += [(stem + "o", SUPERLATIVE_BOOST), (stem + "e", SUPERLATIVE_BOOST)]
                out += [(stem, SUPERLATIVE_BOOST)]
        if word.endswith("mente") and len(word) > 7:
            stem = word[:-5]
            out += [(stem, 1.0), (stem[:-1] + "o", 1.0)]
        if word.endswith(("as", "os")):
            out += [(word[:-2] + "o", 1.0), (word[:-1], 1.0)]
        elif word.endswith("es"):
            out += [(word[:-2], 1.0), (word[:-1], 1.0)]
        elif word.endswith("s"):
            out.append((word[:-1], 1.0))
        elif word.endswith("a"):
            out.append((word[:-1] + "o", 1.0))
        elif word.endswith(("an", "en")) and len(word) > 4:  # they/you-all verb forms
            out.append((word[:-1], 1.0))
        for clitic in _ENCLITICS:
            base = word[: -len(clitic)]
            if word.endswith(clitic) and len(base) > 3 and base.endswith(("r", "ndo")):
                out.append((base, 1.0))  # "perderlo", "diciendome"
                break
        for suffix, ending in (("ito", "o"), ("ita", "a"), ("itos", "o"), ("itas", "a")):
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                out.append((word[: -len(suffix)] + ending, 1.0))
    else:
        if word.endswith("'s"):
            word = word[:-2]
            out.append((word, 1.0))
        if word.endswith(("ies", "ied", "ily", "ier")):
            out.append((word[:-3] + "y", 1.0))
        if word.endswith("iest"):
            out.append((word[:-4] + "y", SUPERLATIVE_BOOST))
        for suffix in ("ness", "ly", "ed", "ing", "es", "s", "d", "er"):
            # "-er" only on stems of 5+ letters: "sweeter", not "number" from "numb".
            if word.endswith(suffix) and len(word) > len(suffix) + (4 if suffix == "er" else 2):
                stem = word[: -len(suffix)]
                out.append((stem, 1.0))
                if suffix in ("ing", "ed"):
                    out.append((stem + "e", 1.0))
    return out


@lru_cache(maxsize=WORD_CACHE_SIZE)
def lookup(word: str, language: Language) -> tuple[Entry, float] | None:
    """The lexicon entry of a folded word (elongated, inflected or from the other language).

    Returns:
        The entry and the boost its form implies (elongation, superlative), or None.
    """
    primary = tables(language).words
    other = tables("en" if language == "es" else "es").words
    candidates = [(word, 1.0)]
    if is_elongated(word):
        two, one = collapse_elongation(word)
        candidates += [(two, ELONGATION_BOOST), (one, ELONGATION_BOOST)]
    for candidate, boost in candidates:
        entry = primary.get(candidate)
        if entry is None and len(candidate) > 2 and candidate not in _NOT_BORROWED:
            entry = other.get(candidate)
        if entry is not None:
            return entry, boost
    for candidate, boost in candidates:
        for lemma, extra in _morphology(candidate, language):
            entry = primary.get(lemma)
            if entry is not None:
                return entry, boost * extra
    if language == "es":
        stems = spanish_stems()
        for candidate, boost in candidates:
            entry = stems.get(spanish_stem(candidate))
            if entry is not None:
                return entry, boost
    if LAUGHTER.fullmatch(word):
        return LAUGH, 1.0
    return _negated_form(word, language)


def _negated_form(word: str, language: Language) -> tuple[Entry, float] | None:
    """A word built by negating a rated one: "unconvincing", "deshonesto", "heartless".

    Only a positive stem after a negative prefix counts ("unhappy" -> -, but "undead" is not
    "dead" made good); "-less" negates either way ("flawless" +, "soulless" -).
    """
    for prefix in NEGATING_PREFIXES[language]:
        stem = word[len(prefix) :]
        if word.startswith(prefix) and len(stem) >= MIN_NEGATED_STEM:
            found = _stem_entry(stem, language)
            if found is not None and found.valence > 0:
                return Entry(found.valence * NEGATION_FACTOR, "none"), 1.0
    if language == "en" and word.endswith("less") and len(word) - 4 >= MIN_NEGATED_STEM - 1:
        found = _stem_entry(word[:-4], language)
        if found is not None:
            return Entry(found.valence * NEGATION_FACTOR, "none"), 1.0
    return None


def _stem_entry(stem: str, language: Language) -> Entry | None:
    words = tables(language).words
    entry = words.get(stem)
    if entry is None:
        for lemma, _ in _morphology(stem, language):
            entry = words.get(lemma)
            if entry is not None:
                break
    if entry is None and language == "es":
        entry = spanish_stems().get(spanish_stem(stem))
    return entry


@lru_cache(maxsize=WORD_CACHE_SIZE)
def classify(word: str, language: Language) -> Modifier | tuple[Entry, float] | None:
    """What a single folded word is: a modifier, a lexicon entry with its boost, or nothing."""
    table = tables(language)
    modifier = table.modifiers.get(word)
    if modifier is None and language == "en" and word.endswith("n't"):
        modifier = NOT
    if modifier is None and len(word) > 2 and word not in table.stopwords:
        # Code-switching: "muy" in an English message, "never" in a Spanish one.
        modifier = tables("en" if language == "es" else "es").modifiers.get(word)
    return modifier if modifier is not None else lookup(word, language)


def _phrase_at(
    words: list[str], i: int, table: LanguageTables
) -> tuple[int, Entry | Modifier | None]:
    """The longest phrase starting at ``words[i]``: (its length, what it is), or (0, None)."""
    for length in range(min(MAX_PHRASE_WORDS, len(words) - i), 1, -1):
        found = table.phrases.get(tuple(words[i : i + length]))
        if found is not None:
            return length, found
    return 0, None


def _exact_phrase_overlaps(words: list[str], i: int, span: int, table: LanguageTables) -> bool:
    """An exact phrase starts inside ``words[i : i + span]`` and runs past it: it wins."""
    for j in range(i + 1, i + span):
        if words[j] in table.phrase_heads:
            length, _ = _phrase_at(words, j, table)
            if j + length > i + span:
                return True
    return False


def _variant_at(forms: list[str], i: int, table: LanguageTables) -> tuple[int, Entry | None]:
    """The longest phrase whose loose form starts at ``forms[i]``: (its length, entry)."""
    for length in range(min(MAX_PHRASE_WORDS, len(forms) - i), MIN_VARIANT_WORDS - 1, -1):
        found = table.variants.get(tuple(forms[i : i + length]))
        if found is not None:
            return length, found
    return 0, None


class _Scorer:
    """Accumulates one message's affect, token by token."""

    __slots__ = (
        "after_contrast",
        "booster",
        "booster_left",
        "emoji_count",
        "exclamations",
        "grievance",
        "ironic",
        "language",
        "magnitude",
        "modal_seen",
        "negation",
        "negator",
        "never_flip",
        "opening",
        "opening_closed",
        "opening_words",
        "question",
        "relative_seen",
        "repetition",
        "shout",
        "tail_from",
        "tail_total",
        "total",
        "verb_mark",
        "weights",
        "words_total",
    )  # fmt: skip

    def __init__(self, language: Language = "en") -> None:
        self.language = language
        self.relative_seen = False
        self.modal_seen = False
        self.total = 0.0
        self.magnitude = 0.0
        self.weights: dict[str, float] = {}
        self.negation = 0
        self.negator = ""
        self.booster = 1.0
        self.booster_left = 0
        self.after_contrast = 1.0
        self.exclamations = 0
        self.emoji_count = 0
        self.question = False
        self.shout = False
        self.opening = 0.0
        self.opening_closed = False
        self.opening_words = 0
        self.repetition = False
        # What undoing the last "never" would add back ("nunca me había gustado TANTO").
        self.never_flip: float | None = None
        # [total before an affect verb, its score, its clause's score once the clause ends]
        self.verb_mark: list[float | None] | None = None
        self.ironic = False
        # Where the last clause starts (words) and the total before it ("..., qué divertido").
        # A complaint was made: a negative word that is not sadness, or a repetition.
        self.grievance = False
        self.tail_from = 0
        self.tail_total = 0.0
        self.words_total = 0

    def modifier(self, modifier: Modifier, word: str) -> None:
        if modifier.kind == "negator":
            if self.negation and (self.language == "en" or self.relative_seen):
                # "nothing I DON'T love", "no hay nada que NO me encante": two negations
                self.negation = 0
                self.negator = ""
                return
            self.negation = NEGATION_SCOPE
            self.negator = word
            self.relative_seen = False
            self.modal_seen = word in MODALS
        elif modifier.kind == "booster":
            if word in SO_WORDS and self.negator in NEVER_WORDS:
                self.negation = 0
                if self.never_flip is not None:
                    self.total += self.never_flip
                    self.never_flip = None
            self.booster *= modifier.factor
            self.booster_left = BOOSTER_REACH
        else:
            self.total *= CONTRAST_BEFORE
            self.magnitude *= CONTRAST_BEFORE
            self.after_contrast = CONTRAST_AFTER
            self.negation = 0

    def entry(self, entry: Entry, boost: float, word: str = "") -> None:
        if not entry.valence:
            return  # a neutral word or set phrase leaves negation and degree to the next one
        score = entry.valence * boost * self.booster * self.after_contrast
        if self.negation and self.modal_seen and word in COMPARATIVES:
            score *= CANT_BE_BETTER  # "couldn't be better", "no podría haber salido mejor"
            self.negation = 0
        elif self.negation:
            flipped = score * NEGATION_FACTOR
            if self.negator in NEVER_WORDS:
                self.never_flip = score - flipped
            score = flipped
            self.negation = 0
        elif entry.emotion != "none" and self.booster > 0:
            self.feel(entry.emotion, abs(score))
        if score < 0 and entry.emotion not in ("sadness", "fear"):
            self.grievance = True
        self.total += score
        self.magnitude += abs(score)
        self.booster, self.booster_left = 1.0, 0

    def feel(self, emotion: str, weight: float) -> None:
        self.weights[emotion] = self.weights.get(emotion, 0.0) + max(weight, 0.5)

    def word_passed(self, word: str) -> None:
        if self.negation:
            if word in RELATIVES:
                self.relative_seen = True
            elif word in MODALS:
                self.modal_seen = True
        if word in REPETITION:
            self.grievance = True
        if self.negation and word not in TRANSPARENT:
            self.negation -= 1
        if self.booster_left:
            self.booster_left -= 1
            if not self.booster_left:
                self.booster = 1.0

    def punctuation(self, value: str, position: int) -> None:
        """A run of punctuation after ``position`` words of the message."""
        self.exclamations += value.count("!") + value.count("¡")
        self.question = self.question or "?" in value or "¿" in value
        if position < self.words_total:
            self.tail_from, self.tail_total = position, self.total
        if any(ch in SCOPE_BREAKERS for ch in value):
            self.negation = 0
            self.never_flip = None
            self.close_verb_clause()
        if not self.opening_closed and (self.total or position > OPENING_MAX_WORDS):
            self.opening_closed = True
            self.opening_words = position
            if position <= OPENING_MAX_WORDS and self.total > 0:
                self.opening = self.total

    def close_verb_clause(self) -> None:
        mark = self.verb_mark
        if mark is not None and mark[2] is None:
            before, verb = mark[0] or 0.0, mark[1] or 0.0
            mark[2] = self.total - before - verb

    def sarcastic_total(self) -> float:
        """The total once the sarcasm cues have had their say."""
        self.close_verb_clause()
        total = self.total
        if self.verb_mark is not None:
            verb, after = self.verb_mark[1] or 0.0, self.verb_mark[2] or 0.0
            if (verb > 0 > after) or (verb < 0 < after):
                total -= verb * 1.5
        if self.opening > 0:
            rest = total - self.opening
            if rest < 0 or (rest == 0 and self.repetition):
                total = rest - self.opening
        if self.ironic and total > 0:
            total = -total
        return total


def analyze(text: str, hint: Language | None = None) -> Affect:
    """Score the affect of a player's message.

    Deterministic and pure apart from counting truncations. Only the first
    ``MAX_TEXT_CHARS`` characters are read.

    Args:
        text: The message, as typed.
        hint: The player's language, used when the text itself does not decide.

    Returns:
        The message's :class:`Affect`.
    """
    if len(text) > MAX_TEXT_CHARS:
        TEXT_TRUNCATED.inc()
        log.info("emotion_text_truncated", length=len(text), limit=MAX_TEXT_CHARS)
        text = text[:MAX_TEXT_CHARS]
    raw = clean(text)
    tokens = TOKEN_PATTERN.findall(raw)
    originals = [token[1] for token in tokens if token[1]]
    words = [fold(word) for word in originals]
    language = decide(spanish_minus_english(raw, words), hint)
    table = tables(language)
    emoji = emoji_table()
    heads = table.phrase_heads
    forms: list[str] | None = None
    shouting_counts = not raw.isupper()
    scorer = _Scorer(language)
    scorer.words_total = len(words)
    i = 0
    skip = 0
    for emoticon, _, punct, other in tokens:
        if punct:
            scorer.punctuation(punct, i)
            continue
        if emoticon or other:
            if (emoticon or other) in SARCASM_EMOJI:
                scorer.ironic = True
            found_emoji = emoji.get((emoticon or other).lower())
            if found_emoji is not None:
                scorer.emoji_count += 1
                scorer.total += found_emoji.valence
                scorer.magnitude += abs(found_emoji.valence)
                if found_emoji.emotion != "none":
                    scorer.feel(found_emoji.emotion, abs(found_emoji.valence))
            continue
        index = i
        i += 1
        if skip:
            skip -= 1
            continue
        word = words[index]
        span, phrase = _phrase_at(words, index, table) if word in heads else (0, None)
        if not span:
            if forms is None:
                forms = [phrase_form(w, language) for w in words]
            if forms[index] in table.variant_heads:
                span, phrase = _variant_at(forms, index, table)
                if span and _exact_phrase_overlaps(words, index, span, table):
                    span, phrase = 0, None
        if span:
            skip = span - 1
            if word in table.modifiers and table.modifiers[word].kind == "negator":
                scorer.negation = 0  # "no me hace NINGUNA GRACIA": negative concord
            meaning: Modifier | tuple[Entry, float] | None = (
                phrase if isinstance(phrase, Modifier) else (phrase, 1.0) if phrase else None
            )
        else:
            meaning = classify(word, language)
            if word == "bien" and index + 1 < len(words):
                following = classify(words[index + 1], language)
                if isinstance(following, tuple) and following[0].valence:
                    meaning = DEGREE_BIEN
        if isinstance(meaning, Modifier):
            scorer.modifier(meaning, word)
            continue
        if meaning is not None:
            entry, boost = meaning
            original = originals[index]
            if shouting_counts and len(original) >= 3 and original.isupper():
                boost *= SHOUT_BOOST
                scorer.shout = True
            before = scorer.total
            scorer.entry(entry, boost, word)
            if (
                scorer.verb_mark is None
                and (word in LOVE_VERBS or word in HATE_VERBS)
                and _complement_follows(words, index + 1)
            ):
                scorer.verb_mark = [before, scorer.total - before, None]
        scorer.word_passed(word)
    scorer.repetition = _repeats(words, scorer.opening_words) if scorer.opening else False
    _closing_praise(scorer, words)
    if (
        TRAILING_NOT.search(raw)
        or _praise_in_quotes(raw, language)
        or _trailing_off(scorer, words, raw)
    ):
        scorer.ironic = True
    return _result(scorer, language, len(words))


def _closing_praise(scorer: _Scorer, words: list[str]) -> None:
    """Praise closing a complaint ("Pues nada, a seguir esperando, qué divertido") is irony."""
    tail_words = len(words) - scorer.tail_from
    # The complaint takes two words or more: "Dammit, that's beautiful" is praise.
    if scorer.tail_from < 2 or not 1 <= tail_words <= CLOSING_MAX_WORDS:
        return
    if words[scorer.tail_from] in CONTRAST_WORDS:
        return  # "..., pero gracias": a contrast, not irony
    tail = scorer.total - scorer.tail_total
    if tail > 0 and scorer.tail_total < 0 and scorer.grievance:
        scorer.ironic = True


def _repeats(words: list[str], start: int) -> bool:
    """Whether ``words[start:]`` tell of a repetition ("otra vez", "again", "vuelto a")."""
    rest = words[start:]
    if not REPETITION.isdisjoint(rest):
        return True
    return any(a in RETURN_VERBS and b == "a" for a, b in pairwise(rest))


def _trailing_off(scorer: _Scorer, words: list[str], raw: str) -> bool:
    """A bare word of praise trailing off: "Genial...", "Great…"."""
    return (
        len(words) <= TRAILING_OFF_MAX_WORDS
        and not scorer.emoji_count
        and scorer.total > 0
        and not PRAISE.isdisjoint(words)
        and TRAILING_OFF.search(raw) is not None
    )


def _praise_in_quotes(raw: str, language: Language) -> bool:
    """True when a short quoted span of up to three words is praise."""
    if not any(mark in raw for mark in "\"“«'‘"):
        return False
    for match in SCARE_QUOTED.finditer(raw):
        inside = [fold(w) for w in match.group(1).split()]
        if 1 <= len(inside) <= 3 and not any("'" in w for w in inside):
            found = [lookup(w.strip(".,!?¡¿"), language) for w in inside]
            if any(f is not None and f[0].valence > 0 for f in found):
                return True
    return False


def _complement_follows(words: list[str], at: int) -> bool:
    """A clause starts at ``words[at]`` ("que ...", "how ...", "it when ...", "lo mucho que")."""
    if at < len(words) and words[at] in DEGREE:
        at += 1  # "me alegro MUCHÍSIMO de ...", "so GLAD that ..."
    if at < len(words) and words[at] in COMPLEMENT:
        return True
    return at + 1 < len(words) and words[at] in OBJECT_PRONOUNS and words[at + 1] in COMPLEMENT


def _result(scorer: _Scorer, language: Language, word_count: int) -> Affect:
    total = scorer.sarcastic_total()
    if total:
        total *= 1.0 + EXCLAMATION_STEP * min(scorer.exclamations, 3)
    polarity = total / math.sqrt(total * total + POLARITY_ALPHA)
    intensity = scorer.magnitude / (scorer.magnitude + INTENSITY_HALF)
    intensity += 0.06 * min(scorer.exclamations, 3) + 0.04 * min(scorer.emoji_count, 3)
    intensity += 0.1 if scorer.shout else 0.0
    if scorer.weights:
        emotion = max(scorer.weights.items(), key=lambda item: item[1])[0]
    else:
        emotion = "curiosity" if scorer.question else "none"
    return Affect(
        polarity=max(-1.0, min(1.0, polarity)),
        intensity=max(0.0, min(1.0, intensity)),
        emotion=emotion,
        language=language,
        word_count=word_count,
        is_question=scorer.question,
        emoji_count=scorer.emoji_count,
    )


def warm_up() -> None:
    """Load the lexicons and the language model now, so no message pays for the file reads."""
    for language in LANGUAGES:
        tables(language)
    emoji_table()
    spanish_stems()
    trigram_log_ratios()


warm_up()
