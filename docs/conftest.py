"""pytest settings for the doctests of the documentation pages."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _datetime64_is_utc_in_the_pandas_howto(request: pytest.FixtureRequest) -> None:
    # docs/howto/pandas.rst shows NumPy datetime64 arrays read as UTC, which is what
    # Datetime64AssumedUTCWarning says; the page's examples mean it.
    if request.node.name.endswith("pandas.rst"):
        import warnings

        import slaclock

        warnings.simplefilter("ignore", slaclock.Datetime64AssumedUTCWarning)


@pytest.fixture(autouse=True)
def _the_dask_howto_closes_its_cluster_whatever_happens(
    request: pytest.FixtureRequest, doctest_namespace: dict[str, object]
) -> Iterator[None]:
    # docs/howto/dask.rst starts a local cluster: on a loaded machine its start may be slow
    # (generous timeouts), and its end (the page's close(), or this fixture's, should the
    # page fail before it) must not fail the test: no timeout raised, and nothing Dask's
    # objects say while they are collected (unraisable exceptions of __del__).
    if not request.node.name.endswith("dask.rst"):
        yield
        return
    pytest.importorskip("distributed")  # its configuration first, for config.set to keep
    dask = pytest.importorskip("dask")
    with dask.config.set({"distributed.comm.timeouts.connect": "120s"}):
        yield
    from slaclock.reporting._dask import _close

    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        for name in ("client", "cluster"):
            if name in doctest_namespace:
                _close(doctest_namespace[name])
        gc.collect()
    finally:
        sys.unraisablehook = hook
