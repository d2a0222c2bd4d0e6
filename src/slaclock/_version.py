"""The version of slaclock, in a module of its own: every wing may read it without
importing the package's face."""

__version__ = "0.1.0.dev0"
