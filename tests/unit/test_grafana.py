"""deploy/grafana/bounceflow.json charts only metrics the services export."""

from __future__ import annotations

import json
import re
from pathlib import Path

from services.ingest.metrics import HttpMetrics
from services.notifier.metrics import NotifierMetrics

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "bounceflow.json"


def exported() -> set[str]:
    names: set[str] = set()
    for registry in (HttpMetrics.create().registry, NotifierMetrics.create().registry):
        for family in registry.collect():
            # labelled families have no samples until used: name them from their type
            suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
            names.update(family.name + s for s in suffixes.get(family.type, ("",)))
    return names


def test_every_panel_queries_exported_metrics() -> None:
    doc = json.loads(DASHBOARD.read_text())
    assert doc["uid"] == "bounceflow"
    known = exported()
    panels = [p for p in doc["panels"] if p["type"] != "row"]
    used = set()
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used.update(re.findall(r"\bbounceflow_\w+", target["expr"]))
    assert used <= known, used - known
    # every metric family is on the dashboard
    families = {re.sub(r"_(total|bucket|sum|count|created)$", "", n) for n in known}
    charted = {re.sub(r"_(total|bucket|sum|count|created)$", "", n) for n in used}
    assert families == charted
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids))
