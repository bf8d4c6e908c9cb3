#!/usr/bin/env python3
"""Write a C file holding files as static data, for wolfpackd to serve
them without reading anything at run time (the web console).

    embed-files.py OUTPUT.c FILE...

Each file becomes an entry of `const EmbeddedFile embedded_files[]` (see
src/daemon/embedded-files.h): its base name, its content type by its
extension, its bytes and their length; the table ends with a NULL name.
Names must be flat and match [a-z0-9-]+\\.(html|css|js|svg)."""
import os
import re
import sys

TYPES = {
    "html": "text/html; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "svg": "image/svg+xml",
}


def c_bytes(data):
    out = []
    for i in range(0, len(data), 24):
        out.append("        " + ", ".join("0x%02x" % b for b in data[i:i + 24]) + ",")
    return "\n".join(out)


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: embed-files.py OUTPUT.c FILE...")
    output, files = argv[1], argv[2:]
    entries, seen = [], set()
    for path in files:
        name = os.path.basename(path)
        m = re.fullmatch(r"[a-z0-9-]+\.(html|css|js|svg)", name)
        if not m:
            sys.exit("embed-files.py: %s: a name of [a-z0-9-] and .html, .css, .js or .svg is needed" % name)
        if name in seen:
            sys.exit("embed-files.py: %s is given twice" % name)
        seen.add(name)
        with open(path, "rb") as f:
            entries.append((name, TYPES[m.group(1)], f.read()))
    with open(output + ".tmp", "w") as f:
        f.write("/* Written by tools/embed-files.py at build time; do not edit. */\n")
        f.write('#include "embedded-files.h"\n\n')
        for i, (name, _, data) in enumerate(entries):
            f.write("static const unsigned char file_%d[%d] = {\n%s\n};\n" % (i, max(len(data), 1), c_bytes(data)))
        f.write("\nconst EmbeddedFile embedded_files[] = {\n")
        for i, (name, ctype, data) in enumerate(entries):
            f.write('        { "%s", "%s", file_%d, %d },\n' % (name, ctype, i, len(data)))
        f.write("        { 0 },\n};\n")
    os.replace(output + ".tmp", output)


if __name__ == "__main__":
    main(sys.argv)
