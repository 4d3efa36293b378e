"""What `deploy/kubernetes.yaml` must say, checked without podman (test_image.py plays it)."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes.yaml"


def test_what_runs_once_waits_for_the_database() -> None:
    """A Pod that is never restarted gets one try: each of its database commands waits for a
    server it cannot reach yet (PostgreSQL still starting, or on podman a lookup of its name
    failing for a moment while the app's pods join the network) rather than ending with 1."""
    once = [
        container
        for doc in yaml.safe_load_all(MANIFEST.read_text())
        if doc and doc["kind"] == "Pod" and doc["spec"].get("restartPolicy") == "Never"
        for container in [*doc["spec"].get("initContainers", []), *doc["spec"]["containers"]]
        if container["command"][:2] == ["medskapa", "db"]
    ]
    assert [c["name"] for c in once] == ["migrate", "grant-app-role"]
    for container in once:
        command = container["command"]
        assert "--wait" in command, f"{container['name']}: {command}"
        assert float(command[command.index("--wait") + 1]) >= 60, command
