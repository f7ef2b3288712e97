"""Just enough Groovy for Jenkinsfiles: tokens with lines, and a tree of bracket groups
split into statements.

Every Groovy string kind is read (``'...'``, ``"..."`` with ``${...}`` holding nested
strings and braces, ``'''...'''``, ``\"\"\"...\"\"\"``, slashy ``/.../`` where a value may
start, dollar-slashy ``$/.../$``), so braces and quotes inside strings and comments
never unbalance the tree. Both passes are loops over an explicit stack: hostile input
can make them slow in proportion to its size, never recurse without bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xops_lens.errors import ParseError

MAX_NESTING = 100

_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_IDENT = _IDENT_START | frozenset("0123456789")
_OPERATORS = ("==~", "<=>", "..<", "?.", "*.", ".&", ".@", "?:", "==", "!=", "<=", ">=", "&&",
              "||", "->", "<<", ">>", "++", "--", "+=", "-=", "*=", "/=", "=~", "**", "..",
              "::")
# By first character, longest first: trying all of them at every operator character
# was most of the time of a line of operators.
_OPERATORS_AT = {first: tuple(o for o in _OPERATORS if o[0] == first)
                 for first in {o[0] for o in _OPERATORS}}
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
# After these a `/` divides; anywhere else it starts a slashy string.
_VALUE_END = frozenset({"id", "num", "str"})
# slashy_ends' memory, one byte per position: not walked yet, or what a walk found there.
_UNKNOWN, _OPEN, _CLOSES = 0, 1, 2
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"', "$": "$", "/": "/", "r": "\r",
            "\n": ""}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # id, num, str, op, nl
    value: str  # for str: the content, escapes resolved, ${...} kept as written
    line: int
    start: int
    end: int


@dataclass(slots=True)
class Group:
    """A bracketed group: ``(...)``, ``[...]`` or ``{...}``, with what it holds."""

    open: Token
    close: Token
    items: list[Node] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.open.value

    @property
    def line(self) -> int:
        return self.open.line

    @property
    def start(self) -> int:
        return self.open.start

    @property
    def end(self) -> int:
        return self.close.end


Node = Token | Group


class _Lexer:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self.line = 1
        self.interpolations = 0  # ${ "${ ... }" } nesting: each level recurses
        # Whether a slashy string starting before a position closes on its line, for
        # each position a look-ahead has already walked (see slashy_ends).
        self._slashy_close: bytearray | None = None
        self.tokens: list[Token] = []

    def error(self, message: str, line: int) -> ParseError:
        return ParseError(self.path, message, line)

    def previous_kind(self) -> str | None:
        for token in reversed(self.tokens):
            if token.kind != "nl":
                return token.kind if token.kind != "op" or token.value not in ")]" else "id"
            return None
        return None

    def run(self) -> list[Token]:
        text, n = self.text, len(self.text)
        if text.startswith("#!"):
            self.pos = text.find("\n") if "\n" in text else n
        while self.pos < n:
            ch = text[self.pos]
            if ch == "\n":
                self.add("nl", "\n", self.pos, self.pos + 1)
                self.line += 1
                self.pos += 1
            elif ch in " \t\r\f":
                self.pos += 1
            elif ch == "\\" and text.startswith("\n", self.pos + 1):
                self.line += 1
                self.pos += 2
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.error("unclosed /* comment", self.line)
                self.line += text.count("\n", self.pos, end)
                self.pos = end + 2
            elif ch in "'\"":
                self.string()
            elif ch == "$" and text.startswith("$/", self.pos):
                self.delimited("$/", "/$", gstring=True)
            elif ch == "/" and self.previous_kind() not in _VALUE_END and self.slashy_ends():
                self.delimited("/", "/", gstring=True)
            elif ch in _IDENT_START:
                end = self.pos + 1
                while end < n and text[end] in _IDENT:
                    end += 1
                self.add("id", text[self.pos:end], self.pos, end)
                self.pos = end
            elif ch.isdigit():
                end = self.pos + 1
                while end < n and (text[end].isalnum() or text[end] in "._"):
                    if text[end] == "." and (end + 1 >= n or not text[end + 1].isdigit()):
                        break
                    end += 1
                self.add("num", text[self.pos:end], self.pos, end)
                self.pos = end
            elif ch.isspace() or ord(ch) < 32:
                self.pos += 1
            else:
                op = next((o for o in _OPERATORS_AT.get(ch, ()) if text.startswith(o, self.pos)),
                          ch)
                self.add("op", op, self.pos, self.pos + len(op))
                self.pos += len(op)
        return self.tokens

    def add(self, kind: str, value: str, start: int, end: int, line: int | None = None) -> None:
        if kind == "nl" and self.tokens and self.tokens[-1].kind == "nl":
            return
        self.tokens.append(Token(kind, value, line or self.line, start, end))

    def slashy_ends(self) -> bool:
        """A slashy string must close on its line; otherwise the `/` is an operator.

        The walk to the closing `/` is remembered for every position it passes: without
        that, each `/` of a line of ``\\/\\/\\/...`` (an operator after the `\\` before it)
        walked to the end of the line again, quadratic in the line (50 KB took 25 s)."""
        start = self.pos + 1
        text, n = self.text, len(self.text)
        if start < n and text[start] in "/*= \t\n":
            return False
        if self._slashy_close is None:  # one byte per character, only for files with `/`
            self._slashy_close = bytearray(n + 1)
        known = self._slashy_close
        end, found = start, _OPEN
        while end < n and text[end] != "\n":
            found = known[end]
            if found != _UNKNOWN:
                break
            if text[end] == "\\":
                end += 2
            elif text[end] == "/":
                found = _CLOSES
                break
            else:
                end += 1
        else:
            found = _OPEN
        stop, end = end, start
        while end < stop:  # the same walk again, remembering its answer
            known[end] = found
            end += 2 if text[end] == "\\" else 1
        return found == _CLOSES

    def string(self) -> None:
        text = self.text
        quote = text[self.pos]
        triple = text.startswith(quote * 3, self.pos)
        delimiter = quote * 3 if triple else quote
        self.delimited(delimiter, delimiter, gstring=quote == '"', multiline=triple)

    def delimited(self, opener: str, closer: str, *, gstring: bool,
                  multiline: bool = True) -> None:
        text, n = self.text, len(self.text)
        start, line = self.pos, self.line
        i = self.pos + len(opener)
        out: list[str] = []
        slashy = opener in ("/", "$/")
        while True:
            if i >= n:
                raise self.error("unclosed string", line)
            ch = text[i]
            if text.startswith(closer, i):
                i += len(closer)
                break
            if ch == "\n":
                if not multiline:
                    raise self.error("unclosed string", line)
                self.line += 1
            if ch == "\\" and i + 1 < n and not (slashy and text[i + 1] != "/"):
                nxt = text[i + 1]
                out.append(_ESCAPES.get(nxt, "\\" + nxt))
                if nxt == "\n":
                    self.line += 1
                i += 2
                continue
            if gstring and text.startswith("${", i):
                end = self.interpolation(i + 2, line)
                out.append(text[i:end])
                i = end
                continue
            out.append(ch)
            i += 1
        self.tokens.append(Token("str", "".join(out), line, start, i))
        self.pos = i

    def interpolation(self, i: int, line: int) -> int:
        """The end of a ``${...}``: braces balance, nested strings are skipped whole."""
        if self.interpolations >= MAX_NESTING:  # hostile input: recursion, not a traceback
            raise self.error(f"strings nested deeper than {MAX_NESTING}", line)
        self.interpolations += 1
        try:
            return self._interpolation_end(i, line)
        finally:
            self.interpolations -= 1

    def _interpolation_end(self, i: int, line: int) -> int:
        text, n = self.text, len(self.text)
        depth = 1
        while i < n:
            ch = text[i]
            if ch == "\n":
                self.line += 1
            elif ch in "'\"":
                saved = (self.pos, len(self.tokens))
                self.pos = i
                self.string()
                i = self.pos
                self.pos = saved[0]
                del self.tokens[saved[1]:]
                continue
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise self.error("unclosed ${ in string", line)


def tokenize(text: str, path: str) -> list[Token]:
    return _Lexer(text, path).run()


def build_tree(tokens: list[Token], path: str) -> list[Node]:
    """Nest tokens into groups; an unbalanced bracket is a ParseError at its line."""
    root: list[Node] = []
    stack: list[tuple[Token, list[Node]]] = []
    current = root
    for token in tokens:
        if token.kind == "op" and token.value in _OPENERS:
            if len(stack) >= MAX_NESTING:
                raise ParseError(path, f"brackets nested deeper than {MAX_NESTING}", token.line)
            stack.append((token, current))
            current = []
        elif token.kind == "op" and token.value in _CLOSERS:
            if not stack:
                raise ParseError(path, f"unexpected {token.value!r} with nothing to close",
                                 token.line)
            opener, parent = stack.pop()
            if _OPENERS[opener.value] != token.value:
                raise ParseError(path, f"{opener.value!r} opened here is closed by "
                                       f"{token.value!r} on line {token.line}", opener.line)
            parent.append(Group(opener, token, current))
            current = parent
        else:
            current.append(token)
    if stack:
        opener = stack[-1][0]
        raise ParseError(path, f"{opener.value!r} is never closed", opener.line)
    return root


# Tokens that cannot end a statement: the expression goes on on the next line.
_CONTINUES_AFTER = frozenset({",", ".", "?.", "*.", "+", "-", "*", "/", "=", "==", "!=", "&&",
                              "||", "?", ":", "?:", "->", "<", ">", "<=", ">=", "+=", "-=",
                              "<<", "=~", "==~", "!", "in", "instanceof", "**", "%", "&", "|",
                              "..", "..<"})
_CONTINUES_BEFORE = frozenset({".", "?.", "*.", "?", ":", "?:", "&&", "||", "else", "catch",
                               "finally", "=", "==", "!=", "->"})
_HEADERS = frozenset({"if", "for", "while", "catch", "switch", "synchronized"})


def _word(node: Node | None) -> str | None:
    if isinstance(node, Token) and node.kind in ("op", "id"):
        return node.value
    return None


def _waits_for_body(statement: list[Node]) -> bool:
    """``if (x)`` / ``else`` / ``try`` / ``def f()`` with the body on the next line."""
    if not statement:
        return False
    last = statement[-1]
    if isinstance(last, Token) and last.kind == "id" and last.value in ("else", "try",
                                                                          "finally"):
        return True
    if isinstance(last, Group) and last.kind == "(" and len(statement) >= 2:
        head = _word(statement[-2])
        return head in _HEADERS
    return False


def statements(items: list[Node]) -> list[list[Node]]:
    """Split a block's items into statements at newlines and semicolons."""
    result: list[list[Node]] = []
    current: list[Node] = []
    for index, node in enumerate(items):
        if isinstance(node, Token) and (node.kind == "nl" or node.value == ";"
                                        and node.kind == "op"):
            if node.kind == "nl" and current:
                last = _word(current[-1])
                # Indexes, not items[index + 1:]: copying the rest at every newline made
                # a 100,000-line Jenkinsfile take minutes (hostile input).
                following = next((items[k] for k in range(index + 1, len(items))
                                  if not (isinstance(items[k], Token)
                                          and items[k].kind == "nl")), None)
                if last in _CONTINUES_AFTER or _word(following) in _CONTINUES_BEFORE \
                        or _waits_for_body(current):
                    continue
            if current:
                result.append(current)
                current = []
            continue
        current.append(node)
    if current:
        result.append(current)
    return result
