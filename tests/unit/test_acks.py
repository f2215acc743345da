"""AckTracker: only a finished prefix of deliveries is ever acked."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.processor.acks import AckTracker

CHANNEL = object()


@dataclass
class FakeMessage:
    delivery_tag: int
    log: list[tuple[str, int, bool]] = field(default_factory=list)
    channel: object = CHANNEL

    async def ack(self, multiple: bool = False) -> None:
        self.log.append(("ack", self.delivery_tag, multiple))

    async def nack(self, requeue: bool = True) -> None:
        self.log.append(("nack", self.delivery_tag, requeue))


def messages(n: int) -> tuple[list[FakeMessage], list[tuple[str, int, bool]]]:
    log: list[tuple[str, int, bool]] = []
    return [FakeMessage(tag, log) for tag in range(1, n + 1)], log


async def test_later_batch_waits_for_the_earlier_one() -> None:
    msgs, log = messages(6)
    acks = AckTracker()
    for m in msgs:
        acks.delivered(m)  # type: ignore[arg-type]
    await acks.ack(msgs[3:])  # type: ignore[arg-type]  # batch B (4-6) finishes first
    assert log == []
    await acks.ack(msgs[:3])  # type: ignore[arg-type]  # batch A (1-3)
    assert log == [("ack", 6, True)]
    assert len(acks) == 0


async def test_nack_in_the_middle_leaves_the_rest_acked_by_prefix() -> None:
    msgs, log = messages(4)
    acks = AckTracker()
    for m in msgs:
        acks.delivered(m)  # type: ignore[arg-type]
    await acks.ack([msgs[2]])  # type: ignore[list-item]
    await acks.nack([msgs[1]])  # type: ignore[list-item]
    assert log == [("nack", 2, True)]
    await acks.ack([msgs[0]])  # type: ignore[list-item]
    assert log == [("nack", 2, True), ("ack", 3, True)]
    assert len(acks) == 1  # tag 4 still outstanding


async def test_a_reopened_channel_forgets_the_old_deliveries() -> None:
    old, log = messages(3)
    acks = AckTracker()
    for m in old:
        acks.delivered(m)  # type: ignore[arg-type]
    # the broker restarted: tags start again at 1 on a new channel
    new = [FakeMessage(tag, log, channel=object()) for tag in (1, 2)]
    new[1].channel = new[0].channel
    for m in new:
        acks.delivered(m)  # type: ignore[arg-type]
    await acks.ack(old)  # type: ignore[arg-type]  # late results of the old channel: ignored
    assert log == []
    await acks.ack(new)  # type: ignore[arg-type]
    assert log == [("ack", 2, True)]
    assert len(acks) == 0


async def test_a_message_of_a_closed_channel_is_skipped() -> None:
    from aio_pika.exceptions import ChannelInvalidStateError

    class Closed:
        delivery_tag = 1

        @property
        def channel(self) -> object:
            raise ChannelInvalidStateError

    msgs, log = messages(1)
    acks = AckTracker()
    acks.delivered(msgs[0])  # type: ignore[arg-type]
    await acks.ack([Closed()])  # type: ignore[list-item]
    assert log == []
    assert len(acks) == 1
