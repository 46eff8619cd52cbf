"""Every analyst notebook runs top to bottom against a snapshot; stored without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == [
        "01_overview.ipynb", "02_narrative_deep_dive.ipynb", "03_source_networks.ipynb",
        "04_narrative_map.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name
    assert any(c.cell_type == "markdown" for c in nb.cells)


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_a_snapshot(path, snapshot_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("VIGIE_SNAPSHOT", str(snapshot_dir))
    monkeypatch.setenv("VIGIE_MAP_METHOD", "pca")  # UMAP's JIT start-up is too slow for tests
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    # Any raising cell fails the test (CellExecutionError).
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "\n".join(
        str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)
    assert "Traceback" not in text
    expected = {
        "01_overview": "N-camp",            # top narrative by score
        "02_narrative_deep_dive": "[-",     # a word diff of a duplicate pair
        "03_source_networks": "lemonde-fr.info",  # a look-alike domain
        "04_narrative_map": "24 items, projection: pca",
    }[path.stem]
    assert expected in text
