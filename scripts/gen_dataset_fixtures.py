#!/usr/bin/env python3
"""Generate the dataset-file corpus of the vouch-dataset crate.

Usage:
    python3 -m venv /tmp/dsvenv && /tmp/dsvenv/bin/pip install -r scripts/requirements-datasets.txt
    /tmp/dsvenv/bin/python scripts/gen_dataset_fixtures.py crates/vouch-dataset/tests/fixtures

Writes real Parquet and Arrow IPC files made by pyarrow, CSV / TSV / JSON Lines / JSON / text
files, malformed variants, and OUTDIR/manifest.json: a list of
    {"path": ..., "format": ..., "rows": N | null, "columns": [[name, dtype], ...] | null,
     "note": "substring" | null}
where `rows` and `columns` are what pyarrow (or Python's json module) itself reads from the file
(the oracle), `columns: null` means "not checked", and `note` is a substring one of the crate's
notes must contain (malformed files: rows must then be null).

Column types are written in the crate's vocabulary (Arrow's type names: int64, double, string,
list<double>, struct, timestamp[us, tz=UTC], decimal(10, 2), ...), mapped from pyarrow's own
types by `arrow_dtype` and `parquet_dtype` below. Parquet columns are the schema's leaves, with
dotted paths (tags.list.element).

Deterministic: fixed data, no timestamps in the files; idempotent: every file this script
writes is rewritten, manifest.json included.
"""

import csv
import datetime
import decimal
import io
import json
import os
import struct
import sys

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.json as pajson
import pyarrow.parquet as pq
import tfrecord  # noqa: E402 (pure-Python TFRecord writer and reader: the oracle)
from tfrecord.reader import tfrecord_iterator

MANIFEST = []


# --- the oracle's type names ---------------------------------------------------------------

UNITS = {"s": "s", "ms": "ms", "us": "us", "ns": "ns"}


def arrow_dtype(t):
    if pa.types.is_dictionary(t):
        return arrow_dtype(t.value_type)
    if pa.types.is_float16(t):
        return "float16"
    if pa.types.is_float32(t):
        return "float"
    if pa.types.is_float64(t):
        return "double"
    if pa.types.is_date32(t):
        return "date32"
    if pa.types.is_date64(t):
        return "date64"
    if pa.types.is_decimal(t):
        bits = t.bit_width
        name = "decimal" if bits == 128 else f"decimal{bits}"
        return f"{name}({t.precision}, {t.scale})"
    if pa.types.is_timestamp(t):
        return f"timestamp[{t.unit}, tz={t.tz}]" if t.tz else f"timestamp[{t.unit}]"
    if pa.types.is_map(t):
        return f"map<{arrow_dtype(t.key_type)}, {arrow_dtype(t.item_type)}>"
    if pa.types.is_large_list(t):
        return f"large_list<{arrow_dtype(t.value_type)}>"
    if pa.types.is_fixed_size_list(t):
        return f"fixed_size_list<{arrow_dtype(t.value_type)}>[{t.list_size}]"
    if pa.types.is_list(t):
        return f"list<{arrow_dtype(t.value_type)}>"
    if pa.types.is_large_list_view(t):
        return f"large_list_view<{arrow_dtype(t.value_type)}>"
    if pa.types.is_list_view(t):
        return f"list_view<{arrow_dtype(t.value_type)}>"
    if pa.types.is_run_end_encoded(t):
        return f"run_end_encoded<{arrow_dtype(t.value_type)}>"
    if pa.types.is_union(t):
        return "union"
    if pa.types.is_interval(t):
        return "interval"
    if pa.types.is_struct(t):
        return "struct"
    if pa.types.is_duration(t):
        return f"duration[{t.unit}]"
    # int8..uint64, bool, string, large_string, binary, large_binary, null, time32[ms],
    # time64[us], fixed_size_binary[n]: pyarrow's own names.
    return str(t)


def parquet_dtype(col):
    lt = json.loads(col.logical_type.to_json())
    kind = lt.get("Type")
    simple = {"String": "string", "Enum": "enum", "JSON": "json", "BSON": "bson",
              "UUID": "uuid", "Float16": "float16", "Null": "null", "Date": "date32"}
    if kind in simple:
        return simple[kind]
    units = {"milliseconds": "ms", "microseconds": "us", "nanoseconds": "ns"}
    if kind == "Decimal":
        return f"decimal({lt['precision']}, {lt['scale']})"
    if kind == "Time":
        unit = units[lt["timeUnit"]]
        return f"time{32 if unit == 'ms' else 64}[{unit}]"
    if kind == "Timestamp":
        unit = units[lt["timeUnit"]]
        return f"timestamp[{unit}, tz=UTC]" if lt["isAdjustedToUTC"] else f"timestamp[{unit}]"
    if kind == "Int":
        return f"{'' if lt['isSigned'] else 'u'}int{lt['bitWidth']}"
    physical = {"BOOLEAN": "bool", "INT32": "int32", "INT64": "int64", "INT96": "int96",
                "FLOAT": "float", "DOUBLE": "double", "BYTE_ARRAY": "binary"}
    if col.physical_type == "FIXED_LEN_BYTE_ARRAY":
        return f"fixed_size_binary[{col.length}]"
    return physical[col.physical_type]


def parquet_expect(path):
    f = pq.ParquetFile(path)
    s = f.schema
    cols = [[s.column(i).path, parquet_dtype(s.column(i))] for i in range(len(s))]
    return f.metadata.num_rows, cols, f.metadata.num_row_groups


def add(path, fmt, rows, columns, note=None, **extra):
    entry = {"path": path, "format": fmt, "rows": rows, "columns": columns, "note": note}
    entry.update(extra)
    MANIFEST.append(entry)


# --- data ----------------------------------------------------------------------------------

def flat_table(n):
    base = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    return pa.table({
        "id": pa.array(range(n), pa.int64()),
        "name": pa.array([f"row {i}" if i % 7 else None for i in range(n)], pa.string()),
        "score": pa.array([i / 3 for i in range(n)], pa.float64()),
        "flag": pa.array([i % 2 == 0 for i in range(n)], pa.bool_()),
        "small": pa.array([i % 100 for i in range(n)], pa.int8()),
        "count": pa.array([i * 3 for i in range(n)], pa.uint32()),
        "day": pa.array([datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 300)
                         for i in range(n)], pa.date32()),
        "ts": pa.array([base + datetime.timedelta(seconds=i) for i in range(n)],
                       pa.timestamp("us", tz="UTC")),
        "local_ts": pa.array([i * 1000 for i in range(n)], pa.timestamp("ms")),
        "amount": pa.array([decimal.Decimal(i) / 100 for i in range(n)], pa.decimal128(10, 2)),
        "blob": pa.array([bytes([i % 256]) * 3 for i in range(n)], pa.binary()),
        "f32": pa.array([i * 0.5 for i in range(n)], pa.float32()),
        "t": pa.array([i for i in range(n)], pa.time32("ms")),
        "digest": pa.array([struct.pack("<QQ", i, i) for i in range(n)], pa.binary(16)),
    })


def nested_table(n):
    return pa.table({
        "id": pa.array(range(n), pa.int32()),
        "tags": pa.array([[f"t{j}" for j in range(i % 4)] for i in range(n)],
                         pa.list_(pa.string())),
        "embedding": pa.array([[float(i), float(i) / 2] for i in range(n)],
                              pa.list_(pa.float32())),
        "meta": pa.array([{"source": f"s{i % 3}", "lengths": [i, i + 1]} for i in range(n)],
                         pa.struct([("source", pa.string()),
                                    ("lengths", pa.list_(pa.int64()))])),
        "attrs": pa.array([[("k", i)] for i in range(n)], pa.map_(pa.string(), pa.int32())),
    })


def dict_table(n):
    labels = pa.array([["cat", "dog", "bird"][i % 3] for i in range(n)]).dictionary_encode()
    return pa.table({
        "label": labels,
        "text": pa.array([f"sample text {i}" for i in range(n)], pa.large_string()),
        "score": pa.array([i for i in range(n)], pa.int16()),
    })


def hf_table(n):
    """Columns like a Hugging Face `datasets` text-classification split."""
    return pa.table({
        "text": pa.array([f"r{i}, \"q\"\nl2" for i in range(n)]),
        "label": pa.array([i % 2 for i in range(n)], pa.int64()),
        "input_ids": pa.array([[101, i, 102] for i in range(n)], pa.list_(pa.int32())),
        "attention_mask": pa.array([[1, 1, 1] for _ in range(n)], pa.list_(pa.int8())),
    })


# --- writers -------------------------------------------------------------------------------

def write_parquet(out):
    specs = [
        ("parquet/flat_snappy.parquet", flat_table(350),
         dict(compression="snappy", row_group_size=100)),
        ("parquet/flat_none.parquet", flat_table(10), dict(compression="none")),
        ("parquet/nested.parquet", nested_table(120),
         dict(compression="none", row_group_size=50)),
        ("parquet/dictionary.parquet", dict_table(200),
         dict(compression="snappy", use_dictionary=True, row_group_size=64)),
        ("parquet/hf_zstd_v2pages.parquet", hf_table(300),
         dict(compression="zstd", data_page_version="2.0", row_group_size=128)),
        ("parquet/empty.parquet", flat_table(0), dict()),
        # INT96 timestamps, the pre-2.0 list layout (list.item), format version 1.0, no
        # stored arrow schema, unsigned and small integers.
        ("parquet/legacy_int96.parquet",
         pa.table({"ts": flat_table(30).column("ts"), "tags": nested_table(30).column("tags"),
                   "u8": pa.array(range(30), pa.uint8()), "i16": pa.array(range(30), pa.int16()),
                   "u64": pa.array(range(30), pa.uint64())}),
         dict(use_deprecated_int96_timestamps=True, use_compliant_nested_type=False,
              version="1.0", store_schema=False, compression="gzip")),
    ]
    for rel, table, kw in specs:
        path = os.path.join(out, rel)
        pq.write_table(table, path, **kw)
        rows, cols, groups = parquet_expect(path)
        assert rows == table.num_rows
        add(rel, "parquet", rows, cols, row_groups=groups)
    return os.path.join(out, "parquet/flat_snappy.parquet")


def write_arrow(out):
    # IPC file format, several batches, a dictionary column.
    rel = "arrow/file_batches.arrow"
    table = dict_table(250)
    with ipc.new_file(os.path.join(out, rel), table.schema) as w:
        for batch in table.to_batches(max_chunksize=60):
            w.write_batch(batch)
    with ipc.open_file(os.path.join(out, rel)) as r:
        read = r.read_all()
        assert r.num_record_batches == 5
    add(rel, "arrow", read.num_rows, [[f.name, arrow_dtype(f.type)] for f in read.schema])

    # Feather v2 (= IPC file) with compressed bodies.
    rel = "arrow/nested_zstd.feather"
    feather.write_feather(nested_table(90), os.path.join(out, rel), compression="zstd",
                          chunksize=40)
    read = feather.read_table(os.path.join(out, rel))
    add(rel, "arrow", read.num_rows, [[f.name, arrow_dtype(f.type)] for f in read.schema])

    # IPC stream format, as Hugging Face `datasets` writes its cache files: a
    # RecordBatchStreamWriter, schema metadata under "huggingface", 1000-row batches.
    rel = "arrow/hf_stream.arrow"
    table = hf_table(2100)
    features = {"text": {"dtype": "string", "_type": "Value"},
                "label": {"dtype": "int64", "_type": "Value"}}
    schema = table.schema.with_metadata({"huggingface": json.dumps({"info": {"features": features}})})
    with ipc.new_stream(os.path.join(out, rel), schema) as w:
        for batch in table.to_batches(max_chunksize=1000):
            w.write_batch(batch.replace_schema_metadata(schema.metadata))
    with open(os.path.join(out, rel), "rb") as f:
        read = ipc.open_stream(f).read_all()
    add(rel, "arrow", read.num_rows, [[f.name, arrow_dtype(f.type)] for f in read.schema])

    # Stream with dictionary batches, flat types and more types.
    rel = "arrow/stream_dict.arrows"
    table = pa.concat_tables([dict_table(30), dict_table(30)])
    extra = pa.table({
        "flat": flat_table(60).column("ts"),
        "dur": pa.array(range(60), pa.duration("s")),
        "fsl": pa.array([[i, i] for i in range(60)], pa.list_(pa.int16(), 2)),
        "big": pa.array([[i] for i in range(60)], pa.large_list(pa.float64())),
        "half": pa.array([None] * 60, pa.null()),
        "dec": pa.array([decimal.Decimal(i) for i in range(60)], pa.decimal256(40, 0)),
        "t64": pa.array(range(60), pa.time64("ns")),
        "d64": pa.array([i * 86400000 for i in range(60)], pa.date64()),
        "b": pa.array([i % 3 == 0 for i in range(60)], pa.bool_()),
        "u64": pa.array(range(60), pa.uint64()),
        "f16": pa.array([None] * 60, pa.float16()),
        "bin": pa.array([b"x"] * 60, pa.binary()),
        "lbin": pa.array([b"y"] * 60, pa.large_binary()),
        "fsb": pa.array([b"abcd"] * 60, pa.binary(4)),
        "sv": pa.array([f"v{i}" for i in range(60)], pa.string_view()),
        "bv": pa.array([b"w"] * 60, pa.binary_view()),
        "lv": pa.array([[i] for i in range(60)], pa.list_view(pa.int32())),
        "ree": pa.RunEndEncodedArray.from_arrays(pa.array([30, 60], pa.int32()),
                                                 pa.array(["a", "b"])),
        # (No union column: pyarrow writes union buffers with uninitialised padding, which
        # would make this file differ on every run.)
        "iv": pa.array([pa.MonthDayNano([1, 2, 3])] * 60, pa.month_day_nano_interval()),
        "mp": pa.array([[("k", 1.5)]] * 60, pa.map_(pa.string(), pa.float64())),
    })
    for name in extra.column_names:
        table = table.append_column(name, extra.column(name))
    with ipc.new_stream(os.path.join(out, rel), table.schema) as w:
        for batch in table.to_batches(max_chunksize=25):
            w.write_batch(batch)
    with open(os.path.join(out, rel), "rb") as f:
        read = ipc.open_stream(f).read_all()
    add(rel, "arrow", read.num_rows, [[f.name, arrow_dtype(f.type)] for f in read.schema])

    # An empty stream (schema, no batches).
    rel = "arrow/empty_stream.arrow"
    with ipc.new_stream(os.path.join(out, rel), hf_table(0).schema):
        pass
    add(rel, "arrow", 0, [[f.name, arrow_dtype(f.type)] for f in hf_table(0).schema])
    return os.path.join(out, "arrow/file_batches.arrow"), os.path.join(out, "arrow/hf_stream.arrow")


def write_text(out):
    # CSV with quoted fields: commas, doubled quotes, newlines (LF and CRLF), a blank line,
    # CRLF record ends, a unicode header, no newline at the end.
    rel = "text/quoted.csv"
    rows = [["id", "text", "note, with comma", "émoji"]]
    for i in range(40):
        rows.append([str(i), f"line one\nline two {i}" if i % 3 == 0 else f"say \"hi\" {i}",
                     "a,b" if i % 2 else "", "✓"])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().replace("\r\n5,", "\r\n\r\n5,", 1).rstrip("\r\n")
    path = os.path.join(out, rel)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(data)
    t = pacsv.read_csv(path)
    add(rel, "csv", t.num_rows, [[n, "string"] for n in t.column_names])

    rel = "text/simple.csv"
    path = os.path.join(out, rel)
    pacsv.write_csv(flat_table(25).select(["id", "name", "score"]), path)
    t = pacsv.read_csv(path)
    add(rel, "csv", t.num_rows, [[n, "string"] for n in t.column_names])

    # Old Mac line ends (a lone CR), a quoted CR inside a field, blank lines.
    rel = "text/cr_only.csv"
    path = os.path.join(out, rel)
    with open(path, "wb") as f:
        f.write(b"a,b\r1,\"x\ry\"\r\r2,z\r3,\"\"\r")
    t = pacsv.read_csv(path)
    add(rel, "csv", t.num_rows, [[n, "string"] for n in t.column_names])

    rel = "text/data.tsv"
    path = os.path.join(out, rel)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["sentence", "label", "source"])
        for i in range(33):
            w.writerow([f"a sentence, number {i}", i % 2, "tab\there" if i == 4 else "web"])
    t = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter="\t"))
    add(rel, "tsv", t.num_rows, [[n, "string"] for n in t.column_names])

    rel = "text/records.jsonl"
    path = os.path.join(out, rel)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(57):
            rec = {"id": i, "text": f"hello {i}", "score": i + 0.5, "ok": i % 2 == 0,
                   "tags": ["a", "b"], "meta": {"k": i}, "missing": None}
            f.write(json.dumps(rec) + "\n")
            if i == 10:
                f.write("\n")
    t = pajson.read_json(path)
    add(rel, "jsonl", t.num_rows, [[f.name, arrow_dtype(f.type)] for f in t.schema])

    rel = "text/records.ndjson"
    path = os.path.join(out, rel)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(json.dumps({"q": f"question {i}", "n": [i * 1.5]}) for i in range(9)))
    t = pajson.read_json(path)
    add(rel, "jsonl", t.num_rows, [[f.name, arrow_dtype(f.type)] for f in t.schema])

    rel = "text/array.json"
    path = os.path.join(out, rel)
    items = [{"instruction": f"do {i}", "input": "[not, an, array]", "output": "}\"{",
              "n": i} for i in range(42)]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(items, f, indent=2)
    with open(path, encoding="utf-8") as f:
        loaded = json.load(f)
    kinds = {str: "string", int: "int64"}
    add(rel, "json", len(loaded), [[k, kinds[type(v)]] for k, v in loaded[0].items()])

    rel = "text/info.json"
    with open(os.path.join(out, rel), "w", encoding="utf-8") as f:
        json.dump({"description": "a dataset_info.json", "splits": {"train": 10}}, f)
    add(rel, "json", None, [], note="object, not an array")

    # TFRecord (tf.train.Example records), written and read back by the `tfrecord` package.
    for rel, n in (("text/examples.tfrecord", 37), ("text/shard.tfrecord-00000-of-00002", 0)):
        path = os.path.join(out, rel)
        w = tfrecord.TFRecordWriter(path)
        for i in range(n):
            # One feature per example: protobuf serialises a map of several in no fixed
            # order, which would make the file differ on every run.
            w.write({"image": (bytes([i]) * (i * 10), "byte")})
        w.close()
        add(rel, "tfrecord", sum(1 for _ in tfrecord_iterator(path)), [])

    rel = "text/corpus.txt"
    path = os.path.join(out, rel)
    with open(path, "w", encoding="utf-8") as f:
        f.write("first line\n\nthird line\nfourth")
    with open(path, "rb") as f:
        add(rel, "text", len(f.read().split(b"\n")), [])


def write_malformed(out, parquet_path, arrow_file, arrow_stream):
    def put(rel, data, fmt, note):
        with open(os.path.join(out, rel), "wb") as f:
            f.write(data)
        add(rel, fmt, None, None, note=note)

    with open(parquet_path, "rb") as f:
        pq_bytes = f.read()
    footer_len = struct.unpack("<I", pq_bytes[-8:-4])[0]
    put("malformed/truncated.parquet", pq_bytes[: len(pq_bytes) // 2], "parquet",
        "no PAR1 magic at the end")
    put("malformed/footer_cut.parquet",
        pq_bytes[:4] + pq_bytes[-8 - footer_len // 2:], "parquet", "malformed footer")
    put("malformed/footer_len_lies.parquet",
        pq_bytes[:-8] + struct.pack("<I", 0xFFFFFFF0) + b"PAR1", "parquet", "exceeds the file")
    # A footer whose schema list claims 2^40 elements (list header 0xFC + varint size).
    huge = bytes([0x15, 0x04, 0x19, 0xFC]) + bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x20])
    put("malformed/huge_list.parquet",
        b"PAR1" + huge + struct.pack("<I", len(huge)) + b"PAR1", "parquet", "elements but only")
    # A schema nested 10 000 groups deep, each declaring one child.
    elems = bytearray([0x15, 0x04, 0x19, 0xFC]) + bytearray([0x91, 0x4E])  # 10001 structs
    for _ in range(10001):
        elems += bytes([0x48, 0x01, ord("g"), 0x15, 0x02, 0x00])  # name "g", num_children 1
    put("malformed/deep_schema.parquet",
        b"PAR1" + bytes(elems) + struct.pack("<I", len(elems)) + b"PAR1", "parquet", "deeper")
    put("malformed/not_parquet.parquet", b"hello, world: this is not parquet\n", "parquet",
        "not a parquet file")

    with open(arrow_file, "rb") as f:
        af = f.read()
    put("malformed/truncated_file.arrow", af[: len(af) - 20], "arrow", "no ARROW1 magic at the end")
    flen = struct.unpack("<i", af[-10:-6])[0]
    put("malformed/footer_len_lies.arrow", af[:-10] + struct.pack("<i", 0x7FFFFFF0) + b"ARROW1",
        "arrow", "does not fit")
    # Point the footer's first record-batch block at the end of the file.
    footer = bytearray(af[-10 - flen:-10])
    start = len(af) - 10 - flen
    # Blocks are the only 24-byte structs whose metaDataLength is 8-aligned and whose offset
    # points at a continuation marker; find the first one by scanning the footer.
    for i in range(0, len(footer) - 24, 8):
        off, mlen = struct.unpack_from("<qi", footer, i)
        if 8 <= off < start and mlen > 0 and af[off:off + 4] == b"\xff\xff\xff\xff" \
                and mlen % 8 == 0 and struct.unpack_from("<i", af, off + 4)[0] == mlen - 8:
            struct.pack_into("<q", footer, i, len(af) - 4)
            break
    else:
        raise SystemExit("no record batch block found in the arrow footer")
    put("malformed/block_outside.arrow", af[:start] + bytes(footer) + af[-10:], "arrow",
        "does not fit")

    with open(arrow_stream, "rb") as f:
        st = f.read()
    put("malformed/truncated_stream.arrow", st[: len(st) // 2], "arrow", "runs past the end")
    meta_len = struct.unpack("<i", st[4:8])[0]
    put("malformed/stream_len_lies.arrow",
        st[:4] + struct.pack("<i", 0x7FFFFFF0) + st[8:4096], "arrow", "does not fit")
    put("malformed/stream_garbage.arrow",
        b"\xff\xff\xff\xff" + struct.pack("<i", 16) + b"\x07" * 16 + b"\0" * 8, "arrow",
        "malformed arrow message")
    assert meta_len > 0

    with open(os.path.join(out, "text/examples.tfrecord"), "rb") as f:
        tf = f.read()
    put("malformed/truncated.tfrecord", tf[:-3], "tfrecord", "runs past the end")
    put("malformed/not_tfrecord.tfrecord", b"id,text\n1,hello\n2,world\n", "tfrecord",
        "not a TFRecord file")

    put("malformed/unterminated.csv", b"a,b\n1,\"never closed\n2,3\n", "csv", "not closed")
    put("malformed/truncated.json", b"[{\"a\": 1}, {\"a\": ", "json", "not closed")
    put("malformed/deep.json", b"[" * 5000, "json", "deeper")


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    for sub in ("parquet", "arrow", "text", "malformed"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    parquet_path = write_parquet(out)
    arrow_file, arrow_stream = write_arrow(out)
    write_text(out)
    write_malformed(out, parquet_path, arrow_file, arrow_stream)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        # One line per file, so that a regenerated manifest diffs line by line.
        f.write('{"generator": "scripts/gen_dataset_fixtures.py", "pyarrow": %s, "files": [\n'
                % json.dumps(pa.__version__))
        f.write(",\n".join(json.dumps(e, ensure_ascii=False) for e in MANIFEST))
        f.write("\n]}\n")
    print(f"wrote {len(MANIFEST)} fixtures to {out}")


if __name__ == "__main__":
    main()
