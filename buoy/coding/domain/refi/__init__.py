"""REFI-QDA exchange (QDA-XML 1.0): codebooks (.qdc) and projects (.qdpx), in plain Python.

REFI-QDA is the standard that qualitative-analysis programs (QualCoder, NVivo, ATLAS.ti,
MAXQDA, Taguette's codebook export) use to hand a codebook, or a whole coded project, to one
another. This package turns such files into plain dataclasses and back; it knows nothing of
Buoy's models or database (services map these classes onto them).

* A **codebook** (``.qdc``) is an XML ``CodeBook`` of nested ``Code`` elements.
* A **project** (``.qdpx``) is a zip archive of ``project.qde`` (XML) and a ``sources/`` folder
  holding each text as ``sources/<guid>.txt``; the XML says which passages (start and end
  positions) of which text were coded with which code, by whom, and holds memos (``Note``).

Positions are Python string indices: code points of the source text, end exclusive, as the
standard says and as QualCoder counts them (after removing a byte-order mark). Buoy stores
NFC-normalised text; normalising is the caller's job, before offsets are taken, because it can
change the length of a text.

**Exports are strict**: :func:`write_codebook` and :func:`write_project` refuse (``ValueError``)
anything the published schemas (``Codebook.xsd``, ``Project.xsd``) would reject;
:func:`export_problems` lists those problems first, in words, for a page to show.

**Imports are tolerant**: files from other programs are often invalid. :func:`read_codebook`
and :func:`read_project` repair what can be repaired (Taguette's ``parent/child`` names, empty
``<Sets/>``, byte-order marks, missing or duplicate GUIDs, odd colours, selections outside the
text, positions counted in UTF-8 bytes, ...) and say so, one sentence per repair, in
``repairs``. A file that cannot be read at all raises :class:`RefiError` and yields nothing.

Memos: REFI-QDA attaches a ``Note`` to a code, a source or a coding with a ``NoteRef`` inside
that element. A case cannot hold a ``NoteRef`` in the schema, so a memo about a case (or about
anything else without ``NoteRef``) is written as a ``Link`` from the note to it, and read back
the same way.

The package's modules, by what they do: :mod:`.model` (the exchanged project as plain values),
:mod:`.values` (what the standard allows in a value; how GUIDs compare and are derived),
:mod:`.problems` (why something cannot be exported), :mod:`.export` (writing ``.qdc`` and
``project.qde``), :mod:`.archive` (the ``.qdpx`` zip, both ways), :mod:`.reader` (tolerant
import), with its helpers :mod:`.reading` (elements and the repairs said), :mod:`.guids`
and :mod:`.texts` (a source's text and positions). What this ``__init__`` exports is the
package's interface; names with a leading underscore are shared between its modules only.
"""

from buoy.coding.domain.refi.archive import MAX_ARCHIVE_BYTES, MAX_MEMBER_BYTES
from buoy.coding.domain.refi.export import write_codebook, write_project
from buoy.coding.domain.refi.model import (
    CODEBOOK_NAMESPACE,
    ORIGIN,
    PROJECT_NAMESPACE,
    VARIABLE_TYPES,
    CodebookImport,
    ProjectImport,
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSource,
    QdaUser,
    QdaVariable,
    RefiError,
    walk_codes,
)
from buoy.coding.domain.refi.problems import codebook_problems, export_problems
from buoy.coding.domain.refi.reader import read_codebook, read_project

__all__ = [
    "CODEBOOK_NAMESPACE",
    "MAX_ARCHIVE_BYTES",
    "MAX_MEMBER_BYTES",
    "ORIGIN",
    "PROJECT_NAMESPACE",
    "VARIABLE_TYPES",
    "CodebookImport",
    "ProjectImport",
    "QdaCase",
    "QdaCode",
    "QdaCoding",
    "QdaNote",
    "QdaProject",
    "QdaSource",
    "QdaUser",
    "QdaVariable",
    "RefiError",
    "codebook_problems",
    "export_problems",
    "read_codebook",
    "read_project",
    "walk_codes",
    "write_codebook",
    "write_project",
]
