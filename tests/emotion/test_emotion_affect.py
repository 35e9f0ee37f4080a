"""Negation, intensifiers, emoji, elongation and accents change affect as a reader expects."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from yabot.emotion import analyze
from yabot.emotion.affect import MAX_TEXT_CHARS


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("Me gusta", "No me gusta"),
        ("Estoy triste", "No estoy triste"),
        ("Confío en él", "Nunca confío en él"),
        ("Tengo miedo", "Sin miedo"),
        ("I like it", "I don't like it"),
        ("I am happy", "I am not happy"),
        ("I trust him", "I never trust him"),
        ("That was bad", "That wasn't bad"),
    ],
)
def test_negation_flips_polarity(plain: str, negated: str) -> None:
    before, after = analyze(plain).polarity, analyze(negated).polarity
    assert before * after < 0, (before, after)


def test_negation_scope_ends_at_punctuation() -> None:
    assert analyze("No, me encanta").polarity > 0.3
    assert analyze("No. I love it").polarity > 0.3


def test_spanish_double_negation_is_still_one_negation() -> None:
    assert analyze("No me gusta nada").polarity < -0.2
    assert analyze("Nada mal").polarity > 0.2


def test_never_so_praises_rather_than_denies() -> None:
    assert analyze("Nunca había visto algo tan hermoso").polarity > 0.3
    assert analyze("I've never seen anything so beautiful").polarity > 0.3


@pytest.mark.parametrize(
    ("base", "stronger", "weaker"),
    [
        ("Estoy triste", "Estoy muy triste", "Estoy un poco triste"),
        ("Es bonito", "Es súper bonito", "Es ligeramente bonito"),
        ("I'm sad", "I'm really sad", "I'm slightly sad"),
        ("It is good", "It is extremely good", "It is kind of good"),
    ],
)
def test_intensifiers_and_diminishers_scale_the_next_word(
    base: str, stronger: str, weaker: str
) -> None:
    b, s, w = (abs(analyze(t).polarity) for t in (base, stronger, weaker))
    assert w < b < s
    assert analyze(stronger).intensity > analyze(weaker).intensity


def test_poco_without_un_denies() -> None:
    assert analyze("Es poco interesante").polarity < 0 < analyze("Es un poco interesante").polarity


def test_contrast_weighs_what_follows() -> None:
    assert analyze("Es triste pero me encanta").polarity > 0
    assert analyze("It's lovely but I'm scared").polarity < 0


@pytest.mark.parametrize(
    ("text", "sign", "emotion"),
    [
        ("😍", 1, "joy"),
        ("❤️", 1, "joy"),
        ("👍🏽", 1, "trust"),
        ("😭", -1, "sadness"),
        ("😡", -1, "anger"),
        (":)", 1, "joy"),
        (":-(", -1, "sadness"),
        ("xD", 1, "joy"),
        ("<3", 1, "joy"),
        (":'(", -1, "sadness"),
    ],
)
def test_emoji_and_emoticons(text: str, sign: int, emotion: str) -> None:
    affect = analyze(text)
    assert affect.polarity * sign > 0.2
    assert affect.emotion == emotion
    assert affect.emoji_count == 1


def test_emoji_tip_a_neutral_sentence() -> None:
    assert analyze("Voy a abrir la puerta").label == "neutral"
    assert analyze("Voy a abrir la puerta 😱").label == "negative"
    assert analyze("I open the door 😊").label == "positive"


def test_urls_are_not_emoticons() -> None:
    assert analyze("mira http://example.com/a").emoji_count == 0


@pytest.mark.parametrize(
    ("plain", "variant"),
    [("genial", "geniaaal"), ("feliz", "feliiiiz"), ("triste", "tristé"), ("triste", "TRISTE"),
     ("great", "greeeat"), ("sad", "saaad"), ("miedo", "Míedo")],
)  # fmt: skip
def test_elongations_accents_and_case_keep_the_meaning(plain: str, variant: str) -> None:
    a, b = analyze(plain), analyze(variant)
    assert a.polarity * b.polarity > 0
    assert a.emotion == b.emotion
    assert abs(b.polarity) >= abs(a.polarity) - 1e-9


def test_inflections_are_found() -> None:
    assert analyze("tristísima").polarity < analyze("triste").polarity < 0
    assert analyze("contentas").label == "positive"
    assert analyze("tristemente").label == "negative"
    assert analyze("happily").label == "positive"
    assert analyze("she worries").label == "negative"


def test_shouting_and_exclamations_raise_intensity() -> None:
    calm = analyze("me encanta")
    assert analyze("ME ENCANTA mucho esto").intensity > calm.intensity
    assert analyze("me encanta!!!").intensity > calm.intensity


def test_result_fields() -> None:
    affect = analyze("¿Por qué Lucien me mira así? Me da miedo 😨")
    assert affect.language == "es"
    assert affect.is_question
    assert affect.emotion == "fear"
    assert affect.label == "negative"
    assert affect.word_count == 9
    assert -1 <= affect.polarity <= 1 and 0 <= affect.intensity <= 1


def test_questions_without_feelings_read_as_curiosity() -> None:
    affect = analyze("Who wrote this letter?")
    assert (affect.label, affect.emotion, affect.language) == ("neutral", "curiosity", "en")


def test_empty_and_symbol_only_text_is_neutral() -> None:
    for text in ("", "   ", "...", "12345", "#@!"):
        affect = analyze(text)
        assert affect.polarity == 0 and affect.emotion == "none"


def test_very_long_text_is_cut_and_counted() -> None:
    def truncated() -> float:
        return REGISTRY.get_sample_value("yabot_emotion_text_truncated_total") or 0.0

    before = truncated()
    long_text = "feliz " * 1000
    affect = analyze(long_text)
    assert truncated() == before + 1
    assert affect.word_count <= MAX_TEXT_CHARS // 5 + 1
    assert affect.label == "positive"


@pytest.mark.parametrize("laugh", ["jajajajaja", "JAJAJA", "jejeje", "hahahahaha", "lolol"])
def test_written_laughter_is_joy(laugh: str) -> None:
    affect = analyze(laugh)
    assert (affect.label, affect.emotion) == ("positive", "joy")


def test_words_that_merely_start_like_laughter_are_not_laughter() -> None:
    assert analyze("Hay una jaula en el jardín").label == "neutral"
    assert analyze("She has a hat").label == "neutral"
