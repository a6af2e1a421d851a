package scripting

import (
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// concatName is the global every .. of a script calls instead (see
// meterConcat). No script can name it: it is not a Lua name, so no local
// can shadow it.
const concatName = "..concat"

// meterConcat rewrites every a .. b of a chunk into a call of concatName,
// the sandbox's concatenation. gopher-lua's own .. has no hook, so a loop
// that doubles a string could allocate gigabytes between two looks of the
// meter; the call checks each result against Config.MaxStringBytes and
// charges it to the run's memory. a .. b .. c, which Lua reads as
// a .. (b .. c), becomes concat(a, concat(b, c)): the operands are
// evaluated in the same order, and metamethods called in the same order.
func meterConcat(chunk []ast.Stmt) {
	concatRewriter{}.stmts(chunk)
}

type concatRewriter struct{}

func (w concatRewriter) stmts(list []ast.Stmt) {
	for _, s := range list {
		w.stmt(s)
	}
}

func (w concatRewriter) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		w.exprs(s.Lhs)
		w.exprs(s.Rhs)
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
	}
}

func (w concatRewriter) exprs(list []ast.Expr) {
	for i, e := range list {
		list[i] = w.expr(e)
	}
}

// expr returns e with its concatenations rewritten; nil stays nil.
func (w concatRewriter) expr(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.StringConcatOpExpr:
		fn := &ast.IdentExpr{Value: concatName}
		call := &ast.FuncCallExpr{Func: fn, Args: []ast.Expr{w.expr(e.Lhs), w.expr(e.Rhs)}}
		for _, n := range []ast.Expr{fn, call} {
			n.SetLine(e.Line())
			n.SetLastLine(e.LastLine())
		}
		return call
	case *ast.AttrGetExpr:
		e.Object, e.Key = w.expr(e.Object), w.expr(e.Key)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			f.Key, f.Value = w.expr(f.Key), w.expr(f.Value)
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
	}
	return e
}

// concat is a .. b in scripts: strings and numbers are joined as Lua joins
// them, within Config.MaxStringBytes and charged to the run's memory; other
// values go to their __concat metamethod, as in Lua.
func (v *vm) concat(L *lua.LState) int {
	lhs, rhs := L.Get(1), L.Get(2)
	if !lua.LVCanConvToString(lhs) || !lua.LVCanConvToString(rhs) {
		op := L.GetMetaField(lhs, "__concat")
		if op == lua.LNil {
			op = L.GetMetaField(rhs, "__concat")
		}
		if op == lua.LNil {
			L.RaiseError("cannot perform concat operation between %s and %s", lhs.Type(), rhs.Type())
		}
		L.Push(op)
		L.Push(lhs)
		L.Push(rhs)
		L.Call(2, 1)
		return 1
	}
	a, b := lua.LVAsString(lhs), lua.LVAsString(rhs)
	n := len(a) + len(b)
	v.checkSize(L, "..", n)
	v.charge(L, n)
	L.Push(lua.LString(a + b))
	return 1
}
