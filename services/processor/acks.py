"""Settling deliveries when batches finish out of order.

Two batches may be in flight at once, so a finished batch cannot simply ack
`multiple=True` up to its highest tag: that could ack messages of the other,
unfinished batch. The tracker remembers which tags are settled and acks the
longest finished prefix of the channel's deliveries in one frame.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from aio_pika.abc import AbstractIncomingMessage


class AckTracker:
    """Delivered tags in arrival order (= tag order on one channel), and which are done."""

    def __init__(self) -> None:
        self._tags: OrderedDict[int, AbstractIncomingMessage | None] = OrderedDict()

    def delivered(self, message: AbstractIncomingMessage) -> None:
        if message.delivery_tag is not None:
            self._tags[message.delivery_tag] = None

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

    async def ack(self, messages: Iterable[AbstractIncomingMessage]) -> None:
        """Mark `messages` applied; ack every finished message up to the first unfinished one."""
        for m in messages:
            if m.delivery_tag is not None and m.delivery_tag in self._tags:
                self._tags[m.delivery_tag] = m
        last = self._finished_prefix()
        if last is not None:
            await last.ack(multiple=True)

    async def nack(self, messages: Iterable[AbstractIncomingMessage]) -> None:
        """Return `messages` to the broker now (requeue); they leave the tracker."""
        for m in messages:
            await m.nack(requeue=True)
            self._tags.pop(m.delivery_tag or -1, None)
        last = self._finished_prefix()
        if last is not None:
            await last.ack(multiple=True)

    def __len__(self) -> int:
        return len(self._tags)
