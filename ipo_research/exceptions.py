"""The exceptions of ipo-research.

Every error the package raises derives from :class:`IpoResearchError`. Each class carries the
exit code the command line uses for it: 1 when the data or a notebook failed, 2 for a usage or
configuration mistake. Messages say what was wrong, where (file, row, column, value) and how to
fix it, so the command line can print them as they are, without a traceback.
"""

__all__ = [
    "IpoResearchError",
    "ConfigError",
    "CodebookError",
    "ModelSpecError",
    "PipelineError",
    "ParameterError",
    "LockError",
    "DataError",
    "ReadError",
    "ValidationError",
    "RunError",
]


class IpoResearchError(Exception):
    """Base of every error raised by ipo-research.

    Attributes
    ----------
    exit_code : int
        What ``ipo-research`` exits with when this error ends a command.
    """

    exit_code = 1


class ConfigError(IpoResearchError):
    """A usage or configuration mistake: a bad option, file of settings or parameter."""

    exit_code = 2


class CodebookError(ConfigError):
    """The codebook breaks the schema in docs/design.md; the message names the question and rule."""


class ModelSpecError(ConfigError):
    """A model spec is invalid: unknown family, unknown column, bad covariance type."""


class PipelineError(ConfigError):
    """``notebooks/pipeline.yaml`` or a stage name given on the command line is invalid."""


class ParameterError(ConfigError):
    """A notebook parameter is unknown or has the wrong type."""


class LockError(ConfigError):
    """A dependency lock file under ``requirements/`` is missing, unreadable or inconsistent."""


class DataError(IpoResearchError):
    """The data cannot be used as it is."""

    exit_code = 1


class ReadError(DataError):
    """A survey export cannot be read: missing, empty, binary, unknown layout or encoding."""


class ValidationError(DataError):
    """Responses break the codebook; the message lists every problem found."""


class RunError(IpoResearchError):
    """One or more notebooks failed during a pipeline run."""

    exit_code = 1
