#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the repository's own
case files, plus a few hand-written edge cases below. Run it from anywhere after the case files
change; give --stepstream BIN (a built `stepstream`) to also write image seeds for fuzz_image.

    tests/fuzz/make_corpus.py [--stepstream build/h-fuzzdev/cli/stepstream]
"""
import argparse
import codecs
import hashlib
import json
import pathlib
import re
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fuzz/corpus"

# Edge cases the case files do not hold, for the event parser and writer.
EVENTS = [
    '{}', '[]', 'null', 'true', '0', '-0', '-0.0', '1e400', '1E-400', '123456789012345678901234567890',
    '9223372036854775807', '-9223372036854775808', '9223372036854775808', '0.1', '1.0E21', '5e-324',
    '"\\u0000\\u001f\\"\\\\\\/\\b\\f\\n\\r\\t"', '"\\ud83d\\ude00 \\u00e9 \u00e9 \U0001F600"',
    '"\\ud800"', '{"a":1,"a":2}', '{"":""}', '[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]',
    ' { "k" : [ 1 , 2.5 , "x" , null , true , false , { } , [ ] ] } ', '"\x7f"', '1 2', '{"a":}',
]
# Paths the case files do not hold: filters, regexes, unions, slices, escapes.
PATHS = [
    "$", "$$", "$..*", "$.a[?(@.b =~ /x.*/i)]", "$[?(@.price < 10 && @.category == 'fiction')]",
    "$[?(!(@.a))]", "$[?(@.a in ['x', 'y'])]", "$[?(@.a nin [1, 2])]", "$[?(@.a == $.b)]",
    "$['a','b']", "$[0,1,-1]", "$[::2]", "$[-2:]", "$[1:3:0]", "$..['a']", "$..[0]", "$..[?(@.x)]",
    "$['it''s']", "$[\"q\"]", "$.a\\.b", "$$.Execution.Input", "$$.Map.Item.Value", "$.\u00e9",
]
# Calls the case files do not hold: every function once, escapes, nesting, literals.
INTRINSICS = [
    "States.Format('{} and {}', $.a, 'b')", "States.Format('\\{\\} \\'q\\' \\\\')",
    "States.StringToJson('{\"a\":[1]}')", "States.JsonToString($)", "States.Array()",
    "States.ArrayPartition(States.Array(1, 2, 3), 2)", "States.ArrayContains($.arr, 1)",
    "States.ArrayRange(1, 9, 2)", "States.ArrayGetItem($.arr, 0)", "States.ArrayLength($.arr)",
    "States.ArrayUnique($.arr)", "States.Base64Encode('hi')", "States.Base64Decode($.b64)",
    "States.Hash('x', 'SHA-256')", "States.JsonMerge($.obj, States.StringToJson('{}'), false)",
    "States.MathRandom(1, 10, 3)", "States.MathAdd($.a, -1.5)", "States.StringSplit($.s, ',;')",
    "States.UUID()", "States.Format($$.State.Name)", "States.Array(1e3, -0, 0.5, true, null)",
]


def write_seeds(target, seeds):
    """seeds: (name prefix, bytes); the name ends in a content hash, so duplicates collapse."""
    out = CORPUS / target
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    seen = set()
    for prefix, data in seeds:
        digest = hashlib.sha1(data).hexdigest()[:12]
        if digest in seen:
            continue
        seen.add(digest)
        (out / f"{prefix}-{digest}").write_bytes(data)
    print(f"{target}: {len(seen)} seeds")


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)


def load(path):
    return json.loads(path.read_text())


def definitions():
    """(prefix, definition text) from every case file and example that holds one."""
    for f in sorted((ROOT / "tests/asl/cases").glob("*.json")):
        case = load(f)
        if "definition_text" in case:
            yield f"asl-{f.stem}", case["definition_text"].encode()
        else:
            yield f"asl-{f.stem}", compact(case["definition"])
    for f in sorted((ROOT / "tests/vm/cases").glob("*.json")):
        yield f"vm-{f.stem}", compact(load(f)["definition"])
    for f in sorted((ROOT / "tests/bytecode/golden").glob("*.asl.json")):
        yield f"golden-{f.name.split('.')[0]}", f.read_bytes()
    for f in sorted((ROOT / "examples").glob("*.asl.json")):
        yield f"example-{f.name.split('.')[0]}", f.read_bytes()


def events():
    for f in sorted((ROOT / "tests/vm/cases").glob("*.json")):
        yield f"vm-{f.stem}", compact(load(f)["input"])
    for f in sorted((ROOT / "examples").glob("*.input.json")):
        yield f"example-{f.name.split('.')[0]}", f.read_bytes()
    for name, doc in load(ROOT / "tests/json/cases/jsonpath_eval.json")["documents"].items():
        yield f"jsonpath-{name}", compact(doc)
    for case in load(ROOT / "tests/json/cases/result_path.json")["cases"]:
        yield "result_path", compact(case["input"])
    for text in EVENTS:
        yield "edge", text.encode()


def definition_strings(prefix):
    for name, text in definitions():
        try:
            value = json.loads(text)
        except ValueError:
            continue
        for s in strings(value):
            if s.lstrip().startswith(prefix):
                yield name, s.encode()


def paths():
    for case in load(ROOT / "tests/json/cases/jsonpath_eval.json")["cases"]:
        yield "eval", case["path"].encode()
    for case in load(ROOT / "tests/json/cases/jsonpath_invalid.json")["cases"]:
        yield "invalid", case["path"].encode()
    for case in load(ROOT / "tests/json/cases/result_path.json")["cases"]:
        yield "result_path", case["path"].encode()
    yield from definition_strings("$")
    for text in PATHS:
        yield "edge", text.encode()


def intrinsics():
    yield from definition_strings("States.")
    # The parser's unit test holds most of the tricky text, as C++ string literals.
    source = (ROOT / "tests/asl/intrinsic_parse_test.cc").read_text()
    for literal in re.findall(r'(?<![R\w])"((?:[^"\\\n]|\\.)*)"', source):
        if literal.startswith("States."):
            text = codecs.decode(literal, "unicode_escape").encode("latin-1")
            yield "unit", text
    for text in INTRINSICS:
        yield "edge", text.encode()


def images(stepstream):
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in definitions():
            if not name.startswith(("vm-", "golden-", "example-")):
                continue
            src = pathlib.Path(tmp) / "def.json"
            out = pathlib.Path(tmp) / "out.ssb"
            src.write_bytes(text)
            done = subprocess.run([stepstream, "compile", str(src), "-o", str(out)],
                                  capture_output=True)
            if done.returncode == 0:
                yield name, out.read_bytes()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stepstream", help="a built stepstream, to write image seeds")
    args = parser.parse_args()
    write_seeds("fuzz_definition", definitions())
    write_seeds("fuzz_event", events())
    write_seeds("fuzz_path", paths())
    write_seeds("fuzz_intrinsic", intrinsics())
    if args.stepstream:
        write_seeds("fuzz_image", images(args.stepstream))


if __name__ == "__main__":
    main()
