"""Make a preset deflate dictionary for packed records (intake/storage/packing.py) from the vignettes.

Run once to propose a new dictionary; a dictionary that has been used is never replaced (records
packed with it must unpack), so save the output under a new number and add it to _DICTIONARIES.

    .venv/bin/python scripts/make_record_dict.py -o intake/storage/record_dict_2.bin
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    from intake import assess, load_vignette

    paths = sorted((ROOT.parent / "shared" / "cases").glob("*.yaml")) + sorted((ROOT / "intake" / "cases").glob("*.yaml"))
    docs = []
    for path in paths:
        case = load_vignette(path)[0]
        data = {"case": case.to_data(), "assessment": assess(case).model_dump(mode="json", by_alias=True)}
        docs.append(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    # deflate looks back 32 kB at most, and the end of the dictionary is nearest: the most common last
    Path(args.output).write_bytes(b"".join(docs)[-32768:])


if __name__ == "__main__":
    main()
