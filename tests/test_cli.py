"""The ``chatops`` command as a new user and a council's IT person would run it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from chatops.outbox import Outbox
from chatops.reply import Reply
from chatops.store import Store

from .conftest import COUNCILS, DATA, run_cli


@pytest.mark.parametrize("council", COUNCILS)
def test_command_json_is_the_reply(council: str) -> None:
    result = run_cli("command", "expectations officer", "--council", council, "--json")
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["council"] == council and reply["council_name"]
    assert reply["blocks"][0]["kind"] == "quote" and reply["blocks"][0]["items"]
    assert reply["choices"][0]["value"] == "/protocol expectations councillor"
    assert reply["council_name"] in reply["text"]


def test_default_council_and_chatops_council() -> None:
    assert "Llangunnor Community Council" in run_cli("command", "about").stdout
    out = run_cli("command", "about", env={"CHATOPS_COUNCIL": "telford-and-wrekin"}).stdout
    assert "Telford and Wrekin Borough Council" in out


def test_search_json_contract() -> None:
    result = run_cli("search", "can a cllr make me change my report?", "--limit", "2", "--json")
    data = json.loads(result.stdout)
    assert data["council"] == "llangunnor" and len(data["results"]) == 2
    first = data["results"][0]
    assert set(first) == {"ref", "heading", "text", "score"} and first["ref"] == "2.4"
    assert data["results"][0]["score"] >= data["results"][1]["score"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("command", "help", "--council", "nowhere"), "unknown council 'nowhere'; known councils: llangunnor"),
        (("search", "x", "--limit", "0"), "--limit"),
        (("search", "x", "--limit", "many"), "--limit"),
    ],
)
def test_bad_input_is_one_clear_line(args: tuple[str, ...], words: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"CHATOPS_PROTOCOL_DIR": "/no/such/folder"}, "CHATOPS_PROTOCOL_DIR"),
        ({"CHATOPS_COUNCIL": "atlantis"}, "unknown council 'atlantis'"),
    ],
)
def test_bad_settings_are_one_line_naming_the_setting(env: dict[str, str], words: str) -> None:
    result = run_cli("command", "help", env=env)
    assert result.returncode == 2
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_dotenv_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# settings\nexport CHATOPS_COUNCIL='telford-and-wrekin'\n", encoding="utf-8")
    assert "Telford and Wrekin" in run_cli("command", "about", cwd=tmp_path).stdout


def test_validate_shipped_and_broken_files(tmp_path: Path) -> None:
    good = run_cli("validate")
    assert good.returncode == 0 and good.stdout.count("ok ") == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (DATA / "llangunnor.yaml").read_text(encoding="utf-8").replace('ref: "2.2.4"', "reff: x"), encoding="utf-8"
    )
    result = run_cli("validate", str(broken), str(DATA / "telford-and-wrekin.yaml"), str(tmp_path / "missing.yaml"))
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if not line.startswith("ok ")]
    assert problems and all(line.split(":")[1].isdigit() for line in problems)
    assert any(line.startswith(f"{broken}:") and "reff" in line for line in problems)


def test_a_broken_council_file_does_not_stop_other_councils(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("council: [\n", encoding="utf-8")
    env = {"CHATOPS_PROTOCOL_DIR": str(tmp_path)}
    assert run_cli("command", "about", env=env).returncode == 0
    result = run_cli("command", "about", "--council", "broken", env=env)
    assert result.returncode == 1 and "broken.yaml:" in result.stderr


def test_console_reads_a_scripted_conversation_from_a_pipe() -> None:
    script = "/protocol expectations officer\n1\n/council telford-and-wrekin\n/protocol section 4.2\nquit\nnever read\n"
    result = run_cli("console", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "What Officers can expect from Councillors" in out and "[1] What Councillors can expect\n" in out
    assert out.index("· What Councillors can expect from Officers\n") < out.index("Telford and Wrekin")
    assert "§4.2 Procedure for members" in out


def test_python_dash_m_and_help() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for action in ("console", "command", "search", "validate"):
        assert action in result.stdout


def test_triage_json_reads_the_concern_and_gives_the_route(tmp_path: Path) -> None:
    text = "As a councillor I want to complain about the chief executive ignoring my enquiries"
    env = {"CHATOPS_DATA_DIR": str(tmp_path)}
    result = run_cli("triage", text, "--council", "telford-and-wrekin", "--json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["council"], data["reporter"], data["subject"]) == (
        "telford-and-wrekin",
        "councillor",
        "chief-executive",
    )
    assert data["procedure"] == "4.2"
    assert [s["contact"] for s in data["route"]["informal"]] == ["portfolio-manager", "head-of-hr"]
    assert [s["contact"] for s in data["route"]["formal"]] == ["disciplinary-procedure"]
    assert data["concerns"][0]["ref"] == "3" and "Timely response" in data["concerns"][0]["text"]
    assert data["needs"] == ["informal_tried", "gender"]
    assert data["reply"]["title"] == "Raise a concern privately"
    assert not any(tmp_path.iterdir())  # nothing stored


def test_triage_json_for_a_council_without_a_procedure() -> None:
    data = json.loads(run_cli("triage", "the chair keeps shouting at me, I'm the clerk", "--json").stdout)
    assert data["council"] == "llangunnor" and data["procedure"] is None
    assert data["route"] == {"informal": [], "formal": [], "outcome": [], "related": []}
    assert (data["reporter"], data["subject"], data["category"]) == ("officer", "chair", "bullying")


def test_console_runs_a_whole_concern_and_keeps_nothing_typed(tmp_path: Path) -> None:
    env = {"CHATOPS_DATA_DIR": str(tmp_path), "CHATOPS_CONTACTS": str(DATA / "contacts.example.yaml")}
    script = "I'm an employee and a councillor keeps bullying me SECRET-WORD-42\nnot yet\n2\n/protocol forget\n"
    result = run_cli("console", "--council", "telford-and-wrekin", stdin=script, env=env)
    assert result.returncode == 0, result.stderr
    assert "Your options under the protocol" in result.stdout and "Alex Example" in result.stdout  # 2 = male
    assert "erased" in result.stdout
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert stored and b"SECRET-WORD-42" not in stored


def test_command_is_what_follows_slash_protocol_concern_and_forget_too() -> None:
    assert "Raise a concern privately" in run_cli("command", "concern").stdout
    assert run_cli("command", "about").stdout == run_cli("command", "/protocol about").stdout


def test_validate_checks_contacts_files(tmp_path: Path) -> None:
    assert run_cli("validate", str(DATA / "contacts.example.yaml")).returncode == 0
    broken = tmp_path / "contacts.yaml"
    broken.write_text("llangunnor:\n  chair:\n    - {name: X, gender: robot}\n", encoding="utf-8")
    result = run_cli("validate", str(broken))
    assert result.returncode == 1 and result.stdout.startswith(f"{broken}:3: ")
    bad_setting = run_cli("command", "help", env={"CHATOPS_CONTACTS": str(broken)})
    assert bad_setting.returncode == 1 and f"{broken}:3:" in bad_setting.stderr


def test_serve_answers_health_checks_and_stops_on_sigterm(tmp_path: Path) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATOPS_", "SLACK_"))}
    env.update({"CHATOPS_DATA_DIR": str(tmp_path), "PORT": str(port)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatops", "serve", "--host", "127.0.0.1"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = json.loads(response.read())
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert health == {
            "status": "ok",
            "councils": ["llangunnor", "telford-and-wrekin"],
            "slack": False,
            "teams": False,
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "SLACK_SIGNING_SECRET is not set" in stderr and "MICROSOFT_APP_ID is not set" in stderr
    assert "Traceback" not in stderr


def test_outbox_summary_counts_every_status_including_claimed(tmp_path: Path) -> None:
    """A message claimed by a sender (nothing sent yet) shows as claimed, not missing from the sum."""
    url = f"sqlite:///{tmp_path}/outbox.sqlite3"

    async def claim_one() -> None:
        store = Store(url)
        try:
            box = Outbox(store)
            for channel in ("C1", "C2"):
                reply = Reply(council="llangunnor", council_name="Llangunnor", title="Changes", private=False)
                await box.enqueue(f"announce:{channel}", "slack", channel, reply)
            assert len(await box.claim("sender", limit=1)) == 1
        finally:
            await store.close()

    asyncio.run(claim_one())
    result = run_cli("outbox", env={"CHATOPS_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "outbox: 1 pending, 1 claimed, 0 sending, 0 sent, 0 failed"
