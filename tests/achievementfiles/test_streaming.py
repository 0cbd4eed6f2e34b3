"""A 100,000-row achievement file validates with bounded memory (measured, never timed)."""

import tracemalloc

from lrs.achievementfiles import ACH_HEADINGS, validate_achievement_file
from tests.achievementfiles.conftest import AO_UKPRN, CENTRE_UKPRN, TODAY, ULN, name

RECORDS = 100_000
REASON = "Reissued after a review of the marking of this candidate's work. " * 2


def _write_big_csv(path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(ACH_HEADINGS) + "\r\n")
        for i in range(RECORDS):
            head = f"1,{name()},{AO_UKPRN},{RECORDS}" if i == 0 else ",,,"
            out.write(
                f"{head},C{i:07d},{ULN},Candidate,Family-Name,"
                f"{1990 + i % 15}-0{1 + i % 9}-1{i % 9},"
                f"{i % 3},CV4 9EE,{CENTRE_UKPRN},600/1166/X,{'ABCDE'[i % 5]},2024-08-15,"
                f"{i % 20},English,{'FP'[i % 2]},4,2024-08-20,{REASON},\r\n"
            )


def test_a_100000_row_csv_validates_with_peak_memory_far_below_the_file(tmp_path):
    path = tmp_path / name()
    _write_big_csv(path)
    size = path.stat().st_size
    assert size > 20_000_000
    tracemalloc.start()
    try:
        report = validate_achievement_file(path, expected_ukprn=AO_UKPRN, today=TODAY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.lines()[:5]
    assert report.records == RECORDS
    # Nothing is kept per valid row: memory stays flat whatever the file's length.
    assert peak < 10 * 1024 * 1024, peak
    assert peak < size / 10, (peak, size)
