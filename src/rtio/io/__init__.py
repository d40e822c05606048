"""Study folders: reading, the table schemas, and validation with file / row / column errors."""

from rtio.io.schema import SCHEMAS, Column, TableSchema
from rtio.io.settings import StudySettings
from rtio.io.study import Study, StudyValidationError, load_study, validate_study, write_table
from rtio.io.validate import Issue, ValidationReport

__all__ = [
    "SCHEMAS",
    "Column",
    "Issue",
    "Study",
    "StudySettings",
    "StudyValidationError",
    "TableSchema",
    "ValidationReport",
    "load_study",
    "validate_study",
    "write_table",
]
