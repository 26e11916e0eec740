#!/usr/bin/env python3
"""File-level call circles among the library's sources (docs/conventions.md).

Reads the object files of a CMake build (default: build/), links each global
symbol a file references to the file that defines it (`nm`), and prints every
strongly connected group of more than one file, with the symbols behind each
edge. No output but the count line means calls between files go one way.

    /usr/bin/python3 tools/file_cycles.py [BUILD_DIR] [FOLDER...]   (from the repository root;
                                                                     default folders: src)
"""
import collections
import glob
import os
import subprocess
import sys


def objects(build, folders):
    seen = {}
    for o in glob.glob(os.path.join(build, 'CMakeFiles', '**', '*.o'), recursive=True):
        if 'layering' in o or '.dir/' not in o:
            continue
        src = o[o.index('.dir/') + 5:-2]  # the source path the object was built from
        if any(src.startswith(f.rstrip('/') + '/') for f in folders) and os.path.exists(src):
            seen.setdefault(src, o)
    return seen


def symbols(obj):
    defined, used = set(), set()
    for line in subprocess.run(['nm', obj], capture_output=True, text=True).stdout.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == 'U':
            used.add(f[1])
        elif len(f) == 3 and f[1] in 'TDBRCVW':
            defined.add(f[2])
    return defined, used


def circles(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(100000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else 'build'
    folders = sys.argv[2:] or ['src']
    objs = objects(build, folders)
    owner, used = {}, {}
    for src, obj in sorted(objs.items()):
        d, u = symbols(obj)
        used[src] = u
        for s in d:
            owner.setdefault(s, src)
    graph = collections.defaultdict(set)
    for src, u in used.items():
        graph[src]
        for s in u:
            if s in owner and owner[s] != src:
                graph[src].add(owner[s])
    groups = circles(graph)
    for g in groups:
        print('circle:', ' '.join(g))
        for a in g:
            for b in sorted(graph[a] & set(g)):
                print('   ', a, '->', b, ':', ' '.join(sorted(s for s in used[a] if owner.get(s) == b)[:8]))
    print(len(groups), 'circles among', len(used), 'files')
    return 1 if groups else 0


if __name__ == '__main__':
    sys.exit(main())
