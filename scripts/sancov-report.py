#!/usr/bin/env python3
"""Per-file edge and function coverage of vtm in a libFuzzer binary.

Usage: scripts/sancov-report.py BINARY CONTROL SOURCE.c...

BINARY is a libFuzzer binary built with -fsanitize=fuzzer (its
__sancov_pcs section lists every instrumented edge, function entries
flagged).  CONTROL is the control file of a merge of the corpus
(-merge=1 -merge_control_file=CONTROL EMPTY_DIR CORPUS): its "COV"
lines name, by index in that table, the edges each input reached
(libFuzzer's -print_pcs prints nothing while it replays a corpus).  Prints,
for each SOURCE file, the functions reached of those instrumented and
the edges reached of those instrumented, then the total.

libFuzzer's own -print_coverage cannot do this for a build without
debug information: it drops every function whose file the symbolizer
cannot name, which is every global function (only static ones are
named, through the symbol table's FILE entries).  Here a function's file
comes from the symbol table for static functions and from the sources'
definitions for global ones.  An inlined function's edges count in the
function it was inlined into.
"""
import os
import re
import struct
import sys

STT_FUNC = 2
STT_FILE = 4
STB_LOCAL = 0
# of an ELF64 section header: name, offset, size, link, entsize
SHDR_FIELDS = '<I4x8x8xQQI4x8xQ'


def sections(elf):
    """The section headers, in order: (name, offset, size, entsize, link)."""
    shoff, = struct.unpack_from('<Q', elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3a)
    heads = [struct.unpack_from(SHDR_FIELDS, elf, shoff + i * shentsize)
             for i in range(shnum)]
    names_off = heads[shstrndx][1]
    return [(cstring(elf, names_off + name), off, size, entsize, link)
            for name, off, size, link, entsize in heads]


def cstring(elf, off):
    return elf[off:elf.index(b'\0', off)].decode(errors='replace')


def functions(elf, heads):
    """Yields (address, name, file or None) of every defined function."""
    _, off, size, entsize, link = section(heads, '.symtab')
    # the symbol names are in the string table the symbol table links to
    names_off = heads[link][1]
    current_file = None
    for i in range(entsize, size, entsize):
        name, info, _other, shndx, value, _size = struct.unpack_from(
            '<IBBHQQ', elf, off + i)
        sym = cstring(elf, names_off + name)
        kind, bind = info & 0xf, info >> 4
        if kind == STT_FILE:
            current_file = os.path.basename(sym)
        elif kind == STT_FUNC and shndx != 0 and value:
            yield value, sym, current_file if bind == STB_LOCAL else None


def section(heads, name):
    for head in heads:
        if head[0] == name:
            return head
    sys.exit(f'no {name} section (not a libFuzzer binary, or stripped)')


def pc_table(elf, heads):
    """Returns the instrumented PCs, in table order, and which are entries."""
    _, off, size, _, _ = section(heads, '__sancov_pcs')
    table = []
    for i in range(0, size, 16):
        pc, flags = struct.unpack_from('<QQ', elf, off + i)
        table.append((pc, bool(flags & 1)))
    return table


def defined_in(sources):
    """Maps the name of each function defined at column 0 to its file."""
    where = {}
    head = re.compile(r'^[A-Za-z_][^;=()]*?\b([A-Za-z_]\w*)\(')
    for path in sources:
        with open(path, encoding='utf-8', errors='replace') as f:
            for line in f:
                m = head.match(line)
                if m and not line.rstrip().endswith(';'):
                    where.setdefault(m.group(1), os.path.basename(path))
    return where


def reached_edges(control):
    """The PC table indices a merge's control file says the corpus reached."""
    reached = set()
    with open(control, errors='replace') as f:
        for line in f:
            if line.startswith('COV '):
                reached.update(int(i) for i in line.split()[2:])
    return reached


def files_of_functions(elf, heads, sources):
    """Maps the entry address of each function of SOURCES to its file."""
    files = {os.path.basename(p) for p in sources}
    by_source = defined_in(sources)
    file_of = {}
    for addr, name, sym_file in functions(elf, heads):
        # a static function is placed by the symbol table, so that another
        # file's static function of the same name is not counted as ours
        f = sym_file if sym_file in files else by_source.get(name)
        if f in files and sym_file in (None, f):
            file_of[addr] = f
    return file_of


def tally(table, file_of, reached):
    """Per file: [functions reached, functions, edges reached, edges]."""
    stats = {}
    current, hit = None, False
    for index, (pc, entry) in enumerate(table + [(None, True)]):
        if entry:
            if current is not None:
                stats[current][0] += hit
                stats[current][1] += 1
            current = file_of.get(pc)
            stats.setdefault(current, [0, 0, 0, 0])
            hit = False
        if current is not None:
            ok = index in reached
            hit |= ok
            stats[current][2] += ok
            stats[current][3] += 1
    stats.pop(None, None)
    return stats


def report_line(name, s):
    return (f'{name:<24} functions {s[0]:3}/{s[1]:3}  '
            f'edges {s[2]:5}/{s[3]:5} ({100 * s[2] / max(s[3], 1):3.0f}%)')


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.split('\n\n')[1])
    binary, control, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(binary, 'rb') as f:
        elf = f.read()
    heads = sections(elf)
    table = pc_table(elf, heads)
    file_of = files_of_functions(elf, heads, sources)
    if not any(entry and pc in file_of for pc, entry in table):
        # e.g. a table whose addresses are left to load-time relocation
        sys.exit(f'{binary}: no function of the sources in its PC table')
    stats = tally(table, file_of, reached_edges(control))
    total = [0, 0, 0, 0]
    for name in sorted(stats):
        total = [a + b for a, b in zip(total, stats[name])]
        print(report_line(name, stats[name]))
    print(report_line('total', total))


if __name__ == '__main__':
    main()
