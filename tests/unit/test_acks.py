"""AckTracker: only a finished prefix of deliveries is ever acked."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.processor.acks import AckTracker


@dataclass
class FakeMessage:
    delivery_tag: int
    log: list[tuple[str, int, bool]] = field(default_factory=list)

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
