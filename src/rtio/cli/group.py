"""The root command group of ``rtio``: commands imported only when they run, and one error path.

Lazy commands
    A command is registered by name with the import path of its implementation and its one-line
    help (:func:`register`). ``rtio --help`` lists the commands from those lines without importing
    any command module; a command's module is imported when that command is run or its own
    ``--help`` is asked. So start-up costs only what the command itself needs.

One error path
    Every exception a command raises ends here (:meth:`RtioGroup.invoke`). Usage problems (a bad
    option, a path that does not exist, an unknown protocol id) are the command line's own errors
    and exit 2. Problems in the data (a table, a protocol file, a candidates file) exit 1 with the
    message that names file / row / column. Anything else is an internal error (exit 3). No
    traceback is printed unless ``--debug`` is on the command line, which every command accepts
    (anywhere before a ``--``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup

#: Exit status of a problem in the input data (a table, a protocol file, a candidates file).
EXIT_DATA = 1
#: Exit status of a problem on the command line (click's own usage errors exit 2 too).
EXIT_USAGE = 2
#: Exit status of an error inside rtio itself (a bug: rerun with --debug and report it).
EXIT_INTERNAL = 3

DEBUG_FLAG = "--debug"
DEBUG_EPILOG = "--debug: show the full traceback of an error."


class LazyCommand(NamedTuple):
    """A command known by name: ``target`` is ``"module:attribute"`` (a ``typer.Typer`` group or a
    typer-annotated function), ``help`` the line ``rtio --help`` shows for it."""

    target: str
    help: str


#: The commands of ``rtio``, in the order ``rtio --help`` lists them (filled by :func:`register`).
LAZY_COMMANDS: dict[str, LazyCommand] = {}


def register(name: str, target: str, help: str) -> None:
    """Register command ``name``, implemented by ``target`` (``"rtio.cli.x_cmds:attribute"``: a
    ``typer.Typer`` for a command group, or a function for one command), listed with ``help``."""
    LAZY_COMMANDS[name] = LazyCommand(target, help)


class UsageError(Exception):
    """A problem with what was typed on the command line, found after parsing (exit 2)."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(f"{option}: {message}" if option else message)


def load_command(name: str, entry: LazyCommand) -> Any:
    """Import ``entry.target`` and turn it into a click command named ``name``."""
    module_name, _, attribute = entry.target.partition(":")
    target = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        command = typer.main.get_command(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name, help=target.__doc__)(target)
        command = typer.main.get_command(single)
    command.name = name
    _add_debug_epilog(command)
    return command


def _add_debug_epilog(command: Any) -> None:
    command.epilog = f"{command.epilog}\n\n{DEBUG_EPILOG}" if command.epilog else DEBUG_EPILOG
    for sub in getattr(command, "commands", {}).values():
        _add_debug_epilog(sub)


def _is_click_signal(err: BaseException) -> bool:
    """Click's and typer's own exceptions (usage errors, exit, abort): click reports them."""
    if isinstance(err, typer.Exit | typer.Abort):
        return True
    kinds = {cls.__name__ for cls in type(err).__mro__}
    return bool(kinds & {"ClickException", "Exit", "Abort"})


def classify(err: BaseException) -> tuple[int, str]:
    """Exit status and message of an exception raised by a command (see the module docstring)."""
    if isinstance(err, UsageError):
        return EXIT_USAGE, str(err)
    if isinstance(err, ImportError) and err.name:
        return EXIT_DATA, (
            f"this command needs the Python package {err.name!r}, which is not installed "
            f"({err.msg})"
        )
    if isinstance(err, OSError) and err.strerror:
        where = f"{err.filename}: " if err.filename else ""
        return EXIT_DATA, f"{where}{err.strerror}"
    if isinstance(err, MemoryError):
        return EXIT_DATA, "out of memory: the data do not fit in this machine's memory"
    if isinstance(err, ValueError | OSError | UnicodeError) or type(err).__name__.endswith(
        ("NotEstimableError", "StudyValidationError", "ProtocolError")
    ):
        return EXIT_DATA, str(err) or type(err).__name__
    return EXIT_INTERNAL, (
        f"internal error ({type(err).__name__}: {err}); rerun with --debug to see where, "
        "and report it with that output"
    )


class RtioGroup(TyperGroup):
    """The ``rtio`` group: lazily imported commands and the one error path (module docstring)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.debug = False
        for name, entry in LAZY_COMMANDS.items():
            if name not in self.commands:
                self.commands[name] = TyperCommand(name, help=entry.help, short_help=entry.help)
        self._pending = {name for name in LAZY_COMMANDS if name in self.commands}

    def _load(self, name: str) -> None:
        if name in self._pending:
            self.commands[name] = load_command(name, LAZY_COMMANDS[name])
            self._pending.discard(name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args:
            self._load(args[0])
        return super().resolve_command(ctx, args)

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        stop = argv.index("--") if "--" in argv else len(argv)
        self.debug = DEBUG_FLAG in argv[:stop]
        argv = [a for a in argv[:stop] if a != DEBUG_FLAG] + argv[stop:]
        self._argv = argv
        return super().main(argv, *rest, **extra)

    def _command_path(self) -> str:
        """``rtio design simulate``: the commands named on the command line."""
        words, current = ["rtio"], self
        for token in getattr(self, "_argv", []):
            commands = getattr(current, "commands", None)
            if not commands or token not in commands:
                break
            words.append(token)
            current = commands[token]
        return " ".join(words)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as err:
            if self.debug or _is_click_signal(err):
                raise
            status, message = classify(err)
            typer.echo(f"Error: {message}", err=True)
            if status == EXIT_USAGE:
                typer.echo(f"Try '{self._command_path()} --help'.", err=True)
            raise typer.Exit(status) from None
