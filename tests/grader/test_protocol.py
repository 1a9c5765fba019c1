"""The wire format: jobs round-trip, lines decode with one cap, event order is enforced."""

from __future__ import annotations

import json

from d2lgrade.protocol import (
    GRADER_CHANGED,
    Job,
    Limits,
    LineDecoder,
    ProbeJob,
    RunRecord,
    encode,
)


def test_a_job_survives_the_trip_through_json():
    job = Job(
        ["x = 1"],
        [ProbeJob("t", "p", ["x"], "def p(x):\n    return x", 3.0)],
        Limits(cell_seconds=5.0),
        "7",
        61007,
    )
    assert Job.from_json(job.to_json()) == job


def test_the_decoder_splits_lines_across_chunks_and_drops_what_is_not_an_object():
    decoder = LineDecoder()
    stream = encode({"event": "start"}) + b"garbage\n[1, 2]\n" + encode({"event": "end"})
    messages = [m for i in range(0, len(stream), 5) for m in decoder.feed(stream[i : i + 5])]
    assert messages == [{"event": "start"}, {"event": "end"}]
    assert decoder.feed(b'{"tail": 1}') == [] and decoder.finish() == [{"tail": 1}]


def test_the_decoder_stops_keeping_at_its_limit_but_keeps_reading():
    decoder = LineDecoder(limit=100)
    assert decoder.feed(encode({"a": "x" * 10}))
    assert decoder.feed(encode({"b": "y" * 200})) == []
    assert decoder.overflowed and decoder.feed(encode({"c": 1})) == [] and decoder.finish() == []


def _events(n_cells: int, n_probes: int) -> list[dict]:
    return (
        [{"event": "start"}]
        + [
            {"event": "cell", "index": i, "ok": True, "error": None, "seconds": 0.1}
            for i in range(n_cells)
        ]
        + [{"event": "probe", "index": i, "ok": True, "value": i} for i in range(n_probes)]
        + [{"event": "end"}]
    )


def test_a_run_in_order_is_accepted_whole():
    record = RunRecord.from_events(_events(3, 2), 3, 2)
    assert record.ended and not record.interfered
    assert sorted(record.cells) == [0, 1, 2] and record.probes[1].value == 1


def test_a_run_cut_short_keeps_what_it_reported():
    record = RunRecord.from_events(_events(3, 2)[:3], 3, 2)
    assert not record.ended and not record.interfered and sorted(record.cells) == [0, 1]


def test_any_break_of_the_order_marks_the_run_as_interfered_with():
    good = _events(3, 2)
    forged_cell = {"event": "cell", "index": 2, "ok": True, "error": None, "seconds": 0.0}
    variants = {
        "repeated cell": good[:2] + [good[1]] + good[2:],
        "cell from the future": good[:2] + [forged_cell] + good[2:],
        "probe before the cells end": good[:2] + [good[4]] + good[2:],
        "complete forged run, then the real one": good[:2] + good[2:] + good[2:],
        "wrong field type": good[:2] + [dict(good[2], ok="yes")] + good[3:],
        "second start": good[:1] + good[:1] + good[1:],
        "event after the end": good + [good[1]],
        "end before all cells": good[:2] + [good[-1]],
    }
    for name, events in variants.items():
        record = RunRecord.from_events(json.loads(json.dumps(events)), 3, 2)
        assert record.interfered, name
        assert not record.cells and not record.probes, name


def test_a_cell_event_carries_its_exception_type_and_a_malformed_one_is_interference():
    def run(cell_event):
        events = [{"event": "start"}, cell_event, {"event": "end"}]
        return RunRecord.from_events(events, 1, 0)

    cell = {"event": "cell", "index": 0, "ok": False, "error": "ValueError: x", "seconds": 0.1}
    assert run({**cell, "error_type": "ValueError"}).cells[0].error_type == "ValueError"
    assert run(cell).cells[0].error_type is None
    assert run({**cell, "error_type": ["ValueError"]}).interfered


def test_limits_name_the_runners_resource_limits_and_add_a_process_base_explicitly():
    limits = Limits(memory_bytes=1024, processes=10)
    assert limits.with_process_base(5).processes == 15 and limits.processes == 10
    assert limits.resource_limits()["RLIMIT_DATA"] == 1024
    assert limits.resource_limits()["RLIMIT_NPROC"] == 10


def test_the_runner_reporting_a_changed_grader_ends_the_run_with_what_changed():
    changed = {"event": GRADER_CHANGED, "what": "d2lgrade.inside.monitor.CallMonitor.count"}
    record = RunRecord.from_events(_events(3, 2)[:4] + [changed], 3, 2)
    assert record.interfered and not record.probes
    assert record.grader_changed == "d2lgrade.inside.monitor.CallMonitor.count"
    assert RunRecord.from_events(_events(3, 2)[:4] + [{"event": "x"}], 3, 2).grader_changed is None
