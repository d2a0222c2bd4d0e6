"""pytest settings for the doctests of the documentation pages."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _datetime64_is_utc_in_the_pandas_howto(request: pytest.FixtureRequest) -> None:
    # docs/howto/pandas.rst shows NumPy datetime64 arrays read as UTC, which is what
    # Datetime64AssumedUTCWarning says; the page's examples mean it.
    if request.node.name.endswith("pandas.rst"):
        import warnings

        import slaclock

        warnings.simplefilter("ignore", slaclock.Datetime64AssumedUTCWarning)
