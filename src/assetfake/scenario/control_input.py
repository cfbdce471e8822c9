"""Scenarios sent to the control API (``PUT /_fake/scenario``): a body, or a name.

A body is JSON when it parses as JSON, else YAML; ``?name=`` loads a shipped or configured
scenario by name (the body empty). Either way the scenario's ``extends`` are confined to the
allowed folders (:func:`allowed_folders`): the server's scenario folders (``--scenarios-dir``,
then ``ASSETFAKE_SCENARIOS_DIR``), the folder of the file it serves and the shipped library.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from assetfake.scenario.document import decode_document
from assetfake.scenario.errors import ScenarioError
from assetfake.scenario.library import environment_dirs, find_scenario, library_root
from assetfake.scenario.loader import Validated, load_path, load_text
from assetfake.scenario.model import UNNAMED, Scenario
from assetfake.scenario.sources import AllowedFolders
from assetfake.scenario.world_config import world_config_of

#: The ``file`` errors in a control API body name.
BODY_FILE = "<request body>"


def allowed_folders(served_folder: Path | None, scenarios_dirs: Iterable[Path]) -> AllowedFolders:
    """Where a scenario loaded over the control API may read files, in lookup order: the
    configured folders, those ``ASSETFAKE_SCENARIOS_DIR`` lists, the folder of the served file,
    and the shipped ``scenarios/`` and ``fixtures/``."""
    folders = [*scenarios_dirs, *environment_dirs()]
    if served_folder is not None:
        folders.append(served_folder)
    root = library_root()
    if root is not None:
        folders.extend(root / part for part in ("scenarios", "fixtures"))
    return AllowedFolders.of(folder for folder in folders if folder.is_dir())


def served_folder_of(scenario: Scenario) -> Path | None:
    """The folder of the file ``scenario`` was loaded from (``None`` for a dict or a text)."""
    if scenario.source.startswith("<"):
        return None
    path = Path(scenario.source)
    return path.parent if path.is_file() else None


def request_scenario(
    body: bytes, name: str | None, folders: AllowedFolders, scenarios_dirs: Iterable[Path] = ()
) -> Scenario:
    """The scenario a ``PUT /_fake/scenario`` sends: its body, or the one called ``name``
    (looked up in ``scenarios_dirs``, then as :func:`~assetfake.scenario.find_scenario` does).
    Raises :class:`ScenarioError`."""
    if name is not None:
        if body.strip():
            raise ScenarioError("send a scenario in the body or name one with ?name=, not both")
        path = find_scenario(name, scenarios_dirs)
        return _scenario(load_path(path, folders=folders), path)
    text = decode_document(body, BODY_FILE)
    return _scenario(load_text(text, BODY_FILE, folders=folders), None)


def _scenario(valid: Validated, path: Path | None) -> Scenario:
    """What :meth:`Scenario.load` makes of it (named as the file if it names itself not)."""
    spec = valid.spec
    name = spec.name or (UNNAMED if path is None else path.stem)
    source = BODY_FILE if path is None else os.fspath(path)
    return Scenario(name, source, spec, world_config_of(spec, valid.partitions))
