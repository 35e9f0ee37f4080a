"""Frames on the socket between the bot's process and the webhook process.

A frame is one type byte, a 4-byte big-endian length and the payload. Both ends read in
chunks and parse every whole frame in a chunk, and write the frames of one event-loop turn in
one ``write``: at 1,000 updates/s there are several frames per update in each direction.
"""

from __future__ import annotations

import asyncio
import struct

HEADER = struct.Struct(">cI")
MAX_FRAME = 16 * 1024 * 1024
READ_CHUNK = 256 * 1024


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    """Encode one frame."""
    return HEADER.pack(kind, len(payload)) + payload


class FrameReader:
    """Reads frames from a stream, many per read.

    Args:
        reader: The stream to read from.
    """

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._buffer = bytearray()

    async def frames(self) -> list[tuple[bytes, bytes]]:
        """Wait for data; return the whole frames it completed, in order (maybe none).

        Raises:
            asyncio.IncompleteReadError: The stream ended (mid-frame or not).
            ValueError: A frame announced more than ``MAX_FRAME`` bytes.
        """
        chunk = await self._reader.read(READ_CHUNK)
        if not chunk:
            raise asyncio.IncompleteReadError(bytes(self._buffer), None)
        self._buffer += chunk
        return self._complete()

    def _complete(self) -> list[tuple[bytes, bytes]]:
        buffer = self._buffer
        start = 0
        parsed: list[tuple[bytes, bytes]] = []
        while len(buffer) - start >= HEADER.size:
            kind, size = HEADER.unpack_from(buffer, start)
            if size > MAX_FRAME:
                raise ValueError(f"frame of {size} bytes")
            end = start + HEADER.size + size
            if end > len(buffer):
                break
            parsed.append((kind, bytes(buffer[start + HEADER.size : end])))
            start = end
        del buffer[:start]
        return parsed


class FrameWriter:
    """Queues frames and writes those of one event-loop turn together (loop thread only).

    Args:
        writer: The stream to write to.
    """

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._queued: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def send(self, kind: bytes, payload: bytes = b"") -> None:
        """Queue a frame; it is written at the end of this loop turn."""
        if not self._queued:
            self._loop.call_soon(self.flush)
        self._queued.append(frame(kind, payload))

    def flush(self) -> None:
        """Write what is queued now (a closed stream drops it: the peer is gone)."""
        if not self._queued:
            return
        data = b"".join(self._queued)
        self._queued.clear()
        if not self._writer.is_closing():
            self._writer.write(data)

    async def drain(self) -> None:
        """Wait while the stream's buffer is above its high-water mark."""
        await self._writer.drain()

    def close(self) -> None:
        """Write what is queued, then close the stream."""
        self.flush()
        self._writer.close()
