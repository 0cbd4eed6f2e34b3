"""A 100,000-record file validates with bounded memory (measured, never timed)."""

import tracemalloc

from lrs.batchfiles import LRB_HEADINGS, validate_file
from tests.batchfiles.conftest import TODAY, UKPRN, name

RECORDS = 100_000
NOTES = "Notes about this learner kept by the provider. " * 3


def _write_big_csv(path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(LRB_HEADINGS) + "\r\n")
        for i in range(RECORDS):
            head = f"2A,{name()},{UKPRN},{RECORDS}" if i == 0 else ",,,"
            out.write(
                f"{head},,M{i:07d},Mx,Learner,,Middle,Family,,,Some School,"
                f"{i} Long Street Name,Flat {i % 50},Coventry,West Midlands,CV4 9EE,,"
                f"{1980 + i % 25}-0{1 + i % 9}-1{i % 9},Coventry,,{i % 3},GB,,1,2,,"
                f"{NOTES}\r\n"
            )


def test_a_100000_record_csv_validates_with_peak_memory_far_below_the_file(tmp_path):
    path = tmp_path / name()
    _write_big_csv(path)
    size = path.stat().st_size
    assert size > 25_000_000
    tracemalloc.start()
    try:
        report = validate_file(path, today=TODAY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.lines()[:5]
    assert report.records == RECORDS
    # The MISIdentifier/ULN duplicate index is the only thing that grows with the file.
    assert peak < 50 * 1024 * 1024, peak
    assert peak < size / 2, (peak, size)
