"""``python -m slaclock``: the same as the ``slaclock`` command."""

from __future__ import annotations

from slaclock.cli import main

if __name__ == "__main__":
    main()
