"""Errors raised by the narrative package."""

from __future__ import annotations


class NarrativeError(Exception):
    """Base class of every narrative error."""


class UnknownStoryError(NarrativeError):
    """No story with this id is loaded."""


class StoryLoadError(NarrativeError):
    """A compiled story could not be read or parsed; the previous version stays in use."""


class InvalidChoiceError(NarrativeError):
    """The choice index does not name a visible choice of the current moment."""
