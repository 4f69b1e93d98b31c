"""Log formatting: one record, one line."""

import logging


class SingleLineFormatter(logging.Formatter):
    """The usual format, with a traceback folded onto the same line (newlines shown as
    ` | `), so each log line is one event and a log shipper never splits a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", " | ")
