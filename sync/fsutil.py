"""Moved to `terminal.safewrite` (the domain layer), where every must-survive file is written."""

from terminal.safewrite import TMP_SUFFIX, fsync_dir, remove_temporaries, temporary_name, write_atomic

__all__ = ["TMP_SUFFIX", "fsync_dir", "remove_temporaries", "temporary_name", "write_atomic"]
