"""The run id a figure carries: common.plots writes it into each PNG as a tEXt chunk, and
`python -m common.report --check` reads it back here (standard library only: no matplotlib or
torch to import for a check)."""
import struct
import zlib

RUN_KEY = "hw1-run"            # PNG tEXt keyword holding the run id of the results drawn


def png_run_id(path):
    """The run id stored in a PNG written by common.plots.save (None when it has none or is not a PNG)."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"tEXt" and b"\0" in body:
            key, value = body.split(b"\0", 1)
            if key.decode("latin-1") == RUN_KEY:
                return value.decode("latin-1")
        elif kind == b"zTXt" and b"\0" in body:
            key, value = body.split(b"\0", 1)
            if key.decode("latin-1") == RUN_KEY:
                return zlib.decompress(value[1:]).decode("latin-1")
        elif kind == b"IEND":
            break
        position += 12 + length
    return None
