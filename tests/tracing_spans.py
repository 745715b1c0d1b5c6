"""Reading the spans a test's OtlpReceiver decoded: by trace, by parent chain, by attribute."""

from collections import defaultdict
from dataclasses import dataclass

from tests.otlp_receiver import OtlpReceiver, ReceivedSpan


@dataclass
class Traces:
    provider: object
    receiver: OtlpReceiver

    def collected(self) -> list[ReceivedSpan]:
        assert self.provider.force_flush(10_000)
        return list(self.receiver.spans)

    def reset(self) -> None:
        """Forget the spans so far (those of a test's setup)."""
        self.collected()
        self.receiver.spans.clear()

    def by_trace(self) -> dict[str, list[ReceivedSpan]]:
        traces = defaultdict(list)
        for span in self.collected():
            traces[span.trace_id].append(span)
        return dict(traces)


def ancestors(span: ReceivedSpan, spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
    """The chain of `span`'s parents within `spans`, nearest first."""
    by_id = {candidate.span_id: candidate for candidate in spans}
    chain = []
    while span.parent_span_id in by_id:
        span = by_id[span.parent_span_id]
        chain.append(span)
    return chain


def only(spans: list[ReceivedSpan], **attributes) -> ReceivedSpan:
    """The one span whose attributes include `attributes`."""
    found = [s for s in spans if all(s.attributes.get(k) == v for k, v in attributes.items())]
    assert len(found) == 1, [s.name for s in spans]
    return found[0]
