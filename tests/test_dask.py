"""The array functions per partition on a Dask DataFrame, on a local cluster."""

from __future__ import annotations

from datetime import timedelta

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from slaclock import Calendar  # noqa: E402


def response_time(part: pd.DataFrame) -> pd.Series:
    return Calendar.russia().business_time(part["opened"], part["resolved"])


def deadline(part: pd.DataFrame) -> pd.Series:
    return Calendar.russia().add(part["opened"], timedelta(hours=8))


def test_map_partitions_on_a_local_cluster() -> None:
    opened = pd.Series(
        pd.date_range("2026-04-27 08:00", periods=200, freq="53min", tz="Europe/Moscow")
    )
    tickets = pd.DataFrame({"opened": opened, "resolved": opened + pd.Timedelta(hours=30)})
    frame = dd.from_pandas(tickets, npartitions=4)
    cal = Calendar.russia()
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        spent = frame.map_partitions(response_time, meta=pd.Series(dtype="timedelta64[us]"))
        due = frame.map_partitions(
            deadline, meta=pd.Series(dtype="datetime64[us, Europe/Moscow]", name="opened")
        )
        got_spent, got_due = spent.compute(), due.compute()
    pd.testing.assert_series_equal(got_spent, cal.business_time(opened, tickets["resolved"]))
    pd.testing.assert_series_equal(got_due, cal.add(opened, timedelta(hours=8)), check_names=False)
