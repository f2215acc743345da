"""Settling deliveries when batches finish out of order.

Two batches may be in flight at once, so a finished batch cannot simply ack
`multiple=True` up to its highest tag: that could ack messages of the other,
unfinished batch. The tracker remembers which tags are settled and acks the
longest finished prefix of the channel's deliveries in one frame.

Delivery tags belong to one channel. When the robust connection re-opens the
channel after a broker restart, the broker has already requeued everything
unacked on the old one, so those deliveries are forgotten (their work, if it
committed, is deduplicated when they come back).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterable

from aio_pika.abc import AbstractIncomingMessage
from aio_pika.exceptions import ChannelInvalidStateError
from aiormq.exceptions import AMQPError


def _channel_of(message: AbstractIncomingMessage) -> object:
    """The message's channel, or None once it is closed (aio-pika raises then)."""
    try:
        return message.channel
    except ChannelInvalidStateError:
        return None


class AckTracker:
    """Delivered tags of the current channel in arrival (= tag) order, and which are done."""

    def __init__(self) -> None:
        self._tags: OrderedDict[int, AbstractIncomingMessage | None] = OrderedDict()
        self._channel: object = None

    def delivered(self, message: AbstractIncomingMessage) -> None:
        channel = _channel_of(message)
        if channel is not self._channel:
            self._tags.clear()  # a new channel: the old one's deliveries were requeued
            self._channel = channel
        if message.delivery_tag is not None:
            self._tags[message.delivery_tag] = None

    def _current(self, message: AbstractIncomingMessage) -> bool:
        channel = _channel_of(message)
        return (
            channel is not None and channel is self._channel and message.delivery_tag in self._tags
        )

    def _finished_prefix(self) -> AbstractIncomingMessage | None:
        """Pop the settled prefix; the last of it if it still needs a positive ack."""
        last: AbstractIncomingMessage | None = None
        while self._tags:
            settled = next(iter(self._tags.values()))
            if settled is None:
                break
            self._tags.popitem(last=False)
            last = settled
        return last

    async def _ack_prefix(self) -> None:
        last = self._finished_prefix()
        if last is not None:
            with contextlib.suppress(ChannelInvalidStateError, AMQPError):
                await last.ack(multiple=True)

    async def ack(self, messages: Iterable[AbstractIncomingMessage]) -> None:
        """Mark `messages` applied; ack every finished message up to the first unfinished one."""
        for m in messages:
            if self._current(m) and m.delivery_tag is not None:
                self._tags[m.delivery_tag] = m
        await self._ack_prefix()

    async def nack(self, messages: Iterable[AbstractIncomingMessage]) -> None:
        """Return `messages` to the broker now (requeue); they leave the tracker."""
        for m in messages:
            if self._current(m) and m.delivery_tag is not None:
                with contextlib.suppress(ChannelInvalidStateError, AMQPError):
                    await m.nack(requeue=True)
                self._tags.pop(m.delivery_tag, None)
        await self._ack_prefix()

    def __len__(self) -> int:
        return len(self._tags)
