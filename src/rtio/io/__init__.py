"""Study folders: reading, the table schemas, and validation with file / row / column errors."""

from rtio.io.issues import Collector, Issue, ValidationReport
from rtio.io.schema import SCHEMAS, Column, TableSchema
from rtio.io.settings import StudySettings
from rtio.io.study import Study, StudyValidationError, load_study, validate_study, write_table
from rtio.io.validate import RULES, check_tables, validate_tables

__all__ = [
    "RULES",
    "SCHEMAS",
    "Collector",
    "Column",
    "Issue",
    "Study",
    "StudySettings",
    "StudyValidationError",
    "TableSchema",
    "ValidationReport",
    "check_tables",
    "load_study",
    "validate_study",
    "validate_tables",
    "write_table",
]
