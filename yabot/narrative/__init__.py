"""Ink stories: compiled-story library, the pure turn engine, tokens and rendering.

Typical use from a player's actor::

    library = StoryLibrary(Path("stories")); library.load_all()
    engine = NarrativeEngine(library, max_message_chars=4000)
    turn = engine.begin("diana", variables)             # first moment
    turn = engine.choose("diana", turn.state, token, index, variables)
    messages = render_turn(turn, chat_id, lang)        # Bot API sendMessage params
"""

from yabot.narrative.effects import Effect, parse_tags
from yabot.narrative.engine import (
    Choice,
    NarrativeEngine,
    NotAskingError,
    SaveInfo,
    StaleTurnError,
    StoryRuntimeError,
    Turn,
    peek,
)
from yabot.narrative.errors import (
    InvalidChoiceError,
    NarrativeError,
    StoryLoadError,
    UnknownStoryError,
)
from yabot.narrative.library import CompiledStory, StoryLibrary
from yabot.narrative.render import render_stale_notice, render_turn, resolve_language
from yabot.narrative.splitting import split_text, telegram_length
from yabot.narrative.tokens import decode_choice, encode_choice, next_token

__all__ = [
    "Choice",
    "CompiledStory",
    "Effect",
    "InvalidChoiceError",
    "NarrativeEngine",
    "NarrativeError",
    "NotAskingError",
    "SaveInfo",
    "StaleTurnError",
    "StoryLibrary",
    "StoryLoadError",
    "StoryRuntimeError",
    "Turn",
    "UnknownStoryError",
    "decode_choice",
    "encode_choice",
    "next_token",
    "parse_tags",
    "peek",
    "render_stale_notice",
    "render_turn",
    "resolve_language",
    "split_text",
    "telegram_length",
]
