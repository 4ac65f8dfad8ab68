#!/usr/bin/env python3
"""Checks the layout rules of docs/architecture.md on the source tree.

  check_layout.py layering ROOT   every #include "spikeworm/<folder>/..." in a folder's headers and sources
                                  names the same folder or one below it, and each folder's CMake target links
                                  only to spikeworm targets below it
  check_layout.py size ROOT       outside tests/, no function over 100 lines and no file over 600 lines
  check_layout.py self-test       both checks fail on a small tree that breaks each rule

Exit status 0 when the rules hold, 1 with one line per violation otherwise.
"""
import os
import re
import sys
import tempfile

# Which folders each folder may use (itself included); the dependency order is
# cli -> app -> learning -> {deploy, envs} -> engine -> models -> core.
ALLOWED = {
    'core': {'core'},
    'models': {'models', 'core'},
    'engine': {'engine', 'models', 'core'},
    'deploy': {'deploy', 'engine', 'models', 'core'},
    'envs': {'envs', 'engine', 'models', 'core'},
    'learning': {'learning', 'deploy', 'envs', 'engine', 'models', 'core'},
    'app': {'app', 'learning', 'deploy', 'envs', 'engine', 'models', 'core'},
    'cli': {'cli', 'app', 'learning', 'deploy', 'envs', 'engine', 'models', 'core'},
}
LIBRARY_FOLDERS = list(ALLOWED)
SIZE_FOLDERS = LIBRARY_FOLDERS + ['bench']
MAX_FUNCTION_LINES = 100
MAX_FILE_LINES = 600
INCLUDE = re.compile(r'^\s*#\s*include\s*"spikeworm/([a-z_]+)/')
LINK = re.compile(r'target_link_libraries\s*\(\s*(\S+)([^)]*)\)', re.S)


def sources(root, folder, endings=('.hpp', '.cpp', '.h')):
    for d, _, files in os.walk(os.path.join(root, folder)):
        for f in sorted(files):
            if f.endswith(endings):
                yield os.path.join(d, f)


def check_layering(root):
    problems = []
    for folder, allowed in ALLOWED.items():
        if not os.path.isdir(os.path.join(root, folder)):
            continue
        for path in sources(root, folder):
            with open(path, encoding='utf-8') as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if m and m.group(1) not in allowed:
                        problems.append(f'{os.path.relpath(path, root)}:{number}: {folder}/ includes '
                                        f'spikeworm/{m.group(1)}/, a folder above it')
        cmake = os.path.join(root, folder, 'CMakeLists.txt')
        if os.path.exists(cmake):
            text = open(cmake, encoding='utf-8').read()
            for m in LINK.finditer(text):
                if m.group(1) != f'spikeworm_{folder}':
                    continue
                for dep in re.findall(r'spikeworm_([a-z]+)', m.group(2)):
                    if dep in ALLOWED and dep not in allowed:
                        problems.append(f'{folder}/CMakeLists.txt: spikeworm_{folder} links to spikeworm_{dep}, '
                                        'a target above it')
    return problems


def strip_code(text):
    """Blanks comments, string and character literals, keeping line breaks."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            i = n if j < 0 else j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append('\n' * text.count('\n', i, j))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(')' + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + '\n' * text.count('\n', i, j))
            i = j
        elif c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
            out.append(c)  # a digit separator: 1'000'000
            i += 1
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


FUNCTION_HEAD = re.compile(r'\)\s*(const|noexcept|override|final|mutable|volatile|&|&&|->\s*[\w:<>,\s*&]+|\s)*$')
NOT_FUNCTION = re.compile(r'\b(if|for|while|switch|catch|return)\s*\(|=\s*\[|\[[^\]]*\]\s*\(')


def long_functions(text):
    """(first line, line count, name) of every function body at namespace or class scope."""
    code = strip_code(text)
    found = []
    stack = []  # per open brace: ('function', start line, name) or ('scope', ...)
    stmt_start = 0
    for i, c in enumerate(code):
        if c == '{':
            head = code[stmt_start:i]
            in_function = any(kind == 'function' for kind, _, _ in stack)
            if not in_function and FUNCTION_HEAD.search(head) and not NOT_FUNCTION.search(head.strip()):
                first = stmt_start + len(head) - len(head.lstrip())
                name = re.findall(r'([~\w:]+)\s*\(', head)
                stack.append(('function', code.count('\n', 0, first) + 1, name[0] if name else '?'))
            else:
                stack.append(('scope', 0, ''))
            stmt_start = i + 1
        elif c == '}':
            if stack:
                kind, start, name = stack.pop()
                if kind == 'function':
                    found.append((start, code.count('\n', 0, i) + 1 - start + 1, name))
            stmt_start = i + 1
        elif c == ';' or (c == ':' and re.search(r'\b(public|private|protected)\s*$', code[stmt_start:i])):
            stmt_start = i + 1
        elif c == '\n' and code[stmt_start:i].lstrip().startswith('#'):
            stmt_start = i + 1
    return found


def check_size(root, report_longest=0):
    problems, all_functions = [], []
    for folder in SIZE_FOLDERS:
        for path in sources(root, folder):
            rel = os.path.relpath(path, root)
            text = open(path, encoding='utf-8').read()
            lines = text.count('\n')
            if lines > MAX_FILE_LINES:
                problems.append(f'{rel}: {lines} lines (at most {MAX_FILE_LINES})')
            for start, count, name in long_functions(text):
                all_functions.append((count, f'{rel}:{start} {name}'))
                if count > MAX_FUNCTION_LINES:
                    problems.append(f'{rel}:{start}: {name} runs {count} lines (at most {MAX_FUNCTION_LINES})')
    for count, where in sorted(all_functions, reverse=True)[:report_longest]:
        print(f'{count:4d}  {where}')
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as root:
        for d in ('core/include/spikeworm/core', 'engine/src', 'models'):
            os.makedirs(os.path.join(root, d))
        open(os.path.join(root, 'core/include/spikeworm/core/a.hpp'), 'w').write(
            '#include "spikeworm/engine/network.hpp"\n')
        open(os.path.join(root, 'models/CMakeLists.txt'), 'w').write(
            'target_link_libraries(spikeworm_models PUBLIC spikeworm_core spikeworm_learning)\n')
        body = 'int f(int x) {\n' + '  x += 1;\n' * 120 + '  return x;\n}\n'
        open(os.path.join(root, 'engine/src/b.cpp'), 'w').write(body + '// pad\n' * 500)
        layering, size = check_layering(root), check_size(root)
    ok = (len(layering) == 2 and 'spikeworm/engine/' in layering[0] and 'spikeworm_learning' in layering[1]
          and len(size) == 2 and 'f runs 123 lines' in ' '.join(size) and '623 lines' in ' '.join(size))
    if not ok:
        print('self-test failed:', layering, size)
    # A function of exactly 100 lines, a lambda, a class with inline members and a string holding a brace pass.
    text = ('struct s {\n  int g() const noexcept { return 1; }\n};\n' 'int h() {\n  auto l = [] { return "{"; };\n'
            + '  l();\n' * 97 + '}\n')
    funcs = long_functions(text)
    if sorted(c for _, c, _ in funcs) != [1, 100]:
        print('self-test failed: function lengths', funcs)
        ok = False
    return ok


def main(argv):
    if len(argv) == 2 and argv[1] == 'self-test':
        return 0 if self_test() else 1
    if len(argv) >= 3 and argv[1] in ('layering', 'size'):
        root = argv[2]
        longest = int(argv[3]) if len(argv) > 3 else 0
        problems = check_layering(root) if argv[1] == 'layering' else check_size(root, longest)
        for p in problems:
            print(p)
        return 1 if problems else 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
