"""The mutants of one module: each is the module's source with one small change.

The changes are the ones a slip of the keyboard makes and a good test suite notices:
a comparison negated, `and` for `or`, a condition negated, an integer constant one higher
(0 becomes 1), `True` for `False`, and a statement inside a function replaced by `pass`.
Type annotations, docstrings, `if TYPE_CHECKING:` blocks and imports are left alone:
changing them changes nothing a test could observe. Nor are the module's own top-level
statements replaced: without them the module fails to import, which any test notices.

A mutant is applied by walking a fresh parse of the module in the same order as the
walk that listed it and changing the n-th candidate site, then unparsing the tree.
"""

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass

# A comparison's negation.
NEGATED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
SIMPLE_STATEMENTS = (
    ast.Expr,
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Return,
    ast.Raise,
    ast.Delete,
    ast.Assert,
    ast.Break,
    ast.Continue,
)


@dataclass(frozen=True)
class Mutant:
    index: int  # the site's position in the walk; applying it needs only this
    line: int
    scope: str  # the function or class it sits in, dotted
    operator: str
    before: str  # the smallest statement holding the change, as written
    after: str  # the same statement, changed

    @property
    def key(self) -> str:
        """What names the mutant across edits elsewhere in the module (line numbers move)."""
        return f"{self.scope} | {self.operator} | {self.before} -> {self.after}"


class _Sites(ast.NodeTransformer):
    """Counts candidate sites in walk order; changes the one numbered `target`, if any."""

    def __init__(self, target: int | None) -> None:
        self.target = target
        self.count = 0
        self.found: list[tuple[int, str, str, ast.AST]] = []  # index, operator, scope, node
        self.scope: list[str] = []
        self.changed: ast.AST | None = None

    def _site(self, operator: str, node: ast.AST) -> bool:
        """Records a site; True when it is the one to change."""
        index = self.count
        self.count += 1
        self.found.append((index, operator, ".".join(self.scope) or "<module>", node))
        return index == self.target

    # -- where not to look ----------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._scoped(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._scoped(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        return self._scoped(node)

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.AST:
        self.scope.append(node.name)
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        if not isinstance(node, ast.ClassDef):
            node.args = self.visit(node.args)
        node.body = self._body(node.body)
        self.scope.pop()
        return node

    def visit_arguments(self, node: ast.arguments) -> ast.AST:
        # Defaults are behaviour; annotations are not.
        node.defaults = [self.visit(d) for d in node.defaults]
        node.kw_defaults = [d if d is None else self.visit(d) for d in node.kw_defaults]
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_Import(self, node: ast.Import) -> ast.AST:
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return node

    def visit_Module(self, node: ast.Module) -> ast.AST:
        node.body = self._body(node.body)
        return node

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for statement in body:
            if _is_docstring(statement) or _is_ellipsis(statement):
                out.append(statement)
                continue
            if _is_type_checking(statement) or _is_dunder_all(statement):
                out.append(statement)
                continue
            if (
                self.scope
                and isinstance(statement, SIMPLE_STATEMENTS)
                and self._site("statement -> pass", statement)
            ):
                self.changed = statement
                out.append(ast.copy_location(ast.Pass(), statement))
                continue
            out.append(self.visit(statement))
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        # Bodies of compound statements go through _body, so their statements are sites too.
        for field in ("body", "orelse", "finalbody"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, field, self._body(value))
        for field, value in ast.iter_fields(node):
            if field in ("body", "orelse", "finalbody") and isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    continue
            if isinstance(value, list):
                visited = [self.visit(v) if isinstance(v, ast.AST) else v for v in value]
                setattr(node, field, visited)
            elif isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
        return node

    # -- the sites --------------------------------------------------------------------

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            replacement = NEGATED.get(type(op))
            if replacement is not None and self._site("negate comparison", node):
                node.ops[i] = replacement()
                self.changed = node
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        if self._site("and <-> or", node):
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self.changed = node
        return node

    def visit_If(self, node: ast.If) -> ast.AST:
        return self._condition(node)

    def visit_While(self, node: ast.While) -> ast.AST:
        return self._condition(node)

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        return self._condition(node)

    def _condition(self, node: ast.If | ast.While | ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        if _negatable_comparison(node.test):
            return node  # "negate comparison" already makes this mutant
        if self._site("negate condition", node):
            node.test = _negated(node.test)
            self.changed = node
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        for i, condition in enumerate(node.ifs):
            if _negatable_comparison(condition):
                continue
            if self._site("negate condition", node):
                node.ifs[i] = _negated(condition)
                self.changed = node
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self._site("true <-> false", node):
                self.changed = node
                return ast.copy_location(ast.Constant(value=not value), node)
        elif isinstance(value, int) and self._site("constant + 1", node):
            self.changed = node
            return ast.copy_location(ast.Constant(value=value + 1), node)
        return node


def _negatable_comparison(test: ast.expr) -> bool:
    return isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in NEGATED


def _negated(test: ast.expr) -> ast.expr:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    return ast.UnaryOp(op=ast.Not(), operand=test)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_ellipsis(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and statement.value.value is Ellipsis
    )


def _is_type_checking(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.If)
        and isinstance(statement.test, ast.Name)
        and statement.test.id == "TYPE_CHECKING"
    )


def _is_dunder_all(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in statement.targets
    )


def mutants(source: str) -> Iterator[Mutant]:
    """Every mutant of a module, in walk order, with the statement it changes before and after."""
    tree = ast.parse(source)
    sites = _Sites(target=None)
    sites.visit(copy.deepcopy(tree))
    statements = _statements(tree)
    for index, operator, scope, _node in sites.found:
        changed_tree, changed_node = _apply(source, index)
        line = getattr(changed_node, "lineno", 0)
        decorated = _decorator_at(tree, line)
        if decorated is not None:  # a decorator's argument: show the decorator itself
            before = "@" + _one_line(ast.unparse(decorated))
            after = "@" + _one_line(ast.unparse(_decorator_at(changed_tree, line) or decorated))
        elif operator == "statement -> pass":
            before_stmt = _enclosing(statements, line)
            before = (
                _one_line(ast.get_source_segment(source, before_stmt) or "") if before_stmt else ""
            )
            after = "pass"
        else:
            before_stmt = _enclosing(statements, line)
            after_stmt = _enclosing(_statements(changed_tree), line)
            before = _one_line(ast.unparse(before_stmt)) if before_stmt else ""
            after = _one_line(ast.unparse(after_stmt)) if after_stmt else ""
        yield Mutant(index, line, scope, operator, before, after)


def _decorator_at(tree: ast.AST, line: int) -> ast.expr | None:
    for node in ast.walk(tree):
        if isinstance(node, DEFINITIONS):
            for decorator in node.decorator_list:
                if decorator.lineno <= line <= (decorator.end_lineno or decorator.lineno):
                    return decorator
    return None


def mutated(source: str, index: int) -> str:
    """The module's source with mutant `index` applied."""
    tree, _ = _apply(source, index)
    return ast.unparse(tree) + "\n"


def _apply(source: str, index: int) -> tuple[ast.Module, ast.AST]:
    tree = ast.parse(source)
    sites = _Sites(target=index)
    sites.visit(tree)
    if sites.changed is None:
        raise ValueError(f"no mutation site {index}")
    return ast.fix_missing_locations(tree), sites.changed


def _statements(tree: ast.AST) -> list[ast.stmt]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]


def _enclosing(statements: list[ast.stmt], line: int) -> ast.stmt | None:
    """The innermost simple-enough statement that starts on the line (or holds it)."""
    holding = [s for s in statements if s.lineno <= line <= (s.end_lineno or s.lineno)]
    if not holding:
        return None
    innermost = max(holding, key=lambda s: (s.lineno, -(s.end_lineno or s.lineno)))
    if isinstance(innermost, (ast.If, ast.While, ast.For, ast.With, ast.Try, *DEFINITIONS)):
        # Show the header, not the whole block.
        return _header(innermost)
    return innermost


def _header(statement: ast.stmt) -> ast.stmt:
    header = copy.copy(statement)
    if isinstance(header, DEFINITIONS):
        header.decorator_list = []
    for field in ("body", "orelse", "finalbody", "handlers"):
        if hasattr(header, field):
            setattr(header, field, [ast.Pass()] if field == "body" else [])
    return header


def _one_line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return " ".join(first.split())
