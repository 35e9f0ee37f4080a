"""The scorer's rules beyond the lexicon: sarcasm, negation scope and concord, degree words,
stems, borrowing between languages, and vaderSentiment's English tables read offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from yabot.emotion import analyze
from yabot.emotion.lexicon import spanish_stem, tables, vader_english


def label(text: str, language: str) -> str:
    return analyze(text, hint=language).label  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Estupendo, otra vez la misma escena", "es"),
        ("Genial, se ha roto todo", "es"),
        ("Fantastic, another broken lamp", "en"),
        ("Lovely, the app crashed", "en"),
    ],
)
def test_praise_opening_a_complaint_or_a_repetition_is_sarcasm(text: str, language: str) -> None:
    assert label(text, language) == "negative"


@pytest.mark.parametrize(
    ("text", "language"),
    [("Genial, sigue así", "es"), ("Great, thanks!", "en"), ("Perfecto, adelante", "es")],
)
def test_praise_followed_by_nothing_negative_stays_praise(text: str, language: str) -> None:
    assert label(text, language) == "positive"


def test_an_eye_roll_or_a_trailing_not_turns_praise_around() -> None:
    assert label("Qué idea tan brillante 🙄", "es") == "negative"
    assert label("Qué idea tan brillante", "es") == "positive"
    assert label("Such a smart plan... not", "en") == "negative"
    assert label("Such a smart plan", "en") == "positive"


def test_an_affect_verb_takes_the_side_of_its_clause() -> None:
    assert label("Me encanta que me mientan", "es") == "negative"
    assert label("I love it when people lie to me", "en") == "negative"
    assert label("I hate how much I adore this book", "en") == "positive"
    assert label("Odio lo mucho que me gusta este libro", "es") == "positive"
    assert label("Me encanta cómo escribes", "es") == "positive"


def test_negative_concord_is_one_negation() -> None:
    assert label("No me hace ninguna gracia", "es") == "negative"
    assert label("No tiene ninguna gracia", "es") == "negative"


def test_negation_reaches_over_clitics_and_auxiliaries() -> None:
    assert label("Ninguna de las opciones me gusta", "es") == "negative"
    assert label("No me lo ha parecido bonito", "es") == "negative"


def test_bien_before_a_rated_word_is_a_degree() -> None:
    a, b = analyze("está feo", hint="es"), analyze("está bien feo", hint="es")
    assert a.polarity < 0 and b.polarity < a.polarity
    assert label("Estoy bien", "es") == "positive"


def test_spanish_stems_reach_unlisted_inflections() -> None:
    assert spanish_stem("aburrimiento") == spanish_stem("aburridas") == "aburr"
    assert label("Me aburrían sus discursos", "es") == "negative"
    assert label("Nos divertimos muchísimo", "es") == "positive"


def test_words_spelt_alike_are_not_borrowed_across_languages() -> None:
    # English "sin" (-) and "ha" (+), VADER's, mean "without" and "has" in Spanish.
    assert label("Ha llegado la carta sin sobre", "es") == "neutral"
    assert label("I'd like my coffee sin azúcar", "en") != "negative"


def test_code_switched_words_are_read_in_their_own_language() -> None:
    assert label("Este capítulo fue amazing", "es") == "positive"
    assert label("That scene was muy triste", "en") == "negative"


def test_vader_tables_come_from_the_installed_package() -> None:
    import vaderSentiment

    vader = vader_english()
    assert len(vader.words) > 5000 and vader.emoji_descriptions
    assert (Path(vaderSentiment.__file__).parent / "vader_lexicon.txt").is_file()
    english = tables("en").words
    assert "abhor" in english and english["abhor"].valence < 0  # a word only VADER lists
    assert "genial" not in english or english["genial"] == tables("es").words.get("genial")


def test_acknowledgements_are_neutral() -> None:
    for text, language in [("ok", "en"), ("Okay", "en"), ("vale", "es"), ("Sí", "es")]:
        assert label(text, language) == "neutral"


def test_praise_in_scare_quotes_is_irony_but_contractions_are_not_quotes() -> None:
    assert label('Muy "divertido" todo esto', "es") == "negative"
    assert label("So “helpful”, thanks", "en") == "negative"
    assert label("That's lovely, isn't it", "en") == "positive"


def test_a_question_or_exclamation_mark_ends_the_negation() -> None:
    assert label("It's great, isn't it? I'm happy", "en") == "positive"
    assert label("¡No! Me encanta", "es") == "positive"


def test_cant_stop_intensifies_instead_of_negating() -> None:
    assert label("I couldn't stop crying", "en") == "negative"
    assert label("I can't stop smiling", "en") == "positive"
    assert label("No podía dejar de reír", "es") == "positive"
    assert label("I'm so mad", "en") == "negative"


def test_bare_praise_trailing_off_is_resignation() -> None:
    assert label("Genial...", "es") == "negative"
    assert label("Great…", "en") == "negative"
    assert label("Genial!", "es") == "positive"
    assert label("Gracias...", "es") == "positive"


def test_never_so_much_is_praise_not_denial() -> None:
    assert label("Nunca pensé que me gustaría tanto", "es") == "positive"
    assert label("I never thought I'd like it this much", "en") == "positive"
    assert label("Nunca me había decepcionado tanto un libro", "es") == "negative"
    assert label("I never liked him", "en") == "negative"


def test_neutral_words_leave_the_negation_to_the_next_rated_word() -> None:
    assert label("No hay ni un solo capítulo malo", "es") == "positive"


def test_as_if_and_dont_think_negate_what_follows() -> None:
    assert label("Sí, claro, como si fuera tan fácil", "es") == "negative"
    assert label("I don't think she is honest", "en") == "negative"


def test_a_repetition_after_praise_counts_wherever_it_is() -> None:
    assert label("Qué maravilla, se ha vuelto a colgar", "es") == "negative"
    assert label("Wonderful, now it won't load either", "en") == "negative"
    assert label("So good to see you again, Diana", "en") == "positive"


def test_spanish_enclitic_pronouns_are_read_off_the_verb() -> None:
    assert label("Es fácil odiarlo", "es") == "negative"
    assert label("Me alegro muchísimo de perderlo todo", "es") == "negative"


def test_negating_prefixes_and_less_turn_a_rated_stem_around() -> None:
    assert label("So uninspiring", "en") == "negative"
    assert label("A flawless ending", "en") == "positive"
    assert label("Lucien is heartless", "en") == "negative"
    assert label("Me pareció deshonesto", "es") == "negative"
    assert label("It's invaluable", "en") == "positive"


def test_praise_closing_a_complaint_is_irony() -> None:
    assert label("Pues nada, a seguir esperando, qué divertido", "es") == "negative"
    assert label("The app crashed again. Great.", "en") == "negative"
    assert label("Lloré mucho. Precioso", "es") == "positive"
    assert label("I was scared. Loved it!", "en") == "positive"
    assert label("Fue duro, pero gracias", "es") == "positive"


def test_didnt_expect_and_you_have_no_idea_are_not_negations() -> None:
    assert label("I didn't expect so much cruelty", "en") == "negative"
    assert label("No sabes lo bien que me ha sentado", "es") == "positive"


def test_idioms_match_in_other_tenses_and_persons() -> None:
    # listed as "la gota que colmó el vaso", "llegó al alma", "en su salsa"
    assert label("Esto es la gota que colma el vaso", "es") == "negative"
    assert label("Me ha llegado al alma", "es") == "positive"
    assert label("Estoy en mi salsa", "es") == "positive"
    assert label("It warms my heart", "en") == "positive"
    # an exact phrase running past a loose match wins: "una sonrisa tonta" is praise
    assert label("Me ha sacado una sonrisa tonta", "es") == "positive"


def test_two_negations_cancel_and_a_modal_praises_the_comparative() -> None:
    assert label("There's nothing I don't love about this story", "en") == "positive"
    assert label("No hay nada que no me encante de esta historia", "es") == "positive"
    assert label("No me gustó nada", "es") == "negative"  # concord: one negation
    assert label("It couldn't have turned out better", "en") == "positive"
    assert label("No podría haber salido mejor", "es") == "positive"
    assert label("No es mejor que el anterior", "es") == "negative"
