package scripting

import (
	"fmt"
	"slices"
	"strconv"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// The sandbox's own functions that compiled scripts call in place of
// operations gopher-lua gives no hook for (see rewrite). Their names are
// not Lua names: no script can name them, and the chunk reads them into
// locals of the same names before anything else runs, so no script can
// replace them either (_G["..concat"] = f changes the global, not the
// local).
const (
	concatName   = "..concat"
	setIndexName = "..setindex"
	tableKeyName = "..tablekey"
)

// smallKey bounds the number keys that are left to gopher-lua: setting
// t[k] for a constant whole k below it fills at most smallKey array slots.
const smallKey = 1024

// rewrite rewrites a chunk so that what gopher-lua does within a single
// instruction, out of the meter's sight, goes through the sandbox:
//
//   - every a .. b becomes a call of concatName (see vm.concat): gopher-lua's
//     own .. has no hook, so a loop that doubles a string could allocate
//     gigabytes between two looks of the meter. a .. b .. c, which Lua reads
//     as a .. (b .. c), becomes concat(a, concat(b, c)): the operands are
//     evaluated in the same order, and metamethods called in the same order.
//   - every t[k] = v whose key is not a constant string or a small constant
//     number becomes a call of setIndexName (see vm.setIndex): gopher-lua
//     fills every array slot below a number key it is given, so
//     t[67108863] = 1 would take a gigabyte in one instruction.
//   - every key [k] of a table constructor that is not such a constant
//     becomes tableKeyName(k) (see vm.tableKey), for the same reason.
//
// It knows every node of gopher-lua's syntax tree and panics on one it does
// not (compile turns that into an error), so that a gopher-lua with new
// syntax cannot slip past it.
func rewrite(chunk []ast.Stmt) []ast.Stmt {
	w := &rewriter{}
	w.stmts(chunk)
	var names []string
	var values []ast.Expr
	for _, name := range []string{concatName, setIndexName, tableKeyName} {
		if w.used[name] {
			names = append(names, name)
			values = append(values, &ast.IdentExpr{Value: name})
		}
	}
	if len(names) == 0 {
		return chunk
	}
	return append([]ast.Stmt{&ast.LocalAssignStmt{Names: names, Exprs: values}}, chunk...)
}

type rewriter struct {
	used  map[string]bool // the sandbox functions the chunk calls
	temps int             // temporaries made so far, for their names
}

// syntaxNodes is every node type of gopher-lua's syntax tree that the
// rewriter handles; TestRewriterKnowsEverySyntaxNode compares it with the
// types the ast package declares.
var syntaxNodes = []any{
	(*ast.AssignStmt)(nil), (*ast.LocalAssignStmt)(nil), (*ast.FuncCallStmt)(nil), (*ast.DoBlockStmt)(nil),
	(*ast.WhileStmt)(nil), (*ast.RepeatStmt)(nil), (*ast.IfStmt)(nil), (*ast.NumberForStmt)(nil),
	(*ast.GenericForStmt)(nil), (*ast.FuncDefStmt)(nil), (*ast.ReturnStmt)(nil), (*ast.BreakStmt)(nil),
	(*ast.LabelStmt)(nil), (*ast.GotoStmt)(nil),
	(*ast.TrueExpr)(nil), (*ast.FalseExpr)(nil), (*ast.NilExpr)(nil), (*ast.NumberExpr)(nil),
	(*ast.StringExpr)(nil), (*ast.Comma3Expr)(nil), (*ast.IdentExpr)(nil), (*ast.AttrGetExpr)(nil),
	(*ast.TableExpr)(nil), (*ast.FuncCallExpr)(nil), (*ast.LogicalOpExpr)(nil), (*ast.RelationalOpExpr)(nil),
	(*ast.StringConcatOpExpr)(nil), (*ast.ArithmeticOpExpr)(nil), (*ast.UnaryMinusOpExpr)(nil),
	(*ast.UnaryNotOpExpr)(nil), (*ast.UnaryLenOpExpr)(nil), (*ast.FunctionExpr)(nil),
}

func (w *rewriter) stmts(list []ast.Stmt) {
	for i, s := range list {
		list[i] = w.stmt(s)
	}
}

// stmt returns s rewritten: s itself, changed in place, or a statement
// that replaces it.
func (w *rewriter) stmt(s ast.Stmt) ast.Stmt {
	switch s := s.(type) {
	case *ast.AssignStmt:
		w.exprs(s.Lhs)
		w.exprs(s.Rhs)
		return w.assign(s)
	case *ast.LocalAssignStmt:
		w.exprs(s.Exprs)
	case *ast.FuncCallStmt:
		s.Expr = w.expr(s.Expr)
	case *ast.DoBlockStmt:
		w.stmts(s.Stmts)
	case *ast.WhileStmt:
		s.Condition = w.expr(s.Condition)
		w.stmts(s.Stmts)
	case *ast.RepeatStmt:
		s.Condition = w.expr(s.Condition)
		w.stmts(s.Stmts)
	case *ast.IfStmt:
		s.Condition = w.expr(s.Condition)
		w.stmts(s.Then)
		w.stmts(s.Else)
	case *ast.NumberForStmt:
		s.Init, s.Limit, s.Step = w.expr(s.Init), w.expr(s.Limit), w.expr(s.Step)
		w.stmts(s.Stmts)
	case *ast.GenericForStmt:
		w.exprs(s.Exprs)
		w.stmts(s.Stmts)
	case *ast.FuncDefStmt:
		if s.Name != nil {
			s.Name.Func, s.Name.Receiver = w.expr(s.Name.Func), w.expr(s.Name.Receiver)
		}
		w.expr(s.Func)
	case *ast.ReturnStmt:
		w.exprs(s.Exprs)
	case *ast.BreakStmt, *ast.LabelStmt, *ast.GotoStmt:
	default:
		panic(fmt.Sprintf("unknown statement %T", s))
	}
	return s
}

func (w *rewriter) exprs(list []ast.Expr) {
	for i, e := range list {
		list[i] = w.expr(e)
	}
}

// expr returns e rewritten; nil stays nil.
func (w *rewriter) expr(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *ast.StringConcatOpExpr:
		return w.call(e.Line(), concatName, w.expr(e.Lhs), w.expr(e.Rhs))
	case *ast.AttrGetExpr:
		e.Object, e.Key = w.expr(e.Object), w.expr(e.Key)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			f.Key, f.Value = w.expr(f.Key), w.expr(f.Value)
			if f.Key != nil && !constantKey(f.Key) {
				f.Key = w.call(f.Key.Line(), tableKeyName, f.Key)
			}
		}
	case *ast.FuncCallExpr:
		e.Func, e.Receiver = w.expr(e.Func), w.expr(e.Receiver)
		w.exprs(e.Args)
	case *ast.LogicalOpExpr:
		e.Lhs, e.Rhs = w.expr(e.Lhs), w.expr(e.Rhs)
	case *ast.RelationalOpExpr:
		e.Lhs, e.Rhs = w.expr(e.Lhs), w.expr(e.Rhs)
	case *ast.ArithmeticOpExpr:
		e.Lhs, e.Rhs = w.expr(e.Lhs), w.expr(e.Rhs)
	case *ast.UnaryMinusOpExpr:
		e.Expr = w.expr(e.Expr)
	case *ast.UnaryNotOpExpr:
		e.Expr = w.expr(e.Expr)
	case *ast.UnaryLenOpExpr:
		e.Expr = w.expr(e.Expr)
	case *ast.FunctionExpr:
		w.stmts(e.Stmts)
	case *ast.TrueExpr, *ast.FalseExpr, *ast.NilExpr, *ast.NumberExpr, *ast.StringExpr,
		*ast.Comma3Expr, *ast.IdentExpr:
	default:
		panic(fmt.Sprintf("unknown expression %T", e))
	}
	return e
}

// constantKey reports whether a key can be left to gopher-lua: a constant
// that is not a number, or a whole number below smallKey.
func constantKey(k ast.Expr) bool {
	switch k := k.(type) {
	case *ast.StringExpr, *ast.TrueExpr, *ast.FalseExpr, *ast.NilExpr:
		return true
	case *ast.NumberExpr:
		n := float64(lua.LVAsNumber(lua.LString(k.Value)))
		return n < smallKey
	}
	return false
}

// meteredIndex reports whether e, the target of an assignment, is t[k]
// with a key that cannot be left to gopher-lua.
func meteredIndex(e ast.Expr) bool {
	a, ok := e.(*ast.AttrGetExpr)
	return ok && !constantKey(a.Key)
}

// assign rewrites t[k] = v into setIndexName(t, k, v). In an assignment of
// several targets, every table and key is first read into a temporary, then
// every value, and then each target is set from them: a, t[k] = x, y
// becomes
//
//	do local o2, k2 = t, k; local v1, v2 = x, y; a = v1; setindex(o2, k2, v2) end
func (w *rewriter) assign(s *ast.AssignStmt) ast.Stmt {
	if !slices.ContainsFunc(s.Lhs, meteredIndex) {
		return s
	}
	line := s.Line()
	if len(s.Lhs) == 1 {
		a := s.Lhs[0].(*ast.AttrGetExpr)
		return w.callStmt(line, setIndexName, append([]ast.Expr{a.Object, a.Key}, s.Rhs...)...)
	}
	var targets, values local
	type target struct{ object, key, value *ast.IdentExpr }
	sets := make([]target, len(s.Lhs))
	for i, lhs := range s.Lhs {
		sets[i].value = values.add(w, line, "v", nil)
		if a, ok := lhs.(*ast.AttrGetExpr); ok {
			sets[i].object = targets.add(w, line, "o", a.Object)
			sets[i].key = targets.add(w, line, "k", a.Key)
		}
	}
	values.exprs = s.Rhs
	block := []ast.Stmt{}
	if len(targets.names) > 0 {
		block = append(block, targets.stmt(line))
	}
	block = append(block, values.stmt(line))
	for i, lhs := range s.Lhs {
		t := sets[i]
		switch {
		case meteredIndex(lhs):
			block = append(block, w.callStmt(line, setIndexName, t.object, t.key, t.value))
		case t.object != nil:
			get := &ast.AttrGetExpr{Object: t.object, Key: t.key}
			block = append(block, positioned(line, &ast.AssignStmt{Lhs: []ast.Expr{positioned(line, get)}, Rhs: []ast.Expr{t.value}}))
		default:
			block = append(block, positioned(line, &ast.AssignStmt{Lhs: []ast.Expr{lhs}, Rhs: []ast.Expr{t.value}}))
		}
	}
	return positioned(line, &ast.DoBlockStmt{Stmts: block})
}

// local is a local statement being built of temporaries.
type local struct {
	names []string
	exprs []ast.Expr
}

// add adds a temporary (named after prefix, so no Lua name can clash with
// it) set to e, and returns a reference to it.
func (l *local) add(w *rewriter, line int, prefix string, e ast.Expr) *ast.IdentExpr {
	w.temps++
	name := ".." + prefix + strconv.Itoa(w.temps)
	l.names = append(l.names, name)
	if e != nil {
		l.exprs = append(l.exprs, e)
	}
	return positioned(line, &ast.IdentExpr{Value: name})
}

func (l *local) stmt(line int) ast.Stmt {
	return positioned(line, &ast.LocalAssignStmt{Names: l.names, Exprs: l.exprs})
}

// call is the call fn(args...) of a sandbox function, at line.
func (w *rewriter) call(line int, fn string, args ...ast.Expr) *ast.FuncCallExpr {
	if w.used == nil {
		w.used = map[string]bool{}
	}
	w.used[fn] = true
	return positioned(line, &ast.FuncCallExpr{Func: positioned(line, &ast.IdentExpr{Value: fn}), Args: args})
}

func (w *rewriter) callStmt(line int, fn string, args ...ast.Expr) ast.Stmt {
	return positioned(line, &ast.FuncCallStmt{Expr: w.call(line, fn, args...)})
}

// positioned sets the line of a node the rewriter made, so that errors
// name the line of the source it stands for.
func positioned[N ast.PositionHolder](line int, n N) N {
	n.SetLine(line)
	n.SetLastLine(line)
	return n
}
