"""Config files that are not what they should be: one clear error naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from lapgate.config import load_settings, settings_from_dict
from lapgate.timer.errors import ConfigError

GOOD_HEX = "0" * 64


@pytest.mark.parametrize(
    "bad_hash",
    [
        "scrypt:",
        "scrypt",
        "pbkdf2:",
        "scrypt:32768:8:1",
        "scrypt:32768:8:1$salt",
        "scrypt:32768:8:1$$" + GOOD_HEX,
        "scrypt:32768:8:1$salt$not-hex",
        "scrypt:1048576:8:1$salt$" + GOOD_HEX,  # a 1 GB check per login
        "scrypt:30000:8:1$salt$" + GOOD_HEX,  # N not a power of two: werkzeug fails
        "pbkdf2:md5:1000$salt$" + GOOD_HEX,
        "pbkdf2:sha256:1$salt$" + GOOD_HEX,
        "plain password",
    ],
)
def test_malformed_password_hashes_are_refused_naming_the_key(bad_hash: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"board": {"staff_password_hash": bad_hash}}, source="venue.toml")
    message = str(caught.value)
    assert message.startswith(f"venue.toml:board.staff_password_hash: got {bad_hash!r}")
    assert "lapgate hash-password" in message


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2", "pbkdf2:sha512:600000"])
def test_hashes_werkzeug_makes_are_taken_and_check(method: str) -> None:
    made = generate_password_hash("correct horse", method)
    settings = settings_from_dict({"board": {"staff_password_hash": made}})
    assert check_password_hash(settings.board.staff_password_hash, "correct horse")


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe[\x00b\x00o\x00a\x00r\x00d\x00]\x00",  # UTF-16, as Notepad may save it
        b'[event]\nname = "Caf\xe9"\n',  # cp1252
        bytes(range(256)),  # binary
    ],
    ids=["utf-16", "cp1252", "binary"],
)
def test_a_config_that_is_not_utf8_is_a_config_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "venue.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=r"venue.toml: not UTF-8 text \(byte 0x[0-9a-f]{2} at"):
        load_settings(path)


def test_a_nul_in_a_toml_string_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "venue.toml"
    path.write_text('[store]\ndata_dir = "data\\u0000dir"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}:store.data_dir: got 'data\\x00dir', expected text without NUL characters (\\u0000)"
    )


def test_a_folder_or_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        load_settings(tmp_path)


def test_the_daemon_says_so_without_a_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "venue.toml"
    path.write_bytes(b"\xff\xfe\x00\x00binary")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from lapgate.board.cli import main; main()",
            "run",
            "--config",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
    )
    assert result.returncode != 0
    assert "not UTF-8 text" in result.stderr
    assert "Traceback" not in result.stderr
