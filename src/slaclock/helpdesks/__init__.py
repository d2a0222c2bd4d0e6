"""Helpdesks: export mappings, the importers of each helpdesk's export, and the
helpdesk's own verdicts compared with slaclock's.
"""

from slaclock.helpdesks._importers import read_export
from slaclock.helpdesks._mapping import MappingError, load_mapping

__all__ = ["MappingError", "load_mapping", "read_export"]
