"""Where the shop password comes from when ``ORDER_AGENT_PASSWORD`` is not set.

Strongest first (``ORDER_AGENT_PASSWORD`` itself, from the environment, a ``.env``
file or a secrets directory, outranks all of these):

1. ``ORDER_AGENT_PASSWORD_COMMAND``: a command that prints the password (like git
   credential helpers or restic's ``--password-command``): ``pass show shop``,
   ``secret-tool lookup service shop``. Run without a shell, with a time-out; the
   first line of its output is the password. Its output is never quoted in a message.
2. the system keyring (``keyring``: Secret Service, macOS Keychain, Windows Credential
   Locker), service ``order-agent``, user name = the account e-mail; skipped when no
   backend is available (a server, cron without a session bus).
3. the file ``order-agent init`` writes when there is no keyring:
   ``<user config dir>/secrets/ORDER_AGENT_PASSWORD``, mode 0600; refused when other
   users can read it.

Whatever the source, the password is a ``SecretStr`` and is registered with the
redactor the moment it is read.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent.redaction import register_secret
from ordercore.errors import ConfigError

PASSWORD_COMMAND_ENV = "ORDER_AGENT_PASSWORD_COMMAND"
PASSWORD_COMMAND_TIMEOUT_S = 30
KEYRING_SERVICE = "order-agent"
SECRETS_FOLDER = "secrets"
PASSWORD_FILENAME = "ORDER_AGENT_PASSWORD"

# Where the password was found, as told to people ("the system keyring").
SOURCE_SETTING = "ORDER_AGENT_PASSWORD"
SOURCE_COMMAND = PASSWORD_COMMAND_ENV
SOURCE_KEYRING = "the system keyring"


def password_file(config_dir: Path) -> Path:
    """The 0600 file ``order-agent init`` keeps the password in when there is no keyring."""
    return config_dir / SECRETS_FOLDER / PASSWORD_FILENAME


# -- 1. a password command --------------------------------------------------------------------
def password_from_command(
    command: str, *, timeout: float = PASSWORD_COMMAND_TIMEOUT_S
) -> SecretStr:
    """The first line the command prints on stdout; ``ConfigError`` (one line) on any failure.

    No shell: the line is split like a shell would (quotes), nothing is expanded.
    stdin is closed (a command must not wait for us), stderr is captured and dropped:
    a helper that fails may print what it was given, and the password never shows.
    """
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"{PASSWORD_COMMAND_ENV} is not a valid command line: {exc}") from None
    if not argv:
        raise ConfigError(f"{PASSWORD_COMMAND_ENV} is empty")
    program = argv[0]
    try:
        finished = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(
            f"{PASSWORD_COMMAND_ENV} failed: {program} was not found",
            hint="give the command's full path, or check that it is installed",
        ) from None
    except PermissionError:
        raise ConfigError(f"{PASSWORD_COMMAND_ENV} failed: {program} cannot be run") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(
            f"{PASSWORD_COMMAND_ENV} failed: {program} did not finish within {timeout:g} s"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{PASSWORD_COMMAND_ENV} failed: {program} could not start ({exc.strerror})"
        ) from None
    if finished.returncode != 0:
        raise ConfigError(
            f"{PASSWORD_COMMAND_ENV} failed: {program} exited with status {finished.returncode}",
            hint="run the command yourself to see why",
        )
    try:
        text = finished.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{PASSWORD_COMMAND_ENV} printed something that is not UTF-8") from None
    # `pass` and friends print the password on the first line, notes after it.
    first_line = text.splitlines()[0] if text.splitlines() else ""
    if not first_line.strip():
        raise ConfigError(f"{PASSWORD_COMMAND_ENV} printed no password: {program} gave no output")
    register_secret(first_line)
    return SecretStr(first_line)


# -- 2. the system keyring --------------------------------------------------------------------
def usable_keyring() -> Any | None:
    """The keyring backend, or None when there is none worth asking.

    ``keyring`` falls back to its ``fail`` backend (every call raises) or the ``null``
    one (stores nothing); a chainer with no backend inside is the same thing.
    """
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:  # installed without its extra dependencies: no keyring then
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration must not stop a command
        return None
    if isinstance(backend, fail.Keyring) or type(backend).__module__ == "keyring.backends.null":
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


def password_from_keyring(email: str) -> SecretStr | None:
    """The password stored for ``email`` under the ``order-agent`` service, if any."""
    backend = usable_keyring()
    if backend is None:
        return None
    try:
        found = backend.get_password(KEYRING_SERVICE, email)
    except Exception:  # locked, no session bus (cron), D-Bus errors: skipped, never fatal
        return None
    if not found:
        return None
    register_secret(found)
    return SecretStr(found)


def store_in_keyring(email: str, password: SecretStr) -> bool:
    """Store the password in the keyring; False when no keyring takes it."""
    backend = usable_keyring()
    if backend is None:
        return False
    try:
        backend.set_password(KEYRING_SERVICE, email, password.get_secret_value())
    except Exception:
        return False
    return True


def forget_from_keyring(email: str) -> None:
    """Best effort: a password stored by an earlier init is removed."""
    backend = usable_keyring()
    if backend is None:
        return
    try:
        backend.delete_password(KEYRING_SERVICE, email)
    except Exception:  # nothing stored, or a keyring that cannot delete: nothing to do
        return


# -- 3. the 0600 file ----------------------------------------------------------------------
def password_from_file(path: Path) -> SecretStr | None:
    """The password kept in ``path`` (trailing newline dropped), or None when absent."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} holds the password and other users can read it: not using it",
            hint=f"chmod 600 {path}",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise ConfigError(f"cannot read {path}: {reason}") from None
    password = text.rstrip("\r\n")
    if not password.strip():
        return None
    register_secret(password)
    return SecretStr(password)


def store_in_file(path: Path, password: SecretStr) -> None:
    """Write the password to ``path``, 0600 from its first byte, atomically."""
    from agent.user_config import write_private_file

    write_private_file(path, password.get_secret_value() + "\n")


def forget_file(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        return


# -- all of them, in order ------------------------------------------------------------------
def find_password(
    password_command: str | None, email: str | None, config_dir: Path
) -> tuple[SecretStr, str] | None:
    """The password from the first source that has one, and the source's name.

    ``ORDER_AGENT_PASSWORD`` (read by the settings) is not looked at here: the caller
    asks only when it is unset. A failing command is a ``ConfigError``: a configured
    command is what the person chose, it must not fall through to another source.
    """
    if password_command:
        return password_from_command(password_command), SOURCE_COMMAND
    if email:
        found = password_from_keyring(email)
        if found is not None:
            return found, SOURCE_KEYRING
    path = password_file(config_dir)
    found = password_from_file(path)
    if found is not None:
        return found, str(path)
    return None


def environment_has_password() -> bool:
    """Whether ``ORDER_AGENT_PASSWORD`` is exported (it outranks anything init stores)."""
    return bool(os.environ.get(SOURCE_SETTING, "").strip())
