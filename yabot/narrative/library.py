"""The library of compiled stories: loaded from disk, versioned, replaceable while running."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bink.story import Story

from yabot.narrative.errors import StoryLoadError, UnknownStoryError
from yabot.narrative.metrics import STORY_LOADS
from yabot.observability.logging import get_logger

log = get_logger(__name__)

COMPILED_DIR = "compiled"


@dataclass(frozen=True)
class CompiledStory:
    """One version of a compiled story, shared by every worker thread (immutable).

    Attributes:
        story_id: The story's id (its folder name under the stories directory).
        version: First 16 hex digits of the compiled JSON's sha256.
        json_text: The compiled ink JSON (no BOM).
        variables: Global ink variables the story declares.
        knots: Top-level knot names (used to restart a chapter after an incompatible update).
    """

    story_id: str
    version: str
    json_text: str
    variables: frozenset[str]
    knots: frozenset[str]

    @classmethod
    def from_json(cls, story_id: str, json_text: str) -> CompiledStory:
        """Build a story version from compiled ink JSON.

        Raises:
            StoryLoadError: The text is not compiled ink JSON.
        """
        json_text = json_text.lstrip("\ufeff")
        try:
            data = json.loads(json_text)
            root = data["root"]
            named: dict[str, Any] = root[-1] if isinstance(root[-1], dict) else {}
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise StoryLoadError(f"story {story_id!r}: not compiled ink JSON ({exc})") from exc
        declarations = named.get("global decl") or []
        variables = frozenset(
            item["VAR="] for item in declarations if isinstance(item, dict) and "VAR=" in item
        )
        knots = frozenset(k for k in named if k != "global decl" and not k.startswith("#"))
        version = hashlib.sha256(json_text.encode("utf-8")).hexdigest()[:16]
        return cls(story_id, version, json_text, variables, knots)


def compiled_path(stories_dir: Path, story_id: str) -> Path:
    """Where the compiled JSON of ``stories/<id>/<id>.ink`` lives."""
    return stories_dir / story_id / COMPILED_DIR / f"{story_id}.json"


class StoryLibrary:
    """Compiled stories by id; each replacement makes a new version.

    Reads are lock-free (a dict lookup of an immutable value); replacements are serialised.

    Args:
        stories_dir: The folder holding ``<id>/compiled/<id>.json`` files.
    """

    def __init__(self, stories_dir: Path) -> None:
        self._dir = stories_dir
        self._stories: dict[str, CompiledStory] = {}
        self._lock = threading.Lock()

    def load_all(self) -> list[str]:
        """Load every compiled story under the stories directory.

        Returns:
            The ids loaded, sorted.

        Raises:
            StoryLoadError: A compiled story is unreadable or invalid (nothing is replaced).
        """
        found = sorted(self._dir.glob(f"*/{COMPILED_DIR}/*.json"))
        ids = [p.stem for p in found if p.parent.parent.name == p.stem]
        loaded = [self._read(story_id) for story_id in ids]
        for story in loaded:
            self.install(story)
        return ids

    def reload(self, story_id: str) -> CompiledStory:
        """Re-read one story from disk and install it if it changed.

        Raises:
            StoryLoadError: The file is missing or invalid; the current version stays.
        """
        return self.install(self._read(story_id))

    def replace(self, story_id: str, json_text: str) -> CompiledStory:
        """Install new compiled JSON for ``story_id`` (validated by parsing it once).

        Raises:
            StoryLoadError: The JSON is invalid; the current version stays.
        """
        return self.install(CompiledStory.from_json(story_id, json_text))

    def install(self, story: CompiledStory) -> CompiledStory:
        """Validate ``story`` with the ink runtime and make it the current version.

        Raises:
            StoryLoadError: The ink runtime refuses it; the current version stays.
        """
        current = self._stories.get(story.story_id)
        if current is not None and current.version == story.version:
            return current
        try:
            Story(story.json_text)
        except RuntimeError as exc:
            STORY_LOADS.labels(story.story_id, "refused").inc()
            log.error("narrative.story_refused", story=story.story_id, error=str(exc)[:200])
            raise StoryLoadError(
                f"story {story.story_id!r}: ink runtime refused it ({exc})"
            ) from exc
        with self._lock:
            self._stories[story.story_id] = story
        STORY_LOADS.labels(story.story_id, "loaded").inc()
        log.info(
            "narrative.story_loaded",
            story=story.story_id,
            version=story.version,
            previous=current.version if current else None,
        )
        return story

    def get(self, story_id: str) -> CompiledStory:
        """The current version of ``story_id``.

        Raises:
            UnknownStoryError: No such story is loaded.
        """
        try:
            return self._stories[story_id]
        except KeyError:
            raise UnknownStoryError(f"no story {story_id!r} is loaded") from None

    def ids(self) -> list[str]:
        """Ids of the loaded stories, sorted."""
        return sorted(self._stories)

    def _read(self, story_id: str) -> CompiledStory:
        path = compiled_path(self._dir, story_id)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            STORY_LOADS.labels(story_id, "refused").inc()
            raise StoryLoadError(f"story {story_id!r}: cannot read {path} ({exc})") from exc
        return CompiledStory.from_json(story_id, text)
